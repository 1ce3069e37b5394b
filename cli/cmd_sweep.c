/* cmd_sweep: `setsim sweep STUDY [-j N] [-o DIR]`.
 *
 * Loads and checks the study (docs/sweep.md), opens DIR/study.sqlite (a
 * new one, or the one a previous sweep of the same study left: its done
 * points are skipped, its interrupted ones run again), then runs the
 * points that remain on N local worker processes, one child per point
 * (sweep_point.c), or under mpirun on every rank (sweep_mpi.c).  A
 * progress bar on a terminal (points done, failed, running, ETA); one
 * summary line at the end.
 *
 * Exit status: 0 every point done; 1 some point of the study is recorded
 * as failed (by this sweep or an earlier one; each with its error) or the database could not be written; 2 bad
 * study file or flags; 130 / 143 interrupted by SIGINT / SIGTERM: the
 * running points stop (their staging directories removed) and stay
 * 'running' in the database, the finished ones are recorded, and running
 * the sweep again resumes.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study_db.h"
#include "sweep.h"

/* Errors printed in full on the terminal; the rest are in the database. */
#define SWEEP_SHOW_ERRORS 5
/* How often the progress bar is redrawn while nothing finishes (ms). */
#define SWEEP_TICK_MS 250

struct sweep_args {
    const char *file, *outdir;
    uint64_t jobs;
    int has_jobs, quiet, retry_failed;
};

static void help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim sweep STUDY [-j N] [-o DIR] [--retry-failed] [--quiet]\n"
            "       mpirun -n R setsim sweep STUDY [-o DIR] [-j N]\n\n"
            "Runs every point of the study file STUDY (parameters x seeds, see\n"
            "docs/sweep.md) and collects its metrics into DIR/study.sqlite; each point's\n"
            "run directory is DIR/runs/pNNNN.  Running it again resumes: points already\n"
            "done are skipped, interrupted ones run again.  A point that fails is recorded\n"
            "with its error and the sweep goes on.\n\n"
            "  -j N            points run at once (default: the number of cores; under\n"
            "                  mpirun: points rank 0 runs besides coordinating, default 1)\n"
            "  -o DIR          study directory (default: sweeps/<study file name>)\n"
            "  --retry-failed  run the points recorded as failed again\n"
            "  --quiet         no progress bar\n\n"
            "Under mpirun the ranks take points as they become free; rank 0 writes the\n"
            "database.  DIR must be on a file system every rank sees.\n\n"
            "Ctrl-C (SIGINT) or SIGTERM stops the running points (recorded neither as\n"
            "done nor failed: the next sweep runs them again) and exits 130 / 143.\n\n"
            "Exit status: 0 all points done, 1 some point failed, 2 bad study file or flags.\n");
}

static int parse__(int argc, char **argv, struct sweep_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            help__(stdout);
            return -1;
        } else if (strcmp(s, "-j") == 0 || strcmp(s, "--jobs") == 0) {
            int rc = cli_parse_u64("sweep", s, v, 1, 4096, &a->jobs);
            if (rc)
                return rc;
            a->has_jobs = 1, i++;
        } else if (strncmp(s, "-j", 2) == 0 && s[2]) {
            int rc = cli_parse_u64("sweep", "-j", s + 2, 1, 4096, &a->jobs);
            if (rc)
                return rc;
            a->has_jobs = 1;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            if (!v)
                return cli_usage_error("sweep", "%s needs a directory", s);
            a->outdir = v, i++;
        } else if (strcmp(s, "--retry-failed") == 0) {
            a->retry_failed = 1;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
            a->quiet = 1;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("sweep", "unknown option '%s'", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            return cli_usage_error("sweep", "one study file at a time ('%s' and '%s')", a->file,
                                   s);
        }
    }
    if (!a->file)
        return cli_usage_error("sweep", "which study file?");
    return 0;
}

/* ---- progress and results ------------------------------------------------- */

static void fmt_dur__(double s, char *buf, size_t len)
{
    if (s < 0)
        snprintf(buf, len, "?");
    else if (s < 60)
        snprintf(buf, len, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, len, "%dh%02dm", (int)s / 3600, ((int)s / 60) % 60);
}

