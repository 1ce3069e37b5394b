/* check_rules_hvpdyn: the trace checks of spec/rules.md HVP-001, HVP-002,
 * HVP-008, DYN-001, DYN-002, DYN-009 and DYN-011 (the table entries are in
 * check_rules.c; this file holds their hooks and state).
 *
 * Placement (HVP-002; DYN-001 for Dynamic teams) is judged at each
 * affinity_set(reason=initial) against the state the events built before
 * it: the team's up members, their affinitized vPorts, their order (the
 * order of the team's member_added rows, i.e. the NetAdapterName list) and
 * the vPort's team mapping.  The verdict goes to HVP-002 or DYN-001 by the
 * team's mode at the end of that instant (New-VMSwitch creates a Dynamic
 * team and Set-VMSwitchTeam may switch it in the same instant).
 *
 * Limits: the member order is the order of member_added rows, so a
 * NetAdapterName list that only reorders kept members is not seen; the
 * policy is hvp.placement=least_ports (the only one a scenario can set). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "check_int.h"

struct hd_pending {
    uint64_t checked;          /* placements judged in this instant */
    int offended;
    struct check_event ev;     /* the first wrong one */
    char why[200];
};

/* HVP-008: recent flooded deliveries, direct-mapped by (vPort, key); an
 * entry overwritten by a colliding one can hide a duplicate, never invent
 * one. */
#define HD_RX_SLOTS 4096u
struct hd_rx {
    int64_t key;
    int vport;                 /* -1: empty */
    int member;                /* arrival member, -1: local */
    uint64_t seq;
};

/* DYN-002/009/011: transmitted flows of Dynamic teams, direct-mapped by
 * their key (a colliding flow evicts the older one: a split or an excess
 * can be missed, never invented).  64 Ki flows of 56 bytes. */
#define HD_FLOWS (1u << 16)
struct hd_flow {
    uint64_t key;              /* 0: empty */
    int member;                /* member of its last frame */
    int prev;                  /* the member it left within this flowlet, -1 */
    sim_time_t prev_last;      /* its last frame on prev */
    sim_time_t last;           /* its last frame */
    double level;              /* DYN-009 leaky bucket, bits */
    sim_time_t level_t;
};

struct check_hvpdyn {
    int r_hvp001, r_hvp002, r_dyn001, r_hvp008, r_dyn002, r_dyn009, r_dyn011;
    struct hd_rx rx[HD_RX_SLOTS];
    struct hd_flow *flows;
    /* DYN-009's information: vPorts seen on two members at once */
    int *v_member;             /* per vPort: member of its last frame, -1 */
    sim_time_t *v_last;
    uint8_t *v_multi;
    size_t nmulti;
    int first_multi;           /* the first such vPort, -1 */
    int *order;                /* per member: position in its team's list, -1 */
    int *mapped;               /* per vPort: team-mapped member, -1 */
    int *next_pos;             /* per team: next position */
    struct hd_pending *pend;   /* per team */
};

int check_hvpdyn_init(struct check_eng *e)
{
    const struct check_input *in = e->in;
    struct check_hvpdyn *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    e->hd = h;
    h->r_hvp001 = check_rule_index("HVP-001");
    h->r_hvp002 = check_rule_index("HVP-002");
    h->r_dyn001 = check_rule_index("DYN-001");
    h->r_hvp008 = check_rule_index("HVP-008");
    h->r_dyn002 = check_rule_index("DYN-002");
    h->r_dyn009 = check_rule_index("DYN-009");
    h->r_dyn011 = check_rule_index("DYN-011");
    h->first_multi = -1;
    h->flows = calloc(HD_FLOWS, sizeof *h->flows);
    h->v_member = malloc((in->nvports + 1) * sizeof *h->v_member);
    h->v_last = calloc(in->nvports + 1, sizeof *h->v_last);
    h->v_multi = calloc(in->nvports + 1, 1);
    if (!h->flows || !h->v_member || !h->v_last || !h->v_multi)
        return -ENOMEM;
    for (size_t v = 0; v < in->nvports; v++)
        h->v_member[v] = -1;
    for (size_t i = 0; i < HD_RX_SLOTS; i++)
        h->rx[i].vport = -1;
    h->order = malloc((in->nmembers + 1) * sizeof *h->order);
    h->next_pos = calloc(in->nteams + 1, sizeof *h->next_pos);
    h->pend = calloc(in->nteams + 1, sizeof *h->pend);
    h->mapped = malloc((in->nvports + 1) * sizeof *h->mapped);
    if (!h->order || !h->next_pos || !h->pend || !h->mapped)
        return -ENOMEM;
    for (size_t m = 0; m < in->nmembers; m++)
        h->order[m] = -1;
    /* With events the mapping comes from team_mapping_set rows (the
     * inventory has the one at the end of the setup). */
    for (size_t v = 0; v < in->nvports; v++)
        h->mapped[v] = in->events ? -1 : in->vports[v].mapped;
    return 0;
}

