/* link: a full-duplex point-to-point Ethernet link between two ends.
 *
 * Each direction serializes one frame at a time at the link rate (the wire
 * time of header bytes + virtual payload + trailer + FCS, preamble and
 * inter-frame gap) and delivers it, whole, after the propagation delay.  A
 * device attached to an end transmits with link_tx() only while that
 * direction is idle; the link calls the device's tx_ready when the last bit
 * has left, and the other end's rx when the last bit has arrived.
 *
 * Up/down: the link is up when it is physically intact (not cut) and
 * administratively up.  Going down loses the frames in flight (traced as
 * drops, reason link_down); each end learns of a change after the carrier
 * detect delay, via its carrier callback, and only if the state still holds
 * then.  Transmitting on a down link drops the frame.
 *
 * Captures: each end can have a pcapng interface; frames are written
 * outbound when their transmission starts at that end and inbound when they
 * are delivered to it.
 *
 * Events per frame: two (tx done at the sender, delivery at the receiver).
 */
#ifndef SETSIM_LINK_H
#define SETSIM_LINK_H

#include <stdint.h>

#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct link;
struct pcapng_writer;

/* What a device provides for the end it attaches.  All callbacks run inside
 * engine events. */
struct link_end_ops {
    /* A frame arrived (the reference passes to the device). */
    void (*rx)(void *dev, uint32_t port, struct frame *f);
    /* The direction leaving this end is idle again. */
    void (*tx_ready)(void *dev, uint32_t port);
    /* Carrier detected (up != 0) or lost, after the detect delay. */
    void (*carrier)(void *dev, uint32_t port, int up);
};

struct link_settings {
    const char *name;         /* e.g. "hv1/SLOT 2<->tor1/1"; copied */
    uint64_t rate_bps;        /* > 0 */
    sim_time_t delay;         /* propagation delay (5 ns per metre of cable) */
    sim_time_t detect_delay;  /* carrier detect delay at each end */
};

/* Propagation delay of a cable: 5 ns per metre. */
static inline sim_time_t link_cable_delay(uint64_t metres) { return metres * 5 * SIM_NS; }

struct link_dir_counters {
    uint64_t frames, bytes; /* delivered */
    uint64_t lost;          /* frames lost in flight or sent while down */
    sim_time_t busy;        /* time spent serializing */
};

/* trace may be NULL.  Returns NULL on bad settings or no memory. */
struct link *link_create(struct sim_engine *eng, struct trace *trace,
                         const struct link_settings *s);
void link_destroy(struct link *l); /* NULL-safe; frees frames in flight */

/* Attaches a device to end 0 or 1; obj names the end in the trace. */
void link_attach(struct link *l, int end, const struct link_end_ops *ops, void *dev,
                 uint32_t port, trace_obj_t obj);

/* Starts transmitting f from `end` (takes the reference).  Returns 0, or
 * -EBUSY if that direction is still serializing (f untouched), or
 * -ENETDOWN if the link is down (f dropped and traced). */
int link_tx(struct link *l, int end, struct frame *f);
int link_tx_busy(const struct link *l, int end);
int link_is_up(const struct link *l);
uint64_t link_rate(const struct link *l);

/* Physical cut / repair, and administrative state (e.g. an adapter that is
 * disabled takes its link down). */
void link_cut(struct link *l);
void link_restore(struct link *l);
void link_set_admin(struct link *l, int up);

/* Captures frames at an end on interface ifid of w (not owned), both
 * directions. */
void link_capture(struct link *l, int end, struct pcapng_writer *w, int ifid);
#define LINK_CAP_OUT 1u /* frames the end transmits */
#define LINK_CAP_IN 2u  /* frames delivered to the end */
/* The same for the given directions only (LINK_CAP_* bits). */
void link_capture_dirs(struct link *l, int end, struct pcapng_writer *w, int ifid, unsigned dirs);

/* Counters of the direction leaving `end`. */
const struct link_dir_counters *link_counters(const struct link *l, int end);
const char *link_name(const struct link *l);

#endif
