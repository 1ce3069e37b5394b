/* study_report: `setsim report STUDY_DIR`: one figure per metric of a
 * sweep (metric against a parameter, one line per value of another, one
 * panel per value of a third, error bars across seeds) and the capacity
 * report (capacity.md, capacity.c), from DIR/study.sqlite.
 *
 * Figures (DIR/plots/<metric>.<format>): each marker is the mean over the
 * points that share its x, line and panel values (the seeds, and any
 * parameter not on the figure); the error bar spans their minimum to
 * maximum.  A capacity question's threshold on the metric is drawn as a
 * dashed line.  A numeric x axis whose values span a factor of 8 or more
 * is logarithmic (base 2) with a tick at every value; text values are
 * evenly spaced.  A metric without any data is a figure that says so.
 */
#ifndef SETSIM_STUDY_REPORT_H
#define SETSIM_STUDY_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "capacity.h"

struct study_report_options {
    const char *dir;          /* the study directory (study.sqlite inside) */
    const char *format;       /* "png" or "svg"; NULL: "png" */
    const char *x, *lines, *panels; /* parameter names; NULL: none (x: the
                                     * first parameter) */
    const struct capacity_question *questions;
    size_t nquestions;
    const char *description;  /* the study's description, or NULL */
    FILE *out;                /* one line per file written; NULL: quiet */
};

/* Writes DIR/plots/ and DIR/capacity.md.  0, or a negative errno with err
 * (-EINVAL: not a study directory, or a layout naming an unknown
 * parameter). */
int study_report_run(const struct study_report_options *o, char *err, size_t errlen);

#endif
