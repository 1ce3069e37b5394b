/* test_nic: the adapter model against a raw peer (a test device on the
 * other end of its link that records every frame with its time and bytes,
 * and injects frames), or against a second NIC:
 *  - MAC Control frames are consumed, never delivered (PFC and PAUSE);
 *  - PFC bits for priorities without PFC pause nothing (DCB-002); the
 *    enabled one holds frames exactly until the pause ends;
 *  - the receive buffer: XOFF when the backlog crosses rx_xoff, refreshes
 *    every half pause time, XON at rx_xon, all at exact times, with the
 *    frame bytes checked (DCB-003) and only PFC-enabled priorities in the
 *    vector (DCB-001), also read back from a capture;
 *  - a pause storm keeps the peer paused for exactly the run time;
 *  - admin down: the link goes down, frames are dropped as link_down;
 *  - counters per priority; nic_set_dcb reconfiguration (ETS shares, PFC
 *    set, and the XOFF state of priorities leaving PFC). */
#include "test_util.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "link.h"
#include "nic.h"
#include "pcapng.h"
#include "pkt.h"
#include "pkt_pfc.h"
#include "sim_engine.h"
#include "trace.h"

#define G1 1000000000ULL
#define G10 10000000000ULL
#define DELAY (100 * SIM_NS)
#define REACT (1000 * SIM_NS)
#define SER60 67200 /* a 60-byte frame (PFC) at 10G: 84 line bytes */
#define PEER_MAX 8192

static const uint8_t mac_a[6] = {0x02, 0xaa, 0, 0, 0, 1};
static const uint8_t mac_b[6] = {0x02, 0xbb, 0, 0, 0, 2};

struct rec {
    sim_time_t t;
    uint32_t len;     /* wire bytes */
    uint8_t pcp;
    uint16_t type;    /* EtherType after any tag */
    uint64_t id;
    int pfc_ok;       /* parsed as PFC */
    struct pkt_pfc pfc;
    uint8_t bytes[64];
};

/* The raw device on end 1: records what the NIC sends, and sends its
 * `out` list back to back. */
struct peer {
    struct sim_engine *eng;
    struct link *l;
    int n;
    struct rec r[PEER_MAX];
    struct frame **out;
    int nout, next;
};

static void peer_rx(void *dev, uint32_t port, struct frame *f)
{
    (void)port;
    struct peer *p = dev;
    if (p->n < PEER_MAX) {
        struct rec *r = &p->r[p->n++];
        r->t = sim_now(p->eng);
        r->len = frame_wire_len(f);
        r->pcp = pkt_eth_pcp(f);
        r->type = pkt_eth_type(f);
        r->id = f->flow_id;
        r->pfc_ok = pkt_pfc_parse(f, &r->pfc) == 0;
        memset(r->bytes, 0xee, sizeof r->bytes);
        memcpy(r->bytes, frame_cdata(f), f->len < 64 ? f->len : 64);
    }
    frame_unref(f);
}

static void peer_send_next(struct peer *p)
{
    while (p->next < p->nout && !link_tx_busy(p->l, 1)) {
        struct frame *f = p->out[p->next];
        p->out[p->next++] = NULL;
        link_tx(p->l, 1, f);
    }
}

static void peer_tx_ready(void *dev, uint32_t port)
{
    (void)port;
    peer_send_next(dev);
}

static void peer_carrier(void *dev, uint32_t port, int up)
{
    (void)dev;
    (void)port;
    (void)up;
}

static const struct link_end_ops peer_ops = {peer_rx, peer_tx_ready, peer_carrier};

/* A frame tagged with pcp (VID 1) from src to dst, `wire` bytes. */
static struct frame *mkframe(struct frame_pool *pool, const uint8_t *dst, const uint8_t *src,
                             uint8_t pcp, uint32_t wire, uint64_t id)
{
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *b = frame_put(f, 18);
    memcpy(b, dst, 6);
    memcpy(b + 6, src, 6);
    b[12] = 0x81;
    b[13] = 0x00;
    b[14] = (uint8_t)(pcp << 5);
    b[15] = 1;
    b[16] = 0x88;
    b[17] = 0xb5;
    f->payload_len = wire - 18;
    f->flow_id = id;
    return f;
}

static struct frame *mkpfc(struct frame_pool *pool, uint8_t vector, uint16_t q)
{
    struct frame *f = frame_alloc(pool);
    uint16_t quanta[8];
    for (int p = 0; p < 8; p++)
        quanta[p] = (vector & (1u << p)) ? q : 0;
    CU_ASSERT_EQUAL_FATAL(pkt_pfc_build(f, mac_b, vector, quanta), 0);
    return f;
}

struct bench {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct link *l;
    struct nic *a, *b;   /* b: a second NIC instead of the peer, or NULL */
    struct peer *peer;
    int a_rx;            /* frames delivered by a */
    int a_rx_pcp[8];
    int b_rx_pcp[8];
    int carrier_n[2];
    int carrier_up[2][8];
    sim_time_t carrier_t[2][8];
};

static void a_rx(void *ctx, struct nic *n, struct frame *f)
{
    (void)n;
    struct bench *b = ctx;
    b->a_rx++;
    b->a_rx_pcp[pkt_eth_pcp(f)]++;
    frame_unref(f);
}

