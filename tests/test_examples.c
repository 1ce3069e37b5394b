/* test_examples: every example scenario under scenarios/examples/ owned by
 * the scenario layer runs through the built `setsim run`, and the outcome
 * stated in the comment at the top of its file is asserted on what the
 * run wrote: events of run.sqlite (affinity, MAC learning and moves,
 * member changes, drops by reason, PFC) and frames of capture.pcapng
 * (member, source MAC, VLAN priority, time), read once per run through
 * tshark's field output.
 *
 * The transport examples (pfc-incast-lossless, untagged-rdma-loses-priority,
 * iwarp-without-dcb) and the quickstart's traffic are tested with the
 * transports; determinism and golden digests have their own suite. */
#include "test_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- running an example and reading what it wrote ------------------------ */

static int run_example(const char *name, const char *outdir, const char *extra)
{
    char file[600], cmd[2400];
    snprintf(cmd, sizeof cmd, "scenarios/examples/%s.yaml", name);
    test_src_path(cmd, file, sizeof file);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet %s > '%s.out' 2>&1", SETSIM_BIN,
             file, outdir, extra ? extra : "", outdir);
    int rc = test_run(cmd, NULL, 0);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s.out' >&2", outdir);
        test_run(cmd, NULL, 0);
    }
    return rc;
}

/* One integer from a query on the run's trace (-1 if none). */
static long long sql_int(const char *dir, const char *query)
{
    char cmd[2400], out[256] = "";
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"%s\"", dir, query);
    if (test_run(cmd, out, sizeof out) != 0 || !out[0])
        return -1;
    return atoll(out);
}

static void sql_text(const char *dir, const char *query, char *out, size_t len)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"%s\"", dir, query);
    out[0] = '\0';
    test_run(cmd, out, len);
}

static void file_text(const char *path, char *out, size_t len)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cat '%s'", path);
    out[0] = '\0';
    test_run(cmd, out, len);
}

/* A captured frame: where, which way, when, and the fields the outcomes
 * talk about. */
struct cap {
    char ifc[48];
    int out;            /* 1: sent from the capture point (epb direction outbound) */
    double t;           /* simulated seconds */
    char src[18], dst[18];
    char ipsrc[16];
    unsigned etype;     /* the EtherType after any VLAN tag */
    int vid, pcp;       /* -1: untagged */
    int dport;          /* UDP destination port, 0: none */
    unsigned len;
};

static struct cap *load_capture(const char *dir, size_t *n)
{
    char cmd[1200], path[900];
    snprintf(path, sizeof path, "%s/fields.txt", dir);
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s/capture.pcapng' -T fields -E separator=/t "
             "-e frame.interface_name -e frame.packet_flags_direction -e frame.time_epoch "
             "-e eth.src -e eth.dst -e ip.src -e eth.type -e vlan.etype -e vlan.id "
             "-e vlan.priority -e udp.dstport -e frame.len > '%s' 2>/dev/null",
             dir, path);
    *n = 0;
    if (test_run(cmd, NULL, 0) != 0)
        return NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096;
    struct cap *v = malloc(cap * sizeof *v);
    char line[1024];
    while (v && fgets(line, sizeof line, f)) {
        if (*n == cap) {
            cap *= 2;
            struct cap *nv = realloc(v, cap * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        char *fld[12] = {0};
        char *p = line;
        for (int i = 0; i < 12; i++) {
            fld[i] = p;
            p = p ? strchr(p, '\t') : NULL;
            if (p)
                *p++ = '\0';
        }
        if (!fld[11])
            continue;
        fld[11][strcspn(fld[11], "\n")] = '\0';
        struct cap *c = &v[(*n)++];
        memset(c, 0, sizeof *c);
        snprintf(c->ifc, sizeof c->ifc, "%s", fld[0]);
        c->out = strtoul(fld[1], NULL, 0) == 2;
        c->t = atof(fld[2]);
        snprintf(c->src, sizeof c->src, "%s", fld[3]);
        snprintf(c->dst, sizeof c->dst, "%s", fld[4]);
        snprintf(c->ipsrc, sizeof c->ipsrc, "%s", fld[5]);
        c->etype = (unsigned)strtoul(*fld[7] ? fld[7] : fld[6], NULL, 0);
        c->vid = *fld[8] ? atoi(fld[8]) : -1;
        c->pcp = *fld[9] ? atoi(fld[9]) : -1;
        c->dport = atoi(fld[10]);
        c->len = (unsigned)atoi(fld[11]);
    }
    fclose(f);
    return v;
}

/* Frames matching: interface (NULL: any), direction (-1: any), IPv4
 * source (NULL: any), UDP port (0: any), time window [t0, t1). */
struct sel {
    const char *ifc;
    int out;
    const char *ipsrc;
    int dport;
    double t0, t1;
};

static int match(const struct cap *c, const struct sel *s)
{
    return (!s->ifc || strcmp(c->ifc, s->ifc) == 0) && (s->out < 0 || c->out == s->out) &&
           (!s->ipsrc || strcmp(c->ipsrc, s->ipsrc) == 0) && (!s->dport || c->dport == s->dport) &&
           c->t >= s->t0 && c->t < (s->t1 > 0 ? s->t1 : 1e9);
}

static size_t count(const struct cap *v, size_t n, const struct sel *s)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += match(&v[i], s);
    return k;
}

