/* study: study files (docs/sweep.md) read, checked and expanded into
 * points.  See study.h.
 *
 * How a point's scenario is made from the study, in this order:
 *   1. the base file: the study's `base`, or the `base` of the variant a
 *      point takes (at most one parameter may choose bases);
 *   2. for each parameter in file order: a scalar parameter's value is
 *      written to each of its `set` paths; a variant's `set` overrides are
 *      applied, then its edits: the scalar at `path` (a `*` segment
 *      matches every key or item) gets every `find` replaced by `replace`,
 *      and the new text becomes an override of that path.  Edits of the
 *      same scalar by several parameters accumulate.
 * The sweep passes the result as the overrides of a normal run (`setsim
 * run BASE --set ...`), so a point is exactly a run a user could repeat.
 */
#include "study.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "schema.h"
#include "sha256.h"

/* Most values of one parameter (a range is expanded). */
#define STUDY_MAX_VALUES 4096
/* Most base files (the study's and its variants'). */
#define STUDY_MAX_BASES 16
/* Most points of a study. */
#define STUDY_MAX_POINTS 1000000

/* ---- schema --------------------------------------------------------------- */

static const char *const metric_builtin_values[] = {
    "goodput", "fct", "fct_p50", "fct_p99", "drops", "pause_time", "max_queue", NULL};
enum { MB_GOODPUT, MB_FCT, MB_FCT_P50, MB_FCT_P99, MB_DROPS, MB_PAUSE, MB_MAX_QUEUE };

