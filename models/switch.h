/* switch: a physical Ethernet switch (the ToR a SET team plugs into).
 *
 * Forwarding is decided from the frame's bytes:
 *  - VLAN: access ports take untagged frames (and priority-tagged VID 0)
 *    into their PVID and send untagged; trunk ports take tagged frames of
 *    their allowed VLANs and untagged ones into the native VLAN (if any)
 *    and send tagged except on the native VLAN.  Untagged ingress gets the
 *    port's default priority (0 unless set): its priority is lost (DCB-004).
 *  - MAC table per VLAN: learning from the source MAC, aging (300 s by
 *    default), static entries, a capacity limit, flooding of broadcast,
 *    multicast and unknown unicast within the VLAN, flush of a port's
 *    entries when its link goes down, MAC-move events with both ports and a
 *    per-MAC move counter over a window (flaps).
 *  - Buffer: a shared pool with per-ingress-port per-priority accounting
 *    and per-egress-port per-priority queues.  Lossless (PFC-enabled)
 *    priorities send PFC XOFF upstream when an ingress counter crosses XOFF
 *    (static bytes, or dynamic: alpha x free shared buffer) and XON when it
 *    falls to XON; bytes past XOFF use the port's headroom, computed by
 *    default from rate, cable length, MTU and peer response time (SONiC's
 *    Mellanox formula, switch_headroom()); past the headroom frames drop
 *    (headroom_overflow).  Lossy priorities tail-drop when their egress
 *    queue exceeds its share (lossy_queue_full).  Every drop is traced with
 *    its reason.
 *  - ECN: RED-style marking per egress queue (Kmin, Kmax, Pmax) of ECT
 *    frames at enqueue.
 *  - Egress: strict/ETS per port, honouring received PFC for the switch's
 *    PFC-enabled priorities; an optional PFC watchdog ignores (and drains)
 *    a queue paused longer than its detection time.
 */
#ifndef SETSIM_SWITCH_H
#define SETSIM_SWITCH_H

#include <stdint.h>

#include "egress.h"
#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct sw;
struct link;

#define SWITCH_MAX_PORTS 256
#define SWITCH_DEFAULT_AGING (300 * SIM_S)

enum switch_port_mode {
    SWITCH_ACCESS = 0,
    SWITCH_TRUNK = 1,
};

enum switch_threshold_mode {
    SWITCH_THRESH_STATIC = 0, /* bytes */
    SWITCH_THRESH_DYNAMIC,    /* alpha x free shared buffer */
};

enum switch_watchdog_action {
    SWITCH_WD_OFF = 0,
    SWITCH_WD_DRAIN,  /* drop the queue's frames and ignore PFC on it */
    SWITCH_WD_IGNORE, /* ignore PFC on it, keep sending */
};

struct switch_port_settings {
    enum switch_port_mode mode;
    uint16_t pvid;            /* access VLAN; trunk native VLAN (0: none) */
    const uint8_t *allowed;   /* trunk: 512-byte bitmap of allowed VLANs, copied;
                               * NULL: all of 1..4094 */
    uint8_t default_pcp;      /* priority of untagged ingress (DCB-004) */
    uint32_t cable_m;         /* cable length for the headroom */
    uint32_t headroom;        /* bytes per lossless priority; 0: computed */
    struct egress_settings egress; /* classes, ETS shares; rate taken from the link */
};

struct switch_ecn {
    uint32_t kmin, kmax; /* queue bytes; marking starts above kmin */
    double pmax;         /* marking probability at kmax */
};

