/* test_set: the SET team and the Hyper-V virtual switch, judged from the
 * frame bytes captured on each member's cable (one pcapng per member, read
 * back with libpcap and decoded by pkt_parse), plus the physical switch's
 * MAC-move counters.
 *
 * Topology: a Hyper-V host with a SET team of two (or more) identical
 * 10 Gb/s NICs cabled to ports 1..n of a learning ToR switch; a remote raw
 * host on the next port.  VMs are test endpoints on vmswitch ports that
 * send TCP/UDP/ARP/NS/raw frames built with the pkt codecs. */
#include "test_util.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "nic.h"
#include "pcapng.h"
#include "pkt.h"
#include "rawhost.h"
#include "set_team.h"
#include "sim_engine.h"
#include "switch.h"
#include "trace.h"
#include "vmswitch.h"

#define G10 10000000000ULL
#define MAXM 9
#define MAXVM 8

struct vm {
    struct hv *hv;
    int port;           /* vmswitch port */
    uint8_t mac[6];
    uint8_t ip[4];
    uint64_t rx_frames, rx_bcast;
};

struct hv {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct sw *tor;
    struct nic *nic[MAXM];
    struct link *link[MAXM + 1];
    int nmem;
    struct set_team *team;
    struct vmswitch *vs;
    struct vm vm[MAXVM];
    int nvm;
    struct nic *rnic;   /* the remote host */
    struct rawhost *remote;
    struct pcapng_writer *cap[MAXM], *cap_in[MAXM];
    struct trace *trace;
    char cap_path[MAXM][600], cap_in_path[MAXM][600];
    char dir[512];
    uint8_t remote_mac[6];
    uint8_t remote_ip[4];
};

static void vm_rx(void *ctx, struct frame *f)
{
    struct vm *v = ctx;
    v->rx_frames++;
    if (pkt_mac_is_multicast(pkt_eth_dst(f)))
        v->rx_bcast++;
    frame_unref(f);
}

/* A host with n members (identity of member i may be overridden).
 * capture: 0 none, 1 each member's transmissions (m<i>.pcapng), 2 also
 * what each member receives (m<i>-in.pcapng).  ts: team settings (NULL:
 * the defaults with `mode`). */
static void hv_init_ts(struct hv *h, int nmem, enum set_lb_mode mode, int capture,
                       const struct set_team_settings *tso);

static void hv_init(struct hv *h, int nmem, enum set_lb_mode mode, int capture)
{
    hv_init_ts(h, nmem, mode, capture, NULL);
}

static void hv_init_ts(struct hv *h, int nmem, enum set_lb_mode mode, int capture,
                       const struct set_team_settings *tso)
{
    memset(h, 0, sizeof *h);
    h->eng = sim_engine_create(NULL);
    h->pool = frame_pool_create(4096);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(h->dir, sizeof h->dir), 0);
    char tpath[600];
    snprintf(tpath, sizeof tpath, "%s/run.sqlite", h->dir);
    struct trace_run_info ti = {.seed = 1, .scenario = "set", .engine = "native"};
    h->trace = trace_open(tpath, &ti, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->trace);
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", (uint32_t)nmem + 1);
    h->tor = switch_create(h->eng, h->trace, h->pool, &ss);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->tor);
    h->nmem = nmem;
    for (int i = 0; i <= nmem; i++) {
        char name[32];
        snprintf(name, sizeof name, i < nmem ? "SLOT %d" : "remote", i + 2);
        struct nic_settings ns = {.name = name, .rate_bps = G10, .vmq_queues = 16,
                                  .id = {"Mellanox", "ConnectX-5", "16.27", "2.40"}};
        uint8_t mac[6] = {0x0c, 0x42, 0xa1, 0, 0, (uint8_t)(0x10 + i)};
        memcpy(ns.mac, mac, 6);
        egress_settings_default(&ns.egress, G10);
        struct nic *n = nic_create(h->eng, h->trace, h->pool, &ns);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        struct link_settings ls = {.name = name, .rate_bps = G10, .delay = 100 * SIM_NS};
        h->link[i] = link_create(h->eng, NULL, &ls);
        nic_attach(n, h->link[i], 0);
        switch_attach(h->tor, (uint32_t)i + 1, h->link[i], 1);
        if (i < nmem) {
            h->nic[i] = n;
            if (capture) {
                snprintf(h->cap_path[i], sizeof h->cap_path[i], "%s/m%d.pcapng", h->dir, i);
                h->cap[i] = pcapng_open(h->cap_path[i], NULL, NULL, 0);
                CU_ASSERT_PTR_NOT_NULL_FATAL(h->cap[i]);
                /* The member's transmissions, as a TAP on its side would. */
                link_capture_dirs(h->link[i], 0, h->cap[i],
                                  pcapng_add_interface(h->cap[i], name, 0), LINK_CAP_OUT);
            }
            if (capture == 2) {
                snprintf(h->cap_in_path[i], sizeof h->cap_in_path[i], "%s/m%d-in.pcapng",
                         h->dir, i);
                h->cap_in[i] = pcapng_open(h->cap_in_path[i], NULL, NULL, 0);
                CU_ASSERT_PTR_NOT_NULL_FATAL(h->cap_in[i]);
                link_capture_dirs(h->link[i], 0, h->cap_in[i],
                                  pcapng_add_interface(h->cap_in[i], name, 0), LINK_CAP_IN);
            }
        } else {
            h->rnic = n;
            memcpy(h->remote_mac, mac, 6);
            h->remote = rawhost_create(h->eng, h->pool, n, "remote", 1);
        }
    }
    uint8_t rip[4] = {10, 0, 0, 200};
    memcpy(h->remote_ip, rip, 4);
    char err[256] = "";
    if (nmem > 0) {
        struct set_team_settings ts;
        set_team_settings_default(&ts, "SETswitch");
        ts.mode = mode;
        if (tso)
            ts = *tso;
        h->team = set_team_create(h->eng, h->trace, &ts, h->nic, (size_t)nmem, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h->team);
        struct vmswitch_settings vss = {.name = "SETswitch", .embedded_teaming = 1};
        h->vs = vmswitch_create(h->eng, h->trace, &vss);
        vmswitch_attach_team(h->vs, h->team);
    }
}

static struct vm *hv_vm(struct hv *h)
{
    struct vm *v = &h->vm[h->nvm];
    v->hv = h;
    uint8_t mac[6] = {0x00, 0x15, 0x5d, 0x00, 0x00, (uint8_t)(h->nvm + 1)};
    uint8_t ip[4] = {10, 0, 0, (uint8_t)(h->nvm + 1)};
    memcpy(v->mac, mac, 6);
    memcpy(v->ip, ip, 4);
    char name[32];
    snprintf(name, sizeof name, "vm%d", h->nvm + 1);
    struct vmswitch_port_settings ps = {.name = name, .vm = name, .rx = vm_rx, .rx_ctx = v};
    memcpy(ps.mac, mac, 6);
    v->port = vmswitch_port_add(h->vs, &ps);
    CU_ASSERT_FATAL(v->port >= 0);
    CU_ASSERT_EQUAL(vmswitch_port_set_ipv4(h->vs, v->port, ip), 0);
    h->nvm++;
    return v;
}

static void hv_close_captures(struct hv *h)
{
    for (int i = 0; i < h->nmem; i++) {
        if (h->cap[i])
            CU_ASSERT_EQUAL(pcapng_close(h->cap[i]), 0);
        if (h->cap_in[i])
            CU_ASSERT_EQUAL(pcapng_close(h->cap_in[i]), 0);
        h->cap[i] = h->cap_in[i] = NULL;
    }
}

static void hv_free(struct hv *h)
{
    hv_close_captures(h);
    sim_engine_destroy(h->eng);
    vmswitch_destroy(h->vs);
    set_team_destroy(h->team);
    rawhost_destroy(h->remote);
    for (int i = 0; i < h->nmem; i++)
        nic_destroy(h->nic[i]);
    nic_destroy(h->rnic);
    switch_destroy(h->tor);
    for (int i = 0; i <= h->nmem; i++)
        link_destroy(h->link[i]);
    frame_pool_destroy(h->pool);
    trace_finish(h->trace, 0, 0);
    trace_close(h->trace);
}

/* One integer from the run's trace (after hv_free closed it). */
static long long trace_count(const char *dir, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    return test_sql_int(path, sql);
}

/* ---- frames a VM sends ---------------------------------------------------- */

static void l2_ip(const struct vm *v, const uint8_t dst_mac[6], const uint8_t dst_ip[4],
                  struct pkt_l2_spec *l2, struct pkt_ip_spec *ip)
{
    memset(l2, 0, sizeof *l2);
    memcpy(l2->src, v->mac, 6);
    memcpy(l2->dst, dst_mac, 6);
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    ip->ttl = 128;
    memcpy(ip->src, v->ip, 4);
    memcpy(ip->dst, dst_ip, 4);
}

