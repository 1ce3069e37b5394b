/* test_scenario: `setsim run` and `setsim lint` on scenario files, through
 * the built binary: the bad-input corpus (tests/bad/NAME.yaml, each starting
 * with "# expect: <the exact first diagnostic>") exits 2 with that message
 * and leaves no run directory; the quickstart runs and writes a complete
 * run directory; the same seed gives identical event rows and capture
 * bytes; command-line errors exit 2. */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .yaml files of dir, sorted (the caller frees the names). */
static size_t yaml_files(const char *dir, char **names, size_t max)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max)
        if (strstr(e->d_name, ".yaml"))
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    return n;
}

static void test_bad_corpus(void)
{
    char dir[600], tmp[512];
    test_src_path("tests/bad", dir, sizeof dir);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    char *names[256];
    size_t n = yaml_files(dir, names, 256);
    CU_ASSERT(n >= 60);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        char path[900], expect[1200] = "", cmd[2400], out[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        if (!fgets(expect, sizeof expect, f))
            expect[0] = '\0';
        fclose(f);
        CU_ASSERT_EQUAL(strncmp(expect, "# expect: ", 10), 0);
        char *want = expect + 10;
        want[strcspn(want, "\n")] = '\0';
        /* Run from the corpus directory so positions carry the bare name. */
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' lint '%s' > '%s/out.txt'; echo $? > '%s/rc'",
                 dir, SETSIM_BIN, names[i], tmp, tmp);
        test_run(cmd, NULL, 0);
        char rcpath[600], outpath[600], rcbuf[16] = "";
        snprintf(rcpath, sizeof rcpath, "%s/rc", tmp);
        snprintf(outpath, sizeof outpath, "%s/out.txt", tmp);
        f = fopen(rcpath, "r");
        if (f) {
            if (!fgets(rcbuf, sizeof rcbuf, f))
                rcbuf[0] = '\0';
            fclose(f);
        }
        f = fopen(outpath, "r");
        char first[8192] = "";
        while (f && fgets(out, sizeof out, f)) {
            if (strstr(out, ": warning: "))
                continue;
            memcpy(first, out, sizeof first);
            first[strcspn(first, "\n")] = '\0';
            break;
        }
        if (f)
            fclose(f);
        int ok = atoi(rcbuf) == 2 && strcmp(first, want) == 0;
        if (!ok)
            fprintf(stderr, "\n  %s: exit %d\n    got  '%s'\n    want '%s'\n", names[i],
                    atoi(rcbuf), first, want);
        CU_ASSERT(ok);
        checked++;
        /* setsim run on the same file: exit 2 and no run directory. */
        if (i % 5 == 0) {
            char outdir[700];
            snprintf(outdir, sizeof outdir, "%s/run-%zu", tmp, i);
            snprintf(cmd, sizeof cmd, "cd '%s' && '%s' run '%s' -o '%s' >/dev/null 2>&1", dir,
                     SETSIM_BIN, names[i], outdir);
            CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 2);
            CU_ASSERT_FALSE(exists(outdir));
        }
        free(names[i]);
    }
    /* No staging directory was left behind anywhere. */
    char cmd[900], out[256];
    snprintf(cmd, sizeof cmd, "ls -d '%s'/*.staging-* 2>/dev/null | wc -l", tmp);
    test_run(cmd, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "0\n");
    fprintf(stderr, "\n    %zu bad inputs checked\n", checked);
}

static void run_quickstart(const char *outdir, const char *extra, int *rc)
{
    char qs[600], cmd[2000];
    test_src_path("scenarios/examples/quickstart.yaml", qs, sizeof qs);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet %s > '%s.out' 2>&1", SETSIM_BIN, qs,
             outdir, extra ? extra : "", outdir);
    *rc = test_run(cmd, NULL, 0);
}

