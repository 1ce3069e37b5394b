/* traffic: generators and flow statistics (see traffic.h).
 *
 * Structure: a generator (gen) owns its connections (tconn: one transport
 * connection of one sender) and its receiver side (listener, UDP port, SMB
 * server share); flows (tflow) are kept by the traffic in start order,
 * indexed by id - 1, so a UDP datagram's frame->flow_id finds its flow.
 * Every flow makes progress through flow_progress__() (bytes the peer got)
 * and completes there when its size is reached. */
#include "traffic.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "iwarp.h"
#include "pkt.h"
#include "sim_err.h"
#include "smbdirect.h"

#define IP_UDP_HDR 28u
#define ROCE_MAX_WR (1u << 30) /* bytes per RDMA WRITE work request */
#define MAX_INFLIGHT_CHUNKS 16 /* constant/onoff: messages outstanding per connection */
#define SMB_POLL (2 * SIM_US)
#define SMB_CHANNEL_WAIT SIM_MS

struct gen;
struct tconn;

struct tflow {
    uint64_t id;
    struct gen *g;
    int sender;
    struct tconn *conn;
    uint64_t size;            /* 0: unbounded */
    uint64_t sent, delivered;
    uint64_t udp_left;        /* udp: bytes still to send */
    sim_time_t start, end;
    int complete;
    /* connection counters when the flow started, and at its end */
    uint64_t c0[4], c1[4];
    sim_time_t pause0, pause1;
    int counted;              /* c1/pause1 valid */
};

struct tconn {
    struct gen *g;
    int sender;
    struct tflow *flow;       /* current flow */
    struct tcp_conn *tcp;
    struct iwarp_qp *iw;
    struct roce_qp *qp;
    struct roce_qp *peer;     /* roce: the receiver's QP (accepted) */
    struct smbd_client *smb;
    int up;
    uint64_t roce_pending;    /* bytes to post once the QP is in RTS */
    uint64_t inflight;        /* messages outstanding (constant/onoff pacing) */
    uint16_t udp_sport;
    /* rr */
    uint64_t rr_resp_rx;
    /* smb: operations waiting for the channels */
    struct {
        uint64_t id, bytes;
    } *wait;
    size_t nwait, capwait;
    int smb_ready;
    int close_when_up;        /* tcp/iwarp: close once established */
    sim_time_t opened;
    struct tconn *next;
};

/* A receiver-side connection (tcp or iwarp accepted, roce accepted QP). */
struct srvconn {
    struct gen *g;
    uint64_t rx;              /* request bytes of the current transaction */
    struct tcp_conn *tcp;
    struct iwarp_qp *iw;
    struct roce_qp *qp;
    struct srvconn *next;
};

struct rsink { /* one roce listener per engine and port, shared by generators */
    struct traffic *t;
    struct roce_dev *dev;
    uint16_t port;
    struct rsink *next;
};

struct smbsrv {
    struct roce_dev *dev0;
    struct smbd_server *srv;
    struct smbsrv *next;
};

struct gen {
    struct traffic *t;
    size_t idx;
    char *name;
    struct traffic_settings s;
    struct traffic_ep src[TRAFFIC_MAX_SENDERS];
    struct traffic_ep dst;
    char *names[TRAFFIC_MAX_SENDERS + 1];
    struct traffic_cdf cdf;
    double mean_gap_ps;
    struct sim_rng rng;
    uint16_t port;
    int udp_bound;
    struct tcp_listener *tl;
    struct iwarp_listener *il;
    struct smbd_server *smb_srv;
    struct tconn *conns;
    struct srvconn *srv;
    uint64_t rate;            /* per connection for constant/onoff */
    uint64_t chunk;           /* constant/onoff: bytes per write */
    int on;                   /* onoff */
    sim_time_t period_end;
    int next_sender;
    uint8_t dst_ip[4];
};

struct traffic {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct gen **gens;
    size_t ngens, capgens;
    struct tflow **flows;
    size_t nflows, capflows;
    struct rsink *sinks;
    struct smbsrv *smbsrvs;
};

const char *traffic_kind_name(enum traffic_kind k)
{
    static const char *const n[] = {"tcp", "udp", "roce", "iwarp", "smb"};
    return (unsigned)k < 5 ? n[k] : "?";
}

const char *traffic_pattern_name(enum traffic_pattern p)
{
    static const char *const n[] = {"bulk", "constant", "onoff", "cdf", "rr", "incast"};
    return (unsigned)p < 6 ? n[p] : "?";
}

/* ---- CDFs ------------------------------------------------------------------ */

int traffic_cdf_set(struct traffic_cdf *c, const struct traffic_cdf_point *pt, size_t n,
                    char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (n < 2) {
        sim_errf(err, errlen, "a CDF needs at least two points");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(pt[i].bytes >= 0) || !(pt[i].p >= 0) || pt[i].p > 1.0 + 1e-9) {
            sim_errf(err, errlen, "point %zu: bytes must be >= 0 and the probability in 0..1",
                     i + 1);
            return -EINVAL;
        }
        if (i && (pt[i].bytes < pt[i - 1].bytes || pt[i].p < pt[i - 1].p)) {
            sim_errf(err, errlen, "point %zu: bytes and probabilities must not decrease", i + 1);
            return -EINVAL;
        }
    }
    if (fabs(pt[n - 1].p - 1.0) > 1e-9) {
        sim_errf(err, errlen, "the last probability must be 1 (or 100 %%), not %g",
                 pt[n - 1].p);
        return -EINVAL;
    }
    if (pt[n - 1].bytes < 1) {
        sim_errf(err, errlen, "the largest size must be at least 1 byte");
        return -EINVAL;
    }
    c->pt = malloc(n * sizeof *c->pt);
    if (!c->pt)
        return -ENOMEM;
    memcpy(c->pt, pt, n * sizeof *pt);
    c->pt[n - 1].p = 1.0;
    c->n = n;
    return 0;
}

void traffic_cdf_free(struct traffic_cdf *c)
{
    if (!c)
        return;
    free(c->pt);
    c->pt = NULL;
    c->n = 0;
}

double traffic_cdf_mean(const struct traffic_cdf *c)
{
    double m = c->pt[0].p * c->pt[0].bytes; /* mass at the first point */
    for (size_t i = 1; i < c->n; i++)
        m += (c->pt[i].p - c->pt[i - 1].p) * (c->pt[i].bytes + c->pt[i - 1].bytes) / 2;
    return m;
}

static double cdf_inverse__(const struct traffic_cdf *c, double u)
{
    if (u <= c->pt[0].p)
        return c->pt[0].bytes;
    for (size_t i = 1; i < c->n; i++) {
        if (u <= c->pt[i].p) {
            double dp = c->pt[i].p - c->pt[i - 1].p;
            if (dp <= 0)
                return c->pt[i].bytes;
            return c->pt[i - 1].bytes +
                   (u - c->pt[i - 1].p) / dp * (c->pt[i].bytes - c->pt[i - 1].bytes);
        }
    }
    return c->pt[c->n - 1].bytes;
}

uint64_t traffic_cdf_sample(const struct traffic_cdf *c, struct sim_rng *r)
{
    double x = cdf_inverse__(c, sim_rng_unit(r));
    uint64_t b = (uint64_t)llround(x);
    return b ? b : 1;
}

