/* test_ps: the PowerShell front end (scenarios/ps_lex, ps_cmdlets, ps_bind,
 * ps_script): every command line of the seed article binds, and binds as
 * its ASCII form does (CFG-018); each binder error id with PowerShell's
 * message and the file:line:col position; the binding rules (prefixes,
 * aliases, case, -Param:value, switches, arrays, positions, parameter
 * sets, conversions); the tokenizer; --seed-compat (CFG-019, CFG-020);
 * the CFG-006/007 teaming helper; and the cmdlet table's invariants. */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ps_bind.h"
#include "ps_cmdlets.h"
#include "ps_lex.h"
#include "ps_script.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct ps_script *parse__(const char *text, unsigned flags)
{
    struct ps_script *s = NULL;
    int rc = ps_parse_script(text, "host.yaml", 1, 0, flags, &s);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

/* "OK <canonical command>" or "ERR <id> @line:col". */
static void render__(const struct ps_script *s, size_t i, char *buf, size_t len)
{
    const struct ps_stmt *st = &s->stmts[i];
    if (st->cmd) {
        int n = snprintf(buf, len, "OK ");
        ps_command_format(st->cmd, buf + n, len - (size_t)n);
        return;
    }
    const struct ps_error *e = &s->errors[st->error];
    snprintf(buf, len, "ERR %s @%d:%d", e->id, e->line, e->col);
}

/* A one-statement script renders as want. */
static void expect__(const char *text, unsigned flags, const char *want)
{
    struct ps_script *s = parse__(text, flags);
    char got[2048] = "";
    if (s->nstmts == 1)
        render__(s, 0, got, sizeof got);
    else if (s->nerrors)
        snprintf(got, sizeof got, "PARSE %s @%d:%d", s->errors[0].id, s->errors[0].line, s->errors[0].col);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\n  script: %s\n  got:    %s\n  want:   %s\n", text, got, want);
        CU_FAIL("binding result");
    }
    ps_script_free(s);
}

/* ---- the seed article's command lines (Appendix C of rules.md) ---- */

struct seed_case {
    int line;            /* line in spec/rdma-and-set.md */
    const char *text;    /* verbatim, indentation and trailing blanks included */
    const char *ascii;   /* the ASCII, markdown-free form (CFG-018) */
    const char *strict;  /* result without --seed-compat */
    const char *compat;  /* result with --seed-compat (NULL: same as strict) */
};

#define SMB1_ISO "OK Set-VMNetworkAdapterIsolation [ManagementOS] -VMNetworkAdapterName 'SMB_%d' " \
                 "-ManagementOS -IsolationMode 'Vlan' -DefaultIsolationID 42"

static const struct seed_case seed[] = {
    {45, "    Install-WindowsFeature Data-Center-Bridging", "Install-WindowsFeature Data-Center-Bridging",
     "OK Install-WindowsFeature [RunningComputer] -Name @('Data-Center-Bridging')", NULL},
    {49, "    New-NetQosPolicy \"SMB\" -NetDirectPortMatchCondition 445 -PriorityValue8021Action 3",
     "New-NetQosPolicy \"SMB\" -NetDirectPortMatchCondition 445 -PriorityValue8021Action 3",
     "OK New-NetQosPolicy [ByNetworkDirectPort] -Name 'SMB' -PriorityValue8021Action 3 "
     "-NetDirectPortMatchCondition 445",
     NULL},
    {53, "    Enable-NetQosFlowControl  -Priority 3", "Enable-NetQosFlowControl -Priority 3",
     "OK Enable-NetQosFlowControl [ByIfAlias] -Priority @(3)", NULL},
    {57, "    Disable-NetQosFlowControl  -Priority 0,1,2,4,5,6,7",
     "Disable-NetQosFlowControl -Priority 0,1,2,4,5,6,7",
     "OK Disable-NetQosFlowControl [ByIfAlias] -Priority 0,1,2,4,5,6,7", NULL},
    {61, "    Enable-NetAdapterQos  -Name \"SLOT 2\"", "Enable-NetAdapterQos -Name \"SLOT 2\"",
     "OK Enable-NetAdapterQos [ByName] -Name @('SLOT 2')", NULL},
    /* Verbatim, the inline-code backticks are escapes (`N is N, `<space>
     * an escaped blank that the enum conversion trims), so it still binds. */
    {65, "`New-NetQosTrafficClass \"SMB\"  -Priority 3  -BandwidthPercentage 30  -Algorithm ETS`  ",
     "New-NetQosTrafficClass \"SMB\" -Priority 3 -BandwidthPercentage 30 -Algorithm ETS",
     "OK New-NetQosTrafficClass [ByIfAlias] -Name 'SMB' -Algorithm 'ETS' -BandwidthPercentage 30 "
     "-Priority @(3)",
     NULL},
    {71,
     "    Set-ItemProperty HKLM:\"\\SYSTEM\\CurrentControlSet\\Services\\NDIS\\Parameters\" "
     "AllowFlowControlUnderDebugger -type DWORD -Value 1 -Force",
     "Set-ItemProperty -Path HKLM:\\SYSTEM\\CurrentControlSet\\Services\\NDIS\\Parameters -Name "
     "AllowFlowControlUnderDebugger -Type DWord -Value 1 -Force",
     "OK Set-ItemProperty [propertyValuePathSet] -Path "
     "@('HKLM:\\SYSTEM\\CurrentControlSet\\Services\\NDIS\\Parameters') -Name "
     "'AllowFlowControlUnderDebugger' -Value 1 -Force -Type 'DWord'",
     NULL},
    {80, "    New-VMSwitch -Name RDMAswitch -NetAdapterName \"SLOT 2\"",
     "New-VMSwitch -Name RDMAswitch -NetAdapterName \"SLOT 2\"",
     "OK New-VMSwitch [NetAdapterName] -Name 'RDMAswitch' -NetAdapterName @('SLOT 2')", NULL},
    /* CFG-019: no -ManagementOS. */
    {84, "    Add-VMNetworkAdapter -SwitchName RDMAswitch -Name SMB_1",
     "Add-VMNetworkAdapter -SwitchName RDMAswitch -Name SMB_1 -ManagementOS",
     "ERR MissingMandatoryParameter @1:5",
     "OK Add-VMNetworkAdapter [ManagementOS] -ManagementOS -SwitchName 'RDMAswitch' -Name 'SMB_1'"},
    /* CFG-020: a second positional argument. */
    {85, "    Enable-NetAdapterRDMA \"vEthernet (SMB_1)\" \"SLOT 2\"",
     "Enable-NetAdapterRdma -Name \"vEthernet (SMB_1)\",\"SLOT 2\"",
     "ERR PositionalParameterNotFound @1:47",
     "OK Enable-NetAdapterRdma [ByName] -Name 'vEthernet (SMB_1)','SLOT 2'"},
    {89, "    Get-NetAdapterRdma", "Get-NetAdapterRdma", "OK Get-NetAdapterRdma [ByName]", NULL},
    {95, "    New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\" -EnableEmbeddedTeaming $true",
     "New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\" -EnableEmbeddedTeaming $true",
     "OK New-VMSwitch [NetAdapterName] -Name 'SETswitch' -NetAdapterName 'SLOT 2','SLOT 3' "
     "-EnableEmbeddedTeaming $true",
     NULL},
    {99, "    Add-VMNetworkAdapter -SwitchName SETswitch -Name SMB_1 -managementOS",
     "Add-VMNetworkAdapter -SwitchName SETswitch -Name SMB_1 -ManagementOS",
     "OK Add-VMNetworkAdapter [ManagementOS] -ManagementOS -SwitchName 'SETswitch' -Name 'SMB_1'", NULL},
    {100, "    Add-VMNetworkAdapter -SwitchName SETswitch -Name SMB_2 -managementOS",
     "Add-VMNetworkAdapter -SwitchName SETswitch -Name SMB_2 -ManagementOS",
     "OK Add-VMNetworkAdapter [ManagementOS] -ManagementOS -SwitchName 'SETswitch' -Name 'SMB_2'", NULL},
    {104,
     "    Set-VMNetworkAdapterIsolation -ManagementOS -VMNetworkAdapterName SMB_1  -IsolationMode VLAN "
     "-DefaultIsolationID 42",
     "Set-VMNetworkAdapterIsolation -ManagementOS -VMNetworkAdapterName SMB_1 -IsolationMode Vlan "
     "-DefaultIsolationID 42",
     "OK Set-VMNetworkAdapterIsolation [ManagementOS] -VMNetworkAdapterName 'SMB_1' -ManagementOS "
     "-IsolationMode 'Vlan' -DefaultIsolationID 42",
     NULL},
    {105,
     "    Set-VMNetworkAdapterIsolation -ManagementOS -VMNetworkAdapterName SMB_2  -IsolationMode VLAN "
     "-DefaultIsolationID 42",
     "Set-VMNetworkAdapterIsolation -ManagementOS -VMNetworkAdapterName SMB_2 -IsolationMode Vlan "
     "-DefaultIsolationID 42",
     "OK Set-VMNetworkAdapterIsolation [ManagementOS] -VMNetworkAdapterName 'SMB_2' -ManagementOS "
     "-IsolationMode 'Vlan' -DefaultIsolationID 42",
     NULL},
    /* CFG-020: "SLOT 2", "SLOT 3" is one array argument. */
    {110, "    Enable-NetAdapterRDMA \"vEthernet (SMB_1)\",\"vEthernet (SMB_2)\" \"SLOT 2\", \"SLOT 3\"",
     "Enable-NetAdapterRdma -Name \"vEthernet (SMB_1)\",\"vEthernet (SMB_2)\",\"SLOT 2\",\"SLOT 3\"",
     "ERR PositionalParameterNotFound @1:67",
     "OK Enable-NetAdapterRdma [ByName] -Name 'vEthernet (SMB_1)','vEthernet (SMB_2)','SLOT 2','SLOT 3'"},
    {114, "    Get-NetAdapterRdma | fl *", "Get-NetAdapterRdma | Format-List -Property *",
     "OK Get-NetAdapterRdma [ByName] | Format-List [__AllParameterSets] -Property @('*')", NULL},
    {321, "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 2\" -EnableEmbeddedTeaming $true  ",
     "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 2\" -EnableEmbeddedTeaming $true",
     "OK New-VMSwitch [NetAdapterName] -Name 'TeamedvSwitch' -NetAdapterName 'NIC 1','NIC 2' "
     "-EnableEmbeddedTeaming $true",
     NULL},
    {327, "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 2\"  ",
     "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 2\"",
     "OK New-VMSwitch [NetAdapterName] -Name 'TeamedvSwitch' -NetAdapterName 'NIC 1','NIC 2'", NULL},
    {333, "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\" -EnableEmbeddedTeaming $true  ",
     "New-VMSwitch -Name TeamedvSwitch -NetAdapterName \"NIC 1\" -EnableEmbeddedTeaming $true",
     "OK New-VMSwitch [NetAdapterName] -Name 'TeamedvSwitch' -NetAdapterName @('NIC 1') "
     "-EnableEmbeddedTeaming $true",
     NULL},
    {341, "Set-VMSwitchTeam -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 3\"  ",
     "Set-VMSwitchTeam -Name TeamedvSwitch -NetAdapterName \"NIC 1\",\"NIC 3\"",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('TeamedvSwitch') -NetAdapterName "
     "'NIC 1','NIC 3'",
     NULL},
    {349, "Remove-VMSwitch \"SETvSwitch\"  ", "Remove-VMSwitch -Name \"SETvSwitch\"",
     "OK Remove-VMSwitch [Name] -Name @('SETvSwitch')", NULL},
    {358, "Set-VMSwitchTeam -Name TeamedvSwitch -LoadBalancingAlgorithm Dynamic  ",
     "Set-VMSwitchTeam -Name TeamedvSwitch -LoadBalancingAlgorithm Dynamic",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('TeamedvSwitch') "
     "-LoadBalancingAlgorithm 'Dynamic'",
     NULL},
    /* CFG-018: U+2013 dashes and U+201C/U+201D quotes. */
    {368,
     "    Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_1 \u2013ManagementOS "
     "\u2013PhysicalNetAdapterName \u201cSLOT 2\u201d",
     "Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_1 -ManagementOS -PhysicalNetAdapterName "
     "\"SLOT 2\"",
     "OK Set-VMNetworkAdapterTeamMapping [ManagementOS] -ManagementOS -VMNetworkAdapterName 'SMB_1' "
     "-PhysicalNetAdapterName 'SLOT 2'",
     NULL},
    {369,
     "    Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_2 \u2013ManagementOS "
     "\u2013PhysicalNetAdapterName \u201cSLOT 3\u201d",
     "Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_2 -ManagementOS -PhysicalNetAdapterName "
     "\"SLOT 3\"",
     "OK Set-VMNetworkAdapterTeamMapping [ManagementOS] -ManagementOS -VMNetworkAdapterName 'SMB_2' "
     "-PhysicalNetAdapterName 'SLOT 3'",
     NULL},
};

