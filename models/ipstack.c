/* ipstack: ARP/ND neighbour cache, IPv4/IPv6 input and UDP/TCP
 * demultiplexing for one vNIC (see ipstack.h for the contract, the state
 * table and the defaults).
 *
 * Layout:
 *  - neighbour table: a fixed array of entries (stable addresses, so a
 *    timer event can carry the entry) indexed by an open-addressing hash
 *    of (version, address) with linear probing and backward-shift
 *    deletion; a free list of unused entries.  One timer per entry:
 *    retransmission while INCOMPLETE or PROBE, the first-probe delay in
 *    DELAY.
 *  - ports: per protocol (UDP, TCP) 256 pages of 256 slots, a page
 *    allocated on its first bind: two array reads per received datagram.
 *  - queued frames hang on their INCOMPLETE entry through frame->next.
 *  - input: IPv4 to our MAC and address, the frames a host mostly gets,
 *    goes from the parse straight to the port demux; every other frame
 *    takes the general path (L2 filter, ARP, IPv4, IPv6), out of line.
 *    ipstack_int.h lets the tests run every frame through the general path.
 *
 * Re-entrancy: the tx callback may deliver synchronously to another stack
 * that answers at once, so every function finishes its own state changes
 * (and detaches a queue it is about to flush or drop) before it calls tx.
 */
#include "ipstack.h"
#include "ipstack_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_SLOTS 2   /* UDP, TCP */
#define PORT_PAGES 256
#define PORT_PAGE 256
#define IDX_EMPTY 0u    /* hash slot value: entry index + 1, 0 when empty */
#define MAX_GROUPS 3    /* all-nodes + solicited-node of two addresses */

static const uint8_t mac_bcast[PKT_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[PKT_ETH_ALEN];
static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t ip_zero[16];

static const char *const drop_names[IPSTACK_DROP_COUNT] = {
    "malformed",   "not_our_mac", "not_our_ip",  "proto",      "fragment",   "nd_invalid",
    "no_port",     "unresolved",  "queue_full",  "neigh_full", "bad_frame",  "no_addr",
};

struct neigh {
    uint8_t state;          /* enum ipstack_neigh_state; NONE: on the free list */
    uint8_t version;        /* 4 or 6 */
    uint8_t ip[16];         /* next-hop address (IPv4: first 4 bytes, rest 0) */
    uint8_t mac[PKT_ETH_ALEN]; /* valid unless INCOMPLETE */
    uint32_t attempts;      /* requests sent in the current round */
    uint32_t qlen;          /* frames queued (INCOMPLETE only) */
    struct frame *qhead, *qtail; /* owned: queued frames, oldest first */
    sim_time_t confirmed;   /* last confirmation (REACHABLE) or last news */
    sim_event_id timer;     /* 0: none */
    uint32_t next_free;     /* free-list link */
};

struct port_slot {
    ipstack_rx_fn fn;       /* NULL: unbound */
    void *ctx;              /* owned by the binder */
};

struct ipstack {
    struct sim_engine *eng;  /* not owned */
    struct trace *trace;     /* not owned, may be NULL */
    struct frame_pool *pool; /* not owned */
    ipstack_tx_fn tx;
    void *tx_ctx;            /* not owned */
    char *name;
    trace_obj_t obj;
    struct ipstack_settings cfg; /* defaults applied; cfg.name points at name */
    uint8_t ll6[16];         /* derived link-local address */
    uint8_t groups[MAX_GROUPS][PKT_ETH_ALEN]; /* joined IPv6 multicast MACs */
    int ngroups;
    uint16_t ipv4_id;        /* next IPv4 identification */
    uint16_t next_ephemeral[PROTO_SLOTS];
    /* neighbour table */
    struct neigh *ent;       /* [cap] */
    uint32_t cap, used, free_head;
    uint32_t *slots;         /* [mask + 1] hash index */
    uint32_t mask;
    /* send cache: the neighbour entry of the last unicast destination sent
     * to (index + 1; 0: none), dropped whenever an entry is freed or
     * allocated or the settings change, so a hit is what the lookup finds */
    uint32_t sc_ent;
    uint8_t sc_version;
    uint8_t sc_dst[16];
    /* ports */
    struct port_slot *ports[PROTO_SLOTS][PORT_PAGES];
    struct ipstack_counters ctr;
};

static void neigh_timer__(struct sim_engine *eng, void *ctx, void *arg);

/* ---- small helpers ---- */

static int ip_len__(uint8_t version) { return version == 4 ? 4 : 16; }

static int ip6_is_link_local__(const uint8_t *a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

static int ip6_is_multicast__(const uint8_t *a) { return a[0] == 0xff; }

static int ip4_is_multicast__(const uint8_t *a) { return (a[0] & 0xf0) == 0xe0; }

static int ip4_is_bcast__(const uint8_t *a)
{
    return a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
}

static int prefix_match__(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a[full] & m) == (b[full] & m);
}

void ipstack_eui64_link_local(const uint8_t mac[PKT_ETH_ALEN], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    out[8] = mac[0] ^ 0x02; /* RFC 4291 appendix A: invert the U/L bit */
    out[9] = mac[1];
    out[10] = mac[2];
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = mac[3];
    out[14] = mac[4];
    out[15] = mac[5];
}

const char *ipstack_drop_name(enum ipstack_drop why)
{
    return (unsigned)why < IPSTACK_DROP_COUNT ? drop_names[why] : NULL;
}

/* The drop of a frame the stack owned.  Output drops are traced (the frame
 * was a transport's); input drops are only counted (the fabric floods). */
static void drop__(struct ipstack *s, struct frame *f, enum ipstack_drop why)
{
    s->ctr.drops[why]++;
    /* The reasons from UNRESOLVED on are output drops (enum order). */
    if (s->trace && why >= IPSTACK_DROP_UNRESOLVED) {
        struct trace_rec r = {.obj = s->obj,
                              .flow = f->flow_id,
                              .prio = f->priority,
                              .has = TRACE_HAS_PRIO | TRACE_HAS_VALUE,
                              .value = frame_wire_len(f),
                              .reason = trace_drop_reason_name(TRACE_DROP_NO_ROUTE),
                              .detail = drop_names[why]};
        trace_event(s->trace, sim_now(s->eng), TRACE_DROP, &r);
    }
    frame_unref(f);
}

static int tx__(struct ipstack *s, struct frame *f)
{
    s->ctr.tx_frames++;
    s->ctr.tx_bytes += frame_wire_len(f);
    int rc = s->tx(s->tx_ctx, f);
    if (rc != 0)
        s->ctr.tx_refused++;
    return rc;
}

/* ---- addresses ---- */

int ipstack_src_addr(const struct ipstack *s, uint8_t version, const uint8_t *dst, uint8_t *out)
{
    if (!s || !dst || !out)
        return -EINVAL;
    if (version == 4) {
        if (!s->cfg.has_ipv4)
            return -EADDRNOTAVAIL;
        memcpy(out, s->cfg.ipv4, 4);
        return 0;
    }
    if (version != 6)
        return -EINVAL;
    int dst_ll = ip6_is_link_local__(dst);
    const uint8_t *pick = s->ll6;
    if (s->cfg.has_ipv6 && (ip6_is_link_local__(s->cfg.ipv6) == dst_ll || !dst_ll))
        pick = s->cfg.ipv6;
    memcpy(out, pick, 16);
    return 0;
}

/* Is a an IPv6 address of ours? */
static int ip6_is_ours__(const struct ipstack *s, const uint8_t *a)
{
    return memcmp(a, s->ll6, 16) == 0 || (s->cfg.has_ipv6 && memcmp(a, s->cfg.ipv6, 16) == 0);
}

/* Is a the solicited-node group of one of our addresses? */
static int ip6_is_our_group__(const struct ipstack *s, const uint8_t *a)
{
    uint8_t g[16];
    pkt_ipv6_solicited_node(s->ll6, g);
    if (memcmp(a, g, 16) == 0)
        return 1;
    if (!s->cfg.has_ipv6)
        return 0;
    pkt_ipv6_solicited_node(s->cfg.ipv6, g);
    return memcmp(a, g, 16) == 0;
}

static void groups_compute__(struct ipstack *s)
{
    uint8_t g[16];
    s->ngroups = 0;
    pkt_eth_ipv6_mcast(ip6_all_nodes, s->groups[s->ngroups++]);
    pkt_ipv6_solicited_node(s->ll6, g);
    pkt_eth_ipv6_mcast(g, s->groups[s->ngroups++]);
    if (s->cfg.has_ipv6) {
        pkt_ipv6_solicited_node(s->cfg.ipv6, g);
        pkt_eth_ipv6_mcast(g, s->groups[s->ngroups]);
        if (memcmp(s->groups[s->ngroups], s->groups[1], PKT_ETH_ALEN) != 0)
            s->ngroups++;
    }
}

/* L2 filter: our MAC, broadcast, or an IPv6 group we joined. */
static int l2_accept__(const struct ipstack *s, const uint8_t *dst)
{
    if (memcmp(dst, s->cfg.mac, PKT_ETH_ALEN) == 0 || memcmp(dst, mac_bcast, PKT_ETH_ALEN) == 0)
        return 1;
    for (int i = 0; i < s->ngroups; i++)
        if (memcmp(dst, s->groups[i], PKT_ETH_ALEN) == 0)
            return 1;
    return 0;
}

/* The neighbour to resolve for dst: the gateway for an off-prefix
 * destination when one is configured, else dst (on-link). */
static void next_hop__(const struct ipstack *s, uint8_t version, const uint8_t *dst, uint8_t *nh)
{
    memset(nh, 0, 16);
    if (version == 4) {
        if (s->cfg.has_gateway4 && !prefix_match__(dst, s->cfg.ipv4, s->cfg.ipv4_prefix_len))
            memcpy(nh, s->cfg.gateway4, 4);
        else
            memcpy(nh, dst, 4);
        return;
    }
    int on_link = ip6_is_link_local__(dst) || !s->cfg.has_gateway6 ||
                  (s->cfg.has_ipv6 && prefix_match__(dst, s->cfg.ipv6, s->cfg.ipv6_prefix_len));
    memcpy(nh, on_link ? dst : s->cfg.gateway6, 16);
}

/* Is dst the directed broadcast of our IPv4 prefix (not for /31, /32)? */
static int ip4_is_subnet_bcast__(const struct ipstack *s, const uint8_t *dst)
{
    unsigned plen = s->cfg.ipv4_prefix_len;
    if (!s->cfg.has_ipv4 || plen > 30 || !prefix_match__(dst, s->cfg.ipv4, plen))
        return 0;
    uint32_t host_mask = plen == 0 ? UINT32_MAX : (UINT32_MAX >> plen);
    uint32_t a = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3];
    return (a & host_mask) == host_mask;
}

