/* test_sha256: SHA-256 against the FIPS 180-4 example vectors (NIST's
 * "abc", the two-block 448-bit message, one million 'a'), the empty
 * message, the padding boundaries (55/56/63/64/119/120 bytes, digests from
 * coreutils sha256sum), and streaming in every chunk size. */
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static void check_hex(const void *data, size_t len, const char *want)
{
    uint8_t d[SHA256_DIGEST_LEN];
    char hex[SHA256_HEX_LEN + 1];
    sha256_buf(data, len, d);
    CU_ASSERT_STRING_EQUAL(sha256_hex(d, hex), want);
}

static void test_fips_vectors(void)
{
    check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CU_ASSERT_EQUAL(strlen(m448) * 8, 448);
    check_hex(m448, strlen(m448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_million_a(void)
{
    /* Fed in 1000-byte pieces, as a stream would be. */
    char piece[1000];
    memset(piece, 'a', sizeof piece);
    struct sha256 c;
    sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        sha256_update(&c, piece, sizeof piece);
    uint8_t d[SHA256_DIGEST_LEN];
    char hex[SHA256_HEX_LEN + 1];
    sha256_final(&c, d);
    CU_ASSERT_STRING_EQUAL(sha256_hex(d, hex),
                           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_padding_boundaries(void)
{
    static const struct {
        size_t len;
        const char *hex;
    } v[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_hex(a, v[i].len, v[i].hex);
}

/* Every split of a 300-byte message into chunks of size k gives the
 * one-call digest, and a context is reusable after final. */
static void test_streaming(void)
{
    uint8_t msg[300];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    uint8_t want[SHA256_DIGEST_LEN], got[SHA256_DIGEST_LEN];
    sha256_buf(msg, sizeof msg, want);
    struct sha256 c;
    sha256_init(&c);
    for (size_t k = 1; k <= sizeof msg; k++) {
        for (size_t off = 0; off < sizeof msg; off += k) {
            size_t n = sizeof msg - off < k ? sizeof msg - off : k;
            sha256_update(&c, msg + off, n);
        }
        sha256_final(&c, got); /* re-initializes c */
        CU_ASSERT_EQUAL(memcmp(want, got, sizeof want), 0);
    }
    sha256_update(&c, "ab", 2);
    sha256_update(&c, "", 0);
    sha256_update(&c, "c", 1);
    sha256_final(&c, got);
    char hex[SHA256_HEX_LEN + 1];
    CU_ASSERT_STRING_EQUAL(sha256_hex(got, hex),
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int suite_sha256(void)
{
    CU_pSuite s = test_suite("sha256");
    if (!s || !CU_add_test(s, "FIPS 180-4 vectors", test_fips_vectors) ||
        !CU_add_test(s, "one million 'a'", test_million_a) ||
        !CU_add_test(s, "padding boundaries", test_padding_boundaries) ||
        !CU_add_test(s, "streaming in every chunk size", test_streaming))
        return -1;
    return 0;
}
