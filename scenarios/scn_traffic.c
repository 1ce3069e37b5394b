/* scn_traffic: the scenario's traffic section (see scn_traffic.h).
 *
 * Each entry becomes a generator of the traffic model (models/traffic.h).
 * Endpoints are resolved here: a VM or host vNIC gives its IP stack; for
 * roce and smb the host vNIC's RDMA engine (hvrdma), created once per vNIC
 * and shared by the generators that use it; for smb a bare host name means
 * every RDMA-enabled host vNIC of that host (multichannel).  CDF files are
 * read here (libcsv, via traffic_cdf_read), relative to the scenario file.
 *
 * The flow rows are written when the run finishes (world_on_finish), and
 * the transports are freed after the engine and before the hosts
 * (world_on_teardown): they are bound to the hosts' vNIC stacks. */
#include "scn_traffic.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "hvrdma.h"
#include "ipstack.h"
#include "nic.h"
#include "schema.h"
#include "set_team.h"
#include "traffic.h"

#define MAX_RDMA 256
#define MAX_EPS 1024

/* What a traffic endpoint's paused-time callback looks at. */
struct ep_ctx {
    struct hvhost *host;
    int vnic;
    struct hvrdma *rdma; /* NULL: the vNIC's team members */
};

struct scn_traffic {
    struct world *world;
    uint64_t seed;
    scn_traffic_diag_fn diag;
    void *ctx;
    struct traffic *traffic;
    struct hvrdma *rdma[MAX_RDMA];
    struct hvhost *rdma_host[MAX_RDMA];
    int rdma_vnic[MAX_RDMA];
    size_t nrdma;
    struct ep_ctx *eps[MAX_EPS];
    size_t neps;
    int torn_down;
};