void check_hvpdyn_free(struct check_eng *e)
{
    struct check_hvpdyn *h = e->hd;
    if (!h)
        return;
    free(h->order);
    free(h->next_pos);
    free(h->pend);
    free(h->mapped);
    free(h->flows);
    free(h->v_member);
    free(h->v_last);
    free(h->v_multi);
    free(h);
    e->hd = NULL;
}

static const char *mname__(const struct check_eng *e, int m)
{
    return m >= 0 ? e->in->members[m].name : "(no member)";
}

/* ---- HVP-001 / DYN-001: every vPort on an up member ---- */

/* TRACE/error [S]: after every instant with events, every vPort of a team
 * with an up member is affinitized to an up member of its team; teams in
 * `dynamic` mode (1) or the others (0). */
static void affinity_up__(struct check_eng *e, sim_time_t now, int dynamic, int r)
{
    const struct check_input *in = e->in;
    if (!e->have_events || r < 0)
        return;
    for (size_t v = 0; v < in->nvports; v++) {
        struct check_vstate *vs = &e->vs[v];
        int t = vs->team;
        if (t < 0 || !e->ts[t].dirty || vs->aff == -1 ||
            (e->ts[t].mode == CHECK_MODE_DYNAMIC) != dynamic)
            continue;
        int any_up = 0;
        for (size_t m = 0; m < in->nmembers; m++)
            if (in->members[m].team == t && e->ms[m].up)
                any_up = 1;
        if (!any_up)
            continue;
        check_seen(e, r);
        if (vs->aff < 0 || !e->ms[vs->aff].up || in->members[vs->aff].team != t) {
            struct check_event ev = {.seq = vs->fo_seq, .time = now};
            check_offend(e, r, 1, NULL, &ev, "vPort %s is affinitized to %s, which is not an "
                         "up member of its team", in->vports[v].name, mname__(e, vs->aff));
        }
    }
}

/* HVP-001 TRACE/error [S] (Hyper-V Port teams). */
void check_hvp001_instant(struct check_eng *e, sim_time_t now)
{
    affinity_up__(e, now, 0, e->hd->r_hvp001);
}

/* ---- HVP-002 / DYN-001: initial placement ---- */

/* The member least_ports gives vPort v of team t now: its mapped member
 * when that one is up (HVP-006 takes precedence), else the up member with
 * the fewest affinitized vPorts, ties by list order; -1 when none is up.
 * *count: that member's vPorts. */
static int least_ports__(struct check_eng *e, int v, int t, int *count)
{
    const struct check_input *in = e->in;
    struct check_hvpdyn *h = e->hd;
    int mapped = h->mapped[v];
    if (mapped >= 0 && e->ms[mapped].up && in->members[mapped].team == t) {
        *count = -1;
        return mapped;
    }
    int best = -1, best_n = 0, best_pos = 0;
    for (size_t m = 0; m < in->nmembers; m++) {
        if (in->members[m].team != t || !e->ms[m].up || !e->ms[m].in_team)
            continue;
        int n = 0;
        for (size_t w = 0; w < in->nvports; w++)
            if ((int)w != v && e->vs[w].team == t && e->vs[w].aff == (int)m)
                n++;
        /* Members never seen in a member_added row go after the others. */
        int pos = h->order[m] >= 0 ? h->order[m] : CHECK_MAX_MEMBERS + (int)m;
        if (best < 0 || n < best_n || (n == best_n && pos < best_pos)) {
            best = (int)m;
            best_n = n;
            best_pos = pos;
        }
    }
    *count = best_n;
    return best;
}

