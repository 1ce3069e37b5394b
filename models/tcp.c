/* tcp: TCP endpoints over an ipstack (see tcp.h for the model, the state
 * table and the invariants).
 *
 * Sequence numbers.  Each direction is kept as 64-bit stream offsets: the
 * first payload byte is offset 0, the SYN sits just before it and a FIN
 * just after the last byte.  Wire sequence numbers are derived (ISS + 1 +
 * offset, modulo 2^32) and incoming ones are mapped back relative to the
 * nearest expected offset, so wrap-around never reaches the algorithms.
 *
 * Layout of this file: settings and helpers; records (runs); the timer;
 * segment output; congestion control (NewReno, CUBIC) and RTT; input (ACK
 * side, then data side); the handshake and the listener; the public API.
 */
#include "tcp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "pkt.h"

/* RFC 5681 3.2: fast retransmit after the third duplicate ACK. */
#define TCP_DUPACK_THRESHOLD 3
/* RFC 3465 appropriate byte counting: slow start grows cwnd by at most
 * L = 2 SMSS per ACK, so delayed ACKs (2 segments each) still double cwnd
 * per round trip. */
#define TCP_ABC_L 2
/* MSS assumed when the peer sends no MSS option (RFC 9293 3.7.1). */
#define TCP_DEFAULT_PEER_MSS4 536
#define TCP_DEFAULT_PEER_MSS6 1220
/* RFC 6298 5.7: after a retransmitted SYN the RTO restarts at 3 s. */
#define TCP_SYN_LOST_RTO (3 * SIM_S)
/* RFC 6298 2: the clock granularity G in RTO = SRTT + max(G, 4 RTTVAR).
 * The simulated clock is exact; 1 us is the resolution of the timestamps
 * we send. */
#define TCP_CLOCK_G (1 * SIM_US)
/* Upper-layer reachability confirmation (RFC 4861 7.3.1) on forward
 * progress: once a second keeps a 30 s ReachableTime from expiring
 * without a lookup per ACK. */
#define TCP_NEIGH_CONFIRM_INTERVAL (1 * SIM_S)
/* cwnd ceiling: far above any window (1 GiB) and safe in 64 bits. */
#define TCP_MAX_CWND (1ull << 30)
/* Held out-of-order segments beyond the receive buffer in segments: room
 * for a few tiny segments (records shorter than the MSS). */
#define TCP_OOO_SLACK 64
#define TCP_OOO_INITIAL 64 /* out-of-order entries allocated at the first hole: one
                            * allocation covers the bursts of a shared ring's drops */
#define TCP_OPT_TS_LEN 12 /* NOP, NOP, timestamps */

/* RFC 8312 4.1 and 4.5: C and beta_cubic; fast convergence on. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
/* RFC 8312 4.2: the TCP-friendly increase per RTT, 3(1-beta)/(1+beta). */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))
/* RFC 8312 4.1: the target is at most 1.5 cwnd one RTT ahead. */
#define CUBIC_MAX_GROWTH 1.5

enum seg_kind {
    SEG_NEW = 0, /* new data (or the first FIN) */
    SEG_RTO,     /* go-back-N after a timeout */
    SEG_FAST,    /* fast retransmit / partial ACK */
    SEG_CTRL,    /* pure ACK, RST */
};

/* A run of queued bytes cut into records of `record` bytes (0: none). */
struct tcp_run {
    uint64_t start, end;
    uint32_t record;
};

/* An out-of-order segment (or, without an upper layer, a merged range)
 * held until the hole before it fills. */
struct tcp_ooo {
    uint64_t start, end;
    uint8_t head_len, tail_len;
    uint8_t head[TCP_ULP_HEAD_MAX];
    uint8_t tail[TCP_ULP_TAIL_MAX];
};

struct tcp_cubic {
    double w_max;        /* segments, at the last reduction */
    double w_last_max;   /* for fast convergence */
    double k;            /* seconds to reach origin */
    double origin;       /* segments, plateau of the current epoch */
    double w_est0;       /* segments, cwnd when the epoch started */
    double cwnd_bytes;   /* fractional cwnd tracked by CUBIC */
    sim_time_t epoch;    /* start of the current epoch, 0: none */
};

/* Bytes of the largest IPv4 segment header: tagged Ethernet, IPv4, TCP
 * with the timestamps option; a template holds at least a minimum frame,
 * so a short segment's padding is the zeros after its headers. */
#define TCP_TMPL_MAX (PKT_ETH_HLEN + PKT_VLAN_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN + TCP_OPT_TS_LEN)
_Static_assert(TCP_TMPL_MAX >= FRAME_ETH_MIN, "a template pads a minimum frame");
/* A segment's n template bytes are copied as two fixed-size blocks,
 * [0, COPY) and [n - COPY, n): they cover every n from the smallest
 * header (untagged, no options) to TCP_TMPL_MAX. */
#define TCP_TMPL_COPY 40
_Static_assert(TCP_TMPL_COPY <= PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN &&
                   2 * TCP_TMPL_COPY >= TCP_TMPL_MAX,
               "the two copies cover every template");

/* The headers of a connection's IPv4 segments as the layered path writes
 * them, the per-segment fields zero (tmpl_build__): a segment copies them
 * and writes its own fields and checksums (seg_push_tmpl__). */
struct tcp_tmpl {
    uint8_t b[TCP_TMPL_MAX];  /* Ethernet, IPv4, TCP headers, then zeros */
    uint8_t len;              /* header bytes; 0: not built */
    uint8_t ip_at;            /* offset of the IPv4 header */
    /* what it was built from besides the connection's fixed fields */
    uint8_t ts_on;            /* the timestamps option */
    uint8_t ttl;              /* the stack's TTL and IPv4 address */
    uint8_t src[4];
    uint32_t ip_sum;          /* RFC 1071 sum of the IPv4 header */
    uint32_t tcp_sum;         /* of the TCP header and the pseudo-header's
                               * addresses and protocol (not its length) */
};

/* A listener child's peer, what listener_rx__ matches segments on. */
struct tcp_peer_key {
    uint8_t ip[16];
    uint16_t port;
    uint8_t version;
    struct tcp_conn *c;
};

struct tcp_listener {
    struct sim_engine *eng;   /* not owned */
    struct frame_pool *pool;  /* not owned */
    struct ipstack *stack;    /* not owned */
    uint16_t port;
    struct tcp_settings cfg;
    tcp_accept_fn accept;
    void *accept_ctx;
    struct tcp_conn *children; /* owned, linked through conn->next */
    size_t nchildren;
    /* The children's peers in list order, so that a segment finds its
     * connection without visiting each one (keys_ok 0: walk the list). */
    struct tcp_peer_key *keys;
    size_t keys_cap;
    int keys_ok;
    uint64_t dropped;         /* segments for no connection */
};

struct tcp_conn {
    struct sim_engine *eng;   /* not owned */
    struct frame_pool *pool;  /* not owned */
    struct ipstack *stack;    /* not owned */
    struct tcp_listener *listener; /* owner of an accepted connection, else NULL */
    struct tcp_conn *next;    /* listener's list */
    struct tcp_settings cfg;  /* defaults applied */
    struct tcp_callbacks cb;
    void *cb_ctx;
    struct tcp_ulp ulp;
    void *ulp_ctx;
    enum tcp_state state;
    int bound;                /* we own the bind of lport (active open) */
    int accepted;             /* the accept callback ran */

    /* addressing */
    uint8_t version;
    uint8_t local_ip[16], remote_ip[16];
    uint16_t lport, rport;
    struct pkt_l2_spec l2;

    /* negotiated */
    uint32_t mss;             /* payload bytes per segment */
    uint32_t mss_adv;         /* the MSS option we send */
    uint16_t peer_mss;
    uint8_t ws_on, snd_wscale, rcv_wscale;
    uint8_t ts_on, sack_on, ecn_on;

    /* send side (offsets) */
    uint32_t iss;
    uint64_t snd_una, snd_nxt, snd_max, snd_end;
    int fin_queued;           /* tcp_close called: a FIN follows snd_end */
    uint64_t snd_wnd;         /* peer's window, bytes */
    struct tcp_run *runs;     /* queued records, [run_head, nruns) live */
    size_t run_head, nruns, run_cap;

    /* congestion control */
    uint64_t cwnd, ssthresh, ca_acked;
    uint32_t dupacks;
    int in_recovery, recover_valid, partial_seen;
    uint64_t recover;
    int ecn_cwr_pending;      /* set CWR on the next new segment */
    uint64_t ecn_recover;     /* no ECE reaction until snd_una passes it */
    int ecn_reacted;
    struct tcp_cubic cub;

    /* RTT and RTO */
    sim_time_t srtt, rttvar, rto;
    int have_rtt;
    int rtt_timing;
    uint64_t rtt_seq;         /* timed segment acked when snd_una >= this */
    sim_time_t rtt_time;
    sim_time_t syn_time;
    int syn_retransmitted;
    uint32_t retries;         /* timeouts in a row */
    sim_time_t last_confirm;

    /* timer */
    sim_time_t rto_at, delack_at, tw_at; /* 0: not armed */
    sim_event_id ev;
    sim_time_t ev_at;

    /* receive side (offsets) */
    uint32_t irs;
    uint64_t rcv_nxt;
    uint32_t rcv_wnd;         /* bytes we accept beyond rcv_nxt */
    int fin_rcvd, fin_pending;
    uint64_t fin_off;
    uint32_t unacked_segs;
    int ack_now;
    int ece_pending;
    uint32_t ts_recent;
    struct tcp_ooo *ooo;
    size_t nooo, ooo_cap, ooo_max;

    struct tcp_stats st;
    struct tcp_tmpl tmpl;     /* IPv4 segment headers (cfg.general_path: unused) */
};

/* ---- helpers ---------------------------------------------------------- */

