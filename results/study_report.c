/* study_report: the figures and the capacity report of a study.  See
 * study_report.h. */
#include "study_report.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"
#include "study_data.h"
#include "study_db.h"

/* Line colours, one per value of the lines parameter (colour-blind safe
 * Okabe-Ito order). */
static const char *const colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                     "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define NCOLORS (sizeof colors / sizeof colors[0])
/* A numeric x axis spanning this factor or more is logarithmic. */
#define LOG_X_SPAN 8.0
/* Figure size for one panel and the width added per extra panel. */
#define FIG_WIDTH 1280u
#define FIG_HEIGHT 720u
#define FIG_PANEL_WIDTH 560u
/* How far apart the lines' markers at one x value are, as a fraction of
 * the spacing between x values (of an octave on a log axis). */
#define DODGE 0.12

struct layout__ {
    int x, lines, panels; /* parameter indexes, -1: none */
    size_t xord[STUDY_DATA_MAX_VALUES];
    int logx;
};

static int find__(const struct study_data *d, const char *name, int *out, char *err,
                  size_t errlen)
{
    *out = -1;
    if (!name)
        return 0;
    if ((*out = study_data_param(d, name)) < 0) {
        snprintf(err, errlen, "the study has no parameter '%s'", name);
        return -EINVAL;
    }
    return 0;
}

static void xorder__(const struct study_data *d, struct layout__ *L)
{
    const struct study_data_param *p = &d->params[L->x];
    for (size_t i = 0; i < p->nvalues; i++)
        L->xord[i] = i;
    L->logx = 0;
    if (!p->numeric)
        return;
    for (size_t i = 1; i < p->nvalues; i++)
        for (size_t j = i; j > 0 && p->nums[L->xord[j - 1]] > p->nums[L->xord[j]]; j--) {
            size_t t = L->xord[j];
            L->xord[j] = L->xord[j - 1];
            L->xord[j - 1] = t;
        }
    double lo = p->nums[L->xord[0]], hi = p->nums[L->xord[p->nvalues - 1]];
    L->logx = lo > 0 && hi / lo >= LOG_X_SPAN;
}

/* Mean, min, max of metric m over the done points at (panel, line, x). */
static size_t cell__(const struct study_data *d, const struct layout__ *L, size_t m, long pv,
                     long lv, size_t xv, double *mean, double *lo, double *hi)
{
    double s = 0;
    size_t n = 0;
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < d->npoints; i++) {
        const struct study_data_point *pt = &d->points[i];
        if (!pt->done || isnan(pt->values[m]) || pt->vi[L->x] != xv ||
            (L->panels >= 0 && (long)pt->vi[L->panels] != pv) ||
            (L->lines >= 0 && (long)pt->vi[L->lines] != lv))
            continue;
        double v = pt->values[m];
        s += v, n++;
        *lo = fmin(*lo, v), *hi = fmax(*hi, v);
    }
    *mean = n ? s / (double)n : NAN;
    return n;
}

/* Where line lv draws its marker for the j-th x value: shifted a little
 * from the value so that error bars of different lines do not hide each
 * other (a constant factor on a log axis, a fraction of the spacing
 * otherwise). */
static double dodge__(const struct layout__ *L, const struct study_data_param *xp, size_t j,
                      size_t lv, size_t nlines)
{
    double k = nlines > 1 ? ((double)lv - (double)(nlines - 1) / 2) / (double)nlines : 0;
    if (!xp->numeric)
        return (double)j + DODGE * k;
    double x = xp->nums[L->xord[j]];
    if (L->logx)
        return x * pow(2.0, DODGE * k);
    double lo = xp->nums[L->xord[0]], hi = xp->nums[L->xord[xp->nvalues - 1]];
    double step = xp->nvalues > 1 ? (hi - lo) / (double)(xp->nvalues - 1) : 1;
    return x + DODGE * k * step;
}

static const char *axis_label__(const char *label, const char *unit, char *buf, size_t len)
{
    if (unit && unit[0])
        snprintf(buf, len, "%s (%s)", label, unit);
    else
        snprintf(buf, len, "%s", label);
    return buf;
}

