/* hvrdma: a vNIC's RoCEv2 engine bound to its host and SET team (see
 * hvrdma.h). */
#include "hvrdma.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "nic.h"
#include "set_team.h"

struct hvrdma {
    struct hvhost *host;      /* not owned */
    int vnic;
    int vport;
    struct set_team *team;    /* not owned (the vNIC's switch's team) */
    int watch_id;
    struct nic *member_nic; /* the member its QPs live on (NULL: none yet); a NIC,
                             * not an index: Set-VMSwitchTeam renumbers members */
    uint32_t queue_limit;
    struct roce_dev *dev;     /* owned */
    struct frame probe;       /* an RDMA frame to ask the host's classifier with */
};

void hvrdma_settings_default(struct hvrdma_settings *s, const char *name)
{
    memset(s, 0, sizeof *s);
    roce_settings_default(&s->roce, name, 0);
    s->tx_queue_limit = HVRDMA_DEFAULT_QUEUE_LIMIT;
}

static void set_err__(char *err, size_t errlen, const char *msg, const char *who)
{
    if (err && errlen)
        snprintf(err, errlen, msg, who);
}

/* The 802.1p priority the vNIC's frames of nd_port carry on the wire:
 * the NetQos classification when the vNIC tags, else 0 (DCB-004). */
static uint8_t wire_prio__(struct hvrdma *r, uint16_t nd_port)
{
    struct hvhost_vnic_info vi;
    if (hvhost_vnic_info(r->host, r->vnic, &vi) != 0 || !vi.vlan)
        return 0;
    r->probe.nd_port = nd_port;
    int p = hvhost_classify(r->host, r->vnic, &r->probe);
    /* unclassified: the engine's own priority (the vmswitch keeps it) */
    return p >= 0 ? (uint8_t)p : (uint8_t)(roce_dev_settings(r->dev)->priority & 7);
}

static void ready__(void *ctx)
{
    struct hvrdma *r = ctx;
    roce_dev_tx_ready(r->dev);
}

/* Closed while the member's queue of the wire priority holds queue_limit
 * bytes or more; the NIC then tells the engine when it drained (no
 * polling). */
static int gate__(void *ctx, uint16_t nd_port)
{
    struct hvrdma *r = ctx;
    int m = set_team_affinity(r->team, r->vport);
    if (m == SET_NO_MEMBER)
        return 0; /* team down: the frames are dropped there (FO-008) */
    struct nic *n = set_team_member(r->team, m);
    uint8_t p = wire_prio__(r, nd_port);
    if (nic_tx_backlog(n, p) < r->queue_limit)
        return 0;
    return nic_watch_tx_below(n, p, r->queue_limit, ready__, r) == 0 ? ROCE_GATE_NOTIFY : 1;
}

static void affinity__(void *ctx, int vport, int old_member, int new_member)
{
    (void)old_member;
    struct hvrdma *r = ctx;
    if (vport != r->vport || new_member == SET_NO_MEMBER)
        return;
    struct nic *n = set_team_member(r->team, new_member);
    if (n == r->member_nic)
        return;
    int had = r->member_nic != NULL;
    r->member_nic = n;
    roce_dev_set_rate(r->dev, nic_rate(n));
    if (had)
        roce_dev_port_change(r->dev); /* FO-009 */
    roce_dev_tx_ready(r->dev); /* a gate closed on the old member's queue */
}

/* The largest IB MTU (256..4096) at most `set` whose RoCE packets fit an
 * Ethernet MTU of eth_mtu bytes: room for the GRH-sized IP header (40),
 * UDP (8), BTH (12), the largest extension header (28), XRC (4) and the
 * ICRC (4), as Linux's iboe_get_mtu reckons the active MTU. */
static uint32_t active_mtu__(uint32_t set, uint32_t eth_mtu)
{
    uint32_t room = eth_mtu > 96 ? eth_mtu - 96 : 0;
    uint32_t mtu = 4096;
    while (mtu > 256 && (mtu > set || mtu > room))
        mtu /= 2;
    return mtu;
}

