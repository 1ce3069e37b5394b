/* test_switch: the fabric measured end to end with raw hosts: incast with
 * and without PFC, headroom sizing, pause propagation across two switches
 * (head-of-line blocking), ETS shares at a switch port, MAC learning,
 * aging, flooding, flush, moves, VLAN isolation, and PFC bytes as tshark
 * decodes them. */
#include "test_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "pcapng.h"
#include "test_fixture.h"

#define G10 10000000000ULL
#define G100 100000000000ULL

static void static_macs(struct sw *sw, int first, int n, uint32_t first_port,
                        uint16_t vlan)
{
    for (int i = 0; i < n; i++) {
        uint8_t mac[6];
        fx_mac(first + i, mac);
        CU_ASSERT_EQUAL(switch_add_static(sw, vlan, mac, first_port + (uint32_t)i), 0);
    }
}

static uint64_t drops_total(struct sw *sw, uint32_t nports, enum trace_drop_reason r)
{
    uint64_t n = 0;
    for (uint32_t p = 1; p <= nports; p++)
        n += switch_port_counters(sw, p)->drops[r];
    return n;
}

/* 4:1 incast, each sender at half line rate: 2x oversubscription. */
static void incast(uint8_t pcp, int pfc, uint64_t *drops, uint64_t *pfc_frames,
                   uint64_t *delivered, uint64_t *sent, uint8_t *pfc_vectors)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 5);
    ss.buffer = 1000000;
    ss.pfc_enabled = pfc ? 0x08 : 0;
    ss.xoff = 40000;
    ss.lossy_mode = SWITCH_THRESH_STATIC;
    ss.lossy_limit = 100000;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 5; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, pfc ? 0x08 : 0);
    static_macs(sw, 0, 5, 1, 1);
    /* Tagged with VID 1 (the access PVID) to carry the PCP. */
    for (int i = 1; i <= 4; i++)
        fx_flow(&fx, i, 0, G10 / 2, 1500, 1, 1, pcp, 2 * SIM_MS);
    sim_run_until(fx.eng, 3 * SIM_MS);
    *drops = 0;
    for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
        *drops += drops_total(sw, 5, (enum trace_drop_reason)r);
    *pfc_frames = 0;
    *pfc_vectors = 0;
    for (uint32_t p = 1; p <= 5; p++) {
        for (int q = 0; q < 8; q++) {
            uint64_t n = switch_port_counters(sw, p)->pfc_tx[q];
            *pfc_frames += n;
            if (n)
                *pfc_vectors |= (uint8_t)(1u << q);
        }
    }
    *delivered = 0;
    *sent = 0;
    for (int i = 1; i <= 4; i++) {
        *delivered += fx_rx(&fx, 0, i);
        *sent += rawhost_stats(fx.host[i])->tx_frames;
        /* Hosts only receive PFC for priority 3. */
        for (uint8_t q = 0; q < 8; q++)
            if (q != 3)
                CU_ASSERT_EQUAL(nic_counters(fx.nic[i], q)->pfc_rx, 0);
    }
    fx_free(&fx);
}

static void test_incast_pfc_lossless(void)
{
    uint64_t drops, pfc, delivered, sent;
    uint8_t vec;
    incast(3, 1, &drops, &pfc, &delivered, &sent, &vec);
    CU_ASSERT_EQUAL(drops, 0);
    CU_ASSERT(pfc > 0);
    CU_ASSERT_EQUAL(vec, 0x08); /* only priority 3 ever paused */
    /* The bottleneck ran near line rate: 2 ms at 10G of 1524-byte line
     * frames is about 1,640 frames... delivered counts what arrived in 3 ms. */
    CU_ASSERT(delivered >= 2300);
    fprintf(stderr, "\n    PFC incast: sent %llu delivered %llu pfc %llu drops %llu\n",
            (unsigned long long)sent, (unsigned long long)delivered, (unsigned long long)pfc,
            (unsigned long long)drops);
}

