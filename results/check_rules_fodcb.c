/* check_rules_fodcb: the trace checks of FO-005..FO-009, DCB-006, DCB-008,
 * DCB-011 and the trace parts of CFG-014, CFG-016, CFG-021, CFG-025,
 * CFG-030, CFG-034 and CFG-035 (spec/rules.md), hooked into the checker's
 * rule table (check_rules_fodcb.h, check_int.h).
 *
 * Each function cites its rule's "Check:" line.  Rule hooks run before the
 * engine applies an event to its own state (check.c), so e->ms/e->vs are
 * the state before the row; this file's state (struct check_fodcb) is
 * updated by the hook that owns it, named below.  Model-choice knobs of
 * spec/rules.md Appendix A are the checker's options (check_options):
 * fo.failback_holddown_ms 1 s, learn_grace_ms 50 ms, move_window_ms 100 ms,
 * validate.idle_member_grace_s 60 s.  fo.failback and
 * fo.failback_holddown_ms are each team's as the run recorded them (meta
 * rows fo.<team>, check_run.c); a run or capture without them gets the
 * defaults mapped_only and 1 s, and FO-006/FO-007 findings say so.
 * fo.rdma=reconnect and fo.announce=none are assumed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "check_rules_fodcb.h"

/* Offsets of this file's rules from check_fodcb_first (table order). */
enum {
    F_FO005, F_FO006, F_FO007, F_FO008, F_FO009, F_DCB006, F_DCB008, F_DCB011,
    F_CFG014, F_CFG016, F_CFG021, F_CFG025, F_CFG030, F_CFG034, F_CFG035, F_COUNT
};
_Static_assert(F_COUNT == CHECK_FODCB_N, "one offset per rule of CHECK_RULES_FODCB");

#define R(f) (check_fodcb_first + (f))

#define QPS 4                       /* FO-009: QPs remembered per vNIC */
#define DCB006_WINDOW (10 * SIM_MS) /* DCB-006 ets.window_ms */
#define DCB006_SLOTS 10             /* ... split in 1 ms slots: "continuously present" */
#define DCB006_SATURATED 0.95
#define DCB006_SMB_PRIO 3           /* the seed's "SMB" class: priority 3, 30 % */
#define DCB006_SMB_MIN 0.25         /* 30 % - ets.tol_pct 5 */
#define DCB006_DEFAULT_MIN 0.65     /* 70 % - 5 */
#define WIRE_OVERHEAD 24            /* FCS + preamble + inter-frame gap, octets */
#define IWARP_PORT 5445             /* SMB Direct over iWARP (rules.md §0.4) */
#define SMB_TCP_PORT 445
#define IW_FLOWS 1024               /* DCB-008 retransmission table (direct mapped) */
#define CFG016_DRAIN SIM_MS         /* frames already in flight at the removal */
#define CFG025_MAX_FRAME 9238       /* a tagged 9216-octet jumbo frame with FCS */
#define MAD_QP 1                    /* GSI QP: CM MADs (FO-009) */

struct fodcb_m {
    int qos;                  /* CHECK_QOS_*: last qos_programmed row (CFG-030 hook) */
    int rs_pending, rs_down;  /* CFG-021: restarted, member_down seen since */
    sim_time_t rs_at;
    uint64_t rs_seq;
    int idle;                 /* CFG-014: no vPort while another member holds >= 2 */
    sim_time_t idle_since;
    int idle_warned;
    int win_on;               /* DCB-006: a window is open ... */
    sim_time_t win;           /* ... from this time */
    uint64_t bits[2];         /* ... octets*8 of the default class [0] and priority 3 [1] */
    uint16_t slots[2];        /* ... 1 ms slots in which each class sent */
};

struct fodcb_v {
    int mapped;               /* team mapping now (FO-007 hook), -1 */
    int placed;               /* an affinity_set to a member was seen (FO-005 hook) */
    uint64_t aff_seq;         /* its last affinity_set row ... */
    sim_time_t aff_time;
    int fo5_member;           /* FO-005: failed over to this member, -1 */
    int fo5_sent;             /* ... and MAC(p) was transmitted there at fo5_first */
    sim_time_t fo5_first;
    int fo7_watch;            /* FO-007: its mapped member failed this instant */
    uint64_t fo7_seq;
    int qp_member;            /* FO-009: member its RoCE was last seen on, -1 */
    uint64_t qps[QPS];        /* ... the destination QPs seen there (qp_key__) */
    int nqps;
    int fo9_to;               /* moved to this member: judged there, -1 */
    int fo9_first_done;
    uint64_t old[QPS];
    int nold;
    int fo9_need_err;         /* [S]: a qp_error(failover) is due this instant */
    int fo9_errs;
    uint64_t fo9_seq;
    sim_time_t fo9_at;
    int gone;                 /* CFG-016: its switch was removed at gone_at */
    sim_time_t gone_at;
};

struct fodcb_t {
    int all_down;             /* FO-008: no member up since a member_down */
    int recovered;            /* the last member_up ended an outage at recover_at */
    sim_time_t recover_at;
    uint64_t recover_seq;
    int recover_check;        /* end of this instant: every vPort on an up member */
};

struct check_fodcb {
    struct fodcb_m *m;
    struct fodcb_v *v;
    struct fodcb_t *t;
    struct iw_flow { uint64_t key; uint32_t next; } *iw; /* DCB-008 */
    uint64_t iw_frames, iw_retx;
    int fo7_any, fo9_any;
    int *cnt;                 /* CFG-014 scratch: vPorts per member */
};

