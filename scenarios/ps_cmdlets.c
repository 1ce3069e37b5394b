/* ps_cmdlets: the cmdlet table.  Sources: the Windows Server 2016 cmdlet
 * references (MicrosoftDocs/windows-powershell-docs, docset
 * winserver2016-ps: hyper-v, netqos, dcbqos, netadapter; Set-
 * VMNetworkAdapterIsolation from the 2019 docset as rules.md's ISO),
 * Install-WindowsFeature from the ServerManager reference, Set-ItemProperty
 * and Format-List/Format-Table from PowerShell's own source.  Parameter
 * order follows each reference's syntax block (the order PowerShell lists
 * ambiguous matches in); CimSession/ThrottleLimit/AsJob close the CDXML
 * (NetQos, DcbQos, NetAdapter) cmdlets as they do in the references.
 *
 * Model choices, marked where they appear: -Credential (PSCredential) is
 * an object a literal cannot be; -CimSession takes computer names, as its
 * argument transformation does; the set names of Install-WindowsFeature's
 * configuration-file set and of Get-NetQosPolicy are not in the
 * references; CDXML enum type names are the references' short names.
 */
#include "ps_cmdlets.h"

#include <string.h>
#include <strings.h>

#define AL(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SETS(...) ((const char *const[]){__VA_ARGS__}), (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define PARAMS(a) a, (sizeof a / sizeof a[0])
#define ALL PS_SETS_ALL
#define S(i) PS_SET(i)
#define NAMED PS_NAMED

/* P: plain parameter; PE: enum/ValidateSet; PR: object reference. */
#define P(n, al, t, sets, mand, pos) {n, al, t, NULL, NULL, sets, mand, pos, 0}
#define PF(n, al, t, sets, mand, pos, fl) {n, al, t, NULL, NULL, sets, mand, pos, fl}
#define PE(n, al, e, sets, mand, pos) {n, al, PS_PT_ENUM, &e, NULL, sets, mand, pos, 0}
#define PR(n, al, rt, sets, mand, pos) {n, al, PS_PT_REF, NULL, rt, sets, mand, pos, 0}

/* CDXML cmdlets end with these three (CimSession takes computer names). */
#define CDXML_TAIL                                                                               \
    P("CimSession", AL("Session"), PS_PT_STRING_ARRAY, ALL, 0, NAMED),                           \
        P("ThrottleLimit", NULL, PS_PT_INT32, ALL, 0, NAMED),                                    \
        P("AsJob", NULL, PS_PT_SWITCH, ALL, 0, NAMED)

#define CIMINSTANCE "Microsoft.Management.Infrastructure.CimInstance"
#define PSCREDENTIAL "System.Management.Automation.PSCredential"
#define HV_VMSWITCH "Microsoft.HyperV.PowerShell.VMSwitch"
#define HV_VM "Microsoft.HyperV.PowerShell.VirtualMachine"
#define HV_VMNA "Microsoft.HyperV.PowerShell.VMNetworkAdapterBase"
#define HV_SNAPSHOT "Microsoft.HyperV.PowerShell.VMSnapshot"

/* ---- enumerations ---- */

static const struct ps_enum_type action_preference = {
    "System.Management.Automation.ActionPreference",
    AL("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend"), false};
/* CFG-011: the SET load-balancing values (LBFO's are not among them). */
static const struct ps_enum_type lb_algorithm = {
    "Microsoft.HyperV.PowerShell.VMSwitchLoadBalancingAlgorithm", AL("HyperVPort", "Dynamic"), false};
/* CFG-010: Switch Independent is the only teaming mode. */
static const struct ps_enum_type teaming_mode = {"Microsoft.HyperV.PowerShell.VMSwitchTeamingMode",
                                                 AL("SwitchIndependent"), false};
/* CFG-008: -MinimumBandwidthMode and -SwitchType values. */
static const struct ps_enum_type bandwidth_mode = {
    "Microsoft.HyperV.PowerShell.VMSwitchBandwidthMode", AL("Default", "Weight", "Absolute", "None"),
    false};
static const struct ps_enum_type switch_type = {"Microsoft.HyperV.PowerShell.VMSwitchType",
                                                AL("Internal", "Private"), false};
/* CFG-036: isolation modes (the seed writes VLAN; the enum says Vlan). */
static const struct ps_enum_type isolation_mode = {
    "Microsoft.HyperV.PowerShell.VMNetworkAdapterIsolationMode",
    AL("None", "NativeVirtualSubnet", "ExternalVirtualSubnet", "Vlan"), false};
static const struct ps_enum_type on_off = {"Microsoft.HyperV.PowerShell.OnOffState", AL("On", "Off"),
                                          false};
/* CFG-033: -Algorithm Strict or ETS. */
static const struct ps_enum_type tsa_algorithm = {"Algorithm", AL("Strict", "ETS"), false};
static const struct ps_enum_type network_profile = {"NetworkProfile",
                                                    AL("Domain", "Public", "Private", "All"), false};
static const struct ps_enum_type ip_protocol = {"Protocol", AL("None", "TCP", "UDP", "Both"), false};
static const struct ps_enum_type registry_kind = {
    "Microsoft.Win32.RegistryValueKind",
    AL("Unknown", "String", "ExpandString", "Binary", "DWord", "MultiString", "QWord", "None"), false};
static const struct ps_enum_type format_expand = {"System.String", AL("CoreOnly", "EnumOnly", "Both"),
                                                  true};

/* ---- common parameters (about_CommonParameters, Windows PowerShell 5.1) ---- */

