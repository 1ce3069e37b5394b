/* ipstack: the IP endpoint of one vNIC (a VM vNIC or a host vNIC): ARP and
 * IPv6 Neighbor Discovery, IPv4/IPv6 input filtering, UDP/TCP demultiplexing
 * by destination port, and neighbour resolution for the transports above.
 *
 * Wiring.  Frames leave through the tx callback (the vmswitch port: untagged
 * frames, the vmswitch adds VLAN and priority tags) and arrive through
 * ipstack_input() (untagged, already switched to this vNIC).  Every frame is
 * built with the sim-core/pkt.h codecs and decided from its bytes.
 *
 * Addresses.  One MAC; an optional IPv4 address; the IPv6 link-local
 * address fe80::/64 derived from the MAC by modified EUI-64 (RFC 4291
 * 2.5.1 and appendix A: ff:fe inserted, the U/L bit flipped), always; and an
 * optional configured IPv6 address (global or link-local).  The stack
 * listens on its MAC, on ff:ff:ff:ff:ff:ff, on the all-nodes group ff02::1
 * (33:33:00:00:00:01) and on the solicited-node group of each IPv6 address
 * (33:33:ff:xx:xx:xx).  Model choice: real Windows derives random interface
 * identifiers (Set-NetIPv6Protocol -RandomizeIdentifiers); EUI-64 keeps the
 * addresses a function of the MAC, so traces stay reproducible.
 *
 * Output contract for transports (ipstack_send):
 *  1. Build the whole frame with the pkt codecs: untagged Ethernet, then
 *     IPv4 or IPv6, then L4.  ipstack_l2_spec() gives the Ethernet spec
 *     (source = the stack's MAC, destination a placeholder) and
 *     ipstack_ip_spec() the IP spec (source address selected for the
 *     destination, TTL/hop limit, IPv4 identification).  A transport that
 *     writes IPv4 headers from its own template takes the same fields
 *     from ipstack_ipv4_next().
 *  2. Hand it to ipstack_send(), which always takes the reference.  The
 *     stack reads the IP version and destination from the bytes, picks the
 *     next hop (the gateway for an off-prefix destination when one is
 *     configured, else the destination itself: everything is on-link),
 *     and writes the neighbour's MAC as the Ethernet destination (and its
 *     own MAC as the source) in the bytes.  A shared frame is copied first
 *     (frame_make_writable), so a transport may keep a reference for
 *     retransmission.  Multicast and broadcast destinations (IPv4 224/4,
 *     255.255.255.255 and our prefix's directed broadcast, IPv6 ff00::/8)
 *     get their mapped MAC at once, without resolution.
 *  3. Unresolved next hop: the frame is queued on the neighbour entry (at
 *     most max_queued; past that the oldest queued frame is dropped, as
 *     Linux does), a request goes out, and on resolution the queue is
 *     transmitted in order.  After max_solicit unanswered requests the
 *     queued frames are dropped, counted and traced.
 *  A transport that wants to avoid queueing calls ipstack_neigh_lookup()
 *  first and ipstack_resolve() to start a resolution without a frame.
 *
 * Neighbour cache (ARP for IPv4, ND for IPv6), after RFC 4861 7.3 with the
 * timers Windows uses (see the defaults below).  One entry per next hop:
 *
 *   state       event                                next        function
 *   ----------  -----------------------------------  ----------  ----------------
 *   (none)      frame to send / ipstack_resolve()    INCOMPLETE  neigh_resolve__
 *   (none)      ARP request for us, NS with SLLA     STALE       neigh_add_stale__
 *   INCOMPLETE  retrans timer, < max_solicit sent    INCOMPLETE  neigh_timer__
 *   INCOMPLETE  retrans timer, max_solicit sent      (none)      neigh_fail__
 *   any         ARP reply to us / solicited NA       REACHABLE   neigh_confirm__
 *   any         ipstack_neigh_confirm() (transport)  REACHABLE   neigh_confirm__
 *   INCOMPLETE  ARP request or GARP from it, NS      STALE       neigh_learn__
 *               from it, unsolicited NA
 *   resolved    the same with a different MAC        STALE       neigh_learn__
 *               (NA: only with the Override flag)
 *   REACHABLE   reachable_time since confirmation    STALE       neigh_state__
 *   STALE       frame sent                           DELAY       neigh_use__
 *   DELAY       delay_first_probe elapsed            PROBE       neigh_timer__
 *   PROBE       retrans timer, < max_solicit sent    PROBE       neigh_timer__
 *   PROBE       retrans timer, max_solicit sent      (none)      neigh_timer__
 *
 * Invariants (ipstack_check): frames are queued only on INCOMPLETE entries,
 * at most max_queued of them; an entry has a pending timer exactly when it
 * is INCOMPLETE, DELAY or PROBE; every entry is found by its key.
 * Resolved entries (REACHABLE, STALE, DELAY, PROBE) transmit at once with
 * their MAC.  REACHABLE turns STALE lazily, on use, without an event.
 *
 * Frames on the wire (what DYN-005 checks on the team; their bytes are
 * standard): ARP request broadcast to ff:ff:ff:ff:ff:ff with THA zero; ARP
 * reply unicast to the requester; gratuitous ARP as a broadcast request
 * with SPA = TPA = our address (Windows' form); unicast ARP probe to the
 * cached MAC; NS to the target's solicited-node address ff02::1:ffxx:xxxx
 * and MAC 33:33:ff:xx:xx:xx, hop limit 255, with the SLLA option (probes:
 * to the target's unicast address and cached MAC); NA with Solicited and
 * Override and the TLLA option, unicast to the solicitor (to ff02::1
 * without Solicited for a DAD probe from ::); unsolicited NA to ff02::1
 * with Override only.
 *
 * Input: frames not addressed to us at L2 (another unicast MAC, a
 * multicast group not joined) or at L3 (another IP address, a multicast
 * group for anything but ND) are dropped and counted by reason, and so are
 * fragments, unknown protocols, ND failing RFC 4861 7.1 validation and
 * UDP/TCP to an unbound port.  Not modelled: IPv4 options, fragmentation
 * and reassembly, ICMP/ICMPv6 errors (no port unreachable, no TCP RST),
 * IPv4 broadcast/multicast delivery, DAD of our own addresses, router
 * discovery and redirects, checksum verification (the simulated fabric
 * never corrupts bits).
 */