/* HVP-002 TRACE/error [S]: every affinity_set(reason=initial) matches the
 * policy (least_ports; a team mapping first); judged here, reported at
 * the end of the instant under HVP-002 or DYN-001 by the team's mode.  The
 * member order is kept from member_added / member_removed rows. */
void check_hvp002_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_hvpdyn *h = e->hd;
    if (ev->kind == CHECK_EV_MEMBER_ADDED && ev->member >= 0 && ev->team >= 0) {
        if (h->order[ev->member] < 0)
            h->order[ev->member] = h->next_pos[ev->team]++;
        return;
    }
    if (ev->kind == CHECK_EV_MEMBER_REMOVED && ev->member >= 0) {
        h->order[ev->member] = -1;
        return;
    }
    if (ev->kind == CHECK_EV_MAPPING && ev->vport >= 0) {
        h->mapped[ev->vport] = ev->member;
        return;
    }
    if (ev->kind != CHECK_EV_AFFINITY || strcmp(ev->reason, "initial") != 0 || ev->vport < 0 ||
        ev->team < 0 || e->vs[ev->vport].aff >= 0)
        return;
    int n, want = least_ports__(e, ev->vport, ev->team, &n);
    struct hd_pending *p = &h->pend[ev->team];
    p->checked++;
    if (want == ev->member || p->offended)
        return;
    p->offended = 1;
    p->ev = *ev;
    p->ev.reason = p->ev.detail = "";
    if (n < 0)
        snprintf(p->why, sizeof p->why, "%s placed on %s; it is mapped to %s, which is up "
                 "(HVP-006 first)", e->in->vports[ev->vport].name, mname__(e, ev->member),
                 mname__(e, want));
    else
        snprintf(p->why, sizeof p->why, "%s placed on %s; least_ports gives %s (%d vPorts, "
                 "ties by member order)", e->in->vports[ev->vport].name,
                 mname__(e, ev->member), mname__(e, want), n);
}

/* The placements of the instant, for the teams in `dynamic` mode or not. */
static void placement_flush__(struct check_eng *e, int dynamic, int r)
{
    struct check_hvpdyn *h = e->hd;
    for (size_t t = 0; t < e->in->nteams; t++) {
        struct hd_pending *p = &h->pend[t];
        if (!p->checked || (e->ts[t].mode == CHECK_MODE_DYNAMIC) != dynamic)
            continue;
        e->rep->v[r].checked += p->checked;
        if (p->offended)
            check_offend(e, r, 1, NULL, &p->ev, "%s", p->why);
        memset(p, 0, sizeof *p);
    }
}

void check_hvp002_instant(struct check_eng *e, sim_time_t now)
{
    (void)now;
    placement_flush__(e, 0, e->hd->r_hvp002);
}

/* DYN-001 TRACE/error [S] (Dynamic teams): as HVP-001, and placed as in
 * HVP-002 and HVP-006. */
void check_dyn001_instant(struct check_eng *e, sim_time_t now)
{
    affinity_up__(e, now, 1, e->hd->r_dyn001);
    placement_flush__(e, 1, e->hd->r_dyn001);
}

/* ---- HVP-008: flooded frames are delivered once ---- */

/* HVP-008 TRACE/error [S]: at most one rx_deliver per (vPort, flooded
 * frame), the frame known by the key the vSwitch puts in aux; and a copy
 * that came in on a member is the one of the vPort's affinitized member
 * (rx.flood_dedup=affinitized).  Rows without a key (older traces) are not
 * judged. */
