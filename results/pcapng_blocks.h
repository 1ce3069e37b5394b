/* pcapng_blocks: a streaming reader of pcapng files block by block, for
 * tools that need what libpcap does not give: which interface (IDB, with
 * its if_name) each packet came from, the EPB direction flags, and the
 * timestamp in the interface's own resolution.
 *
 * Reads Section Header Blocks in either byte order (a new section starts
 * a new set of interfaces), Interface Description Blocks (link type, snap
 * length, if_name, if_tsresol), Enhanced Packet Blocks (with epb_flags)
 * and Simple Packet Blocks; every other block type is skipped.  Packets
 * are numbered from 1 in file order, as Wireshark numbers frames.
 * Timestamps are converted to picoseconds (sim_time_t) from any
 * if_tsresol (10^-n or 2^-n; default 10^-6).
 *
 * Memory: one block at a time (the buffer grows to the largest block);
 * the packet's data pointer is valid until the next call.
 *
 * Errors (return value of pcapng_blocks_next, message naming the file
 * and the byte offset in pcapng_blocks_errmsg): -EPROTO for a file that
 * is not pcapng or has a malformed block (bad length, trailing length
 * mismatch, packet longer than its block, unknown interface), -EMSGSIZE
 * for a file that ends inside a block, -errno for read errors.
 */
#ifndef SETSIM_PCAPNG_BLOCKS_H
#define SETSIM_PCAPNG_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct pcapng_blocks;

/* One packet as read. */
struct pcapng_packet {
    uint64_t number;     /* 1-based frame number in the file */
    uint32_t ifid;       /* interface id within its section */
    const char *ifname;  /* the IDB's if_name, or "if<N>" when it has none */
    uint16_t linktype;   /* the interface's link type */
    sim_time_t ts;       /* timestamp in ps (0 for an SPB) */
    uint32_t caplen;     /* bytes at data */
    uint32_t wire_len;   /* original length */
    int has_flags;       /* an epb_flags option was present */
    uint32_t flags;      /* its value (bits 0-1: direction, 1 in, 2 out) */
    const uint8_t *data; /* captured bytes; valid until the next call */
    uint64_t offset;     /* byte offset of the block in the file */
};

/* Opens a pcapng file and reads its first Section Header Block.  Returns
 * NULL with errno set and a reason naming the path in err. */
struct pcapng_blocks *pcapng_blocks_open(const char *path, char *err, size_t errlen);

/* Reads up to the next packet: 1 with *p filled, 0 at the end of the file,
 * or a negative errno (see above). */
int pcapng_blocks_next(struct pcapng_blocks *r, struct pcapng_packet *p);

const char *pcapng_blocks_errmsg(const struct pcapng_blocks *r);

/* NULL-safe. */
void pcapng_blocks_close(struct pcapng_blocks *r);

#endif
