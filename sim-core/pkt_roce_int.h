/* pkt_roce_int: the two implementations of pkt_roce's CRC-32 arithmetic,
 * slicing-by-8 tables (any CPU) and carry-less multiplication (x86-64 with
 * PCLMULQDQ and SSE4.1), by name, so that the tests can compare them.
 * pkt_roce_crc32() (pkt_roce.h) and the ICRC pick one; each *_clmul
 * function falls back to the tables where the CPU lacks the instructions
 * (pkt_roce_crc32_clmul_supported() says which). */
#ifndef SETSIM_PKT_ROCE_INT_H
#define SETSIM_PKT_ROCE_INT_H

#include <stddef.h>
#include <stdint.h>

/* The ICRC masks bytes of the first 40 bytes of an option-less IPv4
 * header, UDP and BTH run (pkt_roce.h). */
#define PKT_ROCE_V4_MASKED 40

/* 1 when the *_clmul functions multiply, 0 when they use the tables. */
int pkt_roce_crc32_clmul_supported(void);

/* pkt_roce_crc32(crc, b, n). */
uint32_t pkt_roce_crc32_table(uint32_t crc, const uint8_t *b, size_t n);
uint32_t pkt_roce_crc32_clmul(uint32_t crc, const uint8_t *b, size_t n);

/* pkt_roce_crc32_zeros(crc, n) (the tables only: see pkt_roce.c). */
uint32_t pkt_roce_crc32_zeros_table(uint32_t crc, uint64_t n);

/* The CRC continuing crc over b[0..n), n >= PKT_ROCE_V4_MASKED, an
 * option-less IPv4 header, UDP and BTH with the ICRC's variant fields
 * taken as all ones and then n - 40 bytes as they are, followed by zeros
 * zero bytes. */
uint32_t pkt_roce_crc32_v4_run_table(uint32_t crc, const uint8_t *b, size_t n, uint64_t zeros);
uint32_t pkt_roce_crc32_v4_run_clmul(uint32_t crc, const uint8_t *b, size_t n, uint64_t zeros);

#endif
