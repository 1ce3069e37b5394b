/* test_ns3: the ns-3 engine binding (sim-core/ns3): lifecycle of the
 * process-wide ns-3 Simulator (create/destroy/create, one at a time),
 * ordering of equal-time events, cancel, run_until boundaries, stop,
 * repeated runs, times past ns-3's range, and the same seeded workload on
 * the native engine and on every ns-3 scheduler producing the identical
 * event sequence.  The suite fails when built without ns-3, which
 * scripts/setup-deps always installs. */
#include "test_util.h"

#include <stdio.h>

#ifdef SETSIM_HAVE_NS3

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ns3_engine.h"
#include "sim_engine.h"
#include "sim_rng.h"

/* ---- helpers ------------------------------------------------------------ */

/* The ns-3 engine made by make_ns3() and not yet dropped: a test that
 * stops at a fatal assertion leaves it behind, and since only one ns-3
 * engine can exist, the next make_ns3() destroys it first. */
static struct sim_engine *live_ns3;

static struct sim_engine *make_ns3(const char *scheduler)
{
    if (live_ns3) {
        sim_engine_destroy(live_ns3);
        live_ns3 = NULL;
    }
    char err[256] = "";
    struct ns3_engine_settings s = {scheduler};
    struct sim_engine *eng = ns3_engine_create(&s, err, sizeof err);
    if (!eng)
        fprintf(stderr, "ns3_engine_create(%s): %s\n", scheduler ? scheduler : "default", err);
    live_ns3 = eng;
    return eng;
}

static void drop_ns3(struct sim_engine *eng)
{
    if (eng == live_ns3)
        live_ns3 = NULL;
    sim_engine_destroy(eng);
}

/* What happened, in order: an event ran (tag), a cancel returned (val), a
 * run_until returned (val, with executed and pending). */
enum { TR_EVENT = 0, TR_CANCEL = 1, TR_RUN = 2 };

struct tr_entry {
    sim_time_t t;
    int kind;
    uint64_t tag;
    int64_t val;
    uint64_t executed;
    uint64_t pending;
};

struct trace {
    struct tr_entry *v;
    size_t n, cap;
};

static void trace_add(struct trace *tr, struct tr_entry e)
{
    if (tr->n == tr->cap) {
        tr->cap = tr->cap ? tr->cap * 2 : 256;
        tr->v = realloc(tr->v, tr->cap * sizeof *tr->v);
        CU_ASSERT_FATAL(tr->v != NULL);
    }
    tr->v[tr->n++] = e;
}

static void trace_free(struct trace *tr)
{
    free(tr->v);
    memset(tr, 0, sizeof *tr);
}

/* Records (now, tag) into the trace given as context. */
static void rec_fn(struct sim_engine *eng, void *ctx, void *arg)
{
    trace_add(ctx, (struct tr_entry){.t = sim_now(eng), .kind = TR_EVENT, .tag = (uintptr_t)arg});
}

static sim_event_id sched(struct sim_engine *eng, sim_time_t at, struct trace *tr, uint64_t tag)
{
    sim_event_id id = sim_schedule_at(eng, at, rec_fn, tr, (void *)(uintptr_t)tag);
    CU_ASSERT(id != 0);
    return id;
}

/* Asserts the trace's events are exactly (t[i], tag[i]). */
static void expect_events(const struct trace *tr, size_t n, const sim_time_t *t, const uint64_t *tag)
{
    CU_ASSERT_EQUAL_FATAL(tr->n, n);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(tr->v[i].kind, TR_EVENT);
        CU_ASSERT_EQUAL(tr->v[i].t, t[i]);
        CU_ASSERT_EQUAL(tr->v[i].tag, tag[i]);
    }
}

/* ---- lifecycle ---------------------------------------------------------- */

