/* tcp: a TCP endpoint over an ipstack (the IP endpoint of a vNIC), with a
 * virtual byte stream: the application gives byte counts (tcp_send) and is
 * told how many bytes arrived in order (delivered) and how many of its own
 * the peer acknowledged (acked).  Every segment is a real frame built with
 * the pkt codecs, so a capture decodes in Wireshark.
 *
 * What is modelled:
 *  - open and close: active open (tcp_connect) and passive open
 *    (tcp_listen + accept callback) with the three-way handshake; SYN and
 *    SYN-ACK carry MSS and window scale, optionally SACK-permitted and
 *    timestamps (RFC 7323) and the ECN setup flags (RFC 3168 6.1.1); FIN
 *    close in both directions with TIME_WAIT; RST on tcp_abort and on
 *    reception (-ECONNRESET);
 *  - segmentation: the MSS option is the path MTU minus the IP and TCP
 *    headers (1500 -> 1460 over IPv4, 1440 over IPv6; 9000 -> 8960); a
 *    segment carries min(ours, the peer's) bytes, less 12 with timestamps;
 *    tcp_send_records() keeps segments from crossing record boundaries (an
 *    upper layer such as iWARP MPA puts one FPDU in each segment);
 *  - congestion control per connection: NewReno (RFC 5681 slow start and
 *    congestion avoidance with byte counting, RFC 3465 L = 2 SMSS in slow
 *    start; fast retransmit on 3 duplicate ACKs and fast recovery with
 *    partial ACKs, RFC 6582) or CUBIC (RFC 8312: C = 0.4, beta = 0.7, fast
 *    convergence, the TCP-friendly region), both inside the same loss
 *    recovery; cwnd grows only while the sender uses at least half of it
 *    (RFC 7661's validation, so an application- or window-limited flow
 *    does not inflate cwnd);
 *  - RTO per RFC 6298: SRTT/RTTVAR from one timed segment per round trip,
 *    Karn's rule (no sample from a retransmitted segment), exponential
 *    backoff kept until a new sample, min_rto / max_rto, the 3 s reset
 *    after a retransmitted SYN (5.7); go-back-N from snd_una after a
 *    timeout; abort after max_retries timeouts in a row (-ETIMEDOUT);
 *  - receiver: delayed ACKs (every delack_segments-th full segment or
 *    delack_timeout), immediate ACKs for out-of-order segments and for
 *    segments that fill a hole (RFC 5681 4.2); out-of-order data is held
 *    and delivered when the hole fills; the window is rcv_buf scaled by
 *    the negotiated shift (the application consumes at once, so the window
 *    never closes and no persist timer is needed);
 *  - ECN (RFC 3168): negotiated when both ends enable it; new data leaves
 *    ECT(0) (never retransmissions, pure ACKs or SYNs); a CE mark makes
 *    the receiver set ECE on its ACKs until a CWR arrives; the sender
 *    reduces cwnd (NewReno: half, CUBIC: beta) at most once per window of
 *    data and sets CWR on its next new segment.
 * Model choices: SACK-permitted is only negotiated (no SACK blocks are
 * sent; recovery is NewReno); timestamps carry tsval in microseconds and
 * are echoed, but RTT comes from the timed segment as without them; there
 * is no Nagle delay (the virtual application writes whole transfers) but
 * the sender avoids silly windows (RFC 1122 4.2.3.4); the RTO is restarted
 * when fast retransmit resends the first segment (as BSD and Linux do);
 * limited transmit, simultaneous open, urgent data and PMTU discovery are
 * not modelled; IPv4 segments are sent with DF set; a segment to a port
 * nobody listens on is dropped by the ipstack (no RST is sent).
 *
 * Defaults are those of Windows Server's "Datacenter" TCP template
 * (Get-NetTCPSetting -SettingName Datacenter): MinRto 20 ms,
 * DelayedAckTimeout 10 ms, DelayedAckFrequency 2, InitialCongestionWindow
 * 10 MSS, InitialRto 1000 ms, ECN and timestamps off.  The simulator's
 * hosts are Hyper-V hosts in a datacenter, and the Linux default of 200 ms
 * (or Windows' Internet template's 300 ms) would make every timeout in a
 * microsecond-RTT fabric cost thousands of round trips.
 *
 * Connection states (RFC 793) and the functions that move between them:
 *
 *   state         event                              next          function
 *   ------------  ---------------------------------  ------------  -------------------
 *   -             tcp_connect(): SYN sent            SYN_SENT      tcp_connect
 *   -             SYN at a listener: SYN-ACK sent    SYN_RCVD      listener_syn__
 *   SYN_SENT      SYN-ACK acking our SYN: ACK sent   ESTABLISHED   input_syn_sent__
 *   SYN_SENT      RST                                CLOSED        input_syn_sent__
 *   SYN_RCVD      ACK of our SYN-ACK                 ESTABLISHED   input_prelude__ (accept)
 *   SYN_*         syn_retries timeouts exhausted     CLOSED        on_timeout__
 *   ESTABLISHED   tcp_close(): FIN after the data    FIN_WAIT_1    tcp_close
 *   ESTABLISHED   FIN received (in order)            CLOSE_WAIT    consume_fin__
 *   FIN_WAIT_1    our FIN acked                      FIN_WAIT_2    ack_fin__
 *   FIN_WAIT_1    FIN received (ours not acked)      CLOSING       consume_fin__
 *   FIN_WAIT_2    FIN received                       TIME_WAIT     consume_fin__
 *   CLOSING       our FIN acked                      TIME_WAIT     ack_fin__
 *   CLOSE_WAIT    tcp_close(): FIN after the data    LAST_ACK      tcp_close
 *   LAST_ACK      our FIN acked                      CLOSED        ack_fin__
 *   TIME_WAIT     time_wait elapsed                  CLOSED        timer_fire__
 *   any open      RST received / tcp_abort()         CLOSED        close__
 *   any open      max_retries timeouts in a row      CLOSED        on_timeout__
 *
 * Invariants (tcp_check): snd_una <= snd_nxt <= snd_max <= end of the
 * queued stream (+1 for a FIN); cwnd >= 1 MSS once established; held
 * out-of-order ranges are sorted, disjoint and beyond rcv_nxt; a pending
 * engine event exists, no later than the earliest armed deadline, whenever
 * a deadline (RTO, delayed ACK, TIME_WAIT) is armed.
 *
 * Timers: one engine event per connection.  The RTO, delayed-ACK and
 * TIME_WAIT deadlines are plain fields; the event is (re)scheduled only
 * when a deadline moves before it, and when it fires it re-checks every
 * deadline.  Restarting the RTO on each ACK therefore schedules nothing:
 * a busy connection costs about one timer event per RTO interval.
 *
 * Efficiency: no allocation per segment in the steady state.  Frames come
 * from the pool and are built afresh for a retransmission (no retransmit
 * queue of frames); the out-of-order store and the record runs are arrays
 * that grow to their high-water mark and stay.  An IPv4 segment without
 * upper-layer bytes is a copy of the connection's header template (its
 * Ethernet, IPv4 and TCP headers as the codecs write them, rebuilt when
 * the stack's address or TTL or the timestamps option changes) with the
 * segment's fields and both checksums written in; the rest (IPv6, ULP
 * bytes, tcp_settings.general_path) is built layer by layer.  The bytes
 * are the same either way (test_tcp fast_path_equivalence), as they are
 * with the per-segment shortcuts general_path also turns off: a plain
 * stream's segment ends without a record search, an ESTABLISHED ACK skips
 * the state dispatch.
 *
 * Ownership and lifetime: a connection from tcp_connect() belongs to the
 * caller (tcp_conn_destroy); one accepted by a listener belongs to the
 * listener (freed by tcp_listener_destroy, or earlier by tcp_conn_destroy).
 * As every model, destroy does not touch the engine: destroy the engine
 * first, or tcp_abort() a connection (which cancels its timer) before
 * destroying it in a running simulation.  Destroy connections and
 * listeners before their ipstack (they unbind their ports).  Callbacks may
 * call tcp_send, tcp_send_records, tcp_close and tcp_abort, never a
 * destroy function.
 */
