/* test_roce: the RoCEv2 RC transport: CM connection setup, WRITE / SEND /
 * READ segmentation by path MTU (opcodes, RETH, AETH, A bit) checked in
 * captured bytes, ACK coalescing, NAK and go-back-N / go-back-0 after an
 * injected loss, READ-response loss, the local ACK timeout, the retry
 * limit (QP to error, TRACE_QP_ERROR), more READs than max_rd_atomic,
 * random loss in both directions over a mix of 90 WRITE / SEND / READ
 * requests (32 seeds, go-back-N and go-back-0; every request completes,
 * bytes exact), tshark decoding with ICRC checked
 * by pkt_roce_icrc_check, and the 8:1 incast of DCB-005 (priority 3 with
 * PFC: lossless) against DCB-004 (untagged vNICs: drops, go-back-N and a
 * goodput collapse), and the QPs' header templates against
 * pkt_roce_build() on every frame across a TTL change.  roce_qp_check()
 * runs after every completion. */
#include "test_util.h"

#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "ipstack.h"
#include "pkt.h"
#include "pkt_roce.h"
#include "roce.h"
#include "sim_rng.h"
#include "test_rdma_fixture.h"

#define MAX_WC 256

struct app {
    struct roce_qp *qp;
    int established;
    int nwc;
    struct roce_wc wc[MAX_WC];
    int recvs;
    uint64_t recv_bytes;
    int errors;
    enum roce_qp_err why;
    int check_failures;
};

static void app_established(void *ctx, struct roce_qp *qp)
{
    struct app *a = ctx;
    a->qp = qp;
    a->established++;
}

static void app_completion(void *ctx, struct roce_qp *qp, const struct roce_wc *wc)
{
    struct app *a = ctx;
    if (a->nwc < MAX_WC)
        a->wc[a->nwc] = *wc;
    a->nwc++;
    if (roce_qp_check(qp) != 0)
        a->check_failures++;
}

static void app_recv(void *ctx, struct roce_qp *qp, uint32_t bytes)
{
    (void)qp;
    struct app *a = ctx;
    a->recvs++;
    a->recv_bytes += bytes;
}

static void app_error(void *ctx, struct roce_qp *qp, enum roce_qp_err why)
{
    struct app *a = ctx;
    a->errors++;
    a->why = why;
    if (roce_qp_check(qp) != 0)
        a->check_failures++;
}

static const struct roce_qp_ops app_ops = {
    .established = app_established,
    .completion = app_completion,
    .recv = app_recv,
    .error = app_error,
};

static struct roce_qp *app_accept(void *ctx, struct roce_dev *dev, const struct roce_conn_req *req)
{
    (void)req;
    struct app *a = ctx;
    struct roce_qp_settings qs = {.nd_port = 445, .ops = &app_ops, .ctx = a};
    a->qp = roce_qp_create(dev, &qs);
    return a->qp;
}

/* Connects a -> b (b listening on 445) and runs until established. */
static void connect_pair(struct rf *rf, struct rf_ep *a, struct rf_ep *b, struct app *ca,
                         struct app *sb)
{
    CU_ASSERT_EQUAL_FATAL(roce_listen(b->dev, 445, app_accept, sb), 0);
    struct roce_qp_settings qs = {.nd_port = 445, .ops = &app_ops, .ctx = ca};
    ca->qp = roce_qp_create(a->dev, &qs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ca->qp);
    CU_ASSERT_EQUAL_FATAL(roce_connect(ca->qp, 4, b->ip, 445), 0);
    sim_run_until(rf->eng, sim_now(rf->eng) + 200 * SIM_US);
    CU_ASSERT_EQUAL_FATAL(ca->established, 1);
    CU_ASSERT_EQUAL_FATAL(sb->established, 1);
    CU_ASSERT_EQUAL(roce_qp_peer_num(ca->qp), roce_qp_num(sb->qp));
    CU_ASSERT_EQUAL(roce_qp_peer_num(sb->qp), roce_qp_num(ca->qp));
    CU_ASSERT_EQUAL(roce_qp_udp_sport(ca->qp), roce_qp_udp_sport(sb->qp));
}

static void pair_fabric(struct rf *rf, const struct roce_settings *rs, int with_trace)
{
    struct switch_settings ss;
    switch_settings_default(&ss, "tor", 8);
    ss.pfc_enabled = 0x08;
    rf_init(rf, &ss, with_trace);
    rf_ep_add(rf, G25, 0x08, 1, 42, 3, rs);
    rf_ep_add(rf, G25, 0x08, 1, 42, 3, rs);
}

/* The opcodes of the captured RoCE frames from src, in order. */
struct cap_scan {
    int n;
    uint8_t op[512];
    uint32_t payload[512];
    int reth[512], aeth[512], ack_req[512];
    uint32_t dma_len[512];
    int icrc_bad, roce, pcp_bad;
};

static void scan_capture(const char *path, const uint8_t *src_mac, struct cap_scan *s)
{
    memset(s, 0, sizeof *s);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        struct pkt_info pi;
        if (pkt_parse_bytes(data, hdr->caplen, hdr->len, &pi) != 0 ||
            !(pi.layers & PKT_HAS_ROCE))
            continue;
        s->roce++;
        if (pkt_roce_icrc_check_bytes(data, hdr->caplen, hdr->len) != 0)
            s->icrc_bad++;
        if (!(pi.layers & PKT_HAS_VLAN) || pi.pcp != 3 || pi.vid != 42)
            s->pcp_bad++;
        if (memcmp(pi.src, src_mac, 6) != 0 || s->n >= 512)
            continue;
        int i = s->n++;
        s->op[i] = pi.bth.opcode;
        s->payload[i] = pi.l5_len - pi.bth.pad;
        s->reth[i] = !!(pi.layers & PKT_HAS_RETH);
        s->aeth[i] = !!(pi.layers & PKT_HAS_AETH);
        s->ack_req[i] = pi.bth.ack_req;
        s->dma_len[i] = pi.reth.dma_len;
    }
    pcap_close(p);
}

static int count_op(const struct cap_scan *s, uint8_t op)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->op[i] == op;
    return n;
}

/* WRITE 10000 / SEND 1024 / READ 5000 / WRITE 0 with MTU 1024, then the
 * same WRITE with MTU 4096: opcodes, RETH, AETH, A bits, completions. */
