/* roce: RoCEv2 RC transport, transmit scheduler and DCQCN glue (see roce.h
 * for the protocol, the state table and the invariants; connection
 * management is in roce_cm.c).
 *
 * Requester bookkeeping, in absolute PSNs of the QP's own space:
 *
 *   acked <= ... una <= nxt <= max <= post_end
 *   una   oldest PSN not yet known received (READ: first missing response)
 *   nxt   next PSN the scheduler sends (moved back by a go-back)
 *   max   one past the highest PSN ever sent (a PSN below it is a resend)
 *
 * The responder tracks epsn in the peer's PSN space.  Wire PSNs are
 * (initial PSN + absolute) mod 2^24 and are mapped back by the nearest
 * absolute value to a reference (psn_abs__).
 */
#include "roce.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "pkt_roce.h"
#include "roce_int.h"

/* Bytes a frame gains after the engine (the vmswitch's 802.1Q tag): the
 * scheduler paces on the tagged size so it never outruns the port. */
#define TAG_ALLOWANCE 4u
/* Headers of a data packet besides its payload, for the gate's retry
 * delay: Ethernet, tag, IPv6, UDP, BTH, RETH, ICRC, FCS/preamble/IFG. */
#define DATA_OVERHEAD 112u

static const char *const err_names[] = {
    [ROCE_ERR_RETRY_EXCEEDED] = "retry_exceeded",
    [ROCE_ERR_FAILOVER] = "failover",
    [ROCE_ERR_LOCAL_DISCONNECT] = "local_disconnect",
    [ROCE_ERR_REMOTE_DISCONNECT] = "remote_disconnect",
    [ROCE_ERR_CM_TIMEOUT] = "cm_timeout",
};

const char *roce_err_name(enum roce_qp_err why)
{
    return (unsigned)why < sizeof err_names / sizeof *err_names ? err_names[why] : NULL;
}

const char *roce_op_name(enum roce_op op)
{
    switch (op) {
    case ROCE_OP_WRITE:
        return "write";
    case ROCE_OP_SEND:
        return "send";
    case ROCE_OP_READ:
        return "read";
    }
    return NULL;
}

uint16_t roce_udp_sport(uint32_t lqpn, uint32_t rqpn)
{
    uint64_t v = (uint64_t)lqpn * rqpn;
    v ^= v >> 20;
    v ^= v >> 40;
    uint32_t fl = (uint32_t)(v & 0xFFFFF);
    uint32_t lo = fl & 0x3FFF, hi = fl & 0xFC000;
    lo ^= hi >> 14;
    return (uint16_t)(lo | 0xC000);
}

void roce_settings_default(struct roce_settings *s, const char *name, uint64_t rate_bps)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->rate_bps = rate_bps;
    s->mtu = ROCE_DEFAULT_MTU;
    s->ack_every = ROCE_DEFAULT_ACK_EVERY;
    s->retx = ROCE_GO_BACK_N;
    s->ack_timeout_exp = ROCE_DEFAULT_ACK_TIMEOUT_EXP;
    s->retry_cnt = ROCE_DEFAULT_RETRY_CNT;
    s->max_rd_atomic = ROCE_DEFAULT_MAX_RD_ATOMIC;
    s->dcqcn = 0;
    dcqcn_settings_default(&s->cc);
    s->failover = ROCE_FO_RECONNECT;
    s->first_qpn = 0x100;
    s->verify_icrc = 1;
    s->cm_timeout = ROCE_DEFAULT_CM_TIMEOUT;
    s->cm_retries = ROCE_DEFAULT_CM_RETRIES;
}

static int mtu_valid__(uint32_t mtu)
{
    return mtu == 256 || mtu == 512 || mtu == 1024 || mtu == 2048 || mtu == 4096;
}

/* ---- PSN arithmetic ------------------------------------------------------ */

static inline uint32_t psn_wire__(uint32_t ipsn, uint64_t abs)
{
    return (uint32_t)((ipsn + abs) & ROCE_PSN_MASK);
}

/* The absolute PSN nearest to ref whose wire value is `wire`; negative
 * when it would lie before the first PSN (an ancient duplicate). */
static int64_t psn_abs__(uint32_t wire, uint32_t ipsn, uint64_t ref)
{
    int32_t d = (int32_t)((wire - psn_wire__(ipsn, ref)) & ROCE_PSN_MASK);
    if (d & 0x800000)
        d -= 0x1000000;
    return (int64_t)ref + d;
}

/* ---- small helpers ------------------------------------------------------- */

static inline struct roce_wqe *wqe_at__(const struct roce_qp *qp, size_t k)
{
    return &qp->wq[(qp->wq_head + k) & (qp->wq_cap - 1)];
}

static inline struct roce_rd_job *rd_at__(const struct roce_qp *qp, size_t k)
{
    return &qp->rd[(qp->rd_head + k) & (qp->rd_cap - 1)];
}

static inline uint32_t npkts_of__(const struct roce_dev *d, uint32_t len)
{
    return len ? (len + d->cfg.mtu - 1) / d->cfg.mtu : 1;
}

static uint64_t qp_rate__(const struct roce_qp *qp)
{
    return qp->rp ? dcqcn_rp_rate(qp->rp) : qp->dev->cfg.rate_bps;
}

static void trace_qp_error__(struct roce_qp *qp, enum roce_qp_err why)
{
    struct roce_dev *d = qp->dev;
    if (!d->trace)
        return;
    struct trace_rec r = {.obj = d->obj, .has = TRACE_HAS_VALUE, .value = qp->qpn,
                          .reason = roce_err_name(why)};
    trace_event(d->trace, sim_now(d->eng), TRACE_QP_ERROR, &r);
}

/* ---- device -------------------------------------------------------------- */

static void rx__(void *ctx, struct ipstack *s, struct frame *f, const struct pkt_info *pi);

