/* check_rules: the rule table of the trace checker: one entry per
 * trace-checkable rule of spec/rules.md, with its hooks (check_int.h).
 *
 * Each rule cites its "Check:" line.  "tx" is a frame the member
 * transmitted, "rx" one it received; A(p) is the vPort's affinitized member
 * (from affinity_set events, or inferred from frames: check_affinity).
 * Frames that drain from a member's queue just after an affinity change are
 * allowed on the previous member for move_window (HVP-009's window). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "check_int.h"
#include "check_rules_fodcb.h"
#include "pkt_pfc.h"
#include "pkt_roce.h"

#define ETH_P_SLOW 0x8809  /* LACP and friends; subtype 1 = LACPDU */
#define ETH_P_LLDP 0x88CC
#define ETH_P_EAPOL 0x888E
#define LACP_SUBTYPE 0x01
#define IWARP_SMBD_PORT 5445 /* SMB Direct over iWARP (rules.md §0.4) */
#define MAX_FRAME_BYTES 1538u /* DCB-002: one maximum-size frame already started */
#define LOSSLESS_PCP_DEFAULT 3
#define HVP005_WINDOW_S 0.010 /* HVP-005: W = 10 ms */
#define HVP005_EPS 0.01       /* ... and 1 % */

/* Rule indexes, in table order. */
enum {
    R_CFG001, R_CFG010, R_CFG013, R_CFG015, R_CFG023, R_CFG024,
    R_HVP001, R_HVP003, R_HVP004, R_HVP006, R_HVP007, R_HVP009, R_HVP005,
    R_DYN003, R_DYN004, R_DYN005, R_DYN006, R_DYN007, R_DYN008, R_DYN010,
    R_HVP002, R_DYN001, R_HVP008, R_DYN002, R_DYN009, R_DYN011,
    R_FO001, R_FO002, R_FO003, R_FO004,
    R_DCB001, R_DCB002, R_DCB003, R_DCB004, R_DCB005, R_DCB007, R_DCB009, R_DCB010, R_DCB012,
    R_FODCB, R_FODCB_LAST = R_FODCB + CHECK_FODCB_N - 1, /* check_rules_fodcb.c */
    R_COUNT
};

static const char *mac__(const uint8_t *m, char *b) { return check_mac_str(m, b); }

static const char *mname__(struct check_eng *e, int m)
{
    return m >= 0 ? e->in->members[m].name : "(no member)";
}

static const char *vname__(struct check_eng *e, int v) { return e->in->vports[v].name; }

static enum check_mode mode__(struct check_eng *e, int t)
{
    return t >= 0 ? e->ts[t].mode : CHECK_MODE_UNKNOWN;
}

/* 1 when frame f of vPort v on member m may still be a drain or a move
 * inside the change window (previous affinity, or a recent change). */
static int draining__(struct check_eng *e, const struct check_frame *f, int v)
{
    return check_in_change_window(e, f->team, v, f->p->ts, e->in->opt.move_window);
}

static const char *inf__(int inferred)
{
    return inferred ? " (A(p) inferred from where its MAC is seen)" : "";
}

/* ---- CFG ---- */

/* CFG-001 TRACE/error [S]: no team ever reports more than 8 members. */
static void cfg001_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_MEMBER_ADDED || ev->team < 0)
        return;
    check_seen(e, R_CFG001);
    if (!e->ms[ev->member].in_team && e->ts[ev->team].nmembers + 1 > 8)
        check_offend(e, R_CFG001, 1, NULL, ev, "team %s has %d members (at most 8)",
                     e->in->teams[ev->team].name, e->ts[ev->team].nmembers + 1);
}

/* CFG-010 TRACE/error [P]: a member never transmits an LACPDU; warn: one
 * received means the peer is configured for LACP. */
static void cfg010_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->member < 0 || f->p->caplen < PKT_ETH_HLEN + 1)
        return;
    check_seen(e, R_CFG010);
    if (f->pi.ethertype != ETH_P_SLOW || f->p->caplen <= f->pi.l3_off ||
        f->p->data[f->pi.l3_off] != LACP_SUBTYPE)
        return;
    if (f->tx)
        check_offend(e, R_CFG010, 1, f, NULL, "%s transmitted an LACPDU (SET is Switch "
                     "Independent only)", mname__(e, f->member));
    else
        check_offend(e, R_CFG010, 0, f, NULL, "LACPDU received on %s: the peer is "
                     "configured for LACP; SET will not aggregate", mname__(e, f->member));
}

/* CFG-013 TRACE/error [P~]: every source MAC on a member is a vPort MAC, an
 * RMAC or the member's PMAC; nothing else (no team MAC). */
static void cfg013_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !e->in->inventory || f->p->caplen < PKT_ETH_HLEN)
        return;
    check_seen(e, R_CFG013);
    if (f->src_vport >= 0 || f->src_member >= 0 || pkt_mac_is_multicast(f->pi.src))
        return;
    char b[18];
    check_offend(e, R_CFG013, 1, f, NULL, "%s sent source %s: no vPort MAC, RMAC or PMAC "
                 "(a team MAC?)", mname__(e, f->member), mac__(f->pi.src, b));
}

/* CFG-015 TRACE/error [S]: the team transmits nothing on a removed member. */
static void cfg015_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!e->have_events || !f->tx || f->member < 0)
        return;
    const struct check_mstate *ms = &e->ms[f->member];
    if (!ms->removed)
        return;
    check_seen(e, R_CFG015);
    if (f->p->ts > ms->down_at && f->pi.ethertype != PKT_ETH_P_MAC_CTRL)
        check_offend(e, R_CFG015, 1, f, NULL, "%s transmitted after its removal from the "
                     "team", mname__(e, f->member));
}

static void cfg015_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind == CHECK_EV_MEMBER_REMOVED)
        check_seen(e, R_CFG015);
}

/* CFG-023 [P]: every IPv4 and TCP (and UDP) checksum on the wire is valid;
 * judged only where the payload is known (fully captured, or a setsim
 * capture whose uncaptured payload is zeros). */
static void cfg023_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->parsed || !(f->pi.layers & (PKT_HAS_IPV4 | PKT_HAS_IPV6)))
        return;
    check_seen(e, R_CFG023);
    if (f->pi.layers & PKT_HAS_IPV4) {
        size_t ihl = (size_t)(f->p->data[f->pi.l3_off] & 0x0F) * 4;
        if (pkt_csum_fold(pkt_csum_add(0, f->p->data + f->pi.l3_off, ihl)) != 0) {
            check_offend(e, R_CFG023, 1, f, NULL, "bad IPv4 header checksum");
            return;
        }
    }
    /* The L4 checksum covers the payload: judged only when all of it was
     * captured (a setsim capture cuts trailers such as the MPA CRC). */
    if (f->p->caplen == f->p->wire_len &&
        pkt_csum_verify_bytes(f->p->data, f->p->caplen, f->p->wire_len) == -EBADMSG)
        check_offend(e, R_CFG023, 1, f, NULL, "bad TCP/UDP checksum");
}

/* CFG-024 [P]: no EAPOL frame sourced from a vPort MAC appears on a member. */
static void cfg024_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->src_vport < 0)
        return;
    check_seen(e, R_CFG024);
    if (f->pi.ethertype == ETH_P_EAPOL)
        check_offend(e, R_CFG024, 1, f, NULL, "EAPOL from vPort %s on %s (the vSwitch "
                     "drops 802.1X in SET)", vname__(e, f->src_vport), mname__(e, f->member));
}

/* ---- HVP ---- */

/* HVP-001, HVP-002: check_rules_hvpdyn.c. */

/* HVP-003 TRACE/error [S]/[P~]: in Hyper-V Port mode every frame of p goes
 * on A(p,t). */
