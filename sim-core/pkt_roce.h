/* pkt_roce: RoCEv2 codecs: IB transport headers (BTH, RETH, AETH) over
 * UDP port 4791, the RC opcodes the transport model sends, the CNP of
 * DCQCN, and the invariant CRC (ICRC) that ends every RoCEv2 packet.
 *
 * Frame layout built here: Ethernet [802.1Q] | IPv4/IPv6 | UDP | BTH |
 * [RETH | AETH | 16 reserved bytes for a CNP] | virtual payload incl. pad |
 * ICRC in the frame trailer.  The parser is pkt_parse() (pkt.h): it fills
 * pkt_info.bth/reth/aeth and flags PKT_HAS_ROCE.  A sender of many packets
 * with the same addresses and QP keeps a header template
 * (pkt_roce_build_tmpl): the same bytes, patched instead of written anew;
 * one that knows its template current skips the comparison of the specs
 * (pkt_roce_build_tmpl_again).
 *
 * ICRC (InfiniBand Architecture Vol. 1, the Invariant CRC, as the RoCEv2
 * annex A17 adapts it to IP/UDP): the Ethernet
 * CRC-32 (reflected polynomial 0xEDB88320, initial value all ones, final
 * complement: the zlib crc32) computed over
 *   8 bytes of 0xFF (the LRH the annex replaces),
 *   the IP header with the variant fields set to all ones -- IPv4: DSCP+ECN,
 *   TTL and header checksum; IPv6: traffic class, flow label, hop limit --,
 *   the UDP header with its checksum set to all ones,
 *   the BTH with its resv8a byte (F, B and 6 reserved bits) set to all ones,
 *   and everything after the BTH up to the ICRC (payload and pad included).
 * It goes on the wire least significant byte first, like the FCS: the value
 * 0x2a00fd82 is sent as 82 fd 00 2a (Wireshark shows "Invariant CRC:
 * 0x82fd002a").  Checked against a CNP captured from a ConnectX-4 Lx (see
 * tests/test_pkt.c).  The virtual payload is all zeros, so its part of the
 * CRC is the "append n zero bytes" operator x^(8n) mod P, computed in
 * O(log n) multiplications (pkt_roce_crc32_zeros) as zlib's crc32_combine.
 */
#ifndef SETSIM_PKT_ROCE_H
#define SETSIM_PKT_ROCE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "pkt.h"

#define PKT_ROCE_ICRC_LEN 4
#define PKT_ROCE_DEFAULT_PKEY 0xFFFF /* full member of the default partition */

/* BTH opcodes: RC (transport 000) and the RoCEv2 CNP. */
#define PKT_IB_RC_SEND_FIRST 0x00
#define PKT_IB_RC_SEND_MIDDLE 0x01
#define PKT_IB_RC_SEND_LAST 0x02
#define PKT_IB_RC_SEND_ONLY 0x04
#define PKT_IB_RC_WRITE_FIRST 0x06  /* RETH */
#define PKT_IB_RC_WRITE_MIDDLE 0x07
#define PKT_IB_RC_WRITE_LAST 0x08
#define PKT_IB_RC_WRITE_ONLY 0x0A   /* RETH */
#define PKT_IB_RC_READ_REQUEST 0x0C /* RETH, no payload */
#define PKT_IB_RC_READ_RESP_FIRST 0x0D  /* AETH */
#define PKT_IB_RC_READ_RESP_MIDDLE 0x0E
#define PKT_IB_RC_READ_RESP_LAST 0x0F   /* AETH */
#define PKT_IB_RC_READ_RESP_ONLY 0x10   /* AETH */
#define PKT_IB_RC_ACK 0x11              /* AETH, no payload */
#define PKT_IB_CNP 0x81                 /* 16 reserved bytes, no payload */

/* AETH syndrome: bits 6..5 say what it is, bits 4..0 carry a credit count
 * (ACK), an RNR timer code (RNR NAK) or a NAK code (IBA Vol. 1, AETH). */
