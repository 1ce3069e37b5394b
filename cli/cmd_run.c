/* cmd_run: `setsim run` and `setsim lint`.
 *
 * run: builds the scenario's world, runs it, finishes the run directory
 * and prints the summary; a progress line on a terminal for runs that last
 * more than a second of wall time; nothing but the summary when piped.
 * lint: builds the world (PowerShell bound and applied, configuration rules
 * checked) into a scratch directory, prints errors and warnings, runs no
 * simulation.
 * Exit status: 0 success; 1 run-time failure (lint --strict: warnings);
 * 2 bad input (scenario, cmdlet, flag), with no run directory left and none
 * of the -o parents it created; 130 / 143 interrupted by SIGINT / SIGTERM
 * (the handler only sets cli_stop_signal; the engine stops between two
 * events, the staging directory goes, nothing reaches DIR). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "scenario.h"
#include "trace.h"
#include "world.h"
#ifdef SETSIM_HAVE_NS3
#include "cli_ns3.h"
#endif

#define MAX_SETS 64

struct run_args {
    const char *file;
    const char *outdir;
    const char *engine;
    const char *sets[MAX_SETS];
    size_t nsets;
    int has_seed, seed_compat, quiet, strict;
    uint64_t seed;
};

static struct sim_engine *make_engine__(const char *engine, char *err, size_t errlen)
{
#ifdef SETSIM_HAVE_NS3
    if (strcmp(engine, "ns3") == 0) {
        const struct cli_ns3 *m = cli_ns3_load("run");
        if (!m) {
            snprintf(err, errlen, "the ns-3 module could not be loaded");
            return NULL;
        }
        struct ns3_engine_settings ns = {.scheduler = "priority-queue"};
        return m->engine_create(&ns, err, errlen);
    }
#endif
    snprintf(err, errlen, "engine '%s' is not available in this build", engine);
    return NULL;
}

static void run_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE ...]\n"
            "                  [--engine native|ns3] [--seed-compat] [--quiet]\n\n"
            "Builds the scenario FILE, runs it and writes the run directory: run.sqlite\n"
            "(events, metadata), capture.pcapng (the capture points), log.txt (cmdlet\n"
            "output), summary.txt.  The directory appears only when the run completes.\n\n"
            "  -o DIR          run directory (default: runs/<scenario name>; replaced)\n"
            "  --seed N        seed of every random stream (default: the file's)\n"
            "  --set P=V       override a value of the file by path, e.g.\n"
            "                  --set 'hosts.hv1.nics.SLOT 2.rate=10Gbps'\n"
            "  --engine E      native (default) or ns3 (ns-3's scheduler, same models)\n"
            "  --seed-compat   bind the seed's defective command lines as the seed\n"
            "                  intends (CFG-019, CFG-020), with warnings\n"
            "  --quiet         no progress line (on a terminal it appears after 1 s of wall\n"
            "                  time; SETSIM_PROGRESS_AFTER=SECONDS changes that)\n\n"
            "Exit status: 0 success, 1 run-time failure, 2 bad input (file:line:col),\n"
            "130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM: nothing is written.\n");
}

static void lint_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim lint FILE [--strict] [--seed-compat] [--set PATH=VALUE ...]\n\n"
            "Parses the scenario, binds every cmdlet of its PowerShell, applies the\n"
            "configuration and checks the configuration rules; runs no simulation.\n"
            "Prints errors and warnings as file:line:col: message.\n\n"
            "Exit status: 0 clean, 1 warnings with --strict, 2 errors.\n");
}

/* Parses the options shared by run and lint.  Returns 0, CLI_USAGE, or -1
 * after printing help. */