struct switch_settings {
    const char *name;              /* e.g. "tor1"; copied */
    uint32_t nports;               /* 1..SWITCH_MAX_PORTS, numbered 1..nports */
    uint64_t buffer;               /* shared buffer bytes */
    uint32_t mtu;                  /* bytes of the largest frame (headroom); 0: 1522 */
    uint8_t pfc_enabled;           /* lossless priorities */
    enum switch_threshold_mode xoff_mode;
    uint32_t xoff;                 /* static XOFF per ingress port and priority */
    double xoff_alpha;             /* dynamic XOFF fraction of free buffer */
    uint32_t xon_delta;            /* XON = XOFF - xon_delta (0: XOFF / 2) */
    sim_time_t peer_response;      /* time the peer keeps sending after PFC
                                    * arrives (0: 1 us, DCB-002's react time) */
    uint16_t pfc_quanta;           /* quanta in XOFF frames; 0: 0xFFFF */
    enum switch_threshold_mode lossy_mode;
    uint32_t lossy_limit;          /* static bytes per egress queue */
    double lossy_alpha;            /* dynamic share (0: 1.0) */
    uint8_t ecn_enabled;           /* priorities with ECN marking */
    struct switch_ecn ecn[8];
    sim_time_t aging;              /* 0: SWITCH_DEFAULT_AGING */
    uint32_t mac_capacity;         /* 0: 16384 */
    sim_time_t move_window;        /* flap window; 0: 100 ms */
    enum switch_watchdog_action wd_action;
    sim_time_t wd_detect;          /* paused this long => storm */
    uint64_t seed;                 /* ECN marking stream */
};

struct switch_port_counters {
    uint64_t rx_frames[8], rx_bytes[8];
    uint64_t tx_frames[8], tx_bytes[8];
    uint64_t pfc_tx[8], pfc_rx[8];
    uint64_t drops[TRACE_DROP_REASON_COUNT];
    uint64_t ecn_marked[8];
    uint64_t max_queue[8];      /* largest egress queue seen, bytes */
    uint64_t max_ingress[8];    /* largest ingress counter seen, bytes */
};

struct switch_counters {
    uint64_t learned, moves, flaps, aged, flushed;
    uint64_t flooded;           /* frames flooded */
    uint64_t buffer_peak;       /* largest shared-buffer use, bytes */
};

void switch_settings_default(struct switch_settings *s, const char *name, uint32_t nports);
void switch_port_settings_default(struct switch_port_settings *p);

struct sw *switch_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                         const struct switch_settings *s);
void switch_destroy(struct sw *sw); /* NULL-safe */

/* Port numbers are 1-based as on a switch's front panel. */
int switch_port_configure(struct sw *sw, uint32_t port, const struct switch_port_settings *p);
int switch_attach(struct sw *sw, uint32_t port, struct link *l, int end);
int switch_add_static(struct sw *sw, uint16_t vlan, const uint8_t mac[6], uint32_t port);

/* The headroom a lossless priority needs on a port (bytes), following
 * SONiC's Mellanox calculation with a cell occupancy of 1:
 *   cable  = 2 x cable_m x 5 ns/m x rate / 8           (round trip)
 *   xoff   = mtu + (mtu + 2 x cable + peer_response x rate / 8)
 * i.e. the frame being sent when XOFF triggers, the frame the peer is
 * sending when it arrives, the bytes on the cable both ways (twice, as
 * SONiC does) and what the peer sends while reacting. */
uint32_t switch_headroom(uint64_t rate_bps, uint32_t cable_m, uint32_t mtu,
                         sim_time_t peer_response);

/* Looks up (vlan, mac): the port (1-based) or 0. */
uint32_t switch_mac_lookup(struct sw *sw, uint16_t vlan, const uint8_t mac[6]);
size_t switch_mac_count(const struct sw *sw);
/* Moves of one MAC within the current window. */
uint32_t switch_mac_moves(struct sw *sw, uint16_t vlan, const uint8_t mac[6]);

/* The port's counters as of the call (NULL for no such port): call again
 * after the engine has run (the per-frame counters are kept elsewhere and
 * copied in here). */
const struct switch_port_counters *switch_port_counters(const struct sw *sw, uint32_t port);
const struct switch_counters *switch_counters(const struct sw *sw);
/* Current egress queue bytes of (port, prio), and ingress counter. */
uint64_t switch_queue_bytes(const struct sw *sw, uint32_t port, uint8_t prio);
uint64_t switch_ingress_bytes(const struct sw *sw, uint32_t port, uint8_t prio);
sim_time_t switch_paused_time(const struct sw *sw, uint32_t port, uint8_t prio);
uint32_t switch_port_headroom(const struct sw *sw, uint32_t port);
const char *switch_name(const struct sw *sw);
trace_obj_t switch_port_obj(const struct sw *sw, uint32_t port);
/* Ports of the switch (numbered 1..count). */
uint32_t switch_port_count(const struct sw *sw);

#endif