static void b_rx(void *ctx, struct nic *n, struct frame *f)
{
    (void)n;
    struct bench *b = ctx;
    b->b_rx_pcp[pkt_eth_pcp(f)]++;
    frame_unref(f);
}

static void on_carrier(void *ctx, struct nic *n, int up)
{
    struct bench *b = ctx;
    int i = n == b->a ? 0 : 1;
    if (b->carrier_n[i] < 8) {
        b->carrier_up[i][b->carrier_n[i]] = up;
        b->carrier_t[i][b->carrier_n[i]] = sim_now(b->eng);
        b->carrier_n[i]++;
    }
}

struct nic_opts {
    uint8_t pfc;
    uint64_t drain;
    uint32_t xoff, xon;
    uint16_t quanta;
};

static struct nic *mknic(struct bench *b, const char *name, const uint8_t *mac,
                         const struct nic_opts *o)
{
    struct nic_settings ns = {.name = name, .rate_bps = G10};
    memcpy(ns.mac, mac, 6);
    if (o) {
        ns.pfc_enabled = o->pfc;
        ns.rx_drain_bps = o->drain;
        ns.rx_xoff = o->xoff;
        ns.rx_xon = o->xon;
        ns.pfc_quanta = o->quanta;
    }
    struct nic *n = nic_create(b->eng, b->trace, b->pool, &ns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    return n;
}

/* NIC a on end 0; on end 1 either the raw peer (two_nics 0) or NIC b. */
static void bench_init(struct bench *b, const struct nic_opts *oa, int two_nics,
                       const struct nic_opts *ob, sim_time_t detect, const char *trace_dir)
{
    memset(b, 0, sizeof *b);
    b->eng = sim_engine_create(NULL);
    b->pool = frame_pool_create(1024);
    if (trace_dir) {
        char path[600], err[256];
        snprintf(path, sizeof path, "%s/run.sqlite", trace_dir);
        struct trace_run_info info = {.seed = 1, .scenario = "nic", .engine = "native"};
        b->trace = trace_open(path, &info, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b->trace);
    }
    struct link_settings ls = {.name = "a<->b", .rate_bps = G10, .delay = DELAY,
                               .detect_delay = detect};
    b->l = link_create(b->eng, b->trace, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b->l);
    b->a = mknic(b, "a", mac_a, oa);
    nic_attach(b->a, b->l, 0);
    nic_set_rx_handler(b->a, a_rx, b);
    nic_set_carrier_handler(b->a, on_carrier, b);
    if (two_nics) {
        b->b = mknic(b, "b", mac_b, ob);
        nic_attach(b->b, b->l, 1);
        nic_set_rx_handler(b->b, b_rx, b);
        nic_set_carrier_handler(b->b, on_carrier, b);
    } else {
        b->peer = calloc(1, sizeof *b->peer);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b->peer);
        b->peer->eng = b->eng;
        b->peer->l = b->l;
        link_attach(b->l, 1, &peer_ops, b->peer, 0, TRACE_NO_OBJ);
    }
}

static void bench_free(struct bench *b)
{
    sim_engine_destroy(b->eng);
    nic_destroy(b->a);
    nic_destroy(b->b);
    if (b->peer) {
        for (int k = b->peer->next; k < b->peer->nout; k++)
            frame_unref(b->peer->out[k]);
        free(b->peer->out);
        free(b->peer);
    }
    link_destroy(b->l);
    if (b->trace) {
        CU_ASSERT_EQUAL(trace_finish(b->trace, 0, 0), 0);
        CU_ASSERT_EQUAL(trace_close(b->trace), 0);
    }
    CU_ASSERT_EQUAL(frame_pool_in_use(b->pool), 0);
    frame_pool_destroy(b->pool);
}

/* The peer sends `n` frames back to back from now; pcps cycles through
 * the given list. */
static void peer_burst(struct bench *b, int n, const uint8_t *pcps, int npcp, uint32_t wire)
{
    struct peer *p = b->peer;
    CU_ASSERT_EQUAL(p->next, p->nout); /* the previous burst is out */
    free(p->out);
    p->out = calloc((size_t)n, sizeof *p->out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->out);
    for (int k = 0; k < n; k++)
        p->out[k] = mkframe(b->pool, mac_a, mac_b, pcps[k % npcp], wire, (uint64_t)k);
    p->nout = n;
    p->next = 0;
    peer_send_next(p);
}

static void peer_inject(struct bench *b, struct frame *f)
{
    CU_ASSERT_EQUAL(link_tx(b->l, 1, f), 0);
}

static int count_pfc(const struct peer *p)
{
    int n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->r[i].type == PKT_ETH_P_MAC_CTRL;
    return n;
}

/* DCB-003 bytes of a PFC frame sent by a (60 bytes, no tag), with
 * DCB-001's rule: bits only in `enabled`, zero time for the others. */
