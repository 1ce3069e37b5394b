/* test_traffic: the traffic generators and flow statistics (models/traffic)
 * and the example scenarios built on them.
 *
 *  - CDFs: the shipped web search and data mining files read with libcsv;
 *    50 000 draws match each file's distribution at every point; bad files
 *    are refused with FILE:LINE;
 *  - Poisson arrivals (cdf pattern): the mean gap between flow starts is the
 *    one the load asks for, and their coefficient of variation is 1;
 *  - rates: udp and tcp constant rates measured at the receiver, on/off at
 *    half of it, bulk flows of N bytes complete with N bytes;
 *  - rr: transactions of request + response in a closed loop;
 *  - incast over RoCEv2 (Hyper-V hosts with the seed's DCB configuration):
 *    every sender starts at the same instant and completes, lossless;
 *  - SMB Direct reads and writes over both SMB vNICs (multichannel);
 *  - flow rows: run.sqlite's flows table holds exactly what the model
 *    computed, FCT and goodput included;
 *  - examples: pfc-incast-lossless, untagged-rdma-loses-priority and
 *    iwarp-without-dcb run through `setsim run` and meet the outcome stated
 *    at their top (flows and events tables). */
#include "test_util.h"

#include <math.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvrdma.h"
#include "ipstack.h"
#include "nic.h"
#include "pkt.h"
#include "roce.h"
#include "switch.h"
#include "test_ipfabric.h"
#include "test_rdma_fixture.h"
#include "trace.h"
#include "traffic.h"

#define G10 10000000000ULL

/* ---- CDFs ---------------------------------------------------------------- */

