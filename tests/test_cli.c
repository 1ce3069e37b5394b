/* test_cli: the setsim command as a user runs it (through SETSIM_BIN):
 * usage errors exit 2 with a message naming the flag, and `bench fabric`
 * delivers exactly the frames its scenario predicts, with and without the
 * ns-3 comparison; `bench engine --vs-ns3` reports both ns-3 figures. */
#include "test_runs.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX 8192

/* Runs `setsim <args>`; returns the exit status, output (stderr joined) in out. */
static int setsim__(const char *args, char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s", SETSIM_BIN, args);
    return test_run(cmd, out, OUT_MAX);
}

/* The number after "key": in a JSON object, or -1 if absent or null. */
static double json_num__(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    if (strncmp(p, "null", 4) == 0)
        return -1;
    return strtod(p, NULL);
}

static void test_fabric_usage_errors(void)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"bench fabric --bogus", "unknown option '--bogus'"},
        {"bench fabric --runs 0", "--runs"},
        {"bench fabric --runs", "--runs needs a value"},
        {"bench fabric --sim-time", "--sim-time needs a value"},
        {"bench fabric --sim-time 5", "--sim-time"},
        {"bench fabric --sim-time 5us", "before the senders start"},
        {"bench fabric --ns3-load 0", "--ns3-load"},
        {"bench fabric --ns3-load 101", "--ns3-load"},
        {"bench nosuch", "unknown case 'nosuch'"},
        {"bench set --bogus", "unknown option '--bogus'"},
        {"bench set --sim-time 1ms", "is not after the 1ms warm-up"},
        {"bench set --ports skewed", "--ports: 'skewed' is neither even nor legacy"},
        {"bench set --ports", "--ports needs a value"},
        {"bench transports --runs 0", "--runs"},
        {"bench transports --sim-time", "--sim-time needs a value"},
        {"bench transports --sim-time 500us", "is not after the 1ms warm-up"},
        {"bench transports --vs-ns3 --bogus", "unknown option '--bogus'"},
    };
    char out[OUT_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = setsim__(cases[i].args, out);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].says));
        if (rc != 2 || !strstr(out, cases[i].says))
            fprintf(stderr, "setsim %s -> %d: %s\n", cases[i].args, rc, out);
    }
}

static void test_fabric_help(void)
{
    char out[OUT_MAX];
    CU_ASSERT_EQUAL(setsim__("bench fabric --help", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "CSMA"));
    CU_ASSERT_EQUAL(setsim__("bench --help", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "fabric"));
}

/* 1 ms: the senders start at 10 us and send one frame every 1.2304 us
 * (1538 line bytes at 10 Gb/s); a frame arrives 4.4608 us after it is
 * sent (two serializations, two 1 us delays), so frames sent at
 * 10 + k x 1.2304 <= 995.5392 us, k = 0..800, arrive: 801 per sender. */
static void test_fabric_native_counts(void)
{
    char out[OUT_MAX];
    int rc = setsim__("bench fabric --sim-time 1ms --runs 1 --json", out);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(json_num__(out, "native_delivered"), 4 * 801);
    CU_ASSERT(json_num__(out, "native_frames_per_s") > 0);
    CU_ASSERT(json_num__(out, "native_peak_rss_kb") > 0);
    CU_ASSERT(json_num__(out, "native_events") > 5 * 4 * 801);
    CU_ASSERT_EQUAL(json_num__(out, "native_steady_allocs"), 0);
    CU_ASSERT_EQUAL(json_num__(out, "ns3_frames_per_s"), -1);
    CU_ASSERT_EQUAL(json_num__(out, "ratio"), -1);
}

static void test_fabric_text(void)
{
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(setsim__("bench fabric --sim-time 100us --runs 3", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "frames/s"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "median of 3 runs"));
}

#ifdef SETSIM_HAVE_NS3
static void test_fabric_vs_ns3(void)
{
    char out[OUT_MAX];
    int rc = setsim__("bench fabric --sim-time 2ms --runs 1 --vs-ns3 --json", out);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    double ns3 = json_num__(out, "ns3_delivered");
    /* The CSMA channel carries at most one frame per frame time + delay
     * + gap (2.2304 us) per sender, minus back-offs. */
    CU_ASSERT(ns3 > 0 && ns3 <= 4 * (2000.0 / 2.2304));
    CU_ASSERT(json_num__(out, "ns3_frames_per_s") > 0);
    CU_ASSERT(json_num__(out, "ratio") > 0);
    CU_ASSERT(json_num__(out, "ns3_peak_rss_kb") > 0);
    CU_ASSERT(json_num__(out, "native_peak_rss_kb") > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ns3_model\": \"CSMA + BridgeNetDevice, UDP OnOff\""));
    if (rc != 0 || ns3 <= 0)
        fprintf(stderr, "%s\n", out);
    /* The text output says what the ns-3 side is. */
    CU_ASSERT_EQUAL(setsim__("bench fabric --sim-time 100us --runs 1 --vs-ns3", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "CSMA channels + BridgeNetDevice"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "UDP OnOff"));
}

