/* pkt: header codecs for Ethernet II, 802.1Q, ARP, IPv4, IPv6, ICMPv6
 * Neighbor Discovery, UDP and TCP, and the one parser every device uses.
 *
 * Frames carry real header bytes plus a virtual (all-zero) payload and an
 * optional trailer (see frame.h).  Builders here write correct bytes:
 * lengths count the virtual payload and the trailer, and checksums are
 * computed as if the payload were zero bytes on the wire (zeros add nothing
 * to a one's-complement sum, but they count in every length).
 *
 * Builders (pkt_arp_build, pkt_udp_build, pkt_tcp_build, pkt_nd_build; RoCE
 * and PFC in pkt_roce.h / pkt_pfc.h) take an empty frame fresh from
 * frame_alloc() and fill it from the inside out with frame_push(); they pad
 * to the 60-byte Ethernet minimum last.  In-place editors (pkt_vlan_*,
 * pkt_eth_set_*, pkt_ip_set_*) expect a writable frame: call
 * frame_make_writable() first when the frame may be shared.
 *
 * The parser, pkt_parse() / pkt_parse_bytes(), decodes every layer present
 * into struct pkt_info.  It serves simulated frames and frames read from real
 * captures alike: it reads only the captured bytes (caplen), treats the rest
 * of the wire length as payload it never touches, validates every length
 * field against both, and allocates nothing.  Errors:
 *   -EINVAL    bad arguments (NULL pointers, caplen > wire_len);
 *   -EMSGSIZE  truncated: a header the frame announces is not fully captured,
 *              or a length field claims more bytes than the wire length;
 *   -EPROTO    corrupt: a field value no valid frame has (IPv4 IHL < 5, IP
 *              version mismatch, UDP length < 8, TCP data offset < 5, a TCP
 *              or ND option of length 0 or running past its header, ...).
 * Layers the parser does not know (other EtherTypes, other IP protocols)
 * are not errors: parsing stops there and `layers` says how far it got.
 */
#ifndef SETSIM_PKT_H
#define SETSIM_PKT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"

#define PKT_ETH_ALEN 6
#define PKT_ETH_HLEN 14
#define PKT_VLAN_HLEN 4
#define PKT_ARP_LEN 28   /* IPv4-over-Ethernet ARP body */
#define PKT_IPV4_HLEN 20 /* without options */
#define PKT_IPV6_HLEN 40
#define PKT_UDP_HLEN 8
#define PKT_TCP_HLEN 20  /* without options */

#define PKT_ETH_P_IPV4 0x0800
#define PKT_ETH_P_ARP 0x0806
#define PKT_ETH_P_VLAN 0x8100
#define PKT_ETH_P_IPV6 0x86DD
#define PKT_ETH_P_MAC_CTRL 0x8808

#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_UDP 17
#define PKT_IPPROTO_ICMPV6 58

#define PKT_ARP_REQUEST 1
#define PKT_ARP_REPLY 2

#define PKT_ICMPV6_NS 135
#define PKT_ICMPV6_NA 136
#define PKT_ND_OPT_SLLA 1 /* source link-layer address option */
#define PKT_ND_OPT_TLLA 2 /* target link-layer address option */
#define PKT_ND_NA_ROUTER 0x80u    /* NA flags (first byte after the checksum) */
#define PKT_ND_NA_SOLICITED 0x40u
#define PKT_ND_NA_OVERRIDE 0x20u
#define PKT_ND_HOP_LIMIT 255      /* RFC 4861 7.1: receivers drop anything else */

#define PKT_ECN_NOT_ECT 0
#define PKT_ECN_ECT1 1
#define PKT_ECN_ECT0 2
#define PKT_ECN_CE 3

