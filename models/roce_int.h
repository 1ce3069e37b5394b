/* roce_int: the members of the RoCEv2 engine's objects, shared by roce.c
 * (transport, scheduler) and roce_cm.c (connection management).  Clients
 * use roce.h. */
#ifndef SETSIM_ROCE_INT_H
#define SETSIM_ROCE_INT_H

#include <stdint.h>

#include "pkt.h"
#include "pkt_roce.h"
#include "roce.h"
#include "sim_rng.h"

#define ROCE_PSN_MASK 0xFFFFFFu
#define ROCE_QP1 1u                   /* the General Services QP (CM MADs) */
#define ROCE_GSI_QKEY 0x80010000u     /* IBA well-known Q_Key of QP1 */
#define ROCE_MAX_LISTENERS 8

/* A work request on the send queue.  PSNs are absolute (64-bit) in the
 * requester's space; the wire carries (ipsn + psn) mod 2^24. */
struct roce_wqe {
    uint64_t wr_id;
    enum roce_op op;
    uint32_t len;
    uint64_t raddr;
    uint32_t rkey;
    uint64_t first;    /* first PSN */
    uint32_t npkts;    /* PSNs it uses (READ: its response packets) */
    uint32_t resp_rx;  /* READ: responses received in order */
    int req_sent;      /* READ: counted in rd_out */
    sim_time_t posted;
};

/* READ responses the responder owes, in PSN order. */
struct roce_rd_job {
    uint64_t first;    /* PSN of the first response still to send (requester space) */
    uint32_t npkts;    /* responses of this job */
    uint32_t next;     /* responses sent */
    uint32_t len;      /* bytes from `first` on */
};

/* The last sim_tx_time(bytes, bps) asked for: a scheduler asks the same
 * (a full frame at an unchanged rate) packet after packet, and a 64-bit
 * division is the dearest step of its pacing.  bps 0: empty. */
struct roce_txtime {
    uint64_t bytes, bps;
    sim_time_t t;
};

struct roce_qp {
    /* What the transmit scheduler reads for every QP it visits
     * (qp_has_work__, pacing, wqe_at__), together: two cache lines at
     * most instead of five. */
    enum roce_qp_state state;
    uint32_t rd_out;             /* READ requests outstanding */
    size_t rd_count;             /* READ jobs queued (responder) */
    uint64_t nxt;                /* next PSN to send */
    uint64_t post_end;           /* PSN after the last posted WQE */
    size_t wq_snd;               /* ring offset (from head) of the WQE holding nxt */
    size_t wq_count;
    sim_time_t next_allowed;     /* pacing at the QP's rate */
    struct roce_txtime pace;     /* its last line time */
    struct roce_wqe *wq;         /* ring, capacity wq_cap (power of two) */
    size_t wq_cap, wq_head;

    struct roce_dev *dev;        /* owner */
    uint32_t qpn, peer_qpn;
    uint16_t nd_port;
    const struct roce_qp_ops *ops; /* not owned */
    void *ctx;
    uint8_t version;             /* peer address family: 4 or 6 */
    uint8_t peer_ip[16];
    uint16_t udp_sport;
    uint32_t ipsn, peer_ipsn;    /* initial PSNs (wire) */
    size_t live_idx;             /* index in dev->live */

    /* requester */
    uint64_t max;                /* one past the highest PSN sent */
    uint64_t una;                /* oldest PSN not acknowledged */
    uint64_t acked;              /* every PSN below is ACKed (WRITE/SEND) */
    uint64_t goback_at;          /* una of the last go-back (one per episode) */
    int goback_done;
    uint8_t retry_left;
    sim_time_t deadline;         /* local ACK timeout; 0: not armed */
    sim_event_id timer;

    /* responder (PSNs in the requester's space) */
    uint64_t epsn;               /* expected PSN */
    uint32_t msn;
    uint32_t unacked;            /* accepted packets since the last ACK */
    int nak_sent;                /* one NAK per sequence error */
    uint64_t msg_bytes;          /* bytes of the SEND/WRITE being received */
    uint64_t msg_start;          /* its first PSN */
    int ack_pending;             /* an ACK (1) or NAK (2) waits behind READ responses */
    struct roce_rd_job *rd;      /* ring of READ jobs */
    size_t rd_cap, rd_head;

