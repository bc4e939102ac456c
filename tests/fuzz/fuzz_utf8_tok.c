/* fuzz_utf8_tok.c -- libFuzzer target for the text layer (src/text).
 *
 * Input: arbitrary bytes, treated as an article. Checks, for both the input
 * (when valid) and its U+FFFD repair (always valid):
 *  - us_utf8_validate agrees with us_utf8_repair (no replacements <=> valid,
 *    and the bad offset is inside the input);
 *  - the repaired text validates and has as many code points as
 *    us_utf8_cp_count says;
 *  - us_text_tokenize succeeds; token offsets are inside the text, non-empty,
 *    strictly increasing and non-overlapping; the code-point offsets agree
 *    with the byte offsets (us_utf8_cp_to_byte round trip);
 *  - lines and sentences are ordered and within the text;
 *  - us_tok_norm on every token never writes past its buffer and returns
 *    valid UTF-8.
 * A broken invariant calls __builtin_trap() so libFuzzer reports a crash.
 * Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "text/text.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void check_text(const char *s, size_t len)
{
    us_text t;
    us_text_init(&t);
    int rc = us_text_tokenize(&t, s, len, NULL);
    CHECK(rc == US_OK || rc == US_ENOMEM);
    if (rc != US_OK) { us_text_fini(&t); return; }
    size_t n_cp = us_utf8_cp_count(s, len);
    /* cp_at[b] = code points before byte b (for b on a code point boundary) */
    uint32_t *cp_at = malloc((len + 1) * sizeof *cp_at);
    if (!cp_at) { us_text_fini(&t); return; }
    for (size_t b = 0, c = 0; b <= len; b++) {
        cp_at[b] = (uint32_t)c;
        if (b < len && ((unsigned char)s[b] & 0xC0) != 0x80) c++;
    }
    uint32_t prev_end_byte = 0, prev_end_cp = 0;
    char norm[256];
    for (size_t i = 0; i < t.n_toks; i++) {
        const us_token *k = &t.toks[i];
        CHECK(k->start_byte < k->end_byte && k->end_byte <= len);
        CHECK(k->start_cp < k->end_cp && k->end_cp <= n_cp);
        CHECK(k->start_byte >= prev_end_byte && k->start_cp >= prev_end_cp);
        CHECK(k->kind >= US_TOK_WORD && k->kind <= US_TOK_SYMBOL);
        /* cp <-> byte agreement; us_utf8_cp_to_byte is O(n), so the round trip
         * through it is checked on the first 32 tokens and the last one */
        CHECK(cp_at[k->start_byte] == k->start_cp && cp_at[k->end_byte] == k->end_cp);
        if (i < 32 || i + 1 == t.n_toks) {
            CHECK(us_utf8_cp_to_byte(s, len, k->start_cp) == k->start_byte);
            CHECK(us_utf8_cp_to_byte(s, len, k->end_cp) == k->end_byte);
            CHECK(us_utf8_cp_count(s + k->start_byte, k->end_byte - k->start_byte) ==
                  k->end_cp - k->start_cp);
        }
        /* boundaries fall on code point starts */
        CHECK(k->end_byte == len || ((unsigned char)s[k->end_byte] & 0xC0) != 0x80);
        CHECK(((unsigned char)s[k->start_byte] & 0xC0) != 0x80);
        /* a token never contains a line break */
        CHECK(memchr(s + k->start_byte, '\n', k->end_byte - k->start_byte) == NULL);
        prev_end_byte = k->end_byte;
        prev_end_cp = k->end_cp;
        /* normalisation: bounded, valid UTF-8, for a small and a large buffer */
        size_t caps[2] = {7, sizeof norm};
        for (int c = 0; c < 2; c++) {
            size_t cap = caps[c];
            memset(norm, 0xAA, sizeof norm);
            size_t n = us_tok_norm(s + k->start_byte, k->end_byte - k->start_byte, norm, cap);
            CHECK(n <= cap);
            for (size_t j = cap; j < sizeof norm; j++) CHECK((unsigned char)norm[j] == 0xAA);
            CHECK(us_utf8_validate(norm, n, NULL) == US_OK);
        }
    }
    uint32_t prev = 0;
    for (size_t i = 0; i < t.n_lines; i++) {
        const us_range *r = &t.lines[i];
        CHECK(r->start_byte <= r->end_byte && r->end_byte <= len && r->start_byte >= prev);
        CHECK(r->start_cp <= r->end_cp && r->end_cp <= n_cp);
        CHECK(r->tok_begin <= r->tok_end && r->tok_end <= t.n_toks);
        CHECK(cp_at[r->start_byte] == r->start_cp && cp_at[r->end_byte] == r->end_cp);
        if (i < 8) CHECK(us_utf8_cp_to_byte(s, len, r->start_cp) == r->start_byte);
        prev = r->end_byte;
    }
    /* every byte of the text is covered by lines: n_lines == number of '\n' (+1 if
     * the text does not end with one) */
    size_t nl = 0;
    for (size_t i = 0; i < len; i++) nl += s[i] == '\n';
    CHECK(t.n_lines == nl + (len && s[len - 1] != '\n'));
    uint32_t prev_tok = 0;
    for (size_t i = 0; i < t.n_sents; i++) {
        const us_range *r = &t.sents[i];
        CHECK(r->tok_begin < r->tok_end && r->tok_end <= t.n_toks && r->tok_begin >= prev_tok);
        CHECK(r->start_byte < r->end_byte && r->end_byte <= len);
        CHECK(cp_at[r->start_byte] == r->start_cp && cp_at[r->end_byte] == r->end_cp);
        prev_tok = r->tok_end;
    }
    /* tokenising again into the same struct (array reuse) gives the same tokens */
    size_t n1 = t.n_toks;
    rc = us_text_tokenize(&t, s, len, NULL);
    CHECK(rc != US_OK || t.n_toks == n1);
    free(cp_at);
    us_text_fini(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t bad = (size_t)-1;
    int valid = us_utf8_validate(s, size, &bad) == US_OK;
    if (!valid) CHECK(bad < size);
    char *fixed = NULL;
    size_t fixed_len = 0, n_rep = 0;
    if (us_utf8_repair(s, size, &fixed, &fixed_len, &n_rep) != US_OK) return 0;
    CHECK((n_rep == 0) == valid);
    if (valid) CHECK(fixed_len == size && memcmp(fixed, s, size) == 0);
    CHECK(us_utf8_validate(fixed, fixed_len, NULL) == US_OK);
    /* the prefix before the first bad byte is kept as is */
    if (!valid) CHECK(fixed_len >= bad && memcmp(fixed, s, bad) == 0);
    /* decode/encode round trip over the repaired text */
    size_t off = 0, n_cp = 0;
    while (off < fixed_len) {
        size_t adv = 0;
        int32_t cp = us_utf8_decode(fixed + off, fixed_len - off, &adv);
        CHECK(adv >= 1 && adv <= 4 && off + adv <= fixed_len);
        char enc[4];
        size_t n = us_utf8_encode(cp, enc);
        CHECK(n == adv && memcmp(enc, fixed + off, n) == 0);
        off += adv;
        n_cp++;
    }
    CHECK(n_cp == us_utf8_cp_count(fixed, fixed_len));
    check_text(fixed, fixed_len);
    /* the tokenizer must also be memory-safe on invalid input (documented) */
    if (!valid) {
        us_text t;
        us_text_init(&t);
        (void)us_text_tokenize(&t, s, size, NULL);
        us_text_fini(&t);
    }
    us_free(fixed);
    return 0;
}
