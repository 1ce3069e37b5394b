/* test_pkt: the header codecs (pkt, pkt_roce, pkt_pfc) against known byte
 * vectors, build/parse round trips, checksum and ICRC verification,
 * truncation and mutation fuzzing of the parser, and a tshark decode of one
 * frame of each kind.
 *
 * The parser's fast path is compared with its general path, field by field,
 * on generated frames and their near misses (parse_fast_matches_general);
 * the RoCEv2 header template with pkt_roce_build (test_roce_tmpl, and
 * test_roce_tmpl_again for a caller that knows its template current);
 * pkt_ipv4_hdr_write with a header laid out and summed byte by byte.
 *
 * Known vectors, by provenance:
 *   - RFC 1071 section 3 numeric example (one's-complement sum);
 *   - the IPv4 header checksum example of the Wikipedia "Internet checksum"
 *     article (header ... b861 ...);
 *   - a TCP SYN printed in jafingerhut/p4-guide README-scapy.md (scapy);
 *   - a RoCEv2 CNP captured from a Mellanox ConnectX-4 Lx (hardware ICRC),
 *     and a UC SEND with payload whose ICRC, IP and UDP checksums scapy's
 *     RoCE regression tests assert (secdev/scapy test/contrib/roce.uts);
 *   - vec_*: frames produced by an independent Python model (struct +
 *     zlib.crc32, payload as real zero bytes), also checked by tshark with
 *     checksum validation on in test_tshark_decode.
 */
#include "pkt.h"
#include "pkt_int.h"
#include "pkt_pfc.h"
#include "pkt_roce.h"
#include "pkt_roce_int.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* ---- vectors from the independent Python model ---- */

static const uint8_t vec_ns[86] = {
    0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x7a, 0x97, 0x00, 0x00,
    0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x01,
};
static const uint8_t vec_na[86] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x02, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x18, 0x1a, 0x60, 0x00,
    0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x02,
};
static const uint8_t vec_udp6[62] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x86, 0xdd, 0x66, 0x81, 0x23, 0x45, 0x03, 0xf0, 0x11, 0x40, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0xd2, 0x16, 0x2e, 0x03, 0xf0,
    0x81, 0x99,
};
#define VEC_UDP6_WIRE 1062
static const uint8_t vec_roce6_hdr[94] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x81, 0x00, 0x60, 0x0a, 0x86, 0xdd, 0x66, 0xaa, 0xbc, 0xde, 0x04, 0x28,
    0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc0, 0x00,
    0x12, 0xb7, 0x04, 0x28, 0xff, 0xc7, 0x06, 0x00, 0xff, 0xff, 0x00, 0x00,
    0x0a, 0xbc, 0x80, 0x12, 0x34, 0x56, 0x00, 0x00, 0x7f, 0x00, 0x12, 0x34,
    0x50, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x10, 0x00,
};
static const uint8_t vec_roce6_icrc[4] = {
    0x8b, 0xd9, 0xe9, 0xd8,
};
#define VEC_ROCE6_WIRE 1122
static const uint8_t vec_roce4[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x6a, 0x00, 0x3c, 0x00, 0x07, 0x40, 0x00, 0x40, 0x11,
    0x26, 0x3e, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0xd0, 0x01,
    0x12, 0xb7, 0x00, 0x28, 0x00, 0x00, 0x04, 0xf0, 0xff, 0xff, 0x00, 0x00,
    0x00, 0x11, 0x80, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x7c,
    0x2c, 0xf2,
};
static const uint8_t vec_tcp_syn[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0xa5, 0x19, 0xc0, 0xa8, 0x01, 0x0a, 0xc0, 0xa8, 0x01, 0x14, 0x9c, 0x40,
    0x01, 0xbd, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0xe3, 0x54, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
    0x03, 0x07,
};

/* ---- helpers ---- */

#define WIRE_MAX 10000

static const uint8_t MAC_A[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void l2_set(struct pkt_l2_spec *l2, const uint8_t dst[6], const uint8_t src[6])
{
    memset(l2, 0, sizeof *l2);
    memcpy(l2->dst, dst, 6);
    memcpy(l2->src, src, 6);
}

static void l2_tag(struct pkt_l2_spec *l2, uint8_t pcp, uint16_t vid)
{
    l2->tagged = 1;
    l2->pcp = pcp;
    l2->vid = vid;
}

/* An IP spec from dotted / colon text. */
static void ip_set(struct pkt_ip_spec *ip, int version, const char *src, const char *dst)
{
    memset(ip, 0, sizeof *ip);
    ip->version = (uint8_t)version;
    ip->ttl = 64;
    int af = version == 4 ? AF_INET : AF_INET6;
    CU_ASSERT_FATAL(inet_pton(af, src, ip->src) == 1);
    CU_ASSERT_FATAL(inet_pton(af, dst, ip->dst) == 1);
}

/* The frame's bytes as on the wire: header bytes, zeros, trailer. */
static size_t flatten(const struct frame *f, uint8_t *out, size_t cap)
{
    size_t n = frame_wire_len(f);
    CU_ASSERT_FATAL(n <= cap);
    memcpy(out, frame_cdata(f), f->len);
    memset(out + f->len, 0, f->payload_len);
    memcpy(out + f->len + f->payload_len, f->trailer, f->trailer_len);
    return n;
}

/* Deterministic generator for the fuzz tests (SplitMix64). */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- sample frames: one of each kind ---- */

enum sample {
    S_ARP_REQ,
    S_ARP_REPLY_TAGGED,
    S_NS,
    S_NA,
    S_UDP4,
    S_UDP6,
    S_TCP4_SYN,
    S_TCP6_DATA,
    S_ROCE_SEND_FIRST,
    S_ROCE_SEND_MIDDLE,
    S_ROCE_SEND_LAST,
    S_ROCE_SEND_ONLY_EMPTY,
    S_ROCE6_WRITE_FIRST,
    S_ROCE_WRITE_MIDDLE,
    S_ROCE_WRITE_LAST,
    S_ROCE_WRITE_ONLY,
    S_ROCE_READ_REQ,
    S_ROCE_READ_RESP_FIRST,
    S_ROCE_READ_RESP_MIDDLE,
    S_ROCE_READ_RESP_LAST,
    S_ROCE_READ_RESP_ONLY,
    S_ROCE_ACK,
    S_ROCE_NAK,
    S_ROCE6_CNP,
    S_PFC,
    S_PAUSE,
    S_UDP4_TAGGED_CE,
    S_COUNT
};

static void roce_spec(struct pkt_roce_spec *r, uint8_t opcode, uint32_t psn)
{
    memset(r, 0, sizeof *r);
    r->bth.opcode = opcode;
    r->bth.pkey = PKT_ROCE_DEFAULT_PKEY;
    r->bth.dest_qp = 0x000123;
    r->bth.psn = psn;
    r->bth.ack_req = 1;
    r->reth.va = 0x00007F0000100000ull;
    r->reth.rkey = 0x1234ABCD;
    r->reth.dma_len = 3000;
    r->aeth.syndrome = pkt_roce_aeth_ack(PKT_AETH_CREDITS_INVALID);
    r->aeth.msn = 77;
    r->udp_sport = 0xC123;
}

static int roce_sample(struct frame *f, int version, int tagged, uint8_t opcode, uint32_t payload)
{
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_roce_spec r;
    l2_set(&l2, MAC_B, MAC_A);
    if (tagged)
        l2_tag(&l2, 3, 10);
    if (version == 4)
        ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    else
        ip_set(&ip, 6, "2001:db8::1", "2001:db8::2");
    ip.dscp = 26;
    ip.ecn = PKT_ECN_ECT0;
    roce_spec(&r, opcode, 0x10);
    return pkt_roce_build(f, &l2, &ip, &r, payload);
}

static struct frame *build_sample(struct frame_pool *pool, int which)
{
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_FATAL(f != NULL);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    uint8_t spa[4] = {10, 0, 0, 1}, tpa[4] = {10, 0, 0, 2};
    uint8_t zero_mac[6] = {0};
    uint16_t quanta[8] = {0, 0, 0, 0xFFFF, 0, 0, 0, 0};
    int err = -1;
    l2_set(&l2, MAC_B, MAC_A);
    switch (which) {
    case S_ARP_REQ:
        l2_set(&l2, MAC_BCAST, MAC_A);
        err = pkt_arp_build(f, &l2, PKT_ARP_REQUEST, MAC_A, spa, zero_mac, tpa);
        break;
    case S_ARP_REPLY_TAGGED:
        l2_tag(&l2, 5, 20);
        err = pkt_arp_build(f, &l2, PKT_ARP_REPLY, MAC_A, spa, MAC_B, tpa);
        break;
    case S_NS:
    case S_NA: {
        struct pkt_nd_spec nd;
        memset(&nd, 0, sizeof nd);
        nd.has_lladdr = 1;
        if (which == S_NS) {
            ip_set(&ip, 6, "fe80::1", "ff02::1:ff00:2");
            l2_set(&l2, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 2}, MAC_A);
            nd.type = PKT_ICMPV6_NS;
            memcpy(nd.lladdr, MAC_A, 6);
            CU_ASSERT_FATAL(inet_pton(AF_INET6, "fe80::2", nd.target) == 1);
        } else {
            ip_set(&ip, 6, "fe80::2", "fe80::1");
            l2_set(&l2, MAC_A, MAC_B);
            nd.type = PKT_ICMPV6_NA;
            nd.flags = PKT_ND_NA_SOLICITED | PKT_ND_NA_OVERRIDE;
            memcpy(nd.lladdr, MAC_B, 6);
            CU_ASSERT_FATAL(inet_pton(AF_INET6, "fe80::2", nd.target) == 1);
        }
        err = pkt_nd_build(f, &l2, &ip, &nd);
        break;
    }
    case S_UDP4:
        ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
        err = pkt_udp_build(f, &l2, &ip, 50000, 50001, 100);
        break;
    case S_UDP6:
        ip_set(&ip, 6, "2001:db8::1", "2001:db8::2");
        ip.dscp = 26;
        ip.flow_label = 0x12345;
        err = pkt_udp_build(f, &l2, &ip, 1234, 5678, 1000);
        break;
    case S_TCP4_SYN:
    case S_TCP6_DATA: {
        struct pkt_tcp_spec t;
        memset(&t, 0, sizeof t);
        t.sport = 40000;
        t.dport = 445;
        t.seq = 0x11223344;
        t.window = 64240;
        if (which == S_TCP4_SYN) {
            ip_set(&ip, 4, "192.168.1.10", "192.168.1.20");
            ip.df = 1;
            ip.id = 0x1234;
            t.flags = PKT_TCP_SYN;
            t.mss = 1460;
            t.sack_ok = 1;
            t.ts = 1;
            t.tsval = 1000;
            t.wscale = 7;
            err = pkt_tcp_build(f, &l2, &ip, &t, 0);
        } else {
            ip_set(&ip, 6, "2001:db8::1", "2001:db8::2");
            t.flags = PKT_TCP_ACK | PKT_TCP_PSH;
            t.ack = 0x55667788;
            t.ts = 1;
            t.tsval = 5;
            t.tsecr = 6;
            t.wscale = PKT_TCP_NO_WSCALE;
            err = pkt_tcp_build(f, &l2, &ip, &t, 1400);
        }
        break;
    }
    case S_ROCE_SEND_FIRST:
        err = roce_sample(f, 4, 0, PKT_IB_RC_SEND_FIRST, 1024);
        break;
    case S_ROCE_SEND_MIDDLE:
        err = roce_sample(f, 4, 0, PKT_IB_RC_SEND_MIDDLE, 1024);
        break;
    case S_ROCE_SEND_LAST:
        err = roce_sample(f, 4, 0, PKT_IB_RC_SEND_LAST, 13);
        break;
    case S_ROCE_SEND_ONLY_EMPTY:
        err = roce_sample(f, 4, 0, PKT_IB_RC_SEND_ONLY, 0);
        break;
    case S_ROCE6_WRITE_FIRST:
        err = roce_sample(f, 6, 1, PKT_IB_RC_WRITE_FIRST, 1024);
        break;
    case S_ROCE_WRITE_MIDDLE:
        err = roce_sample(f, 4, 0, PKT_IB_RC_WRITE_MIDDLE, 1024);
        break;
    case S_ROCE_WRITE_LAST:
        err = roce_sample(f, 4, 0, PKT_IB_RC_WRITE_LAST, 952);
        break;
    case S_ROCE_WRITE_ONLY:
        err = roce_sample(f, 4, 0, PKT_IB_RC_WRITE_ONLY, 4096);
        break;
    case S_ROCE_READ_REQ:
        err = roce_sample(f, 4, 0, PKT_IB_RC_READ_REQUEST, 0);
        break;
    case S_ROCE_READ_RESP_FIRST:
        err = roce_sample(f, 4, 0, PKT_IB_RC_READ_RESP_FIRST, 1024);
        break;
    case S_ROCE_READ_RESP_MIDDLE:
        err = roce_sample(f, 4, 0, PKT_IB_RC_READ_RESP_MIDDLE, 1024);
        break;
    case S_ROCE_READ_RESP_LAST:
        err = roce_sample(f, 4, 0, PKT_IB_RC_READ_RESP_LAST, 1);
        break;
    case S_ROCE_READ_RESP_ONLY:
        err = roce_sample(f, 4, 0, PKT_IB_RC_READ_RESP_ONLY, 200);
        break;
    case S_ROCE_ACK:
        err = roce_sample(f, 4, 0, PKT_IB_RC_ACK, 0);
        break;
    case S_ROCE_NAK: {
        struct pkt_roce_spec r;
        ip_set(&ip, 4, "10.0.0.2", "10.0.0.1");
        roce_spec(&r, PKT_IB_RC_ACK, 0x20);
        r.aeth.syndrome = pkt_roce_aeth_nak(PKT_AETH_NAK_PSN_SEQ_ERR);
        err = pkt_roce_build(f, &l2, &ip, &r, 0);
        break;
    }
    case S_ROCE6_CNP:
        ip_set(&ip, 6, "2001:db8::2", "2001:db8::1");
        ip.dscp = 48;
        err = pkt_roce_cnp_build(f, &l2, &ip, 0xC001, 0x000123);
        break;
    case S_PFC:
        err = pkt_pfc_build(f, MAC_A, 1u << 3, quanta);
        break;
    case S_PAUSE:
        err = pkt_pfc_pause_build(f, MAC_A, 0x1000);
        break;
    case S_UDP4_TAGGED_CE:
        l2_tag(&l2, 3, 100);
        ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
        ip.ecn = PKT_ECN_ECT1;
        err = pkt_udp_build(f, &l2, &ip, 7, 9, 21);
        if (err == 0)
            err = pkt_ip_mark_ce(f);
        break;
    default:
        break;
    }
    CU_ASSERT_EQUAL_FATAL(err, 0);
    return f;
}

