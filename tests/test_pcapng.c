/* test_pcapng: the capture writer, checked by walking its blocks, by
 * libpcap, and by tshark/capinfos when they are installed. */
#include "pcapng.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "test_util.h"

/* ---- test frames, built from raw bytes ------------------------------- */

#define UDP_PAYLOAD 1000u
#define ICRC_LEN 4u
#define UDP_HDRS 42u /* Ethernet 14 + IPv4 20 + UDP 8 */
#define UDP_WIRE (UDP_HDRS + UDP_PAYLOAD + ICRC_LEN)
#define SMALL_SNAP 64u

static const uint8_t icrc[ICRC_LEN] = {0xde, 0xad, 0xbe, 0xef};

static void frame_init_bytes(struct frame *f, const uint8_t *bytes, uint16_t len)
{
    memset(f, 0, sizeof *f);
    f->refcnt = 1;
    f->off = FRAME_HEADROOM;
    f->len = len;
    memcpy(f->buf + f->off, bytes, len);
}

static uint16_t ip_checksum(const uint8_t *h, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP to the discard port, UDP_PAYLOAD virtual bytes,
 * then a 4-byte trailer counted in the UDP payload (as RoCEv2's ICRC). */
static void build_udp(struct frame *f)
{
    uint8_t b[UDP_HDRS] = {
        0x02, 0x15, 0x5d, 0x00, 0x00, 0x02, 0x02, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x08, 0x00,
        0x45, 0x00, 0, 0, 0x00, 0x01, 0x40, 0x00, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        0xc0, 0x00, 0x00, 0x09, 0, 0, 0x00, 0x00,
    };
    uint16_t ip_len = 20 + 8 + UDP_PAYLOAD + ICRC_LEN;
    uint16_t udp_len = 8 + UDP_PAYLOAD + ICRC_LEN;
    b[16] = (uint8_t)(ip_len >> 8);
    b[17] = (uint8_t)ip_len;
    b[38] = (uint8_t)(udp_len >> 8);
    b[39] = (uint8_t)udp_len;
    uint16_t c = ip_checksum(b + 14, 20);
    b[24] = (uint8_t)(c >> 8);
    b[25] = (uint8_t)c;
    frame_init_bytes(f, b, sizeof b);
    f->payload_len = UDP_PAYLOAD;
    f->trailer_len = ICRC_LEN;
    memcpy(f->trailer, icrc, ICRC_LEN);
}

/* An ARP request padded to the Ethernet minimum: no payload, no trailer. */
static void build_arp(struct frame *f)
{
    uint8_t b[FRAME_ETH_MIN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, 0x02, 0x15, 0x5d, 0x00, 0x00, 0x01,
        10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
    };
    frame_init_bytes(f, b, sizeof b);
}

/* A PFC frame pausing priority 3 for 0xffff quanta. */
static void build_pfc(struct frame *f)
{
    uint8_t b[FRAME_ETH_MIN] = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x88, 0x08,
        0x01, 0x01, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    };
    frame_init_bytes(f, b, sizeof b);
}

/* Local experimental EtherType 0x88b5, written through the raw variant. */
static void build_raw(uint8_t b[FRAME_ETH_MIN])
{
    static const uint8_t h[14] = {0x02, 0x15, 0x5d, 0x00, 0x00, 0x02, 0x02,
                                  0x15, 0x5d, 0x00, 0x00, 0x01, 0x88, 0xb5};
    memset(b, 0, FRAME_ETH_MIN);
    memcpy(b, h, sizeof h);
    for (int i = 14; i < FRAME_ETH_MIN; i++)
        b[i] = (uint8_t)i;
}

#define TS_A (1 * SIM_S + 123456789 * SIM_NS + 999) /* ps truncated away */
#define TS_B (1 * SIM_S + 123456790 * SIM_NS + 500)
#define TS_C (2 * SIM_S)
#define TS_D (2 * SIM_S + 1)
#define TS_E (3 * SIM_S + 5 * SIM_NS)
#define N_SAMPLE_PACKETS 5

/* The reference capture: two interfaces (names with spaces and slashes),
 * five packets covering direction flags, truncation, zero payload, a
 * trailer and the raw variant.  Returns 0 or a negative errno. */
static int write_sample(const char *path, size_t buffer_size)
{
    struct pcapng_settings s = {.buffer_size = buffer_size, .overwrite = 1};
    char err[256];
    struct pcapng_writer *w = pcapng_open(path, &s, err, sizeof err);
    if (!w)
        return -errno;
    int if0 = pcapng_add_interface(w, "hv1/SLOT 2", 0);
    int if1 = pcapng_add_interface(w, "tor1/port 3 (uplink)", SMALL_SNAP);
    CU_ASSERT_EQUAL(if0, 0);
    CU_ASSERT_EQUAL(if1, 1);
    struct frame f;
    uint8_t raw[FRAME_ETH_MIN];
    build_udp(&f);
    CU_ASSERT_EQUAL(pcapng_write(w, if0, TS_A, &f, PCAPNG_DIR_OUT), 0);
    CU_ASSERT_EQUAL(pcapng_write(w, if1, TS_B, &f, PCAPNG_DIR_IN), 0);
    build_arp(&f);
    CU_ASSERT_EQUAL(pcapng_write(w, if0, TS_C, &f, PCAPNG_DIR_IN), 0);
    build_raw(raw);
    CU_ASSERT_EQUAL(pcapng_write_raw(w, if1, TS_D, raw, sizeof raw, sizeof raw, PCAPNG_DIR_NONE),
                    0);
    build_pfc(&f);
    CU_ASSERT_EQUAL(pcapng_write(w, if1, TS_E, &f, PCAPNG_DIR_OUT), 0);
    CU_ASSERT_EQUAL(pcapng_packet_count(w), N_SAMPLE_PACKETS);
    return pcapng_close(w);
}

static int sample_path(char *buf, size_t len, const char *name)
{
    char dir[512];
    if (test_tmpdir(dir, sizeof dir) != 0)
        return -1;
    snprintf(buf, len, "%s/%s", dir, name);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* ---- tests ----------------------------------------------------------- */

/* Walks the blocks: lengths padded and repeated, the block order, the
 * SHB's only option shb_userappl, each IDB's tsresol. */
static void test_block_structure(void)
{
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "s.pcapng") == 0);
    CU_ASSERT_FATAL(write_sample(path, 0) == 0);
    size_t len;
    uint8_t *b = read_all(path, &len);
    CU_ASSERT_FATAL(b != NULL);
    static const uint32_t want_types[] = {0x0A0D0D0A, 1, 1, 6, 6, 6, 6, 6};
    size_t nblocks = 0;
    size_t off = 0;
    while (off + 12 <= len && nblocks < 8) {
        uint32_t type = get32(b + off);
        uint32_t total = get32(b + off + 4);
        CU_ASSERT_EQUAL(type, want_types[nblocks]);
        CU_ASSERT_EQUAL(total % 4, 0);
        CU_ASSERT_FATAL(total >= 12 && off + total <= len);
        CU_ASSERT_EQUAL(get32(b + off + total - 4), total);
        if (type == 0x0A0D0D0A) {
            CU_ASSERT_EQUAL(get32(b + off + 8), 0x1A2B3C4D);
            const char want[] = "setsim " SETSIM_VERSION;
            CU_ASSERT_EQUAL(get16(b + off + 24), 4); /* shb_userappl */
            CU_ASSERT_EQUAL(get16(b + off + 26), sizeof want - 1);
            CU_ASSERT(memcmp(b + off + 28, want, sizeof want - 1) == 0);
            uint32_t end = 28 + ((uint32_t)(sizeof want - 1 + 3) & ~3u);
            CU_ASSERT_EQUAL(get32(b + off + end), 0); /* opt_endofopt, nothing else */
            CU_ASSERT_EQUAL(end + 8, total);
        } else if (type == 1) {
            CU_ASSERT_EQUAL(get16(b + off + 8), 1); /* LINKTYPE_ETHERNET */
            uint32_t o = off + 16;
            int saw_tsresol = 0;
            while (get16(b + o) != 0) {
                if (get16(b + o) == 9 && get16(b + o + 2) == 1 && b[o + 4] == 9)
                    saw_tsresol = 1;
                o += 4 + ((get16(b + o + 2) + 3u) & ~3u);
            }
            CU_ASSERT(saw_tsresol);
        }
        off += total;
        nblocks++;
    }
    CU_ASSERT_EQUAL(nblocks, 8);
    CU_ASSERT_EQUAL(off, len);
    free(b);
}

