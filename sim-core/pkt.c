/* pkt: Ethernet / 802.1Q / ARP / IPv4 / IPv6 / ICMPv6 ND / UDP / TCP codecs
 * and the frame parser (see pkt.h).
 *
 * The parser is on every device's per-frame path: it walks the headers once,
 * front to back, with every read preceded by a bounds check against the
 * captured length and every length field checked against the wire length.
 * It writes only the pkt_info fields of layers it finds.  Frames of the
 * shape hosts exchange (tagged or not, IPv4 without options, TCP or UDP /
 * RoCEv2) take a fast path that checks them up front and stores the same
 * fields in one pass; everything else takes the general, layer-by-layer
 * path (pkt_int.h).
 *
 * Checksums run over a "wire view" of the frame: the captured header bytes,
 * then virtual payload (zeros, which add nothing to a one's-complement sum),
 * then the trailer (whose bytes do count, e.g. a RoCEv2 ICRC inside a UDP
 * datagram).  A run that starts at an odd offset of the summed range is
 * added byte-swapped (RFC 1071 2.(B)).
 */
#include "pkt.h"

#include "pkt_int.h"

#include <errno.h>
#include <string.h>

/* ---- byte access ---- */

static inline uint32_t rd32__(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rd24__(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline void wr16__(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wr32__(uint8_t *p, uint32_t v) { pkt_wr32(p, v); }

/* The IPv4 version / IHL byte of a header without options. */
#define IPV4_VER_IHL_NO_OPTS 0x45

/* ---- BTH extension headers per opcode ---- */

#define K PKT_BTH_X_KNOWN
static const uint16_t bth_ext__[256] = {
    /* RC */
    [0x00] = K, [0x01] = K, [0x02] = K, [0x03] = K | PKT_BTH_X_IMM, [0x04] = K,
    [0x05] = K | PKT_BTH_X_IMM, [0x06] = K | PKT_BTH_X_RETH, [0x07] = K, [0x08] = K,
    [0x09] = K | PKT_BTH_X_IMM, [0x0A] = K | PKT_BTH_X_RETH,
    [0x0B] = K | PKT_BTH_X_RETH | PKT_BTH_X_IMM, [0x0C] = K | PKT_BTH_X_RETH,
    [0x0D] = K | PKT_BTH_X_AETH, [0x0E] = K, [0x0F] = K | PKT_BTH_X_AETH,
    [0x10] = K | PKT_BTH_X_AETH, [0x11] = K | PKT_BTH_X_AETH,
    [0x12] = K | PKT_BTH_X_AETH | PKT_BTH_X_ATOMICACK, [0x13] = K | PKT_BTH_X_ATOMIC,
    [0x14] = K | PKT_BTH_X_ATOMIC, [0x16] = K | PKT_BTH_X_IETH, [0x17] = K | PKT_BTH_X_IETH,
    /* UC: sends and writes only */
    [0x20] = K, [0x21] = K, [0x22] = K, [0x23] = K | PKT_BTH_X_IMM, [0x24] = K,
    [0x25] = K | PKT_BTH_X_IMM, [0x26] = K | PKT_BTH_X_RETH, [0x27] = K, [0x28] = K,
    [0x29] = K | PKT_BTH_X_IMM, [0x2A] = K | PKT_BTH_X_RETH,
    [0x2B] = K | PKT_BTH_X_RETH | PKT_BTH_X_IMM,
    /* UD */
    [0x64] = K | PKT_BTH_X_DETH, [0x65] = K | PKT_BTH_X_DETH | PKT_BTH_X_IMM,
    /* RoCEv2 CNP */
    [0x81] = K | PKT_BTH_X_CNP,
};
#undef K

unsigned pkt_bth_ext(uint8_t opcode) { return bth_ext__[opcode]; }

/* 256-entry decode tables, f(0) .. f(255), written out by the compiler. */
#define TBL4__(f, v) f(v), f((v) + 1), f((v) + 2), f((v) + 3)
#define TBL16__(f, v) TBL4__(f, v), TBL4__(f, (v) + 4), TBL4__(f, (v) + 8), TBL4__(f, (v) + 12)
#define TBL64__(f, v)                                                                              \
    TBL16__(f, v), TBL16__(f, (v) + 16), TBL16__(f, (v) + 32), TBL16__(f, (v) + 48)
#define TBL256__(f) TBL64__(f, 0), TBL64__(f, 64), TBL64__(f, 128), TBL64__(f, 192)

/* Bytes of the extension headers in a mask (its low byte; KNOWN adds
 * nothing): one load instead of eight tests. */
#define EXT_LEN__(m)                                                                               \
    (((m) & PKT_BTH_X_DETH ? 8 : 0) + ((m) & PKT_BTH_X_RETH ? 16 : 0) +                            \
     ((m) & PKT_BTH_X_ATOMIC ? 28 : 0) + ((m) & PKT_BTH_X_AETH ? 4 : 0) +                          \
     ((m) & PKT_BTH_X_ATOMICACK ? 8 : 0) + ((m) & PKT_BTH_X_IMM ? 4 : 0) +                         \
     ((m) & PKT_BTH_X_IETH ? 4 : 0) + ((m) & PKT_BTH_X_CNP ? 16 : 0))
static const uint8_t bth_ext_len_of__[256] = {TBL256__(EXT_LEN__)};
#undef EXT_LEN__

static inline size_t bth_ext_len__(unsigned ext) { return bth_ext_len_of__[ext & 0xFF]; }

size_t pkt_bth_ext_len(unsigned ext) { return bth_ext_len__(ext); }

/* ---- parser ---- */

/* The BTH's second byte decoded into pkt_bth's se, mig, pad and tver (in
 * that order, one byte each): SE (bit 7), M (6), PadCnt (5..4), TVer
 * (3..0).  One load and one 4-byte store instead of four shift-and-store
 * sequences, which the compiler otherwise merges into a longer chain. */
#define BTH_FLAGS__(v) {(v) >> 7, (v) >> 6 & 1, (v) >> 4 & 3, (v) & 0x0F}
static const uint8_t bth_flags__[256][4] = {TBL256__(BTH_FLAGS__)};
#undef BTH_FLAGS__
#undef TBL256__
#undef TBL64__
#undef TBL16__
#undef TBL4__
_Static_assert(offsetof(struct pkt_bth, mig) == offsetof(struct pkt_bth, se) + 1 &&
                   offsetof(struct pkt_bth, pad) == offsetof(struct pkt_bth, se) + 2 &&
                   offsetof(struct pkt_bth, tver) == offsetof(struct pkt_bth, se) + 3,
               "bth_flags__ rows are stored over se, mig, pad, tver");

/* Inlined in both paths: on the fast path it is the whole RoCE part. */
static inline __attribute__((always_inline)) int
parse_bth__(const uint8_t *b, size_t caplen, size_t bth_off, size_t udp_payload,
            struct pkt_info *pi)
{
    if (udp_payload < PKT_BTH_LEN + 4)
        return -EPROTO; /* no room for BTH and ICRC */
    if (caplen < bth_off + PKT_BTH_LEN)
        return -EMSGSIZE;
    /* opcode, flags, P_Key / FECN, BECN, resv6, DestQP / AckReq, resv7, PSN */
    const uint8_t *h = b + bth_off;
    struct pkt_bth *t = &pi->bth;
    uint32_t w1 = rd32__(h + 4), w2 = rd32__(h + 8);
    t->opcode = h[0];
    memcpy(&t->se, bth_flags__[h[1]], 4);
    t->pkey = pkt_rd16(h + 2);
    t->fecn = (uint8_t)(w1 >> 31);
    t->becn = (uint8_t)(w1 >> 30 & 1);
    t->dest_qp = w1 & 0xFFFFFF;
    t->ack_req = (uint8_t)(w2 >> 31);
    t->psn = w2 & 0xFFFFFF;

    unsigned ext = bth_ext__[h[0]];
    size_t hdr = PKT_BTH_LEN + bth_ext_len__(ext);
    if (udp_payload < hdr + 4)
        return -EPROTO;
    if (caplen < bth_off + hdr)
        return -EMSGSIZE;
    uint32_t layers = PKT_HAS_ROCE;
    if (ext & (PKT_BTH_X_RETH | PKT_BTH_X_AETH)) { /* the ones decoded into pi */
        size_t x = bth_off + PKT_BTH_LEN + (ext & PKT_BTH_X_DETH ? 8u : 0u);
        if (ext & PKT_BTH_X_RETH) {
            pi->reth.va = (uint64_t)rd32__(b + x) << 32 | rd32__(b + x + 4);
            pi->reth.rkey = rd32__(b + x + 8);
            pi->reth.dma_len = rd32__(b + x + 12);
            layers |= PKT_HAS_RETH;
            x += 16;
        }
        if (ext & PKT_BTH_X_ATOMIC)
            x += 28;
        if (ext & PKT_BTH_X_AETH) {
            pi->aeth.syndrome = b[x];
            pi->aeth.msn = rd24__(b + x + 1);
            layers |= PKT_HAS_AETH;
        }
    }
    pi->l5_off = (uint16_t)(bth_off + hdr);
    pi->l5_len = (uint32_t)(udp_payload - hdr - 4);
    if (t->pad > pi->l5_len)
        return -EPROTO;
    pi->layers |= layers;
    return 0;
}

static int parse_tcp_opts__(const uint8_t *o, size_t n, struct pkt_info *pi)
{
    if (n == 12 && o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
        /* NOP, NOP, timestamps: what every segment after the SYN carries
         * when timestamps are on; the loop below reads it the same way */
        pi->tcp_tsval = rd32__(o + 4);
        pi->tcp_tsecr = rd32__(o + 8);
        pi->layers |= PKT_HAS_TCP_TS;
        return 0;
    }
    size_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == 0)
            break; /* end of option list */
        if (kind == 1) {
            i++;
            continue;
        }
        if (n - i < 2)
            return -EPROTO;
        size_t len = o[i + 1];
        if (len < 2 || len > n - i)
            return -EPROTO;
        const uint8_t *v = o + i + 2;
        switch (kind) {
        case 2:
            if (len != 4)
                return -EPROTO;
            pi->tcp_mss = pkt_rd16(v);
            pi->layers |= PKT_HAS_TCP_MSS;
            break;
        case 3:
            if (len != 3)
                return -EPROTO;
            pi->tcp_wscale = v[0];
            pi->layers |= PKT_HAS_TCP_WS;
            break;
        case 4:
            if (len != 2)
                return -EPROTO;
            pi->layers |= PKT_HAS_TCP_SACKOK;
            break;
        case 8:
            if (len != 10)
                return -EPROTO;
            pi->tcp_tsval = rd32__(v);
            pi->tcp_tsecr = rd32__(v + 4);
            pi->layers |= PKT_HAS_TCP_TS;
            break;
        default:
            break;
        }
        i += len;
    }
    return 0;
}

static int parse_tcp__(const uint8_t *b, size_t caplen, size_t l4, size_t end, struct pkt_info *pi)
{
    if (end - l4 < PKT_TCP_HLEN)
        return -EPROTO;
    if (caplen < l4 + PKT_TCP_HLEN)
        return -EMSGSIZE;
    const uint8_t *t = b + l4;
    size_t hl = (size_t)(t[12] >> 4) * 4;
    if (hl < PKT_TCP_HLEN || hl > end - l4)
        return -EPROTO;
    if (caplen < l4 + hl)
        return -EMSGSIZE;
    pi->sport = pkt_rd16(t);
    pi->dport = pkt_rd16(t + 2);
    pi->tcp_seq = rd32__(t + 4);
    pi->tcp_ack = rd32__(t + 8);
    pi->tcp_flags = t[13];
    pi->tcp_window = pkt_rd16(t + 14);
    pi->l5_off = (uint16_t)(l4 + hl);
    pi->l5_len = (uint32_t)(end - l4 - hl);
    pi->layers |= PKT_HAS_TCP;
    return hl > PKT_TCP_HLEN ? parse_tcp_opts__(t + PKT_TCP_HLEN, hl - PKT_TCP_HLEN, pi) : 0;
}

/* A checked UDP header's fields, and the BTH after it on the RoCEv2 port
 * (shared by the fast and the general parse; always inline: same code). */
static inline __attribute__((always_inline)) int
udp_fields__(const uint8_t *b, size_t caplen, size_t l4, size_t ulen, struct pkt_info *pi)
{
    const uint8_t *u = b + l4;
    pi->sport = pkt_rd16(u);
    pi->dport = pkt_rd16(u + 2);
    pi->udp_len = (uint16_t)ulen;
    pi->l5_off = (uint16_t)(l4 + PKT_UDP_HLEN);
    pi->l5_len = (uint32_t)(ulen - PKT_UDP_HLEN);
    pi->layers |= PKT_HAS_UDP;
    if (pi->dport == PKT_ROCE_UDP_PORT)
        return parse_bth__(b, caplen, l4 + PKT_UDP_HLEN, ulen - PKT_UDP_HLEN, pi);
    return 0;
}

static int parse_udp__(const uint8_t *b, size_t caplen, size_t l4, size_t end, struct pkt_info *pi)
{
    if (end - l4 < PKT_UDP_HLEN)
        return -EPROTO;
    if (caplen < l4 + PKT_UDP_HLEN)
        return -EMSGSIZE;
    const uint8_t *u = b + l4;
    size_t ulen = pkt_rd16(u + 4);
    if (ulen < PKT_UDP_HLEN || ulen > end - l4)
        return -EPROTO;
    return udp_fields__(b, caplen, l4, ulen, pi);
}

#define ND_FIXED_LEN 24 /* type, code, checksum, flags/reserved, target */

static int parse_nd_opts__(const uint8_t *o, size_t n, struct pkt_info *pi)
{
    uint8_t want = pi->icmp6_type == PKT_ICMPV6_NS ? PKT_ND_OPT_SLLA : PKT_ND_OPT_TLLA;
    size_t i = 0;
    while (i < n) {
        if (n - i < 2)
            return -EPROTO;
        size_t len = (size_t)o[i + 1] * 8;
        if (len == 0 || len > n - i)
            return -EPROTO; /* RFC 4861 4.6: length 0 is invalid */
        if (o[i] == want && len == 8 && !(pi->layers & PKT_HAS_ND_LLADDR)) {
            memcpy(pi->nd_lladdr, o + i + 2, PKT_ETH_ALEN);
            pi->layers |= PKT_HAS_ND_LLADDR;
        }
        i += len;
    }
    return 0;
}

static int parse_icmpv6__(const uint8_t *b, size_t caplen, size_t l4, size_t end,
                          struct pkt_info *pi)
{
    if (end - l4 < 4)
        return -EPROTO;
    if (caplen < l4 + 4)
        return -EMSGSIZE;
    const uint8_t *m = b + l4;
    pi->icmp6_type = m[0];
    pi->icmp6_code = m[1];
    pi->l5_off = (uint16_t)(l4 + 4);
    pi->l5_len = (uint32_t)(end - l4 - 4);
    pi->layers |= PKT_HAS_ICMPV6;
    if (m[0] != PKT_ICMPV6_NS && m[0] != PKT_ICMPV6_NA)
        return 0;
    if (end - l4 < ND_FIXED_LEN)
        return -EPROTO;
    if (caplen < end)
        return -EMSGSIZE; /* ND messages are all header: options must be there */
    pi->nd_flags = m[0] == PKT_ICMPV6_NA ? (uint8_t)(m[4] & 0xE0) : 0;
    memcpy(pi->nd_target, m + 8, 16);
    pi->layers |= PKT_HAS_ND;
    return parse_nd_opts__(m + ND_FIXED_LEN, end - l4 - ND_FIXED_LEN, pi);
}

static int parse_l4__(const uint8_t *b, size_t caplen, size_t l4, size_t end, struct pkt_info *pi)
{
    pi->l4_off = (uint16_t)l4;
    switch (pi->ip_proto) {
    case PKT_IPPROTO_UDP:
        return parse_udp__(b, caplen, l4, end, pi);
    case PKT_IPPROTO_TCP:
        return parse_tcp__(b, caplen, l4, end, pi);
    case PKT_IPPROTO_ICMPV6:
        return pi->ip_version == 6 ? parse_icmpv6__(b, caplen, l4, end, pi) : 0;
    default:
        return 0;
    }
}

/* The IPv4 header's fields in pi, the header at b + off (hl bytes, the
 * datagram tot bytes): what both the general and the fast parse store. */
static inline __attribute__((always_inline)) void
ipv4_fields__(const uint8_t *ip, size_t off, size_t hl, size_t tot, struct pkt_info *pi)
{
    pi->ip_version = 4;
    pi->dscp = ip[1] >> 2;
    pi->ecn = ip[1] & 3;
    pi->ttl = ip[8];
    pi->ip_proto = ip[9];
    pi->flow_label = 0;
    memcpy(pi->ip_src, ip + 12, 4);
    memcpy(pi->ip_dst, ip + 16, 4);
    pi->ip_end = (uint32_t)(off + tot);
    pi->l4_off = (uint16_t)(off + hl);
}

static int parse_ipv4__(const uint8_t *b, size_t caplen, size_t wire, size_t off,
                        struct pkt_info *pi)
{
    if (caplen < off + PKT_IPV4_HLEN)
        return -EMSGSIZE;
    const uint8_t *ip = b + off;
    size_t hl = (size_t)(ip[0] & 0x0F) * 4;
    if ((ip[0] >> 4) != 4 || hl < PKT_IPV4_HLEN)
        return -EPROTO;
    size_t tot = pkt_rd16(ip + 2);
    if (tot < hl)
        return -EPROTO;
    if (tot > wire - off || caplen < off + hl)
        return -EMSGSIZE;
    ipv4_fields__(ip, off, hl, tot, pi);
    pi->layers |= PKT_HAS_IPV4;
    if (pkt_rd16(ip + 6) & 0x3FFF) { /* MF or a fragment offset */
        pi->layers |= PKT_HAS_IP_FRAG;
        return 0;
    }
    return parse_l4__(b, caplen, off + hl, off + tot, pi);
}

#define IPV6_MAX_EXT 8 /* extension headers walked before giving up on L4 */

static int parse_ipv6__(const uint8_t *b, size_t caplen, size_t wire, size_t off,
                        struct pkt_info *pi)
{
    if (caplen < off + PKT_IPV6_HLEN)
        return -EMSGSIZE;
    const uint8_t *ip = b + off;
    if ((ip[0] >> 4) != 6)
        return -EPROTO;
    size_t end = off + PKT_IPV6_HLEN + pkt_rd16(ip + 4);
    if (end > wire)
        return -EMSGSIZE;
    uint32_t w0 = rd32__(ip);
    uint8_t tc = (uint8_t)(w0 >> 20);
    pi->ip_version = 6;
    pi->dscp = tc >> 2;
    pi->ecn = tc & 3;
    pi->flow_label = w0 & 0xFFFFF;
    pi->ttl = ip[7];
    memcpy(pi->ip_src, ip + 8, 16);
    memcpy(pi->ip_dst, ip + 24, 16);
    pi->ip_end = (uint32_t)end;
    pi->layers |= PKT_HAS_IPV6;

    uint8_t nh = ip[6];
    size_t l4 = off + PKT_IPV6_HLEN;
    for (int i = 0; i < IPV6_MAX_EXT; i++) {
        size_t len;
        if (nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51) {
            if (end - l4 < 8)
                return -EPROTO;
            if (caplen < l4 + 8)
                return -EMSGSIZE;
        } else {
            break;
        }
        const uint8_t *x = b + l4;
        if (nh == 44) { /* fragment header */
            pi->ip_proto = x[0];
            pi->l4_off = (uint16_t)(l4 + 8);
            if ((pkt_rd16(x + 2) & 0xFFF9) != 0) { /* offset or M flag */
                pi->layers |= PKT_HAS_IP_FRAG;
                return 0;
            }
            len = 8;
        } else {
            len = nh == 51 ? ((size_t)x[1] + 2) * 4 : ((size_t)x[1] + 1) * 8;
        }
        if (len > end - l4)
            return -EPROTO;
        nh = x[0];
        l4 += len;
    }
    pi->ip_proto = nh;
    return parse_l4__(b, caplen, l4, end, pi);
}

static int parse_arp__(const uint8_t *b, size_t caplen, size_t off, struct pkt_info *pi)
{
    if (caplen < off + 8)
        return -EMSGSIZE;
    const uint8_t *a = b + off;
    if (pkt_rd16(a) != 1 || pkt_rd16(a + 2) != PKT_ETH_P_IPV4)
        return 0; /* ARP for other hardware / protocols: not decoded */
    if (a[4] != PKT_ETH_ALEN || a[5] != 4)
        return -EPROTO;
    if (caplen < off + PKT_ARP_LEN)
        return -EMSGSIZE;
    pi->arp_op = pkt_rd16(a + 6);
    memcpy(pi->arp_sha, a + 8, 6);
    memcpy(pi->arp_spa, a + 14, 4);
    memcpy(pi->arp_tha, a + 18, 6);
    memcpy(pi->arp_tpa, a + 24, 4);
    pi->layers |= PKT_HAS_ARP;
    return 0;
}

#define MAC_CTRL_PFC 0x0101
#define MAC_CTRL_PAUSE 0x0001

/* DCB-003: opcode, 2-octet priority-enable vector, eight 2-octet quanta. */
static int parse_mac_ctrl__(const uint8_t *b, size_t caplen, size_t wire, size_t off,
                            struct pkt_info *pi)
{
    if (caplen < off + 2)
        return -EMSGSIZE;
    pi->mac_ctrl_opcode = pkt_rd16(b + off);
    pi->layers |= PKT_HAS_MAC_CTRL;
    if (pi->mac_ctrl_opcode == MAC_CTRL_PFC) {
        if (caplen < off + 20 || wire < FRAME_ETH_MIN)
            return -EMSGSIZE;
        pi->pfc_enable = pkt_rd16(b + off + 2);
        for (int i = 0; i < 8; i++)
            pi->pfc_quanta[i] = pkt_rd16(b + off + 4 + 2 * i);
        pi->layers |= PKT_HAS_PFC;
    } else if (pi->mac_ctrl_opcode == MAC_CTRL_PAUSE) {
        if (caplen < off + 4 || wire < FRAME_ETH_MIN)
            return -EMSGSIZE;
        pi->pfc_quanta[0] = pkt_rd16(b + off + 2);
        pi->layers |= PKT_HAS_PAUSE;
    }
    return 0;
}

int pkt_parse_general__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi)
{
    if (!b || !pi || caplen > wire_len || wire_len > UINT32_MAX)
        return -EINVAL;
    pi->layers = 0;
    pi->wire_len = (uint32_t)wire_len;
    if (caplen < PKT_ETH_HLEN)
        return -EMSGSIZE;
    memcpy(pi->dst, b, PKT_ETH_ALEN);
    memcpy(pi->src, b + PKT_ETH_ALEN, PKT_ETH_ALEN);
    uint16_t et = pkt_rd16(b + 12);
    size_t off = PKT_ETH_HLEN;
    if (et == PKT_ETH_P_VLAN) {
        if (caplen < PKT_ETH_HLEN + PKT_VLAN_HLEN)
            return -EMSGSIZE;
        uint16_t tci = pkt_rd16(b + 14);
        pi->pcp = (uint8_t)(tci >> 13);
        pi->dei = (tci >> 12) & 1;
        pi->vid = tci & 0x0FFF;
        pi->layers = PKT_HAS_VLAN;
        et = pkt_rd16(b + 16);
        off += PKT_VLAN_HLEN;
    }
    pi->ethertype = et;
    pi->l3_off = (uint16_t)off;
    switch (et) {
    case PKT_ETH_P_IPV4:
        return parse_ipv4__(b, caplen, wire_len, off, pi);
    case PKT_ETH_P_IPV6:
        return parse_ipv6__(b, caplen, wire_len, off, pi);
    case PKT_ETH_P_ARP:
        return parse_arp__(b, caplen, off, pi);
    case PKT_ETH_P_MAC_CTRL:
        return parse_mac_ctrl__(b, caplen, wire_len, off, pi);
    default:
        return 0;
    }
}

