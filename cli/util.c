/* util: option-value parsing, usage errors, wall clock and memory readings
 * shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