struct roce_dev *roce_dev_create(struct sim_engine *eng, struct trace *trace,
                                 struct frame_pool *pool, struct ipstack *stack,
                                 const struct roce_settings *s)
{
    if (!eng || !pool || !stack || !s || !s->name || !s->rate_bps || !mtu_valid__(s->mtu) ||
        !s->ack_every || s->ack_timeout_exp < 1 || s->ack_timeout_exp > 31 ||
        s->retry_cnt > 7 || !s->max_rd_atomic || s->first_qpn < 2 ||
        s->first_qpn > ROCE_PSN_MASK || !s->cm_timeout) {
        errno = EINVAL;
        return NULL;
    }
    struct roce_dev *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->eng = eng;
    d->trace = trace;
    d->pool = pool;
    d->stack = stack;
    d->cfg = *s;
    d->name = strdup(s->name);
    if (!d->name)
        goto fail;
    d->cfg.name = d->name;
    d->ack_timeout = (4096 * SIM_NS) << s->ack_timeout_exp;
    char stream[512];
    snprintf(stream, sizeof stream, "%s/psn", d->name);
    sim_rng_init(&d->rng, s->seed, stream);
    d->next_comm_id = (uint32_t)sim_rng_u64(&d->rng) | 1;
    d->gsi_psn = (uint32_t)sim_rng_u64(&d->rng) & ROCE_PSN_MASK;
    if (trace) {
        int id = trace_object(trace, d->name, "rdma");
        d->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
    }
    int rc = ipstack_bind(stack, PKT_IPPROTO_UDP, PKT_ROCE_UDP_PORT, rx__, d);
    if (rc < 0) {
        errno = rc == -EADDRINUSE ? EADDRINUSE : EINVAL;
        goto fail;
    }
    return d;
fail:
    free(d->name);
    free(d);
    return NULL;
}

static void qp_free__(struct roce_qp *qp)
{
    dcqcn_rp_destroy(qp->rp);
    free(qp->wq);
    free(qp->rd);
    free(qp);
}

void roce_dev_destroy(struct roce_dev *d)
{
    if (!d)
        return;
    ipstack_unbind(d->stack, PKT_IPPROTO_UDP, PKT_ROCE_UDP_PORT);
    for (size_t i = 0; i < d->nqps; i++)
        if (d->qps[i])
            qp_free__(d->qps[i]);
    free(d->qps);
    free(d->live);
    free(d->dreq);
    free(d->name);
    free(d);
}

void roce_dev_set_tx_gate(struct roce_dev *d, roce_gate_fn fn, void *ctx)
{
    d->gate = fn;
    d->gate_ctx = ctx;
}

void roce_dev_set_rate(struct roce_dev *d, uint64_t rate_bps)
{
    if (rate_bps)
        d->cfg.rate_bps = rate_bps;
}

void roce_dev_port_change(struct roce_dev *d)
{
    d->ctr.port_changes++;
    if (d->cfg.failover != ROCE_FO_RECONNECT)
        return;
    /* FO-009: the QPs lived in the old member's NIC.  QPs created by the
     * callbacks land past n and belong to the new port. */
    size_t n = d->nlive;
    for (size_t i = 0; i < n && i < d->nlive; i++) {
        struct roce_qp *qp = d->live[i];
        if (qp->state != ROCE_QPS_RESET && qp->state != ROCE_QPS_ERROR)
            roce_qp_error__(qp, ROCE_ERR_FAILOVER);
    }
}

int roce_listen(struct roce_dev *d, uint16_t port, roce_accept_fn fn, void *ctx)
{
    if (!fn)
        return -EINVAL;
    for (int i = 0; i < ROCE_MAX_LISTENERS; i++)
        if (d->listeners[i].fn && d->listeners[i].port == port)
            return -EADDRINUSE;
    for (int i = 0; i < ROCE_MAX_LISTENERS; i++)
        if (!d->listeners[i].fn) {
            d->listeners[i] = (struct roce_listener){.port = port, .fn = fn, .ctx = ctx};
            return 0;
        }
    return -ENOSPC;
}

const struct roce_dev_counters *roce_dev_counters(const struct roce_dev *d) { return &d->ctr; }
const struct roce_settings *roce_dev_settings(const struct roce_dev *d) { return &d->cfg; }
trace_obj_t roce_dev_obj(const struct roce_dev *d) { return d->obj; }
struct ipstack *roce_dev_stack(const struct roce_dev *d) { return d->stack; }

struct roce_qp *roce_qp_lookup__(struct roce_dev *d, uint32_t qpn)
{
    if (qpn < d->cfg.first_qpn)
        return NULL;
    size_t i = qpn - d->cfg.first_qpn;
    return i < d->nqps ? d->qps[i] : NULL;
}

int roce_ip_spec__(struct roce_dev *d, uint8_t version, const uint8_t *dst, uint8_t ecn,
                   struct pkt_l2_spec *l2, struct pkt_ip_spec *ip)
{
    ipstack_l2_spec(d->stack, l2);
    return ipstack_ip_spec(d->stack, version, dst, d->cfg.dscp, ecn, ip);
}

void roce_dev_set_priority(struct roce_dev *d, uint8_t prio) { d->cfg.priority = prio & 7; }

void roce_xmit__(struct roce_dev *d, struct frame *f, uint16_t nd_port)
{
    /* DYN-010: an RDMA engine's frame stays on the affinitized member;
     * CFG-031: the NetDirect port classifies it (DCB-012). */
    f->flags |= FRAME_F_RDMA;
    f->nd_port = nd_port;
    f->priority = d->cfg.priority & 7;
    d->ctr.tx_frames++;
    int rc = ipstack_send(d->stack, f);
    if (rc < 0 && rc != -EINPROGRESS)
        d->ctr.tx_refused++;
}

/* ---- transmit scheduler -------------------------------------------------- */

static void pump__(struct sim_engine *eng, void *ctx, void *arg);

static void schedule_pump__(struct roce_dev *d, sim_time_t at)
{
    if (d->pump_ev) {
        if (d->pump_at <= at)
            return;
        sim_cancel(d->eng, d->pump_ev);
    }
    d->pump_at = at;
    d->pump_ev = sim_schedule_at(d->eng, at, pump__, d, NULL);
}

static void kick__(struct roce_dev *d)
{
    sim_time_t now = sim_now(d->eng);
    schedule_pump__(d, d->next_free > now ? d->next_free : now);
}

void roce_dev_tx_ready(struct roce_dev *d) { kick__(d); }

static int qp_has_work__(const struct roce_qp *qp)
{
    if (qp->state != ROCE_QPS_RTS)
        return 0;
    if (qp->rd_count)
        return 1;
    if (qp->nxt >= qp->post_end || qp->wq_snd >= qp->wq_count)
        return 0;
    const struct roce_wqe *w = wqe_at__(qp, qp->wq_snd);
    return !(w->op == ROCE_OP_READ && !w->req_sent &&
             qp->rd_out >= qp->dev->cfg.max_rd_atomic);
}

/* Whether qp's header template holds what build__ would build it from
 * now: the stack's MAC, source address and TTL (ipstack_l2_spec, v4), the
 * device's DSCP, and the QP's peer, QP number and UDP port.  The other
 * fields the template keys on are constants here: ipstack_l2_spec's
 * untagged zeros, DF clear, and spec_init__'s P_Key and BTH flags. */
