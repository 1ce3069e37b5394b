/* nic: physical adapter model (see nic.h).
 *
 * Transmission is the txport's (queues, selection, PFC frames first, wake-up
 * at pause ends).  Receive: control frames are consumed in rx__; data frames go up
 * directly or through the receive buffer (a FIFO drained by drain__ at
 * rx_drain_bps), whose per-priority backlog drives pfc_gen.
 */
#include "nic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "pfc_gen.h"
#include "pkt.h"
#include "pkt_pfc.h"
#include "txport.h"

#define NIC_DEFAULT_MTU_FRAME 1522 /* for the default XOFF of 3 frames */

struct nic {
    struct sim_engine *eng;    /* not owned */
    struct trace *trace;       /* not owned, may be NULL */
    struct frame_pool *pool;   /* not owned */
    char *name;
    struct nic_identity id;    /* strings owned */
    uint8_t mac[6];
    uint64_t rate_bps;
    uint32_t vmq_queues;
    trace_obj_t obj;

    struct link *link;         /* not owned */
    int end;
    int carrier;               /* as detected */
    int admin_up;

    struct txport tx;          /* queues, selection, control frames */

    uint8_t pfc_enabled;
    struct pfc_gen pfc;
    uint64_t rx_drain_bps;
    uint32_t rx_xoff, rx_xon;
    struct frame *rxq_head, *rxq_tail; /* owned: receive buffer FIFO */
    uint64_t rx_backlog[8];    /* bytes per priority in the receive buffer */
    int draining;

    nic_rx_fn rx_fn;
    void *rx_ctx;
    nic_carrier_fn carrier_fn;
    void *carrier_ctx;

    struct nic_prio_counters ctr[8];

    struct nic_tx_watch {
        nic_tx_ready_fn fn;    /* NULL: free slot */
        void *ctx;
        uint64_t below;
        uint8_t prio;
    } watch[NIC_TX_WATCHES];
    uint8_t watch_prios;       /* bit p: a watch on priority p is armed */
};

static char *dup__(const char *s) { return strdup(s ? s : ""); }

static void pfc_send__(void *owner, uint8_t enable, const uint16_t quanta[8])
{
    struct nic *n = owner;
    struct frame *f = frame_alloc(n->pool);
    if (!f)
        return;
    if (pkt_pfc_build(f, n->mac, enable, quanta) != 0) {
        frame_unref(f);
        return;
    }
    f->t_created = sim_now(n->eng);
    for (int p = 0; p < 8; p++) {
        if (enable & (1u << p)) {
            n->ctr[p].pfc_tx++;
            if (n->trace)
                trace_pfc_frame(n->trace, sim_now(n->eng), n->obj, (uint8_t)p, quanta[p], 1);
        }
    }
    txport_send_ctl(&n->tx, f);
}

/* A data frame leaves: count it. */
/* Fires the watches on prio (all when prio > 7) whose threshold the
 * backlog is below; each is disarmed before its call. */
static void fire_watches__(struct nic *n, unsigned prio)
{
    uint8_t left = 0;
    for (int i = 0; i < NIC_TX_WATCHES; i++) {
        struct nic_tx_watch *w = &n->watch[i];
        if (!w->fn)
            continue;
        if ((prio > 7 || w->prio == prio) && n->tx.eg.q[w->prio].bytes < w->below) {
            nic_tx_ready_fn fn = w->fn;
            w->fn = NULL;
            fn(w->ctx);
        } else {
            left |= (uint8_t)(1u << w->prio);
        }
    }
    n->watch_prios = left;
}

static void on_tx__(void *owner, struct frame *f)
{
    struct nic *n = owner;
    unsigned p = f->priority & 7;
    struct nic_prio_counters *c = &n->ctr[p];
    c->tx_frames++;
    c->tx_bytes += frame_wire_len(f);
    if (n->watch_prios & (1u << p))
        fire_watches__(n, p);
}

int nic_watch_tx_below(struct nic *n, uint8_t prio, uint64_t below, nic_tx_ready_fn fn, void *ctx)
{
    struct nic_tx_watch *slot = NULL;
    for (int i = 0; i < NIC_TX_WATCHES; i++) {
        struct nic_tx_watch *w = &n->watch[i];
        if (w->fn == fn && w->ctx == ctx) {
            slot = w;
            break;
        }
        if (!w->fn && !slot)
            slot = w;
    }
    if (!slot)
        return -ENOSPC;
    slot->fn = fn;
    slot->ctx = ctx;
    slot->below = below;
    slot->prio = prio & 7;
    n->watch_prios = 0;
    for (int i = 0; i < NIC_TX_WATCHES; i++)
        if (n->watch[i].fn)
            n->watch_prios |= (uint8_t)(1u << n->watch[i].prio);
    return 0;
}

