/* test_engine: the native engine against a naive reference queue: ordering
 * (time, then insertion), cancel, run_until/stop semantics, adaptation and
 * compaction, the wheel's cursor never left past run_until's end (a far
 * timer must not turn the current bucket into a sorted list of everything),
 * with the invariant checker after every operation. */
#include "test_util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim_engine.h"
#include "sim_rng.h"

/* ---- a reference queue: O(n) but obviously right ---------------------- */

struct ref_ev {
    sim_time_t t;
    uint64_t seq;
    uint64_t tag;
    sim_event_id id; /* the engine's handle for the same event */
    int live;
};

struct fuzz {
    struct sim_engine *eng;
    struct sim_rng rng;
    struct ref_ev *ref;
    size_t nref, cap;
    uint64_t next_seq, next_tag;
    size_t nran;      /* events executed */
    sim_time_t span;  /* delays drawn from [0, span) */
    int check_each;   /* run the invariant checker inside callbacks */
    int bad_check;    /* invariant checker failed inside a callback */
    int bad_order;    /* an event ran out of (time, seq) order */
    int bad_cancel;   /* cancel disagreed with the reference */
};

#define FUZZ_MAX_EVENTS 40000

static void fuzz_event(struct sim_engine *eng, void *ctx, void *arg);

static void fuzz_schedule(struct fuzz *fz, sim_time_t at)
{
    if (fz->nref == fz->cap) {
        fz->cap = fz->cap ? fz->cap * 2 : 1024;
        fz->ref = realloc(fz->ref, fz->cap * sizeof *fz->ref);
    }
    if (at < sim_now(fz->eng))
        at = sim_now(fz->eng);
    uint64_t tag = ++fz->next_tag;
    sim_event_id id = sim_schedule_at(fz->eng, at, fuzz_event, fz, (void *)(uintptr_t)tag);
    CU_ASSERT_FATAL(id != 0);
    fz->ref[fz->nref++] = (struct ref_ev){at, fz->next_seq++, tag, id, 1};
}

static sim_time_t fuzz_delay(struct fuzz *fz)
{
    uint64_t kind = sim_rng_below(&fz->rng, 16);
    if (kind == 0)
        return 0; /* same time as now */
    if (kind == 1)
        return fz->span * 1000 + sim_rng_below(&fz->rng, fz->span * 1000); /* far: overflow */
    if (kind == 2)
        return (sim_rng_below(&fz->rng, 4)) * fz->span / 4; /* coarse: many ties */
    return sim_rng_below(&fz->rng, fz->span);
}

/* Pops the reference's next (time, seq) event with t <= end. */
static struct ref_ev *ref_next(struct fuzz *fz, sim_time_t end)
{
    struct ref_ev *best = NULL;
    for (size_t i = 0; i < fz->nref; i++) {
        struct ref_ev *r = &fz->ref[i];
        if (!r->live || r->t > end)
            continue;
        if (!best || r->t < best->t || (r->t == best->t && r->seq < best->seq))
            best = r;
    }
    return best;
}

/* Each executed event must be, at that moment, the reference's minimum
 * live (time, seq) event, at the engine's current time. */
static void fuzz_event(struct sim_engine *eng, void *ctx, void *arg)
{
    struct fuzz *fz = ctx;
    uint64_t tag = (uint64_t)(uintptr_t)arg;
    struct ref_ev *r = &fz->ref[tag - 1]; /* tags are 1, 2, 3 ... */
    if (!r->live || ref_next(fz, SIM_TIME_MAX) != r || sim_now(eng) != r->t)
        fz->bad_order = 1;
    r->live = 0;
    fz->nran++;
    /* Each event schedules 0..2 more and sometimes cancels one. */
    uint64_t n = sim_rng_below(&fz->rng, 3);
    for (uint64_t i = 0; i < n && fz->next_tag < FUZZ_MAX_EVENTS; i++)
        fuzz_schedule(fz, sim_now(eng) + fuzz_delay(fz));
    if (fz->nref > 0 && sim_rng_below(&fz->rng, 4) == 0) {
        struct ref_ev *victim = &fz->ref[sim_rng_below(&fz->rng, fz->nref)];
        int rc = sim_cancel(eng, victim->id);
        if (rc != (victim->live ? 0 : -ENOENT))
            fz->bad_cancel = 1;
        victim->live = 0;
    }
    if (fz->check_each && sim_engine_check(eng) != 0)
        fz->bad_check = 1;
}

