/* frame: pooled, reference-counted frame buffers with real header bytes.
 *
 * A frame holds the bytes of its headers (Ethernet through the transport,
 * RoCEv2 BTH/RETH/AETH, or a whole control frame such as ARP or PFC) in a
 * fixed buffer, followed on the wire by `payload_len` virtual payload bytes
 * (not stored; zero when written to a capture) and an optional trailer
 * (RoCEv2 ICRC).  Devices decide from the bytes.
 *
 * Layout of buf: [ headroom | header bytes (data .. data+len) | tailroom ].
 * Builders prepend with frame_push() (outer headers last) or append with
 * frame_put().  A fresh frame starts with FRAME_HEADROOM bytes of headroom.
 *
 * Ownership: frame_alloc() returns a frame with refcnt 1 owned by the caller.
 * Passing a frame to a model transfers the caller's reference.  A device that
 * fans a frame out (flooding, capture) takes extra references with
 * frame_ref(); anyone who changes bytes first calls frame_make_writable(),
 * which copies when the frame is shared.  frame_unref() returns the buffer to
 * its pool when the last reference goes.  Queues link frames through `next`,
 * so a queued frame is never shared: whoever queues a frame that may be
 * shared queues a private copy (frame_make_writable()).  Pools grow in chunks and never
 * shrink until destroyed, so the steady state does not call malloc.
 */
#ifndef SETSIM_FRAME_H
#define SETSIM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

#define FRAME_BUF_SIZE 256   /* header bytes capacity incl. headroom */
#define FRAME_HEADROOM 128   /* initial headroom of a fresh frame */
#define FRAME_TRAILER_MAX 8  /* e.g. the 4-byte RoCEv2 ICRC */
#define FRAME_ETH_MIN 60     /* minimum Ethernet frame without FCS */
#define FRAME_ETH_OVERHEAD 24 /* preamble+SFD 8, FCS 4, inter-frame gap 12 */
#define FRAME_NO_PORT UINT32_MAX
#define FRAME_ALIGN 64      /* pool frames start on a cache line */

struct frame_pool;

/* Layout: everything but the bytes fits the first 64 bytes, so a frame's
 * metadata is one cache line, and a pool frame (FRAME_ALIGN-aligned,
 * sizeof a multiple of it) has its first header byte at the start of a
 * line (64 + FRAME_HEADROOM): a frame sitting in a deep queue costs two
 * cold lines when it is sent, not four. */
struct frame {
    struct frame_pool *pool; /* owning pool (not owned by the frame) */
    struct frame *next;      /* free-list / queue link, owned by whoever queues it */
    uint32_t refcnt;
    uint16_t off;            /* offset of the first header byte in buf */
    uint16_t len;            /* header bytes stored in buf */
    uint32_t payload_len;    /* virtual payload bytes after the header bytes */
    uint8_t trailer_len;     /* bytes of trailer[] after the payload */
    uint8_t priority;        /* internal priority (0..7) once classified */
    uint16_t flags;          /* FRAME_F_* */
    uint32_t ingress_port;   /* port it arrived on at the current device */
    uint16_t nd_port;        /* RDMA frames: the NetworkDirect port of their
                              * connection (SMB Direct: 445), for host QoS
                              * policies (CFG-031); 0 otherwise */
    uint16_t charge;         /* with FRAME_F_CHARGED: the switch buffer bytes
                              * this copy of a flooded frame holds */
    uint64_t flow_id;        /* traffic flow this frame belongs to, 0 if none */
    sim_time_t t_created;    /* time the frame was built */
    sim_time_t t_enqueued;   /* time it entered the current queue */
    uint8_t buf[FRAME_BUF_SIZE];
    uint8_t trailer[FRAME_TRAILER_MAX];
    uint8_t pad__[FRAME_ALIGN - FRAME_TRAILER_MAX]; /* sizeof: a multiple of FRAME_ALIGN */
};

#define FRAME_F_ECN_MARKED 0x0001u /* marked CE by a device on the path */
#define FRAME_F_CHARGED 0x0004u    /* in a switch: charge holds its buffer share */
#define FRAME_F_RDMA 0x0002u       /* sent by an RDMA engine (RoCE/iWARP): SET keeps it
                                    * on the affinitized member (DYN-010) */

struct frame_pool *frame_pool_create(size_t prealloc);
/* Frees the pool and every buffer it allocated (NULL-safe).  Frames still
 * referenced become invalid: destroy the pool last. */
void frame_pool_destroy(struct frame_pool *pool);
/* Frames currently handed out (allocated and not yet returned). */
size_t frame_pool_in_use(const struct frame_pool *pool);
/* Buffers the pool owns in total (for memory reports). */
size_t frame_pool_capacity(const struct frame_pool *pool);

/* A fresh frame (refcnt 1, no bytes, FRAME_HEADROOM headroom, metadata
 * zeroed, ingress_port FRAME_NO_PORT); NULL only when memory runs out. */
struct frame *frame_alloc(struct frame_pool *pool);
/* A private copy of f's bytes and metadata (refcnt 1). */
struct frame *frame_copy(const struct frame *f);

static inline struct frame *frame_ref(struct frame *f)
{
    f->refcnt++;
    return f;
}

void frame_release__(struct frame *f);

/* Drops one reference (NULL-safe); the buffer goes back to its pool at 0. */
static inline void frame_unref(struct frame *f)
{
    if (f && --f->refcnt == 0)
        frame_release__(f);
}

/* Ensures *fp is not shared: if refcnt > 1, replaces *fp by a private copy
 * (dropping one reference to the original).  Returns 0 or -ENOMEM.  The
 * test is inline (most frames are not shared), the copy is not. */
int frame_make_private__(struct frame **fp);
static inline int frame_make_writable(struct frame **fp)
{
    return (*fp)->refcnt == 1 ? 0 : frame_make_private__(fp);
}

static inline uint8_t *frame_data(struct frame *f) { return f->buf + f->off; }
static inline const uint8_t *frame_cdata(const struct frame *f) { return f->buf + f->off; }

/* Bytes on the wire without FCS: header bytes + virtual payload + trailer. */
static inline uint32_t frame_wire_len(const struct frame *f)
{
    return (uint32_t)f->len + f->payload_len + f->trailer_len;
}

/* Bytes a frame occupies on the line: wire length + FCS, preamble, IFG. */
static inline uint32_t frame_line_len(const struct frame *f)
{
    return frame_wire_len(f) + FRAME_ETH_OVERHEAD;
}

/* Prepends n bytes; returns a pointer to them, or NULL without headroom. */
uint8_t *frame_push(struct frame *f, size_t n);
/* Removes n bytes from the front; returns the new front or NULL if n > len. */
uint8_t *frame_pull(struct frame *f, size_t n);
/* Appends n header bytes; returns a pointer to them, or NULL without room. */
uint8_t *frame_put(struct frame *f, size_t n);
/* Pads with zero header bytes up to the Ethernet minimum (60 bytes without
 * FCS) counting payload and trailer; returns 0 or -ENOSPC. */
int frame_pad_min(struct frame *f);

#endif
