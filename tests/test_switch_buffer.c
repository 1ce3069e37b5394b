/* test_switch_buffer: the switch's buffer, ECN, PFC watchdog and MAC table
 * limits, measured with raw hosts (test_switch.c covers incast, headroom
 * overflow, HOL blocking, ETS and basic learning):
 *  - where XOFF triggers: static bytes, or alpha x free shared buffer
 *    (lower when two ingress ports fill the buffer at once);
 *  - the lossy limit: static, or dynamic (alpha x free buffer, shared by
 *    the congested queues);
 *  - ECN RED marking of IPv4/UDP frames against the queue depth each one
 *    met: never below Kmin, always above Kmax (ECT only), the RED
 *    probability between;
 *  - the PFC watchdog (off by default; drain and ignore) against a NIC in
 *    a pause storm, and its restore after the storm;
 *  - MAC table capacity, static entries, flush on carrier loss;
 *  - switch_headroom() against hand-computed values. */
#include "test_util.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"
#include "test_fixture.h"

#define G1 1000000000ULL
#define G10 10000000000ULL
#define G25 25000000000ULL
#define G100 100000000000ULL
#define G400 400000000000ULL
#define REACT (1000 * SIM_NS)

static void static_macs(struct sw *sw, int n, uint16_t vlan)
{
    for (int i = 0; i < n; i++) {
        uint8_t mac[6];
        fx_mac(i, mac);
        CU_ASSERT_EQUAL(switch_add_static(sw, vlan, mac, (uint32_t)i + 1), 0);
    }
}

static uint64_t drops(struct sw *sw, uint32_t nports, enum trace_drop_reason r)
{
    uint64_t n = 0;
    for (uint32_t p = 1; p <= nports; p++)
        n += switch_port_counters(sw, p)->drops[r];
    return n;
}

static uint64_t drops_all(struct sw *sw, uint32_t nports)
{
    uint64_t n = 0;
    for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
        n += drops(sw, nports, (enum trace_drop_reason)r);
    return n;
}

/* A fixed-rate tagged flow from host a to host b starting at `start`. */
static void flow_at(struct fx *fx, int a, int b, uint64_t rate, uint32_t size, uint8_t pcp,
                    sim_time_t start, sim_time_t stop)
{
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = size, .rate_bps = rate,
                              .tagged = 1, .vid = 1, .pcp = pcp, .start = start, .stop = stop,
                              .flow_id = (uint64_t)(a * 100 + b)};
    fx_mac(b, fl.dst);
    CU_ASSERT_EQUAL_FATAL(rawhost_start(fx->host[a], &fl), 0);
}

static long long db_value(const char *dir, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    long long n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* ---- a flood holds its bytes once ------------------------------------- */

/* Host 0 floods (a destination nobody has), 10 Gb/s of 1500-byte frames on
 * lossless priority 3, into three 1 Gb/s ports: each frame is stored once,
 * so the ingress port holds a third of what the three egress queues hold
 * (within the frame on each line), XOFF comes at xoff such bytes, and the
 * headroom is never overrun.  Counted once per copy it was three times that
 * and the headroom overflowed. */
static void test_flood_counted_once(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.pfc_enabled = 0x08;
    ss.xoff = 96 * 1024;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, i ? G1 : G10, 3, 0x08);
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 1500, .rate_bps = G10,
                              .tagged = 1, .vid = 1, .pcp = 3, .flow_id = 1};
    const uint8_t nobody[6] = {0x02, 0xee, 0, 0, 0, 0x99};
    memcpy(fl.dst, nobody, 6);
    CU_ASSERT_EQUAL_FATAL(rawhost_start(fx.host[0], &fl), 0);
    int checked = 0;
    for (sim_time_t t = 100 * SIM_US; t <= 2 * SIM_MS; t += 100 * SIM_US) {
        sim_run_until(fx.eng, t);
        uint64_t q = 0;
        for (uint32_t p = 2; p <= 4; p++)
            q += switch_queue_bytes(sw, p, 3);
        uint64_t in = switch_ingress_bytes(sw, 1, 3);
        uint64_t wire = 1500 + 4; /* the frame with its FCS */
        CU_ASSERT(in * 3 >= q && in * 3 <= q + 3 * wire);
        checked += q > 100000;
    }
    CU_ASSERT(checked > 5);
    CU_ASSERT(switch_port_counters(sw, 1)->pfc_tx[3] > 0);
    CU_ASSERT_EQUAL(drops(sw, 4, TRACE_DROP_HEADROOM_OVERFLOW), 0);
    CU_ASSERT_EQUAL(drops_all(sw, 4), 0);
    fx_free(&fx);
}

/* ---- where XOFF triggers -------------------------------------------- */

