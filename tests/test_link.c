/* test_link: the link model on its own, with a test device on each end:
 * serialization time to the picosecond (line length = wire bytes + 24 of
 * preamble, FCS and gap), propagation delay, back-to-back FIFO delivery in
 * both directions at once, -EBUSY while serializing, cuts (frames in
 * flight lost, counted and traced; carrier reported after the detect
 * delay, and not at all for a cut repaired within it), the administrative
 * state, captures (outbound at transmission start, inbound at delivery,
 * read back with libpcap and tshark) and the per-direction counters. */
#include "test_util.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "link.h"
#include "pcapng.h"
#include "sim_engine.h"
#include "trace.h"

#define G1 1000000000ULL
#define G10 10000000000ULL
#define MAXREC 64

/* A device on one end: records what arrives and when, and sends the
 * frames of its `out` list back to back (the next one from tx_ready). */
struct tdev {
    struct sim_engine *eng;
    struct link *l;
    int end;
    int nrx;
    uint64_t rx_id[MAXREC];
    uint32_t rx_len[MAXREC];
    sim_time_t rx_t[MAXREC];
    int nready;
    sim_time_t ready_t[MAXREC];
    int ncarrier;
    int carrier_up[MAXREC];
    sim_time_t carrier_t[MAXREC];
    struct frame *out[MAXREC]; /* owned until handed to the link */
    int nout, next_out;
    int refused; /* link_tx said -ENETDOWN */
};

static void dev_rx(void *dev, uint32_t port, struct frame *f)
{
    (void)port;
    struct tdev *d = dev;
    if (d->nrx < MAXREC) {
        d->rx_id[d->nrx] = f->flow_id;
        d->rx_len[d->nrx] = frame_wire_len(f);
        d->rx_t[d->nrx] = sim_now(d->eng);
        d->nrx++;
    }
    frame_unref(f);
}

static void dev_send_next(struct tdev *d)
{
    while (d->next_out < d->nout) {
        struct frame *f = d->out[d->next_out];
        int rc = link_tx(d->l, d->end, f);
        if (rc == -EBUSY)
            return;
        d->out[d->next_out++] = NULL;
        if (rc == 0)
            return;
        d->refused++; /* dropped by the link; try the next one */
    }
}

static void dev_tx_ready(void *dev, uint32_t port)
{
    (void)port;
    struct tdev *d = dev;
    if (d->nready < MAXREC)
        d->ready_t[d->nready++] = sim_now(d->eng);
    dev_send_next(d);
}

static void dev_carrier(void *dev, uint32_t port, int up)
{
    (void)port;
    struct tdev *d = dev;
    if (d->ncarrier < MAXREC) {
        d->carrier_up[d->ncarrier] = up;
        d->carrier_t[d->ncarrier] = sim_now(d->eng);
        d->ncarrier++;
    }
}

static const struct link_end_ops dev_ops = {dev_rx, dev_tx_ready, dev_carrier};

/* A frame of `wire` bytes without FCS: a 14-byte Ethernet header (EtherType
 * 0x88B5) and virtual payload; id goes in flow_id. */
static struct frame *mkframe(struct frame_pool *pool, uint32_t wire, uint64_t id)
{
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *b = frame_put(f, 14);
    static const uint8_t hdr[14] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
    memcpy(b, hdr, 14);
    f->payload_len = wire - 14;
    f->flow_id = id;
    return f;
}

struct bench {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct link *l;
    struct tdev d[2];
};

static void bench_init(struct bench *b, uint64_t rate, sim_time_t delay, sim_time_t detect,
                       const char *trace_dir)
{
    memset(b, 0, sizeof *b);
    b->eng = sim_engine_create(NULL);
    b->pool = frame_pool_create(256);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b->eng);
    trace_obj_t obj[2] = {0, 0};
    if (trace_dir) {
        char path[600], err[256];
        snprintf(path, sizeof path, "%s/run.sqlite", trace_dir);
        struct trace_run_info info = {.seed = 1, .scenario = "link", .engine = "native"};
        b->trace = trace_open(path, &info, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b->trace);
        obj[0] = (trace_obj_t)trace_object(b->trace, "a", "nic");
        obj[1] = (trace_obj_t)trace_object(b->trace, "b", "nic");
    }
    struct link_settings ls = {.name = "a<->b", .rate_bps = rate, .delay = delay,
                               .detect_delay = detect};
    b->l = link_create(b->eng, b->trace, &ls);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b->l);
    for (int i = 0; i < 2; i++) {
        b->d[i].eng = b->eng;
        b->d[i].l = b->l;
        b->d[i].end = i;
        link_attach(b->l, i, &dev_ops, &b->d[i], (uint32_t)i, obj[i]);
    }
}

