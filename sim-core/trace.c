/* trace: the SQLite event trace of a run.  See trace.h for the schema and
 * the lifecycle of the `complete` flag.
 *
 * Invariants:
 *  - while t->state == TRACE_S_OPEN a transaction is open and t->pending
 *    rows have been written in it; it is committed when pending reaches
 *    t->batch (row_done__) and by trace_finish()/trace_close();
 *  - t->err != 0 means a write failed: nothing more is written except the
 *    best-effort commit in trace_close(), and complete is never set;
 *  - the insert statements are rebound completely before every step, so no
 *    bound pointer outlives the call that bound it.
 *
 * Settings for a write-once results file: journal_mode=OFF and
 * synchronous=OFF while the run writes (the `complete` flag, not the
 * journal, says whether the file is whole), an exclusive lock, a large
 * page cache.  trace_finish() syncs the data to disk before the
 * transaction that sets complete = 1, and syncs again after it, so even a
 * power loss cannot leave complete = 1 over missing rows.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Page cache of the writer, in KiB (negative cache_size): enough that
 * batches of TRACE_BATCH_DEFAULT rows never spill mid-transaction. */
#define TRACE_CACHE_KIB 16384

enum trace_state {
    TRACE_S_OPEN,     /* transaction open, rows accepted */
    TRACE_S_FINISHED, /* complete = 1 committed, no more rows */
};

struct trace {
    sqlite3 *db;               /* owned */
    sqlite3_stmt *ins_event;   /* owned prepared statements */
    sqlite3_stmt *ins_sample;
    sqlite3_stmt *find_object;
    sqlite3_stmt *ins_object;
    sqlite3_stmt *find_metric;
    sqlite3_stmt *ins_metric;
    sqlite3_stmt *ins_flow;
    sqlite3_stmt *ins_verdict;
    char *path;                /* owned copy, for messages */
    int fd;                    /* own descriptor of the file, for fsync */
    enum trace_state state;
    int err;                   /* first error (negative errno), sticky */
    uint32_t batch;            /* rows per transaction */
    uint32_t pending;          /* rows in the open transaction */
    uint64_t events;           /* events rows written (last seq) */
    char errmsg[512];
};

/* ---- names ----------------------------------------------------------- */

/* Each kind's name and the role of each events column (NULL: unused),
 * stored in event_kinds so a reader of the database knows what obj, obj2,
 * value ... mean for that kind. */
struct kind_info {
    const char *name;
    const char *obj, *obj2, *flow, *prio, *value, *aux, *reason, *detail;
};