/* ---- parser fast path (pkt_int.h) ----
 *
 * One pass over the frames hosts exchange, checks first: everything the
 * general path checks in the Ethernet, IPv4 and TCP / UDP headers of such
 * a frame is tested before the first store, so a frame it declines reaches
 * the general path with pi as the caller left it.  It then stores the same
 * fields in the same layers, and leaves TCP options and the BTH to the
 * general path's own decoders (which may still fail, after the same stores
 * as there). */

/* What the fast path does with a frame it declines: the general path in
 * pkt_parse(), "declined" for the tests. */
typedef int parse_fn__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi);

/* The fast path's stores for Ethernet, the tag (off 18) and IPv4 (tot
 * bytes at off, no options), as the general path makes them. */
static inline __attribute__((always_inline)) void
fast_l2_l3__(const uint8_t *b, size_t wire_len, size_t off, size_t tot, struct pkt_info *pi)
{
    const uint8_t *ip = b + off;
    pi->wire_len = (uint32_t)wire_len;
    memcpy(pi->dst, b, PKT_ETH_ALEN);
    memcpy(pi->src, b + PKT_ETH_ALEN, PKT_ETH_ALEN);
    uint32_t layers = PKT_HAS_IPV4;
    if (off != PKT_ETH_HLEN) {
        uint16_t tci = pkt_rd16(b + 14);
        pi->pcp = (uint8_t)(tci >> 13);
        pi->dei = (tci >> 12) & 1;
        pi->vid = tci & 0x0FFF;
        layers |= PKT_HAS_VLAN;
    }
    pi->layers = layers;
    pi->ethertype = PKT_ETH_P_IPV4;
    pi->l3_off = (uint16_t)off;
    ipv4_fields__(ip, off, PKT_IPV4_HLEN, tot, pi);
}