/* ---- checksums: known vectors ---- */

static void test_csum_known(void)
{
    /* RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2 */
    static const uint8_t rfc1071[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CU_ASSERT_EQUAL(pkt_csum_add(0, rfc1071, 8), 0xddf2);
    CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, rfc1071, 8)), 0x220d);

    /* IPv4 header with checksum b861 */
    static const uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint8_t z[20];
    memcpy(z, hdr, 20);
    z[10] = z[11] = 0;
    CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, z, 20)), 0xb861);
    CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, hdr, 20)), 0);

    /* the builder writes the same header: total length counts the payload */
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "192.168.0.1", "192.168.0.199");
    ip.df = 1;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0x73 - 28), 0);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f) + 14, hdr, 20), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), 14 + 0x73);
    CU_ASSERT_EQUAL(f->payload_len, 0x73 - 28);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_tcp_known(void)
{
    /* scapy: Ether()/IP(dst='10.1.0.1')/TCP(sport=5793, dport=80) */
    static const uint8_t syn[54] = {
        0x52, 0x54, 0x00, 0x12, 0x35, 0x02, 0x08, 0x00, 0x27, 0x01, 0x8b, 0xbc, 0x08, 0x00,
        0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x64, 0xbf, 0x0a, 0x00,
        0x02, 0x0f, 0x0a, 0x01, 0x00, 0x01, 0x16, 0xa1, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x62, 0xe1, 0x00, 0x00};
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_tcp_spec t;
    l2_set(&l2, syn, syn + 6);
    ip_set(&ip, 4, "10.0.2.15", "10.1.0.1");
    ip.id = 1;
    memset(&t, 0, sizeof t);
    t.sport = 5793;
    t.dport = 80;
    t.flags = PKT_TCP_SYN;
    t.window = 8192;
    t.wscale = PKT_TCP_NO_WSCALE;
    CU_ASSERT_EQUAL(pkt_tcp_build(f, &l2, &ip, &t, 0), 0);
    CU_ASSERT_EQUAL(f->len, 60); /* padded */
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), syn, 54), 0);
    static const uint8_t zeros[6] = {0};
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f) + 54, zeros, 6), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify_bytes(syn, 54, 54), 0);
    frame_unref(f);

    /* options: MSS, SACK-permitted, timestamps, window scale (Python model) */
    f = build_sample(pool, S_TCP4_SYN);
    CU_ASSERT_EQUAL(frame_wire_len(f), sizeof vec_tcp_syn);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), vec_tcp_syn, sizeof vec_tcp_syn), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    uint32_t want = PKT_HAS_IPV4 | PKT_HAS_TCP | PKT_HAS_TCP_MSS | PKT_HAS_TCP_WS |
                    PKT_HAS_TCP_SACKOK | PKT_HAS_TCP_TS;
    CU_ASSERT_EQUAL(pi.layers, want);
    CU_ASSERT_EQUAL(pi.tcp_mss, 1460);
    CU_ASSERT_EQUAL(pi.tcp_wscale, 7);
    CU_ASSERT_EQUAL(pi.tcp_tsval, 1000);
    CU_ASSERT_EQUAL(pi.tcp_tsecr, 0);
    CU_ASSERT_EQUAL(pi.tcp_flags, PKT_TCP_SYN);
    CU_ASSERT_EQUAL(pi.tcp_seq, 0x11223344);
    CU_ASSERT_EQUAL(pi.tcp_window, 64240);
    CU_ASSERT_EQUAL(pi.sport, 40000);
    CU_ASSERT_EQUAL(pi.dport, 445);
    CU_ASSERT_EQUAL(pi.l5_len, 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_tcp_roundtrip(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    /* every option combination, both IP versions, a virtual payload */
    for (int combo = 0; combo < 32; combo++) {
        struct frame *f = frame_alloc(pool);
        struct pkt_l2_spec l2;
        struct pkt_ip_spec ip;
        struct pkt_tcp_spec t;
        int v6 = combo & 16;
        l2_set(&l2, MAC_B, MAC_A);
        if (v6)
            ip_set(&ip, 6, "2001:db8::a", "2001:db8::b");
        else
            ip_set(&ip, 4, "10.1.1.1", "10.1.1.2");
        memset(&t, 0, sizeof t);
        t.sport = 1000 + (uint16_t)combo;
        t.dport = 80;
        t.seq = 0xFFFFFFF0u;
        t.ack = 42;
        t.flags = PKT_TCP_ACK | PKT_TCP_ECE;
        t.window = 1234;
        t.mss = combo & 1 ? 8960 : 0;
        t.wscale = combo & 2 ? 14 : PKT_TCP_NO_WSCALE;
        t.sack_ok = (combo & 4) != 0;
        t.ts = (combo & 8) != 0;
        t.tsval = 0xA0B0C0D0;
        t.tsecr = 0x01020304;
        CU_ASSERT_EQUAL_FATAL(pkt_tcp_build(f, &l2, &ip, &t, 777), 0);
        struct pkt_info pi;
        CU_ASSERT_EQUAL_FATAL(pkt_parse(f, &pi), 0);
        CU_ASSERT_EQUAL(!!(pi.layers & PKT_HAS_TCP_MSS), !!(combo & 1));
        CU_ASSERT_EQUAL(!!(pi.layers & PKT_HAS_TCP_WS), !!(combo & 2));
        CU_ASSERT_EQUAL(!!(pi.layers & PKT_HAS_TCP_SACKOK), !!(combo & 4));
        CU_ASSERT_EQUAL(!!(pi.layers & PKT_HAS_TCP_TS), !!(combo & 8));
        if (combo & 1)
            CU_ASSERT_EQUAL(pi.tcp_mss, 8960);
        if (combo & 2)
            CU_ASSERT_EQUAL(pi.tcp_wscale, 14);
        if (combo & 8) {
            CU_ASSERT_EQUAL(pi.tcp_tsval, 0xA0B0C0D0);
            CU_ASSERT_EQUAL(pi.tcp_tsecr, 0x01020304);
        }
        CU_ASSERT_EQUAL((pi.l5_off - pi.l4_off) % 4, 0);
        CU_ASSERT_EQUAL(pi.l5_len, 777);
        CU_ASSERT_EQUAL(pi.l5_off, f->len);
        CU_ASSERT_EQUAL(pi.tcp_seq, 0xFFFFFFF0u);
        CU_ASSERT_EQUAL(pi.tcp_ack, 42);
        CU_ASSERT_EQUAL(pi.tcp_flags, PKT_TCP_ACK | PKT_TCP_ECE);
        CU_ASSERT_EQUAL(pi.ip_version, v6 ? 6 : 4);
        CU_ASSERT_EQUAL(memcmp(pi.ip_src, ip.src, v6 ? 16 : 4), 0);
        CU_ASSERT_EQUAL(memcmp(pi.ip_dst, ip.dst, v6 ? 16 : 4), 0);
        CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
        /* a wrong byte in the header breaks the checksum */
        frame_data(f)[pi.l4_off + 4] ^= 0x01;
        CU_ASSERT_EQUAL(pkt_csum_verify(f), -EBADMSG);
        frame_unref(f);
    }
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_tcp_spec t;
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.1.1.1", "10.1.1.2");
    memset(&t, 0, sizeof t);
    t.wscale = 15;
    CU_ASSERT_EQUAL(pkt_tcp_build(f, &l2, &ip, &t, 0), -EINVAL);
    CU_ASSERT_EQUAL(f->len, 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_udp(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_UDP6);
    /* Python model: header bytes and wire length */
    CU_ASSERT_EQUAL(f->len, sizeof vec_udp6);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), vec_udp6, sizeof vec_udp6), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), VEC_UDP6_WIRE);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV6 | PKT_HAS_UDP);
    CU_ASSERT_EQUAL(pi.udp_len, 1008);
    CU_ASSERT_EQUAL(pi.dscp, 26);
    CU_ASSERT_EQUAL(pi.flow_label, 0x12345);
    CU_ASSERT_EQUAL(pi.ttl, 64);
    CU_ASSERT_EQUAL(pi.l5_len, 1000);
    CU_ASSERT_EQUAL(pi.ip_end, VEC_UDP6_WIRE);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);

    /* IPv4 UDP: round trip, padding, checksum */
    f = build_sample(pool, S_UDP4);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV4 | PKT_HAS_UDP);
    CU_ASSERT_EQUAL(pi.sport, 50000);
    CU_ASSERT_EQUAL(pi.dport, 50001);
    CU_ASSERT_EQUAL(pi.udp_len, 108);
    CU_ASSERT_EQUAL(pi.ip_end, 14 + 128);
    CU_ASSERT_NOT_EQUAL(pkt_rd16(frame_cdata(f) + 40), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);

    /* a tiny datagram is padded to 60 bytes; the IP length excludes padding */
    f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 3), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(f->payload_len, 0); /* made real to sit before the padding */
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.ip_end, 14 + 31);
    CU_ASSERT_EQUAL(pi.l5_len, 3);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);

    /* odd-length payload followed by trailer bytes: the sum runs across an
     * odd boundary; compare with the flattened frame */
    f = frame_alloc(pool);
    f->payload_len = 7;
    f->trailer_len = 3;
    f->trailer[0] = 0xAB;
    f->trailer[1] = 0xCD;
    f->trailer[2] = 0xEF;
    CU_ASSERT_EQUAL(pkt_udp_push(f, 10, 20), 0);
    CU_ASSERT_EQUAL(pkt_ip_push(f, &ip, PKT_IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), 0);
    CU_ASSERT_EQUAL(pkt_eth_push(f, &l2, PKT_ETH_P_IPV4), 0);
    uint8_t flat[128];
    size_t n = flatten(f, flat, sizeof flat);
    CU_ASSERT_EQUAL(n, 14 + 20 + 8 + 7 + 3);
    CU_ASSERT_EQUAL(pkt_csum_verify_bytes(flat, n, n), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    f->trailer[1] ^= 0x10;
    CU_ASSERT_EQUAL(pkt_csum_verify(f), -EBADMSG);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_arp(void)
{
    static const uint8_t want[60] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02};
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_ARP_REQ);
    CU_ASSERT_EQUAL(f->len, 60);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), want, 60), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_ARP);
    CU_ASSERT_EQUAL(pi.arp_op, PKT_ARP_REQUEST);
    CU_ASSERT_EQUAL(memcmp(pi.arp_sha, MAC_A, 6), 0);
    CU_ASSERT_EQUAL(pi.arp_tpa[3], 2);
    frame_unref(f);

    f = build_sample(pool, S_ARP_REPLY_TAGGED);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_VLAN | PKT_HAS_ARP);
    CU_ASSERT_EQUAL(pi.pcp, 5);
    CU_ASSERT_EQUAL(pi.vid, 20);
    CU_ASSERT_EQUAL(pi.ethertype, PKT_ETH_P_ARP);
    CU_ASSERT_EQUAL(pi.arp_op, PKT_ARP_REPLY);
    CU_ASSERT_EQUAL(memcmp(pi.arp_tha, MAC_B, 6), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_nd(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_NS);
    CU_ASSERT_EQUAL(f->len, sizeof vec_ns);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), vec_ns, sizeof vec_ns), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV6 | PKT_HAS_ICMPV6 | PKT_HAS_ND | PKT_HAS_ND_LLADDR);
    CU_ASSERT_EQUAL(pi.icmp6_type, PKT_ICMPV6_NS);
    CU_ASSERT_EQUAL(pi.ttl, 255);
    CU_ASSERT_EQUAL(pi.nd_target[15], 2);
    CU_ASSERT_EQUAL(memcmp(pi.nd_lladdr, MAC_A, 6), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    /* the destination is the target's solicited-node group */
    uint8_t sn[16], mac[6];
    pkt_ipv6_solicited_node(pi.nd_target, sn);
    CU_ASSERT_EQUAL(memcmp(sn, pi.ip_dst, 16), 0);
    pkt_eth_ipv6_mcast(sn, mac);
    CU_ASSERT_EQUAL(memcmp(mac, pi.dst, 6), 0);
    frame_unref(f);

    f = build_sample(pool, S_NA);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), vec_na, sizeof vec_na), 0);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.icmp6_type, PKT_ICMPV6_NA);
    CU_ASSERT_EQUAL(pi.nd_flags, PKT_ND_NA_SOLICITED | PKT_ND_NA_OVERRIDE);
    CU_ASSERT_EQUAL(memcmp(pi.nd_lladdr, MAC_B, 6), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_data(f)[pi.l4_off + 10] ^= 0xFF; /* target address */
    CU_ASSERT_EQUAL(pkt_csum_verify(f), -EBADMSG);
    frame_unref(f);

    /* ND over IPv4 makes no sense */
    f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_nd_spec nd;
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    memset(&nd, 0, sizeof nd);
    nd.type = PKT_ICMPV6_NS;
    CU_ASSERT_EQUAL(pkt_nd_build(f, &l2, &ip, &nd), -EINVAL);
    /* NS without the option */
    ip_set(&ip, 6, "::", "ff02::1:ff00:2");
    CU_ASSERT_EQUAL(pkt_nd_build(f, &l2, &ip, &nd), 0);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers & PKT_HAS_ND_LLADDR, 0);
    CU_ASSERT_TRUE(pi.layers & PKT_HAS_ND);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_vlan(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_UDP4);
    uint8_t before[256];
    size_t n = f->len;
    memcpy(before, frame_cdata(f), n);
    CU_ASSERT_FALSE(pkt_eth_tagged(f));
    CU_ASSERT_EQUAL(pkt_eth_type(f), PKT_ETH_P_IPV4);
    CU_ASSERT_EQUAL(pkt_eth_vid(f), 0);
    CU_ASSERT_EQUAL(pkt_vlan_strip(f), -ENOENT);
    CU_ASSERT_EQUAL(pkt_vlan_set_pcp(f, 1), -ENOENT);

    CU_ASSERT_EQUAL(pkt_vlan_insert(f, 6, 1, 4094), 0);
    CU_ASSERT_EQUAL(f->len, n + 4);
    CU_ASSERT_TRUE(pkt_eth_tagged(f));
    CU_ASSERT_EQUAL(pkt_eth_pcp(f), 6);
    CU_ASSERT_EQUAL(pkt_eth_vid(f), 4094);
    CU_ASSERT_EQUAL(pkt_eth_type(f), PKT_ETH_P_IPV4);
    CU_ASSERT_EQUAL(memcmp(pkt_eth_dst(f), MAC_B, 6), 0);
    CU_ASSERT_EQUAL(memcmp(pkt_eth_src(f), MAC_A, 6), 0);
    static const uint8_t tag[4] = {0x81, 0x00, 0xdf, 0xfe};
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f) + 12, tag, 4), 0);
    CU_ASSERT_EQUAL(pkt_vlan_insert(f, 0, 0, 1), -EEXIST);
    CU_ASSERT_EQUAL(pkt_vlan_set_pcp(f, 8), -EINVAL);
    CU_ASSERT_EQUAL(pkt_vlan_set_vid(f, 4095), -EINVAL);

    struct pkt_l2 l2;
    CU_ASSERT_EQUAL(pkt_l2(f, &l2), 0);
    CU_ASSERT_EQUAL(l2.tagged, 1);
    CU_ASSERT_EQUAL(l2.l3_off, 18);

    CU_ASSERT_EQUAL(pkt_vlan_set_pcp(f, 3), 0);
    CU_ASSERT_EQUAL(pkt_vlan_set_vid(f, 100), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.pcp, 3);
    CU_ASSERT_EQUAL(pi.dei, 1);
    CU_ASSERT_EQUAL(pi.vid, 100);
    CU_ASSERT_EQUAL(pi.sport, 50000);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);

    CU_ASSERT_EQUAL(pkt_vlan_strip(f), 0);
    CU_ASSERT_EQUAL(f->len, n);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), before, n), 0);

    /* source MAC replacement rewrites the bytes */
    CU_ASSERT_EQUAL(pkt_eth_set_src(f, MAC_B), 0);
    CU_ASSERT_EQUAL(pkt_eth_set_dst(f, MAC_A), 0);
    CU_ASSERT_EQUAL(memcmp(pkt_eth_src(f), MAC_B, 6), 0);
    CU_ASSERT_EQUAL(memcmp(pkt_eth_dst(f), MAC_A, 6), 0);
    frame_unref(f);

    /* stripping the tag of a minimum-size frame pads it again */
    f = build_sample(pool, S_ARP_REPLY_TAGGED);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(pkt_vlan_strip(f), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_ARP);
    frame_unref(f);

    /* too short for the accessors */
    f = frame_alloc(pool);
    CU_ASSERT_PTR_NULL(pkt_eth_dst(f));
    CU_ASSERT_EQUAL(pkt_eth_type(f), 0);
    CU_ASSERT_EQUAL(pkt_l2(f, &l2), -EMSGSIZE);
    CU_ASSERT_EQUAL(pkt_vlan_insert(f, 0, 0, 1), -EMSGSIZE);
    frame_unref(f);

    /* no headroom for the tag: -ENOSPC and the frame as it was; with
     * exactly 4 bytes of it, the tag goes in */
    f = build_sample(pool, S_UDP4);
    n = f->len;
    memcpy(before, frame_cdata(f), n);
    memmove(f->buf + 3, frame_cdata(f), n);
    f->off = 3;
    CU_ASSERT_EQUAL(pkt_vlan_insert(f, 1, 0, 7), -ENOSPC);
    CU_ASSERT_EQUAL(f->off, 3);
    CU_ASSERT_EQUAL(f->len, n);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), before, n), 0);
    memmove(f->buf + 4, frame_cdata(f), n);
    f->off = 4;
    CU_ASSERT_EQUAL(pkt_vlan_insert(f, 1, 0, 7), 0);
    CU_ASSERT_EQUAL(f->off, 0);
    CU_ASSERT_EQUAL(f->len, n + 4);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), before, 12), 0);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f) + 16, before + 12, n - 12), 0);
    CU_ASSERT_EQUAL(pkt_eth_vid(f), 7);
    CU_ASSERT_EQUAL(pkt_eth_pcp(f), 1);
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void test_ecn_dscp(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    /* IPv4: CE with an incremental checksum update */
    struct frame *f = build_sample(pool, S_UDP4);
    uint8_t dscp, ecn;
    CU_ASSERT_EQUAL(pkt_ip_get_ds(f, &dscp, &ecn), 0);
    CU_ASSERT_EQUAL(ecn, PKT_ECN_NOT_ECT);
    CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), -EPROTO);
    CU_ASSERT_EQUAL(pkt_ip_set_ecn(f, PKT_ECN_ECT0), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    CU_ASSERT_EQUAL(pkt_ip_set_dscp(f, 46), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    CU_ASSERT_EQUAL(pkt_ip_get_ds(f, &dscp, &ecn), 0);
    CU_ASSERT_EQUAL(dscp, 46);
    CU_ASSERT_EQUAL(ecn, PKT_ECN_CE);
    CU_ASSERT_EQUAL(frame_cdata(f)[15], 46 << 2 | 3);
    CU_ASSERT_EQUAL(pkt_ip_set_dscp(f, 64), -EINVAL);
    CU_ASSERT_EQUAL(pkt_ip_set_ecn(f, 4), -EINVAL);
    frame_unref(f);

    /* every DS value: the updated checksum equals a recomputed one */
    f = build_sample(pool, S_TCP4_SYN);
    for (int ds = 0; ds < 256; ds++) {
        CU_ASSERT_EQUAL(pkt_ip_set_dscp(f, (uint8_t)(ds >> 2)), 0);
        CU_ASSERT_EQUAL(pkt_ip_set_ecn(f, (uint8_t)(ds & 3)), 0);
        CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    }
    frame_unref(f);

    /* IPv6: traffic class straddles bytes 0 and 1 */
    f = build_sample(pool, S_UDP6);
    CU_ASSERT_EQUAL(pkt_ip_set_ecn(f, PKT_ECN_ECT1), 0);
    CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.ecn, PKT_ECN_CE);
    CU_ASSERT_EQUAL(pi.dscp, 26);
    CU_ASSERT_EQUAL(pi.flow_label, 0x12345);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);

    /* the pre-marked sample */
    f = build_sample(pool, S_UDP4_TAGGED_CE);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.ecn, PKT_ECN_CE);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    frame_unref(f);

    f = build_sample(pool, S_ARP_REQ);
    CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), -ENOENT);
    frame_unref(f);
    frame_pool_destroy(pool);
}

