/* sim_engine: the native discrete-event engine (interface in sim_engine.h).
 *
 * The queue is a calendar wheel with an overflow heap, chosen by measurement
 * over a 4-ary heap (docs/benchmarks.md: the heap spent ~300 instructions
 * per event on its tournament of children; the wheel ~60).
 *
 * Structure
 *   - recs[]: slab of 48-byte event records (key, callback, context,
 *     argument, generation, list link); the state is encoded in the callback
 *     pointer (NULL: free; cancelled_fn__: cancelled).  A handle is (generation << 32 |
 *     index); running or cancelling an event bumps its generation, so stale
 *     handles are detected, never reused.
 *   - Keys are 128-bit integers: time in the high 64 bits, then
 *     seq << IDX_BITS | index.  One integer comparison orders by
 *     (time, insertion sequence): equal-time events run in the order they
 *     were scheduled.
 *   - Time is cut into buckets of 2^shift ps; bucket b(t) = t >> shift.
 *     The current bucket cur_b has its keys in cur[], sorted, consumed from
 *     cur_pos.  The next NB-1 buckets are wheel slots: unsorted singly linked
 *     lists threaded through the records.  Keys further out wait in a 4-ary
 *     min-heap (overflow) and move into the wheel when it reaches them.
 *     Invariants (checked by sim_engine_check):
 *        keys in cur[cur_pos..cur_n)  sorted, b <= cur_b
 *        keys in slot s               cur_b < b < cur_b + NB, s = b % NB
 *        keys in overflow             b >= cur_b + NB, heap-ordered
 *   - cancel marks the record; its key stays as a tombstone and is dropped
 *     when reached.  When tombstones outnumber live events everything is
 *     rebuilt, so cancel-heavy models cannot bloat the queue.
 *   - When run_until(end) returns, cur_b <= b(now): it never jumps the
 *     cursor past end's bucket, and a bucket loaded past it (all its keys
 *     later than end) goes back to the wheel (reanchor__).  New events
 *     then land in wheel slots, not in the sorted cur list.
 *   - Every ADAPT_PERIOD keys consumed (checked between buckets) the bucket width (from the mean gap between
 *     executed events) and the wheel size (from the pending count) are
 *     re-estimated; the wheel is rebuilt when either is off by 4x.  The
 *     rebuild also renumbers sequences, so seq never overflows.
 *
 * Arrays grow by doubling while the pending count rises above its previous
 * maximum or a rebuild needs more room; in a steady state schedule, cancel
 * and run do not allocate.
 *
 * Record states: FREE -(schedule_at)-> SCHEDULED -(popped, run)-> FREE
 *                SCHEDULED -(cancel)-> CANCELLED -(popped/rebuilt)-> FREE
 */
#include "sim_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IDX_BITS 28u                               /* up to 268M pending events */
#define IDX_MASK ((1u << IDX_BITS) - 1u)
#define SEQ_LIMIT (UINT64_C(1) << (64 - IDX_BITS)) /* 68.7e9 schedules per epoch */
#define REC_NONE UINT32_MAX
#define ARITY 4
#define MIN_NB 256u            /* smallest wheel */
#define INITIAL_SHIFT 10u      /* 1.024 ns buckets until the first estimate */
#define ADAPT_PERIOD 4096u     /* events between re-estimates of the geometry */
#define COMPACT_MIN 64u        /* tombstones tolerated regardless of size */
#define SMALL_SORT 24u         /* insertion sort below this, qsort above */
#define STOP_CHECK_EVENTS 4096u /* events between two reads of the stop flag (a power of 2) */

typedef unsigned __int128 heap_key; /* time << 64 | seq << IDX_BITS | index */

enum rec_state { REC_FREE = 0, REC_SCHEDULED, REC_CANCELLED };

struct ev_rec {
    heap_key key;    /* valid while scheduled or cancelled */
    sim_event_fn fn; /* callback */
    void *ctx;       /* not owned */
    void *arg;       /* not owned */
    uint32_t gen;    /* generation, part of the handle; never 0 */
    uint32_t next;   /* next record in a slot list or the free list */
};

/* Marks a cancelled record; never called. */
static void cancelled_fn__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)ctx;
    (void)arg;
}

static inline enum rec_state rec_state(const struct ev_rec *r)
{
    return !r->fn ? REC_FREE : r->fn == cancelled_fn__ ? REC_CANCELLED : REC_SCHEDULED;
}

