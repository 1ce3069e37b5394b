/* test_egress: the transmit selection of one port without an engine:
 * strict priority order, ETS (DWRR) shares over many frames of mixed sizes
 * (30/70 and 10/20/70 within one percentage point), work conservation,
 * strict classes ahead of ETS, and the PFC pause state: only PFC-enabled
 * priorities pause (DCB-002), the reaction time, expiry after quanta x 512
 * bit times at the port rate (exact), XON, refresh, the wake-up time, the
 * paused-time accounting, and the queue limits.
 *
 * A "line" here is a loop that asks egress_next() for a frame whenever the
 * previous one has been serialized (sim_tx_time of its line length). */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "egress.h"
#include "frame.h"
#include "pkt_pfc.h"

#define G10 10000000000ULL
#define REACT (1000 * SIM_NS) /* EGRESS_DEFAULT_PFC_REACT */

/* Invariant checker: the per-queue counts and byte sums match the linked
 * frames, total_bytes is their sum, and bit p of backlog is set exactly
 * when queue p holds a frame. */
static void check_egress(const struct egress *q)
{
    uint64_t total = 0;
    for (int p = 0; p < EGRESS_PRIOS; p++) {
        uint64_t bytes = 0;
        uint32_t n = 0;
        const struct frame *last = NULL;
        for (const struct frame *f = q->q[p].head; f; f = f->next) {
            bytes += frame_wire_len(f);
            n++;
            last = f;
        }
        CU_ASSERT_EQUAL(n, q->q[p].frames);
        CU_ASSERT_EQUAL(bytes, q->q[p].bytes);
        CU_ASSERT_PTR_EQUAL(last, q->q[p].tail);
        CU_ASSERT_EQUAL((q->backlog >> p) & 1u, n > 0);
        total += bytes;
    }
    CU_ASSERT_EQUAL(total, q->total_bytes);
}

static struct frame *mk(struct frame_pool *pool, uint32_t wire, uint64_t id)
{
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    memset(frame_put(f, 14), 0, 14);
    f->payload_len = wire - 14;
    f->flow_id = id;
    return f;
}

static void enq(struct egress *q, struct frame_pool *pool, uint8_t prio, uint32_t wire, uint64_t id)
{
    struct frame *f = mk(pool, wire, id);
    f->priority = prio;
    CU_ASSERT_EQUAL_FATAL(egress_enqueue(q, prio, f), 0);
}

/* Pops the next frame at now and returns its priority (or -1); *id gets
 * its flow_id. */
static int pop(struct egress *q, sim_time_t now, sim_time_t *wake, uint64_t *id)
{
    sim_time_t w;
    struct frame *f = egress_next(q, now, wake ? wake : &w);
    if (!f)
        return -1;
    int p = f->priority;
    if (id)
        *id = f->flow_id;
    frame_unref(f);
    return p;
}

/* A deterministic size mix from 64 to 9018 bytes, different per stream. */
static uint32_t mixed_size(uint32_t *state)
{
    static const uint32_t sizes[] = {64, 128, 256, 576, 1024, 1518, 4000, 9018};
    *state = *state * 1103515245u + 12345u;
    return sizes[(*state >> 16) & 7];
}

/* ---- strict priority ------------------------------------------------ */

