/* study_db: the results database of a sweep (DIR/study.sqlite).
 *
 * One row per point (a combination of parameter values and a seed), its
 * parameter values, its metrics, its status and error.  The database is
 * written by one process only (the sweep's coordinator: the local parent,
 * or MPI rank 0), each point's result in its own transaction, so a sweep
 * killed at any moment leaves every finished point recorded.
 *
 * Point lifecycle (status column):
 *
 *   status    call                   meaning
 *   --------  ---------------------  -----------------------------------
 *   pending   study_db_sync_points   known, never started
 *   running   study_db_start_point   handed to a worker; a sweep that
 *                                    finds it still running at start-up
 *                                    was interrupted: it is run again
 *   done      study_db_finish_point  ran; metrics recorded
 *   failed    study_db_finish_point  error recorded (build error, crash,
 *                                    metric SQL error); skipped on resume
 *                                    unless the sweep retries failures
 *
 * Schema (STUDY_DB_SCHEMA_VERSION, also PRAGMA user_version):
 *   meta(key, value)          schema_version, study, study_file,
 *                             study_hash, study_yaml (the study file's
 *                             text, so reports need only the directory),
 *                             generator
 *   parameters(id, name, label, unit, position)
 *   metrics(id, name, unit, label)
 *   points(id, key, seed, status, error, run_dir, elapsed_s, worker,
 *          finished_at)       key is "name=value name=value ..."
 *   point_params(point, param, value TEXT, num REAL)  num: the value as a
 *                             number when it starts with one, else NULL
 *   point_metrics(point, metric, value REAL)          NULL: no data
 *   results_v                 view: point, seed, status, parameter,
 *                             value, metric, metric value (long form)
 * elapsed_s, worker and finished_at are the only columns that differ
 * between two sweeps of the same study (wall clock and who ran it).
 */
#ifndef SETSIM_STUDY_DB_H
#define SETSIM_STUDY_DB_H

#include <stddef.h>
#include <stdint.h>

struct study_db;
struct sqlite3;

#define STUDY_DB_SCHEMA_VERSION 1
#define STUDY_DB_FILE "study.sqlite"

enum study_point_status {
    STUDY_PENDING = 0,
    STUDY_RUNNING,
    STUDY_DONE,
    STUDY_FAILED,
};

/* What the study is, written when the database is created and checked
 * (hash) when it is opened again.  Strings are copied. */
struct study_db_setup {
    const char *name, *file, *hash, *yaml;
    size_t nparams;
    const char *const *param_names, *const *param_labels, *const *param_units;
    size_t nmetrics;
    const char *const *metric_names, *const *metric_units, *const *metric_labels;
};

/* One point to know about.  values[i] / nums[i] per parameter (nums NaN:
 * not a number). */
struct study_db_point {
    int64_t id;                /* 1-based, the study's point number */
    const char *key;
    uint64_t seed;
    const char *run_dir;       /* relative to the study directory */
    const char *const *values;
    const double *nums;
};

/* A point's outcome. */
struct study_db_result {
    int ok;                    /* 1: done, 0: failed */
    const char *error;         /* failed: why (one line) */
    double elapsed_s;
    const char *worker;        /* "local:3", "rank 2" */
    const double *values;      /* nmetrics values */
    const unsigned char *is_null;
};

/* Creates the database (setup) or opens the existing one, which must have
 * been made for the same study hash: otherwise -EEXIST and a message
 * naming both hashes.  Points found 'running' are reset to 'pending' (an
 * interrupted sweep).  0 with *out, or a negative errno with err. */
int study_db_open(const char *path, const struct study_db_setup *setup, struct study_db **out,
                  char *err, size_t errlen);
/* Opens an existing database read-only (reports). */
int study_db_open_ro(const char *path, struct study_db **out, char *err, size_t errlen);
void study_db_close(struct study_db *db); /* NULL-safe */

/* Inserts the points not yet known (one transaction). */
int study_db_sync_points(struct study_db *db, const struct study_db_point *pts, size_t n);
/* Status of point id (-ENOENT when unknown). */
int study_db_status(struct study_db *db, int64_t id);
int study_db_start_point(struct study_db *db, int64_t id, const char *worker);
int study_db_finish_point(struct study_db *db, int64_t id, const struct study_db_result *r);
/* Counts of points by status: counts[STUDY_PENDING..STUDY_FAILED]. */
int study_db_counts(struct study_db *db, size_t counts[4]);

/* A meta value (malloc'd copy) or NULL. */
char *study_db_meta(struct study_db *db, const char *key);
/* The handle, for readers (reports).  Owned by the study_db. */
struct sqlite3 *study_db_handle(struct study_db *db);
const char *study_db_errmsg(const struct study_db *db);

#endif
