/* trace: the event trace of a run (run.sqlite), written through SQLite.
 *
 * A run interns the names of its objects once at model setup
 * (trace_object(), trace_metric()) and then logs typed events and samples
 * that carry only integers, so the hot path never passes strings.  Rows go
 * through prepared statements inside a transaction that is committed every
 * `batch_rows` rows and at the end.
 *
 * Lifecycle and the `complete` flag:
 *
 *   state     call               effect
 *   --------  -----------------  ------------------------------------------
 *   -         trace_open()       creates the file and the schema, inserts
 *                                the runs row with complete = 0, commits
 *   OPEN      trace_object() ..  rows in the open transaction; a commit
 *             trace_event() ..   every batch_rows rows
 *   OPEN      trace_finish()     builds the indexes, commits and syncs the
 *                                data, then in the last transaction sets
 *                                finished_at, sim_end_ps, event_count and
 *                                complete = 1 -> FINISHED
 *   any       trace_close()      commits pending rows (complete stays as it
 *                                is), closes and frees
 *
 * So a run that stops early (error, signal, crash) leaves complete = 0 and
 * is never mistaken for a finished one.
 *
 * Determinism: events and samples rows depend only on the calls made (seq
 * is the order of calls, time is simulated time).  The only wall-clock
 * values anywhere are runs.started_at and runs.finished_at.
 *
 * Schema (version TRACE_SCHEMA_VERSION, also in PRAGMA user_version):
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)     schema_version, time_unit,
 *                                              mac_encoding, generator,
 *                                              capture_bytes, capture_packets
 *                                              (trace_meta)
 *   runs(id, version, seed, scenario, scenario_hash, engine, started_at,
 *        finished_at, sim_end_ps, event_count, trace_rows, complete)
 *   objects(id INTEGER PRIMARY KEY, name TEXT UNIQUE, kind TEXT)
 *   event_kinds(id INTEGER PRIMARY KEY, name TEXT UNIQUE, obj, obj2, flow,
 *        prio, value, aux, reason)       role of each events column for
 *                                        this kind (NULL: unused)
 *   reasons(kind, name, congestion)      the reason names each kind uses
 *   events(seq INTEGER PRIMARY KEY, time_ps INTEGER, kind INTEGER,
 *        obj INTEGER, obj2 INTEGER, flow INTEGER, prio INTEGER,
 *        value INTEGER, aux INTEGER, reason TEXT, detail TEXT)
 *   metrics(id INTEGER PRIMARY KEY, name TEXT UNIQUE, unit TEXT)
 *   samples(time_ps INTEGER, obj INTEGER, metric INTEGER, value REAL)
 *   events_v, samples_v                  views with names joined in and
 *                                        MACs as text
 *   flows(id, generator, kind, class, prio, src, dst, start_ps, end_ps,
 *        fct_ps, size_bytes, sent_bytes, delivered_bytes, goodput_bps,
 *        retransmissions, naks, cnps, timeouts, pause_ps, complete)
 *                                        one row per flow, written when the
 *                                        run ends (trace_flow_result)
 *   verdicts(rule, title, severity, needs, status, reason, capture, frame,
 *        time_ps, checked, violations)   the checker's rule verdicts
 *                                        (trace_verdict)
 *
 * Encodings: times are picoseconds; unsigned 64-bit values (seed, flow id,
 * times) are stored as SQLite's signed INTEGER with the same bits, so
 * values of 2^63 and above read back negative.  A MAC address is stored in
 * `value` as a 48-bit INTEGER, first octet most significant
 * (0x02155d000001 is 02:15:5d:00:00:01); events_v shows it as text in
 * column `mac`.  A reason is stored as its name in `reason`, so the enums
 * below can grow without changing what old traces mean.
 *
 * Errors: functions return 0 (or an id) or a negative errno; SQLite
 * failures are mapped (SQLITE_FULL -> -ENOSPC, I/O -> the system errno or
 * -EIO, ...).  The first error is sticky: later writes return it without
 * touching the database, trace_finish() refuses to mark the run complete,
 * and trace_errmsg() names the path and what failed.
 */
#ifndef SETSIM_TRACE_H
#define SETSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct trace;
struct sqlite3;

#define TRACE_SCHEMA_VERSION 2
/* Rows per transaction when the caller gives 0: large enough that commits
 * cost little, small enough that an interrupted run keeps most rows. */
#define TRACE_BATCH_DEFAULT 10000u

/* Object and metric ids from trace_object()/trace_metric(); 0 is "none"
 * and is stored as NULL. */
typedef uint32_t trace_obj_t;
typedef uint32_t trace_metric_t;
#define TRACE_NO_OBJ ((trace_obj_t)0)

