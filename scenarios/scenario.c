/* scenario: scenario file -> world (see scenario.h).
 *
 * Build order (each step needs the ones before it):
 *   1. load, --set overrides, schema check;
 *   2. world (run directory, engine, trace, capture);
 *   3. nic_models; switches and their ports; hosts and their adapters;
 *   4. cabling;
 *   5. each host's PowerShell block (switches, teams, host vNICs, DCB);
 *   6. VMs and their vNICs (on switches the PowerShell made), addresses;
 *   7. captures, timeline, traffic.
 * Errors are collected (up to MAX_DIAGS) and stop the build at the end of
 * the step that produced them. */
#include "scenario.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hvhost.h"
#include "ipstack.h"
#include "link.h"
#include "nic.h"
#include "ps_effects.h"
#include "ps_script.h"
#include "roce.h"
#include "sampler.h"
#include "schema.h"
#include "scn_lint.h"
#include "scn_traffic.h"
#include "vmswitch.h"
#include "ydoc.h"

#define MAX_DIAGS 200
#define MAX_MODELS 64

struct nic_model {
    const char *name;
    struct nic_identity id;
    uint64_t rate;
    int64_t vmq;
    int rdma;
    int roce_mtu;             /* index in schema_roce_mtu_values, -1: not given */
    int roce_retx;            /* index in schema_roce_retx_values, -1: not given */
    int64_t roce_ack_exp;     /* 0: not given */
    int64_t roce_retry;       /* -1: not given */
    int media;                /* schema_media_values: 0 Ethernet */
    bool whql;
    bool tx_csum, rx_csum;    /* CFG-023 */
};

/* A timeline entry, kept until the run ends. */
struct tl_event {
    struct scenario *sc;
    const struct ydoc_node *node;
    enum { TL_RUN, TL_CUT, TL_RESTORE, TL_STORM, TL_STORM_END, TL_MIGRATE } kind;
    struct hvhost *host;
    struct ps_script *script; /* TL_RUN, owned */
    char target[256];
    char to[128];
    uint8_t prios;
    sim_time_t blackout;      /* TL_MIGRATE */
};

struct scenario {
    struct scenario_options opt;
    struct ydoc *doc;
    struct world *world;
    char name[256];
    sim_time_t duration;
    uint64_t seed;
    struct scenario_diag *diags;
    size_t ndiags, nerrors, nwarnings;
    struct nic_model models[MAX_MODELS];
    size_t nmodels;
    struct tl_event *events;
    size_t nevents;
    struct scn_traffic *traffic;
    struct hvhost_settings knobs; /* knobs: (Appendix A) for every host; name NULL */
    int seed_semantics;           /* CFG-036 knobs.iso.seed_semantics */
    char scratch[PATH_MAX - 32];
};

/* ---- diagnostics ---------------------------------------------------------- */

static void diag__(struct scenario *sc, enum scenario_severity sev, const char *text)
{
    if (sev == SCENARIO_ERROR)
        sc->nerrors++;
    else
        sc->nwarnings++;
    if (sc->ndiags == MAX_DIAGS)
        return;
    struct scenario_diag *d = &sc->diags[sc->ndiags++];
    d->severity = sev;
    snprintf(d->text, sizeof d->text, "%s", text);
}

