/* test_sweep: `setsim sweep` as a user runs it (through SETSIM_BIN) on a
 * 6-point study of tests/sweep/base.yaml (3 VM counts x 2 balancing modes):
 * -j 1, -j 2 and `mpirun -n 2` record identical results (every column but
 * wall clock and worker); a sweep killed midway and run again runs exactly
 * the missing points and leaves the finished ones untouched; a point that
 * fails is recorded with its error, the others complete, exit 1; `setsim
 * report DIR` draws every metric and answers the study's question as the
 * database says; a bad
 * study file is file:line:col, exit 2, and creates nothing; the VM count
 * parameter really changes the scenario (more VMs, more affinity events,
 * one more steady flow per VM).
 */
#include "test_util.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX 16384

/* The 6-point study; %s is the base scenario. */
static const char study_fmt[] =
    "study: { name: sweep-test, base: %s, seeds: 1 }\n"
    "parameters:\n"
    "  vms: { set: [hosts.hv1.vms.0.count, traffic.1.count], values: [2, 4, 8] }\n"
    "  mode:\n"
    "    variants:\n"
    "      Dynamic: {}\n"
    "      HyperVPort:\n"
    "        edit:\n"
    "          - { path: hosts.hv1.powershell, find: '-LoadBalancingAlgorithm Dynamic',\n"
    "              replace: '-LoadBalancingAlgorithm HyperVPort' }\n"
    "metrics:\n"
    "  affinity: { sql: \"SELECT count(*) FROM events_v WHERE kind = 'affinity_set'\" }\n"
    "  moves: { sql: \"SELECT count(*) FROM events_v WHERE kind = 'flow_move'\" }\n"
    "  delivered: { sql: \"SELECT sum(delivered_bytes) FROM flows\" }\n"
    "  drops: { builtin: drops }\n"
    "  pause: { builtin: pause_time }\n"
    "questions:\n"
    "  - { text: Smallest VM count delivering above 3.5 MB, smallest: vms,\n"
    "      where: { metric: delivered, above: 3500000 }, per: [mode] }\n"
    "%s";

static void write_study__(const char *path, const char *extra)
{
    char base[1024];
    test_src_path("tests/sweep/base.yaml", base, sizeof base);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, study_fmt, base, extra ? extra : "");
    fclose(f);
}

static int setsim__(const char *args, char *out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", SETSIM_BIN, args);
    return test_run(cmd, out, OUT_MAX);
}

/* Everything recorded about the points except wall clock and who ran
 * them, one line per point. */
static char *dump__(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/study.sqlite", dir);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    const char *q = "SELECT p.id, p.key, p.seed, p.status, coalesce(p.error, ''), p.run_dir,"
                    " (SELECT group_concat(pp.param || '=' || pp.value || '/' ||"
                    "   coalesce(pp.num, 'nan'), ',') FROM point_params pp WHERE pp.point = p.id),"
                    " (SELECT group_concat(pm.metric || '=' || coalesce(printf('%.17g', pm.value),"
                    "   'null'), ',') FROM point_metrics pm WHERE pm.point = p.id)"
                    " FROM points p ORDER BY p.id";
    size_t cap = 65536, len = 0;
    char *out = calloc(1, cap);
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && len < cap - 1024) {
            len += (size_t)snprintf(out + len, cap - len, "%lld|%s|%lld|%s|%s|%s|%s|%s\n",
                                    (long long)sqlite3_column_int64(st, 0),
                                    sqlite3_column_text(st, 1),
                                    (long long)sqlite3_column_int64(st, 2),
                                    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
                                    sqlite3_column_text(st, 5), sqlite3_column_text(st, 6),
                                    sqlite3_column_text(st, 7));
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

/* One integer from the study database (-1: no database yet, or NULL). */
static long long query__(const char *dir, const char *q)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/study.sqlite", dir);
    struct stat sb;
    return stat(path, &sb) == 0 ? test_sql_int(path, q) : -1;
}

/* `setsim report DIR` of the 6-point study: a figure per metric (real
 * PNGs) and capacity.md whose answer is what the database says. */