static void run_segmentation(uint32_t mtu, struct cap_scan *ca_scan, struct cap_scan *sb_scan,
                             struct app *ca, struct app *sb, char *cap_path, size_t cap_len)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.mtu = mtu;
    pair_fabric(&rf, &rs, 0);
    rf_capture(&rf.ep[0], "a");
    memset(ca, 0, sizeof *ca);
    memset(sb, 0, sizeof *sb);
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], ca, sb);
    CU_ASSERT_EQUAL(roce_post_write(ca->qp, 1, 10000, 0x10000, 0x77), 0);
    CU_ASSERT_EQUAL(roce_post_send(ca->qp, 2, 1024), 0);
    CU_ASSERT_EQUAL(roce_post_read(ca->qp, 3, 5000, 0x20000, 0x77), 0);
    CU_ASSERT_EQUAL(roce_post_write(ca->qp, 4, 0, 0x30000, 0x77), 0);
    CU_ASSERT_EQUAL(roce_qp_check(ca->qp), 0);
    sim_run_until(rf.eng, sim_now(rf.eng) + 500 * SIM_US);
    rf_close_caps(&rf);
    snprintf(cap_path, cap_len, "%s", rf.ep[0].cap_path);
    scan_capture(rf.ep[0].cap_path, (const uint8_t[]){0x02, 0, 0, 0, 1, 1}, ca_scan);
    scan_capture(rf.ep[0].cap_path, (const uint8_t[]){0x02, 0, 0, 0, 1, 2}, sb_scan);
    CU_ASSERT_EQUAL(roce_qp_check(ca->qp), 0);
    CU_ASSERT_EQUAL(roce_qp_check(sb->qp), 0);
    CU_ASSERT_EQUAL(roce_qp_stats(ca->qp)->retrans_pkts, 0);
    CU_ASSERT_EQUAL(roce_qp_outstanding(ca->qp), 0);
    rf_free(&rf);
}

static void test_segmentation_opcodes(void)
{
    struct cap_scan a, b;
    struct app ca, sb;
    char path[600];
    run_segmentation(1024, &a, &b, &ca, &sb, path, sizeof path);
    /* Completions in posting order with their sizes. */
    CU_ASSERT_EQUAL_FATAL(ca.nwc, 4);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(ca.wc[i].wr_id, (uint64_t)i + 1);
        CU_ASSERT_EQUAL(ca.wc[i].status, 0);
    }
    CU_ASSERT_EQUAL(ca.wc[2].op, ROCE_OP_READ);
    CU_ASSERT_EQUAL(ca.wc[2].bytes, 5000);
    CU_ASSERT_EQUAL(sb.recvs, 1);
    CU_ASSERT_EQUAL(sb.recv_bytes, 1024);
    CU_ASSERT_EQUAL(ca.check_failures + sb.check_failures, 0);
    /* Requester's frames: CM (REQ, RTU: UD 0x64), WRITE FIRST + 8 MIDDLE +
     * LAST, SEND ONLY, READ REQUEST, WRITE ONLY (0 bytes). */
    CU_ASSERT_EQUAL(count_op(&a, 0x64), 2);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_FIRST), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_MIDDLE), 8);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_LAST), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_SEND_ONLY), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_READ_REQUEST), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_ONLY), 1);
    int acks_a = count_op(&a, PKT_IB_RC_ACK);
    for (int i = 0; i < a.n; i++) {
        switch (a.op[i]) {
        case PKT_IB_RC_WRITE_FIRST:
            CU_ASSERT(a.reth[i] && a.dma_len[i] == 10000 && a.payload[i] == 1024 && !a.ack_req[i]);
            break;
        case PKT_IB_RC_WRITE_MIDDLE:
            CU_ASSERT(!a.reth[i] && a.payload[i] == 1024);
            break;
        case PKT_IB_RC_WRITE_LAST:
            CU_ASSERT(!a.reth[i] && a.payload[i] == 10000 - 9 * 1024 && a.ack_req[i]);
            break;
        case PKT_IB_RC_WRITE_ONLY:
            CU_ASSERT(a.reth[i] && a.dma_len[i] == 0 && a.payload[i] == 0 && a.ack_req[i]);
            break;
        case PKT_IB_RC_READ_REQUEST:
            CU_ASSERT(a.reth[i] && a.dma_len[i] == 5000 && a.payload[i] == 0);
            break;
        case PKT_IB_RC_SEND_ONLY:
            CU_ASSERT(a.payload[i] == 1024 && a.ack_req[i]);
            break;
        default:
            break;
        }
    }
    CU_ASSERT_EQUAL(acks_a, 0); /* the requester never ACKs */
    /* Responder's frames: CM REP, READ RESP FIRST/MIDDLE x3/LAST (AETH on
     * first and last), and ACKs: one per message end (WRITE, SEND, WRITE
     * 0), none needed before since 10 packets < ack_every (16). */
    CU_ASSERT_EQUAL(count_op(&b, 0x64), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_FIRST), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_MIDDLE), 3);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_LAST), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_ACK), 3);
    for (int i = 0; i < b.n; i++) {
        if (b.op[i] == PKT_IB_RC_READ_RESP_FIRST || b.op[i] == PKT_IB_RC_READ_RESP_LAST)
            CU_ASSERT(b.aeth[i]);
        if (b.op[i] == PKT_IB_RC_READ_RESP_MIDDLE)
            CU_ASSERT(!b.aeth[i]);
        if (b.op[i] == PKT_IB_RC_READ_RESP_LAST)
            CU_ASSERT_EQUAL(b.payload[i], 5000 - 4 * 1024);
    }
    /* Every captured RoCE frame: ICRC right, VID 42 / PCP 3. */
    CU_ASSERT(a.roce > 20);
    CU_ASSERT_EQUAL(a.icrc_bad, 0);
    CU_ASSERT_EQUAL(a.pcp_bad, 0);

    /* MTU 4096: the 10000-byte WRITE is FIRST, MIDDLE, LAST. */
    run_segmentation(4096, &a, &b, &ca, &sb, path, sizeof path);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_FIRST), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_MIDDLE), 1);
    CU_ASSERT_EQUAL(count_op(&a, PKT_IB_RC_WRITE_LAST), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_FIRST), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_LAST), 1);
    CU_ASSERT_EQUAL(count_op(&b, PKT_IB_RC_READ_RESP_MIDDLE), 0);
    for (int i = 0; i < a.n; i++)
        if (a.op[i] == PKT_IB_RC_WRITE_FIRST)
            CU_ASSERT_EQUAL(a.payload[i], 4096);
    CU_ASSERT_EQUAL(ca.nwc, 4);
    CU_ASSERT_EQUAL(a.icrc_bad, 0);
}

