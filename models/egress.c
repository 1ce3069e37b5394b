/* egress: per-priority queues, strict/ETS transmission selection and PFC
 * pause state of one transmitting port (see egress.h). */
#include "egress.h"

#include <errno.h>
#include <string.h>

#include "pkt_pfc.h"

/* ETS quantum per percent of share: 30 % -> 7.5 KiB per round.  Larger
 * than a jumbo frame for shares >= 36 %, small enough that a round is
 * short next to the 10 ms measurement window of DCB-006. */
#define ETS_QUANTUM_PER_PCT 256

void egress_settings_default(struct egress_settings *s, uint64_t rate_bps)
{
    memset(s, 0, sizeof *s);
    s->rate_bps = rate_bps;
    s->tc_tsa[0] = EGRESS_TSA_ETS;
    s->tc_bw[0] = 100;
    s->pfc_react = EGRESS_DEFAULT_PFC_REACT;
}

static int validate__(const struct egress_settings *s)
{
    for (int p = 0; p < EGRESS_PRIOS; p++)
        if (s->prio_tc[p] >= EGRESS_PRIOS || s->tc_tsa[p] > EGRESS_TSA_ETS || s->tc_bw[p] > 100)
            return -EINVAL;
    return 0;
}

/* The class masks egress_next() walks instead of cfg.tc_tsa. */
static void class_masks__(struct egress *q)
{
    q->strict_tcs = q->ets_tcs = 0;
    for (int tc = 0; tc < EGRESS_PRIOS; tc++) {
        if (q->cfg.tc_tsa[tc] == EGRESS_TSA_STRICT)
            q->strict_tcs |= (uint8_t)(1u << tc);
        else
            q->ets_tcs |= (uint8_t)(1u << tc);
    }
}

/* Priority p is no longer paused (pause_set follows paused_until). */
static void unpause__(struct egress *q, int p)
{
    q->paused_until[p] = 0;
    q->pause_set &= (uint8_t)~(1u << p);
}

int egress_init(struct egress *q, const struct egress_settings *s)
{
    if (validate__(s) != 0)
        return -EINVAL;
    memset(q, 0, sizeof *q);
    q->cfg = *s;
    q->ets_fresh = 1;
    class_masks__(q);
    return 0;
}

int egress_reconfigure(struct egress *q, const struct egress_settings *s)
{
    if (validate__(s) != 0)
        return -EINVAL;
    q->cfg = *s;
    class_masks__(q);
    memset(q->deficit, 0, sizeof q->deficit);
    q->ets_fresh = 1;
    /* Pauses of priorities that no longer honour PFC end now (their
     * interval is closed at the last known time, the pause start). */
    for (int p = 0; p < EGRESS_PRIOS; p++) {
        if (!(s->pfc_enabled & (1u << p)) && q->paused_until[p] > q->pause_start[p]) {
            q->paused_total[p] += q->paused_until[p] - q->pause_start[p];
            unpause__(q, p);
        }
    }
    return 0;
}

void egress_flush_each(struct egress *q, void (*fn)(void *ctx, struct frame *f), void *ctx)
{
    for (int p = 0; p < EGRESS_PRIOS; p++) {
        struct frame *f = q->q[p].head;
        memset(&q->q[p], 0, sizeof q->q[p]);
        while (f) {
            struct frame *next = f->next;
            f->next = NULL;
            fn(ctx, f);
            f = next;
        }
    }
    q->total_bytes = 0;
    q->backlog = 0;
}

struct frame *egress_take_queue(struct egress *q, uint8_t p)
{
    struct egress_queue *eq = &q->q[p & 7];
    struct frame *f = eq->head;
    q->total_bytes -= eq->bytes;
    q->backlog &= (uint8_t)~(1u << (p & 7));
    memset(eq, 0, sizeof *eq);
    return f;
}

static void unref_cb__(void *ctx, struct frame *f)
{
    (void)ctx;
    frame_unref(f);
}

void egress_flush(struct egress *q) { egress_flush_each(q, unref_cb__, NULL); }

int egress_enqueue(struct egress *q, uint8_t prio, struct frame *f)
{
    struct egress_queue *eq = &q->q[prio & 7];
    uint32_t len = frame_wire_len(f);
    uint32_t limit = q->cfg.queue_limit[prio & 7];
    if (limit && eq->bytes + len > limit)
        return -ENOBUFS;
    /* A queued frame is linked through f->next, so it must not be shared:
     * a flooded frame sits in several queues at once as private copies. */
    if (f->refcnt > 1 && frame_make_writable(&f) != 0)
        return -ENOMEM;
    f->next = NULL;
    if (eq->tail)
        eq->tail->next = f;
    else
        eq->head = f;
    eq->tail = f;
    eq->frames++;
    eq->bytes += len;
    q->total_bytes += len;
    q->backlog |= (uint8_t)(1u << (prio & 7));
    return 0;
}

static struct frame *pop__(struct egress *q, int p)
{
    struct egress_queue *eq = &q->q[p];
    struct frame *f = eq->head;
    eq->head = f->next;
    if (!eq->head) {
        eq->tail = NULL;
        q->backlog &= (uint8_t)~(1u << p);
    } else {
        /* The new head goes out next, one serialization time from now:
         * start loading its metadata and first header bytes, which a deep
         * queue has long evicted from the cache (no effect on behaviour). */
        __builtin_prefetch(eq->head);
        __builtin_prefetch(eq->head->buf + FRAME_HEADROOM);
    }
    f->next = NULL;
    uint32_t len = frame_wire_len(f);
    eq->frames--;
    eq->bytes -= len;
    q->total_bytes -= len;
    return f;
}

