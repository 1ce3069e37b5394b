/* test_check_hvpdyn: the trace checks of HVP-002, HVP-008, DYN-001,
 * DYN-002, DYN-009 and DYN-011 (results/check_rules_hvpdyn.c).
 *
 * As in test_check.c (whose helpers these are, test_check.h): each rule
 * passes on a real run of an example scenario (or of a scenario the test
 * derives from one) and fails, at the right frame or event row, on a copy
 * of that run with one frame or event row mutated. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pcapng.h"
#include "pkt.h"
#include "test_check.h"

/* The seq of the first row of `sql` on dir's run.sqlite (asserts one). */
static uint64_t seq_of(const char *dir, const char *sql)
{
    char txt[64];
    sql_text_first(dir, sql, txt, sizeof txt);
    CU_ASSERT_FATAL(txt[0] != 0);
    return strtoull(txt, NULL, 10);
}

/* A copy of run dir with the SQL applied to its trace, checked. */
static struct check_report *check_sql(const char *dir, const char *tag, const char *sql)
{
    char out[700];
    mutate(dir, crafted(tag, out, sizeof out), NULL, NULL, sql);
    return check_dir(out);
}

/* Run dir's hv1/SETswitch split into one pcap per member and checked
 * through a mapping file (no events). */
static struct check_report *check_external(const char *dir, const char *tag)
{
    char out[700], map[800], cmd[1600];
    crafted(tag, out, sizeof out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    write_mapping(dir, "hv1/SETswitch", out, map, NULL);
    return check_map_file(map);
}

/* ---- HVP-002, DYN-001: initial placement ---- */

static void test_placement_clean(void)
{
    static const char *const hvp[] = {"HVP-001", "HVP-002", NULL};
    static const char *const dyn[] = {"DYN-001", NULL};
    struct check_report *r = check_dir(run_example("hyperv-port"));
    expect_clean(r, hvp);
    check_report_free(r);
    /* vm1 is mapped to SLOT 2 after its placement (HVP-006). */
    r = check_dir(run_example("failover-mac-takeover"));
    expect_clean(r, hvp);
    check_report_free(r);
    r = check_dir(run_example("dynamic-flowlets"));
    expect_clean(r, dyn);
    check_report_free(r);
}

/* The row placing vPort `vport` initially, moved to member `to`. */
static void placed_elsewhere(const char *scenario, const char *vport, const char *to,
                             const char *rule)
{
    const char *dir = run_example(scenario);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT seq FROM events_v WHERE kind = 'affinity_set' AND "
             "reason = 'initial' AND obj = '%s'", vport);
    uint64_t seq = seq_of(dir, sql);
    snprintf(sql, sizeof sql, "UPDATE events SET obj2 = (SELECT id FROM objects WHERE name = "
             "'%s') WHERE seq = %llu;", to, (unsigned long long)seq);
    struct check_report *r = check_sql(dir, rule, sql);
    expect(r, rule, CHECK_FAIL, 0, seq);
    check_report_free(r);
}

/* HVP-002: hyperv-port places vm1 second on a team of two: least_ports
 * gives NIC 2 (the management vNIC is on NIC 1); the row says NIC 1. */
static void test_hvp002_wrong_member(void)
{
    placed_elsewhere("hyperv-port", "hv1/vm1/Network Adapter", "hv1/NIC 1", "HVP-002");
}

/* DYN-001: dynamic-flowlets (Dynamic) places vm1 on SLOT 3 (SLOT 2 has the
 * management vNIC); the row says SLOT 2. */
static void test_dyn001_wrong_member(void)
{
    placed_elsewhere("dynamic-flowlets", "hv1/vm1/Network Adapter", "hv1/SLOT 2", "DYN-001");
}

/* External captures have no events: HVP-002, DYN-001, HVP-008 are na,
 * saying why. */
static void test_placement_na_external(void)
{
    struct check_report *r = check_external(run_example("dynamic-flowlets"), "hd-ext");
    static const char *const ids[] = {"HVP-002", "DYN-001", "HVP-008"};
    for (size_t i = 0; i < 3; i++) {
        const struct check_verdict *v = check_report_find(r, ids[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        CU_ASSERT_EQUAL(v->status, CHECK_NA);
        CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, "events"));
    }
    check_report_free(r);
}

/* ---- HVP-008: flooded frames are delivered once ---- */

/* quickstart's hv2 receives hv1's broadcasts on both members: each vPort
 * takes the copy of its affinitized member (rx_deliver rows with the
 * member and the frame's key). */
