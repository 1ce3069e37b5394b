/* test_check: helpers of the trace checker's suites (tests/test_check*.c),
 * defined in test_check.c: runs of the example scenarios made once per
 * process, a capture and trace rewriter that crafts violations from a real
 * run, and the verdict assertions. */
#ifndef SETSIM_TEST_CHECK_H
#define SETSIM_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "capread.h"
#include "check.h"
#include "pcapng.h"
#include "pkt.h"

/* A frame of the capture being rewritten (mutate). */
struct mpkt {
    uint64_t index;      /* 1-based in the input */
    uint32_t ifid;
    const char *ifname;
    sim_time_t ts;
    enum pcapng_dir dir;
    uint8_t data[512];
    uint32_t caplen, wire_len;
    struct pkt_info pi;
    int parsed;
    int dup;                  /* 1: also written again, after it, on dup_ifid */
    uint32_t dup_ifid;
};

/* Returns MUT_KEEP, MUT_DROP, or MUT_HIT (mutated: its output frame number
 * is what the test expects). */
enum { MUT_KEEP = 0, MUT_DROP, MUT_HIT };
typedef int (*mut_fn)(void *ctx, struct mpkt *p, struct capread *r);

/* The run directory of scenarios/examples/<name>.yaml (run once per
 * process, under the suite's temporary directory), NULL on failure. */
const char *run_example(const char *name);
/* The same run with the scenario's capture points replaced. */
const char *run_example_capturing(const char *name, const char *capture);
/* <tmp>/crafted-<tag> into buf. */
const char *crafted(const char *tag, char *buf, size_t len);
/* Copies run directory src to dst with its capture rewritten through fn
 * (NULL: unchanged) and, when sql is given, that SQL applied to the copy of
 * run.sqlite.  Returns the output frame number of the first MUT_HIT. */
uint64_t mutate(const char *src, const char *dst, mut_fn fn, void *ctx, const char *sql);
/* Interface index of name in r, -1. */
int iface(struct capread *r, const char *name);
/* The first row's first column of a query on dir's run.sqlite, as text. */
void sql_text_first(const char *dir, const char *sql, char *out, size_t len);

/* Checks a run directory (asserts it could). */
struct check_report *check_dir(const char *dir);
/* Checks the captures a mapping file names (asserts it could). */
struct check_report *check_map_file(const char *map);
/* A mapping file for team `team` of run dir: one pcap per member (host
 * side, written into outdir), its vPorts; extra is appended. */
void write_mapping(const char *dir, const char *team, const char *outdir, const char *map,
                   const char *extra);
/* The frames of interface ifname of dir's capture as a classic pcap file. */
void split_pcap(const char *dir, const char *ifname, const char *out, int linktype);

/* Prints the failing and warning verdicts to stderr. */
void dump_bad(const struct check_report *r);
/* Asserts that rule's verdict is `want` at frame `frame` (0: an event
 * offence, at row `seq` when seq != 0). */
void expect(const struct check_report *r, const char *rule, enum check_status want,
            uint64_t frame, uint64_t seq);
/* Asserts that nothing fails or warns and that the rules of must_pass
 * (NULL-terminated, may be NULL) pass. */
void expect_clean(const struct check_report *r, const char *const *must_pass);

#endif