void nic_unwatch_tx(struct nic *n, nic_tx_ready_fn fn, void *ctx)
{
    n->watch_prios = 0;
    for (int i = 0; i < NIC_TX_WATCHES; i++) {
        struct nic_tx_watch *w = &n->watch[i];
        if (w->fn == fn && w->ctx == ctx)
            w->fn = NULL;
        if (w->fn)
            n->watch_prios |= (uint8_t)(1u << w->prio);
    }
}

struct nic *nic_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                       const struct nic_settings *s)
{
    if (!s || s->rate_bps == 0)
        return NULL;
    struct nic *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->eng = eng;
    n->trace = trace;
    n->pool = pool;
    n->name = dup__(s->name);
    n->id.manufacturer = dup__(s->id.manufacturer);
    n->id.model = dup__(s->id.model);
    n->id.firmware = dup__(s->id.firmware);
    n->id.driver = dup__(s->id.driver);
    if (!n->name || !n->id.manufacturer || !n->id.model || !n->id.firmware || !n->id.driver)
        goto fail;
    memcpy(n->mac, s->mac, 6);
    n->rate_bps = s->rate_bps;
    n->vmq_queues = s->vmq_queues;
    n->carrier = 0;
    n->admin_up = 1;
    struct egress_settings eg = s->egress;
    if (eg.tc_tsa[0] == EGRESS_TSA_STRICT && eg.tc_bw[0] == 0 && eg.rate_bps == 0)
        egress_settings_default(&eg, s->rate_bps); /* a zeroed struct: defaults */
    if (eg.rate_bps == 0)
        eg.rate_bps = s->rate_bps;
    eg.pfc_enabled = s->pfc_enabled;
    if (txport_init(&n->tx, eng, &eg, on_tx__, n) != 0)
        goto fail;
    n->pfc_enabled = s->pfc_enabled;
    pfc_gen_init(&n->pfc, eng, pfc_send__, n, s->pfc_quanta, s->rate_bps);
    n->rx_drain_bps = s->rx_drain_bps;
    n->rx_xoff = s->rx_xoff ? s->rx_xoff : 3 * NIC_DEFAULT_MTU_FRAME;
    n->rx_xon = s->rx_xon ? s->rx_xon : n->rx_xoff / 2;
    if (trace) {
        int id = trace_object(trace, s->trace_name ? s->trace_name : n->name, "nic");
        n->obj = id > 0 ? (trace_obj_t)id : TRACE_NO_OBJ;
    }
    return n;
fail:
    nic_destroy(n);
    return NULL;
}

static void free_list__(struct frame *f)
{
    while (f) {
        struct frame *next = f->next;
        f->next = NULL;
        frame_unref(f);
        f = next;
    }
}

void nic_destroy(struct nic *n)
{
    if (!n)
        return;
    txport_fini(&n->tx);
    free_list__(n->rxq_head);
    free(n->name);
    free((char *)n->id.manufacturer);
    free((char *)n->id.model);
    free((char *)n->id.firmware);
    free((char *)n->id.driver);
    free(n);
}

/* ---- transmit ------------------------------------------------------- */

static void drop__(struct nic *n, struct frame *f, enum trace_drop_reason why)
{
    n->ctr[f->priority & 7].drops++;
    if (n->trace)
        trace_drop(n->trace, sim_now(n->eng), n->obj, why, f->priority, f->flow_id,
                   frame_wire_len(f));
    frame_unref(f);
}

static void drop_down__(void *ctx, struct frame *f) { drop__(ctx, f, TRACE_DROP_LINK_DOWN); }
static void drop_unbound__(void *ctx, struct frame *f) { drop__(ctx, f, TRACE_DROP_MEMBER_REMOVED); }

void nic_unbind(struct nic *n)
{
    txport_flush_each(&n->tx, drop_unbound__, n);
    if (n->watch_prios)
        fire_watches__(n, 8); /* the queues are empty now */
}