/* Inlined into pkt_parse() so that the per-frame call is the caller's one;
 * a declined frame goes on to `decline` as a tail call with the same
 * arguments.  TCP and UDP each check, then store, on a path of their own. */
static inline __attribute__((always_inline)) int
parse_fast__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi,
             parse_fn__ *decline)
{
    if (caplen < PKT_ETH_HLEN + PKT_IPV4_HLEN)
        return decline(b, caplen, wire_len, pi);
    size_t off = PKT_ETH_HLEN;
    uint16_t et = pkt_rd16(b + 12);
    if (et == PKT_ETH_P_VLAN) {
        off += PKT_VLAN_HLEN;
        if (caplen < off + PKT_IPV4_HLEN)
            return decline(b, caplen, wire_len, pi);
        et = pkt_rd16(b + 16);
    }
    const uint8_t *ip = b + off;
    if (et != PKT_ETH_P_IPV4 || ip[0] != IPV4_VER_IHL_NO_OPTS)
        return decline(b, caplen, wire_len, pi);
    /* caplen >= off + 20 and wire_len >= caplen: no underflow below */
    size_t tot = pkt_rd16(ip + 2);
    if (tot < PKT_IPV4_HLEN || tot > wire_len - off || (pkt_rd16(ip + 6) & 0x3FFF))
        return decline(b, caplen, wire_len, pi); /* bad length, or a fragment */
    size_t l4 = off + PKT_IPV4_HLEN;
    size_t l4_len = tot - PKT_IPV4_HLEN;
    const uint8_t *t = b + l4;
    if (ip[9] == PKT_IPPROTO_TCP) {
        if (l4_len < PKT_TCP_HLEN || caplen < l4 + PKT_TCP_HLEN)
            return decline(b, caplen, wire_len, pi);
        size_t hl = (size_t)(t[12] >> 4) * 4;
        if (hl < PKT_TCP_HLEN || hl > l4_len || caplen < l4 + hl)
            return decline(b, caplen, wire_len, pi);
        fast_l2_l3__(b, wire_len, off, tot, pi);
        pi->sport = pkt_rd16(t);
        pi->dport = pkt_rd16(t + 2);
        pi->tcp_seq = rd32__(t + 4);
        pi->tcp_ack = rd32__(t + 8);
        pi->tcp_flags = t[13];
        pi->tcp_window = pkt_rd16(t + 14);
        pi->l5_off = (uint16_t)(l4 + hl);
        pi->l5_len = (uint32_t)(l4_len - hl);
        pi->layers |= PKT_HAS_TCP;
        return hl > PKT_TCP_HLEN ? parse_tcp_opts__(t + PKT_TCP_HLEN, hl - PKT_TCP_HLEN, pi) : 0;
    }
    if (ip[9] == PKT_IPPROTO_UDP) {
        if (l4_len < PKT_UDP_HLEN || caplen < l4 + PKT_UDP_HLEN)
            return decline(b, caplen, wire_len, pi);
        size_t ulen = pkt_rd16(t + 4);
        if (ulen < PKT_UDP_HLEN || ulen > l4_len)
            return decline(b, caplen, wire_len, pi);
        fast_l2_l3__(b, wire_len, off, tot, pi);
        return udp_fields__(b, caplen, l4, ulen, pi);
    }
    return decline(b, caplen, wire_len, pi);
}