/* The TCP-only comparison: both worlds carry the 16 flows after the
 * warm-up (host frames counted on each side), and the report says it is
 * TCP only. */
static void test_transports_vs_ns3(void)
{
    char out[OUT_MAX];
    int rc = setsim__("bench transports --sim-time 2ms --runs 1 --vs-ns3 --json", out);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    double nf = json_num__(out, "tcp_only_native_frames");
    double sf = json_num__(out, "tcp_only_ns3_frames");
    /* 1 ms measured on 4 links of 25 Gb/s: at most 2,027 full-sized data
     * frames per receiver (1,542 line bytes; ns-3's point-to-point frames
     * are 1,502 bytes: 2,080) and no more ACKs than data frames; at least
     * half the line rate in data frames. */
    CU_ASSERT(nf > 4000 && nf <= 4 * 2 * 2027);
    CU_ASSERT(sf > 4000 && sf <= 4 * 2 * 2080);
    CU_ASSERT(json_num__(out, "tcp_only_native_goodput_bps") > 50e9);
    CU_ASSERT(json_num__(out, "tcp_only_ns3_goodput_bps") > 50e9);
    CU_ASSERT(json_num__(out, "tcp_only_ratio") > 0);
    CU_ASSERT(json_num__(out, "tcp_only_cpu_ratio") > 0);
    if (rc != 0 || nf <= 4000 || sf <= 4000)
        fprintf(stderr, "%s\n", out);
    CU_ASSERT_EQUAL(setsim__("bench transports --sim-time 2ms --runs 1 --vs-ns3", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "TCP only, vs ns-3.37"));
}

static void test_engine_plain_ns3(void)
{
    char out[OUT_MAX];
    int rc = setsim__("bench engine --events 200k --runs 1 --vs-ns3 --json", out);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(json_num__(out, "ns3_events_per_s") > 0);
    CU_ASSERT(json_num__(out, "ns3_plain_events_per_s") > 0);
    CU_ASSERT(json_num__(out, "ratio_plain") > 0);
    CU_ASSERT(json_num__(out, "ratio") > 0);
}
#endif

/* Writes len bytes of text (or pseudo-random garbage when text is NULL)
 * into path. */
static void write_file__(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (text) {
        fwrite(text, 1, len, f);
    } else {
        unsigned x = 12345;
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            fputc((int)(x >> 16) & 0xff, f);
        }
    }
    fclose(f);
}

/* The run-directory tests work in a fresh temporary directory (their
 * relative paths would otherwise land in the caller's working directory). */
static char cwd_saved__[4096];

static void enter_tmp__(void)
{
    char dir[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd_saved__, sizeof cwd_saved__));
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
}

static void leave_tmp__(void) { CU_ASSERT_EQUAL(chdir(cwd_saved__), 0); }

/* A fresh clone has no runs/: `setsim run FILE -o runs/x` (what
 * scripts/quickstart runs) creates the parents of the run directory. */
static void test_run_creates_parents(void)
{
    enter_tmp__();
    char out[OUT_MAX];
    int rc = test_example_run("quickstart", "qa-parents/a/b/quick", NULL, out, sizeof out);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "run -o qa-parents/a/b/quick -> %d: %s\n", rc, out);
    CU_ASSERT_EQUAL(access("qa-parents/a/b/quick/run.sqlite", R_OK), 0);
    CU_ASSERT_EQUAL(access("qa-parents/a/b/quick/capture.pcapng", R_OK), 0);
    leave_tmp__();
}

/* -o naming an existing directory that is not a run directory, or a
 * file, is refused before anything runs: the user's files stay (the run
 * used to delete the directory recursively, e.g. `-o .`).  A run directory
 * and an empty directory are replaced; a quote in the path is fine. */