static const struct kind_info kinds[TRACE_KIND_COUNT] = {
    [TRACE_LINK_UP] = {"link_up", "link end", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    [TRACE_LINK_DOWN] = {"link_down", "link end", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    [TRACE_MEMBER_UP] = {"member_up", "member", "team", NULL, NULL, NULL, NULL, NULL, NULL},
    [TRACE_MEMBER_DOWN] = {"member_down", "member", "team", NULL, NULL, NULL, NULL, NULL, NULL},
    [TRACE_MEMBER_ADDED] = {"member_added", "member", "team", NULL, NULL, NULL, NULL, NULL,
                            NULL},
    [TRACE_MEMBER_REMOVED] = {"member_removed", "member", "team", NULL, NULL, NULL, NULL, NULL,
                              NULL},
    [TRACE_ADAPTER_RESTART] = {"adapter_restart", "adapter", NULL, NULL, NULL, NULL, NULL, NULL,
                               NULL},
    [TRACE_DROP] = {"drop", "device or port", NULL, "flow", "priority", "bytes", NULL,
                    "drop reason", NULL},
    [TRACE_MAC_LEARN] = {"mac_learn", "port", NULL, NULL, NULL, "mac", "vlan", NULL, NULL},
    [TRACE_MAC_MOVE] = {"mac_move", "new port", "old port", NULL, NULL, "mac", "vlan", NULL,
                        NULL},
    [TRACE_MAC_AGE] = {"mac_age", "port", NULL, NULL, NULL, "mac", "vlan", NULL, NULL},
    [TRACE_PFC_TX] = {"pfc_tx", "port", NULL, NULL, "priority", "quanta (0: XON)", NULL, NULL,
                      NULL},
    [TRACE_PFC_RX] = {"pfc_rx", "port", NULL, NULL, "priority", "quanta (0: XON)", NULL, NULL,
                      NULL},
    [TRACE_PFC_PAUSE] = {"pfc_pause", "port", NULL, NULL, "priority", "quanta", NULL, NULL,
                         NULL},
    [TRACE_PFC_RESUME] = {"pfc_resume", "port", NULL, NULL, "priority", NULL, NULL, NULL, NULL},
    [TRACE_AFFINITY_SET] = {"affinity_set", "vport", "member (NULL: none)", NULL, NULL, NULL,
                            NULL, "affinity reason", NULL},
    [TRACE_LB_MODE_SET] = {"lb_mode_set", "team", NULL, NULL, NULL, NULL, NULL, NULL, "mode"},
    [TRACE_TEAM_MAPPING_SET] = {"team_mapping_set", "vport", "member (NULL: unmapped)", NULL,
                                NULL, NULL, NULL, NULL, NULL},
    [TRACE_FLOW_START] = {"flow_start", "source", "destination", "flow", NULL,
                          "bytes (0: unbounded)", NULL, NULL, NULL},
    [TRACE_FLOW_END] = {"flow_end", "source", "destination", "flow", NULL, "bytes done", NULL,
                        NULL, NULL},
    [TRACE_FLOW_PLACE] = {"flow_place", "member", NULL, "flow", NULL, NULL, NULL, NULL,
                          "hash key"},
    [TRACE_FLOW_MOVE] = {"flow_move", "new member", "old member", "flow", NULL, "idle gap (ps)",
                         NULL, "move reason", NULL},
    [TRACE_QOS_PROGRAMMED] = {"qos_programmed", "adapter", NULL, NULL, NULL, NULL, NULL,
                              "ok or why blocked", NULL},
    [TRACE_VMQ_ASSIGN] = {"vmq_assign", "vport", "member", NULL, NULL, NULL, NULL, NULL, NULL},
    [TRACE_RX_DELIVER] = {"rx_deliver", "vport", "arrival member (NULL: local)", "flow",
                          "priority", "bytes", "frame key (HVP-008)", NULL,
                          NULL},
    [TRACE_QP_ERROR] = {"qp_error", "vnic", NULL, "flow", NULL, "queue pair number", NULL,
                        "reason", NULL},
    [TRACE_NOTE] = {"note", "object", NULL, NULL, NULL, NULL, NULL, NULL, "text"},
};

struct reason_info {
    const char *name;
    int congestion; /* drop reasons only: the frame was lost to congestion */
};

static const struct reason_info drop_reasons[TRACE_DROP_REASON_COUNT] = {
    [TRACE_DROP_OTHER] = {"other", 0},
    [TRACE_DROP_LOSSY_QUEUE_FULL] = {"lossy_queue_full", 1},
    [TRACE_DROP_HEADROOM_OVERFLOW] = {"headroom_overflow", 1},
    [TRACE_DROP_BUFFER_FULL] = {"buffer_full", 1},
    [TRACE_DROP_NO_ROUTE] = {"no_route", 0},
    [TRACE_DROP_VLAN_FILTER] = {"vlan_filter", 0},
    [TRACE_DROP_LINK_DOWN] = {"link_down", 0},
    [TRACE_DROP_TEAM_DOWN] = {"team_down", 0},
    [TRACE_DROP_EAPOL_SET] = {"eapol_set", 0},
    [TRACE_DROP_MTU] = {"mtu_exceeded", 0},
    [TRACE_DROP_MEMBER_REMOVED] = {"member_removed", 0},
    [TRACE_DROP_VPORT_MIGRATED] = {"vport_migrated", 0},
};

static const char *const affinity_reasons[TRACE_AFF_REASON_COUNT] = {
    [TRACE_AFF_INITIAL] = "initial",   [TRACE_AFF_MAPPING] = "mapping",
    [TRACE_AFF_FAILOVER] = "failover", [TRACE_AFF_FAILBACK] = "failback",
    [TRACE_AFF_ADMIN] = "admin",
};

static const char *const move_reasons[TRACE_MOVE_REASON_COUNT] = {
    [TRACE_MOVE_FLOWLET] = "flowlet",
    [TRACE_MOVE_PERIODIC] = "periodic",
    [TRACE_MOVE_FAILOVER] = "failover",
    [TRACE_MOVE_ADMIN] = "admin",
};

const char *trace_kind_name(enum trace_kind kind)
{
    return kind > 0 && kind < TRACE_KIND_COUNT ? kinds[kind].name : NULL;
}

const char *trace_drop_reason_name(enum trace_drop_reason reason)
{
    return (unsigned)reason < TRACE_DROP_REASON_COUNT ? drop_reasons[reason].name : NULL;
}

int trace_drop_is_congestion(enum trace_drop_reason reason)
{
    return (unsigned)reason < TRACE_DROP_REASON_COUNT ? drop_reasons[reason].congestion : 0;
}

const char *trace_affinity_reason_name(enum trace_affinity_reason reason)
{
    return (unsigned)reason < TRACE_AFF_REASON_COUNT ? affinity_reasons[reason] : NULL;
}

const char *trace_move_reason_name(enum trace_move_reason reason)
{
    return (unsigned)reason < TRACE_MOVE_REASON_COUNT ? move_reasons[reason] : NULL;
}

/* ---- errors ---------------------------------------------------------- */

static int errno_of_sqlite__(sqlite3 *db, int rc)
{
    int sys = db ? sqlite3_system_errno(db) : 0;
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return sys > 0 ? -sys : -EIO;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_TOOBIG:
        return -E2BIG;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_CONSTRAINT:
        return -EINVAL;
    default:
        return -EIO;
    }
}

/* Records the first error from SQLite result rc while doing `what`. */
static int fail_sqlite__(struct trace *t, int rc, const char *what)
{
    if (!t->err) {
        t->err = errno_of_sqlite__(t->db, rc);
        snprintf(t->errmsg, sizeof t->errmsg, "trace '%s': %s: %s", t->path, what,
                 t->db ? sqlite3_errmsg(t->db) : sqlite3_errstr(rc));
    }
    return t->err;
}

/* Records the first error from a system call (negative errno e). */
static int fail_sys__(struct trace *t, int e, const char *what)
{
    if (!t->err) {
        t->err = e;
        snprintf(t->errmsg, sizeof t->errmsg, "trace '%s': %s: %s", t->path, what, strerror(-e));
    }
    return t->err;
}

const char *trace_errmsg(const struct trace *t) { return t ? t->errmsg : ""; }

/* ---- transactions ---------------------------------------------------- */

static int exec__(struct trace *t, const char *sql, const char *what)
{
    int rc = sqlite3_exec(t->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail_sqlite__(t, rc, what);
}

static int commit__(struct trace *t) { return exec__(t, "COMMIT", "commit"); }

/* Counts one row; commits and opens the next transaction every batch. */
static int row_done__(struct trace *t)
{
    if (++t->pending < t->batch)
        return 0;
    t->pending = 0;
    int rc = commit__(t);
    return rc ? rc : exec__(t, "BEGIN", "begin transaction");
}

static int fsync__(struct trace *t)
{
    return fsync(t->fd) == 0 ? 0 : fail_sys__(t, -errno, "fsync");
}

/* ---- schema ---------------------------------------------------------- */

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE runs("
    " id INTEGER PRIMARY KEY,"
    " version TEXT NOT NULL,"
    " seed INTEGER NOT NULL,"
    " scenario TEXT NOT NULL,"
    " scenario_hash TEXT NOT NULL,"
    " engine TEXT NOT NULL,"
    " started_at TEXT NOT NULL,"        /* wall clock, UTC ISO 8601 */
    " finished_at TEXT,"                /* wall clock, set by trace_finish */
    " sim_end_ps INTEGER,"
    " event_count INTEGER,"
    " trace_rows INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)));"
    "CREATE TABLE objects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL);"
    "CREATE TABLE event_kinds(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " obj TEXT, obj2 TEXT, flow TEXT, prio TEXT, value TEXT, aux TEXT, reason TEXT,"
    " detail TEXT);"
    "CREATE TABLE reasons(kind INTEGER NOT NULL REFERENCES event_kinds(id),"
    " name TEXT NOT NULL, congestion INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (kind, name)) WITHOUT ROWID;"
    "CREATE TABLE events("
    " seq INTEGER PRIMARY KEY,"
    " time_ps INTEGER NOT NULL,"
    " kind INTEGER NOT NULL REFERENCES event_kinds(id),"
    " obj INTEGER REFERENCES objects(id),"
    " obj2 INTEGER REFERENCES objects(id),"
    " flow INTEGER, prio INTEGER, value INTEGER, aux INTEGER,"
    " reason TEXT, detail TEXT);"
    "CREATE TABLE metrics(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT);"
    "CREATE TABLE samples(time_ps INTEGER NOT NULL, obj INTEGER REFERENCES objects(id),"
    " metric INTEGER NOT NULL REFERENCES metrics(id), value REAL);"
    "CREATE VIEW events_v AS SELECT e.seq, e.time_ps, k.name AS kind, o1.name AS obj,"
    " o2.name AS obj2, e.flow, e.prio, e.value,"
    " CASE WHEN k.value = 'mac' THEN printf('%02x:%02x:%02x:%02x:%02x:%02x',"
    "  (e.value >> 40) & 255, (e.value >> 32) & 255, (e.value >> 24) & 255,"
    "  (e.value >> 16) & 255, (e.value >> 8) & 255, e.value & 255) END AS mac,"
    " e.aux, e.reason, e.detail"
    " FROM events e JOIN event_kinds k ON k.id = e.kind"
    " LEFT JOIN objects o1 ON o1.id = e.obj LEFT JOIN objects o2 ON o2.id = e.obj2"
    " ORDER BY e.seq;"
    "CREATE VIEW samples_v AS SELECT s.time_ps, o.name AS obj, m.name AS metric, m.unit,"
    " s.value FROM samples s JOIN metrics m ON m.id = s.metric"
    " LEFT JOIN objects o ON o.id = s.obj ORDER BY s.rowid;"
    "CREATE TABLE flows("
    " id INTEGER PRIMARY KEY,"          /* the flow id of the events rows */
    " generator TEXT NOT NULL,"         /* traffic entry's name */
    " kind TEXT NOT NULL,"              /* tcp, udp, roce, iwarp, smb */
    " class TEXT NOT NULL,"             /* traffic class label for reports */
    " prio INTEGER,"                    /* 802.1p priority on the wire */
    " src TEXT NOT NULL, dst TEXT NOT NULL,"
    " start_ps INTEGER NOT NULL,"
    " end_ps INTEGER,"                  /* NULL: not completed by the end */
    " fct_ps INTEGER,"                  /* end - start; NULL when not completed */
    " size_bytes INTEGER,"              /* bytes asked for; NULL: unbounded */
    " sent_bytes INTEGER NOT NULL,"     /* payload bytes sent (first copies) */
    " delivered_bytes INTEGER NOT NULL,"/* payload bytes delivered in order */
    " goodput_bps REAL,"                /* delivered * 8 / (end or stop - start) */
    " retransmissions INTEGER NOT NULL DEFAULT 0,"
    " naks INTEGER NOT NULL DEFAULT 0,"
    " cnps INTEGER NOT NULL DEFAULT 0,"
    " timeouts INTEGER NOT NULL DEFAULT 0,"
    " pause_ps INTEGER NOT NULL DEFAULT 0," /* time its sender's queue was paused */
    " complete INTEGER NOT NULL CHECK (complete IN (0, 1)));"
    "CREATE TABLE verdicts("
    " rule TEXT NOT NULL,"              /* rule ID, e.g. DYN-005 */
    " title TEXT NOT NULL,"
    " severity TEXT NOT NULL,"          /* error, warning, info */
    " needs TEXT NOT NULL,"             /* wire, inferred, events */
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'na')),"
    " reason TEXT,"                     /* why na / one-line explanation */
    " capture TEXT,"                    /* capture file or interface of the first offence */
    " frame INTEGER,"                   /* 1-based frame number of the first offence */
    " time_ps INTEGER,"                 /* its timestamp */
    " checked INTEGER NOT NULL DEFAULT 0,"   /* frames or events examined */
    " violations INTEGER NOT NULL DEFAULT 0);";

/* Indexes for the checker's queries, built once at the end (cheaper than
 * maintaining them row by row). */
static const char index_sql[] =
    "CREATE INDEX events_kind_time ON events(kind, time_ps);"
    "CREATE INDEX samples_obj_metric ON samples(obj, metric, time_ps);";

static void bind_text_or_null__(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static int prepare__(struct trace *t, const char *sql, sqlite3_stmt **out)
{
    int rc = sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    return rc == SQLITE_OK ? 0 : fail_sqlite__(t, rc, "prepare statement");
}

/* Runs a prepared one-shot statement to completion and finalizes it. */
static int step_once__(struct trace *t, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : fail_sqlite__(t, rc, what);
}

static int insert_kinds__(struct trace *t)
{
    sqlite3_stmt *s;
    int rc = prepare__(t, "INSERT INTO event_kinds VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)", &s);
    if (rc)
        return rc;
    for (int k = 1; k < TRACE_KIND_COUNT; k++) {
        const struct kind_info *ki = &kinds[k];
        const char *roles[] = {ki->name, ki->obj, ki->obj2, ki->flow, ki->prio,
                               ki->value, ki->aux, ki->reason, ki->detail};
        sqlite3_bind_int(s, 1, k);
        for (int i = 0; i < 9; i++)
            bind_text_or_null__(s, i + 2, roles[i]);
        int st = sqlite3_step(s);
        sqlite3_reset(s);
        if (st != SQLITE_DONE) {
            sqlite3_finalize(s);
            return fail_sqlite__(t, st, "insert event kinds");
        }
    }
    sqlite3_finalize(s);
    return 0;
}

static int insert_reason__(struct trace *t, sqlite3_stmt *s, int kind, const char *name,
                           int congestion)
{
    sqlite3_bind_int(s, 1, kind);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, congestion);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : fail_sqlite__(t, rc, "insert reasons");
}

static int insert_reasons__(struct trace *t)
{
    sqlite3_stmt *s;
    int rc = prepare__(t, "INSERT INTO reasons VALUES(?1,?2,?3)", &s);
    for (int i = 0; !rc && i < TRACE_DROP_REASON_COUNT; i++)
        rc = insert_reason__(t, s, TRACE_DROP, drop_reasons[i].name, drop_reasons[i].congestion);
    for (int i = 0; !rc && i < TRACE_AFF_REASON_COUNT; i++)
        rc = insert_reason__(t, s, TRACE_AFFINITY_SET, affinity_reasons[i], 0);
    for (int i = 0; !rc && i < TRACE_MOVE_REASON_COUNT; i++)
        rc = insert_reason__(t, s, TRACE_FLOW_MOVE, move_reasons[i], 0);
    sqlite3_finalize(s);
    return rc;
}

static int insert_meta__(struct trace *t)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "PRAGMA user_version = %d;"
             "INSERT INTO meta VALUES('schema_version', '%d'), ('time_unit', 'ps'),"
             " ('mac_encoding', 'integer, first octet most significant'),"
             " ('generator', 'setsim %s');",
             TRACE_SCHEMA_VERSION, TRACE_SCHEMA_VERSION, SETSIM_VERSION);
    return exec__(t, sql, "write meta");
}