void check_hvp008_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_hvpdyn *h = e->hd;
    if (ev->kind != CHECK_EV_RX_DELIVER || ev->vport < 0 || !ev->has_aux || h->r_hvp008 < 0)
        return;
    const char *name = e->in->vports[ev->vport].name;
    check_seen(e, h->r_hvp008);
    uint64_t k = (uint64_t)ev->aux * 0x9E3779B97F4A7C15ull ^ (uint64_t)ev->vport;
    struct hd_rx *x = &h->rx[(k ^ k >> 29) & (HD_RX_SLOTS - 1)];
    if (x->vport == ev->vport && x->key == ev->aux) {
        check_offend(e, h->r_hvp008, 1, NULL, ev, "flooded frame delivered to %s again (copy "
                     "from %s; first delivered at event %llu from %s)", name,
                     ev->member >= 0 ? mname__(e, ev->member) : "a local port",
                     (unsigned long long)x->seq,
                     x->member >= 0 ? mname__(e, x->member) : "a local port");
        return;
    }
    x->key = ev->aux;
    x->vport = ev->vport;
    x->member = ev->member;
    x->seq = ev->seq;
    int a = e->vs[ev->vport].aff;
    if (ev->member >= 0 && a >= 0 && ev->member != a)
        check_offend(e, h->r_hvp008, 1, NULL, ev, "flooded frame delivered to %s from the copy "
                     "received on %s; its affinitized member is %s", name,
                     mname__(e, ev->member), mname__(e, a));
}

/* ---- DYN-002, DYN-009, DYN-011: flows of Dynamic teams on the wire ---- */

#define ETH_P_TEB 0x6558      /* NVGRE: transparent Ethernet bridging */
#define IPPROTO_GRE_ 47
#define VXLAN_UDP_PORT 4789
#define DYN009_WINDOW_S 0.010 /* W = 10 ms, as HVP-005 */
#define DYN009_EPS 0.01

static inline uint64_t mix__(uint64_t k, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        k = (k ^ b[i]) * 1099511628211ull;
    return k;
}

int check_frame_nvgre(const struct check_frame *f, uint8_t *flow_id)
{
    const struct pkt_info *pi = &f->pi;
    if (!f->parsed || !(pi->layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)) ||
        (pi->layers & PKT_HAS_IP_FRAG) || pi->ip_proto != IPPROTO_GRE_)
        return 0;
    const uint8_t *b = f->p->data;
    size_t o = pi->l4_off, caplen = f->p->caplen;
    if (caplen < o + 8)
        return 0;
    uint16_t flags = pkt_rd16(b + o);
    if (!(flags & 0x2000) || (flags & 0x4000) || pkt_rd16(b + o + 2) != ETH_P_TEB)
        return 0; /* not NVGRE: no key bit, routing, or not Ethernet inside */
    size_t key = o + 4 + ((flags & 0x8000) ? 4 : 0);
    if (caplen < key + 4)
        return 0;
    if (flow_id)
        *flow_id = b[key + 3]; /* FlowID: the key's low octet */
    return 1;
}

/* The flow key of a transmitted frame as SET hashes it: the IP addresses
 * and TCP/UDP ports (DYN-002; a VXLAN frame is UDP to 4789, its outer
 * source port the entropy), or for NVGRE the outer addresses and the
 * FlowID (the low octet of the GRE key, DYN-011).  0 when the frame has no
 * such key (DYN-004 traffic, RoCE: DYN-010).  *hnv: 1 for VXLAN/NVGRE. */
static uint64_t flow_key__(const struct check_frame *f, int *hnv)
{
    const struct pkt_info *pi = &f->pi;
    *hnv = 0;
    if (!f->parsed || f->is_roce || !(pi->layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)) ||
        (pi->layers & PKT_HAS_IP_FRAG))
        return 0;
    uint8_t ports[5];
    if (pi->layers & (PKT_HAS_TCP | PKT_HAS_UDP)) {
        ports[0] = (uint8_t)(pi->sport >> 8), ports[1] = (uint8_t)pi->sport;
        ports[2] = (uint8_t)(pi->dport >> 8), ports[3] = (uint8_t)pi->dport;
        *hnv = (pi->layers & PKT_HAS_UDP) && pi->dport == VXLAN_UDP_PORT;
    } else if (check_frame_nvgre(f, &ports[1])) {
        ports[0] = ports[2] = ports[3] = 0;
        *hnv = 1;
    } else {
        return 0;
    }
    ports[4] = pi->ip_proto;
    uint64_t k = 1469598103934665603ull;
    if (pi->ip_version == 6) /* constant lengths: the loops unroll */
        k = mix__(mix__(k, pi->ip_src, 16), pi->ip_dst, 16);
    else
        k = mix__(mix__(k, pi->ip_src, 4), pi->ip_dst, 4);
    return mix__(k, ports, 5) | 1;
}