static uint64_t bytes(const struct cap *v, size_t n, const struct sel *s)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        if (match(&v[i], s))
            b += v[i].len;
    return b;
}

/* The source MACs of the matching frames: 1 if all are `mac` (and at
 * least one matched). */
static int all_from(const struct cap *v, size_t n, const struct sel *s, const char *mac)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!match(&v[i], s))
            continue;
        if (strcmp(v[i].src, mac) != 0)
            return 0;
        k++;
    }
    return k > 0;
}

/* The source MAC of the first matching frame ("" if none). */
static const char *first_src(const struct cap *v, size_t n, const struct sel *s)
{
    for (size_t i = 0; i < n; i++)
        if (match(&v[i], s))
            return v[i].src;
    return "";
}

static int out_dir(char *buf, size_t len, const char *name)
{
    char tmp[512];
    if (test_tmpdir(tmp, sizeof tmp) != 0)
        return -1;
    snprintf(buf, len, "%s/%s", tmp, name);
    return 0;
}

/* ---- hyperv-port ------------------------------------------------------------ */

static void test_hyperv_port(void)
{
    char dir[700];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "hyperv-port"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("hyperv-port", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    /* HVP-002: the management vNIC, vm2 and vm4 on NIC 1; vm1 and vm3 on
     * NIC 2.  HVP-003/004: each VM's frames leave on that member only, all
     * with the VM's own MAC. */
    const char *ip[4] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
    const char *home[4] = {"hv1/NIC 2", "hv1/NIC 1", "hv1/NIC 2", "hv1/NIC 1"};
    const char *other[4] = {"hv1/NIC 1", "hv1/NIC 2", "hv1/NIC 1", "hv1/NIC 2"};
    char macs[4][18];
    for (int i = 0; i < 4; i++) {
        struct sel on = {home[i], 1, ip[i], 0, 0, 0}, off = {other[i], 1, ip[i], 0, 0, 0};
        snprintf(macs[i], sizeof macs[i], "%s", first_src(v, n, &on));
        CU_ASSERT(count(v, n, &on) > 100);
        CU_ASSERT_EQUAL(count(v, n, &off), 0);
        CU_ASSERT(all_from(v, n, &on, macs[i]));
        CU_ASSERT_STRING_EQUAL(macs[i], first_src(v, n, &(struct sel){NULL, 1, ip[i], 0, 0, 0}));
    }
    CU_ASSERT_STRING_NOT_EQUAL(macs[0], macs[2]);
    /* HVP-005: vm1 offers 15 Gb/s but gets one member: NIC 2 runs at its
     * 10 Gb/s line rate from 1 ms on (vm1 and vm3 share it), and vm1 gets
     * less than 10 Gb/s of it. */
    struct sel nic2 = {"hv1/NIC 2", 1, NULL, 0, 0.001, 0.010};
    struct sel vm1 = {"hv1/NIC 2", 1, "10.0.0.1", 0, 0.001, 0.010};
    double nic2_bps = (double)bytes(v, n, &nic2) * 8 / 0.009;
    double vm1_bps = (double)bytes(v, n, &vm1) * 8 / 0.009;
    CU_ASSERT(nic2_bps > 0.97e10 && nic2_bps <= 1.0e10);
    CU_ASSERT(vm1_bps > 7e9 && vm1_bps < 1.0e10);
    /* NIC 1 carries vm2 and vm4's 2 + 2 Gb/s and nothing of vm1. */
    struct sel nic1 = {"hv1/NIC 1", 1, NULL, 0, 0.001, 0.010};
    double nic1_bps = (double)bytes(v, n, &nic1) * 8 / 0.009;
    CU_ASSERT(nic1_bps > 3.9e9 && nic1_bps < 4.2e9);
    /* HVP-009: the switch saw no MAC move. */
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='mac_move'"), 0);
    free(v);
}

/* ---- dynamic-flowlets -------------------------------------------------------- */

static void test_dynamic_flowlets(void)
{
    char dir[700], aff[256], nicmac[64];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "dynamic-flowlets"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("dynamic-flowlets", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    sql_text(dir, "SELECT obj2 FROM events_v WHERE kind='affinity_set' AND "
                  "obj='hv1/vm1/Network Adapter'",
             aff, sizeof aff);
    aff[strcspn(aff, "\n")] = '\0';
    CU_ASSERT_FATAL(strcmp(aff, "hv1/SLOT 2") == 0 || strcmp(aff, "hv1/SLOT 3") == 0);
    char a_ifc[sizeof aff], o_ifc[32];
    snprintf(a_ifc, sizeof a_ifc, "%s", aff);
    snprintf(o_ifc, sizeof o_ifc, "%s",
             strcmp(aff, "hv1/SLOT 2") == 0 ? "hv1/SLOT 3" : "hv1/SLOT 2");
    /* DYN-005: ARP from vm1 only on the affinitized member, with vm1's MAC. */
    const char *vmmac = "";
    size_t arps_a = 0, arps_o = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].out || v[i].etype != 0x0806 || strncmp(v[i].ifc, "hv1/", 4) != 0)
            continue;
        if (strcmp(v[i].ifc, a_ifc) == 0)
            arps_a++, vmmac = v[i].src;
        else
            arps_o++;
    }
    CU_ASSERT(arps_a >= 1);
    CU_ASSERT_EQUAL(arps_o, 0);
    /* DYN-009: both members carry vm1's UDP; DYN-006: unchanged source on
     * the affinitized member; DYN-007: the other member's own MAC there. */
    struct sel on_a = {a_ifc, 1, "10.0.0.1", 0, 0, 0}, on_o = {o_ifc, 1, "10.0.0.1", 0, 0, 0};
    CU_ASSERT(count(v, n, &on_a) > 1000);
    CU_ASSERT(count(v, n, &on_o) > 1000);
    CU_ASSERT(all_from(v, n, &on_a, vmmac));
    snprintf(nicmac, sizeof nicmac, "%s", first_src(v, n, &on_o));
    CU_ASSERT_STRING_NOT_EQUAL(nicmac, vmmac);
    CU_ASSERT(all_from(v, n, &on_o, nicmac));
    /* DYN-003: flows moved, each only after an idle gap of at least the
     * 500 us flowlet gap. */
    CU_ASSERT(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='flow_move' AND "
                           "reason='flowlet'") >= 1);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='flow_move' AND "
                                 "value < 500000000"),
                    0);
    /* HVP-009: no MAC move at the switch; nothing dropped anywhere. */
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='mac_move'"), 0);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop'"), 0);
    /* Every flow delivered whole: what left hv1 reached hv2, but for at most
     * one datagram per flow still on its way when the run ended. */
    for (int port = 6001; port <= 6008; port++) {
        struct sel tx = {NULL, 1, "10.0.0.1", port, 0, 0};
        struct sel rx = {"hv2/SLOT 2", 0, "10.0.0.1", port, 0, 0};
        size_t sent = 0, got = count(v, n, &rx);
        tx.ifc = a_ifc;
        sent += count(v, n, &tx);
        tx.ifc = o_ifc;
        sent += count(v, n, &tx);
        CU_ASSERT(sent > 1500 && got <= sent && sent - got <= 1);
    }
    free(v);
}

