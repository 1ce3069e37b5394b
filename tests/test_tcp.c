/* test_tcp: the TCP model between NIC + ipstack hosts on one switch
 * (test_ipfabric): handshake and negotiated options, MSS from the MTU,
 * goodput on a 25 Gb/s path against the framing limit, a single loss
 * recovered by fast retransmit, RTO backoff across a cut path and abort
 * after the retries, NewReno and CUBIC window growth, ECN echo and the
 * once-per-window reduction, delayed ACKs, the window limit and scaling,
 * orderly close through TIME_WAIT, abort/RST, SYN timeout, random loss of
 * any segment both ways over 48 seeded option mixes (every byte delivered
 * and acknowledged, both ends closed without error), steady-state
 * cost, the header template against the layered build, and the
 * handshake/FIN frames as tshark decodes them.
 * tcp_check() runs on every connection from a periodic probe. */
#include "test_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "pcapng.h"
#include "tcp.h"
#include "test_ipfabric.h"

#define RATE_25G 25000000000ull
#define RATE_10G 10000000000ull
#define CABLE (15 * SIM_NS) /* 3 m */
#define TCP_PORT 5001       /* iperf's; no tshark dissector claims it */

/* Ethernet bytes on the line around a segment's IP packet: header 14,
 * FCS 4, preamble + SFD 8, inter-frame gap 12. */
#define ETH_LINE_OVERHEAD (PKT_ETH_HLEN + FRAME_ETH_OVERHEAD)

/* ---- an application on each end ---- */

struct app {
    struct sim_engine *eng;
    struct tcp_conn *conn;      /* the accepted connection (server side) */
    uint64_t delivered, acked;
    uint64_t expect;            /* delivered bytes that end the transfer */
    sim_time_t t_done;          /* when delivered reached expect */
    int established, peer_closed, closed, closed_err;
    int close_on_peer_close;    /* tcp_close when the peer's FIN arrives */
    uint64_t send_on_accept;    /* bytes to send back once accepted */
    uint64_t send_on_connect;   /* bytes to send once established (client) */
    uint32_t record;            /* ... in records of this size (0: a plain stream) */
    uint64_t plain_before, plain_after; /* plain bytes sent before and after them */
    int close_after_send;       /* tcp_close right after that send */
    enum tcp_state seen[16];    /* states seen by the probe, in order */
    int nseen;
};

static void app_established(void *ctx, struct tcp_conn *c)
{
    struct app *a = ctx;
    a->established++;
    if (a->plain_before)
        CU_ASSERT_EQUAL(tcp_send(c, a->plain_before), 0);
    if (a->send_on_connect)
        CU_ASSERT_EQUAL(tcp_send_records(c, a->send_on_connect, a->record), 0);
    if (a->plain_after)
        CU_ASSERT_EQUAL(tcp_send(c, a->plain_after), 0);
    if (a->close_after_send)
        CU_ASSERT_EQUAL(tcp_close(c), 0);
}

static void app_delivered(void *ctx, struct tcp_conn *c, uint64_t bytes)
{
    (void)c;
    struct app *a = ctx;
    a->delivered += bytes;
    if (a->expect && !a->t_done && a->delivered >= a->expect)
        a->t_done = sim_now(a->eng);
}

static void app_acked(void *ctx, struct tcp_conn *c, uint64_t bytes)
{
    (void)c;
    struct app *a = ctx;
    a->acked += bytes;
}

static void app_peer_closed(void *ctx, struct tcp_conn *c)
{
    struct app *a = ctx;
    a->peer_closed++;
    if (a->close_on_peer_close)
        CU_ASSERT_EQUAL(tcp_close(c), 0);
}

static void app_closed(void *ctx, struct tcp_conn *c, int err)
{
    (void)c;
    struct app *a = ctx;
    a->closed++;
    a->closed_err = err;
}

static const struct tcp_callbacks app_cb = {
    .established = app_established,
    .delivered = app_delivered,
    .acked = app_acked,
    .peer_closed = app_peer_closed,
    .closed = app_closed,
};

static void app_accept(void *ctx, struct tcp_listener *l, struct tcp_conn *c)
{
    (void)l;
    struct app *a = ctx;
    a->conn = c;
    a->established++;
    tcp_set_callbacks(c, &app_cb, a);
    if (a->send_on_accept)
        CU_ASSERT_EQUAL(tcp_send(c, a->send_on_accept), 0);
}

/* ---- a client/server pair on the fabric ---- */

struct pair {
    struct ipf net;
    struct ipf_host *a, *b;     /* client, server */
    struct tcp_listener *lis;
    struct tcp_conn *cli;
    struct app ca, sa;          /* client app, server app */
    sim_time_t probe_period;    /* 0: no probe */
    int probe_failures;
};

static void probe_record(struct app *a, struct tcp_conn *c)
{
    if (!c)
        return;
    enum tcp_state st = tcp_state(c);
    if (a->nseen < 16 && (a->nseen == 0 || a->seen[a->nseen - 1] != st))
        a->seen[a->nseen++] = st;
}

static void probe_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct pair *p = ctx;
    if (tcp_check(p->cli) != 0 || (p->sa.conn && tcp_check(p->sa.conn) != 0))
        p->probe_failures++;
    probe_record(&p->ca, p->cli);
    probe_record(&p->sa, p->sa.conn);
    sim_schedule_in(eng, p->probe_period, probe_ev, p, NULL);
}

/* Two hosts at rate_a / rate_b (one-way cable delay each), a listener on
 * b; the client connects once pair_connect is called. */
static void pair_init(struct pair *p, uint64_t rate_a, uint64_t rate_b, sim_time_t delay,
                      const struct switch_settings *ss)
{
    memset(p, 0, sizeof *p);
    ipf_init(&p->net, ss);
    p->a = ipf_host(&p->net, rate_a, delay);
    p->b = ipf_host(&p->net, rate_b, delay);
    p->ca.eng = p->sa.eng = p->net.eng;
}

static void pair_connect(struct pair *p, const struct tcp_settings *cs,
                         const struct tcp_settings *ss)
{
    p->lis = tcp_listen(p->net.eng, p->net.pool, p->b->stack, TCP_PORT, ss, app_accept, &p->sa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->lis);
    p->cli = tcp_connect(p->net.eng, p->net.pool, p->a->stack, cs, 4, p->b->ip, TCP_PORT,
                         &app_cb, &p->ca);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->cli);
    if (p->probe_period)
        sim_schedule_in(p->net.eng, p->probe_period, probe_ev, p, NULL);
}

static void pair_free(struct pair *p)
{
    CU_ASSERT_EQUAL(p->probe_failures, 0);
    tcp_conn_destroy(p->cli);
    tcp_listener_destroy(p->lis);
    ipf_free(&p->net);
}

static double gbps(uint64_t bytes, sim_time_t t)
{
    return t ? (double)bytes * 8.0 / ((double)t / (double)SIM_S) / 1e9 : 0.0;
}

/* Goodput ceiling of a bulk transfer: payload per segment over the line
 * bytes of a full segment. */
static double max_goodput_gbps(uint64_t rate, uint32_t mss, uint32_t ip_packet)
{
    return (double)rate / 1e9 * (double)mss / (double)(ip_packet + ETH_LINE_OVERHEAD);
}

/* ---- tests ---- */

