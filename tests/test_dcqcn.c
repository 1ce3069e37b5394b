/* test_dcqcn: the DCQCN reaction point's arithmetic (rate cut, α update
 * and decay, fast recovery, additive and hyper increase by timer and byte
 * counter, return to IDLE), the notification point's CNP pacing, and two
 * RoCEv2 flows with the default DCQCN parameters sharing a 25 Gb/s
 * bottleneck with RED/ECN marking: B joins A at line rate; within 25 ms
 * Jain's index is >= 0.95 in every 20-ms window, each flow gets its fair
 * share within 10 % over the steady state (and in >= 85 % of the
 * windows), and the queue is held between Kmin and Kmax.
 * dcqcn_rp_check() runs after every step of the unit tests. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dcqcn.h"
#include "roce.h"
#include "test_rdma_fixture.h"

#define LINE 25000000000ULL

static struct dcqcn_rp *rp_new(struct sim_engine *eng, struct dcqcn_settings *s)
{
    dcqcn_settings_default(s);
    struct dcqcn_rp *rp = dcqcn_rp_create(eng, s, LINE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    return rp;
}

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * (fabs(b) + 1); }

/* First CNP: α = 1, Rt = line, Rc = line / 2; then α = (1 - g) + g = 1.
 * A second CNP right away: Rt = Rc, Rc halves again (α still ~1). */
