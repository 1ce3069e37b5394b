/* cmd_check: `setsim check RUNDIR` and `setsim check --mapping MAP.yaml`:
 * evaluates the rule table (results/check.h) over a run directory or over
 * external captures described by a mapping file (scenarios/check_map.h),
 * prints the verdicts as a table or, with --json, as JSON.
 * Exit status: 0 no rule fails, 1 a rule fails, 2 bad input (unreadable or
 * corrupt capture, bad mapping file with file:line:col, bad flag). */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "check_map.h"

static void check_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim check RUNDIR [--json]\n"
            "       setsim check --mapping MAP.yaml [--json]\n"
            "       setsim check --rules\n\n"
            "Checks a run directory (capture.pcapng and run.sqlite) or external pcap/pcapng\n"
            "captures described by a mapping file against the SET/DCB rule table\n"
            "(docs/check.md): one line per rule, pass / fail / warn / na (with why na),\n"
            "then the first offence of each failing rule: capture, frame number, time and\n"
            "a one-line explanation.\n\n"
            "  --mapping FILE  the captures and the facts about them (docs/check.md)\n"
            "  --json          verdicts as JSON on stdout\n"
            "  --rules         list the rule table (id, severity, needs, check)\n\n"
            "Exit status: 0 no rule fails, 1 a rule fails, 2 bad input.\n");
}

/* The rule table as a markdown table (docs/check.md shows it). */
static void print_rules__(FILE *out)
{
    fprintf(out, "| Rule | Title | Severity | Needs | Check |\n| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < check_rule_count(); i++) {
        const struct check_rule *r = check_rule_at(i);
        char needs[48];
        fprintf(out, "| %s | %s | %s | %s | %s |\n", r->id, r->title, r->severity,
                check_needs_text(r->needs, needs, sizeof needs), r->check);
    }
}

int cmd_check(int argc, char **argv)
{
    const char *dir = NULL, *map = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            check_help__(stdout);
            return CLI_OK;
        } else if (strcmp(s, "--json") == 0) {
            json = 1;
        } else if (strcmp(s, "--mapping") == 0 || strcmp(s, "-m") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("check", "%s needs a mapping file", s);
            map = argv[++i];
        } else if (strcmp(s, "--rules") == 0) {
            print_rules__(stdout);
            return CLI_OK;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("check", "unknown option '%s'", s);
        } else if (!dir) {
            dir = s;
        } else {
            return cli_usage_error("check", "one run directory at a time ('%s' and '%s')", dir,
                                   s);
        }
    }
    if (!dir == !map)
        return cli_usage_error("check", "give a run directory or --mapping FILE (one of them)");
    struct check_input *in = check_input_new();
    if (!in) {
        fprintf(stderr, "setsim check: out of memory\n");
        return CLI_FAILURE;
    }
    char err[2048] = "";
    int rc = dir ? check_input_from_run(in, dir, NULL, err, sizeof err)
                 : check_map_load(map, in, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "setsim check: %s\n", err);
        check_input_close_events(in);
        check_input_free(in);
        return CLI_USAGE;
    }
    struct check_report *r = check_run(in, err, sizeof err);
    check_input_close_events(in);
    check_input_free(in);
    if (!r) {
        fprintf(stderr, "setsim check: %s\n", err);
        return CLI_USAGE;
    }
    if (json)
        check_report_json(r, stdout);
    else
        check_report_print(r, stdout);
    int failed = check_report_failed(r);
    check_report_free(r);
    return failed ? CLI_FAILURE : CLI_OK;
}
