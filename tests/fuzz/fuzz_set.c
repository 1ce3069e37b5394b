/* fuzz_set: `--set PATH=VALUE` overrides of any text (one per input line,
 * at most 8) applied to the quickstart scenario and built as `setsim lint
 * --set ...` builds it (scenarios/scenario.c): a `--set:N:COL:` error or a
 * world, never a crash. */
#include "fuzz_util.h"
#include "scenario.h"

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    const char *sets[MAX_SETS];
    size_t n = 0;
    for (char *line = text, *next; line && n < MAX_SETS; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        sets[n++] = line;
    }
    struct scenario_options o = {.sets = sets, .nsets = n, .lint = 1};
    struct scenario *sc = scenario_build(SETSIM_SOURCE_DIR "/scenarios/examples/quickstart.yaml", &o);
    scenario_free(sc);
    free(text);
    return 0;
}
