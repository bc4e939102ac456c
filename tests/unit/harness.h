/* harness.h -- cmocka plus the few helpers unspin's unit tests share. */
#ifndef US_TEST_HARNESS_H
#define US_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* Directory of test fixtures, relative to the repository root (tests run there). */
#define US_FIXTURES "tests/fixtures"

/* FNV-1a, 64 bits, over the four bytes of v (low byte first): fingerprints
 * of bucket ids that pin a feature definition. Start from US_TEST_FNV0. */
#define US_TEST_FNV0 0xcbf29ce484222325ull
static inline uint64_t us_test_fnv_u32(uint64_t fnv, uint32_t v)
{
    for (int byte = 0; byte < 4; byte++)
        fnv = (fnv ^ ((v >> (8 * byte)) & 0xffu)) * 0x100000001b3ull;
    return fnv;
}

#endif
