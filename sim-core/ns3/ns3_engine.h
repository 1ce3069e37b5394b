/* ns3_engine: the sim_engine interface over ns-3's Simulator (libns3-core,
 * ns-3.37), so the same models can run on ns-3's schedulers.  This header is
 * plain C; the implementation (ns3_engine.cc) is the project's one C++
 * translation unit and lets no C++ exception cross into C.
 *
 * Semantics are those of sim_engine.h (order by (time, insertion sequence),
 * clamping of past times to now, run_until(end) running every event with
 * time <= end including those scheduled at end during the run, stop(),
 * -ENOENT for stale handles).  Limits that come from ns-3 itself:
 *  - ns-3's Simulator is a process-wide singleton, so at most one ns-3
 *    engine exists at a time; ns3_engine_create() fails while one does.
 *    Destroying it (Simulator::Destroy) allows a new one to be created.
 *  - ns-3 time is a signed 64-bit count of the resolution unit, here
 *    picoseconds: events asked for after NS3_ENGINE_TIME_MAX (2^63-1 ps,
 *    about 106.75 days) run at NS3_ENGINE_TIME_MAX (or at now, if a
 *    run_until already took now past it), in insertion order; now never
 *    decreases, and run_until(end) still leaves now == end.
 *  - ns-3 numbers events with a 32-bit uid that breaks ties between equal
 *    times; after 2^32 events scheduled in one engine's life the tie order
 *    of equal-time events is no longer guaranteed.
 *  - ns-3's time resolution is process-wide and can be set once: the first
 *    create sets picoseconds (Time::SetResolution(Time::PS)).
 *  - Outside run_until, stop() has no effect (ns-3 clears its stop flag
 *    when a run starts); run_until from inside an event returns -EBUSY.
 */
#ifndef SETSIM_NS3_ENGINE_H
#define SETSIM_NS3_ENGINE_H

#include <stddef.h>

#include "sim_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest time ns-3 can represent at picosecond resolution. */
#define NS3_ENGINE_TIME_MAX ((sim_time_t)INT64_MAX)

struct ns3_engine_settings {
    /* ns-3 scheduler: "priority-queue" (ns3::PriorityQueueScheduler, the
     * default when NULL or ""), "map", "heap", "list" or "calendar".  Not
     * retained after create. */
    const char *scheduler;
};

/* Creates the ns-3 engine (s may be NULL for defaults).  Returns NULL and
 * writes a one-line reason to err (when err != NULL) if the scheduler name
 * is unknown, another ns-3 engine exists, the time resolution cannot be
 * set to picoseconds, or memory runs out.  Destroy it with
 * sim_engine_destroy() or eng->ops->destroy(). */
struct sim_engine *ns3_engine_create(const struct ns3_engine_settings *s, char *err,
                                     size_t errlen);

/* The scheduler names ns3_engine_create() accepts, NULL-terminated. */
extern const char *const ns3_engine_schedulers[];

/* ---- Benchmarks written against ns-3's own API ------------------------
 * What `setsim bench` compares the native engine and models with: ns-3
 * used the way ns-3 models are written, not through the shim.  Both use
 * ns-3's Simulator singleton, so they fail (-EBUSY) while an ns-3 engine
 * exists, and leave it destroyed (Simulator::Destroy) when they return.
 * Time resolution is picoseconds, as for the engine above.  They return 0
 * or a negative errno and write a one-line reason to err on failure. */

/* The hold model: `pending` events queued, each schedules one more after a
 * delay of lcg >> (64 - delay_bits) ps, lcg = lcg * lcg_mul + lcg_add,
 * until `events` have run.  Events are Simulator::Schedule(delay, &fn, st)
 * (a MakeEvent per event) on the PriorityQueue scheduler. */
struct ns3_bench_hold_cfg {
    uint64_t events;     /* >= pending */
    uint64_t pending;    /* >= 1 */
    uint64_t lcg_seed;   /* initial state of the delay stream */
    uint64_t lcg_mul, lcg_add;
    unsigned delay_bits; /* 1..63 */
};

struct ns3_bench_hold_result {
    uint64_t executed;   /* events run */
    double events_per_s; /* after the first 10 % (warm-up) */
};

