/* switch: learning switch with VLANs, a shared buffer with PFC and
 * headroom, ECN marking and strict/ETS egress (see switch.h).
 *
 * Per frame: rx__ classifies (VLAN, priority), learns, looks up, and hands
 * one reference per egress port to forward__, which retags the bytes for
 * that port, admits the frame against the buffer (admit__), marks ECN and
 * queues it on the port's txport.  When the frame starts transmission,
 * on_tx__ releases its ingress accounting, which may send XON.
 *
 * Buffer accounting per (ingress port, priority): `ingress` bytes, split
 * into the part charged to the shared pool and the part in the port's
 * headroom.  Release takes headroom first, so the split stays exact when
 * thresholds move (dynamic XOFF).
 *
 * MAC table: open addressing, linear probing, backward-shift deletion; key
 * = VLAN << 48 | MAC (VLAN >= 1, so key 0 marks an empty slot).  Aging is
 * lazy on lookup plus a timer armed for the oldest entry.
 */
#include "switch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "pfc_gen.h"
#include "pkt.h"
#include "pkt_pfc.h"
#include "sim_rng.h"
#include "txport.h"

#define DEFAULT_MTU 1522
#define DEFAULT_PEER_RESPONSE (1 * SIM_US) /* DCB-002 react time pfc.react_ns */
#define DEFAULT_MAC_CAPACITY 16384
#define DEFAULT_MOVE_WINDOW (100 * SIM_MS) /* rules.md Appendix A move_window_ms */

struct mac_entry {
    uint64_t key;          /* VLAN << 48 | MAC; 0: empty */
    uint32_t port;
    uint8_t is_static;
    sim_time_t last_seen;
    sim_time_t window_start; /* start of the move-count window */
    uint32_t moves;          /* moves within the window */
};

/* What a frame's passage through the switch reads and writes for its
 * priority on its ingress port (buffer accounting, rx counters) and on its
 * egress port (tx counters): one cache line per port and priority instead
 * of one per array.  switch_port_counters() copies the counters into the
 * port's switch_port_counters. */
struct sw_prio {
    uint64_t ingress;         /* bytes admitted from this port */
    uint64_t shared_part;     /* ... charged to the shared pool */
    uint64_t head_part;       /* ... held in headroom */
    uint64_t max_ingress;     /* largest ingress seen */
    uint64_t rx_frames, rx_bytes;
    uint64_t tx_frames, tx_bytes;
};

struct sw_port {
    /* Read for every frame (the first cache line, with cfg's mode, pvid
     * and default_pcp). */
    struct sw *sw;
    struct link *link;        /* not owned */
    uint32_t num;             /* 1-based */
    int carrier;
    uint32_t headroom;
    uint8_t wd_tripped;       /* priorities whose PFC is being ignored */
    struct switch_port_settings cfg;
    struct txport tx;
    struct pfc_gen pfc;
    _Alignas(64) struct sw_prio pr[8];
    trace_obj_t obj;
    uint8_t mac[6];           /* source of the PFC frames it sends */
    uint8_t allowed[512];     /* trunk VLAN bitmap */
    /* PFC watchdog */
    sim_time_t paused_since[8]; /* 0: not paused */
    sim_time_t last_pfc_rx[8];
    sim_event_id wd_timer;
    struct switch_port_counters ctr; /* drops, PFC, ECN and max_queue counted here;
                                      * the rest copied from pr[] */
};

struct sw {
    struct sim_engine *eng;   /* not owned */
    struct trace *trace;      /* not owned, may be NULL */
    struct frame_pool *pool;  /* not owned */
    char *name;
    struct switch_settings cfg;
    struct sw_port *ports;    /* [nports + 1], index 0 unused */
    uint64_t shared_used;
    struct mac_entry *mac;    /* [mac_size] */
    size_t mac_size, mac_count;
    sim_event_id age_timer;
    sim_time_t age_at;
    struct sim_rng rng;       /* ECN marking */
    struct switch_counters ctr;
};

static void on_tx__(void *owner, struct frame *f);
static void pfc_send__(void *owner, uint8_t enable, const uint16_t quanta[8]);

void switch_settings_default(struct switch_settings *s, const char *name, uint32_t nports)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->nports = nports;
    s->buffer = 12 * 1000 * 1000;
    s->mtu = DEFAULT_MTU;
    s->xoff_mode = SWITCH_THRESH_STATIC;
    s->xoff = 96 * 1024;
    s->xoff_alpha = 0.125;
    s->lossy_mode = SWITCH_THRESH_DYNAMIC;
    s->lossy_alpha = 1.0;
    s->aging = SWITCH_DEFAULT_AGING;
    s->mac_capacity = DEFAULT_MAC_CAPACITY;
    s->move_window = DEFAULT_MOVE_WINDOW;
}

void switch_port_settings_default(struct switch_port_settings *p)
{
    memset(p, 0, sizeof *p);
    p->mode = SWITCH_ACCESS;
    p->pvid = 1;
    p->cable_m = 3;
    egress_settings_default(&p->egress, 0);
}

