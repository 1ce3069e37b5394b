/* check_rules_fodcb: the trace checks of the failover rules FO-005..FO-009,
 * of DCB-006, DCB-008 and DCB-011, and of the trace parts of CFG-014,
 * CFG-016, CFG-021, CFG-025, CFG-030, CFG-034 and CFG-035
 * (check_rules_fodcb.c): their hooks and their entries of the rule table,
 * which check_rules.c places at R_FODCB (check_fodcb_first). */
#ifndef SETSIM_CHECK_RULES_FODCB_H
#define SETSIM_CHECK_RULES_FODCB_H

#include "check_int.h"

/* Rules of this file, in table order (F_* in check_rules_fodcb.c). */
#define CHECK_FODCB_N 15

void check_fo005_frame(struct check_eng *e, const struct check_frame *f);
void check_fo005_event(struct check_eng *e, const struct check_event *ev);
void check_fo006_frame(struct check_eng *e, const struct check_frame *f);
void check_fo006_event(struct check_eng *e, const struct check_event *ev);
void check_fo007_frame(struct check_eng *e, const struct check_frame *f);
void check_fo007_event(struct check_eng *e, const struct check_event *ev);
void check_fo007_instant(struct check_eng *e, sim_time_t now);
void check_fo008_frame(struct check_eng *e, const struct check_frame *f);
void check_fo008_event(struct check_eng *e, const struct check_event *ev);
void check_fo008_instant(struct check_eng *e, sim_time_t now);
void check_fo009_frame(struct check_eng *e, const struct check_frame *f);
void check_fo009_event(struct check_eng *e, const struct check_event *ev);
void check_fo009_instant(struct check_eng *e, sim_time_t now);
void check_dcb006_frame(struct check_eng *e, const struct check_frame *f);
void check_dcb008_frame(struct check_eng *e, const struct check_frame *f);
void check_dcb008_end(struct check_eng *e, sim_time_t end);
void check_dcb011_frame(struct check_eng *e, const struct check_frame *f);
void check_cfg014_instant(struct check_eng *e, sim_time_t now);
void check_cfg014_end(struct check_eng *e, sim_time_t end);
void check_cfg016_frame(struct check_eng *e, const struct check_frame *f);
void check_cfg016_event(struct check_eng *e, const struct check_event *ev);
void check_cfg021_event(struct check_eng *e, const struct check_event *ev);
void check_cfg021_end(struct check_eng *e, sim_time_t end);
void check_cfg025_event(struct check_eng *e, const struct check_event *ev);
void check_cfg030_frame(struct check_eng *e, const struct check_frame *f);
void check_cfg030_event(struct check_eng *e, const struct check_event *ev);
void check_cfg034_frame(struct check_eng *e, const struct check_frame *f);
void check_cfg035_frame(struct check_eng *e, const struct check_frame *f);

/* The table entries: {{id, title, severity, needs, check}, na hint, on_frame,
 * on_event, on_instant, on_end}. */