/* A diagnostic at node n's file:line:col; warnings say so after it. */
static void vdiag_at__(struct scenario *sc, const struct ydoc_node *n, enum scenario_severity sev,
                       const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void vdiag_at__(struct scenario *sc, const struct ydoc_node *n, enum scenario_severity sev,
                       const char *fmt, va_list ap)
{
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct ydoc_err e;
    ydoc_error(&e, n, "%s%s", sev == SCENARIO_WARNING ? "warning: " : "", msg);
    diag__(sc, sev, e.msg);
}

static void err_at__(struct scenario *sc, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_at__(struct scenario *sc, const struct ydoc_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag_at__(sc, n, SCENARIO_ERROR, fmt, ap);
    va_end(ap);
}

static void warn_at__(struct scenario *sc, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_at__(struct scenario *sc, const struct ydoc_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag_at__(sc, n, SCENARIO_WARNING, fmt, ap);
    va_end(ap);
}

static void yerr__(struct scenario *sc, const struct ydoc_err *e) { diag__(sc, SCENARIO_ERROR, e->msg); }

/* An entry's field: a mapping's key, or the entry itself when the entry is
 * the shorthand scalar/list for that key. */
static const struct ydoc_node *field__(const struct ydoc_node *entry, const char *key,
                                       const char *shorthand)
{
    if (!entry)
        return NULL;
    if (ydoc_kind(entry) != YDOC_MAP)
        return shorthand && strcmp(key, shorthand) == 0 ? entry : NULL;
    return ydoc_map_get(entry, key, NULL);
}

/* ---- small parsers ---------------------------------------------------------- */

static int parse_mac__(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char sep[5];
    if (sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x", &v[0], &sep[0], &v[1], &sep[1], &v[2], &sep[2],
               &v[3], &sep[3], &v[4], &sep[4], &v[5]) != 11)
        return -EINVAL;
    for (int i = 0; i < 5; i++)
        if (sep[i] != ':' && sep[i] != '-')
            return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

static int parse_ipv4_prefix__(const char *s, uint8_t ip[4], uint8_t *prefix)
{
    unsigned a, b, c, d, p = 24;
    char tail;
    int n = sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &p, &tail);
    if (n != 4 && n != 5)
        return -EINVAL;
    if (a > 255 || b > 255 || c > 255 || d > 255 || p > 32)
        return -EINVAL;
    ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
    *prefix = (uint8_t)p;
    return 0;
}

static int prio_list__(struct scenario *sc, const struct ydoc_node *n, uint8_t *mask)
{
    *mask = 0;
    if (!n)
        return 0;
    int64_t *v = NULL;
    size_t count = 0;
    struct ydoc_err e;
    if (ydoc_as_int_list(n, 0, 7, &v, &count, &e) != 0) {
        yerr__(sc, &e);
        return -EINVAL;
    }
    for (size_t i = 0; i < count; i++)
        *mask |= (uint8_t)(1u << v[i]);
    free(v);
    return 0;
}

/* ---- nic models ----------------------------------------------------------- */

static const struct nic_model *model__(const struct scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->nmodels; i++)
        if (strcmp(sc->models[i].name, name) == 0)
            return &sc->models[i];
    return NULL;
}

static void build_models__(struct scenario *sc, const struct ydoc_node *root)
{
    const struct ydoc_node *models = ydoc_map_get(root, "nic_models", NULL);
    for (size_t i = 0; models && i < ydoc_count(models) && sc->nmodels < MAX_MODELS; i++) {
        const struct ydoc_node *m = ydoc_value(models, i);
        struct nic_model *nm = &sc->models[sc->nmodels++];
        struct ydoc_err e;
        memset(nm, 0, sizeof *nm);
        nm->name = ydoc_key(models, i);
        nm->id.firmware = nm->id.driver = "";
        nm->vmq = 16;
        nm->whql = nm->tx_csum = nm->rx_csum = true;
        nm->roce_mtu = nm->roce_retx = -1;
        nm->roce_retry = -1;
        if (ydoc_get_str(m, "manufacturer", YDOC_REQUIRED, &nm->id.manufacturer, &e) ||
            ydoc_get_str(m, "model", YDOC_REQUIRED, &nm->id.model, &e) ||
            ydoc_get_str(m, "firmware", 0, &nm->id.firmware, &e) ||
            ydoc_get_str(m, "driver", 0, &nm->id.driver, &e) ||
            ydoc_get_rate(m, "rate", YDOC_REQUIRED, &nm->rate, &e) ||
            ydoc_get_int(m, "vmq_queues", 0, 0, 1024, &nm->vmq, &e) ||
            ydoc_get_enum(m, "rdma", 0, schema_rdma_values, &nm->rdma, &e) ||
            ydoc_get_enum(m, "roce_mtu", 0, schema_roce_mtu_values, &nm->roce_mtu, &e) ||
            ydoc_get_enum(m, "roce_retransmission", 0, schema_roce_retx_values, &nm->roce_retx,
                          &e) ||
            ydoc_get_int(m, "roce_ack_timeout_exp", 0, 1, 31, &nm->roce_ack_exp, &e) ||
            ydoc_get_int(m, "roce_retry_count", 0, 0, 7, &nm->roce_retry, &e) ||
            ydoc_get_enum(m, "media", 0, schema_media_values, &nm->media, &e) ||
            ydoc_get_bool(m, "whql", 0, &nm->whql, &e) ||
            ydoc_get_bool(m, "tx_checksum_offload", 0, &nm->tx_csum, &e) ||
            ydoc_get_bool(m, "rx_checksum_offload", 0, &nm->rx_csum, &e)) {
            yerr__(sc, &e);
            continue;
        }
        /* Go-back-0 acknowledges whole messages only: a message that takes
         * longer on the wire than the local ACK timeout times out every
         * time it is sent (SMB Direct moves 1 MiB per request). */
        if (nm->rdma == 1 && nm->roce_retx == 1 && nm->rate) {
            int64_t exp = nm->roce_ack_exp ? nm->roce_ack_exp : ROCE_DEFAULT_ACK_TIMEOUT_EXP;
            sim_time_t timeout = (sim_time_t)(4096 * SIM_NS) << exp;
            sim_time_t wire = sim_tx_time(1u << 20, nm->rate);
            if (timeout <= wire) {
                const struct ydoc_node *kn = ydoc_map_get(m, "roce_ack_timeout_exp", NULL);
                warn_at__(sc, kn ? kn : ydoc_map_get(m, "roce_retransmission", NULL),
                          "with go-back-0 the local ACK timeout (4.096 us x 2^%lld = %.1f us) is "
                          "not longer than a 1 MiB message on the wire at this rate (%.1f us): "
                          "such messages (SMB Direct's) time out every time they are sent",
                          (long long)exp, (double)timeout / SIM_US, (double)wire / SIM_US);
            }
        }
        static const char *const roce_keys[] = {"roce_mtu", "roce_retransmission",
                                                "roce_ack_timeout_exp", "roce_retry_count"};
        for (size_t k = 0; nm->rdma != 1 && k < sizeof roce_keys / sizeof *roce_keys; k++) {
            const struct ydoc_node *kn = ydoc_map_get(m, roce_keys[k], NULL);
            if (kn)
                err_at__(sc, kn, "%s applies to a NIC model with rdma: roce (this one has rdma: %s)",
                         roce_keys[k], schema_rdma_values[nm->rdma]);
        }
    }
}

/* ---- switches --------------------------------------------------------------- */

/* Port selectors: "3", "1-8", "all". */
static int port_range__(const char *sel, uint32_t nports, uint32_t *lo, uint32_t *hi)
{
    if (strcasecmp(sel, "all") == 0) {
        *lo = 1;
        *hi = nports;
        return 0;
    }
    unsigned a, b;
    char tail;
    if (sscanf(sel, "%u-%u%c", &a, &b, &tail) == 2) {
        *lo = a;
        *hi = b;
    } else if (sscanf(sel, "%u%c", &a, &tail) == 1) {
        *lo = *hi = a;
    } else {
        return -EINVAL;
    }
    return *lo >= 1 && *lo <= *hi && *hi <= nports ? 0 : -ERANGE;
}

static void build_switch__(struct scenario *sc, const char *name, const struct ydoc_node *n)
{
    struct ydoc_err e;
    int64_t ports = 0, mtu = 1522;
    struct switch_settings ss;
    switch_settings_default(&ss, name, 1);
    uint64_t buffer = ss.buffer;
    sim_time_t aging = ss.aging;
    if (ydoc_get_int(n, "ports", YDOC_REQUIRED, 1, SWITCH_MAX_PORTS, &ports, &e) ||
        ydoc_get_size(n, "buffer", 0, &buffer, &e) ||
        ydoc_get_int(n, "mtu", 0, 64, 16384, &mtu, &e) ||
        ydoc_get_time(n, "aging", 0, &aging, &e)) {
        yerr__(sc, &e);
        return;
    }
    ss.nports = (uint32_t)ports;
    ss.buffer = buffer;
    ss.mtu = (uint32_t)mtu;
    ss.aging = aging;
    ss.seed = sc->seed;
    uint32_t headroom = 0;
    const struct ydoc_node *pfc = ydoc_map_get(n, "pfc", NULL);
    if (pfc) {
        uint64_t xoff = ss.xoff, xon = 0, hr = 0;
        int mode = SCHEMA_XOFF_STATIC, wd = SCHEMA_WATCHDOG_OFF;
        int64_t quanta = 0xFFFF;
        double alpha = ss.xoff_alpha;
        sim_time_t wdt = 200 * SIM_MS;
        if (prio_list__(sc, ydoc_map_get(pfc, "priorities", NULL), &ss.pfc_enabled) ||
            ydoc_get_enum(pfc, "xoff_mode", 0, schema_xoff_mode_values, &mode, &e) ||
            ydoc_get_size(pfc, "xoff", 0, &xoff, &e) || ydoc_get_size(pfc, "xon", 0, &xon, &e) ||
            ydoc_get_double(pfc, "alpha", 0, 0.0001, 64, &alpha, &e) ||
            ydoc_get_size(pfc, "headroom", 0, &hr, &e) ||
            ydoc_get_int(pfc, "quanta", 0, 1, 65535, &quanta, &e) ||
            ydoc_get_enum(pfc, "watchdog", 0, schema_watchdog_values, &wd, &e) ||
            ydoc_get_time(pfc, "watchdog_time", 0, &wdt, &e)) {
            yerr__(sc, &e);
            return;
        }
        ss.xoff_mode = (enum switch_threshold_mode)mode;
        ss.xoff = (uint32_t)xoff;
        ss.xoff_alpha = alpha;
        ss.xon_delta = xon && xon < xoff ? (uint32_t)(xoff - xon) : 0;
        ss.pfc_quanta = (uint16_t)quanta;
        ss.wd_action = (enum switch_watchdog_action)wd;
        ss.wd_detect = wdt;
        headroom = (uint32_t)hr;
    }
    const struct ydoc_node *ecn = ydoc_map_get(n, "ecn", NULL);
    for (size_t i = 0; ecn && i < ydoc_count(ecn); i++) {
        int p = atoi(ydoc_key(ecn, i));
        const struct ydoc_node *en = ydoc_value(ecn, i);
        uint64_t kmin = 0, kmax = 0;
        double pmax = 0;
        if (ydoc_get_size(en, "kmin", YDOC_REQUIRED, &kmin, &e) ||
            ydoc_get_size(en, "kmax", YDOC_REQUIRED, &kmax, &e) ||
            ydoc_get_double(en, "pmax", YDOC_REQUIRED, 0, 1, &pmax, &e)) {
            yerr__(sc, &e);
            return;
        }
        if (kmax <= kmin) {
            err_at__(sc, en, "ecn priority %d: kmax must be above kmin", p);
            return;
        }
        ss.ecn_enabled |= (uint8_t)(1u << p);
        ss.ecn[p] = (struct switch_ecn){(uint32_t)kmin, (uint32_t)kmax, pmax};
    }
    char err[512];
    struct sw *sw = world_add_switch(sc->world, &ss, err, sizeof err);
    if (!sw) {
        err_at__(sc, n, "%s", err);
        return;
    }
    /* Egress classes shared by every port. */
    struct switch_port_settings base;
    switch_port_settings_default(&base);
    base.headroom = headroom;
    const struct ydoc_node *ets = ydoc_map_get(n, "ets", NULL);
    if (ets && ydoc_count(ets)) {
        unsigned total = 0;
        for (size_t k = 0; k < ydoc_count(ets) && k < 8; k++) {
            const struct ydoc_node *c = ydoc_item(ets, k);
            uint8_t mask;
            int algo = SCHEMA_TSA_ETS;
            int64_t bw = 0;
            if (prio_list__(sc, ydoc_map_get(c, "priorities", NULL), &mask) ||
                ydoc_get_enum(c, "algorithm", 0, schema_tsa_values, &algo, &e) ||
                ydoc_get_int(c, "bandwidth", 0, 0, 100, &bw, &e)) {
                if (algo >= 0)
                    yerr__(sc, &e);
                return;
            }
            base.egress.tc_tsa[k] = (uint8_t)algo;
            base.egress.tc_bw[k] = (uint8_t)bw;
            if (algo == SCHEMA_TSA_ETS)
                total += (unsigned)bw;
            for (int p = 0; p < 8; p++)
                if (mask & (1u << p))
                    base.egress.prio_tc[p] = (uint8_t)k;
        }
        if (total != 100)
            warn_at__(sc, ets, "ETS shares add up to %u%%, not 100%%", total);
    }
    for (uint32_t p = 1; p <= ss.nports; p++)
        switch_port_configure(sw, p, &base);
    const struct ydoc_node *pc = ydoc_map_get(n, "port_config", NULL);
    for (size_t i = 0; pc && i < ydoc_count(pc); i++) {
        const char *selector = ydoc_key(pc, i);
        uint32_t lo, hi;
        if (port_range__(selector, ss.nports, &lo, &hi) != 0) {
            err_at__(sc, ydoc_key_node(pc, i),
                     "'%s' is not a port, a range of ports (1-%u) or 'all'", selector,
                     ss.nports);
            continue;
        }
        const struct ydoc_node *pn = ydoc_value(pc, i);
        struct switch_port_settings ps = base;
        int mode = SCHEMA_PORT_ACCESS;
        int64_t vlan = 1, dprio = 0;
        uint64_t hr = headroom;
        if (ydoc_get_enum(pn, "mode", 0, schema_port_mode_values, &mode, &e) ||
            ydoc_get_int(pn, "vlan", 0, 0, 4094, &vlan, &e) ||
            ydoc_get_int(pn, "default_priority", 0, 0, 7, &dprio, &e) ||
            ydoc_get_size(pn, "headroom", 0, &hr, &e)) {
            yerr__(sc, &e);
            continue;
        }
        ps.mode = (enum switch_port_mode)mode;
        ps.pvid = (uint16_t)vlan;
        ps.default_pcp = (uint8_t)dprio;
        ps.headroom = (uint32_t)hr;
        uint8_t allowed[512];
        const struct ydoc_node *vl = ydoc_map_get(pn, "vlans", NULL);
        if (vl) {
            int64_t *v = NULL;
            size_t cnt = 0;
            if (ydoc_as_int_list(vl, 1, 4094, &v, &cnt, &e) != 0) {
                yerr__(sc, &e);
                continue;
            }
            memset(allowed, 0, sizeof allowed);
            for (size_t k = 0; k < cnt; k++)
                allowed[v[k] >> 3] |= (uint8_t)(1u << (v[k] & 7));
            free(v);
            ps.allowed = allowed;
        }
        for (uint32_t p = lo; p <= hi; p++)
            switch_port_configure(sw, p, &ps);
    }
}

/* ---- knobs (spec/rules.md Appendix A) -------------------------------------------- */

/* Appendix A knobs the models do not implement (schema.c lists them so the
 * docs show them): "section.key", NULL-terminated. */
static const char *const not_modelled__[] = {
    "dyn.hash", "dyn.hash_udp", "dyn.nonhash_policy", "dyn.rmac", "fo.rdma",
    "dcb.willing_default", "dcb.debugger_block_scope", "rx.flood_dedup", "pfc.react_ns",
    "switch.port_default_pcp", "ets.window_ms", "ets.tol_pct", "validate.idle_member_grace_s",
    "validate.gapless_move_rate", ".learn_grace_ms", ".move_window_ms", NULL,
};

/* Reads the top-level `knobs:` mapping (schema-checked) into sc->knobs
 * (the hvhost and SET team settings every host starts from) and
 * sc->seed_semantics.  Absent keys keep the defaults, which are the
 * Appendix A defaults of the models.  Returns 0, or -EINVAL with the
 * errors reported. */
static int read_knobs__(struct scenario *sc, const struct ydoc_node *root)
{
    hvhost_settings_default(&sc->knobs, NULL);
    sc->seed_semantics = 1;
    const struct ydoc_node *kn = ydoc_map_get(root, "knobs", NULL);
    if (!kn)
        return 0;
    size_t errs = sc->nerrors;
    for (size_t i = 0; not_modelled__[i]; i++) {
        const char *dot = strchr(not_modelled__[i], '.');
        char sec[32];
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - not_modelled__[i]), not_modelled__[i]);
        const struct ydoc_node *m = sec[0] ? ydoc_map_get(kn, sec, NULL) : kn;
        const struct ydoc_node *v = m ? ydoc_map_get(m, dot + 1, NULL) : NULL;
        if (v)
            err_at__(sc, v, "knob 'knobs.%s' is not modelled (spec/rules.md Appendix A): the "
                     "simulator always behaves as its default; remove it",
                     not_modelled__[i] + (sec[0] ? 0 : 1));
    }
    if (sc->nerrors != errs)
        return -EINVAL;
    struct ydoc_err e;
    struct set_team_settings *t = &sc->knobs.team;
    const struct ydoc_node *n;
    bool b;
    int64_t v;
    double d;
    int en;
    if ((n = ydoc_map_get(kn, "set", NULL))) {
        b = true;
        if (ydoc_get_bool(n, "strict_identical", 0, &b, &e))
            goto bad;
        t->strict_identical = b; /* CFG-003 */
    }
    if ((n = ydoc_map_get(kn, "vswitch", NULL))) {
        b = true;
        if (ydoc_get_bool(n, "allow_management_os_default", 0, &b, &e))
            goto bad;
        sc->knobs.allow_mgmt_os_default = b; /* CFG-009 */
    }
    b = false;
    if (ydoc_get_bool(kn, "seed_compat", 0, &b, &e))
        goto bad;
    if (b)
        sc->opt.seed_compat = 1; /* CFG-019, CFG-020 */
    if ((n = ydoc_map_get(kn, "iso", NULL))) {
        b = true;
        if (ydoc_get_bool(n, "seed_semantics", 0, &b, &e))
            goto bad;
        sc->seed_semantics = b; /* CFG-036 */
    }
    if ((n = ydoc_map_get(kn, "host", NULL))) {
        v = 2;
        if (ydoc_get_int(n, "smt", 0, 1, 8, &v, &e))
            goto bad;
        sc->knobs.smt = (uint32_t)v; /* CFG-028 host.smt */
    }
    if ((n = ydoc_map_get(kn, "hvp", NULL))) {
        en = (int)t->placement;
        if (ydoc_get_enum(n, "placement", 0, schema_placement_values, &en, &e))
            goto bad;
        t->placement = (enum set_placement)en; /* HVP-002, FO-002 */
    }
    if ((n = ydoc_map_get(kn, "dyn", NULL))) {
        v = t->flowlet_gap / SIM_US;
        if (ydoc_get_int(n, "flowlet_gap_us", 0, 1, 10000000, &v, &e))
            goto bad;
        t->flowlet_gap = (sim_time_t)v * SIM_US; /* DYN-003 */
        d = 0;
        if (ydoc_get_double(n, "periodic_rebalance_s", 0, 0, 1e6, &d, &e))
            goto bad;
        t->periodic_rebalance = (sim_time_t)(d * (double)SIM_S + 0.5);
        d = t->rebalance_threshold * 100;
        if (ydoc_get_double(n, "rebalance_threshold", 0, 0.001, 100, &d, &e))
            goto bad;
        t->rebalance_threshold = d / 100;
        en = (int)t->hnv_key;
        if (ydoc_get_enum(n, "hnv_key", 0, schema_hnv_key_values, &en, &e))
            goto bad;
        t->hnv_key = (enum set_hnv_key)en; /* DYN-011 */
    }
    if ((n = ydoc_map_get(kn, "fo", NULL))) {
        v = t->detect_delay / SIM_MS;
        if (ydoc_get_int(n, "detect_ms", 0, 0, 3600000, &v, &e))
            goto bad;
        t->detect_delay = (sim_time_t)v * SIM_MS; /* FO-001 */
        en = (int)t->failback;
        if (ydoc_get_enum(n, "failback", 0, schema_failback_values, &en, &e))
            goto bad;
        t->failback = (enum set_failback)en; /* FO-006 */
        v = t->failback_holddown / SIM_MS;
        if (ydoc_get_int(n, "failback_holddown_ms", 0, 1, 3600000, &v, &e))
            goto bad;
        t->failback_holddown = (sim_time_t)v * SIM_MS; /* FO-006 */
        en = (int)t->announce;
        if (ydoc_get_enum(n, "announce", 0, schema_announce_values, &en, &e))
            goto bad;
        t->announce = (enum set_announce)en; /* FO-005 */
    }
    return 0;