static void test_incast_lossy_drops(void)
{
    uint64_t drops, pfc, delivered, sent;
    uint8_t vec;
    incast(0, 0, &drops, &pfc, &delivered, &sent, &vec);
    CU_ASSERT_EQUAL(pfc, 0);
    CU_ASSERT(drops > 1000); /* half the offered load cannot fit */
    CU_ASSERT_EQUAL(delivered + drops, sent);
    fprintf(stderr, "\n    lossy incast: sent %llu delivered %llu drops %llu\n",
            (unsigned long long)sent, (unsigned long long)delivered, (unsigned long long)drops);
}

/* 2:1 at 100 Gb/s over 100 m cables, XOFF low so headroom does the work. */
static uint64_t headroom_run(int half, const char *trace_dir, uint64_t *other_drops)
{
    struct fx fx;
    fx_init(&fx, trace_dir);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 3);
    ss.buffer = 4000000;
    ss.pfc_enabled = 0x08;
    ss.xoff = 20000;
    struct sw *sw = fx_switch(&fx, &ss);
    /* The receiver processes 25 Gb/s and pauses the switch: the worst case
     * for headroom, an ingress whose egress is stopped. */
    fx.rx_drain_bps = G100 / 4;
    fx_host(&fx, sw, 1, G100, 100, 0x08);
    fx.rx_drain_bps = 0;
    for (int i = 1; i < 3; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G100, 100, 0x08);
    static_macs(sw, 0, 3, 1, 1);
    uint32_t computed = switch_port_headroom(sw, 2);
    CU_ASSERT_EQUAL(computed, switch_headroom(G100, 100, 1522, SIM_US));
    if (half) {
        for (uint32_t p = 2; p <= 3; p++) {
            struct switch_port_settings ps;
            switch_port_settings_default(&ps);
            ps.cable_m = 100;
            ps.headroom = computed / 2;
            switch_port_configure(sw, p, &ps);
        }
    }
    fx_flow(&fx, 1, 0, G100, 1500, 1, 1, 3, 200 * SIM_US);
    fx_flow(&fx, 2, 0, G100, 1500, 1, 1, 3, 200 * SIM_US);
    sim_run_until(fx.eng, 400 * SIM_US);
    uint64_t hr = drops_total(sw, 3, TRACE_DROP_HEADROOM_OVERFLOW);
    *other_drops = 0;
    for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
        if (r != TRACE_DROP_HEADROOM_OVERFLOW)
            *other_drops += drops_total(sw, 3, (enum trace_drop_reason)r);
    fx_free(&fx);
    return hr;
}

static void test_headroom(void)
{
    /* The formula: 1522 + (1522 + 2 x 12,500 cable bytes + 12,500 react). */
    CU_ASSERT_EQUAL(switch_headroom(G100, 100, 1522, SIM_US), 1522 + 1522 + 25000 + 12500);
    uint64_t other;
    CU_ASSERT_EQUAL(headroom_run(0, NULL, &other), 0);
    CU_ASSERT_EQUAL(other, 0);
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    uint64_t hr = headroom_run(1, dir, &other);
    CU_ASSERT(hr > 0);
    CU_ASSERT_EQUAL(other, 0);
    /* The trace says why. */
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                              "SELECT count(*), sum(reason = 'headroom_overflow'), min(prio), "
                              "max(prio) FROM events_v WHERE kind = 'drop'",
                              -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL((uint64_t)sqlite3_column_int64(st, 0), hr);
    CU_ASSERT_EQUAL((uint64_t)sqlite3_column_int64(st, 1), hr);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 2), 3);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 3), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* X (h0) on S1 sends two flows on priority 3 through a trunk to S2: one
 * to R1 (h1), whose link runs at 1 Gb/s, and one to R2 (h2) at 10 Gb/s.
 * R1's port congests at S2; S2 pauses the trunk, S1 then pauses X, and
 * the flow to R2, which has room all along its path, slows down with the
 * other: head-of-line blocking.  Without the R1 flow, the R2 flow runs at
 * its offered rate. */