static void fuzz_run_until(struct fuzz *fz, sim_time_t end)
{
    sim_run_until(fz->eng, end);
    CU_ASSERT_FALSE(fz->bad_order);
    CU_ASSERT_FALSE(fz->bad_cancel);
    CU_ASSERT_FALSE(fz->bad_check);
    CU_ASSERT_EQUAL(sim_engine_check(fz->eng), 0);
    CU_ASSERT_PTR_NULL(ref_next(fz, end)); /* nothing due was left behind */
    size_t live = 0;
    for (size_t j = 0; j < fz->nref; j++)
        live += fz->ref[j].live;
    CU_ASSERT_EQUAL(sim_pending(fz->eng), live);
    CU_ASSERT_EQUAL(sim_now(fz->eng), end);
    /* The wheel's cursor never runs ahead of the time run_until stopped at. */
    struct sim_engine_stats st;
    CU_ASSERT_EQUAL_FATAL(sim_engine_stats(fz->eng, &st), 0);
    CU_ASSERT_TRUE(st.cursor <= end);
}

static void fuzz_free(struct fuzz *fz)
{
    sim_engine_destroy(fz->eng);
    free(fz->ref);
}

static void run_fuzz(uint64_t seed, sim_time_t span, int check_each)
{
    struct fuzz fz = {0};
    fz.eng = sim_engine_create(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fz.eng);
    sim_rng_init(&fz.rng, seed, "engine-fuzz");
    fz.span = span;
    fz.check_each = check_each;
    for (int i = 0; i < 300; i++)
        fuzz_schedule(&fz, fuzz_delay(&fz));
    CU_ASSERT_EQUAL(sim_engine_check(fz.eng), 0);
    sim_time_t t = 0;
    for (int step = 0; step < 60; step++) {
        t += sim_rng_below(&fz.rng, span * 40);
        fuzz_run_until(&fz, t);
        /* Between runs: schedule some, cancel some from outside. */
        for (int i = 0; i < 20; i++)
            fuzz_schedule(&fz, sim_now(fz.eng) + fuzz_delay(&fz));
        for (int i = 0; i < 10 && fz.nref; i++) {
            struct ref_ev *v = &fz.ref[sim_rng_below(&fz.rng, fz.nref)];
            int rc = sim_cancel(fz.eng, v->id);
            CU_ASSERT_EQUAL(rc, v->live ? 0 : -ENOENT);
            v->live = 0;
            CU_ASSERT_EQUAL(sim_engine_check(fz.eng), 0);
        }
    }
    fuzz_run_until(&fz, SIM_TIME_MAX - 1);
    CU_ASSERT_EQUAL(sim_pending(fz.eng), 0);
    CU_ASSERT_EQUAL(sim_event_count(fz.eng), fz.nran);
    CU_ASSERT_TRUE(fz.nran > 1000);
    fuzz_free(&fz);
}

static void test_fuzz_ns_scale(void) { run_fuzz(1, 1000 * SIM_NS, 1); }
static void test_fuzz_ps_scale(void) { run_fuzz(2, 50, 1); }
static void test_fuzz_ms_scale(void) { run_fuzz(3, 3 * SIM_MS, 0); }

/* ---- targeted semantics ------------------------------------------------ */

struct order_log {
    int seen[64];
    int n;
    sim_time_t at[64];
};

static void log_event(struct sim_engine *eng, void *ctx, void *arg)
{
    struct order_log *log = ctx;
    log->at[log->n] = sim_now(eng);
    log->seen[log->n++] = (int)(intptr_t)arg;
}

