/* study_db: the study.sqlite of a sweep.  See study_db.h for the schema
 * and the status lifecycle.
 *
 * Settings: WAL journal and synchronous=NORMAL, so each point's
 * transaction is durable against a killed process (the sweep is killed,
 * not the machine) without an fsync per point stalling the coordinator.
 */
#include "study_db.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct study_db {
    sqlite3 *db; /* owned */
    size_t nmetrics;
    char errmsg[512];
};

static const char *const status_names[] = {"pending", "running", "done", "failed"};

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE parameters(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " label TEXT NOT NULL, unit TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE metrics(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " unit TEXT NOT NULL, label TEXT NOT NULL);"
    "CREATE TABLE points(id INTEGER PRIMARY KEY, key TEXT NOT NULL, seed INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),"
    " error TEXT, run_dir TEXT NOT NULL,"
    " elapsed_s REAL, worker TEXT, finished_at TEXT, UNIQUE (key, seed));"
    "CREATE TABLE point_params(point INTEGER NOT NULL REFERENCES points(id),"
    " param INTEGER NOT NULL REFERENCES parameters(id), value TEXT NOT NULL, num REAL,"
    " PRIMARY KEY (point, param)) WITHOUT ROWID;"
    "CREATE TABLE point_metrics(point INTEGER NOT NULL REFERENCES points(id),"
    " metric INTEGER NOT NULL REFERENCES metrics(id), value REAL,"
    " PRIMARY KEY (point, metric)) WITHOUT ROWID;"
    "CREATE VIEW results_v AS SELECT p.id AS point, p.seed, p.status, pa.name AS parameter,"
    " pp.value AS parameter_value, m.name AS metric, m.unit, pm.value"
    " FROM points p JOIN point_params pp ON pp.point = p.id"
    " JOIN parameters pa ON pa.id = pp.param"
    " LEFT JOIN point_metrics pm ON pm.point = p.id LEFT JOIN metrics m ON m.id = pm.metric"
    " ORDER BY p.id, pa.position, m.id;";

static int fail__(struct study_db *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail__(struct study_db *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static int exec__(struct study_db *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail__(s, -EIO, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

static int meta_put__(struct study_db *s, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return rc;
}

char *study_db_meta(struct study_db *s, const char *key)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Inserts the name rows of parameters or metrics. */
static int names__(struct study_db *s, const char *sql, size_t n, const char *const *a,
                   const char *const *b, const char *const *c)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(st, 2, a[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, b && b[i] ? b[i] : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, c && c[i] ? c[i] : "", -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(st) >= 5)
            sqlite3_bind_int64(st, 5, (sqlite3_int64)i);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(st);
    return rc;
}

static int create__(struct study_db *s, const struct study_db_setup *u)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", STUDY_DB_SCHEMA_VERSION);
    int rc;
    if ((rc = exec__(s, "BEGIN")) || (rc = exec__(s, schema_sql)) ||
        (rc = meta_put__(s, "schema_version", ver)) || (rc = meta_put__(s, "study", u->name)) ||
        (rc = meta_put__(s, "study_file", u->file)) ||
        (rc = meta_put__(s, "study_hash", u->hash)) ||
        (rc = meta_put__(s, "study_yaml", u->yaml)) ||
        (rc = meta_put__(s, "generator", "setsim " SETSIM_VERSION)) ||
        (rc = names__(s, "INSERT INTO parameters VALUES (?1, ?2, ?3, ?4, ?5)", u->nparams,
                      u->param_names, u->param_labels, u->param_units)) ||
        (rc = names__(s, "INSERT INTO metrics VALUES (?1, ?2, ?3, ?4)", u->nmetrics,
                      u->metric_names, u->metric_units, u->metric_labels)))
        return rc;
    char uv[64];
    snprintf(uv, sizeof uv, "PRAGMA user_version = %d", STUDY_DB_SCHEMA_VERSION);
    if ((rc = exec__(s, uv)) || (rc = exec__(s, "COMMIT")))
        return rc;
    return 0;
}

static int open__(const char *path, int flags, struct study_db **out, char *err, size_t errlen)
{
    struct study_db *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        study_db_close(s);
        return -EIO;
    }
    sqlite3_busy_timeout(s->db, 5000);
    *out = s;
    return 0;
}

int study_db_open(const char *path, const struct study_db_setup *u, struct study_db **out,
                  char *err, size_t errlen)
{
    struct study_db *s;
    int rc = open__(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s, err, errlen);
    if (rc)
        return rc;
    if ((rc = exec__(s, "PRAGMA journal_mode = WAL")) ||
        (rc = exec__(s, "PRAGMA synchronous = NORMAL")))
        goto fail;
    sqlite3_stmt *st;
    int exists = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE name = 'points'", -1,
                           &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            exists = sqlite3_column_int(st, 0) > 0;
        sqlite3_finalize(st);
    }
    if (!exists) {
        if ((rc = create__(s, u)))
            goto fail;
    } else {
        char *hash = study_db_meta(s, "study_hash");
        if (!hash || strcmp(hash, u->hash) != 0) {
            rc = fail__(s, -EEXIST,
                        "was written by another study or another version of it (study hash "
                        "%.12s, this study %.12s): use another output directory",
                        hash ? hash : "none", u->hash);
            free(hash);
            goto fail;
        }
        free(hash);
        if ((rc = exec__(s, "UPDATE points SET status = 'pending' WHERE status = 'running'")))
            goto fail;
    }
    s->nmetrics = u->nmetrics;
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", path, s->errmsg);
    study_db_close(s);
    return rc;
}

int study_db_open_ro(const char *path, struct study_db **out, char *err, size_t errlen)
{
    struct study_db *s;
    int rc = open__(path, SQLITE_OPEN_READONLY, &s, err, errlen);
    if (rc)
        return rc;
    char *v = study_db_meta(s, "schema_version");
    if (!v) {
        snprintf(err, errlen, "%s: not a study database (no schema_version)", path);
        study_db_close(s);
        return -EINVAL;
    }
    free(v);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM metrics", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            s->nmetrics = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    *out = s;
    return 0;
}

void study_db_close(struct study_db *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int study_db_sync_points(struct study_db *s, const struct study_db_point *pts, size_t n)
{
    sqlite3_stmt *pi = NULL, *pp = NULL;
    int rc = exec__(s, "BEGIN");
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO points(id, key, seed, status, run_dir)"
                           " VALUES (?1, ?2, ?3, 'pending', ?4)",
                           -1, &pi, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO point_params VALUES (?1, ?2, ?3, ?4)",
                           -1, &pp, NULL) != SQLITE_OK) {
        rc = fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    sqlite3_stmt *np;
    size_t nparams = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM parameters", -1, &np, NULL) == SQLITE_OK) {
        if (sqlite3_step(np) == SQLITE_ROW)
            nparams = (size_t)sqlite3_column_int64(np, 0);
        sqlite3_finalize(np);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const struct study_db_point *p = &pts[i];
        sqlite3_reset(pi);
        sqlite3_bind_int64(pi, 1, p->id);
        sqlite3_bind_text(pi, 2, p->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(pi, 3, (sqlite3_int64)p->seed);
        sqlite3_bind_text(pi, 4, p->run_dir, -1, SQLITE_STATIC);
        if (sqlite3_step(pi) != SQLITE_DONE) {
            rc = fail__(s, -EIO, "point %lld: %s", (long long)p->id, sqlite3_errmsg(s->db));
            break;
        }
        for (size_t k = 0; k < nparams && !rc; k++) {
            sqlite3_reset(pp);
            sqlite3_bind_int64(pp, 1, p->id);
            sqlite3_bind_int64(pp, 2, (sqlite3_int64)k + 1);
            sqlite3_bind_text(pp, 3, p->values[k], -1, SQLITE_STATIC);
            if (isnan(p->nums[k]))
                sqlite3_bind_null(pp, 4);
            else
                sqlite3_bind_double(pp, 4, p->nums[k]);
            if (sqlite3_step(pp) != SQLITE_DONE)
                rc = fail__(s, -EIO, "point %lld: %s", (long long)p->id, sqlite3_errmsg(s->db));
        }
    }
out:
    sqlite3_finalize(pi);
    sqlite3_finalize(pp);
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec__(s, "COMMIT");
}

int study_db_status(struct study_db *s, int64_t id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT status FROM points WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, id);
    int rc = -ENOENT;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < 4; i++)
            if (t && strcmp(t, status_names[i]) == 0)
                rc = i;
    }
    sqlite3_finalize(st);
    return rc;
}