void sweep_progress(struct sweep_ctx *x, size_t running)
{
    if (!x->tty || x->quiet)
        return;
    size_t finished = x->done + x->failed;
    size_t total = x->ntodo;
    double now = cli_wall_seconds();
    /* Redraw when a point finished, else at most every SWEEP_TICK_MS. */
    if (finished == x->last_finished && now - x->last_draw < SWEEP_TICK_MS / 1000.0)
        return;
    x->last_draw = now;
    x->last_finished = finished;
    double el = now - x->t0;
    double eta = finished ? el / (double)finished * (double)(total - finished) : -1;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    size_t fill = total ? finished * WIDTH / total : WIDTH;
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : (i < (total ? (finished + running) * WIDTH / total : 0) ? '-'
                                                                                        : '.');
    bar[WIDTH] = '\0';
    char e[32], t[32];
    fmt_dur__(eta, e, sizeof e);
    fmt_dur__(el, t, sizeof t);
    fprintf(stderr, "\r[%s] %zu/%zu points  %zu failed  %zu running  %s  ETA %s   ", bar,
            finished, total, x->failed, running, t, finished == total ? "0s" : e);
    fflush(stderr);
}

int sweep_record(struct sweep_ctx *x, const struct sweep_result *r, double elapsed,
                 const char *worker)
{
    if (r->interrupted) {
        x->interrupted++;
        return 0;
    }
    struct study_db_result dr = {.ok = r->ok, .error = r->error, .elapsed_s = elapsed,
                                 .worker = worker, .values = r->values,
                                 .is_null = r->is_null};
    int rc = study_db_finish_point(x->db, r->id, &dr);
    if (rc) {
        if (x->tty && !x->quiet)
            fprintf(stderr, "\n");
        fprintf(stderr, "setsim sweep: %s/%s: cannot record point %lld: %s\n", x->outdir,
                STUDY_DB_FILE, (long long)r->id, study_db_errmsg(x->db));
        return rc;
    }
    if (r->ok) {
        x->done++;
    } else {
        x->failed++;
        if (x->shown_errors++ < SWEEP_SHOW_ERRORS) {
            if (x->tty && !x->quiet)
                fprintf(stderr, "\r%*s\r", 100, "");
            fprintf(stderr, "setsim sweep: point %lld failed: %s\n", (long long)r->id,
                    r->error);
        }
    }
    return 0;
}

/* ---- local workers -------------------------------------------------------- */

int sweep_pool_init(struct sweep_pool *p, size_t jobs, const char *name)
{
    memset(p, 0, sizeof *p);
    p->jobs = jobs;
    p->name = name;
    if (jobs == 0)
        return 0;
    p->kids = calloc(jobs, sizeof *p->kids);
    p->pf = calloc(jobs, sizeof *p->pf);
    if (!p->kids || !p->pf) {
        sweep_pool_free(p);
        return -ENOMEM;
    }
    return 0;
}

void sweep_pool_free(struct sweep_pool *p)
{
    free(p->kids);
    free(p->pf);
    p->kids = NULL;
    p->pf = NULL;
}

static void worker_name__(const struct sweep_pool *p, size_t slot, char *buf, size_t len)
{
    snprintf(buf, len, "%s%zu", p->name, slot + 1);
}

int sweep_pool_fill(struct sweep_ctx *x, struct sweep_pool *p)
{
    while (p->running < p->jobs && x->next < x->ntodo) {
        size_t slot = 0;
        while (p->kids[slot].pid)
            slot++;
        int64_t id = x->todo[x->next++];
        char worker[32];
        worker_name__(p, slot, worker, sizeof worker);
        int rc = study_db_start_point(x->db, id, worker);
        if (rc) {
            fprintf(stderr, "setsim sweep: %s\n", study_db_errmsg(x->db));
            return rc;
        }
        int e = sweep_point_start(x->st, x->outdir, id, &p->kids[slot]);
        if (e) {
            struct sweep_result r = {.id = id, .nmetrics = study_metric_count(x->st)};
            snprintf(r.error, sizeof r.error, "cannot start a worker process: %s", strerror(-e));
            if ((rc = sweep_record(x, &r, 0, worker)))
                return rc;
            continue;
        }
        p->running++;
    }
    return 0;
}

int sweep_pool_wait(struct sweep_ctx *x, struct sweep_pool *p, int timeout_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < p->jobs; i++)
        if (p->kids[i].pid)
            p->pf[n++] = (struct pollfd){.fd = p->kids[i].fd, .events = POLLIN};
    if (n == 0)
        return 0;
    if (poll(p->pf, n, timeout_ms) < 0)
        return errno == EINTR ? 0 : -errno;
    int rc = 0;
    n = 0;
    for (size_t i = 0; i < p->jobs; i++) {
        if (!p->kids[i].pid)
            continue;
        short ev = p->pf[n++].revents;
        if (!(ev & (POLLIN | POLLHUP | POLLERR)) || !sweep_point_read(&p->kids[i]))
            continue;
        double el = cli_wall_seconds() - p->kids[i].t0;
        struct sweep_result r;
        sweep_point_reap(&p->kids[i], x->outdir, &r);
        p->running--;
        char worker[32];
        worker_name__(p, i, worker, sizeof worker);
        if (!rc)
            rc = sweep_record(x, &r, el, worker);
    }
    return rc;
}