int ns3_bench_hold(const struct ns3_bench_hold_cfg *cfg, struct ns3_bench_hold_result *out,
                   char *err, size_t errlen);

/* The fabric of `setsim bench fabric` as ns-3 can build it: ns-3's
 * BridgeNetDevice works only over CSMA, so each of the 2 x pairs hosts has
 * a CsmaNetDevice on its own CsmaChannel (rate_bps, delay) to a bridge
 * node whose BridgeNetDevice spans the 2 x pairs CSMA ports.  Hosts run
 * IPv4 (InternetStackHelper, addresses 10.0.0.0/8); host i sends to host
 * pairs + i with a UDP OnOffApplication, always on, at load_pct % of the
 * line rate, its packets sized so that the Ethernet frame is frame_bytes
 * long (FCS included); receivers count packets with a PacketSink.  The
 * CSMA inter-frame gap is set to 20 byte times (preamble, SFD and IFG,
 * which CSMA does not otherwise model) so a frame occupies the line as
 * long as on a native link.  The event scheduler is PriorityQueue.
 * ARP requests have no jitter (ns-3 defaults to up to 10 ms).
 * CSMA is a shared bus: a channel stays busy while a frame propagates and
 * senders back off, so it carries about half the line rate with a 1 us
 * delay; at full load the rest is dropped at the sender's device queue. */
struct ns3_bench_fabric_cfg {
    uint32_t pairs;       /* 1..128 */
    uint64_t rate_bps;    /* every channel */
    sim_time_t delay;     /* every channel's propagation delay, ps */
    uint32_t frame_bytes; /* 64..1518 */
    uint32_t load_pct;    /* offered load, percent of the line rate, 1..100 */
    sim_time_t start;     /* when the OnOff applications start */
    sim_time_t sim_time;  /* Simulator::Stop time */
};

struct ns3_bench_fabric_result {
    uint64_t delivered;  /* packets the sinks received */
    uint64_t events;     /* Simulator::GetEventCount() after the run */
    sim_time_t sim_time; /* Simulator::Now() at the end, ps */
    double wall_s;       /* wall time of Simulator::Run() */
};

int ns3_bench_fabric(const struct ns3_bench_fabric_cfg *cfg, struct ns3_bench_fabric_result *out,
                     char *err, size_t errlen);

/* `setsim bench transports --vs-ns3`, TCP only (ns-3.37 has no RoCEv2):
 * pairs sender hosts on one router and pairs receiver hosts on another,
 * joined by a trunk; every link point-to-point (full duplex; ns-3's bridge
 * works only over CSMA, a half-duplex bus on which data and ACKs would
 * share one channel), routes by Ipv4GlobalRoutingHelper.  Sender i opens
 * `flows` TCP NewReno connections (BulkSendApplication, unlimited) to
 * receiver i (PacketSink): the first at start, the rest 50 us later.
 * Segment size mss, socket buffers rcv_buf, device queues of queue_pkts
 * packets.  Counted after warmup: frames the hosts' devices received
 * (data and ACKs: the MacRx trace), payload bytes the sinks received, and
 * the wall time of that part of the run. */
struct ns3_bench_tcp_cfg {
    uint32_t pairs;        /* 1..64 */
    uint32_t flows;        /* connections per pair, 1..64 */
    uint64_t rate_bps;     /* host links */
    uint64_t trunk_bps;    /* router to router */
    sim_time_t host_delay; /* ps */
    sim_time_t trunk_delay;
    uint32_t mss;          /* TCP segment payload, 536..8960 */
    uint32_t rcv_buf;      /* send and receive socket buffers, bytes */
    uint32_t queue_pkts;   /* every device queue, packets */
    sim_time_t start;      /* the first connection of each pair opens */
    sim_time_t warmup;     /* counting starts */
    sim_time_t sim_time;   /* the run ends */
};

struct ns3_bench_tcp_result {
    uint64_t frames;     /* frames received by the hosts after warmup */
    uint64_t bytes;      /* payload bytes the sinks received after warmup */
    uint64_t events;     /* Simulator::GetEventCount() over the same part */
    double wall_s;       /* wall time of that part */
    double cpu_s;        /* CPU time of the thread over that part */
};

int ns3_bench_tcp(const struct ns3_bench_tcp_cfg *cfg, struct ns3_bench_tcp_result *out,
                  char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
