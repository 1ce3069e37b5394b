/* hvhost: a Hyper-V host: adapters, DCB/QoS state, virtual switches over
 * SET teams, VMs and vNICs with their IP stacks (see hvhost.h).
 *
 * Ownership: the host owns its NICs, teams, vmswitches and vNIC stacks.
 * Adapters are looked up by name (case-insensitive, as Windows does).
 * DCB is re-programmed into an adapter (apply_dcb__) whenever the host
 * state it depends on changes. */
#include "hvhost.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipstack.h"
#include "link.h"
#include "pkt.h"
#include "sim_err.h"
#include "vmswitch.h"

#define MAX_NICS 32
#define MAX_SWITCHES 16
#define MAX_VNICS 256
#define MAX_VMS 256
#define MAX_POLICIES 64
#define MAX_TCLASSES 7 /* CFG-033: at most 7 classes besides the default */
#define DEFAULT_LPS 16
#define DEFAULT_POLICY_PRECEDENCE 127

struct migration;

struct hv_switch {
    struct hvhost *host;
    char name[HVHOST_MAX_NAME];
    int used;
    int is_set;
    int packet_direct;      /* CFG-012: Hyper-V Port only */
    struct set_team *team;  /* owned */
    struct vmswitch *vs;    /* owned */
    int nic[SET_MAX_MEMBERS];
    size_t nnic;
};

struct hv_vnic {
    int used;
    int migrating;            /* between leaving src and arriving on dst */
    char name[HVHOST_MAX_NAME];
    char display[2 * HVHOST_MAX_NAME + 16];
    char vm[HVHOST_MAX_NAME]; /* "" for the management OS */
    int sw;
    uint8_t mac[6];
    int port;
    uint16_t vlan;
    int rdma;
    int has_ipv4;             /* its IPv4 address (DYN-008 delivery by IP) */
    uint8_t ipv4[4];
    struct ipstack *stack;    /* owned */
    struct hvhost *h;         /* the host it is on (changes with a migration) */
    trace_obj_t obj;          /* its vPort's trace object on that host */
    char dst_sw[HVHOST_MAX_NAME]; /* migrating: the switch it will join */
};

struct hvhost {
    struct sim_engine *eng;   /* not owned */
    struct trace *trace;      /* not owned, may be NULL */
    struct frame_pool *pool;  /* not owned */
    struct hvhost_settings cfg;
    char name[HVHOST_MAX_NAME];
    struct nic *nics[MAX_NICS]; /* owned */
    int nic_rdma[MAX_NICS];
    int nic_qos[MAX_NICS];      /* NetAdapterQos enabled */
    int nic_switch[MAX_NICS];   /* switch index bound to, -1 */
    struct hvhost_nic_props props[MAX_NICS];
    size_t nnics;
    int dcb_installed;
    int chimney;                /* TCP Chimney Offload enabled (CFG-026) */
    int dcbx_willing;           /* CFG-035 (a): dcb.willing_default = false */
    int allow_fc_debugger;      /* AllowFlowControlUnderDebugger */
    struct hvhost_qos_policy policies[MAX_POLICIES];
    size_t npolicies;
    uint8_t pfc_mask;
    struct hvhost_tclass tclasses[MAX_TCLASSES];
    size_t ntclasses;
    struct hv_switch sws[MAX_SWITCHES];
    struct hv_vnic *vnics[MAX_VNICS];
    size_t nvnics;
    char vms[MAX_VMS][HVHOST_MAX_NAME];
    size_t nvms;
    struct hv_switch grave[MAX_SWITCHES]; /* removed switches, freed at the end */
    struct migration *migrations; /* owned: VMs on their way here (blackout) */
    size_t ngrave;
    uint32_t mac_counter;
};

void hvhost_settings_default(struct hvhost_settings *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->os = HVHOST_OS_WS2016;
    s->logical_processors = DEFAULT_LPS;
    s->smt = 2;
    s->allow_mgmt_os_default = 1;
    set_team_settings_default(&s->team, NULL);
}

struct hvhost *hvhost_create(struct sim_engine *eng, struct trace *trace, struct frame_pool *pool,
                             const struct hvhost_settings *s)
{
    struct hvhost *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->eng = eng;
    h->trace = trace;
    h->pool = pool;
    h->cfg = *s;
    snprintf(h->name, sizeof h->name, "%s", s->name ? s->name : "host");
    h->cfg.name = NULL;
    if (!h->cfg.logical_processors)
        h->cfg.logical_processors = DEFAULT_LPS;
    if (!h->cfg.smt)
        h->cfg.smt = 2;
    for (int i = 0; i < MAX_NICS; i++) {
        h->nic_switch[i] = -1;
        h->props[i] = (struct hvhost_nic_props){.rss_base = -1, .rss_max = -1, .vmq_enabled = 1,
                                                .ethernet = 1, .whql = 1, .rss = 1, .rsc = 1,
                                                .tx_csum = 1, .rx_csum = 1};
    }
    return h;
}

static void migrations_free__(struct hvhost *h);

static void switch_free__(struct hv_switch *sw)
{
    vmswitch_destroy(sw->vs);
    set_team_destroy(sw->team);
    memset(sw, 0, sizeof *sw);
}

void hvhost_destroy(struct hvhost *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nvnics; i++) {
        if (h->vnics[i])
            ipstack_destroy(h->vnics[i]->stack); /* also the removed ones */
        free(h->vnics[i]);
    }
    for (int i = 0; i < MAX_SWITCHES; i++)
        if (h->sws[i].used)
            switch_free__(&h->sws[i]);
    for (size_t i = 0; i < h->ngrave; i++)
        switch_free__(&h->grave[i]);
    migrations_free__(h);
    for (size_t i = 0; i < h->nnics; i++)
        nic_destroy(h->nics[i]);
    free(h);
}

const char *hvhost_name(const struct hvhost *h) { return h->name; }

/* ---- adapters ------------------------------------------------------------- */

static int nic_index__(const struct hvhost *h, const char *name)
{
    for (size_t i = 0; i < h->nnics; i++)
        if (strcasecmp(nic_name(h->nics[i]), name) == 0)
            return (int)i;
    return -1;
}

struct nic *hvhost_add_nic(struct hvhost *h, const struct nic_settings *s)
{
    if (h->nnics == MAX_NICS || !s->name || nic_index__(h, s->name) >= 0)
        return NULL;
    /* Trace objects are named per host: two hosts both have a "SLOT 2". */
    struct nic_settings ns = *s;
    char tname[300];
    if (!ns.trace_name) {
        snprintf(tname, sizeof tname, "%s/%s", h->name, s->name);
        ns.trace_name = tname;
    }
    struct nic *n = nic_create(h->eng, h->trace, h->pool, &ns);
    if (!n)
        return NULL;
    h->nics[h->nnics++] = n;
    return n;
}

struct nic *hvhost_nic(const struct hvhost *h, const char *name)
{
    int i = nic_index__(h, name);
    return i >= 0 ? h->nics[i] : NULL;
}