static double propagation_run(int with_congestion, uint64_t *s1_pfc_to_x, uint64_t *s2_pfc_to_s1)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "s1", 2);
    ss.buffer = 2000000;
    ss.pfc_enabled = 0x08;
    ss.xoff = 30000;
    struct sw *s1 = fx_switch(&fx, &ss);
    ss.name = "s2";
    ss.nports = 3;
    struct sw *s2 = fx_switch(&fx, &ss);
    fx_host(&fx, s1, 1, G10, 3, 0x08);      /* X */
    fx_host(&fx, s2, 1, G10 / 10, 3, 0x08); /* R1, 1 Gb/s */
    fx_host(&fx, s2, 2, G10, 3, 0x08);      /* R2 */
    fx_trunk(&fx, s1, 2, s2, 3, G10, 3);
    uint8_t mac[6];
    for (int h = 0; h < 3; h++) {
        fx_mac(h, mac);
        switch_add_static(s1, 1, mac, h == 0 ? 1 : 2);
        switch_add_static(s2, 1, mac, h == 0 ? 3 : (uint32_t)h);
    }
    sim_time_t stop = 2 * SIM_MS;
    fx_flow(&fx, 0, 2, G10 / 2, 1500, 1, 1, 3, stop); /* X -> R2: 5 Gb/s */
    if (with_congestion)
        fx_flow(&fx, 0, 1, G10 / 2, 1500, 1, 1, 3, stop); /* X -> R1: 5 Gb/s into 1 */
    sim_run_until(fx.eng, stop);
    /* R2's goodput as a fraction of the 5 Gb/s offered to it over 2 ms. */
    uint64_t got = fx_rx(&fx, 2, 0);
    double offered = 2e-3 * 5e9 / (1524 * 8);
    *s1_pfc_to_x = switch_port_counters(s1, 1)->pfc_tx[3];
    *s2_pfc_to_s1 = switch_port_counters(s2, 3)->pfc_tx[3];
    CU_ASSERT_EQUAL(drops_total(s1, 2, TRACE_DROP_HEADROOM_OVERFLOW), 0);
    CU_ASSERT_EQUAL(drops_total(s2, 3, TRACE_DROP_HEADROOM_OVERFLOW), 0);
    fx_free(&fx);
    return (double)got / offered;
}

static void test_pause_propagation_hol(void)
{
    uint64_t to_hosts, to_s1;
    double alone = propagation_run(0, &to_hosts, &to_s1);
    CU_ASSERT_EQUAL(to_s1, 0);
    CU_ASSERT(alone > 0.98);
    double blocked = propagation_run(1, &to_hosts, &to_s1);
    CU_ASSERT(to_s1 > 0);    /* congestion at S2 pauses S2's ingress from S1 */
    CU_ASSERT(to_hosts > 0); /* ... which spreads to S1's ingress from X */
    /* A's innocent flow is slowed by head-of-line blocking. */
    CU_ASSERT(blocked < 0.8 * alone);
    fprintf(stderr, "\n    HOL: innocent flow delivered %.1f%% alone, %.1f%% behind the "
                    "congestion\n",
            100 * alone, 100 * blocked);
}

/* ETS at a switch egress: priority 3 in a 30 % class, the rest 70 %. */
static void ets_run(int both, double *share3, double *util)
{
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 3);
    ss.buffer = 2000000;
    ss.lossy_mode = SWITCH_THRESH_STATIC;
    ss.lossy_limit = 200000;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 3; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    static_macs(sw, 0, 3, 1, 1);
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    ps.egress.prio_tc[3] = 1;
    ps.egress.tc_tsa[0] = EGRESS_TSA_ETS;
    ps.egress.tc_bw[0] = 70;
    ps.egress.tc_tsa[1] = EGRESS_TSA_ETS;
    ps.egress.tc_bw[1] = 30;
    CU_ASSERT_EQUAL(switch_port_configure(sw, 1, &ps), 0);
    fx_flow(&fx, 1, 0, G10, 1500, 1, 1, 3, 5 * SIM_MS);
    if (both)
        fx_flow(&fx, 2, 0, G10, 1500, 1, 1, 0, 5 * SIM_MS);
    /* Measure between 1 ms and 4 ms, when both queues are backlogged. */
    sim_run_until(fx.eng, 1 * SIM_MS);
    const struct switch_port_counters *c = switch_port_counters(sw, 1);
    uint64_t b3 = c->tx_bytes[3], b0 = c->tx_bytes[0];
    sim_run_until(fx.eng, 4 * SIM_MS);
    c = switch_port_counters(sw, 1); /* a snapshot: read again */
    uint64_t d3 = c->tx_bytes[3] - b3, d0 = c->tx_bytes[0] - b0;
    *share3 = (double)d3 / (double)(d3 + d0);
    /* Utilization in line bits (24 bytes overhead per 1500-byte frame). */
    *util = (double)(d3 + d0) * 8 * 1524 / 1500 / (3e-3 * 1e10);
    fx_free(&fx);
}