/* Senders on ports 1 (and 3) at 10G line rate into receivers on ports 2
 * (and 4) at 1 Gb/s, priority 3, 1 MB of buffer.  Steps 10 ns at a time
 * and returns port 1's ingress bytes when its first XOFF went out. */
static uint64_t xoff_point(enum switch_threshold_mode mode, int two)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.buffer = 1000000;
    ss.pfc_enabled = 0x08;
    ss.xoff_mode = mode;
    ss.xoff = 111111;
    ss.xoff_alpha = 0.125;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, i % 2 ? G1 : G10, 3, 0x08);
    static_macs(sw, 4, 1);
    flow_at(&fx, 0, 1, G10, 1500, 3, 0, 0);
    if (two) /* 500 ns later, so arrivals never coincide */
        flow_at(&fx, 2, 3, G10, 1500, 3, 500 * SIM_NS, 0);
    uint64_t at = 0;
    for (sim_time_t t = 10 * SIM_NS; t < 1 * SIM_MS; t += 10 * SIM_NS) {
        sim_run_until(fx.eng, t);
        if (switch_port_counters(sw, 1)->pfc_tx[3]) {
            at = switch_ingress_bytes(sw, 1, 3);
            break;
        }
    }
    fx_free(&fx);
    return at;
}

/* Dynamic, one port filling: XOFF once I >= 0.125 x (B - (I - 1500)),
 * i.e. I >= 111,278 (the frame that triggers was admitted against the
 * free buffer before it).  Two ports filling at once: each at about
 * 0.125 x (B - 2 I), i.e. 100,000.  Static: 111,111 either way. */
static void test_dynamic_vs_static_xoff(void)
{
    uint64_t dyn1 = xoff_point(SWITCH_THRESH_DYNAMIC, 0);
    uint64_t dyn2 = xoff_point(SWITCH_THRESH_DYNAMIC, 1);
    uint64_t st1 = xoff_point(SWITCH_THRESH_STATIC, 0);
    uint64_t st2 = xoff_point(SWITCH_THRESH_STATIC, 1);
    fprintf(stderr, "\n    XOFF at ingress bytes: dynamic %llu (one port) %llu (two), static "
                    "%llu / %llu\n",
            (unsigned long long)dyn1, (unsigned long long)dyn2, (unsigned long long)st1,
            (unsigned long long)st2);
    CU_ASSERT(dyn1 >= 111278 && dyn1 < 111278 + 1500);
    CU_ASSERT(dyn2 >= 99000 && dyn2 < 102000);
    CU_ASSERT(st1 >= 111111 && st1 < 111111 + 1500);
    CU_ASSERT(st2 >= 111111 && st2 < 111111 + 1500);
}

/* ---- lossy limits --------------------------------------------------- */

/* 10G senders into 1G receivers on priority 0 (lossy), 600 kB of
 * buffer, 1500 B frames; returns the largest queue at port 2. */
static uint64_t lossy_peak(enum switch_threshold_mode mode, double alpha, uint32_t limit, int two,
                           uint64_t *peak4, uint64_t *dropped, uint64_t *lost)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.buffer = 600000;
    ss.lossy_mode = mode;
    ss.lossy_alpha = alpha;
    ss.lossy_limit = limit;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, i % 2 ? G1 : G10, 3, 0);
    static_macs(sw, 4, 1);
    flow_at(&fx, 0, 1, G10, 1500, 0, 0, 1 * SIM_MS);
    if (two)
        flow_at(&fx, 2, 3, G10, 1500, 0, 500 * SIM_NS, 1 * SIM_MS);
    sim_run_until(fx.eng, 20 * SIM_MS); /* everything admitted has drained */
    uint64_t peak = switch_port_counters(sw, 2)->max_queue[0];
    *peak4 = switch_port_counters(sw, 4)->max_queue[0];
    *dropped = drops(sw, 4, TRACE_DROP_LOSSY_QUEUE_FULL);
    *lost = 0;
    for (int s = 0; s < 4; s += 2)
        *lost += rawhost_stats(fx.host[s])->tx_frames - fx_rx(&fx, s + 1, s);
    CU_ASSERT_EQUAL(drops_all(sw, 4), *dropped);
    for (uint32_t p = 1; p <= 4; p++)
        for (int q = 0; q < 8; q++)
            CU_ASSERT_EQUAL(switch_port_counters(sw, p)->pfc_tx[q], 0);
    fx_free(&fx);
    return peak;
}

/* Frames are admitted while q + 1500 <= alpha x (B - q') with q' the
 * bytes in all congested queues (the shared buffer in use):
 *   alpha 1, one queue:   q + 1500 <= 600,000 - q  -> 200 frames, 300,000 B
 *   alpha 0.5, one queue: q + 1500 <= 300,000 - q/2 -> 133 frames, 199,500 B
 *   alpha 1, two queues:  q + 1500 <= 600,000 - 2q -> about 200,000 B each
 *   static 100,000:       66 frames, 99,000 B */