uint32_t switch_headroom(uint64_t rate_bps, uint32_t cable_m, uint32_t mtu,
                         sim_time_t peer_response)
{
    /* SONiC buffer_headroom_mellanox.lua with cell_occupancy = 1,
     * gearbox and mac_phy delays 0, and our 5 ns/m cable. */
    unsigned __int128 cable_bits = (unsigned __int128)2 * cable_m * 5 * SIM_NS * rate_bps;
    uint64_t bytes_on_cable = (uint64_t)(cable_bits / SIM_S / 8);
    uint64_t peer = (uint64_t)((unsigned __int128)peer_response * rate_bps / SIM_S / 8);
    uint64_t propagation = mtu + 2 * bytes_on_cable + peer;
    uint64_t xoff = mtu + propagation;
    return xoff > UINT32_MAX ? UINT32_MAX : (uint32_t)xoff;
}

/* ---- MAC table ------------------------------------------------------ */

static inline uint64_t mac_key(uint16_t vlan, const uint8_t *mac)
{
    return ((uint64_t)vlan << 48) | ((uint64_t)mac[0] << 40) | ((uint64_t)mac[1] << 32) |
           ((uint64_t)mac[2] << 24) | ((uint64_t)mac[3] << 16) | ((uint64_t)mac[4] << 8) | mac[5];
}

static inline size_t mac_slot(const struct sw *sw, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (sw->mac_size - 1);
}

static void key_mac__(uint64_t key, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(key >> (40 - 8 * i));
}

static struct mac_entry *mac_find(struct sw *sw, uint64_t key)
{
    for (size_t i = mac_slot(sw, key);; i = (i + 1) & (sw->mac_size - 1)) {
        struct mac_entry *e = &sw->mac[i];
        if (e->key == key)
            return e;
        if (e->key == 0)
            return NULL;
    }
}

/* Backward-shift deletion keeps probe chains intact. */
static void mac_remove(struct sw *sw, struct mac_entry *e)
{
    size_t mask = sw->mac_size - 1;
    size_t i = (size_t)(e - sw->mac);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (sw->mac[j].key == 0)
            break;
        size_t home = mac_slot(sw, sw->mac[j].key);
        /* Move j into the hole at i if its home is not in (i, j]. */
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            sw->mac[i] = sw->mac[j];
            i = j;
        }
    }
    memset(&sw->mac[i], 0, sizeof sw->mac[i]);
    sw->mac_count--;
}

static void age_timer__(struct sim_engine *eng, void *ctx, void *arg);

static void arm_aging__(struct sw *sw, sim_time_t at)
{
    if (sw->age_timer && sw->age_at <= at)
        return;
    if (sw->age_timer)
        sim_cancel(sw->eng, sw->age_timer);
    sw->age_at = at;
    sw->age_timer = sim_schedule_at(sw->eng, at, age_timer__, sw, NULL);
}

static void trace_mac_removed__(struct sw *sw, const struct mac_entry *e, const char *why)
{
    if (!sw->trace)
        return;
    uint8_t mac[6];
    key_mac__(e->key, mac);
    struct trace_rec r = {.obj = sw->ports[e->port].obj,
                          .has = TRACE_HAS_VALUE | TRACE_HAS_AUX,
                          .value = trace_mac_pack(mac),
                          .aux = (int64_t)(e->key >> 48),
                          .reason = why};
    trace_event(sw->trace, sim_now(sw->eng), TRACE_MAC_AGE, &r);
}

/* Removes expired entries and re-arms for the oldest remaining one. */
static void age_timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct sw *sw = ctx;
    sw->age_timer = 0;
    sim_time_t now = sim_now(eng);
    sim_time_t oldest = SIM_TIME_MAX;
    for (size_t i = 0; i < sw->mac_size;) {
        struct mac_entry *e = &sw->mac[i];
        if (e->key && !e->is_static) {
            if (e->last_seen + sw->cfg.aging <= now) {
                trace_mac_removed__(sw, e, "aged");
                sw->ctr.aged++;
                mac_remove(sw, e);
                continue; /* slot i now holds a shifted entry */
            }
            if (e->last_seen < oldest)
                oldest = e->last_seen;
        }
        i++;
    }
    if (oldest != SIM_TIME_MAX)
        arm_aging__(sw, oldest + sw->cfg.aging);
}