static void test_quickstart(void)
{
    char tmp[512], out[700], path[800], cmd[1200], buf[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(out, sizeof out, "%s/qs", tmp);
    int rc;
    run_quickstart(out, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    const char *files[] = {"run.sqlite", "capture.pcapng", "log.txt", "summary.txt"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", out, files[i]);
        CU_ASSERT(exists(path));
    }
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' 'SELECT complete, scenario FROM runs'",
             out);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "1|quickstart\n");
    /* The expected outcome stated at the top of the file. */
    snprintf(cmd, sizeof cmd, "cat '%s/summary.txt'", out);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "steady           udp"));

    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "moves 0, flaps 0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "drops: none"));
    /* Both members of hv1 transmitted (no member line of hv1 at 0). */
    snprintf(cmd, sizeof cmd, "sed -n '/^host hv1/,/^$/p' '%s/summary.txt' | grep -c 'tx   0.000'",
             out);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0\n");
    /* The SMB Direct write completed without a retransmission, and no
     * frame was dropped on any host adapter either. */
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"SELECT kind, complete, delivered_bytes, "
                              "retransmissions, prio FROM flows WHERE generator = 'smb'\"",
             out);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "smb|1|16000000|0|3\n");
    snprintf(cmd, sizeof cmd, "grep -c 'drops 0$' '%s/summary.txt'", out);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "4\n");
    /* The capture decodes; every RoCEv2 frame on VLAN 42 carries priority
     * 3 (the NetDirect policy, DCB-012). */
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y '_ws.malformed' 2>/dev/null | wc -l",
             out);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "0\n");
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y 'vlan.id == 42 && infiniband' "
                              "-T fields -e vlan.priority 2>/dev/null | sort -u",
             out);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "3\n");
    /* The Get-* output is in the log. */
    snprintf(cmd, sizeof cmd, "grep -c 'LoadBalancingAlgorithm         : Dynamic' '%s/log.txt'", out);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1\n");
}

static void events_dump(const char *dir, char *buf, size_t len);

/* scenario.capture_snaplen: the default keeps 256 bytes of a frame, and
 * tshark's InfiniBand dissector then writes "Invalid Packet Length from
 * LRH! [Malformed Packet]" in the Info column of RoCE frames cut short
 * (nothing is malformed: _ws.malformed matches nothing); whole frames
 * decode with their payload and ICRC and no such text, and the events are
 * the same. */
static void test_capture_snaplen(void)
{
    char tmp[512], a[700], b[700], cmd[1600], buf[4096], buf2[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(a, sizeof a, "%s/cut", tmp);
    snprintf(b, sizeof b, "%s/whole", tmp);
    int rc;
    run_quickstart(a, "--set scenario.sample_interval=0s", &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    run_quickstart(b, "--set scenario.sample_interval=0s --set scenario.capture_snaplen=262144",
                   &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    /* RoCE data frames (1086 bytes): captured length. */
    const char *q = "tshark -r '%s/capture.pcapng' -Y 'infiniband.bth.opcode == 14' -T fields "
                    "-e frame.cap_len 2>/dev/null | sort -u";
    snprintf(cmd, sizeof cmd, q, a);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "256\n");
    snprintf(cmd, sizeof cmd, q, b);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "1086\n");
    /* The Info column: no "Malformed" with whole frames, an ICRC each. */
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' 2>/dev/null | grep -c Malformed", b);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0\n");
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y 'infiniband.bth.opcode == 14 && "
             "!infiniband.invariant.crc' 2>/dev/null | wc -l", b);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "0\n");
    /* Same events either way. */
    events_dump(a, buf, sizeof buf);
    events_dump(b, buf2, sizeof buf2);
    CU_ASSERT_STRING_EQUAL(buf, buf2);
    /* Out of range: file position, exit 2. */
    char c[700];
    snprintf(c, sizeof c, "%s/bad", tmp);
    run_quickstart(c, "--set scenario.capture_snaplen=10", &rc);
    CU_ASSERT_EQUAL(rc, 2);
    snprintf(cmd, sizeof cmd, "cat '%s.out'", c);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "'capture_snaplen: 10': out of range (64..262144)"));
    CU_ASSERT(!exists(c));
}

