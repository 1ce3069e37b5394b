/* test_frame: pool reuse without allocation, reference counting,
 * copy-on-write, push/pull/put bounds, padding and wire lengths. */
#include "test_util.h"

#include <string.h>

#include "frame.h"

static void test_alloc_reuse(void)
{
    struct frame_pool *p = frame_pool_create(10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t cap = frame_pool_capacity(p);
    CU_ASSERT(cap >= 10);
    struct frame *f = frame_alloc(p);
    CU_ASSERT_EQUAL(f->refcnt, 1);
    CU_ASSERT_EQUAL(f->len, 0);
    CU_ASSERT_EQUAL(f->off, FRAME_HEADROOM);
    CU_ASSERT_EQUAL(f->ingress_port, FRAME_NO_PORT);
    CU_ASSERT_EQUAL(frame_pool_in_use(p), 1);
    frame_unref(f);
    CU_ASSERT_EQUAL(frame_pool_in_use(p), 0);
    /* A steady alloc/free cycle never grows the pool. */
    for (int i = 0; i < 100000; i++) {
        struct frame *g = frame_alloc(p);
        g->flow_id = (uint64_t)i;
        frame_unref(g);
    }
    CU_ASSERT_EQUAL(frame_pool_capacity(p), cap);
    /* Growing past the capacity adds chunks. */
    struct frame *many[3000];
    for (int i = 0; i < 3000; i++)
        many[i] = frame_alloc(p);
    CU_ASSERT(frame_pool_capacity(p) >= 3000);
    CU_ASSERT_EQUAL(frame_pool_in_use(p), 3000);
    for (int i = 0; i < 3000; i++)
        frame_unref(many[i]);
    CU_ASSERT_EQUAL(frame_pool_in_use(p), 0);
    frame_unref(NULL);
    frame_pool_destroy(p);
    frame_pool_destroy(NULL);
}

static void test_refcount_and_cow(void)
{
    struct frame_pool *p = frame_pool_create(0);
    struct frame *f = frame_alloc(p);
    uint8_t *h = frame_put(f, 14);
    memset(h, 0xab, 14);
    f->payload_len = 1000;
    f->flow_id = 77;
    struct frame *shared = frame_ref(f);
    CU_ASSERT_EQUAL(f->refcnt, 2);
    struct frame *w = f;
    CU_ASSERT_EQUAL(frame_make_writable(&w), 0);
    CU_ASSERT_PTR_NOT_EQUAL(w, shared);
    CU_ASSERT_EQUAL(shared->refcnt, 1);
    CU_ASSERT_EQUAL(w->refcnt, 1);
    CU_ASSERT_EQUAL(w->len, 14);
    CU_ASSERT_EQUAL(w->payload_len, 1000);
    CU_ASSERT_EQUAL(w->flow_id, 77);
    CU_ASSERT_EQUAL(memcmp(frame_data(w), frame_data(shared), 14), 0);
    frame_data(w)[0] = 0x01;
    CU_ASSERT_EQUAL(frame_data(shared)[0], 0xab); /* the original is untouched */
    struct frame *solo = shared;
    CU_ASSERT_EQUAL(frame_make_writable(&solo), 0);
    CU_ASSERT_PTR_EQUAL(solo, shared); /* not shared: no copy */
    frame_unref(w);
    frame_unref(solo);
    CU_ASSERT_EQUAL(frame_pool_in_use(p), 0);
    frame_pool_destroy(p);
}

static void test_push_pull_put_bounds(void)
{
    struct frame_pool *p = frame_pool_create(0);
    struct frame *f = frame_alloc(p);
    CU_ASSERT_PTR_NOT_NULL(frame_push(f, FRAME_HEADROOM));
    CU_ASSERT_EQUAL(f->off, 0);
    CU_ASSERT_PTR_NULL(frame_push(f, 1)); /* no headroom left */
    CU_ASSERT_EQUAL(f->len, FRAME_HEADROOM);
    CU_ASSERT_PTR_NOT_NULL(frame_put(f, FRAME_BUF_SIZE - FRAME_HEADROOM));
    CU_ASSERT_PTR_NULL(frame_put(f, 1)); /* no tailroom left */
    CU_ASSERT_EQUAL(f->len, FRAME_BUF_SIZE);
    CU_ASSERT_PTR_NULL(frame_pull(f, FRAME_BUF_SIZE + 1));
    CU_ASSERT_PTR_NOT_NULL(frame_pull(f, 4));
    CU_ASSERT_EQUAL(f->off, 4);
    CU_ASSERT_EQUAL(f->len, FRAME_BUF_SIZE - 4);
    frame_unref(f);
    frame_pool_destroy(p);
}

static void test_padding_and_lengths(void)
{
    struct frame_pool *p = frame_pool_create(0);
    struct frame *f = frame_alloc(p);
    memset(frame_put(f, 42), 0x11, 42); /* an ARP frame is 42 bytes */
    CU_ASSERT_EQUAL(frame_pad_min(f), 0);
    CU_ASSERT_EQUAL(f->len, 60);
    CU_ASSERT_EQUAL(frame_data(f)[59], 0);
    CU_ASSERT_EQUAL(frame_data(f)[41], 0x11);
    CU_ASSERT_EQUAL(frame_wire_len(f), 60);
    CU_ASSERT_EQUAL(frame_line_len(f), 84); /* 64-byte frame + 20 preamble/IFG */
    struct frame *g = frame_alloc(p);
    frame_put(g, 54);
    g->payload_len = 1446;
    g->trailer_len = 4;
    CU_ASSERT_EQUAL(frame_pad_min(g), 0);
    CU_ASSERT_EQUAL(g->len, 54); /* already long enough: untouched */
    CU_ASSERT_EQUAL(frame_wire_len(g), 1504);
    frame_unref(f);
    frame_unref(g);
    frame_pool_destroy(p);
}

int suite_frame(void)
{
    CU_pSuite s = test_suite("frame");
    if (!s || !CU_add_test(s, "pool reuse and growth", test_alloc_reuse) ||
        !CU_add_test(s, "reference counting and copy-on-write", test_refcount_and_cow) ||
        !CU_add_test(s, "push/pull/put bounds", test_push_pull_put_bounds) ||
        !CU_add_test(s, "padding and wire lengths", test_padding_and_lengths))
        return -1;
    return 0;
}