static void test_strict_order(void)
{
    struct frame_pool *pool = frame_pool_create(64);
    struct egress_settings s;
    egress_settings_default(&s, G10);
    for (int p = 0; p < 8; p++) {
        s.prio_tc[p] = (uint8_t)p;
        s.tc_tsa[p] = EGRESS_TSA_STRICT;
        s.tc_bw[p] = 0;
    }
    /* Priorities 1 and 2 share class 1: the higher priority goes first. */
    s.prio_tc[2] = 1;
    struct egress q;
    CU_ASSERT_EQUAL_FATAL(egress_init(&q, &s), 0);
    /* Three frames per priority, enqueued round robin 0..7. */
    for (int k = 0; k < 3; k++)
        for (int p = 0; p < 8; p++)
            enq(&q, pool, (uint8_t)p, 100 + (uint32_t)p, (uint64_t)(p * 10 + k));
    check_egress(&q);
    static const int want[] = {7, 6, 5, 4, 3, 2, 1, 0};
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 3; k++) {
            uint64_t id;
            CU_ASSERT_EQUAL(pop(&q, 0, NULL, &id), want[i]);
            CU_ASSERT_EQUAL(id, (uint64_t)(want[i] * 10 + k)); /* FIFO within */
            check_egress(&q);
        }
    }
    sim_time_t wake = 0;
    CU_ASSERT_EQUAL(pop(&q, 0, &wake, NULL), -1);
    CU_ASSERT_EQUAL(wake, SIM_TIME_MAX); /* empty, not paused */
    /* A frame of a higher class arriving later still goes first. */
    enq(&q, pool, 0, 100, 1);
    enq(&q, pool, 0, 100, 2);
    CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 0);
    enq(&q, pool, 5, 100, 3);
    CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 5);
    CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 0);
    egress_flush(&q);
    CU_ASSERT_EQUAL(frame_pool_in_use(pool), 0);
    frame_pool_destroy(pool);
}

/* ---- ETS ------------------------------------------------------------ */

/* Runs a line at 10G over classes with the given shares (priority c in
 * class c), each class backlogged with `frames[c]` frames of mixed sizes.
 * While every class is still backlogged, sums line bytes per class, and
 * checks every window of `window` line bytes: the worst deviation from the
 * configured share (percentage points) goes to *worst.  Returns the line
 * bytes sent in total; *idle counts NULLs with backlog. */
static void ets_line(const uint8_t *bw, int nclasses, const int *frames, double *share,
                     double *worst, uint64_t window, int *idle, uint64_t *after_bytes)
{
    struct frame_pool *pool = frame_pool_create(4096);
    struct egress_settings s;
    egress_settings_default(&s, G10);
    for (int c = 0; c < nclasses; c++) {
        s.prio_tc[c] = (uint8_t)c;
        s.tc_tsa[c] = EGRESS_TSA_ETS;
        s.tc_bw[c] = bw[c];
    }
    struct egress q;
    CU_ASSERT_EQUAL_FATAL(egress_init(&q, &s), 0);
    uint32_t st[8];
    for (int c = 0; c < nclasses; c++) {
        st[c] = 17u + 1000u * (uint32_t)c;
        for (int k = 0; k < frames[c]; k++)
            enq(&q, pool, (uint8_t)c, mixed_size(&st[c]), (uint64_t)k);
    }
    check_egress(&q);
    uint64_t total[8] = {0}, win[8] = {0}, win_sum = 0;
    *worst = 0;
    *idle = 0;
    *after_bytes = 0;
    int all_backlogged = 1;
    sim_time_t now = 0;
    for (;;) {
        sim_time_t wake;
        struct frame *f = egress_next(&q, now, &wake);
        if (!f) {
            if (q.total_bytes)
                (*idle)++;
            break;
        }
        uint32_t line = frame_line_len(f);
        int c = f->priority;
        now += sim_tx_time(line, G10);
        frame_unref(f);
        for (int k = 0; k < nclasses; k++)
            if (!q.q[k].head)
                all_backlogged = 0;
        if (!all_backlogged) {
            *after_bytes += line;
            continue;
        }
        total[c] += line;
        win[c] += line;
        win_sum += line;
        if (win_sum >= window) {
            for (int k = 0; k < nclasses; k++) {
                double d = 100.0 * (double)win[k] / (double)win_sum - bw[k];
                if (d < 0)
                    d = -d;
                if (d > *worst)
                    *worst = d;
                win[k] = 0;
            }
            win_sum = 0;
        }
    }
    uint64_t sum = 0;
    for (int c = 0; c < nclasses; c++)
        sum += total[c];
    for (int c = 0; c < nclasses; c++)
        share[c] = 100.0 * (double)total[c] / (double)sum;
    check_egress(&q);
    CU_ASSERT_EQUAL(frame_pool_in_use(pool), 0);
    frame_pool_destroy(pool);
}