static int declined__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi)
{
    (void)b, (void)caplen, (void)wire_len, (void)pi;
    return PKT_PARSE_DECLINED;
}

int pkt_parse_fast__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi)
{
    return parse_fast__(b, caplen, wire_len, pi, declined__);
}

int pkt_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi)
{
    if (!b || !pi || caplen > wire_len || wire_len > UINT32_MAX)
        return -EINVAL;
    return parse_fast__(b, caplen, wire_len, pi, pkt_parse_general__);
}

int pkt_parse(const struct frame *f, struct pkt_info *pi)
{
    if (!f || !pi)
        return -EINVAL;
    size_t caplen = f->len, wire_len = frame_wire_len(f);
    if (caplen > wire_len)
        return -EINVAL; /* a payload_len that wraps the 32-bit wire length */
    return parse_fast__(frame_cdata(f), caplen, wire_len, pi, pkt_parse_general__);
}

/* ---- checksums ---- */

/* The one's-complement sum does not depend on byte order (RFC 1071 2(B)):
 * the bytes are summed as native 32-bit words and the folded 16-bit result
 * byte-swapped back when the host is little-endian.  Swapping a 16-bit
 * word multiplies it by 2^8 modulo 0xFFFF, and a fold is 0 only for an
 * all-zero sum, so the result is the same value the big-endian word loop
 * gives, 0 and 0xFFFF included. */