bad:
    yerr__(sc, &e);
    return -EINVAL;
}

/* ---- hosts --------------------------------------------------------------------- */

static struct hvhost *build_host__(struct scenario *sc, const char *name, const struct ydoc_node *n,
                                   size_t index)
{
    struct ydoc_err e;
    struct hvhost_settings hs = sc->knobs; /* defaults with the file's knobs */
    hs.name = name;
    int os = SCHEMA_OS_WS2016;
    int64_t lps = 16;
    bool dbg = false;
    if (ydoc_get_enum(n, "os", 0, schema_os_values, &os, &e) ||
        ydoc_get_int(n, "logical_processors", 0, 1, 2048, &lps, &e) ||
        ydoc_get_bool(n, "debugger", 0, &dbg, &e)) {
        yerr__(sc, &e);
        return NULL;
    }
    hs.os = (enum hvhost_os)os;
    hs.logical_processors = (uint32_t)lps;
    hs.debugger = dbg;
    char err[512];
    struct hvhost *h = world_add_host(sc->world, &hs, err, sizeof err);
    if (!h) {
        err_at__(sc, n, "%s", err);
        return NULL;
    }
    const struct ydoc_node *nics = ydoc_map_get(n, "nics", NULL);
    for (size_t i = 0; nics && i < ydoc_count(nics); i++) {
        const char *nic_name = ydoc_key(nics, i);
        const struct ydoc_node *nn = ydoc_value(nics, i);
        const struct ydoc_node *mn = field__(nn, "model", "model");
        const char *mname = mn ? ydoc_text(mn) : NULL;
        const struct nic_model *m = mname ? model__(sc, mname) : NULL;
        if (!m) {
            const char *cands[MAX_MODELS];
            for (size_t k = 0; k < sc->nmodels; k++)
                cands[k] = sc->models[k].name;
            const char *sug = mname ? ydoc_suggest(mname, cands, sc->nmodels) : NULL;
            err_at__(sc, mn ? mn : nn, "unknown NIC model '%s'%s%s%s", mname ? mname : "",
                     sug ? " (did you mean '" : " (define it under nic_models)", sug ? sug : "",
                     sug ? "'?)" : "");
            continue;
        }
        struct nic_settings ns = {.name = nic_name, .id = m->id, .rate_bps = m->rate,
                                  .vmq_queues = (uint32_t)m->vmq};
        if (ydoc_kind(nn) == YDOC_MAP) {
            int64_t vmq = m->vmq;
            const char *mac = NULL;
            if (ydoc_get_rate(nn, "rate", 0, &ns.rate_bps, &e) ||
                ydoc_get_int(nn, "vmq_queues", 0, 0, 1024, &vmq, &e) ||
                ydoc_get_str(nn, "mac", 0, &mac, &e)) {
                yerr__(sc, &e);
                continue;
            }
            ns.vmq_queues = (uint32_t)vmq;
            if (mac && parse_mac__(mac, ns.mac) != 0) {
                err_at__(sc, ydoc_map_get(nn, "mac", NULL),
                         "'%s' is not a MAC address (02:00:00:00:01:02 or 02-00-00-00-01-02)", mac);
                continue;
            }
        }
        if (!ns.mac[0] && !ns.mac[1] && !ns.mac[5]) {
            /* Locally administered, from the host's and the adapter's place. */
            uint8_t mac[6] = {0x02, 0x53, 0x45, (uint8_t)(index + 1), 0, (uint8_t)(i + 1)};
            memcpy(ns.mac, mac, 6);
        }
        egress_settings_default(&ns.egress, ns.rate_bps);
        if (!hvhost_add_nic(h, &ns)) {
            err_at__(sc, ydoc_key_node(nics, i), "adapter '%s' is defined twice", nic_name);
            continue;
        }
        hvhost_nic_set_kind(h, nic_name, m->media == 0, m->whql,
                            m->rdma == 1   ? HVHOST_RDMA_ROCE
                            : m->rdma == 2 ? HVHOST_RDMA_IWARP
                                           : HVHOST_RDMA_NONE);
        hvhost_nic_set_offloads(h, nic_name, m->tx_csum, m->rx_csum);
        if (m->rdma == 1)
            hvhost_nic_set_roce(h, nic_name,
                                m->roce_mtu >= 0 ? atoi(schema_roce_mtu_values[m->roce_mtu]) : 0,
                                m->roce_retx == 1, (int)m->roce_ack_exp,
                                m->roce_retry >= 0 ? (int)m->roce_retry + 1 : 0);
    }
    return h;
}