/* DYN-009 information: vPort v sent on member m at now; another member
 * within the flowlet gap before means several members at once. */
static void dyn009_vport__(struct check_eng *e, int v, int m, sim_time_t now)
{
    struct check_hvpdyn *h = e->hd;
    if (h->v_member[v] >= 0 && h->v_member[v] != m &&
        now - h->v_last[v] < e->in->opt.flowlet_gap && !h->v_multi[v]) {
        h->v_multi[v] = 1;
        if (!h->nmulti++)
            h->first_multi = v;
        /* In the verdict's reason while it passes (an offence replaces
         * it); written when the count changes, not per frame. */
        struct check_verdict *vd = &e->rep->v[h->r_dyn009];
        if (!vd->violations)
            snprintf(vd->reason, sizeof vd->reason, "info: %zu vPort(s) on several members at "
                     "once, e.g. %s (allowed in Dynamic mode)", h->nmulti,
                     e->in->vports[h->first_multi].name);
    }
    h->v_member[v] = m;
    h->v_last[v] = now;
}

/* DYN-002 TRACE/error [P]: a flow never appears on two members within one
 * flowlet.  A flow that changes member without a gap of at least the
 * flowlet gap has moved (DYN-003 warns: "uncommon" but allowed); one that
 * comes back, within the same flowlet, to the member it left less than a
 * flowlet gap before is on two members at once: split, not moved.  (Coming
 * back later, with no gap on the wire in between, is a second move: SET
 * measures the gap where it sends, and a deep transmit queue can fill the
 * gap on the wire, as between the requests of a request/response flow.)
 * Nor within move_window of a change of the team's balancing mode: the
 * flows are placed afresh (CFG-011) while the old member's queue drains.  DYN-011 [P]: the same for HNV
 * frames, whose flow is their outer key.  DYN-009 TRACE/error [P]: one
 * flow's bits in any 10 ms window <= the member's rate * 10 ms * 1.01 (a
 * leaky bucket, as HVP-005); its information: vPorts on several members
 * at once (allowed in Dynamic mode). */
void check_dynflow_frame(struct check_eng *e, const struct check_frame *f)
{
    struct check_hvpdyn *h = e->hd;
    if (!f->tx || f->member < 0 || f->team < 0 || e->ts[f->team].mode != CHECK_MODE_DYNAMIC ||
        h->r_dyn002 < 0 || h->r_dyn009 < 0 || h->r_dyn011 < 0)
        return;
    sim_time_t now = f->p->ts;
    if (f->owner >= 0)
        dyn009_vport__(e, f->owner, f->member, now);
    int hnv;
    uint64_t k = flow_key__(f, &hnv);
    if (!k)
        return;
    struct hd_flow *fl = &h->flows[(k ^ k >> 31) & (HD_FLOWS - 1)];
    int rule = hnv ? h->r_dyn011 : h->r_dyn002;
    if (fl->key != k) {
        memset(fl, 0, sizeof *fl);
        fl->key = k;
        fl->member = f->member;
        fl->prev = -1;
        fl->level_t = now;
    } else {
        check_seen(e, rule);
        int in_flowlet = now - fl->last < e->in->opt.flowlet_gap;
        if (!in_flowlet)
            fl->prev = -1;
        if (f->member != fl->member) {
            if (in_flowlet && fl->prev == f->member &&
                now - fl->prev_last < e->in->opt.flowlet_gap &&
                !check_mode_draining(e, f->team, now))
                check_offend(e, rule, 1, f, NULL, "%s flow %s on %s again %lld ns after its "
                             "last frame on %s: on two members within one flowlet%s",
                             hnv ? "HNV" : "TCP/UDP", f->owner >= 0 ?
                             e->in->vports[f->owner].name : "(no vPort)",
                             mname__(e, f->member), (long long)((now - fl->last) / SIM_NS),
                             mname__(e, fl->member), hnv ? " (outer key)" : "");
            fl->prev = in_flowlet ? fl->member : -1;
            fl->prev_last = fl->last;
            fl->member = f->member;
        }
    }
    fl->last = now;
    /* DYN-009: the flow's rate. */
    uint64_t s = e->in->members[f->member].rate_bps;
    if (!s)
        return;
    double r = (double)s * (1.0 + DYN009_EPS);
    fl->level -= r * ((double)(now - fl->level_t) / (double)SIM_S);
    if (fl->level < 0)
        fl->level = 0;
    fl->level += 8.0 * (double)f->p->wire_len;
    fl->level_t = now;
    check_seen(e, h->r_dyn009);
    if (fl->level > r * DYN009_WINDOW_S) {
        check_offend(e, h->r_dyn009, 1, f, NULL, "one %s flow of %s sent more than %.0f "
                     "Mbit/s (%s's rate + 1 %%) over a window of at most 10 ms",
                     hnv ? "HNV" : "TCP/UDP", f->owner >= 0 ? e->in->vports[f->owner].name :
                     "(no vPort)", r / 1e6, mname__(e, f->member));
        fl->level = 0;
    }
}