static const struct ps_param common_params[] = {
    PF("Verbose", AL("vb"), PS_PT_SWITCH, ALL, 0, NAMED, PS_PF_COMMON),
    PF("Debug", AL("db"), PS_PT_SWITCH, ALL, 0, NAMED, PS_PF_COMMON),
    {"ErrorAction", AL("ea"), PS_PT_ENUM, &action_preference, NULL, ALL, 0, NAMED, PS_PF_COMMON},
    {"WarningAction", AL("wa"), PS_PT_ENUM, &action_preference, NULL, ALL, 0, NAMED, PS_PF_COMMON},
    {"InformationAction", AL("infa"), PS_PT_ENUM, &action_preference, NULL, ALL, 0, NAMED,
     PS_PF_COMMON},
    PF("ErrorVariable", AL("ev"), PS_PT_STRING, ALL, 0, NAMED, PS_PF_COMMON),
    PF("WarningVariable", AL("wv"), PS_PT_STRING, ALL, 0, NAMED, PS_PF_COMMON),
    PF("InformationVariable", AL("iv"), PS_PT_STRING, ALL, 0, NAMED, PS_PF_COMMON),
    PF("OutVariable", AL("ov"), PS_PT_STRING, ALL, 0, NAMED, PS_PF_COMMON),
    PF("OutBuffer", AL("ob"), PS_PT_INT32, ALL, 0, NAMED, PS_PF_COMMON),
    PF("PipelineVariable", AL("pv"), PS_PT_STRING, ALL, 0, NAMED, PS_PF_COMMON),
};

static const struct ps_param should_process_params[] = {
    PF("WhatIf", AL("wi"), PS_PT_SWITCH, ALL, 0, NAMED, PS_PF_COMMON),
    PF("Confirm", AL("cf"), PS_PT_SWITCH, ALL, 0, NAMED, PS_PF_COMMON),
};

static const struct ps_param transaction_param =
    PF("UseTransaction", AL("usetx"), PS_PT_SWITCH, ALL, 0, NAMED, PS_PF_COMMON);

/* ---- ServerManager ---- */

/* Install-WindowsFeature: RunningComputer, VhdPath, and the configuration-
 * file set (its name is a model choice). */
