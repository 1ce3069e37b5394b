/* test_rdma_fixture: raw RDMA endpoints and Hyper-V host rigs (see the
 * header). */
#include "test_rdma_fixture.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "set_team.h"
#include "test_util.h"

/* ---- raw endpoints ------------------------------------------------------- */

static int ep_tx__(void *ctx, struct frame *f)
{
    struct rf_ep *e = ctx;
    if (e->tagged) {
        if (frame_make_writable(&f) != 0 || pkt_vlan_insert(f, e->pcp, 0, e->vid) != 0) {
            frame_unref(f);
            return -ENOMEM;
        }
    }
    if (e->drop && e->drop(e->drop_ctx, e, f)) {
        e->dropped++;
        frame_unref(f);
        return 0;
    }
    e->tx_frames++;
    return nic_send(e->nic, f);
}

static void ep_rx__(void *ctx, struct nic *nic, struct frame *f)
{
    (void)nic;
    struct rf_ep *e = ctx;
    if (pkt_eth_tagged(f) && (frame_make_writable(&f) != 0 || pkt_vlan_strip(f) != 0)) {
        frame_unref(f);
        return;
    }
    ipstack_input(e->stack, f);
}

static int ep_gate__(void *ctx, uint16_t nd_port)
{
    (void)nd_port;
    struct rf_ep *e = ctx;
    return nic_tx_backlog(e->nic, e->tagged ? e->pcp : 0) >= HVRDMA_DEFAULT_QUEUE_LIMIT;
}

void rf_init(struct rf *rf, const struct switch_settings *ss, int with_trace)
{
    memset(rf, 0, sizeof *rf);
    rf->eng = sim_engine_create(NULL);
    rf->pool = frame_pool_create(8192);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(rf->dir, sizeof rf->dir), 0);
    if (with_trace) {
        char path[700], err[256];
        snprintf(path, sizeof path, "%s/run.sqlite", rf->dir);
        struct trace_run_info info = {.seed = 1, .scenario = "rdma", .engine = "native"};
        rf->trace = trace_open(path, &info, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rf->trace);
    }
    rf->sw = switch_create(rf->eng, rf->trace, rf->pool, ss);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rf->sw);
}

struct rf_ep *rf_ep_add(struct rf *rf, uint64_t rate, uint8_t pfc_mask, int tagged, uint16_t vid,
                        uint8_t pcp, const struct roce_settings *rs)
{
    CU_ASSERT_FATAL(rf->nep < RF_MAX);
    struct rf_ep *e = &rf->ep[rf->nep];
    memset(e, 0, sizeof *e);
    e->rf = rf;
    e->idx = rf->nep++;
    e->tagged = tagged;
    e->vid = vid;
    e->pcp = pcp;
    uint8_t ip[4] = {10, 0, 42, (uint8_t)(e->idx + 1)};
    memcpy(e->ip, ip, 4);
    char name[64];
    snprintf(name, sizeof name, "ep%d", e->idx);
    struct nic_settings ns = {.name = name, .rate_bps = rate, .pfc_enabled = pfc_mask};
    uint8_t mac[6] = {0x02, 0, 0, 0, 1, (uint8_t)(e->idx + 1)};
    memcpy(ns.mac, mac, 6);
    egress_settings_default(&ns.egress, rate);
    e->nic = nic_create(rf->eng, rf->trace, rf->pool, &ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->nic);
    char lname[64];
    snprintf(lname, sizeof lname, "ep%d-link", e->idx);
    struct link_settings ls = {.name = lname, .rate_bps = rate, .delay = link_cable_delay(3)};
    e->link = link_create(rf->eng, rf->trace, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->link);
    nic_attach(e->nic, e->link, 0);
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    if (tagged) {
        ps.mode = SWITCH_TRUNK;
        ps.pvid = 0;
    }
    CU_ASSERT_EQUAL_FATAL(switch_port_configure(rf->sw, (uint32_t)rf->nep, &ps), 0);
    CU_ASSERT_EQUAL_FATAL(switch_attach(rf->sw, (uint32_t)rf->nep, e->link, 1), 0);
    char sname[64];
    snprintf(sname, sizeof sname, "ep%d/stack", e->idx);
    struct ipstack_settings is;
    ipstack_settings_default(&is, sname, mac);
    is.has_ipv4 = 1;
    memcpy(is.ipv4, ip, 4);
    is.ipv4_prefix_len = 24;
    e->stack = ipstack_create(rf->eng, rf->trace, rf->pool, &is, ep_tx__, e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->stack);
    nic_set_rx_handler(e->nic, ep_rx__, e);
    char dname[64];
    snprintf(dname, sizeof dname, "ep%d/rdma", e->idx);
    struct roce_settings def;
    roce_settings_default(&def, dname, rate);
    if (rs) {
        def = *rs;
        def.name = dname;
        def.rate_bps = rate;
    }
    e->dev = roce_dev_create(rf->eng, rf->trace, rf->pool, e->stack, &def);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->dev);
    roce_dev_set_tx_gate(e->dev, ep_gate__, e);
    return e;
}