/* ---- CRC-32 and ICRC ---- */

static void test_crc32(void)
{
    CU_ASSERT_EQUAL(pkt_roce_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    CU_ASSERT_EQUAL(pkt_roce_crc32(0, NULL, 0), 0);
    size_t nz = 70000;
    uint8_t *zeros = calloc(1, nz);
    CU_ASSERT_FATAL(zeros != NULL);
    uint64_t s = 1;
    for (int t = 0; t < 400; t++) {
        uint32_t crc = (uint32_t)mix_next(&s);
        size_t n = t < 300 ? (size_t)t : (size_t)(mix_next(&s) % nz);
        CU_ASSERT_EQUAL(pkt_roce_crc32_zeros(crc, n), pkt_roce_crc32(crc, zeros, n));
    }
    /* large counts, split arbitrarily */
    uint32_t a = pkt_roce_crc32_zeros(0x12345678, 5000000000ull);
    uint32_t b = pkt_roce_crc32_zeros(pkt_roce_crc32_zeros(0x12345678, 3000000000ull), 2000000000ull);
    CU_ASSERT_EQUAL(a, b);
    free(zeros);
}

/* The carry-less CRC-32 (x86-64 with PCLMULQDQ) against the tables, over
 * every run length to 300 and some long ones, every alignment, random
 * registers and data; then the ICRC's masked IPv4 run (40 to 200 bytes)
 * followed by 0 to 1024 or up to 2^64 - 1 zero bytes (the multiplies take
 * the zeros in their reduction), and the tables' masked run against a
 * masked copy and real zero bytes.  Where the CPU lacks
 * the instructions both sides are the tables (the test says so). */
static void test_crc32_clmul(void)
{
    if (!pkt_roce_crc32_clmul_supported())
        fprintf(stderr, "crc32_clmul: no PCLMULQDQ here, comparing the tables with themselves\n");
    /* a known answer through the multiplies (zlib crc32) */
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    CU_ASSERT_EQUAL(pkt_roce_crc32_clmul(0, (const uint8_t *)fox, sizeof fox - 1), 0x414FA339u);
    CU_ASSERT_EQUAL(pkt_roce_crc32(0, (const uint8_t *)fox, sizeof fox - 1), 0x414FA339u);

    enum { BUF = 9000 + 64 };
    uint8_t *buf = malloc(BUF);
    CU_ASSERT_FATAL(buf != NULL);
    uint64_t s = 7;
    for (size_t i = 0; i < BUF; i++)
        buf[i] = (uint8_t)mix_next(&s);
    static const size_t longs[] = {511, 512, 513, 1023, 1024, 1500, 4095, 4096, 4097, 9000};
    for (size_t t = 0; t < 301 + sizeof longs / sizeof longs[0]; t++) {
        size_t n = t <= 300 ? t : longs[t - 301];
        for (size_t al = 0; al < 16; al++) {
            uint32_t crc = (uint32_t)mix_next(&s);
            const uint8_t *b = buf + al + (size_t)(mix_next(&s) % 32) * 16;
            if (b + n > buf + BUF)
                b = buf + al;
            CU_ASSERT_EQUAL(pkt_roce_crc32_clmul(crc, b, n), pkt_roce_crc32_table(crc, b, n));
        }
    }

    uint8_t *zeros = calloc(1, 1100);
    CU_ASSERT_FATAL(zeros != NULL);
    for (int t = 0; t < 4000; t++) {
        size_t n = PKT_ROCE_V4_MASKED + (size_t)(t % 161); /* 40..200 */
        uint64_t nz = t % 4 == 3 ? mix_next(&s) >> (mix_next(&s) % 64) : mix_next(&s) % 1025;
        uint32_t crc = (uint32_t)mix_next(&s);
        const uint8_t *b = buf + mix_next(&s) % (BUF - 256);
        uint32_t want = pkt_roce_crc32_v4_run_table(crc, b, n, nz);
        CU_ASSERT_EQUAL(pkt_roce_crc32_v4_run_clmul(crc, b, n, nz), want);
        if (nz > 1100)
            continue;
        /* the masks, against a masked copy and real zero bytes */
        uint8_t m[200];
        memcpy(m, b, n);
        m[1] = m[8] = m[10] = m[11] = 0xFF; /* IPv4 DSCP+ECN, TTL, checksum */
        m[26] = m[27] = 0xFF;               /* UDP checksum */
        m[32] = 0xFF;                       /* BTH resv8a */
        uint32_t copy = pkt_roce_crc32_table(crc, m, n);
        CU_ASSERT_EQUAL(pkt_roce_crc32_table(copy, zeros, nz), want);
    }
    free(zeros);
    free(buf);
}

/* RoCEv2 CNP captured from a ConnectX-4 Lx: its ICRC is the hardware's. */
static const uint8_t cx4_cnp[74] = {
    0xe4, 0x1d, 0x2d, 0xab, 0x2b, 0xc2, 0x7c, 0xfe, 0x90, 0x64, 0x3b, 0x32, 0x08, 0x00, 0x45,
    0xc2, 0x00, 0x3c, 0x71, 0x8c, 0x40, 0x00, 0x40, 0x11, 0x91, 0x61, 0x0a, 0x00, 0x11, 0x01,
    0x0a, 0x00, 0x12, 0x01, 0x00, 0x00, 0x12, 0xb7, 0x00, 0x28, 0x00, 0x00, 0x81, 0x00, 0xff,
    0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x82, 0xfd, 0x00, 0x2a};

static void test_icrc_hardware_cnp(void)
{
    uint8_t b[74];
    memcpy(b, cx4_cnp, sizeof b);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(b, 74, 74), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify_bytes(b, 74, 74), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 74, 74, &pi), 0);
    CU_ASSERT_TRUE(pi.layers & PKT_HAS_ROCE);
    CU_ASSERT_EQUAL(pi.bth.opcode, PKT_IB_CNP);
    CU_ASSERT_EQUAL(pi.bth.becn, 1);
    CU_ASSERT_EQUAL(pi.bth.fecn, 0);
    CU_ASSERT_EQUAL(pi.bth.dest_qp, 0x118);
    CU_ASSERT_EQUAL(pi.bth.pkey, 0xFFFF);
    CU_ASSERT_EQUAL(pi.bth.psn, 0);
    CU_ASSERT_EQUAL(pi.l5_len, 0);
    CU_ASSERT_EQUAL(pi.dscp, 48);
    CU_ASSERT_EQUAL(pi.ecn, PKT_ECN_ECT0);

    /* variant fields do not count: DSCP/ECN, TTL, IP and UDP checksums, F/B */
    static const int variant[] = {15, 22, 24, 25, 40, 41, 46};
    for (size_t i = 0; i < sizeof variant / sizeof variant[0]; i++) {
        memcpy(b, cx4_cnp, sizeof b);
        b[variant[i]] ^= 0xA5;
        CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(b, 74, 74), 0);
    }
    /* invariant ones do: addresses, ports, opcode, P_Key, QP, PSN, reserved bytes, ICRC */
    static const int invariant[] = {26, 33, 34, 37, 42, 44, 49, 53, 60, 70, 73};
    for (size_t i = 0; i < sizeof invariant / sizeof invariant[0]; i++) {
        memcpy(b, cx4_cnp, sizeof b);
        b[invariant[i]] ^= 0x01;
        int err = pkt_roce_icrc_check_bytes(b, 74, 74);
        CU_ASSERT(err == -EBADMSG || err == -ENOENT);
    }
    memcpy(b, cx4_cnp, sizeof b);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(b, 72, 74), -ENODATA); /* ICRC not captured */

    /* the builder makes the same 74 bytes */
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    l2_set(&l2, cx4_cnp, cx4_cnp + 6);
    ip_set(&ip, 4, "10.0.17.1", "10.0.18.1");
    ip.dscp = 48;
    ip.ecn = PKT_ECN_ECT0;
    ip.id = 0x718c;
    ip.df = 1;
    CU_ASSERT_EQUAL(pkt_roce_cnp_build(f, &l2, &ip, 0, 0x118), 0);
    uint8_t flat[128];
    size_t n = flatten(f, flat, sizeof flat);
    CU_ASSERT_EQUAL(n, 74);
    CU_ASSERT_EQUAL(memcmp(flat, cx4_cnp, 74), 0);
    CU_ASSERT_EQUAL(f->trailer_len, 4);
    uint32_t icrc;
    CU_ASSERT_EQUAL(pkt_roce_icrc(f, &icrc), 0);
    CU_ASSERT_EQUAL(icrc, 0x2a00fd82u); /* sent least significant byte first */
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

