/* test_hvhost: Hyper-V hosts end to end: two hosts with SET teams on one
 * ToR, VM-to-VM UDP over ARP resolution through the teams, the seed's DCB
 * configuration programmed into the members, SMB vNICs on VLAN 42 with
 * priority 3 on their mapped members (DCB-012, HVP-006, DYN-010), the
 * kernel-debugger block (CFG-035), the FO-005 announcement, and the
 * configuration errors with their rule codes. */
#include "test_util.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "hvhost.h"
#include "ipstack.h"
#include "link.h"
#include "pcapng.h"
#include "pkt.h"
#include "switch.h"
#include "trace.h"
#include "vmswitch.h"

#define G25 25000000000ULL

struct rig {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct sw *tor;
    struct hvhost *hv[2];
    struct link *link[4];
    struct pcapng_writer *cap[4];
    char cap_path[4][600];
    char dir[512];
    struct trace *trace; /* NULL unless rig_init_trace */
};

/* Optional extras of the next rig_init (reset by it). */
static struct {
    int trace;
    int trace_both; /* with trace: hv2 writes into the same trace */
    sim_time_t restart_time, holddown;
} rig_opts;

static void rig_init(struct rig *r, int debugger, enum set_announce announce)
{
    memset(r, 0, sizeof *r);
    r->eng = sim_engine_create(NULL);
    r->pool = frame_pool_create(4096);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(r->dir, sizeof r->dir), 0);
    if (rig_opts.trace) {
        char tpath[600];
        snprintf(tpath, sizeof tpath, "%s/run.sqlite", r->dir);
        struct trace_run_info ti = {.seed = 1, .scenario = "hvhost", .engine = "native"};
        r->trace = trace_open(tpath, &ti, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->trace);
    }
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 4);
    ss.pfc_enabled = 0x08;
    r->tor = switch_create(r->eng, r->trace, r->pool, &ss);
    for (int h = 0; h < 2; h++) {
        char name[8];
        snprintf(name, sizeof name, "hv%d", h + 1);
        struct hvhost_settings hs;
        hvhost_settings_default(&hs, name);
        hs.host_index = (uint8_t)(h + 1);
        hs.debugger = debugger;
        hs.team.announce = announce;
        hs.restart_time = rig_opts.restart_time;
        if (rig_opts.holddown)
            hs.team.failback_holddown = rig_opts.holddown;
        r->hv[h] = hvhost_create(r->eng, h == 0 || rig_opts.trace_both ? r->trace : NULL,
                                 r->pool, &hs);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->hv[h]);
        for (int k = 0; k < 2; k++) {
            char nn[16];
            snprintf(nn, sizeof nn, "SLOT %d", k + 2);
            struct nic_settings ns = {.name = nn, .rate_bps = G25,
                                      .id = {"Mellanox", "ConnectX-5", "16.27", "2.40"}};
            uint8_t mac[6] = {0x0c, 0x42, 0xa1, (uint8_t)h, 0, (uint8_t)k};
            memcpy(ns.mac, mac, 6);
            egress_settings_default(&ns.egress, G25);
            struct nic *n = hvhost_add_nic(r->hv[h], &ns);
            CU_ASSERT_PTR_NOT_NULL_FATAL(n);
            int li = h * 2 + k;
            struct link_settings ls = {.name = nn, .rate_bps = G25, .delay = 50 * SIM_NS};
            r->link[li] = link_create(r->eng, NULL, &ls);
            nic_attach(n, r->link[li], 0);
            /* Trunk ports: VLAN 42 tagged, untagged traffic on native VLAN 1. */
            struct switch_port_settings ps;
            switch_port_settings_default(&ps);
            ps.mode = SWITCH_TRUNK;
            ps.pvid = 1;
            switch_port_configure(r->tor, (uint32_t)li + 1, &ps);
            switch_attach(r->tor, (uint32_t)li + 1, r->link[li], 1);
            snprintf(r->cap_path[li], sizeof r->cap_path[li], "%s/%s-%s.pcapng", r->dir, name,
                     k ? "s3" : "s2");
            r->cap[li] = pcapng_open(r->cap_path[li], NULL, NULL, 0);
            link_capture_dirs(r->link[li], 0, r->cap[li],
                              pcapng_add_interface(r->cap[li], nn, 0), LINK_CAP_OUT);
        }
    }
}