#ifndef SETSIM_IPSTACK_H
#define SETSIM_IPSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "pkt.h"
#include "sim_engine.h"
#include "trace.h"

struct ipstack;

/* Defaults (used when a setting is 0). */
/* Windows BaseReachableTime (30 s; RFC 4861 REACHABLE_TIME).  Windows
 * draws ReachableTime uniformly in 0.5..1.5 x the base; the model uses the
 * base itself so runs stay deterministic without a random stream. */
#define IPSTACK_DEFAULT_REACHABLE (30 * SIM_S)
/* Windows RetransmitTime (1 s; RFC 4861 RETRANS_TIMER). */
#define IPSTACK_DEFAULT_RETRANS (1 * SIM_S)
/* RFC 4861 DELAY_FIRST_PROBE_TIME (5 s): a stale entry in use waits this
 * long for an upper-layer confirmation before it is probed (Linux
 * delay_first_probe_time). */
#define IPSTACK_DEFAULT_DELAY_PROBE (5 * SIM_S)
/* Requests per resolution or probe: RFC 4861 MAX_MULTICAST_SOLICIT and
 * MAX_UNICAST_SOLICIT (3), Windows and Linux alike. */
#define IPSTACK_DEFAULT_MAX_SOLICIT 3
/* Frames held per unresolved neighbour: Linux's unres_qlen default, 101
 * (ip-sysctl: derived from unres_qlen_bytes, 212992 bytes since 4.14, and
 * a full frame's true size).  Linux's old default of 3 "is responsible for
 * strange drops, especially if IP fragments are used, or multiple sessions
 * start in parallel" (commit 8b5c171bb3dc, 3.3, which replaced it): with
 * it, the first SYN of four connections a VM opened at once to a new peer
 * was pushed out, and the connection waited for the 1 s initial RTO.
 * Past the limit the oldest frames are dropped, as in Linux's
 * __neigh_event_send.  RFC 4861 7.2.2 asks for "a small queue". */