static void hvp003_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->src_vport < 0 || mode__(e, f->team) != CHECK_MODE_HYPERV_PORT)
        return;
    int inf, a = check_affinity(e, f->src_vport, &inf);
    if (a < 0)
        return;
    check_seen(e, R_HVP003);
    if (a != f->member && !draining__(e, f, f->src_vport))
        check_offend(e, R_HVP003, 1, f, NULL, "frame of %s on %s, its affinitized member "
                     "is %s%s", vname__(e, f->src_vport), mname__(e, f->member),
                     mname__(e, a), inf__(inf));
}

/* HVP-004 TRACE/error [P]: in Hyper-V Port mode no source MAC replacement:
 * a member's MAC is a source only on link-local control frames.
 * Not while frames queued in Dynamic mode drain after a mode change. */
static void hvp004_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || mode__(e, f->team) != CHECK_MODE_HYPERV_PORT)
        return;
    if (check_mode_draining(e, f->team, f->p->ts))
        return; /* sent in Dynamic mode, with its member's MAC, before the change */
    check_seen(e, R_HVP004);
    if (f->src_member >= 0 && f->pi.ethertype != PKT_ETH_P_MAC_CTRL &&
        f->pi.ethertype != ETH_P_LLDP) {
        char b[18];
        check_offend(e, R_HVP004, 1, f, NULL, "source %s (the MAC of %s) on a data frame "
                     "in Hyper-V Port mode: replacement is not done", mac__(f->pi.src, b),
                     mname__(e, f->src_member));
    }
}

/* HVP-006 TRACE/error [P~]: a vNIC mapped to M sends only on M while M is
 * up (after FO-006's failback hold-down). */
static void hvp006_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->src_vport < 0)
        return;
    int m = e->in->vports[f->src_vport].mapped;
    if (m < 0)
        return;
    const struct check_mstate *ms = &e->ms[m];
    /* FO-006 fo.failback_holddown_ms = 1 s, then the move window. */
    if (!ms->up || (ms->up_at && f->p->ts - ms->up_at < SIM_S + e->in->opt.move_window))
        return;
    check_seen(e, R_HVP006);
    if (f->member != m && !draining__(e, f, f->src_vport))
        check_offend(e, R_HVP006, 1, f, NULL, "%s is mapped to %s (up) but sends on %s",
                     vname__(e, f->src_vport), mname__(e, m), mname__(e, f->member));
}

/* HVP-007: a switch's flood of one frame reaches the team's members within
 * this window (store and forward, a second switch, and queueing: one copy
 * can wait in a congested egress queue while the other goes on at once, a
 * 4 MB share at 25 Gb/s is 1.3 ms, and a random two-switch run met 1.39
 * ms).  The sightings it compares are kept as long as the table holds them
 * (65,536 entries, two per frame received on a member). */
#define H7_FLOOD_WINDOW (10 * SIM_MS)
#define H7_SETS 16384u /* (frame, member) sightings: 4-way sets */
#define H7_WAYS 4u
#define H7_PEND 4096u  /* offences waiting for a copy on A(p) */
#define H7_KEYS 8192u  /* frame hash -> its waiting offence */

/* Hash of a frame's first 64 bytes without its 802.1Q tag (a flood leaves
 * access and trunk ports alike) and of its length. */
static uint64_t h7_key__(const struct capread_pkt *p)
{
    uint64_t k = 1469598103934665603ull ^ p->wire_len;
    size_t n = p->caplen < 64 ? p->caplen : 64;
    int tag = n >= 16 && p->data[12] == 0x81 && p->data[13] == 0x00;
    for (size_t i = 0; i < n; i++)
        if (!tag || i < 12 || i >= 16)
            k = (k ^ p->data[i]) * 1099511628211ull;
    return k | 1;
}

/* The (frame, member) key, mixed (check_mix64): its middle bits index the
 * tables. */
static uint64_t h7_mkey__(uint64_t key, int member)
{
    return check_mix64(key ^ ((uint64_t)(member + 1) * 0x9e3779b97f4a7c15ull)) | 1;
}

/* The entry of (frame, member) k, or the oldest of its set. */
static struct check_ucast *h7_entry__(struct check_eng *e, uint64_t k, int *found)
{
    struct check_ucast *set = &e->ucast[((k >> 17) & (H7_SETS - 1)) * H7_WAYS];
    struct check_ucast *victim = &set[0];
    for (unsigned w = 0; w < H7_WAYS; w++) {
        if (set[w].key == k) {
            *found = 1;
            return &set[w];
        }
        if (set[w].ts < victim->ts)
            victim = &set[w];
    }
    *found = 0;
    return victim;
}

/* Times a and b within the flood window of each other (either order). */
static int h7_near__(sim_time_t a, sim_time_t b)
{
    return (a >= b ? a - b : b - a) <= H7_FLOOD_WINDOW;
}

/* Frame `key` seen on `member` at ts: kept in its set over the oldest; and
 * under member -1 the first member that saw it, and whether another one
 * did (within the window): a unicast frame on two ports is a flood. */
static void h7_note__(struct check_eng *e, uint64_t key, int member, sim_time_t ts)
{
    int found;
    uint64_t k = h7_mkey__(key, member), kany = h7_mkey__(key, -1);
    struct check_ucast *u = h7_entry__(e, k, &found);
    u->key = k;
    u->ts = ts;
    struct check_ucast *any = h7_entry__(e, kany, &found);
    if (found && h7_near__(ts, any->ts)) {
        any->multi |= any->member != member;
        return;
    }
    *any = (struct check_ucast){.key = kany, .ts = ts, .member = member};
}

/* The switch flooded frame `key` (seen at ts): a copy reached A(p) = a, or
 * it was received on two ports (of any host). */
static int h7_flooded__(struct check_eng *e, uint64_t key, int a, sim_time_t ts)
{
    int found;
    const struct check_ucast *u = h7_entry__(e, h7_mkey__(key, a), &found);
    if (found && h7_near__(u->ts, ts))
        return 1;
    u = h7_entry__(e, h7_mkey__(key, -1), &found);
    return found && u->multi && h7_near__(u->ts, ts);
}

static void h7_offend__(struct check_eng *e, const struct check_frame *f, int v, int a, int inf,
                        int learned, int flood)
{
    check_offend(e, R_HVP007, learned && !flood, f, NULL, "unicast to %s received on %s, its "
                 "affinitized member is %s%s%s%s%s", vname__(e, v), mname__(e, f->member),
                 mname__(e, a), inf__(inf),
                 flood == 2  ? " (flooded: its switch "
                 : flood     ? " (flooded: the same frame reached A(p) or another port)"
                 : learned   ? ""
                             : " (not learned yet: flooded)",
                 flood == 2 ? e->in->members[f->member].sw : "",
                 flood == 2 ? " did not know MAC(p))" : "");
}

uint64_t check_sw_hash(const char *name, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
    return h | 1;
}

/* The slot of (sw, mac), or the empty one it would take. */
static struct check_swmac *swmac_slot__(struct check_swmac *t, size_t cap, uint64_t sw,
                                        uint64_t mac)
{
    size_t i = (size_t)check_mix64(sw ^ mac) & (cap - 1);
    while (t[i].sw && !(t[i].sw == sw && t[i].mac == mac))
        i = (i + 1) & (cap - 1);
    return &t[i];
}

int check_switch_mac(struct check_eng *e, uint64_t sw, uint64_t mac, int known)
{
    if (2 * (e->swmac_n + 1) > e->swmac_cap) {
        size_t cap = e->swmac_cap ? 2 * e->swmac_cap : 256;
        struct check_swmac *n = calloc(cap, sizeof *n);
        if (!n) {
            e->swmac_off = 1;
            return -ENOMEM;
        }
        for (size_t i = 0; i < e->swmac_cap; i++)
            if (e->swmac[i].sw)
                *swmac_slot__(n, cap, e->swmac[i].sw, e->swmac[i].mac) = e->swmac[i];
        free(e->swmac);
        e->swmac = n;
        e->swmac_cap = cap;
    }
    struct check_swmac *s = swmac_slot__(e->swmac, e->swmac_cap, sw, mac);
    if (!s->sw) {
        e->swmac_n++;
        *s = (struct check_swmac){.sw = sw, .mac = mac};
    }
    s->known = known;
    return 0;
}

