/* utf8.c -- strict UTF-8 validation, repair, decoding and offset conversion.
 *
 * Well-formedness follows Unicode 15, table 3-7: no overlong forms, no
 * surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no truncated sequences.
 * Repair replaces each "maximal subpart of an ill-formed subsequence" by one
 * U+FFFD (Unicode 3.9 "U+FFFD substitution of maximal subparts", the policy
 * of the WHATWG Encoding standard and of Python's errors="replace").
 *
 * Deliberately not here: other encodings, normalisation (norm.c), SIMD.
 * ASCII is skipped 8 bytes at a time, which is most of a news article. */
#include <string.h>
#include "text/text.h"

#define ASCII_MASK 0x8080808080808080ull

/* Length of the well-formed sequence at s[i] (1-4), or 0 if ill-formed; then
 * *bad gets the length of its maximal subpart (>= 1 byte). */
static size_t seq_len(const unsigned char *s, size_t i, size_t len, size_t *bad)
{
    unsigned c = s[i];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;  /* allowed range of the second byte */
    if (c < 0x80) return 1;
    if (c < 0xC2) { *bad = 1; return 0; }         /* continuation or overlong 2-byte lead */
    if (c < 0xE0) need = 2;
    else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;                  /* overlong */
        else if (c == 0xED) hi = 0x9F;             /* surrogates */
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0) lo = 0x90;                  /* overlong */
        else if (c == 0xF4) hi = 0x8F;             /* > U+10FFFF */
    } else { *bad = 1; return 0; }
    size_t k = 1;
    for (; k < need; k++) {
        if (i + k >= len) break;
        unsigned b = s[i + k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) break;
    }
    if (k == need) return need;
    *bad = k;
    return 0;
}

static int all_ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return (w & ASCII_MASK) == 0;
}

/* bad_off gets the offset of the first byte of the first ill-formed sequence
 * (where Python's UnicodeDecodeError.start points). */
int us_utf8_validate(const char *str, size_t len, size_t *bad_off)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, bad;
    while (i < len) {
        if (i + 8 <= len && all_ascii8(s + i)) { i += 8; continue; }
        if (s[i] < 0x80) { i++; continue; }
        size_t n = seq_len(s, i, len, &bad);
        if (n == 0) {
            if (bad_off) *bad_off = i;
            return US_EUTF8;
        }
        i += n;
    }
    return US_OK;
}

int us_utf8_repair(const char *str, size_t len, char **out, size_t *out_len, size_t *n_replaced)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, total = 0, nrep = 0, bad;
    /* Pass 1: size of the result. A replaced subpart of 1-3 bytes becomes 3 bytes. */
    while (i < len) {
        size_t n = seq_len(s, i, len, &bad);
        if (n) { total += n; i += n; }
        else { total += 3; i += bad; nrep++; }
        if (total > SIZE_MAX - 4) return US_ETOOBIG;
    }
    char *d = us_malloc(total + 1);
    if (!d) return US_ENOMEM;
    size_t o = 0;
    for (i = 0; i < len;) {
        size_t n = seq_len(s, i, len, &bad);
        if (n) { memcpy(d + o, s + i, n); o += n; i += n; }
        else { memcpy(d + o, "\xEF\xBF\xBD", 3); o += 3; i += bad; }
    }
    d[o] = '\0';
    *out = d;
    *out_len = o;
    if (n_replaced) *n_replaced = nrep;
    return US_OK;
}

/* Defensive on bad input: an ill-formed sequence decodes as U+FFFD and
 * *adv covers its maximal subpart; len == 0 gives -1 and *adv = 0. */
int32_t us_utf8_decode(const char *str, size_t len, size_t *adv)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t bad;
    if (len == 0) { *adv = 0; return -1; }
    size_t n = seq_len(s, 0, len, &bad);
    *adv = n ? n : bad;
    switch (n) {
    case 1: return s[0];
    case 2: return (int32_t)(((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu));
    case 3: return (int32_t)(((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu));
    case 4:
        return (int32_t)(((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
                         ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu));
    default: return 0xFFFD;
    }
}

/* Code points that cannot be encoded (negative, surrogates, > U+10FFFF)
 * are written as U+FFFD. */
size_t us_utf8_encode(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    uint32_t c = (uint32_t)cp;
    if (cp < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Counts bytes that are not continuation bytes (10xxxxxx): the code point
 * count for valid UTF-8. */
size_t us_utf8_cp_count(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* continuation bytes: bit 7 set and bit 6 clear */
        uint64_t cont = w & ~(w << 1) & ASCII_MASK;
        /* one bit per byte: summed by a multiply (popcount is a libgcc
         * call without -mpopcnt) */
        n += 8 - (size_t)(((cont >> 7) * 0x0101010101010101ull) >> 56);
    }
    for (; i < len; i++) n += (s[i] & 0xC0) != 0x80;
    return n;
}

size_t us_utf8_cp_to_byte(const char *str, size_t len, size_t cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n = 0;
    while (i < len) {
        if (i + 8 <= len && n + 8 <= cp && all_ascii8(s + i)) { i += 8; n += 8; continue; }
        if ((s[i] & 0xC0) != 0x80) {
            if (n == cp) return i;
            n++;
        }
        i++;
    }
    return len;
}