static void test_hvp008_clean(void)
{
    static const char *const pass[] = {"HVP-008", NULL};
    const char *dir = run_example("quickstart");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char n[32];
    sql_text_first(dir, "SELECT count(DISTINCT obj2) FROM events WHERE kind = (SELECT id FROM "
                   "event_kinds WHERE name = 'rx_deliver') AND aux = (SELECT aux FROM events "
                   "WHERE obj2 IS NOT NULL AND kind = (SELECT id FROM event_kinds WHERE name = "
                   "'rx_deliver') ORDER BY seq LIMIT 1)", n, sizeof n);
    CU_ASSERT_EQUAL(atoi(n), 2); /* one frame, copies from both members */
    struct check_report *r = check_dir(dir);
    expect_clean(r, pass);
    check_report_free(r);
    r = check_dir(run_example("hyperv-port"));
    expect_clean(r, pass);
    check_report_free(r);
}

/* Two rx_deliver rows of one flooded frame (same key) for two vPorts via
 * different members: the later one becomes a second delivery to the first
 * vPort (its copy from the other member): a duplicate at that row.  Then
 * the earlier one is made to come from the other member's copy. */
static void test_hvp008_twice_and_wrong_copy(void)
{
    static const char *pair =
        "SELECT %s FROM events a JOIN events b ON b.aux = a.aux AND b.seq > a.seq AND "
        "b.obj <> a.obj AND b.obj2 <> a.obj2 WHERE a.kind = (SELECT id FROM event_kinds WHERE "
        "name = 'rx_deliver') AND b.kind = a.kind ORDER BY a.seq, b.seq LIMIT 1";
    const char *dir = run_example("quickstart");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char q[1024], a[32], b[32], sql[1024];
    snprintf(q, sizeof q, pair, "a.seq");
    sql_text_first(dir, q, a, sizeof a);
    snprintf(q, sizeof q, pair, "b.seq");
    sql_text_first(dir, q, b, sizeof b);
    CU_ASSERT_FATAL(a[0] && b[0]);
    snprintf(sql, sizeof sql, "UPDATE events SET obj = (SELECT obj FROM events WHERE seq = %s) "
             "WHERE seq = %s;", a, b);
    struct check_report *r = check_sql(dir, "hvp008-twice", sql);
    expect(r, "HVP-008", CHECK_FAIL, 0, strtoull(b, NULL, 10));
    CU_ASSERT_PTR_NOT_NULL(strstr(check_report_find(r, "HVP-008")->reason, "again"));
    check_report_free(r);
    snprintf(sql, sizeof sql, "UPDATE events SET obj2 = (SELECT obj2 FROM events WHERE seq = "
             "%s) WHERE seq = %s;", b, a);
    r = check_sql(dir, "hvp008-copy", sql);
    expect(r, "HVP-008", CHECK_FAIL, 0, strtoull(a, NULL, 10));
    CU_ASSERT_PTR_NOT_NULL(strstr(check_report_find(r, "HVP-008")->reason, "affinitized"));
    check_report_free(r);
}

/* ---- DYN-002, DYN-009, DYN-011: flows of a Dynamic team ---- */

static const uint8_t VM1_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};
static const uint8_t SLOT2_PMAC[6] = {0x02, 0x53, 0x45, 0x01, 0x00, 0x01};

/* The n-th UDP frame vm1 sends on hv1/SLOT 3 (its affinitized member, own
 * MAC) is moved to SLOT 2 with SLOT 2's MAC (as DYN-007 would send it);
 * the next frame of the same flow, still on SLOT 3 within the flowlet, is
 * the flow back on the member it left: the hit.  wire_len instead: that
 * frame claims wire_len bytes, on its own member. */
struct split {
    int n, seen, moved;
    uint16_t want_dport;       /* only this flow's frames (0: any) */
    int nvgre;                 /* the flow is the (one) NVGRE flow */
    uint16_t sport, dport;
    uint32_t wire_len;
    sim_time_t span;           /* move the flow's frames for this long (0: one) */
    sim_time_t t0;             /* time of the first moved frame */
};