static void test_seed_lines(void)
{
    CU_ASSERT_EQUAL(N(seed), 26);
    for (size_t i = 0; i < N(seed); i++) {
        expect__(seed[i].text, 0, seed[i].strict);
        expect__(seed[i].text, PS_SCRIPT_SEED_COMPAT, seed[i].compat ? seed[i].compat : seed[i].strict);
    }
}

/* CFG-018 golden test: each seed line binds to the same command as its
 * ASCII, markdown-free form (compat mode, so the two seed defects bind). */
static void test_seed_same_as_ascii(void)
{
    for (size_t i = 0; i < N(seed); i++) {
        struct ps_script *a = parse__(seed[i].text, PS_SCRIPT_SEED_COMPAT);
        struct ps_script *b = parse__(seed[i].ascii, PS_SCRIPT_SEED_COMPAT);
        CU_ASSERT_EQUAL(a->nstmts, 1);
        CU_ASSERT_EQUAL(b->nstmts, 1);
        if (a->nstmts == 1 && b->nstmts == 1 && !ps_command_same(a->stmts[0].cmd, b->stmts[0].cmd)) {
            fprintf(stderr, "\n  seed line %d differs from its ASCII form\n", seed[i].line);
            CU_FAIL("seed vs ASCII");
        }
        ps_script_free(a);
        ps_script_free(b);
    }
    /* Strict mode: the well-formed seed lines bind the same way too. */
    for (size_t i = 0; i < N(seed); i++) {
        if (seed[i].compat)
            continue;
        struct ps_script *a = parse__(seed[i].text, 0);
        struct ps_script *b = parse__(seed[i].ascii, 0);
        CU_ASSERT_TRUE(a->nstmts == 1 && b->nstmts == 1 &&
                       ps_command_same(a->stmts[0].cmd, b->stmts[0].cmd));
        ps_script_free(a);
        ps_script_free(b);
    }
    /* "No extracted command contains a backtick" once unwrapped. */
    char out[256];
    CU_ASSERT(ps_script_unwrap_markdown(seed[5].text, out, sizeof out) > 0);
    CU_ASSERT_PTR_NULL(strchr(out, '`'));
    CU_ASSERT_STRING_EQUAL(out, "New-NetQosTrafficClass \"SMB\"  -Priority 3  -BandwidthPercentage 30  "
                                "-Algorithm ETS");
    CU_ASSERT(ps_script_unwrap_markdown("Get-NetAdapterRdma", out, sizeof out) == 18);
    CU_ASSERT_STRING_EQUAL(out, "Get-NetAdapterRdma");
    CU_ASSERT_EQUAL(ps_script_unwrap_markdown("`x`", out, 1), -ENOSPC);
}

/* ---- CFG-018 typography ---- */

static void test_typography(void)
{
    static const struct {
        const char *typo, *ascii;
    } pairs[] = {
        /* en dash, em dash, horizontal bar as '-' */
        {"Get-NetAdapterRdma \u2013Name a", "Get-NetAdapterRdma -Name a"},
        {"Get-NetAdapterRdma \u2014Name a", "Get-NetAdapterRdma -Name a"},
        {"Get-NetAdapterRdma \u2015Name a", "Get-NetAdapterRdma -Name a"},
        /* curly double quotes, both directions and the low-9 one */
        {"Get-NetAdapterRdma \u201cSLOT 2\u201d", "Get-NetAdapterRdma \"SLOT 2\""},
        {"Get-NetAdapterRdma \u201eSLOT 2\u201d", "Get-NetAdapterRdma \"SLOT 2\""},
        {"Get-NetAdapterRdma \u201dSLOT 2\u201c", "Get-NetAdapterRdma \"SLOT 2\""},
        /* curly single quotes */
        {"Get-NetAdapterRdma \u2018SLOT 2\u2019", "Get-NetAdapterRdma 'SLOT 2'"},
        {"Get-NetAdapterRdma \u201aSLOT 2\u201b", "Get-NetAdapterRdma 'SLOT 2'"},
        /* a doubled quote stands for the second quote character, as in
         * PowerShell's tokenizer */
        {"Get-NetAdapterRdma \u2018it\u2019\u2019s\u2019", "Get-NetAdapterRdma \"it\u2019s\""},
        {"Get-NetAdapterRdma 'it''s'", "Get-NetAdapterRdma \"it's\""},
        /* non-breaking space and other Unicode spaces as whitespace */
        {"Get-NetAdapterRdma\u00a0-Name\u00a0a", "Get-NetAdapterRdma -Name a"},
        {"Get-NetAdapterRdma\u2003-Name\u3000a", "Get-NetAdapterRdma -Name a"},
        /* case of parameter names */
        {"add-vmnetworkadapter -switchname S -NAME SMB_1 -managementOS",
         "Add-VMNetworkAdapter -SwitchName S -Name SMB_1 -ManagementOS"},
        /* a curly-quoted part of a bare word */
        {"Set-ItemProperty HKLM:\u201c\\X\u201d V -Value 1", "Set-ItemProperty 'HKLM:\\X' V -Value 1"},
    };
    for (size_t i = 0; i < N(pairs); i++) {
        struct ps_script *a = parse__(pairs[i].typo, 0);
        struct ps_script *b = parse__(pairs[i].ascii, 0);
        bool ok = a->nstmts == 1 && b->nstmts == 1 && a->stmts[0].cmd && b->stmts[0].cmd &&
                  ps_command_same(a->stmts[0].cmd, b->stmts[0].cmd);
        if (!ok) {
            fprintf(stderr, "\n  typography: '%s' vs '%s'\n", pairs[i].typo, pairs[i].ascii);
            CU_FAIL("typographic form binds differently");
        }
        ps_script_free(a);
        ps_script_free(b);
    }
    /* A dash that is not at a parameter start is just a character; an en
     * dash inside a cmdlet name does not make a known cmdlet. */
    expect__("Get\u2013NetAdapterRdma", 0, "ERR CommandNotFoundException @1:1");
}

/* ---- the binder's errors: id, message, position ---- */

struct error_case {
    const char *text;
    const char *id;
    int line, col;
    const char *parameter;
    const char *message;
};