static int parse_args__(const char *cmd, int argc, char **argv, struct run_args *a,
                        void (*help)(FILE *))
{
    memset(a, 0, sizeof *a);
    a->engine = "native";
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            help(stdout);
            return -1;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            if (!v)
                return cli_usage_error(cmd, "%s needs a directory", s);
            a->outdir = v, i++;
        } else if (strcmp(s, "--seed") == 0) {
            int rc = cli_parse_u64(cmd, s, v, 0, UINT64_MAX, &a->seed);
            if (rc)
                return rc;
            a->has_seed = 1, i++;
        } else if (strcmp(s, "--set") == 0) {
            if (!v || !strchr(v, '='))
                return cli_usage_error(cmd, "--set needs PATH=VALUE");
            if (a->nsets == MAX_SETS)
                return cli_usage_error(cmd, "at most %d --set options", MAX_SETS);
            a->sets[a->nsets++] = v, i++;
        } else if (strcmp(s, "--engine") == 0) {
            if (!v || (strcmp(v, "native") != 0 && strcmp(v, "ns3") != 0))
                return cli_usage_error(cmd, "--engine: '%s' is not native or ns3", v ? v : "");
            a->engine = v, i++;
        } else if (strcmp(s, "--seed-compat") == 0) {
            a->seed_compat = 1;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
            a->quiet = 1;
        } else if (strcmp(s, "--strict") == 0) {
            a->strict = 1;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error(cmd, "unknown option '%s'", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            return cli_usage_error(cmd, "one scenario file at a time ('%s' and '%s')", a->file, s);
        }
    }
    if (!a->file)
        return cli_usage_error(cmd, "which scenario file?");
    if (access(a->file, R_OK) != 0)
        return cli_usage_error(cmd, "%s: cannot read the scenario file", a->file);
    return 0;
}

struct progress {
    int tty;
    double t0;
    int shown;
    double after; /* wall seconds before the bar appears */
};

#define PROGRESS_BAR 30 /* characters of the bar */

/* The progress bar: on a terminal only, from one second of wall time on
 * (shorter runs show nothing; SETSIM_PROGRESS_AFTER=SECONDS changes the
 * second, which is how the tests see the bar without a long run), redrawn
 * in place on stderr. */