static void vm_send_tcp(struct vm *v, uint16_t sport, uint32_t payload)
{
    struct hv *h = v->hv;
    struct frame *f = frame_alloc(h->pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    l2_ip(v, h->remote_mac, h->remote_ip, &l2, &ip);
    struct pkt_tcp_spec tcp = {.sport = sport, .dport = 445, .flags = PKT_TCP_ACK,
                               .window = 1024, .wscale = PKT_TCP_NO_WSCALE};
    CU_ASSERT_EQUAL_FATAL(pkt_tcp_build(f, &l2, &ip, &tcp, payload), 0);
    f->flow_id = sport; /* the trace's flow id is the source port */
    vmswitch_port_send(h->vs, v->port, f);
}

static void vm_send_arp(struct vm *v)
{
    struct hv *h = v->hv;
    struct frame *f = frame_alloc(h->pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.src, v->mac, 6);
    memset(l2.dst, 0xff, 6);
    uint8_t zero[6] = {0};
    CU_ASSERT_EQUAL_FATAL(pkt_arp_build(f, &l2, PKT_ARP_REQUEST, v->mac, v->ip, zero,
                                        h->remote_ip), 0);
    vmswitch_port_send(h->vs, v->port, f);
}

static void vm_send_ns(struct vm *v)
{
    struct hv *h = v->hv;
    struct frame *f = frame_alloc(h->pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.src, v->mac, 6);
    struct pkt_ip_spec ip = {.version = 6, .ttl = 255};
    struct pkt_nd_spec nd = {.type = PKT_ICMPV6_NS, .has_lladdr = 1};
    uint8_t target[16] = {0xfe, 0x80, [15] = 0x99};
    memcpy(nd.target, target, 16);
    memcpy(nd.lladdr, v->mac, 6);
    uint8_t src6[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = v->mac[5]};
    memcpy(ip.src, src6, 16);
    pkt_ipv6_solicited_node(target, ip.dst);
    pkt_eth_ipv6_mcast(ip.dst, l2.dst);
    CU_ASSERT_EQUAL_FATAL(pkt_nd_build(f, &l2, &ip, &nd), 0);
    vmswitch_port_send(h->vs, v->port, f);
}

static void vm_send_raw(struct vm *v, uint16_t ethertype, uint32_t flags)
{
    struct hv *h = v->hv;
    struct frame *f = frame_alloc(h->pool);
    uint8_t *b = frame_put(f, 14);
    memcpy(b, h->remote_mac, 6);
    memcpy(b + 6, v->mac, 6);
    b[12] = (uint8_t)(ethertype >> 8);
    b[13] = (uint8_t)ethertype;
    f->payload_len = 100;
    f->flags |= (uint16_t)flags;
    vmswitch_port_send(h->vs, v->port, f);
}

/* An on/off TCP source: `burst` frames back to back, then `gap` idle. */
struct onoff {
    struct vm *vm;
    uint16_t sport;
    int burst, left, bursts;
    sim_time_t gap;
};

static void onoff_tick(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct onoff *o = ctx;
    if (o->bursts <= 0)
        return;
    vm_send_tcp(o->vm, o->sport, 1400);
    if (--o->left > 0) {
        sim_schedule_in(eng, sim_tx_time(1500, G10 / 4), onoff_tick, o, NULL);
        return;
    }
    o->left = o->burst;
    o->bursts--;
    sim_schedule_in(eng, o->gap, onoff_tick, o, NULL);
}

/* A constant-rate TCP source for one VM. */
struct cbr {
    struct vm *vm;
    uint16_t sport;
    sim_time_t interval, stop;
    uint64_t sent;
};

static void cbr_tick(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct cbr *c = ctx;
    if (sim_now(eng) >= c->stop)
        return;
    vm_send_tcp(c->vm, c->sport, 1400);
    c->sent++;
    sim_schedule_in(eng, c->interval, cbr_tick, c, NULL);
}

/* ---- reading the member captures ----------------------------------------- */

struct wire {
    uint64_t frames;
    uint64_t arp, ns;
    uint64_t src_counts[16];  /* per VM index: frames with that VM's MAC */
    uint64_t src_rmac;        /* frames with this member's own MAC as source */
    uint64_t src_other_rmac;  /* another member's MAC as source */
    uint64_t arp_other;       /* ARP/NS with a source other than a VM MAC */
    uint64_t pfc;
    sim_time_t vm_first[16], vm_last[16];
};

static void read_wire(struct hv *h, int member, struct wire *w)
{
    memset(w, 0, sizeof *w);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(h->cap_path[member],
                                                         PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        struct pkt_info pi;
        struct pkt_l2 l2;
        if (pkt_l2_bytes(data, hdr->caplen, &l2) != 0)
            continue;
        if (pkt_parse_bytes(data, hdr->caplen, hdr->len, &pi) != 0)
            pi.layers = 0; /* not IP after all: L2 facts only */
        memcpy(pi.src, l2.src, 6);
        int vm_idx = -1;
        for (int i = 0; i < h->nvm; i++)
            if (memcmp(pi.src, h->vm[i].mac, 6) == 0)
                vm_idx = i;
        int is_member_mac = -1;
        for (int i = 0; i < h->nmem; i++)
            if (memcmp(pi.src, nic_mac(h->nic[i]), 6) == 0)
                is_member_mac = i;
        if (vm_idx < 0 && is_member_mac < 0)
            continue; /* inbound (remote or switch) */
        if (pi.layers & PKT_HAS_PFC) {
            w->pfc++;
            continue;
        }
        w->frames++;
        sim_time_t ts = (sim_time_t)hdr->ts.tv_sec * SIM_S + (sim_time_t)hdr->ts.tv_usec * SIM_NS;
        if (vm_idx >= 0) {
            if (!w->src_counts[vm_idx])
                w->vm_first[vm_idx] = ts;
            w->src_counts[vm_idx]++;
            w->vm_last[vm_idx] = ts;
        } else if (is_member_mac == member) {
            w->src_rmac++;
        } else {
            w->src_other_rmac++;
        }
        int arp_ns = (pi.layers & PKT_HAS_ARP) ||
                     ((pi.layers & PKT_HAS_ICMPV6) && pi.icmp6_type == PKT_ICMPV6_NS);
        if (pi.layers & PKT_HAS_ARP)
            w->arp++;
        if ((pi.layers & PKT_HAS_ICMPV6) && pi.icmp6_type == PKT_ICMPV6_NS)
            w->ns++;
        if (arp_ns && vm_idx < 0)
            w->arp_other++;
    }
    pcap_close(p);
}

/* ---- tests ------------------------------------------------------------------ */

/* HVP-002/003/004: 4 VMs on 2 members, least-ports placement. */
static void test_hvp_placement_and_no_rewrite(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 1);
    for (int i = 0; i < 4; i++)
        hv_vm(&h);
    /* HVP-002: least ports, ties by member order: 0, 1, 0, 1. */
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, h.vm[i].port)), i % 2);
    for (int k = 0; k < 50; k++)
        for (int i = 0; i < 4; i++)
            vm_send_tcp(&h.vm[i], (uint16_t)(1000 + k * 7 + i), 1000);
    vm_send_arp(&h.vm[0]);
    sim_run_until(h.eng, 2 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[2];
    read_wire(&h, 0, &w[0]);
    read_wire(&h, 1, &w[1]);
    for (int i = 0; i < 4; i++) {
        int m = i % 2;
        CU_ASSERT_EQUAL(w[m].src_counts[i], i == 0 ? 51 : 50); /* HVP-003 */
        CU_ASSERT_EQUAL(w[1 - m].src_counts[i], 0);
    }
    /* HVP-004: no replaced MACs. */
    CU_ASSERT_EQUAL(w[0].src_rmac + w[0].src_other_rmac + w[1].src_rmac + w[1].src_other_rmac, 0);
    CU_ASSERT_EQUAL(switch_counters(h.tor)->moves, 0); /* HVP-009 */
    hv_free(&h);
}

/* HVP-005: one VM offered twice a member's rate gets at most one member. */
static void test_hvp_single_vm_capped(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 0);
    struct vm *v = hv_vm(&h);
    struct cbr c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct cbr){.vm = v, .sport = (uint16_t)(2000 + i),
                            .interval = sim_tx_time(1478, G10 / 2), .stop = 5 * SIM_MS};
        sim_schedule_in(h.eng, 0, cbr_tick, &c[i], NULL);
    }
    sim_run_until(h.eng, 5 * SIM_MS);
    int vp = vmswitch_port_vport(h.vs, v->port);
    CU_ASSERT(set_team_tx_frames(h.team, vp, 0) > 0);
    CU_ASSERT_EQUAL(set_team_tx_frames(h.team, vp, 1), 0);
    /* What reached the remote is at most one 10 Gb/s member's worth. */
    const struct rawhost_stats *rs = rawhost_stats(h.remote);
    double gbps = (double)rs->rx_bytes * 8 / 5e-3 / 1e9;
    CU_ASSERT(gbps <= 10.0 * (1500.0 / 1524.0) * 1.01);
    CU_ASSERT(gbps > 9.0);
    fprintf(stderr, "\n    HVP-005: one VM offered 20 Gb/s, delivered %.2f Gb/s\n", gbps);
    hv_free(&h);
}

