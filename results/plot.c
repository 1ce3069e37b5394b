/* plot: one gnuplot process driven through a pipe, rendering one figure
 * (see plot.h for the lifecycle and the guarantees). */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bytes buffered before a write to gnuplot: large enough that a figure's
 * data takes few system calls. */
#define PLOT_BUF 65536u
/* How much of gnuplot's stderr is read back for the error message. */
#define PLOT_ERRTEXT 4096u

struct plot {
    pid_t pid;           /* gnuplot */
    int sock;            /* our end of gnuplot's stdin */
    FILE *errf;          /* gnuplot's stderr (unlinked temporary file) */
    char *path;          /* output file (owned) */
    int allow_warnings;
    int werr;            /* first write error (negative errno), sticky */
    int exec_errno;      /* why gnuplot could not be started; 0 if it was */
    size_t len;          /* bytes in buf */
    char buf[PLOT_BUF];
};

int plot_format_ok(const char *fmt)
{
    return fmt && (strcmp(fmt, "png") == 0 || strcmp(fmt, "svg") == 0);
}

char *plot_quote(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen < 3) {
        if (outlen)
            out[0] = '\0';
        return out;
    }
    out[o++] = '\'';
    for (; s && *s; s++) {
        size_t need = (*s == '\'') ? 2 : 1;
        if (o + need + 2 > outlen)
            break;
        if (*s == '\'')
            out[o++] = '\'';
        /* A newline would end the command: show it as a space. */
        out[o++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    }
    out[o++] = '\'';
    out[o] = '\0';
    return out;
}

static int flush__(struct plot *p)
{
    size_t off = 0;
    while (!p->werr && off < p->len) {
        ssize_t n = send(p->sock, p->buf + off, p->len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            p->werr = -errno;
        } else {
            off += (size_t)n;
        }
    }
    p->len = 0;
    return p->werr;
}

static int put__(struct plot *p, const char *s, size_t n)
{
    while (n && !p->werr) {
        if (p->len == PLOT_BUF && flush__(p) != 0)
            break;
        size_t k = PLOT_BUF - p->len;
        if (k > n)
            k = n;
        memcpy(p->buf + p->len, s, k);
        p->len += k;
        s += k;
        n -= k;
    }
    return p->werr;
}

static int vline__(struct plot *p, const char *fmt, va_list ap)
{
    if (p->werr)
        return p->werr;
    char small[1024];
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0)
        return p->werr = -EINVAL;
    if ((size_t)n < sizeof small) {
        put__(p, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big)
            return p->werr = -ENOMEM;
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        put__(p, big, (size_t)n);
        free(big);
    }
    return put__(p, "\n", 1);
}

int plot_cmd(struct plot *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vline__(p, fmt, ap);
    va_end(ap);
    return rc;
}

int plot_block_row(struct plot *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vline__(p, fmt, ap);
    va_end(ap);
    return rc;
}

int plot_block_begin(struct plot *p, const char *name)
{
    return plot_cmd(p, "$%s << EOD", name);
}

int plot_block_end(struct plot *p) { return plot_cmd(p, "EOD"); }

static void free__(struct plot *p)
{
    if (p->sock >= 0)
        close(p->sock);
    if (p->errf)
        fclose(p->errf);
    free(p->path);
    free(p);
}

