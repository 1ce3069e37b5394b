/* fuzz_capture: a capture file of any bytes (pcap or pcapng) read by
 * results/capread.c, then checked as a team member's capture through a
 * fixed mapping file (scenarios/check_map.c, results/check*.c): every
 * packet parsed and judged by every rule, or the file refused with its
 * position, never a crash. */
#include "capread.h"
#include "fuzz_check.h"
#include "fuzz_util.h"

static const char mapping[] =
    "team: hv1/SETswitch\n"
    "mode: Dynamic\n"
    "pfc_priorities: [3]\n"
    "members:\n"
    "  \"SLOT 2\": { mac: \"02:53:45:01:00:01\", rate: 25Gbps, capture: cap.bin, side: switch }\n"
    "  \"SLOT 3\": { mac: \"02:53:45:01:00:02\", rate: 25Gbps, capture: cap.bin, side: host }\n"
    "vports:\n"
    "  \"vm1\":   { mac: \"00:15:5d:01:00:02\", ipv4: 10.0.0.1 }\n"
    "  \"SMB_1\": { mac: \"00:15:5d:01:00:04\", ipv4: 10.0.42.11, vlan: 42, rdma: true,\n"
    "             priority: 3, mapped: \"SLOT 2\" }\n"
    "links:\n"
    "  - { at: 5ms, member: \"SLOT 2\", state: down }\n"
    "  - { at: 10ms, member: \"SLOT 2\", state: up }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char cap[512], map[512], err[1024];
    fuzz_write("cap.bin", data, size, cap, sizeof cap);
    fuzz_write("map.yaml", (const uint8_t *)mapping, sizeof mapping - 1, map, sizeof map);
    /* The reader alone, to the end or the first error. */
    struct capread *r = capread_open(cap, err, sizeof err);
    if (r) {
        struct capread_pkt p;
        while (capread_next(r, &p) > 0)
            ;
        capread_close(r);
    }
    /* The checker over it. */
    fuzz_check_mapping(map);
    return 0;
}