#define PKT_AETH_KIND_MASK 0x60
#define PKT_AETH_ACK 0x00
#define PKT_AETH_RNR_NAK 0x20
#define PKT_AETH_NAK 0x60
#define PKT_AETH_VALUE_MASK 0x1F
#define PKT_AETH_NAK_PSN_SEQ_ERR 0    /* PSN sequence error: go back N */
#define PKT_AETH_NAK_INVALID_REQ 1
#define PKT_AETH_NAK_REMOTE_ACCESS 2
#define PKT_AETH_NAK_REMOTE_OP 3
#define PKT_AETH_NAK_INVALID_RD_REQ 4
#define PKT_AETH_CREDITS_INVALID 0x1F /* ACK without end-to-end credits */

static inline uint8_t pkt_roce_aeth_ack(uint8_t credits)
{
    return (uint8_t)(PKT_AETH_ACK | (credits & PKT_AETH_VALUE_MASK));
}
static inline uint8_t pkt_roce_aeth_rnr_nak(uint8_t timer)
{
    return (uint8_t)(PKT_AETH_RNR_NAK | (timer & PKT_AETH_VALUE_MASK));
}
static inline uint8_t pkt_roce_aeth_nak(uint8_t code)
{
    return (uint8_t)(PKT_AETH_NAK | (code & PKT_AETH_VALUE_MASK));
}
/* PKT_AETH_ACK / PKT_AETH_RNR_NAK / PKT_AETH_NAK, or 0x40 (reserved). */
static inline uint8_t pkt_roce_aeth_kind(uint8_t syndrome)
{
    return syndrome & PKT_AETH_KIND_MASK;
}

/* What to put in the IB headers of a RoCEv2 packet. */
struct pkt_roce_spec {
    struct pkt_bth bth;  /* all fields but pad, which the builder computes */
    struct pkt_reth reth; /* used by opcodes with a RETH */
    struct pkt_aeth aeth; /* used by opcodes with an AETH */
    uint16_t udp_sport;   /* flow entropy for ECMP / SET hashing */
};

/* Builds a RoCEv2 packet with payload_len virtual payload bytes (plus
 * 0..3 pad bytes, counted in bth.pad and in f->payload_len) and its ICRC in
 * the trailer.  The UDP checksum is 0 over IPv4 (as RoCEv2 NICs send it) and
 * computed over IPv6, where 0 is not allowed.  f must be empty.  Returns 0,
 * -EINVAL (bad field, payload on an opcode without one), -EOPNOTSUPP (an
 * opcode not listed above), -ENOSPC or -EMSGSIZE. */
int pkt_roce_build(struct frame *f, const struct pkt_l2_spec *l2, const struct pkt_ip_spec *ip,
                   const struct pkt_roce_spec *r, uint32_t payload_len);
/* A QP's RoCEv2-over-IPv4 header template: the Ethernet [802.1Q], IPv4,
 * UDP and BTH bytes its packets share, built once from the specs by the
 * same writers as pkt_roce_build(), with what they were built from.
 * pkt_roce_build_tmpl() copies them and patches what changes from packet
 * to packet.  Owned by the caller (e.g. one per QP); zero it before the
 * first use (pkt_roce_tmpl_init). */