static void test_handshake_options(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.probe_period = 20 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.sack_ok = 1;
    s.timestamps = 1;
    s.ecn = 1;
    pair_connect(&p, &s, &s);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_SYN_SENT);
    sim_run_until(p.net.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(p.ca.established, 1);
    CU_ASSERT_EQUAL(p.sa.established, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.sa.conn);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(tcp_state(p.sa.conn), TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(tcp_listener_count(p.lis), 1);
    struct tcp_options o;
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.rcv_wscale, 5); /* 1 MiB >> 5 = 32768 */
    CU_ASSERT_EQUAL(o.snd_wscale, 5);
    CU_ASSERT_EQUAL(o.timestamps, 1);
    CU_ASSERT_EQUAL(o.sack_ok, 1);
    CU_ASSERT_EQUAL(o.ecn, 1);
    CU_ASSERT_EQUAL(o.peer_mss, 1460);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1448); /* 1460 - 12 bytes of timestamps */
    CU_ASSERT_EQUAL(tcp_mss(p.sa.conn), 1448);
    CU_ASSERT_EQUAL(tcp_local_port(p.cli), IPSTACK_EPHEMERAL_FIRST);
    CU_ASSERT_EQUAL(tcp_remote_port(p.cli), TCP_PORT);
    CU_ASSERT_EQUAL(tcp_remote_port(p.sa.conn), IPSTACK_EPHEMERAL_FIRST);
    /* the handshake took one RTT sample on each side */
    CU_ASSERT(tcp_stats(p.cli)->srtt > 0);
    CU_ASSERT(tcp_stats(p.sa.conn)->srtt > 0);
    CU_ASSERT_EQUAL(tcp_stats(p.cli)->rto, TCP_DEFAULT_MIN_RTO);
    CU_ASSERT_EQUAL(tcp_stats(p.cli)->cwnd, 10u * 1448);
    pair_free(&p);

    /* defaults: no timestamps, no SACK, no ECN: MSS 1460 */
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    pair_connect(&p, NULL, NULL);
    sim_run_until(p.net.eng, 1 * SIM_MS);
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.timestamps, 0);
    CU_ASSERT_EQUAL(o.sack_ok, 0);
    CU_ASSERT_EQUAL(o.ecn, 0);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1460);
    CU_ASSERT_EQUAL(tcp_mss(p.sa.conn), 1460);
    pair_free(&p);

    /* one side without ECN / timestamps: neither is used */
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    struct tcp_settings plain;
    tcp_settings_default(&plain);
    pair_connect(&p, &s, &plain);
    sim_run_until(p.net.eng, 1 * SIM_MS);
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.timestamps, 0);
    CU_ASSERT_EQUAL(o.ecn, 0);
    CU_ASSERT_EQUAL(o.sack_ok, 0);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1460);
    tcp_options(p.sa.conn, &o);
    CU_ASSERT_EQUAL(o.ecn, 0);
    pair_free(&p);
}

/* MSS from the MTU: each end announces its own (MTU - 40 over IPv4, - 60
 * over IPv6) and sends min(its own, the peer's); an explicit MSS wins. */
static void test_mss_mtu(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    struct tcp_settings jumbo, plain;
    tcp_settings_default(&jumbo);
    tcp_settings_default(&plain);
    jumbo.mtu = 9000;
    pair_connect(&p, &jumbo, &plain);
    sim_run_until(p.net.eng, 1 * SIM_MS);
    struct tcp_options o;
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.peer_mss, 1460);
    tcp_options(p.sa.conn, &o);
    CU_ASSERT_EQUAL(o.peer_mss, 8960);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1460);
    CU_ASSERT_EQUAL(tcp_mss(p.sa.conn), 1460);
    pair_free(&p);

    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    plain.mss = 1000;
    pair_connect(&p, &jumbo, &plain);
    sim_run_until(p.net.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1000);
    CU_ASSERT_EQUAL(tcp_mss(p.sa.conn), 1000);
    pair_free(&p);

    /* IPv6 between the derived link-local addresses: 1500 - 60 */
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.lis = tcp_listen(p.net.eng, p.net.pool, p.b->stack, TCP_PORT, NULL, app_accept, &p.sa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.lis);
    p.cli = tcp_connect(p.net.eng, p.net.pool, p.a->stack, NULL, 6,
                        ipstack_ipv6_link_local(p.b->stack), TCP_PORT, &app_cb, &p.ca);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.cli);
    p.ca.send_on_connect = 1 << 20;
    sim_run_until(p.net.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(tcp_mss(p.cli), 1440);
    CU_ASSERT_EQUAL(tcp_mss(p.sa.conn), 1440);
    CU_ASSERT_EQUAL(p.sa.delivered, 1u << 20);
    CU_ASSERT_EQUAL(ipstack_counters(p.a->stack)->ns_tx, 1);
    pair_free(&p);
}

/* One bulk transfer of `bytes` over a 25 Gb/s path (both cables 25 Gb/s,
 * through the switch): goodput from the first byte queued to the last
 * delivered, against the framing ceiling. */
static void goodput_case(uint32_t mtu, uint64_t bytes, double *got, double *ceiling)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.probe_period = 50 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.mtu = mtu;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 200 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    CU_ASSERT_EQUAL(p.ca.acked, bytes);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(st->retrans_segs, 0);
    CU_ASSERT_EQUAL(st->timeouts, 0);
    CU_ASSERT_EQUAL(st->bytes_acked, bytes);
    CU_ASSERT(st->t_all_acked >= p.sa.t_done);
    *got = gbps(bytes, p.sa.t_done - st->t_first_send);
    *ceiling = max_goodput_gbps(RATE_25G, tcp_mss(p.cli), mtu);
    printf("\n    MTU %u: MSS %u, %llu bytes in %.1f us: goodput %.3f Gb/s, ceiling %.3f Gb/s "
           "(%.1f %%), %llu segments, %llu pure ACKs back\n",
           mtu, tcp_mss(p.cli), (unsigned long long)bytes,
           (double)(p.sa.t_done - st->t_first_send) / SIM_US, *got, *ceiling,
           100.0 * *got / *ceiling, (unsigned long long)st->data_segs_sent,
           (unsigned long long)tcp_stats(p.sa.conn)->acks_sent);
    pair_free(&p);
}

/* One TCP flow on a 25 Gb/s path reaches >= 95 % of the goodput the
 * framing allows: MSS / (IP packet + 38 bytes of Ethernet framing). */
static void test_goodput_25g(void)
{
    double got, ceiling;
    goodput_case(1500, 64ull << 20, &got, &ceiling);
    /* 1460 / 1538 x 25 Gb/s = 23.732 Gb/s */
    CU_ASSERT(fabs(ceiling - 23.732) < 0.001);
    CU_ASSERT(got >= 0.95 * ceiling);
    goodput_case(9000, 256ull << 20, &got, &ceiling);
    /* 8960 / 9038 x 25 Gb/s = 24.784 Gb/s */
    CU_ASSERT(fabs(ceiling - 24.784) < 0.001);
    CU_ASSERT(got >= 0.95 * ceiling);
}

/* ---- a single loss: fast retransmit ---- */

struct loss_hook {
    struct tcp_conn **conn;    /* the sender (read at drop time) */
    uint64_t drop_off;         /* stream offset of the segment to drop */
    uint32_t iss;              /* learnt from the SYN */
    int have_iss, dropped;
    sim_time_t t_drop, t_rexmit, srtt_at_drop;
    uint32_t rexmits;
};

static int loss_drop(void *ctx, struct ipf_host *h, const struct frame *f,
                     const struct pkt_info *pi)
{
    (void)h;
    (void)f;
    struct loss_hook *k = ctx;
    if (!(pi->layers & PKT_HAS_TCP))
        return 0;
    if (pi->tcp_flags & PKT_TCP_SYN) {
        k->iss = pi->tcp_seq;
        k->have_iss = 1;
        return 0;
    }
    if (!k->have_iss || !pi->l5_len || pi->tcp_seq != k->iss + 1u + (uint32_t)k->drop_off)
        return 0;
    if (!k->dropped) {
        k->dropped = 1;
        k->t_drop = sim_now(h->net->eng);
        k->srtt_at_drop = tcp_stats(*k->conn)->srtt;
        return 1;
    }
    if (!k->t_rexmit)
        k->t_rexmit = sim_now(h->net->eng);
    k->rexmits++;
    return 0;
}

struct watch {
    struct sim_engine *eng;
    uint64_t off;       /* delivered bytes to wait for */
    uint64_t delivered;
    sim_time_t t;
};

static void watch_delivered(void *ctx, struct tcp_conn *c, uint64_t bytes)
{
    (void)c;
    struct watch *w = ctx;
    w->delivered += bytes;
    if (!w->t && w->delivered > w->off)
        w->t = sim_now(w->eng);
}