static inline void wr16__(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wr32__(uint8_t *p, uint32_t v)
{
    /* one 4-byte store (a byte swap on little-endian hosts) */
    const uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    memcpy(p, b, 4);
}

static inline uint64_t min64__(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max64__(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline size_t addr_len__(uint8_t version) { return version == 6 ? 16 : 4; }

void tcp_settings_default(struct tcp_settings *s)
{
    memset(s, 0, sizeof *s);
    s->mtu = TCP_DEFAULT_MTU;
    s->cc = TCP_CC_NEWRENO;
    s->min_rto = TCP_DEFAULT_MIN_RTO;
    s->max_rto = TCP_DEFAULT_MAX_RTO;
    s->initial_rto = TCP_DEFAULT_INITIAL_RTO;
    s->delack_timeout = TCP_DEFAULT_DELACK;
    s->delack_segments = TCP_DEFAULT_DELACK_SEGS;
    s->init_cwnd = TCP_DEFAULT_INIT_CWND;
    s->rcv_buf = TCP_DEFAULT_RCV_BUF;
    s->max_retries = TCP_DEFAULT_MAX_RETRIES;
    s->syn_retries = TCP_DEFAULT_SYN_RETRIES;
    s->time_wait = TCP_DEFAULT_TIME_WAIT;
}

static int settings_apply__(struct tcp_settings *d, const struct tcp_settings *s)
{
    if (s)
        *d = *s;
    else
        tcp_settings_default(d);
    if (!d->mtu)
        d->mtu = TCP_DEFAULT_MTU;
    if (!d->min_rto)
        d->min_rto = TCP_DEFAULT_MIN_RTO;
    if (!d->max_rto)
        d->max_rto = TCP_DEFAULT_MAX_RTO;
    if (!d->initial_rto)
        d->initial_rto = TCP_DEFAULT_INITIAL_RTO;
    if (!d->delack_timeout)
        d->delack_timeout = TCP_DEFAULT_DELACK;
    if (!d->delack_segments)
        d->delack_segments = TCP_DEFAULT_DELACK_SEGS;
    if (!d->init_cwnd)
        d->init_cwnd = TCP_DEFAULT_INIT_CWND;
    if (!d->rcv_buf)
        d->rcv_buf = TCP_DEFAULT_RCV_BUF;
    if (!d->max_retries)
        d->max_retries = TCP_DEFAULT_MAX_RETRIES;
    if (!d->syn_retries)
        d->syn_retries = TCP_DEFAULT_SYN_RETRIES;
    if (!d->time_wait)
        d->time_wait = TCP_DEFAULT_TIME_WAIT;
    if (d->cc != TCP_CC_NEWRENO && d->cc != TCP_CC_CUBIC)
        return -EINVAL;
    if (d->mtu < 128 || d->min_rto > d->max_rto || d->dscp > 63)
        return -EINVAL;
    return 0;
}

/* Wire sequence number of send offset off, and the offset of a received
 * ACK number (relative to snd_una: within 2^31 either way). */
static inline uint32_t snd_seq__(const struct tcp_conn *c, uint64_t off)
{
    return c->iss + 1u + (uint32_t)off;
}

static inline int64_t snd_off__(const struct tcp_conn *c, uint32_t ack)
{
    return (int64_t)c->snd_una + (int32_t)(ack - snd_seq__(c, c->snd_una));
}

static inline uint32_t rcv_seq__(const struct tcp_conn *c, uint64_t off)
{
    return c->irs + 1u + (uint32_t)off;
}

static inline int64_t rcv_off__(const struct tcp_conn *c, uint32_t seq)
{
    return (int64_t)c->rcv_nxt + (int32_t)(seq - rcv_seq__(c, c->rcv_nxt));
}

/* The ACK number we send: everything in order, plus the peer's FIN. */
static inline uint32_t ack_field__(const struct tcp_conn *c)
{
    return rcv_seq__(c, c->rcv_nxt) + (c->fin_rcvd ? 1u : 0u);
}

/* FNV-1a over the connection's addresses and ports: a deterministic ISS. */
static uint32_t iss_derive__(const struct tcp_conn *c)
{
    uint32_t h = 2166136261u;
    size_t n = addr_len__(c->version);
    const uint8_t *parts[2] = {c->local_ip, c->remote_ip};
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < n; i++)
            h = (h ^ parts[p][i]) * 16777619u;
    uint8_t ports[4] = {(uint8_t)(c->lport >> 8), (uint8_t)c->lport, (uint8_t)(c->rport >> 8),
                        (uint8_t)c->rport};
    for (int i = 0; i < 4; i++)
        h = (h ^ ports[i]) * 16777619u;
    return h;
}

/* The smallest shift that fits the receive buffer in a 16-bit window. */
static uint8_t wscale_for__(uint32_t rcv_buf)
{
    uint8_t s = 0;
    while (s < PKT_TCP_MAX_WSCALE && (rcv_buf >> s) > 0xFFFFu)
        s++;
    return s;
}

static uint32_t ip_tcp_hlen__(uint8_t version)
{
    return (version == 6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN) + PKT_TCP_HLEN;
}

static void gauges__(struct tcp_conn *c)
{
    c->st.cwnd = c->cwnd;
    c->st.ssthresh = c->ssthresh;
    c->st.mss = c->mss;
    c->st.srtt = c->srtt;
    c->st.rttvar = c->rttvar;
    c->st.rto = c->rto;
}

static int data_state__(enum tcp_state st)
{
    return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_FIN_WAIT_1 ||
           st == TCP_CLOSING || st == TCP_LAST_ACK;
}

/* ---- records ---------------------------------------------------------- */

static int runs_push__(struct tcp_conn *c, uint64_t bytes, uint32_t record)
{
    if (c->nruns > c->run_head) {
        struct tcp_run *last = &c->runs[c->nruns - 1];
        if (last->record == record &&
            (record == 0 || (last->end - last->start) % record == 0)) {
            last->end += bytes;
            return 0;
        }
    }
    if (c->run_head > 0 && c->run_head == c->nruns) {
        c->run_head = c->nruns = 0;
    } else if (c->nruns == c->run_cap && c->run_head > c->run_cap / 2) {
        memmove(c->runs, c->runs + c->run_head, (c->nruns - c->run_head) * sizeof *c->runs);
        c->nruns -= c->run_head;
        c->run_head = 0;
    }
    if (c->nruns == c->run_cap) {
        size_t cap = c->run_cap ? 2 * c->run_cap : 16;
        struct tcp_run *r = realloc(c->runs, cap * sizeof *r);
        if (!r)
            return -ENOMEM;
        c->runs = r;
        c->run_cap = cap;
    }
    c->runs[c->nruns++] = (struct tcp_run){c->snd_end, c->snd_end + bytes, record};
    return 0;
}

/* Drops the runs wholly acknowledged. */
static void runs_trim__(struct tcp_conn *c)
{
    while (c->run_head < c->nruns && c->runs[c->run_head].end <= c->snd_una)
        c->run_head++;
}

/* End of the record holding offset off (< snd_end): segments stop there. */
static uint64_t record_search__(const struct tcp_conn *c, uint64_t off)
{
    size_t lo = c->run_head, hi = c->nruns;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->runs[mid].start <= off)
            lo = mid;
        else
            hi = mid;
    }
    if (lo >= c->nruns)
        return c->snd_end;
    const struct tcp_run *r = &c->runs[lo];
    if (!r->record)
        return r->end;
    uint64_t k = (off - r->start) / r->record;
    return min64__(r->start + (k + 1) * r->record, r->end);
}

/* ---- the timer -------------------------------------------------------- */

static sim_time_t earliest__(const struct tcp_conn *c)
{
    /* unrolled: no array on the stack (two calls per ACK) */
    sim_time_t t = c->rto_at;
    if (c->delack_at && (!t || c->delack_at < t))
        t = c->delack_at;
    if (c->tw_at && (!t || c->tw_at < t))
        t = c->tw_at;
    return t;
}

static void timer_fire__(struct sim_engine *eng, void *ctx, void *arg);

/* Makes sure the event fires no later than the earliest deadline.  A
 * deadline moved later leaves the event where it is: it fires, finds
 * nothing due and re-arms (tcp.h, Timers). */
static void timer_arm__(struct tcp_conn *c)
{
    sim_time_t t = earliest__(c);
    if (!t || (c->ev && c->ev_at <= t))
        return;
    if (c->ev)
        sim_cancel(c->eng, c->ev);
    c->ev = sim_schedule_at(c->eng, t, timer_fire__, c, NULL);
    c->ev_at = t;
}

static void timer_stop__(struct tcp_conn *c)
{
    c->rto_at = c->delack_at = c->tw_at = 0;
    if (c->ev)
        sim_cancel(c->eng, c->ev);
    c->ev = 0;
}

static void rto_restart__(struct tcp_conn *c)
{
    c->rto_at = sim_now(c->eng) + c->rto;
    timer_arm__(c);
}

/* ---- output ----------------------------------------------------------- */

static size_t tcp_hlen__(const struct tcp_conn *c)
{
    return PKT_TCP_HLEN + (c->ts_on ? TCP_OPT_TS_LEN : 0);
}

/* The window field: rcv_wnd scaled down, at most 0xFFFF. */
static uint16_t win_field__(const struct tcp_conn *c)
{
    uint32_t win = c->rcv_wnd >> (c->ws_on ? c->rcv_wscale : 0);
    return (uint16_t)(win > 0xFFFF ? 0xFFFF : win);
}

static uint32_t tsval_now__(const struct tcp_conn *c)
{
    return (uint32_t)(sim_now(c->eng) / SIM_US);
}

/* Writes the TCP header (tcp_hlen__ bytes) at h, checksum 0. */
static void tcp_hdr_write__(struct tcp_conn *c, uint8_t *h, uint32_t seq, uint8_t flags)
{
    size_t hl = tcp_hlen__(c);
    uint32_t ack = (flags & PKT_TCP_ACK) ? ack_field__(c) : 0;
    wr16__(h, c->lport);
    wr16__(h + 2, c->rport);
    wr32__(h + 4, seq);
    wr32__(h + 8, ack);
    wr16__(h + 12, (uint16_t)((hl / 4 << 4) << 8 | flags));
    wr16__(h + 14, win_field__(c));
    wr32__(h + 16, 0); /* checksum (filled later), urgent pointer */
    if (c->ts_on) {
        /* NOP, NOP, timestamps: the layout pkt_tcp_build uses */
        h[20] = 1;
        h[21] = 1;
        h[22] = 8;
        h[23] = 10;
        wr32__(h + 24, tsval_now__(c));
        wr32__(h + 28, c->ts_recent);
    }
}

/* The layered build: TCP header, IP header, checksum, Ethernet header,
 * padding, each by its codec (IPv6, ULP-framed segments, general_path). */
