/* test_golden: regression goldens (issue 7).  Every example scenario in
 * scenarios/examples/ is run with its own seed on the native engine and
 * its digest (`setsim digest --parts`, results/digest.h) must equal
 * tests/golden/<scenario>.digest.  A scenario without a golden, or a
 * golden without a scenario, fails with a message naming the file; a
 * changed digest fails with both digests, the parts that changed, where
 * the new run was kept, and what to run next (scripts/golden-diff, which
 * prints setsim diff against the goldens' commit, and
 * scripts/update-goldens). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_runs.h"

/* Reads a whole small file into buf; returns 0 or -1. */
static int read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

/* Names of the parts (lines after the first) whose lines differ. */
static void changed_parts(const char *a, const char *b, char *out, size_t len)
{
    out[0] = '\0';
    const char *pa = strchr(a, '\n'), *pb = strchr(b, '\n');
    while (pa && pb && pa[1] && pb[1]) {
        pa++, pb++;
        size_t la = strcspn(pa, "\n"), lb = strcspn(pb, "\n");
        if (la != lb || memcmp(pa, pb, la) != 0) {
            size_t w = strcspn(pa, " ");
            size_t used = strlen(out);
            snprintf(out + used, len - used, "%s%.*s", used ? ", " : "", (int)w, pa);
        }
        pa = strchr(pa, '\n'), pb = strchr(pb, '\n');
    }
    if (!out[0])
        snprintf(out, len, "(format)");
}

static void test_goldens(void)
{
    char **names;
    size_t n = test_example_names(&names);
    CU_ASSERT_FATAL(n > 0);
    char tmp[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    for (size_t i = 0; i < n; i++) {
        char rel[600], golden[900], dir[900], want[2048], got[2048];
        snprintf(rel, sizeof rel, "tests/golden/%s.digest", names[i]);
        test_src_path(rel, golden, sizeof golden);
        if (read_small(golden, want, sizeof want) != 0) {
            TEST_FAIL_MSG("%s: no golden digest: %s is missing; run scripts/update-goldens "
                          "and commit it",
                          names[i], rel);
            continue;
        }
        snprintf(dir, sizeof dir, "%s/%s", tmp, names[i]);
        if (test_example_run(names[i], dir, NULL, NULL, 0) != 0) {
            TEST_FAIL_MSG("%s: setsim run failed (see above)", names[i]);
            continue;
        }
        if (test_digest_parts(dir, got, sizeof got) != 0) {
            TEST_FAIL_MSG("%s: no digest of %s: %s", names[i], dir, got);
            continue;
        }
        if (strcmp(want, got) != 0) {
            char parts[256];
            changed_parts(want, got, parts, sizeof parts);
            TEST_FAIL_MSG("%s: the digest differs from %s (changed: %s)\n"
                          "  golden: %.64s\n  now:    %.64s\n"
                          "  The new run is in %s.\n"
                          "  To see the first diverging event and frame: scripts/golden-diff %s\n"
                          "  (runs it on the commit that last changed tests/golden/ and prints\n"
                          "  setsim diff OLD NEW).  If the change is intended, run\n"
                          "  scripts/update-goldens and commit tests/golden/ saying why.",
                          names[i], rel, parts, want, got, dir, names[i]);
        } else {
            CU_PASS("the digest equals the golden");
        }
    }
    /* Every golden belongs to an example. */
    char gdir[600], cmd[1400], out[8192];
    test_src_path("tests/golden", gdir, sizeof gdir);
    snprintf(cmd, sizeof cmd, "cd '%s' && ls *.digest 2>/dev/null", gdir);
    test_run(cmd, out, sizeof out);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *dot = strrchr(line, '.');
        if (dot)
            *dot = '\0';
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(names[i], line) == 0;
        if (!found)
            TEST_FAIL_MSG("tests/golden/%s.digest has no scenarios/examples/%s.yaml; "
                          "run scripts/update-goldens to remove it",
                          line, line);
    }
    test_example_names_free(names, n);
}

int suite_golden(void)
{
    CU_pSuite s = test_suite("golden");
    if (!s || !CU_add_test(s, "every example's digest equals its golden", test_goldens))
        return -1;
    return 0;
}
