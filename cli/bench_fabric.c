/* bench_fabric: the native fabric world of `setsim bench fabric` (see
 * bench_fabric.h).
 *
 * The senders are RAWHOST_FIXED flows at the line rate: one frame every
 * (frame + preamble + inter-frame gap) bit times, which is exactly the
 * serialization time, so a NIC's queue never holds more than the frame
 * being handed over and the link is busy 100 % of the time (a backlogged
 * source would poll the queue on the same schedule and send the same
 * frames).  Each delivered frame costs five events: the source's send, the
 * end of serialization and the delivery on the host's link, the same two
 * on the switch's egress link.
 */
#include "bench_fabric.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frame.h"
#include "link.h"
#include "nic.h"
#include "rawhost.h"
#include "sim_engine.h"
#include "switch.h"

/* Frames in the pool up front: a few per link are ever in use. */
#define BENCH_FABRIC_POOL 1024
/* Event records up front: about five per host are pending at once. */
#define BENCH_FABRIC_EVENTS 256
/* Ethernet FCS, which rawhost's frame_size does not include. */
#define BENCH_FABRIC_FCS 4
/* Simulated time after the senders start by which the pools, the engine's
 * wheel (first re-estimated after 4096 events) and the MAC table have
 * reached their working size: allocations are counted after it. */
#define BENCH_FABRIC_WARMUP (1 * SIM_MS)

struct bench_world {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct sw *sw;
    uint32_t nhosts;
    struct link **link;    /* [nhosts], owned */
    struct nic **nic;      /* [nhosts], owned */
    struct rawhost **host; /* [nhosts], owned */
};

static void host_mac__(uint32_t i, uint8_t mac[6])
{
    const uint8_t m[6] = {0x02, 0, 0, 0, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1)};
    memcpy(mac, m, 6);
}

static void world_free__(struct bench_world *w)
{
    /* The engine first, so no event runs on a freed model. */
    sim_engine_destroy(w->eng);
    for (uint32_t i = 0; i < w->nhosts; i++) {
        if (w->host)
            rawhost_destroy(w->host[i]);
        if (w->nic)
            nic_destroy(w->nic[i]);
    }
    switch_destroy(w->sw);
    for (uint32_t i = 0; w->link && i < w->nhosts; i++)
        link_destroy(w->link[i]);
    free(w->host);
    free(w->nic);
    free(w->link);
    frame_pool_destroy(w->pool);
}

/* Host i: a NIC cabled to switch port i + 1, and a raw source/sink on it. */
static int world_host__(struct bench_world *w, const struct bench_fabric_cfg *cfg, uint32_t i)
{
    char name[32];
    snprintf(name, sizeof name, "h%u", i);
    struct nic_settings ns = {.name = name, .rate_bps = cfg->rate_bps};
    host_mac__(i, ns.mac);
    egress_settings_default(&ns.egress, cfg->rate_bps);
    w->nic[i] = nic_create(w->eng, NULL, w->pool, &ns);
    char lname[48];
    snprintf(lname, sizeof lname, "h%u<->sw/%u", i, i + 1);
    struct link_settings ls = {.name = lname, .rate_bps = cfg->rate_bps, .delay = cfg->delay};
    w->link[i] = link_create(w->eng, NULL, &ls);
    if (!w->nic[i] || !w->link[i])
        return -ENOMEM;
    nic_attach(w->nic[i], w->link[i], 0);
    int rc = switch_attach(w->sw, i + 1, w->link[i], 1);
    if (rc != 0)
        return rc;
    w->host[i] = rawhost_create(w->eng, w->pool, w->nic[i], name, i + 1);
    return w->host[i] ? 0 : -ENOMEM;
}

