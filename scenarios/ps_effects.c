/* ps_effects: the effect of each supported cmdlet on a Hyper-V host (see
 * ps_effects.h).  One function per cmdlet; a table maps names to them. */
#include "ps_effects.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipstack.h"
#include "nic.h"
#include "set_team.h"
#include "sim_err.h"

static void warn__(struct ps_effects *fx, const struct ps_command *cmd, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void warn__(struct ps_effects *fx, const struct ps_command *cmd, const char *code,
                   const char *fmt, ...)
{
    if (!fx->warn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fx->warn(fx->warn_ctx, cmd, code, msg);
}

/* ---- parameter access ----------------------------------------------------- */

static const struct ps_value *val__(const struct ps_command *cmd, const char *name)
{
    const struct ps_bound_param *p = ps_command_param(cmd, name);
    return p ? &p->value : NULL;
}

static const char *str__(const struct ps_command *cmd, const char *name)
{
    const struct ps_value *v = val__(cmd, name);
    if (!v)
        return NULL;
    if (v->kind == PS_VAL_STRING)
        return v->s;
    if (v->kind == PS_VAL_ARRAY && v->n == 1 && v->items[0].kind == PS_VAL_STRING)
        return v->items[0].s;
    return NULL;
}

static int flag__(const struct ps_command *cmd, const char *name, int def)
{
    const struct ps_value *v = val__(cmd, name);
    if (!v)
        return def;
    if (v->kind == PS_VAL_BOOL)
        return v->b;
    if (v->kind == PS_VAL_INT)
        return v->i != 0;
    return def;
}

static int int__(const struct ps_command *cmd, const char *name, int64_t *out)
{
    const struct ps_value *v = val__(cmd, name);
    if (!v || v->kind != PS_VAL_INT)
        return 0;
    *out = v->i;
    return 1;
}

/* The strings of a string or string-array value (pointers into cmd). */
static size_t strs__(const struct ps_command *cmd, const char *name, const char **out, size_t max)
{
    const struct ps_value *v = val__(cmd, name);
    if (!v)
        return 0;
    if (v->kind == PS_VAL_STRING) {
        out[0] = v->s;
        return 1;
    }
    size_t n = 0;
    if (v->kind == PS_VAL_ARRAY)
        for (size_t i = 0; i < v->n && n < max; i++)
            if (v->items[i].kind == PS_VAL_STRING)
                out[n++] = v->items[i].s;
    return n;
}

/* A priority list (Byte[]) as a mask; -1 for a value above 7. */
static int prio_mask__(const struct ps_command *cmd, const char *name, uint8_t *mask)
{
    const struct ps_value *v = val__(cmd, name);
    *mask = 0;
    if (!v)
        return 0;
    const struct ps_value *items = v->kind == PS_VAL_ARRAY ? v->items : v;
    size_t n = v->kind == PS_VAL_ARRAY ? v->n : 1;
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind != PS_VAL_INT || items[i].i < 0 || items[i].i > 7)
            return -1;
        *mask |= (uint8_t)(1u << items[i].i);
    }
    return 0;
}

/* ---- the cmdlets ----------------------------------------------------------- */

