/* test_iwarp: iWARP (RDMAP/DDP/MPA over the TCP model) between NIC +
 * ipstack hosts on one switch (test_ipfabric): CRC32c vectors and the
 * zero extension, FPDU geometry (RFC 5044 MULPDU, markers), WRITE goodput
 * on 25 Gb/s against the framing ceiling with every frame flagged RDMA
 * and carrying ND port 445 over TCP 5445, SEND and READ semantics with
 * work posted before RTS, incast into a lossy switch without DCB
 * (DCB-008: TCP retransmits, no PFC anywhere), flush on a dead path,
 * random loss both ways under a random mix of WRITE / SEND / READ from
 * both ends (32 seeds: completions in posting order with their sizes,
 * exact bytes at the targets, both ends closed after a disconnect), and
 * the capture as tshark dissects it (MPA, DDP/RDMAP, CRC). */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iwarp.h"
#include "link.h"
#include "pcapng.h"
#include "tcp.h"
#include "test_ipfabric.h"

#define RATE_25G 25000000000ull
#define CABLE (15 * SIM_NS)
#define ETH_LINE_OVERHEAD (PKT_ETH_HLEN + FRAME_ETH_OVERHEAD)
#define MAX_QP 8
#define MAX_WC 64

/* ---- an RDMA application ---- */

struct rapp {
    struct sim_engine *eng;
    int established, closed, closed_err;
    struct iwarp_wc wc[MAX_WC];
    int nwc;
    uint64_t done_bytes[IWARP_OP_COUNT];   /* requester completions */
    uint64_t remote_bytes[IWARP_OP_COUNT]; /* target completions */
    int failed;                            /* completions with an error */
    sim_time_t last_done;
};

static void rapp_established(void *ctx, struct iwarp_qp *qp)
{
    (void)qp;
    struct rapp *a = ctx;
    a->established++;
}

static void rapp_completion(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    (void)qp;
    struct rapp *a = ctx;
    if (a->nwc < MAX_WC)
        a->wc[a->nwc++] = *wc;
    if (wc->status)
        a->failed++;
    else if (wc->remote)
        a->remote_bytes[wc->op] += wc->bytes;
    else
        a->done_bytes[wc->op] += wc->bytes;
    a->last_done = wc->done;
}

static void rapp_closed(void *ctx, struct iwarp_qp *qp, int err)
{
    (void)qp;
    struct rapp *a = ctx;
    a->closed++;
    a->closed_err = err;
}

static const struct iwarp_callbacks rapp_cb = {
    .established = rapp_established,
    .completion = rapp_completion,
    .closed = rapp_closed,
};

/* The target: one application record per accepted QP. */
struct target {
    struct iwarp_qp *qp[MAX_QP];
    struct rapp app[MAX_QP];
    int n;
    struct sim_engine *eng;
};

static void target_accept(void *ctx, struct iwarp_listener *l, struct iwarp_qp *qp)
{
    (void)l;
    struct target *t = ctx;
    CU_ASSERT_FATAL(t->n < MAX_QP);
    t->app[t->n].eng = t->eng;
    t->qp[t->n] = qp;
    iwarp_set_callbacks(qp, &rapp_cb, &t->app[t->n]);
    t->n++;
}

/* Every frame of an iWARP connection: RDMA flag, ND port 445, TCP 5445. */
struct frame_check {
    uint64_t frames, bad;
};

static void check_rdma_frame(void *ctx, struct ipf_host *h, const struct frame *f,
                             const struct pkt_info *pi)
{
    (void)h;
    struct frame_check *c = ctx;
    if (!(pi->layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)))
        return; /* ARP comes from the host stack */
    c->frames++;
    if (!(f->flags & FRAME_F_RDMA) || f->nd_port != IWARP_SMBDIRECT_ND_PORT ||
        !(pi->layers & PKT_HAS_TCP) ||
        (pi->sport != IWARP_SMBDIRECT_TCP_PORT && pi->dport != IWARP_SMBDIRECT_TCP_PORT))
        c->bad++;
}

/* N initiators on hosts 1..n, the target on host 0. */
struct fabric {
    struct ipf net;
    struct ipf_host *tgt_host;
    struct ipf_host *ini_host[MAX_QP];
    struct iwarp_listener *lis;
    struct target tgt;
    struct iwarp_qp *qp[MAX_QP];
    struct rapp app[MAX_QP];
    int n;
};

