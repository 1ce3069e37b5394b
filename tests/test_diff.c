/* test_diff: `setsim diff` and what it is built from: the capture reader
 * (results/capread.h) reads back what the writer wrote - interface names,
 * nanosecond times, direction flags, cut packets - and a big-endian
 * section; it refuses truncated and corrupt files naming the block and
 * its offset; the
 * one-line frame summaries (sim-core/pkt_summary.h) of ARP, UDP, TCP, ND,
 * RoCEv2 and PFC frames built by the codecs; and the command on real runs
 * with one event or one frame changed, with context, exit 0/1/2. */
#include "test_util.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "digest.h"
#include "frame.h"
#include "pcapng.h"
#include "pkt.h"
#include "pkt_pfc.h"
#include "pkt_roce.h"
#include "pkt_summary.h"
#include "test_runs.h"

static const struct pkt_l2_spec l2 = {
    .dst = {0x00, 0x15, 0x5d, 0x02, 0x00, 0x02},
    .src = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02},
    .tagged = 1, .pcp = 3, .vid = 42};
static const struct pkt_ip_spec ip4 = {.version = 4, .ttl = 64,
                                       .src = {10, 0, 0, 1}, .dst = {10, 0, 0, 3}};

/* The sample frames and their expected summaries. */
static struct frame *sample(struct frame_pool *pool, int which)
{
    struct frame *f = frame_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int rc = -1;
    switch (which) {
    case 0: {
        struct pkt_l2_spec b = l2;
        memset(b.dst, 0xff, 6);
        b.tagged = 0;
        const uint8_t zero[6] = {0};
        rc = pkt_arp_build(f, &b, PKT_ARP_REQUEST, l2.src, ip4.src, zero, ip4.dst);
        break;
    }
    case 1:
        rc = pkt_udp_build(f, &l2, &ip4, 49152, 5001, 1472);
        break;
    case 2: {
        struct pkt_tcp_spec t = {.sport = 445, .dport = 50000, .seq = 7, .ack = 9,
                                 .flags = PKT_TCP_SYN | PKT_TCP_ACK, .window = 65535,
                                 .wscale = PKT_TCP_NO_WSCALE};
        rc = pkt_tcp_build(f, &l2, &ip4, &t, 0);
        break;
    }
    case 3: {
        struct pkt_ip_spec v6 = {.version = 6, .ttl = 255,
                                 .src = {0xfe, 0x80, [15] = 1},
                                 .dst = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2}};
        struct pkt_nd_spec nd = {.type = PKT_ICMPV6_NS, .target = {0xfe, 0x80, [15] = 2},
                                 .has_lladdr = 1, .lladdr = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02}};
        struct pkt_l2_spec b = l2;
        b.tagged = 0;
        rc = pkt_nd_build(f, &b, &v6, &nd);
        break;
    }
    case 4: {
        struct pkt_roce_spec r = {.bth = {.opcode = PKT_IB_RC_WRITE_ONLY, .ack_req = 1,
                                          .pkey = PKT_ROCE_DEFAULT_PKEY, .dest_qp = 0x11,
                                          .psn = 7},
                                  .reth = {.va = 0x1000, .rkey = 5, .dma_len = 1024},
                                  .udp_sport = 49999};
        rc = pkt_roce_build(f, &l2, &ip4, &r, 1024);
        break;
    }
    case 5: {
        const uint16_t q[8] = {[3] = 65535};
        const uint8_t src[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x09};
        rc = pkt_pfc_build(f, src, 0x08, q);
        break;
    }
    }
    CU_ASSERT_EQUAL(rc, 0);
    return f;
}

static const char *const expect[] = {
    "00:15:5d:01:00:02 > ff:ff:ff:ff:ff:ff, ARP who-has 10.0.0.3 tell 10.0.0.1, 60 B",
    "00:15:5d:01:00:02 > 00:15:5d:02:00:02 vlan 42 pcp 3, IPv4 10.0.0.1:49152 > 10.0.0.3:5001 "
    "UDP len 1480, 1518 B",
    "00:15:5d:01:00:02 > 00:15:5d:02:00:02 vlan 42 pcp 3, IPv4 10.0.0.1:445 > 10.0.0.3:50000 "
    "TCP [S.] seq 7 ack 9 win 65535, 60 B",
    "00:15:5d:01:00:02 > 00:15:5d:02:00:02, IPv6 [fe80::1] > [ff02::1:ff00:2] ICMPv6 NS "
    "who-has fe80::2 lladdr 00:15:5d:01:00:02, 86 B",
    "00:15:5d:01:00:02 > 00:15:5d:02:00:02 vlan 42 pcp 3, IPv4 10.0.0.1:49999 > 10.0.0.3:4791 "
    "UDP, RoCEv2 RC_WRITE_ONLY qp 0x000011 psn 7 A reth len 1024, 1102 B",
    "00:15:5d:01:00:09 > 01:80:c2:00:00:01, MAC control PFC enable 0x08 q3=65535, 60 B",
};
#define NSAMPLES (sizeof expect / sizeof expect[0])