static int split_apply(void *ctx, struct mpkt *m, struct capread *r)
{
    struct split *s = ctx;
    int ours = s->nvgre ? (m->pi.layers & PKT_HAS_IPV4) && m->pi.ip_proto == 47
                        : (m->pi.layers & PKT_HAS_UDP) != 0;
    if (strcmp(m->ifname, "hv1/SLOT 3") != 0 || m->dir != PCAPNG_DIR_OUT || !m->parsed || !ours)
        return MUT_KEEP;
    if (s->moved) {
        int same = m->pi.sport == s->sport && m->pi.dport == s->dport;
        if (same && s->moved == 1 && m->ts - s->t0 < s->span) {
            int i = iface(r, "hv1/SLOT 2");
            CU_ASSERT_FATAL(i >= 0);
            m->ifid = (uint32_t)i;
            memcpy(m->data + 6, SLOT2_PMAC, 6);
            return MUT_KEEP;
        }
        return same && s->moved++ == 1 ? MUT_HIT : MUT_KEEP;
    }
    if (memcmp(m->pi.src, VM1_MAC, 6) != 0 || (s->want_dport && m->pi.dport != s->want_dport) ||
        ++s->seen != s->n)
        return MUT_KEEP;
    if (s->wire_len) {
        m->wire_len = s->wire_len;
        s->moved = 2;
        return MUT_HIT;
    }
    int i = iface(r, "hv1/SLOT 2");
    CU_ASSERT_FATAL(i >= 0);
    m->ifid = (uint32_t)i;
    memcpy(m->data + 6, SLOT2_PMAC, 6);
    s->sport = m->pi.sport;
    s->dport = m->pi.dport;
    s->moved = 1;
    s->t0 = m->ts;
    return MUT_KEEP;
}

/* dynamic-flowlets: 8 UDP flows of vm1 over both members, moving at
 * flowlet boundaries: DYN-002 and DYN-009 pass, and DYN-009 says vm1 is on
 * two members at once. */
static void test_dynflow_clean(void)
{
    static const char *const pass[] = {"DYN-002", "DYN-009", NULL};
    struct check_report *r = check_dir(run_example("dynamic-flowlets"));
    expect_clean(r, pass);
    const struct check_verdict *v = check_report_find(r, "DYN-009");
    CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, "hv1/vm1/Network Adapter"));
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-011")->status, CHECK_NA);
    check_report_free(r);
}

/* DYN-002: a flow on SLOT 2 for one frame in the middle of its flowlet on
 * SLOT 3 (DYN-003 warns at the move); the frame after it, back on SLOT 3,
 * fails DYN-002.  The same from the split pcap files through a mapping. */
