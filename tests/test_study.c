/* test_study: study files (scenarios/study.c) and run metrics
 * (results/run_metrics.c): points are the product of the parameters in
 * file order times the seeds, with the overrides each value makes (set
 * paths, variants' sets and text edits that accumulate on one scalar);
 * ranges by step and factor; bad study files give file:line:col messages
 * naming the problem; built-in metrics computed over a run database with
 * known flows, drops and pauses give the numbers those rows imply. */
#include "test_util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "run_metrics.h"
#include "study_data.h"
#include "study_db.h"
#include "study.h"
#include "trace.h"

/* The sweep suite's base scenario, absolute. */
static const char *base__(void)
{
    static char buf[1024];
    return test_src_path("tests/sweep/base.yaml", buf, sizeof buf);
}

/* Loads a study from text in which every "BASE" is the base path. */
static int load__(const char *text, struct study **st, struct ydoc_err *e)
{
    char buf[8192];
    const char *b = base__();
    size_t o = 0;
    for (const char *p = text; *p && o < sizeof buf - 1024; p++) {
        if (strncmp(p, "BASE", 4) == 0) {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", b);
            p += 3;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    memset(e, 0, sizeof *e);
    return study_load_string(buf, o, "s.yaml", 1, st, e);
}

static void test_points(void)
{
    static const char text[] =
        "study: { name: t, base: BASE, seeds: 2, first_seed: 7 }\n"
        "parameters:\n"
        "  vms: { set: [hosts.hv1.vms.0.count], values: [2, 4] }\n"
        "  rate: { set: [traffic.0.rate, traffic.1.rate], range: { from: 2, to: 6, step: 2, unit: Gbps } }\n"
        "metrics:\n"
        "  n: { sql: 'SELECT 1' }\n";
    struct study *st;
    struct ydoc_err e;
    CU_ASSERT_EQUAL_FATAL(load__(text, &st, &e), 0);
    CU_ASSERT_EQUAL(study_point_count(st), 2 * 3 * 2);
    CU_ASSERT_EQUAL(study_param_value_count(st, 1), 3);
    CU_ASSERT_STRING_EQUAL(study_param_value(st, 1, 2), "6Gbps");
    struct study_point pt;
    CU_ASSERT_EQUAL_FATAL(study_point(st, 1, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "vms=2 rate=2Gbps");
    CU_ASSERT_EQUAL(pt.seed, 7);
    CU_ASSERT_EQUAL_FATAL(pt.nsets, 3);
    CU_ASSERT_STRING_EQUAL(pt.sets[0], "hosts.hv1.vms.0.count=2");
    CU_ASSERT_STRING_EQUAL(pt.sets[1], "traffic.0.rate=2Gbps");
    CU_ASSERT_STRING_EQUAL(pt.sets[2], "traffic.1.rate=2Gbps");
    CU_ASSERT_STRING_EQUAL(pt.run_dir, "runs/p0001");
    study_point_clear(&pt);
    /* Seeds vary fastest, then the last parameter. */
    CU_ASSERT_EQUAL_FATAL(study_point(st, 2, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "vms=2 rate=2Gbps");
    CU_ASSERT_EQUAL(pt.seed, 8);
    study_point_clear(&pt);
    CU_ASSERT_EQUAL_FATAL(study_point(st, 3, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "vms=2 rate=4Gbps");
    study_point_clear(&pt);
    CU_ASSERT_EQUAL_FATAL(study_point(st, 12, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "vms=4 rate=6Gbps");
    CU_ASSERT_EQUAL(pt.seed, 8);
    study_point_clear(&pt);
    CU_ASSERT_EQUAL(study_point(st, 13, &pt), -ERANGE);
    CU_ASSERT_EQUAL(study_point(st, 0, &pt), -ERANGE);
    /* Automatic report layout: x is the first numeric parameter. */
    CU_ASSERT_EQUAL(study_plot_x(st), 0);
    CU_ASSERT_EQUAL(study_plot_lines(st), 1);
    CU_ASSERT_EQUAL(study_plot_panels(st), -1);
    study_free(st);
}

static void test_variants_and_edits(void)
{
    static const char text[] =
        "study: { name: t, base: BASE }\n"
        "parameters:\n"
        "  mode:\n"
        "    variants:\n"
        "      Dynamic: {}\n"
        "      HyperVPort:\n"
        "        edit:\n"
        "          - { path: 'hosts.*.powershell', find: 'Dynamic', replace: 'HyperVPort' }\n"
        "  nics:\n"
        "    variants:\n"
        "      fast: { set: ['nic_models.cx5.rate=50Gbps'] }\n"
        "      renamed:\n"
        "        edit:\n"
        "          - { path: hosts.hv1.powershell, find: 'Name SETswitch ', replace: 'Name SW1 ' }\n"
        "metrics:\n"
        "  n: { sql: 'SELECT 1' }\n";
    struct study *st;
    struct ydoc_err e;
    int rc = load__(text, &st, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(study_point_count(st), 4);
    struct study_point pt;
    /* Dynamic + fast: one plain override, no edit. */
    CU_ASSERT_EQUAL_FATAL(study_point(st, 1, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "mode=Dynamic nics=fast");
    CU_ASSERT_EQUAL_FATAL(pt.nsets, 1);
    CU_ASSERT_STRING_EQUAL(pt.sets[0], "nic_models.cx5.rate=50Gbps");
    study_point_clear(&pt);
    /* HyperVPort + renamed: hv1's script gets both edits in one override,
     * hv2's only the mode edit (it has the word once). */
    CU_ASSERT_EQUAL_FATAL(study_point(st, 4, &pt), 0);
    CU_ASSERT_EQUAL_FATAL(pt.nsets, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.sets[0], "hosts.hv1.powershell="));
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.sets[0], "-LoadBalancingAlgorithm HyperVPort"));
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.sets[0], "New-VMSwitch -Name SW1 "));
    CU_ASSERT_PTR_NULL(strstr(pt.sets[0], "Dynamic"));
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.sets[1], "hosts.hv2.powershell="));
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.sets[1], "New-VMSwitch -Name SETswitch "));
    study_point_clear(&pt);
    CU_ASSERT_EQUAL(study_plot_x(st), 1);     /* no numeric parameter: not the mode */
    CU_ASSERT_EQUAL(study_plot_lines(st), 0); /* "mode" draws the lines */
    study_free(st);
}

