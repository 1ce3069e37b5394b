/* hvhost: a Hyper-V host: its physical adapters, the host's DCB/QoS state
 * (NetQos policies, flow control, traffic classes, per-adapter QoS), its
 * virtual switches (each a vmswitch over a SET team, or over one adapter
 * without embedded teaming), and the vNICs of the management OS and of its
 * VMs, each with an IP endpoint (ipstack).
 *
 * This is the model the PowerShell effects act on: each cmdlet of the
 * scenario's `powershell:` block maps to one or a few calls here.  Errors
 * come back as negative errno plus a message that starts with the rule's
 * error code (e.g. "CFG-005 SET_E_NOT_A_SET_SWITCH: ...").
 *
 * DCB programming (CFG-030..035): an adapter gets the host's traffic
 * classes (ETS) and flow-control priorities (PFC) only while the
 * Data-Center-Bridging feature is installed, NetAdapterQos is enabled on
 * it, and a kernel debugger (if configured) does not block NetQos
 * (AllowFlowControlUnderDebugger = 1); otherwise it runs with one class,
 * no ETS split and no PFC.  Host vNIC traffic is classified by the
 * NetQos policies (NetworkDirect port for RDMA, CFG-031, DCB-011; TCP/UDP
 * ports); the priority reaches the wire only in an 802.1Q tag (DCB-004).
 */
#ifndef SETSIM_HVHOST_H
#define SETSIM_HVHOST_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "nic.h"
#include "set_team.h"
#include "sim_engine.h"
#include "trace.h"

struct hvhost;
struct ipstack;
struct vmswitch;

#define HVHOST_MAX_NAME 128

enum hvhost_os {
    HVHOST_OS_WS2016 = 0, /* the seed's platform */
    HVHOST_OS_WS2012R2,   /* no SET, no RDMA on switch-bound adapters (CFG-004, CFG-022) */
};

struct hvhost_settings {
    const char *name;        /* "hv1"; copied */
    enum hvhost_os os;
    uint32_t logical_processors; /* 0: 16 */
    uint32_t smt;            /* logical processors per core; 0: 2 (host.smt) */
    int debugger;            /* a kernel debugger is configured (CFG-035) */
    int allow_mgmt_os_default; /* CFG-009 vswitch.allow_management_os_default (1) */
    struct set_team_settings team; /* defaults for new SET teams */
    uint8_t host_index;      /* makes generated MACs unique across hosts */
    sim_time_t restart_time; /* CFG-021 model choice: how long an adapter restart
                              * keeps it down (0: down and up at the same instant) */
};

void hvhost_settings_default(struct hvhost_settings *s, const char *name);

struct hvhost *hvhost_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                             const struct hvhost_settings *s);
/* Destroys vNICs, switches, teams and NICs (NULL-safe).  The engine must be
 * destroyed first (models never touch it while being torn down). */
void hvhost_destroy(struct hvhost *h);
const char *hvhost_name(const struct hvhost *h);

/* ---- physical adapters -------------------------------------------------- */

/* Creates adapter s->name (e.g. "SLOT 2") owned by the host. */
struct nic *hvhost_add_nic(struct hvhost *h, const struct nic_settings *s);
struct nic *hvhost_nic(const struct hvhost *h, const char *name);
size_t hvhost_nic_count(const struct hvhost *h);
struct nic *hvhost_nic_at(const struct hvhost *h, size_t i);
/* Disable-/Enable-/Restart-NetAdapter on a physical adapter. */
int hvhost_nic_admin(struct hvhost *h, const char *name, int up, char *err, size_t errlen);
int hvhost_nic_restart(struct hvhost *h, const char *name, char *err, size_t errlen);

/* ---- features, registry, DCB ------------------------------------------- */

int hvhost_install_feature(struct hvhost *h, const char *feature, char *err, size_t errlen);
int hvhost_feature_installed(const struct hvhost *h, const char *feature);
/* Registry DWORD under HKLM\...\NDIS\Parameters (only the value this model
 * reads: AllowFlowControlUnderDebugger); other paths are stored and ignored. */
int hvhost_set_registry(struct hvhost *h, const char *path, const char *name, int64_t value,
                        char *err, size_t errlen);