static void test_create_destroy_create(void)
{
    char err[256] = "";
    struct sim_engine *a = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(a->ops->name, "ns3");
    CU_ASSERT_EQUAL(sim_now(a), 0);
    CU_ASSERT_EQUAL(sim_event_count(a), 0);
    CU_ASSERT_EQUAL(sim_pending(a), 0);

    /* ns-3's Simulator is a singleton: a second engine is refused. */
    struct sim_engine *b = ns3_engine_create(NULL, err, sizeof err);
    CU_ASSERT_PTR_NULL(b);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "another ns-3 engine exists"));
    sim_engine_destroy(b);

    /* Destroy with events still queued, one of them cancelled. */
    struct trace tr = {0};
    sched(a, 100, &tr, 1);
    CU_ASSERT_EQUAL(sim_cancel(a, sched(a, 200, &tr, 2)), 0);
    CU_ASSERT_EQUAL(sim_run_until(a, 50), 0);
    CU_ASSERT_EQUAL(sim_pending(a), 1);
    drop_ns3(a);

    /* A new engine starts afresh at time 0. */
    a = ns3_engine_create(NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    live_ns3 = a;
    CU_ASSERT_EQUAL(sim_now(a), 0);
    CU_ASSERT_EQUAL(sim_pending(a), 0);
    sched(a, 30, &tr, 3);
    CU_ASSERT_EQUAL(sim_run_until(a, 40), 0);
    CU_ASSERT_EQUAL(tr.n, 1);
    CU_ASSERT_EQUAL(tr.v[0].t, 30);
    CU_ASSERT_EQUAL(sim_now(a), 40);
    CU_ASSERT_EQUAL(sim_event_count(a), 1);
    live_ns3 = NULL;
    a->ops->destroy(a);

    /* Every scheduler can be created; unknown names are refused and do
     * not leave the engine slot taken. */
    for (const char *const *name = ns3_engine_schedulers; *name; name++) {
        struct sim_engine *e = make_ns3(*name);
        CU_ASSERT_PTR_NOT_NULL(e);
        drop_ns3(e);
    }
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(ns3_engine_create(&(struct ns3_engine_settings){"bogus"}, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown scheduler 'bogus'"));
    a = make_ns3("");
    CU_ASSERT_PTR_NOT_NULL(a);
    drop_ns3(a);
    sim_engine_destroy(NULL);
    trace_free(&tr);
}

/* ---- ordering ----------------------------------------------------------- */

#define ORDER_N 300

static void test_equal_time_order(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    sim_time_t t[ORDER_N];
    /* Five distinct times, 60 events each, scheduled interleaved. */
    for (uint64_t tag = 0; tag < ORDER_N; tag++) {
        t[tag] = (tag * 7) % 5 * 100;
        sched(eng, t[tag], &tr, tag);
    }
    CU_ASSERT_EQUAL(sim_pending(eng), ORDER_N);
    CU_ASSERT_EQUAL(sim_run_until(eng, 1000), 0);
    /* Expected: by time, then by insertion (tag) order. */
    sim_time_t et[ORDER_N];
    uint64_t etag[ORDER_N];
    size_t n = 0;
    for (sim_time_t when = 0; when <= 400; when += 100)
        for (uint64_t tag = 0; tag < ORDER_N; tag++)
            if (t[tag] == when) {
                et[n] = when;
                etag[n++] = tag;
            }
    expect_events(&tr, n, et, etag);
    CU_ASSERT_EQUAL(sim_event_count(eng), ORDER_N);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    CU_ASSERT_EQUAL(sim_now(eng), 1000);
    drop_ns3(eng);
    trace_free(&tr);
}

/* ---- cancel ------------------------------------------------------------- */

struct canceller {
    struct trace *tr;
    sim_event_id victims[2]; /* cancelled by the callback; both pending */
    sim_event_id self;       /* the callback's own handle */
    int rc_victims[2], rc_self;
};

static void cancel_fn(struct sim_engine *eng, void *ctx, void *arg)
{
    struct canceller *c = ctx;
    rec_fn(eng, c->tr, arg);
    c->rc_victims[0] = sim_cancel(eng, c->victims[0]);
    c->rc_victims[1] = sim_cancel(eng, c->victims[1]);
    c->rc_self = sim_cancel(eng, c->self);
}

static void test_cancel(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    sim_event_id a = sched(eng, 10, &tr, 1);
    sim_event_id b = sched(eng, 10, &tr, 2);
    sched(eng, 20, &tr, 3);
    CU_ASSERT_EQUAL(sim_pending(eng), 3);

    CU_ASSERT_EQUAL(sim_cancel(eng, b), 0);
    CU_ASSERT_EQUAL(sim_pending(eng), 2);
    CU_ASSERT_EQUAL(sim_cancel(eng, b), -ENOENT); /* double cancel */
    CU_ASSERT_EQUAL(sim_pending(eng), 2);
    CU_ASSERT_EQUAL(sim_cancel(eng, 0), -ENOENT);
    CU_ASSERT_EQUAL(sim_cancel(eng, a ^ (1ULL << 32)), -ENOENT); /* wrong generation */
    CU_ASSERT_EQUAL(sim_cancel(eng, (1ULL << 32) | 0xfffffff0u), -ENOENT); /* no such slot */
    CU_ASSERT_EQUAL(sim_cancel(eng, UINT64_MAX), -ENOENT);

    CU_ASSERT_EQUAL(sim_run_until(eng, 15), 0);
    expect_events(&tr, 1, (sim_time_t[]){10}, (uint64_t[]){1});
    CU_ASSERT_EQUAL(sim_event_count(eng), 1); /* the cancelled one is not counted */
    CU_ASSERT_EQUAL(sim_cancel(eng, a), -ENOENT); /* already ran */

    /* New events reuse the freed slots; the old handles stay stale. */
    sim_event_id d = sched(eng, 30, &tr, 4);
    sim_event_id e = sched(eng, 30, &tr, 5);
    CU_ASSERT(d != a && d != b && e != a && e != b);
    CU_ASSERT_EQUAL(sim_cancel(eng, a), -ENOENT);
    CU_ASSERT_EQUAL(sim_cancel(eng, b), -ENOENT);
    CU_ASSERT_EQUAL(sim_pending(eng), 3);

    /* A callback cancels a later event at its own time, one further out,
     * and its own (already stale) handle. */
    struct canceller c = {.tr = &tr};
    c.self = sim_schedule_at(eng, 40, cancel_fn, &c, (void *)(uintptr_t)6);
    c.victims[0] = sched(eng, 40, &tr, 7);
    c.victims[1] = sched(eng, 50, &tr, 8);
    CU_ASSERT_EQUAL(sim_pending(eng), 6);
    CU_ASSERT_EQUAL(sim_run_until(eng, 100), 0);
    expect_events(&tr, 5, (sim_time_t[]){10, 20, 30, 30, 40}, (uint64_t[]){1, 3, 4, 5, 6});
    CU_ASSERT_EQUAL(c.rc_victims[0], 0);
    CU_ASSERT_EQUAL(c.rc_victims[1], 0);
    CU_ASSERT_EQUAL(c.rc_self, -ENOENT);
    CU_ASSERT_EQUAL(sim_cancel(eng, c.victims[0]), -ENOENT);
    CU_ASSERT_EQUAL(sim_event_count(eng), 5);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    CU_ASSERT_EQUAL(sim_now(eng), 100);
    drop_ns3(eng);
    trace_free(&tr);
}

/* ---- run_until boundaries ----------------------------------------------- */

/* Each tag's callback schedules the next events of a chain (see below). */
struct chain {
    struct trace tr;
};

static void chain_fn(struct sim_engine *eng, void *ctx, void *arg)
{
    struct chain *ch = ctx;
    uint64_t tag = (uintptr_t)arg;
    rec_fn(eng, &ch->tr, arg);
    switch (tag) {
    case 1: /* at 99: an event at end, scheduled during the run */
        sim_schedule_at(eng, 100, chain_fn, ch, (void *)(uintptr_t)7);
        break;
    case 2: /* at end: zero delay */
        sim_schedule_in(eng, 0, chain_fn, ch, (void *)(uintptr_t)4);
        break;
    case 4: /* at end: a past time, clamped to now == end */
        sim_schedule_at(eng, 50, chain_fn, ch, (void *)(uintptr_t)5);
        break;
    case 5: /* past end: must wait for the next run */
        sim_schedule_in(eng, 1, chain_fn, ch, (void *)(uintptr_t)6);
        break;
    case 20: /* before end, with nothing else at end: one event at end */
        sim_schedule_in(eng, 10, chain_fn, ch, (void *)(uintptr_t)21);
        break;
    default:
        break;
    }
}

static void test_run_until_boundaries(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct chain ch = {{0}};
    sim_schedule_at(eng, 99, chain_fn, &ch, (void *)(uintptr_t)1);
    sim_schedule_at(eng, 100, chain_fn, &ch, (void *)(uintptr_t)2);
    sim_schedule_at(eng, 101, chain_fn, &ch, (void *)(uintptr_t)3);

    CU_ASSERT_EQUAL(sim_run_until(eng, 100), 0);
    expect_events(&ch.tr, 5, (sim_time_t[]){99, 100, 100, 100, 100}, (uint64_t[]){1, 2, 7, 4, 5});
    CU_ASSERT_EQUAL(sim_now(eng), 100);
    CU_ASSERT_EQUAL(sim_event_count(eng), 5);
    CU_ASSERT_EQUAL(sim_pending(eng), 2);

    /* Same end again: nothing due, nothing changes. */
    CU_ASSERT_EQUAL(sim_run_until(eng, 100), 0);
    CU_ASSERT_EQUAL(ch.tr.n, 5);
    CU_ASSERT_EQUAL(sim_now(eng), 100);

    /* An end before now runs nothing and leaves now alone. */
    CU_ASSERT_EQUAL(sim_run_until(eng, 50), 0);
    CU_ASSERT_EQUAL(ch.tr.n, 5);
    CU_ASSERT_EQUAL(sim_now(eng), 100);

    CU_ASSERT_EQUAL(sim_run_until(eng, 101), 0);
    expect_events(&ch.tr, 7, (sim_time_t[]){99, 100, 100, 100, 100, 101, 101},
                  (uint64_t[]){1, 2, 7, 4, 5, 3, 6});
    CU_ASSERT_EQUAL(sim_now(eng), 101);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);

    /* An empty queue still advances now to end. */
    CU_ASSERT_EQUAL(sim_run_until(eng, 5000), 0);
    CU_ASSERT_EQUAL(sim_now(eng), 5000);
    CU_ASSERT_EQUAL(sim_event_count(eng), 7);

    /* Scheduling in the past after a run: clamped to now, after the
     * events already due at now, in insertion order. */
    sched(eng, 5000, &ch.tr, 10);
    sched(eng, 1, &ch.tr, 11);
    sched(eng, 4999, &ch.tr, 12);
    CU_ASSERT_EQUAL(sim_run_until(eng, 5000), 0);
    CU_ASSERT_EQUAL_FATAL(ch.tr.n, 10);
    for (size_t i = 7; i < 10; i++) {
        CU_ASSERT_EQUAL(ch.tr.v[i].t, 5000);
        CU_ASSERT_EQUAL(ch.tr.v[i].tag, 10 + (i - 7));
    }

    /* The only event at end is scheduled during the run, by an event
     * before end; an event just after end stays queued. */
    sim_schedule_at(eng, 5990, chain_fn, &ch, (void *)(uintptr_t)20);
    sim_schedule_at(eng, 6005, chain_fn, &ch, (void *)(uintptr_t)22);
    CU_ASSERT_EQUAL(sim_run_until(eng, 6000), 0);
    CU_ASSERT_EQUAL_FATAL(ch.tr.n, 12);
    CU_ASSERT_EQUAL(ch.tr.v[10].t, 5990);
    CU_ASSERT_EQUAL(ch.tr.v[11].t, 6000);
    CU_ASSERT_EQUAL(ch.tr.v[11].tag, 21);
    CU_ASSERT_EQUAL(sim_now(eng), 6000);
    CU_ASSERT_EQUAL(sim_pending(eng), 1);
    CU_ASSERT_EQUAL(sim_run_until(eng, 6005), 0);
    CU_ASSERT_EQUAL(ch.tr.n, 13);
    CU_ASSERT_EQUAL(sim_now(eng), 6005);
    drop_ns3(eng);
    trace_free(&ch.tr);
}

/* ---- stop --------------------------------------------------------------- */

struct stopper {
    struct trace tr;
    uint64_t stop_tag; /* the tag whose callback calls stop() */
};

static void stop_fn(struct sim_engine *eng, void *ctx, void *arg)
{
    struct stopper *st = ctx;
    rec_fn(eng, &st->tr, arg);
    if ((uintptr_t)arg == st->stop_tag)
        sim_stop(eng);
}

static void test_stop(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct stopper st = {.stop_tag = 5};
    for (uint64_t tag = 1; tag <= 10; tag++)
        sim_schedule_at(eng, tag * 10, stop_fn, &st, (void *)(uintptr_t)tag);

    CU_ASSERT_EQUAL(sim_run_until(eng, 1000), 0);
    CU_ASSERT_EQUAL(st.tr.n, 5);
    CU_ASSERT_EQUAL(sim_event_count(eng), 5);
    CU_ASSERT_EQUAL(sim_now(eng), 50); /* the last event run, not end */
    CU_ASSERT_EQUAL(sim_pending(eng), 5);

    /* The next run continues where the stopped one left off. */
    CU_ASSERT_EQUAL(sim_run_until(eng, 1000), 0);
    CU_ASSERT_EQUAL_FATAL(st.tr.n, 10);
    for (size_t i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(st.tr.v[i].t, (i + 1) * 10);
        CU_ASSERT_EQUAL(st.tr.v[i].tag, i + 1);
    }
    CU_ASSERT_EQUAL(sim_now(eng), 1000);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);

    /* stop() outside a run has no effect on the next run. */
    sim_stop(eng);
    sim_schedule_at(eng, 1100, stop_fn, &st, (void *)(uintptr_t)11);
    sim_schedule_at(eng, 1200, stop_fn, &st, (void *)(uintptr_t)12);
    CU_ASSERT_EQUAL(sim_run_until(eng, 2000), 0);
    CU_ASSERT_EQUAL(st.tr.n, 12);
    CU_ASSERT_EQUAL(sim_now(eng), 2000);

    /* A stop at exactly end leaves the other events at end for later. */
    st.stop_tag = 13;
    sim_schedule_at(eng, 2100, stop_fn, &st, (void *)(uintptr_t)13);
    sim_schedule_at(eng, 2100, stop_fn, &st, (void *)(uintptr_t)14);
    CU_ASSERT_EQUAL(sim_run_until(eng, 2100), 0);
    CU_ASSERT_EQUAL(st.tr.n, 13);
    CU_ASSERT_EQUAL(sim_now(eng), 2100);
    CU_ASSERT_EQUAL(sim_pending(eng), 1);
    CU_ASSERT_EQUAL(sim_run_until(eng, 2100), 0);
    CU_ASSERT_EQUAL(st.tr.n, 14);
    CU_ASSERT_EQUAL(st.tr.v[13].tag, 14);
    CU_ASSERT_EQUAL(sim_now(eng), 2100);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    CU_ASSERT_EQUAL(sim_event_count(eng), 14);
    drop_ns3(eng);
    trace_free(&st.tr);
}