static void rig_free(struct rig *r)
{
    for (int i = 0; i < 4; i++)
        pcapng_close(r->cap[i]);
    sim_engine_destroy(r->eng);
    for (int h = 0; h < 2; h++)
        hvhost_destroy(r->hv[h]);
    switch_destroy(r->tor);
    for (int i = 0; i < 4; i++)
        link_destroy(r->link[i]);
    frame_pool_destroy(r->pool);
    if (r->trace) {
        trace_finish(r->trace, 0, 0);
        trace_close(r->trace);
    }
    memset(&rig_opts, 0, sizeof rig_opts);
}

/* One integer from the rig's trace (after rig_free closed it). */
static long long rig_count(const struct rig *r, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", r->dir);
    return test_sql_int(path, sql);
}

/* Frames with source MAC mac in a capture, within [from, to). */
static uint64_t count_src(const char *path, const uint8_t *mac, sim_time_t from, sim_time_t to)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t n = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        sim_time_t ts = (sim_time_t)hdr->ts.tv_sec * SIM_S + (sim_time_t)hdr->ts.tv_usec * SIM_NS;
        if (hdr->caplen >= 12 && memcmp(data + 6, mac, 6) == 0 && ts >= from && ts < to)
            n++;
    }
    pcap_close(p);
    return n;
}

static void rig_close_caps(struct rig *r)
{
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(pcapng_close(r->cap[i]), 0);
        r->cap[i] = NULL;
    }
}

/* The seed's DCB and SET commands, as the effects layer will issue them. */
static void seed_config(struct hvhost *h, uint8_t host)
{
    char err[256] = "";
    CU_ASSERT_EQUAL(hvhost_install_feature(h, "Data-Center-Bridging", err, sizeof err), 0);
    struct hvhost_qos_policy p = {.nd_port = 445, .priority = 3, .precedence = 127};
    snprintf(p.name, sizeof p.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_qos_policy_add(h, &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_flow_control(h, 0x08, 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_flow_control(h, 0xF7, 0, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_adapter_qos(h, "SLOT 2", 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_adapter_qos(h, "SLOT 3", 1, err, sizeof err), 0);
    struct hvhost_tclass c = {.prio_mask = 0x08, .bandwidth = 30, .ets = 1};
    snprintf(c.name, sizeof c.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_traffic_class_add(h, &c, err, sizeof err), 0);
    const char *members[2] = {"SLOT 2", "SLOT 3"};
    CU_ASSERT_EQUAL(hvhost_vswitch_create(h, "SETswitch", members, 2, 1, -1, err, sizeof err), 0);
    for (int k = 1; k <= 2; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "SMB_%d", k);
        struct hvhost_vnic_settings vn = {.name = nm, .sw = "SETswitch", .has_ipv4 = 1,
                                          .ipv4 = {10, 0, 42, (uint8_t)(host * 10 + k)},
                                          .prefix_len = 24};
        int id = hvhost_vnic_add(h, &vn, err, sizeof err);
        CU_ASSERT_FATAL(id >= 0);
        CU_ASSERT_EQUAL(hvhost_vnic_set_vlan(h, id, 42, err, sizeof err), 0);
        CU_ASSERT_EQUAL(hvhost_vnic_set_rdma(h, id, 1, err, sizeof err), 0);
        CU_ASSERT_EQUAL(hvhost_vnic_map(h, id, k == 1 ? "SLOT 2" : "SLOT 3", err, sizeof err), 0);
    }
}

struct counter {
    uint64_t frames;
};

static void count_rx(void *ctx, struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    (void)s;
    (void)pi;
    ((struct counter *)ctx)->frames++;
    frame_unref(f);
}

/* On each host: switch SETswitch over SLOT 2 and SLOT 3 (allow_mgmt as
 * hvhost_vswitch_create takes it) and VM vm1 with 10.0.0.<host>/24. */
static void rig_vm_pair(struct rig *r, int allow_mgmt, int vnic[2])
{
    char err[256];
    for (int h = 0; h < 2; h++) {
        const char *members[2] = {"SLOT 2", "SLOT 3"};
        CU_ASSERT_EQUAL(hvhost_vswitch_create(r->hv[h], "SETswitch", members, 2, 1, allow_mgmt,
                                              err, sizeof err),
                        0);
        CU_ASSERT_EQUAL(hvhost_vm_add(r->hv[h], "vm1", err, sizeof err), 0);
        struct hvhost_vnic_settings vn = {.name = "Network Adapter", .vm = "vm1",
                                          .sw = "SETswitch", .has_ipv4 = 1,
                                          .ipv4 = {10, 0, 0, (uint8_t)(h + 1)}, .prefix_len = 24};
        vnic[h] = hvhost_vnic_add(r->hv[h], &vn, err, sizeof err);
        CU_ASSERT_FATAL(vnic[h] >= 0);
    }
}

/* VM on hv1 -> VM on hv2 over UDP: ARP through both teams and the ToR. */
static void test_vm_to_vm_udp(void)
{
    struct rig r;
    rig_init(&r, 0, SET_ANNOUNCE_NONE);
    int vnic[2];
    rig_vm_pair(&r, -1, vnic);
    /* CFG-009: each switch gave the management OS a vNIC. */
    CU_ASSERT_EQUAL(hvhost_vnic_find(r.hv[0], NULL, "vEthernet (SETswitch)", NULL), 0);
    struct hvhost_vnic_info a, b;
    hvhost_vnic_info(r.hv[0], vnic[0], &a);
    hvhost_vnic_info(r.hv[1], vnic[1], &b);
    struct counter got = {0};
    CU_ASSERT_EQUAL(ipstack_bind(b.stack, PKT_IPPROTO_UDP, 5000, count_rx, &got), 0);
    uint8_t dst[4] = {10, 0, 0, 2};
    for (int k = 0; k < 50; k++) {
        struct ipstack_udp u = {.version = 4, .dst = dst, .sport = (uint16_t)(6000 + k),
                                .dport = 5000, .payload_len = 1000};
        ipstack_send_udp(a.stack, &u);
        sim_run_until(r.eng, sim_now(r.eng) + 10 * SIM_US);
    }
    sim_run_until(r.eng, 5 * SIM_MS);
    /* ARP queues at most 3 frames before resolution (the rest are dropped
     * until the reply), then everything flows. */
    CU_ASSERT(got.frames >= 45);
    CU_ASSERT_EQUAL(ipstack_counters(a.stack)->resolved, 1);
    fprintf(stderr, "\n    VM->VM over two SET teams: %llu of 50 datagrams\n",
            (unsigned long long)got.frames);
    rig_free(&r);
}

struct wire_tags {
    uint64_t frames, tagged42_pcp3, other_tags, untagged;
    uint64_t from[8]; /* frames per source MAC last byte (test MACs) */
};

static void read_tags(const char *path, const uint8_t *mac, struct wire_tags *w)
{
    memset(w, 0, sizeof *w);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        struct pkt_l2 l2;
        if (pkt_l2_bytes(data, hdr->caplen, &l2) != 0 || memcmp(l2.src, mac, 6) != 0)
            continue;
        if (l2.ethertype != PKT_ETH_P_IPV4)
            continue; /* ARP etc. */
        w->frames++;
        if (!l2.tagged)
            w->untagged++;
        else if (l2.vid == 42 && l2.pcp == 3)
            w->tagged42_pcp3++;
        else
            w->other_tags++;
    }
    pcap_close(p);
}

/* One RoCEv2-sized UDP frame of the vNIC's RDMA engine (FRAME_F_RDMA,
 * NetworkDirect port 445) to dst. */
static void send_rdma_frame(struct ipstack *st, struct frame_pool *pool, const uint8_t dst[4],
                            uint16_t sport)
{
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    ipstack_l2_spec(st, &l2);
    CU_ASSERT_EQUAL(ipstack_ip_spec(st, 4, dst, 0, 0, &ip), 0);
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, sport, 4791, 1024), 0);
    f->flags |= FRAME_F_RDMA;
    f->nd_port = 445;
    ipstack_send(st, f);
}

