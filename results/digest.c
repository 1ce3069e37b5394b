/* digest: the run digest over the canonical rows of run.sqlite and the
 * bytes of capture.pcapng.  See digest.h for what is hashed and why.
 *
 * A struct digest_rows is one read-only SQLite connection and one
 * prepared statement per section; digest_run() walks the sections in
 * order, feeding each canonical line to the total hash and its section's
 * hash, then streams the capture file in blocks.
 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capread.h"
#include "sim_err.h"

#define CAPTURE_CHUNK (1u << 16)

struct section_sql {
    const char *name;
    char tag;
    const char *table;   /* NULL: always present; else skipped when missing */
    const char *sql;
    int ncols;           /* columns hashed */
    const char *cols[DIGEST_MAX_COLS];
    int role_col;        /* events: index of k.value (the value column's
                          * role, e.g. "mac"), read but not hashed; 0: none */
};

static const struct section_sql sections[DIGEST_SECTION_COUNT] = {
    [DIGEST_RUN] = {"run", 'R', NULL, "SELECT scenario, seed, sim_end_ps FROM runs ORDER BY id", 3,
                    {"scenario", "seed", "sim_end_ps"}},
    [DIGEST_EVENTS] = {"events", 'E', NULL,
                       "SELECT e.seq, e.time_ps, COALESCE(k.name, e.kind), o1.name, o2.name, "
                       "e.flow, e.prio, e.value, e.aux, e.reason, e.detail, k.value FROM events e "
                       "LEFT JOIN event_kinds k ON k.id = e.kind "
                       "LEFT JOIN objects o1 ON o1.id = e.obj "
                       "LEFT JOIN objects o2 ON o2.id = e.obj2 ORDER BY e.seq",
                       11,
                       {"seq", "time_ps", "kind", "obj", "obj2", "flow", "prio", "value", "aux",
                        "reason", "detail"},
                       11},
    [DIGEST_FLOWS] = {"flows", 'F', "flows",
                      "SELECT id, generator, kind, class, prio, src, dst, start_ps, end_ps, "
                      "fct_ps, size_bytes, sent_bytes, delivered_bytes, goodput_bps, "
                      "retransmissions, naks, cnps, timeouts, pause_ps, complete FROM flows "
                      "ORDER BY id",
                      20,
                      {"id", "generator", "kind", "class", "prio", "src", "dst", "start_ps",
                       "end_ps", "fct_ps", "size_bytes", "sent_bytes", "delivered_bytes",
                       "goodput_bps", "retransmissions", "naks", "cnps", "timeouts", "pause_ps",
                       "complete"}},
    [DIGEST_SAMPLES] = {"samples", 'S', NULL,
                        "SELECT s.time_ps, o.name, m.name, m.unit, s.value FROM samples s "
                        "LEFT JOIN metrics m ON m.id = s.metric "
                        "LEFT JOIN objects o ON o.id = s.obj ORDER BY s.rowid",
                        5, {"time_ps", "obj", "metric", "unit", "value"}},
};

struct digest_rows {
    sqlite3 *db;          /* read-only connection, owned */
    sqlite3_stmt *stmt;   /* the section's query; NULL: table absent */
    enum digest_section s;
    char *line;           /* canonical line of the current row, owned */
    size_t line_cap;
    char reals[DIGEST_MAX_COLS][32]; /* REAL columns formatted %.17g */
    char errmsg[512];
};

const char *digest_section_name(enum digest_section s)
{
    return (unsigned)s < DIGEST_SECTION_COUNT ? sections[s].name : NULL;
}

/* 1 if the database has a table of that name, 0 if not, <0 on error. */
static int has_table__(sqlite3 *db, const char *table)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -EINVAL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EINVAL;
}

/* Opens rundir/run.sqlite read-only and checks that it is a complete
 * setsim run.  Returns the connection or NULL with a reason in err. */