#define PKT_TCP_FIN 0x01u
#define PKT_TCP_SYN 0x02u
#define PKT_TCP_RST 0x04u
#define PKT_TCP_PSH 0x08u
#define PKT_TCP_ACK 0x10u
#define PKT_TCP_URG 0x20u
#define PKT_TCP_ECE 0x40u
#define PKT_TCP_CWR 0x80u
#define PKT_TCP_NO_WSCALE 0xFF   /* pkt_tcp_spec.wscale: no window-scale option */
#define PKT_TCP_MAX_WSCALE 14    /* RFC 7323 2.3 */

#define PKT_ROCE_UDP_PORT 4791   /* RoCEv2: IANA port of the IB transport */

/* ---- What the parser found (pkt_info.layers) ---- */
#define PKT_HAS_VLAN 0x00000001u     /* one 802.1Q tag: vid, pcp, dei */
#define PKT_HAS_ARP 0x00000002u      /* IPv4-over-Ethernet ARP: arp_* */
#define PKT_HAS_IPV4 0x00000004u     /* ip_* (v4 addresses in ip_src[0..3]) */
#define PKT_HAS_IPV6 0x00000008u     /* ip_* (flow_label too) */
#define PKT_HAS_IP_FRAG 0x00000010u  /* an IP fragment: L4 not decoded */
#define PKT_HAS_ICMPV6 0x00000020u   /* icmp6_type, icmp6_code */
#define PKT_HAS_ND 0x00000040u       /* NS or NA: nd_target, nd_flags */
#define PKT_HAS_ND_LLADDR 0x00000080u /* source/target link-layer option: nd_lladdr */
#define PKT_HAS_UDP 0x00000100u      /* sport, dport, udp_len */
#define PKT_HAS_TCP 0x00000200u      /* sport, dport, tcp_* */
#define PKT_HAS_TCP_MSS 0x00000400u  /* tcp_mss */
#define PKT_HAS_TCP_WS 0x00000800u   /* tcp_wscale */
#define PKT_HAS_TCP_SACKOK 0x00001000u
#define PKT_HAS_TCP_TS 0x00002000u   /* tcp_tsval, tcp_tsecr */
#define PKT_HAS_ROCE 0x00004000u     /* UDP dport 4791 with a BTH: bth */
#define PKT_HAS_RETH 0x00008000u     /* reth */
#define PKT_HAS_AETH 0x00010000u     /* aeth */
#define PKT_HAS_MAC_CTRL 0x00020000u /* EtherType 0x8808: mac_ctrl_opcode */
#define PKT_HAS_PFC 0x00040000u      /* opcode 0x0101: pfc_enable, pfc_quanta[] */
#define PKT_HAS_PAUSE 0x00080000u    /* opcode 0x0001: pfc_quanta[0] */

/* Extension headers that follow the BTH for an opcode, in wire order
 * (IBA 9.2: DETH, RETH, AtomicETH, AETH, AtomicAckETH, ImmDt, IETH); the
 * RoCEv2 CNP carries 16 reserved bytes instead.  pkt_bth_ext() returns 0 for
 * an opcode the codecs do not know (RD, XRC, reserved). */
#define PKT_BTH_X_KNOWN 0x8000u     /* the opcode is known (possibly no ext header) */
#define PKT_BTH_X_DETH 0x0001u      /* 8 bytes */
#define PKT_BTH_X_RETH 0x0002u      /* 16 bytes */
#define PKT_BTH_X_ATOMIC 0x0004u    /* 28 bytes */
#define PKT_BTH_X_AETH 0x0008u      /* 4 bytes */
#define PKT_BTH_X_ATOMICACK 0x0010u /* 8 bytes */
#define PKT_BTH_X_IMM 0x0020u       /* 4 bytes */
#define PKT_BTH_X_IETH 0x0040u      /* 4 bytes */
#define PKT_BTH_X_CNP 0x0080u       /* 16 reserved bytes */
#define PKT_BTH_LEN 12
#define PKT_RETH_LEN 16
#define PKT_AETH_LEN 4
#define PKT_CNP_RSVD_LEN 16

unsigned pkt_bth_ext(uint8_t opcode);
/* Bytes of the extension headers in a pkt_bth_ext() mask. */
size_t pkt_bth_ext_len(unsigned ext);

