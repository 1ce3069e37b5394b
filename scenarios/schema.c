/* schema: the key tables of scenario files (see schema.h).  Tables are
 * listed innermost first, since each refers to the ones below it; the
 * docs render them outermost first.  A default is what the builder uses
 * when the key is absent; keep the "def" text and the builder in step. */
#include "schema.h"

#include <errno.h>

/* ---- value lists ------------------------------------------------------ */

const char *const schema_rdma_values[] = {"none", "roce", "iwarp", NULL};
const char *const schema_media_values[] = {"ethernet", "infiniband", "wifi", NULL};
const char *const schema_roce_mtu_values[] = {"256", "512", "1024", "2048", "4096", NULL};
const char *const schema_roce_retx_values[] = {"go-back-n", "go-back-0", NULL};
const char *const schema_os_values[] = {"ws2016", "ws2012r2", NULL};
const char *const schema_port_mode_values[] = {"access", "trunk", NULL};
const char *const schema_xoff_mode_values[] = {"static", "dynamic", NULL};
const char *const schema_watchdog_values[] = {"off", "drain", "ignore", NULL};
const char *const schema_tsa_values[] = {"strict", "ets", NULL};
const char *const schema_traffic_kind_values[] = {"tcp", "udp", "roce", "iwarp", "smb", NULL};
const char *const schema_pattern_values[] = {"bulk", "constant", "onoff", "cdf", "rr", "incast",
                                             NULL};
const char *const schema_operation_values[] = {"write", "read", NULL};
const char *const schema_distribution_values[] = {"fixed", "exponential", NULL};
const char *const schema_congestion_values[] = {"newreno", "cubic", NULL};

/* ---- scenario --------------------------------------------------------- */