#ifndef SETSIM_TCP_H
#define SETSIM_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "sim_engine.h"

struct tcp_conn;
struct tcp_listener;
struct ipstack;

/* Defaults (used when a setting is 0). */
#define TCP_DEFAULT_MTU 1500                  /* Ethernet */
#define TCP_DEFAULT_MIN_RTO (20 * SIM_MS)     /* Windows Datacenter MinRto */
#define TCP_DEFAULT_MAX_RTO (60 * SIM_S)      /* RFC 6298 2.5: at least 60 s */
#define TCP_DEFAULT_INITIAL_RTO (1 * SIM_S)   /* RFC 6298 2.1; Windows InitialRto */
#define TCP_DEFAULT_DELACK (10 * SIM_MS)      /* Windows Datacenter DelayedAckTimeout */
#define TCP_DEFAULT_DELACK_SEGS 2             /* DelayedAckFrequency; RFC 5681 4.2 */
#define TCP_DEFAULT_INIT_CWND 10              /* MSS; RFC 6928, Windows IW */
/* Receive buffer: 1 MiB covers the bandwidth-delay product of a 100 Gb/s
 * path with an 80 us round trip, what Windows' receive window autotuning
 * reaches in a datacenter; the window scale is the smallest shift that
 * fits it in 16 bits. */
