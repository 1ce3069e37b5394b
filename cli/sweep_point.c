/* sweep_point: one point of a sweep in a child process, and the result
 * message it sends back.  See sweep.h. */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "scenario.h"
#include "world.h"

/* ---- messages ------------------------------------------------------------- */

size_t sweep_msg_encode(const struct sweep_result *r, unsigned char *buf, size_t cap)
{
    struct sweep_msg_hdr h = {.id = r->id, .ok = r->ok, .nmetrics = (int32_t)r->nmetrics,
                              .interrupted = r->interrupted};
    size_t el = r->ok ? 0 : strnlen(r->error, SWEEP_ERR_MAX - 1);
    h.errlen = (int32_t)el;
    size_t need = sizeof h + r->nmetrics * (sizeof(double) + 1) + el;
    if (need > cap)
        return 0;
    unsigned char *p = buf;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    memcpy(p, r->values, r->nmetrics * sizeof(double));
    p += r->nmetrics * sizeof(double);
    memcpy(p, r->is_null, r->nmetrics);
    p += r->nmetrics;
    memcpy(p, r->error, el);
    return need;
}

int sweep_msg_decode(const unsigned char *buf, size_t len, struct sweep_result *r)
{
    struct sweep_msg_hdr h;
    memset(r, 0, sizeof *r);
    if (len < sizeof h)
        return -EINVAL;
    memcpy(&h, buf, sizeof h);
    if (h.nmetrics < 0 || h.nmetrics > STUDY_MAX_METRICS || h.errlen < 0 ||
        h.errlen >= SWEEP_ERR_MAX ||
        len != sizeof h + (size_t)h.nmetrics * (sizeof(double) + 1) + (size_t)h.errlen)
        return -EINVAL;
    r->id = h.id;
    r->ok = h.ok;
    r->interrupted = h.interrupted != 0;
    r->nmetrics = (size_t)h.nmetrics;
    const unsigned char *p = buf + sizeof h;
    memcpy(r->values, p, r->nmetrics * sizeof(double));
    p += r->nmetrics * sizeof(double);
    memcpy(r->is_null, p, r->nmetrics);
    p += r->nmetrics;
    memcpy(r->error, p, (size_t)h.errlen);
    r->error[h.errlen] = '\0';
    return 0;
}

/* ---- the child ------------------------------------------------------------ */

static void rm_rf__(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
                rm_rf__(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Removes the staging directories an interrupted run of this point left
 * (DIR/runs/pNNNN.staging-PID). */
static void clean_staging__(const char *runs, const char *name)
{
    DIR *d = opendir(runs);
    if (!d)
        return;
    char prefix[96];
    snprintf(prefix, sizeof prefix, "%s.staging-", name);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%s", runs, e->d_name) < (int)sizeof sub)
                rm_rf__(sub);
        }
    }
    closedir(d);
}