/* libpcap reads the file: lengths, nanosecond timestamps, the zero-filled
 * payload followed by the trailer, truncation at the snap length. */
static void test_libpcap_reads(void)
{
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "s.pcapng") == 0);
    CU_ASSERT_FATAL(write_sample(path, 0) == 0);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(pcap_datalink(p), DLT_EN10MB);
    CU_ASSERT_EQUAL(pcap_snapshot(p), (int)PCAPNG_SNAPLEN_DEFAULT);
    static const struct {
        uint32_t caplen, len;
        long sec, nsec;
    } want[N_SAMPLE_PACKETS] = {
        {UDP_WIRE, UDP_WIRE, 1, 123456789}, {SMALL_SNAP, UDP_WIRE, 1, 123456790},
        {60, 60, 2, 0},                     {60, 60, 2, 0},
        {60, 60, 3, 5},
    };
    struct pcap_pkthdr *h;
    const u_char *data;
    int n = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        CU_ASSERT_FATAL(n < N_SAMPLE_PACKETS);
        CU_ASSERT_EQUAL(h->caplen, want[n].caplen);
        CU_ASSERT_EQUAL(h->len, want[n].len);
        CU_ASSERT_EQUAL(h->ts.tv_sec, want[n].sec);
        CU_ASSERT_EQUAL(h->ts.tv_usec, want[n].nsec); /* nanoseconds in NANO mode */
        if (n == 0) {
            int zeros = 1;
            for (uint32_t i = UDP_HDRS; i < UDP_HDRS + UDP_PAYLOAD; i++)
                zeros &= data[i] == 0;
            CU_ASSERT(zeros);
            CU_ASSERT(memcmp(data + UDP_HDRS + UDP_PAYLOAD, icrc, ICRC_LEN) == 0);
            CU_ASSERT_EQUAL(data[23], 17); /* IPv4 protocol UDP */
        }
        if (n == 3)
            CU_ASSERT_EQUAL(data[59], 59);
        n++;
    }
    CU_ASSERT_EQUAL(n, N_SAMPLE_PACKETS);
    pcap_close(p);
}