/* Event kinds.  The numbers are stored in events.kind and described in
 * event_kinds; append new kinds at the end so the numbers of old ones stay
 * stable across versions.  Names follow the trace vocabulary of
 * spec/rules.md §0.4. */
enum trace_kind {
    TRACE_LINK_UP = 1,      /* obj link end (port/NIC) came up */
    TRACE_LINK_DOWN,        /* obj link end went down */
    TRACE_MEMBER_UP,        /* obj team member up, obj2 team */
    TRACE_MEMBER_DOWN,      /* obj team member down, obj2 team */
    TRACE_MEMBER_ADDED,     /* obj member added to team obj2 */
    TRACE_MEMBER_REMOVED,   /* obj member removed from team obj2 */
    TRACE_ADAPTER_RESTART,  /* obj adapter restarted */
    TRACE_DROP,             /* obj dropped a frame: reason, prio, flow, value bytes */
    TRACE_MAC_LEARN,        /* obj port learned MAC value on VLAN aux */
    TRACE_MAC_MOVE,         /* MAC value on VLAN aux moved from obj2 to obj */
    TRACE_MAC_AGE,          /* MAC value on VLAN aux aged out of port obj */
    TRACE_PFC_TX,           /* obj sent PFC for prio, value quanta (0 = XON) */
    TRACE_PFC_RX,           /* obj received PFC for prio, value quanta */
    TRACE_PFC_PAUSE,        /* obj's egress prio paused for value quanta */
    TRACE_PFC_RESUME,       /* obj's egress prio resumed */
    TRACE_AFFINITY_SET,     /* vPort obj affinitized to member obj2, reason */
    TRACE_LB_MODE_SET,      /* team obj balancing mode: detail */
    TRACE_TEAM_MAPPING_SET, /* vPort obj mapped to member obj2 (0: unmapped) */
    TRACE_FLOW_START,       /* flow from obj to obj2, value bytes (0: unbounded) */
    TRACE_FLOW_END,         /* flow from obj to obj2 ended, value bytes done */
    TRACE_FLOW_PLACE,       /* flow placed on member obj, detail its hash key */
    TRACE_FLOW_MOVE,        /* flow moved from member obj2 to obj after an
                             * idle gap of value ps, reason */
    TRACE_QOS_PROGRAMMED,   /* adapter obj QoS: reason "ok" or why blocked */
    TRACE_VMQ_ASSIGN,       /* vPort obj's VMQ on member obj2 */
    TRACE_RX_DELIVER,       /* flooded frame of flow delivered to vPort obj, value
                             * bytes, obj2 the member it came in on (0: local),
                             * aux the frame's key: equal for every copy (HVP-008) */
    TRACE_QP_ERROR,         /* queue pair value of obj went to error, reason */
    TRACE_NOTE,             /* free-form annotation in detail */
    TRACE_KIND_COUNT        /* not a kind: one past the last */
};

/* Why a frame was dropped.  Stored as the name; append new reasons. */
enum trace_drop_reason {
    TRACE_DROP_OTHER = 0,          /* "other" */
    TRACE_DROP_LOSSY_QUEUE_FULL,   /* "lossy_queue_full": congestion */
    TRACE_DROP_HEADROOM_OVERFLOW,  /* "headroom_overflow": lossless prio
                                    * overran its PFC headroom (congestion) */
    TRACE_DROP_BUFFER_FULL,        /* "buffer_full": shared buffer exhausted
                                    * (congestion) */
    TRACE_DROP_NO_ROUTE,           /* "no_route": no port/vPort to deliver to */
    TRACE_DROP_VLAN_FILTER,        /* "vlan_filter": VLAN not allowed on port */
    TRACE_DROP_LINK_DOWN,          /* "link_down": egress link is down */
    TRACE_DROP_TEAM_DOWN,          /* "team_down": no team member up */
    TRACE_DROP_EAPOL_SET,          /* "eapol_set": CFG-024 EAPOL on a SET switch */
    TRACE_DROP_MTU,                /* "mtu_exceeded": frame above the MTU */
    TRACE_DROP_MEMBER_REMOVED,     /* "member_removed": queued on a NIC when
                                    * Set-VMSwitchTeam took it out of its team */
    TRACE_DROP_VPORT_MIGRATED,     /* "vport_migrated": to a vNIC whose VM
                                    * live-migrated off this host */
    TRACE_DROP_REASON_COUNT
};

