/* test_trace: the SQLite event trace: a round trip through every writer,
 * the complete flag of finished, closed and interrupted runs, refusing to
 * replace a file, and deterministic rows. */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

static const struct trace_run_info info = {
    .seed = 7,
    .scenario = "set-dynamic-failover",
    .scenario_hash = "9f86d081884c7d65",
    .engine = "native",
};

static int db_path(char *buf, size_t len)
{
    char dir[512];
    if (test_tmpdir(dir, sizeof dir) != 0)
        return -1;
    snprintf(buf, len, "%s/run.sqlite", dir);
    return 0;
}

static sqlite3 *open_ro(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* The rows of a query as text: columns joined by '|', NULL as "", one
 * line per row.  Returns a malloc'd string. */
static char *dump(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad query %s: %s\n", sql, sqlite3_errmsg(db));
        return strdup("<error>");
    }
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    while (sqlite3_step(s) == SQLITE_ROW) {
        int n = sqlite3_column_count(s);
        for (int i = 0; i < n; i++) {
            const char *v = (const char *)sqlite3_column_text(s, i);
            size_t need = len + (v ? strlen(v) : 0) + 2;
            if (need + 1 > cap) {
                while (need + 1 > cap)
                    cap *= 2;
                out = realloc(out, cap);
            }
            len += (size_t)sprintf(out + len, "%s%c", v ? v : "", i + 1 < n ? '|' : '\n');
        }
    }
    sqlite3_finalize(s);
    return out;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -998 : sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

struct ids {
    int port3, port4, slot2, slot3, team, vm1;
    int qbytes;
};

/* Interns the objects and writes one event of every kind and a few
 * samples.  Every call must succeed. */
static void write_all_kinds(struct trace *t, struct ids *id)
{
    static const uint8_t mac[6] = {0x02, 0x15, 0x5d, 0x00, 0x00, 0x01};
    id->port3 = trace_object(t, "tor1/3", "port");
    id->port4 = trace_object(t, "tor1/4", "port");
    id->slot2 = trace_object(t, "hv1/SLOT 2", "nic");
    id->slot3 = trace_object(t, "hv1/SLOT 3", "nic");
    id->team = trace_object(t, "hv1/SETswitch", "team");
    id->vm1 = trace_object(t, "hv1/vm1", "vport");
    id->qbytes = trace_metric(t, "queue_bytes", "B");
    CU_ASSERT_EQUAL(id->port3, 1);
    CU_ASSERT_EQUAL(id->vm1, 6);
    CU_ASSERT_EQUAL(id->qbytes, 1);
    CU_ASSERT_EQUAL(trace_object(t, "tor1/3", "port"), id->port3); /* interned once */
    CU_ASSERT_EQUAL(trace_metric(t, "queue_bytes", "B"), id->qbytes);

    CU_ASSERT_EQUAL(trace_link(t, 0, id->port3, 1), 0);
    CU_ASSERT_EQUAL(trace_event(t, 0, TRACE_MEMBER_UP,
                                &(struct trace_rec){.obj = id->slot2, .obj2 = id->team}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 0, TRACE_MEMBER_ADDED,
                                &(struct trace_rec){.obj = id->slot3, .obj2 = id->team}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 0, TRACE_LB_MODE_SET,
                                &(struct trace_rec){.obj = id->team, .detail = "Dynamic"}),
                    0);
    CU_ASSERT_EQUAL(trace_affinity(t, 1 * SIM_US, id->vm1, id->slot2, TRACE_AFF_INITIAL), 0);
    CU_ASSERT_EQUAL(trace_event(t, 1 * SIM_US, TRACE_TEAM_MAPPING_SET,
                                &(struct trace_rec){.obj = id->vm1, .obj2 = id->slot2}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 1 * SIM_US, TRACE_VMQ_ASSIGN,
                                &(struct trace_rec){.obj = id->vm1, .obj2 = id->slot2}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 1 * SIM_US, TRACE_QOS_PROGRAMMED,
                                &(struct trace_rec){.obj = id->slot2, .reason = "ok"}),
                    0);
    CU_ASSERT_EQUAL(trace_flow_start(t, 2 * SIM_US, 42, id->vm1, id->port4, 10000000), 0);
    CU_ASSERT_EQUAL(trace_flow_place(t, 2 * SIM_US, 42, id->slot2, NULL), 0);
    CU_ASSERT_EQUAL(trace_mac_learn(t, 3 * SIM_US, id->port3, 10, mac), 0);
    CU_ASSERT_EQUAL(trace_sample(t, 3 * SIM_US, id->port3, id->qbytes, 1500.0), 0);
    CU_ASSERT_EQUAL(trace_pfc_frame(t, 4 * SIM_US, id->port3, 3, 0xffff, 1), 0);
    CU_ASSERT_EQUAL(trace_pfc_frame(t, 4 * SIM_US + 500, id->slot2, 3, 0xffff, 0), 0);
    CU_ASSERT_EQUAL(trace_pfc_pause(t, 4 * SIM_US + 500, id->slot2, 3, 0xffff), 0);
    CU_ASSERT_EQUAL(trace_pfc_resume(t, 5 * SIM_US, id->slot2, 3), 0);
    CU_ASSERT_EQUAL(trace_drop(t, 5 * SIM_US, id->port3, TRACE_DROP_LOSSY_QUEUE_FULL, 0, 42, 1518),
                    0);
    CU_ASSERT_EQUAL(trace_drop(t, 5 * SIM_US, id->vm1, TRACE_DROP_EAPOL_SET, 0, 0, 60), 0);
    CU_ASSERT_EQUAL(trace_sample(t, 5 * SIM_US, 0, id->qbytes, 0.5), 0);
    CU_ASSERT_EQUAL(trace_event(t, 6 * SIM_US, TRACE_RX_DELIVER,
                                &(struct trace_rec){.obj = id->vm1, .flow = 42, .prio = 3,
                                                    .value = 1024,
                                                    .has = TRACE_HAS_PRIO | TRACE_HAS_VALUE}),
                    0);
    CU_ASSERT_EQUAL(trace_link(t, 7 * SIM_US, id->slot2, 0), 0);
    CU_ASSERT_EQUAL(trace_event(t, 7 * SIM_US, TRACE_MEMBER_DOWN,
                                &(struct trace_rec){.obj = id->slot2, .obj2 = id->team}),
                    0);
    CU_ASSERT_EQUAL(trace_affinity(t, 8 * SIM_US, id->vm1, id->slot3, TRACE_AFF_FAILOVER), 0);
    CU_ASSERT_EQUAL(
        trace_flow_move(t, 8 * SIM_US, 42, id->slot2, id->slot3, 250 * SIM_US, TRACE_MOVE_FAILOVER),
        0);
    CU_ASSERT_EQUAL(trace_mac_move(t, 9 * SIM_US, id->port4, id->port3, 10, mac), 0);
    CU_ASSERT_EQUAL(trace_event(t, 9 * SIM_US, TRACE_MEMBER_REMOVED,
                                &(struct trace_rec){.obj = id->slot2, .obj2 = id->team}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 9 * SIM_US, TRACE_ADAPTER_RESTART,
                                &(struct trace_rec){.obj = id->slot2}),
                    0);
    CU_ASSERT_EQUAL(trace_event(t, 9 * SIM_US, TRACE_QP_ERROR,
                                &(struct trace_rec){.obj = id->vm1, .flow = 42, .value = 17,
                                                    .has = TRACE_HAS_VALUE,
                                                    .reason = "retry_exceeded"}),
                    0);
    CU_ASSERT_EQUAL(trace_mac_age(t, 10 * SIM_US, id->port4, 10, mac), 0);
    CU_ASSERT_EQUAL(trace_flow_end(t, 11 * SIM_US, 42, id->vm1, id->port4, 10000000), 0);
    CU_ASSERT_EQUAL(trace_event(t, 12 * SIM_US, TRACE_NOTE,
                                &(struct trace_rec){.detail = "end of timeline"}),
                    0);
    CU_ASSERT_EQUAL(trace_sample(t, 12 * SIM_US, id->port3, id->qbytes, 0.0), 0);
}

/* The events_v rows write_all_kinds() produces. */
static const char expected_events_v[] =
    "1|0|link_up|tor1/3||||||||\n"
    "2|0|member_up|hv1/SLOT 2|hv1/SETswitch|||||||\n"
    "3|0|member_added|hv1/SLOT 3|hv1/SETswitch|||||||\n"
    "4|0|lb_mode_set|hv1/SETswitch||||||||Dynamic\n"
    "5|1000000|affinity_set|hv1/vm1|hv1/SLOT 2||||||initial|\n"
    "6|1000000|team_mapping_set|hv1/vm1|hv1/SLOT 2|||||||\n"
    "7|1000000|vmq_assign|hv1/vm1|hv1/SLOT 2|||||||\n"
    "8|1000000|qos_programmed|hv1/SLOT 2|||||||ok|\n"
    "9|2000000|flow_start|hv1/vm1|tor1/4|42||10000000||||\n"
    "10|2000000|flow_place|hv1/SLOT 2||42||||||\n"
    "11|3000000|mac_learn|tor1/3||||2290777849857|02:15:5d:00:00:01|10||\n"
    "12|4000000|pfc_tx|tor1/3|||3|65535||||\n"
    "13|4000500|pfc_rx|hv1/SLOT 2|||3|65535||||\n"
    "14|4000500|pfc_pause|hv1/SLOT 2|||3|65535||||\n"
    "15|5000000|pfc_resume|hv1/SLOT 2|||3|||||\n"
    "16|5000000|drop|tor1/3||42|0|1518|||lossy_queue_full|\n"
    "17|5000000|drop|hv1/vm1|||0|60|||eapol_set|\n"
    "18|6000000|rx_deliver|hv1/vm1||42|3|1024||||\n"
    "19|7000000|link_down|hv1/SLOT 2||||||||\n"
    "20|7000000|member_down|hv1/SLOT 2|hv1/SETswitch|||||||\n"
    "21|8000000|affinity_set|hv1/vm1|hv1/SLOT 3||||||failover|\n"
    "22|8000000|flow_move|hv1/SLOT 3|hv1/SLOT 2|42||250000000|||failover|\n"
    "23|9000000|mac_move|tor1/4|tor1/3|||2290777849857|02:15:5d:00:00:01|10||\n"
    "24|9000000|member_removed|hv1/SLOT 2|hv1/SETswitch|||||||\n"
    "25|9000000|adapter_restart|hv1/SLOT 2||||||||\n"
    "26|9000000|qp_error|hv1/vm1||42||17|||retry_exceeded|\n"
    "27|10000000|mac_age|tor1/4||||2290777849857|02:15:5d:00:00:01|10||\n"
    "28|11000000|flow_end|hv1/vm1|tor1/4|42||10000000||||\n"
    "29|12000000|note|||||||||end of timeline\n";
#define EXPECTED_EVENTS 29

static void test_round_trip(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    char err[512];
    struct trace *t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    struct ids id;
    write_all_kinds(t, &id);
    CU_ASSERT_EQUAL(trace_event_rows(t), EXPECTED_EVENTS);
    CU_ASSERT_PTR_NOT_NULL(trace_db(t));
    CU_ASSERT_EQUAL(trace_finish(t, 20 * SIM_MS, 123456), 0);
    CU_ASSERT_EQUAL(trace_event(t, 0, TRACE_NOTE, &(struct trace_rec){0}), -EINVAL);
    CU_ASSERT_EQUAL(trace_finish(t, 20 * SIM_MS, 123456), -EINVAL);
    CU_ASSERT_EQUAL(trace_close(t), 0);

    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    CU_ASSERT_EQUAL(query_int(db, "PRAGMA user_version"), TRACE_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(query_int(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
                    TRACE_SCHEMA_VERSION);
    char *runs = dump(db, "SELECT id, version, seed, scenario, scenario_hash, engine,"
                          " sim_end_ps, event_count, trace_rows, complete,"
                          " started_at LIKE '____-__-__T__:__:__.___Z',"
                          " finished_at >= started_at FROM runs");
    CU_ASSERT_STRING_EQUAL(runs, "1|" SETSIM_VERSION "|7|set-dynamic-failover|9f86d081884c7d65"
                                 "|native|20000000000|123456|29|1|1|1\n");
    free(runs);

    char *ev = dump(db, "SELECT seq, time_ps, kind, obj, obj2, flow, prio, value, mac, aux,"
                        " reason, detail FROM events_v");
    CU_ASSERT_STRING_EQUAL(ev, expected_events_v);
    if (strcmp(ev, expected_events_v) != 0)
        fprintf(stderr, "events_v:\n%s", ev);
    free(ev);

    char *objs = dump(db, "SELECT id, name, kind FROM objects ORDER BY id");
    CU_ASSERT_STRING_EQUAL(objs, "1|tor1/3|port\n2|tor1/4|port\n3|hv1/SLOT 2|nic\n"
                                 "4|hv1/SLOT 3|nic\n5|hv1/SETswitch|team\n6|hv1/vm1|vport\n");
    free(objs);

    char *samples = dump(db, "SELECT * FROM samples_v");
    CU_ASSERT_STRING_EQUAL(samples, "3000000|tor1/3|queue_bytes|B|1500.0\n"
                                    "5000000||queue_bytes|B|0.5\n"
                                    "12000000|tor1/3|queue_bytes|B|0.0\n");
    free(samples);

    /* Every kind is described, with the name the API gives it. */
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM event_kinds"), TRACE_KIND_COUNT - 1);
    int names_ok = 1;
    for (int k = 1; k < TRACE_KIND_COUNT; k++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM event_kinds WHERE id = %d AND name = '%s'",
                 k, trace_kind_name((enum trace_kind)k));
        names_ok &= query_int(db, sql) == 1;
    }
    CU_ASSERT(names_ok);
    CU_ASSERT_EQUAL(query_int(db, "SELECT congestion FROM reasons WHERE name = 'lossy_queue_full'"),
                    1);
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM reasons JOIN event_kinds k ON k.id = reasons.kind"
                                  " WHERE k.name = 'affinity_set'"
                                  " AND reasons.name IN ('initial','mapping','failover','failback','admin')"),
                    5);
    /* The checker's indexes exist. */
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                  " AND name IN ('events_kind_time', 'samples_obj_metric')"),
                    2);
    char *check = dump(db, "PRAGMA integrity_check");
    CU_ASSERT_STRING_EQUAL(check, "ok\n");
    free(check);
    sqlite3_close(db);
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(trace_kind_name(TRACE_FLOW_MOVE), "flow_move");
    CU_ASSERT_STRING_EQUAL(trace_kind_name(TRACE_AFFINITY_SET), "affinity_set");
    CU_ASSERT_PTR_NULL(trace_kind_name((enum trace_kind)0));
    CU_ASSERT_PTR_NULL(trace_kind_name(TRACE_KIND_COUNT));
    int all = 1;
    for (int k = 1; k < TRACE_KIND_COUNT; k++)
        all &= trace_kind_name((enum trace_kind)k) != NULL;
    for (int r = 0; r < TRACE_DROP_REASON_COUNT; r++)
        all &= trace_drop_reason_name((enum trace_drop_reason)r) != NULL;
    for (int r = 0; r < TRACE_AFF_REASON_COUNT; r++)
        all &= trace_affinity_reason_name((enum trace_affinity_reason)r) != NULL;
    for (int r = 0; r < TRACE_MOVE_REASON_COUNT; r++)
        all &= trace_move_reason_name((enum trace_move_reason)r) != NULL;
    CU_ASSERT(all);
    CU_ASSERT_STRING_EQUAL(trace_drop_reason_name(TRACE_DROP_HEADROOM_OVERFLOW),
                           "headroom_overflow");
    CU_ASSERT_PTR_NULL(trace_drop_reason_name(TRACE_DROP_REASON_COUNT));
    CU_ASSERT(trace_drop_is_congestion(TRACE_DROP_BUFFER_FULL));
    CU_ASSERT(!trace_drop_is_congestion(TRACE_DROP_VLAN_FILTER));
    static const uint8_t mac[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    CU_ASSERT_EQUAL(trace_mac_pack(mac), INT64_C(0xaabbccddeeff));
}

