/* test_digest: the run digest (results/digest.h) and `setsim digest`.
 * The canonical rows resolve names and escape text; the digest ignores
 * wall-clock values, the engine name and object numbering, and changes
 * with any event value or capture byte (and then only in that part); bad
 * run directories and captures that are missing, truncated (at any offset,
 * a block boundary included: run.sqlite records the capture's length) or
 * corrupt are refused with a message naming the file and block offset,
 * exit status 2. */
#include "test_util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"
#include "check.h"
#include "digest.h"
#include "report.h"
#include "test_runs.h"
#include "trace.h"

static char run_a[700]; /* a quickstart run, made once */

static void copy_run(const char *to)
{
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", to, run_a, to);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
}

static int same(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, SHA256_DIGEST_LEN) == 0; }

static void test_canonical_rows(void)
{
    char tmp[512], path[700], err[256];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(path, sizeof path, "%s/run.sqlite", tmp);
    struct trace_run_info info = {.seed = 42, .scenario = "unit", .engine = "native"};
    struct trace *t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    int port = trace_object(t, "tor1/port 1", "port");
    int nic = trace_object(t, "hv1/SLOT 2", "nic");
    CU_ASSERT(port > 0 && nic > 0);
    const uint8_t mac[6] = {0x02, 0x15, 0x5d, 0, 0, 1};
    CU_ASSERT_EQUAL(trace_mac_learn(t, 1500, (trace_obj_t)port, 42, mac), 0);
    struct trace_rec note = {.obj = (trace_obj_t)nic, .detail = "a\tb\nc\\d"};
    CU_ASSERT_EQUAL(trace_event(t, 2000000, TRACE_NOTE, &note), 0);
    CU_ASSERT_EQUAL(trace_finish(t, 5000000, 7), 0);
    CU_ASSERT_EQUAL(trace_close(t), 0);

    struct digest_rows *r = digest_rows_open(tmp, DIGEST_EVENTS, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct digest_row row;
    CU_ASSERT_EQUAL(digest_rows_next(r, &row), 1);
    char want[256];
    snprintf(want, sizeof want, "E\t1\t1500\tmac_learn\ttor1/port 1\t\\N\t\\N\t\\N\t%lld\t42\t\\N\t\\N",
             (long long)trace_mac_pack(mac));
    CU_ASSERT_STRING_EQUAL(row.line, want);
    CU_ASSERT_EQUAL(row.ncols, 11);
    CU_ASSERT_STRING_EQUAL(row.name[3], "obj");
    CU_ASSERT_STRING_EQUAL(row.text[3], "tor1/port 1");
    CU_ASSERT_PTR_NULL(row.text[4]);
    CU_ASSERT_EQUAL(digest_rows_next(r, &row), 1);
    CU_ASSERT_STRING_EQUAL(row.line,
                           "E\t2\t2000000\tnote\thv1/SLOT 2\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\ta\\tb\\nc\\\\d");
    CU_ASSERT_STRING_EQUAL(row.text[10], "a\tb\nc\\d");
    CU_ASSERT_EQUAL(digest_rows_next(r, &row), 0);
    digest_rows_close(r);

    r = digest_rows_open(tmp, DIGEST_RUN, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(digest_rows_next(r, &row), 1);
    CU_ASSERT_STRING_EQUAL(row.line, "R\tunit\t42\t5000000");
    digest_rows_close(r);

    /* No capture: the digest says so. */
    struct digest d;
    CU_ASSERT_EQUAL(digest_run(tmp, &d, err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.has_capture, 0);
    CU_ASSERT_EQUAL(d.rows[DIGEST_EVENTS], 2);
    CU_ASSERT_EQUAL(d.rows[DIGEST_RUN], 1);
    CU_ASSERT_EQUAL(d.rows[DIGEST_FLOWS], 0);
}

static void test_what_counts(void)
{
    char tmp[512], b[800], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(run_a, sizeof run_a, "%s/a", tmp);
    CU_ASSERT_EQUAL_FATAL(test_example_run("quickstart", run_a, NULL, NULL, 0), 0);
    snprintf(b, sizeof b, "%s/b", tmp);
    struct digest da, db;
    CU_ASSERT_EQUAL_FATAL(digest_run(run_a, &da, err, sizeof err), 0);
    CU_ASSERT(da.has_capture && da.capture_bytes > 1000);
    CU_ASSERT(da.rows[DIGEST_EVENTS] > 10);

    /* Wall clock, engine, version and the event count do not count. */
    copy_run(b);
    test_run_sql(b, "UPDATE runs SET started_at = '1999-01-01T00:00:00Z', finished_at = "
           "'1999-01-01T00:00:09Z', engine = 'ns3', version = '9.9', event_count = 1");
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(same(da.total, db.total));

    /* Neither does the numbering of objects: names are resolved. */
    copy_run(b);
    test_run_sql(b, "PRAGMA foreign_keys = OFF; UPDATE objects SET id = id + 1000; "
           "UPDATE events SET obj = obj + 1000 WHERE obj IS NOT NULL; "
           "UPDATE events SET obj2 = obj2 + 1000 WHERE obj2 IS NOT NULL; "
           "UPDATE samples SET obj = obj + 1000 WHERE obj IS NOT NULL");
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(same(da.total, db.total));

    /* One event value: the total and the events part change, nothing else. */
    copy_run(b);
    test_run_sql(b, "UPDATE events SET time_ps = time_ps + 1 WHERE seq = 5");
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(!same(da.total, db.total));
    CU_ASSERT(!same(da.part[DIGEST_EVENTS], db.part[DIGEST_EVENTS]));
    CU_ASSERT(same(da.part[DIGEST_RUN], db.part[DIGEST_RUN]));
    CU_ASSERT(same(da.capture, db.capture));

    /* A renamed object changes the events part too. */
    copy_run(b);
    test_run_sql(b, "UPDATE objects SET name = name || 'x' WHERE id = (SELECT obj FROM events WHERE seq = 1)");
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(!same(da.part[DIGEST_EVENTS], db.part[DIGEST_EVENTS]));

    /* A flows row counts. */
    copy_run(b);
    test_run_sql(b, "INSERT INTO flows(id, generator, kind, class, src, dst, start_ps, sent_bytes, "
           "delivered_bytes, goodput_bps, complete) VALUES (99, 'g', 'udp', 'udp', 'a', 'b', 0, "
           "10, 10, 1.5e9, 1)");
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(!same(da.total, db.total));
    CU_ASSERT(!same(da.part[DIGEST_FLOWS], db.part[DIGEST_FLOWS]));
    CU_ASSERT(same(da.part[DIGEST_EVENTS], db.part[DIGEST_EVENTS]));

    /* One capture byte (the last frame's last byte). */
    copy_run(b);
    char cmd[1600];
    snprintf(cmd, sizeof cmd,
             "f='%s/capture.pcapng'; n=$(stat -c %%s \"$f\"); "
             "printf '\\377' | dd of=\"$f\" bs=1 seek=$((n - 9)) conv=notrunc status=none",
             b);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    CU_ASSERT_EQUAL_FATAL(digest_run(b, &db, err, sizeof err), 0);
    CU_ASSERT(!same(da.total, db.total));
    CU_ASSERT(!same(da.capture, db.capture));
    CU_ASSERT(same(da.part[DIGEST_EVENTS], db.part[DIGEST_EVENTS]));
    CU_ASSERT_EQUAL(da.capture_bytes, db.capture_bytes);

    /* The command prints the same digest. */
    char out[2048], parts[2048], hex[SHA256_HEX_LEN + 1];
    snprintf(cmd, sizeof cmd, "'%s' digest '%s'", SETSIM_BIN, run_a);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    CU_ASSERT_EQUAL(strncmp(out, sha256_hex(da.total, hex), SHA256_HEX_LEN), 0);
    CU_ASSERT_EQUAL(strlen(out), SHA256_HEX_LEN + 1);
    snprintf(cmd, sizeof cmd, "'%s' digest --parts '%s'", SETSIM_BIN, run_a);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 0);
    digest_format_parts(&da, parts, sizeof parts);
    CU_ASSERT_STRING_EQUAL(out, parts);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\ncapture  "));
}

static void test_bad_rundirs(void)
{
    char tmp[512], dir[800], cmd[1800], out[2048], err[512];
    struct digest d;
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(dir, sizeof dir, "%s/nope", tmp);
    CU_ASSERT_EQUAL(digest_run(dir, &d, err, sizeof err), -ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such run directory"));
    CU_ASSERT_EQUAL(digest_run(tmp, &d, err, sizeof err), -ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a run directory (no run.sqlite)"));
    snprintf(cmd, sizeof cmd, "'%s' digest '%s'", SETSIM_BIN, tmp);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not a run directory"));

    /* Not a database. */
    snprintf(cmd, sizeof cmd, "echo 'hello' > '%s/run.sqlite'", tmp);
    test_run(cmd, NULL, 0);
    CU_ASSERT_EQUAL(digest_run(tmp, &d, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a setsim run database"));
    snprintf(cmd, sizeof cmd, "'%s' digest '%s'", SETSIM_BIN, tmp);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);

    /* An incomplete run. */
    copy_run(dir);
    test_run_sql(dir, "UPDATE runs SET complete = 0");
    CU_ASSERT_EQUAL(digest_run(dir, &d, err, sizeof err), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the run is not complete"));
    snprintf(cmd, sizeof cmd, "'%s' digest '%s'", SETSIM_BIN, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not complete"));

    /* Usage. */
    snprintf(cmd, sizeof cmd, "'%s' digest", SETSIM_BIN);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "which run directory?"));
    snprintf(cmd, sizeof cmd, "'%s' digest --frob '%s'", SETSIM_BIN, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "unknown option '--frob'"));
}

/* Digests run_a's copy at dir: digest_run's return code want_rc and a
 * message naming the capture and containing want; `setsim digest` exits 2
 * with the same message. */
static void expect_refused(const char *dir, const char *what, int want_rc, const char *want)
{
    struct digest d;
    char err[1024] = "", cmd[1800], out[2048];
    int rc = digest_run(dir, &d, err, sizeof err);
    if (rc != want_rc || !strstr(err, want))
        fprintf(stderr, "\n%s: digest_run %d '%s' (want %d '%s')\n", what, rc, err, want_rc,
                want);
    CU_ASSERT_EQUAL(rc, want_rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/capture.pcapng: "));
    snprintf(cmd, sizeof cmd, "'%s' digest --parts '%s'", SETSIM_BIN, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NULL(strstr(out, "capture  ")); /* no digest printed */
}

static void cut_at(const char *dir, uint64_t size)
{
    char cmd[1800];
    copy_run(dir);
    snprintf(cmd, sizeof cmd, "truncate -s %llu '%s/capture.pcapng'", (unsigned long long)size,
             dir);
    CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
}

/* Overwrites 4 bytes (little-endian v) of dir's capture at off. */
static void poke32(const char *dir, uint64_t off, uint32_t v)
{
    char path[900];
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CU_ASSERT_EQUAL(fseek(f, (long)off, SEEK_SET), 0);
    CU_ASSERT_EQUAL(fwrite(b, 1, 4, f), 4);
    fclose(f);
}

/* A run's capture truncated at several offsets (in the section header, in
 * a block header, in a packet block, at a block boundary, one byte short),
 * deleted, with a corrupt block length, an interface of a link type that
 * does not carry Ethernet or bytes appended: digest_run and
 * `setsim digest` refuse it naming the file and the block's offset (or
 * the counts the run recorded), exit 2; `setsim diff` too. */
static void test_damaged_capture(void)
{
    char tmp[512], dir[800], cap[900], err[1024], want[512], cmd[2400], out[4096];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(dir, sizeof dir, "%s/damaged", tmp);
    snprintf(cap, sizeof cap, "%s/capture.pcapng", run_a);
    /* Where packet 20 starts, and the file's length. */
    struct capread *r = capread_open(cap, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct capread_pkt p;
    uint64_t first = 0, p20 = 0, npkts = 0;
    while (capread_next(r, &p) == 1) {
        if (++npkts == 1)
            first = p.offset;
        if (npkts == 20)
            p20 = p.offset;
    }
    uint64_t size = capread_offset(r);
    capread_close(r);
    CU_ASSERT_FATAL(first > 0 && p20 > first && size > p20 + 1000);
    /* The run recorded what it wrote. */
    char meta[128] = "";
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"SELECT value FROM meta WHERE key = "
             "'capture_bytes'\"", run_a);
    test_run(cmd, meta, sizeof meta);
    CU_ASSERT_EQUAL(strtoull(meta, NULL, 10), size);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/run.sqlite' \"SELECT value FROM meta WHERE key = "
             "'capture_packets'\"", run_a);
    test_run(cmd, meta, sizeof meta);
    CU_ASSERT_EQUAL(strtoull(meta, NULL, 10), npkts);

    cut_at(dir, 0);
    expect_refused(dir, "empty", -EPROTO, "the file ends before a capture header");
    cut_at(dir, 10);
    expect_refused(dir, "in the SHB", -EPROTO, "block 1 at byte 0: truncated block");
    cut_at(dir, first - 2);
    expect_refused(dir, "in the last IDB", -EPROTO, "truncated block: the file ends inside a block (");
    cut_at(dir, p20 + 3);
    snprintf(want, sizeof want, "at byte %llu: truncated block: the file ends inside a block "
             "header (3 of 8 bytes)", (unsigned long long)p20);
    expect_refused(dir, "in a block header", -EPROTO, want);
    cut_at(dir, p20 + 30);
    snprintf(want, sizeof want, "at byte %llu: truncated block: the file ends inside a block (",
             (unsigned long long)p20);
    expect_refused(dir, "in a packet block", -EPROTO, want);
    cut_at(dir, size - 1);
    expect_refused(dir, "one byte short", -EPROTO, "truncated block: the file ends inside a block (");
    /* At a block boundary the blocks are whole: the recorded counts tell. */
    cut_at(dir, p20);
    snprintf(want, sizeof want, "19 packets in %llu bytes of whole blocks, but the run wrote "
             "%llu packets in %llu bytes (run.sqlite meta capture_packets, capture_bytes): the "
             "capture is truncated at a block boundary", (unsigned long long)p20,
             (unsigned long long)npkts, (unsigned long long)size);
    expect_refused(dir, "at a block boundary", -EPROTO, want);

    /* Deleted. */
    copy_run(dir);
    snprintf(cmd, sizeof cmd, "rm '%s/capture.pcapng'", dir);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    snprintf(want, sizeof want, "capture.pcapng: missing: the run wrote a capture of %llu bytes, "
             "%llu packets there", (unsigned long long)size, (unsigned long long)npkts);
    expect_refused(dir, "deleted", -ENOENT, want);
    /* diff refuses it too, naming it. */
    snprintf(cmd, sizeof cmd, "'%s' diff '%s' '%s'", SETSIM_BIN, run_a, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));

    /* Block lengths corrupted: not a multiple of 4, and one that makes the
     * trailing length disagree. */
    copy_run(dir);
    poke32(dir, p20 + 4, 259);
    snprintf(want, sizeof want, "at byte %llu: bad block length 259", (unsigned long long)p20);
    expect_refused(dir, "length 259", -EPROTO, want);
    copy_run(dir);
    poke32(dir, p20 + 4, 64);
    snprintf(want, sizeof want, "at byte %llu: the block's trailing length", (unsigned long long)p20);
    expect_refused(dir, "length 64", -EPROTO, want);
    snprintf(cmd, sizeof cmd, "'%s' diff '%s' '%s'", SETSIM_BIN, run_a, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    /* An interface of a link type that does not carry Ethernet (802.11):
     * its IDB follows the section header. */
    copy_run(dir);
    uint8_t shb[8];
    FILE *f = fopen(cap, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL_FATAL(fread(shb, 1, 8, f), 8);
    fclose(f);
    uint64_t idb = (uint64_t)shb[4] | (uint64_t)shb[5] << 8 | (uint64_t)shb[6] << 16 |
                   (uint64_t)shb[7] << 24;
    poke32(dir, idb + 8, 105); /* link type, reserved */
    snprintf(want, sizeof want, "block 2 at byte %llu: interface 0 has link type 105, which does "
             "not carry Ethernet", (unsigned long long)idb);
    expect_refused(dir, "802.11", -EPROTO, want);
    snprintf(cmd, sizeof cmd, "'%s' diff '%s' '%s'", SETSIM_BIN, run_a, dir);
    CU_ASSERT_EQUAL(test_run(cmd, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    /* Bytes appended after the last block. */
    copy_run(dir);
    snprintf(cmd, sizeof cmd, "head -c 8 /dev/zero >> '%s/capture.pcapng'", dir);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    snprintf(want, sizeof want, "at byte %llu: bad block length 0", (unsigned long long)size);
    expect_refused(dir, "appended", -EPROTO, want);

    /* A run that does not record its capture (older setsim, or a trace not
     * written by a world): a cut block is still found; a missing capture
     * is "none", as before. */
    cut_at(dir, p20 + 30);
    test_run_sql(dir, "DELETE FROM meta WHERE key LIKE 'capture_%'");
    snprintf(want, sizeof want, "at byte %llu: truncated block", (unsigned long long)p20);
    expect_refused(dir, "unrecorded, cut", -EPROTO, want);
    snprintf(cmd, sizeof cmd, "rm '%s/capture.pcapng'", dir);
    CU_ASSERT_EQUAL(test_run(cmd, NULL, 0), 0);
    struct digest d;
    CU_ASSERT_EQUAL(digest_run(dir, &d, err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.has_capture, 0);
    /* And the untouched run still digests. */
    CU_ASSERT_EQUAL(digest_run(run_a, &d, err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.capture_bytes, size);
}

/* Every column of every table of a run database set to NULL, then to text,
 * one column at a time (a hand-edited or damaged run.sqlite): digest_run,
 * the checker's reader and `report --csv` each give a result or refuse
 * with a message; none crashes (the suites also run under ASan, UBSan and
 * valgrind).  A short quickstart run (1 ms) keeps it fast. */
static void test_mangled_columns(void)
{
    char tmp[512], base[700], dir[800], out[800], cmd[2600], err[1024], sql[300];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    snprintf(base, sizeof base, "%s/small", tmp);
    snprintf(dir, sizeof dir, "%s/mangled", tmp);
    snprintf(out, sizeof out, "%s/report", tmp);
    CU_ASSERT_EQUAL_FATAL(
        test_example_run("quickstart", base, "--set scenario.duration=1ms", NULL, 0), 0);

    char cols[256][2][64];
    size_t ncols = 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    snprintf(cmd, sizeof cmd, "%s/run.sqlite", base);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(cmd, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT m.name, p.name FROM sqlite_master m, "
                                             "pragma_table_info(m.name) p WHERE m.type = 'table' "
                                             "ORDER BY 1, 2",
                                             -1, &st, NULL),
                          SQLITE_OK);
    while (ncols < 256 && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(cols[ncols][0], 64, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(cols[ncols][1], 64, "%s", (const char *)sqlite3_column_text(st, 1));
        ncols++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    CU_ASSERT(ncols >= 40); /* runs, meta, objects, events, flows, samples, ... */

    static const char *const values[] = {"NULL", "'zz'"};
    size_t tried = 0;
    for (size_t i = 0; i < ncols; i++) {
        for (size_t v = 0; v < 2; v++) {
            snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", dir, base, dir);
            CU_ASSERT_EQUAL_FATAL(test_run(cmd, NULL, 0), 0);
            snprintf(cmd, sizeof cmd, "%s/run.sqlite", dir);
            CU_ASSERT_EQUAL_FATAL(sqlite3_open(cmd, &db), SQLITE_OK);
            snprintf(sql, sizeof sql, "UPDATE \"%.63s\" SET \"%.63s\" = %.16s", cols[i][0],
                     cols[i][1], values[v]);
            int ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK; /* NOT NULL: skip */
            sqlite3_close(db);
            if (!ok)
                continue;
            tried++;
            struct digest d;
            err[0] = '\0';
            int rc = digest_run(dir, &d, err, sizeof err);
            CU_ASSERT(rc == 0 || err[0] != '\0');

            struct check_input *in = check_input_new();
            CU_ASSERT_PTR_NOT_NULL_FATAL(in);
            err[0] = '\0';
            rc = check_input_from_run(in, dir, NULL, err, sizeof err);
            if (rc == 0) {
                struct check_report *rep = check_run(in, err, sizeof err);
                CU_ASSERT(rep != NULL || err[0] != '\0');
                check_report_free(rep);
            } else {
                CU_ASSERT(err[0] != '\0');
            }
            check_input_close_events(in);
            check_input_free(in);

            struct report_options o = {.rundir = dir, .outdir = out, .csv = 1};
            err[0] = '\0';
            rc = report_run(&o, err, sizeof err);
            if (rc != 0 && err[0] == '\0')
                fprintf(stderr, "\n%s: report_run %d without a message\n", sql, rc);
            CU_ASSERT(rc == 0 || err[0] != '\0');
        }
    }
    CU_ASSERT(tried >= ncols); /* most columns take both values */
}

int suite_digest(void)
{
    CU_pSuite s = test_suite("digest");
    if (!s || !CU_add_test(s, "canonical rows: names resolved, text escaped", test_canonical_rows) ||
        !CU_add_test(s, "what changes the digest and what does not", test_what_counts) ||
        !CU_add_test(s, "bad run directories: message, exit 2", test_bad_rundirs) ||
        !CU_add_test(s, "truncated, missing or corrupt capture: message, exit 2",
                     test_damaged_capture) ||
        !CU_add_test(s, "every column NULL or text: digest, check, report answer or refuse",
                     test_mangled_columns))
        return -1;
    return 0;
}
