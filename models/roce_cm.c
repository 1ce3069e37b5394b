/* roce_cm: InfiniBand Communication Management for RoCEv2 RC connections
 * (IBA Vol. 1 ch. 12): REQ, REP, RTU, DREQ and DREP MADs sent as UD
 * SEND-only packets (BTH + DETH, Q_Key 0x80010000) from QP1 to QP1.
 *
 *   active side (roce_connect)         passive side (roce_listen)
 *   RESET --REQ--> INIT                REQ: listener accepts -> RTR, REP
 *   INIT  <--REP-- : RTU, RTS          RTU (or a first request) -> RTS
 *   any   --DREQ-> error               DREQ: error, DREP
 *
 * A REQ (or REP) without its answer is resent every cm_timeout, at most
 * cm_retries times; then the QP goes to error ("cm_timeout").  A DREQ
 * without its DREP is resent the same way, then forgotten.  A duplicate
 * REQ is answered with the REP again, a duplicate REP with the RTU again.
 *
 * Wire format.  A MAD is 256 bytes: the 24-byte common header (base
 * version 1, class 0x07 CM, class version 2, method 0x03 Send,
 * transaction ID, attribute ID) and 232 bytes of attribute data.  The
 * first MAD_STORED bytes are real header bytes of the frame (the REQ's
 * fields up to and with its primary path); the rest, the private data and
 * the alternate path, is the frame's virtual zero payload.  For RoCE the
 * LIDs are the permissive LID 0xFFFF and the GIDs are the IP addresses
 * (IPv4-mapped ::ffff:a.b.c.d for IPv4); the service ID is the RDMA IP CM
 * service of the port (ROCE_CM_SERVICE_ID).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "pkt_roce.h"
#include "roce_int.h"

#define MAD_LEN 256
#define MAD_STORED 128
#define MAD_HDR 24

#define CM_ATTR_REQ 0x0010
#define CM_ATTR_REP 0x0013
#define CM_ATTR_RTU 0x0014
#define CM_ATTR_DREQ 0x0015
#define CM_ATTR_DREP 0x0016

#define GSI_SPORT 0xC000 /* UDP source port of QP1's MADs */
#define PERMISSIVE_LID 0xFFFF
/* The CM Response Timeout fields carry 4.096 us x 2^n; n for cm_timeout
 * is written (informational, the model uses cm_timeout itself). */
#define CM_RESPONSE_TIMEOUT_EXP 8

