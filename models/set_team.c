/* set_team: Switch Embedded Teaming (see set_team.h for the behaviour and
 * the rules it implements).
 *
 * State
 *   members[]: individually allocated (NIC callbacks hold their address),
 *     in the order of the last NetAdapterName list (ties in placement go by
 *     this order, HVP-002).  A member is `up` once its carrier has been seen
 *     for detect_delay; only up members carry traffic.
 *   vports[]: MAC, RDMA flag, affinitized member, mapped member.
 *   flows: a dense array of flows, found through an open-addressing index
 *     keyed by (vPort, IP version, addresses, ports, protocol), compacted
 *     when full (idle flows are forgotten then); each flow remembers its member, whether it is sent
 *     with the vPort's own MAC (only ever on the affinitized member: the
 *     invariant that keeps MAC(p) on one switch port, HVP-009), and the time
 *     of its last frame (flowlet gaps, DYN-003).
 *   member load: an EWMA of transmitted bytes per load_window.
 *
 * Transitions of a member
 *   absent  -(set_team_create / set_members)-> present, up if carrier
 *   up      -(carrier lost, + detect_delay: member_down__)-> down: FO-002/3
 *   down    -(carrier back, + detect_delay: member_up__)-> up: FO-006
 *   present -(set_members without it: remove_member__)-> absent: FO-007
 * Affinity changes go through set_affinity__ (traced, with VMQ placement).
 */
#include "set_team.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"
#include "pkt.h"
#include "sim_err.h"

#define DEFAULT_FLOWLET_GAP (500 * SIM_US)   /* rules.md A: dyn.flowlet_gap_us */
#define DEFAULT_THRESHOLD 0.10               /* dyn.rebalance_threshold */
#define DEFAULT_LOAD_WINDOW (1 * SIM_MS)     /* model choice: EWMA window */
#define DEFAULT_HOLDDOWN (1000 * SIM_MS)     /* fo.failback_holddown_ms */
#define LOAD_ALPHA 0.25                      /* weight of the newest window */
#define FLOW_IDLE_EVICT (1 * SIM_S)          /* flows idle this long are forgotten */
#define VPORT_FLOW_CACHE 8              /* per-vPort flow cache, searched from the last hit */
#define FLOW_TABLE_MIN 32              /* flows; the index has twice as many slots */

struct member {
    struct set_team *team;
    struct nic *nic;          /* not owned */
    int index;
    int carrier;              /* as the NIC reports it */
    int up;                   /* carrier seen for detect_delay */
    sim_event_id pending;     /* detect-delay timer */
    sim_event_id holddown;    /* failback timer */
    uint32_t nports;          /* vPorts affinitized here */
    double load;              /* EWMA of bytes per window */
    uint64_t win_bytes;
    sim_time_t win_start;
};

/* The fields every frame reads (affinity, rdma, the flow cache, the first
 * tx counters) come first. */
struct vport {
    int affinity;   /* member index or SET_NO_MEMBER */
    uint8_t rdma;
    uint8_t fhint;  /* fcache slot of the last hit or fill: searched first */
    uint8_t fnext;  /* fcache slot filled next (round robin) */
    /* The vPort's recent plain TCP/UDP-over-IPv4 flows, keyed by their
     * header bytes as they lie in the frame (struct raw4), so that a frame
     * of one of them is matched without building its flow_key. */
    struct {
        uint64_t addrs; /* raw4.addrs */
        uint32_t ports; /* raw4.ports */
        uint32_t idx;   /* RAW4_TCP if TCP | flow index + 1; 0: empty */
    } fcache[VPORT_FLOW_CACHE];
    uint64_t tx[2 * SET_MAX_MEMBERS];
    int used;
    uint8_t mac[6];
    trace_obj_t obj;
    int mapped;     /* member index or SET_NO_MEMBER */
};

struct flow_key {
    int32_t vport;
    uint8_t ipver, proto;
    uint16_t sport, dport;
    uint8_t src[16], dst[16];
    uint32_t zero;  /* always 0: pads the key to six 8-byte words (key_eq__) */
};

/* What a frame of a known flow reads and writes (hash, key, member,
 * own_mac, last_tx) is the first 64 bytes; flows are FLOW_ALIGN-aligned
 * and FLOW_ALIGN bytes long, so a frame touches one line of the table. */
#define FLOW_ALIGN 128
struct flow {
    uint32_t hash;        /* key_hash__; 0: forgotten or never used */
    int8_t member;        /* member index or SET_NO_MEMBER */
    uint8_t own_mac;      /* sent with the vPort's MAC (member is its affinity) */
    struct flow_key key;  /* at offset 8 */
    sim_time_t last_tx;   /* when its last frame begins to leave its member (may be
                           * ahead of now) */
    uint64_t id;          /* trace flow id */
    sim_time_t placed_at;
    uint8_t pad__[FLOW_ALIGN - 80];
};
_Static_assert(offsetof(struct flow, id) == 64, "a flow's per-frame fields are one line");
_Static_assert(sizeof(struct flow) == FLOW_ALIGN, "flows stay aligned");

/* How long the flow has been idle on the wire at now: 0 while its last
 * frame is still queued on (or leaving) its member. */
static inline sim_time_t flow_idle__(const struct flow *fl, sim_time_t now)
{
    return now > fl->last_tx ? now - fl->last_tx : 0;
}

struct set_team {
    struct sim_engine *eng;   /* not owned */
    struct trace *trace;      /* not owned, may be NULL */
    struct set_team_settings cfg;
    char *name;
    trace_obj_t obj;
    struct member *members[2 * SET_MAX_MEMBERS]; /* 2x: leaving members are kept
                                                  * at the end while replaced */
    size_t nmembers;
    struct vport *vports;
    size_t nvports, vport_cap;
    struct flow *flows;       /* dense: [0, flow_used) in use, hash 0 = forgotten */
    size_t flow_cap, flow_used, flow_count;
    uint32_t *slots;          /* index over flows: flow index + 1, 0 empty */
    size_t slot_cap;
    uint64_t next_flow_id;
    unsigned rr_next;         /* round-robin placement cursor */
    set_team_rx_fn rx_fn;
    void *rx_ctx;
    set_team_announce_fn announce_fn;
    void *announce_ctx;
    struct {
        set_team_affinity_fn fn; /* NULL: free slot */
        void *ctx;
    } watchers[SET_MAX_WATCHERS];
};

static void carrier__(void *ctx, struct nic *nic, int up);
static void rx__(void *ctx, struct nic *nic, struct frame *f);