/* The SMB vNICs' RDMA frames: VID 42 / PCP 3, each on its mapped member. */
static void smb_rdma_run(int debugger, int registry_override, struct wire_tags out[2][2])
{
    struct rig r;
    rig_init(&r, debugger, SET_ANNOUNCE_NONE);
    char err[256];
    seed_config(r.hv[0], 1);
    seed_config(r.hv[1], 2);
    if (registry_override) {
        /* The seed's Set-ItemProperty, then QoS re-initialised on the
         * adapters (CFG-035: the value applies at the next init). */
        CU_ASSERT_EQUAL(hvhost_set_registry(r.hv[0],
                                            "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\NDIS\\"
                                            "Parameters",
                                            "AllowFlowControlUnderDebugger", 1, err, sizeof err),
                        0);
        hvhost_adapter_qos(r.hv[0], "SLOT 2", 1, err, sizeof err);
        hvhost_adapter_qos(r.hv[0], "SLOT 3", 1, err, sizeof err);
    }
    const uint8_t *smb_mac[2];
    struct ipstack *st[2];
    for (int k = 0; k < 2; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "SMB_%d", k + 1);
        int id = hvhost_vnic_find(r.hv[0], NULL, nm, NULL);
        CU_ASSERT_FATAL(id >= 0);
        struct hvhost_vnic_info vi;
        hvhost_vnic_info(r.hv[0], id, &vi);
        smb_mac[k] = vi.mac;
        st[k] = vi.stack;
        CU_ASSERT_EQUAL(vi.vlan, 42);
        CU_ASSERT(vi.rdma);
    }
    /* SMB_1 -> hv2's SMB_1 (10.0.42.21), SMB_2 -> hv2's SMB_2 (.22). */
    for (int n = 0; n < 40; n++) {
        for (int k = 0; k < 2; k++) {
            uint8_t dst[4] = {10, 0, 42, (uint8_t)(21 + k)};
            send_rdma_frame(st[k], r.pool, dst, (uint16_t)(50000 + n));
        }
        sim_run_until(r.eng, sim_now(r.eng) + 20 * SIM_US);
    }
    sim_run_until(r.eng, 2 * SIM_MS);
    /* Programmed DCB on hv1's members (unless the debugger blocks it). */
    struct nic *s2 = hvhost_nic(r.hv[0], "SLOT 2");
    int blocked = debugger && !registry_override;
    CU_ASSERT_EQUAL(nic_pfc_enabled(s2), blocked ? 0 : 0x08);
    const struct egress_settings *eg = nic_egress_settings(s2);
    CU_ASSERT_EQUAL(eg->tc_bw[0], blocked ? 100 : 70); /* CFG-033: default keeps 70 % */
    CU_ASSERT_EQUAL(eg->prio_tc[3], blocked ? 0 : 1);
    rig_close_caps(&r);
    for (int k = 0; k < 2; k++) {
        read_tags(r.cap_path[0], smb_mac[k], &out[k][0]);
        read_tags(r.cap_path[1], smb_mac[k], &out[k][1]);
    }
    rig_free(&r);
}