static void test_rate_decrease(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct dcqcn_settings s;
    struct dcqcn_rp *rp = rp_new(eng, &s);
    CU_ASSERT_EQUAL(dcqcn_rp_rate(rp), LINE);
    CU_ASSERT_FALSE(dcqcn_rp_active(rp));
    dcqcn_rp_cnp(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    CU_ASSERT(dcqcn_rp_active(rp));
    CU_ASSERT_EQUAL(dcqcn_rp_target(rp), LINE);
    CU_ASSERT_EQUAL(dcqcn_rp_rate(rp), LINE / 2);
    CU_ASSERT(near(dcqcn_rp_alpha(rp), 1.0));
    dcqcn_rp_cnp(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    CU_ASSERT_EQUAL(dcqcn_rp_target(rp), LINE / 2);
    CU_ASSERT_EQUAL(dcqcn_rp_rate(rp), LINE / 4);
    /* Many CNPs: never below min_rate. */
    for (int i = 0; i < 100; i++)
        dcqcn_rp_cnp(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_rate(rp), s.min_rate);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    CU_ASSERT_EQUAL(dcqcn_rp_stats(rp)->decreases, 102);
    dcqcn_rp_stop(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    dcqcn_rp_destroy(rp);
    sim_engine_destroy(eng);
}

/* After one CNP: α decays by (1 - g) per K without a CNP; the rate timer
 * gives F fast-recovery steps (Rc halves its distance to Rt), then
 * additive increase (Rt += R_AI) while the byte counter lags. */
static void test_alpha_decay_and_recovery(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct dcqcn_settings s;
    struct dcqcn_rp *rp = rp_new(eng, &s);
    dcqcn_rp_cnp(rp);
    double alpha0 = dcqcn_rp_alpha(rp);
    double rc = (double)LINE / 2, rt = (double)LINE;
    /* K = 55 us, T = 60 us: step to each event and check. */
    sim_time_t t = 0;
    int timer_steps = 0;
    while (timer_steps < (int)s.fast_recovery) {
        t += s.rate_timer;
        sim_run_until(eng, t);
        CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
        rc = (rc + rt) / 2;
        timer_steps++;
        CU_ASSERT(fabs((double)dcqcn_rp_rate(rp) - rc) < 2);
        CU_ASSERT_EQUAL(dcqcn_rp_target(rp), LINE);
    }
    CU_ASSERT_EQUAL(dcqcn_rp_stats(rp)->fast_recovery, s.fast_recovery);
    /* α: one decay per K elapsed (5 x 60 us = 300 us: 5 periods of 55). */
    uint64_t k = dcqcn_rp_stats(rp)->alpha_updates;
    CU_ASSERT_EQUAL(k, 5);
    CU_ASSERT(near(dcqcn_rp_alpha(rp), alpha0 * pow(1 - s.g, (double)k)));
    /* A cut now: α from before, Rt = Rc, Rc = Rc (1 - α/2). */
    uint64_t rc_before = dcqcn_rp_rate(rp);
    double a = dcqcn_rp_alpha(rp);
    dcqcn_rp_cnp(rp);
    CU_ASSERT_EQUAL(dcqcn_rp_target(rp), rc_before);
    CU_ASSERT(fabs((double)dcqcn_rp_rate(rp) - (double)rc_before * (1 - a / 2)) < 2);
    CU_ASSERT(near(dcqcn_rp_alpha(rp), (1 - s.g) * a + s.g));
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    /* Additive increase: after F timer steps the next timer step adds R_AI
     * to Rt (the byte counter has not run: 0 bytes sent). */
    sim_time_t t1 = sim_now(eng);
    uint64_t target = dcqcn_rp_target(rp);
    sim_run_until(eng, t1 + (s.fast_recovery + 1) * s.rate_timer);
    CU_ASSERT_EQUAL(dcqcn_rp_stats(rp)->additive, 1);
    CU_ASSERT_EQUAL(dcqcn_rp_target(rp), target + s.rate_ai);
    CU_ASSERT_EQUAL(dcqcn_rp_check(rp), 0);
    dcqcn_rp_stop(rp);
    dcqcn_rp_destroy(rp);
    sim_engine_destroy(eng);
}

/* With a byte counter: timer and byte counter both past F give hyper
 * increase, Rt += (min - F + 1) R_HAI.  In the end the rate is back at
 * line rate and the RP goes IDLE.  Without one (the default) hyper
 * increase never starts. */
static void test_hyper_increase_and_idle(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct dcqcn_settings s;
    dcqcn_settings_default(&s);
    s.byte_counter = 300000; /* ns3-rdma's BYTE_COUNTER: hyper needs both counters */
    struct dcqcn_rp *rp = dcqcn_rp_create(eng, &s, LINE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rp);
    dcqcn_rp_cnp(rp);
    sim_time_t t = 0;
    /* Feed the byte counter as a sender at Rc would: B bytes per stage. */
    int hyper_seen = 0;
    for (int step = 0; step < 20000 && dcqcn_rp_active(rp); step++) {
        t += 10 * SIM_US;
        uint64_t bytes = dcqcn_rp_rate(rp) / 8 / 100000; /* 10 us at Rc */
        dcqcn_rp_sent(rp, (uint32_t)bytes);
        sim_run_until(eng, t);
        CU_ASSERT_EQUAL_FATAL(dcqcn_rp_check(rp), 0);
        if (!hyper_seen && dcqcn_rp_stats(rp)->hyper)
            hyper_seen = 1;
    }
    const struct dcqcn_rp_stats *st = dcqcn_rp_stats(rp);
    fprintf(stderr, "\n    recovery from one CNP: %llu fast, %llu additive, %llu hyper steps; "
                    "idle after %.2f ms\n",
            (unsigned long long)st->fast_recovery, (unsigned long long)st->additive,
            (unsigned long long)st->hyper, (double)t / SIM_MS);
    CU_ASSERT(hyper_seen);
    CU_ASSERT(st->additive > 0);
    CU_ASSERT_FALSE(dcqcn_rp_active(rp));
    CU_ASSERT_EQUAL(dcqcn_rp_rate(rp), LINE);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    dcqcn_rp_destroy(rp);
    sim_engine_destroy(eng);
}

/* ---- two flows over a bottleneck ---------------------------------------- */

/* RED profile of the congestion point: Kmin 5 KB, Kmax 200 KB, Pmax 1 %
 * (the marking profile of the DCQCN paper's deployment).  With it the
 * equilibrium marking probability (about 0.1 % per packet here: roughly
 * one CNP per ms per flow) puts the queue inside the band; with HPCC's
 * 25 Gb/s profile (100 KB, 400 KB, 20 %) it sits at Kmin, half the time
 * below. */
#define KMIN (5 * 1000)
#define KMAX (200 * 1000)
#define PMAX 0.01
#define SLOT (1 * SIM_MS)        /* throughput sampling */
#define WINDOW (20 * SIM_MS)     /* fairness is judged on 20-ms averages */
#define B_START (5 * SIM_MS)
#define RUN_END (305 * SIM_MS)
#define NSLOT (RUN_END / SLOT)
#define NWINDOW ((RUN_END - B_START) / WINDOW)
/* The stated convergence time: from B's start to the first window from
 * which every window is fair. */
#define CONVERGE_WITHIN (25 * SIM_MS)
#define SAMPLE_EVERY (10 * SIM_US)
#define NSAMPLES (RUN_END / SAMPLE_EVERY + 1)

struct flow {
    struct roce_qp *qp;     /* sender */
    struct roce_qp *rx;     /* receiver side */
    int established;
    uint64_t posted;
};

static void f_established(void *ctx, struct roce_qp *qp)
{
    struct flow *f = ctx;
    if (qp == f->qp)
        f->established = 1;
}

static void keep_busy(struct flow *f)
{
    while (roce_qp_outstanding(f->qp) < 4)
        CU_ASSERT_EQUAL(roce_post_write(f->qp, f->posted++, 1 << 20, 0, 1), 0);
}

static void f_completion(void *ctx, struct roce_qp *qp, const struct roce_wc *wc)
{
    struct flow *f = ctx;
    if (qp == f->qp && wc->status == 0)
        keep_busy(f);
}

static const struct roce_qp_ops flow_ops = {.established = f_established,
                                            .completion = f_completion};

static struct roce_qp *f_accept(void *ctx, struct roce_dev *dev, const struct roce_conn_req *req)
{
    (void)req;
    struct flow *flows = ctx;
    struct flow *f = flows[0].rx ? &flows[1] : &flows[0];
    struct roce_qp_settings qs = {.nd_port = 445, .ops = &flow_ops, .ctx = f};
    f->rx = roce_qp_create(dev, &qs);
    return f->rx;
}

/* The bottleneck queue of priority 3, every 10 us. */
struct sampler {
    struct rf *rf;
    uint32_t port;
    sim_time_t end;
    uint64_t q[NSAMPLES];
    int n;
};

static void sample(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct sampler *s = ctx;
    if ((uint64_t)s->n < NSAMPLES)
        s->q[s->n++] = switch_queue_bytes(s->rf->sw, s->port, 3);
    if (sim_now(eng) + SAMPLE_EVERY <= s->end)
        sim_schedule_in(eng, SAMPLE_EVERY, sample, s, NULL);
}

static double jain(double a, double b) { return (a + b) * (a + b) / (2 * (a * a + b * b)); }

/* |a - b| / (a + b): how far each flow is from half of what both get. */
static double unfairness(double a, double b) { return fabs(a - b) / (a + b); }

static void test_two_flows_converge(void)
{
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 8);
    ss.pfc_enabled = 0x08;
    ss.xoff = 1000 * 1000; /* PFC only as a backstop: ECN acts first */
    ss.ecn_enabled = 0x08;
    ss.ecn[3] = (struct switch_ecn){.kmin = KMIN, .kmax = KMAX, .pmax = PMAX};
    ss.seed = 11;
    struct rf rf;
    rf_init(&rf, &ss, 0);
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.dcqcn = 1; /* the default DCQCN parameters (dcqcn.h) */
    struct rf_ep *a = rf_ep_add(&rf, G25, 0x08, 1, 42, 3, &rs);
    struct rf_ep *b = rf_ep_add(&rf, G25, 0x08, 1, 42, 3, &rs);
    struct rf_ep *c = rf_ep_add(&rf, G25, 0x08, 1, 42, 3, &rs);
    struct flow flows[2];
    memset(flows, 0, sizeof flows);
    CU_ASSERT_EQUAL_FATAL(roce_listen(c->dev, 445, f_accept, flows), 0);
    struct rf_ep *src[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        struct roce_qp_settings qs = {.nd_port = 445, .ops = &flow_ops, .ctx = &flows[i]};
        flows[i].qp = roce_qp_create(src[i]->dev, &qs);
        CU_ASSERT_EQUAL(roce_connect(flows[i].qp, 4, c->ip, 445), 0);
        sim_run_until(rf.eng, sim_now(rf.eng) + 100 * SIM_US);
        CU_ASSERT_EQUAL_FATAL(flows[i].established, 1);
    }
    sim_time_t t0 = sim_now(rf.eng);
    static struct sampler smp;
    memset(&smp, 0, sizeof smp);
    smp.rf = &rf;
    smp.port = (uint32_t)c->idx + 1;
    smp.end = t0 + RUN_END;
    sim_schedule_in(rf.eng, 0, sample, &smp, NULL);
    /* Flow A alone, B joins at t0 + 5 ms; both keep 4 MiB outstanding. */
    keep_busy(&flows[0]);
    static double rate[2][NSLOT];
    uint64_t last[2] = {0, 0};
    for (int k = 0; k < (int)NSLOT; k++) {
        if ((sim_time_t)k * SLOT == B_START)
            keep_busy(&flows[1]);
        sim_run_until(rf.eng, t0 + (sim_time_t)(k + 1) * SLOT);
        for (int i = 0; i < 2; i++) {
            uint64_t rx = flows[i].rx ? roce_qp_stats(flows[i].rx)->rx_bytes : 0;
            rate[i][k] = (double)(rx - last[i]) * 8 / ((double)SLOT / SIM_S) / 1e9;
            last[i] = rx;
        }
    }
    /* 20-ms windows after B's start: throughput, queue. */
    double wa[NWINDOW], wb[NWINDOW], wq[NWINDOW];
    for (int w = 0; w < (int)NWINDOW; w++) {
        int k0 = (int)((B_START + (sim_time_t)w * WINDOW) / SLOT), nk = (int)(WINDOW / SLOT);
        wa[w] = wb[w] = 0;
        for (int k = k0; k < k0 + nk; k++) {
            wa[w] += rate[0][k] / nk;
            wb[w] += rate[1][k] / nk;
        }
        int s0 = (int)((B_START + (sim_time_t)w * WINDOW) / SAMPLE_EVERY);
        int ns = (int)(WINDOW / SAMPLE_EVERY);
        double sum = 0;
        for (int i = s0; i < s0 + ns && i < smp.n; i++)
            sum += (double)smp.q[i];
        wq[w] = sum / ns;
    }
    /* Converged: the first window from which Jain >= 0.95 holds in every
     * window. */
    int conv = -1;
    for (int w = (int)NWINDOW - 1; w >= 0 && jain(wa[w], wb[w]) >= 0.95; w--)
        conv = w;
    double steady_a = 0, steady_b = 0, worst = 0;
    int within10 = 0, nsteady = 0;
    uint64_t samples = 0, in_band = 0, below = 0, above = 0, qmax = 0;
    double qmean_min = 1e18, qmean_max = 0;
    /* Steady state: after convergence, and not before the end of the
     * first window (B joins at line rate: the transient overshoot). */
    int w0 = conv < 0 ? (int)NWINDOW : conv > 1 ? conv : 1;
    for (int w = w0; w < (int)NWINDOW; w++) {
        nsteady++;
        steady_a += wa[w];
        steady_b += wb[w];
        double u = unfairness(wa[w], wb[w]);
        worst = u > worst ? u : worst;
        within10 += u <= 0.10;
        qmean_min = wq[w] < qmean_min ? wq[w] : qmean_min;
        qmean_max = wq[w] > qmean_max ? wq[w] : qmean_max;
        int s0 = (int)((B_START + (sim_time_t)w * WINDOW) / SAMPLE_EVERY);
        for (int i = s0; i < s0 + (int)(WINDOW / SAMPLE_EVERY) && i < smp.n; i++) {
            uint64_t q = smp.q[i];
            samples++;
            qmax = q > qmax ? q : qmax;
            if (q < KMIN)
                below++;
            else if (q > KMAX)
                above++;
            else
                in_band++;
        }
    }
    if (!samples)
        samples = 1;
    double conv_ms = conv < 0 ? -1 : (double)((sim_time_t)conv * WINDOW) / SIM_MS;
    fprintf(stderr,
            "\n    A alone: %.2f Gb/s.  B joins: Jain >= 0.95 in every 20-ms window from "
            "%.0f ms after;\n"
            "    steady state (%d windows from %d ms): A %.2f, B %.2f Gb/s (%.1f %% from fair share), "
            "%d windows within 10 %%, worst %.1f %%\n"
            "    queue: window means %.0f..%.0f KB, max %.0f KB; %.1f %% of samples in "
            "[Kmin, Kmax], %.1f %% below, %.1f %% above\n"
            "    CNPs to A %llu, to B %llu\n",
            rate[0][(int)(B_START / SLOT) - 1], conv_ms, nsteady, (int)(w0 * WINDOW / SIM_MS),
            steady_a / nsteady,
            steady_b / nsteady, 100 * unfairness(steady_a, steady_b), within10, 100 * worst,
            qmean_min / 1000, qmean_max / 1000, (double)qmax / 1000,
            100.0 * (double)in_band / (double)samples, 100.0 * (double)below / (double)samples,
            100.0 * (double)above / (double)samples,
            (unsigned long long)roce_qp_stats(flows[0].qp)->cnps_rx,
            (unsigned long long)roce_qp_stats(flows[1].qp)->cnps_rx);
    /* A alone runs at line rate (no CNP before B). */
    CU_ASSERT(rate[0][(int)(B_START / SLOT) - 1] > 23.0);
    /* Convergence within the stated time, then fair: Jain >= 0.95 in every
     * window, each flow within 10 % of the fair share over the steady
     * state and in at least 85 % of the windows; the link stays full. */
    CU_ASSERT(conv >= 0 && (sim_time_t)conv * WINDOW <= CONVERGE_WITHIN);
    CU_ASSERT(nsteady >= 10);
    CU_ASSERT(unfairness(steady_a, steady_b) <= 0.10);
    CU_ASSERT(within10 >= (int)(0.85 * nsteady));
    CU_ASSERT((steady_a + steady_b) / nsteady > 0.95 * 23.0);
    /* The queue is held in the marking band: every window's mean between
     * Kmin and Kmax, never above Kmax, most samples inside. */
    CU_ASSERT(qmean_min >= KMIN && qmean_max <= KMAX);
    CU_ASSERT_EQUAL(above, 0);
    CU_ASSERT((double)in_band >= 0.65 * (double)samples);
    CU_ASSERT_EQUAL(switch_total_drops(rf.sw, 8), 0);
    CU_ASSERT_EQUAL(roce_qp_check(flows[0].qp), 0);
    CU_ASSERT_EQUAL(roce_qp_check(flows[1].qp), 0);
    CU_ASSERT_EQUAL(dcqcn_rp_check(roce_qp_rp(flows[0].qp)), 0);
    CU_ASSERT_EQUAL(dcqcn_rp_check(roce_qp_rp(flows[1].qp)), 0);
    rf_free(&rf);
}

/* NP: a continuously marked flow gets at most one CNP per 50 us.  The
 * sender ignores the CNPs (α 0, g tiny: no cut) and runs at 25 Gb/s into
 * a 10 Gb/s receiver, so PFC keeps the bottleneck queue standing and
 * every packet is marked. */
static void test_cnp_interval(void)
{
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 8);
    ss.pfc_enabled = 0x08;
    ss.ecn_enabled = 0x08;
    ss.ecn[3] = (struct switch_ecn){.kmin = 0, .kmax = 1, .pmax = 1.0}; /* mark everything */
    struct rf rf;
    rf_init(&rf, &ss, 0);
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.dcqcn = 1;
    struct roce_settings deaf = rs;
    deaf.cc.initial_alpha = 0;
    deaf.cc.g = 1e-9;
    struct rf_ep *a = rf_ep_add(&rf, G25, 0x08, 1, 42, 3, &deaf);
    struct rf_ep *c = rf_ep_add(&rf, 10000000000ULL, 0x08, 1, 42, 3, &rs);
    struct flow flows[2];
    memset(flows, 0, sizeof flows);
    CU_ASSERT_EQUAL_FATAL(roce_listen(c->dev, 445, f_accept, flows), 0);
    struct roce_qp_settings qs = {.nd_port = 445, .ops = &flow_ops, .ctx = &flows[0]};
    flows[0].qp = roce_qp_create(a->dev, &qs);
    roce_connect(flows[0].qp, 4, c->ip, 445);
    sim_run_until(rf.eng, 100 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(flows[0].established, 1);
    sim_time_t t0 = sim_now(rf.eng);
    keep_busy(&flows[0]);
    sim_run_until(rf.eng, t0 + 2 * SIM_MS);
    const struct roce_qp_stats *rx = roce_qp_stats(flows[0].rx);
    fprintf(stderr, "\n    all marked for 2 ms: %llu CE packets, %llu CNPs\n",
            (unsigned long long)rx->ecn_ce_rx, (unsigned long long)rx->cnps_tx);
    CU_ASSERT(rx->ecn_ce_rx > 1000);
    /* 2 ms / 50 us = 40 intervals (41 with the first at the start). */
    CU_ASSERT(rx->cnps_tx >= 38 && rx->cnps_tx <= 41);
    CU_ASSERT_EQUAL(roce_qp_stats(flows[0].qp)->cnps_rx, rx->cnps_tx);
    rf_free(&rf);
}

int suite_dcqcn(void)
{
    CU_pSuite s = test_suite("dcqcn");
    if (!s || !CU_add_test(s, "RP: rate decrease on CNP, min rate", test_rate_decrease) ||
        !CU_add_test(s, "RP: alpha decay, fast recovery, additive increase",
                     test_alpha_decay_and_recovery) ||
        !CU_add_test(s, "RP: hyper increase, back to line rate and IDLE",
                     test_hyper_increase_and_idle) ||
        !CU_add_test(s, "NP: one CNP per 50 us per QP", test_cnp_interval) ||
        !CU_add_test(s, "two flows converge to fair share, queue within [Kmin, Kmax]",
                     test_two_flows_converge))
        return -1;
    return 0;
}
