/* dcqcn: DCQCN congestion control for RoCEv2 queue pairs (Zhu et al.,
 * "Congestion Control for Large-Scale RDMA Deployments", SIGCOMM 2015):
 * the reaction point (RP) of one sending QP.  The notification point (NP,
 * a CNP at most once per cnp_interval per QP on ECN-CE arrivals) and the
 * congestion point (RED marking in the switch) live in roce.c and
 * switch.c; their one shared constant, cnp_interval, is kept here with the
 * rest of the parameters.
 *
 * Rates are bits per second on the wire (the transport paces every frame
 * at dcqcn_rp_rate()).  Rc is the current rate, Rt the target rate, α the
 * congestion estimate.
 *
 * State machine (IDLE: no congestion seen or fully recovered; every timer
 * off, Rc = Rt = line rate; ACTIVE: timers run):
 *
 *   state   event                        next    function
 *   ------  ---------------------------  ------  --------------------------
 *   IDLE    CNP                          ACTIVE  dcqcn_rp_cnp: α = initial (on
 *                                                the first CNP ever),
 *                                                Rt = Rc, Rc = Rc (1 - α/2)
 *   ACTIVE  CNP                          ACTIVE  dcqcn_rp_cnp: Rt = Rc,
 *                                                Rc = Rc (1 - α/2),
 *                                                α = (1 - g) α + g, stages,
 *                                                byte count and timers reset
 *   ACTIVE  K elapsed without a CNP      ACTIVE  alpha_timer__: α = (1 - g) α
 *   ACTIVE  T elapsed                    ACTIVE  rate_timer__ -> increase__,
 *                                                timer stage t++
 *   ACTIVE  B bytes sent                 ACTIVE  dcqcn_rp_sent -> increase__,
 *                                                byte stage b++ (with a byte
 *                                                counter)
 *   ACTIVE  Rc = Rt = line, α < floor    IDLE    increase__ / alpha_timer__
 *   any     the QP stops                 IDLE    dcqcn_rp_stop (rates kept)
 *
 * increase__, on the stages t and b completed since the last CNP (b stays
 * 0 without a byte counter, so the timer alone gives F fast-recovery
 * steps and then additive increase), with ns3-rdma's (the DCQCN authors'
 * simulator, qbb-net-device.cc rpr_*) hyper step:
 *   max(t, b) < F          fast recovery:  Rc = (Rt + Rc) / 2
 *   min(t, b) >= F         hyper increase: Rt += (min(t, b) - F + 1) R_HAI,
 *                                          Rc = (Rt + Rc) / 2
 *   otherwise              additive:       Rt += R_AI, Rc = (Rt + Rc) / 2
 * Rt is capped at the line rate, Rc at Rt; Rc never falls below min_rate.
 *
 * Invariants (dcqcn_rp_check): min_rate <= Rc <= Rt <= line; 0 <= α <= 1;
 * timers pending exactly when ACTIVE.  The "floor" is ALPHA_IDLE_FLOOR in
 * dcqcn.c.
 */
#ifndef SETSIM_DCQCN_H
#define SETSIM_DCQCN_H

#include <stdint.h>

#include "sim_engine.h"

struct dcqcn_rp;

/* Defaults: the DCQCN authors' simulator (github.com/bobzhuyb/ns3-rdma,
 * mix/config.txt: CNP_INTERVAL 50, ALPHA_RESUME_INTERVAL 55, RP_TIMER 60,
 * DCTCP_GAIN 0.00390625, FAST_RECOVERY_TIMES 5, RATE_AI 40Mb/s,
 * RATE_HAI 200Mb/s; MinRate 100Mb/s is the attribute default of its
 * qbb-net-device.cc).  g = 1/256, K = 55 us and the 50 us CNP interval are
 * also the defaults of HPCC's ns-3 simulator (alibaba-edu/High-Precision-
 * Congestion-Control, rdma-hw.cc, mix/config.txt).
 * Byte counter: off by default (0).  HPCC's simulator models "Mellanox's
 * version of DCQCN" (rdma-hw.cc, RateIncEventTimerMlx) with the timer
 * alone; ns3-rdma's config has BYTE_COUNTER 300000, which lets the faster
 * flow reach hyper increase sooner: with it two flows on one 25 Gb/s
 * bottleneck did not reach Jain's index 0.95 within 300 ms in this model,
 * without it they are fair within the first 20 ms (tests/test_dcqcn.c). */
