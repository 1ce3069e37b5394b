/* smbdirect: SMB Direct client and server with Multichannel (see
 * smbdirect.h).
 *
 * Bookkeeping.  A client operation (struct op) is cut into requests
 * (struct req) that wait on the client's pending queue until a connection
 * with a free credit takes them; a taken request sits on its connection's
 * in-flight list (in sequence order) until the response for its sequence
 * number arrives.  Per connection, two message queues stand for the SEND
 * payloads: the server connection's `inbox` (the requests the client
 * SENT, consumed by the server's receives) and the client connection's
 * `resp` (the sequence numbers of the responses the server SENT, consumed
 * by the client's receives).  The server keeps values, never pointers to
 * client objects, so a request retried elsewhere cannot be touched by a
 * stale server connection.
 */
#include "smbdirect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"

/* The READ a server issues for a WRITE request is told apart from its
 * other work requests by this bit of its wr_id. */
#define WR_SERVER_READ (1ull << 63)
#define RKEY_CLIENT 0x1234u /* the client's buffer rkey (not checked by the model) */

struct op {
    uint64_t id;
    int write;
    uint64_t bytes;
    uint32_t reqs_left;
    sim_time_t start;
    struct op *next;          /* client's op list */
};

struct req {
    struct op *op;
    uint32_t len;
    uint64_t raddr;           /* the client buffer's address (stand-in) */
    uint64_t seq;             /* sequence number on its connection */
    struct req *next;         /* pending queue or in-flight list */
};

/* What the server knows of a request: the SEND's content. */
struct sreq {
    uint64_t seq;
    int write;
    uint32_t len;
    uint64_t raddr;
};

struct sconn;

struct conn {
    struct smbd_client *c;
    int path;
    enum smbd_conn_state state;
    struct roce_qp *qp;       /* owned while set */
    struct sconn *peer;       /* the server's side, linked at accept; not owned */
    struct req *head, *tail;  /* in flight, in sequence order */
    uint32_t outstanding;
    uint64_t next_seq;
    uint64_t *resp;           /* ring of response sequence numbers */
    size_t resp_cap, resp_head, resp_count;
    uint64_t bytes;
    uint32_t generation;
    sim_event_id reconnect_ev;
    sim_event_id idle_ev;     /* the Idle Connection Timer, while up */
    sim_time_t last_rx;       /* the last message from the server */
    uint64_t done_qps[4];     /* counters of its QPs gone, both ends (smbd_client_rdma_counters) */
};

struct sconn {
    struct smbd_server *srv;
    struct roce_qp *qp;       /* owned */
    struct conn *peer;        /* the client's side; not owned; NULL once unlinked */
    struct sreq *inbox;       /* ring of requests SENT by the client */
    size_t in_cap, in_head, in_count;
    struct sreq *reading;     /* WRITE requests whose RDMA READ runs */
    size_t nreading, reading_cap;
    int dead;
    struct sconn *next;
};

/* A connection the server expects (the client's REQ carries comm_id). */
struct expect {
    uint8_t version;
    uint8_t ip[16];
    uint32_t comm_id;
    struct conn *conn;
    struct expect *next;
};

struct smbd_server {
    struct sim_engine *eng;   /* not owned */
    struct trace *trace;
    struct smbd_settings cfg;
    char *name;
    struct sconn *conns;      /* owned */
    struct expect *expects;   /* owned */
    struct smbd_server_stats st;
};

struct smbd_client {
    struct sim_engine *eng;   /* not owned */
    struct trace *trace;
    struct smbd_settings cfg;
    char *name;
    trace_obj_t obj;
    struct smbd_server *srv;  /* not owned */
    struct smbd_path *paths;
    size_t npaths;
    struct conn *conns;       /* [npaths * conns_per_channel] */
    size_t nconns;
    size_t rr;
    struct req *pend_head, *pend_tail;
    struct op *ops;
    size_t nops;
    uint64_t next_addr;
    sim_event_id dispatch_ev;
    smbd_done_fn done;
    void *done_ctx;
    struct smbd_client_stats st;
};

