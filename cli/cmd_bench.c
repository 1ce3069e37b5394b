/* cmd_bench: `setsim bench <case>`: benchmarks measured in events or frames
 * per wall-clock second, optionally against ns-3 in the same invocation.
 *
 * bench engine: the classic hold model.  P events are pending; each, when
 * it runs, schedules one new event after a uniformly random delay, until N
 * events have run.  The same model code runs on the native engine and,
 * with --vs-ns3, on ns-3's Simulator (PriorityQueue scheduler) through the
 * sim-core/ns3 shim, and written directly against ns-3's API (a
 * Simulator::Schedule of a plain function per event, as ns-3 models are
 * written).  Each is run R times (default 5, alternating) and the median
 * events/s is reported, with the ratios native/ns-3.
 *
 * bench fabric: frames delivered per wall-clock second by a switched
 * fabric of raw hosts (bench_fabric.h) and, with --vs-ns3, by the nearest
 * ns-3 equivalent (CSMA + BridgeNetDevice with UDP OnOff, ns3_engine.h).
 * Every run is a child process of its own, so each side's peak resident
 * memory is its own and ns-3's singleton starts fresh. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_fabric.h"
#include "cli_ns3.h"
#include "sim_engine.h"
#include "sim_rng.h"

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

/* First state of the delay stream for a seed. */
static uint64_t hold_lcg_seed__(uint64_t seed)
{
    struct sim_rng rng;
    sim_rng_init(&rng, seed, "bench/hold");
    return sim_rng_u64(&rng);
}

/* Runs the hold model on eng; the first 10% of events are warm-up. */
static int hold_run__(struct sim_engine *eng, uint64_t n, uint64_t pending, uint64_t seed,
                      struct hold_result *out)
{
    struct hold_state st;
    st.lcg = hold_lcg_seed__(seed);
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
            "  --vs-ns3     also run ns-3.37's Simulator with the PriorityQueue scheduler,\n"
            "               through the sim-core/ns3 shim and written directly against\n"
            "               ns-3's API (Simulator::Schedule per event), and print the ratios\n"
            "  --json       print one JSON object: native_events_per_s, ns3_events_per_s,\n"
            "               ratio, ns3_plain_events_per_s, ratio_plain (ns-3 keys are null\n"
            "               without --vs-ns3)\n");
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
#ifdef SETSIM_HAVE_NS3
    const struct cli_ns3 *ns3api = NULL;
    if (vs_ns3 && !(ns3api = cli_ns3_load(cmd)))
        return CLI_FAILURE;
#else
    if (vs_ns3) {
        fprintf(stderr, "setsim bench engine: --vs-ns3: this setsim was built without libns3 "
                        "(run scripts/setup-deps and rebuild)\n");
        return CLI_FAILURE;
    }
#endif
    double *nat = calloc(runs, sizeof *nat), *ns3 = calloc(runs, sizeof *ns3);
    double *plain = calloc(runs, sizeof *plain);
    if (!nat || !ns3 || !plain) {
        free(nat);
        free(ns3);
        free(plain);
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
            struct sim_engine *e3 = ns3api->engine_create(&ns, err, sizeof err);
            if (!e3 || hold_run__(e3, n, pending, seed, &hr) != 0) {
                fprintf(stderr, "setsim bench engine: ns-3 run failed%s%s\n", err[0] ? ": " : "",
                        err);
                rc = CLI_FAILURE;
            } else {
                ns3[r] = hr.events_per_s;
            }
            sim_engine_destroy(e3);
        }
        if (vs_ns3 && rc == CLI_OK) {
            char err[256] = "";
            struct ns3_bench_hold_cfg hc = {.events = n, .pending = pending,
                                            .lcg_seed = hold_lcg_seed__(seed),
                                            .lcg_mul = HOLD_LCG_MUL, .lcg_add = HOLD_LCG_ADD,
                                            .delay_bits = HOLD_DELAY_BITS};
            struct ns3_bench_hold_result pr;
            if (ns3api->bench_hold(&hc, &pr, err, sizeof err) != 0 || pr.executed != n) {
                fprintf(stderr, "setsim bench engine: plain ns-3 run failed%s%s\n",
                        err[0] ? ": " : "", err);
                rc = CLI_FAILURE;
            } else {
                plain[r] = pr.events_per_s;
            }
        }