/* 10 ms at 10 Gb/s: DCB-006's measurement window, in line bytes. */
#define ETS_WINDOW 12500000ULL

static void test_ets_30_70(void)
{
    static const uint8_t bw[] = {70, 30};
    static const int frames[] = {40000, 40000};
    double share[2], worst;
    int idle;
    uint64_t after;
    ets_line(bw, 2, frames, share, &worst, ETS_WINDOW, &idle, &after);
    fprintf(stderr, "\n    ETS 70/30: %.3f / %.3f, worst 10 ms window off by %.3f points\n",
            share[0], share[1], worst);
    CU_ASSERT(share[0] > 69.0 && share[0] < 71.0);
    CU_ASSERT(share[1] > 29.0 && share[1] < 31.0);
    CU_ASSERT(worst < 1.0);
    CU_ASSERT_EQUAL(idle, 0);
}

static void test_ets_10_20_70(void)
{
    static const uint8_t bw[] = {10, 20, 70};
    static const int frames[] = {10000, 20000, 70000};
    double share[3], worst;
    int idle;
    uint64_t after;
    ets_line(bw, 3, frames, share, &worst, ETS_WINDOW, &idle, &after);
    fprintf(stderr, "\n    ETS 10/20/70: %.3f / %.3f / %.3f, worst window off by %.3f\n",
            share[0], share[1], share[2], worst);
    CU_ASSERT(share[0] > 9.0 && share[0] < 11.0);
    CU_ASSERT(share[1] > 19.0 && share[1] < 21.0);
    CU_ASSERT(share[2] > 69.0 && share[2] < 71.0);
    CU_ASSERT(worst < 1.0);
    CU_ASSERT_EQUAL(idle, 0);
}

/* The 30 % class alone gets the whole line; when the 70 % class runs dry
 * the other takes over at once: the line is never idle with backlog. */
static void test_ets_work_conserving(void)
{
    static const uint8_t bw[] = {70, 30};
    static const int alone[] = {0, 5000};
    double share[2], worst;
    int idle;
    uint64_t after;
    ets_line(bw, 2, alone, share, &worst, ETS_WINDOW, &idle, &after);
    CU_ASSERT_EQUAL(idle, 0);
    CU_ASSERT(after > 5000ULL * 64);
    /* Class 0 was never backlogged: everything counts as "after". */
    struct frame_pool *pool = frame_pool_create(256);
    struct egress_settings s;
    egress_settings_default(&s, G10);
    s.prio_tc[3] = 1;
    s.tc_tsa[1] = EGRESS_TSA_ETS;
    s.tc_bw[0] = 70;
    s.tc_bw[1] = 30;
    struct egress q;
    CU_ASSERT_EQUAL_FATAL(egress_init(&q, &s), 0);
    for (int k = 0; k < 3000; k++)
        enq(&q, pool, 3, 1500, (uint64_t)k);
    for (int k = 0; k < 300; k++)
        enq(&q, pool, 0, 1500, (uint64_t)k);
    /* Both backlogged: 300 class-0 frames go out interleaved 7:3 with
     * class-1 ones, then class 1 takes every slot. */
    int n3 = 0, n0 = 0, served_while_both = 0;
    for (;;) {
        int p = pop(&q, 0, NULL, NULL);
        if (p < 0)
            break;
        if (p == 0)
            n0++;
        else
            n3++;
        if (n0 < 300)
            served_while_both = n3;
    }
    CU_ASSERT_EQUAL(n0, 300);
    CU_ASSERT_EQUAL(n3, 3000);
    CU_ASSERT_EQUAL(q.total_bytes, 0);
    /* 300 class-0 frames at 70 % came with about 129 class-1 frames. */
    CU_ASSERT(served_while_both >= 124 && served_while_both <= 134);
    fprintf(stderr, "\n    work conservation: %d class-1 frames beside 300 class-0 ones\n",
            served_while_both);
    frame_pool_destroy(pool);
}