static void err_at__(struct scn_traffic *sc, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_at__(struct scn_traffic *sc, const struct ydoc_node *n, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct ydoc_err e;
    ydoc_error(&e, n, "%s", msg);
    sc->diag(sc->ctx, 0, e.msg);
}

static void yerr__(struct scn_traffic *sc, const struct ydoc_err *e) { sc->diag(sc->ctx, 0, e->msg); }

/* ---- endpoints ---------------------------------------------------------------- */

/* "vm1", "hv2/vm3" (a VM's first vNIC) or "hv1/vEthernet (SMB_1)": the host
 * and vNIC index, or -1. */
static int vnic__(struct world *w, const char *spec, struct hvhost **hp)
{
    const char *slash = strchr(spec, '/');
    if (slash) {
        char hname[128];
        snprintf(hname, sizeof hname, "%.*s", (int)(slash - spec), spec);
        struct hvhost *h = world_host(w, hname);
        if (!h)
            return -1;
        *hp = h;
        int id = hvhost_vnic_find(h, NULL, slash + 1, NULL);
        if (id >= 0)
            return id;
        for (size_t i = 0; i < hvhost_vnic_count(h); i++) {
            struct hvhost_vnic_info vi;
            if (hvhost_vnic_info(h, (int)i, &vi) == 0 && vi.vm && strcmp(vi.vm, slash + 1) == 0)
                return (int)i;
        }
        return -1;
    }
    for (size_t k = 0; k < world_host_count(w); k++) {
        struct hvhost *h = world_host_at(w, k);
        for (size_t i = 0; i < hvhost_vnic_count(h); i++) {
            struct hvhost_vnic_info vi;
            if (hvhost_vnic_info(h, (int)i, &vi) == 0 && vi.vm && strcmp(vi.vm, spec) == 0) {
                *hp = h;
                return (int)i;
            }
        }
    }
    return -1;
}

static struct set_team *vnic_team__(struct hvhost *h, int vnic)
{
    struct hvhost_vnic_info vi;
    if (hvhost_vnic_info(h, vnic, &vi) != 0 || !vi.sw)
        return NULL;
    return hvhost_team(h, vi.sw);
}

static uint64_t vnic_rate__(struct hvhost *h, int vnic)
{
    struct set_team *t = vnic_team__(h, vnic);
    if (t && set_team_member_count(t))
        return nic_rate(set_team_member(t, 0));
    return hvhost_nic_count(h) ? nic_rate(hvhost_nic_at(h, 0)) : 0;
}

/* The RDMA transport of host vNIC vnic's adapters (its team's members, or
 * the host's first adapter without a team): HVHOST_RDMA_*.  RoCE flows and
 * SMB Direct run on the vNIC's RoCE engine, which only RoCE adapters have. */
static int vnic_rdma_kind__(struct hvhost *h, int vnic, const char **model_nic)
{
    struct set_team *t = vnic_team__(h, vnic);
    struct nic *n = t && set_team_member_count(t) ? set_team_member(t, 0)
                    : hvhost_nic_count(h)          ? hvhost_nic_at(h, 0)
                                                   : NULL;
    struct hvhost_nic_props p;
    *model_nic = n ? nic_name(n) : "";
    if (!n || hvhost_nic_props(h, nic_name(n), &p) != 0)
        return HVHOST_RDMA_NONE;
    return p.rdma_kind;
}

/* 0, or -1 with the reason in err: host vNIC vnic's adapters do not speak
 * RoCE (an iWARP adapter's SMB Direct runs over iWARP, which the smb
 * generator does not model; kind: iwarp is iWARP between two vNICs). */
static int need_roce__(struct hvhost *h, int vnic, const char *display, enum traffic_kind kind,
                       char *err, size_t errlen)
{
    const char *nic;
    int k = vnic_rdma_kind__(h, vnic, &nic);
    if (k == HVHOST_RDMA_ROCE)
        return 0;
    snprintf(err, errlen, "%s/%s is on %s/%s, whose NIC model has rdma: %s: %s traffic runs on "
                          "RoCE adapters (rdma: roce)%s", hvhost_name(h), display,
             hvhost_name(h), nic, k == HVHOST_RDMA_IWARP ? "iwarp" : "none",
             traffic_kind_name(kind),
             k != HVHOST_RDMA_IWARP    ? ""
             : kind == TRAFFIC_SMB     ? "; SMB Direct over iWARP is not modelled (kind: iwarp "
                                         "runs iWARP between two host vNICs)"
                                       : "; kind: iwarp runs iWARP between two host vNICs");
    return -1;
}

static sim_time_t paused__(void *ctx, int prio)
{
    struct ep_ctx *e = ctx;
    if (e->rdma) {
        struct nic *n = hvrdma_member_nic(e->rdma);
        return n ? nic_paused_time(n, (uint8_t)prio) : 0;
    }
    /* a VM's flows may use any member (Dynamic): the most paused one */
    struct set_team *t = vnic_team__(e->host, e->vnic);
    sim_time_t best = 0;
    for (size_t m = 0; t && m < set_team_member_count(t); m++) {
        sim_time_t p = nic_paused_time(set_team_member(t, (int)m), (uint8_t)prio);
        if (p > best)
            best = p;
    }
    return best;
}

/* The priority the host gives this vNIC's frames on the wire: the NetQos
 * classification when the vNIC tags (VLAN), else 0 (DCB-004); VM frames
 * are not classified by host policies. */
static int wire_prio__(struct hvhost *h, int vnic, enum traffic_kind kind, uint16_t port,
                       int given)
{
    struct hvhost_vnic_info vi;
    if (hvhost_vnic_info(h, vnic, &vi) != 0 || !vi.vlan)
        return 0; /* untagged: no priority on the wire (DCB-004) */
    if (vi.vm)
        return given; /* host policies do not classify VM frames */
    if (kind == TRAFFIC_ROCE || kind == TRAFFIC_SMB || kind == TRAFFIC_IWARP) {
        struct frame probe;
        memset(&probe, 0, sizeof probe);
        probe.flags = FRAME_F_RDMA;
        probe.nd_port = kind == TRAFFIC_ROCE ? port : 445;
        int p = hvhost_classify(h, vnic, &probe);
        return p >= 0 ? p : given;
    }
    int best = given, prec = 256;
    for (size_t i = 0; i < hvhost_qos_policy_count(h); i++) {
        const struct hvhost_qos_policy *q = hvhost_qos_policy_at(h, i);
        int match = kind == TRAFFIC_TCP
                        ? port && (q->tcp_port == port || (q->smb_template && port == 445))
                        : port && q->udp_port == port;
        if (match && q->precedence < prec) {
            best = q->priority;
            prec = q->precedence;
        }
    }
    return best;
}

/* The RDMA engine of a host vNIC, created on first use. */
static struct hvrdma *rdma__(struct scn_traffic *sc, struct hvhost *h, int vnic, int dcqcn,
                             char *err, size_t errlen)
{
    for (size_t i = 0; i < sc->nrdma; i++) {
        if (sc->rdma_host[i] != h || sc->rdma_vnic[i] != vnic)
            continue;
        if (!roce_dev_settings(hvrdma_dev(sc->rdma[i]))->dcqcn != !dcqcn) {
            snprintf(err, errlen, "the RDMA engine %s runs %s DCQCN already (one setting per "
                                  "RDMA vNIC)",
                     roce_dev_settings(hvrdma_dev(sc->rdma[i]))->name, dcqcn ? "without" : "with");
            return NULL;
        }
        return sc->rdma[i];
    }
    if (sc->nrdma == MAX_RDMA) {
        snprintf(err, errlen, "too many RDMA vNICs (at most %d)", MAX_RDMA);
        return NULL;
    }
    struct hvhost_vnic_info vi;
    hvhost_vnic_info(h, vnic, &vi);
    char name[300];
    snprintf(name, sizeof name, "%s/%s/rdma", hvhost_name(h), vi.display);
    struct hvrdma_settings s;
    hvrdma_settings_default(&s, name);
    s.roce.seed = sc->seed;
    s.roce.dcqcn = dcqcn; /* DCQCN parameters: roce_settings_default's */
    struct world *w = sc->world;
    struct hvrdma *r = hvrdma_create(world_engine(w), world_trace(w), world_pool(w), h, vnic, &s,
                                     err, errlen);
    if (!r)
        return NULL;
    sc->rdma[sc->nrdma] = r;
    sc->rdma_host[sc->nrdma] = h;
    sc->rdma_vnic[sc->nrdma] = vnic;
    sc->nrdma++;
    return r;
}

static struct ep_ctx *ep_ctx__(struct scn_traffic *sc, struct hvhost *h, int vnic,
                               struct hvrdma *r)
{
    if (sc->neps == MAX_EPS)
        return NULL;
    struct ep_ctx *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->host = h;
    e->vnic = vnic;
    e->rdma = r;
    sc->eps[sc->neps++] = e;
    return e;
}

/* Resolves spec into ep for kind; 0 or -1 with a diagnostic at n. */
static int endpoint__(struct scn_traffic *sc, const struct ydoc_node *n, const char *spec,
                      enum traffic_kind kind, uint16_t port, int given, int dcqcn,
                      struct traffic_ep *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->name = spec;
    struct hvhost *h = NULL;
    int rdma = kind == TRAFFIC_ROCE || kind == TRAFFIC_SMB;
    char err[512];
    if (kind == TRAFFIC_SMB && !strchr(spec, '/') && world_host(sc->world, spec)) {
        /* a host: every RDMA-enabled host vNIC with an address */
        h = world_host(sc->world, spec);
        int first = -1;
        for (size_t i = 0; i < hvhost_vnic_count(h) && ep->ndevs < TRAFFIC_MAX_DEVS; i++) {
            struct hvhost_vnic_info vi;
            uint8_t ip[4];
            static const uint8_t any4[4] = {0};
            if (hvhost_vnic_info(h, (int)i, &vi) != 0 || vi.vm || !vi.rdma || !vi.stack ||
                ipstack_src_addr(vi.stack, 4, any4, ip) != 0)
                continue;
            if (need_roce__(h, (int)i, vi.display, kind, err, sizeof err) != 0) {
                err_at__(sc, n, "%s", err);
                return -1;
            }
            struct hvrdma *r = rdma__(sc, h, (int)i, dcqcn, err, sizeof err);
            if (!r) {
                err_at__(sc, n, "%s", err);
                return -1;
            }
            ep->devs[ep->ndevs++] = hvrdma_dev(r);
            if (first < 0) {
                first = (int)i;
                ep->paused_ctx = ep_ctx__(sc, h, (int)i, r);
            }
        }
        if (!ep->ndevs) {
            err_at__(sc, n, "host '%s' has no RDMA-enabled host vNIC with an IPv4 address "
                            "(Enable-NetAdapterRdma and addresses:; DCB-010)", spec);
            return -1;
        }
        ep->rate_bps = vnic_rate__(h, first);
        ep->prio = wire_prio__(h, first, kind, port, given);
        ep->paused = ep->paused_ctx ? paused__ : NULL;
        return 0;
    }
    int vnic = vnic__(sc->world, spec, &h);
    if (vnic < 0) {
        err_at__(sc, n, "'%s' is not a VM or a host adapter with an IP stack ('vm1', 'hv2/vm3' "
                        "or 'hv1/vEthernet (SMB_1)'%s)",
                 spec, kind == TRAFFIC_SMB ? ", or a host for smb" : "");
        return -1;
    }
    struct hvhost_vnic_info vi;
    hvhost_vnic_info(h, vnic, &vi);
    ep->stack = vi.stack;
    struct hvrdma *r = NULL;
    if (rdma) {
        if (vi.vm) {
            err_at__(sc, n, "'%s' is a VM's adapter: %s traffic runs between host vNICs "
                            "('hv1/vEthernet (SMB_1)')", spec, traffic_kind_name(kind));
            return -1;
        }
        if (need_roce__(h, vnic, vi.display, kind, err, sizeof err) != 0) {
            err_at__(sc, n, "%s", err);
            return -1;
        }
        r = rdma__(sc, h, vnic, dcqcn, err, sizeof err);
        if (!r) {
            err_at__(sc, n, "%s", err);
            return -1;
        }
        ep->devs[0] = hvrdma_dev(r);
        ep->ndevs = 1;
    }
    ep->rate_bps = vnic_rate__(h, vnic);
    ep->prio = wire_prio__(h, vnic, kind, port, given);
    ep->paused_ctx = ep_ctx__(sc, h, vnic, r);
    ep->paused = ep->paused_ctx ? paused__ : NULL;
    return 0;
}

/* ---- entries ------------------------------------------------------------------- */

static const struct ydoc_node *key_or__(const struct ydoc_node *fn, const char *key)
{
    const struct ydoc_node *k = ydoc_map_get(fn, key, NULL);
    return k ? k : fn;
}

/* A CDF file named relative to the scenario file. */
static int read_cdf__(struct scn_traffic *sc, const struct ydoc_node *n, const char *file,
                      struct traffic_cdf *cdf)
{
    char path[PATH_MAX];
    const char *base = ydoc_pos(n).file;
    const char *slash = base ? strrchr(base, '/') : NULL;
    if (file[0] == '/' || !slash || strcmp(base, YDOC_SET_FILE) == 0)
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - base), base, file);
    char err[600];
    if (traffic_cdf_read(path, cdf, err, sizeof err) != 0) {
        err_at__(sc, n, "%s", err);
        return -1;
    }
    return 0;
}