static void test_ets_shares(void)
{
    double share3, util;
    ets_run(1, &share3, &util);
    CU_ASSERT(share3 > 0.28 && share3 < 0.32); /* 30 % +- 2 points (DCB-006) */
    CU_ASSERT(util > 0.98);
    fprintf(stderr, "\n    ETS 30/70: priority 3 got %.2f%% at %.1f%% utilization\n",
            100 * share3, 100 * util);
    ets_run(0, &share3, &util); /* work-conserving: alone it takes the link */
    CU_ASSERT(share3 > 0.999);
    CU_ASSERT(util > 0.98);
}

static void test_mac_learning_flood_age_flush_move(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.aging = 10 * SIM_MS;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 4; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    uint8_t m0[6], m1[6];
    fx_mac(0, m0);
    fx_mac(1, m1);
    /* h0 -> h1 before h1 is known: flooded to h1, h2 and h3. */
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 100, .rate_bps = G10 / 100,
                              .count = 5};
    memcpy(fl.dst, m1, 6);
    rawhost_start(fx.host[0], &fl);
    sim_run_until(fx.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m0), 1);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m1), 0);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[1])->rx_frames, 5);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[2])->rx_frames, 5); /* flooded */
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[3])->rx_frames, 5);
    CU_ASSERT(switch_counters(sw)->flooded >= 5);
    /* h1 answers: learned, and h0's next frames go only to h1. */
    memcpy(fl.dst, m0, 6);
    fl.count = 1;
    rawhost_start(fx.host[1], &fl);
    sim_run_until(fx.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m1), 2);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[2])->rx_frames, 5); /* h1's reply was unicast */
    memcpy(fl.dst, m1, 6);
    fl.count = 3;
    rawhost_start(fx.host[0], &fl);
    sim_run_until(fx.eng, 3 * SIM_MS);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[1])->rx_frames, 8);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[3])->rx_frames, 5); /* not flooded any more */
    CU_ASSERT_EQUAL(switch_mac_count(sw), 2);
    /* Aging: nothing heard from h1 for 10 ms. */
    sim_run_until(fx.eng, 14 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m1), 0);
    CU_ASSERT_EQUAL(switch_mac_count(sw), 0);
    CU_ASSERT_EQUAL(switch_counters(sw)->aged, 2);
    /* Flush on link down: h2 learned on port 3, then its cable is cut. */
    uint8_t m2[6];
    fx_mac(2, m2);
    memcpy(fl.dst, m0, 6);
    fl.count = 1;
    rawhost_start(fx.host[2], &fl);
    sim_run_until(fx.eng, 15 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m2), 3);
    link_cut(fx.link[2]);
    sim_run_until(fx.eng, 16 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m2), 0);
    CU_ASSERT_EQUAL(switch_counters(sw)->flushed, 1);
    /* A move: h3 sends with h0's MAC from port 4, twice within the window:
     * two moves of the same MAC, a flap. */
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m0), 0); /* aged out before */
    rawhost_start(fx.host[0], &fl);                   /* h0 from port 1 */
    sim_run_until(fx.eng, 17 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, m0), 1);
    fx_free(&fx);
}