/* ---- failover-mac-takeover ---------------------------------------------------- */

static void test_failover_mac_takeover(void)
{
    char dir[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "failover"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("failover-mac-takeover", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    const char *vm1mac = first_src(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0});
    const char *vm2mac = first_src(v, n, &(struct sel){"hv1/SLOT 3", 1, "10.0.0.2", 0, 0, 0});
    CU_ASSERT_FATAL(vm1mac[0] && vm2mac[0]);
    /* Before the cut: vm1 on its mapped SLOT 2, vm2 on SLOT 3. */
    CU_ASSERT(count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0.005}) > 1000);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/SLOT 3", 1, "10.0.0.1", 0, 0, 0.005}), 0);
    /* FO-001/002: from the cut on, vm1 leaves on SLOT 3 with its own MAC,
     * and nothing leaves on SLOT 2 - not even after the restore at 10 ms:
     * the failback waits for the 1 s hold-down (FO-006). */
    struct sel vm1_after = {"hv1/SLOT 3", 1, "10.0.0.1", 0, 0.005, 0};
    CU_ASSERT(count(v, n, &vm1_after) > 5000);
    CU_ASSERT(all_from(v, n, &vm1_after, vm1mac));
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/SLOT 2", 1, NULL, 0, 0.005, 0}), 0);
    /* FO-003: vm2 is untouched: SLOT 3 all along, its own MAC. */
    struct sel vm2 = {"hv1/SLOT 3", 1, "10.0.0.2", 0, 0, 0};
    CU_ASSERT(all_from(v, n, &vm2, vm2mac));
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.2", 0, 0, 0}), 0);
    sql_text(dir, "SELECT time_ps, obj2, reason FROM events_v WHERE kind='affinity_set' AND "
                  "obj LIKE 'hv1/vm%' ORDER BY seq",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0|hv1/SLOT 2|initial\n0|hv1/SLOT 3|initial\n"
                                "5000000000|hv1/SLOT 3|failover\n");
    /* FO-004/005: the ToR flushes port 1 as the link goes down and learns
     * vm1's MAC once more, on port 2, from vm1's first frame on SLOT 3: two
     * learns of vm1's MAC in all, no move, no flap. */
    char q[512];
    snprintf(q, sizeof q, "SELECT group_concat(obj, ',') FROM events_v WHERE kind='mac_learn' "
                          "AND mac='%s'",
             vm1mac);
    sql_text(dir, q, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "tor1/1,tor1/2\n");
    snprintf(q, sizeof q, "SELECT min(time_ps) FROM events_v WHERE kind='mac_learn' AND "
                          "obj='tor1/2' AND mac='%s'",
             vm1mac);
    long long relearn = sql_int(dir, q);
    CU_ASSERT(relearn > 5000000000LL && relearn < 5000000000LL + 10000000LL); /* within 10 us */
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='mac_move'"), 0);
    /* The cut takes both ends down at 5 ms, the restore brings them up at
     * 10 ms, and SLOT 2 is a team member again. */
    sql_text(dir, "SELECT time_ps, kind, obj FROM events_v WHERE kind IN ('link_down', "
                  "'link_up', 'member_down', 'member_up') AND time_ps > 0 ORDER BY seq",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "5000000000|link_down|hv1/SLOT 2\n"
                                "5000000000|member_down|hv1/SLOT 2\n"
                                "5000000000|link_down|tor1/1\n10000000000|link_up|hv1/SLOT 2\n"
                                "10000000000|member_up|hv1/SLOT 2\n10000000000|link_up|tor1/1\n");
    /* Traffic resumes: hv2 receives vm1's frames after the cut, and loses
     * at most what SLOT 2 held when its cable went (dropped as link_down). */
    struct sel rx1 = {"hv2/SLOT 2", 0, "10.0.0.1", 0, 0, 0};
    struct sel tx1 = {NULL, 1, "10.0.0.1", 0, 0, 0};
    size_t sent = count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0}) +
                  count(v, n, &(struct sel){"hv1/SLOT 3", 1, "10.0.0.1", 0, 0, 0});
    (void)tx1;
    size_t got = count(v, n, &rx1);
    CU_ASSERT(count(v, n, &(struct sel){"hv2/SLOT 2", 0, "10.0.0.1", 0, 0.0051, 0}) > 5000);
    CU_ASSERT(got <= sent && sent - got <= 2);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop' AND "
                                 "reason <> 'link_down'"),
                    0);
    file_text(strcat(strcpy(buf, dir), "/summary.txt"), buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "moves 0, flaps 0"));
    free(v);
}