static int world_build__(struct bench_world *w, const struct bench_fabric_cfg *cfg)
{
    w->nhosts = 2 * cfg->pairs;
    struct sim_engine_settings es = {.initial_events = BENCH_FABRIC_EVENTS};
    w->eng = sim_engine_create(&es);
    w->pool = frame_pool_create(BENCH_FABRIC_POOL);
    w->link = calloc(w->nhosts, sizeof *w->link);
    w->nic = calloc(w->nhosts, sizeof *w->nic);
    w->host = calloc(w->nhosts, sizeof *w->host);
    if (!w->eng || !w->pool || !w->link || !w->nic || !w->host)
        return -ENOMEM;
    struct switch_settings ss;
    switch_settings_default(&ss, "sw", w->nhosts);
    w->sw = switch_create(w->eng, NULL, w->pool, &ss);
    if (!w->sw)
        return -ENOMEM;
    for (uint32_t i = 0; i < w->nhosts; i++) {
        int rc = world_host__(w, cfg, i);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The receivers' learning frames at 0, then the senders' line-rate flows. */
static int world_start__(struct bench_world *w, const struct bench_fabric_cfg *cfg)
{
    uint32_t size = cfg->frame_bytes - BENCH_FABRIC_FCS;
    for (uint32_t i = 0; i < cfg->pairs; i++) {
        uint32_t rx = cfg->pairs + i;
        struct rawhost_flow learn = {.pattern = RAWHOST_FIXED, .frame_size = size,
                                     .rate_bps = cfg->rate_bps, .count = 1,
                                     .flow_id = (uint64_t)rx << 32 | i};
        host_mac__(i, learn.dst);
        struct rawhost_flow data = {.pattern = RAWHOST_FIXED, .frame_size = size,
                                    .rate_bps = cfg->rate_bps, .start = cfg->start,
                                    .flow_id = (uint64_t)i << 32 | rx};
        host_mac__(rx, data.dst);
        int rc = rawhost_start(w->host[rx], &learn);
        if (rc == 0)
            rc = rawhost_start(w->host[i], &data);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void world_count__(const struct bench_world *w, const struct bench_fabric_cfg *cfg,
                          struct bench_fabric_result *out)
{
    for (uint32_t i = 0; i < cfg->pairs; i++) {
        uint32_t rx = cfg->pairs + i;
        uint8_t mac[6];
        host_mac__(i, mac);
        const struct rawhost_peer_stats *p = rawhost_peer(w->host[rx], mac);
        out->delivered += p ? p->frames : 0;
        host_mac__(rx, mac);
        p = rawhost_peer(w->host[i], mac);
        out->learn_frames += p ? p->frames : 0;
    }
}

int bench_fabric_native(const struct bench_fabric_cfg *cfg, struct bench_fabric_result *out)
{
    memset(out, 0, sizeof *out);
    if (cfg->pairs == 0 || 2 * (uint64_t)cfg->pairs > SWITCH_MAX_PORTS || cfg->rate_bps == 0 ||
        cfg->frame_bytes < FRAME_ETH_MIN + BENCH_FABRIC_FCS)
        return -EINVAL;
    struct bench_world w;
    memset(&w, 0, sizeof w);
    int rc = world_build__(&w, cfg);
    if (rc == 0)
        rc = world_start__(&w, cfg);
    if (rc == 0) {
        sim_time_t warm = cfg->start + BENCH_FABRIC_WARMUP;
        double t0 = cli_wall_seconds(), c0 = cli_cpu_seconds();
        rc = sim_run_until(w.eng, warm < cfg->sim_time ? warm : cfg->sim_time);
        uint64_t allocs0 = cli_alloc_count();
        if (rc == 0)
            rc = sim_run_until(w.eng, cfg->sim_time);
        out->wall_s = cli_wall_seconds() - t0;
        out->cpu_s = cli_cpu_seconds() - c0;
        out->steady_allocs = cli_alloc_count() - allocs0;
        out->events = sim_event_count(w.eng);
        out->sim_time = sim_now(w.eng);
        world_count__(&w, cfg, out);
    }
    world_free__(&w);
    return rc;
}