/* Wall-clock time as UTC ISO 8601 with milliseconds. */
static void wall_clock__(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static const char *str_or_empty__(const char *s) { return s ? s : ""; }

static int insert_run__(struct trace *t, const struct trace_run_info *info)
{
    sqlite3_stmt *s;
    int rc = prepare__(t,
                       "INSERT INTO runs(id, version, seed, scenario, scenario_hash, engine,"
                       " started_at, complete) VALUES(1, ?1, ?2, ?3, ?4, ?5, ?6, 0)",
                       &s);
    if (rc)
        return rc;
    char now[40];
    wall_clock__(now, sizeof now);
    sqlite3_bind_text(s, 1, info->version ? info->version : SETSIM_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)info->seed);
    sqlite3_bind_text(s, 3, str_or_empty__(info->scenario), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, str_or_empty__(info->scenario_hash), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, str_or_empty__(info->engine), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    return step_once__(t, s, "insert run");
}

static int prepare_writers__(struct trace *t)
{
    int rc = prepare__(t,
                       "INSERT INTO events(seq, time_ps, kind, obj, obj2, flow, prio, value, aux,"
                       " reason, detail) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                       &t->ins_event);
    if (!rc)
        rc = prepare__(t, "INSERT INTO samples VALUES(?1,?2,?3,?4)", &t->ins_sample);
    if (!rc)
        rc = prepare__(t, "SELECT id, kind FROM objects WHERE name = ?1", &t->find_object);
    if (!rc)
        rc = prepare__(t, "INSERT INTO objects(name, kind) VALUES(?1, ?2)", &t->ins_object);
    if (!rc)
        rc = prepare__(t, "SELECT id, unit FROM metrics WHERE name = ?1", &t->find_metric);
    if (!rc)
        rc = prepare__(t, "INSERT INTO metrics(name, unit) VALUES(?1, ?2)", &t->ins_metric);
    if (!rc)
        rc = prepare__(t,
                       "INSERT INTO flows(id, generator, kind, class, prio, src, dst, start_ps,"
                       " end_ps, fct_ps, size_bytes, sent_bytes, delivered_bytes, goodput_bps,"
                       " retransmissions, naks, cnps, timeouts, pause_ps, complete) VALUES"
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)",
                       &t->ins_flow);
    if (!rc)
        rc = prepare__(t,
                       "INSERT INTO verdicts(rule, title, severity, needs, status, reason,"
                       " capture, frame, time_ps, checked, violations) VALUES"
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                       &t->ins_verdict);
    return rc;
}

/* Pragmas, schema and the runs row, committed; then the first batch's
 * transaction is opened. */
static int init_db__(struct trace *t, const struct trace_run_info *info)
{
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = OFF;"
             " PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;"
             " PRAGMA cache_size = -%d;",
             TRACE_CACHE_KIB);
    int rc = exec__(t, pragmas, "set pragmas");
    if (!rc)
        rc = exec__(t, "BEGIN", "begin transaction");
    if (!rc)
        rc = exec__(t, schema_sql, "create schema");
    if (!rc)
        rc = insert_meta__(t);
    if (!rc)
        rc = insert_kinds__(t);
    if (!rc)
        rc = insert_reasons__(t);
    if (!rc)
        rc = insert_run__(t, info);
    if (!rc)
        rc = commit__(t);
    if (!rc)
        rc = prepare_writers__(t);
    if (!rc)
        rc = exec__(t, "BEGIN", "begin transaction");
    return rc;
}