/* DYN-002 TRACE/error [S]: a flow_place row matches the hash: the
 * Toeplitz hash (pkt_toeplitz) of the key in its detail ("proto P toeplitz
 * <hex>": addresses and ports as RSS orders them), modulo the team's up
 * members, picks the member, counted in list order (the order of the
 * team's member_added rows).  DYN-011 [S]: the same for an HNV key (GRE,
 * or UDP to 4789), under DYN-011.  Rows without a key are not judged. */
void check_flow_place_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_hvpdyn *h = e->hd;
    if (ev->kind != CHECK_EV_FLOW_PLACE || ev->member < 0 || ev->team < 0 ||
        h->r_dyn002 < 0 || h->r_dyn011 < 0)
        return;
    unsigned proto;
    char hex[80];
    uint8_t in[36];
    size_t n = 0;
    if (sscanf(ev->detail, "proto %u toeplitz %79s", &proto, hex) != 2)
        return;
    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && n < sizeof in; i++) {
        unsigned b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1)
            return;
        in[n++] = (uint8_t)b;
    }
    if (n != 12 && n != 36)
        return;
    int hnv = proto == IPPROTO_GRE_ ||
              (proto == 17 && (in[n - 2] << 8 | in[n - 1]) == VXLAN_UDP_PORT);
    int rule = hnv ? h->r_dyn011 : h->r_dyn002;
    /* The team's up members in list order. */
    const struct check_input *in_ = e->in;
    int up[CHECK_MAX_MEMBERS], nup = 0;
    for (size_t m = 0; m < in_->nmembers; m++) {
        if (in_->members[m].team != ev->team || !e->ms[m].up || !e->ms[m].in_team)
            continue;
        int j = nup++;
        int pos = h->order[m] >= 0 ? h->order[m] : CHECK_MAX_MEMBERS + (int)m;
        while (j > 0) {
            int q = up[j - 1];
            int qpos = h->order[q] >= 0 ? h->order[q] : CHECK_MAX_MEMBERS + q;
            if (qpos <= pos)
                break;
            up[j] = q;
            j--;
        }
        up[j] = (int)m;
    }
    if (!nup)
        return;
    check_seen(e, rule);
    uint32_t hash = pkt_toeplitz(in, n);
    int want = up[hash % (uint32_t)nup];
    if (want != ev->member)
        check_offend(e, rule, 1, NULL, ev, "flow %llu placed on %s; the Toeplitz hash 0x%08x "
                     "of its %skey over %d up members gives %s", (unsigned long long)ev->flow,
                     mname__(e, ev->member), hash, hnv ? "HNV outer " : "", nup,
                     mname__(e, want));
}
