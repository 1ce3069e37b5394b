/* test_world: building, running and finishing a world: the staging
 * directory becomes the run directory only when the run completes, endpoint
 * and cable errors name what is wrong, the timeline runs at its times, and
 * the capture and trace land in the run directory. */
#include "test_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hvhost.h"
#include "world.h"

#define G10 10000000000ULL

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static struct world *make(const char *dir, char *err, size_t errlen)
{
    struct world_options o = {.outdir = dir, .scenario_name = "unit", .scenario_hash = "ab",
                              .seed = 3, .duration = 2 * SIM_MS};
    return world_create(&o, err, errlen);
}

static void build_two_hosts(struct world *w)
{
    char err[256];
    struct switch_settings ss;
    switch_settings_default(&ss, "tor1", 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(world_add_switch(w, &ss, err, sizeof err));
    for (int h = 0; h < 2; h++) {
        char name[8];
        snprintf(name, sizeof name, "hv%d", h + 1);
        struct hvhost_settings hs;
        hvhost_settings_default(&hs, name);
        struct hvhost *host = world_add_host(w, &hs, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(host);
        struct nic_settings ns = {.name = "SLOT 2", .rate_bps = G10,
                                  .id = {"Mellanox", "ConnectX-5", "16.27", "2.40"}};
        uint8_t mac[6] = {0x0c, 0x42, 0xa1, 0, 0, (uint8_t)h};
        memcpy(ns.mac, mac, 6);
        egress_settings_default(&ns.egress, G10);
        CU_ASSERT_PTR_NOT_NULL_FATAL(hvhost_add_nic(host, &ns));
        char a[32], b[32];
        snprintf(a, sizeof a, "%s/SLOT 2", name);
        snprintf(b, sizeof b, "tor1/%d", h + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(world_cable(w, a, b, 0, 3, err, sizeof err));
    }
}

static void timeline_cut(struct world *w, void *ctx)
{
    (void)ctx;
    link_cut(world_link_at(w, "hv1/SLOT 2"));
}

static void test_run_and_finish(void)
{
    char base[512], dir[600], path[700], err[256];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(base, sizeof base), 0);
    snprintf(dir, sizeof dir, "%s/run1", base);
    struct world *w = make(dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_FALSE(exists(dir)); /* only the staging directory so far */
    CU_ASSERT(exists(world_staging_dir(w)));
    build_two_hosts(w);
    CU_ASSERT_EQUAL(world_capture(w, "hv1/SLOT 2", err, sizeof err), 0);
    CU_ASSERT_EQUAL(world_capture(w, "tor1/2", err, sizeof err), 0);
    CU_ASSERT_EQUAL(world_at(w, 1 * SIM_MS, timeline_cut, NULL), 0);
    CU_ASSERT_EQUAL(world_run(w, NULL, NULL), 0);
    CU_ASSERT_EQUAL(sim_now(world_engine(w)), 2 * SIM_MS);
    CU_ASSERT_FALSE(link_is_up(world_link_at(w, "hv1/SLOT 2")));
    CU_ASSERT_EQUAL(world_finish(w, err, sizeof err), 0);
    world_destroy(w);
    CU_ASSERT(exists(dir));
    snprintf(path, sizeof path, "%s/summary.txt", dir);
    CU_ASSERT(exists(path));
    snprintf(path, sizeof path, "%s/capture.pcapng", dir);
    CU_ASSERT(exists(path));
    snprintf(path, sizeof path, "%s/run.sqlite", dir);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT complete, seed, sim_end_ps FROM runs", -1,
                                             &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 1);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 1), 3);
    CU_ASSERT_EQUAL(sqlite3_column_int64(st, 2), 2000000000LL);
    sqlite3_finalize(st);
    /* The cut is in the trace: both ends went down at 1 ms. */
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                              "SELECT count(*) FROM events_v WHERE kind = 'link_down' AND "
                              "time_ps = 1000000000",
                              -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* A second run into the same directory is refused. */
    w = make(dir, err, sizeof err);
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already exists"));
}

static void test_unfinished_leaves_nothing(void)
{
    char base[512], dir[600], err[256];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(base, sizeof base), 0);
    snprintf(dir, sizeof dir, "%s/run2", base);
    struct world *w = make(dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    char staging[700];
    snprintf(staging, sizeof staging, "%s", world_staging_dir(w));
    build_two_hosts(w);
    world_run(w, NULL, NULL);
    world_destroy(w); /* no world_finish: an interrupted run */
    CU_ASSERT_FALSE(exists(dir));
    CU_ASSERT_FALSE(exists(staging));
}

static void test_endpoint_errors(void)
{
    char base[512], dir[600], err[256];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(base, sizeof base), 0);
    snprintf(dir, sizeof dir, "%s/run3", base);
    struct world *w = make(dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    build_two_hosts(w);
    CU_ASSERT_PTR_NULL(world_cable(w, "hv1/SLOT 9", "tor1/3", 0, 3, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "'hv1/SLOT 9': host hv1 has no NIC named 'SLOT 9'");
    CU_ASSERT_PTR_NULL(world_cable(w, "hv3/SLOT 2", "tor1/3", 0, 3, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "'hv3/SLOT 2': no host or switch named 'hv3'");
    CU_ASSERT_PTR_NULL(world_cable(w, "tor1/9", "tor1/3", G10, 3, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "'tor1/9': switch tor1 has no port '9'");
    CU_ASSERT_PTR_NULL(world_cable(w, "hv1/SLOT 2", "tor1/3", 0, 3, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "'hv1/SLOT 2' is cabled twice");
    CU_ASSERT_PTR_NULL(world_cable(w, "tor1", "tor1/3", 0, 3, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "an endpoint is 'host/NIC' or 'switch/port'"));
    CU_ASSERT_PTR_NULL(world_cable(w, "tor1/3", "tor1/4", 0, 3, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "switch-to-switch cables need a rate"));
    CU_ASSERT_NOT_EQUAL(world_capture(w, "tor1/4", err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "capture 'tor1/4': nothing is cabled there");
    struct switch_settings ss;
    switch_settings_default(&ss, "hv1", 2);
    CU_ASSERT_PTR_NULL(world_add_switch(w, &ss, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "the name 'hv1' is used twice");
    world_destroy(w);
    struct world_options o = {.outdir = dir, .engine = "gpu", .duration = SIM_MS};
    CU_ASSERT_PTR_NULL(world_create(&o, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "--engine: unknown engine 'gpu' (expected native or ns3)");
    CU_ASSERT_FALSE(exists(dir));
}

int suite_world(void)
{
    CU_pSuite s = test_suite("world");
    if (!s || !CU_add_test(s, "run, finish, run directory", test_run_and_finish) ||
        !CU_add_test(s, "an unfinished run leaves nothing", test_unfinished_leaves_nothing) ||
        !CU_add_test(s, "endpoint and cable errors", test_endpoint_errors))
        return -1;
    return 0;
}