struct hvhost_qos_policy {
    char name[HVHOST_MAX_NAME];
    uint16_t nd_port;     /* NetDirectPortMatchCondition, 0: none */
    uint16_t tcp_port;    /* IPDstPortMatchCondition with TCP, 0: none */
    uint16_t udp_port;
    int smb_template;     /* -SMB: TCP 445 */
    uint8_t priority;     /* PriorityValue8021Action */
    uint8_t precedence;   /* default 127 */
};

/* New-NetQosPolicy (CFG-031): -EEXIST QOS_E_DUPLICATE_POLICY, -EINVAL for a
 * priority above 7. */
int hvhost_qos_policy_add(struct hvhost *h, const struct hvhost_qos_policy *p, char *err,
                          size_t errlen);
size_t hvhost_qos_policy_count(const struct hvhost *h);
const struct hvhost_qos_policy *hvhost_qos_policy_at(const struct hvhost *h, size_t i);

/* Enable-/Disable-NetQosFlowControl (CFG-032): host-wide PFC priorities. */
int hvhost_flow_control(struct hvhost *h, uint8_t prio_mask, int enable, char *err,
                        size_t errlen);
uint8_t hvhost_pfc_mask(const struct hvhost *h);

/* New-NetQosTrafficClass (CFG-033): -EINVAL for a priority in use
 * (QOS_E_PRIORITY_IN_USE), shares above 100 % (QOS_E_BANDWIDTH_OVERCOMMIT),
 * or more than 7 classes. */
struct hvhost_tclass {
    char name[HVHOST_MAX_NAME];
    uint8_t prio_mask;
    uint8_t bandwidth;   /* percent */
    int ets;             /* 1: ETS, 0: Strict */
};
int hvhost_traffic_class_add(struct hvhost *h, const struct hvhost_tclass *c, char *err,
                             size_t errlen);
size_t hvhost_traffic_class_count(const struct hvhost *h);
const struct hvhost_tclass *hvhost_traffic_class_at(const struct hvhost *h, size_t i);
/* The default class: the priorities of no class, 100 minus the ETS sum. */
void hvhost_default_class(const struct hvhost *h, struct hvhost_tclass *out);

/* Enable-/Disable-NetAdapterQos (CFG-034) on a physical adapter. */
int hvhost_adapter_qos(struct hvhost *h, const char *nic, int enable, char *err, size_t errlen);
int hvhost_adapter_qos_enabled(const struct hvhost *h, const char *nic);
/* Why an adapter's DCB is not programmed: NULL when it is, else "feature",
 * "disabled" (NetAdapterQos off) or "debugger" (CFG-035). */
const char *hvhost_dcb_blocked(const struct hvhost *h, const char *nic);

/* ---- virtual switches --------------------------------------------------- */

/* New-VMSwitch with adapters: teamed when embedded_teaming (CFG-006/007
 * decide the flag before this call); allow_mgmt_os < 0 means "not given"
 * (CFG-009 default). */
int hvhost_vswitch_create(struct hvhost *h, const char *name, const char *const *nics, size_t n,
                          int embedded_teaming, int allow_mgmt_os, char *err, size_t errlen);
/* Remove-VMSwitch: the team goes with it (CFG-016); its vNICs too. */
int hvhost_vswitch_remove(struct hvhost *h, const char *name, char *err, size_t errlen);
/* Set-VMSwitchTeam -NetAdapterName (CFG-015) / -LoadBalancingAlgorithm (CFG-011). */
int hvhost_team_set_members(struct hvhost *h, const char *sw, const char *const *nics, size_t n,
                            char *err, size_t errlen);
int hvhost_team_set_mode(struct hvhost *h, const char *sw, enum set_lb_mode mode, char *err,
                         size_t errlen);
struct set_team *hvhost_team(const struct hvhost *h, const char *sw);
struct vmswitch *hvhost_vswitch(const struct hvhost *h, const char *sw);
size_t hvhost_vswitch_count(const struct hvhost *h);
const char *hvhost_vswitch_name_at(const struct hvhost *h, size_t i);
int hvhost_vswitch_is_set(const struct hvhost *h, const char *sw);

/* ---- VMs and vNICs ------------------------------------------------------ */

int hvhost_vm_add(struct hvhost *h, const char *vm, char *err, size_t errlen);
int hvhost_vm_exists(const struct hvhost *h, const char *vm);

