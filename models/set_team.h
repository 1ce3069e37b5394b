/* set_team: Switch Embedded Teaming — the uplink of a Hyper-V virtual
 * switch: 1..8 identical member NICs, Switch Independent only, no standby
 * (CFG-001, CFG-003, CFG-010, CFG-014).
 *
 * vPorts (the vmswitch's ports: VM vNICs and host vNICs) are registered
 * with the team; each has exactly one affinitized member while any member
 * is up (HVP-001, DYN-001), chosen by the placement policy (HVP-002) unless
 * a team mapping pins it (HVP-006).
 *
 * Transmit (set_team_send):
 *  - Hyper-V Port: every frame on the vPort's affinitized member, source MAC
 *    untouched (HVP-003, HVP-004).
 *  - Dynamic: TCP/UDP frames are placed per flow by a Toeplitz hash of the
 *    4-tuple over the up members (DYN-002) and may move to the least-loaded
 *    member at a flowlet boundary (an idle gap >= flowlet_gap) when the
 *    imbalance exceeds the threshold, or periodically if enabled (DYN-003);
 *    frames that cannot be hashed, ARP, NS (and NA, RS) and RDMA go on the
 *    affinitized member unmodified (DYN-004, DYN-005, DYN-010); a frame on
 *    another member gets that member's MAC as its source, rewritten in the
 *    bytes (DYN-006, DYN-007); HNV-encapsulated frames (NVGRE, VXLAN) are
 *    hashed by the outer addresses and entropy field (DYN-011).
 * Receive: frames from an up member go to the receive handler with the
 * member's index (the vmswitch de-duplicates floods, HVP-008); frames from
 * a failed member are ignored (FO-001).
 * Failover: a member whose carrier is lost is failed after detect_delay;
 * its vPorts get a temporary affinitized member by the placement policy
 * (FO-002), its flows are re-placed at once, nothing else changes (FO-003);
 * on recovery, mapped vPorts fail back after a hold-down (FO-006); a
 * removed member is handled like a failure (FO-007); with no member up the
 * team drops external egress (FO-008).
 * Reconfiguration: member list replacement (CFG-015), mode change (CFG-011).
 * Every affinity change, flow placement and move, failover and failback is
 * a trace event.
 */
#ifndef SETSIM_SET_TEAM_H
#define SETSIM_SET_TEAM_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct set_team;
struct nic;

#define SET_MAX_MEMBERS 8 /* CFG-001 */
#define SET_NO_MEMBER (-1)

enum set_lb_mode {
    SET_LB_HYPERV_PORT = 0,
    SET_LB_DYNAMIC = 1, /* CFG-011: the default */
};

enum set_placement {
    SET_PLACE_LEAST_PORTS = 0, /* HVP-002 default: fewest vPorts, ties by member order */
    SET_PLACE_ROUND_ROBIN,
};

enum set_failback {
    SET_FAILBACK_MAPPED_ONLY = 0, /* FO-006 default */
    SET_FAILBACK_ALL,
    SET_FAILBACK_NONE,
};

enum set_announce {
    SET_ANNOUNCE_NONE = 0, /* FO-005 default */
    SET_ANNOUNCE_GARP_NA,  /* ask the vPort's stack to announce on the new member */
};

/* DYN-011 dyn.hnv_key: the flow key of HNV-encapsulated traffic (NVGRE:
 * GRE with a key and protocol 0x6558; VXLAN: UDP destination port 4789). */
enum set_hnv_key {
    SET_HNV_OUTER = 0, /* default: outer IP addresses + the outer entropy field
                        * (the NVGRE FlowID, the VXLAN outer UDP source port) */
    SET_HNV_INNER,     /* what-if: the encapsulated frame's own 4-tuple */
};

struct set_team_settings {
    const char *name;             /* the switch's name (a team has none, CFG-013); copied */
    enum set_lb_mode mode;        /* default Dynamic (CFG-011) */
    enum set_placement placement;
    sim_time_t flowlet_gap;       /* DYN-003 dyn.flowlet_gap_us; 0: 500 us */
    sim_time_t periodic_rebalance;/* dyn.periodic_rebalance_s; 0: off */
    double rebalance_threshold;   /* dyn.rebalance_threshold; 0: 10 % */
    sim_time_t load_window;       /* EWMA window of member load; 0: 1 ms */
    sim_time_t detect_delay;      /* FO-001 fo.detect_ms; 0: immediate */
    enum set_failback failback;
    sim_time_t failback_holddown; /* fo.failback_holddown_ms; 0: 1 s */
    enum set_announce announce;
    enum set_hnv_key hnv_key;     /* DYN-011 */
    int strict_identical;         /* CFG-003 set.strict_identical (1 by default
                                   * through set_team_settings_default) */
    const char *trace_name;       /* its object name in the trace, unique in the
                                   * run (e.g. "hv1/SETswitch"); NULL: name; read
                                   * during set_team_create only */
};

void set_team_settings_default(struct set_team_settings *s, const char *name);

/* Called with each frame received on an up member (the reference passes). */
typedef void (*set_team_rx_fn)(void *ctx, struct frame *f, int member);
/* Asks the owner of vPort `vport` to announce its MAC (FO-005). */
typedef void (*set_team_announce_fn)(void *ctx, int vport);