static void report__(const char *dir)
{
    char args[1024], out[OUT_MAX];
    snprintf(args, sizeof args, "report '%s'", dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    static const char *const metrics[] = {"affinity", "moves", "delivered", "drops", "pause"};
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/plots/%s.png", dir, metrics[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, path));
        FILE *f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        unsigned char sig[8] = {0};
        CU_ASSERT_EQUAL(fread(sig, 1, 8, f), 8);
        CU_ASSERT_EQUAL(memcmp(sig, "\x89PNG\r\n\x1a\n", 8), 0);
        fseek(f, 0, SEEK_END);
        CU_ASSERT(ftell(f) > 20000); /* a drawn figure, not an empty canvas */
        fclose(f);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/capacity.md", dir);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char md[16384];
    size_t n = fread(md, 1, sizeof md - 1, f);
    md[n] = '\0';
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Smallest VM count delivering above 3.5 MB\n"));
    /* The answer per mode, from the database directly. */
    static const char *const modes[] = {"Dynamic", "HyperVPort"};
    for (int m = 0; m < 2; m++) {
        char q[1024], row[256];
        snprintf(q, sizeof q,
                 "SELECT min(pp.num) FROM points p JOIN point_params pp ON pp.point = p.id AND "
                 "pp.param = 1 JOIN point_metrics pm ON pm.point = p.id AND pm.metric = 3 "
                 "WHERE p.key LIKE '%%mode=%s' AND pm.value > 3500000",
                 modes[m]);
        long long want = query__(dir, q);
        CU_ASSERT(want == 4 || want == 8);
        snprintf(row, sizeof row, "| %s | **%lld** |", modes[m], want);
        CU_ASSERT_PTR_NOT_NULL(strstr(md, row));
        if (!strstr(md, row))
            fprintf(stderr, "want '%s' in:\n%s\n", row, md);
    }
    /* Not a run or a study directory: exit 2. */
    snprintf(args, sizeof args, "report '%s/plots'", dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
}

static void test_identical_results(void)
{
    char dir[512], study[600], args[2048], out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/study.yaml", dir);
    write_study__(study, NULL);
    char *dumps[3] = {NULL};
    static const char *const modes[3] = {"-j 1", "-j 2", "mpi"};
    for (int k = 0; k < 3; k++) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/out%d", dir, k);
        int rc;
        if (k < 2) {
            snprintf(args, sizeof args, "sweep '%s' %s -o '%s'", study, modes[k], sub);
            rc = setsim__(args, out);
        } else {
            if (!test_have_tool("mpirun")) {
                fprintf(stderr, "mpirun not installed: the MPI comparison is skipped\n");
                break;
            }
            /* Root needs Open MPI's consent; leak checking is off for the
             * MPI library's own allocations in sanitizer builds. */
            snprintf(args, sizeof args,
                     "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                     "ASAN_OPTIONS=detect_leaks=0 mpirun -n 2 --oversubscribe '%s' sweep '%s' "
                     "-o '%s'",
                     SETSIM_BIN, study, sub);
            rc = test_run(args, out, OUT_MAX);
        }
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "6 points: 6 done, 0 failed"));
        if (rc != 0)
            fprintf(stderr, "%s: %s\n", modes[k], out);
        dumps[k] = dump__(sub);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dumps[k]);
        CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM points WHERE status = 'done'"), 6);
    }
    /* Two ranks really shared the work under MPI. */
    if (dumps[2]) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/out2", dir);
        CU_ASSERT_EQUAL(query__(sub, "SELECT count(DISTINCT substr(worker, 1, 6)) FROM points"),
                        2);
    }
    CU_ASSERT_STRING_EQUAL(dumps[0], dumps[1]);
    if (dumps[2])
        CU_ASSERT_STRING_EQUAL(dumps[0], dumps[2]);
    /* The parameters took effect: 8 VMs make more affinity events than 2,
     * and HyperVPort moves no flow. */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/out0", dir);
    long long a2 = query__(sub, "SELECT value FROM point_metrics WHERE point = 1 AND metric = 1");
    long long a8 = query__(sub, "SELECT value FROM point_metrics WHERE point = 5 AND metric = 1");
    CU_ASSERT(a8 > a2 && a2 > 0);
    /* ... and one steady flow per VM: 8 VMs deliver more than 2. */
    long long d2 = query__(sub, "SELECT value FROM point_metrics WHERE point = 1 AND metric = 3");
    long long d8 = query__(sub, "SELECT value FROM point_metrics WHERE point = 5 AND metric = 3");
    CU_ASSERT(d8 > d2 + 5 * 300000 && d2 > 0);
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM points p JOIN point_metrics m ON "
                                 "m.point = p.id AND m.metric = 2 WHERE p.key LIKE "
                                 "'%HyperVPort' AND m.value > 0"),
                    0);
    for (int k = 0; k < 3; k++)
        free(dumps[k]);
    report__(sub);
}