int check_fodcb_init(struct check_eng *e)
{
    const struct check_input *in = e->in;
    struct check_fodcb *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    e->fodcb = s;
    s->m = calloc(in->nmembers + 1, sizeof *s->m);
    s->v = calloc(in->nvports + 1, sizeof *s->v);
    s->t = calloc(in->nteams + 1, sizeof *s->t);
    s->iw = calloc(IW_FLOWS, sizeof *s->iw);
    s->cnt = calloc(in->nmembers + 1, sizeof *s->cnt);
    if (!s->m || !s->v || !s->t || !s->iw || !s->cnt)
        return -ENOMEM;
    for (size_t m = 0; m < in->nmembers; m++) {
        s->m[m].qos = in->members[m].qos;
    }
    for (size_t v = 0; v < in->nvports; v++) {
        /* With events, the team_mapping_set rows give the mappings as they
         * are made (the facts are the state after the setup). */
        s->v[v].mapped = in->events ? -1 : in->vports[v].mapped;
        s->v[v].fo5_member = s->v[v].qp_member = s->v[v].fo9_to = -1;
    }
    return 0;
}

void check_fodcb_free(struct check_eng *e)
{
    struct check_fodcb *s = e->fodcb;
    if (!s)
        return;
    free(s->m);
    free(s->v);
    free(s->t);
    free(s->iw);
    free(s->cnt);
    free(s);
    e->fodcb = NULL;
}

static const char *mname__(struct check_eng *e, int m)
{
    return m >= 0 ? e->in->members[m].name : "(no member)";
}

static const char *vname__(struct check_eng *e, int v)
{
    return v >= 0 ? e->in->vports[v].name : "(unknown vPort)";
}

static int team_up__(struct check_eng *e, int t)
{
    int n = 0;
    for (size_t m = 0; m < e->in->nmembers; m++)
        if (e->in->members[m].team == t && e->ms[m].up)
            n++;
    return n;
}

static const char *ms__(sim_time_t t, char *b, size_t n)
{
    snprintf(b, n, "%.3f ms", (double)t / (double)SIM_MS);
    return b;
}

/* ---- FO-005 ---- */

/* FO-005 TRACE/warn [P~]: after p failed over to M', unicast to MAC(p)
 * arrives on M' once learn_grace has passed since MAC(p)'s first
 * transmission there (the switch relearns it from that frame).  The
 * failover is the affinity_set(reason=failover) row, or, without events,
 * MAC(p) seen on another member after its member's link went down.  The
 * announcement part (fo.announce != none) is not checked: the default is
 * none and the facts do not record the knob. */
void check_fo005_frame(struct check_eng *e, const struct check_frame *f)
{
    struct check_fodcb *s = e->fodcb;
    if (f->member < 0)
        return;
    if (f->tx && f->src_vport >= 0) {
        struct fodcb_v *v = &s->v[f->src_vport];
        if (!e->have_events) {
            int last = e->vs[f->src_vport].last_member;
            if (last >= 0 && last != f->member && !e->ms[last].up) {
                v->fo5_member = f->member;
                v->fo5_sent = 0;
            } else if (v->fo5_member >= 0 && v->fo5_member != f->member) {
                v->fo5_member = -1; /* moved on: not a failover */
            }
        }
        if (v->fo5_member == f->member && !v->fo5_sent) {
            v->fo5_sent = 1;
            v->fo5_first = f->p->ts;
        }
        return;
    }
    if (f->tx || f->dst_vport < 0 || pkt_mac_is_multicast(f->pi.dst))
        return;
    const struct fodcb_v *v = &s->v[f->dst_vport];
    if (v->fo5_member < 0 || !v->fo5_sent || e->vs[f->dst_vport].team != f->team ||
        f->p->ts <= v->fo5_first + e->in->opt.learn_grace)
        return;
    check_seen(e, R(F_FO005));
    if (f->member != v->fo5_member) {
        char b[32];
        check_offend(e, R(F_FO005), 0, f, NULL, "unicast to %s received on %s, %s after its "
                     "first frame on %s (its member since the failover): the switch has not "
                     "relearned its MAC", vname__(e, f->dst_vport), mname__(e, f->member),
                     ms__(f->p->ts - v->fo5_first, b, sizeof b), mname__(e, v->fo5_member));
    }
}

/* Also keeps every vPort's last affinity row (FO-008 reports it). */
void check_fo005_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_AFFINITY || ev->vport < 0)
        return;
    struct fodcb_v *v = &e->fodcb->v[ev->vport];
    v->aff_seq = ev->seq;
    v->aff_time = ev->time;
    if (ev->member >= 0)
        v->placed = 1;
    if (strcmp(ev->reason, "failover") == 0 && ev->member >= 0) {
        v->fo5_member = ev->member;
        v->fo5_sent = 0;
    } else if (ev->member != v->fo5_member) {
        v->fo5_member = -1;
    }
}

/* ---- FO-006 ---- */

/* FO-006 fo.failback_holddown_ms and fo.failback of team t: the run's
 * recorded knobs, else the defaults (check options). */
static sim_time_t holddown__(const struct check_eng *e, int t)
{
    if (t >= 0 && (size_t)t < e->in->nteams && e->in->teams[t].fo_known)
        return e->in->teams[t].failback_holddown;
    return e->in->opt.failback_holddown;
}

static enum check_failback failback__(const struct check_eng *e, int t)
{
    if (t >= 0 && (size_t)t < e->in->nteams && e->in->teams[t].fo_known)
        return e->in->teams[t].failback;
    return CHECK_FB_MAPPED_ONLY;
}

/* Where team t's knobs come from, for the evidence. */
static const char *knobs_src__(const struct check_eng *e, int t)
{
    if (t >= 0 && (size_t)t < e->in->nteams && e->in->teams[t].fo_known)
        return "recorded for the team";
    return "the default: the run does not record its fo knobs";
}

