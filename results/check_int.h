/* check_int: what the checker's modules (check.c, check_rules.c) share and
 * clients do not see: the engine state and the rule hooks.
 *
 * The engine (check.c) reads frames and events in time order, keeps the
 * per-team, per-member, per-vPort and per-flow state, and calls every
 * rule's hook for each frame (on_frame) and each event row (on_event);
 * rules (check_rules.c) judge and record offences with check_offend(). */
#ifndef SETSIM_CHECK_INT_H
#define SETSIM_CHECK_INT_H

#include "check.h"
#include "pkt.h"

struct capread_pkt;

/* The trace vocabulary the engine hands to on_event (spec/rules.md §0.4). */
enum check_ev {
    CHECK_EV_MEMBER_UP = 1,
    CHECK_EV_MEMBER_DOWN,
    CHECK_EV_MEMBER_ADDED,
    CHECK_EV_MEMBER_REMOVED,
    CHECK_EV_AFFINITY,
    CHECK_EV_MAPPING,
    CHECK_EV_LB_MODE,
    CHECK_EV_FLOW_MOVE,
    CHECK_EV_DROP,
    CHECK_EV_MIGRATED,     /* note vm_migrated: vport moved to team */
    CHECK_EV_QOS,          /* qos_programmed: reason "ok" or "blocked(...)" */
    CHECK_EV_RX_DELIVER,   /* rx_deliver: flooded frame (aux key) to vport, via member */
    CHECK_EV_FLOW_PLACE,   /* flow_place: flow placed on member, detail its hash key */
    CHECK_EV_RESTART,      /* adapter_restart of a NIC (CFG-021) */
    CHECK_EV_QP_ERROR,     /* qp_error of vPort's "<vport>/rdma" device, reason (FO-009) */
    CHECK_EV_SWITCH_REMOVED, /* note switch_removed: team (CFG-016) */
    CHECK_EV_MAC_LEARN,    /* mac_learn: a switch port learned value (a MAC) */
    CHECK_EV_MAC_MOVE,     /* mac_move: ... moved to the port obj */
    CHECK_EV_MAC_AGE,      /* mac_age: the switch forgot it (aged, flushed) */
};

struct check_event {
    uint64_t seq;          /* events.seq */
    sim_time_t time;
    enum check_ev kind;
    int member;            /* resolved member, -1 */
    int team;              /* resolved team, -1 */
    int vport;             /* resolved vPort, -1 */
    int prio;              /* -1 when NULL */
    int64_t value;
    const char *reason;    /* "" when NULL */
    const char *detail;
    uint64_t flow;         /* events.flow, 0 when NULL */
    int64_t aux;           /* events.aux */
    int has_aux;           /* aux is not NULL */
};

struct check_mstate {
    int in_team;               /* counted in its team (CFG-001) */
    int up;                    /* link up and in the team */
    int removed;               /* member_removed seen (CFG-015) */
    sim_time_t down_at;        /* when it went down or was removed */
    sim_time_t up_at;          /* when it last came up */
    sim_time_t last_frame;     /* last frame seen on its captures */
    sim_time_t pause_from[8];  /* DCB-002: received PFC XOFF time */
    sim_time_t pause_until[8]; /* ... and when that pause ends (0: none) */
    int qos_known;             /* DCB-009: a qos_programmed row seen */
    int qos_debugger;          /* ... and it said blocked(debugger) */
    int has_host_cap;          /* a host-side capture exists (switch side is skipped) */
    uint64_t sw_hash;          /* check_sw_hash of the switch it is cabled to, 0: unknown */
};

struct check_tstate {
    enum check_mode mode;
    sim_time_t last_change;    /* last affinity-changing event of the team */
    sim_time_t mode_changed;   /* last lb_mode_set that changed its mode, 0 none */
    int nmembers;              /* members now (CFG-001) */
    int dirty;                 /* HVP-001 recheck at the end of this instant */
};

struct check_vstate {
    int team;                  /* its team now (a VM migration changes it) */
    int aff;                   /* affinitized member from events, -1: unknown */
    int prev_aff;              /* the one before (frames drain there for a while) */
    sim_time_t aff_changed;
    int inferred;              /* member inferred from frames in this epoch, -1 */
    int inferred_arp;          /* 1: inferred from an ARP/NS */
    sim_time_t epoch;          /* team change time the inference belongs to */
    int last_member;           /* member its MAC was last seen on as a source */
    sim_time_t last_seen;
    int seen_as_src;           /* its MAC has been seen transmitted */
    int fo_pending;            /* FO-002: its member failed, failover awaited */
    sim_time_t fo_deadline;
    uint64_t fo_seq;
    int roce_tag;              /* DCB-012: last (vid << 3 | pcp) + 1 of its RoCE, 0 */
    int roce_member;
    int fo4_watch;             /* FO-004: its member failed; moves counted until an up */
    int fo4_moves;
    double hvp5_level;         /* HVP-005: leaky-bucket level, bits */
    sim_time_t hvp5_last;      /* ... at this time */             /* FO-004: affinity moves since that failure */
};

