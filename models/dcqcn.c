/* dcqcn: the DCQCN reaction point (see dcqcn.h for the state machine). */
#include "dcqcn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Model choice: an RP whose rate is back at line rate returns to IDLE (its
 * timers stop) once α has decayed below the resolution of the NIC's
 * fixed-point α (ConnectX keeps α with 10 fraction bits, DcQcnDceAlphaG
 * is out of 1024): below 1/1024 it reads as zero.  This removes two
 * events per K and T per idle QP without changing any rate. */
#define ALPHA_IDLE_FLOOR (1.0 / 1024)

struct dcqcn_rp {
    struct sim_engine *eng;   /* not owned */
    struct dcqcn_settings cfg;
    uint64_t line;            /* line rate, b/s */
    double rc, rt;            /* current and target rate, b/s */
    uint64_t rc_bps;          /* llround(rc), set with rc (rc_set__): the
                               * scheduler asks for it every packet */
    double alpha;
    int active;
    int seen_cnp;             /* a CNP arrived once: α is no longer initial */
    uint32_t t_stage, b_stage;/* timer and byte-counter stages since the last CNP */
    uint64_t bytes;           /* bytes toward the next byte stage */
    sim_event_id alpha_ev;    /* the K timer (0: none) */
    sim_event_id rate_ev;     /* the T timer (0: none) */
    struct dcqcn_rp_stats st;
};

void dcqcn_settings_default(struct dcqcn_settings *s)
{
    s->g = DCQCN_DEFAULT_G;
    s->alpha_interval = DCQCN_DEFAULT_ALPHA_INTERVAL;
    s->rate_timer = DCQCN_DEFAULT_RATE_TIMER;
    s->byte_counter = DCQCN_DEFAULT_BYTE_COUNTER;
    s->fast_recovery = DCQCN_DEFAULT_FAST_RECOVERY;
    s->rate_ai = DCQCN_DEFAULT_RATE_AI;
    s->rate_hai = DCQCN_DEFAULT_RATE_HAI;
    s->min_rate = DCQCN_DEFAULT_MIN_RATE;
    s->initial_alpha = 1.0;
    s->cnp_interval = DCQCN_DEFAULT_CNP_INTERVAL;
}

static void alpha_timer__(struct sim_engine *eng, void *ctx, void *arg);
static void rate_timer__(struct sim_engine *eng, void *ctx, void *arg);

static void rc_set__(struct dcqcn_rp *rp, double rc)
{
    rp->rc = rc;
    rp->rc_bps = (uint64_t)llround(rc);
}

struct dcqcn_rp *dcqcn_rp_create(struct sim_engine *eng, const struct dcqcn_settings *s,
                                 uint64_t line_bps)
{
    if (!eng || !s || line_bps == 0 || !(s->g > 0 && s->g < 1) || s->alpha_interval == 0 ||
        s->rate_timer == 0 || s->min_rate > line_bps ||
        !(s->initial_alpha >= 0 && s->initial_alpha <= 1)) {
        errno = EINVAL;
        return NULL;
    }
    struct dcqcn_rp *rp = calloc(1, sizeof *rp);
    if (!rp)
        return NULL;
    rp->eng = eng;
    rp->cfg = *s;
    rp->line = line_bps;
    rp->rt = (double)line_bps;
    rc_set__(rp, rp->rt);
    rp->alpha = s->initial_alpha;
    return rp;
}

static void stop_timers__(struct dcqcn_rp *rp)
{
    if (rp->alpha_ev)
        sim_cancel(rp->eng, rp->alpha_ev);
    if (rp->rate_ev)
        sim_cancel(rp->eng, rp->rate_ev);
    rp->alpha_ev = rp->rate_ev = 0;
}

void dcqcn_rp_destroy(struct dcqcn_rp *rp)
{
    free(rp);
}

void dcqcn_rp_stop(struct dcqcn_rp *rp)
{
    stop_timers__(rp);
    rp->active = 0;
}

static void go_idle_if_recovered__(struct dcqcn_rp *rp)
{
    if (rp->rc >= (double)rp->line && rp->alpha < ALPHA_IDLE_FLOOR) {
        rp->rt = (double)rp->line;
        rc_set__(rp, rp->rt);
        rp->active = 0;
        stop_timers__(rp);
    }
}

/* One rate-increase event (fast recovery, additive or hyper increase),
 * decided on the stages completed before it; the caller then counts the
 * stage.  Without a byte counter the byte stage stays 0: the timer alone
 * drives fast recovery and additive increase. */