/* Multicast and broadcast destinations map to a MAC without resolution
 * (RFC 1112 6.4, RFC 2464 7).  Returns 1 and the MAC for those. */
static int mcast_mac__(const struct ipstack *s, uint8_t version, const uint8_t *dst,
                       uint8_t mac[PKT_ETH_ALEN])
{
    if (version == 6) {
        if (!ip6_is_multicast__(dst))
            return 0;
        pkt_eth_ipv6_mcast(dst, mac);
        return 1;
    }
    if (ip4_is_bcast__(dst) || ip4_is_subnet_bcast__(s, dst)) {
        memcpy(mac, mac_bcast, PKT_ETH_ALEN);
        return 1;
    }
    if (!ip4_is_multicast__(dst))
        return 0;
    mac[0] = 0x01;
    mac[1] = 0x00;
    mac[2] = 0x5e;
    mac[3] = dst[1] & 0x7f;
    mac[4] = dst[2];
    mac[5] = dst[3];
    return 1;
}

/* ---- neighbour table ---- */

static uint32_t neigh_hash__(uint8_t version, const uint8_t *ip)
{
    uint32_t h = 2166136261u ^ version; /* FNV-1a */
    for (int i = 0; i < ip_len__(version); i++)
        h = (h ^ ip[i]) * 16777619u;
    return h ^ (h >> 15);
}

static int neigh_key_eq__(const struct neigh *n, uint8_t version, const uint8_t *ip)
{
    return n->version == version && memcmp(n->ip, ip, (size_t)ip_len__(version)) == 0;
}

/* Slot index holding the entry for (version, ip), or the empty slot where
 * it would go. */
static uint32_t neigh_slot__(const struct ipstack *s, uint8_t version, const uint8_t *ip)
{
    uint32_t i = neigh_hash__(version, ip) & s->mask;
    while (s->slots[i] != IDX_EMPTY && !neigh_key_eq__(&s->ent[s->slots[i] - 1], version, ip))
        i = (i + 1) & s->mask;
    return i;
}

static struct neigh *neigh_find__(const struct ipstack *s, uint8_t version, const uint8_t *ip)
{
    uint32_t v = s->slots[neigh_slot__(s, version, ip)];
    return v == IDX_EMPTY ? NULL : &s->ent[v - 1];
}

static void neigh_timer_set__(struct ipstack *s, struct neigh *n, sim_time_t delay)
{
    if (n->timer)
        sim_cancel(s->eng, n->timer);
    n->timer = sim_schedule_in(s->eng, delay, neigh_timer__, s, n);
}

static void neigh_timer_stop__(struct ipstack *s, struct neigh *n)
{
    if (n->timer)
        sim_cancel(s->eng, n->timer);
    n->timer = 0;
}

/* Removes an entry (its queue must be empty or detached) and frees it. */
static void neigh_free__(struct ipstack *s, struct neigh *n)
{
    s->sc_ent = 0;
    neigh_timer_stop__(s, n);
    uint32_t i = neigh_slot__(s, n->version, n->ip);
    /* Backward-shift deletion: pull later entries of the probe run back. */
    for (uint32_t j = (i + 1) & s->mask; s->slots[j] != IDX_EMPTY; j = (j + 1) & s->mask) {
        const struct neigh *m = &s->ent[s->slots[j] - 1];
        uint32_t home = neigh_hash__(m->version, m->ip) & s->mask;
        /* m may move to i when its home is not cyclically in (i, j]. */
        if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = IDX_EMPTY;
    n->state = IPSTACK_NEIGH_NONE;
    n->qhead = n->qtail = NULL;
    n->qlen = 0;
    n->next_free = s->free_head;
    s->free_head = (uint32_t)(n - s->ent);
    s->used--;
}

/* A resolved entry to reuse when the table is full: the least recently
 * confirmed one (INCOMPLETE entries hold frames and are never taken). */
static struct neigh *neigh_victim__(struct ipstack *s)
{
    struct neigh *best = NULL;
    for (uint32_t i = 0; i < s->cap; i++) {
        struct neigh *n = &s->ent[i];
        if (n->state == IPSTACK_NEIGH_NONE || n->state == IPSTACK_NEIGH_INCOMPLETE)
            continue;
        if (!best || n->confirmed < best->confirmed)
            best = n;
    }
    return best;
}

/* A new, zeroed entry for (version, ip) (state NONE: the caller sets
 * it), or NULL when the table is full of resolutions in progress. */
static struct neigh *neigh_alloc__(struct ipstack *s, uint8_t version, const uint8_t *ip)
{
    if (s->used == s->cap) {
        struct neigh *v = neigh_victim__(s);
        if (!v)
            return NULL;
        neigh_free__(s, v);
    }
    s->sc_ent = 0;
    struct neigh *n = &s->ent[s->free_head];
    s->free_head = n->next_free;
    memset(n, 0, sizeof *n);
    n->version = version;
    memcpy(n->ip, ip, (size_t)ip_len__(version));
    s->slots[neigh_slot__(s, version, ip)] = (uint32_t)(n - s->ent) + 1;
    s->used++;
    return n;
}

/* The state with REACHABLE aged lazily into STALE. */
static enum ipstack_neigh_state neigh_state__(const struct ipstack *s, const struct neigh *n)
{
    if (n->state == IPSTACK_NEIGH_REACHABLE &&
        sim_now(s->eng) - n->confirmed >= s->cfg.reachable_time)
        return IPSTACK_NEIGH_STALE;
    return (enum ipstack_neigh_state)n->state;
}

/* ---- control frames ---- */

static struct frame *ctl_alloc__(struct ipstack *s)
{
    struct frame *f = frame_alloc(s->pool);
    if (f)
        f->t_created = sim_now(s->eng);
    return f;
}

static int arp_send__(struct ipstack *s, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
                      const uint8_t *tpa)
{
    struct frame *f = ctl_alloc__(s);
    if (!f)
        return -ENOMEM;
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.dst, eth_dst, PKT_ETH_ALEN);
    memcpy(l2.src, s->cfg.mac, PKT_ETH_ALEN);
    int err = pkt_arp_build(f, &l2, op, s->cfg.mac, s->cfg.ipv4, tha, tpa);
    if (err) {
        frame_unref(f);
        return err;
    }
    return tx__(s, f);
}