static void test_run_o_keeps_user_files(void)
{
    enter_tmp__();
    char out[OUT_MAX];
    mkdir("qa-home", 0755);
    mkdir("qa-home/sub", 0755);
    write_file__("qa-home/sub/data.txt", "precious\n", 9);
    write_file__("qa-file.txt", "precious\n", 9);
    static const char *dirs[] = {"qa-home", "qa-file.txt"};
    for (size_t i = 0; i < 2; i++) {
        int rc = test_example_run("member-add-remove", dirs[i], NULL, out, sizeof out);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "exists and is not a run directory"));
        if (rc != 2)
            fprintf(stderr, "run -o %s -> %d: %s\n", dirs[i], rc, out);
    }
    CU_ASSERT_EQUAL(access("qa-home/sub/data.txt", R_OK), 0);
    CU_ASSERT_EQUAL(access("qa-file.txt", R_OK), 0);
    mkdir("qa-emptydir", 0755);
    CU_ASSERT_EQUAL(test_example_run("member-add-remove", "qa-emptydir", NULL, out, sizeof out), 0);
    CU_ASSERT_EQUAL(test_example_run("member-add-remove", "qa-emptydir", NULL, out, sizeof out), 0);
    CU_ASSERT_EQUAL(access("qa-emptydir/run.sqlite", R_OK), 0);
    char file[512], args[900];
    test_src_path("scenarios/examples/member-add-remove.yaml", file, sizeof file);
    snprintf(args, sizeof args, "run '%s' -o \"qa-it's\" --quiet", file);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    CU_ASSERT_EQUAL(access("qa-it's/run.sqlite", R_OK), 0);
    leave_tmp__();
}

/* Bad input to every subcommand that reads a file or a run directory:
 * exit 2 with a message naming it, and no run directory left behind. */
static void test_bad_input_files(void)
{
    enter_tmp__();
    char out[OUT_MAX];
    mkdir("qa-dir", 0755);
    mkdir("qa-norun", 0755);
    write_file__("qa-norun/log.txt", "partial\n", 8);
    write_file__("qa-empty.yaml", "", 0);
    write_file__("qa-list.yaml", "- a\n- b\n", 8);
    write_file__("qa-garbage.bin", NULL, 3000);
    /* A run directory whose run.sqlite was cut short (a copy interrupted). */
    int rc = test_example_run("quickstart", "qa-trunc", NULL, out, sizeof out);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0 || truncate("qa-trunc/run.sqlite", 5000) != 0) {
        CU_FAIL("cannot make the truncated run directory");
        leave_tmp__();
        return;
    }
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"run qa-dir -o qa-out1 --quiet", "qa-dir:1:1: cannot read: Is a directory"},
        {"lint qa-dir", "qa-dir:1:1: cannot read: Is a directory"},
        {"sweep qa-dir -o qa-sw1", "qa-dir:1:1: cannot read: Is a directory"},
        {"run qa-empty.yaml -o qa-out2 --quiet", "qa-empty.yaml:1:1: missing required key"},
        {"lint qa-empty.yaml", "qa-empty.yaml:1:1: missing required key"},
        {"sweep qa-empty.yaml -o qa-sw2", "qa-empty.yaml:1:1: missing required key"},
        {"run qa-list.yaml -o qa-out3 --quiet", "qa-list.yaml:1:1: 'the document': expected a mapping"},
        {"sweep qa-list.yaml -o qa-sw3", "qa-list.yaml:1:1: 'the document': expected a mapping"},
        {"run qa-garbage.bin -o qa-out4 --quiet", "qa-garbage.bin:"},
        {"lint qa-garbage.bin", "qa-garbage.bin:"},
        {"sweep qa-garbage.bin -o qa-sw4", "qa-garbage.bin:"},
        {"run qa-nonexistent.yaml -o qa-out5 --quiet", "qa-nonexistent.yaml"},
        {"digest qa-nonexistent", "qa-nonexistent"},
        {"digest qa-norun", "qa-norun: not a run directory"},
        {"digest qa-trunc", "qa-trunc/run.sqlite: not a setsim run database"},
        {"digest qa-garbage.bin", "qa-garbage.bin"},
        {"diff qa-trunc qa-norun", "qa-trunc/run.sqlite: not a setsim run database"},
        {"diff qa-norun qa-trunc", "qa-norun: not a run directory"},
        {"report qa-norun", "qa-norun: not a run directory"},
        {"report qa-trunc", "qa-trunc/run.sqlite: not a setsim run database"},
        {"report qa-garbage.bin", "qa-garbage.bin: not a directory"},
        {"check qa-dir", "qa-dir/run.sqlite"},
        {"check qa-trunc", "qa-trunc/run.sqlite"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = setsim__(cases[i].args, out);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].says));
        if (rc != 2 || !strstr(out, cases[i].says))
            fprintf(stderr, "setsim %s -> %d: %s\n", cases[i].args, rc, out);
    }
    for (int i = 1; i <= 5; i++) {
        char d[32];
        snprintf(d, sizeof d, "qa-out%d", i);
        CU_ASSERT_NOT_EQUAL(access(d, F_OK), 0);
    }
    leave_tmp__();
}

/* A refused run (bad scenario: a schema error, a cmdlet error found while
 * the world is built, exit 2) creates nothing: not the run directory, not
 * its staging directory, not the parents -o named; parents that existed
 * before stay. */
