/* test_ipstack: the vNIC IP stack wired to two to four peers through an
 * in-test hub (a tx callback that logs each frame's parse, optionally
 * writes it to a pcapng file, and delivers a reference to every other
 * stack after a fixed delay; no vmswitch, no team).  Covers ARP and ND
 * resolution with exact frame sequences, queueing and its limit, the
 * retransmission schedule and failure, stale entries and unicast probes,
 * RFC 826 merge rules, gratuitous ARP / unsolicited NA updates, input
 * filtering by reason, port binding and demultiplexing (UDP, TCP, RoCEv2),
 * gateways and multicast, the table limit, the cached send path against
 * the lookup, the input fast path against the general path (twin stacks),
 * ipstack_ipv4_next against ipstack_ip_spec, lifecycle, and
 * the bytes as tshark decodes them.  ipstack_check() runs after every send, every
 * delivery and every frame put on the hub. */
#include "test_util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "ipstack_int.h"
#include "pcapng.h"
#include "pkt.h"
#include "pkt_roce.h"
#include "sim_engine.h"
#include "trace.h"

#define HUB_MAX 4
#define LOG_MAX 256
#define SINK_MAX 64
#define HUB_DELAY (1 * SIM_US)
/* The port every hub stack binds its sink to (no tshark dissector claims it). */
#define SINK_PORT 50000

/* ---- the hub ---- */

struct hub;

struct hub_port {
    struct hub *hub;
    int idx;
};

struct log_rec {
    int from;            /* stack index */
    sim_time_t t;        /* time put on the hub */
    uint32_t wire_len;
    struct pkt_info pi;  /* parse of the bytes */
};

struct sink {
    int n;
    uint8_t proto[SINK_MAX];
    uint16_t sport[SINK_MAX], dport[SINK_MAX];
    uint8_t version[SINK_MAX];
    uint8_t src[SINK_MAX][16];
    sim_time_t t[SINK_MAX];
    uint32_t layers[SINK_MAX];
    uint8_t tcp_flags[SINK_MAX];
    uint32_t dest_qp[SINK_MAX];
    struct sim_engine *eng;
};

struct hub {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct ipstack *st[HUB_MAX];
    struct hub_port port[HUB_MAX];
    struct sink sink[HUB_MAX];
    int n;
    int mute[HUB_MAX];   /* 1: frames to this stack are lost */
    struct pcapng_writer *pcap;
    int ifid;
    struct log_rec log[LOG_MAX];
    int nlog;
    struct delivery **dl; /* every delivery scheduled, freed by hub_free */
    size_t ndl, dl_cap;
    uint8_t last[256];    /* the header bytes of the last frame put on the hub */
    uint32_t last_len, last_payload;
};

struct delivery {
    int to;
    struct frame *f;      /* NULL once delivered */
};

static void hub_check(struct hub *h)
{
    for (int i = 0; i < h->n; i++)
        CU_ASSERT_EQUAL(ipstack_check(h->st[i]), 0);
}

static void deliver_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    struct hub *h = ctx;
    struct delivery *d = arg;
    struct frame *f = d->f;
    d->f = NULL;
    ipstack_input(h->st[d->to], f);
    hub_check(h);
}

static int hub_tx(void *ctx, struct frame *f)
{
    struct hub_port *p = ctx;
    struct hub *h = p->hub;
    if (h->nlog < LOG_MAX) {
        struct log_rec *r = &h->log[h->nlog++];
        r->from = p->idx;
        r->t = sim_now(h->eng);
        r->wire_len = frame_wire_len(f);
        CU_ASSERT_EQUAL(pkt_parse(f, &r->pi), 0);
    }
    h->last_len = f->len < sizeof h->last ? f->len : (uint32_t)sizeof h->last;
    memcpy(h->last, frame_cdata(f), h->last_len);
    h->last_payload = f->payload_len;
    if (h->pcap)
        CU_ASSERT_EQUAL(pcapng_write(h->pcap, h->ifid, sim_now(h->eng), f, PCAPNG_DIR_NONE), 0);
    for (int i = 0; i < h->n; i++) {
        if (i == p->idx || h->mute[i])
            continue;
        if (h->ndl == h->dl_cap) {
            h->dl_cap = h->dl_cap ? 2 * h->dl_cap : 64;
            h->dl = realloc(h->dl, h->dl_cap * sizeof *h->dl);
            CU_ASSERT_PTR_NOT_NULL_FATAL(h->dl);
        }
        struct delivery *d = malloc(sizeof *d);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        d->to = i;
        d->f = frame_ref(f);
        h->dl[h->ndl++] = d;
        sim_schedule_in(h->eng, HUB_DELAY, deliver_ev, h, d);
    }
    frame_unref(f);
    hub_check(h);
    return 0;
}

static void sink_rx(void *ctx, struct ipstack *stack, struct frame *f, const struct pkt_info *pi)
{
    (void)stack;
    struct sink *k = ctx;
    if (k->n < SINK_MAX) {
        int i = k->n++;
        k->proto[i] = pi->ip_proto;
        k->sport[i] = pi->sport;
        k->dport[i] = pi->dport;
        k->version[i] = pi->ip_version;
        memcpy(k->src[i], pi->ip_src, 16);
        k->t[i] = sim_now(k->eng);
        k->layers[i] = pi->layers;
        k->tcp_flags[i] = pi->tcp_flags;
        k->dest_qp[i] = pi->bth.dest_qp;
    }
    frame_unref(f);
}

static void hub_init(struct hub *h, struct trace *trace)
{
    memset(h, 0, sizeof *h);
    h->eng = sim_engine_create(NULL);
    h->pool = frame_pool_create(256);
    h->trace = trace;
}

/* Engine first (models never touch it in destroy), then the stacks and
 * the frames still travelling on the hub. */
static void hub_free(struct hub *h)
{
    sim_engine_destroy(h->eng);
    for (int i = 0; i < h->n; i++)
        ipstack_destroy(h->st[i]);
    for (size_t i = 0; i < h->ndl; i++) {
        frame_unref(h->dl[i]->f);
        free(h->dl[i]);
    }
    free(h->dl);
    CU_ASSERT_EQUAL(frame_pool_in_use(h->pool), 0);
    frame_pool_destroy(h->pool);
}

static void ip4(uint8_t out[4], int last)
{
    out[0] = 10;
    out[1] = 0;
    out[2] = 0;
    out[3] = (uint8_t)last;
}

static void ip6(uint8_t out[16], int last)
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    out[15] = (uint8_t)last;
}

static void mac_of(uint8_t mac[6], int last)
{
    static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)last;
}

/* Settings for host `id`: MAC 02:00:00:00:00:id, 10.0.0.id/24 (v4) and
 * 2001:db8::id/64 (v6). */
static void settings_for(struct ipstack_settings *s, const char *name, int id, int v4, int v6)
{
    uint8_t mac[6];
    mac_of(mac, id);
    ipstack_settings_default(s, name, mac);
    s->has_ipv4 = (uint8_t)v4;
    ip4(s->ipv4, id);
    s->has_ipv6 = (uint8_t)v6;
    ip6(s->ipv6, id);
}

/* Adds a stack; every stack's sink is bound to UDP SINK_PORT. */
static struct ipstack *hub_add(struct hub *h, const struct ipstack_settings *s)
{
    int i = h->n;
    h->port[i].hub = h;
    h->port[i].idx = i;
    h->sink[i].eng = h->eng;
    h->st[i] = ipstack_create(h->eng, h->trace, h->pool, s, hub_tx, &h->port[i]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->st[i]);
    CU_ASSERT_EQUAL(ipstack_bind(h->st[i], PKT_IPPROTO_UDP, SINK_PORT, sink_rx, &h->sink[i]), 0);
    h->n++;
    return h->st[i];
}

static struct ipstack *hub_host(struct hub *h, const char *name, int id, int v4, int v6)
{
    struct ipstack_settings s;
    settings_for(&s, name, id, v4, v6);
    return hub_add(h, &s);
}

static int send_udp(struct hub *h, struct ipstack *st, uint8_t version, const uint8_t *dst,
                    uint16_t sport, uint16_t dport, uint32_t len)
{
    struct ipstack_udp u = {.version = version, .dst = dst, .sport = sport, .dport = dport,
                            .payload_len = len};
    int rc = ipstack_send_udp(st, &u);
    hub_check(h);
    return rc;
}

static void run_to(struct hub *h, sim_time_t t)
{
    sim_run_until(h->eng, t);
    hub_check(h);
}