/* A warning's text without the code it may start with ("CODE: text"), so
 * a diagnostic names the code once: "...: Cmdlet: CODE: text". */
static const char *skip_code__(const char *msg, const char *code)
{
    size_t n = strlen(code);
    if (strncmp(msg, code, n) != 0)
        return msg;
    msg += n;
    while (*msg == ':' || *msg == ' ')
        msg++;
    return msg;
}

struct ps_warn_ctx {
    struct scenario *sc;
    const struct ps_script *script;
};

static void ps_warn__(void *ctx, const struct ps_command *cmd, const char *code, const char *msg)
{
    struct ps_warn_ctx *w = ctx;
    char text[1024];
    snprintf(text, sizeof text, "%s:%d:%d: warning: %s: %s: %s", w->script->file, cmd->line,
             cmd->col, cmd->name, code, skip_code__(msg, code));
    diag__(w->sc, SCENARIO_WARNING, text);
}

/* Parses a PowerShell block; binding errors become diagnostics.  NULL
 * when the text cannot be parsed at all. */
static struct ps_script *parse_ps__(struct scenario *sc, const struct ydoc_node *n)
{
    int line, col0;
    ydoc_text_origin(n, &line, &col0);
    struct ps_script *script = NULL;
    unsigned flags = sc->opt.seed_compat ? PS_SCRIPT_SEED_COMPAT : 0;
    if (ps_parse_script(ydoc_text(n), ydoc_pos(n).file, line, col0, flags, &script) != 0) {
        err_at__(sc, n, "out of memory parsing PowerShell");
        return NULL;
    }
    for (size_t i = 0; i < script->nerrors; i++) {
        char text[1024];
        ps_script_format_error(script, &script->errors[i], text, sizeof text);
        diag__(sc, SCENARIO_ERROR, text);
    }
    for (size_t i = 0; i < script->nstmts; i++) {
        const struct ps_command *cmd = script->stmts[i].cmd;
        for (size_t k = 0; cmd && k < cmd->nwarnings; k++) {
            char text[1024];
            snprintf(text, sizeof text, "%s:%d:%d: warning: %s: %s: %s", script->file,
                     cmd->warnings[k].line, cmd->warnings[k].col, cmd->name, cmd->warnings[k].id,
                     skip_code__(cmd->warnings[k].message, cmd->warnings[k].id));
            diag__(sc, SCENARIO_WARNING, text);
        }
    }
    return script;
}