static int nd_send__(struct ipstack *s, uint8_t type, uint8_t flags, const uint8_t *eth_dst,
                     const uint8_t *ip_src, const uint8_t *ip_dst, const uint8_t *target)
{
    struct frame *f = ctl_alloc__(s);
    if (!f)
        return -ENOMEM;
    struct pkt_l2_spec l2 = {0};
    memcpy(l2.dst, eth_dst, PKT_ETH_ALEN);
    memcpy(l2.src, s->cfg.mac, PKT_ETH_ALEN);
    struct pkt_ip_spec ip = {.version = 6, .ttl = PKT_ND_HOP_LIMIT};
    memcpy(ip.src, ip_src, 16);
    memcpy(ip.dst, ip_dst, 16);
    struct pkt_nd_spec nd = {.type = type, .flags = flags, .has_lladdr = 1};
    memcpy(nd.target, target, 16);
    memcpy(nd.lladdr, s->cfg.mac, PKT_ETH_ALEN);
    int err = pkt_nd_build(f, &l2, &ip, &nd);
    if (err) {
        frame_unref(f);
        return err;
    }
    return tx__(s, f);
}

/* An ARP request or NS for n: broadcast / solicited-node multicast, or
 * with `probe` unicast to the cached MAC (RFC 4861 7.3.3 PROBE). */
static void solicit__(struct ipstack *s, struct neigh *n, int probe)
{
    n->attempts++;
    if (n->version == 4) {
        s->ctr.arp_req_tx++;
        s->ctr.arp_probe_tx += probe != 0;
        /* DYN-005 checks these on the team: broadcast, THA zero, SHA ours. */
        arp_send__(s, PKT_ARP_REQUEST, probe ? n->mac : mac_bcast, mac_zero, n->ip);
        return;
    }
    uint8_t src[16], dst[16], mac[PKT_ETH_ALEN];
    ipstack_src_addr(s, 6, n->ip, src);
    if (probe) {
        memcpy(dst, n->ip, 16);
        memcpy(mac, n->mac, PKT_ETH_ALEN);
    } else {
        /* RFC 4861 7.2.2: to the solicited-node group, 33:33:ff:xx:xx:xx. */
        pkt_ipv6_solicited_node(n->ip, dst);
        pkt_eth_ipv6_mcast(dst, mac);
    }
    s->ctr.ns_tx++;
    s->ctr.ns_probe_tx += probe != 0;
    nd_send__(s, PKT_ICMPV6_NS, 0, mac, src, dst, n->ip);
}

/* ---- neighbour state machine ---- */

/* emit__ for a frame that is ours alone: write the addresses (as cheap
 * as comparing them). */
static inline int emit_own__(struct ipstack *s, struct frame *f, const uint8_t *dst_mac)
{
    uint8_t *b = frame_data(f);
    memcpy(b, dst_mac, PKT_ETH_ALEN);
    memcpy(b + PKT_ETH_ALEN, s->cfg.mac, PKT_ETH_ALEN);
    return tx__(s, f);
}

/* Writes the Ethernet addresses into f's bytes and transmits it. */
static int emit__(struct ipstack *s, struct frame *f, const uint8_t *dst_mac)
{
    if (f->refcnt == 1)
        return emit_own__(s, f, dst_mac);
    const uint8_t *b = frame_cdata(f);
    if (memcmp(b, dst_mac, PKT_ETH_ALEN) != 0 ||
        memcmp(b + PKT_ETH_ALEN, s->cfg.mac, PKT_ETH_ALEN) != 0) {
        if (frame_make_writable(&f) != 0) {
            drop__(s, f, IPSTACK_DROP_BAD_FRAME);
            return -ENOMEM;
        }
        pkt_eth_set_dst(f, dst_mac);
        pkt_eth_set_src(f, s->cfg.mac);
    }
    return tx__(s, f);
}

/* Takes n's queue off it (the caller sends or drops the frames). */
static struct frame *neigh_detach_queue__(struct neigh *n)
{
    struct frame *q = n->qhead;
    n->qhead = n->qtail = NULL;
    n->qlen = 0;
    return q;
}

/* Transmits a detached queue to mac, oldest first. */
static void flush__(struct ipstack *s, struct frame *q, const uint8_t *mac)
{
    uint8_t dst[PKT_ETH_ALEN];
    memcpy(dst, mac, PKT_ETH_ALEN); /* the entry may change under tx */
    while (q) {
        struct frame *next = q->next;
        q->next = NULL;
        s->ctr.flushed++;
        emit__(s, q, dst);
        q = next;
    }
}

static void drop_queue__(struct ipstack *s, struct frame *q)
{
    while (q) {
        struct frame *next = q->next;
        q->next = NULL;
        drop__(s, q, IPSTACK_DROP_UNRESOLVED);
        q = next;
    }
}

/* (none) -> INCOMPLETE: the first request of a resolution. */
static void neigh_resolve__(struct ipstack *s, struct neigh *n)
{
    n->state = IPSTACK_NEIGH_INCOMPLETE;
    n->attempts = 0;
    neigh_timer_set__(s, n, s->cfg.retrans_time);
    solicit__(s, n, 0);
}

/* INCOMPLETE -> (none) after max_solicit requests: queued frames drop. */
static void neigh_fail__(struct ipstack *s, struct neigh *n)
{
    struct frame *q = neigh_detach_queue__(n);
    s->ctr.resolve_failed++;
    neigh_free__(s, n);
    drop_queue__(s, q);
}

/* A new MAC for n (or the same); returns the queue to flush if n was
 * INCOMPLETE (NULL otherwise). */
static struct frame *neigh_set_mac__(struct ipstack *s, struct neigh *n, const uint8_t *mac)
{
    struct frame *q = NULL;
    if (n->state == IPSTACK_NEIGH_INCOMPLETE) {
        s->ctr.resolved++;
        q = neigh_detach_queue__(n);
    } else if (memcmp(n->mac, mac, PKT_ETH_ALEN) != 0) {
        s->ctr.mac_changes++;
    }
    memcpy(n->mac, mac, PKT_ETH_ALEN);
    return q;
}

/* any -> REACHABLE: an ARP reply to us, a solicited NA, or the transport. */
static void neigh_confirm__(struct ipstack *s, struct neigh *n, const uint8_t *mac)
{
    neigh_timer_stop__(s, n);
    struct frame *q = neigh_set_mac__(s, n, mac);
    n->state = IPSTACK_NEIGH_REACHABLE;
    n->confirmed = sim_now(s->eng);
    n->attempts = 0;
    flush__(s, q, n->mac);
}