double traffic_cdf_at(const struct traffic_cdf *c, double bytes)
{
    if (bytes < c->pt[0].bytes)
        return 0;
    for (size_t i = 1; i < c->n; i++) {
        if (bytes < c->pt[i].bytes) {
            double db = c->pt[i].bytes - c->pt[i - 1].bytes;
            return c->pt[i - 1].p + (bytes - c->pt[i - 1].bytes) / db *
                                        (c->pt[i].p - c->pt[i - 1].p);
        }
    }
    return 1.0;
}

/* The CSV reader: libcsv calls field__ per field and record__ per line. */
struct cdf_reader {
    const char *path;
    long line;
    int nfield;
    double v[2];
    int bad, header;
    char msg[256];
    struct traffic_cdf_point *pt;
    size_t n, cap;
};

static void field__(void *s, size_t len, void *ctx)
{
    struct cdf_reader *r = ctx;
    if (r->bad)
        return;
    char buf[64];
    if (len >= sizeof buf) {
        r->bad = 1;
        snprintf(r->msg, sizeof r->msg, "field too long");
        return;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    if (r->nfield >= 2) {
        r->bad = 1;
        snprintf(r->msg, sizeof r->msg, "expected two fields: bytes,probability");
        return;
    }
    char *end;
    double d = strtod(buf, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (end == buf || *end) {
        r->bad = 1;
        snprintf(r->msg, sizeof r->msg, "'%s' is not a number", buf);
        return;
    }
    r->v[r->nfield++] = d;
}

static void record__(int c, void *ctx)
{
    (void)c;
    struct cdf_reader *r = ctx;
    if (r->bad)
        return;
    if (r->nfield != 2) {
        r->bad = 1;
        snprintf(r->msg, sizeof r->msg, "expected two fields: bytes,probability");
        return;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 32;
        void *p = realloc(r->pt, nc * sizeof *r->pt);
        if (!p) {
            r->bad = 1;
            snprintf(r->msg, sizeof r->msg, "out of memory");
            return;
        }
        r->pt = p;
        r->cap = nc;
    }
    r->pt[r->n].bytes = r->v[0];
    r->pt[r->n].p = r->v[1];
    r->n++;
    r->nfield = 0;
}

int traffic_cdf_read(const char *path, struct traffic_cdf *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        sim_errf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return -ENOMEM;
    }
    struct cdf_reader r = {.path = path};
    char line[512];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        r.line++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            sim_errf(err, errlen, "%s:%ld: line too long", path, r.line);
            rc = -EINVAL;
            break;
        }
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
            continue; /* comment or blank */
        if (!r.n && !r.header && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) {
            r.header = 1; /* a header line: "bytes,probability" */
            continue;
        }
        size_t before = r.n;
        if (csv_parse(&p, s, strlen(s), field__, record__, &r) != strlen(s))
            snprintf(r.msg, sizeof r.msg, "%s", csv_strerror(csv_error(&p))), r.bad = 1;
        csv_fini(&p, field__, record__, &r);
        if (!r.bad && r.n != before + 1) {
            r.bad = 1;
            snprintf(r.msg, sizeof r.msg, "expected two fields: bytes,probability");
        }
        if (r.bad) {
            sim_errf(err, errlen, "%s:%ld: %s", path, r.line, r.msg);
            rc = -EINVAL;
            break;
        }
    }
    csv_free(&p);
    fclose(f);
    if (rc == 0) {
        /* Percent: a last value of 100 scales every probability. */
        if (r.n && r.pt[r.n - 1].p > 1.5)
            for (size_t i = 0; i < r.n; i++)
                r.pt[i].p /= 100.0;
        char m[200];
        rc = traffic_cdf_set(c, r.pt, r.n, m, sizeof m);
        if (rc)
            sim_errf(err, errlen, "%s: %s", path, m);
    }
    free(r.pt);
    return rc;
}

/* ---- flows ------------------------------------------------------------------ */

static trace_obj_t ep_obj__(struct traffic *t, const struct traffic_ep *e)
{
    if (!t->trace)
        return 0;
    struct ipstack *s = e->stack ? e->stack : e->ndevs ? roce_dev_stack(e->devs[0]) : NULL;
    if (!s)
        return 0;
    int id = trace_object(t->trace, ipstack_name(s), "ipstack");
    return id > 0 ? (trace_obj_t)id : 0;
}

static sim_time_t ep_paused__(const struct traffic_ep *e)
{
    return e->paused ? e->paused(e->paused_ctx, e->prio >= 0 ? e->prio : 0) : 0;
}

static void conn_counters__(const struct tconn *c, uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    if (!c)
        return;
    const struct tcp_stats *ts = NULL;
    if (c->tcp)
        ts = tcp_stats(c->tcp);
    else if (c->iw && iwarp_tcp(c->iw))
        ts = tcp_stats(iwarp_tcp(c->iw));
    if (ts) {
        out[0] = ts->retrans_segs;
        out[3] = ts->timeouts;
    }
    /* roce: both ends (an rr answer is the server QP's SEND) */
    if (c->qp)
        roce_qp_add_loss_counters(c->qp, out);
    if (c->qp && c->peer)
        roce_qp_add_loss_counters(c->peer, out);
    if (c->smb)
        smbd_client_rdma_counters(c->smb, out); /* both ends, replaced QPs too */
}

static struct tflow *flow_new__(struct gen *g, struct tconn *c, int sender, uint64_t size)
{
    struct traffic *t = g->t;
    if (t->nflows == t->capflows) {
        size_t nc = t->capflows ? 2 * t->capflows : 64;
        void *p = realloc(t->flows, nc * sizeof *t->flows);
        if (!p)
            return NULL;
        t->flows = p;
        t->capflows = nc;
    }
    struct tflow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->id = t->nflows + 1;
    f->g = g;
    f->sender = sender;
    f->conn = c;
    f->size = size;
    f->start = sim_now(t->eng);
    conn_counters__(c, f->c0);
    f->pause0 = ep_paused__(&g->src[sender]);
    t->flows[t->nflows++] = f;
    if (c)
        c->flow = f;
    if (t->trace)
        trace_flow_start(t->trace, f->start, f->id, ep_obj__(t, &g->src[sender]),
                         ep_obj__(t, &g->dst), size);
    return f;
}

static void flow_snapshot__(struct tflow *f)
{
    conn_counters__(f->conn, f->c1);
    f->pause1 = ep_paused__(&f->g->src[f->sender]);
    f->counted = 1;
}

static void rr_next__(struct tconn *c);

static void flow_complete__(struct tflow *f)
{
    struct traffic *t = f->g->t;
    f->complete = 1;
    f->end = sim_now(t->eng);
    flow_snapshot__(f);
    if (t->trace)
        trace_flow_end(t->trace, f->end, f->id, ep_obj__(t, &f->g->src[f->sender]),
                       ep_obj__(t, &f->g->dst), f->delivered);
    struct tconn *c = f->conn;
    if (c && c->flow == f) {
        c->flow = NULL;
        if (f->g->s.pattern == TRAFFIC_RR)
            rr_next__(c);
    }
}

static void flow_progress__(struct tflow *f, uint64_t bytes)
{
    if (!f || f->complete)
        return;
    f->delivered += bytes;
    if (f->size && f->delivered >= f->size)
        flow_complete__(f);
}

