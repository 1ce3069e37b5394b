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
 * its frames per wall-second.  The flows' source ports are chosen so the
 * team's hash loads both members evenly (--ports even, the default), or
 * are the first definition's (--ports legacy, one member oversubscribed);
 * see docs/benchmarks.md. */
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
#include "set_team.h"
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
#define SET_UDP_HLEN 8
#define SET_PORT_TRIES 256 /* source ports tried per flow (even: about 2 needed) */

/* The flows' UDP source ports (--ports).  VM v's flow k starts from port
 * 20000 + 97 v + 7919 k.  legacy: that port (the bench's first
 * definition): the Toeplitz hash then places more than half of a host's
 * flows on one member, which is offered more than its line rate and drops
 * about 8 % of the frames at its full ring.  even: the first port from
 * there whose flow the team's hash (DYN-002) places on member (v + k) % 2,
 * so in every round of the host's eight VMs each member is offered four
 * frames, its line rate, as every link of `bench fabric` is. */
enum set_ports { SET_PORTS_EVEN = 0, SET_PORTS_LEGACY };

struct vm_src {
    struct vmswitch *vs;
    struct frame_pool *pool;
    int port;
    /* One UDP frame per flow (source port), its header bytes built once
     * with pkt_udp_build and written into a fresh frame per send, in turn,
     * as rawhost builds its frames: the same bytes as a frame_copy of a
     * template frame, without reading a cold frame per send.  The flows of
     * a VM differ only in their UDP header (source port, checksum), so the
     * bytes before it are kept once (checked when they are built). */
    uint16_t hdr_len;
    uint32_t payload_len;
    unsigned next;
    sim_time_t interval;
    sim_time_t stop;
    uint8_t l3[SET_HDR_MAX];                 /* Ethernet + IPv4 header */
    uint8_t udp[SET_FLOWS_PER_VM][SET_UDP_HLEN]; /* each flow's UDP header */
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
        uint8_t *h = frame_put(f, s->hdr_len);
        memcpy(h, s->l3, s->hdr_len - SET_UDP_HLEN);
        memcpy(h + s->hdr_len - SET_UDP_HLEN, s->udp[s->next++ % SET_FLOWS_PER_VM], SET_UDP_HLEN);
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

static int set_build__(struct set_bench *b, sim_time_t sim_time, enum set_ports ports)
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
            struct set_team *team = vmswitch_team(vs);
            int vport = vmswitch_port_vport(vs, s->port);
            for (int k = 0; k < SET_FLOWS_PER_VM; k++) {
                struct frame *t = NULL;
                for (int j = 0; j < SET_PORT_TRIES; j++) {
                    t = frame_alloc(b->pool);
                    if (!t || pkt_udp_build(t, &l2, &ip, (uint16_t)(20000 + v * 97 + k * 7919 + j),
                                            9000, SET_PAYLOAD) != 0) {
                        frame_unref(t);
                        return -ENOMEM;
                    }
                    if (ports == SET_PORTS_LEGACY ||
                        set_team_hash_member(team, vport, t) ==
                            (v + k) % (int)set_team_member_count(team))
                        break;
                    frame_unref(t);
                    t = NULL;
                }
                if (!t || t->len > SET_HDR_MAX || t->len < SET_UDP_HLEN || t->trailer_len ||
                    t->flags ||
                    (k > 0 && (t->len != s->hdr_len ||
                               memcmp(s->l3, frame_cdata(t), t->len - SET_UDP_HLEN) != 0))) {
                    frame_unref(t);
                    return -ENOMEM;
                }
                memcpy(s->l3, frame_cdata(t), t->len - SET_UDP_HLEN);
                memcpy(s->udp[k], frame_cdata(t) + t->len - SET_UDP_HLEN, SET_UDP_HLEN);
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
    double wall_s, cpu_s;
};

static int set_run__(sim_time_t sim_time, enum set_ports ports, struct set_result *out)
{
    struct set_bench b;
    int rc = set_build__(&b, sim_time, ports);
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
    double t0 = cli_wall_seconds(), c0 = cli_cpu_seconds();
    sim_run_until(b.eng, sim_time);
    out->wall_s = cli_wall_seconds() - t0;
    out->cpu_s = cli_cpu_seconds() - c0;
    out->delivered = b.delivered - d0;
    out->events = sim_event_count(b.eng) - e0;
    out->allocs = cli_alloc_count() - a0;
    set_free__(&b);
    return 0;
}

static void help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim bench set [--runs R] [--sim-time T] [--ports even|legacy] [--json]\n\n"
            "Two Hyper-V hosts, SET teams of two 10 Gb/s members in Dynamic mode, eight VM\n"
            "ports each (8 UDP flows per VM, raw frame sources as in 'bench fabric') sending\n"
            "line-rate 1518-byte frames to their twins on the other host through one learning\n"
            "switch; each NIC has a 512 KiB transmit ring.  Frames delivered per wall-second,\n"
            "next to 'setsim bench fabric' run in the same invocation, and their ratio.\n\n"
            "  --runs R      runs of each; medians are reported (default 3)\n"
            "  --sim-time T  simulated time per run (default 100ms)\n"
            "  --ports P     the flows' UDP source ports: even (default): the team's hash\n"
            "                puts half of each VM's flows on each member, so each member\n"
            "                is offered exactly its line rate; legacy: 20000 + 97 v + 7919 k\n"
            "                (the first definition: one member of each team is offered\n"
            "                more than its line rate and drops about 8 %% at its ring)\n"
            "  --json        one JSON object: set_frames_per_s, fabric_frames_per_s, ratio\n"
            "                (wall), the same per CPU-second and cpu_ratio\n");
}