/* tshark decodes every frame: interface names, lengths, directions,
 * nanosecond timestamps, and no malformed frame. */
static void test_tshark_reads(void)
{
    if (!test_have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: skipped\n");
        return;
    }
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "s.pcapng") == 0);
    CU_ASSERT_FATAL(write_sample(path, 0) == 0);
    char cmd[1024];
    char out[8192];
    snprintf(cmd, sizeof cmd,
             "(tshark -r '%s' -T fields -E separator=';' -e frame.interface_name -e frame.len"
             " -e frame.cap_len -e frame.packet_flags_direction -e frame.time_epoch"
             " -e eth.type 2>/dev/null)",
             path);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, out, sizeof out), 0);
    const char *want =
        "hv1/SLOT 2;1046;1046;0x00000002;1.123456789;0x0800\n"
        "tor1/port 3 (uplink);1046;64;0x00000001;1.123456790;0x0800\n"
        "hv1/SLOT 2;60;60;0x00000001;2.000000000;0x0806\n"
        "tor1/port 3 (uplink);60;60;;2.000000000;0x88b5\n"
        "tor1/port 3 (uplink);60;60;0x00000002;3.000000005;0x8808\n";
    CU_ASSERT_STRING_EQUAL(out, want);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "tshark gave:\n%s", out);

    snprintf(cmd, sizeof cmd, "(tshark -r '%s' -Y _ws.malformed 2>/dev/null)", path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");

    /* Nor any expert warning or error (checksums, lengths). */
    snprintf(cmd, sizeof cmd,
             "(tshark -r '%s' -Y '_ws.expert.severity >= \"warning\"' 2>/dev/null)", path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");

    /* The PFC frame decodes as PFC (priority 3 enabled), the ARP as ARP. */
    snprintf(cmd, sizeof cmd,
             "(tshark -r '%s' -Y 'macc.opcode == 0x0101 || arp.opcode == 1' -T fields"
             " -e frame.number 2>/dev/null)",
             path);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "3\n5\n");
}