static void bench_free(struct bench *b)
{
    sim_engine_destroy(b->eng);
    for (int i = 0; i < 2; i++)
        for (int k = b->d[i].next_out; k < b->d[i].nout; k++)
            frame_unref(b->d[i].out[k]);
    link_destroy(b->l);
    if (b->trace) {
        CU_ASSERT_EQUAL(trace_finish(b->trace, 0, 0), 0);
        CU_ASSERT_EQUAL(trace_close(b->trace), 0);
    }
    CU_ASSERT_EQUAL(frame_pool_in_use(b->pool), 0); /* nothing leaked */
    frame_pool_destroy(b->pool);
}

/* SELECT count(*) ... of a finished trace. */
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

/* ---- serialization and propagation ---------------------------------- */

struct ser_case {
    uint64_t rate;
    uint32_t wire;
    sim_time_t ser; /* hand-computed: (wire + 24) x 8 / rate, rounded up to 1 ps */
    sim_time_t delay;
};

static void test_serialization_exact(void)
{
    static const struct ser_case cases[] = {
        {G10, 60, 67200, 0},                        /* 84 B x 8 / 10G = 67.2 ns */
        {G10, 1514, 1230400, 15 * SIM_NS},          /* 1538 B; 3 m of cable */
        {25 * G1, 1518, 493440, 500 * SIM_NS},      /* 1542 B at 25G; 100 m */
        {100 * G1, 9018, 723360, 10 * SIM_US},      /* 9042 B at 100G; 2 km */
        {400 * G1, 64, 1760, 50 * SIM_NS},          /* 88 B at 400G = 1.76 ns */
        {3 * G1, 100, 330667, 1 * SIM_US},          /* 992 bits / 3G = 330666.67 ps */
        {G1, 60, 672000, 0},                        /* 672 ns */
    };
    CU_ASSERT_EQUAL(link_cable_delay(3), 15 * SIM_NS);
    CU_ASSERT_EQUAL(link_cable_delay(100), 500 * SIM_NS);
    CU_ASSERT_EQUAL(link_cable_delay(2000), 10 * SIM_US);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ser_case *c = &cases[i];
        struct bench b;
        bench_init(&b, c->rate, c->delay, 0, NULL);
        sim_time_t t0 = 1 * SIM_US;
        sim_run_until(b.eng, t0);
        struct frame *f = mkframe(b.pool, c->wire, 7);
        CU_ASSERT_EQUAL(frame_line_len(f), c->wire + 24);
        CU_ASSERT_EQUAL(link_tx(b.l, 0, f), 0);
        sim_run_until(b.eng, t0 + c->ser + c->delay + SIM_US);
        CU_ASSERT_EQUAL(b.d[0].nready, 1);
        CU_ASSERT_EQUAL(b.d[0].ready_t[0], t0 + c->ser);
        CU_ASSERT_EQUAL_FATAL(b.d[1].nrx, 1);
        CU_ASSERT_EQUAL(b.d[1].rx_t[0], t0 + c->ser + c->delay);
        CU_ASSERT_EQUAL(b.d[1].rx_len[0], c->wire);
        CU_ASSERT_EQUAL(b.d[1].rx_id[0], 7);
        CU_ASSERT_EQUAL(b.d[0].nrx, 0);
        const struct link_dir_counters *c0 = link_counters(b.l, 0);
        const struct link_dir_counters *c1 = link_counters(b.l, 1);
        CU_ASSERT_EQUAL(c0->frames, 1);
        CU_ASSERT_EQUAL(c0->bytes, c->wire);
        CU_ASSERT_EQUAL(c0->busy, c->ser);
        CU_ASSERT_EQUAL(c0->lost, 0);
        CU_ASSERT_EQUAL(c1->frames + c1->bytes + c1->busy + c1->lost, 0);
        if (b.d[1].rx_t[0] != t0 + c->ser + c->delay)
            fprintf(stderr, "\n    case %zu: rx at %llu ps\n", i,
                    (unsigned long long)(b.d[1].rx_t[0] - t0));
        bench_free(&b);
    }
}