struct pending_vnic;
static void attach_vnics__(struct scenario *sc, struct hvhost *h, struct pending_vnic *pend,
                           size_t npend, int final);

/* A cmdlet that restarts or toggles a physical adapter (CFG-021).  While
 * the host is configured (before the run), the operator's next command
 * runs once it has returned: the adapter's down/up transition, and the
 * team's failover and recovery, happen before it (a team mapping given
 * after Enable-NetAdapterRdma then holds; it does not wait for FO-006's
 * failback hold-down). */
static int restarts_adapter__(const struct ps_command *cmd)
{
    static const char *const names[] = {"Enable-NetAdapterRdma", "Restart-NetAdapter",
                                        "Disable-NetAdapter", "Enable-NetAdapter", NULL};
    for (int i = 0; names[i]; i++)
        if (strcasecmp(cmd->name, names[i]) == 0)
            return 1;
    return 0;
}

/* CFG-002: the host an adapter is installed in (for a cmdlet run on
 * another host). */
static const char *adapter_owner__(void *ctx, const char *adapter)
{
    const struct world *w = ctx;
    for (size_t i = 0; i < world_host_count(w); i++)
        if (hvhost_nic(world_host_at(w, i), adapter))
            return hvhost_name(world_host_at(w, i));
    return NULL;
}

/* Applies a parsed script's statements to a host.  Returns the number of
 * failed statements. */
static int apply_ps__(struct scenario *sc, struct hvhost *h, const struct ps_script *script,
                      struct pending_vnic *pend, size_t npend)
{
    if (script->parse_failed)
        return 1; /* PowerShell runs none of a script that does not parse */
    struct ps_warn_ctx wc = {sc, script};
    struct ps_effects fx = {.host = h, .out = world_log_file(sc->world), .warn = ps_warn__,
                            .adapter_owner = adapter_owner__, .owner_ctx = sc->world,
                            .warn_ctx = &wc, .seed_semantics = sc->seed_semantics};
    int failed = 0;
    for (size_t i = 0; i < script->nstmts; i++) {
        const struct ps_command *cmd = script->stmts[i].cmd;
        if (!cmd) {
            failed++;
            continue; /* its binding error is already reported */
        }
        char buf[600];
        ps_command_format(cmd, buf, sizeof buf);
        world_log(sc->world, "PS %s> %s\n", hvhost_name(h), buf);
        char err[512] = "";
        if (ps_effects_apply(&fx, cmd, err, sizeof err) != 0) {
            char text[1024];
            snprintf(text, sizeof text, "%s:%d:%d: %s: %s", script->file, cmd->line, cmd->col,
                     cmd->name, err);
            diag__(sc, SCENARIO_ERROR, text);
            world_log(sc->world, "  error: %s\n", err);
            failed++;
        }
        if (pend)
            attach_vnics__(sc, h, pend, npend, 0);
        if (restarts_adapter__(cmd))
            sim_run_until(world_engine(sc->world), sim_now(world_engine(sc->world)));
    }
    return failed;
}

/* A VM vNIC from the file, waiting for its virtual switch: VMs exist
 * before the host's PowerShell runs (so it can map or isolate their
 * adapters), and each vNIC is connected as soon as its switch exists. */
struct pending_vnic {
    struct hvhost *host;
    const struct ydoc_node *node;
    const char *vm, *name, *sw;
    int has_mac;
    uint8_t mac[6];
    struct hvhost_vnic_settings s;
    int done;
    char gen_vm[HVHOST_MAX_NAME], gen_name[HVHOST_MAX_NAME]; /* names made by a `count` entry */
};

#define MAX_PENDING 1024

/* One VM of entry vn; n > 0: the n-th of a `count` entry (`{n}`
 * substituted). */
static void add_vm__(struct scenario *sc, struct hvhost *h, const struct ydoc_node *vn,
                     const struct ydoc_node *name_n, int64_t n, struct pending_vnic *pend,
                     size_t *npend)
{
    char vmbuf[HVHOST_MAX_NAME], txt[HVHOST_MAX_NAME];
    const char *vm = name_n ? ydoc_text(name_n) : NULL;
    if (vm && n && scn_subst_n(vm, n, vmbuf, sizeof vmbuf) == 0)
        vm = vmbuf;
    char err[512];
    if (!vm || hvhost_vm_add(h, vm, err, sizeof err) != 0) {
        err_at__(sc, vn, "%s", vm ? err : "a VM needs a name");
        return;
    }
    const struct ydoc_node *vnics = field__(vn, "vnics", NULL);
    size_t count = vnics && ydoc_kind(vnics) == YDOC_SEQ ? ydoc_count(vnics) : 0;
    for (size_t k = 0; k < (count ? count : 1) && *npend < MAX_PENDING; k++) {
        const struct ydoc_node *an = count ? ydoc_item(vnics, k) : NULL;
        struct pending_vnic *p = &pend[(*npend)++];
        memset(p, 0, sizeof *p);
        p->host = h;
        p->node = an ? an : vn;
        snprintf(p->gen_vm, sizeof p->gen_vm, "%s", vm);
        p->s.vm = p->gen_vm;
        p->s.name = "Network Adapter";
        const struct ydoc_node *f;
        /* The vNIC's text values, with `{n}` substituted in a count entry. */
#define VNIC_TEXT__(f) (n && scn_subst_n(ydoc_text(f), n, txt, sizeof txt) == 0 ? txt : ydoc_text(f))
        if ((f = field__(an, "name", NULL))) {
            snprintf(p->gen_name, sizeof p->gen_name, "%s", VNIC_TEXT__(f));
            p->s.name = p->gen_name;
        }
        if ((f = field__(an, "switch", NULL)))
            p->s.sw = ydoc_text(f);
        if ((f = field__(an, "mac", NULL))) {
            if (parse_mac__(VNIC_TEXT__(f), p->mac) != 0) {
                err_at__(sc, f, "'%s' is not a MAC address", VNIC_TEXT__(f));
                p->done = 1;
                continue;
            }
            p->s.mac = p->mac;
        }
        if ((f = field__(an, "ip", "ip"))) {
            if (parse_ipv4_prefix__(VNIC_TEXT__(f), p->s.ipv4, &p->s.prefix_len) != 0) {
                err_at__(sc, f, "'%s' is not an IPv4 address with prefix (10.0.0.11/24)",
                         VNIC_TEXT__(f));
                p->done = 1;
                continue;
            }
            p->s.has_ipv4 = 1;
        }
#undef VNIC_TEXT__
        int64_t vlan = 0;
        struct ydoc_err e;
        if (an && ydoc_kind(an) == YDOC_MAP &&
            ydoc_get_int(an, "vlan", 0, 0, 4094, &vlan, &e) != 0) {
            yerr__(sc, &e);
            p->done = 1;
            continue;
        }
        p->s.vlan = (uint16_t)vlan;
    }
}