#define IPSTACK_DEFAULT_MAX_QUEUED 101
/* Neighbour entries per stack: a vNIC talks to a handful of peers; when
 * full, the least recently confirmed resolved entry is reused. */
#define IPSTACK_DEFAULT_MAX_NEIGHBORS 256
/* Windows DefaultTTL and IPv6 CurHopLimit (128). */
#define IPSTACK_DEFAULT_HOP_LIMIT 128
/* Windows' dynamic port range (RFC 6335 8.1.2): ipstack_bind_ephemeral. */
#define IPSTACK_EPHEMERAL_FIRST 49152
#define IPSTACK_EPHEMERAL_LAST 65535

struct ipstack_settings {
    const char *name;           /* e.g. "hv1/vm1/eth0"; copied; the trace object
                                 * (kind "ipstack") when a trace is given */
    uint8_t mac[PKT_ETH_ALEN];  /* the vNIC's MAC */
    uint8_t has_ipv4;           /* 1: ipv4 is configured */
    uint8_t ipv4[4];
    uint8_t ipv4_prefix_len;    /* 0..32: on-link test when gateway4 is set */
    uint8_t has_gateway4;
    uint8_t gateway4[4];        /* next hop for off-prefix IPv4 destinations */
    uint8_t has_ipv6;           /* 1: ipv6 is configured (besides the derived
                                 * link-local address) */
    uint8_t ipv6[16];           /* global or link-local */
    uint8_t ipv6_prefix_len;    /* 0..128: on-link test when gateway6 is set */
    uint8_t has_gateway6;
    uint8_t gateway6[16];       /* next hop for off-prefix IPv6 destinations */
    sim_time_t reachable_time;  /* 0: IPSTACK_DEFAULT_REACHABLE */
    sim_time_t retrans_time;    /* 0: IPSTACK_DEFAULT_RETRANS */
    sim_time_t delay_first_probe; /* 0: IPSTACK_DEFAULT_DELAY_PROBE */
    uint32_t max_solicit;       /* 0: IPSTACK_DEFAULT_MAX_SOLICIT */
    uint32_t max_queued;        /* 0: IPSTACK_DEFAULT_MAX_QUEUED */
    uint32_t max_neighbors;     /* 0: IPSTACK_DEFAULT_MAX_NEIGHBORS; fixed at create */
    uint8_t hop_limit;          /* 0: IPSTACK_DEFAULT_HOP_LIMIT */
};

/* Why the stack dropped a frame (ipstack_counters.drops). */
enum ipstack_drop {
    IPSTACK_DROP_MALFORMED = 0, /* input: pkt_parse() failed */
    IPSTACK_DROP_NOT_OUR_MAC,   /* input: unicast to another MAC, group not joined */
    IPSTACK_DROP_NOT_OUR_IP,    /* input: IP destination not ours (or multicast non-ND) */
    IPSTACK_DROP_PROTO,         /* input: EtherType, IP protocol or ICMPv6 type not handled */
    IPSTACK_DROP_FRAGMENT,      /* input: IP fragment (no reassembly) */
    IPSTACK_DROP_ND_INVALID,    /* input: NS/NA failing RFC 4861 7.1.1/7.1.2 */
    IPSTACK_DROP_NO_PORT,       /* input: UDP/TCP port not bound */
    /* Output drops, from here on, are also traced: kind drop, reason
     * "no_route", detail ipstack_drop_name(). */
    IPSTACK_DROP_UNRESOLVED,    /* output: queued, neighbour never answered */
    IPSTACK_DROP_QUEUE_FULL,    /* output: oldest queued frame pushed out */
    IPSTACK_DROP_NEIGH_FULL,    /* output: table full of resolutions in progress */
    IPSTACK_DROP_BAD_FRAME,     /* output: not untagged IPv4/IPv6, or no memory */
    IPSTACK_DROP_NO_ADDR,       /* output: IPv4 frame from a stack without IPv4 */
    IPSTACK_DROP_COUNT
};

