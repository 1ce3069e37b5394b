/* check_map: the mapping file of `setsim check --mapping` (see check_map.h
 * and docs/check.md).  One file describes one SET team: its balancing
 * mode, PFC priorities, members (MAC, rate, capture file and side), vPorts
 * and known link events.  The keys are checked against the schema below
 * (unknown keys get the closest valid one suggested, file:line:col). */
#include "check_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ydoc.h"

static const char *const mode_values[] = {"HyperVPort", "Dynamic", NULL};
static const char *const side_values[] = {"host", "switch", NULL};
static const char *const state_values[] = {"down", "up", NULL};
/* A member's NetAdapterQos state, as qos_programmed says it (CHECK_QOS_OK ..
 * CHECK_QOS_WILLING in this order): CFG-030, CFG-034, CFG-035. */
static const char *const qos_values[] = {"enabled", "disabled", "feature", "debugger", "willing",
                                         NULL};

static const struct ydoc_key member_keys[] = {
    {.name = "mac", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "permanent MAC (the RMAC in Dynamic mode), aa:bb:cc:dd:ee:ff"},
    {.name = "rate", .type = YDOC_T_RATE, .doc = "link rate (DCB-002 pause times)"},
    {.name = "capture", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED,
     .doc = "pcap or pcapng file of this member's link (relative to the mapping file)"},
    {.name = "interface", .type = YDOC_T_STR,
     .doc = "pcapng interface name in that file (default: every interface)"},
    {.name = "side", .type = YDOC_T_ENUM, .values = side_values, .def = "switch",
     .doc = "where it was taken: host (out = transmitted) or switch port mirror (in = "
            "transmitted)"},
    {.name = "qos", .type = YDOC_T_ENUM, .values = qos_values,
     .doc = "NetAdapterQos: enabled, disabled, or blocked by a missing DCB feature, a kernel "
            "debugger or DCBX willing mode (absent: unknown; CFG-030/034/035)"},
    {.name = "pfc_priorities", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 0, .max = 7,
     .doc = "this member's PFC-enabled priorities (default: the team's)"},
    {0}};
static const struct ydoc_schema member_schema = {.name = "member", .title = "members.<name>",
                                                 .keys = member_keys};

static const struct ydoc_key vport_keys[] = {
    {.name = "mac", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED, .doc = "the vNIC's MAC"},
    {.name = "ipv4", .type = YDOC_T_STR, .doc = "its IPv4 address"},
    {.name = "vlan", .type = YDOC_T_INT, .min = 0, .max = 4094, .def = "0",
     .doc = "access VLAN, 0: untagged"},
    {.name = "rdma", .type = YDOC_T_BOOL, .def = "false", .doc = "RDMA-enabled host vNIC"},
    {.name = "priority", .type = YDOC_T_INT, .min = 0, .max = 7, .def = "3",
     .doc = "802.1p priority of its RDMA traffic"},
    {.name = "mapped", .type = YDOC_T_STR, .doc = "team-mapped member name"},
    {0}};
static const struct ydoc_schema vport_schema = {.name = "vport", .title = "vports.<name>",
                                                .keys = vport_keys};

static const struct ydoc_key link_keys[] = {
    {.name = "at", .type = YDOC_T_TIME, .flags = YDOC_K_REQUIRED,
     .doc = "capture timestamp of the event"},
    {.name = "member", .type = YDOC_T_STR, .flags = YDOC_K_REQUIRED, .doc = "member name"},
    {.name = "state", .type = YDOC_T_ENUM, .values = state_values, .flags = YDOC_K_REQUIRED,
     .doc = "down or up"},
    {0}};
static const struct ydoc_schema link_schema = {.name = "link", .title = "links[]",
                                               .keys = link_keys};

static const struct ydoc_key root_keys[] = {
    {.name = "team", .type = YDOC_T_STR, .def = "team", .doc = "a name for the report"},
    {.name = "mode", .type = YDOC_T_ENUM, .values = mode_values, .flags = YDOC_K_REQUIRED,
     .doc = "balancing mode"},
    {.name = "pfc_priorities", .type = YDOC_T_LIST, .item = YDOC_T_INT, .min = 0, .max = 7,
     .doc = "PFC-enabled priorities (absent: unknown)"},
    {.name = "members", .type = YDOC_T_MAP_OF, .item = YDOC_T_STR, .sub = &member_schema,
     .flags = YDOC_K_REQUIRED, .doc = "the team members by adapter name"},
    {.name = "vports", .type = YDOC_T_MAP_OF, .item = YDOC_T_STR, .sub = &vport_schema,
     .doc = "the vNICs (VM and host) by name"},
    {.name = "links", .type = YDOC_T_SEQ_OF, .sub = &link_schema,
     .doc = "known link events"},
    {0}};
