/* hvrdma: the RDMA function of a Hyper-V host vNIC: a RoCEv2 engine
 * (roce_dev) over the vNIC's IP stack, tied to the SET team that carries
 * the vNIC.
 *
 *  - The vNIC must be RDMA-enabled (Enable-NetAdapterRdma, DCB-010).
 *  - Frames leave like every frame of the vNIC (vmswitch: VLAN tag,
 *    NetQos priority; CFG-031, DCB-012) and SET keeps them on the vNIC's
 *    affinitized member (DYN-010).
 *  - Transmit gate: the engine's scheduler waits while the affinitized
 *    member's egress queue for the traffic's priority holds
 *    tx_queue_limit bytes or more (the NIC fetches RDMA work only when
 *    its port can take it: PFC back-pressure reaches the QPs instead of
 *    piling frames up in the NIC).  With the DCB preconditions of DCB-005
 *    (PFC on the priority at both ends, tagged frames) RoCE is then
 *    lossless end to end; without them (an untagged vNIC, DCB-004) the
 *    frames travel at priority 0 and are dropped under congestion.
 *    CFG-030 (RoCE needs DCB) is not enforced here: the engine runs either
 *    way and the lint and the trace report it.
 *  - FO-009: a team affinity watcher calls roce_dev_port_change() when
 *    the vNIC's affinitized member changes to another member (failover,
 *    failback, a new team mapping): with fo.rdma=reconnect every QP goes
 *    to error and the upper layer reconnects over the new member.  A
 *    change to "no member" (team down, FO-008) keeps the QPs until a
 *    member is back.
 */
#ifndef SETSIM_HVRDMA_H
#define SETSIM_HVRDMA_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "roce.h"
#include "sim_engine.h"
#include "trace.h"

struct hvrdma;
struct hvhost;
struct nic;

/* Two full frames at the largest RoCE MTU: enough that the port never
 * idles between scheduler passes, small enough that a go-back-N restart
 * is not stuck behind stale frames. */
#define HVRDMA_DEFAULT_QUEUE_LIMIT (2 * (4096 + 128))

struct hvrdma_settings {
    struct roce_settings roce;  /* rate_bps 0: the member NIC's rate */
    uint32_t tx_queue_limit;    /* gate threshold, bytes; 0: no gate */
};

/* Defaults for the engine named `name` (roce_settings_default with the
 * rate left to the member). */
void hvrdma_settings_default(struct hvrdma_settings *s, const char *name);

/* The engine of host vNIC `vnic` of h (not owned; must outlive it).
 * Returns NULL with a message in err: "DCB-010 RDMA_E_NOT_ENABLED: ...",
 * or a reason for bad settings. */
struct hvrdma *hvrdma_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                             struct hvhost *h, int vnic, const struct hvrdma_settings *s,
                             char *err, size_t errlen);
/* Stops watching the team, destroys the engine (roce_dev_destroy: it does
 * not touch the engine) and frees (NULL-safe).  Destroy before the host. */
void hvrdma_destroy(struct hvrdma *r);

struct roce_dev *hvrdma_dev(const struct hvrdma *r);
/* The member the engine's QPs live on (SET_NO_MEMBER before any). */
int hvrdma_member(const struct hvrdma *r);
struct nic *hvrdma_member_nic(const struct hvrdma *r);
int hvrdma_vnic(const struct hvrdma *r);

#endif
