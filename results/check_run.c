/* check_run: the checker's input from a run directory: capture.pcapng and
 * run.sqlite.  The world writes the scenario facts the events do not carry
 * as TRACE_NOTE rows when the run starts (scenarios/world.c,
 * write_facts__), one tab-separated line each:
 *
 *   check.team   <host>/<switch>  HyperVPort|Dynamic
 *   check.nic    <host>/<nic>  <host>/<switch>|-  <PMAC>  <rate b/s>  <PFC mask>
 *   check.vport  <vport object name>  <host>/<switch>  <MAC>  <VLAN>  <rdma 0|1>
 *                <RDMA priority|-1>  <mapped host/nic>|-  <IPv4>|-
 *   check.cable  <endpoint>  <endpoint>
 *
 * and each team's effective failover knobs as a meta row (world.c,
 * fo_knobs__): key "fo.<host>/<switch>", value "failback=<mapped_only|all|
 * none> failback_holddown_ps=<n> announce=<none|garp_na>".  A run without
 * them (an older setsim) leaves fo_known 0: the rules assume the defaults.
 *
 * Capture interfaces are named after their capture point: a host NIC
 * ("hv1/SLOT 2", host side) or a switch port cabled to one ("tor1/1",
 * switch side); other interfaces are read for the wire-format rules only. */
#include "check.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 12
#define MAX_CABLES 2048

static int split__(char *s, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = 0;
        s = t + 1;
    }
    return n;
}

static int parse_mac__(const char *s, uint8_t m[6])
{
    unsigned v[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        m[i] = (uint8_t)v[i];
    return 0;
}

static int fact__(struct check_input *in, char *line, char (*cables)[2][CHECK_NAME_MAX],
                  size_t *ncables)
{
    char *f[MAX_FIELDS];
    int n = split__(line, f, MAX_FIELDS);
    if (strcmp(f[0], "check.team") == 0 && n >= 3 && in->nteams < CHECK_MAX_TEAMS) {
        struct check_team *t = &in->teams[in->nteams++];
        snprintf(t->name, sizeof t->name, "%s", f[1]);
        t->mode = strcmp(f[2], "Dynamic") == 0 ? CHECK_MODE_DYNAMIC : CHECK_MODE_HYPERV_PORT;
    } else if (strcmp(f[0], "check.nic") == 0 && n >= 6 && in->nmembers < CHECK_MAX_MEMBERS) {
        struct check_member *m = &in->members[in->nmembers];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", f[1]);
        m->team = strcmp(f[2], "-") ? check_input_team(in, f[2]) : -1;
        if (parse_mac__(f[3], m->pmac) != 0)
            return -EINVAL;
        m->rate_bps = strtoull(f[4], NULL, 10);
        m->pfc_known = 1;
        m->pfc_mask = (uint8_t)strtoul(f[5], NULL, 10);
        m->in_team = m->team >= 0;
        in->nmembers++;
    } else if (strcmp(f[0], "check.vport") == 0 && n >= 9 && in->nvports < CHECK_MAX_VPORTS) {
        struct check_vport *v = &in->vports[in->nvports];
        memset(v, 0, sizeof *v);
        snprintf(v->name, sizeof v->name, "%s", f[1]);
        v->team = check_input_team(in, f[2]);
        if (parse_mac__(f[3], v->mac) != 0)
            return -EINVAL;
        v->vlan = (uint16_t)strtoul(f[4], NULL, 10);
        v->rdma = atoi(f[5]);
        v->roce_pcp = atoi(f[6]);
        v->mapped = strcmp(f[7], "-") ? check_input_member(in, f[7]) : -1;
        unsigned a[4];
        if (sscanf(f[8], "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]) == 4) {
            v->has_ipv4 = 1;
            for (int i = 0; i < 4; i++)
                v->ipv4[i] = (uint8_t)a[i];
        }
        in->nvports++;
    } else if (strcmp(f[0], "check.cable") == 0 && n >= 3 && *ncables < MAX_CABLES) {
        snprintf(cables[*ncables][0], CHECK_NAME_MAX, "%s", f[1]);
        snprintf(cables[*ncables][1], CHECK_NAME_MAX, "%s", f[2]);
        (*ncables)++;
    }
    return 0;
}

/* The meta rows fo.<team> (see the top); unknown words are ignored, a bad
 * value is -EINVAL. */
static int fo_knobs__(struct check_input *in, sqlite3 *db, char *err, size_t errlen,
                      const char *dir)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key LIKE 'fo.%' ORDER BY key",
                           -1, &st, NULL) != SQLITE_OK)
        return 0; /* no meta table: the defaults */
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *val = (const char *)sqlite3_column_text(st, 1);
        int t = key ? check_input_team(in, key + 3) : -1;
        if (t < 0 || !val)
            continue;
        struct check_team *tm = &in->teams[t];
        char buf[300], *save = NULL;
        snprintf(buf, sizeof buf, "%s", val);
        int fb = -1, an = -1;
        long long hd = -1;
        for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (strcmp(w, "failback=mapped_only") == 0)
                fb = CHECK_FB_MAPPED_ONLY;
            else if (strcmp(w, "failback=all") == 0)
                fb = CHECK_FB_ALL;
            else if (strcmp(w, "failback=none") == 0)
                fb = CHECK_FB_NONE;
            else if (strncmp(w, "failback_holddown_ps=", 21) == 0)
                hd = strtoll(w + 21, NULL, 10);
            else if (strcmp(w, "announce=none") == 0)
                an = 0;
            else if (strcmp(w, "announce=garp_na") == 0)
                an = 1;
        }
        if (fb < 0 || hd <= 0 || an < 0) {
            snprintf(err, errlen, "%s/run.sqlite: bad meta row %s = '%s'", dir, key, val);
            rc = -EINVAL;
            break;
        }
        tm->fo_known = 1;
        tm->failback = (enum check_failback)fb;
        tm->failback_holddown = (sim_time_t)hd;
        tm->announce_garp_na = an;
    }
    sqlite3_finalize(st);
    return rc;
}