struct ipstack_counters {
    uint64_t tx_frames, tx_bytes;   /* handed to the tx callback, every kind */
    uint64_t tx_refused;            /* ... that the callback refused */
    uint64_t rx_frames, rx_bytes;   /* given to ipstack_input */
    /* accepted input by protocol */
    uint64_t rx_arp, rx_ipv4, rx_ipv6, rx_nd, rx_udp, rx_tcp;
    /* ARP */
    uint64_t arp_req_tx;            /* requests sent (broadcast and probes) */
    uint64_t arp_probe_tx;          /* ... of which unicast probes */
    uint64_t arp_reply_tx, garp_tx;
    uint64_t arp_req_rx, arp_reply_rx;
    uint64_t arp_ignored;           /* neither for us nor about a cached neighbour */
    uint64_t addr_conflicts;        /* ARP/NA claiming our address from another MAC */
    /* ND */
    uint64_t ns_tx;                 /* NS sent (multicast and probes) */
    uint64_t ns_probe_tx;           /* ... of which unicast probes */
    uint64_t na_tx;                 /* solicited NA sent */
    uint64_t una_tx;                /* unsolicited NA sent (ipstack_announce) */
    uint64_t ns_rx, na_rx;
    uint64_t nd_ignored;            /* NS for another target, NA for no entry */
    /* neighbour cache (hits and misses count ipstack_send next-hop lookups) */
    uint64_t neigh_hits, neigh_misses;
    uint64_t resolved;              /* INCOMPLETE -> resolved */
    uint64_t resolve_failed;        /* INCOMPLETE -> dropped after max_solicit */
    uint64_t probe_failed;          /* PROBE -> dropped after max_solicit */
    uint64_t mac_changes;           /* a resolved entry's MAC replaced */
    uint64_t queued;                /* frames queued on an unresolved neighbour */
    uint64_t flushed;               /* ... transmitted when it resolved */
    uint64_t drops[IPSTACK_DROP_COUNT];
};

enum ipstack_neigh_state {
    IPSTACK_NEIGH_NONE = 0,
    IPSTACK_NEIGH_INCOMPLETE,
    IPSTACK_NEIGH_REACHABLE,
    IPSTACK_NEIGH_STALE,
    IPSTACK_NEIGH_DELAY,
    IPSTACK_NEIGH_PROBE,
};

/* Transmits a frame (the reference passes, also on error).  Returns 0, or a
 * negative errno when it refused the frame (counted as tx_refused). */
typedef int (*ipstack_tx_fn)(void *ctx, struct frame *f);

/* A bound port's receiver: gets the frame's reference and the parse of its
 * bytes (valid during the call only; pi->l4_off, l5_off, ip_src ... locate
 * the headers). */
typedef void (*ipstack_rx_fn)(void *ctx, struct ipstack *stack, struct frame *f,
                              const struct pkt_info *pi);

/* Fills s with the defaults for a vNIC named `name` with MAC `mac`, no IPv4
 * and no configured IPv6 address. */
void ipstack_settings_default(struct ipstack_settings *s, const char *name,
                              const uint8_t mac[PKT_ETH_ALEN]);

/* eng, pool and tx_ctx are not owned; trace may be NULL.  Returns NULL on
 * bad settings (errno EINVAL: no name, a multicast or zero MAC, a prefix
 * length out of range), on a name interned in the trace with another kind
 * (EEXIST), or without memory (ENOMEM). */
