/* vmswitch: the Hyper-V Virtual Switch: ports for VM vNICs and host
 * (management OS) vNICs, switching between them, and an uplink that is a
 * SET team (or, for a switch without embedded teaming, a one-member team
 * used as a plain adapter).
 *
 * Transmit from a vNIC (vmswitch_port_send, untagged frames):
 *  - EAPOL frames are dropped on a SET switch (CFG-024);
 *  - the port's classifier (host QoS policies, e.g. NetDirect port 445 ->
 *    priority 3) gives the priority; the port's access VLAN, if any, is
 *    added as an 802.1Q tag carrying that priority.  A port without a VLAN
 *    sends untagged: the priority is lost on the wire (DCB-004);
 *  - a unicast to another local vPort of the same VLAN is delivered
 *    directly without touching the team, after the switch copied it: the
 *    frames for a port are copied one after the other at local_bps (model
 *    choice: 10 Gb/s, the link speed a Hyper-V vNIC reports), so two VMs
 *    of one host exchange frames in time that passes (a request/response
 *    loop between them would otherwise never let the clock move);
 *    broadcast and multicast go to the other local vPorts of the VLAN and
 *    out through the team; everything else goes out through the team.
 * Receive from the team (frames with the member they arrived on):
 *  - VLAN isolation: tagged frames reach only ports of that VLAN, untagged
 *    only ports without one; the tag is removed before delivery;
 *  - HVP-008 (rx.flood_dedup=affinitized): a vPort takes a frame only from
 *    its affinitized member, so a flood arriving on several members is
 *    delivered once;
 *  - VMQ: each port's receive queue is served by one CPU at vmq_cost per
 *    frame (0: free), bounding a VM's receive rate by its core (HVP-007
 *    places the queue on the affinitized member; rx_on_member counts the
 *    frames each member's queue delivered);
 *  - DYN-008: a unicast addressed to the replacement MAC of the member it
 *    arrived on (a peer learned an RMAC) is delivered by destination IPv4
 *    address when exactly one port of the VLAN has it (its Ethernet
 *    destination rewritten to the port's MAC, traced as a note "DYN-008
 *    peer learned a replacement MAC"), and dropped otherwise (no_route);
 *  - a unicast to the MAC of a port whose VM live-migrated away
 *    (vmswitch_port_migrated) is dropped on that port's object
 *    (vport_migrated); other unknown unicast is not ours, silently.
 */
#ifndef SETSIM_VMSWITCH_H
#define SETSIM_VMSWITCH_H

#include <stdint.h>

#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct vmswitch;
struct set_team;

enum vmswitch_dedup {
    VMSWITCH_DEDUP_AFFINITIZED = 0, /* HVP-008 default */
    VMSWITCH_DEDUP_NONE,            /* deliver every copy (for what-if studies) */
};

#define VMSWITCH_DEFAULT_LOCAL_BPS 10000000000ull

struct vmswitch_settings {
    const char *name;         /* the switch name, e.g. "SETswitch"; copied */
    uint64_t local_bps;       /* vPort-to-vPort copy rate; 0: VMSWITCH_DEFAULT_LOCAL_BPS */
    int embedded_teaming;     /* a SET switch (CFG-024 applies) */
    enum vmswitch_dedup dedup;
    trace_obj_t trace_obj;    /* its object in the trace, already interned: a
                               * host's switch is its SET team's object
                               * ("hv1/SETswitch", named per host like its
                               * NICs); 0: `name` is interned, kind vswitch */
};

/* Classifies an outgoing frame: returns its 802.1p priority 0..7, or -1 for
 * no priority (0 on the wire when tagged). */
typedef int (*vmswitch_classify_fn)(void *ctx, const struct frame *f);
/* Delivers a received frame to the vNIC's stack (the reference passes). */
typedef void (*vmswitch_rx_fn)(void *ctx, struct frame *f);

struct vmswitch_port_settings {
    const char *name;         /* "vEthernet (SMB_1)", "vm1/Network Adapter"; copied */
    const char *vm;           /* owning VM, NULL for the management OS; copied */
    uint8_t mac[6];
    uint16_t access_vlan;     /* 0: untagged */
    int rdma;                 /* RDMA enabled on this host vNIC */
    vmswitch_classify_fn classify;
    void *classify_ctx;
    vmswitch_rx_fn rx;
    void *rx_ctx;
    sim_time_t vmq_cost;      /* CPU time per received frame; 0: none */
};

struct vmswitch_port_counters {
    uint64_t tx_frames, tx_bytes, local_frames; /* local: switched to a vPort */
    uint64_t rx_frames, rx_bytes;
    uint64_t rx_dup_dropped;  /* flood copies from non-affinitized members */
    uint64_t eapol_dropped;
    uint64_t rx_on_member[8]; /* frames received through each member's VMQ (HVP-007) */
    uint64_t rx_by_ip;        /* RMAC-addressed frames delivered by IP (DYN-008) */
};

struct vmswitch *vmswitch_create(struct sim_engine *eng, struct trace *trace,
                                 const struct vmswitch_settings *s);
void vmswitch_destroy(struct vmswitch *vs); /* NULL-safe; frees queued frames */

/* Connects the uplink (not owned); vPorts added before are registered. */
void vmswitch_attach_team(struct vmswitch *vs, struct set_team *team);
struct set_team *vmswitch_team(const struct vmswitch *vs);

/* Returns the port id (>= 0) or a negative errno (-EEXIST for a name or MAC
 * in use). */
int vmswitch_port_add(struct vmswitch *vs, const struct vmswitch_port_settings *p);
void vmswitch_port_remove(struct vmswitch *vs, int port);
/* Removes the port of a vNIC whose VM live-migrated away: frames that
 * still arrive for its MAC and VLAN (the physical switches have not
 * relearned it yet), and those left in its VMQ, are dropped and traced
 * as drops on the port's object, reason vport_migrated. */
void vmswitch_port_migrated(struct vmswitch *vs, int port);
int vmswitch_port_find(const struct vmswitch *vs, const char *name);
/* Set-VMNetworkAdapterIsolation / VLAN: 0 makes the port untagged. */
int vmswitch_port_set_vlan(struct vmswitch *vs, int port, uint16_t vlan);
int vmswitch_port_set_rdma(struct vmswitch *vs, int port, int rdma);
/* The port's IPv4 address (NULL: none), for DYN-008 delivery by IP. */
int vmswitch_port_set_ipv4(struct vmswitch *vs, int port, const uint8_t ip[4]);

/* Sends an untagged frame from port's vNIC (takes the reference). */
int vmswitch_port_send(struct vmswitch *vs, int port, struct frame *f);

/* The SET vPort id of a port (for set_team_map / affinity queries). */
int vmswitch_port_vport(const struct vmswitch *vs, int port);
const uint8_t *vmswitch_port_mac(const struct vmswitch *vs, int port);
const char *vmswitch_port_name(const struct vmswitch *vs, int port);
uint16_t vmswitch_port_vlan(const struct vmswitch *vs, int port);
const struct vmswitch_port_counters *vmswitch_port_counters(const struct vmswitch *vs, int port);
int vmswitch_port_count(const struct vmswitch *vs);
int vmswitch_port_used(const struct vmswitch *vs, int port); /* 0 once removed */
const char *vmswitch_name(const struct vmswitch *vs);
int vmswitch_is_set(const struct vmswitch *vs);

#endif