static void test_lossy_dynamic_shares_buffer(void)
{
    uint64_t p4, p4_two, dropped, lost;
    uint64_t one = lossy_peak(SWITCH_THRESH_DYNAMIC, 1.0, 0, 0, &p4, &dropped, &lost);
    CU_ASSERT_EQUAL(one, 300000);
    CU_ASSERT(dropped > 0);
    CU_ASSERT_EQUAL(dropped, lost); /* every frame missing was a counted drop */
    uint64_t half = lossy_peak(SWITCH_THRESH_DYNAMIC, 0.5, 0, 0, &p4, &dropped, &lost);
    CU_ASSERT_EQUAL(half, 199500);
    CU_ASSERT_EQUAL(dropped, lost);
    uint64_t two = lossy_peak(SWITCH_THRESH_DYNAMIC, 1.0, 0, 1, &p4, &dropped, &lost);
    CU_ASSERT(two >= 195000 && two <= 201500);
    CU_ASSERT(p4 >= 195000 && p4 <= 201500);
    CU_ASSERT(two + p4 <= 600000);
    CU_ASSERT_EQUAL(dropped, lost);
    p4_two = p4;
    uint64_t st = lossy_peak(SWITCH_THRESH_STATIC, 1.0, 100000, 1, &p4, &dropped, &lost);
    CU_ASSERT_EQUAL(st, 99000);
    CU_ASSERT_EQUAL(p4, 99000);
    CU_ASSERT_EQUAL(dropped, lost);
    fprintf(stderr, "\n    lossy peaks: alpha 1 %llu, alpha 0.5 %llu, two queues %llu + %llu, "
                    "static %llu\n",
            (unsigned long long)one, (unsigned long long)half, (unsigned long long)two,
            (unsigned long long)p4_two, (unsigned long long)st);
}

/* ---- ECN ------------------------------------------------------------ */

#define ECN_KMIN 10000
#define ECN_KMAX 110000
#define ECN_PMAX 0.2
#define ECN_FRAMES 1300 /* per cycle: queue depths 0 .. 129,900 B */
#define ECN_CYCLES 6
#define ECN_WIRE 100

struct ecn_rx {
    int n;
    uint8_t ecn[ECN_CYCLES][ECN_FRAMES];
    uint8_t seen[ECN_CYCLES][ECN_FRAMES];
    int bad; /* unexpected frames */
};

static void ecn_rx_fn(void *ctx, struct nic *nic, struct frame *f)
{
    (void)nic;
    struct ecn_rx *r = ctx;
    struct pkt_l2 l2;
    uint8_t dscp, ecn;
    if (pkt_l2(f, &l2) != 0 || l2.ethertype != PKT_ETH_P_IPV4 || f->len < l2.l3_off + 6 ||
        pkt_ip_get_ds(f, &dscp, &ecn) != 0) {
        r->bad++;
        frame_unref(f);
        return;
    }
    uint16_t id = pkt_rd16(frame_cdata(f) + l2.l3_off + 4);
    int cycle = id / ECN_FRAMES, k = id % ECN_FRAMES;
    if (cycle >= ECN_CYCLES || r->seen[cycle][k])
        r->bad++;
    else {
        r->seen[cycle][k] = 1;
        r->ecn[cycle][k] = ecn;
        r->n++;
    }
    frame_unref(f);
}

/* Frame k of a cycle: ECT(0), except every fourth one Not-ECT. */
static int ecn_is_ect(int k) { return k % 4 != 3; }

static struct frame *udp_frame(struct fx *fx, int cycle, int k)
{
    struct frame *f = frame_alloc(fx->pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct pkt_l2_spec l2 = {.tagged = 1, .pcp = 3, .vid = 1};
    fx_mac(1, l2.dst);
    fx_mac(0, l2.src);
    struct pkt_ip_spec ip = {.version = 4, .ttl = 64,
                             .ecn = ecn_is_ect(k) ? PKT_ECN_ECT0 : PKT_ECN_NOT_ECT,
                             .id = (uint16_t)(cycle * ECN_FRAMES + k),
                             .src = {10, 0, 0, 1}, .dst = {10, 0, 0, 2}};
    /* 18 (Ethernet + tag) + 20 (IPv4) + 8 (UDP) + payload = ECN_WIRE */
    CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, 4791, 4791, ECN_WIRE - 46), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), ECN_WIRE);
    return f;
}

/* The receiver's pause storm holds the switch's queue toward it, so no
 * frame leaves while a burst arrives: frame k of a burst meets exactly
 * k x 100 B in the queue.  Then the storm stops, the queue drains, and the
 * receiver reads each frame's ECN field.  Six cycles. */