static void fabric_init(struct fabric *f, int n, const struct switch_settings *ss,
                        const struct iwarp_settings *is)
{
    memset(f, 0, sizeof *f);
    ipf_init(&f->net, ss);
    f->n = n;
    f->tgt_host = ipf_host(&f->net, RATE_25G, CABLE);
    f->tgt.eng = f->net.eng;
    f->lis = iwarp_listen(f->net.eng, f->net.pool, f->tgt_host->stack, IWARP_SMBDIRECT_TCP_PORT,
                          is, target_accept, &f->tgt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->lis);
    for (int i = 0; i < n; i++) {
        f->ini_host[i] = ipf_host(&f->net, RATE_25G, CABLE);
        f->app[i].eng = f->net.eng;
        f->qp[i] = iwarp_connect(f->net.eng, f->net.pool, f->ini_host[i]->stack, is, 4,
                                 f->tgt_host->ip, IWARP_SMBDIRECT_TCP_PORT, &rapp_cb, &f->app[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f->qp[i]);
    }
}

static void fabric_free(struct fabric *f)
{
    for (int i = 0; i < f->n; i++)
        iwarp_qp_destroy(f->qp[i]);
    iwarp_listener_destroy(f->lis);
    ipf_free(&f->net);
}

static double gbps(uint64_t bytes, sim_time_t t)
{
    return t ? (double)bytes * 8.0 / ((double)t / (double)SIM_S) / 1e9 : 0.0;
}

/* ---- tests ---- */

static void test_crc32c(void)
{
    /* the check value of CRC-32C, and RFC 3720 B.4's 32 zero bytes */
    CU_ASSERT_EQUAL(iwarp_crc32c((const uint8_t *)"123456789", 9, 0), 0xE3069283u);
    uint8_t z[64] = {0};
    CU_ASSERT_EQUAL(iwarp_crc32c(z, 32, 0), 0x8A9136AAu);
    CU_ASSERT_EQUAL(iwarp_crc32c(NULL, 0, 32), 0x8A9136AAu);
    /* bytes + virtual zeros == the same bytes with the zeros written out */
    uint8_t buf[3000];
    uint32_t x = 12345;
    for (int trial = 0; trial < 50; trial++) {
        size_t n = (size_t)(trial % 48);
        size_t zeros = (size_t)(trial * 61) % 2900;
        memset(buf, 0, sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        CU_ASSERT_EQUAL(iwarp_crc32c(buf, n, zeros), iwarp_crc32c(buf, n + zeros, 0));
    }
}

static void test_fpdu_geometry(void)
{
    CU_ASSERT_EQUAL(iwarp_mulpdu(1460, 0), 1454);
    CU_ASSERT_EQUAL(iwarp_mulpdu(1448, 0), 1442);
    CU_ASSERT_EQUAL(iwarp_mulpdu(1461, 0), 1454); /* EMSS mod 4 */
    CU_ASSERT_EQUAL(iwarp_mulpdu(8960, 0), 8954);
    CU_ASSERT_EQUAL(iwarp_mulpdu(1460, 1), 1442); /* 3 markers */
    CU_ASSERT_EQUAL(iwarp_fpdu_bytes(1454, 0), 1460);
    CU_ASSERT_EQUAL(iwarp_fpdu_bytes(1442, 1), 1460);
    CU_ASSERT_EQUAL(iwarp_fpdu_bytes(14, 0), 20);          /* an empty WRITE FPDU */
    CU_ASSERT_EQUAL(iwarp_fpdu_bytes(15, 0), 24);          /* padded to 4 */
    CU_ASSERT_EQUAL(iwarp_fpdu_bytes(18 + 28, 0), 52);     /* a READ Request */
    /* WRITE payload per FPDU at EMSS 1460: 1440; SEND: 1436 */
    CU_ASSERT_EQUAL(iwarp_mulpdu(1460, 0) - IWARP_DDP_TAGGED_HDR, 1440);
    CU_ASSERT_EQUAL(iwarp_mulpdu(1460, 0) - IWARP_DDP_UNTAGGED_HDR, 1436);
    /* every full FPDU fits the EMSS, with and without markers */
    for (uint32_t e = 536; e <= 9000; e += 7)
        for (int m = 0; m <= 1; m++)
            CU_ASSERT(iwarp_fpdu_bytes(iwarp_mulpdu(e, m), m) <= e);
}

/* One QP, RDMA WRITE of 64 MiB on a 25 Gb/s path: goodput >= 95 % of the
 * ceiling 1440 / (1460 + 40 + 38) x 25 Gb/s; every frame flagged RDMA with
 * ND port 445 on TCP 5445. */
static void test_write_goodput(void)
{
    struct fabric f;
    fabric_init(&f, 1, NULL, NULL);
    struct frame_check chk = {0};
    f.ini_host[0]->observe = check_rdma_frame;
    f.ini_host[0]->observe_ctx = &chk;
    f.tgt_host->observe = check_rdma_frame;
    f.tgt_host->observe_ctx = &chk;
    const uint64_t bytes = 64ull << 20;
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_WRITE, bytes, 7), 0);
    sim_run_until(f.net.eng, 100 * SIM_MS);
    CU_ASSERT_EQUAL(f.app[0].established, 1);
    CU_ASSERT_EQUAL(f.tgt.n, 1);
    CU_ASSERT_EQUAL(f.tgt.app[0].established, 1);
    CU_ASSERT_EQUAL(f.app[0].done_bytes[IWARP_OP_WRITE], bytes);
    CU_ASSERT_EQUAL(f.tgt.app[0].remote_bytes[IWARP_OP_WRITE], bytes);
    CU_ASSERT_EQUAL_FATAL(f.tgt.app[0].nwc, 1);
    CU_ASSERT_EQUAL(f.app[0].wc[0].wr_id, 7);
    CU_ASSERT_EQUAL(iwarp_outstanding(f.qp[0]), 0);
    const struct iwarp_stats *st = iwarp_stats(f.qp[0]);
    const struct iwarp_stats *tt = iwarp_stats(f.tgt.qp[0]);
    uint64_t fpdus = (bytes + 1439) / 1440;
    CU_ASSERT_EQUAL(st->fpdus_tx, fpdus);
    CU_ASSERT_EQUAL(tt->fpdus_rx, fpdus);
    CU_ASSERT_EQUAL(tt->payload_rx, bytes);
    CU_ASSERT_EQUAL(tt->rx_errors, 0);
    CU_ASSERT_EQUAL(st->mpa_setup_tx, 24);
    CU_ASSERT_EQUAL(tt->mpa_setup_tx, 24);
    /* per FPDU: length 2 + DDP/RDMAP 14 + CRC 4 (+ the last one's pad) */
    uint32_t last = (uint32_t)(bytes - (fpdus - 1) * 1440);
    CU_ASSERT_EQUAL(st->framing_tx, (fpdus - 1) * 20 + (iwarp_fpdu_bytes(14 + last, 0) - last));
    /* the TCP stream is exactly MPA setup + FPDUs, one FPDU per segment */
    const struct tcp_stats *ts = tcp_stats(iwarp_tcp(f.qp[0]));
    CU_ASSERT_EQUAL(ts->bytes_queued, 24 + bytes + st->framing_tx);
    CU_ASSERT_EQUAL(ts->data_segs_sent, fpdus + 1);
    CU_ASSERT_EQUAL(ts->retrans_segs, 0);
    CU_ASSERT(chk.frames > fpdus);
    CU_ASSERT_EQUAL(chk.bad, 0);
    const struct iwarp_wc *wc = &f.tgt.app[0].wc[0];
    double g = gbps(bytes, wc->done - st->t_rts);
    double ceiling = (double)RATE_25G / 1e9 * 1440.0 / (1460 + 40 + ETH_LINE_OVERHEAD);
    printf("\n    WRITE %llu bytes: %llu FPDUs, %llu framing bytes; goodput %.3f Gb/s, "
           "ceiling %.3f Gb/s (%.1f %%); %llu frames checked: RDMA, ND 445, TCP 5445\n",
           (unsigned long long)bytes, (unsigned long long)st->fpdus_tx,
           (unsigned long long)st->framing_tx, g, ceiling, 100 * g / ceiling,
           (unsigned long long)chk.frames);
    CU_ASSERT(g >= 0.95 * ceiling);
    fabric_free(&f);
}

