/* test_check: the trace checker (results/check*.c, capread.c, the mapping
 * loader scenarios/check_map.c, `setsim check`).
 *
 * Clean traces are the example scenarios' own runs: every rule passes or is
 * na there.  Each crafted trace is one of those runs with frames mutated
 * (a source MAC rewritten, a frame moved to the other member, a PFC class
 * bit flipped, a VLAN tag stripped, ...) or an event row changed; the test
 * asserts that the targeted rule fails (or warns, for a warning rule) with
 * the frame number (or event row) of the mutated frame. */
#include "test_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "capread.h"
#include "check_map.h"
#include "check.h"
#include "pcapng.h"
#include "pkt.h"
#include "pkt_pfc.h"
#include "pkt_roce.h"
#include "test_check.h"

/* ---- runs of the example scenarios, made once per process ---- */

static char tmp_root[512];

const char *run_example(const char *name)
{
    static char dirs[8][600];
    static const char *names[8];
    for (int i = 0; i < 8; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return dirs[i];
    if (!tmp_root[0] && test_tmpdir(tmp_root, sizeof tmp_root) != 0)
        return NULL;
    for (int i = 0; i < 8; i++) {
        if (names[i])
            continue;
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", tmp_root, name);
        char src[512], cmd[2048];
        char rel[128];
        snprintf(rel, sizeof rel, "scenarios/examples/%s.yaml", name);
        test_src_path(rel, src, sizeof src);
        snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet > /dev/null 2>&1", SETSIM_BIN,
                 src, dirs[i]);
        if (test_run(cmd, NULL, 0) != 0)
            return NULL;
        names[i] = name;
        return dirs[i];
    }
    return NULL;
}

/* ---- frame mutation (struct mpkt, mut_fn: test_check.h) ---- */

int iface(struct capread *r, const char *name)
{
    for (size_t i = 0; i < capread_if_count(r); i++)
        if (strcmp(capread_if_name(r, i), name) == 0)
            return (int)i;
    return -1;
}

/* Copies run directory src to dst with its capture rewritten through fn
 * and, when sql is given, that SQL applied to the copy of run.sqlite.
 * Returns the output frame number of the first MUT_HIT (0 when none). */
