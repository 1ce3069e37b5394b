/* test_time: parsing and formatting of times, rates and sizes, including
 * every error the scenario language can hit. */
#include "test_util.h"

#include <errno.h>
#include <string.h>

#include "sim_time.h"

static void test_time_parse(void)
{
    struct {
        const char *text;
        sim_time_t want;
    } ok[] = {
        {"0ps", 0}, {"1ps", 1}, {"1ns", 1000}, {"1.5us", 1500000}, {"1.1us", 1100000},
        {"20ms", 20 * SIM_MS}, {"2s", 2 * SIM_S}, {"0.000001s", SIM_US}, {"7 ms", 7 * SIM_MS},
        {"  3ns ", 3000}, {"1\xc2\xb5s", SIM_US}, {"2.5ps", 0 /* rejected below */},
        {"213d", 0}, {"1_000ns", SIM_US},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sim_time_t t = 12345;
        char err[128] = "";
        int rc = sim_time_parse(ok[i].text, &t, err, sizeof err);
        if (strcmp(ok[i].text, "2.5ps") == 0) {
            CU_ASSERT_EQUAL(rc, -ERANGE);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "resolution"));
            continue;
        }
        if (strcmp(ok[i].text, "213d") == 0) {
            CU_ASSERT_EQUAL(rc, -EINVAL);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown time unit 'd'"));
            continue;
        }
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(t, ok[i].want);
    }
}

static void test_time_errors(void)
{
    struct {
        const char *text;
        int rc;
        const char *msg;
    } bad[] = {
        {"", -EINVAL, "empty time"},
        {"   ", -EINVAL, "empty time"},
        {"10", -EINVAL, "missing unit"},
        {"ms", -EINVAL, "expected a number"},
        {"-1ms", -ERANGE, "cannot be negative"},
        {"5 mins", -EINVAL, "unknown time unit 'mins'"},
        {"99999999999999999999s", -ERANGE, "too large"},
        {"1.2.3ms", -EINVAL, "unknown time unit '.3ms'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_time_t t;
        char err[160] = "";
        CU_ASSERT_EQUAL(sim_time_parse(bad[i].text, &t, err, sizeof err), bad[i].rc);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "\n  '%s' -> '%s' (want '%s')\n", bad[i].text, err, bad[i].msg);
            CU_FAIL("error message");
        }
    }
    CU_ASSERT_EQUAL(sim_time_parse(NULL, &(sim_time_t){0}, NULL, 0), -EINVAL);
}

static void test_rate_and_size(void)
{
    uint64_t v;
    char err[160];
    CU_ASSERT_EQUAL(sim_rate_parse("25Gbps", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 25000000000ULL);
    CU_ASSERT_EQUAL(sim_rate_parse("2.5 Gb/s", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 2500000000ULL);
    CU_ASSERT_EQUAL(sim_rate_parse("100Mbps", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 100000000ULL);
    CU_ASSERT_EQUAL(sim_rate_parse("400 Kbps", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 400000ULL);
    CU_ASSERT_EQUAL(sim_rate_parse("10GBps", &v, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown rate unit 'GBps'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Gbps"));
    CU_ASSERT_EQUAL(sim_rate_parse("0.5bps", &v, err, sizeof err), -ERANGE);

    CU_ASSERT_EQUAL(sim_size_parse("12MB", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 12000000ULL);
    CU_ASSERT_EQUAL(sim_size_parse("96KiB", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 96 * 1024ULL);
    CU_ASSERT_EQUAL(sim_size_parse("1.5MiB", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 1572864ULL);
    CU_ASSERT_EQUAL(sim_size_parse("1518", &v, err, sizeof err), 0); /* bare = bytes */
    CU_ASSERT_EQUAL(v, 1518ULL);
    CU_ASSERT_EQUAL(sim_size_parse("4 GB", &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v, 4000000000ULL);
    CU_ASSERT_EQUAL(sim_size_parse("3 bytes", &v, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "KiB"));
    CU_ASSERT_EQUAL(sim_size_parse("0.1B", &v, err, sizeof err), -ERANGE);
}

static void test_format_round_trip(void)
{
    char buf[64];
    CU_ASSERT_STRING_EQUAL(sim_time_format(0, buf, sizeof buf), "0ps");
    CU_ASSERT_STRING_EQUAL(sim_time_format(1500000, buf, sizeof buf), "1.5us");
    CU_ASSERT_STRING_EQUAL(sim_time_format(20 * SIM_MS, buf, sizeof buf), "20ms");
    CU_ASSERT_STRING_EQUAL(sim_time_format(1234, buf, sizeof buf), "1.234ns");
    CU_ASSERT_STRING_EQUAL(sim_time_format(1001, buf, sizeof buf), "1.001ns");
    CU_ASSERT_STRING_EQUAL(sim_time_format(12345, buf, sizeof buf), "12.345ns");
    CU_ASSERT_STRING_EQUAL(sim_time_format(7, buf, sizeof buf), "7ps");
    CU_ASSERT_STRING_EQUAL(sim_rate_format(25000000000ULL, buf, sizeof buf), "25Gbps");
    CU_ASSERT_STRING_EQUAL(sim_size_format(1518, buf, sizeof buf), "1.518KB");
    /* Every formatted time parses back to itself. */
    sim_time_t samples[] = {1, 999, 1000, 123456789, 5 * SIM_S + 1, 3 * SIM_MS + 7 * SIM_US};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        sim_time_t back;
        sim_time_format(samples[i], buf, sizeof buf);
        CU_ASSERT_EQUAL(sim_time_parse(buf, &back, NULL, 0), 0);
        CU_ASSERT_EQUAL(back, samples[i]);
    }
}

static void test_tx_time(void)
{
    /* 1500 bytes at 10 Gb/s = 1.2 us; 1 byte at 400 Gb/s = 20 ps. */
    CU_ASSERT_EQUAL(sim_tx_time(1500, 10000000000ULL), 1200 * SIM_NS);
    CU_ASSERT_EQUAL(sim_tx_time(1, 400000000000ULL), 20);
    CU_ASSERT_EQUAL(sim_tx_time(1, 3), 2666666666667ULL); /* rounded up */
    CU_ASSERT_EQUAL(sim_tx_time(1, 0), SIM_TIME_MAX);
    /* Either side of the 64-bit fast path's bound (1,152,921 bytes), the
     * same exact ceiling: 1,152,921 B at 3 b/s and 1,152,922 B at 7 b/s. */
    CU_ASSERT_EQUAL(sim_tx_time(1152921, 3), 3074456000000000000ULL);
    CU_ASSERT_EQUAL(sim_tx_time(1152922, 7), 1317625142857142858ULL);
    CU_ASSERT_EQUAL(sim_tx_time(1152921, UINT64_MAX), 1);
    CU_ASSERT_EQUAL(sim_tx_time(1ULL << 40, 1), SIM_TIME_MAX);
}

int suite_time(void)
{
    CU_pSuite s = test_suite("time");
    if (!s || !CU_add_test(s, "time parse", test_time_parse) ||
        !CU_add_test(s, "time parse errors", test_time_errors) ||
        !CU_add_test(s, "rates and sizes", test_rate_and_size) ||
        !CU_add_test(s, "format and round trip", test_format_round_trip) ||
        !CU_add_test(s, "serialization time", test_tx_time))
        return -1;
    return 0;
}