/* The x ticks: every value, at its number or its index. */
static void xtics__(struct plot *p, const struct study_data *d, const struct layout__ *L)
{
    const struct study_data_param *xp = &d->params[L->x];
    char buf[8192], q[512];
    size_t off = (size_t)snprintf(buf, sizeof buf, "set xtics (");
    for (size_t j = 0; j < xp->nvalues && off < sizeof buf - 600; j++) {
        size_t v = L->xord[j];
        double pos = xp->numeric ? xp->nums[v] : (double)j;
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s %.10g", j ? ", " : "",
                                plot_quote(xp->values[v], q, sizeof q), pos);
    }
    snprintf(buf + off, sizeof buf - off, ")");
    plot_cmd(p, "%s", buf);
    if (L->logx) {
        plot_cmd(p, "set logscale x 2");
        plot_cmd(p, "set xrange [%.10g:%.10g]", xp->nums[L->xord[0]] / 1.25,
                 xp->nums[L->xord[xp->nvalues - 1]] * 1.25);
    } else if (xp->numeric) {
        double lo = xp->nums[L->xord[0]], hi = xp->nums[L->xord[xp->nvalues - 1]];
        double pad = hi > lo ? (hi - lo) * 0.06 : 1;
        plot_cmd(p, "set xrange [%.10g:%.10g]", lo - pad, hi + pad);
    } else {
        plot_cmd(p, "set xrange [-0.5:%.10g]", (double)xp->nvalues - 0.5);
    }
}

/* What one marker averages: "2 seeds", "2 seeds x 2 members" ... */
static const char *spread__(const struct study_data *d, const struct layout__ *L, char *buf,
                            size_t len)
{
    size_t seeds = 0;
    if (d->npoints) {
        /* points sharing the first point's parameter values */
        for (size_t i = 0; i < d->npoints; i++)
            if (memcmp(d->points[i].vi, d->points[0].vi, d->nparams * sizeof(size_t)) == 0)
                seeds++;
    }
    size_t off = (size_t)snprintf(buf, len, "%zu seed%s", seeds, seeds == 1 ? "" : "s");
    for (size_t i = 0; i < d->nparams && off < len; i++)
        if ((int)i != L->x && (int)i != L->lines && (int)i != L->panels)
            off += (size_t)snprintf(buf + off, len - off, " x %zu %s", d->params[i].nvalues,
                                    d->params[i].label);
    return buf;
}

