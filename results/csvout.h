/* csvout: CSV files written with libcsv (RFC 4180 quoting), from SQL
 * queries over a run or study database or row by row.
 *
 * A file is written as PATH.part and renamed to PATH when it is complete,
 * so a CSV on disk is never a partial one.  Fields: text quoted by
 * libcsv's csv_fwrite (always quoted, inner quotes doubled); integers as
 * decimal; reals with %.17g (round-trip exact); SQL NULL as an empty
 * field.  The first row is the header (the query's column names).
 *
 * Errors: 0 or a negative errno, the reason (path, SQLite message) in err. */
#ifndef SETSIM_CSVOUT_H
#define SETSIM_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

/* Runs sql on db and writes its rows to path with a header row; *rows (if
 * not NULL) receives the data rows written. */
int csvout_query(struct sqlite3 *db, const char *sql, const char *path, uint64_t *rows,
                 char *err, size_t errlen);

/* Row-by-row writing: open, fields (each call adds one field to the current
 * row), csvout_end_row, then csvout_close (renames into place) or
 * csvout_discard (removes the partial file). */
struct csvout;
struct csvout *csvout_open(const char *path, char *err, size_t errlen);
int csvout_text(struct csvout *c, const char *s); /* NULL: empty field */
int csvout_i64(struct csvout *c, int64_t v);
int csvout_real(struct csvout *c, double v);      /* NaN: empty field */
int csvout_null(struct csvout *c);
int csvout_end_row(struct csvout *c);
int csvout_close(struct csvout *c, char *err, size_t errlen);
void csvout_discard(struct csvout *c);

#endif