static void test_fast_retransmit(void)
{
    struct pair p;
    /* 10 us per cable: a 40 us base RTT; a window of about one BDP */
    pair_init(&p, RATE_25G, RATE_25G, 10 * SIM_US, NULL);
    p.probe_period = 20 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.rcv_buf = 160 * 1024;
    const uint64_t bytes = 16ull << 20;
    struct loss_hook k = {.conn = &p.cli, .drop_off = 2000ull * 1460};
    p.a->drop = loss_drop;
    p.a->drop_ctx = &k;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 300 * SIM_US); /* handshake done: watch the hole */
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.sa.conn);
    struct watch w = {.eng = p.net.eng, .off = k.drop_off, .delivered = p.sa.delivered};
    CU_ASSERT_FATAL(w.delivered < k.drop_off);
    struct tcp_callbacks cb = app_cb;
    cb.delivered = watch_delivered;
    tcp_set_callbacks(p.sa.conn, &cb, &w);
    sim_run_until(p.net.eng, 100 * SIM_MS);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(w.delivered, bytes);
    CU_ASSERT_EQUAL(k.dropped, 1);
    CU_ASSERT_EQUAL(p.a->hook_drops, 1);
    CU_ASSERT_EQUAL(k.rexmits, 1);
    CU_ASSERT_EQUAL(st->timeouts, 0);
    CU_ASSERT_EQUAL(st->recoveries, 1);
    CU_ASSERT_EQUAL(st->fast_retrans, 1);
    CU_ASSERT_EQUAL(st->retrans_segs, 1);
    CU_ASSERT(st->dup_acks >= 3);
    CU_ASSERT(tcp_stats(p.sa.conn)->ooo_segs >= 3);
    sim_time_t detect = k.t_rexmit - k.t_drop;
    sim_time_t fill = w.t - k.t_drop;
    printf("\n    drop at %.1f us, SRTT %.1f us: retransmitted after %.1f us "
           "(bound RTT + delayed ACK %.1f us), hole filled after %.1f us, %llu dup ACKs\n",
           (double)k.t_drop / SIM_US, (double)k.srtt_at_drop / SIM_US, (double)detect / SIM_US,
           (double)(k.srtt_at_drop + TCP_DEFAULT_DELACK) / SIM_US, (double)fill / SIM_US,
           (unsigned long long)st->dup_acks);
    CU_ASSERT(k.t_rexmit > k.t_drop);
    CU_ASSERT(detect <= k.srtt_at_drop + TCP_DEFAULT_DELACK);
    /* in fact within about one RTT: no delayed ACK stands in the way */
    CU_ASSERT(detect <= 2 * k.srtt_at_drop);
    CU_ASSERT(fill <= k.srtt_at_drop + TCP_DEFAULT_DELACK);
    CU_ASSERT(fill <= 2 * k.srtt_at_drop); /* the resent segment queues behind the window */
    /* NewReno: cwnd was halved once, no timeout */
    CU_ASSERT(st->ssthresh < UINT64_MAX);
    pair_free(&p);
}

/* ---- timeouts ---- */

struct rto_hook {
    struct tcp_conn **conn;
    uint64_t last_timeouts;
    sim_time_t t[16];
    int n;
};

static void rto_observe(void *ctx, struct ipf_host *h, const struct frame *f,
                        const struct pkt_info *pi)
{
    (void)f;
    (void)pi;
    struct rto_hook *r = ctx;
    if (!*r->conn)
        return;
    uint64_t to = tcp_stats(*r->conn)->timeouts;
    if (to != r->last_timeouts && r->n < 16)
        r->t[r->n++] = sim_now(h->net->eng);
    r->last_timeouts = to;
}

static void link_restore_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    link_restore(ctx);
}

static void link_cut_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    link_cut(ctx);
}

/* The receiver's cable is cut mid-transfer for 100 ms: the RTO fires at
 * min_rto, then 40 and 80 ms later (doubling), the third retransmission
 * gets through after the repair, the transfer completes and a new RTT
 * sample brings the RTO back to min_rto. */
static void test_rto_backoff(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.probe_period = 100 * SIM_US;
    const uint64_t bytes = 64ull << 20;
    struct rto_hook r = {.conn = &p.cli};
    p.a->observe = rto_observe;
    p.a->observe_ctx = &r;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, NULL, NULL);
    const sim_time_t t_cut = 1 * SIM_MS, outage = 100 * SIM_MS;
    sim_schedule_at(p.net.eng, t_cut, link_cut_ev, p.b->link, NULL);
    sim_schedule_at(p.net.eng, t_cut + outage, link_restore_ev, p.b->link, NULL);
    sim_run_until(p.net.eng, t_cut + 30 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_stats(p.cli)->timeouts, 1);
    CU_ASSERT_EQUAL(tcp_stats(p.cli)->rto, 2 * TCP_DEFAULT_MIN_RTO);
    sim_run_until(p.net.eng, 1 * SIM_S);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    CU_ASSERT_EQUAL(st->timeouts, 3);
    CU_ASSERT(st->rto_retrans >= 3);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(p.ca.closed, 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 3);
    sim_time_t g1 = r.t[1] - r.t[0], g2 = r.t[2] - r.t[1];
    printf("\n    cut at %.3f ms: RTO retransmissions at +%.3f, +%.3f, +%.3f ms (gaps %.3f, "
           "%.3f ms); repaired at +%.0f ms; RTO now %.1f ms\n",
           (double)t_cut / SIM_MS, (double)(r.t[0] - t_cut) / SIM_MS,
           (double)(r.t[1] - t_cut) / SIM_MS, (double)(r.t[2] - t_cut) / SIM_MS,
           (double)g1 / SIM_MS, (double)g2 / SIM_MS, (double)outage / SIM_MS,
           (double)st->rto / SIM_MS);
    /* the first expiry: min_rto after the last ACK before the cut */
    CU_ASSERT(r.t[0] - t_cut <= TCP_DEFAULT_MIN_RTO + 100 * SIM_US);
    CU_ASSERT(r.t[0] - t_cut >= TCP_DEFAULT_MIN_RTO - 100 * SIM_US);
    CU_ASSERT_EQUAL(g1, 2 * TCP_DEFAULT_MIN_RTO);
    CU_ASSERT_EQUAL(g2, 4 * TCP_DEFAULT_MIN_RTO);
    CU_ASSERT(r.t[2] > t_cut + outage);
    CU_ASSERT_EQUAL(st->rto, TCP_DEFAULT_MIN_RTO);
    pair_free(&p);
}

/* A path that never comes back: the connection aborts after max_retries
 * retransmissions (20 + 40 + ... + 640 ms). */
static void test_rto_abort(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.probe_period = 1 * SIM_MS;
    p.ca.send_on_connect = 64ull << 20;
    pair_connect(&p, NULL, NULL);
    sim_schedule_at(p.net.eng, 1 * SIM_MS, link_cut_ev, p.b->link, NULL);
    sim_run_until(p.net.eng, 3 * SIM_S);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(p.ca.closed, 1);
    CU_ASSERT_EQUAL(p.ca.closed_err, -ETIMEDOUT);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_CLOSED);
    CU_ASSERT_EQUAL(st->timeouts, TCP_DEFAULT_MAX_RETRIES + 1);
    CU_ASSERT_EQUAL(st->rto_retrans, TCP_DEFAULT_MAX_RETRIES);
    sim_time_t total = 0;
    for (uint32_t i = 0; i <= TCP_DEFAULT_MAX_RETRIES; i++)
        total += TCP_DEFAULT_MIN_RTO << i;
    CU_ASSERT(st->t_closed >= 1 * SIM_MS + total - 100 * SIM_US);
    CU_ASSERT(st->t_closed <= 1 * SIM_MS + total);
    printf("\n    aborted at %.3f s after %llu timeouts\n", (double)st->t_closed / SIM_S,
           (unsigned long long)st->timeouts);
    pair_free(&p);
}

/* No listener: three SYNs (1 s initial RTO, doubled), then -ETIMEDOUT at
 * 1 + 2 + 4 s. */
static void test_syn_timeout(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.cli = tcp_connect(p.net.eng, p.net.pool, p.a->stack, NULL, 4, p.b->ip, TCP_PORT, &app_cb,
                        &p.ca);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.cli);
    sim_run_until(p.net.eng, 10 * SIM_S);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(p.ca.closed_err, -ETIMEDOUT);
    CU_ASSERT_EQUAL(st->segs_sent, 1 + TCP_DEFAULT_SYN_RETRIES);
    CU_ASSERT_EQUAL(st->t_closed, 7 * SIM_S);
    CU_ASSERT_EQUAL(ipstack_counters(p.b->stack)->drops[IPSTACK_DROP_NO_PORT],
                    1 + TCP_DEFAULT_SYN_RETRIES);
    pair_free(&p);
}

static int drop_first_syn(void *ctx, struct ipf_host *h, const struct frame *f,
                          const struct pkt_info *pi)
{
    (void)h;
    (void)f;
    int *done = ctx;
    if ((pi->layers & PKT_HAS_TCP) && (pi->tcp_flags & PKT_TCP_SYN) && !*done) {
        *done = 1;
        return 1;
    }
    return 0;
}

/* A lost SYN: the handshake completes after the 1 s RTO, with an initial
 * window of one segment (RFC 5681 3.1) and an RTO of 3 s until the first
 * RTT sample (RFC 6298 5.7). */
