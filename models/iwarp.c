/* iwarp: RDMAP/DDP/MPA over the TCP model (see iwarp.h).
 *
 * The send side keeps one record per message in stream order (`tx`):
 * its TCP stream offsets and FPDU geometry.  TCP asks for the real bytes
 * of each segment (tx_fill__) by stream offset, also for a retransmission,
 * so a binary search over the unacknowledged records finds the message
 * and the FPDU index gives its header.  Acknowledged records are dropped
 * from the front (completing WRITEs and SENDs).  The receive side parses
 * each FPDU header as TCP hands segments over in order (rx_segment__).
 *
 * CRC32c: the FPDU is real header bytes followed by zeros (payload and
 * pad); the register runs bitwise over the header and then through the
 * linear map of "n zero bytes" (a 32x32 GF(2) matrix, built by squaring
 * and cached per QP for the last two lengths).
 *
 * Nothing here looks at priorities or PFC: iWARP's losses are TCP's to
 * recover (DCB-008).
 */
#include "iwarp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* RDMAP opcodes (RFC 5040 4.1) and DDP / RDMAP control bits (RFC 5041
 * 4.2-4.3, RFC 5040 4.2). */
#define RDMAP_WRITE 0x0
#define RDMAP_READ_REQ 0x1
#define RDMAP_READ_RESP 0x2
#define RDMAP_SEND 0x3
#define DDP_T 0x80           /* tagged buffer model */
#define DDP_L 0x40           /* last DDP segment of the message */
#define DDP_VERSION 0x01     /* DV = 1 */
#define RDMAP_VERSION 0x40   /* RV = 1 */
#define DDP_QN_SEND 0        /* untagged queue of SENDs */
#define DDP_QN_READ_REQ 1    /* ... of RDMA Read Requests */

/* MPA Request / Reply (RFC 5044 7.1, RFC 6581 5). */
static const char MPA_KEY_REQ[16] = {'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
                                     'e', 'q', ' ', 'F', 'r', 'a', 'm', 'e'};
static const char MPA_KEY_REP[16] = {'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
                                     'e', 'p', ' ', 'F', 'r', 'a', 'm', 'e'};
#define MPA_FLAG_M 0x80      /* markers wanted */
#define MPA_FLAG_C 0x40      /* CRC wanted */
#define MPA_FLAG_H 0x10      /* enhanced connection setup (RFC 6581) */
#define MPA_REVISION 2
#define MPA_IRD_MASK 0x3FFF

/* Synthetic STags: one registered buffer per purpose and QP. */
#define STAG_WRITE_SINK 0x00000100u
#define STAG_READ_SINK 0x00000200u
#define STAG_READ_SOURCE 0x00000300u

#define CRC32C_POLY 0x82F63B78u /* reflected Castagnoli */
#define CRC_CACHE 2

enum qp_state { QP_CONNECT = 0, QP_MPA, QP_RTS, QP_CLOSED };

enum msg_kind { K_MPA_REQ = 0, K_MPA_REP, K_WRITE, K_SEND, K_READ_REQ, K_READ_RESP };

/* One message of the send stream. */
struct iw_msg {
    uint64_t start, end;     /* TCP stream offsets (framed messages) */
    uint64_t bytes;          /* payload */
    uint64_t wr_id;
    uint64_t seq;            /* WRITE, SEND: the work request's place on the send queue */
    sim_time_t posted;
    uint32_t full_fpdu;      /* bytes of a full FPDU */
    uint32_t full_payload;   /* payload of a full FPDU */
    uint32_t nfpdu;
    uint32_t msn;            /* untagged: message sequence number on its queue */
    uint32_t stag;           /* tagged: sink STag; READ request: sink STag */
    uint64_t to;             /* tagged: sink TO; READ request: sink TO */
    uint32_t src_stag;       /* READ request: source */
    uint64_t src_to;
    uint8_t kind;
    uint8_t hdr;             /* DDP/RDMAP header bytes (RDMAP READ header included) */
};

/* A READ this QP issued, waiting for its response. */
struct iw_read {
    uint64_t wr_id;
    uint64_t bytes;
    sim_time_t posted;
    uint64_t seq;            /* its place on the send queue */
};

/* A requester completion that is ready before an earlier work request's:
 * held until those are reported (send queue order). */
struct iw_held {
    uint64_t seq;
    struct iwarp_wc wc;
};

struct crc_zero {
    uint64_t n;              /* zero bytes; 0: empty slot */
    uint32_t op[32];         /* column i: image of register bit i */
};

struct iwarp_listener {
    struct sim_engine *eng;  /* not owned */
    struct tcp_listener *tcp; /* owned */
    struct iwarp_settings cfg;
    iwarp_accept_fn accept;
    void *accept_ctx;
    struct iwarp_qp *qps;    /* owned, linked through qp->next */
};