/* ---- member-add-remove ---------------------------------------------------------- */

static void test_member_add_remove(void)
{
    char dir[700], buf[4096];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "member-add-remove"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("member-add-remove", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    /* CFG-015: at 5 ms NIC 2 leaves the team and NIC 3 joins. */
    sql_text(dir, "SELECT time_ps, kind, obj FROM events_v WHERE kind IN ('member_added', "
                  "'member_removed') AND obj2='hv1/TeamedvSwitch' ORDER BY seq",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0|member_added|hv1/NIC 1\n0|member_added|hv1/NIC 2\n"
                                "5000000000|member_added|hv1/NIC 3\n"
                                "5000000000|member_removed|hv1/NIC 2\n");
    /* From 5 ms nothing more leaves on NIC 2; NIC 3 sends nothing before. */
    CU_ASSERT(count(v, n, &(struct sel){"hv1/NIC 2", 1, NULL, 0, 0, 0.005}) > 1000);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/NIC 2", 1, NULL, 0, 0.005, 0}), 0);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/NIC 3", 1, NULL, 0, 0, 0.005}), 0);
    /* FO-007: the VM of NIC 2 goes on with NIC 3 (placed by fewest vPorts),
     * the VM of NIC 1 stays on NIC 1. */
    const char *moved = NULL, *stayed = NULL;
    if (count(v, n, &(struct sel){"hv1/NIC 2", 1, "10.0.0.1", 0, 0, 0}))
        moved = "10.0.0.1", stayed = "10.0.0.2";
    else
        moved = "10.0.0.2", stayed = "10.0.0.1";
    CU_ASSERT(count(v, n, &(struct sel){"hv1/NIC 3", 1, moved, 0, 0.005, 0}) > 1000);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/NIC 2", 1, stayed, 0, 0, 0}), 0);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/NIC 3", 1, stayed, 0, 0, 0}), 0);
    /* The ToR sees the moved VM's MAC move from port 2 to port 3, once. */
    const char *mac = first_src(v, n, &(struct sel){"hv1/NIC 3", 1, moved, 0, 0, 0});
    char q[512];
    snprintf(q, sizeof q, "SELECT obj2 || '>' || obj FROM events_v WHERE kind='mac_move' AND "
                          "mac='%s'",
             mac);
    sql_text(dir, q, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "tor1/2>tor1/3\n");
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='mac_move'"), 1);
    /* Every VM keeps delivering: hv2 receives each VM's frames after the
     * change, and all it was sent but for one datagram each in flight. */
    const char *ips[2] = {"10.0.0.1", "10.0.0.2"};
    for (int i = 0; i < 2; i++) {
        size_t sent = 0;
        const char *nics[3] = {"hv1/NIC 1", "hv1/NIC 2", "hv1/NIC 3"};
        for (int k = 0; k < 3; k++)
            sent += count(v, n, &(struct sel){nics[k], 1, ips[i], 0, 0, 0});
        size_t got = count(v, n, &(struct sel){"hv2/NIC 1", 0, ips[i], 0, 0, 0});
        CU_ASSERT(count(v, n, &(struct sel){"hv2/NIC 1", 0, ips[i], 0, 0.0051, 0}) > 1000);
        CU_ASSERT(got <= sent && sent - got <= 1);
    }
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop'"), 0);
    free(v);
}

/* ---- pause-storm --------------------------------------------------------------- */