#define TCP_DEFAULT_RCV_BUF (1u << 20)
#define TCP_DEFAULT_MAX_RETRIES 5             /* Windows TcpMaxDataRetransmissions */
#define TCP_DEFAULT_SYN_RETRIES 2             /* Windows MaxSynRetransmissions */
#define TCP_DEFAULT_TIME_WAIT (120 * SIM_S)   /* Windows TcpTimedWaitDelay (2 MSL) */

/* Real upper-layer bytes a segment may carry at its start and its end
 * (tcp_ulp): enough for an MPA/DDP/RDMAP header and the MPA CRC. */
#define TCP_ULP_HEAD_MAX 64
#define TCP_ULP_TAIL_MAX FRAME_TRAILER_MAX

enum tcp_cc {
    TCP_CC_NEWRENO = 0, /* RFC 5681 + RFC 6582 */
    TCP_CC_CUBIC,       /* RFC 8312 */
};

enum tcp_state {
    TCP_CLOSED = 0,
    TCP_SYN_SENT,
    TCP_SYN_RCVD,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSING,
    TCP_TIME_WAIT,
    TCP_CLOSE_WAIT,
    TCP_LAST_ACK,
};

struct tcp_settings {
    uint32_t mtu;             /* path MTU (IP packet bytes); 0: TCP_DEFAULT_MTU */
    uint32_t mss;             /* MSS option to send; 0: from mtu */
    enum tcp_cc cc;           /* congestion control */
    sim_time_t min_rto;       /* 0: TCP_DEFAULT_MIN_RTO */
    sim_time_t max_rto;       /* 0: TCP_DEFAULT_MAX_RTO */
    sim_time_t initial_rto;   /* 0: TCP_DEFAULT_INITIAL_RTO */
    sim_time_t delack_timeout; /* 0: TCP_DEFAULT_DELACK */
    uint32_t delack_segments; /* ACK every n-th segment; 0: TCP_DEFAULT_DELACK_SEGS,
                               * 1: no delayed ACKs */
    uint32_t init_cwnd;       /* segments; 0: TCP_DEFAULT_INIT_CWND */
    uint64_t init_ssthresh;   /* bytes; 0: unlimited (slow start until loss) */
    uint32_t rcv_buf;         /* receive window in bytes; 0: TCP_DEFAULT_RCV_BUF */
    uint8_t sack_ok;          /* 1: offer SACK-permitted */
    uint8_t timestamps;       /* 1: offer RFC 7323 timestamps */
    uint8_t ecn;              /* 1: offer / accept ECN (RFC 3168) */
    uint8_t dscp;             /* DSCP of every segment */
    uint32_t max_retries;     /* timeouts in a row before abort; 0: default */
    uint32_t syn_retries;     /* SYN / SYN-ACK retransmissions; 0: default */
    sim_time_t time_wait;     /* 0: TCP_DEFAULT_TIME_WAIT */
    uint32_t iss;             /* initial send sequence; 0: derived from the
                               * addresses and ports (deterministic) */
    uint64_t flow_id;         /* frame->flow_id of every segment, 0: none */
    uint16_t frame_flags;     /* FRAME_F_* set on every frame (iWARP: FRAME_F_RDMA) */
    uint16_t nd_port;         /* frame->nd_port of every frame (iWARP, CFG-031) */
    uint8_t priority;         /* frame->priority of every frame (0..7): what the vmswitch
                               * tags when no NetQos policy classifies it */
    uint8_t general_path;     /* 1: no IPv4 header template: every segment is built
                               * layer by layer by the pkt codecs, and no shortcuts
                               * (record search, input dispatch): the same frames,
                               * slower; tests compare the two */
};