uint64_t mutate(const char *src, const char *dst, mut_fn fn, void *ctx, const char *sql)
{
    char cmd[2048], path[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && cp '%s/run.sqlite' '%s/'", dst,
             dst, src, dst);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    if (sql) {
        sqlite3 *db;
        snprintf(path, sizeof path, "%s/run.sqlite", dst);
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
            fprintf(stderr, "sql: %s\n", msg);
        CU_ASSERT_EQUAL(rc, SQLITE_OK);
        sqlite3_free(msg);
        sqlite3_close(db);
    }
    char err[512];
    snprintf(path, sizeof path, "%s/capture.pcapng", src);
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    snprintf(path, sizeof path, "%s/capture.pcapng", dst);
    struct pcapng_writer *w = pcapng_open(path, NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct capread_pkt p;
    size_t nifs = 0;
    uint64_t out = 0, hit = 0;
    struct mpkt m;
    while (capread_next(r, &p) == 1) {
        for (; nifs < capread_if_count(r); nifs++)
            CU_ASSERT_EQUAL(pcapng_add_interface(w, capread_if_name(r, nifs), 256), (int)nifs);
        memset(&m, 0, sizeof m);
        m.index = p.frame;
        m.ifid = p.ifid;
        m.ifname = capread_if_name(r, p.ifid);
        m.ts = p.ts;
        m.dir = (enum pcapng_dir)p.dir;
        m.caplen = p.caplen;
        m.wire_len = p.wire_len;
        memcpy(m.data, p.data, p.caplen);
        m.parsed = pkt_parse_bytes(m.data, m.caplen, m.wire_len, &m.pi) == 0;
        int v = fn ? fn(ctx, &m, r) : MUT_KEEP;
        if (v == MUT_DROP)
            continue;
        CU_ASSERT_EQUAL(pcapng_write_raw(w, (int)m.ifid, m.ts, m.data, m.caplen, m.wire_len,
                                         m.dir), 0);
        out++;
        if (m.dup) { /* the copy is the hit */
            CU_ASSERT_EQUAL(pcapng_write_raw(w, (int)m.dup_ifid, m.ts, m.data, m.caplen,
                                             m.wire_len, m.dir), 0);
            out++;
        }
        if (v == MUT_HIT && !hit)
            hit = out;
    }
    capread_close(r);
    CU_ASSERT_EQUAL(pcapng_close(w), 0);
    return hit;
}

struct check_report *check_dir(const char *dir)
{
    struct check_input *in = check_input_new();
    char err[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    int rc = check_input_from_run(in, dir, NULL, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    struct check_report *rep = check_run(in, err, sizeof err);
    if (!rep)
        fprintf(stderr, "%s\n", err);
    check_input_close_events(in);
    check_input_free(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
    return rep;
}

void dump_bad(const struct check_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].status == CHECK_FAIL || r->v[i].status == CHECK_WARN)
            fprintf(stderr, "  %s %s frame %llu event %llu: %s\n", r->v[i].rule->id,
                    check_status_name(r->v[i].status), (unsigned long long)r->v[i].frame,
                    (unsigned long long)r->v[i].event_seq, r->v[i].reason);
}

/* The rule's verdict is `want` at frame `frame` (0: an event offence with
 * row `seq`). */
void expect(const struct check_report *r, const char *rule, enum check_status want,
            uint64_t frame, uint64_t seq)
{
    const struct check_verdict *v = check_report_find(r, rule);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    if (v->status != want || v->frame != frame || (seq && v->event_seq != seq)) {
        fprintf(stderr, "\n%s: got %s at frame %llu event %llu (%s); want %s at frame %llu "
                "event %llu\n", rule, check_status_name(v->status),
                (unsigned long long)v->frame, (unsigned long long)v->event_seq, v->reason,
                check_status_name(want), (unsigned long long)frame, (unsigned long long)seq);
        dump_bad(r);
    }
    CU_ASSERT_EQUAL(v->status, want);
    CU_ASSERT_EQUAL(v->frame, frame);
    if (seq)
        CU_ASSERT_EQUAL(v->event_seq, seq);
    CU_ASSERT(v->violations >= 1);
}

void expect_clean(const struct check_report *r, const char *const *must_pass)
{
    if (check_report_failed(r))
        dump_bad(r);
    CU_ASSERT_FALSE(check_report_failed(r));
    for (size_t i = 0; i < r->n; i++)
        CU_ASSERT(r->v[i].status == CHECK_PASS || r->v[i].status == CHECK_NA);
    for (; must_pass && *must_pass; must_pass++) {
        const struct check_verdict *v = check_report_find(r, *must_pass);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        if (v->status != CHECK_PASS)
            fprintf(stderr, "\n%s: %s (%s), want pass\n", *must_pass,
                    check_status_name(v->status), v->reason);
        CU_ASSERT_EQUAL(v->status, CHECK_PASS);
        CU_ASSERT(v->checked > 0);
    }
}

static const uint8_t VM1_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};

/* Generic selector: the n-th frame (1-based) matching a predicate gets an
 * edit. */
struct sel {
    int n, seen;
    const char *ifname;        /* only on this interface, NULL: any */
    int dir;                   /* PCAPNG_DIR_OUT / IN, 0 any */
    const uint8_t *src;        /* source MAC, NULL any */
    int need_udp, need_arp, need_pfc;
    sim_time_t after;          /* only frames after this time */
    /* the edit */
    const char *move_to;       /* interface to move it to */
    const char *copy_to;       /* interface to copy it to (the copy follows it) */
    const uint8_t *set_src;
    const uint8_t *set_dst;
    int set_ethertype;         /* untagged frames: EtherType + first payload byte */
    int first_byte;
    int flip_ttl;
    int set_ip_proto;          /* IPv4 protocol := this (1: ICMP) */
    int pfc_or, pfc_hi;        /* PFC vector bits to set */
    int wire_len;
    int set_dir;
    const uint8_t *dst;        /* destination MAC, NULL any */
    int need_roce, need_ack;   /* RoCE frames; RC ACKs only */
    int strip_tag;             /* remove the 802.1Q tag */
    int set_pcp;               /* 1..7: rewrite the PCP */
    int src_to_pmac;           /* source := hv9/SLOT 2's MAC (pfc-incast) */
    int src_to_mgmt;           /* source := hv9's management vNIC (not RDMA) */
    int nak;                   /* AETH syndrome := NAK, PSN sequence error */
    int is_xon;                /* PFC with priority 3's time 0 (an XON) */
    int drop;                  /* remove the frame */
};

static int sel_match(struct sel *s, struct mpkt *m)
{
    if (s->ifname && strcmp(m->ifname, s->ifname) != 0)
        return 0;
    if (s->dir && (int)m->dir != s->dir)
        return 0;
    if ((s->after && m->ts <= s->after) || !m->parsed)
        return 0;
    if (s->src && memcmp(m->pi.src, s->src, 6) != 0)
        return 0;
    if (s->need_udp && !(m->pi.layers & PKT_HAS_UDP))
        return 0;
    if (s->need_arp && !(m->pi.layers & PKT_HAS_ARP))
        return 0;
    if (s->need_pfc && !(m->pi.layers & PKT_HAS_PFC))
        return 0;
    if (s->dst && memcmp(m->pi.dst, s->dst, 6) != 0)
        return 0;
    if (s->need_roce && !(m->pi.layers & PKT_HAS_ROCE))
        return 0;
    if (s->need_ack && !(m->pi.bth.opcode == PKT_IB_RC_ACK && (m->pi.layers & PKT_HAS_AETH)))
        return 0;
    if (s->is_xon && !((m->pi.pfc_enable & 0x08) && m->pi.pfc_quanta[3] == 0))
        return 0;
    return ++s->seen == s->n;
}

static int sel_apply(void *ctx, struct mpkt *m, struct capread *r)
{
    struct sel *s = ctx;
    if (!sel_match(s, m))
        return MUT_KEEP;
    if (s->move_to) {
        int i = iface(r, s->move_to);
        CU_ASSERT_FATAL(i >= 0);
        m->ifid = (uint32_t)i;
    }
    if (s->copy_to) {
        int i = iface(r, s->copy_to);
        CU_ASSERT_FATAL(i >= 0);
        m->dup = 1;
        m->dup_ifid = (uint32_t)i;
    }
    if (s->set_src)
        memcpy(m->data + 6, s->set_src, 6);
    if (s->set_dst)
        memcpy(m->data, s->set_dst, 6);
    if (s->set_ethertype) {
        m->data[12] = (uint8_t)(s->set_ethertype >> 8);
        m->data[13] = (uint8_t)s->set_ethertype;
        m->data[14] = (uint8_t)s->first_byte;
    }
    if (s->flip_ttl)
        m->data[m->pi.l3_off + 8] ^= 0x01;
    if (s->set_ip_proto) {
        CU_ASSERT_FATAL(m->pi.layers & PKT_HAS_IPV4);
        m->data[m->pi.l3_off + 9] = (uint8_t)s->set_ip_proto;
    }
    if (s->pfc_or)
        m->data[17] |= (uint8_t)s->pfc_or;
    if (s->pfc_hi)
        m->data[16] |= (uint8_t)s->pfc_hi;
    if (s->wire_len)
        m->wire_len = (uint32_t)s->wire_len;
    if (s->set_dir)
        m->dir = (enum pcapng_dir)s->set_dir;
    if (s->set_pcp)
        m->data[14] = (uint8_t)((m->data[14] & 0x1F) | s->set_pcp << 5);
    static const uint8_t hv9_pmac[6] = {0x02, 0x53, 0x45, 0x09, 0x00, 0x01};
    static const uint8_t hv9_mgmt[6] = {0x00, 0x15, 0x5d, 0x09, 0x00, 0x01};
    if (s->src_to_pmac)
        memcpy(m->data + 6, hv9_pmac, 6);
    if (s->src_to_mgmt)
        memcpy(m->data + 6, hv9_mgmt, 6);
    if (s->nak)
        m->data[m->pi.l4_off + PKT_UDP_HLEN + PKT_BTH_LEN] =
            pkt_roce_aeth_nak(PKT_AETH_NAK_PSN_SEQ_ERR);
    if (s->strip_tag) {
        CU_ASSERT_FATAL(m->pi.layers & PKT_HAS_VLAN);
        memmove(m->data + 12, m->data + 16, m->caplen - 16);
        m->caplen -= 4;
        m->wire_len -= 4;
    }
    return s->drop ? MUT_DROP : MUT_HIT;
}

/* The first row's first column of a query on dir's run.sqlite, as text. */
void sql_text_first(const char *dir, const char *sql, char *out, size_t len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    out[0] = 0;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

const char *crafted(const char *tag, char *buf, size_t len)
{
    snprintf(buf, len, "%s/crafted-%s", tmp_root, tag);
    return buf;
}

/* ---- clean runs ---- */

static void test_clean_examples(void)
{
    static const char *const dyn[] = {"CFG-010", "CFG-013", "CFG-023", "CFG-024", "HVP-001",
                                      "HVP-009", "DYN-003", "DYN-004", "DYN-005", "DYN-006", "DYN-007",
                                      "DYN-008", "FO-003", NULL};
    static const char *const hvp[] = {"HVP-003", "HVP-004", "HVP-006", "HVP-007", "FO-001",
                                      "FO-002", "FO-004", "HVP-005", NULL};
    static const char *const mar[] = {"CFG-001", "CFG-015", NULL};
    static const char *const pfc[] = {"DCB-001", "DCB-003", "DCB-009", NULL};
    struct {
        const char *name;
        const char *const *pass;
    } cases[] = {{"dynamic-flowlets", dyn}, {"failover-mac-takeover", hvp},
                 {"member-add-remove", mar}, {"pause-storm", pfc},
                 {"hyperv-port", NULL},     {"quickstart", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *dir = run_example(cases[i].name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
        struct check_report *r = check_dir(dir);
        expect_clean(r, cases[i].pass);
        check_report_free(r);
    }
}

/* An unmodified copy through the mutation path is still clean (the
 * rewriting itself changes nothing the rules see). */
static void test_copy_is_clean(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700];
    mutate(dir, crafted("copy", out, sizeof out), NULL, NULL, NULL);
    struct check_report *r = check_dir(out);
    expect_clean(r, NULL);
    check_report_free(r);
}

/* ---- crafted violations: one per rule ---- */

static void run_sel(const char *scenario, const char *tag, struct sel *s, const char *rule,
                    enum check_status want)
{
    const char *dir = run_example(scenario);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    uint64_t hit = mutate(dir, crafted(tag, out, sizeof out), sel_apply, s, NULL);
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    expect(r, rule, want, hit, 0);
    check_report_free(r);
}

static void test_hvp009_moved_frame(void)
{
    /* vm1's 200th UDP frame (on SLOT 3, its affinitized member) moved to
     * SLOT 2 with its own MAC: the MAC flaps. */
    struct sel s = {.n = 200, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .src = VM1_MAC,
                    .need_udp = 1, .move_to = "hv1/SLOT 2"};
    run_sel("dynamic-flowlets", "hvp009", &s, "HVP-009", CHECK_FAIL);
}

static void test_dyn004_nonhash_elsewhere(void)
{
    /* vm1's 200th UDP frame (on SLOT 3, its affinitized member) made ICMP
     * (no 4-tuple) and moved to SLOT 2. */
    struct sel s = {.n = 200, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .src = VM1_MAC,
                    .need_udp = 1, .set_ip_proto = 1, .move_to = "hv1/SLOT 2"};
    run_sel("dynamic-flowlets", "dyn004", &s, "DYN-004", CHECK_FAIL);
}

static void test_dyn005_arp_on_other_member(void)
{
    /* vm1's ARP (affinitized to SLOT 3) moved to SLOT 2. */
    struct sel s = {.n = 1, .dir = PCAPNG_DIR_OUT, .src = VM1_MAC, .need_arp = 1,
                    .move_to = "hv1/SLOT 2"};
    run_sel("dynamic-flowlets", "dyn005", &s, "DYN-005", CHECK_FAIL);
}

static void test_cfg013_unknown_source(void)
{
    static const uint8_t team_mac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
    struct sel s = {.n = 50, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .need_udp = 1,
                    .set_src = team_mac};
    run_sel("dynamic-flowlets", "cfg013", &s, "CFG-013", CHECK_FAIL);
}

static void test_cfg010_lacpdu(void)
{
    struct sel s = {.n = 30, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_OUT, .need_udp = 1,
                    .set_ethertype = 0x8809, .first_byte = 0x01};
    run_sel("dynamic-flowlets", "cfg010", &s, "CFG-010", CHECK_FAIL);
}

static void test_cfg024_eapol(void)
{
    struct sel s = {.n = 40, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .src = VM1_MAC,
                    .need_udp = 1, .set_ethertype = 0x888E, .first_byte = 0x01};
    run_sel("dynamic-flowlets", "cfg024", &s, "CFG-024", CHECK_FAIL);
}

static void test_cfg023_bad_checksum(void)
{
    struct sel s = {.n = 70, .ifname = "hv1/SLOT 2", .need_udp = 1, .flip_ttl = 1};
    run_sel("dynamic-flowlets", "cfg023", &s, "CFG-023", CHECK_FAIL);
}

static void test_dcb001_pfc_class_bit(void)
{
    /* hv2/SLOT 2's storm PFC (seen at tor1/3: "in" is the member's
     * transmission) gets priority 4's class bit. */
    struct sel s = {.n = 3, .need_pfc = 1, .pfc_or = 0x10};
    run_sel("pause-storm", "dcb001", &s, "DCB-001", CHECK_FAIL);
}

/* DCB-009: every qos_programmed row says blocked(debugger); the first PFC a
 * member sends (hv2/SLOT 2's storm) is then an offence. */
static void test_dcb009_pfc_while_blocked(void)
{
    static const char *sql =
        "UPDATE events SET reason = 'blocked(debugger)' WHERE kind = (SELECT id FROM "
        "event_kinds WHERE name = 'qos_programmed');";
    const char *dir = run_example("pause-storm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    struct sel s = {.n = 1, .need_pfc = 1};
    uint64_t hit = mutate(dir, crafted("dcb009", out, sizeof out), sel_apply, &s, sql);
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    expect(r, "DCB-009", CHECK_FAIL, hit, 0);
    check_report_free(r);
}

static void test_dcb003_pfc_length(void)
{
    struct sel s = {.n = 2, .need_pfc = 1, .wire_len = 68};
    run_sel("pause-storm", "dcb003", &s, "DCB-003", CHECK_FAIL);
}

/* Sets the link type of the first interface of the pcapng at path (the
 * IDB after the section header); returns the IDB's offset. */
static uint64_t poke_linktype(const char *path, uint16_t lt)
{
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t h[8];
    CU_ASSERT_EQUAL_FATAL(fread(h, 1, 8, f), 8);
    uint64_t idb = (uint64_t)h[4] | (uint64_t)h[5] << 8 | (uint64_t)h[6] << 16 |
                   (uint64_t)h[7] << 24;
    uint8_t v[2] = {(uint8_t)lt, (uint8_t)(lt >> 8)};
    CU_ASSERT_EQUAL(fseek(f, (long)idb + 8, SEEK_SET), 0);
    CU_ASSERT_EQUAL(fwrite(v, 1, 2, f), 2);
    fclose(f);
    return idb;
}

static void test_corrupt_inputs(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700], cmd[4096], txt[4096];
    crafted("truncated", out, sizeof out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && cp '%s/run.sqlite' '%s/' && "
             "head -c 100000 '%s/capture.pcapng' > '%s/capture.pcapng'",
             out, out, dir, out, dir, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, out);
    int rc = test_run(cmd, txt, sizeof txt);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "truncated block"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "capture.pcapng"));
    /* Not a run directory at all. */
    snprintf(cmd, sizeof cmd, "'%s' check '%s/nonexistent'", SETSIM_BIN, tmp_root);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "run.sqlite"));
    /* No capture.pcapng. */
    snprintf(cmd, sizeof cmd, "rm '%s/capture.pcapng'", out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, out);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "capture.pcapng: cannot open the capture: No such file"));
    /* An interface of a link type that does not carry Ethernet. */
    snprintf(cmd, sizeof cmd, "cp '%s/capture.pcapng' '%s/'", dir, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    char path[800], want[900];
    snprintf(path, sizeof path, "%s/capture.pcapng", out);
    uint64_t at = poke_linktype(path, 105);
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, out);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    snprintf(want, sizeof want, "%s: block 2 at byte %llu: interface 0 has link type 105, which "
             "does not carry Ethernet", path, (unsigned long long)at);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, want));
    /* A MAC address of the world's facts that is not one. */
    snprintf(cmd, sizeof cmd, "cp '%s/capture.pcapng' '%s/' && sqlite3 '%s/run.sqlite' \"UPDATE "
             "events SET detail = replace(detail, ':', '-') WHERE detail LIKE 'check.nic%%'\"",
             dir, out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, out);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "run.sqlite: bad check note 'check.nic"));
}