/* FO-006 TRACE/error [S]: affinity_set(reason=failback) only for vPorts
 * mapped to that member (fo.failback=mapped_only), never before its
 * member_up plus the hold-down.  A failback at the member_up that ends a
 * total outage is FO-008's recovery, not a failback.  This hook also notes
 * such recoveries for FO-008. */
void check_fo006_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_fodcb *s = e->fodcb;
    if (ev->kind == CHECK_EV_MEMBER_UP && ev->member >= 0 && ev->team >= 0 &&
        !e->ms[ev->member].up) {
        struct fodcb_t *t = &s->t[ev->team];
        if (team_up__(e, ev->team) == 0) {
            t->recovered = 1;
            t->recover_at = ev->time;
            t->recover_seq = ev->seq;
            t->recover_check = t->all_down;
        }
        t->all_down = 0;
        return;
    }
    if (ev->kind != CHECK_EV_AFFINITY || ev->vport < 0 || ev->member < 0 ||
        strcmp(ev->reason, "failback") != 0)
        return;
    check_seen(e, R(F_FO006));
    const struct fodcb_t *t = ev->team >= 0 ? &s->t[ev->team] : NULL;
    if (t && t->recovered && t->recover_at == ev->time)
        return; /* FO-008: after a total outage every vPort goes to the first member back */
    char b[32], h[32];
    int tm = ev->team >= 0 ? ev->team : e->in->members[ev->member].team;
    enum check_failback fb = failback__(e, tm);
    sim_time_t hd = holddown__(e, tm);
    if (fb == CHECK_FB_NONE)
        check_offend(e, R(F_FO006), 1, NULL, ev, "failback of %s to %s, but fo.failback is "
                     "none (%s)", vname__(e, ev->vport), mname__(e, ev->member),
                     knobs_src__(e, tm));
    else if (fb == CHECK_FB_MAPPED_ONLY && s->v[ev->vport].mapped != ev->member)
        check_offend(e, R(F_FO006), 1, NULL, ev, "failback of %s to %s, which is not its "
                     "mapped member (fo.failback=mapped_only, %s: only mapped vNICs fail back; "
                     "others stay)", vname__(e, ev->vport), mname__(e, ev->member),
                     knobs_src__(e, tm));
    else if (ev->time - e->ms[ev->member].up_at < hd)
        check_offend(e, R(F_FO006), 1, NULL, ev, "failback of %s to %s %s after its member_up, "
                     "before the hold-down of %s (%s)", vname__(e, ev->vport),
                     mname__(e, ev->member), ms__(ev->time - e->ms[ev->member].up_at, b, sizeof b),
                     ms__(hd, h, sizeof h), knobs_src__(e, tm));
}

/* FO-006 [P~] (no events: the mapping's link events): MAC(p) moving onto a
 * member whose link came back is a warning when p is not mapped to it and
 * its member is up (unmapped vPorts stay), or when it is mapped but the
 * hold-down has not passed (failback findings on real captures are warnings
 * only: the real behaviour is undocumented). */
void check_fo006_frame(struct check_eng *e, const struct check_frame *f)
{
    if (e->have_events || !f->tx || f->member < 0 || f->src_vport < 0)
        return;
    int last = e->vs[f->src_vport].last_member;
    const struct check_mstate *ms = &e->ms[f->member];
    if (last < 0 || last == f->member || !ms->up_at)
        return;
    char b[32], h[32];
    int tm = e->in->members[f->member].team;
    sim_time_t hd = holddown__(e, tm);
    enum check_failback fb = failback__(e, tm);
    if (e->fodcb->v[f->src_vport].mapped == f->member ||
        (fb == CHECK_FB_ALL && e->ms[last].up)) {
        check_seen(e, R(F_FO006));
        if (fb == CHECK_FB_NONE && e->ms[last].up)
            check_offend(e, R(F_FO006), 0, f, NULL, "%s returned to %s after its link came up, "
                         "but fo.failback is none (%s)", vname__(e, f->src_vport),
                         mname__(e, f->member), knobs_src__(e, tm));
        else if (f->p->ts - ms->up_at < hd)
            check_offend(e, R(F_FO006), 0, f, NULL, "%s returned to %s %s after its link came "
                         "up, before the hold-down of %s (%s)", vname__(e, f->src_vport),
                         mname__(e, f->member), ms__(f->p->ts - ms->up_at, b, sizeof b),
                         ms__(hd, h, sizeof h), knobs_src__(e, tm));
    } else if (e->ms[last].up) {
        check_seen(e, R(F_FO006));
        check_offend(e, R(F_FO006), 0, f, NULL, "unmapped %s moved from %s (up) to the "
                     "recovered member %s (unmapped vPorts stay where they are; "
                     "fo.failback=%s, %s)", vname__(e, f->src_vport), mname__(e, last),
                     mname__(e, f->member), fb == CHECK_FB_NONE ? "none" : "mapped_only",
                     knobs_src__(e, tm));
    }
}

/* ---- FO-007 ---- */

/* FO-007 TRACE/error [S]: (1) when a vNIC's mapped member goes down or is
 * removed while the vNIC is on it, the vNIC is affinitized elsewhere in
 * that instant (as if unmapped, FO-002); (2) it is never affinitized to its
 * mapped member while that member is down; (3) the mapping is kept: once
 * the member is up again for the hold-down plus move_window, the vNIC is
 * on it (judged at the vNIC's frames).  This hook keeps the mappings
 * (team_mapping_set). */