static void add_vms__(struct scenario *sc, struct hvhost *h, const struct ydoc_node *n,
                      struct pending_vnic *pend, size_t *npend)
{
    const struct ydoc_node *vms = ydoc_map_get(n, "vms", NULL);
    for (size_t i = 0; vms && i < ydoc_count(vms); i++) {
        const struct ydoc_node *vn = ydoc_item(vms, i);
        const struct ydoc_node *name_n = field__(vn, "name", "name");
        int64_t count = 1;
        struct ydoc_err ce;
        if (ydoc_kind(vn) == YDOC_MAP && ydoc_get_int(vn, "count", 0, 0, 256, &count, &ce) != 0) {
            yerr__(sc, &ce);
            continue;
        }
        /* count: N makes VMs 1..N from this entry, `{n}` in the name and
         * the vNICs' name, mac and ip standing for the number. */
        int gen = ydoc_map_get(vn, "count", NULL) != NULL;
        if (gen && name_n && !strstr(ydoc_text(name_n), "{n}") && count > 1) {
            err_at__(sc, name_n, "a VM entry with count %lld needs '{n}' in its name (vm{n})",
                     (long long)count);
            continue;
        }
        for (int64_t vmi = 1; vmi <= count; vmi++)
            add_vm__(sc, h, vn, name_n, gen ? vmi : 0, pend, npend);
    }
}

/* Connects the pending vNICs of host h whose switch exists (a vNIC
 * without `switch` goes to the host's only switch).  With final set,
 * those left are errors. */
static void attach_vnics__(struct scenario *sc, struct hvhost *h, struct pending_vnic *pend,
                           size_t npend, int final)
{
    for (size_t i = 0; i < npend; i++) {
        struct pending_vnic *p = &pend[i];
        if (p->done || p->host != h)
            continue;
        struct hvhost_vnic_settings s = p->s;
        if (!s.sw && hvhost_vswitch_count(h) == 1)
            s.sw = hvhost_vswitch_name_at(h, 0);
        if (!s.sw || !hvhost_vswitch(h, s.sw)) {
            if (final) {
                p->done = 1;
                if (s.sw)
                    err_at__(sc, p->node, "VM '%s': host %s has no virtual switch '%s'", s.vm,
                             hvhost_name(h), s.sw);
                else
                    err_at__(sc, p->node, "VM '%s': which virtual switch? host %s has %zu "
                                          "(give `switch:`)",
                             s.vm, hvhost_name(h), hvhost_vswitch_count(h));
            }
            continue;
        }
        p->done = 1;
        char err[512];
        if (hvhost_vnic_add(h, &s, err, sizeof err) < 0)
            err_at__(sc, p->node, "VM '%s': %s", s.vm, err);
    }
}

static void build_addresses__(struct scenario *sc, struct hvhost *h, const struct ydoc_node *n)
{
    const struct ydoc_node *addrs = ydoc_map_get(n, "addresses", NULL);
    for (size_t i = 0; addrs && i < ydoc_count(addrs); i++) {
        const char *adapter = ydoc_key(addrs, i);
        const struct ydoc_node *an = ydoc_value(addrs, i);
        const struct ydoc_node *ipn = field__(an, "ip", "ip");
        int id = hvhost_vnic_find(h, NULL, adapter, NULL);
        if (id < 0) {
            err_at__(sc, ydoc_key_node(addrs, i),
                     "host %s has no management-OS adapter '%s' (the PowerShell block creates "
                     "them)",
                     hvhost_name(h), adapter);
            continue;
        }
        uint8_t ip[4], prefix;
        if (!ipn || parse_ipv4_prefix__(ydoc_text(ipn), ip, &prefix) != 0) {
            err_at__(sc, ipn ? ipn : an, "'%s' is not an IPv4 address with prefix",
                     ipn ? ydoc_text(ipn) : "");
            continue;
        }
        char err[256];
        hvhost_vnic_set_ipv4(h, id, ip, prefix, err, sizeof err);
        int64_t vlan = 0;
        struct ydoc_err e;
        if (ydoc_kind(an) == YDOC_MAP && ydoc_get_int(an, "vlan", 0, 0, 4094, &vlan, &e) == 0 &&
            vlan) {
            struct hvhost_vnic_info vi;
            hvhost_vnic_info(h, id, &vi);
            if (!vi.vlan)
                hvhost_vnic_set_vlan(h, id, (uint16_t)vlan, err, sizeof err);
        }
    }
}

/* ---- timeline ---------------------------------------------------------------------- */

/* The host a VM is on now (VMs move with `migrate`). */
static struct hvhost *vm_host__(const struct world *w, const char *vm)
{
    for (size_t i = 0; i < world_host_count(w); i++)
        if (hvhost_vm_exists(world_host_at(w, i), vm))
            return world_host_at(w, i);
    return NULL;
}

/* A `migrate` entry: the VM exists, `to` is another host, and that host
 * has a virtual switch named like each of the VM's (live migration keeps
 * the switch name).  0, or an error reported at the offending key. */
static int check_migrate__(struct scenario *sc, const struct ydoc_node *en,
                           const struct ydoc_node *v, const char *vm, const char *to)
{
    struct hvhost *src = vm_host__(sc->world, vm);
    if (!src) {
        err_at__(sc, v, "no VM named '%s' on any host", vm);
        return -ENOENT;
    }
    const struct ydoc_node *ton = ydoc_map_get(en, "to", NULL);
    struct hvhost *dst = to ? world_host(sc->world, to) : NULL;
    if (!dst) {
        err_at__(sc, ton ? ton : en, to ? "no host named '%s'" : "`migrate` needs `to` (the "
                                                                 "destination host)%s",
                 to ? to : "");
        return -ENOENT;
    }
    for (size_t i = 0; i < hvhost_vnic_count(src); i++) {
        struct hvhost_vnic_info vi;
        if (hvhost_vnic_info(src, (int)i, &vi) != 0 || !vi.vm || strcasecmp(vi.vm, vm) != 0)
            continue;
        if (dst != src && !hvhost_vswitch(dst, vi.sw)) {
            err_at__(sc, ton, "host %s has no virtual switch '%s' for %s's adapter (live "
                              "migration keeps the switch name)",
                     to, vi.sw, vm);
            return -ENOENT;
        }
    }
    return 0;
}