/* Random bytes of a capture overwritten (block headers and lengths
 * included): the checker either reports or refuses with a message naming
 * the file; it never crashes or reads outside a block (ASan build). */
static void test_corrupted_bytes(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700], path[800], src[800];
    crafted("bytes", out, sizeof out);
    snprintf(src, sizeof src, "%s/capture.pcapng", dir);
    FILE *f = fopen(src, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CU_ASSERT_FATAL(n > 4096);
    uint64_t x = 88172645463325252ull; /* xorshift64 */
    int refused = 0, reported = 0;
    for (int round = 0; round < 40; round++) {
        static uint8_t cur[1 << 16];
        memcpy(cur, buf, n);
        for (int k = 0; k < 8; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            cur[x % n] = (uint8_t)(x >> 24);
        }
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && cp '%s/run.sqlite' '%s/'", out,
                 out, dir, out);
        CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
        snprintf(path, sizeof path, "%s/capture.pcapng", out);
        f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fwrite(cur, 1, n - (size_t)(x % 512), f);
        fclose(f);
        struct check_input *in = check_input_new();
        char err[1024] = "";
        CU_ASSERT_EQUAL_FATAL(check_input_from_run(in, out, NULL, err, sizeof err), 0);
        struct check_report *r = check_run(in, err, sizeof err);
        check_input_close_events(in);
        check_input_free(in);
        if (r) {
            reported++;
            check_report_free(r);
        } else {
            refused++;
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "capture.pcapng"));
        }
    }
    CU_ASSERT(refused > 0);
    CU_ASSERT_EQUAL(refused + reported, 40);
}