/* SENDs and READs in both directions, posted before the connection is
 * up (they wait for RTS), of sizes around the FPDU payload. */
static void test_send_read(void)
{
    struct fabric f;
    fabric_init(&f, 1, NULL, NULL);
    static const uint64_t sends[] = {0, 1, 1436, 1437, 100000};
    static const uint64_t reads[] = {1, 4096, 1u << 20};
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_SEND, sends[i], 100 + i), 0);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_READ, reads[i], 200 + i), 0);
    CU_ASSERT_EQUAL(iwarp_outstanding(f.qp[0]), 8);
    CU_ASSERT_FALSE(iwarp_is_rts(f.qp[0]));
    sim_run_until(f.net.eng, 10 * SIM_MS);
    CU_ASSERT_TRUE(iwarp_is_rts(f.qp[0]));
    CU_ASSERT_EQUAL_FATAL(f.tgt.n, 1);
    struct rapp *ini = &f.app[0], *tgt = &f.tgt.app[0];
    CU_ASSERT_EQUAL(ini->failed + tgt->failed, 0);
    CU_ASSERT_EQUAL(iwarp_outstanding(f.qp[0]), 0);
    /* requester: sends in order, then reads in order */
    CU_ASSERT_EQUAL_FATAL(ini->nwc, 8);
    uint64_t send_total = 0, read_total = 0;
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(ini->wc[i].op, IWARP_OP_SEND);
        CU_ASSERT_EQUAL(ini->wc[i].wr_id, 100u + (unsigned)i);
        CU_ASSERT_EQUAL(ini->wc[i].bytes, sends[i]);
        send_total += sends[i];
    }
    int r = 0;
    for (int i = 0; i < 8; i++) {
        if (ini->wc[i].op != IWARP_OP_READ)
            continue;
        CU_ASSERT_EQUAL(ini->wc[i].wr_id, 200u + (unsigned)r);
        CU_ASSERT_EQUAL(ini->wc[i].bytes, reads[r]);
        CU_ASSERT_EQUAL(ini->wc[i].remote, 0);
        read_total += reads[r];
        r++;
    }
    CU_ASSERT_EQUAL(r, 3);
    /* target: every send received with its size, every read served */
    CU_ASSERT_EQUAL(tgt->remote_bytes[IWARP_OP_SEND], send_total);
    int s = 0;
    for (int i = 0; i < tgt->nwc; i++)
        if (tgt->wc[i].op == IWARP_OP_SEND)
            CU_ASSERT_EQUAL(tgt->wc[i].bytes, sends[s++]);
    CU_ASSERT_EQUAL(s, 5);
    const struct iwarp_stats *it = iwarp_stats(f.qp[0]), *tt = iwarp_stats(f.tgt.qp[0]);
    CU_ASSERT_EQUAL(it->completed[IWARP_OP_SEND], 5);
    CU_ASSERT_EQUAL(it->completed[IWARP_OP_READ], 3);
    CU_ASSERT_EQUAL(tt->remote_completed[IWARP_OP_SEND], 5);
    CU_ASSERT_EQUAL(it->payload_rx, read_total); /* READ responses flow back */
    CU_ASSERT_EQUAL(tt->payload_tx, read_total);
    CU_ASSERT_EQUAL(it->rx_errors + tt->rx_errors, 0);
    /* the 1437-byte SEND takes two FPDUs */
    CU_ASSERT_EQUAL(it->fpdus_tx, 1 + 1 + 1 + 2 + (100000 + 1435) / 1436 + 3);

    /* the target sends back over the same QP */
    CU_ASSERT_EQUAL(iwarp_post(f.tgt.qp[0], IWARP_OP_SEND, 5000, 9), 0);
    CU_ASSERT_EQUAL(iwarp_post(f.tgt.qp[0], IWARP_OP_WRITE, 70000, 10), 0);
    sim_run_until(f.net.eng, 20 * SIM_MS);
    CU_ASSERT_EQUAL(ini->remote_bytes[IWARP_OP_SEND], 5000);
    CU_ASSERT_EQUAL(ini->remote_bytes[IWARP_OP_WRITE], 70000);
    CU_ASSERT_EQUAL(tgt->done_bytes[IWARP_OP_SEND], 5000);
    CU_ASSERT_EQUAL(tgt->done_bytes[IWARP_OP_WRITE], 70000);
    /* READs served: their responses acknowledged (the last ACK a delayed one) */
    CU_ASSERT_EQUAL(tgt->remote_bytes[IWARP_OP_READ], read_total);
    CU_ASSERT_EQUAL(tt->remote_completed[IWARP_OP_READ], 3);

    /* orderly disconnect */
    CU_ASSERT_EQUAL(iwarp_disconnect(f.qp[0]), 0);
    CU_ASSERT_EQUAL(iwarp_disconnect(f.tgt.qp[0]), 0);
    sim_run_until(f.net.eng, 300 * SIM_S);
    CU_ASSERT_EQUAL(ini->closed, 1);
    CU_ASSERT_EQUAL(ini->closed_err, 0);
    CU_ASSERT_EQUAL(tgt->closed, 1);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_SEND, 1, 1), -ENOTCONN);
    fabric_free(&f);
}

