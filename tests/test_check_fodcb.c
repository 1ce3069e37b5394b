/* test_check_fodcb: the trace checks of FO-005..FO-009, DCB-006, DCB-008,
 * DCB-011 and the trace parts of CFG-014/016/021/025/030/034/035
 * (results/check_rules_fodcb.c).
 *
 * As in test_check.c (whose helpers these are, test_check.h): each rule
 * passes on a real run (an example scenario, or one of the tests/check scenarios:
 * a failover with failback, a total outage, an RDMA failover, a switch
 * removal, a saturated ETS link) and fails (a warning rule: warns) at the
 * right frame or event row of a copy of that run with frames or event rows
 * mutated; DCB-008 is info only. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capread.h"
#include "check.h"
#include "test_check.h"

static char root[512]; /* this suite's runs and crafted copies */

static const char *root_dir(void)
{
    if (!root[0] && test_tmpdir(root, sizeof root) != 0)
        return NULL;
    return root;
}

/* <root>/fodcb-<tag> into buf. */
static const char *craft_dir(const char *tag, char *buf, size_t len)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(root_dir());
    snprintf(buf, len, "%s/fodcb-%s", root, tag);
    return buf;
}

/* A frame selector and its edit (the n-th match). */
struct msel {
    int n, seen;
    const char *ifname;   /* NULL: any */
    int dir;              /* PCAPNG_DIR_*, 0 any */
    const uint8_t *src, *dst;
    sim_time_t after;
    int need_pfc;
    const char *move_to;  /* interface to move it to */
    const uint8_t *set_src;
};

static int msel_apply(void *ctx, struct mpkt *m, struct capread *r)
{
    struct msel *s = ctx;
    if (!m->parsed || (s->ifname && strcmp(m->ifname, s->ifname) != 0) ||
        (s->dir && (int)m->dir != s->dir) || m->ts <= s->after ||
        (s->src && memcmp(m->pi.src, s->src, 6) != 0) ||
        (s->dst && memcmp(m->pi.dst, s->dst, 6) != 0) ||
        (s->need_pfc && !(m->pi.layers & PKT_HAS_PFC)) || ++s->seen != s->n)
        return MUT_KEEP;
    if (s->move_to) {
        int i = iface(r, s->move_to);
        CU_ASSERT_FATAL(i >= 0);
        m->ifid = (uint32_t)i;
    }
    if (s->set_src)
        memcpy(m->data + 6, s->set_src, 6);
    return MUT_HIT;
}

/* failover-mac-takeover and the tests/check failover scenarios have no
 * management vNIC on hv1: vm1 is ...:01, vm2 ...:02. */
static const uint8_t FO_VM1_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x01};
static const uint8_t FO_VM2_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};

/* Runs scenario file rel (relative to the source tree) once per process;
 * the run directory is <root>/run-<file name without .yaml>. */
static const char *run_scn(const char *rel)
{
    static char dirs[16][600];
    static const char *rels[16];
    if (!root_dir())
        return NULL;
    for (int i = 0; i < 16; i++)
        if (rels[i] && strcmp(rels[i], rel) == 0)
            return dirs[i];
    for (int i = 0; i < 16; i++) {
        if (rels[i])
            continue;
        const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
        snprintf(dirs[i], sizeof dirs[i], "%s/run-%.*s", root,
                 (int)(strlen(base) - strlen(".yaml")), base);
        char src[512], cmd[2048];
        test_src_path(rel, src, sizeof src);
        snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet > /dev/null 2>&1", SETSIM_BIN,
                 src, dirs[i]);
        if (test_run(cmd, NULL, 0) != 0)
            return NULL;
        rels[i] = rel;
        return dirs[i];
    }
    return NULL;
}

#define FO_FAILBACK "tests/check/fo-failback.yaml"
#define FO_ALLDOWN "tests/check/fo-alldown.yaml"
#define RDMA_FO "tests/check/rdma-failover.yaml"
#define SWITCH_REMOVE "tests/check/switch-remove.yaml"
#define DCB_ETS "tests/check/dcb-ets.yaml"
#define FO_MIGRATE "tests/check/fo-migrate.yaml"
#define FO_MIGRATE_CUT "tests/check/fo-migrate-cut.yaml"
#define FO_ADMIN "tests/check/fo-admin.yaml"
#define HVP007_LATE "tests/check/hvp007-late-copy.yaml"
#define HVP007_UNKNOWN "tests/check/hvp007-unknown-switch.yaml"
#define FO009_TEAM_DOWN "tests/check/fo009-team-down.yaml"
#define IWARP "scenarios/examples/iwarp-without-dcb.yaml"
#define SEED_SET_RDMA "scenarios/examples/seed-set-rdma.yaml"

/* hv1's MACs in the tests/check scenarios: VMs from ...:01 (no management
 * vNIC); rdma-failover: vEthernet (SETswitch) ...:01, SMB_1 ...:02, SMB_2
 * ...:03; hv2's vm3 in fo-failback / switch-remove: 00:15:5d:02:00:02 (after its management vNIC). */
static const uint8_t SMB1_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};
static const uint8_t SMB2_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x03};
static const uint8_t HV2_VM3_MAC[6] = {0x00, 0x15, 0x5d, 0x02, 0x00, 0x02};

/* The first row's first column of sql on dir's run.sqlite, as a number. */
static uint64_t sql_u64(const char *dir, const char *sql)
{
    char txt[64];
    sql_text_first(dir, sql, txt, sizeof txt);
    CU_ASSERT_FATAL(txt[0] != 0);
    return strtoull(txt, NULL, 10);
}

/* Frame number (1-based, in file path) of the first frame on interface
 * ifname (NULL: any) of direction dir (0: any), after `after`, from source
 * src (NULL: any), RoCE only when roce; 0 when none. */
static uint64_t first_frame(const char *path, const char *ifname, int dir, sim_time_t after,
                            const uint8_t *src, int roce)
{
    char err[256];
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    uint64_t n = 0;
    while (!n && capread_next(r, &p) == 1) {
        struct pkt_info pi;
        if ((ifname && strcmp(capread_if_name(r, p.ifid), ifname) != 0) ||
            (dir && (int)p.dir != dir) || p.ts <= after ||
            pkt_parse_bytes(p.data, p.caplen, p.wire_len, &pi) != 0 ||
            (src && memcmp(pi.src, src, 6) != 0) || (roce && !(pi.layers & PKT_HAS_ROCE)))
            continue;
        n = p.frame;
    }
    capread_close(r);
    return n;
}