struct key_vec {
    heap_key *v;
    size_t n, cap;
};

struct native_engine {
    struct sim_engine base; /* must be first */
    struct ev_rec *recs;
    size_t recs_cap;
    uint32_t free_head; /* first free record or REC_NONE */
    uint64_t next_seq;
    size_t tombstones;  /* cancelled keys still queued */
    int stopped;

    unsigned shift;     /* bucket width is 2^shift ps */
    uint64_t cur_b;     /* current bucket number */
    struct key_vec cur; /* keys of the current bucket, sorted */
    size_t cur_pos;     /* next key of cur to run */
    uint32_t *slots;    /* NB list heads (record index or REC_NONE) */
    size_t nb;          /* wheel size, a power of two */
    size_t wheel_n;     /* keys in slot lists */
    struct key_vec ov;  /* overflow heap */
    struct key_vec tmp; /* scratch for rebuilds */

    uint64_t adapt_count;  /* keys consumed since the last estimate */
    sim_time_t adapt_t0;   /* time of the first of them */

    uint64_t adapts;    /* statistics for sim_engine_stats (tests) */
    uint64_t rebuilds;
    uint64_t reanchors;
};

static inline sim_time_t key_time(heap_key k) { return (sim_time_t)(k >> 64); }
static inline uint32_t key_idx(heap_key k) { return (uint32_t)k & IDX_MASK; }
static inline uint64_t key_seq(heap_key k) { return (uint64_t)k >> IDX_BITS; }
static inline heap_key make_key(sim_time_t t, uint64_t seq, uint32_t idx)
{
    return ((heap_key)t << 64) | (seq << IDX_BITS) | idx;
}
static inline uint64_t bucket_of(const struct native_engine *e, heap_key k)
{
    return key_time(k) >> e->shift;
}

static int vec_reserve__(struct key_vec *kv, size_t want)
{
    if (want <= kv->cap)
        return 0;
    size_t ncap = kv->cap ? kv->cap : 64;
    while (ncap < want)
        ncap *= 2;
    heap_key *v = realloc(kv->v, ncap * sizeof *v);
    if (!v)
        return -ENOMEM;
    kv->v = v;
    kv->cap = ncap;
    return 0;
}

/* ---- overflow heap ---------------------------------------------------- */

static void sift_up__(heap_key *h, size_t pos, heap_key k)
{
    while (pos > 0) {
        size_t parent = (pos - 1) / ARITY;
        if (k >= h[parent])
            break;
        h[pos] = h[parent];
        pos = parent;
    }
    h[pos] = k;
}

static void sift_down__(heap_key *h, size_t n, size_t pos, heap_key k)
{
    for (;;) {
        size_t c = pos * ARITY + 1;
        if (c >= n)
            break;
        size_t best = c;
        size_t end = c + ARITY < n ? c + ARITY : n;
        for (size_t j = c + 1; j < end; j++)
            if (h[j] < h[best])
                best = j;
        if (h[best] >= k)
            break;
        h[pos] = h[best];
        pos = best;
    }
    h[pos] = k;
}

static heap_key ov_pop__(struct native_engine *e)
{
    heap_key top = e->ov.v[0];
    heap_key last = e->ov.v[--e->ov.n];
    if (e->ov.n > 0)
        sift_down__(e->ov.v, e->ov.n, 0, last);
    return top;
}

/* ---- records ---------------------------------------------------------- */

static int grow_recs__(struct native_engine *e)
{
    size_t ncap = e->recs_cap ? e->recs_cap * 2 : 1024;
    if (ncap > (size_t)IDX_MASK + 1)
        ncap = (size_t)IDX_MASK + 1;
    if (ncap <= e->recs_cap)
        return -ENOSPC;
    struct ev_rec *r = realloc(e->recs, ncap * sizeof *r);
    if (!r)
        return -ENOMEM;
    for (size_t i = e->recs_cap; i < ncap; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].gen = 1;
        r[i].next = i + 1 < ncap ? (uint32_t)(i + 1) : e->free_head;
    }
    e->free_head = (uint32_t)e->recs_cap;
    e->recs = r;
    e->recs_cap = ncap;
    return 0;
}