#define PKT_ROCE_TMPL_MAX (PKT_ETH_HLEN + PKT_VLAN_HLEN + PKT_IPV4_HLEN + PKT_UDP_HLEN + PKT_BTH_LEN)
struct pkt_roce_tmpl {
    uint8_t hdr[PKT_ROCE_TMPL_MAX]; /* Ethernet up to the end of the BTH */
    uint8_t hlen;                   /* bytes of hdr in use; 0: empty */
    uint8_t l3;                     /* IPv4 header offset in hdr */
    uint8_t bth1;                   /* BTH byte 1 (SE, M, TVer) without the pad count */
    uint32_t csum_rest;  /* RFC 1071 sum of the IPv4 words no packet changes */
    /* the specs hdr was built from (the key): */
    struct pkt_l2_spec l2;
    uint8_t dscp, ttl, df;
    uint8_t src[4], dst[4];
    uint16_t udp_sport;
    uint16_t pkey;
    uint32_t dest_qp;
    uint8_t se, mig, tver, fecn, becn;
};
/* Empties t: the next pkt_roce_build_tmpl() builds it. */
void pkt_roce_tmpl_init(struct pkt_roce_tmpl *t);
/* pkt_roce_build() with the same arguments and the same result, bytes and
 * error alike.  For IPv4 it builds from t: when t was built from other
 * specs (addresses, MACs, DSCP, TTL, UDP port, P_Key, QP, BTH flags) it is
 * built again first; per packet it writes the ECN, IP total length, ID and
 * checksum, UDP length, opcode, pad, AckReq, PSN, the extension headers and
 * the ICRC.  Anything else goes to pkt_roce_build(). */
int pkt_roce_build_tmpl(struct frame *f, struct pkt_roce_tmpl *t, const struct pkt_l2_spec *l2,
                        const struct pkt_ip_spec *ip, const struct pkt_roce_spec *r,
                        uint32_t payload_len);
/* pkt_roce_build_tmpl() for a caller that knows t was built (by
 * pkt_roce_build_tmpl) from the specs of this packet but for the
 * per-packet fields: the IPv4 ECN and ID (given here) and r's opcode,
 * AckReq, PSN, RETH and AETH.  The caller keeps that promise (e.g. a QP
 * that compares what t holds with its own state, cheaper than the specs);
 * the same bytes and result as pkt_roce_build_tmpl(), or -EAGAIN with f
 * untouched where that would not use t as it is (t empty, a field out of
 * range, no headroom): then call pkt_roce_build_tmpl(). */
int pkt_roce_build_tmpl_again(struct frame *f, const struct pkt_roce_tmpl *t, uint8_t ecn,
                              uint16_t id, const struct pkt_roce_spec *r, uint32_t payload_len);
/* A CNP for dest_qp (BECN set, default P_Key, PSN 0) as DCQCN sends it. */
int pkt_roce_cnp_build(struct frame *f, const struct pkt_l2_spec *l2,
                       const struct pkt_ip_spec *ip, uint16_t udp_sport, uint32_t dest_qp);

/* ICRC of a RoCEv2 frame (zlib crc32 convention, see above).  Returns 0,
 * -ENOENT if the frame is not RoCEv2, or a pkt_parse() error. */
int pkt_roce_icrc(const struct frame *f, uint32_t *icrc);
/* Recomputes and stores the ICRC (after an edit of covered bytes). */
int pkt_roce_icrc_fill(struct frame *f);
/* 0 if the stored ICRC is right, -EBADMSG if not, -ENODATA if the frame has
 * no stored ICRC, -ENOENT if not RoCEv2, or a parse error. */
int pkt_roce_icrc_check(const struct frame *f);
/* The same for a frame pkt_parse() has just parsed into *pi (unchanged
 * since): the receive path's parse locates the headers, nothing is parsed
 * again.  -ENOENT if pi has no RoCEv2 layer. */
int pkt_roce_icrc_check_parsed(const struct frame *f, const struct pkt_info *pi);
/* The same over captured bytes: the ICRC must be within caplen (-ENODATA
 * otherwise); bytes between caplen and wire_len count as zeros. */
int pkt_roce_icrc_check_bytes(const uint8_t *b, size_t caplen, size_t wire_len);

/* CRC-32 as zlib's crc32(): pkt_roce_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t pkt_roce_crc32(uint32_t crc, const uint8_t *b, size_t n);
/* pkt_roce_crc32(crc, <n zero bytes>, n) in O(log n). */
uint32_t pkt_roce_crc32_zeros(uint32_t crc, uint64_t n);

#endif