static const struct ps_param install_windowsfeature[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), S(0) | S(1), 0),
    P("Restart", NULL, PS_PT_SWITCH, S(0) | S(2), 0, NAMED),
    P("IncludeAllSubFeature", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("IncludeManagementTools", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("Source", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING, ALL, 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, ALL, 0, NAMED),
    P("LogPath", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("Vhd", NULL, PS_PT_STRING, S(1) | S(2), S(1), NAMED),
    P("ConfigurationFilePath", NULL, PS_PT_STRING, S(2), S(2), NAMED),
};

/* ---- NetQos ---- */

/* New-NetQosPolicy (NQP, CFG-031): eleven sets; ByNetworkDirectPort makes
 * -PriorityValue8021Action mandatory. */
enum {
    NQP_IP5TUPLE, NQP_WELLKNOWN, NQP_NETDIRECT, NQP_URI, NQP_CLUSTER, NQP_SMB, NQP_NFS,
    NQP_LIVEMIGRATION, NQP_ISCSI, NQP_FCOE, NQP_DEFAULT
};
#define NQP_NOT_ND_FCOE (ALL & ~S(NQP_NETDIRECT) & ~S(NQP_FCOE))
#define NQP_TEMPLATES                                                                            \
    (S(NQP_IP5TUPLE) | S(NQP_WELLKNOWN) | S(NQP_CLUSTER) | S(NQP_SMB) | S(NQP_NFS) |             \
     S(NQP_LIVEMIGRATION) | S(NQP_ISCSI) | S(NQP_DEFAULT))
#define NQP_APP (S(NQP_IP5TUPLE) | S(NQP_WELLKNOWN))
static const struct ps_param new_netqospolicy[] = {
    P("PolicyStore", AL("store"), PS_PT_STRING, ALL, 0, NAMED),
    P("Name", NULL, PS_PT_STRING, ALL, ALL, 0),
    P("Default", NULL, PS_PT_SWITCH, S(NQP_DEFAULT), S(NQP_DEFAULT), NAMED),
    PE("NetworkProfile", NULL, network_profile, ALL, 0, NAMED),
    P("Precedence", NULL, PS_PT_UINT32, ALL, 0, NAMED),
    P("PriorityValue8021Action", AL("PriorityValue", "PriorityValue8021", "pri", "dot1p"), PS_PT_SBYTE,
      ALL & ~S(NQP_URI), S(NQP_NETDIRECT) | S(NQP_FCOE), NAMED),
    P("DSCPAction", AL("DSCPValue", "DSCP"), PS_PT_SBYTE, NQP_NOT_ND_FCOE, 0, NAMED),
    P("MinBandwidthWeightAction", AL("MinBandwidthWeight", "minbww", "weight"), PS_PT_BYTE,
      NQP_TEMPLATES, 0, NAMED),
    P("ThrottleRateActionBitsPerSecond", AL("ThrottleRateAction", "ThrottleRate", "Throttle", "maxbw"),
      PS_PT_UINT64, NQP_NOT_ND_FCOE, 0, NAMED),
    P("IPDstPrefixMatchCondition",
      AL("IPDstPrefix", "DestinationAddress", "da", "dst", "dstaddr", "dstip", "dest", "destaddr",
         "destip"),
      PS_PT_STRING, S(NQP_IP5TUPLE) | S(NQP_URI), 0, NAMED),
    P("UserMatchCondition", AL("User", "sid"), PS_PT_STRING, NQP_APP, 0, NAMED),
    P("AppPathNameMatchCondition", AL("AppPathName", "ApplicationName", "app"), PS_PT_STRING, NQP_APP,
      0, NAMED),
    PE("IPProtocolMatchCondition", AL("IPProtocol", "Protocol"), ip_protocol, NQP_APP, 0, NAMED),
    P("IPSrcPrefixMatchCondition", AL("IPSrcPrefix", "SourceAddress", "sa", "src", "srcaddr", "srcip"),
      PS_PT_STRING, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPSrcPortMatchCondition", AL("IPSrcPort", "SourcePort", "sp", "srcport"), PS_PT_UINT16,
      S(NQP_IP5TUPLE), 0, NAMED),
    P("IPSrcPortStartMatchCondition", AL("IPSrcPortStart"), PS_PT_UINT16, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPSrcPortEndMatchCondition", AL("IPSrcPortEnd"), PS_PT_UINT16, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPDstPortMatchCondition", AL("IPDstPort", "DestinationPort", "dp", "dstport", "destport"),
      PS_PT_UINT16, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPDstPortStartMatchCondition", AL("IPDstPortStart"), PS_PT_UINT16, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPDstPortEndMatchCondition", AL("IPDstPortEnd"), PS_PT_UINT16, S(NQP_IP5TUPLE), 0, NAMED),
    P("IPPortMatchCondition", AL("IPPort", "port"), PS_PT_UINT16, S(NQP_WELLKNOWN), S(NQP_WELLKNOWN),
      NAMED),
    P("NetDirectPortMatchCondition", AL("NetDirectPort", "ndport", "networkdirectport"), PS_PT_UINT16,
      S(NQP_NETDIRECT), S(NQP_NETDIRECT), NAMED),
    P("URIMatchCondition", AL("URI", "url"), PS_PT_STRING, S(NQP_URI), S(NQP_URI), NAMED),
    P("URIRecursiveMatchCondition", AL("URIRecursive", "urlrecursive", "recursive"), PS_PT_BOOL,
      S(NQP_URI), 0, NAMED),
    P("Cluster", NULL, PS_PT_SWITCH, S(NQP_CLUSTER), S(NQP_CLUSTER), NAMED),
    P("SMB", NULL, PS_PT_SWITCH, S(NQP_SMB), S(NQP_SMB), NAMED),
    P("NFS", NULL, PS_PT_SWITCH, S(NQP_NFS), S(NQP_NFS), NAMED),
    P("LiveMigration", NULL, PS_PT_SWITCH, S(NQP_LIVEMIGRATION), S(NQP_LIVEMIGRATION), NAMED),
    P("iSCSI", NULL, PS_PT_SWITCH, S(NQP_ISCSI), S(NQP_ISCSI), NAMED),
    P("FCOE", NULL, PS_PT_SWITCH, S(NQP_FCOE), S(NQP_FCOE), NAMED),
    CDXML_TAIL,
};

/* Get-NetQosPolicy: one parameter set (its name is a model choice). */
static const struct ps_param get_netqospolicy[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, ALL, 0, 0),
    P("PolicyStore", AL("store"), PS_PT_STRING, ALL, 0, NAMED),
    CDXML_TAIL,
};

/* ---- DcbQos ---- */

/* Enable-/Disable-NetQosFlowControl (NQFC, CFG-032): ByIfAlias, ByIfIndex,
 * InputObject (cdxml). */
static const struct ps_param netqos_flowcontrol[] = {
    P("Priority", NULL, PS_PT_BYTE_ARRAY, S(0) | S(1), 0, 0),
    P("InterfaceAlias", AL("IfAlias"), PS_PT_STRING, S(0), 0, 1),
    P("InterfaceIndex", AL("IfIndex"), PS_PT_UINT32, S(1), 0, 1),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    CDXML_TAIL,
};

static const struct ps_param get_netqosflowcontrol[] = {
    P("Priority", NULL, PS_PT_BYTE_ARRAY, ALL, 0, 0),
    P("InterfaceAlias", AL("IfAlias"), PS_PT_STRING, S(0), 0, 1),
    P("InterfaceIndex", AL("IfIndex"), PS_PT_UINT32, S(1), 0, 1),
    CDXML_TAIL,
};

/* New-NetQosTrafficClass (NQTC, CFG-033). */
static const struct ps_param new_netqostrafficclass[] = {
    P("Name", NULL, PS_PT_STRING, ALL, ALL, 0),
    PE("Algorithm", AL("tsa"), tsa_algorithm, ALL, ALL, 1),
    P("BandwidthPercentage", AL("Bandwidth", "bw"), PS_PT_BYTE, ALL, 0, NAMED),
    P("Priority", AL("p", "pri"), PS_PT_BYTE_ARRAY, ALL, ALL, 2),
    P("InterfaceAlias", AL("IfAlias"), PS_PT_STRING, S(0), 0, NAMED),
    P("InterfaceIndex", AL("IfIndex"), PS_PT_UINT32, S(1), 0, NAMED),
    CDXML_TAIL,
};

static const struct ps_param get_netqostrafficclass[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, ALL, 0, 0),
    P("InterfaceAlias", AL("IfAlias"), PS_PT_STRING, S(0), 0, 1),
    P("InterfaceIndex", AL("IfIndex"), PS_PT_UINT32, S(1), 0, 1),
    CDXML_TAIL,
};

/* ---- NetAdapter: ByName, ByInstanceID, InputObject (cdxml) ---- */