static void free_rec__(struct native_engine *e, uint32_t idx)
{
    struct ev_rec *r = &e->recs[idx];
    r->fn = NULL;
    r->next = e->free_head;
    e->free_head = idx;
}

/* Handles die when the event runs or is cancelled. */
static inline void retire_handle__(struct ev_rec *r)
{
    if (++r->gen == 0) /* generation 0 would make handle 0 valid */
        r->gen = 1;
}

/* ---- the wheel -------------------------------------------------------- */

/* Inserts k into cur[cur_pos..) keeping it sorted; new keys are usually
 * the largest, so search from the end. */
static int cur_insert__(struct native_engine *e, heap_key k)
{
    struct key_vec *c = &e->cur;
    if (c->n == c->cap) {
        /* Reclaim the consumed prefix before growing. */
        if (e->cur_pos > 0) {
            memmove(c->v, c->v + e->cur_pos, (c->n - e->cur_pos) * sizeof *c->v);
            c->n -= e->cur_pos;
            e->cur_pos = 0;
        } else if (vec_reserve__(c, c->n + 1) != 0) {
            return -ENOMEM;
        }
    }
    size_t i = c->n;
    while (i > e->cur_pos && c->v[i - 1] > k) {
        c->v[i] = c->v[i - 1];
        i--;
    }
    c->v[i] = k;
    c->n++;
    return 0;
}

/* Places a key in the current bucket, a wheel slot or the overflow heap;
 * the key's record must not be on the free list's head path (its `next`
 * link is taken for slot lists).  Returns 0 or -ENOMEM. */
static int place__(struct native_engine *e, heap_key k)
{
    uint64_t b = bucket_of(e, k);
    if (b <= e->cur_b)
        return cur_insert__(e, k);
    if (b - e->cur_b < e->nb) {
        uint32_t idx = key_idx(k);
        uint32_t *head = &e->slots[b & (e->nb - 1)];
        e->recs[idx].next = *head;
        *head = idx;
        e->wheel_n++;
        return 0;
    }
    if (e->ov.n == e->ov.cap && vec_reserve__(&e->ov, e->ov.n + 1) != 0)
        return -ENOMEM;
    sift_up__(e->ov.v, e->ov.n++, k);
    return 0;
}

/* Moves overflow keys that the wheel now covers into it. */
static void __attribute__((noinline)) migrate_slow__(struct native_engine *e)
{
    while (e->ov.n > 0 && bucket_of(e, e->ov.v[0]) - e->cur_b < e->nb)
        place__(e, ov_pop__(e));
}

static inline void migrate__(struct native_engine *e)
{
    if (e->ov.n > 0 && bucket_of(e, e->ov.v[0]) - e->cur_b < e->nb)
        migrate_slow__(e);
}

static void sort_keys__(heap_key *v, size_t n);

/* Loads the next non-empty bucket into cur.  Returns 0 if the queue is
 * empty or holds nothing up to end (run_until's end).
 *
 * With the wheel empty, the cursor jumps to the overflow's first bucket,
 * but never past end's: models schedule more events once run_until has
 * returned (now == end), and every key in a bucket at or before the cursor
 * goes into the sorted cur list.  A cursor parked on a far timer (1 s
 * ahead) turned cur into a sorted list of every pending event: no bucket
 * was loaded again and adapt__ (run between buckets) never ran. */
