/* report: `setsim report RUNDIR`: the CSV exports and the figures of one
 * finished run, read from its run.sqlite (docs/results.md).
 *
 * CSV (OUT/csv/, csvout): flows.csv, samples.csv, events.csv, verdicts.csv.
 * Figures (OUT/plots/, plot): throughput (per-member tx/rx with failover
 * and rebalancing events marked), pfc_pause (pause timeline per port and
 * priority), queue_depth (per port and priority), fct_cdf (flow completion
 * time CDF per traffic class), mac_moves (MAC-table moves over time).  A
 * figure whose data is empty says so in the image (plot_message) and in
 * the listing.
 *
 * Refused (REPORT_EINPUT): a RUNDIR that is missing, not a directory, has
 * no readable run.sqlite, or whose run is incomplete (runs.complete = 0);
 * an OUT that cannot be a directory; a format other than png or svg.
 */
#ifndef SETSIM_REPORT_H
#define SETSIM_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct sqlite3;

/* report_run()'s return for bad input (exit status 2); any other negative
 * value is a run-time failure (exit status 1). */
#define REPORT_EINPUT (-22) /* -EINVAL */

struct report_options {
    const char *rundir;  /* the run directory (run.sqlite inside) */
    const char *outdir;  /* where csv/ and plots/ go; NULL: rundir */
    int csv;             /* write the CSV exports */
    int plots;           /* write the figures */
    const char *format;  /* "png" or "svg"; NULL: "png" */
    FILE *out;           /* one line per file written; NULL: quiet */
};

/* The names of the figures, in the order they are made (NULL-terminated):
 * plots/<name>.<format>. */
extern const char *const report_plot_names[];

/* Writes what o asks for.  0 on success; REPORT_EINPUT with the reason in
 * err for bad input; another negative errno when writing a file or running
 * gnuplot failed (files already written stay; the failed one is removed). */
int report_run(const struct report_options *o, char *err, size_t errlen);

/* Opens path read-only as a finished run database: 0 and *db, or
 * REPORT_EINPUT with the reason in err (missing, not a run database,
 * incomplete run).  For other commands that read runs (e.g. sweeps). */
int report_open_run(const char *path, struct sqlite3 **db, char *err, size_t errlen);

#endif
