/* sim_err: the one-line error message that setsim's functions write into a
 * caller's buffer (`char *err, size_t errlen`) next to their negative return
 * code (STYLE.md 5). */
#ifndef SETSIM_SIM_ERR_H
#define SETSIM_SIM_ERR_H

#include <stddef.h>

/* Formats into err[errlen] (always a C string, truncated to fit); does
 * nothing when err is NULL or errlen is 0. */
void sim_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