struct iwarp_qp {
    struct sim_engine *eng;  /* not owned */
    struct tcp_conn *tcp;    /* owned for an active QP; the listener's TCP
                              * listener owns it for an accepted one */
    struct iwarp_listener *listener;
    struct iwarp_qp *next;
    struct iwarp_settings cfg;
    struct iwarp_callbacks cb;
    void *cb_ctx;
    enum qp_state state;
    int initiator;
    int close_at_rts;        /* iwarp_disconnect before RTS: close once framed */
    uint8_t peer_markers;

    /* send side */
    struct iw_msg *tx;       /* [tx_head, ntx): unacknowledged, framed up to nframed */
    size_t tx_head, ntx, nframed, tx_cap;
    uint64_t acked;          /* stream bytes acknowledged */
    uint32_t msn[2];         /* next MSN per untagged queue (RFC 5041: from 1) */
    uint64_t write_to, read_to;
    struct iw_read *reads;   /* [rd_head, nrd): issued READs, in order */
    size_t rd_head, nrd, rd_cap;
    uint64_t wr_seq;         /* work requests posted */
    uint64_t wr_next;        /* the next one to report */
    struct iw_held *held;    /* [0, nheld): done, waiting for earlier ones */
    size_t nheld, held_cap;

    /* receive side */
    uint64_t rx_msg_bytes[3];   /* payload of the message in progress: write, send, read resp */
    sim_time_t rx_msg_start[3];

    struct crc_zero crc[CRC_CACHE];
    unsigned crc_next;
    struct iwarp_stats st;
};

/* ---- CRC32c ------------------------------------------------------------ */

static uint32_t crc_bytes__(uint32_t reg, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        reg ^= b[i];
        for (int k = 0; k < 8; k++)
            reg = (reg >> 1) ^ (CRC32C_POLY & (0u - (reg & 1u)));
    }
    return reg;
}

static uint32_t gf2_apply__(const uint32_t op[32], uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; v; i++, v >>= 1)
        if (v & 1u)
            r ^= op[i];
    return r;
}

/* dst = a after b (a(b(x))). */
static void gf2_compose__(uint32_t dst[32], const uint32_t a[32], const uint32_t b[32])
{
    uint32_t t[32];
    for (int i = 0; i < 32; i++)
        t[i] = gf2_apply__(a, b[i]);
    memcpy(dst, t, sizeof t);
}

/* The register map of n zero bytes. */
static void crc_zero_op__(uint64_t n, uint32_t op[32])
{
    uint32_t sq[32]; /* one zero byte, squared as n is scanned */
    for (int i = 0; i < 32; i++)
        sq[i] = crc_bytes__(1u << i, (const uint8_t *)"\0", 1);
    for (int i = 0; i < 32; i++)
        op[i] = 1u << i;
    while (n) {
        if (n & 1u)
            gf2_compose__(op, sq, op);
        n >>= 1;
        if (n)
            gf2_compose__(sq, sq, sq);
    }
}

uint32_t iwarp_crc32c(const uint8_t *b, size_t n, uint64_t zeros)
{
    uint32_t reg = crc_bytes__(0xFFFFFFFFu, b, n);
    if (zeros) {
        uint32_t op[32];
        crc_zero_op__(zeros, op);
        reg = gf2_apply__(op, reg);
    }
    return ~reg;
}

static uint32_t qp_crc__(struct iwarp_qp *qp, const uint8_t *b, size_t n, uint64_t zeros)
{
    uint32_t reg = crc_bytes__(0xFFFFFFFFu, b, n);
    if (zeros) {
        struct crc_zero *z = NULL;
        for (int i = 0; i < CRC_CACHE; i++)
            if (qp->crc[i].n == zeros)
                z = &qp->crc[i];
        if (!z) {
            z = &qp->crc[qp->crc_next];
            qp->crc_next = (qp->crc_next + 1) % CRC_CACHE;
            z->n = zeros;
            crc_zero_op__(zeros, z->op);
        }
        reg = gf2_apply__(z->op, reg);
    }
    return ~reg;
}

/* ---- geometry ------------------------------------------------------------ */

uint32_t iwarp_mulpdu(uint32_t emss, int markers)
{
    /* RFC 5044 8: 6 = ULPDU length + CRC; EMSS mod 4 keeps the FPDU
     * aligned; markers take 4 bytes per 512 of the segment */
    uint32_t over = IWARP_MPA_LEN_HDR + IWARP_MPA_CRC + emss % 4;
    if (markers)
        over += IWARP_MPA_MARKER * ((emss + IWARP_MPA_MARKER_INTERVAL - 1) /
                                    IWARP_MPA_MARKER_INTERVAL);
    return emss > over ? emss - over : 0;
}

static uint32_t pad__(uint32_t ulpdu) { return (4 - (IWARP_MPA_LEN_HDR + ulpdu) % 4) % 4; }