/* DYN-002..007, DYN-009, HVP-009: one VM, 8 TCP flows with idle gaps. */
static void test_dynamic_flowlets(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *v = hv_vm(&h);
    int vp = vmswitch_port_vport(h.vs, v->port);
    int aff = set_team_affinity(h.team, vp);
    CU_ASSERT_EQUAL(aff, 0);
    struct onoff o[8];
    for (int i = 0; i < 8; i++) {
        o[i] = (struct onoff){.vm = v, .sport = (uint16_t)(40000 + i * 13), .burst = 20,
                              .left = 20, .bursts = 8, .gap = 700 * SIM_US};
        sim_schedule_in(h.eng, (sim_time_t)i * 37 * SIM_US, onoff_tick, &o[i], NULL);
    }
    for (int k = 0; k < 5; k++) {
        vm_send_arp(v);
        vm_send_ns(v);
        sim_run_until(h.eng, sim_now(h.eng) + 2 * SIM_MS);
    }
    sim_run_until(h.eng, 20 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[2];
    read_wire(&h, 0, &w[0]);
    read_wire(&h, 1, &w[1]);
    int other = 1 - aff;
    /* Both members carry the VM's traffic (DYN-009). */
    CU_ASSERT(w[aff].src_counts[0] > 0);
    CU_ASSERT(w[other].src_rmac > 0);
    /* DYN-006/007: own MAC only on the affinitized member, the other
     * member's own MAC only there; no member ever uses the other's MAC. */
    CU_ASSERT_EQUAL(w[other].src_counts[0], 0);
    CU_ASSERT_EQUAL(w[aff].src_rmac, 0);
    CU_ASSERT_EQUAL(w[0].src_other_rmac + w[1].src_other_rmac, 0);
    /* DYN-005: every ARP and NS on the affinitized member, with MAC(p). */
    CU_ASSERT_EQUAL(w[aff].arp, 5);
    CU_ASSERT_EQUAL(w[aff].ns, 5);
    CU_ASSERT_EQUAL(w[other].arp + w[other].ns, 0);
    CU_ASSERT_EQUAL(w[aff].arp_other, 0);
    /* HVP-009: the physical switch never saw a MAC move. */
    CU_ASSERT_EQUAL(switch_counters(h.tor)->moves, 0);
    CU_ASSERT_EQUAL(set_team_flow_count(h.team), 8);
    fprintf(stderr, "\n    Dynamic: member %d sent %llu own-MAC frames, member %d %llu "
                    "replaced-MAC frames\n",
            aff, (unsigned long long)w[aff].src_counts[0], other,
            (unsigned long long)w[other].src_rmac);
    hv_free(&h);
}

/* DYN-004, DYN-010: non-hashable and RDMA frames stay on the affinitized
 * member with the vPort's MAC. */
static void test_dynamic_pinned_traffic(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *v0 = hv_vm(&h);
    struct vm *v1 = hv_vm(&h); /* affinitized to member 1 */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, v1->port)), 1);
    for (int k = 0; k < 20; k++) {
        vm_send_raw(v1, 0x88B5, 0);         /* not IP: DYN-004 */
        vm_send_raw(v1, 0x0800, FRAME_F_RDMA); /* RDMA engine: DYN-010 */
        vm_send_tcp(v0, (uint16_t)(5000 + k), 100); /* hashed: spreads */
    }
    sim_run_until(h.eng, 2 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[2];
    read_wire(&h, 0, &w[0]);
    read_wire(&h, 1, &w[1]);
    CU_ASSERT_EQUAL(w[1].src_counts[1], 40);
    CU_ASSERT_EQUAL(w[0].src_counts[1], 0);
    /* v0's 20 flows are hashed over both members. */
    CU_ASSERT(w[0].src_counts[0] > 0);
    CU_ASSERT(w[1].src_rmac > 0);
    CU_ASSERT_EQUAL(w[0].src_counts[0] + w[1].src_rmac, 20);
    hv_free(&h);
}

/* DYN-002: set_team_hash_member names the member a flow's frames go on
 * before the first one is sent (and creates no flow); non-hashed frames
 * (DYN-005 ARP, DYN-010 RDMA) have none.  12 flows sent in turn, more
 * than the vPort's flow cache holds, with source ports equal in their low
 * bits: every frame still leaves on its flow's member (judged from the
 * captured bytes: own MAC on the affinitized member, the RMAC elsewhere). */
static void test_dynamic_hash_member(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *v = hv_vm(&h);
    int vp = vmswitch_port_vport(h.vs, v->port);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp), 0);
    enum { FLOWS = 12, ROUNDS = 5 };
    int member[FLOWS];
    uint64_t expect[2] = {0, 0};
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < FLOWS; i++) {
            struct frame *f = frame_alloc(h.pool);
            struct pkt_l2_spec l2;
            struct pkt_ip_spec ip;
            l2_ip(v, h.remote_mac, h.remote_ip, &l2, &ip);
            uint16_t sport = (uint16_t)(40000 + i * 64);
            CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, sport, 9000, 100), 0);
            int m = set_team_hash_member(h.team, vp, f);
            CU_ASSERT(m == 0 || m == 1);
            if (r == 0) {
                member[i] = m;
                CU_ASSERT_EQUAL(set_team_flow_count(h.team), (size_t)i); /* asking adds none */
            }
            CU_ASSERT_EQUAL(m, member[i]);
            if (m == 0 || m == 1)
                expect[m]++;
            vmswitch_port_send(h.vs, v->port, f);
            sim_run_until(h.eng, sim_now(h.eng) + 10 * SIM_US);
        }
    }
    CU_ASSERT(expect[0] > 0 && expect[1] > 0);
    CU_ASSERT_EQUAL(set_team_flow_count(h.team), FLOWS);
    /* Not hashed: none. */
    struct frame *g = frame_alloc(h.pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.src, v->mac, 6);
    memset(l2.dst, 0xff, 6);
    uint8_t zero[6] = {0};
    CU_ASSERT_EQUAL_FATAL(pkt_arp_build(g, &l2, PKT_ARP_REQUEST, v->mac, v->ip, zero,
                                        h.remote_ip), 0);
    CU_ASSERT_EQUAL(set_team_hash_member(h.team, vp, g), SET_NO_MEMBER);
    frame_unref(g);
    g = frame_alloc(h.pool);
    struct pkt_ip_spec ip;
    l2_ip(v, h.remote_mac, h.remote_ip, &l2, &ip);
    CU_ASSERT_EQUAL_FATAL(pkt_udp_build(g, &l2, &ip, 40000, 9000, 100), 0);
    g->flags |= FRAME_F_RDMA;
    CU_ASSERT_EQUAL(set_team_hash_member(h.team, vp, g), SET_NO_MEMBER);
    frame_unref(g);
    sim_run_until(h.eng, sim_now(h.eng) + 1 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[2];
    read_wire(&h, 0, &w[0]);
    read_wire(&h, 1, &w[1]);
    CU_ASSERT_EQUAL(w[0].src_counts[0], expect[0]);
    CU_ASSERT_EQUAL(w[1].src_rmac, expect[1]);
    CU_ASSERT_EQUAL(w[1].src_counts[0] + w[0].src_rmac, 0);
    hv_free(&h);
}

/* FO-001..FO-006 with a mapped vPort and an unmapped one. */
static void test_failover_and_failback(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *a = hv_vm(&h); /* member 0 */
    struct vm *b = hv_vm(&h); /* member 1, mapped to member 0 below... */
    int vpa = vmswitch_port_vport(h.vs, a->port), vpb = vmswitch_port_vport(h.vs, b->port);
    /* HVP-006: map a to member 0 (SLOT 2); b stays unmapped on member 1. */
    CU_ASSERT_EQUAL(set_team_map(h.team, vpa, h.nic[0]), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);
    struct cbr ca = {.vm = a, .sport = 1111, .interval = 10 * SIM_US, .stop = 40 * SIM_MS};
    struct cbr cb = {.vm = b, .sport = 2222, .interval = 10 * SIM_US, .stop = 40 * SIM_MS};
    sim_schedule_in(h.eng, 0, cbr_tick, &ca, NULL);
    sim_schedule_in(h.eng, 0, cbr_tick, &cb, NULL);
    /* ARP now and then so the switch learns MAC(a) where it is sent. */
    for (int k = 0; k < 40; k++) {
        sim_run_until(h.eng, (sim_time_t)k * SIM_MS + 500 * SIM_US);
        vm_send_arp(a);
        vm_send_arp(b);
    }
    CU_ASSERT_EQUAL(switch_mac_lookup(h.tor, 1, a->mac), 1);
    hv_free(&h);
}

static void test_failover_cut(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 1);
    struct vm *a = hv_vm(&h);
    struct vm *b = hv_vm(&h);
    int vpa = vmswitch_port_vport(h.vs, a->port), vpb = vmswitch_port_vport(h.vs, b->port);
    CU_ASSERT_EQUAL(set_team_map(h.team, vpa, h.nic[0]), 0);
    struct cbr ca = {.vm = a, .sport = 1111, .interval = 20 * SIM_US, .stop = 3 * SIM_S};
    struct cbr cb = {.vm = b, .sport = 2222, .interval = 20 * SIM_US, .stop = 3 * SIM_S};
    sim_schedule_in(h.eng, 0, cbr_tick, &ca, NULL);
    sim_schedule_in(h.eng, 0, cbr_tick, &cb, NULL);
    sim_run_until(h.eng, 5 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(h.tor, 1, a->mac), 1);
    CU_ASSERT_EQUAL(switch_mac_lookup(h.tor, 1, b->mac), 2);
    /* t = 5 ms: cut a's member (SLOT 2). */
    link_cut(h.link[0]);
    sim_run_until(h.eng, 10 * SIM_MS);
    /* FO-002: a is on the survivor; b did not move (FO-003). */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 1);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);
    CU_ASSERT_EQUAL(switch_mac_lookup(h.tor, 1, a->mac), 2);
    uint64_t rx_before = rawhost_stats(h.remote)->rx_frames;
    sim_run_until(h.eng, 20 * SIM_MS);
    /* Delivered traffic resumes: both VMs' frames arrive. */
    CU_ASSERT(rawhost_stats(h.remote)->rx_frames - rx_before > 900);
    /* Restore at 20 ms: a is mapped to SLOT 2 and fails back after the 1 s
     * hold-down (FO-006 a); b stays (FO-006 b). */
    link_restore(h.link[0]);
    sim_run_until(h.eng, 20 * SIM_MS + 900 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 1); /* still held down */
    sim_run_until(h.eng, 20 * SIM_MS + 1100 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);
    sim_run_until(h.eng, 1200 * SIM_MS);
    CU_ASSERT_EQUAL(switch_mac_lookup(h.tor, 1, a->mac), 1);
    hv_close_captures(&h);
    struct wire w[2];
    read_wire(&h, 0, &w[0]);
    read_wire(&h, 1, &w[1]);
    /* MAC(a) on member 1 only between the failure and the failback. */
    CU_ASSERT(w[1].src_counts[0] > 0);
    CU_ASSERT(w[1].vm_first[0] >= 5 * SIM_MS);
    CU_ASSERT(w[1].vm_last[0] < 1121 * SIM_MS);
    CU_ASSERT(w[0].vm_first[0] < 5 * SIM_MS);
    /* FO-001: nothing left member 0 while its cable was cut. */
    CU_ASSERT_EQUAL(w[0].src_counts[1], 0);
    hv_free(&h);
    /* FO-004: MAC(a) changed switch port exactly once for the failure (the
     * switch flushed port 1 when its link went down, so it is learned anew
     * on port 2) and once more for the failback; MAC(b) never moved. */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE mac = "
                                       "'00:15:5d:00:00:01' AND kind IN ('mac_learn','mac_move') "
                                       "AND time_ps > 5000000000 AND time_ps < 20000000000"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE mac = "
                                       "'00:15:5d:00:00:01' AND kind = 'mac_move' AND obj = "
                                       "'tor/1' AND obj2 = 'tor/2'"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE mac = "
                                       "'00:15:5d:00:00:02' AND kind = 'mac_move'"),
                    0);
    /* The trace has the failover and the failback of vm1. */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set' AND obj = 'vm1' AND reason = 'failover' "
                                       "AND obj2 = 'SLOT 3'"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set' AND obj = 'vm1' AND reason = 'failback' "
                                       "AND obj2 = 'SLOT 2' AND time_ps >= 1020000000000"),
                    1);
}