struct ipstack *ipstack_create(struct sim_engine *eng, struct trace *trace,
                               struct frame_pool *pool, const struct ipstack_settings *s,
                               ipstack_tx_fn tx, void *tx_ctx);
/* Frees the stack and its queued frames (NULL-safe).  As every model, it
 * does not touch the engine: destroy the engine first, or call
 * ipstack_neigh_flush() before destroying a stack in a running simulation
 * (its timers are events that point at it). */
void ipstack_destroy(struct ipstack *s);

/* Applies new settings (name and max_neighbors stay as created).  When the
 * MAC or an address changes, the neighbour cache is flushed: queued frames
 * are dropped as unresolved.  0 or -EINVAL (nothing changed). */
int ipstack_reconfigure(struct ipstack *s, const struct ipstack_settings *settings);

/* ---- Input ---- */

/* A frame for this vNIC (takes the reference). */
void ipstack_input(struct ipstack *s, struct frame *f);
/* The same with the signature of a vmswitch receive handler (ctx = stack). */
void ipstack_input_cb(void *stack, struct frame *f);

/* Binds proto (PKT_IPPROTO_UDP or PKT_IPPROTO_TCP) port (1..65535), on
 * IPv4 and IPv6 alike.  0, -EADDRINUSE, -EINVAL or -ENOMEM.  RoCEv2 is a
 * UDP bind of PKT_ROCE_UDP_PORT. */
int ipstack_bind(struct ipstack *s, uint8_t proto, uint16_t port, ipstack_rx_fn fn, void *ctx);
/* Binds the next free port of the dynamic range (next-fit from the last
 * one given, so the sequence is deterministic); returns the port or
 * -EADDRINUSE when the range is full. */
int ipstack_bind_ephemeral(struct ipstack *s, uint8_t proto, ipstack_rx_fn fn, void *ctx);
int ipstack_unbind(struct ipstack *s, uint8_t proto, uint16_t port); /* 0 or -ENOENT */

/* ---- Output ---- */

/* Ethernet spec for a frame of this stack: source = its MAC, destination
 * zero (ipstack_send writes it), untagged. */
void ipstack_l2_spec(const struct ipstack *s, struct pkt_l2_spec *l2);
/* IP spec toward dst (version 4: 4 bytes, 6: 16 bytes): source address
 * chosen by ipstack_src_addr, TTL/hop limit, next IPv4 identification,
 * dscp/ecn as given, DF clear, flow label 0.  0, -EINVAL or -EADDRNOTAVAIL
 * (IPv4 without an IPv4 address). */
int ipstack_ip_spec(struct ipstack *s, uint8_t version, const uint8_t *dst, uint8_t dscp,
                    uint8_t ecn, struct pkt_ip_spec *ip);
/* The IPv4 fields ipstack_ip_spec chooses for any destination, for a
 * transport that writes its headers from a template: the source address,
 * the TTL, and the next identification, taken as ipstack_ip_spec takes it.
 * 0, -EINVAL, or -EADDRNOTAVAIL (nothing taken) without an IPv4 address. */
struct ipstack_ipv4_fields {
    uint8_t src[4];
    uint8_t ttl;
    uint16_t id;
};
int ipstack_ipv4_next(struct ipstack *s, struct ipstack_ipv4_fields *out);
/* Source address toward dst: the IPv4 address; for IPv6 the configured
 * address when its scope (link-local or not) matches dst's, else the
 * derived link-local address for a link-local dst, else the configured
 * one, else the derived one.  0 or -EADDRNOTAVAIL. */
int ipstack_src_addr(const struct ipstack *s, uint8_t version, const uint8_t *dst,
                     uint8_t *out);