/* ACK coalescing: a 1 MiB WRITE at MTU 1024 is 1024 packets; the
 * responder ACKs every 16th and the last one: 64 ACKs. */
static void test_ack_coalescing(void)
{
    struct rf rf;
    pair_fabric(&rf, NULL, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    sim_time_t t0 = sim_now(rf.eng);
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 1, 1 << 20, 0, 1), 0);
    sim_run_until(rf.eng, t0 + 2 * SIM_MS);
    CU_ASSERT_EQUAL(ca.nwc, 1);
    const struct roce_qp_stats *rq = roce_qp_stats(ca.qp), *sq = roce_qp_stats(sb.qp);
    CU_ASSERT_EQUAL(rq->tx_pkts, 1024);
    CU_ASSERT_EQUAL(sq->rx_pkts, 1024);
    CU_ASSERT_EQUAL(sq->acks_tx, 64);
    CU_ASSERT_EQUAL(rq->acks_rx, 64);
    CU_ASSERT_EQUAL(rq->retrans_pkts, 0);
    /* Line rate: 1024 frames of 1024 + 62 bytes + tag and overhead at
     * 25 Gb/s is about 368 us; the flow completes within 5 % of it. */
    double fct_us = (double)(ca.wc[0].done - ca.wc[0].posted) / SIM_US;
    double ideal_us = 1024.0 * (1024 + 62 + 4 + 24) * 8 / 25e3;
    fprintf(stderr, "\n    1 MiB WRITE: FCT %.1f us (line rate %.1f us), %llu ACKs\n", fct_us,
            ideal_us, (unsigned long long)sq->acks_tx);
    CU_ASSERT(fct_us < ideal_us * 1.05);
    rf_free(&rf);
}

/* Drops the n-th data frame (0-based) a endpoint sends, counting only
 * frames with this opcode range. */
struct dropper {
    int nth[4];
    int ndrop;
    int seen;
    uint8_t op_lo, op_hi;
};

static int drop_nth(void *ctx, struct rf_ep *e, const struct frame *f)
{
    (void)e;
    struct dropper *d = ctx;
    struct pkt_info pi;
    if (pkt_parse(f, &pi) != 0 || !(pi.layers & PKT_HAS_ROCE) || pi.bth.opcode < d->op_lo ||
        pi.bth.opcode > d->op_hi)
        return 0;
    int k = d->seen++;
    for (int i = 0; i < d->ndrop; i++)
        if (d->nth[i] == k)
            return 1;
    return 0;
}

/* One lost WRITE packet: one NAK, go-back-N resends from it; go-back-0
 * from the message start.  Both complete without a timeout. */
static void run_one_loss(enum roce_retx mode, uint64_t *retrans, uint64_t *naks,
                         uint64_t *timeouts, int *ok)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.retx = mode;
    pair_fabric(&rf, &rs, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    struct dropper d = {.nth = {100}, .ndrop = 1, .op_lo = 0x00, .op_hi = 0x0B};
    rf.ep[0].drop = drop_nth;
    rf.ep[0].drop_ctx = &d;
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 1, 256 * 1024, 0, 1), 0);
    sim_run_until(rf.eng, sim_now(rf.eng) + 2 * SIM_MS);
    const struct roce_qp_stats *st = roce_qp_stats(ca.qp);
    *retrans = st->retrans_pkts;
    *naks = st->naks_rx;
    *timeouts = st->timeouts;
    *ok = ca.nwc == 1 && ca.wc[0].status == 0 && roce_qp_stats(sb.qp)->rx_bytes == 256 * 1024 &&
          roce_qp_stats(sb.qp)->naks_tx == 1 && ca.check_failures == 0;
    CU_ASSERT_EQUAL(rf.ep[0].dropped, 1);
    CU_ASSERT_EQUAL(roce_qp_check(ca.qp), 0);
    rf_free(&rf);
}

static void test_nak_go_back_n(void)
{
    uint64_t rt_n, nak_n, to_n, rt_0, nak_0, to_0;
    int ok_n, ok_0;
    run_one_loss(ROCE_GO_BACK_N, &rt_n, &nak_n, &to_n, &ok_n);
    run_one_loss(ROCE_GO_BACK_0, &rt_0, &nak_0, &to_0, &ok_0);
    fprintf(stderr, "\n    one loss at packet 100 of 256: go-back-N resent %llu, go-back-0 %llu\n",
            (unsigned long long)rt_n, (unsigned long long)rt_0);
    CU_ASSERT(ok_n);
    CU_ASSERT(ok_0);
    CU_ASSERT_EQUAL(nak_n, 1);
    CU_ASSERT_EQUAL(nak_0, 1);
    CU_ASSERT_EQUAL(to_n, 0);
    CU_ASSERT_EQUAL(to_0, 0);
    /* Go-back-N resends the lost packet and what followed it before the
     * NAK arrived (one RTT of packets: a few); go-back-0 also the 100
     * packets before it. */
    CU_ASSERT(rt_n >= 1 && rt_n < 20);
    CU_ASSERT(rt_0 >= rt_n + 100);
}

/* The last packet of a message lost: nothing follows to trigger a NAK, so
 * the local ACK timeout (4.096 us x 2^8 here) recovers it. */
static void test_tail_loss_timeout(void)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.ack_timeout_exp = 8;
    pair_fabric(&rf, &rs, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    struct dropper d = {.nth = {9}, .ndrop = 1, .op_lo = 0x00, .op_hi = 0x0B};
    rf.ep[0].drop = drop_nth;
    rf.ep[0].drop_ctx = &d;
    sim_time_t t0 = sim_now(rf.eng);
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 1, 10 * 1024, 0, 1), 0);
    sim_run_until(rf.eng, t0 + 5 * SIM_MS);
    const struct roce_qp_stats *st = roce_qp_stats(ca.qp);
    CU_ASSERT_EQUAL(ca.nwc, 1);
    CU_ASSERT_EQUAL(ca.wc[0].status, 0);
    CU_ASSERT_EQUAL(st->timeouts, 1);
    /* Nothing was ACKed (one ACK per message end): the timeout restarts
     * at the first packet; the responder drops 9 duplicates. */
    CU_ASSERT_EQUAL(st->retrans_pkts, 10);
    CU_ASSERT_EQUAL(roce_qp_stats(sb.qp)->dup_rx, 9);
    CU_ASSERT_EQUAL(st->naks_rx, 0);
    double fct = (double)(ca.wc[0].done - ca.wc[0].posted) / SIM_US;
    double timeout_us = 4.096 * 256;
    CU_ASSERT(fct > timeout_us && fct < timeout_us + 20);
    rf_free(&rf);
}

