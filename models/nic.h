/* nic: a physical network adapter (a team member, or a raw endpoint's
 * port): identity, MAC, rate, eight egress queues with strict/ETS
 * selection, PFC in both directions, and a receive buffer drained at the
 * host's processing rate.
 *
 * Transmit: nic_send() queues a frame by the PCP in its bytes (untagged:
 * priority 0) and transmits when the line is free.  PFC frames the NIC
 * generates go ahead of queued data.
 * Receive: MAC Control frames are consumed here (PFC applied to the egress
 * queues for PFC-enabled priorities only, DCB-002) and never delivered
 * upward; every other frame goes to the receive handler, after the receive
 * buffer when a drain rate is set.  For PFC-enabled priorities, the
 * receive backlog crossing rx_xoff sends XOFF and falling to rx_xon sends
 * XON (DCB-001: the vector holds only PFC-enabled priorities).
 * Admin down (Disable-NetAdapter) takes the link down; frames sent while
 * down or without carrier are dropped (traced, reason link_down).
 */
#ifndef SETSIM_NIC_H
#define SETSIM_NIC_H

#include <stdint.h>

#include "egress.h"
#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct nic;
struct link;

struct nic_identity {
    const char *manufacturer; /* all copied */
    const char *model;
    const char *firmware;
    const char *driver;
};

struct nic_settings {
    const char *name;         /* e.g. "hv1/SLOT 2"; copied */
    struct nic_identity id;
    uint8_t mac[6];           /* permanent MAC */
    uint64_t rate_bps;
    struct egress_settings egress; /* rate_bps 0: take the NIC's; pfc_enabled
                                    * is overridden by pfc_enabled below */
    uint8_t pfc_enabled;      /* priorities with PFC (send and honour) */
    uint64_t rx_drain_bps;    /* host receive processing rate; 0: instant */
    uint32_t rx_xoff;         /* receive backlog per lossless priority that
                               * sends XOFF (bytes; 0: 3 x MTU) */
    uint32_t rx_xon;          /* ... and XON (0: rx_xoff / 2) */
    uint16_t pfc_quanta;      /* quanta in XOFF frames; 0: 0xFFFF */
    uint32_t vmq_queues;      /* VMQ receive queues the adapter offers (CFG-027) */
    const char *trace_name;   /* its object name in the trace, unique in the
                               * run (e.g. "hv1/SLOT 2"); NULL: name; copied */
};

struct nic_prio_counters {
    uint64_t tx_frames, tx_bytes;
    uint64_t rx_frames, rx_bytes;
    uint64_t pfc_tx, pfc_rx;   /* PFC frames with this priority's bit set */
    uint64_t drops;
};

/* Receives a frame from the NIC (the reference passes). */
typedef void (*nic_rx_fn)(void *ctx, struct nic *nic, struct frame *f);
/* Carrier (link up/down as detected by the NIC). */
typedef void (*nic_carrier_fn)(void *ctx, struct nic *nic, int up);

struct nic *nic_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                       const struct nic_settings *s);
void nic_destroy(struct nic *n); /* NULL-safe */

/* Connects the NIC to end `end` of link l. */
void nic_attach(struct nic *n, struct link *l, int end);
void nic_set_rx_handler(struct nic *n, nic_rx_fn fn, void *ctx);
void nic_set_carrier_handler(struct nic *n, nic_carrier_fn fn, void *ctx);

/* Queues f for transmission (takes the reference).  Returns 0, -ENOBUFS
 * (queue limit: dropped, traced) or -ENETDOWN (dropped, traced). */
int nic_send(struct nic *n, struct frame *f);

/* Reconfigures DCB: classes, shares, PFC set (Enable-NetAdapterQos and
 * the NetQos cmdlets end up here). */
int nic_set_dcb(struct nic *n, const struct egress_settings *eg, uint8_t pfc_enabled);
/* Administrative state (Disable-/Enable-NetAdapter). */
void nic_set_admin(struct nic *n, int up);
/* The NIC left its team (Set-VMSwitchTeam, CFG-015): the frames it has
 * queued and not begun to send are dropped (reason member_removed), since
 * the team transmits nothing on it after the removal; the frame on the
 * line finishes. */
void nic_unbind(struct nic *n);
/* A pause storm: keeps sending XOFF for mask until stopped. */
void nic_pause_storm(struct nic *n, uint8_t mask, int on);

int nic_carrier(const struct nic *n);   /* carrier as detected */
int nic_admin_up(const struct nic *n);
const uint8_t *nic_mac(const struct nic *n);
const char *nic_name(const struct nic *n);
const struct nic_identity *nic_identity(const struct nic *n);
uint64_t nic_rate(const struct nic *n);
uint32_t nic_vmq_queues(const struct nic *n);
/* Priorities with PFC as programmed (nic_set_dcb). */
uint8_t nic_pfc_enabled(const struct nic *n);
/* The egress settings as programmed. */
const struct egress_settings *nic_egress_settings(const struct nic *n);
trace_obj_t nic_obj(const struct nic *n);
const struct nic_prio_counters *nic_counters(const struct nic *n, uint8_t prio);
/* Time priority prio's egress has spent paused by received PFC. */
sim_time_t nic_paused_time(const struct nic *n, uint8_t prio);
/* Bytes queued for transmission at priority prio. */
uint64_t nic_tx_backlog(const struct nic *n, uint8_t prio);
/* Time from now until a frame queued now begins to leave, if nothing
 * overtakes it and no pause holds it: the line time of everything queued
 * at every priority (preamble, FCS and gap included); 0 when nothing is. */
sim_time_t nic_tx_drain_time(const struct nic *n);

/* A one-shot "transmit queue drained" notification, for a sender that
 * holds back while the queue is full (an RDMA engine's tx gate) instead of
 * polling it: fn(ctx) is called once, from the transmit path, when a data
 * frame leaves priority prio's queue and its backlog is then below `below`
 * bytes, or when the queues are dropped (carrier loss).  Arming the same
 * (fn, ctx) again replaces its priority and threshold.  Returns 0, or
 * -ENOSPC when NIC_TX_WATCHES are armed (the caller polls instead). */
#define NIC_TX_WATCHES 4
typedef void (*nic_tx_ready_fn)(void *ctx);
int nic_watch_tx_below(struct nic *n, uint8_t prio, uint64_t below, nic_tx_ready_fn fn, void *ctx);
/* Disarms (fn, ctx) if armed (before ctx goes away). */
void nic_unwatch_tx(struct nic *n, nic_tx_ready_fn fn, void *ctx);

#endif