static const struct error_case errors[] = {
    /* NamedParameterNotFound (CFG-008, CFG-013, CFG-014) */
    {"New-VMSwitch -Name X -NetAdapterName a,b -LoadBalancingAlgorithm Dynamic", "NamedParameterNotFound",
     1, 42, "LoadBalancingAlgorithm",
     "A parameter cannot be found that matches parameter name 'LoadBalancingAlgorithm'."},
    {"New-VMSwitch -Name X -NetAdapterName a,b -TeamingMode SwitchIndependent", "NamedParameterNotFound", 1,
     42, "TeamingMode", "A parameter cannot be found that matches parameter name 'TeamingMode'."},
    {"Set-VMSwitchTeam -Name X -StandbyAdapter a", "NamedParameterNotFound", 1, 26, "StandbyAdapter",
     "A parameter cannot be found that matches parameter name 'StandbyAdapter'."},
    {"New-VMSwitch -Foo -Name X -NetAdapterName a", "NamedParameterNotFound", 1, 14, "Foo",
     "A parameter cannot be found that matches parameter name 'Foo'."},
    /* the registry's -Type exists only for a registry path */
    {"Set-ItemProperty C:\\x V -Type DWord -Value 1", "NamedParameterNotFound", 1, 25, "Type",
     "A parameter cannot be found that matches parameter name 'Type'."},
    /* PositionalParameterNotFound (CFG-020) */
    {"Enable-NetAdapterRDMA \"vEthernet (SMB_1)\" \"SLOT 2\"", "PositionalParameterNotFound", 1, 43, NULL,
     "A positional parameter cannot be found that accepts argument 'SLOT 2'."},
    {"Enable-NetAdapterRDMA \"vEthernet (SMB_1)\",\"vEthernet (SMB_2)\" \"SLOT 2\", \"SLOT 3\"",
     "PositionalParameterNotFound", 1, 63, NULL,
     "A positional parameter cannot be found that accepts argument 'System.Object[]'."},
    {"Set-VMNetworkAdapterTeamMapping SMB_1 -ManagementOS -PhysicalNetAdapterName X",
     "PositionalParameterNotFound", 1, 33, NULL,
     "A positional parameter cannot be found that accepts argument 'SMB_1'."},
    {"Remove-VMSwitch a b c", "PositionalParameterNotFound", 1, 21, NULL,
     "A positional parameter cannot be found that accepts argument 'c'."},
    /* MissingMandatoryParameter (CFG-017, CFG-019, CFG-031) */
    {"Add-VMNetworkAdapter -SwitchName RDMAswitch -Name SMB_1", "MissingMandatoryParameter", 1, 1, "VMName",
     "Cannot process command because of one or more missing mandatory parameters: VMName."},
    {"Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_1 -ManagementOS",
     "MissingMandatoryParameter", 1, 1, "PhysicalNetAdapterName",
     "Cannot process command because of one or more missing mandatory parameters: "
     "PhysicalNetAdapterName."},
    {"New-NetQosPolicy \"SMB\" -NetDirectPortMatchCondition 445", "MissingMandatoryParameter", 1, 1,
     "PriorityValue8021Action",
     "Cannot process command because of one or more missing mandatory parameters: "
     "PriorityValue8021Action."},
    {"New-NetQosTrafficClass -BandwidthPercentage 30", "MissingMandatoryParameter", 1, 1, "Name",
     "Cannot process command because of one or more missing mandatory parameters: Name Algorithm "
     "Priority."},
    /* AmbiguousParameterSet (CFG-008, CFG-031) */
    {"New-VMSwitch -Name X -SwitchType Internal -NetAdapterName a", "AmbiguousParameterSet", 1, 43,
     "NetAdapterName", "Parameter set cannot be resolved using the specified named parameters."},
    {"New-NetQosPolicy \"SMB\" -SMB -NetDirectPortMatchCondition 445 -PriorityValue8021Action 3",
     "AmbiguousParameterSet", 1, 29, "NetDirectPortMatchCondition",
     "Parameter set cannot be resolved using the specified named parameters."},
    {"New-NetQosPolicy X -IPPortMatchCondition 80 -NetDirectPortMatchCondition 445",
     "AmbiguousParameterSet", 1, 45, "NetDirectPortMatchCondition",
     "Parameter set cannot be resolved using the specified named parameters."},
    /* AmbiguousParameter (CFG-018) */
    {"New-VMSwitch -N X -NetAdapterName a", "AmbiguousParameter", 1, 14, "N",
     "Parameter cannot be processed because the parameter name 'N' is ambiguous. Possible matches "
     "include: -Name -NetAdapterName -NetAdapterInterfaceDescription -Notes."},
    {"New-VMSwitch X -NetAdapterName a -Enable $true", "AmbiguousParameter", 1, 34, "Enable",
     "Parameter cannot be processed because the parameter name 'Enable' is ambiguous. Possible matches "
     "include: -EnableIov -EnablePacketDirect -EnableEmbeddedTeaming."},
    {"New-VMSwitch X -NetAdapterName a -E $true", "AmbiguousParameter", 1, 34, "E",
     "Parameter cannot be processed because the parameter name 'E' is ambiguous. Possible matches "
     "include: -EnableIov -EnablePacketDirect -EnableEmbeddedTeaming -ErrorAction -ErrorVariable."},
    {"Get-NetAdapterRdma -O x", "AmbiguousParameter", 1, 20, "O",
     "Parameter cannot be processed because the parameter name 'O' is ambiguous. Possible matches "
     "include: -OutVariable -OutBuffer."},
    /* CannotConvertArgumentNoMessage (CFG-010, CFG-011, conversions) */
    {"Set-VMSwitchTeam -Name T -LoadBalancingAlgorithm TransportPorts", "CannotConvertArgumentNoMessage", 1,
     26, "LoadBalancingAlgorithm",
     "Cannot bind parameter 'LoadBalancingAlgorithm'. Cannot convert value \"TransportPorts\" to type "
     "\"Microsoft.HyperV.PowerShell.VMSwitchLoadBalancingAlgorithm\". Error: \"Unable to match the "
     "identifier name TransportPorts to a valid enumerator name. Specify one of the following enumerator "
     "names and try again: HyperVPort, Dynamic\""},
    {"Set-VMSwitchTeam -Name T -TeamingMode Lacp", "CannotConvertArgumentNoMessage", 1, 26, "TeamingMode",
     "Cannot bind parameter 'TeamingMode'. Cannot convert value \"Lacp\" to type "
     "\"Microsoft.HyperV.PowerShell.VMSwitchTeamingMode\". Error: \"Unable to match the identifier name "
     "Lacp to a valid enumerator name. Specify one of the following enumerator names and try again: "
     "SwitchIndependent\""},
    {"Enable-NetQosFlowControl -Priority 3,x", "CannotConvertArgumentNoMessage", 1, 26, "Priority",
     "Cannot bind parameter 'Priority'. Cannot convert value \"x\" to type \"System.Byte\". Error: \"Input "
     "string was not in a correct format.\""},
    {"Enable-NetQosFlowControl -Priority 256", "CannotConvertArgumentNoMessage", 1, 26, "Priority",
     "Cannot bind parameter 'Priority'. Cannot convert value \"256\" to type \"System.Byte\". Error: "
     "\"Value was either too large or too small for an unsigned byte.\""},
    {"Set-VMNetworkAdapterIsolation -ManagementOS -DefaultIsolationID 1,2", "CannotConvertArgumentNoMessage",
     1, 45, "DefaultIsolationID",
     "Cannot bind parameter 'DefaultIsolationID'. Cannot convert the \"System.Object[]\" value of type "
     "\"System.Object[]\" to type \"System.Int32\"."},
    /* a positional argument its position's parameter cannot take */
    {"New-NetQosTrafficClass SMB Fast 3", "CannotConvertArgumentNoMessage", 1, 28, "Algorithm",
     "Cannot bind parameter 'Algorithm'. Cannot convert value \"Fast\" to type \"Algorithm\". Error: "
     "\"Unable to match the identifier name Fast to a valid enumerator name. Specify one of the following "
     "enumerator names and try again: Strict, ETS\""},
    {"Get-VMSwitchTeam a b", "PositionalParameterNotFound", 1, 20, NULL,
     "A positional parameter cannot be found that accepts argument 'b'."},
    {"Get-NetQosPolicy SMB -PolicyStore ActiveStore extra", "PositionalParameterNotFound", 1, 47, NULL,
     "A positional parameter cannot be found that accepts argument 'extra'."},
    /* PowerShell's other binding failures */
    {"New-VMSwitch X -NetAdapterName a -EnableEmbeddedTeaming", "MissingArgument", 1, 34,
     "EnableEmbeddedTeaming",
     "Missing an argument for parameter 'EnableEmbeddedTeaming'. Specify a parameter of type "
     "'System.Boolean' and try again."},
    {"New-VMSwitch -NetAdapterName -Name X", "MissingArgument", 1, 14, "NetAdapterName",
     "Missing an argument for parameter 'NetAdapterName'. Specify a parameter of type 'System.String[]' "
     "and try again."},
    {"New-VMSwitch X -NetAdapterName a -EnableEmbeddedTeaming true", "ParameterArgumentTransformationError",
     1, 34, "EnableEmbeddedTeaming",
     "Cannot process argument transformation on parameter 'EnableEmbeddedTeaming'. Cannot convert value "
     "\"System.String\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and "
     "numbers, such as $True, $False, 1 or 0."},
    {"New-VMSwitch -Name a -SwitchName b -NetAdapterName x", "ParameterAlreadyBound", 1, 22, "Name",
     "Cannot bind parameter because parameter 'Name' is specified more than once. To provide multiple "
     "values to parameters that can accept multiple values, use the array syntax. For example, "
     "\"-parameter value1,value2,value3\"."},
    {"New-VMSwitch -Name \"\" -NetAdapterName a", "ParameterArgumentValidationErrorEmptyStringNotAllowed", 1,
     14, "Name", "Cannot bind argument to parameter 'Name' because it is an empty string."},
    {"Disable-NetAdapter -Name $null", "ParameterArgumentValidationErrorNullNotAllowed", 1, 20, "Name",
     "Cannot bind argument to parameter 'Name' because it is null."},
    {"Get-NetAdapterRdma | fl -Expand All", "ParameterArgumentValidationError", 1, 25, "Expand",
     "Cannot validate argument on parameter 'Expand'. The argument \"All\" does not belong to the set "
     "\"CoreOnly,EnumOnly,Both\" specified by the ValidateSet attribute. Supply an argument that is in the "
     "set and then try the command again."},
    /* an unsupported cmdlet is an error naming it, not a crash */
    {"Get-NetAdapter -Name x", "CommandNotFoundException", 1, 1, NULL,
     "The term 'Get-NetAdapter' is not recognized as the name of a cmdlet, function, script file, or "
     "operable program. Check the spelling of the name, or if a path was included, verify that the path "
     "is correct and try again."},
};