/* DCB-008: four initiators WRITE into one target port of a switch whose
 * lossy queue holds 100 KB, no PFC configured anywhere: the switch drops,
 * TCP retransmits, every transfer completes, no PFC frame is sent. */
static void test_incast_no_pfc(void)
{
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", IPF_MAX);
    ss.lossy_mode = SWITCH_THRESH_STATIC;
    ss.lossy_limit = 100 * 1000;
    struct fabric f;
    const int n = 4;
    fabric_init(&f, n, &ss, NULL);
    const uint64_t bytes = 16ull << 20;
    for (int i = 0; i < n; i++)
        CU_ASSERT_EQUAL(iwarp_post(f.qp[i], IWARP_OP_WRITE, bytes, (uint64_t)i), 0);
    sim_run_until(f.net.eng, 2 * SIM_S);
    CU_ASSERT_EQUAL_FATAL(f.tgt.n, n);
    uint64_t retrans = 0, timeouts = 0, fast = 0;
    sim_time_t last = 0;
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(f.app[i].done_bytes[IWARP_OP_WRITE], bytes);
        CU_ASSERT_EQUAL(f.app[i].failed, 0);
        CU_ASSERT_EQUAL(f.tgt.app[i].remote_bytes[IWARP_OP_WRITE], bytes);
        CU_ASSERT_EQUAL(iwarp_stats(f.tgt.qp[i])->rx_errors, 0);
        const struct tcp_stats *ts = tcp_stats(iwarp_tcp(f.qp[i]));
        retrans += ts->retrans_segs;
        timeouts += ts->timeouts;
        fast += ts->recoveries;
        if (f.tgt.app[i].last_done > last)
            last = f.tgt.app[i].last_done;
    }
    const struct switch_port_counters *pc = switch_port_counters(f.net.sw, 1);
    uint64_t drops = pc->drops[TRACE_DROP_LOSSY_QUEUE_FULL];
    uint64_t pfc_rx = 0;
    for (int i = 0; i <= n; i++)
        for (uint8_t p = 0; p < 8; p++)
            pfc_rx += nic_counters(f.net.host[i].nic, p)->pfc_rx;
    printf("\n    %d x %llu bytes into one 25 Gb/s port: %llu switch drops, %llu TCP "
           "retransmissions (%llu fast recoveries, %llu timeouts), all done at %.2f ms "
           "(aggregate %.2f Gb/s); PFC frames %llu\n",
           n, (unsigned long long)bytes, (unsigned long long)drops, (unsigned long long)retrans,
           (unsigned long long)fast, (unsigned long long)timeouts, (double)last / SIM_MS,
           gbps(n * bytes, last), (unsigned long long)(ipf_pfc_frames(&f.net) + pfc_rx));
    CU_ASSERT(drops > 0);
    CU_ASSERT(retrans > 0);
    CU_ASSERT_EQUAL(ipf_pfc_frames(&f.net), 0);
    CU_ASSERT_EQUAL(pfc_rx, 0);
    fabric_free(&f);
}