static int tmpl_current__(const struct roce_qp *qp, const struct ipstack_ipv4_fields *v4)
{
    const struct pkt_roce_tmpl *t = &qp->tx_tmpl;
    return t->hlen && t->ttl == v4->ttl && memcmp(t->src, v4->src, 4) == 0 &&
           memcmp(t->dst, qp->peer_ip, 4) == 0 && t->dest_qp == qp->peer_qpn &&
           t->udp_sport == qp->udp_sport && t->dscp == qp->dev->cfg.dscp &&
           pkt_mac_eq(t->l2.src, ipstack_mac(qp->dev->stack));
}

/* The IPv4 spec ipstack_ip_spec() gives toward the peer, from the fields
 * ipstack_ipv4_next() took. */
static void ipv4_spec__(const struct roce_qp *qp, const struct ipstack_ipv4_fields *v4,
                        uint8_t ecn, struct pkt_ip_spec *ip)
{
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    memcpy(ip->src, v4->src, 4);
    memcpy(ip->dst, qp->peer_ip, 4);
    ip->dscp = qp->dev->cfg.dscp;
    ip->ecn = ecn;
    ip->ttl = v4->ttl;
    ip->id = v4->id;
}

/* IPv4: the template as it is when it holds the QP's headers
 * (tmpl_current__), else the specs ipstack_ip_spec would give. */
static struct frame *build_v4__(struct roce_qp *qp, const struct pkt_roce_spec *r,
                                uint32_t payload, uint8_t ecn,
                                const struct ipstack_ipv4_fields *v4)
{
    struct roce_dev *d = qp->dev;
    struct frame *f = frame_alloc(d->pool);
    if (!f)
        return NULL;
    int err = tmpl_current__(qp, v4)
                  ? pkt_roce_build_tmpl_again(f, &qp->tx_tmpl, ecn, v4->id, r, payload)
                  : -EAGAIN;
    if (err == -EAGAIN) {
        struct pkt_l2_spec l2;
        struct pkt_ip_spec ip;
        ipstack_l2_spec(d->stack, &l2);
        ipv4_spec__(qp, v4, ecn, &ip);
        err = pkt_roce_build_tmpl(f, &qp->tx_tmpl, &l2, &ip, r, payload);
    }
    if (err != 0) {
        frame_unref(f);
        return NULL;
    }
    f->t_created = sim_now(d->eng);
    return f;
}

/* Any IP version: the specs from ipstack_ip_spec (rare: see build__). */
static __attribute__((noinline, cold)) struct frame *
build_general__(struct roce_qp *qp, const struct pkt_roce_spec *r, uint32_t payload, uint8_t ecn)
{
    struct roce_dev *d = qp->dev;
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    if (roce_ip_spec__(d, qp->version, qp->peer_ip, ecn, &l2, &ip) != 0)
        return NULL;
    struct frame *f = frame_alloc(d->pool);
    if (!f)
        return NULL;
    if (pkt_roce_build_tmpl(f, &qp->tx_tmpl, &l2, &ip, r, payload) != 0) {
        frame_unref(f);
        return NULL;
    }
    f->t_created = sim_now(d->eng);
    return f;
}

static struct frame *build__(struct roce_qp *qp, const struct pkt_roce_spec *r, uint32_t payload,
                             uint8_t ecn)
{
    struct roce_dev *d = qp->dev;
    struct ipstack_ipv4_fields v4;
    /* ipstack_ip_spec's checks first: it takes no ID when it refuses */
    if (qp->version == 4 && d->cfg.dscp <= 63 && ecn <= 3 &&
        ipstack_ipv4_next(d->stack, &v4) == 0)
        return build_v4__(qp, r, payload, ecn, &v4);
    return build_general__(qp, r, payload, ecn);
}

static void spec_init__(const struct roce_qp *qp, struct pkt_roce_spec *r, uint8_t opcode,
                        uint32_t wire_psn)
{
    memset(r, 0, sizeof *r);
    r->bth.opcode = opcode;
    r->bth.pkey = PKT_ROCE_DEFAULT_PKEY;
    r->bth.dest_qp = qp->peer_qpn;
    r->bth.psn = wire_psn;
    r->udp_sport = qp->udp_sport;
}

static void arm_timer__(struct roce_qp *qp);

/* Counts a sent data packet; returns its line bytes after tagging. */
static uint32_t account_tx__(struct roce_qp *qp, struct frame *f, uint32_t payload)
{
    uint32_t line = frame_line_len(f) + TAG_ALLOWANCE;
    qp->st.tx_pkts++;
    qp->st.tx_bytes += payload;
    if (qp->rp)
        dcqcn_rp_sent(qp->rp, frame_wire_len(f));
    return line;
}

static const uint8_t op_first[] = {[ROCE_OP_WRITE] = PKT_IB_RC_WRITE_FIRST,
                                   [ROCE_OP_SEND] = PKT_IB_RC_SEND_FIRST};
static const uint8_t op_middle[] = {[ROCE_OP_WRITE] = PKT_IB_RC_WRITE_MIDDLE,
                                    [ROCE_OP_SEND] = PKT_IB_RC_SEND_MIDDLE};
static const uint8_t op_last[] = {[ROCE_OP_WRITE] = PKT_IB_RC_WRITE_LAST,
                                  [ROCE_OP_SEND] = PKT_IB_RC_SEND_LAST};
static const uint8_t op_only[] = {[ROCE_OP_WRITE] = PKT_IB_RC_WRITE_ONLY,
                                  [ROCE_OP_SEND] = PKT_IB_RC_SEND_ONLY};

/* The requester's packet at nxt: a WRITE/SEND segment or a READ request
 * for the rest of a READ. */