size_t hvhost_nic_count(const struct hvhost *h) { return h->nnics; }
struct nic *hvhost_nic_at(const struct hvhost *h, size_t i)
{
    return i < h->nnics ? h->nics[i] : NULL;
}

static int find_nic__(const struct hvhost *h, const char *name, char *err, size_t errlen)
{
    int i = nic_index__(h, name);
    if (i < 0)
        sim_errf(err, errlen,
                 "ObjectNotFound: no adapter named '%s' on host %s (adapters are the nics "
                 "of the host in the scenario)",
                 name, h->name);
    return i;
}

int hvhost_nic_admin(struct hvhost *h, const char *name, int up, char *err, size_t errlen)
{
    int i = find_nic__(h, name, err, errlen);
    if (i < 0)
        return -ENOENT;
    nic_set_admin(h->nics[i], up);
    return 0;
}

struct restart_ctx {
    struct nic *nic;
};

static void restart_up__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    nic_set_admin(ctx, 1);
}

int hvhost_nic_restart(struct hvhost *h, const char *name, char *err, size_t errlen)
{
    int i = find_nic__(h, name, err, errlen);
    if (i < 0)
        return -ENOENT;
    struct nic *n = h->nics[i];
    if (h->trace) {
        struct trace_rec r = {.obj = nic_obj(n)};
        trace_event(h->trace, sim_now(h->eng), TRACE_ADAPTER_RESTART, &r);
    }
    /* CFG-021: a restart is a down/up transition of the adapter (for a
     * SET member: member_down, FO-001..FO-006, member_up). */
    nic_set_admin(n, 0);
    sim_schedule_in(h->eng, h->cfg.restart_time, restart_up__, n, NULL);
    return 0;
}

/* ---- DCB ------------------------------------------------------------------ */

const char *hvhost_dcb_blocked(const struct hvhost *h, const char *nic)
{
    int i = nic_index__(h, nic);
    if (i < 0)
        return "unknown";
    if (!h->dcb_installed)
        return "feature";
    if (!h->nic_qos[i])
        return "disabled";
    if (h->cfg.debugger && !h->allow_fc_debugger)
        return "debugger"; /* CFG-035 (b) */
    if (h->dcbx_willing)
        return "willing"; /* CFG-035 (a): the peer's DCBX configuration rules */
    return NULL;
}

void hvhost_default_class(const struct hvhost *h, struct hvhost_tclass *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "[Default]");
    uint8_t used = 0;
    unsigned bw = 0;
    for (size_t i = 0; i < h->ntclasses; i++) {
        used |= h->tclasses[i].prio_mask;
        if (h->tclasses[i].ets)
            bw += h->tclasses[i].bandwidth;
    }
    out->prio_mask = (uint8_t)~used;
    out->ets = 1;
    /* CFG-033 model choice: the default class keeps 100 minus the others. */
    out->bandwidth = (uint8_t)(bw >= 100 ? 0 : 100 - bw);
}

static void apply_dcb__(struct hvhost *h, int i)
{
    struct nic *n = h->nics[i];
    const char *blocked = hvhost_dcb_blocked(h, nic_name(n));
    struct egress_settings eg;
    egress_settings_default(&eg, nic_rate(n));
    uint8_t pfc = 0;
    if (!blocked) {
        /* Class 0 is the default class; class k+1 is traffic class k. */
        struct hvhost_tclass def;
        hvhost_default_class(h, &def);
        eg.tc_tsa[0] = EGRESS_TSA_ETS;
        eg.tc_bw[0] = def.bandwidth;
        for (size_t k = 0; k < h->ntclasses; k++) {
            const struct hvhost_tclass *c = &h->tclasses[k];
            eg.tc_tsa[k + 1] = c->ets ? EGRESS_TSA_ETS : EGRESS_TSA_STRICT;
            eg.tc_bw[k + 1] = c->bandwidth;
            for (int p = 0; p < 8; p++)
                if (c->prio_mask & (1u << p))
                    eg.prio_tc[p] = (uint8_t)(k + 1);
        }
        pfc = h->pfc_mask;
    }
    nic_set_dcb(n, &eg, pfc);
    if (h->trace) {
        char reason[48];
        snprintf(reason, sizeof reason, blocked ? "blocked(%s)" : "ok", blocked);
        struct trace_rec r = {.obj = nic_obj(n), .reason = reason};
        trace_event(h->trace, sim_now(h->eng), TRACE_QOS_PROGRAMMED, &r);
    }
}

static void apply_dcb_all__(struct hvhost *h)
{
    for (size_t i = 0; i < h->nnics; i++)
        if (h->nic_qos[i])
            apply_dcb__(h, (int)i);
}

int hvhost_install_feature(struct hvhost *h, const char *feature, char *err, size_t errlen)
{
    if (strcasecmp(feature, "Data-Center-Bridging") == 0) {
        h->dcb_installed = 1;
        apply_dcb_all__(h);
        return 0;
    }
    if (strcasecmp(feature, "Hyper-V") == 0 || strcasecmp(feature, "RSAT-Hyper-V-Tools") == 0)
        return 0; /* present on every modelled host */
    sim_errf(err, errlen, "ArgumentNotValid: the feature name '%s' is not known to this model "
                          "(known: Data-Center-Bridging, Hyper-V)",
             feature);
    return -EINVAL;
}

int hvhost_feature_installed(const struct hvhost *h, const char *feature)
{
    return strcasecmp(feature, "Data-Center-Bridging") == 0 ? h->dcb_installed : 1;
}

int hvhost_set_registry(struct hvhost *h, const char *path, const char *name, int64_t value,
                        char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    const char *tail = strrchr(path, '\\');
    int ndis = tail && strcasecmp(tail + 1, "Parameters") == 0 && strstr(path, "NDIS");
    if (ndis && strcasecmp(name, "AllowFlowControlUnderDebugger") == 0)
        h->allow_fc_debugger = value == 1; /* CFG-035: applies at the next QoS (re)init */
    return 0;
}

int hvhost_qos_policy_add(struct hvhost *h, const struct hvhost_qos_policy *p, char *err,
                          size_t errlen)
{
    if (p->priority > 7) {
        sim_errf(err, errlen, "InvalidArgument: PriorityValue8021Action %u is outside 0-7 "
                              "(CFG-031)",
                 p->priority);
        return -EINVAL;
    }
    for (size_t i = 0; i < h->npolicies; i++) {
        if (strcasecmp(h->policies[i].name, p->name) == 0) {
            sim_errf(err, errlen, "CFG-031 QOS_E_DUPLICATE_POLICY: a QoS policy named '%s' "
                                  "already exists",
                     p->name);
            return -EEXIST;
        }
    }
    if (h->npolicies == MAX_POLICIES) {
        sim_errf(err, errlen, "too many QoS policies (%d)", MAX_POLICIES);
        return -ENOSPC;
    }
    h->policies[h->npolicies++] = *p;
    return 0;
}