static void tl_fire__(struct world *w, void *ctx)
{
    struct tl_event *ev = ctx;
    struct scenario *sc = ev->sc;
    char tbuf[32];
    world_log(w, "[%s] timeline: ", sim_time_format(sim_now(world_engine(w)), tbuf, sizeof tbuf));
    switch (ev->kind) {
    case TL_RUN: {
        world_log(w, "PowerShell on %s\n", hvhost_name(ev->host));
        struct ps_effects fx = {.host = ev->host, .out = world_log_file(w),
                                .seed_semantics = sc->seed_semantics,
                                .adapter_owner = adapter_owner__, .owner_ctx = w};
        for (size_t i = 0; i < ev->script->nstmts; i++) {
            const struct ps_command *cmd = ev->script->stmts[i].cmd;
            char err[512], buf[600];
            if (!cmd)
                continue;
            ps_command_format(cmd, buf, sizeof buf);
            world_log(w, "PS %s> %s\n", hvhost_name(ev->host), buf);
            if (ps_effects_apply(&fx, cmd, err, sizeof err) != 0)
                world_log(w, "  error: %s\n", err);
        }
        break;
    }
    case TL_CUT:
    case TL_RESTORE: {
        struct link *l = world_link_at(w, ev->target);
        world_log(w, "%s %s\n", ev->kind == TL_CUT ? "cut" : "restore", ev->target);
        if (ev->kind == TL_CUT)
            link_cut(l);
        else
            link_restore(l);
        break;
    }
    case TL_STORM:
    case TL_STORM_END: {
        const char *slash = strchr(ev->target, '/');
        char hname[128];
        snprintf(hname, sizeof hname, "%.*s", (int)(slash - ev->target), ev->target);
        struct nic *n = hvhost_nic(world_host(w, hname), slash + 1);
        world_log(w, "PFC storm %s on %s\n", ev->kind == TL_STORM ? "starts" : "ends",
                  ev->target);
        nic_pause_storm(n, ev->prios, ev->kind == TL_STORM);
        break;
    }
    case TL_MIGRATE: {
        struct hvhost *src = vm_host__(w, ev->target), *dst = world_host(w, ev->to);
        char err[512];
        world_log(w, "live migration of %s from %s to %s\n", ev->target,
                  src ? hvhost_name(src) : "(nowhere)", ev->to);
        if (!src || hvhost_vm_migrate(src, dst, ev->target, ev->blackout, err, sizeof err) != 0)
            world_log(w, "  failed: %s\n", src ? err : "the VM is on no host");
        break;
    }
    }
    (void)sc;
}

static void build_timeline__(struct scenario *sc, const struct ydoc_node *root)
{
    const struct ydoc_node *tl = ydoc_map_get(root, "timeline", NULL);
    size_t n = tl ? ydoc_count(tl) : 0;
    sc->events = calloc(2 * n + 1, sizeof *sc->events);
    for (size_t i = 0; i < n; i++) {
        const struct ydoc_node *en = ydoc_item(tl, i);
        struct ydoc_err e;
        sim_time_t at = 0, dur = 0;
        const char *host = NULL;
        if (ydoc_get_time(en, "at", YDOC_REQUIRED, &at, &e) ||
            ydoc_get_time(en, "duration", 0, &dur, &e) || ydoc_get_str(en, "host", 0, &host, &e)) {
            yerr__(sc, &e);
            continue;
        }
        if (at > sc->duration)
            warn_at__(sc, ydoc_map_get(en, "at", NULL), "this event is after the end of the run");
        struct tl_event *ev = &sc->events[sc->nevents];
        memset(ev, 0, sizeof *ev);
        ev->sc = sc;
        ev->node = en;
        const struct ydoc_node *v;
        if ((v = ydoc_map_get(en, "run", NULL))) {
            ev->kind = TL_RUN;
            ev->host = host ? world_host(sc->world, host) : NULL;
            if (!ev->host) {
                err_at__(sc, host ? ydoc_map_get(en, "host", NULL) : en,
                         host ? "no host named '%s'" : "`run` needs a `host`%s", host ? host : "");
                continue;
            }
            ev->script = parse_ps__(sc, v);
            if (!ev->script)
                continue;
        } else if ((v = ydoc_map_get(en, "cut", NULL)) || (v = ydoc_map_get(en, "restore", NULL))) {
            ev->kind = ydoc_map_get(en, "cut", NULL) ? TL_CUT : TL_RESTORE;
            snprintf(ev->target, sizeof ev->target, "%s", ydoc_text(v));
            if (!world_link_at(sc->world, ev->target)) {
                err_at__(sc, v, "'%s' is not a cabled endpoint", ev->target);
                continue;
            }
        } else if ((v = ydoc_map_get(en, "pfc_storm", NULL))) {
            ev->kind = TL_STORM;
            snprintf(ev->target, sizeof ev->target, "%s", ydoc_text(v));
            const char *slash = strchr(ev->target, '/');
            char hname[128];
            snprintf(hname, sizeof hname, "%.*s", slash ? (int)(slash - ev->target) : 0,
                     ev->target);
            struct hvhost *h = slash ? world_host(sc->world, hname) : NULL;
            struct nic *nic = h ? hvhost_nic(h, slash + 1) : NULL;
            if (!nic) {
                err_at__(sc, v, "'%s' is not a host adapter (hv1/SLOT 2)", ev->target);
                continue;
            }
            if (prio_list__(sc, ydoc_map_get(en, "priorities", NULL), &ev->prios) != 0)
                continue;
            if (!ev->prios)
                ev->prios = nic_pfc_enabled(nic) ? nic_pfc_enabled(nic) : 0x08;
            if (dur) {
                struct tl_event *end = &sc->events[sc->nevents + 1];
                *end = *ev;
                end->kind = TL_STORM_END;
                world_at(sc->world, at + dur, tl_fire__, end);
                sc->nevents++;
            }
        } else if ((v = ydoc_map_get(en, "migrate", NULL))) {
            ev->kind = TL_MIGRATE;
            snprintf(ev->target, sizeof ev->target, "%s", ydoc_text(v));
            const char *to = NULL;
            if (ydoc_get_str(en, "to", 0, &to, &e) ||
                ydoc_get_time(en, "blackout", 0, &ev->blackout, &e)) {
                yerr__(sc, &e);
                continue;
            }
            snprintf(ev->to, sizeof ev->to, "%s", to ? to : "");
            if (check_migrate__(sc, en, v, ev->target, to) != 0)
                continue;
        } else {
            err_at__(sc, en, "a timeline event needs one of run, cut, restore, pfc_storm, migrate");
            continue;
        }
        world_at(sc->world, at, tl_fire__, ev);
        sc->nevents++;
    }
}

/* ---- the whole file ------------------------------------------------------------------- */

static void lint_diag__(void *ctx, int warning, const struct ydoc_node *at, const char *msg)
{
    if (warning)
        warn_at__(ctx, at, "%s", msg);
    else
        err_at__(ctx, at, "%s", msg);
}

static void traffic_summary__(void *ctx, FILE *out) { scenario_traffic_summary(ctx, out); }

static void traffic_diag__(void *ctx, int warning, const char *text)
{
    diag__(ctx, warning ? SCENARIO_WARNING : SCENARIO_ERROR, text);
}

