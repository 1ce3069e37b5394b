/* util: option-value parsing, usage errors, wall clock and memory readings
 * shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "setsim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'setsim %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_parse_u64(const char *cmd, const char *flag, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out)
{
    if (!text)
        return cli_usage_error(cmd, "%s needs a value", flag);
    const char *p = text;
    if (*p == '\0' || *p == '-')
        return cli_usage_error(cmd, "%s: '%s' is not a non-negative integer", flag, text);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    /* Allow 10M / 10k style counts. */
    unsigned long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1000ULL, end++;
    else if (*end == 'M')
        mult = 1000000ULL, end++;
    else if (*end == 'G')
        mult = 1000000000ULL, end++;
    if (errno || end == p || *end != '\0')
        return cli_usage_error(cmd, "%s: '%s' is not a non-negative integer", flag, text);
    if (v > UINT64_MAX / mult)
        return cli_usage_error(cmd, "%s: '%s' is too large", flag, text);
    v *= mult;
    if (v < min || v > max)
        return cli_usage_error(cmd, "%s: %llu is out of range [%" PRIu64 ", %" PRIu64 "]", flag,
                               v, min, max);
    *out = v;
    return 0;
}

long cli_peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

double cli_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_run_in_child(const char *cmd, void (*fn)(void *arg, void *out), void *arg, void *out,
                     size_t len)
{
    int fd[2];
    if (pipe(fd) != 0) {
        fprintf(stderr, "setsim %s: pipe: %s\n", cmd, strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "setsim %s: fork: %s\n", cmd, strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        fn(arg, out);
        const char *p = out;
        size_t left = len;
        while (left > 0) {
            ssize_t w = write(fd[1], p, left);
            if (w <= 0)
                _exit(CLI_FAILURE);
            p += w;
            left -= (size_t)w;
        }
        _exit(CLI_OK);
    }
    close(fd[1]);
    char *p = out;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd[0], p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (got != len || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFSIGNALED(st))
            fprintf(stderr, "setsim %s: the run's process died of signal %d\n", cmd,
                    WTERMSIG(st));
        else
            fprintf(stderr, "setsim %s: the run's process reported nothing\n", cmd);
        return -1;
    }
    return 0;
}

double cli_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double__(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double cli_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double__);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int cli_bench_opts(const char *cmd, int argc, char **argv, uint64_t *runs, sim_time_t *sim_time,
                   sim_time_t warmup, int *json, void (*help)(FILE *out))
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return -1;
        } else if (strcmp(a, "--runs") == 0) {
            rc = cli_parse_u64(cmd, a, i + 1 < argc ? argv[++i] : NULL, 1, 101, runs);
        } else if (strcmp(a, "--sim-time") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;
            char err[160];
            if (!v)
                return cli_usage_error(cmd, "--sim-time needs a value");
            if (sim_time_parse(v, sim_time, err, sizeof err) != 0)
                return cli_usage_error(cmd, "--sim-time: %s", err);
            if (*sim_time <= warmup) {
                char wbuf[32];
                return cli_usage_error(cmd, "--sim-time: %s is not after the %s warm-up", v,
                                       sim_time_format(warmup, wbuf, sizeof wbuf));
            }
        } else if (strcmp(a, "--json") == 0) {
            *json = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", a);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* mkdir -p; *made (when given) receives the shallowest directory this call
 * created ("" when every one existed). */
static int mkdirs__(const char *path, char *made, size_t madelen)
{
    char buf[PATH_MAX];
    if (made && madelen)
        made[0] = '\0';
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    size_t n = strlen(buf);
    for (char *p = buf + 1; p <= buf + n; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) == 0) {
            if (made && madelen && !made[0])
                snprintf(made, madelen, "%s", buf);
        } else if (errno != EEXIST) {
            return -errno;
        }
        *p = c;
    }
    return 0;
}

int cli_mkdirs(const char *path) { return mkdirs__(path, NULL, 0); }

/* PATH without its last component and trailing slashes, in buf; 0 when
 * PATH has no parent to create (a bare name, or /name). */
static int parent_of__(const char *path, char *buf, size_t len)
{
    if (snprintf(buf, len, "%s", path) >= (int)len)
        return -ENAMETOOLONG;
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    return 1;
}

int cli_mkdir_parent(const char *path, char *made, size_t madelen)
{
    char buf[PATH_MAX];
    if (made && madelen)
        made[0] = '\0';
    int rc = parent_of__(path, buf, sizeof buf);
    return rc <= 0 ? rc : mkdirs__(buf, made, madelen);
}

void cli_rmdir_made(const char *path, const char *made)
{
    char buf[PATH_MAX];
    size_t m = made ? strlen(made) : 0;
    if (!m || parent_of__(path, buf, sizeof buf) <= 0 || strncmp(buf, made, m) != 0)
        return;
    /* From the deepest parent up to `made`; rmdir removes only empty
     * directories, so nothing the user put there meanwhile is lost. */
    for (;;) {
        if (rmdir(buf) != 0 || strlen(buf) <= m)
            return;
        char *slash = strrchr(buf, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
}

volatile sig_atomic_t cli_stop_signal;

/* Only sets the flag (async-signal-safe); the run loop does the rest. */
static void on_stop_signal__(int sig) { cli_stop_signal = sig; }

int cli_catch_stop_signals(int once)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal__;
    sigemptyset(&sa.sa_mask);
    /* once: a second Ctrl-C takes the default action (kills at once). */
    sa.sa_flags = once ? SA_RESETHAND : 0;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -errno;
    return 0;
}