static int seg_push_layered__(struct tcp_conn *c, struct frame *f, uint32_t seq, uint8_t flags,
                              uint8_t ecn)
{
    struct pkt_ip_spec ip;
    int err = ipstack_ip_spec(c->stack, c->version, c->remote_ip, c->cfg.dscp, ecn, &ip);
    if (err)
        return err;
    ip.df = 1;
    uint8_t *h = frame_push(f, tcp_hlen__(c));
    if (!h)
        return -ENOSPC;
    tcp_hdr_write__(c, h, seq, flags);
    err = pkt_ip_push(f, &ip, PKT_IPPROTO_TCP);
    if (!err)
        err = pkt_l4_csum_fill(f);
    if (!err)
        err = pkt_eth_push(f, &c->l2, c->version == 6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IPV4);
    if (!err)
        err = pkt_eth_pad(f);
    return err;
}

/* pkt_csum_fold's result (RFC 1071: end-around carries, complement). */
static inline uint16_t csum_fold__(uint32_t sum)
{
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Does the connection send from a template: IPv4, not general_path, an
 * Ethernet spec pkt_eth_push accepts?  (Fixed once the connection has
 * its peer: a built template answers yes.) */
static int tmpl_conn__(const struct tcp_conn *c)
{
    return c->tmpl.len || (c->version == 4 && !c->cfg.general_path && c->l2.pcp <= 7 &&
                           c->l2.dei <= 1 && c->l2.vid <= 4094);
}

/* Can seg_push_tmpl__ build this segment: a template connection, no ULP
 * bytes, an IP length that fits?  (Always inlined, like seg_push_tmpl__:
 * with seg_send__ inlined into two callers gcc would otherwise make both
 * out-of-line calls.) */
static inline __attribute__((always_inline)) int tmpl_fits__(const struct tcp_conn *c,
                                                             const struct frame *f, uint32_t ulp)
{
    return !ulp && (c->tmpl.len || tmpl_conn__(c)) &&
           PKT_IPV4_HLEN + tcp_hlen__(c) + (size_t)f->payload_len <= 0xFFFF;
}

/* (Re)builds the template: the bytes seg_push_layered__ writes with seq,
 * ack, flags, window, timestamps, ECN, IP length, identification and both
 * checksums zero, and the checksum sums of the rest. */
static void tmpl_build__(struct tcp_conn *c, const struct ipstack_ipv4_fields *v4)
{
    struct tcp_tmpl *t = &c->tmpl;
    memset(t, 0, sizeof *t);
    size_t hl = tcp_hlen__(c);
    size_t e = pkt_eth_hdr_write(t->b, &c->l2, PKT_ETH_P_IPV4);
    struct pkt_ip_spec ip = {.version = 4, .dscp = c->cfg.dscp, .ttl = v4->ttl, .df = 1};
    memcpy(ip.src, v4->src, 4);
    memcpy(ip.dst, c->remote_ip, 4);
    uint8_t *h = t->b + e;
    pkt_ipv4_hdr_write(h, &ip, PKT_IPPROTO_TCP, 0);
    wr16__(h + 10, 0);
    uint8_t *th = h + PKT_IPV4_HLEN;
    wr16__(th, c->lport);
    wr16__(th + 2, c->rport);
    th[12] = (uint8_t)(hl / 4 << 4);
    if (c->ts_on) {
        th[20] = 1;
        th[21] = 1;
        th[22] = 8;
        th[23] = 10;
    }
    t->len = (uint8_t)(e + PKT_IPV4_HLEN + hl);
    t->ip_at = (uint8_t)e;
    t->ts_on = c->ts_on;
    t->ttl = v4->ttl;
    memcpy(t->src, v4->src, 4);
    t->ip_sum = pkt_csum_add(0, h, PKT_IPV4_HLEN);
    t->tcp_sum = pkt_csum_add(pkt_csum_add(0, h + 12, 8), th, hl) + PKT_IPPROTO_TCP;
}

/* An IPv4 segment without ULP bytes from the template: the bytes of
 * seg_push_layered__ (padding included).  The checksums add the fields
 * written to the template's sums: RFC 1071 sums fold to the same value
 * in any grouping. */
static inline __attribute__((always_inline)) int seg_push_tmpl__(struct tcp_conn *c,
                                                                 struct frame *f, uint32_t seq,
                                                                 uint8_t flags, uint8_t ecn)
{
    struct ipstack_ipv4_fields v4;
    int err = ipstack_ipv4_next(c->stack, &v4);
    if (err)
        return err;
    const struct tcp_tmpl *t = &c->tmpl;
    if (!t->len || t->ts_on != c->ts_on || t->ttl != v4.ttl || memcmp(t->src, v4.src, 4) != 0)
        tmpl_build__(c, &v4);
    uint32_t tcp_len = (uint32_t)(t->len - t->ip_at - PKT_IPV4_HLEN) + f->payload_len;
    uint32_t ip_len = PKT_IPV4_HLEN + tcp_len;
    size_t n = t->len;
    if (n + f->payload_len < FRAME_ETH_MIN) {
        n = FRAME_ETH_MIN; /* pkt_eth_pad: the payload as zeros, then padding */
        f->payload_len = 0;
    }
    uint8_t *h = frame_push(f, n);
    if (!h)
        return -ENOSPC;
    /* bytes [0, n) as two fixed-size copies (TCP_TMPL_COPY) */
    memcpy(h, t->b, TCP_TMPL_COPY);
    memcpy(h + n - TCP_TMPL_COPY, t->b + n - TCP_TMPL_COPY, TCP_TMPL_COPY);
    uint8_t *ip = h + t->ip_at;
    ip[1] |= ecn;
    wr16__(ip + 2, (uint16_t)ip_len);
    wr16__(ip + 4, v4.id);
    wr16__(ip + 10, csum_fold__(t->ip_sum + ip_len + v4.id + ecn));
    uint8_t *th = ip + PKT_IPV4_HLEN;
    uint32_t ack = (flags & PKT_TCP_ACK) ? ack_field__(c) : 0;
    uint16_t win = win_field__(c);
    wr32__(th + 4, seq);
    wr32__(th + 8, ack);
    th[13] = flags;
    wr16__(th + 14, win);
    uint32_t sum = t->tcp_sum + tcp_len + (seq >> 16) + (seq & 0xFFFF) + (ack >> 16) +
                   (ack & 0xFFFF) + flags + win;
    if (t->ts_on) {
        uint32_t tsval = tsval_now__(c);
        wr32__(th + 24, tsval);
        wr32__(th + 28, c->ts_recent);
        sum += (tsval >> 16) + (tsval & 0xFFFF) + (c->ts_recent >> 16) + (c->ts_recent & 0xFFFF);
    }
    wr16__(th + 16, csum_fold__(sum));
    return 0;
}

static inline void seg_sent__(struct tcp_conn *c, uint32_t len, uint8_t flags, enum seg_kind kind)
{
    c->st.segs_sent++;
    if (len) {
        c->st.data_segs_sent++;
        c->st.bytes_sent += len;
    } else if (!(flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST))) {
        c->st.acks_sent++;
    }
    if (kind == SEG_FAST) {
        c->st.retrans_segs++;
        c->st.fast_retrans++;
    } else if (kind == SEG_RTO) {
        c->st.retrans_segs++;
        c->st.rto_retrans++;
    }
    if (flags & PKT_TCP_ECE)
        c->st.ece_sent++;
    if (flags & PKT_TCP_CWR)
        c->st.cwr_sent++;
    if (flags & PKT_TCP_ACK) {
        c->ack_now = 0;
        c->unacked_segs = 0;
        c->delack_at = 0;
    }
}

static void frame_meta__(const struct tcp_conn *c, struct frame *f)
{
    f->flow_id = c->cfg.flow_id;
    f->nd_port = c->cfg.nd_port;
    f->priority = c->cfg.priority & 7;
    f->flags |= c->cfg.frame_flags;
    f->t_created = sim_now(c->eng);
}

/* The upper layer's bytes of segment [off, off + len): its head as header
 * bytes of f, its tail as f's trailer; returns how many. */
static uint32_t ulp_fill__(struct tcp_conn *c, struct frame *f, uint64_t off, uint32_t len)
{
    uint8_t head[TCP_ULP_HEAD_MAX], tail[TCP_ULP_TAIL_MAX];
    uint32_t hl = 0, tl = 0;
    c->ulp.tx_fill(c->ulp_ctx, c, off, len, head, &hl, tail, &tl);
    if (hl > TCP_ULP_HEAD_MAX || tl > TCP_ULP_TAIL_MAX || hl + tl > len)
        hl = tl = 0;
    if (hl)
        memcpy(frame_put(f, hl), head, hl);
    if (tl) {
        memcpy(f->trailer, tail, tl);
        f->trailer_len = (uint8_t)tl;
    }
    return hl + tl;
}

/* Builds and sends one segment: stream bytes [off, off + len) (and the
 * FIN when flags has it), or a control segment when len is 0.  Inlined
 * into the per-segment callers (send_ack__, xmit_len__): their constant
 * length, flags and kind fold its branches, and no call frame is built. */
static inline __attribute__((always_inline)) int seg_send__(struct tcp_conn *c, uint64_t off,
                                                            uint32_t len, uint8_t flags,
                                                            enum seg_kind kind)
{
    struct frame *f = frame_alloc(c->pool);
    if (!f)
        return -ENOMEM;
    uint32_t ulp = (len && c->ulp.tx_fill) ? ulp_fill__(c, f, off, len) : 0;
    f->payload_len = len - ulp;
    if (c->ece_pending && (flags & PKT_TCP_ACK))
        flags |= PKT_TCP_ECE;
    if (c->ecn_cwr_pending && len && kind == SEG_NEW) {
        flags |= PKT_TCP_CWR;
        c->ecn_cwr_pending = 0;
    }
    /* RFC 3168 6.1.5: ECT on new data only. */
    uint8_t ecn = (c->ecn_on && len && kind == SEG_NEW) ? PKT_ECN_ECT0 : PKT_ECN_NOT_ECT;
    uint32_t seq = snd_seq__(c, off);
    int err = tmpl_fits__(c, f, ulp) ? seg_push_tmpl__(c, f, seq, flags, ecn)
                                     : seg_push_layered__(c, f, seq, flags, ecn);
    if (err) {
        frame_unref(f);
        return err;
    }
    frame_meta__(c, f);
    seg_sent__(c, len, flags, kind);
    err = ipstack_send(c->stack, f);
    return err == -EINPROGRESS ? 0 : err;
}