static inline uint32_t csum_swap16__(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (v >> 8 | v << 8) & 0xFFFF;
#else
    return v;
#endif
}

/* Folds a 32-bit one's-complement sum to 16 bits in two fixed steps (no
 * data-dependent loop): the first leaves at most 0x1FFFE, the second at
 * most 0xFFFF; a nonzero sum never folds to 0, so the result is the one
 * the fold-until-it-fits loop gives. */
static inline uint32_t csum_fold32__(uint32_t s)
{
    s = (s & 0xFFFF) + (s >> 16);
    return (s & 0xFFFF) + (s >> 16);
}

/* The same for the 64-bit accumulator: 64 -> 33 -> 32 bits, then 16. */
static inline uint32_t csum_fold64__(uint64_t a)
{
    a = (a & 0xFFFFFFFFu) + (a >> 32);
    a = (a & 0xFFFFFFFFu) + (a >> 32);
    return csum_fold32__((uint32_t)a);
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
    uint64_t acc = csum_swap16__(csum_fold32__(sum));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint32_t w[2];
        memcpy(w, b + i, 8);
        acc += (uint64_t)w[0] + w[1];
    }
    if (n & 4) {
        uint32_t w;
        memcpy(&w, b + i, 4);
        acc += w;
        i += 4;
    }
    if (n & 2) {
        uint16_t w;
        memcpy(&w, b + i, 2);
        acc += w;
        i += 2;
    }
    if (n & 1) {
        uint8_t last[2] = {b[i], 0};
        uint16_t w;
        memcpy(&w, last, 2);
        acc += w;
    }
    return csum_swap16__(csum_fold64__(acc));
}

static const uint8_t toeplitz_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t pkt_toeplitz(const uint8_t *in, size_t n)
{
    uint32_t result = 0;
    uint32_t window = (uint32_t)toeplitz_key[0] << 24 | (uint32_t)toeplitz_key[1] << 16 |
                      (uint32_t)toeplitz_key[2] << 8 | toeplitz_key[3];
    for (size_t i = 0; i < n; i++) {
        uint8_t next = i + 4 < sizeof toeplitz_key ? toeplitz_key[i + 4] : 0;
        for (int b = 7; b >= 0; b--) {
            if (in[i] & (1u << b))
                result ^= window;
            window = window << 1 | ((next >> b) & 1u);
        }
    }
    return result;
}

uint16_t pkt_csum_fold(uint32_t sum) { return (uint16_t)~csum_fold32__(sum); }

/* The frame as it is on the wire: [0, caplen) bytes, then zeros up to
 * zeros_end, then trailer_len trailer bytes. */
struct wire__ {
    const uint8_t *b;
    size_t caplen;
    size_t zeros_end;
    const uint8_t *trailer;
    size_t trailer_len;
};

static void wire_of_frame__(const struct frame *f, size_t skip, struct wire__ *w)
{
    w->b = frame_cdata(f) + skip;
    w->caplen = f->len - skip;
    w->zeros_end = w->caplen + f->payload_len;
    w->trailer = f->trailer;
    w->trailer_len = f->trailer_len;
}

static uint32_t csum_run__(uint32_t sum, const uint8_t *b, size_t n, size_t rel)
{
    uint32_t s = pkt_csum_add(0, b, n);
    if (rel & 1)
        s = ((s & 0xFF) << 8) | (s >> 8);
    return pkt_csum_add(sum + s, NULL, 0);
}

/* Sum of the wire bytes [from, to), to <= zeros_end + trailer_len. */
static uint32_t wire_csum__(const struct wire__ *w, size_t from, size_t to, uint32_t sum)
{
    if (from < w->caplen) {
        size_t e = to < w->caplen ? to : w->caplen;
        sum = csum_run__(sum, w->b + from, e - from, 0);
    }
    if (to > w->zeros_end) {
        size_t s = from > w->zeros_end ? from : w->zeros_end;
        sum = csum_run__(sum, w->trailer + (s - w->zeros_end), to - s, s - from);
    }
    return sum;
}

/* Sum of the pseudo-header (RFC 768 / RFC 8200 8.1) and the L4 bytes
 * [l4, end) of the IP packet whose header is at ip. */
static uint32_t l4_sum__(const struct wire__ *w, const uint8_t *ip, int v6, size_t l4,
                         size_t end, uint8_t proto)
{
    uint32_t len = (uint32_t)(end - l4);
    uint32_t sum = v6 ? pkt_csum_add(0, ip + 8, 32) : pkt_csum_add(0, ip + 12, 8);
    sum += proto + (len >> 16) + (len & 0xFFFF);
    return wire_csum__(w, l4, end, sum);
}

static int l4_csum_off__(uint8_t proto)
{
    switch (proto) {
    case PKT_IPPROTO_UDP:
        return 6;
    case PKT_IPPROTO_TCP:
        return 16;
    case PKT_IPPROTO_ICMPV6:
        return 2;
    default:
        return -1;
    }
}