/* Run directories: member m's switch (its cable and mac_* rows known)
 * floods a frame to MAC mac: it does not know mac now (never
 * learned, aged or flushed; one it learned at another port would not have
 * sent the frame to m, one it learned at m's port is the host's fault). */
static int h7_switch_floods__(const struct check_eng *e, int m, const uint8_t mac[6])
{
    uint64_t sw = e->ms[m].sw_hash;
    if (!sw || !e->swmac_cap || e->swmac_off)
        return 0;
    const struct check_swmac *s = swmac_slot__(e->swmac, e->swmac_cap, sw, check_mac64(mac));
    return !s->sw || !s->known;
}

/* Judges the oldest waiting offence: a flood (a copy on A(p)) or a switch
 * that has not learned MAC(p) yet warns; anything else fails. */
static void h7_resolve__(struct check_eng *e)
{
    struct check_h7 *o = &e->h7[e->h7_head];
    e->h7_head = (e->h7_head + 1) % H7_PEND;
    e->h7_n--;
    struct capread_pkt p = {.frame = o->frame, .ts = o->ts};
    struct check_frame f = {.p = &p, .file = o->file, .ifname = o->ifname, .member = o->member};
    h7_offend__(e, &f, o->vport, o->aff, o->inf, o->learned,
                o->flood || h7_flooded__(e, o->key, o->aff, o->ts));
}

/* The waiting offence of frame key (NULL none); *bk its slot's index. */
static struct check_h7 *h7_waiting__(struct check_eng *e, uint64_t key, uint32_t **bk)
{
    *bk = &e->h7_by_key[(h7_mkey__(key, -2) >> 13) & (H7_KEYS - 1)];
    uint32_t s = **bk;
    if (s && (s - 1 + H7_PEND - e->h7_head) % H7_PEND < e->h7_n && e->h7[s - 1].key == key)
        return &e->h7[s - 1];
    return NULL;
}

/* HVP-007 TRACE/error [P~]: known unicast to MAC(p) arrives on A(p) once
 * learn_grace has passed since the last affinity change.  A warning when
 * the switch floods it: the same frame reaches A(p) too (within 10 ms,
 * before or after; with two switches MAC(p) may be known to one only), or
 * MAC(p) has not been seen as a source yet.  An offence whose copy has not
 * come yet is judged once it could no longer come (10 ms later, or at the
 * end); the copies of one frame on several members wait as one. */
static void hvp007_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->tx || f->member < 0 || f->dst_vport < 0)
        return;
    int v = f->dst_vport;
    if (!e->ucast) {
        e->ucast = calloc(H7_SETS * H7_WAYS, sizeof *e->ucast);
        e->h7 = calloc(H7_PEND, sizeof *e->h7);
        e->h7_by_key = calloc(H7_KEYS, sizeof *e->h7_by_key);
        if (!e->ucast || !e->h7 || !e->h7_by_key) {
            free(e->ucast);
            free(e->h7);
            free(e->h7_by_key);
            e->ucast = NULL;
            e->h7 = NULL;
            e->h7_by_key = NULL;
            return;
        }
    }
    sim_time_t now = f->p->ts;
    while (e->h7_n && (e->h7[e->h7_head].ts + H7_FLOOD_WINDOW < now || e->h7_n == H7_PEND))
        h7_resolve__(e);
    uint64_t key = h7_key__(f->p);
    h7_note__(e, key, f->member, now); /* on any host's member: floods reach them all */
    uint32_t *bk;
    struct check_h7 *w = h7_waiting__(e, key, &bk);
    if (w && (f->member == w->aff || f->member != w->member))
        w->flood = 1; /* its copy on A(p) or on another port: a flood */
    if (e->vs[v].team != f->team)
        return;
    int inf, a = check_affinity(e, v, &inf);
    if (a < 0)
        return;
    check_seen(e, R_HVP007);
    if (a == f->member || check_in_change_window(e, f->team, v, now, e->in->opt.learn_grace))
        return;
    int learned = e->vs[v].seen_as_src;
    if (h7_switch_floods__(e, f->member, e->in->vports[v].mac)) {
        h7_offend__(e, f, v, a, inf, learned, 2);
        return;
    }
    if (h7_flooded__(e, key, a, now)) { /* flooded, as a copy seen already shows */
        h7_offend__(e, f, v, a, inf, learned, 1);
        return;
    }
    if (w)
        return; /* this frame waits already (seen on another member) */
    size_t slot = (e->h7_head + e->h7_n++) % H7_PEND;
    *bk = (uint32_t)slot + 1;
    struct check_h7 *o = &e->h7[slot];
    *o = (struct check_h7){.key = key, .ts = now, .frame = f->p->frame, .file = f->file,
                           .vport = v, .member = f->member, .aff = a, .inf = inf,
                           .learned = learned};
    snprintf(o->ifname, sizeof o->ifname, "%s", f->ifname ? f->ifname : "");
}

static void hvp007_end(struct check_eng *e, sim_time_t end)
{
    (void)end;
    while (e->h7_n)
        h7_resolve__(e);
}

/* HVP-009 TRACE/error [P]: outside the window after an affinity-changing
 * event, each vPort MAC is sourced on one member only. */
static void hvp009_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->src_vport < 0)
        return;
    const struct check_vstate *vs = &e->vs[f->src_vport];
    check_seen(e, R_HVP009);
    if (vs->last_member >= 0 && vs->last_member != f->member && !draining__(e, f, f->src_vport)) {
        char b[18];
        check_offend(e, R_HVP009, 1, f, NULL, "MAC %s (%s) moved from %s to %s with no "
                     "affinity change in the last %llu ms", mac__(f->pi.src, b),
                     vname__(e, f->src_vport), mname__(e, vs->last_member),
                     mname__(e, f->member),
                     (unsigned long long)(e->in->opt.move_window / SIM_MS));
    }
}

/* HVP-005 TRACE/error [P~]: Hyper-V Port: one vPort's transmitted bits in
 * any window W (10 ms) stay <= S(A(p)) * W * (1 + eps), eps = 1 %.  A leaky
 * bucket drained at R = S * (1 + eps) with the frames' bits: a level above
 * R * W means some window of length <= W carried more than R * W (a window
 * of length d holding more than R * (W + d) splits into ceil(d / W) windows
 * of at most W), so an offence is always real; an excess of up to 2x in one
 * window may go unseen.  Concurrent sending on two members is HVP-003's. */
static void hvp005_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->src_vport < 0 ||
        mode__(e, f->team) != CHECK_MODE_HYPERV_PORT)
        return;
    uint64_t s = e->in->members[f->member].rate_bps;
    if (!s)
        return;
    struct check_vstate *vs = &e->vs[f->src_vport];
    double r = (double)s * (1.0 + HVP005_EPS);
    double dt = (double)(f->p->ts - vs->hvp5_last) / (double)SIM_S;
    vs->hvp5_level -= r * dt;
    if (vs->hvp5_level < 0)
        vs->hvp5_level = 0;
    vs->hvp5_level += 8.0 * (double)f->p->wire_len;
    vs->hvp5_last = f->p->ts;
    check_seen(e, R_HVP005);
    if (vs->hvp5_level > r * HVP005_WINDOW_S) {
        check_offend(e, R_HVP005, 1, f, NULL, "%s sent more than %.0f Mbit/s (%s's rate + 1 %%) "
                     "over a window of at most 10 ms", vname__(e, f->src_vport), r / 1e6,
                     mname__(e, f->member));
        vs->hvp5_level = 0;
    }
}