static struct tflow *flow_by_id__(struct traffic *t, uint64_t id)
{
    return id >= 1 && id <= t->nflows ? t->flows[id - 1] : NULL;
}

/* ---- transports: the sender's side ------------------------------------------------ */

static int stack_ip4__(struct ipstack *s, uint8_t ip[4])
{
    static const uint8_t any4[4] = {0};
    return ipstack_src_addr(s, 4, any4, ip);
}

static void tcp_established__(void *ctx, struct tcp_conn *tc)
{
    struct tconn *c = ctx;
    if (c->close_when_up)
        tcp_close(tc);
}

static void iw_established__(void *ctx, struct iwarp_qp *qp)
{
    struct tconn *c = ctx;
    if (c->close_when_up)
        iwarp_disconnect(qp);
}

static void tcp_acked__(void *ctx, struct tcp_conn *tc, uint64_t bytes)
{
    (void)tc;
    struct tconn *c = ctx;
    flow_progress__(c->flow, bytes);
}

static void tcp_delivered__(void *ctx, struct tcp_conn *tc, uint64_t bytes)
{
    (void)tc;
    struct tconn *c = ctx; /* rr: response bytes */
    flow_progress__(c->flow, bytes);
}

static void iw_completion__(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    (void)qp;
    struct tconn *c = ctx;
    if (wc->status != 0)
        return;
    if (c->inflight)
        c->inflight--;
    /* requester WRITE/SEND done, or (rr) the response SEND arrived */
    if (!wc->remote || wc->op == IWARP_OP_SEND)
        flow_progress__(c->flow, wc->bytes);
}

static void roce_post__(struct tconn *c, uint64_t bytes)
{
    while (bytes) {
        uint32_t n = bytes > ROCE_MAX_WR ? ROCE_MAX_WR : (uint32_t)bytes;
        int rc = c->g->s.pattern == TRAFFIC_RR ? roce_post_send(c->qp, c->flow ? c->flow->id : 0, n)
                                              : roce_post_write(c->qp, c->flow ? c->flow->id : 0,
                                                                n, 0x10000, 0x1234);
        if (rc != 0)
            return;
        c->inflight++;
        bytes -= n;
    }
}

static void roce_established__(void *ctx, struct roce_qp *qp)
{
    (void)qp;
    struct tconn *c = ctx;
    c->up = 1;
    uint64_t b = c->roce_pending;
    c->roce_pending = 0;
    if (b)
        roce_post__(c, b);
}

static void roce_completion__(void *ctx, struct roce_qp *qp, const struct roce_wc *wc)
{
    (void)qp;
    struct tconn *c = ctx;
    if (c->inflight)
        c->inflight--;
    if (wc->status == 0)
        flow_progress__(c->flow, wc->bytes);
}

static void roce_recv__(void *ctx, struct roce_qp *qp, uint32_t bytes)
{
    (void)qp;
    struct tconn *c = ctx; /* rr: the response */
    flow_progress__(c->flow, bytes);
}

static void roce_error__(void *ctx, struct roce_qp *qp, enum roce_qp_err why)
{
    (void)qp;
    (void)why;
    struct tconn *c = ctx;
    c->up = 0; /* the flow stays incomplete (its row says so) */
}

static const struct roce_qp_ops client_ops = {
    .established = roce_established__, .completion = roce_completion__, .recv = roce_recv__,
    .error = roce_error__,
};

static void smb_done__(void *ctx, uint64_t op_id, int write, uint64_t bytes, sim_time_t start,
                       sim_time_t end)
{
    (void)write;
    (void)start;
    (void)end;
    struct tconn *c = ctx;
    if (c->inflight)
        c->inflight--;
    struct tflow *f = flow_by_id__(c->g->t, op_id);
    if (!f)
        return;
    flow_progress__(f, bytes);
}

static void udp_tick__(struct sim_engine *eng, void *ctx, void *arg);
static void smb_poll__(struct sim_engine *eng, void *ctx, void *arg);

/* The sender's connection for a new flow (or a long-lived one). */
static struct tconn *conn_open__(struct gen *g, int sender)
{
    struct traffic *t = g->t;
    struct tconn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->g = g;
    c->sender = sender;
    const struct traffic_ep *src = &g->src[sender];
    switch (g->s.kind) {
    case TRAFFIC_UDP:
        c->up = 1;
        break;
    case TRAFFIC_TCP: {
        struct tcp_settings ts;
        tcp_settings_default(&ts);
        ts.cc = g->s.cc;
        ts.priority = g->s.priority;
        struct tcp_callbacks cb = {.established = tcp_established__, .acked = tcp_acked__,
                                   .delivered = tcp_delivered__};
        c->tcp = tcp_connect(t->eng, t->pool, src->stack, &ts, 4, g->dst_ip, g->port, &cb, c);
        if (!c->tcp) {
            free(c);
            return NULL;
        }
        c->up = 1;
        break;
    }
    case TRAFFIC_IWARP: {
        struct iwarp_settings is;
        iwarp_settings_default(&is);
        is.tcp.cc = g->s.cc;
        is.tcp.priority = g->s.priority;
        struct iwarp_callbacks cb = {.established = iw_established__,
                                     .completion = iw_completion__};
        c->iw = iwarp_connect(t->eng, t->pool, src->stack, &is, 4, g->dst_ip, g->port, &cb, c);
        if (!c->iw) {
            free(c);
            return NULL;
        }
        c->up = 1;
        break;
    }
    case TRAFFIC_ROCE: {
        struct roce_qp_settings qs = {.nd_port = g->port, .ops = &client_ops, .ctx = c};
        c->qp = roce_qp_create(src->devs[0], &qs);
        if (!c->qp || roce_connect(c->qp, 4, g->dst_ip, g->port) != 0) {
            free(c); /* a created QP goes with its engine */
            return NULL;
        }
        break;
    }
    case TRAFFIC_SMB: {
        struct smbd_settings ss;
        char nm[300];
        snprintf(nm, sizeof nm, "%s/%s/smb-client", g->name, src->name);
        smbd_settings_default(&ss, nm);
        ss.conns_per_channel = g->s.connections;
        struct smbd_path paths[TRAFFIC_MAX_DEVS];
        memset(paths, 0, sizeof paths);
        size_t n = src->ndevs;
        for (size_t k = 0; k < n; k++) {
            paths[k].dev = src->devs[k];
            paths[k].version = 4;
            stack_ip4__(roce_dev_stack(g->dst.devs[k % g->dst.ndevs]), paths[k].server_ip);
        }
        c->smb = smbd_client_create(t->eng, t->trace, &ss, paths, n, g->smb_srv);
        if (!c->smb) {
            free(c);
            return NULL;
        }
        smbd_client_set_done(c->smb, smb_done__, c);
        smbd_client_start(c->smb);
        c->opened = sim_now(t->eng);
        sim_schedule_in(t->eng, SMB_POLL, smb_poll__, c, NULL);
        c->up = 1;
        break;
    }
    }
    c->next = g->conns;
    g->conns = c;
    return c;
}

/* Closes (FIN after the queued bytes) now if the connection is
 * established, else once it is: a close during the handshake would abort
 * it. */
