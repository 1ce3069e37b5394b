/* roce: the RoCEv2 engine of one IP endpoint (a host vNIC's RDMA
 * function): reliable-connected (RC) queue pairs over UDP 4791, their
 * connection management (CM MADs to QP1), and DCQCN.
 *
 * Device.  A roce_dev binds UDP 4791 on an ipstack and sends through it
 * (ipstack_send: the stack writes the next hop's MAC; the vmswitch adds
 * VLAN and priority).  Every frame it sends is flagged FRAME_F_RDMA, so
 * SET keeps it on the vNIC's affinitized member with MAC(vNIC) (DYN-010),
 * and carries the connection's NetworkDirect port in frame->nd_port, which
 * the host's NetQos policy maps to a priority (CFG-031: port 445 -> 3 in
 * the seed; DCB-012).  Data goes out through one transmit scheduler per
 * device: round robin over the QPs with work, one frame per wire time at
 * the port's line rate, each QP paced at its DCQCN rate, and held back
 * while the owner's tx gate reports the port's queue full (a NIC's QP
 * scheduler fetches work only when its port can take it).  ACKs, NAKs,
 * CNPs and CM MADs leave at once.
 *
 * Queue pairs (IBA Vol. 1 ch. 9/10, RC service):
 *  - work requests: RDMA WRITE, SEND and RDMA READ of N bytes, segmented
 *    by the path MTU into FIRST/MIDDLE/LAST or ONLY packets (RETH on a
 *    WRITE's FIRST/ONLY and on READ requests; AETH on ACKs and on READ
 *    responses FIRST/LAST/ONLY).  The A bit is set on every message's last
 *    packet.  A zero-length message is one ONLY packet;
 *  - PSNs: 24 bits on the wire, random initial PSN per QP (exchanged in
 *    the CM REQ/REP); the model keeps 64-bit absolute PSNs internally;
 *  - responder: in-order packets are accepted; an ACK is sent every
 *    ack_every packets and for every packet with the A bit (coalescing);
 *    a packet beyond the expected PSN gets one NAK (PSN sequence error,
 *    carrying the expected PSN) per sequence error and is dropped; a
 *    duplicate is dropped and re-ACKed when it asks for an ACK; READ
 *    requests are answered with READ responses through the scheduler, a
 *    duplicate READ request restarts the responses from its PSN; ACKs and
 *    NAKs are ordered after the READ responses already queued;
 *  - requester: ACKs complete work requests in order; every NAK restarts
 *    transmission at the NAKed PSN (go-back-N), also a second one at the
 *    same PSN (a loss in the resent packets); at most max_rd_atomic READ
 *    requests are outstanding, the next waits for a READ to complete; a
 *    gap in READ responses
 *    re-requests the rest of the READ; the local ACK timeout
 *    (4.096 us x 2^ack_timeout_exp) restarts at the oldest unacknowledged
 *    PSN and counts against retry_cnt; past it the QP goes to error
 *    (TRACE_QP_ERROR, reason "retry_exceeded") and its work requests
 *    complete with -ETIMEDOUT (the one that failed) and -ECANCELED (flushed);
 *  - go-back-0 (settings.retx, both ends alike, as on NICs before
 *    ConnectX-4): the responder acknowledges whole messages only (an ACK
 *    or NAK sent while a message is partial, e.g. one queued behind READ
 *    responses, stops at the message's first PSN) and, on a sequence
 *    error, discards the partial WRITE/SEND and NAKs its first PSN, so
 *    the requester resends the whole message (under heavy loss a long
 *    message may never get through whole: retry_exceeded); READs are always
 *    re-requested from their first missing response;
 *  - model choices: receive queues never run dry (no RNR NAK); NAKs do not
 *    count against retry_cnt; message
 *    contents are not modelled (virtual payload): the upper layer keeps
 *    the meaning of its SENDs itself.
 *
 * QP states and the function of each transition (roce.c, roce_cm.c):
 *
 *   state  event                                 next   function
 *   -----  ------------------------------------  -----  ---------------------
 *   RESET  roce_connect: CM REQ sent             INIT   roce_connect
 *   RESET  CM REQ accepted by a listener         RTR    cm_req_rx__
 *   INIT   CM REP received (RTU sent)            RTS    cm_rep_rx__
 *   INIT   REQ unanswered cm_retries times       ERROR  cm_timer__
 *   RTR    CM RTU, or a first request packet     RTS    cm_rtu_rx__, established__
 *   RTS    retry_cnt timeouts exhausted          ERROR  qp_error__ (retry_exceeded)
 *   any    roce_dev_port_change (FO-009)         ERROR  qp_error__ (failover)
 *   any    roce_disconnect (DREQ sent)           ERROR  qp_error__ (local_disconnect)
 *   any    CM DREQ received (DREP sent)          ERROR  qp_error__ (remote_disconnect)
 *
 * FO-009 (fo.rdma=reconnect, the default): RDMA connections live in the
 * physical NIC, so when the vNIC's affinitized member changes the owner
 * calls roce_dev_port_change() and every QP of the device goes to error
 * with reason "failover"; the upper layer reconnects over the vNIC, which
 * now leaves on its new member, and no frame of an old QP is sent there.
 * fo.rdma=transparent keeps the QPs (their frames follow the vNIC).
 *
 * Invariants (roce_qp_check): una <= nxt <= max <= post_end in the
 * requester's PSN space; the work-request ring holds exactly the
 * incomplete requests in PSN order; a QP in ERROR has no work, no timer
 * and no queued READ responses.
 */
