/* cmd_report: `setsim report RUNDIR [--csv] [--plots] [--format png|svg]
 * [-o DIR]`: CSV exports and figures of a finished run (results/report.h).
 * Without --csv or --plots it writes both.
 * Exit status: 0 success; 1 a file or gnuplot failed; 2 bad flags, a
 * missing or incomplete run directory. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

static void report_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim report RUNDIR [--csv] [--plots] [--format png|svg] [-o DIR]\n\n"
            "Reads RUNDIR/run.sqlite of a finished run (docs/results.md) and writes\n"
            "  csv/    flows.csv, samples.csv, events.csv, verdicts.csv (libcsv, RFC 4180)\n"
            "  plots/  throughput, pfc_pause, queue_depth, fct_cdf, mac_moves (gnuplot)\n"
            "A figure with no data says so in the image.\n\n"
            "  --csv           write the CSV exports (default: both)\n"
            "  --plots         write the figures (default: both)\n"
            "  --format F      png (default) or svg\n"
            "  -o DIR          write csv/ and plots/ under DIR (default: RUNDIR)\n\n"
            "Exit status: 0 success, 1 writing or gnuplot failed, 2 bad flags or a\n"
            "missing or incomplete run directory.\n");
}

int cmd_report(int argc, char **argv)
{
    struct report_options o = {.format = "png", .out = stdout};
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            report_help__(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--csv") == 0) {
            o.csv = 1;
        } else if (strcmp(a, "--plots") == 0) {
            o.plots = 1;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-o") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("report", "%s needs a value", a);
            if (a[1] == 'o')
                o.outdir = argv[++i];
            else
                o.format = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("report", "unknown option '%s'", a);
        } else if (dir) {
            return cli_usage_error("report", "one directory only ('%s' and '%s')", dir, a);
        } else {
            dir = a;
        }
    }
    if (!dir)
        return cli_usage_error("report", "RUNDIR is missing");
    if (strcmp(o.format, "png") != 0 && strcmp(o.format, "svg") != 0)
        return cli_usage_error("report", "--format: '%s' is not png or svg", o.format);
    o.rundir = dir;
    if (!o.csv && !o.plots)
        o.csv = o.plots = 1;
    /* A study directory (setsim sweep's study.sqlite) is reported by the
     * sweep's report; a run directory has run.sqlite. */
    if (report_study_dir(dir))
        return report_study(dir, o.format, o.out);
    char err[4400];
    int rc = report_run(&o, err, sizeof err);
    if (rc == 0)
        return CLI_OK;
    fprintf(stderr, "setsim report: %s\n", err);
    return rc == REPORT_EINPUT ? CLI_USAGE : CLI_FAILURE;
}