/* ---- DYN ---- */

static uint64_t flow_key__(const struct check_frame *f)
{
    uint64_t k = 1469598103934665603ull;
    /* IPv4 (the common case) with constant lengths: the loops unroll. */
    if (f->pi.ip_version == 6) {
        for (size_t j = 0; j < 16; j++)
            k = (k ^ f->pi.ip_src[j]) * 1099511628211ull;
        for (size_t j = 0; j < 16; j++)
            k = (k ^ f->pi.ip_dst[j]) * 1099511628211ull;
    } else {
        for (size_t j = 0; j < 4; j++)
            k = (k ^ f->pi.ip_src[j]) * 1099511628211ull;
        for (size_t j = 0; j < 4; j++)
            k = (k ^ f->pi.ip_dst[j]) * 1099511628211ull;
    }
    k = (k ^ f->pi.sport) * 1099511628211ull;
    k = (k ^ f->pi.dport) * 1099511628211ull;
    k = (k ^ f->pi.ip_proto) * 1099511628211ull;
    return k | 1;
}

/* DYN-003 TRACE/error [S]: a flow_move after a gap shorter than the
 * flowlet threshold (not periodic, failover or admin). */
static void dyn003_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_FLOW_MOVE)
        return;
    check_seen(e, R_DYN003);
    if (strcmp(ev->reason, "flowlet") == 0 && (sim_time_t)ev->value < e->in->opt.flowlet_gap)
        check_offend(e, R_DYN003, 1, NULL, ev, "flow moved after an idle gap of %lld ns, "
                     "below the flowlet gap of %llu ns", (long long)(ev->value / 1000),
                     (unsigned long long)(e->in->opt.flowlet_gap / SIM_NS));
}

/* DYN-003 [P]: a flow seen on another member without a gap of at least the
 * threshold is a warning (moves of gapless flows are "uncommon"). */
static void dyn003_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !f->parsed || f->is_roce ||
        !(f->pi.layers & (PKT_HAS_TCP | PKT_HAS_UDP)) || mode__(e, f->team) != CHECK_MODE_DYNAMIC)
        return;
    uint64_t k = flow_key__(f);
    struct check_flow *fl = &e->flows[(k >> 7) & e->flow_mask];
    sim_time_t now = f->p->ts;
    if (fl->key == k) {
        if (!e->have_events)
            check_seen(e, R_DYN003);
        if (fl->member != f->member && now - fl->last < e->in->opt.flowlet_gap &&
            e->ms[fl->member].up && !check_in_change_window(e, f->team, -1, now,
                                                             e->in->opt.move_window))
            check_offend(e, R_DYN003, 0, f, NULL, "flow %u->%u moved from %s to %s after "
                         "%llu ns idle, below the %llu ns flowlet gap", f->pi.sport,
                         f->pi.dport, mname__(e, fl->member), mname__(e, f->member),
                         (unsigned long long)((now - fl->last) / SIM_NS),
                         (unsigned long long)(e->in->opt.flowlet_gap / SIM_NS));
    }
    fl->key = k;
    fl->last = now;
    fl->member = f->member;
}

/* DYN-004 TRACE/error [P~]: Dynamic: a frame of p without a TCP/UDP
 * 4-tuple (non-IP, ICMP, an IP fragment) goes on A(p) with source MAC(p).
 * MAC control (PFC/PAUSE) and LLDP are link-local, not vPort traffic. */
static void dyn004_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || f->owner < 0 || !f->parsed ||
        mode__(e, f->team) != CHECK_MODE_DYNAMIC)
        return;
    if ((f->pi.layers & (PKT_HAS_TCP | PKT_HAS_UDP)) && !(f->pi.layers & PKT_HAS_IP_FRAG))
        return;
    if (check_frame_nvgre(f, NULL))
        return; /* DYN-011: hashed by its outer addresses and FlowID */
    if (f->pi.ethertype == PKT_ETH_P_MAC_CTRL || f->pi.ethertype == ETH_P_LLDP)
        return;
    int inf, a = check_affinity(e, f->owner, &inf);
    if (a < 0)
        return;
    check_seen(e, R_DYN004);
    if (draining__(e, f, f->owner))
        return;
    char b[18];
    if (a != f->member)
        check_offend(e, R_DYN004, 1, f, NULL, "non-hashable frame of %s on %s, its "
                     "affinitized member is %s%s", vname__(e, f->owner),
                     mname__(e, f->member), mname__(e, a), inf__(inf));
    else if (memcmp(f->pi.src, e->in->vports[f->owner].mac, 6) != 0)
        check_offend(e, R_DYN004, 1, f, NULL, "non-hashable frame of %s with source %s "
                     "instead of its own MAC", vname__(e, f->owner), mac__(f->pi.src, b));
}

/* DYN-005 TRACE/error [P~]: ARP and NS of p go only on A(p), unmodified;
 * an ARP/NS whose Ethernet source is an RMAC is an error. */
static void dyn005_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !f->is_arp_ns || mode__(e, f->team) == CHECK_MODE_HYPERV_PORT)
        return;
    char b[18];
    if (f->src_member >= 0) {
        check_seen(e, R_DYN005);
        check_offend(e, R_DYN005, 1, f, NULL, "ARP/NS with source %s (an RMAC) on %s",
                     mac__(f->pi.src, b), mname__(e, f->member));
        return;
    }
    if (f->owner < 0)
        return;
    int inf, a = check_affinity(e, f->owner, &inf);
    if (a < 0)
        return;
    check_seen(e, R_DYN005);
    if (a != f->member && !draining__(e, f, f->owner))
        check_offend(e, R_DYN005, 1, f, NULL, "ARP/NS of %s on %s, its affinitized member "
                     "is %s%s", vname__(e, f->owner), mname__(e, f->member), mname__(e, a),
                     inf__(inf));
}

/* DYN-006 TRACE/error [P~]: frames of p on A(p) carry MAC(p). */
static void dyn006_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->owner < 0 || mode__(e, f->team) != CHECK_MODE_DYNAMIC)
        return;
    int inf, a = check_affinity(e, f->owner, &inf);
    if (a < 0 || a != f->member)
        return;
    check_seen(e, R_DYN006);
    if (memcmp(f->pi.src, e->in->vports[f->owner].mac, 6) != 0 &&
        !draining__(e, f, f->owner)) {
        char b[18];
        check_offend(e, R_DYN006, 1, f, NULL, "frame of %s on its affinitized member %s "
                     "with source %s instead of its own MAC%s", vname__(e, f->owner),
                     mname__(e, f->member), mac__(f->pi.src, b), inf__(inf));
    }
}

/* DYN-007 TRACE/error [P~]: frames of p on M != A(p) carry RMAC(M) as
 * source; VID matches the vNIC's. */
static void dyn007_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->owner < 0 || f->is_arp_ns || mode__(e, f->team) != CHECK_MODE_DYNAMIC)
        return;
    int inf, a = check_affinity(e, f->owner, &inf);
    if (a < 0 || a == f->member)
        return;
    check_seen(e, R_DYN007);
    if (draining__(e, f, f->owner))
        return;
    const struct check_member *m = &e->in->members[f->member];
    const struct check_vport *p = &e->in->vports[f->owner];
    char b[18], c[18];
    if (memcmp(f->pi.src, m->pmac, 6) != 0)
        check_offend(e, R_DYN007, 1, f, NULL, "frame of %s on non-affinitized %s with "
                     "source %s, expected its RMAC %s%s", p->name, m->name,
                     mac__(f->pi.src, b), mac__(m->pmac, c), inf__(inf));
    else if ((f->pi.layers & PKT_HAS_VLAN ? f->pi.vid : 0) != p->vlan)
        check_offend(e, R_DYN007, 1, f, NULL, "frame of %s on %s with VID %u, the vNIC's "
                     "is %u", p->name, m->name,
                     (unsigned)(f->pi.layers & PKT_HAS_VLAN ? f->pi.vid : 0), p->vlan);
}

