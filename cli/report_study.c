/* report_study: `setsim report STUDY_DIR`, the report of a sweep: the
 * study is rebuilt from the text its database keeps (so the directory is
 * all that is needed, wherever the study file went), for its report
 * layout and capacity questions; results/study_report.c draws the metric
 * figures and writes capacity.md.
 * Exit status: 0 written; 1 gnuplot or writing failed; 2 not a study
 * directory, or a study text that no longer parses. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study.h"
#include "study_db.h"
#include "study_report.h"

int report_study_dir(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, STUDY_DB_FILE);
    return access(path, F_OK) == 0;
}

int report_study(const char *dir, const char *format, FILE *out)
{
    char path[PATH_MAX], err[4400];
    snprintf(path, sizeof path, "%s/%s", dir, STUDY_DB_FILE);
    struct study_db *db;
    if (study_db_open_ro(path, &db, err, sizeof err) != 0) {
        fprintf(stderr, "setsim report: %s\n", err);
        return CLI_USAGE;
    }
    char *yaml = study_db_meta(db, "study_yaml");
    char *file = study_db_meta(db, "study_file");
    study_db_close(db);
    struct study *st = NULL;
    struct ydoc_err e;
    int rc = yaml ? study_load_string(yaml, strlen(yaml), file ? file : "study.yaml", 0, &st, &e)
                  : -EINVAL;
    free(yaml);
    free(file);
    if (rc) {
        fprintf(stderr, "setsim report: %s: the stored study does not load: %s\n", path,
                yaml ? e.msg : "no study text");
        return CLI_USAGE;
    }
    struct capacity_question qs[STUDY_MAX_QUESTIONS];
    size_t nq = study_question_count(st);
    for (size_t i = 0; i < nq; i++)
        qs[i] = *study_question(st, i);
    int x = study_plot_x(st), l = study_plot_lines(st), p = study_plot_panels(st);
    struct study_report_options o = {
        .dir = dir, .format = format, .out = out, .questions = qs, .nquestions = nq,
        .x = x >= 0 ? study_param_name(st, (size_t)x) : NULL,
        .lines = l >= 0 ? study_param_name(st, (size_t)l) : NULL,
        .panels = p >= 0 ? study_param_name(st, (size_t)p) : NULL,
        .description = study_description(st)};
    rc = study_report_run(&o, err, sizeof err);
    study_free(st);
    if (rc == 0)
        return CLI_OK;
    fprintf(stderr, "setsim report: %s\n", err);
    return rc == -EINVAL ? CLI_USAGE : CLI_FAILURE;
}
