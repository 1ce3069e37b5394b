/* scn_lint: the whole-configuration rules (see scn_lint.h) - what no single
 * cmdlet can refuse, because it depends on several commands, several
 * adapters or the fabric the host is cabled to:
 *
 *   rule      code                          severity  checked on
 *   CFG-027   SET_W_VMQ_DISABLED            warning   each SET member's *VMQ
 *   CFG-028   VMQ_W_BASEPROC                warning   *RssBaseProcNumber: even, >= 2 (SMT) / >= 1
 *             VMQ_W_OUT_OF_RANGE            warning   base + *MaxRssProcessors within the LPs
 *             VMQ_W_OVERLAP                 warning   members' processor ranges disjoint
 *   CFG-029   TOPO_E_SPLIT_L2               error     every VLAN of a SET switch's vNICs is
 *                                                     carried by every member's switch port;
 *                                                     members on several switches: a cable
 *                                                     joins each pair and carries them too
 *   CFG-030   DCB_E_ROCE_WITHOUT_DCB        error     RDMA vNIC over RoCE members: the DCB
 *                                                     feature, a NetDirect policy, PFC on its
 *                                                     priority, QoS on some member
 *             DCB_W_IWARP_NO_DCB            warning   the same over iWARP (recommended only)
 *   CFG-034   DCB_W_MEMBER_QOS_DISABLED     warning   every member of a SET switch with QoS
 *             DCB_W_MEMBER_DCB_DIFFERS      warning   members' switch ports with one PFC set
 *   CFG-036   RDMA_W_UNTAGGED_VNIC          warning   an RDMA host vNIC has a VLAN
 *   DCB-007   DCB_W_PFC_MISMATCH            warning   an adapter's PFC set = its switch port's
 *   (CFG-032)
 *
 * Model choice (CFG-030/CFG-034): a SET member without NetAdapterQos is a
 * warning even when RoCE is in use, as for the seed's own configuration
 * (spec Appendix C #5); RoCE without any DCB path is an error.  The switch
 * side is read from the scenario file (pfc.priorities, port_config), as
 * the switch was built from it.
 */
#include "scn_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hvhost.h"
#include "nic.h"
#include "schema.h"
#include "set_team.h"

struct lint {
    struct world *w;
    const struct ydoc_node *root;
    scn_lint_diag_fn diag;
    void *ctx;
};

