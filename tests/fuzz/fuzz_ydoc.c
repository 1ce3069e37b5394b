/* fuzz_ydoc: the YAML document loader (scenarios/ydoc.c) on any bytes:
 * a document or an error with a position, never a crash. */
#include "fuzz_util.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ydoc *doc = NULL;
    struct ydoc_err err;
    if (ydoc_load_string((const char *)data, size, "fuzz.yaml", &doc, &err) == 0)
        ydoc_free(doc);
    return 0;
}
