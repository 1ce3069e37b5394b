/* check_map: the mapping file of `setsim check --mapping` (YAML, documented
 * in docs/check.md): which capture file is which team member and from which
 * side, the members' MACs, rates and PFC priorities, the vPorts (MAC, IPs,
 * VLAN, RDMA, mapped member), the balancing mode and known link events.
 * It fills a results/check input; errors name file:line:col (ydoc) with
 * closest-key suggestions, and a capture file that cannot be read. */
#ifndef SETSIM_CHECK_MAP_H
#define SETSIM_CHECK_MAP_H

#include <stddef.h>

#include "check.h"

/* Loads the mapping file at path into in (capture paths are resolved
 * relative to the mapping file's directory).  0, or -errno with a
 * "file:line:col: message" in err. */
int check_map_load(const char *path, struct check_input *in, char *err, size_t errlen);

#endif
