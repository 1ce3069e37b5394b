/* test_ipfabric: NIC + ipstack hosts on one switch (see test_ipfabric.h). */
#include "test_ipfabric.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

static int tx__(void *ctx, struct frame *f)
{
    struct ipf_host *h = ctx;
    if (h->drop || h->observe) {
        struct pkt_info pi;
        if (pkt_parse(f, &pi) == 0) {
            if (h->drop && h->drop(h->drop_ctx, h, f, &pi)) {
                h->hook_drops++;
                frame_unref(f);
                return 0; /* lost on the cable: the stack saw it leave */
            }
            if (h->observe)
                h->observe(h->observe_ctx, h, f, &pi);
        }
    }
    h->tx_frames++;
    return nic_send(h->nic, f);
}

static void rx__(void *ctx, struct nic *nic, struct frame *f)
{
    (void)nic;
    struct ipf_host *h = ctx;
    ipstack_input(h->stack, f);
}

void ipf_init(struct ipf *n, const struct switch_settings *ss)
{
    memset(n, 0, sizeof *n);
    n->eng = sim_engine_create(NULL);
    n->pool = frame_pool_create(4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n->eng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n->pool);
    struct switch_settings def;
    if (!ss) {
        switch_settings_default(&def, "tor", IPF_MAX);
        ss = &def;
    }
    n->sw = switch_create(n->eng, NULL, n->pool, ss);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n->sw);
}

struct ipf_host *ipf_host(struct ipf *n, uint64_t rate_bps, sim_time_t delay)
{
    CU_ASSERT_FATAL(n->nhost < IPF_MAX);
    int i = n->nhost++;
    struct ipf_host *h = &n->host[i];
    h->net = n;
    h->idx = i;
    char name[64];
    snprintf(name, sizeof name, "h%d", i);
    uint8_t mac[6] = {0x02, 0, 0, 0, 0x01, (uint8_t)(i + 1)};
    struct nic_settings ns = {.name = name, .rate_bps = rate_bps};
    memcpy(ns.mac, mac, 6);
    egress_settings_default(&ns.egress, rate_bps);
    h->nic = nic_create(n->eng, NULL, n->pool, &ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->nic);
    char lname[64];
    snprintf(lname, sizeof lname, "h%d-link", i);
    struct link_settings ls = {.name = lname, .rate_bps = rate_bps, .delay = delay};
    h->link = link_create(n->eng, NULL, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->link);
    nic_attach(h->nic, h->link, 0);
    struct switch_port_settings ps;
    switch_port_settings_default(&ps);
    CU_ASSERT_EQUAL_FATAL(switch_port_configure(n->sw, (uint32_t)i + 1, &ps), 0);
    CU_ASSERT_EQUAL_FATAL(switch_attach(n->sw, (uint32_t)i + 1, h->link, 1), 0);

    struct ipstack_settings is;
    char sname[64];
    snprintf(sname, sizeof sname, "h%d/eth0", i);
    ipstack_settings_default(&is, sname, mac);
    is.has_ipv4 = 1;
    uint8_t ip[4] = {10, 0, 0, (uint8_t)(i + 1)};
    memcpy(is.ipv4, ip, 4);
    memcpy(h->ip, ip, 4);
    is.ipv4_prefix_len = 24;
    h->stack = ipstack_create(n->eng, NULL, n->pool, &is, tx__, h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->stack);
    nic_set_rx_handler(h->nic, rx__, h);
    return h;
}

void ipf_free(struct ipf *n)
{
    sim_engine_destroy(n->eng);
    for (int i = 0; i < n->nhost; i++) {
        ipstack_destroy(n->host[i].stack);
        nic_destroy(n->host[i].nic);
    }
    switch_destroy(n->sw);
    for (int i = 0; i < n->nhost; i++)
        link_destroy(n->host[i].link);
    frame_pool_destroy(n->pool);
}

uint64_t ipf_pfc_frames(const struct ipf *n)
{
    uint64_t total = 0;
    for (int i = 0; i < n->nhost; i++) {
        for (uint8_t p = 0; p < 8; p++) {
            total += nic_counters(n->host[i].nic, p)->pfc_tx;
            total += switch_port_counters(n->sw, (uint32_t)i + 1)->pfc_tx[p];
        }
    }
    return total;
}

static int lose_tcp__(void *ctx, struct ipf_host *h, const struct frame *f,
                      const struct pkt_info *pi)
{
    (void)h;
    (void)f;
    struct ipf_loss *l = ctx;
    return (pi->layers & PKT_HAS_TCP) && sim_rng_below(&l->rng, l->per) == 0;
}

void ipf_lose_tcp(struct ipf_host *h, struct ipf_loss *l, uint64_t seed, const char *name,
                  uint64_t per)
{
    l->per = per;
    sim_rng_init(&l->rng, seed, name);
    h->drop = lose_tcp__;
    h->drop_ctx = l;
}

void ipf_lossy_tcp(struct tcp_settings *s)
{
    s->min_rto = 1 * SIM_MS;
    s->max_rto = 1 * SIM_S;
    s->max_retries = 15;
    s->syn_retries = 8;
    s->time_wait = 5 * SIM_S;
}