static void link_cut_ev(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    link_cut(ctx);
}

/* The target's cable is cut for good: TCP gives up after its retries and
 * the QP flushes what was outstanding with -ETIMEDOUT. */
static void test_flush_on_dead_path(void)
{
    struct fabric f;
    fabric_init(&f, 1, NULL, NULL);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_WRITE, 64u << 20, 1), 0);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_READ, 4096, 2), 0);
    sim_schedule_at(f.net.eng, 1 * SIM_MS, link_cut_ev, f.tgt_host->link, NULL);
    sim_run_until(f.net.eng, 5 * SIM_S);
    struct rapp *a = &f.app[0];
    CU_ASSERT_EQUAL(a->closed, 1);
    CU_ASSERT_EQUAL(a->closed_err, -ETIMEDOUT);
    CU_ASSERT_EQUAL(a->failed, 2);
    CU_ASSERT_EQUAL_FATAL(a->nwc, 2);
    CU_ASSERT_EQUAL(a->wc[0].status, -ETIMEDOUT);
    CU_ASSERT_EQUAL(a->wc[0].wr_id, 1);
    CU_ASSERT_EQUAL(a->wc[1].wr_id, 2);
    CU_ASSERT_EQUAL(iwarp_stats(f.qp[0])->flushed, 2);
    CU_ASSERT_EQUAL(iwarp_outstanding(f.qp[0]), 0);
    fabric_free(&f);
}

/* Markers on: MULPDU 1442 at EMSS 1460, 1428 WRITE bytes per FPDU. */
static void test_markers(void)
{
    struct iwarp_settings is;
    iwarp_settings_default(&is);
    is.markers = 1;
    struct fabric f;
    fabric_init(&f, 1, NULL, &is);
    const uint64_t bytes = 1428 * 100;
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_WRITE, bytes, 1), 0);
    sim_run_until(f.net.eng, 30 * SIM_MS); /* the last ACK is a delayed one */
    CU_ASSERT_EQUAL(f.app[0].done_bytes[IWARP_OP_WRITE], bytes);
    CU_ASSERT_EQUAL(f.tgt.app[0].remote_bytes[IWARP_OP_WRITE], bytes);
    const struct iwarp_stats *st = iwarp_stats(f.qp[0]);
    CU_ASSERT_EQUAL(st->fpdus_tx, 100);
    CU_ASSERT_EQUAL(st->framing_tx, 100 * (1460 - 1428));
    CU_ASSERT_EQUAL(iwarp_stats(f.tgt.qp[0])->rx_errors, 0);
    fabric_free(&f);
}

#define TSHARK_OUT_MAX (8u << 20)

/* A capture of the setup, a WRITE, a SEND, a READ and the close, at the
 * initiator's cable: tshark dissects MPA Request/Reply and DDP/RDMAP with
 * good CRCs and reports nothing malformed. */
static void test_tshark_decode(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: decode check skipped\n");
        return;
    }
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/iwarp.pcapng", dir);
    struct fabric f;
    fabric_init(&f, 1, NULL, NULL);
    struct pcapng_writer *w = pcapng_open(path, NULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    link_capture(f.ini_host[0]->link, 0, w, pcapng_add_interface(w, "h1/eth0", 0));
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_WRITE, 5000, 1), 0);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_SEND, 3000, 2), 0);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_READ, 4000, 3), 0);
    sim_run_until(f.net.eng, 1 * SIM_MS);
    CU_ASSERT_EQUAL(f.app[0].nwc, 3);
    CU_ASSERT_EQUAL(iwarp_disconnect(f.qp[0]), 0);
    CU_ASSERT_EQUAL(iwarp_disconnect(f.tgt.qp[0]), 0);
    sim_run_until(f.net.eng, 10 * SIM_MS);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    fabric_free(&f);

    /* Wireshark gives TCP 5445 (IANA "smbdirect", [MS-SMBD] 1.9) to its
     * ActiveMQ Artemis dissector, which would claim the segments before
     * the MPA heuristic sees them. */
    char *out = test_tshark_clean(path,
                                  "-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
                                  "--disable-protocol artemis",
                                  TSHARK_OUT_MAX);
    CU_ASSERT_PTR_NULL(strstr(out, "Bad CRC"));
    static const char *const expect[] = {
        "iWARP Marker Protocol data unit Aligned framing",
        "Request frame header",
        "Reply frame header",
        "Revision: 2",
        "iWARP Direct Data Placement and Remote Direct Memory Access Protocol",
        "OpCode: Write (0x0)",
        "OpCode: Send (0x3)",
        "OpCode: Read Request (0x1)",
        "OpCode: Read Response (0x2)",
        "RDMA Read Message Size: 4000 bytes",
        "Data Sink STag: 0x00000200",
        "ULPDU length: 1454 bytes",
        "[Checksum Status: Good]",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (!strstr(out, expect[i]))
            fprintf(stderr, "tshark output lacks \"%s\"\n", expect[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, expect[i]));
    }
    /* every FPDU's CRC checks: WRITE 4, SEND 3, READ Request 1, Response 3 */
    int good = 0;
    for (const char *q = out; (q = strstr(q, "(Good CRC32)")) != NULL; q++)
        good++;
    printf("\n    %d FPDUs with a good CRC32c\n", good);
    CU_ASSERT_EQUAL(good, 11);
    free(out);
}