int scn_subst_n(const char *text, int64_t n, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = text; *p; p++) {
        int here = strncmp(p, "{n}", 3) == 0;
        int k = here ? snprintf(out + o, len - o, "%lld", (long long)n)
                     : snprintf(out + o, len - o, "%c", *p);
        if (k < 0 || (size_t)k >= len - o)
            return -1;
        o += (size_t)k;
        p += here ? 2 : 0;
    }
    out[o] = '\0';
    return 0;
}

/* Port of the n-th flow of a `count` entry i without a port: clear of the
 * ports of entries without count (TRAFFIC_TCP_BASE_PORT + i). */
#define SCN_COUNT_PORT_BASE (TRAFFIC_TCP_BASE_PORT + 1000)
#define SCN_COUNT_PORT_STRIDE 256

/* Entry i of the traffic list; n > 0: the n-th flow of an entry with
 * `count` (`{n}` substituted in from, to and name). */
static void build_entry__(struct scn_traffic *sc, const struct ydoc_node *fn, size_t i,
                          int64_t n)
{
    struct ydoc_err e;
    const char *from = NULL, *to = NULL, *name = NULL, *cdf_file = NULL;
    int kind = SCHEMA_KIND_TCP, pattern = SCHEMA_PATTERN_BULK, dist = SCHEMA_DIST_FIXED;
    int cc = SCHEMA_CC_NEWRENO, op = SCHEMA_OP_WRITE;
    uint64_t size = 1000000, rate = 0, response = 0;
    sim_time_t start = 0, stop = 0, on = SIM_MS, off = SIM_MS;
    int64_t port = 0, conns = 1, prio = 0;
    bool dcqcn = false;
    double load = 0.5;
    const char **senders = NULL;
    size_t nsenders = 0;
    if (ydoc_get_str(fn, "from", 0, &from, &e) ||
        ydoc_get_str(fn, "to", YDOC_REQUIRED, &to, &e) ||
        ydoc_get_str(fn, "name", 0, &name, &e) ||
        ydoc_get_enum(fn, "kind", 0, schema_traffic_kind_values, &kind, &e) ||
        ydoc_get_enum(fn, "pattern", 0, schema_pattern_values, &pattern, &e) ||
        ydoc_get_enum(fn, "distribution", 0, schema_distribution_values, &dist, &e) ||
        ydoc_get_enum(fn, "congestion", 0, schema_congestion_values, &cc, &e) ||
        ydoc_get_enum(fn, "operation", 0, schema_operation_values, &op, &e) ||
        ydoc_get_size(fn, "size", 0, &size, &e) || ydoc_get_size(fn, "response", 0, &response, &e) ||
        ydoc_get_rate(fn, "rate", 0, &rate, &e) || ydoc_get_time(fn, "start", 0, &start, &e) ||
        ydoc_get_time(fn, "stop", 0, &stop, &e) || ydoc_get_time(fn, "on", 0, &on, &e) ||
        ydoc_get_time(fn, "off", 0, &off, &e) ||
        ydoc_get_int(fn, "port", 0, 1, 65535, &port, &e) ||
        ydoc_get_int(fn, "connections", 0, 1, 64, &conns, &e) ||
        ydoc_get_int(fn, "priority", 0, 0, 7, &prio, &e) ||
        ydoc_get_bool(fn, "dcqcn", 0, &dcqcn, &e) ||
        ydoc_get_double(fn, "load", 0, 0.0001, 1.0, &load, &e) ||
        ydoc_get_str(fn, "cdf", 0, &cdf_file, &e) ||
        ydoc_get_str_list(fn, "senders", 0, &senders, &nsenders, &e)) {
        yerr__(sc, &e);
        return;
    }
    if (!from && !senders) {
        err_at__(sc, fn, "a traffic entry needs 'from' (or 'senders')");
        return;
    }
    if (from && senders) {
        err_at__(sc, ydoc_map_get(fn, "senders", NULL), "give 'from' or 'senders', not both");
        free(senders);
        return;
    }
    if (pattern == SCHEMA_PATTERN_CDF && !cdf_file) {
        err_at__(sc, key_or__(fn, "pattern"), "pattern 'cdf' needs a 'cdf' file of flow sizes");
        free(senders);
        return;
    }
    if (stop && stop <= start) {
        err_at__(sc, key_or__(fn, "stop"), "stop must be later than start");
        free(senders);
        return;
    }
    char label[64];
    if (!name) {
        snprintf(label, sizeof label, "flow%zu", i + 1);
        name = label;
    }
    /* The schema's enum orders match the model's (traffic.h). */
    enum traffic_kind k = (enum traffic_kind)kind;
    char gfrom[128], gto[128], gname[128];
    if (n) {
        if ((from && scn_subst_n(from, n, gfrom, sizeof gfrom) != 0) ||
            scn_subst_n(to, n, gto, sizeof gto) != 0 ||
            scn_subst_n(name, n, gname, sizeof gname) != 0) {
            err_at__(sc, fn, "a name with {n} is too long");
            free(senders);
            return;
        }
        /* Each flow of the entry gets its own label and port. */
        if (!strstr(name, "{n}"))
            snprintf(gname, sizeof gname, "%.100s-%lld", name, (long long)n);
        from = from ? gfrom : NULL;
        to = gto;
        name = gname;
        if (port)
            port += n - 1;
        else if (k == TRAFFIC_TCP || k == TRAFFIC_UDP)
            port = SCN_COUNT_PORT_BASE + SCN_COUNT_PORT_STRIDE * (int64_t)i + n - 1;
        if (port > 65535) {
            err_at__(sc, fn, "flow %lld of this entry would use port %lld (above 65535)",
                     (long long)n, (long long)port);
            free(senders);
            return;
        }
    }
    if (!port && (k == TRAFFIC_TCP || k == TRAFFIC_UDP))
        port = TRAFFIC_TCP_BASE_PORT + (int64_t)i;
    uint16_t eport = (uint16_t)port;
    if (!eport && k == TRAFFIC_ROCE)
        eport = TRAFFIC_ROCE_PORT;
    size_t nsrc = senders ? nsenders : 1;
    struct traffic_ep *src = calloc(nsrc, sizeof *src);
    struct traffic_ep dst;
    struct traffic_cdf cdf = {0};
    int bad = !src;
    for (size_t s = 0; s < nsrc && !bad; s++) {
        const struct ydoc_node *at =
            senders ? ydoc_item(ydoc_map_get(fn, "senders", NULL), s) : key_or__(fn, "from");
        bad = endpoint__(sc, at, senders ? senders[s] : from, k, eport, (int)prio, dcqcn, &src[s]) != 0;
    }
    if (!bad)
        bad = endpoint__(sc, key_or__(fn, "to"), to, k, eport, (int)prio, dcqcn, &dst) != 0;
    if (!bad && pattern == SCHEMA_PATTERN_CDF)
        bad = read_cdf__(sc, key_or__(fn, "cdf"), cdf_file, &cdf) != 0;
    if (!bad) {
        struct traffic_settings ts = {
            .name = name, .kind = k, .pattern = (enum traffic_pattern)pattern, .src = src,
            .nsrc = nsrc, .dst = &dst, .size = size, .response = response, .rate_bps = rate,
            .start = start, .stop = stop, .on = on, .off = off,
            .exponential = dist == SCHEMA_DIST_EXPONENTIAL, .cdf = &cdf, .load = load,
            .port = (uint16_t)port, .connections = (uint32_t)conns,
            .cc = cc == SCHEMA_CC_CUBIC ? TCP_CC_CUBIC : TCP_CC_NEWRENO,
            .smb_read = op == SCHEMA_OP_READ, .priority = (uint8_t)prio, .seed = sc->seed};
        char err[600];
        if (traffic_add(sc->traffic, &ts, err, sizeof err) < 0)
            err_at__(sc, fn, "cannot start traffic '%s': %s", name, err);
    }
    traffic_cdf_free(&cdf);
    free(src);
    free(senders);
}