void smbd_settings_default(struct smbd_settings *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->conns_per_channel = SMBD_DEFAULT_CONNS;
    s->max_io = SMBD_DEFAULT_MAX_IO;
    s->credits = SMBD_DEFAULT_CREDITS;
    s->reconnect_delay = SMBD_DEFAULT_RECONNECT_DELAY;
    s->idle_timeout = SMBD_DEFAULT_IDLE_TIMEOUT;
}

static int settings_ok__(const struct smbd_settings *s)
{
    return s && s->name && s->conns_per_channel && s->max_io && s->credits;
}

static int grow__(void **arr, size_t *cap, size_t elem, size_t head, size_t count)
{
    size_t ncap = *cap ? *cap * 2 : 16;
    uint8_t *n = malloc(ncap * elem);
    if (!n)
        return -ENOMEM;
    for (size_t k = 0; k < count; k++)
        memcpy(n + k * elem, (uint8_t *)*arr + ((head + k) & (*cap - 1)) * elem, elem);
    free(*arr);
    *arr = n;
    *cap = ncap;
    return 0;
}

/* ---- server ------------------------------------------------------------- */

static void sconn_unlink__(struct sconn *s)
{
    if (s->peer && s->peer->peer == s)
        s->peer->peer = NULL;
    s->peer = NULL;
}

static void sconn_reap__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct sconn *s = ctx;
    struct smbd_server *srv = s->srv;
    for (struct sconn **pp = &srv->conns; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    roce_qp_destroy(s->qp);
    free(s->inbox);
    free(s->reading);
    free(s);
}

static void s_error__(void *ctx, struct roce_qp *qp, enum roce_qp_err why)
{
    struct sconn *s = ctx;
    if (s->dead)
        return;
    s->dead = 1;
    s->srv->st.dropped++;
    if (s->peer)
        roce_qp_add_loss_counters(qp, s->peer->done_qps);
    sconn_unlink__(s);
    /* A connection lost here (FO-009: the vNIC's member changed, or the
     * retries ran out) is disconnected, as the client does: the DREQ tells
     * the client, whose requests on it would otherwise wait for responses
     * that never come (their SENDs were acknowledged, so its QP has
     * nothing to time out). */
    if (why != ROCE_ERR_REMOTE_DISCONNECT && why != ROCE_ERR_LOCAL_DISCONNECT)
        roce_disconnect(qp);
    /* The QP is destroyed from its own event, never inside its callback. */
    sim_schedule_in(s->srv->eng, 0, sconn_reap__, s, NULL);
}

static void respond__(struct sconn *s, uint64_t seq)
{
    if (roce_post_send(s->qp, seq, SMBD_RESPONSE_BYTES) != 0)
        return;
    struct conn *c = s->peer;
    if (!c)
        return; /* the client gave this connection up: nobody reads it */
    if (c->resp_count == c->resp_cap &&
        grow__((void **)&c->resp, &c->resp_cap, sizeof *c->resp, c->resp_head, c->resp_count))
        return;
    c->resp[(c->resp_head + c->resp_count) & (c->resp_cap - 1)] = seq;
    c->resp_count++;
}

static void s_recv__(void *ctx, struct roce_qp *qp, uint32_t bytes)
{
    (void)qp;
    (void)bytes;
    struct sconn *s = ctx;
    if (s->dead || !s->in_count)
        return;
    struct sreq r = s->inbox[s->in_head];
    s->in_head = (s->in_head + 1) & (s->in_cap - 1);
    s->in_count--;
    struct smbd_server *srv = s->srv;
    srv->st.requests++;
    if (!r.write) {
        /* SMB2 READ: the data goes into the client's buffer, then the
         * response; RC keeps them in order. */
        if (roce_post_write(s->qp, r.seq, r.len, r.raddr, RKEY_CLIENT) == 0)
            srv->st.bytes_written_to_client += r.len;
        respond__(s, r.seq);
        return;
    }
    /* SMB2 WRITE: fetch the data, respond when it is here. */
    if (s->nreading == s->reading_cap) {
        size_t ncap = s->reading_cap ? s->reading_cap * 2 : 8;
        struct sreq *n = realloc(s->reading, ncap * sizeof *n);
        if (!n)
            return;
        s->reading = n;
        s->reading_cap = ncap;
    }
    if (roce_post_read(s->qp, r.seq | WR_SERVER_READ, r.len, r.raddr, RKEY_CLIENT) == 0)
        s->reading[s->nreading++] = r;
}