static void say__(struct lint *l, int warning, const struct ydoc_node *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say__(struct lint *l, int warning, const struct ydoc_node *at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    l->diag(l->ctx, warning, at, msg);
}

/* ---- the scenario file's side ----------------------------------------------- */

/* Where a host's findings point: its PowerShell block, else its entry. */
static const struct ydoc_node *host_node__(const struct lint *l, const char *host)
{
    const struct ydoc_node *hosts = ydoc_map_get(l->root, "hosts", NULL);
    const struct ydoc_node *hn = hosts ? ydoc_map_get(hosts, host, NULL) : NULL;
    const struct ydoc_node *ps = hn ? ydoc_map_get(hn, "powershell", NULL) : NULL;
    return ps ? ps : hn ? hn : l->root;
}

/* The cable with end "host/nic": its entry, and the other end's text. */
static const struct ydoc_node *cable__(const struct lint *l, const char *host, const char *nic,
                                       const char **peer)
{
    char end[300];
    snprintf(end, sizeof end, "%s/%s", host, nic);
    const struct ydoc_node *cab = ydoc_map_get(l->root, "cabling", NULL);
    for (size_t i = 0; cab && i < ydoc_count(cab); i++) {
        const struct ydoc_node *c = ydoc_item(cab, i);
        const struct ydoc_node *ends = ydoc_kind(c) == YDOC_MAP ? ydoc_map_get(c, "ends", NULL) : c;
        if (!ends || ydoc_kind(ends) != YDOC_SEQ || ydoc_count(ends) != 2)
            continue;
        for (int k = 0; k < 2; k++) {
            if (strcmp(ydoc_text(ydoc_item(ends, (size_t)k)), end) == 0) {
                *peer = ydoc_text(ydoc_item(ends, (size_t)(1 - k)));
                return c;
            }
        }
    }
    return NULL;
}

/* A switch port as the file configures it. */
struct port_cfg {
    int found;
    int trunk;
    int pvid;
    const struct ydoc_node *vlans; /* NULL: all */
    uint8_t pfc;                   /* the switch's lossless priorities */
};

static int in_range__(const char *sel, unsigned port)
{
    unsigned a, b;
    char tail;
    if (strcasecmp(sel, "all") == 0)
        return 1;
    if (sscanf(sel, "%u-%u%c", &a, &b, &tail) == 2)
        return port >= a && port <= b;
    return sscanf(sel, "%u%c", &a, &tail) == 1 && port == a;
}

static uint8_t prio_mask__(const struct ydoc_node *n)
{
    uint8_t m = 0;
    for (size_t i = 0; n && ydoc_kind(n) == YDOC_SEQ && i < ydoc_count(n); i++) {
        int p = atoi(ydoc_text(ydoc_item(n, i)));
        if (p >= 0 && p <= 7)
            m |= (uint8_t)(1u << p);
    }
    return m;
}

static struct port_cfg port__(const struct lint *l, const char *endpoint)
{
    struct port_cfg pc = {.pvid = 1};
    const char *slash = endpoint ? strchr(endpoint, '/') : NULL;
    if (!slash)
        return pc;
    char swname[200];
    snprintf(swname, sizeof swname, "%.*s", (int)(slash - endpoint), endpoint);
    const struct ydoc_node *sws = ydoc_map_get(l->root, "switches", NULL);
    const struct ydoc_node *sn = sws ? ydoc_map_get(sws, swname, NULL) : NULL;
    if (!sn)
        return pc; /* a host-to-host cable */
    pc.found = 1;
    unsigned port = (unsigned)atoi(slash + 1);
    const struct ydoc_node *pfc = ydoc_map_get(sn, "pfc", NULL);
    pc.pfc = pfc ? prio_mask__(ydoc_map_get(pfc, "priorities", NULL)) : 0;
    const struct ydoc_node *cfg = ydoc_map_get(sn, "port_config", NULL);
    for (size_t i = 0; cfg && i < ydoc_count(cfg); i++) {
        if (!in_range__(ydoc_key(cfg, i), port))
            continue;
        const struct ydoc_node *e = ydoc_value(cfg, i);
        const struct ydoc_node *mode = ydoc_map_get(e, "mode", NULL);
        const struct ydoc_node *vlan = ydoc_map_get(e, "vlan", NULL);
        pc.trunk = mode && strcasecmp(ydoc_text(mode), "trunk") == 0;
        pc.pvid = vlan ? atoi(ydoc_text(vlan)) : 1;
        pc.vlans = ydoc_map_get(e, "vlans", NULL);
    }
    return pc;
}

/* Does the port carry the vNIC VLAN v (0: untagged)?  Access ports take
 * untagged frames only; trunks their allowed VLANs, untagged ones into a
 * native VLAN. */
static int carries__(const struct port_cfg *pc, int v)
{
    if (!pc->found)
        return 1;
    if (v == 0)
        return !pc->trunk || pc->pvid != 0;
    if (!pc->trunk)
        return 0;
    if (!pc->vlans)
        return 1;
    for (size_t i = 0; i < ydoc_count(pc->vlans); i++)
        if (atoi(ydoc_text(ydoc_item(pc->vlans, i))) == v)
            return 1;
    return 0;
}

static void mask_text__(uint8_t m, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int p = 0; p < 8 && o + 3 < len; p++)
        if (m & (1u << p))
            o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "," : "", p);
    if (!m)
        snprintf(buf, len, "none");
}

/* ---- the rules ------------------------------------------------------------------ */

/* CFG-027 and CFG-028 on one SET switch's members. */
static void vmq_rules__(struct lint *l, struct hvhost *h, const char *sw, struct set_team *t)
{
    const struct ydoc_node *at = host_node__(l, hvhost_name(h));
    uint32_t lps = hvhost_logical_processors(h), smt = hvhost_smt(h);
    int min = smt > 1 ? 2 : 1;
    size_t n = set_team_member_count(t);
    for (size_t k = 0; k < n; k++) {
        const char *name = nic_name(set_team_member(t, (int)k));
        struct hvhost_nic_props p;
        if (hvhost_nic_props(h, name, &p) != 0)
            continue;
        if (!p.vmq_enabled)
            say__(l, 1, at, "SET_W_VMQ_DISABLED: '%s', a member of SET switch '%s', has VMQ "
                            "disabled; enable VMQ on every member (CFG-027)",
                  name, sw);
        if (p.rss_base < 0)
            continue;
        if (p.rss_base < min || (smt > 1 && p.rss_base % 2))
            say__(l, 1, at, "VMQ_W_BASEPROC: '%s' has *RssBaseProcNumber %d; use an even number "
                            ">= %d, away from core 0 (CFG-028)",
                  name, p.rss_base, min);
        int count = p.rss_max > 0 ? p.rss_max : 1;
        if ((uint32_t)(p.rss_base + count) > lps)
            say__(l, 1, at, "VMQ_W_OUT_OF_RANGE: '%s' uses processors %d-%d; host %s has %u "
                            "logical processors (CFG-028)",
                  name, p.rss_base, p.rss_base + count - 1, hvhost_name(h), lps);
        for (size_t j = 0; j < k; j++) {
            const char *o = nic_name(set_team_member(t, (int)j));
            struct hvhost_nic_props q;
            if (hvhost_nic_props(h, o, &q) != 0 || q.rss_base < 0)
                continue;
            int qc = q.rss_max > 0 ? q.rss_max : 1;
            if (p.rss_base < q.rss_base + qc && q.rss_base < p.rss_base + count)
                say__(l, 1, at, "VMQ_W_OVERLAP: the processors of '%s' (%d-%d) and '%s' (%d-%d) "
                                "overlap; keep the members' ranges apart (CFG-028)",
                      o, q.rss_base, q.rss_base + qc - 1, name, p.rss_base,
                      p.rss_base + count - 1);
        }
    }
}