static uint32_t send_request__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    struct roce_wqe *w = wqe_at__(qp, qp->wq_snd);
    uint64_t psn = qp->nxt;
    uint32_t idx = (uint32_t)(psn - w->first);
    uint64_t off = (uint64_t)idx * d->cfg.mtu;
    struct pkt_roce_spec r;
    uint32_t payload = 0;
    uint64_t after;
    if (w->op == ROCE_OP_READ) {
        spec_init__(qp, &r, PKT_IB_RC_READ_REQUEST, psn_wire__(qp->ipsn, psn));
        r.reth.va = w->raddr + off;
        r.reth.rkey = w->rkey;
        r.reth.dma_len = off < w->len ? (uint32_t)(w->len - off) : 0;
        after = w->first + w->npkts;
    } else {
        int first = idx == 0, last = idx + 1 == w->npkts;
        uint8_t opc = first && last ? op_only[w->op]
                      : first       ? op_first[w->op]
                      : last        ? op_last[w->op]
                                    : op_middle[w->op];
        spec_init__(qp, &r, opc, psn_wire__(qp->ipsn, psn));
        payload = w->len - off < d->cfg.mtu ? (uint32_t)(w->len - off) : d->cfg.mtu;
        if (w->op == ROCE_OP_WRITE && first) {
            r.reth.va = w->raddr;
            r.reth.rkey = w->rkey;
            r.reth.dma_len = w->len;
        }
        r.bth.ack_req = (uint8_t)last;
        after = psn + 1;
    }
    struct frame *f = build__(qp, &r, payload, d->cfg.dcqcn ? PKT_ECN_ECT0 : PKT_ECN_NOT_ECT);
    if (!f)
        return 0;
    if (w->op == ROCE_OP_READ && !w->req_sent) {
        w->req_sent = 1;
        qp->rd_out++;
    }
    if (psn < qp->max)
        qp->st.retrans_pkts++;
    qp->nxt = after;
    if (after > qp->max)
        qp->max = after;
    if (qp->nxt >= w->first + w->npkts)
        qp->wq_snd++;
    uint32_t line = account_tx__(qp, f, payload);
    arm_timer__(qp);
    roce_xmit__(d, f, qp->nd_port);
    return line;
}

static void send_ack_now__(struct roce_qp *qp, int nak);

/* The responder's next READ response. */
static uint32_t send_read_response__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    struct roce_rd_job *j = rd_at__(qp, 0);
    uint32_t i = j->next;
    uint64_t off = (uint64_t)i * d->cfg.mtu;
    uint32_t payload = j->len - off < d->cfg.mtu ? (uint32_t)(j->len - off) : d->cfg.mtu;
    if (off > j->len)
        payload = 0;
    uint8_t opc = j->npkts == 1       ? PKT_IB_RC_READ_RESP_ONLY
                  : i == 0            ? PKT_IB_RC_READ_RESP_FIRST
                  : i + 1 == j->npkts ? PKT_IB_RC_READ_RESP_LAST
                                      : PKT_IB_RC_READ_RESP_MIDDLE;
    struct pkt_roce_spec r;
    spec_init__(qp, &r, opc, psn_wire__(qp->peer_ipsn, j->first + i));
    r.aeth.syndrome = pkt_roce_aeth_ack(PKT_AETH_CREDITS_INVALID);
    r.aeth.msn = qp->msn & ROCE_PSN_MASK;
    struct frame *f = build__(qp, &r, payload, d->cfg.dcqcn ? PKT_ECN_ECT0 : PKT_ECN_NOT_ECT);
    if (!f)
        return 0;
    if (++j->next == j->npkts) {
        qp->rd_head = (qp->rd_head + 1) & (qp->rd_cap - 1);
        qp->rd_count--;
    }
    uint32_t line = account_tx__(qp, f, payload);
    roce_xmit__(d, f, qp->nd_port);
    /* ACKs and NAKs are ordered after the responses queued before them. */
    if (!qp->rd_count && qp->ack_pending) {
        int nak = qp->ack_pending == 2;
        qp->ack_pending = 0;
        send_ack_now__(qp, nak);
    }
    return line;
}

static uint32_t send_one__(struct roce_qp *qp)
{
    int req_ready = qp->nxt < qp->post_end && qp->wq_snd < qp->wq_count;
    if (req_ready) {
        const struct roce_wqe *w = wqe_at__(qp, qp->wq_snd);
        if (w->op == ROCE_OP_READ && !w->req_sent &&
            qp->rd_out >= qp->dev->cfg.max_rd_atomic)
            req_ready = 0;
    }
    /* Alternate requests and READ responses when a QP has both. */
    if (qp->rd_count && (!req_ready || (qp->st.tx_pkts & 1)))
        return send_read_response__(qp);
    return req_ready ? send_request__(qp) : 0;
}

static sim_time_t txtime__(struct roce_txtime *m, uint64_t bytes, uint64_t bps)
{
    if (!m->bps || m->bps != bps || m->bytes != bytes) {
        m->bytes = bytes;
        m->bps = bps;
        m->t = sim_tx_time(bytes, bps);
    }
    return m->t;
}

static void pump__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct roce_dev *d = ctx;
    d->pump_ev = 0;
    sim_time_t now = sim_now(eng);
    if (now < d->next_free) {
        schedule_pump__(d, d->next_free);
        return;
    }
    sim_time_t earliest = SIM_TIME_MAX;
    struct roce_qp *pick = NULL;
    /* d->rr % d->nlive; rr is at most nlive unless QPs went away (the
     * division only then: it is the dearest instruction here) */
    size_t i = d->rr < d->nlive ? d->rr : d->rr == d->nlive || !d->nlive ? 0 : d->rr % d->nlive;
    for (size_t k = 0; k < d->nlive; k++, i = i + 1 == d->nlive ? 0 : i + 1) {
        struct roce_qp *qp = d->live[i];
        if (!qp_has_work__(qp))
            continue;
        if (qp->next_allowed > now) {
            if (qp->next_allowed < earliest)
                earliest = qp->next_allowed;
            continue;
        }
        pick = qp;
        d->rr = i + 1;
        break;
    }
    if (!pick) {
        if (earliest != SIM_TIME_MAX)
            schedule_pump__(d, earliest);
        return;
    }
    int shut = d->gate ? d->gate(d->gate_ctx, pick->nd_port) : 0;
    if (shut) {
        d->ctr.gate_waits++;
        schedule_pump__(d, now + (shut == ROCE_GATE_NOTIFY
                                      ? ROCE_GATE_BACKSTOP
                                      : sim_tx_time(d->cfg.mtu + DATA_OVERHEAD, d->cfg.rate_bps)));
        return;
    }
    uint32_t line = send_one__(pick);
    if (line) {
        d->next_free = now + txtime__(&d->line_time, line, d->cfg.rate_bps);
        pick->next_allowed = now + txtime__(&pick->pace, line, qp_rate__(pick));
    } else { /* no frame (no memory): try again a frame time later */
        d->next_free = now + sim_tx_time(d->cfg.mtu + DATA_OVERHEAD, d->cfg.rate_bps);
    }
    schedule_pump__(d, d->next_free);
}

/* ---- requester: timer, completions, go-back ------------------------------ */

static void timer__(struct sim_engine *eng, void *ctx, void *arg);

static void arm_timer__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    if (!qp->deadline)
        qp->deadline = sim_now(d->eng) + d->ack_timeout;
    if (!qp->timer)
        qp->timer = sim_schedule_at(d->eng, qp->deadline, timer__, qp, NULL);
}

