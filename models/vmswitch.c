/* vmswitch: Hyper-V Virtual Switch (see vmswitch.h).
 *
 * Ports live in an array; unicast lookups scan a compact array of keys
 * (MAC and access VLAN packed in one word per port, 0 for a free port; a
 * host has tens of vNICs, not thousands), so the per-frame search touches
 * one or two cache lines rather than every port's record.  Each port's VMQ is a FIFO served by vmq_serve__
 * when vmq_cost > 0. */
#include "vmswitch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"
#include "pkt.h"
#include "set_team.h"

#define ETH_P_EAPOL 0x888E /* 802.1X (CFG-024) */
#define KEY_CACHE 32       /* entries of the port lookup cache (a power of 2) */

/* A port's queue of frames (owned, linked through f->next) served one at a
 * time by an engine event. */
struct fifo {
    struct frame *head, *tail;
    int busy;                  /* its event is scheduled */
};

struct vport_rt {
    int used;
    char *name, *vm;
    struct vmswitch_port_settings cfg; /* strings point at name/vm */
    trace_obj_t obj;
    int vport;                 /* SET vPort id, -1 before a team is attached */
    struct fifo vmq;           /* received frames waiting for the VMQ's CPU */
    struct fifo lc;            /* local frames being copied to it */
    struct vmswitch_port_counters ctr;
    struct vmswitch *vs;
    int has_ipv4;
    uint8_t ipv4[4];
    uint64_t gone_key;         /* removed by vmswitch_port_migrated: its key
                                * (frames for it are vport_migrated drops) */
};

struct vmswitch {
    struct sim_engine *eng; /* not owned */
    struct trace *trace;    /* not owned, may be NULL */
    char *name;
    struct vmswitch_settings cfg;
    struct set_team *team;  /* not owned */
    struct vport_rt *ports;
    uint64_t *keys;         /* [cap]: port_key__ of each used port, 0 if free */
    int nports, cap;
    uint32_t gen;           /* bumped by every change of ports, MACs or VLANs; the
                             * cache's entries of older generations are void */
    struct key_cache {
        uint64_t key;       /* 0: never filled (no port key is 0) */
        uint32_t gen;
        int port;           /* -1: no port has the key */
    } kcache[KEY_CACHE];
    trace_obj_t obj;
    int ngone;              /* ports removed by vmswitch_port_migrated */
    uint64_t local_bps;     /* cfg.local_bps or the default */
};

static void team_rx__(void *ctx, struct frame *f, int member);

/* The lookup key of (MAC, access VLAN): the six MAC bytes as they lie in
 * memory and the VLAN + 1 above them, so never 0. */
static inline uint64_t port_key__(const uint8_t *mac, uint16_t vlan)
{
    /* Two loads combined in registers: copying the six bytes into an
     * 8-byte variable made gcc store 4 + 2 bytes and load 8, a load that
     * store forwarding cannot serve (a stall on every frame). */
    uint32_t lo;
    uint16_t hi;
    memcpy(&lo, mac, 4);
    memcpy(&hi, mac + 4, 2);
    return (uint64_t)lo | (uint64_t)hi << 32 | (uint64_t)(vlan + 1) << 48;
}

/* The used port with this MAC on this VLAN other than `except`, or -1.
 * A port's MAC is unique on its switch, so the answer for a key is one
 * port or none: a small direct-mapped cache of answers, valid while the
 * switch's generation (bumped by every port change) is the same, saves
 * the scan for the destinations a switch sees again and again. */
static inline int port_by_key__(struct vmswitch *vs, uint64_t key, int except)
{
    struct key_cache *c = &vs->kcache[(key ^ key >> 21 ^ key >> 40) & (KEY_CACHE - 1)];
    int port;
    if (c->key == key && c->gen == vs->gen) {
        port = c->port;
    } else {
        port = -1;
        for (int i = 0; i < vs->nports; i++) {
            if (vs->keys[i] == key) {
                port = i;
                break;
            }
        }
        c->key = key;
        c->gen = vs->gen;
        c->port = port;
    }
    return port == except ? -1 : port;
}

