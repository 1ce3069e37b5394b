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
    sqlite3_exec(db,
                 "CREATE TABLE t(a INTEGER, b TEXT, c REAL);"
                 "INSERT INTO t VALUES (1, 'plain', 0.1), (-9223372036854775808, 'say \"hi\", ok',"
                 " NULL), (NULL, NULL, 1e300);",
                 NULL, NULL, NULL);
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
             CU_add_test(s, "report: every CSV and figure written", test_report_writes_every_file);
    return ok ? 0 : -1;
}