/* seg_send__ for the rare segments (RST). */
static int send_seg__(struct tcp_conn *c, uint64_t off, uint32_t len, uint8_t flags,
                      enum seg_kind kind)
{
    return seg_send__(c, off, len, flags, kind);
}

static void send_ack__(struct tcp_conn *c)
{
    seg_send__(c, c->snd_nxt, 0, PKT_TCP_ACK, SEG_CTRL);
}

/* record_end__: offset off in the last run, a run without records (a
 * plain byte stream, the common case), needs no search: the binary search
 * of record_search__ ends on that run and returns its end.  general_path
 * always searches (test_fast_path_equivalence compares the two). */
static inline uint64_t record_end__(const struct tcp_conn *c, uint64_t off)
{
    if (!c->cfg.general_path && c->nruns > c->run_head) {
        const struct tcp_run *last = &c->runs[c->nruns - 1];
        if (last->start <= off && !last->record)
            return last->end;
    }
    return record_search__(c, off);
}

/* Payload of a whole segment at off < snd_end: at most the MSS, the
 * queued bytes, the end of off's record. */
static uint64_t seg_len__(const struct tcp_conn *c, uint64_t off)
{
    return min64__(min64__(c->mss, c->snd_end - off), record_end__(c, off) - off);
}

/* Sends len bytes at off (with the FIN when they end the stream and it is
 * queued; a FIN alone when len is 0); returns the sequence space used. */
static uint64_t xmit_len__(struct tcp_conn *c, uint64_t off, uint32_t len, enum seg_kind kind)
{
    int fin = c->fin_queued && off + len == c->snd_end;
    uint8_t flags = PKT_TCP_ACK;
    if (fin)
        flags |= PKT_TCP_FIN;
    if (len && off + len == c->snd_end)
        flags |= PKT_TCP_PSH;
    if (kind != SEG_NEW)
        c->rtt_timing = 0; /* Karn: no sample while anything was resent */
    seg_send__(c, off, len, flags, kind);
    return len + (uint64_t)fin;
}

/* Sends the segment starting at off, at most max_len bytes (a FIN alone
 * when off == snd_end); returns the sequence space it used. */
static uint64_t xmit_at__(struct tcp_conn *c, uint64_t off, uint64_t max_len, enum seg_kind kind)
{
    uint64_t len = off < c->snd_end ? min64__(seg_len__(c, off), max_len) : 0;
    return xmit_len__(c, off, (uint32_t)len, kind);
}

/* Sends what cwnd and the peer's window allow. */
static void output__(struct tcp_conn *c)
{
    if (!data_state__(c->state))
        return;
    for (;;) {
        uint64_t wnd = min64__(c->cwnd, c->snd_wnd);
        uint64_t limit = c->snd_una + wnd;
        uint64_t len = 0;
        if (c->snd_nxt < c->snd_end) {
            len = seg_len__(c, c->snd_nxt);
            if (c->snd_nxt + len > limit) {
                /* Silly window avoidance: wait for a whole segment unless
                 * nothing is in flight (a window below one segment). */
                if (c->snd_nxt != c->snd_una || limit <= c->snd_nxt)
                    break;
                len = limit - c->snd_nxt;
            }
        } else if (!(c->fin_queued && c->snd_nxt == c->snd_end)) {
            break;
        }
        enum seg_kind kind = c->snd_nxt < c->snd_max ? SEG_RTO : SEG_NEW;
        uint64_t start = c->snd_nxt;
        uint64_t used = xmit_len__(c, start, (uint32_t)len, kind);
        c->snd_nxt = start + used;
        if (kind == SEG_NEW && !c->rtt_timing) {
            c->rtt_timing = 1;
            c->rtt_seq = c->snd_nxt;
            c->rtt_time = sim_now(c->eng);
        }
        if (c->snd_nxt > c->snd_max)
            c->snd_max = c->snd_nxt;
        if (!c->rto_at)
            rto_restart__(c);
        if (!used)
            break;
    }
}

/* ---- congestion control and RTT -------------------------------------- */

static void rtt_sample__(struct tcp_conn *c, sim_time_t r)
{
    if (!c->have_rtt) {
        c->srtt = r;
        c->rttvar = r / 2;
        c->have_rtt = 1;
    } else {
        sim_time_t d = c->srtt > r ? c->srtt - r : r - c->srtt;
        c->rttvar = (3 * c->rttvar + d) / 4; /* beta = 1/4 */
        c->srtt = (7 * c->srtt + r) / 8;     /* alpha = 1/8 */
    }
    if (!c->st.min_rtt || r < c->st.min_rtt)
        c->st.min_rtt = r;
    sim_time_t var = 4 * c->rttvar > TCP_CLOCK_G ? 4 * c->rttvar : TCP_CLOCK_G;
    sim_time_t rto = c->srtt + var;
    if (rto < c->cfg.min_rto)
        rto = c->cfg.min_rto;
    if (rto > c->cfg.max_rto)
        rto = c->cfg.max_rto;
    c->rto = rto; /* a new sample ends any backoff (RFC 6298 5.7 note) */
}

static void rto_backoff__(struct tcp_conn *c)
{
    c->rto = c->rto > c->cfg.max_rto / 2 ? c->cfg.max_rto : 2 * c->rto;
}

static uint64_t flight__(const struct tcp_conn *c) { return c->snd_max - c->snd_una; }

/* ssthresh after a congestion signal (loss: from the flight size, RFC
 * 5681 eq. 4; ECE: from cwnd, RFC 3168 6.1.2); CUBIC records W_max. */
static uint64_t cc_reduce__(struct tcp_conn *c, int ecn)
{
    uint64_t two = 2ull * c->mss;
    if (c->cfg.cc == TCP_CC_CUBIC) {
        struct tcp_cubic *q = &c->cub;
        double w = (double)c->cwnd / c->mss;
        if (w < q->w_last_max) { /* fast convergence, RFC 8312 4.6 */
            q->w_last_max = w;
            q->w_max = w * (1.0 + CUBIC_BETA) / 2.0;
        } else {
            q->w_last_max = w;
            q->w_max = w;
        }
        q->epoch = 0;
        return max64__((uint64_t)((double)c->cwnd * CUBIC_BETA), two);
    }
    uint64_t base = ecn ? c->cwnd : flight__(c);
    return max64__(base / 2, two);
}

static void cubic_on_ack__(struct tcp_conn *c, uint64_t acked)
{
    struct tcp_cubic *q = &c->cub;
    double mss = c->mss;
    if ((uint64_t)q->cwnd_bytes != c->cwnd)
        q->cwnd_bytes = (double)c->cwnd; /* cwnd was set elsewhere */
    sim_time_t now = sim_now(c->eng);
    double w = q->cwnd_bytes / mss;
    if (!q->epoch) {
        q->epoch = now;
        q->w_est0 = w;
        if (w < q->w_max) {
            q->k = cbrt((q->w_max - w) / CUBIC_C);
            q->origin = q->w_max;
        } else {
            q->k = 0;
            q->origin = w;
        }
    }
    double t = (double)(now - q->epoch) / (double)SIM_S;
    double rtt = c->have_rtt ? (double)c->srtt / (double)SIM_S : 1e-3;
    if (rtt <= 0)
        rtt = 1e-6;
    double d = t + rtt - q->k;
    double target = q->origin + CUBIC_C * d * d * d;
    if (target > CUBIC_MAX_GROWTH * w)
        target = CUBIC_MAX_GROWTH * w;
    double w_est = q->w_est0 + CUBIC_ALPHA * t / rtt;
    double segs = (double)acked / mss;
    if (target < w_est) { /* TCP-friendly region, RFC 8312 4.2 */
        if (w_est > w)
            w = w_est;
    } else if (target > w) { /* concave / convex region, 4.3-4.4 */
        w += (target - w) / w * segs;
    }
    q->cwnd_bytes = w * mss;
    if (q->cwnd_bytes > (double)TCP_MAX_CWND)
        q->cwnd_bytes = (double)TCP_MAX_CWND;
    c->cwnd = (uint64_t)q->cwnd_bytes;
}

/* cwnd growth on an ACK of `acked` new bytes outside recovery; flight is
 * what was outstanding before the ACK (RFC 7661: grow only while at least
 * half of cwnd is in use). */
static void cc_on_ack__(struct tcp_conn *c, uint64_t acked, uint64_t flight)
{
    if (2 * flight < c->cwnd)
        return;
    if (c->cwnd < c->ssthresh) {
        c->cwnd += min64__(acked, (uint64_t)TCP_ABC_L * c->mss);
    } else if (c->cfg.cc == TCP_CC_CUBIC) {
        cubic_on_ack__(c, acked);
    } else {
        c->ca_acked += acked;
        if (c->ca_acked >= c->cwnd) {
            c->ca_acked -= c->cwnd;
            c->cwnd += c->mss;
        }
    }
    if (c->cwnd > TCP_MAX_CWND)
        c->cwnd = TCP_MAX_CWND;
}

/* ---- closing ------------------------------------------------------------ */

static void close__(struct tcp_conn *c, int err)
{
    if (c->state == TCP_CLOSED)
        return;
    c->state = TCP_CLOSED;
    c->st.t_closed = sim_now(c->eng);
    timer_stop__(c);
    if (c->bound) {
        ipstack_unbind(c->stack, PKT_IPPROTO_TCP, c->lport);
        c->bound = 0;
    }
    gauges__(c);
    if (c->cb.closed && (!c->listener || c->accepted))
        c->cb.closed(c->cb_ctx, c, err);
}

static void enter_time_wait__(struct tcp_conn *c)
{
    c->state = TCP_TIME_WAIT;
    c->rto_at = 0;
    c->tw_at = sim_now(c->eng) + c->cfg.time_wait;
    timer_arm__(c);
}

/* Our FIN was acknowledged. */
static void ack_fin__(struct tcp_conn *c)
{
    switch (c->state) {
    case TCP_FIN_WAIT_1:
        c->state = TCP_FIN_WAIT_2;
        break;
    case TCP_CLOSING:
        enter_time_wait__(c);
        break;
    case TCP_LAST_ACK:
        close__(c, 0);
        break;
    default:
        break;
    }
}