struct vmswitch *vmswitch_create(struct sim_engine *eng, struct trace *trace,
                                 const struct vmswitch_settings *s)
{
    struct vmswitch *vs = calloc(1, sizeof *vs);
    if (!vs)
        return NULL;
    vs->eng = eng;
    vs->trace = trace;
    vs->cfg = *s;
    vs->local_bps = s->local_bps ? s->local_bps : VMSWITCH_DEFAULT_LOCAL_BPS;
    vs->name = strdup(s->name ? s->name : "vSwitch");
    if (!vs->name) {
        free(vs);
        return NULL;
    }
    vs->cfg.name = NULL;
    if (trace && s->trace_obj) {
        vs->obj = s->trace_obj;
    } else if (trace) {
        int id = trace_object(trace, vs->name, "vswitch");
        vs->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
    }
    return vs;
}

static void free_frames__(struct frame *f)
{
    while (f) {
        struct frame *next = f->next;
        f->next = NULL;
        frame_unref(f);
        f = next;
    }
}

/* Appends f (made private: it is linked through f->next); 0, or -1 with
 * f released. */
static int fifo_push__(struct fifo *q, struct frame *f)
{
    if (frame_make_writable(&f) != 0) {
        frame_unref(f);
        return -1;
    }
    f->next = NULL;
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    return 0;
}

static struct frame *fifo_pop__(struct fifo *q)
{
    struct frame *f = q->head;
    if (!f)
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    f->next = NULL;
    return f;
}

void vmswitch_destroy(struct vmswitch *vs)
{
    if (!vs)
        return;
    for (int i = 0; i < vs->nports; i++) {
        free_frames__(vs->ports[i].vmq.head);
        free_frames__(vs->ports[i].lc.head);
        free(vs->ports[i].name);
        free(vs->ports[i].vm);
    }
    free(vs->ports);
    free(vs->keys);
    free(vs->name);
    free(vs);
}

void vmswitch_attach_team(struct vmswitch *vs, struct set_team *team)
{
    vs->team = team;
    /* The team is interned first under the switch's name (kind "team"), so
     * the switch's own object could not be: its events use the team's. */
    if (vs->obj == TRACE_NO_OBJ)
        vs->obj = set_team_obj(team);
    set_team_set_rx_handler(team, team_rx__, vs);
    for (int i = 0; i < vs->nports; i++) {
        struct vport_rt *p = &vs->ports[i];
        if (p->used && p->vport < 0)
            p->vport = set_team_vport_add(team, p->cfg.mac, p->cfg.rdma, p->obj);
    }
}

struct set_team *vmswitch_team(const struct vmswitch *vs) { return vs->team; }

int vmswitch_port_find(const struct vmswitch *vs, const char *name)
{
    for (int i = 0; i < vs->nports; i++)
        if (vs->ports[i].used && strcmp(vs->ports[i].name, name) == 0)
            return i;
    return -ENOENT;
}

int vmswitch_port_add(struct vmswitch *vs, const struct vmswitch_port_settings *s)
{
    if (!s->name || s->access_vlan > 4094)
        return -EINVAL;
    for (int i = 0; i < vs->nports; i++) {
        struct vport_rt *p = &vs->ports[i];
        if (p->used && (strcmp(p->name, s->name) == 0 || memcmp(p->cfg.mac, s->mac, 6) == 0))
            return -EEXIST;
    }
    if (vs->nports == vs->cap) {
        int ncap = vs->cap ? vs->cap * 2 : 8;
        struct vport_rt *np = realloc(vs->ports, (size_t)ncap * sizeof *np);
        if (!np)
            return -ENOMEM;
        vs->ports = np;
        uint64_t *nk = realloc(vs->keys, (size_t)ncap * sizeof *nk);
        if (!nk)
            return -ENOMEM;
        vs->keys = nk;
        vs->cap = ncap;
    }
    int id = vs->nports;
    struct vport_rt *p = &vs->ports[id];
    memset(p, 0, sizeof *p);
    p->vs = vs;
    p->name = strdup(s->name);
    p->vm = s->vm ? strdup(s->vm) : NULL;
    if (!p->name || (s->vm && !p->vm)) {
        free(p->name);
        free(p->vm);
        return -ENOMEM;
    }
    vs->keys[id] = port_key__(s->mac, s->access_vlan);
    vs->gen++;
    vs->nports++;
    p->used = 1;
    p->cfg = *s;
    p->cfg.name = p->name;
    p->cfg.vm = p->vm;
    p->vport = -1;
    if (vs->trace) {
        int oid = trace_object(vs->trace, p->name, "vport");
        p->obj = oid > 0 ? (trace_obj_t)oid : TRACE_NO_OBJ;
    }
    if (vs->team)
        p->vport = set_team_vport_add(vs->team, p->cfg.mac, p->cfg.rdma, p->obj);
    return id;
}