/* A READ response lost: the requester re-requests from the missing PSN;
 * the responder answers the duplicate READ from there. */
static void test_read_response_loss(void)
{
    struct rf rf;
    pair_fabric(&rf, NULL, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    struct dropper d = {.nth = {30}, .ndrop = 1, .op_lo = PKT_IB_RC_READ_RESP_FIRST,
                        .op_hi = PKT_IB_RC_READ_RESP_ONLY};
    rf.ep[1].drop = drop_nth;
    rf.ep[1].drop_ctx = &d;
    CU_ASSERT_EQUAL(roce_post_read(ca.qp, 7, 64 * 1024, 0, 1), 0);
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 8, 4096, 0, 1), 0);
    sim_run_until(rf.eng, sim_now(rf.eng) + 2 * SIM_MS);
    const struct roce_qp_stats *st = roce_qp_stats(ca.qp);
    CU_ASSERT_EQUAL(ca.nwc, 2);
    CU_ASSERT_EQUAL(ca.wc[0].wr_id, 7);
    CU_ASSERT_EQUAL(ca.wc[0].status, 0);
    CU_ASSERT_EQUAL(ca.wc[1].wr_id, 8);
    CU_ASSERT_EQUAL(st->rx_bytes, 64 * 1024);
    CU_ASSERT_EQUAL(st->timeouts, 0);
    CU_ASSERT(st->gbn_events >= 1);
    CU_ASSERT(roce_qp_stats(sb.qp)->dup_rx >= 1); /* the READ request again */
    CU_ASSERT_EQUAL(ca.check_failures, 0);
    rf_free(&rf);
}

/* The link cut: retry_cnt (3) timeouts, then the QP goes to error with
 * reason retry_exceeded; the WRITE completes -ETIMEDOUT, the SEND behind
 * it is flushed; the trace has the qp_error row. */
static void test_retry_exceeded(void)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.ack_timeout_exp = 8;
    rs.retry_cnt = 3;
    pair_fabric(&rf, &rs, 1);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    link_cut(rf.ep[1].link);
    sim_time_t t0 = sim_now(rf.eng);
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 1, 8192, 0, 1), 0);
    CU_ASSERT_EQUAL(roce_post_send(ca.qp, 2, 100), 0);
    sim_run_until(rf.eng, t0 + 10 * SIM_MS);
    CU_ASSERT_EQUAL(roce_qp_state(ca.qp), ROCE_QPS_ERROR);
    CU_ASSERT_EQUAL(ca.errors, 1);
    CU_ASSERT_EQUAL(ca.why, ROCE_ERR_RETRY_EXCEEDED);
    CU_ASSERT_EQUAL(roce_qp_stats(ca.qp)->timeouts, 4);
    CU_ASSERT_EQUAL_FATAL(ca.nwc, 2);
    CU_ASSERT_EQUAL(ca.wc[0].status, -ETIMEDOUT);
    CU_ASSERT_EQUAL(ca.wc[1].status, -ECANCELED);
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 3, 1, 0, 1), -EINVAL);
    CU_ASSERT_EQUAL(roce_qp_check(ca.qp), 0);
    CU_ASSERT_EQUAL(ca.check_failures, 0);
    /* Four timeouts of 1.05 ms: the error at about 4.2 ms. */
    double at_ms = (double)(ca.wc[0].done - t0) / SIM_MS;
    CU_ASSERT(at_ms > 4.0 && at_ms < 4.4);
    uint32_t qpn = roce_qp_num(ca.qp);
    char path[700];
    snprintf(path, sizeof path, "%s/run.sqlite", rf.dir);
    rf_free(&rf);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT count(*), max(value) FROM events_v "
                                             "WHERE kind = 'qp_error' AND reason = "
                                             "'retry_exceeded' AND obj = 'ep0/rdma'",
                                             -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 1);
    CU_ASSERT_EQUAL(sqlite3_column_int64(st, 1), qpn);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* 40 READs posted at once, more than max_rd_atomic (16): the requester
 * holds the 17th until a READ completes, and all 40 complete in order. */
