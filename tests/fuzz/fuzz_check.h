/* fuzz_check: what fuzz_capture and fuzz_mapping run on their files: the
 * mapping loaded and, when it loads, every rule checked (`setsim check
 * --mapping`). */
#ifndef SETSIM_FUZZ_CHECK_H
#define SETSIM_FUZZ_CHECK_H

#include <stdlib.h>

#include "check.h"
#include "check_map.h"

static inline void fuzz_check_mapping(const char *map)
{
    char err[1024];
    struct check_input *in = check_input_new();
    if (!in)
        abort();
    if (check_map_load(map, in, err, sizeof err) == 0) {
        struct check_report *rep = check_run(in, err, sizeof err);
        check_report_free(rep);
    }
    check_input_close_events(in);
    check_input_free(in);
}

#endif