/* scapy's RoCE regression packet: UC SEND only with a real payload. */
static void test_icrc_scapy_uc(void)
{
    static const uint8_t uc[78] = {
        0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22, 0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22, 0x08, 0x00,
        0x45, 0x01, 0x00, 0x40, 0x04, 0x78, 0x40, 0x00, 0x40, 0x11, 0xb4, 0xd5, 0xc0, 0xa8,
        0x00, 0x07, 0xc0, 0xa8, 0x00, 0x07, 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x2c, 0xac, 0xa2,
        0x24, 0x60, 0xff, 0xff, 0x00, 0x00, 0x00, 0xd3, 0x00, 0xcf, 0x17, 0x10, 'F',  '0',
        0x81, 0x8b, 0xe2, 0x89, '5',  0xd9, 0x0e, 0x9a, 0x95, 'P',  'T',  0x01, 0xbe, 0x88,
        '^',  'P',  0x00, 0x00, 0x78, 0xf3, 0x53, 0xf3};
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(uc, 78, 78), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify_bytes(uc, 78, 78), 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse_bytes(uc, 78, 78, &pi), 0);
    CU_ASSERT_EQUAL(pi.bth.opcode, 0x24);
    CU_ASSERT_EQUAL(pi.bth.mig, 1);
    CU_ASSERT_EQUAL(pi.bth.pad, 2);
    CU_ASSERT_EQUAL(pi.bth.dest_qp, 211);
    CU_ASSERT_EQUAL(pi.bth.psn, 13571856);
    CU_ASSERT_EQUAL(pi.l5_off, 54);
    CU_ASSERT_EQUAL(pi.l5_len, 20);
    uint8_t b[78];
    memcpy(b, uc, sizeof b);
    b[60] ^= 0x40; /* payload byte */
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(b, 78, 78), -EBADMSG);
}

static void test_roce_vectors(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_roce_spec r;
    /* RC RDMA WRITE first over tagged IPv6 with 1024 payload bytes */
    l2_set(&l2, MAC_B, MAC_A);
    l2_tag(&l2, 3, 10);
    ip_set(&ip, 6, "2001:db8::1", "2001:db8::2");
    ip.dscp = 26;
    ip.ecn = PKT_ECN_ECT0;
    ip.flow_label = 0xabcde;
    memset(&r, 0, sizeof r);
    r.bth.opcode = PKT_IB_RC_WRITE_FIRST;
    r.bth.pkey = 0xFFFF;
    r.bth.dest_qp = 0xabc;
    r.bth.ack_req = 1;
    r.bth.psn = 0x123456;
    r.reth.va = 0x00007f0012345000ull;
    r.reth.rkey = 0xdeadbeef;
    r.reth.dma_len = 4096;
    r.udp_sport = 0xc000;
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 1024), 0);
    CU_ASSERT_EQUAL(f->len, sizeof vec_roce6_hdr);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), vec_roce6_hdr, sizeof vec_roce6_hdr), 0);
    CU_ASSERT_EQUAL(f->trailer_len, 4);
    CU_ASSERT_EQUAL(memcmp(f->trailer, vec_roce6_icrc, 4), 0);
    CU_ASSERT_EQUAL(frame_wire_len(f), VEC_ROCE6_WIRE);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
    CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
    /* The receive path's check from its own parse agrees with the full one:
     * right, a masked field changed (ECN) still right, a covered byte or
     * the stored ICRC changed wrong, a non-RoCE parse refused. */
    struct pkt_info pi;
    CU_ASSERT_EQUAL_FATAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), 0);
    uint8_t *ip6 = frame_data(f) + pi.l3_off;
    ip6[1] |= 0x30; /* ECN CE: traffic class bits, masked */
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
    frame_data(f)[pi.l4_off + PKT_UDP_HLEN + 11] ^= 1; /* PSN */
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), -EBADMSG);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), -EBADMSG);
    frame_data(f)[pi.l4_off + PKT_UDP_HLEN + 11] ^= 1;
    f->trailer[0] ^= 0x80;
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), -EBADMSG);
    f->trailer[0] ^= 0x80;
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), 0);
    pi.layers &= ~PKT_HAS_ROCE;
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), -ENOENT);
    frame_unref(f);

    /* RC SEND only over IPv4, 13 bytes + 3 pad, short: ICRC goes into the bytes */
    f = frame_alloc(pool);
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    ip.dscp = 26;
    ip.ecn = PKT_ECN_ECT0;
    ip.id = 7;
    ip.df = 1;
    memset(&r, 0, sizeof r);
    r.bth.opcode = PKT_IB_RC_SEND_ONLY;
    r.bth.se = 1;
    r.bth.mig = 1;
    r.bth.pkey = 0xFFFF;
    r.bth.dest_qp = 0x11;
    r.bth.ack_req = 1;
    r.bth.psn = 0x42;
    r.udp_sport = 0xd001;
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 13), 0);
    uint8_t flat[128];
    size_t n = flatten(f, flat, sizeof flat);
    CU_ASSERT_EQUAL(n, sizeof vec_roce4);
    CU_ASSERT_EQUAL(memcmp(flat, vec_roce4, sizeof vec_roce4), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(vec_roce4, sizeof vec_roce4, sizeof vec_roce4), 0);
    frame_unref(f);
    frame_pool_destroy(pool);
}

/* pkt_roce_build writes an IPv4 packet's headers in one push: the same
 * bytes as the IB headers of f pushed under the UDP, IP and Ethernet
 * pushers one by one, with the ICRC filled and the frame padded. */
static void roce_layered_same(struct frame_pool *pool, const struct frame *f,
                              const struct pkt_info *pi, const struct pkt_l2_spec *l2,
                              const struct pkt_ip_spec *ip, const struct pkt_roce_spec *r)
{
    size_t ib = (size_t)pi->l4_off + PKT_UDP_HLEN;
    size_t hdr = pi->l5_off - ib;
    struct frame *g = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    memcpy(frame_put(g, hdr), frame_cdata(f) + ib, hdr);
    g->payload_len = pi->l5_len;
    g->trailer_len = PKT_ROCE_ICRC_LEN;
    memset(g->trailer, 0, PKT_ROCE_ICRC_LEN);
    CU_ASSERT_EQUAL(pkt_udp_push(g, r->udp_sport, PKT_ROCE_UDP_PORT), 0);
    CU_ASSERT_EQUAL(pkt_ip_push(g, ip, PKT_IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(pkt_eth_push(g, l2, PKT_ETH_P_IPV4), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_fill(g), 0);
    CU_ASSERT_EQUAL(pkt_eth_pad(g), 0);
    uint8_t *a = malloc(WIRE_MAX), *b = malloc(WIRE_MAX);
    size_t na = flatten(f, a, WIRE_MAX), nb = flatten(g, b, WIRE_MAX);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT_EQUAL(memcmp(a, b, na < nb ? na : nb), 0);
    free(a);
    free(b);
    frame_unref(g);
}

static void test_roce_roundtrip(void)
{
    static const struct {
        uint8_t op;
        uint32_t payload;
        uint32_t layers; /* beyond IP/UDP/ROCE */
    } cases[] = {
        {PKT_IB_RC_SEND_FIRST, 1024, 0},
        {PKT_IB_RC_SEND_MIDDLE, 1024, 0},
        {PKT_IB_RC_SEND_LAST, 1, 0},
        {PKT_IB_RC_SEND_ONLY, 0, 0},
        {PKT_IB_RC_WRITE_FIRST, 4096, PKT_HAS_RETH},
        {PKT_IB_RC_WRITE_MIDDLE, 4096, 0},
        {PKT_IB_RC_WRITE_LAST, 2, 0},
        {PKT_IB_RC_WRITE_ONLY, 3, PKT_HAS_RETH},
        {PKT_IB_RC_READ_REQUEST, 0, PKT_HAS_RETH},
        {PKT_IB_RC_READ_RESP_FIRST, 1024, PKT_HAS_AETH},
        {PKT_IB_RC_READ_RESP_MIDDLE, 1024, 0},
        {PKT_IB_RC_READ_RESP_LAST, 5, PKT_HAS_AETH},
        {PKT_IB_RC_READ_RESP_ONLY, 6, PKT_HAS_AETH},
        {PKT_IB_RC_ACK, 0, PKT_HAS_AETH},
        {PKT_IB_CNP, 0, 0},
    };
    struct frame_pool *pool = frame_pool_create(4);
    for (int v = 4; v <= 6; v += 2) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct frame *f = frame_alloc(pool);
            struct pkt_l2_spec l2;
            struct pkt_ip_spec ip;
            struct pkt_roce_spec r;
            l2_set(&l2, MAC_B, MAC_A);
            if (i & 1)
                l2_tag(&l2, 3, 77);
            if (v == 4)
                ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
            else
                ip_set(&ip, 6, "2001:db8::1", "2001:db8::2");
            ip.ecn = PKT_ECN_ECT0;
            roce_spec(&r, cases[i].op, 0xFFFFFF - (uint32_t)i);
            r.bth.se = i & 1;
            r.bth.fecn = (i >> 1) & 1;
            r.bth.becn = cases[i].op == PKT_IB_CNP;
            r.bth.pkey = 0x8001;
            r.aeth.syndrome = pkt_roce_aeth_rnr_nak(0x0E);
            r.aeth.msn = 0xABCDEF;
            CU_ASSERT_EQUAL_FATAL(pkt_roce_build(f, &l2, &ip, &r, cases[i].payload), 0);
            struct pkt_info pi;
            CU_ASSERT_EQUAL_FATAL(pkt_parse(f, &pi), 0);
            uint32_t want = (v == 4 ? PKT_HAS_IPV4 : PKT_HAS_IPV6) | PKT_HAS_UDP | PKT_HAS_ROCE |
                            cases[i].layers | (i & 1 ? PKT_HAS_VLAN : 0);
            CU_ASSERT_EQUAL(pi.layers, want);
            CU_ASSERT_EQUAL(pi.dport, PKT_ROCE_UDP_PORT);
            CU_ASSERT_EQUAL(pi.sport, 0xC123);
            CU_ASSERT_EQUAL(pi.bth.opcode, cases[i].op);
            CU_ASSERT_EQUAL(pi.bth.se, i & 1);
            CU_ASSERT_EQUAL(pi.bth.fecn, (i >> 1) & 1);
            CU_ASSERT_EQUAL(pi.bth.becn, cases[i].op == PKT_IB_CNP);
            CU_ASSERT_EQUAL(pi.bth.pkey, 0x8001);
            CU_ASSERT_EQUAL(pi.bth.dest_qp, 0x123);
            CU_ASSERT_EQUAL(pi.bth.psn, 0xFFFFFF - i);
            CU_ASSERT_EQUAL(pi.bth.ack_req, 1);
            CU_ASSERT_EQUAL(pi.bth.pad, (4 - cases[i].payload % 4) % 4);
            CU_ASSERT_EQUAL(pi.l5_len, cases[i].payload + pi.bth.pad);
            CU_ASSERT_TRUE(frame_wire_len(f) >= 60);
            if (cases[i].layers & PKT_HAS_RETH) {
                CU_ASSERT_EQUAL(pi.reth.va, 0x00007F0000100000ull);
                CU_ASSERT_EQUAL(pi.reth.rkey, 0x1234ABCD);
                CU_ASSERT_EQUAL(pi.reth.dma_len, 3000);
            }
            if (cases[i].layers & PKT_HAS_AETH) {
                CU_ASSERT_EQUAL(pkt_roce_aeth_kind(pi.aeth.syndrome), PKT_AETH_RNR_NAK);
                CU_ASSERT_EQUAL(pi.aeth.syndrome & PKT_AETH_VALUE_MASK, 0x0E);
                CU_ASSERT_EQUAL(pi.aeth.msn, 0xABCDEF);
            }
            CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
            CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
            if (v == 4)
                roce_layered_same(pool, f, &pi, &l2, &ip, &r);
            /* switches may rewrite variant fields without a new ICRC */
            CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), 0);
            if (pkt_eth_tagged(f))
                CU_ASSERT_EQUAL(pkt_vlan_strip(f), 0);
            CU_ASSERT_EQUAL(pkt_vlan_insert(f, 5, 0, 3), 0);
            CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
            /* an invariant one needs a new ICRC */
            CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
            frame_data(f)[pi.l4_off + 8 + 11] ^= 1; /* PSN */
            CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), -EBADMSG);
            CU_ASSERT_EQUAL(pkt_roce_icrc_fill(f), 0);
            CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
            /* the flattened frame checks the same way */
            uint8_t *flat = malloc(WIRE_MAX);
            size_t n = flatten(f, flat, WIRE_MAX);
            CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(flat, n, n), 0);
            free(flat);
            frame_unref(f);
        }
    }

    /* builder errors leave the frame empty */
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_roce_spec r;
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    roce_spec(&r, 0x13, 0); /* compare-and-swap: not built */
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 0), -EOPNOTSUPP);
    roce_spec(&r, PKT_IB_RC_ACK, 0);
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 4), -EINVAL);
    roce_spec(&r, PKT_IB_RC_SEND_ONLY, 0x1000000);
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 4), -EINVAL);
    roce_spec(&r, PKT_IB_RC_SEND_ONLY, 0);
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 70000), -EMSGSIZE);
    CU_ASSERT_EQUAL(f->len, 0);
    CU_ASSERT_EQUAL(f->payload_len, 0);
    CU_ASSERT_EQUAL(f->trailer_len, 0);
    CU_ASSERT_EQUAL(f->off, FRAME_HEADROOM);
    /* not RoCE */
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), 0);
    CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), -ENOENT);
    CU_ASSERT_EQUAL(pkt_roce_build(f, &l2, &ip, &r, 0), -EINVAL); /* not empty */
    frame_unref(f);
    frame_pool_destroy(pool);
}

/* ---- the template builder against the general one ---- */

/* Whether two frames hold the same state and bytes as the builders left them. */
static int frames_same(const struct frame *a, const struct frame *b)
{
    return a->off == b->off && a->len == b->len && a->payload_len == b->payload_len &&
           a->trailer_len == b->trailer_len &&
           memcmp(frame_cdata(a), frame_cdata(b), a->len) == 0 &&
           memcmp(a->trailer, b->trailer, a->trailer_len) == 0;
}