static void events_dump(const char *dir, char *buf, size_t len)
{
    char cmd[900];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' 'SELECT * FROM events ORDER BY seq' | "
                              "sha256sum",
             dir);
    test_run(cmd, buf, len);
}

static void file_sum(const char *path, char *buf, size_t len)
{
    char cmd[900];
    snprintf(cmd, sizeof cmd, "sha256sum < '%s'", path);
    test_run(cmd, buf, len);
}

static void test_determinism(void)
{
    char tmp[512], a[700], b[700], c[700], d[700];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    snprintf(c, sizeof c, "%s/c", tmp);
    snprintf(d, sizeof d, "%s/d", tmp);
    int rc;
    const char *expo = "--set traffic.1.distribution=exponential";
    char seed1[128], seed2[128];
    snprintf(seed1, sizeof seed1, "%s --seed 1", expo);
    snprintf(seed2, sizeof seed2, "%s --seed 2", expo);
    run_quickstart(a, seed1, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    run_quickstart(b, seed1, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    run_quickstart(c, seed2, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    run_quickstart(d, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char ea[128], eb[128], ec[128], pa[128], pb[128], pc[128], path[800];
    events_dump(a, ea, sizeof ea);
    events_dump(b, eb, sizeof eb);
    events_dump(c, ec, sizeof ec);
    snprintf(path, sizeof path, "%s/capture.pcapng", a);
    file_sum(path, pa, sizeof pa);
    snprintf(path, sizeof path, "%s/capture.pcapng", b);
    file_sum(path, pb, sizeof pb);
    snprintf(path, sizeof path, "%s/capture.pcapng", c);
    file_sum(path, pc, sizeof pc);
    CU_ASSERT_STRING_EQUAL(ea, eb); /* same seed: same event rows */
    CU_ASSERT_STRING_EQUAL(pa, pb); /* ... and the same capture bytes */
    CU_ASSERT_STRING_NOT_EQUAL(pa, pc); /* another seed: other on/off periods */
}

/* Appendix A knobs (docs/scenario.md "Knobs"): knobs.fo.failback_holddown_ms
 * moves the FO-006 failback to 5 ms after member_up (default 1 s: none in a
 * 30 ms run), the run records it in meta and `setsim check` passes
 * FO-006/FO-007 with it; knobs.dyn.flowlet_gap_us changes the DYN-003 moves
 * of dynamic-flowlets (off periods of 800 us: a 1 ms gap allows none); a
 * bad knob value given with --set exits 2 at --set:N:C. */
static void test_knobs(void)
{
    char tmp[512], fo[600], dyn[600], cmd[2400], out[8192], dir[700], db[800];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    test_src_path("tests/check/fo-failback.yaml", fo, sizeof fo);
    test_src_path("scenarios/examples/dynamic-flowlets.yaml", dyn, sizeof dyn);
    const char *sql_fb = "SELECT (SELECT min(time_ps) FROM events_v WHERE kind = 'affinity_set' "
                         "AND reason = 'failback') - (SELECT min(time_ps) FROM events_v WHERE "
                         "kind = 'member_up' AND time_ps > 0)";
    /* Default hold-down: no failback within 30 ms. */
    snprintf(dir, sizeof dir, "%s/fo-default", tmp);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --set scenario.duration=30ms -o '%s'", SETSIM_BIN,
             fo, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    snprintf(db, sizeof db, "%s/run.sqlite", dir);
    CU_ASSERT_EQUAL(test_sql_int(db, "SELECT count(*) FROM events_v WHERE kind = 'affinity_set' "
                                     "AND reason = 'failback'"), 0);
    /* knobs.fo.failback_holddown_ms=5 */
    snprintf(dir, sizeof dir, "%s/fo-5ms", tmp);
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s' --set scenario.duration=30ms --set knobs.fo.failback_holddown_ms=5 "
             "-o '%s'", SETSIM_BIN, fo, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    snprintf(db, sizeof db, "%s/run.sqlite", dir);
    CU_ASSERT_EQUAL(test_sql_int(db, sql_fb), 5000000000LL); /* 5 ms in ps */
    CU_ASSERT_EQUAL(test_sql_int(db, "SELECT count(*) FROM meta WHERE key = 'fo.hv1/SETswitch' "
                                     "AND value = 'failback=mapped_only "
                                     "failback_holddown_ps=5000000000 announce=none'"), 1);
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "FO-006   pass"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "FO-007   pass"));
    CU_ASSERT_EQUAL(test_sql_int(db, "SELECT count(*) FROM verdicts WHERE rule IN ('FO-006', "
                                     "'FO-007') AND status = 'pass' AND checked > 0"), 2);
    /* DYN-003: flow moves follow the configured flowlet gap. */
    snprintf(dir, sizeof dir, "%s/dyn-default", tmp);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s'", SETSIM_BIN, dyn, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    snprintf(db, sizeof db, "%s/run.sqlite", dir);
    long long moves = test_sql_int(db, "SELECT count(*) FROM events_v WHERE kind = 'flow_move'");
    CU_ASSERT(moves > 0);
    CU_ASSERT_EQUAL(test_sql_int(db, "SELECT count(*) FROM events_v WHERE kind = 'flow_move' "
                                     "AND value < 500000000"), 0);
    snprintf(dir, sizeof dir, "%s/dyn-1ms", tmp);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --set knobs.dyn.flowlet_gap_us=1000 -o '%s'",
             SETSIM_BIN, dyn, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    snprintf(db, sizeof db, "%s/run.sqlite", dir);
    CU_ASSERT_EQUAL(test_sql_int(db, "SELECT count(*) FROM events_v WHERE kind = 'flow_move'"), 0);
    /* CFG-036 knobs.iso.seed_semantics: the quickstart's DefaultIsolationID
     * without -AllowUntaggedTraffic is then stored without effect. */
    char qs[600];
    test_src_path("scenarios/examples/quickstart.yaml", qs, sizeof qs);
    snprintf(cmd, sizeof cmd, "'%s' lint '%s' --set knobs.iso.seed_semantics=false", SETSIM_BIN,
             qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "stored without effect (CFG-036"));
    CU_ASSERT_PTR_NULL(strstr(out, "applied as the seed intends"));
    snprintf(cmd, sizeof cmd, "'%s' lint '%s'", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "stored without effect"));
    /* A bad value through --set. */
    snprintf(cmd, sizeof cmd, "'%s' lint '%s' --set knobs.fo.failback=sometimes", SETSIM_BIN, fo);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set:1:19: 'failback: sometimes': expected one of"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_cli_errors(void)
{
    char qs[600], cmd[1200], out[4096];
    test_src_path("scenarios/examples/quickstart.yaml", qs, sizeof qs);
    snprintf(cmd, sizeof cmd, "'%s' run", SETSIM_BIN);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "which scenario file?"));
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --frobnicate", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "unknown option '--frobnicate'"));
    snprintf(cmd, sizeof cmd, "'%s' run /nonexistent.yaml", SETSIM_BIN);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/nonexistent.yaml: cannot read"));
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --engine gpu", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s' lint '%s' --set 'hosts.hv9.os=ws2016'", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set:1:7: no key 'hv9' in 'hosts'"));
    snprintf(cmd, sizeof cmd, "'%s' lint '%s' --set 'scenario.duration=5 parsecs'", SETSIM_BIN,
             qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set:1:19:"));
    snprintf(cmd, sizeof cmd, "'%s' lint '%s' --strict", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 1); /* the seed's ISO warnings */
    snprintf(cmd, sizeof cmd, "'%s' lint '%s'", SETSIM_BIN, qs);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0 error(s), 4 warning(s)"));
    snprintf(cmd, sizeof cmd, "'%s' run --help", SETSIM_BIN);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: setsim run FILE"));
}

