/* scn_traffic: the scenario file's `traffic:` section - each entry turned
 * into a traffic generator between two IP stacks of the built world, and
 * the traffic part of the run summary.
 *
 * Built by the scenario loader after hosts, VMs, addresses and the
 * timeline exist; problems are reported through the caller's diagnostic
 * sink as "FILE:LINE:COL: message" texts.
 */
#ifndef SETSIM_SCN_TRAFFIC_H
#define SETSIM_SCN_TRAFFIC_H

#include <stdint.h>
#include <stdio.h>

#include "world.h"
#include "ydoc.h"

struct scn_traffic;

/* A diagnostic: warning 0 = error.  text is "FILE:LINE:COL: message". */
typedef void (*scn_traffic_diag_fn)(void *ctx, int warning, const char *text);

/* Builds every entry of root's `traffic:` list into w.  Returns the
 * generators (NULL only without memory; errors go to diag). */
struct scn_traffic *scn_traffic_build(struct world *w, const struct ydoc_node *root,
                                      uint64_t seed, scn_traffic_diag_fn diag, void *ctx);
/* Frees the generators; call after world_destroy (the engine goes first). */
void scn_traffic_free(struct scn_traffic *t);
/* The summary's traffic section (nothing without generators). */
void scn_traffic_summary(const struct scn_traffic *t, FILE *out);

/* Entries with `count` (VMs and traffic): text with every `{n}` replaced
 * by n into out.  0, or -1 when the result does not fit. */
int scn_subst_n(const char *text, int64_t n, char *out, size_t len);

#endif