static void close_after__(struct tconn *c)
{
    if (c->tcp && tcp_state(c->tcp) == TCP_ESTABLISHED)
        tcp_close(c->tcp);
    else if (c->iw && iwarp_is_rts(c->iw))
        iwarp_disconnect(c->iw);
    else
        c->close_when_up = 1;
}

static void smb_issue__(struct tconn *c, uint64_t id, uint64_t bytes)
{
    struct gen *g = c->g;
    int rc = g->s.smb_read || g->s.pattern == TRAFFIC_RR ? smbd_client_read(c->smb, bytes, id)
                                                         : smbd_client_write(c->smb, bytes, id);
    if (rc == 0)
        c->inflight++;
}

static int smb_grow__(struct tconn *c)
{
    size_t nc = c->capwait ? 2 * c->capwait : 16;
    void *p = realloc(c->wait, nc * sizeof *c->wait);
    if (!p)
        return -ENOMEM;
    c->wait = p;
    c->capwait = nc;
    return 0;
}

/* SMB Multichannel moves I/O once its channels are established (as SMB
 * does after session setup): operations wait until every RDMA connection
 * of the client is up, or SMB_CHANNEL_WAIT has passed. */
static void smb_poll__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct tconn *c = ctx;
    int all = 1;
    for (size_t i = 0; i < smbd_client_conn_count(c->smb); i++) {
        struct smbd_conn_info ci;
        if (smbd_client_conn_info(c->smb, i, &ci) != 0 || ci.state != SMBD_CONN_UP)
            all = 0;
    }
    if (!all && sim_now(eng) - c->opened < SMB_CHANNEL_WAIT) {
        sim_schedule_in(eng, SMB_POLL, smb_poll__, c, NULL);
        return;
    }
    c->smb_ready = 1;
    for (size_t i = 0; i < c->nwait; i++)
        smb_issue__(c, c->wait[i].id, c->wait[i].bytes);
    c->nwait = 0;
}

/* The application writes `bytes` of flow f on its connection. */
static void conn_write__(struct tconn *c, struct tflow *f, uint64_t bytes)
{
    struct gen *g = c->g;
    f->sent += bytes;
    switch (g->s.kind) {
    case TRAFFIC_UDP:
        f->sent -= bytes; /* udp counts datagrams as they leave */
        f->udp_left += bytes;
        if (f->udp_left == bytes)
            sim_schedule_in(g->t->eng, 0, udp_tick__, f, NULL);
        break;
    case TRAFFIC_TCP:
        tcp_send(c->tcp, bytes);
        if (f->size && g->s.pattern != TRAFFIC_RR)
            close_after__(c); /* the whole flow is written: FIN after it */
        break;
    case TRAFFIC_IWARP:
        if (iwarp_post(c->iw, g->s.pattern == TRAFFIC_RR ? IWARP_OP_SEND : IWARP_OP_WRITE, bytes,
                       f->id) == 0)
            c->inflight++;
        if (f->size && g->s.pattern != TRAFFIC_RR)
            close_after__(c);
        break;
    case TRAFFIC_ROCE:
        if (c->up && roce_qp_state(c->qp) == ROCE_QPS_RTS)
            roce_post__(c, bytes);
        else
            c->roce_pending += bytes;
        break;
    case TRAFFIC_SMB:
        if (c->smb_ready) {
            smb_issue__(c, f->id, bytes);
        } else if (c->nwait < c->capwait || smb_grow__(c) == 0) {
            c->wait[c->nwait].id = f->id;
            c->wait[c->nwait].bytes = bytes;
            c->nwait++;
        }
        break;
    }
}

/* UDP: one datagram of flow f per wire time at the rate. */
static void udp_tick__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct tflow *f = ctx;
    struct gen *g = f->g;
    sim_time_t now = sim_now(eng);
    if (!f->udp_left || (!f->size && g->s.stop && now >= g->s.stop))
        return; /* a started flow of N bytes finishes after stop */
    uint32_t payload = f->udp_left < TRAFFIC_UDP_PAYLOAD ? (uint32_t)f->udp_left
                                                          : TRAFFIC_UDP_PAYLOAD;
    struct tconn *c = f->conn;
    struct ipstack_udp u = {.version = 4, .dst = g->dst_ip, .sport = c->udp_sport,
                            .dport = g->port, .payload_len = payload, .flow_id = f->id,
                            .priority = g->s.priority};
    ipstack_send_udp(g->src[f->sender].stack, &u);
    f->sent += payload;
    f->udp_left -= payload;
    if (f->udp_left) {
        uint64_t rate = g->s.pattern == TRAFFIC_CONSTANT || g->s.pattern == TRAFFIC_ONOFF
                            ? g->rate
                            : g->s.rate_bps ? g->s.rate_bps : g->src[f->sender].rate_bps;
        sim_time_t next = sim_tx_time((uint64_t)payload + IP_UDP_HDR, rate);
        sim_schedule_in(eng, next ? next : 1, udp_tick__, f, NULL);
    }
}

/* ---- receiver sides ----------------------------------------------------------------- */

static void udp_rx__(void *ctx, struct ipstack *s, struct frame *fr, const struct pkt_info *pi)
{
    struct gen *g = ctx;
    struct tflow *f = flow_by_id__(g->t, fr->flow_id);
    uint32_t len = pi->l5_len;
    if (f && f->g == g) {
        if (g->s.pattern == TRAFFIC_RR) {
            /* request bytes at the server; the response goes back to the
             * client's port once the whole request arrived */
            uint64_t before = f->delivered;
            flow_progress__(f, len);
            if (before < g->s.size && f->delivered >= g->s.size) {
                uint64_t resp = g->s.response ? g->s.response : g->s.size;
                struct tconn *c = f->conn;
                uint8_t cip[4];
                memcpy(cip, pi->ip_src, 4);
                for (uint64_t off = 0; off < resp; off += TRAFFIC_UDP_PAYLOAD) {
                    uint32_t n = resp - off < TRAFFIC_UDP_PAYLOAD ? (uint32_t)(resp - off)
                                                                  : TRAFFIC_UDP_PAYLOAD;
                    struct ipstack_udp u = {.version = 4, .dst = cip, .sport = g->port,
                                            .dport = c->udp_sport, .payload_len = n,
                                            .flow_id = f->id, .priority = g->s.priority};
                    ipstack_send_udp(s, &u);
                }
            }
        } else {
            flow_progress__(f, len);
        }
    }
    frame_unref(fr);
}

static void udp_client_rx__(void *ctx, struct ipstack *s, struct frame *fr,
                            const struct pkt_info *pi)
{
    (void)s;
    struct tconn *c = ctx;
    struct tflow *f = flow_by_id__(c->g->t, fr->flow_id);
    if (f && f->conn == c)
        flow_progress__(f, pi->l5_len);
    frame_unref(fr);
}

static struct srvconn *srv_new__(struct gen *g)
{
    struct srvconn *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->g = g;
    s->next = g->srv;
    g->srv = s;
    return s;
}

static uint64_t resp_bytes__(const struct gen *g)
{
    return g->s.response ? g->s.response : g->s.size;
}

