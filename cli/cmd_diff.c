/* cmd_diff: `setsim diff RUNDIR_A RUNDIR_B [--context N]`: explains why two
 * runs' digests differ (results/digest.h).  For each part that differs it
 * prints the first diverging row - events with names resolved, MACs as
 * text, times in seconds - with N rows of common context before it and N
 * rows of each side from it; for the capture, the first diverging frame
 * (number, interface, direction, time and a one-line decode of both
 * frames, pkt_summary.h), with the frames before it.  Both sides are
 * streamed: memory does not grow with the run.
 * Exit status: 0 identical digests, 1 different, 2 bad input (not a
 * complete run directory, unreadable or malformed capture, bad flags). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "capread.h"
#include "pkt_summary.h"

#define CONTEXT_DEFAULT 3
#define CONTEXT_MAX 50
#define SHOW_LEN 1024 /* one rendered row or frame */

static void diff_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim diff RUNDIR_A RUNDIR_B [--context N]\n\n"
            "Compares two run directories.  When their digests (setsim digest) differ,\n"
            "prints for each part that differs the first diverging row - events with\n"
            "object and kind names - and the first diverging frame of the capture\n"
            "(frame number, interface, time, a one-line decode of both frames), with\n"
            "N rows or frames of context (default %d).\n\n"
            "Exit status: 0 identical, 1 different, 2 bad input.\n",
            CONTEXT_DEFAULT);
}

/* A ring of the last `cap` rendered lines. */
struct ring {
    char (*line)[SHOW_LEN];
    size_t cap, n, head; /* head: index of the oldest */
};

static int ring_init__(struct ring *r, size_t cap)
{
    r->cap = cap;
    r->n = r->head = 0;
    r->line = cap ? calloc(cap, SHOW_LEN) : NULL;
    return cap && !r->line ? -ENOMEM : 0;
}

static void ring_push__(struct ring *r, const char *s)
{
    if (!r->cap)
        return;
    size_t at = (r->head + r->n) % r->cap;
    if (r->n == r->cap)
        r->head = (r->head + 1) % r->cap;
    else
        r->n++;
    snprintf(r->line[at], SHOW_LEN, "%s", s);
}

static void ring_print__(const struct ring *r, const char *prefix)
{
    for (size_t i = 0; i < r->n; i++)
        printf("%s%s\n", prefix, r->line[(r->head + i) % r->cap]);
}

/* Picoseconds as seconds with `digits` decimals (12: ps, 9: ns). */
static char *fmt_secs__(uint64_t ps, int digits, char *buf, size_t len)
{
    uint64_t frac = ps % 1000000000000ull;
    for (int d = 12; d > digits; d--)
        frac /= 10;
    snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64 " s", (uint64_t)(ps / 1000000000000ull), digits, frac);
    return buf;
}

/* A row as shown: events as "seq N  T s  kind  col=value ...", other
 * parts as "col=value ..." (NULL columns left out). */
static void render_row__(enum digest_section s, const struct digest_row *row, char *buf,
                         size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
#define PUT(...)                                                                          \
    do {                                                                                  \
        if (used < len) {                                                                 \
            int n_ = snprintf(buf + used, len - used, __VA_ARGS__);                       \
            used += n_ > 0 ? (size_t)n_ : 0;                                              \
        }                                                                                 \
    } while (0)
    for (int i = 0; i < row->ncols; i++) {
        const char *n = row->name[i], *v = row->text[i];
        if (!v)
            continue;
        if (s == DIGEST_EVENTS && strcmp(n, "seq") == 0) {
            PUT("seq %s", v);
        } else if (s == DIGEST_EVENTS && strcmp(n, "time_ps") == 0) {
            char t[48];
            PUT("  %s", fmt_secs__(strtoull(v, NULL, 10), 12, t, sizeof t));
        } else if (s == DIGEST_EVENTS && strcmp(n, "kind") == 0) {
            PUT("  %s ", v);
        } else if (s == DIGEST_EVENTS && strcmp(n, "value") == 0 && row->value_role &&
                   strcmp(row->value_role, "mac") == 0) {
            uint64_t m = (uint64_t)strtoll(v, NULL, 10);
            PUT(" mac=%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(m >> 40) & 255,
                (unsigned)(m >> 32) & 255, (unsigned)(m >> 24) & 255, (unsigned)(m >> 16) & 255,
                (unsigned)(m >> 8) & 255, (unsigned)m & 255);
        } else {
            PUT("%s%s=%s", used ? " " : "", n, v);
        }
    }
#undef PUT
}

/* Prints up to `more` further rows of one side. */
static int show_more_rows__(enum digest_section s, struct digest_rows *r, size_t more,
                            const char *prefix, char *buf)
{
    struct digest_row row;
    int rc = 0;
    for (size_t i = 0; i < more && (rc = digest_rows_next(r, &row)) == 1; i++) {
        render_row__(s, &row, buf, SHOW_LEN);
        printf("%s%s\n", prefix, buf);
    }
    return rc < 0 ? rc : 0;
}