#ifndef SETSIM_ROCE_H
#define SETSIM_ROCE_H

#include <stddef.h>
#include <stdint.h>

#include "dcqcn.h"
#include "frame.h"
#include "sim_engine.h"
#include "trace.h"

struct roce_dev;
struct roce_qp;
struct ipstack;

/* The RDMA IP CM service ID of a port in the TCP port space (RDMA_PS_TCP,
 * as librdmacm forms it): what a CM REQ to SMB Direct (445) carries. */
#define ROCE_CM_SERVICE_ID(port) (0x0000000001060000ull | (uint16_t)(port))

/* Defaults (roce_settings_default). */
#define ROCE_DEFAULT_MTU 1024        /* the usual RoCE path MTU on a 1500-byte fabric */
/* Responder ACK coalescing: one ACK per 16 packets besides message ends;
 * with a 1024-byte MTU that is an ACK per 16 KiB, well inside any PFC or
 * ECN reaction time. */
#define ROCE_DEFAULT_ACK_EVERY 16u
/* IBA Local ACK Timeout exponent: 4.096 us x 2^12 = 16.8 ms (model
 * choice: long against any RTT of a rack, short enough that a tail loss
 * costs a visible but bounded FCT). */
#define ROCE_DEFAULT_ACK_TIMEOUT_EXP 12
#define ROCE_DEFAULT_RETRY_CNT 7     /* the IBA maximum */
#define ROCE_DEFAULT_MAX_RD_ATOMIC 16 /* outstanding READs per QP */
/* CM: a REQ/REP without an answer is resent after this long, cm_retries
 * times.  Model choice: 4.096 us x 2^8 (about 1 ms); rdma_cm's CM
 * response timeouts are seconds, which only matters when a MAD is lost. */
#define ROCE_DEFAULT_CM_TIMEOUT (4096 * SIM_NS * 256)
#define ROCE_DEFAULT_CM_RETRIES 15   /* librdmacm's Max CM Retries */

enum roce_retx {
    ROCE_GO_BACK_N = 0, /* restart at the NAKed PSN (ConnectX-4 and later) */
    ROCE_GO_BACK_0,     /* restart at the first packet of the broken message */
};

enum roce_failover {
    ROCE_FO_RECONNECT = 0, /* FO-009 default: QPs to error on a port change */
    ROCE_FO_TRANSPARENT,   /* QPs keep running on the new member */
};