/* DYN-008 TRACE/warn [P]: inbound unicast to an RMAC: the peer learned a
 * replacement MAC. */
static void dyn008_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->tx || f->member < 0 || mode__(e, f->team) != CHECK_MODE_DYNAMIC)
        return;
    check_seen(e, R_DYN008);
    if (f->dst_member >= 0 && f->pi.ethertype != PKT_ETH_P_MAC_CTRL) {
        char b[18];
        check_offend(e, R_DYN008, 0, f, NULL, "unicast to %s (RMAC of %s) received on %s: "
                     "a peer learned a replacement MAC", mac__(f->pi.dst, b),
                     mname__(e, f->dst_member), mname__(e, f->member));
    }
}

/* DYN-010 TRACE/error [P~]: RoCE of MAC(p) goes on A(p); no RoCE frame
 * carries an RMAC. */
static void dyn010_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !f->is_roce)
        return;
    char b[18];
    if (f->src_member >= 0) {
        check_seen(e, R_DYN010);
        check_offend(e, R_DYN010, 1, f, NULL, "RoCE frame with source %s (the RMAC of %s)",
                     mac__(f->pi.src, b), mname__(e, f->src_member));
        return;
    }
    if (f->src_vport < 0)
        return;
    int inf, a = check_affinity(e, f->src_vport, &inf);
    if (a < 0)
        return;
    check_seen(e, R_DYN010);
    if (a != f->member && !draining__(e, f, f->src_vport))
        check_offend(e, R_DYN010, 1, f, NULL, "RoCE of %s on %s, its affinitized member is "
                     "%s%s", vname__(e, f->src_vport), mname__(e, f->member), mname__(e, a),
                     inf__(inf));
}

/* ---- FO ---- */

/* FO-001 TRACE/error [S]/[P]: nothing is transmitted on a failed member
 * after its failure (plus detect_ms). */
static void fo001_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0)
        return;
    const struct check_mstate *ms = &e->ms[f->member];
    if (ms->up || ms->removed || !ms->down_at)
        return;
    check_seen(e, R_FO001);
    if (f->p->ts > ms->down_at + e->in->opt.detect)
        check_offend(e, R_FO001, 1, f, NULL, "%s transmitted while failed (down since "
                     "%.6f s)", mname__(e, f->member), (double)ms->down_at / (double)SIM_S);
}

/* FO-001: each failure is one thing checked, even when the member then
 * stays silent. */
static void fo001_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind == CHECK_EV_MEMBER_DOWN && ev->member >= 0 && e->ms[ev->member].up)
        check_seen(e, R_FO001);
}

/* FO-002: a failover affinity that arrives in time counts as checked. */
static void fo002_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind == CHECK_EV_AFFINITY && ev->vport >= 0 && e->vs[ev->vport].fo_pending &&
        ev->time <= e->vs[ev->vport].fo_deadline && ev->member >= 0 && e->ms[ev->member].up)
        check_seen(e, R_FO002);
}

/* FO-002 TRACE/error [S]: every vPort on a failed member gets a failover
 * affinity within detect_ms (unless no member is left: FO-008). */
static void fo002_instant(struct check_eng *e, sim_time_t now)
{
    const struct check_input *in = e->in;
    for (size_t v = 0; v < in->nvports; v++) {
        struct check_vstate *vs = &e->vs[v];
        if (!vs->fo_pending || now < vs->fo_deadline)
            continue;
        vs->fo_pending = 0;
        int t = vs->team, any_up = 0;
        for (size_t m = 0; m < in->nmembers; m++)
            if (in->members[m].team == t && e->ms[m].up)
                any_up = 1;
        if (!any_up)
            continue;
        check_seen(e, R_FO002);
        if (vs->aff >= 0 && !e->ms[vs->aff].up) {
            struct check_event ev = {.seq = vs->fo_seq, .time = now};
            check_offend(e, R_FO002, 1, NULL, &ev, "vPort %s stayed on failed %s: no "
                         "failover affinity", vname__(e, (int)v), mname__(e, vs->aff));
        }
    }
}

/* FO-003 TRACE/error [P]: a member's RMAC never appears on another member. */
static void fo003_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0)
        return;
    check_seen(e, R_FO003);
    if (f->src_member >= 0 && f->src_member != f->member &&
        e->in->members[f->src_member].team == f->team) {
        char b[18];
        check_offend(e, R_FO003, 1, f, NULL, "the RMAC %s of %s appears on %s",
                     mac__(f->pi.src, b), mname__(e, f->src_member), mname__(e, f->member));
    }
}

/* FO-004 TRACE/error [S]: each failure moves MAC(p) of an affected vPort at
 * most once (the host side of the station move: its affinity_set rows).
 * Counting starts at the member_down of A(p) and stops when a member of its
 * team comes up (failback is FO-006) or is added, or when an administrative
 * move takes the vPort (affinity_set "admin" or "mapping": a member removed
 * with Set-VMSwitchTeam, whose row comes before its member_removed row, or
 * a new team mapping; CFG-015 and FO-007 judge those, and they are not the
 * failure's move). */
static void fo004_event(struct check_eng *e, const struct check_event *ev)
{
    const struct check_input *in = e->in;
    if ((ev->kind == CHECK_EV_MEMBER_DOWN || ev->kind == CHECK_EV_MEMBER_REMOVED) &&
        ev->member >= 0 && (e->ms[ev->member].up || ev->kind == CHECK_EV_MEMBER_REMOVED)) {
        for (size_t v = 0; v < in->nvports; v++)
            if (e->vs[v].aff == ev->member) {
                e->vs[v].fo4_watch = 1;
                e->vs[v].fo4_moves = 0;
            }
        return;
    }
    if ((ev->kind == CHECK_EV_MEMBER_UP || ev->kind == CHECK_EV_MEMBER_ADDED) && ev->team >= 0) {
        for (size_t v = 0; v < in->nvports; v++)
            if (e->vs[v].team == ev->team)
                e->vs[v].fo4_watch = 0;
        return;
    }
    if (ev->kind != CHECK_EV_AFFINITY || ev->vport < 0)
        return;
    struct check_vstate *vs = &e->vs[ev->vport];
    if (!vs->fo4_watch || ev->member == vs->aff)
        return;
    if (!strcmp(ev->reason, "admin") || !strcmp(ev->reason, "mapping")) {
        vs->fo4_watch = 0;
        return;
    }
    check_seen(e, R_FO004);
    if (++vs->fo4_moves > 1)
        check_offend(e, R_FO004, 1, NULL, ev, "vPort %s moved %d times (%s -> %s) after one "
                     "failure (at most one station move)", vname__(e, ev->vport),
                     vs->fo4_moves, mname__(e, vs->aff), mname__(e, ev->member));
}

/* ---- DCB ---- */

/* DCB-001 TRACE/error [P]: PFC sent by a member requests only enabled
 * priorities; a non-zero time for a disabled priority is a warning. */
static void dcb001_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !(f->pi.layers & PKT_HAS_PFC))
        return;
    const struct check_member *m = &e->in->members[f->member];
    if (!m->pfc_known)
        return;
    check_seen(e, R_DCB001);
    uint16_t bad = (uint16_t)(f->pi.pfc_enable & ~m->pfc_mask);
    if (bad) {
        check_offend(e, R_DCB001, 1, f, NULL, "%s sent PFC with class-enable vector 0x%04x; "
                     "PFC is enabled for 0x%02x only", m->name, f->pi.pfc_enable, m->pfc_mask);
        return;
    }
    for (int p = 0; p < 8; p++)
        if (!(m->pfc_mask & (1u << p)) && f->pi.pfc_quanta[p])
            check_offend(e, R_DCB001, 0, f, NULL, "%s sent PFC with a time for disabled "
                         "priority %d", m->name, p);
}

