/* check: the trace checker: the rule table (one entry per trace-checkable
 * rule of spec/rules.md) and the engine that evaluates it over captures and,
 * when there are any, the simulator's events.
 *
 * Inputs (struct check_input) come from a run directory
 * (check_input_from_run, check_run.c) or from a mapping file of external
 * captures (scenarios/check_map.c): the teams, their members (PMAC, rate,
 * PFC priorities), the vPorts (MAC, IPs, VLAN, RDMA, team mapping), which
 * capture (file and interface) shows which member from which side, known
 * link events, and optionally the run's event trace.
 *
 * The engine streams: frames are read one at a time (capread.h), merged
 * across files by timestamp, and merged with the event rows by time; the
 * state is per team, member, vPort, MAC and flow (a fixed-size flow table),
 * so memory does not depend on the capture's length.  Frames are decoded
 * by the simulator's own parsers (pkt_parse_bytes, pkt_pfc, pkt_roce).
 *
 * Where the input lacks a fact the engine infers it when it can and says so
 * in the evidence: a vPort's affinitized member is the member where its MAC
 * is first seen as a source (ARP/NS first) in each epoch, when no
 * affinity_set events are available.
 *
 * Verdicts: per rule pass / fail / warn / na.  fail: an offence of error
 * severity; warn: offences of warning severity only; na: nothing the rule
 * needs is in the input (the reason says what is missing).  Each verdict
 * carries the first offence: capture, interface, frame number (1-based in
 * its file), timestamp and a one-line explanation.
 */
#ifndef SETSIM_CHECK_H
#define SETSIM_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_time.h"

struct sqlite3;
struct trace;

#define CHECK_NAME_MAX 128
#define CHECK_MAX_TEAMS 64
#define CHECK_MAX_MEMBERS 256
#define CHECK_MAX_VPORTS 2048
#define CHECK_MAX_CAPTURES 256
#define CHECK_MAX_LINK_EVENTS 1024

/* What a rule needs (check_rule.needs bits). */
#define CHECK_NEEDS_WIRE 0x1u     /* [P]: frames alone */
#define CHECK_NEEDS_INFERRED 0x2u /* [P~]: frames plus inventory/inferred state */
#define CHECK_NEEDS_EVENTS 0x4u   /* [S]: the simulator's events */

enum check_mode { CHECK_MODE_UNKNOWN = 0, CHECK_MODE_HYPERV_PORT, CHECK_MODE_DYNAMIC };

/* Where a capture was taken: at the member (host side: "out" is what the
 * member transmits) or at the member's switch port (a mirror: "in" is what
 * the member transmits). */
enum check_side { CHECK_SIDE_HOST = 0, CHECK_SIDE_SWITCH };

enum check_failback {
    CHECK_FB_MAPPED_ONLY = 0,   /* FO-006 fo.failback default */
    CHECK_FB_ALL,
    CHECK_FB_NONE,
};

struct check_team {
    char name[CHECK_NAME_MAX];  /* "hv1/SETswitch" */
    enum check_mode mode;       /* at the start; lb_mode_set events change it */
    int fo_known;               /* 1: the run's meta row fo.<team> gave the
                                 * knobs below; 0: the defaults are assumed */
    enum check_failback failback; /* FO-006 fo.failback */
    sim_time_t failback_holddown; /* FO-006 fo.failback_holddown_ms; 0: opt's */
    int announce_garp_na;       /* FO-005 fo.announce=garp_na */
};

struct check_member {
    char name[CHECK_NAME_MAX];  /* "hv1/SLOT 2" */
    int team;                   /* index in teams, -1: none */
    uint8_t pmac[6];            /* permanent MAC = RMAC (DYN-007 dyn.rmac) */
    uint64_t rate_bps;          /* 0: unknown */
    int pfc_known;              /* 1: pfc_mask is known */
    uint8_t pfc_mask;           /* PFC-enabled priorities */
    int in_team;                /* 1: a member at the start (0: added later) */
    int qos;                    /* CHECK_QOS_*: NetAdapterQos state from the
                                 * mapping (run directories: qos_programmed rows) */
    char sw[CHECK_NAME_MAX];    /* run directories: the switch its cable ends at
                                 * ("tor1"), whose mac_* rows tell what it has
                                 * learned (HVP-007); "": unknown */
};

/* A member's NetAdapterQos state (qos_programmed "ok" / "blocked(why)"). */
enum { CHECK_QOS_UNKNOWN = 0, CHECK_QOS_OK, CHECK_QOS_DISABLED, CHECK_QOS_FEATURE,
       CHECK_QOS_DEBUGGER, CHECK_QOS_WILLING, CHECK_QOS_OTHER };

struct check_vport {
    char name[CHECK_NAME_MAX];  /* "hv1/vm1/Network Adapter" */
    int team;                   /* index in teams, -1: not on a team */
    uint8_t mac[6];
    uint16_t vlan;              /* 0: untagged */
    int rdma;                   /* RDMA-enabled host vNIC */
    int roce_pcp;               /* priority its RDMA traffic must carry, -1: unknown */
    int mapped;                 /* team-mapped member index, -1: none */
    int has_ipv4;
    uint8_t ipv4[4];
};