static void wr16__(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void wr24__(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}
static void wr32__(uint8_t *p, uint32_t v)
{
    wr16__(p, (uint16_t)(v >> 16));
    wr16__(p + 2, (uint16_t)v);
}
static void wr64__(uint8_t *p, uint64_t v)
{
    wr32__(p, (uint32_t)(v >> 32));
    wr32__(p + 4, (uint32_t)v);
}
static uint32_t rd24__(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static uint32_t rd32__(const uint8_t *p) { return rd24__(p) << 8 | p[3]; }
static uint64_t rd64__(const uint8_t *p) { return (uint64_t)rd32__(p) << 32 | rd32__(p + 4); }

static uint8_t mtu_enum__(uint32_t mtu)
{
    uint8_t e = 1; /* IBA: 1 = 256 ... 5 = 4096 */
    while (mtu > 256u && e < 5) {
        mtu >>= 1;
        e++;
    }
    return e;
}

/* The IBA GID of an IP address: the address itself, IPv4 mapped. */
static void gid_of__(uint8_t version, const uint8_t *ip, uint8_t gid[16])
{
    if (version == 6) {
        memcpy(gid, ip, 16);
        return;
    }
    memset(gid, 0, 16);
    gid[10] = gid[11] = 0xFF;
    memcpy(gid + 12, ip, 4);
}

/* The port GUID of the engine: the EUI-64 of its MAC. */
static uint64_t guid__(const struct roce_dev *d)
{
    const uint8_t *m = ipstack_mac(d->stack);
    uint8_t g[8] = {(uint8_t)(m[0] ^ 0x02), m[1], m[2], 0xFF, 0xFE, m[3], m[4], m[5]};
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | g[i];
    return v;
}

static void mad_header__(uint8_t *m, uint64_t tid, uint16_t attr)
{
    m[0] = 1;    /* BaseVersion */
    m[1] = 0x07; /* MgmtClass: Communication Management */
    m[2] = 2;    /* ClassVersion */
    m[3] = 0x03; /* Method: ComMgtSend */
    wr64__(m + 8, tid);
    wr16__(m + 16, attr);
}

/* Builds and sends one MAD (its first MAD_STORED bytes given) from QP1 to
 * QP1 at dst. */
static void mad_send__(struct roce_dev *d, uint8_t version, const uint8_t *dst, uint16_t nd_port,
                       const uint8_t *mad)
{
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    if (roce_ip_spec__(d, version, dst, PKT_ECN_NOT_ECT, &l2, &ip) != 0)
        return;
    struct frame *f = frame_alloc(d->pool);
    if (!f)
        return;
    uint8_t *m = frame_put(f, MAD_STORED);
    uint8_t *h = m ? frame_push(f, PKT_BTH_LEN + 8) : NULL;
    if (!h)
        goto fail;
    memcpy(m, mad, MAD_STORED);
    f->payload_len = MAD_LEN - MAD_STORED;
    f->trailer_len = PKT_ROCE_ICRC_LEN;
    memset(f->trailer, 0, PKT_ROCE_ICRC_LEN);
    memset(h, 0, PKT_BTH_LEN + 8);
    h[0] = 0x64; /* UD SEND only */
    wr16__(h + 2, PKT_ROCE_DEFAULT_PKEY);
    wr24__(h + 5, ROCE_QP1);
    wr24__(h + 9, d->gsi_psn);
    d->gsi_psn = (d->gsi_psn + 1) & ROCE_PSN_MASK;
    wr32__(h + 12, ROCE_GSI_QKEY); /* DETH */
    wr24__(h + 17, ROCE_QP1);
    if (pkt_udp_push(f, GSI_SPORT, PKT_ROCE_UDP_PORT) != 0 ||
        pkt_ip_push(f, &ip, PKT_IPPROTO_UDP) != 0 ||
        pkt_eth_push(f, &l2, version == 6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4) != 0 ||
        pkt_roce_icrc_fill(f) != 0)
        goto fail;
    if (version == 6) {
        /* The UDP checksum (IPv6) covers the ICRC: fill it last, with the
         * IP header at the front (the ICRC masks the checksum). */
        if (!frame_pull(f, PKT_ETH_HLEN) || pkt_l4_csum_fill(f) != 0 ||
            !frame_push(f, PKT_ETH_HLEN))
            goto fail;
    }
    f->t_created = sim_now(d->eng);
    d->ctr.cm_tx++;
    roce_xmit__(d, f, nd_port);
    return;
fail:
    frame_unref(f);
}

static uint64_t tid__(struct roce_dev *d) { return ++d->next_tid; }

static void send_req__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    uint8_t m[MAD_STORED] = {0};
    mad_header__(m, qp->cm_tid, CM_ATTR_REQ);
    uint8_t *a = m + MAD_HDR;
    wr32__(a + 0, qp->comm_id);
    wr64__(a + 8, ROCE_CM_SERVICE_ID(qp->nd_port));
    wr64__(a + 16, guid__(d));
    wr32__(a + 32, qp->qpn << 8 | (d->cfg.max_rd_atomic > 255 ? 255 : d->cfg.max_rd_atomic));
    a[39] = (uint8_t)(d->cfg.max_rd_atomic > 255 ? 255 : d->cfg.max_rd_atomic);
    a[43] = CM_RESPONSE_TIMEOUT_EXP << 3; /* remote CM timeout, RC, no E2E */
    wr32__(a + 44, qp->ipsn << 8 | CM_RESPONSE_TIMEOUT_EXP << 3 | d->cfg.retry_cnt);
    wr16__(a + 48, PKT_ROCE_DEFAULT_PKEY);
    a[50] = (uint8_t)(mtu_enum__(d->cfg.mtu) << 4 | 7); /* MTU, RNR retry 7 */
    a[51] = (uint8_t)((d->cfg.cm_retries > 15 ? 15 : d->cfg.cm_retries) << 4);
    wr16__(a + 52, PERMISSIVE_LID);
    wr16__(a + 54, PERMISSIVE_LID);
    uint8_t src[16] = {0};
    ipstack_src_addr(d->stack, qp->version, qp->peer_ip, src);
    gid_of__(qp->version, src, a + 56);
    gid_of__(qp->version, qp->peer_ip, a + 72);
    a[92] = d->cfg.dscp << 2; /* traffic class */
    a[93] = 64;               /* hop limit */
    a[95] = (uint8_t)(d->cfg.ack_timeout_exp << 3);
    mad_send__(d, qp->version, qp->peer_ip, qp->nd_port, m);
}

static void send_rep__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    uint8_t m[MAD_STORED] = {0};
    mad_header__(m, qp->cm_tid, CM_ATTR_REP);
    uint8_t *a = m + MAD_HDR;
    wr32__(a + 0, qp->comm_id);
    wr32__(a + 4, qp->peer_comm_id);
    wr32__(a + 12, qp->qpn << 8);
    wr32__(a + 20, qp->ipsn << 8);
    a[24] = a[25] = (uint8_t)(d->cfg.max_rd_atomic > 255 ? 255 : d->cfg.max_rd_atomic);
    a[27] = 7 << 5; /* RNR retry count */
    wr64__(a + 28, guid__(d));
    mad_send__(d, qp->version, qp->peer_ip, qp->nd_port, m);
}