static void test_dyn002_split_flow(void)
{
    const char *dir = run_example("dynamic-flowlets");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    struct split s = {.n = 200};
    uint64_t hit = mutate(dir, crafted("dyn002", out, sizeof out), split_apply, &s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    expect(r, "DYN-002", CHECK_FAIL, hit, 0);
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-003")->status, CHECK_WARN);
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-009")->status, CHECK_PASS);
    check_report_free(r);
    r = check_external(out, "dyn002-ext");
    const struct check_verdict *v = check_report_find(r, "DYN-002");
    CU_ASSERT_EQUAL(v->status, CHECK_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(v->capture, "SLOT_3.pcap"));
    check_report_free(r);
}

/* DYN-002: the flow's frames on SLOT 2 for 600 us (more than the flowlet
 * gap, without a gap on the wire), then back on SLOT 3: two gapless moves
 * (DYN-003 warns), not a split: it left SLOT 3 longer than a flowlet gap
 * before.  (SET measures the gap where it sends; a deep transmit queue can
 * fill it on the wire, as between the requests of a request/response flow.) */
static void test_dyn002_back_later(void)
{
    const char *dir = run_example("dynamic-flowlets");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    struct split s = {.n = 200, .span = 600 * SIM_US};
    uint64_t hit = mutate(dir, crafted("dyn002later", out, sizeof out), split_apply, &s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-002")->status, CHECK_PASS);
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-003")->status, CHECK_WARN);
    check_report_free(r);
}

/* A mode change (CFG-011) in dynamic-flowlets' trace: the team's first
 * flow_place row after 0 becomes lb_mode_set(HyperVPort), the next
 * lb_mode_set(Dynamic) when `back`. */
static const char *const MODE_SQL_HVP =
    "UPDATE events SET kind = (SELECT id FROM event_kinds WHERE name = 'lb_mode_set'), "
    "obj = (SELECT id FROM objects WHERE name = 'hv1/SETswitch'), obj2 = NULL, flow = NULL, "
    "prio = NULL, value = NULL, aux = NULL, reason = NULL, detail = 'HyperVPort' WHERE seq = "
    "(SELECT MIN(e.seq) FROM events e JOIN event_kinds k ON k.id = e.kind WHERE k.name = "
    "'flow_place' AND e.time_ps > 0)";

/* HVP-004 after a change to Hyper-V Port mode: the frames Dynamic mode
 * queued with their member's MAC drain for a while (move_window), and
 * every later one of the crafted trace (the model went on in Dynamic
 * mode) falls in that window of the 20 ms run: no failure.  Without the
 * window each of them failed HVP-004. */
static void test_mode_change_drain(void)
{
    const char *dir = run_example("dynamic-flowlets");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    mutate(dir, crafted("modechange", out, sizeof out), NULL, NULL, MODE_SQL_HVP);
    struct check_report *r = check_dir(out);
    CU_ASSERT_NOT_EQUAL(check_report_find(r, "HVP-004")->status, CHECK_FAIL);
    check_report_free(r);
    /* DYN-002 [P]: the crafted split (a flow on SLOT 2 for one frame in the
     * middle of its flowlet on SLOT 3) fails, unless the team's mode
     * changed just before (flows placed afresh, the old queue draining):
     * here HyperVPort at the first flow_place after 0 and Dynamic again at
     * the second. */
    char sql[2048];
    snprintf(sql, sizeof sql, "%s; UPDATE events SET kind = (SELECT id FROM event_kinds WHERE "
             "name = 'lb_mode_set'), obj = (SELECT id FROM objects WHERE name = "
             "'hv1/SETswitch'), obj2 = NULL, flow = NULL, prio = NULL, value = NULL, aux = "
             "NULL, reason = NULL, detail = 'Dynamic' WHERE seq = (SELECT MIN(e.seq) FROM "
             "events e JOIN event_kinds k ON k.id = e.kind WHERE k.name = 'flow_place' AND "
             "e.time_ps > 0)", MODE_SQL_HVP);
    struct split s = {.n = 200};
    uint64_t hit = mutate(dir, crafted("modechange2", out, sizeof out), split_apply, &s, sql);
    CU_ASSERT_FATAL(hit > 0);
    r = check_dir(out);
    CU_ASSERT_NOT_EQUAL(check_report_find(r, "DYN-002")->status, CHECK_FAIL);
    check_report_free(r);
}

/* DYN-009: one frame of a flow claims 40 MB: 320 Mbit at once, more than
 * a 10 Gb/s member carries in 10 ms. */
static void test_dyn009_flow_over_rate(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700];
    struct split s = {.n = 150, .wire_len = 40000000};
    uint64_t hit = mutate(dir, crafted("dyn009", out, sizeof out), split_apply, &s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    expect(r, "DYN-009", CHECK_FAIL, hit, 0);
    check_report_free(r);
}

/* dynamic-flowlets with flow f4 sent to UDP port 4789: on the wire it is a
 * VXLAN flow (outer key: addresses and UDP ports), made by a real run; it
 * starts on SLOT 3.  Returns its directory. */
static const char *run_vxlan(void)
{
    static char dir[700];
    if (dir[0])
        return dir;
    CU_ASSERT_PTR_NOT_NULL_FATAL(run_example("dynamic-flowlets"));
    char src[512], yaml[800], cmd[4096];
    test_src_path("scenarios/examples/dynamic-flowlets.yaml", src, sizeof src);
    crafted("vxlan-run", dir, sizeof dir);
    snprintf(yaml, sizeof yaml, "%s.yaml", dir);
    snprintf(cmd, sizeof cmd, "sed 's/port: 6004/port: 4789/' '%s' > '%s' && '%s' run '%s' "
             "-o '%s' --quiet > /dev/null 2>&1", src, yaml, SETSIM_BIN, yaml, dir);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    return dir;
}

/* DYN-011: the VXLAN run passes (that flow judged by its outer key under
 * DYN-011, the others under DYN-002); a VXLAN frame moved as in DYN-002
 * fails DYN-011 (not DYN-002) at the frame back on SLOT 3. */
static void test_dyn011_vxlan(void)
{
    static const char *const pass[] = {"DYN-011", "DYN-002", "DYN-009", NULL};
    const char *dir = run_vxlan();
    struct check_report *r = check_dir(dir);
    expect_clean(r, pass);
    check_report_free(r);
    char out[700];
    struct split s = {.n = 100, .want_dport = 4789};
    uint64_t hit = mutate(dir, crafted("dyn011", out, sizeof out), split_apply, &s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    CU_ASSERT_EQUAL(s.dport, 4789);
    r = check_dir(out);
    expect(r, "DYN-011", CHECK_FAIL, hit, 0);
    CU_ASSERT_EQUAL(check_report_find(r, "DYN-002")->status, CHECK_PASS);
    check_report_free(r);
}

/* Every frame of dynamic-flowlets' flow f4 (UDP to 6004) made NVGRE: IP
 * protocol 47 and, in place of the UDP header, a GRE header with the key
 * bit, protocol 0x6558 and key VSID 5001 / FlowID 0x2a (8 bytes both); the
 * IPv4 header checksum recomputed. */
static int to_nvgre(void *ctx, struct mpkt *m, struct capread *r)
{
    (void)ctx;
    (void)r;
    if (!m->parsed || !(m->pi.layers & PKT_HAS_UDP) || !(m->pi.layers & PKT_HAS_IPV4) ||
        m->pi.dport != 6004)
        return MUT_KEEP;
    static const uint8_t gre[8] = {0x20, 0x00, 0x65, 0x58, 0x00, 0x13, 0x89, 0x2a};
    uint8_t *ip = m->data + m->pi.l3_off;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    ip[9] = 47;
    ip[10] = ip[11] = 0;
    uint16_t c = pkt_csum_fold(pkt_csum_add(0, ip, ihl));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    memcpy(m->data + m->pi.l4_off, gre, sizeof gre);
    return MUT_HIT;
}

/* DYN-011 for NVGRE: flow f4 as NVGRE passes (keyed by its outer
 * addresses and FlowID: not DYN-004's non-hashable traffic, though it has
 * no ports); its 100th frame on SLOT 3 moved to SLOT 2 fails DYN-011 at
 * the next one back on SLOT 3. */
static void test_dyn011_nvgre(void)
{
    const char *dir = run_example("dynamic-flowlets");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char nv[700], out[700];
    CU_ASSERT_FATAL(mutate(dir, crafted("nvgre", nv, sizeof nv), to_nvgre, NULL, NULL) > 0);
    static const char *const pass[] = {"DYN-011", "DYN-004", "DYN-002", "CFG-023", NULL};
    struct check_report *r = check_dir(nv);
    expect_clean(r, pass);
    check_report_free(r);
    struct split s = {.n = 100, .nvgre = 1};
    uint64_t hit = mutate(nv, crafted("dyn011-nvgre", out, sizeof out), split_apply, &s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    r = check_dir(out);
    expect(r, "DYN-011", CHECK_FAIL, hit, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(check_report_find(r, "DYN-011")->reason, "outer key"));
    check_report_free(r);
}

/* DYN-002 / DYN-011 [S]: the flow_place row of a flow (the first one, or
 * the one of flow f4 to UDP 4789 in the VXLAN run) names the other member
 * than the Toeplitz hash of its key gives: a failure at that row. */
static void flow_placed_elsewhere(const char *dir, const char *tag, const char *where,
                                  const char *rule)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT seq FROM events_v WHERE kind = 'flow_place' %s ORDER BY "
             "seq", where);
    uint64_t seq = seq_of(dir, sql);
    snprintf(sql, sizeof sql, "UPDATE events SET obj = (SELECT id FROM objects WHERE name = "
             "CASE (SELECT o.name FROM events e JOIN objects o ON o.id = e.obj WHERE e.seq = "
             "%llu) WHEN 'hv1/SLOT 2' THEN 'hv1/SLOT 3' ELSE 'hv1/SLOT 2' END) WHERE seq = %llu;",
             (unsigned long long)seq, (unsigned long long)seq);
    struct check_report *r = check_sql(dir, tag, sql);
    expect(r, rule, CHECK_FAIL, 0, seq);
    CU_ASSERT_PTR_NOT_NULL(strstr(check_report_find(r, rule)->reason, "Toeplitz"));
    check_report_free(r);
}

static void test_flow_place_hash(void)
{
    flow_placed_elsewhere(run_example("dynamic-flowlets"), "dyn002-place", "", "DYN-002");
    flow_placed_elsewhere(run_vxlan(), "dyn011-place", "AND detail LIKE '%12b5'", "DYN-011");
}

int suite_check_hvpdyn(void)
{
    CU_pSuite s = test_suite("check_hvpdyn");
    if (!s)
        return -1;
    struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"placement_clean", test_placement_clean},
        {"hvp002_wrong_member", test_hvp002_wrong_member},
        {"dyn001_wrong_member", test_dyn001_wrong_member},
        {"placement_na_external", test_placement_na_external},
        {"hvp008_clean", test_hvp008_clean},
        {"hvp008_twice_and_wrong_copy", test_hvp008_twice_and_wrong_copy},
        {"dynflow_clean", test_dynflow_clean},
        {"dyn002_split_flow", test_dyn002_split_flow},
        {"dyn002_back_later", test_dyn002_back_later},
        {"mode_change_drain", test_mode_change_drain},
        {"dyn009_flow_over_rate", test_dyn009_flow_over_rate},
        {"dyn011_vxlan", test_dyn011_vxlan},
        {"dyn011_nvgre", test_dyn011_nvgre},
        {"flow_place_hash", test_flow_place_hash},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