static void test_strict_before_ets(void)
{
    struct frame_pool *pool = frame_pool_create(256);
    struct egress_settings s;
    egress_settings_default(&s, G10);
    s.prio_tc[3] = 1;
    s.prio_tc[6] = 2;
    s.tc_tsa[0] = EGRESS_TSA_ETS;
    s.tc_bw[0] = 70;
    s.tc_tsa[1] = EGRESS_TSA_ETS;
    s.tc_bw[1] = 30;
    s.tc_tsa[2] = EGRESS_TSA_STRICT; /* class 2 strict: bandwidth not used */
    struct egress q;
    CU_ASSERT_EQUAL_FATAL(egress_init(&q, &s), 0);
    for (int k = 0; k < 50; k++) {
        enq(&q, pool, 0, 1000, (uint64_t)k);
        enq(&q, pool, 3, 1000, (uint64_t)k);
    }
    for (int k = 0; k < 20; k++)
        enq(&q, pool, 6, 9018, (uint64_t)k);
    for (int k = 0; k < 20; k++)
        CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 6);
    int p = pop(&q, 0, NULL, NULL);
    CU_ASSERT(p == 0 || p == 3);
    /* A strict frame arriving mid-way goes next. */
    enq(&q, pool, 6, 64, 99);
    uint64_t id;
    CU_ASSERT_EQUAL(pop(&q, 0, NULL, &id), 6);
    CU_ASSERT_EQUAL(id, 99);
    /* A paused strict priority lets ETS run (pfc on 6). */
    s.pfc_enabled = 0x40;
    CU_ASSERT_EQUAL(egress_reconfigure(&q, &s), 0);
    enq(&q, pool, 6, 64, 100);
    uint16_t quanta[8] = {0};
    quanta[6] = 1000;
    uint8_t paused, resumed;
    egress_pfc_receive(&q, 0, 0x40, quanta, &paused, &resumed);
    CU_ASSERT_EQUAL(paused, 0x40);
    p = pop(&q, REACT, NULL, NULL);
    CU_ASSERT(p == 0 || p == 3);
    check_egress(&q);
    egress_flush(&q);
    CU_ASSERT_EQUAL(frame_pool_in_use(pool), 0);
    frame_pool_destroy(pool);
}

/* ---- PFC ------------------------------------------------------------ */

struct pfc_bench {
    struct frame_pool *pool;
    struct egress q;
};

static void pfc_init(struct pfc_bench *b, uint64_t rate, uint8_t pfc_enabled)
{
    b->pool = frame_pool_create(256);
    struct egress_settings s;
    egress_settings_default(&s, rate);
    s.pfc_enabled = pfc_enabled;
    CU_ASSERT_EQUAL_FATAL(egress_init(&b->q, &s), 0);
}

static void pfc_free(struct pfc_bench *b)
{
    egress_flush(&b->q);
    CU_ASSERT_EQUAL(frame_pool_in_use(b->pool), 0);
    frame_pool_destroy(b->pool);
}

static void rx_pfc(struct egress *q, sim_time_t now, uint16_t vector, uint16_t qv,
                   uint8_t *paused, uint8_t *resumed)
{
    uint16_t quanta[8];
    for (int p = 0; p < 8; p++)
        quanta[p] = (vector & (1u << p)) ? qv : 0;
    uint8_t pa, re;
    egress_pfc_receive(q, now, vector, quanta, &pa, &re);
    if (paused)
        *paused = pa;
    if (resumed)
        *resumed = re;
}