/* Unconfirmed news of n's MAC (ARP request or GARP from it, NS with SLLA,
 * unsolicited NA): INCOMPLETE or a different MAC -> STALE (RFC 4861 7.2.3,
 * 7.2.5; RFC 826's merge); the same MAC changes nothing. */
static void neigh_learn__(struct ipstack *s, struct neigh *n, const uint8_t *mac)
{
    if (n->state != IPSTACK_NEIGH_INCOMPLETE && memcmp(n->mac, mac, PKT_ETH_ALEN) == 0)
        return;
    neigh_timer_stop__(s, n);
    struct frame *q = neigh_set_mac__(s, n, mac);
    n->state = IPSTACK_NEIGH_STALE;
    n->confirmed = sim_now(s->eng);
    n->attempts = 0;
    flush__(s, q, n->mac);
}

/* (none) -> STALE: a neighbour that told us its MAC unasked (RFC 826's
 * "add the triplet" when we are the target; RFC 4861 7.2.3). */
static void neigh_add_stale__(struct ipstack *s, uint8_t version, const uint8_t *ip,
                              const uint8_t *mac)
{
    struct neigh *n = neigh_alloc__(s, version, ip);
    if (!n)
        return; /* full of resolutions in progress: not worth an eviction */
    memcpy(n->mac, mac, PKT_ETH_ALEN);
    n->state = IPSTACK_NEIGH_STALE;
    n->confirmed = sim_now(s->eng);
}

/* A frame goes to resolved n: STALE -> DELAY (RFC 4861 7.3.3). */
static void neigh_use__(struct ipstack *s, struct neigh *n)
{
    if (neigh_state__(s, n) != IPSTACK_NEIGH_STALE)
        return;
    n->state = IPSTACK_NEIGH_DELAY;
    neigh_timer_set__(s, n, s->cfg.delay_first_probe);
}

static void neigh_timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    struct ipstack *s = ctx;
    struct neigh *n = arg;
    n->timer = 0;
    switch (n->state) {
    case IPSTACK_NEIGH_INCOMPLETE:
        if (n->attempts >= s->cfg.max_solicit) {
            neigh_fail__(s, n);
            return;
        }
        neigh_timer_set__(s, n, s->cfg.retrans_time);
        solicit__(s, n, 0);
        return;
    case IPSTACK_NEIGH_DELAY:
        n->state = IPSTACK_NEIGH_PROBE;
        n->attempts = 0;
        neigh_timer_set__(s, n, s->cfg.retrans_time);
        solicit__(s, n, 1);
        return;
    case IPSTACK_NEIGH_PROBE:
        if (n->attempts >= s->cfg.max_solicit) {
            s->ctr.probe_failed++;
            neigh_free__(s, n);
            return;
        }
        neigh_timer_set__(s, n, s->cfg.retrans_time);
        solicit__(s, n, 1);
        return;
    default:
        return;
    }
}

/* Queues f on INCOMPLETE n; past max_queued the oldest frame drops. */
static void neigh_enqueue__(struct ipstack *s, struct neigh *n, struct frame *f)
{
    while (n->qlen >= s->cfg.max_queued && n->qhead) {
        struct frame *old = n->qhead;
        n->qhead = old->next;
        if (!n->qhead)
            n->qtail = NULL;
        old->next = NULL;
        n->qlen--;
        drop__(s, old, IPSTACK_DROP_QUEUE_FULL);
    }
    f->next = NULL;
    if (n->qtail)
        n->qtail->next = f;
    else
        n->qhead = f;
    n->qtail = f;
    n->qlen++;
    s->ctr.queued++;
}

/* ---- output ---- */

void ipstack_l2_spec(const struct ipstack *s, struct pkt_l2_spec *l2)
{
    memset(l2, 0, sizeof *l2);
    memcpy(l2->src, s->cfg.mac, PKT_ETH_ALEN);
}

int ipstack_ip_spec(struct ipstack *s, uint8_t version, const uint8_t *dst, uint8_t dscp,
                    uint8_t ecn, struct pkt_ip_spec *ip)
{
    if (!s || !dst || !ip || dscp > 63 || ecn > 3)
        return -EINVAL;
    memset(ip, 0, sizeof *ip);
    if (version == 4 && s->cfg.has_ipv4) {
        /* ipstack_src_addr's choice for IPv4, with fixed-size copies */
        memcpy(ip->src, s->cfg.ipv4, 4);
        memcpy(ip->dst, dst, 4);
    } else {
        int err = ipstack_src_addr(s, version, dst, ip->src);
        if (err)
            return err;
        memcpy(ip->dst, dst, (size_t)ip_len__(version));
    }
    ip->version = version;
    ip->dscp = dscp;
    ip->ecn = ecn;
    ip->ttl = s->cfg.hop_limit;
    if (version == 4)
        ip->id = s->ipv4_id++;
    return 0;
}

int ipstack_ipv4_next(struct ipstack *s, struct ipstack_ipv4_fields *out)
{
    if (!s || !out)
        return -EINVAL;
    if (!s->cfg.has_ipv4)
        return -EADDRNOTAVAIL;
    memcpy(out->src, s->cfg.ipv4, 4);
    out->ttl = s->cfg.hop_limit;
    out->id = s->ipv4_id++;
    return 0;
}

/* Reads the IP version and destination of an untagged IP frame. */
static int frame_ip_dst__(const struct frame *f, uint8_t *version, uint8_t dst[16])
{
    const uint8_t *b = frame_cdata(f);
    if (f->len < PKT_ETH_HLEN)
        return -EINVAL;
    uint16_t et = pkt_rd16(b + 12);
    const uint8_t *ip = b + PKT_ETH_HLEN;
    memset(dst, 0, 16);
    if (et == PKT_ETH_P_IPV4 && f->len >= PKT_ETH_HLEN + PKT_IPV4_HLEN && (ip[0] >> 4) == 4) {
        *version = 4;
        memcpy(dst, ip + 16, 4);
        return 0;
    }
    if (et == PKT_ETH_P_IPV6 && f->len >= PKT_ETH_HLEN + PKT_IPV6_HLEN && (ip[0] >> 4) == 6) {
        *version = 6;
        memcpy(dst, ip + 24, 16);
        return 0;
    }
    return -EINVAL;
}

/* The send cache's entry when f goes to the cached destination (what
 * frame_ip_dst__ and the cache test find, without copying the address),
 * else NULL. */
static struct neigh *send_cache_hit__(const struct ipstack *s, const struct frame *f)
{
    if (!s->sc_ent || f->len < PKT_ETH_HLEN + PKT_IPV4_HLEN)
        return NULL;
    const uint8_t *b = frame_cdata(f);
    uint16_t et = pkt_rd16(b + 12);
    const uint8_t *ip = b + PKT_ETH_HLEN;
    int hit;
    if (et == PKT_ETH_P_IPV4)
        hit = s->sc_version == 4 && s->cfg.has_ipv4 && (ip[0] >> 4) == 4 &&
              memcmp(s->sc_dst, ip + 16, 4) == 0;
    else
        hit = et == PKT_ETH_P_IPV6 && s->sc_version == 6 &&
              f->len >= PKT_ETH_HLEN + PKT_IPV6_HLEN && (ip[0] >> 4) == 6 &&
              memcmp(s->sc_dst, ip + 24, 16) == 0;
    return hit ? &s->ent[s->sc_ent - 1] : NULL;
}

/* ipstack_send past the send cache: read the destination, find (or make)
 * its next hop's entry, send, queue or drop. */