/* Learns src on port; returns 0 or -ENOSPC when the table is full. */
static void learn__(struct sw *sw, uint16_t vlan, const uint8_t *src, uint32_t port)
{
    uint64_t key = mac_key(vlan, src);
    sim_time_t now = sim_now(sw->eng);
    struct mac_entry *e = mac_find(sw, key);
    if (e) {
        if (e->is_static)
            return;
        e->last_seen = now;
        if (e->port == port)
            return;
        /* A move: the MAC shows up behind another port. */
        uint32_t old = e->port;
        e->port = port;
        if (now - e->window_start > sw->cfg.move_window) {
            e->window_start = now;
            e->moves = 0;
        }
        e->moves++;
        sw->ctr.moves++;
        if (e->moves >= 2)
            sw->ctr.flaps++;
        if (sw->trace)
            trace_mac_move(sw->trace, now, sw->ports[port].obj, sw->ports[old].obj, vlan, src);
        return;
    }
    if (sw->mac_count >= sw->cfg.mac_capacity)
        return; /* full: the frame is still forwarded, the MAC not learned */
    for (size_t i = mac_slot(sw, key);; i = (i + 1) & (sw->mac_size - 1)) {
        if (sw->mac[i].key == 0) {
            sw->mac[i] = (struct mac_entry){key, port, 0, now, now, 0};
            break;
        }
    }
    sw->mac_count++;
    sw->ctr.learned++;
    if (sw->trace)
        trace_mac_learn(sw->trace, now, sw->ports[port].obj, vlan, src);
    arm_aging__(sw, now + sw->cfg.aging);
}

/* The port behind (vlan, dst), 0 if unknown or aged. */
static uint32_t lookup__(struct sw *sw, uint16_t vlan, const uint8_t *dst)
{
    struct mac_entry *e = mac_find(sw, mac_key(vlan, dst));
    if (!e)
        return 0;
    if (!e->is_static && e->last_seen + sw->cfg.aging <= sim_now(sw->eng)) {
        trace_mac_removed__(sw, e, "aged");
        sw->ctr.aged++;
        mac_remove(sw, e);
        return 0;
    }
    return e->port;
}

static void flush_port_macs__(struct sw *sw, uint32_t port)
{
    for (size_t i = 0; i < sw->mac_size;) {
        struct mac_entry *e = &sw->mac[i];
        if (e->key && !e->is_static && e->port == port) {
            trace_mac_removed__(sw, e, "flush");
            sw->ctr.flushed++;
            mac_remove(sw, e);
            continue;
        }
        i++;
    }
}

/* ---- buffer accounting ---------------------------------------------- */

static uint64_t free_shared__(const struct sw *sw)
{
    return sw->shared_used < sw->cfg.buffer ? sw->cfg.buffer - sw->shared_used : 0;
}

static uint64_t xoff__(const struct sw *sw)
{
    if (sw->cfg.xoff_mode == SWITCH_THRESH_DYNAMIC)
        return (uint64_t)(sw->cfg.xoff_alpha * (double)free_shared__(sw));
    return sw->cfg.xoff;
}

static uint64_t xon__(const struct sw *sw, uint64_t xoff)
{
    if (sw->cfg.xon_delta)
        return xoff > sw->cfg.xon_delta ? xoff - sw->cfg.xon_delta : 0;
    return xoff / 2;
}

static void drop__(struct sw *sw, uint32_t port, struct frame *f, enum trace_drop_reason why)
{
    sw->ports[port].ctr.drops[why]++;
    if (sw->trace)
        trace_drop(sw->trace, sim_now(sw->eng), sw->ports[port].obj, why, f->priority,
                   f->flow_id, frame_wire_len(f));
    frame_unref(f);
}

/* Admits f (from port in, priority p) into egress port out's queue: len
 * bytes join that queue, `charge` of them count against the ingress port
 * and the shared buffer (all of them, except for a copy of a flooded frame,
 * which holds its share of one stored frame).  Returns 0 or the drop
 * reason. */
static int admit__(struct sw *sw, struct sw_port *in, struct sw_port *out, uint8_t p,
                   uint32_t qlen, uint32_t len)
{
    if (sw->cfg.pfc_enabled & (1u << p)) {
        uint64_t xoff = xoff__(sw);
        if (in->pr[p].ingress < xoff && sw->shared_used + len <= sw->cfg.buffer) {
            in->pr[p].shared_part += len;
            sw->shared_used += len;
        } else if (in->pr[p].head_part + len <= in->headroom) {
            in->pr[p].head_part += len;
        } else {
            return TRACE_DROP_HEADROOM_OVERFLOW;
        }
        in->pr[p].ingress += len;
        if (in->pr[p].ingress >= xoff)
            pfc_gen_set(&in->pfc, p, 1);
    } else {
        uint64_t limit = sw->cfg.lossy_mode == SWITCH_THRESH_DYNAMIC
                             ? (uint64_t)(sw->cfg.lossy_alpha * (double)free_shared__(sw))
                             : sw->cfg.lossy_limit;
        if (out->tx.eg.q[p].bytes + qlen > limit || sw->shared_used + len > sw->cfg.buffer)
            return TRACE_DROP_LOSSY_QUEUE_FULL;
        in->pr[p].shared_part += len;
        sw->shared_used += len;
        in->pr[p].ingress += len;
    }
    if (in->pr[p].ingress > in->pr[p].max_ingress)
        in->pr[p].max_ingress = in->pr[p].ingress;
    if (sw->shared_used > sw->ctr.buffer_peak)
        sw->ctr.buffer_peak = sw->shared_used;
    return 0;
}