/* The WQE holding nxt, after nxt moved. */
static void locate_snd__(struct roce_qp *qp)
{
    size_t k = 0;
    while (k < qp->wq_count) {
        const struct roce_wqe *w = wqe_at__(qp, k);
        if (qp->nxt < w->first + w->npkts)
            break;
        k++;
    }
    qp->wq_snd = k;
}

static void goback__(struct roce_qp *qp, uint64_t from)
{
    if (from > qp->nxt)
        from = qp->nxt;
    qp->nxt = from;
    qp->goback_at = qp->una;
    qp->goback_done = 1;
    qp->st.gbn_events++;
    locate_snd__(qp);
    kick__(qp->dev);
}

static void complete__(struct roce_qp *qp, int status)
{
    struct roce_wqe *w = wqe_at__(qp, 0);
    struct roce_wc wc = {.wr_id = w->wr_id, .op = w->op, .status = status, .bytes = w->len,
                         .posted = w->posted, .done = sim_now(qp->dev->eng)};
    uint64_t end = w->first + w->npkts;
    if (w->op == ROCE_OP_READ && w->req_sent && qp->rd_out-- == qp->dev->cfg.max_rd_atomic)
        kick__(qp->dev); /* a READ held back by max_rd_atomic may go now */
    qp->wq_head = (qp->wq_head + 1) & (qp->wq_cap - 1);
    qp->wq_count--;
    if (qp->wq_snd)
        qp->wq_snd--;
    else if (qp->nxt < end)
        qp->nxt = end; /* went back into the request now done: its rest is not sent
                        * again, and the completion handler sees consistent pointers */
    if (status == 0) {
        qp->st.tx_msgs++;
        qp->st.bytes_done += wc.bytes;
        qp->st.last_done = wc.done;
    }
    if (qp->ops && qp->ops->completion)
        qp->ops->completion(qp->ctx, qp, &wc);
}

/* Completes what is acknowledged, in order, and recomputes una. */
static void advance__(struct roce_qp *qp)
{
    uint64_t old_una = qp->una;
    while (qp->wq_count && qp->state == ROCE_QPS_RTS) {
        const struct roce_wqe *w = wqe_at__(qp, 0);
        if (w->op == ROCE_OP_READ ? w->resp_rx < w->npkts : qp->acked < w->first + w->npkts)
            break;
        complete__(qp, 0);
    }
    if (qp->state != ROCE_QPS_RTS)
        return;
    if (qp->wq_count) {
        const struct roce_wqe *w = wqe_at__(qp, 0);
        if (w->op == ROCE_OP_READ)
            qp->una = w->first + w->resp_rx;
        else
            qp->una = qp->acked > w->first ? qp->acked : w->first;
    } else {
        qp->una = qp->post_end;
    }
    if (qp->una > old_una) {
        /* Forward progress: the retry budget and the timer start over. */
        qp->retry_left = qp->dev->cfg.retry_cnt;
        qp->deadline = qp->una < qp->max ? sim_now(qp->dev->eng) + qp->dev->ack_timeout : 0;
        if (qp->deadline && !qp->timer)
            arm_timer__(qp);
        qp->goback_done = 0;
    }
    if (qp->nxt < qp->una) {
        qp->nxt = qp->una;
        locate_snd__(qp);
    }
}

static void timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct roce_qp *qp = ctx;
    qp->timer = 0;
    if (qp->state != ROCE_QPS_RTS || !qp->deadline)
        return;
    sim_time_t now = sim_now(eng);
    if (now < qp->deadline) {
        qp->timer = sim_schedule_at(eng, qp->deadline, timer__, qp, NULL);
        return;
    }
    qp->st.timeouts++;
    if (qp->retry_left == 0) {
        roce_qp_error__(qp, ROCE_ERR_RETRY_EXCEEDED);
        return;
    }
    qp->retry_left--;
    qp->deadline = 0;
    goback__(qp, qp->una);
    if (qp->nxt < qp->max)
        arm_timer__(qp);
}

/* ---- requester: receive -------------------------------------------------- */

static void ack_rx__(struct roce_qp *qp, const struct pkt_info *pi)
{
    int64_t p = psn_abs__(pi->bth.psn, qp->ipsn, qp->una);
    uint8_t kind = pkt_roce_aeth_kind(pi->aeth.syndrome);
    if (kind == PKT_AETH_NAK) {
        qp->st.naks_rx++;
        if ((pi->aeth.syndrome & PKT_AETH_VALUE_MASK) != PKT_AETH_NAK_PSN_SEQ_ERR || p < 0)
            return;
        /* The responder has everything below p and expects p. */
        uint64_t exp = (uint64_t)p > qp->max ? qp->max : (uint64_t)p;
        if (exp > qp->acked)
            qp->acked = exp;
        advance__(qp);
        if (qp->state != ROCE_QPS_RTS)
            return;
        /* Every NAK is a new loss, even at an unchanged una (a second
         * loss in a resent window, any loss of a message go-back-0 sends
         * again): the responder sends one per sequence error and none
         * again until the expected packet arrives, which only a
         * retransmission brings.  One below una is stale. */
        if (exp >= qp->una && exp < qp->nxt)
            goback__(qp, exp);
        return;
    }
    if (kind != PKT_AETH_ACK)
        return; /* RNR NAK: the model's receive queues never run dry */
    qp->st.acks_rx++;
    if (p < 0)
        return;
    uint64_t to = (uint64_t)p + 1;
    if (to > qp->max)
        to = qp->max;
    if (to > qp->acked)
        qp->acked = to;
    advance__(qp);
    if (qp->state != ROCE_QPS_RTS || !qp->wq_count)
        return;
    /* An ACK past an incomplete READ: its responses were sent before the
     * ACK and are lost (responses are never overtaken). */
    const struct roce_wqe *w = wqe_at__(qp, 0);
    if (w->op == ROCE_OP_READ && qp->acked > w->first + w->npkts - 1 &&
        !(qp->goback_done && qp->goback_at == qp->una) && qp->una < qp->nxt)
        goback__(qp, qp->una);
}

static void established_if_rtr__(struct roce_qp *qp)
{
    if (qp->state == ROCE_QPS_RTR)
        roce_established__(qp);
}

