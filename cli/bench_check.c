/* bench_check: `setsim bench check`: frames per wall-clock second through
 * the trace checker (results/check.h) on one core, and its peak resident
 * memory, on a generated capture.
 *
 * The capture (pcapng, two interfaces "hv1/SLOT 2" and "hv1/SLOT 3", 64-byte
 * snap length) models a Dynamic SET team of two members carrying the UDP
 * flows of four vPorts: every flow stays on one member; frames on the
 * vPort's affinitized member carry its MAC, frames on the other member the
 * member's MAC (DYN-006/007); one frame in four is received; every 10 000th
 * frame is an ARP of the vPort on its affinitized member.  It is written
 * once to a temporary directory, then checked in child processes (one per
 * size), so each measurement's peak RSS is the checker's own; checking
 * --frames/10 frames too shows that memory does not grow with the
 * capture's length.  The verdicts must be clean (no rule fails). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "frame.h"
#include "pcapng.h"
#include "pkt.h"

#define NVPORTS 4
#define FLOWS_PER_VPORT 16
#define SNAP 64
#define ARP_EVERY 10000u
#define FRAME_GAP_PS 100000u /* 100 ns between frames: 10 M frames in 1 s */
#define DEFAULT_FRAMES 10000000ull

static const uint8_t pmac[2][6] = {{0x02, 0x53, 0x45, 0x01, 0x00, 0x01},
                                   {0x02, 0x53, 0x45, 0x01, 0x00, 0x02}};
static const uint8_t peer_mac[6] = {0x00, 0x15, 0x5d, 0x02, 0x00, 0x02};

static void vport_mac__(int v, uint8_t mac[6])
{
    static const uint8_t base[6] = {0x00, 0x15, 0x5d, 0x01, 0x00, 0x10};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(base[5] + v);
}

/* One template frame: bytes, captured length, wire length, interface,
 * direction. */
struct tmpl {
    uint8_t b[SNAP];
    uint32_t caplen, len;
    int ifid;
    enum pcapng_dir dir;
};

static int build__(struct frame_pool *pool, struct tmpl *t, int v, int flow, int rx, int arp)
{
    struct frame *f = frame_alloc(pool);
    if (!f)
        return -ENOMEM;
    uint8_t mac[6];
    vport_mac__(v, mac);
    int aff = v % 2, member = arp ? aff : (flow % 2);
    struct pkt_l2_spec l2 = {0};
    struct pkt_ip_spec ip = {.version = 4, .ttl = 64};
    uint8_t me[4] = {10, 0, 0, (uint8_t)(10 + v)}, peer[4] = {10, 0, 0, 99};
    int rc;
    if (arp) {
        memset(l2.dst, 0xff, 6);
        memcpy(l2.src, mac, 6);
        static const uint8_t zero[6] = {0};
        rc = pkt_arp_build(f, &l2, PKT_ARP_REQUEST, mac, me, zero, peer);
    } else if (rx) {
        memcpy(l2.dst, mac, 6);
        memcpy(l2.src, peer_mac, 6);
        memcpy(ip.src, peer, 4);
        memcpy(ip.dst, me, 4);
        member = aff; /* inbound arrives on A(p) (HVP-007) */
        rc = pkt_udp_build(f, &l2, &ip, 6000, (uint16_t)(7000 + flow), 1400);
    } else {
        memcpy(l2.dst, peer_mac, 6);
        memcpy(l2.src, member == aff ? mac : pmac[member], 6);
        memcpy(ip.src, me, 4);
        memcpy(ip.dst, peer, 4);
        rc = pkt_udp_build(f, &l2, &ip, (uint16_t)(7000 + flow), 6000, 1400);
    }
    if (rc == 0) {
        uint32_t n = f->len < SNAP ? f->len : SNAP;
        memcpy(t->b, frame_cdata(f), n);
        t->caplen = n;
        t->len = frame_wire_len(f);
        t->ifid = member;
        t->dir = rx ? PCAPNG_DIR_IN : PCAPNG_DIR_OUT;
    }
    frame_unref(f);
    return rc;
}

static int generate__(const char *path, uint64_t frames)
{
    struct frame_pool *pool = frame_pool_create(16);
    static struct tmpl data[NVPORTS * FLOWS_PER_VPORT * 2], arps[NVPORTS];
    size_t nd = 0;
    int rc = pool ? 0 : -ENOMEM;
    for (int v = 0; v < NVPORTS && !rc; v++) {
        for (int fl = 0; fl < FLOWS_PER_VPORT && !rc; fl++) {
            rc = build__(pool, &data[nd++], v, fl, 0, 0);
            if (!rc && fl % 2 == 0)
                rc = build__(pool, &data[nd++], v, fl, 1, 0);
        }
        if (!rc)
            rc = build__(pool, &arps[v], v, 0, 0, 1);
    }
    char err[512];
    struct pcapng_settings ps = {.snaplen = SNAP, .overwrite = 1};
    struct pcapng_writer *w = rc ? NULL : pcapng_open(path, &ps, err, sizeof err);
    if (!w) {
        frame_pool_destroy(pool);
        fprintf(stderr, "setsim bench check: %s\n", rc ? strerror(-rc) : err);
        return -1;
    }
    pcapng_add_interface(w, "hv1/SLOT 2", SNAP);
    pcapng_add_interface(w, "hv1/SLOT 3", SNAP);
    for (uint64_t i = 0; i < frames && !rc; i++) {
        const struct tmpl *t = i % ARP_EVERY == 0 ? &arps[(i / ARP_EVERY) % NVPORTS]
                                                  : &data[i % nd];
        rc = pcapng_write_raw(w, t->ifid, (sim_time_t)i * FRAME_GAP_PS, t->b, t->caplen, t->len,
                              t->dir);
    }
    rc = pcapng_close(w) ? -1 : rc;
    frame_pool_destroy(pool);
    return rc;
}