/* The switch name of an endpoint "tor1/3" that is a switch of the file
 * (into buf), or NULL. */
static const char *switch_of__(const struct lint *l, const char *endpoint, char *buf, size_t len)
{
    const char *slash = endpoint ? strchr(endpoint, '/') : NULL;
    if (!slash)
        return NULL;
    snprintf(buf, len, "%.*s", (int)(slash - endpoint), endpoint);
    const struct ydoc_node *sws = ydoc_map_get(l->root, "switches", NULL);
    return sws && ydoc_map_get(sws, buf, NULL) ? buf : NULL;
}

/* A cable joining switches a and b directly: its entry and both ends. */
static const struct ydoc_node *isl__(const struct lint *l, const char *a, const char *b,
                                     const char **end_a, const char **end_b)
{
    const struct ydoc_node *cab = ydoc_map_get(l->root, "cabling", NULL);
    for (size_t i = 0; cab && i < ydoc_count(cab); i++) {
        const struct ydoc_node *c = ydoc_item(cab, i);
        const struct ydoc_node *ends = ydoc_kind(c) == YDOC_MAP ? ydoc_map_get(c, "ends", NULL) : c;
        if (!ends || ydoc_kind(ends) != YDOC_SEQ || ydoc_count(ends) != 2)
            continue;
        for (int k = 0; k < 2; k++) {
            char s1[200], s2[200];
            const char *e1 = ydoc_text(ydoc_item(ends, (size_t)k));
            const char *e2 = ydoc_text(ydoc_item(ends, (size_t)(1 - k)));
            const char *n1 = switch_of__(l, e1, s1, sizeof s1);
            const char *n2 = switch_of__(l, e2, s2, sizeof s2);
            if (n1 && n2 && strcmp(n1, a) == 0 && strcmp(n2, b) == 0) {
                *end_a = e1;
                *end_b = e2;
                return c;
            }
        }
    }
    return NULL;
}

/* CFG-029 with members on several switches: each pair of those switches
 * is joined by a cable whose two ports carry every VLAN of the team (a
 * direct link; longer paths are not followed - partial). */
static void segment_rules__(struct lint *l, struct hvhost *h, const char *sw, struct set_team *t,
                            const int *vlans, int nv)
{
    char names[SET_MAX_MEMBERS][200];
    const struct ydoc_node *where[SET_MAX_MEMBERS];
    int ns = 0;
    for (size_t k = 0; k < set_team_member_count(t) && ns < SET_MAX_MEMBERS; k++) {
        const char *peer = NULL;
        const struct ydoc_node *cab =
            cable__(l, hvhost_name(h), nic_name(set_team_member(t, (int)k)), &peer);
        char buf[200];
        if (!cab || !switch_of__(l, peer, buf, sizeof buf))
            continue;
        int seen = 0;
        for (int i = 0; i < ns; i++)
            seen |= strcmp(names[i], buf) == 0;
        if (!seen) {
            snprintf(names[ns], sizeof names[ns], "%s", buf);
            where[ns++] = cab;
        }
    }
    for (int i = 0; i < ns; i++) {
        for (int j = 0; j < i; j++) {
            const char *ea = NULL, *eb = NULL;
            const struct ydoc_node *link = isl__(l, names[j], names[i], &ea, &eb);
            if (!link) {
                say__(l, 0, where[i], "CFG-029 TOPO_E_SPLIT_L2: the members of SET switch '%s' "
                                      "of host %s are cabled to %s and %s, which no cable "
                                      "joins: they are not one L2 segment",
                      sw, hvhost_name(h), names[j], names[i]);
                continue;
            }
            struct port_cfg pa = port__(l, ea), pb = port__(l, eb);
            for (int v = 0; v < nv; v++) {
                if (carries__(&pa, vlans[v]) && carries__(&pb, vlans[v]))
                    continue;
                char what[32];
                snprintf(what, sizeof what, vlans[v] ? "VLAN %d" : "untagged frames", vlans[v]);
                say__(l, 0, link, "CFG-029 TOPO_E_SPLIT_L2: the link %s - %s that joins the "
                                  "switches of SET switch '%s' (host %s) does not carry %s",
                      ea, eb, sw, hvhost_name(h), what);
            }
        }
    }
}

