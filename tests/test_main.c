/* test_main: runs one CUnit suite by name (as CTest does, one entry per
 * suite) or all of them.  The suite list is suites.def. */
#include "test_util.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUITE(n) int suite_##n(void);
#include "suites.def"
#undef SUITE

struct suite_entry {
    const char *name;
    int (*add)(void);
};

static const struct suite_entry suites[] = {
#define SUITE(n) {#n, suite_##n},
#include "suites.def"
#undef SUITE
};

CU_pSuite test_suite(const char *name) { return CU_add_suite(name, NULL, NULL); }

long long test_sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    long long v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "\n    sql: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* This process's directory under the test tmp base (set in main); forked
 * children inherit it, so everything a run creates goes under one
 * directory that main removes when every test passed. */
static char session_dir[1024];

static const char *tmp_base__(void)
{
    const char *base = getenv("SETSIM_TEST_TMP");
    return base ? base : SETSIM_TEST_TMP;
}

int test_tmpdir(char *buf, size_t len)
{
    static unsigned counter;
    const char *base = tmp_base__();
    mkdir(base, 0755);
    if (session_dir[0]) {
        mkdir(session_dir, 0755);
        base = session_dir;
    }
    int n = snprintf(buf, len, "%s/t%ld_%u", base, (long)getpid(), counter++);
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", buf);
    if (system(cmd) != 0)
        return -EIO;
    return mkdir(buf, 0755) == 0 ? 0 : -errno;
}

int test_run(const char *cmd, char *out, size_t outlen)
{
    char full[4096];
    snprintf(full, sizeof full, "(%s) 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t used = 0;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, p)) > 0) {
        if (out && used + 1 < outlen) {
            size_t room = outlen - 1 - used;
            size_t take = n < room ? n : room;
            memcpy(out + used, tmp, take);
            used += take;
        }
    }
    if (out && outlen)
        out[used] = '\0';
    int st = pclose(p);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

char *test_tshark_clean(const char *pcap, const char *opts, size_t outmax)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "tshark -n -r '%s' -V %s", pcap, opts);
    char *out = malloc(outmax);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(test_run(cmd, out, outmax), 0);
    CU_ASSERT(strlen(out) + 1 < outmax);
    CU_ASSERT_PTR_NULL(strstr(out, "Malformed"));
    CU_ASSERT_PTR_NULL(strstr(out, "Expert Info (Error"));
    CU_ASSERT_PTR_NULL(strstr(out, "Checksum Status: Bad"));
    return out;
}

const char *test_src_path(const char *rel, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", SETSIM_SOURCE_DIR, rel);
    return buf;
}

int test_have_tool(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    size_t nsuites = sizeof suites / sizeof suites[0];
    int matched = 0;
    for (size_t i = 0; i < nsuites; i++) {
        if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
            continue;
        matched = 1;
        if (suites[i].add() != 0) {
            fprintf(stderr, "cannot register suite %s: %s\n", suites[i].name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    if (!matched) {
        fprintf(stderr, "unknown suite '%s'; suites:", argc > 1 ? argv[1] : "");
        for (size_t i = 0; i < nsuites; i++)
            fprintf(stderr, " %s", suites[i].name);
        fprintf(stderr, "\n");
        CU_cleanup_registry();
        return 2;
    }
    snprintf(session_dir, sizeof session_dir, "%s/%s-%ld", tmp_base__(),
             argc > 1 ? argv[1] : "all", (long)getpid());
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    /* Runs and captures of a passing suite are not kept (they add up to
     * gigabytes over a day of landings); a failing suite keeps them for
     * the messages that point into them, as does SETSIM_KEEP_TEST_TMP. */
    if (!failed && ran && !getenv("SETSIM_KEEP_TEST_TMP")) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", session_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", session_dir);
    }
    if (ran == 0) {
        fprintf(stderr, "no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}