static int mac_is(const uint8_t *a, int last)
{
    uint8_t m[6];
    mac_of(m, last);
    return memcmp(a, m, 6) == 0;
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero6[6];

/* ---- ARP then UDP ---- */

static void test_arp_then_udp(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "hv1/vm1/eth0", 1, 1, 0);
    struct ipstack *b = hub_host(&h, "hv1/vm2/eth0", 2, 1, 0);
    struct ipstack *c = hub_host(&h, "hv1/vm3/eth0", 3, 1, 0);
    uint8_t ipa[4], ipb[4];
    ip4(ipa, 1);
    ip4(ipb, 2);

    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, ipb, NULL), -ENOENT);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 40000, SINK_PORT, 100), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, ipb, NULL), -EAGAIN);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipb), 1);
    run_to(&h, 1 * SIM_MS);

    /* Exactly: request, reply, datagram. */
    CU_ASSERT_EQUAL_FATAL(h.nlog, 3);
    const struct pkt_info *req = &h.log[0].pi, *rep = &h.log[1].pi, *udp = &h.log[2].pi;
    CU_ASSERT_EQUAL(h.log[0].from, 0);
    CU_ASSERT_EQUAL(h.log[0].t, 0);
    CU_ASSERT(req->layers & PKT_HAS_ARP);
    CU_ASSERT_EQUAL(req->arp_op, PKT_ARP_REQUEST);
    CU_ASSERT_EQUAL(memcmp(req->dst, bcast, 6), 0);
    CU_ASSERT(mac_is(req->src, 1) && mac_is(req->arp_sha, 1));
    CU_ASSERT_EQUAL(memcmp(req->arp_spa, ipa, 4), 0);
    CU_ASSERT_EQUAL(memcmp(req->arp_tha, zero6, 6), 0);
    CU_ASSERT_EQUAL(memcmp(req->arp_tpa, ipb, 4), 0);
    CU_ASSERT_EQUAL(h.log[0].wire_len, 60);

    CU_ASSERT_EQUAL(h.log[1].from, 1);
    CU_ASSERT_EQUAL(h.log[1].t, HUB_DELAY);
    CU_ASSERT_EQUAL(rep->arp_op, PKT_ARP_REPLY);
    CU_ASSERT(mac_is(rep->dst, 1) && mac_is(rep->src, 2));
    CU_ASSERT(mac_is(rep->arp_sha, 2) && mac_is(rep->arp_tha, 1));
    CU_ASSERT_EQUAL(memcmp(rep->arp_spa, ipb, 4), 0);
    CU_ASSERT_EQUAL(memcmp(rep->arp_tpa, ipa, 4), 0);

    CU_ASSERT_EQUAL(h.log[2].from, 0);
    CU_ASSERT_EQUAL(h.log[2].t, 2 * HUB_DELAY);
    CU_ASSERT(udp->layers & PKT_HAS_UDP);
    CU_ASSERT(mac_is(udp->dst, 2) && mac_is(udp->src, 1));
    CU_ASSERT_EQUAL(memcmp(udp->ip_dst, ipb, 4), 0);
    CU_ASSERT_EQUAL(udp->ttl, IPSTACK_DEFAULT_HOP_LIMIT);
    CU_ASSERT_EQUAL(h.log[2].wire_len, 14 + 20 + 8 + 100);

    CU_ASSERT_EQUAL(h.sink[1].n, 1);
    CU_ASSERT_EQUAL(h.sink[1].t[0], 3 * HUB_DELAY);
    CU_ASSERT_EQUAL(h.sink[1].sport[0], 40000);
    CU_ASSERT_EQUAL(memcmp(h.sink[1].src[0], ipa, 4), 0);

    const struct ipstack_counters *ca = ipstack_counters(a), *cb = ipstack_counters(b),
                                  *cc = ipstack_counters(c);
    CU_ASSERT_EQUAL(ca->arp_req_tx, 1);
    CU_ASSERT_EQUAL(ca->arp_reply_rx, 1);
    CU_ASSERT_EQUAL(ca->neigh_misses, 1);
    CU_ASSERT_EQUAL(ca->neigh_hits, 0);
    CU_ASSERT_EQUAL(ca->queued, 1);
    CU_ASSERT_EQUAL(ca->flushed, 1);
    CU_ASSERT_EQUAL(ca->resolved, 1);
    CU_ASSERT_EQUAL(ca->tx_frames, 2);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(cb->arp_req_rx, 1);
    CU_ASSERT_EQUAL(cb->arp_reply_tx, 1);
    CU_ASSERT_EQUAL(cb->rx_udp, 1);
    CU_ASSERT_EQUAL(cb->rx_ipv4, 1);
    /* RFC 826: the target adds the requester (unconfirmed: STALE). */
    CU_ASSERT_EQUAL(ipstack_neigh_state(b, 4, ipa), IPSTACK_NEIGH_STALE);
    CU_ASSERT_EQUAL(cc->arp_req_rx, 1);
    CU_ASSERT_EQUAL(cc->arp_ignored, 1);
    CU_ASSERT_EQUAL(cc->arp_reply_tx, 0);
    CU_ASSERT_EQUAL(ipstack_neigh_count(c), 0);
    CU_ASSERT_EQUAL(cc->drops[IPSTACK_DROP_NOT_OUR_MAC], 2); /* the reply and the datagram */

    /* Resolved: the next datagram leaves at once. */
    uint8_t mac[6];
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, ipb, mac), 0);
    CU_ASSERT(mac_is(mac, 2));
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 40000, SINK_PORT, 10), 0);
    CU_ASSERT_EQUAL(ca->neigh_hits, 1);
    CU_ASSERT_EQUAL(h.nlog, 4);

    /* B answers from its STALE entry: sent at once, no ARP, entry DELAY. */
    CU_ASSERT_EQUAL(send_udp(&h, b, 4, ipa, SINK_PORT, SINK_PORT, 10), 0);
    CU_ASSERT_EQUAL(ipstack_neigh_state(b, 4, ipa), IPSTACK_NEIGH_DELAY);
    sim_time_t t_b = sim_now(h.eng);
    run_to(&h, 2 * SIM_MS);
    CU_ASSERT_EQUAL(h.sink[0].n, 1);
    CU_ASSERT_EQUAL(h.sink[1].n, 2);
    CU_ASSERT_EQUAL(cb->arp_req_tx, 0);

    /* Five seconds later (DELAY_FIRST_PROBE_TIME) B probes A by unicast. */
    run_to(&h, t_b + IPSTACK_DEFAULT_DELAY_PROBE - 1);
    CU_ASSERT_EQUAL(cb->arp_req_tx, 0);
    run_to(&h, t_b + IPSTACK_DEFAULT_DELAY_PROBE + SIM_MS);
    CU_ASSERT_EQUAL(cb->arp_req_tx, 1);
    CU_ASSERT_EQUAL(cb->arp_probe_tx, 1);
    const struct log_rec *probe = &h.log[h.nlog - 2];
    CU_ASSERT_EQUAL(probe->from, 1);
    CU_ASSERT_EQUAL(probe->t, t_b + IPSTACK_DEFAULT_DELAY_PROBE);
    CU_ASSERT_EQUAL(probe->pi.arp_op, PKT_ARP_REQUEST);
    CU_ASSERT(mac_is(probe->pi.dst, 1));
    CU_ASSERT_EQUAL(h.log[h.nlog - 1].pi.arp_op, PKT_ARP_REPLY);
    CU_ASSERT_EQUAL(ipstack_neigh_state(b, 4, ipa), IPSTACK_NEIGH_REACHABLE);
    hub_free(&h);
}

/* ---- ND then UDP ---- */

static void test_nd_then_udp(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 0, 1);
    struct ipstack *b = hub_host(&h, "b", 2, 0, 1);
    struct ipstack *c = hub_host(&h, "c", 3, 0, 1);
    uint8_t ga[16], gb[16], snm[16];
    ip6(ga, 1);
    ip6(gb, 2);
    CU_ASSERT_EQUAL(send_udp(&h, a, 6, gb, 40000, SINK_PORT, 200), -EINPROGRESS);
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(h.nlog, 3);

    const struct pkt_info *ns = &h.log[0].pi, *na = &h.log[1].pi;
    CU_ASSERT(ns->layers & PKT_HAS_ND);
    CU_ASSERT_EQUAL(ns->icmp6_type, PKT_ICMPV6_NS);
    static const uint8_t ns_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x02};
    CU_ASSERT_EQUAL(memcmp(ns->dst, ns_mac, 6), 0);
    pkt_ipv6_solicited_node(gb, snm);
    CU_ASSERT_EQUAL(memcmp(ns->ip_dst, snm, 16), 0);
    CU_ASSERT_EQUAL(snm[11], 0x01);
    CU_ASSERT_EQUAL(snm[12], 0xff);
    CU_ASSERT_EQUAL(ns->ttl, 255);
    CU_ASSERT_EQUAL(memcmp(ns->ip_src, ga, 16), 0);
    CU_ASSERT_EQUAL(memcmp(ns->nd_target, gb, 16), 0);
    CU_ASSERT(ns->layers & PKT_HAS_ND_LLADDR);
    CU_ASSERT(mac_is(ns->nd_lladdr, 1));

    CU_ASSERT_EQUAL(h.log[1].from, 1);
    CU_ASSERT_EQUAL(na->icmp6_type, PKT_ICMPV6_NA);
    CU_ASSERT(mac_is(na->dst, 1));
    CU_ASSERT_EQUAL(memcmp(na->ip_src, gb, 16), 0);
    CU_ASSERT_EQUAL(memcmp(na->ip_dst, ga, 16), 0);
    CU_ASSERT_EQUAL(na->ttl, 255);
    CU_ASSERT_EQUAL(na->nd_flags, PKT_ND_NA_SOLICITED | PKT_ND_NA_OVERRIDE);
    CU_ASSERT(na->layers & PKT_HAS_ND_LLADDR);
    CU_ASSERT(mac_is(na->nd_lladdr, 2));

    CU_ASSERT(h.log[2].pi.layers & PKT_HAS_UDP);
    CU_ASSERT(mac_is(h.log[2].pi.dst, 2));
    CU_ASSERT_EQUAL(h.log[2].wire_len, 14 + 40 + 8 + 200);
    CU_ASSERT_EQUAL(h.sink[1].n, 1);
    CU_ASSERT_EQUAL(h.sink[1].version[0], 6);
    CU_ASSERT_EQUAL(memcmp(h.sink[1].src[0], ga, 16), 0);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 6, gb), IPSTACK_NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(ipstack_neigh_state(b, 6, ga), IPSTACK_NEIGH_STALE); /* RFC 4861 7.2.3 */
    CU_ASSERT_EQUAL(ipstack_counters(a)->ns_tx, 1);
    CU_ASSERT_EQUAL(ipstack_counters(b)->ns_rx, 1);
    CU_ASSERT_EQUAL(ipstack_counters(b)->na_tx, 1);
    CU_ASSERT_EQUAL(ipstack_counters(a)->na_rx, 1);
    /* C is not in 33:33:ff:00:00:02: NS, NA and datagram never pass its filter. */
    CU_ASSERT_EQUAL(ipstack_counters(c)->ns_rx, 0);
    CU_ASSERT_EQUAL(ipstack_counters(c)->drops[IPSTACK_DROP_NOT_OUR_MAC], 3);

    /* To B's derived link-local address: a new NS from A's link-local. */
    const uint8_t *llb = ipstack_ipv6_link_local(b), *lla = ipstack_ipv6_link_local(a);
    CU_ASSERT_EQUAL(send_udp(&h, a, 6, llb, 40001, SINK_PORT, 0), -EINPROGRESS);
    run_to(&h, 2 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(h.nlog, 6);
    CU_ASSERT_EQUAL(h.log[3].pi.icmp6_type, PKT_ICMPV6_NS);
    CU_ASSERT_EQUAL(memcmp(h.log[3].pi.ip_src, lla, 16), 0);
    CU_ASSERT_EQUAL(memcmp(h.log[3].pi.nd_target, llb, 16), 0);
    CU_ASSERT_EQUAL(h.sink[1].n, 2);
    CU_ASSERT_EQUAL(memcmp(h.sink[1].src[1], lla, 16), 0);
    CU_ASSERT_EQUAL(ipstack_neigh_count(a), 2);
    hub_free(&h);
}

/* ---- queue order and limit ---- */

