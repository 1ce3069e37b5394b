/* test_cfg: configuration rules whose outcome is the state of the host
 * model after a scenario's PowerShell (CFG-POST checks of spec/rules.md):
 * a scenario is built in-process (as `setsim lint` does) and the hosts are
 * inspected.  The refusals and warnings with a code are in the bad-input
 * corpus and tests/lint (test_scenario.c). */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hvhost.h"
#include "nic.h"
#include "scenario.h"
#include "world.h"

static const char *HEAD =
    "scenario: { name: cfg, duration: 1ms, seed: 1 }\n"
    "nic_models:\n"
    "  cx5: { manufacturer: Mellanox, model: ConnectX-5, firmware: \"16.27\", driver: \"2.40\", "
    "rate: 25Gbps }\n"
    "  cx5nt: { manufacturer: Mellanox, model: ConnectX-5, firmware: \"16.27\", driver: \"2.40\", "
    "rate: 25Gbps, tx_checksum_offload: false, rx_checksum_offload: false }\n"
    "switches:\n"
    "  tor1: { ports: 8, pfc: { priorities: [3] } }\n"
    "cabling:\n"
    "  - [hv1/SLOT 2, tor1/1]\n"
    "  - [hv1/SLOT 3, tor1/2]\n"
    "hosts:\n"
    "  hv1:\n";

/* Builds HEAD + host text into a scenario (lint mode: nothing is kept). */
static struct scenario *build(const char *host)
{
    char tmp[512], path[700];
    if (test_tmpdir(tmp, sizeof tmp) != 0)
        return NULL;
    snprintf(path, sizeof path, "%s/cfg.yaml", tmp);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(HEAD, f);
    fputs(host, f);
    fclose(f);
    struct scenario_options o = {.engine = "native", .lint = 1};
    struct scenario *sc = scenario_build(path, &o);
    if (sc && scenario_error_count(sc))
        scenario_print_diags(sc, stderr);
    return sc;
}