static void fail__(struct sweep_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail__(struct sweep_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->ok = 0;
    if (vsnprintf(r->error, sizeof r->error, fmt, ap) < 0)
        r->error[0] = '\0';
    va_end(ap);
}

/* Runs the point and fills r; what `setsim run BASE --seed S --set ...
 * -o DIR/runs/pNNNN` does, then the metrics. */
static void run_point__(const struct study *st, const char *outdir, int64_t id,
                        struct sweep_result *r)
{
    struct study_point pt;
    memset(r, 0, sizeof *r);
    r->id = id;
    r->nmetrics = study_metric_count(st);
    int rc = study_point(st, id, &pt);
    if (rc) {
        fail__(r, "cannot make point: %s", strerror(-rc));
        return;
    }
    char rundir[PATH_MAX], runs[PATH_MAX];
    snprintf(rundir, sizeof rundir, "%s/%s", outdir, pt.run_dir);
    snprintf(runs, sizeof runs, "%s/runs", outdir);
    clean_staging__(runs, strrchr(pt.run_dir, '/') + 1);
    struct scenario_options o = {.sets = (const char *const *)pt.sets, .nsets = pt.nsets,
                                 .has_seed = 1, .seed = pt.seed, .engine = "native",
                                 .outdir = rundir, .overwrite = 1};
    struct scenario *sc = scenario_build(pt.base, &o);
    if (!sc) {
        fail__(r, "out of memory building the scenario");
        goto out;
    }
    if (scenario_error_count(sc)) {
        scenario_print_diags(sc, stderr);
        const char *first = "";
        for (size_t i = 0; i < scenario_diag_count(sc); i++)
            if (scenario_diag_at(sc, i)->severity == SCENARIO_ERROR) {
                first = scenario_diag_at(sc, i)->text;
                break;
            }
        fail__(r, "scenario: %s", first);
        scenario_free(sc);
        goto out;
    }
    struct world *w = scenario_world(sc);
    char err[1024] = "";
    world_set_stop_flag(w, &cli_stop_signal);
    rc = world_run(w, NULL, NULL);
    if (cli_stop_signal) { /* the staging directory goes with the world */
        char t[40];
        fail__(r, "interrupted by signal %d at simulated time %s", (int)cli_stop_signal,
               world_time_str(sim_now(world_engine(w)), t, sizeof t));
        r->interrupted = 1;
        scenario_free(sc);
        goto out;
    }
    if (rc != 0) {
        fail__(r, "the simulation failed: %s", strerror(rc < 0 ? -rc : rc));
        scenario_free(sc);
        goto out;
    }
    if (world_finish(w, err, sizeof err) != 0) {
        fail__(r, "%s", err);
        scenario_free(sc);
        goto out;
    }
    scenario_free(sc);
    char dbpath[PATH_MAX];
    if (snprintf(dbpath, sizeof dbpath, "%s/run.sqlite", rundir) >= (int)sizeof dbpath) {
        fail__(r, "the run directory's path is too long");
        goto out;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fail__(r, "%s: cannot open: %s", dbpath, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        goto out;
    }
    r->ok = 1;
    for (size_t i = 0; i < r->nmetrics; i++) {
        int is_null = 1;
        if (run_metric_eval(db, study_metric(st, i), &r->values[i], &is_null, err,
                            sizeof err) != 0) {
            fail__(r, "%s", err);
            break;
        }
        r->is_null[i] = (unsigned char)is_null;
    }
    sqlite3_close(db);
    if (!study_keep_runs(st))
        rm_rf__(rundir);
out:
    study_point_clear(&pt);
}

static void write_all__(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

int sweep_point_start(const struct study *st, const char *outdir, int64_t id,
                      struct sweep_child *c)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -errno;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return -e;
    }
    if (pid == 0) {
        /* The child: dies with its parent, so a killed sweep leaves no
         * orphan points running. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(127);
        close(fds[0]);
        /* SIGINT / SIGTERM stop the point's run (each time: the sweep
         * forwards a signal that may also have reached the child). */
        cli_catch_stop_signals(0);
        char log[PATH_MAX];
        snprintf(log, sizeof log, "%s/runs/p%04lld.log", outdir, (long long)id);
        int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nfd = open("/dev/null", O_RDONLY);
        if (nfd >= 0)
            dup2(nfd, 0);
        if (lfd >= 0) {
            dup2(lfd, 1);
            dup2(lfd, 2);
            close(lfd);
        }
        struct sweep_result r;
        run_point__(st, outdir, id, &r);
        unsigned char buf[SWEEP_MSG_MAX];
        size_t n = sweep_msg_encode(&r, buf, sizeof buf);
        write_all__(fds[1], buf, n);
        fflush(stdout);
        fflush(stderr);
        if (r.ok)
            unlink(log);
        _exit(0);
    }
    close(fds[1]);
    memset(c, 0, sizeof *c);
    c->pid = pid;
    c->fd = fds[0];
    c->id = id;
    c->t0 = cli_wall_seconds();
    return 0;
}

int sweep_point_read(struct sweep_child *c)
{
    for (;;) {
        unsigned char tmp[4096];
        ssize_t k = read(c->fd, tmp, sizeof tmp);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno == EAGAIN ? 0 : 1;
        if (k == 0)
            return 1;
        size_t room = sizeof c->buf - c->len;
        size_t take = (size_t)k < room ? (size_t)k : room;
        memcpy(c->buf + c->len, tmp, take);
        c->len += take;
        return 0;
    }
}

void sweep_point_reap(struct sweep_child *c, const char *outdir, struct sweep_result *r)
{
    close(c->fd);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (sweep_msg_decode(c->buf, c->len, r) != 0 || r->id != c->id) {
        memset(r, 0, sizeof *r);
        r->id = c->id;
        r->ok = 0;
        /* Killed by SIGINT / SIGTERM before its handler was in place. */
        r->interrupted = WIFSIGNALED(status) &&
                         (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM);
        if (WIFSIGNALED(status))
            snprintf(r->error, sizeof r->error,
                     "the point's process was killed by signal %d (%s); its output is in "
                     "%s/runs/p%04lld.log",
                     WTERMSIG(status), strsignal(WTERMSIG(status)), outdir, (long long)c->id);
        else
            snprintf(r->error, sizeof r->error,
                     "the point's process exited with status %d without a result; its output "
                     "is in %s/runs/p%04lld.log",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, outdir, (long long)c->id);
    }
    c->pid = 0;
    c->fd = -1;
}