/* ---- timeouts ------------------------------------------------------------ */

static void send_syn__(struct tcp_conn *c, int synack);

static void on_timeout__(struct tcp_conn *c)
{
    c->st.timeouts++;
    if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
        if (++c->retries > c->cfg.syn_retries) {
            close__(c, -ETIMEDOUT);
            return;
        }
        c->syn_retransmitted = 1;
        rto_backoff__(c);
        send_syn__(c, c->state == TCP_SYN_RCVD);
        rto_restart__(c);
        return;
    }
    if (!data_state__(c->state) || c->snd_una == c->snd_max)
        return;
    if (++c->retries > c->cfg.max_retries) {
        close__(c, -ETIMEDOUT);
        return;
    }
    /* RFC 5681 3.1 eq. 4 and the loss window; RFC 6582 4: recover. */
    c->ssthresh = cc_reduce__(c, 0);
    c->cwnd = c->mss;
    c->ca_acked = 0;
    c->in_recovery = 0;
    c->dupacks = 0;
    c->recover = c->snd_max;
    c->recover_valid = 1;
    c->snd_nxt = c->snd_una; /* go back N */
    c->rtt_timing = 0;       /* Karn */
    rto_backoff__(c);
    c->rto_at = 0;
    output__(c);
    rto_restart__(c);
}

static void timer_fire__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct tcp_conn *c = ctx;
    sim_time_t now = sim_now(eng);
    c->ev = 0;
    c->st.timer_events++;
    if (c->delack_at && c->delack_at <= now) {
        c->delack_at = 0;
        if (c->unacked_segs || c->ack_now) {
            c->st.delayed_acks++;
            send_ack__(c);
        }
    }
    if (c->rto_at && c->rto_at <= now) {
        c->rto_at = 0;
        on_timeout__(c);
    }
    if (c->tw_at && c->tw_at <= now) {
        c->tw_at = 0;
        close__(c, 0);
    }
    if (c->state != TCP_CLOSED)
        timer_arm__(c);
    gauges__(c);
}

/* ---- input: the ACK side ----------------------------------------------- */

static void retransmit_una__(struct tcp_conn *c)
{
    xmit_at__(c, c->snd_una, UINT64_MAX, SEG_FAST);
    c->rtt_timing = 0; /* Karn */
}

static void neigh_confirm__(struct tcp_conn *c)
{
    sim_time_t now = sim_now(c->eng);
    if (c->last_confirm && now - c->last_confirm < TCP_NEIGH_CONFIRM_INTERVAL)
        return;
    c->last_confirm = now;
    ipstack_neigh_confirm(c->stack, c->version, c->remote_ip);
}

/* RFC 3168 6.1.2: react to ECE at most once per window of data. */
static void ecn_react__(struct tcp_conn *c)
{
    c->st.ece_rcvd++;
    if (c->in_recovery || (c->ecn_reacted && c->snd_una < c->ecn_recover))
        return;
    c->ssthresh = cc_reduce__(c, 1);
    c->cwnd = max64__(c->ssthresh, c->mss);
    c->ca_acked = 0;
    c->ecn_cwr_pending = 1;
    c->ecn_recover = c->snd_max;
    c->ecn_reacted = 1;
    c->st.ecn_reductions++;
}

static void on_dupack__(struct tcp_conn *c)
{
    c->st.dup_acks++;
    c->dupacks++;
    if (c->in_recovery) {
        c->cwnd += c->mss; /* inflation, RFC 6582 3.2 step 3 */
        return;
    }
    if (c->dupacks != TCP_DUPACK_THRESHOLD)
        return;
    /* RFC 6582 3.2 step 2: no new recovery until the ACK covers recover
     * (duplicates of what the last recovery or timeout resent) */
    if (c->recover_valid && c->snd_una < c->recover)
        return;
    c->ssthresh = cc_reduce__(c, 0);
    c->recover = c->snd_max;
    c->recover_valid = 1;
    c->in_recovery = 1;
    c->partial_seen = 0;
    c->st.recoveries++;
    retransmit_una__(c);
    /* the timer now guards the retransmission (as BSD and Linux rearm it
     * when they resend the head): without this an RTO close to the RTT
     * fires while the resent segment waits behind the queued window */
    rto_restart__(c);
    c->cwnd = c->ssthresh + (uint64_t)TCP_DUPACK_THRESHOLD * c->mss;
}

/* An ACK for new data while in fast recovery (RFC 6582 3.2 steps 4-5). */
static void recovery_ack__(struct tcp_conn *c, uint64_t acked)
{
    if (c->snd_una >= c->recover) { /* full acknowledgment */
        uint64_t fl = max64__(flight__(c), c->mss) + c->mss;
        c->cwnd = min64__(c->ssthresh, fl);
        c->in_recovery = 0;
        c->dupacks = 0;
        c->ca_acked = 0;
        return;
    }
    retransmit_una__(c); /* partial acknowledgment */
    c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
    if (acked >= c->mss)
        c->cwnd += c->mss;
    if (c->cwnd < c->mss)
        c->cwnd = c->mss;
    if (!c->partial_seen) {
        c->partial_seen = 1;
        rto_restart__(c);
    }
}

/* Processes the ACK field; returns 0, or -1 when the segment is to be
 * dropped (it acknowledges data never sent). */
static int input_ack__(struct tcp_conn *c, const struct pkt_info *pi, uint32_t len)
{
    int64_t ack = snd_off__(c, pi->tcp_ack);
    uint8_t fl = pi->tcp_flags;
    if (ack > (int64_t)c->snd_max) {
        c->ack_now = 1;
        return -1;
    }
    if (ack < (int64_t)c->snd_una)
        return 0; /* old */
    uint64_t wnd = (uint64_t)pi->tcp_window << (c->ws_on ? c->snd_wscale : 0);
    uint64_t old_wnd = c->snd_wnd;
    c->snd_wnd = wnd;
    int ece = c->ecn_on && (fl & PKT_TCP_ECE);
    if ((uint64_t)ack == c->snd_una) {
        if (len == 0 && !(fl & (PKT_TCP_SYN | PKT_TCP_FIN)) && wnd == old_wnd &&
            c->snd_max > c->snd_una)
            on_dupack__(c);
        if (ece)
            ecn_react__(c);
        return 0;
    }
    sim_time_t now = sim_now(c->eng);
    uint64_t old_una = c->snd_una;
    uint64_t flight = flight__(c);
    uint64_t acked = (uint64_t)ack - old_una;
    c->snd_una = (uint64_t)ack;
    if (c->snd_nxt < c->snd_una)
        c->snd_nxt = c->snd_una;
    if (c->rtt_timing && c->snd_una >= c->rtt_seq) {
        c->rtt_timing = 0;
        rtt_sample__(c, now - c->rtt_time);
    }
    c->retries = 0;
    runs_trim__(c);
    if (c->in_recovery) {
        recovery_ack__(c, acked);
    } else {
        c->dupacks = 0;
        if (!ece) /* with ECE the reduction replaces growth on this ACK */
            cc_on_ack__(c, acked, flight);
    }
    if (ece)
        ecn_react__(c);
    if (c->snd_una == c->snd_max)
        c->rto_at = 0; /* RFC 6298 5.2 */
    else if (!c->in_recovery || c->snd_una >= c->recover)
        rto_restart__(c); /* 5.3 */
    neigh_confirm__(c);
    uint64_t app = min64__(c->snd_una, c->snd_end) - min64__(old_una, c->snd_end);
    if (app) {
        c->st.bytes_acked += app;
        if (c->snd_una >= c->snd_end)
            c->st.t_all_acked = now;
        if (c->cb.acked)
            c->cb.acked(c->cb_ctx, c, app);
    }
    if (c->fin_queued && c->snd_una == c->snd_end + 1 && c->snd_max == c->snd_end + 1)
        ack_fin__(c);
    return 0;
}

/* ---- input: the data side ---------------------------------------------- */

static void ooo_remove_front__(struct tcp_conn *c, size_t n)
{
    if (!n)
        return;
    memmove(c->ooo, c->ooo + n, (c->nooo - n) * sizeof *c->ooo);
    c->nooo -= n;
}

/* Holds [start, end) beyond a hole.  Without an upper layer ranges merge;
 * with one, segments are kept whole and an overlapping copy is dropped.
 * Returns 0 or -1 (no room). */
static int ooo_insert__(struct tcp_conn *c, uint64_t start, uint64_t end, const uint8_t *head,
                        uint32_t hl, const uint8_t *tail, uint32_t tl)
{
    int keep = c->ulp.rx_segment != NULL;
    size_t i = c->nooo;
    while (i > 0 && c->ooo[i - 1].start > start)
        i--;
    /* i: first entry starting after `start` */
    if (keep) {
        if ((i > 0 && c->ooo[i - 1].end > start) || (i < c->nooo && c->ooo[i].start < end))
            return 0; /* overlaps a held segment: a duplicate */
    } else {
        if (i > 0 && c->ooo[i - 1].end >= start) {
            /* extend the previous range, then swallow the ones it reaches */
            struct tcp_ooo *p = &c->ooo[i - 1];
            if (end > p->end)
                p->end = end;
            size_t j = i;
            while (j < c->nooo && c->ooo[j].start <= p->end) {
                if (c->ooo[j].end > p->end)
                    p->end = c->ooo[j].end;
                j++;
            }
            memmove(c->ooo + i, c->ooo + j, (c->nooo - j) * sizeof *c->ooo);
            c->nooo -= j - i;
            return 0;
        }
        if (i < c->nooo && c->ooo[i].start <= end) {
            struct tcp_ooo *n = &c->ooo[i];
            n->start = start;
            if (end > n->end)
                n->end = end;
            size_t j = i + 1;
            while (j < c->nooo && c->ooo[j].start <= n->end) {
                if (c->ooo[j].end > n->end)
                    n->end = c->ooo[j].end;
                j++;
            }
            memmove(c->ooo + i + 1, c->ooo + j, (c->nooo - j) * sizeof *c->ooo);
            c->nooo -= j - (i + 1);
            return 0;
        }
    }
    if (c->nooo >= c->ooo_max)
        return -1;
    if (c->nooo == c->ooo_cap) {
        size_t cap = c->ooo_cap ? 2 * c->ooo_cap : TCP_OOO_INITIAL;
        if (cap > c->ooo_max)
            cap = c->ooo_max;
        struct tcp_ooo *o = realloc(c->ooo, cap * sizeof *o);
        if (!o)
            return -1;
        c->ooo = o;
        c->ooo_cap = cap;
    }
    memmove(c->ooo + i + 1, c->ooo + i, (c->nooo - i) * sizeof *c->ooo);
    c->nooo++;
    struct tcp_ooo *e = &c->ooo[i];
    e->start = start;
    e->end = end;
    e->head_len = (uint8_t)(keep ? hl : 0);
    e->tail_len = (uint8_t)(keep ? tl : 0);
    if (keep) {
        memcpy(e->head, head, hl);
        memcpy(e->tail, tail, tl);
    }
    return 0;
}