static void read_resp_rx__(struct roce_qp *qp, const struct pkt_info *pi)
{
    int64_t q = psn_abs__(pi->bth.psn, qp->ipsn, qp->una);
    if (q < 0 || (uint64_t)q < qp->una) {
        qp->st.dup_rx++;
        return;
    }
    struct roce_wqe *w = NULL;
    for (size_t k = 0; k < qp->wq_count; k++) {
        struct roce_wqe *c = wqe_at__(qp, k);
        if ((uint64_t)q < c->first + c->npkts) {
            if ((uint64_t)q >= c->first && c->op == ROCE_OP_READ)
                w = c;
            break;
        }
    }
    if (!w) {
        qp->st.dup_rx++;
        return;
    }
    /* A READ response implicitly acknowledges every earlier request. */
    if (w->first > qp->acked)
        qp->acked = w->first;
    advance__(qp);
    if (qp->state != ROCE_QPS_RTS)
        return;
    if ((uint64_t)q == qp->una && (uint64_t)q == w->first + w->resp_rx) {
        qp->st.rx_pkts++;
        qp->st.rx_bytes += pi->l5_len - pi->bth.pad;
        w->resp_rx++;
        advance__(qp);
        return;
    }
    qp->st.ooo_rx++;
    if (!(qp->goback_done && qp->goback_at == qp->una) && qp->una < qp->nxt)
        goback__(qp, qp->una);
}

/* ---- responder ------------------------------------------------------------- */

static void send_ack_now__(struct roce_qp *qp, int nak)
{
    struct pkt_roce_spec r;
    /* An ACK or NAK tells the requester that every PSN below `have` is
     * kept.  Go-back-0 discards a partly received message on the next
     * sequence error, so its packets are never acknowledged before the
     * last one: an ACK or NAK sent while a message is partial (one
     * deferred behind READ responses, or answering a duplicate) stops at
     * the message's first PSN. */
    uint64_t have = qp->dev->cfg.retx == ROCE_GO_BACK_0 && qp->msg_bytes ? qp->msg_start
                                                                         : qp->epsn;
    uint64_t psn = nak ? have : have - 1;
    spec_init__(qp, &r, PKT_IB_RC_ACK, psn_wire__(qp->peer_ipsn, psn));
    r.aeth.syndrome = nak ? pkt_roce_aeth_nak(PKT_AETH_NAK_PSN_SEQ_ERR)
                          : pkt_roce_aeth_ack(PKT_AETH_CREDITS_INVALID);
    r.aeth.msn = qp->msn & ROCE_PSN_MASK;
    struct frame *f = build__(qp, &r, 0, PKT_ECN_NOT_ECT);
    if (!f)
        return;
    if (nak)
        qp->st.naks_tx++;
    else
        qp->st.acks_tx++;
    qp->unacked = 0;
    roce_xmit__(qp->dev, f, qp->nd_port);
}

static void send_ack__(struct roce_qp *qp, int nak)
{
    if (qp->rd_count) {
        if (nak || !qp->ack_pending)
            qp->ack_pending = nak ? 2 : 1;
        qp->unacked = 0;
        return;
    }
    send_ack_now__(qp, nak);
}

static int rd_push__(struct roce_qp *qp, uint64_t first, uint32_t len)
{
    if (qp->rd_count == qp->rd_cap) {
        size_t ncap = qp->rd_cap ? qp->rd_cap * 2 : 8;
        struct roce_rd_job *n = malloc(ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        for (size_t k = 0; k < qp->rd_count; k++)
            n[k] = *rd_at__(qp, k);
        free(qp->rd);
        qp->rd = n;
        qp->rd_cap = ncap;
        qp->rd_head = 0;
    }
    struct roce_rd_job *j = &qp->rd[(qp->rd_head + qp->rd_count) & (qp->rd_cap - 1)];
    *j = (struct roce_rd_job){.first = first, .npkts = npkts_of__(qp->dev, len), .len = len};
    qp->rd_count++;
    return 0;
}

/* A duplicate READ request at psn: responses from psn on are sent again;
 * every queued response at or after psn is dropped first. */
static void rd_restart__(struct roce_qp *qp, uint64_t psn, uint32_t len)
{
    size_t keep = 0;
    for (size_t k = 0; k < qp->rd_count; k++) {
        struct roce_rd_job *j = rd_at__(qp, k);
        if (j->first >= psn)
            break;
        if (psn < j->first + j->npkts) {
            uint32_t n = (uint32_t)(psn - j->first);
            if (j->next >= n)
                break;
            j->npkts = n;
            j->len = n * qp->dev->cfg.mtu;
        }
        keep = k + 1;
    }
    qp->rd_count = keep;
    rd_push__(qp, psn, len);
}

static int op_is_last__(uint8_t op)
{
    return op == PKT_IB_RC_SEND_LAST || op == 0x03 || op == PKT_IB_RC_SEND_ONLY || op == 0x05 ||
           op == PKT_IB_RC_WRITE_LAST || op == 0x09 || op == PKT_IB_RC_WRITE_ONLY || op == 0x0B;
}

static int op_is_send__(uint8_t op) { return op <= 0x05; }

static int op_is_first__(uint8_t op)
{
    return op == PKT_IB_RC_SEND_FIRST || op == PKT_IB_RC_SEND_ONLY || op == 0x05 ||
           op == PKT_IB_RC_WRITE_FIRST || op == PKT_IB_RC_WRITE_ONLY || op == 0x0B;
}

static void request_rx__(struct roce_qp *qp, const struct pkt_info *pi)
{
    uint8_t op = pi->bth.opcode;
    int64_t p = psn_abs__(pi->bth.psn, qp->peer_ipsn, qp->epsn);
    if (p >= 0 && (uint64_t)p == qp->epsn) {
        qp->nak_sent = 0;
        qp->st.rx_pkts++;
        if (op == PKT_IB_RC_READ_REQUEST) {
            uint32_t len = pi->reth.dma_len;
            if (rd_push__(qp, qp->epsn, len) != 0)
                return;
            qp->epsn += npkts_of__(qp->dev, len);
            qp->msn++;
            kick__(qp->dev);
            return;
        }
        uint32_t payload = pi->l5_len - pi->bth.pad;
        if (op_is_first__(op))
            qp->msg_start = qp->epsn;
        qp->st.rx_bytes += payload;
        qp->msg_bytes += payload;
        qp->epsn++;
        qp->unacked++;
        if (op_is_last__(op)) {
            qp->msn++;
            qp->st.rx_msgs++;
            uint64_t bytes = qp->msg_bytes;
            qp->msg_bytes = 0;
            if (op_is_send__(op) && qp->ops && qp->ops->recv)
                qp->ops->recv(qp->ctx, qp, (uint32_t)bytes);
            if (qp->state == ROCE_QPS_ERROR)
                return;
        }
        if (pi->bth.ack_req ||
            (qp->unacked >= qp->dev->cfg.ack_every && qp->dev->cfg.retx == ROCE_GO_BACK_N))
            send_ack__(qp, 0);
        return;
    }
    if (p < 0 || (uint64_t)p < qp->epsn) {
        qp->st.dup_rx++;
        if (op == PKT_IB_RC_READ_REQUEST && p >= 0) {
            rd_restart__(qp, (uint64_t)p, pi->reth.dma_len);
            kick__(qp->dev);
        } else if (pi->bth.ack_req) {
            send_ack__(qp, 0);
        }
        return;
    }
    qp->st.ooo_rx++;
    if (!qp->nak_sent) {
        qp->nak_sent = 1;
        if (qp->dev->cfg.retx == ROCE_GO_BACK_0 && qp->msg_bytes) {
            /* Go-back-0: the partial message is discarded and asked for
             * again from its first packet. */
            qp->st.rx_pkts -= qp->epsn - qp->msg_start;
            qp->st.rx_bytes -= qp->msg_bytes;
            qp->epsn = qp->msg_start;
            qp->msg_bytes = 0;
        }
        send_ack__(qp, 1);
    }
}

/* ---- DCQCN notification point -------------------------------------------- */

static void np_ce__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    qp->st.ecn_ce_rx++;
    if (!d->cfg.dcqcn)
        return;
    sim_time_t now = sim_now(d->eng);
    if (qp->np_sent && now < qp->np_next)
        return;
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    if (roce_ip_spec__(d, qp->version, qp->peer_ip, PKT_ECN_NOT_ECT, &l2, &ip) != 0)
        return;
    struct frame *f = frame_alloc(d->pool);
    if (!f)
        return;
    if (pkt_roce_cnp_build(f, &l2, &ip, qp->udp_sport, qp->peer_qpn) != 0) {
        frame_unref(f);
        return;
    }
    qp->np_sent = 1;
    qp->np_next = now + d->cfg.cc.cnp_interval;
    qp->st.cnps_tx++;
    roce_xmit__(d, f, qp->nd_port);
}