void set_team_settings_default(struct set_team_settings *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->mode = SET_LB_DYNAMIC; /* CFG-011: the default is Dynamic */
    s->placement = SET_PLACE_LEAST_PORTS;
    s->flowlet_gap = DEFAULT_FLOWLET_GAP;
    s->rebalance_threshold = DEFAULT_THRESHOLD;
    s->load_window = DEFAULT_LOAD_WINDOW;
    s->failback = SET_FAILBACK_MAPPED_ONLY;
    s->failback_holddown = DEFAULT_HOLDDOWN;
    s->announce = SET_ANNOUNCE_NONE;
    s->strict_identical = 1;
}

/* ---- validation (CFG-001, CFG-003) ------------------------------------ */

static int validate_members__(struct nic *const *m, size_t n, int strict, char *err, size_t errlen)
{
    if (n < 1 || n > SET_MAX_MEMBERS) {
        sim_errf(err, errlen,
                 "CFG-001 SET_E_MEMBER_COUNT: a SET team has 1 to 8 members, not %zu", n);
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (m[i] == m[j]) {
                sim_errf(err, errlen,
                         "CFG-001 SET_E_DUPLICATE_MEMBER: '%s' is listed more than once",
                         nic_name(m[i]));
                return -EINVAL;
            }
        }
    }
    if (!strict)
        return 0;
    /* CFG-003: same manufacturer, model, firmware and driver. */
    const struct nic_identity *a = nic_identity(m[0]);
    for (size_t i = 1; i < n; i++) {
        const struct nic_identity *b = nic_identity(m[i]);
        const char *attr = NULL, *va = NULL, *vb = NULL;
        if (strcmp(a->manufacturer, b->manufacturer) != 0)
            attr = "manufacturer", va = a->manufacturer, vb = b->manufacturer;
        else if (strcmp(a->model, b->model) != 0)
            attr = "model", va = a->model, vb = b->model;
        else if (strcmp(a->firmware, b->firmware) != 0)
            attr = "firmware", va = a->firmware, vb = b->firmware;
        else if (strcmp(a->driver, b->driver) != 0)
            attr = "driver", va = a->driver, vb = b->driver;
        if (attr) {
            sim_errf(err, errlen,
                     "CFG-003 SET_E_MEMBERS_NOT_IDENTICAL: '%s' differs from '%s' in %s "
                     "(%s vs %s)",
                     nic_name(m[i]), nic_name(m[0]), attr, vb, va);
            return -EINVAL;
        }
    }
    return 0;
}

/* A zeroed, FLOW_ALIGN-aligned array of n flows (NULL without memory). */
static struct flow *flows_alloc__(size_t n)
{
    struct flow *f = aligned_alloc(FLOW_ALIGN, n * sizeof *f);
    if (f)
        memset(f, 0, n * sizeof *f);
    return f;
}

/* ---- load estimate ------------------------------------------------------ */

static void load_roll__(const struct set_team *t, struct member *m, sim_time_t now)
{
    sim_time_t w = t->cfg.load_window;
    if (now < m->win_start + w)
        return;
    m->load = m->load * (1 - LOAD_ALPHA) + (double)m->win_bytes * LOAD_ALPHA;
    m->win_bytes = 0;
    sim_time_t windows = (now - m->win_start) / w;
    /* Idle windows decay the estimate; 64 of them leave nothing. */
    for (sim_time_t k = 1; k < windows && k < 64; k++)
        m->load *= 1 - LOAD_ALPHA;
    if (windows >= 64)
        m->load = 0;
    m->win_start += windows * w;
}

static double load_of__(const struct set_team *t, struct member *m, sim_time_t now)
{
    load_roll__(t, m, now);
    return m->load + (double)m->win_bytes * LOAD_ALPHA;
}

/* ---- members and affinity --------------------------------------------- */

static int up_count__(const struct set_team *t)
{
    int n = 0;
    for (size_t i = 0; i < t->nmembers; i++)
        n += t->members[i]->up;
    return n;
}

/* HVP-002: the up member with the fewest vPorts, ties by list order (or
 * round robin).  `except` is skipped (the failing member). */
static int place_vport__(struct set_team *t, int except)
{
    int best = SET_NO_MEMBER;
    if (t->cfg.placement == SET_PLACE_ROUND_ROBIN) {
        for (size_t k = 0; k < t->nmembers; k++) {
            int i = (int)((t->rr_next + k) % t->nmembers);
            if (i != except && t->members[i]->up) {
                t->rr_next = (unsigned)i + 1;
                return i;
            }
        }
        return SET_NO_MEMBER;
    }
    for (size_t i = 0; i < t->nmembers; i++) {
        struct member *m = t->members[i];
        if ((int)i == except || !m->up)
            continue;
        if (best == SET_NO_MEMBER || m->nports < t->members[best]->nports)
            best = (int)i;
    }
    return best;
}

static void trace_flow_move__(struct set_team *t, struct flow *fl, int from, int to,
                              sim_time_t gap, enum trace_move_reason why)
{
    if (!t->trace)
        return;
    trace_flow_move(t->trace, sim_now(t->eng), fl->id,
                    from >= 0 ? nic_obj(t->members[from]->nic) : TRACE_NO_OBJ,
                    to >= 0 ? nic_obj(t->members[to]->nic) : TRACE_NO_OBJ, gap, why);
}

static void set_affinity__(struct set_team *t, int vp, int member, enum trace_affinity_reason why)
{
    struct vport *v = &t->vports[vp];
    int old = v->affinity;
    if (old == member)
        return;
    if (old >= 0)
        t->members[old]->nports--;
    if (member >= 0)
        t->members[member]->nports++;
    v->affinity = member;
    sim_time_t now = sim_now(t->eng);
    if (t->trace) {
        trace_obj_t mo = member >= 0 ? nic_obj(t->members[member]->nic) : TRACE_NO_OBJ;
        trace_affinity(t->trace, now, v->obj, mo, why);
        if (member >= 0) {
            /* HVP-007: the vPort's VMQ sits on its affinitized member. */
            struct trace_rec r = {.obj = v->obj, .obj2 = mo};
            trace_event(t->trace, now, TRACE_VMQ_ASSIGN, &r);
        }
    }
    /* Traffic that went on the old affinitized member with MAC(p) follows
     * the affinity, so MAC(p) stays on one member (HVP-009, FO-003). */
    for (size_t i = 0; i < t->flow_cap; i++) {
        struct flow *fl = &t->flows[i];
        if (!fl->hash || fl->key.vport != vp || !fl->own_mac || fl->member != old)
            continue;
        if (member < 0) {
            fl->hash = 0; /* forgotten: replaced when traffic resumes */
            t->flow_count--;
            continue;
        }
        enum trace_move_reason mr = why == TRACE_AFF_FAILOVER ? TRACE_MOVE_FAILOVER
                                                              : TRACE_MOVE_ADMIN;
        trace_flow_move__(t, fl, old, member, 0, mr);
        fl->member = (int8_t)member;
        fl->placed_at = now;
    }
    if (member >= 0 && t->cfg.announce == SET_ANNOUNCE_GARP_NA && t->announce_fn &&
        why != TRACE_AFF_INITIAL)
        t->announce_fn(t->announce_ctx, vp); /* FO-005 fo.announce */
    for (int i = 0; i < SET_MAX_WATCHERS; i++)
        if (t->watchers[i].fn)
            t->watchers[i].fn(t->watchers[i].ctx, vp, old, member);
}