#endif
    }
    if (rc == CLI_OK) {
        double mn = cli_median(nat, runs);
        double m3 = vs_ns3 ? cli_median(ns3, runs) : 0;
        double mp = vs_ns3 ? cli_median(plain, runs) : 0;
        if (json) {
            printf("{\"bench\": \"engine\", \"events\": %" PRIu64 ", \"pending\": %" PRIu64
                   ", \"runs\": %" PRIu64 ", \"native_events_per_s\": %.0f, ",
                   n, pending, runs, mn);
            if (vs_ns3)
                printf("\"ns3_events_per_s\": %.0f, \"ratio\": %.3f, "
                       "\"ns3_plain_events_per_s\": %.0f, \"ratio_plain\": %.3f, ",
                       m3, mn / m3, mp, mn / mp);
            else
                printf("\"ns3_events_per_s\": null, \"ratio\": null, "
                       "\"ns3_plain_events_per_s\": null, \"ratio_plain\": null, ");
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
                printf("  ns-3 (PriorityQueue scheduler, plain ns-3 API: Simulator::Schedule) "
                       "%12.0f events/s\n",
                       mp);
                printf("  ratio native/plain ns-3: %.2f\n", mn / mp);
            }
        }
    }
    free(nat);
    free(ns3);
    free(plain);
    return rc;
}

/* ---- bench fabric ------------------------------------------------------ */

/* The scenario of issue 3's benchmark: 8 hosts, hosts 0-3 sending to 4-7. */
#define FABRIC_PAIRS 4
#define FABRIC_RATE_BPS 10000000000ULL /* 10 Gb/s */
#define FABRIC_DELAY SIM_US
#define FABRIC_FRAME 1518 /* Ethernet frame with FCS */
/* The senders start once the learning frames (about 4.5 us: two
 * serializations and two propagation delays) have taught the switch. */
#define FABRIC_START (10 * SIM_US)
#define FABRIC_SIM_TIME (750 * SIM_MS)
#define FABRIC_RUNS 3

/* What one run, in its own child process, reports through a pipe. */
struct fabric_run {
    int rc;                 /* 0, or a negative errno (err says why) */
    uint64_t delivered;     /* frames the receivers got from their senders */
    uint64_t events;        /* engine events executed */
    sim_time_t sim_time;    /* simulated time reached */
    double wall_s;          /* wall time of the simulation */
    long peak_rss_kb;       /* VmHWM of the child at the end */
    uint64_t steady_allocs; /* native: heap allocations after the warm-up */
    char err[240];
};

/* What a run is asked to do. */
struct fabric_job {
    struct bench_fabric_cfg cfg; /* the scenario */
    uint32_t ns3_load_pct;       /* ns-3's offered load, percent of line rate */
};

typedef void (*fabric_side_fn)(const struct fabric_job *job, struct fabric_run *out);

static void fabric_native__(const struct fabric_job *job, struct fabric_run *out)
{
    struct bench_fabric_result r;
    out->rc = bench_fabric_native(&job->cfg, &r);
    if (out->rc != 0) {
        snprintf(out->err, sizeof out->err, "native fabric: %s", strerror(-out->rc));
        return;
    }
    out->delivered = r.delivered;
    out->events = r.events;
    out->sim_time = r.sim_time;
    out->wall_s = r.wall_s;
    out->steady_allocs = r.steady_allocs;
}