static void check_cdf_file(const char *rel, double mean_lo, double mean_hi)
{
    char path[600], err[700];
    struct traffic_cdf c;
    CU_ASSERT_EQUAL_FATAL(traffic_cdf_read(test_src_path(rel, path, sizeof path), &c, err,
                                           sizeof err),
                          0);
    double m = traffic_cdf_mean(&c);
    CU_ASSERT(m > mean_lo && m < mean_hi);
    struct sim_rng r;
    sim_rng_init(&r, 42, rel);
    enum { N = 50000 };
    uint64_t *v = malloc(N * sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    for (int i = 0; i < N; i++)
        v[i] = traffic_cdf_sample(&c, &r);
    /* empirical P(size <= x) at each point of the file, and halfway between */
    double worst = 0;
    for (size_t k = 1; k < c.n; k++) {
        double xs[2] = {c.pt[k].bytes, (c.pt[k].bytes + c.pt[k - 1].bytes) / 2};
        for (int j = 0; j < 2; j++) {
            size_t below = 0;
            for (int i = 0; i < N; i++)
                below += (double)v[i] <= xs[j];
            double d = fabs((double)below / N - traffic_cdf_at(&c, xs[j]));
            if (d > worst)
                worst = d;
        }
    }
    /* Kolmogorov-Smirnov at 99.9 %: 1.95 / sqrt(N) = 0.0087 */
    printf("\n    %s: mean %.0f B, largest CDF deviation of %d draws %.4f", rel, m, N, worst);
    CU_ASSERT(worst < 0.0087);
    free(v);
    traffic_cdf_free(&c);
}

static void test_cdf_files(void)
{
    check_cdf_file("scenarios/data/websearch.csv", 1.70e6, 1.72e6);
    check_cdf_file("scenarios/data/datamining.csv", 12.6e6, 12.7e6);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void test_cdf_bad(void)
{
    char dir[512], path[700], err[900];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    struct traffic_cdf c;
    write_file(path, "# sizes\n100,0\n200,x5\n");
    CU_ASSERT_EQUAL(traffic_cdf_read(path, &c, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.csv:3: 'x5' is not a number"));
    write_file(path, "100,0\n200,0.5,7\n");
    CU_ASSERT_EQUAL(traffic_cdf_read(path, &c, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.csv:2: expected two fields"));
    write_file(path, "100,0\n50,0.5\n300,1\n");
    CU_ASSERT_EQUAL(traffic_cdf_read(path, &c, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "must not decrease"));
    write_file(path, "100,0\n300,0.9\n");
    CU_ASSERT_EQUAL(traffic_cdf_read(path, &c, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "last probability must be 1"));
    /* percent, quoted fields, a header */
    write_file(path, "size,cdf\n\"1000\",0\n2000,50\n3000,100\n");
    CU_ASSERT_EQUAL_FATAL(traffic_cdf_read(path, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_DOUBLE_EQUAL(c.pt[1].p, 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(traffic_cdf_mean(&c), 2000.0, 1e-9);
    traffic_cdf_free(&c);
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    CU_ASSERT_EQUAL(traffic_cdf_read(path, &c, err, sizeof err), -ENOENT);
}

/* ---- generators on a raw IP fabric ------------------------------------------ */

struct net {
    struct ipf n;
    struct traffic *t;
    struct traffic_ep ep[IPF_MAX];
};

static void net_init(struct net *w, int hosts, uint64_t rate)
{
    memset(w, 0, sizeof *w);
    ipf_init(&w->n, NULL);
    for (int i = 0; i < hosts; i++) {
        struct ipf_host *h = ipf_host(&w->n, rate, 500 * SIM_NS);
        w->ep[i].name = i == 0 ? "h1" : i == 1 ? "h2" : i == 2 ? "h3" : "hN";
        w->ep[i].stack = h->stack;
        w->ep[i].rate_bps = rate;
        w->ep[i].prio = 0;
    }
    w->t = traffic_create(w->n.eng, w->n.pool, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->t);
}

static void net_free(struct net *w)
{
    sim_engine_destroy(w->n.eng); /* the engine first, then the transports */
    w->n.eng = NULL;
    traffic_destroy(w->t);
    ipf_free(&w->n);
}

static int add(struct net *w, struct traffic_settings *s)
{
    char err[300] = "";
    int g = traffic_add(w->t, s, err, sizeof err);
    if (g < 0)
        fprintf(stderr, "traffic_add: %s\n", err);
    CU_ASSERT(g >= 0);
    return g;
}

static void test_poisson_arrivals(void)
{
    struct net w;
    net_init(&w, 2, G10);
    struct traffic_cdf_point pt[] = {{1000, 0}, {3000, 1}};
    struct traffic_cdf c;
    CU_ASSERT_EQUAL_FATAL(traffic_cdf_set(&c, pt, 2, NULL, 0), 0);
    struct traffic_settings s = {.name = "poisson", .kind = TRAFFIC_UDP,
                                 .pattern = TRAFFIC_CDF, .src = &w.ep[0], .nsrc = 1,
                                 .dst = &w.ep[1], .cdf = &c, .load = 0.4, .stop = 5 * SIM_MS,
                                 .rate_bps = 1000000000ULL, /* a few flows at a time */
                                 .seed = 7};
    add(&w, &s);
    sim_run_until(w.n.eng, 6 * SIM_MS);
    size_t n = traffic_flow_count(w.t);
    /* mean gap = 2000 B x 8 / (0.4 x 10 Gb/s) = 4 us */
    double expect = 2000.0 * 8 / (0.4 * 10e9) * 1e12;
    double sum = 0, sum2 = 0;
    sim_time_t prev = 0;
    struct trace_flow_row row;
    uint64_t completed = 0, min = UINT64_MAX, max = 0;
    for (size_t i = 0; i < n; i++) {
        traffic_flow_row(w.t, i, sim_now(w.n.eng), &row);
        if (i) {
            double gap = (double)(row.start - prev);
            sum += gap;
            sum2 += gap * gap;
        }
        prev = row.start;
        completed += row.complete;
        if (row.size_bytes < min)
            min = row.size_bytes;
        if (row.size_bytes > max)
            max = row.size_bytes;
    }
    double mean = sum / (double)(n - 1);
    double cv = sqrt(sum2 / (double)(n - 1) - mean * mean) / mean;
    printf("\n    %zu arrivals in 5 ms: mean gap %.3f us (load asks %.3f us), CV %.3f, sizes "
           "%llu..%llu B, %llu complete",
           n, mean / 1e6, expect / 1e6, cv, (unsigned long long)min, (unsigned long long)max,
           (unsigned long long)completed);
    /* ~1250 gaps: the mean is within 3 standard errors (3 / sqrt(1250) = 8.5 %) */
    CU_ASSERT(fabs(mean - expect) / expect < 0.085);
    CU_ASSERT(cv > 0.9 && cv < 1.1); /* exponential gaps */
    CU_ASSERT(min >= 1000 && max <= 3000);
    CU_ASSERT_EQUAL(completed, n); /* an uncongested fabric loses nothing */
    traffic_cdf_free(&c);
    net_free(&w);
}

static uint64_t gen_delivered(struct traffic *t, size_t g, sim_time_t now)
{
    struct traffic_gen_stats st;
    traffic_gen_stats(t, g, now, &st);
    return st.delivered_bytes;
}

static void test_rates(void)
{
    struct net w;
    net_init(&w, 4, 25000000000ULL);
    /* udp constant 5 Gb/s of IP bits, tcp constant 2 Gb/s, udp on/off 4 Gb/s
     * half of the time (100 us periods) */
    struct traffic_settings a = {.name = "udp-const", .kind = TRAFFIC_UDP,
                                 .pattern = TRAFFIC_CONSTANT, .src = &w.ep[0], .nsrc = 1,
                                 .dst = &w.ep[1], .rate_bps = 5000000000ULL, .start = SIM_MS,
                                 .stop = 5 * SIM_MS, .seed = 1};
    struct traffic_settings b = a;
    b.name = "tcp-const";
    b.kind = TRAFFIC_TCP;
    b.rate_bps = 2000000000ULL;
    b.src = &w.ep[2];
    b.dst = &w.ep[3];
    struct traffic_settings c = a;
    c.name = "udp-onoff";
    c.pattern = TRAFFIC_ONOFF;
    c.rate_bps = 4000000000ULL;
    c.on = 100 * SIM_US;
    c.off = 100 * SIM_US;
    c.src = &w.ep[1];
    c.dst = &w.ep[0];
    int ga = add(&w, &a), gb = add(&w, &b), gc = add(&w, &c);
    sim_run_until(w.n.eng, 6 * SIM_MS);
    sim_time_t now = sim_now(w.n.eng);
    double secs = 4e-3;
    double ua = (double)gen_delivered(w.t, (size_t)ga, now) * 8 / secs;
    double ub = (double)gen_delivered(w.t, (size_t)gb, now) * 8 / secs;
    double uc = (double)gen_delivered(w.t, (size_t)gc, now) * 8 / secs;
    double want_a = 5e9 * 1472 / 1500; /* payload share of the IP rate */
    printf("\n    udp constant %.4f Gb/s (payload of 5 Gb/s: %.4f), tcp constant %.4f Gb/s, "
           "udp on/off %.4f Gb/s of payload",
           ua / 1e9, want_a / 1e9, ub / 1e9, uc / 1e9);
    CU_ASSERT(fabs(ua - want_a) / want_a < 0.005);
    CU_ASSERT(fabs(ub - 2e9) / 2e9 < 0.02);
    CU_ASSERT(fabs(uc - 2e9 * 1472 / 1500) / 2e9 < 0.02);
    /* one unbounded flow each, never complete, its row says so */
    CU_ASSERT_EQUAL(traffic_flow_count(w.t), 3);
    struct trace_flow_row row;
    traffic_flow_row(w.t, 0, now, &row);
    CU_ASSERT_EQUAL(row.complete, 0);
    CU_ASSERT_EQUAL(row.size_bytes, 0);
    net_free(&w);
}

static void test_bulk_and_rr(void)
{
    struct net w;
    net_init(&w, 6, G10);
    struct traffic_settings a = {.name = "bulk", .kind = TRAFFIC_TCP, .pattern = TRAFFIC_BULK,
                                 .src = &w.ep[0], .nsrc = 1, .dst = &w.ep[1], .size = 3000000,
                                 .connections = 2, .cc = TCP_CC_CUBIC, .seed = 1};
    struct traffic_settings b = {.name = "rr", .kind = TRAFFIC_TCP, .pattern = TRAFFIC_RR,
                                 .src = &w.ep[2], .nsrc = 1, .dst = &w.ep[3], .size = 300,
                                 .response = 20000, .stop = 2 * SIM_MS, .seed = 1};
    struct traffic_settings c = {.name = "iw", .kind = TRAFFIC_IWARP, .pattern = TRAFFIC_BULK,
                                 .src = &w.ep[4], .nsrc = 1, .dst = &w.ep[5], .size = 2000000,
                                 .seed = 1};
    struct traffic_settings d = {.name = "udp-rr", .kind = TRAFFIC_UDP, .pattern = TRAFFIC_RR,
                                 .src = &w.ep[3], .nsrc = 1, .dst = &w.ep[2], .size = 100,
                                 .response = 3000, .stop = SIM_MS, .seed = 1};
    int ga = add(&w, &a), gb = add(&w, &b), gc = add(&w, &c), gd = add(&w, &d);
    sim_run_until(w.n.eng, 10 * SIM_MS);
    sim_time_t now = sim_now(w.n.eng);
    struct traffic_gen_stats sa, sb, sc, sd;
    traffic_gen_stats(w.t, (size_t)ga, now, &sa);
    traffic_gen_stats(w.t, (size_t)gb, now, &sb);
    traffic_gen_stats(w.t, (size_t)gc, now, &sc);
    traffic_gen_stats(w.t, (size_t)gd, now, &sd);
    printf("\n    tcp bulk 2 x 3 MB: %llu/%llu, p99 FCT %.1f us; tcp rr: %llu/%llu "
           "transactions, p50 %.2f us; iwarp 2 MB: FCT %.1f us; udp rr: %llu/%llu",
           (unsigned long long)sa.completed, (unsigned long long)sa.started,
           (double)sa.fct_p99 / 1e6, (unsigned long long)sb.completed,
           (unsigned long long)sb.started, (double)sb.fct_p50 / 1e6, (double)sc.fct_p50 / 1e6,
           (unsigned long long)sd.completed, (unsigned long long)sd.started);
    CU_ASSERT_EQUAL(sa.started, 2);
    CU_ASSERT_EQUAL(sa.completed, 2);
    CU_ASSERT_EQUAL(sa.delivered_bytes, 6000000);
    /* two flows sharing 10 Gb/s: no faster than the line */
    CU_ASSERT(sa.fct_p99 > (sim_time_t)(6000000.0 * 8 / 10e9 * 1e12));
    CU_ASSERT(sb.completed >= 20);
    CU_ASSERT(sb.started - sb.completed <= 1);
    /* each transaction: request and response delivered */
    CU_ASSERT(sb.delivered_bytes >= sb.completed * 20300 &&
              sb.delivered_bytes < (sb.completed + 1) * 20300);
    for (size_t i = 0; i < traffic_flow_count(w.t); i++) {
        struct trace_flow_row row;
        traffic_flow_row(w.t, i, now, &row);
        if (strcmp(row.generator, "rr") == 0 && row.complete) {
            CU_ASSERT_EQUAL(row.delivered_bytes, 20300);
            CU_ASSERT_EQUAL(row.size_bytes, 20300);
            CU_ASSERT_EQUAL(row.sent_bytes, 300);
        }
    }
    CU_ASSERT_EQUAL(sc.completed, 1);
    CU_ASSERT_EQUAL(sc.delivered_bytes, 2000000);
    CU_ASSERT(sd.completed >= 20);
    net_free(&w);
}

/* ---- RDMA generators on Hyper-V hosts ------------------------------------------ */

static sim_time_t rig_paused(void *ctx, int prio)
{
    struct hvrdma *r = ctx;
    struct nic *n = hvrdma_member_nic(r);
    return n ? nic_paused_time(n, (uint8_t)prio) : 0;
}

static void rig_ep(struct rig *r, int h, int members, const char *name, struct traffic_ep *e)
{
    memset(e, 0, sizeof *e);
    e->name = name;
    for (int k = 0; k < members; k++)
        e->devs[e->ndevs++] = hvrdma_dev(r->rdma[h][k]);
    e->stack = roce_dev_stack(e->devs[0]);
    e->rate_bps = G25;
    e->prio = 3;
    e->paused = rig_paused;
    e->paused_ctx = r->rdma[h][0];
}

static void test_roce_incast(void)
{
    struct rig r;
    rig_init(&r, NULL, 1);
    struct traffic_ep e[5];
    static const char *names[] = {"hv1", "hv2", "hv3", "hv4", "hv5"};
    for (int h = 0; h < 5; h++) {
        rig_host(&r, 1, 42, 0, NULL);
        rig_ep(&r, h, 1, names[h], &e[h]);
    }
    struct traffic *t = traffic_create(r.eng, r.pool, r.trace);
    struct traffic_settings s = {.name = "incast", .kind = TRAFFIC_ROCE,
                                 .pattern = TRAFFIC_INCAST, .src = e, .nsrc = 4, .dst = &e[4],
                                 .size = 500000, .start = 300 * SIM_US, .seed = 3};
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(traffic_add(t, &s, err, sizeof err), 0);
    sim_run_until(r.eng, 5 * SIM_MS);
    sim_time_t now = sim_now(r.eng);
    CU_ASSERT_EQUAL_FATAL(traffic_flow_count(t), 4);
    sim_time_t pause = 0, last = 0;
    for (size_t i = 0; i < 4; i++) {
        struct trace_flow_row row;
        traffic_flow_row(t, i, now, &row);
        CU_ASSERT_EQUAL(row.start, 300 * SIM_US); /* synchronized */
        CU_ASSERT_EQUAL(row.complete, 1);
        CU_ASSERT_EQUAL(row.delivered_bytes, 500000);
        CU_ASSERT_EQUAL(row.retransmissions, 0);
        CU_ASSERT_EQUAL(row.naks, 0);
        CU_ASSERT_STRING_EQUAL(row.src, names[i]);
        pause += row.pause;
        if (row.end > last)
            last = row.end;
    }
    /* 2 MB through one 25 Gb/s port: at least 640 us; PFC paused the senders */
    printf("\n    4:1 RoCE incast of 500 KB: last completion %.1f us after the start, senders "
           "paused %.1f us in all, switch drops %llu",
           (double)(last - 300 * SIM_US) / 1e6, (double)pause / 1e6,
           (unsigned long long)switch_total_drops(r.tor, r.nports));
    CU_ASSERT(last - 300 * SIM_US >= 640 * SIM_US);
    CU_ASSERT(pause > 0);
    CU_ASSERT_EQUAL(switch_total_drops(r.tor, r.nports), 0);
    sim_engine_destroy(r.eng);
    r.eng = NULL;
    traffic_destroy(t);
    rig_free(&r);
}

static void test_smb_multichannel(void)
{
    struct rig r;
    rig_init(&r, NULL, 1);
    struct traffic_ep e[2];
    rig_host(&r, 2, 42, 0, NULL);
    rig_host(&r, 2, 42, 0, NULL);
    rig_ep(&r, 0, 2, "hv1", &e[0]);
    rig_ep(&r, 1, 2, "hv2", &e[1]);
    struct traffic *t = traffic_create(r.eng, r.pool, r.trace);
    struct traffic_settings w = {.name = "smb-write", .kind = TRAFFIC_SMB,
                                 .pattern = TRAFFIC_BULK, .src = &e[0], .nsrc = 1, .dst = &e[1],
                                 .size = 8000000, .connections = 2, .seed = 3};
    struct traffic_settings rd = w;
    rd.name = "smb-read";
    rd.smb_read = 1;
    rd.start = 100 * SIM_US;
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(traffic_add(t, &w, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(traffic_add(t, &rd, err, sizeof err), 1);
    sim_run_until(r.eng, 8 * SIM_MS);
    sim_time_t now = sim_now(r.eng);
    struct traffic_gen_stats a, b;
    traffic_gen_stats(t, 0, now, &a);
    traffic_gen_stats(t, 1, now, &b);
    uint64_t m0 = nic_counters(hvhost_nic_at(r.hv[0], 0), 3)->tx_bytes;
    uint64_t m1 = nic_counters(hvhost_nic_at(r.hv[0], 1), 3)->tx_bytes;
    printf("\n    SMB Direct 8 MB write %.3f Gb/s, 8 MB read %.3f Gb/s; hv1's members sent "
           "%llu and %llu B on priority 3",
           a.goodput_bps / 1e9, b.goodput_bps / 1e9, (unsigned long long)m0,
           (unsigned long long)m1);
    CU_ASSERT_EQUAL(a.completed, 1);
    CU_ASSERT_EQUAL(b.completed, 1);
    CU_ASSERT_EQUAL(a.delivered_bytes, 8000000);
    CU_ASSERT_EQUAL(b.delivered_bytes, 8000000);
    /* multichannel: both members carry RDMA (the write's data is read by the
     * server from hv1, so hv1 sends it) */
    CU_ASSERT(m0 > 2000000 && m1 > 2000000);
    sim_engine_destroy(r.eng);
    r.eng = NULL;
    traffic_destroy(t);
    rig_free(&r);
}

/* ---- flow rows in run.sqlite --------------------------------------------------- */

static void test_flow_rows(void)
{
    struct rig r;
    rig_init(&r, NULL, 1);
    struct traffic_ep e[2];
    rig_host(&r, 1, 42, 0, NULL);
    rig_host(&r, 1, 42, 0, NULL);
    rig_ep(&r, 0, 1, "hv1/vEthernet (SMB_1)", &e[0]);
    rig_ep(&r, 1, 1, "hv2/vEthernet (SMB_1)", &e[1]);
    struct traffic *t = traffic_create(r.eng, r.pool, r.trace);
    struct traffic_settings s = {.name = "rows", .kind = TRAFFIC_ROCE, .pattern = TRAFFIC_BULK,
                                 .src = &e[0], .nsrc = 1, .dst = &e[1], .size = 1234567,
                                 .connections = 3, .start = 50 * SIM_US, .seed = 3};
    struct traffic_settings u = {.name = "stream", .kind = TRAFFIC_ROCE,
                                 .pattern = TRAFFIC_CONSTANT, .src = &e[1], .nsrc = 1,
                                 .dst = &e[0], .rate_bps = 3000000000ULL,
                                 .start = 100 * SIM_US, .seed = 3};
    char err[300] = "";
    CU_ASSERT_EQUAL_FATAL(traffic_add(t, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(traffic_add(t, &u, err, sizeof err), 1);
    sim_run_until(r.eng, 3 * SIM_MS);
    sim_time_t now = sim_now(r.eng);
    CU_ASSERT_EQUAL_FATAL(traffic_write_flows(t, now), 0);
    CU_ASSERT_EQUAL_FATAL(trace_finish(r.trace, now, 0), 0);
    sqlite3 *db = (sqlite3 *)trace_db(r.trace);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT id, generator, kind, prio, src, dst, "
                                             "start_ps, end_ps, fct_ps, size_bytes, "
                                             "delivered_bytes, goodput_bps, complete, sent_bytes "
                                             "FROM flows ORDER BY id",
                                             -1, &st, NULL),
                          SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct trace_flow_row row;
        traffic_flow_row(t, n, now, &row);
        CU_ASSERT_EQUAL((uint64_t)sqlite3_column_int64(st, 0), row.id);
        CU_ASSERT_EQUAL(row.id, n + 1);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 1), row.generator);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 2), "roce");
        CU_ASSERT_EQUAL(sqlite3_column_int(st, 3), 3);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 4), row.src);
        CU_ASSERT_EQUAL(sqlite3_column_int64(st, 6), (sqlite3_int64)row.start);
        if (n < 3) {
            /* a bulk flow: complete, FCT and goodput from its own times */
            CU_ASSERT_EQUAL(row.start, 50 * SIM_US);
            CU_ASSERT_EQUAL(sqlite3_column_int(st, 12), 1);
            CU_ASSERT_EQUAL(sqlite3_column_int64(st, 7), (sqlite3_int64)row.end);
            CU_ASSERT_EQUAL(sqlite3_column_int64(st, 8), (sqlite3_int64)(row.end - row.start));
            CU_ASSERT_EQUAL(sqlite3_column_int64(st, 9), 1234567);
            CU_ASSERT_EQUAL(sqlite3_column_int64(st, 10), 1234567);
            double gp = 1234567.0 * 8 / ((double)(row.end - row.start) * 1e-12);
            CU_ASSERT_DOUBLE_EQUAL(sqlite3_column_double(st, 11), gp, gp * 1e-9);
            /* three connections share 25 Gb/s: each under a third of it */
            CU_ASSERT(gp < 25e9 / 3 * 1.02 && gp > 25e9 / 3 * 0.5);
        } else {
            /* the stream: NULL end, FCT and size; goodput over start..now */
            CU_ASSERT_EQUAL(sqlite3_column_type(st, 7), SQLITE_NULL);
            CU_ASSERT_EQUAL(sqlite3_column_type(st, 8), SQLITE_NULL);
            CU_ASSERT_EQUAL(sqlite3_column_type(st, 9), SQLITE_NULL);
            CU_ASSERT_EQUAL(sqlite3_column_int(st, 12), 0);
            double gp = sqlite3_column_double(st, 11);
            printf("\n    constant 3 Gb/s RoCE stream: goodput %.4f Gb/s", gp / 1e9);
            CU_ASSERT(fabs(gp - 3e9) / 3e9 < 0.03);
        }
        n++;
    }
    sqlite3_finalize(st);
    CU_ASSERT_EQUAL(n, 4);
    /* flow_start per flow, flow_end per completed one */
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT (SELECT count(*) FROM events_v WHERE kind = "
                                             "'flow_start'), (SELECT count(*) FROM events_v "
                                             "WHERE kind = 'flow_end')",
                                             -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 4);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 1), 3);
    sqlite3_finalize(st);
    sim_engine_destroy(r.eng);
    r.eng = NULL;
    traffic_destroy(t);
    rig_free(&r);
}

/* ---- example scenarios ------------------------------------------------------------ */

/* Runs scenarios/examples/<name>.yaml; the run directory in dir. */
static int run_example(const char *name, char *dir, size_t len)
{
    char tmp[512], yaml[600], cmd[2000];
    if (test_tmpdir(tmp, sizeof tmp) != 0)
        return -1;
    snprintf(dir, len, "%s/%s", tmp, name);
    snprintf(yaml, sizeof yaml, "scenarios/examples/%s.yaml", name);
    char src[700];
    test_src_path(yaml, src, sizeof src);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet > '%s.out' 2>&1", SETSIM_BIN, src,
             dir, dir);
    return test_run(cmd, NULL, 0);
}

static void query(const char *dir, const char *sql, char *out, size_t len)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"%s\"", dir, sql);
    CU_ASSERT_EQUAL(test_run(cmd, out, len), 0);
}