void check_fo007_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_fodcb *s = e->fodcb;
    switch (ev->kind) {
    case CHECK_EV_MAPPING:
        if (ev->vport >= 0)
            s->v[ev->vport].mapped = ev->member;
        break;
    case CHECK_EV_MEMBER_DOWN:
    case CHECK_EV_MEMBER_REMOVED:
        if (ev->member < 0)
            break;
        for (size_t v = 0; v < e->in->nvports; v++)
            if (s->v[v].mapped == ev->member && e->vs[v].aff == ev->member) {
                s->v[v].fo7_watch = 1;
                s->v[v].fo7_seq = ev->seq;
                s->fo7_any = 1;
            }
        break;
    case CHECK_EV_AFFINITY:
        if (ev->vport >= 0 && ev->member != s->v[ev->vport].mapped && s->v[ev->vport].fo7_watch) {
            s->v[ev->vport].fo7_watch = 0; /* it left its failed mapped member */
            check_seen(e, R(F_FO007));
        }
        if (ev->vport < 0 || ev->member < 0 || s->v[ev->vport].mapped != ev->member)
            break;
        check_seen(e, R(F_FO007));
        if (!e->ms[ev->member].up)
            check_offend(e, R(F_FO007), 1, NULL, ev, "%s affinitized to its mapped member %s "
                         "while that member is down", vname__(e, ev->vport),
                         mname__(e, ev->member));
        break;
    default:
        break;
    }
}

void check_fo007_instant(struct check_eng *e, sim_time_t now)
{
    struct check_fodcb *s = e->fodcb;
    if (!s->fo7_any)
        return;
    s->fo7_any = 0;
    for (size_t v = 0; v < e->in->nvports; v++) {
        struct fodcb_v *fv = &s->v[v];
        if (!fv->fo7_watch)
            continue;
        fv->fo7_watch = 0;
        int t = e->vs[v].team;
        if (t < 0 || team_up__(e, t) == 0)
            continue; /* nowhere to go: FO-008 */
        check_seen(e, R(F_FO007));
        if (e->vs[v].aff == fv->mapped) {
            struct check_event ev = {.seq = fv->fo7_seq, .time = now};
            check_offend(e, R(F_FO007), 1, NULL, &ev, "%s stays on its mapped member %s after "
                         "that member failed (it must be placed as if unmapped)",
                         vname__(e, (int)v), mname__(e, fv->mapped));
        }
    }
}

void check_fo007_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!e->have_events || !f->tx || f->src_vport < 0)
        return;
    int m = e->fodcb->v[f->src_vport].mapped;
    if (m < 0 || !e->ms[m].up || e->in->members[m].team != e->vs[f->src_vport].team)
        return;
    const struct check_mstate *ms = &e->ms[m];
    int tm = e->vs[f->src_vport].team;
    if (failback__(e, tm) == CHECK_FB_NONE)
        return; /* fo.failback=none: it stays where it failed over to */
    sim_time_t hd = holddown__(e, tm);
    if (f->p->ts - ms->up_at <= hd + e->in->opt.move_window)
        return;
    check_seen(e, R(F_FO007));
    int a = e->vs[f->src_vport].aff;
    if (a >= 0 && a != m) {
        char b[32], h[32];
        check_offend(e, R(F_FO007), 1, f, NULL, "%s is mapped to %s, up since %s, but is "
                     "still affinitized to %s after the hold-down of %s (%s) and the move "
                     "window (the mapping is kept for failback)", vname__(e, f->src_vport),
                     mname__(e, m), ms__(ms->up_at, b, sizeof b), mname__(e, a),
                     ms__(hd, h, sizeof h), knobs_src__(e, tm));
    }
}

/* ---- FO-008 ---- */

/* FO-008 TRACE/error [S]: with no member of a team up, the team transmits
 * nothing; drop(reason=team_down) happens only then; when the first member
 * recovers, every vPort placed before is affinitized to an up member by
 * the end of that instant. */
void check_fo008_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_fodcb *s = e->fodcb;
    if ((ev->kind == CHECK_EV_MEMBER_DOWN || ev->kind == CHECK_EV_MEMBER_REMOVED) &&
        ev->member >= 0 && ev->team >= 0 && e->ms[ev->member].up &&
        team_up__(e, ev->team) == 1) {
        s->t[ev->team].all_down = 1;
        check_seen(e, R(F_FO008));
    } else if (ev->kind == CHECK_EV_DROP && strcmp(ev->reason, "team_down") == 0 &&
               ev->team >= 0) {
        check_seen(e, R(F_FO008));
        int up = team_up__(e, ev->team);
        if (up)
            check_offend(e, R(F_FO008), 1, NULL, ev, "drop(team_down) by %s while %d of its "
                         "members are up", e->in->teams[ev->team].name, up);
    }
}

void check_fo008_instant(struct check_eng *e, sim_time_t now)
{
    struct check_fodcb *s = e->fodcb;
    for (size_t t = 0; t < e->in->nteams; t++) {
        struct fodcb_t *ft = &s->t[t];
        if (!ft->recover_check)
            continue;
        ft->recover_check = 0;
        for (size_t v = 0; v < e->in->nvports; v++) {
            const struct check_vstate *vs = &e->vs[v];
            if (vs->team != (int)t || !s->v[v].placed)
                continue;
            check_seen(e, R(F_FO008));
            if (vs->aff >= 0 && e->ms[vs->aff].up && e->in->members[vs->aff].team == (int)t)
                continue;
            struct check_event ev = {.time = now, .seq = s->v[v].aff_time == now
                                                             ? s->v[v].aff_seq
                                                             : ft->recover_seq};
            check_offend(e, R(F_FO008), 1, NULL, &ev, "%s is on %s after its team recovered "
                         "from a total outage (every vPort goes to the member that came back)",
                         vname__(e, (int)v), mname__(e, vs->aff));
        }
    }
}