static void test_ecn_red_marking(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 2);
    ss.pfc_enabled = 0x08;
    ss.xoff = 4000000; /* the sender is never paused */
    ss.ecn_enabled = 0x08;
    ss.ecn[3] = (struct switch_ecn){ECN_KMIN, ECN_KMAX, ECN_PMAX};
    ss.seed = 11;
    struct sw *sw = fx_switch(&fx, &ss);
    fx_host(&fx, sw, 1, G10, 3, 0x08);
    fx_host(&fx, sw, 2, G10, 3, 0x08);
    static_macs(sw, 2, 1);
    static struct ecn_rx rx;
    memset(&rx, 0, sizeof rx);
    nic_set_rx_handler(fx.nic[1], ecn_rx_fn, &rx);
    sim_time_t t = 0;
    for (int c = 0; c < ECN_CYCLES; c++) {
        nic_pause_storm(fx.nic[1], 0x08, 1);
        t += 10 * SIM_US;
        sim_run_until(fx.eng, t);
        for (int k = 0; k < ECN_FRAMES; k++)
            CU_ASSERT_EQUAL(nic_send(fx.nic[0], udp_frame(&fx, c, k)), 0);
        t += 200 * SIM_US; /* 1300 x 99.2 ns = 129 us on the wire */
        sim_run_until(fx.eng, t);
        CU_ASSERT_EQUAL(switch_queue_bytes(sw, 2, 3), (uint64_t)ECN_FRAMES * ECN_WIRE);
        nic_pause_storm(fx.nic[1], 0x08, 0);
        t += 300 * SIM_US;
        sim_run_until(fx.eng, t);
        CU_ASSERT_EQUAL(switch_queue_bytes(sw, 2, 3), 0);
    }
    CU_ASSERT_EQUAL(rx.bad, 0);
    CU_ASSERT_EQUAL(rx.n, ECN_CYCLES * ECN_FRAMES);
    /* Bins of queue depth between Kmin and Kmax: marked vs expected. */
    enum { NBIN = 4 };
    double expect[NBIN] = {0}, var[NBIN] = {0};
    int marked[NBIN] = {0}, samples[NBIN] = {0};
    int below_marked = 0, above_ect = 0, above_marked = 0, notect_marked = 0, ce_total = 0;
    for (int c = 0; c < ECN_CYCLES; c++) {
        for (int k = 0; k < ECN_FRAMES; k++) {
            uint64_t q = (uint64_t)k * ECN_WIRE;
            int ce = rx.ecn[c][k] == PKT_ECN_CE;
            ce_total += ce;
            if (!ecn_is_ect(k)) {
                CU_ASSERT_EQUAL(rx.ecn[c][k], PKT_ECN_NOT_ECT);
                notect_marked += ce;
                continue;
            }
            CU_ASSERT(rx.ecn[c][k] == PKT_ECN_ECT0 || ce);
            if (q <= ECN_KMIN) {
                below_marked += ce;
            } else if (q >= ECN_KMAX) {
                above_ect++;
                above_marked += ce;
            } else {
                double p = ECN_PMAX * (double)(q - ECN_KMIN) / (ECN_KMAX - ECN_KMIN);
                int b = (int)((q - ECN_KMIN) * NBIN / (ECN_KMAX - ECN_KMIN));
                expect[b] += p;
                var[b] += p * (1 - p);
                marked[b] += ce;
                samples[b]++;
            }
        }
    }
    CU_ASSERT_EQUAL(below_marked, 0);
    CU_ASSERT_EQUAL(notect_marked, 0);
    CU_ASSERT(above_ect > 500);
    CU_ASSERT_EQUAL(above_marked, above_ect);
    CU_ASSERT_EQUAL(switch_port_counters(sw, 2)->ecn_marked[3], (uint64_t)ce_total);
    fprintf(stderr, "\n    ECN between Kmin and Kmax (marked / expected):");
    for (int b = 0; b < NBIN; b++) {
        double sd = sqrt(var[b]);
        fprintf(stderr, " %d/%.1f", marked[b], expect[b]);
        /* Within 4 standard deviations of the RED expectation. */
        CU_ASSERT(fabs(marked[b] - expect[b]) <= 4 * sd);
        CU_ASSERT(samples[b] > 500);
    }
    fprintf(stderr, "\n");
    fx_free(&fx);
}

/* ---- PFC watchdog --------------------------------------------------- */

struct wd_result {
    uint64_t sent, rx_at_10ms, rx_end;
    uint64_t drained;            /* port 2 drops (reason other) */
    uint64_t other_drops;
    sim_time_t paused_at_10ms;   /* switch port 2, priority 3 */
    sim_time_t sender_paused_3ms, sender_paused_end;
    long long trip_at, restore_at; /* trace notes, -1 if none */
};