#define CHECK_RULES_FODCB                                                                   \
    {{"FO-005", "Ingress relearning after failover", "warn",                               \
      CHECK_NEEDS_INFERRED | CHECK_NEEDS_EVENTS,                                            \
      "after a failover, unicast to MAC(p) arrives only on the new member once "           \
      "learn_grace has passed since MAC(p)'s first transmission there"},                    \
     "no unicast to a failed-over vPort after learn_grace", check_fo005_frame,              \
     check_fo005_event, NULL, NULL,                                                         \
     .frame_needs = CHECK_FK_MEMBER},                                                       \
    {{"FO-006", "Recovery and failback", "error", CHECK_NEEDS_EVENTS | CHECK_NEEDS_INFERRED, \
      "failback affinity only for vPorts mapped to the member, never before member_up + "   \
      "hold-down (wire: a vPort moving to a recovered member warns)"},                      \
     "no failback and no vPort moving to a recovered member", check_fo006_frame,           \
     check_fo006_event, NULL, NULL,                                                         \
     .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_SRCV},                         \
    {{"FO-007", "Mapped member down or removed; administrative changes", "error",          \
      CHECK_NEEDS_EVENTS,                                                                   \
      "a mapped vNIC leaves its failed or removed member at once, is not put back while "   \
      "it is down, and is on it again after member_up + hold-down"},                        \
     "no team-mapped vPort whose member failed or came back", check_fo007_frame,           \
     check_fo007_event, check_fo007_instant, NULL,                                          \
     .frame_needs = CHECK_FK_TX | CHECK_FK_SRCV},                                           \
    {{"FO-008", "All members down", "error", CHECK_NEEDS_EVENTS,                           \
      "with no member up nothing is transmitted and team_down drops happen only then; at "  \
      "recovery every vPort goes to an up member"},                                         \
     "no team lost all its members and no team_down drop", check_fo008_frame,              \
     check_fo008_event, check_fo008_instant, NULL,                                          \
     .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},                                         \
    {{"FO-009", "RDMA connections during failover", "error",                               \
      CHECK_NEEDS_EVENTS | CHECK_NEEDS_WIRE,                                                \
      "an RDMA vNIC's move tears its QPs down (qp_error) and its first RoCE on the new "    \
      "member is a CM MAD (QP 1); no frame of an old QP there (wire only: warn)"},          \
     "no RDMA vNIC with RoCE moved to another member", check_fo009_frame,                  \
     check_fo009_event, check_fo009_instant, NULL,                                          \
     .frame_needs = CHECK_FK_TX | CHECK_FK_ROCE | CHECK_FK_SRCV | CHECK_FK_MEMBER},         \
    {{"DCB-006", "ETS gives SMB a 30 % minimum", "warn", CHECK_NEEDS_WIRE,                 \
      "in a saturated 10 ms window with both classes sending in every ms, priority 3 gets " \
      ">= 25 % of a member's bits and the rest >= 65 %"},                                   \
     "no saturated 10 ms window with both classes on a member of known rate",              \
     check_dcb006_frame, NULL, NULL, NULL,                                                  \
     .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},                                         \
    {{"DCB-008", "iWARP works without DCB", "info", CHECK_NEEDS_WIRE,                      \
      "iWARP frames and their TCP retransmissions are counted (metrics, never violations)"},\
     "no iWARP frame", check_dcb008_frame, NULL, NULL, check_dcb008_end},                   \
    {{"DCB-011", "NetDirect policies apply only to ND-capable adapters", "warn",           \
      CHECK_NEEDS_WIRE,                                                                     \
      "TCP port 445 frames need no PCP 3 (never an error); one tagged with the vNIC's "     \
      "NetDirect priority warns"},                                                          \
     "no TCP port 445 frame sent by a member", check_dcb011_frame, NULL, NULL, NULL,        \
     .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER},                                         \
    {{"CFG-014", "No standby adapter", "warn", CHECK_NEEDS_EVENTS,                         \
      "no member is up for idle_member_grace (60 s) without vPorts while another member "   \
      "holds two or more"},                                                                 \
     "no team with two members up and affinity events", NULL, NULL, check_cfg014_instant,  \
     check_cfg014_end},                                                                     \
    {{"CFG-016", "A team is removed only with its switch", "error", CHECK_NEEDS_EVENTS,    \
      "no frame from a vPort of a switch after its switch_removed"},                        \
     "no switch was removed", check_cfg016_frame, check_cfg016_event, NULL, NULL,           \
     .frame_needs = CHECK_FK_SRCV},                                                         \
    {{"CFG-021", "Enabling RDMA restarts the adapter", "error", CHECK_NEEDS_EVENTS,        \
      "each adapter_restart of an up member is a member_down, then a member_up"},           \
     "no team member was restarted", NULL, check_cfg021_event, NULL, check_cfg021_end},     \
    {{"CFG-025", "RSC and RSS are disabled when the switch is created", "error",           \
      CHECK_NEEDS_EVENTS,                                                                   \
      "no rx_deliver to a vPort longer than one frame (a coalesced receive indication)"},   \
     "no rx_deliver row", NULL, check_cfg025_event, NULL, NULL},                            \
    {{"CFG-030", "DCB is required for RoCE and recommended for iWARP", "error",            \
      CHECK_NEEDS_INFERRED,                                                                 \
      "RoCE only with the DCB feature installed, a NetDirect priority and PFC enabled on "  \
      "that priority on its member"},                                                       \
     "no RoCE frame from an RDMA vNIC", check_cfg030_frame, check_cfg030_event, NULL,      \
     NULL,                                                                                  \
     .frame_needs = CHECK_FK_TX | CHECK_FK_ROCE | CHECK_FK_MEMBER | CHECK_FK_SRCV},         \
    {{"CFG-034", "NetAdapterQos and DCB consistency on every member", "error",             \
      CHECK_NEEDS_INFERRED | CHECK_NEEDS_EVENTS,                                            \
      "no RoCE frame from an RDMA vNIC on a member whose NetAdapterQos is not enabled"},    \
     "no RoCE frame on a member of known QoS state", check_cfg034_frame, NULL, NULL, NULL,\
     .frame_needs = CHECK_FK_TX | CHECK_FK_ROCE | CHECK_FK_MEMBER | CHECK_FK_SRCV},         \
    {{"CFG-035", "DCBX willing mode and the kernel debugger", "error",                     \
      CHECK_NEEDS_EVENTS | CHECK_NEEDS_WIRE,                                                \
      "no PFC sent by a member while its QoS is blocked(debugger) or blocked(willing)"},    \
     "no PFC sent by a member of known QoS state", check_cfg035_frame, NULL, NULL, NULL,    \
     .frame_needs = CHECK_FK_TX | CHECK_FK_MEMBER | CHECK_FK_PFC}

#endif