#ifdef SETSIM_HAVE_NS3
static void fabric_ns3__(const struct fabric_job *job, struct fabric_run *out)
{
    const struct bench_fabric_cfg *cfg = &job->cfg;
    const struct cli_ns3 *api = cli_ns3_load("bench fabric");
    if (!api) {
        out->rc = -ENOENT;
        snprintf(out->err, sizeof out->err, "the ns-3 module could not be loaded");
        return;
    }
    struct ns3_bench_fabric_cfg nc = {.pairs = cfg->pairs, .rate_bps = cfg->rate_bps,
                                      .delay = cfg->delay, .frame_bytes = cfg->frame_bytes,
                                      .load_pct = job->ns3_load_pct, .start = cfg->start,
                                      .sim_time = cfg->sim_time};
    struct ns3_bench_fabric_result r;
    out->rc = api->bench_fabric(&nc, &r, out->err, sizeof out->err);
    if (out->rc != 0)
        return;
    out->delivered = r.delivered;
    out->events = r.events;
    out->sim_time = r.sim_time;
    out->wall_s = r.wall_s;
}
#endif

/* Runs one side in a child process (fresh memory peak, fresh ns-3
 * singleton) and collects its report.  Returns 0 or -1 (reported). */
struct fabric_child {
    fabric_side_fn fn;
    const struct fabric_job *job;
};

static void fabric_child__(void *arg, void *out)
{
    const struct fabric_child *c = arg;
    struct fabric_run *r = out;
    memset(r, 0, sizeof *r);
    c->fn(c->job, r);
    r->peak_rss_kb = cli_peak_rss_kb();
}

static int fabric_in_child__(fabric_side_fn fn, const struct fabric_job *job,
                             struct fabric_run *out)
{
    struct fabric_child c = {fn, job};
    if (cli_run_in_child("bench fabric", fabric_child__, &c, out, sizeof *out) != 0)
        return -1;
    if (out->rc != 0) {
        fprintf(stderr, "setsim bench fabric: %s\n", out->err);
        return -1;
    }
    return 0;
}

static void bench_fabric_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim bench fabric [--runs R] [--sim-time T] [--vs-ns3] [--ns3-load P]\n"
            "                           [--json]\n\n"
            "8 raw hosts on one learning switch (setsim's rawhost, nic, link and switch\n"
            "models), 10 Gb/s full-duplex links with 1 us delay, 1518-byte frames at line\n"
            "rate from hosts 0-3 to hosts 4-7; the switch learns the receivers' MACs from\n"
            "one frame each before the senders start (at 10 us).  No capture, no trace.\n"
            "Reports frames delivered to the receivers per wall-clock second, and each\n"
            "side's peak resident memory (every run is a process of its own).\n\n"
            "  --runs R      runs per side; the median is reported (default 3)\n"
            "  --sim-time T  simulated time per run, e.g. 100ms (default 0.75s, > 10us)\n"
            "  --vs-ns3      also run the nearest ns-3.37 equivalent and print the ratios:\n"
            "                ns-3's bridge works only over CSMA, so it is 8 nodes with a\n"
            "                CSMA channel each to a BridgeNetDevice node, IPv4, UDP\n"
            "                OnOffApplication at line rate and PacketSink receivers\n"
            "  --ns3-load P  the ns-3 senders offer P %% of the line rate (default 100; a\n"
            "                CSMA channel with 1 us delay carries about half of it)\n"
            "  --json        print one JSON object: native_frames_per_s, ns3_frames_per_s,\n"
            "                ratio, native_peak_rss_kb, ns3_peak_rss_kb and more (ns-3 keys\n"
            "                are null without --vs-ns3)\n");
}

/* Medians over the runs of one side, and its last run's counts. */
struct fabric_side {
    double frames_per_s, wall_s; /* medians */
    long peak_rss_kb;            /* largest over the runs */
    uint64_t steady_allocs;         /* largest over the runs */
    struct fabric_run last;
};