static void srv_tcp_delivered__(void *ctx, struct tcp_conn *tc, uint64_t bytes)
{
    struct srvconn *s = ctx;
    if (s->g->s.pattern != TRAFFIC_RR)
        return;
    s->rx += bytes;
    while (s->rx >= s->g->s.size) {
        s->rx -= s->g->s.size;
        tcp_send(tc, resp_bytes__(s->g));
    }
}

static void srv_tcp_accept__(void *ctx, struct tcp_listener *l, struct tcp_conn *tc)
{
    (void)l;
    struct srvconn *s = srv_new__(ctx);
    if (!s)
        return;
    s->tcp = tc;
    struct tcp_callbacks cb = {.delivered = srv_tcp_delivered__};
    tcp_set_callbacks(tc, &cb, s);
}

static void srv_iw_completion__(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    struct srvconn *s = ctx;
    if (s->g->s.pattern == TRAFFIC_RR && wc->remote && wc->op == IWARP_OP_SEND &&
        wc->status == 0)
        iwarp_post(qp, IWARP_OP_SEND, resp_bytes__(s->g), 0);
}

static void srv_iw_accept__(void *ctx, struct iwarp_listener *l, struct iwarp_qp *qp)
{
    (void)l;
    struct srvconn *s = srv_new__(ctx);
    if (!s)
        return;
    s->iw = qp;
    struct iwarp_callbacks cb = {.completion = srv_iw_completion__};
    iwarp_set_callbacks(qp, &cb, s);
}

static void srv_roce_recv__(void *ctx, struct roce_qp *qp, uint32_t bytes)
{
    struct srvconn *s = ctx;
    (void)bytes;
    if (s && s->g->s.pattern == TRAFFIC_RR) {
        uint64_t r = resp_bytes__(s->g);
        roce_post_send(qp, 0, r > ROCE_MAX_WR ? ROCE_MAX_WR : (uint32_t)r);
    }
}

static const struct roce_qp_ops server_ops = {.recv = srv_roce_recv__};

/* A CM REQ at a shared engine and port: the requester's QP names the
 * generator. */
static struct roce_qp *sink_accept__(void *ctx, struct roce_dev *dev,
                                     const struct roce_conn_req *req)
{
    struct rsink *k = ctx;
    struct traffic *t = k->t;
    struct gen *g = NULL;
    struct tconn *client = NULL;
    for (size_t i = 0; i < t->ngens && !g; i++) {
        struct gen *h = t->gens[i];
        if (h->s.kind != TRAFFIC_ROCE || h->port != k->port)
            continue;
        for (struct tconn *c = h->conns; c; c = c->next) {
            uint8_t ip[4];
            if (c->qp && roce_qp_num(c->qp) == req->peer_qpn &&
                stack_ip4__(roce_dev_stack(roce_qp_dev(c->qp)), ip) == 0 &&
                memcmp(ip, req->peer_ip, 4) == 0) {
                g = h;
                client = c;
                break;
            }
        }
    }
    struct srvconn *s = g ? srv_new__(g) : NULL;
    struct roce_qp_settings qs = {.nd_port = k->port, .ops = &server_ops, .ctx = s};
    struct roce_qp *qp = roce_qp_create(dev, &qs);
    if (s)
        s->qp = qp;
    if (client)
        client->peer = qp;
    return qp;
}

static int roce_sink__(struct traffic *t, struct roce_dev *dev, uint16_t port)
{
    for (struct rsink *k = t->sinks; k; k = k->next)
        if (k->dev == dev && k->port == port)
            return 0;
    struct rsink *k = calloc(1, sizeof *k);
    if (!k)
        return -ENOMEM;
    k->t = t;
    k->dev = dev;
    k->port = port;
    int rc = roce_listen(dev, port, sink_accept__, k);
    if (rc != 0) {
        free(k);
        return rc;
    }
    k->next = t->sinks;
    t->sinks = k;
    return 0;
}

static struct smbd_server *smb_server__(struct traffic *t, const struct traffic_ep *dst)
{
    for (struct smbsrv *v = t->smbsrvs; v; v = v->next)
        if (v->dev0 == dst->devs[0])
            return v->srv;
    struct smbsrv *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    struct smbd_settings ss;
    char nm[300];
    snprintf(nm, sizeof nm, "%s/smb-server", dst->name);
    smbd_settings_default(&ss, nm);
    v->srv = smbd_server_create(t->eng, t->trace, &ss, dst->devs, dst->ndevs);
    if (!v->srv) {
        free(v);
        return NULL;
    }
    v->dev0 = dst->devs[0];
    v->next = t->smbsrvs;
    t->smbsrvs = v;
    return v->srv;
}

/* ---- patterns --------------------------------------------------------------------- */

static int stopped__(const struct gen *g, sim_time_t now)
{
    return g->s.stop && now >= g->s.stop;
}

/* A flow of `size` bytes from sender on a new connection (udp: a new
 * source port). */
static struct tflow *start_flow__(struct gen *g, int sender, uint64_t size)
{
    struct tconn *c = NULL;
    if (g->s.kind == TRAFFIC_SMB) {
        /* smb: one client per sender, opened by the first flow */
        for (struct tconn *k = g->conns; k; k = k->next)
            if (k->sender == sender)
                c = k;
    }
    if (!c)
        c = conn_open__(g, sender);
    if (!c)
        return NULL;
    if (g->s.kind == TRAFFIC_UDP && !c->udp_sport)
        c->udp_sport = (uint16_t)(49152 + ((g->t->nflows + 1) * 7919) % 16384);
    struct tflow *f = flow_new__(g, g->s.kind == TRAFFIC_SMB ? NULL : c, sender, size);
    if (!f)
        return NULL;
    if (g->s.kind == TRAFFIC_SMB) {
        f->conn = c; /* counters of the client, not its current flow */
        conn_counters__(c, f->c0);
    }
    conn_write__(c, f, size);
    return f;
}

/* rr: the next transaction on c (closed loop). */
static void rr_next__(struct tconn *c)
{
    struct gen *g = c->g;
    if (stopped__(g, sim_now(g->t->eng)))
        return;
    uint64_t total = g->s.size + resp_bytes__(g);
    if (g->s.kind == TRAFFIC_SMB)
        total = g->s.size; /* an SMB read: request, then the data */
    struct tflow *f = flow_new__(g, c, c->sender, total);
    if (!f)
        return;
    conn_write__(c, f, g->s.size);
}

static void rr_start__(struct gen *g, int sender)
{
    struct tconn *c = conn_open__(g, sender);
    if (!c)
        return;
    if (g->s.kind == TRAFFIC_UDP) {
        int p = ipstack_bind_ephemeral(g->src[sender].stack, PKT_IPPROTO_UDP, udp_client_rx__, c);
        if (p <= 0)
            return;
        c->udp_sport = (uint16_t)p;
    }
    rr_next__(c);
}

/* constant/onoff: each connection's application writes TRAFFIC_CHUNK at a
 * time on its rate clock. */
static sim_time_t period__(struct gen *g, sim_time_t mean)
{
    if (!g->s.exponential)
        return mean;
    return (sim_time_t)sim_rng_exp(&g->rng, (double)mean) + 1;
}