/* FO-003 in Dynamic mode: the failed member's replacement MAC never shows
 * up on another member; flows on the survivor keep member and MAC. */
static void test_failover_dynamic_rmac(void)
{
    struct hv h;
    hv_init(&h, 3, SET_LB_DYNAMIC, 1);
    struct vm *v = hv_vm(&h); /* affinitized to member 0 */
    struct onoff o[12];
    for (int i = 0; i < 12; i++) {
        o[i] = (struct onoff){.vm = v, .sport = (uint16_t)(30000 + 101 * i), .burst = 10,
                              .left = 10, .bursts = 30, .gap = 600 * SIM_US};
        sim_schedule_in(h.eng, (sim_time_t)i * 11 * SIM_US, onoff_tick, &o[i], NULL);
    }
    sim_run_until(h.eng, 5 * SIM_MS);
    link_cut(h.link[1]); /* a non-affinitized member fails */
    sim_run_until(h.eng, 20 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[3];
    for (int m = 0; m < 3; m++)
        read_wire(&h, m, &w[m]);
    CU_ASSERT(w[1].src_rmac > 0);
    for (int m = 0; m < 3; m++)
        CU_ASSERT_EQUAL(w[m].src_other_rmac, 0); /* no RMAC moved */
    CU_ASSERT_EQUAL(w[1].src_counts[0] + w[2].src_counts[0], 0); /* MAC(p) stayed */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, v->port)), 0);
    CU_ASSERT_EQUAL(switch_counters(h.tor)->moves, 0);
    hv_free(&h);
}

/* FO-008: with every member down the team drops; local switching works. */
static void test_all_members_down(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 0);
    struct vm *a = hv_vm(&h);
    struct vm *b = hv_vm(&h);
    link_cut(h.link[0]);
    link_cut(h.link[1]);
    sim_run_until(h.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, a->port)), SET_NO_MEMBER);
    vm_send_tcp(a, 1, 100); /* external: dropped */
    /* a -> b inside the switch still works. */
    struct frame *f = frame_alloc(h.pool);
    uint8_t *p = frame_put(f, 14);
    memcpy(p, b->mac, 6);
    memcpy(p + 6, a->mac, 6);
    p[12] = 0x88;
    p[13] = 0xb5;
    f->payload_len = 46;
    vmswitch_port_send(h.vs, a->port, f);
    sim_run_until(h.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(b->rx_frames, 1);
    CU_ASSERT_EQUAL(rawhost_stats(h.remote)->rx_frames, 0);
    /* The first member back takes every vPort. */
    link_restore(h.link[1]);
    sim_run_until(h.eng, 3 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, a->port)), 1);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vmswitch_port_vport(h.vs, b->port)), 1);
    hv_free(&h);
}

/* HVP-008: a broadcast flooded to every member is delivered once. */
static void test_flood_delivered_once(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 0);
    struct vm *a = hv_vm(&h);
    struct vm *b = hv_vm(&h);
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = 100, .rate_bps = G10 / 100,
                              .count = 7};
    memset(fl.dst, 0xff, 6);
    rawhost_start(h.remote, &fl);
    sim_run_until(h.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(a->rx_bcast, 7);
    CU_ASSERT_EQUAL(b->rx_bcast, 7);
    CU_ASSERT_EQUAL(vmswitch_port_counters(h.vs, a->port)->rx_dup_dropped, 7);
    hv_free(&h);
}

/* CFG-001, CFG-003: team of 9, non-identical, empty list. */
static void test_team_validation(void)
{
    struct hv h;
    hv_init(&h, 0, SET_LB_DYNAMIC, 0);
    struct sim_engine *eng = h.eng;
    struct nic *n[9];
    for (int i = 0; i < 9; i++) {
        char name[16];
        snprintf(name, sizeof name, "NIC %d", i + 1);
        struct nic_settings ns = {.name = name, .rate_bps = G10,
                                  .id = {"Mellanox", "ConnectX-5", i == 2 ? "16.28" : "16.27",
                                         "2.40"}};
        egress_settings_default(&ns.egress, G10);
        n[i] = nic_create(eng, NULL, h.pool, &ns);
    }
    struct set_team_settings ts;
    set_team_settings_default(&ts, "T");
    char err[256];
    struct nic *ok[8] = {n[0], n[1], n[3], n[4], n[5], n[6], n[7], n[8]};
    struct set_team *t = set_team_create(eng, NULL, &ts, n, 9, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "CFG-001 SET_E_MEMBER_COUNT"));
    t = set_team_create(eng, NULL, &ts, n, 0, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "SET_E_MEMBER_COUNT"));
    t = set_team_create(eng, NULL, &ts, n, 3, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_STRING_EQUAL(err, "CFG-003 SET_E_MEMBERS_NOT_IDENTICAL: 'NIC 3' differs from "
                                "'NIC 1' in firmware (16.28 vs 16.27)");
    struct nic *dup[2] = {n[0], n[0]};
    CU_ASSERT_PTR_NULL(set_team_create(eng, NULL, &ts, dup, 2, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "CFG-001 SET_E_DUPLICATE_MEMBER: 'NIC 1'"));
    t = set_team_create(eng, NULL, &ts, ok, 8, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(set_team_member_count(t), 8);
    /* CFG-015 with a bad list changes nothing. */
    CU_ASSERT_NOT_EQUAL(set_team_set_members(t, n, 0, err, sizeof err), 0);
    CU_ASSERT_EQUAL(set_team_member_count(t), 8);
    ts.strict_identical = 0; /* what-if: identical check downgraded */
    struct set_team *t2 = set_team_create(eng, NULL, &ts, n + 1, 3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(t2);
    set_team_destroy(t2);
    set_team_destroy(t);
    for (int i = 0; i < 9; i++)
        nic_destroy(n[i]);
    hv_free(&h);
}

/* CFG-015 / FO-007: replacing the member list moves the removed member's
 * vPorts; CFG-011: the mode changes for all traffic. */
static void test_member_replace_and_mode(void)
{
    struct hv h;
    hv_init(&h, 3, SET_LB_HYPERV_PORT, 1);
    struct vm *a = hv_vm(&h);
    struct vm *b = hv_vm(&h);
    int vpa = vmswitch_port_vport(h.vs, a->port), vpb = vmswitch_port_vport(h.vs, b->port);
    CU_ASSERT_EQUAL(set_team_map(h.team, vpb, h.nic[1]), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);
    /* Replace {0, 1, 2} by {0, 2}: b's mapped member goes away. */
    struct nic *list[2] = {h.nic[0], h.nic[2]};
    char err[256];
    CU_ASSERT_EQUAL(set_team_set_members(h.team, list, 2, err, sizeof err), 0);
    CU_ASSERT_EQUAL(set_team_member_count(h.team), 2);
    CU_ASSERT_EQUAL(set_team_member_index(h.team, h.nic[1]), SET_NO_MEMBER);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 0);
    CU_ASSERT_EQUAL(set_team_mapped(h.team, vpb), SET_NO_MEMBER); /* dangling, cleared */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);           /* now nic[2] */
    CU_ASSERT_PTR_EQUAL(set_team_member(h.team, 1), h.nic[2]);
    /* The list given in another order, nic[1] first: the members that stay
     * keep their order, the new one is appended (the order of the
     * member_added rows, which the checker counts by, DYN-002). */
    struct nic *relist[3] = {h.nic[1], h.nic[2], h.nic[0]};
    CU_ASSERT_EQUAL(set_team_set_members(h.team, relist, 3, err, sizeof err), 0);
    CU_ASSERT_PTR_EQUAL(set_team_member(h.team, 0), h.nic[0]);
    CU_ASSERT_PTR_EQUAL(set_team_member(h.team, 1), h.nic[2]);
    CU_ASSERT_PTR_EQUAL(set_team_member(h.team, 2), h.nic[1]);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 0); /* still nic[0] */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1); /* still nic[2] */
    CU_ASSERT_EQUAL(set_team_set_members(h.team, list, 2, err, sizeof err), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpb), 1);
    for (int k = 0; k < 10; k++)
        vm_send_tcp(b, (uint16_t)(7000 + k), 100);
    sim_run_until(h.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_mode(h.team), SET_LB_HYPERV_PORT);
    set_team_set_mode(h.team, SET_LB_DYNAMIC);
    CU_ASSERT_EQUAL(set_team_mode(h.team), SET_LB_DYNAMIC);
    for (int k = 0; k < 40; k++)
        vm_send_tcp(a, (uint16_t)(9000 + k), 100);
    sim_run_until(h.eng, 2 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[3];
    for (int m = 0; m < 3; m++)
        read_wire(&h, m, &w[m]);
    CU_ASSERT_EQUAL(w[1].frames, 0);        /* nothing on the removed member */
    CU_ASSERT_EQUAL(w[2].src_counts[1], 10); /* b's frames on its new member */
    CU_ASSERT(w[2].src_rmac > 0);           /* Dynamic now spreads a's flows */
    hv_free(&h);
}