struct roce_settings {
    const char *name;         /* trace object (kind "rdma"), e.g.
                               * "hv1/vEthernet (SMB_1)/rdma"; copied */
    uint64_t rate_bps;        /* line rate of the port (pacing); > 0 */
    uint32_t mtu;             /* path MTU: 256, 512, 1024, 2048 or 4096 */
    uint32_t ack_every;       /* responder ACK coalescing, >= 1 */
    enum roce_retx retx;
    uint8_t ack_timeout_exp;  /* Local ACK Timeout = 4.096 us x 2^exp (1..31) */
    uint8_t retry_cnt;        /* timeouts tolerated before error (0..7) */
    uint32_t max_rd_atomic;   /* READ requests outstanding per QP, >= 1 */
    int dcqcn;                /* 1: DCQCN RP + NP; data is sent ECT(0) */
    struct dcqcn_settings cc; /* DCQCN parameters */
    uint8_t dscp;             /* DSCP of every RoCE frame */
    enum roce_failover failover; /* FO-009 fo.rdma */
    uint32_t first_qpn;       /* QPNs are allocated upward from here (>= 2) */
    int verify_icrc;          /* 1: drop received packets with a bad ICRC */
    sim_time_t cm_timeout;
    uint32_t cm_retries;
    uint64_t seed;            /* initial PSNs and CM IDs (stream "<name>/psn") */
    uint8_t priority;         /* frame->priority of every frame (0..7): what the vmswitch
                               * tags when no NetQos policy classifies it */
};

/* Defaults for a device `name` on a port of rate_bps (all fields set). */
void roce_settings_default(struct roce_settings *s, const char *name, uint64_t rate_bps);

enum roce_op {
    ROCE_OP_WRITE = 0,
    ROCE_OP_SEND,
    ROCE_OP_READ,
};

enum roce_qp_state {
    ROCE_QPS_RESET = 0,
    ROCE_QPS_INIT,  /* connecting: CM REQ sent */
    ROCE_QPS_RTR,   /* accepted: CM REP sent, waiting for the RTU */
    ROCE_QPS_RTS,
    ROCE_QPS_ERROR,
};

/* Why a QP went to error (the trace reason is roce_err_name()). */
enum roce_qp_err {
    ROCE_ERR_RETRY_EXCEEDED = 0, /* "retry_exceeded" */
    ROCE_ERR_FAILOVER,           /* "failover": FO-009 port change */
    ROCE_ERR_LOCAL_DISCONNECT,   /* "local_disconnect" */
    ROCE_ERR_REMOTE_DISCONNECT,  /* "remote_disconnect": DREQ received */
    ROCE_ERR_CM_TIMEOUT,         /* "cm_timeout": REQ or REP never answered */
};

/* A work completion. */
struct roce_wc {
    uint64_t wr_id;
    enum roce_op op;
    int status;         /* 0, -ETIMEDOUT (retries exhausted) or -ECANCELED (flushed) */
    uint32_t bytes;
    sim_time_t posted, done;
};

/* What the upper layer learns of a QP.  Callbacks run inside engine
 * events; they may post work and call roce_disconnect, but must not
 * destroy the QP they are called for (schedule that instead). */
struct roce_qp_ops {
    void (*established)(void *ctx, struct roce_qp *qp);
    void (*completion)(void *ctx, struct roce_qp *qp, const struct roce_wc *wc);
    /* A SEND message of `bytes` arrived (responder side). */
    void (*recv)(void *ctx, struct roce_qp *qp, uint32_t bytes);
    /* The QP went to error; its work requests were flushed before. */
    void (*error)(void *ctx, struct roce_qp *qp, enum roce_qp_err why);
};

struct roce_qp_settings {
    uint16_t nd_port;               /* NetworkDirect port of the connection (445) */
    const struct roce_qp_ops *ops;  /* not owned; may be NULL */
    void *ctx;                      /* handed to every callback */
};

