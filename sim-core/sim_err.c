/* sim_err: error messages into the caller's buffer (see sim_err.h). */
#include "sim_err.h"

#include <stdarg.h>
#include <stdio.h>

void sim_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