static void test_syn_lost(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    int done = 0;
    p.a->drop = drop_first_syn;
    p.a->drop_ctx = &done;
    pair_connect(&p, NULL, NULL);
    sim_run_until(p.net.eng, 900 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_SYN_SENT);
    sim_run_until(p.net.eng, 1100 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_ESTABLISHED);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT_EQUAL(st->timeouts, 1);
    CU_ASSERT_EQUAL(st->cwnd, 1460);
    CU_ASSERT_EQUAL(st->rto, 3 * SIM_S);
    CU_ASSERT_EQUAL(st->t_established - 1 * SIM_S < 100 * SIM_US, 1);
    CU_ASSERT_EQUAL(tcp_send(p.cli, 1 << 20), 0);
    p.sa.expect = 1 << 20;
    sim_run_until(p.net.eng, 1200 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, 1u << 20);
    /* sampled since: the backoff to 3 s is gone (the first sample waited
     * for the delayed ACK of a lone segment, so SRTT still remembers it) */
    CU_ASSERT(tcp_stats(p.cli)->rto < 100 * SIM_MS);
    pair_free(&p);
}

/* ---- congestion control: NewReno and CUBIC ---- */

#define CC_SAMPLES 2048

struct cc_run {
    struct pair p;
    struct tcp_conn *snd;
    sim_time_t period;
    uint64_t cwnd[CC_SAMPLES];
    uint64_t recoveries[CC_SAMPLES];
    int n;
    sim_time_t t_drop_from; /* drop the first data segment sent after this */
    int dropped;
};

static void cc_sample_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct cc_run *r = ctx;
    if (r->n < CC_SAMPLES) {
        r->cwnd[r->n] = tcp_stats(r->p.cli)->cwnd;
        r->recoveries[r->n] = tcp_stats(r->p.cli)->recoveries;
        r->n++;
        sim_schedule_in(eng, r->period, cc_sample_ev, r, NULL);
    }
}

static int cc_drop(void *ctx, struct ipf_host *h, const struct frame *f,
                   const struct pkt_info *pi)
{
    (void)f;
    struct cc_run *r = ctx;
    if (r->dropped || !(pi->layers & PKT_HAS_TCP) || !pi->l5_len ||
        sim_now(h->net->eng) < r->t_drop_from)
        return 0;
    r->dropped = 1;
    return 1;
}

/* cwnd of a flow in congestion avoidance from 1000 segments (initial
 * ssthresh) on a 100 ms RTT path with room to spare (10 Gb/s), one segment
 * dropped at 3 s: the reduction, then the growth sampled every 10 ms. */
static void cc_case(struct cc_run *r, enum tcp_cc cc, double *w_loss, uint64_t *ssthresh,
                    int *i_exit)
{
    memset(r, 0, sizeof *r);
    pair_init(&r->p, RATE_10G, RATE_10G, 25 * SIM_MS, NULL);
    r->p.probe_period = 5 * SIM_MS;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.cc = cc;
    s.rcv_buf = 16u << 20;
    s.init_ssthresh = 1000ull * 1460;
    r->p.ca.send_on_connect = 1ull << 32;
    r->t_drop_from = 3 * SIM_S;
    r->p.a->drop = cc_drop;
    r->p.a->drop_ctx = r;
    r->period = 10 * SIM_MS;
    pair_connect(&r->p, &s, &s);
    sim_schedule_in(r->p.net.eng, r->period, cc_sample_ev, r, NULL);
    sim_run_until(r->p.net.eng, 13 * SIM_S);
    const struct tcp_stats *st = tcp_stats(r->p.cli);
    CU_ASSERT_EQUAL(st->recoveries, 1);
    CU_ASSERT_EQUAL(st->timeouts, 0);
    CU_ASSERT_EQUAL(st->retrans_segs, 1);
    int i_rec = 0;
    while (i_rec < r->n && !r->recoveries[i_rec])
        i_rec++;
    CU_ASSERT_FATAL(i_rec > 0 && i_rec < r->n);
    *w_loss = (double)r->cwnd[i_rec - 1] / 1460.0;
    *ssthresh = st->ssthresh;
    /* recovery ends one RTT after it starts: the epoch of growth */
    *i_exit = i_rec + (int)(st->srtt / r->period) + 1;
}

static void test_newreno_vs_cubic(void)
{
    struct cc_run *r = malloc(sizeof *r);
    double w_nr, w_cu;
    uint64_t ss_nr, ss_cu;
    int x_nr, x_cu;

    cc_case(r, TCP_CC_NEWRENO, &w_nr, &ss_nr, &x_nr);
    double srtt = (double)tcp_stats(r->p.cli)->srtt / SIM_S;
    double beta_nr = (double)ss_nr / 1460.0 / w_nr;
    /* +1 segment per RTT in congestion avoidance */
    double t_nr = 4.5;
    int i45 = x_nr + (int)(t_nr / 0.01);
    double grow_nr = (double)(r->cwnd[i45] - r->cwnd[x_nr]) / 1460.0;
    double expect_nr = t_nr / srtt;
    printf("\n    NewReno: cwnd %.0f segs at the loss, ssthresh %.0f (x%.3f); +%.1f segs in %.1f s "
           "(%.1f RTTs of %.1f ms)\n",
           w_nr, (double)ss_nr / 1460.0, beta_nr, grow_nr, t_nr, expect_nr, srtt * 1e3);
    CU_ASSERT(beta_nr > 0.48 && beta_nr < 0.52);
    CU_ASSERT(grow_nr > 0.9 * expect_nr && grow_nr < 1.1 * expect_nr);
    pair_free(&r->p);

    cc_case(r, TCP_CC_CUBIC, &w_cu, &ss_cu, &x_cu);
    srtt = (double)tcp_stats(r->p.cli)->srtt / SIM_S;
    double beta_cu = (double)ss_cu / 1460.0 / w_cu;
    double k = cbrt(w_cu * (1.0 - 0.7) / 0.4); /* RFC 8312 eq. 2 */
    int ih = x_cu + (int)(k / 2 / 0.01), ik = x_cu + (int)(k / 0.01);
    CU_ASSERT_FATAL(ik < r->n);
    double w0 = (double)r->cwnd[x_cu] / 1460.0;
    double wh = (double)r->cwnd[ih] / 1460.0, wk = (double)r->cwnd[ik] / 1460.0;
    double th = k / 2 + srtt - k; /* the window targets W(t + RTT) */
    double expect_h = w_cu + 0.4 * th * th * th;
    printf("    CUBIC: cwnd %.0f segs at the loss, ssthresh %.0f (x%.3f); K = %.2f s; cwnd %.0f "
           "after recovery, %.0f at K/2 (W(t) %.0f), %.0f at K (W_max %.0f)\n",
           w_cu, (double)ss_cu / 1460.0, beta_cu, k, w0, wh, expect_h, wk, w_cu);
    CU_ASSERT(beta_cu > 0.69 && beta_cu < 0.71);
    CU_ASSERT(fabs(wh - expect_h) < 0.02 * expect_h);
    CU_ASSERT(fabs(wk - w_cu) < 0.02 * w_cu);
    /* concave: most of the way back in the first half */
    CU_ASSERT(wh - w0 > 2.0 * (wk - wh));
    /* NewReno in the same time would be back only ~K/RTT segments */
    CU_ASSERT(wk - w0 > 2.0 * (k / srtt));
    pair_free(&r->p);
    free(r);
}

/* ---- ECN ---- */

/* Polls the sender every 100 ns (a 1500-byte frame takes 480 ns at
 * 25 Gb/s): at each new reduction, what had been sent and acknowledged. */
struct ecn_probe {
    struct pair *p;
    uint64_t last;
    sim_time_t t[4096];
    uint64_t sent[4096], acked[4096];
    int n;
};

static void ecn_probe_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct ecn_probe *e = ctx;
    const struct tcp_stats *st = tcp_stats(e->p->cli);
    if (st->ecn_reductions != e->last && e->n < 4096) {
        e->t[e->n] = sim_now(eng);
        e->sent[e->n] = st->bytes_sent;
        e->acked[e->n] = st->bytes_acked;
        e->n++;
    }
    e->last = st->ecn_reductions;
    if (!e->p->sa.t_done || tcp_unacked(e->p->cli))
        sim_schedule_in(eng, 100 * SIM_NS, ecn_probe_ev, e, NULL);
}

/* 25 Gb/s into a 10 Gb/s port whose queue marks CE above 30 KB: the
 * receiver echoes ECE until CWR, the sender halves cwnd at most once per
 * window (one RTT), nothing is lost and the queue stays near the mark. */