#define FLOWS_SQL                                                                              \
    "SELECT count(*), sum(complete), sum(delivered_bytes), sum(retransmissions), sum(naks), "   \
    "sum(timeouts), min(prio), max(prio), sum(delivered_bytes) * 8.0 / ((max(coalesce(end_ps, " \
    "(SELECT sim_end_ps FROM runs))) - min(start_ps)) * 1e-12) / 1e9 FROM flows"
#define EVENTS_SQL                                                                             \
    "SELECT (SELECT count(*) FROM events_v WHERE kind = 'drop'), (SELECT count(*) FROM "        \
    "events_v WHERE kind = 'pfc_tx'), (SELECT count(*) FROM events_v WHERE kind = "             \
    "'flow_start')"

struct outcome {
    long flows, complete, delivered, retx, naks, timeouts, pmin, pmax;
    double goodput;
    long drops, pfc_tx, starts;
};

static void outcome(const char *dir, struct outcome *o)
{
    char buf[512];
    memset(o, 0, sizeof *o);
    query(dir, FLOWS_SQL, buf, sizeof buf);
    CU_ASSERT_EQUAL(sscanf(buf, "%ld|%ld|%ld|%ld|%ld|%ld|%ld|%ld|%lf", &o->flows, &o->complete,
                           &o->delivered, &o->retx, &o->naks, &o->timeouts, &o->pmin, &o->pmax,
                           &o->goodput),
                    9);
    query(dir, EVENTS_SQL, buf, sizeof buf);
    CU_ASSERT_EQUAL(sscanf(buf, "%ld|%ld|%ld", &o->drops, &o->pfc_tx, &o->starts), 3);
    printf("\n    %s: flows %ld/%ld complete, %ld B, %.3f Gb/s, retx %ld, NAKs %ld, timeouts "
           "%ld, priority %ld..%ld, drops %ld, PFC frames sent %ld",
           strrchr(dir, '/') + 1, o->complete, o->flows, o->delivered, o->goodput, o->retx,
           o->naks, o->timeouts, o->pmin, o->pmax, o->drops, o->pfc_tx);
}

