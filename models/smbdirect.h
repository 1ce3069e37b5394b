/* smbdirect: SMB 3 over SMB Direct (MS-SMBD) with Multichannel: a client
 * and a server on RoCEv2 engines (roce_dev, one per RDMA-enabled vNIC,
 * e.g. SMB_1 and SMB_2).
 *
 * Channels.  The client opens conns_per_channel RDMA connections (CM to
 * NetworkDirect port 445, CFG-031: the seed's NetQos policy tags them
 * priority 3, DCB-012) on each of its paths (a local engine and a server
 * address).  Reads and writes of any size are cut into SMB2 READ/WRITE
 * requests of at most max_io bytes, handed round robin to the connections
 * that are up, at most `credits` outstanding per connection.
 *
 * Data movement, as MS-SMB2 over MS-SMBD does it: the client SENDs the
 * request (header and buffer descriptor); for a READ the server RDMA
 * WRITEs the data into the client's buffer and SENDs the response; for a
 * WRITE the server RDMA READs the data from the client's buffer and, when
 * the read completes, SENDs the response.  A request is done when its
 * response arrives.  Model choice: SEND contents are not on the wire
 * (virtual payload), so each connection keeps, per direction, the queue
 * of messages in flight, consumed in order as RC delivers the SENDs (the
 * server learns a request only when its bytes arrived).  The server links
 * an incoming connection to the client's by the CM REQ's Local
 * Communication ID.  SMB session setup over TCP is not modelled.
 *
 * Reconnection (FO-009, fo.rdma=reconnect): when a connection's QP goes to
 * error (e.g. its vNIC's member failed: hvrdma), the client disconnects it
 * (CM DREQ over the vNIC, now on its new member), puts its outstanding
 * requests back at the head of the queue (the other channels pick them up
 * at once) and, after reconnect_delay, connects a new QP over the same
 * vNIC: its first frames on the new member are CM MADs, and no frame of
 * the old QP is sent there.  The server drops a connection on DREQ or
 * error and forgets its requests; on an error of its own (its vNIC's
 * member changed) it sends the DREQ, so the client learns it.
 *
 * Idle Connection Timer (MS-SMBD 3.1.2.2): when a connection with requests
 * outstanding has received no message for idle_timeout (the server's DREQ
 * was lost, say), the client probes it.  Model choice: the probe is a
 * zero-length RDMA WRITE, not an SMB_DIRECT message with
 * SMB_DIRECT_RESPONSE_REQUESTED: a live server's QP acknowledges it; a dead
 * one does not, the QP's ACK timeout and retries send it to error, and the
 * connection reconnects as after a failover (its requests retried).
 *
 * Connection states (client):
 *
 *   state       event                          next        function
 *   ----------  -----------------------------  ----------  -----------------
 *   DOWN        smbd_client_start / reconnect  CONNECTING  conn_connect__
 *   CONNECTING  QP established                 UP          qp_established__
 *   CONNECTING  QP error (CM timeout, ...)     DOWN        qp_error__
 *   UP          QP error                       DOWN        qp_error__
 *   DOWN        reconnect_delay elapsed        CONNECTING  reconnect__
 */
#ifndef SETSIM_SMBDIRECT_H
#define SETSIM_SMBDIRECT_H

#include <stddef.h>
#include <stdint.h>

#include "roce.h"
#include "sim_engine.h"
#include "trace.h"

struct smbd_client;
struct smbd_server;

#define SMBD_PORT 445 /* NetworkDirect port of SMB Direct (CFG-031) */

/* Message sizes on the wire (payload of the SENDs):
 * request  = 24 (SMB_DIRECT data transfer header, MS-SMBD 2.2.3, padded)
 *          + 64 (SMB2 header) + 48 (SMB2 READ/WRITE request)
 *          + 16 (one SMB_DIRECT_BUFFER_DESCRIPTOR_V1) = 152;
 * response = 24 + 64 + 16 (SMB2 READ/WRITE response) = 104. */
#define SMBD_REQUEST_BYTES 152u
#define SMBD_RESPONSE_BYTES 104u

/* Defaults (smbd_settings_default). */
#define SMBD_DEFAULT_CONNS 2            /* RDMA connections per interface */
#define SMBD_DEFAULT_MAX_IO (1u << 20)  /* bytes per SMB2 READ/WRITE */
#define SMBD_DEFAULT_CREDITS 8          /* requests outstanding per connection */
/* Model choice: the client reconnects a failed channel after 100 us (the
 * time SMB's channel recovery takes is not documented; it only orders
 * the new CM exchange after the DREQ). */
#define SMBD_DEFAULT_RECONNECT_DELAY (100 * SIM_US)
/* MS-SMBD 3.1.2.2 Idle Connection Timer: after this long without a message
 * from the server, a connection with requests outstanding is probed; MS-SMBD
 * leaves the value to the implementation, 120 s is the keep-alive interval
 * of Linux's SMB Direct client (smbd_keep_alive_interval). */