/* The whole-configuration warnings (tests/lint/NAME.yaml, each starting
 * with "# expect: " lines that are exactly what `setsim lint` prints):
 * exit 0, and 1 with --strict when there is a warning (0 without). */
static void test_lint_warnings(void)
{
    char dir[600], tmp[512];
    test_src_path("tests/lint", dir, sizeof dir);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    char *names[64];
    size_t n = yaml_files(dir, names, 64);
    CU_ASSERT(n >= 12);
    for (size_t i = 0; i < n; i++) {
        char path[900], want[8192] = "", line[1200], cmd[2400], out[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        size_t warnings = 0;
        while (fgets(line, sizeof line, f) && strncmp(line, "# expect: ", 10) == 0) {
            strncat(want, line + 10, sizeof want - strlen(want) - 1);
            warnings += strstr(line, ": warning: ") != NULL;
        }
        fclose(f);
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' lint '%s'", dir, SETSIM_BIN, names[i]);
        int rc = test_run(cmd, out, sizeof out);
        int ok = rc == 0 && strcmp(out, want) == 0 && (warnings > 0) == !strstr(names[i], "clean");
        if (!ok)
            fprintf(stderr, "\n  %s: exit %d\n    got:\n%s    want:\n%s", names[i], rc, out, want);
        CU_ASSERT(ok);
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' lint --strict '%s' >/dev/null", dir, SETSIM_BIN,
                 names[i]);
        CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), warnings ? 1 : 0);
        free(names[i]);
    }
    (void)tmp;
}