static void test_queue_flush_order(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack_settings sa;
    settings_for(&sa, "a", 1, 1, 0);
    sa.max_queued = 3; /* the mechanism, at Linux's old limit */
    struct ipstack *a = hub_add(&h, &sa);
    hub_host(&h, "b", 2, 1, 0);
    hub_host(&h, "c", 3, 1, 0);
    uint8_t ipb[4], ipc[4];
    ip4(ipb, 2);
    ip4(ipc, 3);
    for (uint16_t p = 1; p <= 3; p++)
        CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, p, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipb), 3);
    /* Five to C: the limit (3) pushes the two oldest out, as Linux does. */
    for (uint16_t p = 1; p <= 5; p++)
        CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipc, p, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipc), 3);
    const struct ipstack_counters *ca = ipstack_counters(a);
    CU_ASSERT_EQUAL(ca->drops[IPSTACK_DROP_QUEUE_FULL], 2);
    CU_ASSERT_EQUAL(ca->arp_req_tx, 2); /* one per neighbour, not per frame */
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(h.sink[1].n, 3);
    CU_ASSERT_EQUAL_FATAL(h.sink[2].n, 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(h.sink[1].sport[i], i + 1);
        CU_ASSERT_EQUAL(h.sink[2].sport[i], i + 3);
        CU_ASSERT_EQUAL(h.sink[1].t[i], 3 * HUB_DELAY);
    }
    CU_ASSERT_EQUAL(ca->queued, 8);
    CU_ASSERT_EQUAL(ca->flushed, 6);
    CU_ASSERT_EQUAL(ca->neigh_misses, 8);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipb), 0);
    hub_free(&h);
}

/* The default limit, Linux's unres_qlen (101): a burst that a limit of 3
 * cut (four TCP connections opened at once to a new peer lost the first
 * SYN) goes through whole; past 101 the oldest frame is pushed out. */
static void test_queue_default_limit(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 1, 0);
    hub_host(&h, "b", 2, 1, 0);
    uint8_t ipb[4];
    ip4(ipb, 2);
    for (uint16_t p = 1; p <= 101; p++)
        CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, p, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipb), 101);
    CU_ASSERT_EQUAL(ipstack_counters(a)->drops[IPSTACK_DROP_QUEUE_FULL], 0);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 102, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, 4, ipb), 101);
    CU_ASSERT_EQUAL(ipstack_counters(a)->drops[IPSTACK_DROP_QUEUE_FULL], 1);
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(h.sink[1].n, SINK_MAX); /* the first 64 recorded */
    CU_ASSERT_EQUAL(h.sink[1].sport[0], 2);       /* port 1's frame was the oldest */
    CU_ASSERT_EQUAL(ipstack_counters(a)->flushed, 101);
    hub_free(&h);
}

/* ---- unanswered resolution ---- */

static void unanswered(uint8_t version)
{
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    struct trace_run_info info = {.seed = 1, .scenario = "ipstack", .engine = "native"};
    struct trace *tr = trace_open(path, &info, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    struct hub h;
    hub_init(&h, tr);
    struct ipstack *a = hub_host(&h, "hv1/vm1/eth0", 1, 1, 1);
    hub_host(&h, "hv1/vm2/eth0", 2, 1, 1);
    uint8_t ghost[16] = {0};
    if (version == 4)
        ip4(ghost, 99);
    else
        ip6(ghost, 99);
    CU_ASSERT_EQUAL(send_udp(&h, a, version, ghost, 1, SINK_PORT, 0), -EINPROGRESS);
    run_to(&h, SIM_S / 2);
    CU_ASSERT_EQUAL(send_udp(&h, a, version, ghost, 2, SINK_PORT, 0), -EINPROGRESS);
    run_to(&h, 3 * SIM_S - 1);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(a, version, ghost), 2);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, version, ghost), IPSTACK_NEIGH_INCOMPLETE);
    run_to(&h, 10 * SIM_S);
    /* Exactly max_solicit requests, one retransmission interval apart. */
    uint16_t et = version == 4 ? PKT_ETH_P_ARP : PKT_ETH_P_IPV6;
    CU_ASSERT_EQUAL_FATAL(h.nlog, 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(h.log[i].from, 0);
        CU_ASSERT_EQUAL(h.log[i].pi.ethertype, et);
        CU_ASSERT_EQUAL(h.log[i].t, (sim_time_t)i * IPSTACK_DEFAULT_RETRANS);
        if (version == 6) {
            CU_ASSERT_EQUAL(memcmp(h.log[i].pi.nd_target, ghost, 16), 0);
        } else {
            CU_ASSERT_EQUAL(memcmp(h.log[i].pi.arp_tpa, ghost, 4), 0);
        }
    }
    const struct ipstack_counters *ca = ipstack_counters(a);
    CU_ASSERT_EQUAL(ca->drops[IPSTACK_DROP_UNRESOLVED], 2);
    CU_ASSERT_EQUAL(ca->resolve_failed, 1);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, version, ghost), IPSTACK_NEIGH_NONE);
    CU_ASSERT_EQUAL(ipstack_neigh_count(a), 0);
    /* A name the trace knows with another kind is refused. */
    CU_ASSERT(trace_object(tr, "hv1/vm9", "vport") > 0);
    struct ipstack_settings sx;
    settings_for(&sx, "hv1/vm9", 9, 1, 0);
    errno = 0;
    CU_ASSERT_PTR_NULL(ipstack_create(h.eng, tr, h.pool, &sx, hub_tx, &h.port[0]));
    CU_ASSERT_EQUAL(errno, EEXIST);
    /* A new frame starts a new round. */
    CU_ASSERT_EQUAL(send_udp(&h, a, version, ghost, 3, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(h.nlog, 4);
    CU_ASSERT_EQUAL(h.log[3].t, 10 * SIM_S);
    hub_free(&h);
    CU_ASSERT_EQUAL(trace_finish(tr, 10 * SIM_S, 0), 0);
    CU_ASSERT_EQUAL(trace_close(tr), 0);

    /* Both drops are in the trace, at 3 s, on A's object. */
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(
        sqlite3_prepare_v2(db,
                           "SELECT count(*), min(e.time_ps), max(e.time_ps), min(o.name) "
                           "FROM events e JOIN objects o ON o.id = e.obj "
                           "WHERE e.kind = ?1 AND e.reason = 'no_route' AND e.detail = 'unresolved'",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int(st, 1, TRACE_DROP);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 2);
    CU_ASSERT_EQUAL(sqlite3_column_int64(st, 1), (sqlite3_int64)(3 * SIM_S));
    CU_ASSERT_EQUAL(sqlite3_column_int64(st, 2), (sqlite3_int64)(3 * SIM_S));
    const char *name = (const char *)sqlite3_column_text(st, 3);
    CU_ASSERT(name && strcmp(name, "hv1/vm1/eth0") == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_unanswered_arp(void) { unanswered(4); }
static void test_unanswered_ns(void) { unanswered(6); }

/* ---- expiry, stale use, probes ---- */

static void test_cache_expiry(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 1, 0);
    hub_host(&h, "b", 2, 1, 0);
    uint8_t ipb[4];
    ip4(ipb, 2);
    const struct ipstack_counters *ca = ipstack_counters(a);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 1, SINK_PORT, 0), -EINPROGRESS);
    run_to(&h, 1 * SIM_MS);
    sim_time_t confirmed = 2 * HUB_DELAY; /* the reply arrived */
    run_to(&h, confirmed + IPSTACK_DEFAULT_REACHABLE - 1);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_REACHABLE);
    run_to(&h, confirmed + IPSTACK_DEFAULT_REACHABLE);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_STALE);

    /* Expired: the frame still leaves at once with the cached MAC ... */
    sim_time_t t = sim_now(h.eng);
    int nlog = h.nlog;
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 2, SINK_PORT, 0), 0);
    CU_ASSERT_EQUAL(h.nlog, nlog + 1);
    CU_ASSERT(mac_is(h.log[nlog].pi.dst, 2));
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_DELAY);
    /* ... and the expiry triggers a new ARP after the first-probe delay. */
    run_to(&h, t + IPSTACK_DEFAULT_DELAY_PROBE - 1);
    CU_ASSERT_EQUAL(ca->arp_req_tx, 1);
    run_to(&h, t + IPSTACK_DEFAULT_DELAY_PROBE + SIM_MS);
    CU_ASSERT_EQUAL(ca->arp_req_tx, 2);
    CU_ASSERT_EQUAL(ca->arp_probe_tx, 1);
    CU_ASSERT_EQUAL(h.log[nlog + 1].pi.arp_op, PKT_ARP_REQUEST);
    CU_ASSERT_EQUAL(h.log[nlog + 1].t, t + IPSTACK_DEFAULT_DELAY_PROBE);
    CU_ASSERT(mac_is(h.log[nlog + 1].pi.dst, 2)); /* unicast probe */
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(h.sink[1].n, 2);

    /* B goes silent: after the next expiry, max_solicit probes, then the
     * entry is gone and the next frame waits for a broadcast request. */
    h.mute[1] = 1;
    confirmed = t + IPSTACK_DEFAULT_DELAY_PROBE + 2 * HUB_DELAY;
    run_to(&h, confirmed + IPSTACK_DEFAULT_REACHABLE);
    t = sim_now(h.eng);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 3, SINK_PORT, 0), 0);
    run_to(&h, t + IPSTACK_DEFAULT_DELAY_PROBE + 3 * IPSTACK_DEFAULT_RETRANS - 1);
    CU_ASSERT_EQUAL(ca->arp_probe_tx, 4);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_PROBE);
    run_to(&h, t + IPSTACK_DEFAULT_DELAY_PROBE + 3 * IPSTACK_DEFAULT_RETRANS);
    CU_ASSERT_EQUAL(ca->probe_failed, 1);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_NONE);
    h.mute[1] = 0;
    nlog = h.nlog;
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ipb, 4, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(memcmp(h.log[nlog].pi.dst, bcast, 6), 0);
    run_to(&h, sim_now(h.eng) + SIM_MS);
    CU_ASSERT_EQUAL(h.sink[1].n, 3);
    CU_ASSERT_EQUAL(h.sink[1].sport[2], 4);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_REACHABLE);
    hub_free(&h);
}

/* ---- ARP not for us ---- */

static struct frame *arp_frame(struct frame_pool *pool, uint16_t op, const uint8_t *eth_dst,
                               int sender, const uint8_t *tha, int target)
{
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.dst, eth_dst, 6);
    mac_of(l2.src, sender);
    uint8_t spa[4], tpa[4];
    ip4(spa, sender);
    ip4(tpa, target);
    CU_ASSERT_EQUAL(pkt_arp_build(f, &l2, op, l2.src, spa, tha, tpa), 0);
    return f;
}