static uint64_t first_in_run(const char *dir, const char *ifname, int pdir, sim_time_t after,
                             const uint8_t *src, int roce)
{
    char path[800];
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    return first_frame(path, ifname, pdir, after, src, roce);
}

/* A crafted copy of run dir `dir` made by fn/ctx and sql; returns the
 * report of the copy and the output frame number of the first hit. */
static struct check_report *craft(const char *dir, const char *tag, mut_fn fn, void *ctx,
                                  const char *sql, uint64_t *hit, char *out, size_t outlen)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t h = mutate(dir, craft_dir(tag, out, outlen), fn, ctx, sql);
    if (hit)
        *hit = h;
    return check_dir(out);
}

static struct check_report *check_dir_opt(const char *dir, sim_time_t idle_grace)
{
    struct check_input *in = check_input_new();
    char err[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT_EQUAL_FATAL(check_input_from_run(in, dir, NULL, err, sizeof err), 0);
    in->opt.idle_member_grace = idle_grace;
    struct check_report *rep = check_run(in, err, sizeof err);
    check_input_close_events(in);
    check_input_free(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
    return rep;
}

/* ---- clean traces ---- */

static void test_fodcb_clean(void)
{
    static const char *const fb[] = {"FO-005", "FO-006", "FO-007", "CFG-014", "CFG-025", NULL};
    static const char *const ad[] = {"FO-006", "FO-007", "FO-008", NULL};
    static const char *const rf[] = {"FO-008", "FO-009", "CFG-021", "CFG-030", "CFG-034", NULL};
    static const char *const sr[] = {"CFG-016", NULL};
    static const char *const ets[] = {"DCB-006", "DCB-011", NULL};
    /* a failover, a live migration, a failover on the new host: FO-004
     * counts each failure's moves (it once added both) */
    static const char *const mig[] = {"FO-004", NULL};
    /* a member cut in the instant its VM starts migrating away: the VM
     * left the team (vm_departed), so no failover of it is owed */
    static const char *const mcut[] = {"FO-002", "DYN-001", NULL};
    /* a failover, then the member it failed over to removed with
     * Set-VMSwitchTeam (an admin move, not the failure's: FO-004), then
     * the list given again in another order with a NIC new to the team
     * (DYN-002 picks among the members in the order they joined) */
    static const char *const adm[] = {"FO-004", "DYN-002", NULL};
    /* a QP that failed (qp_error failover) when its vNIC came back from a
     * team outage is not in flight at the vNIC's next move (FO-009) */
    static const char *const f9[] = {"CFG-021", NULL};
    struct {
        const char *rel;
        const char *const *pass;
    } cases[] = {{FO_FAILBACK, fb}, {FO_ALLDOWN, ad}, {RDMA_FO, rf}, {SWITCH_REMOVE, sr},
                 {DCB_ETS, ets}, {FO_MIGRATE, mig}, {FO_MIGRATE_CUT, mcut},
                 {FO_ADMIN, adm}, {FO009_TEAM_DOWN, f9}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *dir = run_scn(cases[i].rel);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
        struct check_report *r = check_dir(dir);
        expect_clean(r, cases[i].pass);
        check_report_free(r);
    }
    /* CFG-035 on pause-storm (PFC sent with QoS ok); CFG-025 on
     * failover-mac-takeover's rx_deliver rows. */
    struct check_report *r = check_dir(run_example("pause-storm"));
    static const char *const ps[] = {"CFG-035", NULL};
    expect_clean(r, ps);
    check_report_free(r);
    r = check_dir(run_example("failover-mac-takeover"));
    static const char *const fo[] = {"CFG-025", "FO-007", NULL};
    expect_clean(r, fo);
    check_report_free(r);
}

/* ---- FO-005 ---- */

/* The largest delay, in a capture, between a frame to dst seen on interface
 * `early` and the same frame (its first 64 bytes after the 802.1Q tag, and
 * its length) seen later on `late`. */
static sim_time_t late_copy_delay(const char *path, const uint8_t dst[6], const char *early,
                                  const char *late)
{
    enum { SLOTS = 1 << 16 };
    struct seen {
        uint64_t key;
        sim_time_t ts;
    } *tab = calloc(SLOTS, sizeof *tab);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
    char err[256];
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    sim_time_t worst = 0;
    while (capread_next(r, &p) > 0) {
        if (p.caplen < 64 || memcmp(p.data, dst, 6) != 0)
            continue;
        const char *ifn = capread_if_name(r, p.ifid);
        int is_early = strcmp(ifn, early) == 0, is_late = strcmp(ifn, late) == 0;
        if (!is_early && !is_late)
            continue;
        size_t o = p.data[12] == 0x81 && p.data[13] == 0x00 ? 4 : 0;
        uint64_t k = 1469598103934665603ull ^ p.wire_len;
        for (size_t b = 12 + o; b < 64 && b < p.caplen; b++)
            k = (k ^ p.data[b]) * 1099511628211ull;
        k |= 1;
        size_t slot = (size_t)(k >> 20) & (SLOTS - 1);
        if (is_early)
            tab[slot] = (struct seen){k, p.ts};
        else if (tab[slot].key == k && p.ts - tab[slot].ts > worst)
            worst = p.ts - tab[slot].ts;
    }
    capread_close(r);
    free(tab);
    return worst;
}

/* HVP-007's verdict on a run directory is run_want, its reason containing
 * why; on its team `team` through a mapping file (the split captures, no
 * events) map_want. */
static void h7_expect(const char *dir, const char *team, const char *tag, int run_want,
                      const char *why, int map_want)
{
    struct check_report *r = check_dir(dir);
    if (check_report_failed(r))
        dump_bad(r);
    CU_ASSERT_FALSE(check_report_failed(r));
    const struct check_verdict *v = check_report_find(r, "HVP-007");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->status, run_want);
    CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, why));
    check_report_free(r);
    char out[700], mapf[800], cmd[1600];
    crafted(tag, out, sizeof out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(mapf, sizeof mapf, "%s/map.yaml", out);
    write_mapping(dir, team, out, mapf, NULL);
    r = check_map_file(mapf);
    v = check_report_find(r, "HVP-007");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->status, map_want);
    check_report_free(r);
}