const struct ydoc_schema check_map_schema = {.name = "mapping", .title = "Mapping file",
                                             .keys = root_keys};

static int mac__(const struct ydoc_node *n, uint8_t m[6], struct ydoc_err *e)
{
    const char *s = ydoc_text(n);
    unsigned v[6];
    char tail;
    if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &tail) != 6 || strlen(s) != 17)
        return ydoc_error(e, n, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s ? s : "");
    for (int i = 0; i < 6; i++)
        m[i] = (uint8_t)v[i];
    return 0;
}

static int members__(const struct ydoc_node *ms, struct check_input *in, const char *base,
                     struct ydoc_err *e)
{
    for (size_t i = 0; i < ydoc_count(ms); i++) {
        const struct ydoc_node *mn = ydoc_value(ms, i);
        if (in->nmembers == CHECK_MAX_MEMBERS || in->ncaptures == CHECK_MAX_CAPTURES)
            return ydoc_error(e, mn, "too many members");
        struct check_member *m = &in->members[in->nmembers];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", ydoc_key(ms, i));
        m->team = 0;
        m->in_team = 1;
        m->pfc_known = in->members[0].pfc_known;
        m->pfc_mask = in->members[0].pfc_mask;
        const char *file = NULL, *ifn = "";
        int side = 1, qos = -1;
        int64_t *prios = NULL;
        size_t np = 0;
        if (mac__(ydoc_map_get(mn, "mac", NULL), m->pmac, e) ||
            ydoc_get_rate(mn, "rate", 0, &m->rate_bps, e) ||
            ydoc_get_str(mn, "capture", YDOC_REQUIRED, &file, e) ||
            ydoc_get_str(mn, "interface", 0, &ifn, e) ||
            ydoc_get_enum(mn, "side", 0, side_values, &side, e) ||
            ydoc_get_enum(mn, "qos", 0, qos_values, &qos, e) ||
            ydoc_get_int_list(mn, "pfc_priorities", 0, 0, 7, &prios, &np, e))
            return -EINVAL;
        m->qos = qos < 0 ? CHECK_QOS_UNKNOWN : CHECK_QOS_OK + qos;
        if (ydoc_map_get(mn, "pfc_priorities", NULL)) {
            m->pfc_known = 1;
            m->pfc_mask = 0;
            for (size_t k = 0; k < np; k++)
                m->pfc_mask |= (uint8_t)(1u << prios[k]);
        }
        free(prios);
        struct check_capture *c = &in->captures[in->ncaptures];
        if (file[0] == '/')
            snprintf(c->path, sizeof c->path, "%s", file);
        else
            snprintf(c->path, sizeof c->path, "%.500s%s", base, file);
        if (access(c->path, R_OK) != 0)
            return ydoc_error(e, ydoc_map_get(mn, "capture", NULL),
                              "capture '%s': cannot read %s", file, c->path);
        snprintf(c->ifname, sizeof c->ifname, "%s", ifn);
        c->member = (int)in->nmembers;
        c->side = side == 0 ? CHECK_SIDE_HOST : CHECK_SIDE_SWITCH;
        in->ncaptures++;
        in->nmembers++;
    }
    return 0;
}

