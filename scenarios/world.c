/* world: the built simulation of a scenario and its run directory (see
 * world.h).
 *
 * Endpoints are written "owner/name": a host and one of its NICs ("hv1/SLOT
 * 2") or a switch and a port number ("tor1/7").  Everything the run
 * produces goes to a staging directory (<outdir>.staging-<pid>) that
 * world_finish renames to <outdir> once complete. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "world.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "ipstack.h"
#include "nic.h"
#include "pcapng.h"
#include "sampler.h"
#include "set_team.h"
#include "sim_err.h"

#define MAX_SWITCHES 64
#define MAX_HOSTS 256
#define MAX_LINKS 2048
#define MAX_TIMELINE 4096
#define DEFAULT_SNAPLEN 256
#define PROGRESS_SLICES 200

struct cable {
    struct link *link;         /* owned */
    char end_name[2][256];     /* "hv1/SLOT 2", "tor1/1" */
};

struct timed {
    struct world *w;
    void (*fn)(struct world *w, void *ctx);
    void *ctx;
};

struct world {
    struct world_options opt;
    char outdir[PATH_MAX - 64];
    char staging[PATH_MAX];
    char scenario_name[256];
    char scenario_hash[80];
    char engine_name[16];
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct pcapng_writer *cap;
    FILE *log;
    struct sw *sws[MAX_SWITCHES];     /* owned */
    size_t nsws;
    struct hvhost *hosts[MAX_HOSTS];  /* owned */
    size_t nhosts;
    struct cable *cables;             /* owned array */
    size_t ncables;
    struct timed *timeline;           /* owned */
    size_t ntimed;
    int finished;
    struct {
        void (*fn)(void *ctx, FILE *out);
        void *ctx;
    } extra[4];
    int nextra;
    struct sampler *sampler;          /* owned; NULL: no samples */
    struct {
        void (*fn)(struct world *w, void *ctx);
        void *ctx;
    } on_finish[4];
    int non_finish;
    struct {
        void (*fn)(void *ctx);
        void *ctx;
    } on_teardown[4];
    int non_teardown;
    int facts_written;                /* the check.* notes are in the trace */
    double wall_s;                    /* wall time of world_run */
    const volatile sig_atomic_t *stop_flag; /* world_set_stop_flag; NULL: none */
    uint64_t events;
};