static void test_cli_exit_status(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char cmd[2048], txt[16384];
    snprintf(cmd, sizeof cmd, "'%s' check '%s'", SETSIM_BIN, dir);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "HVP-009  pass"));
    char out[700];
    crafted("hvp009", out, sizeof out);
    snprintf(cmd, sizeof cmd, "'%s' check '%s' --json", SETSIM_BIN, out);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"rule\": \"HVP-009\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"status\": \"fail\""));
    snprintf(cmd, sizeof cmd, "'%s' check", SETSIM_BIN);
    CU_ASSERT_EQUAL(test_run(cmd, txt, sizeof txt), 2);
}

/* Runs an example with its capture points replaced (a scenario file copy
 * whose "capture:" line is `capture`). */
const char *run_example_capturing(const char *name, const char *capture)
{
    static char dir[700];
    if (!tmp_root[0] && test_tmpdir(tmp_root, sizeof tmp_root) != 0)
        return NULL;
    char src[512], rel[128], yaml[800], cmd[4096];
    snprintf(rel, sizeof rel, "scenarios/examples/%s.yaml", name);
    test_src_path(rel, src, sizeof src);
    snprintf(yaml, sizeof yaml, "%s/%s-cap.yaml", tmp_root, name);
    snprintf(dir, sizeof dir, "%s/%s-cap", tmp_root, name);
    snprintf(cmd, sizeof cmd, "sed 's|^capture:.*|capture: %s|' '%s' > '%s' && '%s' run '%s' -o '%s' "
             "--quiet > /dev/null 2>&1", capture, src, yaml, SETSIM_BIN, yaml, dir);
    return test_run(cmd, NULL, 0) == 0 ? dir : NULL;
}

/* failover-mac-takeover has no management vNIC: vm1 is ...:01, vm2 ...:02. */
static const uint8_t FO_VM1_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x01};
static const uint8_t FO_VM2_MAC[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x02};
static const uint8_t SLOT2_PMAC[6] = {0x02, 0x53, 0x45, 0x01, 0x00, 0x01};
static const uint8_t SLOT3_PMAC[6] = {0x02, 0x53, 0x45, 0x01, 0x00, 0x02};

/* HVP-003/HVP-006: vm1 (mapped to SLOT 2, Hyper-V Port) sends on SLOT 3. */
static void test_hvp003_hvp006_wrong_member(void)
{
    struct sel s = {.n = 100, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_OUT, .src = FO_VM1_MAC,
                    .need_udp = 1, .move_to = "hv1/SLOT 3"};
    run_sel("failover-mac-takeover", "hvp003", &s, "HVP-003", CHECK_FAIL);
    struct sel s2 = s;
    s2.seen = 0;
    run_sel("failover-mac-takeover", "hvp006", &s2, "HVP-006", CHECK_FAIL);
}

/* HVP-004: a Hyper-V Port frame with its member's MAC as source. */
static void test_hvp004_replaced_source(void)
{
    struct sel s = {.n = 60, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT,
                    .src = FO_VM2_MAC, .need_udp = 1, .set_src = SLOT3_PMAC};
    run_sel("failover-mac-takeover", "hvp004", &s, "HVP-004", CHECK_FAIL);
}

/* HVP-005: one frame of vm2 (Hyper-V Port, on SLOT 3) claims 40 MB on the
 * wire: 320 Mbit in an instant, more than SLOT 3 carries in 10 ms. */
static void test_hvp005_over_rate(void)
{
    struct sel s = {.n = 60, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT,
                    .src = FO_VM2_MAC, .need_udp = 1, .wire_len = 40000000};
    run_sel("failover-mac-takeover", "hvp005", &s, "HVP-005", CHECK_FAIL);
}

/* HVP-007: a frame received for vm1 moved to the member vm1 is not on. */
static void test_hvp007_ingress_elsewhere(void)
{
    struct sel s = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .dst = FO_VM1_MAC,
                    .move_to = "hv1/SLOT 3"};
    run_sel("failover-mac-takeover", "hvp007", &s, "HVP-007", CHECK_FAIL);
}

/* HVP-007: the same frame also received on the other member is the
 * switch's flood (with two switches MAC(p) may be known to one of them
 * only): a warning, whichever copy comes first. */