static int install_feature__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                             size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    for (size_t i = 0; i < n; i++) {
        int rc = hvhost_install_feature(fx->host, names[i], err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int new_qos_policy__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                            size_t errlen)
{
    struct hvhost_qos_policy p = {.precedence = 127};
    const char *name = str__(cmd, "Name");
    snprintf(p.name, sizeof p.name, "%s", name ? name : "");
    int64_t v;
    if (int__(cmd, "NetDirectPortMatchCondition", &v))
        p.nd_port = (uint16_t)v;
    if (int__(cmd, "IPDstPortMatchCondition", &v) || int__(cmd, "IPPortMatchCondition", &v))
        p.tcp_port = p.udp_port = (uint16_t)v;
    const char *proto = str__(cmd, "IPProtocolMatchCondition");
    if (proto && strcasecmp(proto, "TCP") == 0)
        p.udp_port = 0;
    if (proto && strcasecmp(proto, "UDP") == 0)
        p.tcp_port = 0;
    p.smb_template = flag__(cmd, "SMB", 0);
    if (int__(cmd, "Precedence", &v))
        p.precedence = (uint8_t)(v > 255 ? 255 : v);
    if (!int__(cmd, "PriorityValue8021Action", &v)) {
        /* Only 802.1p actions reach the wire here; DSCP/throttle policies
         * are host pacer QoS (CFG-026). */
        warn__(fx, cmd, "SET_W_PACER_QOS",
               "policy '%s' has no PriorityValue8021Action: host pacer QoS does not apply to "
               "traffic through the vSwitch (CFG-026)",
               p.name);
        return 0;
    }
    if (v < 0 || v > 7) {
        sim_errf(err, errlen, "InvalidArgument: PriorityValue8021Action %lld is outside 0-7 "
                              "(CFG-031)",
                 (long long)v);
        return -EINVAL;
    }
    p.priority = (uint8_t)v;
    return hvhost_qos_policy_add(fx->host, &p, err, errlen);
}

static int flow_control__(struct ps_effects *fx, const struct ps_command *cmd, int enable,
                          char *err, size_t errlen)
{
    uint8_t mask;
    if (prio_mask__(cmd, "Priority", &mask) != 0) {
        sim_errf(err, errlen, "InvalidArgument: a priority is outside 0-7 (CFG-032)");
        return -EINVAL;
    }
    return hvhost_flow_control(fx->host, mask, enable, err, errlen);
}

static int new_traffic_class__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                               size_t errlen)
{
    struct hvhost_tclass c = {0};
    const char *name = str__(cmd, "Name");
    snprintf(c.name, sizeof c.name, "%s", name ? name : "");
    if (prio_mask__(cmd, "Priority", &c.prio_mask) != 0) {
        sim_errf(err, errlen, "InvalidArgument: a priority is outside 0-7 (CFG-033)");
        return -EINVAL;
    }
    const char *algo = str__(cmd, "Algorithm");
    c.ets = !algo || strcasecmp(algo, "ETS") == 0;
    int64_t bw = 0;
    int__(cmd, "BandwidthPercentage", &bw);
    if (bw < 0 || bw > 100) {
        sim_errf(err, errlen, "InvalidArgument: BandwidthPercentage %lld is outside 0-100",
                 (long long)bw);
        return -EINVAL;
    }
    c.bandwidth = (uint8_t)bw;
    return hvhost_traffic_class_add(fx->host, &c, err, errlen);
}

static int adapter_qos__(struct ps_effects *fx, const struct ps_command *cmd, int enable,
                         char *err, size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    for (size_t i = 0; i < n; i++) {
        int rc = hvhost_adapter_qos(fx->host, names[i], enable, err, errlen);
        if (rc)
            return rc;
        const char *why = hvhost_dcb_blocked(fx->host, names[i]);
        if (enable && why && strcmp(why, "debugger") == 0)
            warn__(fx, cmd, "DCB_W_DEBUGGER_BLOCKS",
                   "a kernel debugger blocks NetQos on '%s' until "
                   "AllowFlowControlUnderDebugger is 1 (CFG-035)",
                   names[i]);
    }
    return 0;
}

static int set_item_property__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                               size_t errlen)
{
    const char *path = str__(cmd, "Path");
    if (!path)
        path = str__(cmd, "LiteralPath");
    const char *name = str__(cmd, "Name");
    int64_t value = 0;
    if (!int__(cmd, "Value", &value)) {
        const char *s = str__(cmd, "Value");
        value = s ? strtoll(s, NULL, 0) : 0;
    }
    return hvhost_set_registry(fx->host, path ? path : "", name ? name : "", value, err, errlen);
}

/* CFG-002: every adapter named must be installed in this host; one of
 * another host's is SET_E_FOREIGN_ADAPTER (other names are left to the
 * host model's ObjectNotFound). */
static int local_adapters__(struct ps_effects *fx, const char *const *nics, size_t n, char *err,
                            size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (hvhost_nic(fx->host, nics[i]) || !fx->adapter_owner)
            continue;
        const char *owner = fx->adapter_owner(fx->owner_ctx, nics[i]);
        if (owner) {
            sim_errf(err, errlen, "CFG-002 SET_E_FOREIGN_ADAPTER: '%s' is installed in host %s; "
                                  "SET members must be installed in the host that owns the "
                                  "switch (%s)",
                     nics[i], owner, hvhost_name(fx->host));
            return -EINVAL;
        }
    }
    return 0;
}

/* CFG-002: a member without WHQL qualification is only a warning (the
 * simulator cannot certify hardware). */
static void warn_whql__(struct ps_effects *fx, const struct ps_command *cmd,
                        const char *const *nics, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct hvhost_nic_props p;
        if (hvhost_nic_props(fx->host, nics[i], &p) == 0 && !p.whql)
            warn__(fx, cmd, "SET_W_NOT_WHQL",
                   "'%s' is not WHQL-qualified; SET supports WHQL-qualified Ethernet adapters "
                   "(CFG-002)",
                   nics[i]);
    }
}