static void test_equal_time_fifo(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    for (int i = 0; i < 20; i++)
        sim_schedule_at(eng, 5 * SIM_US, log_event, &log, (void *)(intptr_t)i);
    sim_schedule_at(eng, 1 * SIM_US, log_event, &log, (void *)(intptr_t)100);
    CU_ASSERT_EQUAL(sim_pending(eng), 21);
    sim_run_until(eng, SIM_S);
    CU_ASSERT_EQUAL(log.n, 21);
    CU_ASSERT_EQUAL(log.seen[0], 100);
    for (int i = 0; i < 20; i++)
        CU_ASSERT_EQUAL(log.seen[i + 1], i);
    CU_ASSERT_EQUAL(sim_event_count(eng), 21);
    CU_ASSERT_EQUAL(sim_now(eng), SIM_S);
    sim_engine_destroy(eng);
}

static void schedule_now_chain(struct sim_engine *eng, void *ctx, void *arg)
{
    struct order_log *log = ctx;
    int k = (int)(intptr_t)arg;
    log_event(eng, ctx, arg);
    if (k < 5) /* zero-delay events run after those already due now */
        sim_schedule_in(eng, 0, schedule_now_chain, log, (void *)(intptr_t)(k + 10));
}

static void test_zero_delay_runs_after_due(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    sim_schedule_at(eng, 10, schedule_now_chain, &log, (void *)(intptr_t)1);
    sim_schedule_at(eng, 10, log_event, &log, (void *)(intptr_t)2);
    sim_run_until(eng, 10);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_EQUAL(log.seen[0], 1);
    CU_ASSERT_EQUAL(log.seen[1], 2);
    CU_ASSERT_EQUAL(log.seen[2], 11);
    sim_engine_destroy(eng);
}

static void test_run_until_boundary(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    sim_schedule_at(eng, 100, log_event, &log, (void *)(intptr_t)1);
    sim_schedule_at(eng, 101, log_event, &log, (void *)(intptr_t)2);
    sim_run_until(eng, 100);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(sim_now(eng), 100);
    /* An event scheduled in the past is clamped to now. */
    sim_schedule_at(eng, 5, log_event, &log, (void *)(intptr_t)3);
    sim_run_until(eng, 100);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(log.at[1], 100);
    sim_run_until(eng, 1000);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_EQUAL(log.seen[2], 2);
    CU_ASSERT_EQUAL(sim_now(eng), 1000);
    /* An empty queue still advances time to end. */
    sim_run_until(eng, 5000);
    CU_ASSERT_EQUAL(sim_now(eng), 5000);
    sim_engine_destroy(eng);
}

static void stopper(struct sim_engine *eng, void *ctx, void *arg)
{
    log_event(eng, ctx, arg);
    sim_stop(eng);
}

static void test_stop_and_resume(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    sim_schedule_at(eng, 10, log_event, &log, (void *)(intptr_t)1);
    sim_schedule_at(eng, 20, stopper, &log, (void *)(intptr_t)2);
    sim_schedule_at(eng, 20, log_event, &log, (void *)(intptr_t)3);
    sim_schedule_at(eng, 30, log_event, &log, (void *)(intptr_t)4);
    sim_run_until(eng, 1000);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(sim_now(eng), 20); /* stopped: now is the last event's */
    CU_ASSERT_EQUAL(sim_pending(eng), 2);
    sim_run_until(eng, 1000);
    CU_ASSERT_EQUAL(log.n, 4);
    CU_ASSERT_EQUAL(log.seen[2], 3);
    CU_ASSERT_EQUAL(sim_now(eng), 1000);
    sim_engine_destroy(eng);
}

/* A chain of events 1 ns apart that raises an external stop flag (what a
 * SIGINT handler does) at its `at`-th event; counts what ran. */
struct flag_chain {
    volatile sig_atomic_t flag;
    uint64_t ran, at;
    sim_time_t last;
};

static void chain_event(struct sim_engine *eng, void *ctx, void *arg)
{
    struct flag_chain *c = ctx;
    c->ran++;
    c->last = sim_now(eng);
    if (c->ran == c->at)
        c->flag = 1;
    sim_schedule_in(eng, SIM_NS, chain_event, c, arg);
}

/* The stop flag: run_until returns -EINTR a bounded number of events
 * after the flag rises (the engine reads it every 4096 events executed),
 * with now at the last event run and the next still queued;
 * with the flag cleared the run goes on as if never stopped. */