struct check_capture {
    char path[1024];            /* file */
    char ifname[CHECK_NAME_MAX];/* interface in the file; "": every interface */
    int member;                 /* member index, -1: not a member's capture */
    enum check_side side;
};

struct check_link_event {
    sim_time_t time;
    int member;
    int up;
};

struct check_options {
    sim_time_t flowlet_gap;     /* DYN-003 dyn.flowlet_gap_us (500 us) */
    sim_time_t learn_grace;     /* HVP-007 learn_grace_ms (50 ms) */
    sim_time_t move_window;     /* HVP-009 move_window_ms (100 ms) */
    sim_time_t link_gap;        /* HVP-009 validate.link_gap_ms (100 ms) */
    sim_time_t pfc_react;       /* DCB-002 pfc.react_ns (1000 ns) */
    sim_time_t detect;          /* FO-001 fo.detect_ms (0) */
    sim_time_t failback_holddown; /* FO-006 fo.failback_holddown_ms (1 s) */
    sim_time_t idle_member_grace; /* CFG-014 validate.idle_member_grace_s (60 s) */
};

struct check_input {
    struct check_team teams[CHECK_MAX_TEAMS];
    size_t nteams;
    struct check_member members[CHECK_MAX_MEMBERS];
    size_t nmembers;
    struct check_vport vports[CHECK_MAX_VPORTS];
    size_t nvports;
    struct check_capture captures[CHECK_MAX_CAPTURES];
    size_t ncaptures;
    struct check_link_event links[CHECK_MAX_LINK_EVENTS]; /* sorted by time */
    size_t nlinks;
    int inventory;              /* 1: the vPort list is complete */
    struct sqlite3 *events;     /* the run's trace, NULL: none */
    int owns_events;            /* events was opened by check_input_from_run */
    struct check_options opt;
    char source[1024];          /* what was checked, for the report */
};

/* Allocates an input with the default options (NULL when out of memory). */
struct check_input *check_input_new(void);
void check_input_free(struct check_input *in); /* does not close events */
int check_input_team(const struct check_input *in, const char *name);
int check_input_member(const struct check_input *in, const char *name);
int check_input_vport(const struct check_input *in, const char *name);

/* Fills in from a run directory (capture.pcapng, the world's check.* notes
 * in run.sqlite).  db: an open handle on the run's trace (setsim run, before
 * the trace is finished), or NULL to open dir/run.sqlite read-only (kept in
 * in->events; check_input_close_events closes it).  0, or -errno with the
 * reason in err. */
int check_input_from_run(struct check_input *in, const char *dir, struct sqlite3 *db,
                         char *err, size_t errlen);
void check_input_close_events(struct check_input *in);

/* "aa:bb:cc:dd:ee:ff" into buf (18 bytes); returns buf. */
const char *check_mac_str(const uint8_t mac[6], char *buf);

/* ---- the rule table ---- */

struct check_rule {
    const char *id;        /* "HVP-009" */
    const char *title;
    const char *severity;  /* of a violation: "error" or "warn" */
    unsigned needs;        /* CHECK_NEEDS_* bits: any of them makes it checkable */
    const char *check;     /* one line: what is checked */
};
size_t check_rule_count(void);
const struct check_rule *check_rule_at(size_t i);
/* "wire", "inferred", "events", or "wire+events" etc. into buf. */
const char *check_needs_text(unsigned needs, char *buf, size_t len);

/* ---- running it ---- */

enum check_status { CHECK_PASS = 0, CHECK_FAIL, CHECK_WARN, CHECK_NA };
const char *check_status_name(enum check_status s);

struct check_verdict {
    const struct check_rule *rule;
    enum check_status status;
    char reason[256];      /* na: why; fail/warn: the first offence */
    char capture[1024];    /* file of the first offence ("" for an event) */
    char ifname[CHECK_NAME_MAX];
    uint64_t frame;        /* 1-based in its file, 0: an event or none */
    uint64_t event_seq;    /* events.seq of an event offence, 0: none */
    sim_time_t time;
    uint64_t checked;      /* frames or events examined */
    uint64_t violations;   /* offences (errors and warnings) */
};

struct check_report {
    struct check_verdict *v;  /* one per rule, table order; owned */
    size_t n;
    uint64_t frames;          /* frames read */
    uint64_t events;          /* event rows read */
    char source[1024];
};

/* Runs every rule.  Returns the report, or NULL with the reason in err for
 * bad input (an unreadable or corrupt capture, a non-Ethernet link type, an
 * unreadable trace): the caller exits 2. */
struct check_report *check_run(const struct check_input *in, char *err, size_t errlen);
void check_report_free(struct check_report *r);
/* 1 when a rule failed, else 0. */
int check_report_failed(const struct check_report *r);
const struct check_verdict *check_report_find(const struct check_report *r, const char *id);
void check_report_print(const struct check_report *r, FILE *out);
void check_report_json(const struct check_report *r, FILE *out);
/* Counts per status and the failing/warning rules, for a run's summary. */
void check_report_summary(const struct check_report *r, FILE *out);
/* Stores the verdicts in the run's verdicts table (trace_verdict). */
int check_report_store(const struct check_report *r, struct trace *t);

#endif