    /* DCQCN */
    struct dcqcn_rp *rp;         /* owned; NULL without DCQCN */
    sim_time_t np_next;          /* NP: no CNP before this time */
    int np_sent;                 /* NP: a CNP was sent once */

    /* CM */
    uint32_t comm_id, peer_comm_id;
    uint64_t cm_tid;             /* transaction ID of our REQ/REP */
    int connected;               /* reached RTS once (DREQ makes sense) */
    int dreq_sent;
    uint32_t cm_tries;
    sim_event_id cm_timer;

    struct roce_qp_stats st;

    /* The headers of the QP's packets (build__), rebuilt when the
     * addresses, MACs or BTH fields they hold change; reused as they are
     * while tmpl_current__ finds the stack and the QP unchanged. */
    struct pkt_roce_tmpl tx_tmpl;
};

/* A DREQ waiting for the device's next event (it is never sent from
 * inside a caller's call: roce_disconnect may run in a team callback). */
struct roce_cm_dreq {
    uint8_t version;
    uint8_t ip[16];
    uint16_t nd_port;
    uint32_t local_comm, remote_comm, remote_qpn;
    uint32_t sent;           /* times sent */
    sim_time_t due;          /* next (re)send */
};

struct roce_listener {
    uint16_t port;
    roce_accept_fn fn;
    void *ctx;
};

struct roce_dev {
    struct sim_engine *eng;      /* not owned */
    struct trace *trace;         /* not owned, may be NULL */
    struct frame_pool *pool;     /* not owned */
    struct ipstack *stack;       /* not owned */
    struct roce_settings cfg;
    char *name;
    trace_obj_t obj;
    sim_time_t ack_timeout;
    struct sim_rng rng;          /* initial PSNs, comm IDs */
    struct roce_qp **qps;        /* by qpn - cfg.first_qpn; NULL once destroyed */
    size_t nqps, qps_cap;
    struct roce_qp **live;       /* QPs not destroyed, for the scheduler */
    size_t nlive, live_cap;
    size_t rr;                   /* round-robin cursor into live */
    sim_event_id pump_ev;
    sim_time_t pump_at;
    sim_time_t next_free;        /* the port's next free transmit time */
    struct roce_txtime line_time; /* the port's last line time */
    roce_gate_fn gate;
    void *gate_ctx;
    struct roce_listener listeners[ROCE_MAX_LISTENERS];
    uint32_t next_comm_id;
    uint32_t gsi_psn;            /* PSN of QP1's next MAD */
    uint64_t next_tid;           /* CM transaction IDs */
    struct roce_cm_dreq *dreq;   /* DREQs to send or waiting for their DREP */
    size_t ndreq, dreq_cap;
    sim_event_id dreq_ev;
    sim_time_t dreq_at;          /* when dreq_ev runs */
    struct roce_dev_counters ctr;
};

/* roce.c */
struct roce_qp *roce_qp_lookup__(struct roce_dev *d, uint32_t qpn);
/* Frame with the device's L2/IP spec toward the QP's peer; NULL on error. */
int roce_ip_spec__(struct roce_dev *d, uint8_t version, const uint8_t *dst, uint8_t ecn,
                   struct pkt_l2_spec *l2, struct pkt_ip_spec *ip);
/* Hands a built frame to the stack (counts; takes the reference). */
void roce_xmit__(struct roce_dev *d, struct frame *f, uint16_t nd_port);
void roce_qp_error__(struct roce_qp *qp, enum roce_qp_err why);
void roce_established__(struct roce_qp *qp);
/* Peer QPN and initial PSN known: UDP source port, PSN state. */
void roce_qp_bind_peer__(struct roce_qp *qp);

/* roce_cm.c */
void roce_cm_rx__(struct roce_dev *d, struct frame *f, const struct pkt_info *pi);
int roce_cm_send_req__(struct roce_qp *qp);
void roce_cm_send_dreq__(struct roce_qp *qp);
void roce_cm_stop__(struct roce_qp *qp);

#endif