static void test_range_factor(void)
{
    static const char text[] =
        "study: { name: t, base: BASE }\n"
        "parameters:\n"
        "  vms: { set: [hosts.hv1.vms.0.count], range: { from: 4, to: 64, factor: 2 } }\n"
        "metrics:\n"
        "  p99: { builtin: fct_p99, class: smb, unit: ms }\n"
        "questions:\n"
        "  - text: most VMs\n"
        "    largest: vms\n"
        "    where: { metric: p99, below: 2ms }\n";
    struct study *st;
    struct ydoc_err e;
    CU_ASSERT_EQUAL_FATAL(load__(text, &st, &e), 0);
    CU_ASSERT_EQUAL_FATAL(study_param_value_count(st, 0), 5);
    static const char *const want[] = {"4", "8", "16", "32", "64"};
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_STRING_EQUAL(study_param_value(st, 0, i), want[i]);
    const struct capacity_question *q = study_question(st, 0);
    CU_ASSERT_EQUAL(q->largest, 1);
    CU_ASSERT_EQUAL(q->below, 1);
    CU_ASSERT_DOUBLE_EQUAL(q->threshold, 2.0, 1e-12); /* 2 ms in the metric's ms */
    CU_ASSERT_EQUAL(study_metric(st, 0)->kind, RUN_METRIC_FCT);
    CU_ASSERT_DOUBLE_EQUAL(study_metric(st, 0)->percentile, 99, 1e-12);
    study_free(st);
}