/* Why a vPort's affinity changed (spec/rules.md §0.4 affinity_set). */
enum trace_affinity_reason {
    TRACE_AFF_INITIAL = 0, /* "initial" */
    TRACE_AFF_MAPPING,     /* "mapping": Set-VMNetworkAdapterTeamMapping */
    TRACE_AFF_FAILOVER,    /* "failover" */
    TRACE_AFF_FAILBACK,    /* "failback" */
    TRACE_AFF_ADMIN,       /* "admin" */
    TRACE_AFF_REASON_COUNT
};

/* Why a Dynamic-mode flow moved between members. */
enum trace_move_reason {
    TRACE_MOVE_FLOWLET = 0, /* "flowlet": after an idle gap */
    TRACE_MOVE_PERIODIC,    /* "periodic": rebalancing */
    TRACE_MOVE_FAILOVER,    /* "failover": its member went down */
    TRACE_MOVE_ADMIN,       /* "admin": member add/remove, mode change */
    TRACE_MOVE_REASON_COUNT
};

/* Names of the enums above, as stored; NULL when out of range. */
const char *trace_kind_name(enum trace_kind kind);
const char *trace_drop_reason_name(enum trace_drop_reason reason);
const char *trace_affinity_reason_name(enum trace_affinity_reason reason);
const char *trace_move_reason_name(enum trace_move_reason reason);
/* 1 for the drop reasons that mean congestion (rules.md DCB "congestion"). */
int trace_drop_is_congestion(enum trace_drop_reason reason);

/* A MAC address packed as stored: first octet most significant. */
static inline int64_t trace_mac_pack(const uint8_t mac[6])
{
    return ((int64_t)mac[0] << 40) | ((int64_t)mac[1] << 32) | ((int64_t)mac[2] << 24) |
           ((int64_t)mac[3] << 16) | ((int64_t)mac[4] << 8) | (int64_t)mac[5];
}

/* What a run records about itself, and how to open the file.  Strings are
 * copied into the database; NULL strings are stored as "". */
struct trace_run_info {
    const char *version;       /* setsim version; NULL: SETSIM_VERSION */
    uint64_t seed;             /* the run's seed */
    const char *scenario;      /* scenario name */
    const char *scenario_hash; /* hex digest of the scenario, from the caller */
    const char *engine;        /* "native", "ns3", ... */
    /* Opening */
    int overwrite;             /* nonzero: replace an existing file; 0: fail
                                * with -EEXIST if the path exists */
    uint32_t batch_rows;       /* rows per transaction; 0: TRACE_BATCH_DEFAULT */
};

/* Creates the database at path with the schema and the runs row
 * (complete = 0).  Returns the trace, or NULL with errno set (EEXIST when
 * the file exists and overwrite is 0) and a one-line reason naming the
 * path in err (when err != NULL). */
struct trace *trace_open(const char *path, const struct trace_run_info *info, char *err,
                         size_t errlen);

/* Interns an object (a port, NIC, team, vPort, switch, link...) by name:
 * returns its id (1, 2, ... in first-call order), the same id when the
 * name was interned before with the same kind, -EEXIST when it was
 * interned with another kind, or another negative errno. */
int trace_object(struct trace *t, const char *name, const char *kind);

/* Interns a sample metric ("queue_bytes", unit "B"); unit may be NULL.
 * Returns its id as trace_object() does. */
int trace_metric(struct trace *t, const char *name, const char *unit);

/* The generic event: every column.  Zero-initialised means all NULL. */
#define TRACE_HAS_PRIO 0x1u
#define TRACE_HAS_VALUE 0x2u
#define TRACE_HAS_AUX 0x4u
struct trace_rec {
    trace_obj_t obj;    /* subject object, 0: none */
    trace_obj_t obj2;   /* second object, 0: none */
    uint64_t flow;      /* flow id, 0: none */
    uint8_t prio;       /* priority 0..7, if TRACE_HAS_PRIO */
    unsigned has;       /* TRACE_HAS_* bits */
    int64_t value;      /* if TRACE_HAS_VALUE */
    int64_t aux;        /* if TRACE_HAS_AUX */
    const char *reason; /* reason name or NULL; read during the call only */
    const char *detail; /* free text or NULL; read during the call only */
};

int trace_event(struct trace *t, sim_time_t time, enum trace_kind kind,
                const struct trace_rec *rec);

/* Typed writers.  Each returns 0 or a negative errno. */
int trace_link(struct trace *t, sim_time_t time, trace_obj_t obj, int up);
int trace_drop(struct trace *t, sim_time_t time, trace_obj_t obj,
               enum trace_drop_reason reason, uint8_t prio, uint64_t flow, uint32_t bytes);
int trace_mac_learn(struct trace *t, sim_time_t time, trace_obj_t port, uint16_t vlan,
                    const uint8_t mac[6]);
