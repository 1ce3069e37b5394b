/* digest: the digest of a run directory - one SHA-256 over what the run
 * simulated, so that two runs can be compared (goldens in CI, engine
 * parity, determinism) without keeping their files.
 *
 * What is hashed, in this order (the "canonical stream", format
 * DIGEST_FORMAT):
 *
 *   "setsim-digest/1\n"
 *   R  the runs row: scenario, seed, sim_end_ps (not version, engine,
 *      scenario_hash, started_at/finished_at, event_count, trace_rows)
 *   E  every events row in seq order: seq, time_ps, kind name, obj name,
 *      obj2 name, flow, prio, value, aux, reason, detail
 *   F  every flows row in id order, every column (schema 2; none before)
 *   S  every samples row in insertion order: time_ps, obj name, metric
 *      name, unit, value
 *   C  "C\t<bytes>\n" and then the bytes of capture.pcapng, or "C\t\N\n"
 *      when the run has no capture
 *
 * Each row is one line: a one-letter table tag, then the columns separated
 * by tabs; NULL is \N, text escapes backslash, tab, CR and LF as \\ \t \r
 * \n, integers are decimal, reals are %.17g (the same bits give the same
 * text).  Object and kind ids are resolved to their names, so the digest
 * does not depend on the order in which a run interned its objects.
 *
 * Left out on purpose: wall-clock values (runs.started_at, finished_at),
 * what differs between engines or builds without changing behaviour
 * (runs.engine, version, event_count: the engine's internal event count),
 * the checker's verdicts table (a new checker rule must not change every
 * golden; the verdicts are derived from the rows hashed here), log.txt and
 * summary.txt (derived).  The capture's Section Header Block names the
 * setsim version (shb_userappl), so a version bump changes every digest;
 * the capture holds no host name, OS or wall-clock time (pcapng.h).
 *
 * Besides the total, each section is hashed on its own ("parts"), so a
 * changed digest says whether events, flows, samples or capture changed.
 *
 * Errors: a run directory that cannot be read, whose run.sqlite is missing,
 * not a setsim trace or not complete (complete = 0), or whose capture is
 * missing, truncated or corrupt (digest_capture_verify) is bad input: the
 * functions return a negative errno and write a one-line reason naming the
 * path into err.
 */
#ifndef SETSIM_DIGEST_H
#define SETSIM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define DIGEST_FORMAT "setsim-digest/1"

/* The sections of the canonical stream. */
enum digest_section {
    DIGEST_RUN = 0, /* the runs row */
    DIGEST_EVENTS,  /* events rows */
    DIGEST_FLOWS,   /* flows rows */
    DIGEST_SAMPLES, /* samples rows */
    DIGEST_SECTION_COUNT
};

/* A run's digest and the digest of each part. */
struct digest {
    uint8_t total[SHA256_DIGEST_LEN];
    uint8_t part[DIGEST_SECTION_COUNT][SHA256_DIGEST_LEN];
    uint64_t rows[DIGEST_SECTION_COUNT];
    uint8_t capture[SHA256_DIGEST_LEN]; /* of the capture file's bytes */
    int has_capture;                    /* 0: the run has no capture.pcapng */
    uint64_t capture_bytes;
};

/* Name of a section as printed ("run", "events", "flows", "samples"). */
const char *digest_section_name(enum digest_section s);

/* Computes the digest of the run directory rundir.  Returns 0, or a
 * negative errno with a reason in err (-ENOENT: no run.sqlite or a missing
 * capture, -EINVAL: not a complete setsim run, -EPROTO: a truncated or
 * corrupt capture, see digest_capture_verify; -EIO: read error). */
int digest_run(const char *rundir, struct digest *d, char *err, size_t errlen);

struct sqlite3;

/* Checks rundir/capture.pcapng against what run.sqlite says the run wrote
 * (meta capture_bytes and capture_packets, recorded by setsim run; runs of
 * older versions and traces not written by a world do not say, and then a
 * missing capture is "none").  db: the run's database, or NULL to open
 * rundir/run.sqlite (which must be a complete run).  walk: also read every
 * block through capread (a block cut or corrupt is named with its number
 * and byte offset) and compare the packet count; 0: only presence and
 * length.  Returns 0, -ENOENT (missing although the run wrote it), -EPROTO
 * (truncated, corrupt, or not the length the run wrote), -EINVAL, -EIO,
 * with a reason naming the file in err. */
int digest_capture_verify(const char *rundir, struct sqlite3 *db, int walk, char *err,
                          size_t errlen);

/* Writes the digest as `setsim digest --parts` prints it: the total, then
 * one line per part with its row or byte count.  Returns the bytes written
 * (snprintf's convention). */
int digest_format_parts(const struct digest *d, char *buf, size_t len);

/* ---- Canonical rows, one at a time (for setsim diff) ---- */

struct digest_rows;

/* Columns of one canonical row; text is NULL for an SQL NULL.  Pointers
 * stay valid until the next digest_rows_next() or digest_rows_close(). */
#define DIGEST_MAX_COLS 24
struct digest_row {
    int ncols;
    const char *name[DIGEST_MAX_COLS]; /* column names (static) */
    const char *text[DIGEST_MAX_COLS]; /* values as text; NULL: SQL NULL */
    const char *line;                  /* the canonical line, with its tag
                                        * and without the newline */
    const char *value_role;            /* events: what `value` holds for this
                                        * kind ("mac", "bytes", ...; not
                                        * hashed), else NULL */
};

/* Opens a cursor over the rows of one section of run directory rundir
 * (checked as digest_run does).  Returns NULL with a reason in err. */
struct digest_rows *digest_rows_open(const char *rundir, enum digest_section s, char *err,
                                     size_t errlen);
/* Reads the next row: 1 and *row filled, 0 at the end, or a negative
 * errno (reason in digest_rows_errmsg). */
int digest_rows_next(struct digest_rows *r, struct digest_row *row);
const char *digest_rows_errmsg(const struct digest_rows *r);
/* NULL-safe. */
void digest_rows_close(struct digest_rows *r);

#endif