static int __attribute__((noinline)) send_lookup__(struct ipstack *s, struct frame *f)
{
    uint8_t version, dst[16], nh[16], mac[PKT_ETH_ALEN];
    if (frame_ip_dst__(f, &version, dst) != 0) {
        drop__(s, f, IPSTACK_DROP_BAD_FRAME);
        return -EINVAL;
    }
    if (version == 4 && !s->cfg.has_ipv4) {
        drop__(s, f, IPSTACK_DROP_NO_ADDR);
        return -EADDRNOTAVAIL;
    }
    size_t alen = (size_t)ip_len__(version);
    struct neigh *n;
    if (s->sc_ent && s->sc_version == version &&
        (version == 4 ? memcmp(s->sc_dst, dst, 4) : memcmp(s->sc_dst, dst, 16)) == 0) {
        n = &s->ent[s->sc_ent - 1]; /* a unicast destination: its next hop's entry */
    } else {
        if (mcast_mac__(s, version, dst, mac))
            return emit__(s, f, mac);
        next_hop__(s, version, dst, nh);
        n = neigh_find__(s, version, nh);
        if (n) {
            s->sc_ent = (uint32_t)(n - s->ent) + 1;
            s->sc_version = version;
            memcpy(s->sc_dst, dst, alen);
        }
    }
    if (n && n->state != IPSTACK_NEIGH_INCOMPLETE) {
        s->ctr.neigh_hits++;
        neigh_use__(s, n);
        return emit__(s, f, n->mac);
    }
    s->ctr.neigh_misses++;
    if (n) {
        neigh_enqueue__(s, n, f);
        return -EINPROGRESS;
    }
    n = neigh_alloc__(s, version, nh);
    if (!n) {
        drop__(s, f, IPSTACK_DROP_NEIGH_FULL);
        return -ENOBUFS;
    }
    n->state = IPSTACK_NEIGH_INCOMPLETE; /* queue first: the answer may be synchronous */
    neigh_enqueue__(s, n, f);
    neigh_resolve__(s, n);
    return -EINPROGRESS;
}

int ipstack_send(struct ipstack *s, struct frame *f)
{
    if (!s || !f) {
        frame_unref(f);
        return -EINVAL;
    }
    /* the common case first: a resolved, cached destination, the frame
     * ours alone (send_lookup__ does the same for it) */
    struct neigh *n = send_cache_hit__(s, f);
    if (n && n->state != IPSTACK_NEIGH_INCOMPLETE && f->refcnt == 1) {
        s->ctr.neigh_hits++;
        neigh_use__(s, n);
        return emit_own__(s, f, n->mac);
    }
    return send_lookup__(s, f);
}

int ipstack_send_udp(struct ipstack *s, const struct ipstack_udp *u)
{
    if (!s || !u || !u->dst || (u->version != 4 && u->version != 6))
        return -EINVAL;
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    ipstack_l2_spec(s, &l2);
    int err = ipstack_ip_spec(s, u->version, u->dst, u->dscp, u->ecn, &ip);
    if (err)
        return err;
    struct frame *f = frame_alloc(s->pool);
    if (!f)
        return -ENOMEM;
    err = pkt_udp_build(f, &l2, &ip, u->sport, u->dport, u->payload_len);
    if (err) {
        frame_unref(f);
        return err;
    }
    f->flow_id = u->flow_id;
    f->priority = u->priority & 7;
    f->t_created = sim_now(s->eng);
    return ipstack_send(s, f);
}

int ipstack_announce(struct ipstack *s)
{
    if (!s)
        return -EINVAL;
    int sent = 0, err;
    if (s->cfg.has_ipv4) {
        /* Gratuitous ARP as Windows sends it: a broadcast request for our
         * own address (SPA = TPA), THA zero. */
        if ((err = arp_send__(s, PKT_ARP_REQUEST, mac_bcast, mac_zero, s->cfg.ipv4)) != 0)
            return err;
        s->ctr.garp_tx++;
        sent++;
    }
    uint8_t all_nodes_mac[PKT_ETH_ALEN];
    pkt_eth_ipv6_mcast(ip6_all_nodes, all_nodes_mac);
    const uint8_t *addrs[2] = {s->ll6, s->cfg.has_ipv6 ? s->cfg.ipv6 : NULL};
    for (int i = 0; i < 2; i++) {
        if (!addrs[i])
            continue;
        /* RFC 4861 7.2.6: to all-nodes, Override set, Solicited clear. */
        err = nd_send__(s, PKT_ICMPV6_NA, PKT_ND_NA_OVERRIDE, all_nodes_mac, addrs[i],
                        ip6_all_nodes, addrs[i]);
        if (err)
            return err;
        s->ctr.una_tx++;
        sent++;
    }
    return sent;
}

/* ---- neighbour API ---- */

static int neigh_args__(const struct ipstack *s, uint8_t version, const uint8_t *dst)
{
    if (!s || !dst || (version != 4 && version != 6))
        return -EINVAL;
    if (version == 4 && !s->cfg.has_ipv4)
        return -EADDRNOTAVAIL;
    return 0;
}

int ipstack_neigh_lookup(const struct ipstack *s, uint8_t version, const uint8_t *dst,
                         uint8_t mac[PKT_ETH_ALEN])
{
    int err = neigh_args__(s, version, dst);
    if (err)
        return err;
    uint8_t nh[16], m[PKT_ETH_ALEN];
    if (mcast_mac__(s, version, dst, m)) {
        if (mac)
            memcpy(mac, m, PKT_ETH_ALEN);
        return 0;
    }
    next_hop__(s, version, dst, nh);
    const struct neigh *n = neigh_find__(s, version, nh);
    if (!n)
        return -ENOENT;
    if (n->state == IPSTACK_NEIGH_INCOMPLETE)
        return -EAGAIN;
    if (mac)
        memcpy(mac, n->mac, PKT_ETH_ALEN);
    return 0;
}

int ipstack_resolve(struct ipstack *s, uint8_t version, const uint8_t *dst)
{
    int err = neigh_args__(s, version, dst);
    if (err)
        return err;
    uint8_t nh[16], m[PKT_ETH_ALEN];
    if (mcast_mac__(s, version, dst, m))
        return 0;
    next_hop__(s, version, dst, nh);
    struct neigh *n = neigh_find__(s, version, nh);
    if (n)
        return n->state == IPSTACK_NEIGH_INCOMPLETE ? -EINPROGRESS : 0;
    if (!(n = neigh_alloc__(s, version, nh)))
        return -ENOBUFS;
    neigh_resolve__(s, n);
    return -EINPROGRESS;
}

int ipstack_neigh_confirm(struct ipstack *s, uint8_t version, const uint8_t *dst)
{
    int err = neigh_args__(s, version, dst);
    if (err)
        return err;
    uint8_t nh[16];
    next_hop__(s, version, dst, nh);
    struct neigh *n = neigh_find__(s, version, nh);
    if (!n || n->state == IPSTACK_NEIGH_INCOMPLETE)
        return -ENOENT;
    uint8_t mac[PKT_ETH_ALEN];
    memcpy(mac, n->mac, PKT_ETH_ALEN);
    neigh_confirm__(s, n, mac);
    return 0;
}

enum ipstack_neigh_state ipstack_neigh_state(const struct ipstack *s, uint8_t version,
                                             const uint8_t *ip)
{
    if (!s || !ip || (version != 4 && version != 6))
        return IPSTACK_NEIGH_NONE;
    uint8_t key[16] = {0};
    memcpy(key, ip, (size_t)ip_len__(version));
    const struct neigh *n = neigh_find__(s, version, key);
    return n ? neigh_state__(s, n) : IPSTACK_NEIGH_NONE;
}

uint32_t ipstack_neigh_queued(const struct ipstack *s, uint8_t version, const uint8_t *ip)
{
    if (!s || !ip || (version != 4 && version != 6))
        return 0;
    uint8_t key[16] = {0};
    memcpy(key, ip, (size_t)ip_len__(version));
    const struct neigh *n = neigh_find__(s, version, key);
    return n ? n->qlen : 0;
}

size_t ipstack_neigh_count(const struct ipstack *s) { return s ? s->used : 0; }

/* ---- input ---- */

static int proto_index__(uint8_t proto)
{
    return proto == PKT_IPPROTO_UDP ? 0 : proto == PKT_IPPROTO_TCP ? 1 : -1;
}