void tcp_settings_default(struct tcp_settings *s);

/* What the application hears (each may be NULL). */
struct tcp_callbacks {
    /* The handshake completed (active side; a listener's accept callback
     * stands for this on the passive side). */
    void (*established)(void *ctx, struct tcp_conn *c);
    /* bytes new in-order bytes arrived (and were consumed). */
    void (*delivered)(void *ctx, struct tcp_conn *c, uint64_t bytes);
    /* bytes of ours were newly acknowledged by the peer. */
    void (*acked)(void *ctx, struct tcp_conn *c, uint64_t bytes);
    /* The peer's FIN arrived: no more data will be delivered. */
    void (*peer_closed)(void *ctx, struct tcp_conn *c);
    /* The connection reached CLOSED: err 0 (orderly), -ETIMEDOUT (retries
     * exhausted), -ECONNRESET (RST received), -ECONNREFUSED (RST to our
     * SYN), -ECONNABORTED (tcp_abort). */
    void (*closed)(void *ctx, struct tcp_conn *c, int err);
};

/* An upper-layer protocol that puts real bytes in the segments (iWARP
 * MPA).  A segment's payload is [head bytes][virtual zeros][tail bytes]. */
struct tcp_ulp {
    /* Fills the real bytes of the segment carrying stream bytes
     * [off, off + len): up to TCP_ULP_HEAD_MAX bytes at its start (head)
     * and up to TCP_ULP_TAIL_MAX at its end (tail, sent as the frame's
     * trailer).  *head_len + *tail_len <= len.  Called again, with the
     * same arguments, for a retransmission. */
    void (*tx_fill)(void *ctx, struct tcp_conn *c, uint64_t off, uint32_t len, uint8_t *head,
                    uint32_t *head_len, uint8_t *tail, uint32_t *tail_len);
    /* Called for each segment as it becomes in order, before `delivered`
     * counts it, with the bytes tx_fill gave it (head_len and tail_len 0
     * when the segment was trimmed by an overlap). */
    void (*rx_segment)(void *ctx, struct tcp_conn *c, uint64_t off, uint32_t len,
                       const uint8_t *head, uint32_t head_len, const uint8_t *tail,
                       uint32_t tail_len);
};

/* Per-connection statistics (gauges are current values). */
struct tcp_stats {
    /* sender */
    uint64_t bytes_queued;    /* given to tcp_send */
    uint64_t bytes_sent;      /* payload bytes transmitted, retransmissions included */
    uint64_t bytes_acked;     /* our payload bytes acknowledged */
    uint64_t segs_sent;       /* every segment, pure ACKs included */
    uint64_t data_segs_sent;  /* segments with payload, retransmissions included */
    uint64_t retrans_segs;    /* retransmitted segments (all causes) */
    uint64_t fast_retrans;    /* ... retransmitted in fast recovery */
    uint64_t rto_retrans;     /* ... retransmitted after a timeout */
    uint64_t recoveries;      /* fast recoveries entered (3 duplicate ACKs) */
    uint64_t timeouts;        /* RTO expirations (SYN ones included) */
    uint64_t dup_acks;        /* duplicate ACKs received */
    uint64_t ece_rcvd;        /* ACKs received with ECE */
    uint64_t ecn_reductions;  /* cwnd reductions caused by ECE */
    uint64_t cwr_sent;        /* segments sent with CWR */
    /* receiver */
    uint64_t bytes_delivered; /* in-order bytes handed to the application */
    uint64_t segs_rcvd;       /* every segment accepted by the connection */
    uint64_t data_segs_rcvd;
    uint64_t acks_sent;       /* pure ACKs sent */
    uint64_t delayed_acks;    /* ... sent by the delayed-ACK timer */
    uint64_t ooo_segs;        /* segments that arrived beyond a hole */
    uint64_t dup_segs;        /* segments entirely below rcv_nxt */
    uint64_t ce_rcvd;         /* data segments that arrived CE-marked */
    uint64_t ece_sent;        /* segments sent with ECE */
    uint64_t dropped;         /* segments ignored: out of window, no room, bad */
    uint64_t timer_events;    /* engine events the connection's timer ran */
    /* gauges */
    uint64_t cwnd, ssthresh;  /* bytes; ssthresh UINT64_MAX while unlimited */
    uint32_t mss;             /* payload bytes per segment */
    sim_time_t srtt, rttvar, rto;
    sim_time_t min_rtt;       /* smallest RTT sample, 0 before the first */
    /* times (0: not yet) */
    sim_time_t t_open;        /* tcp_connect / SYN arrival */
    sim_time_t t_established;
    sim_time_t t_first_send;  /* first byte queued with tcp_send */
    sim_time_t t_all_acked;   /* last time every queued byte was acknowledged:
                               * t_all_acked - t_first_send is the FCT */
    sim_time_t t_last_delivery; /* last in-order delivery */
    sim_time_t t_closed;
};