static void stream_tick__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct tconn *c = ctx;
    struct gen *g = c->g;
    sim_time_t now = sim_now(eng);
    if (stopped__(g, now) || !c->flow)
        return;
    if (g->s.pattern == TRAFFIC_ONOFF && c == g->conns && now >= g->period_end) {
        /* the first connection keeps the generator's on/off clock */
        g->on = !g->on;
        g->period_end = now + period__(g, g->on ? g->s.on : g->s.off);
    }
    if (g->s.pattern == TRAFFIC_ONOFF && !g->on) {
        sim_schedule_at(eng, g->period_end, stream_tick__, c, NULL);
        return;
    }
    uint64_t chunk = g->s.kind == TRAFFIC_UDP ? TRAFFIC_UDP_PAYLOAD : g->chunk;
    if (g->s.kind == TRAFFIC_UDP || c->inflight < MAX_INFLIGHT_CHUNKS)
        conn_write__(c, c->flow, chunk);
    sim_time_t next = sim_tx_time(chunk + (g->s.kind == TRAFFIC_UDP ? IP_UDP_HDR : 0), g->rate);
    if (g->s.pattern == TRAFFIC_ONOFF && now + next > g->period_end)
        next = g->period_end - now;
    sim_schedule_in(eng, next ? next : 1, stream_tick__, c, NULL);
}

static void stream_start__(struct gen *g, int sender)
{
    struct tconn *c = conn_open__(g, sender);
    if (!c)
        return;
    if (g->s.kind == TRAFFIC_UDP)
        c->udp_sport = (uint16_t)(49152 + ((g->t->nflows + 1) * 7919) % 16384);
    struct tflow *f = flow_new__(g, c, sender, 0);
    if (!f)
        return;
    if (g->s.kind == TRAFFIC_SMB)
        c->flow = f;
    sim_schedule_in(g->t->eng, 0, stream_tick__, c, NULL);
}

static void cdf_arrival__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct gen *g = ctx;
    if (stopped__(g, sim_now(eng)))
        return;
    int sender = g->next_sender;
    g->next_sender = (g->next_sender + 1) % (int)g->s.nsrc;
    start_flow__(g, sender, traffic_cdf_sample(&g->cdf, &g->rng));
    sim_time_t gap = (sim_time_t)sim_rng_exp(&g->rng, g->mean_gap_ps) + 1;
    sim_schedule_in(eng, gap, cdf_arrival__, g, NULL);
}

static void gen_start__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct gen *g = ctx;
    uint32_t nc = g->s.connections ? g->s.connections : 1;
    switch (g->s.pattern) {
    case TRAFFIC_BULK:
    case TRAFFIC_INCAST:
        for (size_t s = 0; s < g->s.nsrc; s++)
            for (uint32_t k = 0; k < (g->s.kind == TRAFFIC_SMB ? 1 : nc); k++)
                start_flow__(g, (int)s, g->s.size);
        break;
    case TRAFFIC_CONSTANT:
    case TRAFFIC_ONOFF:
        g->on = 1;
        g->period_end = sim_now(eng) + (g->s.pattern == TRAFFIC_ONOFF ? period__(g, g->s.on) : 0);
        for (size_t s = 0; s < g->s.nsrc; s++)
            for (uint32_t k = 0; k < (g->s.kind == TRAFFIC_SMB ? 1 : nc); k++)
                stream_start__(g, (int)s);
        break;
    case TRAFFIC_CDF:
        cdf_arrival__(eng, g, NULL);
        break;
    case TRAFFIC_RR:
        for (size_t s = 0; s < g->s.nsrc; s++)
            for (uint32_t k = 0; k < (g->s.kind == TRAFFIC_SMB ? 1 : nc); k++)
                rr_start__(g, (int)s);
        break;
    }
}

/* ---- generators ------------------------------------------------------------------- */

struct traffic *traffic_create(struct sim_engine *eng, struct frame_pool *pool,
                               struct trace *trace)
{
    struct traffic *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->eng = eng;
    t->pool = pool;
    t->trace = trace;
    return t;
}

static void gen_free__(struct gen *g)
{
    for (struct tconn *c = g->conns; c;) {
        struct tconn *nx = c->next;
        tcp_conn_destroy(c->tcp);
        iwarp_qp_destroy(c->iw);
        smbd_client_destroy(c->smb);
        free(c->wait);
        if (c->udp_sport && g->s.pattern == TRAFFIC_RR && g->s.kind == TRAFFIC_UDP)
            ipstack_unbind(g->src[c->sender].stack, PKT_IPPROTO_UDP, c->udp_sport);
        free(c); /* RoCE QPs go with their engines */
        c = nx;
    }
    for (struct srvconn *s = g->srv; s;) {
        struct srvconn *nx = s->next;
        free(s); /* accepted connections belong to their listeners */
        s = nx;
    }
    tcp_listener_destroy(g->tl);
    iwarp_listener_destroy(g->il);
    if (g->udp_bound)
        ipstack_unbind(g->dst.stack, PKT_IPPROTO_UDP, g->port);
    traffic_cdf_free(&g->cdf);
    for (size_t i = 0; i <= g->s.nsrc && i <= TRAFFIC_MAX_SENDERS; i++)
        free(g->names[i]);
    free(g->name);
    free(g);
}

void traffic_destroy(struct traffic *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ngens; i++)
        gen_free__(t->gens[i]);
    free(t->gens);
    for (struct smbsrv *v = t->smbsrvs; v;) {
        struct smbsrv *nx = v->next;
        smbd_server_destroy(v->srv);
        free(v);
        v = nx;
    }
    for (struct rsink *k = t->sinks; k;) {
        struct rsink *nx = k->next;
        free(k);
        k = nx;
    }
    for (size_t i = 0; i < t->nflows; i++)
        free(t->flows[i]);
    free(t->flows);
    free(t);
}

static int ep_ok__(const struct gen *g, const struct traffic_ep *e, int dst, char *err,
                   size_t errlen)
{
    int rdma = g->s.kind == TRAFFIC_ROCE || g->s.kind == TRAFFIC_SMB;
    if (rdma && !e->ndevs) {
        sim_errf(err, errlen, "'%s' has no RDMA-enabled host vNIC (Enable-NetAdapterRdma; "
                              "DCB-010)", e->name);
        return -EINVAL;
    }
    if (!rdma && !e->stack) {
        sim_errf(err, errlen, "'%s' has no IP stack", e->name);
        return -EINVAL;
    }
    uint8_t ip[4];
    struct ipstack *s = rdma ? roce_dev_stack(e->devs[0]) : e->stack;
    if (stack_ip4__(s, ip) != 0) {
        sim_errf(err, errlen, "'%s' has no IPv4 address (give it one under addresses: or "
                              "vnics:)", e->name);
        return -EADDRNOTAVAIL;
    }
    (void)dst;
    return 0;
}

/* roce/smb: the priority is the engines' (senders' and receiver's); two
 * generators may not ask one engine for different ones. */
static int rdma_priority__(struct gen *g, char *err, size_t errlen)
{
    for (size_t i = 0; i <= g->s.nsrc; i++) {
        const struct traffic_ep *e = i < g->s.nsrc ? &g->src[i] : &g->dst;
        for (size_t k = 0; k < e->ndevs; k++) {
            uint8_t p = roce_dev_settings(e->devs[k])->priority;
            if (p && p != g->s.priority) {
                sim_errf(err, errlen, "the RDMA engine of '%s' already sends on priority %u "
                                      "(one priority per RDMA vNIC)", e->name, (unsigned)p);
                return -EINVAL;
            }
        }
    }
    for (size_t i = 0; i <= g->s.nsrc; i++) {
        const struct traffic_ep *e = i < g->s.nsrc ? &g->src[i] : &g->dst;
        for (size_t k = 0; k < e->ndevs; k++)
            roce_dev_set_priority(e->devs[k], g->s.priority);
    }
    return 0;
}

