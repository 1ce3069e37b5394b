/* study: a sweep's study file (YAML, docs/sweep.md) read into the points
 * a sweep runs.
 *
 * A study names a base scenario, parameters and how many seeds each
 * point runs, the metrics to collect (results/run_metrics.h) and the
 * capacity questions to answer (results/capacity.h).  A parameter is
 * either scalar - its values (a list, or a range) are written to one or
 * more `--set` paths - or a set of named variants, each of which may
 * choose another base file, give several `path=value` overrides and edit
 * text in the scenario (find/replace in a scalar such as a host's
 * PowerShell, e.g. the balancing mode of `Set-VMSwitchTeam`).
 *
 * Points are the cartesian product of the parameters' values in file
 * order (the first parameter varies slowest) times the seeds (fastest);
 * point ids count from 1 in that order.  A point's key is
 * "name=value name=value ..." in parameter order.
 *
 * Loading checks the whole study up front: the schema (unknown keys with
 * the closest valid one), every base file, and for every combination of
 * values that the overrides apply and the edits find their text and the
 * result still passes the scenario schema.  Every error is
 * "FILE:LINE:COL: message" in the study file (an error inside a base file
 * names the base file's position).
 *
 * Ownership: the study owns everything it returns; strings live until
 * study_free.
 */
#ifndef SETSIM_STUDY_H
#define SETSIM_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "capacity.h"
#include "run_metrics.h"
#include "ydoc.h"

struct study;

/* The study file's key tables (docs/sweep.md renders them). */
extern const struct ydoc_schema study_file_schema;

/* Longest point key, and most parameters / metrics / questions. */
#define STUDY_KEY_MAX 1024
#define STUDY_MAX_PARAMS 16
#define STUDY_MAX_METRICS 64
#define STUDY_MAX_QUESTIONS 32

/* Reading a study: with check_bases 0 the base files are not read (the
 * report rebuilds a study from the text stored in its database, where the
 * base files may have moved); study_point() then cannot apply edits. */
int study_load(const char *path, struct study **out, struct ydoc_err *err);
int study_load_string(const char *text, size_t len, const char *name, int check_bases,
                      struct study **out, struct ydoc_err *err);
void study_free(struct study *s); /* NULL-safe */

const char *study_name(const struct study *s);
const char *study_file(const struct study *s);
/* Hex SHA-256 over the study file's canonical form and every base file's:
 * the identity a study database is checked against on resume. */
const char *study_hash(const struct study *s);
/* The study file's text as read. */
const char *study_text(const struct study *s);
int study_keep_runs(const struct study *s);
/* study.description, or NULL. */
const char *study_description(const struct study *s);

size_t study_param_count(const struct study *s);
const char *study_param_name(const struct study *s, size_t i);
const char *study_param_label(const struct study *s, size_t i); /* axis label */
const char *study_param_unit(const struct study *s, size_t i);  /* "" when none */
size_t study_param_value_count(const struct study *s, size_t i);
const char *study_param_value(const struct study *s, size_t i, size_t v);
/* Index of a parameter by name, or -1. */
int study_param_find(const struct study *s, const char *name);

size_t study_seed_count(const struct study *s);
size_t study_point_count(const struct study *s); /* combinations x seeds */

/* One point, ready to run.  Filled by study_point, released by
 * study_point_clear. */
struct study_point {
    int64_t id;                             /* 1-based */
    uint64_t seed;
    char key[STUDY_KEY_MAX];
    const char *base;                       /* base scenario path (owned by the study) */
    const char *values[STUDY_MAX_PARAMS];   /* each parameter's value (study's) */
    char **sets;                            /* "path=value" overrides, owned */
    size_t nsets;
    char run_dir[64];                       /* "runs/p0001" */
};
/* Fills pt for point id (1..study_point_count); 0, -ERANGE, -ENOMEM, or
 * -EINVAL (an edit's text is missing: only when bases were not checked). */
int study_point(const struct study *s, int64_t id, struct study_point *pt);
void study_point_clear(struct study_point *pt);
/* The value of parameter i as a number, or NaN (values "32KiB" give 32). */
double study_value_num(const char *value);

size_t study_metric_count(const struct study *s);
const struct run_metric *study_metric(const struct study *s, size_t i);
const char *study_metric_label(const struct study *s, size_t i); /* axis label */
const char *study_metric_unit(const struct study *s, size_t i);

size_t study_question_count(const struct study *s);
const struct capacity_question *study_question(const struct study *s, size_t i);

/* The report section: which parameter is the x axis, which one draws one
 * line per value, which one splits the figure into panels (-1: none). */
int study_plot_x(const struct study *s);
int study_plot_lines(const struct study *s);
int study_plot_panels(const struct study *s);

#endif