static void test_stop_flag(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct flag_chain c = {.at = 10000};
    sim_set_stop_flag(eng, &c.flag);
    sim_schedule_at(eng, SIM_NS, chain_event, &c, NULL);
    CU_ASSERT_EQUAL(sim_run_until(eng, SIM_S), -EINTR);
    CU_ASSERT(c.ran >= c.at && c.ran <= c.at + 4096);
    CU_ASSERT_EQUAL(sim_event_count(eng), c.ran);
    CU_ASSERT_EQUAL(sim_now(eng), c.last);
    CU_ASSERT_EQUAL(sim_now(eng), (sim_time_t)c.ran * SIM_NS);
    CU_ASSERT_EQUAL(sim_pending(eng), 1);
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    /* Still set: the next run_until stops again at once. */
    uint64_t ran = c.ran;
    CU_ASSERT_EQUAL(sim_run_until(eng, SIM_S), -EINTR);
    CU_ASSERT(c.ran - ran <= 4096);
    c.flag = 0;
    CU_ASSERT_EQUAL(sim_run_until(eng, 100 * SIM_US), 0);
    CU_ASSERT_EQUAL(c.ran, 100000);
    CU_ASSERT_EQUAL(sim_now(eng), 100 * SIM_US);
    sim_engine_destroy(eng);
}

struct self_cancel {
    sim_event_id id;
    int rc;
};

static void cancel_self(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct self_cancel *sc = ctx;
    sc->rc = sim_cancel(eng, sc->id);
}

static void test_cancel_semantics(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    sim_event_id a = sim_schedule_at(eng, 10, log_event, &log, (void *)(intptr_t)1);
    sim_event_id b = sim_schedule_at(eng, 10, log_event, &log, (void *)(intptr_t)2);
    CU_ASSERT_NOT_EQUAL(a, 0);
    CU_ASSERT_NOT_EQUAL(a, b);
    CU_ASSERT_EQUAL(sim_cancel(eng, a), 0);
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    CU_ASSERT_EQUAL(sim_cancel(eng, a), -ENOENT); /* twice */
    CU_ASSERT_EQUAL(sim_cancel(eng, 0), -ENOENT);
    CU_ASSERT_EQUAL(sim_cancel(eng, 0xffffffffffffULL), -ENOENT);
    CU_ASSERT_EQUAL(sim_pending(eng), 1);
    /* The freed record is reused with a new generation: a's handle stays
     * dead. */
    sim_event_id c = sim_schedule_at(eng, 20, log_event, &log, (void *)(intptr_t)3);
    CU_ASSERT_NOT_EQUAL(c, a);
    CU_ASSERT_EQUAL(sim_cancel(eng, a), -ENOENT);
    sim_run_until(eng, 100);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(log.seen[0], 2);
    CU_ASSERT_EQUAL(log.seen[1], 3);
    CU_ASSERT_EQUAL(sim_event_count(eng), 2);
    CU_ASSERT_EQUAL(sim_cancel(eng, b), -ENOENT); /* already ran */
    struct self_cancel sc = {0, 1};
    sc.id = sim_schedule_at(eng, 200, cancel_self, &sc, NULL);
    sim_run_until(eng, 300);
    CU_ASSERT_EQUAL(sc.rc, -ENOENT); /* running event cannot cancel itself */
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    sim_engine_destroy(eng);
}

static void noop(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)ctx;
    (void)arg;
}

/* Retransmission-timer pattern: one timer re-armed a million times; the
 * tombstones must be compacted away, not accumulate. */
static void test_cancel_heavy_compacts(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    sim_event_id id = 0;
    for (int i = 0; i < 200000; i++) {
        if (id)
            CU_ASSERT_EQUAL_FATAL(sim_cancel(eng, id), 0);
        id = sim_schedule_at(eng, (sim_time_t)i * 10 + SIM_MS, noop, NULL, NULL);
        if (i % 5000 == 0)
            CU_ASSERT_EQUAL_FATAL(sim_engine_check(eng), 0);
    }
    CU_ASSERT_EQUAL(sim_pending(eng), 1);
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    sim_run_until(eng, SIM_S);
    CU_ASSERT_EQUAL(sim_event_count(eng), 1);
    sim_engine_destroy(eng);
}