static struct outcome lossless; /* for the comparison of the untagged run */

static void test_example_pfc_incast(void)
{
    char dir[700];
    CU_ASSERT_EQUAL_FATAL(run_example("pfc-incast-lossless", dir, sizeof dir), 0);
    struct outcome *o = &lossless;
    outcome(dir, o);
    CU_ASSERT_EQUAL(o->flows, 8);
    CU_ASSERT_EQUAL(o->starts, 8);
    CU_ASSERT_EQUAL(o->complete, 8);
    CU_ASSERT_EQUAL(o->delivered, 8 * 1000000);
    CU_ASSERT_EQUAL(o->retx, 0);
    CU_ASSERT_EQUAL(o->naks, 0);
    CU_ASSERT_EQUAL(o->timeouts, 0);
    CU_ASSERT_EQUAL(o->pmin, 3); /* tagged: priority 3 on the wire */
    CU_ASSERT_EQUAL(o->pmax, 3);
    CU_ASSERT_EQUAL(o->drops, 0);
    CU_ASSERT(o->pfc_tx > 0);
    CU_ASSERT(o->goodput > 0.85 * 25); /* close to the receiver's line rate */
}

static void test_example_untagged(void)
{
    char dir[700];
    CU_ASSERT_EQUAL_FATAL(run_example("untagged-rdma-loses-priority", dir, sizeof dir), 0);
    struct outcome o;
    outcome(dir, &o);
    CU_ASSERT_EQUAL(o.flows, 8);
    CU_ASSERT_EQUAL(o.pmax, 0); /* DCB-004: the priority is lost */
    CU_ASSERT(o.drops > 0);
    CU_ASSERT_EQUAL(o.pfc_tx, 0);
    CU_ASSERT(o.retx > 0);
    CU_ASSERT(o.naks > 0);
    CU_ASSERT(o.complete < 8 || o.goodput < 0.5 * 25);
    CU_ASSERT(o.goodput < 0.5 * 25);
    if (lossless.flows)
        CU_ASSERT(o.goodput < lossless.goodput / 2); /* the collapse */
}