/* Bit tc set: some priority in prios maps to class tc. */
static inline unsigned classes_of__(const struct egress *q, unsigned prios)
{
    unsigned m = 0;
    for (; prios; prios &= prios - 1)
        m |= 1u << q->cfg.prio_tc[__builtin_ctz(prios)];
    return m;
}

/* Highest eligible priority of class tc among the backlogged ones, or -1;
 * tracks the earliest pause end of backlogged paused priorities in *wake. */
static int class_pick__(const struct egress *q, int tc, unsigned backlog, sim_time_t now,
                        sim_time_t *wake)
{
    while (backlog) {
        int p = 31 - __builtin_clz(backlog);
        backlog &= ~(1u << p);
        if (q->cfg.prio_tc[p] != tc)
            continue;
        if (egress_is_paused(q, (uint8_t)p, now)) {
            if (q->paused_until[p] < *wake)
                *wake = q->paused_until[p];
            continue;
        }
        return p;
    }
    return -1;
}

struct frame *egress_next(struct egress *q, sim_time_t now, sim_time_t *wake)
{
    *wake = SIM_TIME_MAX;
    if (q->total_bytes == 0)
        return NULL;
    unsigned backlog = q->backlog;
    unsigned classes = classes_of__(q, backlog); /* classes with a frame queued */
    /* 1. Strict classes, highest first. */
    for (unsigned m = classes & q->strict_tcs; m;) {
        int tc = 31 - __builtin_clz(m);
        m &= ~(1u << tc);
        int p = class_pick__(q, tc, backlog, now, wake);
        if (p >= 0)
            return pop__(q, p);
    }
    /* 2. ETS: deficit round robin over classes with an eligible frame.  At
     * most two passes: the first may only add quanta.  eligible[tc] is set
     * for the classes in `any`. */
    int eligible[EGRESS_PRIOS];
    unsigned any = 0;
    for (unsigned m = q->ets_tcs; m; m &= m - 1) {
        int tc = __builtin_ctz(m);
        int p = classes & (1u << tc) ? class_pick__(q, tc, backlog, now, wake) : -1;
        if (p >= 0) {
            eligible[tc] = p;
            any |= 1u << tc;
        } else {
            q->deficit[tc] = 0; /* idle classes bank no credit */
        }
    }
    if (!any)
        return NULL;
    for (;;) {
        int tc = q->ets_turn;
        if (any & (1u << tc)) {
            int p = eligible[tc];
            if (q->ets_fresh) {
                unsigned bw = q->cfg.tc_bw[tc] ? q->cfg.tc_bw[tc] : 1;
                q->deficit[tc] += (int32_t)(bw * ETS_QUANTUM_PER_PCT);
                q->ets_fresh = 0;
            }
            uint32_t len = frame_wire_len(q->q[p].head);
            if (q->deficit[tc] >= (int64_t)len) {
                q->deficit[tc] -= (int32_t)len;
                return pop__(q, p);
            }
        }
        q->ets_turn = (uint8_t)((tc + 1) % EGRESS_PRIOS);
        q->ets_fresh = 1;
    }
}

sim_time_t egress_paused_time(const struct egress *q, uint8_t p, sim_time_t now)
{
    sim_time_t t = q->paused_total[p];
    sim_time_t end = now < q->paused_until[p] ? now : q->paused_until[p];
    if (end > q->pause_start[p])
        t += end - q->pause_start[p];
    return t;
}

void egress_pause_end(struct egress *q, uint8_t p, sim_time_t now)
{
    p &= 7;
    q->paused_total[p] = egress_paused_time(q, p, now);
    unpause__(q, p);
}

void egress_pfc_receive(struct egress *q, sim_time_t now, uint16_t enable_vector,
                        const uint16_t quanta[EGRESS_PRIOS], uint8_t *paused, uint8_t *resumed)
{
    *paused = *resumed = 0;
    for (int p = 0; p < EGRESS_PRIOS; p++) {
        if (!(enable_vector & (1u << p)))
            continue;
        /* DCB-002: bits for priorities without PFC here are ignored. */
        if (!(q->cfg.pfc_enabled & (1u << p)))
            continue;
        /* "Paused" here means a pause is pending or running. */
        int was = now < q->paused_until[p];
        /* Close the previous interval where it ends, now at the latest. */
        sim_time_t end = now < q->paused_until[p] ? now : q->paused_until[p];
        if (end > q->pause_start[p])
            q->paused_total[p] += end - q->pause_start[p];
        if (quanta[p] == 0) {
            unpause__(q, p);
            q->pause_start[p] = now;
            if (was)
                *resumed |= (uint8_t)(1u << p);
        } else {
            /* DCB-002: a pause already in force continues; a new one starts
             * after the reaction time.  One still pending (inside its
             * reaction time) keeps its start and ends quanta after this
             * frame takes effect. */
            int pending = was && q->pause_from[p] > now;
            sim_time_t from = was && !pending ? now : now + q->cfg.pfc_react;
            if (!pending) {
                q->pause_from[p] = from;
                q->pause_start[p] = from;
            }
            q->paused_until[p] = from + pkt_pfc_quanta_time(quanta[p], q->cfg.rate_bps);
            if (q->paused_until[p])
                q->pause_set |= (uint8_t)(1u << p);
            if (!was)
                *paused |= (uint8_t)(1u << p);
        }
    }
}