int study_db_start_point(struct study_db *s, int64_t id, const char *worker)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE points SET status = 'running', worker = ?2 WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, worker, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return rc;
}

int study_db_finish_point(struct study_db *s, int64_t id, const struct study_db_result *r)
{
    sqlite3_stmt *up = NULL, *pm = NULL;
    int rc = exec__(s, "BEGIN");
    if (rc)
        return rc;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE points SET status = ?2, error = ?3, elapsed_s = ?4,"
                           " worker = ?5, finished_at = ?6 WHERE id = ?1",
                           -1, &up, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO point_metrics VALUES (?1, ?2, ?3)", -1,
                           &pm, NULL) != SQLITE_OK) {
        rc = fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    sqlite3_bind_int64(up, 1, id);
    sqlite3_bind_text(up, 2, r->ok ? "done" : "failed", -1, SQLITE_STATIC);
    if (r->ok || !r->error)
        sqlite3_bind_null(up, 3);
    else
        sqlite3_bind_text(up, 3, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_double(up, 4, r->elapsed_s);
    sqlite3_bind_text(up, 5, r->worker ? r->worker : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 6, now, -1, SQLITE_STATIC);
    if (sqlite3_step(up) != SQLITE_DONE) {
        rc = fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    /* A failed point keeps no metrics (a redone point replaces them). */
    char del[96];
    snprintf(del, sizeof del, "DELETE FROM point_metrics WHERE point = %lld", (long long)id);
    if ((rc = exec__(s, del)))
        goto out;
    for (size_t i = 0; r->ok && i < s->nmetrics && !rc; i++) {
        sqlite3_reset(pm);
        sqlite3_bind_int64(pm, 1, id);
        sqlite3_bind_int64(pm, 2, (sqlite3_int64)i + 1);
        if (r->is_null[i] || !isfinite(r->values[i]))
            sqlite3_bind_null(pm, 3);
        else
            sqlite3_bind_double(pm, 3, r->values[i]);
        if (sqlite3_step(pm) != SQLITE_DONE)
            rc = fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    }
out:
    sqlite3_finalize(up);
    sqlite3_finalize(pm);
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec__(s, "COMMIT");
}

int study_db_counts(struct study_db *s, size_t counts[4])
{
    memset(counts, 0, 4 * sizeof counts[0]);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT status, count(*) FROM points GROUP BY status", -1, &st,
                           NULL) != SQLITE_OK)
        return fail__(s, -EIO, "%s", sqlite3_errmsg(s->db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < 4; i++)
            if (t && strcmp(t, status_names[i]) == 0)
                counts[i] = (size_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return 0;
}

struct sqlite3 *study_db_handle(struct study_db *s) { return s->db; }
const char *study_db_errmsg(const struct study_db *s) { return s->errmsg; }