/* DCB-002 TRACE/error [P]: after a received PFC (bit p, q > 0) at t0, no
 * PCP-p frame starts within (t0 + allowance, t0 + q * 512 / S) unless an
 * XON came first. */
static void dcb002_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->member < 0)
        return;
    const struct check_member *m = &e->in->members[f->member];
    struct check_mstate *ms = &e->ms[f->member];
    if (!m->rate_bps)
        return;
    sim_time_t now = f->p->ts;
    if (!f->tx) {
        if (f->pi.layers & PKT_HAS_PFC) {
            for (int p = 0; p < 8; p++) {
                if (!(f->pi.pfc_enable & (1u << p)))
                    continue;
                uint16_t q = f->pi.pfc_quanta[p];
                ms->pause_from[p] = now;
                ms->pause_until[p] = q ? now + pkt_pfc_quanta_time(q, m->rate_bps) : 0;
            }
        }
        return;
    }
    if (!(f->pi.layers & PKT_HAS_VLAN) || f->pi.ethertype == PKT_ETH_P_MAC_CTRL)
        return;
    int p = f->pi.pcp;
    if (m->pfc_known && !(m->pfc_mask & (1u << p)))
        return;
    if (!ms->pause_until[p] && !ms->pause_from[p])
        return;
    check_seen(e, R_DCB002);
    sim_time_t allow = e->in->opt.pfc_react + sim_tx_time(MAX_FRAME_BYTES, m->rate_bps);
    if (ms->pause_until[p] && now > ms->pause_from[p] + allow && now < ms->pause_until[p])
        check_offend(e, R_DCB002, 1, f, NULL, "%s started a priority-%d frame %.3f us into a "
                     "received pause of %.3f us", m->name, p,
                     (double)(now - ms->pause_from[p]) / (double)SIM_US,
                     (double)(ms->pause_until[p] - ms->pause_from[p]) / (double)SIM_US);
}

/* DCB-003 TRACE/error [P]: PFC frame format: 60 octets (64 with FCS), upper
 * vector octet 0, destination 01-80-C2-00-00-01, source not a vPort MAC;
 * a tagged PFC frame is a warning. */
static void dcb003_frame(struct check_eng *e, const struct check_frame *f)
{
    static const uint8_t dst[6] = PKT_PFC_DST_MAC;
    if (!(f->pi.layers & PKT_HAS_PFC))
        return;
    check_seen(e, R_DCB003);
    char b[18];
    if (f->p->wire_len != 60 && f->p->wire_len != 64)
        check_offend(e, R_DCB003, 1, f, NULL, "PFC frame of %u octets (60, or 64 with FCS)",
                     f->p->wire_len);
    else if (f->pi.pfc_enable >> 8)
        check_offend(e, R_DCB003, 1, f, NULL, "PFC class-enable vector 0x%04x: upper octet "
                     "not zero", f->pi.pfc_enable);
    else if (memcmp(f->pi.dst, dst, 6) != 0)
        check_offend(e, R_DCB003, 1, f, NULL, "PFC frame to %s, not 01:80:c2:00:00:01",
                     mac__(f->pi.dst, b));
    else if (f->src_vport >= 0)
        check_offend(e, R_DCB003, 1, f, NULL, "PFC frame sourced by vPort %s (PFC is "
                     "link-local)", vname__(e, f->src_vport));
    else if (f->pi.layers & PKT_HAS_VLAN)
        check_offend(e, R_DCB003, 0, f, NULL, "VLAN-tagged PFC frame");
}

static int is_iwarp__(const struct check_frame *f)
{
    return (f->pi.layers & PKT_HAS_TCP) &&
           (f->pi.sport == IWARP_SMBD_PORT || f->pi.dport == IWARP_SMBD_PORT);
}

/* DCB-004 TRACE/error [P]: an untagged RoCE frame loses its PCP (priority
 * tagged VID 0 is a warning); untagged iWARP is a warning. */
static void dcb004_frame(struct check_eng *e, const struct check_frame *f)
{
    int iw = !f->is_roce && f->parsed && is_iwarp__(f);
    if (!f->is_roce && !iw)
        return;
    check_seen(e, R_DCB004);
    if (!(f->pi.layers & PKT_HAS_VLAN))
        check_offend(e, R_DCB004, f->is_roce, f, NULL, "untagged %s frame: PCP lost, not "
                     "lossless", f->is_roce ? "RoCE" : "iWARP");
    else if (f->pi.vid == 0)
        check_offend(e, R_DCB004, 0, f, NULL, "priority-tagged (VID 0) %s frame",
                     f->is_roce ? "RoCE" : "iWARP");
}

/* How long after a failure drop of its priority a NAK is that loss's: the
 * receiver NAKs at the next packet, which may come after the sender's
 * local ACK timeout (16.8 ms by default) and a failover. */
#define DCB005_FAIL_WINDOW (100 * SIM_MS)

/* DCB-005 TRACE/error [S]: no congestion drop on a PFC-enabled priority;
 * [P]: a NAK (PSN sequence error) on a lossless priority is a loss.  With
 * the run's events, a NAK within 100 ms of a drop of its priority for a
 * failure (link down, team down, a member removed: not congestion, so not
 * DCB-005's), or of a member going down or leaving its team, is that
 * loss's recovery. */
static void dcb005_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind == CHECK_EV_MEMBER_DOWN || ev->kind == CHECK_EV_MEMBER_REMOVED) {
        /* Frames towards a member that went down may vanish unrecorded (a
         * switch floods them once it flushed the MAC): a failure's loss. */
        for (int p = 0; p < 8; p++)
            e->fail_drop_at[p] = ev->time;
        return;
    }
    if (ev->kind != CHECK_EV_DROP || !e->pfc_known || ev->prio < 0 || ev->prio > 7)
        return;
    if (!(e->pfc_union & (1u << ev->prio)))
        return;
    check_seen(e, R_DCB005);
    if (strcmp(ev->reason, "lossy_queue_full") == 0 ||
        strcmp(ev->reason, "headroom_overflow") == 0 || strcmp(ev->reason, "buffer_full") == 0)
        check_offend(e, R_DCB005, 1, NULL, ev, "drop (%s) on PFC-enabled priority %d",
                     ev->reason, ev->prio);
    else
        e->fail_drop_at[ev->prio] = ev->time;
}

static void dcb005_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->is_roce || !(f->pi.layers & PKT_HAS_VLAN) || !e->pfc_known ||
        !(e->pfc_union & (1u << f->pi.pcp)))
        return;
    check_seen(e, R_DCB005);
    if ((f->pi.layers & PKT_HAS_AETH) &&
        pkt_roce_aeth_kind(f->pi.aeth.syndrome) == PKT_AETH_NAK &&
        (f->pi.aeth.syndrome & PKT_AETH_VALUE_MASK) == PKT_AETH_NAK_PSN_SEQ_ERR) {
        sim_time_t fd = e->fail_drop_at[f->pi.pcp & 7];
        if (fd != SIM_TIME_MAX && f->p->ts >= fd && f->p->ts - fd <= DCB005_FAIL_WINDOW)
            return; /* the recovery of a failure's loss */
        check_offend(e, R_DCB005, 1, f, NULL, "RoCE NAK (PSN sequence error) on lossless "
                     "priority %u: a frame was lost", f->pi.pcp);
    }
}