static const struct ydoc_key head_keys[] = {
    {.name = "name", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Name of the study (reports and the database)."},
    {.name = "base", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "The base scenario file, relative to the study file."},
    {.name = "seeds", .type = YDOC_T_INT, .min = 1, .max = 10000, .def = "1",
     .doc = "Runs per combination of parameter values, with seeds first_seed, first_seed+1, ..."},
    {.name = "first_seed", .type = YDOC_T_UINT, .def = "1", .doc = "The first seed."},
    {.name = "description", .type = YDOC_T_STR, .def = "none",
     .doc = "What the study asks (shown in the capacity report)."},
    {.name = "keep_runs", .type = YDOC_T_BOOL, .def = "true",
     .doc = "Keep each point's run directory (run.sqlite, capture) under DIR/runs/; false "
            "deletes it once the point's metrics are recorded."},
    {0},
};
static const struct ydoc_schema head_schema = {
    .name = "study", .title = "Study", .keys = head_keys,
    .doc = "What is swept and from which scenario."};

static const struct ydoc_key range_keys[] = {
    {.name = "from", .type = YDOC_T_DOUBLE, .flags = YDOC_K_REQUIRED, .doc = "First value."},
    {.name = "to", .type = YDOC_T_DOUBLE, .flags = YDOC_K_REQUIRED,
     .doc = "Last value (included when the steps reach it)."},
    {.name = "step", .type = YDOC_T_DOUBLE, .flags = YDOC_K_CHOICE,
     .doc = "Added to each value: from, from+step, ... (positive)."},
    {.name = "factor", .type = YDOC_T_DOUBLE, .flags = YDOC_K_CHOICE,
     .doc = "Multiplies each value: from, from*factor, ... (above 1)."},
    {.name = "unit", .type = YDOC_T_STR, .def = "none",
     .doc = "Appended to each value (`KiB` makes 32KiB, 64KiB ...)."},
    {0},
};
static const struct ydoc_schema range_schema = {
    .name = "range", .title = "Range of values", .keys = range_keys,
    .doc = "Numbers from `from` to `to` by `step` or `factor`."};

static const struct ydoc_key edit_keys[] = {
    {.name = "path", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "A scalar of the scenario in --set syntax; a `*` segment matches every key or item "
            "(`hosts.*.powershell`)."},
    {.name = "find", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Text that must occur in the scalar."},
    {.name = "replace", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "What every occurrence becomes."},
    {0},
};
static const struct ydoc_schema edit_schema = {
    .name = "edit", .title = "Text edit", .keys = edit_keys,
    .doc = "Replaces text inside a scalar of the scenario (a PowerShell line, a name)."};

static const struct ydoc_key variant_keys[] = {
    {.name = "base", .type = YDOC_T_STR, .def = "the study's",
     .doc = "Another base scenario file for this variant, relative to the study file."},
    {.name = "set", .type = YDOC_T_LIST, .item = YDOC_T_STR, .def = "none",
     .doc = "Overrides `path=value`, as `setsim run --set` takes them."},
    {.name = "edit", .type = YDOC_T_SEQ_OF, .sub = &edit_schema, .def = "none",
     .doc = "Text edits."},
    {0},
};
static const struct ydoc_schema variant_schema = {
    .name = "variant", .title = "Variant", .keys = variant_keys,
    .doc = "One named value of a variant parameter: what it changes in the scenario."};

static const struct ydoc_key param_keys[] = {
    {.name = "set", .type = YDOC_T_LIST, .item = YDOC_T_STR, .min_items = 1,
     .doc = "Scalar parameter: the --set paths its value is written to (all of them)."},
    {.name = "values", .type = YDOC_T_LIST, .item = YDOC_T_STR, .min_items = 1,
     .flags = YDOC_K_CHOICE, .doc = "Scalar parameter: its values, as --set takes them."},
    {.name = "range", .type = YDOC_T_MAP, .sub = &range_schema, .flags = YDOC_K_CHOICE,
     .doc = "Scalar parameter: its values as a range."},
    {.name = "variants", .type = YDOC_T_MAP_OF, .sub = &variant_schema, .flags = YDOC_K_CHOICE,
     .doc = "Variant parameter: named values, each changing the scenario its own way."},
    {.name = "label", .type = YDOC_T_STR, .def = "the name", .doc = "Axis label in plots."},
    {.name = "unit", .type = YDOC_T_STR, .def = "none", .doc = "Unit shown with the label."},
    {0},
};
static const struct ydoc_schema param_schema = {
    .name = "param", .title = "Parameter", .keys = param_keys,
    .doc = "One swept parameter: `set` with `values` or `range`, or `variants`."};

static const struct ydoc_key metric_keys[] = {
    {.name = "builtin", .type = YDOC_T_ENUM, .values = metric_builtin_values,
     .flags = YDOC_K_CHOICE, .doc = "A built-in metric (docs/sweep.md defines each)."},
    {.name = "sql", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "A query over the run's run.sqlite; the first column of the first row."},
    {.name = "class", .type = YDOC_T_STR, .def = "all",
     .doc = "goodput, fct: only flows of this class (flows.class)."},
    {.name = "reason", .type = YDOC_T_STR, .def = "all", .doc = "drops: only this reason."},
    {.name = "prio", .type = YDOC_T_INT, .min = 0, .max = 7, .def = "all",
     .doc = "drops, pause_time, max_queue: only this priority."},
    {.name = "percentile", .type = YDOC_T_DOUBLE, .min = 0.001, .max = 100,
     .def = "50 (fct)", .doc = "fct: the percentile (nearest rank)."},
    {.name = "unit", .type = YDOC_T_STR, .def = "per metric",
     .doc = "Display unit: time ps/ns/us/ms/s, rate bps..Tbps, size B/KB/MB/KiB/MiB; a label "
            "for sql and drops."},
    {.name = "label", .type = YDOC_T_STR, .def = "the name", .doc = "Axis label in plots."},
    {0},
};
static const struct ydoc_schema metric_schema = {
    .name = "metric", .title = "Metric", .keys = metric_keys,
    .doc = "A number collected from every point's run."};

static const char *const seeds_values[] = {"every", "mean", NULL};

static const struct ydoc_key where_keys[] = {
    {.name = "metric", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "A metric of the study."},
    {.name = "below", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "The metric must be below this (a time, rate or size with its unit, or a number)."},
    {.name = "above", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "The metric must be above this."},
    {.name = "seeds", .type = YDOC_T_ENUM, .values = seeds_values, .def = "every",
     .doc = "every: each seed of a point meets it; mean: their mean does."},
    {0},
};
static const struct ydoc_schema where_schema = {
    .name = "where", .title = "Condition", .keys = where_keys,
    .doc = "The condition a point must meet."};

static const struct ydoc_key question_keys[] = {
    {.name = "text", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "The question, as the report shows it."},
    {.name = "largest", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "The parameter whose largest value meeting the condition is the answer."},
    {.name = "smallest", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "The parameter whose smallest value meeting the condition is the answer."},
    {.name = "where", .type = YDOC_T_MAP, .sub = &where_schema, .flags = YDOC_K_REQUIRED,
     .doc = "The condition."},
    {.name = "per", .type = YDOC_T_LIST, .item = YDOC_T_STR, .def = "none",
     .doc = "One answer per combination of these parameters' values."},
    {0},
};
static const struct ydoc_schema question_schema = {
    .name = "question", .title = "Capacity question", .keys = question_keys,
    .doc = "A question the capacity report answers."};

static const struct ydoc_key report_keys[] = {
    {.name = "x", .type = YDOC_T_STR, .def = "first numeric parameter",
     .doc = "The parameter on the x axis of the metric plots."},
    {.name = "lines", .type = YDOC_T_STR, .def = "a parameter named mode, or the next one",
     .doc = "The parameter drawn as one line per value."},
    {.name = "panels", .type = YDOC_T_STR, .def = "the remaining one, if any",
     .doc = "The parameter that splits each plot into one panel per value."},
    {0},
};
static const struct ydoc_schema report_schema = {
    .name = "report", .title = "Report", .keys = report_keys,
    .doc = "How `setsim report DIR` draws the metrics."};

static const struct ydoc_key study_keys[] = {
    {.name = "study", .type = YDOC_T_MAP, .sub = &head_schema, .flags = YDOC_K_REQUIRED,
     .doc = "Name, base scenario, seeds."},
    {.name = "parameters", .type = YDOC_T_MAP_OF, .sub = &param_schema,
     .flags = YDOC_K_REQUIRED, .doc = "The swept parameters by name, slowest-varying first."},
    {.name = "metrics", .type = YDOC_T_MAP_OF, .sub = &metric_schema, .flags = YDOC_K_REQUIRED,
     .doc = "The metrics by name."},
    {.name = "questions", .type = YDOC_T_SEQ_OF, .sub = &question_schema, .def = "none",
     .doc = "Capacity questions."},
    {.name = "report", .type = YDOC_T_MAP, .sub = &report_schema, .def = "automatic",
     .doc = "Plot layout."},
    {0},
};

const struct ydoc_schema study_file_schema = {
    .name = "study_file", .title = "Top level", .keys = study_keys,
    .doc = "The sections of a study file."};

/* ---- the study ------------------------------------------------------------ */

struct edit__ {
    const char *path, *find, *replace;
    const struct ydoc_node *node;
};

struct variant__ {
    const char *name;
    int base;                  /* index into bases, -1: the study's */
    const char **sets;         /* malloc'd array, strings in the doc */
    size_t nsets;
    struct edit__ *edits;
    size_t nedits;
};

struct param__ {
    const char *name, *label, *unit;
    const struct ydoc_node *node;
    const char **sets;         /* scalar: paths */
    size_t nsets;
    char **values;             /* owned copies */
    size_t nvalues;
    struct variant__ *variants; /* variant parameter: one per value */
};

struct base__ {
    char *path;                /* resolved path, owned */
    struct ydoc *doc;          /* loaded when bases are checked */
};

struct study {
    struct ydoc *doc;
    char *text;
    char *file;
    char *dir;                 /* the study file's directory, "" for cwd */
    const char *name;
    const char *description;
    char hash[SHA256_HEX_LEN + 1];
    int keep_runs;
    int checked;               /* bases loaded */
    uint64_t first_seed;
    size_t nseeds;
    struct base__ bases[STUDY_MAX_BASES];
    size_t nbases;             /* bases[0] is the study's */
    struct param__ params[STUDY_MAX_PARAMS];
    size_t nparams;
    size_t ncombos;
    struct run_metric metrics[STUDY_MAX_METRICS];
    const char *metric_labels[STUDY_MAX_METRICS];
    char metric_units[STUDY_MAX_METRICS][16];
    size_t nmetrics;
    struct capacity_question questions[STUDY_MAX_QUESTIONS];
    const char **question_per[STUDY_MAX_QUESTIONS];
    size_t nquestions;
    int plot_x, plot_lines, plot_panels;
};

/* The base index of path (resolved against the study's directory),
 * adding it when new; -1 when full or out of memory. */
static int base_index__(struct study *s, const char *rel)
{
    char buf[PATH_MAX];
    if (rel[0] == '/' || !s->dir[0])
        snprintf(buf, sizeof buf, "%s", rel);
    else
        snprintf(buf, sizeof buf, "%s/%s", s->dir, rel);
    for (size_t i = 0; i < s->nbases; i++)
        if (strcmp(s->bases[i].path, buf) == 0)
            return (int)i;
    if (s->nbases == STUDY_MAX_BASES)
        return -1;
    s->bases[s->nbases].path = strdup(buf);
    return s->bases[s->nbases].path ? (int)s->nbases++ : -1;
}

/* Text of a number as a parameter value: integers without decimals. */
static void num_text__(double v, const char *unit, char *buf, size_t len)
{
    if (fabs(v - nearbyint(v)) < 1e-9 * fmax(1, fabs(v)))
        snprintf(buf, len, "%.0f%s", v, unit ? unit : "");
    else
        snprintf(buf, len, "%.10g%s", v, unit ? unit : "");
}

static int range__(struct param__ *p, const struct ydoc_node *rn, struct ydoc_err *err)
{
    double from = 0, to = 0, step = 0, factor = 0;
    const char *unit = NULL;
    int rc;
    if ((rc = ydoc_get_double(rn, "from", YDOC_REQUIRED, -1e300, 1e300, &from, err)) ||
        (rc = ydoc_get_double(rn, "to", YDOC_REQUIRED, -1e300, 1e300, &to, err)) ||
        (rc = ydoc_get_double(rn, "step", 0, -1e300, 1e300, &step, err)) ||
        (rc = ydoc_get_double(rn, "factor", 0, -1e300, 1e300, &factor, err)) ||
        (rc = ydoc_get_str(rn, "unit", 0, &unit, err)))
        return rc;
    const struct ydoc_node *sn = ydoc_map_get(rn, "step", NULL);
    const struct ydoc_node *fn = ydoc_map_get(rn, "factor", NULL);
    if (sn && step <= 0)
        return ydoc_error(err, sn, "'step: %s': must be above 0", ydoc_text(sn));
    if (fn && factor <= 1)
        return ydoc_error(err, fn, "'factor: %s': must be above 1", ydoc_text(fn));
    if (fn && from <= 0)
        return ydoc_error(err, ydoc_map_get(rn, "from", NULL),
                          "'from: %g': a range with a factor starts above 0", from);
    if (to < from)
        return ydoc_error(err, ydoc_map_get(rn, "to", NULL), "'to: %g' is below 'from: %g'", to,
                          from);
    p->values = calloc(STUDY_MAX_VALUES, sizeof *p->values);
    if (!p->values)
        return ydoc_error(err, rn, "out of memory");
    double eps = 1e-9 * fmax(1, fabs(to));
    for (size_t i = 0;; i++) {
        double v = sn ? from + (double)i * step : from * pow(factor, (double)i);
        if (v > to + eps)
            break;
        if (p->nvalues == STUDY_MAX_VALUES)
            return ydoc_error(err, rn, "the range has more than %d values", STUDY_MAX_VALUES);
        char buf[64];
        num_text__(v, unit, buf, sizeof buf);
        if (!(p->values[p->nvalues++] = strdup(buf)))
            return ydoc_error(err, rn, "out of memory");
    }
    return 0;
}

static int edits__(struct variant__ *v, const struct ydoc_node *en, struct ydoc_err *err)
{
    size_t n = ydoc_count(en);
    v->edits = calloc(n ? n : 1, sizeof *v->edits);
    if (!v->edits)
        return ydoc_error(err, en, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct ydoc_node *e = ydoc_item(en, i);
        struct edit__ *d = &v->edits[v->nedits++];
        d->node = e;
        int rc;
        if ((rc = ydoc_get_str(e, "path", YDOC_REQUIRED, &d->path, err)) ||
            (rc = ydoc_get_str(e, "find", YDOC_REQUIRED, &d->find, err)) ||
            (rc = ydoc_get_str(e, "replace", YDOC_REQUIRED, &d->replace, err)))
            return rc;
        if (!d->find[0])
            return ydoc_error(err, ydoc_map_get(e, "find", NULL), "'find' is empty");
    }
    return 0;
}

static int param__(struct study *s, struct param__ *p, const char *name,
                   const struct ydoc_node *pn, struct ydoc_err *err)
{
    int rc;
    p->name = name;
    p->node = pn;
    p->label = name;
    p->unit = "";
    if ((rc = ydoc_get_str(pn, "label", 0, &p->label, err)) ||
        (rc = ydoc_get_str(pn, "unit", 0, &p->unit, err)))
        return rc;
    const struct ydoc_node *setn = ydoc_map_get(pn, "set", NULL);
    const struct ydoc_node *vn = ydoc_map_get(pn, "values", NULL);
    const struct ydoc_node *rn = ydoc_map_get(pn, "range", NULL);
    const struct ydoc_node *varn = ydoc_map_get(pn, "variants", NULL);
    if (varn) {
        if (setn)
            return ydoc_error(err, setn, "parameter '%s': 'set' belongs to a scalar parameter; "
                                         "give each variant its own 'set' list", name);
        size_t n = ydoc_count(varn);
        if (n == 0)
            return ydoc_error(err, varn, "parameter '%s' has no variants", name);
        p->values = calloc(n, sizeof *p->values);
        p->variants = calloc(n, sizeof *p->variants);
        if (!p->values || !p->variants)
            return ydoc_error(err, varn, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const struct ydoc_node *v = ydoc_value(varn, i);
            struct variant__ *d = &p->variants[i];
            d->name = ydoc_key(varn, i);
            d->base = -1;
            if (!(p->values[p->nvalues++] = strdup(d->name)))
                return ydoc_error(err, v, "out of memory");
            if (ydoc_kind(v) != YDOC_MAP)
                continue; /* {} or null: the base scenario as it is */
            const char *base = NULL;
            if ((rc = ydoc_get_str(v, "base", 0, &base, err)) ||
                (rc = ydoc_get_str_list(v, "set", 0, &d->sets, &d->nsets, err)))
                return rc;
            for (size_t k = 0; k < d->nsets; k++)
                if (!strchr(d->sets[k], '='))
                    return ydoc_error(err, ydoc_item(ydoc_map_get(v, "set", NULL), k),
                                      "'%s': an override is path=value", d->sets[k]);
            if (base && (d->base = base_index__(s, base)) < 0)
                return ydoc_error(err, ydoc_map_get(v, "base", NULL),
                                  "too many base files (at most %d)", STUDY_MAX_BASES);
            const struct ydoc_node *en = ydoc_map_get(v, "edit", NULL);
            if (en && (rc = edits__(d, en, err)))
                return rc;
        }
        return 0;
    }
    if (!setn)
        return ydoc_error(err, pn, "parameter '%s' needs 'set' (the --set paths its values go "
                                   "to) or 'variants'", name);
    if ((rc = ydoc_get_str_list(pn, "set", 0, &p->sets, &p->nsets, err)))
        return rc;
    if (rn)
        return range__(p, rn, err);
    const char **vals = NULL;
    size_t nv = 0;
    if ((rc = ydoc_get_str_list(pn, "values", 0, &vals, &nv, err)))
        return rc;
    p->values = calloc(nv ? nv : 1, sizeof *p->values);
    if (!p->values) {
        free(vals);
        return ydoc_error(err, vn, "out of memory");
    }
    for (size_t i = 0; i < nv; i++) {
        for (size_t k = 0; k < i; k++)
            if (strcmp(vals[k], vals[i]) == 0) {
                free(vals);
                return ydoc_error(err, ydoc_item(vn, i), "value '%s' of parameter '%s' is "
                                                         "listed twice", ydoc_text(ydoc_item(vn, i)),
                                  name);
            }
        p->values[p->nvalues++] = strdup(vals[i]);
    }
    free(vals);
    return 0;
}

static int metric__(struct study *s, size_t i, const char *name, const struct ydoc_node *mn,
                    struct ydoc_err *err)
{
    struct run_metric *m = &s->metrics[i];
    memset(m, 0, sizeof *m);
    m->name = name;
    m->prio = -1;
    m->percentile = 50;
    s->metric_labels[i] = name;
    int builtin = -1, rc;
    int64_t prio = -1;
    const char *unit = NULL;
    if ((rc = ydoc_get_enum(mn, "builtin", 0, metric_builtin_values, &builtin, err)) ||
        (rc = ydoc_get_str(mn, "sql", 0, &m->sql, err)) ||
        (rc = ydoc_get_str(mn, "class", 0, &m->cls, err)) ||
        (rc = ydoc_get_str(mn, "reason", 0, &m->reason, err)) ||
        (rc = ydoc_get_int(mn, "prio", 0, 0, 7, &prio, err)) ||
        (rc = ydoc_get_double(mn, "percentile", 0, 0.001, 100, &m->percentile, err)) ||
        (rc = ydoc_get_str(mn, "unit", 0, &unit, err)) ||
        (rc = ydoc_get_str(mn, "label", 0, &s->metric_labels[i], err)))
        return rc;
    m->prio = (int)prio;
    static const enum run_metric_kind kind_of[] = {
        [MB_GOODPUT] = RUN_METRIC_GOODPUT, [MB_FCT] = RUN_METRIC_FCT,
        [MB_FCT_P50] = RUN_METRIC_FCT,     [MB_FCT_P99] = RUN_METRIC_FCT,
        [MB_DROPS] = RUN_METRIC_DROPS,     [MB_PAUSE] = RUN_METRIC_PAUSE_TIME,
        [MB_MAX_QUEUE] = RUN_METRIC_MAX_QUEUE};
    m->kind = builtin >= 0 ? kind_of[builtin] : RUN_METRIC_SQL;
    if (builtin == MB_FCT_P50 || builtin == MB_FCT_P99) {
        if (ydoc_map_get(mn, "percentile", NULL))
            return ydoc_error(err, ydoc_map_get(mn, "percentile", NULL),
                              "'%s' has its percentile in its name; use builtin: fct with "
                              "percentile", metric_builtin_values[builtin]);
        m->percentile = builtin == MB_FCT_P50 ? 50 : 99;
    }
    static const struct {
        const char *key;
        unsigned kinds; /* bit per run_metric_kind that takes the key */
    } applies[] = {
        {"class", 1u << RUN_METRIC_GOODPUT | 1u << RUN_METRIC_FCT},
        {"reason", 1u << RUN_METRIC_DROPS},
        {"prio", 1u << RUN_METRIC_DROPS | 1u << RUN_METRIC_PAUSE_TIME |
                     1u << RUN_METRIC_MAX_QUEUE},
        {"percentile", 1u << RUN_METRIC_FCT},
    };
    for (size_t k = 0; k < sizeof applies / sizeof applies[0]; k++) {
        const struct ydoc_node *kn = ydoc_map_get(mn, applies[k].key, NULL);
        if (kn && !(applies[k].kinds & (1u << m->kind)))
            return ydoc_error(err, kn, "metric '%s': '%s' does not apply to %s metrics", name,
                              applies[k].key,
                              builtin >= 0 ? metric_builtin_values[builtin] : "sql");
    }
    enum run_metric_quantity q = run_metric_quantity(m->kind);
    if (!unit)
        unit = run_metric_default_unit(m->kind);
    double scale;
    if (run_metric_unit_scale(q, unit, &scale) != 0)
        return ydoc_error(err, ydoc_map_get(mn, "unit", NULL),
                          "metric '%s': unit '%s' is not one of %s", name, unit,
                          run_metric_units(q));
    snprintf(s->metric_units[i], sizeof s->metric_units[i], "%s", unit);
    m->unit = s->metric_units[i];
    return 0;
}

static int metric_index__(const struct study *s, const char *name)
{
    for (size_t i = 0; i < s->nmetrics; i++)
        if (strcmp(s->metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

int study_param_find(const struct study *s, const char *name)
{
    for (size_t i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* "unknown parameter 'x' (did you mean 'y'?)" at n. */
static int unknown_param__(const struct study *s, const struct ydoc_node *n, const char *what,
                           struct ydoc_err *err)
{
    const char *names[STUDY_MAX_PARAMS];
    for (size_t i = 0; i < s->nparams; i++)
        names[i] = s->params[i].name;
    const char *near = ydoc_suggest(ydoc_text(n), names, s->nparams);
    if (near)
        return ydoc_error(err, n, "unknown %s '%s' (did you mean '%s'?)", what, ydoc_text(n),
                          near);
    return ydoc_error(err, n, "unknown %s '%s'", what, ydoc_text(n));
}

/* A threshold written for the metric's quantity, in its display unit. */
static int threshold__(const struct study *s, int mi, const struct ydoc_node *n, double *out,
                       struct ydoc_err *err)
{
    const struct run_metric *m = &s->metrics[mi];
    enum run_metric_quantity q = run_metric_quantity(m->kind);
    double scale = 1;
    run_metric_unit_scale(q, m->unit, &scale);
    uint64_t u;
    sim_time_t t;
    int rc;
    switch (q) {
    case RUN_QTY_TIME:
        if ((rc = ydoc_as_time(n, &t, err)) == 0)
            *out = (double)t / scale;
        return rc;
    case RUN_QTY_RATE:
        if ((rc = ydoc_as_rate(n, &u, err)) == 0)
            *out = (double)u / scale;
        return rc;
    case RUN_QTY_SIZE:
        if ((rc = ydoc_as_size(n, &u, err)) == 0)
            *out = (double)u / scale;
        return rc;
    default:
        return ydoc_as_double(n, -1e300, 1e300, out, err);
    }
}

static int question__(struct study *s, size_t i, const struct ydoc_node *qn,
                      struct ydoc_err *err)
{
    struct capacity_question *q = &s->questions[i];
    memset(q, 0, sizeof *q);
    int rc;
    const char *largest = NULL, *smallest = NULL, *metric = NULL;
    if ((rc = ydoc_get_str(qn, "text", YDOC_REQUIRED, &q->text, err)) ||
        (rc = ydoc_get_str(qn, "largest", 0, &largest, err)) ||
        (rc = ydoc_get_str(qn, "smallest", 0, &smallest, err)))
        return rc;
    q->largest = largest != NULL;
    q->param = largest ? largest : smallest;
    const struct ydoc_node *pn = ydoc_map_get(qn, largest ? "largest" : "smallest", NULL);
    if (study_param_find(s, q->param) < 0)
        return unknown_param__(s, pn, "parameter", err);
    const struct ydoc_node *wn = ydoc_map_get(qn, "where", NULL);
    int seeds = 0;
    if ((rc = ydoc_get_str(wn, "metric", YDOC_REQUIRED, &metric, err)) ||
        (rc = ydoc_get_enum(wn, "seeds", 0, seeds_values, &seeds, err)))
        return rc;
    q->metric = metric;
    q->seeds = (enum capacity_seeds)seeds;
    int mi = metric_index__(s, metric);
    if (mi < 0) {
        const char *names[STUDY_MAX_METRICS];
        for (size_t k = 0; k < s->nmetrics; k++)
            names[k] = s->metrics[k].name;
        const struct ydoc_node *mn = ydoc_map_get(wn, "metric", NULL);
        const char *near = ydoc_suggest(metric, names, s->nmetrics);
        if (near)
            return ydoc_error(err, mn, "unknown metric '%s' (did you mean '%s'?)", metric, near);
        return ydoc_error(err, mn, "unknown metric '%s'", metric);
    }
    const struct ydoc_node *tn = ydoc_map_get(wn, "below", NULL);
    q->below = tn != NULL;
    if (!tn)
        tn = ydoc_map_get(wn, "above", NULL);
    q->threshold_text = ydoc_text(tn);
    if ((rc = threshold__(s, mi, tn, &q->threshold, err)))
        return rc;
    const char **per = NULL;
    size_t nper = 0;
    if ((rc = ydoc_get_str_list(qn, "per", 0, &per, &nper, err)))
        return rc;
    s->question_per[i] = per;
    q->per = per;
    q->nper = nper;
    const struct ydoc_node *perl = ydoc_map_get(qn, "per", NULL);
    for (size_t k = 0; k < nper; k++) {
        if (study_param_find(s, per[k]) < 0)
            return unknown_param__(s, ydoc_item(perl, k), "parameter", err);
        if (strcmp(per[k], q->param) == 0)
            return ydoc_error(err, ydoc_item(perl, k), "'%s' is the parameter the question "
                                                       "pushes; it cannot also be in 'per'",
                              per[k]);
    }
    return 0;
}

/* A parameter that is the balancing mode, by its name. */
static int mode_like__(const char *name)
{
    return strstr(name, "mode") || strstr(name, "balanc") || strstr(name, "algorithm");
}

/* The report layout: explicit, or x = first parameter whose values are all
 * numbers, lines = "mode" or "balancing" or the next parameter, panels =
 * the one left. */
static int report__(struct study *s, const struct ydoc_node *root, struct ydoc_err *err)
{
    const struct ydoc_node *rn = ydoc_map_get(root, "report", NULL);
    int *slots[3] = {&s->plot_x, &s->plot_lines, &s->plot_panels};
    static const char *const keys[3] = {"x", "lines", "panels"};
    int used[STUDY_MAX_PARAMS] = {0};
    for (int k = 0; k < 3; k++) {
        *slots[k] = -1;
        const struct ydoc_node *n = rn ? ydoc_map_get(rn, keys[k], NULL) : NULL;
        if (!n)
            continue;
        int pi = study_param_find(s, ydoc_text(n));
        if (pi < 0)
            return unknown_param__(s, n, "parameter", err);
        if (used[pi])
            return ydoc_error(err, n, "parameter '%s' is already used in the report layout",
                              ydoc_text(n));
        used[pi] = 1;
        *slots[k] = pi;
    }
    if (s->plot_x < 0) {
        for (size_t i = 0; i < s->nparams && s->plot_x < 0; i++) {
            int numeric = !used[i];
            for (size_t v = 0; numeric && v < s->params[i].nvalues; v++)
                numeric = !isnan(study_value_num(s->params[i].values[v]));
            if (numeric)
                s->plot_x = (int)i;
        }
        /* No numeric parameter: the first that is not the mode (which
         * draws the lines), else the first. */
        for (size_t i = 0; i < s->nparams && s->plot_x < 0; i++)
            if (!used[i] && !mode_like__(s->params[i].name))
                s->plot_x = (int)i;
        for (size_t i = 0; i < s->nparams && s->plot_x < 0; i++)
            if (!used[i])
                s->plot_x = (int)i;
        if (s->plot_x >= 0)
            used[s->plot_x] = 1;
    }
    if (s->plot_lines < 0) {
        for (size_t i = 0; i < s->nparams && s->plot_lines < 0; i++)
            if (!used[i] && mode_like__(s->params[i].name))
                s->plot_lines = (int)i;
        for (size_t i = 0; i < s->nparams && s->plot_lines < 0; i++)
            if (!used[i])
                s->plot_lines = (int)i;
        if (s->plot_lines >= 0)
            used[s->plot_lines] = 1;
    }
    if (s->plot_panels < 0)
        for (size_t i = 0; i < s->nparams && s->plot_panels < 0; i++)
            if (!used[i])
                s->plot_panels = (int)i;
    return 0;
}

/* ---- overrides of a combination ------------------------------------------- */

/* One override being assembled; text edits of one path accumulate. */
struct ovr__ {
    char *path;   /* owned; NULL: a plain "path=value" in arg */
    char *text;   /* owned: the scalar's text so far (edits) */
    char *arg;    /* owned: "path=value" */
    int param;    /* the parameter that made it */
};

struct ovrs__ {
    struct ovr__ *v;
    size_t n, cap;
};

static void ovrs_free__(struct ovrs__ *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].path);
        free(o->v[i].text);
        free(o->v[i].arg);
    }
    free(o->v);
    memset(o, 0, sizeof *o);
}

static struct ovr__ *ovr_add__(struct ovrs__ *o)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 16;
        struct ovr__ *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return NULL;
        o->v = v;
        o->cap = cap;
    }
    struct ovr__ *r = &o->v[o->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* Replaces every occurrence of find in text (malloc'd result). */
static char *replace_all__(const char *text, const char *find, const char *repl, size_t *count)
{
    size_t fl = strlen(find), rl = strlen(repl), n = 0;
    for (const char *p = text; (p = strstr(p, find)); p += fl)
        n++;
    *count = n;
    size_t len = strlen(text) + n * rl + 1;
    char *out = malloc(len > n * fl ? len - n * fl : 1);
    if (!out)
        return NULL;
    char *o = out;
    const char *p = text, *q;
    while ((q = strstr(p, find))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, repl, rl);
        o += rl;
        p = q + fl;
    }
    strcpy(o, p);
    return out;
}

/* Splits path into segments (a "..." segment may hold dots). */
static size_t segments__(const char *path, char segs[][256], size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p && n < max) {
        size_t k = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"' && k < 255)
                segs[n][k++] = *p++;
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != '.' && k < 255)
                segs[n][k++] = *p++;
        }
        segs[n++][k] = '\0';
        if (*p == '.')
            p++;
    }
    return n;
}

/* Every scalar of doc matching the path's segments (with '*'). */
static void match__(const struct ydoc_node *n, char segs[][256], size_t nseg, size_t i,
                    const struct ydoc_node **out, size_t *nout, size_t max)
{
    if (!n)
        return;
    if (i == nseg) {
        if (ydoc_kind(n) == YDOC_SCALAR && *nout < max)
            out[(*nout)++] = n;
        return;
    }
    int star = strcmp(segs[i], "*") == 0;
    if (ydoc_kind(n) == YDOC_MAP) {
        for (size_t k = 0; k < ydoc_count(n); k++)
            if (star || strcmp(ydoc_key(n, k), segs[i]) == 0)
                match__(ydoc_value(n, k), segs, nseg, i + 1, out, nout, max);
    } else if (ydoc_kind(n) == YDOC_SEQ) {
        for (size_t k = 0; k < ydoc_count(n); k++) {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", k);
            if (star || strcmp(idx, segs[i]) == 0)
                match__(ydoc_item(n, k), segs, nseg, i + 1, out, nout, max);
        }
    }
}

static int edit_apply__(struct ovrs__ *o, const struct ydoc *base, const char *base_path,
                        const struct edit__ *e, int param, struct ydoc_err *err)
{
    char segs[32][256];
    size_t nseg = segments__(e->path, segs, 32);
    const struct ydoc_node *hits[256];
    size_t nhits = 0;
    match__(ydoc_root(base), segs, nseg, 0, hits, &nhits, 256);
    const struct ydoc_node *pn = ydoc_map_get(e->node, "path", NULL);
    if (nhits == 0)
        return ydoc_error(err, pn ? pn : e->node, "edit: '%s' names no scalar of %s", e->path,
                          base_path);
    size_t total = 0;
    for (size_t h = 0; h < nhits; h++) {
        char path[1024];
        ydoc_path(hits[h], path, sizeof path);
        struct ovr__ *r = NULL;
        for (size_t k = 0; k < o->n; k++)
            if (o->v[k].path && strcmp(o->v[k].path, path) == 0)
                r = &o->v[k];
        if (!r) {
            if (!(r = ovr_add__(o)) || !(r->path = strdup(path)) ||
                !(r->text = strdup(ydoc_text(hits[h]))))
                return ydoc_error(err, e->node, "out of memory");
            r->param = param;
        }
        size_t count;
        char *t = replace_all__(r->text, e->find, e->replace, &count);
        if (!t)
            return ydoc_error(err, e->node, "out of memory");
        free(r->text);
        r->text = t;
        total += count;
    }
    if (total == 0) {
        const struct ydoc_node *fn = ydoc_map_get(e->node, "find", NULL);
        return ydoc_error(err, fn ? fn : e->node, "edit: '%s' does not occur in %s of %s",
                          e->find, e->path, base_path);
    }
    return 0;
}

/* The overrides of combination c, and its base index. */
static int combo_overrides__(const struct study *s, size_t c, struct ovrs__ *o, int *base,
                             struct ydoc_err *err)
{
    size_t idx[STUDY_MAX_PARAMS];
    for (size_t i = s->nparams; i-- > 0;) {
        idx[i] = c % s->params[i].nvalues;
        c /= s->params[i].nvalues;
    }
    *base = 0;
    for (size_t i = 0; i < s->nparams; i++) {
        const struct param__ *p = &s->params[i];
        if (p->variants && p->variants[idx[i]].base >= 0)
            *base = p->variants[idx[i]].base;
    }
    const struct ydoc *bdoc = s->bases[*base].doc;
    for (size_t i = 0; i < s->nparams; i++) {
        const struct param__ *p = &s->params[i];
        const char *value = p->values[idx[i]];
        if (!p->variants) {
            for (size_t k = 0; k < p->nsets; k++) {
                struct ovr__ *r = ovr_add__(o);
                size_t len = strlen(p->sets[k]) + strlen(value) + 2;
                if (!r || !(r->arg = malloc(len)))
                    return ydoc_error(err, p->node, "out of memory");
                snprintf(r->arg, len, "%s=%s", p->sets[k], value);
                r->param = (int)i;
            }
            continue;
        }
        const struct variant__ *v = &p->variants[idx[i]];
        for (size_t k = 0; k < v->nsets; k++) {
            struct ovr__ *r = ovr_add__(o);
            if (!r || !(r->arg = strdup(v->sets[k])))
                return ydoc_error(err, p->node, "out of memory");
            r->param = (int)i;
        }
        for (size_t k = 0; k < v->nedits; k++) {
            if (!bdoc)
                return ydoc_error(err, v->edits[k].node, "edit: the base file was not read");
            int rc = edit_apply__(o, bdoc, s->bases[*base].path, &v->edits[k], (int)i, err);
            if (rc)
                return rc;
        }
    }
    /* Edited scalars become overrides with their final text. */
    for (size_t k = 0; k < o->n; k++) {
        struct ovr__ *r = &o->v[k];
        if (!r->path)
            continue;
        size_t len = strlen(r->path) + strlen(r->text) + 2;
        if (!(r->arg = malloc(len)))
            return ydoc_error(err, s->params[r->param].node, "out of memory");
        snprintf(r->arg, len, "%s=%s", r->path, r->text);
    }
    return 0;
}

/* Loads the base files and checks every combination: its overrides apply
 * and the scenario passes the schema. */
static int check_bases__(struct study *s, struct ydoc_err *err)
{
    const struct ydoc_node *head = ydoc_map_get(ydoc_root(s->doc), "study", NULL);
    for (size_t b = 0; b < s->nbases; b++) {
        struct ydoc_err e;
        if (ydoc_load_file(s->bases[b].path, &s->bases[b].doc, &e) != 0) {
            if (strstr(e.msg, "cannot read"))
                return ydoc_error(err, b == 0 ? ydoc_map_get(head, "base", NULL) : head,
                                  "base scenario %s: %s", s->bases[b].path,
                                  strstr(e.msg, "cannot read"));
            *err = e;
            return -EINVAL;
        }
    }
    s->checked = 1;
    for (size_t c = 0; c < s->ncombos; c++) {
        struct ovrs__ o = {0};
        int base;
        int rc = combo_overrides__(s, c, &o, &base, err);
        struct ydoc *doc = NULL;
        if (!rc && ydoc_load_file(s->bases[base].path, &doc, err) != 0)
            rc = -EINVAL;
        for (size_t k = 0; !rc && k < o.n; k++) {
            struct ydoc_err e;
            if (ydoc_set_arg(doc, o.v[k].arg, &e) != 0) {
                /* "--set:N:C: msg" -> at the parameter, naming the value. */
                const char *msg = e.msg;
                for (int colons = 0; *msg && colons < 3; msg++)
                    colons += *msg == ':';
                while (*msg == ' ')
                    msg++;
                const struct param__ *p = &s->params[o.v[k].param];
                rc = ydoc_error(err, p->node, "parameter '%s': override '%.200s' does not apply "
                                              "to %s: %s",
                                p->name, o.v[k].arg, s->bases[base].path, msg);
            }
        }
        if (!rc && ydoc_check(ydoc_root(doc), &schema_scenario_file, err) != 0) {
            char msg[YDOC_ERR_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            /* An error at "--set:N:C" is the N-th override's: point at the
             * parameter that made it. */
            const struct ydoc_node *at = ydoc_map_get(ydoc_root(s->doc), "parameters", NULL);
            unsigned nth = 0;
            if (sscanf(msg, YDOC_SET_FILE ":%u:", &nth) == 1 && nth >= 1 && nth <= o.n)
                at = s->params[o.v[nth - 1].param].node;
            char key[STUDY_KEY_MAX] = "";
            size_t c2 = c, idx[STUDY_MAX_PARAMS];
            for (size_t i = s->nparams; i-- > 0;) {
                idx[i] = c2 % s->params[i].nvalues;
                c2 /= s->params[i].nvalues;
            }
            for (size_t i = 0; i < s->nparams; i++) {
                size_t l = strlen(key);
                snprintf(key + l, sizeof key - l, "%s%s=%s", i ? " " : "", s->params[i].name,
                         s->params[i].values[idx[i]]);
            }
            rc = ydoc_error(err, at, "point '%s' makes a scenario that is not valid: %s", key,
                            msg);
        }
        ydoc_free(doc);
        ovrs_free__(&o);
        if (rc)
            return rc;
    }
    return 0;
}

static void hash__(struct study *s)
{
    struct sha256 c;
    sha256_init(&c);
    char hex[YDOC_HASH_HEX + 1];
    ydoc_hash(s->doc, hex);
    sha256_update(&c, hex, strlen(hex));
    for (size_t b = 0; b < s->nbases; b++) {
        if (!s->bases[b].doc)
            continue;
        ydoc_hash(s->bases[b].doc, hex);
        sha256_update(&c, hex, strlen(hex));
    }
    uint8_t d[SHA256_DIGEST_LEN];
    sha256_final(&c, d);
    sha256_hex(d, s->hash);
}

static int parse__(struct study *s, int check_bases, struct ydoc_err *err)
{
    const struct ydoc_node *root = ydoc_root(s->doc);
    int rc = ydoc_check(root, &study_file_schema, err);
    if (rc)
        return rc;
    const struct ydoc_node *head = ydoc_map_get(root, "study", NULL);
    const char *base = NULL;
    int64_t seeds = 1;
    bool keep = true;
    s->first_seed = 1;
    if ((rc = ydoc_get_str(head, "name", YDOC_REQUIRED, &s->name, err)) ||
        (rc = ydoc_get_str(head, "base", YDOC_REQUIRED, &base, err)) ||
        (rc = ydoc_get_int(head, "seeds", 0, 1, 10000, &seeds, err)) ||
        (rc = ydoc_get_u64(head, "first_seed", 0, 0, UINT64_MAX - 10000, &s->first_seed, err)) ||
        (rc = ydoc_get_bool(head, "keep_runs", 0, &keep, err)) ||
        (rc = ydoc_get_str(head, "description", 0, &s->description, err)))
        return rc;
    s->nseeds = (size_t)seeds;
    s->keep_runs = keep;
    if (base_index__(s, base) != 0)
        return ydoc_error(err, head, "out of memory");
    const struct ydoc_node *params = ydoc_map_get(root, "parameters", NULL);
    if (ydoc_count(params) == 0)
        return ydoc_error(err, params, "a study needs at least one parameter");
    if (ydoc_count(params) > STUDY_MAX_PARAMS)
        return ydoc_error(err, ydoc_key_node(params, STUDY_MAX_PARAMS),
                          "at most %d parameters", STUDY_MAX_PARAMS);
    s->ncombos = 1;
    int base_param = -1;
    for (size_t i = 0; i < ydoc_count(params); i++) {
        struct param__ *p = &s->params[s->nparams++];
        if ((rc = param__(s, p, ydoc_key(params, i), ydoc_value(params, i), err)))
            return rc;
        if (p->nvalues == 0)
            return ydoc_error(err, ydoc_value(params, i), "parameter '%s' has no values",
                              p->name);
        for (size_t v = 0; p->variants && v < p->nvalues; v++) {
            if (p->variants[v].base < 0)
                continue;
            if (base_param >= 0 && base_param != (int)i)
                return ydoc_error(err, ydoc_value(params, i),
                                  "parameters '%s' and '%s' both choose base files; at most one "
                                  "parameter may", s->params[base_param].name, p->name);
            base_param = (int)i;
        }
        if (s->ncombos > STUDY_MAX_POINTS / p->nvalues)
            return ydoc_error(err, ydoc_value(params, i), "the study has more than %d points",
                              STUDY_MAX_POINTS);
        s->ncombos *= p->nvalues;
    }
    if (s->ncombos > STUDY_MAX_POINTS / s->nseeds)
        return ydoc_error(err, head, "the study has more than %d points", STUDY_MAX_POINTS);
    const struct ydoc_node *metrics = ydoc_map_get(root, "metrics", NULL);
    if (ydoc_count(metrics) == 0)
        return ydoc_error(err, metrics, "a study needs at least one metric");
    if (ydoc_count(metrics) > STUDY_MAX_METRICS)
        return ydoc_error(err, ydoc_key_node(metrics, STUDY_MAX_METRICS),
                          "at most %d metrics", STUDY_MAX_METRICS);
    for (size_t i = 0; i < ydoc_count(metrics); i++) {
        if ((rc = metric__(s, i, ydoc_key(metrics, i), ydoc_value(metrics, i), err)))
            return rc;
        s->nmetrics++;
    }
    const struct ydoc_node *qs = ydoc_map_get(root, "questions", NULL);
    if (qs && ydoc_count(qs) > STUDY_MAX_QUESTIONS)
        return ydoc_error(err, ydoc_item(qs, STUDY_MAX_QUESTIONS), "at most %d questions",
                          STUDY_MAX_QUESTIONS);
    for (size_t i = 0; qs && i < ydoc_count(qs); i++) {
        if ((rc = question__(s, i, ydoc_item(qs, i), err)))
            return rc;
        s->nquestions++;
    }
    if ((rc = report__(s, root, err)))
        return rc;
    if (check_bases && (rc = check_bases__(s, err)))
        return rc;
    hash__(s);
    return 0;
}

static int finish_load__(struct study *s, int check_bases, struct study **out,
                         struct ydoc_err *err)
{
    int rc = parse__(s, check_bases, err);
    if (rc) {
        study_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static struct study *new__(const char *text, size_t len, const char *name)
{
    struct study *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->text = malloc(len + 1);
    s->file = strdup(name);
    if (!s->text || !s->file) {
        study_free(s);
        return NULL;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    const char *slash = strrchr(name, '/');
    s->dir = slash ? strndup(name, (size_t)(slash - name)) : strdup("");
    if (!s->dir) {
        study_free(s);
        return NULL;
    }
    return s;
}

int study_load_string(const char *text, size_t len, const char *name, int check_bases,
                      struct study **out, struct ydoc_err *err)
{
    struct study *s = new__(text, len, name);
    if (!s) {
        snprintf(err->msg, sizeof err->msg, "%s:1:1: out of memory", name);
        return -ENOMEM;
    }
    int rc = ydoc_load_string(text, len, name, &s->doc, err);
    if (rc) {
        study_free(s);
        return rc;
    }
    return finish_load__(s, check_bases, out, err);
}

int study_load(const char *path, struct study **out, struct ydoc_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err->line = err->col = 1;
        snprintf(err->msg, sizeof err->msg, "%s:1:1: cannot read: %s", path, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        /* fopen succeeds on a directory; fread then reads nothing. */
        fclose(f);
        err->line = err->col = 1;
        snprintf(err->msg, sizeof err->msg, "%s:1:1: cannot read: %s", path, strerror(EISDIR));
        return -EISDIR;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err->msg, sizeof err->msg, "%s:1:1: out of memory", path);
                return -ENOMEM;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        err->line = err->col = 1;
        snprintf(err->msg, sizeof err->msg, "%s:1:1: cannot read: %s", path, strerror(EIO));
        return -EIO;
    }
    fclose(f);
    int rc = study_load_string(buf ? buf : "", len, path, 1, out, err);
    free(buf);
    return rc;
}

void study_free(struct study *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nparams; i++) {
        struct param__ *p = &s->params[i];
        for (size_t v = 0; p->values && v < p->nvalues; v++) {
            if (p->variants) {
                free(p->variants[v].sets);
                free(p->variants[v].edits);
            }
            free(p->values[v]);
        }
        free(p->values);
        free(p->variants);
        free(p->sets);
    }
    for (size_t i = 0; i < s->nquestions + 1 && i < STUDY_MAX_QUESTIONS; i++)
        free(s->question_per[i]);
    for (size_t b = 0; b < s->nbases; b++) {
        free(s->bases[b].path);
        ydoc_free(s->bases[b].doc);
    }
    ydoc_free(s->doc);
    free(s->text);
    free(s->file);
    free(s->dir);
    free(s);
}

/* ---- accessors ------------------------------------------------------------ */

const char *study_name(const struct study *s) { return s->name; }
const char *study_file(const struct study *s) { return s->file; }
const char *study_hash(const struct study *s) { return s->hash; }
const char *study_text(const struct study *s) { return s->text; }
int study_keep_runs(const struct study *s) { return s->keep_runs; }
const char *study_description(const struct study *s) { return s->description; }
size_t study_param_count(const struct study *s) { return s->nparams; }
const char *study_param_name(const struct study *s, size_t i) { return s->params[i].name; }
const char *study_param_label(const struct study *s, size_t i) { return s->params[i].label; }
const char *study_param_unit(const struct study *s, size_t i) { return s->params[i].unit; }
size_t study_param_value_count(const struct study *s, size_t i) { return s->params[i].nvalues; }
const char *study_param_value(const struct study *s, size_t i, size_t v)
{
    return s->params[i].values[v];
}
size_t study_seed_count(const struct study *s) { return s->nseeds; }
size_t study_point_count(const struct study *s) { return s->ncombos * s->nseeds; }
size_t study_metric_count(const struct study *s) { return s->nmetrics; }
const struct run_metric *study_metric(const struct study *s, size_t i) { return &s->metrics[i]; }
const char *study_metric_label(const struct study *s, size_t i) { return s->metric_labels[i]; }
const char *study_metric_unit(const struct study *s, size_t i) { return s->metric_units[i]; }
size_t study_question_count(const struct study *s) { return s->nquestions; }
const struct capacity_question *study_question(const struct study *s, size_t i)
{
    return &s->questions[i];
}
int study_plot_x(const struct study *s) { return s->plot_x; }
int study_plot_lines(const struct study *s) { return s->plot_lines; }
int study_plot_panels(const struct study *s) { return s->plot_panels; }

double study_value_num(const char *value)
{
    char *end;
    double v = strtod(value, &end);
    if (end == value || !isfinite(v))
        return NAN;
    return v;
}

int study_point(const struct study *s, int64_t id, struct study_point *pt)
{
    memset(pt, 0, sizeof *pt);
    if (id < 1 || (uint64_t)id > study_point_count(s))
        return -ERANGE;
    size_t combo = (size_t)(id - 1) / s->nseeds;
    size_t seed_i = (size_t)(id - 1) % s->nseeds;
    pt->id = id;
    pt->seed = s->first_seed + seed_i;
    size_t c = combo;
    size_t idx[STUDY_MAX_PARAMS];
    for (size_t i = s->nparams; i-- > 0;) {
        idx[i] = c % s->params[i].nvalues;
        c /= s->params[i].nvalues;
    }
    for (size_t i = 0; i < s->nparams; i++) {
        pt->values[i] = s->params[i].values[idx[i]];
        size_t l = strlen(pt->key);
        snprintf(pt->key + l, sizeof pt->key - l, "%s%s=%s", i ? " " : "", s->params[i].name,
                 pt->values[i]);
    }
    snprintf(pt->run_dir, sizeof pt->run_dir, "runs/p%04lld", (long long)id);
    struct ovrs__ o = {0};
    int base;
    struct ydoc_err e;
    int rc = combo_overrides__(s, combo, &o, &base, &e);
    if (rc) {
        ovrs_free__(&o);
        return rc;
    }
    pt->base = s->bases[base].path;
    pt->sets = calloc(o.n ? o.n : 1, sizeof *pt->sets);
    if (!pt->sets) {
        ovrs_free__(&o);
        return -ENOMEM;
    }
    for (size_t k = 0; k < o.n; k++) {
        pt->sets[k] = o.v[k].arg;
        o.v[k].arg = NULL;
    }
    pt->nsets = o.n;
    ovrs_free__(&o);
    return 0;
}

void study_point_clear(struct study_point *pt)
{
    for (size_t k = 0; pt->sets && k < pt->nsets; k++)
        free(pt->sets[k]);
    free(pt->sets);
    pt->sets = NULL;
    pt->nsets = 0;
}