static int new_vmswitch__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                          size_t errlen)
{
    const char *name = str__(cmd, "Name");
    const char *nics[SET_MAX_MEMBERS + 1];
    size_t n = strs__(cmd, "NetAdapterName", nics, SET_MAX_MEMBERS + 1);
    if (n == 0) {
        sim_errf(err, errlen, "only external switches (-NetAdapterName) are modelled; "
                              "Internal and Private switches carry no team");
        return -ENOTSUP;
    }
    int teamed;
    switch (ps_command_teaming(cmd)) {
    case PS_TEAMING_EXPLICIT:
    case PS_TEAMING_IMPLIED: /* CFG-006 */
        teamed = 1;
        break;
    case PS_TEAMING_CONFLICT:
        sim_errf(err, errlen, "CFG-006 SET_E_MULTI_ADAPTER_NO_TEAMING: %zu adapters with "
                              "-EnableEmbeddedTeaming $false",
                 n);
        return -EINVAL;
    default:
        teamed = 0; /* CFG-007: one adapter without the flag */
    }
    int rc = local_adapters__(fx, nics, n, err, errlen);
    if (rc)
        return rc;
    int mgmt = -1;
    const struct ps_value *am = val__(cmd, "AllowManagementOS");
    if (am)
        mgmt = flag__(cmd, "AllowManagementOS", 1);
    rc = hvhost_vswitch_create(fx->host, name, nics, n, teamed, mgmt, err, errlen);
    if (rc)
        return rc;
    if (teamed && flag__(cmd, "EnablePacketDirect", 0)) {
        warn__(fx, cmd, "SET_W_LB_FORCED_HYPERVPORT",
               "Packet Direct requires Hyper-V Port load balancing (CFG-012)");
        hvhost_team_set_mode(fx->host, name, SET_LB_HYPERV_PORT, err, errlen);
        hvhost_vswitch_set_packet_direct(fx->host, name);
    }
    if (teamed) {
        warn_whql__(fx, cmd, nics, n);
        const char *bw = str__(cmd, "MinimumBandwidthMode");
        if (bw && (strcasecmp(bw, "Weight") == 0 || strcasecmp(bw, "Absolute") == 0))
            warn__(fx, cmd, "SET_W_VMQOS_UNPREDICTABLE",
                   "-MinimumBandwidthMode %s enables VM QoS on the SET switch '%s': \"the QoS "
                   "settings will cause unpredictable results\" (CFG-026)",
                   bw, name);
    }
    return 0;
}

static int add_vmnetworkadapter__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                                  size_t errlen)
{
    const char *vm = str__(cmd, "VMName");
    int mgmt = flag__(cmd, "ManagementOS", 0);
    struct hvhost_vnic_settings s = {.name = str__(cmd, "Name"),
                                     .sw = str__(cmd, "SwitchName"),
                                     .vm = mgmt ? NULL : vm};
    if (!s.name)
        s.name = "Network Adapter";
    if (!s.sw) {
        /* Add-VMNetworkAdapter without -SwitchName leaves the vNIC
         * disconnected; nothing of it reaches the network. */
        warn__(fx, cmd, "VNIC_W_NOT_CONNECTED", "vNIC '%s' is not connected to a switch",
               s.name);
        return 0;
    }
    int rc = hvhost_vnic_add(fx->host, &s, err, errlen);
    return rc < 0 ? rc : 0;
}

/* A host vNIC named by VMNetworkAdapterName / Name ("SMB_1" or "vEthernet
 * (SMB_1)"), or a VM's. */
static int find_vnic__(struct ps_effects *fx, const struct ps_command *cmd, const char *param,
                       char *err, size_t errlen)
{
    const char *name = str__(cmd, param);
    const char *vm = flag__(cmd, "ManagementOS", 0) ? NULL : str__(cmd, "VMName");
    const char *sw = str__(cmd, "SwitchName");
    if (!name)
        name = vm ? "Network Adapter" : "";
    int id = hvhost_vnic_find(fx->host, vm, name, sw);
    if (id == -EEXIST) {
        sim_errf(err, errlen, "CFG-017 SET_E_AMBIGUOUS_VNIC: several network adapters named "
                              "'%s'; give -SwitchName",
                 name);
        return id;
    }
    if (id < 0)
        sim_errf(err, errlen, "ObjectNotFound: %s has no network adapter named '%s'",
                 vm ? vm : "the management OS", name);
    return id;
}