static void test_ecn_echo(void)
{
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", IPF_MAX);
    ss.ecn_enabled = 0x01;
    ss.ecn[0] = (struct switch_ecn){.kmin = 30000, .kmax = 30000, .pmax = 1.0};
    struct pair p;
    pair_init(&p, RATE_25G, RATE_10G, CABLE, &ss);
    p.probe_period = 10 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.ecn = 1;
    const uint64_t bytes = 16ull << 20;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, &s, &s);
    struct ecn_probe *e = calloc(1, sizeof *e);
    e->p = &p;
    sim_schedule_in(p.net.eng, 1 * SIM_US, ecn_probe_ev, e, NULL);
    sim_run_until(p.net.eng, 50 * SIM_MS);
    const struct tcp_stats *st = tcp_stats(p.cli), *rt = tcp_stats(p.sa.conn);
    const struct switch_port_counters *pc = switch_port_counters(p.net.sw, 2);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    CU_ASSERT_EQUAL(st->retrans_segs, 0);
    CU_ASSERT(pc->ecn_marked[0] > 0);
    CU_ASSERT_EQUAL(rt->ce_rcvd, pc->ecn_marked[0]);
    CU_ASSERT(rt->ece_sent > 0);
    CU_ASSERT(st->ece_rcvd >= st->ecn_reductions);
    CU_ASSERT(st->ecn_reductions >= 10);
    CU_ASSERT(st->cwr_sent + 1 >= st->ecn_reductions);
    CU_ASSERT(st->cwr_sent <= st->ecn_reductions);
    CU_ASSERT_EQUAL(e->n, (int)st->ecn_reductions);
    /* once per window: before the next reduction, everything sent up to
     * the previous one was acknowledged (to within the polling step) */
    sim_time_t min_gap = SIM_TIME_MAX;
    int early = 0;
    for (int i = 1; i < e->n; i++) {
        if (e->t[i] - e->t[i - 1] < min_gap)
            min_gap = e->t[i] - e->t[i - 1];
        if (e->acked[i] + 1460 < e->sent[i - 1])
            early++;
    }
    double g = gbps(bytes, p.sa.t_done - st->t_first_send);
    printf("\n    %llu CE marks, %llu ECE ACKs, %llu reductions (closest %.1f us apart, "
           "SRTT %.1f us), %llu CWR; max queue %llu B; goodput %.2f Gb/s of %.2f\n",
           (unsigned long long)pc->ecn_marked[0], (unsigned long long)st->ece_rcvd,
           (unsigned long long)st->ecn_reductions, (double)min_gap / SIM_US,
           (double)st->srtt / SIM_US, (unsigned long long)st->cwr_sent,
           (unsigned long long)pc->max_queue[0], g, max_goodput_gbps(RATE_10G, 1460, 1500));
    CU_ASSERT_EQUAL(early, 0);
    CU_ASSERT(st->ece_rcvd > 2 * st->ecn_reductions); /* many ECEs, one reaction each */
    CU_ASSERT(pc->max_queue[0] < 100000);
    CU_ASSERT(g > 0.9 * max_goodput_gbps(RATE_10G, 1460, 1500));
    free(e);
    pair_free(&p);
}

/* ---- delayed ACKs ---- */

static void test_delayed_ack(void)
{
    /* bulk: one pure ACK per two segments */
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    const uint64_t bytes = 8ull << 20;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, NULL, NULL);
    sim_run_until(p.net.eng, 50 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    double ratio = (double)tcp_stats(p.sa.conn)->acks_sent / tcp_stats(p.cli)->data_segs_sent;
    CU_ASSERT(ratio > 0.49 && ratio < 0.51);
    /* a lone segment is acknowledged by the timer, 10 ms later */
    sim_time_t t0 = sim_now(p.net.eng);
    CU_ASSERT_EQUAL(tcp_send(p.cli, 100), 0);
    sim_run_until(p.net.eng, t0 + 9 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes + 100);
    CU_ASSERT_EQUAL(tcp_unacked(p.cli), 100);
    sim_run_until(p.net.eng, t0 + 11 * SIM_MS);
    CU_ASSERT_EQUAL(tcp_unacked(p.cli), 0);
    const struct tcp_stats *st = tcp_stats(p.cli);
    CU_ASSERT(st->t_all_acked - t0 >= TCP_DEFAULT_DELACK);
    CU_ASSERT(st->t_all_acked - t0 <= TCP_DEFAULT_DELACK + 10 * SIM_US);
    CU_ASSERT(tcp_stats(p.sa.conn)->delayed_acks >= 1);
    printf("\n    bulk: %.3f pure ACKs per segment; lone segment acked after %.3f ms\n", ratio,
           (double)(st->t_all_acked - t0) / SIM_MS);
    pair_free(&p);

    /* delack_segments 1: every segment acknowledged */
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.delack_segments = 1;
    p.ca.send_on_connect = bytes;
    pair_connect(&p, NULL, &s);
    sim_run_until(p.net.eng, 50 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    CU_ASSERT_EQUAL(tcp_stats(p.sa.conn)->acks_sent, tcp_stats(p.cli)->data_segs_sent);
    pair_free(&p);
}

/* ---- the receive window and its scaling ---- */

/* 10 Gb/s, 500 us RTT: a 64 KB window without scaling carries one
 * window per RTT; 4 MiB with a shift of 7 fills the link. */
static void test_window_scaling(void)
{
    struct pair p;
    pair_init(&p, RATE_10G, RATE_10G, 125 * SIM_US, NULL);
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.rcv_buf = 65535;
    uint64_t bytes = 8ull << 20;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 500 * SIM_MS);
    struct tcp_options o;
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.rcv_wscale, 0);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    const struct tcp_stats *st = tcp_stats(p.cli);
    double g_small = gbps(bytes, p.sa.t_done - st->t_first_send);
    double expect = 65535.0 * 8 / ((double)st->min_rtt / SIM_S) / 1e9;
    CU_ASSERT(g_small > 0.9 * expect && g_small < 1.05 * expect);
    pair_free(&p);

    pair_init(&p, RATE_10G, RATE_10G, 125 * SIM_US, NULL);
    s.rcv_buf = 4u << 20;
    bytes = 64ull << 20;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 500 * SIM_MS);
    tcp_options(p.cli, &o);
    CU_ASSERT_EQUAL(o.rcv_wscale, 7);
    CU_ASSERT_EQUAL(o.snd_wscale, 7);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    st = tcp_stats(p.cli);
    double g_big = gbps(bytes, p.sa.t_done - st->t_first_send);
    double ceiling = max_goodput_gbps(RATE_10G, 1460, 1500);
    printf("\n    RTT %.0f us: 64 KB window %.3f Gb/s (window/RTT %.3f); 4 MiB window (shift 7) "
           "%.3f Gb/s of %.3f\n",
           (double)st->min_rtt / SIM_US, g_small, expect, g_big, ceiling);
    CU_ASSERT(g_big > 0.9 * ceiling);
    pair_free(&p);
}

/* ---- close ---- */

/* The client sends 100 KB and closes at once; the server answers with
 * 2 MB and closes when the client's FIN arrives: half-close, then both
 * FINs, TIME_WAIT and CLOSED. */
static void test_fin_close(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.probe_period = 2 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.time_wait = 1 * SIM_S;
    p.ca.send_on_connect = 100000;
    p.ca.close_after_send = 1;
    p.sa.send_on_accept = 2000000;
    p.sa.close_on_peer_close = 1;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, 100000);
    CU_ASSERT_EQUAL(p.ca.delivered, 2000000);
    CU_ASSERT_EQUAL(p.sa.peer_closed, 1);
    CU_ASSERT_EQUAL(p.ca.peer_closed, 1);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_TIME_WAIT);
    CU_ASSERT_EQUAL(tcp_state(p.sa.conn), TCP_CLOSED);
    CU_ASSERT_EQUAL(p.sa.closed, 1);
    CU_ASSERT_EQUAL(p.sa.closed_err, 0);
    CU_ASSERT_EQUAL(p.ca.closed, 0);
    sim_run_until(p.net.eng, 2 * SIM_S);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_CLOSED);
    CU_ASSERT_EQUAL(p.ca.closed, 1);
    CU_ASSERT_EQUAL(p.ca.closed_err, 0);
    /* TIME_WAIT lasted time_wait from the server's FIN, which arrived half
     * a round trip before the last ACK closed the server */
    sim_time_t tw = tcp_stats(p.cli)->t_closed - tcp_stats(p.sa.conn)->t_closed;
    CU_ASSERT(tw <= s.time_wait && tw > s.time_wait - 10 * SIM_US);
    /* (the probe runs every 2 us: the handshake and the close right after
     * it are over before its first look) */
    static const enum tcp_state cli_states[] = {TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_TIME_WAIT,
                                                TCP_CLOSED};
    static const enum tcp_state srv_states[] = {TCP_ESTABLISHED, TCP_LAST_ACK, TCP_CLOSED};
    CU_ASSERT_EQUAL(p.ca.nseen, 4);
    for (int i = 0; i < 4 && i < p.ca.nseen; i++)
        CU_ASSERT_EQUAL(p.ca.seen[i], cli_states[i]);
    CU_ASSERT_EQUAL(p.sa.nseen, 3);
    for (int i = 0; i < 3 && i < p.sa.nseen; i++)
        CU_ASSERT_EQUAL(p.sa.seen[i], srv_states[i]);
    /* a closed connection refuses more */
    CU_ASSERT_EQUAL(tcp_send(p.cli, 1), -ENOTCONN);
    CU_ASSERT_EQUAL(tcp_close(p.cli), -ENOTCONN);
    pair_free(&p);
}

