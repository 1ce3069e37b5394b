/* cmd_bench: `setsim bench <case>`: benchmarks measured in events or frames
 * per wall-clock second, optionally against ns-3 in the same invocation.
 *
 * bench engine: the classic hold model.  P events are pending; each, when
 * it runs, schedules one new event after a uniformly random delay, until N
 * events have run.  The same model code runs on the native engine and,
 * with --vs-ns3, on ns-3's Simulator (PriorityQueue scheduler) through the
 * sim-core/ns3 shim.  Each engine is run R times (default 5, alternating)
 * and the median events/s is reported, with the ratio native/ns-3. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_engine.h"
#include "sim_rng.h"
#ifdef SETSIM_HAVE_NS3
#include "ns3_engine.h"
#endif

/* Delays are uniform in [0, 2^21 ps), about [0, 2.1 us): the top 21 bits of
 * a 64-bit LCG (Knuth's MMIX constants), seeded from a named stream, so the
 * model costs a few instructions and the measurement is the scheduler's. */
#define HOLD_DELAY_BITS 21
#define HOLD_MEAN_DELAY_PS (UINT64_C(1) << (HOLD_DELAY_BITS - 1))
#define HOLD_LCG_MUL 6364136223846793005ULL
#define HOLD_LCG_ADD 1442695040888963407ULL

struct hold_state {
    uint64_t lcg;         /* delay stream state */
    uint64_t to_schedule; /* events still to be created */
};

static inline sim_time_t hold_delay__(uint64_t *lcg)
{
    *lcg = *lcg * HOLD_LCG_MUL + HOLD_LCG_ADD;
    return *lcg >> (64 - HOLD_DELAY_BITS);
}

static void hold_event__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct hold_state *st = ctx;
    if (st->to_schedule == 0)
        return;
    st->to_schedule--;
    sim_schedule_in(eng, hold_delay__(&st->lcg), hold_event__, st, NULL);
}

struct hold_result {
    double events_per_s;
    uint64_t executed;
    uint64_t steady_allocs; /* allocations after the warm-up phase */
};

/* Runs the hold model on eng; the first 10% of events are warm-up. */
static int hold_run__(struct sim_engine *eng, uint64_t n, uint64_t pending, uint64_t seed,
                      struct hold_result *out)
{
    struct hold_state st;
    struct sim_rng rng;
    sim_rng_init(&rng, seed, "bench/hold");
    st.lcg = sim_rng_u64(&rng);
    st.to_schedule = n - pending;
    for (uint64_t i = 0; i < pending; i++)
        if (!sim_schedule_in(eng, hold_delay__(&st.lcg), hold_event__, &st, NULL))
            return -1;
    /* Warm-up: run until the pool and heap reached their working size. */
    uint64_t warm = n / 10;
    while (sim_event_count(eng) < warm && sim_pending(eng) > 0)
        sim_run_until(eng, sim_now(eng) + 100 * HOLD_MEAN_DELAY_PS);
    uint64_t allocs0 = cli_alloc_count();
    uint64_t done0 = sim_event_count(eng);
    double t0 = cli_wall_seconds();
    sim_run_until(eng, SIM_TIME_MAX);
    double dt = cli_wall_seconds() - t0;
    out->executed = sim_event_count(eng);
    out->steady_allocs = cli_alloc_count() - allocs0;
    out->events_per_s = dt > 0 ? (double)(out->executed - done0) / dt : 0;
    return out->executed == n ? 0 : -1;
}

static int cmp_double__(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median__(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double__);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void bench_engine_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim bench engine [--events N] [--pending P] [--runs R] [--seed S]\n"
            "                           [--vs-ns3] [--json]\n\n"
            "The hold model: P events pending, each schedules one more after a random\n"
            "delay (uniform in [0, 2.1 us)) until N events have run.\n\n"
            "  --events N   events per run (default 10M; k/M/G suffixes accepted)\n"
            "  --pending P  events pending at all times (default 1000)\n"
            "  --runs R     runs per engine; the median is reported (default 5)\n"
            "  --seed S     seed of the delay stream (default 1)\n"
            "  --vs-ns3     also run ns-3.37's Simulator with the PriorityQueue scheduler\n"
            "               through the sim-core/ns3 shim, and print the ratio\n"
            "  --json       print one JSON object: native_events_per_s, ns3_events_per_s,\n"
            "               ratio (ns-3 keys are null without --vs-ns3)\n");
}