int trace_mac_move(struct trace *t, sim_time_t time, trace_obj_t new_port,
                   trace_obj_t old_port, uint16_t vlan, const uint8_t mac[6]);
int trace_mac_age(struct trace *t, sim_time_t time, trace_obj_t port, uint16_t vlan,
                  const uint8_t mac[6]);
/* A PFC frame sent (tx != 0, kind pfc_tx) or received (pfc_rx) by port. */
int trace_pfc_frame(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio,
                    uint16_t quanta, int tx);
/* port's egress queue prio stops (pause, for quanta) or starts again. */
int trace_pfc_pause(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio,
                    uint16_t quanta);
int trace_pfc_resume(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio);
/* member 0 means "no member" (team down). */
int trace_affinity(struct trace *t, sim_time_t time, trace_obj_t vport, trace_obj_t member,
                   enum trace_affinity_reason reason);
int trace_flow_start(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t src,
                     trace_obj_t dst, uint64_t bytes);
int trace_flow_end(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t src,
                   trace_obj_t dst, uint64_t bytes);
/* key: the flow's hash key, "proto P toeplitz <hex of the hash input>"
 * (NULL: none), so that a checker can verify the placement (DYN-002). */
int trace_flow_place(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t member,
                     const char *key);
int trace_flow_move(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t from,
                    trace_obj_t to, sim_time_t gap, enum trace_move_reason reason);

/* A sample of metric for obj (0: run-wide) at time; NaN is stored as
 * NULL. */
int trace_sample(struct trace *t, sim_time_t time, trace_obj_t obj, trace_metric_t metric,
                 double value);

/* One flow's result (the flows table).  Strings are read during the call
 * only.  prio < 0 stores NULL; size_bytes 0 stores NULL (unbounded). */
struct trace_flow_row {
    uint64_t id;              /* flow id used in the events rows */
    const char *generator;    /* traffic entry's name */
    const char *kind;         /* "tcp", "udp", "roce", "iwarp", "smb" */
    const char *cls;          /* class label for reports; NULL: kind */
    int prio;                 /* 802.1p priority, -1: unknown */
    const char *src, *dst;    /* endpoint names as in the scenario */
    sim_time_t start;         /* when the flow started */
    sim_time_t end;           /* when it completed (if complete) */
    sim_time_t stop;          /* end of measurement when not complete */
    uint64_t size_bytes;      /* bytes asked for, 0: unbounded */
    uint64_t sent_bytes, delivered_bytes;
    uint64_t retransmissions, naks, cnps, timeouts;
    sim_time_t pause;         /* time its sender's queue spent paused */
    int complete;             /* 1: every byte delivered */
};
int trace_flow_result(struct trace *t, const struct trace_flow_row *f);

/* One rule verdict (the verdicts table).  Strings are read during the
 * call only; status is "pass", "fail", "warn" or "na"; frame 0 stores
 * NULL frame and time. */
struct trace_verdict_row {
    const char *rule, *title, *severity, *needs, *status;
    const char *reason;       /* why na, or the first failure's explanation */
    const char *capture;      /* capture (file or interface) of the first offence */
    uint64_t frame;           /* 1-based frame number of the first offence, 0: none */
    sim_time_t time;          /* its timestamp */
    uint64_t checked;         /* frames or events examined */
    uint64_t violations;      /* offences found */
};
int trace_verdict(struct trace *t, const struct trace_verdict_row *v);

/* Events rows written so far. */
uint64_t trace_event_rows(const struct trace *t);

/* The message of the last error (the sticky one, or a rejected
 * trace_object() call), naming the path; "" when none. */
const char *trace_errmsg(const struct trace *t);

/* The database handle, for modules that add their own tables to the run
 * (e.g. rule verdicts); statements run inside the open transaction.  Owned
 * by the trace. */
struct sqlite3 *trace_db(struct trace *t);

/* Sets a key of the meta table (replacing its value): a fact about the run
 * that is not a row of what it simulated, e.g. the world's capture_bytes
 * and capture_packets (the length of capture.pcapng, so that a reader can
 * tell a truncated or missing capture).  Before trace_finish.  Returns 0
 * or a negative errno. */
int trace_meta(struct trace *t, const char *key, const char *value);

/* Marks the run complete (see the table above): sim_end is the simulated
 * end time, event_count the engine's executed events.  Returns 0 or a
 * negative errno; after an earlier error returns that error and leaves
 * complete = 0. */
int trace_finish(struct trace *t, sim_time_t sim_end, uint64_t event_count);

/* Commits pending rows, closes and frees (NULL-safe: returns 0).  Without
 * trace_finish() the run stays complete = 0.  Returns 0 or the first
 * error. */
int trace_close(struct trace *t);

#endif