/* The hash input as RSS defines it: source address, destination address,
 * source port, destination port; its length. */
static size_t flow_hash_input__(const struct flow_key *k, uint8_t in[36])
{
    size_t alen = k->ipver == 4 ? 4 : 16, n = 0;
    memcpy(in + n, k->src, alen), n += alen;
    memcpy(in + n, k->dst, alen), n += alen;
    in[n++] = (uint8_t)(k->sport >> 8), in[n++] = (uint8_t)k->sport;
    in[n++] = (uint8_t)(k->dport >> 8), in[n++] = (uint8_t)k->dport;
    return n;
}

/* DYN-002 dyn.hash: Toeplitz (pkt_toeplitz) over that input. */
static uint32_t flow_toeplitz__(const struct flow_key *k)
{
    uint8_t in[36];
    return pkt_toeplitz(in, flow_hash_input__(k, in));
}

/* The flow_place row: the member and the hash input, so that the checker
 * can verify the placement (DYN-002, DYN-011 [S]). */
static void trace_flow_place__(struct set_team *t, const struct flow *fl,
                               const struct flow_key *k, sim_time_t now)
{
    uint8_t in[36];
    size_t n = flow_hash_input__(k, in);
    char key[96];
    int o = snprintf(key, sizeof key, "proto %u toeplitz ", (unsigned)k->proto);
    for (size_t i = 0; i < n; i++)
        o += snprintf(key + o, sizeof key - (size_t)o, "%02x", in[i]);
    trace_flow_place(t->trace, now, fl->id, nic_obj(t->members[fl->member]->nic), key);
}

/* The hash's member among the up ones, in list order (DYN-002). */
static int hash_member__(const struct set_team *t, uint32_t h)
{
    int up = up_count__(t);
    if (up == 0)
        return SET_NO_MEMBER;
    int k = (int)(h % (uint32_t)up);
    for (size_t i = 0; i < t->nmembers; i++)
        if (t->members[i]->up && k-- == 0)
            return (int)i;
    return SET_NO_MEMBER;
}

/* A failed or removed member (already marked down): its vPorts and flows
 * go elsewhere (FO-002, FO-003); nothing else changes. */
static void evacuate__(struct set_team *t, int failed, enum trace_affinity_reason why)
{
    sim_time_t now = sim_now(t->eng);
    for (size_t vp = 0; vp < t->nvports; vp++) {
        struct vport *v = &t->vports[vp];
        if (v->used && v->affinity == failed)
            set_affinity__(t, (int)vp, place_vport__(t, failed), why);
    }
    for (size_t i = 0; i < t->flow_cap; i++) {
        struct flow *fl = &t->flows[i];
        if (!fl->hash || fl->member != failed)
            continue;
        /* FO-003: re-placed at once, without waiting for a flowlet. */
        int to = hash_member__(t, flow_toeplitz__(&fl->key));
        if (to == SET_NO_MEMBER) {
            fl->hash = 0;
            t->flow_count--;
            continue;
        }
        trace_flow_move__(t, fl, failed, to, flow_idle__(fl, now), TRACE_MOVE_FAILOVER);
        fl->member = (int8_t)to;
        fl->own_mac = to == t->vports[fl->key.vport].affinity;
        fl->placed_at = now;
    }
}

static void member_down__(struct set_team *t, struct member *m)
{
    if (!m->up)
        return;
    if (t->trace) {
        struct trace_rec r = {.obj = nic_obj(m->nic), .obj2 = t->obj};
        trace_event(t->trace, sim_now(t->eng), TRACE_MEMBER_DOWN, &r);
    }
    m->up = 0;
    evacuate__(t, m->index, TRACE_AFF_FAILOVER);
}

static void failback_due__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct member *m = ctx;
    struct set_team *t = m->team;
    m->holddown = 0;
    if (!m->up)
        return;
    for (size_t vp = 0; vp < t->nvports; vp++) {
        struct vport *v = &t->vports[vp];
        if (!v->used || v->affinity == m->index)
            continue;
        int back = t->cfg.failback == SET_FAILBACK_ALL ||
                   (t->cfg.failback == SET_FAILBACK_MAPPED_ONLY && v->mapped == m->index);
        if (back)
            set_affinity__(t, (int)vp, m->index, TRACE_AFF_FAILBACK);
    }
}

static void member_up__(struct set_team *t, struct member *m)
{
    if (m->up)
        return;
    int first = up_count__(t) == 0;
    m->up = 1;
    m->win_start = sim_now(t->eng);
    m->win_bytes = 0;
    m->load = 0;
    if (t->trace) {
        struct trace_rec r = {.obj = nic_obj(m->nic), .obj2 = t->obj};
        trace_event(t->trace, sim_now(t->eng), TRACE_MEMBER_UP, &r);
    }
    /* FO-008: after a total outage every vPort goes to the first member
     * back (its mapped member when that one returns, by HVP-006). */
    for (size_t vp = 0; vp < t->nvports; vp++) {
        struct vport *v = &t->vports[vp];
        if (!v->used)
            continue;
        if (first || v->affinity == SET_NO_MEMBER)
            set_affinity__(t, (int)vp,
                           v->mapped >= 0 && t->members[v->mapped]->up ? v->mapped : m->index,
                           first ? TRACE_AFF_FAILBACK : TRACE_AFF_INITIAL);
    }
    /* FO-006 (a): mapped vPorts come back after the hold-down; (b) others
     * stay; (c) the member is eligible again for placement right away. */
    if (!first && t->cfg.failback != SET_FAILBACK_NONE && !m->holddown)
        m->holddown = sim_schedule_in(t->eng, t->cfg.failback_holddown, failback_due__, m, NULL);
}

static void detect__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct member *m = ctx;
    m->pending = 0;
    if (m->carrier)
        member_up__(m->team, m);
    else
        member_down__(m->team, m);
}

/* FO-001: carrier changes count after detect_delay, if they still hold. */
static void carrier__(void *ctx, struct nic *nic, int up)
{
    (void)nic;
    struct member *m = ctx;
    struct set_team *t = m->team;
    m->carrier = up;
    if (m->pending)
        return; /* the pending check reads the carrier when it fires */
    if (t->cfg.detect_delay == 0) {
        if (up)
            member_up__(t, m);
        else
            member_down__(t, m);
        return;
    }
    m->pending = sim_schedule_in(t->eng, t->cfg.detect_delay, detect__, m, NULL);
}