static sqlite3 *open_run__(const char *rundir, int *rcp, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run.sqlite", rundir);
    if (access(path, R_OK) != 0) {
        int e = errno;
        if (access(rundir, F_OK) != 0)
            sim_errf(err, errlen, "%s: no such run directory", rundir);
        else if (e == ENOENT)
            sim_errf(err, errlen, "%s: not a run directory (no run.sqlite)", rundir);
        else
            sim_errf(err, errlen, "%s: %s", path, strerror(e));
        *rcp = -ENOENT;
        return NULL;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sim_errf(err, errlen, "%s: cannot open: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        *rcp = -EIO;
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*), min(complete) FROM runs", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sim_errf(err, errlen, "%s: not a setsim run database (%s)", path, sqlite3_errmsg(db));
        goto bad;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sim_errf(err, errlen, "%s: cannot read the runs table (%s)", path, sqlite3_errmsg(db));
        goto bad;
    }
    if (sqlite3_column_int64(st, 0) != 1) {
        sim_errf(err, errlen, "%s: expected one runs row, found %" PRId64, path,
                 (int64_t)sqlite3_column_int64(st, 0));
        goto bad;
    }
    if (sqlite3_column_int64(st, 1) != 1) {
        sim_errf(err, errlen, "%s: the run is not complete (it stopped before its end)", path);
        goto bad;
    }
    sqlite3_finalize(st);
    return db;
bad:
    sqlite3_finalize(st);
    sqlite3_close(db);
    *rcp = -EINVAL;
    return NULL;
}

struct digest_rows *digest_rows_open(const char *rundir, enum digest_section s, char *err,
                                     size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if ((unsigned)s >= DIGEST_SECTION_COUNT || !rundir) {
        sim_errf(err, errlen, "digest: bad arguments");
        errno = EINVAL;
        return NULL;
    }
    int rc = 0;
    sqlite3 *db = open_run__(rundir, &rc, err, errlen);
    if (!db) {
        errno = -rc;
        return NULL;
    }
    struct digest_rows *r = calloc(1, sizeof *r);
    if (!r) {
        sqlite3_close(db);
        sim_errf(err, errlen, "digest: out of memory");
        errno = ENOMEM;
        return NULL;
    }
    r->db = db;
    r->s = s;
    const struct section_sql *q = &sections[s];
    int present = q->table ? has_table__(db, q->table) : 1;
    if (present > 0 &&
        sqlite3_prepare_v2(db, q->sql, -1, &r->stmt, NULL) != SQLITE_OK) {
        sim_errf(err, errlen, "%s/run.sqlite: cannot read the %s: %s", rundir, q->name,
                 sqlite3_errmsg(db));
        present = -1;
    }
    if (present < 0) {
        digest_rows_close(r);
        errno = EINVAL;
        return NULL;
    }
    return r;
}

/* Appends n bytes to the row's line, growing it. */
static int line_put__(struct digest_rows *r, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 256;
        while (*len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(r->line, cap);
        if (!p)
            return -ENOMEM;
        r->line = p;
        r->line_cap = cap;
    }
    memcpy(r->line + *len, s, n);
    *len += n;
    r->line[*len] = '\0';
    return 0;
}

/* Appends text with backslash, tab, CR and LF escaped. */
static int line_put_escaped__(struct digest_rows *r, size_t *len, const char *s)
{
    for (const char *p = s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '\n': esc = "\\n"; break;
        default: break;
        }
        int rc = esc ? line_put__(r, len, esc, 2) : line_put__(r, len, p, 1);
        if (rc)
            return rc;
    }
    return 0;
}

int digest_rows_next(struct digest_rows *r, struct digest_row *row)
{
    if (!r || !row)
        return -EINVAL;
    if (!r->stmt)
        return 0;
    int rc = sqlite3_step(r->stmt);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        snprintf(r->errmsg, sizeof r->errmsg, "reading the %s: %s", sections[r->s].name,
                 sqlite3_errmsg(r->db));
        return -EIO;
    }
    const struct section_sql *q = &sections[r->s];
    row->ncols = q->ncols;
    size_t len = 0;
    char tag[1] = {q->tag};
    if (line_put__(r, &len, tag, 1))
        return -ENOMEM;
    for (int i = 0; i < q->ncols; i++) {
        row->name[i] = q->cols[i];
        const char *v;
        switch (sqlite3_column_type(r->stmt, i)) {
        case SQLITE_NULL:
            v = NULL;
            break;
        case SQLITE_FLOAT:
            snprintf(r->reals[i], sizeof r->reals[i], "%.17g",
                     sqlite3_column_double(r->stmt, i));
            v = r->reals[i];
            break;
        default: /* INTEGER (decimal), TEXT, BLOB as text */
            v = (const char *)sqlite3_column_text(r->stmt, i);
            if (!v)
                return -ENOMEM;
            break;
        }
        row->text[i] = v;
        int e = line_put__(r, &len, "\t", 1);
        if (!e)
            e = v ? line_put_escaped__(r, &len, v) : line_put__(r, &len, "\\N", 2);
        if (e)
            return e;
    }
    row->value_role = q->role_col ? (const char *)sqlite3_column_text(r->stmt, q->role_col)
                                  : NULL;
    row->line = r->line;
    return 1;
}