static void test_arp_for_other_ignored(void)
{
    struct hub h;
    hub_init(&h, NULL);
    hub_host(&h, "a", 1, 1, 0);
    struct ipstack *b = hub_host(&h, "b", 2, 1, 0);
    const struct ipstack_counters *cb = ipstack_counters(b);
    /* A request for 10.0.0.77 from host 9: no reply, no entry. */
    ipstack_input(b, arp_frame(h.pool, PKT_ARP_REQUEST, bcast, 9, zero6, 77));
    CU_ASSERT_EQUAL(cb->arp_req_rx, 1);
    CU_ASSERT_EQUAL(cb->arp_ignored, 1);
    CU_ASSERT_EQUAL(cb->arp_reply_tx, 0);
    CU_ASSERT_EQUAL(ipstack_neigh_count(b), 0);
    /* An unsolicited reply to us creates nothing either. */
    uint8_t mb[6];
    mac_of(mb, 2);
    ipstack_input(b, arp_frame(h.pool, PKT_ARP_REPLY, mb, 9, mb, 2));
    CU_ASSERT_EQUAL(ipstack_neigh_count(b), 0);
    /* A request for us from host 9 creates 9 (STALE) and is answered. */
    ipstack_input(b, arp_frame(h.pool, PKT_ARP_REQUEST, bcast, 9, zero6, 2));
    CU_ASSERT_EQUAL(cb->arp_reply_tx, 1);
    uint8_t ip9[4];
    ip4(ip9, 9);
    CU_ASSERT_EQUAL(ipstack_neigh_state(b, 4, ip9), IPSTACK_NEIGH_STALE);
    /* Someone claiming B's own address. */
    ipstack_input(b, arp_frame(h.pool, PKT_ARP_REQUEST, bcast, 2, zero6, 2));
    CU_ASSERT_EQUAL(cb->addr_conflicts, 0); /* same MAC: our own reflected */
    struct frame *f = arp_frame(h.pool, PKT_ARP_REQUEST, bcast, 2, zero6, 2);
    uint8_t other[6];
    mac_of(other, 0x42);
    pkt_eth_set_src(f, other);
    memcpy(frame_data(f) + 14 + 8, other, 6); /* SHA */
    ipstack_input(b, f);
    CU_ASSERT_EQUAL(cb->addr_conflicts, 1);
    CU_ASSERT_EQUAL(ipstack_check(b), 0);
    CU_ASSERT_EQUAL(h.nlog, 1); /* the one reply */
    hub_free(&h);
}

/* ---- gratuitous ARP and unsolicited NA ---- */

static void test_garp_updates_peer(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 1, 1);
    struct ipstack *b = hub_host(&h, "b", 2, 1, 1);
    uint8_t ipb[4], gb[16], mac[6];
    ip4(ipb, 2);
    ip6(gb, 2);
    send_udp(&h, a, 4, ipb, 1, SINK_PORT, 0);
    send_udp(&h, a, 6, gb, 1, SINK_PORT, 0);
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL(h.sink[1].n, 2);
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, ipb, mac), 0);
    CU_ASSERT(mac_is(mac, 2));

    /* B's addresses move to a vNIC with MAC ...:0d (a migrated or failed-
     * over endpoint) that announces them. */
    struct ipstack_settings sd;
    settings_for(&sd, "d", 2, 1, 1);
    mac_of(sd.mac, 0x0d);
    struct ipstack *d = hub_add(&h, &sd);
    int nlog = h.nlog;
    CU_ASSERT_EQUAL(ipstack_announce(d), 3); /* GARP + NA per IPv6 address */
    hub_check(&h);
    CU_ASSERT_EQUAL(h.nlog, nlog + 3);
    const struct pkt_info *garp = &h.log[nlog].pi;
    CU_ASSERT_EQUAL(garp->arp_op, PKT_ARP_REQUEST);
    CU_ASSERT_EQUAL(memcmp(garp->dst, bcast, 6), 0);
    CU_ASSERT_EQUAL(memcmp(garp->arp_spa, garp->arp_tpa, 4), 0);
    for (int i = 1; i <= 2; i++) {
        const struct pkt_info *una = &h.log[nlog + i].pi;
        static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
        static const uint8_t an_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
        CU_ASSERT_EQUAL(una->icmp6_type, PKT_ICMPV6_NA);
        CU_ASSERT_EQUAL(una->nd_flags, PKT_ND_NA_OVERRIDE);
        CU_ASSERT_EQUAL(memcmp(una->ip_dst, all_nodes, 16), 0);
        CU_ASSERT_EQUAL(memcmp(una->dst, an_mac, 6), 0);
        CU_ASSERT(mac_is(una->nd_lladdr, 0x0d));
    }
    run_to(&h, 2 * SIM_MS);
    const struct ipstack_counters *ca = ipstack_counters(a);
    CU_ASSERT_EQUAL(ca->mac_changes, 2);
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, ipb, mac), 0);
    CU_ASSERT(mac_is(mac, 0x0d));
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 6, gb, mac), 0);
    CU_ASSERT(mac_is(mac, 0x0d));
    /* Unconfirmed news: STALE (RFC 4861 7.2.5), no new ARP sent. */
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ipb), IPSTACK_NEIGH_STALE);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 6, gb), IPSTACK_NEIGH_STALE);
    CU_ASSERT_EQUAL(ca->arp_req_tx, 1);
    CU_ASSERT_EQUAL(ipstack_counters(a)->nd_ignored, 1); /* NA for D's link-local */
    /* B sees its addresses claimed by another MAC. */
    CU_ASSERT_EQUAL(ipstack_counters(b)->addr_conflicts, 2);

    /* The next datagram goes to D. */
    send_udp(&h, a, 4, ipb, 2, SINK_PORT, 0);
    run_to(&h, 3 * SIM_MS);
    CU_ASSERT_EQUAL(h.sink[2].n, 1); /* D */
    CU_ASSERT_EQUAL(h.sink[1].n, 2);

    /* An NA without Override cannot replace the MAC. */
    struct frame *f = frame_alloc(h.pool);
    struct pkt_l2_spec l2 = {0};
    mac_of(l2.dst, 1);
    mac_of(l2.src, 0x0e);
    struct pkt_ip_spec ip = {.version = 6};
    memcpy(ip.src, gb, 16);
    ip6(ip.dst, 1);
    struct pkt_nd_spec nd = {.type = PKT_ICMPV6_NA, .flags = 0, .has_lladdr = 1};
    memcpy(nd.target, gb, 16);
    mac_of(nd.lladdr, 0x0e);
    CU_ASSERT_EQUAL(pkt_nd_build(f, &l2, &ip, &nd), 0);
    ipstack_input(a, f);
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 6, gb, mac), 0);
    CU_ASSERT(mac_is(mac, 0x0d));
    CU_ASSERT_EQUAL(ca->mac_changes, 2);
    CU_ASSERT_EQUAL(ipstack_check(a), 0);
    hub_free(&h);
}

/* ---- tshark ---- */

static void test_bytes_in_tshark(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: skipped\n");
        return;
    }
    char dir[512], path[600], cmd[1400];
    static char out[1 << 16];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/ipstack.pcapng", dir);
    struct hub h;
    hub_init(&h, NULL);
    h.pcap = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h.pcap);
    h.ifid = pcapng_add_interface(h.pcap, "hub", 0);
    struct ipstack_settings sa;
    settings_for(&sa, "a", 1, 1, 1);
    sa.reachable_time = 1 * SIM_MS; /* short timers to get probes in the capture */
    sa.delay_first_probe = 1 * SIM_MS;
    struct ipstack *a = hub_add(&h, &sa);
    struct ipstack *b = hub_host(&h, "b", 2, 1, 1);
    uint8_t ipb[4], gb[16];
    ip4(ipb, 2);
    ip6(gb, 2);
    send_udp(&h, a, 4, ipb, 40000, SINK_PORT, 64);  /* ARP request, reply, UDP */
    send_udp(&h, a, 6, gb, 40000, SINK_PORT, 64);   /* NS, NA, UDP */
    run_to(&h, 100 * SIM_US);
    CU_ASSERT_EQUAL(ipstack_announce(b), 3);   /* GARP, 2 unsolicited NA */
    run_to(&h, 5 * SIM_MS);
    send_udp(&h, a, 4, ipb, 40000, SINK_PORT, 64);  /* stale: probes 1 ms later */
    send_udp(&h, a, 6, gb, 40000, SINK_PORT, 64);
    run_to(&h, 10 * SIM_MS);
    CU_ASSERT_EQUAL(ipstack_counters(a)->arp_probe_tx, 1);
    CU_ASSERT_EQUAL(ipstack_counters(a)->ns_probe_tx, 1);
    CU_ASSERT_EQUAL(pcapng_close(h.pcap), 0);
    h.pcap = NULL;
    int frames = h.nlog;
    hub_free(&h);

    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -V -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
             "2>/dev/null",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT(strlen(out) + 1 < sizeof out);
    CU_ASSERT_PTR_NULL(strstr(out, "Malformed"));
    CU_ASSERT_PTR_NULL(strstr(out, "Expert Info (Error"));
    CU_ASSERT_PTR_NULL(strstr(out, "Expert Info (Warning"));
    CU_ASSERT_PTR_NULL(strstr(out, "Checksum Status: Bad"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Address Resolution Protocol (request)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Address Resolution Protocol (reply)"));
    /* RFC 5227 calls a request with SPA = TPA an ARP Announcement. */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Address Resolution Protocol (ARP Announcement)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[Is gratuitous: True]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Type: Neighbor Solicitation (135)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Type: Neighbor Advertisement (136)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ICMPv6 Option (Source link-layer address : 02:00:00:00:00:01)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ICMPv6 Option (Target link-layer address : 02:00:00:00:00:02)"));

    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -Y '_ws.malformed || _ws.expert.severity >= warning' "
             "2>/dev/null | wc -l; tshark -n -r '%s' 2>/dev/null | wc -l",
             path, path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    char want[64];
    snprintf(want, sizeof want, "0\n%d\n", frames);
    CU_ASSERT_STRING_EQUAL(out, want);

    /* NS: solicited-node MAC and address, hop limit 255, SLLA; the probe
     * goes unicast to B. */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -Y 'icmpv6.type == 135' -T fields -e eth.dst -e ipv6.dst "
             "-e ipv6.hlim -e icmpv6.nd.ns.target_address -e icmpv6.opt.linkaddr 2>/dev/null",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out,
                           "33:33:ff:00:00:02\tff02::1:ff00:2\t255\t2001:db8::2\t02:00:00:00:00:01\n"
                           "02:00:00:00:00:02\t2001:db8::2\t255\t2001:db8::2\t02:00:00:00:00:01\n");
    /* NA: solicited replies (S, O) and the two unsolicited (O only). */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -Y 'icmpv6.type == 136' -T fields -e eth.dst -e ipv6.dst "
             "-e ipv6.hlim -e icmpv6.nd.na.flag.s -e icmpv6.nd.na.flag.o -e icmpv6.opt.linkaddr "
             "2>/dev/null",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out,
                           "02:00:00:00:00:01\t2001:db8::1\t255\t1\t1\t02:00:00:00:00:02\n"
                           "33:33:00:00:00:01\tff02::1\t255\t0\t1\t02:00:00:00:00:02\n"
                           "33:33:00:00:00:01\tff02::1\t255\t0\t1\t02:00:00:00:00:02\n"
                           "02:00:00:00:00:01\t2001:db8::1\t255\t1\t1\t02:00:00:00:00:02\n");
    /* ARP: request broadcast, reply unicast, gratuitous, unicast probe. */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s' -Y arp -T fields -e eth.dst -e arp.opcode -e arp.src.hw_mac "
             "-e arp.src.proto_ipv4 -e arp.dst.hw_mac -e arp.dst.proto_ipv4 -e arp.isgratuitous "
             "2>/dev/null",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(
        out,
        "ff:ff:ff:ff:ff:ff\t1\t02:00:00:00:00:01\t10.0.0.1\t00:00:00:00:00:00\t10.0.0.2\t\n"
        "02:00:00:00:00:01\t2\t02:00:00:00:00:02\t10.0.0.2\t02:00:00:00:00:01\t10.0.0.1\t\n"
        "ff:ff:ff:ff:ff:ff\t1\t02:00:00:00:00:02\t10.0.0.2\t00:00:00:00:00:00\t10.0.0.2\t1\n"
        "02:00:00:00:00:02\t1\t02:00:00:00:00:01\t10.0.0.1\t00:00:00:00:00:00\t10.0.0.2\t\n"
        "02:00:00:00:00:01\t2\t02:00:00:00:00:02\t10.0.0.2\t02:00:00:00:00:01\t10.0.0.1\t\n");
}