static void s_completion__(void *ctx, struct roce_qp *qp, const struct roce_wc *wc)
{
    (void)qp;
    struct sconn *s = ctx;
    if (wc->status != 0 || s->dead || wc->op != ROCE_OP_READ || !(wc->wr_id & WR_SERVER_READ))
        return;
    uint64_t seq = wc->wr_id & ~WR_SERVER_READ;
    for (size_t i = 0; i < s->nreading; i++)
        if (s->reading[i].seq == seq) {
            s->srv->st.bytes_read_from_client += s->reading[i].len;
            s->reading[i] = s->reading[--s->nreading];
            respond__(s, seq);
            return;
        }
}

static const struct roce_qp_ops server_ops = {
    .completion = s_completion__,
    .recv = s_recv__,
    .error = s_error__,
};

static struct roce_qp *accept__(void *ctx, struct roce_dev *dev, const struct roce_conn_req *req)
{
    struct smbd_server *srv = ctx;
    size_t n = req->version == 4 ? 4 : 16;
    struct expect **pp = &srv->expects;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->comm_id == req->comm_id && (*pp)->version == req->version &&
            memcmp((*pp)->ip, req->peer_ip, n) == 0)
            break;
    if (!*pp)
        return NULL; /* no client of ours: refuse */
    struct sconn *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    struct roce_qp_settings qs = {.nd_port = SMBD_PORT, .ops = &server_ops, .ctx = s};
    s->qp = roce_qp_create(dev, &qs);
    if (!s->qp) {
        free(s);
        return NULL;
    }
    struct expect *e = *pp;
    *pp = e->next;
    s->peer = e->conn;
    e->conn->peer = s;
    free(e);
    s->next = srv->conns;
    srv->conns = s;
    srv->st.accepted++;
    return s->qp;
}

static int server_expect__(struct smbd_server *srv, struct conn *c, uint8_t version,
                           const uint8_t *ip, uint32_t comm_id)
{
    struct expect *e = calloc(1, sizeof *e);
    if (!e)
        return -ENOMEM;
    e->version = version;
    memcpy(e->ip, ip, version == 4 ? 4 : 16);
    e->comm_id = comm_id;
    e->conn = c;
    e->next = srv->expects;
    srv->expects = e;
    return 0;
}

static void server_forget__(struct smbd_server *srv, const struct conn *c)
{
    for (struct expect **pp = &srv->expects; *pp;) {
        if ((*pp)->conn == c) {
            struct expect *e = *pp;
            *pp = e->next;
            free(e);
        } else {
            pp = &(*pp)->next;
        }
    }
}

struct smbd_server *smbd_server_create(struct sim_engine *eng, struct trace *trace,
                                       const struct smbd_settings *s, struct roce_dev *const *devs,
                                       size_t n)
{
    if (!eng || !settings_ok__(s) || !devs || !n) {
        errno = EINVAL;
        return NULL;
    }
    struct smbd_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->eng = eng;
    srv->trace = trace;
    srv->cfg = *s;
    srv->name = strdup(s->name);
    if (!srv->name) {
        free(srv);
        return NULL;
    }
    srv->cfg.name = srv->name;
    for (size_t i = 0; i < n; i++)
        if (roce_listen(devs[i], SMBD_PORT, accept__, srv) != 0) {
            smbd_server_destroy(srv);
            errno = EADDRINUSE;
            return NULL;
        }
    return srv;
}