void check_fo008_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->team < 0 || !e->fodcb->t[f->team].all_down ||
        f->pi.ethertype == PKT_ETH_P_MAC_CTRL)
        return;
    check_seen(e, R(F_FO008));
    check_offend(e, R(F_FO008), 1, f, NULL, "%s transmitted while no member of %s is up",
                 mname__(e, f->member), e->in->teams[f->team].name);
}

/* ---- FO-009 ---- */

/* A QP is its number at its peer's address: every RDMA device numbers its
 * QPs from the same first one, so a reconnection to another of the peer's
 * vNICs may well meet the number of an old QP. */
static uint64_t qp_key__(const struct check_frame *f)
{
    uint64_t a = 1469598103934665603ull;
    size_t n = f->pi.ip_version == 6 ? 16 : 4;
    for (size_t i = 0; i < n; i++)
        a = (a ^ f->pi.ip_dst[i]) * 1099511628211ull;
    return a << 24 | (f->pi.bth.dest_qp & 0xffffff);
}

static int has_qp__(const uint64_t *q, int n, uint64_t qp)
{
    for (int i = 0; i < n; i++)
        if (q[i] == qp)
            return 1;
    return 0;
}

/* The vNIC moved to member `to`: its QPs seen so far are the old ones. */
static void fo009_moved__(struct fodcb_v *v, int to)
{
    v->fo9_to = to;
    v->fo9_first_done = 0;
    memcpy(v->old, v->qps, sizeof v->old);
    v->nold = v->nqps;
    v->nqps = 0;
}

/* FO-009 TRACE/error [S]: an RDMA vNIC whose affinity moves to another
 * member while its QPs carry RoCE gets a qp_error(reason=failover) for its
 * device in that instant (fo.rdma=reconnect), and its first RoCE frame on
 * the new member is a CM MAD (destination QP 1) before any data.  [P]:
 * without events the move is where its RoCE first shows on another
 * member, and a data frame first is a warning.  Either way, a frame to a
 * QP used before the move (an old QP) on the new member is an error. */
void check_fo009_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || !f->is_roce || f->src_vport < 0 || f->member < 0 ||
        !e->in->vports[f->src_vport].rdma)
        return;
    struct fodcb_v *v = &e->fodcb->v[f->src_vport];
    uint32_t qp = f->pi.bth.dest_qp;
    uint64_t key = qp_key__(f);
    if (!e->have_events && v->qp_member >= 0 && v->qp_member != f->member && v->nqps)
        fo009_moved__(v, f->member);
    if (v->fo9_to == f->member) {
        if (!v->fo9_first_done) {
            v->fo9_first_done = 1;
            check_seen(e, R(F_FO009));
            if (qp != MAD_QP)
                check_offend(e, R(F_FO009), e->have_events, f, NULL, "first RoCE frame of %s "
                             "on %s after its move goes to QP 0x%06x, not a CM exchange (MAD "
                             "to QP 1): the connection was not re-established",
                             vname__(e, f->src_vport), mname__(e, f->member), qp);
        }
        if (qp != MAD_QP && has_qp__(v->old, v->nold, key)) {
            check_seen(e, R(F_FO009));
            check_offend(e, R(F_FO009), 1, f, NULL, "frame of %s's old QP 0x%06x on its new "
                         "member %s (QPs are torn down, not migrated)",
                         vname__(e, f->src_vport), qp, mname__(e, f->member));
        }
    }
    if (qp == MAD_QP)
        return;
    if (v->qp_member != f->member)
        v->nqps = 0;
    v->qp_member = f->member;
    if (!has_qp__(v->qps, v->nqps, key)) {
        if (v->nqps == QPS)
            memmove(v->qps, v->qps + 1, (QPS - 1) * sizeof v->qps[0]);
        else
            v->nqps++;
        v->qps[v->nqps - 1] = key;
    }
}

void check_fo009_event(struct check_eng *e, const struct check_event *ev)
{
    struct check_fodcb *s = e->fodcb;
    if (ev->vport < 0 || !e->in->vports[ev->vport].rdma)
        return;
    struct fodcb_v *v = &s->v[ev->vport];
    if (ev->kind == CHECK_EV_AFFINITY) {
        int from = e->vs[ev->vport].aff;
        if (ev->member < 0 || from < 0 || from == ev->member || !v->nqps)
            return;
        fo009_moved__(v, ev->member);
        v->fo9_need_err = 1;
        v->fo9_errs = 0;
        v->fo9_seq = ev->seq;
        v->fo9_at = ev->time;
        s->fo9_any = 1;
    } else if (ev->kind == CHECK_EV_QP_ERROR && strcmp(ev->reason, "failover") == 0) {
        v->fo9_errs++;
        /* Every QP of the device went to error: none carries RoCE until
         * frames show a new one (after a move FO-009 did not judge, e.g.
         * back from a whole-team outage, they would otherwise still count
         * as in flight at the next move). */
        if (v->nqps) {
            memcpy(v->old, v->qps, sizeof v->old);
            v->nold = v->nqps;
            v->nqps = 0;
        }
    }
}

void check_fo009_instant(struct check_eng *e, sim_time_t now)
{
    struct check_fodcb *s = e->fodcb;
    if (!s->fo9_any)
        return;
    s->fo9_any = 0;
    for (size_t i = 0; i < e->in->nvports; i++) {
        struct fodcb_v *v = &s->v[i];
        if (!v->fo9_need_err)
            continue;
        v->fo9_need_err = 0;
        check_seen(e, R(F_FO009));
        if (!v->fo9_errs) {
            struct check_event ev = {.seq = v->fo9_seq, .time = now};
            check_offend(e, R(F_FO009), 1, NULL, &ev, "%s moved to %s with RoCE in flight "
                         "but no qp_error(failover) for its QPs (fo.rdma=reconnect)",
                         vname__(e, (int)i), mname__(e, v->fo9_to));
        }
    }
}