static void check_pfc_bytes(const struct rec *r, uint8_t enabled)
{
    static const uint8_t dst[6] = PKT_PFC_DST_MAC;
    CU_ASSERT_EQUAL(r->len, 60);
    CU_ASSERT_EQUAL(memcmp(r->bytes, dst, 6), 0);
    CU_ASSERT_EQUAL(memcmp(r->bytes + 6, mac_a, 6), 0);
    CU_ASSERT_EQUAL(r->bytes[12], 0x88);
    CU_ASSERT_EQUAL(r->bytes[13], 0x08);
    CU_ASSERT_EQUAL(r->bytes[14], 0x01);
    CU_ASSERT_EQUAL(r->bytes[15], 0x01);
    CU_ASSERT_EQUAL(r->bytes[16], 0x00); /* upper octet of the vector */
    uint8_t vec = r->bytes[17];
    CU_ASSERT_EQUAL(vec & (uint8_t)~enabled, 0);
    CU_ASSERT(vec != 0);
    for (int p = 0; p < 8; p++) {
        uint16_t q = (uint16_t)(r->bytes[18 + 2 * p] << 8 | r->bytes[19 + 2 * p]);
        if (!(vec & (1u << p)))
            CU_ASSERT_EQUAL(q, 0);
    }
    for (int i = 34; i < 60; i++)
        CU_ASSERT_EQUAL(r->bytes[i], 0);
    CU_ASSERT(r->pfc_ok);
    CU_ASSERT_EQUAL(r->pfc.enable, vec);
}

/* ---- MAC Control consumed ------------------------------------------- */

static void test_control_frames_consumed(void)
{
    struct nic_opts o = {.pfc = 0x08};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    peer_inject(&b, mkframe(b.pool, mac_a, mac_b, 3, 500, 1));
    sim_run_until(b.eng, 1 * SIM_US);
    peer_inject(&b, mkpfc(b.pool, 0x08, 100));
    sim_run_until(b.eng, 2 * SIM_US);
    struct frame *pause = frame_alloc(b.pool);
    CU_ASSERT_EQUAL_FATAL(pkt_pfc_pause_build(pause, mac_b, 0xFFFF), 0);
    peer_inject(&b, pause);
    sim_run_until(b.eng, 3 * SIM_US);
    peer_inject(&b, mkpfc(b.pool, 0x09, 0)); /* bit 0 (no PFC) and 3 */
    sim_run_until(b.eng, 10 * SIM_US);
    CU_ASSERT_EQUAL(b.a_rx, 1); /* only the data frame went up */
    CU_ASSERT_EQUAL(b.a_rx_pcp[3], 1);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->rx_frames, 1);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->rx_bytes, 500);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->pfc_rx, 2);
    CU_ASSERT_EQUAL(nic_counters(b.a, 0)->pfc_rx, 1); /* counted, not obeyed */
    CU_ASSERT_EQUAL(nic_counters(b.a, 0)->rx_frames, 0);
    /* The PFC arrived at 1.1672 us and paused 3 from 2.1672 us (for
     * 5.12 us) until the XON arrived at 3.1672 us; PAUSE paused nothing. */
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 3), 1 * SIM_US);
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 0), 0);
    bench_free(&b);
}

/* ---- DCB-002 -------------------------------------------------------- */

static void test_pfc_disabled_bits_pause_nothing(void)
{
    struct nic_opts o = {.pfc = 0x08};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    const sim_time_t arrive = SER60 + DELAY; /* a PFC frame's latency */
    sim_run_until(b.eng, 1 * SIM_US);
    peer_inject(&b, mkpfc(b.pool, 0xF7, 0xFFFF)); /* all but 3 */
    sim_run_until(b.eng, 5 * SIM_US);
    static const uint8_t others[] = {0, 1, 2, 4, 5, 6, 7};
    for (int i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, others[i], 60, others[i])), 0);
    sim_run_until(b.eng, 9 * SIM_US);
    /* All seven left at once, back to back from 5 us: the first sent
     * (priority 0) at once, then the queued ones highest first. */
    static const uint8_t order[] = {0, 7, 6, 5, 4, 2, 1};
    CU_ASSERT_EQUAL_FATAL(b.peer->n, 7);
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(b.peer->r[i].t, 5 * SIM_US + (sim_time_t)(i + 1) * SER60 + DELAY);
        CU_ASSERT_EQUAL(b.peer->r[i].pcp, order[i]);
    }
    for (int p = 0; p < 8; p++) {
        CU_ASSERT_EQUAL(nic_paused_time(b.a, (uint8_t)p), 0);
        CU_ASSERT_EQUAL(nic_counters(b.a, (uint8_t)p)->pfc_rx, p == 3 ? 0 : 1);
    }
    /* Priority 3 honours its bit: 1000 quanta = 51.2 us from 1 us after
     * arrival.  A frame sent within the reaction time still starts. */
    const sim_time_t t1 = 10 * SIM_US, qt = 51200 * SIM_NS;
    sim_run_until(b.eng, t1);
    peer_inject(&b, mkpfc(b.pool, 0x08, 1000));
    sim_run_until(b.eng, t1 + 500 * SIM_NS);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 60, 30)), 0);
    sim_run_until(b.eng, t1 + 2 * SIM_US);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 60, 31)), 0);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 60, 32)), 0);
    sim_run_until(b.eng, 200 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(b.peer->n, 10);
    CU_ASSERT_EQUAL(b.peer->r[7].id, 30);
    CU_ASSERT_EQUAL(b.peer->r[7].t, t1 + 500 * SIM_NS + SER60 + DELAY);
    CU_ASSERT_EQUAL(b.peer->r[8].id, 32); /* priority 0 is not held */
    CU_ASSERT_EQUAL(b.peer->r[8].t, t1 + 2 * SIM_US + SER60 + DELAY);
    CU_ASSERT_EQUAL(b.peer->r[9].id, 31);
    CU_ASSERT_EQUAL(b.peer->r[9].t, t1 + arrive + REACT + qt + SER60 + DELAY);
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 3), qt);
    bench_free(&b);
}

