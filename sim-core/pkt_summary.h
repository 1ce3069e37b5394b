/* pkt_summary: a frame in one line of text, as a diff or a checker
 * message shows it - the layers pkt_parse_bytes() decodes, outermost
 * first, in the spirit of tcpdump's one-line output:
 *
 *   02:15:5d:01:00:02 > ff:ff:ff:ff:ff:ff vlan 42 pcp 3, ARP who-has 10.0.0.3 tell 10.0.0.1, 60 B
 *   ... , IPv4 10.0.0.1:49152 > 10.0.0.3:4791 UDP, RoCEv2 RC_WRITE_ONLY qp 0x000011 psn 7 A, 1082 B
 *   ... , MAC control PFC enable 0x08 q3=65535, 60 B
 *
 * Frames the parser rejects are shown as far as they decode, then
 * "(truncated)" or "(malformed)".  No allocation; the text is cut to the
 * buffer.
 */
#ifndef SETSIM_PKT_SUMMARY_H
#define SETSIM_PKT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

/* Writes the summary of caplen captured bytes of a frame wire_len long
 * into buf (always NUL-terminated when len > 0); returns buf. */
char *pkt_summary(const uint8_t *bytes, size_t caplen, size_t wire_len, char *buf, size_t len);

#endif