/* A workload whose time scale changes by 10^6 mid-run: the wheel must adapt
 * (rebuilds) and keep the order. */
struct phase {
    struct sim_rng rng;
    sim_time_t scale;
    uint64_t left;
    uint64_t rescale_at; /* left count at which scale grows 10^6 (0: never) */
    sim_time_t last;
    int disorder;
};

static void phase_event(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct phase *p = ctx;
    if (sim_now(eng) < p->last)
        p->disorder = 1;
    p->last = sim_now(eng);
    if (p->left == 0)
        return;
    p->left--;
    if (p->rescale_at && p->left == p->rescale_at)
        p->scale *= 1000000;
    sim_schedule_in(eng, sim_rng_below(&p->rng, p->scale), phase_event, p, NULL);
}

static void test_adapts_to_time_scale(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct phase p = {.scale = 100, .left = 100000, .rescale_at = 50000};
    sim_rng_init(&p.rng, 9, "phase");
    for (int i = 0; i < 500; i++)
        sim_schedule_in(eng, sim_rng_below(&p.rng, p.scale), phase_event, &p, NULL);
    for (int k = 0; k < 100; k++) {
        sim_run_until(eng, sim_now(eng) + 5 * SIM_US);
        CU_ASSERT_EQUAL_FATAL(sim_engine_check(eng), 0);
    }
    sim_run_until(eng, SIM_TIME_MAX);
    CU_ASSERT_FALSE(p.disorder);
    CU_ASSERT_EQUAL(sim_event_count(eng), 100500);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    sim_engine_destroy(eng);
}

/* A world-like run: a far timer (1 s) is pending, run_until advances in
 * slices, and many near events are scheduled between and during them.
 * The cursor must stay at or before each slice's end (had it jumped to the
 * 1 s timer, every near event would be inserted into the sorted
 * current-bucket list, no bucket would be loaded again and the geometry
 * never re-estimated), the near events must go through the wheel, and the
 * order must stay (time, insertion). */
static void test_far_timer_does_not_pull_cursor(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log far = {0};
    sim_schedule_at(eng, SIM_S, log_event, &far, (void *)(intptr_t)1);
    sim_run_until(eng, 20 * SIM_US);
    struct sim_engine_stats st;
    CU_ASSERT_EQUAL_FATAL(sim_engine_stats(eng, &st), 0);
    CU_ASSERT_TRUE(st.cursor <= 20 * SIM_US);
    CU_ASSERT_EQUAL(st.in_current, 0);
    CU_ASSERT_EQUAL(far.n, 0);

    /* 500 chains, each event scheduling the next within 10 us: one event
     * per 10 ns on average. */
    struct phase p = {.scale = 10 * SIM_US, .left = 100000};
    sim_rng_init(&p.rng, 11, "far-timer");
    for (int i = 0; i < 500; i++)
        sim_schedule_in(eng, sim_rng_below(&p.rng, p.scale), phase_event, &p, NULL);
    size_t max_current = 0;
    for (int k = 0; k < 100; k++) {
        sim_time_t end = sim_now(eng) + 20 * SIM_US;
        sim_run_until(eng, end);
        CU_ASSERT_EQUAL_FATAL(sim_engine_check(eng), 0);
        CU_ASSERT_EQUAL_FATAL(sim_engine_stats(eng, &st), 0);
        CU_ASSERT_TRUE(st.cursor <= end);
        if (st.in_current > max_current)
            max_current = st.in_current;
    }
    uint64_t ran = sim_event_count(eng);
    CU_ASSERT_EQUAL(ran, 100500); /* every chain event ran by 2.02 ms */
    CU_ASSERT_EQUAL(far.n, 0);
    /* Near events went through the wheel: the current list never held more
     * than a few of the ~500 pending keys, the geometry was re-estimated
     * every ADAPT_PERIOD (4096) keys, and buckets loaded past a slice's end
     * went back to the wheel. */
    CU_ASSERT_TRUE(max_current <= 32);
    CU_ASSERT_TRUE(st.reanchors > 0);
    CU_ASSERT_TRUE(st.adapts >= ran / 4096 / 2);
    CU_ASSERT_TRUE(st.bucket_width > 1024); /* widened from 1 ns towards the 10 ns gap */
    /* The far timer still runs at its time, after everything else. */
    sim_run_until(eng, 2 * SIM_S);
    CU_ASSERT_EQUAL(far.n, 1);
    CU_ASSERT_EQUAL(far.at[0], SIM_S);
    CU_ASSERT_FALSE(p.disorder);
    CU_ASSERT_EQUAL(sim_now(eng), 2 * SIM_S);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    sim_engine_destroy(eng);
}

