/* fuzz_ps: the PowerShell tokenizer, parser and binder
 * (scenarios/ps_lex.c, ps_parse.c, ps_bind.c) on any text, with and
 * without --seed-compat. */
#include "fuzz_util.h"
#include "ps_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 1 ? PS_SCRIPT_SEED_COMPAT : 0;
    char *text = fuzz_text(data + 1, size - 1);
    struct ps_script *s = NULL;
    if (ps_parse_script(text, "fuzz.ps1", 3, 4, flags, &s) == 0) {
        char buf[1200];
        for (size_t i = 0; i < s->nerrors; i++)
            ps_script_format_error(s, &s->errors[i], buf, sizeof buf);
        ps_script_free(s);
    }
    free(text);
    return 0;
}