/* Frames sent with a spoofed source MAC, straight into a switch port. */
static void test_mac_move_events(void)
{
    struct fx fx;
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    fx_init(&fx, dir);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 3);
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 3; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    uint8_t vm[6] = {0x00, 0x15, 0x5d, 0x01, 0x02, 0x03};
    uint8_t dst[6] = {0x02, 0, 0, 0, 0, 3};
    for (int k = 0; k < 3; k++) {
        struct frame *f = frame_alloc(fx.pool);
        uint8_t *b = frame_put(f, 14);
        memcpy(b, dst, 6);
        memcpy(b + 6, vm, 6);
        b[12] = 0x88;
        b[13] = 0xb5;
        f->payload_len = 46;
        nic_send(fx.nic[k % 2], f); /* port 1, port 2, port 1 */
        sim_run_until(fx.eng, sim_now(fx.eng) + 10 * SIM_US);
    }
    CU_ASSERT_EQUAL(switch_mac_lookup(sw, 1, vm), 1);
    CU_ASSERT_EQUAL(switch_counters(sw)->moves, 2);
    CU_ASSERT_EQUAL(switch_mac_moves(sw, 1, vm), 2);
    CU_ASSERT_EQUAL(switch_counters(sw)->flaps, 1);
    fx_free(&fx); /* finishes and closes the trace */
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                              "SELECT obj, obj2 FROM events_v WHERE kind = 'mac_move' "
                              "ORDER BY seq",
                              -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0), "tor/2");
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 1), "tor/1");
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0), "tor/1");
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_vlan_isolation(void)
{
    struct fx fx;
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 5);
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 5; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0);
    /* Ports 1, 2: access VLAN 10; ports 3, 4: access VLAN 20; port 5:
     * trunk with 10 and 20 allowed, native 1. */
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    ps.pvid = 10;
    switch_port_configure(sw, 1, &ps);
    switch_port_configure(sw, 2, &ps);
    ps.pvid = 20;
    switch_port_configure(sw, 3, &ps);
    switch_port_configure(sw, 4, &ps);
    uint8_t allowed[512] = {0};
    allowed[10 >> 3] |= 1u << (10 & 7);
    allowed[20 >> 3] |= 1u << (20 & 7);
    ps.mode = SWITCH_TRUNK;
    ps.pvid = 1;
    ps.allowed = allowed;
    switch_port_configure(sw, 5, &ps);
    /* Broadcast from h0 (VLAN 10): h1 and the trunk (tagged 10) only. */
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 100, .rate_bps = G10 / 100,
                              .count = 4};
    memset(fl.dst, 0xff, 6);
    rawhost_start(fx.host[0], &fl);
    /* Tagged VLAN 20 from the trunk: h2 and h3 only. */
    fl.tagged = 1;
    fl.vid = 20;
    fl.count = 2;
    rawhost_start(fx.host[4], &fl);
    /* Tagged VLAN 30 (not allowed) from the trunk: dropped. */
    sim_run_until(fx.eng, 1 * SIM_MS);
    fl.vid = 30;
    fl.count = 3;
    rawhost_start(fx.host[4], &fl);
    sim_run_until(fx.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[1])->rx_frames, 4);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[2])->rx_frames, 2);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[3])->rx_frames, 2);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[4])->rx_frames, 4);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[0])->rx_frames, 0);
    CU_ASSERT_EQUAL(switch_port_counters(sw, 5)->drops[TRACE_DROP_VLAN_FILTER], 3);
    fx_free(&fx);
}

/* The trunk adds a tag with the frame's VLAN; an access port strips it,
 * and untagged ingress gets the port's default priority (DCB-004). */