static void test_example_iwarp(void)
{
    char dir[700];
    CU_ASSERT_EQUAL_FATAL(run_example("iwarp-without-dcb", dir, sizeof dir), 0);
    struct outcome o;
    outcome(dir, &o);
    CU_ASSERT_EQUAL(o.flows, 8);
    CU_ASSERT_EQUAL(o.complete, 8);
    CU_ASSERT_EQUAL(o.delivered, 8 * 1000000);
    CU_ASSERT(o.drops > 0);   /* congestion without PFC */
    CU_ASSERT_EQUAL(o.pfc_tx, 0);
    CU_ASSERT(o.retx > 0);    /* recovered by TCP (DCB-008) */
    CU_ASSERT_EQUAL(o.naks, 0);
}


/* ---- scenario files -------------------------------------------------------------- */

/* Writes dir/name.yaml: the quickstart's hosts, switch and cabling with
 * this traffic (and timeline) section instead of its own. */
static void scenario_file_ecn(const char *dir, const char *name, const char *tail, char *out,
                              size_t len, const char *switch_extra);

static void scenario_file(const char *dir, const char *name, const char *tail, char *out,
                          size_t len)
{
    scenario_file_ecn(dir, name, tail, out, len, NULL);
}

/* The same, with switch_extra inserted into tor1's settings. */
static void scenario_file_ecn(const char *dir, const char *name, const char *tail, char *out,
                              size_t len, const char *switch_extra)
{
    char qs[700];
    test_src_path("scenarios/examples/quickstart.yaml", qs, sizeof qs);
    FILE *f = fopen(qs, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *cut = strstr(text, "\ntraffic:");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    cut[1] = 0;
    char *dur = strstr(text, "duration: 20ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dur);
    memcpy(dur, "duration: 10ms", 14);
    snprintf(out, len, "%s/%s.yaml", dir, name);
    FILE *o = fopen(out, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    char *buffer = strstr(text, "    buffer: 12MB\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(buffer);
    if (switch_extra) {
        buffer += strlen("    buffer: 12MB\n");
        fwrite(text, 1, (size_t)(buffer - text), o);
        fputs(switch_extra, o);
        fputs(buffer, o);
    } else {
        fputs(text, o);
    }
    fputs(tail, o);
    fclose(o);
}

static int run_file(const char *yaml, const char *dir, const char *extra, char *out, size_t len)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet %s 2>&1 | grep -v ISO_W_", SETSIM_BIN,
             yaml, dir, extra ? extra : "");
    char wrapped[2100];
    snprintf(wrapped, sizeof wrapped, "bash -c \"set -o pipefail; %s\"", cmd);
    return test_run(wrapped, out, len);
}

/* Every kind and pattern from a scenario file: each generator's flows are
 * in the flows table with the expected kind, and complete when bounded. */
static void test_scenario_every_kind(void)
{
    char dir[512], yaml[700], run[700], buf[8192];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    char cdf[700];
    snprintf(cdf, sizeof cdf, "%s/small.csv", dir);
    write_file(cdf, "# flow sizes for the test\nbytes,p\n1000,0\n20000,0.9\n100000,1\n");
    scenario_file(dir, "every-kind",
                  "traffic:\n"
                  "  - { name: tcp-bulk, from: vm1, to: vm3, kind: tcp, size: 2MB, connections: 2 }\n"
                  "  - { name: tcp-cdf, from: vm2, to: vm4, kind: tcp, pattern: cdf, cdf: small.csv, "
                  "load: 0.2, stop: 8ms, congestion: cubic }\n"
                  "  - { name: udp-rr, from: vm3, to: vm1, kind: udp, pattern: rr, size: 200B, "
                  "response: 4KB, stop: 8ms }\n"
                  "  - { name: iw-onoff, from: \"hv2/vEthernet (SMB_2)\", to: \"hv1/vEthernet (SMB_2)\", "
                  "kind: iwarp, pattern: onoff, rate: 2Gbps, on: 500us, off: 500us, "
                  "distribution: exponential }\n"
                  "  - { name: roce-const, from: \"hv2/vEthernet (SMB_1)\", to: \"hv1/vEthernet (SMB_1)\", "
                  "kind: roce, pattern: constant, rate: 3Gbps, port: 446 }\n"
                  "  - { name: smb-rr, from: hv1, to: hv2, kind: smb, pattern: rr, size: 64KB, stop: 8ms }\n"
                  "  - { name: smb-read, from: hv1, to: hv2, kind: smb, operation: read, size: 4MB, "
                  "start: 1ms }\n"
                  "  - { name: incast, senders: [vm2, vm4], to: vm3, kind: tcp, pattern: incast, "
                  "size: 1MB, start: 2ms }\n"
                  "  - { name: roce-rr, from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_1)\", "
                  "kind: roce, pattern: rr, size: 2KB, response: 16KB, port: 447, stop: 8ms }\n"
                  "  - { name: iw-rr, from: \"hv1/vEthernet (SMB_2)\", to: \"hv2/vEthernet (SMB_2)\", "
                  "kind: iwarp, pattern: rr, size: 300B, response: 8KB, stop: 8ms }\n",
                  yaml, sizeof yaml);
    snprintf(run, sizeof run, "%s/run", dir);
    CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
    query(run,
          "SELECT generator, kind, count(*), sum(complete), sum(size_bytes IS NULL), "
          "sum(delivered_bytes > 0), min(prio), count(DISTINCT start_ps) FROM flows "
          "GROUP BY generator ORDER BY min(id)",
          buf, sizeof buf);
    printf("\n%s", buf);
    /* generator|kind|flows|complete|unbounded|with bytes|prio|distinct starts */
    const char *want[] = {
        "tcp-bulk|tcp|2|2|0|2|0|1\n",     "roce-const|roce|1|0|1|1|0|1\n",
        "iw-onoff|iwarp|1|0|1|1|3|1\n",   "smb-read|smb|1|1|0|1|3|1\n",
        "incast|tcp|2|2|0|2|0|1\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, want[i]));
    /* the loops and Poisson arrivals: many flows, all complete but the
     * last one or two in flight at their stop */
    long n[5], c[5];
    const char *loops[] = {"tcp-cdf", "udp-rr", "smb-rr", "roce-rr", "iw-rr"};
    for (int i = 0; i < 5; i++) {
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT count(*), sum(complete) FROM flows WHERE generator = "
                                  "'%s'", loops[i]);
        query(run, sql, buf, sizeof buf);
        CU_ASSERT_EQUAL(sscanf(buf, "%ld|%ld", &n[i], &c[i]), 2);
        CU_ASSERT(n[i] >= 100);
        CU_ASSERT(n[i] - c[i] <= 2);
    }
    /* the summary's traffic section: one line per generator */
    char cmd[900];
    snprintf(cmd, sizeof cmd, "grep -c ' flows [0-9]*/[0-9]*  sent ' '%s/summary.txt'", run);
    test_run(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "10\n");
}

/* Two VMs of one host (vm1, vm2 on hv1): the vmswitch copies the frames
 * between them at 10 Gb/s, so request/response loops over UDP and TCP move
 * the clock (with no copy time a UDP loop ran forever at one instant,
 * writing flow rows until the disk was full) and a TCP transfer runs near
 * that rate. */
static void test_scenario_local_vms(void)
{
    char dir[512], yaml[700], run[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    scenario_file(dir, "local",
                  "traffic:\n"
                  "  - { name: udp-rr, from: vm2, to: vm1, kind: udp, pattern: rr, size: 1KB, "
                  "response: 100KB, stop: 2ms }\n"
                  "  - { name: tcp-rr, from: vm1, to: vm2, kind: tcp, pattern: rr, size: 200B, "
                  "response: 1B, start: 2ms, stop: 4ms }\n"
                  "  - { name: bulk, from: vm1, to: vm2, kind: tcp, size: 4MB, start: 5ms }\n",
                  yaml, sizeof yaml);
    snprintf(run, sizeof run, "%s/run", dir);
    CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
    query(run,
          "SELECT generator, count(*), sum(complete), "
          "CAST(sum(delivered_bytes) * 8.0 / ((max(end_ps) - min(start_ps)) * 1e-12) / 1e6 AS "
          "INTEGER) FROM flows GROUP BY generator ORDER BY generator",
          buf, sizeof buf);
    printf("\n    two VMs of one host (generator|flows|complete|Mb/s):\n%s", buf);
    long n[3] = {0}, c[3] = {0}, mbps[3] = {0};
    CU_ASSERT_EQUAL(sscanf(buf, "bulk|%ld|%ld|%ld\ntcp-rr|%ld|%ld|%ld\nudp-rr|%ld|%ld|%ld", &n[0],
                           &c[0], &mbps[0], &n[1], &c[1], &mbps[1], &n[2], &c[2], &mbps[2]),
                    9);
    CU_ASSERT(n[0] == 1 && c[0] == 1 && mbps[0] > 5000 && mbps[0] <= 10000);
    CU_ASSERT(n[1] > 100 && n[1] - c[1] <= 1);
    CU_ASSERT(n[2] > 20 && n[2] - c[2] <= 1 && mbps[2] > 5000 && mbps[2] <= 10000);
}

/* FO-009 with SMB Direct: a member's cable is cut under a write; the
 * QPs on it go to error ("failover"), SMB reconnects over the surviving
 * member and the write completes with every byte. */
static void test_scenario_failover(void)
{
    char dir[512], yaml[700], run[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    scenario_file(dir, "fo",
                  "traffic:\n"
                  "  - { name: smb, from: hv1, to: hv2, kind: smb, size: 24MB, start: 1ms }\n"
                  "timeline:\n"
                  "  - { at: 3ms, cut: hv1/SLOT 2 }\n",
                  yaml, sizeof yaml);
    snprintf(run, sizeof run, "%s/run", dir);
    CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
    query(run, "SELECT complete, delivered_bytes, end_ps > 3000000000 FROM flows", buf,
          sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1|24000000|1\n");
    query(run, "SELECT count(*) FROM events_v WHERE kind = 'qp_error' AND reason = 'failover'",
          buf, sizeof buf);
    CU_ASSERT(atoi(buf) >= 1);
    printf("\n    FO-009: %d QP(s) to error by the failover; the 24 MB write completed", atoi(buf));
}


/* `priority`: where no NetQos policy classifies a generator's frames, the
 * vmswitch tags them with the generator's priority (host vNICs on VLAN 42
 * here); the NetDirect policy still wins for roce on port 445. */
static void test_scenario_priority(void)
{
    char dir[512], yaml[700], run[700], buf[4096], cmd[1500];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    scenario_file(dir, "prio",
                  "traffic:\n"
                  "  - { name: t5, from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_1)\", "
                  "kind: tcp, size: 200KB, priority: 5 }\n"
                  "  - { name: u4, from: \"hv1/vEthernet (SMB_2)\", to: \"hv2/vEthernet (SMB_2)\", "
                  "kind: udp, size: 100KB, priority: 4 }\n"
                  "  - { name: r6, from: \"hv1/vEthernet (SMB_2)\", to: \"hv2/vEthernet (SMB_2)\", "
                  "kind: roce, size: 100KB, port: 446, priority: 6 }\n"
                  "  - { name: r445, from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_1)\", "
                  "kind: roce, size: 100KB, priority: 6 }\n"
                  "  - { name: vm, from: vm1, to: vm3, kind: udp, size: 10KB, priority: 2 }\n"
                  "capture: [hv1/SLOT 2, hv1/SLOT 3]\n",
                  yaml, sizeof yaml);
    snprintf(run, sizeof run, "%s/run", dir);
    CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
    query(run, "SELECT generator, prio, complete FROM flows ORDER BY id", buf, sizeof buf);
    /* vm1 has no VLAN: its frames leave untagged, the priority is lost (DCB-004) */
    CU_ASSERT_STRING_EQUAL(buf, "t5|5|1\nu4|4|1\nr6|6|1\nr445|3|1\nvm|0|1\n");
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y 'tcp.port == 5001 && vlan' -T "
                              "fields -e vlan.priority 2>/dev/null | sort -u", run);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "5\n");
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y 'udp.dstport == 5002 && vlan' -T "
                              "fields -e vlan.priority 2>/dev/null | sort -u", run);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "4\n");
    /* RoCE data: 6 on the unclassified port, 3 (the policy) on 445 */
    snprintf(cmd, sizeof cmd, "tshark -r '%s/capture.pcapng' -Y 'infiniband.reth && vlan' -T "
                              "fields -e vlan.priority 2>/dev/null | sort -u", run);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "3\n6\n");
}

