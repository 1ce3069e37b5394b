/* sha256: the SHA-256 hash of FIPS 180-4 (section 6.2), written from the
 * specification, with a streaming interface.
 *
 * Use: sha256_init, then sha256_update any number of times with any
 * lengths, then sha256_final, which writes the 32-byte digest and leaves
 * the context re-initialized.  sha256_hex formats a digest as 64
 * lowercase hex digits.  sha256_buf is the one-call form.
 *
 * The context is a plain value (no allocation); messages may be up to
 * 2^61 - 1 bytes long, as the 64-bit bit-length field allows.
 */
#ifndef SETSIM_SHA256_H
#define SETSIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64
#define SHA256_HEX_LEN (2 * SHA256_DIGEST_LEN) /* without the NUL */

struct sha256 {
    uint32_t h[8];                  /* intermediate hash value H(i) */
    uint64_t bytes;                 /* message bytes absorbed so far */
    uint8_t block[SHA256_BLOCK_LEN]; /* partial block not yet compressed */
    size_t used;                    /* bytes of block in use, < 64 */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_LEN]);

/* digest of data[0..len). */
void sha256_buf(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);
/* Writes 64 lowercase hex digits and a NUL into hex; returns hex. */
char *sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_LEN + 1]);

#endif
