/* report: CSV exports and figures of one finished run (see report.h).
 *
 * Every figure is read from run.sqlite with SQL, sent to gnuplot inline
 * (plot.h) and checked: gnuplot's exit status, no warning, a non-empty
 * file.  Time axes are in ms, or in µs for runs shorter than 2 ms. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvout.h"
#include "plot.h"

/* Labelled event lines per figure: beyond this the labels would overlap
 * into an unreadable block; the rest are drawn without a label. */
#define REPORT_MAX_LABELS 12
/* A throughput series that never reaches this fraction of the figure's
 * peak is left out (and counted in the key). */
#define REPORT_MINOR 0.01
/* Classes with at most this many completed flows get a point per flow
 * on their CDF (a step alone is hard to see). */
#define REPORT_FEW_FLOWS 50
/* Hosts (panels) in one throughput figure. */
#define REPORT_MAX_PANELS 4
/* Series drawn in one figure before the rest are summarised in the title. */
#define REPORT_MAX_SERIES 16

struct report {
    sqlite3 *db;
    const struct report_options *o;
    char scenario[256];
    uint64_t seed;
    int64_t sim_end_ps;
    double tdiv;           /* ps per time-axis unit */
    const char *tunit;     /* "ms" or "µs" */
    char csvdir[4096], plotdir[4096];
};

const char *const report_plot_names[] = {
    "throughput", "pfc_pause", "queue_depth", "fct_cdf", "mac_moves", NULL,
};

/* ------------------------------------------------------------------ */
/* Opening a run                                                       */

static int scalar_i64__(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    return -1;
}

int report_open_run(const char *path, sqlite3 **dbp, char *err, size_t errlen)
{
    *dbp = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return REPORT_EINPUT;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return REPORT_EINPUT;
    }
    int64_t complete = -1, version = -1;
    if (scalar_i64__(db, "PRAGMA user_version", &version) != 0 ||
        scalar_i64__(db, "SELECT complete FROM runs ORDER BY id LIMIT 1", &complete) != 0) {
        snprintf(err, errlen, "%s: not a setsim run database (no runs table: %s)", path,
                 sqlite3_errmsg(db));
        sqlite3_close(db);
        return REPORT_EINPUT;
    }
    if (complete != 1) {
        snprintf(err, errlen,
                 "%s: the run is incomplete (runs.complete = 0): it stopped before it "
                 "finished; run the scenario again",
                 path);
        sqlite3_close(db);
        return REPORT_EINPUT;
    }
    *dbp = db;
    return 0;
}

static int read_run__(struct report *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT scenario, seed, sim_end_ps FROM runs ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "run.sqlite: cannot read the runs row: %s", sqlite3_errmsg(r->db));
        sqlite3_finalize(st);
        return REPORT_EINPUT;
    }
    snprintf(r->scenario, sizeof r->scenario, "%s", (const char *)sqlite3_column_text(st, 0));
    r->seed = (uint64_t)sqlite3_column_int64(st, 1);
    r->sim_end_ps = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if (r->sim_end_ps < 2000000000LL) { /* below 2 ms */
        r->tdiv = 1e6;
        r->tunit = "µs";
    } else {
        r->tdiv = 1e9;
        r->tunit = "ms";
    }
    return 0;
}

