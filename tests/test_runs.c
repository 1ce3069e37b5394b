/* test_runs: the example-scenario helpers of test_runs.h. */
#include "test_runs.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "test_util.h"

static int cmp_names__(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t test_example_names(char ***names)
{
    char dir[600];
    test_src_path("scenarios/examples", dir, sizeof dir);
    *names = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                break;
            v = nv;
        }
        v[n] = strndup(e->d_name, len - 5);
        if (v[n])
            n++;
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_names__);
    *names = v;
    return n;
}

void test_example_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int test_example_run(const char *name, const char *outdir, const char *args, char *out,
                     size_t outlen)
{
    char file[700], cmd[2400];
    snprintf(cmd, sizeof cmd, "scenarios/examples/%s.yaml", name);
    test_src_path(cmd, file, sizeof file);
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' --quiet %s", SETSIM_BIN, file, outdir,
             args ? args : "");
    char buf[4096];
    if (!out) {
        out = buf;
        outlen = sizeof buf;
    }
    int rc = test_run(cmd, out, outlen);
    if (rc != 0)
        fprintf(stderr, "\n%s: `%s` exited %d:\n%s\n", name, cmd, rc, out);
    return rc;
}

int test_digest_parts(const char *rundir, char *buf, size_t len)
{
    struct digest d;
    int rc = digest_run(rundir, &d, buf, len);
    if (rc == 0)
        digest_format_parts(&d, buf, len);
    return rc;
}

void test_show_diff(const char *a, const char *b)
{
    char cmd[2400];
    static char out[16384];
    snprintf(cmd, sizeof cmd, "'%s' diff --context 2 '%s' '%s' | head -c 12000", SETSIM_BIN, a,
             b);
    test_run(cmd, out, sizeof out);
    fprintf(stderr, "setsim diff %s %s:\n%s\n", a, b, out);
}

long long test_event_count(const char *rundir)
{
    char path[800];
    snprintf(path, sizeof path, "%s/run.sqlite", rundir);
    sqlite3 *db;
    long long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT event_count FROM runs", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return n;
}

void test_run_sql(const char *rundir, const char *stmts)
{
    char path[800];
    snprintf(path, sizeof path, "%s/run.sqlite", rundir);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, stmts, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

void test_fail_msg(const char *file, unsigned line, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s:%u: %s\n", file, line, msg);
    /* CUnit copies the condition text into its failure record. */
    CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
}
