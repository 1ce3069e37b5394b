/* csvout: CSV files written with libcsv (see csvout.h). */
#include "csvout.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct csvout {
    FILE *f;
    char *path;   /* final path (owned) */
    char *part;   /* PATH.part (owned) */
    int nfield;   /* fields in the current row */
    int err;      /* first error (negative errno), sticky */
};

struct csvout *csvout_open(const char *path, char *err, size_t errlen)
{
    struct csvout *c = calloc(1, sizeof *c);
    size_t n = strlen(path);
    if (c) {
        c->path = strdup(path);
        c->part = malloc(n + 6);
    }
    if (!c || !c->path || !c->part) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (c) {
            free(c->path);
            free(c->part);
            free(c);
        }
        errno = ENOMEM;
        return NULL;
    }
    memcpy(c->part, path, n);
    memcpy(c->part + n, ".part", 6);
    c->f = fopen(c->part, "w");
    if (!c->f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", c->part, strerror(e));
        free(c->path);
        free(c->part);
        free(c);
        errno = e;
        return NULL;
    }
    return c;
}

static int sep__(struct csvout *c)
{
    if (c->err)
        return c->err;
    if (c->nfield++ > 0 && fputc(',', c->f) == EOF)
        c->err = -(errno ? errno : EIO);
    return c->err;
}

int csvout_text(struct csvout *c, const char *s)
{
    if (sep__(c) != 0 || !s)
        return c->err;
    if (csv_fwrite(c->f, s, strlen(s)) != 0)
        c->err = -(errno ? errno : EIO);
    return c->err;
}

int csvout_i64(struct csvout *c, int64_t v)
{
    if (sep__(c) == 0 && fprintf(c->f, "%" PRId64, v) < 0)
        c->err = -(errno ? errno : EIO);
    return c->err;
}

int csvout_real(struct csvout *c, double v)
{
    if (sep__(c) == 0 && !isnan(v) && fprintf(c->f, "%.17g", v) < 0)
        c->err = -(errno ? errno : EIO);
    return c->err;
}

int csvout_null(struct csvout *c) { return sep__(c); }

int csvout_end_row(struct csvout *c)
{
    if (!c->err && fputs("\r\n", c->f) == EOF) /* RFC 4180 line ends */
        c->err = -(errno ? errno : EIO);
    c->nfield = 0;
    return c->err;
}

static void free__(struct csvout *c)
{
    free(c->path);
    free(c->part);
    free(c);
}

void csvout_discard(struct csvout *c)
{
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    unlink(c->part);
    free__(c);
}

int csvout_close(struct csvout *c, char *err, size_t errlen)
{
    if (!c)
        return 0;
    int rc = c->err;
    if (fclose(c->f) != 0 && rc == 0)
        rc = -(errno ? errno : EIO);
    c->f = NULL;
    if (rc == 0 && rename(c->part, c->path) != 0)
        rc = -errno;
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", c->path, strerror(-rc));
        unlink(c->part);
    }
    free__(c);
    return rc;
}

int csvout_query(struct sqlite3 *db, const char *sql, const char *path, uint64_t *rows,
                 char *err, size_t errlen)
{
    if (rows)
        *rows = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: query failed: %s", path, sqlite3_errmsg(db));
        return -EINVAL;
    }
    struct csvout *c = csvout_open(path, err, errlen);
    if (!c) {
        int e = errno;
        sqlite3_finalize(st);
        return -e;
    }
    int ncol = sqlite3_column_count(st);
    for (int i = 0; i < ncol; i++)
        csvout_text(c, sqlite3_column_name(st, i));
    csvout_end_row(c);
    uint64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < ncol; i++) {
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_NULL: csvout_null(c); break;
            case SQLITE_INTEGER: csvout_i64(c, sqlite3_column_int64(st, i)); break;
            case SQLITE_FLOAT: csvout_real(c, sqlite3_column_double(st, i)); break;
            default: csvout_text(c, (const char *)sqlite3_column_text(st, i)); break;
            }
        }
        csvout_end_row(c);
        n++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: query failed: %s", path, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        csvout_discard(c);
        return -EIO;
    }
    sqlite3_finalize(st);
    int r = csvout_close(c, err, errlen);
    if (r == 0 && rows)
        *rows = n;
    return r;
}