static void rx__(void *ctx, struct nic *nic, struct frame *f)
{
    (void)nic;
    struct member *m = ctx;
    struct set_team *t = m->team;
    if (!m->up || !t->rx_fn) { /* FO-001: a failed member's frames are ignored */
        frame_unref(f);
        return;
    }
    t->rx_fn(t->rx_ctx, f, m->index);
}

static struct member *member_new__(struct set_team *t, struct nic *nic, int index)
{
    struct member *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->team = t;
    m->nic = nic;
    m->index = index;
    m->carrier = nic_carrier(nic);
    m->win_start = sim_now(t->eng);
    nic_set_rx_handler(nic, rx__, m);
    nic_set_carrier_handler(nic, carrier__, m);
    return m;
}

static void member_free__(struct member *m)
{
    if (!m)
        return;
    nic_set_rx_handler(m->nic, NULL, NULL);
    nic_set_carrier_handler(m->nic, NULL, NULL);
    free(m);
}

/* ---- lifecycle ---------------------------------------------------------- */

struct set_team *set_team_create(struct sim_engine *eng, struct trace *trace,
                                 const struct set_team_settings *s, struct nic *const *members,
                                 size_t n, char *err, size_t errlen)
{
    if (validate_members__(members, n, s->strict_identical, err, errlen) != 0)
        return NULL;
    struct set_team *t = calloc(1, sizeof *t);
    if (!t) {
        sim_errf(err, errlen, "out of memory");
        return NULL;
    }
    t->eng = eng;
    t->trace = trace;
    t->cfg = *s;
    if (!t->cfg.flowlet_gap)
        t->cfg.flowlet_gap = DEFAULT_FLOWLET_GAP;
    if (t->cfg.rebalance_threshold <= 0)
        t->cfg.rebalance_threshold = DEFAULT_THRESHOLD;
    if (!t->cfg.load_window)
        t->cfg.load_window = DEFAULT_LOAD_WINDOW;
    if (!t->cfg.failback_holddown)
        t->cfg.failback_holddown = DEFAULT_HOLDDOWN;
    t->name = strdup(s->name ? s->name : "SETswitch");
    t->cfg.name = NULL;
    t->cfg.trace_name = NULL; /* read during create only */
    t->flow_cap = FLOW_TABLE_MIN;
    t->flows = flows_alloc__(t->flow_cap);
    t->slot_cap = 2 * FLOW_TABLE_MIN;
    t->slots = calloc(t->slot_cap, sizeof *t->slots);
    if (!t->name || !t->flows || !t->slots)
        goto fail;
    if (trace) {
        int id = trace_object(trace, s->trace_name ? s->trace_name : t->name, "team");
        t->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
    }
    for (size_t i = 0; i < n; i++) {
        t->members[i] = member_new__(t, members[i], (int)i);
        if (!t->members[i])
            goto fail;
        t->nmembers++;
        if (trace) {
            struct trace_rec r = {.obj = nic_obj(members[i]), .obj2 = t->obj};
            trace_event(trace, sim_now(eng), TRACE_MEMBER_ADDED, &r);
        }
        if (t->members[i]->carrier)
            member_up__(t, t->members[i]);
    }
    if (trace) {
        struct trace_rec r = {.obj = t->obj,
                              .detail = t->cfg.mode == SET_LB_DYNAMIC ? "Dynamic" : "HyperVPort"};
        trace_event(trace, sim_now(eng), TRACE_LB_MODE_SET, &r);
    }
    return t;
fail:
    sim_errf(err, errlen, "out of memory");
    set_team_destroy(t);
    return NULL;
}

void set_team_destroy(struct set_team *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nmembers; i++)
        member_free__(t->members[i]);
    free(t->vports);
    free(t->flows);
    free(t->slots);
    free(t->name);
    free(t);
}

void set_team_detach(struct set_team *t)
{
    for (size_t i = 0; i < t->nmembers; i++) {
        struct member *m = t->members[i];
        nic_set_rx_handler(m->nic, NULL, NULL);
        nic_set_carrier_handler(m->nic, NULL, NULL);
        nic_unbind(m->nic); /* CFG-016: nothing of the switch's leaves after it */
        m->up = 0;
        m->carrier = 0;
    }
    for (size_t vp = 0; vp < t->nvports; vp++)
        t->vports[vp].affinity = SET_NO_MEMBER;
    t->rx_fn = NULL;
}

void set_team_set_rx_handler(struct set_team *t, set_team_rx_fn fn, void *ctx)
{
    t->rx_fn = fn;
    t->rx_ctx = ctx;
}

void set_team_set_announce_handler(struct set_team *t, set_team_announce_fn fn, void *ctx)
{
    t->announce_fn = fn;
    t->announce_ctx = ctx;
}

int set_team_watch_affinity(struct set_team *t, set_team_affinity_fn fn, void *ctx)
{
    for (int i = 0; i < SET_MAX_WATCHERS; i++)
        if (!t->watchers[i].fn) {
            t->watchers[i].fn = fn;
            t->watchers[i].ctx = ctx;
            return i;
        }
    return -ENOSPC;
}

void set_team_unwatch_affinity(struct set_team *t, int id)
{
    if (id >= 0 && id < SET_MAX_WATCHERS)
        t->watchers[id].fn = NULL;
}

/* Renumbers member indices in vPorts and flows after the list changed. */
static void remap__(struct set_team *t, const int *map)
{
    for (size_t vp = 0; vp < t->nvports; vp++) {
        struct vport *v = &t->vports[vp];
        uint64_t tx[2 * SET_MAX_MEMBERS] = {0};
        for (int i = 0; i < SET_MAX_MEMBERS; i++)
            if (map[i] >= 0)
                tx[map[i]] = v->tx[i];
        memcpy(v->tx, tx, sizeof tx);
        if (v->affinity >= 0)
            v->affinity = map[v->affinity];
        if (v->mapped >= 0)
            v->mapped = map[v->mapped];
    }
    for (size_t i = 0; i < t->flow_cap; i++)
        if (t->flows[i].hash)
            t->flows[i].member = (int8_t)map[t->flows[i].member];
}

