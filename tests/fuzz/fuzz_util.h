/* fuzz_util: what the libFuzzer targets of tests/fuzz share (see
 * tests/fuzz/README.md): a scratch directory of the process and writing
 * the input into a file there, for the readers that take a path. */
#ifndef SETSIM_FUZZ_UTIL_H
#define SETSIM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process's scratch directory (made once, under $TMPDIR or /tmp). */
static inline const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/setsim-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
    }
    return dir;
}

/* Writes data to fuzz_dir()/name; path receives the file's path. */
static inline void fuzz_write(const char *name, const uint8_t *data, size_t size, char *path,
                              size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input");
        abort();
    }
}

/* A NUL-terminated copy of the input (the text parsers take C strings). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
