/* sha256: SHA-256 per FIPS 180-4 (see sha256.h).  Section numbers below
 * are the standard's: 4.1.2 functions, 4.2.2 constants, 5.1.1 padding,
 * 5.3.3 initial hash value, 6.2.2 hash computation. */
#include "sha256.h"

#include <string.h>

/* 4.2.2: the first 32 bits of the fractional parts of the cube roots of
 * the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

/* 5.3.3: the first 32 bits of the fractional parts of the square roots of
 * the first 8 primes. */
static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t rotr__(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* 4.1.2 (4.2)-(4.7). */
static inline uint32_t ch__(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static inline uint32_t maj__(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (x & z) ^ (y & z);
}
static inline uint32_t big_sigma0__(uint32_t x)
{
    return rotr__(x, 2) ^ rotr__(x, 13) ^ rotr__(x, 22);
}
static inline uint32_t big_sigma1__(uint32_t x)
{
    return rotr__(x, 6) ^ rotr__(x, 11) ^ rotr__(x, 25);
}
static inline uint32_t small_sigma0__(uint32_t x)
{
    return rotr__(x, 7) ^ rotr__(x, 18) ^ (x >> 3);
}
static inline uint32_t small_sigma1__(uint32_t x)
{
    return rotr__(x, 17) ^ rotr__(x, 19) ^ (x >> 10);
}

static inline uint32_t load_be32__(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32__(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* 6.2.2: one 512-bit block M(i) into H. */
static void compress__(uint32_t h[8], const uint8_t block[SHA256_BLOCK_LEN])
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32__(block + 4 * t);
    for (int t = 16; t < 64; t++)
        w[t] = small_sigma1__(w[t - 2]) + w[t - 7] + small_sigma0__(w[t - 15]) + w[t - 16];

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + big_sigma1__(e) + ch__(e, f, g) + K[t] + w[t];
        uint32_t t2 = big_sigma0__(a) + maj__(a, b, c);
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void sha256_init(struct sha256 *c)
{
    memcpy(c->h, H0, sizeof c->h);
    c->bytes = 0;
    c->used = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->bytes += len;
    if (c->used) {
        size_t take = SHA256_BLOCK_LEN - c->used;
        if (take > len)
            take = len;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < SHA256_BLOCK_LEN)
            return;
        compress__(c->h, c->block);
        c->used = 0;
    }
    for (; len >= SHA256_BLOCK_LEN; p += SHA256_BLOCK_LEN, len -= SHA256_BLOCK_LEN)
        compress__(c->h, p);
    memcpy(c->block, p, len);
    c->used = len;
}

void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_LEN])
{
    /* 5.1.1: a 1 bit, zeros up to 448 mod 512 bits, then the message
     * length in bits as a 64-bit big-endian integer. */
    uint64_t bits = c->bytes * 8;
    c->block[c->used++] = 0x80;
    if (c->used > SHA256_BLOCK_LEN - 8) {
        memset(c->block + c->used, 0, SHA256_BLOCK_LEN - c->used);
        compress__(c->h, c->block);
        c->used = 0;
    }
    memset(c->block + c->used, 0, SHA256_BLOCK_LEN - 8 - c->used);
    store_be32__(c->block + 56, (uint32_t)(bits >> 32));
    store_be32__(c->block + 60, (uint32_t)bits);
    compress__(c->h, c->block);
    for (int i = 0; i < 8; i++)
        store_be32__(digest + 4 * i, c->h[i]);
    sha256_init(c);
}

void sha256_buf(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN])
{
    struct sha256 c;
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, digest);
}

char *sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    hex[SHA256_HEX_LEN] = '\0';
    return hex;
}