static int rm_one__(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -rf without a shell (a path may hold quotes); a missing path is fine. */
static int rm_rf__(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return 0;
    return nftw(dir, rm_one__, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -EIO;
}

/* An existing outdir is replaced only when it is a run directory (has
 * run.sqlite) or an empty directory: `-o .` or `-o ~` must not delete
 * the user's files. */
static int replaceable__(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    if (access(path, F_OK) == 0)
        return 1;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int empty = 1;
    for (struct dirent *e; empty && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

struct world *world_create(const struct world_options *o, char *err, size_t errlen)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w) {
        sim_errf(err, errlen, "out of memory");
        return NULL;
    }
    w->opt = *o;
    snprintf(w->outdir, sizeof w->outdir, "%s", o->outdir ? o->outdir : "run");
    snprintf(w->scenario_name, sizeof w->scenario_name, "%s",
             o->scenario_name ? o->scenario_name : "scenario");
    snprintf(w->scenario_hash, sizeof w->scenario_hash, "%s",
             o->scenario_hash ? o->scenario_hash : "");
    snprintf(w->engine_name, sizeof w->engine_name, "%s", o->engine ? o->engine : "native");
    w->cables = calloc(MAX_LINKS, sizeof *w->cables);
    w->timeline = calloc(MAX_TIMELINE, sizeof *w->timeline);
    if (!w->cables || !w->timeline) {
        sim_errf(err, errlen, "out of memory");
        goto fail;
    }
    struct stat st;
    if (stat(w->outdir, &st) == 0 && !o->overwrite) {
        sim_errf(err, errlen, "%s: already exists (use --force to replace it, or -o DIR)",
                 w->outdir);
        goto fail;
    }
    if (stat(w->outdir, &st) == 0 && !replaceable__(w->outdir)) {
        sim_errf(err, errlen,
                 "%s: exists and is not a run directory (no run.sqlite); not replacing it "
                 "(choose another -o DIR)",
                 w->outdir);
        goto fail;
    }
    snprintf(w->staging, sizeof w->staging, "%s.staging-%ld", w->outdir, (long)getpid());
    rm_rf__(w->staging);
    if (mkdir(w->staging, 0755) != 0) {
        sim_errf(err, errlen, "%s: cannot create the run directory: %s", w->staging,
                 strerror(errno));
        goto fail;
    }
    if (strcmp(w->engine_name, "native") == 0) {
        struct sim_engine_settings es = {.initial_events = 4096};
        w->eng = sim_engine_create(&es);
    } else if (strcmp(w->engine_name, "ns3") == 0) {
        char nerr[256] = "this setsim was built without libns3 (run scripts/setup-deps and "
                         "rebuild)";
        w->eng = o->make_engine ? o->make_engine(w->engine_name, nerr, sizeof nerr) : NULL;
        if (!w->eng) {
            sim_errf(err, errlen, "--engine ns3: %s", nerr);
            goto fail;
        }
    } else {
        sim_errf(err, errlen, "--engine: unknown engine '%s' (expected native or ns3)",
                 w->engine_name);
        goto fail;
    }
    w->pool = frame_pool_create(8192);
    if (!w->eng || !w->pool) {
        sim_errf(err, errlen, "out of memory");
        goto fail;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/run.sqlite", w->staging);
    struct trace_run_info ti = {.seed = o->seed, .scenario = w->scenario_name,
                                .scenario_hash = w->scenario_hash, .engine = w->engine_name};
    w->trace = trace_open(path, &ti, err, errlen);
    if (!w->trace)
        goto fail;
    snprintf(path, sizeof path, "%s/capture.pcapng", w->staging);
    w->cap = pcapng_open(path, NULL, err, errlen);
    if (!w->cap)
        goto fail;
    snprintf(path, sizeof path, "%s/log.txt", w->staging);
    w->log = fopen(path, "w");
    if (!w->log) {
        sim_errf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    return w;
fail:
    world_destroy(w);
    return NULL;
}

void world_destroy(struct world *w)
{
    if (!w)
        return;
    /* The sampler cancels its event, then the engine goes: no event may
     * run on a model being freed. */
    sampler_destroy(w->sampler);
    sim_engine_destroy(w->eng);
    for (int i = 0; i < w->non_teardown; i++)
        w->on_teardown[i].fn(w->on_teardown[i].ctx);
    for (size_t i = 0; i < w->nhosts; i++)
        hvhost_destroy(w->hosts[i]);
    for (size_t i = 0; i < w->nsws; i++)
        switch_destroy(w->sws[i]);
    for (size_t i = 0; i < w->ncables; i++)
        link_destroy(w->cables[i].link);
    free(w->cables);
    free(w->timeline);
    frame_pool_destroy(w->pool);
    pcapng_close(w->cap);
    trace_close(w->trace);
    if (w->log)
        fclose(w->log);
    if (!w->finished && w->staging[0])
        rm_rf__(w->staging);
    free(w);
}

struct sim_engine *world_engine(const struct world *w) { return w->eng; }
struct frame_pool *world_pool(const struct world *w) { return w->pool; }
struct trace *world_trace(const struct world *w) { return w->trace; }
uint64_t world_seed(const struct world *w) { return w->opt.seed; }
const char *world_staging_dir(const struct world *w) { return w->staging; }

static int name_taken__(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->nsws; i++)
        if (strcmp(switch_name(w->sws[i]), name) == 0)
            return 1;
    for (size_t i = 0; i < w->nhosts; i++)
        if (strcmp(hvhost_name(w->hosts[i]), name) == 0)
            return 1;
    return 0;
}

struct sw *world_add_switch(struct world *w, const struct switch_settings *s, char *err,
                            size_t errlen)
{
    if (name_taken__(w, s->name)) {
        sim_errf(err, errlen, "the name '%s' is used twice", s->name);
        return NULL;
    }
    if (w->nsws == MAX_SWITCHES) {
        sim_errf(err, errlen, "too many switches (at most %d)", MAX_SWITCHES);
        return NULL;
    }
    struct switch_settings ss = *s;
    ss.seed = w->opt.seed;
    struct sw *sw = switch_create(w->eng, w->trace, w->pool, &ss);
    if (!sw) {
        sim_errf(err, errlen, "switch '%s': invalid settings (1..%d ports)", s->name,
                 SWITCH_MAX_PORTS);
        return NULL;
    }
    w->sws[w->nsws++] = sw;
    return sw;
}

struct hvhost *world_add_host(struct world *w, const struct hvhost_settings *s, char *err,
                              size_t errlen)
{
    if (name_taken__(w, s->name)) {
        sim_errf(err, errlen, "the name '%s' is used twice", s->name);
        return NULL;
    }
    if (w->nhosts == MAX_HOSTS) {
        sim_errf(err, errlen, "too many hosts (at most %d)", MAX_HOSTS);
        return NULL;
    }
    struct hvhost_settings hs = *s;
    hs.host_index = (uint8_t)(w->nhosts + 1);
    struct hvhost *h = hvhost_create(w->eng, w->trace, w->pool, &hs);
    if (!h) {
        sim_errf(err, errlen, "host '%s': out of memory", s->name);
        return NULL;
    }
    w->hosts[w->nhosts++] = h;
    return h;
}

struct sw *world_switch(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->nsws; i++)
        if (strcmp(switch_name(w->sws[i]), name) == 0)
            return w->sws[i];
    return NULL;
}

struct hvhost *world_host(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->nhosts; i++)
        if (strcmp(hvhost_name(w->hosts[i]), name) == 0)
            return w->hosts[i];
    return NULL;
}

size_t world_host_count(const struct world *w) { return w->nhosts; }
struct hvhost *world_host_at(const struct world *w, size_t i)
{
    return i < w->nhosts ? w->hosts[i] : NULL;
}
size_t world_switch_count(const struct world *w) { return w->nsws; }
struct sw *world_switch_at(const struct world *w, size_t i) { return i < w->nsws ? w->sws[i] : NULL; }

/* A resolved endpoint: a host's NIC or a switch port. */
struct endpoint {
    struct nic *nic;
    struct sw *sw;
    uint32_t port;
};

static int resolve__(const struct world *w, const char *spec, struct endpoint *ep, char *err,
                     size_t errlen)
{
    memset(ep, 0, sizeof *ep);
    const char *slash = strchr(spec, '/');
    if (!slash || slash == spec || !slash[1]) {
        sim_errf(err, errlen, "'%s': an endpoint is 'host/NIC' or 'switch/port'", spec);
        return -EINVAL;
    }
    char owner[256];
    snprintf(owner, sizeof owner, "%.*s", (int)(slash - spec), spec);
    const char *rest = slash + 1;
    struct hvhost *h = world_host(w, owner);
    if (h) {
        ep->nic = hvhost_nic(h, rest);
        if (!ep->nic) {
            sim_errf(err, errlen, "'%s': host %s has no NIC named '%s'", spec, owner, rest);
            return -ENOENT;
        }
        return 0;
    }
    struct sw *sw = world_switch(w, owner);
    if (!sw) {
        sim_errf(err, errlen, "'%s': no host or switch named '%s'", spec, owner);
        return -ENOENT;
    }
    char *end;
    long port = strtol(rest, &end, 10);
    if (*end || port < 1 || !switch_port_counters(sw, (uint32_t)port)) {
        sim_errf(err, errlen, "'%s': switch %s has no port '%s'", spec, owner, rest);
        return -ENOENT;
    }
    ep->sw = sw;
    ep->port = (uint32_t)port;
    return 0;
}

struct link *world_link_at(const struct world *w, const char *endpoint)
{
    for (size_t i = 0; i < w->ncables; i++)
        for (int e = 0; e < 2; e++)
            if (strcmp(w->cables[i].end_name[e], endpoint) == 0)
                return w->cables[i].link;
    return NULL;
}

struct link *world_cable(struct world *w, const char *a, const char *b, uint64_t rate_bps,
                         uint32_t cable_m, char *err, size_t errlen)
{
    struct endpoint ep[2];
    if (resolve__(w, a, &ep[0], err, errlen) != 0 || resolve__(w, b, &ep[1], err, errlen) != 0)
        return NULL;
    const char *names[2] = {a, b};
    for (int e = 0; e < 2; e++) {
        if (world_link_at(w, names[e])) {
            sim_errf(err, errlen, "'%s' is cabled twice", names[e]);
            return NULL;
        }
    }
    if (w->ncables == MAX_LINKS) {
        sim_errf(err, errlen, "too many cables (at most %d)", MAX_LINKS);
        return NULL;
    }
    if (!rate_bps) {
        for (int e = 0; e < 2 && !rate_bps; e++)
            if (ep[e].nic)
                rate_bps = nic_rate(ep[e].nic);
        if (!rate_bps) {
            sim_errf(err, errlen, "cable %s - %s: switch-to-switch cables need a rate", a, b);
            return NULL;
        }
    }
    for (int e = 0; e < 2; e++) {
        if (ep[e].nic && nic_rate(ep[e].nic) != rate_bps) {
            char r1[32], r2[32];
            sim_errf(err, errlen, "cable %s - %s: %s runs at %s, the cable at %s", a, b,
                     names[e], sim_rate_format(nic_rate(ep[e].nic), r1, sizeof r1),
                     sim_rate_format(rate_bps, r2, sizeof r2));
            return NULL;
        }
    }
    char lname[600];
    snprintf(lname, sizeof lname, "%s<->%s", a, b);
    struct link_settings ls = {.name = lname, .rate_bps = rate_bps,
                               .delay = link_cable_delay(cable_m)};
    struct link *l = link_create(w->eng, w->trace, &ls);
    if (!l) {
        sim_errf(err, errlen, "out of memory");
        return NULL;
    }
    struct cable *c = &w->cables[w->ncables++];
    c->link = l;
    for (int e = 0; e < 2; e++) {
        snprintf(c->end_name[e], sizeof c->end_name[e], "%s", names[e]);
        if (ep[e].nic) {
            nic_attach(ep[e].nic, l, e);
        } else {
            /* Keep the port's configuration; the cable length sets the
             * default headroom. */
            switch_attach(ep[e].sw, ep[e].port, l, e);
            (void)cable_m;
        }
    }
    return l;
}

int world_capture(struct world *w, const char *point, char *err, size_t errlen)
{
    for (size_t i = 0; i < w->ncables; i++) {
        for (int e = 0; e < 2; e++) {
            if (strcmp(w->cables[i].end_name[e], point) != 0)
                continue;
            int ifid = pcapng_add_interface(w->cap, point, w->opt.snaplen ? w->opt.snaplen
                                                                          : DEFAULT_SNAPLEN);
            if (ifid < 0) {
                sim_errf(err, errlen, "capture '%s': %s", point, strerror(-ifid));
                return ifid;
            }
            link_capture(w->cables[i].link, e, w->cap, ifid);
            return 0;
        }
    }
    struct endpoint ep;
    if (resolve__(w, point, &ep, err, errlen) != 0)
        return -ENOENT;
    sim_errf(err, errlen, "capture '%s': nothing is cabled there", point);
    return -ENOENT;
}

static void timed__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct timed *t = ctx;
    t->fn(t->w, t->ctx);
}