/* The opcodes pkt_roce_build() makes: first/middle/last/only, with a
 * RETH, an AETH or neither, the READ request, the ACK and the CNP. */
static const uint8_t tmpl_ops[] = {
    PKT_IB_RC_SEND_FIRST,       PKT_IB_RC_SEND_MIDDLE,      PKT_IB_RC_SEND_LAST,
    PKT_IB_RC_SEND_ONLY,        PKT_IB_RC_WRITE_FIRST,      PKT_IB_RC_WRITE_MIDDLE,
    PKT_IB_RC_WRITE_LAST,       PKT_IB_RC_WRITE_ONLY,       PKT_IB_RC_READ_REQUEST,
    PKT_IB_RC_READ_RESP_FIRST,  PKT_IB_RC_READ_RESP_MIDDLE, PKT_IB_RC_READ_RESP_LAST,
    PKT_IB_RC_READ_RESP_ONLY,   PKT_IB_RC_ACK,              PKT_IB_CNP};

/* A QP's specs: addresses, MACs, VLAN tag, DSCP, TTL, DF, UDP port,
 * P_Key, QP and BTH flags (what a template holds). */
static void tmpl_random_qp(uint64_t *seed, struct pkt_l2_spec *l2, struct pkt_ip_spec *ip,
                           struct pkt_roce_spec *r)
{
    uint64_t v = mix_next(seed);
    memset(l2, 0, sizeof *l2);
    memset(ip, 0, sizeof *ip);
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 6; i++) {
        l2->dst[i] = (uint8_t)(v >> (8 * i));
        l2->src[i] = (uint8_t)(v >> (8 * i + 16));
    }
    if (v & 1) {
        l2->tagged = 1;
        l2->pcp = (uint8_t)(v >> 8 & 7);
        l2->dei = (uint8_t)(v >> 11 & 1);
        l2->vid = (uint16_t)(v >> 12 & 0xFFF) % 4095;
    }
    v = mix_next(seed);
    ip->version = 4;
    memcpy(ip->src, &v, 4);
    memcpy(ip->dst, (const uint8_t *)&v + 4, 4);
    v = mix_next(seed);
    ip->dscp = (uint8_t)(v & 63);
    ip->ttl = (uint8_t)(v >> 8);
    ip->df = (uint8_t)(v >> 16 & 1);
    r->udp_sport = (uint16_t)(v >> 24);
    r->bth.pkey = v >> 40 & 1 ? (uint16_t)(v >> 41) : PKT_ROCE_DEFAULT_PKEY;
    r->bth.dest_qp = (uint32_t)(mix_next(seed) & 0xFFFFFF);
    v = mix_next(seed);
    if ((v & 7) == 0) { /* unusual BTH flags now and then */
        r->bth.se = (uint8_t)(v >> 3 & 1);
        r->bth.mig = (uint8_t)(v >> 4 & 1);
        r->bth.tver = (uint8_t)(v >> 5 & 15);
        r->bth.fecn = (uint8_t)(v >> 9 & 1);
        r->bth.becn = (uint8_t)(v >> 10 & 1);
    }
}

/* One field out of the range pkt_roce_build() takes, or IPv6. */
static void tmpl_spoil(uint64_t v, struct pkt_l2_spec *l2, struct pkt_ip_spec *ip,
                       struct pkt_roce_spec *r, uint32_t *payload)
{
    switch (v % 16) {
    case 0: r->bth.se = 2; break;
    case 1: r->bth.mig = 3; break;
    case 2: r->bth.tver = 16; break;
    case 3: r->bth.fecn = 2; break;
    case 4: r->bth.becn = 2; break;
    case 5: r->bth.dest_qp = 0x1000000; break;
    case 6: r->bth.psn = 0x1000000 | (uint32_t)v; break;
    case 7: r->bth.ack_req = 2; break;
    case 8: r->aeth.msn = 0x1000000; break;
    case 9: ip->ecn = 4; break;
    case 10: ip->dscp = 64; break;
    case 11: l2->tagged = 1; l2->pcp = 8; break;
    case 12: l2->tagged = 1; l2->vid = 4095; break;
    case 13: *payload = UINT32_MAX - (uint32_t)(v >> 8 & 3); break;
    case 14: *payload = 0xFFFF - 40 - (uint32_t)(v >> 8 & 31); break; /* about the IPv4 limit */
    default: /* IPv6: the general builder */
        ip->version = 6;
        ip->flow_label = (uint32_t)(v >> 8 & 0xFFFFF);
        memset(ip->src + 4, 0x20, 12);
        memset(ip->dst + 4, 0x30, 12);
        break;
    }
}

/* A packet of the QP: opcode, PSN (wrapping), AckReq, ECN, IP ID, RETH,
 * AETH, payload length. */
static void tmpl_random_packet(uint64_t *seed, struct pkt_ip_spec *ip, struct pkt_roce_spec *r,
                               uint32_t *payload)
{
    static const uint32_t lens[] = {0, 1, 2, 3, 4, 5, 13, 255, 256, 1023, 1024, 2048, 4096};
    uint64_t v = mix_next(seed);
    r->bth.opcode = v & 15 ? tmpl_ops[(v >> 4) % sizeof tmpl_ops] : (uint8_t)(v >> 8);
    uint32_t psn = (uint32_t)(v >> 16);
    r->bth.psn = v >> 40 & 1 ? (0xFFFFFF + (psn & 3)) & 0xFFFFFF : psn & 0xFFFFFF;
    r->bth.ack_req = (uint8_t)(v >> 41 & 1);
    ip->ecn = (uint8_t)(v >> 42 & 3);
    ip->id = (uint16_t)(v >> 44);
    v = mix_next(seed);
    r->reth.va = v;
    r->reth.rkey = (uint32_t)(v >> 13);
    r->reth.dma_len = (uint32_t)(v >> 29);
    r->aeth.syndrome = (uint8_t)(v >> 7);
    r->aeth.msn = (uint32_t)(v >> 37) & 0xFFFFFF;
    v = mix_next(seed);
    int has_payload = r->bth.opcode != PKT_IB_RC_READ_REQUEST && r->bth.opcode != PKT_IB_RC_ACK &&
                      r->bth.opcode != PKT_IB_CNP;
    *payload = !has_payload && (v & 7) ? 0
               : v >> 3 & 1            ? lens[(v >> 4) % (sizeof lens / sizeof *lens)]
                                       : (uint32_t)(v >> 8) % 9000;
}

/* pkt_roce_build_tmpl() against pkt_roce_build() over QPs whose specs
 * change now and then (the template is built again), with every opcode,
 * PSNs about the wrap, lengths, ECN values and out-of-range fields: the
 * same result, state and bytes every time. */
static void test_roce_tmpl(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct pkt_roce_tmpl t;
    pkt_roce_tmpl_init(&t);
    struct pkt_l2_spec l2, l2q;
    struct pkt_ip_spec ip, ipq;
    struct pkt_roce_spec r, rq;
    uint64_t seed = 0x5EEDF00Dull;
    int built = 0;
    for (int i = 0; i < 40000; i++) {
        if (i % 64 == 0)
            tmpl_random_qp(&seed, &l2q, &ipq, &rq);
        l2 = l2q;
        ip = ipq;
        r = rq;
        uint32_t payload;
        tmpl_random_packet(&seed, &ip, &r, &payload);
        uint64_t v = mix_next(&seed);
        if (v % 29 == 0)
            tmpl_spoil(v >> 8, &l2, &ip, &r, &payload);
        struct frame *a = frame_alloc(pool), *b = frame_alloc(pool);
        CU_ASSERT_FATAL(a && b);
        int ea = pkt_roce_build(a, &l2, &ip, &r, payload);
        int eb = pkt_roce_build_tmpl(b, &t, &l2, &ip, &r, payload);
        CU_ASSERT_EQUAL(ea, eb);
        CU_ASSERT(frames_same(a, b));
        if (ea != eb || !frames_same(a, b)) {
            printf("\nframe %d: opcode 0x%02x payload %u: %d / %d\n", i, r.bth.opcode, payload,
                   ea, eb);
            break;
        }
        built += ea == 0 && ip.version == 4;
        frame_unref(a);
        frame_unref(b);
    }
    CU_ASSERT(built > 30000);

    /* A frame not empty, and one without headroom: refused alike. */
    tmpl_random_qp(&seed, &l2, &ip, &r);
    r.bth.opcode = PKT_IB_RC_WRITE_FIRST;
    struct frame *a = frame_alloc(pool), *b = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL(frame_push(a, 2));
    CU_ASSERT_PTR_NOT_NULL(frame_push(b, 2));
    CU_ASSERT_EQUAL(pkt_roce_build(a, &l2, &ip, &r, 100), -EINVAL);
    CU_ASSERT_EQUAL(pkt_roce_build_tmpl(b, &t, &l2, &ip, &r, 100), -EINVAL);
    CU_ASSERT(frames_same(a, b));
    frame_unref(a);
    frame_unref(b);
    a = frame_alloc(pool);
    b = frame_alloc(pool);
    a->off = b->off = 40;
    CU_ASSERT_EQUAL(pkt_roce_build(a, &l2, &ip, &r, 100), -ENOSPC);
    CU_ASSERT_EQUAL(pkt_roce_build_tmpl(b, &t, &l2, &ip, &r, 100), -ENOSPC);
    CU_ASSERT(frames_same(a, b));
    frame_unref(a);
    frame_unref(b);
    frame_pool_destroy(pool);
}

/* One per-packet field out of the range pkt_roce_build() takes (the QP's
 * specs stay as they are). */
static void tmpl_spoil_packet(uint64_t v, struct pkt_ip_spec *ip, struct pkt_roce_spec *r,
                              uint32_t *payload)
{
    switch (v % 6) {
    case 0: r->bth.psn = 0x1000000 | (uint32_t)v; break;
    case 1: r->bth.ack_req = 2; break;
    case 2: r->aeth.msn = 0x1000000; break;
    case 3: ip->ecn = 4; break;
    case 4: *payload = UINT32_MAX - (uint32_t)(v >> 8 & 3); break;
    default: *payload = 0xFFFF - 40 - (uint32_t)(v >> 8 & 31); break; /* about the IPv4 limit */
    }
}

/* pkt_roce_build_tmpl_again() against pkt_roce_build() over QPs whose
 * template pkt_roce_build_tmpl() built: every opcode (and unsupported
 * ones), PSNs about the wrap, lengths, ECN values and IDs, and per-packet
 * fields out of range.  Either the same result and bytes, or -EAGAIN with
 * the frame untouched, and -EAGAIN only where pkt_roce_build refuses or
 * takes no template (so the QP's fast path never leaves the packet to the
 * general path without need). */
static void test_roce_tmpl_again(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct pkt_roce_tmpl t;
    pkt_roce_tmpl_init(&t);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip, ipq;
    struct pkt_roce_spec r, rq;
    uint64_t seed = 0xA6A1Dull;
    int fast = 0;
    for (int i = 0; i < 40000; i++) {
        if (i % 64 == 0) { /* a new QP: pkt_roce_build_tmpl builds t */
            tmpl_random_qp(&seed, &l2, &ipq, &rq);
            struct frame *f = frame_alloc(pool);
            CU_ASSERT_FATAL(f != NULL);
            CU_ASSERT_FATAL(pkt_roce_build_tmpl(f, &t, &l2, &ipq, &rq, 0) == 0);
            frame_unref(f);
        }
        ip = ipq;
        r = rq;
        uint32_t payload;
        tmpl_random_packet(&seed, &ip, &r, &payload);
        uint64_t v = mix_next(&seed);
        if (v % 29 == 0)
            tmpl_spoil_packet(v >> 8, &ip, &r, &payload);
        struct frame *a = frame_alloc(pool), *b = frame_alloc(pool);
        CU_ASSERT_FATAL(a && b);
        uint16_t off0 = b->off;
        int ea = pkt_roce_build(a, &l2, &ip, &r, payload);
        int eb = pkt_roce_build_tmpl_again(b, &t, ip.ecn, ip.id, &r, payload);
        int ok = eb == -EAGAIN
                     ? b->len == 0 && b->off == off0 && b->trailer_len == 0 && ea != 0
                     : ea == eb && frames_same(a, b);
        CU_ASSERT(ok);
        if (!ok) {
            printf("\nframe %d: opcode 0x%02x payload %u: %d / %d\n", i, r.bth.opcode, payload,
                   ea, eb);
            break;
        }
        fast += eb == 0;
        frame_unref(a);
        frame_unref(b);
    }
    CU_ASSERT(fast > 30000);

    /* An empty template, a frame not empty, one without headroom: -EAGAIN,
     * untouched. */
    tmpl_random_qp(&seed, &l2, &ip, &r);
    r.bth.opcode = PKT_IB_RC_WRITE_FIRST;
    struct pkt_roce_tmpl empty;
    pkt_roce_tmpl_init(&empty);
    struct frame *b = frame_alloc(pool);
    CU_ASSERT_EQUAL(pkt_roce_build_tmpl_again(b, &empty, 0, 1, &r, 100), -EAGAIN);
    CU_ASSERT_EQUAL(b->len, 0);
    CU_ASSERT_PTR_NOT_NULL(frame_push(b, 2));
    CU_ASSERT_EQUAL(pkt_roce_build_tmpl_again(b, &t, 0, 1, &r, 100), -EAGAIN);
    CU_ASSERT_EQUAL(b->len, 2);
    frame_unref(b);
    b = frame_alloc(pool);
    b->off = 40;
    CU_ASSERT_EQUAL(pkt_roce_build_tmpl_again(b, &t, 0, 1, &r, 100), -EAGAIN);
    CU_ASSERT_EQUAL(b->len, 0);
    CU_ASSERT_EQUAL(b->off, 40);
    frame_unref(b);
    frame_pool_destroy(pool);
}

/* Whether byte k of an option-less IPv4 RoCEv2 packet (from the IP
 * header on) is one the ICRC takes as all ones. */
static int icrc_v4_masked(size_t k)
{
    return k == 1 || k == 8 || k == 10 || k == 11 || k == 26 || k == 27 || k == 32;
}

/* The receive path's ICRC check (pkt_roce_icrc_check_parsed, its IPv4
 * shortcut) against the full check on template-built packets: right as
 * built; a flipped bit in any covered byte or in the ICRC found, in a
 * masked or uncovered byte not; the same answer as pkt_roce_icrc_check
 * every time. */