int traffic_add(struct traffic *t, const struct traffic_settings *s, char *err, size_t errlen)
{
    if (!s->src || !s->nsrc || s->nsrc > TRAFFIC_MAX_SENDERS || !s->dst) {
        sim_errf(err, errlen, "a generator needs 1..%d senders and a receiver",
                 TRAFFIC_MAX_SENDERS);
        return -EINVAL;
    }
    for (size_t i = 0; i < s->nsrc; i++) {
        const struct traffic_ep *a = &s->src[i];
        int same = a->stack ? a->stack == s->dst->stack
                            : a->ndevs && s->dst->ndevs && a->devs[0] == s->dst->devs[0];
        if (same) {
            sim_errf(err, errlen,
                     "'%s' sends to itself: traffic that does not leave an endpoint's IP stack "
                     "is not modelled (give another receiver)",
                     a->name ? a->name : "the sender");
            return -EINVAL;
        }
    }
    if ((s->pattern == TRAFFIC_BULK || s->pattern == TRAFFIC_INCAST ||
         s->pattern == TRAFFIC_RR) && !s->size) {
        sim_errf(err, errlen, "size must be at least 1 byte");
        return -EINVAL;
    }
    if (s->pattern == TRAFFIC_CDF && (!s->cdf || !s->cdf->n || !(s->load > 0))) {
        sim_errf(err, errlen, "the cdf pattern needs a CDF file and a load > 0");
        return -EINVAL;
    }
    if (s->pattern == TRAFFIC_ONOFF && (!s->on || !s->off)) {
        sim_errf(err, errlen, "on and off periods must be longer than 0");
        return -EINVAL;
    }
    if (t->ngens == t->capgens) {
        size_t nc = t->capgens ? 2 * t->capgens : 16;
        void *p = realloc(t->gens, nc * sizeof *t->gens);
        if (!p)
            return -ENOMEM;
        t->gens = p;
        t->capgens = nc;
    }
    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    g->t = t;
    g->idx = t->ngens;
    g->s = *s;
    g->name = strdup(s->name ? s->name : "traffic");
    g->s.name = g->name;
    for (size_t i = 0; i < s->nsrc; i++) {
        g->src[i] = s->src[i];
        g->names[i] = strdup(s->src[i].name ? s->src[i].name : "?");
        g->src[i].name = g->names[i];
    }
    g->dst = *s->dst;
    g->names[s->nsrc] = strdup(s->dst->name ? s->dst->name : "?");
    g->dst.name = g->names[s->nsrc];
    g->s.src = g->src;
    g->s.dst = &g->dst;
    g->s.cdf = NULL;
    if (!g->s.connections)
        g->s.connections = 1;
    char nm[300];
    snprintf(nm, sizeof nm, "%s/traffic", g->name);
    sim_rng_init(&g->rng, s->seed, nm);
    int rc = 0;
    for (size_t i = 0; i < s->nsrc && !rc; i++)
        rc = ep_ok__(g, &g->src[i], 0, err, errlen);
    if (!rc)
        rc = ep_ok__(g, &g->dst, 1, err, errlen);
    if (!rc && s->pattern == TRAFFIC_CDF) {
        rc = traffic_cdf_set(&g->cdf, s->cdf->pt, s->cdf->n, err, errlen);
        double rate = (double)g->src[0].rate_bps * s->load;
        if (!rc && !(rate > 0)) {
            sim_errf(err, errlen, "the sender's line rate is unknown");
            rc = -EINVAL;
        }
        if (!rc)
            g->mean_gap_ps = traffic_cdf_mean(&g->cdf) * 8.0 / rate * 1e12;
    }
    int rdma = s->kind == TRAFFIC_ROCE || s->kind == TRAFFIC_SMB;
    if (!rc && rdma && s->priority)
        rc = rdma_priority__(g, err, errlen);
    if (!rc)
        stack_ip4__(rdma ? roce_dev_stack(g->dst.devs[0]) : g->dst.stack, g->dst_ip);
    uint64_t rate = s->rate_bps ? s->rate_bps : g->src[0].rate_bps;
    g->rate = rate / g->s.connections;
    /* a write per ~10 us of the rate keeps the measured rate within a
     * fraction of a percent over a millisecond */
    g->chunk = g->rate / 8 / 100000;
    if (g->chunk < 1500)
        g->chunk = 1500;
    if (g->chunk > TRAFFIC_CHUNK)
        g->chunk = TRAFFIC_CHUNK;
    if (!rc && !g->rate && (s->pattern == TRAFFIC_CONSTANT || s->pattern == TRAFFIC_ONOFF ||
                            s->kind == TRAFFIC_UDP)) {
        sim_errf(err, errlen, "no rate: give rate:");
        rc = -EINVAL;
    }
    /* the receiver's side */
    if (!rc) {
        switch (s->kind) {
        case TRAFFIC_UDP:
            g->port = s->port ? s->port : (uint16_t)(TRAFFIC_TCP_BASE_PORT + g->idx);
            rc = ipstack_bind(g->dst.stack, PKT_IPPROTO_UDP, g->port, udp_rx__, g);
            g->udp_bound = rc == 0;
            break;
        case TRAFFIC_TCP: {
            g->port = s->port ? s->port : (uint16_t)(TRAFFIC_TCP_BASE_PORT + g->idx);
            struct tcp_settings ts;
            tcp_settings_default(&ts);
            ts.cc = s->cc;
            ts.priority = s->priority;
            g->tl = tcp_listen(t->eng, t->pool, g->dst.stack, g->port, &ts, srv_tcp_accept__, g);
            rc = g->tl ? 0 : -errno;
            break;
        }
        case TRAFFIC_IWARP: {
            struct iwarp_settings is;
            iwarp_settings_default(&is);
            is.tcp.cc = s->cc;
            is.tcp.priority = s->priority;
            g->port = s->port ? s->port : IWARP_SMBDIRECT_TCP_PORT;
            g->il = iwarp_listen(t->eng, t->pool, g->dst.stack, g->port, &is, srv_iw_accept__, g);
            if (!g->il && !s->port) {
                g->port = (uint16_t)(IWARP_SMBDIRECT_TCP_PORT + 1 + g->idx);
                g->il = iwarp_listen(t->eng, t->pool, g->dst.stack, g->port, &is,
                                     srv_iw_accept__, g);
            }
            rc = g->il ? 0 : -errno;
            break;
        }
        case TRAFFIC_ROCE:
            g->port = s->port ? s->port : TRAFFIC_ROCE_PORT;
            rc = roce_sink__(t, g->dst.devs[0], g->port);
            break;
        case TRAFFIC_SMB:
            g->port = SMBD_PORT;
            for (struct rsink *k = t->sinks; k; k = k->next)
                for (size_t d = 0; d < g->dst.ndevs; d++)
                    if (k->dev == g->dst.devs[d] && k->port == SMBD_PORT)
                        rc = -EADDRINUSE;
            if (!rc) {
                g->smb_srv = smb_server__(t, &g->dst);
                rc = g->smb_srv ? 0 : -EADDRINUSE;
            }
            break;
        }
        if (rc == -EADDRINUSE)
            sim_errf(err, errlen, "port %u of '%s' is already in use (give port:)",
                     (unsigned)g->port, g->dst.name);
        else if (rc)
            sim_errf(err, errlen, "cannot listen on '%s': %s", g->dst.name, strerror(-rc));
    }
    if (rc) {
        gen_free__(g);
        return rc < 0 ? rc : -EINVAL;
    }
    t->gens[t->ngens++] = g;
    sim_schedule_at(t->eng, s->start, gen_start__, g, NULL);
    return (int)g->idx;
}