/* Closed without trace_finish(): the rows are kept, complete stays 0. */
static void test_close_without_finish(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    char err[512];
    struct trace *t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    struct ids id;
    write_all_kinds(t, &id);
    CU_ASSERT_EQUAL(trace_close(t), 0);
    CU_ASSERT_EQUAL(trace_close(NULL), 0);

    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    char *runs = dump(db, "SELECT complete, finished_at IS NULL, sim_end_ps IS NULL FROM runs");
    CU_ASSERT_STRING_EQUAL(runs, "0|1|1\n");
    free(runs);
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM events"), EXPECTED_EVENTS);
    sqlite3_close(db);
}

/* Flow results and verdicts: NULLs where the row says "none", the FCT
 * and goodput derived from the times. */
static void test_flows_and_verdicts(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    char err[512];
    struct trace *t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    struct trace_flow_row done = {.id = 5, .generator = "smb", .kind = "smb", .cls = "SMB",
                                  .prio = 3, .src = "hv1/vEthernet (SMB_1)",
                                  .dst = "hv2/vEthernet (SMB_1)", .start = 1000000,
                                  .end = 9000000, .size_bytes = 1000, .sent_bytes = 1000,
                                  .delivered_bytes = 1000, .naks = 2, .pause = 77,
                                  .complete = 1};
    struct trace_flow_row open_flow = {.id = 6, .generator = "vm", .kind = "udp", .prio = -1,
                                       .src = "vm1", .dst = "vm3", .start = 0,
                                       .stop = 8000000, .sent_bytes = 500,
                                       .delivered_bytes = 400};
    CU_ASSERT_EQUAL(trace_flow_result(t, &done), 0);
    CU_ASSERT_EQUAL(trace_flow_result(t, &open_flow), 0);
    struct trace_flow_row bad = {.id = 7};
    CU_ASSERT_EQUAL(trace_flow_result(t, &bad), -EINVAL);
    struct trace_verdict_row pass = {.rule = "DYN-005", .title = "ARP and NS on the affinitized member",
                                     .severity = "error", .needs = "wire", .status = "pass",
                                     .checked = 10};
    struct trace_verdict_row fail = {.rule = "HVP-004", .title = "No source MAC replacement",
                                     .severity = "error", .needs = "wire", .status = "fail",
                                     .reason = "source MAC rewritten", .capture = "hv1/SLOT 3",
                                     .frame = 42, .time = 123, .checked = 50, .violations = 3};
    CU_ASSERT_EQUAL(trace_verdict(t, &pass), 0);
    CU_ASSERT_EQUAL(trace_verdict(t, &fail), 0);
    CU_ASSERT_EQUAL(trace_finish(t, 9000000, 1), 0);
    CU_ASSERT_EQUAL(trace_close(t), 0);

    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    char *rows = dump(db, "SELECT id, class, prio, end_ps, fct_ps, size_bytes, goodput_bps,"
                          " naks, pause_ps, complete FROM flows ORDER BY id");
    CU_ASSERT_STRING_EQUAL(rows, "5|SMB|3|9000000|8000000|1000|1000000000.0|2|77|1\n"
                                 "6|udp|||||400000000.0|0|0|0\n");
    free(rows);
    /* the open flow's goodput is over start..stop */
    CU_ASSERT_EQUAL(query_int(db, "SELECT CAST(goodput_bps AS INTEGER) FROM flows WHERE id = 6"),
                    400000000);
    char *v = dump(db, "SELECT rule, status, capture, frame, time_ps, violations FROM verdicts"
                       " ORDER BY rowid");
    CU_ASSERT_STRING_EQUAL(v, "DYN-005|pass||||0\nHVP-004|fail|hv1/SLOT 3|42|123|3\n");
    free(v);
    sqlite3_close(db);
}

