/* sim_engine: the discrete-event scheduler interface, and the native engine.
 *
 * Models see only this interface: schedule an event at an absolute time (or
 * after a delay), cancel it by handle, read the current time, run until a
 * time, stop, and count executed events.  Two implementations exist: the
 * native engine below (a 4-ary min-heap of 16-byte keys over a slab of event
 * records, no malloc in the steady state) and ns-3's Simulator through the
 * C++ shim in ns3/ns3_engine.h.  Both order events by (time, insertion
 * sequence), so the same model code produces the same event sequence on
 * either engine.
 *
 * Semantics shared by every implementation:
 *  - schedule_at(t) with t < now is clamped to now (runs after the events
 *    already due at now, in insertion order);
 *  - run_until(end) executes every event with time <= end in (time, seq)
 *    order, then leaves now == end, unless stop() was called first, in
 *    which case now is the time of the last event executed;
 *  - cancel(id) of an event that already ran or was cancelled returns
 *    -ENOENT and changes nothing; handles are never reused (generation
 *    counters), 0 is never a valid handle;
 *  - event_count() counts executed events (cancelled ones are not counted);
 *  - a stop flag (sim_set_stop_flag, e.g. set by a SIGINT handler): once
 *    *flag is non-zero, run_until returns -EINTR between two events, with
 *    now the time of the last event executed and the rest still queued.
 *    The native engine reads the flag every 4096 events executed (a test
 *    of the event counter per event); the ns-3 engine does not read it
 *    (world_run also checks it between its progress slices).
 */
#ifndef SETSIM_SIM_ENGINE_H
#define SETSIM_SIM_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct sim_engine;

/* Handle of a scheduled event; 0 means "no event". */
typedef uint64_t sim_event_id;

/* An event callback: runs at its time with the engine, the context pointer
 * given at schedule time (usually the model object) and one argument. */
typedef void (*sim_event_fn)(struct sim_engine *eng, void *ctx, void *arg);

struct sim_engine_ops {
    const char *name; /* "native", "ns3" */
    sim_event_id (*schedule_at)(struct sim_engine *eng, sim_time_t at,
                                sim_event_fn fn, void *ctx, void *arg);
    int (*cancel)(struct sim_engine *eng, sim_event_id id);
    int (*run_until)(struct sim_engine *eng, sim_time_t end);
    void (*stop)(struct sim_engine *eng);
    size_t (*pending)(const struct sim_engine *eng);
    void (*destroy)(struct sim_engine *eng);
};

/* The interface base every engine embeds first.  `now` and `executed` are
 * kept current by the implementation so the accessors below need no
 * indirect call. */
struct sim_engine {
    const struct sim_engine_ops *ops;
    sim_time_t now;    /* time of the event running, or of the last one */
    uint64_t executed; /* events executed so far */
    const volatile sig_atomic_t *stop_flag; /* see above; NULL: none */
};

struct sim_engine_settings {
    size_t initial_events; /* slab/heap capacity reserved up front (0: 1024) */
};

/* The native engine.  Returns NULL on allocation failure. */
struct sim_engine *sim_engine_create(const struct sim_engine_settings *s);

/* Destroys any engine (NULL-safe). */
void sim_engine_destroy(struct sim_engine *eng);

static inline sim_time_t sim_now(const struct sim_engine *eng) { return eng->now; }
static inline uint64_t sim_event_count(const struct sim_engine *eng) { return eng->executed; }

static inline sim_event_id sim_schedule_at(struct sim_engine *eng, sim_time_t at,
                                           sim_event_fn fn, void *ctx, void *arg)
{
    return eng->ops->schedule_at(eng, at, fn, ctx, arg);
}

static inline sim_event_id sim_schedule_in(struct sim_engine *eng, sim_time_t delay,
                                           sim_event_fn fn, void *ctx, void *arg)
{
    sim_time_t at = eng->now + delay;
    if (at < eng->now) /* saturate instead of wrapping past 213 days */
        at = SIM_TIME_MAX;
    return eng->ops->schedule_at(eng, at, fn, ctx, arg);
}

static inline int sim_cancel(struct sim_engine *eng, sim_event_id id)
{
    return eng->ops->cancel(eng, id);
}

static inline int sim_run_until(struct sim_engine *eng, sim_time_t end)
{
    return eng->ops->run_until(eng, end);
}

static inline void sim_stop(struct sim_engine *eng) { eng->ops->stop(eng); }

/* Makes run_until return -EINTR once *flag != 0 (NULL: never). */
static inline void sim_set_stop_flag(struct sim_engine *eng, const volatile sig_atomic_t *flag)
{
    eng->stop_flag = flag;
}

static inline size_t sim_pending(const struct sim_engine *eng) { return eng->ops->pending(eng); }

/* Test hook: the native engine's queue geometry and counters, so tests can
 * assert that the calendar wheel is used as designed (cursor never ahead
 * of run_until's end, events in wheel slots rather than the sorted
 * current-bucket list, periodic re-estimates).  Returns 0, or -ENOTSUP for
 * non-native engines. */
struct sim_engine_stats {
    sim_time_t cursor;       /* start of the current bucket (cur_b << shift) */
    sim_time_t bucket_width; /* ps per bucket */
    size_t wheel_size;       /* buckets in the wheel */
    size_t in_current;       /* keys left in the sorted current-bucket list */
    size_t in_wheel;         /* keys in wheel slots */
    size_t in_overflow;      /* keys in the overflow heap */
    uint64_t adapts;         /* geometry re-estimates run (adapt__) */
    uint64_t rebuilds;       /* rebuilds (geometry change, compaction, renumbering) */
    uint64_t reanchors;      /* buckets loaded past run_until's end, put back */
};
int sim_engine_stats(const struct sim_engine *eng, struct sim_engine_stats *out);

/* Test hook: verifies the native heap invariant and the slab's bookkeeping;
 * returns 0 when consistent, -EINVAL otherwise (and for non-native engines
 * returns 0). */
int sim_engine_check(const struct sim_engine *eng);

#endif