static void fabric_side_sum__(struct fabric_run *runs, uint64_t n, struct fabric_side *out)
{
    double *fps = calloc(n, sizeof *fps), *wall = calloc(n, sizeof *wall);
    memset(out, 0, sizeof *out);
    for (uint64_t i = 0; i < n; i++) {
        if (fps && wall) {
            fps[i] = runs[i].wall_s > 0 ? (double)runs[i].delivered / runs[i].wall_s : 0;
            wall[i] = runs[i].wall_s;
        }
        if (runs[i].peak_rss_kb > out->peak_rss_kb)
            out->peak_rss_kb = runs[i].peak_rss_kb;
        if (runs[i].steady_allocs > out->steady_allocs)
            out->steady_allocs = runs[i].steady_allocs;
    }
    if (fps && wall) {
        out->frames_per_s = cli_median(fps, n);
        out->wall_s = cli_median(wall, n);
    }
    out->last = runs[n - 1];
    free(fps);
    free(wall);
}

static void fabric_print_json__(const struct fabric_job *job, uint64_t runs,
                                const struct fabric_side *nat, const struct fabric_side *ns3)
{
    const struct bench_fabric_cfg *cfg = &job->cfg;
    printf("{\"bench\": \"fabric\", \"hosts\": %u, \"sim_time_s\": %.6f, \"runs\": %" PRIu64
           ", \"native_frames_per_s\": %.0f, \"native_delivered\": %" PRIu64
           ", \"native_events\": %" PRIu64 ", \"native_wall_s\": %.4f"
           ", \"native_peak_rss_kb\": %ld, \"native_steady_allocs\": %" PRIu64 ", ",
           2 * cfg->pairs, (double)cfg->sim_time / (double)SIM_S, runs, nat->frames_per_s,
           nat->last.delivered, nat->last.events, nat->wall_s, nat->peak_rss_kb,
           nat->steady_allocs);
    if (ns3)
        printf("\"ns3_model\": \"CSMA + BridgeNetDevice, UDP OnOff\", \"ns3_load_pct\": %u"
               ", \"ns3_frames_per_s\": %.0f"
               ", \"ns3_delivered\": %" PRIu64 ", \"ns3_events\": %" PRIu64
               ", \"ns3_wall_s\": %.4f, \"ns3_peak_rss_kb\": %ld, \"ratio\": %.3f"
               ", \"rss_ratio\": %.3f}\n",
               job->ns3_load_pct, ns3->frames_per_s, ns3->last.delivered, ns3->last.events,
               ns3->wall_s, ns3->peak_rss_kb, nat->frames_per_s / ns3->frames_per_s,
               (double)ns3->peak_rss_kb / (double)nat->peak_rss_kb);
    else
        printf("\"ns3_model\": null, \"ns3_load_pct\": null, \"ns3_frames_per_s\": null, \"ns3_delivered\": null, "
               "\"ns3_events\": null, \"ns3_wall_s\": null, \"ns3_peak_rss_kb\": null, "
               "\"ratio\": null, \"rss_ratio\": null}\n");
}

static void fabric_print_text__(const struct fabric_job *job, uint64_t runs,
                                const struct fabric_side *nat, const struct fabric_side *ns3)
{
    const struct bench_fabric_cfg *cfg = &job->cfg;
    char t[32];
    printf("bench fabric: %u hosts on one learning switch, 10 Gb/s links, 1 us delay,\n"
           "  %u-byte frames at line rate, hosts 0-%u -> %u-%u, %s simulated, median of %" PRIu64
           " runs\n",
           2 * cfg->pairs, cfg->frame_bytes, cfg->pairs - 1, cfg->pairs, 2 * cfg->pairs - 1,
           sim_time_format(cfg->sim_time, t, sizeof t), runs);
    printf("  native (setsim rawhost + nic + link + switch models)\n"
           "      %12.0f frames/s  (%" PRIu64 " frames delivered, %" PRIu64
           " events, %.3f s wall, peak RSS %ld KiB, allocations after warm-up: %" PRIu64 ")\n",
           nat->frames_per_s, nat->last.delivered, nat->last.events, nat->wall_s,
           nat->peak_rss_kb, nat->steady_allocs);
    if (!ns3)
        return;
    printf("  ns-3 (CSMA channels + BridgeNetDevice, IPv4, UDP OnOff at %u %% of line rate,\n"
           "        PacketSink; ns-3's bridge works only over CSMA: the nearest equivalent, not\n"
           "        the same models; a CSMA channel stays busy while a frame propagates)\n"
           "      %12.0f frames/s  (%" PRIu64 " frames delivered, %" PRIu64
           " events, %.3f s wall, peak RSS %ld KiB)\n",
           job->ns3_load_pct, ns3->frames_per_s, ns3->last.delivered, ns3->last.events, ns3->wall_s,
           ns3->peak_rss_kb);
    printf("  ratio native/ns-3: %.2f frames/s; peak RSS ns-3/native: %.2f\n",
           nat->frames_per_s / ns3->frames_per_s,
           (double)ns3->peak_rss_kb / (double)nat->peak_rss_kb);
}