static int make_dir__(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (mkdir(path, 0755) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    snprintf(err, errlen, "%s: cannot create the directory: %s", path,
             errno == EEXIST ? "a file is in the way" : strerror(errno));
    return REPORT_EINPUT;
}

/* ------------------------------------------------------------------ */
/* CSV exports                                                         */

static const struct {
    const char *file;
    const char *sql;
} csv_exports[] = {
    {"flows.csv", "SELECT * FROM flows ORDER BY id"},
    {"samples.csv", "SELECT time_ps, obj, metric, unit, value FROM samples_v"},
    {"events.csv", "SELECT * FROM events_v"},
    {"verdicts.csv", "SELECT * FROM verdicts ORDER BY rule"},
};

static int write_csv__(struct report *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof csv_exports / sizeof csv_exports[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", r->csvdir, csv_exports[i].file);
        uint64_t rows = 0;
        int rc = csvout_query(r->db, csv_exports[i].sql, path, &rows, err, errlen);
        if (rc != 0)
            return rc == -EINVAL ? -EIO : rc;
        if (r->o->out)
            fprintf(r->o->out, "%s  %" PRIu64 " rows\n", path, rows);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Figures: helpers                                                    */

/* Figure title: "<scenario>: <what>". */
static void title__(const struct report *r, struct plot *p, const char *what)
{
    char t[600], q[1300];
    snprintf(t, sizeof t, "%s: %s (seed %" PRIu64 ")", r->scenario, what, r->seed);
    plot_cmd(p, "set title %s font ',15'", plot_quote(t, q, sizeof q));
}

static void time_axis__(const struct report *r, struct plot *p)
{
    plot_cmd(p, "set xlabel 'simulated time (%s)'", r->tunit);
    plot_cmd(p, "set xrange [0:%.9g]", (double)r->sim_end_ps / r->tdiv);
    plot_cmd(p, "set grid xtics ytics lc rgb '#dddddd' lt 1");
    plot_cmd(p, "set border 3");
    plot_cmd(p, "set tics nomirror");
}

static struct plot *open_fig_sized__(struct report *r, const char *name, unsigned height,
                                     char *path, size_t pathlen, char *err, size_t errlen)
{
    snprintf(path, pathlen, "%s/%s.%s", r->plotdir, name, r->o->format ? r->o->format : "png");
    struct plot_settings ps = {.path = path, .format = r->o->format, .height = height};
    struct plot *p = plot_open(&ps, err, errlen);
    if (p) {
        plot_cmd(p, "set encoding utf8");
        /* Sixteen distinguishable colours (gnuplot's own cycle repeats
         * after eight, so a ninth series looked like the first). */
        static const char *const palette[] = {
            "#9400d3", "#009e73", "#56b4e9", "#e69f00", "#f0e442", "#0072b2", "#e51e10",
            "#000000", "#8c564b", "#ff7f0e", "#7f7f7f", "#bcbd22", "#17becf", "#d62728",
            "#2ca02c", "#1f3f9f"};
        for (int i = 0; i < 16; i++)
            plot_cmd(p, "set linetype %d lc rgb '%s'", i + 1, palette[i]);
    }
    return p;
}

static struct plot *open_fig__(struct report *r, const char *name, char *path, size_t pathlen,
                               char *err, size_t errlen)
{
    return open_fig_sized__(r, name, 0, path, pathlen, err, errlen);
}

static int empty_fig__(struct report *r, const char *name, const char *what, const char *msg,
                       long *bytes, char *err, size_t errlen)
{
    char path[4200], t[600];
    snprintf(path, sizeof path, "%s/%s.%s", r->plotdir, name, r->o->format ? r->o->format : "png");
    snprintf(t, sizeof t, "%s: %s (seed %" PRIu64 ")", r->scenario, what, r->seed);
    struct plot_settings ps = {.path = path, .format = r->o->format};
    int rc = plot_message(&ps, t, msg, bytes, err, errlen);
    return rc == 0 ? 1 : rc; /* 1: written, empty */
}

static sqlite3_stmt *prep__(struct report *r, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "run.sqlite: query failed: %s", sqlite3_errmsg(r->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* One time series: an object's metric. */
struct series {
    int64_t obj, metric;
    char name[200];     /* legend text */
    double max;
};

/* Sends the samples of s as datablock $d<idx>: time, value / div. */
static int send_series__(struct report *r, struct plot *p, int idx, const struct series *s,
                         double div, char *err, size_t errlen)
{
    sqlite3_stmt *st = prep__(r,
                              "SELECT time_ps, value FROM samples WHERE obj = ?1 AND metric = ?2 "
                              "ORDER BY time_ps, rowid",
                              err, errlen);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, s->obj);
    sqlite3_bind_int64(st, 2, s->metric);
    char name[16];
    snprintf(name, sizeof name, "d%d", idx);
    plot_block_begin(p, name);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            plot_block_row(p, "%.9g NaN", (double)sqlite3_column_int64(st, 0) / r->tdiv);
        else
            plot_block_row(p, "%.9g %.9g", (double)sqlite3_column_int64(st, 0) / r->tdiv,
                           sqlite3_column_double(st, 1) / div);
    }
    sqlite3_finalize(st);
    return plot_block_end(p);
}

/* Series of samples whose metric name matches `like` for objects of kind
 * `kind` (NULL: any), ordered by object name then metric; *n receives the
 * count.  Caller frees. */
static struct series *find_series__(struct report *r, const char *like, const char *kind,
                                    size_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *st = prep__(r,
                              "SELECT s.obj, s.metric, o.name, m.name, max(s.value) "
                              "FROM samples s JOIN metrics m ON m.id = s.metric "
                              "JOIN objects o ON o.id = s.obj "
                              "WHERE m.name LIKE ?1 AND (?2 IS NULL OR o.kind = ?2) "
                              "GROUP BY s.obj, s.metric ORDER BY o.name, m.name",
                              err, errlen);
    *n = 0;
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    struct series *v = NULL;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct series *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                sqlite3_finalize(st);
                snprintf(err, errlen, "out of memory");
                *n = 0;
                return NULL;
            }
            v = nv;
        }
        struct series *s = &v[(*n)++];
        s->obj = sqlite3_column_int64(st, 0);
        s->metric = sqlite3_column_int64(st, 1);
        snprintf(s->name, sizeof s->name, "%s %s", (const char *)sqlite3_column_text(st, 2),
                 (const char *)sqlite3_column_text(st, 3));
        s->max = sqlite3_column_double(st, 4);
    }
    sqlite3_finalize(st);
    if (!v) {
        v = malloc(sizeof *v); /* non-NULL: "no series" is not an error */
        if (!v)
            snprintf(err, errlen, "out of memory");
    }
    return v;
}

/* Draws vertical lines (with labels) for events of the given SQL (time_ps,
 * label) and returns how many. */
