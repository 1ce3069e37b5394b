/* run_metrics: built-in and SQL metrics over a run's database.  See
 * run_metrics.h for the definitions; each one is a query here. */
#include "run_metrics.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace.h"

const char *const run_metric_kind_names[] = {"goodput",   "fct",       "drops",
                                             "pause_time", "max_queue", "sql", NULL};

struct unit__ {
    const char *name;
    double scale;
};

static const struct unit__ time_units[] = {
    {"ps", 1}, {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}, {NULL, 0}};
static const struct unit__ rate_units[] = {
    {"bps", 1}, {"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}, {"Tbps", 1e12}, {NULL, 0}};
static const struct unit__ size_units[] = {
    {"B", 1},         {"KB", 1e3},          {"MB", 1e6}, {"GB", 1e9},
    {"KiB", 1024.0},  {"MiB", 1048576.0},   {NULL, 0}};

static const struct unit__ *units__(enum run_metric_quantity q)
{
    switch (q) {
    case RUN_QTY_TIME:
        return time_units;
    case RUN_QTY_RATE:
        return rate_units;
    case RUN_QTY_SIZE:
        return size_units;
    default:
        return NULL;
    }
}

enum run_metric_quantity run_metric_quantity(enum run_metric_kind kind)
{
    switch (kind) {
    case RUN_METRIC_GOODPUT:
        return RUN_QTY_RATE;
    case RUN_METRIC_FCT:
    case RUN_METRIC_PAUSE_TIME:
        return RUN_QTY_TIME;
    case RUN_METRIC_MAX_QUEUE:
        return RUN_QTY_SIZE;
    default:
        return RUN_QTY_COUNT;
    }
}

const char *run_metric_default_unit(enum run_metric_kind kind)
{
    switch (kind) {
    case RUN_METRIC_GOODPUT:
        return "Gbps";
    case RUN_METRIC_FCT:
    case RUN_METRIC_PAUSE_TIME:
        return "us";
    case RUN_METRIC_MAX_QUEUE:
        return "KB";
    case RUN_METRIC_DROPS:
        return "frames";
    default:
        return "";
    }
}

int run_metric_unit_scale(enum run_metric_quantity q, const char *unit, double *scale)
{
    const struct unit__ *u = units__(q);
    if (!u) {
        *scale = 1;
        return 0;
    }
    for (; u->name; u++) {
        if (unit && strcmp(unit, u->name) == 0) {
            *scale = u->scale;
            return 0;
        }
    }
    return -EINVAL;
}

const char *run_metric_units(enum run_metric_quantity q)
{
    switch (q) {
    case RUN_QTY_TIME:
        return "ps, ns, us, ms, s";
    case RUN_QTY_RATE:
        return "bps, Kbps, Mbps, Gbps, Tbps";
    case RUN_QTY_SIZE:
        return "B, KB, MB, GB, KiB, MiB";
    default:
        return "any label";
    }
}

/* ---- queries ----------------------------------------------------------- */

static int sql_err__(sqlite3 *db, const struct run_metric *m, char *err, size_t errlen)
{
    snprintf(err, errlen, "metric '%s': %s", m->name, sqlite3_errmsg(db));
    return -EINVAL;
}

/* Runs q with up to two optional text bindings (?1, ?2) and an integer
 * (?3); the first column of the first row into *v (NULL -> *is_null). */
static int scalar__(sqlite3 *db, const struct run_metric *m, const char *q, const char *t1,
                    const char *t2, int has_i3, long long i3, double *v, int *is_null, char *err,
                    size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
        return sql_err__(db, m, err, errlen);
    int np = sqlite3_bind_parameter_count(st);
    if (np >= 1 && t1)
        sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
    if (np >= 2 && t2)
        sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
    if (np >= 3 && has_i3)
        sqlite3_bind_int64(st, 3, i3);
    int rc = sqlite3_step(st);
    *is_null = 1;
    *v = 0;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            *v = sqlite3_column_double(st, 0);
            *is_null = 0;
        }
    } else if (rc != SQLITE_DONE) {
        int e = sql_err__(db, m, err, errlen);
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return 0;
}

static int goodput__(sqlite3 *db, const struct run_metric *m, double *v, int *is_null, char *err,
                     size_t errlen)
{
    static const char q[] =
        "SELECT CASE WHEN count(*) = 0 OR (SELECT max(sim_end_ps) FROM runs) IS NULL"
        " OR (SELECT max(sim_end_ps) FROM runs) <= 0 THEN NULL"
        " ELSE sum(delivered_bytes) * 8.0 / ((SELECT max(sim_end_ps) FROM runs) * 1e-12) END"
        " FROM flows WHERE (?1 IS NULL OR class = ?1)";
    return scalar__(db, m, q, m->cls, NULL, 0, 0, v, is_null, err, errlen);
}

/* Nearest-rank percentile: the smallest value with at least p % of the
 * values at or below it. */
static int fct__(sqlite3 *db, const struct run_metric *m, double *v, int *is_null, char *err,
                 size_t errlen)
{
    static const char cq[] = "SELECT count(*) FROM flows WHERE complete = 1 AND fct_ps IS NOT "
                             "NULL AND (?1 IS NULL OR class = ?1)";
    double n;
    int nul;
    int rc = scalar__(db, m, cq, m->cls, NULL, 0, 0, &n, &nul, err, errlen);
    if (rc)
        return rc;
    if (nul || n < 1) {
        *is_null = 1;
        *v = 0;
        return 0;
    }
    long long rank = (long long)ceil(m->percentile / 100.0 * n);
    if (rank < 1)
        rank = 1;
    static const char q[] = "SELECT fct_ps FROM flows WHERE complete = 1 AND fct_ps IS NOT NULL"
                            " AND (?1 IS NULL OR class = ?1) ORDER BY fct_ps LIMIT 1 OFFSET ?3";
    return scalar__(db, m, q, m->cls, NULL, 1, rank - 1, v, is_null, err, errlen);
}

static int drops__(sqlite3 *db, const struct run_metric *m, double *v, int *is_null, char *err,
                   size_t errlen)
{
    static const char q[] = "SELECT count(*) FROM events WHERE kind = ?3"
                            " AND (?1 IS NULL OR reason = ?1) AND (?2 IS NULL OR prio = ?2)";
    char prio[8];
    snprintf(prio, sizeof prio, "%d", m->prio);
    return scalar__(db, m, q, m->reason, m->prio >= 0 ? prio : NULL, 1, TRACE_DROP, v, is_null,
                    err, errlen);
}

/* Each pause runs to the queue's next resume (or next pause, which
 * restarts it and is counted from there) or to the end of the run. */
static int pause_time__(sqlite3 *db, const struct run_metric *m, double *v, int *is_null,
                        char *err, size_t errlen)
{
    char q[1024];
    snprintf(q, sizeof q,
             "SELECT coalesce(sum(coalesce((SELECT min(e2.time_ps) FROM events e2"
             "  WHERE e2.kind IN (%d, %d) AND e2.obj = e.obj AND e2.prio = e.prio"
             "  AND e2.seq > e.seq), (SELECT max(sim_end_ps) FROM runs), e.time_ps)"
             "  - e.time_ps), 0)"
             " FROM events e WHERE e.kind = %d AND (?1 IS NULL OR e.prio = CAST(?1 AS INTEGER))",
             TRACE_PFC_PAUSE, TRACE_PFC_RESUME, TRACE_PFC_PAUSE);
    char prio[8];
    snprintf(prio, sizeof prio, "%d", m->prio);
    return scalar__(db, m, q, m->prio >= 0 ? prio : NULL, NULL, 0, 0, v, is_null, err, errlen);
}

/* Queue samples are "queue_p<prio>_bytes" per port and priority (the
 * sampler), or "queue_bytes" per port. */
static int max_queue__(sqlite3 *db, const struct run_metric *m, double *v, int *is_null,
                       char *err, size_t errlen)
{
    static const char q[] = "SELECT max(s.value) FROM samples s JOIN metrics k ON k.id = s.metric"
                            " WHERE (?1 IS NULL AND (k.name = 'queue_bytes'"
                            "  OR k.name GLOB 'queue_p[0-7]_bytes'))"
                            " OR k.name = 'queue_p' || ?1 || '_bytes'";
    char prio[8];
    snprintf(prio, sizeof prio, "%d", m->prio);
    return scalar__(db, m, q, m->prio >= 0 ? prio : NULL, NULL, 0, 0, v, is_null, err, errlen);
}

int run_metric_eval(sqlite3 *db, const struct run_metric *m, double *value, int *is_null,
                    char *err, size_t errlen)
{
    int rc;
    switch (m->kind) {
    case RUN_METRIC_GOODPUT:
        rc = goodput__(db, m, value, is_null, err, errlen);
        break;
    case RUN_METRIC_FCT:
        rc = fct__(db, m, value, is_null, err, errlen);
        break;
    case RUN_METRIC_DROPS:
        rc = drops__(db, m, value, is_null, err, errlen);
        break;
    case RUN_METRIC_PAUSE_TIME:
        rc = pause_time__(db, m, value, is_null, err, errlen);
        break;
    case RUN_METRIC_MAX_QUEUE:
        rc = max_queue__(db, m, value, is_null, err, errlen);
        break;
    case RUN_METRIC_SQL:
        rc = scalar__(db, m, m->sql, NULL, NULL, 0, 0, value, is_null, err, errlen);
        break;
    default:
        snprintf(err, errlen, "metric '%s': unknown kind", m->name);
        return -EINVAL;
    }
    if (rc || *is_null)
        return rc;
    double scale = 1;
    const char *unit = m->unit ? m->unit : run_metric_default_unit(m->kind);
    if (run_metric_unit_scale(run_metric_quantity(m->kind), unit, &scale) == 0 && scale != 0)
        *value /= scale;
    return 0;
}
