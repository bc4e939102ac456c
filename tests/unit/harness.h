/* harness.h -- cmocka plus the few helpers unspin's unit tests share. */
#ifndef US_TEST_HARNESS_H
#define US_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "base/base.h"
#include "model/mfile.h"

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

/* A container in memory holding one section, opened: what a loader sees of
 * the section bytes 'sec' (n) as written. Close with us_mfile_close. */
static inline us_mfile *us_test_one_section(const char *id, const void *sec, size_t n, us_err *err)
{
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    assert_int_equal(us_mfw_add(w, id, sec, n, err), US_OK);
    void *mem;
    size_t len;
    assert_int_equal(us_mfw_to_memory(w, 0, &mem, &len, err), US_OK);
    us_mfw_free(w);
    us_mfile *mf = us_mfile_from_memory(mem, len, err);
    us_free(mem);
    assert_non_null(mf);
    return mf;
}

#endif