int world_at(struct world *w, sim_time_t t, void (*fn)(struct world *w, void *ctx), void *ctx)
{
    if (w->ntimed == MAX_TIMELINE)
        return -ENOSPC;
    struct timed *td = &w->timeline[w->ntimed++];
    td->w = w;
    td->fn = fn;
    td->ctx = ctx;
    return sim_schedule_at(w->eng, t, timed__, td, NULL) ? 0 : -ENOMEM;
}

int world_capture_flush(struct world *w) { return pcapng_flush(w->cap); }

void world_log(struct world *w, const char *fmt, ...)
{
    if (!w->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(w->log, fmt, ap);
    va_end(ap);
}

FILE *world_log_file(struct world *w) { return w->log; }

static double wall__(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fact__(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fact__(struct world *w, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct trace_rec r = {.detail = buf};
    trace_event(w->trace, sim_now(w->eng), TRACE_NOTE, &r);
}

static const char *mac_txt__(const uint8_t *m, char *b)
{
    snprintf(b, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return b;
}

/* The team's effective failover knobs (spec/rules.md Appendix A), for the
 * checker's FO-006/FO-007: meta row "fo.<host>/<switch>" =
 * "failback=<mapped_only|all|none> failback_holddown_ps=<n>
 * announce=<none|garp_na>" (docs/results.md).  In meta, not an event row:
 * the run digest (results/digest.c) does not hash meta, so digests of runs
 * with the same behaviour stay the same. */
static void fo_knobs__(struct world *w, const char *hn, const char *swn,
                       const struct set_team_settings *s)
{
    static const char *const failback[] = {"mapped_only", "all", "none"};
    char key[300], v[200];
    snprintf(key, sizeof key, "fo.%s/%s", hn, swn);
    snprintf(v, sizeof v, "failback=%s failback_holddown_ps=%llu announce=%s",
             (unsigned)s->failback < 3 ? failback[s->failback] : "mapped_only",
             (unsigned long long)s->failback_holddown,
             s->announce == SET_ANNOUNCE_GARP_NA ? "garp_na" : "none");
    trace_meta(w->trace, key, v);
}

/* The scenario facts the trace checker needs and the events do not carry
 * (results/check_run.c reads them back): teams and their mode, every host
 * NIC (team, PMAC, rate, PFC priorities), every vNIC (MAC, VLAN, RDMA, the
 * priority of its RDMA traffic, team mapping, IPv4), and the cables.  One
 * TRACE_NOTE each, tab-separated, written once when the run starts. */
static void write_facts__(struct world *w)
{
    char b[18];
    for (size_t i = 0; i < w->nhosts; i++) {
        struct hvhost *h = w->hosts[i];
        const char *hn = hvhost_name(h);
        int roce_pcp = -1;
        for (size_t q = 0; q < hvhost_qos_policy_count(h); q++)
            if (hvhost_qos_policy_at(h, q)->nd_port)
                roce_pcp = hvhost_qos_policy_at(h, q)->priority;
        for (size_t s = 0; s < hvhost_vswitch_count(h); s++) {
            const char *swn = hvhost_vswitch_name_at(h, s);
            struct set_team *t = hvhost_team(h, swn);
            if (t) {
                fact__(w, "check.team\t%s/%s\t%s", hn, swn,
                       set_team_mode(t) == SET_LB_DYNAMIC ? "Dynamic" : "HyperVPort");
                fo_knobs__(w, hn, swn, set_team_settings_of(t));
            }
        }
        for (size_t k = 0; k < hvhost_nic_count(h); k++) {
            struct nic *n = hvhost_nic_at(h, k);
            const char *team = "-";
            for (size_t s = 0; s < hvhost_vswitch_count(h); s++) {
                const char *swn = hvhost_vswitch_name_at(h, s);
                struct set_team *t = hvhost_team(h, swn);
                if (t && set_team_member_index(t, n) >= 0)
                    team = swn;
            }
            fact__(w, "check.nic\t%s/%s\t%s%s%s\t%s\t%llu\t%u", hn, nic_name(n),
                   strcmp(team, "-") ? hn : "", strcmp(team, "-") ? "/" : "", team,
                   mac_txt__(nic_mac(n), b), (unsigned long long)nic_rate(n),
                   (unsigned)nic_pfc_enabled(n));
        }
        for (size_t v = 0; v < hvhost_vnic_count(h); v++) {
            struct hvhost_vnic_info vi;
            if (hvhost_vnic_info(h, (int)v, &vi) != 0)
                continue;
            struct set_team *t = hvhost_team(h, vi.sw);
            int mapped = t && vi.vport >= 0 ? set_team_mapped(t, vi.vport) : SET_NO_MEMBER;
            struct nic *mn = mapped >= 0 ? set_team_member(t, mapped) : NULL;
            char ip[20] = "-";
            uint8_t a[4];
            static const uint8_t any[4] = {0, 0, 0, 0};
            if (vi.stack && ipstack_src_addr(vi.stack, 4, any, a) == 0)
                snprintf(ip, sizeof ip, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            fact__(w, "check.vport\t%s/%s\t%s/%s\t%s\t%u\t%d\t%d\t%s%s%s\t%s", hn,
                   vi.display, hn, vi.sw, mac_txt__(vi.mac, b), vi.vlan, vi.rdma,
                   vi.rdma ? roce_pcp : -1, mn ? hn : "", mn ? "/" : "",
                   mn ? nic_name(mn) : "-", ip);
        }
    }
    for (size_t i = 0; i < w->ncables; i++)
        fact__(w, "check.cable\t%s\t%s", w->cables[i].end_name[0], w->cables[i].end_name[1]);
}

/* Periodic samples of every switch and host (docs/results.md). */
static int start_sampler__(struct world *w)
{
    if (!w->opt.sample_interval || w->sampler)
        return 0;
    struct sampler_settings ss = {.interval = w->opt.sample_interval};
    w->sampler = sampler_create(w->eng, w->trace, &ss);
    if (!w->sampler)
        return -ENOMEM;
    for (size_t i = 0; i < w->nsws; i++)
        if (sampler_add_switch(w->sampler, w->sws[i]) != 0)
            return -ENOMEM;
    for (size_t i = 0; i < w->nhosts; i++)
        if (sampler_add_host(w->sampler, w->hosts[i]) != 0)
            return -ENOMEM;
    return sampler_start(w->sampler);
}

void world_set_stop_flag(struct world *w, const volatile sig_atomic_t *flag)
{
    w->stop_flag = flag;
    sim_set_stop_flag(w->eng, flag);
}

int world_run(struct world *w, world_progress_fn progress, void *ctx)
{
    if (!w->facts_written) {
        write_facts__(w);
        w->facts_written = 1;
    }
    sim_time_t end = w->opt.duration;
    sim_time_t slice = end / PROGRESS_SLICES ? end / PROGRESS_SLICES : end;
    double t0 = wall__();
    int src = start_sampler__(w);
    if (src < 0)
        return src;
    while (sim_now(w->eng) < end) {
        if (w->stop_flag && *w->stop_flag)
            return -EINTR;
        sim_time_t next = sim_now(w->eng) + slice;
        if (next > end || next < sim_now(w->eng))
            next = end;
        int rc = sim_run_until(w->eng, next);
        if (rc < 0)
            return rc;
        if (progress)
            progress(ctx, sim_now(w->eng), end);
    }
    w->wall_s = wall__() - t0;
    w->events = sim_event_count(w->eng);
    return w->sampler ? sampler_finish(w->sampler) : 0;
}

char *world_time_str(sim_time_t t, char *buf, size_t len)
{
    /* One unit for every time of the summary: milliseconds, to the
     * nanosecond, so values line up and compare at a glance. */
    snprintf(buf, len, "%llu.%06llu ms", (unsigned long long)(t / SIM_MS),
             (unsigned long long)(t % SIM_MS / SIM_NS));
    return buf;
}

static void gbps__(char *buf, size_t len, uint64_t bytes, sim_time_t t)
{
    double s = (double)t / (double)SIM_S;
    snprintf(buf, len, "%7.3f Gb/s", s > 0 ? (double)bytes * 8 / s / 1e9 : 0.0);
}

void world_add_summary(struct world *w, void (*fn)(void *ctx, FILE *out), void *ctx)
{
    if (w->nextra < 4) {
        w->extra[w->nextra].fn = fn;
        w->extra[w->nextra].ctx = ctx;
        w->nextra++;
    }
}

/* The PFC a switch received and the time each port's egress spent paused
 * by it, per priority (nothing when no PFC reached the switch). */
static void summary_switch_pause__(const struct sw *sw, FILE *out)
{
    uint64_t rx[8] = {0};
    for (uint32_t p = 1; switch_port_counters(sw, p); p++)
        for (int q = 0; q < 8; q++)
            rx[q] += switch_port_counters(sw, p)->pfc_rx[q];
    int any = 0;
    for (int q = 0; q < 8; q++) {
        if (!rx[q])
            continue;
        fprintf(out, "%spriority %d: %llu", any ? ", " : "  PFC frames received: ", q,
                (unsigned long long)rx[q]);
        any = 1;
    }
    if (!any)
        return;
    fprintf(out, "\n");
    for (uint32_t p = 1; switch_port_counters(sw, p); p++) {
        for (uint8_t q = 0; q < 8; q++) {
            sim_time_t t = switch_paused_time(sw, p, q);
            char tbuf[40];
            if (t)
                fprintf(out, "  port %u priority %u paused %s\n", p, q,
                        world_time_str(t, tbuf, sizeof tbuf));
        }
    }
}

void world_summary(const struct world *w, FILE *out)
{
    char tbuf[32];
    sim_time_t end = sim_now(w->eng);
    fprintf(out, "setsim %s: scenario %s, seed %llu, engine %s\n", SETSIM_VERSION,
            w->scenario_name, (unsigned long long)w->opt.seed, w->engine_name);
    fprintf(out, "simulated %s in %.2f s of wall time, %llu events\n",
            world_time_str(end, tbuf, sizeof tbuf), w->wall_s, (unsigned long long)w->events);
    for (size_t i = 0; i < w->nhosts; i++) {
        const struct hvhost *h = w->hosts[i];
        fprintf(out, "\nhost %s\n", hvhost_name(h));
        for (size_t k = 0; k < hvhost_nic_count(h); k++) {
            struct nic *n = hvhost_nic_at(h, k);
            uint64_t tx = 0, rx = 0, pfc_rx = 0, pfc_tx = 0, drops = 0;
            sim_time_t paused = 0;
            for (uint8_t p = 0; p < 8; p++) {
                const struct nic_prio_counters *c = nic_counters(n, p);
                tx += c->tx_bytes;
                rx += c->rx_bytes;
                pfc_rx += c->pfc_rx;
                pfc_tx += c->pfc_tx;
                drops += c->drops;
                paused += nic_paused_time(n, p);
            }
            char a[32], b[32];
            gbps__(a, sizeof a, tx, end);
            gbps__(b, sizeof b, rx, end);
            fprintf(out, "  %-14s tx %s  rx %s  PFC sent %llu received %llu  paused %s  "
                         "drops %llu\n",
                    nic_name(n), a, b, (unsigned long long)pfc_tx, (unsigned long long)pfc_rx,
                    world_time_str(paused, tbuf, sizeof tbuf), (unsigned long long)drops);
        }
        for (size_t s = 0; s < hvhost_vswitch_count(h); s++) {
            const char *swn = hvhost_vswitch_name_at(h, s);
            struct set_team *t = hvhost_team(h, swn);
            int txo = 0, rxo = 0;
            hvhost_team_offloads(h, swn, &txo, &rxo);
            fprintf(out, "  switch %s: %s, %zu member(s), %s, %zu flow(s) tracked, checksum "
                         "offload tx %s rx %s\n",
                    swn, hvhost_vswitch_is_set(h, swn) ? "SET" : "no teaming",
                    set_team_member_count(t),
                    set_team_mode(t) == SET_LB_DYNAMIC ? "Dynamic" : "HyperVPort",
                    set_team_flow_count(t), txo ? "on" : "off", rxo ? "on" : "off");
        }
    }
    for (size_t i = 0; i < w->nsws; i++) {
        const struct sw *sw = w->sws[i];
        const struct switch_counters *sc = switch_counters(sw);
        uint64_t drops[TRACE_DROP_REASON_COUNT] = {0}, pfc[8] = {0};
        for (uint32_t p = 1; switch_port_counters(sw, p); p++) {
            const struct switch_port_counters *c = switch_port_counters(sw, p);
            for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
                drops[r] += c->drops[r];
            for (int q = 0; q < 8; q++)
                pfc[q] += c->pfc_tx[q];
        }
        fprintf(out, "\nswitch %s: MACs learned %llu, moves %llu, flaps %llu, peak buffer %llu "
                     "B\n",
                switch_name(sw), (unsigned long long)sc->learned, (unsigned long long)sc->moves,
                (unsigned long long)sc->flaps, (unsigned long long)sc->buffer_peak);
        int any = 0;
        for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++) {
            if (!drops[r])
                continue;
            fprintf(out, "%s%s %llu", any ? ", " : "  drops: ",
                    trace_drop_reason_name((enum trace_drop_reason)r),
                    (unsigned long long)drops[r]);
            any = 1;
        }
        fprintf(out, any ? "\n" : "  drops: none\n");
        any = 0;
        for (int q = 0; q < 8; q++) {
            if (!pfc[q])
                continue;
            fprintf(out, "%spriority %d: %llu", any ? ", " : "  PFC frames sent: ", q,
                    (unsigned long long)pfc[q]);
            any = 1;
        }
        fprintf(out, any ? "\n" : "  PFC frames sent: none\n");
        summary_switch_pause__(sw, out);
    }
    for (int i = 0; i < w->nextra; i++)
        w->extra[i].fn(w->extra[i].ctx, out);
}

int world_on_finish(struct world *w, void (*fn)(struct world *w, void *ctx), void *ctx)
{
    if (w->non_finish == 4)
        return -ENOSPC;
    w->on_finish[w->non_finish].fn = fn;
    w->on_finish[w->non_finish].ctx = ctx;
    w->non_finish++;
    return 0;
}

int world_on_teardown(struct world *w, void (*fn)(void *ctx), void *ctx)
{
    if (w->non_teardown == 4)
        return -ENOSPC;
    w->on_teardown[w->non_teardown].fn = fn;
    w->on_teardown[w->non_teardown].ctx = ctx;
    w->non_teardown++;
    return 0;
}

/* Records the capture's length and packet count in run.sqlite's meta
 * table (capture_bytes, capture_packets): setsim digest, diff and check
 * refuse a capture.pcapng that is missing or shorter than the run wrote,
 * even one cut at a block boundary (results/digest.c). */
static int record_capture__(struct world *w, char *err, size_t errlen)
{
    char path[PATH_MAX + 32], v[32];
    snprintf(path, sizeof path, "%s/capture.pcapng", w->staging);
    int rc = pcapng_flush(w->cap);
    struct stat st;
    if (rc == 0 && stat(path, &st) != 0)
        rc = -errno;
    if (rc != 0) {
        sim_errf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    snprintf(v, sizeof v, "%lld", (long long)st.st_size);
    rc = trace_meta(w->trace, "capture_bytes", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)pcapng_packet_count(w->cap));
    if (rc == 0)
        rc = trace_meta(w->trace, "capture_packets", v);
    if (rc != 0)
        sim_errf(err, errlen, "%s/run.sqlite: %s", w->staging, trace_errmsg(w->trace));
    return rc;
}

int world_finish(struct world *w, char *err, size_t errlen)
{
    for (int i = 0; i < w->non_finish; i++)
        w->on_finish[i].fn(w, w->on_finish[i].ctx);
    int rc = record_capture__(w, err, errlen);
    if (rc != 0)
        return rc;
    rc = trace_finish(w->trace, sim_now(w->eng), sim_event_count(w->eng));
    if (rc != 0) {
        sim_errf(err, errlen, "%s/run.sqlite: %s", w->staging, strerror(-rc));
        return rc;
    }
    trace_close(w->trace);
    w->trace = NULL;
    rc = pcapng_close(w->cap);
    w->cap = NULL;
    if (rc != 0) {
        sim_errf(err, errlen, "%s/capture.pcapng: %s", w->staging, strerror(-rc));
        return rc;
    }
    if (w->log) {
        fclose(w->log);
        w->log = NULL;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.txt", w->staging);
    FILE *f = fopen(path, "w");
    if (!f) {
        sim_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    world_summary(w, f);
    if (fclose(f) != 0) {
        sim_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -EIO;
    }
    if (w->opt.overwrite)
        rm_rf__(w->outdir);
    if (rename(w->staging, w->outdir) != 0) {
        sim_errf(err, errlen, "cannot move %s to %s: %s", w->staging, w->outdir,
                 strerror(errno));
        return -errno;
    }
    w->finished = 1;
    return 0;
}
