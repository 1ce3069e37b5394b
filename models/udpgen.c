/* udpgen: UDP bulk / constant-rate / on-off generator and its receiver
 * (see udpgen.h).  One self-rescheduling event sends a datagram every
 * (payload + 28) * 8 / rate; on/off switches at period ends. */
#include "udpgen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "pkt.h"
#include "sim_rng.h"

#define IP_UDP_HDR 28 /* IPv4 20 + UDP 8 */

struct udpgen {
    struct sim_engine *eng; /* not owned */
    struct udpgen_settings cfg;
    char *name;
    uint8_t dst_ip[16];
    uint8_t version;
    uint16_t sport;
    sim_time_t interval;
    sim_time_t period_end;  /* end of the current on (or off) period */
    int on;
    struct sim_rng rng;
    struct udpgen_stats st;
};

static void tick__(struct sim_engine *eng, void *ctx, void *arg);

static void rx__(void *ctx, struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    (void)s;
    struct udpgen *g = ctx;
    sim_time_t now = sim_now(g->eng);
    if (!g->st.recv_datagrams)
        g->st.first_rx = now;
    g->st.recv_datagrams++;
    g->st.recv_bytes += pi->l5_len;
    g->st.last_rx = now;
    frame_unref(f);
}

static sim_time_t period__(struct udpgen *g, sim_time_t mean)
{
    if (!g->cfg.exponential)
        return mean;
    return (sim_time_t)sim_rng_exp(&g->rng, (double)mean) + 1;
}

struct udpgen *udpgen_create(struct sim_engine *eng, const struct udpgen_settings *s, int *rc)
{
    *rc = -EINVAL;
    if (!s->src || !s->dst || !s->payload || !s->rate_bps || s->payload > 65507)
        return NULL;
    struct udpgen *g = calloc(1, sizeof *g);
    if (!g) {
        *rc = -ENOMEM;
        return NULL;
    }
    g->eng = eng;
    g->cfg = *s;
    g->name = strdup(s->name ? s->name : "udp");
    g->cfg.name = NULL;
    sim_rng_init(&g->rng, s->seed, g->name);
    /* The destination's address: IPv4 when both ends have one. */
    struct pkt_ip_spec ip;
    static const uint8_t any4[4] = {0};
    if (ipstack_src_addr(s->dst, 4, any4, g->dst_ip) == 0) {
        g->version = 4;
    } else if (ipstack_src_addr(s->dst, 6, ipstack_ipv6_link_local(s->dst), g->dst_ip) == 0) {
        g->version = 6;
    } else {
        free(g->name);
        free(g);
        return NULL;
    }
    if (ipstack_ip_spec(s->src, g->version, g->dst_ip, 0, 0, &ip) != 0) {
        free(g->name);
        free(g);
        *rc = -EADDRNOTAVAIL;
        return NULL;
    }
    *rc = ipstack_bind(s->dst, PKT_IPPROTO_UDP, s->dport, rx__, g);
    if (*rc != 0) {
        free(g->name);
        free(g);
        return NULL;
    }
    /* A source port from the dynamic range, fixed by the flow id. */
    g->sport = (uint16_t)(49152 + (s->flow_id * 7919) % 16384);
    g->interval = sim_tx_time((uint64_t)s->payload + IP_UDP_HDR, s->rate_bps);
    g->on = 1;
    g->period_end = s->start + (s->pattern == UDPGEN_ONOFF ? period__(g, s->on) : 0);
    sim_schedule_at(eng, s->start, tick__, g, NULL);
    *rc = 0;
    return g;
}

void udpgen_destroy(struct udpgen *g)
{
    if (!g)
        return;
    free(g->name);
    free(g);
}

static void tick__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct udpgen *g = ctx;
    const struct udpgen_settings *s = &g->cfg;
    sim_time_t now = sim_now(eng);
    if (s->stop && now >= s->stop)
        return;
    if (s->pattern == UDPGEN_ONOFF && now >= g->period_end) {
        g->on = !g->on;
        g->period_end = now + period__(g, g->on ? s->on : s->off);
        if (!g->on) {
            sim_schedule_at(eng, g->period_end, tick__, g, NULL);
            return;
        }
    }
    uint32_t payload = s->payload;
    if (s->pattern == UDPGEN_BULK) {
        uint64_t left = s->bytes - g->st.sent_bytes;
        if (left == 0) {
            g->st.done = 1;
            return;
        }
        if (left < payload)
            payload = (uint32_t)left;
    }
    struct ipstack_udp u = {.version = g->version, .dst = g->dst_ip, .sport = g->sport,
                            .dport = s->dport, .payload_len = payload, .dscp = s->dscp,
                            .flow_id = s->flow_id};
    ipstack_send_udp(s->src, &u);
    if (!g->st.sent_datagrams)
        g->st.first_tx = now;
    g->st.sent_datagrams++;
    g->st.sent_bytes += payload;
    g->st.last_tx = now;
    sim_time_t next = sim_tx_time((uint64_t)payload + IP_UDP_HDR, s->rate_bps);
    if (s->pattern == UDPGEN_ONOFF && now + next > g->period_end)
        next = g->period_end - now;
    sim_schedule_in(eng, next ? next : 1, tick__, g, NULL);
}

const struct udpgen_stats *udpgen_stats(const struct udpgen *g) { return &g->st; }
const char *udpgen_name(const struct udpgen *g) { return g->name; }
