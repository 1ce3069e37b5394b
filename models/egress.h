/* egress: the transmit side of one port (a NIC or a switch port): eight
 * per-priority FIFO queues, the priority -> traffic-class map, transmission
 * selection (strict priority and ETS, 802.1Qaz), and the per-priority pause
 * state set by received PFC frames (802.1Qbb).
 *
 * Selection order at each transmit opportunity:
 *   1. strict traffic classes, highest class first;
 *   2. ETS classes by deficit-weighted round robin over the classes with
 *      backlog, each class's quantum proportional to its bandwidth share, so
 *      shares hold when all are backlogged and idle classes' bandwidth goes
 *      to the others (work-conserving; rules CFG-033, DCB-006);
 *   within a class, the highest priority with an eligible frame first.
 * A priority whose pause has not expired is not eligible (DCB-002); pauses
 * are recorded only for priorities in pfc_enabled.
 *
 * The owner (nic, switch) calls egress_next() when its line is free and
 * transmits what it returns; when everything backlogged is paused it gets
 * the time the first pause ends and should try again then.  The module
 * has no engine of its own.
 */
#ifndef SETSIM_EGRESS_H
#define SETSIM_EGRESS_H

#include <stdint.h>

#include "frame.h"
#include "sim_time.h"

#define EGRESS_PRIOS 8

enum egress_tsa {
    EGRESS_TSA_STRICT = 0,
    EGRESS_TSA_ETS = 1,
};

struct egress_settings {
    /* What egress_enqueue() and egress_next() read, first (with egress's
     * per-frame fields below, few cache lines per frame). */
    uint8_t prio_tc[EGRESS_PRIOS];      /* priority -> traffic class 0..7 */
    uint8_t tc_bw[EGRESS_PRIOS];        /* ETS share in percent per class */
    uint32_t queue_limit[EGRESS_PRIOS]; /* bytes per priority queue; 0: unlimited */
    uint8_t tc_tsa[EGRESS_PRIOS];       /* enum egress_tsa per class */
    uint8_t pfc_enabled;                /* bit p: honour received PFC for priority p */
    uint64_t rate_bps;                  /* line rate: converts pause quanta to time */
    sim_time_t pfc_react;               /* a received pause takes effect this long
                                         * after it arrives (DCB-002 model choice
                                         * pfc.react_ns; frames may start until then) */
};

/* rules.md Appendix A, pfc.react_ns. */
#define EGRESS_DEFAULT_PFC_REACT (1000 * SIM_NS)

/* Defaults: every priority in class 0, ETS 100 %, no PFC, no limit, the
 * default reaction time. */
void egress_settings_default(struct egress_settings *s, uint64_t rate_bps);

struct egress_queue {
    struct frame *head, *tail; /* owned: linked through frame->next */
    uint32_t frames;
    uint64_t bytes;            /* wire bytes queued */
};

struct egress {
    /* Per frame: the fields egress_enqueue() and egress_next() use, then
     * the settings they read, then the queues; the pause state is read
     * only for priorities in pause_set. */
    uint64_t total_bytes;                  /* bytes in all queues */
    uint8_t backlog;                       /* bit p: q[p] holds a frame */
    uint8_t ets_turn;                      /* class whose turn it is (ETS) */
    uint8_t ets_fresh;                     /* the turn's quantum not yet added */
    uint8_t strict_tcs, ets_tcs;           /* bit tc: class tc is strict / ETS
                                            * (from cfg.tc_tsa) */
    uint8_t pause_set;                     /* bit p: paused_until[p] != 0 */
    int32_t deficit[EGRESS_PRIOS];         /* ETS deficit per class, bytes (at most
                                            * a quantum plus a frame) */
    struct egress_settings cfg;
    struct egress_queue q[EGRESS_PRIOS];
    sim_time_t paused_until[EGRESS_PRIOS]; /* paused while pause_from <= now < it */
    sim_time_t pause_from[EGRESS_PRIOS];   /* when the last pause takes effect */
    sim_time_t pause_start[EGRESS_PRIOS];  /* start of the last pause interval */
    sim_time_t paused_total[EGRESS_PRIOS]; /* closed pause intervals, summed */
};
/* The queues change only through the functions below, which keep
 * backlog, total_bytes and pause_set; cfg changes through egress_reconfigure()
 * (pfc_enabled may also be changed directly). */

/* Initializes q (no allocation).  Returns 0 or -EINVAL for a bad map. */
int egress_init(struct egress *q, const struct egress_settings *s);
/* Changes classes, shares, PFC set or rate; queued frames stay. */
int egress_reconfigure(struct egress *q, const struct egress_settings *s);
/* Frees every queued frame. */
void egress_flush(struct egress *q);
/* Empties the queues, handing each frame (and its reference) to fn. */
void egress_flush_each(struct egress *q, void (*fn)(void *ctx, struct frame *f), void *ctx);
/* Empties priority p's queue and returns its frames, linked through
 * f->next in queue order (the references pass to the caller). */
struct frame *egress_take_queue(struct egress *q, uint8_t p);

/* Appends f to priority prio's queue (takes the reference; a shared frame
 * is queued as a private copy, since queues link frames through f->next).
 * Returns 0, or -ENOBUFS when the queue limit would be exceeded (f is NOT
 * consumed then: the caller drops and traces it), or -ENOMEM. */
int egress_enqueue(struct egress *q, uint8_t prio, struct frame *f);

/* Removes and returns the next frame to transmit at time now, or NULL.
 * When NULL is returned because every backlogged priority is paused,
 * *wake is the earliest time one becomes eligible; otherwise SIM_TIME_MAX. */
struct frame *egress_next(struct egress *q, sim_time_t now, sim_time_t *wake);

/* Applies a received PFC frame: for each priority p in enable_vector that
 * is PFC-enabled here, pause for quanta[p] x 512 bit times (0: resume).
 * Returns the mask of priorities whose pause state changed to paused
 * (*paused) and to running (*resumed). */
void egress_pfc_receive(struct egress *q, sim_time_t now, uint16_t enable_vector,
                        const uint16_t quanta[EGRESS_PRIOS], uint8_t *paused, uint8_t *resumed);

/* 1 if priority p is paused at now. */
static inline int egress_is_paused(const struct egress *q, uint8_t p, sim_time_t now)
{
    return (q->pause_set & (1u << p)) && q->pause_from[p] <= now && now < q->paused_until[p];
}

/* Ends priority p's pause now, if any (its interval counts up to now). */
void egress_pause_end(struct egress *q, uint8_t p, sim_time_t now);

/* Total time priority p has been paused up to now. */
sim_time_t egress_paused_time(const struct egress *q, uint8_t p, sim_time_t now);

#endif
