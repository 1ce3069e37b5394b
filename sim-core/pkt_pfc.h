/* pkt_pfc: MAC Control frames: Priority-based Flow Control (802.1Qbb,
 * opcode 0x0101) and classic 802.3x PAUSE (opcode 0x0001).
 *
 * DCB-003 (spec/rules.md) fixes the PFC layout: destination
 * 01-80-C2-00-00-01, source the port's MAC, EtherType 0x8808, opcode 0x0101,
 * a 2-octet priority-enable vector (upper octet 0, bit n = priority n),
 * eight 2-octet pause times (priority 0 first) and 26 zero octets of
 * padding: 60 bytes without FCS.  A pause time counts quanta of 512 bit
 * times at the link rate.  PFC is link-local: made and consumed by a
 * physical port and its peer, never forwarded.
 */
#ifndef SETSIM_PKT_PFC_H
#define SETSIM_PKT_PFC_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "sim_time.h"

#define PKT_PFC_OPCODE 0x0101
#define PKT_PAUSE_OPCODE 0x0001
#define PKT_PFC_PRIORITIES 8
#define PKT_PFC_QUANTUM_BITS 512
/* 01-80-C2-00-00-01, as an initializer */
#define PKT_PFC_DST_MAC {0x01, 0x80, 0xC2, 0x00, 0x00, 0x01}

struct pkt_pfc {
    uint16_t enable;                     /* priority-enable vector as on the wire */
    uint16_t quanta[PKT_PFC_PRIORITIES]; /* pause time per priority, in quanta */
};

/* Builds a PFC frame into the empty frame f: priorities whose bit is set in
 * enable pause for quanta[i] (0 = resume).  0, -EINVAL or -ENOSPC. */
int pkt_pfc_build(struct frame *f, const uint8_t src[6], uint8_t enable,
                  const uint16_t quanta[PKT_PFC_PRIORITIES]);
/* Decodes a PFC frame: -EMSGSIZE if shorter than 60 bytes on the wire or
 * not captured up to the last quantum, -EPROTO if not an untagged MAC
 * Control frame to 01-80-C2-00-00-01 with opcode 0x0101. */
int pkt_pfc_parse(const struct frame *f, struct pkt_pfc *pfc);
int pkt_pfc_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_pfc *pfc);

/* Classic PAUSE (all priorities) to 01-80-C2-00-00-01. */
int pkt_pfc_pause_build(struct frame *f, const uint8_t src[6], uint16_t quanta);
/* Decodes a PAUSE frame (any destination): errors as pkt_pfc_parse. */
int pkt_pfc_pause_parse(const struct frame *f, uint16_t *quanta);
int pkt_pfc_pause_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, uint16_t *quanta);

/* Duration of `quanta` pause quanta at rate_bps, rounded down (0 when
 * rate_bps is 0): 1 quantum is 51.2 ns at 10 Gb/s, 5.12 ns at 100 Gb/s. */
sim_time_t pkt_pfc_quanta_time(uint16_t quanta, uint64_t rate_bps);

#endif