/* ---- DCB ---- */

/* DCB-006 [P] (warn): per member, transmitted bits in aligned 10 ms
 * windows (ets.window_ms), frames counted with their FCS, preamble and
 * gap.  A window is judged when the link was saturated (>= 95 % of the
 * member's rate) and both classes (priority 3, "SMB"; the rest, the
 * default class) sent in each of its ten 1 ms slots: priority 3 below
 * 30 % - 5 or the default class below 70 % - 5 warns.  Backlog is not on
 * the wire (nor in the events), so a shortfall is never an error.  The
 * offence is reported at the member's first frame after the window. */
static void dcb006_judge__(struct check_eng *e, int m, struct fodcb_m *fm,
                           const struct check_frame *f)
{
    uint64_t rate = e->in->members[m].rate_bps;
    double total = (double)(fm->bits[0] + fm->bits[1]);
    double cap = (double)rate * (double)DCB006_WINDOW / (double)SIM_S;
    uint16_t full = (1u << DCB006_SLOTS) - 1;
    if (total < DCB006_SATURATED * cap || fm->slots[0] != full || fm->slots[1] != full)
        return;
    check_seen(e, R(F_DCB006));
    double smb = (double)fm->bits[1] / total, def = (double)fm->bits[0] / total;
    char b[32];
    if (smb < DCB006_SMB_MIN || def < DCB006_DEFAULT_MIN)
        check_offend(e, R(F_DCB006), 0, f, NULL, "%s's saturated window from %s: priority %d "
                     "got %.1f %%, the default class %.1f %% (ETS minimums 30 %% and 70 %%, "
                     "5 %% tolerance)", mname__(e, m), ms__(fm->win, b, sizeof b),
                     DCB006_SMB_PRIO, 100 * smb, 100 * def);
}

void check_dcb006_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !e->in->members[f->member].rate_bps)
        return;
    struct fodcb_m *fm = &e->fodcb->m[f->member];
    sim_time_t ts = f->p->ts;
    if (!fm->win_on || ts < fm->win || ts - fm->win >= DCB006_WINDOW) {
        if (fm->win_on)
            dcb006_judge__(e, f->member, fm, f);
        fm->win_on = 1;
        fm->win = ts - ts % DCB006_WINDOW;
        fm->bits[0] = fm->bits[1] = 0;
        fm->slots[0] = fm->slots[1] = 0;
    }
    int c = (f->pi.layers & PKT_HAS_VLAN) && f->pi.pcp == DCB006_SMB_PRIO;
    fm->bits[c] += 8ull * (f->p->wire_len + WIRE_OVERHEAD);
    fm->slots[c] |= (uint16_t)(1u << ((ts - fm->win) / (DCB006_WINDOW / DCB006_SLOTS)));
}

static int is_tcp_port__(const struct check_frame *f, uint16_t port)
{
    return f->parsed && (f->pi.layers & PKT_HAS_TCP) &&
           (f->pi.sport == port || f->pi.dport == port);
}

/* DCB-008 TRACE/info [P]: iWARP (TCP 5445) needs no DCB; its frames and
 * TCP retransmissions (a segment whose data lies wholly below the highest
 * sequence sent in its direction) are counted as metrics and are never
 * violations (DCB-004 only warns about untagged iWARP). */
void check_dcb008_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!is_tcp_port__(f, IWARP_PORT))
        return;
    struct check_fodcb *s = e->fodcb;
    check_seen(e, R(F_DCB008));
    s->iw_frames++;
    uint32_t len = f->pi.l5_len;
    if (!len)
        return;
    uint64_t k = 1469598103934665603ull;
    for (int i = 0; i < 4; i++)
        k = (k ^ f->pi.ip_src[i] ^ (uint64_t)f->pi.ip_dst[i] << 8) * 1099511628211ull;
    k = ((k ^ f->pi.sport) * 1099511628211ull ^ f->pi.dport) | 1;
    struct iw_flow *fl = &s->iw[(k >> 9) & (IW_FLOWS - 1)];
    uint32_t end = f->pi.tcp_seq + len;
    if (fl->key == k && (int32_t)(end - fl->next) <= 0) {
        s->iw_retx++;
        return;
    }
    fl->key = k; /* a new flow (or a colliding one: it restarts), or new data */
    fl->next = end;
}

void check_dcb008_end(struct check_eng *e, sim_time_t end)
{
    (void)end;
    struct check_fodcb *s = e->fodcb;
    if (s->iw_frames)
        snprintf(e->rep->v[R(F_DCB008)].reason, sizeof e->rep->v[0].reason,
                 "%llu iWARP frames, %llu TCP retransmissions: metrics, not violations",
                 (unsigned long long)s->iw_frames, (unsigned long long)s->iw_retx);
}

/* DCB-011 TRACE [P]: TCP port 445 frames are not required to carry PCP 3
 * (no check may flag them for it).  A NetDirect policy is not applied to
 * TCP: a TCP/445 frame a member sends tagged with the NetDirect priority
 * (the vNIC's RDMA priority, else 3) warns (another policy may have tagged
 * it, hence not an error). */
void check_dcb011_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !is_tcp_port__(f, SMB_TCP_PORT))
        return;
    check_seen(e, R(F_DCB011));
    int p = f->src_vport >= 0 && e->in->vports[f->src_vport].roce_pcp > 0
                ? e->in->vports[f->src_vport].roce_pcp
                : DCB006_SMB_PRIO;
    if ((f->pi.layers & PKT_HAS_VLAN) && f->pi.pcp == p)
        check_offend(e, R(F_DCB011), 0, f, NULL, "TCP port 445 frame from %s tagged with "
                     "priority %d, the NetDirect priority: a NetDirect policy applies to RDMA "
                     "only", f->src_vport >= 0 ? vname__(e, f->src_vport) : "a member", p);
}