void smbd_server_destroy(struct smbd_server *srv)
{
    if (!srv)
        return;
    while (srv->conns) {
        struct sconn *s = srv->conns;
        srv->conns = s->next;
        sconn_unlink__(s);
        free(s->inbox);
        free(s->reading);
        free(s); /* its QP goes with its roce_dev */
    }
    while (srv->expects) {
        struct expect *e = srv->expects;
        srv->expects = e->next;
        free(e);
    }
    free(srv->name);
    free(srv);
}

const struct smbd_server_stats *smbd_server_stats(const struct smbd_server *srv)
{
    return &srv->st;
}

size_t smbd_server_conn_count(const struct smbd_server *srv)
{
    size_t n = 0;
    for (const struct sconn *s = srv->conns; s; s = s->next)
        n += !s->dead;
    return n;
}

/* ---- client: queues ------------------------------------------------------- */

static void dispatch_ev__(struct sim_engine *eng, void *ctx, void *arg);

static void schedule_dispatch__(struct smbd_client *c)
{
    if (!c->dispatch_ev)
        c->dispatch_ev = sim_schedule_in(c->eng, 0, dispatch_ev__, c, NULL);
}

static void pend_push_back__(struct smbd_client *c, struct req *r)
{
    r->next = NULL;
    if (c->pend_tail)
        c->pend_tail->next = r;
    else
        c->pend_head = r;
    c->pend_tail = r;
}

static int sconn_inbox_push__(struct sconn *s, const struct sreq *r)
{
    if (s->in_count == s->in_cap &&
        grow__((void **)&s->inbox, &s->in_cap, sizeof *s->inbox, s->in_head, s->in_count))
        return -ENOMEM;
    s->inbox[(s->in_head + s->in_count) & (s->in_cap - 1)] = *r;
    s->in_count++;
    return 0;
}

/* Sends request r on conn: the SEND, and its content into the server's
 * inbox of this connection. */
static int send_req__(struct conn *cn, struct req *r)
{
    r->seq = cn->next_seq;
    if (roce_post_send(cn->qp, r->seq, SMBD_REQUEST_BYTES) != 0)
        return -EIO;
    cn->next_seq++;
    if (cn->peer) {
        struct sreq sr = {.seq = r->seq, .write = r->op->write, .len = r->len, .raddr = r->raddr};
        sconn_inbox_push__(cn->peer, &sr);
    }
    r->next = NULL;
    if (cn->tail)
        cn->tail->next = r;
    else
        cn->head = r;
    cn->tail = r;
    cn->outstanding++;
    cn->c->st.requests++;
    return 0;
}

static void dispatch__(struct smbd_client *c)
{
    while (c->pend_head) {
        struct conn *pick = NULL;
        for (size_t k = 0; k < c->nconns; k++) {
            struct conn *cn = &c->conns[(c->rr + k) % c->nconns];
            if (cn->state == SMBD_CONN_UP && cn->outstanding < c->cfg.credits) {
                pick = cn;
                c->rr = (c->rr + k + 1) % c->nconns;
                break;
            }
        }
        if (!pick)
            return;
        struct req *r = c->pend_head;
        c->pend_head = r->next;
        if (!c->pend_head)
            c->pend_tail = NULL;
        if (send_req__(pick, r) != 0) {
            r->next = c->pend_head;
            c->pend_head = r;
            if (!c->pend_tail)
                c->pend_tail = r;
            return;
        }
    }
}

static void dispatch_ev__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct smbd_client *c = ctx;
    c->dispatch_ev = 0;
    dispatch__(c);
}

static void op_finish__(struct smbd_client *c, struct op *o)
{
    for (struct op **pp = &c->ops; *pp; pp = &(*pp)->next)
        if (*pp == o) {
            *pp = o->next;
            break;
        }
    c->nops--;
    c->st.ops_done++;
    if (c->done)
        c->done(c->done_ctx, o->id, o->write, o->bytes, o->start, sim_now(c->eng));
    free(o);
}