static int bench_engine__(int argc, char **argv)
{
    const char *cmd = "bench engine";
    uint64_t n = 10000000, pending = 1000, runs = 5, seed = 1;
    int vs_ns3 = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_engine_help__(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--events") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, UINT64_MAX / 2, &n);
        } else if (strcmp(a, "--pending") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, 100000000, &pending);
        } else if (strcmp(a, "--runs") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, 101, &runs);
        } else if (strcmp(a, "--seed") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 0, UINT64_MAX, &seed);
        } else if (strcmp(a, "--vs-ns3") == 0) {
            vs_ns3 = 1;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", a);
        }
        if (rc)
            return rc;
    }
    if (pending > n)
        return cli_usage_error(cmd, "--pending (%" PRIu64 ") exceeds --events (%" PRIu64 ")",
                               pending, n);
#ifndef SETSIM_HAVE_NS3
    if (vs_ns3) {
        fprintf(stderr, "setsim bench engine: --vs-ns3: this setsim was built without libns3 "
                        "(run scripts/setup-deps and rebuild)\n");
        return CLI_FAILURE;
    }
#endif
    double *nat = calloc(runs, sizeof *nat), *ns3 = calloc(runs, sizeof *ns3);
    if (!nat || !ns3) {
        free(nat);
        free(ns3);
        fprintf(stderr, "setsim bench engine: out of memory\n");
        return CLI_FAILURE;
    }
    uint64_t max_allocs = 0;
    int rc = CLI_OK;
    for (uint64_t r = 0; r < runs && rc == CLI_OK; r++) {
        struct sim_engine_settings es = {.initial_events = pending};
        struct sim_engine *eng = sim_engine_create(&es);
        struct hold_result hr;
        if (!eng || hold_run__(eng, n, pending, seed, &hr) != 0) {
            fprintf(stderr, "setsim bench engine: native run failed\n");
            rc = CLI_FAILURE;
        } else {
            nat[r] = hr.events_per_s;
            if (hr.steady_allocs > max_allocs)
                max_allocs = hr.steady_allocs;
        }
        sim_engine_destroy(eng);
#ifdef SETSIM_HAVE_NS3
        if (vs_ns3 && rc == CLI_OK) {
            char err[256] = "";
            struct ns3_engine_settings ns = {.scheduler = "priority-queue"};
            struct sim_engine *e3 = ns3_engine_create(&ns, err, sizeof err);
            if (!e3 || hold_run__(e3, n, pending, seed, &hr) != 0) {
                fprintf(stderr, "setsim bench engine: ns-3 run failed%s%s\n", err[0] ? ": " : "",
                        err);
                rc = CLI_FAILURE;
            } else {
                ns3[r] = hr.events_per_s;
            }
            sim_engine_destroy(e3);
        }
#endif
    }
    if (rc == CLI_OK) {
        double mn = median__(nat, runs);
        double m3 = vs_ns3 ? median__(ns3, runs) : 0;
        if (json) {
            printf("{\"bench\": \"engine\", \"events\": %" PRIu64 ", \"pending\": %" PRIu64
                   ", \"runs\": %" PRIu64 ", \"native_events_per_s\": %.0f, ",
                   n, pending, runs, mn);
            if (vs_ns3)
                printf("\"ns3_events_per_s\": %.0f, \"ratio\": %.3f, ", m3, mn / m3);
            else
                printf("\"ns3_events_per_s\": null, \"ratio\": null, ");
            printf("\"native_steady_allocs\": %" PRIu64 "}\n", max_allocs);
        } else {
            printf("bench engine: hold model, %" PRIu64 " events, %" PRIu64
                   " pending, median of %" PRIu64 " runs\n",
                   n, pending, runs);
            printf("  native        %12.0f events/s  (allocations after warm-up: %" PRIu64 ")\n",
                   mn, max_allocs);
            if (vs_ns3) {
                printf("  ns-3 (PriorityQueue scheduler, via shim) %12.0f events/s\n", m3);
                printf("  ratio native/ns-3: %.2f\n", mn / m3);
            }
        }
    }
    free(nat);
    free(ns3);
    return rc;
}

struct bench_case {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct bench_case bench_cases[] = {
    {"engine", bench_engine__, "event scheduler throughput (hold model), optionally vs ns-3"},
};

static void bench_help__(FILE *out)
{
    fprintf(out, "Usage: setsim bench <case> [options]\n\nCases:\n");
    for (size_t i = 0; i < sizeof bench_cases / sizeof bench_cases[0]; i++)
        fprintf(out, "  %-8s %s\n", bench_cases[i].name, bench_cases[i].summary);
    fprintf(out, "\n'setsim bench <case> --help' lists each case's options.\n");
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        bench_help__(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        bench_help__(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof bench_cases / sizeof bench_cases[0]; i++)
        if (strcmp(argv[1], bench_cases[i].name) == 0)
            return bench_cases[i].run(argc - 1, argv + 1);
    return cli_usage_error("bench", "unknown case '%s' (cases: engine)", argv[1]);
}
