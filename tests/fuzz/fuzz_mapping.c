/* fuzz_mapping: a mapping file of any text (scenarios/check_map.c) next
 * to one small valid capture, loaded and checked: a file:line:col error
 * or a report, never a crash. */
#include "fuzz_check.h"
#include "fuzz_util.h"

/* A pcapng section with one Ethernet interface and one packet (a 60-byte
 * broadcast ARP-type frame from 02:53:45:01:00:01), little-endian. */
static const uint8_t capture[] = {
    /* SHB */
    0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
    /* IDB: link type 1, snaplen 0 */
    1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0,
    /* EPB: interface 0, time 0, 60 bytes */
    6, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x53, 0x45, 0x01, 0x00, 0x01, 0x08, 0x06,
    0, 1, 8, 0, 6, 4, 0, 1, 0x02, 0x53, 0x45, 0x01, 0x00, 0x01, 10, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    92, 0, 0, 0,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char cap[512], map[512];
    fuzz_write("cap.pcapng", capture, sizeof capture, cap, sizeof cap);
    fuzz_write("map.yaml", data, size, map, sizeof map);
    fuzz_check_mapping(map);
    return 0;
}
