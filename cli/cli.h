/* cli: shared definitions of the setsim command's subcommands: exit codes,
 * the subcommand table, and small option-parsing helpers that turn bad
 * flags into a clear message and exit status 2. */
#ifndef SETSIM_CLI_H
#define SETSIM_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_time.h"

enum cli_exit {
    CLI_OK = 0,      /* success */
    CLI_FAILURE = 1, /* run-time failure (or a failed check) */
    CLI_USAGE = 2,   /* bad input: usage, flags, files */
};

/* Each subcommand: argv[0] is the subcommand's name. */
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
/* `setsim report STUDY_DIR` (report_study.c): 1 when dir holds a study
 * database; the report's exit status. */
int report_study_dir(const char *dir);
int report_study(const char *dir, const char *format, FILE *out);
int cmd_report(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* `setsim bench set` (bench_set.c); argv[0] is "set". */
int bench_set_cmd(int argc, char **argv);
/* `setsim bench transports` (bench_transports.c); argv[0] is "transports". */
int bench_transports_cmd(int argc, char **argv);
/* `setsim bench check` (bench_check.c); argv[0] is "check". */
int bench_check_cmd(int argc, char **argv);

/* Prints "setsim <cmd>: <message>" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Value parsers for flags: on error they print "setsim CMD: --flag: reason"
 * and return CLI_USAGE; 0 on success. */
int cli_parse_u64(const char *cmd, const char *flag, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out);

/* mkdir -p PATH; cli_mkdir_parent creates PATH's parent directories and
 * writes the shallowest one it created into made ("" if none; made may be
 * NULL).  0 or negative errno.  cli_rmdir_made removes (when empty) the
 * parents cli_mkdir_parent created: a refused run leaves nothing. */
int cli_mkdirs(const char *path);
int cli_mkdir_parent(const char *path, char *made, size_t madelen);
void cli_rmdir_made(const char *path, const char *made);

/* SIGINT / SIGTERM: cli_catch_stop_signals installs a handler that only
 * stores the signal number in cli_stop_signal (the run loops poll it:
 * world_set_stop_flag); with `once`, a second signal takes the default
 * action.  An interrupted command exits 128 + the signal (130, 143).
 * 0 or negative errno. */
extern volatile sig_atomic_t cli_stop_signal;
int cli_catch_stop_signals(int once);

/* Allocation counter of this process (see alloc_count.c). */
uint64_t cli_alloc_count(void);

/* Peak resident set size of this process in KiB (from /proc). */
long cli_peak_rss_kb(void);

/* Monotonic wall clock in seconds. */
double cli_wall_seconds(void);

/* CPU time consumed by the calling thread, in seconds (CLOCK_THREAD_CPUTIME_ID):
 * unlike wall time, not inflated when other processes share the cores. */
double cli_cpu_seconds(void);

/* Runs fn(arg, out) in a forked child process and copies the child's
 * out[0..len) back (a fresh memory peak and fresh process-wide state, e.g.
 * ns-3's Simulator, per call).  Returns 0, or -1 after printing
 * "setsim CMD: reason" (fork, pipe, the child died or reported nothing). */
int cli_run_in_child(const char *cmd, void (*fn)(void *arg, void *out), void *arg, void *out,
                     size_t len);

/* The median of v[0..n), n >= 1 (sorts v). */
double cli_median(double *v, size_t n);

/* The options of the model benches (`bench set`, `bench transports`):
 * --runs R (1..101), --sim-time T (must exceed warmup), --json, --help.
 * Returns 0 to run, -1 when the help was printed (exit CLI_OK), or
 * CLI_USAGE after the message. */
int cli_bench_opts(const char *cmd, int argc, char **argv, uint64_t *runs, sim_time_t *sim_time,
                   sim_time_t warmup, int *json, void (*help)(FILE *out));

#endif