static int vports__(const struct ydoc_node *vs, struct check_input *in, struct ydoc_err *e)
{
    for (size_t i = 0; i < ydoc_count(vs); i++) {
        const struct ydoc_node *vn = ydoc_value(vs, i);
        if (in->nvports == CHECK_MAX_VPORTS)
            return ydoc_error(e, vn, "too many vports");
        struct check_vport *v = &in->vports[in->nvports];
        memset(v, 0, sizeof *v);
        snprintf(v->name, sizeof v->name, "%s", ydoc_key(vs, i));
        v->team = 0;
        v->mapped = -1;
        int64_t vlan = 0, prio = 3;
        bool rdma = false;
        const char *ip = NULL, *mapped = NULL;
        if (mac__(ydoc_map_get(vn, "mac", NULL), v->mac, e) ||
            ydoc_get_int(vn, "vlan", 0, 0, 4094, &vlan, e) ||
            ydoc_get_bool(vn, "rdma", 0, &rdma, e) ||
            ydoc_get_int(vn, "priority", 0, 0, 7, &prio, e) ||
            ydoc_get_str(vn, "ipv4", 0, &ip, e) || ydoc_get_str(vn, "mapped", 0, &mapped, e))
            return -EINVAL;
        v->vlan = (uint16_t)vlan;
        v->rdma = rdma;
        v->roce_pcp = (int)prio;
        unsigned a[4];
        char tail;
        if (ip) {
            if (sscanf(ip, "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4 ||
                a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
                return ydoc_error(e, ydoc_map_get(vn, "ipv4", NULL),
                                  "'%s' is not an IPv4 address", ip);
            v->has_ipv4 = 1;
            for (int k = 0; k < 4; k++)
                v->ipv4[k] = (uint8_t)a[k];
        }
        if (mapped) {
            v->mapped = check_input_member(in, mapped);
            if (v->mapped < 0)
                return ydoc_error(e, ydoc_map_get(vn, "mapped", NULL),
                                  "mapped: no member named '%s'", mapped);
        }
        in->nvports++;
    }
    return 0;
}

static int links__(const struct ydoc_node *ls, struct check_input *in, struct ydoc_err *e)
{
    for (size_t i = 0; ls && i < ydoc_count(ls); i++) {
        const struct ydoc_node *ln = ydoc_item(ls, i);
        if (in->nlinks == CHECK_MAX_LINK_EVENTS)
            return ydoc_error(e, ln, "too many link events");
        struct check_link_event *l = &in->links[in->nlinks];
        const char *m = NULL;
        int st = 0;
        if (ydoc_get_time(ln, "at", YDOC_REQUIRED, &l->time, e) ||
            ydoc_get_str(ln, "member", YDOC_REQUIRED, &m, e) ||
            ydoc_get_enum(ln, "state", YDOC_REQUIRED, state_values, &st, e))
            return -EINVAL;
        l->member = check_input_member(in, m);
        if (l->member < 0)
            return ydoc_error(e, ydoc_map_get(ln, "member", NULL), "no member named '%s'", m);
        l->up = st == 1;
        if (in->nlinks && l->time < in->links[in->nlinks - 1].time)
            return ydoc_error(e, ln, "link events must be in time order");
        in->nlinks++;
    }
    return 0;
}

int check_map_load(const char *path, struct check_input *in, char *err, size_t errlen)
{
    struct ydoc *doc = NULL;
    struct ydoc_err e = {0};
    int rc = ydoc_load_file(path, &doc, &e);
    if (rc == 0)
        rc = ydoc_check(ydoc_root(doc), &check_map_schema, &e);
    if (rc != 0)
        goto out;
    const struct ydoc_node *root = ydoc_root(doc);
    char base[600] = "";
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(base, sizeof base, "%.*s/", (int)(slash - path), path);
    const char *team = "team";
    int mode = 0;
    int64_t *prios = NULL;
    size_t np = 0;
    rc = ydoc_get_str(root, "team", 0, &team, &e);
    if (!rc)
        rc = ydoc_get_enum(root, "mode", YDOC_REQUIRED, mode_values, &mode, &e);
    if (!rc)
        rc = ydoc_get_int_list(root, "pfc_priorities", 0, 0, 7, &prios, &np, &e);
    if (rc)
        goto out;
    in->nteams = 1;
    snprintf(in->teams[0].name, sizeof in->teams[0].name, "%s", team);
    in->teams[0].mode = mode == 1 ? CHECK_MODE_DYNAMIC : CHECK_MODE_HYPERV_PORT;
    /* members__ copies the PFC set from slot 0 into each member. */
    memset(&in->members[0], 0, sizeof in->members[0]);
    if (ydoc_map_get(root, "pfc_priorities", NULL)) {
        in->members[0].pfc_known = 1;
        for (size_t i = 0; i < np; i++)
            in->members[0].pfc_mask |= (uint8_t)(1u << prios[i]);
    }
    free(prios);
    rc = members__(ydoc_map_get(root, "members", NULL), in, base, &e);
    if (!rc && ydoc_map_get(root, "vports", NULL)) {
        rc = vports__(ydoc_map_get(root, "vports", NULL), in, &e);
        in->inventory = 1;
    }
    if (!rc)
        rc = links__(ydoc_map_get(root, "links", NULL), in, &e);
    snprintf(in->source, sizeof in->source, "%s", path);
out:
    if (rc)
        snprintf(err, errlen, "%s", e.msg);
    ydoc_free(doc);
    return rc;
}
