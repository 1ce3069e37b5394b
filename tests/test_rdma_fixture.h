/* test_rdma_fixture: fabrics for the roce, dcqcn and smbdirect suites.
 *
 *  - rf: raw RDMA endpoints (a NIC, an ipstack, a roce_dev) on one switch,
 *    tagging VLAN/PCP themselves, with a transmit-drop hook for loss
 *    injection;
 *  - rig: Hyper-V hosts (hvhost) on one ToR, each with its SET members
 *    configured as in the seed (DCB feature, NetQos "SMB" 445 -> 3, PFC on
 *    priority 3, ETS 30 %, NetAdapterQos on every member, SETswitch, SMB_k
 *    host vNICs mapped to member k, RDMA enabled) and an hvrdma engine per
 *    SMB vNIC. */
#ifndef SETSIM_TEST_RDMA_FIXTURE_H
#define SETSIM_TEST_RDMA_FIXTURE_H

#include <stdint.h>

#include "frame.h"
#include "hvhost.h"
#include "hvrdma.h"
#include "ipstack.h"
#include "link.h"
#include "nic.h"
#include "pcapng.h"
#include "roce.h"
#include "sim_engine.h"
#include "switch.h"
#include "trace.h"

#define G25 25000000000ULL
#define RF_MAX 16

struct rf;
struct rf_ep;

/* Returns 1 to drop the frame about to leave endpoint e. */
typedef int (*rf_drop_fn)(void *ctx, struct rf_ep *e, const struct frame *f);

struct rf_ep {
    struct rf *rf;
    int idx;
    struct nic *nic;
    struct link *link;
    struct ipstack *stack;
    struct roce_dev *dev;
    int tagged;
    uint16_t vid;
    uint8_t pcp;
    uint8_t ip[4];          /* 10.0.42.<idx + 1> */
    rf_drop_fn drop;
    void *drop_ctx;
    uint64_t tx_frames;     /* frames handed to the NIC */
    uint64_t dropped;       /* frames the hook dropped */
    struct pcapng_writer *cap;
    char cap_path[600];
};

struct rf {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct sw *sw;
    struct rf_ep ep[RF_MAX];
    int nep;
    char dir[512];
};

/* Engine, pool, switch ss (trace in a fresh directory when with_trace). */
void rf_init(struct rf *rf, const struct switch_settings *ss, int with_trace);
/* An endpoint on switch port (nep + 1): a trunk port without native VLAN
 * when tagged, else an access port of VLAN 1.  rs NULL: roce defaults. */
struct rf_ep *rf_ep_add(struct rf *rf, uint64_t rate, uint8_t pfc_mask, int tagged, uint16_t vid,
                        uint8_t pcp, const struct roce_settings *rs);
/* Captures both directions of e's link at the endpoint. */
void rf_capture(struct rf_ep *e, const char *name);
void rf_close_caps(struct rf *rf);
void rf_free(struct rf *rf);

#define RIG_MAX_HOSTS 10
#define RIG_MAX_LINKS 24

struct rig {
    struct sim_engine *eng;
    struct frame_pool *pool;
    struct trace *trace;
    struct sw *tor;
    uint32_t nports;
    struct hvhost *hv[RIG_MAX_HOSTS];
    int members[RIG_MAX_HOSTS];
    int first_link[RIG_MAX_HOSTS];
    struct hvrdma *rdma[RIG_MAX_HOSTS][2];
    int nhv;
    struct link *link[RIG_MAX_LINKS];  /* host h member k: first_link[h] + k */
    struct pcapng_writer *cap[RIG_MAX_LINKS];
    char cap_path[RIG_MAX_LINKS][600];
    int nlink;
    char dir[512];
};

/* ss NULL: a 25 Gb/s-port ToR with PFC on priority 3. */
void rig_init(struct rig *r, const struct switch_settings *ss, int with_trace);
/* A host with `members` adapters ("SLOT 2", "SLOT 3") and as many SMB
 * vNICs (SMB_1 on SLOT 2, SMB_2 on SLOT 3) on VLAN vlan (0: untagged,
 * DCB-004), each with an hvrdma engine (hs NULL: defaults).  Captures the
 * members' links (both directions) when capture.  Returns the index. */
int rig_host(struct rig *r, int members, uint16_t vlan, int capture,
             const struct hvrdma_settings *hs);
/* 10.0.42.<h*10 + k + 1>: SMB_(k+1) of host h. */
void rig_ip(int h, int k, uint8_t ip[4]);
const uint8_t *rig_vnic_mac(struct rig *r, int h, int k);
void rig_close_caps(struct rig *r);
void rig_free(struct rig *r);

/* tshark over a capture: the number of frames matching display filter
 * `filter` (-1 when tshark fails). */
long tshark_count(const char *path, const char *filter);

/* One tshark pass over a capture, counted per frame. */
struct tshark_summary {
    long frames;
    long infiniband;       /* frames dissected as InfiniBand (RoCEv2) */
    long bad;              /* malformed, or an expert note of warning or worse */
    long cm_req, cm_rep, cm_rtu, cm_dreq;
    long reth, aeth;
    long ib_tagged_42_3;   /* InfiniBand frames with VLAN 42, priority 3 */
};
/* 0, or -1 when tshark could not be run. */
int tshark_summary(const char *path, struct tshark_summary *out);

/* Sum of a switch's drops over every port and reason. */
uint64_t switch_total_drops(const struct sw *sw, uint32_t nports);

#endif