/* IB Base Transport Header, decoded (RoCEv2). */
struct pkt_bth {
    uint8_t opcode;   /* transport (3 bits) and operation (5 bits) */
    uint8_t se;       /* solicited event */
    uint8_t mig;      /* M: migration state */
    uint8_t pad;      /* pad count 0..3 (bytes of pad ending the payload) */
    uint8_t tver;     /* transport header version (0) */
    uint8_t fecn;     /* F: forward ECN (RoCEv2 annex: in resv8a) */
    uint8_t becn;     /* B: backward ECN, set in CNPs */
    uint8_t ack_req;  /* A: acknowledge request */
    uint16_t pkey;    /* partition key */
    uint32_t dest_qp; /* 24 bits */
    uint32_t psn;     /* 24 bits */
};

/* RDMA Extended Transport Header. */
struct pkt_reth {
    uint64_t va;      /* remote virtual address */
    uint32_t rkey;    /* remote key */
    uint32_t dma_len; /* length of the whole RDMA operation */
};

/* ACK Extended Transport Header. */
struct pkt_aeth {
    uint8_t syndrome; /* ACK / RNR NAK / NAK and its code (pkt_roce.h) */
    uint32_t msn;     /* message sequence number, 24 bits */
};

/* Result of pkt_parse().  Only `layers`, `wire_len`, the Ethernet fields and
 * the fields of the layers flagged in `layers` are written; everything else
 * keeps whatever it held (the parser does not clear the struct).  After an
 * error, `layers` tells what was decoded before the bad header.  Offsets are from the first
 * byte of the frame; multi-byte values are in host order, addresses in
 * network byte order as on the wire. */
struct pkt_info {
    uint32_t layers;   /* PKT_HAS_* */
    uint32_t wire_len; /* frame length on the wire without FCS */

    /* Ethernet: always decoded when the parse succeeds */
    uint8_t dst[PKT_ETH_ALEN];
    uint8_t src[PKT_ETH_ALEN];
    uint16_t ethertype; /* of what follows the tag, if tagged */
    uint16_t l3_off;    /* offset of the header after Ethernet / 802.1Q */
    uint16_t vid;       /* PKT_HAS_VLAN: VLAN ID 0..4095 */
    uint8_t pcp;        /* PKT_HAS_VLAN: priority code point 0..7 */
    uint8_t dei;        /* PKT_HAS_VLAN: drop eligible */

    /* ARP */
    uint16_t arp_op; /* PKT_ARP_REQUEST / PKT_ARP_REPLY / other */
    uint8_t arp_sha[PKT_ETH_ALEN];
    uint8_t arp_spa[4];
    uint8_t arp_tha[PKT_ETH_ALEN];
    uint8_t arp_tpa[4];

    /* IPv4 / IPv6 */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t ip_proto;   /* protocol, or the last IPv6 next header */
    uint8_t dscp;
    uint8_t ecn;
    uint8_t ttl;         /* TTL or hop limit */
    uint16_t l4_off;     /* offset of the L4 header (after IPv6 ext headers) */
    uint32_t ip_end;     /* offset just past the IP packet (Ethernet padding follows) */
    uint32_t flow_label; /* IPv6 only */
    uint8_t ip_src[16];  /* IPv4: first 4 bytes */
    uint8_t ip_dst[16];

    /* ICMPv6 */
    uint8_t icmp6_type;
    uint8_t icmp6_code;
    uint8_t nd_flags;    /* NA: PKT_ND_NA_* bits; NS: 0 */
    uint8_t nd_target[16];
    uint8_t nd_lladdr[PKT_ETH_ALEN]; /* NS: source, NA: target link-layer address */