/* ---- input filtering ---- */

static struct frame *udp_frame(struct frame_pool *pool, const uint8_t *eth_dst, uint8_t version,
                               const uint8_t *ip_dst, uint16_t dport)
{
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.dst, eth_dst, 6);
    mac_of(l2.src, 9);
    struct pkt_ip_spec ip = {.version = version, .ttl = 64};
    if (version == 4)
        ip4(ip.src, 9);
    else
        ip6(ip.src, 9);
    memcpy(ip.dst, ip_dst, version == 4 ? 4 : 16);
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1234, dport, 10), 0);
    return f;
}

static struct frame *nd_frame(struct frame_pool *pool, uint8_t type, uint8_t flags,
                              const uint8_t *eth_dst, const uint8_t *ip_src, const uint8_t *ip_dst,
                              const uint8_t *target, int lladdr)
{
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.dst, eth_dst, 6);
    mac_of(l2.src, 9);
    struct pkt_ip_spec ip = {.version = 6};
    memcpy(ip.src, ip_src, 16);
    memcpy(ip.dst, ip_dst, 16);
    struct pkt_nd_spec nd = {.type = type, .flags = flags, .has_lladdr = (uint8_t)lladdr};
    memcpy(nd.target, target, 16);
    mac_of(nd.lladdr, 9);
    CU_ASSERT_EQUAL(pkt_nd_build(f, &l2, &ip, &nd), 0);
    return f;
}

static void test_input_filtering(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *b = hub_host(&h, "b", 2, 1, 1);
    const struct ipstack_counters *cb = ipstack_counters(b);
    uint8_t mb[6], other[6], ipb[4], ip9[4], gb[16], g9[16], snm[16], snm_mac[6];
    mac_of(mb, 2);
    mac_of(other, 7);
    ip4(ipb, 2);
    ip4(ip9, 9);
    ip6(gb, 2);
    ip6(g9, 9);
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    static const uint8_t an_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    static const uint8_t mc4_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
    static const uint8_t mc4[4] = {239, 1, 1, 1};
    static const uint8_t unspec[16];

    ipstack_input(b, udp_frame(h.pool, other, 4, ipb, SINK_PORT));      /* another MAC */
    ipstack_input(b, udp_frame(h.pool, mb, 4, ip9, SINK_PORT));         /* another IP */
    ipstack_input(b, udp_frame(h.pool, mc4_mac, 4, mc4, SINK_PORT));    /* group not joined */
    pkt_ipv6_solicited_node(g9, snm);
    pkt_eth_ipv6_mcast(snm, snm_mac);
    ipstack_input(b, nd_frame(h.pool, PKT_ICMPV6_NS, 0, snm_mac, g9, snm, g9, 1)); /* not joined */
    ipstack_input(b, udp_frame(h.pool, an_mac, 6, all_nodes, SINK_PORT)); /* UDP to ff02::1 */
    ipstack_input(b, udp_frame(h.pool, mb, 4, ipb, 6000));         /* unbound port */
    struct frame *f = udp_frame(h.pool, mb, 4, ipb, SINK_PORT);
    frame_data(f)[14 + 6] = 0x20;                                  /* MF: a fragment */
    ipstack_input(b, f);
    f = udp_frame(h.pool, mb, 4, ipb, SINK_PORT);
    frame_data(f)[14 + 9] = 1;                                     /* ICMP */
    ipstack_input(b, f);
    f = nd_frame(h.pool, PKT_ICMPV6_NS, 0, mb, g9, gb, gb, 1);
    frame_data(f)[14 + 7] = 64;                                    /* hop limit 64 */
    ipstack_input(b, f);
    ipstack_input(b, nd_frame(h.pool, PKT_ICMPV6_NA, PKT_ND_NA_SOLICITED, an_mac, g9, all_nodes,
                              g9, 1));                             /* S to multicast */
    f = udp_frame(h.pool, mb, 4, ipb, SINK_PORT);
    frame_data(f)[14 + 3] = 200;                                   /* total length past the wire */
    ipstack_input(b, f);
    f = udp_frame(h.pool, mb, 4, ipb, SINK_PORT);
    frame_data(f)[12] = 0x88;
    frame_data(f)[13] = 0xb5;                                      /* local experimental */
    ipstack_input(b, f);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_NOT_OUR_MAC], 3);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_NOT_OUR_IP], 2);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_NO_PORT], 1);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_FRAGMENT], 1);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_PROTO], 2);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_ND_INVALID], 2);
    CU_ASSERT_EQUAL(cb->drops[IPSTACK_DROP_MALFORMED], 1);
    CU_ASSERT_EQUAL(cb->rx_frames, 12);
    CU_ASSERT_EQUAL(h.sink[0].n, 0);
    CU_ASSERT_EQUAL(h.nlog, 0);
    CU_ASSERT_EQUAL(ipstack_neigh_count(b), 0);

    /* Accepted: IP to us under the broadcast MAC, IPv6 to our link-local. */
    ipstack_input(b, udp_frame(h.pool, bcast, 4, ipb, SINK_PORT));
    ipstack_input(b, udp_frame(h.pool, mb, 6, ipstack_ipv6_link_local(b), SINK_PORT));
    CU_ASSERT_EQUAL(h.sink[0].n, 2);
    CU_ASSERT_EQUAL(cb->rx_udp, 2);

    /* A DAD probe from :: for our address: NA to all-nodes, not solicited. */
    pkt_ipv6_solicited_node(gb, snm);
    pkt_eth_ipv6_mcast(snm, snm_mac);
    ipstack_input(b, nd_frame(h.pool, PKT_ICMPV6_NS, 0, snm_mac, unspec, snm, gb, 0));
    CU_ASSERT_EQUAL_FATAL(h.nlog, 1);
    CU_ASSERT_EQUAL(h.log[0].pi.nd_flags, PKT_ND_NA_OVERRIDE);
    CU_ASSERT_EQUAL(memcmp(h.log[0].pi.ip_dst, all_nodes, 16), 0);
    CU_ASSERT_EQUAL(memcmp(h.log[0].pi.ip_src, gb, 16), 0);
    CU_ASSERT_EQUAL(ipstack_neigh_count(b), 0);
    /* A unicast NS probe without SLLA: answered to the Ethernet source. */
    ipstack_input(b, nd_frame(h.pool, PKT_ICMPV6_NS, 0, mb, g9, gb, gb, 0));
    CU_ASSERT_EQUAL_FATAL(h.nlog, 2);
    CU_ASSERT(mac_is(h.log[1].pi.dst, 9));
    CU_ASSERT_EQUAL(h.log[1].pi.nd_flags, PKT_ND_NA_SOLICITED | PKT_ND_NA_OVERRIDE);
    CU_ASSERT_EQUAL(ipstack_check(b), 0);
    hub_free(&h);
}

/* ---- binding and demultiplexing ---- */

static void nop_rx(void *ctx, struct ipstack *stack, struct frame *f, const struct pkt_info *pi)
{
    (void)ctx;
    (void)stack;
    (void)pi;
    frame_unref(f);
}