/* The first diverging row of section s.  Returns 0 or CLI_USAGE. */
static int diff_rows__(const char *a, const char *b, enum digest_section s, size_t ctx)
{
    char err[1024];
    struct digest_rows *ra = digest_rows_open(a, s, err, sizeof err);
    struct digest_rows *rb = ra ? digest_rows_open(b, s, err, sizeof err) : NULL;
    struct ring common;
    static char sa[SHOW_LEN], sb[SHOW_LEN];
    int rc = 0;
    if (!ra || !rb || ring_init__(&common, ctx) != 0) {
        fprintf(stderr, "setsim diff: %s\n", ra && rb ? "out of memory" : err);
        digest_rows_close(ra);
        digest_rows_close(rb);
        return CLI_USAGE;
    }
    const char *name = digest_section_name(s);
    for (uint64_t n = 1;; n++) {
        struct digest_row xa, xb;
        int ga = digest_rows_next(ra, &xa), gb = digest_rows_next(rb, &xb);
        if (ga < 0 || gb < 0) {
            fprintf(stderr, "setsim diff: %s\n", digest_rows_errmsg(ga < 0 ? ra : rb));
            rc = CLI_USAGE;
            break;
        }
        if (ga == 0 && gb == 0) {
            printf("\n%s: the rows are the same\n", name);
            break;
        }
        if (ga && gb && strcmp(xa.line, xb.line) == 0) {
            render_row__(s, &xa, sa, sizeof sa);
            ring_push__(&common, sa);
            continue;
        }
        /* "first diverging event, row: 7" / "first diverging flows row: 2" */
        const char *what = s == DIGEST_EVENTS ? "event," : name;
        if (!ga || !gb)
            printf("\nfirst diverging %s row: %" PRIu64 " (%s has only %" PRIu64 " rows)\n", what,
                   n, ga ? "B" : "A", n - 1);
        else
            printf("\nfirst diverging %s row: %" PRIu64 "\n", what, n);
        ring_print__(&common, "    ");
        if (ga) {
            render_row__(s, &xa, sa, sizeof sa);
            printf("  A %s\n", sa);
            show_more_rows__(s, ra, ctx ? ctx - 1 : 0, "  A ", sa);
        }
        if (gb) {
            render_row__(s, &xb, sb, sizeof sb);
            printf("  B %s\n", sb);
            show_more_rows__(s, rb, ctx ? ctx - 1 : 0, "  B ", sb);
        }
        break;
    }
    free(common.line);
    digest_rows_close(ra);
    digest_rows_close(rb);
    return rc;
}

/* A frame as shown: number, capture point, direction, time, decode. */
static void render_frame__(struct capread *r, const struct capread_pkt *p, char *buf, size_t len)
{
    char t[48], sum[700];
    const char *dir = p->dir == CAPREAD_DIR_IN ? " in" : p->dir == CAPREAD_DIR_OUT ? " out" : "";
    pkt_summary(p->data, p->caplen, p->wire_len, sum, sizeof sum);
    snprintf(buf, len, "#%" PRIu64 "  %s%s  %s  %s", p->frame, capread_if_name(r, p->ifid), dir,
             fmt_secs__(p->ts, 9, t, sizeof t), sum);
}

static int same_frame__(struct capread *ra, const struct capread_pkt *x, struct capread *rb,
                        const struct capread_pkt *y)
{
    return x->ts == y->ts && x->caplen == y->caplen && x->wire_len == y->wire_len &&
           x->has_flags == y->has_flags && x->flags == y->flags &&
           x->linktype == y->linktype &&
           strcmp(capread_if_name(ra, x->ifid), capread_if_name(rb, y->ifid)) == 0 &&
           memcmp(x->data, y->data, x->caplen) == 0;
}

static struct capread *open_capture__(const char *dir, int *present)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    struct capread *r = capread_open(path, err, sizeof err);
    *present = r || errno != ENOENT;
    if (!r && *present)
        fprintf(stderr, "setsim diff: %s\n", err);
    return r;
}

/* Prints up to `more` further frames of one side. */
static int show_more_frames__(struct capread *r, size_t more, const char *prefix, char *buf)
{
    struct capread_pkt p;
    int rc = 0;
    for (size_t i = 0; i < more && (rc = capread_next(r, &p)) == 1; i++) {
        render_frame__(r, &p, buf, SHOW_LEN);
        printf("%s%s\n", prefix, buf);
    }
    if (rc < 0)
        fprintf(stderr, "setsim diff: %s\n", capread_errmsg(r));
    return rc < 0 ? CLI_USAGE : 0;
}

