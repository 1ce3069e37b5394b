/* sampler: periodic samples of a run (see sampler.h for the series, the
 * time grid and the lifecycle). */
#include "sampler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "nic.h"
#include "set_team.h"
#include "switch.h"

#define PRIOS 8

/* One sampled port: a switch port or a NIC. */
struct sport {
    struct sw *sw;          /* switch and port number, or */
    uint32_t port;
    struct nic *nic;        /* a NIC (not owned) */
    trace_obj_t obj;
    uint64_t tx, rx;        /* bytes at the previous sample */
    sim_time_t paused[PRIOS]; /* pause time at the previous sample */
    uint8_t active;         /* bit p: priority p's series have started */
};

enum sampler_state { SAMPLER_CREATED, SAMPLER_RUNNING, SAMPLER_DONE };

struct sampler {
    struct sim_engine *eng;        /* not owned */
    struct trace *trace;           /* not owned */
    sim_time_t interval;
    enum sampler_state state;
    struct sport *ports;           /* owned */
    size_t nports, cap;
    struct hvhost *hosts[256];     /* not owned */
    size_t nhosts;
    sim_time_t last;               /* time of the previous sample */
    sim_event_id pending;
    uint64_t rows;
    int err;                       /* first trace error, sticky */
    /* Metric ids, interned on first use so a run lists only metrics it has. */
    trace_metric_t m_tx, m_rx, m_vports, m_queue[PRIOS], m_paused[PRIOS];
};

struct sampler *sampler_create(struct sim_engine *eng, struct trace *trace,
                               const struct sampler_settings *set)
{
    if (!set || set->interval == 0)
        return NULL;
    struct sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->eng = eng;
    s->trace = trace;
    s->interval = set->interval;
    return s;
}

void sampler_destroy(struct sampler *s)
{
    if (!s)
        return;
    if (s->pending)
        sim_cancel(s->eng, s->pending);
    free(s->ports);
    free(s);
}

static struct sport *add_port__(struct sampler *s)
{
    if (s->nports == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 32;
        struct sport *np = realloc(s->ports, ncap * sizeof *np);
        if (!np)
            return NULL;
        s->ports = np;
        s->cap = ncap;
    }
    struct sport *p = &s->ports[s->nports++];
    memset(p, 0, sizeof *p);
    return p;
}

int sampler_add_switch(struct sampler *s, struct sw *sw)
{
    for (uint32_t i = 1; i <= switch_port_count(sw); i++) {
        struct sport *p = add_port__(s);
        if (!p)
            return -ENOMEM;
        p->sw = sw;
        p->port = i;
        p->obj = switch_port_obj(sw, i);
    }
    return 0;
}

int sampler_add_host(struct sampler *s, struct hvhost *h)
{
    if (s->nhosts == sizeof s->hosts / sizeof s->hosts[0])
        return -ENOSPC;
    s->hosts[s->nhosts++] = h;
    for (size_t i = 0; i < hvhost_nic_count(h); i++) {
        struct sport *p = add_port__(s);
        if (!p)
            return -ENOMEM;
        p->nic = hvhost_nic_at(h, i);
        p->obj = nic_obj(p->nic);
    }
    return 0;
}

/* ---- reading the counters ------------------------------------------------ */

static void bytes__(const struct sport *p, uint64_t *tx, uint64_t *rx)
{
    *tx = *rx = 0;
    if (p->nic) {
        for (uint8_t q = 0; q < PRIOS; q++) {
            const struct nic_prio_counters *c = nic_counters(p->nic, q);
            *tx += c->tx_bytes;
            *rx += c->rx_bytes;
        }
    } else {
        const struct switch_port_counters *c = switch_port_counters(p->sw, p->port);
        for (int q = 0; q < PRIOS; q++) {
            *tx += c->tx_bytes[q];
            *rx += c->rx_bytes[q];
        }
    }
}

static uint64_t queue__(const struct sport *p, uint8_t q)
{
    return p->nic ? nic_tx_backlog(p->nic, q) : switch_queue_bytes(p->sw, p->port, q);
}

static sim_time_t paused__(const struct sport *p, uint8_t q)
{
    return p->nic ? nic_paused_time(p->nic, q) : switch_paused_time(p->sw, p->port, q);
}

/* Has priority q of p carried anything, or been paused? */
static int used__(const struct sport *p, uint8_t q)
{
    if (p->nic) {
        const struct nic_prio_counters *c = nic_counters(p->nic, q);
        if (c->tx_frames || c->rx_frames || c->pfc_tx || c->pfc_rx)
            return 1;
    } else {
        const struct switch_port_counters *c = switch_port_counters(p->sw, p->port);
        if (c->tx_frames[q] || c->rx_frames[q] || c->pfc_tx[q] || c->pfc_rx[q])
            return 1;
    }
    return queue__(p, q) > 0 || paused__(p, q) > 0;
}

