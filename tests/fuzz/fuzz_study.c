/* fuzz_study: the sweep study loader (scenarios/study.c) on any text
 * (base scenario files are not opened: check_bases 0). */
#include "fuzz_util.h"
#include "study.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct study *s = NULL;
    struct ydoc_err err;
    if (study_load_string((const char *)data, size, "fuzz-study.yaml", 0, &s, &err) == 0)
        study_free(s);
    return 0;
}