static void test_reads_beyond_max_rd_atomic(void)
{
    struct rf rf;
    pair_fabric(&rf, NULL, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    for (int k = 0; k < 40; k++)
        CU_ASSERT_EQUAL(roce_post_read(ca.qp, 500 + k, 8192, 0, 1), 0);
    sim_run_until(rf.eng, sim_now(rf.eng) + 5 * SIM_MS);
    CU_ASSERT_EQUAL_FATAL(ca.nwc, 40);
    for (int k = 0; k < 40; k++) {
        CU_ASSERT_EQUAL(ca.wc[k].wr_id, (uint64_t)(500 + k));
        CU_ASSERT_EQUAL(ca.wc[k].status, 0);
    }
    CU_ASSERT_EQUAL(roce_qp_stats(ca.qp)->rx_bytes, 40 * 8192);
    CU_ASSERT_EQUAL(roce_qp_stats(ca.qp)->retrans_pkts, 0);
    CU_ASSERT_EQUAL(ca.check_failures, 0);
    rf_free(&rf);
}

/* ---- random loss soak ---------------------------------------------------- */

#define SOAK_OPS 90

/* Drops each RC frame (data, READ request and response, ACK, NAK) leaving
 * an endpoint with probability 1/per (per 0: none), from a seeded stream. */
struct soak_drop {
    struct sim_rng rng;
    uint64_t per;
    int armed;
};

static int drop_random(void *ctx, struct rf_ep *e, const struct frame *f)
{
    (void)e;
    struct soak_drop *d = ctx;
    struct pkt_info pi;
    if (!d->armed || !d->per || pkt_parse(f, &pi) != 0 || !(pi.layers & PKT_HAS_ROCE) ||
        pi.bth.dest_qp == 1)
        return 0;
    return sim_rng_below(&d->rng, d->per) == 0;
}

struct soak_totals {
    uint64_t naks, timeouts, gbn, dup_rx, ooo_rx, retrans, dropped;
    int runs_ok;
};

/* A size for the next work request: 0, around the MTU, or up to 96 KB. */
static uint32_t soak_size(struct sim_rng *r, uint32_t mtu)
{
    switch (sim_rng_below(r, 6)) {
    case 0:
        return 0;
    case 1:
        return (uint32_t)(1 + sim_rng_below(r, 64));
    case 2:
        return mtu - 1 + (uint32_t)sim_rng_below(r, 3);
    default:
        return (uint32_t)(1 + sim_rng_below(r, 96 * 1024));
    }
}

/* One seed: SOAK_OPS work requests (WRITE, SEND, READ, random sizes, a run
 * of 12 READs in the middle) posted in three batches while 1 in `per` RC
 * frames is dropped in both directions (per 0: none).  Every request
 * completes without error, in posting order, with its own length; the
 * responder received exactly the WRITE and SEND bytes and the requester
 * the READ bytes; roce_qp_check holds in every completion handler. */
static void soak_one(uint64_t seed, enum roce_retx mode, uint64_t per, struct soak_totals *t)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.retx = mode;
    rs.mtu = seed & 1 ? 1024 : 4096;
    rs.ack_timeout_exp = 8; /* 1.05 ms */
    rs.retry_cnt = 7;
    pair_fabric(&rf, &rs, 0);
    struct app ca = {0}, sb = {0};
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    struct soak_drop da = {.per = per, .armed = 1}, db = {.per = per, .armed = 1};
    sim_rng_init(&da.rng, seed, "soak-a");
    sim_rng_init(&db.rng, seed, "soak-b");
    rf.ep[0].drop = drop_random;
    rf.ep[0].drop_ctx = &da;
    rf.ep[1].drop = drop_random;
    rf.ep[1].drop_ctx = &db;
    struct sim_rng pick;
    sim_rng_init(&pick, seed, "soak-ops");
    uint32_t len[SOAK_OPS];
    enum roce_op op[SOAK_OPS];
    uint64_t want_resp = 0, want_req = 0;
    int sends = 0;
    static const int batch_end[] = {10, 50, SOAK_OPS};
    int k = 0;
    for (int b = 0; b < 3; b++) {
        for (; k < batch_end[b]; k++) {
            op[k] = k >= 20 && k < 32 ? ROCE_OP_READ : (enum roce_op)sim_rng_below(&pick, 3);
            len[k] = soak_size(&pick, rs.mtu);
            int rc = op[k] == ROCE_OP_WRITE  ? roce_post_write(ca.qp, 1000 + k, len[k], 0, 1)
                     : op[k] == ROCE_OP_SEND ? roce_post_send(ca.qp, 1000 + k, len[k])
                                             : roce_post_read(ca.qp, 1000 + k, len[k], 0, 1);
            CU_ASSERT_EQUAL(rc, 0);
            if (op[k] == ROCE_OP_READ)
                want_req += len[k];
            else
                want_resp += len[k];
            sends += op[k] == ROCE_OP_SEND;
        }
        sim_run_until(rf.eng, sim_now(rf.eng) + 40 * SIM_US);
    }
    sim_time_t limit = sim_now(rf.eng) + 400 * SIM_MS;
    while (ca.nwc < SOAK_OPS && !ca.errors && sim_now(rf.eng) < limit)
        sim_run_until(rf.eng, sim_now(rf.eng) + SIM_MS);
    /* The last ACK may still be on its way; then the responder settles. */
    da.armed = db.armed = 0;
    sim_run_until(rf.eng, sim_now(rf.eng) + SIM_MS);
    int ok = ca.nwc == SOAK_OPS && !ca.errors && !sb.errors && !ca.check_failures &&
             !sb.check_failures;
    for (int i = 0; ok && i < SOAK_OPS; i++)
        ok = ca.wc[i].wr_id == (uint64_t)(1000 + i) && ca.wc[i].status == 0 &&
             ca.wc[i].op == op[i] && ca.wc[i].bytes == len[i];
    const struct roce_qp_stats *sa = roce_qp_stats(ca.qp), *ss = roce_qp_stats(sb.qp);
    ok = ok && sa->rx_bytes == want_req && ss->rx_bytes == want_resp && sb.recvs == sends &&
         roce_qp_outstanding(ca.qp) == 0 && roce_qp_check(ca.qp) == 0 &&
         roce_qp_check(sb.qp) == 0;
    if (!per)
        ok = ok && sa->retrans_pkts == 0 && sa->timeouts == 0;
    if (!ok) {
        for (int i = 0; i < SOAK_OPS && i < ca.nwc; i++)
            if (ca.wc[i].wr_id != (uint64_t)(1000 + i) || ca.wc[i].status != 0 ||
                ca.wc[i].op != op[i] || ca.wc[i].bytes != len[i]) {
                fprintf(stderr, "\n    wc %d: wr_id %llu status %d op %d/%d bytes %u/%u", i,
                        (unsigned long long)ca.wc[i].wr_id, ca.wc[i].status, ca.wc[i].op, op[i],
                        ca.wc[i].bytes, len[i]);
                break;
            }
        fprintf(stderr, "\n    why %d, checks %d/%d, outstanding %zu, timeouts %llu",
                ca.why, ca.check_failures, sb.check_failures, roce_qp_outstanding(ca.qp),
                (unsigned long long)sa->timeouts);
    }
    if (!ok)
        fprintf(stderr,
                "\n    seed %llu %s 1/%llu: %d of %d completed, errors %d/%d, READ bytes %llu of "
                "%llu, WRITE+SEND bytes %llu of %llu, recvs %d of %d",
                (unsigned long long)seed, mode == ROCE_GO_BACK_N ? "go-back-N" : "go-back-0",
                (unsigned long long)per, ca.nwc, SOAK_OPS, ca.errors, sb.errors, (unsigned long long)sa->rx_bytes,
                (unsigned long long)want_req, (unsigned long long)ss->rx_bytes,
                (unsigned long long)want_resp, sb.recvs, sends);
    CU_ASSERT(ok);
    t->runs_ok += ok;
    t->naks += sa->naks_rx;
    t->timeouts += sa->timeouts;
    t->gbn += sa->gbn_events;
    t->dup_rx += ss->dup_rx + sa->dup_rx;
    t->ooo_rx += ss->ooo_rx + sa->ooo_rx;
    t->retrans += sa->retrans_pkts;
    t->dropped += rf.ep[0].dropped + rf.ep[1].dropped;
    rf_free(&rf);
}

/* 24 seeds with 1 in 40 frames lost each way (a third of them go-back-0),
 * then 8 without loss. */