/* CFG-029 and CFG-034 (switch side) on one SET switch. */
static void fabric_rules__(struct lint *l, struct hvhost *h, const char *sw, struct set_team *t)
{
    int vlans[64], nv = 0;
    for (size_t i = 0; i < hvhost_vnic_count(h) && nv < 64; i++) {
        struct hvhost_vnic_info vi;
        if (hvhost_vnic_info(h, (int)i, &vi) != 0 || strcasecmp(vi.sw, sw) != 0)
            continue;
        int seen = 0;
        for (int k = 0; k < nv; k++)
            seen |= vlans[k] == vi.vlan;
        if (!seen)
            vlans[nv++] = vi.vlan;
    }
    size_t n = set_team_member_count(t);
    int first_pfc = -1;
    const char *first_name = NULL;
    for (size_t k = 0; k < n; k++) {
        const char *name = nic_name(set_team_member(t, (int)k));
        const char *peer = NULL;
        const struct ydoc_node *cab = cable__(l, hvhost_name(h), name, &peer);
        if (!cab)
            continue;
        struct port_cfg pc = port__(l, peer);
        for (int v = 0; v < nv; v++) {
            if (carries__(&pc, vlans[v]))
                continue;
            char what[32];
            snprintf(what, sizeof what, vlans[v] ? "VLAN %d" : "untagged frames", vlans[v]);
            say__(l, 0, cab, "CFG-029 TOPO_E_SPLIT_L2: %s, the uplink of SET member %s/%s, does "
                             "not carry %s, which vNICs of switch '%s' use; every member's port "
                             "must carry every VLAN of the team",
                  peer, hvhost_name(h), name, what, sw);
        }
        if (!pc.found)
            continue;
        if (first_pfc < 0) {
            first_pfc = pc.pfc;
            first_name = name;
        } else if (first_pfc != pc.pfc) {
            char a[24], b[24];
            mask_text__((uint8_t)first_pfc, a, sizeof a);
            mask_text__(pc.pfc, b, sizeof b);
            say__(l, 1, cab, "DCB_W_MEMBER_DCB_DIFFERS: the switch ports of SET members '%s' "
                             "(PFC %s) and '%s' (PFC %s) differ; any member can carry a vNIC's "
                             "RDMA traffic (CFG-034)",
                  first_name, a, name, b);
        }
    }
    segment_rules__(l, h, sw, t, vlans, nv);
}