void vmswitch_port_remove(struct vmswitch *vs, int port)
{
    if (port < 0 || port >= vs->nports || !vs->ports[port].used)
        return;
    struct vport_rt *p = &vs->ports[port];
    if (vs->team && p->vport >= 0)
        set_team_vport_remove(vs->team, p->vport);
    free_frames__(p->vmq.head);
    free_frames__(p->lc.head);
    p->vmq.head = p->vmq.tail = p->lc.head = p->lc.tail = NULL;
    p->used = 0;
    vs->keys[port] = 0;
    vs->gen++;
}

/* Drops f (consumed) for port p, gone with its VM: vport_migrated. */
static void drop_migrated__(struct vmswitch *vs, const struct vport_rt *p, struct frame *f)
{
    if (vs->trace)
        trace_drop(vs->trace, sim_now(vs->eng), p->obj, TRACE_DROP_VPORT_MIGRATED,
                   pkt_eth_pcp(f), f->flow_id, frame_wire_len(f));
    frame_unref(f);
}

void vmswitch_port_migrated(struct vmswitch *vs, int port)
{
    if (port < 0 || port >= vs->nports || !vs->ports[port].used)
        return;
    struct vport_rt *p = &vs->ports[port];
    uint64_t key = vs->keys[port];
    struct fifo *queues[] = {&p->lc, &p->vmq};
    for (int q = 0; q < 2; q++)
        for (struct frame *f; (f = fifo_pop__(queues[q])) != NULL;)
            drop_migrated__(vs, p, f);
    vmswitch_port_remove(vs, port);
    p->gone_key = key;
    vs->ngone++;
}

/* A frame with lookup key `key` that no port has: if a port that migrated
 * away had it, f is dropped for that port (1); else 0, f untouched.
 * Ports are never reused, so the departed port keeps its record; the most
 * recent one with the key wins. */
static int gone__(struct vmswitch *vs, uint64_t key, struct frame *f)
{
    for (int i = vs->nports - 1; i >= 0; i--) {
        const struct vport_rt *p = &vs->ports[i];
        if (!p->used && p->gone_key == key) {
            drop_migrated__(vs, p, f);
            return 1;
        }
    }
    return 0;
}

int vmswitch_port_set_vlan(struct vmswitch *vs, int port, uint16_t vlan)
{
    if (port < 0 || port >= vs->nports || vlan > 4094)
        return -EINVAL;
    vs->ports[port].cfg.access_vlan = vlan;
    if (vs->ports[port].used)
        vs->keys[port] = port_key__(vs->ports[port].cfg.mac, vlan);
    vs->gen++;
    return 0;
}

int vmswitch_port_set_rdma(struct vmswitch *vs, int port, int rdma)
{
    if (port < 0 || port >= vs->nports)
        return -EINVAL;
    vs->ports[port].cfg.rdma = rdma;
    if (vs->team && vs->ports[port].vport >= 0)
        set_team_vport_set_rdma(vs->team, vs->ports[port].vport, rdma);
    return 0;
}

int vmswitch_port_set_ipv4(struct vmswitch *vs, int port, const uint8_t ip[4])
{
    if (port < 0 || port >= vs->nports)
        return -EINVAL;
    struct vport_rt *p = &vs->ports[port];
    p->has_ipv4 = ip != NULL;
    if (ip)
        memcpy(p->ipv4, ip, 4);
    return 0;
}

/* ---- receive ------------------------------------------------------------- */

static void vmq_serve__(struct sim_engine *eng, void *ctx, void *arg);

static void hand_up__(struct vport_rt *p, struct frame *f)
{
    p->ctr.rx_frames++;
    p->ctr.rx_bytes += frame_wire_len(f);
    if (p->cfg.rx)
        p->cfg.rx(p->cfg.rx_ctx, f);
    else
        frame_unref(f);
}