static int mark_events__(struct report *r, struct plot *p, const char *sql, const char *color,
                         int *arrow, int *label, char *err, size_t errlen)
{
    sqlite3_stmt *st = prep__(r, sql, err, errlen);
    if (!st)
        return -EIO;
    int n = 0;
    int64_t last_t = -1;
    char q[600];
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        double x = (double)t / r->tdiv;
        if (t != last_t)
            plot_cmd(p, "set arrow %d from first %.9g, graph 0 to first %.9g, graph 1 nohead "
                        "lc rgb '%s' dt 2 lw 1.5 back",
                     ++*arrow, x, x, color);
        if (*label < REPORT_MAX_LABELS)
            plot_cmd(p, "set label %d %s at first %.9g, graph 0.98 rotate by 90 right "
                        "offset %s,0 tc rgb '%s' font ',10' front",
                     ++*label, plot_quote(text, q, sizeof q), x, t == last_t ? "2.2" : "-0.8",
                     color);
        last_t = t;
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

/* Unit for a quantity of bits per second whose maximum is max. */
static double bps_div__(double max, const char **unit)
{
    if (max >= 1e9) {
        *unit = "Gb/s";
        return 1e9;
    }
    if (max >= 1e6) {
        *unit = "Mb/s";
        return 1e6;
    }
    *unit = "kb/s";
    return 1e3;
}

static double bytes_div__(double max, const char **unit)
{
    if (max >= 1e6) {
        *unit = "MB";
        return 1e6;
    }
    if (max >= 1e4) {
        *unit = "KB";
        return 1e3;
    }
    *unit = "bytes";
    return 1;
}

/* ------------------------------------------------------------------ */
/* Figures                                                             */

static int series_by_max__(const void *a, const void *b)
{
    const struct series *x = a, *y = b;
    if (x->max != y->max)
        return x->max < y->max ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int series_by_name__(const void *a, const void *b)
{
    return strcmp(((const struct series *)a)->name, ((const struct series *)b)->name);
}

/* The host part of an object name ("hv1/SLOT 2" -> "hv1"), into out. */
static void host_of__(const char *name, char *out, size_t outlen)
{
    const char *slash = strchr(name, '/');
    snprintf(out, outlen, "%.*s", slash ? (int)(slash - name) : (int)strlen(name), name);
}

/* Rebalancing marks of one host's panel: flows moved between its members
 * and vPorts re-affinitized, as datablock $moves (time, height, is-flow). */
static int send_moves__(struct report *r, struct plot *p, const char *like, int *nmove,
                        int *naff, char *err, size_t errlen)
{
    sqlite3_stmt *st = prep__(r,
                              "SELECT e.time_ps, k.name FROM events e JOIN event_kinds k "
                              "ON k.id = e.kind JOIN objects o ON o.id = e.obj "
                              "WHERE (k.name = 'flow_move' OR (k.name = 'affinity_set' AND "
                              "e.reason <> 'initial')) AND o.name LIKE ?1 ORDER BY e.seq",
                              err, errlen);
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
    *nmove = *naff = 0;
    plot_block_begin(p, "moves");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int fm = strcmp((const char *)sqlite3_column_text(st, 1), "flow_move") == 0;
        *nmove += fm;
        *naff += !fm;
        plot_block_row(p, "%.9g %g %d", (double)sqlite3_column_int64(st, 0) / r->tdiv,
                       fm ? 0.965 : 0.93, fm);
    }
    plot_block_end(p);
    sqlite3_finalize(st);
    return 0;
}

/* Per-member throughput, one panel per host: tx solid, rx dashed, one
 * colour per member; failover events (members and their links going down
 * or up, added, removed) as labelled red lines, rebalancing (flows moved,
 * vPorts re-affinitized) as marks along the top.  Series that stay at
 * zero are not drawn; the panel's key says how many. */
static int fig_throughput__(struct report *r, long *bytes, char *err, size_t errlen)
{
    const char *what = "per-member throughput";
    size_t n = 0;
    struct series *s = find_series__(r, "%x_bps", "nic", &n, err, errlen);
    if (!s)
        return -EIO;
    double max = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        max = fmax(max, s[i].max);
    /* Series that never reach REPORT_MINOR of the peak (ARP, ACKs on an
     * idle direction) would only hide under the time axis. */
    for (size_t i = 0; i < n; i++)
        if (s[i].max > 0 && s[i].max >= max * REPORT_MINOR)
            s[used++] = s[i];
    size_t zero = n - used;
    if (used == 0) {
        free(s);
        return empty_fig__(r, "throughput", what,
                           n == 0 ? "no throughput samples in this run"
                                  : "no member sent or received any traffic",
                           bytes, err, errlen);
    }
    /* Hosts with traffic, in name order (the series are sorted by name). */
    char hosts[REPORT_MAX_PANELS][128];
    size_t nh = 0, nall = 0;
    char last[128] = "";
    for (size_t i = 0; i < used; i++) {
        char h[128];
        host_of__(s[i].name, h, sizeof h);
        if (nall == 0 || strcmp(last, h) != 0) {
            nall++;
            snprintf(last, sizeof last, "%s", h);
            if (nh < REPORT_MAX_PANELS)
                snprintf(hosts[nh++], sizeof hosts[0], "%s", h);
        }
    }
    /* More hosts than panels: one panel with the largest series. */
    int combined = nall > REPORT_MAX_PANELS;
    size_t total = used;
    if (combined) {
        qsort(s, used, sizeof *s, series_by_max__);
        if (used > REPORT_MAX_SERIES)
            used = REPORT_MAX_SERIES;
        qsort(s, used, sizeof *s, series_by_name__);
        nh = 1;
        hosts[0][0] = '\0';
    }
    char path[4200];
    unsigned height = combined ? PLOT_DEFAULT_HEIGHT : (unsigned)(170 + 300 * nh);
    struct plot *p = open_fig_sized__(r, "throughput", height, path, sizeof path, err, errlen);
    if (!p) {
        free(s);
        return -EIO;
    }
    const char *unit;
    double div = bps_div__(max, &unit);
    char t[600], q[1300];
    snprintf(t, sizeof t, "%s: %s (seed %" PRIu64 ")", r->scenario, what, r->seed);
    plot_cmd(p, "set multiplot layout %zu,1 title %s font ',15'", nh, plot_quote(t, q, sizeof q));
    time_axis__(r, p);
    plot_cmd(p, "set ylabel 'throughput (%s)'", unit);
    plot_cmd(p, "set yrange [0:%.9g]", max / div * 1.15);
    plot_cmd(p, "set y2range [0:1]");
    plot_cmd(p, "set key outside right top vertical spacing 1.1 width -2");
    plot_cmd(p, "set lmargin 10");
    plot_cmd(p, "set rmargin 34");
    int rc = 0;
    size_t k = 0; /* series index */
    for (size_t h = 0; h < nh && rc == 0; h++) {
        char like[160];
        snprintf(like, sizeof like, combined ? "%%" : "%s/%%", hosts[h]);
        plot_cmd(p, "unset arrow");
        plot_cmd(p, "unset label");
        if (combined)
            snprintf(t, sizeof t, used < total ? "%zu hosts: the %zu largest of %zu series"
                                               : "%zu hosts, %zu series", nall, used, total);
        else
            snprintf(t, sizeof t, "host %s", hosts[h]);
        plot_cmd(p, "set title %s", plot_quote(t, q, sizeof q));
        int arrow = 0, label = 0, nmove = 0, naff = 0;
        char sql[4096];
        snprintf(sql, sizeof sql,
                 "SELECT e.time_ps, CASE WHEN k.name = 'note' THEN "
                 "substr(e.detail, 13, instr(substr(e.detail, 13), ' ') - 1) || ' migrated' "
                 "ELSE substr(o.name, instr(o.name, '/') + 1) || ' ' || "
                 "replace(replace(k.name, 'member_', ''), 'link_', 'link ') END FROM events e "
                 "JOIN event_kinds k ON k.id = e.kind JOIN objects o ON o.id = e.obj "
                 "WHERE (k.name IN ('member_down', 'member_up', 'member_added', "
                 "'member_removed', 'adapter_restart') OR (k.name IN ('link_down', 'link_up') "
                 "AND o.kind = 'nic') OR (k.name = 'note' AND e.detail LIKE 'vm_migrated %%')) "
                 "AND e.time_ps > 0 AND (o.name LIKE %s OR (k.name = 'note' AND "
                 "e.obj2 IN (SELECT id FROM objects WHERE name LIKE %s))) ORDER BY e.seq",
                 plot_quote(like, q, sizeof q), q);
        int nfo = mark_events__(r, p, sql, "#c00000", &arrow, &label, err, errlen);
        if (nfo < 0 || send_moves__(r, p, like, &nmove, &naff, err, errlen) != 0) {
            rc = -EIO;
            break;
        }
        size_t first = k;
        char hk[128];
        while (k < used &&
               (combined || (host_of__(s[k].name, hk, sizeof hk), strcmp(hk, hosts[h]) == 0))) {
            if (send_series__(r, p, (int)k, &s[k], div, err, errlen) != 0) {
                rc = -EIO;
                break;
            }
            k++;
        }
        size_t cap = 512 + (k - first) * 300;
        char *cmd = malloc(cap);
        if (!cmd) {
            rc = -ENOMEM;
            break;
        }
        size_t off = (size_t)snprintf(cmd, cap, "plot");
        int colour = 0;
        for (size_t i = first; i < k; i++) {
            if (i == first || s[i].obj != s[i - 1].obj)
                colour++;
            int is_rx = strstr(s[i].name, " rx_bps") != NULL;
            const char *member = combined ? NULL : strchr(s[i].name, '/');
            member = member ? member + 1 : s[i].name;
            char legend[220];
            snprintf(legend, sizeof legend, "%.*s %s",
                     (int)(strlen(member) - strlen(" tx_bps")), member, is_rx ? "rx" : "tx");
            off += (size_t)snprintf(cmd + off, cap - off,
                                    "%s $d%zu using 1:2 with lines lc %d dt %s lw 2 title %s",
                                    i > first ? "," : "", i, colour, is_rx ? "(7,4)" : "1",
                                    plot_quote(legend, q, sizeof q));
        }
        if (nmove)
            off += (size_t)snprintf(cmd + off, cap - off,
                                    ", $moves using 1:($3 == 1 ? $2 : NaN) axes x1y2 with points "
                                    "pt 9 ps 1.4 lc rgb '#1f6f3f' title 'flow moved (%d)'",
                                    nmove);
        if (naff)
            off += (size_t)snprintf(cmd + off, cap - off,
                                    ", $moves using 1:($3 == 0 ? $2 : NaN) axes x1y2 with points "
                                    "pt 11 ps 1.4 lc rgb '#7a3fb0' title 'vPort re-affinitized "
                                    "(%d)'",
                                    naff);
        if (nfo)
            off += (size_t)snprintf(cmd + off, cap - off,
                                    ", NaN with lines lc rgb '#c00000' dt 2 title 'failover or "
                                    "migration'");
        if (h == nh - 1 && zero)
            off += (size_t)snprintf(cmd + off, cap - off,
                                    ", NaN with lines lc rgb '#ffffff' title '(%zu idle series "
                                    "omitted)'",
                                    zero);
        (void)off;
        plot_cmd(p, "%s", cmd);
        free(cmd);
    }
    free(s);
    if (rc != 0) {
        plot_abort(p);
        return rc;
    }
    plot_cmd(p, "unset multiplot");
    return plot_close(p, bytes, err, errlen);
}

/* PFC pause timeline: one row per (port, priority) that was paused, a bar
 * per paused interval (pfc_pause .. pfc_resume, or the end of the run). */
static int fig_pfc__(struct report *r, long *bytes, char *err, size_t errlen)
{
    const char *what = "PFC pause timeline per port and priority";
    sqlite3_stmt *st = prep__(r,
                              "SELECT o.name, e.prio, e.time_ps, k.name FROM events e "
                              "JOIN event_kinds k ON k.id = e.kind JOIN objects o ON o.id = e.obj "
                              "WHERE k.name IN ('pfc_pause', 'pfc_resume') "
                              "ORDER BY o.name, e.prio, e.seq",
                              err, errlen);
    if (!st)
        return -EIO;
    /* Collect intervals first: an empty run gets a message, not a frame. */
    struct iv {
        int row;
        double from, to;
    } *iv = NULL;
    size_t niv = 0, cap = 0;
    char rows[64][160];
    int nrows = 0;
    char cur[160] = "";
    int64_t open_at = -1;
    int rc = 0;
    for (;;) {
        int more = sqlite3_step(st) == SQLITE_ROW;
        char key[160] = "";
        if (more)
            snprintf(key, sizeof key, "%s  prio %d", (const char *)sqlite3_column_text(st, 0),
                     sqlite3_column_int(st, 1));
        if ((!more || strcmp(key, cur) != 0) && open_at >= 0) {
            /* The previous row's pause lasted to the end of the run. */
            if (niv == cap) {
                cap = cap ? cap * 2 : 64;
                void *nv = realloc(iv, cap * sizeof *iv);
                if (!nv) {
                    rc = -ENOMEM;
                    break;
                }
                iv = nv;
            }
            iv[niv++] = (struct iv){nrows - 1, (double)open_at / r->tdiv,
                                    (double)r->sim_end_ps / r->tdiv};
            open_at = -1;
        }
        if (!more)
            break;
        if (strcmp(key, cur) != 0) {
            if (nrows == 64)
                break; /* more rows would not be readable */
            snprintf(cur, sizeof cur, "%s", key);
            snprintf(rows[nrows++], sizeof rows[0], "%s", key);
        }
        int64_t t = sqlite3_column_int64(st, 2);
        int pause = strcmp((const char *)sqlite3_column_text(st, 3), "pfc_pause") == 0;
        if (pause && open_at < 0) {
            open_at = t;
        } else if (!pause && open_at >= 0) {
            if (niv == cap) {
                cap = cap ? cap * 2 : 64;
                void *nv = realloc(iv, cap * sizeof *iv);
                if (!nv) {
                    rc = -ENOMEM;
                    break;
                }
                iv = nv;
            }
            iv[niv++] = (struct iv){nrows - 1, (double)open_at / r->tdiv, (double)t / r->tdiv};
            open_at = -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != 0) {
        free(iv);
        return rc;
    }
    if (niv == 0) {
        free(iv);
        return empty_fig__(r, "pfc_pause", what, "no port or NIC was paused by PFC in this run",
                           bytes, err, errlen);
    }
    /* PFC frames sent, as ticks under the bars of the receiving side are
     * not attributable without the cable map: show totals in the key. */
    int64_t ntx = 0;
    scalar_i64__(r->db,
                 "SELECT count(*) FROM events e JOIN event_kinds k ON k.id = e.kind "
                 "WHERE k.name = 'pfc_tx'",
                 &ntx);
    char path[4200];
    /* A readable row height whatever the number of rows. */
    unsigned height = (unsigned)(260 + 48 * nrows);
    struct plot *p = open_fig_sized__(r, "pfc_pause", height < 400 ? 400 : height, path,
                                      sizeof path, err, errlen);
    if (!p) {
        free(iv);
        return -EIO;
    }
    title__(r, p, what);
    time_axis__(r, p);
    plot_cmd(p, "set ylabel 'port, priority'");
    plot_cmd(p, "set yrange [-0.7:%d.7]", nrows - 1);
    plot_cmd(p, "set grid noytics");
    char q[400];
    char ytics[64 * 200];
    size_t off = (size_t)snprintf(ytics, sizeof ytics, "set ytics (");
    for (int i = 0; i < nrows; i++)
        off += (size_t)snprintf(ytics + off, sizeof ytics - off, "%s%s %d", i ? ", " : "",
                                plot_quote(rows[i], q, sizeof q), i);
    snprintf(ytics + off, sizeof ytics - off, ")");
    plot_cmd(p, "%s", ytics);
    plot_cmd(p, "set key outside top center horizontal");
    plot_block_begin(p, "iv");
    double paused_total = 0;
    for (size_t i = 0; i < niv; i++) {
        /* boxxyerror: x y xlow xhigh ylow yhigh */
        plot_block_row(p, "%.9g %d %.9g %.9g %g %g", (iv[i].from + iv[i].to) / 2, iv[i].row,
                       iv[i].from, iv[i].to, iv[i].row - 0.3, iv[i].row + 0.3);
        paused_total += iv[i].to - iv[i].from;
    }
    plot_block_end(p);
    free(iv);
    plot_cmd(p,
             "plot $iv using 1:2:3:4:5:6 with boxxyerror fs solid 0.75 noborder lc rgb '#d9534f' "
             "title 'paused (%zu interval%s, %.4g %s in total; %" PRId64 " PFC frames sent)'",
             niv, niv == 1 ? "" : "s", paused_total, r->tunit, ntx);
    return plot_close(p, bytes, err, errlen);
}

/* Queue depth per port and priority: the series that were ever non-zero. */
static int fig_queue__(struct report *r, long *bytes, char *err, size_t errlen)
{
    const char *what = "egress queue depth per port and priority";
    size_t n = 0;
    struct series *s = find_series__(r, "queue_p%_bytes", NULL, &n, err, errlen);
    if (!s)
        return -EIO;
    size_t used = 0;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].max > 0) {
            s[used++] = s[i];
            max = fmax(max, s[i].max);
        }
    if (used == 0) {
        free(s);
        return empty_fig__(r, "queue_depth", what,
                           n == 0 ? "no queue samples in this run"
                                  : "every egress queue stayed empty at the sample times",
                           bytes, err, errlen);
    }
    /* Largest queues first, so the ones shown are the ones that matter. */
    for (size_t i = 1; i < used; i++)
        for (size_t j = i; j > 0 && s[j].max > s[j - 1].max; j--) {
            struct series t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    char path[4200];
    struct plot *p = open_fig__(r, "queue_depth", path, sizeof path, err, errlen);
    if (!p) {
        free(s);
        return -EIO;
    }
    const char *unit;
    double div = bytes_div__(max, &unit);
    char what2[300];
    size_t shown = used < REPORT_MAX_SERIES ? used : REPORT_MAX_SERIES;
    if (shown < used)
        snprintf(what2, sizeof what2, "%s, %zu largest of %zu non-empty", what, shown, used);
    else
        snprintf(what2, sizeof what2, "%s", what);
    title__(r, p, what2);
    time_axis__(r, p);
    plot_cmd(p, "set ylabel 'queue depth (%s)'", unit);
    plot_cmd(p, "set yrange [0:%.9g]", max / div * 1.1);
    plot_cmd(p, "set key outside right top");
    for (size_t i = 0; i < shown; i++)
        if (send_series__(r, p, (int)i, &s[i], div, err, errlen) != 0) {
            plot_abort(p);
            free(s);
            return -EIO;
        }
    size_t cap = 64 + shown * 300;
    char *cmd = malloc(cap);
    if (!cmd) {
        plot_abort(p);
        free(s);
        return -ENOMEM;
    }
    size_t off = (size_t)snprintf(cmd, cap, "plot");
    char q[500];
    for (size_t i = 0; i < shown; i++) {
        /* "tor1/3 queue_p3_bytes" -> "tor1/3 prio 3" */
        char legend[220];
        const char *m = strstr(s[i].name, " queue_p");
        snprintf(legend, sizeof legend, "%.*s prio %c", m ? (int)(m - s[i].name) : 0, s[i].name,
                 m ? m[8] : '?');
        off += (size_t)snprintf(cmd + off, cap - off,
                                "%s $d%zu using 1:2 with lines lw 2 lc %zu title %s",
                                i ? "," : "", i, i + 1, plot_quote(legend, q, sizeof q));
    }
    plot_cmd(p, "%s", cmd);
    free(cmd);
    free(s);
    return plot_close(p, bytes, err, errlen);
}

/* Flow completion time CDF, one line per traffic class. */
static int fig_fct__(struct report *r, long *bytes, char *err, size_t errlen)
{
    const char *what = "flow completion time CDF per traffic class";
    int64_t ndone = 0, nall = 0;
    scalar_i64__(r->db, "SELECT count(*) FROM flows WHERE complete = 1 AND fct_ps IS NOT NULL",
                 &ndone);
    scalar_i64__(r->db, "SELECT count(*) FROM flows", &nall);
    if (ndone == 0) {
        char msg[200];
        if (nall == 0)
            snprintf(msg, sizeof msg, "no flow results in this run (flows table is empty)");
        else
            snprintf(msg, sizeof msg, "none of the %" PRId64 " flows completed (no FCT)", nall);
        return empty_fig__(r, "fct_cdf", what, msg, bytes, err, errlen);
    }
    int64_t minf = 0, maxf = 0;
    scalar_i64__(r->db, "SELECT min(fct_ps) FROM flows WHERE complete = 1 AND fct_ps > 0", &minf);
    scalar_i64__(r->db, "SELECT max(fct_ps) FROM flows WHERE complete = 1", &maxf);
    double div = maxf >= 2000000000LL ? 1e9 : 1e6;
    const char *unit = div == 1e9 ? "ms" : "µs";
    char path[4200];
    struct plot *p = open_fig__(r, "fct_cdf", path, sizeof path, err, errlen);
    if (!p)
        return -EIO;
    title__(r, p, what);
    plot_cmd(p, "set xlabel 'flow completion time (%s)'", unit);
    plot_cmd(p, "set ylabel 'fraction of completed flows'");
    plot_cmd(p, "set yrange [0:1.02]");
    plot_cmd(p, "set grid xtics ytics mxtics lc rgb '#dddddd' lt 1");
    plot_cmd(p, "set border 3");
    plot_cmd(p, "set tics nomirror");
    if (minf > 0 && maxf / minf >= 100)
        plot_cmd(p, "set logscale x 10");
    else
        plot_cmd(p, "set xrange [0:%.9g]", (double)maxf / div * 1.08);
    plot_cmd(p, "set key left top");
    sqlite3_stmt *st = prep__(r,
                              "SELECT class, fct_ps FROM flows WHERE complete = 1 AND fct_ps IS "
                              "NOT NULL ORDER BY class, fct_ps, id",
                              err, errlen);
    if (!st) {
        plot_abort(p);
        return -EIO;
    }
    /* Per-class counts, for y = rank / n. */
    sqlite3_stmt *cn = prep__(r,
                              "SELECT class, count(*), "
                              "(SELECT count(*) FROM flows f2 WHERE f2.class = f.class) "
                              "FROM flows f WHERE complete = 1 AND fct_ps IS NOT NULL "
                              "GROUP BY class ORDER BY class",
                              err, errlen);
    if (!cn) {
        sqlite3_finalize(st);
        plot_abort(p);
        return -EIO;
    }
    char cmd[8192];
    size_t off = (size_t)snprintf(cmd, sizeof cmd, "plot");
    int k = 0;
    char q[400];
    while (sqlite3_step(cn) == SQLITE_ROW && k < REPORT_MAX_SERIES) {
        const char *cls = (const char *)sqlite3_column_text(cn, 0);
        int64_t n = sqlite3_column_int64(cn, 1), total = sqlite3_column_int64(cn, 2);
        char name[16];
        snprintf(name, sizeof name, "c%d", k);
        plot_block_begin(p, name);
        int64_t i = 0;
        double p50 = NAN, p99 = NAN;
        while (i < n && sqlite3_step(st) == SQLITE_ROW) {
            double x = (double)sqlite3_column_int64(st, 1) / div;
            if (i == 0) /* the CDF rises from 0 at the first FCT */
                plot_block_row(p, "%.9g 0", x);
            i++;
            plot_block_row(p, "%.9g %.9g", x, (double)i / (double)n);
            if (isnan(p50) && (double)i >= 0.5 * (double)n)
                p50 = x;
            if (isnan(p99) && (double)i >= 0.99 * (double)n)
                p99 = x;
        }
        plot_block_end(p);
        char legend[300];
        if (n == total)
            snprintf(legend, sizeof legend, "%s (n=%" PRId64 ", p50 %.4g %s, p99 %.4g %s)", cls,
                     n, p50, unit, p99, unit);
        else
            snprintf(legend, sizeof legend,
                     "%s (%" PRId64 " of %" PRId64 " completed, p50 %.4g %s, p99 %.4g %s)", cls,
                     n, total, p50, unit, p99, unit);
        off += (size_t)snprintf(cmd + off, sizeof cmd - off,
                                "%s $c%d using 1:2 with steps lw 2 lc %d title %s", k ? "," : "",
                                k, k + 1, plot_quote(legend, q, sizeof q));
        if (n <= REPORT_FEW_FLOWS) /* few flows: show each one */
            off += (size_t)snprintf(cmd + off, sizeof cmd - off,
                                    ", $c%d every ::1 using 1:2 with points pt 7 ps 1.2 lc %d "
                                    "notitle",
                                    k, k + 1);
        k++;
    }
    sqlite3_finalize(cn);
    sqlite3_finalize(st);
    plot_cmd(p, "%s", cmd);
    return plot_close(p, bytes, err, errlen);
}

/* MAC-table moves over time: cumulative moves per switch, a point per
 * move. */
static int fig_mac__(struct report *r, long *bytes, char *err, size_t errlen)
{
    const char *what = "MAC-table moves over time";
    int64_t nmoves = 0;
    scalar_i64__(r->db,
                 "SELECT count(*) FROM events e JOIN event_kinds k ON k.id = e.kind "
                 "WHERE k.name = 'mac_move'",
                 &nmoves);
    if (nmoves == 0)
        return empty_fig__(r, "mac_moves", what, "no MAC address moved between ports in this run",
                           bytes, err, errlen);
    /* The switch is the port name's part before the last '/'. */
    sqlite3_stmt *st = prep__(
        r,
        "SELECT CASE WHEN instr(o.name, '/') > 0 THEN rtrim(o.name, '0123456789') ELSE o.name "
        "END AS sw, e.time_ps FROM events e JOIN event_kinds k ON k.id = e.kind "
        "JOIN objects o ON o.id = e.obj WHERE k.name = 'mac_move' ORDER BY sw, e.seq",
        err, errlen);
    if (!st)
        return -EIO;
    char path[4200];
    struct plot *p = open_fig__(r, "mac_moves", path, sizeof path, err, errlen);
    if (!p) {
        sqlite3_finalize(st);
        return -EIO;
    }
    title__(r, p, what);
    time_axis__(r, p);
    plot_cmd(p, "set ylabel 'MAC moves (cumulative count)'");
    if (nmoves <= 10)
        plot_cmd(p, "set ytics 1");
    plot_cmd(p, "set yrange [0:%.9g]", (double)nmoves * 1.15 + 0.5);
    plot_cmd(p, "set key left top");
    char cmd[8192], cur[200] = "", q[400];
    size_t off = (size_t)snprintf(cmd, sizeof cmd, "plot");
    int k = 0;
    int64_t count = 0;
    int in_block = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sw = (const char *)sqlite3_column_text(st, 0);
        double x = (double)sqlite3_column_int64(st, 1) / r->tdiv;
        if (!in_block || strcmp(sw, cur) != 0) {
            if (in_block) {
                plot_block_row(p, "%.9g %" PRId64 " 0", (double)r->sim_end_ps / r->tdiv, count);
                plot_block_end(p);
            }
            if (k == REPORT_MAX_SERIES)
                break;
            char name[16], legend[260];
            snprintf(name, sizeof name, "m%d", k);
            plot_block_begin(p, name);
            plot_block_row(p, "0 0 0");
            in_block = 1;
            count = 0;
            snprintf(cur, sizeof cur, "%s", sw);
            size_t l = strlen(cur);
            if (l && cur[l - 1] == '/')
                cur[l - 1] = '\0';
            snprintf(legend, sizeof legend, "switch %s", cur);
            snprintf(cur, sizeof cur, "%s", sw);
            off += (size_t)snprintf(cmd + off, sizeof cmd - off,
                                    "%s $m%d using 1:2 with steps lw 2 lc %d title %s, "
                                    "$m%d using 1:($3 == 1 ? $2 : NaN) with points pt 7 ps 1 lc %d "
                                    "notitle",
                                    k ? "," : "", k, k + 1, plot_quote(legend, q, sizeof q), k,
                                    k + 1);
            k++;
        }
        count++;
        plot_block_row(p, "%.9g %" PRId64 " 1", x, count);
    }
    sqlite3_finalize(st);
    if (in_block) {
        plot_block_row(p, "%.9g %" PRId64 " 0", (double)r->sim_end_ps / r->tdiv, count);
        plot_block_end(p);
    }
    plot_cmd(p, "%s", cmd);
    return plot_close(p, bytes, err, errlen);
}