static void test_hvp007_flood_copy(void)
{
    struct sel s = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .dst = FO_VM1_MAC,
                    .copy_to = "hv1/SLOT 3"};
    run_sel("failover-mac-takeover", "hvp007flood", &s, "HVP-007", CHECK_WARN);
    /* the copy on the other member first: it waits for the one on A(p),
     * which is the hit, the frame after it */
    struct sel s2 = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .dst = FO_VM1_MAC,
                     .move_to = "hv1/SLOT 3", .copy_to = "hv1/SLOT 2"};
    const char *dir = run_example("failover-mac-takeover");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    uint64_t hit = mutate(dir, crafted("hvp007flood2", out, sizeof out), sel_apply, &s2, NULL);
    CU_ASSERT_FATAL(hit > 1);
    struct check_report *r = check_dir(out);
    expect(r, "HVP-007", CHECK_WARN, hit - 1, 0);
    check_report_free(r);
    /* no copy on A(p), but the same frame received by another host (hv2):
     * a unicast frame on two ports is a flood too (with two switches the
     * copy towards A(p) may be lost on the way) */
    struct sel s3 = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .dst = FO_VM1_MAC,
                     .move_to = "hv1/SLOT 3", .copy_to = "hv2/SLOT 2"};
    hit = mutate(dir, crafted("hvp007flood3", out, sizeof out), sel_apply, &s3, NULL);
    CU_ASSERT_FATAL(hit > 1);
    r = check_dir(out);
    expect(r, "HVP-007", CHECK_WARN, hit - 1, 0);
    check_report_free(r);
}

/* FO-001: after SLOT 2 is cut at 5 ms, a frame of SLOT 3 moved to it. */
static void test_fo001_sent_while_down(void)
{
    struct sel s = {.n = 10, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .need_udp = 1,
                    .after = 6 * SIM_MS, .move_to = "hv1/SLOT 2"};
    run_sel("failover-mac-takeover", "fo001", &s, "FO-001", CHECK_FAIL);
}

/* FO-003: after the cut, SLOT 2's MAC appears as a source on SLOT 3. */
static void test_fo003_rmac_elsewhere(void)
{
    struct sel s = {.n = 10, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .need_udp = 1,
                    .after = 6 * SIM_MS, .set_src = SLOT2_PMAC};
    run_sel("failover-mac-takeover", "fo003", &s, "FO-003", CHECK_FAIL);
}

/* FO-002 and HVP-001: the failover affinity_set of vm1 points at the failed
 * member (SLOT 2) instead of the survivor. */
static void test_fo002_hvp001_no_failover(void)
{
    static const char *sql =
        "UPDATE events SET obj2 = (SELECT id FROM objects WHERE name IN ('SLOT 2', 'hv1/SLOT 2')) "
        "WHERE reason = 'failover' AND kind = (SELECT id FROM event_kinds WHERE "
        "name = 'affinity_set');";
    const char *dir = run_example("failover-mac-takeover");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    mutate(dir, crafted("fo002", out, sizeof out), NULL, NULL, sql);
    struct check_report *r = check_dir(out);
    const struct check_verdict *v = check_report_find(r, "FO-002");
    CU_ASSERT_EQUAL(v->status, CHECK_FAIL);
    CU_ASSERT_EQUAL(v->frame, 0);
    CU_ASSERT(v->event_seq > 0);
    CU_ASSERT_EQUAL(check_report_find(r, "HVP-001")->status, CHECK_FAIL);
    check_report_free(r);
}

/* FO-004: the event row after vm1's failover affinity (5 ms, SLOT 2 still
 * down) becomes a second affinity_set of vm1 (back to SLOT 2): two moves
 * for one failure. */
static void test_fo004_two_moves(void)
{
    static const char *pick =
        "SELECT min(seq) FROM events WHERE seq > (SELECT seq FROM events WHERE reason = "
        "'failover' AND kind = (SELECT id FROM event_kinds WHERE name = 'affinity_set'))";
    const char *dir = run_example("failover-mac-takeover");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char seq[32], sql[1024], out[700];
    sql_text_first(dir, pick, seq, sizeof seq);
    CU_ASSERT_FATAL(seq[0] != 0);
    snprintf(sql, sizeof sql,
             "UPDATE events SET kind = (SELECT id FROM event_kinds WHERE name = 'affinity_set'), "
             "obj = (SELECT obj FROM events WHERE reason = 'failover'), obj2 = (SELECT id FROM "
             "objects WHERE name IN ('SLOT 2', 'hv1/SLOT 2')), reason = 'failover', detail = "
             "NULL WHERE seq = %s;", seq);
    mutate(dir, crafted("fo004", out, sizeof out), NULL, NULL, sql);
    struct check_report *r = check_dir(out);
    expect(r, "FO-004", CHECK_FAIL, 0, strtoull(seq, NULL, 10));
    check_report_free(r);
}

/* CFG-001: eight more member_added rows for SETswitch. */
static void test_cfg001_nine_members(void)
{
    static const char *sql =
        "INSERT INTO objects(name, kind) VALUES ('NIC a','nic'),('NIC b','nic'),('NIC c','nic'),"
        "('NIC d','nic'),('NIC e','nic'),('NIC f','nic'),('NIC g','nic');"
        "INSERT INTO events(time_ps, kind, obj, obj2) SELECT 0, k.id, o.id, t.id FROM "
        "event_kinds k, objects o, objects t WHERE k.name = 'member_added' AND o.name LIKE "
        "'NIC _' AND t.name IN ('SETswitch', 'hv1/SETswitch');"
        "INSERT INTO events(time_ps, kind, detail) SELECT 0, k.id, 'check.nic\thv1/NIC ' || "
        "substr(o.name, 5) || '\thv1/SETswitch\t02:00:00:00:00:0' || substr(o.name, 5) || "
        "'\t25000000000\t8' FROM event_kinds k, objects o WHERE k.name = 'note' AND o.name "
        "LIKE 'NIC _';";
    const char *dir = run_example("dynamic-flowlets");
    char out[700];
    mutate(dir, crafted("cfg001", out, sizeof out), NULL, NULL, sql);
    struct check_report *r = check_dir(out);
    const struct check_verdict *v = check_report_find(r, "CFG-001");
    if (v->status != CHECK_FAIL)
        fprintf(stderr, "\nCFG-001 %s: %s\n", check_status_name(v->status), v->reason);
    CU_ASSERT_EQUAL(v->status, CHECK_FAIL);
    CU_ASSERT(v->event_seq > 0);
    check_report_free(r);
}

/* DYN-003 [S]: a flow_move whose gap is below the flowlet gap. */
static void test_dyn003_gapless_move(void)
{
    static const char *sql =
        "UPDATE events SET value = 100000 WHERE seq = (SELECT min(seq) FROM events WHERE kind "
        "= (SELECT id FROM event_kinds WHERE name = 'flow_move'));";
    const char *dir = run_example("dynamic-flowlets");
    char out[700];
    mutate(dir, crafted("dyn003", out, sizeof out), NULL, NULL, sql);
    struct check_report *r = check_dir(out);
    const struct check_verdict *v = check_report_find(r, "DYN-003");
    CU_ASSERT_EQUAL(v->status, CHECK_FAIL);
    CU_ASSERT(v->event_seq > 0);
    check_report_free(r);
}

/* DYN-006: a frame of vm1 on its affinitized member (SLOT 3) with SLOT 3's
 * MAC; DYN-007: one on SLOT 2 with SLOT 3's MAC. */