/* Enable-NetAdapterQos (CFG-034): -Name is mandatory at position 0. */
static const struct ps_param enable_netadapterqos[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("NoRestart", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
};

/* Enable-NetAdapterRdma (RDMA, CFG-020, CFG-021): only -Name is
 * positional, and it is optional. */
static const struct ps_param enable_netadapterrdma[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), 0, 0),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("NoRestart", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
};

static const struct ps_param get_netadapterrdma[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), 0, 0),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    CDXML_TAIL,
};

/* Disable-/Enable-/Restart-NetAdapter. */
static const struct ps_param netadapter_state[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("InterfaceDescription", AL("ifDesc"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
};

static const struct ps_param set_netadapteradvancedproperty[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), 0, 0),
    P("DisplayName", AL("DispN"), PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    P("RegistryKeyword", AL("RegKey"), PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("AllProperties", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("DisplayValue", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("RegistryValue", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("NoRestart", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Set-NetAdapterVmq (CFG-027/028 settings). */
static const struct ps_param set_netadaptervmq[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("BaseProcessorGroup", AL("BaseG"), PS_PT_UINT16, ALL, 0, NAMED),
    P("BaseProcessorNumber", AL("BaseN"), PS_PT_BYTE, ALL, 0, NAMED),
    P("MaxProcessors", AL("Max"), PS_PT_UINT32, ALL, 0, NAMED),
    P("MaxProcessorNumber", AL("MaxN"), PS_PT_BYTE, ALL, 0, NAMED),
    P("NumaNode", AL("NumaN"), PS_PT_UINT16, ALL, 0, NAMED),
    P("Enabled", NULL, PS_PT_BOOL, ALL, 0, NAMED),
    P("NoRestart", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Enable-NetAdapterIPsecOffload (CFG-026: refused on a SET member). */
static const struct ps_param enable_netadapteripsecoffload[] = {
    P("Name", AL("ifAlias", "InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("InterfaceDescription", AL("ifDesc", "InstanceID"), PS_PT_STRING_ARRAY, S(1), S(1), NAMED),
    P("IncludeHidden", NULL, PS_PT_SWITCH, S(0) | S(1), 0, NAMED),
    P("NoRestart", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(2), S(2), NAMED),
    CDXML_TAIL,
};

/* Set-NetOffloadGlobalSetting (NetTCPIP; CFG-026 -Chimney). */
static const struct ps_enum_type chimney_state = {"ChimneyOffloadState",
                                                  AL("Disabled", "Enabled", "Automatic"), false};
static const struct ps_enum_type enabled_disabled = {"EnabledDisabledEnum",
                                                     AL("Disabled", "Enabled"), false};
static const struct ps_param set_netoffloadglobalsetting[] = {
    PR("InputObject", NULL, CIMINSTANCE, S(1), S(1), NAMED),
    PE("ReceiveSideScaling", NULL, enabled_disabled, ALL, 0, NAMED),
    PE("ReceiveSegmentCoalescing", NULL, enabled_disabled, ALL, 0, NAMED),
    PE("Chimney", NULL, chimney_state, ALL, 0, NAMED),
    PE("TaskOffload", NULL, enabled_disabled, ALL, 0, NAMED),
    PE("NetworkDirect", NULL, enabled_disabled, ALL, 0, NAMED),
    PE("NetworkDirectAcrossIPSubnets", NULL, enabled_disabled, ALL, 0, NAMED),
    PE("PacketCoalescingFilter", NULL, enabled_disabled, ALL, 0, NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Set-NetQosDcbxSetting (DcbQos; CFG-035 a). */
static const struct ps_param set_netqosdcbxsetting[] = {
    P("Willing", NULL, PS_PT_BOOL, ALL, 0, NAMED),
    P("Force", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(1), S(1), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* NIC Teaming (LBFO) cmdlets, so that aiming one at a SET team gives
 * CFG-013's SET_E_NOT_LBFO rather than "not supported".  Model choice:
 * their enum parameters are kept as strings. */
static const struct ps_param new_netlbfoteam[] = {
    P("Name", NULL, PS_PT_STRING, ALL, ALL, 0),
    P("TeamMembers", AL("VirtualFunction"), PS_PT_STRING_ARRAY, ALL, ALL, 1),
    P("TeamNicName", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("TeamingMode", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("LoadBalancingAlgorithm", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("LacpTimer", NULL, PS_PT_STRING, ALL, 0, NAMED),
    CDXML_TAIL,
};
static const struct ps_param rename_netlbfoteam[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("NewName", NULL, PS_PT_STRING, ALL, ALL, 1),
    PR("InputObject", NULL, CIMINSTANCE, S(1), S(1), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};
static const struct ps_param netlbfoteammember[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("Team", NULL, PS_PT_STRING, S(0), S(0), 1),
    P("AdministrativeMode", NULL, PS_PT_STRING, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(1), S(1), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};
static const struct ps_param add_netlbfoteamnic[] = {
    P("Team", NULL, PS_PT_STRING, ALL, ALL, 0),
    P("VlanID", NULL, PS_PT_UINT32, ALL, ALL, 1),
    P("Name", NULL, PS_PT_STRING, ALL, 0, NAMED),
    CDXML_TAIL,
};
static const struct ps_param set_netlbfoteam[] = {
    P("Name", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("TeamingMode", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("LoadBalancingAlgorithm", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("LacpTimer", NULL, PS_PT_STRING, ALL, 0, NAMED),
    PR("InputObject", NULL, CIMINSTANCE, S(1), S(1), NAMED),
    CDXML_TAIL,
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* ---- Microsoft.PowerShell.Management ---- */

/* Set-ItemProperty (CFG-035 b): propertyValuePathSet, propertyPSObjectPathSet,
 * propertyValueLiteralPathSet, propertyPSObjectLiteralPathSet; -Type is the
 * registry provider's dynamic parameter. */
static const struct ps_param set_itemproperty[] = {
    P("Path", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), S(0) | S(1), 0),
    P("LiteralPath", AL("PSPath"), PS_PT_STRING_ARRAY, S(2) | S(3), S(2) | S(3), NAMED),
    P("Name", AL("PSProperty"), PS_PT_STRING, S(0) | S(2), S(0) | S(2), 1),
    PF("Value", NULL, PS_PT_OBJECT, S(0) | S(2), S(0) | S(2), 2, PS_PF_ALLOW_NULL),
    P("InputObject", NULL, PS_PT_OBJECT, S(1) | S(3), S(1) | S(3), NAMED),
    P("PassThru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Force", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Filter", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("Include", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("Exclude", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, ALL, 0, NAMED),
    {"Type", NULL, PS_PT_ENUM, &registry_kind, NULL, ALL, 0, NAMED, PS_PF_DYNAMIC_REGISTRY},
};

/* ---- Hyper-V ---- */

/* New-VMSwitch (NVS, CFG-008): NetAdapterName (default),
 * NetAdapterInterfaceDescription, SwitchType.  No -LoadBalancingAlgorithm,
 * no -TeamingMode, no team name. */
static const struct ps_param new_vmswitch[] = {
    P("CimSession", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("ComputerName", AL("PSComputerName"), PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, ALL, 0, NAMED),
    P("Name", AL("SwitchName"), PS_PT_STRING, ALL, ALL, 0),
    P("AllowManagementOS", NULL, PS_PT_BOOL, S(0) | S(1), 0, NAMED),
    P("NetAdapterName", AL("InterfaceAlias"), PS_PT_STRING_ARRAY, S(0), S(0), NAMED),
    P("NetAdapterInterfaceDescription", AL("InterfaceDescription"), PS_PT_STRING_ARRAY, S(1), S(1),
      NAMED),
    PE("SwitchType", NULL, switch_type, S(2), S(2), NAMED),
    P("Notes", NULL, PS_PT_STRING, ALL, 0, NAMED),
    PE("MinimumBandwidthMode", NULL, bandwidth_mode, ALL, 0, NAMED),
    P("EnableIov", NULL, PS_PT_BOOL, ALL, 0, NAMED),
    P("EnablePacketDirect", NULL, PS_PT_BOOL, ALL, 0, NAMED),
    P("EnableEmbeddedTeaming", NULL, PS_PT_BOOL, ALL, 0, NAMED),
};

/* Add-VMNetworkAdapter (AVNA, CFG-019): VMName (default), ManagementOS,
 * VMObject. */
static const struct ps_param add_vmnetworkadapter[] = {
    P("CimSession", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, S(0) | S(1), 0, NAMED),
    P("VMName", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    P("ManagementOS", NULL, PS_PT_SWITCH, S(1), S(1), NAMED),
    P("SwitchName", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("IsLegacy", NULL, PS_PT_BOOL, S(0) | S(2), 0, NAMED),
    P("Name", AL("VMNetworkAdapterName"), PS_PT_STRING, ALL, 0, NAMED),
    P("DynamicMacAddress", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("StaticMacAddress", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("Passthru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("ResourcePoolName", NULL, PS_PT_STRING, S(0) | S(2), 0, NAMED),
    PR("VM", NULL, HV_VM, S(2), S(2), 0),
    PE("DeviceNaming", NULL, on_off, ALL, 0, NAMED),
};

/* Set-VMNetworkAdapterIsolation (ISO, CFG-036): VMName (default),
 * ResourceObject, ManagementOS, VMObject. */
static const struct ps_param set_vmnetworkadapterisolation[] = {
    P("VMNetworkAdapterName", NULL, PS_PT_STRING, S(0) | S(2) | S(3), 0, NAMED),
    P("CimSession", NULL, PS_PT_STRING_ARRAY, S(0) | S(2), 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, S(0) | S(2), 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, S(0) | S(2), 0, NAMED),
    P("VMName", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    PR("VMNetworkAdapter", NULL, HV_VMNA, S(1), S(1), 0),
    P("ManagementOS", NULL, PS_PT_SWITCH, S(2), S(2), NAMED),
    PR("VM", NULL, HV_VM, S(3), S(3), 0),
    PE("IsolationMode", NULL, isolation_mode, ALL, 0, NAMED),
    P("AllowUntaggedTraffic", NULL, PS_PT_BOOL, ALL, 0, NAMED),
    P("DefaultIsolationID", NULL, PS_PT_INT32, ALL, 0, NAMED),
    PE("MultiTenantStack", NULL, on_off, ALL, 0, NAMED),
    P("Passthru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Set-VMSwitchTeam (SVT, CFG-010, CFG-011, CFG-015). */
static const struct ps_param set_vmswitchteam[] = {
    P("ComputerName", AL("PSComputerName"), PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("Name", AL("SwitchName"), PS_PT_STRING_ARRAY, S(0) | S(1), S(0) | S(1), 0),
    PR("VMSwitch", NULL, HV_VMSWITCH, S(2) | S(3), S(2) | S(3), 0),
    P("NetAdapterName", AL("InterfaceAlias"), PS_PT_STRING_ARRAY, S(0) | S(3), 0, NAMED),
    P("NetAdapterInterfaceDescription", NULL, PS_PT_STRING_ARRAY, S(1) | S(2), 0, NAMED),
    PE("TeamingMode", NULL, teaming_mode, ALL, 0, NAMED),
    PE("LoadBalancingAlgorithm", NULL, lb_algorithm, ALL, 0, NAMED),
    P("Passthru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("CimSession", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, ALL, 0, NAMED),
};

/* Remove-VMSwitch (CFG-016): Name (default), SwitchObject. */
static const struct ps_param remove_vmswitch[] = {
    P("CimSession", NULL, PS_PT_STRING_ARRAY, S(0), 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, S(0), 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, S(0), 0, NAMED),
    P("Name", AL("SwitchName"), PS_PT_STRING_ARRAY, S(0), S(0), 0),
    PR("VMSwitch", NULL, HV_VMSWITCH, S(1), S(1), 0),
    P("ResourcePoolName", NULL, PS_PT_STRING_ARRAY, ALL, 0, 1),
    P("Force", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Set-VMNetworkAdapterTeamMapping (TM, CFG-017): VMName (default),
 * ManagementOS, ResourceObject, VMObject; -PhysicalNetAdapterName is
 * mandatory in every set. */
static const struct ps_param set_vmnetworkadapterteammapping[] = {
    P("ManagementOS", NULL, PS_PT_SWITCH, S(1), S(1), NAMED),
    P("CimSession", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, S(0) | S(1), 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, S(0) | S(1), 0, NAMED),
    P("VMName", NULL, PS_PT_STRING, S(0), S(0), 0),
    P("VMNetworkAdapterName", NULL, PS_PT_STRING, S(0) | S(1) | S(3), 0, NAMED),
    P("SwitchName", NULL, PS_PT_STRING, S(1), 0, NAMED),
    P("PhysicalNetAdapterName", NULL, PS_PT_STRING, ALL, ALL, NAMED),
    PR("VMNetworkAdapter", NULL, HV_VMNA, S(2), S(2), 0),
    PR("VM", NULL, HV_VM, S(3), S(3), 0),
    P("Passthru", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
};

/* Get-VMSwitchTeam: Name (default), SwitchObject. */
static const struct ps_param get_vmswitchteam[] = {
    P("Name", AL("SwitchName"), PS_PT_STRING, S(0), 0, 0),
    PR("VMSwitch", NULL, HV_VMSWITCH, S(1), 0, 0),
    P("CimSession", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, ALL, 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, ALL, 0, NAMED),
};

/* Get-VMNetworkAdapter: VMName (default), VMObject, ManagementOS, All,
 * VMSnapshot; -Name is at position 1 in every set. */
static const struct ps_param get_vmnetworkadapter[] = {
    P("IsLegacy", NULL, PS_PT_BOOL, S(0) | S(1), 0, NAMED),
    P("CimSession", NULL, PS_PT_STRING_ARRAY, S(0) | S(2) | S(3), 0, NAMED),
    P("ComputerName", NULL, PS_PT_STRING_ARRAY, S(0) | S(2) | S(3), 0, NAMED),
    PR("Credential", NULL, PSCREDENTIAL, S(0) | S(2) | S(3), 0, NAMED),
    P("VMName", NULL, PS_PT_STRING_ARRAY, S(0), S(0), 0),
    PR("VM", NULL, HV_VM, S(1), S(1), 0),
    P("Name", AL("VMNetworkAdapterName"), PS_PT_STRING, ALL, 0, 1),
    P("ManagementOS", NULL, PS_PT_SWITCH, S(2), S(2), NAMED),
    P("SwitchName", NULL, PS_PT_STRING, S(2), 0, NAMED),
    P("All", NULL, PS_PT_SWITCH, S(3), S(3), NAMED),
    {"VMSnapshot", AL("VMCheckpoint"), PS_PT_REF, NULL, HV_SNAPSHOT, S(4), S(4), 0, 0},
};

/* ---- Microsoft.PowerShell.Utility: output formatting ---- */

static const struct ps_param format_list[] = {
    P("Property", NULL, PS_PT_OBJECT_ARRAY, ALL, 0, 0),
    P("GroupBy", NULL, PS_PT_OBJECT, ALL, 0, NAMED),
    P("View", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("ShowError", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("DisplayError", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Force", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PE("Expand", NULL, format_expand, ALL, 0, NAMED),
    P("InputObject", NULL, PS_PT_OBJECT, ALL, 0, NAMED),
};

static const struct ps_param format_table[] = {
    P("AutoSize", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("HideTableHeaders", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Wrap", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Property", NULL, PS_PT_OBJECT_ARRAY, ALL, 0, 0),
    P("GroupBy", NULL, PS_PT_OBJECT, ALL, 0, NAMED),
    P("View", NULL, PS_PT_STRING, ALL, 0, NAMED),
    P("ShowError", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("DisplayError", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    P("Force", NULL, PS_PT_SWITCH, ALL, 0, NAMED),
    PE("Expand", NULL, format_expand, ALL, 0, NAMED),
    P("InputObject", NULL, PS_PT_OBJECT, ALL, 0, NAMED),
};

/* ---- the table ---- */

#define HV "Microsoft.HyperV.PowerShell.Commands."
#define SP PS_CF_SHOULD_PROCESS
#define ALLSETS SETS("__AllParameterSets")
#define NA_SETS SETS("ByName", "ByInstanceID", "InputObject (cdxml)")
#define IF_SETS SETS("ByIfAlias", "ByIfIndex")

static const struct ps_cmdlet cmdlets[] = {
    {"Install-WindowsFeature", AL("Add-WindowsFeature"), "ServerManager",
     "Microsoft.Windows.ServerManager.Commands.AddWindowsFeatureCommand",
     SETS("RunningComputer", "VhdPath", "ConfigurationFile"), 0, PARAMS(install_windowsfeature), SP},
    {"New-NetQosPolicy", NULL, "NetQos", "New-NetQosPolicy",
     SETS("ByIP5Tuple", "ByIPWellKnownPort", "ByNetworkDirectPort", "ByURI", "ByCluster", "BySMB",
          "ByNFS", "ByLiveMigration", "ByISCSI", "ByFCOE", "ByDefault"),
     0, PARAMS(new_netqospolicy), SP},
    {"Get-NetQosPolicy", NULL, "NetQos", "Get-NetQosPolicy", ALLSETS, 0, PARAMS(get_netqospolicy), 0},
    {"Enable-NetQosFlowControl", NULL, "DcbQos", "Enable-NetQosFlowControl",
     SETS("ByIfAlias", "ByIfIndex", "InputObject (cdxml)"), 0, PARAMS(netqos_flowcontrol), SP},
    {"Disable-NetQosFlowControl", NULL, "DcbQos", "Disable-NetQosFlowControl",
     SETS("ByIfAlias", "ByIfIndex", "InputObject (cdxml)"), 0, PARAMS(netqos_flowcontrol), SP},
    {"Get-NetQosFlowControl", NULL, "DcbQos", "Get-NetQosFlowControl", IF_SETS, 0,
     PARAMS(get_netqosflowcontrol), 0},
    {"New-NetQosTrafficClass", NULL, "DcbQos", "New-NetQosTrafficClass", IF_SETS, 0,
     PARAMS(new_netqostrafficclass), SP},
    {"Get-NetQosTrafficClass", NULL, "DcbQos", "Get-NetQosTrafficClass", IF_SETS, 0,
     PARAMS(get_netqostrafficclass), 0},
    {"Enable-NetAdapterQos", NULL, "NetAdapter", "Enable-NetAdapterQos", NA_SETS, 0,
     PARAMS(enable_netadapterqos), SP},
    {"Enable-NetAdapterRdma", NULL, "NetAdapter", "Enable-NetAdapterRdma", NA_SETS, 0,
     PARAMS(enable_netadapterrdma), SP | PS_CF_COMPAT_MERGE_POSITIONAL},
    {"Get-NetAdapterRdma", NULL, "NetAdapter", "Get-NetAdapterRdma", SETS("ByName", "ByInstanceID"), 0,
     PARAMS(get_netadapterrdma), 0},
    {"Disable-NetAdapter", NULL, "NetAdapter", "Disable-NetAdapter", NA_SETS, 0,
     PARAMS(netadapter_state), SP},
    {"Enable-NetAdapter", NULL, "NetAdapter", "Enable-NetAdapter", NA_SETS, 0,
     PARAMS(netadapter_state), SP},
    {"Restart-NetAdapter", NULL, "NetAdapter", "Restart-NetAdapter", NA_SETS, 0,
     PARAMS(netadapter_state), SP},
    {"Set-NetAdapterAdvancedProperty", NULL, "NetAdapter", "Set-NetAdapterAdvancedProperty", NA_SETS,
     0, PARAMS(set_netadapteradvancedproperty), SP},
    {"Set-NetAdapterVmq", NULL, "NetAdapter", "Set-NetAdapterVmq", NA_SETS, 0,
     PARAMS(set_netadaptervmq), SP},
    {"Enable-NetAdapterIPsecOffload", NULL, "NetAdapter", "Enable-NetAdapterIPsecOffload", NA_SETS,
     0, PARAMS(enable_netadapteripsecoffload), SP},
    {"Set-NetOffloadGlobalSetting", NULL, "NetTCPIP", "Set-NetOffloadGlobalSetting",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(set_netoffloadglobalsetting), SP},
    {"Set-NetQosDcbxSetting", NULL, "DcbQos", "Set-NetQosDcbxSetting",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(set_netqosdcbxsetting), SP},
    {"New-NetLbfoTeam", NULL, "NetLbfo", "New-NetLbfoTeam", ALLSETS, 0, PARAMS(new_netlbfoteam), SP},
    {"Rename-NetLbfoTeam", NULL, "NetLbfo", "Rename-NetLbfoTeam",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(rename_netlbfoteam), SP},
    {"Add-NetLbfoTeamMember", NULL, "NetLbfo", "Add-NetLbfoTeamMember",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(netlbfoteammember), SP},
    {"Remove-NetLbfoTeamMember", NULL, "NetLbfo", "Remove-NetLbfoTeamMember",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(netlbfoteammember), SP},
    {"Add-NetLbfoTeamNic", NULL, "NetLbfo", "Add-NetLbfoTeamNic", ALLSETS, 0,
     PARAMS(add_netlbfoteamnic), SP},
    {"Set-NetLbfoTeam", NULL, "NetLbfo", "Set-NetLbfoTeam",
     SETS("Query (cdxml)", "InputObject (cdxml)"), 0, PARAMS(set_netlbfoteam), SP},
    {"Set-ItemProperty", AL("sp"), "Microsoft.PowerShell.Management",
     "Microsoft.PowerShell.Commands.SetItemPropertyCommand",
     SETS("propertyValuePathSet", "propertyPSObjectPathSet", "propertyValueLiteralPathSet",
          "propertyPSObjectLiteralPathSet"),
     0, PARAMS(set_itemproperty), SP | PS_CF_TRANSACTIONS | PS_CF_DYNAMIC_REGISTRY},
    {"New-VMSwitch", NULL, "Hyper-V", HV "NewVMSwitch",
     SETS("NetAdapterName", "NetAdapterInterfaceDescription", "SwitchType"), 0, PARAMS(new_vmswitch),
     SP},
    {"Add-VMNetworkAdapter", NULL, "Hyper-V", HV "AddVMNetworkAdapter",
     SETS("VMName", "ManagementOS", "VMObject"), 0, PARAMS(add_vmnetworkadapter),
     SP | PS_CF_COMPAT_IMPLY_MANAGEMENT_OS},
    {"Set-VMNetworkAdapterIsolation", NULL, "Hyper-V", HV "SetVMNetworkAdapterIsolation",
     SETS("VMName", "ResourceObject", "ManagementOS", "VMObject"), 0,
     PARAMS(set_vmnetworkadapterisolation), SP},
    {"Set-VMSwitchTeam", NULL, "Hyper-V", HV "SetVMSwitchTeam",
     SETS("SwitchName_NetAdapterName", "SwitchName_NetAdapterInterfaceDescription",
          "SwitchObject_NetAdapterInterfaceDescription", "SwitchObject_NetAdapterName"),
     0, PARAMS(set_vmswitchteam), SP},
    {"Remove-VMSwitch", NULL, "Hyper-V", HV "RemoveVMSwitch", SETS("Name", "SwitchObject"), 0,
     PARAMS(remove_vmswitch), SP},
    {"Set-VMNetworkAdapterTeamMapping", NULL, "Hyper-V", HV "SetVMNetworkAdapterTeamMapping",
     SETS("VMName", "ManagementOS", "ResourceObject", "VMObject"), 0,
     PARAMS(set_vmnetworkadapterteammapping), SP},
    {"Get-VMSwitchTeam", NULL, "Hyper-V", HV "GetVMSwitchTeam", SETS("Name", "SwitchObject"), 0,
     PARAMS(get_vmswitchteam), 0},
    {"Get-VMNetworkAdapter", NULL, "Hyper-V", HV "GetVMNetworkAdapter",
     SETS("VMName", "VMObject", "ManagementOS", "All", "VMSnapshot"), 0,
     PARAMS(get_vmnetworkadapter), 0},
    {"Format-List", AL("fl"), "Microsoft.PowerShell.Utility",
     "Microsoft.PowerShell.Commands.FormatListCommand", ALLSETS, 0, PARAMS(format_list),
     PS_CF_FORMATTER},
    {"Format-Table", AL("ft"), "Microsoft.PowerShell.Utility",
     "Microsoft.PowerShell.Commands.FormatTableCommand", ALLSETS, 0, PARAMS(format_table),
     PS_CF_FORMATTER},
};

#define NCMDLETS (sizeof cmdlets / sizeof cmdlets[0])

size_t ps_cmdlet_count(void) { return NCMDLETS; }

const struct ps_cmdlet *ps_cmdlet_at(size_t i) { return i < NCMDLETS ? &cmdlets[i] : NULL; }

const struct ps_cmdlet *ps_cmdlet_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NCMDLETS; i++) {
        const struct ps_cmdlet *c = &cmdlets[i];
        /* Module-qualified: "Hyper-V\New-VMSwitch". */
        const char *n = name;
        size_t ml = strlen(c->module);
        if (strncasecmp(name, c->module, ml) == 0 && name[ml] == '\\')
            n = name + ml + 1;
        if (strcasecmp(n, c->name) == 0)
            return c;
        for (const char *const *a = c->aliases; a && *a; a++)
            if (n == name && strcasecmp(n, *a) == 0)
                return c;
    }
    return NULL;
}

const struct ps_param *ps_cmdlet_common_params(size_t *n)
{
    *n = sizeof common_params / sizeof common_params[0];
    return common_params;
}

const struct ps_param *ps_cmdlet_should_process_params(size_t *n)
{
    *n = sizeof should_process_params / sizeof should_process_params[0];
    return should_process_params;
}

const struct ps_param *ps_cmdlet_transaction_param(void) { return &transaction_param; }

const struct ps_param *ps_cmdlet_param(const struct ps_cmdlet *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->nparams; i++)
        if (strcasecmp(c->params[i].name, name) == 0)
            return &c->params[i];
    return NULL;
}

int ps_cmdlet_set_index(const struct ps_cmdlet *c, const char *set)
{
    for (size_t i = 0; c && set && i < c->nsets; i++)
        if (strcasecmp(c->sets[i], set) == 0)
            return (int)i;
    return -1;
}

const char *ps_ptype_name(const struct ps_param *p)
{
    switch (p->type) {
    case PS_PT_STRING: return "System.String";
    case PS_PT_STRING_ARRAY: return "System.String[]";
    case PS_PT_BYTE: return "System.Byte";
    case PS_PT_SBYTE: return "System.SByte";
    case PS_PT_UINT16: return "System.UInt16";
    case PS_PT_INT32: return "System.Int32";
    case PS_PT_UINT32: return "System.UInt32";
    case PS_PT_UINT64: return "System.UInt64";
    case PS_PT_BYTE_ARRAY: return "System.Byte[]";
    case PS_PT_BOOL: return "System.Boolean";
    case PS_PT_SWITCH: return "System.Management.Automation.SwitchParameter";
    case PS_PT_ENUM: return p->enm->type_name;
    case PS_PT_OBJECT: return "System.Object";
    case PS_PT_OBJECT_ARRAY: return "System.Object[]";
    case PS_PT_REF: return p->ref_type;
    }
    return "System.Object";
}