static void req_done__(struct smbd_client *c, struct conn *cn, struct req *r)
{
    struct op *o = r->op;
    cn->bytes += r->len;
    if (o->write)
        c->st.bytes_written += r->len;
    else
        c->st.bytes_read += r->len;
    free(r);
    if (--o->reqs_left == 0)
        op_finish__(c, o);
}

/* ---- client: connections -------------------------------------------------- */

static const struct roce_qp_ops client_ops;

static void conn_connect__(struct conn *cn)
{
    struct smbd_client *c = cn->c;
    const struct smbd_path *p = &c->paths[cn->path];
    struct roce_qp_settings qs = {.nd_port = SMBD_PORT, .ops = &client_ops, .ctx = cn};
    cn->qp = roce_qp_create(p->dev, &qs);
    if (!cn->qp)
        return;
    cn->generation++;
    cn->next_seq = 0;
    cn->state = SMBD_CONN_CONNECTING;
    uint8_t src[16] = {0};
    ipstack_src_addr(roce_dev_stack(p->dev), p->version, p->server_ip, src);
    server_expect__(c->srv, cn, p->version, src, roce_qp_comm_id(cn->qp));
    roce_connect(cn->qp, p->version, p->server_ip, SMBD_PORT);
}

static void reconnect__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct conn *cn = ctx;
    struct smbd_client *c = cn->c;
    cn->reconnect_ev = 0;
    roce_qp_add_loss_counters(cn->qp, cn->done_qps);
    roce_qp_destroy(cn->qp);
    cn->qp = NULL;
    c->st.reconnects++;
    if (c->trace) {
        struct trace_rec r = {.obj = c->obj, .has = TRACE_HAS_VALUE, .value = cn->path,
                              .detail = "smbdirect reconnect"};
        trace_event(c->trace, sim_now(c->eng), TRACE_NOTE, &r);
    }
    conn_connect__(cn);
}

/* The probe's work request id (the client posts no other WRITE). */
#define KEEPALIVE_WR_ID UINT64_MAX

/* The Idle Connection Timer: re-armed lazily from last_rx (c_recv__ only
 * stores the time). */
static void idle__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct conn *cn = ctx;
    struct smbd_client *c = cn->c;
    cn->idle_ev = 0;
    if (cn->state != SMBD_CONN_UP || !cn->qp)
        return;
    sim_time_t now = sim_now(eng), due = cn->last_rx + c->cfg.idle_timeout;
    if (now < due) {
        cn->idle_ev = sim_schedule_at(eng, due, idle__, cn, NULL);
        return;
    }
    if (cn->outstanding && roce_post_write(cn->qp, KEEPALIVE_WR_ID, 0, 0, 0) == 0)
        c->st.keepalives++;
    cn->last_rx = now;
    cn->idle_ev = sim_schedule_at(eng, now + c->cfg.idle_timeout, idle__, cn, NULL);
}

static void c_established__(void *ctx, struct roce_qp *qp)
{
    (void)qp;
    struct conn *cn = ctx;
    struct smbd_client *c = cn->c;
    cn->state = SMBD_CONN_UP;
    cn->last_rx = sim_now(c->eng);
    if (c->cfg.idle_timeout && !cn->idle_ev)
        cn->idle_ev = sim_schedule_in(c->eng, c->cfg.idle_timeout, idle__, cn, NULL);
    dispatch__(c);
}