static struct check_input *input__(const char *path)
{
    struct check_input *in = check_input_new();
    if (!in)
        return NULL;
    in->nteams = 1;
    snprintf(in->teams[0].name, sizeof in->teams[0].name, "hv1/SETswitch");
    in->teams[0].mode = CHECK_MODE_DYNAMIC;
    for (int m = 0; m < 2; m++) {
        struct check_member *mb = &in->members[in->nmembers++];
        snprintf(mb->name, sizeof mb->name, "hv1/SLOT %d", m + 2);
        memcpy(mb->pmac, pmac[m], 6);
        mb->rate_bps = 25000000000ull;
        mb->in_team = 1;
        struct check_capture *c = &in->captures[in->ncaptures++];
        snprintf(c->path, sizeof c->path, "%s", path);
        snprintf(c->ifname, sizeof c->ifname, "hv1/SLOT %d", m + 2);
        c->member = m;
    }
    for (int v = 0; v < NVPORTS; v++) {
        struct check_vport *vp = &in->vports[in->nvports++];
        snprintf(vp->name, sizeof vp->name, "hv1/vm%d/Network Adapter", v + 1);
        vport_mac__(v, vp->mac);
        vp->mapped = vp->roce_pcp = -1;
        vp->has_ipv4 = 1;
        uint8_t ip[4] = {10, 0, 0, (uint8_t)(10 + v)};
        memcpy(vp->ipv4, ip, 4);
    }
    in->inventory = 1;
    snprintf(in->source, sizeof in->source, "%s", path);
    return in;
}

struct result {
    uint64_t frames;
    double seconds;
    long rss_kb;
    int failed;
};

/* Checks the capture in a child process; 0 with *res filled. */
static int measure__(const char *path, struct result *res)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        close(fd[0]);
        struct result r = {0};
        struct check_input *in = input__(path);
        char err[1024];
        double t0 = cli_wall_seconds();
        struct check_report *rep = in ? check_run(in, err, sizeof err) : NULL;
        r.seconds = cli_wall_seconds() - t0;
        if (!rep) {
            fprintf(stderr, "setsim bench check: %s\n", in ? err : "out of memory");
            _exit(1);
        }
        r.frames = rep->frames;
        r.failed = check_report_failed(rep);
        if (r.failed)
            check_report_print(rep, stderr);
        r.rss_kb = cli_peak_rss_kb();
        ssize_t n = write(fd[1], &r, sizeof r);
        _exit(n == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], res, sizeof *res);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    return n == (ssize_t)sizeof *res && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int bench_check_cmd(int argc, char **argv)
{
    uint64_t frames = DEFAULT_FRAMES;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: setsim bench check [--frames N] [--dir DIR]\n\n"
                   "Generates a capture of N frames (default 10000000) of a Dynamic SET team\n"
                   "in DIR (default: a temporary directory, removed afterwards) and measures\n"
                   "frames/s through `setsim check` on one core and its peak RSS, for N and\n"
                   "N/10 frames.\n");
            return CLI_OK;
        } else if (strcmp(argv[i], "--frames") == 0) {
            int rc = cli_parse_u64("bench check", "--frames", i + 1 < argc ? argv[i + 1] : NULL,
                                   10, UINT64_MAX / FRAME_GAP_PS, &frames);
            if (rc)
                return rc;
            i++;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            return cli_usage_error("bench check", "unknown option '%s'", argv[i]);
        }
    }
    char tmp[] = "/tmp/setsim-bench-check-XXXXXX", path[1100], small[1100];
    if (!dir && !(dir = mkdtemp(tmp))) {
        fprintf(stderr, "setsim bench check: cannot create a temporary directory\n");
        return CLI_FAILURE;
    }
    snprintf(path, sizeof path, "%.1000s/big.pcapng", dir);
    snprintf(small, sizeof small, "%.1000s/small.pcapng", dir);
    printf("generating %llu frames ...\n", (unsigned long long)frames);
    fflush(stdout);
    struct result big, sm;
    int rc = generate__(path, frames) || generate__(small, frames / 10) ||
             measure__(small, &sm) || measure__(path, &big);
    unlink(path);
    unlink(small);
    if (dir == tmp)
        rmdir(tmp);
    if (rc) {
        fprintf(stderr, "setsim bench check: the measurement failed\n");
        return CLI_FAILURE;
    }
    printf("frames     seconds  frames/s      peak RSS\n");
    printf("%-10llu %7.3f  %12.0f  %6ld MiB\n", (unsigned long long)sm.frames, sm.seconds,
           sm.frames / sm.seconds, sm.rss_kb / 1024);
    printf("%-10llu %7.3f  %12.0f  %6ld MiB\n", (unsigned long long)big.frames, big.seconds,
           big.frames / big.seconds, big.rss_kb / 1024);
    if (sm.failed || big.failed) {
        fprintf(stderr, "setsim bench check: a rule failed on the generated capture\n");
        return CLI_FAILURE;
    }
    return CLI_OK;
}