int pkt_l4_csum_fill(struct frame *f) { return pkt_l4_csum_fill_at(f, 0); }

int pkt_l4_csum_fill_at(struct frame *f, size_t l3)
{
    if (!f || f->len < l3 || f->len - l3 < PKT_IPV4_HLEN)
        return -EINVAL;
    uint8_t *ip = frame_data(f) + l3;
    size_t caplen = f->len - l3;
    int v6 = (ip[0] >> 4) == 6;
    size_t hl, end;
    uint8_t proto;
    if (v6) {
        if (caplen < PKT_IPV6_HLEN)
            return -EINVAL;
        hl = PKT_IPV6_HLEN;
        end = hl + pkt_rd16(ip + 4);
        proto = ip[6];
    } else {
        hl = (size_t)(ip[0] & 0x0F) * 4;
        end = pkt_rd16(ip + 2);
        proto = ip[9];
    }
    int co = l4_csum_off__(proto);
    if (co < 0 || (proto == PKT_IPPROTO_ICMPV6 && !v6))
        return -EPROTONOSUPPORT;
    if (hl < PKT_IPV4_HLEN || end < hl + (size_t)co + 2 || caplen < hl + (size_t)co + 2 ||
        end > frame_wire_len(f) - l3)
        return -EINVAL;
    wr16__(ip + hl + co, 0);
    uint32_t sum;
    if (!v6 && hl == PKT_IPV4_HLEN && f->trailer_len == 0) {
        /* The common case in one pass: the pseudo-header's addresses (IP
         * bytes 12-19) run straight into the L4 header; the virtual
         * payload is zeros and adds nothing. */
        uint32_t len = (uint32_t)(end - hl);
        size_t stored = end < caplen ? end : caplen;
        sum = pkt_csum_add(proto + (len >> 16) + (len & 0xFFFF), ip + 12, stored - 12);
    } else {
        struct wire__ w;
        wire_of_frame__(f, l3, &w);
        sum = l4_sum__(&w, ip, v6, hl, end, proto);
    }
    uint16_t c = pkt_csum_fold(sum);
    if (c == 0 && proto == PKT_IPPROTO_UDP)
        c = 0xFFFF; /* RFC 768: a computed 0 is sent as all ones */
    wr16__(ip + hl + co, c);
    return 0;
}

static int csum_verify__(const struct wire__ *w, const struct pkt_info *pi)
{
    if (!(pi->layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)))
        return 0;
    const uint8_t *ip = w->b + pi->l3_off;
    int v6 = pi->ip_version == 6;
    if (!v6) {
        size_t hl = (size_t)(ip[0] & 0x0F) * 4;
        if (pkt_csum_fold(pkt_csum_add(0, ip, hl)) != 0)
            return -EBADMSG;
    }
    if (pi->layers & PKT_HAS_IP_FRAG)
        return 0;
    int co = l4_csum_off__(pi->ip_proto);
    if (co < 0 || !(pi->layers & (PKT_HAS_UDP | PKT_HAS_TCP | PKT_HAS_ICMPV6)))
        return 0;
    if (pi->ip_proto == PKT_IPPROTO_UDP && !v6 && pkt_rd16(w->b + pi->l4_off + 6) == 0)
        return 0; /* IPv4 UDP without checksum */
    uint32_t s = l4_sum__(w, ip, v6, pi->l4_off, pi->ip_end, pi->ip_proto);
    return pkt_csum_fold(s) == 0 ? 0 : -EBADMSG;
}

int pkt_csum_verify(const struct frame *f)
{
    struct pkt_info pi;
    int err = pkt_parse(f, &pi);
    if (err)
        return err;
    struct wire__ w;
    wire_of_frame__(f, 0, &w);
    return csum_verify__(&w, &pi);
}

int pkt_csum_verify_bytes(const uint8_t *b, size_t caplen, size_t wire_len)
{
    struct pkt_info pi;
    int err = pkt_parse_bytes(b, caplen, wire_len, &pi);
    if (err)
        return err;
    struct wire__ w = {b, caplen, wire_len, NULL, 0};
    return csum_verify__(&w, &pi);
}

/* ---- layer pushers ---- */

/* Bytes that follow the front of f on the wire. */
static size_t frame_after__(const struct frame *f)
{
    return (size_t)f->len + f->payload_len + f->trailer_len;
}

int pkt_udp_push(struct frame *f, uint16_t sport, uint16_t dport)
{
    size_t len = PKT_UDP_HLEN + frame_after__(f);
    if (len > 0xFFFF)
        return -EMSGSIZE;
    uint8_t *u = frame_push(f, PKT_UDP_HLEN);
    if (!u)
        return -ENOSPC;
    wr16__(u, sport);
    wr16__(u + 2, dport);
    wr16__(u + 4, (uint16_t)len);
    wr16__(u + 6, 0);
    return 0;
}

void pkt_ipv4_hdr_write(uint8_t *h, const struct pkt_ip_spec *ip, uint8_t proto,
                        uint16_t tot_len)
{
    /* The header as five big-endian 32-bit words, the checksum from them
     * (RFC 1071: 2^16 = 1 modulo 0xFFFF, so summing 32-bit words and
     * folding gives the sum of the 16-bit words; it is never 0 here, the
     * version byte is in it).  From the field values, not from the bytes
     * just stored: reading them back would wait for the stores. */
    uint32_t w0 = (uint32_t)IPV4_VER_IHL_NO_OPTS << 24 | (uint32_t)(ip->dscp << 2 | ip->ecn) << 16 |
                  tot_len;
    uint32_t w1 = (uint32_t)ip->id << 16 | (ip->df ? 0x4000u : 0u);
    uint32_t w2 = (uint32_t)ip->ttl << 24 | (uint32_t)proto << 16;
    uint32_t src = rd32__(ip->src), dst = rd32__(ip->dst);
    uint64_t sum = (uint64_t)w0 + w1 + w2 + src + dst; /* < 5 * 2^32 */
    sum = (sum & 0xFFFF) + (sum >> 16);                 /* < 2^19 */
    wr32__(h, w0);
    wr32__(h + 4, w1);
    wr32__(h + 8, w2 | (uint16_t)~csum_fold32__((uint32_t)sum));
    memcpy(h + 12, ip->src, 4);
    memcpy(h + 16, ip->dst, 4);
}

int pkt_ip_push(struct frame *f, const struct pkt_ip_spec *ip, uint8_t proto)
{
    if (!f || !ip || ip->dscp > 63 || ip->ecn > 3)
        return -EINVAL;
    size_t after = frame_after__(f);
    if (ip->version == 4) {
        if (after + PKT_IPV4_HLEN > 0xFFFF)
            return -EMSGSIZE;
        uint8_t *h = frame_push(f, PKT_IPV4_HLEN);
        if (!h)
            return -ENOSPC;
        pkt_ipv4_hdr_write(h, ip, proto, (uint16_t)(after + PKT_IPV4_HLEN));
        return 0;
    }
    if (ip->version != 6 || ip->flow_label > 0xFFFFF)
        return -EINVAL;
    if (after > 0xFFFF)
        return -EMSGSIZE;
    uint8_t *h = frame_push(f, PKT_IPV6_HLEN);
    if (!h)
        return -ENOSPC;
    uint32_t tc = (uint32_t)(ip->dscp << 2 | ip->ecn);
    wr32__(h, 6u << 28 | tc << 20 | ip->flow_label);
    wr16__(h + 4, (uint16_t)after);
    h[6] = proto;
    h[7] = ip->ttl;
    memcpy(h + 8, ip->src, 16);
    memcpy(h + 24, ip->dst, 16);
    return 0;
}