/* Creates a team over members[0..n) (not owned; identical per CFG-003).
 * Returns NULL with a message naming the rule and the differing attribute
 * in err: "CFG-001 SET_E_MEMBER_COUNT: ...", "CFG-001 SET_E_DUPLICATE_MEMBER",
 * "CFG-003 SET_E_MEMBERS_NOT_IDENTICAL: 'SLOT 3' differs from 'SLOT 2' in
 * firmware (16.27 vs 16.28)". */
struct set_team *set_team_create(struct sim_engine *eng, struct trace *trace,
                                 const struct set_team_settings *s, struct nic *const *members,
                                 size_t n, char *err, size_t errlen);
void set_team_destroy(struct set_team *t); /* NULL-safe; detaches from the NICs */
/* Disconnects the team from its NICs (no more frames or carrier events
 * reach it; it sends nothing more) while keeping it allocated: for a
 * switch removed while the simulation runs (CFG-016). */
void set_team_detach(struct set_team *t);

void set_team_set_rx_handler(struct set_team *t, set_team_rx_fn fn, void *ctx);
void set_team_set_announce_handler(struct set_team *t, set_team_announce_fn fn, void *ctx);

/* Affinity watchers: called after vPort vport's affinitized member changed
 * from old_member to new_member (SET_NO_MEMBER: none), e.g. by a vNIC's
 * RDMA engine, whose connections live in the member's NIC (FO-009).  A
 * watcher must not send through the team from inside the call. */
#define SET_MAX_WATCHERS 16
typedef void (*set_team_affinity_fn)(void *ctx, int vport, int old_member, int new_member);
/* Returns a watcher id (>= 0), or -ENOSPC. */
int set_team_watch_affinity(struct set_team *t, set_team_affinity_fn fn, void *ctx);
void set_team_unwatch_affinity(struct set_team *t, int id);

/* CFG-015: the member set becomes exactly members[0..n); validated as at
 * creation (nothing changes on error).  Removed members are handled like
 * failures (FO-007). */
int set_team_set_members(struct set_team *t, struct nic *const *members, size_t n, char *err,
                         size_t errlen);
/* CFG-011: applies to every frame from now on. */
void set_team_set_mode(struct set_team *t, enum set_lb_mode mode);
enum set_lb_mode set_team_mode(const struct set_team *t);
/* The team's effective settings (defaults applied; name and trace_name
 * NULL), e.g. its FO-006 failback knobs for the run's facts. */
const struct set_team_settings *set_team_settings_of(const struct set_team *t);

/* vPorts.  mac is the vNIC's; rdma marks an RDMA-enabled host vNIC
 * (DYN-010); obj names it in the trace.  Returns the vPort id (>= 0). */
int set_team_vport_add(struct set_team *t, const uint8_t mac[6], int rdma, trace_obj_t obj);
void set_team_vport_remove(struct set_team *t, int vport);
void set_team_vport_set_rdma(struct set_team *t, int vport, int rdma);
/* HVP-006: pins vport to member nic (NULL clears the mapping).  -ENOENT if
 * nic is not a member (CFG-017 SET_E_NOT_A_MEMBER). */
int set_team_map(struct set_team *t, int vport, struct nic *nic);

/* Transmits vport's frame (takes the reference).  Returns 0, or -ENETDOWN
 * when no member is up (dropped, traced team_down, FO-008). */
int set_team_send(struct set_team *t, int vport, struct frame *f);

/* Inspection (for the vmswitch, the checker's [S] rules and tests). */
size_t set_team_member_count(const struct set_team *t);
struct nic *set_team_member(const struct set_team *t, int member);
int set_team_member_index(const struct set_team *t, const struct nic *nic);
int set_team_member_up(const struct set_team *t, int member);
int set_team_affinity(const struct set_team *t, int vport); /* member or SET_NO_MEMBER */
int set_team_mapped(const struct set_team *t, int vport);   /* member or SET_NO_MEMBER */
/* RMAC(M): the source MAC of vPort frames on a non-affinitized member M
 * (DYN-007 dyn.rmac=member_permanent: M's permanent MAC). */
const uint8_t *set_team_rmac(const struct set_team *t, int member);
/* vPort frames transmitted per member (HVP-005, DYN-009 checks). */
uint64_t set_team_tx_frames(const struct set_team *t, int vport, int member);
size_t set_team_flow_count(const struct set_team *t);
/* DYN-002: the member the Toeplitz hash places a new flow with f's key on
 * when vPort vport sends it (f is only read), or SET_NO_MEMBER when f is
 * not hashed (DYN-004, DYN-005, DYN-010) or no member is up.  What a
 * sender sees before its first frame (e.g. `bench set` choosing source
 * ports that load both members evenly). */
int set_team_hash_member(const struct set_team *t, int vport, const struct frame *f);
/* vPorts affinitized to member (the team affinity count). */
uint32_t set_team_member_vports(const struct set_team *t, int member);
/* Sum of the members' VMQ queues (CFG-027 Sum-of-Queues). */
uint32_t set_team_vmq_queues(const struct set_team *t);
const char *set_team_name(const struct set_team *t);
trace_obj_t set_team_obj(const struct set_team *t); /* named after its switch */

#endif
