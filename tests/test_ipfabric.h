/* test_ipfabric: IP endpoints on a raw fabric for the transport suites
 * (tcp, iwarp): each host is a NIC + an ipstack (no vmswitch, no team)
 * cabled to one port of one switch.
 *
 * The test-only hooks sit on the stack's tx callback, between the ipstack
 * and the NIC: `drop` may discard a frame (a loss on the host's own
 * cable, before the NIC's queue: the transport saw it leave), `observe`
 * sees every frame that goes on.  Both get the frame's parse.  Nothing in
 * the models is changed for them.
 *
 * Host i has MAC 02:00:00:00:01:<i+1>, IPv4 10.0.0.<i+1>/24 and switch
 * port i+1. */
#ifndef SETSIM_TEST_IPFABRIC_H
#define SETSIM_TEST_IPFABRIC_H

#include <stdint.h>

#include "frame.h"
#include "ipstack.h"
#include "link.h"
#include "nic.h"
#include "pkt.h"
#include "sim_engine.h"
#include "sim_rng.h"
#include "switch.h"
#include "tcp.h"

#define IPF_MAX 16

struct ipf_host;

/* Returns 1 to drop the frame. */
typedef int (*ipf_drop_fn)(void *ctx, struct ipf_host *h, const struct frame *f,
                           const struct pkt_info *pi);
typedef void (*ipf_observe_fn)(void *ctx, struct ipf_host *h, const struct frame *f,
                               const struct pkt_info *pi);

struct ipf_host {
    struct ipf *net;
    int idx;
    struct nic *nic;
    struct link *link;      /* end 0: the NIC, end 1: the switch */
    struct ipstack *stack;
    uint8_t ip[4];
    ipf_drop_fn drop;       /* test hook, NULL: none */
    void *drop_ctx;
    ipf_observe_fn observe; /* test hook, NULL: none */
    void *observe_ctx;
    uint64_t tx_frames;     /* frames handed to the NIC */
    uint64_t hook_drops;    /* frames the drop hook discarded */
};

struct ipf {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct sw *sw;
    struct ipf_host host[IPF_MAX];
    int nhost;
};

/* Engine, pool and a switch (ss NULL: defaults with IPF_MAX ports). */
void ipf_init(struct ipf *n, const struct switch_settings *ss);
/* A host on the next switch port: link rate, one-way cable delay. */
struct ipf_host *ipf_host(struct ipf *n, uint64_t rate_bps, sim_time_t delay);
/* Destroys the engine first, then hosts, switch, links and the pool.
 * Destroy transports (they unbind from the stacks) before this. */
void ipf_free(struct ipf *n);

/* Frames sent with the PFC bit of any priority, by every NIC and switch
 * port of the fabric (both directions counted at the sender). */
uint64_t ipf_pfc_frames(const struct ipf *n);

/* Random loss on h's cable: each TCP segment h sends is dropped with
 * probability 1/per, from a stream seeded by (seed, name); l must outlive
 * the run. */
struct ipf_loss {
    struct sim_rng rng;
    uint64_t per;
};
void ipf_lose_tcp(struct ipf_host *h, struct ipf_loss *l, uint64_t seed, const char *name,
                  uint64_t per);

/* TCP settings that ride out heavy loss: RTO from 1 ms up to 1 s, 15
 * timeouts and 8 SYN retries before giving up, TIME_WAIT 5 s (longer than
 * any backed-off RTO, so a lost last ACK is answered). */
void ipf_lossy_tcp(struct tcp_settings *s);

#endif
