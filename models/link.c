/* link: full-duplex Ethernet link with serialization, propagation,
 * cuts and carrier detection (see link.h).
 *
 * Per direction, frames in flight form a FIFO (linked through
 * frame->next): deliveries happen in transmission order, so the delivery
 * event needs no argument and pops the head.  A cut drops every frame in
 * flight at once and records how many delivery events to ignore.
 *
 * State of a direction: IDLE -(link_tx)-> SERIALIZING -(tx_done__)-> IDLE.
 * State of the link: up = intact && admin_up; changes schedule carrier
 * notifications (carrier__) at each end after detect_delay.
 */
#include "link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

struct link_end {
    struct link *link;
    int side;
    const struct link_end_ops *ops; /* not owned */
    void *dev;                      /* not owned */
    uint32_t port;
    trace_obj_t obj;
    struct pcapng_writer *cap;      /* not owned; NULL: no capture */
    int cap_if;
    unsigned cap_dirs;              /* LINK_CAP_* */
    /* The direction leaving this end: */
    int busy;                       /* serializing */
    struct frame *fly_head, *fly_tail; /* owned: frames in flight */
    uint32_t fly_skip;              /* deliveries to ignore (lost in a cut) */
    struct link_dir_counters ctr;
    /* Carrier as last reported to the device. */
    int carrier_reported;
};

struct link {
    struct sim_engine *eng;
    struct trace *trace;
    char *name;
    uint64_t rate_bps;
    sim_time_t delay, detect_delay;
    /* Serialization time of the last line length seen: frames of a flow
     * mostly have one size, and the exact time needs a 128-bit division. */
    uint32_t ser_len;         /* line bytes; 0: none yet */
    sim_time_t ser_time;
    int intact, admin_up;
    struct link_end end[2];
};

static void tx_done__(struct sim_engine *eng, void *ctx, void *arg);
static void deliver__(struct sim_engine *eng, void *ctx, void *arg);
static void carrier__(struct sim_engine *eng, void *ctx, void *arg);

struct link *link_create(struct sim_engine *eng, struct trace *trace,
                         const struct link_settings *s)
{
    if (!s || s->rate_bps == 0)
        return NULL;
    struct link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->name = strdup(s->name ? s->name : "link");
    if (!l->name) {
        free(l);
        return NULL;
    }
    l->eng = eng;
    l->trace = trace;
    l->rate_bps = s->rate_bps;
    l->delay = s->delay;
    l->detect_delay = s->detect_delay;
    l->intact = l->admin_up = 1;
    for (int i = 0; i < 2; i++) {
        l->end[i].link = l;
        l->end[i].side = i;
        l->end[i].cap_if = -1;
        l->end[i].carrier_reported = 1;
    }
    return l;
}

static void drop_in_flight__(struct link *l, struct link_end *e)
{
    for (struct frame *f = e->fly_head; f;) {
        struct frame *next = f->next;
        if (l->trace)
            trace_drop(l->trace, sim_now(l->eng), e->obj, TRACE_DROP_LINK_DOWN, f->priority,
                       f->flow_id, frame_wire_len(f));
        e->ctr.lost++;
        e->fly_skip++;
        f->next = NULL;
        frame_unref(f);
        f = next;
    }
    e->fly_head = e->fly_tail = NULL;
}

void link_destroy(struct link *l)
{
    if (!l)
        return;
    for (int i = 0; i < 2; i++) {
        for (struct frame *f = l->end[i].fly_head; f;) {
            struct frame *next = f->next;
            f->next = NULL;
            frame_unref(f);
            f = next;
        }
    }
    free(l->name);
    free(l);
}

void link_attach(struct link *l, int end, const struct link_end_ops *ops, void *dev,
                 uint32_t port, trace_obj_t obj)
{
    struct link_end *e = &l->end[end & 1];
    e->ops = ops;
    e->dev = dev;
    e->port = port;
    e->obj = obj;
}

int link_is_up(const struct link *l) { return l->intact && l->admin_up; }
int link_tx_busy(const struct link *l, int end) { return l->end[end & 1].busy; }
uint64_t link_rate(const struct link *l) { return l->rate_bps; }
const char *link_name(const struct link *l) { return l->name; }

const struct link_dir_counters *link_counters(const struct link *l, int end)
{
    return &l->end[end & 1].ctr;
}