static void test_kill_and_resume(void)
{
    char dir[512], study[600], sub[600], out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/study.yaml", dir);
    snprintf(sub, sizeof sub, "%s/out", dir);
    write_study__(study, NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int nfd = open("/dev/null", 1);
        dup2(nfd, 1);
        dup2(nfd, 2);
        execl(SETSIM_BIN, "setsim", "sweep", study, "-j", "1", "-o", sub, (char *)NULL);
        _exit(127);
    }
    /* Kill it (and its point's child) once two points are recorded. */
    long long done = 0;
    for (int i = 0; i < 6000 && done < 2; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        done = query__(sub, "SELECT count(*) FROM points WHERE status = 'done'");
    }
    CU_ASSERT_FATAL(pid > 0);
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    done = query__(sub, "SELECT count(*) FROM points WHERE status = 'done'");
    CU_ASSERT(done >= 2 && done < 6);
    char *before = dump__(sub);
    char args[2048];
    snprintf(args, sizeof args, "sweep '%s' -j 2 -o '%s'", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    char want[128];
    snprintf(want, sizeof want, "6 points: 6 done, 0 failed (this sweep ran %lld, %lld already",
             6 - done, done);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    if (!strstr(out, want))
        fprintf(stderr, "want '%s' in:\n%s\n", want, out);
    /* The points done before the kill are as they were. */
    char *after = dump__(sub);
    for (char *line = before, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (strstr(line, "|done|"))
            CU_ASSERT_PTR_NOT_NULL(strstr(after, line));
    }
    /* Nothing left to run: a third sweep runs no point. */
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(this sweep ran 0, 6 already recorded)"));
    free(before);
    free(after);
}

static void test_failed_point(void)
{
    char dir[512], study[600], sub[600], out[OUT_MAX], args[2048];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/study.yaml", dir);
    snprintf(sub, sizeof sub, "%s/out", dir);
    char base[1024];
    test_src_path("tests/sweep/base.yaml", base, sizeof base);
    FILE *f = fopen(study, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "study: { name: fails, base: %s }\n"
            "parameters:\n"
            "  sender: { set: [traffic.0.from], values: [vm1, nosuchvm, vm2] }\n"
            "metrics:\n"
            "  delivered: { sql: \"SELECT sum(delivered_bytes) FROM flows\" }\n",
            base);
    fclose(f);
    snprintf(args, sizeof args, "sweep '%s' -j 2 -o '%s'", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "3 points: 2 done, 1 failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "point 2 failed: scenario: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "'nosuchvm' is not a VM"));
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM points WHERE status = 'failed' AND id = 2 "
                                 "AND error LIKE 'scenario: --set:1:16: ''nosuchvm'' is not a VM%'"),
                    1);
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM point_metrics WHERE point = 2"), 0);
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM point_metrics WHERE point != 2 AND "
                                 "value > 0"),
                    2);
    /* Failed points are skipped on resume unless asked. */
    CU_ASSERT_EQUAL(setsim__(args, out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "this sweep ran 0, 3 already recorded"));
    snprintf(args, sizeof args, "sweep '%s' -j 2 -o '%s' --retry-failed", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "this sweep ran 1, 2 already recorded"));
}