/* DCB-002: a vector with every bit set pauses only the enabled priority. */
static void test_pfc_only_enabled_priorities(void)
{
    struct pfc_bench b;
    pfc_init(&b, G10, 0x08);
    uint8_t paused, resumed;
    rx_pfc(&b.q, 0, 0xFF, 0xFFFF, &paused, &resumed);
    CU_ASSERT_EQUAL(paused, 0x08);
    CU_ASSERT_EQUAL(resumed, 0);
    sim_time_t t = 10 * SIM_US;
    for (uint8_t p = 0; p < 8; p++) {
        CU_ASSERT_EQUAL(egress_is_paused(&b.q, p, t), p == 3);
        enq(&b.q, b.pool, p, 100, p);
    }
    /* Every other priority still transmits, highest first; 3 waits. */
    for (int p = 7; p >= 0; p--) {
        if (p == 3)
            continue;
        CU_ASSERT_EQUAL(pop(&b.q, t, NULL, NULL), p);
    }
    sim_time_t wake;
    CU_ASSERT_EQUAL(pop(&b.q, t, &wake, NULL), -1);
    CU_ASSERT_EQUAL(wake, REACT + pkt_pfc_quanta_time(0xFFFF, G10));
    for (uint8_t p = 0; p < 8; p++)
        CU_ASSERT_EQUAL(egress_paused_time(&b.q, p, t), p == 3 ? t - REACT : 0);
    /* An XON for a disabled priority changes nothing either. */
    rx_pfc(&b.q, t, 0xF7, 0, &paused, &resumed);
    CU_ASSERT_EQUAL(paused | resumed, 0);
    CU_ASSERT(egress_is_paused(&b.q, 3, t));
    pfc_free(&b);
}

/* A pause takes effect REACT after it arrives; it ends exactly
 * quanta x 512 bit times later at the port rate. */
static void test_pfc_reaction_and_expiry(void)
{
    struct pfc_bench b;
    pfc_init(&b, G10, 0x08);
    const sim_time_t t0 = 10 * SIM_US;
    const sim_time_t qt = 5120000; /* 100 quanta x 51.2 ns at 10G */
    CU_ASSERT_EQUAL(pkt_pfc_quanta_time(100, G10), qt);
    for (int k = 0; k < 4; k++)
        enq(&b.q, b.pool, 3, 1500, (uint64_t)k);
    uint8_t paused;
    rx_pfc(&b.q, t0, 0x08, 100, &paused, NULL);
    CU_ASSERT_EQUAL(paused, 0x08);
    /* Within the reaction time a frame may still start. */
    CU_ASSERT_EQUAL(egress_is_paused(&b.q, 3, t0 + REACT - 1), 0);
    CU_ASSERT_EQUAL(pop(&b.q, t0 + REACT - 1, NULL, NULL), 3);
    /* From then on, nothing until the pause runs out. */
    sim_time_t wake = 0;
    CU_ASSERT_EQUAL(pop(&b.q, t0 + REACT, &wake, NULL), -1);
    CU_ASSERT_EQUAL(wake, t0 + REACT + qt);
    CU_ASSERT_EQUAL(pop(&b.q, t0 + REACT + qt - 1, &wake, NULL), -1);
    CU_ASSERT_EQUAL(wake, t0 + REACT + qt);
    CU_ASSERT_EQUAL(pop(&b.q, t0 + REACT + qt, NULL, NULL), 3);
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 3, t0 + 100 * SIM_US), qt);
    pfc_free(&b);

    /* The same 100 quanta at other rates: exact (rounded down to 1 ps). */
    static const struct {
        uint64_t rate;
        uint16_t quanta;
        sim_time_t t;
    } at[] = {
        {25000000000ULL, 100, 2048000},        /* 20.48 ns per quantum */
        {40000000000ULL, 100, 1280000},        /* 12.8 ns */
        {100000000000ULL, 100, 512000},        /* 5.12 ns */
        {25000000000ULL, 0xFFFF, 1342156800},  /* 65535 x 20.48 ns */
        {3000000000ULL, 1, 170666},            /* 170.666.. ns, rounded down */
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        pfc_init(&b, at[i].rate, 0x08);
        enq(&b.q, b.pool, 3, 64, 1);
        rx_pfc(&b.q, 0, 0x08, at[i].quanta, NULL, NULL);
        CU_ASSERT_EQUAL(pop(&b.q, REACT, &wake, NULL), -1);
        CU_ASSERT_EQUAL(wake, REACT + at[i].t);
        CU_ASSERT_EQUAL(pop(&b.q, REACT + at[i].t - 1, NULL, NULL), -1);
        CU_ASSERT_EQUAL(pop(&b.q, REACT + at[i].t, NULL, NULL), 3);
        pfc_free(&b);
    }
}