static void test_reader_and_summary(void)
{
    char tmp[512], path[700], err[256], sum[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(path, sizeof path, "%s/s.pcapng", tmp);
    struct frame_pool *pool = frame_pool_create(8);
    struct pcapng_writer *w = pcapng_open(path, NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    int if_a = pcapng_add_interface(w, "hv1/SLOT 2", 0);
    int if_b = pcapng_add_interface(w, "tor1/3", 100); /* cuts at 100 bytes */
    for (size_t i = 0; i < NSAMPLES; i++) {
        struct frame *f = sample(pool, (int)i);
        CU_ASSERT_EQUAL(pcapng_write(w, i % 2 ? if_b : if_a, 1000000 * i + 1500, f,
                                     i % 3 == 2 ? PCAPNG_DIR_NONE : i % 2 ? PCAPNG_DIR_IN
                                                                          : PCAPNG_DIR_OUT),
                        0);
        frame_unref(f);
    }
    CU_ASSERT_EQUAL(pcapng_close(w), 0);

    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    for (size_t i = 0; i < NSAMPLES; i++) {
        CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
        CU_ASSERT_EQUAL(p.frame, i + 1);
        CU_ASSERT_STRING_EQUAL(capread_if_name(r, p.ifid), i % 2 ? "tor1/3" : "hv1/SLOT 2");
        CU_ASSERT_EQUAL(p.ts, 1000000 * i + 1000); /* truncated to the ns */
        CU_ASSERT_EQUAL(p.linktype, 1);
        CU_ASSERT_EQUAL(p.has_flags, i % 3 != 2);
        if (p.has_flags) {
            CU_ASSERT_EQUAL(p.flags, i % 2 ? 1u : 2u);
        }
        CU_ASSERT_EQUAL(p.dir, !p.has_flags ? CAPREAD_DIR_NONE
                               : i % 2     ? CAPREAD_DIR_IN
                                           : CAPREAD_DIR_OUT);
        CU_ASSERT(p.caplen <= p.wire_len);
        if (i % 2) {
            CU_ASSERT(p.caplen <= 100);
        }
        pkt_summary(p.data, p.caplen, p.wire_len, sum, sizeof sum);
        if (i % 2 == 0 || p.caplen == p.wire_len) {
            CU_ASSERT_STRING_EQUAL(sum, expect[i]);
        } else { /* the cut ones still decode their headers */
            CU_ASSERT_EQUAL(strncmp(sum, expect[i], 40), 0);
        }
    }
    CU_ASSERT_EQUAL(capread_next(r, &p), 0);
    capread_close(r);

    /* A short buffer is cut, not overrun. */
    struct frame *f = sample(pool, 1);
    char small[16];
    pkt_summary(frame_cdata(f), f->len, frame_wire_len(f), small, sizeof small);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    /* Truncated below the IP header. */
    pkt_summary(frame_cdata(f), 20, frame_wire_len(f), sum, sizeof sum);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "(truncated)"));
    pkt_summary(frame_cdata(f), 6, frame_wire_len(f), sum, sizeof sum);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "too short for Ethernet"));
    frame_unref(f);
    frame_pool_destroy(pool);
}

static void put32be(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    fwrite(b, 1, 4, f);
}

