/* txport: one port's transmit engine: control frames first, then the
 * egress selection, re-armed by a wake-up at the earliest pause end (see
 * txport.h). */
#include "txport.h"

#include <errno.h>
#include <string.h>

#include "link.h"

int txport_init(struct txport *tp, struct sim_engine *eng, const struct egress_settings *s,
                txport_on_tx_fn on_tx, void *owner)
{
    memset(tp, 0, sizeof *tp);
    tp->eng = eng;
    tp->on_tx = on_tx;
    tp->owner = owner;
    return egress_init(&tp->eg, s);
}

static void free_ctl__(struct txport *tp)
{
    for (struct frame *f = tp->ctl_head; f;) {
        struct frame *next = f->next;
        f->next = NULL;
        frame_unref(f);
        f = next;
    }
    tp->ctl_head = tp->ctl_tail = NULL;
}

void txport_fini(struct txport *tp)
{
    egress_flush(&tp->eg);
    free_ctl__(tp);
    tp->wake = 0; /* the engine is gone by now: nothing to cancel */
}

void txport_attach(struct txport *tp, struct link *l, int end)
{
    tp->link = l;
    tp->end = end;
}

static void wake__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct txport *tp = ctx;
    tp->wake = 0;
    txport_kick(tp);
}

void txport_kick(struct txport *tp)
{
    if (!tp->link || link_tx_busy(tp->link, tp->end))
        return;
    struct frame *f = tp->ctl_head;
    if (f) {
        tp->ctl_head = f->next;
        if (!tp->ctl_head)
            tp->ctl_tail = NULL;
        f->next = NULL;
        link_tx(tp->link, tp->end, f);
        return;
    }
    sim_time_t wake_at;
    f = egress_next(&tp->eg, sim_now(tp->eng), &wake_at);
    if (f) {
        if (tp->on_tx)
            tp->on_tx(tp->owner, f);
        link_tx(tp->link, tp->end, f);
        return;
    }
    if (wake_at != SIM_TIME_MAX && (!tp->wake || wake_at < tp->wake_at)) {
        if (tp->wake)
            sim_cancel(tp->eng, tp->wake);
        tp->wake = sim_schedule_at(tp->eng, wake_at, wake__, tp, NULL);
        tp->wake_at = wake_at;
    }
}

int txport_enqueue(struct txport *tp, uint8_t prio, struct frame *f)
{
    int rc = egress_enqueue(&tp->eg, prio, f);
    if (rc == 0)
        txport_kick(tp);
    return rc;
}

void txport_send_ctl(struct txport *tp, struct frame *f)
{
    f->next = NULL;
    if (tp->ctl_tail)
        tp->ctl_tail->next = f;
    else
        tp->ctl_head = f;
    tp->ctl_tail = f;
    txport_kick(tp);
}

void txport_flush_each(struct txport *tp, void (*fn)(void *ctx, struct frame *f), void *ctx)
{
    egress_flush_each(&tp->eg, fn, ctx);
    free_ctl__(tp);
}