/* ---- random loss soak ---- */

struct soak_sum {
    uint64_t dropped, timeouts, fast_retrans, recoveries, retrans, ooo;
    int clean;
};

/* One seed: a connection with options drawn from the seed (NewReno or
 * CUBIC, SACK, timestamps, ECN, delayed ACKs or not, a 64 KB or 1 MiB
 * window, MTU 1500 or 9000) carries up to 3 MB each way (the server
 * answers once accepted) and both ends close, while 1 in `per` segments
 * each host sends is lost.  Both ends deliver exactly what the other
 * sent, hear every byte acknowledged, see the peer's FIN and close with
 * no error; tcp_check holds every 20 us. */
static void soak_tcp_one(uint64_t seed, uint64_t per, struct soak_sum *sum)
{
    struct sim_rng r;
    sim_rng_init(&r, seed, "tcp-soak");
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, (1 + sim_rng_below(&r, 10)) * SIM_US, NULL);
    p.probe_period = 20 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.cc = sim_rng_below(&r, 2) ? TCP_CC_CUBIC : TCP_CC_NEWRENO;
    s.sack_ok = (uint8_t)sim_rng_below(&r, 2);
    s.timestamps = (uint8_t)sim_rng_below(&r, 2);
    s.ecn = (uint8_t)sim_rng_below(&r, 2);
    s.delack_segments = sim_rng_below(&r, 2) ? 1 : 0;
    s.rcv_buf = sim_rng_below(&r, 2) ? 64 * 1024 : 0;
    s.mtu = sim_rng_below(&r, 4) ? 1500 : 9000;
    ipf_lossy_tcp(&s);
    uint64_t up = sim_rng_below(&r, 3u << 20), down = sim_rng_below(&r, 3u << 20);
    p.ca.send_on_connect = up;
    p.ca.close_after_send = 1;
    p.sa.send_on_accept = down;
    p.sa.close_on_peer_close = 1;
    struct ipf_loss la, lb;
    ipf_lose_tcp(p.a, &la, seed, "tcp-soak-a", per);
    ipf_lose_tcp(p.b, &lb, seed, "tcp-soak-b", per);
    pair_connect(&p, &s, &s);
    while (!(p.ca.closed && p.sa.closed) && sim_now(p.net.eng) < 600 * SIM_S)
        sim_run_until(p.net.eng, sim_now(p.net.eng) + 10 * SIM_MS);
    int ok = p.sa.conn && p.sa.delivered == up && p.ca.delivered == down && p.ca.acked == up &&
             p.sa.acked == down && p.ca.peer_closed == 1 && p.sa.peer_closed == 1 &&
             p.ca.closed == 1 && p.sa.closed == 1 && p.ca.closed_err == 0 &&
             p.sa.closed_err == 0 && p.probe_failures == 0;
    if (!ok)
        fprintf(stderr,
                "\n    seed %llu 1/%llu (%s sack %d ts %d ecn %d delack %u rcv_buf %u mtu %u): "
                "up %llu/%llu acked %llu, down %llu/%llu acked %llu, closed %d/%d err %d/%d, "
                "states %d/%d, check failures %d",
                (unsigned long long)seed, (unsigned long long)per,
                s.cc == TCP_CC_CUBIC ? "cubic" : "newreno", s.sack_ok, s.timestamps, s.ecn,
                s.delack_segments, s.rcv_buf, s.mtu, (unsigned long long)p.sa.delivered,
                (unsigned long long)up, (unsigned long long)p.ca.acked,
                (unsigned long long)p.ca.delivered, (unsigned long long)down,
                (unsigned long long)p.sa.acked, p.ca.closed, p.sa.closed, p.ca.closed_err,
                p.sa.closed_err, tcp_state(p.cli), p.sa.conn ? (int)tcp_state(p.sa.conn) : -1,
                p.probe_failures);
    CU_ASSERT(ok);
    sum->clean += ok;
    sum->dropped += p.a->hook_drops + p.b->hook_drops;
    const struct tcp_stats *st[2] = {tcp_stats(p.cli), p.sa.conn ? tcp_stats(p.sa.conn) : NULL};
    for (int i = 0; i < 2; i++) {
        if (!st[i])
            continue;
        sum->timeouts += st[i]->timeouts;
        sum->fast_retrans += st[i]->fast_retrans;
        sum->recoveries += st[i]->recoveries;
        sum->retrans += st[i]->retrans_segs;
        sum->ooo += st[i]->ooo_segs;
    }
    p.probe_failures = 0; /* counted above */
    pair_free(&p);
}

/* 40 seeds with 1 in 50 segments lost each way, 8 with 1 in 10. */
static void test_random_loss_soak(void)
{
    struct soak_sum sum = {0};
    const int seeds = 40, heavy = 8;
    for (int i = 1; i <= seeds + heavy; i++)
        soak_tcp_one((uint64_t)i, i <= seeds ? 50 : 10, &sum);
    printf("\n    %d of %d seeds clean; %llu segments dropped, %llu timeouts, %llu fast "
           "recoveries (%llu segments), %llu resent in all, %llu out of order\n",
           sum.clean, seeds + heavy, (unsigned long long)sum.dropped,
           (unsigned long long)sum.timeouts, (unsigned long long)sum.recoveries,
           (unsigned long long)sum.fast_retrans, (unsigned long long)sum.retrans,
           (unsigned long long)sum.ooo);
    CU_ASSERT_EQUAL(sum.clean, seeds + heavy);
    CU_ASSERT(sum.timeouts > 0 && sum.recoveries > 0 && sum.ooo > 0);
}

static void abort_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    CU_ASSERT_EQUAL(tcp_abort(ctx), 0);
}

/* tcp_abort sends a RST: the peer closes with -ECONNRESET. */
static void test_abort_rst(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    p.ca.send_on_connect = 64ull << 20;
    pair_connect(&p, NULL, NULL);
    sim_run_until(p.net.eng, 100 * SIM_US);
    CU_ASSERT_EQUAL(tcp_state(p.cli), TCP_ESTABLISHED);
    sim_schedule_in(p.net.eng, 1, abort_ev, p.cli, NULL);
    sim_run_until(p.net.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL(p.ca.closed_err, -ECONNABORTED);
    CU_ASSERT_EQUAL(p.sa.closed, 1);
    CU_ASSERT_EQUAL(p.sa.closed_err, -ECONNRESET);
    CU_ASSERT_EQUAL(tcp_state(p.sa.conn), TCP_CLOSED);
    CU_ASSERT_EQUAL(tcp_abort(p.cli), -ENOTCONN);
    pair_free(&p);
}

/* ---- cost in the steady state ---- */

struct cost_probe {
    struct pair *p;
    size_t pool_cap;
    uint64_t events, segs;
};

static void cost_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct cost_probe *c = ctx;
    c->pool_cap = frame_pool_capacity(c->p->net.pool);
    c->events = sim_event_count(eng);
    c->segs = tcp_stats(c->p->cli)->data_segs_sent;
}

/* After the first milliseconds nothing more is allocated (the frame pool
 * keeps its size) and a data segment costs a bounded number of events
 * (no timer churn: the RTO restarts on every ACK without scheduling). */
