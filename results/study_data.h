/* study_data: a study database read into memory for the reports: the
 * parameters with their values in study order, the metrics, and every
 * point with its parameter values, status and metric values.  Shared by
 * the capacity report (capacity.c) and the metric plots
 * (study_report.c). */
#ifndef SETSIM_STUDY_DATA_H
#define SETSIM_STUDY_DATA_H

#include <stddef.h>
#include <stdint.h>

struct study_db;

#define STUDY_DATA_MAX_PARAMS 16
#define STUDY_DATA_MAX_VALUES 4096

struct study_data_param {
    char *name, *label, *unit;
    char **values;        /* distinct values in study order (first point id) */
    double *nums;         /* each value as a number, NaN when not */
    size_t nvalues;
    int numeric;          /* every value is a number */
};

struct study_data_metric {
    char *name, *unit, *label;
};

struct study_data_point {
    int64_t id;
    uint64_t seed;
    int done;                              /* status 'done' */
    size_t vi[STUDY_DATA_MAX_PARAMS];      /* value index per parameter */
    double *values;                        /* per metric; NaN: no data */
};

struct study_data {
    char *name, *file, *hash, *description_yaml;
    struct study_data_param params[STUDY_DATA_MAX_PARAMS];
    size_t nparams;
    struct study_data_metric *metrics;
    size_t nmetrics;
    struct study_data_point *points;
    size_t npoints, ndone, nfailed, npending;
};

/* Reads everything.  0, or a negative errno with err. */
int study_data_load(struct study_db *db, struct study_data *d, char *err, size_t errlen);
void study_data_free(struct study_data *d);
int study_data_param(const struct study_data *d, const char *name);  /* index or -1 */
int study_data_metric(const struct study_data *d, const char *name); /* index or -1 */

#endif