/* A connection request a listener sees (roce_listen). */
struct roce_conn_req {
    uint8_t version;        /* 4 or 6 */
    uint8_t peer_ip[16];    /* the requester's address (IPv4: first 4 bytes) */
    uint16_t port;          /* the port of the service ID */
    uint32_t peer_qpn;
    uint32_t comm_id;       /* the requester's Local Communication ID */
};
/* Returns a fresh QP of dev (roce_qp_create) to accept, or NULL to refuse. */
typedef struct roce_qp *(*roce_accept_fn)(void *ctx, struct roce_dev *dev,
                                          const struct roce_conn_req *req);

/* The owner's view of its port: nonzero while the port's queue for
 * nd_port's traffic is full and the scheduler should wait.  1: the
 * scheduler polls again one data frame time later; ROCE_GATE_NOTIFY: the
 * owner calls roce_dev_tx_ready() when the queue drains (a NIC's
 * nic_watch_tx_below), and the scheduler only looks again after
 * ROCE_GATE_BACKSTOP as a safety net. */
typedef int (*roce_gate_fn)(void *ctx, uint16_t nd_port);
#define ROCE_GATE_NOTIFY 2
#define ROCE_GATE_BACKSTOP (100 * SIM_US)

struct roce_qp_stats {
    uint64_t tx_pkts, tx_bytes;       /* data packets / payload bytes sent (incl. retransmissions) */
    uint64_t tx_msgs;                 /* work requests completed successfully */
    uint64_t rx_pkts, rx_bytes;       /* data packets / payload bytes accepted in order */
    uint64_t rx_msgs;                 /* messages received (SEND and WRITE) */
    uint64_t retrans_pkts;            /* packets sent again */
    uint64_t gbn_events;              /* go-back episodes (NAK, READ gap, timeout) */
    uint64_t naks_tx, naks_rx;
    uint64_t acks_tx, acks_rx;
    uint64_t cnps_tx, cnps_rx;
    uint64_t ecn_ce_rx;               /* data packets that arrived CE-marked */
    uint64_t timeouts;
    uint64_t dup_rx, ooo_rx;          /* duplicates / beyond-expected packets dropped */
    sim_time_t first_post, last_done; /* for flow completion times; 0: none */
    uint64_t bytes_done;              /* bytes of successfully completed requests */
};

struct roce_dev_counters {
    uint64_t rx_frames;
    uint64_t rx_bad_icrc;             /* dropped: ICRC mismatch */
    uint64_t rx_no_qp;                /* dropped: unknown or dead destination QP */
    uint64_t rx_malformed;
    uint64_t tx_frames, tx_refused;   /* frames handed to the stack / refused by it */
    uint64_t gate_waits;              /* scheduler passes held back by the gate */
    uint64_t cm_tx, cm_rx;            /* CM MADs */
    uint64_t cm_retx;                 /* REQ/REP resent */
    uint64_t port_changes;            /* roce_dev_port_change calls */
};

/* ---- device ---- */

/* Binds UDP 4791 on stack (not owned).  trace may be NULL.  Returns NULL
 * on bad settings (errno EINVAL), when 4791 is taken (EADDRINUSE) or
 * without memory. */
struct roce_dev *roce_dev_create(struct sim_engine *eng, struct trace *trace,
                                 struct frame_pool *pool, struct ipstack *stack,
                                 const struct roce_settings *s);
/* Unbinds, destroys every QP (no callbacks) and frees (NULL-safe). */
void roce_dev_destroy(struct roce_dev *d);

void roce_dev_set_tx_gate(struct roce_dev *d, roce_gate_fn fn, void *ctx);
/* The owner's port can take frames again (after the gate said
 * ROCE_GATE_NOTIFY, or after the port changed): the scheduler runs at the
 * next instant the engine is free. */