/* ---- receive buffer and PFC generation ------------------------------ */

/* 30 frames of 1000 B on priority 3 back to back at 10G (819.2 ns each)
 * into a NIC that drains 1 Gb/s (8 us per frame): XOFF at 10 000 B, XON
 * at 5 000 B, 1000 quanta (51.2 us, refreshed every 25.6 us).
 *   arrival k    = k x 819.2 ns + 100 ns
 *   drained j    = arrival 1 + j x 8 us
 *   XOFF         at arrival 10 = 8.292 us (10 000 B queued, none drained)
 *   refreshes    at 8.292 + k x 25.6 us while in XOFF
 *   XON          at drained 25 = 200.9192 us (5 000 B left)
 * Each reaches the peer 67.2 + 100 ns later. */
static void test_rx_buffer_xoff_refresh_xon(void)
{
    struct nic_opts o = {.pfc = 0x08, .drain = G1, .xoff = 10000, .xon = 5000, .quanta = 1000};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    static const uint8_t p3[] = {3};
    peer_burst(&b, 30, p3, 1, 1000);
    sim_run_until(b.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(b.a_rx, 30); /* all drained and delivered */
    const sim_time_t arr1 = 819200 + DELAY, arr10 = 10 * 819200 + DELAY;
    const sim_time_t refresh = 25600 * SIM_NS, xon = arr1 + 25 * 8 * SIM_US;
    sim_time_t want[16];
    int nwant = 0;
    for (sim_time_t t = arr10; t < xon; t += refresh)
        want[nwant++] = t;
    CU_ASSERT_EQUAL(nwant, 8); /* XOFF + 7 refreshes */
    want[nwant++] = xon;
    CU_ASSERT_EQUAL_FATAL(count_pfc(b.peer), nwant);
    CU_ASSERT_EQUAL(b.peer->n, nwant);
    for (int i = 0; i < nwant; i++) {
        const struct rec *r = &b.peer->r[i];
        CU_ASSERT_EQUAL(r->t, want[i] + SER60 + DELAY);
        check_pfc_bytes(r, 0x08);
        CU_ASSERT_EQUAL(r->pfc.enable, 0x08);
        CU_ASSERT_EQUAL(r->pfc.quanta[3], i == nwant - 1 ? 0 : 1000);
        /* The peer never sees the pause lapse: each refresh comes before
         * the previous one runs out (51.2 us). */
        if (i > 0 && i < nwant - 1)
            CU_ASSERT(r->t - b.peer->r[i - 1].t < 51200 * SIM_NS);
    }
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->pfc_tx, (uint64_t)nwant);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->rx_frames, 30);
    bench_free(&b);
}

struct cap_pfc {
    int n;
    int bad;          /* not PFC, or bits outside the enabled set */
    uint8_t vectors;  /* union of the vectors */
    int both;         /* frames with bits 3 and 5 together */
};

static void read_capture_pfc(const char *path, uint8_t enabled, struct cap_pfc *c)
{
    memset(c, 0, sizeof *c);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(p, &h, &data) == 1) {
        struct pkt_pfc pfc;
        c->n++;
        if (pkt_pfc_parse_bytes(data, h->caplen, h->len, &pfc) != 0 ||
            (pfc.enable & (uint8_t)~enabled) != 0) {
            c->bad++;
            continue;
        }
        for (int q = 0; q < 8; q++)
            if (!(pfc.enable & (1u << q)) && pfc.quanta[q] != 0)
                c->bad++;
        c->vectors |= (uint8_t)pfc.enable;
        c->both += (pfc.enable & 0x28) == 0x28;
    }
    pcap_close(p);
}

/* DCB-001: priorities 0, 3 and 5 all back up past XOFF; only 3 and 5 have
 * PFC, so no PFC frame ever carries bit 0.  Checked on the peer's frames
 * and on a capture of what a transmits, read back with libpcap. */