/* Hands the upper layer in-order bytes [from, off + len) of the segment
 * [off, off + len) (off <= from): rcv_nxt and the ACK bookkeeping are
 * already past them, so whatever it sends from the callback (an iWARP
 * READ Response, an RR answer) carries the ACK of this segment. */
static uint64_t take__(struct tcp_conn *c, uint64_t from, uint64_t off, uint64_t len,
                       const uint8_t *head, uint32_t hl, const uint8_t *tail, uint32_t tl)
{
    uint64_t end = off + len;
    if (c->ulp.rx_segment) {
        if (off < from)
            hl = tl = 0; /* trimmed: its upper-layer bytes were seen */
        c->ulp.rx_segment(c->ulp_ctx, c, from, (uint32_t)(end - from), head, hl, tail, tl);
    }
    return end - from;
}

static void consume_fin__(struct tcp_conn *c);

static void input_data__(struct tcp_conn *c, struct frame *f, const struct pkt_info *pi,
                         uint32_t len)
{
    int64_t off = rcv_off__(c, pi->tcp_seq);
    uint8_t fl = pi->tcp_flags;
    if (len) {
        c->st.data_segs_rcvd++;
        if (c->ecn_on && pi->ecn == PKT_ECN_CE) {
            c->st.ce_rcvd++;
            c->ece_pending = 1;
        }
    }
    if (len && (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
                c->state == TCP_FIN_WAIT_2)) {
        int64_t end = off + (int64_t)len;
        const uint8_t *head = NULL, *tail = NULL;
        uint32_t hl = 0, tl = 0;
        if (c->ulp.rx_segment) {
            uint32_t real_end = f->len < pi->ip_end ? f->len : pi->ip_end;
            hl = real_end > pi->l5_off ? real_end - pi->l5_off : 0;
            if (hl > len)
                hl = len;
            if (hl > TCP_ULP_HEAD_MAX)
                hl = TCP_ULP_HEAD_MAX;
            head = frame_cdata(f) + pi->l5_off;
            tl = f->trailer_len;
            tail = f->trailer;
        }
        if (end <= (int64_t)c->rcv_nxt) {
            c->st.dup_segs++;
            c->ack_now = 1;
        } else if ((uint64_t)end > c->rcv_nxt + c->rcv_wnd) {
            c->st.dropped++;
            c->ack_now = 1;
        } else if (off > (int64_t)c->rcv_nxt) {
            c->st.ooo_segs++;
            if (ooo_insert__(c, (uint64_t)off, (uint64_t)end, head, hl, tail, tl) != 0)
                c->st.dropped++;
            c->ack_now = 1; /* RFC 5681 4.2: out of order, ACK at once */
        } else {
            /* First where the stream now ends (this segment and the held
             * ones it joins) and what to ACK, then the upper layer's look. */
            uint64_t from = c->rcv_nxt, nxt = (uint64_t)end;
            size_t n = 0;
            while (n < c->nooo && c->ooo[n].start <= nxt) {
                if (c->ooo[n].end > nxt)
                    nxt = c->ooo[n].end;
                n++;
            }
            c->rcv_nxt = nxt;
            if (n)
                c->ack_now = 1; /* filled (part of) a hole */
            else
                c->unacked_segs++;
            if (c->nooo > n)
                c->ack_now = 1;
            uint64_t got = take__(c, from, (uint64_t)off, (uint64_t)len, head, hl, tail, tl);
            from = (uint64_t)end;
            for (size_t i = 0; i < n && c->state != TCP_CLOSED; i++) {
                struct tcp_ooo *e = &c->ooo[i];
                if (e->end > from) {
                    got += take__(c, from, e->start, e->end - e->start, e->head, e->head_len,
                                  e->tail, e->tail_len);
                    from = e->end;
                }
            }
            ooo_remove_front__(c, n);
            c->st.bytes_delivered += got;
            c->st.t_last_delivery = sim_now(c->eng);
            if (c->cb.delivered && got)
                c->cb.delivered(c->cb_ctx, c, got);
            if (c->state == TCP_CLOSED)
                return;
        }
    } else if (len) {
        c->ack_now = 1;
    }
    if (fl & PKT_TCP_FIN) {
        uint64_t fin_off = (uint64_t)(off + (int64_t)len);
        c->ack_now = 1;
        if (!c->fin_rcvd && off >= 0) {
            c->fin_pending = 1;
            c->fin_off = fin_off;
        }
    }
    if (c->fin_pending && !c->fin_rcvd && c->rcv_nxt == c->fin_off)
        consume_fin__(c);
}

static void consume_fin__(struct tcp_conn *c)
{
    c->fin_rcvd = 1;
    c->fin_pending = 0;
    c->ack_now = 1;
    switch (c->state) {
    case TCP_ESTABLISHED:
        c->state = TCP_CLOSE_WAIT;
        break;
    case TCP_FIN_WAIT_1:
        c->state = TCP_CLOSING;
        break;
    case TCP_FIN_WAIT_2:
        enter_time_wait__(c);
        break;
    default:
        return;
    }
    if (c->cb.peer_closed)
        c->cb.peer_closed(c->cb_ctx, c);
}

/* After a segment: ACK now, or arm the delayed ACK (RFC 5681 4.2). */
static void ack_policy__(struct tcp_conn *c)
{
    if (c->state == TCP_CLOSED)
        return;
    if (c->ack_now || c->unacked_segs >= c->cfg.delack_segments) {
        send_ack__(c);
    } else if (c->unacked_segs && !c->delack_at) {
        c->delack_at = sim_now(c->eng) + c->cfg.delack_timeout;
        timer_arm__(c);
    }
}

/* ---- the handshake ------------------------------------------------------ */

/* What a SYN or SYN-ACK tells of the peer: its ISN, MSS (or the default),
 * window scale (capped at RFC 7323's 14), timestamps and SACK-permitted, each
 * on only if we offer it too.  ECN differs (RFC 3168: ECE+CWR in a SYN, ECE
 * without CWR in a SYN-ACK), so the callers set it. */
static void syn_options__(struct tcp_conn *c, const struct pkt_info *pi)
{
    c->irs = pi->tcp_seq;
    c->peer_mss = (pi->layers & PKT_HAS_TCP_MSS) ? pi->tcp_mss
                  : c->version == 6               ? TCP_DEFAULT_PEER_MSS6
                                                  : TCP_DEFAULT_PEER_MSS4;
    c->ws_on = (pi->layers & PKT_HAS_TCP_WS) != 0;
    c->snd_wscale = c->ws_on ? (pi->tcp_wscale > PKT_TCP_MAX_WSCALE ? PKT_TCP_MAX_WSCALE
                                                                    : pi->tcp_wscale)
                             : 0;
    c->ts_on = c->cfg.timestamps && (pi->layers & PKT_HAS_TCP_TS);
    if (c->ts_on)
        c->ts_recent = pi->tcp_tsval;
    c->sack_on = c->cfg.sack_ok && (pi->layers & PKT_HAS_TCP_SACKOK);
}

static void options_common__(struct tcp_conn *c)
{
    uint32_t mss = c->mss_adv < c->peer_mss ? c->mss_adv : c->peer_mss;
    if (c->ts_on)
        mss -= TCP_OPT_TS_LEN;
    c->mss = mss;
    c->rcv_wnd = c->ws_on ? c->cfg.rcv_buf : (c->cfg.rcv_buf > 0xFFFF ? 0xFFFF : c->cfg.rcv_buf);
    c->ooo_max = c->rcv_wnd / mss + TCP_OOO_SLACK;
    c->cwnd = (uint64_t)c->cfg.init_cwnd * mss;
    c->ssthresh = c->cfg.init_ssthresh ? c->cfg.init_ssthresh : UINT64_MAX;
}

static void send_syn__(struct tcp_conn *c, int synack)
{
    struct frame *f = frame_alloc(c->pool);
    if (!f)
        return;
    struct pkt_tcp_spec t = {
        .sport = c->lport,
        .dport = c->rport,
        .seq = c->iss,
        .ack = synack ? rcv_seq__(c, 0) : 0,
        .flags = (uint8_t)(PKT_TCP_SYN | (synack ? PKT_TCP_ACK : 0)),
        .window = (uint16_t)(c->cfg.rcv_buf > 0xFFFF ? 0xFFFF : c->cfg.rcv_buf), /* RFC 7323 2.2 */
        .mss = (uint16_t)c->mss_adv,
        .wscale = PKT_TCP_NO_WSCALE,
        .sack_ok = synack ? c->sack_on : c->cfg.sack_ok,
        .ts = synack ? c->ts_on : c->cfg.timestamps,
        .tsval = (uint32_t)(sim_now(c->eng) / SIM_US),
        .tsecr = synack ? c->ts_recent : 0,
    };
    if (!synack || c->ws_on)
        t.wscale = c->rcv_wscale;
    if (!synack && c->cfg.ecn)
        t.flags |= PKT_TCP_ECE | PKT_TCP_CWR; /* RFC 3168 6.1.1 ECN-setup SYN */
    if (synack && c->ecn_on)
        t.flags |= PKT_TCP_ECE;
    struct pkt_ip_spec ip;
    if (ipstack_ip_spec(c->stack, c->version, c->remote_ip, c->cfg.dscp, PKT_ECN_NOT_ECT, &ip) !=
        0) {
        frame_unref(f);
        return;
    }
    ip.df = 1;
    if (pkt_tcp_build(f, &c->l2, &ip, &t, 0) != 0) {
        frame_unref(f);
        return;
    }
    frame_meta__(c, f);
    seg_sent__(c, 0, t.flags, c->retries ? SEG_RTO : SEG_CTRL);
    if (!c->retries)
        c->syn_time = sim_now(c->eng);
    ipstack_send(c->stack, f);
}