int bench_set_cmd(int argc, char **argv)
{
    const char *cmd = "bench set";
    uint64_t runs = SET_RUNS;
    sim_time_t sim_time = SET_SIM_TIME;
    int json = 0;
    enum set_ports ports = SET_PORTS_EVEN;
    /* --ports is this bench's own option; the rest are the common ones. */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return CLI_FAILURE;
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--ports") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;
            if (v && strcmp(v, "even") == 0) {
                ports = SET_PORTS_EVEN;
            } else if (v && strcmp(v, "legacy") == 0) {
                ports = SET_PORTS_LEGACY;
            } else {
                free(rest);
                return v ? cli_usage_error(cmd, "--ports: '%s' is neither even nor legacy", v)
                         : cli_usage_error(cmd, "--ports needs a value (even or legacy)");
            }
            continue;
        }
        rest[nrest++] = argv[i];
    }
    int orc = cli_bench_opts(cmd, nrest, rest, &runs, &sim_time, SET_WARMUP, &json, help__);
    free(rest);
    if (orc)
        return orc < 0 ? CLI_OK : orc;
    /* [0, runs): frames per wall-second; [runs, 2 runs): per CPU-second. */
    double *set_fps = calloc(2 * runs, sizeof *set_fps),
           *fab_fps = calloc(2 * runs, sizeof *fab_fps);
    if (!set_fps || !fab_fps) {
        free(set_fps);
        free(fab_fps);
        return CLI_FAILURE;
    }
    uint64_t delivered = 0, allocs = 0;
    double events_per_frame = 0;
    for (uint64_t r = 0; r < runs; r++) {
        struct set_result sr;
        if (set_run__(sim_time, ports, &sr) != 0) {
            fprintf(stderr, "setsim bench set: building the world failed\n");
            free(set_fps);
            free(fab_fps);
            return CLI_FAILURE;
        }
        set_fps[r] = sr.wall_s > 0 ? (double)sr.delivered / sr.wall_s : 0;
        set_fps[runs + r] = sr.cpu_s > 0 ? (double)sr.delivered / sr.cpu_s : 0;
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
        fab_fps[runs + r] = fr.cpu_s > 0 ? (double)fr.delivered / fr.cpu_s : 0;
    }
    double ms = cli_median(set_fps, runs), mf = cli_median(fab_fps, runs);
    double cs = cli_median(set_fps + runs, runs), cf = cli_median(fab_fps + runs, runs);
    char tbuf[32];
    if (json) {
        printf("{\"bench\": \"set\", \"ports\": \"%s\", \"runs\": %" PRIu64
               ", \"sim_time_ps\": %" PRIu64
               ", \"set_frames_per_s\": %.0f, \"fabric_frames_per_s\": %.0f, \"ratio\": %.3f, "
               "\"set_frames_delivered\": %" PRIu64 ", \"events_per_frame\": %.2f, "
               "\"steady_allocs\": %" PRIu64 ", \"set_frames_per_cpu_s\": %.0f, "
               "\"fabric_frames_per_cpu_s\": %.0f, \"cpu_ratio\": %.3f}\n",
               ports == SET_PORTS_EVEN ? "even" : "legacy", runs, sim_time, ms, mf,
               mf > 0 ? ms / mf : 0, delivered, events_per_frame, allocs,
               cs, cf, cf > 0 ? cs / cf : 0);
    } else {
        printf("bench set: 2 hosts x SET of 2 x 10 Gb/s (Dynamic) x 8 VMs, line-rate UDP both\n"
               "  ways through one switch, %s source ports, %s simulated, median of %" PRIu64
               " runs\n",
               ports == SET_PORTS_EVEN ? "even" : "legacy",
               sim_time_format(sim_time, tbuf, sizeof tbuf), runs);
        printf("  SET path     %12.0f frames/s  (%" PRIu64 " frames delivered, %.2f events/frame, "
               "allocations after warm-up: %" PRIu64 ")\n",
               ms, delivered, events_per_frame, allocs);
        printf("  fabric bench %12.0f frames/s  (raw hosts, same switch and links)\n", mf);
        printf("  ratio SET/fabric: %.2f (target >= 0.80)\n", mf > 0 ? ms / mf : 0);
        printf("  per CPU-second (not inflated by other processes on the cores): SET %.0f, "
               "fabric %.0f, ratio %.2f\n",
               cs, cf, cf > 0 ? cs / cf : 0);
    }
    free(set_fps);
    free(fab_fps);
    return CLI_OK;
}