/* ---- back to back, both directions ---------------------------------- */

static void test_back_to_back_fifo(void)
{
    static const uint32_t sizes0[] = {60, 1514, 300, 9018, 64};
    static const uint32_t sizes1[] = {1000, 60, 60, 4000};
    const sim_time_t delay = 500 * SIM_NS;
    struct bench b;
    bench_init(&b, G10, delay, 0, NULL);
    const int n0 = 20, n1 = 12;
    uint64_t bytes0 = 0, bytes1 = 0;
    for (int k = 0; k < n0; k++) {
        b.d[0].out[k] = mkframe(b.pool, sizes0[k % 5], (uint64_t)k + 1);
        bytes0 += sizes0[k % 5];
    }
    for (int k = 0; k < n1; k++) {
        b.d[1].out[k] = mkframe(b.pool, sizes1[k % 4], 100 + (uint64_t)k);
        bytes1 += sizes1[k % 4];
    }
    b.d[0].nout = n0;
    b.d[1].nout = n1;
    dev_send_next(&b.d[0]);
    dev_send_next(&b.d[1]);
    sim_run_until(b.eng, 1 * SIM_MS);
    /* End 1 receives end 0's frames in order, each at the sum of the
     * serialization times so far plus the delay: the line never idles. */
    CU_ASSERT_EQUAL_FATAL(b.d[1].nrx, n0);
    sim_time_t t = 0, busy0 = 0;
    for (int k = 0; k < n0; k++) {
        t += sim_tx_time(sizes0[k % 5] + 24, G10);
        CU_ASSERT_EQUAL(b.d[1].rx_id[k], (uint64_t)k + 1);
        CU_ASSERT_EQUAL(b.d[1].rx_t[k], t + delay);
        CU_ASSERT_EQUAL(b.d[0].ready_t[k], t);
    }
    busy0 = t;
    /* ... and the other direction is independent (full duplex). */
    CU_ASSERT_EQUAL_FATAL(b.d[0].nrx, n1);
    t = 0;
    for (int k = 0; k < n1; k++) {
        t += sim_tx_time(sizes1[k % 4] + 24, G10);
        CU_ASSERT_EQUAL(b.d[0].rx_id[k], 100 + (uint64_t)k);
        CU_ASSERT_EQUAL(b.d[0].rx_t[k], t + delay);
    }
    const struct link_dir_counters *c0 = link_counters(b.l, 0);
    const struct link_dir_counters *c1 = link_counters(b.l, 1);
    CU_ASSERT_EQUAL(c0->frames, (uint64_t)n0);
    CU_ASSERT_EQUAL(c0->bytes, bytes0);
    CU_ASSERT_EQUAL(c0->busy, busy0);
    CU_ASSERT_EQUAL(c1->frames, (uint64_t)n1);
    CU_ASSERT_EQUAL(c1->bytes, bytes1);
    CU_ASSERT_EQUAL(c1->busy, t);
    CU_ASSERT_EQUAL(c0->lost + c1->lost, 0);
    bench_free(&b);
}

static void test_busy_while_serializing(void)
{
    struct bench b;
    bench_init(&b, G10, 100 * SIM_NS, 0, NULL);
    const sim_time_t ser = 1230400; /* 1514 B */
    struct frame *f1 = mkframe(b.pool, 1514, 1);
    struct frame *f2 = mkframe(b.pool, 60, 2);
    CU_ASSERT_EQUAL(link_tx_busy(b.l, 0), 0);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, f1), 0);
    CU_ASSERT_EQUAL(link_tx_busy(b.l, 0), 1);
    CU_ASSERT_EQUAL(link_tx_busy(b.l, 1), 0); /* the other direction is free */
    CU_ASSERT_EQUAL(link_tx(b.l, 0, f2), -EBUSY);
    CU_ASSERT_EQUAL(f2->refcnt, 1); /* untouched: still ours */
    CU_ASSERT_PTR_NULL(f2->next);
    sim_run_until(b.eng, ser - 1);
    CU_ASSERT_EQUAL(link_tx_busy(b.l, 0), 1);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, f2), -EBUSY);
    sim_run_until(b.eng, ser);
    CU_ASSERT_EQUAL(link_tx_busy(b.l, 0), 0);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, f2), 0);
    sim_run_until(b.eng, 10 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(b.d[1].nrx, 2);
    CU_ASSERT_EQUAL(b.d[1].rx_t[1], ser + 67200 + 100 * SIM_NS);
    CU_ASSERT_EQUAL(link_counters(b.l, 0)->frames, 2);
    bench_free(&b);
}