#define WD_DETECT (2 * SIM_MS)
#define WD_STORM_ON (100 * SIM_US)
#define WD_STORM_OFF (10 * SIM_MS)
#define WD_PFC_LATENCY (67200 + 15 * SIM_NS) /* a PFC frame over 3 m at 10G */

/* h0 sends 1 Gb/s on priority 3 to h1 from 0 to 14 ms; h1 storms from
 * 100 us to 10 ms. */
static void wd_run(enum switch_watchdog_action action, struct wd_result *r)
{
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    struct fx fx;
    fx_init(&fx, dir);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 2);
    CU_ASSERT_EQUAL(ss.wd_action, SWITCH_WD_OFF); /* off by default */
    ss.pfc_enabled = 0x08;
    ss.wd_action = action;
    ss.wd_detect = WD_DETECT;
    struct sw *sw = fx_switch(&fx, &ss);
    fx_host(&fx, sw, 1, G10, 3, 0x08);
    fx_host(&fx, sw, 2, G10, 3, 0x08);
    static_macs(sw, 2, 1);
    flow_at(&fx, 0, 1, G1, 1500, 3, 0, 14 * SIM_MS);
    sim_run_until(fx.eng, WD_STORM_ON);
    nic_pause_storm(fx.nic[1], 0x08, 1);
    sim_run_until(fx.eng, 3 * SIM_MS);
    r->sender_paused_3ms = nic_paused_time(fx.nic[0], 3);
    sim_run_until(fx.eng, WD_STORM_OFF);
    r->rx_at_10ms = fx_rx(&fx, 1, 0);
    r->paused_at_10ms = switch_paused_time(sw, 2, 3);
    nic_pause_storm(fx.nic[1], 0x08, 0);
    sim_run_until(fx.eng, 20 * SIM_MS);
    r->sent = rawhost_stats(fx.host[0])->tx_frames;
    r->rx_end = fx_rx(&fx, 1, 0);
    r->drained = switch_port_counters(sw, 2)->drops[TRACE_DROP_OTHER];
    r->other_drops = drops_all(sw, 2) - r->drained;
    r->sender_paused_end = nic_paused_time(fx.nic[0], 3);
    CU_ASSERT_EQUAL(nic_tx_backlog(fx.nic[0], 3), 0);
    fx_free(&fx);
    r->trip_at = db_value(dir, "SELECT min(time_ps) FROM events_v WHERE kind = 'note' AND "
                               "reason = 'pfc_watchdog_storm'");
    r->restore_at = db_value(dir, "SELECT min(time_ps) FROM events_v WHERE kind = 'note' AND "
                                  "reason = 'pfc_watchdog_restore'");
    if (db_value(dir, "SELECT count(*) FROM events_v WHERE kind = 'note' AND reason = "
                      "'pfc_watchdog_storm'") == 0)
        r->trip_at = r->restore_at = -1;
}

static void test_watchdog_off(void)
{
    struct wd_result r;
    wd_run(SWITCH_WD_OFF, &r);
    const sim_time_t t_a = WD_STORM_ON + WD_PFC_LATENCY;
    CU_ASSERT_EQUAL(r.trip_at, -1);
    /* Paused from t_a + react for the whole storm: nothing got through. */
    CU_ASSERT_EQUAL(r.paused_at_10ms, WD_STORM_OFF - (t_a + REACT));
    CU_ASSERT(r.rx_at_10ms <= 10);
    CU_ASSERT(r.sender_paused_3ms > 0); /* the stall spread to the sender */
    CU_ASSERT_EQUAL(r.rx_end, r.sent);  /* lossless: all delivered after */
    CU_ASSERT_EQUAL(r.drained + r.other_drops, 0);
}

/* The watchdog trips wd_detect after the first pause arrived; the queue
 * was paused wd_detect - react by then.  After the storm's XON it waits a
 * quiet wd_detect and restores at its next check (every wd_detect / 4
 * from the trip): t_a + 12 ms. */
static void check_trip_restore(const struct wd_result *r)
{
    const sim_time_t t_a = WD_STORM_ON + WD_PFC_LATENCY;
    const sim_time_t xon_at = WD_STORM_OFF + WD_PFC_LATENCY;
    CU_ASSERT_EQUAL(r->trip_at, (long long)(t_a + WD_DETECT));
    CU_ASSERT_EQUAL(r->paused_at_10ms, WD_DETECT - REACT);
    CU_ASSERT(r->restore_at >= (long long)(xon_at + WD_DETECT));
    CU_ASSERT(r->restore_at <= (long long)(xon_at + WD_DETECT + WD_DETECT / 4));
    CU_ASSERT_EQUAL(r->restore_at, (long long)(t_a + 12 * SIM_MS));
}