/* ---- repeated run_until ------------------------------------------------- */

#define REPEAT_N 2000
#define REPEAT_SPAN 20000
#define REPEAT_STEP 37

static void test_repeated_run_until(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct sim_rng rng;
    sim_rng_init(&rng, 7, "test_ns3/repeat");
    struct trace tr = {0};
    static sim_time_t t[REPEAT_N];
    for (uint64_t tag = 0; tag < REPEAT_N; tag++) {
        t[tag] = sim_rng_below(&rng, REPEAT_SPAN);
        sched(eng, t[tag], &tr, tag);
    }
    size_t ran = 0;
    for (sim_time_t end = 0; end < REPEAT_SPAN + REPEAT_STEP; end += REPEAT_STEP) {
        CU_ASSERT_EQUAL(sim_run_until(eng, end), 0);
        CU_ASSERT_EQUAL(sim_now(eng), end);
        size_t due = 0;
        for (uint64_t tag = 0; tag < REPEAT_N; tag++)
            due += t[tag] <= end;
        CU_ASSERT_EQUAL(tr.n, due);
        CU_ASSERT_EQUAL(sim_pending(eng), REPEAT_N - due);
        for (; ran < tr.n; ran++) {
            CU_ASSERT(tr.v[ran].t <= end && tr.v[ran].t + REPEAT_STEP > end);
            CU_ASSERT_EQUAL(tr.v[ran].t, t[tr.v[ran].tag]);
            if (ran > 0)
                CU_ASSERT(tr.v[ran].t > tr.v[ran - 1].t ||
                          (tr.v[ran].t == tr.v[ran - 1].t && tr.v[ran].tag > tr.v[ran - 1].tag));
        }
    }
    CU_ASSERT_EQUAL(sim_event_count(eng), REPEAT_N);
    drop_ns3(eng);
    trace_free(&tr);
}