/* Sends a frame built per the output contract above (takes the reference).
 * Returns 0 when transmitted, -EINPROGRESS when queued for resolution, or
 * a negative errno when dropped (-EINVAL bad frame, -EADDRNOTAVAIL,
 * -ENOBUFS neighbour table full, -ENOMEM, or the tx callback's error). */
int ipstack_send(struct ipstack *s, struct frame *f);

/* What ipstack_send_udp builds. */
struct ipstack_udp {
    uint8_t version;       /* 4 or 6 */
    const uint8_t *dst;    /* 4 or 16 bytes */
    uint16_t sport, dport;
    uint32_t payload_len;  /* virtual payload bytes */
    uint8_t dscp, ecn;     /* 0..63, PKT_ECN_* */
    uint64_t flow_id;      /* frame->flow_id, 0: none */
    uint8_t priority;      /* frame->priority (0..7): what the vmswitch tags when no
                            * NetQos policy classifies the datagram */
};
/* Builds a UDP datagram and sends it as ipstack_send does. */
int ipstack_send_udp(struct ipstack *s, const struct ipstack_udp *u);

/* Announces the vNIC's addresses: a gratuitous ARP for the IPv4 address
 * and an unsolicited NA (Override, to ff02::1) per IPv6 address, for SET
 * failover (FO-005 fo.announce=garp_na) and VM live migration.  Returns
 * the number of frames sent or a negative errno. */
int ipstack_announce(struct ipstack *s);

/* ---- Neighbour cache ---- */

/* The MAC of dst's next hop: 0 when resolved (REACHABLE, STALE, DELAY or
 * PROBE; mac may be NULL), -EAGAIN while INCOMPLETE, -ENOENT when unknown.
 * Does not start a resolution and changes no state. */
int ipstack_neigh_lookup(const struct ipstack *s, uint8_t version, const uint8_t *dst,
                         uint8_t mac[PKT_ETH_ALEN]);
/* Starts resolving dst's next hop if unknown: 0 when already resolved,
 * -EINPROGRESS when a resolution runs, -ENOBUFS, -EADDRNOTAVAIL, -EINVAL. */
int ipstack_resolve(struct ipstack *s, uint8_t version, const uint8_t *dst);
/* Upper-layer reachability confirmation (RFC 4861 7.3.1, e.g. TCP forward
 * progress): a resolved entry of dst's next hop becomes REACHABLE.  0 or
 * -ENOENT. */
int ipstack_neigh_confirm(struct ipstack *s, uint8_t version, const uint8_t *dst);
/* Empties the neighbour cache: timers cancelled, queued frames dropped as
 * unresolved (NULL-safe). */
void ipstack_neigh_flush(struct ipstack *s);
/* State of the entry for next hop `ip` itself (no gateway mapping). */
enum ipstack_neigh_state ipstack_neigh_state(const struct ipstack *s, uint8_t version,
                                             const uint8_t *ip);
size_t ipstack_neigh_count(const struct ipstack *s);
/* Frames queued on the entry for next hop `ip`. */
uint32_t ipstack_neigh_queued(const struct ipstack *s, uint8_t version, const uint8_t *ip);

/* ---- Inspection ---- */

const struct ipstack_counters *ipstack_counters(const struct ipstack *s);
/* "malformed", "not_our_mac", ... (the trace's drop detail); NULL when out
 * of range. */
const char *ipstack_drop_name(enum ipstack_drop why);
const char *ipstack_name(const struct ipstack *s);
const uint8_t *ipstack_mac(const struct ipstack *s);
/* The derived link-local address fe80::/64 + modified EUI-64 of the MAC. */
const uint8_t *ipstack_ipv6_link_local(const struct ipstack *s);
/* The modified EUI-64 link-local address of a MAC (RFC 4291 appendix A). */
void ipstack_eui64_link_local(const uint8_t mac[PKT_ETH_ALEN], uint8_t out[16]);
/* Verifies the invariants listed above; 0 or -EINVAL (test hook). */
int ipstack_check(const struct ipstack *s);

#endif