static void c_error__(void *ctx, struct roce_qp *qp, enum roce_qp_err why)
{
    (void)why;
    struct conn *cn = ctx;
    struct smbd_client *c = cn->c;
    c->st.qp_errors++;
    cn->state = SMBD_CONN_DOWN;
    if (cn->idle_ev) {
        sim_cancel(c->eng, cn->idle_ev);
        cn->idle_ev = 0;
    }
    if (cn->peer) {
        roce_qp_add_loss_counters(cn->peer->qp, cn->done_qps);
        cn->peer->peer = NULL;
        cn->peer = NULL;
    }
    server_forget__(c->srv, cn);
    /* Its requests go back to the head of the queue, in order. */
    if (cn->head) {
        cn->tail->next = c->pend_head;
        c->pend_head = cn->head;
        if (!c->pend_tail)
            c->pend_tail = cn->tail;
        c->st.retried += cn->outstanding;
    }
    cn->head = cn->tail = NULL;
    cn->outstanding = 0;
    cn->resp_count = 0;
    /* FO-009: DREQ for the old connection (sent from the device's next
     * event), a new QP after the delay; the other channels take the
     * requests meanwhile. */
    roce_disconnect(qp);
    if (!cn->reconnect_ev)
        cn->reconnect_ev = sim_schedule_in(c->eng, c->cfg.reconnect_delay, reconnect__, cn, NULL);
    schedule_dispatch__(c);
}

static void c_recv__(void *ctx, struct roce_qp *qp, uint32_t bytes)
{
    (void)qp;
    (void)bytes;
    struct conn *cn = ctx;
    cn->last_rx = sim_now(cn->c->eng);
    if (!cn->resp_count)
        return;
    uint64_t seq = cn->resp[cn->resp_head];
    cn->resp_head = (cn->resp_head + 1) & (cn->resp_cap - 1);
    cn->resp_count--;
    struct req *prev = NULL;
    for (struct req *r = cn->head; r; prev = r, r = r->next) {
        if (r->seq != seq)
            continue;
        if (prev)
            prev->next = r->next;
        else
            cn->head = r->next;
        if (cn->tail == r)
            cn->tail = prev;
        cn->outstanding--;
        req_done__(cn->c, cn, r);
        dispatch__(cn->c);
        return;
    }
}

static void c_completion__(void *ctx, struct roce_qp *qp, const struct roce_wc *wc)
{
    /* SEND completions carry nothing the client needs; failures are
     * handled by c_error__. */
    (void)ctx;
    (void)qp;
    (void)wc;
}

static const struct roce_qp_ops client_ops = {
    .established = c_established__,
    .completion = c_completion__,
    .recv = c_recv__,
    .error = c_error__,
};

struct smbd_client *smbd_client_create(struct sim_engine *eng, struct trace *trace,
                                       const struct smbd_settings *s,
                                       const struct smbd_path *paths, size_t n,
                                       struct smbd_server *srv)
{
    if (!eng || !settings_ok__(s) || !paths || !n || !srv) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!paths[i].dev || (paths[i].version != 4 && paths[i].version != 6)) {
            errno = EINVAL;
            return NULL;
        }
    struct smbd_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->eng = eng;
    c->trace = trace;
    c->cfg = *s;
    c->srv = srv;
    c->name = strdup(s->name);
    c->paths = calloc(n, sizeof *c->paths);
    c->nconns = n * s->conns_per_channel;
    c->conns = calloc(c->nconns, sizeof *c->conns);
    if (!c->name || !c->paths || !c->conns) {
        smbd_client_destroy(c);
        return NULL;
    }
    c->cfg.name = c->name;
    memcpy(c->paths, paths, n * sizeof *paths);
    c->npaths = n;
    for (size_t i = 0; i < c->nconns; i++) {
        c->conns[i].c = c;
        /* Connections alternate over the paths, so round robin spreads
         * requests over the interfaces. */
        c->conns[i].path = (int)(i % n);
    }
    if (trace) {
        int id = trace_object(trace, c->name, "smbdirect");
        c->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
    }
    return c;
}