    /* UDP / TCP */
    uint16_t sport;
    uint16_t dport;
    uint16_t udp_len;    /* UDP length field */
    uint8_t tcp_flags;   /* PKT_TCP_* */
    uint8_t tcp_wscale;  /* PKT_HAS_TCP_WS */
    uint16_t tcp_window; /* raw (unscaled) window */
    uint16_t tcp_mss;    /* PKT_HAS_TCP_MSS */
    uint32_t tcp_seq;
    uint32_t tcp_ack;
    uint32_t tcp_tsval;  /* PKT_HAS_TCP_TS */
    uint32_t tcp_tsecr;
    uint16_t l5_off;     /* offset of the L4 payload (after RoCE headers for RoCE) */
    uint32_t l5_len;     /* payload bytes on the wire; RoCE: incl. pad, excl. ICRC */

    /* RoCEv2 */
    struct pkt_bth bth;
    struct pkt_reth reth;
    struct pkt_aeth aeth;

    /* MAC Control */
    uint16_t mac_ctrl_opcode;
    uint16_t pfc_enable;    /* PFC: the whole 2-octet vector (upper octet should be 0) */
    uint16_t pfc_quanta[8]; /* PFC: per priority; PAUSE: [0] is the pause time */
};

/* Parses a frame's header bytes; the virtual payload and the trailer count
 * in wire_len but are not read.  Returns 0 or -EINVAL/-EMSGSIZE/-EPROTO. */
int pkt_parse(const struct frame *f, struct pkt_info *pi);
/* Parses caplen captured bytes of a frame wire_len long (wire_len >= caplen;
 * bytes past caplen are never read), e.g. a pcap record (caplen, orig len). */
int pkt_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi);

/* ---- Cheap L2 access for switches (no full parse) ---- */

struct pkt_l2 {
    const uint8_t *dst; /* into the frame's bytes (owned by the frame) */
    const uint8_t *src;
    uint16_t ethertype; /* after the tag, if tagged */
    uint16_t l3_off;    /* 14, or 18 when tagged */
    uint16_t vid;       /* 0 when untagged */
    uint8_t pcp;        /* 0 when untagged */
    uint8_t tagged;     /* 1 if an 802.1Q tag is present */
};

static inline uint16_t pkt_rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Stores v big-endian: one byte swap and one store (the compiler splits
 * four byte stores of a value with a known-zero byte into several). */
static inline void pkt_wr32(uint8_t *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(p, &v, 4);
}

/* Decodes the Ethernet header and tag of len bytes; 0 or -EMSGSIZE.  A
 * frame too short to hold the whole tag reads as untagged, EtherType 0x8100. */
static inline int pkt_l2_bytes(const uint8_t *b, size_t len, struct pkt_l2 *l2)
{
    if (len < PKT_ETH_HLEN)
        return -EMSGSIZE;
    uint16_t et = pkt_rd16(b + 12);
    l2->dst = b;
    l2->src = b + PKT_ETH_ALEN;
    if (et == PKT_ETH_P_VLAN && len >= PKT_ETH_HLEN + PKT_VLAN_HLEN) {
        uint16_t tci = pkt_rd16(b + 14);
        l2->tagged = 1;
        l2->pcp = (uint8_t)(tci >> 13);
        l2->vid = tci & 0x0FFF;
        l2->ethertype = pkt_rd16(b + 16);
        l2->l3_off = PKT_ETH_HLEN + PKT_VLAN_HLEN;
    } else {
        l2->tagged = 0;
        l2->pcp = 0;
        l2->vid = 0;
        l2->ethertype = et;
        l2->l3_off = PKT_ETH_HLEN;
    }
    return 0;
}

static inline int pkt_l2(const struct frame *f, struct pkt_l2 *l2)
{
    return pkt_l2_bytes(frame_cdata(f), f->len, l2);
}

/* Single-field accessors; they return NULL / 0 for a frame shorter than an
 * Ethernet header.  Untagged frames have VID 0 and PCP 0. */