static void test_watchdog_drain(void)
{
    struct wd_result r;
    wd_run(SWITCH_WD_DRAIN, &r);
    check_trip_restore(&r);
    /* What was queued, and what came while tripped, is dropped; the
     * sender is released (its paused time stops growing after the trip),
     * and frames reach h1 again after the restore: from 12.1 to 14 ms at
     * 1 Gb/s, about 155. */
    CU_ASSERT(r.drained > 0);
    CU_ASSERT_EQUAL(r.other_drops, 0);
    CU_ASSERT_EQUAL(r.rx_end + r.drained, r.sent);
    CU_ASSERT(r.rx_at_10ms <= 10);
    uint64_t after = r.rx_end - r.rx_at_10ms;
    CU_ASSERT(after >= 150 && after <= 160);
    CU_ASSERT_EQUAL(r.sender_paused_end, r.sender_paused_3ms);
    fprintf(stderr, "\n    drain: sent %llu, drained %llu, %llu delivered after restore\n",
            (unsigned long long)r.sent, (unsigned long long)r.drained,
            (unsigned long long)after);
}

static void test_watchdog_ignore(void)
{
    struct wd_result r;
    wd_run(SWITCH_WD_IGNORE, &r);
    check_trip_restore(&r);
    /* PFC ignored from the trip: the backlog goes out at once and traffic
     * flows during the storm; nothing is lost. */
    CU_ASSERT_EQUAL(r.drained + r.other_drops, 0);
    CU_ASSERT_EQUAL(r.rx_end, r.sent);
    uint64_t by_10ms = (uint64_t)(10e-3 * 1e9 / (1524 * 8));
    CU_ASSERT(r.rx_at_10ms + 3 >= by_10ms);
    CU_ASSERT_EQUAL(r.sender_paused_end, r.sender_paused_3ms);
    fprintf(stderr, "\n    ignore: %llu of ~%llu delivered by the end of the storm\n",
            (unsigned long long)r.rx_at_10ms, (unsigned long long)by_10ms);
}

/* ---- MAC table ------------------------------------------------------ */

static void send_n(struct fx *fx, int from, int to, uint64_t n)
{
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 100, .rate_bps = G10 / 100,
                              .count = n};
    fx_mac(to, fl.dst);
    CU_ASSERT_EQUAL(rawhost_start(fx->host[from], &fl), 0);
    sim_run_until(fx->eng, sim_now(fx->eng) + 1 * SIM_MS);
}

static void test_mac_capacity(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.mac_capacity = 2;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    uint8_t m[4][6];
    for (int i = 0; i < 4; i++)
        fx_mac(i, m[i]);
    send_n(&fx, 0, 1, 1); /* h0 learned; flooded */
    send_n(&fx, 1, 0, 1); /* h1 learned: the table is full */
    CU_ASSERT_EQUAL(switch_mac_count(sw), 2);
    send_n(&fx, 2, 0, 3); /* h2 not learned, its frames still forwarded */
    CU_ASSERT_EQUAL(switch_mac_count(sw), 2);
    CU_ASSERT_EQUAL(switch_counters(sw)->learned, 2);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[2]), 0);
    CU_ASSERT_EQUAL(fx_rx(&fx, 0, 2), 3);
    CU_ASSERT_EQUAL(fx_rx(&fx, 1, 2) + fx_rx(&fx, 3, 2), 0); /* unicast to known h0 */
    /* Frames to h2 are unknown unicast: flooded to every other port. */
    uint64_t flooded = switch_counters(sw)->flooded;
    send_n(&fx, 0, 2, 2);
    CU_ASSERT_EQUAL(fx_rx(&fx, 2, 0), 1 + 2); /* the first frame was flooded too */
    CU_ASSERT_EQUAL(fx_rx(&fx, 1, 0), 1 + 2);
    CU_ASSERT_EQUAL(fx_rx(&fx, 3, 0), 1 + 2);
    CU_ASSERT_EQUAL(switch_counters(sw)->flooded, flooded + 2);
    /* No room for a static entry either; an existing one can be made
     * static. */
    CU_ASSERT_EQUAL(switch_add_static(sw, 1, m[3], 4), -ENOSPC);
    CU_ASSERT_EQUAL(switch_add_static(sw, 1, m[1], 2), 0);
    CU_ASSERT_EQUAL(switch_mac_count(sw), 2);
    fx_free(&fx);
}