int pkt_eth_push(struct frame *f, const struct pkt_l2_spec *l2, uint16_t ethertype)
{
    if (!f || !l2 || l2->pcp > 7 || l2->dei > 1 || l2->vid > 4094)
        return -EINVAL;
    size_t n = PKT_ETH_HLEN + (l2->tagged ? PKT_VLAN_HLEN : 0);
    uint8_t *e = frame_push(f, n);
    if (!e)
        return -ENOSPC;
    pkt_eth_hdr_write(e, l2, ethertype);
    return 0;
}

size_t pkt_eth_hdr_write(uint8_t *e, const struct pkt_l2_spec *l2, uint16_t ethertype)
{
    memcpy(e, l2->dst, PKT_ETH_ALEN);
    memcpy(e + PKT_ETH_ALEN, l2->src, PKT_ETH_ALEN);
    if (l2->tagged) {
        wr16__(e + 12, PKT_ETH_P_VLAN);
        wr16__(e + 14, (uint16_t)(l2->pcp << 13 | l2->dei << 12 | l2->vid));
        wr16__(e + 16, ethertype);
        return PKT_ETH_HLEN + PKT_VLAN_HLEN;
    }
    wr16__(e + 12, ethertype);
    return PKT_ETH_HLEN;
}

int pkt_eth_pad(struct frame *f)
{
    if (!f)
        return -EINVAL;
    if (frame_wire_len(f) >= FRAME_ETH_MIN)
        return 0;
    if (f->payload_len || f->trailer_len) {
        size_t pl = f->payload_len;
        uint8_t *p = frame_put(f, pl + f->trailer_len);
        if (!p)
            return -ENOSPC;
        memset(p, 0, pl);
        memcpy(p + pl, f->trailer, f->trailer_len);
        f->payload_len = 0;
        f->trailer_len = 0;
    }
    return frame_pad_min(f);
}

/* ---- builders ---- */

/* Checks a builder's frame is empty and remembers where it starts. */
static int build_begin__(struct frame *f, const struct pkt_l2_spec *l2, uint16_t *off0)
{
    if (!f || !l2 || f->len != 0 || f->trailer_len != 0)
        return -EINVAL;
    *off0 = f->off;
    return 0;
}

/* Returns a failed build's frame to empty. */
static int build_fail__(struct frame *f, uint16_t off0, int err)
{
    f->off = off0;
    f->len = 0;
    f->payload_len = 0;
    f->trailer_len = 0;
    return err;
}

int pkt_arp_build(struct frame *f, const struct pkt_l2_spec *l2, uint16_t op,
                  const uint8_t sha[PKT_ETH_ALEN], const uint8_t spa[4],
                  const uint8_t tha[PKT_ETH_ALEN], const uint8_t tpa[4])
{
    uint16_t off0;
    int err = build_begin__(f, l2, &off0);
    if (err)
        return err;
    if (!sha || !spa || !tha || !tpa)
        return -EINVAL;
    f->payload_len = 0;
    uint8_t *a = frame_push(f, PKT_ARP_LEN);
    if (!a)
        return build_fail__(f, off0, -ENOSPC);
    wr16__(a, 1);              /* Ethernet */
    wr16__(a + 2, PKT_ETH_P_IPV4);
    a[4] = PKT_ETH_ALEN;
    a[5] = 4;
    wr16__(a + 6, op);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    if ((err = pkt_eth_push(f, l2, PKT_ETH_P_ARP)) != 0 || (err = pkt_eth_pad(f)) != 0)
        return build_fail__(f, off0, err);
    return 0;
}

/* Finishes an IP builder: IP header, L4 checksum, Ethernet, padding. */
static int build_ip_tail__(struct frame *f, const struct pkt_l2_spec *l2,
                           const struct pkt_ip_spec *ip, uint8_t proto)
{
    int err = pkt_ip_push(f, ip, proto);
    if (err)
        return err;
    if ((err = pkt_l4_csum_fill(f)) != 0)
        return err;
    uint16_t et = ip->version == 4 ? PKT_ETH_P_IPV4 : PKT_ETH_P_IPV6;
    if ((err = pkt_eth_push(f, l2, et)) != 0)
        return err;
    return pkt_eth_pad(f);
}

int pkt_udp_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                  uint16_t sport, uint16_t dport, uint32_t payload_len)
{
    uint16_t off0;
    int err = build_begin__(f, l2, &off0);
    if (err)
        return err;
    if (!ip)
        return -EINVAL;
    f->payload_len = payload_len;
    if ((err = pkt_udp_push(f, sport, dport)) != 0 ||
        (err = build_ip_tail__(f, l2, ip, PKT_IPPROTO_UDP)) != 0)
        return build_fail__(f, off0, err);
    return 0;
}

/* TCP options in the order Linux sends them, padded with NOPs to 32 bits. */
static size_t tcp_opts_build__(const struct pkt_tcp_spec *t, uint8_t *o)
{
    size_t n = 0;
    if (t->mss) {
        o[n++] = 2;
        o[n++] = 4;
        wr16__(o + n, t->mss);
        n += 2;
    }
    if (t->sack_ok && t->ts) {
        o[n++] = 4;
        o[n++] = 2;
    } else if (t->ts || t->sack_ok) {
        o[n++] = 1;
        o[n++] = 1;
        if (t->sack_ok) {
            o[n++] = 4;
            o[n++] = 2;
        }
    }
    if (t->ts) {
        o[n++] = 8;
        o[n++] = 10;
        wr32__(o + n, t->tsval);
        wr32__(o + n + 4, t->tsecr);
        n += 8;
    }
    if (t->wscale != PKT_TCP_NO_WSCALE) {
        o[n++] = 1;
        o[n++] = 3;
        o[n++] = 3;
        o[n++] = t->wscale;
    }
    return n;
}

static int tcp_push__(struct frame *f, const struct pkt_tcp_spec *t)
{
    uint8_t opts[40];
    size_t on = tcp_opts_build__(t, opts);
    size_t hl = PKT_TCP_HLEN + on;
    uint8_t *h = frame_push(f, hl);
    if (!h)
        return -ENOSPC;
    wr16__(h, t->sport);
    wr16__(h + 2, t->dport);
    wr32__(h + 4, t->seq);
    wr32__(h + 8, t->ack);
    h[12] = (uint8_t)(hl / 4 << 4);
    h[13] = t->flags;
    wr16__(h + 14, t->window);
    wr16__(h + 16, 0);
    wr16__(h + 18, 0);
    memcpy(h + PKT_TCP_HLEN, opts, on);
    return 0;
}