/* The slot of (proto, port), NULL when its page was never allocated. */
static struct port_slot *port_slot__(struct port_slot *const pages[PROTO_SLOTS][PORT_PAGES],
                                     uint8_t proto, uint16_t port)
{
    int p = proto_index__(proto);
    if (p < 0 || !pages[p][port >> 8])
        return NULL;
    return &pages[p][port >> 8][port & 0xff];
}

/* Inlined into both input paths: the demux is most of the fast one. */
static inline __attribute__((always_inline)) void
deliver__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    if (!(pi->layers & (PKT_HAS_UDP | PKT_HAS_TCP))) {
        drop__(s, f, IPSTACK_DROP_PROTO);
        return;
    }
    const struct port_slot *slot = port_slot__(s->ports, pi->ip_proto, pi->dport);
    if (!slot || !slot->fn) {
        drop__(s, f, IPSTACK_DROP_NO_PORT);
        return;
    }
    if (pi->layers & PKT_HAS_UDP)
        s->ctr.rx_udp++;
    else
        s->ctr.rx_tcp++;
    slot->fn(slot->ctx, s, f, pi);
}

static void arp_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    s->ctr.rx_arp++;
    if (pi->arp_op == PKT_ARP_REQUEST)
        s->ctr.arp_req_rx++;
    else if (pi->arp_op == PKT_ARP_REPLY)
        s->ctr.arp_reply_rx++;
    int for_us = s->cfg.has_ipv4 && memcmp(pi->arp_tpa, s->cfg.ipv4, 4) == 0;
    int sender_ok = memcmp(pi->arp_spa, ip_zero, 4) != 0 && !pkt_mac_is_multicast(pi->arp_sha) &&
                    memcmp(pi->arp_sha, mac_zero, PKT_ETH_ALEN) != 0;
    int updated = 0;
    if (s->cfg.has_ipv4 && memcmp(pi->arp_spa, s->cfg.ipv4, 4) == 0) {
        /* Someone else claims our address (a GARP of ours reflected back
         * carries our own MAC and is just ignored). */
        if (memcmp(pi->arp_sha, s->cfg.mac, PKT_ETH_ALEN) != 0)
            s->ctr.addr_conflicts++;
        frame_unref(f);
        return;
    }
    if (sender_ok) {
        uint8_t key[16] = {0};
        memcpy(key, pi->arp_spa, 4);
        struct neigh *n = neigh_find__(s, 4, key);
        if (n) {
            /* RFC 826: merge the sender into an existing entry. */
            if (pi->arp_op == PKT_ARP_REPLY && for_us &&
                memcmp(pi->dst, s->cfg.mac, PKT_ETH_ALEN) == 0)
                neigh_confirm__(s, n, pi->arp_sha);
            else
                neigh_learn__(s, n, pi->arp_sha);
            updated = 1;
        } else if (for_us && pi->arp_op == PKT_ARP_REQUEST) {
            neigh_add_stale__(s, 4, key, pi->arp_sha); /* ... and add it when we are the target */
            updated = 1;
        }
    }
    if (for_us && pi->arp_op == PKT_ARP_REQUEST) {
        uint8_t sha[PKT_ETH_ALEN], spa[4];
        memcpy(sha, pi->arp_sha, PKT_ETH_ALEN);
        memcpy(spa, pi->arp_spa, 4);
        frame_unref(f);
        s->ctr.arp_reply_tx++;
        arp_send__(s, PKT_ARP_REPLY, sha, sha, spa);
        return;
    }
    if (!for_us && !updated)
        s->ctr.arp_ignored++;
    frame_unref(f);
}

/* NS for one of our addresses: learn the solicitor, answer with an NA. */
static void ns_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    s->ctr.ns_rx++;
    int from_unspec = memcmp(pi->ip_src, ip_zero, 16) == 0;
    /* RFC 4861 7.1.1: an NS from :: goes to a solicited-node group and
     * carries no SLLA. */
    if (from_unspec && (!ip6_is_multicast__(pi->ip_dst) || (pi->layers & PKT_HAS_ND_LLADDR))) {
        drop__(s, f, IPSTACK_DROP_ND_INVALID);
        return;
    }
    if (!ip6_is_ours__(s, pi->nd_target)) {
        s->ctr.nd_ignored++;
        frame_unref(f);
        return;
    }
    uint8_t target[16], src[16], mac[PKT_ETH_ALEN], all_nodes_mac[PKT_ETH_ALEN];
    memcpy(target, pi->nd_target, 16);
    memcpy(src, pi->ip_src, 16);
    memcpy(mac, (pi->layers & PKT_HAS_ND_LLADDR) ? pi->nd_lladdr : pi->src, PKT_ETH_ALEN);
    int has_slla = (pi->layers & PKT_HAS_ND_LLADDR) != 0;
    frame_unref(f);
    s->ctr.na_tx++;
    if (from_unspec) {
        /* RFC 4861 7.2.4: answer a DAD probe to all-nodes, not solicited. */
        pkt_eth_ipv6_mcast(ip6_all_nodes, all_nodes_mac);
        nd_send__(s, PKT_ICMPV6_NA, PKT_ND_NA_OVERRIDE, all_nodes_mac, target, ip6_all_nodes,
                  target);
        return;
    }
    if (has_slla && !pkt_mac_is_multicast(mac)) {
        /* RFC 4861 7.2.3: create or update the solicitor's entry. */
        struct neigh *n = neigh_find__(s, 6, src);
        if (n)
            neigh_learn__(s, n, mac);
        else
            neigh_add_stale__(s, 6, src, mac);
    }
    nd_send__(s, PKT_ICMPV6_NA, PKT_ND_NA_SOLICITED | PKT_ND_NA_OVERRIDE, mac, target, src,
              target);
}

/* NA: RFC 4861 7.2.5 on an existing entry. */
static void na_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    s->ctr.na_rx++;
    uint8_t flags = pi->nd_flags;
    if ((flags & PKT_ND_NA_SOLICITED) && ip6_is_multicast__(pi->ip_dst)) {
        drop__(s, f, IPSTACK_DROP_ND_INVALID); /* RFC 4861 7.1.2 */
        return;
    }
    int has_tlla = (pi->layers & PKT_HAS_ND_LLADDR) != 0;
    if (ip6_is_ours__(s, pi->nd_target)) {
        if (has_tlla && memcmp(pi->nd_lladdr, s->cfg.mac, PKT_ETH_ALEN) != 0)
            s->ctr.addr_conflicts++;
        frame_unref(f);
        return;
    }
    struct neigh *n = neigh_find__(s, 6, pi->nd_target);
    if (!n || (!has_tlla && n->state == IPSTACK_NEIGH_INCOMPLETE) ||
        (has_tlla && pkt_mac_is_multicast(pi->nd_lladdr))) {
        s->ctr.nd_ignored++;
        frame_unref(f);
        return;
    }
    uint8_t mac[PKT_ETH_ALEN];
    memcpy(mac, has_tlla ? pi->nd_lladdr : n->mac, PKT_ETH_ALEN);
    frame_unref(f);
    int differs = n->state != IPSTACK_NEIGH_INCOMPLETE && memcmp(mac, n->mac, PKT_ETH_ALEN) != 0;
    if (differs && !(flags & PKT_ND_NA_OVERRIDE)) {
        /* Not allowed to replace the MAC: a REACHABLE entry turns STALE. */
        if (neigh_state__(s, n) == IPSTACK_NEIGH_REACHABLE)
            n->state = IPSTACK_NEIGH_STALE;
        return;
    }
    if (flags & PKT_ND_NA_SOLICITED)
        neigh_confirm__(s, n, mac);
    else
        neigh_learn__(s, n, mac);
}