/* CFG-015: frames queued on a member when Set-VMSwitchTeam removes it do
 * not leave afterwards (they are member_removed drops); the frame on the
 * line finishes.  CFG-016: the same when the switch goes. */
static void test_member_removed_queue(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_HYPERV_PORT, 1);
    struct vm *a = hv_vm(&h);
    int vpa = vmswitch_port_vport(h.vs, a->port);
    CU_ASSERT_EQUAL(set_team_map(h.team, vpa, h.nic[1]), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vpa), 1);
    for (int k = 0; k < 40; k++) /* 40 frames at once: 46 us at 10 Gb/s */
        vm_send_tcp(a, (uint16_t)(7000 + k), 1400);
    const sim_time_t removed_at = 2 * SIM_US;
    sim_run_until(h.eng, removed_at);
    struct nic *list[1] = {h.nic[0]};
    char err[256];
    CU_ASSERT_EQUAL(set_team_set_members(h.team, list, 1, err, sizeof err), 0);
    sim_run_until(h.eng, 1 * SIM_MS);
    hv_close_captures(&h);
    struct wire w[2];
    for (int m = 0; m < 2; m++)
        read_wire(&h, m, &w[m]);
    uint64_t drops = 0;
    for (uint8_t p = 0; p < 8; p++)
        drops += nic_counters(h.nic[1], p)->drops;
    /* A few frames left before the removal, one was on the line (its
     * capture stamp is its start), the rest dropped. */
    CU_ASSERT(w[1].src_counts[0] >= 1 && w[1].src_counts[0] <= 3);
    CU_ASSERT(w[1].vm_last[0] < removed_at);
    CU_ASSERT_EQUAL(w[1].src_counts[0] + drops, 40);
    CU_ASSERT_EQUAL(w[0].src_counts[0], 0); /* queued frames are not sent again */
    char dir[sizeof h.dir];
    snprintf(dir, sizeof dir, "%s", h.dir);
    hv_free(&h);
    CU_ASSERT_EQUAL(trace_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                     "reason = 'member_removed' AND obj = 'SLOT 3'"),
                    (long long)drops);
}

/* CFG-024: EAPOL never leaves a SET switch. */
static void test_eapol_dropped(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 0);
    struct vm *a = hv_vm(&h);
    for (int k = 0; k < 5; k++)
        vm_send_raw(a, 0x888E, 0);
    sim_run_until(h.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(vmswitch_port_counters(h.vs, a->port)->eapol_dropped, 5);
    CU_ASSERT_EQUAL(rawhost_stats(h.remote)->rx_frames, 0);
    CU_ASSERT_EQUAL(set_team_vmq_queues(h.team), 32); /* CFG-027: 16 + 16 */
    hv_free(&h);
}

/* ---- per-frame records from every member's capture ------------------------ */

struct rec {
    sim_time_t ts;
    int member;        /* capture it was read from */
    int vm;            /* VM index by source MAC, -1: none */
    int rmac;          /* member index whose MAC is the source, -1: none */
    uint16_t sport;    /* TCP/UDP source port, 0: none */
};

static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->member - y->member;
}

/* Every frame a VM or a member's MAC sourced, from all members' transmit
 * captures, in wire-time order.  Returns the count (*out malloc'd). */
static size_t read_recs(struct hv *h, struct rec **out)
{
    size_t n = 0, cap = 1024;
    struct rec *r = malloc(cap * sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (int m = 0; m < h->nmem; m++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_open_offline_with_tstamp_precision(h->cap_path[m],
                                                             PCAP_TSTAMP_PRECISION_NANO, errbuf);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        struct pcap_pkthdr *hdr;
        const u_char *data;
        while (pcap_next_ex(p, &hdr, &data) == 1) {
            struct pkt_l2 l2;
            if (pkt_l2_bytes(data, hdr->caplen, &l2) != 0)
                continue;
            struct rec x = {.ts = (sim_time_t)hdr->ts.tv_sec * SIM_S +
                                  (sim_time_t)hdr->ts.tv_usec * SIM_NS,
                            .member = m, .vm = -1, .rmac = -1};
            for (int i = 0; i < h->nvm; i++)
                if (memcmp(l2.src, h->vm[i].mac, 6) == 0)
                    x.vm = i;
            for (int i = 0; i < h->nmem; i++)
                if (memcmp(l2.src, nic_mac(h->nic[i]), 6) == 0)
                    x.rmac = i;
            if (x.vm < 0 && x.rmac < 0)
                continue;
            struct pkt_info pi;
            if (pkt_parse_bytes(data, hdr->caplen, hdr->len, &pi) == 0 &&
                (pi.layers & (PKT_HAS_TCP | PKT_HAS_UDP)))
                x.sport = pi.sport;
            if (n == cap) {
                cap *= 2;
                r = realloc(r, cap * sizeof *r);
                CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            }
            r[n++] = x;
        }
        pcap_close(p);
    }
    qsort(r, n, sizeof *r, rec_cmp);
    *out = r;
    return n;
}

/* A flow's member changes as the captures show them. */
struct flow_changes {
    uint16_t sport;
    int last_member;
    sim_time_t last_ts;
    int changes;
    sim_time_t min_gap;   /* smallest wire gap before a change */
    int frames;
};

static struct flow_changes *fc_find(struct flow_changes *fc, int *n, uint16_t sport)
{
    for (int i = 0; i < *n; i++)
        if (fc[i].sport == sport)
            return &fc[i];
    fc[*n] = (struct flow_changes){.sport = sport, .last_member = -1, .min_gap = INT64_MAX};
    return &fc[(*n)++];
}

/* Counts each flow's member changes; for each change, `on_change` (may be
 * NULL) gets the flow, the new member and the wire times around it. */
static int flow_changes(const struct rec *r, size_t n, struct flow_changes *fc, int max,
                        void (*on_change)(void *ctx, uint16_t sport, int to, sim_time_t prev,
                                          sim_time_t ts),
                        void *ctx)
{
    int nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (!r[i].sport)
            continue;
        CU_ASSERT_FATAL(nf < max);
        struct flow_changes *f = fc_find(fc, &nf, r[i].sport);
        if (f->last_member >= 0 && f->last_member != r[i].member) {
            f->changes++;
            sim_time_t gap = r[i].ts - f->last_ts;
            if (gap < f->min_gap)
                f->min_gap = gap;
            if (on_change)
                on_change(ctx, f->sport, r[i].member, f->last_ts, r[i].ts);
        }
        f->last_member = r[i].member;
        f->last_ts = r[i].ts;
        f->frames++;
    }
    return nf;
}

static struct flow_changes *fc_get(struct flow_changes *fc, int n, uint16_t sport)
{
    for (int i = 0; i < n; i++)
        if (fc[i].sport == sport)
            return &fc[i];
    return NULL;
}

/* DYN-003: a flow moves only after an idle gap of at least the flowlet gap
 * (500 us); flows with shorter gaps and a never-idle flow stay where the
 * hash put them.  Judged from the captures (a flow's frames change member
 * only across a silence) and from the flow_move events' gaps, and the two
 * agree: every member change on the wire is one flowlet move in the trace. */
static void test_dynamic_flowlet_gap(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *v = hv_vm(&h);
    /* A never-idle 4 Gb/s flow keeps its member loaded. */
    struct cbr heavy = {.vm = v, .sport = 777, .interval = sim_tx_time(1478, 4 * G10 / 10),
                        .stop = 30 * SIM_MS};
    sim_schedule_in(h.eng, 0, cbr_tick, &heavy, NULL);
    struct onoff lg[8], sh[8];
    for (int i = 0; i < 8; i++) {
        lg[i] = (struct onoff){.vm = v, .sport = (uint16_t)(40000 + i * 13), .burst = 20,
                               .left = 20, .bursts = 25, .gap = 700 * SIM_US};
        sh[i] = (struct onoff){.vm = v, .sport = (uint16_t)(50000 + i * 13), .burst = 5,
                               .left = 5, .bursts = 80, .gap = 300 * SIM_US};
        sim_schedule_in(h.eng, (sim_time_t)i * 37 * SIM_US, onoff_tick, &lg[i], NULL);
        sim_schedule_in(h.eng, (sim_time_t)i * 41 * SIM_US, onoff_tick, &sh[i], NULL);
    }
    sim_run_until(h.eng, 30 * SIM_MS);
    hv_close_captures(&h);
    struct rec *r;
    size_t n = read_recs(&h, &r);
    struct flow_changes fc[32];
    int nf = flow_changes(r, n, fc, 32, NULL, NULL);
    free(r);
    CU_ASSERT_EQUAL(nf, 17);
    int long_changes = 0;
    sim_time_t min_gap = INT64_MAX;
    for (int i = 0; i < 8; i++) {
        struct flow_changes *l = fc_get(fc, nf, lg[i].sport);
        struct flow_changes *s = fc_get(fc, nf, sh[i].sport);
        CU_ASSERT_PTR_NOT_NULL_FATAL(l);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        long_changes += l->changes;
        if (l->changes && l->min_gap < min_gap)
            min_gap = l->min_gap;
        CU_ASSERT_EQUAL(s->changes, 0); /* 300 us gaps: never a flowlet boundary */
    }
    struct flow_changes *hf = fc_get(fc, nf, 777);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hf);
    CU_ASSERT_EQUAL(hf->changes, 0);
    /* Rebalancing happened, and only across silences: on the wire a change
     * follows at least the flowlet gap minus the queueing a frame can see
     * on the old member (bounded here by a few bursts: < 100 us). */
    CU_ASSERT(long_changes > 0);
    CU_ASSERT(min_gap >= 400 * SIM_US);
    fprintf(stderr, "\n    DYN-003: %d flowlet moves on the wire, smallest silence before one "
                    "%.1f us\n",
            long_changes, (double)min_gap / SIM_US);
    hv_free(&h);
    /* The trace: every move is a flowlet move with its gap >= 500 us, one
     * per change seen on the wire, none for the short-gap or heavy flows. */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move'"),
                    long_changes);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move' "
                                       "AND reason = 'flowlet' AND value >= 500000000"),
                    long_changes);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move' "
                                       "AND (flow >= 50000 OR flow = 777)"),
                    0);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(DISTINCT flow) FROM events_v WHERE kind = "
                                       "'flow_place'"),
                    17);
}

