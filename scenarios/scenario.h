/* scenario: a scenario file turned into a world.  The YAML is read (ydoc),
 * overridden (--set), checked against the schema (schema.c), and built:
 * NIC models, switches, hosts and their adapters, cables, then each host's
 * PowerShell block bound (ps_script) and applied (ps_effects), VMs and
 * addresses, captures, the timeline and the traffic.
 *
 * Every problem is a diagnostic "FILE:LINE:COL: message" (errors stop the
 * run; warnings don't).  Nothing of a run directory survives a scenario
 * with errors: the world's staging directory is removed.
 */
#ifndef SETSIM_SCENARIO_H
#define SETSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "world.h"

struct scenario;

struct scenario_options {
    const char *const *sets;    /* "path=value" overrides */
    size_t nsets;
    int has_seed;               /* --seed given */
    uint64_t seed;
    int seed_compat;            /* --seed-compat (CFG-019, CFG-020) */
    const char *engine;         /* "native" / "ns3" */
    world_engine_factory make_engine;
    const char *outdir;         /* run directory */
    int overwrite;
    int lint;                   /* build into a scratch directory; nothing is kept */
};

enum scenario_severity { SCENARIO_ERROR, SCENARIO_WARNING };

struct scenario_diag {
    enum scenario_severity severity;
    char text[1024];            /* "FILE:LINE:COL: message" */
};

/* Loads and builds.  Always returns a scenario (NULL only without memory)
 * holding the diagnostics; scenario_world() is non-NULL when there were no
 * errors. */
struct scenario *scenario_build(const char *path, const struct scenario_options *o);
void scenario_free(struct scenario *sc); /* destroys the world too */

struct world *scenario_world(const struct scenario *sc);
size_t scenario_error_count(const struct scenario *sc);
size_t scenario_warning_count(const struct scenario *sc);
size_t scenario_diag_count(const struct scenario *sc);
const struct scenario_diag *scenario_diag_at(const struct scenario *sc, size_t i);
/* Prints every diagnostic, one per line ("error: " / "warning: " after the
 * position is the caller's choice: this prints them as stored). */
void scenario_print_diags(const struct scenario *sc, FILE *out);
const char *scenario_name(const struct scenario *sc);
sim_time_t scenario_duration(const struct scenario *sc);
/* Traffic results for the summary: writes one line per generator. */
void scenario_traffic_summary(const struct scenario *sc, FILE *out);

#endif