static void send_short__(struct roce_dev *d, uint8_t version, const uint8_t *ip, uint16_t nd_port,
                         uint16_t attr, uint64_t tid, uint32_t local, uint32_t remote,
                         uint32_t remote_qpn)
{
    uint8_t m[MAD_STORED] = {0};
    mad_header__(m, tid, attr);
    wr32__(m + MAD_HDR, local);
    wr32__(m + MAD_HDR + 4, remote);
    if (attr == CM_ATTR_DREQ)
        wr32__(m + MAD_HDR + 8, remote_qpn << 8);
    mad_send__(d, version, ip, nd_port, m);
}

/* ---- timers ---------------------------------------------------------------- */

static void cm_timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct roce_qp *qp = ctx;
    struct roce_dev *d = qp->dev;
    qp->cm_timer = 0;
    if (qp->state != ROCE_QPS_INIT && qp->state != ROCE_QPS_RTR)
        return;
    if (qp->cm_tries > d->cfg.cm_retries) {
        roce_qp_error__(qp, ROCE_ERR_CM_TIMEOUT);
        return;
    }
    if (qp->cm_tries)
        d->ctr.cm_retx++;
    qp->cm_tries++;
    if (qp->state == ROCE_QPS_INIT)
        send_req__(qp);
    else
        send_rep__(qp);
    qp->cm_timer = sim_schedule_in(eng, d->cfg.cm_timeout, cm_timer__, qp, NULL);
}

void roce_cm_stop__(struct roce_qp *qp)
{
    if (qp->cm_timer)
        sim_cancel(qp->dev->eng, qp->cm_timer);
    qp->cm_timer = 0;
}

int roce_connect(struct roce_qp *qp, uint8_t version, const uint8_t *dst, uint16_t port)
{
    if (!qp || !dst || qp->state != ROCE_QPS_RESET || (version != 4 && version != 6))
        return -EINVAL;
    struct roce_dev *d = qp->dev;
    qp->version = version;
    memset(qp->peer_ip, 0, sizeof qp->peer_ip);
    memcpy(qp->peer_ip, dst, version == 4 ? 4 : 16);
    qp->nd_port = port;
    qp->state = ROCE_QPS_INIT;
    qp->cm_tid = tid__(d);
    qp->cm_tries = 0;
    /* The REQ leaves from the next event, never from inside the caller. */
    qp->cm_timer = sim_schedule_in(d->eng, 0, cm_timer__, qp, NULL);
    return 0;
}

/* Sends the DREQs that are due; one without its DREP is sent again every
 * cm_timeout, cm_retries times at most (IBA 12.9.6), then forgotten (the
 * QP went to error when it was first sent). */
static void dreq_flush__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct roce_dev *d = ctx;
    d->dreq_ev = 0;
    sim_time_t now = sim_now(eng), next = SIM_TIME_MAX;
    size_t keep = 0;
    for (size_t i = 0; i < d->ndreq; i++) {
        struct roce_cm_dreq *q = &d->dreq[i];
        if (q->due <= now) {
            if (q->sent > d->cfg.cm_retries)
                continue;
            if (q->sent)
                d->ctr.cm_retx++;
            send_short__(d, q->version, q->ip, q->nd_port, CM_ATTR_DREQ, tid__(d),
                         q->local_comm, q->remote_comm, q->remote_qpn);
            q->sent++;
            q->due = now + d->cfg.cm_timeout;
        }
        if (q->due < next)
            next = q->due;
        d->dreq[keep++] = *q;
    }
    d->ndreq = keep;
    if (keep) {
        d->dreq_at = next;
        d->dreq_ev = sim_schedule_at(eng, next, dreq_flush__, d, NULL);
    }
}