static void test_dyn006_dyn007_sources(void)
{
    struct sel s = {.n = 120, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_OUT, .src = VM1_MAC,
                    .need_udp = 1, .set_src = SLOT3_PMAC};
    run_sel("dynamic-flowlets", "dyn006", &s, "DYN-006", CHECK_FAIL);
    struct sel s2 = {.n = 120, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_OUT,
                     .src = SLOT2_PMAC, .need_udp = 1, .set_src = SLOT3_PMAC};
    run_sel("dynamic-flowlets", "dyn007", &s2, "DYN-007", CHECK_FAIL);
}

/* DYN-008 (warning): a received frame addressed to SLOT 2's MAC. */
static void test_dyn008_to_rmac(void)
{
    struct sel s = {.n = 1, .ifname = "hv1/SLOT 3", .dir = PCAPNG_DIR_IN, .dst = VM1_MAC,
                    .set_dst = SLOT2_PMAC};
    run_sel("dynamic-flowlets", "dyn008", &s, "DYN-008", CHECK_WARN);
}

/* RoCE of pfc-incast-lossless (hv9 receives; its SMB_1 sends ACKs). */
static void test_roce_rules(void)
{
    /* DCB-004 / DCB-012: a RoCE frame's tag stripped; DCB-012: its PCP
     * changed; DYN-010: moved to the RMAC; DCB-010: from a non-RDMA vNIC;
     * DCB-005: an ACK turned into a NAK (PSN sequence error). */
    struct sel a = {.n = 5, .need_roce = 1, .strip_tag = 1};
    run_sel("pfc-incast-lossless", "dcb004", &a, "DCB-004", CHECK_FAIL);
    struct sel b = {.n = 5, .dir = PCAPNG_DIR_OUT, .need_roce = 1, .set_pcp = 5};
    run_sel("pfc-incast-lossless", "dcb012", &b, "DCB-012", CHECK_FAIL);
    struct sel c = {.n = 5, .dir = PCAPNG_DIR_OUT, .need_roce = 1, .src_to_pmac = 1};
    run_sel("pfc-incast-lossless", "dyn010", &c, "DYN-010", CHECK_FAIL);
    struct sel d = {.n = 5, .dir = PCAPNG_DIR_OUT, .need_roce = 1, .src_to_mgmt = 1};
    run_sel("pfc-incast-lossless", "dcb010", &d, "DCB-010", CHECK_FAIL);
    struct sel e = {.n = 5, .need_roce = 1, .need_ack = 1, .nak = 1};
    run_sel("pfc-incast-lossless", "dcb005", &e, "DCB-005", CHECK_FAIL);
    /* The same NAK after a priority-3 frame was dropped for a link failure
     * (the run's first mac_learn row made a link_down drop): that loss's
     * recovery, not DCB-005's. */
    struct sel e2 = {.n = 5, .need_roce = 1, .need_ack = 1, .nak = 1};
    const char *dir = run_example("pfc-incast-lossless");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char out[700];
    uint64_t hit = mutate(dir, crafted("dcb005fail", out, sizeof out), sel_apply, &e2,
                          "UPDATE events SET kind = (SELECT id FROM event_kinds WHERE name = "
                          "'drop'), reason = 'link_down', prio = 3, value = NULL, aux = NULL "
                          "WHERE seq = (SELECT MIN(e.seq) FROM events e JOIN event_kinds k ON "
                          "k.id = e.kind WHERE k.name = 'mac_learn')");
    CU_ASSERT_FATAL(hit > 0);
    struct check_report *r = check_dir(out);
    CU_ASSERT_EQUAL(check_report_find(r, "DCB-005")->status, CHECK_PASS);
    check_report_free(r);
    /* ... or after a member went down (frames towards it may vanish in the
     * switch's flood without a drop row) */
    struct sel e3 = {.n = 5, .need_roce = 1, .need_ack = 1, .nak = 1};
    hit = mutate(dir, crafted("dcb005down", out, sizeof out), sel_apply, &e3,
                 "UPDATE events SET kind = (SELECT id FROM event_kinds WHERE name = "
                 "'member_down'), obj = (SELECT id FROM objects WHERE name = 'hv9/SLOT 2'), "
                 "obj2 = (SELECT id FROM objects WHERE name = 'hv9/SETswitch'), reason = NULL, "
                 "prio = NULL, value = NULL, aux = NULL WHERE seq = (SELECT MIN(e.seq) FROM "
                 "events e JOIN event_kinds k ON k.id = e.kind WHERE k.name = 'mac_learn')");
    CU_ASSERT_FATAL(hit > 0);
    r = check_dir(out);
    CU_ASSERT_NOT_EQUAL(check_report_find(r, "DCB-005")->status, CHECK_FAIL);
    check_report_free(r);
}

/* DCB-002: a sender of the incast (hv1) captured too: it receives PFC from
 * the ToR and honours it (clean); with one XON removed, its next
 * priority-3 frame starts inside the pause. */
static void test_dcb002_pause(void)
{
    const char *dir = run_example_capturing("pfc-incast-lossless", "[hv1/SLOT 2, hv9/SLOT 2]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    struct check_report *r = check_dir(dir);
    static const char *const pass[] = {"DCB-002", "DCB-004", "DCB-005", "DCB-010", "DCB-012",
                                       "DYN-010", "DCB-007", NULL};
    expect_clean(r, pass);
    check_report_free(r);
    /* DCB-007: the first PFC hv1/SLOT 2 receives also asks priority 4 (not
     * PFC-enabled there): a warning at that frame. */
    struct sel s7 = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .need_pfc = 1,
                     .pfc_or = 0x10};
    char out7[700];
    uint64_t hit7 = mutate(dir, crafted("dcb007", out7, sizeof out7), sel_apply, &s7, NULL);
    CU_ASSERT_FATAL(hit7 > 0);
    r = check_dir(out7);
    expect(r, "DCB-007", CHECK_WARN, hit7, 0);
    check_report_free(r);
    struct sel s = {.n = 1, .ifname = "hv1/SLOT 2", .dir = PCAPNG_DIR_IN, .need_pfc = 1,
                    .is_xon = 1, .drop = 1};
    char out[700];
    mutate(dir, crafted("dcb002", out, sizeof out), sel_apply, &s, NULL);
    CU_ASSERT_FATAL(s.seen >= 1);
    /* The frame to blame: hv1/SLOT 2's first priority-3 transmission after
     * the removed XON. */
    char path[800], err[256];
    snprintf(path, sizeof path, "%s/capture.pcapng", out);
    struct capread *cr = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
    struct capread_pkt p;
    uint64_t want = 0;
    sim_time_t xon_ts = 0;
    /* Find the XON's time in the original, then the first p3 frame after. */
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    struct capread *orig = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
    while (capread_next(orig, &p) == 1) {
        struct pkt_info pi;
        if (strcmp(capread_if_name(orig, p.ifid), "hv1/SLOT 2") == 0 && p.dir == CAPREAD_DIR_IN &&
            pkt_parse_bytes(p.data, p.caplen, p.wire_len, &pi) == 0 &&
            (pi.layers & PKT_HAS_PFC) && (pi.pfc_enable & 0x08) && pi.pfc_quanta[3] == 0) {
            xon_ts = p.ts;
            break;
        }
    }
    capread_close(orig);
    CU_ASSERT_FATAL(xon_ts > 0);
    while (capread_next(cr, &p) == 1) {
        struct pkt_info pi;
        if (p.ts >= xon_ts && strcmp(capread_if_name(cr, p.ifid), "hv1/SLOT 2") == 0 &&
            p.dir == CAPREAD_DIR_OUT && pkt_parse_bytes(p.data, p.caplen, p.wire_len, &pi) == 0 &&
            (pi.layers & PKT_HAS_VLAN) && pi.pcp == 3) {
            want = p.frame;
            break;
        }
    }
    capread_close(cr);
    CU_ASSERT_FATAL(want > 0);
    r = check_dir(out);
    expect(r, "DCB-002", CHECK_FAIL, want, 0);
    check_report_free(r);
}