struct hvhost_vnic_settings {
    const char *name;     /* the adapter name: "SMB_1" (shown as "vEthernet (SMB_1)"
                           * for the management OS), or the VM's adapter name */
    const char *vm;       /* NULL: management OS */
    const char *sw;       /* switch name */
    const uint8_t *mac;   /* NULL: generated from the host's pool 00:15:5D:.. */
    int has_ipv4;
    uint8_t ipv4[4];
    uint8_t prefix_len;
    uint16_t vlan;        /* 0: untagged */
    sim_time_t vmq_cost;  /* per received frame; 0: none */
};

/* Add-VMNetworkAdapter; returns a vNIC id >= 0. */
int hvhost_vnic_add(struct hvhost *h, const struct hvhost_vnic_settings *s, char *err,
                    size_t errlen);
/* Finds a vNIC by adapter name ("SMB_1" or "vEthernet (SMB_1)") of the
 * management OS (vm NULL) or of a VM; -ENOENT, or -EEXIST when several
 * match and sw does not settle it (CFG-017 SET_E_AMBIGUOUS_VNIC). */
int hvhost_vnic_find(const struct hvhost *h, const char *vm, const char *name, const char *sw);
size_t hvhost_vnic_count(const struct hvhost *h);
/* Set-VMNetworkAdapterIsolation / VLAN (CFG-036 seed semantics: VID given
 * = the vNIC's access VLAN). */
int hvhost_vnic_set_vlan(struct hvhost *h, int vnic, uint16_t vlan, char *err, size_t errlen);
/* Enable-NetAdapterRdma on a host vNIC (CFG-022). */
int hvhost_vnic_set_rdma(struct hvhost *h, int vnic, int enable, char *err, size_t errlen);
/* Set-VMNetworkAdapterTeamMapping (CFG-017, HVP-006); member NULL clears. */
int hvhost_vnic_map(struct hvhost *h, int vnic, const char *member, char *err, size_t errlen);
/* Enable-NetAdapterRdma on a physical adapter: marks it RDMA-enabled
 * (restart unless no_restart: CFG-021 member down/up). */
int hvhost_nic_set_rdma(struct hvhost *h, const char *nic, int enable, int no_restart, char *err,
                        size_t errlen);
int hvhost_nic_rdma(const struct hvhost *h, const char *nic);

/* Set-NetAdapterAdvancedProperty / Set-NetAdapterVmq: the keywords this
 * model reads (*RssBaseProcNumber, *MaxRssProcessors, *VMQ, *JumboPacket)
 * are kept for the VMQ placement rules (CFG-027, CFG-028); others are
 * accepted and ignored. */
int hvhost_nic_set_property(struct hvhost *h, const char *nic, const char *keyword,
                            const char *value, char *err, size_t errlen);
struct hvhost_nic_props {
    int rss_base;      /* *RssBaseProcNumber, -1: not set */
    int rss_max;       /* *MaxRssProcessors, -1: not set */
    int vmq_enabled;   /* *VMQ (default 1) */
    int jumbo;         /* *JumboPacket bytes, 0: not set */
    int ethernet;      /* an Ethernet adapter (CFG-002; default 1) */
    int whql;          /* WHQL-qualified (CFG-002; default 1) */
    int rdma_kind;     /* HVHOST_RDMA_NONE / _ROCE / _IWARP (the NIC model's) */
    int rss, rsc;      /* RSS / RSC on (default 1; off once switch-bound, CFG-025) */
    int ipsec_offload; /* *IPsecOffloadV2 on (CFG-026; default 0) */
    int tx_csum, rx_csum; /* checksum offloads (CFG-023; default 1) */
    /* The NIC model's RoCE engine settings; 0: the engine's default. */
    int roce_mtu;            /* RoCE path MTU the adapter is set to (256..4096) */
    int roce_go_back_0;      /* 1: go-back-0 retransmission (ConnectX-3 and older) */
    int roce_ack_timeout_exp; /* local ACK timeout 4.096 us x 2^n */
    int roce_retry_cnt;      /* 1 + retries (0: default; retries = value - 1) */
};

enum { HVHOST_RDMA_NONE = 0, HVHOST_RDMA_ROCE, HVHOST_RDMA_IWARP };

/* What the scenario's NIC model says of an adapter beyond its identity:
 * Ethernet or not, WHQL-qualified or not (CFG-002), its RDMA transport. */