struct plot *plot_open(const struct plot_settings *s, char *err, size_t errlen)
{
    const char *fmt = s->format ? s->format : "png";
    if (!plot_format_ok(fmt) || !s->path || !*s->path) {
        snprintf(err, errlen, "plot: format '%s' is not png or svg, or no output path", fmt);
        errno = EINVAL;
        return NULL;
    }
    const char *prog = s->gnuplot;
    if (!prog)
        prog = getenv("SETSIM_GNUPLOT");
    if (!prog || !*prog)
        prog = "gnuplot";
    struct plot *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "plot: out of memory");
        errno = ENOMEM;
        return NULL;
    }
    p->sock = -1;
    p->pid = -1;
    p->allow_warnings = s->allow_warnings;
    p->path = strdup(s->path);
    p->errf = tmpfile(); /* unlinked already: nothing is left behind */
    int sv[2] = {-1, -1};
    int ex[2] = {-1, -1}; /* the child's exec errno; closed by a successful exec */
    if (!p->path || !p->errf || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        pipe(ex) != 0) {
        int e = errno ? errno : ENOMEM;
        snprintf(err, errlen, "plot: cannot set up gnuplot's pipe: %s", strerror(e));
        if (sv[0] >= 0) {
            close(sv[0]);
            close(sv[1]);
        }
        free__(p);
        errno = e;
        return NULL;
    }
    int efd = fileno(p->errf);
    fcntl(efd, F_SETFD, FD_CLOEXEC);
    fcntl(ex[0], F_SETFD, FD_CLOEXEC);
    fcntl(ex[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        snprintf(err, errlen, "plot: fork: %s", strerror(e));
        close(sv[0]);
        close(sv[1]);
        close(ex[0]);
        close(ex[1]);
        free__(p);
        errno = e;
        return NULL;
    }
    if (pid == 0) {
        /* Child: stdin from the socket, stdout and stderr to the file. */
        close(ex[0]);
        if (dup2(sv[1], 0) >= 0 && dup2(efd, 1) >= 0 && dup2(efd, 2) >= 0) {
            execlp(prog, prog, (char *)NULL);
            dprintf(2, "cannot run %s: %s\n", prog, strerror(errno));
        }
        int e = errno;
        ssize_t w = write(ex[1], &e, sizeof e); /* nothing to do if it fails */
        (void)w;
        _exit(127);
    }
    close(sv[1]);
    close(ex[1]);
    /* EOF: gnuplot runs.  An errno: it could not be started (told by the
     * child, not by its exit status, which a tool such as valgrind may
     * change). */
    int e = 0;
    ssize_t got;
    while ((got = read(ex[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(ex[0]);
    if (got == (ssize_t)sizeof e)
        p->exec_errno = e ? e : ENOENT;
    p->sock = sv[0];
    p->pid = pid;
    unsigned w = s->width ? s->width : PLOT_DEFAULT_WIDTH;
    unsigned h = s->height ? s->height : PLOT_DEFAULT_HEIGHT;
    char q[4096];
    if (strcmp(fmt, "png") == 0)
        plot_cmd(p, "set terminal pngcairo size %u,%u noenhanced font 'DejaVu Sans,12' "
                    "linewidth 1.5", w, h);
    else
        plot_cmd(p, "set terminal svg size %u,%u noenhanced font 'DejaVu Sans,12' "
                    "linewidth 1.5 background '#ffffff'", w, h);
    plot_cmd(p, "set output %s", plot_quote(s->path, q, sizeof q));
    return p;
}

/* The first "error"-looking line of gnuplot's stderr, or its last line. */
static void errtext__(struct plot *p, char *out, size_t outlen, int *warned)
{
    char text[PLOT_ERRTEXT];
    *warned = 0;
    out[0] = '\0';
    fflush(p->errf);
    rewind(p->errf);
    size_t n = fread(text, 1, sizeof text - 1, p->errf);
    text[n] = '\0';
    char *best = NULL, *last = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ' || *line == '\t' || *line == '^')
            line++;
        if (!*line)
            continue;
        last = line;
        if (strstr(line, "warning"))
            *warned = 1;
        if (!best && (strstr(line, "line ") || strstr(line, "error") || strstr(line, "warning")))
            best = line;
    }
    if (!best)
        best = last;
    if (best)
        snprintf(out, outlen, "%s", best);
}

int plot_close(struct plot *p, long *bytes, char *err, size_t errlen)
{
    if (bytes)
        *bytes = 0;
    if (!p)
        return 0;
    plot_cmd(p, "unset output");
    plot_cmd(p, "exit");
    flush__(p);
    close(p->sock);
    p->sock = -1;
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    char msg[512];
    int warned = 0;
    errtext__(p, msg, sizeof msg, &warned);
    int rc = 0;
    if (p->exec_errno || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
        snprintf(err, errlen, "plot: gnuplot could not be run (%s)",
                 msg[0]         ? msg
                 : p->exec_errno ? strerror(p->exec_errno)
                                 : "exit 127");
        rc = -ENOENT;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
            snprintf(err, errlen, "plot %s: gnuplot killed by signal %d", p->path,
                     WTERMSIG(status));
        else
            snprintf(err, errlen, "plot %s: gnuplot exited with status %d: %s", p->path,
                     WEXITSTATUS(status), msg[0] ? msg : "(no message)");
        rc = -EIO;
    } else if (warned && !p->allow_warnings) {
        snprintf(err, errlen, "plot %s: gnuplot warned: %s", p->path, msg);
        rc = -EIO;
    } else if (p->werr) {
        snprintf(err, errlen, "plot %s: writing to gnuplot: %s", p->path, strerror(-p->werr));
        rc = p->werr;
    } else {
        struct stat st;
        if (stat(p->path, &st) != 0 || st.st_size <= 0) {
            snprintf(err, errlen, "plot %s: gnuplot wrote no output", p->path);
            rc = -EIO;
        } else if (bytes) {
            *bytes = (long)st.st_size;
        }
    }
    if (rc != 0)
        unlink(p->path);
    free__(p);
    return rc;
}

void plot_abort(struct plot *p)
{
    if (!p)
        return;
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    unlink(p->path);
    free__(p);
}

int plot_message(const struct plot_settings *s, const char *title, const char *message,
                 long *bytes, char *err, size_t errlen)
{
    struct plot *p = plot_open(s, err, errlen);
    if (!p)
        return -(errno ? errno : EIO);
    char q[1024];
    plot_cmd(p, "unset border");
    plot_cmd(p, "unset tics");
    plot_cmd(p, "unset key");
    plot_cmd(p, "set title %s font ',16'", plot_quote(title, q, sizeof q));
    plot_cmd(p, "set label 1 %s at graph 0.5, graph 0.5 center font ',18'",
             plot_quote(message, q, sizeof q));
    plot_cmd(p, "plot [0:1] [0:1] 2 notitle");
    return plot_close(p, bytes, err, errlen);
}