typedef int (*fig_fn)(struct report *r, long *bytes, char *err, size_t errlen);
static const fig_fn figures[] = {fig_throughput__, fig_pfc__, fig_queue__, fig_fct__, fig_mac__};

static int write_plots__(struct report *r, char *err, size_t errlen)
{
    for (size_t i = 0; report_plot_names[i]; i++) {
        long bytes = 0;
        int rc = figures[i](r, &bytes, err, errlen);
        if (rc < 0)
            return rc == REPORT_EINPUT ? -EIO : rc;
        if (r->o->out)
            fprintf(r->o->out, "%s/%s.%s  %ld bytes%s\n", r->plotdir, report_plot_names[i],
                    r->o->format ? r->o->format : "png", bytes,
                    rc == 1 ? " (no data: the figure says so)" : "");
    }
    return 0;
}

/* ------------------------------------------------------------------ */

int report_run(const struct report_options *o, char *err, size_t errlen)
{
    if (o->format && !plot_format_ok(o->format)) {
        snprintf(err, errlen, "--format: '%s' is not png or svg", o->format);
        return REPORT_EINPUT;
    }
    struct stat sb;
    if (stat(o->rundir, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", o->rundir,
                 errno == ENOENT ? "no such run directory" : strerror(errno));
        return REPORT_EINPUT;
    }
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a directory (give a run directory)", o->rundir);
        return REPORT_EINPUT;
    }
    char dbpath[4200];
    snprintf(dbpath, sizeof dbpath, "%s/run.sqlite", o->rundir);
    if (access(dbpath, F_OK) != 0) {
        snprintf(err, errlen, "%s: not a run directory (no run.sqlite)", o->rundir);
        return REPORT_EINPUT;
    }
    struct report r = {.o = o};
    int rc = report_open_run(dbpath, &r.db, err, errlen);
    if (rc != 0)
        return rc;
    rc = read_run__(&r, err, errlen);
    const char *out = o->outdir ? o->outdir : o->rundir;
    if (rc == 0)
        rc = make_dir__(out, err, errlen);
    snprintf(r.csvdir, sizeof r.csvdir, "%s/csv", out);
    snprintf(r.plotdir, sizeof r.plotdir, "%s/plots", out);
    if (rc == 0 && o->csv && (rc = make_dir__(r.csvdir, err, errlen)) == 0)
        rc = write_csv__(&r, err, errlen);
    if (rc == 0 && o->plots && (rc = make_dir__(r.plotdir, err, errlen)) == 0)
        rc = write_plots__(&r, err, errlen);
    sqlite3_close(r.db);
    return rc;
}