static void test_random_loss_soak(void)
{
    struct soak_totals t = {0};
    const int seeds = 24, lossless = 8;
    for (int s = 1; s <= seeds + lossless; s++)
        soak_one((uint64_t)s, s % 3 ? ROCE_GO_BACK_N : ROCE_GO_BACK_0, s <= seeds ? 40 : 0, &t);
    fprintf(stderr,
            "\n    %d of %d seeds clean; %llu frames dropped, %llu NAKs, %llu timeouts, %llu "
            "go-backs, %llu resent, %llu duplicates, %llu out of order\n",
            t.runs_ok, seeds + lossless, (unsigned long long)t.dropped, (unsigned long long)t.naks,
            (unsigned long long)t.timeouts, (unsigned long long)t.gbn,
            (unsigned long long)t.retrans, (unsigned long long)t.dup_rx,
            (unsigned long long)t.ooo_rx);
    CU_ASSERT_EQUAL(t.runs_ok, seeds + lossless);
    /* The soak reached every recovery path. */
    CU_ASSERT(t.naks > 0 && t.timeouts > 0 && t.gbn > 0 && t.dup_rx > 0 && t.ooo_rx > 0);
}

/* ---- DREQ retransmission ---- */

/* Counts the CM DREQ / DREP MADs leaving an endpoint (attribute ID at
 * MAD offset 16 of the UD payload after the DETH) and drops the first
 * `drop_drep` DREPs, or every frame once `cut`. */
struct cm_watch {
    int dreqs, dreps, drop_drep, cut;
};

static int cm_hook(void *ctx, struct rf_ep *e, const struct frame *f)
{
    (void)e;
    struct cm_watch *w = ctx;
    if (w->cut)
        return 1;
    struct pkt_info pi;
    if (pkt_parse(f, &pi) != 0 || !(pi.layers & PKT_HAS_ROCE) || pi.bth.dest_qp != 1)
        return 0;
    const uint8_t *m = frame_cdata(f) + pi.l5_off;
    if (f->len < pi.l5_off + 18)
        return 0;
    uint16_t attr = (uint16_t)(m[16] << 8 | m[17]);
    if (attr == 0x0015)
        w->dreqs++;
    if (attr == 0x0016 && w->dreps++ < w->drop_drep)
        return 1;
    return 0;
}

/* IBA 12.9.6: a DREQ whose DREP is lost is sent again after cm_timeout
 * and stops once the DREP comes; one whose peer is gone is sent 1 +
 * cm_retries times, then given up. */
static void test_dreq_resent(void)
{
    for (int gone = 0; gone < 2; gone++) {
        struct rf rf;
        pair_fabric(&rf, NULL, 0);
        struct app ca = {0}, sb = {0};
        connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
        struct cm_watch w0 = {0}, w1 = {.drop_drep = 1};
        rf.ep[0].drop = cm_hook;
        rf.ep[0].drop_ctx = &w0;
        rf.ep[1].drop = cm_hook;
        rf.ep[1].drop_ctx = &w1;
        w1.cut = gone; /* the peer sends nothing back */
        CU_ASSERT_EQUAL(roce_disconnect(ca.qp), 0);
        sim_run_until(rf.eng, sim_now(rf.eng) + 40 * SIM_MS);
        const struct roce_dev_counters *c0 = roce_dev_counters(rf.ep[0].dev);
        printf("\n    %s: %d DREQs sent, %d DREPs from the peer, %llu resent",
               gone ? "peer silent" : "first DREP lost", w0.dreqs, w1.dreps,
               (unsigned long long)c0->cm_retx);
        CU_ASSERT_EQUAL(ca.errors, 1);
        if (!gone) {
            CU_ASSERT_EQUAL(sb.errors, 1); /* remote_disconnect at the first DREQ */
            CU_ASSERT_EQUAL(w0.dreqs, 2);
            CU_ASSERT_EQUAL(w1.dreps, 2); /* the duplicate DREQ is answered too */
            CU_ASSERT_EQUAL(c0->cm_retx, 1);
        } else {
            CU_ASSERT_EQUAL(w0.dreqs, 1 + ROCE_DEFAULT_CM_RETRIES);
            CU_ASSERT_EQUAL(c0->cm_retx, ROCE_DEFAULT_CM_RETRIES);
        }
        rf_free(&rf);
    }
    printf("\n");
}

/* tshark decodes every frame (CM MADs, RC data, ACKs, READs) as RoCEv2 /
 * InfiniBand with no malformed frame and no expert warning; the ICRC of
 * each one is checked by pkt_roce_icrc_check_bytes (scan_capture). */
static void test_tshark_decodes(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: skipped\n");
        return;
    }
    struct cap_scan a, b;
    struct app ca, sb;
    char path[600];
    run_segmentation(1024, &a, &b, &ca, &sb, path, sizeof path);
    CU_ASSERT_EQUAL(a.icrc_bad, 0);
    struct tshark_summary ts;
    CU_ASSERT_EQUAL_FATAL(tshark_summary(path, &ts), 0);
    fprintf(stderr, "\n    tshark: %ld frames, %ld InfiniBand, %ld bad, CM %ld/%ld/%ld, "
                    "RETH %ld, AETH %ld\n",
            ts.frames, ts.infiniband, ts.bad, ts.cm_req, ts.cm_rep, ts.cm_rtu, ts.reth, ts.aeth);
    CU_ASSERT_EQUAL(ts.infiniband, a.roce);
    CU_ASSERT_EQUAL(ts.bad, 0);
    CU_ASSERT_EQUAL(ts.cm_req, 1);
    CU_ASSERT_EQUAL(ts.cm_rep, 1);
    CU_ASSERT_EQUAL(ts.cm_rtu, 1);
    CU_ASSERT_EQUAL(ts.reth, 3); /* WRITE FIRST, READ REQUEST, WRITE ONLY */
    CU_ASSERT_EQUAL(ts.aeth, 3 + 2); /* 3 ACKs, READ RESPONSE FIRST and LAST */
    CU_ASSERT_EQUAL(ts.ib_tagged_42_3, ts.infiniband);
}

/* ---- 8:1 incast through Hyper-V hosts ------------------------------------- */

#define INCAST_SENDERS 8
#define INCAST_BYTES (2u << 20)

struct incast {
    double fct_ms;          /* last completion - start */
    double goodput_gbps;    /* bytes / fct */
    uint64_t drops;         /* switch drops, all reasons */
    uint64_t retrans, naks, timeouts, gbn;
    uint64_t pfc_pauses;    /* XOFF frames sent by the ToR */
    int completed;
};