/* ---- CFG ---- */

/* CFG-014 TRACE/warn [S]: a member up for more than idle_member_grace with
 * no vPort while another member of its team holds two or more.  The
 * counts come from the affinity rows; judged at the end of every instant
 * and at the end of the trace (then reported at that time). */
static void cfg014_judge__(struct check_eng *e, sim_time_t now)
{
    struct check_fodcb *s = e->fodcb;
    for (size_t m = 0; m < e->in->nmembers; m++) {
        struct fodcb_m *fm = &s->m[m];
        if (!fm->idle || fm->idle_warned || now - fm->idle_since <= e->in->opt.idle_member_grace)
            continue;
        fm->idle_warned = 1;
        char b[32];
        struct check_event ev = {.time = now};
        check_offend(e, R(F_CFG014), 0, NULL, &ev, "%s has been up without a vPort since %s "
                     "while another member of its team holds two or more (all members are "
                     "active in SET)", mname__(e, (int)m), ms__(fm->idle_since, b, sizeof b));
    }
}

void check_cfg014_instant(struct check_eng *e, sim_time_t now)
{
    const struct check_input *in = e->in;
    struct check_fodcb *s = e->fodcb;
    if (!e->have_events)
        return;
    for (size_t t = 0; t < in->nteams; t++) {
        if (!e->ts[t].dirty || team_up__(e, (int)t) < 2)
            continue;
        check_seen(e, R(F_CFG014));
        int most = 0;
        for (size_t m = 0; m < in->nmembers; m++)
            s->cnt[m] = 0;
        for (size_t v = 0; v < in->nvports; v++)
            if (e->vs[v].team == (int)t && e->vs[v].aff >= 0)
                s->cnt[e->vs[v].aff]++;
        for (size_t m = 0; m < in->nmembers; m++)
            if (in->members[m].team == (int)t && e->ms[m].up && s->cnt[m] > most)
                most = s->cnt[m];
        for (size_t m = 0; m < in->nmembers; m++) {
            if (in->members[m].team != (int)t)
                continue;
            int idle = e->ms[m].up && s->cnt[m] == 0 && most >= 2;
            if (idle && !s->m[m].idle)
                s->m[m].idle_since = now;
            if (!idle)
                s->m[m].idle_warned = 0;
            s->m[m].idle = idle;
        }
    }
    cfg014_judge__(e, now);
}

void check_cfg014_end(struct check_eng *e, sim_time_t end)
{
    if (e->have_events)
        cfg014_judge__(e, end);
}

/* CFG-016 TRACE/error [S]: no frame from a vPort of a switch after its
 * switch_removed (note), once the frames in flight have arrived (1 ms). */
void check_cfg016_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_SWITCH_REMOVED || ev->team < 0)
        return;
    check_seen(e, R(F_CFG016));
    for (size_t v = 0; v < e->in->nvports; v++)
        if (e->vs[v].team == ev->team) {
            e->fodcb->v[v].gone = 1;
            e->fodcb->v[v].gone_at = ev->time;
        }
}

void check_cfg016_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->src_vport < 0 || !e->fodcb->v[f->src_vport].gone)
        return;
    sim_time_t at = e->fodcb->v[f->src_vport].gone_at;
    if (f->p->ts <= at + CFG016_DRAIN)
        return;
    check_seen(e, R(F_CFG016));
    char b[32];
    check_offend(e, R(F_CFG016), 1, f, NULL, "frame from %s, whose switch was removed at %s",
                 vname__(e, f->src_vport), ms__(at, b, sizeof b));
}

/* CFG-021 TRACE/error [S]: an adapter_restart of an up team member is a
 * down/up transition: a member_down follows, then a member_up (a
 * member_up without the member_down, or a restart with neither by the
 * end of the trace, fails).  Which adapters a command restarts is the
 * PowerShell front end's (CFG-POST), not the trace's. */
void check_cfg021_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->member < 0)
        return;
    struct fodcb_m *fm = &e->fodcb->m[ev->member];
    switch (ev->kind) {
    case CHECK_EV_RESTART:
        if (e->in->members[ev->member].team < 0 || !e->ms[ev->member].up)
            return;
        check_seen(e, R(F_CFG021));
        fm->rs_pending = 1;
        fm->rs_down = 0;
        fm->rs_at = ev->time;
        fm->rs_seq = ev->seq;
        break;
    case CHECK_EV_MEMBER_DOWN:
    case CHECK_EV_MEMBER_REMOVED:
        if (fm->rs_pending)
            fm->rs_down = 1;
        break;
    case CHECK_EV_MEMBER_UP:
        if (fm->rs_pending && !fm->rs_down)
            check_offend(e, R(F_CFG021), 1, NULL, ev, "member_up of %s after its "
                         "adapter_restart (row %llu) without a member_down: a restart is a "
                         "down/up transition", mname__(e, ev->member),
                         (unsigned long long)fm->rs_seq);
        fm->rs_pending = 0;
        break;
    default:
        break;
    }
}

void check_cfg021_end(struct check_eng *e, sim_time_t end)
{
    (void)end;
    for (size_t m = 0; m < e->in->nmembers; m++) {
        const struct fodcb_m *fm = &e->fodcb->m[m];
        if (!fm->rs_pending || fm->rs_down)
            continue;
        struct check_event ev = {.seq = fm->rs_seq, .time = fm->rs_at};
        check_offend(e, R(F_CFG021), 1, NULL, &ev, "adapter_restart of %s with no member_down "
                     "after it", mname__(e, (int)m));
    }
}