static void test_bad_studies(void)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"study: { name: t, sedes: 2, base: BASE }\nparameters: {}\nmetrics: {}\n",
         "s.yaml:1:19: unknown key 'sedes' in 'study' (did you mean 'seeds'?)"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [a.b], values: [1], rnage: {} }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:33: unknown key 'rnage' in 'parameters.x' (did you mean 'range'?)"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { values: [1, 2] }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:6: parameter 'x' needs 'set'"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [traffic.0.rat], values: [1Gbps] }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:6: point 'x=1Gbps' makes a scenario that is not valid: --set:1:11: unknown key "
         "'rat' in 'traffic.0' (did you mean 'rate'?)"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [traffic.0.rate], values: [fast] }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:6: point 'x=fast' makes a scenario that is not valid: --set:1:16: 'rate: fast'"},
        {"study: { name: t, base: BASE }\nparameters:\n  m:\n    variants:\n      a:\n        edit:\n"
         "          - { path: 'hosts.*.powershell', find: 'Dynamc', replace: x }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:7:49: edit: 'Dynamc' does not occur in hosts.*.powershell"},
        {"study: { name: t, base: nosuch.yaml }\nparameters:\n  x: { set: [a], values: [1] }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:1:25: base scenario nosuch.yaml: cannot read"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [a], values: [1] }\n"
         "metrics: { n: { builtin: fct_p99, unit: Gbps } }\n",
         "s.yaml:4:41: metric 'n': unit 'Gbps' is not one of ps, ns, us, ms, s"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [a], values: [1] }\n"
         "metrics: { n: { builtin: drops, class: smb } }\n",
         "s.yaml:4:40: metric 'n': 'class' does not apply to drops metrics"},
        {"study: { name: t, base: BASE }\nparameters:\n  vms: { set: [a], values: [1] }\n"
         "metrics: { n: { builtin: fct_p99 } }\nquestions:\n"
         "  - { text: q, largest: vm, where: { metric: n, below: 2ms } }\n",
         "s.yaml:6:25: unknown parameter 'vm' (did you mean 'vms'?)"},
        {"study: { name: t, base: BASE }\nparameters:\n  vms: { set: [a], values: [1] }\n"
         "metrics: { p99: { builtin: fct_p99 } }\nquestions:\n"
         "  - { text: q, largest: vms, where: { metric: p99, below: fast } }\n",
         "s.yaml:6:59: 'below: fast'"},
        {"study: { name: t, base: BASE }\nparameters:\n  vms: { set: [a], range: { from: 8, to: 4, step: 1 } }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:42: 'to: 4' is below 'from: 8'"},
        {"study: { name: t, base: BASE }\nparameters:\n  vms: { set: [a], range: { from: 1, to: 4, step: 1, factor: 2 } }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:54: 'factor' cannot be combined with 'step'"},
        {"study: { name: t, base: BASE }\nparameters:\n  x: { set: [a], values: [1, 1] }\n"
         "metrics: { n: { sql: x } }\n",
         "s.yaml:3:30: value '1' of parameter 'x' is listed twice"},
        {"study: [1, 2\n", "s.yaml:2:1:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct study *st = NULL;
        struct ydoc_err e;
        int rc = load__(cases[i].text, &st, &e);
        CU_ASSERT_EQUAL(rc, -EINVAL);
        int ok = rc == -EINVAL && strstr(e.msg, cases[i].says) == e.msg;
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "case %zu: got '%s'\n   want '%s...'\n", i, e.msg, cases[i].says);
        study_free(st);
    }
}

/* ---- metrics ------------------------------------------------------------ */

static double metric__(sqlite3 *db, struct run_metric m, int *is_null)
{
    double v = -1;
    char err[256];
    int rc = run_metric_eval(db, &m, &v, is_null, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "%s\n", err);
    return v;
}

