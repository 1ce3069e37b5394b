/* capacity: capacity questions answered from a study's points, and the
 * markdown capacity report.  See capacity.h for the semantics. */
#include "capacity.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_data.h"

const char *const capacity_seeds_names[] = {"every", "mean", NULL};

/* Value indexes of parameter p in push order: ascending numbers, or the
 * study's order. */
static void order__(const struct study_data_param *p, size_t *ord)
{
    for (size_t i = 0; i < p->nvalues; i++)
        ord[i] = i;
    if (!p->numeric)
        return;
    for (size_t i = 1; i < p->nvalues; i++)
        for (size_t j = i; j > 0 && p->nums[ord[j - 1]] > p->nums[ord[j]]; j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
}

static int meets__(const struct capacity_question *q, double v)
{
    return !isnan(v) && (q->below ? v < q->threshold : v > q->threshold);
}

/* Whether the condition holds for the points of group g (per values) at
 * value index pv of the pushed parameter; *at gets the worst value. */
static int holds__(const struct study_data *d, const struct capacity_question *q, int P, int M,
                   const int *G, size_t ng, const size_t *gv, size_t pv, double *at)
{
    int other[STUDY_DATA_MAX_PARAMS];
    size_t no = 0;
    for (size_t i = 0; i < d->nparams; i++) {
        int used = (int)i == P;
        for (size_t k = 0; k < ng; k++)
            used |= (int)i == G[k];
        if (!used)
            other[no++] = (int)i;
    }
    /* Cells: combinations of the other parameters; each must meet it. */
    size_t ncells = 1;
    for (size_t k = 0; k < no; k++)
        ncells *= d->params[other[k]].nvalues;
    double *sum = calloc(ncells, sizeof *sum), *worst = calloc(ncells, sizeof *worst);
    size_t *cnt = calloc(ncells, sizeof *cnt);
    int ok = sum && worst && cnt;
    for (size_t c = 0; ok && c < ncells; c++)
        worst[c] = NAN;
    size_t found = 0;
    for (size_t i = 0; ok && i < d->npoints; i++) {
        const struct study_data_point *pt = &d->points[i];
        if (pt->vi[P] != pv)
            continue;
        int in = 1;
        for (size_t k = 0; k < ng && in; k++)
            in = pt->vi[G[k]] == gv[k];
        if (!in)
            continue;
        found++;
        size_t c = 0;
        for (size_t k = 0; k < no; k++)
            c = c * d->params[other[k]].nvalues + pt->vi[other[k]];
        double v = pt->done ? pt->values[M] : NAN;
        if (isnan(v)) {
            ok = 0; /* a point without data does not meet it */
            break;
        }
        sum[c] += v;
        cnt[c]++;
        if (isnan(worst[c]) || (q->below ? v > worst[c] : v < worst[c]))
            worst[c] = v;
        if (q->seeds == CAPACITY_EVERY_SEED && !meets__(q, v))
            ok = 0;
    }
    *at = NAN;
    for (size_t c = 0; ok && c < ncells; c++) {
        if (cnt[c] == 0) {
            ok = 0; /* a combination never ran */
            break;
        }
        double v = q->seeds == CAPACITY_MEAN ? sum[c] / (double)cnt[c] : worst[c];
        if (!meets__(q, v))
            ok = 0;
        if (isnan(*at) || (q->below ? v > *at : v < *at))
            *at = v;
    }
    if (found == 0)
        ok = 0;
    free(sum), free(worst), free(cnt);
    return ok;
}

int capacity_answer(const struct study_data *d, const struct capacity_question *q,
                    struct capacity_answer *out, size_t max, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    int P = study_data_param(d, q->param), M = study_data_metric(d, q->metric);
    if (P < 0 || M < 0) {
        snprintf(err, errlen, "question '%s': the study has no %s '%s'", q->text,
                 P < 0 ? "parameter" : "metric", P < 0 ? q->param : q->metric);
        return -EINVAL;
    }
    int G[STUDY_DATA_MAX_PARAMS];
    size_t ng = q->nper < STUDY_DATA_MAX_PARAMS ? q->nper : STUDY_DATA_MAX_PARAMS;
    for (size_t k = 0; k < ng; k++)
        if ((G[k] = study_data_param(d, q->per[k])) < 0) {
            snprintf(err, errlen, "question '%s': the study has no parameter '%s'", q->text,
                     q->per[k]);
            return -EINVAL;
        }
    const struct study_data_param *pp = &d->params[P];
    size_t *ord = calloc(pp->nvalues ? pp->nvalues : 1, sizeof *ord);
    int *ok = calloc(pp->nvalues ? pp->nvalues : 1, sizeof *ok);
    double *at = calloc(pp->nvalues ? pp->nvalues : 1, sizeof *at);
    if (!ord || !ok || !at) {
        free(ord), free(ok), free(at);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    order__(pp, ord);
    size_t gv[STUDY_DATA_MAX_PARAMS] = {0};
    for (;;) {
        if (*n == max)
            break;
        struct capacity_answer *a = &out[(*n)++];
        memset(a, 0, sizeof *a);
        a->metric_at = NAN;
        for (size_t k = 0; k < ng; k++) {
            size_t l = strlen(a->group);
            snprintf(a->group + l, sizeof a->group - l, "%s%s=%s", k ? " " : "",
                     d->params[G[k]].name, d->params[G[k]].values[gv[k]]);
            if (k < 16)
                a->group_vi[k] = gv[k];
        }
        for (size_t j = 0; j < pp->nvalues; j++)
            ok[j] = holds__(d, q, P, M, G, ng, gv, ord[j], &at[j]);
        /* largest: the last that holds; smallest: the first. */
        long ans = -1;
        for (size_t j = 0; j < pp->nvalues; j++)
            if (ok[j] && (ans < 0 || q->largest))
                ans = (long)j;
        long first_fail = -1;
        for (size_t j = 0; j < pp->nvalues; j++) {
            size_t jj = q->largest ? j : pp->nvalues - 1 - j;
            if (!ok[jj]) {
                first_fail = (long)jj;
                break;
            }
        }
        if (ans >= 0) {
            a->found = 1;
            snprintf(a->value, sizeof a->value, "%s", pp->values[ord[ans]]);
            a->metric_at = at[ans];
            for (long j = 0; j < (long)pp->nvalues; j++)
                if (!ok[j] && (q->largest ? j < ans : j > ans))
                    a->non_monotonic = 1;
        }
        if (first_fail >= 0)
            snprintf(a->first_fail, sizeof a->first_fail, "%s", pp->values[ord[first_fail]]);
        /* Next group: the last `per` parameter fastest. */
        size_t k = ng;
        while (k > 0) {
            k--;
            if (++gv[k] < d->params[G[k]].nvalues)
                break;
            gv[k] = 0;
            if (k == 0) {
                k = (size_t)-1;
                break;
            }
        }
        if (ng == 0 || k == (size_t)-1)
            break;
    }
    free(ord), free(ok), free(at);
    return 0;
}

/* ---- the report ----------------------------------------------------------- */

static const char *unit_sfx__(const char *unit, char *buf, size_t len)
{
    if (!unit || !unit[0])
        return "";
    snprintf(buf, len, " %s", unit);
    return buf;
}

static void question__(FILE *out, const struct study_data *d, const struct capacity_question *q,
                       const struct capacity_answer *a, size_t n)
{
    int P = study_data_param(d, q->param), M = study_data_metric(d, q->metric);
    const struct study_data_metric *m = &d->metrics[M];
    char us[64];
    fprintf(out, "## %s\n\n", q->text);
    fprintf(out, "Condition: `%s` (%s) %s %s, %s.  ", m->name, m->label,
            q->below ? "below" : "above", q->threshold_text ? q->threshold_text : "",
            q->seeds == CAPACITY_MEAN ? "mean over seeds" : "at every seed");
    fprintf(out, "Answer: the %s `%s` meeting it", q->largest ? "largest" : "smallest", q->param);
    if (q->nper)
        fprintf(out, ", per %s", q->nper == 1 ? "value of" : "combination of");
    for (size_t k = 0; k < q->nper; k++)
        fprintf(out, "%s `%s`", k ? "," : "", q->per[k]);
    fprintf(out, ".\n\n|");
    for (size_t k = 0; k < q->nper; k++)
        fprintf(out, " %s |", d->params[study_data_param(d, q->per[k])].label);
    fprintf(out, " %s %s |", q->largest ? "largest" : "smallest", d->params[P].label);
    fprintf(out, " %s there (%s) |", m->label, q->seeds == CAPACITY_MEAN ? "mean" : "worst seed");
    fprintf(out, " %s %s failing |\n|", q->largest ? "first" : "largest", d->params[P].label);
    for (size_t k = 0; k < q->nper + 3; k++)
        fprintf(out, " --- |");
    fprintf(out, "\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "|");
        for (size_t k = 0; k < q->nper && k < 16; k++) {
            int g = study_data_param(d, q->per[k]);
            fprintf(out, " %s |", d->params[g].values[a[i].group_vi[k]]);
        }
        if (a[i].found)
            fprintf(out, " **%s**%s |", a[i].value,
                    a[i].non_monotonic ? " (fails at a smaller value too)" : "");
        else
            fprintf(out, " none meets it |");
        if (a[i].found)
            fprintf(out, " %.4g%s |", a[i].metric_at, unit_sfx__(m->unit, us, sizeof us));
        else
            fprintf(out, " - |");
        fprintf(out, " %s |\n", a[i].first_fail[0] ? a[i].first_fail : "none (all meet it)");
    }
    fprintf(out, "\n");
}

/* Mean, min and max of each metric per combination of all parameters. */
static void means__(FILE *out, const struct study_data *d)
{
    fprintf(out, "## Metrics per point (mean over seeds; min..max when seeds differ)\n\n|");
    for (size_t i = 0; i < d->nparams; i++)
        fprintf(out, " %s |", d->params[i].label);
    for (size_t m = 0; m < d->nmetrics; m++)
        fprintf(out, " %s%s%s%s |", d->metrics[m].label, d->metrics[m].unit[0] ? " (" : "",
                d->metrics[m].unit, d->metrics[m].unit[0] ? ")" : "");
    fprintf(out, "\n|");
    for (size_t i = 0; i < d->nparams + d->nmetrics; i++)
        fprintf(out, " --- |");
    fprintf(out, "\n");
    for (size_t i = 0; i < d->npoints;) {
        size_t j = i;
        while (j < d->npoints && memcmp(d->points[j].vi, d->points[i].vi,
                                        d->nparams * sizeof d->points[i].vi[0]) == 0)
            j++;
        fprintf(out, "|");
        for (size_t k = 0; k < d->nparams; k++)
            fprintf(out, " %s |", d->params[k].values[d->points[i].vi[k]]);
        for (size_t m = 0; m < d->nmetrics; m++) {
            double s = 0, lo = INFINITY, hi = -INFINITY;
            size_t n = 0;
            for (size_t k = i; k < j; k++) {
                double v = d->points[k].done ? d->points[k].values[m] : NAN;
                if (isnan(v))
                    continue;
                s += v, n++;
                lo = fmin(lo, v), hi = fmax(hi, v);
            }
            if (n == 0)
                fprintf(out, " - |");
            else if (hi > lo)
                fprintf(out, " %.4g (%.4g..%.4g) |", s / (double)n, lo, hi);
            else
                fprintf(out, " %.4g |", s / (double)n);
        }
        fprintf(out, "\n");
        i = j;
    }
    fprintf(out, "\n");
}

int capacity_report(FILE *out, const struct study_data *d, const char *description,
                    const struct capacity_question *qs, size_t nq, const char *const *figures,
                    size_t nfigures, char *err, size_t errlen)
{
    fprintf(out, "# Capacity report: %s\n\n", d->name ? d->name : "study");
    if (description && description[0])
        fprintf(out, "%s\n\n", description);
    fprintf(out, "Study file `%s` (hash `%.12s`): %zu points, %zu done, %zu failed",
            d->file ? d->file : "", d->hash ? d->hash : "", d->npoints, d->ndone, d->nfailed);
    if (d->npending)
        fprintf(out, ", **%zu not run yet** (answers treat them as not meeting any condition)",
                d->npending);
    fprintf(out, ".  Parameters:");
    for (size_t i = 0; i < d->nparams; i++) {
        fprintf(out, "%s `%s` (", i ? ";" : "", d->params[i].name);
        for (size_t v = 0; v < d->params[i].nvalues; v++)
            fprintf(out, "%s%s", v ? ", " : "", d->params[i].values[v]);
        fprintf(out, ")");
    }
    fprintf(out, ".\n\n");
    int rc = 0;
    struct capacity_answer *a = calloc(4096, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < nq && !rc; i++) {
        size_t n = 0;
        if ((rc = capacity_answer(d, &qs[i], a, 4096, &n, err, errlen)) == 0)
            question__(out, d, &qs[i], a, n);
    }
    free(a);
    if (rc)
        return rc;
    means__(out, d);
    if (d->nfailed) {
        fprintf(out, "## Failed points\n\nTheir errors are in the `error` column of "
                     "`study.sqlite` (`SELECT id, key, seed, error FROM points WHERE status = "
                     "'failed'`).\n\n");
    }
    if (nfigures) {
        fprintf(out, "## Figures\n\n");
        for (size_t i = 0; i < nfigures; i++)
            fprintf(out, "![%s](%s)\n\n", figures[i], figures[i]);
    }
    return ferror(out) ? -EIO : 0;
}