/* ---- cuts and carrier ----------------------------------------------- */

static void test_cut_loses_in_flight_and_reports_carrier(void)
{
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    const sim_time_t delay = 10 * SIM_US, detect = 2 * SIM_US, ser = 819200; /* 1000 B */
    struct bench b;
    bench_init(&b, G10, delay, detect, dir);
    /* End 0 sends 5 frames back to back, end 1 three. */
    for (int k = 0; k < 5; k++)
        b.d[0].out[k] = mkframe(b.pool, 1000, (uint64_t)k + 1);
    for (int k = 0; k < 3; k++)
        b.d[1].out[k] = mkframe(b.pool, 1000, 10 + (uint64_t)k);
    b.d[0].nout = 5;
    b.d[1].nout = 3;
    dev_send_next(&b.d[0]);
    dev_send_next(&b.d[1]);
    /* At 3 us end 0 has started 4 frames (at 0, .82, 1.64, 2.46 us) and
     * none has arrived; end 1 has sent all 3.  The cut loses them all, and
     * end 0's fifth frame, sent at 3.28 us, meets a dead link. */
    const sim_time_t cut = 3 * SIM_US;
    sim_run_until(b.eng, cut);
    CU_ASSERT_EQUAL(link_is_up(b.l), 1);
    link_cut(b.l);
    CU_ASSERT_EQUAL(link_is_up(b.l), 0);
    sim_run_until(b.eng, cut + detect - 1);
    CU_ASSERT_EQUAL(b.d[0].ncarrier, 0); /* not yet detected */
    CU_ASSERT_EQUAL(b.d[1].ncarrier, 0);
    sim_run_until(b.eng, cut + detect);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(b.d[i].ncarrier, 1);
        CU_ASSERT_EQUAL(b.d[i].carrier_up[0], 0);
        CU_ASSERT_EQUAL(b.d[i].carrier_t[0], cut + detect);
    }
    CU_ASSERT_EQUAL(b.d[0].refused, 1);
    CU_ASSERT_EQUAL(link_counters(b.l, 0)->lost, 5); /* 4 in flight + 1 sent while down */
    CU_ASSERT_EQUAL(link_counters(b.l, 1)->lost, 3);
    /* Repaired at 6 us, before the lost frames' delivery times (10.8 us
     * and later): those deliveries must not hand out the new frame. */
    const sim_time_t fix = 6 * SIM_US;
    sim_run_until(b.eng, fix);
    link_restore(b.l);
    CU_ASSERT_EQUAL(link_is_up(b.l), 1);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, mkframe(b.pool, 1000, 99)), 0);
    sim_run_until(b.eng, 100 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(b.d[1].nrx, 1);
    CU_ASSERT_EQUAL(b.d[1].rx_id[0], 99);
    CU_ASSERT_EQUAL(b.d[1].rx_t[0], fix + ser + delay);
    CU_ASSERT_EQUAL(b.d[0].nrx, 0);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(b.d[i].ncarrier, 2);
        CU_ASSERT_EQUAL(b.d[i].carrier_up[1], 1);
        CU_ASSERT_EQUAL(b.d[i].carrier_t[1], fix + detect);
    }
    CU_ASSERT_EQUAL(link_counters(b.l, 0)->frames, 1);
    CU_ASSERT_EQUAL(link_counters(b.l, 1)->frames, 0);
    bench_free(&b);
    /* The trace: 8 drops for link_down, at the cut (7) and at 3.28 us
     * (1), and each end's carrier change at the detection times. */
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "reason = 'link_down'"),
                    8);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "time_ps = 3000000"),
                    7);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "obj = 'a' AND time_ps = 3276800"),
                    1);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop' AND "
                                  "obj = 'b'"),
                    3);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'link_down' "
                                  "AND time_ps = 5000000"),
                    2);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'link_up' "
                                  "AND time_ps = 8000000"),
                    2);
}