/* DCB-007 TRACE/warn [P]: the host receives PFC with class-enable bits for
 * priorities it has disabled: the peer enables more, so those priorities
 * are lossy (mismatched PFC). */
static void dcb007_frame(struct check_eng *e, const struct check_frame *f)
{
    if (f->tx || f->member < 0 || !(f->pi.layers & PKT_HAS_PFC))
        return;
    const struct check_member *m = &e->in->members[f->member];
    if (!m->pfc_known)
        return;
    check_seen(e, R_DCB007);
    uint16_t bad = (uint16_t)(f->pi.pfc_enable & 0xff & ~m->pfc_mask);
    if (bad)
        check_offend(e, R_DCB007, 0, f, NULL, "%s received PFC for priorities 0x%02x it has "
                     "disabled (PFC enabled 0x%02x): mismatched PFC, those priorities are "
                     "lossy", m->name, bad, m->pfc_mask);
}

/* DCB-009 TRACE/error [S/P]: no PFC frame from a member while its
 * qos_programmed says blocked(debugger). */
static void dcb009_event(struct check_eng *e, const struct check_event *ev)
{
    if (ev->kind != CHECK_EV_QOS || ev->member < 0)
        return;
    e->ms[ev->member].qos_known = 1;
    e->ms[ev->member].qos_debugger = strncmp(ev->reason, "blocked(debugger", 16) == 0;
}

static void dcb009_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || f->member < 0 || !(f->pi.layers & PKT_HAS_PFC) ||
        !e->ms[f->member].qos_known)
        return;
    check_seen(e, R_DCB009);
    if (e->ms[f->member].qos_debugger)
        check_offend(e, R_DCB009, 1, f, NULL, "%s sent PFC while NetQos is blocked by a "
                     "kernel debugger", mname__(e, f->member));
}

/* DCB-010 TRACE/error [P~]: RoCE only from RDMA-enabled vNICs. */
static void dcb010_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || !f->is_roce || f->src_vport < 0)
        return;
    check_seen(e, R_DCB010);
    if (!e->in->vports[f->src_vport].rdma)
        check_offend(e, R_DCB010, 1, f, NULL, "RoCE frame from %s, which is not "
                     "RDMA-enabled", vname__(e, f->src_vport));
}

/* DCB-012 TRACE/error [P]: RoCE of an RDMA vNIC is tagged with its PCP and
 * its VID, the same on every member. */
static void dcb012_frame(struct check_eng *e, const struct check_frame *f)
{
    if (!f->tx || !f->is_roce || f->src_vport < 0)
        return;
    const struct check_vport *p = &e->in->vports[f->src_vport];
    if (!p->rdma)
        return;
    struct check_vstate *vs = &e->vs[f->src_vport];
    check_seen(e, R_DCB012);
    int pcp = p->roce_pcp >= 0 ? p->roce_pcp : LOSSLESS_PCP_DEFAULT;
    if (!(f->pi.layers & PKT_HAS_VLAN)) {
        check_offend(e, R_DCB012, 1, f, NULL, "untagged RoCE frame from %s", p->name);
        return;
    }
    if (f->pi.pcp != pcp || f->pi.vid != p->vlan) {
        check_offend(e, R_DCB012, 1, f, NULL, "RoCE frame from %s with VID %u PCP %u, "
                     "expected VID %u PCP %d", p->name, f->pi.vid, f->pi.pcp, p->vlan, pcp);
        return;
    }
    int tag = (f->pi.vid << 3 | f->pi.pcp) + 1;
    if (vs->roce_tag && vs->roce_tag != tag && vs->roce_member != f->member)
        check_offend(e, R_DCB012, 1, f, NULL, "RoCE of %s changed VID/PCP across a member "
                     "change", p->name);
    vs->roce_tag = tag;
    vs->roce_member = f->member;
}

#define W CHECK_NEEDS_WIRE
#define I CHECK_NEEDS_INFERRED
#define S CHECK_NEEDS_EVENTS