static void icmp6_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    if (!(pi->layers & PKT_HAS_ND)) {
        drop__(s, f, IPSTACK_DROP_PROTO);
        return;
    }
    /* RFC 4861 7.1.1 / 7.1.2: hop limit 255 (never forwarded), code 0. */
    if (pi->ttl != PKT_ND_HOP_LIMIT || pi->icmp6_code != 0 ||
        ip6_is_multicast__(pi->nd_target)) {
        drop__(s, f, IPSTACK_DROP_ND_INVALID);
        return;
    }
    s->ctr.rx_nd++;
    if (pi->icmp6_type == PKT_ICMPV6_NS)
        ns_input__(s, f, pi);
    else
        na_input__(s, f, pi);
}

static void ipv4_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    if (!s->cfg.has_ipv4 || memcmp(pi->ip_dst, s->cfg.ipv4, 4) != 0) {
        drop__(s, f, IPSTACK_DROP_NOT_OUR_IP);
        return;
    }
    if (pi->layers & PKT_HAS_IP_FRAG) {
        drop__(s, f, IPSTACK_DROP_FRAGMENT);
        return;
    }
    s->ctr.rx_ipv4++;
    deliver__(s, f, pi);
}

static void ipv6_input__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    int unicast = ip6_is_ours__(s, pi->ip_dst);
    int group = !unicast && (memcmp(pi->ip_dst, ip6_all_nodes, 16) == 0 ||
                             ip6_is_our_group__(s, pi->ip_dst));
    int nd = (pi->layers & PKT_HAS_ND) != 0;
    if (!unicast && !(group && nd)) {
        drop__(s, f, IPSTACK_DROP_NOT_OUR_IP);
        return;
    }
    if (pi->layers & PKT_HAS_IP_FRAG) {
        drop__(s, f, IPSTACK_DROP_FRAGMENT);
        return;
    }
    s->ctr.rx_ipv6++;
    if (pi->ip_proto == PKT_IPPROTO_ICMPV6)
        icmp6_input__(s, f, pi);
    else
        deliver__(s, f, pi);
}

/* The frame most hosts receive: IPv4 to our own MAC and address, not a
 * fragment.  Every such frame passes the general path's L2 filter, is
 * neither ARP nor IPv6, and reaches deliver__ there after the same counter,
 * so taking it here changes nothing but the instructions spent. */
static inline int ipv4_unicast_to_us__(const struct ipstack *s, const struct pkt_info *pi)
{
    return (pi->layers & (PKT_HAS_IPV4 | PKT_HAS_ARP | PKT_HAS_IP_FRAG)) == PKT_HAS_IPV4 &&
           s->cfg.has_ipv4 && memcmp(pi->ip_dst, s->cfg.ipv4, 4) == 0 &&
           memcmp(pi->dst, s->cfg.mac, PKT_ETH_ALEN) == 0;
}

/* Every parsed frame's way through the L2 filter, ARP, IPv4 and IPv6
 * (ipstack_input's general path; out of line, so that the fast path saves
 * no registers for it). */
static void __attribute__((noinline))
input_general__(struct ipstack *s, struct frame *f, const struct pkt_info *pi)
{
    if (!l2_accept__(s, pi->dst)) {
        drop__(s, f, IPSTACK_DROP_NOT_OUR_MAC);
        return;
    }
    if ((pi->layers & PKT_HAS_ARP) &&
        (pi->arp_op == PKT_ARP_REQUEST || pi->arp_op == PKT_ARP_REPLY))
        arp_input__(s, f, pi);
    else if (pi->layers & PKT_HAS_IPV4)
        ipv4_input__(s, f, pi);
    else if (pi->layers & PKT_HAS_IPV6)
        ipv6_input__(s, f, pi);
    else
        drop__(s, f, IPSTACK_DROP_PROTO);
}

/* ipstack_input() with fast = 0: the general path for every frame (the
 * tests' reference, ipstack_int.h). */
static inline __attribute__((always_inline)) void
input__(struct ipstack *s, struct frame *f, int fast)
{
    if (!s || !f) {
        frame_unref(f);
        return;
    }
    s->ctr.rx_frames++;
    s->ctr.rx_bytes += frame_wire_len(f);
    struct pkt_info pi;
    if (pkt_parse(f, &pi) != 0) {
        drop__(s, f, IPSTACK_DROP_MALFORMED);
        return;
    }
    if (fast && ipv4_unicast_to_us__(s, &pi)) {
        s->ctr.rx_ipv4++;
        deliver__(s, f, &pi);
        return;
    }
    input_general__(s, f, &pi);
}

void ipstack_input(struct ipstack *s, struct frame *f) { input__(s, f, 1); }

void ipstack_input_general__(struct ipstack *s, struct frame *f) { input__(s, f, 0); }

void ipstack_input_cb(void *stack, struct frame *f) { ipstack_input(stack, f); }

/* ---- ports ---- */

int ipstack_bind(struct ipstack *s, uint8_t proto, uint16_t port, ipstack_rx_fn fn, void *ctx)
{
    int p = proto_index__(proto);
    if (!s || !fn || port == 0 || p < 0)
        return -EINVAL;
    struct port_slot **page = &s->ports[p][port >> 8];
    if (!*page && !(*page = calloc(PORT_PAGE, sizeof **page)))
        return -ENOMEM;
    struct port_slot *slot = &(*page)[port & 0xff];
    if (slot->fn)
        return -EADDRINUSE;
    slot->fn = fn;
    slot->ctx = ctx;
    return 0;
}

int ipstack_bind_ephemeral(struct ipstack *s, uint8_t proto, ipstack_rx_fn fn, void *ctx)
{
    int p = proto_index__(proto);
    if (!s || !fn || p < 0)
        return -EINVAL;
    const uint32_t span = IPSTACK_EPHEMERAL_LAST - IPSTACK_EPHEMERAL_FIRST + 1;
    uint32_t start = s->next_ephemeral[p] - IPSTACK_EPHEMERAL_FIRST;
    for (uint32_t i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(IPSTACK_EPHEMERAL_FIRST + (start + i) % span);
        int err = ipstack_bind(s, proto, port, fn, ctx);
        if (err == -EADDRINUSE)
            continue;
        if (err)
            return err;
        s->next_ephemeral[p] = (uint16_t)(IPSTACK_EPHEMERAL_FIRST + (start + i + 1) % span);
        return port;
    }
    return -EADDRINUSE;
}

int ipstack_unbind(struct ipstack *s, uint8_t proto, uint16_t port)
{
    if (!s)
        return -EINVAL;
    struct port_slot *slot = port_slot__(s->ports, proto, port);
    if (!slot || !slot->fn)
        return -ENOENT;
    slot->fn = NULL;
    slot->ctx = NULL;
    return 0;
}

/* ---- lifecycle ---- */

void ipstack_settings_default(struct ipstack_settings *s, const char *name,
                              const uint8_t mac[PKT_ETH_ALEN])
{
    memset(s, 0, sizeof *s);
    s->name = name;
    if (mac)
        memcpy(s->mac, mac, PKT_ETH_ALEN);
    s->ipv4_prefix_len = 24;
    s->ipv6_prefix_len = 64;
    s->reachable_time = IPSTACK_DEFAULT_REACHABLE;
    s->retrans_time = IPSTACK_DEFAULT_RETRANS;
    s->delay_first_probe = IPSTACK_DEFAULT_DELAY_PROBE;
    s->max_solicit = IPSTACK_DEFAULT_MAX_SOLICIT;
    s->max_queued = IPSTACK_DEFAULT_MAX_QUEUED;
    s->max_neighbors = IPSTACK_DEFAULT_MAX_NEIGHBORS;
    s->hop_limit = IPSTACK_DEFAULT_HOP_LIMIT;
}