static void test_cut_restore_within_detect_delay(void)
{
    char dir[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    const sim_time_t delay = 1 * SIM_US, detect = 5 * SIM_US;
    struct bench b;
    bench_init(&b, G10, delay, detect, dir);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, mkframe(b.pool, 1500, 1)), 0);
    sim_run_until(b.eng, 500 * SIM_NS);
    link_cut(b.l);
    sim_run_until(b.eng, 3 * SIM_US);
    link_restore(b.l); /* 2.5 us later: within the detect delay */
    sim_run_until(b.eng, 50 * SIM_US);
    CU_ASSERT_EQUAL(b.d[0].ncarrier, 0);
    CU_ASSERT_EQUAL(b.d[1].ncarrier, 0);
    CU_ASSERT_EQUAL(b.d[1].nrx, 0); /* the frame in flight is still lost */
    CU_ASSERT_EQUAL(link_counters(b.l, 0)->lost, 1);
    /* The link works afterwards. */
    CU_ASSERT_EQUAL(link_tx(b.l, 1, mkframe(b.pool, 60, 2)), 0);
    sim_run_until(b.eng, 60 * SIM_US);
    CU_ASSERT_EQUAL(b.d[0].nrx, 1);
    CU_ASSERT_EQUAL(b.d[0].rx_t[0], 50 * SIM_US + 67200 + delay);
    bench_free(&b);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind IN "
                                  "('link_up', 'link_down')"),
                    0);
    CU_ASSERT_EQUAL(db_count(dir, "SELECT count(*) FROM events_v WHERE kind = 'drop'"), 1);
}

static void test_admin_state(void)
{
    const sim_time_t detect = 1 * SIM_US;
    struct bench b;
    bench_init(&b, G10, 0, detect, NULL);
    sim_run_until(b.eng, 10 * SIM_US);
    link_set_admin(b.l, 0);
    CU_ASSERT_EQUAL(link_is_up(b.l), 0);
    struct frame *f = mkframe(b.pool, 100, 1);
    CU_ASSERT_EQUAL(link_tx(b.l, 1, f), -ENETDOWN); /* dropped and counted */
    CU_ASSERT_EQUAL(link_counters(b.l, 1)->lost, 1);
    sim_run_until(b.eng, 20 * SIM_US);
    /* A cut while administratively down, and admin up while cut: the state
     * stays down, and nothing new is reported. */
    link_cut(b.l);
    link_set_admin(b.l, 1);
    CU_ASSERT_EQUAL(link_is_up(b.l), 0);
    sim_run_until(b.eng, 30 * SIM_US);
    link_restore(b.l);
    CU_ASSERT_EQUAL(link_is_up(b.l), 1);
    sim_run_until(b.eng, 40 * SIM_US);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(b.d[i].ncarrier, 2);
        CU_ASSERT_EQUAL(b.d[i].carrier_up[0], 0);
        CU_ASSERT_EQUAL(b.d[i].carrier_t[0], 10 * SIM_US + detect);
        CU_ASSERT_EQUAL(b.d[i].carrier_up[1], 1);
        CU_ASSERT_EQUAL(b.d[i].carrier_t[1], 30 * SIM_US + detect);
    }
    CU_ASSERT_EQUAL(link_tx(b.l, 1, mkframe(b.pool, 100, 2)), 0);
    sim_run_until(b.eng, 50 * SIM_US);
    CU_ASSERT_EQUAL(b.d[0].nrx, 1);
    bench_free(&b);
}

/* ---- captures ------------------------------------------------------- */

struct cap_rec {
    long long ns;
    uint32_t len;
};

static int read_pcap(const char *path, struct cap_rec *r, int max)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p)
        return -1;
    struct pcap_pkthdr *h;
    const u_char *data;
    int n = 0;
    while (n < max && pcap_next_ex(p, &h, &data) == 1) {
        r[n].ns = (long long)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec;
        r[n].len = h->len;
        n++;
    }
    pcap_close(p);
    return n;
}

