/* test_parity: engine parity (issue 7).  Every example scenario run on
 * `--engine ns3` (ns-3's scheduler through sim-core/ns3, loaded with
 * dlopen) gives the same digest as on the native engine - the same event
 * rows, flows, samples and capture bytes - and the two engines executed
 * the same number of events: they agree event for event.  A difference
 * prints `setsim diff` of the two runs. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "test_runs.h"

#ifdef SETSIM_HAVE_NS3

static void test_engines_agree(void)
{
    char **names;
    size_t n = test_example_names(&names);
    CU_ASSERT_FATAL(n > 0);
    char tmp[512];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(tmp, sizeof tmp), 0);
    for (size_t i = 0; i < n; i++) {
        char nat[900], ns3[900], dn[2048], d3[2048];
        snprintf(nat, sizeof nat, "%s/%s.native", tmp, names[i]);
        snprintf(ns3, sizeof ns3, "%s/%s.ns3", tmp, names[i]);
        if (test_example_run(names[i], nat, NULL, NULL, 0) != 0 ||
            test_example_run(names[i], ns3, "--engine ns3", NULL, 0) != 0) {
            TEST_FAIL_MSG("%s: setsim run failed (see above)", names[i]);
            continue;
        }
        if (test_digest_parts(nat, dn, sizeof dn) != 0 || test_digest_parts(ns3, d3, sizeof d3)) {
            TEST_FAIL_MSG("%s: no digest: %s / %s", names[i], dn, d3);
            continue;
        }
        if (strcmp(dn, d3) != 0) {
            test_show_diff(nat, ns3);
            TEST_FAIL_MSG("%s: the ns-3 engine's run differs from the native engine's\n"
                          "native:\n%sns3:\n%s(setsim diff output above)",
                          names[i], dn, d3);
        } else {
            CU_PASS("same digest on both engines");
        }
        long long en = test_event_count(nat), e3 = test_event_count(ns3);
        CU_ASSERT(en > 0);
        if (en != e3)
            TEST_FAIL_MSG("%s: native executed %lld events, ns-3 %lld", names[i], en, e3);
    }
    test_example_names_free(names, n);
}

#else /* !SETSIM_HAVE_NS3 */

static void test_engines_agree(void)
{
    TEST_FAIL_MSG("built without the ns-3 engine: install libns3-dev (scripts/setup-deps) and "
                  "reconfigure");
}

#endif

int suite_parity(void)
{
    CU_pSuite s = test_suite("parity");
    if (!s || !CU_add_test(s, "every example: ns-3 engine digest equals native", test_engines_agree))
        return -1;
    return 0;
}