static void test_capinfos_reads(void)
{
    if (!test_have_tool("capinfos")) {
        fprintf(stderr, "capinfos not installed: skipped\n");
        return;
    }
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "s.pcapng") == 0);
    CU_ASSERT_FATAL(write_sample(path, 0) == 0);
    char cmd[1024];
    char out[8192];
    snprintf(cmd, sizeof cmd, "capinfos '%s'", path);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "pcapng"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Number of packets:   5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Number of interfaces in file: 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Name = hv1/SLOT 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Name = tor1/port 3 (uplink)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Time precision = nanoseconds (9)"));
    /* Every IDB carries the writer's snap length (libpcap requires one). */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Capture length = 262144"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Capture application: setsim " SETSIM_VERSION));
    if (!strstr(out, "Number of packets:   5"))
        fprintf(stderr, "capinfos gave:\n%s", out);
}

/* The same calls give the same bytes, whatever the buffer size. */
static void test_byte_identical(void)
{
    char a[600], b[600], c[600];
    CU_ASSERT_FATAL(sample_path(a, sizeof a, "a.pcapng") == 0);
    CU_ASSERT_FATAL(sample_path(b, sizeof b, "b.pcapng") == 0);
    CU_ASSERT_FATAL(sample_path(c, sizeof c, "c.pcapng") == 0);
    CU_ASSERT_FATAL(write_sample(a, 0) == 0);
    CU_ASSERT_FATAL(write_sample(b, 0) == 0);
    CU_ASSERT_FATAL(write_sample(c, 1) == 0); /* raised to the minimum */
    size_t la, lb, lc;
    uint8_t *da = read_all(a, &la), *db = read_all(b, &lb), *dc = read_all(c, &lc);
    CU_ASSERT_FATAL(da && db && dc);
    CU_ASSERT_EQUAL(la, lb);
    CU_ASSERT_EQUAL(la, lc);
    CU_ASSERT(la == lb && memcmp(da, db, la) == 0);
    CU_ASSERT(la == lc && memcmp(da, dc, la) == 0);
    free(da);
    free(db);
    free(dc);
}

/* Many packets through a minimum-size buffer: several flushes, nothing
 * lost, libpcap counts them all. */
static void test_many_packets_flush(void)
{
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "many.pcapng") == 0);
    struct pcapng_settings s = {.buffer_size = 1};
    char err[256];
    struct pcapng_writer *w = pcapng_open(path, &s, err, sizeof err);
    CU_ASSERT_FATAL(w != NULL);
    int ifid = pcapng_add_interface(w, "hv1/SLOT 3", 0);
    CU_ASSERT_EQUAL_FATAL(ifid, 0);
    struct frame f;
    build_udp(&f);
    enum { N = 3000 }; /* ~3.2 MB: about ten flushes of the minimum buffer */
    for (int i = 0; i < N; i++)
        CU_ASSERT_EQUAL(pcapng_write(w, ifid, (sim_time_t)i * SIM_US, &f, PCAPNG_DIR_OUT), 0);
    CU_ASSERT_EQUAL(pcapng_flush(w), 0);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CU_ASSERT_FATAL(p != NULL);
    struct pcap_pkthdr *h;
    const u_char *data;
    int n = 0, ok = 1;
    while (pcap_next_ex(p, &h, &data) == 1) {
        ok &= h->len == UDP_WIRE && h->caplen == UDP_WIRE;
        ok &= (long)h->ts.tv_sec * 1000000000L + (long)h->ts.tv_usec == (long)n * 1000L;
        n++;
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(n, N);
    pcap_close(p);
}