static inline const uint8_t *pkt_eth_dst(const struct frame *f)
{
    return f->len >= PKT_ETH_HLEN ? frame_cdata(f) : NULL;
}
static inline const uint8_t *pkt_eth_src(const struct frame *f)
{
    return f->len >= PKT_ETH_HLEN ? frame_cdata(f) + PKT_ETH_ALEN : NULL;
}
static inline int pkt_eth_tagged(const struct frame *f)
{
    return f->len >= PKT_ETH_HLEN + PKT_VLAN_HLEN &&
           pkt_rd16(frame_cdata(f) + 12) == PKT_ETH_P_VLAN;
}
static inline uint16_t pkt_eth_vid(const struct frame *f)
{
    return pkt_eth_tagged(f) ? (uint16_t)(pkt_rd16(frame_cdata(f) + 14) & 0x0FFF) : 0;
}
static inline uint8_t pkt_eth_pcp(const struct frame *f)
{
    return pkt_eth_tagged(f) ? (uint8_t)(frame_cdata(f)[14] >> 5) : 0;
}
/* EtherType after the tag (0 if the frame is too short). */
static inline uint16_t pkt_eth_type(const struct frame *f)
{
    if (pkt_eth_tagged(f))
        return pkt_rd16(frame_cdata(f) + 16);
    return f->len >= PKT_ETH_HLEN ? pkt_rd16(frame_cdata(f) + 12) : 0;
}
static inline int pkt_mac_is_multicast(const uint8_t *mac) { return mac[0] & 1; }
/* 1 when the two MAC addresses are equal: one 4- and one 2-byte compare. */
static inline int pkt_mac_eq(const uint8_t *a, const uint8_t *b)
{
    uint32_t a4, b4;
    uint16_t a2, b2;
    memcpy(&a4, a, 4);
    memcpy(&b4, b, 4);
    memcpy(&a2, a + 4, 2);
    memcpy(&b2, b + 4, 2);
    return a4 == b4 && a2 == b2;
}

/* ---- Builder inputs ---- */

struct pkt_l2_spec {
    uint8_t dst[PKT_ETH_ALEN];
    uint8_t src[PKT_ETH_ALEN];
    uint8_t tagged; /* 1: insert an 802.1Q tag with pcp/dei/vid */
    uint8_t pcp;    /* 0..7 */
    uint8_t dei;    /* 0..1 */
    uint16_t vid;   /* 0..4094 */
};

struct pkt_ip_spec {
    uint8_t version;     /* 4 or 6 */
    uint8_t dscp;        /* 0..63 */
    uint8_t ecn;         /* PKT_ECN_* */
    uint8_t ttl;         /* TTL / hop limit (ND forces 255) */
    uint8_t df;          /* IPv4: don't fragment */
    uint16_t id;         /* IPv4 identification */
    uint32_t flow_label; /* IPv6: 20 bits */
    uint8_t src[16];     /* IPv4 uses the first 4 bytes */
    uint8_t dst[16];
};

struct pkt_tcp_spec {
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;     /* PKT_TCP_* */
    uint16_t window;   /* raw window field */
    uint16_t mss;      /* 0: no MSS option */
    uint8_t wscale;    /* PKT_TCP_NO_WSCALE or 0..14 */
    uint8_t sack_ok;   /* 1: SACK-permitted option */
    uint8_t ts;        /* 1: timestamps option with tsval/tsecr */
    uint32_t tsval;
    uint32_t tsecr;
};

struct pkt_nd_spec {
    uint8_t type;             /* PKT_ICMPV6_NS or PKT_ICMPV6_NA */
    uint8_t flags;            /* NA: PKT_ND_NA_* */
    uint8_t target[16];
    uint8_t has_lladdr;       /* 1: add the SLLA (NS) / TLLA (NA) option */
    uint8_t lladdr[PKT_ETH_ALEN];
};

/* ---- Builders: f must be empty (len 0); 0 or -EINVAL / -ENOSPC / -EMSGSIZE ---- */

/* ARP for IPv4 over Ethernet; l2->dst is the Ethernet destination
 * (broadcast for a request). */
