/* scn_traffic: the scenario's traffic section (see scn_traffic.h). */
#include "scn_traffic.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "ipstack.h"
#include "schema.h"
#include "udpgen.h"

#define MAX_FLOWS 1024
#define DEFAULT_PAYLOAD 1472 /* 1518-byte frames over IPv4 */
#define UDP_BASE_PORT 5001

struct scn_traffic {
    struct world *world;
    uint64_t seed;
    scn_traffic_diag_fn diag;
    void *ctx;
    struct udpgen *flows[MAX_FLOWS];
    size_t nflows;
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

/* "vm1", "hv2/vm3" (a VM's first vNIC) or "hv1/vEthernet (SMB_1)". */
static struct ipstack *stack__(struct world *w, const char *spec)
{
    const char *slash = strchr(spec, '/');
    if (slash) {
        char hname[128];
        snprintf(hname, sizeof hname, "%.*s", (int)(slash - spec), spec);
        struct hvhost *h = world_host(w, hname);
        if (!h)
            return NULL;
        int id = hvhost_vnic_find(h, NULL, slash + 1, NULL);
        if (id < 0) {
            for (size_t i = 0; i < hvhost_vnic_count(h); i++) {
                struct hvhost_vnic_info vi;
                if (hvhost_vnic_info(h, (int)i, &vi) == 0 && vi.vm &&
                    strcmp(vi.vm, slash + 1) == 0)
                    return vi.stack;
            }
            return NULL;
        }
        struct hvhost_vnic_info vi;
        return hvhost_vnic_info(h, id, &vi) == 0 ? vi.stack : NULL;
    }
    for (size_t k = 0; k < world_host_count(w); k++) {
        struct hvhost *h = world_host_at(w, k);
        for (size_t i = 0; i < hvhost_vnic_count(h); i++) {
            struct hvhost_vnic_info vi;
            if (hvhost_vnic_info(h, (int)i, &vi) == 0 && vi.vm && strcmp(vi.vm, spec) == 0)
                return vi.stack;
        }
    }
    return NULL;
}

static void build__(struct scn_traffic *sc, const struct ydoc_node *root)
{
    const struct ydoc_node *tr = ydoc_map_get(root, "traffic", NULL);
    for (size_t i = 0; tr && i < ydoc_count(tr); i++) {
        const struct ydoc_node *fn = ydoc_item(tr, i);
        struct ydoc_err e;
        const char *from = NULL, *to = NULL, *name = NULL;
        int kind = SCHEMA_KIND_TCP, pattern = SCHEMA_PATTERN_BULK, dist = SCHEMA_DIST_FIXED;
        uint64_t size = 1000000, rate = 0;
        sim_time_t start = 0, stop = 0, on = SIM_MS, off = SIM_MS;
        int64_t port = UDP_BASE_PORT + (int64_t)i;
        if (ydoc_get_str(fn, "from", YDOC_REQUIRED, &from, &e) ||
            ydoc_get_str(fn, "to", YDOC_REQUIRED, &to, &e) ||
            ydoc_get_str(fn, "name", 0, &name, &e) ||
            ydoc_get_enum(fn, "kind", 0, schema_traffic_kind_values, &kind, &e) ||
            ydoc_get_enum(fn, "pattern", 0, schema_pattern_values, &pattern, &e) ||
            ydoc_get_enum(fn, "distribution", 0, schema_distribution_values, &dist, &e) ||
            ydoc_get_size(fn, "size", 0, &size, &e) || ydoc_get_rate(fn, "rate", 0, &rate, &e) ||
            ydoc_get_time(fn, "start", 0, &start, &e) || ydoc_get_time(fn, "stop", 0, &stop, &e) ||
            ydoc_get_time(fn, "on", 0, &on, &e) || ydoc_get_time(fn, "off", 0, &off, &e) ||
            ydoc_get_int(fn, "port", 0, 1, 65535, &port, &e)) {
            yerr__(sc, &e);
            continue;
        }
        if (kind != SCHEMA_KIND_UDP) {
            err_at__(sc, ydoc_map_get(fn, "kind", NULL) ? ydoc_map_get(fn, "kind", NULL) : fn,
                     "traffic kind '%s' is not available in this build of setsim (transports "
                     "land with issue 5); use kind: udp",
                     schema_traffic_kind_values[kind]);
            continue;
        }
        if (pattern != SCHEMA_PATTERN_BULK && pattern != SCHEMA_PATTERN_CONSTANT &&
            pattern != SCHEMA_PATTERN_ONOFF) {
            err_at__(sc, ydoc_map_get(fn, "pattern", NULL), "pattern '%s' is not available for "
                                                              "udp (bulk, constant, onoff)",
                     schema_pattern_values[pattern]);
            continue;
        }
        struct ipstack *src = stack__(sc->world, from), *dst = stack__(sc->world, to);
        if (!src || !dst) {
            err_at__(sc, ydoc_map_get(fn, src ? "to" : "from", NULL),
                     "'%s' is not a VM or a host adapter with an IP stack ('vm1', 'hv2/vm3' or "
                     "'hv1/vEthernet (SMB_1)')",
                     src ? to : from);
            continue;
        }
        if (sc->nflows == MAX_FLOWS) {
            err_at__(sc, fn, "too many traffic entries (at most %d)", MAX_FLOWS);
            continue;
        }
        char label[64];
        if (!name) {
            snprintf(label, sizeof label, "flow%zu", i + 1);
            name = label;
        }
        struct udpgen_settings us = {.name = name, .src = src, .dst = dst,
                                     .dport = (uint16_t)port, .payload = DEFAULT_PAYLOAD,
                                     .rate_bps = rate ? rate : 10000000000ULL,
                                     .pattern = pattern == SCHEMA_PATTERN_BULK ? UDPGEN_BULK
                                                : pattern == SCHEMA_PATTERN_CONSTANT
                                                    ? UDPGEN_CONSTANT
                                                    : UDPGEN_ONOFF,
                                     .bytes = size, .start = start, .stop = stop, .on = on,
                                     .off = off, .exponential = dist == SCHEMA_DIST_EXPONENTIAL,
                                     .seed = sc->seed, .flow_id = i + 1};
        int rc;
        struct udpgen *g = udpgen_create(world_engine(sc->world), &us, &rc);
        if (!g) {
            err_at__(sc, fn, "cannot start traffic '%s': %s", name,
                     rc == -EADDRINUSE ? "the destination port is already in use (give port:)"
                                       : "both ends need IP addresses");
            continue;
        }
        sc->flows[sc->nflows++] = g;
    }
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
    build__(t, root);
    return t;
}

void scn_traffic_free(struct scn_traffic *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nflows; i++)
        udpgen_destroy(t->flows[i]);
    free(t);
}

void scn_traffic_summary(const struct scn_traffic *sc, FILE *out)
{
    if (!sc || !sc->nflows)
        return;
    fprintf(out, "\ntraffic\n");
    for (size_t i = 0; i < sc->nflows; i++) {
        const struct udpgen_stats *st = udpgen_stats(sc->flows[i]);
        char t1[32];
        double dur = st->last_rx > st->first_rx ? (double)(st->last_rx - st->first_rx) / 1e12 : 0;
        fprintf(out, "  %-16s udp  sent %llu B  received %llu B (%.1f%%)  goodput %.3f Gb/s  "
                     "last arrival %s\n",
                udpgen_name(sc->flows[i]), (unsigned long long)st->sent_bytes,
                (unsigned long long)st->recv_bytes,
                st->sent_bytes ? 100.0 * (double)st->recv_bytes / (double)st->sent_bytes : 0.0,
                dur > 0 ? (double)st->recv_bytes * 8 / dur / 1e9 : 0.0,
                world_time_str(st->last_rx, t1, sizeof t1));
    }
}