int set_team_set_members(struct set_team *t, struct nic *const *members, size_t n, char *err,
                         size_t errlen)
{
    int rc = validate_members__(members, n, t->cfg.strict_identical, err, errlen);
    if (rc != 0)
        return rc;
    sim_time_t now = sim_now(t->eng);
    /* The new list: the members that stay, in their order, then the new
     * ones in the given order.  The list order is the order of the team's
     * member_added rows, so a trace tells it (the Dynamic hash picks among
     * the up members in list order, DYN-002; ties of the least-loaded
     * placement go to the earlier member, HVP-002).  Members that stay keep
     * their state; new ones join before the removed ones' vPorts are placed
     * again (FO-007: they are eligible, FO-006 (c)); the removed ones are
     * then handled like failures. */
    struct member *next[SET_MAX_MEMBERS] = {0};
    struct member *gone[SET_MAX_MEMBERS] = {0};
    size_t ngone = 0, nnext = 0;
    int map[SET_MAX_MEMBERS];
    for (int i = 0; i < SET_MAX_MEMBERS; i++)
        map[i] = -1;
    for (size_t i = 0; i < t->nmembers; i++) {
        struct member *m = t->members[i];
        int keep = 0;
        for (size_t j = 0; j < n; j++)
            if (members[j] == m->nic)
                keep = 1;
        if (keep) {
            map[i] = (int)nnext;
            next[nnext++] = m;
        } else {
            gone[ngone++] = m;
        }
    }
    size_t nkept = nnext;
    for (size_t j = 0; j < n; j++) {
        int present = 0;
        for (size_t k = 0; k < nnext && !present; k++)
            present = next[k]->nic == members[j];
        if (present)
            continue;
        struct member *m = member_new__(t, members[j], (int)nnext);
        if (!m) {
            for (size_t k = nkept; k < nnext; k++) /* nothing changed yet */
                member_free__(next[k]);
            return -ENOMEM;
        }
        next[nnext++] = m;
    }
    for (size_t k = nkept; k < nnext && t->trace; k++) {
        struct trace_rec r = {.obj = nic_obj(next[k]->nic), .obj2 = t->obj};
        trace_event(t->trace, now, TRACE_MEMBER_ADDED, &r);
    }
    /* Install the new array with the leaving members appended, so indices
     * stay valid while they are evacuated. */
    struct member *all[2 * SET_MAX_MEMBERS];
    for (size_t j = 0; j < n; j++) {
        all[j] = next[j];
        next[j]->index = (int)j;
    }
    for (size_t k = 0; k < ngone; k++) {
        all[n + k] = gone[k];
        map[gone[k]->index] = (int)(n + k);
        gone[k]->index = (int)(n + k);
    }
    remap__(t, map);
    memcpy(t->members, all, (n + ngone) * sizeof *all);
    t->nmembers = n + ngone;
    for (size_t j = 0; j < n; j++)
        if (!next[j]->up && next[j]->carrier)
            member_up__(t, next[j]);
    for (size_t k = 0; k < ngone; k++) {
        struct member *m = gone[k];
        int was_up = m->up;
        m->up = 0;
        if (was_up)
            evacuate__(t, m->index, TRACE_AFF_ADMIN);
        for (size_t vp = 0; vp < t->nvports; vp++)
            if (t->vports[vp].used && t->vports[vp].mapped == m->index)
                t->vports[vp].mapped = SET_NO_MEMBER; /* dangling (FO-007) */
        if (t->trace) {
            struct trace_rec r = {.obj = nic_obj(m->nic), .obj2 = t->obj};
            trace_event(t->trace, now, TRACE_MEMBER_REMOVED, &r);
        }
        nic_unbind(m->nic); /* CFG-015: the team sends nothing more on it */
    }
    t->nmembers = n;
    for (size_t k = 0; k < ngone; k++)
        member_free__(gone[k]);
    return 0;
}

void set_team_set_mode(struct set_team *t, enum set_lb_mode mode)
{
    if (t->cfg.mode == mode)
        return;
    t->cfg.mode = mode;
    /* CFG-011: from now on every frame follows the new mode; flow state of
     * the old one is dropped. */
    memset(t->flows, 0, t->flow_cap * sizeof *t->flows);
    memset(t->slots, 0, t->slot_cap * sizeof *t->slots);
    t->flow_used = 0;
    t->flow_count = 0;
    for (size_t vp = 0; vp < t->nvports; vp++)
        memset(t->vports[vp].fcache, 0, sizeof t->vports[vp].fcache);
    if (t->trace) {
        struct trace_rec r = {.obj = t->obj,
                              .detail = mode == SET_LB_DYNAMIC ? "Dynamic" : "HyperVPort"};
        trace_event(t->trace, sim_now(t->eng), TRACE_LB_MODE_SET, &r);
    }
}

enum set_lb_mode set_team_mode(const struct set_team *t) { return t->cfg.mode; }

const struct set_team_settings *set_team_settings_of(const struct set_team *t) { return &t->cfg; }

/* ---- vPorts -------------------------------------------------------------- */

int set_team_vport_add(struct set_team *t, const uint8_t mac[6], int rdma, trace_obj_t obj)
{
    if (t->nvports == t->vport_cap) {
        size_t ncap = t->vport_cap ? t->vport_cap * 2 : 16;
        struct vport *v = realloc(t->vports, ncap * sizeof *v);
        if (!v)
            return -ENOMEM;
        t->vports = v;
        t->vport_cap = ncap;
    }
    int id = (int)t->nvports++;
    struct vport *v = &t->vports[id];
    memset(v, 0, sizeof *v);
    v->used = 1;
    memcpy(v->mac, mac, 6);
    v->rdma = rdma != 0;
    v->obj = obj;
    v->affinity = SET_NO_MEMBER;
    v->mapped = SET_NO_MEMBER;
    set_affinity__(t, id, place_vport__(t, SET_NO_MEMBER), TRACE_AFF_INITIAL);
    return id;
}

void set_team_vport_remove(struct set_team *t, int vp)
{
    if (vp < 0 || (size_t)vp >= t->nvports || !t->vports[vp].used)
        return;
    struct vport *v = &t->vports[vp];
    if (v->affinity >= 0)
        t->members[v->affinity]->nports--;
    v->used = 0;
    v->affinity = SET_NO_MEMBER;
    for (size_t i = 0; i < t->flow_cap; i++) {
        if (t->flows[i].hash && t->flows[i].key.vport == vp) {
            t->flows[i].hash = 0;
            t->flow_count--;
        }
    }
}

void set_team_vport_set_rdma(struct set_team *t, int vp, int rdma)
{
    t->vports[vp].rdma = rdma != 0;
}

int set_team_map(struct set_team *t, int vp, struct nic *nic)
{
    struct vport *v = &t->vports[vp];
    int m = SET_NO_MEMBER;
    if (nic) {
        m = set_team_member_index(t, nic);
        if (m < 0)
            return -ENOENT; /* CFG-017 SET_E_NOT_A_MEMBER */
    }
    v->mapped = m;
    if (t->trace) {
        struct trace_rec r = {.obj = v->obj,
                              .obj2 = m >= 0 ? nic_obj(t->members[m]->nic) : TRACE_NO_OBJ};
        trace_event(t->trace, sim_now(t->eng), TRACE_TEAM_MAPPING_SET, &r);
    }
    /* HVP-006: the mapping pins the affinity whenever the member is up;
     * while it is down the vPort stays where it is (FO-007). */
    if (m >= 0 && t->members[m]->up)
        set_affinity__(t, vp, m, TRACE_AFF_MAPPING);
    return 0;
}