void rf_capture(struct rf_ep *e, const char *name)
{
    snprintf(e->cap_path, sizeof e->cap_path, "%s/%s.pcapng", e->rf->dir, name);
    e->cap = pcapng_open(e->cap_path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->cap);
    link_capture(e->link, 0, e->cap, pcapng_add_interface(e->cap, name, 0));
}

void rf_close_caps(struct rf *rf)
{
    for (int i = 0; i < rf->nep; i++)
        if (rf->ep[i].cap) {
            CU_ASSERT_EQUAL(pcapng_close(rf->ep[i].cap), 0);
            rf->ep[i].cap = NULL;
        }
}

void rf_free(struct rf *rf)
{
    rf_close_caps(rf);
    sim_engine_destroy(rf->eng);
    for (int i = 0; i < rf->nep; i++) {
        roce_dev_destroy(rf->ep[i].dev);
        ipstack_destroy(rf->ep[i].stack);
        nic_destroy(rf->ep[i].nic);
    }
    switch_destroy(rf->sw);
    for (int i = 0; i < rf->nep; i++)
        link_destroy(rf->ep[i].link);
    if (rf->trace) {
        trace_finish(rf->trace, 0, 0);
        trace_close(rf->trace);
    }
    frame_pool_destroy(rf->pool);
}

/* ---- Hyper-V rigs ---------------------------------------------------------- */

void rig_init(struct rig *r, const struct switch_settings *ss, int with_trace)
{
    memset(r, 0, sizeof *r);
    r->eng = sim_engine_create(NULL);
    r->pool = frame_pool_create(8192);
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(r->dir, sizeof r->dir), 0);
    if (with_trace) {
        char path[700], err[256];
        snprintf(path, sizeof path, "%s/run.sqlite", r->dir);
        struct trace_run_info info = {.seed = 1, .scenario = "rig", .engine = "native"};
        r->trace = trace_open(path, &info, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->trace);
    }
    struct switch_settings def;
    if (!ss) {
        switch_settings_default(&def, "tor", RIG_MAX_LINKS);
        def.pfc_enabled = 0x08;
        ss = &def;
    }
    r->nports = ss->nports;
    r->tor = switch_create(r->eng, r->trace, r->pool, ss);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->tor);
}

void rig_ip(int h, int k, uint8_t ip[4])
{
    ip[0] = 10;
    ip[1] = 0;
    ip[2] = 42;
    ip[3] = (uint8_t)(h * 10 + k + 1);
}