static void test_binder_errors(void)
{
    for (size_t i = 0; i < N(errors); i++) {
        const struct error_case *c = &errors[i];
        struct ps_script *s = parse__(c->text, 0);
        CU_ASSERT_EQUAL(s->nstmts, 1);
        CU_ASSERT_EQUAL(s->nerrors, 1);
        CU_ASSERT_FALSE(s->parse_failed);
        if (s->nerrors != 1 || s->nstmts != 1) {
            ps_script_free(s);
            continue;
        }
        const struct ps_error *e = &s->errors[0];
        bool ok = strcmp(e->id, c->id) == 0 && e->line == c->line && e->col == c->col &&
                  strcmp(e->message, c->message) == 0 &&
                  ((!c->parameter && !e->parameter) ||
                   (c->parameter && e->parameter && strcmp(c->parameter, e->parameter) == 0));
        if (!ok) {
            fprintf(stderr, "\n  script: %s\n  got:  %s @%d:%d -%s\n        %s\n  want: %s @%d:%d -%s\n        %s\n",
                    c->text, e->id, e->line, e->col, e->parameter ? e->parameter : "", e->message, c->id,
                    c->line, c->col, c->parameter ? c->parameter : "", c->message);
            CU_FAIL("binder error");
        }
        CU_ASSERT_PTR_NULL(s->stmts[0].cmd);
        CU_ASSERT_EQUAL(s->stmts[0].error, 0);
        /* FullyQualifiedErrorId: id, then the cmdlet's type or name. */
        CU_ASSERT_EQUAL(strncmp(e->fqid, c->id, strlen(c->id)), 0);
        ps_script_free(s);
    }
    /* FullyQualifiedErrorId and the file:line:col rendering. */
    struct ps_script *s = parse__("New-VMSwitch -Name X -LoadBalancingAlgorithm Dynamic -NetAdapterName a\n"
                                  "Set-VMSwitchTeam -Name X -TeamingMode Static\n"
                                  "New-NetQosPolicy Y -Foo",
                                  0);
    CU_ASSERT_EQUAL_FATAL(s->nerrors, 3);
    CU_ASSERT_STRING_EQUAL(s->errors[0].fqid,
                           "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch");
    CU_ASSERT_STRING_EQUAL(s->errors[1].fqid,
                           "CannotConvertArgumentNoMessage,Microsoft.HyperV.PowerShell.Commands.SetVMSwitchTeam");
    CU_ASSERT_STRING_EQUAL(s->errors[2].fqid, "NamedParameterNotFound,New-NetQosPolicy");
    CU_ASSERT_STRING_EQUAL(s->errors[1].cmdlet, "Set-VMSwitchTeam");
    char buf[512];
    ps_script_format_error(s, &s->errors[0], buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "host.yaml:1:22: New-VMSwitch: A parameter cannot be found that matches "
                                "parameter name 'LoadBalancingAlgorithm'. "
                                "[NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch]");
    ps_script_format_error(s, &s->errors[2], buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "host.yaml:3:20: New-NetQosPolicy: A parameter cannot be found that "
                                "matches parameter name 'Foo'. [NamedParameterNotFound,New-NetQosPolicy]");
    ps_script_free(s);
}

/* ---- binding rules ---- */