/* ---- the flow table ------------------------------------------------------ */

static uint32_t key_hash__(const struct flow_key *k)
{
    /* Multiply-xorshift over the key's 8-byte words (keys are zeroed
     * before they are filled, padding included); never 0 (0 marks an empty
     * slot). */
    const unsigned char *p = (const unsigned char *)k;
    uint64_t h = 0x9E3779B97F4A7C15ULL, w;
    size_t i = 0;
    for (; i + 8 <= sizeof *k; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
    }
    for (; i < sizeof *k; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    uint32_t h32 = (uint32_t)(h ^ h >> 32);
    return h32 ? h32 : 1;
}

/* Rebuilds the flow table: live flows (not forgotten, not idle for
 * FLOW_IDLE_EVICT) packed at the front of a dense array with room for as
 * many again, and the slot index rebuilt over them.  The vPorts' cached
 * flow indices are reset. */
/* Keys are zeroed before they are filled (padding included), so they
 * compare as six words. */
static inline int key_eq__(const struct flow_key *a, const struct flow_key *b)
{
    _Static_assert(sizeof(struct flow_key) == 48, "flow_key is six words");
    uint64_t x[6], y[6];
    memcpy(x, a, sizeof x);
    memcpy(y, b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
            (x[5] ^ y[5])) == 0;
}

static int rebuild_flows__(struct set_team *t, sim_time_t now)
{
    size_t live = 0;
    for (size_t i = 0; i < t->flow_used; i++)
        if (t->flows[i].hash && flow_idle__(&t->flows[i], now) < FLOW_IDLE_EVICT)
            live++;
    size_t ncap = FLOW_TABLE_MIN;
    while (ncap < live * 2)
        ncap *= 2;
    struct flow *nf = flows_alloc__(ncap);
    uint32_t *ns = calloc(2 * ncap, sizeof *ns);
    if (!nf || !ns) {
        free(nf);
        free(ns);
        return -ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->flow_used; i++) {
        struct flow *fl = &t->flows[i];
        if (!fl->hash || flow_idle__(fl, now) >= FLOW_IDLE_EVICT)
            continue;
        size_t j = fl->hash & (2 * ncap - 1);
        while (ns[j])
            j = (j + 1) & (2 * ncap - 1);
        ns[j] = (uint32_t)n + 1;
        nf[n++] = *fl;
    }
    free(t->flows);
    free(t->slots);
    t->flows = nf;
    t->slots = ns;
    t->flow_cap = ncap;
    t->slot_cap = 2 * ncap;
    t->flow_used = n;
    t->flow_count = live;
    for (size_t vp = 0; vp < t->nvports; vp++)
        memset(t->vports[vp].fcache, 0, sizeof t->vports[vp].fcache);
    return 0;
}

/* Finds or creates the flow of key k.  Flows live in a dense array
 * (t->flows[0..flow_used)); an open-addressing index of slots holds
 * index + 1 (0: empty).  A forgotten flow keeps its slot with hash 0,
 * which no key matches, so probe chains stay intact until the next
 * rebuild. */
static struct flow *flow_lookup__(struct set_team *t, const struct flow_key *k, int *created)
{
    uint32_t h = key_hash__(k);
    *created = 0;
    for (size_t i = h & (t->slot_cap - 1);; i = (i + 1) & (t->slot_cap - 1)) {
        uint32_t s = t->slots[i];
        if (s) {
            struct flow *fl = &t->flows[s - 1];
            if (fl->hash == h && key_eq__(&fl->key, k))
                return fl;
            continue;
        }
        if (t->flow_used == t->flow_cap) {
            if (rebuild_flows__(t, sim_now(t->eng)) != 0)
                return NULL;
            return flow_lookup__(t, k, created);
        }
        struct flow *fl = &t->flows[t->flow_used];
        t->slots[i] = (uint32_t)++t->flow_used;
        memset(fl, 0, sizeof *fl);
        fl->hash = h;
        fl->key = *k;
        t->flow_count++;
        *created = 1;
        return fl;
    }
}

/* ---- transmit ------------------------------------------------------------ */

/* 1 when the frame must stay on the affinitized member with its own MAC
 * (DYN-004, DYN-005, DYN-010); otherwise fills the flow key. */
static int pinned__(const struct vport *v, const struct frame *f, int vp, struct flow_key *k)
{
    if (f->flags & FRAME_F_RDMA)
        return 1; /* DYN-010: RDMA follows affinity */
    struct pkt_info pi;
    if (pkt_parse(f, &pi) != 0)
        return 1;
    if (pi.layers & PKT_HAS_ARP)
        return 1; /* DYN-005 */
    if (pi.layers & PKT_HAS_ICMPV6)
        return 1; /* DYN-005 NS (and NA, RS: model choice); other ICMP: DYN-004 */
    if ((pi.layers & PKT_HAS_ROCE) && v->rdma)
        return 1; /* DYN-010 */
    if (!(pi.layers & (PKT_HAS_TCP | PKT_HAS_UDP)) || (pi.layers & PKT_HAS_IP_FRAG))
        return 1; /* DYN-004: nothing to hash */
    memset(k, 0, sizeof *k);
    k->vport = vp;
    k->ipver = pi.ip_version;
    k->proto = pi.ip_proto;
    k->sport = pi.sport;
    k->dport = pi.dport;
    size_t alen = pi.ip_version == 4 ? 4 : 16;
    memcpy(k->src, pi.ip_src, alen);
    memcpy(k->dst, pi.ip_dst, alen);
    return 0;
}

/* DYN-003: at a flowlet boundary, move to the least-loaded up member when
 * the current one carries more than (1 + threshold) times its load. */
static void rebalance__(struct set_team *t, struct flow *fl, sim_time_t gap,
                        enum trace_move_reason why)
{
    sim_time_t now = sim_now(t->eng);
    int best = fl->member;
    double cur = load_of__(t, t->members[fl->member], now), best_load = cur;
    for (size_t i = 0; i < t->nmembers; i++) {
        struct member *m = t->members[i];
        if (!m->up)
            continue;
        double l = load_of__(t, m, now);
        if (l < best_load) {
            best_load = l;
            best = (int)i;
        }
    }
    if (best == fl->member || cur <= best_load * (1 + t->cfg.rebalance_threshold))
        return;
    trace_flow_move__(t, fl, fl->member, best, gap, why);
    fl->member = (int8_t)best;
    fl->own_mac = best == t->vports[fl->key.vport].affinity;
    fl->placed_at = now;
}

#define IPPROTO_GRE__ 47
#define GRE_P_TEB 0x6558     /* NVGRE: transparent Ethernet bridging */
#define VXLAN_PORT 4789

/* The flow key of the Ethernet frame at b[o..len): the 4-tuple of a plain
 * TCP/UDP frame over IPv4 (not a fragment) or IPv6 (no extension header),
 * read straight from the bytes; for HNV encapsulations (DYN-011) the outer
 * addresses with the entropy field (NVGRE FlowID as the source port, 0 as
 * the destination; VXLAN's outer UDP ports), or with hnv_inner the
 * encapsulated frame's key.  0, or -1 when the frame needs the full
 * classification (pinned__). */
static int key_at__(const uint8_t *b, size_t len, size_t o, struct flow_key *k, int hnv_inner,
                    int depth)
{
    if (len < o + 14)
        return -1;
    o += 12;
    uint16_t et = pkt_rd16(b + o);
    if (et == PKT_ETH_P_VLAN) {
        if (len < o + 6)
            return -1;
        o += 4;
        et = pkt_rd16(b + o);
    }
    o += 2;
    size_t l4;
    if (et == PKT_ETH_P_IPV4) {
        if (len < o + 20 || (b[o] >> 4) != 4)
            return -1;
        size_t ihl = (size_t)(b[o] & 0x0f) * 4;
        if (ihl < 20 || (pkt_rd16(b + o + 6) & 0x3fff) != 0) /* MF or offset: a fragment */
            return -1;
        k->ipver = 4;
        k->proto = b[o + 9];
        memcpy(k->src, b + o + 12, 4);
        memcpy(k->dst, b + o + 16, 4);
        l4 = o + ihl;
    } else if (et == PKT_ETH_P_IPV6) {
        if (len < o + 40 || (b[o] >> 4) != 6)
            return -1;
        k->ipver = 6;
        k->proto = b[o + 6];
        memcpy(k->src, b + o + 8, 16);
        memcpy(k->dst, b + o + 24, 16);
        l4 = o + 40;
    } else {
        return -1;
    }
    if (k->proto == IPPROTO_GRE__) {
        /* DYN-011: NVGRE (key present, no routing, TEB payload). */
        if (len < l4 + 8 || depth > 0)
            return -1;
        uint16_t flags = pkt_rd16(b + l4);
        if (!(flags & 0x2000) || (flags & 0x4000) || pkt_rd16(b + l4 + 2) != GRE_P_TEB)
            return -1;
        size_t key = l4 + 4 + ((flags & 0x8000) ? 4 : 0);
        if (len < key + 4)
            return -1;
        if (hnv_inner) {
            memset(k->src, 0, sizeof k->src);
            memset(k->dst, 0, sizeof k->dst);
            return key_at__(b, len, key + 4, k, 0, depth + 1);
        }
        k->sport = b[key + 3]; /* FlowID: the low 8 bits of the key */
        k->dport = 0;
        return 0;
    }
    if ((k->proto != PKT_IPPROTO_TCP && k->proto != PKT_IPPROTO_UDP) || len < l4 + 4)
        return -1;
    k->sport = pkt_rd16(b + l4);
    k->dport = pkt_rd16(b + l4 + 2);
    if (hnv_inner && depth == 0 && k->proto == PKT_IPPROTO_UDP && k->dport == VXLAN_PORT &&
        len >= l4 + 16 + 14 && (b[l4 + 8] & 0x08)) {
        /* DYN-011 what-if: the VXLAN-encapsulated frame's own key. */
        memset(k->src, 0, sizeof k->src);
        memset(k->dst, 0, sizeof k->dst);
        return key_at__(b, len, l4 + 16, k, 0, depth + 1);
    }
    return 0;
}

static int fast_key__(const struct frame *f, int vp, struct flow_key *k, int hnv_inner)
{
    memset(k, 0, sizeof *k);
    k->vport = vp;
    return key_at__(frame_cdata(f), f->len, 0, k, hnv_inner, 0);
}

/* 1 when f's flow key was read straight from its bytes into k and f is
 * not RDMA traffic of an RDMA vNIC (DYN-010); 0 when f needs the full
 * classification of pinned__. */
static inline int fast_class__(const struct set_team *t, const struct vport *v, int vp,
                               const struct frame *f, struct flow_key *k)
{
    return !(f->flags & FRAME_F_RDMA) &&
           fast_key__(f, vp, k, t->cfg.hnv_key == SET_HNV_INNER) == 0 &&
           !(v->rdma && k->proto == PKT_IPPROTO_UDP && k->dport == PKT_ROCE_UDP_PORT);
}

/* The cache key of a plain TCP or UDP over IPv4 frame (IHL 5, not a
 * fragment, untagged or 802.1Q-tagged): its addresses and ports as they
 * lie in the frame, and whether it is TCP.  Frames of an RDMA vNIC's RoCE
 * port (DYN-010) and, with hnv_key inner, VXLAN (DYN-011) are excluded:
 * they need the full classification. */
struct raw4 {
    uint64_t addrs; /* source and destination address bytes */
    uint32_t ports; /* source and destination port bytes */
    uint32_t tcp;   /* RAW4_TCP or 0 */
};
#define RAW4_TCP 0x80000000u

static inline int raw4__(const struct set_team *t, const struct vport *v, const struct frame *f,
                         struct raw4 *r)
{
    const uint8_t *b = frame_cdata(f);
    size_t o = PKT_ETH_HLEN;
    if (f->len < PKT_ETH_HLEN + 24 || (f->flags & FRAME_F_RDMA))
        return 0;
    uint16_t et = pkt_rd16(b + 12);
    if (et == PKT_ETH_P_VLAN) {
        o += PKT_VLAN_HLEN;
        if (f->len < o + 24)
            return 0;
        et = pkt_rd16(b + o - 2);
    }
    if (et != PKT_ETH_P_IPV4 || b[o] != 0x45 || (pkt_rd16(b + o + 6) & 0x3fff) != 0)
        return 0;
    uint8_t proto = b[o + 9];
    if (proto != PKT_IPPROTO_TCP && proto != PKT_IPPROTO_UDP)
        return 0;
    uint16_t dport = pkt_rd16(b + o + 22);
    if (proto == PKT_IPPROTO_UDP &&
        ((v->rdma && dport == PKT_ROCE_UDP_PORT) ||
         (dport == VXLAN_PORT && t->cfg.hnv_key == SET_HNV_INNER)))
        return 0;
    memcpy(&r->addrs, b + o + 12, 8);
    memcpy(&r->ports, b + o + 20, 4);
    r->tcp = proto == PKT_IPPROTO_TCP ? RAW4_TCP : 0;
    return 1;
}

static int pick_dynamic__(struct set_team *t, int vp, struct frame *f, int *own_mac)
{
    struct vport *v = &t->vports[vp];
    struct flow_key k;
    struct flow *fl = NULL;
    int created = 0;
    /* One of the vPort's recent flows needs no flow key, no hashing and no
     * probing; the search starts at the last hit, so a single flow is
     * found at once and flows sent in turn at the second slot.  A cached
     * index stays valid until the table is rebuilt or reset (which empty
     * the caches); a forgotten flow (hash 0) is a miss. */
    struct raw4 r;
    int raw = raw4__(t, v, f, &r);
    unsigned slot = v->fhint;
    for (int n = raw ? VPORT_FLOW_CACHE : 0; n > 0; n--) {
        uint32_t idx = v->fcache[slot].idx;
        if (v->fcache[slot].ports == r.ports && v->fcache[slot].addrs == r.addrs &&
            (idx & RAW4_TCP) == r.tcp && (idx & ~RAW4_TCP) != 0) {
            struct flow *c = &t->flows[(idx & ~RAW4_TCP) - 1];
            if (c->hash) {
                fl = c;
                break;
            }
        }
        slot = (slot + 1) & (VPORT_FLOW_CACHE - 1);
    }
    sim_time_t now = sim_now(t->eng);
    int cache_hit = fl != NULL;
    if (!fl) {
        if (!fast_class__(t, v, vp, f, &k) && pinned__(v, f, vp, &k)) {
            *own_mac = 1;
            return v->affinity;
        }
        fl = flow_lookup__(t, &k, &created);
        if (!fl) {
            *own_mac = 1;
            return v->affinity;
        }
    }
    if (created || fl->member < 0 || !t->members[fl->member]->up) {
        /* DYN-002: initial placement by the Toeplitz hash. */
        fl->member = (int8_t)hash_member__(t, flow_toeplitz__(&fl->key));
        fl->own_mac = fl->member == v->affinity;
        fl->id = f->flow_id ? f->flow_id : ++t->next_flow_id;
        fl->placed_at = now;
        if (t->trace && fl->member >= 0)
            trace_flow_place__(t, fl, &fl->key, now);
    } else {
        sim_time_t gap = flow_idle__(fl, now);
        if (gap >= t->cfg.flowlet_gap)
            rebalance__(t, fl, gap, TRACE_MOVE_FLOWLET);
        else if (t->cfg.periodic_rebalance && now - fl->placed_at >= t->cfg.periodic_rebalance)
            rebalance__(t, fl, gap, TRACE_MOVE_PERIODIC);
    }
    /* DYN-003: the gap is the flow's silence on the wire, so it is
     * measured from when this frame begins to leave its member (behind the
     * bytes queued there), as a sender that counts from its send
     * completions would: measured from the hand-over to the NIC, a flow
     * whose frames sat in a deep queue looked idle while they still
     * drained, moved, and its first frames on the new member overtook them
     * (DYN-002 [P]). */
    fl->last_tx = now + nic_tx_drain_time(t->members[fl->member]->nic);
    if (raw) {
        size_t fi = (size_t)(fl - t->flows);
        if (!cache_hit && fi < RAW4_TCP - 1) {
            slot = v->fnext;
            v->fnext = (uint8_t)((slot + 1) & (VPORT_FLOW_CACHE - 1));
            v->fcache[slot].addrs = r.addrs;
            v->fcache[slot].ports = r.ports;
            v->fcache[slot].idx = r.tcp | (uint32_t)(fi + 1);
        }
        v->fhint = (uint8_t)slot;
    }
    *own_mac = fl->own_mac;
    return fl->member;
}

static void drop_team_down__(struct set_team *t, struct frame *f)
{
    if (t->trace)
        trace_drop(t->trace, sim_now(t->eng), t->obj, TRACE_DROP_TEAM_DOWN, pkt_eth_pcp(f),
                   f->flow_id, frame_wire_len(f));
    frame_unref(f);
}

int set_team_send(struct set_team *t, int vp, struct frame *f)
{
    struct vport *v = &t->vports[vp];
    if (v->affinity == SET_NO_MEMBER) {
        drop_team_down__(t, f); /* FO-008 */
        return -ENETDOWN;
    }
    int own_mac = 1;
    int m = t->cfg.mode == SET_LB_DYNAMIC ? pick_dynamic__(t, vp, f, &own_mac) : v->affinity;
    if (m == SET_NO_MEMBER) {
        drop_team_down__(t, f);
        return -ENETDOWN;
    }
    struct member *mem = t->members[m];
    if (!own_mac) {
        /* DYN-007: a member other than the affinitized one sends with its
         * own MAC; only the Ethernet source changes. */
        if (frame_make_writable(&f) != 0) {
            frame_unref(f);
            return -ENOMEM;
        }
        pkt_eth_set_src(f, nic_mac(mem->nic));
    }
    uint32_t len = frame_wire_len(f);
    load_roll__(t, mem, sim_now(t->eng));
    mem->win_bytes += len;
    v->tx[m]++;
    return nic_send(mem->nic, f);
}

/* ---- inspection ---------------------------------------------------------- */

size_t set_team_member_count(const struct set_team *t) { return t->nmembers; }

struct nic *set_team_member(const struct set_team *t, int m)
{
    return m >= 0 && (size_t)m < t->nmembers ? t->members[m]->nic : NULL;
}

int set_team_member_index(const struct set_team *t, const struct nic *nic)
{
    for (size_t i = 0; i < t->nmembers; i++)
        if (t->members[i]->nic == nic)
            return (int)i;
    return SET_NO_MEMBER;
}

int set_team_member_up(const struct set_team *t, int m)
{
    return m >= 0 && (size_t)m < t->nmembers && t->members[m]->up;
}

int set_team_affinity(const struct set_team *t, int vp) { return t->vports[vp].affinity; }
int set_team_mapped(const struct set_team *t, int vp) { return t->vports[vp].mapped; }

const uint8_t *set_team_rmac(const struct set_team *t, int m)
{
    return nic_mac(t->members[m]->nic); /* DYN-007 dyn.rmac=member_permanent */
}

uint64_t set_team_tx_frames(const struct set_team *t, int vp, int m)
{
    return t->vports[vp].tx[m];
}

size_t set_team_flow_count(const struct set_team *t) { return t->flow_count; }

int set_team_hash_member(const struct set_team *t, int vp, const struct frame *f)
{
    const struct vport *v = &t->vports[vp];
    struct flow_key k;
    if (!fast_class__(t, v, vp, f, &k) && pinned__(v, f, vp, &k))
        return SET_NO_MEMBER;
    return hash_member__(t, flow_toeplitz__(&k));
}

uint32_t set_team_member_vports(const struct set_team *t, int m)
{
    return t->members[m]->nports;
}

uint32_t set_team_vmq_queues(const struct set_team *t)
{
    uint32_t q = 0;
    for (size_t i = 0; i < t->nmembers; i++)
        q += nic_vmq_queues(t->members[i]->nic); /* CFG-027 Sum-of-Queues */
    return q;
}

const char *set_team_name(const struct set_team *t) { return t->name; }
trace_obj_t set_team_obj(const struct set_team *t) { return t->obj; }