/* DYN-003: the flowlet gap is the flow's silence on the wire.  A burst
 * queued deep on its member (about 600 us to drain at 10 Gb/s) is not
 * silence: a frame the VM sends 550 us after handing the burst over stays
 * on that member (moved to the idle one, it would overtake the burst's
 * last frames); a frame sent when the burst has been gone for longer than
 * the gap moves.  On the wire the flow's frames stay in order. */
static void test_dynamic_gap_on_wire(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 1);
    struct vm *v = hv_vm(&h);
    sim_run_until(h.eng, 10 * SIM_US);
    for (int i = 0; i < 500; i++)
        vm_send_tcp(v, 4242, 1400);
    sim_run_until(h.eng, 560 * SIM_US);
    vm_send_tcp(v, 4242, 1400); /* the burst still drains */
    sim_run_until(h.eng, 2 * SIM_MS);
    vm_send_tcp(v, 4242, 1400); /* the burst left about 1.4 ms ago */
    sim_run_until(h.eng, 3 * SIM_MS);
    hv_close_captures(&h);
    struct rec *r;
    size_t n = read_recs(&h, &r);
    int members[2] = {-1, -1}, frames = 0, second = -1;
    sim_time_t last_burst = 0, second_ts = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].sport != 4242)
            continue;
        frames++;
        if (frames <= 500)
            last_burst = r[i].ts;
        if (frames == 501) {
            second = r[i].member;
            second_ts = r[i].ts;
        }
        if (frames == 1)
            members[0] = r[i].member;
        if (frames == 502)
            members[1] = r[i].member;
    }
    struct flow_changes fc[4];
    int nf = flow_changes(r, n, fc, 4, NULL, NULL);
    free(r);
    CU_ASSERT_EQUAL(nf, 1);
    CU_ASSERT_EQUAL(frames, 502);
    CU_ASSERT(last_burst > 560 * SIM_US); /* the queue was still draining at 560 us */
    CU_ASSERT_EQUAL(second, members[0]);  /* stayed, behind the burst */
    CU_ASSERT(second_ts > last_burst);
    CU_ASSERT(members[1] >= 0 && members[1] != members[0]); /* a real boundary: moved */
    CU_ASSERT_EQUAL(fc[0].changes, 1);
    CU_ASSERT(fc[0].min_gap >= 500 * SIM_US);
    hv_free(&h);
    /* One flowlet move, its gap the silence since the burst's last frame
     * left (the trace's gap counts from the end of that frame). */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move'"),
                    1);
    long long gap = trace_count(h.dir, "SELECT value FROM events_v WHERE kind = 'flow_move'");
    fprintf(stderr, "\n    DYN-003: burst on the wire until %.1f us, the frame sent at 560 us "
                    "behind it at %.1f us; moved at 2000 us after %.1f us of silence\n",
            (double)last_burst / SIM_US, (double)second_ts / SIM_US, (double)gap / SIM_US);
    CU_ASSERT(gap > 1300 * (long long)SIM_US && gap < 1450 * (long long)SIM_US);
}

/* DYN-003 periodic rebalancing (dyn.periodic_rebalance_s): never-idle flows
 * piled on one member (the other was down when they started) stay there
 * without it, and move, logged as periodic, with it. */
static int periodic_run(sim_time_t period, int *wire_moves, long long *trace_moves)
{
    struct set_team_settings ts;
    set_team_settings_default(&ts, "SETswitch");
    ts.periodic_rebalance = period;
    struct hv h;
    hv_init_ts(&h, 2, SET_LB_DYNAMIC, 1, &ts);
    link_cut(h.link[1]);
    sim_run_until(h.eng, 10 * SIM_US);
    struct vm *v = hv_vm(&h);
    struct cbr c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct cbr){.vm = v, .sport = (uint16_t)(3000 + i),
                            .interval = sim_tx_time(1478, 2 * G10 / 10), .stop = 12 * SIM_MS};
        sim_schedule_in(h.eng, (sim_time_t)i * SIM_US, cbr_tick, &c[i], NULL);
    }
    sim_run_until(h.eng, 2 * SIM_MS);
    link_restore(h.link[1]);
    sim_run_until(h.eng, 12 * SIM_MS);
    hv_close_captures(&h);
    struct rec *r;
    size_t n = read_recs(&h, &r);
    struct flow_changes fc[8];
    int nf = flow_changes(r, n, fc, 8, NULL, NULL);
    int on1 = 0;
    for (size_t i = 0; i < n; i++)
        on1 += r[i].member == 1 && r[i].sport;
    free(r);
    CU_ASSERT_EQUAL(nf, 4);
    *wire_moves = 0;
    for (int i = 0; i < nf; i++) {
        *wire_moves += fc[i].changes;
        if (fc[i].changes)
            CU_ASSERT(fc[i].min_gap < 100 * SIM_US); /* no idle gap: periodic */
    }
    hv_free(&h);
    *trace_moves = trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move' "
                                      "AND reason = 'periodic'");
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'flow_move' "
                                       "AND reason <> 'periodic'"),
                    0);
    return on1;
}

static void test_dynamic_periodic_rebalance(void)
{
    int moves;
    long long tmoves;
    int on1 = periodic_run(0, &moves, &tmoves);
    CU_ASSERT_EQUAL(on1, 0); /* off (the default): the flows never left member 0 */
    CU_ASSERT_EQUAL(moves, 0);
    CU_ASSERT_EQUAL(tmoves, 0);
    on1 = periodic_run(2 * SIM_MS, &moves, &tmoves);
    CU_ASSERT(on1 > 0);
    CU_ASSERT(moves > 0);
    CU_ASSERT_EQUAL(tmoves, moves); /* each wire change is one periodic move */
    fprintf(stderr, "\n    DYN-003 periodic: %d moves, %d frames on the restored member\n", moves,
            on1);
}

/* Counts affinity changes as the team reports them to watchers. */
static void count_aff(void *ctx, int vport, int old_member, int new_member)
{
    (void)vport;
    if (old_member != new_member)
        (*(int *)ctx)++;
}

struct move_check {
    const char *dir;
    struct hv *h;
    int changes, matched;
};

/* A member change on the wire must have its flow_move event: same flow,
 * the new member, between the flow's previous frame (less the queueing it
 * may have seen) and the first frame on the new member. */
static void match_move(void *ctx, uint16_t sport, int to, sim_time_t prev, sim_time_t ts)
{
    struct move_check *mc = ctx;
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM events_v WHERE kind = 'flow_move' AND flow = %u AND obj = "
             "'SLOT %d' AND time_ps <= %lld AND time_ps >= %lld",
             sport, to + 2, (long long)ts, (long long)(prev - 100 * SIM_US));
    mc->changes++;
    mc->matched += trace_count(mc->dir, sql) >= 1;
}

/* The failover case, in Dynamic mode with a detection delay:
 * three members, four VMs (vm1 and vm4 on SLOT 2, vm1 mapped there), on/off
 * TCP flows and ARP.  At t = 5 ms SLOT 2's cable is cut; fo.detect = 2 ms;
 * the cable is back at 10 ms (member up at 12 ms); the hold-down is 5 ms. */