/* ---- open / close ---------------------------------------------------- */

/* Creates (or truncates, with overwrite) the file and removes journal
 * files a previous database of that name may have left, so SQLite starts
 * from an empty file.  Returns the descriptor or -errno. */
static int create_file__(const char *path, int overwrite)
{
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    int fd = open(path, flags, 0644);
    if (fd < 0)
        return -errno;
    static const char *const suffixes[] = {"-journal", "-wal", "-shm"};
    char side[4096];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        int n = snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        if (n > 0 && (size_t)n < sizeof side)
            unlink(side);
    }
    return fd;
}

static void free_trace__(struct trace *t)
{
    sqlite3_finalize(t->ins_event);
    sqlite3_finalize(t->ins_sample);
    sqlite3_finalize(t->ins_flow);
    sqlite3_finalize(t->ins_verdict);
    sqlite3_finalize(t->find_object);
    sqlite3_finalize(t->ins_object);
    sqlite3_finalize(t->find_metric);
    sqlite3_finalize(t->ins_metric);
    sqlite3_close(t->db);
    if (t->fd >= 0)
        close(t->fd);
    free(t->path);
    free(t);
}

struct trace *trace_open(const char *path, const struct trace_run_info *info, char *err,
                         size_t errlen)
{
    static const struct trace_run_info no_info;
    if (err && errlen)
        err[0] = '\0';
    if (!info)
        info = &no_info;
    if (!path || !*path) {
        if (err && errlen)
            snprintf(err, errlen, "trace: no path given for the run database");
        errno = EINVAL;
        return NULL;
    }
    struct trace *t = calloc(1, sizeof *t);
    if (t)
        t->path = strdup(path);
    if (!t || !t->path) {
        if (err && errlen)
            snprintf(err, errlen, "trace '%s': out of memory", path);
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    t->batch = info->batch_rows ? info->batch_rows : TRACE_BATCH_DEFAULT;
    t->state = TRACE_S_OPEN;
    t->fd = create_file__(path, info->overwrite);
    int rc = t->fd;
    if (rc < 0) {
        if (err && errlen)
            snprintf(err, errlen, "trace '%s': cannot create: %s%s", path, strerror(-rc),
                     rc == -EEXIST ? " (overwrite not requested)" : "");
        goto fail;
    }
    int src = sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                                                SQLITE_OPEN_EXRESCODE, NULL);
    rc = src == SQLITE_OK ? init_db__(t, info) : fail_sqlite__(t, src, "open");
    if (rc < 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s", t->errmsg);
        goto fail;
    }
    return t;

fail:
    free_trace__(t);
    errno = -rc;
    return NULL;
}