static int refill__(struct native_engine *e, sim_time_t end)
{
    e->cur.n = 0;
    e->cur_pos = 0;
    for (;;) {
        if (e->wheel_n == 0) {
            if (e->ov.n == 0)
                return 0;
            /* Nothing in the wheel: jump straight to the overflow's first
             * bucket, or stop at end's if that comes first. */
            uint64_t b = bucket_of(e, e->ov.v[0]), end_b = end >> e->shift;
            if (b > end_b) {
                if (end_b > e->cur_b) {
                    e->cur_b = end_b;
                    migrate__(e);
                }
                return 0;
            }
            e->cur_b = b;
            migrate__(e);
            if (e->cur.n > 0)
                return 1;
            continue;
        }
        e->cur_b++;
        migrate__(e);
        uint32_t *head = &e->slots[e->cur_b & (e->nb - 1)];
        if (*head != REC_NONE) {
            size_t base = e->cur.n;
            for (uint32_t i = *head; i != REC_NONE; i = e->recs[i].next) {
                /* Capacity only grows while the largest bucket grows. */
                if (e->cur.n == e->cur.cap && vec_reserve__(&e->cur, e->cur.n + 1) != 0)
                    return -ENOMEM;
                e->cur.v[e->cur.n++] = e->recs[i].key;
            }
            *head = REC_NONE;
            size_t m = e->cur.n - base;
            e->wheel_n -= m;
            if (m == 2) { /* the common multi-key case: one compare */
                heap_key *v = e->cur.v + base;
                if (v[1] < v[0]) {
                    heap_key t = v[0];
                    v[0] = v[1];
                    v[1] = t;
                }
            } else if (m > 2) {
                /* Slot lists are LIFO, so keys come out newest first:
                 * reversed, equal-time keys (and keys scheduled in time
                 * order) are already in order, the insertion sort's best
                 * case instead of its worst. */
                for (heap_key *lo = e->cur.v + base, *hi = e->cur.v + e->cur.n - 1; lo < hi;
                     lo++, hi--) {
                    heap_key t = *lo;
                    *lo = *hi;
                    *hi = t;
                }
                sort_keys__(e->cur.v + base, m);
            }
            if (base > 0) /* migrated keys of the same bucket came first */
                sort_keys__(e->cur.v, e->cur.n);
        }
        if (e->cur.n > 0)
            return 1;
    }
}

/* run_until stopped before the bucket it loaded (cur_b > a, every key in
 * cur later than end): moves the cursor back to bucket a = b(now) so that
 * the events models schedule next go to wheel slots.  Slots the walk
 * passed (buckets a .. cur_b-1) hold keys one wheel turn ahead, which are
 * at or beyond a + nb: they go to the overflow heap; cur's keys go back to
 * their slot (or the overflow).  Costs O(cur_b - a + keys moved), once per
 * run_until.  Returns 0 or -ENOMEM. */
static int __attribute__((noinline)) reanchor__(struct native_engine *e, uint64_t a)
{
    uint64_t passed = e->cur_b - a < e->nb ? e->cur_b - a : e->nb;
    for (uint64_t b = a; b < a + passed; b++) {
        uint32_t *head = &e->slots[b & (e->nb - 1)];
        while (*head != REC_NONE) {
            uint32_t idx = *head;
            if (e->ov.n == e->ov.cap && vec_reserve__(&e->ov, e->ov.n + 1) != 0)
                return -ENOMEM;
            *head = e->recs[idx].next;
            e->wheel_n--;
            sift_up__(e->ov.v, e->ov.n++, e->recs[idx].key);
        }
    }
    size_t pos = e->cur_pos, n = e->cur.n;
    e->cur_b = a;
    e->cur.n = e->cur_pos = 0;
    /* Every key left in cur is in a bucket > a: none goes back to cur. */
    for (size_t i = pos; i < n; i++)
        if (place__(e, e->cur.v[i]) != 0)
            return -ENOMEM;
    e->reanchors++;
    return 0;
}