static const struct {
    const char *text;
    const char *want;
} rules[] = {
    /* unique prefixes of names and aliases; exact match wins over prefix */
    {"New-VMSwitch -Na X -InterfaceA a", "OK New-VMSwitch [NetAdapterName] -Name 'X' -NetAdapterName @('a')"},
    {"New-VMSwitch X -NetA a", "ERR AmbiguousParameter @1:16"},
    {"New-VMSwitch -Name X -NetAdapterN a -EnableE 1",
     "OK New-VMSwitch [NetAdapterName] -Name 'X' -NetAdapterName @('a') -EnableEmbeddedTeaming $true"},
    {"New-NetQosTrafficClass -Name S -Alg ETS -Pri 3 -Band 50",
     "OK New-NetQosTrafficClass [ByIfAlias] -Name 'S' -Algorithm 'ETS' -BandwidthPercentage 50 "
     "-Priority @(3)"},
    /* aliases */
    {"New-VMSwitch -SwitchName X -InterfaceAlias a,b",
     "OK New-VMSwitch [NetAdapterName] -Name 'X' -NetAdapterName 'a','b'"},
    {"New-VMSwitch X -InterfaceDescription \"Contoso NIC\"",
     "OK New-VMSwitch [NetAdapterInterfaceDescription] -Name 'X' -NetAdapterInterfaceDescription "
     "@('Contoso NIC')"},
    {"New-NetQosPolicy SMB -ndport 445 -dot1p 3",
     "OK New-NetQosPolicy [ByNetworkDirectPort] -Name 'SMB' -PriorityValue8021Action 3 "
     "-NetDirectPortMatchCondition 445"},
    {"New-NetQosTrafficClass SMB -tsa Strict -p 3 -bw 30",
     "OK New-NetQosTrafficClass [ByIfAlias] -Name 'SMB' -Algorithm 'Strict' -BandwidthPercentage 30 "
     "-Priority @(3)"},
    {"Enable-NetQosFlowControl -Priority 3 -IfAlias \"SLOT 2\"",
     "OK Enable-NetQosFlowControl [ByIfAlias] -Priority @(3) -InterfaceAlias 'SLOT 2'"},
    {"Enable-NetAdapterRdma -ifAlias a -NoRestart", "OK Enable-NetAdapterRdma [ByName] -Name @('a') -NoRestart"},
    {"Get-VMNetworkAdapter -ManagementOS -VMNetworkAdapterName SMB_1",
     "OK Get-VMNetworkAdapter [ManagementOS] -Name 'SMB_1' -ManagementOS"},
    /* case-insensitive names, cmdlets and enum values (canonical casing out) */
    {"set-vmswitchteam -NAME t -loadbalancingalgorithm HYPERVPORT",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('t') -LoadBalancingAlgorithm 'HyperVPort'"},
    {"New-VMSwitch X -SwitchType private -MinimumBandwidthMode weight",
     "OK New-VMSwitch [SwitchType] -Name 'X' -SwitchType 'Private' -MinimumBandwidthMode 'Weight'"},
    {"Hyper-V\\New-VMSwitch X -NetAdapterName a", "OK New-VMSwitch [NetAdapterName] -Name 'X' -NetAdapterName @('a')"},
    /* -Param:value */
    {"New-VMSwitch -Name:X -NetAdapterName:\"SLOT 2\",\"SLOT 3\" -EnableEmbeddedTeaming:$true",
     "OK New-VMSwitch [NetAdapterName] -Name 'X' -NetAdapterName 'SLOT 2','SLOT 3' -EnableEmbeddedTeaming "
     "$true"},
    {"Disable-NetQosFlowControl -Priority: 0,1", "OK Disable-NetQosFlowControl [ByIfAlias] -Priority 0,1"},
    {"Get-NetAdapterRdma -Name: -x", "OK Get-NetAdapterRdma [ByName] -Name @('-x')"},
    {"Get-NetAdapterRdma -Name a,-b", "OK Get-NetAdapterRdma [ByName] -Name 'a','-b'"},
    /* switches: present, -X:$false, -X:$true, numbers */
    {"Remove-VMSwitch X -Force", "OK Remove-VMSwitch [Name] -Name @('X') -Force"},
    {"Remove-VMSwitch X -Force:$false -Confirm:0", "OK Remove-VMSwitch [Name] -Name @('X') -Force:$false -Confirm:$false"},
    {"Restart-NetAdapter -Name a -WhatIf:$true -Verbose",
     "OK Restart-NetAdapter [ByName] -Name @('a') -Verbose -WhatIf"},
    /* Booleans need a value; numbers are accepted */
    {"New-VMSwitch X -NetAdapterName a -AllowManagementOS $false -EnableIov 0",
     "OK New-VMSwitch [NetAdapterName] -Name 'X' -AllowManagementOS $false -NetAdapterName @('a') "
     "-EnableIov $false"},
    {"Set-NetAdapterVmq a -Enabled $true", "OK Set-NetAdapterVmq [ByName] -Name @('a') -Enabled $true"},
    /* arrays with and without spaces, over a line break, @() and () */
    {"Disable-NetQosFlowControl -Priority 0, 1 ,2", "OK Disable-NetQosFlowControl [ByIfAlias] -Priority 0,1,2"},
    {"Disable-NetQosFlowControl -Priority 0,\n  1,\n  2", "OK Disable-NetQosFlowControl [ByIfAlias] -Priority 0,1,2"},
    {"Set-VMSwitchTeam -Name T -NetAdapterName @(\"NIC 1\", \"NIC 2\")",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('T') -NetAdapterName 'NIC 1','NIC 2'"},
    {"Set-VMSwitchTeam -Name T -NetAdapterName @(\"NIC 1\"\n\"NIC 2\")",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('T') -NetAdapterName 'NIC 1','NIC 2'"},
    {"Set-VMSwitchTeam -Name T -NetAdapterName (\"NIC 1\",\"NIC 2\")",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterName] -Name @('T') -NetAdapterName 'NIC 1','NIC 2'"},
    {"Get-NetAdapterRdma -Name ,\"x\"", "OK Get-NetAdapterRdma [ByName] -Name @('x')"},
    {"Get-NetAdapterRdma -Name @()", "OK Get-NetAdapterRdma [ByName] -Name @()"},
    /* a string parameter given an array gets the elements joined ($OFS) */
    {"New-VMSwitch a,b -NetAdapterName x", "OK New-VMSwitch [NetAdapterName] -Name 'a b' -NetAdapterName @('x')"},
    /* type conversion: string->int, int->string, hex, multipliers, $null */
    {"New-NetQosPolicy X -NetDirectPortMatchCondition \"445\" -PriorityValue8021Action '3'",
     "OK New-NetQosPolicy [ByNetworkDirectPort] -Name 'X' -PriorityValue8021Action 3 "
     "-NetDirectPortMatchCondition 445"},
    {"New-VMSwitch 42 -NetAdapterName 7", "OK New-VMSwitch [NetAdapterName] -Name '42' -NetAdapterName @('7')"},
    {"Set-NetAdapterVmq a -BaseProcessorNumber 0x2 -MaxProcessors '0x4'",
     "OK Set-NetAdapterVmq [ByName] -Name @('a') -BaseProcessorNumber 2 -MaxProcessors 4"},
    {"New-NetQosPolicy X -Default -ThrottleRateActionBitsPerSecond 10MB -Precedence 255",
     "OK New-NetQosPolicy [ByDefault] -Name 'X' -Default -Precedence 255 "
     "-ThrottleRateActionBitsPerSecond 10485760"},
    {"Set-ItemProperty HKLM:\\X V $null", "OK Set-ItemProperty [propertyValuePathSet] -Path @('HKLM:\\X') -Name 'V' -Value $null"},
    {"Set-VMNetworkAdapterIsolation -ManagementOS -VMNetworkAdapterName SMB_1 -IsolationMode vlan "
     "-AllowUntaggedTraffic $true -DefaultIsolationID 42 -MultiTenantStack off",
     "OK Set-VMNetworkAdapterIsolation [ManagementOS] -VMNetworkAdapterName 'SMB_1' -ManagementOS "
     "-IsolationMode 'Vlan' -AllowUntaggedTraffic $true -DefaultIsolationID 42 -MultiTenantStack 'Off'"},
    /* positional binding uses the remaining positions in order */
    {"New-NetQosTrafficClass SMB ETS 3", "OK New-NetQosTrafficClass [ByIfAlias] -Name 'SMB' -Algorithm 'ETS' -Priority @(3)"},
    {"New-NetQosTrafficClass -Algorithm ETS SMB 3,4",
     "OK New-NetQosTrafficClass [ByIfAlias] -Name 'SMB' -Algorithm 'ETS' -Priority 3,4"},
    {"New-NetQosTrafficClass -Name SMB ETS -BandwidthPercentage 40 3",
     "OK New-NetQosTrafficClass [ByIfAlias] -Name 'SMB' -Algorithm 'ETS' -BandwidthPercentage 40 -Priority @(3)"},
    {"Enable-NetQosFlowControl 3 \"SLOT 2\"", "OK Enable-NetQosFlowControl [ByIfAlias] -Priority @(3) -InterfaceAlias 'SLOT 2'"},
    {"Remove-VMSwitch S pool1", "OK Remove-VMSwitch [Name] -Name @('S') -ResourcePoolName @('pool1')"},
    /* parameter sets: the named parameters decide, else the default set */
    {"Enable-NetQosFlowControl -Priority 3 -InterfaceIndex 12",
     "OK Enable-NetQosFlowControl [ByIfIndex] -Priority @(3) -InterfaceIndex 12"},
    {"Get-VMNetworkAdapter -All", "OK Get-VMNetworkAdapter [All] -All"},
    {"Get-VMNetworkAdapter vm1", "OK Get-VMNetworkAdapter [VMName] -VMName @('vm1')"},
    {"Set-VMSwitchTeam T -NetAdapterInterfaceDescription d",
     "OK Set-VMSwitchTeam [SwitchName_NetAdapterInterfaceDescription] -Name @('T') "
     "-NetAdapterInterfaceDescription @('d')"},
    {"New-NetQosPolicy \"SMB Policy\" -SMB -PriorityValue8021Action 3",
     "OK New-NetQosPolicy [BySMB] -Name 'SMB Policy' -PriorityValue8021Action 3 -SMB"},
    {"Install-WindowsFeature -ConfigurationFilePath c:\\cfg.xml",
     "OK Install-WindowsFeature [ConfigurationFile] -ConfigurationFilePath 'c:\\cfg.xml'"},
    /* common parameters are accepted and reported as such */
    {"Enable-NetAdapterQos -Name \"SLOT 2\" -ErrorAction Stop -WarningAction silentlycontinue -OutVariable o",
     "OK Enable-NetAdapterQos [ByName] -Name @('SLOT 2') -ErrorAction 'Stop' -WarningAction "
     "'SilentlyContinue' -OutVariable 'o'"},
    /* an exact alias wins over the names it is a prefix of (MaxN,
     * MaxProcessorNumber) */
    {"Set-NetAdapterVmq a -Max 4", "OK Set-NetAdapterVmq [ByName] -Name @('a') -MaxProcessors 4"},
    /* a cmdlet parameter wins over common parameters sharing its prefix
     * (-W: Wrap, not WarningAction or WarningVariable) */
    {"Get-NetQosTrafficClass | ft -W", "OK Get-NetQosTrafficClass [ByIfAlias] | Format-Table [__AllParameterSets] -Wrap"},
    {"Remove-VMSwitch -Name S -F", "OK Remove-VMSwitch [Name] -Name @('S') -Force"},
    /* -- ends parameters */
    {"Disable-NetAdapter -- -Name", "OK Disable-NetAdapter [ByName] -Name @('-Name')"},
    /* the registry provider's dynamic -Type, by prefix too */
    {"Set-ItemProperty -Path HKCU:\\X -Name V -Value x -t String",
     "OK Set-ItemProperty [propertyValuePathSet] -Path @('HKCU:\\X') -Name 'V' -Value 'x' -Type 'String'"},
    {"sp -LiteralPath HKLM:\\X V 1 -Type QWord",
     "OK Set-ItemProperty [propertyValueLiteralPathSet] -LiteralPath @('HKLM:\\X') -Name 'V' -Value 1 "
     "-Type 'QWord'"},
    /* pipelines into formatting */
    {"Get-NetAdapterRdma | Format-List *", "OK Get-NetAdapterRdma [ByName] | Format-List [__AllParameterSets] -Property @('*')"},
    {"Get-NetQosTrafficClass | ft -AutoSize Name, Priority",
     "OK Get-NetQosTrafficClass [ByIfAlias] | Format-Table [__AllParameterSets] -AutoSize -Property "
     "'Name','Priority'"},
    {"Get-NetQosFlowControl |\n  fl", "OK Get-NetQosFlowControl [ByIfAlias] | Format-List [__AllParameterSets]"},
    {"Get-VMSwitchTeam SETswitch | Format-List", "OK Get-VMSwitchTeam [Name] -Name 'SETswitch' | Format-List [__AllParameterSets]"},
};

static void test_binding_rules(void)
{
    for (size_t i = 0; i < N(rules); i++)
        expect__(rules[i].text, 0, rules[i].want);
}

/* Bound values carry their positions and flags for the effects layer. */
static void test_bound_command_api(void)
{
    struct ps_script *s = parse__("Remove-VMSwitch \"S1\"  -Force\n"
                                  "Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_1 "
                                  "\u2013ManagementOS \u2013PhysicalNetAdapterName \u201cSLOT 2\u201d",
                                  0);
    CU_ASSERT_EQUAL_FATAL(s->nstmts, 2);
    const struct ps_command *c = s->stmts[0].cmd;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->name, "Remove-VMSwitch");
    CU_ASSERT_STRING_EQUAL(c->set, "Name");
    CU_ASSERT_EQUAL(c->line, 1);
    CU_ASSERT_EQUAL(c->col, 1);
    const struct ps_bound_param *name = ps_command_param(c, "name");
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    CU_ASSERT_TRUE(name->positional);
    CU_ASSERT_FALSE(name->common);
    CU_ASSERT_EQUAL(name->col, 17);
    CU_ASSERT_EQUAL(name->value.kind, PS_VAL_ARRAY);
    CU_ASSERT_STRING_EQUAL(name->value.items[0].s, "S1");
    const struct ps_bound_param *force = ps_command_param(c, "Force");
    CU_ASSERT_PTR_NOT_NULL_FATAL(force);
    CU_ASSERT_EQUAL(force->value.kind, PS_VAL_BOOL);
    CU_ASSERT_TRUE(force->value.b);
    CU_ASSERT_EQUAL(force->col, 23);
    CU_ASSERT_PTR_NULL(ps_command_param(c, "WhatIf"));
    /* Columns count characters: two en dashes before the curly quote. */
    c = s->stmts[1].cmd;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const struct ps_bound_param *mos = ps_command_param(c, "ManagementOS");
    const struct ps_bound_param *pna = ps_command_param(c, "PhysicalNetAdapterName");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mos);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pna);
    CU_ASSERT_EQUAL(mos->line, 2);
    CU_ASSERT_EQUAL(mos->col, 61);
    CU_ASSERT_EQUAL(pna->col, 75);
    CU_ASSERT_EQUAL(pna->value.col, 99);
    CU_ASSERT_STRING_EQUAL(pna->value.s, "SLOT 2");
    ps_script_free(s);
}

