/* bench_set: `setsim bench set`: the SET data path under load.  Two
 * Hyper-V hosts, each with a SET team of two 10 Gb/s members (Dynamic
 * mode) on one learning ToR switch, eight VM ports per host; VM i of each
 * host sends line-rate UDP to VM i of the other (each host offers its
 * members' 20 Gb/s).  VMs are raw frame sources and sinks on vmswitch
 * ports, like the raw hosts of `bench fabric`, so the difference between
 * the two benches is the per-frame cost of the vmswitch and the team
 * (classification, flow hash and flowlet table, MAC replacement, flood
 * de-dup, VLAN handling) on both hosts.  Reported next to `bench fabric`
 * measured in the same invocation: the target is at least 80 % of
 * its frames per wall-second. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_fabric.h"
#include "frame.h"
#include "hvhost.h"
#include "link.h"
#include "pkt.h"
#include "sim_engine.h"
#include "switch.h"
#include "vmswitch.h"

#define SET_VMS 8
#define SET_RATE 10000000000ULL
#define SET_PAYLOAD 1472 /* 1518-byte frames: 14 + 20 + 8 + 1472 + 4 FCS */
#define SET_WARMUP (1 * SIM_MS)
#define SET_SIM_TIME (100 * SIM_MS)
#define SET_RUNS 3

#define SET_FLOWS_PER_VM 8
#define SET_NIC_QUEUE (512 * 1024) /* a NIC's transmit ring, in bytes per priority */

#define SET_HDR_MAX 64 /* header bytes of a template frame (42 for UDP/IPv4) */

struct vm_src {
    struct vmswitch *vs;
    struct frame_pool *pool;
    int port;
    /* One UDP frame per flow (source port), its header bytes built once
     * with pkt_udp_build and copied into a fresh frame per send, in turn,
     * as rawhost builds its frames: the same bytes as a frame_copy of a
     * template frame, without reading a cold frame per send. */
    uint8_t hdr[SET_FLOWS_PER_VM][SET_HDR_MAX];
    uint16_t hdr_len;
    uint32_t payload_len;
    unsigned next;
    sim_time_t interval;
    sim_time_t stop;
};

struct set_bench {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct sw *tor;
    struct hvhost *hv[2];
    struct link *links[4];
    struct vm_src src[2][SET_VMS];
    uint64_t delivered;
};

static void vm_tick__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct vm_src *s = ctx;
    if (sim_now(eng) >= s->stop)
        return;
    struct frame *f = frame_alloc(s->pool);
    if (f) {
        memcpy(frame_put(f, s->hdr_len), s->hdr[s->next++ % SET_FLOWS_PER_VM], s->hdr_len);
        f->payload_len = s->payload_len;
        vmswitch_port_send(s->vs, s->port, f);
    }
    sim_schedule_in(eng, s->interval, vm_tick__, s, NULL);
}

static void sink__(void *ctx, struct frame *f)
{
    ((struct set_bench *)ctx)->delivered++;
    frame_unref(f);
}

static void set_free__(struct set_bench *b)
{
    sim_engine_destroy(b->eng);
    for (int h = 0; h < 2; h++)
        hvhost_destroy(b->hv[h]);
    switch_destroy(b->tor);
    for (int i = 0; i < 4; i++)
        link_destroy(b->links[i]);
    frame_pool_destroy(b->pool);
}

