/* iwarp: RDMA over the TCP model: RDMAP (RFC 5040) over DDP (RFC 5041)
 * over MPA (RFC 5044, enhanced connection setup of RFC 6581) over a
 * tcp_conn, behind a queue-pair-like API: post an RDMA WRITE, SEND or
 * READ of N bytes, get a completion.
 *
 * Framing, with its overhead counted byte for byte:
 *  - connection setup: after the TCP handshake the initiator sends an MPA
 *    Request and the responder answers with an MPA Reply (20-byte header,
 *    revision 2, CRC on, markers as configured, 4 bytes of private data
 *    with IRD/ORD); only then do FPDUs flow (state RTS);
 *  - every DDP segment is one MPA FPDU in one TCP segment (FPDU
 *    alignment: the FPDUs of a message are handed to TCP as records of
 *    their exact size, tcp_send_records): 2 bytes of ULPDU length, the
 *    DDP/RDMAP header (tagged: WRITE, READ Response, 14 bytes; untagged:
 *    SEND, READ Request, 18 bytes, plus the 28-byte RDMAP READ Request
 *    header), the payload, a pad to 4 bytes, the 4-byte CRC32c;
 *  - MULPDU, the largest ULPDU, follows RFC 5044 from the TCP EMSS:
 *    EMSS - (6 + EMSS mod 4), less 4 x ceil(EMSS / 512) with markers.  At
 *    EMSS 1460 a WRITE carries 1440 payload bytes per 1460-byte FPDU;
 *  - markers (off by default, as Windows and current RNICs negotiate):
 *    when on, each FPDU is charged one 4-byte marker per 508 bytes (the
 *    RFC's upper bound); their bytes are virtual zeros, so such a capture
 *    does not decode at the MPA level.
 * The header bytes, the MPA Request/Reply and the CRC are real bytes in
 * the frames (head bytes and trailer of tcp_ulp), the payload is virtual
 * zeros, and the CRC32c is computed over them, so Wireshark dissects the
 * connection as iWARP MPA/DDP/RDMAP.
 *
 * Every frame of the connection, the TCP handshake included, leaves with
 * FRAME_F_RDMA (the RNIC sends it, so SET keeps it on the vNIC's
 * affinitized member, DYN-010) and frame->nd_port set to the
 * NetworkDirect port (445 for SMB Direct) so that the host's NetQos
 * policies classify it (CFG-031).  The TCP port is separate: SMB Direct
 * over iWARP listens on TCP 5445 ([MS-SMBD] 1.9: "smbdirect", IANA, mapped
 * from Microsoft-DS 445 so that iWARP and TCP SMB listeners coexist).
 *
 * iWARP needs no DCB (DCB-008): without PFC its losses are TCP's, and
 * TCP's retransmissions recover them.
 *
 * Semantics and model choices:
 *  - requester completions: WRITE and SEND are done when TCP has the
 *    whole message acknowledged, READ when the last READ Response FPDU
 *    arrives in order; completions are reported in posting order (a
 *    WRITE acknowledged before an earlier READ's response arrived is
 *    held until that READ completes), at the time they are reported;
 *  - target side: completions flagged `remote` report a SEND received, a
 *    WRITE placed (real verbs give no completion for it; the simulation
 *    reports it for flow statistics) and a READ served (its response
 *    acknowledged);
 *  - the target never runs out of receive buffers (no RNR), READs are not
 *    limited by IRD/ORD (the values are only negotiated), STags and tagged
 *    offsets are synthetic (one buffer per QP, offsets increasing);
 *  - a connection closed with an error flushes the outstanding work
 *    requests (completions with that status, in posting order);
 *  - graceful close: iwarp_disconnect sends TCP's FIN after the work
 *    posted so far (after RTS when called before it); a QP whose peer
 *    closed (FIN received) closes its side too, after what it has
 *    queued, as an RNIC ends the stream on the LLP's graceful close; READs
 *    still outstanding then are flushed with -ECONNRESET.
 *
 * QP states (functions that move them):
 *
 *   state    event                                  next     function
 *   -------  -------------------------------------  -------  ------------------
 *   -        iwarp_connect(): TCP SYN               CONNECT  iwarp_connect
 *   CONNECT  TCP established: MPA Request sent      MPA      tcp_established__
 *   -        TCP connection accepted                MPA      accept__
 *   MPA      MPA Request in (responder): Reply out  RTS      rx_mpa__
 *   MPA      MPA Reply in (initiator)               RTS      rx_mpa__
 *   RTS      TCP FIN received: FIN sent back        RTS      tcp_peer_closed__
 *   any      TCP closed                             CLOSED   tcp_closed__
 *
 * Work requests posted before RTS wait and are framed, in order, when the
 * QP reaches RTS.
 *
 * Ownership mirrors tcp.h: a QP from iwarp_connect belongs to the caller,
 * an accepted one to its listener.  Destroy before the ipstack, after the
 * engine (or after iwarp_disconnect has closed the connection).
 */
#ifndef SETSIM_IWARP_H
#define SETSIM_IWARP_H

#include <stddef.h>
#include <stdint.h>

#include "sim_engine.h"
#include "tcp.h"

struct iwarp_qp;
struct iwarp_listener;
struct ipstack;

#define IWARP_SMBDIRECT_TCP_PORT 5445 /* [MS-SMBD] 1.9, IANA "smbdirect" */
#define IWARP_SMBDIRECT_ND_PORT 445   /* the NetworkDirect port (CFG-031) */

