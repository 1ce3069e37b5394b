/* pfc_gen: XOFF/XON state, refresh and storms of one port's PFC sender
 * (see pfc_gen.h). */
#include "pfc_gen.h"

#include "pkt_pfc.h"

static void refresh__(struct sim_engine *eng, void *ctx, void *arg);

void pfc_gen_init(struct pfc_gen *g, struct sim_engine *eng, pfc_send_fn send, void *owner,
                  uint16_t quanta, uint64_t rate_bps)
{
    g->eng = eng;
    g->send = send;
    g->owner = owner;
    g->quanta = quanta ? quanta : 0xFFFF;
    g->refresh = pkt_pfc_quanta_time(g->quanta, rate_bps) / 2;
    if (g->refresh == 0)
        g->refresh = 1;
    g->xoff = g->storm = 0;
    g->timer = 0;
}

static void send_mask__(struct pfc_gen *g, uint8_t mask, uint16_t q)
{
    uint16_t quanta[8] = {0};
    for (int p = 0; p < 8; p++)
        if (mask & (1u << p))
            quanta[p] = q;
    g->send(g->owner, mask, quanta);
}

static void arm__(struct pfc_gen *g)
{
    if (!g->timer && (g->xoff | g->storm))
        g->timer = sim_schedule_in(g->eng, g->refresh, refresh__, g, NULL);
}

static void refresh__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct pfc_gen *g = ctx;
    g->timer = 0;
    uint8_t mask = g->xoff | g->storm;
    if (!mask)
        return;
    send_mask__(g, mask, g->quanta);
    arm__(g);
}

void pfc_gen_set(struct pfc_gen *g, uint8_t prio, int xoff)
{
    uint8_t bit = (uint8_t)(1u << (prio & 7));
    if (xoff && !(g->xoff & bit)) {
        g->xoff |= bit;
        send_mask__(g, bit, g->quanta);
        arm__(g);
    } else if (!xoff && (g->xoff & bit)) {
        g->xoff &= (uint8_t)~bit;
        if (!(g->storm & bit))
            send_mask__(g, bit, 0);
    }
}

void pfc_gen_storm(struct pfc_gen *g, uint8_t mask, int on)
{
    if (on) {
        g->storm |= mask;
        send_mask__(g, mask, g->quanta);
        arm__(g);
    } else {
        uint8_t ending = g->storm & mask & (uint8_t)~g->xoff;
        g->storm &= (uint8_t)~mask;
        if (ending)
            send_mask__(g, ending, 0);
    }
}

void pfc_gen_stop(struct pfc_gen *g)
{
    if (g->timer)
        sim_cancel(g->eng, g->timer);
    g->timer = 0;
}