/* A process that dies mid-run: the committed batches are readable and the
 * run is not complete. */
static void test_interrupted_run(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    int ready[2];
    CU_ASSERT_FATAL(pipe(ready) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        struct trace_run_info small = info;
        small.batch_rows = 4;
        char err[512];
        struct trace *t = trace_open(path, &small, err, sizeof err);
        if (!t)
            _exit(2);
        int obj = trace_object(t, "tor1/1", "port"); /* row 1 */
        for (int i = 0; i < 10; i++)                  /* rows 2..11 */
            if (trace_link(t, (sim_time_t)i * SIM_US, (trace_obj_t)obj, i % 2) != 0)
                _exit(3);
        /* No finish, no close: wait to be killed by the parent (a process
         * killed from outside also leaves valgrind nothing to report). */
        if (write(ready[1], "k", 1) != 1)
            _exit(4);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c = 0;
    CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
    close(ready[0]);
    kill(pid, SIGKILL);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    CU_ASSERT_EQUAL(query_int(db, "SELECT complete FROM runs"), 0);
    /* Rows 1..8 were committed in two batches of four; 9..11 were not. */
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM objects"), 1);
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM events"), 7);
    sqlite3_close(db);
}

static void test_existing_file(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    char err[512];
    struct trace *t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(trace_object(t, "a", "port") > 0);
    CU_ASSERT_EQUAL(trace_finish(t, 0, 0), 0);
    CU_ASSERT_EQUAL(trace_close(t), 0);

    errno = 0;
    t = trace_open(path, &info, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(errno, EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists"));

    /* With overwrite the file starts afresh. */
    struct trace_run_info ow = info;
    ow.overwrite = 1;
    t = trace_open(path, &ow, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_EQUAL(trace_close(t), 0);
    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM objects"), 0);
    CU_ASSERT_EQUAL(query_int(db, "SELECT complete FROM runs"), 0);
    sqlite3_close(db);

    /* A missing directory: the message names the path. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s.d/none/run.sqlite", path);
    t = trace_open(bad, &info, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, bad));
    CU_ASSERT_PTR_NULL(trace_open("", &info, err, sizeof err));
    CU_ASSERT_EQUAL(errno, EINVAL);
}

static void test_rejected_calls(void)
{
    char path[600];
    CU_ASSERT_FATAL(db_path(path, sizeof path) == 0);
    char err[512];
    struct trace *t = trace_open(path, NULL, err, sizeof err);
    CU_ASSERT_FATAL(t != NULL);
    int p = trace_object(t, "tor1/3", "port");
    CU_ASSERT_EQUAL(p, 1);
    CU_ASSERT_EQUAL(trace_object(t, "tor1/3", "nic"), -EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(trace_errmsg(t), "tor1/3"));
    CU_ASSERT_EQUAL(trace_object(t, "", "port"), -EINVAL);
    CU_ASSERT_EQUAL(trace_object(t, "x", NULL), -EINVAL);
    CU_ASSERT_EQUAL(trace_event(t, 0, (enum trace_kind)0, &(struct trace_rec){0}), -EINVAL);
    CU_ASSERT_EQUAL(trace_event(t, 0, TRACE_KIND_COUNT, &(struct trace_rec){0}), -EINVAL);
    CU_ASSERT_EQUAL(trace_drop(t, 0, 1, TRACE_DROP_REASON_COUNT, 0, 0, 0), -EINVAL);
    CU_ASSERT_EQUAL(trace_sample(t, 0, 1, 0, 1.0), -EINVAL);
    int m = trace_metric(t, "rate", NULL);
    CU_ASSERT_EQUAL(m, 1);
    CU_ASSERT_EQUAL(trace_sample(t, 0, 0, (trace_metric_t)m, NAN), 0); /* stored as NULL */
    CU_ASSERT_EQUAL(trace_event_rows(t), 0);
    /* Rejected calls are not sticky: the run still finishes. */
    CU_ASSERT_EQUAL(trace_link(t, 0, (trace_obj_t)p, 1), 0);
    CU_ASSERT_EQUAL(trace_finish(t, SIM_MS, 1), 0);
    CU_ASSERT_EQUAL(trace_close(t), 0);
    sqlite3 *db = open_ro(path);
    CU_ASSERT_FATAL(db != NULL);
    char *runs = dump(db, "SELECT version, seed, scenario, engine, complete FROM runs");
    CU_ASSERT_STRING_EQUAL(runs, SETSIM_VERSION "|0|||1\n");
    free(runs);
    CU_ASSERT_EQUAL(query_int(db, "SELECT count(*) FROM samples_v WHERE obj IS NULL"
                                  " AND metric = 'rate' AND unit IS NULL AND value IS NULL"),
                    1);
    sqlite3_close(db);
}

/* The same calls give the same events, samples and objects rows. */
static void test_deterministic_rows(void)
{
    char a[600], b[600];
    CU_ASSERT_FATAL(db_path(a, sizeof a) == 0);
    CU_ASSERT_FATAL(db_path(b, sizeof b) == 0);
    char *dumps[2][3];
    const char *paths[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        char err[512];
        struct trace_run_info ri = info;
        ri.batch_rows = i == 0 ? 0 : 3; /* batching does not change the rows */
        struct trace *t = trace_open(paths[i], &ri, err, sizeof err);
        CU_ASSERT_FATAL(t != NULL);
        struct ids id;
        write_all_kinds(t, &id);
        for (int k = 0; k < 2000; k++)
            CU_ASSERT_EQUAL(trace_drop(t, (sim_time_t)k * 7 * SIM_NS, (trace_obj_t)id.port3,
                                       (enum trace_drop_reason)(k % TRACE_DROP_REASON_COUNT),
                                       (uint8_t)(k % 8), (uint64_t)k, (uint32_t)(64 + k)),
                            0);
        CU_ASSERT_EQUAL(trace_finish(t, SIM_MS, 99), 0);
        CU_ASSERT_EQUAL(trace_close(t), 0);
        sqlite3 *db = open_ro(paths[i]);
        CU_ASSERT_FATAL(db != NULL);
        dumps[i][0] = dump(db, "SELECT * FROM events ORDER BY seq");
        dumps[i][1] = dump(db, "SELECT rowid, * FROM samples ORDER BY rowid");
        dumps[i][2] = dump(db, "SELECT * FROM objects ORDER BY id");
        sqlite3_close(db);
    }
    for (int j = 0; j < 3; j++) {
        CU_ASSERT_STRING_EQUAL(dumps[0][j], dumps[1][j]);
        free(dumps[0][j]);
        free(dumps[1][j]);
    }
}

int suite_trace(void)
{
    CU_pSuite s = test_suite("trace");
    if (!s)
        return -1;
    if (!CU_add_test(s, "round trip of every kind", test_round_trip) ||
        !CU_add_test(s, "names and MAC packing", test_names) ||
        !CU_add_test(s, "close without finish", test_close_without_finish) ||
        !CU_add_test(s, "interrupted run", test_interrupted_run) ||
        !CU_add_test(s, "existing file", test_existing_file) ||
        !CU_add_test(s, "rejected calls", test_rejected_calls) ||
        !CU_add_test(s, "deterministic rows", test_deterministic_rows) ||
        !CU_add_test(s, "flows and verdicts", test_flows_and_verdicts))
        return -1;
    return 0;
}