int trace_close(struct trace *t)
{
    if (!t)
        return 0;
    int rc = t->err;
    if (t->state == TRACE_S_OPEN) {
        /* Keep the rows of an unfinished run for inspection; complete
         * stays 0.  After an error this is best effort. */
        int c = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL);
        if (c != SQLITE_OK && !rc)
            rc = fail_sqlite__(t, c, "commit");
    }
    free_trace__(t);
    return rc;
}

struct sqlite3 *trace_db(struct trace *t) { return t ? t->db : NULL; }

uint64_t trace_event_rows(const struct trace *t) { return t ? t->events : 0; }

int trace_meta(struct trace *t, const char *key, const char *value)
{
    if (!t || !key || !value)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_stmt *s;
    int rc = prepare__(t, "INSERT OR REPLACE INTO meta VALUES(?1, ?2)", &s);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
    return step_once__(t, s, "write meta");
}

int trace_finish(struct trace *t, sim_time_t sim_end, uint64_t event_count)
{
    if (!t)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    int rc = exec__(t, index_sql, "create indexes");
    if (!rc)
        rc = commit__(t);
    if (!rc)
        rc = fsync__(t);
    if (rc)
        return rc;
    /* From here on no transaction is open until the last one. */
    t->state = TRACE_S_FINISHED;
    sqlite3_stmt *s;
    rc = exec__(t, "BEGIN", "begin transaction");
    if (!rc)
        rc = prepare__(t,
                       "UPDATE runs SET finished_at = ?1, sim_end_ps = ?2, event_count = ?3,"
                       " trace_rows = ?4, complete = 1 WHERE id = 1",
                       &s);
    if (!rc) {
        char now[40];
        wall_clock__(now, sizeof now);
        sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)sim_end);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)event_count);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)t->events);
        rc = step_once__(t, s, "mark run complete");
    }
    if (!rc)
        rc = commit__(t);
    if (!rc)
        rc = fsync__(t);
    return rc;
}