/* Validates settings and fills in the defaults of zero fields. */
static int settings_normalize__(const struct ipstack_settings *in, struct ipstack_settings *out)
{
    if (!in || !in->name || !in->name[0] || pkt_mac_is_multicast(in->mac) ||
        memcmp(in->mac, mac_zero, PKT_ETH_ALEN) == 0 || in->ipv4_prefix_len > 32 ||
        in->ipv6_prefix_len > 128)
        return -EINVAL;
    if (in->has_ipv6 && (ip6_is_multicast__(in->ipv6) || memcmp(in->ipv6, ip_zero, 16) == 0))
        return -EINVAL;
    if (in->has_ipv4 && (ip4_is_multicast__(in->ipv4) || ip4_is_bcast__(in->ipv4) ||
                         memcmp(in->ipv4, ip_zero, 4) == 0))
        return -EINVAL;
    *out = *in;
    if (!out->reachable_time)
        out->reachable_time = IPSTACK_DEFAULT_REACHABLE;
    if (!out->retrans_time)
        out->retrans_time = IPSTACK_DEFAULT_RETRANS;
    if (!out->delay_first_probe)
        out->delay_first_probe = IPSTACK_DEFAULT_DELAY_PROBE;
    if (!out->max_solicit)
        out->max_solicit = IPSTACK_DEFAULT_MAX_SOLICIT;
    if (!out->max_queued)
        out->max_queued = IPSTACK_DEFAULT_MAX_QUEUED;
    if (!out->max_neighbors)
        out->max_neighbors = IPSTACK_DEFAULT_MAX_NEIGHBORS;
    if (!out->hop_limit)
        out->hop_limit = IPSTACK_DEFAULT_HOP_LIMIT;
    return 0;
}

static void addresses_apply__(struct ipstack *s)
{
    ipstack_eui64_link_local(s->cfg.mac, s->ll6);
    groups_compute__(s);
}

struct ipstack *ipstack_create(struct sim_engine *eng, struct trace *trace,
                               struct frame_pool *pool, const struct ipstack_settings *settings,
                               ipstack_tx_fn tx, void *tx_ctx)
{
    struct ipstack_settings cfg;
    if (!eng || !pool || !tx || settings_normalize__(settings, &cfg) != 0) {
        errno = EINVAL;
        return NULL;
    }
    int err = ENOMEM;
    struct ipstack *s = calloc(1, sizeof *s);
    if (!s)
        goto fail_alloc;
    s->eng = eng;
    s->trace = trace;
    s->pool = pool;
    s->tx = tx;
    s->tx_ctx = tx_ctx;
    if (!(s->name = strdup(cfg.name)))
        goto fail_name;
    s->cfg = cfg;
    s->cfg.name = s->name;
    s->cap = cfg.max_neighbors;
    uint32_t size = 4;
    while (size < 2 * s->cap)
        size <<= 1;
    s->mask = size - 1;
    if (!(s->ent = calloc(s->cap, sizeof *s->ent)))
        goto fail_ent;
    if (!(s->slots = calloc(size, sizeof *s->slots)))
        goto fail_slots;
    for (uint32_t i = 0; i < s->cap; i++)
        s->ent[i].next_free = i + 1;
    s->free_head = 0;
    s->ipv4_id = 1;
    s->next_ephemeral[0] = s->next_ephemeral[1] = IPSTACK_EPHEMERAL_FIRST;
    addresses_apply__(s);
    if (trace) {
        int id = trace_object(trace, s->name, "ipstack");
        if (id < 0) {
            err = -id;
            goto fail_trace;
        }
        s->obj = (trace_obj_t)id;
    }
    return s;

fail_trace:
    free(s->slots);
fail_slots:
    free(s->ent);
fail_ent:
    free(s->name);
fail_name:
    free(s);
fail_alloc:
    errno = err;
    return NULL;
}

void ipstack_neigh_flush(struct ipstack *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->cap; i++) {
        struct neigh *n = &s->ent[i];
        if (n->state == IPSTACK_NEIGH_NONE)
            continue;
        struct frame *q = neigh_detach_queue__(n);
        neigh_free__(s, n);
        drop_queue__(s, q);
    }
}

int ipstack_reconfigure(struct ipstack *s, const struct ipstack_settings *settings)
{
    struct ipstack_settings cfg;
    if (!s || settings_normalize__(settings, &cfg) != 0)
        return -EINVAL;
    cfg.name = s->name;
    cfg.max_neighbors = s->cfg.max_neighbors;
    int moved = memcmp(cfg.mac, s->cfg.mac, PKT_ETH_ALEN) != 0 ||
                cfg.has_ipv4 != s->cfg.has_ipv4 || memcmp(cfg.ipv4, s->cfg.ipv4, 4) != 0 ||
                cfg.has_ipv6 != s->cfg.has_ipv6 || memcmp(cfg.ipv6, s->cfg.ipv6, 16) != 0;
    if (moved)
        ipstack_neigh_flush(s);
    s->cfg = cfg;
    s->sc_ent = 0;
    addresses_apply__(s);
    /* A smaller queue limit trims the queues from their oldest frame. */
    for (uint32_t i = 0; i < s->cap; i++) {
        struct neigh *n = &s->ent[i];
        while (n->qlen > s->cfg.max_queued) {
            struct frame *old = n->qhead;
            n->qhead = old->next;
            if (!n->qhead)
                n->qtail = NULL;
            old->next = NULL;
            n->qlen--;
            drop__(s, old, IPSTACK_DROP_QUEUE_FULL);
        }
    }
    return 0;
}

void ipstack_destroy(struct ipstack *s)
{
    if (!s)
        return;
    /* The engine is gone by now (models are destroyed after it): nothing
     * to cancel.  Queued frames go back to their pool. */
    for (uint32_t i = 0; i < s->cap; i++) {
        struct neigh *n = &s->ent[i];
        for (struct frame *q = n->qhead, *next; q; q = next) {
            next = q->next;
            q->next = NULL;
            frame_unref(q);
        }
    }
    for (int p = 0; p < PROTO_SLOTS; p++)
        for (int i = 0; i < PORT_PAGES; i++)
            free(s->ports[p][i]);
    free(s->slots);
    free(s->ent);
    free(s->name);
    free(s);
}

/* ---- inspection ---- */

const struct ipstack_counters *ipstack_counters(const struct ipstack *s)
{
    return s ? &s->ctr : NULL;
}
const char *ipstack_name(const struct ipstack *s) { return s ? s->name : NULL; }
const uint8_t *ipstack_mac(const struct ipstack *s) { return s ? s->cfg.mac : NULL; }
const uint8_t *ipstack_ipv6_link_local(const struct ipstack *s) { return s ? s->ll6 : NULL; }

int ipstack_check(const struct ipstack *s)
{
    if (!s)
        return -EINVAL;
    uint32_t used = 0, indexed = 0, free_len = 0;
    for (uint32_t i = 0; i <= s->mask; i++)
        indexed += s->slots[i] != IDX_EMPTY;
    for (uint32_t i = s->free_head; i < s->cap; i = s->ent[i].next_free) {
        if (s->ent[i].state != IPSTACK_NEIGH_NONE || ++free_len > s->cap)
            return -EINVAL;
    }
    for (uint32_t i = 0; i < s->cap; i++) {
        const struct neigh *n = &s->ent[i];
        if (n->state == IPSTACK_NEIGH_NONE)
            continue;
        used++;
        if (neigh_find__(s, n->version, n->ip) != n)
            return -EINVAL;
        uint32_t qlen = 0;
        const struct frame *last = NULL;
        for (const struct frame *q = n->qhead; q; q = q->next) {
            last = q;
            if (++qlen > s->cfg.max_queued)
                return -EINVAL;
        }
        if (qlen != n->qlen || last != n->qtail)
            return -EINVAL;
        if (qlen && n->state != IPSTACK_NEIGH_INCOMPLETE)
            return -EINVAL;
        int timed = n->state == IPSTACK_NEIGH_INCOMPLETE || n->state == IPSTACK_NEIGH_DELAY ||
                    n->state == IPSTACK_NEIGH_PROBE;
        if (timed != (n->timer != 0))
            return -EINVAL;
    }
    if (used != s->used || indexed != used || used + free_len != s->cap)
        return -EINVAL;
    return 0;
}