static int metric_figure__(const struct study_report_options *o, const struct study_data *d,
                           const struct layout__ *L, size_t m, const char *path, char *err,
                           size_t errlen)
{
    const struct study_data_metric *mt = &d->metrics[m];
    const struct study_data_param *xp = &d->params[L->x];
    size_t npanels = L->panels >= 0 ? d->params[L->panels].nvalues : 1;
    size_t nlines = L->lines >= 0 ? d->params[L->lines].nvalues : 1;
    char title[600], q[1300], lab[400], q2[900], note2[200];
    snprintf(title, sizeof title, "%s: %s vs %s", d->name ? d->name : "study", mt->label,
             xp->label);
    char note[300];
    snprintf(note, sizeof note, "markers: mean over %s; bars: min to max", spread__(d, L, note2,
                                                                                   sizeof note2));
    /* Any data at all?  And the y range. */
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < d->npoints; i++)
        if (d->points[i].done && !isnan(d->points[i].values[m])) {
            ymin = fmin(ymin, d->points[i].values[m]);
            ymax = fmax(ymax, d->points[i].values[m]);
        }
    /* Thresholds of the questions on this metric. */
    double thr[8];
    const char *thr_text[8];
    int thr_below[8];
    size_t nthr = 0;
    for (size_t i = 0; i < o->nquestions && nthr < 8; i++)
        if (strcmp(o->questions[i].metric, mt->name) == 0) {
            thr[nthr] = o->questions[i].threshold;
            thr_text[nthr] = o->questions[i].threshold_text;
            thr_below[nthr++] = o->questions[i].below;
            ymax = fmax(ymax, o->questions[i].threshold);
            ymin = fmin(ymin, o->questions[i].threshold);
        }
    struct plot_settings ps = {.path = path, .format = o->format,
                               .width = FIG_WIDTH + (unsigned)(npanels > 2 ? npanels - 2 : 0) *
                                                        FIG_PANEL_WIDTH,
                               .height = FIG_HEIGHT};
    if (!isfinite(ymax)) {
        char msg[400];
        snprintf(msg, sizeof msg, "no point has data for metric '%s' (%zu of %zu points done)",
                 mt->name, d->ndone, d->npoints);
        return plot_message(&ps, title, msg, NULL, err, errlen);
    }
    struct plot *p = plot_open(&ps, err, errlen);
    if (!p)
        return -EIO;
    plot_cmd(p, "set encoding utf8");
    if (npanels > 1) {
        plot_cmd(p, "set multiplot layout 1,%zu title %s font ',16'", npanels,
                 plot_quote(title, q, sizeof q));
        plot_cmd(p, "set label 100 %s at screen 0.5, screen 0.012 center font ',11' "
                    "tc rgb '#555555'",
                 plot_quote(note, q, sizeof q));
    }
    /* Data: one block per panel and line: x mean min max. */
    for (size_t pv = 0; pv < npanels; pv++)
        for (size_t lv = 0; lv < nlines; lv++) {
            char name[48]; /* "d" + two 20-digit size_t + "_" + NUL */
            snprintf(name, sizeof name, "d%zu_%zu", pv, lv);
            plot_block_begin(p, name);
            for (size_t j = 0; j < xp->nvalues; j++) {
                double mean, lo, hi;
                size_t xv = L->xord[j];
                if (cell__(d, L, m, (long)pv, (long)lv, xv, &mean, &lo, &hi) == 0)
                    continue;
                plot_block_row(p, "%.10g %.10g %.10g %.10g",
                               dodge__(L, xp, j, lv, nlines), mean, lo, hi);
            }
            plot_block_end(p);
        }
    double span = ymax - fmin(ymin, 0);
    /* Headroom above the data for the key. */
    double top = ymax + (span > 0 ? span : fabs(ymax) + 1) * 0.25;
    for (size_t pv = 0; pv < npanels; pv++) {
        if (npanels == 1) {
            plot_cmd(p, "set title %s font ',16'", plot_quote(title, q, sizeof q));
            plot_cmd(p, "set label 100 %s at screen 0.5, screen 0.012 center font ',11' "
                        "tc rgb '#555555'",
                     plot_quote(note, q, sizeof q));
        }
        else {
            char sub[300];
            snprintf(sub, sizeof sub, "%s = %s", d->params[L->panels].label,
                     d->params[L->panels].values[pv]);
            plot_cmd(p, "set title %s font ',13'", plot_quote(sub, q, sizeof q));
        }
        plot_cmd(p, "set xlabel %s", plot_quote(axis_label__(xp->label, xp->unit, lab,
                                                              sizeof lab), q2, sizeof q2));
        plot_cmd(p, "set ylabel %s", plot_quote(axis_label__(mt->label, mt->unit, lab,
                                                              sizeof lab), q2, sizeof q2));
        plot_cmd(p, "set grid xtics ytics lc rgb '#dddddd' lt 1");
        plot_cmd(p, "set border 3");
        plot_cmd(p, "set tics nomirror");
        plot_cmd(p, "set key top left box opaque samplen 2 title %s",
                 plot_quote(L->lines >= 0 ? d->params[L->lines].label : "", q, sizeof q));
        plot_cmd(p, "set bmargin 5");
        xtics__(p, d, L);
        /* A little room below 0, so lines along 0 are seen above the axis. */
        plot_cmd(p, "set yrange [%.10g:%.10g]",
                 ymin >= 0 ? -top * 0.02 : ymin - span * 0.1, top);
        plot_cmd(p, "unset arrow");
        for (size_t t = 0; t < 8; t++)
            plot_cmd(p, "unset label %zu", t + 1);
        for (size_t t = 0; t < nthr; t++) {
            char txt[200];
            snprintf(txt, sizeof txt, "target: %s %s", thr_below[t] ? "below" : "above",
                     thr_text[t] ? thr_text[t] : "");
            plot_cmd(p, "set arrow %zu from graph 0, first %.10g to graph 1, first %.10g nohead "
                        "dt 2 lw 2 lc rgb '#c00000' back",
                     t + 1, thr[t], thr[t]);
            plot_cmd(p, "set label %zu %s at graph 0.01, first %.10g left offset 0,0.8 "
                        "tc rgb '#c00000' font ',11' front",
                     t + 1, plot_quote(txt, q, sizeof q), thr[t]);
        }
        char cmd[8192];
        size_t off = (size_t)snprintf(cmd, sizeof cmd, "plot");
        for (size_t lv = 0; lv < nlines && off < sizeof cmd - 600; lv++) {
            char lt[300];
            if (L->lines >= 0)
                snprintf(lt, sizeof lt, "%s", d->params[L->lines].values[lv]);
            else
                snprintf(lt, sizeof lt, "%s", mt->label);
            off += (size_t)snprintf(cmd + off, sizeof cmd - off,
                                    "%s $d%zu_%zu using 1:2:3:4 with yerrorlines lw 2.5 pt 7 ps "
                                    "1.4 lc rgb '%s' title %s",
                                    lv ? "," : "", pv, lv, colors[lv % NCOLORS],
                                    plot_quote(lt, q, sizeof q));
        }
        plot_cmd(p, "%s", cmd);
    }
    if (npanels > 1)
        plot_cmd(p, "unset multiplot");
    return plot_close(p, NULL, err, errlen);
}