static void test_pfc_xon_and_refresh(void)
{
    struct pfc_bench b;
    pfc_init(&b, G10, 0x28);
    const sim_time_t qt = 5120000; /* 100 quanta */
    for (int k = 0; k < 8; k++) {
        enq(&b.q, b.pool, 3, 1500, (uint64_t)k);
        enq(&b.q, b.pool, 5, 1500, (uint64_t)k);
    }
    uint8_t paused, resumed;
    /* XON resumes at once (no reaction time for a resume). */
    rx_pfc(&b.q, 0, 0x08, 100, &paused, NULL);
    CU_ASSERT_EQUAL(pop(&b.q, 2 * SIM_US, NULL, NULL), 5);
    rx_pfc(&b.q, 3 * SIM_US, 0x08, 0, &paused, &resumed);
    CU_ASSERT_EQUAL(resumed, 0x08);
    CU_ASSERT_EQUAL(paused, 0);
    CU_ASSERT_EQUAL(egress_is_paused(&b.q, 3, 3 * SIM_US), 0);
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 3, 50 * SIM_US), 2 * SIM_US);
    /* Refresh while in force: the pause now ends qt after the refresh. */
    rx_pfc(&b.q, 10 * SIM_US, 0x08, 100, &paused, NULL);
    CU_ASSERT_EQUAL(paused, 0x08);
    rx_pfc(&b.q, 14 * SIM_US, 0x08, 100, &paused, NULL);
    CU_ASSERT_EQUAL(paused, 0); /* already paused: no change of state */
    /* 5 paused at 14.5 us: in force from 15.5 until 15.5 + qt = 20.62 us;
     * before that it may still send. */
    rx_pfc(&b.q, 14500 * SIM_NS, 0x20, 100, &paused, NULL);
    CU_ASSERT_EQUAL(paused, 0x20);
    sim_time_t wake;
    CU_ASSERT_EQUAL(pop(&b.q, 15 * SIM_US, &wake, NULL), 5);
    /* 16.12 us, the end of 3's first pause, has passed: still paused. */
    CU_ASSERT(egress_is_paused(&b.q, 3, 16120 * SIM_NS));
    CU_ASSERT_EQUAL(pop(&b.q, 17 * SIM_US, &wake, NULL), -1);
    CU_ASSERT_EQUAL(wake, 14 * SIM_US + qt); /* the earlier end: 3's, 19.12 us */
    CU_ASSERT_EQUAL(pop(&b.q, 14 * SIM_US + qt - 1, &wake, NULL), -1);
    int n3 = 0;
    while (pop(&b.q, 14 * SIM_US + qt, &wake, NULL) == 3)
        n3++;
    CU_ASSERT_EQUAL(n3, 8);
    CU_ASSERT_EQUAL(wake, 15500 * SIM_NS + qt); /* now 5's: 20.62 us */
    CU_ASSERT_EQUAL(pop(&b.q, 15500 * SIM_NS + qt, NULL, NULL), 5);
    /* 3: 2 us, then 11..19.12 us; 5: 15.5..20.62 us. */
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 3, 30 * SIM_US), 2 * SIM_US + 8120 * SIM_NS);
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 5, 30 * SIM_US), qt);
    pfc_free(&b);

    /* A second XOFF inside the reaction time of the first does not push
     * the start of the pause back: frames stop REACT after the first. */
    pfc_init(&b, G10, 0x08);
    for (int k = 0; k < 4; k++)
        enq(&b.q, b.pool, 3, 1500, (uint64_t)k);
    rx_pfc(&b.q, 10 * SIM_US, 0x08, 100, NULL, NULL);
    rx_pfc(&b.q, 10500 * SIM_NS, 0x08, 100, NULL, NULL);
    CU_ASSERT(egress_is_paused(&b.q, 3, 11 * SIM_US));
    CU_ASSERT_EQUAL(pop(&b.q, 11200 * SIM_NS, &wake, NULL), -1);
    /* ... and lasts qt from the time the second one takes effect. */
    CU_ASSERT_EQUAL(wake, 10500 * SIM_NS + REACT + qt);
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 3, 100 * SIM_US), 500 * SIM_NS + qt);
    pfc_free(&b);
}

