/* txport: the transmit engine of one port, shared by NICs and switch
 * ports: an egress (queues, strict/ETS, PFC pause state), a FIFO of control
 * frames (PFC) that go ahead of data, and the link end it drives.
 *
 * Transmit opportunities: txport_kick() (after an enqueue, a resume, a
 * carrier change), the link's tx_ready, and a wake-up event armed for the
 * earliest pause end when every backlogged priority is paused.  Each data
 * frame that starts transmission is reported to the owner's on_tx (buffer
 * accounting, counters) before it goes on the wire.
 */
#ifndef SETSIM_TXPORT_H
#define SETSIM_TXPORT_H

#include "egress.h"
#include "frame.h"
#include "sim_engine.h"

struct link;

/* A data frame is about to be transmitted (the owner must not keep it). */
typedef void (*txport_on_tx_fn)(void *owner, struct frame *f);

struct txport {
    struct sim_engine *eng;   /* not owned */
    struct link *link;        /* not owned; NULL until attached */
    int end;
    struct egress eg;
    struct frame *ctl_head, *ctl_tail; /* owned: control frames to send first */
    sim_event_id wake;        /* pending wake-up, 0 if none */
    sim_time_t wake_at;
    txport_on_tx_fn on_tx;
    void *owner;              /* not owned */
};

int txport_init(struct txport *tp, struct sim_engine *eng, const struct egress_settings *s,
                txport_on_tx_fn on_tx, void *owner);
/* Frees queued frames.  Models are destroyed after their engine (a world
 * tears down the engine first), so this does not touch the engine. */
void txport_fini(struct txport *tp);
void txport_attach(struct txport *tp, struct link *l, int end);

/* Queues a data frame (takes the reference) and kicks; -ENOBUFS when the
 * queue limit is hit (f not consumed). */
int txport_enqueue(struct txport *tp, uint8_t prio, struct frame *f);
/* Queues a control frame ahead of data (takes the reference) and kicks. */
void txport_send_ctl(struct txport *tp, struct frame *f);
/* Transmits the next frame if the line is idle. */
void txport_kick(struct txport *tp);
/* Drops all queued frames through fn (data) and frees control frames. */
void txport_flush_each(struct txport *tp, void (*fn)(void *ctx, struct frame *f), void *ctx);

#endif
