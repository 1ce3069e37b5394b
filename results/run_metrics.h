/* run_metrics: one number out of a finished run's database (run.sqlite),
 * for sweeps: goodput, flow completion time percentiles by class, drops by
 * reason, PFC pause time, largest queue, or the first value of a user's
 * SQL query.
 *
 * Every metric has a quantity (time, rate, size or a plain count) and is
 * reported in a display unit chosen per metric ("us", "ms", "Gbps",
 * "KB" ...): the value is the base quantity (ps, bit/s, bytes) divided by
 * the unit's scale.  A metric with no data to measure (no completed flow
 * of the class, no queue samples) is NULL, not 0: "no SMB flow finished"
 * must not read as "SMB flows took no time".
 *
 * Definitions (docs/sweep.md has the user's version):
 *   goodput     sum(flows.delivered_bytes) * 8 / runs.sim_end_ps, of the
 *               class when given (rate; NULL without flows)
 *   fct         the p-th percentile (nearest rank) of flows.fct_ps over
 *               the completed flows of the class (time)
 *   drops       number of drop events, of the reason / priority when given
 *   pause_time  time egress queues spent paused, summed over (port,
 *               priority): from each pfc_pause event to the next pfc_resume
 *               of the same queue or the end of the run (time)
 *   max_queue   largest queue sample: metrics `queue_p<prio>_bytes` (per
 *               port and priority; `prio` picks one) or `queue_bytes`
 *               (size; NULL without samples)
 *   sql         the first column of the first row of the query; NULL when
 *               the query returns no row or a NULL
 */
#ifndef SETSIM_RUN_METRICS_H
#define SETSIM_RUN_METRICS_H

#include <stddef.h>

struct sqlite3;

enum run_metric_kind {
    RUN_METRIC_GOODPUT = 0,
    RUN_METRIC_FCT,
    RUN_METRIC_DROPS,
    RUN_METRIC_PAUSE_TIME,
    RUN_METRIC_MAX_QUEUE,
    RUN_METRIC_SQL,
    RUN_METRIC_KIND_COUNT
};

/* The quantity of a metric decides which units it may be shown in. */
enum run_metric_quantity {
    RUN_QTY_COUNT = 0, /* plain number; unit is a free label */
    RUN_QTY_TIME,      /* base unit ps */
    RUN_QTY_RATE,      /* base unit bit/s */
    RUN_QTY_SIZE,      /* base unit bytes */
};

/* A metric to compute.  Strings are not owned (they belong to the study). */
struct run_metric {
    const char *name;         /* column name in the study database */
    enum run_metric_kind kind;
    const char *cls;          /* goodput, fct: flows.class filter; NULL: all */
    const char *reason;       /* drops: reason filter; NULL: all */
    int prio;                 /* drops, pause_time, max_queue: priority, -1: all */
    double percentile;        /* fct: 0 < p <= 100 */
    const char *sql;          /* sql: the query */
    const char *unit;         /* display unit ("us"); NULL: the default */
};

/* Names of the kinds as the study file spells them ("goodput", "fct",
 * "fct_p50", "fct_p99" are read by the study loader), NULL-terminated. */
extern const char *const run_metric_kind_names[];

enum run_metric_quantity run_metric_quantity(enum run_metric_kind kind);
/* The default display unit of a kind ("Gbps", "us", "", "KB"). */
const char *run_metric_default_unit(enum run_metric_kind kind);
/* The scale of unit for quantity q (1e6 for "us" of a time): 0 with *scale
 * set, or -EINVAL when the unit does not fit the quantity.  Every unit
 * fits RUN_QTY_COUNT, with scale 1. */
int run_metric_unit_scale(enum run_metric_quantity q, const char *unit, double *scale);
/* Units accepted for q, for messages ("ps, ns, us, ms, s"). */
const char *run_metric_units(enum run_metric_quantity q);

/* Computes m over the run database db (opened read-only by the caller).
 * 0 with *value and *is_null set, or a negative errno with a one-line
 * reason in err (an SQL error names the metric and SQLite's message). */
int run_metric_eval(struct sqlite3 *db, const struct run_metric *m, double *value, int *is_null,
                    char *err, size_t errlen);

#endif
