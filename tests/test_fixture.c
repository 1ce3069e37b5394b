/* test_fixture: fabric builders shared by the model suites. */
#include "test_fixture.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

void fx_init(struct fx *fx, const char *trace_dir)
{
    memset(fx, 0, sizeof *fx);
    fx->eng = sim_engine_create(NULL);
    fx->pool = frame_pool_create(4096);
    if (trace_dir) {
        char path[600];
        snprintf(path, sizeof path, "%s/run.sqlite", trace_dir);
        struct trace_run_info info = {.seed = 1, .scenario = "fixture", .engine = "native"};
        char err[256];
        fx->trace = trace_open(path, &info, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fx->trace);
    }
}

void fx_free(struct fx *fx)
{
    /* The engine goes first so no event runs on a freed model. */
    sim_engine_destroy(fx->eng);
    for (int i = 0; i < fx->nhost; i++) {
        rawhost_destroy(fx->host[i]);
        nic_destroy(fx->nic[i]);
    }
    for (int i = 0; i < fx->nsw; i++)
        switch_destroy(fx->sw[i]);
    for (int i = 0; i < fx->nlink; i++)
        link_destroy(fx->link[i]);
    if (fx->trace) {
        trace_finish(fx->trace, 0, 0);
        trace_close(fx->trace);
    }
    frame_pool_destroy(fx->pool);
}

struct sw *fx_switch(struct fx *fx, const struct switch_settings *s)
{
    struct sw *sw = switch_create(fx->eng, fx->trace, fx->pool, s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    fx->sw[fx->nsw++] = sw;
    return sw;
}

void fx_mac(int host, uint8_t mac[6])
{
    uint8_t m[6] = {0x02, 0, 0, 0, 0, (uint8_t)(host + 1)};
    memcpy(mac, m, 6);
}

int fx_host(struct fx *fx, struct sw *sw, uint32_t port, uint64_t rate, uint32_t cable_m,
            uint8_t pfc_enabled)
{
    int i = fx->nhost++;
    char name[64];
    snprintf(name, sizeof name, "h%d", i);
    struct nic_settings ns = {.name = name, .rate_bps = rate, .pfc_enabled = pfc_enabled,
                              .rx_drain_bps = fx->rx_drain_bps};
    fx_mac(i, ns.mac);
    egress_settings_default(&ns.egress, rate);
    fx->nic[i] = nic_create(fx->eng, fx->trace, fx->pool, &ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->nic[i]);
    char lname[64];
    snprintf(lname, sizeof lname, "h%d-link", i);
    struct link_settings ls = {.name = lname, .rate_bps = rate, .delay = link_cable_delay(cable_m)};
    struct link *l = link_create(fx->eng, fx->trace, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    fx->link[fx->nlink++] = l;
    nic_attach(fx->nic[i], l, 0);
    if (sw) {
        struct switch_port_settings ps;
        switch_port_settings_default(&ps);
        ps.cable_m = cable_m;
        if (fx->trunk_hosts) {
            ps.mode = SWITCH_TRUNK;
            ps.pvid = 0;
        }
        CU_ASSERT_EQUAL_FATAL(switch_port_configure(sw, port, &ps), 0);
        CU_ASSERT_EQUAL_FATAL(switch_attach(sw, port, l, 1), 0);
    }
    fx->host[i] = rawhost_create(fx->eng, fx->pool, fx->nic[i], name, 7);
    return i;
}

struct link *fx_trunk(struct fx *fx, struct sw *a, uint32_t pa, struct sw *b, uint32_t pb,
                      uint64_t rate, uint32_t cable_m)
{
    struct link_settings ls = {.name = "trunk", .rate_bps = rate, .delay = link_cable_delay(cable_m)};
    struct link *l = link_create(fx->eng, fx->trace, &ls);
    fx->link[fx->nlink++] = l;
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    ps.cable_m = cable_m;
    ps.mode = SWITCH_TRUNK;
    ps.pvid = 0;
    switch_port_configure(a, pa, &ps);
    switch_port_configure(b, pb, &ps);
    switch_attach(a, pa, l, 0);
    switch_attach(b, pb, l, 1);
    return l;
}

void fx_flow(struct fx *fx, int a, int b, uint64_t rate, uint32_t size, int tagged, uint16_t vid,
             uint8_t pcp, sim_time_t stop)
{
    struct rawhost_flow fl = {.pattern = RAWHOST_FIXED, .frame_size = size, .rate_bps = rate,
                              .tagged = tagged, .vid = vid, .pcp = pcp, .stop = stop,
                              .flow_id = (uint64_t)(a * 100 + b)};
    fx_mac(b, fl.dst);
    CU_ASSERT_EQUAL_FATAL(rawhost_start(fx->host[a], &fl), 0);
}

uint64_t fx_rx(struct fx *fx, int dst, int src)
{
    uint8_t mac[6];
    fx_mac(src, mac);
    uint64_t n = 0;
    const struct rawhost_stats *st = rawhost_stats(fx->host[dst]);
    for (uint32_t i = 0; i < st->npeers; i++)
        if (memcmp(st->peer[i].src, mac, 6) == 0)
            n += st->peer[i].frames;
    return n;
}
