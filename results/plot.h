/* plot: one gnuplot process driven through a pipe, rendering one figure.
 *
 * The caller opens a plot (gnuplot starts with its terminal and output
 * already set), sends commands and inline data, and closes it; closing
 * waits for gnuplot and checks its exit status, what it printed on stderr
 * and that the output file is non-empty.  No script or data file is ever
 * written: data goes inline as gnuplot datablocks ($name << EOD ... EOD)
 * and gnuplot's stderr goes to an already-unlinked temporary file.  A
 * failed plot removes its output file, so a figure on disk is always a
 * complete one.
 *
 *   state   call                        effect
 *   ------  --------------------------  -----------------------------------
 *   -       plot_open()                 forks gnuplot (stdin: a socket we
 *                                       write; stderr: an unlinked temp
 *                                       file), sends terminal and output
 *   OPEN    plot_cmd(), plot_block_*()  buffered writes to gnuplot
 *   OPEN    plot_close()                sends "exit", waits; 0 only when
 *                                       gnuplot exited 0, printed no
 *                                       warning (unless allowed) and the
 *                                       output exists and is non-empty;
 *                                       frees
 *   OPEN    plot_abort()                kills gnuplot, removes the output,
 *                                       frees
 *
 * Text: the terminal is set `noenhanced`, so titles and labels are shown
 * as written (an underscore in "SLOT_2" is not a subscript); put strings
 * into commands through plot_quote(), which makes a gnuplot single-quoted
 * string.
 *
 * Writes never raise SIGPIPE (the pipe is a socket written with
 * MSG_NOSIGNAL): when gnuplot dies early, writes fail with -EPIPE and
 * plot_close() reports what gnuplot said.
 *
 * Errors: 0 or a negative errno; the reason (with gnuplot's own first
 * error line when it has one) goes to err. */
#ifndef SETSIM_PLOT_H
#define SETSIM_PLOT_H

#include <stddef.h>

struct plot;

struct plot_settings {
    const char *path;    /* output file (replaced) */
    const char *format;  /* "png" (pngcairo) or "svg"; NULL: "png" */
    unsigned width;      /* pixels; 0: PLOT_DEFAULT_WIDTH */
    unsigned height;     /* pixels; 0: PLOT_DEFAULT_HEIGHT */
    const char *gnuplot; /* program; NULL: $SETSIM_GNUPLOT or "gnuplot" */
    int allow_warnings;  /* nonzero: gnuplot's "warning:" lines do not fail
                          * the plot */
};

/* A size that stays readable on a projector and in a document. */
#define PLOT_DEFAULT_WIDTH 1280u
#define PLOT_DEFAULT_HEIGHT 720u

/* 1 when fmt is a format plot_open() accepts ("png", "svg"). */
int plot_format_ok(const char *fmt);

/* Starts gnuplot for one figure.  NULL with errno and a reason in err on
 * failure (bad format -> EINVAL; fork/socket failures). */
struct plot *plot_open(const struct plot_settings *s, char *err, size_t errlen);

/* Sends one command line (a newline is appended).  0 or -errno. */
int plot_cmd(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Inline data: plot_block_begin(p, "tput") starts datablock $tput;
 * plot_block_row() sends one row (a newline is appended; use spaces or
 * tabs between columns, "" or NaN for missing values, an empty row to
 * separate data sets); plot_block_end() closes it.  Refer to it in plot
 * commands as $tput. */
int plot_block_begin(struct plot *p, const char *name);
int plot_block_row(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int plot_block_end(struct plot *p);

/* Finishes the figure: 0 when gnuplot exited 0 and the output is a
 * non-empty file; otherwise removes the output and returns a negative
 * errno (-EIO: gnuplot failed, with its message in err; -ENOENT: gnuplot
 * could not be run).  Frees p (NULL-safe: returns 0).  When bytes is not
 * NULL it receives the output's size. */
int plot_close(struct plot *p, long *bytes, char *err, size_t errlen);

/* Stops gnuplot, removes the output, frees (NULL-safe). */
void plot_abort(struct plot *p);

/* A figure that says there is nothing to plot: the title and message in
 * the middle of an empty canvas (no axes), for a plot whose data is empty.
 * Same return values as plot_close(). */
int plot_message(const struct plot_settings *s, const char *title, const char *message,
                 long *bytes, char *err, size_t errlen);

/* Writes s as a gnuplot single-quoted string ('it''s') into out (always
 * NUL-terminated, truncated to fit) and returns out. */
char *plot_quote(const char *s, char *out, size_t outlen);

#endif