static int set_isolation__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                           size_t errlen)
{
    int id = find_vnic__(fx, cmd, "VMNetworkAdapterName", err, errlen);
    if (id < 0)
        return id;
    const char *mode = str__(cmd, "IsolationMode");
    if (mode && strcasecmp(mode, "None") == 0)
        return hvhost_vnic_set_vlan(fx->host, id, 0, err, errlen);
    if (mode && strcasecmp(mode, "Vlan") != 0) {
        sim_errf(err, errlen, "IsolationMode %s (network virtualization) is not modelled", mode);
        return -ENOTSUP;
    }
    int64_t vid = 0;
    if (!int__(cmd, "DefaultIsolationID", &vid))
        return 0;
    if (vid < 1 || vid > 4094) {
        sim_errf(err, errlen, "CFG-036: VLAN ID %lld is outside 1-4094", (long long)vid);
        return -EINVAL;
    }
    if (!flag__(cmd, "AllowUntaggedTraffic", 0)) {
        warn__(fx, cmd, "ISO_W_NO_ALLOWUNTAGGED",
               "DefaultIsolationID has an effect only with -AllowUntaggedTraffic $true; %s "
               "(CFG-036 iso.seed_semantics)",
               fx->seed_semantics ? "applied as the seed intends" : "stored without effect");
        if (!fx->seed_semantics)
            return 0;
    }
    return hvhost_vnic_set_vlan(fx->host, id, (uint16_t)vid, err, errlen);
}

