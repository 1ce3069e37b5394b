/* test_runs: helpers for the suites that run every example scenario
 * (golden, parity, determinism): the list of scenarios/examples/NAME.yaml,
 * running one through the built setsim, and comparing run directories. */
#ifndef SETSIM_TEST_RUNS_H
#define SETSIM_TEST_RUNS_H

#include <stddef.h>

/* The example scenarios' names (file names without .yaml), sorted.
 * Returns the count (0 when the directory cannot be read); free the list
 * with test_example_names_free(). */
size_t test_example_names(char ***names);
void test_example_names_free(char **names, size_t n);

/* Runs `setsim run scenarios/examples/NAME.yaml -o outdir --quiet ARGS`
 * (args may be NULL); returns its exit status and writes its output
 * (stdout and stderr, cut) into out if given. */
int test_example_run(const char *name, const char *outdir, const char *args, char *out,
                     size_t outlen);

/* `setsim digest --parts` of a run directory, computed in-process
 * (results/digest.h); returns 0 or the error, with the message in buf. */
int test_digest_parts(const char *rundir, char *buf, size_t len);

/* Prints the head of `setsim diff --context 2 a b` to stderr (to explain
 * a failed comparison). */
void test_show_diff(const char *a, const char *b);

/* The runs.event_count of a run directory (the engine's executed
 * events), or -1. */
long long test_event_count(const char *rundir);

/* Runs SQL statements on rundir/run.sqlite (to craft a changed run);
 * asserts that they succeed. */
void test_run_sql(const char *rundir, const char *stmts);

/* Reports a failed comparison: prints msg to stderr (so CTest shows it)
 * and records a CUnit failure carrying the same text. */
void test_fail_msg(const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define TEST_FAIL_MSG(...) test_fail_msg(__FILE__, __LINE__, __VA_ARGS__)

#endif