size_t traffic_gen_count(const struct traffic *t) { return t->ngens; }
const char *traffic_gen_name(const struct traffic *t, size_t gen) { return t->gens[gen]->name; }
enum traffic_kind traffic_gen_kind(const struct traffic *t, size_t gen)
{
    return t->gens[gen]->s.kind;
}

/* ---- statistics ------------------------------------------------------------------- */

/* Bytes the peer has: a roce flow that has its QP to itself (not rr)
 * counts the payload its receiver accepted in order, so an unfinished
 * WRITE shows its progress; every other flow what completed. */
static uint64_t flow_delivered__(const struct tflow *f)
{
    const struct tconn *c = f->conn;
    if (f->complete || !c || !c->peer || f->g->s.kind != TRAFFIC_ROCE ||
        f->g->s.pattern == TRAFFIC_RR)
        return f->delivered;
    uint64_t rx = roce_qp_stats(c->peer)->rx_bytes;
    return rx > f->delivered ? rx : f->delivered;
}

static void flow_counts__(const struct tflow *f, uint64_t out[4], sim_time_t *pause)
{
    uint64_t c1[4];
    sim_time_t p1;
    if (f->counted) {
        memcpy(c1, f->c1, sizeof c1);
        p1 = f->pause1;
    } else {
        conn_counters__(f->conn, c1);
        p1 = ep_paused__(&f->g->src[f->sender]);
    }
    for (int i = 0; i < 4; i++)
        out[i] = c1[i] >= f->c0[i] ? c1[i] - f->c0[i] : 0;
    *pause = p1 >= f->pause0 ? p1 - f->pause0 : 0;
}

size_t traffic_flow_count(const struct traffic *t) { return t->nflows; }

void traffic_flow_row(const struct traffic *t, size_t i, sim_time_t now,
                      struct trace_flow_row *row)
{
    const struct tflow *f = t->flows[i];
    const struct gen *g = f->g;
    uint64_t c[4];
    sim_time_t pause;
    flow_counts__(f, c, &pause);
    memset(row, 0, sizeof *row);
    row->id = f->id;
    row->generator = g->name;
    row->kind = traffic_kind_name(g->s.kind);
    row->cls = NULL;
    row->prio = g->src[f->sender].prio;
    row->src = g->src[f->sender].name;
    row->dst = g->dst.name;
    row->start = f->start;
    row->end = f->end;
    row->stop = now;
    row->size_bytes = f->size;
    row->sent_bytes = f->sent;
    row->delivered_bytes = flow_delivered__(f);
    row->retransmissions = c[0];
    row->naks = c[1];
    row->cnps = c[2];
    row->timeouts = c[3];
    row->pause = pause;
    row->complete = f->complete;
}

int traffic_write_flows(struct traffic *t, sim_time_t now)
{
    if (!t->trace)
        return 0;
    for (size_t i = 0; i < t->nflows; i++) {
        struct trace_flow_row row;
        traffic_flow_row(t, i, now, &row);
        int rc = trace_flow_result(t->trace, &row);
        if (rc)
            return rc;
    }
    return 0;
}

static int cmp_time__(const void *a, const void *b)
{
    sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static sim_time_t pct__(const sim_time_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t r = (size_t)ceil(p / 100.0 * (double)n);
    return v[r ? r - 1 : 0];
}

void traffic_gen_stats(const struct traffic *t, size_t gen, sim_time_t now,
                       struct traffic_gen_stats *out)
{
    memset(out, 0, sizeof *out);
    const struct gen *g = t->gens[gen];
    sim_time_t *fct = malloc((t->nflows ? t->nflows : 1) * sizeof *fct);
    size_t nf = 0;
    for (size_t i = 0; i < t->nflows; i++) {
        const struct tflow *f = t->flows[i];
        if (f->g != g)
            continue;
        uint64_t c[4];
        sim_time_t pause;
        flow_counts__(f, c, &pause);
        out->started++;
        out->sent_bytes += f->sent;
        out->delivered_bytes += flow_delivered__(f);
        out->retransmissions += c[0];
        out->naks += c[1];
        out->cnps += c[2];
        out->timeouts += c[3];
        out->pause += pause;
        if (!out->first_start || f->start < out->first_start)
            out->first_start = f->start;
        if (f->complete) {
            out->completed++;
            if (f->end > out->last_end)
                out->last_end = f->end;
            if (fct)
                fct[nf++] = f->end - f->start;
        }
    }
    if (fct && nf) {
        qsort(fct, nf, sizeof *fct, cmp_time__);
        out->fct_p50 = pct__(fct, nf, 50);
        out->fct_p99 = pct__(fct, nf, 99);
    }
    free(fct);
    sim_time_t until = out->completed == out->started && out->last_end ? out->last_end : now;
    if (out->started && until > out->first_start)
        out->goodput_bps = (double)out->delivered_bytes * 8.0 /
                           ((double)(until - out->first_start) * 1e-12);
}

static void fmt_ms__(char *b, size_t n, sim_time_t t, int none)
{
    if (none)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.6f ms", (double)t / (double)SIM_MS);
}

void traffic_summary(const struct traffic *t, sim_time_t now, FILE *out)
{
    if (!t || !t->ngens)
        return;
    fprintf(out, "\ntraffic (bytes delivered, goodput over first start to last end, FCT of "
                 "completed flows)\n");
    for (size_t i = 0; i < t->ngens; i++) {
        struct traffic_gen_stats st;
        traffic_gen_stats(t, i, now, &st);
        const struct gen *g = t->gens[i];
        char p50[32], p99[32];
        fmt_ms__(p50, sizeof p50, st.fct_p50, !st.completed);
        fmt_ms__(p99, sizeof p99, st.fct_p99, !st.completed);
        fprintf(out, "  %-16s %-5s %-8s flows %llu/%llu  sent %llu B  delivered %llu B  "
                     "goodput %.3f Gb/s  FCT p50 %s p99 %s  retx %llu  NAKs %llu  CNPs %llu  "
                     "timeouts %llu\n",
                g->name, traffic_kind_name(g->s.kind), traffic_pattern_name(g->s.pattern),
                (unsigned long long)st.completed, (unsigned long long)st.started,
                (unsigned long long)st.sent_bytes, (unsigned long long)st.delivered_bytes,
                st.goodput_bps / 1e9, p50, p99, (unsigned long long)st.retransmissions,
                (unsigned long long)st.naks, (unsigned long long)st.cnps,
                (unsigned long long)st.timeouts);
    }
}