int nic_send(struct nic *n, struct frame *f)
{
    f->priority = pkt_eth_pcp(f);
    if (!n->admin_up || !n->carrier) {
        drop__(n, f, TRACE_DROP_LINK_DOWN);
        return -ENETDOWN;
    }
    if (txport_enqueue(&n->tx, f->priority, f) != 0) {
        drop__(n, f, TRACE_DROP_LOSSY_QUEUE_FULL);
        return -ENOBUFS;
    }
    return 0;
}

/* ---- receive -------------------------------------------------------- */

static void deliver__(struct nic *n, struct frame *f)
{
    if (n->rx_fn)
        n->rx_fn(n->rx_ctx, n, f);
    else
        frame_unref(f);
}

static void drain__(struct sim_engine *eng, void *ctx, void *arg);

static void start_drain__(struct nic *n)
{
    if (n->draining || !n->rxq_head)
        return;
    n->draining = 1;
    sim_schedule_in(n->eng, sim_tx_time(frame_wire_len(n->rxq_head), n->rx_drain_bps), drain__,
                    n, NULL);
}

static void drain__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct nic *n = ctx;
    n->draining = 0;
    struct frame *f = n->rxq_head;
    if (!f)
        return;
    n->rxq_head = f->next;
    if (!n->rxq_head)
        n->rxq_tail = NULL;
    f->next = NULL;
    uint8_t p = f->priority & 7;
    n->rx_backlog[p] -= frame_wire_len(f);
    if ((n->pfc_enabled & (1u << p)) && n->rx_backlog[p] <= n->rx_xon)
        pfc_gen_set(&n->pfc, p, 0);
    start_drain__(n);
    deliver__(n, f);
}

static void rx_control__(struct nic *n, struct frame *f)
{
    struct pkt_pfc pfc;
    sim_time_t now = sim_now(n->eng);
    if (pkt_pfc_parse(f, &pfc) == 0) {
        for (int p = 0; p < 8; p++) {
            if (pfc.enable & (1u << p)) {
                n->ctr[p].pfc_rx++;
                if (n->trace)
                    trace_pfc_frame(n->trace, now, n->obj, (uint8_t)p, pfc.quanta[p], 0);
            }
        }
        uint8_t paused, resumed;
        egress_pfc_receive(&n->tx.eg, now, pfc.enable, pfc.quanta, &paused, &resumed);
        if (n->trace) {
            for (int p = 0; p < 8; p++) {
                if (paused & (1u << p))
                    trace_pfc_pause(n->trace, now, n->obj, (uint8_t)p, pfc.quanta[p]);
                if (resumed & (1u << p))
                    trace_pfc_resume(n->trace, now, n->obj, (uint8_t)p);
            }
        }
        if (resumed)
            txport_kick(&n->tx);
    }
    /* Every MAC Control frame ends here, understood or not. */
    frame_unref(f);
}

static void rx__(void *dev, uint32_t port, struct frame *f)
{
    (void)port;
    struct nic *n = dev;
    if (!n->admin_up) {
        frame_unref(f);
        return;
    }
    if (pkt_eth_type(f) == PKT_ETH_P_MAC_CTRL) {
        rx_control__(n, f);
        return;
    }
    uint8_t p = pkt_eth_pcp(f);
    f->priority = p;
    n->ctr[p].rx_frames++;
    n->ctr[p].rx_bytes += frame_wire_len(f);
    if (n->rx_drain_bps == 0) {
        deliver__(n, f);
        return;
    }
    f->next = NULL;
    if (n->rxq_tail)
        n->rxq_tail->next = f;
    else
        n->rxq_head = f;
    n->rxq_tail = f;
    n->rx_backlog[p] += frame_wire_len(f);
    /* DCB-001: only PFC-enabled priorities ever get an XOFF. */
    if ((n->pfc_enabled & (1u << p)) && n->rx_backlog[p] >= n->rx_xoff)
        pfc_gen_set(&n->pfc, p, 1);
    start_drain__(n);
}

static void tx_ready__(void *dev, uint32_t port)
{
    (void)port;
    struct nic *n = dev;
    txport_kick(&n->tx);
}

static void carrier__(void *dev, uint32_t port, int up)
{
    (void)port;
    struct nic *n = dev;
    n->carrier = up;
    if (!up) {
        /* Queued frames cannot leave: drop them as the driver would. */
        txport_flush_each(&n->tx, drop_down__, n);
        pfc_gen_stop(&n->pfc);
        if (n->watch_prios)
            fire_watches__(n, 8); /* the queues are empty now */
    } else {
        txport_kick(&n->tx);
    }
    if (n->carrier_fn)
        n->carrier_fn(n->carrier_ctx, n, up);
}