size_t hvhost_qos_policy_count(const struct hvhost *h) { return h->npolicies; }
const struct hvhost_qos_policy *hvhost_qos_policy_at(const struct hvhost *h, size_t i)
{
    return i < h->npolicies ? &h->policies[i] : NULL;
}

int hvhost_flow_control(struct hvhost *h, uint8_t prio_mask, int enable, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (enable)
        h->pfc_mask |= prio_mask;
    else
        h->pfc_mask &= (uint8_t)~prio_mask;
    apply_dcb_all__(h); /* CFG-032: global, every adapter with QoS enabled */
    return 0;
}

uint8_t hvhost_pfc_mask(const struct hvhost *h) { return h->pfc_mask; }

int hvhost_traffic_class_add(struct hvhost *h, const struct hvhost_tclass *c, char *err,
                             size_t errlen)
{
    if (h->ntclasses == MAX_TCLASSES) {
        sim_errf(err, errlen, "CFG-033: only 7 traffic classes can be created besides the "
                              "default");
        return -ENOSPC;
    }
    unsigned bw = c->ets ? c->bandwidth : 0;
    for (size_t i = 0; i < h->ntclasses; i++) {
        const struct hvhost_tclass *o = &h->tclasses[i];
        if (strcasecmp(o->name, c->name) == 0) {
            sim_errf(err, errlen, "CFG-033: a traffic class named '%s' already exists", c->name);
            return -EEXIST;
        }
        if (o->prio_mask & c->prio_mask) {
            sim_errf(err, errlen, "CFG-033 QOS_E_PRIORITY_IN_USE: a priority of class '%s' is "
                                  "already in class '%s'",
                     c->name, o->name);
            return -EINVAL;
        }
        if (o->ets)
            bw += o->bandwidth;
    }
    if (bw > 100) {
        sim_errf(err, errlen, "CFG-033 QOS_E_BANDWIDTH_OVERCOMMIT: ETS shares would add up to "
                              "%u%%",
                 bw);
        return -EINVAL;
    }
    h->tclasses[h->ntclasses++] = *c;
    apply_dcb_all__(h);
    return 0;
}

size_t hvhost_traffic_class_count(const struct hvhost *h) { return h->ntclasses; }
const struct hvhost_tclass *hvhost_traffic_class_at(const struct hvhost *h, size_t i)
{
    return i < h->ntclasses ? &h->tclasses[i] : NULL;
}

int hvhost_adapter_qos(struct hvhost *h, const char *nic, int enable, char *err, size_t errlen)
{
    int i = find_nic__(h, nic, err, errlen);
    if (i < 0)
        return -ENOENT;
    h->nic_qos[i] = enable != 0;
    apply_dcb__(h, i);
    return 0;
}

int hvhost_adapter_qos_enabled(const struct hvhost *h, const char *nic)
{
    int i = nic_index__(h, nic);
    return i >= 0 && h->nic_qos[i];
}

/* ---- switches ------------------------------------------------------------- */

static void announce__(void *ctx, int vp);

static int switch_index__(const struct hvhost *h, const char *name)
{
    for (int i = 0; i < MAX_SWITCHES; i++)
        if (h->sws[i].used && strcasecmp(h->sws[i].name, name) == 0)
            return i;
    return -1;
}

static int find_switch__(const struct hvhost *h, const char *name, char *err, size_t errlen)
{
    int i = switch_index__(h, name);
    if (i < 0)
        sim_errf(err, errlen, "ObjectNotFound: no virtual switch named '%s' on host %s", name,
                 h->name);
    return i;
}

/* What every SET member must be, checked on creation and on every change
 * of the member list (CFG-002, CFG-026). */
static int member_check__(const struct hvhost *h, int i, char *err, size_t errlen)
{
    const char *name = nic_name(h->nics[i]);
    if (!h->props[i].ethernet) {
        sim_errf(err, errlen, "CFG-002 SET_E_NOT_ETHERNET: '%s' is not an Ethernet adapter; a "
                              "SET team has Ethernet members only",
                 name);
        return -EINVAL;
    }
    if (h->props[i].ipsec_offload) {
        sim_errf(err, errlen, "CFG-026 SET_E_IPSECTO: '%s' has IPsec Task Offload enabled; SET "
                              "is not compatible with it (*IPsecOffloadV2 0)",
                 name);
        return -EINVAL;
    }
    return 0;
}

/* CFG-025: a switch-bound adapter has RSC and RSS off (its queues serve
 * VMQ). */
static void bind_offloads__(struct hvhost *h, int i)
{
    h->props[i].rss = 0;
    h->props[i].rsc = 0;
}

/* Finds the adapters named for a switch: each must exist and be free (or
 * already on switch own, -1 for none), and with check pass the SET member
 * checks.  Fills members[] and idx[] (the adapters' indices); 0 or a
 * negative errno with err set. */
static int resolve_members__(struct hvhost *h, const char *const *nics, size_t n, int own,
                             int check, struct nic **members, int *idx, char *err,
                             size_t errlen)
{
    for (size_t k = 0; k < n; k++) {
        int i = find_nic__(h, nics[k], err, errlen);
        if (i < 0)
            return -ENOENT;
        if (h->nic_switch[i] >= 0 && h->nic_switch[i] != own) {
            sim_errf(err, errlen, "InvalidOperation: adapter '%s' is already bound to virtual "
                                  "switch '%s'",
                     nics[k], h->sws[h->nic_switch[i]].name);
            return -EBUSY;
        }
        if (check && member_check__(h, i, err, errlen) != 0)
            return -EINVAL;
        members[k] = h->nics[i];
        idx[k] = i;
    }
    return 0;
}

