/* test_cli: the setsim command as a user runs it (through SETSIM_BIN):
 * usage errors exit 2 with a message naming the flag, and `bench fabric`
 * delivers exactly the frames its scenario predicts, with and without the
 * ns-3 comparison; `bench engine --vs-ns3` reports both ns-3 figures. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX 8192

/* Runs `setsim <args>`; returns the exit status, output (stderr joined) in out. */
static int setsim__(const char *args, char *out)
{
    char cmd[1024];
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
        {"bench transports --runs 0", "--runs"},
        {"bench transports --sim-time", "--sim-time needs a value"},
        {"bench transports --sim-time 500us", "is not after the 1ms warm-up"},
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

int suite_cli(void)
{
    CU_pSuite s = test_suite("cli");
    if (!s)
        return -1;
    if (!CU_add_test(s, "bench fabric usage errors exit 2", test_fabric_usage_errors) ||
        !CU_add_test(s, "bench fabric --help", test_fabric_help) ||
        !CU_add_test(s, "bench fabric delivers the predicted frames", test_fabric_native_counts) ||
        !CU_add_test(s, "bench fabric text output", test_fabric_text))
        return -1;
#ifdef SETSIM_HAVE_NS3
    if (!CU_add_test(s, "bench fabric --vs-ns3", test_fabric_vs_ns3) ||
        !CU_add_test(s, "bench engine --vs-ns3 plain ns-3 figure", test_engine_plain_ns3))
        return -1;
#endif
    return 0;
}
