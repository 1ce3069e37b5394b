/* check: the checker's engine (see check.h): opens the captures, merges
 * their frames by timestamp with the event rows, classifies each frame
 * (member, direction, owning vPort) and hands it to every rule of the
 * table (check_rules.c).
 *
 * Order of processing at one instant: event rows at time t are applied
 * before frames stamped t (a frame captured at the instant a member goes
 * down is still allowed: FO-001 judges frames strictly after), and the
 * end-of-instant checks (HVP-001, FO-002) run once every row of an instant
 * has been applied.
 *
 * Memory: the readers' buffers, the per-member/vPort/team state of the
 * input's size and a flow table of CHECK_FLOWS entries: nothing grows with
 * the capture. */
#include "check.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "check_int.h"
#include "pkt.h"

/* Flow table entries (DYN-003): 64 Ki flows of 24 bytes; a colliding flow
 * evicts the older one, which can only hide a move, never invent one. */
#define CHECK_FLOWS (1u << 16)
/* MAC and IPv4 lookup tables: open addressing, power of two. */
#define LOOKUP_MIN 64

/* ---- input ---- */

struct check_input *check_input_new(void)
{
    struct check_input *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->opt.flowlet_gap = 500 * SIM_US;  /* DYN-003 dyn.flowlet_gap_us */
    in->opt.learn_grace = 50 * SIM_MS;   /* HVP-007 learn_grace_ms */
    in->opt.move_window = 100 * SIM_MS;  /* HVP-009 move_window_ms */
    in->opt.link_gap = 100 * SIM_MS;     /* HVP-009 validate.link_gap_ms (model choice) */
    in->opt.pfc_react = 1000 * SIM_NS;   /* DCB-002 pfc.react_ns */
    in->opt.detect = 0;                  /* FO-001 fo.detect_ms */
    in->opt.failback_holddown = SIM_S;   /* FO-006 fo.failback_holddown_ms */
    in->opt.idle_member_grace = 60 * SIM_S; /* CFG-014 validate.idle_member_grace_s */
    return in;
}

void check_input_free(struct check_input *in) { free(in); }

int check_input_team(const struct check_input *in, const char *name)
{
    for (size_t i = 0; i < in->nteams; i++)
        if (strcmp(in->teams[i].name, name) == 0)
            return (int)i;
    return -1;
}

int check_input_member(const struct check_input *in, const char *name)
{
    for (size_t i = 0; i < in->nmembers; i++)
        if (strcmp(in->members[i].name, name) == 0)
            return (int)i;
    return -1;
}