/* A listener that accepts into the next application slot. */
struct multi {
    struct app *apps;
    int n, used;
};

static struct roce_qp *multi_accept(void *ctx, struct roce_dev *dev,
                                    const struct roce_conn_req *req)
{
    struct multi *m = ctx;
    return m->used < m->n ? app_accept(&m->apps[m->used++], dev, req) : NULL;
}

static void run_incast(uint16_t vlan, struct incast *out)
{
    memset(out, 0, sizeof *out);
    struct rig r;
    rig_init(&r, NULL, 0);
    int rx = rig_host(&r, 1, vlan, 0, NULL);
    struct app server[INCAST_SENDERS], client[INCAST_SENDERS];
    memset(server, 0, sizeof server);
    memset(client, 0, sizeof client);
    struct multi m = {.apps = server, .n = INCAST_SENDERS};
    CU_ASSERT_EQUAL_FATAL(roce_listen(hvrdma_dev(r.rdma[rx][0]), 445, multi_accept, &m), 0);
    int senders[INCAST_SENDERS];
    for (int i = 0; i < INCAST_SENDERS; i++)
        senders[i] = rig_host(&r, 1, vlan, 0, NULL);
    uint8_t dst[4];
    rig_ip(rx, 0, dst);
    for (int i = 0; i < INCAST_SENDERS; i++) {
        struct roce_qp_settings qs = {.nd_port = 445, .ops = &app_ops, .ctx = &client[i]};
        client[i].qp = roce_qp_create(hvrdma_dev(r.rdma[senders[i]][0]), &qs);
        CU_ASSERT_PTR_NOT_NULL_FATAL(client[i].qp);
        CU_ASSERT_EQUAL(roce_connect(client[i].qp, 4, dst, 445), 0);
    }
    sim_run_until(r.eng, sim_now(r.eng) + 500 * SIM_US);
    for (int i = 0; i < INCAST_SENDERS; i++)
        CU_ASSERT_EQUAL_FATAL(client[i].established, 1);
    sim_time_t t0 = sim_now(r.eng);
    for (int i = 0; i < INCAST_SENDERS; i++)
        CU_ASSERT_EQUAL(roce_post_write(client[i].qp, 1, INCAST_BYTES, 0, 1), 0);
    sim_run_until(r.eng, t0 + 400 * SIM_MS);
    sim_time_t last = 0;
    for (int i = 0; i < INCAST_SENDERS; i++) {
        const struct roce_qp_stats *st = roce_qp_stats(client[i].qp);
        out->retrans += st->retrans_pkts;
        out->naks += st->naks_rx;
        out->timeouts += st->timeouts;
        out->gbn += st->gbn_events;
        if (client[i].nwc == 1 && client[i].wc[0].status == 0) {
            out->completed++;
            if (client[i].wc[0].done > last)
                last = client[i].wc[0].done;
        }
    }
    out->fct_ms = (double)(last - t0) / SIM_MS;
    out->goodput_gbps = (double)INCAST_SENDERS * INCAST_BYTES * 8 / ((double)(last - t0) / SIM_S) / 1e9;
    out->drops = switch_total_drops(r.tor, r.nports);
    for (uint32_t p = 1; p <= r.nports; p++)
        out->pfc_pauses += switch_port_counters(r.tor, p)->pfc_tx[3];
    rig_free(&r);
}

static void test_incast_lossless_vs_untagged(void)
{
    struct incast ok, bad;
    run_incast(42, &ok);
    run_incast(0, &bad);
    fprintf(stderr,
            "\n    8:1 incast, 8 x 2 MiB WRITE, 25 Gb/s:\n"
            "      VLAN 42 / PCP 3 + PFC: FCT %.2f ms, goodput %.2f Gb/s, drops %llu, "
            "retrans %llu, PFC XOFF %llu\n"
            "      untagged (DCB-004):    FCT %.2f ms, goodput %.2f Gb/s, drops %llu, "
            "retrans %llu, NAKs %llu, go-backs %llu, timeouts %llu\n",
            ok.fct_ms, ok.goodput_gbps, (unsigned long long)ok.drops,
            (unsigned long long)ok.retrans, (unsigned long long)ok.pfc_pauses, bad.fct_ms,
            bad.goodput_gbps, (unsigned long long)bad.drops, (unsigned long long)bad.retrans,
            (unsigned long long)bad.naks, (unsigned long long)bad.gbn,
            (unsigned long long)bad.timeouts);
    /* DCB-005: lossless. */
    CU_ASSERT_EQUAL(ok.completed, INCAST_SENDERS);
    CU_ASSERT_EQUAL(ok.drops, 0);
    CU_ASSERT_EQUAL(ok.retrans, 0);
    CU_ASSERT_EQUAL(ok.naks, 0);
    CU_ASSERT_EQUAL(ok.timeouts, 0);
    CU_ASSERT(ok.pfc_pauses > 0);
    CU_ASSERT(ok.goodput_gbps > 0.9 * 25);
    /* DCB-004: priority lost, lossy: drops, go-back-N, goodput collapse. */
    CU_ASSERT(bad.drops > 0);
    CU_ASSERT(bad.retrans > 0);
    CU_ASSERT(bad.naks > 0);
    CU_ASSERT(bad.goodput_gbps < 0.5 * ok.goodput_gbps);
}

/* What an endpoint's RoCE data/ACK frames must be built from now: its
 * stack's address and TTL, its device's DSCP, the QP's peer. */
struct tx_check {
    struct roce_qp *qp;
    uint8_t peer_ip[4];
    uint8_t ttl;
    int frames, bad;
};

/* Whether f (as it leaves e, tagged) is pkt_roce_build()'s frame for the
 * specs of the moment with f's per-packet fields (ECN, IP ID, opcode,
 * PSN, AckReq, RETH, AETH, payload). */