uint32_t iwarp_fpdu_bytes(uint32_t ulpdu, int markers)
{
    uint32_t base = IWARP_MPA_LEN_HDR + ulpdu + pad__(ulpdu) + IWARP_MPA_CRC;
    if (!markers)
        return base;
    /* Model choice: one marker per 508 bytes of FPDU (512 of stream with
     * the marker), the bound RFC 5044 sizes MULPDU by. */
    uint32_t span = IWARP_MPA_MARKER_INTERVAL - IWARP_MPA_MARKER;
    return base + IWARP_MPA_MARKER * ((base + span - 1) / span);
}

static uint8_t hdr_len__(enum msg_kind k)
{
    switch (k) {
    case K_WRITE:
    case K_READ_RESP:
        return IWARP_DDP_TAGGED_HDR;
    case K_SEND:
        return IWARP_DDP_UNTAGGED_HDR;
    case K_READ_REQ:
        return IWARP_DDP_UNTAGGED_HDR + IWARP_RDMAP_READ_REQ;
    default:
        return 0;
    }
}

/* ---- the send side -------------------------------------------------------- */

static struct iw_msg *tx_push__(struct iwarp_qp *qp)
{
    if (qp->tx_head > 0 && qp->tx_head == qp->ntx) {
        qp->tx_head = qp->ntx = qp->nframed = 0;
    } else if (qp->ntx == qp->tx_cap && qp->tx_head > qp->tx_cap / 2) {
        size_t live = qp->ntx - qp->tx_head;
        memmove(qp->tx, qp->tx + qp->tx_head, live * sizeof *qp->tx);
        qp->nframed -= qp->tx_head;
        qp->ntx = live;
        qp->tx_head = 0;
    }
    if (qp->ntx == qp->tx_cap) {
        size_t cap = qp->tx_cap ? 2 * qp->tx_cap : 32;
        struct iw_msg *m = realloc(qp->tx, cap * sizeof *m);
        if (!m)
            return NULL;
        qp->tx = m;
        qp->tx_cap = cap;
    }
    struct iw_msg *m = &qp->tx[qp->ntx++];
    memset(m, 0, sizeof *m);
    return m;
}

/* Gives message m its stream offsets and FPDUs, and hands them to TCP. */
static int frame_msg__(struct iwarp_qp *qp, struct iw_msg *m)
{
    const struct tcp_stats *ts = tcp_stats(qp->tcp);
    uint64_t start = ts->bytes_queued;
    int err;
    m->start = start;
    if (m->kind == K_MPA_REQ || m->kind == K_MPA_REP) {
        uint32_t n = IWARP_MPA_REQREP_HDR + IWARP_MPA_PRIVATE;
        m->end = start + n;
        m->nfpdu = 1;
        m->full_fpdu = n;
        qp->st.mpa_setup_tx += n;
        return tcp_send_records(qp->tcp, n, n);
    }
    int markers = qp->cfg.markers;
    uint32_t mulpdu = iwarp_mulpdu(tcp_mss(qp->tcp), markers);
    if (mulpdu <= m->hdr)
        return -EMSGSIZE;
    /* a READ Request is a single FPDU without payload */
    uint32_t p = m->kind == K_READ_REQ ? 0 : mulpdu - m->hdr;
    uint64_t payload = m->kind == K_READ_REQ ? 0 : m->bytes;
    uint64_t nfull = p ? payload / p : 0;
    uint32_t tail = (uint32_t)(payload - nfull * p);
    if (tail == 0 && nfull > 0) { /* the last FPDU is a full one */
        nfull--;
        tail = p;
    }
    m->full_payload = p;
    m->full_fpdu = iwarp_fpdu_bytes(m->hdr + p, markers);
    m->nfpdu = (uint32_t)nfull + 1;
    uint32_t last = iwarp_fpdu_bytes(m->hdr + tail, markers);
    uint64_t wire = nfull * m->full_fpdu + last;
    m->end = start + wire;
    if (nfull && (err = tcp_send_records(qp->tcp, nfull * m->full_fpdu, m->full_fpdu)) != 0)
        return err;
    if ((err = tcp_send_records(qp->tcp, last, last)) != 0)
        return err;
    qp->st.fpdus_tx += m->nfpdu;
    qp->st.payload_tx += payload;
    qp->st.framing_tx += wire - payload;
    return 0;
}

static void frame_pending__(struct iwarp_qp *qp);

/* Queues the MPA Request or Reply ahead of the work posted before RTS:
 * it is the first thing in the stream. */
static void push_mpa__(struct iwarp_qp *qp, enum msg_kind kind)
{
    if (!tx_push__(qp))
        return;
    size_t pos = qp->nframed;
    memmove(&qp->tx[pos + 1], &qp->tx[pos], (qp->ntx - 1 - pos) * sizeof *qp->tx);
    struct iw_msg *m = &qp->tx[pos];
    memset(m, 0, sizeof *m);
    m->kind = (uint8_t)kind;
    m->posted = sim_now(qp->eng);
    frame_pending__(qp);
}