static void test_pfc_vector_only_enabled(void)
{
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/a.pcapng", dir);
    struct pcapng_writer *w = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct nic_opts o = {.pfc = 0x28, .drain = G1, .xoff = 5000, .xon = 2500, .quanta = 200};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    link_capture_dirs(b.l, 0, w, pcapng_add_interface(w, "a", 0), LINK_CAP_OUT);
    static const uint8_t mix[] = {0, 3, 5};
    peer_burst(&b, 60, mix, 3, 1000);
    sim_run_until(b.eng, 2 * SIM_MS);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    CU_ASSERT_EQUAL(b.a_rx, 60);
    int n = count_pfc(b.peer);
    CU_ASSERT(n >= 4); /* XOFF and XON for 3 and for 5 at least */
    uint8_t seen = 0;
    int both = 0;
    for (int i = 0; i < b.peer->n; i++) {
        check_pfc_bytes(&b.peer->r[i], 0x28);
        seen |= (uint8_t)b.peer->r[i].pfc.enable;
        both += (b.peer->r[i].pfc.enable & 0x28) == 0x28;
    }
    CU_ASSERT_EQUAL(seen, 0x28);
    CU_ASSERT(both > 0); /* refreshes carry every priority in XOFF */
    CU_ASSERT_EQUAL(nic_counters(b.a, 0)->pfc_tx, 0);
    CU_ASSERT(nic_counters(b.a, 3)->pfc_tx > 0);
    CU_ASSERT(nic_counters(b.a, 5)->pfc_tx > 0);
    struct cap_pfc c;
    read_capture_pfc(path, 0x28, &c);
    CU_ASSERT_EQUAL(c.n, n);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT_EQUAL(c.vectors, 0x28);
    CU_ASSERT_EQUAL(c.both, both);
    fprintf(stderr, "\n    %d PFC frames, %d with bits 3 and 5, none with bit 0\n", n, both);
    bench_free(&b);
}

/* ---- pause storm ---------------------------------------------------- */

/* a storms priority 3 at b from 0 to 10 ms (0xFFFF quanta: 3.355 ms,
 * refreshed every 1.677696 ms).  b's priority 3 is paused from 1 us after
 * the first XOFF arrives (0.1672 us) until the XON arrives: exactly
 * 10 ms - 1 us; b's priority 0 keeps flowing. */
static void test_pause_storm(void)
{
    struct nic_opts o = {.pfc = 0x08};
    struct bench b;
    bench_init(&b, &o, 1, &o, 0, NULL);
    const sim_time_t arrive = SER60 + DELAY, from = arrive + REACT;
    nic_pause_storm(b.a, 0x08, 1);
    sim_run_until(b.eng, 2 * SIM_US);
    for (int k = 0; k < 5; k++) {
        CU_ASSERT_EQUAL(nic_send(b.b, mkframe(b.pool, mac_a, mac_b, 3, 1500, 1)), 0);
        CU_ASSERT_EQUAL(nic_send(b.b, mkframe(b.pool, mac_a, mac_b, 0, 1500, 2)), 0);
    }
    static const sim_time_t probes[] = {1 * SIM_MS, 3 * SIM_MS, 5 * SIM_MS, 9999 * SIM_US};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        sim_run_until(b.eng, probes[i]);
        CU_ASSERT_EQUAL(nic_paused_time(b.b, 3), probes[i] - from);
    }
    CU_ASSERT_EQUAL(b.a_rx_pcp[0], 5);
    CU_ASSERT_EQUAL(b.a_rx_pcp[3], 0);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.b, 3), 5 * 1500);
    sim_run_until(b.eng, 10 * SIM_MS);
    nic_pause_storm(b.a, 0x08, 0);
    sim_run_until(b.eng, 20 * SIM_MS);
    CU_ASSERT_EQUAL(nic_paused_time(b.b, 3), 10 * SIM_MS + arrive - from);
    CU_ASSERT_EQUAL(b.a_rx_pcp[3], 5);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.b, 3), 0);
    /* XOFF at 0, refreshes at k x 1.677696 ms (5 before 10 ms), XON. */
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->pfc_tx, 7);
    CU_ASSERT_EQUAL(nic_counters(b.b, 3)->pfc_rx, 7);
    CU_ASSERT_EQUAL(nic_paused_time(b.b, 0), 0);
    bench_free(&b);
}

/* ---- administrative state ------------------------------------------- */