static void test_steady_state_cost(void)
{
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    const uint64_t bytes = 128ull << 20;
    p.ca.send_on_connect = bytes;
    p.sa.expect = bytes;
    pair_connect(&p, NULL, NULL);
    struct cost_probe c = {.p = &p};
    sim_schedule_at(p.net.eng, 5 * SIM_MS, cost_ev, &c, NULL);
    sim_run_until(p.net.eng, 100 * SIM_MS);
    CU_ASSERT_EQUAL(p.sa.delivered, bytes);
    const struct tcp_stats *st = tcp_stats(p.cli);
    double ev_per_seg = (double)(sim_event_count(p.net.eng) - c.events) /
                        (double)(st->data_segs_sent - c.segs);
    printf("\n    pool %zu frames at 5 ms, %zu at the end; %.2f events per data segment "
           "(2 cables, a switch, the ACKs)\n",
           c.pool_cap, frame_pool_capacity(p.net.pool), ev_per_seg);
    CU_ASSERT_EQUAL(frame_pool_capacity(p.net.pool), c.pool_cap);
    CU_ASSERT(ev_per_seg < 12.0);
    /* the sender's RTO was restarted on each of its ~23k ACKs, yet its
     * timer ran about once per min_rto of the transfer, and the
     * receiver's delayed-ACK timer about as often */
    sim_time_t dur = p.sa.t_done - st->t_first_send;
    uint64_t bound = dur / TCP_DEFAULT_MIN_RTO + 3;
    printf("    %.1f ms transfer: timer events %llu (sender), %llu (receiver) for %llu ACKs\n",
           (double)dur / SIM_MS, (unsigned long long)st->timer_events,
           (unsigned long long)tcp_stats(p.sa.conn)->timer_events,
           (unsigned long long)tcp_stats(p.sa.conn)->acks_sent);
    CU_ASSERT(st->timer_events <= bound);
    CU_ASSERT(tcp_stats(p.sa.conn)->timer_events <= dur / TCP_DEFAULT_DELACK + 3);
    pair_free(&p);
}

/* ---- the fast paths against the general path ---- */

/* One run as seen from outside: every frame either host sends (time,
 * host, bytes, payload length, trailer, metadata) folded into a hash, and
 * the end state of both connections and stacks. */
struct run_digest {
    uint64_t hash, frames;
    struct tcp_stats cli, srv;
    struct tcp_options cli_opt, srv_opt;
    enum tcp_state cli_state, srv_state;
    uint64_t delivered[2], acked[2];
    int closed[2];
    struct ipstack_counters ipc[2];
};

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static void digest_frame(void *ctx, struct ipf_host *h, const struct frame *f,
                         const struct pkt_info *pi)
{
    (void)pi;
    struct run_digest *d = ctx;
    sim_time_t now = sim_now(h->net->eng);
    uint64_t meta[5] = {(uint64_t)now, (uint64_t)h->idx, f->payload_len, f->flow_id,
                        (uint64_t)f->priority << 16 | f->flags};
    d->hash = fnv1a(d->hash, meta, sizeof meta);
    d->hash = fnv1a(d->hash, frame_cdata(f), f->len);
    d->hash = fnv1a(d->hash, f->trailer, f->trailer_len);
    d->frames++;
}

/* A scenario the fast paths must not change. */
struct equiv_case {
    const char *name;
    uint8_t version;          /* 4, or 6 (link-local: the layered path both times) */
    uint8_t ts, ecn, sack, dscp;
    uint32_t rcv_buf;         /* 0: default (scaled window); <= 65535: scale 0 */
    uint32_t delack_segments; /* 0: default */
    uint32_t mss;             /* 0: from the MTU */
    uint32_t drop_every;      /* the client loses data segments n, 2n, ... (0: none) */
    uint32_t drop_burst;      /* ... and the burst - 1 after each (an RTO) */
    int mark;                 /* the switch marks CE above 30 kB (the server is slower) */
    uint64_t up, down;        /* bytes client -> server, server -> client */
    int close;                /* both ends close: FINs, TIME_WAIT */
    sim_time_t ttl_at;        /* the client's TTL changes then (0: never) */
    sim_time_t abort_at;      /* the client aborts then: RST (0: never) */
    uint32_t record;          /* the client sends records of this size (0: none) */
    uint64_t plain_before, plain_after; /* of up: plain bytes before, after the records */
};

struct equiv_run {
    const struct equiv_case *k;
    struct pair p;
    struct run_digest d;
    uint64_t data_segs;
};

static int equiv_drop(void *ctx, struct ipf_host *h, const struct frame *f,
                      const struct pkt_info *pi)
{
    (void)h;
    (void)f;
    struct equiv_run *r = ctx;
    if (!(pi->layers & PKT_HAS_TCP) || !pi->l5_len)
        return 0;
    r->data_segs++;
    uint32_t every = r->k->drop_every, burst = r->k->drop_burst ? r->k->drop_burst : 1;
    return every && r->data_segs % every < burst && r->data_segs >= every;
}

static void equiv_ttl_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct ipf_host *h = ctx;
    const uint8_t mac[PKT_ETH_ALEN] = {0x02, 0, 0, 0, 0x01, (uint8_t)(h->idx + 1)};
    struct ipstack_settings is;
    ipstack_settings_default(&is, "h0/eth0", mac);
    is.has_ipv4 = 1;
    memcpy(is.ipv4, h->ip, 4);
    is.ipv4_prefix_len = 24;
    is.hop_limit = 17;
    CU_ASSERT_EQUAL(ipstack_reconfigure(h->stack, &is), 0);
}

static void equiv_abort_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    CU_ASSERT_EQUAL(tcp_abort(ctx), 0);
}

static void equiv_run(const struct equiv_case *k, int general, struct run_digest *out)
{
    struct equiv_run *r = calloc(1, sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    r->k = k;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", IPF_MAX);
    if (k->mark) {
        ss.ecn_enabled = 0x01;
        ss.ecn[0] = (struct switch_ecn){.kmin = 30000, .kmax = 30000, .pmax = 1.0};
    }
    pair_init(&r->p, RATE_25G, k->mark ? RATE_10G : RATE_25G, CABLE, &ss);
    r->p.probe_period = 20 * SIM_US;
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.timestamps = k->ts;
    s.ecn = k->ecn;
    s.sack_ok = k->sack;
    s.dscp = k->dscp;
    s.mss = k->mss;
    if (k->rcv_buf)
        s.rcv_buf = k->rcv_buf;
    if (k->delack_segments)
        s.delack_segments = k->delack_segments;
    s.general_path = (uint8_t)general;
    s.flow_id = 7;
    s.priority = 3;
    r->p.ca.send_on_connect = k->up - k->plain_before - k->plain_after;
    r->p.ca.record = k->record;
    r->p.ca.plain_before = k->plain_before;
    r->p.ca.plain_after = k->plain_after;
    r->p.sa.send_on_accept = k->down;
    r->p.ca.close_on_peer_close = r->p.sa.close_on_peer_close = k->close;
    r->p.ca.close_after_send = k->close;
    r->p.a->drop = equiv_drop;
    r->p.a->drop_ctx = r;
    r->p.a->observe = r->p.b->observe = digest_frame;
    r->p.a->observe_ctx = r->p.b->observe_ctx = &r->d;
    r->d.hash = 14695981039346656037ull;
    if (k->version == 6) {
        r->p.lis = tcp_listen(r->p.net.eng, r->p.net.pool, r->p.b->stack, TCP_PORT, &s,
                              app_accept, &r->p.sa);
        r->p.cli = tcp_connect(r->p.net.eng, r->p.net.pool, r->p.a->stack, &s, 6,
                               ipstack_ipv6_link_local(r->p.b->stack), TCP_PORT, &app_cb,
                               &r->p.ca);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->p.lis);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->p.cli);
        sim_schedule_in(r->p.net.eng, r->p.probe_period, probe_ev, &r->p, NULL);
    } else {
        pair_connect(&r->p, &s, &s);
    }
    if (k->ttl_at)
        sim_schedule_at(r->p.net.eng, k->ttl_at, equiv_ttl_ev, r->p.a, NULL);
    if (k->abort_at)
        sim_schedule_at(r->p.net.eng, k->abort_at, equiv_abort_ev, r->p.cli, NULL);
    sim_run_until(r->p.net.eng, 40 * SIM_MS);
    struct run_digest *d = &r->d;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->p.sa.conn);
    d->cli = *tcp_stats(r->p.cli);
    d->srv = *tcp_stats(r->p.sa.conn);
    tcp_options(r->p.cli, &d->cli_opt);
    tcp_options(r->p.sa.conn, &d->srv_opt);
    d->cli_state = tcp_state(r->p.cli);
    d->srv_state = tcp_state(r->p.sa.conn);
    d->delivered[0] = r->p.ca.delivered;
    d->delivered[1] = r->p.sa.delivered;
    d->acked[0] = r->p.ca.acked;
    d->acked[1] = r->p.sa.acked;
    d->closed[0] = r->p.ca.closed;
    d->closed[1] = r->p.sa.closed;
    d->ipc[0] = *ipstack_counters(r->p.a->stack);
    d->ipc[1] = *ipstack_counters(r->p.b->stack);
    *out = *d;
    pair_free(&r->p);
    free(r);
}