/* ---- the tokenizer ---- */

struct tok_want {
    enum ps_tok_kind kind;
    const char *text; /* NULL: not checked */
    int col;
};

static void expect_tokens__(const char *src, const struct tok_want *want, size_t n)
{
    struct ps_tokens t;
    struct ps_lex_error err;
    int rc = ps_lex(src, strlen(src), 1, 0, &t, &err);
    CU_ASSERT_EQUAL(rc, 0);
    bool ok = rc == 0 && t.n == n + 1 && t.v[n].kind == PS_TOK_EOF;
    for (size_t i = 0; ok && i < n; i++)
        ok = t.v[i].kind == want[i].kind && t.v[i].col == want[i].col &&
             (!want[i].text || (t.v[i].text && strcmp(t.v[i].text, want[i].text) == 0));
    if (!ok) {
        fprintf(stderr, "\n  tokens of: %s\n", src);
        for (size_t i = 0; i < t.n; i++)
            fprintf(stderr, "    kind %d col %d '%s'\n", t.v[i].kind, t.v[i].col,
                    t.v[i].text ? t.v[i].text : "");
        CU_FAIL("tokens");
    }
    ps_lex_free(&t);
}

static void test_lexer(void)
{
    /* A bare word directly followed by a quoted string is ONE argument. */
    const struct tok_want hklm[] = {
        {PS_TOK_WORD, "Set-ItemProperty", 1},
        {PS_TOK_WORD, "HKLM:\\SYSTEM\\X", 18},
        {PS_TOK_WORD, "V", 35},
    };
    expect_tokens__("Set-ItemProperty HKLM:\"\\SYSTEM\\X\" V", hklm, N(hklm));
    /* ... while a string followed by a word is two arguments. */
    const struct tok_want two[] = {{PS_TOK_WORD, "x", 1}, {PS_TOK_STRING, "a", 3}, {PS_TOK_WORD, "b", 6}};
    expect_tokens__("x \"a\"b", two, N(two));
    /* quoting: '' in single quotes, "" and backtick escapes in double quotes */
    const struct tok_want quotes[] = {
        {PS_TOK_WORD, "x", 1},
        {PS_TOK_STRING, "it's", 3},
        {PS_TOK_STRING, "say \"hi\"\t$", 11},
        {PS_TOK_STRING, "`n", 27},
    };
    expect_tokens__("x 'it''s' \"say \"\"hi`\"`t$\" '`n'", quotes, N(quotes));
    /* parameters, -Name:, numbers, negative numbers, -- and $true */
    const struct tok_want params[] = {
        {PS_TOK_WORD, "c", 1},        {PS_TOK_PARAM, "Name", 3},   {PS_TOK_PARAM, "Priority", 9},
        {PS_TOK_NUMBER, "0x10", 20},  {PS_TOK_NUMBER, "-5", 25},   {PS_TOK_NUMBER, "2kb", 28},
        {PS_TOK_WORD, "1.5", 32},     {PS_TOK_WORD, "3abc", 36},   {PS_TOK_DASHDASH, NULL, 41},
        {PS_TOK_VARIABLE, "true", 44}, {PS_TOK_VARIABLE, "null", 50},
    };
    expect_tokens__("c -Name -Priority: 0x10 -5 2kb 1.5 3abc -- $TRUE $Null", params, N(params));
    struct ps_tokens t;
    struct ps_lex_error err;
    const char *src = "c -Name: 0x10 -5 2kb";
    CU_ASSERT_EQUAL(ps_lex(src, strlen(src), 1, 0, &t, &err), 0);
    CU_ASSERT_TRUE(t.v[1].colon);
    CU_ASSERT_EQUAL(t.v[2].num, 16);
    CU_ASSERT_EQUAL(t.v[3].num, -5);
    CU_ASSERT_EQUAL(t.v[4].num, 2048);
    ps_lex_free(&t);
    /* a parameter with a quote in it is a bare word */
    const struct tok_want pq[] = {{PS_TOK_WORD, "c", 1}, {PS_TOK_WORD, "-a b", 3}};
    expect_tokens__("c -a\" b\"", pq, N(pq));
    /* arrays, pipes, separators, comments, continuation */
    const struct tok_want misc[] = {
        {PS_TOK_WORD, "a", 1},   {PS_TOK_NUMBER, NULL, 3}, {PS_TOK_COMMA, NULL, 4},
        {PS_TOK_NUMBER, NULL, 5}, {PS_TOK_PIPE, NULL, 7},  {PS_TOK_WORD, "fl", 9},
        {PS_TOK_SEMI, NULL, 11}, {PS_TOK_WORD, "b", 13},   {PS_TOK_NEWLINE, NULL, 21},
        {PS_TOK_WORD, "c", 1},   {PS_TOK_WORD, "d", 1},    {PS_TOK_LPAREN, NULL, 3},
        {PS_TOK_STRING, "e", 6},  {PS_TOK_RPAREN, NULL, 10},
    };
    expect_tokens__("a 1,2 | fl; b # note\nc `\nd @( 'e' )", misc, N(misc));
    const struct tok_want block[] = {{PS_TOK_WORD, "a", 1}, {PS_TOK_WORD, "b", 6}};
    expect_tokens__("a <# x\ny #> b", block, N(block));
    /* lines and columns: offsets applied, characters not bytes */
    src = "x \u2013Name \u201cv\u201d\ny";
    CU_ASSERT_EQUAL(ps_lex(src, strlen(src), 40, 6, &t, &err), 0);
    CU_ASSERT_EQUAL(t.v[1].kind, PS_TOK_PARAM);
    CU_ASSERT_EQUAL(t.v[1].line, 40);
    CU_ASSERT_EQUAL(t.v[1].col, 9);
    CU_ASSERT_EQUAL(t.v[2].col, 15);
    CU_ASSERT_EQUAL(t.v[4].line, 41);
    CU_ASSERT_EQUAL(t.v[4].col, 7);
    ps_lex_free(&t);
    /* CharTraits */
    CU_ASSERT_TRUE(ps_lex_is_dash(0x2013) && ps_lex_is_dash(0x2014) && ps_lex_is_dash(0x2015));
    CU_ASSERT_FALSE(ps_lex_is_dash(0x2012));
    CU_ASSERT_TRUE(ps_lex_is_single_quote(0x201B) && ps_lex_is_double_quote(0x201E));
    CU_ASSERT_FALSE(ps_lex_is_double_quote(0x201F));
    CU_ASSERT_TRUE(ps_lex_is_space(0xA0) && ps_lex_is_space(0x2009));
    /* integers as PowerShell reads them */
    int64_t v;
    CU_ASSERT_EQUAL(ps_lex_parse_int("0xFFFFFFFF", 10, &v), 0);
    CU_ASSERT_EQUAL(v, -1);
    CU_ASSERT_EQUAL(ps_lex_parse_int("1gb", 3, &v), 0);
    CU_ASSERT_EQUAL(v, 1073741824);
    CU_ASSERT_EQUAL(ps_lex_parse_int("99999999999999999999", 20, &v), -ERANGE);
    CU_ASSERT_EQUAL(ps_lex_parse_int("12x", 3, &v), -EINVAL);
    CU_ASSERT_EQUAL(ps_lex_parse_int("", 0, &v), -EINVAL);
}

static void test_lexer_errors(void)
{
    static const struct {
        const char *text;
        const char *id;
        int line, col;
    } bad[] = {
        {"New-VMSwitch -Name \"X", "TerminatorExpectedAtEndOfString", 1, 20},
        {"New-VMSwitch -Name 'X", "TerminatorExpectedAtEndOfString", 1, 20},
        {"a\nb <# open", "MissingEndOfComment", 2, 3},
        {"Remove-VMSwitch $name", "SETSIM_UnsupportedSyntax", 1, 17},
        {"Remove-VMSwitch \"vEthernet ($n)\"", "SETSIM_UnsupportedSyntax", 1, 29},
        {"Get-VMSwitch | ForEach-Object { $_ }", "SETSIM_UnsupportedSyntax", 1, 31},
        {"Get-NetAdapterRdma > out.txt", "SETSIM_UnsupportedSyntax", 1, 20},
        {"Get-NetAdapterRdma -Name \xff", "SETSIM_InvalidUtf8", 1, 26},
        {"Get-NetAdapterRdma -Name a,", "MissingExpressionAfterToken", 1, 27},
        {"Get-NetAdapterRdma |", "EmptyPipeElement", 1, 21},
        {"Get-NetAdapterRdma -Name (\"a\"", "MissingEndParenthesisInExpression", 1, 26},
        {"Get-NetAdapterRdma -Name )", "UnexpectedToken", 1, 26},
        {"\"just a string\"", "SETSIM_UnsupportedSyntax", 1, 1},
        {"Remove-VMSwitch (Get-VMSwitch)", "SETSIM_UnsupportedSyntax", 1, 18},
        {"Remove-VMSwitch @(\"a\", b)", "SETSIM_UnsupportedSyntax", 1, 24},
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct ps_script *s = parse__(bad[i].text, 0);
        bool ok = s->parse_failed && s->nstmts == 0 && s->nerrors == 1 &&
                  strcmp(s->errors[0].id, bad[i].id) == 0 && s->errors[0].line == bad[i].line &&
                  s->errors[0].col == bad[i].col;
        if (!ok) {
            fprintf(stderr, "\n  script: %s\n  got: %s @%d:%d (parse_failed %d)\n  want: %s @%d:%d\n",
                    bad[i].text, s->nerrors ? s->errors[0].id : "-", s->nerrors ? s->errors[0].line : 0,
                    s->nerrors ? s->errors[0].col : 0, s->parse_failed, bad[i].id, bad[i].line, bad[i].col);
            CU_FAIL("parse error");
        }
        ps_script_free(s);
    }
}