/* Opens a connection from stack to dst:dport (version 4: 4-byte address,
 * 6: 16 bytes) from an ephemeral port; the SYN leaves at once (queued on
 * neighbour resolution if needed).  eng, pool and stack are not owned; cb
 * is copied (may be NULL).  Returns NULL with errno EINVAL, EADDRNOTAVAIL,
 * EADDRINUSE or ENOMEM. */
struct tcp_conn *tcp_connect(struct sim_engine *eng, struct frame_pool *pool,
                             struct ipstack *stack, const struct tcp_settings *s,
                             uint8_t version, const uint8_t *dst, uint16_t dport,
                             const struct tcp_callbacks *cb, void *ctx);

/* The accept callback: c has completed its handshake (ESTABLISHED) and
 * belongs to the listener; set its callbacks here (tcp_set_callbacks,
 * tcp_set_ulp) before any data is delivered. */
typedef void (*tcp_accept_fn)(void *ctx, struct tcp_listener *l, struct tcp_conn *c);

/* Listens on port of stack (IPv4 and IPv6); accepted connections take s.
 * Returns NULL with errno EINVAL, EADDRINUSE or ENOMEM. */
struct tcp_listener *tcp_listen(struct sim_engine *eng, struct frame_pool *pool,
                                struct ipstack *stack, uint16_t port,
                                const struct tcp_settings *s, tcp_accept_fn accept,
                                void *ctx);
/* Unbinds the port and frees the listener and its connections (NULL-safe;
 * does not touch the engine). */
void tcp_listener_destroy(struct tcp_listener *l);
size_t tcp_listener_count(const struct tcp_listener *l); /* connections it holds */

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *ctx);
void tcp_set_ulp(struct tcp_conn *c, const struct tcp_ulp *ulp, void *ctx);

/* Queues bytes of virtual payload.  Allowed before the handshake completes
 * and until tcp_close; 0, -EINVAL, -ENOTCONN (closed), -EPIPE (after
 * tcp_close) or -ENOMEM. */
int tcp_send(struct tcp_conn *c, uint64_t bytes);
/* The same, cut into records of `record` bytes (the last may be shorter):
 * no segment crosses a record boundary.  record 0 is tcp_send. */
int tcp_send_records(struct tcp_conn *c, uint64_t bytes, uint32_t record);
/* Sends a FIN after the queued bytes (in SYN_SENT: gives up at once);
 * 0, or -ENOTCONN when closed or not yet accepted. */
int tcp_close(struct tcp_conn *c);
/* Sends a RST, cancels the timer and goes CLOSED (closed callback with
 * -ECONNABORTED); 0, or -ENOTCONN when already closed. */
int tcp_abort(struct tcp_conn *c);
/* Frees a connection (NULL-safe; does not touch the engine). */
void tcp_conn_destroy(struct tcp_conn *c);

enum tcp_state tcp_state(const struct tcp_conn *c);
const char *tcp_state_name(enum tcp_state st);
const struct tcp_stats *tcp_stats(const struct tcp_conn *c);
/* Payload bytes per full segment (0 before the handshake completes). */
uint32_t tcp_mss(const struct tcp_conn *c);
/* Bytes queued and not yet acknowledged. */
uint64_t tcp_unacked(const struct tcp_conn *c);
uint16_t tcp_local_port(const struct tcp_conn *c);
uint16_t tcp_remote_port(const struct tcp_conn *c);
/* What was negotiated: window scale shifts (PKT_TCP_NO_WSCALE when not
 * in use), timestamps, SACK-permitted, ECN. */
struct tcp_options {
    uint8_t snd_wscale, rcv_wscale;
    uint8_t timestamps, sack_ok, ecn;
    uint16_t peer_mss;
};
void tcp_options(const struct tcp_conn *c, struct tcp_options *o);
/* Verifies the invariants listed above; 0 or -EINVAL (test hook). */
int tcp_check(const struct tcp_conn *c);

#endif