/* A frame as the rules see it. */
struct check_frame {
    const struct capread_pkt *p;
    int cap;                   /* capture entry */
    const char *file;
    const char *ifname;
    struct pkt_info pi;
    int parsed;                /* pkt_parse_bytes succeeded */
    int setsim;                /* uncaptured payload is zeros */
    int member;                /* member whose link this is, -1 */
    int team;                  /* that member's team, -1 */
    int tx;                    /* 1: transmitted by the member, 0: received */
    int src_vport, dst_vport;  /* vPort owning the Ethernet source / destination, -1 */
    int src_member, dst_member;/* member whose PMAC is the source / destination, -1 */
    int owner;                 /* vPort the frame belongs to (own MAC, IPv4 source,
                                * ARP SHA, ND SLLA), -1 */
    int is_arp_ns;             /* ARP or IPv6 NS */
    int is_roce;
    unsigned kinds;            /* CHECK_FK_* bits of this frame */
};

/* Frame kinds: a rule's on_frame declares the kinds it needs
 * (check_rule_impl.frame_needs, every bit required; 0: every frame) and
 * the engine calls it only for frames that have them all, so a rule is
 * not called for frames its first test would return on. */
#define CHECK_FK_TX 0x001u     /* f->tx */
#define CHECK_FK_RX 0x002u     /* !f->tx */
#define CHECK_FK_MEMBER 0x004u /* f->member >= 0 */
#define CHECK_FK_HVP 0x008u    /* its team is in Hyper-V Port mode now */
#define CHECK_FK_DYN 0x010u    /* its team is in Dynamic mode now */
#define CHECK_FK_PFC 0x020u    /* f->pi.layers has PKT_HAS_PFC */
#define CHECK_FK_ROCE 0x040u   /* f->is_roce */
#define CHECK_FK_SRCV 0x080u   /* f->src_vport >= 0 */
#define CHECK_FK_ARPNS 0x100u  /* f->is_arp_ns */
#define CHECK_FK_COMBOS 0x200u /* number of kind combinations */

struct check_eng;

struct check_rule_impl {
    struct check_rule pub;
    const char *na_hint;       /* why na when nothing was checked */
    void (*on_frame)(struct check_eng *e, const struct check_frame *f);
    void (*on_event)(struct check_eng *e, const struct check_event *ev);
    void (*on_instant)(struct check_eng *e, sim_time_t now); /* end of an instant */
    void (*on_end)(struct check_eng *e, sim_time_t end); /* after the last frame/event */
    unsigned frame_needs;      /* CHECK_FK_* on_frame needs (0: every frame) */
};

extern const struct check_rule_impl check_rules[];
extern const size_t check_nrules;

struct check_eng {
    const struct check_input *in;
    struct check_report *rep;
    struct check_mstate *ms;
    struct check_tstate *ts;
    struct check_vstate *vs;
    int have_events;           /* affinity comes from events */
    uint8_t pfc_union;         /* PFC priorities of any member */
    int pfc_known;
    uint64_t last_seq;         /* last event row applied */
    /* vPort names a run gave after a migration -> vPort index */
    struct { char name[CHECK_NAME_MAX]; int v; } alias[64];
    int nalias;
    /* The last affinity rows of vPorts not known yet (a migrated VM's vNIC
     * gets its affinity on the new host just before the vm_migrated note
     * names it): applied by that note. */
    struct { char name[CHECK_NAME_MAX]; int member; sim_time_t time; } early_aff[8];
    int nearly_aff;
    uint8_t *worst;            /* per rule: 0 none, 1 warn, 2 error first offence kept */
    /* Flooded copies (no direction recorded): a multicast frame of a team
     * vPort seen on a second member soon after the first is the switch's
     * flood, received there (direct-mapped by a hash of its bytes). */
    struct check_echo { uint64_t key; sim_time_t ts; int member; } echo[256];
    /* HVP-007: received unicast to vPorts, by a hash of its bytes (VLAN tag
     * left out) and member (4-way sets), so that a copy on A(p) tells a
     * flood; an offence waits (FIFO) until such a copy could still come. */
    struct check_ucast { uint64_t key; sim_time_t ts; int member, multi; } *ucast;
    struct check_h7 {
        uint64_t key;          /* frame hash (without member) */
        sim_time_t ts;
        uint64_t frame;
        const char *file;
        char ifname[CHECK_NAME_MAX];
        int vport, member, aff, inf, learned;
        int flood;             /* a copy came on A(p) or another port */
    } *h7;
    uint32_t *h7_by_key;       /* direct-mapped frame hash -> waiting slot + 1 */
    /* HVP-007 in run directories: which MACs each switch knows, from its
     * mac_learn / mac_move / mac_age rows (open addressing by switch and
     * MAC; grows): a switch that does not know MAC(p) floods to p. */
    struct check_swmac { uint64_t sw, mac; int known; } *swmac;
    size_t swmac_cap, swmac_n;
    int swmac_off;             /* out of memory: the switches' state is not used */
    /* DCB-005: per priority, when a frame of it was last dropped for a
     * failure (link_down, team_down, member_removed, ...); SIM_TIME_MAX: never. */
    sim_time_t fail_drop_at[8];
    size_t h7_head, h7_n;
    /* Flow table (DYN-003): direct-mapped, fixed size. */
    struct check_flow { uint64_t key; sim_time_t last; int member; } *flows;
    size_t flow_mask;
    struct check_fodcb *fodcb; /* state of the FO/DCB/CFG rules of check_rules_fodcb.c */
    struct check_hvpdyn *hd;   /* state of check_rules_hvpdyn.c */
    /* Per frame-kind combination: the on_frame hooks to call, in table
     * order, NULL-terminated (built on a combination's first frame). */
    void (**frame_hooks)(struct check_eng *e, const struct check_frame *f);
    uint8_t *hooks_built;      /* per combination: its list is built */
};

