/* schema: the key tables of scenario files (ydoc schemas), shared by the
 * world builder (what a file may say), `setsim lint` (ydoc_check against
 * schema_scenario_file) and docs/scenario.md (schema_markdown renders the
 * key reference from the same tables).
 *
 * Enum keys come with their value list and a C enum whose order matches
 * it, so ydoc_get_enum's index converts directly; where a model enum
 * exists the order is the model's (noted at each).
 */
#ifndef SETSIM_SCHEMA_H
#define SETSIM_SCHEMA_H

#include <stdio.h>

#include "ydoc.h"

/* The whole file: scenario, nic_models, switches, hosts, cabling,
 * traffic, timeline, capture, checks. */
extern const struct ydoc_schema schema_scenario_file;

/* nic_models.<model>.rdma */
enum schema_rdma { SCHEMA_RDMA_NONE, SCHEMA_RDMA_ROCE, SCHEMA_RDMA_IWARP };
extern const char *const schema_media_values[];
extern const char *const schema_rdma_values[];
extern const char *const schema_roce_mtu_values[];
extern const char *const schema_roce_retx_values[];
/* hosts.<host>.os: the order of enum hvhost_os. */
enum schema_os { SCHEMA_OS_WS2016, SCHEMA_OS_WS2012R2 };
extern const char *const schema_os_values[];
extern const char *const schema_placement_values[]; /* knobs.hvp.placement: enum set_placement */
extern const char *const schema_failback_values[];  /* knobs.fo.failback: enum set_failback */
extern const char *const schema_announce_values[];  /* knobs.fo.announce: enum set_announce */
extern const char *const schema_hnv_key_values[];   /* knobs.dyn.hnv_key: enum set_hnv_key */
/* switches.<switch>.port_config.<ports>.mode: the order of enum
 * switch_port_mode. */
enum schema_port_mode { SCHEMA_PORT_ACCESS, SCHEMA_PORT_TRUNK };
extern const char *const schema_port_mode_values[];
/* switches.<switch>.pfc.xoff_mode: the order of enum switch_threshold_mode. */
enum schema_xoff_mode { SCHEMA_XOFF_STATIC, SCHEMA_XOFF_DYNAMIC };
extern const char *const schema_xoff_mode_values[];
/* switches.<switch>.pfc.watchdog: the order of enum switch_watchdog_action. */
enum schema_watchdog { SCHEMA_WATCHDOG_OFF, SCHEMA_WATCHDOG_DRAIN, SCHEMA_WATCHDOG_IGNORE };
extern const char *const schema_watchdog_values[];
/* switches.<switch>.ets.<n>.algorithm: the order of enum egress_tsa. */
enum schema_tsa { SCHEMA_TSA_STRICT, SCHEMA_TSA_ETS };
extern const char *const schema_tsa_values[];
/* traffic.<n>.kind */
enum schema_traffic_kind {
    SCHEMA_KIND_TCP,
    SCHEMA_KIND_UDP,
    SCHEMA_KIND_ROCE,
    SCHEMA_KIND_IWARP,
    SCHEMA_KIND_SMB,
};
extern const char *const schema_traffic_kind_values[];
/* traffic.<n>.pattern */
enum schema_pattern {
    SCHEMA_PATTERN_BULK,
    SCHEMA_PATTERN_CONSTANT,
    SCHEMA_PATTERN_ONOFF,
    SCHEMA_PATTERN_CDF,
    SCHEMA_PATTERN_RR,
    SCHEMA_PATTERN_INCAST,
};
extern const char *const schema_pattern_values[];
/* traffic.<n>.operation */
enum schema_operation { SCHEMA_OP_WRITE, SCHEMA_OP_READ };
extern const char *const schema_operation_values[];
/* traffic.<n>.distribution */
enum schema_distribution { SCHEMA_DIST_FIXED, SCHEMA_DIST_EXPONENTIAL };
extern const char *const schema_distribution_values[];
/* traffic.<n>.congestion */
enum schema_congestion { SCHEMA_CC_NEWRENO, SCHEMA_CC_CUBIC };
extern const char *const schema_congestion_values[];

/* Writes docs/scenario.md: an introduction (units, errors, --set, the
 * PowerShell block) and the key reference.  Returns 0 or -EIO. */
int schema_markdown(FILE *out);

#endif
