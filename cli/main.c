/* main: the setsim command: dispatches to a subcommand; --help, --version.
 * Exit status: 0 success, 1 run-time failure, 2 bad input or usage. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", cmd_run, "run a scenario file and write its run directory"},
    {"lint", cmd_lint, "check a scenario file (YAML, PowerShell, configuration rules)"},
    {"sweep", cmd_sweep, "run a study: every point of a parameter sweep, locally or under mpirun"},
    {"report", cmd_report, "CSV exports and figures of a finished run (or a study)"},
    {"check", cmd_check, "check a run directory or external captures against the rule table"},
    {"bench", cmd_bench, "measure the engine and models (events or frames per second)"},
    {"digest", cmd_digest, "print a run directory's digest (regression goldens)"},
    {"diff", cmd_diff, "first diverging event and frame of two run directories"},
};

#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void print_help(FILE *out)
{
    fprintf(out,
            "setsim %s: simulator and emulator for Switch Embedded Teaming (SET),\n"
            "RDMA (RoCEv2, iWARP) and Data Center Bridging (PFC, ETS).\n\n"
            "Usage: setsim <subcommand> [options]\n"
            "       setsim --help | --version\n\n"
            "Subcommands:\n",
            SETSIM_VERSION);
    for (size_t i = 0; i < NSUB; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'setsim <subcommand> --help' describes each one.\n"
                 "Exit status: 0 success, 1 run-time failure, 2 bad input or usage.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("setsim %s\n", SETSIM_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < NSUB; i++)
        if (strcmp(cmd, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "setsim: unknown subcommand '%s'\n", cmd);
    fprintf(stderr, "Try 'setsim --help'.\n");
    return CLI_USAGE;
}