static void test_bind_demux(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 1, 1);
    struct ipstack *b = hub_host(&h, "b", 2, 1, 1);
    struct sink *kb = &h.sink[1];
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_UDP, SINK_PORT, nop_rx, NULL), -EADDRINUSE);
    /* TCP ports are their own namespace. */
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_TCP, SINK_PORT, sink_rx, kb), 0);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_TCP, SINK_PORT, sink_rx, kb), -EADDRINUSE);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_UDP, 0, nop_rx, NULL), -EINVAL);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_ICMPV6, 1, nop_rx, NULL), -EINVAL);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_UDP, 1, NULL, NULL), -EINVAL);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_UDP, PKT_ROCE_UDP_PORT, sink_rx, kb), 0);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_TCP, 445, sink_rx, kb), 0);
    CU_ASSERT_EQUAL(ipstack_unbind(b, PKT_IPPROTO_UDP, 7), -ENOENT);
    CU_ASSERT_EQUAL(ipstack_unbind(b, PKT_IPPROTO_TCP, SINK_PORT), 0);
    CU_ASSERT_EQUAL(ipstack_unbind(b, PKT_IPPROTO_TCP, SINK_PORT), -ENOENT);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_TCP, SINK_PORT, nop_rx, NULL), 0);
    /* Ephemeral ports: next-fit over 49152..65535. */
    CU_ASSERT_EQUAL(ipstack_bind_ephemeral(b, PKT_IPPROTO_UDP, nop_rx, NULL), 49152);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_UDP, 49153, nop_rx, NULL), 0);
    CU_ASSERT_EQUAL(ipstack_bind_ephemeral(b, PKT_IPPROTO_UDP, nop_rx, NULL), 49154);
    CU_ASSERT_EQUAL(ipstack_bind_ephemeral(b, PKT_IPPROTO_TCP, nop_rx, NULL), 49152);
    CU_ASSERT_EQUAL(ipstack_bind(b, PKT_IPPROTO_TCP, 65535, nop_rx, NULL), 0);

    /* Transports build their own frames: a RoCEv2 CNP and a TCP SYN over
     * IPv4, a TCP SYN over IPv6, each with the stack's specs. */
    uint8_t ipb[4], gb[16];
    ip4(ipb, 2);
    ip6(gb, 2);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    ipstack_l2_spec(a, &l2);
    CU_ASSERT_EQUAL(ipstack_ip_spec(a, 4, ipb, 26, PKT_ECN_ECT0, &ip), 0);
    struct frame *f = frame_alloc(h.pool);
    CU_ASSERT_EQUAL(pkt_roce_cnp_build(f, &l2, &ip, 49999, 0x123456), 0);
    CU_ASSERT_EQUAL(ipstack_send(a, f), -EINPROGRESS);
    struct pkt_tcp_spec syn = {.sport = 50000, .dport = 445, .seq = 1, .flags = PKT_TCP_SYN,
                               .window = 65535, .mss = 1460, .wscale = 8};
    CU_ASSERT_EQUAL(ipstack_ip_spec(a, 4, ipb, 0, 0, &ip), 0);
    f = frame_alloc(h.pool);
    CU_ASSERT_EQUAL(pkt_tcp_build(f, &l2, &ip, &syn, 0), 0);
    CU_ASSERT_EQUAL(ipstack_send(a, f), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_ip_spec(a, 6, gb, 0, 0, &ip), 0);
    f = frame_alloc(h.pool);
    CU_ASSERT_EQUAL(pkt_tcp_build(f, &l2, &ip, &syn, 0), 0);
    CU_ASSERT_EQUAL(ipstack_send(a, f), -EINPROGRESS);
    hub_check(&h);
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(kb->n, 3);
    CU_ASSERT(kb->layers[0] & PKT_HAS_ROCE);
    CU_ASSERT_EQUAL(kb->dport[0], PKT_ROCE_UDP_PORT);
    CU_ASSERT_EQUAL(kb->dest_qp[0], 0x123456);
    CU_ASSERT_EQUAL(kb->proto[1], PKT_IPPROTO_TCP);
    CU_ASSERT_EQUAL(kb->tcp_flags[1], PKT_TCP_SYN);
    CU_ASSERT_EQUAL(kb->version[2], 6);
    CU_ASSERT_EQUAL(kb->proto[2], PKT_IPPROTO_TCP);
    CU_ASSERT_EQUAL(ipstack_counters(b)->rx_tcp, 2);
    CU_ASSERT_EQUAL(ipstack_counters(b)->rx_udp, 1);

    /* A frame that is not untagged IP is refused (and consumed). */
    f = frame_alloc(h.pool);
    CU_ASSERT_EQUAL(pkt_arp_build(f, &l2, PKT_ARP_REQUEST, l2.src, ipb, zero6, ipb), 0);
    CU_ASSERT_EQUAL(ipstack_send(a, f), -EINVAL);
    CU_ASSERT_EQUAL(ipstack_counters(a)->drops[IPSTACK_DROP_BAD_FRAME], 1);
    hub_free(&h);
}

/* ---- gateway and multicast ---- */

static void test_gateway_and_multicast(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack_settings sa;
    settings_for(&sa, "a", 1, 1, 0);
    sa.has_gateway4 = 1;
    ip4(sa.gateway4, 254);
    struct ipstack *a = hub_add(&h, &sa);
    struct ipstack *g = hub_host(&h, "gw", 254, 1, 0);
    static const uint8_t far[4] = {192, 168, 1, 5};
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, far, 1, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(h.log[0].pi.arp_tpa[3], 254);
    run_to(&h, 1 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(h.nlog, 3);
    CU_ASSERT(mac_is(h.log[2].pi.dst, 254));
    CU_ASSERT_EQUAL(memcmp(h.log[2].pi.ip_dst, far, 4), 0);
    CU_ASSERT_EQUAL(ipstack_counters(g)->drops[IPSTACK_DROP_NOT_OUR_IP], 1); /* not a router */
    uint8_t mac[6];
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(a, 4, far, mac), 0);
    CU_ASSERT(mac_is(mac, 254));
    /* On-prefix: resolved directly. */
    uint8_t ip3[4];
    ip4(ip3, 3);
    CU_ASSERT_EQUAL(ipstack_resolve(a, 4, ip3), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_resolve(a, 4, ip3), -EINPROGRESS);
    CU_ASSERT_EQUAL(h.log[3].pi.arp_tpa[3], 3);
    CU_ASSERT_EQUAL(ipstack_counters(a)->arp_req_tx, 2);
    /* Multicast: mapped MAC (RFC 1112 6.4), no resolution. */
    static const uint8_t mc[4] = {239, 129, 1, 1};
    static const uint8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
    int nlog = h.nlog;
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, mc, 1, SINK_PORT, 0), 0);
    CU_ASSERT_EQUAL(memcmp(h.log[nlog].pi.dst, mc_mac, 6), 0);
    CU_ASSERT_EQUAL(ipstack_counters(a)->arp_req_tx, 2);
    /* The directed broadcast of 10.0.0.0/24 and the limited broadcast too. */
    static const uint8_t dbc[4] = {10, 0, 0, 255}, lbc[4] = {255, 255, 255, 255};
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, dbc, 1, SINK_PORT, 0), 0);
    CU_ASSERT_EQUAL(memcmp(h.log[nlog + 1].pi.dst, bcast, 6), 0);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, lbc, 1, SINK_PORT, 0), 0);
    CU_ASSERT_EQUAL(memcmp(h.log[nlog + 2].pi.dst, bcast, 6), 0);
    CU_ASSERT_EQUAL(ipstack_counters(a)->arp_req_tx, 2);
    CU_ASSERT_EQUAL(ipstack_resolve(a, 5, far), -EINVAL);
    /* The send cache (last destination -> neighbour entry): far again goes
     * to the gateway; without the gateway (same addresses, nothing
     * flushed) far is on-link and resolved itself, not sent to the cached
     * gateway entry. */
    nlog = h.nlog;
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, far, 1, SINK_PORT, 0), 0);
    CU_ASSERT_EQUAL_FATAL(h.nlog, nlog + 1);
    CU_ASSERT(mac_is(h.log[nlog].pi.dst, 254));
    struct ipstack_settings nogw = sa;
    nogw.has_gateway4 = 0;
    CU_ASSERT_EQUAL(ipstack_reconfigure(a, &nogw), 0);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, far, 1, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL_FATAL(h.nlog, nlog + 2);
    CU_ASSERT(h.log[nlog + 1].pi.layers & PKT_HAS_ARP);
    CU_ASSERT_EQUAL(memcmp(h.log[nlog + 1].pi.arp_tpa, far, 4), 0);
    CU_ASSERT_EQUAL(ipstack_check(a), 0);
    hub_free(&h);
}

/* ---- the cached send path against the lookup ---- */

/* What one ipstack_send did: its result, the frame put on the hub, the
 * counters it moved. */
struct send_seen {
    int rc;
    uint32_t len, payload;
    uint8_t bytes[256];
    uint64_t hits, misses, tx;
};

static void send_seen(struct hub *h, struct ipstack *st, struct frame *f, int shared,
                      struct send_seen *o)
{
    const struct ipstack_counters *c = ipstack_counters(st);
    uint64_t hits = c->neigh_hits, misses = c->neigh_misses, tx = c->tx_frames;
    memset(o, 0, sizeof *o);
    h->last_len = 0;
    if (shared)
        frame_ref(f);
    o->rc = ipstack_send(st, f);
    if (shared)
        frame_unref(f);
    hub_check(h);
    o->len = h->last_len;
    o->payload = h->last_payload;
    memcpy(o->bytes, h->last, o->len);
    o->hits = c->neigh_hits - hits;
    o->misses = c->neigh_misses - misses;
    o->tx = c->tx_frames - tx;
}

/* ipstack_send's first test (a resolved destination that is the cached
 * one, the frame ours alone: addresses written, sent) against the lookup
 * it skips: the same datagram sent after another destination (the cache
 * misses), again (the cache hits) and again shared (the lookup, and a
 * private copy when the addresses differ), to IPv4 and IPv6, global and
 * link-local, unicast and multicast, with and without stale addresses in
 * the frame: the same bytes, result and counters each time. */
static void test_send_cache_paths(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack *a = hub_host(&h, "a", 1, 1, 1);
    hub_host(&h, "b", 2, 1, 1);
    hub_host(&h, "c", 3, 1, 0);
    uint8_t b4[16] = {0}, c4[16] = {0}, b6[16], b6ll[16];
    static const uint8_t mc4[16] = {239, 1, 2, 3};
    ip4(b4, 2);
    ip4(c4, 3);
    ip6(b6, 2);
    memcpy(b6ll, ipstack_ipv6_link_local(h.st[1]), 16);
    const struct {
        uint8_t version;
        const uint8_t *dst;
    } dsts[] = {{4, b4}, {6, b6}, {4, c4}, {6, b6ll}, {4, mc4}};
    const size_t ndst = sizeof dsts / sizeof dsts[0];
    for (size_t i = 0; i < ndst; i++) /* resolve everything first */
        send_udp(&h, a, dsts[i].version, dsts[i].dst, 1, SINK_PORT, 0);
    run_to(&h, 1 * SIM_MS);
    for (size_t i = 0; i < ndst; i++)
        CU_ASSERT_EQUAL(send_udp(&h, a, dsts[i].version, dsts[i].dst, 1, SINK_PORT, 0), 0);
    for (int i = 0; i < 60; i++) {
        size_t k = (size_t)i % ndst, other = (k + 1 + (size_t)i / ndst % (ndst - 1)) % ndst;
        struct pkt_l2_spec l2;
        struct pkt_ip_spec ip;
        ipstack_l2_spec(a, &l2);
        if (i % 3 == 0)
            memset(l2.dst, 0xAB, sizeof l2.dst); /* stale addresses to overwrite */
        if (i % 4 == 1)
            memset(l2.src, 0x5C, sizeof l2.src);
        CU_ASSERT_EQUAL_FATAL(
            ipstack_ip_spec(a, dsts[k].version, dsts[k].dst, (uint8_t)i % 64, 0, &ip), 0);
        struct frame *f = frame_alloc(h.pool);
        CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, (uint16_t)(1000 + i), SINK_PORT,
                                            (uint32_t)i * 37),
                              0);
        struct frame *to_other = frame_alloc(h.pool);
        CU_ASSERT_EQUAL_FATAL(ipstack_ip_spec(a, dsts[other].version, dsts[other].dst, 0, 0, &ip),
                              0);
        CU_ASSERT_EQUAL_FATAL(pkt_udp_build(to_other, &l2, &ip, 1, SINK_PORT, 0), 0);
        struct send_seen lookup, cached, shared, scratch;
        send_seen(&h, a, to_other, 0, &scratch); /* the cache now holds another destination */
        CU_ASSERT_EQUAL(scratch.rc, 0);
        struct frame *f2 = frame_copy(f), *f3 = frame_copy(f);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f3);
        send_seen(&h, a, f, 0, &lookup);
        send_seen(&h, a, f2, 0, &cached);
        send_seen(&h, a, f3, 1, &shared);
        CU_ASSERT_EQUAL(lookup.rc, 0);
        CU_ASSERT(lookup.len > 0);
        CU_ASSERT_EQUAL(memcmp(&lookup, &cached, sizeof lookup), 0);
        CU_ASSERT_EQUAL(memcmp(&lookup, &shared, sizeof lookup), 0);
        CU_ASSERT_EQUAL(lookup.hits, k == ndst - 1 ? 0u : 1u); /* multicast: no entry */
        CU_ASSERT(mac_is(lookup.bytes + 6, 1));
    }
    CU_ASSERT_EQUAL(ipstack_counters(a)->neigh_misses, ndst - 1);
    hub_free(&h);
}