/* iwarp_disconnect right after iwarp_connect, before RTS: the work posted
 * first still goes (SEND, WRITE), then both ends close without error (the
 * FIN once went ahead of the work, which then could not be sent; nor did
 * the target close its side). */
static void test_disconnect_before_rts(void)
{
    struct fabric f;
    fabric_init(&f, 1, NULL, NULL);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_SEND, 3000, 1), 0);
    CU_ASSERT_EQUAL(iwarp_post(f.qp[0], IWARP_OP_WRITE, 50000, 2), 0);
    CU_ASSERT_FALSE(iwarp_is_rts(f.qp[0]));
    CU_ASSERT_EQUAL(iwarp_disconnect(f.qp[0]), 0);
    sim_run_until(f.net.eng, 5 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(f.tgt.n, 1);
    CU_ASSERT_EQUAL(f.app[0].nwc, 2);
    CU_ASSERT_EQUAL(f.app[0].failed, 0);
    CU_ASSERT_EQUAL(f.app[0].done_bytes[IWARP_OP_SEND], 3000);
    CU_ASSERT_EQUAL(f.app[0].done_bytes[IWARP_OP_WRITE], 50000);
    CU_ASSERT_EQUAL(f.tgt.app[0].remote_bytes[IWARP_OP_SEND], 3000);
    CU_ASSERT_EQUAL(f.tgt.app[0].remote_bytes[IWARP_OP_WRITE], 50000);
    /* the initiator's FIN was answered: it waits in TIME_WAIT (120 s) */
    CU_ASSERT_EQUAL(tcp_state(iwarp_tcp(f.qp[0])), TCP_TIME_WAIT);
    CU_ASSERT_EQUAL(f.tgt.app[0].closed, 1); /* the target closed its side too */
    CU_ASSERT_EQUAL(f.tgt.app[0].closed_err, 0);
    fabric_free(&f);
}

/* ---- request/response from the completion handler ---- */

struct rr_app {
    struct iwarp_qp *qp;
    int server;
    int done, responses;   /* client: requests completed, responses received */
    uint64_t response;     /* server: bytes to answer each request with */
    sim_time_t last;
    struct sim_engine *eng;
};

static void rr_completion(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    struct rr_app *a = ctx;
    if (wc->status)
        return;
    if (a->server) {
        if (wc->remote && wc->op == IWARP_OP_SEND)
            CU_ASSERT_EQUAL(iwarp_post(qp, IWARP_OP_SEND, a->response, 0), 0);
        return;
    }
    if (!wc->remote)
        a->done++;
    else
        a->responses++;
    /* A transaction ends when the request completed and its answer came
     * (as traffic's rr flows count it); then the next one. */
    if (a->done == a->responses && a->done < 50) {
        a->last = sim_now(a->eng);
        CU_ASSERT_EQUAL(iwarp_post(qp, IWARP_OP_SEND, 300, (uint64_t)a->done), 0);
    } else if (a->done == 50 && a->responses == 50) {
        a->last = sim_now(a->eng);
    }
}

static const struct iwarp_callbacks rr_cb = {.completion = rr_completion};

static void rr_accept(void *ctx, struct iwarp_listener *l, struct iwarp_qp *qp)
{
    (void)l;
    struct rr_app *a = ctx;
    a->qp = qp;
    iwarp_set_callbacks(qp, &rr_cb, a);
}

/* 50 request/response transactions in a closed loop, each 300-byte SEND
 * answered from the target's completion handler with an 8 KB SEND (within
 * the initial window: all of it leaves from the handler).  The answer's
 * segments acknowledge the request (the upper layer sees a segment only
 * once TCP has taken it), so the request completes with its answer; with
 * a stale ACK it waited for the 10 ms delayed ACK (4 transactions in
 * 50 ms instead of 50 in 0.18 ms). */