/* ---- scripts: statements, errors collected, positions mapped ---- */

static void test_script(void)
{
    /* A YAML block at line 12, indented by 6: errors name the file's
     * line and column.  Binding errors fail only their statement. */
    const char *block = "New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\"\n"
                        "# a comment line\n"
                        "Set-VMSwitchTeam -Name SETswitch -LoadBalancingAlgorithm Dynamc; Get-VMSwitchTeam\n"
                        "<# block\n   comment #>\n"
                        "Enable-NetAdapterRdma \"vEthernet (SMB_1)\" `\n   \"SLOT 2\"\n"
                        "Get-NetAdapterRdma | fl *\n";
    struct ps_script *s = NULL;
    CU_ASSERT_EQUAL_FATAL(ps_parse_script(block, "hv1.yaml", 12, 6, 0, &s), 0);
    CU_ASSERT_FALSE(s->parse_failed);
    CU_ASSERT_STRING_EQUAL(s->file, "hv1.yaml");
    CU_ASSERT_EQUAL_FATAL(s->nstmts, 5);
    CU_ASSERT_EQUAL_FATAL(s->nerrors, 2);
    CU_ASSERT_PTR_NOT_NULL(s->stmts[0].cmd);
    CU_ASSERT_PTR_NULL(s->stmts[1].cmd);
    CU_ASSERT_PTR_NOT_NULL(s->stmts[2].cmd);
    CU_ASSERT_PTR_NULL(s->stmts[3].cmd);
    CU_ASSERT_PTR_NOT_NULL(s->stmts[4].cmd);
    CU_ASSERT_EQUAL(s->stmts[2].line, 14);
    CU_ASSERT_EQUAL(s->stmts[2].col, 72);
    CU_ASSERT_EQUAL(s->stmts[1].error, 0);
    CU_ASSERT_EQUAL(s->stmts[3].error, 1);
    char buf[1024];
    ps_script_format_error(s, &s->errors[0], buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "hv1.yaml:14:40: Set-VMSwitchTeam: Cannot bind parameter "
                                "'LoadBalancingAlgorithm'. Cannot convert value \"Dynamc\" to type "
                                "\"Microsoft.HyperV.PowerShell.VMSwitchLoadBalancingAlgorithm\". Error: "
                                "\"Unable to match the identifier name Dynamc to a valid enumerator name. "
                                "Specify one of the following enumerator names and try again: HyperVPort, "
                                "Dynamic\" [CannotConvertArgumentNoMessage,"
                                "Microsoft.HyperV.PowerShell.Commands.SetVMSwitchTeam]");
    /* the continued line: "SLOT 2" is on file line 18, column 4 + 6 */
    CU_ASSERT_STRING_EQUAL(s->errors[1].id, "PositionalParameterNotFound");
    CU_ASSERT_EQUAL(s->errors[1].line, 18);
    CU_ASSERT_EQUAL(s->errors[1].col, 10);
    CU_ASSERT_PTR_NOT_NULL(s->stmts[4].cmd->format);
    CU_ASSERT_STRING_EQUAL(s->stmts[4].cmd->format->name, "Format-List");
    ps_script_free(s);

    /* A parse error anywhere: PowerShell runs no statement at all. */
    s = parse__("Get-NetAdapterRdma\nGet-NetAdapterRdma -Name \"open\n", 0);
    CU_ASSERT_TRUE(s->parse_failed);
    CU_ASSERT_EQUAL(s->nstmts, 0);
    CU_ASSERT_EQUAL(s->nerrors, 1);
    ps_script_free(s);

    /* Empty scripts, blank lines and separators only. */
    s = parse__("\n  ; ;\n# only a comment\n", 0);
    CU_ASSERT_EQUAL(s->nstmts, 0);
    CU_ASSERT_EQUAL(s->nerrors, 0);
    ps_script_free(s);
    CU_ASSERT_EQUAL(ps_parse_script(NULL, NULL, 1, 0, 0, &s), 0);
    CU_ASSERT_EQUAL(s->nstmts, 0);
    CU_ASSERT_STRING_EQUAL(s->file, "<script>");
    ps_script_free(s);
    ps_script_free(NULL);

    /* Pipelines other than into Format-List/Format-Table are reported. */
    expect__("Get-VMSwitchTeam | Remove-VMSwitch", 0, "ERR SETSIM_UnsupportedPipeline @1:20");
    expect__("Get-NetAdapterRdma | fl | ft", 0, "ERR SETSIM_UnsupportedPipeline @1:27");
    expect__("Get-NetAdapterRdma | Where-Object x", 0, "ERR CommandNotFoundException @1:22");
    expect__("Get-NetAdapterRdma | fl -Foo", 0, "ERR NamedParameterNotFound @1:25");
}

/* ---- --seed-compat (CFG-019, CFG-020) ---- */

static void test_seed_compat(void)
{
    struct ps_script *s = parse__("Add-VMNetworkAdapter -SwitchName RDMAswitch -Name SMB_1\n"
                                  "Enable-NetAdapterRDMA \"vEthernet (SMB_1)\",\"vEthernet (SMB_2)\" "
                                  "\"SLOT 2\", \"SLOT 3\"",
                                  PS_SCRIPT_SEED_COMPAT);
    CU_ASSERT_EQUAL_FATAL(s->nstmts, 2);
    const struct ps_command *c = s->stmts[0].cmd;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->set, "ManagementOS");
    const struct ps_bound_param *mos = ps_command_param(c, "ManagementOS");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mos);
    CU_ASSERT_TRUE(mos->implied);
    CU_ASSERT_EQUAL_FATAL(c->nwarnings, 1);
    CU_ASSERT_STRING_EQUAL(c->warnings[0].id, "SEED_W_IMPLIED_MANAGEMENTOS");
    CU_ASSERT_PTR_NOT_NULL(strstr(c->warnings[0].message, "CFG-019"));
    c = s->stmts[1].cmd;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL_FATAL(c->nwarnings, 1);
    CU_ASSERT_STRING_EQUAL(c->warnings[0].id, "SEED_W_POSITIONAL_MERGED");
    CU_ASSERT_EQUAL(c->warnings[0].line, 2);
    CU_ASSERT_EQUAL(c->warnings[0].col, 63);
    const struct ps_bound_param *name = ps_command_param(c, "Name");
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    CU_ASSERT_EQUAL(name->value.n, 4);
    CU_ASSERT_STRING_EQUAL(name->value.items[3].s, "SLOT 3");
    CU_ASSERT_EQUAL(name->value.items[3].col, 73);
    ps_script_free(s);
    /* compat changes nothing for well-formed commands, and does not hide
     * other errors */
    expect__("Add-VMNetworkAdapter -VMName vm1 -SwitchName S", PS_SCRIPT_SEED_COMPAT,
             "OK Add-VMNetworkAdapter [VMName] -VMName @('vm1') -SwitchName 'S'");
    expect__("Add-VMNetworkAdapter -SwitchName S -IsLegacy $true", PS_SCRIPT_SEED_COMPAT,
             "ERR MissingMandatoryParameter @1:1");
    expect__("Enable-NetAdapterRdma a b -Foo", PS_SCRIPT_SEED_COMPAT, "ERR NamedParameterNotFound @1:27");
    expect__("Disable-NetAdapter a b", PS_SCRIPT_SEED_COMPAT, "ERR PositionalParameterNotFound @1:22");
}

/* ---- CFG-006 / CFG-007 ---- */

static void test_teaming(void)
{
    static const struct {
        const char *text;
        enum ps_teaming want;
    } cases[] = {
        {"New-VMSwitch -Name T -NetAdapterName \"NIC 1\",\"NIC 2\"", PS_TEAMING_IMPLIED},
        {"New-VMSwitch -Name T -NetAdapterName \"NIC 1\",\"NIC 2\" -EnableEmbeddedTeaming $true",
         PS_TEAMING_EXPLICIT},
        {"New-VMSwitch -Name T -NetAdapterName \"NIC 1\" -EnableEmbeddedTeaming $true", PS_TEAMING_EXPLICIT},
        {"New-VMSwitch -Name RDMAswitch -NetAdapterName \"SLOT 2\"", PS_TEAMING_NO},
        {"New-VMSwitch -Name T -NetAdapterName @(\"NIC 1\")", PS_TEAMING_NO},
        {"New-VMSwitch -Name T -NetAdapterName \"NIC 1\",\"NIC 2\" -EnableEmbeddedTeaming $false",
         PS_TEAMING_CONFLICT},
        {"New-VMSwitch -Name T -NetAdapterInterfaceDescription a,b", PS_TEAMING_IMPLIED},
        {"New-VMSwitch -Name T -SwitchType Internal", PS_TEAMING_NO},
        {"Set-VMSwitchTeam -Name T -NetAdapterName a,b", PS_TEAMING_NO},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ps_script *s = parse__(cases[i].text, 0);
        CU_ASSERT_PTR_NOT_NULL(s->stmts[0].cmd);
        CU_ASSERT_EQUAL(ps_command_teaming(s->stmts[0].cmd), cases[i].want);
        ps_script_free(s);
    }
    CU_ASSERT_EQUAL(ps_command_teaming(NULL), PS_TEAMING_NO);
}

