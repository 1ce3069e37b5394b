/* pkt_int: the two paths of pkt's parser, by name, so that the tests can
 * compare them.  pkt_parse() / pkt_parse_bytes() (pkt.h) try the fast path
 * first and take the general path when it declines.
 *
 * The fast path knows the frames hosts exchange: Ethernet II, at most one
 * 802.1Q tag, IPv4 without options and not a fragment, then TCP, or UDP
 * (with the BTH and its extension headers on the RoCEv2 port).  For such a
 * frame it leaves pi exactly as the general path does: same result, same
 * fields written with the same values, the others untouched.  Any other
 * frame, and any frame the general path would reject in its Ethernet, IPv4,
 * TCP or UDP header, it declines before writing anything to pi. */
#ifndef SETSIM_PKT_INT_H
#define SETSIM_PKT_INT_H

#include <stddef.h>
#include <stdint.h>

struct pkt_info;

/* pkt_parse_fast__ returned this: not a frame of the fast path's shape;
 * pi is untouched. */
#define PKT_PARSE_DECLINED 1

/* The fast path: pkt_parse_bytes()'s result, or PKT_PARSE_DECLINED.  The
 * arguments must be valid (b, pi not NULL, caplen <= wire_len <=
 * UINT32_MAX): pkt_parse_bytes() checks them first. */
int pkt_parse_fast__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi);
/* The general path: every layer the parser knows; pkt_parse_bytes()'s
 * result, argument checks included. */
int pkt_parse_general__(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_info *pi);

#endif