static int bench_fabric__(int argc, char **argv)
{
    const char *cmd = "bench fabric";
    uint64_t runs = FABRIC_RUNS, load = 100;
    int vs_ns3 = 0, json = 0;
    struct fabric_job job = {.cfg = {.pairs = FABRIC_PAIRS, .rate_bps = FABRIC_RATE_BPS,
                                     .delay = FABRIC_DELAY, .frame_bytes = FABRIC_FRAME,
                                     .start = FABRIC_START, .sim_time = FABRIC_SIM_TIME}};
    struct bench_fabric_cfg *cfg = &job.cfg;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_fabric_help__(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--runs") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, 101, &runs);
        } else if (strcmp(a, "--sim-time") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;
            char err[160];
            if (!v)
                return cli_usage_error(cmd, "--sim-time needs a value");
            if (sim_time_parse(v, &cfg->sim_time, err, sizeof err) != 0)
                return cli_usage_error(cmd, "--sim-time: %s", err);
            if (cfg->sim_time <= cfg->start)
                return cli_usage_error(cmd, "--sim-time: %s ends before the senders start "
                                            "(10us)", v);
        } else if (strcmp(a, "--ns3-load") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, 100, &load);
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
    job.ns3_load_pct = (uint32_t)load;
#ifndef SETSIM_HAVE_NS3
    if (vs_ns3) {
        fprintf(stderr, "setsim bench fabric: --vs-ns3: this setsim was built without libns3 "
                        "(run scripts/setup-deps and rebuild)\n");
        return CLI_FAILURE;
    }
#endif
    struct fabric_run *nat = calloc(runs, sizeof *nat), *ns3 = calloc(runs, sizeof *ns3);
    int rc = nat && ns3 ? CLI_OK : CLI_FAILURE;
    if (rc != CLI_OK)
        fprintf(stderr, "setsim bench fabric: out of memory\n");
    for (uint64_t r = 0; r < runs && rc == CLI_OK; r++) {
        if (fabric_in_child__(fabric_native__, &job, &nat[r]) != 0)
            rc = CLI_FAILURE;
#ifdef SETSIM_HAVE_NS3
        if (vs_ns3 && rc == CLI_OK && fabric_in_child__(fabric_ns3__, &job, &ns3[r]) != 0)
            rc = CLI_FAILURE;
#endif
    }
    if (rc == CLI_OK) {
        struct fabric_side ns, ts;
        fabric_side_sum__(nat, runs, &ns);
        if (vs_ns3)
            fabric_side_sum__(ns3, runs, &ts);
        if (json)
            fabric_print_json__(&job, runs, &ns, vs_ns3 ? &ts : NULL);
        else
            fabric_print_text__(&job, runs, &ns, vs_ns3 ? &ts : NULL);
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
    {"fabric", bench_fabric__, "frames/s through a switched fabric of raw hosts, optionally vs ns-3"},
    {"set", bench_set_cmd, "frames/s through SET teams, vmswitches and VM stacks vs the fabric"},
    {"transports", bench_transports_cmd, "RoCEv2 + TCP flows: bytes/s, events/frame vs the fabric"},
    {"check", bench_check_cmd, "frames/s and peak RSS of the trace checker on a generated capture"},
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
    return cli_usage_error("bench", "unknown case '%s' (cases: engine, fabric, set, transports, check)", argv[1]);
}