static void test_metrics(void)
{
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    struct trace_run_info info = {.seed = 1, .scenario = "m", .scenario_hash = "h",
                                  .engine = "native"};
    struct trace *t = trace_open(path, &info, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* 100 SMB flows with FCT 1..100 us, 8 KB each; two incomplete TCP
     * flows; a lossy drop x3 and a headroom drop on priority 3. */
    for (int i = 1; i <= 100; i++) {
        struct trace_flow_row f = {.id = (uint64_t)i, .generator = "smb", .kind = "smb",
                                   .cls = "smb", .prio = 3, .src = "a", .dst = "b",
                                   .start = SIM_MS, .end = SIM_MS + (sim_time_t)i * SIM_US,
                                   .size_bytes = 8000, .sent_bytes = 8000,
                                   .delivered_bytes = 8000, .complete = 1};
        CU_ASSERT_EQUAL(trace_flow_result(t, &f), 0);
    }
    for (int i = 0; i < 2; i++) {
        struct trace_flow_row f = {.id = 200 + (uint64_t)i, .generator = "bg", .kind = "tcp",
                                   .prio = 0, .src = "c", .dst = "d", .start = 0,
                                   .stop = 10 * SIM_MS, .sent_bytes = 1000000,
                                   .delivered_bytes = 1000000};
        CU_ASSERT_EQUAL(trace_flow_result(t, &f), 0);
    }
    int port = trace_object(t, "tor1/1", "port");
    for (int i = 0; i < 3; i++)
        trace_drop(t, SIM_MS, (trace_obj_t)port, TRACE_DROP_LOSSY_QUEUE_FULL, 0, 0, 1500);
    trace_drop(t, SIM_MS, (trace_obj_t)port, TRACE_DROP_HEADROOM_OVERFLOW, 3, 0, 1500);
    /* Priority 3 paused 2..5 ms (resume), priority 4 from 9 ms to the end. */
    trace_pfc_pause(t, 2 * SIM_MS, (trace_obj_t)port, 3, 0xffff);
    trace_pfc_resume(t, 5 * SIM_MS, (trace_obj_t)port, 3);
    trace_pfc_pause(t, 9 * SIM_MS, (trace_obj_t)port, 4, 0xffff);
    int qm = trace_metric(t, "queue_bytes", "B");
    trace_sample(t, SIM_MS, (trace_obj_t)port, (trace_metric_t)qm, 1000);
    trace_sample(t, 2 * SIM_MS, (trace_obj_t)port, (trace_metric_t)qm, 96000);
    int q3 = trace_metric(t, "queue_p3_bytes", "B"), q0 = trace_metric(t, "queue_p0_bytes", "B");
    trace_sample(t, SIM_MS, (trace_obj_t)port, (trace_metric_t)q3, 150000);
    trace_sample(t, 2 * SIM_MS, (trace_obj_t)port, (trace_metric_t)q3, 20000);
    trace_sample(t, SIM_MS, (trace_obj_t)port, (trace_metric_t)q0, 30000);
    CU_ASSERT_EQUAL(trace_finish(t, 10 * SIM_MS, 1), 0);
    trace_close(t);

    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    int nul;
    struct run_metric m = {.name = "x", .kind = RUN_METRIC_FCT, .cls = "smb", .prio = -1,
                           .percentile = 99, .unit = "us"};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 99.0, 1e-9);
    CU_ASSERT_EQUAL(nul, 0);
    m.percentile = 50;
    m.unit = "ms";
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 0.050, 1e-12);
    m.cls = "tcp"; /* no completed flow of the class: no data, not 0 */
    metric__(db, m, &nul);
    CU_ASSERT_EQUAL(nul, 1);
    /* Goodput over the 10 ms run: (100 * 8000 + 2 * 1e6) * 8 / 10 ms. */
    m = (struct run_metric){.name = "g", .kind = RUN_METRIC_GOODPUT, .prio = -1, .unit = "Gbps"};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), (800000.0 + 2e6) * 8 / 0.01 / 1e9, 1e-9);
    m.cls = "smb";
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 800000.0 * 8 / 0.01 / 1e9, 1e-9);
    m = (struct run_metric){.name = "d", .kind = RUN_METRIC_DROPS, .prio = -1};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 4, 1e-12);
    m.reason = "lossy_queue_full";
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 3, 1e-12);
    m.reason = NULL;
    m.prio = 3;
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 1, 1e-12);
    m = (struct run_metric){.name = "p", .kind = RUN_METRIC_PAUSE_TIME, .prio = -1,
                            .unit = "ms"};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 3.0 + 1.0, 1e-9);
    m.prio = 3;
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 3.0, 1e-9);
    m = (struct run_metric){.name = "q", .kind = RUN_METRIC_MAX_QUEUE, .prio = -1,
                            .unit = "KB"};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 150.0, 1e-9); /* the sampler's per prio */
    m.prio = 0;
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 30.0, 1e-9);
    m.prio = 5;
    metric__(db, m, &nul);
    CU_ASSERT_EQUAL(nul, 1);
    m = (struct run_metric){.name = "s", .kind = RUN_METRIC_SQL, .prio = -1,
                            .sql = "SELECT count(*) FROM flows WHERE kind = 'tcp'"};
    CU_ASSERT_DOUBLE_EQUAL(metric__(db, m, &nul), 2, 1e-12);
    m.sql = "SELECT * FROM nosuch";
    double v;
    char err[256];
    CU_ASSERT_EQUAL(run_metric_eval(db, &m, &v, &nul, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "metric 's': no such table: nosuch"));
    sqlite3_close(db);
}