static void test_bad_study_cli(void)
{
    char dir[512], study[600], sub[600], out[OUT_MAX], args[2048];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/bad.yaml", dir);
    snprintf(sub, sizeof sub, "%s/out", dir);
    write_study__(study, "report: { x: vms, lines: mdoe }\n");
    snprintf(args, sizeof args, "sweep '%s' -o '%s'", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
    char want[700];
    snprintf(want, sizeof want,
             "%s:20:26: unknown parameter 'mdoe' (did you mean 'mode'?)", study);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    if (!strstr(out, want))
        fprintf(stderr, "want '%s' in:\n%s\n", want, out);
    struct stat sb;
    CU_ASSERT_NOT_EQUAL(stat(sub, &sb), 0); /* nothing created */
    /* Flags. */
    CU_ASSERT_EQUAL(setsim__("sweep", out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "which study file?"));
    snprintf(args, sizeof args, "sweep '%s' -j 0", study);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "-j"));
    CU_ASSERT_EQUAL(setsim__("sweep /nonexistent/s.yaml", out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/nonexistent/s.yaml:1:1: cannot read"));
    /* Another study into the same directory is refused. */
    char good[600];
    snprintf(good, sizeof good, "%s/good.yaml", dir);
    write_study__(good, NULL);
    FILE *f = fopen(good, "a");
    fputs("# changed\nreport: { x: mode }\n", f);
    fclose(f);
    char other[600];
    snprintf(other, sizeof other, "%s/other.yaml", dir);
    write_study__(other, NULL);
    snprintf(args, sizeof args, "sweep '%s' -o '%s' -j 2 --quiet", other, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    snprintf(args, sizeof args, "sweep '%s' -o '%s' -j 2", good, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "was written by another study"));
}

/* The example study's premise, reduced to 4 points (2 members, 4 and 64
 * VMs, both modes, one seed): few VMs keep SMB reads' p99 under 2 ms, 64
 * push it over, and the capacity report answers 4 for both modes. */
static void test_example_reduced(void)
{
    char dir[512], study[600], sub[600], out[OUT_MAX], args[2048], base[1024];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/reduced.yaml", dir);
    snprintf(sub, sizeof sub, "%s/out", dir);
    test_src_path("scenarios/studies/vms-per-host/base-2nic.yaml", base, sizeof base);
    FILE *f = fopen(study, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "study: { name: reduced, base: %s, keep_runs: false }\n"
            "parameters:\n"
            "  vms: { set: [hosts.hv1.vms.0.count, hosts.hv2.vms.0.count, traffic.0.count],\n"
            "         values: [4, 64] }\n"
            "  mode:\n"
            "    variants:\n"
            "      Dynamic: {}\n"
            "      HyperVPort:\n"
            "        edit: [{ path: 'hosts.*.powershell', find: '-LoadBalancingAlgorithm Dynamic',\n"
            "                 replace: '-LoadBalancingAlgorithm HyperVPort' }]\n"
            "metrics:\n"
            "  smb_p99: { builtin: fct_p99, class: smb, unit: ms }\n"
            "questions:\n"
            "  - { text: q, largest: vms, where: { metric: smb_p99, below: 2ms }, per: [mode] }\n",
            base);
    fclose(f);
    snprintf(args, sizeof args, "sweep '%s' -o '%s' -j 2", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM point_metrics m JOIN points p ON "
                                 "p.id = m.point WHERE p.key LIKE 'vms=4 %' AND m.value < 2"),
                    2);
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM point_metrics m JOIN points p ON "
                                 "p.id = m.point WHERE p.key LIKE 'vms=64 %' AND m.value > 2"),
                    2);
    /* keep_runs: false leaves no run directory behind. */
    char runs[700];
    snprintf(runs, sizeof runs, "%s/runs/p0001", sub);
    struct stat sb;
    CU_ASSERT_NOT_EQUAL(stat(runs, &sb), 0);
    snprintf(args, sizeof args, "report '%s'", sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    char md[700];
    snprintf(md, sizeof md, "%s/capacity.md", sub);
    f = fopen(md, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "| Dynamic | **4** |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "| HyperVPort | **4** |"));
}

/* Lists DIR/runs entries whose name has ".staging-" into buf; returns
 * how many. */
static int staging_dirs__(const char *sub, char *buf, size_t len)
{
    char runs[700];
    snprintf(runs, sizeof runs, "%s/runs", sub);
    DIR *d = opendir(runs);
    int n = 0;
    buf[0] = '\0';
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strstr(e->d_name, ".staging-")) {
            n++;
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s/%s ", runs, e->d_name);
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* Ctrl-C (SIGINT to the sweep's process group, as a terminal sends it)
 * once a point's run has begun: the sweep exits 130, the running points
 * stop and remove their staging directories, none is recorded as failed
 * or done half-way (they stay 'running'), and running the sweep again
 * runs exactly the points not done. */
static void test_interrupt_and_resume(void)
{
    char dir[512], study[600], sub[600], base[512], out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(study, sizeof study, "%s/study.yaml", dir);
    snprintf(sub, sizeof sub, "%s/out", dir);
    test_src_path("tests/sweep/base.yaml", base, sizeof base);
    FILE *f = fopen(study, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "study: { name: sweep-int, base: %s, seeds: 1 }\n"
            "parameters:\n"
            "  vms: { set: [hosts.hv1.vms.0.count, traffic.1.count], values: [2, 4, 8] }\n"
            "  dur: { set: [scenario.duration], values: [1s] }\n"
            "metrics:\n"
            "  drops: { builtin: drops }\n",
            base);
    fclose(f);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int nfd = open("/dev/null", O_WRONLY);
        dup2(nfd, 1);
        dup2(nfd, 2);
        execl(SETSIM_BIN, "setsim", "sweep", study, "-j", "2", "-o", sub, (char *)NULL);
        _exit(127);
    }
    /* Wait until a point's run has written trace rows into its staging
     * directory's run.sqlite. */
    int started = 0;
    char names[4096];
    for (int i = 0; i < 6000 && !started; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        if (staging_dirs__(sub, names, sizeof names) > 0) {
            char db[800];
            snprintf(db, sizeof db, "%.*s/run.sqlite", (int)strcspn(names, " "), names);
            struct stat st;
            started = stat(db, &st) == 0 && st.st_size >= 256 * 1024;
        }
    }
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT(started);
    kill(-pid, SIGINT);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 130);
    CU_ASSERT_EQUAL(staging_dirs__(sub, names, sizeof names), 0);
    if (names[0])
        fprintf(stderr, "left behind: %s\n", names);
    long long done = query__(sub, "SELECT count(*) FROM points WHERE status = 'done'");
    long long running = query__(sub, "SELECT count(*) FROM points WHERE status = 'running'");
    CU_ASSERT_EQUAL(query__(sub, "SELECT count(*) FROM points WHERE status = 'failed'"), 0);
    CU_ASSERT(running >= 1);
    CU_ASSERT(done >= 0 && done <= 2);
    char args[2048], want[160];
    snprintf(args, sizeof args, "sweep '%s' -j 2 -o '%s'", study, sub);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    snprintf(want, sizeof want, "3 points: 3 done, 0 failed (this sweep ran %lld, %lld already",
             3 - done, done);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    if (!strstr(out, want))
        fprintf(stderr, "want '%s' in:\n%s\n", want, out);
}

int suite_sweep(void)
{
    CU_pSuite s = test_suite("sweep");
    if (!s ||
        !CU_add_test(s, "-j 1, -j 2 and mpirun -n 2 record identical results",
                     test_identical_results) ||
        !CU_add_test(s, "killed midway, a re-run runs only the missing points",
                     test_kill_and_resume) ||
        !CU_add_test(s, "Ctrl-C: exit 130, nothing half-recorded, a re-run resumes",
                     test_interrupt_and_resume) ||
        !CU_add_test(s, "a failed point is recorded with its error; the rest complete",
                     test_failed_point) ||
        !CU_add_test(s, "bad study file or flags: file:line:col, exit 2, nothing created",
                     test_bad_study_cli) ||
        !CU_add_test(s, "the example study, reduced: its question has the expected answer",
                     test_example_reduced))
        return -1;
    return 0;
}