/* Returns a frame's bytes to the buffer (it left, or was dropped from a
 * queue). */
static void release__(struct sw *sw, struct frame *f)
{
    struct sw_port *in = &sw->ports[f->ingress_port];
    uint8_t p = f->priority & 7;
    uint64_t len = f->flags & FRAME_F_CHARGED ? f->charge : frame_wire_len(f);
    f->flags &= (uint16_t)~FRAME_F_CHARGED; /* the next switch charges it afresh */
    in->pr[p].ingress -= len;
    uint64_t from_head = in->pr[p].head_part < len ? in->pr[p].head_part : len;
    in->pr[p].head_part -= from_head;
    in->pr[p].shared_part -= len - from_head;
    sw->shared_used -= len - from_head;
    if ((in->pfc.xoff & (1u << p)) && in->pr[p].ingress <= xon__(sw, xoff__(sw)))
        pfc_gen_set(&in->pfc, p, 0);
}

static void on_tx__(void *owner, struct frame *f)
{
    struct sw_port *sp = owner;
    uint8_t p = f->priority & 7;
    sp->pr[p].tx_frames++;
    sp->pr[p].tx_bytes += frame_wire_len(f);
    release__(sp->sw, f);
}

struct flush_ctx {
    struct sw *sw;
    uint32_t port;
    enum trace_drop_reason why;
};

static void drop_queued__(void *ctx, struct frame *f)
{
    struct flush_ctx *fc = ctx;
    release__(fc->sw, f);
    drop__(fc->sw, fc->port, f, fc->why);
}

/* ---- ECN ------------------------------------------------------------ */

/* RED-style: no mark up to kmin, probability rising linearly to pmax at
 * kmax, always above kmax; only ECT frames are marked. */
static void ecn_mark__(struct sw *sw, struct sw_port *out, uint8_t p, struct frame **fp)
{
    const struct switch_ecn *ecn = &sw->cfg.ecn[p];
    uint64_t q = out->tx.eg.q[p].bytes;
    if (q <= ecn->kmin)
        return;
    if (q < ecn->kmax) {
        double prob = ecn->pmax * (double)(q - ecn->kmin) / (double)(ecn->kmax - ecn->kmin);
        if (sim_rng_unit(&sw->rng) >= prob)
            return;
    }
    uint8_t dscp, e;
    if (pkt_ip_get_ds(*fp, &dscp, &e) != 0 || e == PKT_ECN_NOT_ECT || e == PKT_ECN_CE)
        return;
    if (frame_make_writable(fp) != 0)
        return;
    if (pkt_ip_mark_ce(*fp) == 0) {
        (*fp)->flags |= FRAME_F_ECN_MARKED;
        out->ctr.ecn_marked[p]++;
    }
}

/* ---- forwarding ----------------------------------------------------- */

static int vlan_allowed__(const struct sw_port *sp, uint16_t vlan)
{
    if (sp->cfg.mode == SWITCH_ACCESS)
        return vlan == sp->cfg.pvid;
    return vlan == sp->cfg.pvid || (sp->allowed[vlan >> 3] & (1u << (vlan & 7)));
}

/* Queues one reference of f on port out with the bytes that port sends;
 * l2 is rx__'s decode of f's bytes.  f is rewritten in place only when it
 * is not shared, i.e. on its last use (flood__ holds a reference of its
 * own, so every flooded port rewrites a private copy): the decode holds
 * for every port. */
static void forward__(struct sw *sw, struct sw_port *in, struct sw_port *out, struct frame *f,
                      const struct pkt_l2 *l2, uint16_t vlan, uint8_t pcp)
{
    if (!out->carrier || !link_is_up(out->link)) {
        f->priority = pcp;
        drop__(sw, out->num, f, TRACE_DROP_LINK_DOWN);
        return;
    }
    int want_tag = out->cfg.mode == SWITCH_TRUNK && vlan != out->cfg.pvid;
    int tagged = l2->tagged;
    if (want_tag != tagged || (tagged && (l2->vid != vlan || l2->pcp != pcp))) {
        if (frame_make_writable(&f) != 0) {
            frame_unref(f);
            return;
        }
        int rc = 0;
        if (want_tag && !tagged)
            rc = pkt_vlan_insert(f, pcp, 0, vlan);
        else if (!want_tag && tagged)
            rc = pkt_vlan_strip(f);
        else {
            rc = pkt_vlan_set_vid(f, vlan);
            if (rc == 0)
                rc = pkt_vlan_set_pcp(f, pcp);
        }
        if (rc != 0) {
            f->priority = pcp;
            drop__(sw, out->num, f, TRACE_DROP_OTHER);
            return;
        }
    }
    f->priority = pcp;
    f->ingress_port = in->num;
    if (out->wd_tripped & (1u << pcp) && sw->cfg.wd_action == SWITCH_WD_DRAIN) {
        drop__(sw, out->num, f, TRACE_DROP_OTHER);
        return;
    }
    uint32_t len = frame_wire_len(f);
    int why = admit__(sw, in, out, pcp, len, f->flags & FRAME_F_CHARGED ? f->charge : len);
    if (why) {
        drop__(sw, why == TRACE_DROP_HEADROOM_OVERFLOW ? in->num : out->num, f, why);
        return;
    }
    if (sw->cfg.ecn_enabled & (1u << pcp))
        ecn_mark__(sw, out, pcp, &f);
    f->t_enqueued = sim_now(sw->eng);
    if (txport_enqueue(&out->tx, pcp, f) != 0) {
        release__(sw, f);
        drop__(sw, out->num, f, TRACE_DROP_LOSSY_QUEUE_FULL);
        return;
    }
    uint64_t q = out->tx.eg.q[pcp].bytes;
    if (q > out->ctr.max_queue[pcp])
        out->ctr.max_queue[pcp] = q;
}