const char *digest_rows_errmsg(const struct digest_rows *r) { return r ? r->errmsg : ""; }

void digest_rows_close(struct digest_rows *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->stmt);
    sqlite3_close(r->db);
    free(r->line);
    free(r);
}

/* meta[key] of db as an integer into *v; -1 when the key (or the table)
 * is absent.  0, or -EINVAL for a value that is not a count. */
static int meta_count__(sqlite3 *db, const char *key, int64_t *v)
{
    *v = -1;
    if (has_table__(db, "meta") != 1)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -EINVAL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char *end = NULL;
        errno = 0;
        long long n = t ? strtoll(t, &end, 10) : -1;
        if (!t || end == t || *end || errno || n < 0)
            rc = -EINVAL;
        else
            *v = n;
    }
    sqlite3_finalize(st);
    return rc;
}

int digest_capture_verify(const char *rundir, struct sqlite3 *db, int walk, char *err,
                          size_t errlen)
{
    int rc = 0;
    sqlite3 *own = NULL;
    if (!db) {
        own = db = open_run__(rundir, &rc, err, errlen);
        if (!db)
            return rc;
    }
    int64_t want_bytes, want_packets;
    rc = meta_count__(db, "capture_bytes", &want_bytes);
    if (!rc)
        rc = meta_count__(db, "capture_packets", &want_packets);
    sqlite3_close(own);
    if (rc) {
        sim_errf(err, errlen, "%s/run.sqlite: the meta table's capture_bytes or "
                 "capture_packets is not a count", rundir);
        return -EINVAL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/capture.pcapng", rundir);
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (e == ENOENT && want_bytes < 0)
            return 0; /* no capture, and the run does not say it wrote one */
        if (e == ENOENT)
            sim_errf(err, errlen, "%s: missing: the run wrote a capture of %" PRId64
                     " bytes, %" PRId64 " packets there (run.sqlite meta capture_bytes, "
                     "capture_packets)", path, want_bytes, want_packets);
        else
            sim_errf(err, errlen, "%s: %s", path, strerror(e));
        return e == ENOENT ? -ENOENT : -EIO;
    }
    uint64_t packets = 0, end = (uint64_t)st.st_size;
    if (walk) {
        struct capread *r = capread_open(path, err, errlen);
        if (!r)
            return errno == ENOMEM || errno == EIO ? -errno : -EPROTO;
        struct capread_pkt p;
        while ((rc = capread_next(r, &p)) == 1)
            packets++;
        end = capread_offset(r);
        if (rc < 0)
            sim_errf(err, errlen, "%s", capread_errmsg(r));
        capread_close(r);
        if (rc < 0)
            return rc == -EIO || rc == -ENOMEM ? rc : -EPROTO;
    }
    if ((want_bytes >= 0 && (uint64_t)want_bytes != (uint64_t)st.st_size) ||
        (walk && want_packets >= 0 && (uint64_t)want_packets != packets)) {
        if (walk)
            sim_errf(err, errlen, "%s: %" PRIu64 " packets in %" PRIu64 " bytes of whole "
                     "blocks, but the run wrote %" PRId64 " packets in %" PRId64 " bytes "
                     "(run.sqlite meta capture_packets, capture_bytes): %s", path, packets,
                     end, want_packets, want_bytes,
                     (int64_t)end < want_bytes ? "the capture is truncated at a block boundary"
                                               : "the capture is not the one the run wrote");
        else
            sim_errf(err, errlen, "%s: %" PRIu64 " bytes, but the run wrote %" PRId64
                     " (run.sqlite meta capture_bytes): %s", path, end, want_bytes,
                     (int64_t)end < want_bytes ? "the capture is truncated"
                                               : "the capture is not the one the run wrote");
        return -EPROTO;
    }
    return 0;
}