/* CFG-025: the adapters a switch binds lose RSS and RSC; others keep them. */
static void test_rss_rsc_off(void)
{
    struct scenario *sc = build("    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5, \"SLOT 4\": cx5 }\n"
                                "    powershell: |\n"
                                "      New-VMSwitch -Name S -NetAdapterName \"SLOT 2\" "
                                "-EnableEmbeddedTeaming $true\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scenario_world(sc));
    struct hvhost *h = world_host(scenario_world(sc), "hv1");
    struct hvhost_nic_props p;
    CU_ASSERT_EQUAL(hvhost_nic_props(h, "SLOT 2", &p), 0);
    CU_ASSERT_EQUAL(p.rss, 0);
    CU_ASSERT_EQUAL(p.rsc, 0);
    CU_ASSERT_EQUAL(hvhost_nic_props(h, "SLOT 3", &p), 0);
    CU_ASSERT_EQUAL(p.rss, 1);
    CU_ASSERT_EQUAL(p.rsc, 1);
    /* A member added later gets the same treatment (model choice). */
    char err[256];
    const char *two[] = {"SLOT 2", "SLOT 3"};
    CU_ASSERT_EQUAL(hvhost_team_set_members(h, "S", two, 2, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_nic_props(h, "SLOT 3", &p), 0);
    CU_ASSERT_EQUAL(p.rss, 0);
    CU_ASSERT_EQUAL(p.rsc, 0);
    CU_ASSERT_EQUAL(hvhost_nic_props(h, "SLOT 4", &p), 0);
    CU_ASSERT_EQUAL(p.rss, 1);
    scenario_free(sc);
}

/* CFG-023: Tx checksum offload only if every member has it, Rx if any. */
static void test_offload_aggregation(void)
{
    struct scenario *sc = build("    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5nt }\n"
                                "    powershell: |\n"
                                "      New-VMSwitch -Name S -NetAdapterName \"SLOT 2\" "
                                "-EnableEmbeddedTeaming $true\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scenario_world(sc));
    struct hvhost *h = world_host(scenario_world(sc), "hv1");
    int tx = -1, rx = -1;
    CU_ASSERT_EQUAL(hvhost_team_offloads(h, "S", &tx, &rx), 0);
    CU_ASSERT_EQUAL(tx, 1);
    CU_ASSERT_EQUAL(rx, 1);
    char err[256];
    /* (CFG-003 does not compare offloads: the identity is the same.) */
    const char *two[] = {"SLOT 2", "SLOT 3"};
    CU_ASSERT_EQUAL(hvhost_team_set_members(h, "S", two, 2, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_team_offloads(h, "S", &tx, &rx), 0);
    CU_ASSERT_EQUAL(tx, 0); /* SLOT 3 has none: not all members */
    CU_ASSERT_EQUAL(rx, 1); /* SLOT 2 has it: any member */
    const char *one[] = {"SLOT 3"};
    CU_ASSERT_EQUAL(hvhost_team_set_members(h, "S", one, 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(hvhost_team_offloads(h, "S", &tx, &rx), 0);
    CU_ASSERT_EQUAL(tx, 0);
    CU_ASSERT_EQUAL(rx, 0);
    CU_ASSERT_EQUAL(hvhost_team_offloads(h, "nope", &tx, &rx), -ENOENT);
    scenario_free(sc);
}

/* CFG-035 (a): a willing host programs no DCB; not willing again, it does. */
static void test_dcbx_willing(void)
{
    struct scenario *sc = build("    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5 }\n"
                                "    powershell: |\n"
                                "      Install-WindowsFeature Data-Center-Bridging\n"
                                "      Enable-NetQosFlowControl -Priority 3\n"
                                "      Enable-NetAdapterQos -Name \"SLOT 2\",\"SLOT 3\"\n"
                                "      Set-NetQosDcbxSetting -Willing $true -Force\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scenario_world(sc));
    struct hvhost *h = world_host(scenario_world(sc), "hv1");
    CU_ASSERT_EQUAL(hvhost_dcbx_willing(h), 1);
    CU_ASSERT_STRING_EQUAL(hvhost_dcb_blocked(h, "SLOT 2"), "willing");
    CU_ASSERT_EQUAL(nic_pfc_enabled(hvhost_nic(h, "SLOT 2")), 0);
    hvhost_set_dcbx_willing(h, 0);
    CU_ASSERT_PTR_NULL(hvhost_dcb_blocked(h, "SLOT 2"));
    CU_ASSERT_EQUAL(nic_pfc_enabled(hvhost_nic(h, "SLOT 2")), 0x08);
    scenario_free(sc);
}

/* CFG-012: Packet Direct forces Hyper-V Port; HyperVPort stays allowed. */
static void test_packet_direct(void)
{
    struct scenario *sc = build("    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5 }\n"
                                "    powershell: |\n"
                                "      New-VMSwitch -Name S -NetAdapterName \"SLOT 2\",\"SLOT 3\" "
                                "-EnablePacketDirect $true\n"
                                "      Set-VMSwitchTeam -Name S -LoadBalancingAlgorithm HyperVPort\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scenario_world(sc));
    struct hvhost *h = world_host(scenario_world(sc), "hv1");
    CU_ASSERT_EQUAL(set_team_mode(hvhost_team(h, "S")), SET_LB_HYPERV_PORT);
    char err[256] = "";
    CU_ASSERT_EQUAL(hvhost_team_set_mode(h, "S", SET_LB_DYNAMIC, err, sizeof err), -EINVAL);
    CU_ASSERT_EQUAL(strncmp(err, "CFG-012 SET_E_PACKETDIRECT_REQUIRES_HVP: ", 41), 0);
    CU_ASSERT_EQUAL(set_team_mode(hvhost_team(h, "S")), SET_LB_HYPERV_PORT);
    scenario_free(sc);
}

int suite_cfg(void)
{
    CU_pSuite s = test_suite("cfg");
    if (!s || !CU_add_test(s, "CFG-025 RSS and RSC off on bound adapters", test_rss_rsc_off) ||
        !CU_add_test(s, "CFG-023 checksum offload aggregation", test_offload_aggregation) ||
        !CU_add_test(s, "CFG-035 DCBX willing blocks DCB", test_dcbx_willing) ||
        !CU_add_test(s, "CFG-012 Packet Direct keeps Hyper-V Port", test_packet_direct))
        return -1;
    return 0;
}