static long long db_count(const char *dir, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    long long n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* a queues ten 1500 B frames (1.2192 us each) at 0 and is disabled at
 * 4 us: three have arrived, the fourth is on the wire (lost), the fifth
 * meets the dead link when the fourth's time is up, and the other five
 * are dropped when a detects the loss of carrier (5 us later).  One sent
 * while down and one sent after admin up but before carrier detection: 9
 * drops for link_down in all, every one traced on a. */
static void test_admin_down(void)
{
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    const sim_time_t detect = 5 * SIM_US;
    struct bench b;
    bench_init(&b, NULL, 1, NULL, detect, dir);
    for (int k = 0; k < 10; k++)
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1500, (uint64_t)k)), 0);
    sim_run_until(b.eng, 4 * SIM_US);
    CU_ASSERT_EQUAL(b.b_rx_pcp[0], 3);
    nic_set_admin(b.a, 0);
    CU_ASSERT_EQUAL(nic_admin_up(b.a), 0);
    CU_ASSERT_EQUAL(link_is_up(b.l), 0);
    sim_run_until(b.eng, 6 * SIM_US);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1500, 99)), -ENETDOWN);
    sim_run_until(b.eng, 4 * SIM_US + detect - 1);
    CU_ASSERT_EQUAL(nic_carrier(b.a), 1); /* not detected yet */
    CU_ASSERT_EQUAL(nic_carrier(b.b), 1);
    sim_run_until(b.eng, 20 * SIM_US);
    CU_ASSERT_EQUAL(nic_carrier(b.a), 0);
    CU_ASSERT_EQUAL(nic_carrier(b.b), 0);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(b.carrier_n[i], 1);
        CU_ASSERT_EQUAL(b.carrier_up[i][0], 0);
        CU_ASSERT_EQUAL(b.carrier_t[i][0], 4 * SIM_US + detect);
    }
    CU_ASSERT_EQUAL(b.b_rx_pcp[0], 3);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 0), 0);
    CU_ASSERT_EQUAL(link_counters(b.l, 0)->lost, 2);
    CU_ASSERT_EQUAL(nic_counters(b.a, 0)->drops, 6);
    /* Back up: carrier after the detect delay; nothing leaves before. */
    nic_set_admin(b.a, 1);
    CU_ASSERT_EQUAL(link_is_up(b.l), 1);
    sim_run_until(b.eng, 22 * SIM_US);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1500, 100)), -ENETDOWN);
    sim_run_until(b.eng, 30 * SIM_US);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(b.carrier_n[i], 2);
        CU_ASSERT_EQUAL(b.carrier_up[i][1], 1);
        CU_ASSERT_EQUAL(b.carrier_t[i][1], 20 * SIM_US + detect);
    }
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1500, 101)), 0);
    sim_run_until(b.eng, 40 * SIM_US);
    CU_ASSERT_EQUAL(b.b_rx_pcp[0], 4);
    CU_ASSERT_EQUAL(nic_counters(b.b, 0)->rx_frames, 4);
    bench_free(&b);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'link_down'"),
                    9);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'link_down' AND obj = 'a'"),
                    9);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'link_down' AND time_ps = 4000000"),
                    1);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'link_down' AND time_ps = 9000000"),
                    5);
}

/* ---- counters ------------------------------------------------------- */

static void test_counters_per_priority(void)
{
    struct bench b;
    bench_init(&b, NULL, 1, NULL, 0, NULL);
    static const struct {
        uint8_t pcp;
        int n;
        uint32_t wire;
    } mix[] = {{0, 3, 200}, {3, 5, 1000}, {6, 2, 64}};
    for (size_t i = 0; i < 3; i++)
        for (int k = 0; k < mix[i].n; k++)
            CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, mix[i].pcp, mix[i].wire,
                                                  (uint64_t)k)),
                            0);
    /* An untagged frame counts as priority 0. */
    struct frame *u = frame_alloc(b.pool);
    uint8_t *h = frame_put(u, 14);
    memcpy(h, mac_b, 6);
    memcpy(h + 6, mac_a, 6);
    h[12] = 0x88;
    h[13] = 0xb5;
    u->payload_len = 86;
    CU_ASSERT_EQUAL(nic_send(b.a, u), 0);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 3), 5 * 1000); /* the first frame (prio 0) left */
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 0), 2 * 200 + 100);
    sim_run_until(b.eng, 100 * SIM_US);
    for (uint8_t p = 0; p < 8; p++) {
        uint64_t frames = 0, bytes = 0;
        for (size_t i = 0; i < 3; i++)
            if (mix[i].pcp == p) {
                frames = (uint64_t)mix[i].n;
                bytes = frames * mix[i].wire;
            }
        if (p == 0) {
            frames += 1;
            bytes += 100;
        }
        CU_ASSERT_EQUAL(nic_counters(b.a, p)->tx_frames, frames);
        CU_ASSERT_EQUAL(nic_counters(b.a, p)->tx_bytes, bytes);
        CU_ASSERT_EQUAL(nic_counters(b.b, p)->rx_frames, frames);
        CU_ASSERT_EQUAL(nic_counters(b.b, p)->rx_bytes, bytes);
        CU_ASSERT_EQUAL(nic_counters(b.a, p)->rx_frames, 0);
        CU_ASSERT_EQUAL(nic_counters(b.a, p)->drops, 0);
        CU_ASSERT_EQUAL(nic_tx_backlog(b.a, p), 0);
    }
    bench_free(&b);
}

/* ---- transmit-queue drained notification ----------------------------- */

struct watch_rec {
    struct nic *n;
    int calls;
    uint64_t backlog;   /* nic_tx_backlog(prio 3) at the call */
    uint64_t tx3;       /* priority-3 frames started by then */
};

static void on_drained(void *ctx)
{
    struct watch_rec *w = ctx;
    w->calls++;
    w->backlog = nic_tx_backlog(w->n, 3);
    w->tx3 = nic_counters(w->n, 3)->tx_frames;
}