static void test_reader_big_endian_and_errors(void)
{
    char tmp[512], path[700], err[512], cmd[1600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(path, sizeof path, "%s/be.pcapng", tmp);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    /* SHB, no options */
    put32be(f, 0x0A0D0D0A), put32be(f, 28), put32be(f, 0x1A2B3C4D);
    put32be(f, 0x00010000), put32be(f, 0xFFFFFFFF), put32be(f, 0xFFFFFFFF), put32be(f, 28);
    /* IDB: Ethernet, snaplen 0, if_name "be0", default resolution (us) */
    put32be(f, 1), put32be(f, 32), put32be(f, 0x00010000), put32be(f, 0);
    put32be(f, 0x00020003), fwrite("be0\0", 1, 4, f), put32be(f, 0), put32be(f, 32);
    /* EPB: 16 bytes captured of 60, at 3 s + 5 us */
    put32be(f, 6), put32be(f, 48), put32be(f, 0), put32be(f, 0), put32be(f, 3000005);
    put32be(f, 16), put32be(f, 60);
    const uint8_t data[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x15, 0x5d, 0, 0, 1,
                              0x08, 0x06, 0, 1};
    fwrite(data, 1, 16, f);
    put32be(f, 48);
    fclose(f);
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    CU_ASSERT_EQUAL(capread_next(r, &p), 1);
    CU_ASSERT_STRING_EQUAL(capread_if_name(r, p.ifid), "be0");
    CU_ASSERT_EQUAL(p.ts, 3000005ull * 1000000);
    CU_ASSERT_EQUAL(p.caplen, 16);
    CU_ASSERT_EQUAL(p.wire_len, 60);
    CU_ASSERT_EQUAL(p.data[13], 0x06);
    CU_ASSERT_EQUAL(p.offset, 60);
    CU_ASSERT_EQUAL(capread_next(r, &p), 0);
    capread_close(r);

    /* Cut inside the packet block. */
    snprintf(cmd, sizeof cmd, "truncate -s 80 '%s'", path);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(capread_next(r, &p), -EMSGSIZE);
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "be.pcapng: block 3 at byte 60: truncated "
                                                     "block: the file ends inside a block (48 "
                                                     "bytes announced, 20 present)"));
    capread_close(r);

    /* Not pcapng at all. */
    snprintf(cmd, sizeof cmd, "echo 'not a capture' > '%s'", path);
    test_run(cmd, NULL, 0);
    CU_ASSERT_PTR_NULL(capread_open(path, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a readable pcap or pcapng capture"));

    /* A trailing length that disagrees. */
    f = fopen(path, "wb");
    put32be(f, 0x0A0D0D0A), put32be(f, 28), put32be(f, 0x1A2B3C4D);
    put32be(f, 0x00010000), put32be(f, 0xFFFFFFFF), put32be(f, 0xFFFFFFFF), put32be(f, 32);
    fclose(f);
    r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(capread_next(r, &p), -EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "block 1 at byte 0: the block's trailing "
                                                     "length 32 differs from its length 28"));
    capread_close(r);
}