int pkt_tcp_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                  const struct pkt_tcp_spec *tcp, uint32_t payload_len)
{
    uint16_t off0;
    int err = build_begin__(f, l2, &off0);
    if (err)
        return err;
    if (!ip || !tcp || (tcp->wscale != PKT_TCP_NO_WSCALE && tcp->wscale > PKT_TCP_MAX_WSCALE))
        return -EINVAL;
    f->payload_len = payload_len;
    if ((err = tcp_push__(f, tcp)) != 0 || (err = build_ip_tail__(f, l2, ip, PKT_IPPROTO_TCP)) != 0)
        return build_fail__(f, off0, err);
    return 0;
}

int pkt_nd_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                 const struct pkt_nd_spec *nd)
{
    uint16_t off0;
    int err = build_begin__(f, l2, &off0);
    if (err)
        return err;
    if (!ip || !nd || ip->version != 6 ||
        (nd->type != PKT_ICMPV6_NS && nd->type != PKT_ICMPV6_NA))
        return -EINVAL;
    f->payload_len = 0;
    size_t n = ND_FIXED_LEN + (nd->has_lladdr ? 8 : 0);
    uint8_t *m = frame_push(f, n);
    if (!m)
        return build_fail__(f, off0, -ENOSPC);
    memset(m, 0, ND_FIXED_LEN);
    m[0] = nd->type;
    if (nd->type == PKT_ICMPV6_NA)
        m[4] = nd->flags & 0xE0;
    memcpy(m + 8, nd->target, 16);
    if (nd->has_lladdr) {
        m[24] = nd->type == PKT_ICMPV6_NS ? PKT_ND_OPT_SLLA : PKT_ND_OPT_TLLA;
        m[25] = 1; /* in units of 8 octets */
        memcpy(m + 26, nd->lladdr, PKT_ETH_ALEN);
    }
    struct pkt_ip_spec ip6 = *ip;
    ip6.ttl = PKT_ND_HOP_LIMIT;
    if ((err = build_ip_tail__(f, l2, &ip6, PKT_IPPROTO_ICMPV6)) != 0)
        return build_fail__(f, off0, err);
    return 0;
}

/* ---- in-place editors ---- */

int pkt_eth_set_src(struct frame *f, const uint8_t mac[PKT_ETH_ALEN])
{
    if (!f || !mac)
        return -EINVAL;
    if (f->len < PKT_ETH_HLEN)
        return -EMSGSIZE;
    memcpy(frame_data(f) + PKT_ETH_ALEN, mac, PKT_ETH_ALEN);
    return 0;
}

int pkt_eth_set_dst(struct frame *f, const uint8_t mac[PKT_ETH_ALEN])
{
    if (!f || !mac)
        return -EINVAL;
    if (f->len < PKT_ETH_HLEN)
        return -EMSGSIZE;
    memcpy(frame_data(f), mac, PKT_ETH_ALEN);
    return 0;
}

int pkt_vlan_set_pcp(struct frame *f, uint8_t pcp)
{
    if (!f || pcp > 7)
        return -EINVAL;
    if (!pkt_eth_tagged(f))
        return -ENOENT;
    uint8_t *p = frame_data(f);
    p[14] = (uint8_t)((p[14] & 0x1F) | pcp << 5);
    return 0;
}

int pkt_vlan_set_vid(struct frame *f, uint16_t vid)
{
    if (!f || vid > 4094)
        return -EINVAL;
    if (!pkt_eth_tagged(f))
        return -ENOENT;
    uint8_t *p = frame_data(f);
    wr16__(p + 14, (uint16_t)((pkt_rd16(p + 14) & 0xF000) | vid));
    return 0;
}

/* The IP header of f, its version in *v; NULL if f has none. */
static uint8_t *ip_hdr__(const struct frame *f, int *v)
{
    struct pkt_l2 l2;
    if (pkt_l2(f, &l2) != 0)
        return NULL;
    uint8_t *ip = (uint8_t *)frame_cdata(f) + l2.l3_off;
    if (l2.ethertype == PKT_ETH_P_IPV4 && f->len >= l2.l3_off + PKT_IPV4_HLEN && ip[0] >> 4 == 4) {
        *v = 4;
        return ip;
    }
    if (l2.ethertype == PKT_ETH_P_IPV6 && f->len >= l2.l3_off + PKT_IPV6_HLEN && ip[0] >> 4 == 6) {
        *v = 6;
        return ip;
    }
    return NULL;
}

int pkt_ip_get_ds(const struct frame *f, uint8_t *dscp, uint8_t *ecn)
{
    int v;
    const uint8_t *ip = f ? ip_hdr__(f, &v) : NULL;
    if (!ip)
        return -ENOENT;
    uint8_t tc = v == 4 ? ip[1] : (uint8_t)((ip[0] & 0x0F) << 4 | ip[1] >> 4);
    if (dscp)
        *dscp = tc >> 2;
    if (ecn)
        *ecn = tc & 3;
    return 0;
}

/* Replaces the `mask` bits of the DS byte (DSCP << 2 | ECN) by `bits`. */
static int ip_set_tc__(struct frame *f, uint8_t mask, uint8_t bits)
{
    int v;
    uint8_t *ip = ip_hdr__(f, &v);
    if (!ip)
        return -ENOENT;
    if (v == 6) {
        uint8_t tc = (uint8_t)((ip[0] & 0x0F) << 4 | ip[1] >> 4);
        tc = (uint8_t)((tc & ~mask) | bits);
        ip[0] = (uint8_t)((ip[0] & 0xF0) | tc >> 4);
        ip[1] = (uint8_t)((ip[1] & 0x0F) | tc << 4);
        return 0;
    }
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the changed 16-bit word */
    uint16_t m = pkt_rd16(ip);
    ip[1] = (uint8_t)((ip[1] & ~mask) | bits);
    uint16_t m2 = pkt_rd16(ip);
    uint32_t s = (uint16_t)~pkt_rd16(ip + 10) + (uint32_t)(uint16_t)~m + m2;
    wr16__(ip + 10, pkt_csum_fold(s));
    return 0;
}

int pkt_ip_set_dscp(struct frame *f, uint8_t dscp)
{
    if (!f || dscp > 63)
        return -EINVAL;
    return ip_set_tc__(f, 0xFC, (uint8_t)(dscp << 2));
}

int pkt_ip_set_ecn(struct frame *f, uint8_t ecn)
{
    if (!f || ecn > 3)
        return -EINVAL;
    return ip_set_tc__(f, 0x03, ecn);
}

int pkt_ip_mark_ce(struct frame *f)
{
    uint8_t ecn;
    int err = pkt_ip_get_ds(f, NULL, &ecn);
    if (err)
        return err;
    if (ecn == PKT_ECN_NOT_ECT)
        return -EPROTO;
    return ecn == PKT_ECN_CE ? 0 : pkt_ip_set_ecn(f, PKT_ECN_CE);
}

/* ---- address helpers ---- */

void pkt_ipv6_solicited_node(const uint8_t target[16], uint8_t out[16])
{
    static const uint8_t prefix[13] = {0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xFF};
    uint8_t tail[3] = {target[13], target[14], target[15]};
    memcpy(out, prefix, sizeof prefix);
    memcpy(out + 13, tail, 3);
}

void pkt_eth_ipv6_mcast(const uint8_t ip6[16], uint8_t mac[PKT_ETH_ALEN])
{
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, ip6 + 12, 4);
}