/* Neither a stop nor a run_until whose end lies before now moves the cursor
 * ahead of now. */
static void test_cursor_stays_at_now(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct order_log log = {0};
    struct sim_engine_stats st;
    sim_schedule_at(eng, 10 * SIM_US, stopper, &log, (void *)(intptr_t)1);
    sim_schedule_at(eng, SIM_S, log_event, &log, (void *)(intptr_t)2);
    sim_run_until(eng, SIM_TIME_MAX);
    CU_ASSERT_EQUAL(sim_now(eng), 10 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(sim_engine_stats(eng, &st), 0);
    CU_ASSERT_TRUE(st.cursor <= 10 * SIM_US);
    sim_run_until(eng, 5 * SIM_US); /* end before now: nothing runs */
    CU_ASSERT_EQUAL(sim_now(eng), 10 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(sim_engine_stats(eng, &st), 0);
    CU_ASSERT_TRUE(st.cursor <= 10 * SIM_US);
    sim_schedule_in(eng, 1, log_event, &log, (void *)(intptr_t)3);
    sim_run_until(eng, SIM_TIME_MAX);
    CU_ASSERT_EQUAL(log.n, 3);
    CU_ASSERT_EQUAL(log.seen[1], 3);
    CU_ASSERT_EQUAL(log.seen[2], 2);
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    sim_engine_destroy(eng);
}

static void test_two_engines_independent(void)
{
    struct sim_engine *a = sim_engine_create(NULL), *b = sim_engine_create(NULL);
    struct order_log la = {0}, lb = {0};
    sim_schedule_at(a, 10, log_event, &la, (void *)(intptr_t)1);
    sim_schedule_at(b, 20, log_event, &lb, (void *)(intptr_t)2);
    sim_run_until(a, 100);
    CU_ASSERT_EQUAL(la.n, 1);
    CU_ASSERT_EQUAL(lb.n, 0);
    CU_ASSERT_EQUAL(sim_pending(b), 1);
    sim_engine_destroy(a);
    sim_engine_destroy(b);
    sim_engine_destroy(NULL);
}

int suite_engine(void)
{
    CU_pSuite s = test_suite("engine");
    if (!s)
        return -1;
    if (!CU_add_test(s, "equal-time events run in insertion order", test_equal_time_fifo) ||
        !CU_add_test(s, "zero delay runs after events already due", test_zero_delay_runs_after_due) ||
        !CU_add_test(s, "run_until boundary, clamping, empty queue", test_run_until_boundary) ||
        !CU_add_test(s, "stop and resume", test_stop_and_resume) ||
        !CU_add_test(s, "a stop flag stops run_until with -EINTR", test_stop_flag) ||
        !CU_add_test(s, "cancel semantics and stale handles", test_cancel_semantics) ||
        !CU_add_test(s, "cancel-heavy timers are compacted", test_cancel_heavy_compacts) ||
        !CU_add_test(s, "adapts to a changing time scale", test_adapts_to_time_scale) ||
        !CU_add_test(s, "a far timer does not pull the wheel past run_until's end",
                     test_far_timer_does_not_pull_cursor) ||
        !CU_add_test(s, "stop and an end before now leave the cursor at now",
                     test_cursor_stays_at_now) ||
        !CU_add_test(s, "two engines in one process", test_two_engines_independent) ||
        !CU_add_test(s, "fuzz vs reference, ns scale, checker each op", test_fuzz_ns_scale) ||
        !CU_add_test(s, "fuzz vs reference, ps scale (many ties)", test_fuzz_ps_scale) ||
        !CU_add_test(s, "fuzz vs reference, ms scale", test_fuzz_ms_scale))
        return -1;
    return 0;
}