/* The IPv4 header template (segments copied from per-connection headers
 * with their fields and checksums written in) against the layered build
 * (tcp_settings.general_path): every frame both hosts send, byte for
 * byte and at the same time, and the end state of both connections and
 * stacks, over options, flags (PSH, FIN, RST, ECE, CWR), ECT, window
 * scaling or none, losses (out of order, duplicate ACKs, fast retransmit,
 * RTO), padded short segments, a TTL change mid-run (the template is
 * rebuilt), IPv6 (layered both times), records (segments end at record
 * boundaries) before, after and between plain bytes, and every segment
 * state and flag through input__ (the ESTABLISHED ACK shortcut against
 * the full dispatch). */
static void test_fast_path_equivalence(void)
{
    static const struct equiv_case cases[] = {
        {.name = "plain", .version = 4, .up = 4u << 20},
        {.name = "both ways, close", .version = 4, .up = 3u << 20, .down = 2u << 20,
         .close = 1},
        {.name = "timestamps, sack, losses", .version = 4, .ts = 1, .sack = 1, .up = 8u << 20,
         .drop_every = 97},
        {.name = "loss burst, no scaling", .version = 4, .rcv_buf = 65535, .up = 4u << 20,
         .drop_every = 1500, .drop_burst = 40},
        {.name = "tail loss: RTO", .version = 4, .ts = 1, .up = 4u << 20, .drop_every = 2889,
         .drop_burst = 9},
        {.name = "abort: RST", .version = 4, .up = 64u << 20, .abort_at = 3 * SIM_MS},
        {.name = "ECN marks, timestamps", .version = 4, .ts = 1, .ecn = 1, .mark = 1,
         .up = 8u << 20, .down = 1u << 20},
        {.name = "ECN, losses, dscp, ack every segment", .version = 4, .ecn = 1, .mark = 1,
         .dscp = 46, .delack_segments = 1, .up = 6u << 20, .drop_every = 211},
        {.name = "tiny MSS, short segments padded", .version = 4, .mss = 4, .ts = 0,
         .up = 20000, .down = 7000, .close = 1},
        {.name = "TTL change", .version = 4, .ts = 1, .up = 8u << 20, .ttl_at = 2 * SIM_MS},
        {.name = "IPv6", .version = 6, .ts = 1, .up = 2u << 20, .drop_every = 301},
        {.name = "records, then plain bytes", .version = 4, .up = 3u << 20, .record = 4000,
         .plain_after = 1u << 20, .drop_every = 173},
        {.name = "plain bytes, then records", .version = 4, .ts = 1, .up = 3u << 20,
         .record = 1000, .plain_before = 1500001, .close = 1},
        {.name = "plain, records, plain; losses", .version = 4, .up = 4u << 20,
         .record = 16385, .plain_before = 777777, .plain_after = 999999, .drop_every = 89},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run_digest *fast = calloc(1, sizeof *fast), *gen = calloc(1, sizeof *gen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
        CU_ASSERT_PTR_NOT_NULL_FATAL(gen);
        equiv_run(&cases[i], 0, fast);
        equiv_run(&cases[i], 1, gen);
        int same = memcmp(fast, gen, sizeof *fast) == 0;
        printf("\n    %-38s %6llu frames, %4llu ooo, %3llu dup ACKs, %3llu retrans, %3llu RTO, "
               "%4llu ECE: %s",
               cases[i].name, (unsigned long long)fast->frames,
               (unsigned long long)fast->srv.ooo_segs, (unsigned long long)fast->cli.dup_acks,
               (unsigned long long)fast->cli.retrans_segs,
               (unsigned long long)fast->cli.timeouts, (unsigned long long)fast->cli.ece_rcvd,
               same ? "same" : "DIFFERENT");
        CU_ASSERT(same);
        CU_ASSERT(fast->frames > 0);
        if (!cases[i].abort_at)
            CU_ASSERT_EQUAL(fast->delivered[1], cases[i].up);
        CU_ASSERT_EQUAL(fast->delivered[0], cases[i].down);
        free(fast);
        free(gen);
    }
    printf("\n");
}

/* ---- the frames as tshark decodes them ---- */

#define TSHARK_OUT_MAX (8u << 20)

/* Handshake with every option and ECN, data both ways, half-close and
 * FIN/ACK exchange, captured at the client's cable: zero malformed
 * frames, zero expert errors, good checksums. */
static void test_tshark_decode(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: decode check skipped\n");
        return;
    }
    char dir[512], path[600], cmd[1400];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/tcp.pcapng", dir);
    struct pair p;
    pair_init(&p, RATE_25G, RATE_25G, CABLE, NULL);
    struct pcapng_writer *w = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    link_capture(p.a->link, 0, w, pcapng_add_interface(w, "h0/eth0", 0));
    struct tcp_settings s;
    tcp_settings_default(&s);
    s.sack_ok = 1;
    s.timestamps = 1;
    s.ecn = 1;
    s.time_wait = 1 * SIM_S;
    p.ca.send_on_connect = 20000;
    p.ca.close_after_send = 1;
    p.sa.send_on_accept = 5000;
    p.sa.close_on_peer_close = 1;
    pair_connect(&p, &s, &s);
    sim_run_until(p.net.eng, 2 * SIM_S);
    CU_ASSERT_EQUAL(p.sa.delivered, 20000);
    CU_ASSERT_EQUAL(p.ca.delivered, 5000);
    CU_ASSERT_EQUAL(p.ca.closed, 1);
    CU_ASSERT_EQUAL(p.sa.closed, 1);
    uint64_t npkts = pcapng_packet_count(w);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    pair_free(&p);

    char *out = test_tshark_clean(path,
                                  "-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
                                  "-o tcp.analyze_sequence_numbers:TRUE",
                                  TSHARK_OUT_MAX);
    CU_ASSERT_PTR_NULL(strstr(out, "checksum status: Bad"));
    static const char *const expect[] = {
        "Flags: 0x0c2 (SYN, ECE, CWR)",
        "Flags: 0x052 (SYN, ACK, ECE)",
        "Maximum segment size: 1460 bytes",
        "Window scale: 5 (multiply by 32)",
        "TCP Option - SACK permitted",
        "Timestamps: TSval",
        "Flags: 0x018 (PSH, ACK)",
        "Flags: 0x011 (FIN, ACK)",
        "Flags: 0x019 (FIN, PSH, ACK)",
        "Explicit Congestion Notification: ECN-Capable Transport codepoint '10' (2)",
        "[Header checksum status: Good]",
        "[Checksum Status: Good]",
        "[Calculated window size: 1048576]",
        "Don't fragment: Set",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (!strstr(out, expect[i]))
            fprintf(stderr, "tshark output lacks \"%s\"\n", expect[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, expect[i]));
    }
    /* every captured frame decoded as TCP */
    snprintf(cmd, sizeof cmd, "tshark -n -r '%s' -Y 'tcp' 2>/dev/null | wc -l", path);
    CU_ASSERT_EQUAL(test_run(cmd, out, TSHARK_OUT_MAX), 0);
    printf("\n    %llu frames captured, %llu decoded as TCP\n", (unsigned long long)npkts,
           strtoull(out, NULL, 10));
    CU_ASSERT_EQUAL(strtoull(out, NULL, 10), npkts - 2); /* all but the ARP pair */
    free(out);
}

int suite_tcp(void)
{
    CU_pSuite s = test_suite("tcp");
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"handshake_options", test_handshake_options},
        {"mss_mtu", test_mss_mtu},
        {"goodput_25g", test_goodput_25g},
        {"fast_retransmit", test_fast_retransmit},
        {"rto_backoff", test_rto_backoff},
        {"rto_abort", test_rto_abort},
        {"syn_timeout", test_syn_timeout},
        {"syn_lost", test_syn_lost},
        {"newreno_vs_cubic", test_newreno_vs_cubic},
        {"ecn_echo", test_ecn_echo},
        {"delayed_ack", test_delayed_ack},
        {"window_scaling", test_window_scaling},
        {"fin_close", test_fin_close},
        {"abort_rst", test_abort_rst},
        {"random_loss_soak", test_random_loss_soak},
        {"steady_state_cost", test_steady_state_cost},
        {"fast_path_equivalence", test_fast_path_equivalence},
        {"tshark_decode", test_tshark_decode},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