/* ipstack_ipv4_next gives what ipstack_ip_spec puts in an IPv4 spec and
 * takes the identifications in the same sequence; without an IPv4 address
 * both fail and take none. */
static void test_ipv4_next(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack_settings s;
    settings_for(&s, "a", 1, 1, 1);
    s.hop_limit = 33;
    struct ipstack *a = hub_add(&h, &s);
    uint8_t dst[4];
    ip4(dst, 2);
    struct pkt_ip_spec ip;
    struct ipstack_ipv4_fields v4;
    CU_ASSERT_EQUAL(ipstack_ip_spec(a, 4, dst, 0, 0, &ip), 0);
    uint16_t id = ip.id;
    for (int i = 1; i < 70000; i++) {
        if (i % 2) {
            CU_ASSERT_EQUAL_FATAL(ipstack_ipv4_next(a, &v4), 0);
            CU_ASSERT_EQUAL_FATAL(v4.id, (uint16_t)(id + i));
            CU_ASSERT_EQUAL(v4.ttl, 33);
            CU_ASSERT_EQUAL(memcmp(v4.src, s.ipv4, 4), 0);
        } else {
            CU_ASSERT_EQUAL_FATAL(ipstack_ip_spec(a, 4, dst, 0, 0, &ip), 0);
            CU_ASSERT_EQUAL_FATAL(ip.id, (uint16_t)(id + i));
        }
    }
    struct ipstack_settings no4 = s;
    no4.has_ipv4 = 0;
    CU_ASSERT_EQUAL(ipstack_reconfigure(a, &no4), 0);
    CU_ASSERT_EQUAL(ipstack_ipv4_next(a, &v4), -EADDRNOTAVAIL);
    CU_ASSERT_EQUAL(ipstack_ip_spec(a, 4, dst, 0, 0, &ip), -EADDRNOTAVAIL);
    CU_ASSERT_EQUAL(ipstack_reconfigure(a, &s), 0);
    CU_ASSERT_EQUAL(ipstack_ipv4_next(a, &v4), 0);
    CU_ASSERT_EQUAL(v4.id, (uint16_t)(id + 70000));
    hub_free(&h);
}

/* ---- table limit ---- */

static void test_table_limit(void)
{
    struct hub h;
    hub_init(&h, NULL);
    struct ipstack_settings sa;
    settings_for(&sa, "a", 1, 1, 0);
    sa.max_neighbors = 2;
    struct ipstack *a = hub_add(&h, &sa);
    hub_host(&h, "p2", 2, 1, 0);
    hub_host(&h, "p3", 3, 1, 0);
    hub_host(&h, "p4", 4, 1, 0);
    uint8_t ip2[4], ip3[4], ip4_[4], ip5[4];
    ip4(ip2, 2);
    ip4(ip3, 3);
    ip4(ip4_, 4);
    ip4(ip5, 5);
    /* Two resolutions in progress fill the table: a third is refused. */
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip2, 1, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip3, 1, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip4_, 1, SINK_PORT, 0), -ENOBUFS);
    CU_ASSERT_EQUAL(ipstack_counters(a)->drops[IPSTACK_DROP_NEIGH_FULL], 1);
    run_to(&h, 1 * SIM_MS);
    /* Resolved entries are reused, the least recently confirmed first. */
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip3, 1, SINK_PORT, 0), 0);
    ipstack_neigh_confirm(a, 4, ip3);
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip4_, 1, SINK_PORT, 0), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ip2), IPSTACK_NEIGH_NONE);
    CU_ASSERT_EQUAL(ipstack_neigh_state(a, 4, ip3), IPSTACK_NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(ipstack_neigh_count(a), 2);
    run_to(&h, 2 * SIM_MS);
    CU_ASSERT_EQUAL(h.sink[3].n, 1);
    /* Nobody has .5: the resolution fails and frees its entry. */
    CU_ASSERT_EQUAL(send_udp(&h, a, 4, ip5, 1, SINK_PORT, 0), -EINPROGRESS);
    run_to(&h, 5 * SIM_S);
    CU_ASSERT_EQUAL(ipstack_neigh_count(a), 1);
    hub_free(&h);
}

/* ---- lifecycle ---- */

static int null_tx(void *ctx, struct frame *f)
{
    (void)ctx;
    frame_unref(f);
    return 0;
}

static void test_lifecycle(void)
{
    struct sim_engine *eng = sim_engine_create(NULL);
    struct frame_pool *pool = frame_pool_create(16);
    struct ipstack_settings s;
    uint8_t mac[6] = {0x00, 0x15, 0x5d, 0x01, 0x02, 0x03};
    ipstack_settings_default(&s, "hv1/vEthernet (SMB_1)", mac);
    CU_ASSERT_EQUAL(s.reachable_time, 30 * SIM_S);
    CU_ASSERT_EQUAL(s.retrans_time, 1 * SIM_S);
    CU_ASSERT_EQUAL(s.max_solicit, 3);
    CU_ASSERT_EQUAL(s.max_queued, 101);
    CU_ASSERT_EQUAL(s.hop_limit, 128);

    /* RFC 4291 appendix A: 00:15:5d:01:02:03 -> fe80::215:5dff:fe01:203. */
    static const uint8_t ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                   0x02, 0x15, 0x5d, 0xff, 0xfe, 0x01, 0x02, 0x03};
    uint8_t out[16];
    ipstack_eui64_link_local(mac, out);
    CU_ASSERT_EQUAL(memcmp(out, ll, 16), 0);

    struct ipstack_settings bad = s;
    bad.mac[0] = 0x01;
    errno = 0;
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &bad, null_tx, NULL));
    CU_ASSERT_EQUAL(errno, EINVAL);
    bad = s;
    memset(bad.mac, 0, 6);
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &bad, null_tx, NULL));
    bad = s;
    bad.name = NULL;
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &bad, null_tx, NULL));
    bad = s;
    bad.ipv4_prefix_len = 33;
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &bad, null_tx, NULL));
    bad = s;
    bad.has_ipv6 = 1;
    bad.ipv6[0] = 0xff;
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &bad, null_tx, NULL));
    CU_ASSERT_PTR_NULL(ipstack_create(eng, NULL, pool, &s, NULL, NULL));
    ipstack_destroy(NULL);

    /* Without an IPv4 address, IPv4 output is refused. */
    struct ipstack *v6only = ipstack_create(eng, NULL, pool, &s, null_tx, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v6only);
    uint8_t v4dst[4] = {10, 0, 0, 2};
    struct ipstack_udp u4 = {.version = 4, .dst = v4dst, .sport = 1, .dport = 2};
    CU_ASSERT_EQUAL(ipstack_send_udp(v6only, &u4), -EADDRNOTAVAIL);
    CU_ASSERT_EQUAL(ipstack_neigh_lookup(v6only, 4, v4dst, NULL), -EADDRNOTAVAIL);
    struct frame *f4 = frame_alloc(pool);
    struct pkt_l2_spec l2;
    ipstack_l2_spec(v6only, &l2);
    struct pkt_ip_spec ip4s = {.version = 4, .ttl = 64, .dst = {10, 0, 0, 2}};
    CU_ASSERT_EQUAL(pkt_udp_build(f4, &l2, &ip4s, 1, 2, 0), 0);
    CU_ASSERT_EQUAL(ipstack_send(v6only, f4), -EADDRNOTAVAIL);
    CU_ASSERT_EQUAL(ipstack_counters(v6only)->drops[IPSTACK_DROP_NO_ADDR], 1);
    ipstack_destroy(v6only);

    /* Zero timers mean the defaults. */
    struct ipstack_settings z = s;
    z.reachable_time = z.retrans_time = z.delay_first_probe = 0;
    z.max_solicit = z.max_queued = z.max_neighbors = 0;
    z.hop_limit = 0;
    z.has_ipv4 = 1;
    ip4(z.ipv4, 1);
    struct ipstack *st = ipstack_create(eng, NULL, pool, &z, null_tx, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(memcmp(ipstack_ipv6_link_local(st), ll, 16), 0);
    CU_ASSERT_STRING_EQUAL(ipstack_name(st), "hv1/vEthernet (SMB_1)");
    struct pkt_ip_spec ip;
    uint8_t far[4] = {10, 0, 0, 2};
    CU_ASSERT_EQUAL(ipstack_ip_spec(st, 4, far, 0, 0, &ip), 0);
    CU_ASSERT_EQUAL(ip.ttl, 128);
    CU_ASSERT_EQUAL(ip.id, 1);
    CU_ASSERT_EQUAL(ipstack_ip_spec(st, 4, far, 0, 0, &ip), 0);
    CU_ASSERT_EQUAL(ip.id, 2);

    /* Reconfigure with a new address: queued frames drop as unresolved. */
    struct ipstack_udp u = {.version = 4, .dst = far, .sport = 1, .dport = 2};
    CU_ASSERT_EQUAL(ipstack_send_udp(st, &u), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_send_udp(st, &u), -EINPROGRESS);
    struct ipstack_settings r = z;
    ip4(r.ipv4, 5);
    r.max_queued = 1;
    CU_ASSERT_EQUAL(ipstack_reconfigure(st, &r), 0);
    CU_ASSERT_EQUAL(ipstack_counters(st)->drops[IPSTACK_DROP_UNRESOLVED], 2);
    CU_ASSERT_EQUAL(ipstack_neigh_count(st), 0);
    CU_ASSERT_EQUAL(ipstack_check(st), 0);
    CU_ASSERT_EQUAL(ipstack_src_addr(st, 4, far, out), 0);
    CU_ASSERT_EQUAL(out[3], 5);
    /* Same addresses, smaller queue: the queue is trimmed, not flushed. */
    CU_ASSERT_EQUAL(ipstack_reconfigure(st, &z), 0); /* address back: flush (nothing queued) */
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(ipstack_send_udp(st, &u), -EINPROGRESS);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(st, 4, far), 3);
    struct ipstack_settings q = z;
    q.max_queued = 1;
    CU_ASSERT_EQUAL(ipstack_reconfigure(st, &q), 0);
    CU_ASSERT_EQUAL(ipstack_neigh_queued(st, 4, far), 1);
    CU_ASSERT_EQUAL(ipstack_counters(st)->drops[IPSTACK_DROP_QUEUE_FULL], 2);
    CU_ASSERT_EQUAL(ipstack_check(st), 0);
    bad = z;
    bad.mac[0] = 0x01;
    CU_ASSERT_EQUAL(ipstack_reconfigure(st, &bad), -EINVAL);
    /* Flushing before destroy lets a running engine outlive the stack. */
    ipstack_neigh_flush(st);
    CU_ASSERT_EQUAL(ipstack_check(st), 0);
    ipstack_destroy(st);
    sim_run_until(eng, 10 * SIM_S);
    sim_engine_destroy(eng);
    CU_ASSERT_EQUAL(frame_pool_in_use(pool), 0);
    frame_pool_destroy(pool);
}

