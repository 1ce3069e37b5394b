/* pfc_gen: the sending side of PFC for one port: which priorities are in
 * XOFF, refreshing their pause before it expires, XON when they drain, and
 * pause storms (a faulty NIC that keeps pausing).
 *
 * The owner (a NIC's receive buffer, a switch's ingress accounting) tells
 * pfc_gen_set() when a lossless priority crosses XOFF (on) or XON (off);
 * pfc_gen calls the owner's send callback with the priority-enable vector
 * and quanta of the PFC frame to transmit.  While any priority is in XOFF,
 * a refresh frame goes out every half pause time, so the peer never sees
 * the pause lapse (DCB-001: only the priorities in XOFF have their bit set).
 *
 * Transitions per priority p (bit p of `xoff`):
 *   running -(pfc_gen_set on)->  xoff:    send {p: quanta}, arm refresh
 *   xoff    -(refresh__)->       xoff:    send {all xoff: quanta}
 *   xoff    -(pfc_gen_set off)-> running: send {p: 0}
 */
#ifndef SETSIM_PFC_GEN_H
#define SETSIM_PFC_GEN_H

#include <stdint.h>

#include "sim_engine.h"

/* Sends one PFC frame: bit p of enable set, quanta[p] its pause time. */
typedef void (*pfc_send_fn)(void *owner, uint8_t enable, const uint16_t quanta[8]);

struct pfc_gen {
    struct sim_engine *eng; /* not owned */
    pfc_send_fn send;
    void *owner;            /* not owned */
    uint16_t quanta;        /* pause time sent with XOFF */
    sim_time_t refresh;     /* refresh period (half the pause time) */
    uint8_t xoff;           /* priorities in XOFF */
    uint8_t storm;          /* priorities paused by a storm */
    sim_event_id timer;     /* pending refresh, 0 if none */
};

/* quanta 0 means 0xFFFF; rate converts quanta to time. */
void pfc_gen_init(struct pfc_gen *g, struct sim_engine *eng, pfc_send_fn send, void *owner,
                  uint16_t quanta, uint64_t rate_bps);
void pfc_gen_set(struct pfc_gen *g, uint8_t prio, int xoff);
/* Starts (on) or stops a storm of XOFF frames for `mask`, regardless of
 * buffer state. */
void pfc_gen_storm(struct pfc_gen *g, uint8_t mask, int on);
/* Cancels the refresh timer (e.g. link down); state is kept. */
void pfc_gen_stop(struct pfc_gen *g);

#endif