const struct check_rule_impl check_rules[] = {
    [R_CFG001] = {{"CFG-001", "Team size is 1..8", "error", S,
                   "no team ever has more than 8 members (member_added/removed)"},
                  "no member_added event", NULL, cfg001_event, NULL},
    [R_CFG010] = {{"CFG-010", "Switch Independent mode only", "error", W,
                   "no member transmits an LACPDU (0x8809/1); one received is a warning"},
                  "no member capture", cfg010_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_MEMBER},
    [R_CFG013] = {{"CFG-013", "No team name and no team interface", "error", I,
                   "every source MAC on a member is a vPort MAC, an RMAC or a PMAC"},
                  "needs the vPort inventory and member captures", cfg013_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},
    [R_CFG015] = {{"CFG-015", "Set-VMSwitchTeam -NetAdapterName replaces the member list",
                   "error", S, "nothing is transmitted on a member after member_removed"},
                  "no member was removed", cfg015_frame, cfg015_event, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},
    [R_CFG023] = {{"CFG-023", "Compatible technologies and offload aggregation", "error", W,
                   "every IPv4 header checksum, and every fully captured TCP/UDP checksum, is valid"},
                  "no fully captured IP frame", cfg023_frame, NULL, NULL},
    [R_CFG024] = {{"CFG-024", "802.1X EAP frames are dropped", "error", I,
                   "no EAPOL (0x888E) frame from a vPort MAC on a member"},
                  "no vPort frame on a member capture", cfg024_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_SRCV},
    [R_HVP001] = {{"HVP-001", "Each vPort has exactly one affinitized member", "error", S,
                   "Hyper-V Port: after every instant, each vPort maps to an up member of its "
                   "team"},
                  "no affinity event of a Hyper-V Port team", NULL, NULL, check_hvp001_instant},
    [R_HVP003] = {{"HVP-003", "Every packet goes on the affinitized member", "error", S | I,
                   "Hyper-V Port: frames of p appear only on A(p,t)"},
                  "no vPort frame of a Hyper-V Port team", hvp003_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_SRCV | CHECK_FK_HVP},
    [R_HVP004] = {{"HVP-004", "No source MAC replacement", "error", W,
                   "Hyper-V Port: no member MAC as source except on PFC/LLDP"},
                  "no member capture of a Hyper-V Port team", hvp004_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_HVP},
    [R_HVP006] = {{"HVP-006", "A team mapping pins the affinity", "error", I,
                   "frames of a mapped vNIC appear only on its mapped member while it is up"},
                  "no frame of a team-mapped vNIC", hvp006_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_SRCV},
    [R_HVP007] = {{"HVP-007", "Ingress follows the learned MAC", "error", I,
                   "unicast to MAC(p) arrives on A(p) after learn_grace (flooding: warn)"},
                  "no received unicast to a vPort", hvp007_frame, NULL, NULL, hvp007_end,
                  .frame_needs = CHECK_FK_RX | CHECK_FK_MEMBER},
    [R_HVP009] = {{"HVP-009", "No MAC flapping (both modes)", "error", W,
                   "each vPort MAC is sourced on one member outside move_window"},
                  "no vPort frame on a member capture", hvp009_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_SRCV},
    [R_HVP005] = {{"HVP-005", "One vPort gets at most one member's bandwidth", "error", W,
                   "Hyper-V Port: a vPort's bits in any 10 ms window <= its member's rate "
                   "* 10 ms * 1.01 (leaky bucket)"},
                  "no vPort frame of a Hyper-V Port team on a member of known rate",
                  hvp005_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_SRCV | CHECK_FK_HVP},
    [R_DYN003] = {{"DYN-003", "Rebalancing happens at flowlet boundaries", "error", S | W,
                   "flow_move only after a gap >= flowlet gap; on the wire a gapless move "
                   "is a warning"},
                  "no flow of a Dynamic team", dyn003_frame, dyn003_event, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_DYN},
    [R_DYN004] = {{"DYN-004", "Traffic that cannot be hashed", "error", I,
                   "Dynamic: frames of p without a TCP/UDP 4-tuple only on A(p), with MAC(p)"},
                  "no non-hashable vPort frame of a Dynamic team", dyn004_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_DYN},
    [R_DYN005] = {{"DYN-005", "ARP and NS go only on the affinitized member", "error", I,
                   "ARP/NS of p only on A(p); none with an RMAC source"},
                  "no ARP/NS of a Dynamic team", dyn005_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_ARPNS},
    [R_DYN006] = {{"DYN-006", "No replacement on the affinitized member", "error", I,
                   "Dynamic: frames of p on A(p) carry MAC(p)"},
                  "no vPort frame on a Dynamic team's affinitized member", dyn006_frame, NULL,
                  NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_DYN},
    [R_DYN007] = {{"DYN-007", "Other members replace the source MAC with their own", "error",
                   I, "Dynamic: frames of p on M != A(p) carry RMAC(M) and the vNIC's VID"},
                  "no vPort frame on a non-affinitized member", dyn007_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_DYN},
    [R_DYN008] = {{"DYN-008", "Inbound works as in Hyper-V Port mode", "warn", W,
                   "no inbound unicast to an RMAC"},
                  "no received frame of a Dynamic team", dyn008_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_RX | CHECK_FK_MEMBER | CHECK_FK_DYN},
    [R_DYN010] = {{"DYN-010", "RDMA traffic is not flowlet-balanced", "error", I,
                   "RoCE of MAC(p) only on A(p); no RoCE with an RMAC"},
                  "no RoCE frame", dyn010_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_ROCE},
    [R_HVP002] = {{"HVP-002", "Initial placement", "error", S,
                   "Hyper-V Port: affinity_set(initial) goes to the mapped member if up, else "
                   "the up member with the fewest vPorts (ties: member order)"},
                  "no initial affinity_set of a Hyper-V Port team", NULL, check_hvp002_event,
                  check_hvp002_instant},
    [R_DYN001] = {{"DYN-001", "Each vPort has an affinitized member (Dynamic)", "error", S,
                   "Dynamic: after every instant each vPort maps to an up member; initial "
                   "placement as HVP-002"},
                  "no affinity event of a Dynamic team", NULL, NULL, check_dyn001_instant},
    [R_HVP008] = {{"HVP-008", "Flooded frames are delivered once", "error", S,
                   "at most one rx_deliver per (vPort, flooded frame); a copy from a member "
                   "is the affinitized member's"},
                  "no rx_deliver row with a frame key", NULL, check_hvp008_event, NULL},
    [R_DYN002] = {{"DYN-002", "Outbound is distributed per flow by TCP ports and IP addresses",
                   "error", W | S, "Dynamic: flow_place matches the Toeplitz hash of its key; "
                   "a TCP/UDP flow never comes back, within one flowlet, to the member it left"},
                  "no TCP/UDP flow of a Dynamic team with two frames", check_dynflow_frame,
                  check_flow_place_event, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_DYN},
    [R_DYN009] = {{"DYN-009", "One source may use several members at once", "error", W,
                   "Dynamic: one flow's bits in any 10 ms window <= its member's rate * 10 ms "
                   "* 1.01; info: vPorts on several members at once"},
                  "no TCP/UDP frame of a Dynamic team on a member of known rate", NULL, NULL,
                  NULL},
    [R_DYN011] = {{"DYN-011", "HNV-aware distribution", "error", W | S,
                   "Dynamic: an NVGRE/VXLAN flow (outer addresses + FlowID / outer UDP ports) "
                   "is placed by the hash of that key and never comes back, within one "
                   "flowlet, to the member it left"},
                  "no NVGRE or VXLAN (UDP 4789) flow of a Dynamic team", NULL, NULL, NULL},
    [R_FO001] = {{"FO-001", "Detecting a failure", "error", S | W,
                  "nothing is transmitted on a failed member after detect_ms"},
                 "no member failed", fo001_frame, fo001_event, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},
    [R_FO002] = {{"FO-002", "A temporary affinitized member takes over the vPort MAC",
                  "error", S, "every vPort of a failed member gets a new affinity in time"},
                 "no member failed", NULL, fo002_event, fo002_instant},
    [R_FO003] = {{"FO-003", "Only the failed member's own-MAC traffic changes", "error", W,
                  "a member's RMAC never appears on another member"},
                 "no member capture", fo003_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},
    [R_FO004] = {{"FO-004", "At most one MAC move per affected vPort per failure", "error",
                  S, "after a member_down, each of its vPorts gets at most one new affinity "
                  "until a member comes up"},
                 "no member failed", NULL, fo004_event, NULL},
    [R_DCB001] = {{"DCB-001", "The host sends PFC only for enabled priorities", "error", W,
                   "PFC vectors sent by a member only set PFC-enabled priorities"},
                  "no PFC frame sent by a member with known PFC priorities", dcb001_frame,
                  NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_PFC},
    [R_DCB002] = {{"DCB-002", "The host honours received PFC only for enabled priorities",
                   "error", W, "no PCP-p frame starts inside a received pause of p"},
                  "no member received PFC", dcb002_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_MEMBER},
    [R_DCB003] = {{"DCB-003", "PFC frame format; PFC is link-local", "error", W,
                   "PFC frames: 60/64 octets, upper vector octet 0, 01:80:c2:00:00:01, "
                   "not from a vPort"},
                  "no PFC frame", dcb003_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_PFC},
    [R_DCB004] = {{"DCB-004", "Untagged traffic loses PCP", "error", W,
                   "RoCE frames are VLAN-tagged (untagged iWARP: warning)"},
                  "no RoCE or iWARP frame", dcb004_frame, NULL, NULL},
    [R_DCB005] = {{"DCB-005", "RoCE on priority 3 is lossless when PFC is correct", "error",
                   S | W, "no congestion drop and no NAK on a PFC-enabled priority"},
                  "no drop event or RoCE frame on a PFC-enabled priority", dcb005_frame,
                  dcb005_event, NULL,
                  .frame_needs = CHECK_FK_ROCE},
    [R_DCB007] = {{"DCB-007", "Mismatched PFC is no flow control", "warn", W,
                   "PFC received by a member sets only its PFC-enabled priorities"},
                  "no PFC received by a member with known PFC priorities", dcb007_frame, NULL,
                  NULL,
                  .frame_needs = CHECK_FK_RX | CHECK_FK_MEMBER | CHECK_FK_PFC},
    [R_DCB009] = {{"DCB-009", "Kernel-debugger block seen on the wire", "error", S | W,
                   "no PFC sent by a member while qos_programmed is blocked(debugger)"},
                  "no PFC sent by a member with a qos_programmed row", dcb009_frame,
                  dcb009_event, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_PFC},
    [R_DCB010] = {{"DCB-010", "Host RDMA vNICs have RDMA capabilities on the wire", "error",
                   I, "RoCE frames come only from RDMA-enabled vNICs"},
                  "no RoCE frame from a known vPort", dcb010_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_ROCE | CHECK_FK_SRCV},
    [R_DCB012] = {{"DCB-012", "SMB Direct frames carry PCP 3 with VID 42", "error", W,
                   "RoCE of an RDMA vNIC is tagged with its PCP and VID on every member"},
                  "no RoCE frame from an RDMA vNIC", dcb012_frame, NULL, NULL,
                  .frame_needs = CHECK_FK_TX | CHECK_FK_ROCE | CHECK_FK_SRCV},
    [R_FODCB] = CHECK_RULES_FODCB,
};
const int check_fodcb_first = R_FODCB;
const size_t check_nrules = sizeof check_rules / sizeof check_rules[0];

_Static_assert(sizeof check_rules / sizeof check_rules[0] == R_COUNT, "one entry per rule");
