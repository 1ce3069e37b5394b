/* pcapng: the capture writer (capture.pcapng of a run).
 *
 * One file holds one Section Header Block, one Interface Description Block
 * per capture point (linktype 1, Ethernet; if_name is the capture point's
 * name such as "hv1/SLOT 2"; if_tsresol 9, nanoseconds) and one Enhanced
 * Packet Block per captured frame.  The layout follows the pcapng
 * specification (draft-ietf-opsawg-pcapng): blocks padded to 32 bits,
 * options closed by opt_endofopt, the block total length repeated at the
 * end.
 *
 * Determinism: the file depends only on the calls made.  It is always
 * written little-endian, and the SHB carries only shb_userappl
 * ("setsim <version>"): no host name, OS or wall-clock time, so the same
 * run gives a byte-identical capture on every machine.
 *
 * A frame is written as its header bytes, then payload_len zero bytes (the
 * payload is virtual), then its trailer bytes, the whole cut at the
 * interface's snap length; the original length is frame_wire_len() (no FCS).
 * Timestamps are the simulated time truncated to nanoseconds.
 *
 * Snap lengths: libpcap (1.10) refuses a pcapng file whose interfaces
 * declare different snap lengths, so every IDB carries the writer's snap
 * length (settings.snaplen).  An interface may cut its packets shorter
 * (pcapng_add_interface's snaplen); the IDB's value stays an upper bound.
 *
 * Speed: blocks are encoded into the writer's own buffer and written to the
 * file in large chunks; pcapng_write() allocates nothing and makes no stdio
 * call.  Errors are sticky: after the first failed write every call
 * returns the same negative errno, and pcapng_close() reports it.
 */
#ifndef SETSIM_PCAPNG_H
#define SETSIM_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct frame;
struct pcapng_writer;

#define PCAPNG_LINKTYPE_ETHERNET 1
/* Largest snap length accepted (libpcap's MAXIMUM_SNAPLEN). */
#define PCAPNG_SNAPLEN_MAX 262144u
/* Snap length used when pcapng_add_interface() is given 0. */
#define PCAPNG_SNAPLEN_DEFAULT PCAPNG_SNAPLEN_MAX
/* Output buffer size when the settings give 0: large enough to batch
 * thousands of small frames per write(2). */
#define PCAPNG_BUFFER_DEFAULT (1u << 20)

/* Direction of a captured frame, stored in the EPB's epb_flags option
 * (bits 0-1).  PCAPNG_DIR_NONE writes no option. */
enum pcapng_dir {
    PCAPNG_DIR_NONE = 0,
    PCAPNG_DIR_IN = 1,  /* inbound: received at the capture point */
    PCAPNG_DIR_OUT = 2, /* outbound: transmitted at the capture point */
};

struct pcapng_settings {
    size_t buffer_size; /* output buffer bytes; 0: PCAPNG_BUFFER_DEFAULT */
    uint32_t snaplen;   /* snap length written in every IDB, at most
                         * PCAPNG_SNAPLEN_MAX; 0: PCAPNG_SNAPLEN_DEFAULT */
    int overwrite;      /* nonzero: truncate an existing file; 0: fail with
                         * -EEXIST if the path exists */
};

/* Creates the file and writes the Section Header Block.  settings may be
 * NULL (defaults).  Returns the writer, or NULL with errno set (EEXIST,
 * EINVAL for a snaplen above PCAPNG_SNAPLEN_MAX, ...) and a one-line
 * reason naming the path in err (when err != NULL). */
struct pcapng_writer *pcapng_open(const char *path, const struct pcapng_settings *settings,
                                  char *err, size_t errlen);

/* Writes an Interface Description Block for a capture point (the name is
 * written, not kept).  Its packets are cut at snaplen, 0 meaning the
 * writer's snap length.  Returns the interface id (0, 1, ... in call
 * order) or a negative errno (-EINVAL for an empty name or a snaplen above
 * the writer's). */
int pcapng_add_interface(struct pcapng_writer *w, const char *name, uint32_t snaplen);

/* Writes an Enhanced Packet Block for frame f seen at time ts on interface
 * ifid.  Returns 0 or a negative errno (-EINVAL for an unknown ifid). */
int pcapng_write(struct pcapng_writer *w, int ifid, sim_time_t ts, const struct frame *f,
                 enum pcapng_dir dir);

/* The same for callers without a frame: caplen bytes at `bytes` (cut at the
 * snap length), the packet being wire_len bytes long (wire_len >= caplen,
 * else -EINVAL). */
int pcapng_write_raw(struct pcapng_writer *w, int ifid, sim_time_t ts, const uint8_t *bytes,
                     uint32_t caplen, uint32_t wire_len, enum pcapng_dir dir);

/* Writes the buffered blocks to the file.  Returns 0 or a negative errno. */
int pcapng_flush(struct pcapng_writer *w);

/* Packets written so far. */
uint64_t pcapng_packet_count(const struct pcapng_writer *w);

/* Flushes, closes the file and frees the writer (NULL-safe: returns 0).
 * Returns 0 or the first error met since pcapng_open(), e.g. -ENOSPC when
 * the disk filled up. */
int pcapng_close(struct pcapng_writer *w);

#endif