static const struct link_end_ops nic_link_ops = {
    .rx = rx__,
    .tx_ready = tx_ready__,
    .carrier = carrier__,
};

void nic_attach(struct nic *n, struct link *l, int end)
{
    n->link = l;
    n->end = end;
    txport_attach(&n->tx, l, end);
    link_attach(l, end, &nic_link_ops, n, 0, n->obj);
    n->carrier = link_is_up(l);
}

void nic_set_rx_handler(struct nic *n, nic_rx_fn fn, void *ctx)
{
    n->rx_fn = fn;
    n->rx_ctx = ctx;
}

void nic_set_carrier_handler(struct nic *n, nic_carrier_fn fn, void *ctx)
{
    n->carrier_fn = fn;
    n->carrier_ctx = ctx;
}

int nic_set_dcb(struct nic *n, const struct egress_settings *eg, uint8_t pfc_enabled)
{
    struct egress_settings s = *eg;
    if (s.rate_bps == 0)
        s.rate_bps = n->rate_bps;
    s.pfc_enabled = pfc_enabled;
    struct egress scratch; /* validates s before anything changes */
    int rc = egress_init(&scratch, &s);
    if (rc != 0)
        return rc;
    /* Received pauses of priorities leaving PFC end now: an XON closes
     * their paused time at this instant (egress_reconfigure has no clock
     * and would count the whole pause). */
    uint8_t leaving = n->tx.eg.cfg.pfc_enabled & (uint8_t)~pfc_enabled;
    if (leaving) {
        static const uint16_t xon[8];
        uint8_t paused, resumed;
        egress_pfc_receive(&n->tx.eg, sim_now(n->eng), leaving, xon, &paused, &resumed);
    }
    rc = egress_reconfigure(&n->tx.eg, &s);
    if (rc != 0)
        return rc;
    /* Priorities leaving PFC leave XOFF too. */
    for (int p = 0; p < 8; p++)
        if (!(pfc_enabled & (1u << p)) && (n->pfc.xoff & (1u << p)))
            pfc_gen_set(&n->pfc, (uint8_t)p, 0);
    n->pfc_enabled = pfc_enabled;
    txport_kick(&n->tx);
    return 0;
}

void nic_set_admin(struct nic *n, int up)
{
    n->admin_up = up != 0;
    if (n->link)
        link_set_admin(n->link, up);
}

void nic_pause_storm(struct nic *n, uint8_t mask, int on) { pfc_gen_storm(&n->pfc, mask, on); }

int nic_carrier(const struct nic *n) { return n->carrier; }
int nic_admin_up(const struct nic *n) { return n->admin_up; }
const uint8_t *nic_mac(const struct nic *n) { return n->mac; }
const char *nic_name(const struct nic *n) { return n->name; }
const struct nic_identity *nic_identity(const struct nic *n) { return &n->id; }
uint64_t nic_rate(const struct nic *n) { return n->rate_bps; }
uint32_t nic_vmq_queues(const struct nic *n) { return n->vmq_queues; }
uint8_t nic_pfc_enabled(const struct nic *n) { return n->pfc_enabled; }
const struct egress_settings *nic_egress_settings(const struct nic *n) { return &n->tx.eg.cfg; }
trace_obj_t nic_obj(const struct nic *n) { return n->obj; }

const struct nic_prio_counters *nic_counters(const struct nic *n, uint8_t prio)
{
    return &n->ctr[prio & 7];
}

sim_time_t nic_paused_time(const struct nic *n, uint8_t prio)
{
    return egress_paused_time(&n->tx.eg, prio & 7, sim_now(n->eng));
}

uint64_t nic_tx_backlog(const struct nic *n, uint8_t prio) { return n->tx.eg.q[prio & 7].bytes; }

sim_time_t nic_tx_drain_time(const struct nic *n)
{
    if (!n->tx.eg.total_bytes || !n->rate_bps)
        return 0;
    uint64_t bytes = 0;
    for (int p = 0; p < EGRESS_PRIOS; p++)
        bytes += n->tx.eg.q[p].bytes + (uint64_t)n->tx.eg.q[p].frames * FRAME_ETH_OVERHEAD;
    return sim_tx_time(bytes, n->rate_bps);
}