static void test_pause_storm(void)
{
    char dir[700], buf[8192];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "pause-storm"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("pause-storm", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    /* hv2's SLOT 2 sends XOFF for priority 3 only, from 2 ms to 8 ms (and
     * the XON that ends the storm at 8 ms). */
    size_t pfc = 0, pfc_outside = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].ifc, "tor1/3") != 0 || v[i].out || v[i].etype != 0x8808)
            continue;
        pfc++;
        pfc_outside += v[i].t < 0.002 || v[i].t > 0.0080001; /* the XON ends it */
    }
    CU_ASSERT(pfc >= 4);
    CU_ASSERT_EQUAL(pfc_outside, 0);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='pfc_rx' AND "
                                 "obj='tor1/3' AND prio <> 3"),
                    0);
    /* The ToR's port 3 sends no priority-3 frame while paused (after the
     * reaction time), and does before and after. */
    size_t p3_storm = 0, p3_before = 0, p3_after = 0, p0_storm = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cap *c = &v[i];
        if (strcmp(c->ifc, "tor1/3") != 0 || !c->out || c->etype != 0x0800)
            continue;
        if (c->pcp == 3) {
            if (c->t < 0.002)
                p3_before++;
            else if (c->t > 0.0020100 && c->t < 0.008)
                p3_storm++;
            else if (c->t >= 0.008)
                p3_after++;
        } else if (c->t > 0.00201 && c->t < 0.008) {
            p0_storm++;
        }
    }
    CU_ASSERT(p3_before > 200);
    CU_ASSERT_EQUAL(p3_storm, 0);
    CU_ASSERT(p3_after > 1000);
    /* The priority-0 flow keeps its 2 Gb/s through the storm (~1,000
     * frames of 1,514 B in 5.99 ms). */
    CU_ASSERT(p0_storm > 950 && p0_storm < 1050);
    /* Lossless: nothing dropped; every priority-3 frame that entered the
     * ToR on port 1 left on port 3 (the buffer held them), but for one on
     * its way at the end. */
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop'"), 0);
    size_t p3_in = 0, p3_out = p3_before + p3_after;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].ifc, "tor1/1") == 0 && !v[i].out && v[i].pcp == 3 &&
            v[i].etype == 0x0800)
            p3_in++;
    for (size_t i = 0; i < n; i++) /* the few sent in the reaction time */
        if (strcmp(v[i].ifc, "tor1/3") == 0 && v[i].out && v[i].pcp == 3 &&
            v[i].etype == 0x0800 && v[i].t >= 0.002 && v[i].t <= 0.00201)
            p3_out++;
    CU_ASSERT(p3_in > 1900 && p3_out <= p3_in && p3_in - p3_out <= 1);
    /* The summary shows the PFC the ToR received and the time port 3's
     * priority 3 spent paused: the storm's 6 ms, give or take one quantum
     * of reaction. */
    char path[800];
    snprintf(path, sizeof path, "%s/summary.txt", dir);
    file_text(path, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PFC frames received: priority 3: "));
    const char *pp = strstr(buf, "port 3 priority 3 paused ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pp);
    double ms = atof(pp + strlen("port 3 priority 3 paused "));
    CU_ASSERT(ms > 5.9 && ms <= 6.01);
    free(v);
}

/* ---- vm-live-migration ---------------------------------------------------------- */

static void test_vm_live_migration(void)
{
    char dir[700], buf[4096], cmd[1600];
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "vm-live-migration"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("vm-live-migration", dir, NULL), 0);
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    char vm1mac[18];
    snprintf(vm1mac, sizeof vm1mac, "%s",
             first_src(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0}));
    CU_ASSERT_FATAL(vm1mac[0] != '\0');
    /* vm1 leaves hv1 at 5 ms and arrives on hv2 at 5.3 ms, placed on SLOT 2. */
    sql_text(dir,
             "SELECT time_ps, obj, obj2, detail FROM events_v WHERE kind='note' AND detail "
             "NOT LIKE 'check.%'",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "5000000000|hv1/vm1/Network Adapter||vm_departed vm1 from hv1\n"
                                "5300000000|hv2/vm1/Network Adapter|hv1/vm1/Network Adapter|"
                                "vm_migrated vm1 from hv1 to hv2/SETswitch\n");
    sql_text(dir, "SELECT time_ps, obj2 FROM events_v WHERE kind='affinity_set' AND "
                  "obj='hv2/vm1/Network Adapter'",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "5300000000|hv2/SLOT 2\n");
    /* Nothing of vm1 leaves hv1 from 5 ms on; from 5.3 ms it leaves hv2's
     * SLOT 2 with the same MAC (and nothing before). */
    CU_ASSERT(count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0.005}) > 700);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0.005, 0}), 0);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv1/SLOT 3", 1, NULL, 0, 0, 0}), 0);
    struct sel on_hv2 = {"hv2/SLOT 2", 1, "10.0.0.1", 0, 0, 0};
    CU_ASSERT(count(v, n, &on_hv2) > 1000);
    CU_ASSERT(all_from(v, n, &on_hv2, vm1mac));
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv2/SLOT 2", 1, NULL, 0, 0, 0.0053}), 0);
    /* hv2 announces vm1 as it arrives: one gratuitous ARP for 10.0.0.1 and
     * one unsolicited NA (override set), from vm1's MAC, on SLOT 2. */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r '%s/capture.pcapng' -Y 'frame.packet_flags_direction == 2 && "
             "((arp.src.proto_ipv4 == 10.0.0.1 && arp.dst.proto_ipv4 == 10.0.0.1) || "
             "(icmpv6.type == 136 && icmpv6.nd.na.flag.o == 1))' -T fields "
             "-e frame.interface_name -e frame.time_epoch -e eth.src -e eth.type "
             "2>/dev/null",
             dir);
    CU_ASSERT_EQUAL(test_run(cmd, buf, sizeof buf), 0);
    /* One line each, at 5.3 ms (the NA right behind the ARP on the wire). */
    char want[512];
    snprintf(want, sizeof want, "hv2/SLOT 2\t0.005300000\t%s\t0x0806\nhv2/SLOT 2\t0.0053000",
             vm1mac);
    CU_ASSERT_EQUAL(strncmp(buf, want, strlen(want)), 0);
    snprintf(want, sizeof want, "\t%s\t0x86dd\n", vm1mac);
    const char *na = strstr(buf, want);
    CU_ASSERT(na && na[strlen(want)] == '\0');
    /* The ToR moves vm1's MAC from port 1 to port 3 once, on the GARP. */
    char q[512];
    snprintf(q, sizeof q, "SELECT time_ps, obj2 || '>' || obj FROM events_v WHERE "
                          "kind='mac_move' AND mac='%s'",
             vm1mac);
    sql_text(dir, q, buf, sizeof buf);
    CU_ASSERT_EQUAL(strncmp(buf, "53000", 5), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "|tor1/1>tor1/3\n"));
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='mac_move'"), 1);
    /* What vm1 sent during the 300 us blackout dropped (no_route): one
     * datagram per 6 us at 2 Gb/s. */
    long long nr = sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop' AND "
                                "reason='no_route' AND time_ps >= 5000000000 AND "
                                "time_ps < 5300000000");
    CU_ASSERT(nr >= 48 && nr <= 52);
    /* What peer sent to vm1 and reached hv1 after vm1 left (until the ToR
     * relearned at 5.3 ms) is dropped there on vm1's old vPort, each a
     * drop row with reason vport_migrated (checked against the capture
     * below); nothing else dropped anywhere. */
    long long nm = sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop' AND "
                                "reason='vport_migrated'");
    CU_ASSERT(nm > 0);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop' AND "
                                 "reason='vport_migrated' AND obj='hv1/vm1/Network Adapter' "
                                 "AND time_ps >= 5000000000 AND time_ps < 5310000000 AND "
                                 "flow = (SELECT min(flow) FROM events_v WHERE "
                                 "kind='flow_start' AND obj2 LIKE 'hv%/vm1/%')"),
                    nm);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop'"), nr + nm);
    /* vm1 -> peer: all that left hv1 or hv2 reached hv3 (but one in flight). */
    size_t sent = count(v, n, &(struct sel){"hv1/SLOT 2", 1, "10.0.0.1", 0, 0, 0}) +
                  count(v, n, &on_hv2);
    size_t got = count(v, n, &(struct sel){"hv3/SLOT 2", 0, "10.0.0.1", 0, 0, 0});
    CU_ASSERT(got <= sent && sent - got <= 1);
    /* peer -> vm1: what the ToR sent before relearning reached hv1 (where
     * vm1 no longer is), everything after reached hv2. */
    size_t psent = count(v, n, &(struct sel){"hv3/SLOT 2", 1, "10.0.0.9", 0, 0, 0});
    size_t at_hv1_late = count(v, n, &(struct sel){"hv1/SLOT 2", 0, "10.0.0.9", 0, 0.005, 0});
    size_t at_hv1 = count(v, n, &(struct sel){"hv1/SLOT 2", 0, "10.0.0.9", 0, 0, 0});
    size_t at_hv2 = count(v, n, &(struct sel){"hv2/SLOT 2", 0, "10.0.0.9", 0, 0, 0});
    CU_ASSERT(at_hv1_late >= 48 && at_hv1_late <= 52);
    /* Each of those is one vport_migrated drop (one more if a frame was
     * between hv1's NIC and its switch at 5 ms). */
    CU_ASSERT((size_t)nm >= at_hv1_late && (size_t)nm <= at_hv1_late + 1);
    CU_ASSERT_EQUAL(count(v, n, &(struct sel){"hv2/SLOT 2", 0, "10.0.0.9", 0, 0, 0.0053}), 0);
    CU_ASSERT(at_hv2 > 1000);
    CU_ASSERT(at_hv1 + at_hv2 <= psent && psent - (at_hv1 + at_hv2) <= 1);
    free(v);
}

