/* test_digest: the run digest (results/digest.h) and `setsim digest`.
 * The canonical rows resolve names and escape text; the digest ignores
 * wall-clock values, the engine name and object numbering, and changes
 * with any event value or capture byte (and then only in that part); bad
 * run directories are refused with a message and exit status 2. */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
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

int suite_digest(void)
{
    CU_pSuite s = test_suite("digest");
    if (!s || !CU_add_test(s, "canonical rows: names resolved, text escaped", test_canonical_rows) ||
        !CU_add_test(s, "what changes the digest and what does not", test_what_counts) ||
        !CU_add_test(s, "bad run directories: message, exit 2", test_bad_rundirs))
        return -1;
    return 0;
}