/* A DREP: its DREQ is answered (fields: the peer's ID, then ours). */
static void drep_rx__(struct roce_dev *d, const uint8_t *m)
{
    const uint8_t *a = m + MAD_HDR;
    uint32_t remote = rd32__(a), local = rd32__(a + 4);
    size_t keep = 0;
    for (size_t i = 0; i < d->ndreq; i++)
        if (d->dreq[i].local_comm != local || d->dreq[i].remote_comm != remote)
            d->dreq[keep++] = d->dreq[i];
    d->ndreq = keep;
}

void roce_cm_send_dreq__(struct roce_qp *qp)
{
    struct roce_dev *d = qp->dev;
    if (d->ndreq == d->dreq_cap) {
        size_t ncap = d->dreq_cap ? d->dreq_cap * 2 : 8;
        struct roce_cm_dreq *n = realloc(d->dreq, ncap * sizeof *n);
        if (!n)
            return;
        d->dreq = n;
        d->dreq_cap = ncap;
    }
    struct roce_cm_dreq *q = &d->dreq[d->ndreq++];
    q->version = qp->version;
    memcpy(q->ip, qp->peer_ip, 16);
    q->nd_port = qp->nd_port;
    q->local_comm = qp->comm_id;
    q->remote_comm = qp->peer_comm_id;
    q->remote_qpn = qp->peer_qpn;
    q->sent = 0;
    q->due = sim_now(d->eng);
    /* Sent from the next event (a later resend time moves up). */
    if (d->dreq_ev && d->dreq_at <= q->due)
        return;
    if (d->dreq_ev)
        sim_cancel(d->eng, d->dreq_ev);
    d->dreq_at = q->due;
    d->dreq_ev = sim_schedule_at(d->eng, q->due, dreq_flush__, d, NULL);
}

int roce_disconnect(struct roce_qp *qp)
{
    if (!qp || qp->state == ROCE_QPS_RESET)
        return -EINVAL;
    if ((qp->connected || qp->state == ROCE_QPS_RTR) && !qp->dreq_sent) {
        qp->dreq_sent = 1;
        roce_cm_send_dreq__(qp);
    }
    if (qp->state != ROCE_QPS_ERROR)
        roce_qp_error__(qp, ROCE_ERR_LOCAL_DISCONNECT);
    return 0;
}

/* ---- receive ----------------------------------------------------------------- */

static struct roce_qp *find_by_comm__(struct roce_dev *d, uint32_t local_comm)
{
    for (size_t i = 0; i < d->nlive; i++)
        if (d->live[i]->comm_id == local_comm && d->live[i]->state != ROCE_QPS_RESET)
            return d->live[i];
    return NULL;
}

static int same_peer__(const struct roce_qp *qp, const struct pkt_info *pi)
{
    size_t n = pi->ip_version == 4 ? 4 : 16;
    return qp->version == pi->ip_version && memcmp(qp->peer_ip, pi->ip_src, n) == 0;
}

static void req_rx__(struct roce_dev *d, const uint8_t *m, const struct pkt_info *pi)
{
    const uint8_t *a = m + MAD_HDR;
    uint32_t comm = rd32__(a);
    for (size_t i = 0; i < d->nlive; i++) {
        struct roce_qp *qp = d->live[i];
        if (qp->peer_comm_id == comm && qp->state != ROCE_QPS_RESET && same_peer__(qp, pi)) {
            if (qp->state == ROCE_QPS_RTR || qp->state == ROCE_QPS_RTS)
                send_rep__(qp); /* our REP was lost */
            return;
        }
    }
    uint64_t service = rd64__(a + 8);
    if ((service & ~0xFFFFull) != ROCE_CM_SERVICE_ID(0))
        return;
    struct roce_conn_req req = {.version = pi->ip_version, .port = (uint16_t)service,
                                .peer_qpn = rd24__(a + 32), .comm_id = comm};
    memcpy(req.peer_ip, pi->ip_src, pi->ip_version == 4 ? 4 : 16);
    const struct roce_listener *l = NULL;
    for (int i = 0; i < ROCE_MAX_LISTENERS; i++)
        if (d->listeners[i].fn && d->listeners[i].port == req.port)
            l = &d->listeners[i];
    if (!l)
        return;
    struct roce_qp *qp = l->fn(l->ctx, d, &req);
    if (!qp || qp->state != ROCE_QPS_RESET || qp->dev != d)
        return;
    qp->version = req.version;
    memset(qp->peer_ip, 0, sizeof qp->peer_ip);
    memcpy(qp->peer_ip, req.peer_ip, 16);
    qp->nd_port = req.port;
    qp->peer_qpn = req.peer_qpn;
    qp->peer_ipsn = rd24__(a + 44);
    qp->peer_comm_id = comm;
    qp->cm_tid = rd64__(m + 8);
    roce_qp_bind_peer__(qp);
    qp->state = ROCE_QPS_RTR;
    qp->cm_tries = 0;
    cm_timer__(d->eng, qp, NULL); /* sends the REP and arms the retry */
}

