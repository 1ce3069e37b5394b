/* sim_time: simulated time in picoseconds, and the units of the scenario
 * language (time, rate, size).
 *
 * sim_time_t is an unsigned 64-bit count of picoseconds: one bit at
 * 400 Gb/s is 2.5 ps and 2^64 ps is about 213 days.  Rates are bits per
 * second, sizes are bytes, both uint64_t.
 *
 * Parsers accept "<number><unit>" with an optional single space between
 * (e.g. "1.5us", "25 Gbps", "12MB"); the number may have a fraction.  They
 * return 0 or a negative errno and, on error, write a one-line reason to
 * err (never NULL-terminated garbage, always a C string) when err != NULL.
 */
#ifndef SETSIM_SIM_TIME_H
#define SETSIM_SIM_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_time_t;

#define SIM_PS ((sim_time_t)1)
#define SIM_NS ((sim_time_t)1000)
#define SIM_US ((sim_time_t)1000000)
#define SIM_MS ((sim_time_t)1000000000)
#define SIM_S ((sim_time_t)1000000000000ULL)
#define SIM_TIME_MAX UINT64_MAX

/* Units: ps ns us ms s (also "µs").  A bare number is an error. */
int sim_time_parse(const char *text, sim_time_t *out, char *err, size_t errlen);
/* Rates: bps Kbps Mbps Gbps Tbps (decimal; also "b/s", "Gb/s"). */
int sim_rate_parse(const char *text, uint64_t *bps, char *err, size_t errlen);
/* Sizes: B KB MB GB (decimal) KiB MiB GiB (binary); a bare number is bytes. */
int sim_size_parse(const char *text, uint64_t *bytes, char *err, size_t errlen);

/* Shortest exact form in the largest unit that keeps it exact to 3
 * decimals, e.g. "1.5us", "20ms", "0ps".  Returns buf. */
char *sim_time_format(sim_time_t t, char *buf, size_t len);
char *sim_rate_format(uint64_t bps, char *buf, size_t len);
char *sim_size_format(uint64_t bytes, char *buf, size_t len);

/* Time to put `bytes` on a wire of `bps`, rounded up to whole ps. */
sim_time_t sim_tx_time(uint64_t bytes, uint64_t bps);

#endif
