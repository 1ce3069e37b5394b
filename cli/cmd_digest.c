/* cmd_digest: `setsim digest RUNDIR [--parts]`: prints the run's digest
 * (results/digest.h: SHA-256 over the canonical event, flow and sample
 * rows and the capture bytes), with --parts one line per part as well -
 * the format of tests/golden/<scenario>.digest.
 * Exit status: 0 printed; 2 bad input (no run directory, not a complete
 * run, a capture that is missing, truncated or corrupt: digest_run reads
 * it block by block through results/capread.h first); 1 read error. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"

static void digest_help__(FILE *out)
{
    fprintf(out,
            "Usage: setsim digest RUNDIR [--parts]\n\n"
            "Prints the run's digest: SHA-256 over the canonical rows of run.sqlite\n"
            "(the runs row without wall-clock values, events with names resolved,\n"
            "flows, samples) and the bytes of capture.pcapng.  Two runs with the same\n"
            "digest simulated the same thing.  A capture.pcapng that is missing,\n"
            "truncated (even at a block boundary: run.sqlite records its length) or\n"
            "corrupt has no digest.  docs/regression.md has the details.\n\n"
            "  --parts   also print the digest and row count of each part\n"
            "            (the format of tests/golden/<scenario>.digest)\n\n"
            "Exit status: 0 success, 1 read error, 2 bad input (not a complete run, a\n"
            "damaged capture: the message names the file and the block's offset).\n");
}

int cmd_digest(int argc, char **argv)
{
    const char *dir = NULL;
    int parts = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            digest_help__(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--parts") == 0) {
            parts = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("digest", "unknown option '%s'", argv[i]);
        } else if (!dir) {
            dir = argv[i];
        } else {
            return cli_usage_error("digest", "one run directory at a time ('%s' and '%s')", dir,
                                   argv[i]);
        }
    }
    if (!dir)
        return cli_usage_error("digest", "which run directory?");
    struct digest d;
    char err[1024];
    int rc = digest_run(dir, &d, err, sizeof err);
    if (rc) {
        fprintf(stderr, "setsim digest: %s\n", err);
        return rc == -EIO || rc == -ENOMEM ? CLI_FAILURE : CLI_USAGE;
    }
    char out[2048];
    if (parts) {
        digest_format_parts(&d, out, sizeof out);
        fputs(out, stdout);
    } else {
        printf("%s\n", sha256_hex(d.total, out));
    }
    return CLI_OK;
}