int pkt_arp_build(struct frame *f, const struct pkt_l2_spec *l2, uint16_t op,
                  const uint8_t sha[PKT_ETH_ALEN], const uint8_t spa[4],
                  const uint8_t tha[PKT_ETH_ALEN], const uint8_t tpa[4]);
/* UDP over IPv4/IPv6 with payload_len virtual payload bytes. */
int pkt_udp_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                  uint16_t sport, uint16_t dport, uint32_t payload_len);
/* TCP over IPv4/IPv6 with options from the spec and payload_len virtual bytes. */
int pkt_tcp_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                  const struct pkt_tcp_spec *tcp, uint32_t payload_len);
/* ICMPv6 Neighbor Solicitation / Advertisement (ip->version must be 6). */
int pkt_nd_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                 const struct pkt_nd_spec *nd);

/* ---- Layer pushers, for builders of other protocols (pkt_roce.c) ----
 * Each prepends its header to what the frame holds; lengths count all of
 * f's bytes, payload and trailer. */
int pkt_udp_push(struct frame *f, uint16_t sport, uint16_t dport);
/* Prepends an IPv4 or IPv6 header carrying protocol `proto`. */
int pkt_ip_push(struct frame *f, const struct pkt_ip_spec *ip, uint8_t proto);
/* With the IP header at the front of f: computes the UDP/TCP/ICMPv6
 * checksum of the L4 header right behind it.  -EINVAL when the front is not
 * a consistent IP header, -EPROTONOSUPPORT for another protocol. */
int pkt_l4_csum_fill(struct frame *f);
/* The same for the IP header at offset l3 of f (after an Ethernet header). */
int pkt_l4_csum_fill_at(struct frame *f, size_t l3);
int pkt_eth_push(struct frame *f, const struct pkt_l2_spec *l2, uint16_t ethertype);
/* The header writers behind the pushers, for builders that push all their
 * headers at once: an Ethernet header (18 bytes when l2->tagged, else 14;
 * returns that length) and a 20-byte IPv4 header of tot_len bytes with its
 * checksum.  The caller has validated the specs (as the pushers do). */
size_t pkt_eth_hdr_write(uint8_t *e, const struct pkt_l2_spec *l2, uint16_t ethertype);
void pkt_ipv4_hdr_write(uint8_t *h, const struct pkt_ip_spec *ip, uint8_t proto,
                        uint16_t tot_len);
/* Pads to the 60-byte Ethernet minimum.  A short frame with virtual payload
 * or a trailer first turns them into real bytes so that the padding lands
 * after them, where it is on the wire. */
int pkt_eth_pad(struct frame *f);

/* ---- In-place editors (writable frame) ---- */

int pkt_eth_set_src(struct frame *f, const uint8_t mac[PKT_ETH_ALEN]);
int pkt_eth_set_dst(struct frame *f, const uint8_t mac[PKT_ETH_ALEN]);
/* Inserts a tag after the MACs; -EEXIST if already tagged, -ENOSPC.
 * Inline (as pkt_vlan_strip): every host frame of a tagged fabric takes
 * one of them, and a caller's constant arguments fold the checks. */