/* ---- receive dispatch ------------------------------------------------------ */

static void rx__(void *ctx, struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    (void)s;
    struct roce_dev *d = ctx;
    d->ctr.rx_frames++;
    if (!(pi->layers & PKT_HAS_ROCE)) {
        d->ctr.rx_malformed++;
        goto out;
    }
    if (d->cfg.verify_icrc && pkt_roce_icrc_check_parsed(f, pi) != 0) {
        d->ctr.rx_bad_icrc++;
        goto out;
    }
    if (pi->bth.dest_qp == ROCE_QP1) {
        roce_cm_rx__(d, f, pi);
        goto out;
    }
    struct roce_qp *qp = roce_qp_lookup__(d, pi->bth.dest_qp);
    if (!qp || (qp->state != ROCE_QPS_RTS && qp->state != ROCE_QPS_RTR)) {
        d->ctr.rx_no_qp++;
        goto out;
    }
    uint8_t op = pi->bth.opcode;
    if (op == PKT_IB_CNP) {
        qp->st.cnps_rx++;
        if (qp->rp)
            dcqcn_rp_cnp(qp->rp);
        goto out;
    }
    if (pi->ecn == PKT_ECN_CE && op != PKT_IB_RC_ACK)
        np_ce__(qp);
    if (op == PKT_IB_RC_ACK) {
        if (qp->state == ROCE_QPS_RTS)
            ack_rx__(qp, pi);
    } else if (op >= PKT_IB_RC_READ_RESP_FIRST && op <= PKT_IB_RC_READ_RESP_ONLY) {
        if (qp->state == ROCE_QPS_RTS)
            read_resp_rx__(qp, pi);
    } else if (op <= PKT_IB_RC_READ_REQUEST) {
        established_if_rtr__(qp);
        if (qp->state == ROCE_QPS_RTS)
            request_rx__(qp, pi);
    } else {
        d->ctr.rx_malformed++;
    }
out:
    frame_unref(f);
}

/* ---- queue pairs ----------------------------------------------------------- */

struct roce_qp *roce_qp_create(struct roce_dev *d, const struct roce_qp_settings *s)
{
    if (!d || !s)
        return NULL;
    if (d->cfg.first_qpn + d->nqps > ROCE_PSN_MASK)
        return NULL; /* QPNs are 24 bits and never reused */
    if (d->nqps == d->qps_cap) {
        size_t ncap = d->qps_cap ? d->qps_cap * 2 : 16;
        struct roce_qp **n = realloc(d->qps, ncap * sizeof *n);
        if (!n)
            return NULL;
        d->qps = n;
        d->qps_cap = ncap;
    }
    if (d->nlive == d->live_cap) {
        size_t ncap = d->live_cap ? d->live_cap * 2 : 16;
        struct roce_qp **n = realloc(d->live, ncap * sizeof *n);
        if (!n)
            return NULL;
        d->live = n;
        d->live_cap = ncap;
    }
    struct roce_qp *qp = calloc(1, sizeof *qp);
    if (!qp)
        return NULL;
    qp->wq_cap = 16;
    qp->wq = calloc(qp->wq_cap, sizeof *qp->wq);
    if (!qp->wq) {
        free(qp);
        return NULL;
    }
    if (d->cfg.dcqcn) {
        qp->rp = dcqcn_rp_create(d->eng, &d->cfg.cc, d->cfg.rate_bps);
        if (!qp->rp) {
            free(qp->wq);
            free(qp);
            return NULL;
        }
    }
    qp->dev = d;
    qp->qpn = d->cfg.first_qpn + (uint32_t)d->nqps;
    qp->state = ROCE_QPS_RESET;
    qp->nd_port = s->nd_port;
    qp->ops = s->ops;
    qp->ctx = s->ctx;
    qp->ipsn = (uint32_t)sim_rng_u64(&d->rng) & ROCE_PSN_MASK;
    qp->comm_id = d->next_comm_id++;
    qp->retry_left = d->cfg.retry_cnt;
    pkt_roce_tmpl_init(&qp->tx_tmpl);
    d->qps[d->nqps++] = qp;
    qp->live_idx = d->nlive;
    d->live[d->nlive++] = qp;
    return qp;
}

void roce_qp_destroy(struct roce_qp *qp)
{
    if (!qp)
        return;
    struct roce_dev *d = qp->dev;
    if (qp->timer)
        sim_cancel(d->eng, qp->timer);
    roce_cm_stop__(qp);
    if (qp->rp)
        dcqcn_rp_stop(qp->rp);
    d->qps[qp->qpn - d->cfg.first_qpn] = NULL;
    size_t i = qp->live_idx;
    d->live[i] = d->live[--d->nlive];
    d->live[i]->live_idx = i;
    if (d->rr > d->nlive)
        d->rr = 0;
    qp_free__(qp);
}

