/* sim_rng: named, seeded random streams (see sim_rng.h).  xoshiro256** by
 * Blackman and Vigna; state seeded by SplitMix64 from FNV-1a(name) ^ seed. */
#include "sim_rng.h"

#include <math.h>

static uint64_t splitmix64__(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_init(struct sim_rng *r, uint64_t seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    /* Mix the seed through one SplitMix64 round first so seeds 1 and 2 do
     * not give states that differ in one bit. */
    uint64_t x = seed;
    uint64_t k = splitmix64__(&x) ^ h;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64__(&k);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased, usually one draw. */
    unsigned __int128 m = (unsigned __int128)sim_rng_u64(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (unsigned __int128)sim_rng_u64(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double sim_rng_unit(struct sim_rng *r) { return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53; }

double sim_rng_exp(struct sim_rng *r, double mean)
{
    /* 1 - u is in (0, 1], so the log is finite. */
    return -mean * log(1.0 - sim_rng_unit(r));
}