static void test_roce_icrc_check_parsed_v4(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct pkt_roce_tmpl t;
    pkt_roce_tmpl_init(&t);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    struct pkt_roce_spec r;
    uint64_t seed = 0xC4Cull;
    int checked = 0;
    for (int i = 0; i < 300; i++) {
        if (i % 16 == 0)
            tmpl_random_qp(&seed, &l2, &ip, &r);
        uint32_t payload;
        tmpl_random_packet(&seed, &ip, &r, &payload);
        struct frame *f = frame_alloc(pool);
        CU_ASSERT_FATAL(f != NULL);
        if (pkt_roce_build_tmpl(f, &t, &l2, &ip, &r, payload) != 0) {
            frame_unref(f);
            continue;
        }
        struct pkt_info pi;
        CU_ASSERT_FATAL(pkt_parse(f, &pi) == 0);
        CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), 0);
        CU_ASSERT_EQUAL(pkt_roce_icrc_check(f), 0);
        size_t l3 = pi.l3_off, icrc_end = (size_t)pi.l4_off + pi.udp_len;
        for (size_t k = 0; k < (size_t)f->len + f->trailer_len; k++) {
            uint8_t *at = k < f->len ? frame_data(f) + k : f->trailer + (k - f->len);
            uint8_t bit = (uint8_t)(1u << (mix_next(&seed) & 7));
            *at ^= bit;
            struct pkt_info pj;
            if (pkt_parse(f, &pj) == 0 && (pj.layers & PKT_HAS_ROCE) && pj.l3_off == pi.l3_off &&
                pj.l4_off == pi.l4_off && pj.udp_len == pi.udp_len) {
                int got = pkt_roce_icrc_check_parsed(f, &pj);
                CU_ASSERT_EQUAL(got, pkt_roce_icrc_check(f));
                /* the Ethernet header and pad are not covered; the ICRC
                 * (in the trailer, or in the bytes of a padded packet) is */
                int covered = k >= f->len || (k >= l3 && k < icrc_end && !icrc_v4_masked(k - l3));
                CU_ASSERT_EQUAL(got, covered ? -EBADMSG : 0);

                checked++;
            }
            *at ^= bit;
        }
        CU_ASSERT_EQUAL(pkt_roce_icrc_check_parsed(f, &pi), 0);
        frame_unref(f);
    }
    CU_ASSERT(checked > 5000);
    frame_pool_destroy(pool);
}

static void test_aeth(void)
{
    CU_ASSERT_EQUAL(pkt_roce_aeth_ack(31), 0x1F);
    CU_ASSERT_EQUAL(pkt_roce_aeth_kind(pkt_roce_aeth_ack(3)), PKT_AETH_ACK);
    CU_ASSERT_EQUAL(pkt_roce_aeth_rnr_nak(0x12), 0x32);
    CU_ASSERT_EQUAL(pkt_roce_aeth_kind(0x32), PKT_AETH_RNR_NAK);
    CU_ASSERT_EQUAL(pkt_roce_aeth_nak(PKT_AETH_NAK_PSN_SEQ_ERR), 0x60);
    CU_ASSERT_EQUAL(pkt_roce_aeth_nak(PKT_AETH_NAK_REMOTE_ACCESS), 0x62);
    CU_ASSERT_EQUAL(pkt_roce_aeth_kind(0x63), PKT_AETH_NAK);
    CU_ASSERT_EQUAL(pkt_roce_aeth_kind(0x40), 0x40);

    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_ROCE_NAK);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_TRUE(pi.layers & PKT_HAS_AETH);
    CU_ASSERT_EQUAL(pi.aeth.syndrome, 0x60);
    CU_ASSERT_EQUAL(pi.aeth.msn, 77);
    CU_ASSERT_EQUAL(pi.bth.psn, 0x20);
    /* the AETH sits right after the BTH */
    CU_ASSERT_EQUAL(frame_cdata(f)[pi.l4_off + 8 + 12], 0x60);
    frame_unref(f);
    frame_pool_destroy(pool);
}

/* ---- PFC ---- */

static void test_pfc(void)
{
    /* DCB-003 layout, written out by hand */
    static const uint8_t want[60] = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x08,
        0x01, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff};
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = build_sample(pool, S_PFC);
    CU_ASSERT_EQUAL(f->len, 60);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(memcmp(frame_cdata(f), want, 60), 0);
    struct pkt_pfc pfc;
    CU_ASSERT_EQUAL(pkt_pfc_parse(f, &pfc), 0);
    CU_ASSERT_EQUAL(pfc.enable, 0x0008);
    CU_ASSERT_EQUAL(pfc.quanta[3], 0xFFFF);
    CU_ASSERT_EQUAL(pfc.quanta[0], 0);
    struct pkt_info pi;
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_MAC_CTRL | PKT_HAS_PFC);
    CU_ASSERT_EQUAL(pi.mac_ctrl_opcode, PKT_PFC_OPCODE);
    CU_ASSERT_EQUAL(pi.pfc_enable, 0x0008);
    CU_ASSERT_EQUAL(pi.pfc_quanta[3], 0xFFFF);
    uint16_t q;
    CU_ASSERT_EQUAL(pkt_pfc_pause_parse(f, &q), -EPROTO); /* wrong opcode */

    uint8_t b[60];
    memcpy(b, frame_cdata(f), 60);
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 60, 59, &pfc), -EINVAL);
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 59, 59, &pfc), -EMSGSIZE); /* runt */
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 33, 60, &pfc), -EMSGSIZE); /* last quantum cut */
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 34, 60, &pfc), 0);
    b[15] = 0x02;
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 60, 60, &pfc), -EPROTO);
    b[15] = 0x01;
    b[5] = 0x02; /* not 01-80-C2-00-00-01 */
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 60, 60, &pfc), -EPROTO);
    b[5] = 0x01;
    b[13] = 0x00;
    CU_ASSERT_EQUAL(pkt_pfc_parse_bytes(b, 60, 60, &pfc), -EPROTO);
    frame_unref(f);

    f = build_sample(pool, S_PAUSE);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(pkt_pfc_pause_parse(f, &q), 0);
    CU_ASSERT_EQUAL(q, 0x1000);
    CU_ASSERT_EQUAL(pkt_pfc_parse(f, &pfc), -EPROTO);
    CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_MAC_CTRL | PKT_HAS_PAUSE);
    CU_ASSERT_EQUAL(pi.pfc_quanta[0], 0x1000);
    CU_ASSERT_EQUAL(frame_cdata(f)[14], 0x00);
    CU_ASSERT_EQUAL(frame_cdata(f)[15], 0x01);
    frame_unref(f);

    f = frame_alloc(pool);
    CU_ASSERT_EQUAL(pkt_pfc_build(f, MAC_A, 0xFF, NULL), -EINVAL);
    frame_unref(f);

    /* DCB-003: a quantum is 512 bit times */
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(1, 10000000000ull), 51200);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(1, 25000000000ull), 20480);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(1, 40000000000ull), 12800);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(1, 100000000000ull), 5120);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(0xFFFF, 100000000000ull), 5120ull * 0xFFFF);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(0xFFFF, 1), SIM_TIME_MAX);
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(5, 0), 0);
    frame_pool_destroy(pool);
}

/* ---- builder errors: the frame is left empty and reusable ---- */

static void assert_empty(const struct frame *f)
{
    CU_ASSERT_EQUAL(f->len, 0);
    CU_ASSERT_EQUAL(f->payload_len, 0);
    CU_ASSERT_EQUAL(f->trailer_len, 0);
    CU_ASSERT_EQUAL(f->off, FRAME_HEADROOM);
}

static void test_builder_errors(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct frame *f = frame_alloc(pool);
    struct pkt_l2_spec l2;
    struct pkt_ip_spec ip;
    uint8_t a4[4] = {1, 2, 3, 4};
    l2_set(&l2, MAC_B, MAC_A);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");

    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 65520), -EMSGSIZE); /* IPv4 > 64K */
    assert_empty(f);
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 65530), -EMSGSIZE); /* UDP > 64K */
    assert_empty(f);
    ip.version = 5;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), -EINVAL);
    assert_empty(f);
    ip.version = 4;
    ip.ecn = 4;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), -EINVAL);
    ip.ecn = 0;
    l2.pcp = 8;
    l2.tagged = 1;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), -EINVAL);
    assert_empty(f);
    CU_ASSERT_EQUAL(pkt_arp_build(f, &l2, PKT_ARP_REQUEST, MAC_A, a4, MAC_B, a4), -EINVAL);
    assert_empty(f);
    l2.pcp = 0;
    l2.vid = 4095;
    CU_ASSERT_EQUAL(pkt_eth_push(f, &l2, PKT_ETH_P_IPV4), -EINVAL);
    l2.tagged = 0;
    l2.vid = 0;
    CU_ASSERT_EQUAL(pkt_arp_build(f, &l2, PKT_ARP_REQUEST, NULL, a4, MAC_B, a4), -EINVAL);
    struct pkt_nd_spec nd;
    memset(&nd, 0, sizeof nd);
    nd.type = 1;
    ip_set(&ip, 6, "fe80::1", "fe80::2");
    CU_ASSERT_EQUAL(pkt_nd_build(f, &l2, &ip, &nd), -EINVAL);
    ip.flow_label = 0x100000;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), -EINVAL);
    assert_empty(f);
    CU_ASSERT_EQUAL(pkt_ip_mark_ce(f), -ENOENT);
    CU_ASSERT_EQUAL(pkt_eth_set_src(f, MAC_A), -EMSGSIZE);
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), -EINVAL);
    CU_ASSERT_EQUAL(pkt_udp_push(f, 1, 2), 0);
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    CU_ASSERT_EQUAL(pkt_ip_push(f, &ip, PKT_IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), 0);
    frame_data(f)[0] = 0x44; /* IHL 4 */
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), -EINVAL);
    frame_data(f)[0] = 0x45;
    frame_data(f)[3] = 20; /* total length leaves no room for UDP */
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), -EINVAL);
    frame_data(f)[9] = 99;
    CU_ASSERT_EQUAL(pkt_l4_csum_fill(f), -EPROTONOSUPPORT);
    frame_pull(f, f->len);
    f->off = FRAME_HEADROOM;

    /* a frame that is not empty is refused by every builder */
    ip_set(&ip, 4, "10.0.0.1", "10.0.0.2");
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), 0);
    size_t len = f->len;
    CU_ASSERT_EQUAL(pkt_udp_build(f, &l2, &ip, 1, 2, 0), -EINVAL);
    CU_ASSERT_EQUAL(pkt_arp_build(f, &l2, 1, MAC_A, a4, MAC_B, a4), -EINVAL);
    uint16_t q[8] = {0};
    CU_ASSERT_EQUAL(pkt_pfc_build(f, MAC_A, 1, q), -EINVAL);
    CU_ASSERT_EQUAL(pkt_pfc_pause_build(f, MAC_A, 1), -EINVAL);
    CU_ASSERT_EQUAL(f->len, len);
    frame_unref(f);

    /* a UDP checksum that computes to 0 is sent as ffff */
    int found = 0;
    for (uint32_t sport = 1; sport < 65536 && !found; sport++) {
        f = frame_alloc(pool);
        CU_ASSERT_EQUAL_FATAL(pkt_udp_build(f, &l2, &ip, (uint16_t)sport, 9, 0), 0);
        if (pkt_rd16(frame_cdata(f) + 40) == 0xFFFF) {
            found = 1;
            CU_ASSERT_EQUAL(pkt_csum_verify(f), 0);
        }
        frame_unref(f);
    }
    CU_ASSERT_TRUE(found);
    frame_pool_destroy(pool);
}

/* ---- parser errors ---- */

static void test_parse_errors(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    struct pkt_info pi;
    uint8_t b[WIRE_MAX];
    struct frame *f = build_sample(pool, S_UDP4);
    size_t n = f->len, w = frame_wire_len(f);
    memcpy(b, frame_cdata(f), n);
    frame_unref(f);

    CU_ASSERT_EQUAL(pkt_parse_bytes(NULL, 0, 0, &pi), -EINVAL);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, n - 1, &pi), -EINVAL);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, NULL), -EINVAL);
    CU_ASSERT_EQUAL(pkt_parse(NULL, &pi), -EINVAL);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 13, w, &pi), -EMSGSIZE);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), 0);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w - 1, &pi), -EMSGSIZE); /* IP length > wire */

    b[14] = 0x44; /* IHL 4 */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[14] = 0x65; /* version 6 in an IPv4 EtherType */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[14] = 0x4F; /* IHL 15: header longer than captured */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 40, w, &pi), -EMSGSIZE);
    b[14] = 0x45;
    b[16] = 0;
    b[17] = 19; /* total length < header */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[17] = 27; /* room for 7 bytes of UDP */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[16] = 0;
    b[17] = 128;
    b[38] = 0;
    b[39] = 7; /* UDP length 7 */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[39] = 200; /* UDP longer than IP */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), -EPROTO);
    b[39] = 108;
    b[20] = 0x20; /* MF: a fragment, L4 not decoded */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, w, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV4 | PKT_HAS_IP_FRAG);
    b[20] = 0;

    /* TCP: data offset below 5, options running past the header */
    f = build_sample(pool, S_TCP4_SYN);
    n = f->len;
    memcpy(b, frame_cdata(f), n);
    frame_unref(f);
    b[46] = 0x40;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, n, &pi), -EPROTO);
    b[46] = 0xa0;
    b[55] = 40; /* MSS option length 40 */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, n, &pi), -EPROTO);
    b[55] = 0; /* length 0 */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, n, &pi), -EPROTO);
    b[55] = 4;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n, n, &pi), 0);

    /* ND: option length 0 */
    memcpy(b, vec_ns, sizeof vec_ns);
    b[79] = 0;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, sizeof vec_ns, sizeof vec_ns, &pi), -EPROTO);
    b[79] = 1;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, sizeof vec_ns, sizeof vec_ns, &pi), 0);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, sizeof vec_ns - 1, sizeof vec_ns, &pi), -EMSGSIZE);

    /* RoCE: a UDP datagram to 4791 too short for BTH + ICRC */
    memcpy(b, cx4_cnp, sizeof cx4_cnp);
    b[17] = 20 + 8 + 15; /* IP total 43 */
    b[39] = 8 + 15;      /* UDP 23 */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, sizeof cx4_cnp, sizeof cx4_cnp, &pi), -EPROTO);
    b[17] = 20 + 8 + 12 + 4 + 4;
    b[39] = 8 + 12 + 4 + 4; /* room for a BTH, not for the CNP's 16 bytes */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, sizeof cx4_cnp, sizeof cx4_cnp, &pi), -EPROTO);

    /* ARP with a wrong address length; other ARP kinds are not decoded */
    f = build_sample(pool, S_ARP_REQ);
    memcpy(b, frame_cdata(f), 60);
    frame_unref(f);
    b[18] = 8;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 60, 60, &pi), -EPROTO);
    b[18] = 6;
    b[15] = 6; /* hardware type 6 (IEEE 802) */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 60, 60, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, 0);
    CU_ASSERT_EQUAL(pi.ethertype, PKT_ETH_P_ARP);

    /* unknown EtherType and 802.3 length field: L2 only */
    b[12] = 0x88;
    b[13] = 0xcc;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 60, 60, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, 0);
    CU_ASSERT_EQUAL(pi.l3_off, 14);
    b[12] = 0x00;
    b[13] = 0x2e;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, 60, 60, &pi), 0);

    /* IPv6 fragment header with an offset: L4 not decoded */
    f = build_sample(pool, S_UDP6);
    n = f->len;
    memcpy(b, frame_cdata(f), n);
    w = frame_wire_len(f);
    frame_unref(f);
    memmove(b + 62, b + 54, n - 54);
    b[20] = 44; /* next header: fragment */
    b[54] = 17;
    b[55] = 0;
    b[56] = 0x00;
    b[57] = 0x08; /* offset 1 */
    b[58] = b[59] = b[60] = b[61] = 0;
    b[18] = (uint8_t)((1008 + 8) >> 8);
    b[19] = (uint8_t)(1008 + 8);
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n + 8, w + 8, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV6 | PKT_HAS_IP_FRAG);
    CU_ASSERT_EQUAL(pi.ip_proto, 17);
    b[57] = 0x00; /* atomic fragment: UDP follows */
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, n + 8, w + 8, &pi), 0);
    CU_ASSERT_EQUAL(pi.layers, PKT_HAS_IPV6 | PKT_HAS_UDP);
    CU_ASSERT_EQUAL(pi.l4_off, 62);
    CU_ASSERT_EQUAL(pi.dport, 5678);
    frame_pool_destroy(pool);
}