/* A frame from `nic` with source MAC src to dst (untagged, 100 B). */
static void spoof(struct fx *fx, int nic, const uint8_t *src, const uint8_t *dst)
{
    struct frame *f = frame_alloc(fx->pool);
    uint8_t *b = frame_put(f, 14);
    memcpy(b, dst, 6);
    memcpy(b + 6, src, 6);
    b[12] = 0x88;
    b[13] = 0xb5;
    f->payload_len = 86;
    CU_ASSERT_EQUAL(nic_send(fx->nic[nic], f), 0);
    sim_run_until(fx->eng, sim_now(fx->eng) + 10 * SIM_US);
}

static void test_static_entries(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.aging = 1 * SIM_MS;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    uint8_t m[4][6];
    for (int i = 0; i < 4; i++)
        fx_mac(i, m[i]);
    CU_ASSERT_EQUAL(switch_add_static(sw, 1, m[0], 1), 0);
    send_n(&fx, 1, 0, 1); /* h1 learned, ages after 1 ms */
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[1]), 2);
    sim_run_until(fx.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[1]), 0);
    CU_ASSERT_EQUAL(switch_counters(sw)->aged, 1);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[0]), 1); /* static: never ages */
    /* h0's MAC shows up behind port 3: a static entry does not move. */
    spoof(&fx, 2, m[0], m[3]);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[0]), 1);
    CU_ASSERT_EQUAL(switch_counters(sw)->moves, 0);
    CU_ASSERT_EQUAL(switch_mac_moves(sw, 1, m[0]), 0);
    send_n(&fx, 3, 0, 4);
    CU_ASSERT_EQUAL(fx_rx(&fx, 0, 3), 4);
    CU_ASSERT_EQUAL(fx_rx(&fx, 2, 3), 0);
    /* Nor is it flushed when its port loses carrier: frames to it are
     * dropped at the dead port instead of flooded. */
    link_cut(fx.link[0]);
    sim_run_until(fx.eng, sim_now(fx.eng) + 10 * SIM_US);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[0]), 1);
    CU_ASSERT_EQUAL(switch_counters(sw)->flushed, 0);
    send_n(&fx, 3, 0, 2);
    CU_ASSERT_EQUAL(switch_port_counters(sw, 1)->drops[TRACE_DROP_LINK_DOWN], 2);
    CU_ASSERT_EQUAL(fx_rx(&fx, 1, 3) + fx_rx(&fx, 2, 3), 0);
    sim_run_until(fx.eng, 1 * SIM_S);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[0]), 1);
    fx_free(&fx);
}

/* Host 2's cable has a carrier-detect delay of 10 us: its two MACs (its
 * own and one it sends as) leave the table exactly then; the others
 * stay. */
static void test_flush_on_carrier_loss(void)
{
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    struct fx fx;
    fx_init(&fx, dir);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 3);
    struct sw *sw = fx_switch(&fx, &ss);
    fx_host(&fx, sw, 1, G10, 3, 0);
    fx_host(&fx, sw, 2, G10, 3, 0);
    /* Host 2 by hand, for the detect delay. */
    const sim_time_t detect = 10 * SIM_US;
    struct nic_settings ns = {.name = "h2", .rate_bps = G10};
    fx_mac(2, ns.mac);
    struct nic *n2 = nic_create(fx.eng, fx.trace, fx.pool, &ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n2);
    struct link_settings ls = {.name = "h2-link", .rate_bps = G10, .delay = link_cable_delay(3),
                               .detect_delay = detect};
    struct link *l2 = link_create(fx.eng, fx.trace, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l2);
    fx.nic[2] = n2;
    fx.link[fx.nlink++] = l2;
    fx.host[2] = rawhost_create(fx.eng, fx.pool, n2, "h2", 7);
    fx.nhost = 3;
    nic_attach(n2, l2, 0);
    CU_ASSERT_EQUAL(switch_attach(sw, 3, l2, 1), 0);
    uint8_t m[3][6], vm[6] = {0x00, 0x15, 0x5d, 0, 0, 9};
    for (int i = 0; i < 3; i++)
        fx_mac(i, m[i]);
    send_n(&fx, 0, 1, 1);
    send_n(&fx, 1, 0, 1);
    send_n(&fx, 2, 0, 1);
    spoof(&fx, 2, vm, m[0]);
    CU_ASSERT_EQUAL(switch_mac_count(sw), 4);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, vm), 3);
    sim_time_t cut = sim_now(fx.eng);
    link_cut(l2);
    sim_run_until(fx.eng, cut + detect - 1);
    CU_ASSERT_EQUAL(switch_mac_count(sw), 4);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[2]), 3);
    sim_run_until(fx.eng, cut + detect);
    CU_ASSERT_EQUAL(switch_mac_count(sw), 2);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[2]), 0);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, vm), 0);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[0]), 1);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m[1]), 2);
    CU_ASSERT_EQUAL(switch_counters(sw)->flushed, 2);
    /* Frames to h2 are unknown unicast now: flooded, but not out of the
     * dead port. */
    uint64_t flooded = switch_counters(sw)->flooded;
    send_n(&fx, 0, 2, 3);
    CU_ASSERT_EQUAL(switch_counters(sw)->flooded, flooded + 3);
    CU_ASSERT_EQUAL(fx_rx(&fx, 1, 0), 1 + 3);
    CU_ASSERT_EQUAL(switch_port_counters(sw, 3)->drops[TRACE_DROP_LINK_DOWN], 0);
    fx_free(&fx);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM events_v WHERE kind = 'mac_age' AND reason = 'flush' AND "
             "obj = 'tor/3' AND time_ps = %llu",
             (unsigned long long)(cut + detect));
    CU_ASSERT_EQUAL(db_value(dir, sql), 2);
}