void smbd_client_destroy(struct smbd_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->conns && i < c->nconns; i++) {
        struct conn *cn = &c->conns[i];
        if (cn->peer)
            cn->peer->peer = NULL;
        for (struct req *r = cn->head; r;) {
            struct req *nx = r->next;
            free(r);
            r = nx;
        }
        free(cn->resp); /* the QP goes with its roce_dev */
    }
    if (c->srv)
        for (size_t i = 0; c->conns && i < c->nconns; i++)
            server_forget__(c->srv, &c->conns[i]);
    for (struct req *r = c->pend_head; r;) {
        struct req *nx = r->next;
        free(r);
        r = nx;
    }
    while (c->ops) {
        struct op *o = c->ops;
        c->ops = o->next;
        free(o);
    }
    free(c->conns);
    free(c->paths);
    free(c->name);
    free(c);
}

void smbd_client_set_done(struct smbd_client *c, smbd_done_fn fn, void *ctx)
{
    c->done = fn;
    c->done_ctx = ctx;
}

int smbd_client_start(struct smbd_client *c)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].state == SMBD_CONN_DOWN && !c->conns[i].qp)
            conn_connect__(&c->conns[i]);
    return 0;
}

static int submit__(struct smbd_client *c, int write, uint64_t bytes, uint64_t op_id)
{
    if (!bytes)
        return -EINVAL;
    struct op *o = calloc(1, sizeof *o);
    if (!o)
        return -ENOMEM;
    o->id = op_id;
    o->write = write;
    o->bytes = bytes;
    o->start = sim_now(c->eng);
    uint64_t off = 0;
    while (off < bytes) {
        struct req *r = calloc(1, sizeof *r);
        if (!r)
            return -ENOMEM; /* the requests queued so far still run */
        r->op = o;
        r->len = bytes - off < c->cfg.max_io ? (uint32_t)(bytes - off) : c->cfg.max_io;
        r->raddr = c->next_addr;
        c->next_addr += r->len;
        off += r->len;
        o->reqs_left++;
        pend_push_back__(c, r);
    }
    o->next = c->ops;
    c->ops = o;
    c->nops++;
    schedule_dispatch__(c);
    return 0;
}

int smbd_client_read(struct smbd_client *c, uint64_t bytes, uint64_t op_id)
{
    return submit__(c, 0, bytes, op_id);
}

int smbd_client_write(struct smbd_client *c, uint64_t bytes, uint64_t op_id)
{
    return submit__(c, 1, bytes, op_id);
}

size_t smbd_client_pending(const struct smbd_client *c) { return c->nops; }
const struct smbd_client_stats *smbd_client_stats(const struct smbd_client *c) { return &c->st; }
size_t smbd_client_conn_count(const struct smbd_client *c) { return c->nconns; }

int smbd_client_conn_info(const struct smbd_client *c, size_t i, struct smbd_conn_info *out)
{
    if (i >= c->nconns)
        return -ENOENT;
    const struct conn *cn = &c->conns[i];
    *out = (struct smbd_conn_info){.state = cn->state, .path = cn->path, .qp = cn->qp,
                                   .outstanding = cn->outstanding, .bytes = cn->bytes,
                                   .generation = cn->generation};
    return 0;
}

int smbd_client_check(const struct smbd_client *c)
{
    for (size_t i = 0; i < c->nconns; i++) {
        const struct conn *cn = &c->conns[i];
        uint32_t n = 0;
        uint64_t last = 0;
        for (const struct req *r = cn->head; r; r = r->next) {
            if (n && r->seq <= last)
                return -EINVAL;
            last = r->seq;
            if (!r->next && r != cn->tail)
                return -EINVAL;
            n++;
        }
        if (n != cn->outstanding || n > c->cfg.credits)
            return -EINVAL;
        if (n && cn->state != SMBD_CONN_UP)
            return -EINVAL;
    }
    return 0;
}

void smbd_client_rdma_counters(const struct smbd_client *c, uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (size_t i = 0; c && i < c->nconns; i++) {
        const struct conn *cn = &c->conns[i];
        for (int k = 0; k < 4; k++)
            out[k] += cn->done_qps[k];
        if (cn->qp)
            roce_qp_add_loss_counters(cn->qp, out);
        if (cn->peer && cn->peer->qp)
            roce_qp_add_loss_counters(cn->peer->qp, out);
    }
}