static const struct ydoc_key scenario_keys[] = {
    {.name = "name", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Name of the scenario, recorded in the run's metadata."},
    {.name = "duration", .type = YDOC_T_TIME, .flags = YDOC_K_REQUIRED,
     .doc = "Simulated time the run lasts."},
    {.name = "seed", .type = YDOC_T_UINT, .def = "1",
     .doc = "Seed of every random stream; `setsim run --seed` overrides it."},
    {.name = "seed_compat", .type = YDOC_T_BOOL, .def = "false",
     .doc = "Bind the seed's defective command lines as the seed intends (CFG-019, CFG-020), "
            "with warnings, as `setsim run --seed-compat` does (which also turns it on)."},
    {.name = "sample_interval", .type = YDOC_T_TIME, .def = "100us",
     .doc = "Interval of the periodic samples in run.sqlite (throughput, queues, pause, "
            "affinity; docs/results.md); `0s`: no samples."},
    {.name = "capture_snaplen", .type = YDOC_T_INT, .min = 64, .max = 262144, .unit = "bytes",
     .def = "256",
     .doc = "Bytes of each frame capture.pcapng keeps (the headers; the simulated payload is "
            "zeros). 262144 keeps whole frames: then Wireshark checks each RoCE frame's ICRC, and "
            "its InfiniBand dissector no longer writes \"Invalid Packet Length from LRH! "
            "[Malformed Packet]\" in the Info column of RoCE frames cut short (their payload "
            "was not captured; nothing is malformed)."},
    {0},
};

static const struct ydoc_schema scenario_schema = {
    .name = "scenario", .title = "Scenario", .keys = scenario_keys,
    .doc = "What the run is called, how long it lasts and its random seed.",
};

/* ---- NIC models --------------------------------------------------------- */

static const struct ydoc_key nic_model_keys[] = {
    {.name = "manufacturer", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Manufacturer as Get-NetAdapter shows it; SET members must be identical (CFG-003)."},
    {.name = "model", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Model name (the adapter's description)."},
    {.name = "firmware", .type = YDOC_T_STR, .def = "",
     .doc = "Firmware version; part of the identity SET compares."},
    {.name = "driver", .type = YDOC_T_STR, .def = "",
     .doc = "Driver version; part of the identity SET compares."},
    {.name = "rate", .type = YDOC_T_RATE, .flags = YDOC_K_REQUIRED,
     .doc = "Link rate."},
    {.name = "vmq_queues", .type = YDOC_T_INT, .min = 0, .max = 1024, .def = "16",
     .doc = "VMQ receive queues the adapter offers (CFG-027)."},
    {.name = "rdma", .type = YDOC_T_ENUM, .values = schema_rdma_values, .def = "none",
     .doc = "RDMA transport the adapter offers."},
    {.name = "roce_mtu", .type = YDOC_T_ENUM, .values = schema_roce_mtu_values, .def = "1024",
     .doc = "RoCE path MTU the adapter is set to (rdma: roce); it uses the largest IB MTU up to "
            "this whose packets fit its Ethernet MTU (*JumboPacket; 1024 at 1500 bytes)."},
    {.name = "roce_retransmission", .type = YDOC_T_ENUM, .values = schema_roce_retx_values,
     .def = "go-back-n",
     .doc = "rdma: roce: after a loss, resend from the lost packet (go-back-n, ConnectX-4 and "
            "later) or the whole message (go-back-0, ConnectX-3 and older)."},
    {.name = "roce_ack_timeout_exp", .type = YDOC_T_INT, .min = 1, .max = 31, .def = "12",
     .doc = "rdma: roce: local ACK timeout 4.096 us x 2^n (12: 16.8 ms)."},
    {.name = "roce_retry_count", .type = YDOC_T_INT, .min = 0, .max = 7, .def = "7",
     .doc = "rdma: roce: ACK timeouts in a row a queue pair survives before it goes to error."},
    {.name = "media", .type = YDOC_T_ENUM, .values = schema_media_values, .def = "ethernet",
     .doc = "Physical medium; a SET team takes Ethernet adapters only (CFG-002)."},
    {.name = "whql", .type = YDOC_T_BOOL, .def = "true",
     .doc = "WHQL-qualified; a SET member that is not is a warning (CFG-002)."},
    {.name = "tx_checksum_offload", .type = YDOC_T_BOOL, .def = "true",
     .doc = "Transmit checksum offload (IPv4, IPv6, TCP); a SET team has it only if every "
            "member has it (CFG-023)."},
    {.name = "rx_checksum_offload", .type = YDOC_T_BOOL, .def = "true",
     .doc = "Receive checksum offload; a SET team has it if any member has it (CFG-023)."},
    {0},
};

static const struct ydoc_schema nic_model_schema = {
    .name = "model", .title = "NIC model", .keys = nic_model_keys,
    .doc = "A kind of physical adapter; hosts name it for each of their NICs.",
};

/* ---- switches ------------------------------------------------------------ */

static const struct ydoc_key pfc_keys[] = {
    {.name = "priorities", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 0, .max = 7,
     .max_items = 8, .def = "[]",
     .doc = "Lossless priorities: PFC XOFF/XON is sent for them and honoured when received."},
    {.name = "xoff_mode", .type = YDOC_T_ENUM, .values = schema_xoff_mode_values,
     .def = "static", .doc = "static: XOFF at `xoff` bytes; dynamic: at `alpha` x free buffer."},
    {.name = "xoff", .type = YDOC_T_SIZE, .def = "96KiB",
     .doc = "Ingress bytes per port and priority that trigger XOFF (static mode)."},
    {.name = "xon", .type = YDOC_T_SIZE, .def = "xoff / 2",
     .doc = "Ingress bytes per port and priority at which XON is sent."},
    {.name = "alpha", .type = YDOC_T_DOUBLE, .min = 0.0001, .max = 64, .def = "0.125",
     .doc = "Dynamic mode: XOFF threshold as a fraction of the free shared buffer."},
    {.name = "headroom", .type = YDOC_T_SIZE, .def = "computed",
     .doc = "Bytes per port and lossless priority absorbed after XOFF; computed from rate, "
            "cable length, MTU and the peer's response time when absent."},
    {.name = "quanta", .type = YDOC_T_INT, .min = 1, .max = 65535, .unit = "512 bit times",
     .def = "65535", .doc = "Pause time carried in XOFF frames."},
    {.name = "watchdog", .type = YDOC_T_ENUM, .values = schema_watchdog_values, .def = "off",
     .doc = "PFC watchdog on a queue paused longer than `watchdog_time`: drop its frames "
            "(drain) or keep sending (ignore)."},
    {.name = "watchdog_time", .type = YDOC_T_TIME, .def = "200ms",
     .doc = "Time paused after which the watchdog acts."},
    {0},
};

static const struct ydoc_schema pfc_schema = {
    .name = "pfc", .title = "PFC", .keys = pfc_keys,
    .doc = "Priority flow control (802.1Qbb) and the shared-buffer thresholds.",
};

static const struct ydoc_key ets_keys[] = {
    {.name = "priorities", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 0, .max = 7,
     .min_items = 1, .max_items = 8, .flags = YDOC_K_REQUIRED,
     .doc = "Priorities mapped to this traffic class."},
    {.name = "algorithm", .type = YDOC_T_ENUM, .values = schema_tsa_values, .def = "ets",
     .doc = "Transmission selection: strict priority, or ETS bandwidth share."},
    {.name = "bandwidth", .type = YDOC_T_INT, .min = 0, .max = 100, .unit = "%", .def = "0",
     .doc = "ETS share of the link; the shares of a port add up to 100."},
    {.name = "name", .type = YDOC_T_STR, .def = "TCn",
     .doc = "Label of the class in reports."},
    {0},
};

static const struct ydoc_schema ets_schema = {
    .name = "class", .title = "ETS traffic class", .keys = ets_keys,
    .doc = "One traffic class of every port's egress (802.1Qaz); the list order is the class "
           "number.  Priorities in no class are in class 0.",
};

static const struct ydoc_key ecn_keys[] = {
    {.name = "kmin", .type = YDOC_T_SIZE, .flags = YDOC_K_REQUIRED,
     .doc = "Egress queue bytes above which marking starts."},
    {.name = "kmax", .type = YDOC_T_SIZE, .flags = YDOC_K_REQUIRED,
     .doc = "Egress queue bytes at which the probability reaches `pmax`."},
    {.name = "pmax", .type = YDOC_T_DOUBLE, .min = 0.0, .max = 1.0, .flags = YDOC_K_REQUIRED,
     .doc = "Marking probability at `kmax` (RED-style, linear from `kmin`)."},
    {0},
};

static const struct ydoc_schema ecn_schema = {
    .name = "priority", .title = "ECN marking", .keys = ecn_keys,
    .doc = "ECN marking of ECT frames of one priority (the key, 0..7), as DCQCN expects.",
};

static const struct ydoc_key port_keys[] = {
    {.name = "mode", .type = YDOC_T_ENUM, .values = schema_port_mode_values, .def = "access",
     .doc = "access: untagged frames in `vlan`; trunk: tagged frames of `vlans`."},
    {.name = "vlan", .type = YDOC_T_INT, .min = 0, .max = 4094, .def = "1",
     .doc = "Access VLAN, or the trunk's native VLAN (0: none)."},
    {.name = "vlans", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 1, .max = 4094,
     .def = "all", .doc = "VLANs a trunk carries."},
    {.name = "default_priority", .type = YDOC_T_INT, .min = 0, .max = 7, .def = "0",
     .doc = "Priority given to untagged frames received (DCB-004)."},
    {.name = "headroom", .type = YDOC_T_SIZE, .def = "pfc.headroom",
     .doc = "PFC headroom of these ports."},
    {0},
};

static const struct ydoc_schema port_schema = {
    .name = "ports", .title = "Switch ports", .keys = port_keys,
    .doc = "Settings of some ports: the key is a port (`3`), a range (`1-8`) or `all`; later "
           "entries override earlier ones.",
};

static const struct ydoc_key switch_keys[] = {
    {.name = "ports", .type = YDOC_T_INT, .min = 1, .max = 256, .flags = YDOC_K_REQUIRED,
     .doc = "Front-panel ports, numbered from 1."},
    {.name = "buffer", .type = YDOC_T_SIZE, .def = "12MB",
     .doc = "Shared packet buffer."},
    {.name = "mtu", .type = YDOC_T_INT, .min = 64, .max = 16384, .unit = "bytes", .def = "1522",
     .doc = "Largest frame, used for PFC headroom."},
    {.name = "pfc", .type = YDOC_T_MAP, .sub = &pfc_schema,
     .doc = "Priority flow control; none when absent."},
    {.name = "ets", .type = YDOC_T_SEQ_OF, .sub = &ets_schema, .def = "one class, 100 %",
     .doc = "Egress traffic classes of every port."},
    {.name = "ecn", .type = YDOC_T_MAP_OF, .item = YDOC_T_INT, .min = 0, .max = 7,
     .sub = &ecn_schema, .doc = "ECN marking per priority; none when absent."},
    {.name = "port_config", .type = YDOC_T_MAP_OF, .sub = &port_schema,
     .def = "access, VLAN 1", .doc = "VLAN mode and priority settings of ports."},
    {.name = "aging", .type = YDOC_T_TIME, .def = "300s",
     .doc = "MAC table aging time."},
    {0},
};

static const struct ydoc_schema switch_schema = {
    .name = "switch", .title = "Switch", .keys = switch_keys,
    .doc = "A physical switch (the ToR the hosts are cabled to): learning MAC table per VLAN, "
           "shared buffer, PFC, ETS and ECN.",
};

/* ---- hosts --------------------------------------------------------------- */

static const struct ydoc_key host_nic_keys[] = {
    {.name = "model", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "A key of `nic_models`."},
    {.name = "rate", .type = YDOC_T_RATE, .def = "the model's",
     .doc = "Link rate of this adapter."},
    {.name = "mac", .type = YDOC_T_STR, .def = "generated",
     .doc = "Permanent MAC address, `02-00-00-00-01-02` or `02:00:00:00:01:02`."},
    {.name = "vmq_queues", .type = YDOC_T_INT, .min = 0, .max = 1024, .def = "the model's",
     .doc = "VMQ receive queues of this adapter."},
    {0},
};

static const struct ydoc_schema host_nic_schema = {
    .name = "adapter", .title = "Host adapter", .keys = host_nic_keys, .shorthand = "model",
    .doc = "A physical adapter of the host; the key is its name as Windows shows it "
           "(`SLOT 2`), the name the PowerShell block uses.",
};

static const struct ydoc_key vnic_keys[] = {
    {.name = "name", .type = YDOC_T_STR, .def = "Network Adapter",
     .doc = "vNIC name, as Add-VMNetworkAdapter -Name."},
    {.name = "switch", .type = YDOC_T_STR, .def = "the host's only virtual switch",
     .doc = "Virtual switch the vNIC is connected to."},
    {.name = "ip", .type = YDOC_T_STR, .def = "none",
     .doc = "IPv4 or IPv6 address with prefix length, e.g. `10.0.0.11/24`."},
    {.name = "mac", .type = YDOC_T_STR, .def = "generated", .doc = "vNIC MAC address."},
    {.name = "vlan", .type = YDOC_T_INT, .min = 0, .max = 4094, .def = "0",
     .doc = "Access VLAN of the vNIC's switch port (0: untagged)."},
    {0},
};

static const struct ydoc_schema vnic_schema = {
    .name = "vnic", .title = "VM network adapter", .keys = vnic_keys, .shorthand = "ip",
    .doc = "A network adapter of a VM.",
};

static const struct ydoc_key vm_keys[] = {
    {.name = "name", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "VM name; unique across the scenario, since `migrate` moves it between hosts."},
    {.name = "vnics", .type = YDOC_T_SEQ_OF, .sub = &vnic_schema, .def = "one vNIC",
     .doc = "The VM's network adapters (more can be added by the PowerShell block)."},
    {.name = "count", .type = YDOC_T_INT, .min = 0, .max = 256, .def = "1",
     .doc = "Makes this many VMs from the entry, numbered 1..count: `{n}` in `name` and in "
            "each vNIC's `name`, `mac` and `ip` becomes the number (`vm{n}`, `10.0.1.{n}/24`)."},
    {0},
};

static const struct ydoc_schema vm_schema = {
    .name = "vm", .title = "Virtual machine", .keys = vm_keys, .shorthand = "name",
    .doc = "A VM on the host.",
};

static const struct ydoc_key host_address_keys[] = {
    {.name = "ip", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "IPv4 or IPv6 address with prefix length."},
    {.name = "vlan", .type = YDOC_T_INT, .min = 0, .max = 4094, .def = "0",
     .doc = "VLAN of the address's vNIC when the PowerShell block sets none."},
    {0},
};

static const struct ydoc_schema host_address_schema = {
    .name = "adapter", .title = "Host address", .keys = host_address_keys, .shorthand = "ip",
    .doc = "An IP address of a management-OS adapter; the key is the adapter's name "
           "(`vEthernet (SMB_1)`).",
};

static const struct ydoc_key host_keys[] = {
    {.name = "os", .type = YDOC_T_ENUM, .values = schema_os_values, .def = "ws2016",
     .doc = "Windows Server version (ws2012r2 has no SET, CFG-004)."},
    {.name = "nics", .type = YDOC_T_MAP_OF, .sub = &host_nic_schema, .flags = YDOC_K_REQUIRED,
     .doc = "Physical adapters by name."},
    {.name = "vms", .type = YDOC_T_SEQ_OF, .sub = &vm_schema, .def = "[]",
     .doc = "Virtual machines."},
    {.name = "addresses", .type = YDOC_T_MAP_OF, .sub = &host_address_schema, .def = "none",
     .doc = "IP addresses of management-OS adapters by adapter name."},
    {.name = "powershell", .type = YDOC_T_SCRIPT, .def = "none",
     .doc = "The host's configuration: PowerShell as the operator runs it, verbatim (a `|` "
            "block)."},
    {.name = "logical_processors", .type = YDOC_T_INT, .min = 1, .max = 2048, .def = "16",
     .doc = "Logical processors, for VMQ/RSS placement (CFG-028)."},
    {.name = "debugger", .type = YDOC_T_BOOL, .def = "false",
     .doc = "A kernel debugger is configured (blocks NetQos, CFG-035)."},
    {0},
};

static const struct ydoc_schema host_schema = {
    .name = "host", .title = "Hyper-V host", .keys = host_keys,
    .doc = "A Hyper-V host: its adapters, VMs and PowerShell configuration.",
};

/* ---- cabling, traffic, timeline ------------------------------------------ */

static const struct ydoc_key cable_keys[] = {
    {.name = "ends", .type = YDOC_T_LIST, .item = YDOC_T_STR, .min_items = 2, .max_items = 2,
     .flags = YDOC_K_REQUIRED,
     .doc = "The two ends: `host/adapter` (`hv1/SLOT 2`) or `switch/port` (`tor1/1`)."},
    {.name = "length", .type = YDOC_T_INT, .min = 0, .max = 100000, .unit = "m", .def = "3",
     .doc = "Cable length, for propagation delay and PFC headroom."},
    {.name = "rate", .type = YDOC_T_RATE, .def = "the slower end's",
     .doc = "Link rate."},
    {.name = "delay", .type = YDOC_T_TIME, .def = "5ns per m",
     .doc = "Propagation delay."},
    {0},
};

static const struct ydoc_schema cable_schema = {
    .name = "cable", .title = "Cable", .keys = cable_keys, .shorthand = "ends",
    .doc = "A full-duplex cable; `[hv1/SLOT 2, tor1/1]` is short for `{ ends: [...] }`.",
};

static const struct ydoc_key flow_keys[] = {
    {.name = "name", .type = YDOC_T_STR, .def = "flowN", .doc = "Label in reports."},
    {.name = "count", .type = YDOC_T_INT, .min = 0, .max = 256, .def = "1",
     .doc = "Makes this many flows from the entry, numbered 1..count: `{n}` in `from`, `to` and "
            "`name` becomes the number (`from: vm{n}`); the n-th gets port `port` + n - 1."},
    {.name = "from", .type = YDOC_T_STR, .def = "none",
     .doc = "Sender: a VM (`vm1`), a host adapter (`hv1/vEthernet (SMB_1)`), or for smb a "
            "host (`hv1`: every RDMA-enabled host vNIC).  Required unless `senders` is given."},
    {.name = "senders", .type = YDOC_T_LIST, .item = YDOC_T_STR, .min_items = 1,
     .max_items = 64, .def = "[from]",
     .doc = "Several senders, named like `from` (incast: all start at `start`; cdf: they take "
            "the arrivals in turn)."},
    {.name = "to", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "Receiver, named like `from` (a VM may be qualified by its host: `hv2/vm3`)."},
    {.name = "kind", .type = YDOC_T_ENUM, .values = schema_traffic_kind_values, .def = "tcp",
     .doc = "Transport; smb is SMB Direct over the hosts' RDMA vNICs (multichannel). roce and smb "
            "need RoCE adapters (`rdma: roce`); SMB Direct over iWARP adapters is not modelled."},
    {.name = "pattern", .type = YDOC_T_ENUM, .values = schema_pattern_values, .def = "bulk",
     .doc = "bulk: `size` bytes; constant: `rate` from start to stop; onoff: `rate` in `on`/"
            "`off` periods; cdf: sizes from `cdf` with Poisson arrivals at `load`; rr: "
            "requests of `size` answered by `response` bytes, in a closed loop; incast: `size` "
            "bytes from every sender at once."},
    {.name = "size", .type = YDOC_T_SIZE, .def = "1MB",
     .doc = "Bytes of a bulk or incast flow, or of each request (rr)."},
    {.name = "response", .type = YDOC_T_SIZE, .def = "size",
     .doc = "Bytes of each response (rr)."},
    {.name = "operation", .type = YDOC_T_ENUM, .values = schema_operation_values,
     .def = "write", .doc = "SMB Direct operation of each flow (smb; rr always reads)."},
    {.name = "rate", .type = YDOC_T_RATE, .def = "line rate",
     .doc = "Sending rate of constant and on/off patterns, and of udp datagrams."},
    {.name = "start", .type = YDOC_T_TIME, .def = "0", .doc = "Start time."},
    {.name = "stop", .type = YDOC_T_TIME, .def = "end of run", .doc = "Stop time."},
    {.name = "on", .type = YDOC_T_TIME, .def = "1ms", .doc = "On period (onoff)."},
    {.name = "off", .type = YDOC_T_TIME, .def = "1ms",
     .doc = "Off period (onoff); longer than the flowlet gap, it lets SET move the flow."},
    {.name = "distribution", .type = YDOC_T_ENUM, .values = schema_distribution_values,
     .def = "fixed", .doc = "Distribution of on/off periods."},
    {.name = "cdf", .type = YDOC_T_STR, .def = "none",
     .doc = "CSV file of flow sizes (cdf pattern), relative to the scenario file."},
    {.name = "load", .type = YDOC_T_DOUBLE, .min = 0.0001, .max = 1.0, .def = "0.5",
     .doc = "Target load as a fraction of the sender's line rate (cdf pattern)."},
    {.name = "port", .type = YDOC_T_INT, .min = 1, .max = 65535, .def = "per kind",
     .doc = "Destination port: tcp/udp 5001 + entry index, iwarp 5445, roce the "
            "NetworkDirect port 445 (the seed's NetQos policy puts it on priority 3); smb is "
            "always 445."},
    {.name = "priority", .type = YDOC_T_INT, .min = 0, .max = 7, .def = "from QoS policy",
     .doc = "802.1p priority when no NetQos policy classifies the traffic (the vmswitch tags "
            "it on a vNIC with a VLAN; without one it is lost, DCB-004); roce/smb: of the RDMA "
            "vNICs used, one value per vNIC."},
    {.name = "connections", .type = YDOC_T_INT, .min = 1, .max = 64, .def = "1",
     .doc = "Parallel connections per sender, each with its own flows (smb: RDMA "
            "connections per RDMA vNIC)."},
    {.name = "dcqcn", .type = YDOC_T_BOOL, .def = "false",
     .doc = "roce/smb: the RDMA vNICs' engines run DCQCN (ECN-marked data, CNPs, rate "
            "control); one setting per vNIC."},
    {.name = "congestion", .type = YDOC_T_ENUM, .values = schema_congestion_values,
     .def = "newreno", .doc = "TCP congestion control (tcp, iwarp)."},
    {0},
};

static const struct ydoc_schema flow_schema = {
    .name = "flow", .title = "Traffic", .keys = flow_keys,
    .doc = "A traffic generator.",
};

static const struct ydoc_key event_keys[] = {
    {.name = "at", .type = YDOC_T_TIME, .flags = YDOC_K_REQUIRED, .doc = "When it happens."},
    {.name = "host", .type = YDOC_T_STR, .def = "none", .doc = "Host that runs `run`."},
    {.name = "run", .type = YDOC_T_SCRIPT, .flags = YDOC_K_CHOICE,
     .doc = "PowerShell run on `host` (e.g. `Disable-NetAdapter -Name \"SLOT 2\"`)."},
    {.name = "cut", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "Cuts the cable with this end (`hv1/SLOT 2` or `tor1/1`)."},
    {.name = "restore", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "Restores the cable with this end."},
    {.name = "pfc_storm", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "Adapter (`hv1/SLOT 2`) that keeps sending PFC XOFF (a pause storm) for "
            "`duration`."},
    {.name = "migrate", .type = YDOC_T_STR, .flags = YDOC_K_CHOICE,
     .doc = "VM live-migrated to host `to`: its vNICs (MAC, addresses, VLAN) leave their "
            "switch and join `to`'s switch of the same name, which announces the VM's MAC "
            "(GARP, unsolicited NA)."},
    {.name = "to", .type = YDOC_T_STR, .def = "none", .doc = "Destination host of `migrate`."},
    {.name = "priorities", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 0, .max = 7,
     .min_items = 1, .max_items = 8, .def = "the adapter's PFC priorities",
     .doc = "Priorities a `pfc_storm` pauses."},
    {.name = "duration", .type = YDOC_T_TIME, .def = "until the end",
     .doc = "Length of a `pfc_storm`."},
    {.name = "blackout", .type = YDOC_T_TIME, .def = "0",
     .doc = "Of a `migrate`: time the VM has no switch port between leaving its host and "
            "arriving on `to` (frames it sends meanwhile drop as no_route)."},
    {0},
};

static const struct ydoc_schema event_schema = {
    .name = "event", .title = "Timeline event", .keys = event_keys,
    .doc = "Something that happens at a time: a cmdlet run on a host, or a fabric fault.",
};

/* ---- knobs (spec/rules.md Appendix A) ------------------------------------ */

const char *const schema_placement_values[] = {"least_ports", "round_robin", NULL};
const char *const schema_failback_values[] = {"mapped_only", "all", "none", NULL};
const char *const schema_announce_values[] = {"none", "garp_na", NULL};
const char *const schema_hnv_key_values[] = {"outer", "inner", NULL};

/* Appendix A knobs the models do not implement: accepted by the schema
 * (so the docs list them) and refused by the builder ("not modelled"). */
#define NOT_MODELLED_ " Not modelled: setting it is an error."

static const struct ydoc_key knob_set_keys[] = {
    {.name = "strict_identical", .type = YDOC_T_BOOL, .def = "true",
     .doc = "CFG-003: members that are not identical are an error (false: a warning)."},
    {0},
};
static const struct ydoc_schema knob_set_schema = {
    .name = "set", .title = "Knobs: set", .keys = knob_set_keys, .doc = "SET team creation."};

static const struct ydoc_key knob_vswitch_keys[] = {
    {.name = "allow_management_os_default", .type = YDOC_T_BOOL, .def = "true",
     .doc = "CFG-009: New-VMSwitch without -AllowManagementOS creates the host vNIC."},
    {0},
};
static const struct ydoc_schema knob_vswitch_schema = {
    .name = "vswitch", .title = "Knobs: vswitch", .keys = knob_vswitch_keys,
    .doc = "Hyper-V switch creation."};

static const struct ydoc_key knob_iso_keys[] = {
    {.name = "seed_semantics", .type = YDOC_T_BOOL, .def = "true",
     .doc = "CFG-036: -DefaultIsolationID without -AllowUntaggedTraffic applies the VLAN as "
            "the seed intends, with a warning (false: stored without effect)."},
    {0},
};
static const struct ydoc_schema knob_iso_schema = {
    .name = "iso", .title = "Knobs: iso", .keys = knob_iso_keys, .doc = "vNIC isolation."};

static const struct ydoc_key knob_host_keys[] = {
    {.name = "smt", .type = YDOC_T_INT, .min = 1, .max = 8, .def = "2",
     .doc = "CFG-028: logical processors per physical core."},
    {0},
};
static const struct ydoc_schema knob_host_schema = {
    .name = "host", .title = "Knobs: host", .keys = knob_host_keys, .doc = "Every host."};

static const struct ydoc_key knob_hvp_keys[] = {
    {.name = "placement", .type = YDOC_T_ENUM, .values = schema_placement_values,
     .def = "least_ports",
     .doc = "HVP-002, FO-002: member a new or failed-over vPort is placed on (fewest vPorts, "
            "ties by member order; or round robin)."},
    {0},
};
static const struct ydoc_schema knob_hvp_schema = {
    .name = "hvp", .title = "Knobs: hvp", .keys = knob_hvp_keys, .doc = "vPort placement."};

static const struct ydoc_key knob_dyn_keys[] = {
    {.name = "flowlet_gap_us", .type = YDOC_T_INT, .min = 1, .max = 10000000, .unit = "us",
     .def = "500", .doc = "DYN-003: idle gap after which a flow may move to another member."},
    {.name = "periodic_rebalance_s", .type = YDOC_T_DOUBLE, .min = 0, .max = 1e6, .unit = "s",
     .def = "0 (off)", .doc = "DYN-003: period of the gapless rebalance; 0: none."},
    {.name = "rebalance_threshold", .type = YDOC_T_DOUBLE, .min = 0.001, .max = 100,
     .unit = "%", .def = "10",
     .doc = "DYN-003: member load imbalance below which no flow moves."},
    {.name = "hnv_key", .type = YDOC_T_ENUM, .values = schema_hnv_key_values, .def = "outer",
     .doc = "DYN-011: flow key of NVGRE/VXLAN traffic (outer addresses and entropy, or the "
            "inner 4-tuple)."},
    {.name = "hash", .type = YDOC_T_STR, .def = "toeplitz(4-tuple)",
     .doc = "DYN-002." NOT_MODELLED_},
    {.name = "hash_udp", .type = YDOC_T_STR, .def = "true", .doc = "DYN-002." NOT_MODELLED_},
    {.name = "nonhash_policy", .type = YDOC_T_STR, .def = "affinitized",
     .doc = "DYN-004." NOT_MODELLED_},
    {.name = "rmac", .type = YDOC_T_STR, .def = "member_permanent",
     .doc = "DYN-007." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_dyn_schema = {
    .name = "dyn", .title = "Knobs: dyn", .keys = knob_dyn_keys,
    .doc = "Dynamic load balancing."};

static const struct ydoc_key knob_fo_keys[] = {
    {.name = "detect_ms", .type = YDOC_T_INT, .min = 0, .max = 3600000, .unit = "ms",
     .def = "0", .doc = "FO-001: time a carrier change must hold before the team acts."},
    {.name = "failback", .type = YDOC_T_ENUM, .values = schema_failback_values,
     .def = "mapped_only",
     .doc = "FO-006: vPorts that return to a recovered member (mapped ones, all, none)."},
    {.name = "failback_holddown_ms", .type = YDOC_T_INT, .min = 1, .max = 3600000,
     .unit = "ms", .def = "1000",
     .doc = "FO-006: time a recovered member stays up before failback."},
    {.name = "announce", .type = YDOC_T_ENUM, .values = schema_announce_values, .def = "none",
     .doc = "FO-005: announce a moved vPort's MAC (GARP, unsolicited NA) on its new member."},
    {.name = "rdma", .type = YDOC_T_STR, .def = "reconnect", .doc = "FO-009." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_fo_schema = {
    .name = "fo", .title = "Knobs: fo", .keys = knob_fo_keys, .doc = "Failover."};

static const struct ydoc_key knob_dcb_keys[] = {
    {.name = "willing_default", .type = YDOC_T_STR, .def = "false",
     .doc = "CFG-035." NOT_MODELLED_},
    {.name = "debugger_block_scope", .type = YDOC_T_STR, .def = "pfc+ets+nd_tagging",
     .doc = "CFG-035, DCB-009." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_dcb_schema = {
    .name = "dcb", .title = "Knobs: dcb", .keys = knob_dcb_keys, .doc = "DCB."};

static const struct ydoc_key knob_rx_keys[] = {
    {.name = "flood_dedup", .type = YDOC_T_STR, .def = "affinitized",
     .doc = "HVP-008." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_rx_schema = {
    .name = "rx", .title = "Knobs: rx", .keys = knob_rx_keys, .doc = "Receive path."};

static const struct ydoc_key knob_pfc_keys[] = {
    {.name = "react_ns", .type = YDOC_T_STR, .def = "1000", .doc = "DCB-002." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_pfc_schema = {
    .name = "pfc", .title = "Knobs: pfc", .keys = knob_pfc_keys, .doc = "PFC."};

static const struct ydoc_key knob_switch_keys[] = {
    {.name = "port_default_pcp", .type = YDOC_T_STR, .def = "0", .doc = "DCB-004." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_switch_schema = {
    .name = "switch", .title = "Knobs: switch", .keys = knob_switch_keys,
    .doc = "Physical switches."};

static const struct ydoc_key knob_ets_keys[] = {
    {.name = "window_ms", .type = YDOC_T_STR, .def = "10", .doc = "DCB-006." NOT_MODELLED_},
    {.name = "tol_pct", .type = YDOC_T_STR, .def = "5", .doc = "DCB-006." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_ets_schema = {
    .name = "ets", .title = "Knobs: ets", .keys = knob_ets_keys, .doc = "The ETS check."};

static const struct ydoc_key knob_validate_keys[] = {
    {.name = "idle_member_grace_s", .type = YDOC_T_STR, .def = "60",
     .doc = "CFG-014." NOT_MODELLED_},
    {.name = "gapless_move_rate", .type = YDOC_T_STR, .def = "1/min/flow",
     .doc = "DYN-003." NOT_MODELLED_},
    {0},
};
static const struct ydoc_schema knob_validate_schema = {
    .name = "validate", .title = "Knobs: validate", .keys = knob_validate_keys,
    .doc = "The checker's thresholds."};

static const struct ydoc_key knob_keys[] = {
    {.name = "set", .type = YDOC_T_MAP, .sub = &knob_set_schema, .def = "defaults", .doc = "`set` knobs."},
    {.name = "vswitch", .type = YDOC_T_MAP, .sub = &knob_vswitch_schema, .def = "defaults", .doc = "`vswitch` knobs."},
    {.name = "seed_compat", .type = YDOC_T_BOOL, .def = "false",
     .doc = "CFG-019, CFG-020: as `scenario.seed_compat` (either turns it on)."},
    {.name = "iso", .type = YDOC_T_MAP, .sub = &knob_iso_schema, .def = "defaults", .doc = "`iso` knobs."},
    {.name = "host", .type = YDOC_T_MAP, .sub = &knob_host_schema, .def = "defaults", .doc = "`host` knobs."},
    {.name = "dcb", .type = YDOC_T_MAP, .sub = &knob_dcb_schema, .def = "defaults", .doc = "`dcb` knobs."},
    {.name = "hvp", .type = YDOC_T_MAP, .sub = &knob_hvp_schema, .def = "defaults", .doc = "`hvp` knobs."},
    {.name = "rx", .type = YDOC_T_MAP, .sub = &knob_rx_schema, .def = "defaults", .doc = "`rx` knobs."},
    {.name = "learn_grace_ms", .type = YDOC_T_STR, .def = "50",
     .doc = "HVP-007, FO-005." NOT_MODELLED_},
    {.name = "move_window_ms", .type = YDOC_T_STR, .def = "100",
     .doc = "HVP-009, FO-005." NOT_MODELLED_},
    {.name = "dyn", .type = YDOC_T_MAP, .sub = &knob_dyn_schema, .def = "defaults", .doc = "`dyn` knobs."},
    {.name = "fo", .type = YDOC_T_MAP, .sub = &knob_fo_schema, .def = "defaults", .doc = "`fo` knobs."},
    {.name = "pfc", .type = YDOC_T_MAP, .sub = &knob_pfc_schema, .def = "defaults", .doc = "`pfc` knobs."},
    {.name = "switch", .type = YDOC_T_MAP, .sub = &knob_switch_schema, .def = "defaults", .doc = "`switch` knobs."},
    {.name = "ets", .type = YDOC_T_MAP, .sub = &knob_ets_schema, .def = "defaults", .doc = "`ets` knobs."},
    {.name = "validate", .type = YDOC_T_MAP, .sub = &knob_validate_schema, .def = "defaults", .doc = "`validate` knobs."},
    {0},
};

static const struct ydoc_schema knob_schema = {
    .name = "knobs", .title = "Knobs", .keys = knob_keys,
    .doc = "Model choices of spec/rules.md Appendix A, for every host and team of the run; "
           "absent keys keep the Appendix's defaults.  Knobs marked not modelled are refused.",
};

/* ---- the file --------------------------------------------------------------- */

static const struct ydoc_key file_keys[] = {
    {.name = "scenario", .type = YDOC_T_MAP, .sub = &scenario_schema, .flags = YDOC_K_REQUIRED,
     .doc = "Name, duration and seed."},
    {.name = "nic_models", .type = YDOC_T_MAP_OF, .sub = &nic_model_schema, .def = "none",
     .doc = "Adapter kinds by name."},
    {.name = "switches", .type = YDOC_T_MAP_OF, .sub = &switch_schema, .def = "none",
     .doc = "Physical switches by name."},
    {.name = "hosts", .type = YDOC_T_MAP_OF, .sub = &host_schema, .def = "none",
     .doc = "Hyper-V hosts by name."},
    {.name = "cabling", .type = YDOC_T_SEQ_OF, .sub = &cable_schema, .def = "[]",
     .doc = "Cables between adapters and switch ports."},
    {.name = "traffic", .type = YDOC_T_SEQ_OF, .sub = &flow_schema, .def = "[]",
     .doc = "Traffic generators."},
    {.name = "timeline", .type = YDOC_T_SEQ_OF, .sub = &event_schema, .def = "[]",
     .doc = "Events in time order of `at` (equal times run in file order)."},
    {.name = "capture", .type = YDOC_T_LIST, .item = YDOC_T_STR, .def = "[]",
     .doc = "Capture points written to capture.pcapng: `host/adapter` or `switch/port`."},
    {.name = "checks", .type = YDOC_T_LIST, .item = YDOC_T_STR, .def = "all applicable",
     .doc = "Rule IDs the checker evaluates after the run (e.g. `DYN-004`)."},
    {.name = "knobs", .type = YDOC_T_MAP, .sub = &knob_schema, .def = "Appendix A defaults",
     .doc = "Model-choice knobs (spec/rules.md Appendix A)."},
    {0},
};

const struct ydoc_schema schema_scenario_file = {
    .name = "file", .title = "Top level", .keys = file_keys,
    .doc = "The sections of a scenario file.",
};

/* ---- docs/scenario.md ---------------------------------------------------- */

static const char intro__[] =
    "# Scenario files\n"
    "\n"
    "A scenario file is YAML (one document). It names NIC models, switches and\n"
    "Hyper-V hosts, cables them, configures each host with the PowerShell an\n"
    "operator would run on it, and says what traffic runs, what happens when\n"
    "(the timeline), what is captured and which rules are checked.\n"
    "\n"
    "```yaml\n"
    "scenario: { name: set-dynamic-failover, duration: 20ms, seed: 7 }\n"
    "nic_models:\n"
    "  cx5: { manufacturer: Mellanox, model: ConnectX-5, firmware: 16.27, driver: 2.40, "
    "rate: 25Gbps, rdma: roce }\n"
    "switches:\n"
    "  tor1: { ports: 16, buffer: 12MB, pfc: { priorities: [3], xoff: 96KB, xon: 48KB } }\n"
    "hosts:\n"
    "  hv1:\n"
    "    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5 }\n"
    "    vms: [vm1, vm2]\n"
    "    powershell: |\n"
    "      New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\" "
    "-EnableEmbeddedTeaming $true\n"
    "      Set-VMSwitchTeam -Name SETswitch -LoadBalancingAlgorithm Dynamic\n"
    "cabling:\n"
    "  - [hv1/SLOT 2, tor1/1]\n"
    "  - [hv1/SLOT 3, tor1/2]\n"
    "traffic:\n"
    "  - { from: vm1, to: hv2/vm3, kind: tcp, size: 10MB, start: 0 }\n"
    "timeline:\n"
    "  - { at: 5ms, host: hv1, run: 'Disable-NetAdapter -Name \"SLOT 2\"' }\n"
    "capture: [hv1/SLOT 2, hv1/SLOT 3, tor1/1, tor1/2]\n"
    "```\n"
    "\n"
    "## Values\n"
    "\n"
    "- **time**: a number and a unit, `ps`, `ns`, `us` (or `µs`), `ms`, `s`, with\n"
    "  an optional space (`1.5us`, `20 ms`); `0` needs no unit.\n"
    "- **rate**: bits per second, `bps`, `Kbps`, `Mbps`, `Gbps`, `Tbps` (also\n"
    "  `Gb/s`), decimal.\n"
    "- **size**: bytes, `B`, `KB`, `MB`, `GB` (decimal) or `KiB`, `MiB`, `GiB`\n"
    "  (binary); a bare number is bytes.\n"
    "- **boolean**: `true`/`false`, `yes`/`no`, `on`/`off`, unquoted.\n"
    "- **integer**, **number**: unquoted; integers may use `_` separators or `0x`.\n"
    "- **one of**: the listed words, in any case.\n"
    "- Anchors and aliases (`&name`, `*name`) copy a node; merge keys (`<<`) are\n"
    "  not supported. A key may appear once per mapping.\n"
    "\n"
    "## Errors\n"
    "\n"
    "Every error is one line `file:line:col: message` at the offending key or\n"
    "value. An unknown key names the closest valid one: with line 1\n"
    "`scenario: { name: demo, duraton: 20ms }`,\n"
    "\n"
    "```\n"
    "s.yaml:1:25: unknown key 'duraton' in 'scenario' (did you mean 'duration'?)\n"
    "```\n"
    "\n"
    "## PowerShell\n"
    "\n"
    "`hosts.<host>.powershell` is the host's configuration, pasted verbatim as a\n"
    "`|` block: its text is kept byte for byte (backticks, en dashes, curly\n"
    "quotes), and cmdlet errors point at the scenario file's lines.\n"
    "\n"
    "## Overrides\n"
    "\n"
    "`setsim run --set path=value` replaces a scalar of the file (or adds a key\n"
    "to an existing mapping) before the run: `--set scenario.seed=9`,\n"
    "`--set 'hosts.hv1.nics.SLOT 2.rate=10Gbps'`, `--set traffic.0.rate=5Gbps`.\n"
    "Path segments are keys, or indexes from 0 in lists; write a segment with a\n"
    "dot in it as `\"...\"`. Errors about an overridden value point at\n"
    "`--set:N:C` (the N-th override, column C of its value). The run's scenario\n"
    "hash covers the file after overrides.\n"
    "\n"
    "## Keys\n"
    "\n"
    "Each table lists a mapping's keys with their type, unit and default; a\n"
    "path such as `hosts.<host>.nics.<adapter>` stands for any name chosen in\n"
    "the file, and `<n>` for a list index.\n"
    "\n";

int schema_markdown(FILE *out)
{
    if (fputs(intro__, out) == EOF)
        return -EIO;
    return ydoc_schema_markdown(out, &schema_scenario_file, "Top level");
}