/* ---- headroom ------------------------------------------------------- */

/* SONiC's Mellanox formula with cell occupancy 1 (see switch.h):
 *   cable = floor(2 x m x 5 ns x rate / 8)    bytes on the cable both ways
 *   peer  = floor(response x rate / 8)
 *   xoff  = mtu + (mtu + 2 x cable + peer)
 * 25G, 3 m:    cable = 30 ns x 25G = 750 bits = 93 B; peer = 3125 B
 *              1522 + 1522 + 186 + 3125 = 6355
 * 100G, 100 m: cable = 1 us x 100G = 12,500 B; peer = 12,500 B
 *              1522 + 1522 + 25,000 + 12,500 = 40,544
 * 400G, 10 m:  cable = 100 ns x 400G = 5,000 B; peer = 50,000 B
 *              1522 + 1522 + 10,000 + 50,000 = 63,044 */
static void test_headroom_values(void)
{
    CU_ASSERT_EQUAL(switch_headroom(G25, 3, 1522, SIM_US), 6355);
    CU_ASSERT_EQUAL(switch_headroom(G100, 100, 1522, SIM_US), 40544);
    CU_ASSERT_EQUAL(switch_headroom(G400, 10, 1522, SIM_US), 63044);
    /* Jumbo MTU; a faster peer (500 ns: 1562.5 B rounded down). */
    CU_ASSERT_EQUAL(switch_headroom(G100, 100, 9216, SIM_US), 9216 + 9216 + 25000 + 12500);
    CU_ASSERT_EQUAL(switch_headroom(G25, 3, 1522, 500 * SIM_NS), 1522 + 1522 + 186 + 1562);
    /* The switch computes it per port from the attached link's rate and
     * the port's cable length, with its MTU and peer response (defaults
     * 1522 and 1 us); a configured value wins. */
    struct fx fx;
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    struct sw *sw = fx_switch(&fx, &ss);
    fx_host(&fx, sw, 1, G25, 3, 0);
    fx_host(&fx, sw, 2, G100, 100, 0);
    fx_host(&fx, sw, 3, G400, 10, 0);
    CU_ASSERT_EQUAL(switch_port_headroom(sw, 1), 6355);
    CU_ASSERT_EQUAL(switch_port_headroom(sw, 2), 40544);
    CU_ASSERT_EQUAL(switch_port_headroom(sw, 3), 63044);
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    ps.headroom = 12345;
    CU_ASSERT_EQUAL(switch_port_configure(sw, 3, &ps), 0);
    CU_ASSERT_EQUAL(switch_port_headroom(sw, 3), 12345);
    fx_free(&fx);
}

int suite_switch_buffer(void)
{
    CU_pSuite s = test_suite("switch_buffer");
    if (!s || !CU_add_test(s, "dynamic vs static XOFF", test_dynamic_vs_static_xoff) ||
        !CU_add_test(s, "a flooded lossless frame holds its bytes once", test_flood_counted_once) ||
        !CU_add_test(s, "lossy dynamic threshold shares the buffer",
                     test_lossy_dynamic_shares_buffer) ||
        !CU_add_test(s, "ECN RED marking against queue depth", test_ecn_red_marking) ||
        !CU_add_test(s, "PFC watchdog off: the storm stalls the queue", test_watchdog_off) ||
        !CU_add_test(s, "PFC watchdog drain: trip and restore", test_watchdog_drain) ||
        !CU_add_test(s, "PFC watchdog ignore: trip and restore", test_watchdog_ignore) ||
        !CU_add_test(s, "MAC table capacity", test_mac_capacity) ||
        !CU_add_test(s, "static entries never age, move or flush", test_static_entries) ||
        !CU_add_test(s, "flush on carrier loss after the detect delay",
                     test_flush_on_carrier_loss) ||
        !CU_add_test(s, "headroom against hand-computed values", test_headroom_values))
        return -1;
    return 0;
}