static void vmq_start__(struct vport_rt *p)
{
    if (p->vmq.busy || !p->vmq.head)
        return;
    p->vmq.busy = 1;
    /* The event names the port by index: the port array moves when a port
     * is added while the simulation runs (a VM live-migrating in). */
    sim_schedule_in(p->vs->eng, p->cfg.vmq_cost, vmq_serve__, p->vs,
                    (void *)(intptr_t)(p - p->vs->ports));
}

static void vmq_serve__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    struct vmswitch *vs = ctx;
    struct vport_rt *p = &vs->ports[(intptr_t)arg];
    p->vmq.busy = 0;
    struct frame *f = fifo_pop__(&p->vmq);
    if (!f)
        return;
    vmq_start__(p);
    hand_up__(p, f);
}

/* HVP-008: the identity of a flooded frame in rx_deliver rows, the same for
 * every copy (the switch's flood, each member's reception): FNV-1a over its
 * untagged header bytes, trailer, length, creation time and flow.  Depends
 * on the frame only, so runs stay deterministic. */
static int64_t frame_key__(const struct frame *f)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *b = frame_cdata(f);
    for (uint16_t i = 0; i < f->len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    for (uint8_t i = 0; i < f->trailer_len; i++)
        h = (h ^ f->trailer[i]) * 1099511628211ull;
    uint64_t w[3] = {(uint64_t)f->payload_len, (uint64_t)f->t_created, f->flow_id};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 64; i += 8)
            h = (h ^ ((w[k] >> i) & 0xff)) * 1099511628211ull;
    return (int64_t)h;
}

/* Hands f (untagged) to port p through its VMQ: at once without a VMQ
 * cost, else after the frames queued before it. */
static void vmq_enqueue__(struct vport_rt *p, struct frame *f)
{
    if (p->cfg.vmq_cost == 0) {
        hand_up__(p, f);
        return;
    }
    if (fifo_push__(&p->vmq, f) == 0)
        vmq_start__(p);
}

static void lc_serve__(struct sim_engine *eng, void *ctx, void *arg);

static void lc_start__(struct vport_rt *p)
{
    if (p->lc.busy || !p->lc.head)
        return;
    p->lc.busy = 1;
    sim_time_t t = sim_tx_time(frame_wire_len(p->lc.head), p->vs->local_bps);
    sim_schedule_in(p->vs->eng, t ? t : 1, lc_serve__, p->vs, (void *)(intptr_t)(p - p->vs->ports));
}

/* The copy of the port's first local frame is done: on to its VMQ. */
static void lc_serve__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    struct vmswitch *vs = ctx;
    struct vport_rt *p = &vs->ports[(intptr_t)arg];
    p->lc.busy = 0;
    struct frame *f = fifo_pop__(&p->lc);
    if (!f)
        return;
    lc_start__(p);
    vmq_enqueue__(p, f);
}

/* Delivers one reference of f (untagged) to port p, through its VMQ.
 * flooded: a broadcast or multicast copy, traced as rx_deliver with the
 * frame's key and `member`, the team member it arrived on (-1: sent by a
 * local port).  local: a unicast switched between two local vPorts, which
 * the switch copies first (lc_*: at local_bps, one frame after the other;
 * never handed up at once, which would let two VMs of one host answer
 * each other recursively). */
static void deliver__(struct vmswitch *vs, struct vport_rt *p, struct frame *f, int flooded,
                      int member, int local)
{
    if (pkt_eth_tagged(f)) {
        if (frame_make_writable(&f) != 0 || pkt_vlan_strip(f) != 0) {
            frame_unref(f);
            return;
        }
    }
    if (flooded && vs->trace) {
        struct nic *via = member >= 0 && vs->team ? set_team_member(vs->team, member) : NULL;
        struct trace_rec r = {.obj = p->obj, .obj2 = via ? nic_obj(via) : TRACE_NO_OBJ,
                              .flow = f->flow_id, .has = TRACE_HAS_VALUE | TRACE_HAS_AUX,
                              .value = frame_wire_len(f), .aux = frame_key__(f)};
        trace_event(vs->trace, sim_now(vs->eng), TRACE_RX_DELIVER, &r);
    }
    if (!local) {
        vmq_enqueue__(p, f);
        return;
    }
    if (fifo_push__(&p->lc, f) == 0)
        lc_start__(p);
}

