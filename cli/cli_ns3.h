/* cli_ns3: the ns-3 binding (sim-core/ns3/ns3_engine.h) as the setsim
 * command reaches it: loaded with dlopen() from libsetsim_ns3.so on first
 * use, so that setsim processes that never touch ns-3 carry none of its
 * libraries (see sim-core/ns3/CMakeLists.txt).  Built only when libns3 was
 * found (SETSIM_HAVE_NS3).
 *
 * The module is the one the build produced (its path is compiled in), or
 * the file named by the environment variable SETSIM_NS3_MODULE. */
#ifndef SETSIM_CLI_NS3_H
#define SETSIM_CLI_NS3_H

#ifdef SETSIM_HAVE_NS3

#include "ns3_engine.h"

/* The module's entry points, typed from ns3_engine.h. */
struct cli_ns3 {
    __typeof__(ns3_engine_create) *engine_create;
    __typeof__(ns3_bench_hold) *bench_hold;
    __typeof__(ns3_bench_fabric) *bench_fabric;
    __typeof__(ns3_bench_tcp) *bench_tcp;
};

/* Loads the module once per process and returns its entry points, or NULL
 * after printing "setsim <cmd>: ..." with the reason to stderr.  The
 * module stays loaded until the process exits. */
const struct cli_ns3 *cli_ns3_load(const char *cmd);

#endif

#endif
