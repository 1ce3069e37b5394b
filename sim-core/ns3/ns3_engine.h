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

#ifdef __cplusplus
}
#endif

#endif
