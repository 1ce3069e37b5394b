/* study_data: a study database in memory for the reports.  See
 * study_data.h. */
#include "study_data.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_db.h"

static char *col__(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

static int value_index__(struct study_data_param *p, const char *v, double num)
{
    for (size_t i = 0; i < p->nvalues; i++)
        if (strcmp(p->values[i], v) == 0)
            return (int)i;
    if (p->nvalues == STUDY_DATA_MAX_VALUES)
        return -ENOSPC;
    if (!p->values) {
        p->values = calloc(STUDY_DATA_MAX_VALUES, sizeof *p->values);
        p->nums = calloc(STUDY_DATA_MAX_VALUES, sizeof *p->nums);
        if (!p->values || !p->nums)
            return -ENOMEM;
    }
    if (!(p->values[p->nvalues] = strdup(v)))
        return -ENOMEM;
    p->nums[p->nvalues] = num;
    return (int)p->nvalues++;
}

int study_data_load(struct study_db *db, struct study_data *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    sqlite3 *h = study_db_handle(db);
    d->name = study_db_meta(db, "study");
    d->file = study_db_meta(db, "study_file");
    d->hash = study_db_meta(db, "study_hash");
    sqlite3_stmt *st = NULL;
    int rc = 0;
#define PREP__(sql)                                                                            \
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {                              \
        snprintf(err, errlen, "study database: %s", sqlite3_errmsg(h));                        \
        study_data_free(d);                                                                    \
        return -EIO;                                                                           \
    }
    PREP__("SELECT name, label, unit FROM parameters ORDER BY position");
    while (sqlite3_step(st) == SQLITE_ROW && d->nparams < STUDY_DATA_MAX_PARAMS) {
        struct study_data_param *p = &d->params[d->nparams++];
        p->name = col__(st, 0);
        p->label = col__(st, 1);
        p->unit = col__(st, 2);
        p->numeric = 1;
    }
    sqlite3_finalize(st);
    PREP__("SELECT count(*) FROM metrics");
    if (sqlite3_step(st) == SQLITE_ROW)
        d->nmetrics = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    d->metrics = calloc(d->nmetrics ? d->nmetrics : 1, sizeof *d->metrics);
    PREP__("SELECT name, unit, label FROM metrics ORDER BY id");
    for (size_t i = 0; d->metrics && i < d->nmetrics && sqlite3_step(st) == SQLITE_ROW; i++) {
        d->metrics[i].name = col__(st, 0);
        d->metrics[i].unit = col__(st, 1);
        d->metrics[i].label = col__(st, 2);
    }
    sqlite3_finalize(st);
    PREP__("SELECT count(*) FROM points");
    if (sqlite3_step(st) == SQLITE_ROW)
        d->npoints = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    d->points = calloc(d->npoints ? d->npoints : 1, sizeof *d->points);
    if (!d->metrics || !d->points) {
        snprintf(err, errlen, "out of memory");
        study_data_free(d);
        return -ENOMEM;
    }
    PREP__("SELECT id, seed, status FROM points ORDER BY id");
    size_t n = 0;
    while (n < d->npoints && sqlite3_step(st) == SQLITE_ROW) {
        struct study_data_point *pt = &d->points[n++];
        pt->id = sqlite3_column_int64(st, 0);
        pt->seed = (uint64_t)sqlite3_column_int64(st, 1);
        const char *s = (const char *)sqlite3_column_text(st, 2);
        pt->done = s && strcmp(s, "done") == 0;
        d->ndone += (size_t)pt->done;
        d->nfailed += s && strcmp(s, "failed") == 0;
        d->npending += s && (strcmp(s, "pending") == 0 || strcmp(s, "running") == 0);
        pt->values = malloc((d->nmetrics ? d->nmetrics : 1) * sizeof *pt->values);
        if (!pt->values) {
            rc = -ENOMEM;
            break;
        }
        for (size_t m = 0; m < d->nmetrics; m++)
            pt->values[m] = NAN;
    }
    d->npoints = n;
    sqlite3_finalize(st);
    /* Points are in id order, so values come in study order. */
    PREP__("SELECT pp.point, pa.position, pp.value, pp.num FROM point_params pp"
           " JOIN parameters pa ON pa.id = pp.param ORDER BY pp.point, pa.position");
    size_t k = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t pos = (size_t)sqlite3_column_int64(st, 1);
        while (k < d->npoints && d->points[k].id < id)
            k++;
        if (k == d->npoints || d->points[k].id != id || pos >= d->nparams)
            continue;
        double num = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN
                                                               : sqlite3_column_double(st, 3);
        struct study_data_param *p = &d->params[pos];
        int vi = value_index__(p, (const char *)sqlite3_column_text(st, 2), num);
        if (vi < 0) {
            rc = vi;
            break;
        }
        if (isnan(num))
            p->numeric = 0;
        d->points[k].vi[pos] = (size_t)vi;
    }
    sqlite3_finalize(st);
    PREP__("SELECT point, metric, value FROM point_metrics ORDER BY point, metric");
    k = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t m = (size_t)sqlite3_column_int64(st, 1);
        while (k < d->npoints && d->points[k].id < id)
            k++;
        if (k == d->npoints || d->points[k].id != id || m < 1 || m > d->nmetrics)
            continue;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            d->points[k].values[m - 1] = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
#undef PREP__
    if (rc) {
        snprintf(err, errlen, "reading the study database: %s", strerror(-rc));
        study_data_free(d);
    }
    return rc;
}

void study_data_free(struct study_data *d)
{
    for (size_t i = 0; i < d->nparams; i++) {
        struct study_data_param *p = &d->params[i];
        for (size_t v = 0; v < p->nvalues; v++)
            free(p->values[v]);
        free(p->values);
        free(p->nums);
        free(p->name);
        free(p->label);
        free(p->unit);
    }
    for (size_t i = 0; d->metrics && i < d->nmetrics; i++) {
        free(d->metrics[i].name);
        free(d->metrics[i].unit);
        free(d->metrics[i].label);
    }
    for (size_t i = 0; d->points && i < d->npoints; i++)
        free(d->points[i].values);
    free(d->metrics);
    free(d->points);
    free(d->name);
    free(d->file);
    free(d->hash);
    free(d->description_yaml);
    memset(d, 0, sizeof *d);
}

int study_data_param(const struct study_data *d, const char *name)
{
    for (size_t i = 0; i < d->nparams; i++)
        if (strcmp(d->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

int study_data_metric(const struct study_data *d, const char *name)
{
    for (size_t i = 0; i < d->nmetrics; i++)
        if (strcmp(d->metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}