/* dcqcn: two RoCE flows from hv1's two members into one 25 Gb/s port of
 * hv2, the ToR marking ECN on priority 3: the receivers send CNPs, the
 * senders get them (flows rows), both flows complete without a drop. */
static void test_scenario_dcqcn(void)
{
    char dir[512], yaml[700], run[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    const char *tail =
        "traffic:\n"
        "  - { name: a, from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_1)\", "
        "kind: roce, size: 6MB, dcqcn: %s }\n"
        "  - { name: b, from: \"hv1/vEthernet (SMB_2)\", to: \"hv2/vEthernet (SMB_1)\", "
        "kind: roce, size: 6MB, dcqcn: %s }\n";
    char t[1000];
    long cnps[2];
    for (int on = 0; on < 2; on++) {
        snprintf(t, sizeof t, tail, on ? "true" : "false", on ? "true" : "false");
        scenario_file_ecn(dir, on ? "dcqcn" : "nodcqcn", t, yaml, sizeof yaml,
                          "    ecn: { 3: { kmin: 20KB, kmax: 200KB, pmax: 0.2 } }\n");
        snprintf(run, sizeof run, "%s/run%d", dir, on);
        CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
        query(run, "SELECT count(*), sum(complete), sum(cnps), min(cnps) FROM flows", buf,
              sizeof buf);
        long n = 0, c = 0, mn = 0;
        CU_ASSERT_EQUAL(sscanf(buf, "%ld|%ld|%ld|%ld", &n, &c, &cnps[on], &mn), 4);
        CU_ASSERT_EQUAL(n, 2);
        CU_ASSERT_EQUAL(c, 2);
        if (on)
            CU_ASSERT(mn > 0); /* each sender was notified */
        query(run, "SELECT count(*) FROM events_v WHERE kind = 'drop'", buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, "0\n");
    }
    printf("\n    2:1 RoCE on priority 3 with ECN marking: CNPs received %ld without DCQCN, %ld "
           "with", cnps[0], cnps[1]);
    CU_ASSERT_EQUAL(cnps[0], 0);
    CU_ASSERT(cnps[1] > 0);
    /* one setting per vNIC */
    scenario_file(dir, "mixed",
                  "traffic:\n"
                  "  - { from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_1)\", "
                  "kind: roce, dcqcn: true }\n"
                  "  - { from: \"hv1/vEthernet (SMB_1)\", to: \"hv2/vEthernet (SMB_2)\", "
                  "kind: roce }\n",
                  yaml, sizeof yaml);
    snprintf(run, sizeof run, "%s/run-mixed", dir);
    CU_ASSERT_EQUAL(run_file(yaml, run, NULL, buf, sizeof buf), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "runs with DCQCN already"));
}