/* Paused time over pause, refresh, resume and expiry, by hand:
 *   0 us      XOFF 100 q  -> paused [1, 6.12)
 *   3 us      XOFF 200 q  -> refreshed in force: [1, 3) closed, [3, 13.24)
 *   20 us     XOFF 50 q   -> [3, 13.24) expired before; new [21, 23.56)
 *   22 us     XON         -> [21, 22) closed
 *   30 us     XOFF 10 q   -> [31, 31.512), expires
 *   total at 40 us = 2 + 10.24 + 1 + 0.512 = 13.752 us */
static void test_pfc_paused_time_accounting(void)
{
    struct pfc_bench b;
    pfc_init(&b, G10, 0x08);
    struct {
        sim_time_t at;
        uint16_t quanta;
    } seq[] = {
        {0, 100}, {3 * SIM_US, 200}, {20 * SIM_US, 50}, {22 * SIM_US, 0}, {30 * SIM_US, 10},
    };
    struct {
        sim_time_t at, paused;
    } probe[] = {
        {500 * SIM_NS, 0},                 /* not in force yet */
        {2 * SIM_US, 1 * SIM_US},
        {5 * SIM_US, 4 * SIM_US},          /* 2 closed + 2 running */
        {13240 * SIM_NS, 12240 * SIM_NS},
        {20500 * SIM_NS, 12240 * SIM_NS},  /* expired; next one pending */
        {21500 * SIM_NS, 12740 * SIM_NS},
        {25 * SIM_US, 13240 * SIM_NS},     /* XON at 22 us */
        {31256 * SIM_NS, 13496 * SIM_NS},
        {40 * SIM_US, 13752 * SIM_NS},
        {1 * SIM_MS, 13752 * SIM_NS},
    };
    size_t next = 0;
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        while (next < sizeof seq / sizeof seq[0] && seq[next].at <= probe[i].at) {
            rx_pfc(&b.q, seq[next].at, 0x08, seq[next].quanta, NULL, NULL);
            next++;
        }
        sim_time_t got = egress_paused_time(&b.q, 3, probe[i].at);
        CU_ASSERT_EQUAL(got, probe[i].paused);
        if (got != probe[i].paused)
            fprintf(stderr, "\n    at %llu ps: paused %llu, want %llu\n",
                    (unsigned long long)probe[i].at, (unsigned long long)got,
                    (unsigned long long)probe[i].paused);
    }
    CU_ASSERT_EQUAL(egress_paused_time(&b.q, 0, 1 * SIM_MS), 0);
    pfc_free(&b);
}

/* ---- queue limits --------------------------------------------------- */