/* ---- the seed's scripts, verbatim ------------------------------------------------- */

/* `setsim lint NAME.yaml ARGS` from the examples directory (positions carry
 * the bare file name); its output in out, its exit status returned. */
static int lint_example(const char *name, const char *args, char *out, size_t len)
{
    char dir[600], cmd[1600];
    test_src_path("scenarios/examples", dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' lint %s.yaml %s", dir, SETSIM_BIN, name, args);
    return test_run(cmd, out, len);
}

static void test_seed_rdma_vnic(void)
{
    char dir[700], buf[16384], path[800];
    /* Strict: the seed's two defects, each with PowerShell's error id at
     * its line and column, on both hosts; exit 2 and no run directory. */
    CU_ASSERT_EQUAL(lint_example("seed-rdma-vnic", "--set scenario.seed_compat=false", buf,
                                 sizeof buf),
                    2);
    const char *want = "seed-rdma-vnic.yaml:49:7: Add-VMNetworkAdapter: Cannot process command "
                       "because of one or more missing mandatory parameters: VMName. "
                       "[MissingMandatoryParameter,";
    CU_ASSERT_EQUAL(strncmp(buf, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nseed-rdma-vnic.yaml:50:49: Enable-NetAdapterRdma: A "
                                       "positional parameter cannot be found that accepts "
                                       "argument 'SLOT 2'. [PositionalParameterNotFound,"
                                       "Enable-NetAdapterRdma]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nseed-rdma-vnic.yaml:64:7: Add-VMNetworkAdapter: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nseed-rdma-vnic.yaml:65:49: Enable-NetAdapterRdma: "));
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "seed-rdma-vnic"), 0);
    CU_ASSERT_EQUAL(run_example("seed-rdma-vnic", dir, "--set scenario.seed_compat=false"), 2);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
    /* --seed-compat on the command line turns it on again: warnings only. */
    CU_ASSERT_EQUAL(lint_example("seed-rdma-vnic", "--seed-compat --set scenario.seed_compat=false",
                                 buf, sizeof buf),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "seed-rdma-vnic.yaml:49:7: warning: Add-VMNetworkAdapter: "
                                       "SEED_W_IMPLIED_MANAGEMENTOS: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "seed-rdma-vnic.yaml:50:49: warning: Enable-NetAdapterRdma: "
                                       "SEED_W_POSITIONAL_MERGED: 'SLOT 2' merged into -Name"));
    /* ... and for `setsim run` too: the run completes. */
    char cdir[760];
    snprintf(cdir, sizeof cdir, "%s-cli", dir);
    CU_ASSERT_EQUAL(run_example("seed-rdma-vnic", cdir,
                                "--seed-compat --set scenario.seed_compat=false"),
                    0);
    CU_ASSERT_EQUAL(stat(cdir, &st), 0);
    /* As the file says (seed_compat: true): the run. */
    CU_ASSERT_EQUAL_FATAL(run_example("seed-rdma-vnic", dir, NULL), 0);
    snprintf(path, sizeof path, "%s/log.txt", dir);
    file_text(path, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PS hv1> Add-VMNetworkAdapter [ManagementOS] -ManagementOS "
                                       "-SwitchName 'RDMAswitch' -Name 'SMB_1'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PS hv1> Enable-NetAdapterRdma [ByName] -Name "
                                       "'vEthernet (SMB_1)','SLOT 2'\n"));
    /* Get-NetAdapterRdma: both enabled; the switch's own vNIC is not. */
    const char *get = strstr(buf, "PS hv1> Get-NetAdapterRdma");
    CU_ASSERT_PTR_NOT_NULL_FATAL(get);
    char row[200];
    snprintf(row, sizeof row, "\n%-25s %-40s %s\n", "SLOT 2", "ConnectX-5", "True");
    CU_ASSERT(strstr(get, row) && strstr(get, row) < strstr(get, "PS hv2>"));
    snprintf(row, sizeof row, "\n%-25s %-40s %s\n", "vEthernet (SMB_1)",
             "Hyper-V Virtual Ethernet Adapter", "True");
    CU_ASSERT(strstr(get, row) && strstr(get, row) < strstr(get, "PS hv2>"));
    snprintf(row, sizeof row, "\n%-25s %-40s %s\n", "vEthernet (RDMAswitch)",
             "Hyper-V Virtual Ethernet Adapter", "False");
    CU_ASSERT(strstr(get, row) && strstr(get, row) < strstr(get, "PS hv2>"));
    /* CFG-021: SLOT 2 restarted once per host; CFG-035: hv1's debugger
     * blocked DCB until the seed's override took effect at that restart. */
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='adapter_restart'"), 2);
    CU_ASSERT(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='qos_programmed' AND "
                           "reason='blocked(debugger)'") >= 1);
    sql_text(dir, "SELECT reason FROM events_v WHERE kind='qos_programmed' ORDER BY seq DESC "
                  "LIMIT 1",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "ok\n");
    /* The SMB Direct write completes, without retransmission. */
    sql_text(dir, "SELECT delivered_bytes, retransmissions, naks, complete FROM flows", buf,
             sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "16000000|0|0|1\n");
    /* DCB-004: no VLAN in the seed's non-SET script, so its RoCE frames
     * leave untagged: priority 3 never reaches the wire; no PFC. */
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    size_t roce = 0, tagged = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].ifc, "hv1/SLOT 2") != 0 || !v[i].out || v[i].dport != 4791)
            continue;
        roce++;
        tagged += v[i].vid >= 0;
    }
    CU_ASSERT(roce > 10000);
    CU_ASSERT_EQUAL(tagged, 0);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind LIKE 'pfc%'"), 0);
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='drop'"), 0);
    free(v);
}