static void add_capture__(struct check_input *in, const char *path, const char *ifname,
                          int member, enum check_side side)
{
    if (in->ncaptures == CHECK_MAX_CAPTURES)
        return;
    struct check_capture *c = &in->captures[in->ncaptures++];
    snprintf(c->path, sizeof c->path, "%s", path);
    snprintf(c->ifname, sizeof c->ifname, "%s", ifname);
    c->member = member;
    c->side = side;
}

/* The switch a cable end belongs to, when it is a switch port ("tor1/3"
 * -> "tor1"); sw is left as it is otherwise (a NIC cabled to a NIC). */
static void switch_of__(sqlite3 *db, const char *end, char sw[CHECK_NAME_MAX])
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT kind FROM objects WHERE name = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, end, -1, SQLITE_STATIC);
    const char *slash = strrchr(end, '/');
    if (sqlite3_step(st) == SQLITE_ROW && slash &&
        strcmp((const char *)sqlite3_column_text(st, 0), "port") == 0)
        snprintf(sw, CHECK_NAME_MAX, "%.*s", (int)(slash - end), end);
    sqlite3_finalize(st);
}

/* A NIC outside every team at the end of the setup (check.nic team "-")
 * that a team takes later (Set-VMSwitchTeam -NetAdapterName, CFG-015)
 * belongs to the team of its first member_added row: the rules count a
 * team's members by their team, and its state (in_team, up) follows the
 * rows as for every member. */
static int later_members__(struct check_input *in, sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT o1.name, o2.name FROM events e JOIN event_kinds k ON k.id = e.kind "
                      "JOIN objects o1 ON o1.id = e.obj JOIN objects o2 ON o2.id = e.obj2 "
                      "WHERE k.name = 'member_added' ORDER BY e.seq";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EINVAL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int m = check_input_member(in, (const char *)sqlite3_column_text(st, 0));
        if (m >= 0 && in->members[m].team < 0)
            in->members[m].team = check_input_team(in, (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return 0;
}

int check_input_from_run(struct check_input *in, const char *dir, struct sqlite3 *db,
                         char *err, size_t errlen)
{
    char path[1000];
    snprintf(in->source, sizeof in->source, "%s", dir);
    if (!db) {
        snprintf(path, sizeof path, "%.980s/run.sqlite", dir);
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "");
            sqlite3_close(db);
            return -EIO;
        }
        in->events = db;
        in->owns_events = 1;
    } else {
        in->events = db;
    }
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT e.detail FROM events e JOIN event_kinds k ON k.id = e.kind "
                      "WHERE k.name = 'note' AND e.detail LIKE 'check.%' ORDER BY e.seq";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s/run.sqlite: not a setsim run trace (%s)", dir,
                 sqlite3_errmsg(db));
        return -EINVAL;
    }
    char(*cables)[2][CHECK_NAME_MAX] = calloc(MAX_CABLES, sizeof *cables);
    size_t ncables = 0;
    if (!cables) {
        sqlite3_finalize(st);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = 0, rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char line[1100];
        snprintf(line, sizeof line, "%s", (const char *)sqlite3_column_text(st, 0));
        if (fact__(in, line, cables, &ncables) != 0) {
            snprintf(err, errlen, "%s/run.sqlite: bad check note '%s'", dir,
                     (const char *)sqlite3_column_text(st, 0));
            rc = -EINVAL;
            break;
        }
        rows++;
    }
    sqlite3_finalize(st);
    if (rc == 0 && rows == 0) {
        snprintf(err, errlen, "%s/run.sqlite: no scenario facts (check.* notes): the run was "
                 "made by an older setsim", dir);
        rc = -EINVAL;
    }
    if (rc == 0 && later_members__(in, db) != 0) {
        snprintf(err, errlen, "%s/run.sqlite: not a setsim run trace (%s)", dir,
                 sqlite3_errmsg(db));
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = fo_knobs__(in, db, err, errlen, dir);
    in->inventory = 1;
    snprintf(path, sizeof path, "%.980s/capture.pcapng", dir);
    for (size_t m = 0; rc == 0 && m < in->nmembers; m++) {
        add_capture__(in, path, in->members[m].name, (int)m, CHECK_SIDE_HOST);
        for (size_t c = 0; c < ncables; c++)
            for (int e = 0; e < 2; e++)
                if (strcmp(cables[c][e], in->members[m].name) == 0) {
                    add_capture__(in, path, cables[c][e ^ 1], (int)m, CHECK_SIDE_SWITCH);
                    switch_of__(db, cables[c][e ^ 1], in->members[m].sw);
                }
    }
    if (rc == 0)
        add_capture__(in, path, "", -1, CHECK_SIDE_HOST);
    free(cables);
    return rc;
}

void check_input_close_events(struct check_input *in)
{
    if (in->owns_events)
        sqlite3_close(in->events);
    in->events = NULL;
    in->owns_events = 0;
}