static void progress__(void *ctx, sim_time_t now, sim_time_t end)
{
    struct progress *p = ctx;
    double el = cli_wall_seconds() - p->t0;
    if (!p->tty || el < p->after)
        return;
    double frac = end ? (double)now / (double)end : 1;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    char bar[PROGRESS_BAR + 1], a[40], b[40];
    int fill = (int)(frac * PROGRESS_BAR + 0.5);
    for (int i = 0; i < PROGRESS_BAR; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[PROGRESS_BAR] = '\0';
    fprintf(stderr, "\r  [%s] %5.1f%%  simulated %s of %s  wall %.1f s  ETA %.1f s ", bar,
            100 * frac, world_time_str(now, a, sizeof a), world_time_str(end, b, sizeof b), el,
            eta);
    fflush(stderr);
    p->shown = 1;
}

static void verdicts_summary__(void *ctx, FILE *out) { check_report_summary(ctx, out); }

/* The trace checker over the staging directory, before the trace is
 * finished: the capture is flushed, the events are read through the run's
 * own connection (its rows are not committed yet), the verdicts go into
 * the verdicts table and the summary.  NULL (with a message) when the
 * checker could not run; the run itself is not affected. */
static struct check_report *check_run_dir__(struct world *w)
{
    char err[1024] = "";
    struct check_input *in = check_input_new();
    struct check_report *r = NULL;
    if (in && world_capture_flush(w) == 0 &&
        check_input_from_run(in, world_staging_dir(w), trace_db(world_trace(w)), err,
                             sizeof err) == 0)
        r = check_run(in, err, sizeof err);
    check_input_free(in);
    if (!r) {
        fprintf(stderr, "setsim run: the trace checker did not run: %s\n", err);
        return NULL;
    }
    if (check_report_store(r, world_trace(w)) != 0)
        fprintf(stderr, "setsim run: cannot store the verdicts: %s\n",
                trace_errmsg(world_trace(w)));
    world_add_summary(w, verdicts_summary__, r);
    return r;
}

/* A run stopped by SIGINT / SIGTERM: the files are closed and the staging
 * directory removed (scenario_free -> world_destroy), the -o parents this
 * run created too; exit status 128 + the signal. */
static int interrupted__(struct scenario *sc, struct check_report *verdicts, const char *outdir,
                         const char *made)
{
    char t[40];
    world_time_str(sim_now(world_engine(scenario_world(sc))), t, sizeof t);
    scenario_free(sc);
    check_report_free(verdicts);
    cli_rmdir_made(outdir, made);
    fprintf(stderr, "setsim: interrupted at simulated time %s; nothing written to %s\n", t,
            outdir);
    return 128 + cli_stop_signal;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    int rc = parse_args__("run", argc, argv, &a, run_help__);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    char outdir[1024];
    struct scenario_options o = {.sets = a.sets, .nsets = a.nsets, .has_seed = a.has_seed,
                                 .seed = a.seed, .seed_compat = a.seed_compat,
                                 .engine = a.engine, .make_engine = make_engine__,
                                 .overwrite = 1};
    if (a.outdir) {
        o.outdir = a.outdir;
    } else {
        /* runs/<file name without .yaml> until the name is known. */
        const char *base = strrchr(a.file, '/');
        base = base ? base + 1 : a.file;
        size_t n = strcspn(base, ".");
        snprintf(outdir, sizeof outdir, "runs/%.*s", (int)n, base);
        o.outdir = outdir;
    }
    /* -o runs/x in a fresh clone: the parents are created (the run
     * directory itself is staged and renamed by the world); a run that is
     * refused or fails removes those it created (`made`). */
    char made[1024];
    int mrc = cli_mkdir_parent(o.outdir, made, sizeof made);
    if (mrc != 0) {
        fprintf(stderr, "setsim run: -o %s: cannot create its parent directory: %s\n", o.outdir,
                strerror(-mrc));
        return CLI_USAGE;
    }
    /* From here on Ctrl-C / SIGTERM only set a flag: the run stops
     * between two events and nothing is left behind (interrupted__). */
    cli_catch_stop_signals(1);
    struct scenario *sc = scenario_build(a.file, &o);
    if (!sc) {
        fprintf(stderr, "setsim run: out of memory\n");
        cli_rmdir_made(o.outdir, made);
        return CLI_FAILURE;
    }
    if (scenario_error_count(sc)) {
        scenario_print_diags(sc, stderr);
        fprintf(stderr, "setsim run: %zu error(s); nothing was run\n", scenario_error_count(sc));
        scenario_free(sc);
        cli_rmdir_made(o.outdir, made);
        return CLI_USAGE;
    }
    if (scenario_warning_count(sc) && !a.quiet)
        scenario_print_diags(sc, stderr);
    struct progress p = {.tty = isatty(2) && !a.quiet, .t0 = cli_wall_seconds(), .after = 1.0};
    const char *after = getenv("SETSIM_PROGRESS_AFTER");
    if (after && *after) {
        char *end;
        double v = strtod(after, &end);
        if (*end || !(v >= 0)) {
            fprintf(stderr,
                    "setsim run: SETSIM_PROGRESS_AFTER=%s: not a number of seconds >= 0; "
                    "nothing was run\n",
                    after);
            scenario_free(sc);
            cli_rmdir_made(o.outdir, made);
            return CLI_USAGE;
        }
        p.after = v;
    }
    struct world *w = scenario_world(sc);
    world_set_stop_flag(w, &cli_stop_signal);
    rc = world_run(w, progress__, &p);
    if (p.shown)
        fprintf(stderr, "\n");
    char err[1024];
    struct check_report *verdicts = rc == 0 ? check_run_dir__(w) : NULL;
    if (cli_stop_signal) /* during the run or the checker: nothing is kept */
        return interrupted__(sc, verdicts, o.outdir, made);
    if (rc != 0 || world_finish(w, err, sizeof err) != 0) {
        fprintf(stderr, "setsim run: %s\n", rc ? "the simulation failed" : err);
        scenario_free(sc);
        check_report_free(verdicts);
        cli_rmdir_made(o.outdir, made);
        return CLI_FAILURE;
    }
    world_summary(w, stdout);
    printf("\nrun directory: %s\n", o.outdir);
    scenario_free(sc);
    check_report_free(verdicts);
    return CLI_OK;
}

int cmd_lint(int argc, char **argv)
{
    struct run_args a;
    int rc = parse_args__("lint", argc, argv, &a, lint_help__);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    struct scenario_options o = {.sets = a.sets, .nsets = a.nsets, .seed_compat = a.seed_compat,
                                 .engine = "native", .lint = 1};
    struct scenario *sc = scenario_build(a.file, &o);
    if (!sc) {
        fprintf(stderr, "setsim lint: out of memory\n");
        return CLI_FAILURE;
    }
    scenario_print_diags(sc, stdout);
    size_t e = scenario_error_count(sc), w = scenario_warning_count(sc);
    printf("%s: %zu error(s), %zu warning(s)\n", a.file, e, w);
    scenario_free(sc);
    if (e)
        return CLI_USAGE;
    return w && a.strict ? CLI_FAILURE : CLI_OK;
}