static void increase__(struct dcqcn_rp *rp)
{
    uint32_t f = rp->cfg.fast_recovery;
    uint32_t b = rp->b_stage;
    uint32_t hi = rp->t_stage > b ? rp->t_stage : b;
    uint32_t lo = rp->t_stage < b ? rp->t_stage : b;
    double line = (double)rp->line;
    if (hi < f) {
        rp->st.fast_recovery++;
    } else if (lo >= f) {
        rp->rt += (double)(lo - f + 1) * (double)rp->cfg.rate_hai;
        rp->st.hyper++;
    } else {
        rp->rt += (double)rp->cfg.rate_ai;
        rp->st.additive++;
    }
    if (rp->rt > line)
        rp->rt = line;
    double rc = (rp->rt + rp->rc) / 2;
    rc_set__(rp, rc > rp->rt ? rp->rt : rc);
    go_idle_if_recovered__(rp);
}

static void alpha_timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct dcqcn_rp *rp = ctx;
    /* Every CNP restarts this timer: reaching it means K without one. */
    rp->alpha *= 1 - rp->cfg.g;
    rp->st.alpha_updates++;
    rp->alpha_ev = sim_schedule_in(rp->eng, rp->cfg.alpha_interval, alpha_timer__, rp, NULL);
    go_idle_if_recovered__(rp);
}

static void rate_timer__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct dcqcn_rp *rp = ctx;
    rp->rate_ev = sim_schedule_in(rp->eng, rp->cfg.rate_timer, rate_timer__, rp, NULL);
    increase__(rp);
    rp->t_stage++;
}

void dcqcn_rp_cnp(struct dcqcn_rp *rp)
{
    rp->st.cnps++;
    rp->st.decreases++;
    if (!rp->seen_cnp) {
        rp->alpha = rp->cfg.initial_alpha;
        rp->seen_cnp = 1;
    }
    /* The cut uses the α of the past; α then takes this CNP in (paper
     * order: Rt = Rc, Rc = Rc (1 - α/2), α = (1 - g) α + g). */
    rp->rt = rp->rc;
    double rc = rp->rc * (1 - rp->alpha / 2);
    rc_set__(rp, rc < (double)rp->cfg.min_rate ? (double)rp->cfg.min_rate : rc);
    rp->alpha = (1 - rp->cfg.g) * rp->alpha + rp->cfg.g;
    rp->t_stage = rp->b_stage = 0;
    rp->bytes = 0;
    /* Both timers restart from this CNP. */
    stop_timers__(rp);
    rp->active = 1;
    rp->alpha_ev = sim_schedule_in(rp->eng, rp->cfg.alpha_interval, alpha_timer__, rp, NULL);
    rp->rate_ev = sim_schedule_in(rp->eng, rp->cfg.rate_timer, rate_timer__, rp, NULL);
}

void dcqcn_rp_sent(struct dcqcn_rp *rp, uint32_t bytes)
{
    if (!rp->active || !rp->cfg.byte_counter)
        return;
    rp->bytes += bytes;
    while (rp->active && rp->bytes >= rp->cfg.byte_counter) {
        rp->bytes -= rp->cfg.byte_counter;
        increase__(rp);
        rp->b_stage++;
    }
}

uint64_t dcqcn_rp_rate(const struct dcqcn_rp *rp) { return rp->rc_bps; }
uint64_t dcqcn_rp_target(const struct dcqcn_rp *rp) { return (uint64_t)llround(rp->rt); }
double dcqcn_rp_alpha(const struct dcqcn_rp *rp) { return rp->alpha; }
int dcqcn_rp_active(const struct dcqcn_rp *rp) { return rp->active; }
const struct dcqcn_rp_stats *dcqcn_rp_stats(const struct dcqcn_rp *rp) { return &rp->st; }

int dcqcn_rp_check(const struct dcqcn_rp *rp)
{
    double line = (double)rp->line;
    if (rp->rc < (double)rp->cfg.min_rate - 1e-6 || rp->rc > rp->rt + 1e-6 ||
        rp->rt > line + 1e-6)
        return -EINVAL;
    if (!(rp->alpha >= 0 && rp->alpha <= 1) || rp->rc_bps != (uint64_t)llround(rp->rc))
        return -EINVAL;
    if (rp->active != (rp->alpha_ev != 0) || rp->active != (rp->rate_ev != 0))
        return -EINVAL;
    return 0;
}