#define IWARP_MPA_LEN_HDR 2       /* ULPDU length */
#define IWARP_MPA_CRC 4           /* CRC32c */
#define IWARP_MPA_MARKER 4
#define IWARP_MPA_MARKER_INTERVAL 512
#define IWARP_MPA_REQREP_HDR 20   /* key 16, flags, revision, PD length */
#define IWARP_MPA_PRIVATE 4       /* RFC 6581 IRD/ORD */
#define IWARP_DDP_TAGGED_HDR 14   /* DDP control, RDMAP control, STag, TO */
#define IWARP_DDP_UNTAGGED_HDR 18 /* ... reserved, QN, MSN, MO */
#define IWARP_RDMAP_READ_REQ 28   /* sink STag/TO, size, source STag/TO */
#define IWARP_DEFAULT_IRD 16

enum iwarp_op {
    IWARP_OP_WRITE = 0,
    IWARP_OP_SEND,
    IWARP_OP_READ,
    IWARP_OP_COUNT
};

struct iwarp_settings {
    struct tcp_settings tcp; /* of the connection; frame_flags gets
                              * FRAME_F_RDMA, nd_port the value below */
    uint16_t nd_port;        /* NetworkDirect port; 0: IWARP_SMBDIRECT_ND_PORT */
    uint8_t markers;         /* 1: MPA markers (RFC 5044 5) */
    uint16_t ird, ord;       /* negotiated in the MPA private data; 0: default */
};

void iwarp_settings_default(struct iwarp_settings *s);

/* A work completion. */
struct iwarp_wc {
    uint64_t wr_id;          /* from iwarp_post; 0 for target-side ones */
    enum iwarp_op op;
    uint8_t remote;          /* 1: target side (SEND received, WRITE placed,
                              * READ served) */
    int status;              /* 0, or the TCP error that flushed it */
    uint64_t bytes;          /* payload bytes */
    sim_time_t posted;       /* requester: iwarp_post; target: first FPDU in */
    sim_time_t done;
};

struct iwarp_callbacks {
    void (*established)(void *ctx, struct iwarp_qp *qp); /* RTS */
    void (*completion)(void *ctx, struct iwarp_qp *qp, const struct iwarp_wc *wc);
    void (*closed)(void *ctx, struct iwarp_qp *qp, int err); /* the TCP error, 0 */
};

struct iwarp_stats {
    uint64_t posted[IWARP_OP_COUNT];
    uint64_t completed[IWARP_OP_COUNT];        /* requester, status 0 */
    uint64_t flushed;                          /* requester, with an error */
    uint64_t remote_completed[IWARP_OP_COUNT]; /* target side */
    uint64_t payload_tx, payload_rx;           /* RDMA payload bytes framed / arrived */
    uint64_t fpdus_tx, fpdus_rx;
    uint64_t framing_tx;      /* MPA + DDP/RDMAP + pad + CRC + marker bytes framed */
    uint64_t mpa_setup_tx;    /* MPA Request/Reply bytes */
    uint64_t rx_errors;       /* segments that did not parse as MPA/DDP/RDMAP */
    sim_time_t t_rts;
};

/* Opens a QP to dst:dport (TCP connect, then MPA).  Returns NULL with
 * errno as tcp_connect. */
struct iwarp_qp *iwarp_connect(struct sim_engine *eng, struct frame_pool *pool,
                               struct ipstack *stack, const struct iwarp_settings *s,
                               uint8_t version, const uint8_t *dst, uint16_t dport,
                               const struct iwarp_callbacks *cb, void *ctx);

/* A new QP accepted on a listener (before its MPA exchange): set its
 * callbacks here. */
typedef void (*iwarp_accept_fn)(void *ctx, struct iwarp_listener *l, struct iwarp_qp *qp);

struct iwarp_listener *iwarp_listen(struct sim_engine *eng, struct frame_pool *pool,
                                    struct ipstack *stack, uint16_t port,
                                    const struct iwarp_settings *s, iwarp_accept_fn accept,
                                    void *ctx);
/* Frees the listener, its QPs and their connections (NULL-safe). */
void iwarp_listener_destroy(struct iwarp_listener *l);

void iwarp_set_callbacks(struct iwarp_qp *qp, const struct iwarp_callbacks *cb, void *ctx);

/* Posts a work request of `bytes` payload bytes; 0, -EINVAL or -ENOTCONN
 * (closed), -ENOMEM. */
int iwarp_post(struct iwarp_qp *qp, enum iwarp_op op, uint64_t bytes, uint64_t wr_id);
/* Closes the connection once everything posted is sent (TCP FIN). */
int iwarp_disconnect(struct iwarp_qp *qp);
/* Frees a QP and its connection (NULL-safe; an accepted QP may go before
 * its listener). */
void iwarp_qp_destroy(struct iwarp_qp *qp);

int iwarp_is_rts(const struct iwarp_qp *qp);
const struct iwarp_stats *iwarp_stats(const struct iwarp_qp *qp);
struct tcp_conn *iwarp_tcp(const struct iwarp_qp *qp);
/* Work requests posted and not yet complete. */
size_t iwarp_outstanding(const struct iwarp_qp *qp);

/* FPDU geometry (RFC 5044): the largest ULPDU for an EMSS, and the bytes
 * of an FPDU carrying a ULPDU of ulpdu bytes. */
uint32_t iwarp_mulpdu(uint32_t emss, int markers);
uint32_t iwarp_fpdu_bytes(uint32_t ulpdu, int markers);

/* CRC32c (Castagnoli, as MPA uses) of n bytes followed by `zeros` zero
 * bytes: the value of the FPDU's CRC field (sent least significant byte
 * first, as iSCSI and SCTP send it). */
uint32_t iwarp_crc32c(const uint8_t *b, size_t n, uint64_t zeros);

#endif