#define SMBD_DEFAULT_IDLE_TIMEOUT (120 * SIM_S)

struct smbd_settings {
    const char *name;            /* trace object (kind "smbdirect"); copied */
    uint32_t conns_per_channel;  /* >= 1 */
    uint32_t max_io;             /* >= 1 */
    uint32_t credits;            /* >= 1 */
    sim_time_t reconnect_delay;
    sim_time_t idle_timeout;     /* Idle Connection Timer; 0: none */
};

void smbd_settings_default(struct smbd_settings *s, const char *name);

/* One client path: a local engine and the server's address on it. */
struct smbd_path {
    struct roce_dev *dev;   /* not owned */
    uint8_t version;        /* 4 or 6 */
    uint8_t server_ip[16];
};

enum smbd_conn_state {
    SMBD_CONN_DOWN = 0,
    SMBD_CONN_CONNECTING,
    SMBD_CONN_UP,
};

/* A finished read or write (status 0, or -ECANCELED when the client is
 * destroyed first -- never for a failover: requests are retried). */
typedef void (*smbd_done_fn)(void *ctx, uint64_t op_id, int write, uint64_t bytes,
                             sim_time_t start, sim_time_t end);

struct smbd_client_stats {
    uint64_t ops_done;
    uint64_t bytes_read, bytes_written; /* of completed requests */
    uint64_t requests;                  /* SMB2 READ/WRITE requests sent */
    uint64_t retried;                   /* requests put back after a connection failed */
    uint64_t qp_errors;                 /* connections lost */
    uint64_t reconnects;                /* new connections after a loss */
    uint64_t keepalives;                /* idle connections probed */
};

struct smbd_conn_info {
    enum smbd_conn_state state;
    int path;                 /* index into the paths */
    struct roce_qp *qp;       /* current QP (NULL while down) */
    uint32_t outstanding;     /* requests in flight */
    uint64_t bytes;           /* request bytes completed over this connection */
    uint32_t generation;      /* QPs this connection has had */
};

struct smbd_server_stats {
    uint64_t accepted;
    uint64_t requests;                /* requests executed */
    uint64_t bytes_written_to_client; /* RDMA WRITE payload (client reads) */
    uint64_t bytes_read_from_client;  /* RDMA READ payload (client writes) */
    uint64_t dropped;                 /* connections lost */
};

/* ---- server ---- */

/* Listens on port 445 of each engine in devs[0..n) (not owned). */
struct smbd_server *smbd_server_create(struct sim_engine *eng, struct trace *trace,
                                       const struct smbd_settings *s, struct roce_dev *const *devs,
                                       size_t n);
/* Frees the server and its connections' QPs (NULL-safe; does not touch
 * the engine: destroy the engine first).  Destroy clients first. */
void smbd_server_destroy(struct smbd_server *srv);
const struct smbd_server_stats *smbd_server_stats(const struct smbd_server *srv);
/* Connections currently open. */
size_t smbd_server_conn_count(const struct smbd_server *srv);

/* ---- client ---- */

/* A client of srv (not owned) over paths[0..n).  Returns NULL on bad
 * settings or without memory. */
struct smbd_client *smbd_client_create(struct sim_engine *eng, struct trace *trace,
                                       const struct smbd_settings *s,
                                       const struct smbd_path *paths, size_t n,
                                       struct smbd_server *srv);
/* Frees the client (NULL-safe; does not touch the engine). */
void smbd_client_destroy(struct smbd_client *c);
void smbd_client_set_done(struct smbd_client *c, smbd_done_fn fn, void *ctx);
/* Connects every channel (CM from the next event on). */
int smbd_client_start(struct smbd_client *c);
/* Queues a read or write of `bytes` (0, -EINVAL, -ENOMEM). */
int smbd_client_read(struct smbd_client *c, uint64_t bytes, uint64_t op_id);
int smbd_client_write(struct smbd_client *c, uint64_t bytes, uint64_t op_id);
/* Operations not finished. */
size_t smbd_client_pending(const struct smbd_client *c);
const struct smbd_client_stats *smbd_client_stats(const struct smbd_client *c);
size_t smbd_client_conn_count(const struct smbd_client *c);
int smbd_client_conn_info(const struct smbd_client *c, size_t i, struct smbd_conn_info *out);
/* RDMA counters of every QP the client's connections had, at both ends
 * (the server's too, and those replaced after a failover): packets
 * retransmitted, NAKs received, CNPs received, ACK timeouts. */
void smbd_client_rdma_counters(const struct smbd_client *c, uint64_t out[4]);
/* Verifies the bookkeeping (every outstanding request is on exactly one
 * up connection's list, credits respected); 0 or -EINVAL (test hook). */
int smbd_client_check(const struct smbd_client *c);

#endif