static void test_queue_limit(void)
{
    struct frame_pool *pool = frame_pool_create(64);
    struct egress_settings s;
    egress_settings_default(&s, G10);
    s.queue_limit[0] = 3000;
    struct egress q;
    CU_ASSERT_EQUAL_FATAL(egress_init(&q, &s), 0);
    for (int k = 0; k < 3; k++)
        enq(&q, pool, 0, 1000, (uint64_t)k);
    struct frame *f = mk(pool, 1000, 3);
    CU_ASSERT_EQUAL(egress_enqueue(&q, 0, f), -ENOBUFS);
    CU_ASSERT_EQUAL(f->refcnt, 1); /* not consumed */
    CU_ASSERT_EQUAL(q.q[0].bytes, 3000);
    struct frame *small = mk(pool, 64, 4);
    CU_ASSERT_EQUAL(egress_enqueue(&q, 0, small), -ENOBUFS); /* 3064 > 3000 */
    frame_unref(small);
    /* Another priority has no limit. */
    for (int k = 0; k < 10; k++)
        enq(&q, pool, 1, 1000, (uint64_t)k);
    CU_ASSERT_EQUAL(q.total_bytes, 13000);
    /* One frame out makes room for exactly one more. */
    s.prio_tc[1] = 1; /* priority 1 strict below, so 0 goes first */
    s.tc_tsa[1] = EGRESS_TSA_STRICT;
    CU_ASSERT_EQUAL(egress_reconfigure(&q, &s), 0);
    /* Class 1 strict beats class 0 (ETS): drain priority 1 first. */
    for (int k = 0; k < 10; k++)
        CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 1);
    CU_ASSERT_EQUAL(pop(&q, 0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(egress_enqueue(&q, 0, f), 0);
    check_egress(&q);
    /* A shared frame is queued as a private copy. */
    s.queue_limit[0] = 0;
    CU_ASSERT_EQUAL(egress_reconfigure(&q, &s), 0);
    struct frame *shared = mk(pool, 200, 5);
    frame_ref(shared);
    CU_ASSERT_EQUAL(egress_enqueue(&q, 0, shared), 0);
    CU_ASSERT_EQUAL(shared->refcnt, 1); /* our reference is left */
    CU_ASSERT_PTR_NOT_EQUAL(q.q[0].tail, shared);
    frame_unref(shared);
    check_egress(&q);
    /* Bad maps are refused. */
    s.prio_tc[2] = 8;
    CU_ASSERT_EQUAL(egress_reconfigure(&q, &s), -EINVAL);
    s.prio_tc[2] = 0;
    s.tc_bw[0] = 101;
    CU_ASSERT_EQUAL(egress_reconfigure(&q, &s), -EINVAL);
    struct egress fresh;
    CU_ASSERT_EQUAL(egress_init(&fresh, &s), -EINVAL);
    egress_flush(&q);
    CU_ASSERT_EQUAL(frame_pool_in_use(pool), 0);
    frame_pool_destroy(pool);
}

int suite_egress(void)
{
    CU_pSuite s = test_suite("egress");
    if (!s || !CU_add_test(s, "strict priority order", test_strict_order) ||
        !CU_add_test(s, "ETS 30/70 over mixed sizes within 1 point", test_ets_30_70) ||
        !CU_add_test(s, "ETS 10/20/70 within 1 point", test_ets_10_20_70) ||
        !CU_add_test(s, "ETS is work-conserving", test_ets_work_conserving) ||
        !CU_add_test(s, "strict classes before ETS", test_strict_before_ets) ||
        !CU_add_test(s, "PFC pauses only enabled priorities (DCB-002)",
                     test_pfc_only_enabled_priorities) ||
        !CU_add_test(s, "PFC reaction time and exact expiry", test_pfc_reaction_and_expiry) ||
        !CU_add_test(s, "PFC XON, refresh, wake-up time", test_pfc_xon_and_refresh) ||
        !CU_add_test(s, "PFC paused-time accounting", test_pfc_paused_time_accounting) ||
        !CU_add_test(s, "queue limits", test_queue_limit))
        return -1;
    return 0;
}