static int mkdir__(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

int study_report_run(const struct study_report_options *o, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", o->dir, STUDY_DB_FILE);
    struct study_db *db;
    int rc = study_db_open_ro(path, &db, err, errlen);
    if (rc)
        return rc == -EIO ? -EINVAL : rc;
    struct study_data d;
    rc = study_data_load(db, &d, err, errlen);
    study_db_close(db);
    if (rc)
        return rc;
    struct layout__ *L = calloc(1, sizeof *L);
    const char *fmt = o->format ? o->format : "png";
    char **figs = calloc(d.nmetrics ? d.nmetrics : 1, sizeof *figs);
    size_t nfigs = 0;
    if (!L || !figs) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if ((rc = find__(&d, o->x, &L->x, err, errlen)) ||
        (rc = find__(&d, o->lines, &L->lines, err, errlen)) ||
        (rc = find__(&d, o->panels, &L->panels, err, errlen)))
        goto out;
    if (L->x < 0)
        L->x = 0;
    xorder__(&d, L);
    snprintf(path, sizeof path, "%s/plots", o->dir);
    if ((rc = mkdir__(path)) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(-rc));
        goto out;
    }
    for (size_t m = 0; m < d.nmetrics; m++) {
        char fig[PATH_MAX], rel[600];
        snprintf(rel, sizeof rel, "plots/%s.%s", d.metrics[m].name, fmt);
        snprintf(fig, sizeof fig, "%s/%s", o->dir, rel);
        if ((rc = metric_figure__(o, &d, L, m, fig, err, errlen)) != 0)
            goto out;
        figs[nfigs++] = strdup(rel);
        if (o->out)
            fprintf(o->out, "%s\n", fig);
    }
    /* capacity.md, written beside and renamed when whole. */
    char md[PATH_MAX], part[PATH_MAX + 8];
    snprintf(md, sizeof md, "%s/capacity.md", o->dir);
    snprintf(part, sizeof part, "%s.part", md);
    FILE *f = fopen(part, "w");
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot write: %s", part, strerror(errno));
        goto out;
    }
    rc = capacity_report(f, &d, o->description, o->questions, o->nquestions,
                         (const char *const *)figs, nfigs, err, errlen);
    if (fclose(f) != 0 && !rc) {
        rc = -EIO;
        snprintf(err, errlen, "%s: write failed", part);
    }
    if (rc || rename(part, md) != 0) {
        if (!rc) {
            rc = -errno;
            snprintf(err, errlen, "%s: cannot rename: %s", part, strerror(errno));
        }
        unlink(part);
        goto out;
    }
    if (o->out)
        fprintf(o->out, "%s\n", md);
out:
    for (size_t i = 0; i < nfigs; i++)
        free(figs[i]);
    free(figs);
    free(L);
    study_data_free(&d);
    return rc;
}