static inline int pkt_vlan_insert(struct frame *f, uint8_t pcp, uint8_t dei, uint16_t vid)
{
    if (!f || pcp > 7 || dei > 1 || vid > 4094)
        return -EINVAL;
    if (f->len < PKT_ETH_HLEN)
        return -EMSGSIZE;
    if (pkt_eth_tagged(f))
        return -EEXIST;
    if (f->off < PKT_VLAN_HLEN)
        return -ENOSPC;
    /* frame_push(f, 4), without the call */
    f->off -= PKT_VLAN_HLEN;
    f->len += PKT_VLAN_HLEN;
    uint8_t *p = frame_data(f);
    /* Fixed-size copies, not a memmove call; one per address, the way
     * they were written, so that reading them does not wait for the
     * stores that just wrote them. */
    uint8_t dst[PKT_ETH_ALEN], src[PKT_ETH_ALEN];
    memcpy(dst, p + PKT_VLAN_HLEN, PKT_ETH_ALEN);
    memcpy(src, p + PKT_VLAN_HLEN + PKT_ETH_ALEN, PKT_ETH_ALEN);
    memcpy(p, dst, PKT_ETH_ALEN);
    memcpy(p + PKT_ETH_ALEN, src, PKT_ETH_ALEN);
    pkt_wr32(p + 12, (uint32_t)PKT_ETH_P_VLAN << 16 | (uint32_t)(pcp << 13 | dei << 12 | vid));
    return 0;
}
/* Removes the tag and re-pads to 60 bytes; -ENOENT if untagged. */
static inline int pkt_vlan_strip(struct frame *f)
{
    if (!f)
        return -EINVAL;
    if (!pkt_eth_tagged(f))
        return -ENOENT;
    uint8_t *p = frame_data(f);
    uint8_t macs[2 * PKT_ETH_ALEN];
    memcpy(macs, p, sizeof macs);
    memcpy(p + PKT_VLAN_HLEN, macs, sizeof macs);
    /* frame_pull(f, 4), without the call: the tag is there */
    f->off += PKT_VLAN_HLEN;
    f->len -= PKT_VLAN_HLEN;
    return frame_wire_len(f) < FRAME_ETH_MIN ? pkt_eth_pad(f) : 0;
}
/* Rewrites PCP / VID of the tag in place; -ENOENT if untagged, -EINVAL. */
int pkt_vlan_set_pcp(struct frame *f, uint8_t pcp);
int pkt_vlan_set_vid(struct frame *f, uint16_t vid);

/* DSCP and ECN of the IPv4/IPv6 header (IPv4 checksum updated
 * incrementally, RFC 1624).  -ENOENT if the frame carries no IP header. */
int pkt_ip_get_ds(const struct frame *f, uint8_t *dscp, uint8_t *ecn);
int pkt_ip_set_dscp(struct frame *f, uint8_t dscp);
int pkt_ip_set_ecn(struct frame *f, uint8_t ecn);
/* Marks Congestion Experienced as an ECN-capable switch does: 0 when the
 * packet is now CE, -EPROTO for a Not-ECT packet (RFC 3168 5: drop it
 * instead), -ENOENT when not IP. */
int pkt_ip_mark_ce(struct frame *f);

/* ---- Checksums ---- */

/* RFC 1071 partial sum of n bytes starting at an even offset of the summed
 * data; fold with pkt_csum_fold(). */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *b, size_t n);
/* Folds a partial sum to 16 bits and complements it: the checksum field. */
uint16_t pkt_csum_fold(uint32_t sum);
/* Toeplitz hash of in[0..n) (n <= 36) with the Microsoft RSS verification
 * key: SET's flow hash (DYN-002 dyn.hash) and the checker's. */
uint32_t pkt_toeplitz(const uint8_t *in, size_t n);
/* Verifies the IPv4 header checksum and the UDP/TCP/ICMPv6 checksum (payload
 * past the captured bytes counted as zeros, a frame's trailer as bytes).
 * 0 if all present checksums are right (an IPv4 UDP checksum of 0 means
 * none), -EBADMSG if one is wrong, or a parse error. */
int pkt_csum_verify(const struct frame *f);
int pkt_csum_verify_bytes(const uint8_t *b, size_t caplen, size_t wire_len);

/* ---- Address helpers ---- */

/* The solicited-node multicast address of target: ff02::1:ff00:0/104 and
 * the target's low 24 bits (RFC 4291 2.7.1). */
void pkt_ipv6_solicited_node(const uint8_t target[16], uint8_t out[16]);
/* 33:33:XX:XX:XX:XX for an IPv6 multicast address (RFC 2464 7). */
void pkt_eth_ipv6_mcast(const uint8_t ip6[16], uint8_t mac[PKT_ETH_ALEN]);

#endif