/* A writer-wide snap length: in every IDB, and no interface above it. */
static void test_writer_snaplen(void)
{
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "snap.pcapng") == 0);
    struct pcapng_settings s = {.snaplen = 128};
    char err[256];
    struct pcapng_writer *w = pcapng_open(path, &s, err, sizeof err);
    CU_ASSERT_FATAL(w != NULL);
    CU_ASSERT_EQUAL(pcapng_add_interface(w, "a", 129), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_add_interface(w, "a", 0), 0);
    CU_ASSERT_EQUAL(pcapng_add_interface(w, "b", 100), 1);
    struct frame f;
    build_udp(&f);
    CU_ASSERT_EQUAL(pcapng_write(w, 0, 0, &f, PCAPNG_DIR_OUT), 0);
    CU_ASSERT_EQUAL(pcapng_write(w, 1, 0, &f, PCAPNG_DIR_OUT), 0);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(pcap_snapshot(p), 128);
    struct pcap_pkthdr *h;
    const u_char *data;
    static const uint32_t want_caplen[2] = {128, 100};
    int n = 0;
    while (pcap_next_ex(p, &h, &data) == 1 && n < 2) {
        CU_ASSERT_EQUAL(h->caplen, want_caplen[n]);
        CU_ASSERT_EQUAL(h->len, UDP_WIRE);
        n++;
    }
    CU_ASSERT_EQUAL(n, 2);
    pcap_close(p);
}

static void test_errors(void)
{
    char path[600];
    CU_ASSERT_FATAL(sample_path(path, sizeof path, "e.pcapng") == 0);
    char err[256];
    struct pcapng_writer *w = pcapng_open(path, NULL, err, sizeof err);
    CU_ASSERT_FATAL(w != NULL);
    CU_ASSERT_EQUAL(pcapng_add_interface(w, "", 0), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_add_interface(w, "x", PCAPNG_SNAPLEN_MAX + 1), -EINVAL);
    struct pcapng_settings big = {.snaplen = PCAPNG_SNAPLEN_MAX + 1};
    CU_ASSERT_PTR_NULL(pcapng_open(path, &big, err, sizeof err));
    CU_ASSERT_EQUAL(errno, EINVAL);
    int ifid = pcapng_add_interface(w, "x", 0);
    CU_ASSERT_EQUAL(ifid, 0);
    uint8_t raw[FRAME_ETH_MIN];
    build_raw(raw);
    CU_ASSERT_EQUAL(pcapng_write_raw(w, 1, 0, raw, 60, 60, PCAPNG_DIR_NONE), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_write_raw(w, -1, 0, raw, 60, 60, PCAPNG_DIR_NONE), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_write_raw(w, 0, 0, raw, 60, 59, PCAPNG_DIR_NONE), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_write(w, 0, 0, NULL, PCAPNG_DIR_NONE), -EINVAL);
    CU_ASSERT_EQUAL(pcapng_write_raw(w, 0, 0, NULL, 0, 1500, PCAPNG_DIR_IN), 0);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    CU_ASSERT_EQUAL(pcapng_close(NULL), 0);

    /* An existing file is not replaced unless asked. */
    errno = 0;
    w = pcapng_open(path, NULL, err, sizeof err);
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_EQUAL(errno, EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    struct pcapng_settings s = {.overwrite = 1};
    w = pcapng_open(path, &s, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(w);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);

    /* A missing directory names the path. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s.d/none/x.pcapng", path);
    w = pcapng_open(bad, NULL, err, sizeof err);
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, bad));

    /* Disk full: the error comes back from close (and sticks). */
    struct stat st;
    if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
        w = pcapng_open("/dev/full", &s, err, sizeof err);
        CU_ASSERT_FATAL(w != NULL);
        CU_ASSERT_EQUAL(pcapng_add_interface(w, "x", 0), 0);
        CU_ASSERT_EQUAL(pcapng_flush(w), -ENOSPC);
        CU_ASSERT_EQUAL(pcapng_write_raw(w, 0, 0, raw, 60, 60, PCAPNG_DIR_NONE), -ENOSPC);
        CU_ASSERT_EQUAL(pcapng_close(w), -ENOSPC);
    }
}

int suite_pcapng(void)
{
    CU_pSuite s = test_suite("pcapng");
    if (!s)
        return -1;
    if (!CU_add_test(s, "block structure", test_block_structure) ||
        !CU_add_test(s, "libpcap reads the capture", test_libpcap_reads) ||
        !CU_add_test(s, "tshark decodes the capture", test_tshark_reads) ||
        !CU_add_test(s, "capinfos describes the capture", test_capinfos_reads) ||
        !CU_add_test(s, "byte-identical output", test_byte_identical) ||
        !CU_add_test(s, "many packets, small buffer", test_many_packets_flush) ||
        !CU_add_test(s, "writer snap length", test_writer_snaplen) ||
        !CU_add_test(s, "errors", test_errors))
        return -1;
    return 0;
}