static void test_smb_vlan42_pcp3_on_mapped_members(void)
{
    struct wire_tags w[2][2];
    smb_rdma_run(0, 0, w);
    /* DCB-012: tagged VID 42 / PCP 3; HVP-006: SMB_1 on SLOT 2, SMB_2 on
     * SLOT 3; DYN-010: RDMA follows affinity, never rewritten. */
    CU_ASSERT_EQUAL(w[0][0].tagged42_pcp3, 40);
    CU_ASSERT_EQUAL(w[0][0].other_tags + w[0][0].untagged, 0);
    CU_ASSERT_EQUAL(w[0][1].frames, 0);
    CU_ASSERT_EQUAL(w[1][1].tagged42_pcp3, 40);
    CU_ASSERT_EQUAL(w[1][0].frames, 0);
}

static void test_debugger_blocks_netqos(void)
{
    struct wire_tags w[2][2];
    smb_rdma_run(1, 0, w);
    /* CFG-035 / DCB-009: no NetDirect tagging: VID 42 but PCP 0. */
    CU_ASSERT_EQUAL(w[0][0].frames, 40);
    CU_ASSERT_EQUAL(w[0][0].tagged42_pcp3, 0);
    CU_ASSERT_EQUAL(w[0][0].other_tags, 40);
    smb_rdma_run(1, 1, w);
    CU_ASSERT_EQUAL(w[0][0].tagged42_pcp3, 40);
}

/* FO-005 with fo.announce=garp_na: the vNIC's GARP on the new member. */
static void test_failover_announce(void)
{
    struct rig r;
    rig_init(&r, 0, SET_ANNOUNCE_GARP_NA);
    char err[256];
    seed_config(r.hv[0], 1);
    int id = hvhost_vnic_find(r.hv[0], NULL, "SMB_1", NULL);
    struct hvhost_vnic_info vi;
    hvhost_vnic_info(r.hv[0], id, &vi);
    struct set_team *t = hvhost_team(r.hv[0], "SETswitch");
    CU_ASSERT_EQUAL(set_team_affinity(t, vi.vport), 0);
    sim_run_until(r.eng, 1 * SIM_MS);
    link_cut(r.link[0]);
    sim_run_until(r.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(t, vi.vport), 1);
    /* One announcement when the mapping moved SMB_1 to SLOT 2 at setup,
     * one for the failover. */
    CU_ASSERT_EQUAL(ipstack_counters(vi.stack)->garp_tx, 2);
    CU_ASSERT_EQUAL(ipstack_counters(vi.stack)->una_tx, 2);
    rig_close_caps(&r);
    /* The GARP left on SLOT 3, tagged VLAN 42, from MAC(SMB_1). */
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(r.cap_path[1], errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int garps = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        struct pkt_info pi;
        if (pkt_parse_bytes(data, hdr->caplen, hdr->len, &pi) == 0 && (pi.layers & PKT_HAS_ARP) &&
            memcmp(pi.src, vi.mac, 6) == 0 && (pi.layers & PKT_HAS_VLAN) && pi.vid == 42)
            garps++;
    }
    pcap_close(p);
    CU_ASSERT_EQUAL(garps, 1);
    (void)err;
    rig_free(&r);
}