static int accepts__(const struct vmswitch *vs, const struct vport_rt *p, int member)
{
    if (member < 0 || vs->cfg.dedup == VMSWITCH_DEDUP_NONE || !vs->team || p->vport < 0)
        return 1;
    /* HVP-008: only the copy from the vPort's affinitized member. */
    return set_team_affinity(vs->team, p->vport) == member;
}

/* DYN-008: f was addressed to the replacement MAC of `member`, the member
 * it arrived on (a peer learned an RMAC from replaced-source frames).  It
 * goes to the one port of the VLAN with its destination IPv4 address, with
 * that port's MAC as destination; without exactly one, it is dropped. */
static void by_ip__(struct vmswitch *vs, struct frame *f, uint16_t vlan, int member)
{
    struct pkt_info pi;
    struct vport_rt *hit = NULL;
    int matches = 0;
    if (pkt_parse(f, &pi) == 0 && (pi.layers & PKT_HAS_IPV4) && !(pi.layers & PKT_HAS_IP_FRAG)) {
        for (int i = 0; i < vs->nports; i++) {
            struct vport_rt *p = &vs->ports[i];
            if (p->used && p->has_ipv4 && p->cfg.access_vlan == vlan &&
                memcmp(p->ipv4, pi.ip_dst, 4) == 0) {
                hit = p;
                matches++;
            }
        }
    }
    sim_time_t now = sim_now(vs->eng);
    if (matches != 1 || frame_make_writable(&f) != 0) {
        if (vs->trace)
            trace_drop(vs->trace, now, vs->obj, TRACE_DROP_NO_ROUTE, pkt_eth_pcp(f), f->flow_id,
                       frame_wire_len(f));
        frame_unref(f);
        return;
    }
    if (vs->trace) {
        struct trace_rec r = {.obj = hit->obj, .flow = f->flow_id,
                              .detail = "DYN-008 peer learned a replacement MAC"};
        trace_event(vs->trace, now, TRACE_NOTE, &r);
    }
    pkt_eth_set_dst(f, hit->cfg.mac);
    hit->ctr.rx_by_ip++;
    if (member < 8)
        hit->ctr.rx_on_member[member]++;
    deliver__(vs, hit, f, 0, member, 0);
}

/* Delivers f (consumed) to the ports of `vlan` it is addressed to;
 * `from` is the sending local port (-1 for the team) and `member` the
 * arrival member (-1 for local traffic). */
static void switch_in__(struct vmswitch *vs, struct frame *f, uint16_t vlan, int from, int member)
{
    const uint8_t *dst = pkt_eth_dst(f);
    if (!pkt_mac_is_multicast(dst)) {
        uint64_t key = port_key__(dst, vlan);
        int i = port_by_key__(vs, key, from);
        if (i >= 0) {
            struct vport_rt *p = &vs->ports[i];
            if (!accepts__(vs, p, member)) {
                p->ctr.rx_dup_dropped++;
                frame_unref(f);
                return;
            }
            if (member >= 0 && member < 8)
                p->ctr.rx_on_member[member]++; /* HVP-007: its VMQ's member */
            deliver__(vs, p, f, 0, member, 0);
            return;
        }
        if (member >= 0 && vs->team && member < (int)set_team_member_count(vs->team) &&
            memcmp(dst, set_team_rmac(vs->team, member), 6) == 0) {
            by_ip__(vs, f, vlan, member);
            return;
        }
        if (vs->ngone && member >= 0 && gone__(vs, key, f))
            return;
        frame_unref(f); /* not ours */
        return;
    }
    if (member >= 0) {
        /* HVP-008: a local port's own broadcast or multicast, flooded back
         * by the physical switch through another member, was delivered
         * locally when it was sent: not again. */
        const uint8_t *src = pkt_eth_src(f);
        for (int i = 0; i < vs->nports; i++) {
            if (vs->ports[i].used && memcmp(vs->ports[i].cfg.mac, src, 6) == 0) {
                frame_unref(f);
                return;
            }
        }
    }
    for (int i = 0; i < vs->nports; i++) {
        struct vport_rt *p = &vs->ports[i];
        if (!p->used || i == from || p->cfg.access_vlan != vlan)
            continue;
        if (!accepts__(vs, p, member)) {
            p->ctr.rx_dup_dropped++;
            continue;
        }
        if (member >= 0 && member < 8)
            p->ctr.rx_on_member[member]++;
        deliver__(vs, p, frame_ref(f), 1, member, 0);
    }
    frame_unref(f);
}