static void test_tagging_and_default_priority(void)
{
    struct fx fx;
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    fx_init(&fx, NULL);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 2);
    struct sw *sw = fx_switch(&fx, &ss);
    fx_host(&fx, sw, 1, G10, 3, 0);
    fx_host(&fx, sw, 2, G10, 3, 0);
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    ps.pvid = 42;
    ps.default_pcp = 0;
    switch_port_configure(sw, 1, &ps);
    ps.mode = SWITCH_TRUNK;
    ps.pvid = 0; /* no native VLAN */
    switch_port_configure(sw, 2, &ps);
    char path[600];
    snprintf(path, sizeof path, "%s/tag.pcapng", dir);
    struct pcapng_writer *w = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    link_capture(fx.link[1], 1, w, pcapng_add_interface(w, "tor/2", 0));
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 200, .rate_bps = G10 / 100,
                              .count = 2};
    memset(fl.dst, 0xff, 6);
    rawhost_start(fx.host[0], &fl); /* untagged: DCB-004, priority lost */
    sim_run_until(fx.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    CU_ASSERT_EQUAL(rawhost_stats(fx.host[1])->rx_frames, 2);
    CU_ASSERT_EQUAL(switch_port_counters(sw, 1)->rx_frames[0], 2);
    char cmd[800], out[256];
    snprintf(cmd, sizeof cmd, "tshark -r '%s' -T fields -e vlan.id -e vlan.priority 2>/dev/null",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "42\t0\n42\t0\n");
    fx_free(&fx);
}

/* PFC frames on the wire decode in tshark with the right vector and quanta. */
static void test_pfc_bytes_in_tshark(void)
{
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/pfc.pcapng", dir);
    struct fx fx;
    fx_init(&fx, NULL);
    fx.trunk_hosts = 1;
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 3);
    ss.pfc_enabled = 0x08;
    ss.xoff = 20000;
    ss.pfc_quanta = 0xFFFF;
    struct sw *sw = fx_switch(&fx, &ss);
    for (int i = 0; i < 3; i++)
        fx_host(&fx, sw, (uint32_t)i + 1, G10, 3, 0x08);
    static_macs(sw, 0, 3, 1, 1);
    struct pcapng_writer *w = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    link_capture(fx.link[1], 0, w, pcapng_add_interface(w, "h1", 0));
    fx_flow(&fx, 1, 0, G10, 1500, 1, 1, 3, 300 * SIM_US);
    fx_flow(&fx, 2, 0, G10, 1500, 1, 1, 3, 300 * SIM_US);
    sim_run_until(fx.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    uint64_t pfc_tx = switch_port_counters(sw, 2)->pfc_tx[3];
    CU_ASSERT(pfc_tx >= 2); /* an XOFF and an XON at least */
    char cmd[900], out[8192];
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -Y macc -T fields -e eth.dst -e macc.opcode -e macc.cbfc.enbv "
             "-e macc.cbfc.pause_time.c3 -e frame.len 2>/dev/null | sort -u",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    /* Every PFC frame: to 01:80:c2:00:00:01, opcode 0x0101, vector 0x0008,
     * 60 bytes; the quanta are 65535 (XOFF) or 0 (XON). */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "01:80:c2:00:00:01\t0x0101\t0x0008\t65535\t60"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "01:80:c2:00:00:01\t0x0101\t0x0008\t0\t60"));
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 2);
    snprintf(cmd, sizeof cmd, "tshark -r '%s' -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | wc -l", path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "0\n");
    fx_free(&fx);
}

int suite_switch(void)
{
    CU_pSuite s = test_suite("switch");
    if (!s || !CU_add_test(s, "4:1 incast on priority 3 with PFC: lossless", test_incast_pfc_lossless) ||
        !CU_add_test(s, "4:1 incast on priority 0 without PFC: drops", test_incast_lossy_drops) ||
        !CU_add_test(s, "headroom: computed is lossless, half overflows", test_headroom) ||
        !CU_add_test(s, "pause propagation and head-of-line blocking", test_pause_propagation_hol) ||
        !CU_add_test(s, "ETS 30/70 shares and work conservation", test_ets_shares) ||
        !CU_add_test(s, "learning, flooding, aging, flush", test_mac_learning_flood_age_flush_move) ||
        !CU_add_test(s, "MAC moves traced with both ports", test_mac_move_events) ||
        !CU_add_test(s, "VLAN isolation", test_vlan_isolation) ||
        !CU_add_test(s, "tagging and default priority (DCB-004)", test_tagging_and_default_priority) ||
        !CU_add_test(s, "PFC frames decode in tshark", test_pfc_bytes_in_tshark))
        return -1;
    return 0;
}