static int flood_to__(const struct sw_port *in, const struct sw_port *out, uint16_t vlan)
{
    return out != in && out->link && vlan_allowed__(out, vlan) && out->carrier;
}

/* A flooded frame is stored once and sent from every egress queue it is
 * copied to, as in a shared-buffer switch: its bytes count once against
 * the ingress port (PFC) and the shared buffer, split over its copies, and
 * each copy gives its share back when it leaves.  (Counted once per copy, a
 * lossless priority's flood after a MAC flush overran the ingress headroom
 * N times faster than the wire fills it.) */
static void flood__(struct sw *sw, struct sw_port *in, struct frame *f, const struct pkt_l2 *l2,
                    uint16_t vlan, uint8_t pcp)
{
    sw->ctr.flooded++;
    uint32_t n = sw->cfg.nports, copies = 0;
    for (uint32_t i = 1; i <= n; i++)
        copies += (uint32_t)flood_to__(in, &sw->ports[i], vlan);
    uint32_t len = frame_wire_len(f), left = copies;
    for (uint32_t i = 1; i <= n && left; i++) {
        struct sw_port *out = &sw->ports[i];
        if (!flood_to__(in, out, vlan))
            continue;
        /* Its own object per copy (the share travels with it); the last
         * copy is f itself. */
        struct frame *c = --left ? frame_copy(f) : f;
        if (!c)
            continue;
        if (copies > 1) {
            c->flags |= FRAME_F_CHARGED;
            c->charge = (uint16_t)(len / copies + (left == copies - 1 ? len % copies : 0));
        }
        forward__(sw, in, out, c, l2, vlan, pcp);
    }
    if (!copies)
        frame_unref(f);
}

static void wd_check__(struct sim_engine *eng, void *ctx, void *arg);

static void rx_control__(struct sw *sw, struct sw_port *sp, struct frame *f)
{
    struct pkt_pfc pfc;
    sim_time_t now = sim_now(sw->eng);
    if (pkt_pfc_parse(f, &pfc) == 0) {
        uint8_t paused, resumed;
        for (int p = 0; p < 8; p++) {
            if (!(pfc.enable & (1u << p)))
                continue;
            sp->ctr.pfc_rx[p]++;
            sp->last_pfc_rx[p] = now;
            if (sw->trace)
                trace_pfc_frame(sw->trace, now, sp->obj, (uint8_t)p, pfc.quanta[p], 0);
        }
        egress_pfc_receive(&sp->tx.eg, now, pfc.enable, pfc.quanta, &paused, &resumed);
        for (int p = 0; p < 8; p++) {
            if (paused & (1u << p)) {
                sp->paused_since[p] = now;
                if (sw->trace)
                    trace_pfc_pause(sw->trace, now, sp->obj, (uint8_t)p, pfc.quanta[p]);
            }
            if (resumed & (1u << p)) {
                sp->paused_since[p] = 0;
                if (sw->trace)
                    trace_pfc_resume(sw->trace, now, sp->obj, (uint8_t)p);
            }
        }
        if (paused && sw->cfg.wd_action != SWITCH_WD_OFF && !sp->wd_timer)
            sp->wd_timer = sim_schedule_in(sw->eng, sw->cfg.wd_detect, wd_check__, sp, NULL);
        if (resumed)
            txport_kick(&sp->tx);
    }
    frame_unref(f); /* MAC Control frames are link-local (DCB-003) */
}

