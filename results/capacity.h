/* capacity: the capacity questions of a study, answered from its
 * database ("largest VM count with p99 SMB FCT < 2 ms, per balancing
 * mode"), and the markdown capacity report.
 *
 * A question names a parameter to push (largest or smallest value), a
 * condition on one metric (below or above a threshold, in the metric's
 * unit), how the seeds of a point combine (every seed must meet the
 * condition, or their mean must) and the parameters to answer per (one
 * answer per combination of their values; the other parameters, when any
 * remain, must meet the condition at every value too, so an answer holds
 * for all of them).
 *
 * The answer for a group is the largest (smallest) value v of the
 * parameter such that the condition holds at v; a point without data
 * (metric NULL, failed run) does not meet it.  When the condition fails at
 * some value below v (non-monotonic), the report says so.
 */
#ifndef SETSIM_CAPACITY_H
#define SETSIM_CAPACITY_H

#include <stddef.h>
#include <stdio.h>

enum capacity_seeds {
    CAPACITY_EVERY_SEED = 0, /* the condition holds for every seed */
    CAPACITY_MEAN,           /* the mean over seeds meets it */
};

struct capacity_question {
    const char *text;       /* the question as the user wrote it */
    const char *param;      /* the parameter to push */
    int largest;            /* 1: largest value, 0: smallest */
    const char *metric;     /* a metric name of the study */
    int below;              /* 1: metric < threshold, 0: metric > threshold */
    double threshold;       /* in the metric's display unit */
    const char *threshold_text; /* as written ("2ms") */
    enum capacity_seeds seeds;
    const char *const *per; /* parameter names */
    size_t nper;
};

extern const char *const capacity_seeds_names[]; /* "every", "mean", NULL */

struct study_data;

/* One answer of a question: for the group (per-parameter values joined as
 * "mode=Dynamic"), the value found or none. */
struct capacity_answer {
    char group[512];
    size_t group_vi[16];    /* value index of each `per` parameter */
    int found;
    char value[128];        /* the parameter's value */
    double metric_at;       /* the metric there (worst seed or worst mean) */
    int non_monotonic;      /* the condition fails on the near side of it */
    char first_fail[128];   /* the first value (in push order) failing, "" */
};

/* Answers q: one answer per combination of the `per` parameters' values,
 * in study order, up to max into out, *n the count.  0 or -EINVAL with
 * err (a parameter or metric the database does not have). */
int capacity_answer(const struct study_data *d, const struct capacity_question *q,
                    struct capacity_answer *out, size_t max, size_t *n, char *err,
                    size_t errlen);

/* Writes the markdown capacity report: the study (description may be
 * NULL), its points and failures, each question with its table of
 * answers, the metrics' means per combination, and the figures (paths
 * relative to the report, may be none).  0, or a negative errno with
 * err. */
int capacity_report(FILE *out, const struct study_data *d, const char *description,
                    const struct capacity_question *qs, size_t nq, const char *const *figures,
                    size_t nfigures, char *err, size_t errlen);

#endif