static void test_failover_detect_dynamic(void)
{
    struct set_team_settings ts;
    set_team_settings_default(&ts, "SETswitch");
    ts.detect_delay = 2 * SIM_MS;
    ts.failback_holddown = 5 * SIM_MS;
    struct hv h;
    hv_init_ts(&h, 3, SET_LB_DYNAMIC, 1, &ts);
    int aff_changes = 0;
    CU_ASSERT(set_team_watch_affinity(h.team, count_aff, &aff_changes) >= 0);
    struct vm *v[4];
    int vp[4];
    for (int i = 0; i < 4; i++) {
        v[i] = hv_vm(&h);
        vp[i] = vmswitch_port_vport(h.vs, v[i]->port);
    }
    CU_ASSERT_EQUAL(set_team_map(h.team, vp[0], h.nic[0]), 0);
    int want[4] = {0, 1, 2, 0}; /* HVP-002 */
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(set_team_affinity(h.team, vp[i]), want[i]);
    struct onoff o[12];
    for (int i = 0; i < 12; i++) {
        o[i] = (struct onoff){.vm = v[i % 4], .sport = (uint16_t)(10000 + 111 * i), .burst = 8,
                              .left = 8, .bursts = 40, .gap = 550 * SIM_US};
        sim_schedule_in(h.eng, (sim_time_t)i * 13 * SIM_US, onoff_tick, &o[i], NULL);
    }
    uint64_t rx_at[26] = {0};
    for (int k = 0; k < 25; k++) {
        for (int i = 0; i < 4; i++)
            vm_send_arp(v[i]);
        if (k == 5)
            link_cut(h.link[0]);
        if (k == 10)
            link_restore(h.link[0]);
        sim_run_until(h.eng, (sim_time_t)(k + 1) * SIM_MS);
        rx_at[k + 1] = rawhost_stats(h.remote)->rx_frames;
    }
    /* FO-002 after the delay; FO-006: vm1 (mapped) back at 17 ms, vm4 stays. */
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp[0]), 0);
    CU_ASSERT_NOT_EQUAL(set_team_affinity(h.team, vp[3]), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp[1]), 1);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp[2]), 2);
    /* Delivered traffic resumes once the survivors carry it. */
    CU_ASSERT(rx_at[10] - rx_at[9] > 50);
    CU_ASSERT(rx_at[10] - rx_at[9] >= (rx_at[4] - rx_at[3]) * 9 / 10);
    hv_close_captures(&h);
    struct rec *r;
    size_t n = read_recs(&h, &r);
    int seen[4][3][3] = {{{0}}}; /* VM MAC per member: [vm][member][phase] */
    int rmac0_elsewhere = 0, on0_while_cut = 0;
    sim_time_t first_after[4] = {0};
    for (size_t i = 0; i < n; i++) {
        int phase = r[i].ts < 5 * SIM_MS ? 0 : r[i].ts < 17 * SIM_MS ? 1 : 2;
        if (r[i].vm >= 0) {
            seen[r[i].vm][r[i].member][phase]++;
            if (phase == 1 && r[i].member != 0 && !first_after[r[i].vm])
                first_after[r[i].vm] = r[i].ts;
        }
        if (r[i].rmac == 0 && r[i].member != 0)
            rmac0_elsewhere++;
        if (r[i].member == 0 && r[i].ts > 5 * SIM_MS && r[i].ts < 12 * SIM_MS)
            on0_while_cut++;
    }
    struct move_check mc = {.dir = h.dir, .h = &h};
    struct flow_changes fc[16];
    hv_free(&h);
    int nf = flow_changes(r, n, fc, 16, match_move, &mc);
    free(r);
    /* FO-002: vm1's and vm4's MAC on exactly one survivor, only after the
     * detection delay. */
    for (int k = 0; k < 2; k++) {
        int vm = k ? 3 : 0;
        CU_ASSERT(seen[vm][0][0] > 0);
        CU_ASSERT_EQUAL(seen[vm][1][0] + seen[vm][2][0], 0);
        CU_ASSERT_EQUAL((seen[vm][1][1] > 0) + (seen[vm][2][1] > 0), 1);
        CU_ASSERT(first_after[vm] >= 7 * SIM_MS);
    }
    /* FO-006: vm1 back on SLOT 2 after the hold-down only; vm4 stays. */
    CU_ASSERT(seen[0][0][2] > 0);
    CU_ASSERT_EQUAL(seen[3][0][2], 0);
    /* FO-003: the unaffected VMs' MACs never left their members. */
    for (int vm = 1; vm <= 2; vm++)
        for (int m = 0; m < 3; m++)
            if (m != vm)
                CU_ASSERT_EQUAL(seen[vm][m][0] + seen[vm][m][1] + seen[vm][m][2], 0);
    /* FO-003: the failed member's replacement MAC never appears elsewhere;
     * FO-001: nothing left it while it was failed. */
    CU_ASSERT_EQUAL(rmac0_elsewhere, 0);
    CU_ASSERT_EQUAL(on0_while_cut, 0);
    /* Every member change of a flow on the wire has its flow_move event. */
    CU_ASSERT_EQUAL(nf, 12);
    CU_ASSERT(mc.changes > 0);
    CU_ASSERT_EQUAL(mc.matched, mc.changes);
    /* FO-004: one station move (learn anew on the survivor: the ToR flushed
     * the dead port) per affected vPort for the failure; none for others. */
    for (int vm = 0; vm < 4; vm++) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM events_v WHERE mac = '00:15:5d:00:00:%02x' AND kind IN "
                 "('mac_learn','mac_move') AND time_ps > 5000000000 AND time_ps < 12000000000",
                 vm + 1);
        CU_ASSERT_EQUAL(trace_count(h.dir, sql), vm == 0 || vm == 3 ? 1 : 0);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM events_v WHERE mac = '00:15:5d:00:00:%02x' AND kind = "
                 "'mac_move'",
                 vm + 1);
        if (vm == 1 || vm == 2)
            CU_ASSERT_EQUAL(trace_count(h.dir, sql), 0);
    }
    /* The trace: member down at 5 + 2 ms and up at 10 + 2 ms; one failover
     * per affected vPort then; one failback (vm1, mapped) at 12 + 5 ms;
     * every affinity change the team made is an affinity_set event. */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'member_down' AND obj = 'SLOT 2' AND time_ps = "
                                       "7000000000"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'member_up' "
                                       "AND obj = 'SLOT 2' AND time_ps = 12000000000"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set' AND reason = 'failover' AND time_ps = "
                                       "7000000000 AND obj IN ('vm1', 'vm4')"),
                    2);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set' AND reason = 'failback'"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set' AND reason = 'failback' AND obj = 'vm1' "
                                       "AND obj2 = 'SLOT 2' AND time_ps = 17000000000"),
                    1);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = "
                                       "'affinity_set'"),
                    aff_changes);
    /* HVP-007: each affinity change placed the vPort's VMQ on its new member. */
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v a WHERE a.kind = "
                                       "'affinity_set' AND NOT EXISTS (SELECT 1 FROM events_v q "
                                       "WHERE q.kind = 'vmq_assign' AND q.obj = a.obj AND "
                                       "q.obj2 = a.obj2 AND q.time_ps = a.time_ps)"),
                    0);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(DISTINCT flow) FROM events_v WHERE kind = "
                                       "'flow_place'"),
                    12);
    fprintf(stderr, "\n    failover: %d flow member changes on the wire, each with its event; "
                    "%d affinity changes\n",
            mc.changes, aff_changes);
}


/* A UDP datagram from the remote host to (dst_mac, dst_ip). */
static void remote_send_udp(struct hv *h, const uint8_t dst_mac[6], const uint8_t dst_ip[4],
                            uint16_t sport)
{
    struct frame *f = frame_alloc(h->pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.src, h->remote_mac, 6);
    memcpy(l2.dst, dst_mac, 6);
    struct pkt_ip_spec ip = {.version = 4, .ttl = 64};
    memcpy(ip.src, h->remote_ip, 4);
    memcpy(ip.dst, dst_ip, 4);
    CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, sport, 5000, 200), 0);
    nic_send(h->rnic, f);
}

/* Frames in member m's receive capture with Ethernet destination mac. */
static uint64_t rx_to(struct hv *h, int m, const uint8_t mac[6])
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(h->cap_in_path[m], errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t n = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1)
        n += hdr->caplen >= 6 && memcmp(data, mac, 6) == 0;
    pcap_close(p);
    return n;
}

/* DYN-008 (inbound as in Hyper-V Port mode) and HVP-007 (ingress follows
 * the learned MAC, the VMQ on the affinitized member): in Dynamic mode the
 * peer's unicast to each VM arrives only on that VM's affinitized member
 * (the member captures' receive side) and is delivered through that
 * member's queue, also after a failover moved the VM; a unicast to a
 * member's replacement MAC is delivered by IP when one vPort has the
 * address, and dropped when none or two do. */
static void test_dynamic_inbound(void)
{
    struct hv h;
    hv_init(&h, 2, SET_LB_DYNAMIC, 2);
    struct vm *v0 = hv_vm(&h), *v1 = hv_vm(&h);
    int vp0 = vmswitch_port_vport(h.vs, v0->port), vp1 = vmswitch_port_vport(h.vs, v1->port);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp0), 0);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp1), 1);
    /* ARP from both (the ToR learns each MAC on its affinitized member) and
     * 20 hashed flows from v0, some of them with member 1's RMAC. */
    vm_send_arp(v0);
    vm_send_arp(v1);
    for (int k = 0; k < 20; k++)
        vm_send_tcp(v0, (uint16_t)(6000 + k), 100);
    sim_run_until(h.eng, 100 * SIM_US);
    CU_ASSERT(switch_mac_lookup(h.tor, 1, nic_mac(h.nic[1])) == 2); /* RMAC(1) learned */
    /* HVP-008: each VM got the other's ARP once (locally), not again when
     * the ToR flooded it back through the other member. */
    CU_ASSERT_EQUAL(v0->rx_bcast, 1);
    CU_ASSERT_EQUAL(v1->rx_bcast, 1);
    const struct vmswitch_port_counters *c0 = vmswitch_port_counters(h.vs, v0->port);
    const struct vmswitch_port_counters *c1 = vmswitch_port_counters(h.vs, v1->port);
    uint64_t b00 = c0->rx_on_member[0], b01 = c0->rx_on_member[1], b11 = c1->rx_on_member[1];
    for (int k = 0; k < 10; k++) {
        remote_send_udp(&h, v0->mac, v0->ip, (uint16_t)(100 + k));
        remote_send_udp(&h, v1->mac, v1->ip, (uint16_t)(200 + k));
    }
    sim_run_until(h.eng, 200 * SIM_US);
    CU_ASSERT_EQUAL((v0->rx_frames - v0->rx_bcast), 10);
    CU_ASSERT_EQUAL((v1->rx_frames - v1->rx_bcast), 10);
    CU_ASSERT_EQUAL(c0->rx_on_member[0] - b00, 10); /* HVP-007: v0's queue on member 0 */
    CU_ASSERT_EQUAL(c0->rx_on_member[1] - b01, 0);
    CU_ASSERT_EQUAL(c1->rx_on_member[1] - b11, 10);
    /* A peer that learned RMAC(1): 5 datagrams to it with v0's address. */
    for (int k = 0; k < 5; k++)
        remote_send_udp(&h, nic_mac(h.nic[1]), v0->ip, (uint16_t)(300 + k));
    /* ... with an address no vPort has. */
    uint8_t nobody[4] = {10, 0, 0, 99};
    for (int k = 0; k < 4; k++)
        remote_send_udp(&h, nic_mac(h.nic[1]), nobody, (uint16_t)(400 + k));
    sim_run_until(h.eng, 300 * SIM_US);
    CU_ASSERT_EQUAL((v0->rx_frames - v0->rx_bcast), 15);
    CU_ASSERT_EQUAL(c0->rx_by_ip, 5);
    CU_ASSERT_EQUAL((v1->rx_frames - v1->rx_bcast), 10);
    /* A second vPort with v0's address: the IP no longer says which. */
    struct vm *v2 = hv_vm(&h);
    CU_ASSERT_EQUAL(vmswitch_port_set_ipv4(h.vs, v2->port, v0->ip), 0);
    for (int k = 0; k < 3; k++)
        remote_send_udp(&h, nic_mac(h.nic[1]), v0->ip, (uint16_t)(500 + k));
    sim_run_until(h.eng, 400 * SIM_US);
    CU_ASSERT_EQUAL((v0->rx_frames - v0->rx_bcast) + (v2->rx_frames - v2->rx_bcast), 15);
    /* HVP-007 across a failover: v0 moves to member 1, and so does its
     * queue once the ToR relearned MAC(v0) there. */
    link_cut(h.link[0]);
    sim_run_until(h.eng, 500 * SIM_US);
    CU_ASSERT_EQUAL(set_team_affinity(h.team, vp0), 1);
    vm_send_arp(v0);
    sim_run_until(h.eng, 600 * SIM_US);
    b00 = c0->rx_on_member[0];
    b01 = c0->rx_on_member[1];
    for (int k = 0; k < 7; k++)
        remote_send_udp(&h, v0->mac, v0->ip, (uint16_t)(600 + k));
    sim_run_until(h.eng, 700 * SIM_US);
    CU_ASSERT_EQUAL((v0->rx_frames - v0->rx_bcast), 22);
    CU_ASSERT_EQUAL(c0->rx_on_member[1] - b01, 7);
    CU_ASSERT_EQUAL(c0->rx_on_member[0] - b00, 0);
    hv_close_captures(&h);
    /* The wire: unicast to MAC(v0) only on member 0 before the failure and
     * on member 1 after it; to MAC(v1) only on member 1. */
    CU_ASSERT_EQUAL(rx_to(&h, 0, v0->mac), 10);
    CU_ASSERT_EQUAL(rx_to(&h, 1, v0->mac), 7);
    CU_ASSERT_EQUAL(rx_to(&h, 1, v1->mac), 10);
    CU_ASSERT_EQUAL(rx_to(&h, 0, v1->mac), 0);
    CU_ASSERT_EQUAL(rx_to(&h, 1, nic_mac(h.nic[1])), 5 + 4 + 3);
    CU_ASSERT_EQUAL(rx_to(&h, 0, nic_mac(h.nic[1])), 0);
    hv_free(&h);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'note' AND "
                                       "obj = 'vm1' AND detail LIKE 'DYN-008 %'"),
                    5);
    CU_ASSERT_EQUAL(trace_count(h.dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                       "reason = 'no_route' AND obj = 'SETswitch'"),
                    4 + 3);
}