static void rx__(void *dev, uint32_t port, struct frame *f)
{
    struct sw_port *sp = dev;
    struct sw *sw = sp->sw;
    (void)port;
    if (!sp->carrier) {
        drop__(sw, sp->num, f, TRACE_DROP_LINK_DOWN);
        return;
    }
    struct pkt_l2 l2;
    if (pkt_l2(f, &l2) != 0) {
        drop__(sw, sp->num, f, TRACE_DROP_OTHER);
        return;
    }
    /* An untagged MAC Control frame: its EtherType at bytes 12-13, read
     * there (gcc merged l2.ethertype and l2.tagged, just stored field by
     * field, into one 8-byte reload that store forwarding cannot serve). */
    if (pkt_rd16(frame_cdata(f) + 12) == PKT_ETH_P_MAC_CTRL) {
        rx_control__(sw, sp, f);
        return;
    }
    /* VLAN and priority classification. */
    uint16_t vlan;
    uint8_t pcp;
    if (l2.tagged && l2.vid != 0) {
        vlan = l2.vid;
        pcp = l2.pcp;
        if (!vlan_allowed__(sp, vlan)) {
            f->priority = pcp;
            drop__(sw, sp->num, f, TRACE_DROP_VLAN_FILTER);
            return;
        }
    } else {
        /* Untagged or priority-tagged: the port's VLAN.  DCB-004: an
         * untagged frame has no PCP; it gets the port default. */
        vlan = sp->cfg.pvid;
        pcp = l2.tagged ? l2.pcp : sp->cfg.default_pcp;
        if (vlan == 0) {
            f->priority = pcp;
            drop__(sw, sp->num, f, TRACE_DROP_VLAN_FILTER);
            return;
        }
    }
    sp->pr[pcp].rx_frames++;
    sp->pr[pcp].rx_bytes += frame_wire_len(f);
    if (!pkt_mac_is_multicast(l2.src))
        learn__(sw, vlan, l2.src, sp->num);
    if (pkt_mac_is_multicast(l2.dst)) {
        flood__(sw, sp, f, &l2, vlan, pcp);
        return;
    }
    uint32_t out = lookup__(sw, vlan, l2.dst);
    if (out == 0) {
        flood__(sw, sp, f, &l2, vlan, pcp);
        return;
    }
    if (out == sp->num) {
        /* The destination is behind the port it came from: filtered. */
        f->priority = pcp;
        drop__(sw, sp->num, f, TRACE_DROP_NO_ROUTE);
        return;
    }
    forward__(sw, sp, &sw->ports[out], f, &l2, vlan, pcp);
}

/* ---- PFC watchdog --------------------------------------------------- */

static void wd_check__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct sw_port *sp = ctx;
    struct sw *sw = sp->sw;
    sim_time_t now = sim_now(eng);
    sp->wd_timer = 0;
    int again = 0;
    for (uint8_t p = 0; p < 8; p++) {
        uint8_t bit = (uint8_t)(1u << p);
        if (sp->wd_tripped & bit) {
            /* Restore once the storm has been quiet for a detection time. */
            if (now - sp->last_pfc_rx[p] >= sw->cfg.wd_detect) {
                sp->wd_tripped &= (uint8_t)~bit;
                sp->tx.eg.cfg.pfc_enabled |= (uint8_t)(bit & sw->cfg.pfc_enabled);
                if (sw->trace) {
                    struct trace_rec r = {.obj = sp->obj, .prio = p, .has = TRACE_HAS_PRIO,
                                          .reason = "pfc_watchdog_restore"};
                    trace_event(sw->trace, now, TRACE_NOTE, &r);
                }
            } else {
                again = 1;
            }
            continue;
        }
        if (!egress_is_paused(&sp->tx.eg, p, now)) {
            sp->paused_since[p] = 0;
            continue;
        }
        if (sp->paused_since[p] && now - sp->paused_since[p] >= sw->cfg.wd_detect) {
            /* A storm: stop honouring PFC on this queue. */
            sp->wd_tripped |= bit;
            sp->tx.eg.cfg.pfc_enabled &= (uint8_t)~bit;
            /* The pause ends now: close its interval in the paused time. */
            egress_pause_end(&sp->tx.eg, p, now);
            sp->paused_since[p] = 0;
            if (sw->trace) {
                struct trace_rec r = {.obj = sp->obj, .prio = p, .has = TRACE_HAS_PRIO,
                                      .reason = "pfc_watchdog_storm"};
                trace_event(sw->trace, now, TRACE_NOTE, &r);
            }
            if (sw->cfg.wd_action == SWITCH_WD_DRAIN) {
                /* Drain only this priority's queue. */
                struct frame *fr = egress_take_queue(&sp->tx.eg, p);
                struct flush_ctx fc = {sw, sp->num, TRACE_DROP_OTHER};
                while (fr) {
                    struct frame *next = fr->next;
                    fr->next = NULL;
                    drop_queued__(&fc, fr);
                    fr = next;
                }
            }
            txport_kick(&sp->tx);
            again = 1;
        } else {
            again = 1;
        }
    }
    if (again)
        sp->wd_timer = sim_schedule_in(eng, sw->cfg.wd_detect / 4 ? sw->cfg.wd_detect / 4 : 1,
                                       wd_check__, sp, NULL);
}

/* ---- link callbacks ------------------------------------------------- */

static void tx_ready__(void *dev, uint32_t port)
{
    (void)port;
    struct sw_port *sp = dev;
    txport_kick(&sp->tx);
}