/* Little-endian pcapng pieces for hand-made files. */
static void put32le(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void shb_le(FILE *f)
{
    put32le(f, 0x0A0D0D0A), put32le(f, 28), put32le(f, 0x1A2B3C4D);
    put32le(f, 0x00000001), put32le(f, 0xFFFFFFFF), put32le(f, 0xFFFFFFFF), put32le(f, 28);
}

/* IDB of link type lt named name (up to 7 bytes), if_tsresol res. */
static void idb_le(FILE *f, uint16_t lt, const char *name, uint8_t res)
{
    char nm[8] = {0};
    uint32_t n = (uint32_t)(strlen(name) < 7 ? strlen(name) : 7), pad = (n + 3) & ~3u;
    uint32_t total = 36 + pad;
    memcpy(nm, name, n);
    put32le(f, 1), put32le(f, total), put32le(f, lt), put32le(f, 0);
    put32le(f, 2u | n << 16), fwrite(nm, 1, pad, f);
    put32le(f, 9u | 1u << 16), fputc(res, f), fputc(0, f), fputc(0, f), fputc(0, f);
    put32le(f, 0), put32le(f, total);
}

/* EPB on interface ifid at ts units, n bytes (padded), flags (0: none). */
static void epb_le(FILE *f, uint32_t ifid, uint64_t ts, const uint8_t *d, uint32_t n,
                   uint32_t wire, uint32_t flags)
{
    uint32_t pad = (n + 3) & ~3u, total = 32 + pad + (flags ? 12 : 0);
    put32le(f, 6), put32le(f, total), put32le(f, ifid), put32le(f, (uint32_t)(ts >> 32));
    put32le(f, (uint32_t)ts), put32le(f, n), put32le(f, wire);
    fwrite(d, 1, n, f);
    for (uint32_t i = n; i < pad; i++)
        fputc(0, f);
    if (flags)
        put32le(f, 2u | 4u << 16), put32le(f, flags), put32le(f, 0);
    put32le(f, total);
}

/* Link types that carry Ethernet (1, and 240/241 with pseudo-header and
 * FCS stripped) in pcap and pcapng; others refused naming the link type;
 * two sections concatenated (interfaces numbered across the file, each
 * section's tsresol); a cut pcap named with its packet and offset. */
static void test_reader_link_types_and_sections(void)
{
    char tmp[512], path[700], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    struct frame_pool *pool = frame_pool_create(8);
    struct frame *fr = sample(pool, 0); /* ARP, 60 bytes */
    uint8_t eth[60], wrapped[128];
    CU_ASSERT_EQUAL_FATAL(fr->len, 60);
    memcpy(eth, frame_cdata(fr), 60);
    frame_unref(fr);
    frame_pool_destroy(pool);
    char sum[512];
    pkt_summary(eth, 60, 60, sum, sizeof sum);
    CU_ASSERT_STRING_EQUAL(sum, expect[0]);

    /* pcap: netANALYZER (4-byte header) and transparent (+ preamble, SFD),
     * both with the FCS. */
    static const struct { int dlt; unsigned hdr; } lts[] = {{DLT_NETANALYZER, 4},
                                                            {DLT_NETANALYZER_TRANSPARENT, 12}};
    for (size_t k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/na%zu.pcap", tmp, k);
        pcap_t *pd = pcap_open_dead(lts[k].dlt, 65535);
        pcap_dumper_t *d = pcap_dump_open(pd, path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        memset(wrapped, 0x55, sizeof wrapped);
        memcpy(wrapped + lts[k].hdr, eth, 60);
        memset(wrapped + lts[k].hdr + 60, 0xee, 4); /* FCS */
        struct pcap_pkthdr h = {.ts = {.tv_sec = 2, .tv_usec = 7},
                                .caplen = lts[k].hdr + 64, .len = lts[k].hdr + 64};
        pcap_dump((u_char *)d, &h, wrapped);
        h.caplen = lts[k].hdr + 20; /* cut */
        pcap_dump((u_char *)d, &h, wrapped);
        h.caplen = lts[k].hdr - 1; /* shorter than the pseudo-header */
        pcap_dump((u_char *)d, &h, wrapped);
        pcap_dump_close(d);
        pcap_close(pd);
        struct capread *r = capread_open(path, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        struct capread_pkt p;
        CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
        CU_ASSERT_EQUAL(p.linktype, lts[k].dlt);
        CU_ASSERT_EQUAL(p.caplen, 60);
        CU_ASSERT_EQUAL(p.wire_len, 60);
        CU_ASSERT_EQUAL(memcmp(p.data, eth, 60), 0);
        CU_ASSERT_EQUAL(p.ts, 2 * SIM_S + 7 * SIM_US);
        CU_ASSERT_EQUAL(p.offset, 24);
        CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
        CU_ASSERT_EQUAL(p.caplen, 20);
        CU_ASSERT_EQUAL(p.wire_len, 60);
        CU_ASSERT_EQUAL(memcmp(p.data, eth, 20), 0);
        CU_ASSERT_EQUAL(capread_next(r, &p), -EPROTO);
        CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "packet 3 at byte"));
        char want[128];
        snprintf(want, sizeof want, "shorter than the %u-byte header of link type %d",
                 lts[k].hdr, lts[k].dlt);
        CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), want));
        capread_close(r);
    }

    /* pcap of a link type without Ethernet. */
    snprintf(path, sizeof path, "%s/raw.pcap", tmp);
    pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t *d = pcap_dump_open(pd, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    pcap_dump_close(d);
    pcap_close(pd);
    CU_ASSERT_PTR_NULL(capread_open(path, err, sizeof err));
    CU_ASSERT_EQUAL(errno, EPROTONOSUPPORT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "raw.pcap: link type "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(RAW), which does not carry Ethernet"));

    /* A pcap cut inside its third packet. */
    snprintf(path, sizeof path, "%s/cut.pcap", tmp);
    pd = pcap_open_dead(DLT_EN10MB, 65535);
    d = pcap_dump_open(pd, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct pcap_pkthdr h = {.caplen = 60, .len = 60};
    for (int i = 0; i < 3; i++)
        pcap_dump((u_char *)d, &h, eth);
    pcap_dump_close(d);
    pcap_close(pd);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "truncate -s %d '%s'", 24 + 2 * 76 + 40, path);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    CU_ASSERT_EQUAL(capread_next(r, &p), 1);
    CU_ASSERT_EQUAL(capread_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.offset, 24 + 76);
    CU_ASSERT_EQUAL(capread_next(r, &p), -EMSGSIZE);
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "cut.pcap: packet 3 at byte 176: "));
    capread_close(r);

    /* pcapng: two sections; the second has two interfaces (netANALYZER
     * with 2^-10 s ticks, and Ethernet), its EPBs name them 0 and 1. */
    snprintf(path, sizeof path, "%s/two.pcapng", tmp);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    shb_le(f);
    idb_le(f, 1, "a/1", 9);
    epb_le(f, 0, 1500, eth, 60, 60, 2); /* out */
    shb_le(f);
    idb_le(f, 240, "b/na", 0x8A);
    idb_le(f, 1, "b/2", 6);
    memset(wrapped, 0x55, sizeof wrapped);
    memcpy(wrapped + 4, eth, 60);
    epb_le(f, 0, 3 * 1024, wrapped, 68, 68, 1); /* in, 3 s */
    epb_le(f, 1, 7, eth, 60, 60, 0);
    epb_le(f, 2, 7, eth, 60, 60, 0); /* no such interface in this section */
    fclose(f);
    r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ifid, 0);
    CU_ASSERT_STRING_EQUAL(capread_if_name(r, p.ifid), "a/1");
    CU_ASSERT_EQUAL(p.ts, 1500 * SIM_NS);
    CU_ASSERT_EQUAL(p.dir, CAPREAD_DIR_OUT);
    CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ifid, 1);
    CU_ASSERT_STRING_EQUAL(capread_if_name(r, p.ifid), "b/na");
    CU_ASSERT_EQUAL(p.linktype, 240);
    CU_ASSERT_EQUAL(p.ts, 3 * SIM_S);
    CU_ASSERT_EQUAL(p.dir, CAPREAD_DIR_IN);
    CU_ASSERT_EQUAL(p.caplen, 60);
    CU_ASSERT_EQUAL(p.wire_len, 60);
    CU_ASSERT_EQUAL(memcmp(p.data, eth, 60), 0);
    CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ifid, 2);
    CU_ASSERT_STRING_EQUAL(capread_if_name(r, p.ifid), "b/2");
    CU_ASSERT_EQUAL(p.ts, 7 * SIM_US);
    CU_ASSERT_EQUAL(p.frame, 3);
    CU_ASSERT_EQUAL(capread_if_count(r), 3);
    CU_ASSERT_EQUAL(capread_next(r, &p), -EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "block 9 at byte "));
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "packet on interface 2, which has no "
                                                     "description block"));
    capread_close(r);

    /* pcapng with an 802.11 interface. */
    f = fopen(path, "wb");
    shb_le(f);
    idb_le(f, 1, "a/1", 9);
    idb_le(f, 105, "wlan", 6);
    fclose(f);
    r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(capread_next(r, &p), -EPROTONOSUPPORT);
    CU_ASSERT_PTR_NOT_NULL(strstr(capread_errmsg(r), "two.pcapng: block 3 at byte 68: interface "
                                                     "1 has link type 105, which does not "
                                                     "carry Ethernet"));
    capread_close(r);
}

