/* cli_ns3: loads the ns-3 binding module on demand (see cli_ns3.h). */
#include "cli_ns3.h"

#ifdef SETSIM_HAVE_NS3

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

/* The loaded entry points; set once, process-wide by nature (the module is
 * loaded into the process). */
static struct cli_ns3 cli_ns3_api;
static int cli_ns3_loaded;

/* Looks up one symbol; 0, or -1 after reporting the missing name. */
static int cli_ns3_sym__(const char *cmd, void *lib, const char *path, const char *name,
                         void **out)
{
    dlerror();
    *out = dlsym(lib, name);
    if (*out)
        return 0;
    const char *why = dlerror();
    fprintf(stderr, "setsim %s: %s: symbol %s missing%s%s\n", cmd, path, name, why ? ": " : "",
            why ? why : "");
    return -1;
}

const struct cli_ns3 *cli_ns3_load(const char *cmd)
{
    if (cli_ns3_loaded)
        return &cli_ns3_api;
    const char *path = getenv("SETSIM_NS3_MODULE");
    if (!path || !*path)
        path = SETSIM_NS3_MODULE;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "setsim %s: cannot load the ns-3 module: %s\n", cmd, dlerror());
        return NULL;
    }
    void *create, *hold, *fabric, *tcp;
    if (cli_ns3_sym__(cmd, lib, path, "ns3_engine_create", &create) != 0 ||
        cli_ns3_sym__(cmd, lib, path, "ns3_bench_hold", &hold) != 0 ||
        cli_ns3_sym__(cmd, lib, path, "ns3_bench_fabric", &fabric) != 0 ||
        cli_ns3_sym__(cmd, lib, path, "ns3_bench_tcp", &tcp) != 0) {
        dlclose(lib);
        return NULL;
    }
    /* POSIX guarantees object and function pointers convert (dlsym). */
    cli_ns3_api.engine_create = (__typeof__(cli_ns3_api.engine_create))create;
    cli_ns3_api.bench_hold = (__typeof__(cli_ns3_api.bench_hold))hold;
    cli_ns3_api.bench_fabric = (__typeof__(cli_ns3_api.bench_fabric))fabric;
    cli_ns3_api.bench_tcp = (__typeof__(cli_ns3_api.bench_tcp))tcp;
    cli_ns3_loaded = 1;
    return &cli_ns3_api;
}

#endif
