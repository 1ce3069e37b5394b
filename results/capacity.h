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

struct study_db;

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

/* One answer of a question: for the group (per-parameter values joined as
 * "mode=Dynamic"), the value found or none. */
struct capacity_answer {
    char group[512];
    int found;
    char value[128];        /* the parameter's value */
    double metric_at;       /* the metric there (worst seed or mean) */
    int non_monotonic;      /* the condition fails at some smaller value */
    char first_fail[128];   /* the first value (in push order) failing, "" */
};

/* Answers q from the database: up to max answers into out, *n the count.
 * 0 or a negative errno with err (unknown parameter or metric). */
int capacity_answer(struct study_db *db, const struct capacity_question *q,
                    struct capacity_answer *out, size_t max, size_t *n, char *err, size_t errlen);

/* Writes the markdown capacity report: the study, its points and
 * failures, each question with a table of answers.  0 or -EIO. */
int capacity_report(FILE *out, struct study_db *db, const struct capacity_question *qs,
                    size_t nq, char *err, size_t errlen);

#endif
