/* norm.c -- per-token normal form: NFC, Unicode case folding, apostrophes.
 *
 * Features are made from normalised tokens so that "ÉCOLE" (precomposed or
 * with a combining accent), "École" and "école" hash alike, "Straße" matches
 * "STRASSE", and typographic apostrophes match ASCII ones. utf8proc does the
 * Unicode work; nothing here allocates (the code points live in a stack
 * buffer, long tokens are processed in segments).
 *
 * Deliberately not here: compatibility (NFKC) folding, accent stripping,
 * transliteration. Soft hyphens always, and ZWNJ/ZWJ before a letter, mark
 * or digit, are dropped: inside a word they are invisible spelling variants
 * (the tokenizer keeps them in the token's range). */
#include <pthread.h>
#include <string.h>
#include <utf8proc.h>
#include "text/text.h"

#define SEG_CP 64      /* a slow segment has at most 2 * SEG_CP code points */
#define BUF_CP 1024    /* decomposing + folding 2 * SEG_CP code points needs < 600 */

static const utf8proc_option_t NORM_OPTS =
    (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STABLE);

/* A segment may end before 'cp' if nothing in front of it can reorder or
 * compose with it: ASCII, or a starter (ccc 0) that is a letter, digit,
 * punctuation, symbol or space, except Hangul vowel/trailing jamo (which
 * compose with the syllable before them). */
static int safe_cut(int32_t cp)
{
    if (cp < 0x80) return 1;
    if ((cp >= 0x1160 && cp <= 0x11FF) || (cp >= 0xD7B0 && cp <= 0xD7FF)) return 0;
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    if (p->combining_class != 0) return 0;
    switch (p->category) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CN:
        return 0;
    default: return 1;
    }
}

static int is_word_cp(int32_t cp)
{
    if (cp < 0) return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

/* Appends cp to out[*o..cap); returns 0 when it does not fit. */
static int put_cp(int32_t cp, char *out, size_t cap, size_t *o)
{
    char tmp[4];
    size_t n = us_utf8_encode(cp, tmp);
    if (*o + n > cap) return 0;
    memcpy(out + *o, tmp, n);
    *o += n;
    return 1;
}

/* Copies s unchanged, whole code points only (for input utf8proc refuses). */
static size_t copy_raw(const char *s, size_t len, char *out, size_t cap, size_t o)
{
    size_t i = 0;
    while (i < len) {
        size_t n;
        us_utf8_decode(s + i, len - i, &n);
        if (o + n > cap) break;
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    return o;
}

/* ---- fast path for U+0000-U+07FF ------------------------------------------
 * Latin, Greek and Cyrillic letters mostly fold to one code point and need no
 * composition. For cp < 0x800, two_byte[cp] holds its folded form (0 = take
 * the utf8proc path) plus SAFE when safe_cut(cp), i.e. a starter that nothing
 * before it composes with. Filled once, on first use. */
#define SAFE 0x8000u
static uint16_t two_byte[0x800];
static pthread_once_t two_byte_once = PTHREAD_ONCE_INIT;

static void two_byte_init(void)
{
    for (int32_t cp = 0x80; cp < 0x800; cp++) {
        char u[4];
        utf8proc_int32_t b[8];
        size_t n = us_utf8_encode(cp, u);
        utf8proc_ssize_t m = utf8proc_decompose((const utf8proc_uint8_t *)u,
                                                (utf8proc_ssize_t)n, b, 8, NORM_OPTS);
        if (m > 0 && m <= 8) m = utf8proc_normalize_utf32(b, m, NORM_OPTS);
        unsigned v = 0;
        if (m == 1 && b[0] > 0 && b[0] < 0x8000 && safe_cut(cp)) v = (unsigned)b[0];
        two_byte[cp] = (uint16_t)(v | (safe_cut(cp) ? SAFE : 0));
    }
}

/* Is the code point at s[i] (i < len) one that ends a slow segment before it? */
static int safe_at(const char *s, size_t i, size_t len)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) return 1;
    size_t n;
    int32_t cp = us_utf8_decode(s + i, len - i, &n);
    if (cp < 0x800) return (two_byte[cp] & SAFE) != 0;
    return safe_cut(cp);
}

/* Normalises the segment s[0..len) (cut at safe points) with utf8proc and
 * appends it at out[*o..cap); 'next' is the code point after it (-1 at the
 * end). Returns 0 when out is full. */
static int slow_segment(const char *s, size_t len, int32_t next, char *out, size_t cap,
                        size_t *o)
{
    utf8proc_int32_t buf[BUF_CP];
    utf8proc_ssize_t m = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                            buf, BUF_CP, NORM_OPTS);
    if (m >= 0 && m <= BUF_CP) m = utf8proc_normalize_utf32(buf, m, NORM_OPTS);
    if (m < 0 || m > BUF_CP) {          /* refused input: copy it as it is */
        size_t o2 = copy_raw(s, len, out, cap, *o);
        int fit = o2 - *o == len;
        *o = o2;
        return fit;
    }
    for (utf8proc_ssize_t k = 0; k < m; k++) {
        int32_t cp = buf[k];
        if (cp == 0x00AD) continue;
        if ((cp == 0x200C || cp == 0x200D) && is_word_cp(k + 1 < m ? buf[k + 1] : next)) continue;
        if (cp == 0x2019) cp = '\'';
        if (!put_cp(cp, out, cap, o)) return 0;
    }
    return 1;
}

/* The result is not NUL-terminated. */
size_t us_tok_norm(const char *s, size_t len, char *out, size_t cap)
{
    size_t i = 0;
    for (; i < len && (unsigned char)s[i] < 0x80; i++) {
        if (i >= cap) return cap;
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (i == len) return len;
    pthread_once(&two_byte_once, two_byte_init);

    /* Redo the last ASCII character: it may be the base of a mark. */
    i = i > 0 ? i - 1 : 0;
    size_t o = i;
    while (i < len && o < cap) {
        unsigned char c = (unsigned char)s[i];
        size_t n;
        int32_t cp = c < 0x80 ? c : us_utf8_decode(s + i, len - i, &n);
        if (c < 0x80) n = 1;
        /* fast: a simple starter followed by the end or by another starter */
        if (cp < 0x800 && (i + n == len || safe_at(s, i + n, len))) {
            int32_t f = -1;
            if (cp < 0x80) f = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
            else if (two_byte[cp] & 0x7FFF) f = two_byte[cp] & 0x7FFF;
            if (f >= 0) {
                if (!put_cp(f, out, cap, &o)) break;
                i += n;
                continue;
            }
        }
        /* slow: from i to the next safe cut (at most 2 * SEG_CP code points) */
        size_t j = i + n, n_cp = 1;
        while (j < len && n_cp < 2 * SEG_CP && !safe_at(s, j, len)) {
            us_utf8_decode(s + j, len - j, &n);
            j += n;
            n_cp++;
        }
        int32_t next = j < len ? us_utf8_decode(s + j, len - j, &n) : -1;
        if (!slow_segment(s + i, j - i, next, out, cap, &o)) break;
        i = j;
    }
    return o;
}
