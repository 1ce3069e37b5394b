/* rawhost: a raw frame source and sink on a NIC, for testing and
 * benchmarking the fabric before hosts exist.
 *
 * The source sends Ethernet frames of a fixed size (header bytes: Ethernet,
 * optional 802.1Q tag, EtherType 0x88B5 "local experimental", then a
 * 16-byte test header carrying a sequence number; the rest is virtual
 * payload) to a destination MAC, at a rate with fixed or Poisson
 * inter-arrival times, or backlogged at line rate (a frame is generated
 * whenever the NIC queue runs low), between a start and a stop time or for
 * a count.  The sink counts frames and bytes per source MAC, sequence gaps
 * and one-way delay.  A host runs up to RAWHOST_MAX_FLOWS flows at once,
 * all through its one NIC (so they share its queues: head-of-line blocking
 * is observable).
 */
#ifndef SETSIM_RAWHOST_H
#define SETSIM_RAWHOST_H

#include <stdint.h>

#include "frame.h"
#include "sim_engine.h"

struct rawhost;
struct nic;

#define RAWHOST_ETHERTYPE 0x88B5
#define RAWHOST_MAX_PEERS 64
#define RAWHOST_MAX_FLOWS 8

enum rawhost_pattern {
    RAWHOST_OFF = 0,
    RAWHOST_FIXED,     /* one frame every size/rate */
    RAWHOST_POISSON,   /* exponential inter-arrival with that mean */
    RAWHOST_BACKLOGGED /* keep the NIC queue non-empty: line rate */
};

struct rawhost_flow {
    enum rawhost_pattern pattern;
    uint8_t dst[6];
    uint32_t frame_size;  /* wire bytes without FCS, >= 60 */
    uint64_t rate_bps;    /* FIXED / POISSON: offered load (line bits incl. overhead) */
    int tagged;           /* send with an 802.1Q tag */
    uint16_t vid;
    uint8_t pcp;
    sim_time_t start, stop; /* stop 0: never */
    uint64_t count;         /* frames to send; 0: unlimited */
    uint64_t flow_id;
};

struct rawhost_peer_stats {
    uint8_t src[6];
    uint64_t flow_id;
    uint64_t frames, bytes;
    uint64_t seq_gaps;      /* frames missing by sequence number */
    uint64_t out_of_order;
    sim_time_t delay_sum, delay_max;
    sim_time_t first_rx, last_rx;
};

struct rawhost_stats {
    uint64_t tx_frames, tx_bytes, tx_refused; /* refused: NIC queue full */
    uint64_t rx_frames, rx_bytes, rx_other;   /* other: not test frames */
    uint32_t npeers;
    struct rawhost_peer_stats peer[RAWHOST_MAX_PEERS];
};

/* The host drives nic (not owned) and registers itself as its receiver. */
struct rawhost *rawhost_create(struct sim_engine *eng, struct frame_pool *pool, struct nic *nic,
                               const char *name, uint64_t seed);
void rawhost_destroy(struct rawhost *h); /* NULL-safe */
/* Starts a flow; returns 0, -EINVAL (bad settings) or -ENOSPC (too many
 * flows). */
int rawhost_start(struct rawhost *h, const struct rawhost_flow *flow);
const struct rawhost_stats *rawhost_stats(const struct rawhost *h);
/* What arrived from src (all its flows summed into the first record found
 * if there are several: use rawhost_peer_flow for one flow). */
const struct rawhost_peer_stats *rawhost_peer(const struct rawhost *h, const uint8_t src[6]);
const struct rawhost_peer_stats *rawhost_peer_flow(const struct rawhost *h, const uint8_t src[6],
                                                   uint64_t flow_id);

#endif
