/* ps_effects: what each bound cmdlet does to the Hyper-V host model.
 *
 * The PowerShell front end (ps_script) produces bound commands; this module
 * applies one to a host (hvhost), the way the real cmdlet changes a real
 * host, and writes what Get-* cmdlets print to the run's log.  Errors come
 * back as the message the operator would read, carrying the rule's code
 * (e.g. "CFG-005 SET_E_NOT_A_SET_SWITCH: ...") or PowerShell's error id;
 * warnings (ISO_W_NO_ALLOWUNTAGGED, DCB_W_..., RDMA_W_...) are reported
 * through the callback and do not stop the script.
 */
#ifndef SETSIM_PS_EFFECTS_H
#define SETSIM_PS_EFFECTS_H

#include <stddef.h>
#include <stdio.h>

#include "hvhost.h"
#include "ps_bind.h"

/* A warning about a command (code like "ISO_W_NO_ALLOWUNTAGGED"). */
typedef void (*ps_effects_warn_fn)(void *ctx, const struct ps_command *cmd, const char *code,
                                   const char *message);

struct ps_effects {
    struct hvhost *host;       /* not owned */
    FILE *out;                 /* Get-* output, NULL: discarded */
    ps_effects_warn_fn warn;
    void *warn_ctx;
    int seed_semantics;        /* CFG-036 iso.seed_semantics (1 by default) */
    /* The host an adapter this host does not have is installed in (NULL:
     * none), for CFG-002's SET_E_FOREIGN_ADAPTER; NULL: not asked. */
    const char *(*adapter_owner)(void *ctx, const char *adapter);
    void *owner_ctx;
};

/* Applies cmd.  Returns 0, or a negative errno with the message in err
 * (without position: the caller prefixes file:line:col and the cmdlet). */
int ps_effects_apply(struct ps_effects *fx, const struct ps_command *cmd, char *err,
                     size_t errlen);

#endif
