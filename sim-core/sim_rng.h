/* sim_rng: named, seeded random streams.
 *
 * Each model instance draws from its own stream, seeded from the run seed and
 * the stream's name ("hv1/SLOT 2/ecn"), so adding an instance never changes
 * the draws of another.  The generator is xoshiro256** seeded by SplitMix64
 * over a 64-bit FNV-1a hash of the name mixed with the seed.  Streams are
 * plain values: no allocation, no globals.
 */
#ifndef SETSIM_SIM_RNG_H
#define SETSIM_SIM_RNG_H

#include <stdint.h>

struct sim_rng {
    uint64_t s[4]; /* xoshiro256** state, never all zero */
};

void sim_rng_init(struct sim_rng *r, uint64_t seed, const char *name);
static inline uint64_t sim_rng_rotl__(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits (inline: models draw on the per-frame path). */
static inline uint64_t sim_rng_u64(struct sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = sim_rng_rotl__(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rng_rotl__(s[3], 45);
    return result;
}
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double sim_rng_unit(struct sim_rng *r);
/* Exponential with the given mean (mean > 0). */
double sim_rng_exp(struct sim_rng *r, double mean);

#endif