int check_input_vport(const struct check_input *in, const char *name)
{
    for (size_t i = 0; i < in->nvports; i++)
        if (strcmp(in->vports[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- lookups ---- */

struct lookup {
    uint64_t *key;  /* key + 1; 0 empty */
    int *val;
    size_t mask;
};

static int lookup_init__(struct lookup *l, size_t n)
{
    size_t cap = LOOKUP_MIN;
    while (cap < 2 * n + 2)
        cap *= 2;
    l->key = calloc(cap, sizeof *l->key);
    l->val = calloc(cap, sizeof *l->val);
    l->mask = cap - 1;
    return l->key && l->val ? 0 : -ENOMEM;
}

static void lookup_free__(struct lookup *l)
{
    free(l->key);
    free(l->val);
}

static inline size_t hash64__(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

/* Inserts k -> v unless k is there already. */
static void lookup_put__(struct lookup *l, uint64_t k, int v)
{
    size_t i = hash64__(k) & l->mask;
    while (l->key[i]) {
        if (l->key[i] == k + 1)
            return;
        i = (i + 1) & l->mask;
    }
    l->key[i] = k + 1;
    l->val[i] = v;
}

static inline int lookup_get__(const struct lookup *l, uint64_t k)
{
    size_t i = hash64__(k) & l->mask;
    while (l->key[i]) {
        if (l->key[i] == k + 1)
            return l->val[i];
        i = (i + 1) & l->mask;
    }
    return -1;
}

const char *check_mac_str(const uint8_t m[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

/* ---- rules, verdicts ---- */

size_t check_rule_count(void) { return check_nrules; }
const struct check_rule *check_rule_at(size_t i)
{
    return i < check_nrules ? &check_rules[i].pub : NULL;
}

int check_rule_index(const char *id)
{
    for (size_t i = 0; i < check_nrules; i++)
        if (strcmp(check_rules[i].pub.id, id) == 0)
            return (int)i;
    return -1;
}

const char *check_needs_text(unsigned needs, char *buf, size_t len)
{
    buf[0] = 0;
    const char *names[3] = {"wire", "inferred", "events"};
    size_t n = 0;
    for (int i = 0; i < 3; i++)
        if (needs & (1u << i))
            n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "+" : "",
                                  names[i]);
    return buf;
}

const char *check_status_name(enum check_status s)
{
    static const char *const names[] = {"pass", "fail", "warn", "na"};
    return (unsigned)s < 4 ? names[s] : "?";
}

void check_offend(struct check_eng *e, int r, int err, const struct check_frame *f,
                  const struct check_event *ev, const char *fmt, ...)
{
    struct check_verdict *v = &e->rep->v[r];
    v->violations++;
    uint8_t sev = err ? 2 : 1;
    if (e->worst[r] >= sev)
        return;
    e->worst[r] = sev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->capture[0] = v->ifname[0] = 0;
    v->frame = v->event_seq = 0;
    if (f) {
        /* The file's name: a run's staging directory is renamed later. */
        const char *base = strrchr(f->file, '/');
        snprintf(v->capture, sizeof v->capture, "%s", base ? base + 1 : f->file);
        snprintf(v->ifname, sizeof v->ifname, "%s", f->ifname);
        v->frame = f->p->frame;
        v->time = f->p->ts;
    } else if (ev) {
        v->event_seq = ev->seq;
        v->time = ev->time;
    }
}

int check_affinity(struct check_eng *e, int v, int *inferred)
{
    const struct check_vstate *s = &e->vs[v];
    if (e->have_events && s->aff >= 0) {
        *inferred = 0;
        return s->aff;
    }
    *inferred = 1;
    return s->inferred;
}

int check_in_change_window(struct check_eng *e, int t, int v, sim_time_t now, sim_time_t window)
{
    sim_time_t last = 0;
    int any = 0;
    if (t >= 0 && e->ts[t].last_change) {
        last = e->ts[t].last_change;
        any = 1;
    }
    if (v >= 0 && e->vs[v].aff_changed && e->vs[v].aff_changed > last) {
        last = e->vs[v].aff_changed;
        any = 1;
    }
    return any && now >= last && now - last <= window;
}

/* ---- event rows ---- */

/* Members named `nic` on a team named `team` or of vPort v's team.  The
 * trace names NICs and teams "host/name"; traces of older runs name them
 * without their host, and then a name can match members of several hosts:
 * each match gets the event. */
static int match_member__(const struct check_input *in, const char *nic, const char *team,
                          int vport, int team_of_vport, int *out, int max)
{
    int n = 0;
    if (!nic)
        return 0;
    size_t nl = strlen(nic);
    for (size_t i = 0; i < in->nmembers && n < max; i++) {
        const struct check_member *m = &in->members[i];
        size_t ml = strlen(m->name);
        /* The trace names a NIC per host ("hv1/SLOT 2"): an exact match;
         * a bare "SLOT 2" (older traces) matches every host's. */
        if (ml < nl || strcmp(m->name + ml - nl, nic) != 0 ||
            (ml > nl && m->name[ml - nl - 1] != '/'))
            continue;
        if (vport >= 0) {
            if (m->team != team_of_vport)
                continue;
        } else if (team && m->team >= 0) {
            const char *tn = in->teams[m->team].name;
            size_t tl = strlen(tn), ql = strlen(team);
            if (tl < ql || strcmp(tn + tl - ql, team) != 0 || (tl > ql && tn[tl - ql - 1] != '/'))
                continue;
        }
        out[n++] = (int)i;
    }
    return n;
}

static int match_team__(const struct check_input *in, const char *team, int *out, int max)
{
    int n = 0;
    if (!team)
        return 0;
    size_t ql = strlen(team);
    for (size_t i = 0; i < in->nteams && n < max; i++) {
        const char *tn = in->teams[i].name;
        size_t tl = strlen(tn);
        if (tl >= ql && strcmp(tn + tl - ql, team) == 0 && (tl == ql || tn[tl - ql - 1] == '/'))
            out[n++] = (int)i;
    }
    return n;
}

static void dispatch_event__(struct check_eng *e, const struct check_event *ev)
{
    for (size_t r = 0; r < check_nrules; r++)
        if (check_rules[r].on_event)
            check_rules[r].on_event(e, ev);
}

static void end_instant__(struct check_eng *e, sim_time_t now)
{
    for (size_t r = 0; r < check_nrules; r++)
        if (check_rules[r].on_instant)
            check_rules[r].on_instant(e, now);
    for (size_t t = 0; t < e->in->nteams; t++)
        e->ts[t].dirty = 0;
}

/* Applies the state change of an event to the engine (after the rules saw
 * the state before it). */
static void apply_event__(struct check_eng *e, struct check_event *ev)
{
    const struct check_input *in = e->in;
    struct check_mstate *ms = ev->member >= 0 ? &e->ms[ev->member] : NULL;
    int t = ev->team;
    switch (ev->kind) {
    case CHECK_EV_MEMBER_UP:
        if (ms) {
            ms->up = 1;
            ms->removed = 0;
            ms->up_at = ev->time;
        }
        break;
    case CHECK_EV_MEMBER_ADDED:
        if (ms) {
            ms->removed = 0;
            if (t >= 0 && !ms->in_team)
                e->ts[t].nmembers++;
            ms->in_team = 1;
        }
        break;
    case CHECK_EV_MEMBER_DOWN:
    case CHECK_EV_MEMBER_REMOVED:
        if (ms) {
            if (ms->up || ev->kind == CHECK_EV_MEMBER_REMOVED)
                ms->down_at = ev->time;
            ms->up = 0;
            if (ev->kind == CHECK_EV_MEMBER_REMOVED) {
                ms->removed = 1;
                if (t >= 0 && ms->in_team && e->ts[t].nmembers > 0)
                    e->ts[t].nmembers--;
                ms->in_team = 0;
            }
            /* FO-002: vPorts on it await a failover affinity. */
            for (size_t v = 0; v < in->nvports; v++) {
                if (e->vs[v].aff == ev->member && !e->vs[v].fo_pending) {
                    e->vs[v].fo_pending = 1;
                    e->vs[v].fo_deadline = ev->time + in->opt.detect;
                    e->vs[v].fo_seq = ev->seq;
                }
            }
        }
        break;
    case CHECK_EV_AFFINITY:
        if (ev->vport >= 0) {
            struct check_vstate *vs = &e->vs[ev->vport];
            if (vs->aff != ev->member) {
                vs->prev_aff = vs->aff;
                if (strcmp(ev->reason, "initial") != 0 || vs->aff >= 0)
                    vs->aff_changed = ev->time;
            }
            vs->aff = ev->member;
            /* FO-002 is satisfied by an affinity on an up member only. */
            if (ev->member < 0 || e->ms[ev->member].up)
                vs->fo_pending = 0;
        }
        break;
    case CHECK_EV_LB_MODE:
        if (t >= 0) {
            enum check_mode was = e->ts[t].mode;
            if (strcmp(ev->detail, "Dynamic") == 0)
                e->ts[t].mode = CHECK_MODE_DYNAMIC;
            else if (strcmp(ev->detail, "HyperVPort") == 0)
                e->ts[t].mode = CHECK_MODE_HYPERV_PORT;
            /* Frames the old mode queued still drain (CFG-011). */
            if (e->ts[t].mode != was && ev->time > 0)
                e->ts[t].mode_changed = ev->time;
        }
        break;
    default:
        break;
    }
    if (t >= 0) {
        e->ts[t].dirty = 1;
        /* Every change but the first placement of a vPort opens a window in
         * which MACs may move and queued frames drain (HVP-009). */
        if (ev->kind != CHECK_EV_FLOW_MOVE && ev->kind != CHECK_EV_DROP && ev->time > 0)
            e->ts[t].last_change = ev->time;
    }
}

struct ev_cursor {
    sqlite3_stmt *st;
    int done;
    struct check_event ev;   /* the row read ahead */
    const char *obj, *obj2;
    char reason[64], detail[256], obj_b[CHECK_NAME_MAX], obj2_b[CHECK_NAME_MAX];
};

static const char *const ev_names[] = {
    [CHECK_EV_MEMBER_UP] = "member_up",     [CHECK_EV_MEMBER_DOWN] = "member_down",
    [CHECK_EV_MEMBER_ADDED] = "member_added", [CHECK_EV_MEMBER_REMOVED] = "member_removed",
    [CHECK_EV_AFFINITY] = "affinity_set",   [CHECK_EV_MAPPING] = "team_mapping_set",
    [CHECK_EV_LB_MODE] = "lb_mode_set",     [CHECK_EV_FLOW_MOVE] = "flow_move",
    [CHECK_EV_DROP] = "drop",
    [CHECK_EV_MIGRATED] = "note", [CHECK_EV_QOS] = "qos_programmed",
    [CHECK_EV_RESTART] = "adapter_restart", [CHECK_EV_QP_ERROR] = "qp_error",
    [CHECK_EV_RX_DELIVER] = "rx_deliver", [CHECK_EV_FLOW_PLACE] = "flow_place",
    [CHECK_EV_MAC_LEARN] = "mac_learn", [CHECK_EV_MAC_MOVE] = "mac_move",
    [CHECK_EV_MAC_AGE] = "mac_age",
};

static int cursor_step__(struct ev_cursor *c)
{
    if (!c->st || c->done)
        return 0;
    int rc = sqlite3_step(c->st);
    if (rc != SQLITE_ROW) {
        c->done = 1;
        return rc == SQLITE_DONE ? 0 : -EIO;
    }
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.seq = (uint64_t)sqlite3_column_int64(c->st, 0);
    c->ev.time = (sim_time_t)sqlite3_column_int64(c->st, 1);
    const char *k = (const char *)sqlite3_column_text(c->st, 2);
    for (int i = 1; i < (int)(sizeof ev_names / sizeof ev_names[0]); i++)
        if (k && ev_names[i] && strcmp(k, ev_names[i]) == 0)
            c->ev.kind = (enum check_ev)i;
    const char *o1 = (const char *)sqlite3_column_text(c->st, 3);
    const char *o2 = (const char *)sqlite3_column_text(c->st, 4);
    snprintf(c->obj_b, sizeof c->obj_b, "%s", o1 ? o1 : "");
    snprintf(c->obj2_b, sizeof c->obj2_b, "%s", o2 ? o2 : "");
    c->obj = o1 ? c->obj_b : NULL;
    c->obj2 = o2 ? c->obj2_b : NULL;
    c->ev.prio = sqlite3_column_type(c->st, 5) == SQLITE_NULL ? -1
                                                              : sqlite3_column_int(c->st, 5);
    c->ev.value = sqlite3_column_int64(c->st, 6);
    const char *rs = (const char *)sqlite3_column_text(c->st, 7);
    const char *dt = (const char *)sqlite3_column_text(c->st, 8);
    snprintf(c->reason, sizeof c->reason, "%s", rs ? rs : "");
    snprintf(c->detail, sizeof c->detail, "%s", dt ? dt : "");
    c->ev.reason = c->reason;
    c->ev.detail = c->detail;
    if (c->ev.kind == CHECK_EV_MIGRATED && strcmp(c->detail, "switch_removed") == 0)
        c->ev.kind = CHECK_EV_SWITCH_REMOVED; /* CFG-016 */
    c->ev.flow = (uint64_t)sqlite3_column_int64(c->st, 9);
    c->ev.has_aux = sqlite3_column_type(c->st, 10) != SQLITE_NULL;
    c->ev.aux = sqlite3_column_int64(c->st, 10);
    return 1;
}

static int cursor_open__(struct ev_cursor *c, sqlite3 *db, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!db) {
        c->done = 1;
        return 0;
    }
    const char *sql =
        "SELECT e.seq, e.time_ps, k.name, o1.name, o2.name, e.prio, e.value, e.reason, "
        "e.detail, e.flow, e.aux FROM events e JOIN event_kinds k ON k.id = e.kind "
        "LEFT JOIN objects o1 ON o1.id = e.obj LEFT JOIN objects o2 ON o2.id = e.obj2 "
        "WHERE k.name IN ('member_up','member_down','member_added','member_removed',"
        "'affinity_set','team_mapping_set','lb_mode_set','flow_move','drop','qos_programmed',"
        "'rx_deliver','flow_place') "
        "OR k.name IN ('adapter_restart','qp_error','mac_learn','mac_move','mac_age') "
        "OR (k.name = 'note' AND e.detail = 'switch_removed') "
        "OR (k.name = 'note' AND e.detail LIKE 'vm_migrated %') "
        "OR (k.name = 'note' AND e.detail LIKE 'vm_departed %') "
        "ORDER BY e.seq";
    if (sqlite3_prepare_v2(db, sql, -1, &c->st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "run.sqlite: cannot read the events: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    return cursor_step__(c) < 0 ? -EIO : 0;
}

static int vport_by_name__(struct check_eng *e, const char *name)
{
    for (int i = 0; i < e->nalias; i++)
        if (strcmp(e->alias[i].name, name) == 0)
            return e->alias[i].v;
    return check_input_vport(e->in, name);
}

/* A VM's vNIC moved to another host's switch (note "vm_migrated VM from H
 * to H2/SWITCH", obj the new vPort, obj2 the old one): the vPort keeps its
 * MAC and joins the new team; both teams see an affinity change. */
static void migrated__(struct check_eng *e, struct ev_cursor *c, struct check_event *ev)
{
    int v = c->obj2 ? vport_by_name__(e, c->obj2) : -1;
    const char *to = strstr(c->detail, " to ");
    if (v < 0 || !to)
        return;
    int t = check_input_team(e->in, to + 4);
    if (c->obj && e->nalias < (int)(sizeof e->alias / sizeof e->alias[0])) {
        snprintf(e->alias[e->nalias].name, CHECK_NAME_MAX, "%s", c->obj);
        e->alias[e->nalias++].v = v;
    }
    struct check_vstate *vs = &e->vs[v];
    if (vs->team >= 0)
        e->ts[vs->team].last_change = ev->time;
    if (t >= 0)
        e->ts[t].last_change = ev->time;
    vs->team = t;
    vs->prev_aff = vs->aff;
    vs->aff = -1;
    vs->aff_changed = ev->time;
    /* FO-004: a failure of the old team no longer moves it. */
    vs->fo4_watch = 0;
    vs->fo4_moves = 0;
    /* Its affinity on the new host, traced just before this note. */
    for (int i = e->nearly_aff - 1; c->obj && i >= 0; i--)
        if (strcmp(e->early_aff[i].name, c->obj) == 0) {
            vs->aff = e->early_aff[i].member;
            break;
        }
}

/* A VM's vNIC left its host's switch for a live migration (note
 * "vm_departed VM from H", obj its vPort): until the vm_migrated note it
 * is in no team and on no member, so no failure moves it (FO-002, FO-004)
 * and no placement rule judges it. */
static void departed__(struct check_eng *e, struct ev_cursor *c, struct check_event *ev)
{
    int v = c->obj ? vport_by_name__(e, c->obj) : -1;
    if (v < 0)
        return;
    struct check_vstate *vs = &e->vs[v];
    if (vs->team >= 0)
        e->ts[vs->team].last_change = ev->time;
    vs->team = -1;
    vs->prev_aff = vs->aff;
    vs->aff = -1;
    vs->aff_changed = ev->time;
    vs->fo_pending = 0;
    vs->fo4_watch = 0;
    vs->fo4_moves = 0;
}

/* Resolves and applies the read-ahead row (one per matching member). */
static void run_event__(struct check_eng *e, struct ev_cursor *c)
{
    struct check_event ev = c->ev;
    ev.member = ev.team = ev.vport = -1;
    int ms[16], nm = 0, tm[16], nt = 0;
    switch (ev.kind) {
    case CHECK_EV_MEMBER_UP:
    case CHECK_EV_MEMBER_DOWN:
    case CHECK_EV_MEMBER_ADDED:
    case CHECK_EV_MEMBER_REMOVED:
    case CHECK_EV_RESTART:
        nm = match_member__(e->in, c->obj, c->obj2, -1, -1, ms, 16);
        break;
    case CHECK_EV_QP_ERROR: {
        /* The RDMA device of a vNIC is named "<vport>/rdma" (FO-009). */
        char vn[CHECK_NAME_MAX];
        snprintf(vn, sizeof vn, "%s", c->obj ? c->obj : "");
        char *sl = strrchr(vn, '/');
        if (sl && strcmp(sl, "/rdma") == 0)
            *sl = 0;
        ev.vport = vport_by_name__(e, vn);
        ev.team = ev.vport >= 0 ? e->vs[ev.vport].team : -1;
        dispatch_event__(e, &ev);
        return;
    }
    case CHECK_EV_SWITCH_REMOVED:
        nt = match_team__(e->in, c->obj, tm, 1);
        ev.team = nt ? tm[0] : -1;
        ev.vport = c->obj ? vport_by_name__(e, c->obj) : -1;
        dispatch_event__(e, &ev);
        return;
    case CHECK_EV_QOS:
        nm = match_member__(e->in, c->obj, NULL, -1, -1, ms, 16);
        for (int i = 0; i < nm; i++) {
            ev.member = ms[i];
            dispatch_event__(e, &ev);
        }
        return;
    case CHECK_EV_AFFINITY:
    case CHECK_EV_MAPPING:
        ev.vport = c->obj ? vport_by_name__(e, c->obj) : -1;
        if (ev.vport < 0) {
            if (ev.kind == CHECK_EV_AFFINITY && c->obj &&
                match_member__(e->in, c->obj2, NULL, -1, -1, ms, 1) == 1) {
                if (e->nearly_aff == 8) { /* keep the last 8 */
                    memmove(&e->early_aff[0], &e->early_aff[1], 7 * sizeof e->early_aff[0]);
                    e->nearly_aff = 7;
                }
                int i = e->nearly_aff++;
                snprintf(e->early_aff[i].name, CHECK_NAME_MAX, "%s", c->obj);
                e->early_aff[i].member = ms[0];
                e->early_aff[i].time = ev.time;
            }
            return;
        }
        ev.team = e->vs[ev.vport].team;
        nm = match_member__(e->in, c->obj2, NULL, ev.vport, ev.team, ms, 1);
        if (nm == 0) {
            ms[0] = -1; /* no member: team down */
            nm = 1;
        }
        break;
    case CHECK_EV_LB_MODE:
        nt = match_team__(e->in, c->obj, tm, 16);
        for (int i = 0; i < nt; i++) {
            ev.team = tm[i];
            dispatch_event__(e, &ev);
            apply_event__(e, &ev);
        }
        return;
    case CHECK_EV_FLOW_MOVE:
    case CHECK_EV_DROP:
        nt = match_team__(e->in, c->obj, tm, 1); /* a team's drops (FO-008) */
        ev.team = nt ? tm[0] : -1;
        dispatch_event__(e, &ev);
        return;
    case CHECK_EV_MIGRATED:
        if (strncmp(c->detail, "vm_departed ", 12) == 0)
            departed__(e, c, &ev);
        else
            migrated__(e, c, &ev);
        return;
    case CHECK_EV_FLOW_PLACE:
        /* DYN-002/DYN-011 [S]: obj the member. */
        if (match_member__(e->in, c->obj, NULL, -1, -1, ms, 1) == 1) {
            ev.member = ms[0];
            ev.team = e->in->members[ms[0]].team;
            dispatch_event__(e, &ev);
        }
        return;
    case CHECK_EV_MAC_LEARN:
    case CHECK_EV_MAC_MOVE:
    case CHECK_EV_MAC_AGE: {
        /* HVP-007: obj the switch port ("tor1/3"), value the MAC. */
        const char *sl = c->obj ? strrchr(c->obj, '/') : NULL;
        if (sl)
            check_switch_mac(e, check_sw_hash(c->obj, (size_t)(sl - c->obj)),
                             (uint64_t)ev.value, ev.kind != CHECK_EV_MAC_AGE);
        return;
    }
    case CHECK_EV_RX_DELIVER:
        /* HVP-008: obj the vPort, obj2 the member the copy came in on. */
        ev.vport = c->obj ? vport_by_name__(e, c->obj) : -1;
        if (ev.vport < 0)
            return;
        ev.team = e->vs[ev.vport].team;
        if (match_member__(e->in, c->obj2, NULL, ev.vport, ev.team, ms, 1) == 1)
            ev.member = ms[0];
        dispatch_event__(e, &ev);
        return;
    default:
        return;
    }
    for (int i = 0; i < nm; i++) {
        ev.member = ms[i];
        if (ev.kind != CHECK_EV_AFFINITY && ev.kind != CHECK_EV_MAPPING)
            ev.team = ms[i] >= 0 ? e->in->members[ms[i]].team : -1;
        dispatch_event__(e, &ev);
        apply_event__(e, &ev);
    }
}

/* Mapping-file link events become member up/down rows. */
static void link_event__(struct check_eng *e, const struct check_link_event *l)
{
    struct check_event ev = {.time = l->time,
                             .kind = l->up ? CHECK_EV_MEMBER_UP : CHECK_EV_MEMBER_DOWN,
                             .member = l->member,
                             .team = l->member >= 0 ? e->in->members[l->member].team : -1,
                             .vport = -1, .prio = -1, .reason = "", .detail = ""};
    dispatch_event__(e, &ev);
    apply_event__(e, &ev);
}

/* ---- frames ---- */

struct src {
    struct capread *r;
    struct capread_pkt p;
    int have;           /* p holds the next packet */
    int *ifmap;         /* interface -> capture entry (-1 none, -2 unresolved) */
    size_t nifmap;
    char path[1024];
};

static int resolve_if__(const struct check_input *in, const char *path, const char *ifname)
{
    int any = -1;
    for (size_t i = 0; i < in->ncaptures; i++) {
        const struct check_capture *c = &in->captures[i];
        if (strcmp(c->path, path) != 0)
            continue;
        if (c->ifname[0] && strcmp(c->ifname, ifname) == 0)
            return (int)i;
        if (!c->ifname[0] && any < 0)
            any = (int)i;
    }
    return any;
}

static int src_cap__(const struct check_input *in, struct src *s, uint32_t ifid)
{
    if (ifid >= s->nifmap) {
        size_t n = s->nifmap ? s->nifmap : 8;
        while (n <= ifid)
            n *= 2;
        int *m = realloc(s->ifmap, n * sizeof *m);
        if (!m)
            return -1;
        for (size_t i = s->nifmap; i < n; i++)
            m[i] = -2;
        s->ifmap = m;
        s->nifmap = n;
    }
    if (s->ifmap[ifid] == -2)
        s->ifmap[ifid] = resolve_if__(in, s->path, capread_if_name(s->r, ifid));
    return s->ifmap[ifid];
}

struct ctx {
    struct check_eng e;
    struct lookup macs;  /* MAC -> vport (v) or member (-(m + 2)) */
    struct lookup ips;   /* IPv4 -> vport */
};

/* Window in which the switch's flood of a multicast frame reaches the
 * team's other members (store and forward plus queueing). */
#define FLOOD_ECHO_WINDOW (1 * SIM_MS)

static int flood_echo__(struct check_eng *e, const struct check_frame *f)
{
    const struct capread_pkt *p = f->p;
    uint64_t k = 1469598103934665603ull ^ p->wire_len;
    size_t n = p->caplen < 64 ? p->caplen : 64;
    for (size_t i = 0; i < n; i++)
        k = (k ^ p->data[i]) * 1099511628211ull;
    k |= 1;
    struct check_echo *c = &e->echo[check_mix64(k) & 255];
    if (c->key == k && c->member != f->member && p->ts >= c->ts &&
        p->ts - c->ts <= FLOOD_ECHO_WINDOW)
        return 1;
    c->key = k;
    c->ts = p->ts;
    c->member = f->member;
    return 0;
}

static void classify__(struct ctx *x, struct check_frame *f)
{
    const struct check_input *in = x->e.in;
    const struct capread_pkt *p = f->p;
    f->src_vport = f->dst_vport = f->src_member = f->dst_member = f->owner = -1;
    f->is_arp_ns = f->is_roce = 0;
    f->tx = 0;
    const struct check_capture *c = &in->captures[f->cap];
    if (p->caplen < PKT_ETH_HLEN) {
        /* Shorter than an Ethernet header: no addresses, no layers; only a
         * recorded direction says which way it went. */
        memset(&f->pi, 0, sizeof f->pi);
        f->parsed = 0;
        if (p->dir == CAPREAD_DIR_OUT || p->dir == CAPREAD_DIR_IN) {
            int out = p->dir == CAPREAD_DIR_OUT;
            f->tx = c->side == CHECK_SIDE_HOST ? out : !out;
        }
        return;
    }
    int rc = pkt_parse_bytes(p->data, p->caplen, p->wire_len, &f->pi);
    f->parsed = rc == 0;
    if (rc != 0) {
        /* The Ethernet header is there even when a later layer is cut. */
        memcpy(f->pi.dst, p->data, 6);
        memcpy(f->pi.src, p->data + 6, 6);
    }
    int s = lookup_get__(&x->macs, check_mac64(f->pi.src));
    if (s >= 0)
        f->src_vport = s;
    else if (s <= -2)
        f->src_member = -s - 2;
    int d = lookup_get__(&x->macs, check_mac64(f->pi.dst));
    if (d >= 0)
        f->dst_vport = d;
    else if (d <= -2)
        f->dst_member = -d - 2;
    /* Direction */
    if (p->dir == CAPREAD_DIR_OUT || p->dir == CAPREAD_DIR_IN) {
        int out = p->dir == CAPREAD_DIR_OUT;
        f->tx = c->side == CHECK_SIDE_HOST ? out : !out;
    } else {
        /* No direction recorded: a frame from a vPort or member MAC of the
         * member's team is the member's transmission (model choice). */
        int t = f->team;
        f->tx = (f->src_vport >= 0 && x->e.vs[f->src_vport].team == t) ||
                (f->src_member >= 0 && in->members[f->src_member].team == t);
        if (f->tx && pkt_mac_is_multicast(f->pi.dst))
            f->tx = !flood_echo__(&x->e, f);
    }
    if (!f->parsed)
        return;
    uint32_t L = f->pi.layers;
    f->is_roce = (L & PKT_HAS_ROCE) != 0;
    if (L & PKT_HAS_ARP) {
        f->is_arp_ns = 1;
        int a = lookup_get__(&x->macs, check_mac64(f->pi.arp_sha));
        if (a >= 0)
            f->owner = a;
    } else if ((L & PKT_HAS_ND) && f->pi.icmp6_type == PKT_ICMPV6_NS) {
        f->is_arp_ns = 1;
        if (L & PKT_HAS_ND_LLADDR) {
            int a = lookup_get__(&x->macs, check_mac64(f->pi.nd_lladdr));
            if (a >= 0)
                f->owner = a;
        }
    }
    if (f->owner < 0 && f->src_vport >= 0)
        f->owner = f->src_vport;
    if (f->owner < 0 && (L & PKT_HAS_IPV4) && x->ips.key) {
        uint64_t ip = (uint64_t)f->pi.ip_src[0] << 24 | (uint64_t)f->pi.ip_src[1] << 16 |
                      (uint64_t)f->pi.ip_src[2] << 8 | f->pi.ip_src[3];
        int v = lookup_get__(&x->ips, ip);
        if (v >= 0 && x->e.vs[v].team == f->team)
            f->owner = v;
    }
}

/* Inference of the affinitized member from frames (no events): the member
 * where the vPort's MAC is first seen as a source in the epoch, an ARP/NS
 * taking precedence (DYN-005: they always go on A(p)). */
static void infer__(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->src_vport < 0)
        return;
    struct check_vstate *vs = &e->vs[f->src_vport];
    sim_time_t epoch = f->team >= 0 ? e->ts[f->team].last_change : 0;
    if (vs->epoch != epoch) {
        vs->epoch = epoch;
        vs->inferred = -1;
        vs->inferred_arp = 0;
    }
    if (vs->inferred < 0 || (f->is_arp_ns && !vs->inferred_arp)) {
        vs->inferred = f->member;
        vs->inferred_arp = f->is_arp_ns;
    }
}

static void after_frame__(struct check_eng *e, const struct check_frame *f)
{
    if (f->tx && f->member >= 0 && f->src_vport >= 0) {
        struct check_vstate *vs = &e->vs[f->src_vport];
        vs->last_member = f->member;
        vs->last_seen = f->p->ts;
        vs->seen_as_src = 1;
    }
    if (f->member >= 0)
        e->ms[f->member].last_frame = f->p->ts;
}

typedef void (*check_frame_hook)(struct check_eng *e, const struct check_frame *f);

/* The frame's CHECK_FK_* kinds (check_int.h). */
static unsigned kinds__(const struct check_eng *e, const struct check_frame *f)
{
    unsigned k = f->tx ? CHECK_FK_TX : CHECK_FK_RX;
    if (f->member >= 0)
        k |= CHECK_FK_MEMBER;
    if (f->team >= 0) {
        enum check_mode m = e->ts[f->team].mode;
        k |= m == CHECK_MODE_HYPERV_PORT ? CHECK_FK_HVP : m == CHECK_MODE_DYNAMIC ? CHECK_FK_DYN : 0;
    }
    if (f->pi.layers & PKT_HAS_PFC)
        k |= CHECK_FK_PFC;
    if (f->is_roce)
        k |= CHECK_FK_ROCE;
    if (f->src_vport >= 0)
        k |= CHECK_FK_SRCV;
    if (f->is_arp_ns)
        k |= CHECK_FK_ARPNS;
    return k;
}

/* The on_frame hooks for frames of kinds k: those whose frame_needs k has,
 * in table order, NULL-terminated. */
static check_frame_hook *hooks__(struct check_eng *e, unsigned k)
{
    check_frame_hook *list = &e->frame_hooks[(size_t)k * (check_nrules + 1)];
    if (!e->hooks_built[k]) {
        size_t n = 0;
        for (size_t r = 0; r < check_nrules; r++)
            if (check_rules[r].on_frame &&
                (check_rules[r].frame_needs & k) == check_rules[r].frame_needs)
                list[n++] = check_rules[r].on_frame;
        list[n] = NULL;
        e->hooks_built[k] = 1;
    }
    return list;
}

static void frame__(struct ctx *x, struct src *s, int cap)
{
    struct check_eng *e = &x->e;
    const struct check_input *in = e->in;
    struct check_frame f;
    f.p = &s->p;
    f.cap = cap;
    f.file = s->path;
    f.ifname = capread_if_name(s->r, s->p.ifid);
    f.setsim = capread_is_setsim(s->r);
    f.member = in->captures[cap].member;
    if (f.member >= 0 && in->captures[cap].side == CHECK_SIDE_SWITCH &&
        e->ms[f.member].has_host_cap)
        return; /* the host side of this link is captured too: use that one */
    f.team = f.member >= 0 ? in->members[f.member].team : -1;
    e->rep->frames++;
    classify__(x, &f);
    /* A member silent for link_gap is taken as a link transition when the
     * input names none (HVP-009, external captures). */
    if (!e->have_events && !in->nlinks && f.member >= 0 && f.team >= 0) {
        struct check_mstate *ms = &e->ms[f.member];
        if (ms->last_frame && f.p->ts - ms->last_frame >= in->opt.link_gap)
            e->ts[f.team].last_change = f.p->ts;
    }
    infer__(e, &f);
    f.kinds = kinds__(e, &f);
    for (check_frame_hook *h = hooks__(e, f.kinds); *h; h++)
        (*h)(e, &f);
    after_frame__(e, &f);
}

/* ---- the run ---- */

static void finish_verdicts__(struct check_eng *e)
{
    const struct check_input *in = e->in;
    for (size_t r = 0; r < check_nrules; r++) {
        struct check_verdict *v = &e->rep->v[r];
        const struct check_rule_impl *ri = &check_rules[r];
        if (e->worst[r] == 2)
            v->status = CHECK_FAIL;
        else if (e->worst[r] == 1)
            v->status = CHECK_WARN;
        else if (v->checked == 0) {
            v->status = CHECK_NA;
            if (ri->pub.needs == CHECK_NEEDS_EVENTS && !in->events)
                snprintf(v->reason, sizeof v->reason,
                         "needs the simulator's events (not in an external capture)");
            else
                snprintf(v->reason, sizeof v->reason, "%s", ri->na_hint);
        } else {
            v->status = CHECK_PASS;
        }
    }
}

static int eng_init__(struct ctx *x, const struct check_input *in, struct check_report *rep)
{
    struct check_eng *e = &x->e;
    e->in = in;
    e->rep = rep;
    e->ms = calloc(in->nmembers + 1, sizeof *e->ms);
    e->ts = calloc(in->nteams + 1, sizeof *e->ts);
    e->vs = calloc(in->nvports + 1, sizeof *e->vs);
    e->worst = calloc(check_nrules, 1);
    e->flows = calloc(CHECK_FLOWS, sizeof *e->flows);
    e->flow_mask = CHECK_FLOWS - 1;
    e->frame_hooks = malloc(CHECK_FK_COMBOS * (check_nrules + 1) * sizeof *e->frame_hooks);
    e->hooks_built = calloc(CHECK_FK_COMBOS, 1);
    if (!e->ms || !e->ts || !e->vs || !e->worst || !e->flows || !e->frame_hooks ||
        !e->hooks_built)
        return -ENOMEM;
    if (check_hvpdyn_init(e) != 0)
        return -ENOMEM;
    if (lookup_init__(&x->macs, in->nvports + in->nmembers) ||
        lookup_init__(&x->ips, in->nvports))
        return -ENOMEM;
    for (size_t v = 0; v < in->nvports; v++) {
        lookup_put__(&x->macs, check_mac64(in->vports[v].mac), (int)v);
        if (in->vports[v].has_ipv4) {
            const uint8_t *a = in->vports[v].ipv4;
            lookup_put__(&x->ips, (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 |
                                      (uint64_t)a[2] << 8 | a[3], (int)v);
        }
        e->vs[v].aff = e->vs[v].prev_aff = e->vs[v].inferred = e->vs[v].last_member = -1;
        e->vs[v].team = in->vports[v].team;
        e->vs[v].roce_member = -1;
    }
    for (size_t m = 0; m < in->nmembers; m++) {
        lookup_put__(&x->macs, check_mac64(in->members[m].pmac), -(int)m - 2);
        /* Without events, members of the input are up unless a link event
         * says otherwise; with events, member_up rows bring them up. */
        e->ms[m].up = in->events ? 0 : in->members[m].in_team;
        if (in->members[m].sw[0])
            e->ms[m].sw_hash = check_sw_hash(in->members[m].sw, strlen(in->members[m].sw));
        if (in->members[m].pfc_known) {
            e->pfc_known = 1;
            e->pfc_union |= in->members[m].pfc_mask;
        }
        if (!in->events && in->members[m].in_team && in->members[m].team >= 0) {
            e->ts[in->members[m].team].nmembers++;
            e->ms[m].in_team = 1;
        }
    }
    for (size_t t = 0; t < in->nteams; t++)
        e->ts[t].mode = in->teams[t].mode;
    for (int p = 0; p < 8; p++)
        e->fail_drop_at[p] = SIM_TIME_MAX;
    return check_fodcb_init(e);
}

static void eng_free__(struct ctx *x)
{
    free(x->e.ms);
    free(x->e.ts);
    free(x->e.vs);
    free(x->e.worst);
    free(x->e.flows);
    free(x->e.ucast);
    free(x->e.swmac);
    free(x->e.h7);
    free(x->e.h7_by_key);
    free(x->e.frame_hooks);
    free(x->e.hooks_built);
    check_hvpdyn_free(&x->e);
    check_fodcb_free(&x->e);
    lookup_free__(&x->macs);
    lookup_free__(&x->ips);
}

static int src_fill__(struct src *s, char *err, size_t errlen)
{
    int rc = capread_next(s->r, &s->p);
    if (rc < 0) {
        snprintf(err, errlen, "%s", capread_errmsg(s->r));
        return rc;
    }
    s->have = rc;
    return 0;
}

struct check_report *check_run(const struct check_input *in, char *err, size_t errlen)
{
    struct check_report *rep = calloc(1, sizeof *rep);
    struct ctx *x = calloc(1, sizeof *x);
    struct src *srcs = calloc(in->ncaptures + 1, sizeof *srcs);
    size_t nsrc = 0;
    struct ev_cursor cur;
    memset(&cur, 0, sizeof cur);
    if (!rep || !x || !srcs)
        goto oom;
    rep->n = check_nrules;
    rep->v = calloc(check_nrules, sizeof *rep->v);
    if (!rep->v)
        goto oom;
    snprintf(rep->source, sizeof rep->source, "%s", in->source);
    for (size_t r = 0; r < check_nrules; r++)
        rep->v[r].rule = &check_rules[r].pub;
    if (eng_init__(x, in, rep) != 0)
        goto oom;
    struct check_eng *e = &x->e;
    e->have_events = in->events != NULL;
    /* One reader per distinct file. */
    for (size_t c = 0; c < in->ncaptures; c++) {
        int dup = 0;
        for (size_t k = 0; k < nsrc; k++)
            if (strcmp(srcs[k].path, in->captures[c].path) == 0)
                dup = 1;
        if (dup)
            continue;
        struct src *s = &srcs[nsrc];
        snprintf(s->path, sizeof s->path, "%s", in->captures[c].path);
        s->r = capread_open(s->path, err, errlen);
        if (!s->r)
            goto bad;
        nsrc++;
        if (src_fill__(s, err, errlen) != 0)
            goto bad;
        /* The interfaces declared before the first packet: a member
         * captured on its host side is not read again from its switch
         * port. */
        for (size_t i = 0; i < capread_if_count(s->r); i++) {
            int cap = src_cap__(in, s, (uint32_t)i);
            if (cap >= 0 && in->captures[cap].member >= 0 &&
                in->captures[cap].side == CHECK_SIDE_HOST &&
                strcmp(in->captures[cap].ifname, capread_if_name(s->r, i)) == 0)
                e->ms[in->captures[cap].member].has_host_cap = 1;
        }
    }
    if (cursor_open__(&cur, in->events, err, errlen) != 0)
        goto bad;
    size_t li = 0;
    sim_time_t instant = 0, last_t = 0;
    int have_instant = 0;
    for (;;) {
        /* The earliest of: next frame over all files, next event row, next
         * link event. */
        struct src *best = NULL;
        for (size_t k = 0; k < nsrc; k++)
            if (srcs[k].have && (!best || srcs[k].p.ts < best->p.ts))
                best = &srcs[k];
        int ev_ready = cur.st && !cur.done;
        int link_ready = li < in->nlinks;
        sim_time_t t_ev = ev_ready ? cur.ev.time : 0;
        sim_time_t t_link = link_ready ? in->links[li].time : 0;
        int take_ev = ev_ready && (!best || t_ev <= best->p.ts) &&
                      (!link_ready || t_ev <= t_link);
        int take_link = !take_ev && link_ready && (!best || t_link <= best->p.ts);
        sim_time_t now = take_ev ? t_ev : take_link ? t_link : best ? best->p.ts : 0;
        if (now > last_t)
            last_t = now;
        if (have_instant && (!(take_ev || take_link || best) || now > instant)) {
            end_instant__(e, instant);
            have_instant = 0;
        }
        if (take_ev) {
            rep->events++;
            run_event__(e, &cur);
            instant = t_ev;
            have_instant = 1;
            if (cursor_step__(&cur) < 0) {
                snprintf(err, errlen, "run.sqlite: reading the events failed");
                goto bad;
            }
        } else if (take_link) {
            link_event__(e, &in->links[li++]);
            instant = t_link;
            have_instant = 1;
        } else if (best) {
            int cap = src_cap__(in, best, best->p.ifid);
            if (cap >= 0)
                frame__(x, best, cap);
            else
                rep->frames++;
            if (src_fill__(best, err, errlen) != 0)
                goto bad;
        } else {
            break;
        }
    }
    for (size_t r = 0; r < check_nrules; r++)
        if (check_rules[r].on_end)
            check_rules[r].on_end(e, last_t);
    finish_verdicts__(e);
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
bad:
    check_report_free(rep);
    rep = NULL;
done:
    if (cur.st)
        sqlite3_finalize(cur.st);
    for (size_t k = 0; k < nsrc; k++) {
        capread_close(srcs[k].r);
        free(srcs[k].ifmap);
    }
    free(srcs);
    if (x)
        eng_free__(x);
    free(x);
    return rep;
}

void check_report_free(struct check_report *r)
{
    if (!r)
        return;
    free(r->v);
    free(r);
}

int check_report_failed(const struct check_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].status == CHECK_FAIL)
            return 1;
    return 0;
}

const struct check_verdict *check_report_find(const struct check_report *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].rule->id, id) == 0)
            return &r->v[i];
    return NULL;
}