static void established__(struct tcp_conn *c)
{
    sim_time_t now = sim_now(c->eng);
    c->state = TCP_ESTABLISHED;
    c->st.t_established = now;
    c->snd_una = c->snd_nxt = c->snd_max = 0;
    c->retries = 0;
    c->rto_at = 0;
    if (!c->syn_retransmitted) {
        rtt_sample__(c, now - c->syn_time);
    } else {
        c->cwnd = c->mss; /* RFC 5681 3.1: a lost SYN leaves IW = 1 segment */
        if (!c->have_rtt)
            c->rto = TCP_SYN_LOST_RTO; /* RFC 6298 5.7 */
    }
}

/* SYN_SENT: the SYN-ACK, or a RST refusing us. */
static void input_syn_sent__(struct tcp_conn *c, const struct pkt_info *pi)
{
    uint8_t fl = pi->tcp_flags;
    int ack_ok = (fl & PKT_TCP_ACK) && pi->tcp_ack == c->iss + 1u;
    if (fl & PKT_TCP_RST) {
        if (ack_ok)
            close__(c, -ECONNREFUSED);
        return;
    }
    if (!(fl & PKT_TCP_SYN) || !ack_ok)
        return; /* simultaneous open is not modelled */
    syn_options__(c, pi);
    c->rcv_nxt = 0;
    c->ecn_on = c->cfg.ecn && (fl & PKT_TCP_ECE) && !(fl & PKT_TCP_CWR);
    c->snd_wnd = pi->tcp_window; /* never scaled in a SYN */
    options_common__(c);
    established__(c);
    send_ack__(c);
    if (c->cb.established)
        c->cb.established(c->cb_ctx, c);
    if (c->state != TCP_CLOSED)
        output__(c);
}

/* ---- input dispatch ------------------------------------------------------ */

/* A segment in any state or with any flags, before its ACK and data:
 * closed, SYN_SENT, RST, SYN_RCVD, SYN and ACK-less segments end here
 * (returns 0); returns 1 when the segment goes on to input_ack__. */
static int input_prelude__(struct tcp_conn *c, const struct pkt_info *pi)
{
    uint8_t fl = pi->tcp_flags;
    if (c->state == TCP_CLOSED)
        return 0;
    if (c->state == TCP_SYN_SENT) {
        input_syn_sent__(c, pi);
        gauges__(c);
        return 0;
    }
    if (fl & PKT_TCP_RST) {
        int64_t off = rcv_off__(c, pi->tcp_seq);
        if (off >= (int64_t)c->rcv_nxt && off <= (int64_t)(c->rcv_nxt + c->rcv_wnd))
            close__(c, -ECONNRESET);
        return 0;
    }
    if (c->state == TCP_SYN_RCVD) {
        if (fl & PKT_TCP_SYN) { /* the SYN again: our SYN-ACK was lost */
            send_syn__(c, 1);
            return 0;
        }
        if (!(fl & PKT_TCP_ACK) || pi->tcp_ack != c->iss + 1u)
            return 0;
        c->snd_wnd = (uint64_t)pi->tcp_window << (c->ws_on ? c->snd_wscale : 0);
        established__(c);
        c->accepted = 1;
        if (c->listener && c->listener->accept)
            c->listener->accept(c->listener->accept_ctx, c->listener, c);
        if (c->state == TCP_CLOSED)
            return 0;
    }
    if (fl & PKT_TCP_SYN) { /* a SYN-ACK again: our ACK was lost */
        send_ack__(c);
        return 0;
    }
    return (fl & PKT_TCP_ACK) != 0;
}

/* The segment input_prelude__ passes on at once: ESTABLISHED, ACK set,
 * neither SYN nor RST (general_path: every segment takes the prelude,
 * test_fast_path_equivalence compares the two). */