/* ---- run hooks ---------------------------------------------------------------- */

static void on_finish__(struct world *w, void *ctx)
{
    struct scn_traffic *sc = ctx;
    traffic_write_flows(sc->traffic, sim_now(world_engine(w)));
}

static void teardown__(void *ctx)
{
    struct scn_traffic *sc = ctx;
    traffic_destroy(sc->traffic); /* the engine is gone; the stacks are still here */
    sc->traffic = NULL;
    for (size_t i = 0; i < sc->nrdma; i++)
        hvrdma_destroy(sc->rdma[i]); /* their QPs go with them */
    sc->nrdma = 0;
    sc->torn_down = 1;
}

struct scn_traffic *scn_traffic_build(struct world *w, const struct ydoc_node *root,
                                      uint64_t seed, scn_traffic_diag_fn diag, void *ctx)
{
    struct scn_traffic *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->world = w;
    t->seed = seed;
    t->diag = diag;
    t->ctx = ctx;
    t->traffic = traffic_create(world_engine(w), world_pool(w), world_trace(w));
    if (!t->traffic || world_on_teardown(w, teardown__, t) != 0 ||
        world_on_finish(w, on_finish__, t) != 0) {
        traffic_destroy(t->traffic);
        free(t);
        return NULL;
    }
    const struct ydoc_node *tr = ydoc_map_get(root, "traffic", NULL);
    for (size_t i = 0; tr && i < ydoc_count(tr); i++) {
        const struct ydoc_node *fn = ydoc_item(tr, i);
        int64_t count = 1;
        struct ydoc_err e;
        if (ydoc_get_int(fn, "count", 0, 0, SCN_COUNT_PORT_STRIDE, &count, &e) != 0) {
            yerr__(t, &e);
            continue;
        }
        /* count: N makes N flows of the entry, `{n}` = 1..N. */
        if (!ydoc_map_get(fn, "count", NULL))
            build_entry__(t, fn, i, 0);
        for (int64_t n = 1; ydoc_map_get(fn, "count", NULL) && n <= count; n++)
            build_entry__(t, fn, i, n);
    }
    return t;
}

void scn_traffic_free(struct scn_traffic *t)
{
    if (!t)
        return;
    if (!t->torn_down)
        teardown__(t); /* never reached when the world was destroyed first */
    for (size_t i = 0; i < t->neps; i++)
        free(t->eps[i]);
    free(t);
}

void scn_traffic_summary(const struct scn_traffic *sc, FILE *out)
{
    if (!sc || !sc->traffic)
        return;
    traffic_summary(sc->traffic, sim_now(world_engine(sc->world)), out);
}