/* ---- interning ------------------------------------------------------- */

/* Looks name up with `find` (columns id, second) and inserts it with
 * `ins` (name, second) when absent.  A name found with a different second
 * column is -EEXIST when `second_must_match`. */
static int intern__(struct trace *t, sqlite3_stmt *find, sqlite3_stmt *ins, const char *name,
                    const char *second, int second_must_match, const char *what)
{
    if (!t || !name || !*name)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_bind_text(find, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        int id = sqlite3_column_int(find, 0);
        const char *have = (const char *)sqlite3_column_text(find, 1);
        int same = !second_must_match || (have && second && strcmp(have, second) == 0);
        if (!same)
            snprintf(t->errmsg, sizeof t->errmsg,
                     "trace '%s': %s '%s' already interned as kind '%s', not '%s'", t->path,
                     what, name, have ? have : "", second ? second : "");
        sqlite3_reset(find);
        return same ? id : -EEXIST;
    }
    sqlite3_reset(find);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, what);
    sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
    bind_text_or_null__(ins, 2, second);
    rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, what);
    sqlite3_int64 id = sqlite3_last_insert_rowid(t->db);
    int r = row_done__(t);
    return r ? r : (int)id;
}

int trace_object(struct trace *t, const char *name, const char *kind)
{
    if (!kind || !*kind)
        return -EINVAL;
    return intern__(t, t ? t->find_object : NULL, t ? t->ins_object : NULL, name, kind, 1,
                    "object");
}

int trace_metric(struct trace *t, const char *name, const char *unit)
{
    return intern__(t, t ? t->find_metric : NULL, t ? t->ins_metric : NULL, name, unit, 0,
                    "metric");
}

/* ---- events ---------------------------------------------------------- */