/* ---- the input fast path against the general path ---- */

/* What a twin's receivers saw: how many frames, and the last one's demux
 * fields (a pi on the stack, so fields rather than its bytes). */
struct twin_sink {
    int n;
    uint32_t layers;
    uint8_t proto, dst[6], ip_dst[16];
    uint16_t sport, dport, l5_off;
    uint32_t l5_len;
};

static void twin_rx(void *ctx, struct ipstack *stack, struct frame *f, const struct pkt_info *pi)
{
    (void)stack;
    struct twin_sink *k = ctx;
    k->n++;
    k->layers = pi->layers;
    k->proto = pi->ip_proto;
    memcpy(k->dst, pi->dst, 6);
    memset(k->ip_dst, 0, 16);
    memcpy(k->ip_dst, pi->ip_dst, pi->ip_version == 4 ? 4 : 16); /* the bytes parsed */
    k->sport = pi->sport;
    k->dport = pi->dport;
    k->l5_off = pi->l5_off;
    k->l5_len = pi->l5_len;
    frame_unref(f);
}

/* One varied input frame, all its choices drawn from r: UDP or TCP over
 * IPv4 or IPv6, or ARP; to our MAC, broadcast, all-nodes or another MAC;
 * to our address, another, the subnet broadcast; bound port or not; then
 * maybe a fragment, another protocol, a bad length or EtherType. */
static struct frame *twin_frame(struct frame_pool *pool, uint32_t r)
{
    static const uint8_t an_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2 = {0};
    unsigned mac = r & 3, kind = r >> 2 & 3, ip = r >> 4 & 3, port = r >> 6 & 1, bad = r >> 7 & 7;
    if (mac == 0 || mac == 1)
        mac_of(l2.dst, mac == 0 ? 2 : 7);
    else
        memcpy(l2.dst, mac == 2 ? bcast : an_mac, 6);
    mac_of(l2.src, 9);
    uint8_t version = kind == 2 || (kind == 1 && (r >> 30 & 1)) ? 6 : 4;
    struct pkt_ip_spec is = {.version = version, .ttl = 64, .dscp = (uint8_t)(r >> 10 & 63)};
    if (version == 4) {
        ip4(is.src, 9);
        ip4(is.dst, ip == 0 || ip == 3 ? 2 : ip == 1 ? 8 : 255);
    } else {
        ip6(is.src, 9);
        ip6(is.dst, ip == 1 ? 8 : 2);
    }
    uint16_t dport = port ? SINK_PORT : (uint16_t)(6000 + (r >> 16 & 7));
    int rc;
    if (kind == 3) {
        uint8_t sha[6], spa[4], tpa[4];
        mac_of(sha, 9);
        ip4(spa, 9);
        ip4(tpa, ip == 1 ? 8 : 2);
        rc = pkt_arp_build(f, &l2, (r >> 16 & 1) ? PKT_ARP_REPLY : PKT_ARP_REQUEST, sha, spa, l2.dst,
                           tpa);
    } else if (kind == 1) {
        struct pkt_tcp_spec t = {.sport = 1234, .dport = dport, .seq = r, .ack = ~r,
                                 .flags = PKT_TCP_ACK, .window = 100,
                                 .wscale = PKT_TCP_NO_WSCALE, .ts = (uint8_t)(r >> 20 & 1)};
        rc = pkt_tcp_build(f, &l2, &is, &t, r >> 21 & 1023);
    } else {
        rc = pkt_udp_build(f, &l2, &is, 1234, dport, r >> 21 & 1023);
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    uint8_t *b = frame_data(f);
    if (kind != 3 && version == 4) {
        if (bad == 1)
            b[14 + 6] = 0x20;  /* MF: a fragment */
        else if (bad == 2)
            b[14 + 9] = 1;     /* ICMP */
        else if (bad == 3)
            b[14 + 3] = 250;   /* total length past the wire */
        else if (bad == 4)
            b[14] = 0x46;      /* IHL 6: options the frame does not hold */
    }
    if (bad == 5) {
        b[12] = 0x88;
        b[13] = 0xb5;          /* local experimental EtherType */
    }
    return f;
}

/* The same frames into twin stacks, one through ipstack_input(), one
 * through the general path only: the same counters, neighbours, frames
 * sent and deliveries after every frame, for stacks with and without an
 * IPv4 address. */
static void test_input_fast_path(void)
{
    for (int v4 = 0; v4 <= 1; v4++) {
        struct hub h[2];
        struct ipstack *st[2];
        struct twin_sink udp[2], tcp[2];
        memset(udp, 0, sizeof udp); /* padding too: the sinks are compared bytewise */
        memset(tcp, 0, sizeof tcp);
        for (int i = 0; i < 2; i++) {
            hub_init(&h[i], NULL);
            st[i] = hub_host(&h[i], "b", 2, v4, 1);
            CU_ASSERT_EQUAL(ipstack_unbind(st[i], PKT_IPPROTO_UDP, SINK_PORT), 0);
            CU_ASSERT_EQUAL(ipstack_bind(st[i], PKT_IPPROTO_UDP, SINK_PORT, twin_rx, &udp[i]), 0);
            CU_ASSERT_EQUAL(ipstack_bind(st[i], PKT_IPPROTO_TCP, SINK_PORT, twin_rx, &tcp[i]), 0);
        }
        uint32_t r = 12345;
        for (int n = 0; n < 4000; n++) {
            r = r * 1103515245u + 12345u;
            uint32_t x = r ^ r >> 15;
            ipstack_input(st[0], twin_frame(h[0].pool, x));
            ipstack_input_general__(st[1], twin_frame(h[1].pool, x));
            const struct ipstack_counters *c0 = ipstack_counters(st[0]);
            const struct ipstack_counters *c1 = ipstack_counters(st[1]);
            CU_ASSERT_EQUAL_FATAL(memcmp(c0, c1, sizeof *c0), 0);
            CU_ASSERT_EQUAL_FATAL(memcmp(&udp[0], &udp[1], sizeof udp[0]), 0);
            CU_ASSERT_EQUAL_FATAL(memcmp(&tcp[0], &tcp[1], sizeof tcp[0]), 0);
            CU_ASSERT_EQUAL_FATAL(h[0].nlog, h[1].nlog);
            CU_ASSERT_EQUAL_FATAL(ipstack_neigh_count(st[0]), ipstack_neigh_count(st[1]));
            CU_ASSERT_EQUAL(ipstack_check(st[0]), 0);
        }
        /* The mix reached every branch of the demux. */
        const struct ipstack_counters *c = ipstack_counters(st[0]);
        CU_ASSERT(udp[0].n > 0 && tcp[0].n > 0);
        CU_ASSERT(c->drops[IPSTACK_DROP_NOT_OUR_MAC] > 0 && c->drops[IPSTACK_DROP_NOT_OUR_IP] > 0);
        CU_ASSERT(c->drops[IPSTACK_DROP_NO_PORT] > 0 && c->drops[IPSTACK_DROP_MALFORMED] > 0);
        CU_ASSERT(c->drops[IPSTACK_DROP_PROTO] > 0);
        CU_ASSERT(!v4 || (c->drops[IPSTACK_DROP_FRAGMENT] > 0 && c->rx_ipv4 > 0 && c->rx_arp > 0));
        CU_ASSERT(c->rx_ipv6 > 0);
        for (int i = 0; i < 2; i++)
            hub_free(&h[i]);
    }
}

int suite_ipstack(void)
{
    CU_pSuite s = test_suite("ipstack");
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"ARP resolution then UDP: exact frames", test_arp_then_udp},
        {"ND resolution then UDP (global and link-local)", test_nd_then_udp},
        {"queued frames flushed in order, oldest dropped past the limit", test_queue_flush_order},
        {"default queue limit: Linux's unres_qlen (101)", test_queue_default_limit},
        {"unanswered ARP: max_solicit requests, then drops (traced)", test_unanswered_arp},
        {"unanswered NS: max_solicit requests, then drops (traced)", test_unanswered_ns},
        {"expiry: stale use, delayed unicast probe, probe failure", test_cache_expiry},
        {"ARP for someone else ignored; RFC 826 add; conflicts", test_arp_for_other_ignored},
        {"gratuitous ARP and unsolicited NA update the peer", test_garp_updates_peer},
        {"ARP/NS/NA bytes decode in tshark", test_bytes_in_tshark},
        {"input filtering by reason", test_input_filtering},
        {"bind conflicts, ephemeral ports, UDP/TCP/RoCEv2 demux", test_bind_demux},
        {"input fast path against the general path, frame by frame", test_input_fast_path},
        {"gateway next hop and multicast", test_gateway_and_multicast},
        {"neighbour table limit", test_table_limit},
        {"cached send path against the lookup", test_send_cache_paths},
        {"ipstack_ipv4_next against ipstack_ip_spec", test_ipv4_next},
        {"lifecycle, defaults, EUI-64, reconfigure", test_lifecycle},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