static void rep_rx__(struct roce_dev *d, const uint8_t *m, const struct pkt_info *pi)
{
    const uint8_t *a = m + MAD_HDR;
    struct roce_qp *qp = find_by_comm__(d, rd32__(a + 4));
    if (!qp || !same_peer__(qp, pi))
        return;
    if (qp->state == ROCE_QPS_RTS && qp->peer_comm_id == rd32__(a)) {
        send_short__(d, qp->version, qp->peer_ip, qp->nd_port, CM_ATTR_RTU, qp->cm_tid,
                     qp->comm_id, qp->peer_comm_id, 0);
        return;
    }
    if (qp->state != ROCE_QPS_INIT)
        return;
    roce_cm_stop__(qp);
    qp->peer_comm_id = rd32__(a);
    qp->peer_qpn = rd24__(a + 12);
    qp->peer_ipsn = rd24__(a + 20);
    roce_qp_bind_peer__(qp);
    send_short__(d, qp->version, qp->peer_ip, qp->nd_port, CM_ATTR_RTU, qp->cm_tid, qp->comm_id,
                 qp->peer_comm_id, 0);
    roce_established__(qp);
}

static void rtu_rx__(struct roce_dev *d, const uint8_t *m, const struct pkt_info *pi)
{
    struct roce_qp *qp = find_by_comm__(d, rd32__(m + MAD_HDR + 4));
    if (!qp || !same_peer__(qp, pi) || qp->state != ROCE_QPS_RTR)
        return;
    roce_cm_stop__(qp);
    roce_established__(qp);
}

/* The NetworkDirect port of a DREP for a connection already destroyed:
 * that of another connection with the same peer, else of the listener, so
 * the MAD is classified like the connection's traffic (DCB-012). */
static uint16_t nd_port_for__(const struct roce_dev *d, const struct pkt_info *pi)
{
    for (size_t i = 0; i < d->nlive; i++)
        if (same_peer__(d->live[i], pi) && d->live[i]->nd_port)
            return d->live[i]->nd_port;
    for (int i = 0; i < ROCE_MAX_LISTENERS; i++)
        if (d->listeners[i].fn)
            return d->listeners[i].port;
    return 0;
}

static void dreq_rx__(struct roce_dev *d, const uint8_t *m, const struct pkt_info *pi)
{
    const uint8_t *a = m + MAD_HDR;
    uint32_t remote = rd32__(a), local = rd32__(a + 4);
    struct roce_qp *qp = find_by_comm__(d, local);
    uint16_t nd_port = nd_port_for__(d, pi);
    if (qp && same_peer__(qp, pi) && qp->peer_comm_id == remote) {
        nd_port = qp->nd_port;
        qp->dreq_sent = 1; /* the peer is gone: no DREQ of ours */
        roce_qp_error__(qp, ROCE_ERR_REMOTE_DISCONNECT);
    }
    send_short__(d, pi->ip_version, pi->ip_src, nd_port, CM_ATTR_DREP, rd64__(m + 8), local,
                 remote, 0);
}

void roce_cm_rx__(struct roce_dev *d, struct frame *f, const struct pkt_info *pi)
{
    if (pi->bth.opcode != 0x64 || f->len < pi->l5_off + MAD_STORED) {
        d->ctr.rx_malformed++;
        return;
    }
    const uint8_t *m = frame_cdata(f) + pi->l5_off;
    if (m[0] != 1 || m[1] != 0x07) {
        d->ctr.rx_malformed++;
        return;
    }
    d->ctr.cm_rx++;
    uint16_t attr = (uint16_t)(m[16] << 8 | m[17]);
    switch (attr) {
    case CM_ATTR_REQ:
        req_rx__(d, m, pi);
        break;
    case CM_ATTR_REP:
        rep_rx__(d, m, pi);
        break;
    case CM_ATTR_RTU:
        rtu_rx__(d, m, pi);
        break;
    case CM_ATTR_DREQ:
        dreq_rx__(d, m, pi);
        break;
    case CM_ATTR_DREP:
        drep_rx__(d, m);
        break;
    default:
        break;
    }
}