static int build__(struct scenario *sc, const char *path)
{
    struct ydoc_err e;
    if (ydoc_load_file(path, &sc->doc, &e) != 0) {
        yerr__(sc, &e);
        return -EINVAL;
    }
    for (size_t i = 0; i < sc->opt.nsets; i++) {
        /* knobs.* may name a section the file does not have (Appendix A defaults). */
        int knob = strncmp(sc->opt.sets[i], "knobs.", 6) == 0;
        if ((knob ? ydoc_set_arg_create : ydoc_set_arg)(sc->doc, sc->opt.sets[i], &e) != 0) {
            yerr__(sc, &e);
            return -EINVAL;
        }
    }
    const struct ydoc_node *root = ydoc_root(sc->doc);
    if (ydoc_check(root, &schema_scenario_file, &e) != 0) {
        yerr__(sc, &e);
        return -EINVAL;
    }
    const struct ydoc_node *sn = ydoc_map_get(root, "scenario", NULL);
    const char *name = NULL;
    uint64_t seed = 1;
    bool seed_compat = false;
    sim_time_t sample = SAMPLER_DEFAULT_INTERVAL;
    int64_t snaplen = 0;
    if (ydoc_get_str(sn, "name", YDOC_REQUIRED, &name, &e) ||
        ydoc_get_int(sn, "capture_snaplen", 0, 64, 262144, &snaplen, &e) ||
        ydoc_get_time(sn, "duration", YDOC_REQUIRED, &sc->duration, &e) ||
        ydoc_get_u64(sn, "seed", 0, 0, UINT64_MAX, &seed, &e) ||
        ydoc_get_bool(sn, "seed_compat", 0, &seed_compat, &e) ||
        ydoc_get_time(sn, "sample_interval", 0, &sample, &e)) {
        yerr__(sc, &e);
        return -EINVAL;
    }
    if (seed_compat)
        sc->opt.seed_compat = 1; /* as --seed-compat (CFG-019, CFG-020) */
    if (read_knobs__(sc, root) != 0)
        return -EINVAL;
    snprintf(sc->name, sizeof sc->name, "%s", name);
    sc->seed = sc->opt.has_seed ? sc->opt.seed : seed;
    char hash[YDOC_HASH_HEX + 1];
    ydoc_hash(sc->doc, hash);
    char werr[512];
    const char *outdir = sc->opt.outdir;
    if (sc->opt.lint) {
        snprintf(sc->scratch, sizeof sc->scratch, "/tmp/setsim-lint-%ld", (long)getpid());
        outdir = sc->scratch;
    }
    struct world_options wo = {.outdir = outdir, .scenario_name = sc->name,
                               .scenario_hash = hash, .scenario_file = path, .seed = sc->seed,
                               .engine = sc->opt.engine, .make_engine = sc->opt.make_engine,
                               .duration = sc->duration, .sample_interval = sample,
                               .snaplen = (uint32_t)snaplen,
                               .overwrite = sc->opt.overwrite ||
                                                                      sc->opt.lint};
    sc->world = world_create(&wo, werr, sizeof werr);
    if (!sc->world) {
        char text[700];
        snprintf(text, sizeof text, "%s", werr);
        diag__(sc, SCENARIO_ERROR, text);
        return -EINVAL;
    }
    build_models__(sc, root);
    const struct ydoc_node *sws = ydoc_map_get(root, "switches", NULL);
    for (size_t i = 0; sws && i < ydoc_count(sws); i++)
        build_switch__(sc, ydoc_key(sws, i), ydoc_value(sws, i));
    const struct ydoc_node *hosts = ydoc_map_get(root, "hosts", NULL);
    struct hvhost *hv[256] = {0};
    size_t nh = hosts ? ydoc_count(hosts) : 0;
    for (size_t i = 0; i < nh && i < 256; i++)
        hv[i] = build_host__(sc, ydoc_key(hosts, i), ydoc_value(hosts, i), i);
    if (sc->nerrors)
        return -EINVAL;
    const struct ydoc_node *cabling = ydoc_map_get(root, "cabling", NULL);
    for (size_t i = 0; cabling && i < ydoc_count(cabling); i++) {
        const struct ydoc_node *cn = ydoc_item(cabling, i);
        const struct ydoc_node *ends = field__(cn, "ends", "ends");
        if (!ends || ydoc_count(ends) != 2) {
            err_at__(sc, cn, "a cable has two ends: [hv1/SLOT 2, tor1/1]");
            continue;
        }
        int64_t length = 3;
        uint64_t rate = 0;
        sim_time_t delay = 0;
        if (ydoc_kind(cn) == YDOC_MAP &&
            (ydoc_get_int(cn, "length", 0, 0, 100000, &length, &e) ||
             ydoc_get_rate(cn, "rate", 0, &rate, &e) || ydoc_get_time(cn, "delay", 0, &delay, &e))) {
            yerr__(sc, &e);
            continue;
        }
        if (delay)
            length = (int64_t)(delay / (5 * SIM_NS));
        char err[512];
        if (!world_cable(sc->world, ydoc_text(ydoc_item(ends, 0)), ydoc_text(ydoc_item(ends, 1)),
                         rate, (uint32_t)length, err, sizeof err))
            err_at__(sc, cn, "%s", err);
    }
    if (sc->nerrors)
        return -EINVAL;
    struct pending_vnic *pend = calloc(MAX_PENDING, sizeof *pend);
    size_t npend = 0;
    if (!pend) {
        err_at__(sc, root, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < nh && i < 256; i++)
        if (hv[i])
            add_vms__(sc, hv[i], ydoc_value(hosts, i), pend, &npend);
    for (size_t i = 0; i < nh && i < 256; i++) {
        if (!hv[i])
            continue;
        const struct ydoc_node *ps = ydoc_map_get(ydoc_value(hosts, i), "powershell", NULL);
        struct ps_script *script = ps ? parse_ps__(sc, ps) : NULL;
        if (script) {
            apply_ps__(sc, hv[i], script, pend, npend);
            ps_script_free(script);
        }
        attach_vnics__(sc, hv[i], pend, npend, 1);
        build_addresses__(sc, hv[i], ydoc_value(hosts, i));
    }
    free(pend);
    if (sc->nerrors)
        return -EINVAL;
    scn_lint_run(sc->world, root, lint_diag__, sc); /* the whole-configuration rules */
    if (sc->nerrors)
        return -EINVAL;
    const struct ydoc_node *cap = ydoc_map_get(root, "capture", NULL);
    for (size_t i = 0; cap && i < ydoc_count(cap); i++) {
        char err[512];
        if (world_capture(sc->world, ydoc_text(ydoc_item(cap, i)), err, sizeof err) != 0)
            err_at__(sc, ydoc_item(cap, i), "%s", err);
    }
    build_timeline__(sc, root);
    sc->traffic = scn_traffic_build(sc->world, root, sc->seed, traffic_diag__, sc);
    if (!sc->traffic)
        err_at__(sc, root, "out of memory");
    world_add_summary(sc->world, traffic_summary__, sc);
    return sc->nerrors ? -EINVAL : 0;
}

struct scenario *scenario_build(const char *path, const struct scenario_options *o)
{
    struct scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->opt = *o;
    sc->diags = calloc(MAX_DIAGS, sizeof *sc->diags);
    if (!sc->diags) {
        free(sc);
        return NULL;
    }
    build__(sc, path); /* diagnostics say how it went */
    return sc;
}

void scenario_free(struct scenario *sc)
{
    if (!sc)
        return;
    world_destroy(sc->world); /* the engine first, then the models */
    scn_traffic_free(sc->traffic);
    for (size_t i = 0; i < sc->nevents; i++)
        if (sc->events[i].kind == TL_RUN)
            ps_script_free(sc->events[i].script);
    free(sc->events);
    ydoc_free(sc->doc);
    free(sc->diags);
    free(sc);
}

struct world *scenario_world(const struct scenario *sc) { return sc->nerrors ? NULL : sc->world; }
size_t scenario_error_count(const struct scenario *sc) { return sc->nerrors; }
size_t scenario_warning_count(const struct scenario *sc) { return sc->nwarnings; }
size_t scenario_diag_count(const struct scenario *sc) { return sc->ndiags; }
const struct scenario_diag *scenario_diag_at(const struct scenario *sc, size_t i)
{
    return i < sc->ndiags ? &sc->diags[i] : NULL;
}

void scenario_print_diags(const struct scenario *sc, FILE *out)
{
    for (size_t i = 0; i < sc->ndiags; i++)
        fprintf(out, "%s\n", sc->diags[i].text);
    if (sc->nerrors + sc->nwarnings > sc->ndiags)
        fprintf(out, "(%zu more not shown)\n", sc->nerrors + sc->nwarnings - sc->ndiags);
}

const char *scenario_name(const struct scenario *sc) { return sc->name; }
sim_time_t scenario_duration(const struct scenario *sc) { return sc->duration; }

void scenario_traffic_summary(const struct scenario *sc, FILE *out)
{
    scn_traffic_summary(sc->traffic, out);
}