/* CFG-034 (host side), CFG-030 and CFG-036 on one host. */
static void dcb_rules__(struct lint *l, struct hvhost *h)
{
    const struct ydoc_node *at = host_node__(l, hvhost_name(h));
    int dcb = hvhost_feature_installed(h, "Data-Center-Bridging");
    for (size_t s = 0; s < hvhost_vswitch_count(h); s++) {
        const char *sw = hvhost_vswitch_name_at(h, s);
        struct set_team *t = hvhost_team(h, sw);
        if (!hvhost_vswitch_is_set(h, sw) || !t)
            continue;
        size_t n = set_team_member_count(t), qos = 0;
        for (size_t k = 0; k < n; k++)
            qos += hvhost_adapter_qos_enabled(h, nic_name(set_team_member(t, (int)k))) != 0;
        if (!dcb || qos == 0 || qos == n)
            continue;
        for (size_t k = 0; k < n; k++) {
            const char *name = nic_name(set_team_member(t, (int)k));
            if (!hvhost_adapter_qos_enabled(h, name))
                say__(l, 1, at, "DCB_W_MEMBER_QOS_DISABLED: '%s' is a member of SET switch '%s' "
                                "without NetAdapterQos (Enable-NetAdapterQos); traffic mapped or "
                                "failed over to it runs without DCB (CFG-034)",
                      name, sw);
        }
    }
    /* RDMA host vNICs. */
    int roce_reported = 0, iwarp_reported = 0;
    for (size_t i = 0; i < hvhost_vnic_count(h); i++) {
        struct hvhost_vnic_info vi;
        if (hvhost_vnic_info(h, (int)i, &vi) != 0 || vi.vm || !vi.rdma)
            continue;
        if (!vi.vlan)
            say__(l, 1, at, "RDMA_W_UNTAGGED_VNIC: %s is RDMA-enabled but on no VLAN: its "
                            "802.1p priority cannot reach the wire (CFG-036, DCB-004)",
                  vi.display);
        struct set_team *t = hvhost_team(h, vi.sw);
        int roce = 0, iwarp = 0, qos = 0;
        for (size_t k = 0; t && k < set_team_member_count(t); k++) {
            const char *name = nic_name(set_team_member(t, (int)k));
            struct hvhost_nic_props p;
            if (hvhost_nic_props(h, name, &p) == 0) {
                roce |= p.rdma_kind == HVHOST_RDMA_ROCE;
                iwarp |= p.rdma_kind == HVHOST_RDMA_IWARP;
            }
            qos |= hvhost_adapter_qos_enabled(h, name);
        }
        int prio = -1;
        for (size_t k = 0; k < hvhost_qos_policy_count(h) && prio < 0; k++)
            if (hvhost_qos_policy_at(h, k)->nd_port)
                prio = hvhost_qos_policy_at(h, k)->priority;
        const char *why = !dcb                ? "the Data-Center-Bridging feature is not installed"
                          : prio < 0          ? "no NetQos policy maps NetworkDirect traffic to a "
                                                "priority (-NetDirectPortMatchCondition)"
                          : !(hvhost_pfc_mask(h) & (1u << prio)) ? "PFC is not enabled on its priority"
                          : !qos              ? "NetAdapterQos is enabled on none of its adapters"
                                              : NULL;
        if (roce && why && !roce_reported) {
            roce_reported = 1;
            say__(l, 0, at, "CFG-030 DCB_E_ROCE_WITHOUT_DCB: %s uses RoCE, which requires DCB: "
                            "%s",
                  vi.display, why);
        }
        if (!roce && iwarp && why && !iwarp_reported) {
            iwarp_reported = 1;
            say__(l, 1, at, "DCB_W_IWARP_NO_DCB: %s uses iWARP without DCB (%s); DCB is "
                            "recommended for every RDMA transport (CFG-030)",
                  vi.display, why);
        }
    }
}

/* DCB-007 (CFG-032): each cabled adapter's PFC set against its switch
 * port's. */
static void pfc_rules__(struct lint *l, struct hvhost *h)
{
    for (size_t k = 0; k < hvhost_nic_count(h); k++) {
        struct nic *n = hvhost_nic_at(h, k);
        const char *peer = NULL;
        const struct ydoc_node *cab = cable__(l, hvhost_name(h), nic_name(n), &peer);
        if (!cab)
            continue;
        struct port_cfg pc = port__(l, peer);
        /* The host's PFC set for this adapter: the global one unless its DCB
         * is not programmed (feature, QoS off, debugger, willing). */
        uint8_t host = hvhost_dcb_blocked(h, nic_name(n)) ? 0 : hvhost_pfc_mask(h);
        if (!pc.found || host == pc.pfc)
            continue;
        char a[24], b[24];
        mask_text__(host, a, sizeof a);
        mask_text__(pc.pfc, b, sizeof b);
        say__(l, 1, cab, "DCB_W_PFC_MISMATCH: %s/%s has PFC on priorities %s, its switch port %s "
                         "on %s; a mismatched configuration is no flow control at all (DCB-007, "
                         "CFG-032)",
              hvhost_name(h), nic_name(n), a, peer, b);
    }
}

void scn_lint_run(struct world *w, const struct ydoc_node *root, scn_lint_diag_fn diag,
                  void *ctx)
{
    struct lint l = {.w = w, .root = root, .diag = diag, .ctx = ctx};
    for (size_t i = 0; i < world_host_count(w); i++) {
        struct hvhost *h = world_host_at(w, i);
        for (size_t s = 0; s < hvhost_vswitch_count(h); s++) {
            const char *sw = hvhost_vswitch_name_at(h, s);
            struct set_team *t = hvhost_team(h, sw);
            if (!hvhost_vswitch_is_set(h, sw) || !t)
                continue;
            vmq_rules__(&l, h, sw, t);
            fabric_rules__(&l, h, sw, t);
        }
        dcb_rules__(&l, h);
        pfc_rules__(&l, h);
    }
}
