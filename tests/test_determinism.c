/* test_determinism: the determinism rule (issue 6).  Every example
 * scenario run twice with the same seed gives identical event rows (and
 * flows and samples: the digest's parts) and a byte-identical
 * capture.pcapng.  With another seed, an example that draws random
 * numbers (RoCE and SMB Direct initial PSNs and CM ids, exponential on/off
 * periods, cdf traffic with Poisson arrivals, ECN marking) gives another
 * capture or other events, and an example that draws none gives the same
 * rows and bytes: the seed reaches only the random streams.  Which
 * examples draw random numbers is read from their files (uses_randomness
 * below); at least one must. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "test_runs.h"

/* What in a scenario file makes a run draw random numbers. */
static const char *const random_markers[] = {
    "kind: roce", "kind: smb", "exponential", "pattern: cdf", "ecn:",
};

static int uses_randomness(const char *name)
{
    char rel[600], path[900], cmd[1200], out[64];
    snprintf(rel, sizeof rel, "scenarios/examples/%s.yaml", name);
    test_src_path(rel, path, sizeof path);
    for (size_t i = 0; i < sizeof random_markers / sizeof random_markers[0]; i++) {
        /* Outside comments only. */
        snprintf(cmd, sizeof cmd, "sed 's/#.*//' '%s' | grep -ci '%s'", path, random_markers[i]);
        if (test_run(cmd, out, sizeof out) == 0 && atoi(out) > 0)
            return 1;
    }
    return 0;
}

static int same_part(const struct digest *a, const struct digest *b, enum digest_section s)
{
    return memcmp(a->part[s], b->part[s], SHA256_DIGEST_LEN) == 0;
}

static int same_bytes(const char *a, const char *b)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/capture.pcapng' '%s/capture.pcapng'", a, b);
    return test_run(cmd, NULL, 0) == 0;
}

static void test_same_seed_other_seed(void)
{
    char **names;
    size_t n = test_example_names(&names);
    CU_ASSERT_FATAL(n > 0);
    char tmp[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    size_t random = 0;
    for (size_t i = 0; i < n; i++) {
        char a[900], a2[900], b[900], err[512];
        snprintf(a, sizeof a, "%s/%s.1", tmp, names[i]);
        snprintf(a2, sizeof a2, "%s/%s.2", tmp, names[i]);
        snprintf(b, sizeof b, "%s/%s.other", tmp, names[i]);
        /* The file's own seed twice, then another one. */
        if (test_example_run(names[i], a, NULL, NULL, 0) != 0 ||
            test_example_run(names[i], a2, NULL, NULL, 0) != 0 ||
            test_example_run(names[i], b, "--seed 918273645", NULL, 0) != 0) {
            TEST_FAIL_MSG("%s: setsim run failed (see above)", names[i]);
            continue;
        }
        struct digest da, da2, db;
        if (digest_run(a, &da, err, sizeof err) || digest_run(a2, &da2, err, sizeof err) ||
            digest_run(b, &db, err, sizeof err)) {
            TEST_FAIL_MSG("%s: no digest: %s", names[i], err);
            continue;
        }
        int rows_same = same_part(&da, &da2, DIGEST_EVENTS) && same_part(&da, &da2, DIGEST_FLOWS) &&
                        same_part(&da, &da2, DIGEST_SAMPLES);
        if (!rows_same || !same_bytes(a, a2)) {
            test_show_diff(a, a2);
            TEST_FAIL_MSG("%s: two runs with the same seed differ (%s); setsim diff above",
                          names[i], rows_same ? "capture bytes" : "event rows");
        } else {
            CU_PASS("same seed: same rows and bytes");
        }
        int other_same = same_part(&da, &db, DIGEST_EVENTS) && same_part(&da, &db, DIGEST_FLOWS) &&
                         same_part(&da, &db, DIGEST_SAMPLES) && same_bytes(a, b);
        if (uses_randomness(names[i])) {
            random++;
            if (other_same)
                TEST_FAIL_MSG("%s draws random numbers (its file has one of the markers in "
                              "tests/test_determinism.c), but another seed changed neither its "
                              "events nor its capture",
                              names[i]);
            else
                CU_PASS("other seed: other run");
        } else if (!other_same) {
            test_show_diff(a, b);
            TEST_FAIL_MSG("%s draws no random numbers as far as its file says, but another seed "
                          "changed its run (setsim diff above): the seed reaches something that "
                          "is not a random stream, or the example uses randomness "
                          "tests/test_determinism.c does not know (add its marker)",
                          names[i]);
        } else {
            CU_PASS("no randomness: the seed changes nothing");
        }
    }
    if (random == 0)
        TEST_FAIL_MSG("no example scenario draws random numbers: the other-seed half of the "
                      "determinism rule is untested");
    test_example_names_free(names, n);
}

int suite_determinism(void)
{
    CU_pSuite s = test_suite("determinism");
    if (!s || !CU_add_test(s, "every example: same seed same bytes; other seed where random",
                           test_same_seed_other_seed))
        return -1;
    return 0;
}