static void test_capture_times_and_directions(void)
{
    char dir[512], pa[600], pb[600], pc[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(pa, sizeof pa, "%s/a.pcapng", dir);
    snprintf(pb, sizeof pb, "%s/b.pcapng", dir);
    snprintf(pc, sizeof pc, "%s/a_out.pcapng", dir);
    struct pcapng_writer *wa = pcapng_open(pa, NULL, NULL, 0);
    struct pcapng_writer *wb = pcapng_open(pb, NULL, NULL, 0);
    struct pcapng_writer *wc = pcapng_open(pc, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wb);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wc);
    struct bench b;
    bench_init(&b, G10, 1 * SIM_US, 0, NULL);
    link_capture(b.l, 0, wa, pcapng_add_interface(wa, "a", 0));
    /* A second link end capture can only be one writer: b's own file. */
    link_capture(b.l, 1, wb, pcapng_add_interface(wb, "b", 0));
    /* a sends 200 B at 1 us (179.2 ns on the wire), b 300 B at 1.1 us
     * (259.2 ns); both arrive 1 us after their last bit. */
    sim_run_until(b.eng, 1 * SIM_US);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, mkframe(b.pool, 200, 1)), 0);
    sim_run_until(b.eng, 1100 * SIM_NS);
    CU_ASSERT_EQUAL(link_tx(b.l, 1, mkframe(b.pool, 300, 2)), 0);
    sim_run_until(b.eng, 10 * SIM_US);
    /* Outbound only, on a third file, for a's next frame. */
    link_capture_dirs(b.l, 0, wc, pcapng_add_interface(wc, "a-out", 0), LINK_CAP_OUT);
    CU_ASSERT_EQUAL(link_tx(b.l, 0, mkframe(b.pool, 64, 3)), 0);
    CU_ASSERT_EQUAL(link_tx(b.l, 1, mkframe(b.pool, 64, 4)), 0);
    sim_run_until(b.eng, 20 * SIM_US);
    CU_ASSERT_EQUAL(pcapng_close(wa), 0);
    CU_ASSERT_EQUAL(pcapng_close(wb), 0);
    CU_ASSERT_EQUAL(pcapng_close(wc), 0);
    bench_free(&b);

    struct cap_rec r[8];
    /* a: its 200 B out at 1000 ns, b's 300 B in at 2359.2 -> 2359 ns. */
    CU_ASSERT_EQUAL_FATAL(read_pcap(pa, r, 8), 2);
    CU_ASSERT_EQUAL(r[0].ns, 1000);
    CU_ASSERT_EQUAL(r[0].len, 200);
    CU_ASSERT_EQUAL(r[1].ns, 2359);
    CU_ASSERT_EQUAL(r[1].len, 300);
    /* b: its 300 B out at 1100 ns, a's 200 B in at 2179.2 -> 2179 ns; then
     * its own 64 B out at 10 us, and a's 64 B in at 10 us + 70.4 ns + 1 us. */
    CU_ASSERT_EQUAL_FATAL(read_pcap(pb, r, 8), 4);
    CU_ASSERT_EQUAL(r[0].ns, 1100);
    CU_ASSERT_EQUAL(r[0].len, 300);
    CU_ASSERT_EQUAL(r[1].ns, 2179);
    CU_ASSERT_EQUAL(r[1].len, 200);
    CU_ASSERT_EQUAL(r[2].ns, 10000);
    CU_ASSERT_EQUAL(r[2].len, 64);
    CU_ASSERT_EQUAL(r[3].ns, 11070); /* 88 line bytes: 70.4 ns */
    CU_ASSERT_EQUAL(r[3].len, 64);
    /* a_out: only a's 64 B frame, not b's arriving one. */
    CU_ASSERT_EQUAL_FATAL(read_pcap(pc, r, 8), 1);
    CU_ASSERT_EQUAL(r[0].ns, 10000);
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: direction flags not checked\n");
        return;
    }
    char cmd[1400], out[1024];
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -T fields -E separator=';' -e frame.interface_name "
             "-e frame.packet_flags_direction -e frame.len 2>/dev/null",
             pa);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "a;0x00000002;200\na;0x00000001;300\n");
}

int suite_link(void)
{
    CU_pSuite s = test_suite("link");
    if (!s || !CU_add_test(s, "serialization exact to the ps, propagation", test_serialization_exact) ||
        !CU_add_test(s, "back-to-back FIFO delivery, full duplex, counters", test_back_to_back_fifo) ||
        !CU_add_test(s, "-EBUSY while serializing", test_busy_while_serializing) ||
        !CU_add_test(s, "cut: in-flight frames lost and traced, carrier after detect delay",
                     test_cut_loses_in_flight_and_reports_carrier) ||
        !CU_add_test(s, "cut and restore within the detect delay: nothing reported",
                     test_cut_restore_within_detect_delay) ||
        !CU_add_test(s, "administrative state", test_admin_state) ||
        !CU_add_test(s, "capture: out at tx start, in at delivery", test_capture_times_and_directions))
        return -1;
    return 0;
}