static int set_build__(struct set_bench *b, sim_time_t sim_time)
{
    memset(b, 0, sizeof *b);
    struct sim_engine_settings es = {.initial_events = 4096};
    b->eng = sim_engine_create(&es);
    b->pool = frame_pool_create(8192);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    b->tor = switch_create(b->eng, NULL, b->pool, &ss);
    if (!b->eng || !b->pool || !b->tor)
        return -ENOMEM;
    char err[256];
    for (int h = 0; h < 2; h++) {
        char name[8];
        snprintf(name, sizeof name, "hv%d", h + 1);
        struct hvhost_settings hs;
        hvhost_settings_default(&hs, name);
        hs.host_index = (uint8_t)(h + 1);
        hs.team.mode = SET_LB_DYNAMIC;
        b->hv[h] = hvhost_create(b->eng, NULL, b->pool, &hs);
        if (!b->hv[h])
            return -ENOMEM;
        for (int k = 0; k < 2; k++) {
            char nn[16];
            snprintf(nn, sizeof nn, "SLOT %d", k + 2);
            struct nic_settings ns = {.name = nn, .rate_bps = SET_RATE,
                                      .id = {"Mellanox", "ConnectX-4 Lx", "14.32", "3.0"}};
            uint8_t mac[6] = {0x0c, 0x42, 0xa1, (uint8_t)h, 0, (uint8_t)k};
            memcpy(ns.mac, mac, 6);
            egress_settings_default(&ns.egress, SET_RATE);
            for (int p = 0; p < 8; p++)
                ns.egress.queue_limit[p] = SET_NIC_QUEUE;
            struct nic *n = hvhost_add_nic(b->hv[h], &ns);
            struct link_settings ls = {.name = nn, .rate_bps = SET_RATE, .delay = SIM_US};
            struct link *l = link_create(b->eng, NULL, &ls);
            if (!n || !l)
                return -ENOMEM;
            b->links[h * 2 + k] = l;
            nic_attach(n, l, 0);
            switch_attach(b->tor, (uint32_t)(h * 2 + k + 1), l, 1);
        }
        const char *members[2] = {"SLOT 2", "SLOT 3"};
        if (hvhost_vswitch_create(b->hv[h], "SETswitch", members, 2, 1, 0, err, sizeof err) != 0)
            return -EINVAL;
        struct vmswitch *vs = hvhost_vswitch(b->hv[h], "SETswitch");
        for (int v = 0; v < SET_VMS; v++) {
            char vm[24];
            snprintf(vm, sizeof vm, "vm%d", v + 1);
            struct vmswitch_port_settings ps = {.name = vm, .vm = vm, .rx = sink__, .rx_ctx = b};
            uint8_t mac[6] = {0x00, 0x15, 0x5d, (uint8_t)(h + 1), 0, (uint8_t)(v + 1)};
            memcpy(ps.mac, mac, 6);
            struct vm_src *s = &b->src[h][v];
            s->vs = vs;
            s->port = vmswitch_port_add(vs, &ps);
            if (s->port < 0)
                return -EINVAL;
            /* VM v of this host -> VM v of the other host, UDP/IPv4. */
            struct pkt_l2_spec l2 = {.dst = {0x00, 0x15, 0x5d, (uint8_t)(2 - h), 0,
                                             (uint8_t)(v + 1)}};
            memcpy(l2.src, mac, 6);
            struct pkt_ip_spec ip = {.version = 4, .ttl = 128,
                                     .src = {10, 0, (uint8_t)(h + 1), (uint8_t)(v + 1)},
                                     .dst = {10, 0, (uint8_t)(2 - h), (uint8_t)(v + 1)}};
            s->pool = b->pool;
            for (int k = 0; k < SET_FLOWS_PER_VM; k++) {
                struct frame *t = frame_alloc(b->pool);
                if (!t ||
                    pkt_udp_build(t, &l2, &ip, (uint16_t)(20000 + v * 97 + k * 7919), 9000,
                                  SET_PAYLOAD) != 0 ||
                    t->len > SET_HDR_MAX || t->trailer_len || t->flags) {
                    frame_unref(t);
                    return -ENOMEM;
                }
                memcpy(s->hdr[k], frame_cdata(t), t->len);
                s->hdr_len = t->len;
                s->payload_len = t->payload_len;
                frame_unref(t);
            }
            /* 20 Gb/s per host over 8 VMs, in line bits (1518 + 20). */
            s->interval = sim_tx_time((1518 + 20) * SET_VMS, 2 * SET_RATE);
            s->stop = sim_time;
        }
    }
    return 0;
}

struct set_result {
    uint64_t delivered, events, allocs;
    double wall_s;
};

static int set_run__(sim_time_t sim_time, struct set_result *out)
{
    struct set_bench b;
    int rc = set_build__(&b, sim_time);
    if (rc != 0) {
        set_free__(&b);
        return rc;
    }
    /* Warm-up: every VM announces itself with a gratuitous ARP, which SET
     * sends on its affinitized member with its own MAC (DYN-005), so the
     * ToR learns the VMs' MACs as it would in a real deployment; then the
     * sources start. */
    for (int h = 0; h < 2; h++) {
        for (int v = 0; v < SET_VMS; v++) {
            struct vm_src *s = &b.src[h][v];
            const uint8_t *mac = vmswitch_port_mac(s->vs, s->port);
            struct pkt_l2_spec l2 = {.dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
            memcpy(l2.src, mac, 6);
            uint8_t ip[4] = {10, 0, (uint8_t)(h + 1), (uint8_t)(v + 1)}, zero[6] = {0};
            struct frame *g = frame_alloc(b.pool);
            if (g && pkt_arp_build(g, &l2, PKT_ARP_REQUEST, mac, ip, zero, ip) == 0)
                vmswitch_port_send(s->vs, s->port, g);
            else
                frame_unref(g);
            sim_schedule_in(b.eng, 10 * SIM_US + (sim_time_t)v * SIM_US, vm_tick__, s, NULL);
        }
    }
    sim_run_until(b.eng, SET_WARMUP);
    uint64_t d0 = b.delivered, e0 = sim_event_count(b.eng), a0 = cli_alloc_count();
    double t0 = cli_wall_seconds();
    sim_run_until(b.eng, sim_time);
    out->wall_s = cli_wall_seconds() - t0;
    out->delivered = b.delivered - d0;
    out->events = sim_event_count(b.eng) - e0;
    out->allocs = cli_alloc_count() - a0;
    set_free__(&b);
    return 0;
}

static void help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim bench set [--runs R] [--sim-time T] [--json]\n\n"
            "Two Hyper-V hosts, SET teams of two 10 Gb/s members in Dynamic mode, eight VM\n"
            "ports each (8 UDP flows per VM, raw frame sources as in 'bench fabric') sending\n"
            "line-rate 1518-byte frames to their twins on the other host through one learning\n"
            "switch; each NIC has a 512 KiB transmit ring.  Frames delivered per wall-second,\n"
            "next to 'setsim bench fabric' run in the same invocation, and their ratio.\n\n"
            "  --runs R      runs of each; medians are reported (default 3)\n"
            "  --sim-time T  simulated time per run (default 100ms)\n"
            "  --json        one JSON object: set_frames_per_s, fabric_frames_per_s, ratio\n");
}