/* The first diverging frame of the two captures.  Returns 0 or CLI_USAGE. */
static int diff_capture__(const char *a, const char *b, size_t ctx)
{
    int pa, pb;
    struct capread *ca = open_capture__(a, &pa);
    struct capread *cb = open_capture__(b, &pb);
    int rc = 0;
    struct ring common = {0};
    static char sa[SHOW_LEN], sb[SHOW_LEN];
    if ((pa && !ca) || (pb && !cb)) {
        rc = CLI_USAGE;
        goto out;
    }
    if (!ca || !cb) {
        printf("\ncapture: only %s has a capture.pcapng\n", ca ? "A" : "B");
        goto out;
    }
    if (ring_init__(&common, ctx) != 0) {
        fprintf(stderr, "setsim diff: out of memory\n");
        rc = CLI_USAGE;
        goto out;
    }
    for (;;) {
        struct capread_pkt xa, xb;
        int ga = capread_next(ca, &xa);
        if (ga < 0) {
            fprintf(stderr, "setsim diff: %s\n", capread_errmsg(ca));
            rc = CLI_USAGE;
            break;
        }
        /* xa's data lives in ca's buffer, cb's read does not touch it. */
        int gb = capread_next(cb, &xb);
        if (gb < 0) {
            fprintf(stderr, "setsim diff: %s\n", capread_errmsg(cb));
            rc = CLI_USAGE;
            break;
        }
        if (ga == 0 && gb == 0) {
            printf("\ncapture: every frame is the same; the files differ in their section "
                   "or interface blocks (e.g. the setsim version in the section header)\n");
            break;
        }
        if (ga && gb && same_frame__(ca, &xa, cb, &xb)) {
            render_frame__(ca, &xa, sa, sizeof sa);
            ring_push__(&common, sa);
            continue;
        }
        uint64_t n = ga ? xa.frame : xb.frame;
        if (!ga || !gb)
            printf("\nfirst diverging frame: #%" PRIu64 " (%s has only %" PRIu64 " frames)\n", n,
                   ga ? "B" : "A", n - 1);
        else
            printf("\nfirst diverging frame: #%" PRIu64 "\n", n);
        ring_print__(&common, "    ");
        if (ga) {
            render_frame__(ca, &xa, sa, sizeof sa);
            printf("  A %s\n", sa);
            rc = show_more_frames__(ca, ctx ? ctx - 1 : 0, "  A ", sa);
        }
        if (gb && !rc) {
            render_frame__(cb, &xb, sb, sizeof sb);
            printf("  B %s\n", sb);
            rc = show_more_frames__(cb, ctx ? ctx - 1 : 0, "  B ", sb);
        }
        break;
    }
out:
    free(common.line);
    capread_close(ca);
    capread_close(cb);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    const char *dirs[2] = {NULL, NULL};
    uint64_t ctx = CONTEXT_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            diff_help__(stdout);
            return CLI_OK;
        } else if (strcmp(s, "--context") == 0 || strcmp(s, "-C") == 0) {
            int rc = cli_parse_u64("diff", s, i + 1 < argc ? argv[i + 1] : NULL, 0, CONTEXT_MAX,
                                   &ctx);
            if (rc)
                return rc;
            i++;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("diff", "unknown option '%s'", s);
        } else if (!dirs[0]) {
            dirs[0] = s;
        } else if (!dirs[1]) {
            dirs[1] = s;
        } else {
            return cli_usage_error("diff", "two run directories, not more ('%s')", s);
        }
    }
    if (!dirs[1])
        return cli_usage_error("diff", "which two run directories?");
    struct digest d[2];
    for (int k = 0; k < 2; k++) {
        char err[1024];
        int rc = digest_run(dirs[k], &d[k], err, sizeof err);
        if (rc) {
            fprintf(stderr, "setsim diff: %s\n", err);
            return CLI_USAGE;
        }
    }
    char ha[SHA256_HEX_LEN + 1], hb[SHA256_HEX_LEN + 1];
    sha256_hex(d[0].total, ha);
    sha256_hex(d[1].total, hb);
    if (strcmp(ha, hb) == 0) {
        printf("identical: %s\n", ha);
        return CLI_OK;
    }
    printf("the runs differ\n  A %s  %s\n  B %s  %s\n  parts that differ:", dirs[0], ha, dirs[1],
           hb);
    int cap_differs = d[0].has_capture != d[1].has_capture ||
                      memcmp(d[0].capture, d[1].capture, SHA256_DIGEST_LEN) != 0;
    for (int s = 0; s < DIGEST_SECTION_COUNT; s++)
        if (memcmp(d[0].part[s], d[1].part[s], SHA256_DIGEST_LEN) != 0)
            printf(" %s (%" PRIu64 " / %" PRIu64 " rows)", digest_section_name((enum digest_section)s),
                   d[0].rows[s], d[1].rows[s]);
    if (cap_differs)
        printf(" capture (%" PRIu64 " / %" PRIu64 " bytes)", d[0].capture_bytes,
               d[1].capture_bytes);
    printf("\n");
    for (int s = 0; s < DIGEST_SECTION_COUNT; s++) {
        if (memcmp(d[0].part[s], d[1].part[s], SHA256_DIGEST_LEN) == 0)
            continue;
        int rc = diff_rows__(dirs[0], dirs[1], (enum digest_section)s, (size_t)ctx);
        if (rc)
            return rc;
    }
    if (cap_differs) {
        int rc = diff_capture__(dirs[0], dirs[1], (size_t)ctx);
        if (rc)
            return rc;
    }
    return CLI_FAILURE;
}