/* ---- fuzz: truncation and mutation ---- */

static int parse_rc_ok(int rc) { return rc == 0 || rc == -EMSGSIZE || rc == -EPROTO; }

/* Runs every decoder over an exactly-sized heap copy of b[0..caplen), so
 * that ASan / valgrind see any read past caplen. */
static void decode_all(const uint8_t *b, size_t caplen, size_t wire)
{
    uint8_t *c = malloc(caplen ? caplen : 1);
    CU_ASSERT_FATAL(c != NULL);
    memcpy(c, b, caplen);
    struct pkt_info pi;
    int rc = pkt_parse_bytes(c, caplen, wire, &pi);
    CU_ASSERT(parse_rc_ok(rc));
    rc = pkt_csum_verify_bytes(c, caplen, wire);
    CU_ASSERT(parse_rc_ok(rc) || rc == -EBADMSG);
    rc = pkt_roce_icrc_check_bytes(c, caplen, wire);
    CU_ASSERT(parse_rc_ok(rc) || rc == -EBADMSG || rc == -ENOENT || rc == -ENODATA);
    struct pkt_pfc pfc;
    rc = pkt_pfc_parse_bytes(c, caplen, wire, &pfc);
    CU_ASSERT(rc == 0 || rc == -EMSGSIZE || rc == -EPROTO);
    uint16_t q;
    rc = pkt_pfc_pause_parse_bytes(c, caplen, wire, &q);
    CU_ASSERT(rc == 0 || rc == -EMSGSIZE || rc == -EPROTO);
    struct pkt_l2 l2;
    rc = pkt_l2_bytes(c, caplen, &l2);
    CU_ASSERT(rc == 0 || (rc == -EMSGSIZE && caplen < 14));
    free(c);
}

static void test_fuzz_truncation(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    uint8_t *flat = malloc(WIRE_MAX);
    for (int s = 0; s < S_COUNT; s++) {
        struct frame *f = build_sample(pool, s);
        size_t wire = flatten(f, flat, WIRE_MAX);
        struct pkt_info full, pi;
        CU_ASSERT_EQUAL_FATAL(pkt_parse_bytes(flat, wire, wire, &full), 0);
        CU_ASSERT_EQUAL(pkt_parse(f, &pi), 0);
        CU_ASSERT_EQUAL(pi.layers, full.layers);
        /* captured prefixes of the full-length frame: -EMSGSIZE until the
         * headers are all there, then the same result as the full frame */
        size_t need = 0;
        for (size_t k = 0; k <= f->len; k++) {
            int rc = pkt_parse_bytes(flat, k, wire, &pi);
            if (rc == 0 && !need)
                need = k;
            if (need) {
                CU_ASSERT_EQUAL(rc, 0);
                CU_ASSERT_EQUAL(pi.layers, full.layers);
            } else {
                CU_ASSERT_EQUAL(rc, -EMSGSIZE);
            }
            decode_all(flat, k, wire);
        }
        CU_ASSERT(need >= 14 && need <= f->len);
        /* frames cut short on the wire as well */
        for (size_t k = 0; k <= wire && k <= 300; k++) {
            int rc = pkt_parse_bytes(flat, k, k, &pi);
            CU_ASSERT(parse_rc_ok(rc));
            decode_all(flat, k, k);
        }
        if (f->trailer_len) /* frames keep their ICRC */
            CU_ASSERT_EQUAL(pkt_roce_icrc_check_bytes(flat, wire, wire), 0);
        frame_unref(f);
    }
    free(flat);
    frame_pool_destroy(pool);
}

#define FUZZ_ROUNDS 2000 /* mutations per sample frame */

static void test_fuzz_mutation(void)
{
    struct frame_pool *pool = frame_pool_create(4);
    uint8_t *flat = malloc(WIRE_MAX);
    uint8_t *m = malloc(WIRE_MAX + 64);
    uint64_t seed = 0x5E75111;
    for (int s = 0; s < S_COUNT; s++) {
        struct frame *f = build_sample(pool, s);
        size_t wire = flatten(f, flat, WIRE_MAX);
        for (int round = 0; round < FUZZ_ROUNDS; round++) {
            memcpy(m, flat, wire);
            memset(m + wire, 0, 64); /* a longer wire length reads zeros */
            size_t hdr = f->len; /* mutate where the headers are */
            int nmut = 1 + (int)(mix_next(&seed) % 4);
            for (int i = 0; i < nmut; i++) {
                uint64_t r = mix_next(&seed);
                size_t pos = (size_t)(r % hdr);
                switch ((r >> 32) % 4) {
                case 0:
                    m[pos] ^= (uint8_t)(1u << ((r >> 40) % 8));
                    break;
                case 1:
                    m[pos] = (uint8_t)(r >> 48);
                    break;
                case 2:
                    m[pos] = 0;
                    break;
                default:
                    m[pos] = 0xFF;
                    break;
                }
            }
            uint64_t r = mix_next(&seed);
            size_t cap = r % 3 == 0 ? (size_t)(mix_next(&seed) % (hdr + 1)) : hdr;
            size_t w = r % 5 == 0 ? cap + (size_t)(mix_next(&seed) % 64) : wire;
            if (w < cap)
                w = cap;
            decode_all(m, cap, w);
            decode_all(m, w < 2000 ? w : cap, w);
        }
        frame_unref(f);
    }
    free(m);
    free(flat);
    frame_pool_destroy(pool);
}

/* ---- the parser's fast path against its general path ---- */

/* Every field of pkt_info, one by one (padding bytes are not compared). */
static int pi_same(const struct pkt_info *a, const struct pkt_info *b)
{
#define SAME(x) (memcmp(&a->x, &b->x, sizeof a->x) == 0)
    return SAME(layers) && SAME(wire_len) && SAME(dst) && SAME(src) && SAME(ethertype) &&
           SAME(l3_off) && SAME(vid) && SAME(pcp) && SAME(dei) && SAME(arp_op) &&
           SAME(arp_sha) && SAME(arp_spa) && SAME(arp_tha) && SAME(arp_tpa) &&
           SAME(ip_version) && SAME(ip_proto) && SAME(dscp) && SAME(ecn) && SAME(ttl) &&
           SAME(l4_off) && SAME(ip_end) && SAME(flow_label) && SAME(ip_src) && SAME(ip_dst) &&
           SAME(icmp6_type) && SAME(icmp6_code) && SAME(nd_flags) && SAME(nd_target) &&
           SAME(nd_lladdr) && SAME(sport) && SAME(dport) && SAME(udp_len) && SAME(tcp_flags) &&
           SAME(tcp_wscale) && SAME(tcp_window) && SAME(tcp_mss) && SAME(tcp_seq) &&
           SAME(tcp_ack) && SAME(tcp_tsval) && SAME(tcp_tsecr) && SAME(l5_off) && SAME(l5_len) &&
           SAME(bth.opcode) && SAME(bth.se) && SAME(bth.mig) && SAME(bth.pad) &&
           SAME(bth.tver) && SAME(bth.fecn) && SAME(bth.becn) && SAME(bth.ack_req) &&
           SAME(bth.pkey) && SAME(bth.dest_qp) && SAME(bth.psn) && SAME(reth.va) &&
           SAME(reth.rkey) && SAME(reth.dma_len) && SAME(aeth.syndrome) && SAME(aeth.msn) &&
           SAME(mac_ctrl_opcode) && SAME(pfc_enable) && SAME(pfc_quanta);
#undef SAME
}

/* Tallies of compare_paths(): how many frames each path decoded. */
struct path_count {
    unsigned fast_ok;    /* fast path, result 0 */
    unsigned fast_err;   /* fast path, an error from the TCP options or the BTH */
    unsigned declined;   /* left to the general path */
    unsigned differ;     /* frames the two paths decoded differently */
};

/* Parses b both ways into structs that start out the same (random bytes)
 * and asserts the same result and the same fields; a declined frame must
 * leave pi untouched. */
static void compare_paths(const uint8_t *b, size_t caplen, size_t wire, uint64_t *seed,
                          struct path_count *n)
{
    struct pkt_info before, general, fast;
    uint8_t *raw = (uint8_t *)&before;
    for (size_t i = 0; i < sizeof before; i++)
        raw[i] = (uint8_t)mix_next(seed);
    general = before;
    fast = before;
    int rc_general = pkt_parse_general__(b, caplen, wire, &general);
    int rc_fast = pkt_parse_fast__(b, caplen, wire, &fast);
    if (rc_fast == PKT_PARSE_DECLINED) {
        n->declined++;
        CU_ASSERT(pi_same(&fast, &before));
        rc_fast = pkt_parse_general__(b, caplen, wire, &fast);
    } else if (rc_fast == 0) {
        n->fast_ok++;
    } else {
        n->fast_err++;
    }
    CU_ASSERT_EQUAL(rc_fast, rc_general);
    if (!pi_same(&fast, &general) || rc_fast != rc_general) {
        if (n->differ++ < 5) /* the first few, for whoever debugs it */
            fprintf(stderr, "fast/general differ: caplen %zu wire %zu rc %d/%d\n", caplen, wire,
                    rc_fast, rc_general);
        CU_FAIL("fast and general parse differ");
    }
    /* and the public entry point gives the same again */
    struct pkt_info pub = before;
    CU_ASSERT_EQUAL(pkt_parse_bytes(b, caplen, wire, &pub), rc_general);
    CU_ASSERT(pi_same(&pub, &general));
}

static uint8_t rnd8(uint64_t *seed) { return (uint8_t)mix_next(seed); }
static unsigned rnd(uint64_t *seed, unsigned n) { return (unsigned)(mix_next(seed) % n); }
static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

/* TCP options of hl - 20 bytes: none, NOP NOP timestamps, the SYN set, or
 * random bytes (valid or not). */
static void gen_tcp_opts(uint8_t *o, size_t n, uint64_t *seed)
{
    static const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0};
    static const uint8_t syn[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9,
                                    0, 0, 0, 0, 1, 3, 3, 7};
    for (size_t i = 0; i < n; i++)
        o[i] = rnd8(seed);
    if (n == 12 && rnd(seed, 4) != 0)
        memcpy(o, ts, 12);
    else if (n == 20 && rnd(seed, 2) == 0)
        memcpy(o, syn, 20);
    else if (rnd(seed, 2) == 0)
        memset(o, rnd(seed, 2), n); /* all NOP or all EOL */
}

/* A frame of the shapes the fast path sees, and its near misses, into b
 * (zeros after the headers); returns the header length, *wire the wire
 * length. */
