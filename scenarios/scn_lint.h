/* scn_lint: the whole-configuration lint of a built scenario - the
 * configuration rules that span several cmdlets, adapters or the fabric
 * (CFG-027, CFG-028, CFG-029, CFG-030, CFG-034, CFG-036, DCB-007), run
 * after every host's PowerShell has been applied and the cables exist, by
 * `setsim run` and `setsim lint` alike.  Each finding names its code and
 * rule; errors stop the run as any scenario error does.
 */
#ifndef SETSIM_SCN_LINT_H
#define SETSIM_SCN_LINT_H

#include "world.h"
#include "ydoc.h"

/* A finding: warning 0 = error; at is the node it points to
 * (file:line:col); msg starts with the code. */
typedef void (*scn_lint_diag_fn)(void *ctx, int warning, const struct ydoc_node *at,
                                 const char *msg);

void scn_lint_run(struct world *w, const struct ydoc_node *root, scn_lint_diag_fn diag,
                  void *ctx);

#endif