int hvhost_nic_set_kind(struct hvhost *h, const char *nic, int ethernet, int whql, int rdma_kind);
/* The NIC model's RoCE engine settings (see hvhost_nic_props; 0 keeps the
 * engine's default, retry_cnt is stored + 1 so that 0 retries can be set). */
int hvhost_nic_set_roce(struct hvhost *h, const char *nic, int mtu, int go_back_0,
                        int ack_timeout_exp, int retry_cnt_plus_1);
/* The NIC model's checksum offloads (CFG-023). */
int hvhost_nic_set_offloads(struct hvhost *h, const char *nic, int tx_csum, int rx_csum);
/* CFG-023: what a switch's team advertises: Tx checksum offload only if
 * every member has it, Rx if any member has it.  -ENOENT for no switch. */
int hvhost_team_offloads(const struct hvhost *h, const char *sw, int *tx_csum, int *rx_csum);
/* New-VMSwitch -EnablePacketDirect $true: the switch's team must stay in
 * Hyper-V Port mode (CFG-012; hvhost_team_set_mode refuses Dynamic). */
int hvhost_vswitch_set_packet_direct(struct hvhost *h, const char *sw);
/* Set-NetOffloadGlobalSetting -Chimney: TCP Chimney Offload, refused with
 * a SET switch on the host (CFG-026 SET_E_CHIMNEY). */
int hvhost_set_chimney(struct hvhost *h, int enabled, char *err, size_t errlen);
/* Set-NetQosDcbxSetting -Willing: a willing host programs no DCB into its
 * adapters (CFG-035 a; hvhost_dcb_blocked says "willing"). */
void hvhost_set_dcbx_willing(struct hvhost *h, int willing);
int hvhost_dcbx_willing(const struct hvhost *h);
/* The switch an adapter is bound to (NULL: none). */
const char *hvhost_nic_switch(const struct hvhost *h, const char *nic);
int hvhost_nic_props(const struct hvhost *h, const char *nic, struct hvhost_nic_props *out);
uint32_t hvhost_logical_processors(const struct hvhost *h);
uint32_t hvhost_smt(const struct hvhost *h);
/* Gives a vNIC an IP address (the scenario's `addresses`). */
int hvhost_vnic_set_ipv4(struct hvhost *h, int vnic, const uint8_t ip[4], uint8_t prefix_len,
                         char *err, size_t errlen);

/* VM live migration (the timeline's `migrate`; Live Migration is
 * compatible with SET, CFG-023): VM vm of host src moves to host dst with
 * its vNICs - MAC, addresses, VLAN and IP stack (its neighbour cache and
 * bound sockets, so the VM's traffic goes on).  Each vNIC leaves its port
 * on src's virtual switch at once and, after `blackout` (the brownout of
 * the final copy; 0: none), gets a port on dst's switch of the same name,
 * where it is placed by dst's team like any new vPort; then dst announces
 * the VM's MAC (gratuitous ARP and unsolicited NA, as Hyper-V does after a
 * live migration) so the physical switches relearn it (a MAC move).
 * Frames the VM sends during the blackout are dropped (no_route).
 * Errors, with nothing changed: ObjectNotFound (no such VM on src),
 * InvalidOperation (src == dst, a VM of that name on dst, a migration of
 * it in progress), VirtualSwitchNotFound (dst has no switch named like one
 * of the VM's), or a MAC already in use on dst's switch. */
int hvhost_vm_migrate(struct hvhost *src, struct hvhost *dst, const char *vm, sim_time_t blackout,
                      char *err, size_t errlen);

struct hvhost_vnic_info {
    const char *name;        /* adapter name */
    const char *display;     /* "vEthernet (SMB_1)" or "vm1/Network Adapter" */
    const char *vm;          /* NULL: management OS */
    const char *sw;
    const uint8_t *mac;
    uint16_t vlan;
    int rdma;
    int port;                /* vmswitch port */
    int vport;               /* SET vPort */
    struct ipstack *stack;
};
int hvhost_vnic_info(const struct hvhost *h, int vnic, struct hvhost_vnic_info *out);
/* Priority the host's NetQos policies give frame f of vNIC vnic (-1: none). */
int hvhost_classify(const struct hvhost *h, int vnic, const struct frame *f);

#endif
