/* sampler: periodic samples of a run (the samples table of run.sqlite,
 * docs/results.md): a model scheduled on the engine every `interval` that
 * reads the counters the other models expose and writes trace_sample()
 * rows.  It only reads model state, so a run's events and frames are the
 * same with or without it.
 *
 * Series (object: metric, unit):
 *   NIC or switch port: tx_bps, rx_bps        b/s   mean over the interval
 *   NIC or switch port: queue_p<N>_bytes      B     egress queue of priority
 *                                                   N at the sample time
 *   NIC or switch port: paused_p<N>_frac      1     fraction of the interval
 *                                                   priority N's egress was
 *                                                   paused by PFC
 *   team member (NIC):  vports                count vPorts affinitized to
 *                                                   it at the sample time
 * A priority's queue and pause series start at the first sample after the
 * priority carried a frame (either way), a PFC frame, or was paused; before
 * that its queue was empty and never paused (so idle priorities cost no
 * rows).  Team series exist while the NIC is a member of a SET team.
 *
 * Times: the first sample is at start + interval, then every interval;
 * sampler_finish() writes a last sample at the end of the run when it is
 * not on the grid, its rates taken over the shorter interval.  So for each
 * port, the sum over its samples of rate x (t - previous t) / 8 is exactly
 * the bytes its counters gained from start to finish.
 *
 *   state     call               effect
 *   --------  -----------------  ---------------------------------------
 *   -         sampler_create()   settings copied, nothing scheduled
 *   CREATED   sampler_add_*()    switches and hosts to sample
 *   CREATED   sampler_start()    reads baseline counters, schedules
 *                                the first sample -> RUNNING
 *   RUNNING   (engine event)     writes a sample, schedules the next
 *   RUNNING   sampler_finish()   last partial sample, stops -> DONE
 *   any       sampler_destroy()  cancels the pending event, frees
 */
#ifndef SETSIM_SAMPLER_H
#define SETSIM_SAMPLER_H

#include "sim_engine.h"
#include "trace.h"

struct sampler;
struct sw;
struct hvhost;

/* scenario.sample_interval's default: fine enough to see a flowlet move
 * or a pause (tens of µs at 10-100 Gb/s would be rows without insight),
 * coarse enough that a one-second run writes 10 000 samples per series. */
#define SAMPLER_DEFAULT_INTERVAL (100 * SIM_US)

struct sampler_settings {
    sim_time_t interval; /* > 0 */
};

/* NULL on allocation failure or a zero interval. */
struct sampler *sampler_create(struct sim_engine *eng, struct trace *trace,
                               const struct sampler_settings *s);
void sampler_destroy(struct sampler *s); /* NULL-safe */

/* Adds a switch (all its ports) or a Hyper-V host (its NICs, and the SET
 * teams of its virtual switches as they are at each sample).  0 or
 * -ENOMEM. */
int sampler_add_switch(struct sampler *s, struct sw *sw);
int sampler_add_host(struct sampler *s, struct hvhost *h);

/* Starts sampling at the engine's current time.  0 or a negative errno. */
int sampler_start(struct sampler *s);
/* Writes the last sample at the engine's current time (if after the last
 * one) and stops.  0 or the trace's error. */
int sampler_finish(struct sampler *s);

/* Samples written so far (rows). */
uint64_t sampler_rows(const struct sampler *s);

#endif