/* HVP-007: a flood whose copy towards the non-affinitized member waited in
 * a congested switch queue more than a millisecond after the copy on A(p)
 * (tests/check/hvp007-late-copy.yaml, from a random two-switch run) is
 * still the switch's flood: a warning, nothing fails.  The run directory
 * tells it from tor1's MAC table (it never learned vm1); a mapping file
 * (captures only) from the copy on A(p), 1.8 ms earlier: within the 10 ms
 * window. */
static void test_hvp007_late_copy(void)
{
    const char *dir = run_scn(HVP007_LATE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char cap[600];
    snprintf(cap, sizeof cap, "%s/capture.pcapng", dir);
    static const uint8_t vm1[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};
    sim_time_t d = late_copy_delay(cap, vm1, "hv1/SLOT 3", "hv1/SLOT 2");
    fprintf(stderr, "\n    HVP-007: a flood copy reached the other member %.0f us after A(p)\n",
            (double)d / SIM_US);
    CU_ASSERT(d > SIM_MS); /* the case a 1 ms window missed */
    h7_expect(dir, "hv1/SETswitch", "hvp007late", CHECK_WARN,
              "its switch tor1 did not know MAC(p)", CHECK_WARN);
}

/* HVP-007: a flood of which no copy reached A(p) or another captured port
 * (tests/check/hvp007-unknown-switch.yaml: tor1 dropped the one towards
 * A(vm4)).  The run directory knows tor2 never learned vm4's MAC, so the
 * frame on hv2/SLOT 3 was its flood: a warning.  The captures alone cannot
 * tell it from a misdirected frame: through a mapping file it fails. */
static void test_hvp007_unknown_switch(void)
{
    const char *dir = run_scn(HVP007_UNKNOWN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    CU_ASSERT(sql_u64(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND obj = "
                           "'tor1/4' AND reason = 'lossy_queue_full'") > 0);
    CU_ASSERT_EQUAL(sql_u64(dir, "SELECT count(*) FROM events_v WHERE kind IN ('mac_learn', "
                                 "'mac_move') AND obj LIKE 'tor2/%' AND mac = "
                                 "'00:15:5d:02:00:03'"),
                    0);
    h7_expect(dir, "hv2/SETswitch", "hvp007unknown", CHECK_WARN,
              "its switch tor2 did not know MAC(p)", CHECK_FAIL);
}

static void test_fo005_unlearned(void)
{
    struct msel s = {.n = 1, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_IN, .dst = FO_VM1_MAC,
                    .after = 70 * SIM_MS, .move_to = "hv1/SLOT 2"};
    char out[700];
    uint64_t hit;
    struct check_report *r = craft(run_scn(FO_FAILBACK), "fo005", msel_apply, &s, NULL, &hit,
                                   out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    expect(r, "FO-005", CHECK_WARN, hit, 0);
    check_report_free(r);
}

/* ---- FO-006 ---- */

static const char *const FAILBACK_ROW =
    "SELECT seq FROM events_v WHERE kind = 'affinity_set' AND reason = 'failback' AND "
    "time_ps > 0 ORDER BY seq LIMIT 1";

/* fo-failback: (a) vm1's failback row at 1.010 s names vm2 (unmapped)
 * instead; (b) it is stamped 20 ms, 10 ms after SLOT 2 came back (before
 * the 1 s hold-down). */
static void test_fo006_failback(void)
{
    const char *dir = run_scn(FO_FAILBACK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t seq = sql_u64(dir, FAILBACK_ROW);
    char sql[512], out[700];
    snprintf(sql, sizeof sql, "UPDATE events SET obj = (SELECT id FROM objects WHERE name = "
             "'hv1/vm2/Network Adapter') WHERE seq = %llu;", (unsigned long long)seq);
    struct check_report *r = craft(dir, "fo006a", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "FO-006", CHECK_FAIL, 0, seq);
    check_report_free(r);
    snprintf(sql, sizeof sql, "UPDATE events SET time_ps = 20000000000 WHERE seq = %llu;",
             (unsigned long long)seq);
    r = craft(dir, "fo006b", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "FO-006", CHECK_FAIL, 0, seq);
    check_report_free(r);
}

/* ---- FO-007 ---- */

/* fo-failback without vm1's failback row: vm1 stays on SLOT 3 although
 * its mapped member SLOT 2 has been up for more than the hold-down; the
 * first frame of vm1 after 10 ms + 1 s + 100 ms fails. */
static void test_fo007_no_failback(void)
{
    const char *dir = run_scn(FO_FAILBACK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t seq = sql_u64(dir, FAILBACK_ROW);
    sim_time_t up = (sim_time_t)sql_u64(dir, "SELECT max(time_ps) FROM events_v WHERE kind = "
                                             "'member_up' AND obj = 'hv1/SLOT 2'");
    CU_ASSERT_FATAL(up >= 10 * SIM_MS);
    char sql[256], out[700];
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq = %llu;", (unsigned long long)seq);
    struct check_report *r = craft(dir, "fo007", NULL, NULL, sql, NULL, out, sizeof out);
    uint64_t want = first_in_run(out, NULL, PCAPNG_DIR_OUT, up + SIM_S + 100 * SIM_MS,
                                 FO_VM1_MAC, 0);
    CU_ASSERT_FATAL(want > 0);
    expect(r, "FO-007", CHECK_FAIL, want, 0);
    check_report_free(r);
}

/* ---- FO-006 / FO-007: the team's recorded knobs ---- */

#define FO_KNOBS_KEY "fo.hv1/SETswitch"
#define FO_KNOBS_5MS "failback=mapped_only failback_holddown_ps=5000000000 announce=none"

/* rule passes and examined something (it could have failed). */
static void pass_checked(const struct check_report *r, const char *rule)
{
    const struct check_verdict *v = check_report_find(r, rule);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    if (v->status != CHECK_PASS)
        fprintf(stderr, "\n%s: got %s (%s); want pass\n", rule, check_status_name(v->status),
                v->reason);
    CU_ASSERT_EQUAL(v->status, CHECK_PASS);
    CU_ASSERT(v->checked >= 1);
}

/* fo-failback records its team's effective knobs (the defaults: mapped_only,
 * 1 s, none) in meta.  With a recorded hold-down of 5 ms, vm1's failback row
 * restamped at member_up + 5 ms passes FO-006; the same copy without the
 * meta row fails it (the 1 s default), and the finding says the knobs were
 * assumed.  Without vm1's failback row, FO-007 fails at vm1's first frame
 * after member_up + 5 ms + 100 ms when 5 ms is recorded, and passes when
 * fo.failback=none is recorded (vm1 stays). */
static void test_fo_recorded_knobs(void)
{
    const char *dir = run_scn(FO_FAILBACK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char txt[200] = "";
    sql_text_first(dir, "SELECT value FROM meta WHERE key = '" FO_KNOBS_KEY "'", txt,
                   sizeof txt);
    CU_ASSERT_STRING_EQUAL(txt, "failback=mapped_only failback_holddown_ps=1000000000000 "
                                "announce=none");
    uint64_t seq = sql_u64(dir, FAILBACK_ROW);
    sim_time_t up = (sim_time_t)sql_u64(dir, "SELECT max(time_ps) FROM events_v WHERE kind = "
                                             "'member_up' AND obj = 'hv1/SLOT 2'");
    CU_ASSERT_FATAL(up >= 10 * SIM_MS);
    char sql[512], out[700];
    snprintf(sql, sizeof sql, "UPDATE events SET time_ps = %lld WHERE seq = %llu; UPDATE meta "
             "SET value = '" FO_KNOBS_5MS "' WHERE key = '" FO_KNOBS_KEY "';",
             (long long)(up + 5 * SIM_MS), (unsigned long long)seq);
    struct check_report *r = craft(dir, "knobs5", NULL, NULL, sql, NULL, out, sizeof out);
    pass_checked(r, "FO-006");
    check_report_free(r);
    snprintf(sql, sizeof sql, "UPDATE events SET time_ps = %lld WHERE seq = %llu; DELETE FROM "
             "meta WHERE key = '" FO_KNOBS_KEY "';", (long long)(up + 5 * SIM_MS),
             (unsigned long long)seq);
    r = craft(dir, "knobs5-none", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "FO-006", CHECK_FAIL, 0, seq);
    const struct check_verdict *v = check_report_find(r, "FO-006");
    CU_ASSERT_FATAL(v != NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, "does not record"));
    check_report_free(r);
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq = %llu; UPDATE meta SET value = '"
             FO_KNOBS_5MS "' WHERE key = '" FO_KNOBS_KEY "';", (unsigned long long)seq);
    r = craft(dir, "knobs5-fo007", NULL, NULL, sql, NULL, out, sizeof out);
    uint64_t want = first_in_run(out, NULL, PCAPNG_DIR_OUT, up + 5 * SIM_MS + 100 * SIM_MS,
                                 FO_VM1_MAC, 0);
    CU_ASSERT_FATAL(want > 0);
    expect(r, "FO-007", CHECK_FAIL, want, 0);
    check_report_free(r);
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq = %llu; UPDATE meta SET value = "
             "'failback=none failback_holddown_ps=1000000000000 announce=none' WHERE key = '"
             FO_KNOBS_KEY "';", (unsigned long long)seq);
    r = craft(dir, "knobs-none", NULL, NULL, sql, NULL, out, sizeof out);
    pass_checked(r, "FO-007");
    check_report_free(r);
}

/* ---- FO-008 ---- */

/* fo-alldown: the recovery at 7 ms puts vm1 on SLOT 2, which is still
 * down (its affinity row names SLOT 2 instead of SLOT 3). */
static void test_fo008_bad_recovery(void)
{
    const char *dir = run_scn(FO_ALLDOWN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t seq = sql_u64(dir, "SELECT seq FROM events_v WHERE kind = 'affinity_set' AND "
                                "obj = 'hv1/vm1/Network Adapter' AND time_ps = 7000000000");
    char sql[512], out[700];
    snprintf(sql, sizeof sql, "UPDATE events SET obj2 = (SELECT id FROM objects WHERE name = "
             "'hv1/SLOT 2') WHERE seq = %llu;", (unsigned long long)seq);
    struct check_report *r = craft(dir, "fo008", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "FO-008", CHECK_FAIL, 0, seq);
    check_report_free(r);
    /* The link_down row that starts the outage made a team_down drop of
     * hv1/SETswitch: both members are still up then. */
    uint64_t first = sql_u64(dir, "SELECT min(seq) FROM events_v WHERE kind = 'link_down' AND "
                                  "time_ps > 1000000000");
    snprintf(sql, sizeof sql, "UPDATE events SET kind = (SELECT id FROM event_kinds WHERE name "
             "= 'drop'), obj = (SELECT id FROM objects WHERE name = 'hv1/SETswitch'), reason = "
             "'team_down' WHERE seq = %llu;", (unsigned long long)first);
    r = craft(dir, "fo008b", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "FO-008", CHECK_FAIL, 0, first);
    check_report_free(r);
}

/* ---- FO-009 ---- */

/* Drops SMB_1's CM MADs (destination QP 1) on hv1/SLOT 3 after 3 ms. */
static int drop_mads(void *ctx, struct mpkt *m, struct capread *r)
{
    (void)ctx;
    if (m->parsed && m->ts > 3 * SIM_MS && (m->pi.layers & PKT_HAS_ROCE) &&
        m->pi.bth.dest_qp == 1 && memcmp(m->pi.src, SMB1_MAC, 6) == 0 &&
        strcmp(capread_if_name(r, m->ifid), "hv1/SLOT 3") == 0)
        return MUT_DROP;
    return MUT_KEEP;
}

/* Rewrites the 5th data frame SMB_1 sends on hv1/SLOT 3 after 3 ms to
 * the QP its data went to on SLOT 2 before (an old QP on the new member). */
struct oldqp_ctx {
    uint32_t old;
    int n;
    int other_peer; /* also send it to another address (IPv4 checksum fixed) */
};

static int old_qp(void *ctx, struct mpkt *m, struct capread *r)
{
    struct oldqp_ctx *c = ctx;
    if (!m->parsed || m->dir != PCAPNG_DIR_OUT || !(m->pi.layers & PKT_HAS_ROCE) ||
        m->pi.bth.dest_qp == 1 || memcmp(m->pi.src, SMB1_MAC, 6) != 0)
        return MUT_KEEP;
    const char *ifn = capread_if_name(r, m->ifid);
    if (m->ts < 3 * SIM_MS && strcmp(ifn, "hv1/SLOT 2") == 0)
        c->old = m->pi.bth.dest_qp;
    if (m->ts <= 3 * SIM_MS || strcmp(ifn, "hv1/SLOT 3") != 0 || ++c->n != 5)
        return MUT_KEEP;
    CU_ASSERT_FATAL(c->old != 0 && c->old != m->pi.bth.dest_qp);
    uint8_t *q = m->data + m->pi.l4_off + PKT_UDP_HLEN + 5;
    q[0] = (uint8_t)(c->old >> 16), q[1] = (uint8_t)(c->old >> 8), q[2] = (uint8_t)c->old;
    if (c->other_peer) {
        uint8_t *ip = m->data + m->pi.l3_off;
        ip[19] ^= 0x40; /* another host of the subnet */
        ip[10] = ip[11] = 0;
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2)
            sum += (uint32_t)ip[i] << 8 | ip[i + 1];
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
    }
    return MUT_HIT;
}

/* rdma-failover: (a) SMB_1's CM exchange on SLOT 3 after the failover
 * removed: its first RoCE frame there is data; (b) the qp_error row of
 * the failover removed: the QPs were not torn down ([S]); (c) a data frame
 * on SLOT 3 addressed to the QP SMB_1 used on SLOT 2 (an old QP). */
static void test_fo009_reconnect(void)
{
    const char *dir = run_scn(RDMA_FO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    struct check_report *r = craft(dir, "fo009a", drop_mads, NULL, NULL, NULL, out, sizeof out);
    uint64_t want = first_in_run(out, "hv1/SLOT 3", PCAPNG_DIR_OUT, 3 * SIM_MS, SMB1_MAC, 1);
    CU_ASSERT_FATAL(want > 0);
    expect(r, "FO-009", CHECK_FAIL, want, 0);
    check_report_free(r);
    uint64_t aff = sql_u64(dir, "SELECT seq FROM events_v WHERE kind = 'affinity_set' AND "
                                "reason = 'failover' AND obj = 'hv1/vEthernet (SMB_1)' AND "
                                "time_ps > 0");
    r = craft(dir, "fo009b", NULL, NULL, "DELETE FROM events WHERE kind = (SELECT id FROM "
              "event_kinds WHERE name = 'qp_error') AND reason = 'failover';", NULL, out,
              sizeof out);
    expect(r, "FO-009", CHECK_FAIL, 0, aff);
    check_report_free(r);
    struct oldqp_ctx c = {0};
    uint64_t hit;
    r = craft(dir, "fo009c", old_qp, &c, NULL, &hit, out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    expect(r, "FO-009", CHECK_FAIL, hit, 0);
    check_report_free(r);
    /* (d) the same QP number at another peer's address is another QP (every
     * device numbers its QPs from the same first one): no offence */
    struct oldqp_ctx d = {.other_peer = 1};
    r = craft(dir, "fo009d", old_qp, &d, NULL, &hit, out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    CU_ASSERT_NOT_EQUAL(check_report_find(r, "FO-009")->status, CHECK_FAIL);
    check_report_free(r);
}

/* ---- DCB ---- */

/* Rewrites two of every three priority-3 frames hv1/SLOT 2 sends in
 * [10 ms, 20 ms) to priority 0. */
static int ets_shift(void *ctx, struct mpkt *m, struct capread *r)
{
    int *k = ctx;
    if (!m->parsed || m->dir != PCAPNG_DIR_OUT || m->ts < 10 * SIM_MS || m->ts >= 20 * SIM_MS ||
        !(m->pi.layers & PKT_HAS_VLAN) || m->pi.pcp != 3 ||
        strcmp(capread_if_name(r, m->ifid), "hv1/SLOT 2") != 0)
        return MUT_KEEP;
    if ((*k)++ % 3 != 0)
        m->data[14] &= 0x1F;
    return MUT_KEEP;
}

/* dcb-ets: priority 3 gets 30 % of the saturated link (clean); with two
 * thirds of its frames of the second window relabelled priority 0, its
 * share there is about 10 %: a warning at the member's first frame of the
 * next window. */
static void test_dcb006_ets_share(void)
{
    int k = 0;
    char out[700];
    struct check_report *r = craft(run_scn(DCB_ETS), "dcb006", ets_shift, &k, NULL, NULL, out,
                                   sizeof out);
    CU_ASSERT_FATAL(k > 100);
    uint64_t want = first_in_run(out, "hv1/SLOT 2", PCAPNG_DIR_OUT, 20 * SIM_MS - 1, NULL, 0);
    expect(r, "DCB-006", CHECK_WARN, want, 0);
    check_report_free(r);
}

/* Turns the 50th iWARP data segment into a retransmission (its sequence
 * number set back to the previous segment's of its connection). */
struct retx_ctx {
    int n;
    uint32_t prev_seq;
    uint8_t src[4];         /* the connection: the first data segment's source */
    uint16_t sport;
};

static int iwarp_retx(void *ctx, struct mpkt *m, struct capread *r)
{
    (void)r;
    struct retx_ctx *c = ctx;
    if (!m->parsed || !(m->pi.layers & PKT_HAS_TCP) || m->pi.dport != 5445 || m->pi.l5_len < 100)
        return MUT_KEEP;
    if (c->sport && (m->pi.sport != c->sport || memcmp(m->pi.ip_src, c->src, 4) != 0))
        return MUT_KEEP;
    c->sport = m->pi.sport;
    memcpy(c->src, m->pi.ip_src, 4);
    if (++c->n < 50) {
        c->prev_seq = m->pi.tcp_seq;
        return MUT_KEEP;
    }
    if (c->n > 50)
        return MUT_KEEP;
    uint8_t *s = m->data + m->pi.l4_off + 4;
    s[0] = (uint8_t)(c->prev_seq >> 24), s[1] = (uint8_t)(c->prev_seq >> 16);
    s[2] = (uint8_t)(c->prev_seq >> 8), s[3] = (uint8_t)c->prev_seq;
    return MUT_HIT;
}

static unsigned long long retx_of(const struct check_verdict *v)
{
    const char *p = strstr(v->reason, "frames, ");
    return p ? strtoull(p + 8, NULL, 10) : ~0ull;
}

/* DCB-008 is info: iwarp-without-dcb passes with its iWARP frames counted;
 * a crafted retransmission is one more in the figures and still passes. */
static void test_dcb008_iwarp_metrics(void)
{
    const char *dir = run_scn(IWARP);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    struct check_report *r = check_dir(dir);
    const struct check_verdict *v = check_report_find(r, "DCB-008");
    CU_ASSERT_EQUAL(v->status, CHECK_PASS);
    CU_ASSERT(v->checked > 100);
    unsigned long long base = retx_of(v);
    CU_ASSERT(base != ~0ull);
    CU_ASSERT_FALSE(check_report_failed(r));
    check_report_free(r);
    struct retx_ctx c = {0};
    char out[700];
    uint64_t hit;
    r = craft(dir, "dcb008", iwarp_retx, &c, NULL, &hit, out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    v = check_report_find(r, "DCB-008");
    CU_ASSERT_EQUAL(v->status, CHECK_PASS);
    CU_ASSERT_EQUAL(v->violations, 0);
    CU_ASSERT_EQUAL(retx_of(v), base + 1);
    check_report_free(r);
}

/* Sets priority 3 on the 5th TCP port 445 frame hv1 sends. */
static int tcp445_p3(void *ctx, struct mpkt *m, struct capread *r)
{
    (void)r;
    int *n = ctx;
    if (!m->parsed || m->dir != PCAPNG_DIR_OUT || !(m->pi.layers & PKT_HAS_TCP) ||
        !(m->pi.layers & PKT_HAS_VLAN) || (m->pi.dport != 445 && m->pi.sport != 445) ||
        ++*n != 5)
        return MUT_KEEP;
    m->data[14] = (uint8_t)((m->data[14] & 0x1F) | 3 << 5);
    return MUT_HIT;
}

static void test_dcb011_tcp445_tagged(void)
{
    int n = 0;
    char out[700];
    uint64_t hit;
    struct check_report *r = craft(run_scn(DCB_ETS), "dcb011", tcp445_p3, &n, NULL, &hit, out,
                                   sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    expect(r, "DCB-011", CHECK_WARN, hit, 0);
    check_report_free(r);
}

/* ---- CFG ---- */

/* CFG-014 with a 1 ms grace: hyperv-port spreads its four VMs over both
 * members (pass); with every affinity row pointing at NIC 1, NIC 2 idles
 * while NIC 1 holds four: a warning at the end of the trace. */
static void test_cfg014_idle_member(void)
{
    const char *dir = run_example("hyperv-port");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    struct check_report *r = check_dir_opt(dir, SIM_MS);
    static const char *const pass[] = {"CFG-014", NULL};
    expect_clean(r, pass);
    check_report_free(r);
    char out[700];
    mutate(dir, craft_dir("cfg014", out, sizeof out), NULL, NULL,
           "UPDATE events SET obj2 = (SELECT id FROM objects WHERE name = 'hv1/NIC 1') WHERE "
           "kind = (SELECT id FROM event_kinds WHERE name = 'affinity_set');");
    r = check_dir_opt(out, SIM_MS);
    expect(r, "CFG-014", CHECK_WARN, 0, 0);
    CU_ASSERT(check_report_find(r, "CFG-014")->time > SIM_MS);
    check_report_free(r);
    /* With the default grace of 60 s, a 10 ms run cannot idle long enough. */
    r = check_dir(out);
    CU_ASSERT_EQUAL(check_report_find(r, "CFG-014")->status, CHECK_PASS);
    check_report_free(r);
}

/* switch-remove: one of vm3's frames on hv2 at 7 ms rewritten to vm1's
 * source MAC: a frame from a vPort of the removed switch. */
static void test_cfg016_after_removal(void)
{
    struct msel s = {.n = 1, .ifname = "hv2/SLOT 2", .dir = PCAPNG_DIR_OUT, .src = HV2_VM3_MAC,
                    .after = 7 * SIM_MS, .set_src = FO_VM1_MAC};
    char out[700];
    uint64_t hit;
    struct check_report *r = craft(run_scn(SWITCH_REMOVE), "cfg016", msel_apply, &s, NULL, &hit,
                                   out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    expect(r, "CFG-016", CHECK_FAIL, hit, 0);
    check_report_free(r);
}

/* rdma-failover: the member_down that follows hv1/SLOT 2's
 * adapter_restart (Enable-NetAdapterRdma at 0) removed: its member_up
 * comes without a down. */
static void test_cfg021_restart_without_down(void)
{
    const char *dir = run_scn(RDMA_FO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t rs = sql_u64(dir, "SELECT min(seq) FROM events_v WHERE kind = 'adapter_restart' "
                               "AND obj = 'hv1/SLOT 2'");
    char sql[512], q[512], out[700];
    snprintf(q, sizeof q, "SELECT min(seq) FROM events_v WHERE kind = 'member_down' AND obj = "
             "'hv1/SLOT 2' AND seq > %llu", (unsigned long long)rs);
    uint64_t down = sql_u64(dir, q);
    snprintf(q, sizeof q, "SELECT min(seq) FROM events_v WHERE kind = 'member_up' AND obj = "
             "'hv1/SLOT 2' AND seq > %llu", (unsigned long long)down);
    uint64_t up = sql_u64(dir, q);
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq = %llu;", (unsigned long long)down);
    struct check_report *r = craft(dir, "cfg021", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "CFG-021", CHECK_FAIL, 0, up);
    check_report_free(r);
}

/* failover-mac-takeover: the first rx_deliver row says 65000 octets (a
 * coalesced indication). */
static void test_cfg025_coalesced(void)
{
    const char *dir = run_example("failover-mac-takeover");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    uint64_t seq = sql_u64(dir, "SELECT min(seq) FROM events_v WHERE kind = 'rx_deliver'");
    char sql[256], out[700];
    snprintf(sql, sizeof sql, "UPDATE events SET value = 65000 WHERE seq = %llu;",
             (unsigned long long)seq);
    struct check_report *r = craft(dir, "cfg025", NULL, NULL, sql, NULL, out, sizeof out);
    expect(r, "CFG-025", CHECK_FAIL, 0, seq);
    check_report_free(r);
}

/* rdma-failover: (CFG-030) hv1's facts give SMB_1 no NetDirect priority:
 * its first RoCE frame fails; (CFG-034) hv1/SLOT 3's qos_programmed rows
 * removed (NetAdapterQos never enabled there): the first RoCE frame an
 * RDMA vNIC sends on it fails.  seed-set-rdma, verbatim, enables
 * NetAdapterQos on SLOT 2 only and SMB_2 sends RoCE on SLOT 3: CFG-034
 * fails there (the seed's gap, spec/rules.md Appendix B.4). */
static void test_cfg030_cfg034_preconditions(void)
{
    const char *dir = run_scn(RDMA_FO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    struct check_report *r = craft(dir, "cfg030", NULL, NULL,
                                   "UPDATE events SET detail = replace(detail, '\t1\t3\t', "
                                   "'\t1\t-1\t') WHERE detail LIKE 'check.vport\thv1/vEthernet "
                                   "(SMB_1)\t%';", NULL, out, sizeof out);
    uint64_t want = first_in_run(out, NULL, PCAPNG_DIR_OUT, 0, SMB1_MAC, 1);
    CU_ASSERT_FATAL(want > 0);
    expect(r, "CFG-030", CHECK_FAIL, want, 0);
    check_report_free(r);
    r = craft(dir, "cfg034", NULL, NULL,
              "DELETE FROM events WHERE kind = (SELECT id FROM event_kinds WHERE name = "
              "'qos_programmed') AND obj = (SELECT id FROM objects WHERE name = 'hv1/SLOT 3');",
              NULL, out, sizeof out);
    uint64_t a = first_in_run(out, "hv1/SLOT 3", PCAPNG_DIR_OUT, 0, SMB1_MAC, 1);
    uint64_t b = first_in_run(out, "hv1/SLOT 3", PCAPNG_DIR_OUT, 0, SMB2_MAC, 1);
    want = a && (a < b || !b) ? a : b;
    CU_ASSERT_FATAL(want > 0);
    expect(r, "CFG-034", CHECK_FAIL, want, 0);
    check_report_free(r);
    const char *seed = run_scn(SEED_SET_RDMA);
    CU_ASSERT_PTR_NOT_NULL_FATAL(seed);
    r = check_dir(seed);
    expect(r, "CFG-034", CHECK_FAIL, first_in_run(seed, "hv1/SLOT 3", PCAPNG_DIR_OUT, 0,
                                                  SMB2_MAC, 1), 0);
    CU_ASSERT_EQUAL(check_report_find(r, "CFG-030")->status, CHECK_PASS);
    check_report_free(r);
}

/* pause-storm with every qos_programmed row saying blocked(willing): the
 * first PFC frame a member sends fails CFG-035 (DCB-009 is about the
 * debugger only: it passes). */
static void test_cfg035_pfc_while_willing(void)
{
    static const char *sql =
        "UPDATE events SET reason = 'blocked(willing)' WHERE kind = (SELECT id FROM "
        "event_kinds WHERE name = 'qos_programmed');";
    struct msel s = {.n = 1, .need_pfc = 1};
    char out[700];
    uint64_t hit;
    struct check_report *r = craft(run_example("pause-storm"), "cfg035", msel_apply, &s, sql,
                                   &hit, out, sizeof out);
    CU_ASSERT_FATAL(hit > 0);
    expect(r, "CFG-035", CHECK_FAIL, hit, 0);
    CU_ASSERT_NOT_EQUAL(check_report_find(r, "DCB-009")->status, CHECK_FAIL);
    check_report_free(r);
}

/* ---- external captures ---- */

/* Appends `extra` to the line of member `nic` in mapping file map (before
 * its closing brace). */
static void map_member_add(const char *map, const char *nic, const char *extra)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sed -i 's|^\\(  \"%s\": {.*\\) }$|\\1, %s }|' '%s'", nic, extra,
             map);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
}

static void mkdir_clean(const char *dir)
{
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
}

/* Through a mapping file: rdma-failover's members as pcap files.  With
 * `qos: enabled` on both members CFG-034 and CFG-030 pass; `qos: disabled`
 * on SLOT 3 fails CFG-034 at SLOT 3's first RoCE frame of an RDMA vNIC
 * (numbered in SLOT_3.pcap), `pfc_priorities: [4]` on SLOT 2 fails CFG-030
 * at SLOT 2's first one; FO-009 passes (the move inferred from the
 * frames; SLOT 2 cut at 3 ms is a link event).  fo-failback with its link
 * events: FO-005 and FO-006 pass; one frame of vm2 (unmapped, on SLOT 3)
 * moved to SLOT 2 after it recovered warns FO-006.  Bad values of the new
 * keys: file:line:col, exit 2. */
static void test_fodcb_mapping(void)
{
    const char *dir = run_scn(RDMA_FO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700], map[800], pcap[900];
    craft_dir("ext-fodcb", out, sizeof out);
    mkdir_clean(out);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    static const char *cut = "links:\n  - { at: 3ms, member: \"SLOT 2\", state: down }\n";
    write_mapping(dir, "hv1/SETswitch", out, map, cut);
    map_member_add(map, "SLOT 2", "qos: enabled");
    map_member_add(map, "SLOT 3", "qos: enabled");
    struct check_report *r = check_map_file(map);
    static const char *const pass[] = {"CFG-030", "CFG-034", "FO-009", NULL};
    expect_clean(r, pass);
    check_report_free(r);
    write_mapping(dir, "hv1/SETswitch", out, map, cut);
    map_member_add(map, "SLOT 3", "qos: disabled");
    r = check_map_file(map);
    snprintf(pcap, sizeof pcap, "%s/SLOT_3.pcap", out);
    uint64_t a = first_frame(pcap, NULL, 0, 0, SMB1_MAC, 1);
    uint64_t b = first_frame(pcap, NULL, 0, 0, SMB2_MAC, 1);
    expect(r, "CFG-034", CHECK_FAIL, a && (a < b || !b) ? a : b, 0);
    check_report_free(r);
    write_mapping(dir, "hv1/SETswitch", out, map, cut);
    map_member_add(map, "SLOT 2", "pfc_priorities: [4]");
    r = check_map_file(map);
    snprintf(pcap, sizeof pcap, "%s/SLOT_2.pcap", out);
    a = first_frame(pcap, NULL, 0, 0, SMB1_MAC, 1);
    b = first_frame(pcap, NULL, 0, 0, SMB2_MAC, 1);
    expect(r, "CFG-030", CHECK_FAIL, a && (a < b || !b) ? a : b, 0);
    check_report_free(r);
    /* fo-failback through its pcap files and link events. */
    static const char *links = "links:\n  - { at: 5ms, member: \"SLOT 2\", state: down }\n"
                               "  - { at: 10ms, member: \"SLOT 2\", state: up }\n";
    const char *fb = run_scn(FO_FAILBACK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
    write_mapping(fb, "hv1/SETswitch", out, map, links);
    r = check_map_file(map);
    /* Only these: vm1's failback at 1.010 s has no link event, so the
     * inferred affinity of HVP-003/HVP-007 misses it (their limit). */
    static const char *const fbpass[] = {"FO-005", "FO-006", NULL};
    for (const char *const *id = fbpass; *id; id++) {
        const struct check_verdict *v = check_report_find(r, *id);
        if (v->status != CHECK_PASS)
            fprintf(stderr, "\n%s: %s (%s), want pass\n", *id, check_status_name(v->status),
                    v->reason);
        CU_ASSERT_EQUAL(v->status, CHECK_PASS);
    }
    check_report_free(r);
    char craftdir[700];
    struct msel s = {.n = 1, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .src = FO_VM2_MAC,
                    .after = 20 * SIM_MS, .move_to = "hv1/SLOT 2"};
    uint64_t hit = mutate(fb, craft_dir("fo006-wire", craftdir, sizeof craftdir), msel_apply, &s,
                          NULL);
    CU_ASSERT_FATAL(hit > 0);
    write_mapping(craftdir, "hv1/SETswitch", out, map, links);
    r = check_map_file(map);
    snprintf(pcap, sizeof pcap, "%s/SLOT_2.pcap", out);
    expect(r, "FO-006", CHECK_WARN, first_frame(pcap, NULL, 0, 20 * SIM_MS, FO_VM2_MAC, 0), 0);
    check_report_free(r);
    /* Bad values. */
    write_mapping(dir, "hv1/SETswitch", out, map, NULL);
    map_member_add(map, "SLOT 3", "qos: maybe");
    char cmd[2000], txt[4096];
    snprintf(cmd, sizeof cmd, "'%s' check --mapping '%s'", SETSIM_BIN, map);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "map.yaml:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "maybe"));
    write_mapping(dir, "hv1/SETswitch", out, map, NULL);
    map_member_add(map, "SLOT 3", "pfc_priorities: [9]");
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "map.yaml:"));
}

/* CFG-035 through a mapping file: pause-storm's switch-side capture of
 * hv2/SLOT 2 (tor1/3) as a pcap; hv2/SLOT 2 emits the PFC storm.  With
 * `qos: enabled` CFG-035 passes; with `qos: willing` (DCBX willing mode:
 * NetQos not applied) its first PFC frame fails. */
static void test_cfg035_mapping(void)
{
    const char *dir = run_example("pause-storm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700], map[800], pcap[900];
    craft_dir("ext-cfg035", out, sizeof out);
    mkdir_clean(out);
    snprintf(pcap, sizeof pcap, "%s/slot2.pcap", out);
    split_pcap(dir, "tor1/3", pcap, DLT_EN10MB);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    static const uint8_t pmac[6] = {0x02, 0x53, 0x45, 0x02, 0x00, 0x01};
    const char *qos[] = {"enabled", "willing"};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(map, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fprintf(f, "team: hv2/ext\nmode: HyperVPort\npfc_priorities: [3]\nmembers:\n"
                "  \"SLOT 2\": { mac: \"02:53:45:02:00:01\", rate: 25Gbps, capture: slot2.pcap, "
                "side: switch, qos: %s }\n", qos[i]);
        fclose(f);
        struct check_report *r = check_map_file(map);
        if (i == 0) {
            const struct check_verdict *v = check_report_find(r, "CFG-035");
            CU_ASSERT_EQUAL(v->status, CHECK_PASS);
            CU_ASSERT(v->checked > 0);
        } else {
            uint64_t want = first_frame(pcap, NULL, 0, 0, pmac, 0);
            CU_ASSERT_FATAL(want > 0);
            expect(r, "CFG-035", CHECK_FAIL, want, 0);
        }
        check_report_free(r);
    }
}

int suite_check_fodcb(void)
{
    CU_pSuite s = test_suite("check_fodcb");
    if (!s)
        return -1;
    struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"fodcb_clean", test_fodcb_clean},
        {"hvp007_late_copy", test_hvp007_late_copy},
        {"hvp007_unknown_switch", test_hvp007_unknown_switch},
        {"fo005_unlearned", test_fo005_unlearned},
        {"fo006_failback", test_fo006_failback},
        {"fo007_no_failback", test_fo007_no_failback},
        {"fo_recorded_knobs", test_fo_recorded_knobs},
        {"fo008_bad_recovery", test_fo008_bad_recovery},
        {"fo009_reconnect", test_fo009_reconnect},
        {"dcb006_ets_share", test_dcb006_ets_share},
        {"dcb008_iwarp_metrics", test_dcb008_iwarp_metrics},
        {"dcb011_tcp445_tagged", test_dcb011_tcp445_tagged},
        {"cfg014_idle_member", test_cfg014_idle_member},
        {"cfg016_after_removal", test_cfg016_after_removal},
        {"cfg021_restart_without_down", test_cfg021_restart_without_down},
        {"cfg025_coalesced", test_cfg025_coalesced},
        {"cfg030_cfg034_preconditions", test_cfg030_cfg034_preconditions},
        {"cfg035_pfc_while_willing", test_cfg035_pfc_while_willing},
        {"fodcb_mapping", test_fodcb_mapping},
        {"cfg035_mapping", test_cfg035_mapping},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