static int enable_rdma__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                         size_t errlen)
{
    const char *names[32];
    size_t n = strs__(cmd, "Name", names, 32);
    int no_restart = flag__(cmd, "NoRestart", 0);
    for (size_t i = 0; i < n; i++) {
        if (strncasecmp(names[i], "vEthernet (", 11) == 0) {
            int id = hvhost_vnic_find(fx->host, NULL, names[i], NULL);
            if (id < 0) {
                sim_errf(err, errlen, "ObjectNotFound: no adapter named '%s'", names[i]);
                return -ENOENT;
            }
            int rc = hvhost_vnic_set_rdma(fx->host, id, 1, err, errlen);
            if (rc)
                return rc;
            continue;
        }
        int rc = hvhost_nic_set_rdma(fx->host, names[i], 1, no_restart, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int set_team__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                      size_t errlen)
{
    const char *name = str__(cmd, "Name");
    const char *nics[SET_MAX_MEMBERS + 2];
    size_t n = strs__(cmd, "NetAdapterName", nics, SET_MAX_MEMBERS + 2);
    if (val__(cmd, "NetAdapterName")) {
        int rc = local_adapters__(fx, nics, n, err, errlen);
        if (!rc)
            rc = hvhost_team_set_members(fx->host, name, nics, n, err, errlen);
        if (rc)
            return rc;
        warn_whql__(fx, cmd, nics, n);
    }
    const char *lb = str__(cmd, "LoadBalancingAlgorithm");
    if (lb) {
        enum set_lb_mode mode = strcasecmp(lb, "HyperVPort") == 0 ? SET_LB_HYPERV_PORT
                                                                  : SET_LB_DYNAMIC;
        int rc = hvhost_team_set_mode(fx->host, name, mode, err, errlen);
        if (rc)
            return rc;
    }
    if (!lb && !val__(cmd, "NetAdapterName") && !hvhost_vswitch(fx->host, name ? name : "")) {
        sim_errf(err, errlen, "ObjectNotFound: no virtual switch named '%s'", name ? name : "");
        return -ENOENT;
    }
    return 0;
}

static int remove_vmswitch__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                             size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    for (size_t i = 0; i < n; i++) {
        int rc = hvhost_vswitch_remove(fx->host, names[i], err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int team_mapping__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                          size_t errlen)
{
    int id = find_vnic__(fx, cmd, "VMNetworkAdapterName", err, errlen);
    if (id < 0)
        return id;
    return hvhost_vnic_map(fx->host, id, str__(cmd, "PhysicalNetAdapterName"), err, errlen);
}

static int netadapter_state__(struct ps_effects *fx, const struct ps_command *cmd, int what,
                              char *err, size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    for (size_t i = 0; i < n; i++) {
        int rc = what == 2 ? hvhost_nic_restart(fx->host, names[i], err, errlen)
                           : hvhost_nic_admin(fx->host, names[i], what, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int advanced_property__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                               size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    const char *kw = str__(cmd, "RegistryKeyword");
    const char *dn = str__(cmd, "DisplayName");
    const char *vals[2];
    const char *value = strs__(cmd, "RegistryValue", vals, 2) ? vals[0]
                        : str__(cmd, "DisplayValue");
    int64_t iv = 0;
    if (!value && int__(cmd, "RegistryValue", &iv))
        value = NULL;
    char num[32];
    if (!value) {
        snprintf(num, sizeof num, "%lld", (long long)iv);
        value = num;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = hvhost_nic_set_property(fx->host, names[i], kw ? kw : dn, value, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int set_vmq__(struct ps_effects *fx, const struct ps_command *cmd, char *err, size_t errlen)
{
    const char *names[16];
    size_t n = strs__(cmd, "Name", names, 16);
    int64_t base, max;
    char num[32];
    for (size_t i = 0; i < n; i++) {
        if (int__(cmd, "BaseProcessorNumber", &base)) {
            snprintf(num, sizeof num, "%lld", (long long)base);
            int rc = hvhost_nic_set_property(fx->host, names[i], "*RssBaseProcNumber", num, err,
                                             errlen);
            if (rc)
                return rc;
        }
        if (int__(cmd, "MaxProcessors", &max)) {
            snprintf(num, sizeof num, "%lld", (long long)max);
            int rc = hvhost_nic_set_property(fx->host, names[i], "*MaxRssProcessors", num, err,
                                             errlen);
            if (rc)
                return rc;
        }
        const struct ps_value *en = val__(cmd, "Enabled");
        if (en) {
            int rc = hvhost_nic_set_property(fx->host, names[i], "*VMQ",
                                             flag__(cmd, "Enabled", 1) ? "1" : "0", err, errlen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---- Get-* output ----------------------------------------------------------- */

static void mac_text__(const uint8_t *m, char *buf, size_t len)
{
    snprintf(buf, len, "%02X%02X%02X%02X%02X%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int get_switch_team__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                             size_t errlen)
{
    const char *name = str__(cmd, "Name");
    int shown = 0;
    for (size_t i = 0; i < hvhost_vswitch_count(fx->host); i++) {
        const char *sw = hvhost_vswitch_name_at(fx->host, i);
        if ((name && strcasecmp(name, sw) != 0) || !hvhost_vswitch_is_set(fx->host, sw))
            continue;
        struct set_team *t = hvhost_team(fx->host, sw);
        if (fx->out) {
            /* Format-List pads every label to the longest one. */
            fprintf(fx->out, "\nName                           : %s\n"
                             "Id                             : %s\n"
                             "NetAdapterInterfaceDescription : {",
                    sw, sw);
            for (size_t m = 0; m < set_team_member_count(t); m++)
                fprintf(fx->out, "%s%s", m ? ", " : "",
                        nic_identity(set_team_member(t, (int)m))->model);
            fprintf(fx->out, "}\nTeamingMode                    : SwitchIndependent\n"
                             "LoadBalancingAlgorithm         : %s\n",
                    set_team_mode(t) == SET_LB_DYNAMIC ? "Dynamic" : "HyperVPort");
        }
        shown++;
    }
    if (name && !shown) {
        sim_errf(err, errlen, "ObjectNotFound: no SET switch named '%s'", name);
        return -ENOENT;
    }
    return 0;
}

static int get_vmnetworkadapter__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                                  size_t errlen)
{
    (void)err;
    (void)errlen;
    int mgmt = flag__(cmd, "ManagementOS", 0), all = flag__(cmd, "All", 0);
    const char *vm = str__(cmd, "VMName");
    if (!fx->out)
        return 0;
    fprintf(fx->out, "\nName                 IsManagementOs VMName SwitchName   MacAddress   "
                     "Status IPAddresses\n"
                     "----                 -------------- ------ ----------   ----------   "
                     "------ -----------\n");
    for (size_t i = 0; i < hvhost_vnic_count(fx->host); i++) {
        struct hvhost_vnic_info vi;
        if (hvhost_vnic_info(fx->host, (int)i, &vi) != 0)
            continue;
        if (!all && mgmt && vi.vm)
            continue;
        if (!all && vm && (!vi.vm || strcasecmp(vi.vm, vm) != 0))
            continue;
        char mac[16];
        mac_text__(vi.mac, mac, sizeof mac);
        fprintf(fx->out, "%-20s %-14s %-6s %-12s %s Ok\n", vi.name, vi.vm ? "False" : "True",
                vi.vm ? vi.vm : "", vi.sw, mac);
    }
    return 0;
}

static int get_qos_policy__(struct ps_effects *fx)
{
    for (size_t i = 0; fx->out && i < hvhost_qos_policy_count(fx->host); i++) {
        const struct hvhost_qos_policy *p = hvhost_qos_policy_at(fx->host, i);
        fprintf(fx->out, "\nName           : %s\nOwner          : Group Policy (Machine)\n"
                         "NetworkProfile : All\nPrecedence     : %u\nJobObject      :\n",
                p->name, p->precedence);
        if (p->nd_port)
            fprintf(fx->out, "NetDirectPort  : %u\n", p->nd_port);
        if (p->smb_template)
            fprintf(fx->out, "Template       : SMB\n");
        fprintf(fx->out, "PriorityValue  : %u\n", p->priority);
    }
    return 0;
}

static int get_flow_control__(struct ps_effects *fx)
{
    uint8_t mask = hvhost_pfc_mask(fx->host);
    if (!fx->out)
        return 0;
    fprintf(fx->out, "\nPriority   Enabled    PolicySet        IfIndex IfAlias\n"
                     "--------   -------    ---------        ------- -------\n");
    for (int p = 0; p < 8; p++)
        fprintf(fx->out, "%-10d %-10s Global\n", p, (mask & (1u << p)) ? "True" : "False");
    return 0;
}

/* Priorities as Get-NetQosTrafficClass shows them: runs as ranges
 * ("0-2,4-7"). */
static void range_text__(uint8_t mask, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int p = 0; p < 8; p++) {
        if (!(mask & (1u << p)))
            continue;
        int q = p;
        while (q < 7 && (mask & (1u << (q + 1))))
            q++;
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, q > p ? "%s%d-%d" : "%s%d",
                              o ? "," : "", p, q);
        p = q;
    }
}

static int get_traffic_class__(struct ps_effects *fx)
{
    if (!fx->out)
        return 0;
    fprintf(fx->out, "\nName                      Algorithm Bandwidth(%%) Priority                  "
                     "PolicySet        IfIndex IfAlias\n"
                     "----                      --------- ------------ --------                  "
                     "---------        ------- -------\n");
    struct hvhost_tclass def;
    hvhost_default_class(fx->host, &def);
    char pr[32];
    range_text__(def.prio_mask, pr, sizeof pr);
    fprintf(fx->out, "%-25s %-9s %-12u %-25s Global\n", def.name, "ETS", def.bandwidth, pr);
    for (size_t i = 0; i < hvhost_traffic_class_count(fx->host); i++) {
        const struct hvhost_tclass *c = hvhost_traffic_class_at(fx->host, i);
        range_text__(c->prio_mask, pr, sizeof pr);
        fprintf(fx->out, "%-25s %-9s %-12u %-25s Global\n", c->name, c->ets ? "ETS" : "Strict",
                c->bandwidth, pr);
    }
    return 0;
}

static int get_rdma__(struct ps_effects *fx, const struct ps_command *cmd)
{
    if (!fx->out)
        return 0;
    int list = cmd->format && strcmp(cmd->format->name, "Format-List") == 0;
    if (!list)
        fprintf(fx->out, "\nName                      InterfaceDescription                     Enabled\n"
                         "----                      --------------------                     -------\n");
    for (size_t i = 0; i < hvhost_nic_count(fx->host); i++) {
        struct nic *n = hvhost_nic_at(fx->host, i);
        int en = hvhost_nic_rdma(fx->host, nic_name(n));
        if (list)
            fprintf(fx->out, "\nName                    : %s\nInterfaceDescription    : %s\n"
                             "Enabled                 : %s\nMaxQueuePairCount       : %u\n"
                             "MaxCompletionQueueCount : %u\nMaxMemoryRegionCount    : %u\n",
                    nic_name(n), nic_identity(n)->model, en ? "True" : "False", en ? 4096u : 0u,
                    en ? 2048u : 0u, en ? 8192u : 0u);
        else
            fprintf(fx->out, "%-25s %-40s %s\n", nic_name(n), nic_identity(n)->model,
                    en ? "True" : "False");
    }
    for (size_t i = 0; i < hvhost_vnic_count(fx->host); i++) {
        struct hvhost_vnic_info vi;
        if (hvhost_vnic_info(fx->host, (int)i, &vi) != 0 || vi.vm)
            continue;
        /* CFG-022: a vNIC's capabilities come from RDMA-enabled members. */
        struct set_team *t = hvhost_team(fx->host, vi.sw);
        unsigned members = 0;
        for (size_t m = 0; t && m < set_team_member_count(t); m++)
            members += hvhost_nic_rdma(fx->host, nic_name(set_team_member(t, (int)m))) != 0;
        unsigned caps = vi.rdma ? members : 0;
        if (vi.rdma && !caps)
            warn__(fx, cmd, "RDMA_W_ZERO_CAPS",
                   "%s has RDMA enabled but no RDMA-enabled member: its capabilities are 0 "
                   "(CFG-022)",
                   vi.display);
        if (list)
            fprintf(fx->out, "\nName                    : %s\nEnabled                 : %s\n"
                             "MaxQueuePairCount       : %u\nMaxCompletionQueueCount : %u\n"
                             "MaxMemoryRegionCount    : %u\n",
                    vi.display, vi.rdma ? "True" : "False", 4096u * caps, 2048u * caps,
                    8192u * caps);
        else
            fprintf(fx->out, "%-25s %-40s %s\n", vi.display, "Hyper-V Virtual Ethernet Adapter",
                    vi.rdma ? "True" : "False");
    }
    return 0;
}

/* Enable-NetAdapterIPsecOffload: *IPsecOffloadV2 on (CFG-026). */
static int ipsec_offload__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                           size_t errlen)
{
    const char *names[32];
    size_t n = strs__(cmd, "Name", names, 32);
    for (size_t i = 0; i < n; i++) {
        int rc = hvhost_nic_set_property(fx->host, names[i], "*IPsecOffloadV2", "3", err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* Set-NetOffloadGlobalSetting: only -Chimney has an effect (CFG-026). */
static int offload_global__(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                            size_t errlen)
{
    const char *ch = str__(cmd, "Chimney");
    if (!ch)
        return 0;
    return hvhost_set_chimney(fx->host, strcasecmp(ch, "Disabled") != 0, err, errlen);
}

/* Set-NetQosDcbxSetting -Willing (CFG-035 a). */
static int dcbx_setting__(struct ps_effects *fx, const struct ps_command *cmd)
{
    if (!val__(cmd, "Willing"))
        return 0;
    int willing = flag__(cmd, "Willing", 0);
    hvhost_set_dcbx_willing(fx->host, willing);
    if (willing)
        warn__(fx, cmd, "DCB_W_DCBX_WILLING",
               "the host accepts DCB settings from its peers: NetQos traffic classes and flow "
               "control are not programmed into its adapters (CFG-035)");
    return 0;
}

/* NIC Teaming (LBFO) cmdlets: a SET team has no LBFO team (CFG-013). */
static int lbfo__(struct ps_effects *fx, const struct ps_command *cmd, char *err, size_t errlen)
{
    const char *target = str__(cmd, strstr(cmd->name, "Member") || strstr(cmd->name, "TeamNic")
                                        ? "Team"
                                        : "Name");
    if (target && hvhost_vswitch_is_set(fx->host, target))
        sim_errf(err, errlen, "CFG-013 SET_E_NOT_LBFO: '%s' is a SET switch; a SET team has no "
                              "name, no team interface and no LBFO team (manage it with "
                              "Set-VMSwitchTeam)",
                 target);
    else
        sim_errf(err, errlen, "CFG-013 SET_E_NOT_LBFO: %s manages an LBFO (NIC Teaming) team, "
                              "which this model does not have; SET teams are created with "
                              "New-VMSwitch and changed with Set-VMSwitchTeam",
                 cmd->name);
    return -ENOTSUP;
}

/* ---- dispatch ------------------------------------------------------------------ */

/* The parameters whose several values the effects use (strs__ and
 * prio_mask__ above); the effects read every other parameter as one value
 * (str__), so a list there is refused before the effect runs, instead of
 * being read as no value at all. */
static const struct {
    const char *cmdlet, *param;
} list_params__[] = {
    {"Install-WindowsFeature", "Name"},
    {"Enable-NetAdapterQos", "Name"},
    {"Disable-NetAdapterQos", "Name"},
    {"Enable-NetAdapterRdma", "Name"},
    {"Disable-NetAdapter", "Name"},
    {"Enable-NetAdapter", "Name"},
    {"Restart-NetAdapter", "Name"},
    {"Set-NetAdapterAdvancedProperty", "Name"},
    {"Set-NetAdapterAdvancedProperty", "RegistryValue"},
    {"Set-NetAdapterVmq", "Name"},
    {"Enable-NetAdapterIPsecOffload", "Name"},
    {"New-VMSwitch", "NetAdapterName"},
    {"Set-VMSwitchTeam", "NetAdapterName"},
    {"Remove-VMSwitch", "Name"},
    {"New-NetQosTrafficClass", "Priority"},
    {"Enable-NetQosFlowControl", "Priority"},
    {"Disable-NetQosFlowControl", "Priority"},
};

static int takes_list__(const char *cmdlet, const char *param)
{
    for (size_t i = 0; i < sizeof list_params__ / sizeof list_params__[0]; i++)
        if (strcmp(list_params__[i].cmdlet, cmdlet) == 0 &&
            strcmp(list_params__[i].param, param) == 0)
            return 1;
    return 0;
}

/* -EINVAL with a message when a parameter read as one value has several
 * (PowerShell would run the cmdlet once per object named; the model names
 * one object per command). */
static int one_value_each__(const struct ps_command *cmd, char *err, size_t errlen)
{
    for (size_t i = 0; i < cmd->nparams; i++) {
        const struct ps_bound_param *p = &cmd->params[i];
        if (p->common || p->value.kind != PS_VAL_ARRAY || p->value.n < 2 ||
            takes_list__(cmd->name, p->name))
            continue;
        sim_errf(err, errlen,
                 "NotImplemented: -%s has %zu values; this model applies %s to one object "
                 "at a time, so give -%s one value per command",
                 p->name, p->value.n, cmd->name, p->name);
        return -EINVAL;
    }
    return 0;
}

int ps_effects_apply(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                     size_t errlen)
{
    const char *c = cmd->name;
    int rc = one_value_each__(cmd, err, errlen);
    if (rc)
        return rc;
    if (strcmp(c, "Install-WindowsFeature") == 0)
        return install_feature__(fx, cmd, err, errlen);
    if (strcmp(c, "New-NetQosPolicy") == 0)
        return new_qos_policy__(fx, cmd, err, errlen);
    if (strcmp(c, "Enable-NetQosFlowControl") == 0)
        return flow_control__(fx, cmd, 1, err, errlen);
    if (strcmp(c, "Disable-NetQosFlowControl") == 0)
        return flow_control__(fx, cmd, 0, err, errlen);
    if (strcmp(c, "New-NetQosTrafficClass") == 0)
        return new_traffic_class__(fx, cmd, err, errlen);
    if (strcmp(c, "Enable-NetAdapterQos") == 0)
        return adapter_qos__(fx, cmd, 1, err, errlen);
    if (strcmp(c, "Disable-NetAdapterQos") == 0)
        return adapter_qos__(fx, cmd, 0, err, errlen);
    if (strcmp(c, "Set-ItemProperty") == 0)
        return set_item_property__(fx, cmd, err, errlen);
    if (strcmp(c, "New-VMSwitch") == 0)
        return new_vmswitch__(fx, cmd, err, errlen);
    if (strcmp(c, "Add-VMNetworkAdapter") == 0)
        return add_vmnetworkadapter__(fx, cmd, err, errlen);
    if (strcmp(c, "Enable-NetAdapterRdma") == 0)
        return enable_rdma__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-VMNetworkAdapterIsolation") == 0)
        return set_isolation__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-VMSwitchTeam") == 0)
        return set_team__(fx, cmd, err, errlen);
    if (strcmp(c, "Remove-VMSwitch") == 0)
        return remove_vmswitch__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-VMNetworkAdapterTeamMapping") == 0)
        return team_mapping__(fx, cmd, err, errlen);
    if (strcmp(c, "Disable-NetAdapter") == 0)
        return netadapter_state__(fx, cmd, 0, err, errlen);
    if (strcmp(c, "Enable-NetAdapter") == 0)
        return netadapter_state__(fx, cmd, 1, err, errlen);
    if (strcmp(c, "Restart-NetAdapter") == 0)
        return netadapter_state__(fx, cmd, 2, err, errlen);
    if (strcmp(c, "Set-NetAdapterAdvancedProperty") == 0)
        return advanced_property__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-NetAdapterVmq") == 0)
        return set_vmq__(fx, cmd, err, errlen);
    if (strcmp(c, "Get-VMSwitchTeam") == 0)
        return get_switch_team__(fx, cmd, err, errlen);
    if (strcmp(c, "Get-VMNetworkAdapter") == 0)
        return get_vmnetworkadapter__(fx, cmd, err, errlen);
    if (strcmp(c, "Get-NetQosPolicy") == 0)
        return get_qos_policy__(fx);
    if (strcmp(c, "Get-NetQosFlowControl") == 0)
        return get_flow_control__(fx);
    if (strcmp(c, "Get-NetQosTrafficClass") == 0)
        return get_traffic_class__(fx);
    if (strcmp(c, "Get-NetAdapterRdma") == 0)
        return get_rdma__(fx, cmd);
    if (strcmp(c, "Enable-NetAdapterIPsecOffload") == 0)
        return ipsec_offload__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-NetOffloadGlobalSetting") == 0)
        return offload_global__(fx, cmd, err, errlen);
    if (strcmp(c, "Set-NetQosDcbxSetting") == 0)
        return dcbx_setting__(fx, cmd);
    if (strstr(c, "NetLbfo"))
        return lbfo__(fx, cmd, err, errlen);
    sim_errf(err, errlen, "CommandNotFoundException: %s has no effect model", c);
    return -ENOTSUP;
}