static inline void bind_obj__(sqlite3_stmt *s, int i, trace_obj_t id)
{
    if (id)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

int trace_event(struct trace *t, sim_time_t time, enum trace_kind kind,
                const struct trace_rec *r)
{
    if (!t || !r || kind <= 0 || kind >= TRACE_KIND_COUNT)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_stmt *s = t->ins_event;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)(t->events + 1));
    sqlite3_bind_int64(s, 2, (sqlite3_int64)time);
    sqlite3_bind_int(s, 3, (int)kind);
    bind_obj__(s, 4, r->obj);
    bind_obj__(s, 5, r->obj2);
    if (r->flow)
        sqlite3_bind_int64(s, 6, (sqlite3_int64)r->flow);
    else
        sqlite3_bind_null(s, 6);
    if (r->has & TRACE_HAS_PRIO)
        sqlite3_bind_int(s, 7, r->prio);
    else
        sqlite3_bind_null(s, 7);
    if (r->has & TRACE_HAS_VALUE)
        sqlite3_bind_int64(s, 8, r->value);
    else
        sqlite3_bind_null(s, 8);
    if (r->has & TRACE_HAS_AUX)
        sqlite3_bind_int64(s, 9, r->aux);
    else
        sqlite3_bind_null(s, 9);
    bind_text_or_null__(s, 10, r->reason);
    bind_text_or_null__(s, 11, r->detail);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, "insert event");
    t->events++;
    return row_done__(t);
}

int trace_link(struct trace *t, sim_time_t time, trace_obj_t obj, int up)
{
    struct trace_rec r = {.obj = obj};
    return trace_event(t, time, up ? TRACE_LINK_UP : TRACE_LINK_DOWN, &r);
}

int trace_drop(struct trace *t, sim_time_t time, trace_obj_t obj,
               enum trace_drop_reason reason, uint8_t prio, uint64_t flow, uint32_t bytes)
{
    const char *name = trace_drop_reason_name(reason);
    if (!name)
        return -EINVAL;
    struct trace_rec r = {.obj = obj, .flow = flow, .prio = prio, .value = bytes,
                          .has = TRACE_HAS_PRIO | TRACE_HAS_VALUE, .reason = name};
    return trace_event(t, time, TRACE_DROP, &r);
}

static int mac_event__(struct trace *t, sim_time_t time, enum trace_kind kind, trace_obj_t port,
                       trace_obj_t other, uint16_t vlan, const uint8_t mac[6])
{
    if (!mac)
        return -EINVAL;
    struct trace_rec r = {.obj = port, .obj2 = other, .value = trace_mac_pack(mac), .aux = vlan,
                          .has = TRACE_HAS_VALUE | TRACE_HAS_AUX};
    return trace_event(t, time, kind, &r);
}

int trace_mac_learn(struct trace *t, sim_time_t time, trace_obj_t port, uint16_t vlan,
                    const uint8_t mac[6])
{
    return mac_event__(t, time, TRACE_MAC_LEARN, port, TRACE_NO_OBJ, vlan, mac);
}

int trace_mac_move(struct trace *t, sim_time_t time, trace_obj_t new_port,
                   trace_obj_t old_port, uint16_t vlan, const uint8_t mac[6])
{
    return mac_event__(t, time, TRACE_MAC_MOVE, new_port, old_port, vlan, mac);
}

int trace_mac_age(struct trace *t, sim_time_t time, trace_obj_t port, uint16_t vlan,
                  const uint8_t mac[6])
{
    return mac_event__(t, time, TRACE_MAC_AGE, port, TRACE_NO_OBJ, vlan, mac);
}

int trace_pfc_frame(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio,
                    uint16_t quanta, int tx)
{
    struct trace_rec r = {.obj = port, .prio = prio, .value = quanta,
                          .has = TRACE_HAS_PRIO | TRACE_HAS_VALUE};
    return trace_event(t, time, tx ? TRACE_PFC_TX : TRACE_PFC_RX, &r);
}

int trace_pfc_pause(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio,
                    uint16_t quanta)
{
    struct trace_rec r = {.obj = port, .prio = prio, .value = quanta,
                          .has = TRACE_HAS_PRIO | TRACE_HAS_VALUE};
    return trace_event(t, time, TRACE_PFC_PAUSE, &r);
}

int trace_pfc_resume(struct trace *t, sim_time_t time, trace_obj_t port, uint8_t prio)
{
    struct trace_rec r = {.obj = port, .prio = prio, .has = TRACE_HAS_PRIO};
    return trace_event(t, time, TRACE_PFC_RESUME, &r);
}

int trace_affinity(struct trace *t, sim_time_t time, trace_obj_t vport, trace_obj_t member,
                   enum trace_affinity_reason reason)
{
    const char *name = trace_affinity_reason_name(reason);
    if (!name)
        return -EINVAL;
    struct trace_rec r = {.obj = vport, .obj2 = member, .reason = name};
    return trace_event(t, time, TRACE_AFFINITY_SET, &r);
}