static void test_seed_set_rdma(void)
{
    char dir[700], buf[16384], path[800];
    /* Strict: line 110's second positional argument (the array "SLOT 2",
     * "SLOT 3") - PositionalParameterNotFound at the array. */
    CU_ASSERT_EQUAL(lint_example("seed-set-rdma", "--set scenario.seed_compat=false", buf,
                                 sizeof buf),
                    2);
    const char *want = "seed-set-rdma.yaml:57:69: Enable-NetAdapterRdma: A positional parameter "
                       "cannot be found that accepts argument 'System.Object[]'. "
                       "[PositionalParameterNotFound,Enable-NetAdapterRdma]\n";
    const char *first = buf;
    while (strstr(first, ": warning: ") && strstr(first, ": warning: ") < strchr(first, '\n'))
        first = strchr(first, '\n') + 1; /* the ISO warnings come first */
    CU_ASSERT_EQUAL(strncmp(first, want, strlen(want)), 0);
    CU_ASSERT_EQUAL_FATAL(out_dir(dir, sizeof dir, "seed-set-rdma"), 0);
    CU_ASSERT_EQUAL_FATAL(run_example("seed-set-rdma", dir, NULL), 0);
    /* CFG-018: the en-dash / curly-quote lines bind as their ASCII forms. */
    snprintf(path, sizeof path, "%s/log.txt", dir);
    file_text(path, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PS hv1> Set-VMNetworkAdapterTeamMapping [ManagementOS] "
                                       "-ManagementOS -VMNetworkAdapterName 'SMB_1' "
                                       "-PhysicalNetAdapterName 'SLOT 2'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PS hv1> Set-VMNetworkAdapterTeamMapping [ManagementOS] "
                                       "-ManagementOS -VMNetworkAdapterName 'SMB_2' "
                                       "-PhysicalNetAdapterName 'SLOT 3'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "PS hv1> Enable-NetAdapterRdma [ByName] -Name "
                                       "'vEthernet (SMB_1)','vEthernet (SMB_2)','SLOT 2','SLOT 3'\n"));
    /* Get-NetAdapterRdma | fl *: the vNICs' capabilities are non-zero
     * (CFG-022). */
    const char *fl = strstr(buf, "Name                    : vEthernet (SMB_2)\n"
                                 "Enabled                 : True\n"
                                 "MaxQueuePairCount       : ");
    CU_ASSERT(fl && atoi(fl + strlen("Name                    : vEthernet (SMB_2)\n"
                                     "Enabled                 : True\n"
                                     "MaxQueuePairCount       : ")) > 0);
    /* The mappings hold after the members' restarts (CFG-021, HVP-006). */
    sql_text(dir, "SELECT obj, obj2 FROM events_v WHERE kind='team_mapping_set' AND obj LIKE "
                  "'hv1/%' ORDER BY seq",
             buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "hv1/vEthernet (SMB_1)|hv1/SLOT 2\nhv1/vEthernet (SMB_2)|hv1/SLOT 3\n");
    CU_ASSERT_EQUAL(sql_int(dir, "SELECT count(*) FROM events_v WHERE kind='adapter_restart'"), 4);
    sql_text(dir, "SELECT delivered_bytes, retransmissions, naks, complete FROM flows", buf,
             sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "32000000|0|0|1\n");
    /* SMB_1's RoCE frames only on SLOT 2, SMB_2's only on SLOT 3, every one
     * VLAN 42 priority 3 (DCB-012). */
    size_t n;
    struct cap *v = load_capture(dir, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    size_t on[2][2] = {{0}}, bad = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cap *c = &v[i];
        if (!c->out || c->dport != 4791)
            continue;
        int vnic = strcmp(c->ipsrc, "10.0.42.11") == 0 ? 0 : strcmp(c->ipsrc, "10.0.42.12") == 0 ? 1 : -1;
        int member = strcmp(c->ifc, "hv1/SLOT 2") == 0 ? 0 : 1;
        if (vnic < 0)
            continue;
        on[vnic][member]++;
        bad += c->vid != 42 || c->pcp != 3;
    }
    CU_ASSERT(on[0][0] > 10000 && on[1][1] > 10000);
    CU_ASSERT_EQUAL(on[0][1], 0);
    CU_ASSERT_EQUAL(on[1][0], 0);
    CU_ASSERT_EQUAL(bad, 0);
    free(v);
}

int suite_examples(void)
{
    CU_pSuite s = test_suite("examples");
    if (!s || !CU_add_test(s, "hyperv-port: one member per VM, own MAC, one member's rate",
                           test_hyperv_port) ||
        !CU_add_test(s, "dynamic-flowlets: both members, RMAC, moves after gaps",
                     test_dynamic_flowlets) ||
        !CU_add_test(s, "failover-mac-takeover: takeover, one relearn, no failback yet",
                     test_failover_mac_takeover) ||
        !CU_add_test(s, "member-add-remove: NIC 2 out, NIC 3 in, one MAC move",
                     test_member_add_remove) ||
        !CU_add_test(s, "pause-storm: priority 3 paused 6 ms, priority 0 flows, lossless",
                     test_pause_storm) ||
        !CU_add_test(s, "vm-live-migration: leaves hv1, announced on hv2, one MAC move",
                     test_vm_live_migration) ||
        !CU_add_test(s, "seed-rdma-vnic: strict errors, compat run, untagged RoCE",
                     test_seed_rdma_vnic) ||
        !CU_add_test(s, "seed-set-rdma: strict error, mappings hold, VLAN 42 priority 3",
                     test_seed_set_rdma))
        return -1;
    return 0;
}
