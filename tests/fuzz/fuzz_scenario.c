/* fuzz_scenario: a whole scenario file (scenarios/scenario.c: YAML, the
 * PowerShell of every host, cables, traffic, timeline) built as `setsim
 * lint` builds it: diagnostics or a world, never a crash. */
#include "fuzz_util.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("scenario.yaml", data, size, path, sizeof path);
    struct scenario_options o = {.lint = 1};
    struct scenario *sc = scenario_build(path, &o);
    scenario_free(sc);
    return 0;
}