/* Hashes rundir/capture.pcapng into both contexts (see digest.h: "C"). */
static int digest_capture__(const char *rundir, struct digest *d, struct sha256 *total,
                            char *err, size_t errlen)
{
    char path[4096], head[64];
    snprintf(path, sizeof path, "%s/capture.pcapng", rundir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) {
            sim_errf(err, errlen, "%s: %s", path, strerror(errno));
            return -errno;
        }
        d->has_capture = 0;
        sha256_update(total, "C\t\\N\n", 5);
        sha256_buf("", 0, d->capture);
        return 0;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        sim_errf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -EIO;
    }
    int n = snprintf(head, sizeof head, "C\t%" PRIu64 "\n", (uint64_t)size);
    sha256_update(total, head, (size_t)n);
    struct sha256 cap;
    sha256_init(&cap);
    uint8_t *buf = malloc(CAPTURE_CHUNK);
    if (!buf) {
        close(fd);
        sim_errf(err, errlen, "digest: out of memory");
        return -ENOMEM;
    }
    uint64_t done = 0;
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, buf, CAPTURE_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            sim_errf(err, errlen, "%s: %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        sha256_update(total, buf, (size_t)got);
        sha256_update(&cap, buf, (size_t)got);
        done += (uint64_t)got;
    }
    free(buf);
    close(fd);
    if (!rc && done != (uint64_t)size) {
        sim_errf(err, errlen, "%s: changed while it was read", path);
        rc = -EIO;
    }
    if (rc)
        return rc;
    d->has_capture = 1;
    d->capture_bytes = done;
    sha256_final(&cap, d->capture);
    return 0;
}

int digest_run(const char *rundir, struct digest *d, char *err, size_t errlen)
{
    if (!rundir || !d)
        return -EINVAL;
    memset(d, 0, sizeof *d);
    struct sha256 total;
    sha256_init(&total);
    static const char head[] = DIGEST_FORMAT "\n";
    sha256_update(&total, head, sizeof head - 1);
    for (int s = 0; s < DIGEST_SECTION_COUNT; s++) {
        struct digest_rows *r = digest_rows_open(rundir, (enum digest_section)s, err, errlen);
        if (!r)
            return -errno;
        struct sha256 part;
        sha256_init(&part);
        struct digest_row row;
        int rc;
        while ((rc = digest_rows_next(r, &row)) == 1) {
            size_t n = strlen(row.line);
            sha256_update(&total, row.line, n);
            sha256_update(&total, "\n", 1);
            sha256_update(&part, row.line, n);
            sha256_update(&part, "\n", 1);
            d->rows[s]++;
        }
        if (rc < 0) {
            sim_errf(err, errlen, "%s/run.sqlite: %s", rundir, digest_rows_errmsg(r));
            digest_rows_close(r);
            return rc;
        }
        digest_rows_close(r);
        sha256_final(&part, d->part[s]);
    }
    /* A capture that is missing, cut or corrupt has no digest. */
    int rc = digest_capture_verify(rundir, NULL, 1, err, errlen);
    if (!rc)
        rc = digest_capture__(rundir, d, &total, err, errlen);
    if (rc)
        return rc;
    sha256_final(&total, d->total);
    return 0;
}

int digest_format_parts(const struct digest *d, char *buf, size_t len)
{
    char hex[SHA256_HEX_LEN + 1];
    int n = snprintf(buf, len, "%s\n", sha256_hex(d->total, hex));
    for (int s = 0; s < DIGEST_SECTION_COUNT; s++) {
        int m = snprintf(buf + ((size_t)n < len ? (size_t)n : len), (size_t)n < len ? len - (size_t)n : 0,
                         "%-8s %s %" PRIu64 " rows\n", sections[s].name,
                         sha256_hex(d->part[s], hex), d->rows[s]);
        n += m;
    }
    char *at = buf + ((size_t)n < len ? (size_t)n : len);
    size_t room = (size_t)n < len ? len - (size_t)n : 0;
    if (d->has_capture)
        n += snprintf(at, room, "%-8s %s %" PRIu64 " bytes\n", "capture",
                      sha256_hex(d->capture, hex), d->capture_bytes);
    else
        n += snprintf(at, room, "%-8s none\n", "capture");
    return n;
}