/* CFG-015: member-add-remove removes NIC 2; one of NIC 1's later frames
 * moved onto NIC 2. */
static void test_cfg015_sent_after_removal(void)
{
    const char *dir = run_example("member-add-remove");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char sql[256];
    sql_text_first(dir, "SELECT time_ps FROM events_v WHERE kind = 'member_removed'", sql,
                   sizeof sql);
    sim_time_t t = (sim_time_t)strtoull(sql, NULL, 10);
    CU_ASSERT_FATAL(t > 0);
    struct sel s = {.n = 5, .ifname = "hv1/NIC 1", .dir = PCAPNG_DIR_OUT, .need_udp = 1,
                    .after = t + SIM_MS, .move_to = "hv1/NIC 2"};
    run_sel("member-add-remove", "cfg015", &s, "CFG-015", CHECK_FAIL);
}

/* ---- external captures through a mapping file ---- */

/* Writes the frames of interface ifname of dir's capture to a classic pcap
 * file (link type linktype; no direction survives). */
void split_pcap(const char *dir, const char *ifname, const char *out, int linktype)
{
    char path[700], err[512];
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    struct capread *r = capread_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    pcap_t *pd = pcap_open_dead_with_tstamp_precision(linktype, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d = pcap_dump_open(pd, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct capread_pkt p;
    while (capread_next(r, &p) == 1) {
        if (strcmp(capread_if_name(r, p.ifid), ifname) != 0)
            continue;
        struct pcap_pkthdr h = {.caplen = p.caplen, .len = p.wire_len};
        h.ts.tv_sec = (time_t)(p.ts / SIM_S);
        h.ts.tv_usec = (suseconds_t)((p.ts % SIM_S) / 1000); /* nanoseconds */
        pcap_dump((u_char *)d, &h, p.data);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    capread_close(r);
}

/* A mapping file for team `team` of run dir: one pcap per member (host
 * side), the vPorts of that team, the PFC priorities; extra is appended. */
void write_mapping(const char *dir, const char *team, const char *outdir, const char *map,
                   const char *extra)
{
    struct check_input *in = check_input_new();
    char err[512];
    CU_ASSERT_EQUAL_FATAL(check_input_from_run(in, dir, NULL, err, sizeof err), 0);
    int t = check_input_team(in, team);
    CU_ASSERT_FATAL(t >= 0);
    FILE *f = fopen(map, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "team: %s\nmode: %s\n", team,
            in->teams[t].mode == CHECK_MODE_DYNAMIC ? "Dynamic" : "HyperVPort");
    int first = 1;
    for (size_t m = 0; m < in->nmembers; m++) {
        const struct check_member *mb = &in->members[m];
        if (mb->team != t)
            continue;
        if (first) {
            fprintf(f, "pfc_priorities: [");
            for (int p = 0, n = 0; p < 8; p++)
                if (mb->pfc_mask & (1u << p))
                    fprintf(f, "%s%d", n++ ? ", " : "", p);
            fprintf(f, "]\nmembers:\n");
            first = 0;
        }
        char pcap[800];
        const char *nic = strchr(mb->name, '/') + 1;
        snprintf(pcap, sizeof pcap, "%s/%s.pcap", outdir, nic);
        for (char *c = strrchr(pcap, '/'); *c; c++)
            if (*c == ' ')
                *c = '_';
        split_pcap(dir, mb->name, pcap, DLT_EN10MB);
        char mac[18];
        fprintf(f, "  \"%s\": { mac: \"%s\", rate: %lluGbps, capture: \"%s\", side: host }\n",
                nic, check_mac_str(mb->pmac, mac),
                (unsigned long long)(mb->rate_bps / 1000000000ull), strrchr(pcap, '/') + 1);
    }
    fprintf(f, "vports:\n");
    for (size_t v = 0; v < in->nvports; v++) {
        const struct check_vport *vp = &in->vports[v];
        if (vp->team != t)
            continue;
        char mac[18];
        fprintf(f, "  \"%s\": { mac: \"%s\", vlan: %u, rdma: %s", vp->name,
                check_mac_str(vp->mac, mac), vp->vlan, vp->rdma ? "true" : "false");
        if (vp->has_ipv4)
            fprintf(f, ", ipv4: %u.%u.%u.%u", vp->ipv4[0], vp->ipv4[1], vp->ipv4[2],
                    vp->ipv4[3]);
        if (vp->mapped >= 0)
            fprintf(f, ", mapped: \"%s\"", strchr(in->members[vp->mapped].name, '/') + 1);
        fprintf(f, " }\n");
    }
    if (extra)
        fputs(extra, f);
    fclose(f);
    check_input_close_events(in);
    check_input_free(in);
}

struct check_report *check_map_file(const char *map)
{
    struct check_input *in = check_input_new();
    char err[1024];
    int rc = check_map_load(map, in, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    struct check_report *r = check_run(in, err, sizeof err);
    check_input_free(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    return r;
}

/* The wire-checkable rules give the same verdict from split pcap files and
 * a mapping as from the run directory. */
static void same_wire_verdicts(const char *rundir, const char *team, const char *tag)
{
    char out[700], map[800];
    crafted(tag, out, sizeof out);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    write_mapping(rundir, team, out, map, NULL);
    /* The run directory restricted to the same captures: the team's
     * members' host-side interfaces. */
    struct check_input *in = check_input_new();
    char err[1024];
    CU_ASSERT_EQUAL_FATAL(check_input_from_run(in, rundir, NULL, err, sizeof err), 0);
    int t = check_input_team(in, team);
    size_t k = 0;
    for (size_t c = 0; c < in->ncaptures; c++) {
        const struct check_capture *cp = &in->captures[c];
        if (cp->member >= 0 && in->members[cp->member].team == t && cp->side == CHECK_SIDE_HOST)
            in->captures[k++] = *cp;
    }
    in->ncaptures = k;
    struct check_report *a = check_run(in, err, sizeof err), *b = check_map_file(map);
    check_input_close_events(in);
    check_input_free(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    size_t compared = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (!(a->v[i].rule->needs & CHECK_NEEDS_WIRE))
            continue;
        if (a->v[i].status != b->v[i].status)
            fprintf(stderr, "\n%s %s: run dir %s (%s), mapping %s (%s)\n", tag,
                    a->v[i].rule->id, check_status_name(a->v[i].status), a->v[i].reason,
                    check_status_name(b->v[i].status), b->v[i].reason);
        CU_ASSERT_EQUAL(a->v[i].status, b->v[i].status);
        compared++;
    }
    CU_ASSERT(compared >= 10);
    check_report_free(a);
    check_report_free(b);
}

static void test_external_same_verdicts(void)
{
    same_wire_verdicts(run_example("dynamic-flowlets"), "hv1/SETswitch", "ext-dyn");
    same_wire_verdicts(run_example("hyperv-port"), "hv1/TeamedvSwitch", "ext-hvp");
    /* A crafted violation is found from the pcap files too. */
    char out[700];
    crafted("hvp009", out, sizeof out);
    same_wire_verdicts(out, "hv1/SETswitch", "ext-hvp009");
}

static void expect_map_error(const char *tag, const char *yaml, const char *want)
{
    char out[700], map[800], cmd[2000], txt[4096];
    crafted(tag, out, sizeof out);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    FILE *f = fopen(map, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(yaml, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' check --mapping '%s'", SETSIM_BIN, map);
    int rc = test_run(cmd, txt, sizeof txt);
    if (rc != 2 || !strstr(txt, want))
        fprintf(stderr, "\n%s: exit %d, output: %s (want '%s')\n", tag, rc, txt, want);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, want));
}

static void test_mapping_errors(void)
{
    const char *dir = run_example("dynamic-flowlets");
    char out[700], map[800], cmd[1600];
    crafted("ext-err", out, sizeof out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(map, sizeof map, "%s/map.yaml", out);
    write_mapping(dir, "hv1/SETswitch", out, map, NULL); /* makes SLOT_2.pcap, SLOT_3.pcap */
    char p[900];
    snprintf(p, sizeof p, "%s/raw.pcap", out);
    split_pcap(dir, "hv1/SLOT 2", p, DLT_RAW);
    static const char *const head = "mode: Dynamic\nmembers:\n";
    char y[2000];
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: nothere.pcap }\n",
             head);
    expect_map_error("ext-err", y, "map.yaml:3:");
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00\", capture: SLOT_2.pcap }\n", head);
    expect_map_error("ext-err", y, "is not a MAC address");
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", captur: SLOT_2.pcap }\n",
             head);
    expect_map_error("ext-err", y, "capture");
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: raw.pcap }\n", head);
    expect_map_error("ext-err", y, "link type");
    /* A truncated pcap. */
    snprintf(cmd, sizeof cmd, "head -c 3000 '%s/SLOT_2.pcap' > '%s/cut.pcap'", out, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: cut.pcap }\n", head);
    expect_map_error("ext-err", y, "cut.pcap");
    /* The missing file is named. */
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: nothere.pcap }\n",
             head);
    expect_map_error("ext-err", y, "capture 'nothere.pcap': cannot read ");
    expect_map_error("ext-err", y, "crafted-ext-err/nothere.pcap");
    /* pcapng: cut inside a block, an interface that does not carry
     * Ethernet. */
    snprintf(cmd, sizeof cmd, "head -c 5000 '%s/capture.pcapng' > '%s/cut.pcapng' && "
             "cp '%s/capture.pcapng' '%s/wlan.pcapng'", dir, out, dir, out);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: cut.pcapng, "
             "interface: \"hv1/SLOT 2\" }\n", head);
    expect_map_error("ext-err", y, "cut.pcapng: block ");
    expect_map_error("ext-err", y, "truncated block: the file ends inside a block");
    snprintf(p, sizeof p, "%s/wlan.pcapng", out);
    poke_linktype(p, 105);
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", capture: wlan.pcapng, "
             "interface: \"hv1/SLOT 2\" }\n", head);
    expect_map_error("ext-err", y, "has link type 105, which does not carry Ethernet");
    /* A MAC with a bad digit. */
    snprintf(y, sizeof y, "%s  \"SLOT 2\": { mac: \"02:53:45:01:00:0g\", capture: SLOT_2.pcap }\n",
             head);
    expect_map_error("ext-err", y, "is not a MAC address");
}