void link_capture_dirs(struct link *l, int end, struct pcapng_writer *w, int ifid, unsigned dirs)
{
    l->end[end & 1].cap = w;
    l->end[end & 1].cap_if = ifid;
    l->end[end & 1].cap_dirs = dirs;
}

void link_capture(struct link *l, int end, struct pcapng_writer *w, int ifid)
{
    link_capture_dirs(l, end, w, ifid, LINK_CAP_OUT | LINK_CAP_IN);
}

int link_tx(struct link *l, int end, struct frame *f)
{
    struct link_end *e = &l->end[end & 1];
    if (e->busy)
        return -EBUSY;
    sim_time_t now = sim_now(l->eng);
    if (!link_is_up(l)) {
        if (l->trace)
            trace_drop(l->trace, now, e->obj, TRACE_DROP_LINK_DOWN, f->priority, f->flow_id,
                       frame_wire_len(f));
        e->ctr.lost++;
        frame_unref(f);
        return -ENETDOWN;
    }
    /* Frames in flight are linked through f->next: never a shared one. */
    if (f->refcnt > 1 && frame_make_writable(&f) != 0) {
        frame_unref(f);
        return -ENOMEM;
    }
    if (e->cap && (e->cap_dirs & LINK_CAP_OUT))
        pcapng_write(e->cap, e->cap_if, now, f, PCAPNG_DIR_OUT);
    uint32_t line = frame_line_len(f);
    if (line != l->ser_len) {
        l->ser_len = line;
        l->ser_time = sim_tx_time(line, l->rate_bps);
    }
    sim_time_t ser = l->ser_time;
    e->busy = 1;
    e->ctr.busy += ser;
    f->next = NULL;
    if (e->fly_tail)
        e->fly_tail->next = f;
    else
        e->fly_head = f;
    e->fly_tail = f;
    sim_schedule_in(l->eng, ser, tx_done__, e, NULL);
    sim_schedule_in(l->eng, ser + l->delay, deliver__, e, NULL);
    return 0;
}

static void tx_done__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct link_end *e = ctx;
    e->busy = 0;
    if (e->ops && e->ops->tx_ready)
        e->ops->tx_ready(e->dev, e->port);
}

/* ctx is the sending end; the frame goes to the other one. */
static void deliver__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct link_end *e = ctx;
    if (e->fly_skip > 0) {
        e->fly_skip--;
        return;
    }
    struct frame *f = e->fly_head;
    e->fly_head = f->next;
    if (!e->fly_head)
        e->fly_tail = NULL;
    f->next = NULL;
    e->ctr.frames++;
    e->ctr.bytes += frame_wire_len(f);
    struct link_end *peer = &e->link->end[e->side ^ 1];
    if (peer->cap && (peer->cap_dirs & LINK_CAP_IN))
        pcapng_write(peer->cap, peer->cap_if, sim_now(eng), f, PCAPNG_DIR_IN);
    if (peer->ops && peer->ops->rx)
        peer->ops->rx(peer->dev, peer->port, f);
    else
        frame_unref(f);
}

static void carrier__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct link_end *e = ctx;
    int up = link_is_up(e->link);
    if (up == e->carrier_reported)
        return; /* flapped back before detection */
    e->carrier_reported = up;
    if (e->link->trace)
        trace_link(e->link->trace, sim_now(e->link->eng), e->obj, up);
    if (e->ops && e->ops->carrier)
        e->ops->carrier(e->dev, e->port, up);
}

static void state_changed__(struct link *l, int was_up)
{
    int up = link_is_up(l);
    if (up == was_up)
        return;
    if (!up) {
        drop_in_flight__(l, &l->end[0]);
        drop_in_flight__(l, &l->end[1]);
    }
    for (int i = 0; i < 2; i++)
        sim_schedule_in(l->eng, l->detect_delay, carrier__, &l->end[i], NULL);
}

void link_cut(struct link *l)
{
    int was = link_is_up(l);
    l->intact = 0;
    state_changed__(l, was);
}

void link_restore(struct link *l)
{
    int was = link_is_up(l);
    l->intact = 1;
    state_changed__(l, was);
}

void link_set_admin(struct link *l, int up)
{
    int was = link_is_up(l);
    l->admin_up = up != 0;
    state_changed__(l, was);
}