static void frame_pending__(struct iwarp_qp *qp)
{
    while (qp->nframed < qp->ntx) {
        struct iw_msg *m = &qp->tx[qp->nframed];
        if (qp->state != QP_RTS && m->kind != K_MPA_REQ && m->kind != K_MPA_REP)
            break;
        qp->nframed++; /* TCP asks tx_fill__ for its bytes at once */
        if (frame_msg__(qp, m) != 0) {
            qp->nframed--;
            break;
        }
    }
}

static inline void wr16__(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wr32__(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void wr64__(uint8_t *p, uint64_t v)
{
    wr32__(p, (uint32_t)(v >> 32));
    wr32__(p + 4, (uint32_t)v);
}

static inline uint32_t rd32__(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rd64__(const uint8_t *p) { return (uint64_t)rd32__(p) << 32 | rd32__(p + 4); }

static uint32_t mpa_frame__(const struct iwarp_qp *qp, const struct iw_msg *m, uint8_t *h)
{
    memcpy(h, m->kind == K_MPA_REQ ? MPA_KEY_REQ : MPA_KEY_REP, 16);
    h[16] = (uint8_t)(MPA_FLAG_C | MPA_FLAG_H | (qp->cfg.markers ? MPA_FLAG_M : 0));
    h[17] = MPA_REVISION;
    wr16__(h + 18, IWARP_MPA_PRIVATE);
    wr16__(h + 20, qp->cfg.ird & MPA_IRD_MASK);
    wr16__(h + 22, qp->cfg.ord & MPA_IRD_MASK);
    return IWARP_MPA_REQREP_HDR + IWARP_MPA_PRIVATE;
}

/* The message holding stream offset off (binary search of the framed,
 * unacknowledged ones). */
static const struct iw_msg *msg_at__(const struct iwarp_qp *qp, uint64_t off)
{
    size_t lo = qp->tx_head, hi = qp->nframed;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (qp->tx[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < qp->nframed && qp->tx[lo].start <= off ? &qp->tx[lo] : NULL;
}

static void tx_fill__(void *ctx, struct tcp_conn *c, uint64_t off, uint32_t len, uint8_t *head,
                      uint32_t *head_len, uint8_t *tail, uint32_t *tail_len)
{
    (void)c;
    struct iwarp_qp *qp = ctx;
    *head_len = *tail_len = 0;
    const struct iw_msg *m = msg_at__(qp, off);
    if (!m)
        return;
    if (m->kind == K_MPA_REQ || m->kind == K_MPA_REP) {
        if (off == m->start && len == m->end - m->start)
            *head_len = mpa_frame__(qp, m, head);
        return;
    }
    uint64_t rel = off - m->start;
    uint32_t k = (uint32_t)(rel / m->full_fpdu);
    if (rel % m->full_fpdu)
        return; /* not an FPDU boundary (a window below one FPDU) */
    int last = k + 1 == m->nfpdu;
    uint64_t payload_before = (uint64_t)k * m->full_payload;
    uint32_t payload = m->kind == K_READ_REQ ? 0
                       : last                ? (uint32_t)(m->bytes - payload_before)
                                             : m->full_payload;
    uint32_t ulpdu = m->hdr + payload;
    if (len != iwarp_fpdu_bytes(ulpdu, qp->cfg.markers))
        return; /* TCP split it: the bytes cannot be placed */
    uint8_t *h = head;
    wr16__(h, ulpdu);
    int tagged = m->kind == K_WRITE || m->kind == K_READ_RESP;
    h[2] = (uint8_t)((tagged ? DDP_T : 0) | (last ? DDP_L : 0) | DDP_VERSION);
    uint8_t op = m->kind == K_WRITE      ? RDMAP_WRITE
                 : m->kind == K_READ_RESP ? RDMAP_READ_RESP
                 : m->kind == K_SEND      ? RDMAP_SEND
                                          : RDMAP_READ_REQ;
    h[3] = (uint8_t)(RDMAP_VERSION | op);
    if (tagged) {
        wr32__(h + 4, m->stag);
        wr64__(h + 8, m->to + payload_before);
    } else {
        wr32__(h + 4, 0);
        wr32__(h + 8, m->kind == K_SEND ? DDP_QN_SEND : DDP_QN_READ_REQ);
        wr32__(h + 12, m->msn);
        wr32__(h + 16, (uint32_t)payload_before);
        if (m->kind == K_READ_REQ) {
            uint8_t *r = h + IWARP_MPA_LEN_HDR + IWARP_DDP_UNTAGGED_HDR;
            wr32__(r, m->stag);
            wr64__(r + 4, m->to);
            wr32__(r + 12, (uint32_t)m->bytes);
            wr32__(r + 16, m->src_stag);
            wr64__(r + 20, m->src_to);
        }
    }
    uint32_t hl = IWARP_MPA_LEN_HDR + m->hdr;
    uint64_t zeros = (uint64_t)len - hl - IWARP_MPA_CRC; /* payload, pad, markers */
    /* the CRC goes least significant byte first, as in iSCSI and SCTP
     * (RFC 3385), which is how Wireshark's MPA dissector checks it */
    uint32_t crc = qp_crc__(qp, h, hl, zeros);
    for (int i = 0; i < 4; i++)
        tail[i] = (uint8_t)(crc >> (8 * i));
    *head_len = hl;
    *tail_len = IWARP_MPA_CRC;
}

static void report__(struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    if (wc->remote)
        qp->st.remote_completed[wc->op]++;
    else if (wc->status)
        qp->st.flushed++;
    else
        qp->st.completed[wc->op]++;
    if (qp->cb.completion)
        qp->cb.completion(qp->cb_ctx, qp, wc);
}

/* Target-side completions as they happen. */
static void complete_remote__(struct iwarp_qp *qp, const struct iwarp_wc *wc) { report__(qp, wc); }

/* A requester work request is done: its completion is reported in send
 * queue order (as verbs report them: a WRITE posted after a READ does not
 * complete before it, though TCP acknowledged it first), at the time it
 * is reported.  Returns 0, or -1 when the QP closed in a handler. */
static int complete_sq__(struct iwarp_qp *qp, uint64_t seq, const struct iwarp_wc *wc)
{
    if (seq != qp->wr_next) {
        /* room for every outstanding request was made when it was posted */
        qp->held[qp->nheld++] = (struct iw_held){seq, *wc};
        return 0;
    }
    struct iwarp_wc now = *wc;
    for (;;) {
        now.done = sim_now(qp->eng);
        qp->wr_next++;
        report__(qp, &now);
        if (qp->state == QP_CLOSED)
            return -1;
        size_t i = 0;
        while (i < qp->nheld && qp->held[i].seq != qp->wr_next)
            i++;
        if (i == qp->nheld)
            return 0;
        now = qp->held[i].wc;
        qp->held[i] = qp->held[--qp->nheld];
    }
}

static void tcp_acked__(void *ctx, struct tcp_conn *c, uint64_t bytes)
{
    (void)c;
    struct iwarp_qp *qp = ctx;
    qp->acked += bytes;
    sim_time_t now = sim_now(qp->eng);
    while (qp->tx_head < qp->nframed && qp->tx[qp->tx_head].end <= qp->acked) {
        struct iw_msg m = qp->tx[qp->tx_head++];
        struct iwarp_wc wc = {.wr_id = m.wr_id, .bytes = m.bytes, .posted = m.posted,
                              .done = now};
        if (m.kind == K_WRITE || m.kind == K_SEND) {
            wc.op = m.kind == K_WRITE ? IWARP_OP_WRITE : IWARP_OP_SEND;
            if (complete_sq__(qp, m.seq, &wc) != 0)
                return;
        } else if (m.kind == K_READ_RESP) {
            wc.op = IWARP_OP_READ;
            wc.remote = 1;
            wc.wr_id = 0;
            complete_remote__(qp, &wc);
        }
        if (qp->state == QP_CLOSED)
            return;
    }
}

/* ---- the receive side ---------------------------------------------------- */

static void to_rts__(struct iwarp_qp *qp)
{
    qp->state = QP_RTS;
    qp->st.t_rts = sim_now(qp->eng);
    frame_pending__(qp);
    if (qp->close_at_rts) {
        qp->close_at_rts = 0;
        tcp_close(qp->tcp);
    }
    if (qp->cb.established)
        qp->cb.established(qp->cb_ctx, qp);
}

static void rx_mpa__(struct iwarp_qp *qp, const uint8_t *head, uint32_t hl)
{
    if (hl < IWARP_MPA_REQREP_HDR) {
        qp->st.rx_errors++;
        return;
    }
    const char *want = qp->initiator ? MPA_KEY_REP : MPA_KEY_REQ;
    if (memcmp(head, want, 16) != 0) {
        qp->st.rx_errors++;
        return;
    }
    qp->peer_markers = (head[16] & MPA_FLAG_M) != 0;
    if (!qp->initiator)
        push_mpa__(qp, K_MPA_REP);
    to_rts__(qp);
}

static void rx_read_req__(struct iwarp_qp *qp, const uint8_t *r)
{
    struct iw_msg *m = tx_push__(qp);
    if (!m)
        return;
    m->kind = K_READ_RESP;
    m->hdr = hdr_len__(K_READ_RESP);
    m->stag = rd32__(r);
    m->to = rd64__(r + 4);
    m->bytes = rd32__(r + 12);
    m->posted = sim_now(qp->eng);
    frame_pending__(qp);
}

static void rx_segment__(void *ctx, struct tcp_conn *c, uint64_t off, uint32_t len,
                         const uint8_t *head, uint32_t hl, const uint8_t *tail, uint32_t tl)
{
    (void)c;
    (void)off;
    (void)tail;
    (void)tl;
    struct iwarp_qp *qp = ctx;
    if (qp->state == QP_MPA) {
        rx_mpa__(qp, head, hl);
        return;
    }
    if (qp->state != QP_RTS || hl < IWARP_MPA_LEN_HDR + IWARP_DDP_TAGGED_HDR) {
        qp->st.rx_errors++;
        return;
    }
    uint32_t ulpdu = (uint32_t)head[0] << 8 | head[1];
    uint8_t ddp = head[2], op = head[3] & 0x0F;
    int last = (ddp & DDP_L) != 0;
    enum msg_kind k = op == RDMAP_WRITE      ? K_WRITE
                      : op == RDMAP_READ_RESP ? K_READ_RESP
                      : op == RDMAP_SEND      ? K_SEND
                      : op == RDMAP_READ_REQ  ? K_READ_REQ
                                              : K_MPA_REQ;
    uint8_t hdr = hdr_len__(k);
    if (!hdr || ulpdu < hdr || hl < (uint32_t)IWARP_MPA_LEN_HDR + hdr ||
        len != iwarp_fpdu_bytes(ulpdu, qp->peer_markers)) {
        qp->st.rx_errors++;
        return;
    }
    qp->st.fpdus_rx++;
    if (k == K_READ_REQ) {
        rx_read_req__(qp, head + IWARP_MPA_LEN_HDR + IWARP_DDP_UNTAGGED_HDR);
        return;
    }
    uint32_t payload = ulpdu - hdr;
    qp->st.payload_rx += payload;
    int slot = k == K_WRITE ? 0 : k == K_SEND ? 1 : 2;
    sim_time_t now = sim_now(qp->eng);
    if (!qp->rx_msg_bytes[slot] && !qp->rx_msg_start[slot])
        qp->rx_msg_start[slot] = now;
    qp->rx_msg_bytes[slot] += payload;
    if (!last)
        return;
    struct iwarp_wc wc = {.bytes = qp->rx_msg_bytes[slot], .posted = qp->rx_msg_start[slot],
                          .done = now};
    qp->rx_msg_bytes[slot] = 0;
    qp->rx_msg_start[slot] = 0;
    if (k == K_READ_RESP) {
        if (qp->rd_head == qp->nrd) {
            qp->st.rx_errors++;
            return;
        }
        struct iw_read rd = qp->reads[qp->rd_head++];
        if (qp->rd_head == qp->nrd)
            qp->rd_head = qp->nrd = 0;
        wc.op = IWARP_OP_READ;
        wc.wr_id = rd.wr_id;
        wc.posted = rd.posted;
        complete_sq__(qp, rd.seq, &wc);
        return;
    }
    wc.op = k == K_WRITE ? IWARP_OP_WRITE : IWARP_OP_SEND;
    wc.remote = 1;
    complete_remote__(qp, &wc);
}

/* ---- connection events ----------------------------------------------------- */

static int held_cmp__(const void *a, const void *b)
{
    const struct iw_held *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The connection closed: every work request not yet reported completes
 * with err, in send queue order (those already done but held behind an
 * earlier one too: verbs flush everything after the first incomplete). */
static void flush__(struct iwarp_qp *qp, int err)
{
    sim_time_t now = sim_now(qp->eng);
    size_t n = qp->nheld;
    for (size_t i = qp->tx_head; i < qp->ntx; i++)
        n += qp->tx[i].kind == K_WRITE || qp->tx[i].kind == K_SEND;
    n += qp->nrd - qp->rd_head;
    struct iw_held *all = n ? malloc(n * sizeof *all) : NULL;
    size_t k = 0;
    if (all) {
        for (size_t i = 0; i < qp->nheld; i++)
            all[k++] = qp->held[i];
        for (size_t i = qp->tx_head; i < qp->ntx; i++) {
            const struct iw_msg *m = &qp->tx[i];
            if (m->kind != K_WRITE && m->kind != K_SEND)
                continue;
            all[k++] = (struct iw_held){
                m->seq, {.wr_id = m->wr_id, .bytes = m->bytes, .posted = m->posted,
                         .op = m->kind == K_WRITE ? IWARP_OP_WRITE : IWARP_OP_SEND}};
        }
        for (size_t i = qp->rd_head; i < qp->nrd; i++) {
            const struct iw_read *r = &qp->reads[i];
            all[k++] = (struct iw_held){
                r->seq, {.wr_id = r->wr_id, .bytes = r->bytes, .posted = r->posted,
                         .op = IWARP_OP_READ}};
        }
        qsort(all, k, sizeof *all, held_cmp__);
    }
    qp->tx_head = qp->ntx = qp->nframed = 0;
    qp->rd_head = qp->nrd = 0;
    qp->nheld = 0;
    qp->wr_next = qp->wr_seq;
    for (size_t i = 0; i < k; i++) {
        all[i].wc.status = err;
        all[i].wc.done = now;
        report__(qp, &all[i].wc);
    }
    free(all);
}

static void tcp_established__(void *ctx, struct tcp_conn *c)
{
    (void)c;
    struct iwarp_qp *qp = ctx;
    qp->state = QP_MPA;
    push_mpa__(qp, K_MPA_REQ);
}

/* The peer closed its side (TCP FIN): the QP closes too, after what it
 * has queued (an RNIC does: the LLP's graceful close ends the stream). */
static void tcp_peer_closed__(void *ctx, struct tcp_conn *c)
{
    struct iwarp_qp *qp = ctx;
    if (qp->state == QP_RTS)
        tcp_close(c);
    else if (qp->state != QP_CLOSED)
        qp->close_at_rts = 1;
}

static void tcp_closed__(void *ctx, struct tcp_conn *c, int err)
{
    (void)c;
    struct iwarp_qp *qp = ctx;
    qp->state = QP_CLOSED;
    flush__(qp, err ? err : -ECONNRESET);
    if (qp->cb.closed)
        qp->cb.closed(qp->cb_ctx, qp, err);
}

static const struct tcp_callbacks qp_tcp_cb = {
    .established = tcp_established__,
    .acked = tcp_acked__,
    .peer_closed = tcp_peer_closed__,
    .closed = tcp_closed__,
};

static const struct tcp_ulp qp_ulp = {
    .tx_fill = tx_fill__,
    .rx_segment = rx_segment__,
};

/* ---- QPs ------------------------------------------------------------------- */

void iwarp_settings_default(struct iwarp_settings *s)
{
    memset(s, 0, sizeof *s);
    tcp_settings_default(&s->tcp);
    s->nd_port = IWARP_SMBDIRECT_ND_PORT;
    s->ird = s->ord = IWARP_DEFAULT_IRD;
}

static void settings_apply__(struct iwarp_settings *d, const struct iwarp_settings *s)
{
    if (s)
        *d = *s;
    else
        iwarp_settings_default(d);
    if (!d->nd_port)
        d->nd_port = IWARP_SMBDIRECT_ND_PORT;
    if (!d->ird)
        d->ird = IWARP_DEFAULT_IRD;
    if (!d->ord)
        d->ord = IWARP_DEFAULT_IRD;
    /* DYN-010: the RNIC's frames stay on the affinitized member;
     * CFG-031: NetQos classifies them by NetworkDirect port */
    d->tcp.frame_flags |= FRAME_F_RDMA;
    d->tcp.nd_port = d->nd_port;
}

static struct iwarp_qp *qp_alloc__(struct sim_engine *eng, const struct iwarp_settings *cfg)
{
    struct iwarp_qp *qp = calloc(1, sizeof *qp);
    if (!qp)
        return NULL;
    qp->eng = eng;
    qp->cfg = *cfg;
    qp->msn[0] = qp->msn[1] = 1; /* RFC 5041 5.1: MSN starts at 1 */
    qp->peer_markers = cfg->markers;
    return qp;
}

static void qp_free__(struct iwarp_qp *qp)
{
    free(qp->tx);
    free(qp->reads);
    free(qp->held);
    free(qp);
}

struct iwarp_qp *iwarp_connect(struct sim_engine *eng, struct frame_pool *pool,
                               struct ipstack *stack, const struct iwarp_settings *s,
                               uint8_t version, const uint8_t *dst, uint16_t dport,
                               const struct iwarp_callbacks *cb, void *ctx)
{
    struct iwarp_settings cfg;
    settings_apply__(&cfg, s);
    struct iwarp_qp *qp = qp_alloc__(eng, &cfg);
    if (!qp) {
        errno = ENOMEM;
        return NULL;
    }
    qp->initiator = 1;
    if (cb)
        qp->cb = *cb;
    qp->cb_ctx = ctx;
    qp->tcp = tcp_connect(eng, pool, stack, &cfg.tcp, version, dst, dport, &qp_tcp_cb, qp);
    if (!qp->tcp) {
        int e = errno;
        qp_free__(qp);
        errno = e;
        return NULL;
    }
    tcp_set_ulp(qp->tcp, &qp_ulp, qp);
    qp->state = QP_CONNECT;
    return qp;
}

static void accept__(void *ctx, struct tcp_listener *tl, struct tcp_conn *c)
{
    (void)tl;
    struct iwarp_listener *l = ctx;
    struct iwarp_qp *qp = qp_alloc__(l->eng, &l->cfg);
    if (!qp) {
        tcp_abort(c);
        return;
    }
    qp->tcp = c;
    qp->listener = l;
    qp->state = QP_MPA;
    qp->next = l->qps;
    l->qps = qp;
    tcp_set_callbacks(c, &qp_tcp_cb, qp);
    tcp_set_ulp(c, &qp_ulp, qp);
    if (l->accept)
        l->accept(l->accept_ctx, l, qp);
}

struct iwarp_listener *iwarp_listen(struct sim_engine *eng, struct frame_pool *pool,
                                    struct ipstack *stack, uint16_t port,
                                    const struct iwarp_settings *s, iwarp_accept_fn accept,
                                    void *ctx)
{
    struct iwarp_listener *l = calloc(1, sizeof *l);
    if (!l) {
        errno = ENOMEM;
        return NULL;
    }
    settings_apply__(&l->cfg, s);
    l->eng = eng;
    l->accept = accept;
    l->accept_ctx = ctx;
    l->tcp = tcp_listen(eng, pool, stack, port, &l->cfg.tcp, accept__, l);
    if (!l->tcp) {
        int e = errno;
        free(l);
        errno = e;
        return NULL;
    }
    return l;
}

void iwarp_listener_destroy(struct iwarp_listener *l)
{
    if (!l)
        return;
    tcp_listener_destroy(l->tcp); /* frees the accepted connections */
    struct iwarp_qp *qp = l->qps;
    while (qp) {
        struct iwarp_qp *next = qp->next;
        qp_free__(qp);
        qp = next;
    }
    free(l);
}

void iwarp_set_callbacks(struct iwarp_qp *qp, const struct iwarp_callbacks *cb, void *ctx)
{
    if (!qp)
        return;
    if (cb)
        qp->cb = *cb;
    else
        memset(&qp->cb, 0, sizeof qp->cb);
    qp->cb_ctx = ctx;
}

int iwarp_post(struct iwarp_qp *qp, enum iwarp_op op, uint64_t bytes, uint64_t wr_id)
{
    if (!qp || (unsigned)op >= IWARP_OP_COUNT || bytes > UINT32_MAX)
        return -EINVAL;
    if (qp->state == QP_CLOSED)
        return -ENOTCONN;
    /* Completions wait in `held` for earlier ones: room for all of them. */
    size_t outstanding = (size_t)(qp->wr_seq - qp->wr_next) + 1;
    if (outstanding > qp->held_cap) {
        size_t cap = qp->held_cap ? 2 * qp->held_cap : 16;
        struct iw_held *h = realloc(qp->held, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        qp->held = h;
        qp->held_cap = cap;
    }
    struct iw_msg *m = tx_push__(qp);
    if (!m)
        return -ENOMEM;
    m->bytes = bytes;
    m->wr_id = wr_id;
    m->seq = qp->wr_seq;
    m->posted = sim_now(qp->eng);
    switch (op) {
    case IWARP_OP_WRITE:
        m->kind = K_WRITE;
        m->stag = STAG_WRITE_SINK;
        m->to = qp->write_to;
        qp->write_to += bytes;
        break;
    case IWARP_OP_SEND:
        m->kind = K_SEND;
        m->msn = qp->msn[DDP_QN_SEND]++;
        break;
    default:
        m->kind = K_READ_REQ;
        m->msn = qp->msn[DDP_QN_READ_REQ]++;
        m->stag = STAG_READ_SINK;
        m->to = qp->read_to;
        m->src_stag = STAG_READ_SOURCE;
        m->src_to = qp->read_to;
        qp->read_to += bytes;
        if (qp->nrd == qp->rd_cap) {
            size_t cap = qp->rd_cap ? 2 * qp->rd_cap : 16;
            struct iw_read *r = realloc(qp->reads, cap * sizeof *r);
            if (!r) {
                qp->ntx--;
                return -ENOMEM;
            }
            qp->reads = r;
            qp->rd_cap = cap;
        }
        qp->reads[qp->nrd++] = (struct iw_read){wr_id, bytes, m->posted, qp->wr_seq};
        break;
    }
    qp->wr_seq++;
    m->hdr = hdr_len__(m->kind);
    qp->st.posted[op]++;
    frame_pending__(qp);
    return 0;
}

int iwarp_disconnect(struct iwarp_qp *qp)
{
    if (!qp)
        return -EINVAL;
    if (qp->state == QP_CLOSED)
        return -ENOTCONN;
    if (qp->state != QP_RTS) { /* the work posted so far goes first */
        qp->close_at_rts = 1;
        return 0;
    }
    return tcp_close(qp->tcp);
}

void iwarp_qp_destroy(struct iwarp_qp *qp)
{
    if (!qp)
        return;
    struct iwarp_listener *l = qp->listener;
    if (l) { /* an accepted QP leaves its listener early */
        struct iwarp_qp **pp = &l->qps;
        while (*pp && *pp != qp)
            pp = &(*pp)->next;
        if (*pp)
            *pp = qp->next;
    }
    tcp_conn_destroy(qp->tcp);
    qp_free__(qp);
}

int iwarp_is_rts(const struct iwarp_qp *qp) { return qp && qp->state == QP_RTS; }
const struct iwarp_stats *iwarp_stats(const struct iwarp_qp *qp) { return qp ? &qp->st : NULL; }
struct tcp_conn *iwarp_tcp(const struct iwarp_qp *qp) { return qp ? qp->tcp : NULL; }

size_t iwarp_outstanding(const struct iwarp_qp *qp)
{
    if (!qp)
        return 0;
    size_t n = qp->nrd - qp->rd_head + qp->nheld;
    for (size_t i = qp->tx_head; i < qp->ntx; i++)
        if (qp->tx[i].kind == K_WRITE || qp->tx[i].kind == K_SEND)
            n++;
    return n;
}