static void test_config_errors(void)
{
    struct rig r;
    rig_init(&r, 0, SET_ANNOUNCE_NONE);
    char err[256];
    struct hvhost *h = r.hv[0];
    const char *one[1] = {"SLOT 2"};
    /* CFG-007: one adapter without the flag: an ordinary external switch. */
    CU_ASSERT_EQUAL(hvhost_vswitch_create(h, "RDMAswitch", one, 1, 0, -1, err, sizeof err), 0);
    CU_ASSERT_FALSE(hvhost_vswitch_is_set(h, "RDMAswitch"));
    const char *two[2] = {"SLOT 2", "SLOT 3"};
    CU_ASSERT_EQUAL(hvhost_team_set_members(h, "RDMAswitch", two, 2, err, sizeof err), -EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "CFG-005 SET_E_NOT_A_SET_SWITCH: virtual switch 'RDMAswitch' "
                                "was created without embedded teaming");
    CU_ASSERT_EQUAL(hvhost_vswitch_create(h, "Other", two, 2, 1, -1, err, sizeof err), -EBUSY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'SLOT 2' is already bound to virtual switch 'RDMAswitch'"));
    CU_ASSERT_EQUAL(hvhost_vswitch_remove(h, "RDMAswitch", err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_vswitch_create(h, "SETswitch", two, 2, 1, 0, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_vnic_find(h, NULL, "SETswitch", NULL), -ENOENT); /* AllowManagementOS $false */
    struct hvhost_vnic_settings vn = {.name = "SMB_1", .sw = "SETswitch"};
    int id = hvhost_vnic_add(h, &vn, err, sizeof err);
    CU_ASSERT_FATAL(id >= 0);
    CU_ASSERT_EQUAL(hvhost_vnic_map(h, id, "SLOT 9", err, sizeof err), -ENOENT);
    CU_ASSERT_STRING_EQUAL(err, "CFG-017 SET_E_NOT_A_MEMBER: 'SLOT 9' is not a member of the "
                                "team of switch 'SETswitch'");
    CU_ASSERT_EQUAL(hvhost_vnic_add(h, &vn, err, sizeof err), -EEXIST);
    struct hvhost_qos_policy p = {.nd_port = 445, .priority = 3};
    snprintf(p.name, sizeof p.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_qos_policy_add(h, &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_qos_policy_add(h, &p, err, sizeof err), -EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "CFG-031 QOS_E_DUPLICATE_POLICY"));
    struct hvhost_tclass c = {.prio_mask = 0x08, .bandwidth = 80, .ets = 1};
    snprintf(c.name, sizeof c.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_traffic_class_add(h, &c, err, sizeof err), 0);
    struct hvhost_tclass c2 = {.prio_mask = 0x10, .bandwidth = 30, .ets = 1};
    snprintf(c2.name, sizeof c2.name, "Bulk");
    CU_ASSERT_EQUAL(hvhost_traffic_class_add(h, &c2, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "QOS_E_BANDWIDTH_OVERCOMMIT"));
    c2.prio_mask = 0x08;
    c2.bandwidth = 10;
    CU_ASSERT_EQUAL(hvhost_traffic_class_add(h, &c2, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "QOS_E_PRIORITY_IN_USE"));
    struct hvhost_tclass def;
    hvhost_default_class(h, &def);
    CU_ASSERT_EQUAL(def.bandwidth, 20);
    CU_ASSERT_EQUAL(def.prio_mask, 0xF7);
    CU_ASSERT_EQUAL(hvhost_team_set_mode(h, "SETswitch", SET_LB_HYPERV_PORT, err, sizeof err), 0);
    CU_ASSERT_EQUAL(set_team_mode(hvhost_team(h, "SETswitch")), SET_LB_HYPERV_PORT);
    CU_ASSERT_EQUAL(hvhost_nic_admin(h, "SLOT 7", 0, err, sizeof err), -ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no adapter named 'SLOT 7'"));
    rig_free(&r);
}


/* A VM or host vNIC sending a UDP datagram every 10 us until `stop`. */
struct udp_src {
    struct ipstack *st;
    struct frame_pool *pool;
    uint8_t dst[4];
    uint16_t dport;
    sim_time_t stop;
    uint64_t sent;
    int rdma; /* RoCEv2-like frames of the RDMA engine (DYN-010: on the affinitized member) */
};

static void udp_tick(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct udp_src *u = ctx;
    if (sim_now(eng) >= u->stop)
        return;
    if (u->rdma) {
        send_rdma_frame(u->st, u->pool, u->dst, 50000);
    } else {
        struct ipstack_udp d = {.version = 4, .dst = u->dst, .sport = 7000, .dport = u->dport,
                                .payload_len = 1000};
        ipstack_send_udp(u->st, &d);
    }
    u->sent++;
    sim_schedule_in(eng, 10 * SIM_US, udp_tick, u, NULL);
}

/* CFG-016: the switch is removed while its VM is sending: the switch, its
 * team and its vNICs are gone, nothing from its vPorts leaves the members
 * afterwards, the adapters are free for a new switch, and the member list
 * can never be emptied before that. */
static void test_switch_removed_running(void)
{
    rig_opts.trace = 1;
    struct rig r;
    rig_init(&r, 0, SET_ANNOUNCE_NONE);
    char err[256];
    int vnic[2];
    const char *members[2] = {"SLOT 2", "SLOT 3"};
    rig_vm_pair(&r, 0, vnic);
    /* CFG-016 (and CFG-001): the list cannot be emptied. */
    CU_ASSERT_EQUAL(hvhost_team_set_members(r.hv[0], "SETswitch", NULL, 0, err, sizeof err),
                    -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "SET_E_MEMBER_COUNT"));
    CU_ASSERT_EQUAL(set_team_member_count(hvhost_team(r.hv[0], "SETswitch")), 2);
    struct hvhost_vnic_info a, b;
    hvhost_vnic_info(r.hv[0], vnic[0], &a);
    hvhost_vnic_info(r.hv[1], vnic[1], &b);
    uint8_t amac[6];
    memcpy(amac, a.mac, 6);
    struct counter got = {0};
    CU_ASSERT_EQUAL(ipstack_bind(b.stack, PKT_IPPROTO_UDP, 5000, count_rx, &got), 0);
    struct udp_src u = {.st = a.stack, .dst = {10, 0, 0, 2}, .dport = 5000, .stop = 6 * SIM_MS};
    sim_schedule_in(r.eng, 0, udp_tick, &u, NULL);
    sim_run_until(r.eng, 3 * SIM_MS);
    uint64_t before = got.frames;
    CU_ASSERT(before > 250);
    CU_ASSERT_EQUAL(hvhost_vswitch_remove(r.hv[0], "SETswitch", err, sizeof err), 0);
    /* CFG-POST: the switch, its team and its vNICs are gone. */
    CU_ASSERT_PTR_NULL(hvhost_vswitch(r.hv[0], "SETswitch"));
    CU_ASSERT_PTR_NULL(hvhost_team(r.hv[0], "SETswitch"));
    CU_ASSERT_EQUAL(hvhost_vswitch_count(r.hv[0]), 0);
    CU_ASSERT_EQUAL(hvhost_vnic_find(r.hv[0], "vm1", "Network Adapter", NULL), -ENOENT);
    sim_run_until(r.eng, 6 * SIM_MS);
    /* What was on the wire at the instant may still arrive; nothing after. */
    CU_ASSERT(got.frames - before <= 2);
    CU_ASSERT(u.sent > 550); /* the VM kept trying */
    /* The adapters are free again: a new SET switch takes them. */
    CU_ASSERT_EQUAL(hvhost_vswitch_create(r.hv[0], "SETswitch2", members, 2, 1, 0, err,
                                          sizeof err),
                    0);
    CU_ASSERT_EQUAL(set_team_member_count(hvhost_team(r.hv[0], "SETswitch2")), 2);
    rig_close_caps(&r);
    for (int k = 0; k < 2; k++) {
        uint64_t late = count_src(r.cap_path[k], amac, 3 * SIM_MS + 2 * SIM_US, 7 * SIM_MS);
        CU_ASSERT_EQUAL(late, 0);
    }
    CU_ASSERT(count_src(r.cap_path[0], amac, 0, 3 * SIM_MS) +
                  count_src(r.cap_path[1], amac, 0, 3 * SIM_MS) > 250);
    rig_free(&r);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'note' AND obj = "
                                  "'hv1/SETswitch' AND detail = 'switch_removed' AND time_ps = "
                                  "3000000000"),
                    1);
}

/* CFG-021: Enable-NetAdapterRdma restarts a member unless -NoRestart:
 * adapter_restart, member_down, FO-002 (SMB_1 moves to SLOT 3), the
 * restart time (1 ms here) as a transmit gap on SLOT 2, member_up, and the
 * mapped vNIC's failback after the hold-down (0.5 ms here).  CFG-022: the
 * members are RDMA-enabled afterwards; RDMA on switch-bound adapters is
 * refused on 2012 R2 with the rule's error. */
static void test_rdma_enable_restarts_member(void)
{
    rig_opts.trace = 1;
    rig_opts.restart_time = 1 * SIM_MS;
    rig_opts.holddown = 500 * SIM_US;
    struct rig r;
    rig_init(&r, 0, SET_ANNOUNCE_NONE);
    char err[256];
    seed_config(r.hv[0], 1);
    seed_config(r.hv[1], 2);
    int id = hvhost_vnic_find(r.hv[0], NULL, "SMB_1", NULL);
    CU_ASSERT_FATAL(id >= 0);
    struct hvhost_vnic_info vi;
    hvhost_vnic_info(r.hv[0], id, &vi);
    uint8_t smac[6];
    memcpy(smac, vi.mac, 6);
    struct set_team *t = hvhost_team(r.hv[0], "SETswitch");
    CU_ASSERT_EQUAL(set_team_affinity(t, vi.vport), 0);
    struct udp_src u = {.st = vi.stack, .pool = r.pool, .dst = {10, 0, 42, 21}, .dport = 4791,
                        .stop = 6 * SIM_MS, .rdma = 1};
    sim_schedule_in(r.eng, 0, udp_tick, &u, NULL);
    sim_run_until(r.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(hvhost_nic_set_rdma(r.hv[0], "SLOT 2", 1, 0, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_nic_set_rdma(r.hv[0], "SLOT 3", 1, 1, err, sizeof err), 0);
    sim_run_until(r.eng, 2 * SIM_MS + 10 * SIM_US);
    CU_ASSERT_EQUAL(set_team_affinity(t, vi.vport), 1); /* FO-002 during the restart */
    sim_run_until(r.eng, 6 * SIM_MS);
    CU_ASSERT_EQUAL(set_team_affinity(t, vi.vport), 0); /* FO-006 (a): mapped, back */
    CU_ASSERT(hvhost_nic_rdma(r.hv[0], "SLOT 2"));
    CU_ASSERT(hvhost_nic_rdma(r.hv[0], "SLOT 3"));
    rig_close_caps(&r);
    /* The wire: SMB_1 on SLOT 2 before, a gap on SLOT 2 while it restarts
     * and until the failback, SLOT 3 meanwhile, SLOT 2 again after. */
    CU_ASSERT(count_src(r.cap_path[0], smac, 0, 2 * SIM_MS) > 150);
    CU_ASSERT_EQUAL(count_src(r.cap_path[0], smac, 2 * SIM_MS + 2 * SIM_US, 3500 * SIM_US), 0);
    CU_ASSERT(count_src(r.cap_path[1], smac, 2 * SIM_MS, 3500 * SIM_US) > 100);
    CU_ASSERT_EQUAL(count_src(r.cap_path[1], smac, 0, 2 * SIM_MS), 0);
    CU_ASSERT(count_src(r.cap_path[0], smac, 3500 * SIM_US, 6 * SIM_MS) > 200);
    CU_ASSERT_EQUAL(count_src(r.cap_path[1], smac, 3500 * SIM_US + 2 * SIM_US, 6 * SIM_MS), 0);
    rig_free(&r);
    /* One restart for SLOT 2 (none for SLOT 3 with -NoRestart): down at 2 ms,
     * up at 3 ms, SMB_1 failed over then failed back after 0.5 ms. */
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = "
                                  "'adapter_restart'"),
                    1);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = "
                                  "'adapter_restart' AND obj = 'hv1/SLOT 2' AND time_ps = "
                                  "2000000000"),
                    1);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'member_down' "
                                  "AND obj = 'hv1/SLOT 2' AND time_ps = 2000000000"),
                    1);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'member_up' AND "
                                  "obj = 'hv1/SLOT 2' AND time_ps = 3000000000"),
                    1);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind IN ('member_down', "
                                  "'member_up') AND obj = 'hv1/SLOT 3' AND time_ps > 0"),
                    0);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'affinity_set' "
                                  "AND obj = 'hv1/vEthernet (SMB_1)' AND reason = 'failback' AND "
                                  "obj2 = 'hv1/SLOT 2' AND time_ps = 3500000000"),
                    1);
    /* CFG-022 on the 2012 R2 profile: refused, nothing enabled. */
    struct sim_engine *eng = sim_engine_create(NULL);
    struct frame_pool *pool = frame_pool_create(64);
    struct hvhost_settings hs;
    hvhost_settings_default(&hs, "old");
    hs.os = HVHOST_OS_WS2012R2;
    struct hvhost *old = hvhost_create(eng, NULL, pool, &hs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(old);
    struct nic_settings ns = {.name = "NIC1", .rate_bps = G25, .mac = {2, 0, 0, 0, 0, 1}};
    egress_settings_default(&ns.egress, G25);
    CU_ASSERT_PTR_NOT_NULL(hvhost_add_nic(old, &ns));
    const char *one[1] = {"NIC1"};
    CU_ASSERT_EQUAL(hvhost_vswitch_create(old, "RDMAswitch", one, 1, 0, -1, err, sizeof err), 0);
    struct hvhost_vnic_settings vn = {.name = "SMB_1", .sw = "RDMAswitch"};
    int oid = hvhost_vnic_add(old, &vn, err, sizeof err);
    CU_ASSERT_FATAL(oid >= 0);
    CU_ASSERT_EQUAL(hvhost_vnic_set_rdma(old, oid, 1, err, sizeof err), -ENOTSUP);
    CU_ASSERT_STRING_EQUAL(err, "CFG-022 SET_E_RDMA_UNSUPPORTED_OS: RDMA on switch-bound "
                                "adapters needs Windows Server 2016");
    struct hvhost_vnic_info oi;
    hvhost_vnic_info(old, oid, &oi);
    CU_ASSERT_EQUAL(oi.rdma, 0);
    sim_engine_destroy(eng);
    hvhost_destroy(old);
    frame_pool_destroy(pool);
}

