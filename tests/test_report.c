/* test_report: the results layer: the gnuplot pipe (plot), CSV files
 * (csvout) and `setsim report` on real runs: exit status of bad flags and
 * bad run directories, PNG figures checked by size and gnuplot's status,
 * CSV data equal to the database. */
#include "report.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <math.h>

#include "csvout.h"
#include "plot.h"
#include "test_util.h"

#define OUT_MAX 65536

static int setsim__(const char *args, char *out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", SETSIM_BIN, args);
    return test_run(cmd, out, OUT_MAX);
}

static long file_size__(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* PNG signature and IHDR width/height. */
static int png_size__(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n != sizeof b || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return -1;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    return 0;
}

static int count_files__(const char *dir)
{
    char cmd[1200], out[64];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    if (test_run(cmd, out, sizeof out) != 0)
        return -1;
    return atoi(out);
}

/* ------------------------------------------------------------------ */
/* plot */

static void test_plot_png(void)
{
    char dir[512], path[600], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/line.png", dir);
    struct plot_settings s = {.path = path, .format = "png", .width = 640, .height = 400};
    struct plot *p = plot_open(&s, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(plot_cmd(p, "set title 'a_b it''s'"), 0);
    CU_ASSERT_EQUAL(plot_block_begin(p, "d"), 0);
    for (int i = 0; i < 10000; i++) /* more than one pipe buffer */
        CU_ASSERT_EQUAL(plot_block_row(p, "%d %d", i, i * i), 0);
    CU_ASSERT_EQUAL(plot_block_end(p), 0);
    CU_ASSERT_EQUAL(plot_cmd(p, "plot $d using 1:2 with lines title 'square'"), 0);
    long bytes = 0;
    int rc = plot_close(p, &bytes, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT(bytes > 1000);
    CU_ASSERT_EQUAL(bytes, file_size__(path));
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(png_size__(path, &w, &h), 0);
    CU_ASSERT_EQUAL(w, 640);
    CU_ASSERT_EQUAL(h, 400);
    /* No script or data file next to the figure. */
    CU_ASSERT_EQUAL(count_files__(dir), 1);
}

static void test_plot_error_removes_output(void)
{
    char dir[512], path[600], err[512] = "";
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/bad.png", dir);
    struct plot_settings s = {.path = path};
    struct plot *p = plot_open(&s, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    plot_cmd(p, "plot nosuchfunction(x)");
    /* Writes after gnuplot died fail without SIGPIPE killing us. */
    for (int i = 0; i < 20000; i++)
        plot_cmd(p, "print %d", i);
    CU_ASSERT_EQUAL(plot_close(p, NULL, err, sizeof err), -EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "undefined function"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exited with status 1"));
    CU_ASSERT_EQUAL(file_size__(path), -1);
    /* An empty data set is a warning, which fails the plot by default. */
    p = plot_open(&s, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    plot_block_begin(p, "e");
    plot_block_end(p);
    plot_cmd(p, "plot $e using 1:2 with lines");
    CU_ASSERT_NOT_EQUAL(plot_close(p, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(file_size__(path), -1);
    CU_ASSERT_EQUAL(count_files__(dir), 0);
}

static void test_plot_bad_program_and_format(void)
{
    char dir[512], path[600], err[512] = "";
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/x.png", dir);
    struct plot_settings s = {.path = path, .gnuplot = "/nonexistent/gnuplot"};
    struct plot *p = plot_open(&s, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    plot_cmd(p, "plot x");
    CU_ASSERT_EQUAL(plot_close(p, NULL, err, sizeof err), -ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not be run"));
    s.gnuplot = NULL;
    s.format = "gif";
    CU_ASSERT_PTR_NULL(plot_open(&s, err, sizeof err));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_FALSE(plot_format_ok("jpeg"));
    CU_ASSERT_TRUE(plot_format_ok("svg"));
}

static void test_plot_message_and_quote(void)
{
    char dir[512], path[600], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/empty.svg", dir);
    struct plot_settings s = {.path = path, .format = "svg"};
    long bytes = 0;
    CU_ASSERT_EQUAL(plot_message(&s, "run: queue depth", "no data", &bytes, err, sizeof err), 0);
    CU_ASSERT(bytes > 100);
    char buf[256];
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<svg"));
    char q[16];
    CU_ASSERT_STRING_EQUAL(plot_quote("it's", q, sizeof q), "'it''s'");
    CU_ASSERT_STRING_EQUAL(plot_quote("a\nb", q, sizeof q), "'a b'");
    CU_ASSERT_STRING_EQUAL(plot_quote("0123456789abcdef", q, 8), "'01234'");
}

/* ------------------------------------------------------------------ */
/* csvout */

static void test_csvout_query(void)
{
    char dir[512], path[600], err[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/q.csv", dir);
    sqlite3 *db = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(":memory:", &db), SQLITE_OK);
    /* The reals are bound as C doubles, not parsed by SQLite from text: its
     * text-to-real conversion uses long double, which valgrind computes at
     * 64 bits and so rounds 1e300 one ulp away. */
    sqlite3_exec(db, "CREATE TABLE t(a INTEGER, b TEXT, c REAL);", NULL, NULL, NULL);
    sqlite3_stmt *ins = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &ins,
                                             NULL),
                          SQLITE_OK);
    sqlite3_bind_int(ins, 1, 1);
    sqlite3_bind_text(ins, 2, "plain", -1, SQLITE_STATIC);
    sqlite3_bind_double(ins, 3, 0.1);
    CU_ASSERT_EQUAL(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    sqlite3_exec(db, "INSERT INTO t VALUES (-9223372036854775808, 'say \"hi\", ok', NULL);",
                 NULL, NULL, NULL);
    sqlite3_clear_bindings(ins);
    sqlite3_bind_double(ins, 3, 1e300);
    CU_ASSERT_EQUAL(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_finalize(ins);
    uint64_t rows = 0;
    CU_ASSERT_EQUAL(csvout_query(db, "SELECT a, b, c FROM t ORDER BY rowid", path, &rows, err,
                                 sizeof err),
                    0);
    CU_ASSERT_EQUAL(rows, 3);
    char buf[512];
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "\"a\",\"b\",\"c\"\r\n"
                                "1,\"plain\",0.10000000000000001\r\n"
                                "-9223372036854775808,\"say \"\"hi\"\", ok\",\r\n"
                                ",,1.0000000000000001e+300\r\n");
    /* A failing query leaves no file, not even the .part. */
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    CU_ASSERT_EQUAL(csvout_query(db, "SELECT nosuch FROM t", path, &rows, err, sizeof err),
                    -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuch"));
    CU_ASSERT_EQUAL(count_files__(dir), 1);
    sqlite3_close(db);
}

/* ------------------------------------------------------------------ */
/* setsim report */

/* One run of an example scenario, shared by the tests below. */
static char run_q[600];

static const char *quickstart_run__(void)
{
    if (run_q[0])
        return run_q;
    char dir[512], src[512], out[OUT_MAX], args[2048];
    if (test_tmpdir(dir, sizeof dir) != 0)
        return NULL;
    snprintf(run_q, sizeof run_q, "%s/quick", dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' --quiet",
             test_src_path("scenarios/examples/quickstart.yaml", src, sizeof src), run_q);
    if (setsim__(args, out) != 0) {
        fprintf(stderr, "%s\n", out);
        run_q[0] = '\0';
        return NULL;
    }
    return run_q;
}

static void test_report_bad_input(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    char dir[512], args[2048], out[OUT_MAX], db[700], file[700];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(file, sizeof file, "%s/afile", dir);
    FILE *f = fopen(file, "w");
    fputs("x", f);
    fclose(f);
    struct {
        const char *args;
        const char *says;
    } cases[] = {
        {"report", "RUNDIR is missing"},
        {"report --bogus RUN", "unknown option '--bogus'"},
        {"report RUN --format gif", "--format: 'gif' is not png or svg"},
        {"report RUN --format", "--format needs a value"},
        {"report RUN -o", "-o needs a value"},
        {"report RUN RUN", "one directory only"},
        {"report /nonexistent/run", "/nonexistent/run: no such run directory"},
        {"report FILE", "not a directory"},
        {"report DIR", "not a run directory (no run.sqlite)"},
        {"report RUN -o FILE", "a file is in the way"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[1024] = "";
        /* Substitute RUN, DIR and FILE. */
        const char *s = cases[i].args;
        size_t o = 0;
        while (*s && o < sizeof a - 600) {
            if (strncmp(s, "RUN", 3) == 0)
                o += (size_t)snprintf(a + o, sizeof a - o, "'%s'", run), s += 3;
            else if (strncmp(s, "DIR", 3) == 0)
                o += (size_t)snprintf(a + o, sizeof a - o, "'%s'", dir), s += 3;
            else if (strncmp(s, "FILE", 4) == 0)
                o += (size_t)snprintf(a + o, sizeof a - o, "'%s'", file), s += 4;
            else
                a[o++] = *s++;
        }
        a[o] = '\0';
        int rc = setsim__(a, out);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].says));
        if (rc != 2 || !strstr(out, cases[i].says))
            fprintf(stderr, "setsim %s -> %d: %s\n", a, rc, out);
    }
    /* A run database that is not complete is refused. */
    snprintf(args, sizeof args, "cp -r '%s' '%s/inc' && sqlite3 '%s/inc/run.sqlite' "
                                "'UPDATE runs SET complete = 0'",
             run, dir, dir);
    CU_ASSERT_EQUAL_FATAL(test_run(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "report '%s/inc'", dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "incomplete (runs.complete = 0)"));
    snprintf(db, sizeof db, "%s/inc/plots", dir);
    CU_ASSERT_EQUAL(file_size__(db), -1);
    /* A file that is not SQLite. */
    snprintf(args, sizeof args, "echo junk > '%s/inc/run.sqlite'", dir);
    test_run(args, out, sizeof out);
    snprintf(args, sizeof args, "report '%s/inc'", dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not a setsim run database"));
}

static void test_report_writes_every_file(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    char dir[512], args[2048], out[OUT_MAX], path[800];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(args, sizeof args, "report '%s' -o '%s/rep'", run, dir);
    int rc = setsim__(args, out);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "%s\n", out);
    const char *csv[] = {"flows", "samples", "events", "verdicts"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/rep/csv/%s.csv", dir, csv[i]);
        CU_ASSERT(file_size__(path) > 0);
    }
    for (size_t i = 0; report_plot_names[i]; i++) {
        unsigned w = 0, h = 0;
        snprintf(path, sizeof path, "%s/rep/plots/%s.png", dir, report_plot_names[i]);
        CU_ASSERT(file_size__(path) > 5000);
        CU_ASSERT_EQUAL(png_size__(path, &w, &h), 0);
        CU_ASSERT_EQUAL(w, PLOT_DEFAULT_WIDTH);
        CU_ASSERT(h >= 400 && h <= 2000); /* per-host panels make some taller */
        CU_ASSERT_PTR_NOT_NULL(strstr(out, path));
    }
    /* Exactly those files: no script, data or .part files left. */
    snprintf(path, sizeof path, "%s/rep/plots", dir);
    CU_ASSERT_EQUAL(count_files__(path), 5);
    snprintf(path, sizeof path, "%s/rep/csv", dir);
    CU_ASSERT_EQUAL(count_files__(path), 4);
    /* --csv alone writes no plots; svg works. */
    snprintf(args, sizeof args, "report '%s' --csv -o '%s/c'", run, dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    snprintf(path, sizeof path, "%s/c/plots", dir);
    CU_ASSERT_EQUAL(file_size__(path), -1);
    snprintf(args, sizeof args, "report '%s' --plots --format svg -o '%s/s'", run, dir);
    CU_ASSERT_EQUAL(setsim__(args, out), 0);
    snprintf(path, sizeof path, "%s/s/plots/throughput.svg", dir);
    CU_ASSERT(file_size__(path) > 1000);
    snprintf(path, sizeof path, "%s/s/csv", dir);
    CU_ASSERT_EQUAL(file_size__(path), -1);
}


/* ------------------------------------------------------------------ */
/* Schema and samples of a real run                                    */

static sqlite3 *open_run__(const char *run)
{
    char path[800];
    snprintf(path, sizeof path, "%s/run.sqlite", run);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static double sql_real__(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    else
        fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

/* docs/results.md: every table and view section (### `name` under
 * "## Tables" and "## Views") lists exactly the columns the database has. */
static void test_schema_documented(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    sqlite3 *db = open_run__(run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    char path[512];
    FILE *f = fopen(test_src_path("docs/results.md", path, sizeof path), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024], table[64] = "";
    char doc_cols[64][64];
    int ncols = 0, ntables = 0, in_schema = 0;
    for (int more = 1; more;) {
        more = fgets(line, sizeof line, f) != NULL;
        int heading = !more || strncmp(line, "#", 1) == 0;
        if (heading && table[0]) {
            /* Compare the section just ended with the database. */
            char q[200];
            snprintf(q, sizeof q, "SELECT name FROM pragma_table_info('%s')", table);
            sqlite3_stmt *st = NULL;
            CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
            int found = 0;
            while (sqlite3_step(st) == SQLITE_ROW) {
                const char *c = (const char *)sqlite3_column_text(st, 0);
                int doc = 0;
                for (int i = 0; i < ncols; i++)
                    doc |= strcmp(doc_cols[i], c) == 0;
                if (!doc)
                    fprintf(stderr, "docs/results.md: %s.%s is not documented\n", table, c);
                CU_ASSERT(doc);
                found++;
            }
            sqlite3_finalize(st);
            if (found != ncols)
                fprintf(stderr, "docs/results.md: %s documents %d columns, the database has %d\n",
                        table, ncols, found);
            CU_ASSERT_EQUAL(found, ncols);
            ntables++;
            table[0] = '\0';
        }
        if (!more)
            break;
        if (strncmp(line, "## ", 3) == 0)
            in_schema = strncmp(line, "## Tables", 9) == 0 || strncmp(line, "## Views", 8) == 0;
        else if (in_schema && sscanf(line, "### `%63[^`]`", table) == 1)
            ncols = 0;
        else if (table[0] && ncols < 64 && sscanf(line, "| `%63[^`]`", doc_cols[ncols]) == 1)
            ncols++;
    }
    fclose(f);
    /* The ten tables and two views, and nothing in the database that the
     * page leaves out. */
    CU_ASSERT_EQUAL(ntables, 12);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT count(*) FROM sqlite_master WHERE type IN "
                                   "('table', 'view')"),
                    12);
    sqlite3_close(db);
}

/* A run with traffic: every metric has series, every port and NIC has its
 * throughput series on the full grid, each team member its vports. */
static void test_samples_non_empty(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    sqlite3 *db = open_run__(run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    /* quickstart: 20 ms at the default 100 us = 200 samples per series. */
    double ports = sql_real__(db, "SELECT count(*) FROM objects WHERE kind IN ('port', 'nic')");
    CU_ASSERT(ports >= 12);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT count(*) FROM (SELECT obj FROM samples_v WHERE "
                                   "metric = 'tx_bps' GROUP BY obj HAVING count(*) = 200)"),
                    ports);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT count(*) FROM (SELECT obj FROM samples_v WHERE "
                                   "metric = 'rx_bps' GROUP BY obj HAVING count(*) = 200)"),
                    ports);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT min(time_ps) FROM samples"), 100e6);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT max(time_ps) FROM samples"), 20e9);
    /* Every metric in the table has rows; the families are all there. */
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT count(*) FROM metrics m WHERE NOT EXISTS "
                                   "(SELECT 1 FROM samples s WHERE s.metric = m.id)"),
                    0);
    const char *fam[] = {"tx_bps", "rx_bps", "queue_p%_bytes", "paused_p%_frac", "vports"};
    for (size_t i = 0; i < 5; i++) {
        char q[300];
        snprintf(q, sizeof q, "SELECT count(*) FROM samples_v WHERE metric LIKE '%s'", fam[i]);
        CU_ASSERT(sql_real__(db, q) > 0);
    }
    /* Two hosts with a SET team of two: four members, one vports series
     * each, and every vPort counted on some member. */
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT count(DISTINCT obj) FROM samples_v WHERE "
                                   "metric = 'vports'"),
                    4);
    CU_ASSERT_EQUAL(sql_real__(db, "SELECT sum(value) FROM samples_v WHERE metric = 'vports' "
                                   "AND time_ps = 20000000000"),
                    sql_real__(db, "SELECT count(*) FROM objects WHERE kind = 'vport'"));
    /* Traffic was seen: some member carried > 1 Gb/s in some interval. */
    CU_ASSERT(sql_real__(db, "SELECT max(value) FROM samples_v WHERE metric = 'tx_bps' AND "
                             "obj LIKE 'hv1/%'") > 1e9);
    sqlite3_close(db);
}

/* Throughput samples integrate to byte counts: what hv1/SLOT 2 sent (the
 * integral of its tx_bps) is what the ToR port cabled to it received (the
 * integral of that port's rx_bps), give or take the frames on the cable at
 * the end; and the sampled interval widths add up to the run. */
static void test_samples_integrate(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    sqlite3 *db = open_run__(run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    const char *integral =
        "SELECT sum(value * (time_ps - coalesce(prev, 0))) / 8e12 FROM (SELECT time_ps, value, "
        "lag(time_ps) OVER (ORDER BY time_ps) AS prev FROM samples_v WHERE obj = '%s' AND "
        "metric = '%s')";
    char q[600];
    double sent[2], got[2];
    const char *nic[2] = {"hv1/SLOT 2", "hv1/SLOT 3"};
    for (int i = 0; i < 2; i++) {
        snprintf(q, sizeof q, integral, nic[i], "tx_bps");
        sent[i] = sql_real__(db, q);
        /* The ToR port whose rx integral is closest: the cabled one. */
        double best = INFINITY;
        for (int port = 1; port <= 8; port++) {
            char pn[16];
            snprintf(pn, sizeof pn, "tor1/%d", port);
            snprintf(q, sizeof q, integral, pn, "rx_bps");
            double v = sql_real__(db, q);
            if (fabs(v - sent[i]) < fabs(best - sent[i]))
                best = v;
        }
        got[i] = best;
        CU_ASSERT(sent[i] > 1e6);
        CU_ASSERT(fabs(sent[i] - got[i]) <= 3 * 1538.0);
        if (!(fabs(sent[i] - got[i]) <= 3 * 1538.0))
            fprintf(stderr, "%s sent %.0f B, its ToR port received %.0f B\n", nic[i], sent[i],
                    got[i]);
        /* Integrals are whole bytes: the rates are exact over the grid. */
        CU_ASSERT(fabs(sent[i] - round(sent[i])) < 1e-3);
    }
    sqlite3_close(db);
}

/* libcsv reader: sums one numeric column (by header name) of a CSV file. */
struct csvsum {
    const char *col;
    int idx, field, row;
    double sum;
    long rows;
};

static void csv_field__(void *s, size_t len, void *data)
{
    struct csvsum *c = data;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), (const char *)s);
    if (c->row == 0 && strcmp(buf, c->col) == 0)
        c->idx = c->field;
    else if (c->row > 0 && c->field == c->idx)
        c->sum += atof(buf);
    c->field++;
}

static void csv_row__(int ch, void *data)
{
    (void)ch;
    struct csvsum *c = data;
    c->rows += c->row > 0;
    c->row++;
    c->field = 0;
}

static double csv_sum__(const char *path, const char *col, long *rows)
{
    struct csvsum c = {.col = col, .idx = -1};
    struct csv_parser p;
    csv_init(&p, CSV_STRICT);
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        csv_parse(&p, buf, n, csv_field__, csv_row__, &c);
    csv_fini(&p, csv_field__, csv_row__, &c);
    csv_free(&p);
    fclose(f);
    *rows = c.rows;
    return c.idx >= 0 ? c.sum : NAN;
}

/* The data behind the figures equals the database: the CSV exports' byte
 * and sample sums equal SQL over run.sqlite. */
static void test_csv_matches_database(void)
{
    const char *run = quickstart_run__();
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    char dir[512], args[2048], out[OUT_MAX], path[800];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(args, sizeof args, "report '%s' --csv -o '%s'", run, dir);
    CU_ASSERT_EQUAL_FATAL(setsim__(args, out), 0);
    sqlite3 *db = open_run__(run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    long rows = 0;
    snprintf(path, sizeof path, "%s/csv/flows.csv", dir);
    double delivered = csv_sum__(path, "delivered_bytes", &rows);
    CU_ASSERT(rows >= 3);
    CU_ASSERT_EQUAL(rows, sql_real__(db, "SELECT count(*) FROM flows"));
    CU_ASSERT(delivered > 1e6);
    CU_ASSERT_EQUAL(delivered, sql_real__(db, "SELECT sum(delivered_bytes) FROM flows"));
    CU_ASSERT_EQUAL(csv_sum__(path, "sent_bytes", &rows),
                    sql_real__(db, "SELECT sum(sent_bytes) FROM flows"));
    snprintf(path, sizeof path, "%s/csv/samples.csv", dir);
    double v = csv_sum__(path, "value", &rows);
    CU_ASSERT_EQUAL(rows, sql_real__(db, "SELECT count(*) FROM samples"));
    double want = sql_real__(db, "SELECT sum(value) FROM samples");
    CU_ASSERT(fabs(v - want) <= 1e-9 * want);
    snprintf(path, sizeof path, "%s/csv/events.csv", dir);
    csv_sum__(path, "seq", &rows);
    CU_ASSERT_EQUAL(rows, sql_real__(db, "SELECT count(*) FROM events"));
    sqlite3_close(db);
}

int suite_report(void)
{
    CU_pSuite s = test_suite("report");
    if (!s)
        return -1;
    int ok = CU_add_test(s, "plot: PNG of the asked size, nothing left behind", test_plot_png) &&
             CU_add_test(s, "plot: gnuplot errors and warnings fail, output removed",
                         test_plot_error_removes_output) &&
             CU_add_test(s, "plot: missing program, bad format", test_plot_bad_program_and_format) &&
             CU_add_test(s, "plot: message figure, quoting", test_plot_message_and_quote) &&
             CU_add_test(s, "csvout: RFC 4180 quoting, NULLs, exact reals", test_csvout_query) &&
             CU_add_test(s, "report: bad flags and run directories exit 2", test_report_bad_input) &&
             CU_add_test(s, "report: every CSV and figure written", test_report_writes_every_file) &&
             CU_add_test(s, "schema: docs/results.md lists every table and column",
                         test_schema_documented) &&
             CU_add_test(s, "samples: every series present on a run with traffic",
                         test_samples_non_empty) &&
             CU_add_test(s, "samples: throughput integrates to bytes", test_samples_integrate) &&
             CU_add_test(s, "csv: exports equal the database", test_csv_matches_database);
    return ok ? 0 : -1;
}