static int diff(const char *a, const char *b, const char *opts, char *out, size_t len)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "'%s' diff '%s' '%s' %s", SETSIM_BIN, a, b, opts ? opts : "");
    return test_run(cmd, out, len);
}

static void test_diff_command(void)
{
    char tmp[512], a[600], b[600], cmd[2400], err[512];
    static char out[65536];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    CU_ASSERT_EQUAL_FATAL(test_example_run("quickstart", a, NULL, NULL, 0), 0);
#define COPY()                                                                 \
    do {                                                                       \
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", b, a, b); \
        CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);                      \
    } while (0)

    struct digest da;
    CU_ASSERT_EQUAL_FATAL(digest_run(a, &da, err, sizeof err), 0);
    unsigned long long nev = (unsigned long long)da.rows[DIGEST_EVENTS];
    CU_ASSERT_FATAL(nev > 10);
    char want[400];

    COPY();
    CU_ASSERT_EQUAL(diff(a, b, NULL, out, sizeof out), 0);
    CU_ASSERT_EQUAL(strncmp(out, "identical: ", 11), 0);

    /* One event moved in time: its row, with two common rows before it and
     * two rows of each side from it, names resolved. */
    COPY();
    test_run_sql(b, "UPDATE events SET time_ps = time_ps + 7 WHERE seq = 6");
    CU_ASSERT_EQUAL(diff(a, b, "--context 2", out, sizeof out), 1);
    snprintf(want, sizeof want, "parts that differ: events (%llu / %llu rows)\n", nev, nev);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "first diverging event, row: 6\n    seq 4 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n    seq 5 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  A seq 6 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  A seq 7 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  B seq 6 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  B seq 7 "));
    CU_ASSERT_PTR_NULL(strstr(out, "seq 8 "));
    CU_ASSERT_PTR_NULL(strstr(out, "first diverging frame"));
    /* The object names of run.sqlite are shown, not ids. */
    char obj[256] = "";
    snprintf(cmd, sizeof cmd,
             "sqlite3 '%s/run.sqlite' 'SELECT o.name FROM events e JOIN objects o ON o.id = e.obj "
             "WHERE e.seq = 6'",
             a);
    test_run(cmd, obj, sizeof obj);
    obj[strcspn(obj, "\n")] = '\0';
    CU_ASSERT(obj[0] != '\0');
    snprintf(want, sizeof want, "obj=%s", obj);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));

    /* B lost its last event. */
    COPY();
    test_run_sql(b, "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)");
    CU_ASSERT_EQUAL(diff(a, b, NULL, out, sizeof out), 1);
    snprintf(want, sizeof want, "first diverging event, row: %llu (B has only %llu rows)", nev,
             nev - 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof want, "\n  A seq %llu ", nev);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));

    /* One frame's source MAC rewritten: frame number, interface, time and
     * the decode of both sides. */
    COPY();
    char cap[800];
    snprintf(cap, sizeof cap, "%s/capture.pcapng", b);
    struct capread *r = capread_open(cap, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    for (int i = 0; i < 40; i++)
        CU_ASSERT_EQUAL_FATAL(capread_next(r, &p), 1);
    char ifname[128], sum_a[512];
    snprintf(ifname, sizeof ifname, "%s", capread_if_name(r, p.ifid));
    pkt_summary(p.data, p.caplen, p.wire_len, sum_a, sizeof sum_a);
    uint64_t off = p.offset + 28 + 11; /* EPB fields, then the source MAC's last byte */
    capread_close(r);
    snprintf(cmd, sizeof cmd,
             "printf '\\252' | dd of='%s' bs=1 seek=%llu conv=notrunc status=none", cap,
             (unsigned long long)off);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    CU_ASSERT_EQUAL(diff(a, b, "-C 1", out, sizeof out), 1);
    snprintf(want, sizeof want, "parts that differ: capture (%llu / %llu bytes)\n",
             (unsigned long long)da.capture_bytes, (unsigned long long)da.capture_bytes);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "first diverging frame: #40\n    #39  "));
    snprintf(want, sizeof want, "\n  A #40  %s ", ifname);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof want, "\n  B #40  %s ", ifname);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, sum_a));      /* A's frame as it was */
    char *bline = strstr(out, "\n  B #40");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bline);
    CU_ASSERT_PTR_NOT_NULL(strstr(bline, ":aa > ")); /* B's rewritten source */
    CU_ASSERT_PTR_NULL(strstr(out, "#41"));

    /* A capture cut short is bad input. */
    snprintf(cmd, sizeof cmd, "truncate -s 5000 '%s'", cap);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    CU_ASSERT_EQUAL(diff(a, b, NULL, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "the file ends inside a block"));

    /* Bad run directories and usage. */
    CU_ASSERT_EQUAL(diff(a, tmp, NULL, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not a run directory"));
    COPY();
    test_run_sql(b, "UPDATE runs SET complete = 0");
    CU_ASSERT_EQUAL(diff(a, b, NULL, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not complete"));
    snprintf(cmd, sizeof cmd, "'%s' diff '%s'", SETSIM_BIN, a);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "which two run directories?"));
    CU_ASSERT_EQUAL(diff(a, a, "--context 99", out, sizeof out), 2);
#undef COPY
}

int suite_diff(void)
{
    CU_pSuite s = test_suite("diff");
    if (!s ||
        !CU_add_test(s, "pcapng reader reads the writer's frames; summaries", test_reader_and_summary) ||
        !CU_add_test(s, "pcapng reader: big-endian section, truncated, corrupt",
                     test_reader_big_endian_and_errors) ||
        !CU_add_test(s, "capture reader: link types carrying Ethernet, sections, cut pcap",
                     test_reader_link_types_and_sections) ||
        !CU_add_test(s, "setsim diff: first diverging event and frame, exit 0/1/2", test_diff_command))
        return -1;
    return 0;
}