/* ---- misuse and limits -------------------------------------------------- */

static int nested_rc = 1;

static void nested_fn(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    nested_rc = sim_run_until(eng, sim_now(eng) + 1000);
}

static void test_misuse(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    CU_ASSERT_EQUAL(sim_schedule_at(eng, 10, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    sim_schedule_at(eng, 10, nested_fn, NULL, NULL);
    CU_ASSERT_EQUAL(sim_run_until(eng, 20), 0);
    CU_ASSERT_EQUAL(nested_rc, -EBUSY);
    CU_ASSERT_EQUAL(sim_now(eng), 20);
    drop_ns3(eng);
}

static void test_far_future(void)
{
    struct sim_engine *eng = make_ns3(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    sched(eng, SIM_TIME_MAX, &tr, 1);
    sched(eng, NS3_ENGINE_TIME_MAX + 5, &tr, 2);
    sched(eng, NS3_ENGINE_TIME_MAX, &tr, 3);
    sched(eng, 1000, &tr, 4);
    sim_schedule_in(eng, SIM_TIME_MAX, rec_fn, &tr, (void *)(uintptr_t)5); /* saturates */
    CU_ASSERT_EQUAL(sim_pending(eng), 5);

    CU_ASSERT_EQUAL(sim_run_until(eng, NS3_ENGINE_TIME_MAX - 1), 0);
    expect_events(&tr, 1, (sim_time_t[]){1000}, (uint64_t[]){4});
    CU_ASSERT_EQUAL(sim_now(eng), NS3_ENGINE_TIME_MAX - 1);

    /* Past ns-3's range: insertion order, at NS3_ENGINE_TIME_MAX. */
    CU_ASSERT_EQUAL(sim_run_until(eng, SIM_TIME_MAX), 0);
    const sim_time_t m = NS3_ENGINE_TIME_MAX;
    expect_events(&tr, 5, (sim_time_t[]){1000, m, m, m, m}, (uint64_t[]){4, 1, 2, 3, 5});
    CU_ASSERT_EQUAL(sim_now(eng), SIM_TIME_MAX);

    /* now never goes back: later events run at now. */
    sim_schedule_in(eng, 5, rec_fn, &tr, (void *)(uintptr_t)6);
    CU_ASSERT_EQUAL(sim_run_until(eng, SIM_TIME_MAX), 0);
    CU_ASSERT_EQUAL_FATAL(tr.n, 6);
    CU_ASSERT_EQUAL(tr.v[5].t, SIM_TIME_MAX);
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
    drop_ns3(eng);
    trace_free(&tr);
}

/* ---- the same workload on the native engine and on ns-3 ----------------- */

/* A hold-model-like workload: every event records itself and schedules a
 * follow-up after an exponential delay quantized to 100 ps (so many events
 * share a time, and many land exactly on run boundaries); some schedule
 * equal-time bursts, zero delays or past times, and some cancel recent
 * events (pending, run or already cancelled alike) and record the result.
 * All draws come from one seeded stream inside the callbacks, so two
 * engines see the same draws only if they run events in the same order. */
struct workload {
    struct sim_engine *eng;
    struct sim_rng rng;
    struct trace tr;
    sim_event_id *ids; /* handle by tag */
    uint64_t ntags, cap;
    uint64_t limit;    /* no follow-ups after this many tags */
    int stopped;       /* stop() was called (once, past limit / 3 tags) */
};

#define WL_QUANTUM 100       /* ps: event times are multiples of it */
#define WL_MEAN_DELAY 5000.0 /* ps */
#define WL_INITIAL 500
#define WL_STEP 20000        /* ps between run_until ends, a multiple of WL_QUANTUM */
#define WL_RECENT 64         /* cancels pick among the last WL_RECENT tags */

static void wl_event(struct sim_engine *eng, void *ctx, void *arg);

static void wl_schedule(struct workload *w, sim_time_t at)
{
    if (w->ntags == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->ids = realloc(w->ids, w->cap * sizeof *w->ids);
        CU_ASSERT_FATAL(w->ids != NULL);
    }
    uint64_t tag = w->ntags++;
    w->ids[tag] = sim_schedule_at(w->eng, at, wl_event, w, (void *)(uintptr_t)tag);
    CU_ASSERT(w->ids[tag] != 0);
}

static sim_time_t wl_delay(struct workload *w)
{
    return (sim_time_t)sim_rng_exp(&w->rng, WL_MEAN_DELAY) / WL_QUANTUM * WL_QUANTUM;
}

static void wl_cancel_recent(struct workload *w)
{
    uint64_t window = w->ntags < WL_RECENT ? w->ntags : WL_RECENT;
    uint64_t tag = w->ntags - 1 - sim_rng_below(&w->rng, window);
    int rc = sim_cancel(w->eng, w->ids[tag]);
    trace_add(&w->tr, (struct tr_entry){.t = sim_now(w->eng), .kind = TR_CANCEL, .tag = tag,
                                        .val = rc, .pending = sim_pending(w->eng)});
}

static void wl_event(struct sim_engine *eng, void *ctx, void *arg)
{
    struct workload *w = ctx;
    uint64_t tag = (uintptr_t)arg;
    sim_time_t now = sim_now(eng);
    trace_add(&w->tr, (struct tr_entry){.t = now, .kind = TR_EVENT, .tag = tag,
                                        .executed = sim_event_count(eng)});
    if (w->ntags >= w->limit)
        return; /* drain */
    wl_schedule(w, now + wl_delay(w));
    switch (sim_rng_below(&w->rng, 16)) {
    case 0: { /* a burst at one time */
        sim_time_t at = now + wl_delay(w);
        for (uint64_t k = 2 + sim_rng_below(&w->rng, 4); k > 0; k--)
            wl_schedule(w, at);
        break;
    }
    case 1: /* zero delay: runs after everything due now */
        wl_schedule(w, now);
        break;
    case 2: /* the past, clamped to now */
        wl_schedule(w, now > 3 * WL_QUANTUM ? now - 3 * WL_QUANTUM : 0);
        break;
    case 3:
    case 4:
    case 5:
        wl_cancel_recent(w);
        break;
    case 6: /* schedule, then cancel twice */
        wl_schedule(w, now + wl_delay(w));
        wl_cancel_recent(w);
        wl_cancel_recent(w);
        break;
    default:
        break;
    }
    if (!w->stopped && w->ntags >= w->limit / 3) {
        w->stopped = 1;
        sim_stop(eng);
    }
}

/* Runs the workload on eng in WL_STEP slices until it drains; fills w->tr. */
static void wl_run(struct workload *w, struct sim_engine *eng, uint64_t seed, uint64_t limit)
{
    memset(w, 0, sizeof *w);
    w->eng = eng;
    w->limit = limit;
    sim_rng_init(&w->rng, seed, "test_ns3/workload");
    for (int i = 0; i < WL_INITIAL; i++)
        wl_schedule(w, wl_delay(w) * 4);
    CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
    sim_time_t end = 0;
    for (unsigned slices = 0; sim_pending(eng) > 0 && slices < 1000000; slices++) {
        end += WL_STEP;
        int rc = sim_run_until(eng, end);
        trace_add(&w->tr, (struct tr_entry){.t = sim_now(eng), .kind = TR_RUN, .val = rc,
                                            .executed = sim_event_count(eng),
                                            .pending = sim_pending(eng)});
        CU_ASSERT_EQUAL(sim_engine_check(eng), 0);
        if (sim_now(eng) != end) /* stopped: run the rest of this slice */
            end -= WL_STEP;
    }
    CU_ASSERT_EQUAL(sim_pending(eng), 0);
}

static int same_trace(const struct trace *a, const struct trace *b, const char *what)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const struct tr_entry *x = &a->v[i], *y = &b->v[i];
        if (x->t != y->t || x->kind != y->kind || x->tag != y->tag || x->val != y->val ||
            x->executed != y->executed || x->pending != y->pending) {
            fprintf(stderr,
                    "%s: entry %zu differs: native (t=%llu kind=%d tag=%llu val=%lld exec=%llu "
                    "pend=%llu) vs ns-3 (t=%llu kind=%d tag=%llu val=%lld exec=%llu pend=%llu)\n",
                    what, i, (unsigned long long)x->t, x->kind, (unsigned long long)x->tag,
                    (long long)x->val, (unsigned long long)x->executed,
                    (unsigned long long)x->pending, (unsigned long long)y->t, y->kind,
                    (unsigned long long)y->tag, (long long)y->val,
                    (unsigned long long)y->executed, (unsigned long long)y->pending);
            return 0;
        }
    }
    if (a->n != b->n) {
        fprintf(stderr, "%s: native trace has %zu entries, ns-3 has %zu\n", what, a->n, b->n);
        return 0;
    }
    return 1;
}

/* Counts entries of a kind (and, for cancels, of a result) so the test can
 * show the workload exercised what it claims to. */
static size_t count_kind(const struct trace *tr, int kind, int64_t val)
{
    size_t n = 0;
    for (size_t i = 0; i < tr->n; i++)
        n += tr->v[i].kind == kind && (kind != TR_CANCEL || tr->v[i].val == val);
    return n;
}

static void compare_on(const char *scheduler, uint64_t seed, uint64_t limit)
{
    struct workload nat, ns3;
    struct sim_engine *eng = sim_engine_create(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    wl_run(&nat, eng, seed, limit);
    sim_engine_destroy(eng);

    eng = make_ns3(scheduler);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    wl_run(&ns3, eng, seed, limit);
    drop_ns3(eng);

    char what[96];
    snprintf(what, sizeof what, "native vs ns-3 %s, seed %llu", scheduler,
             (unsigned long long)seed);
    CU_ASSERT(same_trace(&nat.tr, &ns3.tr, what));
    /* The workload did exercise ties, cancels of every outcome and stop. */
    CU_ASSERT(count_kind(&nat.tr, TR_EVENT, 0) >= limit / 2);
    CU_ASSERT(count_kind(&nat.tr, TR_CANCEL, 0) > 100);
    CU_ASSERT(count_kind(&nat.tr, TR_CANCEL, -ENOENT) > 100);
    size_t ties = 0, at_end = 0, stopped_runs = 0;
    for (size_t i = 1; i < nat.tr.n; i++) {
        const struct tr_entry *p = &nat.tr.v[i - 1], *c = &nat.tr.v[i];
        ties += p->kind == TR_EVENT && c->kind == TR_EVENT && p->t == c->t;
        at_end += c->kind == TR_EVENT && c->t % WL_STEP == 0;
        stopped_runs += c->kind == TR_RUN && c->t % WL_STEP != 0;
    }
    CU_ASSERT(ties > 100);
    CU_ASSERT(at_end > 100);
    CU_ASSERT_EQUAL(stopped_runs, 1);
    trace_free(&nat.tr);
    trace_free(&ns3.tr);
    free(nat.ids);
    free(ns3.ids);
}

static void test_same_sequence_as_native(void)
{
    compare_on("priority-queue", 1, 200000);
    compare_on("priority-queue", 20240501, 200000);
}

static void test_same_sequence_every_scheduler(void)
{
    for (const char *const *name = ns3_engine_schedulers; *name; name++)
        compare_on(*name, 99, 30000);
}

int suite_ns3(void)
{
    CU_pSuite s = test_suite("ns3");
    if (!s)
        return -1;
    if (!CU_add_test(s, "create/destroy/create, one at a time", test_create_destroy_create) ||
        !CU_add_test(s, "equal-time events run in insertion order", test_equal_time_order) ||
        !CU_add_test(s, "cancel: pending, ran, cancelled, stale", test_cancel) ||
        !CU_add_test(s, "run_until runs events at end, now == end", test_run_until_boundaries) ||
        !CU_add_test(s, "stop mid-run, then continue", test_stop) ||
        !CU_add_test(s, "repeated run_until continues", test_repeated_run_until) ||
        !CU_add_test(s, "NULL callback, nested run_until", test_misuse) ||
        !CU_add_test(s, "times past ns-3's range", test_far_future) ||
        !CU_add_test(s, "same event sequence as native", test_same_sequence_as_native) ||
        !CU_add_test(s, "same event sequence, every ns-3 scheduler",
                     test_same_sequence_every_scheduler))
        return -1;
    return 0;
}

#else /* !SETSIM_HAVE_NS3 */

static void test_ns3_missing(void)
{
    fprintf(stderr, "ns3: setsim was built without ns-3 (libns3-dev, ns-3.37, not found at "
                    "configure time, or SETSIM_WITH_NS3=OFF); scripts/setup-deps installs it\n");
    CU_FAIL("built without the ns-3 engine: install libns3-dev (scripts/setup-deps) and "
            "reconfigure");
}

int suite_ns3(void)
{
    CU_pSuite s = test_suite("ns3");
    if (!s || !CU_add_test(s, "ns-3 engine is built", test_ns3_missing))
        return -1;
    return 0;
}

#endif