static int input_common__(const struct tcp_conn *c, uint8_t fl)
{
    return c->state == TCP_ESTABLISHED && !c->cfg.general_path &&
           (fl & (PKT_TCP_RST | PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_ACK;
}

static void input__(struct tcp_conn *c, struct frame *f, const struct pkt_info *pi)
{
    uint8_t fl = pi->tcp_flags;
    uint32_t len = pi->l5_len;
    c->st.segs_rcvd++;
    if (!input_common__(c, fl) && !input_prelude__(c, pi))
        return;
    if (c->ts_on && (pi->layers & PKT_HAS_TCP_TS) &&
        rcv_off__(c, pi->tcp_seq) <= (int64_t)c->rcv_nxt)
        c->ts_recent = pi->tcp_tsval;
    if (c->ecn_on && (fl & PKT_TCP_CWR))
        c->ece_pending = 0; /* RFC 3168 6.1.3, before this segment's CE */
    if (input_ack__(c, pi, len) == 0 && c->state != TCP_CLOSED)
        input_data__(c, f, pi, len);
    if (c->state == TCP_CLOSED)
        return;
    output__(c);
    ack_policy__(c);
    gauges__(c);
}

static int from_peer__(const struct tcp_conn *c, const struct pkt_info *pi)
{
    /* fixed-size compares: inlined, no call */
    return pi->ip_version == c->version && pi->sport == c->rport &&
           (c->version == 4 ? memcmp(pi->ip_src, c->remote_ip, 4)
                            : memcmp(pi->ip_src, c->remote_ip, 16)) == 0;
}

static void conn_rx__(void *ctx, struct ipstack *stack, struct frame *f,
                      const struct pkt_info *pi)
{
    (void)stack;
    struct tcp_conn *c = ctx;
    if ((pi->layers & PKT_HAS_TCP) && from_peer__(c, pi))
        input__(c, f, pi);
    else
        c->st.dropped++;
    frame_unref(f);
}

/* ---- connections ------------------------------------------------------- */

static void conn_init__(struct tcp_conn *c, struct sim_engine *eng, struct frame_pool *pool,
                        struct ipstack *stack, const struct tcp_settings *s)
{
    memset(c, 0, sizeof *c);
    c->eng = eng;
    c->pool = pool;
    c->stack = stack;
    c->cfg = *s;
    c->rto = s->initial_rto;
    c->rcv_wscale = wscale_for__(s->rcv_buf);
    c->rcv_wnd = s->rcv_buf > 0xFFFF ? 0xFFFF : s->rcv_buf;
    c->st.t_open = sim_now(eng);
    ipstack_l2_spec(stack, &c->l2);
}

static struct tcp_conn *conn_alloc__(struct sim_engine *eng, struct frame_pool *pool,
                                     struct ipstack *stack, const struct tcp_settings *s)
{
    struct tcp_conn *c = malloc(sizeof *c);
    if (c)
        conn_init__(c, eng, pool, stack, s);
    return c;
}

static void mss_adv_set__(struct tcp_conn *c)
{
    uint32_t hl = ip_tcp_hlen__(c->version);
    c->mss_adv = c->cfg.mss ? c->cfg.mss : (c->cfg.mtu > hl ? c->cfg.mtu - hl : 0);
    if (c->mss_adv > 0xFFFF)
        c->mss_adv = 0xFFFF;
}

struct tcp_conn *tcp_connect(struct sim_engine *eng, struct frame_pool *pool,
                             struct ipstack *stack, const struct tcp_settings *s,
                             uint8_t version, const uint8_t *dst, uint16_t dport,
                             const struct tcp_callbacks *cb, void *ctx)
{
    struct tcp_settings cfg;
    if (!eng || !pool || !stack || !dst || !dport || (version != 4 && version != 6) ||
        settings_apply__(&cfg, s) != 0) {
        errno = EINVAL;
        return NULL;
    }
    struct tcp_conn *c = conn_alloc__(eng, pool, stack, &cfg);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    c->version = version;
    memcpy(c->remote_ip, dst, addr_len__(version));
    c->rport = dport;
    int err = ipstack_src_addr(stack, version, dst, c->local_ip);
    if (err) {
        free(c);
        errno = -err;
        return NULL;
    }
    int port = ipstack_bind_ephemeral(stack, PKT_IPPROTO_TCP, conn_rx__, c);
    if (port < 0) {
        free(c);
        errno = -port;
        return NULL;
    }
    c->lport = (uint16_t)port;
    c->bound = 1;
    if (cb)
        c->cb = *cb;
    c->cb_ctx = ctx;
    mss_adv_set__(c);
    c->iss = cfg.iss ? cfg.iss : iss_derive__(c);
    c->state = TCP_SYN_SENT;
    send_syn__(c, 0);
    rto_restart__(c);
    gauges__(c);
    return c;
}

/* ---- the listener ------------------------------------------------------- */

/* The peer keys follow the children list: a new child goes in front (its
 * key is set once its peer is), a destroyed one leaves. */
static void keys_insert_front__(struct tcp_listener *l, struct tcp_conn *c)
{
    if (!l->keys_ok)
        return;
    if (l->nchildren > l->keys_cap) {
        size_t ncap = l->keys_cap ? 2 * l->keys_cap : 8;
        struct tcp_peer_key *n = realloc(l->keys, ncap * sizeof *n);
        if (!n) {
            l->keys_ok = 0; /* the list walk stays right */
            return;
        }
        l->keys = n;
        l->keys_cap = ncap;
    }
    memmove(l->keys + 1, l->keys, (l->nchildren - 1) * sizeof *l->keys);
    l->keys[0] = (struct tcp_peer_key){.c = c};
}

static void keys_set__(struct tcp_listener *l, const struct tcp_conn *c)
{
    for (size_t i = 0; l->keys_ok && i < l->nchildren; i++) {
        struct tcp_peer_key *k = &l->keys[i];
        if (k->c == c) {
            memset(k->ip, 0, sizeof k->ip);
            memcpy(k->ip, c->remote_ip, addr_len__(c->version));
            k->port = c->rport;
            k->version = c->version;
            return;
        }
    }
}

static void keys_remove__(struct tcp_listener *l, const struct tcp_conn *c)
{
    for (size_t i = 0; l->keys_ok && i <= l->nchildren; i++) {
        if (l->keys[i].c == c) {
            memmove(l->keys + i, l->keys + i + 1, (l->nchildren - i) * sizeof *l->keys);
            return;
        }
    }
}

/* The first child (in list order) whose peer sent pi, as from_peer__. */
static struct tcp_conn *child_of__(const struct tcp_listener *l, const struct pkt_info *pi)
{
    if (!l->keys_ok) {
        struct tcp_conn *c = l->children;
        while (c && !from_peer__(c, pi))
            c = c->next;
        return c;
    }
    size_t n = addr_len__(pi->ip_version);
    for (size_t i = 0; i < l->nchildren; i++) {
        const struct tcp_peer_key *k = &l->keys[i];
        if (k->port == pi->sport && k->version == pi->ip_version &&
            (n == 4 ? memcmp(k->ip, pi->ip_src, 4) : memcmp(k->ip, pi->ip_src, 16)) == 0)
            return k->c;
    }
    return NULL;
}

static void listener_syn__(struct tcp_listener *l, const struct pkt_info *pi,
                           struct tcp_conn *reuse)
{
    struct tcp_conn *c = reuse;
    if (c) { /* a closed, never accepted connection of the same peer */
        struct tcp_conn *next = c->next;
        free(c->runs);
        free(c->ooo);
        conn_init__(c, l->eng, l->pool, l->stack, &l->cfg);
        c->next = next;
    } else {
        c = conn_alloc__(l->eng, l->pool, l->stack, &l->cfg);
        if (!c)
            return;
        c->next = l->children;
        l->children = c;
        l->nchildren++;
        keys_insert_front__(l, c);
    }
    c->listener = l;
    c->version = pi->ip_version;
    size_t n = addr_len__(c->version);
    memcpy(c->remote_ip, pi->ip_src, n);
    memcpy(c->local_ip, pi->ip_dst, n);
    c->lport = l->port;
    c->rport = pi->sport;
    keys_set__(l, c);
    mss_adv_set__(c);
    c->iss = l->cfg.iss ? l->cfg.iss : iss_derive__(c);
    syn_options__(c, pi);
    c->ecn_on = c->cfg.ecn && (pi->tcp_flags & PKT_TCP_ECE) && (pi->tcp_flags & PKT_TCP_CWR);
    options_common__(c);
    c->state = TCP_SYN_RCVD;
    send_syn__(c, 1);
    rto_restart__(c);
    gauges__(c);
}

static void listener_rx__(void *ctx, struct ipstack *stack, struct frame *f,
                          const struct pkt_info *pi)
{
    (void)stack;
    struct tcp_listener *l = ctx;
    if (!(pi->layers & PKT_HAS_TCP)) {
        l->dropped++;
        frame_unref(f);
        return;
    }
    struct tcp_conn *c = child_of__(l, pi);
    int syn = (pi->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN;
    if (c && c->state != TCP_CLOSED)
        input__(c, f, pi);
    else if (syn) /* a new connection; an accepted one stays the app's */
        listener_syn__(l, pi, (c && !c->accepted) ? c : NULL);
    else
        l->dropped++;
    frame_unref(f);
}

struct tcp_listener *tcp_listen(struct sim_engine *eng, struct frame_pool *pool,
                                struct ipstack *stack, uint16_t port,
                                const struct tcp_settings *s, tcp_accept_fn accept, void *ctx)
{
    struct tcp_settings cfg;
    if (!eng || !pool || !stack || !port || settings_apply__(&cfg, s) != 0) {
        errno = EINVAL;
        return NULL;
    }
    struct tcp_listener *l = calloc(1, sizeof *l);
    if (!l) {
        errno = ENOMEM;
        return NULL;
    }
    l->eng = eng;
    l->pool = pool;
    l->stack = stack;
    l->port = port;
    l->cfg = cfg;
    l->accept = accept;
    l->accept_ctx = ctx;
    l->keys_ok = 1;
    int err = ipstack_bind(stack, PKT_IPPROTO_TCP, port, listener_rx__, l);
    if (err) {
        free(l);
        errno = -err;
        return NULL;
    }
    return l;
}

static void conn_free__(struct tcp_conn *c)
{
    free(c->runs);
    free(c->ooo);
    free(c);
}

void tcp_listener_destroy(struct tcp_listener *l)
{
    if (!l)
        return;
    ipstack_unbind(l->stack, PKT_IPPROTO_TCP, l->port);
    struct tcp_conn *c = l->children;
    while (c) {
        struct tcp_conn *next = c->next;
        conn_free__(c);
        c = next;
    }
    free(l->keys);
    free(l);
}

size_t tcp_listener_count(const struct tcp_listener *l) { return l ? l->nchildren : 0; }

/* ---- the API ------------------------------------------------------------ */

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *ctx)
{
    if (!c)
        return;
    if (cb)
        c->cb = *cb;
    else
        memset(&c->cb, 0, sizeof c->cb);
    c->cb_ctx = ctx;
}

void tcp_set_ulp(struct tcp_conn *c, const struct tcp_ulp *ulp, void *ctx)
{
    if (!c)
        return;
    if (ulp)
        c->ulp = *ulp;
    else
        memset(&c->ulp, 0, sizeof c->ulp);
    c->ulp_ctx = ctx;
}

int tcp_send_records(struct tcp_conn *c, uint64_t bytes, uint32_t record)
{
    if (!c)
        return -EINVAL;
    if (c->state == TCP_CLOSED)
        return -ENOTCONN;
    if (c->fin_queued)
        return -EPIPE;
    if (!bytes)
        return 0;
    int err = runs_push__(c, bytes, record);
    if (err)
        return err;
    if (!c->st.t_first_send)
        c->st.t_first_send = sim_now(c->eng);
    c->snd_end += bytes;
    c->st.bytes_queued += bytes;
    output__(c);
    gauges__(c);
    return 0;
}

int tcp_send(struct tcp_conn *c, uint64_t bytes) { return tcp_send_records(c, bytes, 0); }

int tcp_close(struct tcp_conn *c)
{
    if (!c)
        return -EINVAL;
    if (c->state == TCP_CLOSED)
        return -ENOTCONN;
    if (c->fin_queued)
        return 0;
    switch (c->state) {
    case TCP_SYN_SENT:
        close__(c, 0);
        return 0;
    case TCP_ESTABLISHED:
        c->state = TCP_FIN_WAIT_1;
        break;
    case TCP_CLOSE_WAIT:
        c->state = TCP_LAST_ACK;
        break;
    default:
        return -ENOTCONN;
    }
    c->fin_queued = 1;
    output__(c);
    gauges__(c);
    return 0;
}

int tcp_abort(struct tcp_conn *c)
{
    if (!c)
        return -EINVAL;
    if (c->state == TCP_CLOSED)
        return -ENOTCONN;
    if (c->state != TCP_SYN_SENT)
        send_seg__(c, c->snd_nxt, 0, PKT_TCP_RST | PKT_TCP_ACK, SEG_CTRL);
    close__(c, -ECONNABORTED);
    return 0;
}

void tcp_conn_destroy(struct tcp_conn *c)
{
    if (!c)
        return;
    if (c->bound)
        ipstack_unbind(c->stack, PKT_IPPROTO_TCP, c->lport);
    struct tcp_listener *l = c->listener;
    if (l) {
        struct tcp_conn **pp = &l->children;
        while (*pp && *pp != c)
            pp = &(*pp)->next;
        if (*pp) {
            *pp = c->next;
            l->nchildren--;
            keys_remove__(l, c);
        }
    }
    conn_free__(c);
}

enum tcp_state tcp_state(const struct tcp_conn *c) { return c ? c->state : TCP_CLOSED; }

const char *tcp_state_name(enum tcp_state st)
{
    static const char *const names[] = {
        "CLOSED",     "SYN_SENT",   "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSING",    "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK",
    };
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : NULL;
}

const struct tcp_stats *tcp_stats(const struct tcp_conn *c) { return c ? &c->st : NULL; }
uint32_t tcp_mss(const struct tcp_conn *c) { return c ? c->mss : 0; }

uint64_t tcp_unacked(const struct tcp_conn *c)
{
    return c ? c->snd_end - min64__(c->snd_una, c->snd_end) : 0;
}

uint16_t tcp_local_port(const struct tcp_conn *c) { return c ? c->lport : 0; }
uint16_t tcp_remote_port(const struct tcp_conn *c) { return c ? c->rport : 0; }

void tcp_options(const struct tcp_conn *c, struct tcp_options *o)
{
    memset(o, 0, sizeof *o);
    if (!c)
        return;
    o->snd_wscale = c->ws_on ? c->snd_wscale : PKT_TCP_NO_WSCALE;
    o->rcv_wscale = c->ws_on ? c->rcv_wscale : PKT_TCP_NO_WSCALE;
    o->timestamps = c->ts_on;
    o->sack_ok = c->sack_on;
    o->ecn = c->ecn_on;
    o->peer_mss = c->peer_mss;
}

int tcp_check(const struct tcp_conn *c)
{
    if (!c)
        return -EINVAL;
    uint64_t top = c->snd_end + (c->fin_queued ? 1u : 0u);
    if (c->snd_una > c->snd_nxt || c->snd_nxt > c->snd_max || c->snd_max > top)
        return -EINVAL;
    if (c->state != TCP_CLOSED && c->state != TCP_SYN_SENT && c->state != TCP_SYN_RCVD &&
        c->cwnd < c->mss)
        return -EINVAL;
    for (size_t i = 0; i < c->nooo; i++) {
        if (c->ooo[i].start >= c->ooo[i].end || c->ooo[i].start <= c->rcv_nxt)
            return -EINVAL;
        if (i + 1 < c->nooo && c->ooo[i].end > c->ooo[i + 1].start)
            return -EINVAL;
    }
    for (size_t i = c->run_head; i < c->nruns; i++) {
        if (c->runs[i].start >= c->runs[i].end)
            return -EINVAL;
        if (i + 1 < c->nruns && c->runs[i].end != c->runs[i + 1].start)
            return -EINVAL;
    }
    if (c->nruns > c->run_head && c->runs[c->nruns - 1].end != c->snd_end)
        return -EINVAL;
    sim_time_t t = earliest__(c);
    if (t && (!c->ev || c->ev_at > t))
        return -EINVAL;
    return 0;
}