/* ---- capacity questions --------------------------------------------------- */

/* The synthetic study: members (2, 4) x vms (4, 8, 16, 32) x mode
 * (Dynamic, HyperVPort) x 2 seeds, metric p99 in ms as the table says;
 * NAN: no data; -1: the point failed. */
static double p99__(int members, int vms, int mode, int seed)
{
    int vi = vms == 4 ? 0 : vms == 8 ? 1 : vms == 16 ? 2 : 3;
    static const double m2dyn[4] = {1.0, 1.5, 2.5, 3.0};
    static const double m2hvp[2][4] = {{1.0, 2.5, 1.8, 3.0}, {1.0, 1.5, 1.8, 3.0}};
    if (members == 2)
        return mode == 0 ? m2dyn[vi] : m2hvp[seed - 1][vi];
    if (mode == 0)
        return vi == 3 && seed == 2 ? -1 : 1.0 + 0.1 * vi;
    return vi == 0 && seed == 1 ? NAN : 1.0;
}

static void make_study_db__(const char *path)
{
    static const char *const pn[] = {"members", "vms", "mode"};
    static const char *const pl[] = {"Team members", "VMs per host", "Balancing mode"};
    static const char *const pu[] = {"", "", ""};
    static const char *const mn[] = {"p99"}, *const mu[] = {"ms"}, *const ml[] = {"SMB p99"};
    struct study_db_setup u = {.name = "synthetic", .file = "s.yaml", .hash = "abc",
                               .yaml = "", .nparams = 3, .param_names = pn,
                               .param_labels = pl, .param_units = pu, .nmetrics = 1,
                               .metric_names = mn, .metric_units = mu, .metric_labels = ml};
    struct study_db *db;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(study_db_open(path, &u, &db, err, sizeof err), 0);
    static const int members[] = {2, 4}, vms[] = {4, 8, 16, 32};
    static const char *const modes[] = {"Dynamic", "HyperVPort"};
    struct study_db_point pts[32];
    char keys[32][64], mv[32][8], vv[32][8];
    const char *vals[32][3];
    double nums[32][3];
    size_t n = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 2; c++)
                for (int seed = 1; seed <= 2; seed++, n++) {
                    snprintf(keys[n], sizeof keys[n], "members=%d vms=%d mode=%s", members[a],
                             vms[b], modes[c]);
                    snprintf(mv[n], sizeof mv[n], "%d", members[a]);
                    snprintf(vv[n], sizeof vv[n], "%d", vms[b]);
                    vals[n][0] = mv[n], vals[n][1] = vv[n], vals[n][2] = modes[c];
                    nums[n][0] = members[a], nums[n][1] = vms[b], nums[n][2] = NAN;
                    pts[n] = (struct study_db_point){.id = (int64_t)n + 1, .key = keys[n],
                                                     .seed = (uint64_t)seed, .run_dir = "r",
                                                     .values = vals[n], .nums = nums[n]};
                }
    CU_ASSERT_EQUAL_FATAL(study_db_sync_points(db, pts, n), 0);
    n = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 2; c++)
                for (int seed = 1; seed <= 2; seed++, n++) {
                    double v = p99__(members[a], vms[b], c, seed);
                    unsigned char nul = isnan(v);
                    struct study_db_result r = {.ok = v != -1, .error = "crashed",
                                                .values = &v, .is_null = &nul};
                    CU_ASSERT_EQUAL(study_db_finish_point(db, (int64_t)n + 1, &r), 0);
                }
    study_db_close(db);
}