static void test_refused_run_creates_nothing(void)
{
    enter_tmp__();
    char out[OUT_MAX], bad[512], args[1400];
    write_file__("qa-empty.yaml", "", 0);
    test_src_path("tests/bad/cfg001_duplicate.yaml", bad, sizeof bad);
    mkdir("qa-keep", 0755);
    const char *files[] = {"qa-empty.yaml", bad};
    const char *outs[] = {"qa-refused/a/b/out", "qa-keep/new/deeper/out"};
    for (size_t f = 0; f < 2; f++) {
        for (size_t o = 0; o < 2; o++) {
            snprintf(args, sizeof args, "run '%s' -o '%s' --quiet", files[f], outs[o]);
            int rc = setsim__(args, out);
            CU_ASSERT_EQUAL(rc, 2);
            if (rc != 2)
                fprintf(stderr, "setsim %s -> %d: %s\n", args, rc, out);
        }
        CU_ASSERT_NOT_EQUAL(access("qa-refused", F_OK), 0);
        CU_ASSERT_NOT_EQUAL(access("qa-keep/new", F_OK), 0);
        CU_ASSERT_EQUAL(access("qa-keep", F_OK), 0);
    }
    leave_tmp__();
}

/* Polls (every 20 ms, up to about two minutes) until path exists and has
 * at least min_bytes, or the child pid exited; 1 when it does. */
static int wait_for_file__(const char *path, long min_bytes, pid_t pid)
{
    for (int i = 0; i < 6000; i++) {
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size >= min_bytes)
            return 1;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* `setsim run` stopped by SIGINT / SIGTERM once its run has begun (its
 * staging directory's run.sqlite holds committed trace rows): exit 130 /
 * 143, the message naming the simulated time and the directory, and
 * nothing left: no staging directory, no run directory, no parents. */
static void test_run_interrupted(void)
{
    enter_tmp__();
    char file[512];
    test_src_path("scenarios/examples/quickstart.yaml", file, sizeof file);
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t k = 0; k < 2; k++) {
        pid_t pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
            int fd = open("qa-int.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            execl(SETSIM_BIN, "setsim", "run", file, "--set", "scenario.duration=60s", "-o",
                  "qa-int/sub/run", "--quiet", (char *)NULL);
            _exit(127);
        }
        char db[256];
        snprintf(db, sizeof db, "qa-int/sub/run.staging-%ld/run.sqlite", (long)pid);
        int started = wait_for_file__(db, 256 * 1024, pid);
        CU_ASSERT(started);
        kill(pid, sigs[k]);
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
        CU_ASSERT(WIFEXITED(status));
        CU_ASSERT_EQUAL(WEXITSTATUS(status), 128 + sigs[k]);
        char out[OUT_MAX] = "";
        FILE *f = fopen("qa-int.out", "r");
        if (f) {
            out[fread(out, 1, sizeof out - 1, f)] = '\0';
            fclose(f);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "setsim: interrupted at simulated time "));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "; nothing written to qa-int/sub/run\n"));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 128 + sigs[k])
            fprintf(stderr, "signal %d: status %#x: %s\n", sigs[k], status, out);
        CU_ASSERT_NOT_EQUAL(access("qa-int", F_OK), 0);
    }
    leave_tmp__();
}

int suite_cli(void)
{
    CU_pSuite s = test_suite("cli");
    if (!s)
        return -1;
    if (!CU_add_test(s, "bench fabric usage errors exit 2", test_fabric_usage_errors) ||
        !CU_add_test(s, "bench fabric --help", test_fabric_help) ||
        !CU_add_test(s, "bench fabric delivers the predicted frames", test_fabric_native_counts) ||
        !CU_add_test(s, "bench fabric text output", test_fabric_text) ||
        !CU_add_test(s, "run -o creates the parent directories", test_run_creates_parents) ||
        !CU_add_test(s, "bad files and run directories exit 2", test_bad_input_files) ||
        !CU_add_test(s, "a refused run creates no directory", test_refused_run_creates_nothing) ||
        !CU_add_test(s, "SIGINT / SIGTERM stop a run, nothing left", test_run_interrupted) ||
        !CU_add_test(s, "run -o never deletes a non-run directory", test_run_o_keeps_user_files))
        return -1;
#ifdef SETSIM_HAVE_NS3
    if (!CU_add_test(s, "bench fabric --vs-ns3", test_fabric_vs_ns3) ||
        !CU_add_test(s, "bench engine --vs-ns3 plain ns-3 figure", test_engine_plain_ns3) ||
        !CU_add_test(s, "bench transports --vs-ns3 (TCP only)", test_transports_vs_ns3))
        return -1;
#endif
    return 0;
}
