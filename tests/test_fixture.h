/* test_fixture: small fabrics for the model suites: raw hosts (NIC +
 * source/sink) cabled to one or more switches. */
#ifndef SETSIM_TEST_FIXTURE_H
#define SETSIM_TEST_FIXTURE_H

#include <stdint.h>

#include "frame.h"
#include "link.h"
#include "nic.h"
#include "rawhost.h"
#include "sim_engine.h"
#include "switch.h"
#include "trace.h"

#define FX_MAX 32

struct fx {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace; /* optional */
    struct sw *sw[4];
    int nsw;
    struct nic *nic[FX_MAX];
    struct rawhost *host[FX_MAX];
    struct link *link[FX_MAX * 2];
    int nhost, nlink;
    uint64_t rx_drain_bps; /* receive drain rate of hosts created next */
    int trunk_hosts;       /* host ports created next are trunks without a
                            * native VLAN: tags (and PCP) kept end to end */
};

/* Engine + pool (+ a trace in dir when trace_dir != NULL). */
void fx_init(struct fx *fx, const char *trace_dir);
void fx_free(struct fx *fx);
struct sw *fx_switch(struct fx *fx, const struct switch_settings *s);
/* A raw host with MAC 02:00:00:00:00:<i+1> (i = its index) cabled to
 * sw port `port`; returns its index. */
int fx_host(struct fx *fx, struct sw *sw, uint32_t port, uint64_t rate, uint32_t cable_m,
            uint8_t pfc_enabled);
/* A cable between two switch ports, both trunks without a native VLAN. */
struct link *fx_trunk(struct fx *fx, struct sw *a, uint32_t pa, struct sw *b, uint32_t pb,
                      uint64_t rate, uint32_t cable_m);
void fx_mac(int host, uint8_t mac[6]);
/* Starts a fixed-rate flow from host a to host b. */
void fx_flow(struct fx *fx, int a, int b, uint64_t rate, uint32_t size, int tagged, uint16_t vid,
             uint8_t pcp, sim_time_t stop);
/* Frames host `dst` received from host `src`. */
uint64_t fx_rx(struct fx *fx, int dst, int src);

#endif