static void check_answer__(const struct capacity_answer *a, const char *group, const char *value,
                           int non_monotonic, const char *first_fail)
{
    CU_ASSERT_STRING_EQUAL(a->group, group);
    if (value) {
        CU_ASSERT_EQUAL(a->found, 1);
        CU_ASSERT_STRING_EQUAL(a->value, value);
    } else {
        CU_ASSERT_EQUAL(a->found, 0);
    }
    CU_ASSERT_EQUAL(a->non_monotonic, non_monotonic);
    CU_ASSERT_STRING_EQUAL(a->first_fail, first_fail);
    if (!value || strcmp(a->value, value) != 0 || a->non_monotonic != non_monotonic ||
        strcmp(a->first_fail, first_fail) != 0)
        fprintf(stderr, "%s: got %s (found %d) nm %d first fail '%s'\n", a->group, a->value,
                a->found, a->non_monotonic, a->first_fail);
}

static void test_capacity(void)
{
    char dir[512], path[600], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/study.sqlite", dir);
    make_study_db__(path);
    struct study_db *db;
    CU_ASSERT_EQUAL_FATAL(study_db_open_ro(path, &db, err, sizeof err), 0);
    struct study_data d;
    CU_ASSERT_EQUAL_FATAL(study_data_load(db, &d, err, sizeof err), 0);
    study_db_close(db);
    CU_ASSERT_EQUAL(d.npoints, 32);
    CU_ASSERT_EQUAL(d.ndone, 31);
    CU_ASSERT_EQUAL(d.nfailed, 1);
    static const char *const per2[] = {"members", "mode"}, *const per1[] = {"mode"};
    struct capacity_question q = {.text = "most VMs", .param = "vms", .largest = 1,
                                  .metric = "p99", .below = 1, .threshold = 2.0,
                                  .threshold_text = "2ms", .per = per2, .nper = 2};
    struct capacity_answer a[8];
    size_t n;
    CU_ASSERT_EQUAL_FATAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    check_answer__(&a[0], "members=2 mode=Dynamic", "8", 0, "16");
    /* Fails at 8 (one seed at 2.5), holds at 16. */
    check_answer__(&a[1], "members=2 mode=HyperVPort", "16", 1, "8");
    CU_ASSERT_DOUBLE_EQUAL(a[1].metric_at, 1.8, 1e-12);
    /* The failed point at 32 does not meet it. */
    check_answer__(&a[2], "members=4 mode=Dynamic", "16", 0, "32");
    CU_ASSERT_DOUBLE_EQUAL(a[2].metric_at, 1.2, 1e-12);
    /* No data at 4 for one seed: fails there. */
    check_answer__(&a[3], "members=4 mode=HyperVPort", "32", 1, "4");
    /* The mean of seeds: members=2 HyperVPort at 8 is (2.5 + 1.5) / 2 = 2,
     * not below 2: the same answer. */
    q.seeds = CAPACITY_MEAN;
    CU_ASSERT_EQUAL_FATAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), 0);
    check_answer__(&a[1], "members=2 mode=HyperVPort", "16", 1, "8");
    q.threshold = 2.01; /* now the mean at 8 is below: the answer is 16 still, monotonic */
    CU_ASSERT_EQUAL_FATAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), 0);
    check_answer__(&a[1], "members=2 mode=HyperVPort", "16", 0, "32");
    /* Per mode only: every member count must meet it. */
    q.seeds = CAPACITY_EVERY_SEED;
    q.threshold = 2.0;
    q.per = per1;
    q.nper = 1;
    CU_ASSERT_EQUAL_FATAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    check_answer__(&a[0], "mode=Dynamic", "8", 0, "16");
    check_answer__(&a[1], "mode=HyperVPort", "16", 1, "4");
    /* The smallest VM count where p99 is above 2 ms. */
    q = (struct capacity_question){.text = "first slow", .param = "vms", .largest = 0,
                                   .metric = "p99", .below = 0, .threshold = 2.0,
                                   .per = per2, .nper = 2};
    CU_ASSERT_EQUAL_FATAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), 0);
    check_answer__(&a[0], "members=2 mode=Dynamic", "16", 0, "8");
    CU_ASSERT_EQUAL(a[2].found, 0); /* members=4 Dynamic never above 2 */
    /* Unknown names. */
    q.metric = "p98";
    CU_ASSERT_EQUAL(capacity_answer(&d, &q, a, 8, &n, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no metric 'p98'"));
    /* The markdown report carries the answers. */
    q = (struct capacity_question){.text = "Largest VM count with p99 < 2 ms", .param = "vms",
                                   .largest = 1, .metric = "p99", .below = 1, .threshold = 2.0,
                                   .threshold_text = "2ms", .per = per2, .nper = 2};
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    CU_ASSERT_EQUAL(capacity_report(f, &d, "what", &q, 1, NULL, 0, err, sizeof err), 0);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Largest VM count with p99 < 2 ms\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 2 | Dynamic | **8** | 1.5 ms | 16 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 2 | HyperVPort | **16** (fails at a smaller value too) "
                                      "| 1.8 ms | 8 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 4 | Dynamic | **16** | 1.2 ms | 32 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "32 points, 31 done, 1 failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 2 | 8 | HyperVPort | 2 (1.5..2.5) |"));
    free(md);
    study_data_free(&d);
}

/* The example study loads (every one of its 20 combinations is checked
 * against its base files) and has the shape its comment says. */
static void test_example_study(void)
{
    char path[1024];
    struct study *st;
    struct ydoc_err e;
    int rc = study_load(test_src_path("scenarios/studies/vms-per-host.yaml", path, sizeof path),
                        &st, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(study_point_count(st), 40);
    CU_ASSERT_EQUAL(study_question_count(st), 1);
    CU_ASSERT_STRING_EQUAL(study_param_name(st, (size_t)study_plot_lines(st)), "mode");
    CU_ASSERT_STRING_EQUAL(study_param_name(st, (size_t)study_plot_panels(st)), "members");
    struct study_point pt;
    CU_ASSERT_EQUAL_FATAL(study_point(st, 40, &pt), 0);
    CU_ASSERT_STRING_EQUAL(pt.key, "members=4 vms=64 mode=HyperVPort");
    CU_ASSERT_PTR_NOT_NULL(strstr(pt.base, "base-4nic.yaml"));
    study_point_clear(&pt);
    study_free(st);
}

/* docs/sweep.md carries the key reference rendered from the schema, as
 * it is now. */
static void test_docs_reference(void)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(ydoc_schema_markdown(f, &study_file_schema, "Top level"), 0);
    fclose(f);
    char path[1024];
    FILE *d = fopen(test_src_path("docs/sweep.md", path, sizeof path), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    char *doc = calloc(1, 1 << 20);
    size_t n = fread(doc, 1, (1 << 20) - 1, d);
    fclose(d);
    doc[n] = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, md));
    if (!strstr(doc, md))
        fprintf(stderr, "docs/sweep.md: the key reference differs from the schema; it is:\n%s",
                md);
    free(doc);
    free(md);
}

int suite_study(void)
{
    CU_pSuite s = test_suite("study");
    if (!s || !CU_add_test(s, "points: parameters x seeds, overrides, run dirs", test_points) ||
        !CU_add_test(s, "variants: sets and accumulated text edits", test_variants_and_edits) ||
        !CU_add_test(s, "range by factor; question threshold in the metric's unit",
                     test_range_factor) ||
        !CU_add_test(s, "bad study files: file:line:col and what is wrong", test_bad_studies) ||
        !CU_add_test(s, "built-in and SQL metrics over a known run database", test_metrics) ||
        !CU_add_test(s, "capacity questions: answers, seeds, failed points, report",
                     test_capacity) ||
        !CU_add_test(s, "the example study loads", test_example_study) ||
        !CU_add_test(s, "docs/sweep.md has the schema's key reference", test_docs_reference))
        return -1;
    return 0;
}
