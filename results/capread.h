/* capread: the capture reader of setsim - the one module that reads
 * capture files back.  The trace checker (check.c, external captures and
 * run directories), `setsim diff` (the first diverging frame) and
 * `setsim digest` (is the run's capture whole?) all read through it.  It
 * streams the packets of a pcapng or pcap file, one at a time, with their
 * interface, timestamp, direction and position in the file.
 *
 * pcapng is read by this module's own block parser: libpcap (1.10) neither
 * tells which interface a packet came from nor exposes the EPB's
 * epb_flags option (its direction bits), and a run's capture.pcapng holds
 * one interface per capture point.  Both byte orders are read; a file may
 * hold several sections (concatenated pcapng files), each declaring its
 * own interfaces; interfaces are numbered across the file in the order
 * they are declared (so p.ifid names one interface even in a second
 * section).  Enhanced, Simple and (obsolete) Packet Blocks carry packets;
 * other block types are skipped.  if_tsresol (10^-n or 2^-n s) is
 * honoured.  Classic pcap files (microsecond or nanosecond) are read with
 * libpcap (pcap_open_offline); they have one interface (named after the
 * file) and no direction.
 *
 * Link types: every interface must carry Ethernet frames.  Accepted are
 * LINKTYPE_ETHERNET (1, DLT_EN10MB) as is, and LINKTYPE_NETANALYZER (240)
 * and LINKTYPE_NETANALYZER_TRANSPARENT (241), whose pseudo-header (and
 * preamble/SFD) and FCS the reader strips: the packet handed out is the
 * Ethernet frame without FCS, as link type 1 records it.  Any other link
 * type is refused (-EPROTONOSUPPORT naming it).
 *
 * Streaming: the reader holds one buffer (grown to the largest block seen,
 * at most CAPREAD_BLOCK_MAX) and the interface table; memory does not grow
 * with the capture's length.  A packet's bytes are valid until the next
 * capread_next() call on the same reader.
 *
 * Errors are named with the file and the position: for pcapng the block
 * number (1-based, every block counted) and its byte offset ("PATH: block
 * 7 at byte 1234: ..."), for pcap the packet number and its byte offset.
 * capread_next() returns -EMSGSIZE when the file ends inside a block (a
 * truncated capture), -EPROTO for a malformed block (bad length, trailing
 * length that differs, a packet longer than its block, a packet on an
 * undeclared interface, malformed options), -EPROTONOSUPPORT for a link
 * type that does not carry Ethernet, -EIO / -ENOMEM otherwise.
 */
#ifndef SETSIM_CAPREAD_H
#define SETSIM_CAPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct capread;

/* Largest pcapng block accepted (a packet block above this is corrupt). */
#define CAPREAD_BLOCK_MAX (16u << 20)

enum capread_dir {
    CAPREAD_DIR_NONE = 0, /* not recorded */
    CAPREAD_DIR_IN = 1,   /* received at the capture point */
    CAPREAD_DIR_OUT = 2,  /* transmitted at the capture point */
};

struct capread_pkt {
    uint32_t ifid;        /* interface index in the file (0 for pcap) */
    uint64_t frame;       /* 1-based packet number in the file (Wireshark's) */
    sim_time_t ts;        /* timestamp in picoseconds since the epoch (0: SPB) */
    uint32_t caplen;      /* captured bytes at data (the Ethernet frame) */
    uint32_t wire_len;    /* original length of the Ethernet frame */
    enum capread_dir dir; /* from epb_flags bits 0-1, when present */
    const uint8_t *data;  /* owned by the reader, valid until the next call */
    uint16_t linktype;    /* the interface's link type as recorded (1, 240, 241) */
    int has_flags;        /* an epb_flags option was present */
    uint32_t flags;       /* its whole value (direction, reception type, FCS...) */
    uint64_t offset;      /* byte offset of the packet's block (pcap: record) */
};

/* Opens a capture.  NULL with a one-line reason naming the file in err
 * (errno set: ENOENT for a missing file, EPROTO for a file that is not a
 * capture, EPROTONOSUPPORT for a pcap of another link type). */
struct capread *capread_open(const char *path, char *err, size_t errlen);
/* Next packet: 1 with *p filled, 0 at the end, or a negative errno with
 * the reason in capread_errmsg() (see above). */
int capread_next(struct capread *r, struct capread_pkt *p);
/* Interfaces seen so far (pcapng interfaces are declared before use). */
size_t capread_if_count(const struct capread *r);
const char *capread_if_name(const struct capread *r, size_t ifid);
/* 1 when the file was written by setsim (shb_userappl "setsim ..."): its
 * packets' uncaptured payload is known to be zeros. */
int capread_is_setsim(const struct capread *r);
/* Bytes of the file consumed so far (at the end: its length). */
uint64_t capread_offset(const struct capread *r);
const char *capread_path(const struct capread *r);
const char *capread_errmsg(const struct capread *r);
void capread_close(struct capread *r); /* NULL-safe */

#endif