/* What the member adapter's NIC model says of its RoCE engine (the
 * scenario's nic_models roce_* keys; members of a SET team are identical,
 * CFG-003): path MTU, capped by the adapter's Ethernet MTU (*JumboPacket,
 * which counts the 14-byte header; 1500 when not set), go-back-0, local
 * ACK timeout and retry count. */
static void nic_roce__(const struct hvhost *h, const struct nic *n, struct roce_settings *rs)
{
    struct hvhost_nic_props p;
    if (!n || hvhost_nic_props(h, nic_name(n), &p) != 0)
        return;
    uint32_t eth_mtu = p.jumbo > 14 ? (uint32_t)p.jumbo - 14 : 1500;
    rs->mtu = active_mtu__(p.roce_mtu ? (uint32_t)p.roce_mtu : rs->mtu, eth_mtu);
    if (p.roce_go_back_0)
        rs->retx = ROCE_GO_BACK_0;
    if (p.roce_ack_timeout_exp)
        rs->ack_timeout_exp = (uint8_t)p.roce_ack_timeout_exp;
    if (p.roce_retry_cnt)
        rs->retry_cnt = (uint8_t)(p.roce_retry_cnt - 1);
}

struct hvrdma *hvrdma_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                             struct hvhost *h, int vnic, const struct hvrdma_settings *s,
                             char *err, size_t errlen)
{
    struct hvhost_vnic_info vi;
    if (!h || !s || hvhost_vnic_info(h, vnic, &vi) != 0) {
        set_err__(err, errlen, "no such vNIC%s", "");
        return NULL;
    }
    if (!vi.rdma) {
        set_err__(err, errlen,
                  "DCB-010 RDMA_E_NOT_ENABLED: %s is not RDMA-enabled (Enable-NetAdapterRdma)",
                  vi.display);
        return NULL;
    }
    struct set_team *team = hvhost_team(h, vi.sw);
    if (!team || !vi.stack) {
        set_err__(err, errlen, "%s has no team or IP stack", vi.display);
        return NULL;
    }
    struct hvrdma *r = calloc(1, sizeof *r);
    if (!r) {
        set_err__(err, errlen, "out of memory%s", "");
        return NULL;
    }
    r->host = h;
    r->vnic = vnic;
    r->vport = vi.vport;
    r->team = team;
    r->queue_limit = s->tx_queue_limit;
    r->probe.flags = FRAME_F_RDMA;
    int m = set_team_affinity(team, vi.vport);
    r->member_nic = m != SET_NO_MEMBER ? set_team_member(team, m) : NULL;
    struct roce_settings rs = s->roce;
    struct nic *mnic = set_team_member(team, m != SET_NO_MEMBER ? m : 0);
    if (!rs.rate_bps)
        rs.rate_bps = nic_rate(mnic);
    nic_roce__(h, mnic, &rs);
    r->dev = roce_dev_create(eng, trace, pool, vi.stack, &rs);
    if (!r->dev) {
        set_err__(err, errlen, errno == EADDRINUSE ? "%s already has an RDMA engine"
                                                   : "bad RoCE settings for %s",
                  vi.display);
        free(r);
        return NULL;
    }
    r->watch_id = set_team_watch_affinity(team, affinity__, r);
    if (r->watch_id < 0) {
        set_err__(err, errlen, "too many affinity watchers on the team of %s", vi.display);
        roce_dev_destroy(r->dev);
        free(r);
        return NULL;
    }
    if (r->queue_limit)
        roce_dev_set_tx_gate(r->dev, gate__, r);
    return r;
}

void hvrdma_destroy(struct hvrdma *r)
{
    if (!r)
        return;
    set_team_unwatch_affinity(r->team, r->watch_id);
    for (size_t m = 0; m < set_team_member_count(r->team); m++)
        nic_unwatch_tx(set_team_member(r->team, (int)m), ready__, r);
    roce_dev_destroy(r->dev);
    free(r);
}

struct roce_dev *hvrdma_dev(const struct hvrdma *r) { return r->dev; }
int hvrdma_member(const struct hvrdma *r)
{
    return r->member_nic ? set_team_member_index(r->team, r->member_nic) : SET_NO_MEMBER;
}
int hvrdma_vnic(const struct hvrdma *r) { return r->vnic; }

struct nic *hvrdma_member_nic(const struct hvrdma *r)
{
    return r->member_nic;
}
