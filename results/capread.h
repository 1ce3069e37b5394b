/* capread: the capture reader of the trace checker: streams the packets of
 * a pcapng or pcap file, one at a time, with their interface, timestamp and
 * direction.
 *
 * pcapng is read by this module's own block parser: libpcap (1.10) neither
 * tells which interface a packet came from nor exposes the EPB's
 * epb_flags option (its direction bits), and a run's capture.pcapng holds
 * one interface per capture point.  Both byte orders are read; a section
 * may hold any number of interfaces, every one of which must be Ethernet
 * (link type 1, LINKTYPE_ETHERNET / DLT_EN10MB).  Enhanced Packet Blocks and
 * Simple Packet Blocks carry packets; other block types are skipped.
 * Classic pcap files are read with libpcap (pcap_open_offline), link type
 * DLT_EN10MB only; they have one interface (named after the file) and no
 * direction.
 *
 * Streaming: the reader holds one buffer (grown to the largest block seen,
 * at most CAPREAD_BLOCK_MAX) and the interface table; memory does not grow
 * with the capture's length.  A packet's bytes are valid until the next
 * capread_next() call.
 *
 * Errors are named, with the file and the byte offset (pcapng) or the
 * packet number (pcap): unreadable file, unknown format, a link type other
 * than Ethernet, a truncated or malformed block.
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
    sim_time_t ts;        /* timestamp in picoseconds since the epoch */
    uint32_t caplen;      /* captured bytes at data */
    uint32_t wire_len;    /* original length */
    enum capread_dir dir; /* from epb_flags bits 0-1, when present */
    const uint8_t *data;  /* owned by the reader, valid until the next call */
};

/* Opens a capture.  NULL with a one-line reason naming the file in err. */
struct capread *capread_open(const char *path, char *err, size_t errlen);
/* Next packet: 1 with *p filled, 0 at the end, or a negative errno with
 * the reason in capread_errmsg() (a truncated or corrupt file). */
int capread_next(struct capread *r, struct capread_pkt *p);
/* Interfaces seen so far (pcapng interfaces are declared before use). */
size_t capread_if_count(const struct capread *r);
const char *capread_if_name(const struct capread *r, size_t ifid);
/* 1 when the file was written by setsim (shb_userappl "setsim ..."): its
 * packets' uncaptured payload is known to be zeros. */
int capread_is_setsim(const struct capread *r);
const char *capread_path(const struct capread *r);
const char *capread_errmsg(const struct capread *r);
void capread_close(struct capread *r); /* NULL-safe */

#endif