static void test_rr_from_handler(void)
{
    struct ipf net;
    ipf_init(&net, NULL);
    struct ipf_host *th = ipf_host(&net, RATE_25G, CABLE), *ih = ipf_host(&net, RATE_25G, CABLE);
    struct rr_app srv = {.server = 1, .response = 8000, .eng = net.eng};
    struct rr_app cli = {.eng = net.eng};
    struct iwarp_listener *lis = iwarp_listen(net.eng, net.pool, th->stack,
                                              IWARP_SMBDIRECT_TCP_PORT, NULL, rr_accept, &srv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lis);
    cli.qp = iwarp_connect(net.eng, net.pool, ih->stack, NULL, 4, th->ip,
                           IWARP_SMBDIRECT_TCP_PORT, &rr_cb, &cli);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cli.qp);
    CU_ASSERT_EQUAL(iwarp_post(cli.qp, IWARP_OP_SEND, 300, 0), 0);
    sim_run_until(net.eng, 50 * SIM_MS);
    printf("\n    50 transactions (300 B, 8 KB answer) in %.3f ms\n",
           (double)cli.last / SIM_MS);
    CU_ASSERT_EQUAL(cli.responses, 50);
    CU_ASSERT_EQUAL(cli.done, 50);
    CU_ASSERT(cli.last < 5 * SIM_MS);
    iwarp_qp_destroy(cli.qp);
    iwarp_listener_destroy(lis);
    ipf_free(&net);
}

/* ---- random loss soak ---- */

#define SOAK_INI 60 /* work requests the initiator posts */
#define SOAK_TGT 30 /* ... and the target, over the same QP */

struct soak_side {
    struct iwarp_qp *qp;
    int posted, done, bad;       /* requester completions; bad: out of order, error, size */
    uint64_t wr_base;
    enum iwarp_op op[SOAK_INI];
    uint64_t len[SOAK_INI];
    uint64_t remote[IWARP_OP_COUNT]; /* target-side completions' bytes */
    uint64_t remote_want[IWARP_OP_COUNT];
    int established, closed, closed_err;
};

static void soak_established(void *ctx, struct iwarp_qp *qp)
{
    (void)qp;
    ((struct soak_side *)ctx)->established++;
}

static void soak_completion(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc)
{
    (void)qp;
    struct soak_side *s = ctx;
    if (wc->remote) {
        s->remote[wc->op] += wc->bytes;
        s->bad += wc->status != 0;
        return;
    }
    int k = s->done++;
    if (k >= s->posted || wc->status || wc->wr_id != s->wr_base + (uint64_t)k ||
        wc->op != s->op[k] || wc->bytes != s->len[k])
        s->bad++;
}

static void soak_closed(void *ctx, struct iwarp_qp *qp, int err)
{
    (void)qp;
    struct soak_side *s = ctx;
    s->closed++;
    s->closed_err = err;
}

static const struct iwarp_callbacks soak_cb = {
    .established = soak_established,
    .completion = soak_completion,
    .closed = soak_closed,
};

static void soak_accept(void *ctx, struct iwarp_listener *l, struct iwarp_qp *qp)
{
    (void)l;
    struct soak_side *s = ctx;
    s->qp = qp;
    iwarp_set_callbacks(qp, &soak_cb, s);
}

/* Posts n random work requests (WRITE, SEND, READ; 0 bytes, around an
 * FPDU, or up to 200 KB; 20 READs in a row, more than IRD) from `from`;
 * the peer's target-side bytes are expected in `to`. */
static void soak_post(struct soak_side *from, struct soak_side *to, int n, struct sim_rng *r)
{
    for (int k = 0; k < n; k++) {
        enum iwarp_op op = k >= 10 && k < 30 ? IWARP_OP_READ : (enum iwarp_op)sim_rng_below(r, 3);
        uint64_t len;
        switch (sim_rng_below(r, 4)) {
        case 0:
            len = sim_rng_below(r, 2) ? 0 : 1 + sim_rng_below(r, 64);
            break;
        case 1:
            len = 1430 + sim_rng_below(r, 16);
            break;
        default:
            len = 1 + sim_rng_below(r, 200 * 1024);
        }
        from->op[from->posted] = op;
        from->len[from->posted] = len;
        CU_ASSERT_EQUAL(iwarp_post(from->qp, op, len, from->wr_base + (uint64_t)from->posted), 0);
        from->posted++;
        to->remote_want[op] += len;
    }
}

/* One seed: SOAK_INI requests from the initiator, then SOAK_TGT from the
 * target over the same QP, while 1 in `per` TCP segments is lost each
 * way; then the initiator disconnects.  Every request completes in order
 * with its size and no error, each target sees exactly the bytes of the
 * other's requests, no FPDU fails to parse, and both ends close with 0. */
