/* bench_fabric: the native world of `setsim bench fabric`: raw hosts on one
 * learning switch, half of them sending line-rate frames to the other
 * half, built from the fabric models (rawhost, nic, link, switch) on the
 * native engine, with no capture and no trace.
 *
 * Host i (0-based) sits on switch port i + 1 with MAC 02:00:00:00:00:<i+1>.
 * Before the measured traffic, every receiver (hosts pairs..2*pairs-1)
 * sends one frame to its sender, so the switch learns the receivers' MACs
 * from the bytes (nothing is installed statically); the senders start at
 * `start` and transmit at line rate until the end of the run.
 */
#ifndef SETSIM_BENCH_FABRIC_H
#define SETSIM_BENCH_FABRIC_H

#include <stdint.h>

#include "sim_time.h"

struct bench_fabric_cfg {
    uint32_t pairs;       /* host i sends to host pairs + i, 1..SWITCH_MAX_PORTS/2 */
    uint64_t rate_bps;    /* every link */
    sim_time_t delay;     /* propagation delay of every link */
    uint32_t frame_bytes; /* Ethernet frame including the FCS (1518) */
    sim_time_t start;     /* when the senders start (after the learning frames) */
    sim_time_t sim_time;  /* simulated time of the run */
};

struct bench_fabric_result {
    uint64_t delivered;   /* frames the receivers got from their senders */
    uint64_t learn_frames; /* frames the senders got back (the learning frames) */
    uint64_t events;      /* engine events executed */
    sim_time_t sim_time;  /* simulated time reached */
    double wall_s;        /* wall time of the simulation (not of the set-up) */
    double cpu_s;         /* CPU time of the same (cli_cpu_seconds) */
    uint64_t steady_allocs; /* heap allocations after the first simulated
                             * millisecond of traffic (the warm-up) */
};

/* Builds the world, runs it for cfg->sim_time and tears it down.  Returns 0,
 * -EINVAL for bad settings or -ENOMEM. */
int bench_fabric_native(const struct bench_fabric_cfg *cfg, struct bench_fabric_result *out);

#endif