static size_t gen_frame(uint8_t *b, size_t *wire, uint64_t *seed)
{
    memset(b, 0, 2048);
    for (int i = 0; i < 12; i++)
        b[i] = rnd8(seed);
    size_t off = 12;
    unsigned tags = rnd(seed, 16) == 0 ? 2 : rnd(seed, 2); /* untagged, one, sometimes two */
    for (unsigned i = 0; i < tags; i++, off += 4) {
        put16(b + off, PKT_ETH_P_VLAN);
        put16(b + off + 2, (unsigned)mix_next(seed));
    }
    static const uint16_t ets[] = {PKT_ETH_P_IPV6, PKT_ETH_P_ARP, PKT_ETH_P_MAC_CTRL, 0x88CC};
    uint16_t et = rnd(seed, 4) != 0 ? PKT_ETH_P_IPV4 : ets[rnd(seed, 4)];
    put16(b + off, et);
    off += 2;
    size_t payload = rnd(seed, 4) == 0 ? 0 : rnd(seed, 1500);
    if (et != PKT_ETH_P_IPV4) {
        /* other EtherTypes: whatever bytes, the general path alone */
        size_t n = off + 8 + rnd(seed, 60);
        for (size_t i = off; i < n; i++)
            b[i] = rnd8(seed);
        if (et == PKT_ETH_P_IPV6)
            b[off] = 0x60;
        *wire = n + payload;
        return n;
    }
    uint8_t *ip = b + off;
    unsigned ihl = rnd(seed, 8) == 0 ? 5 + rnd(seed, 11) : 5;
    ip[0] = (uint8_t)((rnd(seed, 32) == 0 ? rnd(seed, 16) : 4) << 4 | ihl);
    if (rnd(seed, 32) == 0)
        ip[0] = (uint8_t)(0x40 | rnd(seed, 5)); /* IHL below 5 */
    ip[1] = rnd8(seed);
    put16(ip + 4, (unsigned)mix_next(seed));
    static const uint16_t frags[] = {0x2000, 0x0001, 0x1FFF, 0x8000}; /* MF, offsets, reserved */
    put16(ip + 6, rnd(seed, 4) != 0 ? 0x4000 * rnd(seed, 2) : frags[rnd(seed, 4)]);
    ip[8] = rnd8(seed);
    static const uint8_t protos[] = {PKT_IPPROTO_TCP, PKT_IPPROTO_TCP, PKT_IPPROTO_TCP,
                                     PKT_IPPROTO_UDP, PKT_IPPROTO_UDP, PKT_IPPROTO_UDP, 1,
                                     PKT_IPPROTO_ICMPV6};
    uint8_t proto = protos[rnd(seed, 8)];
    ip[9] = proto;
    for (int i = 10; i < 20; i++)
        ip[i] = rnd8(seed);
    for (unsigned i = 20; i < ihl * 4; i++)
        ip[i] = rnd(seed, 2) ? 1 : rnd8(seed); /* options: NOPs and noise */
    size_t l4 = off + ihl * 4;
    uint8_t *t = b + l4;
    size_t l4_hdr, icrc = 0;
    if (proto == PKT_IPPROTO_TCP) {
        static const uint8_t doffs[] = {5, 5, 5, 8, 8, 10, 15, 4};
        unsigned doff = rnd(seed, 16) == 0 ? rnd(seed, 16) : doffs[rnd(seed, 8)];
        for (int i = 0; i < 20; i++)
            t[i] = rnd8(seed);
        t[12] = (uint8_t)(doff << 4 | (t[12] & 0x0F));
        l4_hdr = doff >= 5 ? doff * 4 : 20;
        gen_tcp_opts(t + 20, l4_hdr - 20, seed);
    } else if (proto == PKT_IPPROTO_UDP) {
        for (int i = 0; i < 8; i++)
            t[i] = rnd8(seed);
        l4_hdr = 8;
        if (rnd(seed, 4) != 0) {
            /* RoCEv2: BTH with any opcode (mostly known ones), its
             * extension headers, an ICRC after the payload */
            put16(t + 2, PKT_ROCE_UDP_PORT);
            uint8_t *h = t + 8;
            for (int i = 0; i < 12 + 44; i++)
                h[i] = rnd8(seed);
            static const uint8_t ops[] = {0x00, 0x01, 0x02, 0x04, 0x06, 0x07, 0x0A, 0x0C,
                                          0x0D, 0x10, 0x11, 0x12, 0x13, 0x16, 0x64, 0x81};
            if (rnd(seed, 4) != 0)
                h[0] = ops[rnd(seed, 16)];
            l4_hdr = 8 + 12 + pkt_bth_ext_len(pkt_bth_ext(h[0]));
            icrc = 4;
        }
        /* the UDP length: right, anything, or short of a BTH and ICRC */
        unsigned how = rnd(seed, 16);
        put16(t + 4, how == 0   ? (unsigned)mix_next(seed) & 0xFFFF
                     : how == 1 ? 8 + rnd(seed, 20)
                                : (unsigned)(l4_hdr + payload + icrc));
    } else {
        l4_hdr = 8 + rnd(seed, 20);
        for (size_t i = 0; i < l4_hdr; i++)
            t[i] = rnd8(seed);
    }
    size_t n = l4 + l4_hdr;
    size_t tot = n - off + payload + icrc;
    unsigned how = rnd(seed, 16);
    put16(ip + 2, how == 0 ? (unsigned)mix_next(seed) & 0xFFFF
                  : how == 1 ? (unsigned)(tot - rnd(seed, 8))
                  : how == 2 ? (unsigned)(tot + rnd(seed, 8))
                             : (unsigned)tot);
    *wire = n + payload + icrc + (rnd(seed, 4) == 0 ? rnd(seed, 40) : 0); /* Ethernet padding */
    return n;
}

#define PATH_FRAMES 200000 /* generated frames compared fast vs general */

static void test_parse_fast_matches_general(void)
{
    uint64_t seed = 0xFA57;
    uint8_t *b = calloc(1, WIRE_MAX);
    CU_ASSERT_FATAL(b != NULL);
    struct path_count n = {0, 0, 0, 0};
    for (int i = 0; i < PATH_FRAMES; i++) {
        size_t wire;
        size_t hdr = gen_frame(b, &wire, &seed);
        unsigned mode = rnd(&seed, 8);
        if (mode == 0) { /* a few header bytes changed */
            for (int k = 1 + (int)rnd(&seed, 3); k > 0; k--)
                b[rnd(&seed, (unsigned)hdr)] = rnd8(&seed);
        }
        size_t cap = mode == 1 ? rnd(&seed, (unsigned)hdr + 1) : mode == 2 ? wire : hdr;
        size_t w = mode == 3 ? cap + rnd(&seed, 64) : wire; /* wire length cut short */
        if (cap > w)
            cap = w;
        compare_paths(b, cap, w, &seed, &n);
    }
    /* the sample frames of every kind, cut at every length */
    struct frame_pool *pool = frame_pool_create(4);
    for (int s = 0; s < S_COUNT; s++) {
        struct frame *f = build_sample(pool, s);
        size_t wire = flatten(f, b, WIRE_MAX);
        for (size_t k = 0; k <= f->len; k++) {
            compare_paths(b, k, wire, &seed, &n);
            compare_paths(b, k, k, &seed, &n);
        }
        frame_unref(f);
    }
    frame_pool_destroy(pool);
    free(b);
    /* both paths and the fast path's late errors were all exercised */
    CU_ASSERT(n.fast_ok > PATH_FRAMES / 8);
    CU_ASSERT(n.declined > PATH_FRAMES / 8);
    CU_ASSERT(n.fast_err > PATH_FRAMES / 100);
}

/* The extension-header length table against the sum of the lengths. */
static void test_bth_ext_len(void)
{
    static const struct {
        unsigned bit;
        size_t len;
    } ext[] = {{PKT_BTH_X_DETH, 8},      {PKT_BTH_X_RETH, 16}, {PKT_BTH_X_ATOMIC, 28},
               {PKT_BTH_X_AETH, 4},      {PKT_BTH_X_ATOMICACK, 8}, {PKT_BTH_X_IMM, 4},
               {PKT_BTH_X_IETH, 4},      {PKT_BTH_X_CNP, 16}};
    for (unsigned m = 0; m < 256; m++) {
        size_t want = 0;
        for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
            if (m & ext[i].bit)
                want += ext[i].len;
        CU_ASSERT_EQUAL(pkt_bth_ext_len(m), want);
        CU_ASSERT_EQUAL(pkt_bth_ext_len(m | PKT_BTH_X_KNOWN), want);
    }
    CU_ASSERT_EQUAL(pkt_bth_ext_len(pkt_bth_ext(PKT_IB_RC_WRITE_FIRST)), PKT_RETH_LEN);
    CU_ASSERT_EQUAL(pkt_bth_ext_len(pkt_bth_ext(PKT_IB_RC_ACK)), PKT_AETH_LEN);
}

/* pkt_ipv4_hdr_write against the header laid out field by field and
 * checksummed with pkt_csum_add over its bytes. */
static void test_ipv4_hdr_write(void)
{
    uint64_t seed = 0x1F4;
    for (int i = 0; i < 100000; i++) {
        struct pkt_ip_spec ip;
        memset(&ip, 0, sizeof ip);
        ip.version = 4;
        ip.dscp = (uint8_t)rnd(&seed, 64);
        ip.ecn = (uint8_t)rnd(&seed, 4);
        ip.ttl = rnd8(&seed);
        ip.df = (uint8_t)rnd(&seed, 2);
        ip.id = (uint16_t)mix_next(&seed);
        for (int k = 0; k < 4; k++) {
            ip.src[k] = rnd(&seed, 4) == 0 ? 0xFF : rnd(&seed, 4) == 0 ? 0 : rnd8(&seed);
            ip.dst[k] = rnd(&seed, 4) == 0 ? 0xFF : rnd(&seed, 4) == 0 ? 0 : rnd8(&seed);
        }
        uint8_t proto = rnd(&seed, 2) ? PKT_IPPROTO_TCP : rnd8(&seed);
        uint16_t tot = (uint16_t)(rnd(&seed, 8) == 0 ? 0xFFFF - rnd(&seed, 4) : mix_next(&seed));
        uint8_t want[20] = {0x45, (uint8_t)(ip.dscp << 2 | ip.ecn)};
        put16(want + 2, tot);
        put16(want + 4, ip.id);
        put16(want + 6, ip.df ? 0x4000 : 0);
        want[8] = ip.ttl;
        want[9] = proto;
        memcpy(want + 12, ip.src, 4);
        memcpy(want + 16, ip.dst, 4);
        put16(want + 10, pkt_csum_fold(pkt_csum_add(0, want, 20)));
        uint8_t got[20];
        memset(got, 0xAA, sizeof got);
        pkt_ipv4_hdr_write(got, &ip, proto, tot);
        CU_ASSERT_EQUAL(memcmp(got, want, 20), 0);
        CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, got, 20)), 0);
    }
}

/* ---- tshark ---- */

static void wr_le32(FILE *fp, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, fp);
}

static void wr_le16(FILE *fp, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fwrite(b, 1, 2, fp);
}

/* Classic pcap: global header, then a record per frame with its whole
 * wire image (zero payload and trailer included). */
static int write_pcap(const char *path, struct frame **frames, int n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -errno;
    wr_le32(fp, 0xa1b2c3d4);
    wr_le16(fp, 2);
    wr_le16(fp, 4);
    wr_le32(fp, 0);
    wr_le32(fp, 0);
    wr_le32(fp, 65535);
    wr_le32(fp, 1); /* LINKTYPE_ETHERNET */
    uint8_t *flat = malloc(WIRE_MAX);
    for (int i = 0; i < n; i++) {
        size_t len = flatten(frames[i], flat, WIRE_MAX);
        wr_le32(fp, (uint32_t)i);
        wr_le32(fp, 0);
        wr_le32(fp, (uint32_t)len);
        wr_le32(fp, (uint32_t)len);
        fwrite(flat, 1, len, fp);
    }
    free(flat);
    return fclose(fp) == 0 ? 0 : -EIO;
}

#define TSHARK_OUT_MAX (4u << 20)

static void test_tshark_decode(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: decode check skipped\n");
        return;
    }
    struct frame_pool *pool = frame_pool_create(64);
    struct frame *frames[S_COUNT];
    for (int s = 0; s < S_COUNT; s++)
        frames[s] = build_sample(pool, s);
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/pkt.pcap", dir);
    CU_ASSERT_EQUAL_FATAL(write_pcap(path, frames, S_COUNT), 0);

    /* Checksum validation on.  RPC-over-RDMA is off: its heuristic reads an
     * RPC header from every SEND payload, and ours are virtual zeros. */
    char *out = test_tshark_clean(path,
                                  "-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE"
                                  " -o udp.check_checksum:TRUE --disable-protocol rpcordma",
                                  TSHARK_OUT_MAX);
    CU_ASSERT_PTR_NULL(strstr(out, "checksum status: Bad"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[Header checksum status: Good]"));
    CU_ASSERT_PTR_NULL(strstr(out, "incorrect"));
    static const char *const expect[] = {
        "Address Resolution Protocol (request)",
        "Address Resolution Protocol (reply)",
        "802.1Q Virtual LAN, PRI: 5, DEI: 0, ID: 20",
        "Internet Protocol Version 6",
        "Internet Control Message Protocol v6",
        "Type: Neighbor Solicitation (135)",
        "Type: Neighbor Advertisement (136)",
        "ICMPv6 Option (Source link-layer address : 02:00:00:00:00:01)",
        "ICMPv6 Option (Target link-layer address : 02:00:00:00:00:02)",
        "Transmission Control Protocol",
        "Maximum segment size: 1460 bytes",
        "Window scale: 7",
        "User Datagram Protocol",
        "eth:ethertype:ip:udp:infiniband",
        "eth:ethertype:vlan:ethertype:ipv6:udp:infiniband",
        "Opcode: Reliable Connection (RC) - RDMA WRITE First (6)",
        "Opcode: Reliable Connection (RC) - RDMA READ Request (12)",
        "Opcode: Reliable Connection (RC) - Acknowledge (17)",
        "Opcode: Reliable Connection (RC) - SEND Only (4)",
        "Virtual Address: 0x00007f0000100000",
        "Explicit Congestion Notification: Congestion Experienced (3)",
        "Opcode: Class Based Flow Control [CBFC] Pause (0x0101)",
        "CBFC Class Enable Vector: 0x0008",
        "C3: 65535",
        "Opcode: Pause (0x0001)",
        "[Checksum Status: Good]",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (!strstr(out, expect[i]))
            fprintf(stderr, "tshark output lacks \"%s\"\n", expect[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, expect[i]));
    }
    /* Wireshark reads the ICRC as the 4 bytes in wire order */
    char icrc[64];
    const uint8_t *t = frames[S_ROCE_SEND_FIRST]->trailer;
    snprintf(icrc, sizeof icrc, "Invariant CRC: 0x%02x%02x%02x%02x", t[0], t[1], t[2], t[3]);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, icrc));
    free(out);
    for (int s = 0; s < S_COUNT; s++)
        frame_unref(frames[s]);
    frame_pool_destroy(pool);
}

int suite_pkt(void)
{
    CU_pSuite s = test_suite("pkt");
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"csum_known", test_csum_known},
        {"tcp_known", test_tcp_known},
        {"tcp_roundtrip", test_tcp_roundtrip},
        {"udp", test_udp},
        {"arp", test_arp},
        {"nd", test_nd},
        {"vlan", test_vlan},
        {"ecn_dscp", test_ecn_dscp},
        {"crc32", test_crc32},
        {"crc32_clmul", test_crc32_clmul},
        {"icrc_hardware_cnp", test_icrc_hardware_cnp},
        {"icrc_scapy_uc", test_icrc_scapy_uc},
        {"roce_vectors", test_roce_vectors},
        {"roce_roundtrip", test_roce_roundtrip},
        {"roce_tmpl", test_roce_tmpl},
        {"roce_tmpl_again", test_roce_tmpl_again},
        {"roce_icrc_check_parsed_v4", test_roce_icrc_check_parsed_v4},
        {"aeth", test_aeth},
        {"pfc", test_pfc},
        {"builder_errors", test_builder_errors},
        {"parse_errors", test_parse_errors},
        {"fuzz_truncation", test_fuzz_truncation},
        {"fuzz_mutation", test_fuzz_mutation},
        {"parse_fast_matches_general", test_parse_fast_matches_general},
        {"bth_ext_len", test_bth_ext_len},
        {"ipv4_hdr_write", test_ipv4_hdr_write},
        {"tshark_decode", test_tshark_decode},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