static int run_local__(struct sweep_ctx *x, size_t jobs)
{
    struct sweep_pool p;
    if (sweep_pool_init(&p, jobs, "local ") != 0) {
        fprintf(stderr, "setsim sweep: out of memory\n");
        return -ENOMEM;
    }
    int rc = 0, stopping = 0;
    for (;;) {
        if (cli_stop_signal && !stopping) {
            /* Start nothing more; pass the signal on (a SIGTERM reaches
             * only this process) and wait for the points to stop. */
            stopping = 1;
            x->next = x->ntodo;
            for (size_t i = 0; i < p.jobs; i++)
                if (p.kids[i].pid)
                    kill(p.kids[i].pid, (int)cli_stop_signal);
        }
        if (!rc)
            rc = sweep_pool_fill(x, &p);
        if (p.running == 0)
            break;
        sweep_progress(x, p.running);
        int e = sweep_pool_wait(x, &p, SWEEP_TICK_MS);
        if (!rc)
            rc = e;
        if (rc)
            x->next = x->ntodo; /* start nothing more; finish what runs */
    }
    sweep_pool_free(&p);
    return rc;
}

/* ---- setup ---------------------------------------------------------------- */

/* Opens the database and lists the points to run.  CLI_OK, or an exit
 * status after printing why. */
static int prepare__(struct sweep_ctx *x, const struct sweep_args *a)
{
    const struct study *st = x->st;
    int rc = cli_mkdirs(x->outdir);
    char runs[PATH_MAX];
    snprintf(runs, sizeof runs, "%s/runs", x->outdir);
    if (rc == 0)
        rc = cli_mkdirs(runs);
    if (rc) {
        fprintf(stderr, "setsim sweep: %s: cannot create the study directory: %s\n", x->outdir,
                strerror(-rc));
        return CLI_FAILURE;
    }
    size_t np = study_param_count(st), nm = study_metric_count(st);
    const char *pn[STUDY_MAX_PARAMS], *pl[STUDY_MAX_PARAMS], *pu[STUDY_MAX_PARAMS];
    const char *mn[STUDY_MAX_METRICS], *mu[STUDY_MAX_METRICS], *ml[STUDY_MAX_METRICS];
    for (size_t i = 0; i < np; i++) {
        pn[i] = study_param_name(st, i);
        pl[i] = study_param_label(st, i);
        pu[i] = study_param_unit(st, i);
    }
    for (size_t i = 0; i < nm; i++) {
        mn[i] = study_metric(st, i)->name;
        mu[i] = study_metric_unit(st, i);
        ml[i] = study_metric_label(st, i);
    }
    struct study_db_setup setup = {.name = study_name(st), .file = study_file(st),
                                   .hash = study_hash(st), .yaml = study_text(st),
                                   .nparams = np, .param_names = pn, .param_labels = pl,
                                   .param_units = pu, .nmetrics = nm, .metric_names = mn,
                                   .metric_units = mu, .metric_labels = ml};
    char path[PATH_MAX], err[1024];
    snprintf(path, sizeof path, "%s/%s", x->outdir, STUDY_DB_FILE);
    if ((rc = study_db_open(path, &setup, &x->db, err, sizeof err)) != 0) {
        fprintf(stderr, "setsim sweep: %s\n", err);
        return rc == -EEXIST ? CLI_USAGE : CLI_FAILURE;
    }
    size_t total = study_point_count(st);
    struct study_db_point *pts = calloc(total, sizeof *pts);
    struct study_point *sp = calloc(total, sizeof *sp);
    double(*nums)[STUDY_MAX_PARAMS] = calloc(total, sizeof *nums);
    x->todo = calloc(total, sizeof *x->todo);
    if (!pts || !sp || !nums || !x->todo) {
        free(pts);
        free(sp);
        free(nums);
        fprintf(stderr, "setsim sweep: out of memory\n");
        return CLI_FAILURE;
    }
    rc = 0;
    for (size_t i = 0; i < total && !rc; i++) {
        if ((rc = study_point(st, (int64_t)i + 1, &sp[i])) != 0) {
            fprintf(stderr, "setsim sweep: point %zu: %s\n", i + 1, strerror(-rc));
            break;
        }
        study_point_clear(&sp[i]); /* only the key and values are kept */
        for (size_t k = 0; k < np; k++)
            nums[i][k] = study_value_num(sp[i].values[k]);
        pts[i] = (struct study_db_point){.id = sp[i].id, .key = sp[i].key, .seed = sp[i].seed,
                                         .run_dir = sp[i].run_dir, .values = sp[i].values,
                                         .nums = nums[i]};
    }
    if (!rc && (rc = study_db_sync_points(x->db, pts, total)) != 0)
        fprintf(stderr, "setsim sweep: %s: %s\n", path, study_db_errmsg(x->db));
    for (size_t i = 0; i < total && !rc; i++) {
        int status = study_db_status(x->db, (int64_t)i + 1);
        if (status == STUDY_DONE || (status == STUDY_FAILED && !a->retry_failed))
            x->skipped++;
        else
            x->todo[x->ntodo++] = (int64_t)i + 1;
    }
    x->total = total;
    free(pts);
    free(sp);
    free(nums);
    return rc ? CLI_FAILURE : CLI_OK;
}

