/* test_util: shared helpers for the CUnit suites (temporary directories,
 * paths of the built tools and the source tree). */
#ifndef SETSIM_TEST_UTIL_H
#define SETSIM_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>

/* Creates a fresh temporary directory under the build tree for this test
 * run; writes its path into buf.  Returns 0 or -errno. */
int test_tmpdir(char *buf, size_t len);
/* Runs a shell command, returns its exit status (or -1), and captures up to
 * outlen-1 bytes of its standard output (stderr joined) in out if given. */
int test_run(const char *cmd, char *out, size_t outlen);
/* Decodes a capture with `tshark -n -r pcap -V opts` and asserts that
 * tshark succeeded, its output fit in outmax bytes, and that it reports no
 * malformed packet, no error-level expert info and no bad checksum.
 * Returns the decoded text (free it) for the caller's own checks. */
char *test_tshark_clean(const char *pcap, const char *opts, size_t outmax);
/* Path of a file in the source tree (relative to the repository root). */
const char *test_src_path(const char *rel, char *buf, size_t len);
/* 1 if `tool` is on PATH. */
int test_have_tool(const char *tool);

/* The first column of the first row of `sql` on the SQLite database at
 * path (e.g. a run's run.sqlite, closed), or -1 (the error is printed). */
long long test_sql_int(const char *path, const char *sql);

/* Registers a suite; returns the suite or NULL (then the registry error is
 * set).  Convenience over CU_add_suite. */
CU_pSuite test_suite(const char *name);

#endif