static void carrier__(void *dev, uint32_t port, int up)
{
    (void)port;
    struct sw_port *sp = dev;
    struct sw *sw = sp->sw;
    sp->carrier = up;
    if (!up) {
        flush_port_macs__(sw, sp->num);
        struct flush_ctx fc = {sw, sp->num, TRACE_DROP_LINK_DOWN};
        txport_flush_each(&sp->tx, drop_queued__, &fc);
        pfc_gen_stop(&sp->pfc);
    } else {
        txport_kick(&sp->tx);
    }
}

static const struct link_end_ops switch_link_ops = {
    .rx = rx__,
    .tx_ready = tx_ready__,
    .carrier = carrier__,
};

static void pfc_send__(void *owner, uint8_t enable, const uint16_t quanta[8])
{
    struct sw_port *sp = owner;
    struct sw *sw = sp->sw;
    if (!sp->carrier)
        return;
    struct frame *f = frame_alloc(sw->pool);
    if (!f)
        return;
    if (pkt_pfc_build(f, sp->mac, enable, quanta) != 0) {
        frame_unref(f);
        return;
    }
    sim_time_t now = sim_now(sw->eng);
    for (int p = 0; p < 8; p++) {
        if (enable & (1u << p)) {
            sp->ctr.pfc_tx[p]++;
            if (sw->trace)
                trace_pfc_frame(sw->trace, now, sp->obj, (uint8_t)p, quanta[p], 1);
        }
    }
    txport_send_ctl(&sp->tx, f);
}

/* ---- lifecycle ------------------------------------------------------ */