static int cmp_keys__(const void *a, const void *b)
{
    heap_key x = *(const heap_key *)a, y = *(const heap_key *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static void sort_keys__(heap_key *v, size_t n)
{
    if (n > SMALL_SORT) {
        qsort(v, n, sizeof *v, cmp_keys__);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        heap_key k = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > k) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = k;
    }
}

static int set_wheel_size__(struct native_engine *e, size_t nb)
{
    uint32_t *s = realloc(e->slots, nb * sizeof *s);
    if (!s)
        return -ENOMEM;
    e->slots = s;
    e->nb = nb;
    for (size_t i = 0; i < nb; i++)
        s[i] = REC_NONE;
    return 0;
}

/* Collects every live key (dropping tombstones), renumbers sequences in
 * (time, seq) order, and re-places them with the given geometry. */
static int rebuild__(struct native_engine *e, unsigned shift, size_t nb)
{
    size_t total = (e->cur.n - e->cur_pos) + e->wheel_n + e->ov.n;
    if (vec_reserve__(&e->tmp, total) != 0)
        return -ENOMEM;
    e->rebuilds++;
    size_t n = 0;
    for (size_t i = e->cur_pos; i < e->cur.n; i++)
        e->tmp.v[n++] = e->cur.v[i];
    for (size_t s = 0; s < e->nb; s++)
        for (uint32_t i = e->slots[s]; i != REC_NONE; i = e->recs[i].next)
            e->tmp.v[n++] = e->recs[i].key;
    for (size_t i = 0; i < e->ov.n; i++)
        e->tmp.v[n++] = e->ov.v[i];
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t idx = key_idx(e->tmp.v[i]);
        if (rec_state(&e->recs[idx]) == REC_CANCELLED)
            free_rec__(e, idx);
        else
            e->tmp.v[live++] = e->tmp.v[i];
    }
    qsort(e->tmp.v, live, sizeof *e->tmp.v, cmp_keys__);
    if (nb != e->nb) {
        if (set_wheel_size__(e, nb) != 0)
            return -ENOMEM;
    } else {
        for (size_t s = 0; s < e->nb; s++)
            e->slots[s] = REC_NONE;
    }
    if (vec_reserve__(&e->cur, live) != 0 || vec_reserve__(&e->ov, live) != 0)
        return -ENOMEM;
    e->shift = shift;
    e->cur.n = e->cur_pos = 0;
    e->wheel_n = 0;
    e->ov.n = 0;
    e->tombstones = 0;
    e->cur_b = e->base.now >> shift;
    for (size_t i = 0; i < live; i++) {
        uint32_t idx = key_idx(e->tmp.v[i]);
        heap_key k = make_key(key_time(e->tmp.v[i]), i, idx);
        e->recs[idx].key = k;
        place__(e, k); /* sorted input: cur inserts append */
    }
    e->next_seq = live;
    return 0;
}

