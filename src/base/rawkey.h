/* rawkey.h -- keys of short raw byte strings for the per-thread token caches
 * (featurize.c, span.c): a token's derived hashes depend only on its bytes,
 * so a direct-mapped cache keyed by them (and compared in full, so a hit is
 * exact) skips case folding and most hashing for repeated words. */
#ifndef US_RAWKEY_H
#define US_RAWKEY_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define US_RAW_MAX 24   /* longest string us_raw_eq compares */

/* Cache key of a token's raw bytes (n <= US_RAW_MAX): a few multiply-xor
 * rounds, cheaper than a library call for such short strings; the tail is
 * read with overlapping loads, not a variable-length copy. Never 0. */
static inline uint64_t us_raw_key(const char *p, size_t n, uint16_t kind)
{
    uint64_t h = (n + ((uint64_t)kind << 8)) * 0x9E3779B97F4A7C15ull, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
    }
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        w = lo | (uint64_t)hi << 32;
    } else if (n) {
        w = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
            (uint64_t)(unsigned char)p[n - 1] << 16;
    } else {
        w = 0;
    }
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h | 1;
}

/* a[0..n) == b[0..n) for n <= US_RAW_MAX, with overlapping word loads (no
 * library call: this runs for every token). */
static inline int us_raw_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y, x2, y2;
    if (n >= 8) {
        memcpy(&x, a, 8); memcpy(&y, b, 8);
        memcpy(&x2, a + n - 8, 8); memcpy(&y2, b + n - 8, 8);
        if ((x ^ y) | (x2 ^ y2)) return 0;
        if (n <= 16) return 1;
        memcpy(&x, a + 8, 8); memcpy(&y, b + 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t p, q, p2, q2;
        memcpy(&p, a, 4); memcpy(&q, b, 4);
        memcpy(&p2, a + n - 4, 4); memcpy(&q2, b + n - 4, 4);
        return ((p ^ q) | (p2 ^ q2)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

#endif