struct sw *switch_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                         const struct switch_settings *s)
{
    if (!s || s->nports == 0 || s->nports > SWITCH_MAX_PORTS)
        return NULL;
    struct sw *sw = calloc(1, sizeof *sw);
    if (!sw)
        return NULL;
    sw->eng = eng;
    sw->trace = trace;
    sw->pool = pool;
    sw->cfg = *s;
    sw->name = strdup(s->name ? s->name : "switch");
    if (!sw->cfg.mtu)
        sw->cfg.mtu = DEFAULT_MTU;
    if (!sw->cfg.peer_response)
        sw->cfg.peer_response = DEFAULT_PEER_RESPONSE;
    if (!sw->cfg.aging)
        sw->cfg.aging = SWITCH_DEFAULT_AGING;
    if (!sw->cfg.mac_capacity)
        sw->cfg.mac_capacity = DEFAULT_MAC_CAPACITY;
    if (!sw->cfg.move_window)
        sw->cfg.move_window = DEFAULT_MOVE_WINDOW;
    if (sw->cfg.lossy_alpha <= 0)
        sw->cfg.lossy_alpha = 1.0;
    sw->cfg.name = NULL;
    sw->mac_size = 16;
    while (sw->mac_size < 2 * (size_t)sw->cfg.mac_capacity)
        sw->mac_size *= 2;
    sw->mac = calloc(sw->mac_size, sizeof *sw->mac);
    sw->ports = aligned_alloc(_Alignof(struct sw_port), (s->nports + 1) * sizeof *sw->ports);
    if (sw->ports)
        memset(sw->ports, 0, (s->nports + 1) * sizeof *sw->ports);
    if (!sw->name || !sw->mac || !sw->ports)
        goto fail;
    sim_rng_init(&sw->rng, s->seed, sw->name);
    uint32_t h = 2166136261u;
    for (const char *c = sw->name; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (uint32_t i = 1; i <= s->nports; i++) {
        struct sw_port *sp = &sw->ports[i];
        sp->sw = sw;
        sp->num = i;
        uint8_t mac[6] = {0x02, 0x5e, (uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(i >> 8),
                          (uint8_t)i};
        memcpy(sp->mac, mac, 6);
        struct switch_port_settings def;
        switch_port_settings_default(&def);
        if (switch_port_configure(sw, i, &def) != 0)
            goto fail;
        if (trace) {
            char name[300];
            snprintf(name, sizeof name, "%s/%u", sw->name, i);
            int id = trace_object(trace, name, "port");
            sp->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
        }
    }
    return sw;
fail:
    switch_destroy(sw);
    return NULL;
}

void switch_destroy(struct sw *sw)
{
    if (!sw)
        return;
    if (sw->ports)
        for (uint32_t i = 1; i <= sw->cfg.nports; i++)
            txport_fini(&sw->ports[i].tx);
    free(sw->ports);
    free(sw->mac);
    free(sw->name);
    free(sw);
}

static uint64_t port_rate__(const struct sw_port *sp)
{
    return sp->link ? link_rate(sp->link) : 10000000000ULL;
}

int switch_port_configure(struct sw *sw, uint32_t port, const struct switch_port_settings *p)
{
    if (port == 0 || port > sw->cfg.nports || p->pvid > 4094 || p->default_pcp > 7)
        return -EINVAL;
    struct sw_port *sp = &sw->ports[port];
    int first = sp->tx.eng == NULL; /* txport not initialized yet */
    sp->cfg = *p;
    sp->cfg.allowed = NULL;
    if (p->allowed)
        memcpy(sp->allowed, p->allowed, sizeof sp->allowed);
    else {
        memset(sp->allowed, 0xff, sizeof sp->allowed);
        sp->allowed[0] &= 0xfe;               /* VLAN 0 */
        sp->allowed[511] &= 0x7f;             /* VLAN 4095 */
    }
    struct egress_settings eg = p->egress;
    eg.rate_bps = port_rate__(sp);
    eg.pfc_enabled = sw->cfg.pfc_enabled & (uint8_t)~sp->wd_tripped;
    int rc = first ? txport_init(&sp->tx, sw->eng, &eg, on_tx__, sp)
                   : egress_reconfigure(&sp->tx.eg, &eg);
    if (rc != 0)
        return rc;
    sp->headroom = p->headroom ? p->headroom
                               : switch_headroom(eg.rate_bps, p->cable_m, sw->cfg.mtu,
                                                 sw->cfg.peer_response);
    pfc_gen_init(&sp->pfc, sw->eng, pfc_send__, sp, sw->cfg.pfc_quanta, eg.rate_bps);
    return 0;
}

int switch_attach(struct sw *sw, uint32_t port, struct link *l, int end)
{
    if (port == 0 || port > sw->cfg.nports)
        return -EINVAL;
    struct sw_port *sp = &sw->ports[port];
    sp->link = l;
    sp->carrier = link_is_up(l);
    txport_attach(&sp->tx, l, end);
    link_attach(l, end, &switch_link_ops, sp, port, sp->obj);
    /* The rate is the link's: recompute rate-dependent settings. */
    struct switch_port_settings cfg = sp->cfg;
    uint8_t allowed[512];
    memcpy(allowed, sp->allowed, sizeof allowed);
    cfg.allowed = allowed;
    return switch_port_configure(sw, port, &cfg);
}

int switch_add_static(struct sw *sw, uint16_t vlan, const uint8_t mac[6], uint32_t port)
{
    if (port == 0 || port > sw->cfg.nports || vlan == 0 || vlan > 4094)
        return -EINVAL;
    uint64_t key = mac_key(vlan, mac);
    struct mac_entry *e = mac_find(sw, key);
    if (!e) {
        if (sw->mac_count >= sw->cfg.mac_capacity)
            return -ENOSPC;
        for (size_t i = mac_slot(sw, key);; i = (i + 1) & (sw->mac_size - 1)) {
            if (sw->mac[i].key == 0) {
                e = &sw->mac[i];
                break;
            }
        }
        sw->mac_count++;
    }
    *e = (struct mac_entry){key, port, 1, sim_now(sw->eng), 0, 0};
    return 0;
}

uint32_t switch_mac_lookup(struct sw *sw, uint16_t vlan, const uint8_t mac[6])
{
    return lookup__(sw, vlan, mac);
}

size_t switch_mac_count(const struct sw *sw) { return sw->mac_count; }

uint32_t switch_mac_moves(struct sw *sw, uint16_t vlan, const uint8_t mac[6])
{
    struct mac_entry *e = mac_find(sw, mac_key(vlan, mac));
    return e ? e->moves : 0;
}

const struct switch_port_counters *switch_port_counters(const struct sw *sw, uint32_t port)
{
    if (port < 1 || port > sw->cfg.nports)
        return NULL;
    struct sw_port *sp = &sw->ports[port];
    for (int p = 0; p < 8; p++) {
        sp->ctr.rx_frames[p] = sp->pr[p].rx_frames;
        sp->ctr.rx_bytes[p] = sp->pr[p].rx_bytes;
        sp->ctr.tx_frames[p] = sp->pr[p].tx_frames;
        sp->ctr.tx_bytes[p] = sp->pr[p].tx_bytes;
        sp->ctr.max_ingress[p] = sp->pr[p].max_ingress;
    }
    return &sp->ctr;
}

const struct switch_counters *switch_counters(const struct sw *sw) { return &sw->ctr; }

uint64_t switch_queue_bytes(const struct sw *sw, uint32_t port, uint8_t prio)
{
    return sw->ports[port].tx.eg.q[prio & 7].bytes;
}

uint64_t switch_ingress_bytes(const struct sw *sw, uint32_t port, uint8_t prio)
{
    return sw->ports[port].pr[prio & 7].ingress;
}

sim_time_t switch_paused_time(const struct sw *sw, uint32_t port, uint8_t prio)
{
    return egress_paused_time(&sw->ports[port].tx.eg, prio & 7, sim_now(sw->eng));
}

uint32_t switch_port_headroom(const struct sw *sw, uint32_t port) { return sw->ports[port].headroom; }
const char *switch_name(const struct sw *sw) { return sw->name; }
trace_obj_t switch_port_obj(const struct sw *sw, uint32_t port) { return sw->ports[port].obj; }
uint32_t switch_port_count(const struct sw *sw) { return sw->cfg.nports; }
