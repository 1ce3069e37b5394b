/* alloc_count: counts heap allocations made by setsim's own code.
 *
 * The setsim executable is linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=aligned_alloc (the frame pool's chunks), so every
 * call from the project's objects (not from shared libraries) goes through
 * these wrappers.  Benchmarks read the counter
 * around their measured phase to show that the event and frame paths do not
 * allocate after warm-up. */
#include "cli.h"

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

static uint64_t alloc_calls; /* process-wide by nature: it counts the process */

void *__wrap_malloc(size_t n)
{
    alloc_calls++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    alloc_calls++;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    alloc_calls++;
    return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    alloc_calls++;
    return __real_aligned_alloc(align, n);
}

uint64_t cli_alloc_count(void) { return alloc_calls; }