int trace_flow_start(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t src,
                     trace_obj_t dst, uint64_t bytes)
{
    struct trace_rec r = {.obj = src, .obj2 = dst, .flow = flow,
                          .value = (int64_t)bytes, .has = TRACE_HAS_VALUE};
    return trace_event(t, time, TRACE_FLOW_START, &r);
}

int trace_flow_end(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t src,
                   trace_obj_t dst, uint64_t bytes)
{
    struct trace_rec r = {.obj = src, .obj2 = dst, .flow = flow,
                          .value = (int64_t)bytes, .has = TRACE_HAS_VALUE};
    return trace_event(t, time, TRACE_FLOW_END, &r);
}

int trace_flow_place(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t member,
                     const char *key)
{
    struct trace_rec r = {.obj = member, .flow = flow, .detail = key};
    return trace_event(t, time, TRACE_FLOW_PLACE, &r);
}

int trace_flow_move(struct trace *t, sim_time_t time, uint64_t flow, trace_obj_t from,
                    trace_obj_t to, sim_time_t gap, enum trace_move_reason reason)
{
    const char *name = trace_move_reason_name(reason);
    if (!name)
        return -EINVAL;
    struct trace_rec r = {.obj = to, .obj2 = from, .flow = flow, .value = (int64_t)gap,
                          .has = TRACE_HAS_VALUE, .reason = name};
    return trace_event(t, time, TRACE_FLOW_MOVE, &r);
}

/* ---- samples --------------------------------------------------------- */

int trace_sample(struct trace *t, sim_time_t time, trace_obj_t obj, trace_metric_t metric,
                 double value)
{
    if (!t || !metric)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_stmt *s = t->ins_sample;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)time);
    bind_obj__(s, 2, obj);
    sqlite3_bind_int64(s, 3, metric);
    sqlite3_bind_double(s, 4, value);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, "insert sample");
    return row_done__(t);
}

/* ---- flows and verdicts ------------------------------------------------ */

int trace_flow_result(struct trace *t, const struct trace_flow_row *f)
{
    if (!t || !f || !f->generator || !f->kind || !f->src || !f->dst)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_stmt *s = t->ins_flow;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)f->id);
    sqlite3_bind_text(s, 2, f->generator, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->cls ? f->cls : f->kind, -1, SQLITE_STATIC);
    if (f->prio >= 0)
        sqlite3_bind_int(s, 5, f->prio);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, f->src, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, f->dst, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)f->start);
    if (f->complete) {
        sqlite3_bind_int64(s, 9, (sqlite3_int64)f->end);
        sqlite3_bind_int64(s, 10, (sqlite3_int64)(f->end - f->start));
    } else {
        sqlite3_bind_null(s, 9);
        sqlite3_bind_null(s, 10);
    }
    if (f->size_bytes)
        sqlite3_bind_int64(s, 11, (sqlite3_int64)f->size_bytes);
    else
        sqlite3_bind_null(s, 11);
    sqlite3_bind_int64(s, 12, (sqlite3_int64)f->sent_bytes);
    sqlite3_bind_int64(s, 13, (sqlite3_int64)f->delivered_bytes);
    sim_time_t until = f->complete ? f->end : f->stop;
    if (until > f->start)
        sqlite3_bind_double(s, 14, (double)f->delivered_bytes * 8.0 /
                                       ((double)(until - f->start) * 1e-12));
    else
        sqlite3_bind_null(s, 14);
    sqlite3_bind_int64(s, 15, (sqlite3_int64)f->retransmissions);
    sqlite3_bind_int64(s, 16, (sqlite3_int64)f->naks);
    sqlite3_bind_int64(s, 17, (sqlite3_int64)f->cnps);
    sqlite3_bind_int64(s, 18, (sqlite3_int64)f->timeouts);
    sqlite3_bind_int64(s, 19, (sqlite3_int64)f->pause);
    sqlite3_bind_int(s, 20, f->complete ? 1 : 0);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, "insert flow");
    return row_done__(t);
}

int trace_verdict(struct trace *t, const struct trace_verdict_row *v)
{
    if (!t || !v || !v->rule || !v->title || !v->severity || !v->needs || !v->status)
        return -EINVAL;
    if (t->err)
        return t->err;
    if (t->state != TRACE_S_OPEN)
        return -EINVAL;
    sqlite3_stmt *s = t->ins_verdict;
    sqlite3_bind_text(s, 1, v->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, v->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, v->severity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, v->needs, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, v->status, -1, SQLITE_STATIC);
    bind_text_or_null__(s, 6, v->reason);
    bind_text_or_null__(s, 7, v->capture);
    if (v->frame) {
        sqlite3_bind_int64(s, 8, (sqlite3_int64)v->frame);
        sqlite3_bind_int64(s, 9, (sqlite3_int64)v->time);
    } else {
        sqlite3_bind_null(s, 8);
        sqlite3_bind_null(s, 9);
    }
    sqlite3_bind_int64(s, 10, (sqlite3_int64)v->checked);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)v->violations);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail_sqlite__(t, rc, "insert verdict");
    return row_done__(t);
}