void roce_qp_bind_peer__(struct roce_qp *qp)
{
    qp->udp_sport = roce_udp_sport(qp->qpn, qp->peer_qpn);
}

void roce_established__(struct roce_qp *qp)
{
    qp->state = ROCE_QPS_RTS;
    qp->connected = 1;
    if (qp->ops && qp->ops->established)
        qp->ops->established(qp->ctx, qp);
    kick__(qp->dev);
}

void roce_qp_error__(struct roce_qp *qp, enum roce_qp_err why)
{
    if (qp->state == ROCE_QPS_ERROR)
        return;
    struct roce_dev *d = qp->dev;
    qp->state = ROCE_QPS_ERROR;
    if (qp->timer)
        sim_cancel(d->eng, qp->timer);
    qp->timer = 0;
    qp->deadline = 0;
    roce_cm_stop__(qp);
    if (qp->rp)
        dcqcn_rp_stop(qp->rp);
    qp->rd_count = 0;
    qp->ack_pending = 0;
    trace_qp_error__(qp, why);
    /* Nothing is sent any more: every pointer at the end, then the flush. */
    qp->nxt = qp->una = qp->max = qp->acked = qp->post_end;
    qp->wq_snd = qp->wq_count;
    int first = 1;
    while (qp->wq_count) {
        complete__(qp, first && why == ROCE_ERR_RETRY_EXCEEDED ? -ETIMEDOUT : -ECANCELED);
        first = 0;
    }
    qp->wq_snd = 0;
    if (qp->ops && qp->ops->error)
        qp->ops->error(qp->ctx, qp, why);
}

static int post__(struct roce_qp *qp, enum roce_op op, uint64_t wr_id, uint32_t bytes,
                  uint64_t raddr, uint32_t rkey)
{
    if (!qp || qp->state != ROCE_QPS_RTS || bytes > 0x80000000u)
        return -EINVAL;
    if (qp->wq_count == qp->wq_cap) {
        size_t ncap = qp->wq_cap * 2;
        struct roce_wqe *n = malloc(ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        for (size_t k = 0; k < qp->wq_count; k++)
            n[k] = *wqe_at__(qp, k);
        free(qp->wq);
        qp->wq = n;
        qp->wq_cap = ncap;
        qp->wq_head = 0;
    }
    struct roce_dev *d = qp->dev;
    sim_time_t now = sim_now(d->eng);
    struct roce_wqe *w = &qp->wq[(qp->wq_head + qp->wq_count) & (qp->wq_cap - 1)];
    *w = (struct roce_wqe){.wr_id = wr_id, .op = op, .len = bytes, .raddr = raddr,
                           .rkey = rkey, .first = qp->post_end,
                           .npkts = npkts_of__(d, bytes), .posted = now};
    if (!qp->wq_count && !qp->st.tx_msgs && !qp->st.tx_pkts)
        qp->st.first_post = now;
    qp->wq_count++;
    qp->post_end += w->npkts;
    if (qp->nxt == w->first)
        locate_snd__(qp);
    kick__(d);
    return 0;
}

int roce_post_write(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes, uint64_t raddr,
                    uint32_t rkey)
{
    return post__(qp, ROCE_OP_WRITE, wr_id, bytes, raddr, rkey);
}

int roce_post_send(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes)
{
    return post__(qp, ROCE_OP_SEND, wr_id, bytes, 0, 0);
}

int roce_post_read(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes, uint64_t raddr,
                   uint32_t rkey)
{
    return post__(qp, ROCE_OP_READ, wr_id, bytes, raddr, rkey);
}

enum roce_qp_state roce_qp_state(const struct roce_qp *qp) { return qp->state; }
uint32_t roce_qp_num(const struct roce_qp *qp) { return qp->qpn; }
uint32_t roce_qp_peer_num(const struct roce_qp *qp) { return qp->peer_qpn; }
uint32_t roce_qp_comm_id(const struct roce_qp *qp) { return qp->comm_id; }
uint16_t roce_qp_udp_sport(const struct roce_qp *qp) { return qp->udp_sport; }
uint16_t roce_qp_nd_port(const struct roce_qp *qp) { return qp->nd_port; }
struct roce_dev *roce_qp_dev(const struct roce_qp *qp) { return qp->dev; }
size_t roce_qp_outstanding(const struct roce_qp *qp) { return qp->wq_count; }
uint64_t roce_qp_rate(const struct roce_qp *qp) { return qp_rate__(qp); }
const struct dcqcn_rp *roce_qp_rp(const struct roce_qp *qp) { return qp->rp; }
const struct roce_qp_stats *roce_qp_stats(const struct roce_qp *qp) { return &qp->st; }

void roce_qp_add_loss_counters(const struct roce_qp *qp, uint64_t out[4])
{
    out[0] += qp->st.retrans_pkts;
    out[1] += qp->st.naks_rx;
    out[2] += qp->st.cnps_rx;
    out[3] += qp->st.timeouts;
}

int roce_qp_check(const struct roce_qp *qp)
{
    if (!(qp->una <= qp->nxt && qp->nxt <= qp->max && qp->max <= qp->post_end))
        return -EINVAL;
    if (qp->acked > qp->max || qp->wq_snd > qp->wq_count)
        return -EINVAL;
    uint64_t psn = qp->wq_count ? wqe_at__(qp, 0)->first : qp->post_end;
    uint32_t reads = 0;
    for (size_t k = 0; k < qp->wq_count; k++) {
        const struct roce_wqe *w = wqe_at__(qp, k);
        if (w->first != psn || !w->npkts || w->resp_rx > w->npkts)
            return -EINVAL;
        psn += w->npkts;
        reads += w->op == ROCE_OP_READ && w->req_sent;
    }
    if (psn != qp->post_end || reads != qp->rd_out)
        return -EINVAL;
    if (qp->wq_snd < qp->wq_count) {
        const struct roce_wqe *w = wqe_at__(qp, qp->wq_snd);
        if (qp->nxt < w->first || qp->nxt >= w->first + w->npkts)
            return -EINVAL;
    } else if (qp->nxt != qp->post_end) {
        return -EINVAL;
    }
    if (qp->state == ROCE_QPS_ERROR && (qp->nxt != qp->post_end || qp->rd_count || qp->timer))
        return -EINVAL;
    return 0;
}
