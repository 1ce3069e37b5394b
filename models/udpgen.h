/* udpgen: a UDP traffic generator between two IP stacks (vNICs): bulk (a
 * number of bytes at a rate), constant rate for a duration, or on/off with
 * fixed or exponential periods (what makes flowlets for SET Dynamic mode,
 * DYN-003).  Datagrams carry virtual payload; the receiver counts what
 * arrives.  Each generator draws from its own named random stream.
 */
#ifndef SETSIM_UDPGEN_H
#define SETSIM_UDPGEN_H

#include <stdint.h>

#include "sim_engine.h"

struct udpgen;
struct ipstack;

enum udpgen_pattern {
    UDPGEN_BULK = 0,  /* `bytes` at `rate` from `start` */
    UDPGEN_CONSTANT,  /* `rate` from `start` to `stop` */
    UDPGEN_ONOFF,     /* `rate` during on periods, silent during off periods */
};

struct udpgen_settings {
    const char *name;          /* trace/report label; copied */
    struct ipstack *src, *dst; /* not owned */
    uint16_t dport;            /* destination port (bound on dst) */
    uint32_t payload;          /* bytes of UDP payload per datagram */
    uint64_t rate_bps;         /* sending rate in IP bits (datagrams * (payload + 28) * 8) */
    enum udpgen_pattern pattern;
    uint64_t bytes;            /* BULK: payload bytes to send */
    sim_time_t start, stop;    /* stop 0: never */
    sim_time_t on, off;        /* ONOFF periods (means when exponential) */
    int exponential;           /* ONOFF: exponential periods */
    uint64_t seed;
    uint64_t flow_id;
    uint8_t dscp;
};

struct udpgen_stats {
    uint64_t sent_datagrams, sent_bytes;      /* payload bytes handed to the stack */
    uint64_t recv_datagrams, recv_bytes;
    sim_time_t first_tx, last_tx, first_rx, last_rx;
    int done;                  /* BULK: everything sent */
};

/* Binds dport on dst (fails if bound) and schedules the source. */
struct udpgen *udpgen_create(struct sim_engine *eng, const struct udpgen_settings *s, int *rc);
void udpgen_destroy(struct udpgen *g); /* NULL-safe; the engine must be gone first */
const struct udpgen_stats *udpgen_stats(const struct udpgen *g);
const char *udpgen_name(const struct udpgen *g);

#endif
