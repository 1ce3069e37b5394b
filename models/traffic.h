/* traffic: traffic generators over every transport of the simulator, and
 * per-flow statistics.
 *
 * A generator (traffic_add) sends from one or more sender endpoints to one
 * receiver over a transport (kind) in a pattern, drawing every random
 * number from its own named stream (sim_rng "<name>/traffic", seeded by the
 * run seed), so adding a generator never changes the draws of another.
 *
 * Kinds and what a flow is on each:
 *   udp    datagrams of TRAFFIC_UDP_PAYLOAD bytes paced at the rate; the
 *          receiver counts what arrives (frame->flow_id names the flow);
 *          nothing is resent;
 *   tcp    a tcp_conn per flow (NewReno or CUBIC) to a listener of the
 *          generator on the receiver; done when the peer acknowledged every
 *          byte;
 *   iwarp  an iWARP QP per flow (iwarp.h: MPA/DDP over TCP), RDMA WRITEs;
 *          done at the WRITE's completion;
 *   roce   an RC QP per flow on the sender's RoCE engine (a host vNIC's
 *          roce_dev, hvrdma), connected by CM to the receiver's engine on
 *          the NetworkDirect port (445 by default: the seed's NetQos policy
 *          puts it on priority 3), RDMA WRITEs; done at their completion;
 *   smb    SMB Direct multichannel (smbdirect.h): one client per sender
 *          over every RDMA engine of the sender, `connections` RDMA
 *          connections per engine, to the receiver's SMB server (one per
 *          receiver, shared by generators); a flow is one read or write of
 *          N bytes, done when its last SMB2 response arrived.
 *
 * Patterns:
 *   bulk      `connections` flows of `size` bytes from each sender at start;
 *   incast    the same from several senders at the same instant (the
 *             synchronized start of partition/aggregate traffic);
 *   constant  one unbounded flow per sender and connection, written at
 *             `rate` (divided over the connections) from start to stop;
 *   onoff     the same during on periods only (fixed or exponential on/off
 *             times: the idle gaps make flowlets for SET Dynamic mode);
 *   cdf       flows whose sizes are drawn from a CDF, arriving as a Poisson
 *             process whose rate gives `load` x the sender's line rate
 *             (mean gap = mean size x 8 / (load x rate)); senders take the
 *             arrivals in turn;
 *   rr        request/response: per sender and connection, a closed loop of
 *             transactions: a request of `size` bytes, then a response of
 *             `response` bytes back; a transaction is a flow (its size and
 *             delivered bytes count both directions).
 *
 * Flow statistics (traffic_flow_row, traffic_write_flows): per flow its
 * start (arrival), end (completion), bytes sent and delivered,
 * retransmissions (tcp/iwarp segments, roce/smb packets), NAKs and CNPs
 * received (roce/smb), timeouts (RTO or local ACK timeouts), and the time
 * the sender's port spent paused by PFC on the flow's priority while the
 * flow ran.  A flow that shares its connection with other flows (rr
 * transactions, smb operations in flight together) is charged the
 * connection's counters over its own lifetime.
 *
 * Lifetime: traffic_destroy frees the generators, connections, listeners
 * and SMB servers but never touches the engine (destroy the engine first)
 * and never frees RoCE QPs (they go with their roce_dev: destroy the
 * engines after the traffic).  Destroy the traffic before the ipstacks.
 */
#ifndef SETSIM_TRAFFIC_H
#define SETSIM_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "frame.h"
#include "roce.h"
#include "sim_engine.h"
#include "sim_rng.h"
#include "tcp.h"
#include "trace.h"

struct traffic;
struct ipstack;

#define TRAFFIC_UDP_PAYLOAD 1472u   /* 1518-byte frames over IPv4 */
#define TRAFFIC_CHUNK (64u * 1024u) /* constant/onoff: largest write (a write per ~10 us
                                     * of the rate, at least 1500 B) */
#define TRAFFIC_TCP_BASE_PORT 5001  /* tcp/udp listener: base + generator index */
#define TRAFFIC_ROCE_PORT 445       /* NetworkDirect port of roce flows */
#define TRAFFIC_MAX_DEVS 8
#define TRAFFIC_MAX_SENDERS 64

enum traffic_kind { TRAFFIC_TCP = 0, TRAFFIC_UDP, TRAFFIC_ROCE, TRAFFIC_IWARP, TRAFFIC_SMB };
enum traffic_pattern {
    TRAFFIC_BULK = 0,
    TRAFFIC_CONSTANT,
    TRAFFIC_ONOFF,
    TRAFFIC_CDF,
    TRAFFIC_RR,
    TRAFFIC_INCAST,
};
const char *traffic_kind_name(enum traffic_kind k);
const char *traffic_pattern_name(enum traffic_pattern p);

/* ---- flow size distributions ---- */

/* A CDF: points (bytes, cumulative probability), bytes and probabilities
 * non-decreasing, the last probability 1.  Sizes between two points are
 * interpolated linearly. */