static void test_tx_watch(void)
{
    struct bench b;
    bench_init(&b, NULL, 1, NULL, 0, NULL);
    struct watch_rec w3 = {.n = b.a}, w0 = {.n = b.a}, gone = {.n = b.a};
    for (int k = 0; k < 5; k++)
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 1000, (uint64_t)k)), 0);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 3), 4000); /* the first one is on the wire */
    /* First armed below 1500, then re-armed below 2500: the second wins. */
    CU_ASSERT_EQUAL(nic_watch_tx_below(b.a, 3, 1500, on_drained, &w3), 0);
    CU_ASSERT_EQUAL(nic_watch_tx_below(b.a, 3, 2500, on_drained, &w3), 0);
    CU_ASSERT_EQUAL(nic_watch_tx_below(b.a, 0, 1, on_drained, &w0), 0);
    CU_ASSERT_EQUAL(nic_watch_tx_below(b.a, 3, 2500, on_drained, &gone), 0);
    nic_unwatch_tx(b.a, on_drained, &gone);
    sim_run_until(b.eng, 100 * SIM_US);
    /* Once, when the third frame left and 2 x 1000 bytes stayed queued. */
    CU_ASSERT_EQUAL(w3.calls, 1);
    CU_ASSERT_EQUAL(w3.backlog, 2000);
    CU_ASSERT_EQUAL(w3.tx3, 3);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->tx_frames, 5);
    CU_ASSERT_EQUAL(w0.calls, 0); /* no priority-0 frame left */
    CU_ASSERT_EQUAL(gone.calls, 0);
    /* A priority-0 frame leaving an empty queue fires w0 at once. */
    for (int k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1000, (uint64_t)k)), 0);
    CU_ASSERT_EQUAL(w0.calls, 1);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 0), 2000);
    /* Four slots; a fifth watch is refused. */
    struct watch_rec more[NIC_TX_WATCHES + 1];
    for (int i = 0; i <= NIC_TX_WATCHES; i++) {
        more[i] = (struct watch_rec){.n = b.a};
        CU_ASSERT_EQUAL(nic_watch_tx_below(b.a, 0, 1, on_drained, &more[i]),
                        i < NIC_TX_WATCHES ? 0 : -ENOSPC);
    }
    /* Carrier loss drops the queues: every armed watch fires, once. */
    link_set_admin(b.l, 0);
    sim_run_until(b.eng, 200 * SIM_US);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 0), 0);
    for (int i = 0; i <= NIC_TX_WATCHES; i++)
        CU_ASSERT_EQUAL(more[i].calls, i < NIC_TX_WATCHES ? 1 : 0);
    CU_ASSERT_EQUAL(w0.calls, 1);
    bench_free(&b);
}

/* ---- reconfiguration ------------------------------------------------ */

/* Share of priority 3 in the bytes the peer received in [t0, t1). */
static double share3(const struct peer *p, sim_time_t t0, sim_time_t t1)
{
    uint64_t b3 = 0, all = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->r[i].t < t0 || p->r[i].t >= t1 || p->r[i].type != 0x88b5)
            continue;
        all += p->r[i].len;
        if (p->r[i].pcp == 3)
            b3 += p->r[i].len;
    }
    return all ? 100.0 * (double)b3 / (double)all : -1;
}

static void test_set_dcb_ets(void)
{
    struct bench b;
    bench_init(&b, NULL, 0, NULL, 0, NULL);
    for (int k = 0; k < 3000; k++) {
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 0, 1500, (uint64_t)k)), 0);
        CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 1500, (uint64_t)k)), 0);
    }
    /* Default: one ETS class of 100 %, higher priority first within it. */
    sim_run_until(b.eng, 1 * SIM_MS);
    struct egress_settings eg;
    egress_settings_default(&eg, 0);
    eg.prio_tc[3] = 1;
    eg.tc_tsa[1] = EGRESS_TSA_ETS;
    eg.tc_bw[0] = 70;
    eg.tc_bw[1] = 30;
    CU_ASSERT_EQUAL(nic_set_dcb(b.a, &eg, 0x08), 0);
    CU_ASSERT_EQUAL(nic_egress_settings(b.a)->tc_bw[1], 30);
    CU_ASSERT_EQUAL(nic_egress_settings(b.a)->prio_tc[3], 1);
    CU_ASSERT_EQUAL(nic_egress_settings(b.a)->rate_bps, G10);
    CU_ASSERT_EQUAL(nic_pfc_enabled(b.a), 0x08);
    sim_run_until(b.eng, 3 * SIM_MS);
    /* A bad map is refused and changes nothing. */
    struct egress_settings bad = eg;
    bad.prio_tc[2] = 9;
    CU_ASSERT_EQUAL(nic_set_dcb(b.a, &bad, 0x00), -EINVAL);
    CU_ASSERT_EQUAL(nic_egress_settings(b.a)->prio_tc[2], 0);
    CU_ASSERT_EQUAL(nic_pfc_enabled(b.a), 0x08);
    eg.tc_tsa[1] = EGRESS_TSA_STRICT;
    CU_ASSERT_EQUAL(nic_set_dcb(b.a, &eg, 0x08), 0);
    sim_run_until(b.eng, 4 * SIM_MS);
    double s1 = share3(b.peer, 10 * SIM_US, 1 * SIM_MS);
    double s2 = share3(b.peer, 1010 * SIM_US, 3 * SIM_MS);
    double s3 = share3(b.peer, 3010 * SIM_US, 4 * SIM_MS);
    fprintf(stderr, "\n    priority 3 share: %.2f%% (default), %.2f%% (ETS 30), %.2f%% (strict)\n",
            s1, s2, s3);
    CU_ASSERT(s1 > 99.99);
    CU_ASSERT(s2 > 28.0 && s2 < 32.0);
    CU_ASSERT(s3 > 99.99);
    bench_free(&b);
}