/* An EAPOL frame from the wire into `link`'s NIC (CFG-024: the SET switch
 * drops it and traces the drop on the switch's object). */
static void wire_eapol__(struct rig *r, int li)
{
    struct frame *f = frame_alloc(r->pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *b = frame_put(f, 14);
    static const uint8_t pae[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x03};
    static const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x0e, 0x01};
    memcpy(b, pae, 6);
    memcpy(b + 6, src, 6);
    b[12] = 0x88;
    b[13] = 0x8e;
    f->payload_len = 46;
    CU_ASSERT_EQUAL(link_tx(r->link[li], 1, f), 0);
}

/* Two hosts, each with a switch named SETswitch, in one trace: each
 * switch is its own object, named per host like the NICs ("hv1/SETswitch",
 * its team's object), so a drop by hv2's switch is not hv1's.  (Both used
 * to be the one object "SETswitch".) */
static void test_vswitch_objects_per_host(void)
{
    struct rig r;
    rig_opts.trace = 1;
    rig_opts.trace_both = 1;
    rig_init(&r, 0, SET_ANNOUNCE_NONE);
    int vnic[2];
    rig_vm_pair(&r, 0, vnic);
    sim_run_until(r.eng, 10 * SIM_US);
    wire_eapol__(&r, 0);     /* hv1 SLOT 2 */
    wire_eapol__(&r, 2);     /* hv2 SLOT 2 */
    wire_eapol__(&r, 3);     /* hv2 SLOT 3 */
    sim_run_until(r.eng, 100 * SIM_US);
    rig_free(&r);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM objects WHERE name = 'SETswitch'"), 0);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM objects WHERE name IN "
                                  "('hv1/SETswitch', 'hv2/SETswitch')"),
                    2);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'eapol_set' AND obj = 'hv1/SETswitch'"),
                    1);
    CU_ASSERT_EQUAL(rig_count(&r, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'eapol_set' AND obj = 'hv2/SETswitch'"),
                    2);
}

int suite_hvhost(void)
{
    CU_pSuite s = test_suite("hvhost");
    if (!s || !CU_add_test(s, "VM to VM UDP through two SET teams", test_vm_to_vm_udp) ||
        !CU_add_test(s, "DCB-012/HVP-006 SMB on VLAN 42 PCP 3, mapped members",
                     test_smb_vlan42_pcp3_on_mapped_members) ||
        !CU_add_test(s, "CFG-035 debugger blocks NetQos until the override",
                     test_debugger_blocks_netqos) ||
        !CU_add_test(s, "FO-005 announcement on the new member", test_failover_announce) ||
        !CU_add_test(s, "configuration errors with rule codes", test_config_errors) ||
        !CU_add_test(s, "vswitch trace objects are per host", test_vswitch_objects_per_host) ||
        !CU_add_test(s, "CFG-016 switch removed while running", test_switch_removed_running) ||
        !CU_add_test(s, "CFG-021/022 RDMA enable restarts a member",
                     test_rdma_enable_restarts_member))
        return -1;
    return 0;
}