/* ---- writing ----------------------------------------------------------------- */

static trace_metric_t metric__(struct sampler *s, trace_metric_t *id, const char *name,
                               const char *unit)
{
    if (*id == 0 && !s->err) {
        int m = trace_metric(s->trace, name, unit);
        if (m < 0)
            s->err = m;
        else
            *id = (trace_metric_t)m;
    }
    return *id;
}

static void put__(struct sampler *s, sim_time_t now, trace_obj_t obj, trace_metric_t m, double v)
{
    if (s->err || m == 0 || obj == TRACE_NO_OBJ)
        return;
    int rc = trace_sample(s->trace, now, obj, m, v);
    if (rc < 0)
        s->err = rc;
    else
        s->rows++;
}

static void sample_port__(struct sampler *s, struct sport *p, sim_time_t now, double dt_s)
{
    uint64_t tx, rx;
    bytes__(p, &tx, &rx);
    put__(s, now, p->obj, metric__(s, &s->m_tx, "tx_bps", "b/s"),
          (double)(tx - p->tx) * 8.0 / dt_s);
    put__(s, now, p->obj, metric__(s, &s->m_rx, "rx_bps", "b/s"),
          (double)(rx - p->rx) * 8.0 / dt_s);
    p->tx = tx;
    p->rx = rx;
    for (uint8_t q = 0; q < PRIOS; q++) {
        sim_time_t paused = paused__(p, q);
        if (!(p->active & (1u << q)) && used__(p, q))
            p->active |= (uint8_t)(1u << q);
        if (p->active & (1u << q)) {
            char name[32];
            snprintf(name, sizeof name, "queue_p%u_bytes", q);
            put__(s, now, p->obj, metric__(s, &s->m_queue[q], name, "B"),
                  (double)queue__(p, q));
            snprintf(name, sizeof name, "paused_p%u_frac", q);
            double frac = (double)(paused - p->paused[q]) / ((double)(now - s->last));
            put__(s, now, p->obj, metric__(s, &s->m_paused[q], name, "1"),
                  frac > 1.0 ? 1.0 : frac);
        }
        p->paused[q] = paused;
    }
}

/* vPorts per member of every SET team of every host. */
static void sample_teams__(struct sampler *s, sim_time_t now)
{
    for (size_t h = 0; h < s->nhosts; h++) {
        size_t nsw = hvhost_vswitch_count(s->hosts[h]);
        for (size_t i = 0; i < nsw; i++) {
            struct set_team *t = hvhost_team(s->hosts[h], hvhost_vswitch_name_at(s->hosts[h], i));
            if (!t)
                continue;
            for (size_t m = 0; m < set_team_member_count(t); m++)
                put__(s, now, nic_obj(set_team_member(t, (int)m)),
                      metric__(s, &s->m_vports, "vports", "count"),
                      (double)set_team_member_vports(t, (int)m));
        }
    }
}

static void sample__(struct sampler *s, sim_time_t now)
{
    double dt_s = (double)(now - s->last) / (double)SIM_S;
    for (size_t i = 0; i < s->nports; i++)
        sample_port__(s, &s->ports[i], now, dt_s);
    sample_teams__(s, now);
    s->last = now;
}

static void tick__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)arg;
    struct sampler *s = ctx;
    s->pending = 0;
    sample__(s, sim_now(eng));
    s->pending = sim_schedule_at(eng, s->last + s->interval, tick__, s, NULL);
}

int sampler_start(struct sampler *s)
{
    if (s->state != SAMPLER_CREATED)
        return -EINVAL;
    s->last = sim_now(s->eng);
    for (size_t i = 0; i < s->nports; i++) {
        struct sport *p = &s->ports[i];
        bytes__(p, &p->tx, &p->rx);
        for (uint8_t q = 0; q < PRIOS; q++)
            p->paused[q] = paused__(p, q);
    }
    s->pending = sim_schedule_at(s->eng, s->last + s->interval, tick__, s, NULL);
    if (!s->pending)
        return -ENOMEM;
    s->state = SAMPLER_RUNNING;
    return 0;
}

int sampler_finish(struct sampler *s)
{
    if (s->state != SAMPLER_RUNNING)
        return s->err;
    if (s->pending) {
        sim_cancel(s->eng, s->pending);
        s->pending = 0;
    }
    sim_time_t now = sim_now(s->eng);
    if (now > s->last)
        sample__(s, now);
    s->state = SAMPLER_DONE;
    return s->err;
}

uint64_t sampler_rows(const struct sampler *s) { return s->rows; }