/* HVP-007: switch `sw` (a name's hash, check_sw_hash) learned (known 1)
 * or forgot (known 0) MAC `mac`.  0, or -ENOMEM (and the state is
 * not used from then on). */
int check_switch_mac(struct check_eng *e, uint64_t sw, uint64_t mac, int known);
uint64_t check_sw_hash(const char *name, size_t len);

/* Index of a rule by id (the table order), -1. */
int check_rule_index(const char *id);
/* Counts one item checked by rule r. */
static inline void check_seen(struct check_eng *e, int r) { e->rep->v[r].checked++; }
/* Records an offence of rule r: err 1 error, 0 warning; f (frame) or ev
 * (event) locate it. */
void check_offend(struct check_eng *e, int r, int err, const struct check_frame *f,
                  const struct check_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The vPort's affinitized member at now: from events, else inferred (the
 * *inferred flag says which); -1 unknown. */
int check_affinity(struct check_eng *e, int v, int *inferred);
/* 1 when an affinity-changing event of team t or of vPort v happened within
 * the window before now (frames may still move or drain). */
int check_in_change_window(struct check_eng *e, int t, int v, sim_time_t now,
                           sim_time_t window);

/* MurmurHash3's 64-bit finalizer: table slots are picked from a hash's
 * middle bits, which FNV barely mixes (frames that differ in a few bytes,
 * a sequence number or an IP ID, would share a slot). */
/* A MAC address as a number (its bytes big-endian), as the events' value
 * column holds it. */
static inline uint64_t check_mac64(const uint8_t *m)
{
    return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
           (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

static inline uint64_t check_mix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    return k ^ k >> 33;
}

/* 1 while the frames team t queued in its previous balancing mode may still
 * be draining from the members' queues (within move_window of the change,
 * CFG-011: every frame sent from the change on follows the new mode). */
static inline int check_mode_draining(const struct check_eng *e, int t, sim_time_t now)
{
    sim_time_t c = t >= 0 ? e->ts[t].mode_changed : 0;
    return c && now >= c && now - c <= e->in->opt.move_window;
}

/* check_rules_fodcb.c: its state (check_eng.fodcb) and the index of its
 * first rule in the table (check_rules.c). */
int check_fodcb_init(struct check_eng *e);
void check_fodcb_free(struct check_eng *e);
extern const int check_fodcb_first;
/* check_rules_hvpdyn.c (HVP-001/002/008, DYN-001/002/009/011): its state,
 * made and freed with the engine (0 or -ENOMEM), and its hooks. */
int check_hvpdyn_init(struct check_eng *e);
void check_hvpdyn_free(struct check_eng *e);
void check_hvp001_instant(struct check_eng *e, sim_time_t now);
void check_hvp002_event(struct check_eng *e, const struct check_event *ev);
void check_hvp002_instant(struct check_eng *e, sim_time_t now);
void check_dyn001_instant(struct check_eng *e, sim_time_t now);
void check_hvp008_event(struct check_eng *e, const struct check_event *ev);
void check_dynflow_frame(struct check_eng *e, const struct check_frame *f);
void check_flow_place_event(struct check_eng *e, const struct check_event *ev);
/* 1 when f is NVGRE (GRE with a key, Ethernet payload): SET hashes it by
 * its outer addresses and FlowID (DYN-011), stored in *flow_id (may be
 * NULL). */
int check_frame_nvgre(const struct check_frame *f, uint8_t *flow_id);

#endif