static size_t pow2_at_least__(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* Re-estimates bucket width and wheel size after ADAPT_PERIOD events. */
static void adapt__(struct native_engine *e)
{
    sim_time_t span = e->base.now - e->adapt_t0;
    uint64_t gap = span / e->adapt_count; /* mean time between events */
    /* At most about one event per bucket: width = largest power of two <=
     * gap (measured: skipping an empty slot costs less than sorting). */
    unsigned shift = 0;
    while (shift < 62 && ((uint64_t)2 << shift) <= gap)
        shift++;
    size_t pending = e->base.ops->pending(&e->base);
    size_t nb = pow2_at_least__(pending * 4 > MIN_NB ? pending * 4 : MIN_NB);
    int shift_off = shift > e->shift + 1 || shift + 1 < e->shift;
    int nb_off = nb >= e->nb * 4 || nb * 4 <= e->nb;
    if (shift_off || nb_off)
        rebuild__(e, shift_off ? shift : e->shift, nb_off ? nb : e->nb);
    e->adapts++;
    e->adapt_count = 0;
    e->adapt_t0 = e->base.now;
}

/* ---- the interface ---------------------------------------------------- */

/* Everything but the common case: growing the slab, renumbering, keys for
 * the current bucket or the overflow heap, a NULL callback. */
static sim_event_id __attribute__((noinline))
schedule_slow__(struct native_engine *e, sim_time_t at, sim_event_fn fn, void *ctx, void *arg)
{
    if (!fn)
        return 0;
    if (e->free_head == REC_NONE && grow_recs__(e) != 0)
        return 0;
    if (e->next_seq == SEQ_LIMIT && rebuild__(e, e->shift, e->nb) != 0)
        return 0;
    uint32_t idx = e->free_head;
    struct ev_rec *r = &e->recs[idx];
    uint32_t next_free = r->next;
    heap_key k = make_key(at, e->next_seq, idx);
    r->key = k;
    if (place__(e, k) != 0)
        return 0;
    e->free_head = next_free;
    e->next_seq++;
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    return ((uint64_t)r->gen << 32) | idx;
}

static sim_event_id native_schedule_at(struct sim_engine *eng, sim_time_t at, sim_event_fn fn,
                                       void *ctx, void *arg)
{
    struct native_engine *e = (struct native_engine *)eng;
    if (at < eng->now)
        at = eng->now;
    uint32_t idx = e->free_head;
    /* d - 1 < nb - 1  <=>  cur_b < b < cur_b + nb: the key goes to a slot. */
    uint64_t d = (at >> e->shift) - e->cur_b;
    if (__builtin_expect(idx == REC_NONE || d - 1 >= e->nb - 1 || !fn ||
                             e->next_seq == SEQ_LIMIT, 0))
        return schedule_slow__(e, at, fn, ctx, arg);
    struct ev_rec *r = &e->recs[idx];
    uint32_t *head = &e->slots[(at >> e->shift) & (e->nb - 1)];
    e->free_head = r->next;
    r->next = *head;
    *head = idx;
    e->wheel_n++;
    r->key = make_key(at, e->next_seq++, idx);
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    return ((uint64_t)r->gen << 32) | idx;
}

static int native_cancel(struct sim_engine *eng, sim_event_id id)
{
    struct native_engine *e = (struct native_engine *)eng;
    uint32_t idx = (uint32_t)id;
    uint32_t gen = (uint32_t)(id >> 32);
    if (id == 0 || idx >= e->recs_cap)
        return -ENOENT;
    struct ev_rec *r = &e->recs[idx];
    if (r->gen != gen || rec_state(r) != REC_SCHEDULED)
        return -ENOENT;
    r->fn = cancelled_fn__;
    retire_handle__(r);
    e->tombstones++;
    size_t queued = (e->cur.n - e->cur_pos) + e->wheel_n + e->ov.n;
    if (e->tombstones > COMPACT_MIN && e->tombstones * 2 > queued)
        rebuild__(e, e->shift, e->nb);
    return 0;
}

static int native_run_until(struct sim_engine *eng, sim_time_t end)
{
    struct native_engine *e = (struct native_engine *)eng;
    e->stopped = 0;
    for (;;) {
        if (e->cur_pos == e->cur.n) {
            /* Between buckets: count what ran, re-estimate the geometry. */
            e->adapt_count += e->cur.n;
            if (e->adapt_count >= ADAPT_PERIOD) {
                adapt__(e);
                if (e->cur_pos < e->cur.n) /* a rebuild refilled the bucket */
                    continue;
            }
            int rc = refill__(e, end);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
        }
        heap_key k = e->cur.v[e->cur_pos];
        sim_time_t t = key_time(k);
        if (t > end) {
            sim_time_t at = end > eng->now ? end : eng->now;
            if (e->cur_b > at >> e->shift) {
                int rc = reanchor__(e, at >> e->shift);
                if (rc < 0)
                    return rc;
            }
            break;
        }
        e->cur_pos++;
        uint32_t idx = key_idx(k);
        struct ev_rec *r = &e->recs[idx];
        if (r->fn == cancelled_fn__) {
            e->tombstones--;
            free_rec__(e, idx);
            continue;
        }
        sim_event_fn fn = r->fn;
        void *ctx = r->ctx, *arg = r->arg;
        retire_handle__(r);
        free_rec__(e, idx);
        eng->now = t;
        eng->executed++;
        fn(eng, ctx, arg);
        if (e->stopped) {
            e->stopped = 0;
            return 0;
        }
        /* The stop flag, every STOP_CHECK_EVENTS events: one test of the
         * counter per event (not between buckets: a run whose events all
         * land in the current bucket may not leave it for a long time). */
        if (!(eng->executed & (STOP_CHECK_EVENTS - 1)) && eng->stop_flag && *eng->stop_flag)
            return -EINTR;
    }
    if (end > eng->now)
        eng->now = end;
    return 0;
}

static void native_stop(struct sim_engine *eng) { ((struct native_engine *)eng)->stopped = 1; }

static size_t native_pending(const struct sim_engine *eng)
{
    const struct native_engine *e = (const struct native_engine *)eng;
    return (e->cur.n - e->cur_pos) + e->wheel_n + e->ov.n - e->tombstones;
}

static void native_destroy(struct sim_engine *eng)
{
    struct native_engine *e = (struct native_engine *)eng;
    free(e->recs);
    free(e->slots);
    free(e->cur.v);
    free(e->ov.v);
    free(e->tmp.v);
    free(e);
}

static const struct sim_engine_ops native_ops = {
    .name = "native",
    .schedule_at = native_schedule_at,
    .cancel = native_cancel,
    .run_until = native_run_until,
    .stop = native_stop,
    .pending = native_pending,
    .destroy = native_destroy,
};

struct sim_engine *sim_engine_create(const struct sim_engine_settings *s)
{
    struct native_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->base.ops = &native_ops;
    e->free_head = REC_NONE;
    e->shift = INITIAL_SHIFT;
    size_t want = s && s->initial_events ? s->initial_events : 1024;
    while (e->recs_cap < want && e->recs_cap <= IDX_MASK)
        if (grow_recs__(e) != 0)
            goto fail;
    if (set_wheel_size__(e, pow2_at_least__(want * 4 > MIN_NB ? want * 4 : MIN_NB)) != 0 ||
        vec_reserve__(&e->cur, 64) != 0 || vec_reserve__(&e->ov, want) != 0)
        goto fail;
    return &e->base;
fail:
    native_destroy(&e->base);
    return NULL;
}

void sim_engine_destroy(struct sim_engine *eng)
{
    if (eng)
        eng->ops->destroy(eng);
}

int sim_engine_stats(const struct sim_engine *eng, struct sim_engine_stats *out)
{
    if (eng->ops != &native_ops)
        return -ENOTSUP;
    const struct native_engine *e = (const struct native_engine *)eng;
    *out = (struct sim_engine_stats){
        .cursor = (sim_time_t)(e->cur_b << e->shift),
        .bucket_width = (sim_time_t)1 << e->shift,
        .wheel_size = e->nb,
        .in_current = e->cur.n - e->cur_pos,
        .in_wheel = e->wheel_n,
        .in_overflow = e->ov.n,
        .adapts = e->adapts,
        .rebuilds = e->rebuilds,
        .reanchors = e->reanchors,
    };
    return 0;
}

/* Verifies a queued key: its record is queued under that very key. */
static int check_key__(const struct native_engine *e, heap_key k)
{
    uint32_t idx = key_idx(k);
    if (idx >= e->recs_cap || rec_state(&e->recs[idx]) == REC_FREE || e->recs[idx].key != k)
        return -1;
    if (key_seq(k) >= e->next_seq)
        return -1;
    return rec_state(&e->recs[idx]) == REC_CANCELLED;
}

int sim_engine_check(const struct sim_engine *eng)
{
    if (eng->ops != &native_ops)
        return 0;
    const struct native_engine *e = (const struct native_engine *)eng;
    size_t queued = 0, cancelled = 0, nfree = 0, scheduled = 0, cancelled_recs = 0;
    int c;
    for (size_t i = e->cur_pos; i < e->cur.n; i++, queued++) {
        if ((c = check_key__(e, e->cur.v[i])) < 0 || bucket_of(e, e->cur.v[i]) > e->cur_b)
            return -EINVAL;
        if (i > e->cur_pos && e->cur.v[i] <= e->cur.v[i - 1])
            return -EINVAL;
        cancelled += (size_t)c;
    }
    size_t in_slots = 0;
    for (size_t s = 0; s < e->nb; s++) {
        for (uint32_t i = e->slots[s]; i != REC_NONE; i = e->recs[i].next, in_slots++) {
            heap_key k = e->recs[i].key;
            uint64_t b = bucket_of(e, k);
            if (in_slots > e->recs_cap || (c = check_key__(e, k)) < 0 || b <= e->cur_b ||
                b - e->cur_b >= e->nb || (b & (e->nb - 1)) != s)
                return -EINVAL;
            cancelled += (size_t)c;
        }
    }
    if (in_slots != e->wheel_n)
        return -EINVAL;
    queued += in_slots;
    for (size_t i = 0; i < e->ov.n; i++, queued++) {
        heap_key k = e->ov.v[i];
        if ((c = check_key__(e, k)) < 0 || bucket_of(e, k) - e->cur_b < e->nb ||
            bucket_of(e, k) < e->cur_b)
            return -EINVAL;
        if (i > 0 && k < e->ov.v[(i - 1) / ARITY])
            return -EINVAL;
        cancelled += (size_t)c;
    }
    for (size_t i = 0; i < e->recs_cap; i++) {
        if (rec_state(&e->recs[i]) == REC_SCHEDULED)
            scheduled++;
        else if (rec_state(&e->recs[i]) == REC_CANCELLED)
            cancelled_recs++;
        if (e->recs[i].gen == 0)
            return -EINVAL;
    }
    if (cancelled != e->tombstones || cancelled_recs != cancelled ||
        scheduled + cancelled != queued)
        return -EINVAL;
    for (uint32_t f = e->free_head; f != REC_NONE; f = e->recs[f].next)
        if (f >= e->recs_cap || rec_state(&e->recs[f]) != REC_FREE || ++nfree > e->recs_cap)
            return -EINVAL;
    if (nfree + queued != e->recs_cap)
        return -EINVAL;
    return 0;
}