/* Prints the summary line; returns the failed points recorded (this
 * sweep's and earlier ones'). */
static size_t summary__(struct sweep_ctx *x)
{
    if (x->tty && !x->quiet && x->ntodo) {
        x->last_finished = (size_t)-1; /* the final state, whatever the time */
        sweep_progress(x, 0);
        fprintf(stderr, "\n");
    }
    size_t counts[4] = {0};
    study_db_counts(x->db, counts);
    char t[32];
    fmt_dur__(cli_wall_seconds() - x->t0, t, sizeof t);
    printf("study %s: %zu points: %zu done, %zu failed (this sweep ran %zu, %zu already "
           "recorded) in %s\n%s/%s\n",
           study_name(x->st), x->total, counts[STUDY_DONE], counts[STUDY_FAILED],
           x->done + x->failed, x->skipped, t, x->outdir, STUDY_DB_FILE);
    return counts[STUDY_FAILED];
}

static long cores__(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_args a;
    int rc = parse__(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    int mpi = sweep_under_mpi();
    int quiet_rank = mpi && sweep_mpi_rank() != 0;
    struct study *st = NULL;
    struct ydoc_err e;
    if (study_load(a.file, &st, &e) != 0) {
        if (!quiet_rank)
            fprintf(stderr, "%s\nsetsim sweep: the study file has errors; nothing was run\n",
                    e.msg);
        return CLI_USAGE;
    }
    char outdir[PATH_MAX];
    if (a.outdir) {
        snprintf(outdir, sizeof outdir, "%s", a.outdir);
    } else {
        const char *base = strrchr(a.file, '/');
        base = base ? base + 1 : a.file;
        snprintf(outdir, sizeof outdir, "sweeps/%.*s", (int)strcspn(base, "."), base);
    }
    struct sweep_ctx x = {.st = st, .outdir = outdir, .quiet = a.quiet,
                          .tty = isatty(2) && !a.quiet, .t0 = cli_wall_seconds()};
    if (mpi) {
        int rank = 0, size = 1;
        if (sweep_mpi_init(&argc, &argv, &rank, &size) != 0) {
            study_free(st);
            return CLI_FAILURE;
        }
        if (rank != 0) {
            rc = sweep_mpi_work(st, outdir, rank);
        } else {
            rc = prepare__(&x, &a);
            if (rc != CLI_OK)
                x.ntodo = 0; /* still tell the workers to stop */
            int crc = sweep_mpi_coordinate(&x, a.has_jobs ? (int)a.jobs : 1);
            if (rc == CLI_OK) {
                size_t failed = summary__(&x);
                rc = crc || failed ? CLI_FAILURE : CLI_OK;
            }
        }
        sweep_mpi_finalize();
    } else {
        rc = prepare__(&x, &a);
        if (rc == CLI_OK) {
            size_t jobs = a.has_jobs ? (size_t)a.jobs : (size_t)cores__();
            cli_catch_stop_signals(1);
            int lrc = run_local__(&x, jobs);
            size_t failed = summary__(&x);
            rc = lrc || failed || x.interrupted ? CLI_FAILURE : CLI_OK;
            if (x.interrupted)
                fprintf(stderr,
                        "setsim sweep: %zu point(s) interrupted, not recorded; running the "
                        "sweep again resumes them\n",
                        x.interrupted);
            if (cli_stop_signal) {
                fprintf(stderr, "setsim: interrupted; %s/%s keeps the finished points\n",
                        outdir, STUDY_DB_FILE);
                rc = 128 + cli_stop_signal;
            }
        }
    }
    study_db_close(x.db);
    free(x.todo);
    study_free(st);
    return rc;
}