/* On a terminal (`script` gives it one) a run draws a progress bar once
 * SETSIM_PROGRESS_AFTER seconds of wall time have passed (1 s by default;
 * 0 here, so the test does not depend on the machine's speed); piped,
 * only the summary is printed. */
static void test_progress_bar(void)
{
    if (!test_have_tool("script")) {
        fprintf(stderr, "\n    (script(1) missing: progress bar not checked)\n");
        return;
    }
    char tmp[512], qs[600], cmd[2400], out[16384];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    test_src_path("scenarios/examples/dynamic-flowlets.yaml", qs, sizeof qs);
    const char *longer = "--set scenario.duration=20ms";
    snprintf(cmd, sizeof cmd,
             "SETSIM_PROGRESS_AFTER=0 script -qec \"'%s' run '%s' -o '%s/tty' %s\" /dev/null",
             SETSIM_BIN, qs, tmp, longer);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    const char *bar = strstr(out, "\r  [");
    CU_ASSERT_PTR_NOT_NULL(bar);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  simulated "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " of 20.000000 ms  wall "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  ETA "));
    snprintf(cmd, sizeof cmd, "SETSIM_PROGRESS_AFTER=0 '%s' run '%s' -o '%s/pipe' %s 2>&1 | cat",
             SETSIM_BIN, qs, tmp, longer);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NULL(strchr(out, '\r'));
    CU_ASSERT_EQUAL(strncmp(out, "setsim ", 7), 0); /* the summary first, nothing before */
}

/* Every Get-* cmdlet prints into log.txt what the real one prints (list
 * or table format), and Disable-/Enable-/Restart-NetAdapter on the
 * timeline take the adapter down and up (tests/scenarios/get_cmdlets.yaml). */