/* Leaving PFC ends a received pause at once (its paused time closes at
 * that moment), and later PFC for it is ignored. */
static void test_set_dcb_pfc(void)
{
    struct nic_opts o = {.pfc = 0x08};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    const sim_time_t arrive = SER60 + DELAY;
    sim_run_until(b.eng, 1 * SIM_US);
    peer_inject(&b, mkpfc(b.pool, 0x08, 0xFFFF));
    sim_run_until(b.eng, 3 * SIM_US);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 60, 1)), 0);
    sim_run_until(b.eng, 10 * SIM_US);
    CU_ASSERT_EQUAL(b.peer->n, 0);
    struct egress_settings eg;
    egress_settings_default(&eg, 0);
    CU_ASSERT_EQUAL(nic_set_dcb(b.a, &eg, 0x20), 0);
    CU_ASSERT_EQUAL(nic_pfc_enabled(b.a), 0x20);
    sim_run_until(b.eng, 20 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(b.peer->n, 1);
    CU_ASSERT_EQUAL(b.peer->r[0].t, 10 * SIM_US + SER60 + DELAY);
    const sim_time_t paused3 = 10 * SIM_US - (1 * SIM_US + arrive + REACT);
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 3), paused3);
    /* Now 5 obeys and 3 does not. */
    peer_inject(&b, mkpfc(b.pool, 0x28, 0xFFFF));
    sim_run_until(b.eng, 25 * SIM_US);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 3, 60, 2)), 0);
    CU_ASSERT_EQUAL(nic_send(b.a, mkframe(b.pool, mac_b, mac_a, 5, 60, 3)), 0);
    sim_run_until(b.eng, 30 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(b.peer->n, 2);
    CU_ASSERT_EQUAL(b.peer->r[1].id, 2);
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 5), 30 * SIM_US - (20 * SIM_US + arrive + REACT));
    CU_ASSERT_EQUAL(nic_paused_time(b.a, 3), paused3);
    CU_ASSERT_EQUAL(nic_tx_backlog(b.a, 5), 60);
    bench_free(&b);
}

/* A priority in receive-buffer XOFF that leaves PFC is released at once
 * with an XON (the peer would otherwise stay paused for up to 65535
 * quanta), and is never refreshed or paused again. */
static void test_set_dcb_releases_xoff(void)
{
    struct nic_opts o = {.pfc = 0x08, .drain = G1, .xoff = 10000, .xon = 5000};
    struct bench b;
    bench_init(&b, &o, 0, NULL, 0, NULL);
    static const uint8_t p3[] = {3};
    peer_burst(&b, 15, p3, 1, 1000);
    sim_run_until(b.eng, 20 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(count_pfc(b.peer), 1);
    CU_ASSERT_EQUAL(b.peer->r[0].pfc.quanta[3], 0xFFFF);
    struct egress_settings eg;
    egress_settings_default(&eg, 0);
    CU_ASSERT_EQUAL(nic_set_dcb(b.a, &eg, 0x00), 0);
    sim_run_until(b.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(count_pfc(b.peer), 2);
    CU_ASSERT_EQUAL(b.peer->r[1].t, 20 * SIM_US + SER60 + DELAY);
    CU_ASSERT_EQUAL(b.peer->r[1].pfc.enable, 0x08);
    CU_ASSERT_EQUAL(b.peer->r[1].pfc.quanta[3], 0);
    CU_ASSERT_EQUAL(b.a_rx, 15);
    /* A second burst past XOFF: no PFC any more. */
    peer_burst(&b, 15, p3, 1, 1000);
    sim_run_until(b.eng, 20 * SIM_MS);
    CU_ASSERT_EQUAL(count_pfc(b.peer), 2);
    CU_ASSERT_EQUAL(b.a_rx, 30);
    CU_ASSERT_EQUAL(nic_counters(b.a, 3)->pfc_tx, 2);
    bench_free(&b);
}

int suite_nic(void)
{
    CU_pSuite s = test_suite("nic");
    if (!s || !CU_add_test(s, "MAC Control frames are consumed", test_control_frames_consumed) ||
        !CU_add_test(s, "PFC bits of disabled priorities pause nothing (DCB-002)",
                     test_pfc_disabled_bits_pause_nothing) ||
        !CU_add_test(s, "receive buffer: XOFF, refresh, XON at exact times",
                     test_rx_buffer_xoff_refresh_xon) ||
        !CU_add_test(s, "PFC vector holds only enabled priorities (DCB-001)",
                     test_pfc_vector_only_enabled) ||
        !CU_add_test(s, "pause storm keeps the peer paused", test_pause_storm) ||
        !CU_add_test(s, "admin down drops as link_down", test_admin_down) ||
        !CU_add_test(s, "counters per priority", test_counters_per_priority) ||
        !CU_add_test(s, "transmit queue drained notification", test_tx_watch) ||
        !CU_add_test(s, "nic_set_dcb: ETS classes and shares", test_set_dcb_ets) ||
        !CU_add_test(s, "nic_set_dcb: PFC set", test_set_dcb_pfc) ||
        !CU_add_test(s, "nic_set_dcb: leaving PFC releases XOFF", test_set_dcb_releases_xoff))
        return -1;
    return 0;
}