/* CFG-025 TRACE/error [S]: RSC is off under a vSwitch: no receive
 * indication to a vPort longer than one frame.  Checked on the rx_deliver
 * rows the trace has (setsim writes them for flooded deliveries); not
 * observable in a capture. */
void check_cfg025_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_RX_DELIVER)
        return;
    check_seen(e, R(F_CFG025));
    if (ev->value > CFG025_MAX_FRAME)
        check_offend(e, R(F_CFG025), 1, NULL, ev, "rx_deliver of %lld octets to %s: longer "
                     "than one frame, a coalesced (RSC) receive indication",
                     (long long)ev->value, vname__(e, ev->vport));
}

static int qos_of__(const char *reason)
{
    if (strcmp(reason, "ok") == 0)
        return CHECK_QOS_OK;
    if (strncmp(reason, "blocked(disabled", 16) == 0)
        return CHECK_QOS_DISABLED;
    if (strncmp(reason, "blocked(feature", 15) == 0)
        return CHECK_QOS_FEATURE;
    if (strncmp(reason, "blocked(debugger", 16) == 0)
        return CHECK_QOS_DEBUGGER;
    if (strncmp(reason, "blocked(willing", 15) == 0)
        return CHECK_QOS_WILLING;
    return CHECK_QOS_OTHER;
}

static const char *const qos_names[] = {"unknown", "ok", "disabled", "feature", "debugger",
                                        "willing", "blocked"};

/* A RoCE frame an RDMA vNIC sends on a member (CFG-030, CFG-034). */
static int rdma_tx__(const struct check_frame *f, const struct check_eng *e)
{
    return f->tx && f->is_roce && f->member >= 0 && f->src_vport >= 0 &&
           e->in->vports[f->src_vport].rdma;
}

/* CFG-030 TRACE/error [P]: RoCE only while DCB's preconditions hold on its
 * member: the Data-Center-Bridging feature installed (no
 * qos_programmed blocked(feature)), a NetDirect policy giving the vNIC's
 * RDMA traffic a priority, PFC enabled on that priority (the frame's PCP
 * when tagged; untagged RoCE is DCB-004's).  A member whose NetAdapterQos
 * is not enabled is CFG-034's.  This hook keeps each member's QoS state
 * from the qos_programmed rows (CFG-034, CFG-035 read it). */
void check_cfg030_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind == CHECK_EV_QOS && ev->member >= 0)
        e->fodcb->m[ev->member].qos = qos_of__(ev->reason);
}

void check_cfg030_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!rdma_tx__(f, e))
        return;
    const struct check_member *m = &e->in->members[f->member];
    const struct check_vport *p = &e->in->vports[f->src_vport];
    int q = e->fodcb->m[f->member].qos;
    check_seen(e, R(F_CFG030));
    if (q == CHECK_QOS_FEATURE) {
        check_offend(e, R(F_CFG030), 1, f, NULL, "RoCE from %s on %s, whose host has no "
                     "Data-Center-Bridging feature", p->name, m->name);
        return;
    }
    if (p->roce_pcp < 0) {
        check_offend(e, R(F_CFG030), 1, f, NULL, "RoCE from %s, but no NetDirect policy gives "
                     "its RDMA traffic a priority", p->name);
        return;
    }
    int qos_on = q == CHECK_QOS_OK || (q == CHECK_QOS_UNKNOWN && !e->have_events);
    if (!qos_on || !m->pfc_known || !(f->pi.layers & PKT_HAS_VLAN))
        return;
    if (!(m->pfc_mask & (1u << f->pi.pcp)))
        check_offend(e, R(F_CFG030), 1, f, NULL, "RoCE from %s at priority %u on %s, where PFC "
                     "is not enabled for it (PFC priorities 0x%02x)", p->name, f->pi.pcp,
                     m->name, m->pfc_mask);
}

/* CFG-034 TRACE/error [P]: no RoCE frame on a member whose NetAdapterQos is
 * not enabled: with events, a member without a qos_programmed row (never
 * enabled) or with blocked(disabled); with a mapping, `qos: disabled`. */
void check_cfg034_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!rdma_tx__(f, e))
        return;
    int q = e->fodcb->m[f->member].qos;
    if (q == CHECK_QOS_UNKNOWN && !e->have_events)
        return;
    check_seen(e, R(F_CFG034));
    if (q == CHECK_QOS_UNKNOWN || q == CHECK_QOS_DISABLED)
        check_offend(e, R(F_CFG034), 1, f, NULL, "RoCE from %s on %s, whose NetAdapterQos is "
                     "not enabled (%s): no PFC there, not lossless",
                     vname__(e, f->src_vport), mname__(e, f->member),
                     q == CHECK_QOS_UNKNOWN ? "no qos_programmed row" : "blocked(disabled)");
}

/* CFG-035 TRACE/error [S/P]: while a member's QoS is blocked by a kernel
 * debugger or by DCBX willing mode, the host emits no PFC there.  Whether
 * it honours received PFC needs its backlog, which is not traced: not
 * checked. */
void check_cfg035_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !(f->pi.layers & PKT_HAS_PFC))
        return;
    int q = e->fodcb->m[f->member].qos;
    if (q == CHECK_QOS_UNKNOWN)
        return;
    check_seen(e, R(F_CFG035));
    if (q == CHECK_QOS_DEBUGGER || q == CHECK_QOS_WILLING)
        check_offend(e, R(F_CFG035), 1, f, NULL, "%s sent PFC while its QoS is blocked(%s)",
                     mname__(e, f->member), qos_names[q]);
}