static void team_rx__(void *ctx, struct frame *f, int member)
{
    struct vmswitch *vs = ctx;
    struct pkt_l2 l2;
    if (pkt_l2(f, &l2) != 0) {
        frame_unref(f);
        return;
    }
    if (l2.ethertype == ETH_P_EAPOL && vs->cfg.embedded_teaming) {
        if (vs->trace)
            trace_drop(vs->trace, sim_now(vs->eng), vs->obj, TRACE_DROP_EAPOL_SET, l2.pcp,
                       f->flow_id, frame_wire_len(f));
        frame_unref(f); /* CFG-024 */
        return;
    }
    switch_in__(vs, f, l2.tagged ? l2.vid : 0, -1, member);
}

/* ---- transmit ------------------------------------------------------------ */

int vmswitch_port_send(struct vmswitch *vs, int port, struct frame *f)
{
    if (port < 0 || port >= vs->nports || !vs->ports[port].used) {
        frame_unref(f);
        return -EINVAL;
    }
    struct vport_rt *p = &vs->ports[port];
    if (pkt_eth_type(f) == ETH_P_EAPOL && vs->cfg.embedded_teaming) {
        p->ctr.eapol_dropped++;
        if (vs->trace)
            trace_drop(vs->trace, sim_now(vs->eng), p->obj, TRACE_DROP_EAPOL_SET, 0, f->flow_id,
                       frame_wire_len(f));
        frame_unref(f); /* CFG-024 */
        return 0;
    }
    int prio = p->cfg.classify ? p->cfg.classify(p->cfg.classify_ctx, f) : -1;
    /* A NetQos policy's priority, else the one the sender gave the frame
     * (0 unless a traffic generator set one). */
    f->priority = prio >= 0 ? (uint8_t)prio : (uint8_t)(f->priority & 7);
    p->ctr.tx_frames++;
    p->ctr.tx_bytes += frame_wire_len(f);
    /* Local delivery first (untagged frames between vPorts). */
    const uint8_t *dst = pkt_eth_dst(f);
    if (!pkt_mac_is_multicast(dst)) {
        int i = port_by_key__(vs, port_key__(dst, p->cfg.access_vlan), port);
        if (i >= 0) {
            p->ctr.local_frames++;
            deliver__(vs, &vs->ports[i], f, 0, -1, 1);
            return 0;
        }
    } else {
        switch_in__(vs, frame_ref(f), p->cfg.access_vlan, port, -1);
    }
    if (!vs->team || p->vport < 0) {
        frame_unref(f);
        return -ENETDOWN;
    }
    if (p->cfg.access_vlan) {
        /* The VLAN tag carries the priority; without a VLAN the frame
         * leaves untagged and its priority is lost (DCB-004). */
        if (frame_make_writable(&f) != 0 ||
            pkt_vlan_insert(f, f->priority, 0, p->cfg.access_vlan) != 0) {
            frame_unref(f);
            return -ENOMEM;
        }
    }
    return set_team_send(vs->team, p->vport, f);
}

/* ---- inspection ---------------------------------------------------------- */

int vmswitch_port_vport(const struct vmswitch *vs, int port) { return vs->ports[port].vport; }
const uint8_t *vmswitch_port_mac(const struct vmswitch *vs, int port)
{
    return vs->ports[port].cfg.mac;
}
const char *vmswitch_port_name(const struct vmswitch *vs, int port) { return vs->ports[port].name; }
uint16_t vmswitch_port_vlan(const struct vmswitch *vs, int port)
{
    return vs->ports[port].cfg.access_vlan;
}
const struct vmswitch_port_counters *vmswitch_port_counters(const struct vmswitch *vs, int port)
{
    return &vs->ports[port].ctr;
}
int vmswitch_port_count(const struct vmswitch *vs) { return vs->nports; }
int vmswitch_port_used(const struct vmswitch *vs, int port)
{
    return port >= 0 && port < vs->nports && vs->ports[port].used;
}
const char *vmswitch_name(const struct vmswitch *vs) { return vs->name; }
int vmswitch_is_set(const struct vmswitch *vs) { return vs->cfg.embedded_teaming; }