void roce_dev_tx_ready(struct roce_dev *d);
/* The port behind the device changed (the vNIC's affinitized member,
 * FO-009): with fo.rdma=reconnect every QP goes to error ("failover"). */
void roce_dev_port_change(struct roce_dev *d);
/* frame->priority of the engine's frames from now on (0..7). */
void roce_dev_set_priority(struct roce_dev *d, uint8_t prio);
/* Line rate after a port change (pacing and DCQCN of new QPs). */
void roce_dev_set_rate(struct roce_dev *d, uint64_t rate_bps);

/* Accepts CM REQs for service port `port` (one listener per port). */
int roce_listen(struct roce_dev *d, uint16_t port, roce_accept_fn fn, void *ctx);

const struct roce_dev_counters *roce_dev_counters(const struct roce_dev *d);
const struct roce_settings *roce_dev_settings(const struct roce_dev *d);
trace_obj_t roce_dev_obj(const struct roce_dev *d);
struct ipstack *roce_dev_stack(const struct roce_dev *d);

/* ---- queue pairs ---- */

struct roce_qp *roce_qp_create(struct roce_dev *d, const struct roce_qp_settings *s);
/* Frees the QP (NULL-safe); later packets for its QPN are dropped. */
void roce_qp_destroy(struct roce_qp *qp);

/* Active side: sends a CM REQ for service port `port` at dst (4 or 16
 * bytes by version).  0, -EINVAL (state, address) or -ENOMEM. */
int roce_connect(struct roce_qp *qp, uint8_t version, const uint8_t *dst, uint16_t port);
/* Sends a CM DREQ when the QP was connected (even in error) and moves it
 * to error ("local_disconnect") unless it is there already.  0 or -EINVAL. */
int roce_disconnect(struct roce_qp *qp);

/* Posts a work request (RTS only): 0, -EINVAL (state, size) or -ENOMEM. */
int roce_post_write(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes, uint64_t raddr,
                    uint32_t rkey);
int roce_post_send(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes);
int roce_post_read(struct roce_qp *qp, uint64_t wr_id, uint32_t bytes, uint64_t raddr,
                   uint32_t rkey);

enum roce_qp_state roce_qp_state(const struct roce_qp *qp);
uint32_t roce_qp_num(const struct roce_qp *qp);
uint32_t roce_qp_peer_num(const struct roce_qp *qp);
uint32_t roce_qp_comm_id(const struct roce_qp *qp);  /* local Communication ID */
uint16_t roce_qp_udp_sport(const struct roce_qp *qp);
uint16_t roce_qp_nd_port(const struct roce_qp *qp);
struct roce_dev *roce_qp_dev(const struct roce_qp *qp);
/* Work requests posted and not yet completed. */
size_t roce_qp_outstanding(const struct roce_qp *qp);
/* Current DCQCN rate (the line rate without DCQCN). */
uint64_t roce_qp_rate(const struct roce_qp *qp);
/* The QP's DCQCN reaction point, NULL without DCQCN. */
const struct dcqcn_rp *roce_qp_rp(const struct roce_qp *qp);
const struct roce_qp_stats *roce_qp_stats(const struct roce_qp *qp);
/* Adds qp's packets retransmitted, NAKs received, CNPs received and ACK
 * timeouts to out[0..3] (a flow's loss counters). */
void roce_qp_add_loss_counters(const struct roce_qp *qp, uint64_t out[4]);
/* Verifies the invariants listed above; 0 or -EINVAL (test hook). */
int roce_qp_check(const struct roce_qp *qp);

const char *roce_err_name(enum roce_qp_err why);
const char *roce_op_name(enum roce_op op);

/* The UDP source port of a connection between local and remote QPNs, as
 * Linux derives it (rdma_calc_flow_label + rdma_flow_label_to_udp_sport):
 * symmetric in the two QPNs, in 0xC000..0xFFFF. */
uint16_t roce_udp_sport(uint32_t lqpn, uint32_t rqpn);

#endif