#define DCQCN_DEFAULT_G (1.0 / 256)
#define DCQCN_DEFAULT_ALPHA_INTERVAL (55 * SIM_US)
#define DCQCN_DEFAULT_RATE_TIMER (60 * SIM_US)
#define DCQCN_DEFAULT_BYTE_COUNTER 0u
#define DCQCN_DEFAULT_FAST_RECOVERY 5u
#define DCQCN_DEFAULT_RATE_AI 40000000ull     /* 40 Mb/s */
#define DCQCN_DEFAULT_RATE_HAI 200000000ull   /* 200 Mb/s */
#define DCQCN_DEFAULT_MIN_RATE 100000000ull   /* 100 Mb/s */
#define DCQCN_DEFAULT_CNP_INTERVAL (50 * SIM_US)

struct dcqcn_settings {
    double g;                  /* α gain */
    sim_time_t alpha_interval; /* K: α decays after K without a CNP */
    sim_time_t rate_timer;     /* T: period of the rate-increase timer */
    uint64_t byte_counter;     /* B: bytes sent per byte-counter stage; 0: off */
    uint32_t fast_recovery;    /* F: stages of fast recovery */
    uint64_t rate_ai;          /* R_AI, b/s */
    uint64_t rate_hai;         /* R_HAI, b/s */
    uint64_t min_rate;         /* floor of Rc, b/s */
    double initial_alpha;      /* α at the first CNP (1.0) */
    sim_time_t cnp_interval;   /* NP: at most one CNP per QP per interval */
};

void dcqcn_settings_default(struct dcqcn_settings *s);

struct dcqcn_rp_stats {
    uint64_t cnps;          /* CNPs received */
    uint64_t decreases;     /* rate cuts (one per CNP) */
    uint64_t fast_recovery; /* increase events per stage kind */
    uint64_t additive;
    uint64_t hyper;
    uint64_t alpha_updates; /* K expiries without a CNP */
};

/* An RP for a QP on a port of line_bps.  Returns NULL on bad settings
 * (errno EINVAL) or without memory. */
struct dcqcn_rp *dcqcn_rp_create(struct sim_engine *eng, const struct dcqcn_settings *s,
                                 uint64_t line_bps);
/* Frees it (NULL-safe).  Like every model it does not touch the engine:
 * destroy the engine first, or call dcqcn_rp_stop() while it runs. */
void dcqcn_rp_destroy(struct dcqcn_rp *rp);
/* Cancels its timers and returns it to IDLE at its current rates (the QP
 * stopped sending: error or teardown). */
void dcqcn_rp_stop(struct dcqcn_rp *rp);

/* A CNP for this QP arrived. */
void dcqcn_rp_cnp(struct dcqcn_rp *rp);
/* The QP put `bytes` on the wire (feeds the byte counter). */
void dcqcn_rp_sent(struct dcqcn_rp *rp, uint32_t bytes);

uint64_t dcqcn_rp_rate(const struct dcqcn_rp *rp);   /* Rc */
uint64_t dcqcn_rp_target(const struct dcqcn_rp *rp); /* Rt */
double dcqcn_rp_alpha(const struct dcqcn_rp *rp);
int dcqcn_rp_active(const struct dcqcn_rp *rp);
const struct dcqcn_rp_stats *dcqcn_rp_stats(const struct dcqcn_rp *rp);
/* Verifies the invariants above; 0 or -EINVAL (test hook). */
int dcqcn_rp_check(const struct dcqcn_rp *rp);

#endif