int bench_set_cmd(int argc, char **argv)
{
    const char *cmd = "bench set";
    uint64_t runs = SET_RUNS;
    sim_time_t sim_time = SET_SIM_TIME;
    int json = 0;
    int orc = cli_bench_opts(cmd, argc, argv, &runs, &sim_time, SET_WARMUP, &json, help__);
    if (orc)
        return orc < 0 ? CLI_OK : orc;
    double *set_fps = calloc(runs, sizeof *set_fps), *fab_fps = calloc(runs, sizeof *fab_fps);
    if (!set_fps || !fab_fps) {
        free(set_fps);
        free(fab_fps);
        return CLI_FAILURE;
    }
    uint64_t delivered = 0, allocs = 0;
    double events_per_frame = 0;
    for (uint64_t r = 0; r < runs; r++) {
        struct set_result sr;
        if (set_run__(sim_time, &sr) != 0) {
            fprintf(stderr, "setsim bench set: building the world failed\n");
            free(set_fps);
            free(fab_fps);
            return CLI_FAILURE;
        }
        set_fps[r] = sr.wall_s > 0 ? (double)sr.delivered / sr.wall_s : 0;
        delivered = sr.delivered;
        allocs = sr.allocs > allocs ? sr.allocs : allocs;
        events_per_frame = sr.delivered ? (double)sr.events / (double)sr.delivered : 0;
        struct bench_fabric_cfg fc = {.pairs = 4, .rate_bps = SET_RATE, .delay = SIM_US,
                                      .frame_bytes = 1518, .start = 10 * SIM_US,
                                      .sim_time = sim_time};
        struct bench_fabric_result fr;
        if (bench_fabric_native(&fc, &fr) != 0) {
            fprintf(stderr, "setsim bench set: the fabric reference run failed\n");
            free(set_fps);
            free(fab_fps);
            return CLI_FAILURE;
        }
        fab_fps[r] = fr.wall_s > 0 ? (double)fr.delivered / fr.wall_s : 0;
    }
    double ms = cli_median(set_fps, runs), mf = cli_median(fab_fps, runs);
    char tbuf[32];
    if (json) {
        printf("{\"bench\": \"set\", \"runs\": %" PRIu64 ", \"sim_time_ps\": %" PRIu64
               ", \"set_frames_per_s\": %.0f, \"fabric_frames_per_s\": %.0f, \"ratio\": %.3f, "
               "\"set_frames_delivered\": %" PRIu64 ", \"events_per_frame\": %.2f, "
               "\"steady_allocs\": %" PRIu64 "}\n",
               runs, sim_time, ms, mf, mf > 0 ? ms / mf : 0, delivered, events_per_frame, allocs);
    } else {
        printf("bench set: 2 hosts x SET of 2 x 10 Gb/s (Dynamic) x 8 VMs, line-rate UDP both\n"
               "  ways through one switch, %s simulated, median of %" PRIu64 " runs\n",
               sim_time_format(sim_time, tbuf, sizeof tbuf), runs);
        printf("  SET path     %12.0f frames/s  (%" PRIu64 " frames delivered, %.2f events/frame, "
               "allocations after warm-up: %" PRIu64 ")\n",
               ms, delivered, events_per_frame, allocs);
        printf("  fabric bench %12.0f frames/s  (raw hosts, same switch and links)\n", mf);
        printf("  ratio SET/fabric: %.2f (target >= 0.80)\n", mf > 0 ? ms / mf : 0);
    }
    free(set_fps);
    free(fab_fps);
    return CLI_OK;
}