int hvhost_vswitch_create(struct hvhost *h, const char *name, const char *const *nics, size_t n,
                          int embedded_teaming, int allow_mgmt_os, char *err, size_t errlen)
{
    if (switch_index__(h, name) >= 0) {
        sim_errf(err, errlen, "InvalidParameter: a virtual switch named '%s' already exists",
                 name);
        return -EEXIST;
    }
    if (embedded_teaming && h->cfg.os == HVHOST_OS_WS2012R2) {
        sim_errf(err, errlen, "CFG-004 SET_E_UNSUPPORTED_PLATFORM: SET needs Windows Server "
                              "2016 (host %s is 2012 R2)",
                 h->name);
        return -ENOTSUP;
    }
    struct nic *members[SET_MAX_MEMBERS + 1];
    int idx[SET_MAX_MEMBERS + 1];
    if (n > SET_MAX_MEMBERS) {
        sim_errf(err, errlen, "CFG-001 SET_E_MEMBER_COUNT: a SET team has 1 to 8 members, not "
                              "%zu",
                 n);
        return -EINVAL;
    }
    int rc = resolve_members__(h, nics, n, -1, embedded_teaming, members, idx, err, errlen);
    if (rc < 0)
        return rc;
    if (embedded_teaming && h->chimney) {
        sim_errf(err, errlen, "CFG-026 SET_E_CHIMNEY: TCP Chimney Offload is enabled on host %s; "
                              "SET is not compatible with it (Set-NetOffloadGlobalSetting "
                              "-Chimney Disabled)",
                 h->name);
        return -EINVAL;
    }
    int slot = -1;
    for (int i = 0; i < MAX_SWITCHES && slot < 0; i++)
        if (!h->sws[i].used)
            slot = i;
    if (slot < 0) {
        sim_errf(err, errlen, "too many virtual switches");
        return -ENOSPC;
    }
    struct hv_switch *sw = &h->sws[slot];
    memset(sw, 0, sizeof *sw);
    sw->host = h;
    snprintf(sw->name, sizeof sw->name, "%s", name);
    struct set_team_settings ts = h->cfg.team;
    ts.name = name;
    char tname[300];
    snprintf(tname, sizeof tname, "%s/%s", h->name, name);
    ts.trace_name = tname;
    if (!embedded_teaming)
        ts.mode = SET_LB_HYPERV_PORT; /* one adapter, no teaming: a plain uplink */
    sw->team = set_team_create(h->eng, h->trace, &ts, members, n, err, errlen);
    if (!sw->team)
        return -EINVAL;
    /* The switch's trace object is its team's, "hv1/SETswitch": per host,
     * as two hosts may both have a SETswitch. */
    struct vmswitch_settings vss = {.name = name, .embedded_teaming = embedded_teaming,
                                    .trace_obj = set_team_obj(sw->team)};
    sw->vs = vmswitch_create(h->eng, h->trace, &vss);
    if (!sw->vs) {
        set_team_destroy(sw->team);
        sim_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    vmswitch_attach_team(sw->vs, sw->team);
    set_team_set_announce_handler(sw->team, announce__, sw);
    sw->used = 1;
    sw->is_set = embedded_teaming;
    for (size_t k = 0; k < n; k++) {
        sw->nic[k] = idx[k];
        h->nic_switch[idx[k]] = slot;
        bind_offloads__(h, idx[k]);
    }
    sw->nnic = n;
    /* CFG-009: the management OS gets a vNIC named after the switch. */
    int mgmt = allow_mgmt_os < 0 ? h->cfg.allow_mgmt_os_default : allow_mgmt_os;
    if (mgmt) {
        struct hvhost_vnic_settings vn = {.name = name, .sw = name};
        int rc = hvhost_vnic_add(h, &vn, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int hvhost_vswitch_remove(struct hvhost *h, const char *name, char *err, size_t errlen)
{
    int s = find_switch__(h, name, err, errlen);
    if (s < 0)
        return -ENOENT;
    struct hv_switch *sw = &h->sws[s];
    /* The simulation may be running: nothing is freed now (pending events
     * may still point at these objects); the switch, its team and its vNICs
     * are disconnected and kept until the host is destroyed. */
    for (size_t i = 0; i < h->nvnics; i++) {
        struct hv_vnic *v = h->vnics[i];
        if (v && v->used && v->sw == s) {
            ipstack_neigh_flush(v->stack);
            v->used = 0;
        }
    }
    for (size_t k = 0; k < sw->nnic; k++)
        h->nic_switch[sw->nic[k]] = -1;
    set_team_detach(sw->team); /* CFG-016: the team goes with its switch */
    if (h->trace) {
        /* The team's trace object carries the switch's name. */
        struct trace_rec r = {.obj = set_team_obj(sw->team), .detail = "switch_removed"};
        trace_event(h->trace, sim_now(h->eng), TRACE_NOTE, &r);
    }
    if (h->ngrave < MAX_SWITCHES)
        h->grave[h->ngrave++] = *sw;
    memset(sw, 0, sizeof *sw);
    return 0;
}

/* FO-005 (fo.announce=garp_na): the vNIC behind vPort vp announces itself
 * on its new member. */
static void announce__(void *ctx, int vp)
{
    struct hv_switch *sw = ctx;
    struct hvhost *h = sw->host;
    for (size_t i = 0; i < h->nvnics; i++) {
        struct hv_vnic *v = h->vnics[i];
        if (v && v->used && v->sw >= 0 && &h->sws[v->sw] == sw &&
            vmswitch_port_vport(sw->vs, v->port) == vp)
            ipstack_announce(v->stack);
    }
}

static int set_switch__(const struct hvhost *h, const char *name, char *err, size_t errlen)
{
    int s = find_switch__(h, name, err, errlen);
    if (s < 0)
        return -ENOENT;
    if (!h->sws[s].is_set) {
        sim_errf(err, errlen, "CFG-005 SET_E_NOT_A_SET_SWITCH: virtual switch '%s' was created "
                              "without embedded teaming",
                 name);
        return -EINVAL;
    }
    return s;
}

int hvhost_team_set_members(struct hvhost *h, const char *sw_name, const char *const *nics,
                            size_t n, char *err, size_t errlen)
{
    int s = set_switch__(h, sw_name, err, errlen);
    if (s < 0)
        return s;
    struct hv_switch *sw = &h->sws[s];
    struct nic *members[SET_MAX_MEMBERS];
    int idx[SET_MAX_MEMBERS];
    if (n == 0 || n > SET_MAX_MEMBERS) {
        sim_errf(err, errlen, "CFG-001 SET_E_MEMBER_COUNT: a SET team has 1 to 8 members, not "
                              "%zu",
                 n);
        return -EINVAL;
    }
    int rc = resolve_members__(h, nics, n, s, 1, members, idx, err, errlen);
    if (rc < 0)
        return rc;
    rc = set_team_set_members(sw->team, members, n, err, errlen);
    if (rc != 0)
        return rc;
    for (size_t k = 0; k < sw->nnic; k++)
        h->nic_switch[sw->nic[k]] = -1;
    for (size_t k = 0; k < n; k++) {
        sw->nic[k] = idx[k];
        h->nic_switch[idx[k]] = s;
        bind_offloads__(h, idx[k]);
    }
    sw->nnic = n;
    return 0;
}

int hvhost_team_set_mode(struct hvhost *h, const char *sw_name, enum set_lb_mode mode, char *err,
                         size_t errlen)
{
    int s = set_switch__(h, sw_name, err, errlen);
    if (s < 0)
        return s;
    if (mode == SET_LB_DYNAMIC && h->sws[s].packet_direct) {
        sim_errf(err, errlen, "CFG-012 SET_E_PACKETDIRECT_REQUIRES_HVP: virtual switch '%s' uses "
                              "Packet Direct, which requires the HyperVPort load-balancing "
                              "algorithm",
                 sw_name);
        return -EINVAL;
    }
    set_team_set_mode(h->sws[s].team, mode);
    return 0;
}

int hvhost_vswitch_set_packet_direct(struct hvhost *h, const char *sw)
{
    int s = switch_index__(h, sw);
    if (s < 0)
        return -ENOENT;
    h->sws[s].packet_direct = 1;
    return 0;
}

int hvhost_set_chimney(struct hvhost *h, int enabled, char *err, size_t errlen)
{
    if (enabled) {
        for (int i = 0; i < MAX_SWITCHES; i++) {
            if (h->sws[i].used && h->sws[i].is_set) {
                sim_errf(err, errlen, "CFG-026 SET_E_CHIMNEY: host %s has the SET switch '%s'; "
                                      "SET is not compatible with TCP Chimney Offload",
                         h->name, h->sws[i].name);
                return -EINVAL;
            }
        }
    }
    h->chimney = enabled != 0;
    return 0;
}

void hvhost_set_dcbx_willing(struct hvhost *h, int willing)
{
    h->dcbx_willing = willing != 0;
    apply_dcb_all__(h);
}

int hvhost_dcbx_willing(const struct hvhost *h) { return h->dcbx_willing; }

const char *hvhost_nic_switch(const struct hvhost *h, const char *nic)
{
    int i = nic_index__(h, nic);
    return i >= 0 && h->nic_switch[i] >= 0 ? h->sws[h->nic_switch[i]].name : NULL;
}

int hvhost_nic_set_offloads(struct hvhost *h, const char *nic, int tx_csum, int rx_csum)
{
    int i = nic_index__(h, nic);
    if (i < 0)
        return -ENOENT;
    h->props[i].tx_csum = tx_csum != 0;
    h->props[i].rx_csum = rx_csum != 0;
    return 0;
}

int hvhost_team_offloads(const struct hvhost *h, const char *sw, int *tx_csum, int *rx_csum)
{
    int s = switch_index__(h, sw);
    if (s < 0)
        return -ENOENT;
    int tx = 1, rx = 0;
    for (size_t k = 0; k < h->sws[s].nnic; k++) {
        tx &= h->props[h->sws[s].nic[k]].tx_csum; /* CFG-023: all members */
        rx |= h->props[h->sws[s].nic[k]].rx_csum; /* CFG-023: any member */
    }
    *tx_csum = h->sws[s].nnic ? tx : 0;
    *rx_csum = rx;
    return 0;
}

int hvhost_nic_set_kind(struct hvhost *h, const char *nic, int ethernet, int whql, int rdma_kind)
{
    int i = nic_index__(h, nic);
    if (i < 0)
        return -ENOENT;
    h->props[i].ethernet = ethernet != 0;
    h->props[i].whql = whql != 0;
    h->props[i].rdma_kind = rdma_kind;
    return 0;
}

int hvhost_nic_set_roce(struct hvhost *h, const char *nic, int mtu, int go_back_0,
                        int ack_timeout_exp, int retry_cnt_plus_1)
{
    int i = nic_index__(h, nic);
    if (i < 0)
        return -ENOENT;
    h->props[i].roce_mtu = mtu;
    h->props[i].roce_go_back_0 = go_back_0 != 0;
    h->props[i].roce_ack_timeout_exp = ack_timeout_exp;
    h->props[i].roce_retry_cnt = retry_cnt_plus_1;
    return 0;
}

struct set_team *hvhost_team(const struct hvhost *h, const char *sw)
{
    int s = switch_index__(h, sw);
    return s >= 0 ? h->sws[s].team : NULL;
}

struct vmswitch *hvhost_vswitch(const struct hvhost *h, const char *sw)
{
    int s = switch_index__(h, sw);
    return s >= 0 ? h->sws[s].vs : NULL;
}

size_t hvhost_vswitch_count(const struct hvhost *h)
{
    size_t n = 0;
    for (int i = 0; i < MAX_SWITCHES; i++)
        n += h->sws[i].used;
    return n;
}

const char *hvhost_vswitch_name_at(const struct hvhost *h, size_t k)
{
    for (int i = 0; i < MAX_SWITCHES; i++)
        if (h->sws[i].used && k-- == 0)
            return h->sws[i].name;
    return NULL;
}

int hvhost_vswitch_is_set(const struct hvhost *h, const char *sw)
{
    int s = switch_index__(h, sw);
    return s >= 0 && h->sws[s].is_set;
}

/* ---- VMs and vNICs ---------------------------------------------------------- */

int hvhost_vm_add(struct hvhost *h, const char *vm, char *err, size_t errlen)
{
    if (hvhost_vm_exists(h, vm)) {
        sim_errf(err, errlen, "a VM named '%s' already exists on host %s", vm, h->name);
        return -EEXIST;
    }
    if (h->nvms == MAX_VMS) {
        sim_errf(err, errlen, "too many VMs");
        return -ENOSPC;
    }
    snprintf(h->vms[h->nvms++], HVHOST_MAX_NAME, "%s", vm);
    return 0;
}

int hvhost_vm_exists(const struct hvhost *h, const char *vm)
{
    for (size_t i = 0; i < h->nvms; i++)
        if (strcasecmp(h->vms[i], vm) == 0)
            return 1;
    return 0;
}

static int vnic_tx__(void *ctx, struct frame *f)
{
    struct hv_vnic *v = ctx;
    struct hvhost *h = v->h;
    if (!v->used) {
        frame_unref(f); /* CFG-016: its switch was removed under it */
        return -ENETDOWN;
    }
    if (v->migrating) {
        /* Live migration's blackout: the VM has no switch port. */
        if (h->trace)
            trace_drop(h->trace, sim_now(h->eng), v->obj, TRACE_DROP_NO_ROUTE, 0, f->flow_id,
                       frame_wire_len(f));
        frame_unref(f);
        return -ENETDOWN;
    }
    return vmswitch_port_send(h->sws[v->sw].vs, v->port, f);
}

static int vnic_classify__(void *ctx, const struct frame *f)
{
    struct hv_vnic *v = ctx;
    struct hvhost *h = v->h;
    for (size_t i = 0; i < h->nvnics; i++)
        if (h->vnics[i] == v)
            return hvhost_classify(h, (int)i, f);
    return -1;
}

int hvhost_classify(const struct hvhost *h, int vnic, const struct frame *f)
{
    const struct hv_vnic *v = h->vnics[vnic];
    if (v->vm[0])
        return -1; /* host NetQos policies classify host traffic only */
    /* NIC-side NetDirect tagging is blocked with the rest of NetQos while a
     * debugger blocks it (CFG-035, DCB-009) or the feature is missing. */
    if (!h->dcb_installed || (h->cfg.debugger && !h->allow_fc_debugger))
        return -1;
    int best = -1, best_prec = 256;
    struct pkt_info pi;
    int parsed = -1;
    for (size_t i = 0; i < h->npolicies; i++) {
        const struct hvhost_qos_policy *p = &h->policies[i];
        int match = 0;
        if (p->nd_port && (f->flags & FRAME_F_RDMA))
            match = f->nd_port == p->nd_port; /* CFG-031: its own port space */
        if (!match && (p->tcp_port || p->udp_port || p->smb_template) &&
            !(f->flags & FRAME_F_RDMA)) {
            if (parsed < 0)
                parsed = pkt_parse(f, &pi) == 0;
            if (parsed) {
                uint16_t tcp = p->smb_template ? 445 : p->tcp_port;
                if (tcp && (pi.layers & PKT_HAS_TCP) && (pi.dport == tcp || pi.sport == tcp))
                    match = 1;
                if (p->udp_port && (pi.layers & PKT_HAS_UDP) &&
                    (pi.dport == p->udp_port || pi.sport == p->udp_port))
                    match = 1;
            }
        }
        if (match && p->precedence < best_prec) {
            best = p->priority;
            best_prec = p->precedence;
        }
    }
    return best;
}

int hvhost_vnic_add(struct hvhost *h, const struct hvhost_vnic_settings *s, char *err,
                    size_t errlen)
{
    int sw = find_switch__(h, s->sw, err, errlen);
    if (sw < 0)
        return -ENOENT;
    if (s->vm && !hvhost_vm_exists(h, s->vm)) {
        sim_errf(err, errlen, "ObjectNotFound: no VM named '%s' on host %s", s->vm, h->name);
        return -ENOENT;
    }
    if (h->nvnics == MAX_VNICS) {
        sim_errf(err, errlen, "too many vNICs");
        return -ENOSPC;
    }
    for (size_t i = 0; i < h->nvnics; i++) {
        struct hv_vnic *o = h->vnics[i];
        if (o && o->used && strcasecmp(o->name, s->name) == 0 &&
            strcasecmp(o->vm, s->vm ? s->vm : "") == 0 && o->sw == sw) {
            sim_errf(err, errlen, "InvalidParameter: %s already has a network adapter named "
                                  "'%s' on switch '%s'",
                     s->vm ? s->vm : "the management OS", s->name, s->sw);
            return -EEXIST;
        }
    }
    struct hv_vnic *v = calloc(1, sizeof *v);
    if (!v) {
        sim_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    v->h = h;
    v->used = 1;
    v->sw = sw;
    snprintf(v->name, sizeof v->name, "%s", s->name);
    snprintf(v->vm, sizeof v->vm, "%s", s->vm ? s->vm : "");
    if (s->vm)
        snprintf(v->display, sizeof v->display, "%s/%s", s->vm, s->name);
    else
        snprintf(v->display, sizeof v->display, "vEthernet (%s)", s->name);
    if (s->mac) {
        memcpy(v->mac, s->mac, 6);
    } else {
        /* Hyper-V's MAC pool prefix 00-15-5D, then host and a counter. */
        uint32_t c = ++h->mac_counter;
        uint8_t mac[6] = {0x00, 0x15, 0x5d, h->cfg.host_index, (uint8_t)(c >> 8), (uint8_t)c};
        memcpy(v->mac, mac, 6);
    }
    char sname[4 * HVHOST_MAX_NAME], ipname[4 * HVHOST_MAX_NAME + 8];
    snprintf(sname, sizeof sname, "%s/%s", h->name, v->display);
    /* The vPort carries the vNIC's name in the trace; its stack is ".../ip". */
    snprintf(ipname, sizeof ipname, "%s/ip", sname);
    struct ipstack_settings is;
    ipstack_settings_default(&is, ipname, v->mac);
    if (s->has_ipv4) {
        is.has_ipv4 = 1;
        memcpy(is.ipv4, s->ipv4, 4);
        is.ipv4_prefix_len = s->prefix_len;
    }
    v->stack = ipstack_create(h->eng, h->trace, h->pool, &is, vnic_tx__, v);
    if (!v->stack) {
        sim_errf(err, errlen, "cannot create the IP stack of %s", v->display);
        free(v);
        return -EINVAL;
    }
    struct vmswitch_port_settings ps = {.name = sname, .vm = s->vm, .access_vlan = s->vlan,
                                        .classify = vnic_classify__, .classify_ctx = v,
                                        .rx = ipstack_input_cb, .rx_ctx = v->stack,
                                        .vmq_cost = s->vmq_cost};
    memcpy(ps.mac, v->mac, 6);
    v->port = vmswitch_port_add(h->sws[sw].vs, &ps);
    if (v->port < 0) {
        sim_errf(err, errlen, "InvalidParameter: MAC address or name of %s already in use on "
                              "switch '%s'",
                 v->display, s->sw);
        ipstack_destroy(v->stack);
        free(v);
        return -EEXIST;
    }
    v->vlan = s->vlan;
    if (s->has_ipv4) {
        v->has_ipv4 = 1;
        memcpy(v->ipv4, s->ipv4, 4);
        vmswitch_port_set_ipv4(h->sws[sw].vs, v->port, s->ipv4); /* DYN-008 */
    }
    if (h->trace) {
        int oid = trace_object(h->trace, sname, "vport");
        v->obj = oid > 0 ? (trace_obj_t)oid : TRACE_NO_OBJ;
    }
    h->vnics[h->nvnics] = v;
    return (int)h->nvnics++;
}

int hvhost_vnic_find(const struct hvhost *h, const char *vm, const char *name, const char *sw)
{
    /* Accept "vEthernet (X)" for management OS adapters. */
    char bare[HVHOST_MAX_NAME];
    snprintf(bare, sizeof bare, "%s", name);
    size_t len = strlen(bare);
    if (!vm && strncasecmp(bare, "vEthernet (", 11) == 0 && len > 12 && bare[len - 1] == ')') {
        memmove(bare, bare + 11, len - 12);
        bare[len - 12] = '\0';
    }
    int found = -ENOENT;
    for (size_t i = 0; i < h->nvnics; i++) {
        const struct hv_vnic *v = h->vnics[i];
        if (!v || !v->used || strcasecmp(v->vm, vm ? vm : "") != 0 ||
            strcasecmp(v->name, bare) != 0)
            continue;
        if (sw && strcasecmp(v->sw >= 0 ? h->sws[v->sw].name : v->dst_sw, sw) != 0)
            continue;
        if (found >= 0)
            return -EEXIST; /* CFG-017 SET_E_AMBIGUOUS_VNIC */
        found = (int)i;
    }
    return found;
}

size_t hvhost_vnic_count(const struct hvhost *h) { return h->nvnics; }

int hvhost_vnic_set_vlan(struct hvhost *h, int vnic, uint16_t vlan, char *err, size_t errlen)
{
    if (vlan > 4094) {
        sim_errf(err, errlen, "CFG-036: VLAN ID %u is outside 1-4094", vlan);
        return -EINVAL;
    }
    struct hv_vnic *v = h->vnics[vnic];
    v->vlan = vlan;
    if (v->migrating)
        return 0; /* its port on the destination gets it */
    return vmswitch_port_set_vlan(h->sws[v->sw].vs, v->port, vlan);
}

int hvhost_vnic_set_rdma(struct hvhost *h, int vnic, int enable, char *err, size_t errlen)
{
    struct hv_vnic *v = h->vnics[vnic];
    if (h->cfg.os == HVHOST_OS_WS2012R2) {
        sim_errf(err, errlen, "CFG-022 SET_E_RDMA_UNSUPPORTED_OS: RDMA on switch-bound "
                              "adapters needs Windows Server 2016");
        return -ENOTSUP;
    }
    v->rdma = enable != 0;
    if (v->migrating)
        return 0;
    return vmswitch_port_set_rdma(h->sws[v->sw].vs, v->port, v->rdma);
}

int hvhost_vnic_map(struct hvhost *h, int vnic, const char *member, char *err, size_t errlen)
{
    struct hv_vnic *v = h->vnics[vnic];
    if (v->migrating) {
        sim_errf(err, errlen, "InvalidOperation: %s is being live-migrated", v->display);
        return -EBUSY;
    }
    struct hv_switch *sw = &h->sws[v->sw];
    if (!sw->is_set) {
        sim_errf(err, errlen, "CFG-005 SET_E_NOT_A_SET_SWITCH: virtual switch '%s' was created "
                              "without embedded teaming",
                 sw->name);
        return -EINVAL;
    }
    struct nic *n = NULL;
    if (member) {
        n = hvhost_nic(h, member);
        if (!n || set_team_member_index(sw->team, n) < 0) {
            sim_errf(err, errlen, "CFG-017 SET_E_NOT_A_MEMBER: '%s' is not a member of the team "
                                  "of switch '%s'",
                     member, sw->name);
            return -ENOENT;
        }
    }
    return set_team_map(sw->team, vmswitch_port_vport(sw->vs, v->port), n);
}

int hvhost_nic_set_rdma(struct hvhost *h, const char *nic, int enable, int no_restart, char *err,
                        size_t errlen)
{
    int i = find_nic__(h, nic, err, errlen);
    if (i < 0)
        return -ENOENT;
    h->nic_rdma[i] = enable != 0;
    if (!no_restart)
        return hvhost_nic_restart(h, nic, err, errlen); /* CFG-021 */
    return 0;
}

int hvhost_nic_rdma(const struct hvhost *h, const char *nic)
{
    int i = nic_index__(h, nic);
    return i >= 0 && h->nic_rdma[i];
}

int hvhost_vnic_info(const struct hvhost *h, int vnic, struct hvhost_vnic_info *out)
{
    if (vnic < 0 || (size_t)vnic >= h->nvnics || !h->vnics[vnic] || !h->vnics[vnic]->used)
        return -ENOENT;
    const struct hv_vnic *v = h->vnics[vnic];
    out->name = v->name;
    out->display = v->display;
    out->vm = v->vm[0] ? v->vm : NULL;
    out->sw = v->sw >= 0 ? h->sws[v->sw].name : v->dst_sw;
    out->mac = v->mac;
    out->vlan = v->vlan;
    out->rdma = v->rdma;
    out->port = v->port;
    out->vport = v->sw >= 0 ? vmswitch_port_vport(h->sws[v->sw].vs, v->port) : -1;
    out->stack = v->stack;
    return 0;
}

int hvhost_nic_set_property(struct hvhost *h, const char *nic, const char *keyword,
                            const char *value, char *err, size_t errlen)
{
    int i = find_nic__(h, nic, err, errlen);
    if (i < 0)
        return -ENOENT;
    if (!keyword || !value)
        return 0;
    char *end;
    long v = strtol(value, &end, 0);
    int numeric = *value && !*end;
    struct hvhost_nic_props *p = &h->props[i];
    if (strncasecmp(keyword, "*IPsecOffload", 13) == 0) {
        long on = strtol(value, NULL, 0);
        int set_member = h->nic_switch[i] >= 0 && h->sws[h->nic_switch[i]].is_set;
        if (on && set_member) {
            sim_errf(err, errlen, "CFG-026 SET_E_IPSECTO: '%s' is a member of the SET switch "
                                  "'%s'; SET is not compatible with IPsec Task Offload",
                     nic, h->sws[h->nic_switch[i]].name);
            return -EINVAL;
        }
        p->ipsec_offload = on != 0;
        return 0;
    }
    if (strcasecmp(keyword, "*RssBaseProcNumber") == 0 || strcasecmp(keyword, "*MaxRssProcessors") == 0 ||
        strcasecmp(keyword, "*JumboPacket") == 0 || strcasecmp(keyword, "*VMQ") == 0) {
        if (!numeric || v < 0) {
            sim_errf(err, errlen, "InvalidArgument: %s takes a non-negative number, not '%s'",
                     keyword, value);
            return -EINVAL;
        }
        if (strcasecmp(keyword, "*RssBaseProcNumber") == 0)
            p->rss_base = (int)v;
        else if (strcasecmp(keyword, "*MaxRssProcessors") == 0)
            p->rss_max = (int)v;
        else if (strcasecmp(keyword, "*JumboPacket") == 0)
            p->jumbo = (int)v;
        else
            p->vmq_enabled = v != 0;
    }
    return 0;
}

int hvhost_nic_props(const struct hvhost *h, const char *nic, struct hvhost_nic_props *out)
{
    int i = nic_index__(h, nic);
    if (i < 0)
        return -ENOENT;
    *out = h->props[i];
    return 0;
}

uint32_t hvhost_logical_processors(const struct hvhost *h) { return h->cfg.logical_processors; }
uint32_t hvhost_smt(const struct hvhost *h) { return h->cfg.smt; }

int hvhost_vnic_set_ipv4(struct hvhost *h, int vnic, const uint8_t ip[4], uint8_t prefix_len,
                         char *err, size_t errlen)
{
    if (vnic < 0 || (size_t)vnic >= h->nvnics || !h->vnics[vnic]) {
        sim_errf(err, errlen, "no such vNIC");
        return -ENOENT;
    }
    struct hv_vnic *v = h->vnics[vnic];
    char name[4 * HVHOST_MAX_NAME + 8];
    snprintf(name, sizeof name, "%s/%s/ip", h->name, v->display);
    struct ipstack_settings is;
    ipstack_settings_default(&is, name, v->mac);
    is.has_ipv4 = 1;
    memcpy(is.ipv4, ip, 4);
    is.ipv4_prefix_len = prefix_len;
    int rc = ipstack_reconfigure(v->stack, &is);
    if (rc)
        sim_errf(err, errlen, "invalid address for %s", v->display);
    if (!rc) {
        v->has_ipv4 = 1;
        memcpy(v->ipv4, ip, 4);
        if (v->used && v->sw >= 0)
            vmswitch_port_set_ipv4(h->sws[v->sw].vs, v->port, ip); /* DYN-008 */
    }
    return rc;
}

/* ---- VM live migration ------------------------------------------------------ */

struct migration {
    struct migration *next;   /* in dst's list until it arrives */
    struct hvhost *src, *dst;
    char vm[HVHOST_MAX_NAME];
    struct hv_vnic *v[MAX_VNICS];
    size_t n;
    trace_obj_t old_obj[MAX_VNICS];
};

static void vm_list_remove__(struct hvhost *h, const char *vm)
{
    for (size_t i = 0; i < h->nvms; i++) {
        if (strcasecmp(h->vms[i], vm) == 0) {
            memmove(h->vms[i], h->vms[i + 1], (h->nvms - i - 1) * sizeof h->vms[0]);
            h->nvms--;
            return;
        }
    }
}

/* The arrival on dst: a port on the switch of the same name, then the
 * announcement of each vNIC's MAC. */
static void migrate_arrive__(struct sim_engine *eng, void *ctx, void *arg)
{
    (void)eng;
    (void)arg;
    struct migration *m = ctx;
    struct hvhost *dst = m->dst;
    for (size_t k = 0; k < m->n; k++) {
        struct hv_vnic *v = m->v[k];
        int sw = switch_index__(dst, v->dst_sw);
        char sname[4 * HVHOST_MAX_NAME];
        snprintf(sname, sizeof sname, "%s/%s", dst->name, v->display);
        struct vmswitch_port_settings ps = {.name = sname, .vm = v->vm, .access_vlan = v->vlan,
                                            .classify = vnic_classify__, .classify_ctx = v,
                                            .rx = ipstack_input_cb, .rx_ctx = v->stack};
        memcpy(ps.mac, v->mac, 6);
        /* The switch was checked when the migration started; if it went
         * meanwhile (Remove-VMSwitch on dst), the vNIC stays unconnected. */
        int port = sw >= 0 ? vmswitch_port_add(dst->sws[sw].vs, &ps) : -ENOENT;
        if (port < 0) {
            if (dst->trace) {
                struct trace_rec r = {.obj = v->obj, .detail = "migration: no port on the "
                                                              "destination switch"};
                trace_event(dst->trace, sim_now(dst->eng), TRACE_NOTE, &r);
            }
            continue;
        }
        v->sw = sw;
        v->port = port;
        v->migrating = 0;
        if (v->has_ipv4)
            vmswitch_port_set_ipv4(dst->sws[sw].vs, port, v->ipv4); /* DYN-008 */
        if (dst->trace) {
            int oid = trace_object(dst->trace, sname, "vport");
            v->obj = oid > 0 ? (trace_obj_t)oid : TRACE_NO_OBJ;
            char detail[4 * HVHOST_MAX_NAME + 64];
            snprintf(detail, sizeof detail, "vm_migrated %s from %s to %s/%s", m->vm,
                     m->src->name, dst->name, v->dst_sw);
            struct trace_rec r = {.obj = v->obj, .obj2 = m->old_obj[k], .detail = detail};
            trace_event(dst->trace, sim_now(dst->eng), TRACE_NOTE, &r);
        }
        /* Hyper-V announces the VM on the destination: GARP / unsolicited NA. */
        ipstack_announce(v->stack);
    }
    for (struct migration **pp = &dst->migrations; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    free(m);
}

static void migrations_free__(struct hvhost *h)
{
    while (h->migrations) {
        struct migration *m = h->migrations;
        h->migrations = m->next;
        free(m);
    }
}

int hvhost_vm_migrate(struct hvhost *src, struct hvhost *dst, const char *vm, sim_time_t blackout,
                      char *err, size_t errlen)
{
    if (!hvhost_vm_exists(src, vm)) {
        sim_errf(err, errlen, "ObjectNotFound: no VM named '%s' on host %s", vm, src->name);
        return -ENOENT;
    }
    if (src == dst || hvhost_vm_exists(dst, vm)) {
        sim_errf(err, errlen, "InvalidOperation: host %s already has a VM named '%s'",
                 dst->name, vm);
        return -EEXIST;
    }
    struct migration *m = calloc(1, sizeof *m);
    if (!m) {
        sim_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    m->src = src;
    m->dst = dst;
    snprintf(m->vm, sizeof m->vm, "%s", vm);
    /* Check everything first: a migration that cannot complete changes nothing. */
    for (size_t i = 0; i < src->nvnics; i++) {
        struct hv_vnic *v = src->vnics[i];
        if (!v || !v->used || strcasecmp(v->vm, vm) != 0)
            continue;
        if (v->migrating) {
            sim_errf(err, errlen, "InvalidOperation: VM '%s' is already migrating", vm);
            free(m);
            return -EBUSY;
        }
        const char *swname = src->sws[v->sw].name;
        int sw = switch_index__(dst, swname);
        if (sw < 0) {
            sim_errf(err, errlen, "VirtualSwitchNotFound: host %s has no virtual switch named "
                                  "'%s' for %s (live migration keeps the switch name)",
                     dst->name, swname, v->display);
            free(m);
            return -ENOENT;
        }
        for (int p = 0; p < vmswitch_port_count(dst->sws[sw].vs); p++) {
            if (vmswitch_port_used(dst->sws[sw].vs, p) &&
                memcmp(vmswitch_port_mac(dst->sws[sw].vs, p), v->mac, 6) == 0) {
                sim_errf(err, errlen, "InvalidOperation: the MAC address of %s is in use on "
                                      "host %s's switch '%s'",
                         v->display, dst->name, swname);
                free(m);
                return -EEXIST;
            }
        }
        m->v[m->n++] = v;
    }
    if (dst->nvnics + m->n > MAX_VNICS || dst->nvms == MAX_VMS) {
        sim_errf(err, errlen, "too many vNICs or VMs on host %s", dst->name);
        free(m);
        return -ENOSPC;
    }
    /* Leave the source: the vNIC's port and vPort go (its team mapping
     * with them); the IP stack and its sockets travel with the VM. */
    for (size_t k = 0; k < m->n; k++) {
        struct hv_vnic *v = m->v[k];
        snprintf(v->dst_sw, sizeof v->dst_sw, "%s", src->sws[v->sw].name);
        vmswitch_port_migrated(src->sws[v->sw].vs, v->port);
        m->old_obj[k] = v->obj;
        if (src->trace) { /* it has no vPort (nor a member) until it arrives */
            char detail[2 * HVHOST_MAX_NAME + 32];
            snprintf(detail, sizeof detail, "vm_departed %s from %s", vm, src->name);
            struct trace_rec r = {.obj = v->obj, .detail = detail};
            trace_event(src->trace, sim_now(src->eng), TRACE_NOTE, &r);
        }
        for (size_t i = 0; i < src->nvnics; i++)
            if (src->vnics[i] == v)
                src->vnics[i] = NULL; /* dst owns it from now on */
        v->h = dst;
        v->sw = -1;
        v->port = -1;
        v->migrating = 1;
        dst->vnics[dst->nvnics++] = v;
    }
    vm_list_remove__(src, vm);
    snprintf(dst->vms[dst->nvms++], HVHOST_MAX_NAME, "%s", vm);
    m->next = dst->migrations;
    dst->migrations = m;
    sim_schedule_in(dst->eng, blackout, migrate_arrive__, m, NULL);
    return 0;
}
