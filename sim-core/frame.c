/* frame: pooled, reference-counted frame buffers (see frame.h).
 *
 * The pool hands out fixed-size struct frame objects from chunks of
 * FRAME_CHUNK frames; released frames go on a singly linked free list and
 * are reused LIFO (warm in cache).  Chunks are freed only when the pool is
 * destroyed, so after warm-up no allocation happens on the frame path.
 */
#include "frame.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_CHUNK 1024 /* frames per allocation: 1024 x 384 B = 384 KiB */

/* frames[] first: the chunk is FRAME_ALIGN-aligned, so is every frame. */
struct frame_chunk {
    struct frame frames[FRAME_CHUNK];
    struct frame_chunk *next;
};

_Static_assert(offsetof(struct frame, buf) == FRAME_ALIGN, "frame metadata is one line");
_Static_assert(sizeof(struct frame) % FRAME_ALIGN == 0, "pool frames stay aligned");

struct frame_pool {
    struct frame *free_list;    /* released frames, reused LIFO */
    struct frame_chunk *chunks; /* every chunk allocated, owned */
    size_t capacity;            /* frames in all chunks */
    size_t in_use;              /* frames handed out */
};

static int frame_pool_grow__(struct frame_pool *pool)
{
    size_t size = (sizeof(struct frame_chunk) + FRAME_ALIGN - 1) / FRAME_ALIGN * FRAME_ALIGN;
    struct frame_chunk *c = aligned_alloc(FRAME_ALIGN, size);
    if (!c)
        return -ENOMEM;
    c->next = pool->chunks;
    pool->chunks = c;
    for (size_t i = FRAME_CHUNK; i-- > 0;) {
        struct frame *f = &c->frames[i];
        f->pool = pool;
        f->next = pool->free_list;
        pool->free_list = f;
    }
    pool->capacity += FRAME_CHUNK;
    return 0;
}

struct frame_pool *frame_pool_create(size_t prealloc)
{
    struct frame_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    while (pool->capacity < prealloc) {
        if (frame_pool_grow__(pool) != 0) {
            frame_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

void frame_pool_destroy(struct frame_pool *pool)
{
    if (!pool)
        return;
    struct frame_chunk *c = pool->chunks;
    while (c) {
        struct frame_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(pool);
}

size_t frame_pool_in_use(const struct frame_pool *pool) { return pool->in_use; }
size_t frame_pool_capacity(const struct frame_pool *pool) { return pool->capacity; }

struct frame *frame_alloc(struct frame_pool *pool)
{
    if (!pool->free_list && frame_pool_grow__(pool) != 0)
        return NULL;
    struct frame *f = pool->free_list;
    pool->free_list = f->next;
    pool->in_use++;
    /* Reset metadata only; header bytes are written by the builder. */
    f->next = NULL;
    f->refcnt = 1;
    f->off = FRAME_HEADROOM;
    f->len = 0;
    f->payload_len = 0;
    f->trailer_len = 0;
    f->priority = 0;
    f->flags = 0;
    f->ingress_port = FRAME_NO_PORT;
    f->flow_id = 0;
    f->nd_port = 0;
    f->charge = 0;
    f->t_created = 0;
    f->t_enqueued = 0;
    return f;
}

void frame_release__(struct frame *f)
{
    struct frame_pool *pool = f->pool;
    f->next = pool->free_list;
    pool->free_list = f;
    pool->in_use--;
}

struct frame *frame_copy(const struct frame *f)
{
    struct frame *c = frame_alloc(f->pool);
    if (!c)
        return NULL;
    c->off = f->off;
    c->len = f->len;
    c->payload_len = f->payload_len;
    c->trailer_len = f->trailer_len;
    c->priority = f->priority;
    c->flags = f->flags;
    c->ingress_port = f->ingress_port;
    c->flow_id = f->flow_id;
    c->nd_port = f->nd_port;
    c->charge = f->charge;
    c->t_created = f->t_created;
    c->t_enqueued = f->t_enqueued;
    memcpy(c->trailer, f->trailer, sizeof c->trailer);
    memcpy(c->buf + f->off, f->buf + f->off, f->len);
    return c;
}

int frame_make_private__(struct frame **fp)
{
    struct frame *f = *fp;
    if (f->refcnt == 1)
        return 0;
    struct frame *c = frame_copy(f);
    if (!c)
        return -ENOMEM;
    frame_unref(f);
    *fp = c;
    return 0;
}

uint8_t *frame_push(struct frame *f, size_t n)
{
    if (n > f->off)
        return NULL;
    f->off -= (uint16_t)n;
    f->len += (uint16_t)n;
    return f->buf + f->off;
}

uint8_t *frame_pull(struct frame *f, size_t n)
{
    if (n > f->len)
        return NULL;
    f->off += (uint16_t)n;
    f->len -= (uint16_t)n;
    return f->buf + f->off;
}

uint8_t *frame_put(struct frame *f, size_t n)
{
    size_t end = (size_t)f->off + f->len;
    if (n > FRAME_BUF_SIZE - end)
        return NULL;
    f->len += (uint16_t)n;
    return f->buf + end;
}

int frame_pad_min(struct frame *f)
{
    uint32_t wire = frame_wire_len(f);
    if (wire >= FRAME_ETH_MIN)
        return 0;
    /* Padding sits between the header bytes and any virtual payload; a
     * short frame has no payload or trailer in practice, but the count
     * includes them so the wire length is exact either way. */
    size_t need = FRAME_ETH_MIN - wire;
    uint8_t *p = frame_put(f, need);
    if (!p)
        return -ENOSPC;
    memset(p, 0, need);
    return 0;
}
