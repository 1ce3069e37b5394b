/* pkt_summary: one-line frame summaries (see pkt_summary.h), built on the
 * one parser (pkt_parse_bytes) so that what is shown is what devices and
 * the checker decode. */
#include "pkt_summary.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"
#include "pkt_roce.h"

/* An append-only text cursor over buf. */
struct out {
    char *buf;
    size_t len, used;
};

static void put__(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put__(struct out *o, const char *fmt, ...)
{
    if (o->used + 1 >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

static void mac__(struct out *o, const uint8_t *m)
{
    put__(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip__(struct out *o, int version, const uint8_t *a)
{
    char t[INET6_ADDRSTRLEN];
    inet_ntop(version == 6 ? AF_INET6 : AF_INET, a, t, sizeof t);
    put__(o, version == 6 ? "[%s]" : "%s", t);
}

static const char *roce_op__(uint8_t op)
{
    switch (op) {
    case PKT_IB_RC_SEND_FIRST: return "RC_SEND_FIRST";
    case PKT_IB_RC_SEND_MIDDLE: return "RC_SEND_MIDDLE";
    case PKT_IB_RC_SEND_LAST: return "RC_SEND_LAST";
    case PKT_IB_RC_SEND_ONLY: return "RC_SEND_ONLY";
    case PKT_IB_RC_WRITE_FIRST: return "RC_WRITE_FIRST";
    case PKT_IB_RC_WRITE_MIDDLE: return "RC_WRITE_MIDDLE";
    case PKT_IB_RC_WRITE_LAST: return "RC_WRITE_LAST";
    case PKT_IB_RC_WRITE_ONLY: return "RC_WRITE_ONLY";
    case PKT_IB_RC_READ_REQUEST: return "RC_READ_REQUEST";
    case PKT_IB_RC_READ_RESP_FIRST: return "RC_READ_RESP_FIRST";
    case PKT_IB_RC_READ_RESP_MIDDLE: return "RC_READ_RESP_MIDDLE";
    case PKT_IB_RC_READ_RESP_LAST: return "RC_READ_RESP_LAST";
    case PKT_IB_RC_READ_RESP_ONLY: return "RC_READ_RESP_ONLY";
    case PKT_IB_RC_ACK: return "RC_ACK";
    case PKT_IB_CNP: return "CNP";
    case 0x64: return "UD_SEND_ONLY"; /* UD transport (011): CM MADs to QP1 */
    case 0x65: return "UD_SEND_ONLY_IMM";
    default: return NULL;
    }
}

static void tcp_flags__(struct out *o, uint8_t f)
{
    static const struct {
        uint8_t bit;
        char c;
    } names[] = {{PKT_TCP_SYN, 'S'}, {PKT_TCP_FIN, 'F'}, {PKT_TCP_RST, 'R'}, {PKT_TCP_PSH, 'P'},
                 {PKT_TCP_ACK, '.'}, {PKT_TCP_URG, 'U'}, {PKT_TCP_ECE, 'E'}, {PKT_TCP_CWR, 'W'}};
    put__(o, " [");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (f & names[i].bit)
            put__(o, "%c", names[i].c);
    put__(o, "]");
}

static void l4__(struct out *o, const struct pkt_info *pi)
{
    if (pi->layers & PKT_HAS_UDP) {
        put__(o, " UDP");
        if (pi->layers & PKT_HAS_ROCE) {
            const char *op = roce_op__(pi->bth.opcode);
            put__(o, ", RoCEv2 ");
            if (op)
                put__(o, "%s", op);
            else
                put__(o, "opcode 0x%02x", pi->bth.opcode);
            put__(o, " qp 0x%06x psn %u%s%s%s", (unsigned)pi->bth.dest_qp, (unsigned)pi->bth.psn,
                  pi->bth.ack_req ? " A" : "", pi->bth.fecn ? " FECN" : "",
                  pi->bth.becn ? " BECN" : "");
            if (pi->layers & PKT_HAS_RETH)
                put__(o, " reth len %u", (unsigned)pi->reth.dma_len);
            if (pi->layers & PKT_HAS_AETH) {
                uint8_t k = pi->aeth.syndrome & PKT_AETH_KIND_MASK;
                put__(o, " %s 0x%02x msn %u",
                      k == PKT_AETH_ACK ? "ack" : k == PKT_AETH_NAK ? "nak"
                                             : k == PKT_AETH_RNR_NAK ? "rnr-nak" : "aeth",
                      pi->aeth.syndrome, (unsigned)pi->aeth.msn);
            }
        } else {
            put__(o, " len %u", (unsigned)pi->udp_len);
        }
    } else if (pi->layers & PKT_HAS_TCP) {
        put__(o, " TCP");
        tcp_flags__(o, pi->tcp_flags);
        put__(o, " seq %u ack %u win %u", (unsigned)pi->tcp_seq, (unsigned)pi->tcp_ack,
              (unsigned)pi->tcp_window);
    } else if (pi->layers & PKT_HAS_ICMPV6) {
        if (pi->layers & PKT_HAS_ND) {
            char t[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, pi->nd_target, t, sizeof t);
            put__(o, " ICMPv6 %s %s", pi->icmp6_type == PKT_ICMPV6_NS ? "NS who-has" : "NA",
                  t);
            if (pi->layers & PKT_HAS_ND_LLADDR) {
                put__(o, " lladdr ");
                mac__(o, pi->nd_lladdr);
            }
        } else {
            put__(o, " ICMPv6 type %u code %u", pi->icmp6_type, pi->icmp6_code);
        }
    } else if (pi->layers & PKT_HAS_IP_FRAG) {
        put__(o, " fragment proto %u", pi->ip_proto);
    } else {
        put__(o, " proto %u", pi->ip_proto);
    }
}

char *pkt_summary(const uint8_t *bytes, size_t caplen, size_t wire_len, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (!buf || !len)
        return buf;
    buf[0] = '\0';
    struct pkt_info pi;
    memset(&pi, 0, sizeof pi);
    int rc = bytes ? pkt_parse_bytes(bytes, caplen, wire_len, &pi) : -EINVAL;
    if (rc == -EINVAL || caplen < PKT_ETH_HLEN) {
        put__(&o, "%zu bytes captured of %zu (too short for Ethernet)", caplen, wire_len);
        return buf;
    }
    mac__(&o, bytes + 6);
    put__(&o, " > ");
    mac__(&o, bytes);
    if (pi.layers & PKT_HAS_VLAN)
        put__(&o, " vlan %u pcp %u%s", (unsigned)pi.vid, (unsigned)pi.pcp, pi.dei ? " dei" : "");
    if (pi.layers & PKT_HAS_ARP) {
        put__(&o, ", ARP ");
        if (pi.arp_op == PKT_ARP_REQUEST) {
            put__(&o, "who-has ");
            ip__(&o, 4, pi.arp_tpa);
            put__(&o, " tell ");
            ip__(&o, 4, pi.arp_spa);
        } else if (pi.arp_op == PKT_ARP_REPLY) {
            ip__(&o, 4, pi.arp_spa);
            put__(&o, " is-at ");
            mac__(&o, pi.arp_sha);
        } else {
            put__(&o, "op %u", (unsigned)pi.arp_op);
        }
    } else if (pi.layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)) {
        put__(&o, ", IPv%u ", pi.ip_version);
        ip__(&o, pi.ip_version, pi.ip_src);
        if (pi.layers & (PKT_HAS_UDP | PKT_HAS_TCP))
            put__(&o, ":%u", (unsigned)pi.sport);
        put__(&o, " > ");
        ip__(&o, pi.ip_version, pi.ip_dst);
        if (pi.layers & (PKT_HAS_UDP | PKT_HAS_TCP))
            put__(&o, ":%u", (unsigned)pi.dport);
        if (pi.dscp || pi.ecn)
            put__(&o, " dscp %u ecn %u", pi.dscp, pi.ecn);
        l4__(&o, &pi);
    } else if (pi.layers & PKT_HAS_PFC) {
        put__(&o, ", MAC control PFC enable 0x%02x", (unsigned)pi.pfc_enable);
        for (int p = 0; p < 8; p++)
            if (pi.pfc_enable & (1u << p))
                put__(&o, " q%d=%u", p, (unsigned)pi.pfc_quanta[p]);
    } else if (pi.layers & PKT_HAS_PAUSE) {
        put__(&o, ", MAC control PAUSE %u", (unsigned)pi.pfc_quanta[0]);
    } else if (pi.layers & PKT_HAS_MAC_CTRL) {
        put__(&o, ", MAC control opcode 0x%04x", (unsigned)pi.mac_ctrl_opcode);
    } else if (rc == 0) {
        put__(&o, ", ethertype 0x%04x", (unsigned)pi.ethertype);
    }
    if (rc == -EMSGSIZE)
        put__(&o, " (truncated)");
    else if (rc == -EPROTO)
        put__(&o, " (malformed)");
    put__(&o, ", %zu B", wire_len);
    return buf;
}
