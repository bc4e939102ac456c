/* hash.h -- XXH3-64 compiled into the hot loops (features, span decoding).
 *
 * The library's function behind a call costs as much as the hashing for
 * the 3-5 character strings hashed per word; inlined, the compiler also
 * keeps the seed in registers. us_hash64 (util.c) is this function. */
#ifndef US_HASH_H
#define US_HASH_H
#include <stddef.h>
#include <stdint.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t us_hash64_fast(const void *p, size_t n, uint64_t seed)
{
    return (uint64_t)XXH3_64bits_withSeed(p, n, (XXH64_hash_t)seed);
}

#endif