static int soak_iwarp_one(uint64_t seed, uint64_t per, uint64_t *dropped, uint64_t *retrans)
{
    struct sim_rng r;
    sim_rng_init(&r, seed, "iwarp-soak");
    struct iwarp_settings is;
    iwarp_settings_default(&is);
    is.markers = (uint8_t)sim_rng_below(&r, 2);
    is.tcp.mtu = sim_rng_below(&r, 4) ? 1500 : 9000;
    is.tcp.cc = sim_rng_below(&r, 2) ? TCP_CC_CUBIC : TCP_CC_NEWRENO;
    is.tcp.sack_ok = (uint8_t)sim_rng_below(&r, 2);
    is.tcp.timestamps = (uint8_t)sim_rng_below(&r, 2);
    ipf_lossy_tcp(&is.tcp);
    struct ipf net;
    ipf_init(&net, NULL);
    struct ipf_host *th = ipf_host(&net, RATE_25G, CABLE), *ih = ipf_host(&net, RATE_25G, CABLE);
    struct soak_side ini = {.wr_base = 1000}, tgt = {.wr_base = 5000};
    struct iwarp_listener *lis = iwarp_listen(net.eng, net.pool, th->stack,
                                              IWARP_SMBDIRECT_TCP_PORT, &is, soak_accept, &tgt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lis);
    ini.qp = iwarp_connect(net.eng, net.pool, ih->stack, &is, 4, th->ip,
                           IWARP_SMBDIRECT_TCP_PORT, &soak_cb, &ini);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini.qp);
    struct ipf_loss la, lb;
    ipf_lose_tcp(ih, &la, seed, "iwarp-soak-a", per);
    ipf_lose_tcp(th, &lb, seed, "iwarp-soak-b", per);
    soak_post(&ini, &tgt, SOAK_INI, &r); /* before RTS: they wait */
    const sim_time_t limit = 600 * SIM_S;
    while (!tgt.established && sim_now(net.eng) < limit)
        sim_run_until(net.eng, sim_now(net.eng) + SIM_MS);
    if (tgt.established)
        soak_post(&tgt, &ini, SOAK_TGT, &r);
    while ((ini.done < ini.posted || tgt.done < tgt.posted) && !ini.closed &&
           sim_now(net.eng) < limit)
        sim_run_until(net.eng, sim_now(net.eng) + SIM_MS);
    CU_ASSERT_EQUAL(iwarp_disconnect(ini.qp), 0);
    while (!(ini.closed && tgt.closed) && sim_now(net.eng) < limit)
        sim_run_until(net.eng, sim_now(net.eng) + 10 * SIM_MS);
    const struct iwarp_stats *is_ = iwarp_stats(ini.qp);
    const struct iwarp_stats *ts_ = tgt.qp ? iwarp_stats(tgt.qp) : NULL;
    int ok = tgt.qp && ini.done == SOAK_INI && tgt.done == SOAK_TGT && !ini.bad && !tgt.bad &&
             ini.closed == 1 && tgt.closed == 1 && !ini.closed_err && !tgt.closed_err &&
             !is_->rx_errors && !ts_->rx_errors;
    for (int op = 0; op < IWARP_OP_COUNT; op++)
        ok = ok && ini.remote[op] == ini.remote_want[op] && tgt.remote[op] == tgt.remote_want[op];
    if (!ok)
        fprintf(stderr,
                "\n    seed %llu 1/%llu (markers %d mtu %u): initiator %d/%d done, %d bad, "
                "closed %d err %d; target %d/%d done, %d bad, closed %d err %d; WRITE/SEND/READ "
                "bytes at the target %llu/%llu %llu/%llu %llu/%llu",
                (unsigned long long)seed, (unsigned long long)per, is.markers, is.tcp.mtu,
                ini.done, SOAK_INI, ini.bad, ini.closed, ini.closed_err, tgt.done, SOAK_TGT,
                tgt.bad, tgt.closed, tgt.closed_err, (unsigned long long)tgt.remote[0],
                (unsigned long long)tgt.remote_want[0], (unsigned long long)tgt.remote[1],
                (unsigned long long)tgt.remote_want[1], (unsigned long long)tgt.remote[2],
                (unsigned long long)tgt.remote_want[2]);
    *dropped += ih->hook_drops + th->hook_drops;
    *retrans += tcp_stats(iwarp_tcp(ini.qp))->retrans_segs;
    if (tgt.qp)
        *retrans += tcp_stats(iwarp_tcp(tgt.qp))->retrans_segs;
    iwarp_qp_destroy(ini.qp);
    iwarp_listener_destroy(lis);
    ipf_free(&net);
    return ok;
}

/* 24 seeds with 1 in 50 segments lost each way, 4 with 1 in 10, 4 without. */
static void test_random_loss_soak(void)
{
    int clean = 0;
    uint64_t dropped = 0, retrans = 0;
    const int n = 32;
    for (int i = 1; i <= n; i++)
        clean += soak_iwarp_one((uint64_t)i, i <= 24 ? 50 : i <= 28 ? 10 : UINT64_MAX, &dropped,
                                &retrans);
    printf("\n    %d of %d seeds clean; %llu segments dropped, %llu resent\n", clean, n,
           (unsigned long long)dropped, (unsigned long long)retrans);
    CU_ASSERT_EQUAL(clean, n);
    CU_ASSERT(dropped > 0 && retrans > 0);
}

int suite_iwarp(void)
{
    CU_pSuite s = test_suite("iwarp");
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"crc32c", test_crc32c},
        {"fpdu_geometry", test_fpdu_geometry},
        {"write_goodput", test_write_goodput},
        {"send_read", test_send_read},
        {"incast_no_pfc", test_incast_no_pfc},
        {"flush_on_dead_path", test_flush_on_dead_path},
        {"markers", test_markers},
        {"disconnect_before_rts", test_disconnect_before_rts},
        {"rr_from_handler", test_rr_from_handler},
        {"random_loss_soak", test_random_loss_soak},
        {"tshark_decode", test_tshark_decode},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