/* ---- values, the bind entry point, and the cmdlet table's invariants ---- */

static void test_values_and_bind_api(void)
{
    struct ps_value items[2] = {{.kind = PS_VAL_STRING, .s = "it's"}, {.kind = PS_VAL_INT, .i = -3}};
    struct ps_value arr = {.kind = PS_VAL_ARRAY, .items = items, .n = 2};
    char buf[64];
    CU_ASSERT_EQUAL(ps_value_format(&arr, buf, sizeof buf), 10);
    CU_ASSERT_STRING_EQUAL(buf, "'it''s',-3");
    struct ps_value copy;
    CU_ASSERT_EQUAL(ps_value_copy(&copy, &arr), 0);
    CU_ASSERT_TRUE(ps_value_equal(&copy, &arr));
    copy.items[1].i = 4;
    CU_ASSERT_FALSE(ps_value_equal(&copy, &arr));
    ps_value_clear(&copy);
    CU_ASSERT_EQUAL(copy.kind, PS_VAL_NULL);
    /* ps_bind on a hand-built command */
    struct ps_elem el[2] = {
        {.kind = PS_ELEM_PARAM, .name = "managementos", .line = 1, .col = 22},
        {.kind = PS_ELEM_ARG, .has_value = true, .value = {.kind = PS_VAL_STRING, .s = "SMB_1"}},
    };
    struct ps_ast_cmd ast = {.name = "Get-VMNetworkAdapter", .elems = el, .nelems = 2, .line = 1, .col = 1};
    struct ps_command *cmd;
    struct ps_error err;
    CU_ASSERT_EQUAL_FATAL(ps_bind(&ast, 0, &cmd, &err), 0);
    ps_command_format(cmd, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Get-VMNetworkAdapter [ManagementOS] -Name 'SMB_1' -ManagementOS");
    ps_command_free(cmd);
    ps_command_free(NULL);
    ast.name = "Get-VMSwitch";
    CU_ASSERT_EQUAL(ps_bind(&ast, 0, &cmd, &err), -EINVAL);
    CU_ASSERT_PTR_NULL(cmd);
    CU_ASSERT_STRING_EQUAL(err.id, "CommandNotFoundException");
    CU_ASSERT_STRING_EQUAL(err.cmdlet, "Get-VMSwitch");
    ps_error_clear(&err);
    ps_error_clear(NULL);
}

/* The table's invariants: sets, mandatory flags and positions are
 * consistent, and no two parameters of a cmdlet share a name or alias
 * (counting the common parameters), or PowerShell itself would refuse
 * the cmdlet's metadata. */
static void check_table__(const struct ps_cmdlet *c)
{
    CU_ASSERT_TRUE(c->nsets >= 1 && c->nsets <= 32);
    CU_ASSERT_TRUE(c->default_set >= 0 && (size_t)c->default_set < c->nsets);
    CU_ASSERT_PTR_EQUAL(ps_cmdlet_find(c->name), c);
    for (const char *const *a = c->aliases; a && *a; a++)
        CU_ASSERT_PTR_EQUAL(ps_cmdlet_find(*a), c);
    uint32_t all = c->nsets == 32 ? UINT32_MAX : PS_SET(c->nsets) - 1;
    const char *names[256];
    size_t nn = 0;
    size_t ncommon;
    const struct ps_param *common = ps_cmdlet_common_params(&ncommon);
    for (size_t i = 0; i < ncommon; i++) {
        names[nn++] = common[i].name;
        for (const char *const *a = common[i].aliases; a && *a; a++)
            names[nn++] = *a;
    }
    for (size_t i = 0; i < c->nparams; i++) {
        const struct ps_param *p = &c->params[i];
        CU_ASSERT_TRUE((p->sets & all) != 0);
        CU_ASSERT_EQUAL(p->mandatory & ~p->sets, 0);
        CU_ASSERT_TRUE(p->type != PS_PT_ENUM || (p->enm && p->enm->values[0]));
        CU_ASSERT_TRUE(p->type != PS_PT_REF || p->ref_type);
        CU_ASSERT_PTR_EQUAL(ps_cmdlet_param(c, p->name), p);
        names[nn++] = p->name;
        for (const char *const *a = p->aliases; a && *a; a++)
            names[nn++] = *a;
        for (size_t j = 0; j < i && p->position >= 0; j++)
            if (c->params[j].position == p->position && (c->params[j].sets & p->sets & all)) {
                fprintf(stderr, "\n  %s: -%s and -%s share position %d\n", c->name, p->name,
                        c->params[j].name, p->position);
                CU_FAIL("position clash");
            }
    }
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(names[i], names[j]) == 0) {
                fprintf(stderr, "\n  %s: '%s' declared twice\n", c->name, names[i]);
                CU_FAIL("duplicate parameter name");
            }
    for (size_t i = 0; i < c->nsets; i++)
        CU_ASSERT_EQUAL(ps_cmdlet_set_index(c, c->sets[i]), (int)i);
}

static void test_cmdlet_table(void)
{
    static const char *const required[] = {
        "Install-WindowsFeature", "New-NetQosPolicy", "Enable-NetQosFlowControl", "Disable-NetQosFlowControl",
        "Enable-NetAdapterQos", "New-NetQosTrafficClass", "Set-ItemProperty", "New-VMSwitch",
        "Add-VMNetworkAdapter", "Enable-NetAdapterRDMA", "Get-NetAdapterRdma", "Set-VMNetworkAdapterIsolation",
        "Set-VMSwitchTeam", "Remove-VMSwitch", "Set-VMNetworkAdapterTeamMapping", "Get-VMSwitchTeam",
        "Get-VMNetworkAdapter", "Get-NetQosPolicy", "Get-NetQosFlowControl", "Get-NetQosTrafficClass",
        "Disable-NetAdapter", "Enable-NetAdapter", "Restart-NetAdapter", "Set-NetAdapterAdvancedProperty",
        "Set-NetAdapterVmq", "Format-List", "fl", "Format-Table", "ft",
    };
    for (size_t i = 0; i < N(required); i++)
        if (!ps_cmdlet_find(required[i])) {
            fprintf(stderr, "\n  missing cmdlet %s\n", required[i]);
            CU_FAIL("cmdlet table");
        }
    CU_ASSERT_STRING_EQUAL(ps_cmdlet_find("enable-netadapterRDMA")->name, "Enable-NetAdapterRdma");
    CU_ASSERT_PTR_NULL(ps_cmdlet_find("Get-VMSwitch"));
    CU_ASSERT_PTR_NULL(ps_cmdlet_find("Hyper-V\\fl"));
    CU_ASSERT_PTR_NULL(ps_cmdlet_find(NULL));
    CU_ASSERT_PTR_NULL(ps_cmdlet_at(ps_cmdlet_count()));
    for (size_t i = 0; i < ps_cmdlet_count(); i++)
        check_table__(ps_cmdlet_at(i));
    /* CFG-008: New-VMSwitch's surface in 2016. */
    const struct ps_cmdlet *nvs = ps_cmdlet_find("New-VMSwitch");
    CU_ASSERT_PTR_NULL(ps_cmdlet_param(nvs, "LoadBalancingAlgorithm"));
    CU_ASSERT_PTR_NULL(ps_cmdlet_param(nvs, "TeamingMode"));
    CU_ASSERT_EQUAL(ps_cmdlet_param(nvs, "EnableEmbeddedTeaming")->type, PS_PT_BOOL);
    CU_ASSERT_EQUAL(ps_cmdlet_param(nvs, "Name")->position, 0);
    CU_ASSERT_STRING_EQUAL(nvs->sets[nvs->default_set], "NetAdapterName");
    CU_ASSERT_STRING_EQUAL(ps_ptype_name(ps_cmdlet_param(nvs, "NetAdapterName")), "System.String[]");
}

int suite_ps(void)
{
    CU_pSuite s = test_suite("ps");
    if (!s || !CU_add_test(s, "seed article command lines", test_seed_lines) ||
        !CU_add_test(s, "seed lines bind as their ASCII form (CFG-018)", test_seed_same_as_ascii) ||
        !CU_add_test(s, "typography (CFG-018)", test_typography) ||
        !CU_add_test(s, "binder errors: id, message, position", test_binder_errors) ||
        !CU_add_test(s, "binding rules", test_binding_rules) ||
        !CU_add_test(s, "bound command API and positions", test_bound_command_api) ||
        !CU_add_test(s, "tokenizer", test_lexer) ||
        !CU_add_test(s, "tokenizer and parser errors", test_lexer_errors) ||
        !CU_add_test(s, "scripts: statements, errors, positions", test_script) ||
        !CU_add_test(s, "--seed-compat (CFG-019, CFG-020)", test_seed_compat) ||
        !CU_add_test(s, "embedded teaming (CFG-006, CFG-007)", test_teaming) ||
        !CU_add_test(s, "values and ps_bind", test_values_and_bind_api) ||
        !CU_add_test(s, "cmdlet table invariants", test_cmdlet_table))
        return -1;
    return 0;
}