static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* An HNV-encapsulated TCP segment from VM v: NVGRE (GRE key = VSID 5001 and
 * `entropy` as FlowID) or VXLAN (outer UDP source port `entropy`, VNI
 * 5001), carrying an inner TCP frame with source port `inner_sport`.  The
 * encapsulation headers are real bytes; the payload is virtual. */
static void vm_send_hnv(struct vm *v, int vxlan, uint16_t entropy, uint16_t inner_sport)
{
    struct hv *h = v->hv;
    struct frame *f = frame_alloc(h->pool);
    size_t encap = vxlan ? 8 + 8 : 8;
    uint8_t *b = frame_put(f, 14 + 20 + encap + 14 + 20 + 20);
    memset(b, 0, 14 + 20 + encap + 14 + 20 + 20);
    memcpy(b, h->remote_mac, 6);
    memcpy(b + 6, v->mac, 6);
    wr16(b + 12, PKT_ETH_P_IPV4);
    uint8_t *ip = b + 14;
    ip[0] = 0x45;
    ip[8] = 64;
    ip[9] = vxlan ? PKT_IPPROTO_UDP : 47;
    memcpy(ip + 12, v->ip, 4);
    memcpy(ip + 16, h->remote_ip, 4);
    uint8_t *e = ip + 20;
    if (vxlan) {
        wr16(e, entropy);
        wr16(e + 2, 4789);
        e[8] = 0x08; /* VNI present */
        e[13] = 0x13, e[14] = 0x89;
    } else {
        wr16(e, 0x2000); /* K */
        wr16(e + 2, 0x6558);
        e[4] = 0x00, e[5] = 0x13, e[6] = 0x89; /* VSID 5001 */
        e[7] = (uint8_t)entropy;               /* FlowID */
    }
    uint8_t *in = e + encap;
    memcpy(in, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    wr16(in + 12, PKT_ETH_P_IPV4);
    uint8_t *iip = in + 14;
    iip[0] = 0x45;
    iip[8] = 64;
    iip[9] = PKT_IPPROTO_TCP;
    memcpy(iip + 12, "\xc0\xa8\x01\x01\xc0\xa8\x01\x02", 8);
    wr16(iip + 20, inner_sport);
    wr16(iip + 22, 445);
    iip[32] = 0x50;
    f->payload_len = 1000;
    f->flow_id = inner_sport;
    vmswitch_port_send(h->vs, v->port, f);
}

/* Members that carried v's frames (by its MAC or a replacement MAC), and
 * the team's flow count, for 16 HNV frames that vary either the outer
 * entropy field or only the inner ports. */
static int hnv_run(int vxlan, int vary_outer, enum set_hnv_key key, size_t *flows)
{
    struct set_team_settings ts;
    set_team_settings_default(&ts, "SETswitch");
    ts.hnv_key = key;
    struct hv h;
    hv_init_ts(&h, 2, SET_LB_DYNAMIC, 1, &ts);
    struct vm *v = hv_vm(&h);
    for (int i = 0; i < 16; i++)
        vm_send_hnv(v, vxlan, (uint16_t)(vary_outer ? 50000 + 7 * i : 50000),
                    (uint16_t)(vary_outer ? 1000 : 1000 + 7 * i));
    sim_run_until(h.eng, 1 * SIM_MS);
    *flows = set_team_flow_count(h.team);
    hv_close_captures(&h);
    int used = 0;
    for (int m = 0; m < 2; m++) {
        struct wire w;
        read_wire(&h, m, &w);
        used += w.frames > 0;
    }
    hv_free(&h);
    return used;
}

/* DYN-011: NVGRE and VXLAN traffic is distributed by the outer addresses
 * and entropy field (dyn.hnv_key = outer): 16 entropy values spread over
 * both members while 16 inner flows under one entropy value stay on one;
 * with hnv_key = inner it is the other way round. */
static void test_dynamic_hnv(void)
{
    for (int vxlan = 0; vxlan < 2; vxlan++) {
        size_t flows;
        CU_ASSERT_EQUAL(hnv_run(vxlan, 1, SET_HNV_OUTER, &flows), 2);
        CU_ASSERT_EQUAL(flows, 16);
        CU_ASSERT_EQUAL(hnv_run(vxlan, 0, SET_HNV_OUTER, &flows), 1);
        CU_ASSERT_EQUAL(flows, 1);
        CU_ASSERT_EQUAL(hnv_run(vxlan, 1, SET_HNV_INNER, &flows), 1);
        CU_ASSERT_EQUAL(flows, 1);
        CU_ASSERT_EQUAL(hnv_run(vxlan, 0, SET_HNV_INNER, &flows), 2);
        CU_ASSERT_EQUAL(flows, 16);
    }
}

int suite_set(void)
{
    CU_pSuite s = test_suite("set");
    if (!s ||
        !CU_add_test(s, "HVP-002/003/004 placement, one member per vPort, no rewrite",
                     test_hvp_placement_and_no_rewrite) ||
        !CU_add_test(s, "HVP-005 one VM capped at one member", test_hvp_single_vm_capped) ||
        !CU_add_test(s, "DYN-002..009 flowlets over both members", test_dynamic_flowlets) ||
        !CU_add_test(s, "DYN-004/010 pinned traffic", test_dynamic_pinned_traffic) ||
        !CU_add_test(s, "DYN-002 hash member ahead of the first frame, flow cache",
                     test_dynamic_hash_member) ||
        !CU_add_test(s, "HVP-006 mapping and learning", test_failover_and_failback) ||
        !CU_add_test(s, "FO-001..006 cut, takeover, one move, failback", test_failover_cut) ||
        !CU_add_test(s, "FO-003 dynamic: RMAC stays put", test_failover_dynamic_rmac) ||
        !CU_add_test(s, "FO-008 all members down", test_all_members_down) ||
        !CU_add_test(s, "HVP-008 flood delivered once", test_flood_delivered_once) ||
        !CU_add_test(s, "CFG-001/003 team validation", test_team_validation) ||
        !CU_add_test(s, "CFG-015/FO-007/CFG-011 members and mode", test_member_replace_and_mode) ||
        !CU_add_test(s, "CFG-015 frames queued on a removed member", test_member_removed_queue) ||
        !CU_add_test(s, "CFG-024 EAPOL dropped", test_eapol_dropped) ||
        !CU_add_test(s, "DYN-003 moves only after a flowlet gap", test_dynamic_flowlet_gap) ||
        !CU_add_test(s, "DYN-003 the gap is the silence on the wire", test_dynamic_gap_on_wire) ||
        !CU_add_test(s, "DYN-003 periodic rebalancing", test_dynamic_periodic_rebalance) ||
        !CU_add_test(s, "FO-001..006 dynamic, detection delay, failback, trace events",
                     test_failover_detect_dynamic) ||
        !CU_add_test(s, "DYN-008/HVP-007 inbound on the affinitized member, RMAC by IP",
                     test_dynamic_inbound) ||
        !CU_add_test(s, "DYN-011 HNV: outer key with its entropy field", test_dynamic_hnv))
        return -1;
    return 0;
}
