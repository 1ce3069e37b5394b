/* world: a built simulation: the engine, the frame pool, the run's trace
 * (run.sqlite) and capture (capture.pcapng), and every model instance of a
 * scenario (switches, Hyper-V hosts, cables, traffic, the timeline), with
 * the run directory they are written to.
 *
 * The scenario loader builds a world through this API; `setsim run` then
 * runs it and finishes it.  A world writes into a hidden staging directory
 * next to the requested one and renames it into place only when the run
 * has completed (run.sqlite marked complete, capture closed, summary
 * written): an interrupted or failed run never leaves a directory that
 * looks complete.
 *
 * Lifecycle:
 *   world_create -> world_add_* / world_cable / world_capture / world_at ...
 *   -> world_run -> world_finish (renames into place) -> world_destroy.
 * world_destroy without world_finish removes the staging directory.
 */
#ifndef SETSIM_WORLD_H
#define SETSIM_WORLD_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "hvhost.h"
#include "link.h"
#include "sim_engine.h"
#include "switch.h"
#include "trace.h"

struct world;
struct pcapng_writer;

/* Creates an alternate engine (the CLI passes ns-3's, loaded on demand);
 * NULL with a reason in err. */
typedef struct sim_engine *(*world_engine_factory)(const char *engine, char *err, size_t errlen);

struct world_options {
    const char *outdir;        /* the run directory to produce */
    const char *scenario_name;
    const char *scenario_hash; /* hex */
    const char *scenario_file;
    uint64_t seed;
    const char *engine;        /* "native" (default) or "ns3" */
    world_engine_factory make_engine; /* for engines other than native */
    sim_time_t duration;       /* simulated time to run */
    uint32_t snaplen;          /* capture snap length; 0: 256 bytes */
    int overwrite;             /* replace an existing outdir */
    sim_time_t sample_interval; /* periodic samples (models/sampler.h); 0: none */
};

/* Creates the staging directory, the engine, the trace and the capture.
 * NULL with a message in err on failure (an existing outdir without
 * overwrite, an unknown engine, ns-3 missing, I/O). */
struct world *world_create(const struct world_options *o, char *err, size_t errlen);
/* Tears down everything; removes the staging directory unless finished. */
void world_destroy(struct world *w);

struct sim_engine *world_engine(const struct world *w);
struct frame_pool *world_pool(const struct world *w);
struct trace *world_trace(const struct world *w);
uint64_t world_seed(const struct world *w);
const char *world_staging_dir(const struct world *w);

/* Models.  Names are unique across switches and hosts. */
struct sw *world_add_switch(struct world *w, const struct switch_settings *s, char *err,
                            size_t errlen);
struct hvhost *world_add_host(struct world *w, const struct hvhost_settings *s, char *err,
                              size_t errlen);
struct sw *world_switch(const struct world *w, const char *name);
struct hvhost *world_host(const struct world *w, const char *name);
size_t world_host_count(const struct world *w);
struct hvhost *world_host_at(const struct world *w, size_t i);
size_t world_switch_count(const struct world *w);
struct sw *world_switch_at(const struct world *w, size_t i);

/* A cable between two endpoints, each "host/NIC" or "switch/port"; the
 * link rate defaults to the NIC's (or, switch to switch, must be given).
 * Returns the link or NULL with a message naming the endpoint. */
struct link *world_cable(struct world *w, const char *a, const char *b, uint64_t rate_bps,
                         uint32_t cable_m, char *err, size_t errlen);
/* Captures at an endpoint ("hv1/SLOT 2", "tor1/1") both directions, on a
 * pcapng interface named after it. */
int world_capture(struct world *w, const char *point, char *err, size_t errlen);
/* Runs fn(ctx) at simulated time t (the timeline). */
int world_at(struct world *w, sim_time_t t, void (*fn)(struct world *w, void *ctx), void *ctx);
/* The link cabled at an endpoint, or NULL. */
struct link *world_link_at(const struct world *w, const char *endpoint);

/* Writes the buffered capture to the staging directory's capture.pcapng
 * (so the checker can read it before world_finish).  0 or negative errno. */
int world_capture_flush(struct world *w);

/* Writes a line to the run's log (log.txt in the run directory; Get-*
 * cmdlet output and warnings go here). */
void world_log(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
FILE *world_log_file(struct world *w);

/* Progress: called about every `every` of simulated time during the run. */
typedef void (*world_progress_fn)(void *ctx, sim_time_t now, sim_time_t end);
/* Runs the simulation to the duration.  0 or a negative errno; -EINTR
 * when the stop flag was set (the run stopped between two events at
 * sim_now(world_engine(w)); world_destroy then removes the staging
 * directory, nothing reaches the outdir). */
int world_run(struct world *w, world_progress_fn progress, void *ctx);
/* A flag (set by a signal handler) that stops world_run: read by the
 * native engine every few thousand events and here between progress
 * slices.  NULL: none. */
void world_set_stop_flag(struct world *w, const volatile sig_atomic_t *flag);
/* A time as the summary shows every time: milliseconds with six decimals
 * ("12.000250 ms"); returns buf. */
char *world_time_str(sim_time_t t, char *buf, size_t len);
/* The summary of the run (what summary.txt holds). */
void world_summary(const struct world *w, FILE *out);
/* Adds a section to the summary (traffic results, rule verdicts). */
void world_add_summary(struct world *w, void (*fn)(void *ctx, FILE *out), void *ctx);
/* Runs fn(ctx) in world_finish before the trace is marked complete (the
 * traffic writes its flow rows here). */
int world_on_finish(struct world *w, void (*fn)(struct world *w, void *ctx), void *ctx);
/* Runs fn(ctx) in world_destroy after the engine is gone and before the
 * hosts are freed (models built on hosts, e.g. transports bound to vNIC
 * stacks, are freed here). */
int world_on_teardown(struct world *w, void (*fn)(void *ctx), void *ctx);
/* Marks the run complete, closes the files, writes summary.txt and moves
 * the staging directory to outdir.  0 or negative errno with err. */
int world_finish(struct world *w, char *err, size_t errlen);

#endif