static int tx_is_general(struct tx_check *c, struct rf_ep *e, const struct frame *f,
                         const struct pkt_info *pi)
{
    const uint8_t *l3 = frame_cdata(f) + pi->l3_off;
    struct pkt_l2_spec l2 = {.tagged = !!(pi->layers & PKT_HAS_VLAN),
                             .pcp = pi->pcp, .dei = pi->dei, .vid = pi->vid};
    memcpy(l2.dst, pi->dst, 6);
    memcpy(l2.src, ipstack_mac(e->stack), 6);
    struct pkt_ip_spec ip = {.version = 4, .dscp = roce_dev_settings(e->dev)->dscp,
                             .ecn = pi->ecn, .ttl = c->ttl,
                             .id = (uint16_t)(l3[4] << 8 | l3[5])};
    memcpy(ip.src, e->ip, 4);
    memcpy(ip.dst, c->peer_ip, 4);
    struct pkt_roce_spec r = {.bth = pi->bth, .udp_sport = roce_qp_udp_sport(c->qp)};
    if (pi->layers & PKT_HAS_RETH)
        r.reth = pi->reth;
    if (pi->layers & PKT_HAS_AETH)
        r.aeth = pi->aeth;
    r.bth.pkey = PKT_ROCE_DEFAULT_PKEY;
    r.bth.dest_qp = roce_qp_peer_num(c->qp);
    struct frame *g = frame_alloc(e->rf->pool);
    if (!g)
        return 0;
    int same = pkt_roce_build(g, &l2, &ip, &r, pi->l5_len - pi->bth.pad) == 0 &&
               g->len == f->len && g->payload_len == f->payload_len &&
               g->trailer_len == f->trailer_len &&
               memcmp(frame_cdata(g), frame_cdata(f), f->len) == 0 &&
               memcmp(g->trailer, f->trailer, f->trailer_len) == 0;
    frame_unref(g);
    return same;
}

static int tx_check_hook(void *ctx, struct rf_ep *e, const struct frame *f)
{
    struct tx_check *c = ctx;
    struct pkt_info pi;
    if (pkt_parse(f, &pi) != 0 || !(pi.layers & PKT_HAS_ROCE) || pi.bth.dest_qp == 1)
        return 0; /* not RoCE, or a CM MAD */
    c->frames++;
    c->bad += !tx_is_general(c, e, f, &pi);
    return 0;
}

static void set_hop_limit(struct rf_ep *e, uint8_t hop_limit)
{
    struct ipstack_settings is;
    ipstack_settings_default(&is, "ep/stack", ipstack_mac(e->stack));
    is.has_ipv4 = 1;
    memcpy(is.ipv4, e->ip, 4);
    is.ipv4_prefix_len = 24;
    is.hop_limit = hop_limit;
    CU_ASSERT_EQUAL_FATAL(ipstack_reconfigure(e->stack, &is), 0);
}

/* The QPs' header templates (build__ reuses one while the stack's
 * address, MAC and TTL, the DSCP and the peer are unchanged): every data
 * packet and ACK both ends send is byte for byte what pkt_roce_build()
 * makes from the specs of the moment, before and after the stack's TTL
 * changes mid-transfer (so a stale template would show). */
static void test_tx_template_matches_general(void)
{
    struct rf rf;
    struct roce_settings rs;
    roce_settings_default(&rs, "x", G25);
    rs.dscp = 26;
    pair_fabric(&rf, &rs, 0);
    struct app ca, sb;
    memset(&ca, 0, sizeof ca);
    memset(&sb, 0, sizeof sb);
    connect_pair(&rf, &rf.ep[0], &rf.ep[1], &ca, &sb);
    struct tx_check ck[2] = {{.qp = ca.qp, .ttl = IPSTACK_DEFAULT_HOP_LIMIT},
                             {.qp = sb.qp, .ttl = IPSTACK_DEFAULT_HOP_LIMIT}};
    memcpy(ck[0].peer_ip, rf.ep[1].ip, 4);
    memcpy(ck[1].peer_ip, rf.ep[0].ip, 4);
    for (int k = 0; k < 2; k++) {
        rf.ep[k].drop = tx_check_hook;
        rf.ep[k].drop_ctx = &ck[k];
    }
    CU_ASSERT_EQUAL(roce_post_write(ca.qp, 1, 200000, 0x10000, 0x77), 0);
    CU_ASSERT_EQUAL(roce_post_read(ca.qp, 2, 30000, 0x20000, 0x77), 0);
    sim_run_until(rf.eng, sim_now(rf.eng) + 30 * SIM_US);
    int before = ck[0].frames;
    set_hop_limit(&rf.ep[0], 17);
    ck[0].ttl = 17;
    set_hop_limit(&rf.ep[1], 200);
    ck[1].ttl = 200;
    sim_run_until(rf.eng, sim_now(rf.eng) + 500 * SIM_US);
    CU_ASSERT(before > 10);
    CU_ASSERT(ck[0].frames > before + 10);
    CU_ASSERT(ck[1].frames > 10);
    CU_ASSERT_EQUAL(ck[0].bad, 0);
    CU_ASSERT_EQUAL(ck[1].bad, 0);
    CU_ASSERT_EQUAL(ca.nwc, 2);
    CU_ASSERT_EQUAL(roce_qp_check(ca.qp), 0);
    CU_ASSERT_EQUAL(roce_qp_check(sb.qp), 0);
    rf_free(&rf);
}

int suite_roce(void)
{
    CU_pSuite s = test_suite("roce");
    if (!s ||
        !CU_add_test(s, "CM setup; WRITE/SEND/READ segmentation, RETH/AETH/A bit (MTU 1024, 4096)",
                     test_segmentation_opcodes) ||
        !CU_add_test(s, "ACK coalescing and line rate", test_ack_coalescing) ||
        !CU_add_test(s, "NAK: go-back-N vs go-back-0 after one loss", test_nak_go_back_n) ||
        !CU_add_test(s, "tail loss recovered by the ACK timeout", test_tail_loss_timeout) ||
        !CU_add_test(s, "READ response loss: re-request from the missing PSN",
                     test_read_response_loss) ||
        !CU_add_test(s, "retry_cnt exhausted: QP to error, TRACE_QP_ERROR", test_retry_exceeded) ||
        !CU_add_test(s, "DREQ resent until its DREP, then given up", test_dreq_resent) ||
        !CU_add_test(s, "40 READs at once: held at max_rd_atomic, then all complete",
                     test_reads_beyond_max_rd_atomic) ||
        !CU_add_test(s, "random loss both ways: every WRITE/SEND/READ completes, bytes exact",
                     test_random_loss_soak) ||
        !CU_add_test(s, "tshark decodes RoCEv2/CM, zero malformed, ICRC right",
                     test_tshark_decodes) ||
        !CU_add_test(s, "DCB-005 8:1 incast lossless on PCP 3; DCB-004 untagged collapses",
                     test_incast_lossless_vs_untagged) ||
        !CU_add_test(s, "header templates: every frame as pkt_roce_build makes it, TTL change",
                     test_tx_template_matches_general))
        return -1;
    return 0;
}