/* An example with edits[2i] replaced by edits[2i + 1] (the first of each),
 * written to dir/name.yaml. */
static void example_variant(const char *example, const char *dir, const char *name,
                            const char *const *edits, char *out, size_t len)
{
    char src[700], rel[300];
    snprintf(rel, sizeof rel, "scenarios/examples/%s.yaml", example);
    test_src_path(rel, src, sizeof src);
    FILE *f = fopen(src, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char text[65536], next[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    for (size_t i = 0; edits[i]; i += 2) {
        char *at = strstr(text, edits[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        snprintf(next, sizeof next, "%.*s%s%s", (int)(at - text), text, edits[i + 1],
                 at + strlen(edits[i]));
        memcpy(text, next, strlen(next) + 1);
    }
    snprintf(out, len, "%s/%s.yaml", dir, name);
    write_file(out, text);
}

/* The largest RoCE payload (BTH payload less pad) in a run's capture. */
static uint32_t max_roce_payload(const char *run)
{
    char path[800], errbuf[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/capture.pcapng", run);
    pcap_t *p = pcap_open_offline(path, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint32_t best = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        struct pkt_info pi;
        if (pkt_parse_bytes(data, hdr->caplen, hdr->len, &pi) == 0 &&
            (pi.layers & PKT_HAS_ROCE) && pi.l5_len - pi.bth.pad > best)
            best = pi.l5_len - pi.bth.pad;
    }
    pcap_close(p);
    return best;
}

/* The nic_models roce_* keys reach the hosts' RDMA engines: a RoCE MTU of
 * 4096 is used only with jumbo frames on the member (else 1024, the
 * largest that fits 1500 bytes); go-back-0 resends whole 1 MB messages
 * under the untagged incast's drops (no flow completes, more resent than
 * go-back-N); a short ACK timeout with no retries puts the QPs in error. */
static void test_scenario_nic_roce(void)
{
    char dir[512], yaml[700], run[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    const char *model = "rate: 25Gbps, rdma: roce }";
    const char *mtu[] = {model, "rate: 25Gbps, rdma: roce, roce_mtu: 4096 }", NULL};
    const char *jumbo[] = {model, "rate: 25Gbps, rdma: roce, roce_mtu: 4096 }",
                           "      Enable-NetAdapterQos -Name \"SLOT 2\"\n",
                           "      Enable-NetAdapterQos -Name \"SLOT 2\"\n"
                           "      Set-NetAdapterAdvancedProperty -Name \"SLOT 2\" -RegistryKeyword "
                           "\"*JumboPacket\" -RegistryValue 9014\n",
                           NULL};
    uint32_t payload[2];
    for (int j = 0; j < 2; j++) {
        example_variant("pfc-incast-lossless", dir, j ? "mtu-jumbo" : "mtu", j ? jumbo : mtu, yaml,
                        sizeof yaml);
        snprintf(run, sizeof run, "%s/run-mtu%d", dir, j);
        CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
        payload[j] = max_roce_payload(run);
        struct outcome o;
        outcome(run, &o);
        CU_ASSERT_EQUAL(o.complete, 8);
        CU_ASSERT_EQUAL(o.delivered, 8 * 1000000);
    }
    CU_ASSERT_EQUAL(payload[0], 1024);
    CU_ASSERT_EQUAL(payload[1], 4096);
    const char *gb0[] = {model, "rate: 25Gbps, rdma: roce, roce_retransmission: go-back-0 }", NULL};
    const char *retry[] = {model, "rate: 25Gbps, rdma: roce, roce_ack_timeout_exp: 6, "
                                  "roce_retry_count: 0 }",
                           NULL};
    const char *none[] = {NULL};
    const char *const *variants[] = {none, gb0, retry};
    struct outcome o[3];
    long qp_errors[3];
    for (int v = 0; v < 3; v++) {
        char name[32];
        snprintf(name, sizeof name, "untagged%d", v);
        example_variant("untagged-rdma-loses-priority", dir, name, variants[v], yaml,
                        sizeof yaml);
        snprintf(run, sizeof run, "%s/run-%s", dir, name);
        CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
        outcome(run, &o[v]);
        query(run, "SELECT count(*) FROM events_v WHERE kind = 'qp_error' AND reason = "
                   "'retry_exceeded'", buf, sizeof buf);
        qp_errors[v] = atol(buf);
    }
    printf("\n    RoCE MTU 4096: payload %u B at 1500 bytes, %u B with *JumboPacket 9014; "
           "untagged incast: go-back-N %ld/8 complete, %ld resent; go-back-0 %ld/8, %ld resent; "
           "ACK timeout 262 us without retries: %ld QPs in error\n",
           payload[0], payload[1], o[0].complete, o[0].retx, o[1].complete, o[1].retx,
           qp_errors[2]);
    CU_ASSERT(o[0].complete > 0);
    CU_ASSERT_EQUAL(qp_errors[0], 0);
    CU_ASSERT_EQUAL(o[1].complete, 0);
    CU_ASSERT(o[1].retx > o[0].retx);
    CU_ASSERT_EQUAL(qp_errors[1], 0);
    CU_ASSERT_EQUAL(qp_errors[2], 8);
}

/* An SMB write and RoCE rr answers into the untagged incast's drops
 * (DCB-004): the server RDMA READs the SMB data from the client, and a
 * RoCE rr answer is the server QP's SEND, so the packets resent are the
 * server's; the flow rows count the RDMA counters of both ends (they
 * counted the client's QPs only: 0). */
static void test_scenario_smb_counters(void)
{
    char dir[512], yaml[700], run[700], buf[4096], src[700];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    test_src_path("scenarios/examples/untagged-rdma-loses-priority.yaml", src, sizeof src);
    FILE *f = fopen(src, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    static char longer[65536]; /* 40 ms: past a 16.8 ms ACK timeout */
    char *dur = strstr(text, "duration: 8ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dur);
    snprintf(longer, sizeof longer, "%.*sduration: 40ms%s", (int)(dur - text), text,
             dur + strlen("duration: 8ms"));
    memcpy(text, longer, strlen(longer) + 1);
    char *cut = strstr(text, "\ntraffic:");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    snprintf(cut + 1, sizeof text - (size_t)(cut + 1 - text),
             "traffic:\n"
             "  - { name: wr, kind: smb, from: hv2, to: hv9, size: 8MB, start: 1ms }\n"
             "  - { name: in, kind: roce, senders: [\"hv3/vEthernet (SMB_1)\", "
             "\"hv4/vEthernet (SMB_1)\", \"hv5/vEthernet (SMB_1)\"], to: \"hv9/vEthernet "
             "(SMB_1)\", pattern: incast, size: 4MB, port: 446, start: 1ms }\n"
             "  - { name: rr, kind: roce, from: \"hv9/vEthernet (SMB_1)\", to: \"hv6/vEthernet "
             "(SMB_1)\", pattern: rr, size: 1KB, response: 256KB, port: 447, start: 1ms, "
             "stop: 6ms }\n");
    snprintf(yaml, sizeof yaml, "%s/smb-loss.yaml", dir);
    write_file(yaml, text);
    snprintf(run, sizeof run, "%s/run", dir);
    CU_ASSERT_EQUAL_FATAL(run_file(yaml, run, NULL, buf, sizeof buf), 0);
    query(run, "SELECT retransmissions FROM flows WHERE generator = 'wr'", buf, sizeof buf);
    long wr = atol(buf);
    query(run, "SELECT sum(retransmissions) FROM flows WHERE generator = 'rr'", buf, sizeof buf);
    long rr = atol(buf);
    printf("\n    into the untagged incast: SMB write %ld packets resent, RoCE rr answers %ld", wr,
           rr);
    CU_ASSERT(wr > 0);
    CU_ASSERT(rr > 0);
}

/* Bad traffic entries: file:line:col, exit 2, no run directory. */
static void test_scenario_bad(void)
{
    char dir[512], yaml[700], run[700], buf[4096], path[800];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    static const struct {
        const char *traffic, *msg;
    } cases[] = {
        {"  - { from: vm1, to: vm3, pattern: cdf, cdf: none.csv }\n", "none.csv: No such file"},
        {"  - { from: vm1, to: vm3, pattern: cdf }\n", "pattern 'cdf' needs a 'cdf' file"},
        {"  - { to: vm3 }\n", "needs 'from' (or 'senders')"},
        {"  - { from: vm1, to: vm3, kind: roce }\n", "is a VM's adapter: roce traffic runs"},
        {"  - { from: hv1, to: hv2, kind: smb }\n  - { from: \"hv1/vEthernet (SMB_1)\", to: "
         "\"hv2/vEthernet (SMB_1)\", kind: roce }\n",
         "port 445 of 'hv2/vEthernet (SMB_1)' is already in use"},
        {"  - { from: vm1, to: vm3, stop: 1ms, start: 2ms }\n", "stop must be later than start"},
        {"  - { from: vm1, to: nobody }\n", "'nobody' is not a VM or a host adapter"},
        {"  - { from: vm1, to: vm1, pattern: rr, size: 1KB }\n", "'vm1' sends to itself"},
        {"  - { senders: [vm2, vm3], to: vm3, pattern: incast, size: 1KB }\n",
         "'vm3' sends to itself"},
        {"  - { from: hv1, to: hv1, kind: smb, size: 1MB }\n", "'hv1' sends to itself"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char tail[1000], name[32];
        snprintf(tail, sizeof tail, "traffic:\n%s", cases[i].traffic);
        snprintf(name, sizeof name, "bad%zu", i);
        scenario_file(dir, name, tail, yaml, sizeof yaml);
        snprintf(run, sizeof run, "%s/run%zu", dir, i);
        int rc = run_file(yaml, run, NULL, buf, sizeof buf);
        CU_ASSERT_EQUAL(rc, 2);
        if (!strstr(buf, cases[i].msg))
            fprintf(stderr, "\n  case %zu: %s", i, buf);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, cases[i].msg));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, ".yaml:"));
        snprintf(path, sizeof path, "%s/run.sqlite", run);
        FILE *f = fopen(path, "r");
        CU_ASSERT_PTR_NULL(f);
        if (f)
            fclose(f);
    }
}

int suite_traffic(void)
{
    CU_pSuite s = test_suite("traffic");
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"cdf files: sampling matches the distribution", test_cdf_files},
        {"cdf files: bad input", test_cdf_bad},
        {"poisson arrivals at the load", test_poisson_arrivals},
        {"constant and on/off rates", test_rates},
        {"bulk, rr and iwarp flows", test_bulk_and_rr},
        {"roce incast: synchronized, lossless", test_roce_incast},
        {"smb direct multichannel reads and writes", test_smb_multichannel},
        {"flow rows in run.sqlite", test_flow_rows},
        {"example pfc-incast-lossless", test_example_pfc_incast},
        {"example untagged-rdma-loses-priority", test_example_untagged},
        {"example iwarp-without-dcb", test_example_iwarp},
        {"scenario: every kind and pattern", test_scenario_every_kind},
        {"scenario: two VMs of one host", test_scenario_local_vms},
        {"scenario: smb and roce rr flow counters, both ends", test_scenario_smb_counters},
        {"scenario: FO-009 smb failover", test_scenario_failover},
        {"scenario: priority of unclassified traffic", test_scenario_priority},
        {"scenario: dcqcn", test_scenario_dcqcn},
        {"scenario: NIC model RoCE MTU, go-back-0, ACK timeout, retries", test_scenario_nic_roce},
        {"scenario: bad traffic entries", test_scenario_bad},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