static void test_get_cmdlets(void)
{
    char tmp[512], file[600], cmd[2400], log[16384], ev[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    test_src_path("tests/scenarios/get_cmdlets.yaml", file, sizeof file);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s/get' --quiet > /dev/null 2>&1", SETSIM_BIN,
             file, tmp);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(cmd, sizeof cmd, "cat '%s/get/log.txt'", tmp);
    CU_ASSERT_EQUAL(test_run(cmd, log, sizeof log), 0);
    static const char *const blocks[] = {
        /* Get-NetQosPolicy (list) */
        "PS hv1> Get-NetQosPolicy [__AllParameterSets]\n\nName           : SMB\n"
        "Owner          : Group Policy (Machine)\nNetworkProfile : All\n"
        "Precedence     : 127\nJobObject      :\nNetDirectPort  : 445\nPriorityValue  : 3\n",
        /* Get-NetQosFlowControl (table) */
        "\nPriority   Enabled    PolicySet        IfIndex IfAlias\n"
        "--------   -------    ---------        ------- -------\n"
        "0          False      Global\n1          False      Global\n"
        "2          False      Global\n3          True       Global\n"
        "4          False      Global\n",
        /* Get-NetQosTrafficClass (table, priorities as ranges) */
        "[Default]                 ETS       70           0-2,4-7                   Global\n"
        "SMB                       ETS       30           3                         Global\n",
        /* Get-VMSwitchTeam (list, labels padded to the longest) */
        "\nName                           : SETswitch\n"
        "Id                             : SETswitch\n"
        "NetAdapterInterfaceDescription : {ConnectX-5, ConnectX-5}\n"
        "TeamingMode                    : SwitchIndependent\n"
        "LoadBalancingAlgorithm         : Dynamic\n",
        /* Get-VMNetworkAdapter -ManagementOS / -VMName (tables) */
        "SMB_1                True                  SETswitch    00155D010003 Ok\n",
        "Network Adapter      False          vm1    SETswitch    00155D010002 Ok\n",
        /* Get-NetAdapterRdma (table) */
        "vEthernet (SMB_1)         Hyper-V Virtual Ethernet Adapter         True\n",
        /* the timeline's commands are echoed */
        "timeline: PowerShell on hv1\nPS hv1> Restart-NetAdapter [ByName] -Name @('SLOT 3')\n",
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        int ok = strstr(log, blocks[i]) != NULL;
        if (!ok)
            fprintf(stderr, "\n  log.txt lacks:\n%s", blocks[i]);
        CU_ASSERT(ok);
    }
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/get/run.sqlite' \"SELECT time_ps, kind, obj FROM "
                              "events_v WHERE kind IN ('adapter_restart', 'member_down', "
                              "'member_up') AND time_ps > 0 ORDER BY seq\"",
             tmp);
    CU_ASSERT_EQUAL(test_run(cmd, ev, sizeof ev), 0);
    CU_ASSERT_STRING_EQUAL(ev, "100000000|member_down|hv1/SLOT 2\n"
                               "200000000|member_up|hv1/SLOT 2\n"
                               "300000000|adapter_restart|hv1/SLOT 3\n"
                               "300000000|member_down|hv1/SLOT 3\n"
                               "300000000|member_up|hv1/SLOT 3\n");
}

int suite_scenario(void)
{
    CU_pSuite s = test_suite("scenario");
    if (!s || !CU_add_test(s, "bad inputs: exact message, exit 2, no run directory", test_bad_corpus) ||
        !CU_add_test(s, "quickstart runs and meets its stated outcome", test_quickstart) ||
        !CU_add_test(s, "same seed, same bytes; other seed, other bytes", test_determinism) ||
        !CU_add_test(s, "capture_snaplen: cut or whole frames", test_capture_snaplen) ||
        !CU_add_test(s, "command-line errors", test_cli_errors) ||
        !CU_add_test(s, "knobs: fo hold-down, dyn flowlet gap, --set errors", test_knobs) ||
        !CU_add_test(s, "whole-configuration warnings: exact lines, exit 0 / 1 with --strict",
                     test_lint_warnings) ||
        !CU_add_test(s, "progress bar on a terminal only", test_progress_bar) ||
        !CU_add_test(s, "Get-* output in the log, adapter cmdlets on the timeline",
                     test_get_cmdlets))
        return -1;
    return 0;
}