/* The seed's DCB and SET configuration (cf. tests/test_hvhost.c). */
static void seed_config__(struct hvhost *h, int hidx, int members, uint16_t vlan)
{
    char err[256] = "";
    CU_ASSERT_EQUAL(hvhost_install_feature(h, "Data-Center-Bridging", err, sizeof err), 0);
    struct hvhost_qos_policy p = {.nd_port = 445, .priority = 3, .precedence = 127};
    snprintf(p.name, sizeof p.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_qos_policy_add(h, &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_flow_control(h, 0x08, 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_flow_control(h, 0xF7, 0, err, sizeof err), 0);
    const char *names[2] = {"SLOT 2", "SLOT 3"};
    for (int k = 0; k < members; k++)
        CU_ASSERT_EQUAL(hvhost_adapter_qos(h, names[k], 1, err, sizeof err), 0);
    struct hvhost_tclass c = {.prio_mask = 0x08, .bandwidth = 30, .ets = 1};
    snprintf(c.name, sizeof c.name, "SMB");
    CU_ASSERT_EQUAL(hvhost_traffic_class_add(h, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(hvhost_vswitch_create(h, "SETswitch", names, (size_t)members, 1, 0,
                                                err, sizeof err),
                          0);
    for (int k = 0; k < members; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "SMB_%d", k + 1);
        struct hvhost_vnic_settings vn = {.name = nm, .sw = "SETswitch", .has_ipv4 = 1,
                                          .prefix_len = 24};
        rig_ip(hidx, k, vn.ipv4);
        int id = hvhost_vnic_add(h, &vn, err, sizeof err);
        CU_ASSERT_FATAL(id >= 0);
        if (vlan)
            CU_ASSERT_EQUAL(hvhost_vnic_set_vlan(h, id, vlan, err, sizeof err), 0);
        CU_ASSERT_EQUAL(hvhost_vnic_set_rdma(h, id, 1, err, sizeof err), 0);
        CU_ASSERT_EQUAL(hvhost_vnic_map(h, id, names[k], err, sizeof err), 0);
    }
}

int rig_host(struct rig *r, int members, uint16_t vlan, int capture,
             const struct hvrdma_settings *hs)
{
    CU_ASSERT_FATAL(r->nhv < RIG_MAX_HOSTS && members >= 1 && members <= 2);
    int h = r->nhv++;
    char name[16];
    snprintf(name, sizeof name, "hv%d", h + 1);
    struct hvhost_settings hset;
    hvhost_settings_default(&hset, name);
    hset.host_index = (uint8_t)(h + 1);
    r->hv[h] = hvhost_create(r->eng, r->trace, r->pool, &hset);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->hv[h]);
    r->members[h] = members;
    r->first_link[h] = r->nlink;
    for (int k = 0; k < members; k++) {
        char nn[16];
        snprintf(nn, sizeof nn, "SLOT %d", k + 2);
        struct nic_settings ns = {.name = nn, .rate_bps = G25,
                                  .id = {"Mellanox", "ConnectX-5", "16.27", "2.40"}};
        uint8_t mac[6] = {0x0c, 0x42, 0xa1, (uint8_t)h, 0, (uint8_t)k};
        memcpy(ns.mac, mac, 6);
        egress_settings_default(&ns.egress, G25);
        struct nic *n = hvhost_add_nic(r->hv[h], &ns);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        int li = r->nlink++;
        CU_ASSERT_FATAL(li < RIG_MAX_LINKS && (uint32_t)li < r->nports);
        char lname[48];
        snprintf(lname, sizeof lname, "%s/%s", name, nn);
        struct link_settings ls = {.name = lname, .rate_bps = G25, .delay = link_cable_delay(3)};
        r->link[li] = link_create(r->eng, r->trace, &ls);
        nic_attach(n, r->link[li], 0);
        /* Trunk ports: VLAN 42 tagged, untagged traffic on native VLAN 1. */
        struct switch_port_settings ps;
        switch_port_settings_default(&ps);
        ps.mode = SWITCH_TRUNK;
        ps.pvid = 1;
        CU_ASSERT_EQUAL_FATAL(switch_port_configure(r->tor, (uint32_t)li + 1, &ps), 0);
        CU_ASSERT_EQUAL_FATAL(switch_attach(r->tor, (uint32_t)li + 1, r->link[li], 1), 0);
        if (capture) {
            snprintf(r->cap_path[li], sizeof r->cap_path[li], "%s/%s-s%d.pcapng", r->dir, name,
                     k + 2);
            r->cap[li] = pcapng_open(r->cap_path[li], NULL, NULL, 0);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r->cap[li]);
            link_capture(r->link[li], 0, r->cap[li], pcapng_add_interface(r->cap[li], nn, 0));
        }
    }
    seed_config__(r->hv[h], h, members, vlan);
    for (int k = 0; k < members; k++) {
        char vn[16], dname[64], err[256] = "";
        snprintf(vn, sizeof vn, "SMB_%d", k + 1);
        snprintf(dname, sizeof dname, "%s/SMB_%d/rdma", name, k + 1);
        int id = hvhost_vnic_find(r->hv[h], NULL, vn, NULL);
        CU_ASSERT_FATAL(id >= 0);
        struct hvrdma_settings s;
        hvrdma_settings_default(&s, dname);
        if (hs) {
            s = *hs;
            s.roce.name = dname;
        }
        r->rdma[h][k] = hvrdma_create(r->eng, r->trace, r->pool, r->hv[h], id, &s, err,
                                      sizeof err);
        if (!r->rdma[h][k])
            fprintf(stderr, "hvrdma_create: %s\n", err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->rdma[h][k]);
    }
    return h;
}

const uint8_t *rig_vnic_mac(struct rig *r, int h, int k)
{
    struct hvhost_vnic_info vi;
    hvhost_vnic_info(r->hv[h], hvrdma_vnic(r->rdma[h][k]), &vi);
    return vi.mac;
}

void rig_close_caps(struct rig *r)
{
    for (int i = 0; i < r->nlink; i++)
        if (r->cap[i]) {
            CU_ASSERT_EQUAL(pcapng_close(r->cap[i]), 0);
            r->cap[i] = NULL;
        }
}

void rig_free(struct rig *r)
{
    rig_close_caps(r);
    sim_engine_destroy(r->eng);
    for (int h = 0; h < r->nhv; h++)
        for (int k = 0; k < 2; k++)
            hvrdma_destroy(r->rdma[h][k]);
    for (int h = 0; h < r->nhv; h++)
        hvhost_destroy(r->hv[h]);
    switch_destroy(r->tor);
    for (int i = 0; i < r->nlink; i++)
        link_destroy(r->link[i]);
    if (r->trace) {
        trace_finish(r->trace, 0, 0);
        trace_close(r->trace);
    }
    frame_pool_destroy(r->pool);
}

/* ---- helpers ----------------------------------------------------------------- */

long tshark_count(const char *path, const char *filter)
{
    char cmd[1600], out[64] = "";
    snprintf(cmd, sizeof cmd, "tshark -n -r '%s' -Y '%s' 2>/dev/null | wc -l", path, filter);
    if (test_run(cmd, out, sizeof out) != 0)
        return -1;
    return strtol(out, NULL, 10);
}

int tshark_summary(const char *path, struct tshark_summary *out)
{
    memset(out, 0, sizeof *out);
    char cmd[1600];
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -T fields -E separator=';' -E occurrence=f -e frame.protocols "
             "-e infiniband.mad.attributeid -e infiniband.reth.dmalen -e "
             "infiniband.aeth.syndrome -e _ws.expert.severity -e vlan.id -e vlan.priority "
             "2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[1024];
    while (fgets(line, sizeof line, p)) {
        char *f[7] = {0};
        int n = 0;
        for (char *c = line, *start = line; n < 7; c++) {
            if (*c == ';' || *c == '\n' || *c == 0) {
                int end = *c == 0;
                *c = 0;
                f[n++] = start;
                start = c + 1;
                if (end)
                    break;
            }
        }
        if (n < 7)
            continue;
        out->frames++;
        int ib = strstr(f[0], "infiniband") != NULL;
        out->infiniband += ib;
        /* Expert severities: note 0x400000, warning 0x600000, error 0x800000. */
        long sev = f[4][0] ? strtol(f[4], NULL, 0) : 0;
        out->bad += strstr(f[0], "_ws.malformed") != NULL || sev >= 0x600000;
        long attr = f[1][0] ? strtol(f[1], NULL, 0) : 0;
        out->cm_req += attr == 0x0010;
        out->cm_rep += attr == 0x0013;
        out->cm_rtu += attr == 0x0014;
        out->cm_dreq += attr == 0x0015;
        out->reth += f[2][0] != 0;
        out->aeth += f[3][0] != 0;
        out->ib_tagged_42_3 += ib && strcmp(f[5], "42") == 0 && atoi(f[6]) == 3;
    }
    return pclose(p) == 0 ? 0 : -1;
}

uint64_t switch_total_drops(const struct sw *sw, uint32_t nports)
{
    uint64_t n = 0;
    for (uint32_t p = 1; p <= nports; p++) {
        const struct switch_port_counters *c = switch_port_counters(sw, p);
        if (!c)
            continue;
        for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
            n += c->drops[r];
    }
    return n;
}