int suite_check(void)
{
    CU_pSuite s = test_suite("check");
    if (!s)
        return -1;
    struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"clean_examples", test_clean_examples},
        {"copy_is_clean", test_copy_is_clean},
        {"hvp009_moved_frame", test_hvp009_moved_frame},
        {"dyn004_nonhash_elsewhere", test_dyn004_nonhash_elsewhere},
        {"dyn005_arp_on_other_member", test_dyn005_arp_on_other_member},
        {"cfg013_unknown_source", test_cfg013_unknown_source},
        {"cfg010_lacpdu", test_cfg010_lacpdu},
        {"cfg024_eapol", test_cfg024_eapol},
        {"cfg023_bad_checksum", test_cfg023_bad_checksum},
        {"dcb001_pfc_class_bit", test_dcb001_pfc_class_bit},
        {"dcb009_pfc_while_blocked", test_dcb009_pfc_while_blocked},
        {"dcb003_pfc_length", test_dcb003_pfc_length},
        {"hvp003_hvp006_wrong_member", test_hvp003_hvp006_wrong_member},
        {"hvp004_replaced_source", test_hvp004_replaced_source},
        {"hvp007_ingress_elsewhere", test_hvp007_ingress_elsewhere},
        {"hvp007_flood_copy", test_hvp007_flood_copy},
        {"fo001_sent_while_down", test_fo001_sent_while_down},
        {"fo003_rmac_elsewhere", test_fo003_rmac_elsewhere},
        {"fo004_two_moves", test_fo004_two_moves},
        {"hvp005_over_rate", test_hvp005_over_rate},
        {"fo002_hvp001_no_failover", test_fo002_hvp001_no_failover},
        {"cfg001_nine_members", test_cfg001_nine_members},
        {"cfg015_sent_after_removal", test_cfg015_sent_after_removal},
        {"dyn003_gapless_move", test_dyn003_gapless_move},
        {"dyn006_dyn007_sources", test_dyn006_dyn007_sources},
        {"dyn008_to_rmac", test_dyn008_to_rmac},
        {"roce_rules", test_roce_rules},
        {"dcb002_pause", test_dcb002_pause},
        {"corrupt_inputs", test_corrupt_inputs},
        {"corrupted_bytes", test_corrupted_bytes},
        {"external_same_verdicts", test_external_same_verdicts},
        {"mapping_errors", test_mapping_errors},
        {"cli_exit_status", test_cli_exit_status},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