struct traffic_cdf_point {
    double bytes, p;
};
struct traffic_cdf {
    struct traffic_cdf_point *pt;
    size_t n;
};
/* Copies and checks n points; 0 or -EINVAL with a message. */
int traffic_cdf_set(struct traffic_cdf *c, const struct traffic_cdf_point *pt, size_t n,
                    char *err, size_t errlen);
/* Reads a CSV file (libcsv): one "bytes,probability" record per line;
 * lines starting with '#' are comments, a first line starting with a
 * letter is a header; the probability may be written in percent (a last
 * value of 100).  0, or a negative errno with
 * "FILE:LINE: message" in err. */
int traffic_cdf_read(const char *path, struct traffic_cdf *c, char *err, size_t errlen);
void traffic_cdf_free(struct traffic_cdf *c);
double traffic_cdf_mean(const struct traffic_cdf *c);
/* A size drawn by inverse transform (at least 1 byte). */
uint64_t traffic_cdf_sample(const struct traffic_cdf *c, struct sim_rng *r);
/* P(size <= bytes) by the same interpolation. */
double traffic_cdf_at(const struct traffic_cdf *c, double bytes);

/* ---- endpoints and generators ---- */

/* An endpoint as the scenario names it.  stack for udp/tcp/iwarp; devs for
 * roce (devs[0]) and smb (every engine, paired by index with the
 * receiver's). */
struct traffic_ep {
    const char *name;
    struct ipstack *stack;
    struct roce_dev *devs[TRAFFIC_MAX_DEVS];
    size_t ndevs;
    uint64_t rate_bps;     /* line rate (cdf load, default rates) */
    int prio;              /* 802.1p priority of its frames on the wire, -1: unknown */
    /* Time its port has spent paused on priority prio so far (NULL: 0). */
    sim_time_t (*paused)(void *ctx, int prio);
    void *paused_ctx;
};

struct traffic_settings {
    const char *name;                /* generator label; copied */
    enum traffic_kind kind;
    enum traffic_pattern pattern;
    const struct traffic_ep *src;    /* senders (copied) */
    size_t nsrc;                     /* 1, or more for incast and cdf */
    const struct traffic_ep *dst;    /* receiver (copied) */
    uint64_t size;                   /* bulk/incast flow bytes; rr request bytes */
    uint64_t response;               /* rr response bytes; 0: size */
    uint64_t rate_bps;               /* udp, constant, onoff; 0: the sender's line rate */
    sim_time_t start, stop;          /* stop 0: never */
    sim_time_t on, off;              /* onoff periods (means when exponential) */
    int exponential;
    const struct traffic_cdf *cdf;   /* cdf pattern (copied) */
    double load;                     /* cdf: fraction of the sender's line rate */
    uint16_t port;                   /* 0: per kind (tcp/udp 5001 + index, iwarp 5445,
                                      * roce 445); smb is always 445 */
    uint32_t connections;            /* >= 1 */
    enum tcp_cc cc;                  /* tcp, iwarp */
    int smb_read;                    /* smb: reads (1) or writes (0); rr always reads */
    uint8_t priority;                /* 802.1p priority of its frames where no NetQos
                                      * policy classifies them (0: none); roce/smb: of
                                      * the RDMA engines it uses (one value per engine) */
    uint64_t seed;
};

struct traffic *traffic_create(struct sim_engine *eng, struct frame_pool *pool,
                               struct trace *trace);
void traffic_destroy(struct traffic *t); /* NULL-safe; see the lifetime note */

/* Adds a generator: its receiver side (listener, SMB server) exists at
 * once, its senders start at s->start.  Returns the generator index, or a
 * negative errno with a message in err. */
int traffic_add(struct traffic *t, const struct traffic_settings *s, char *err, size_t errlen);

size_t traffic_gen_count(const struct traffic *t);
const char *traffic_gen_name(const struct traffic *t, size_t gen);
enum traffic_kind traffic_gen_kind(const struct traffic *t, size_t gen);

struct traffic_gen_stats {
    uint64_t started, completed;          /* flows */
    uint64_t sent_bytes, delivered_bytes;
    uint64_t retransmissions, naks, cnps, timeouts;
    sim_time_t first_start, last_end;     /* 0: none */
    double goodput_bps;                   /* delivered x 8 / (last end or now - first start) */
    sim_time_t fct_p50, fct_p99;          /* over completed flows; 0: none */
    sim_time_t pause;                     /* summed over its flows */
};
void traffic_gen_stats(const struct traffic *t, size_t gen, sim_time_t now,
                       struct traffic_gen_stats *out);

/* Every flow started so far, in start order (ids 1, 2, ...). */
size_t traffic_flow_count(const struct traffic *t);
/* Flow i's row as of `now` (its strings live as long as t). */
void traffic_flow_row(const struct traffic *t, size_t i, sim_time_t now,
                      struct trace_flow_row *row);
/* Writes every flow's row (trace_flow_result); 0 or the first error. */
int traffic_write_flows(struct traffic *t, sim_time_t now);
/* The summary's traffic section: one line per generator. */
void traffic_summary(const struct traffic *t, sim_time_t now, FILE *out);

#endif
