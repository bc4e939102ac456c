/* test_text.c -- UTF-8, tokens, lines, sentences and normalisation.
 *
 * Expected offsets are worked out by hand in the comments next to each case
 * (bytes per code point: ASCII 1, Latin/Polish/Cyrillic 2, € ’ ZWJ 3, emoji 4). */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>
#include "text/text.h"

/* ---- helpers ----------------------------------------------------------- */

static void tok_ok(us_text *t, const char *s, size_t len)
{
    us_err err = {0};
    assert_int_equal(us_text_tokenize(t, s, len, &err), US_OK);
}

#define TOK(s) tok_ok(&t, (s), sizeof(s) - 1)

static void check_tok(const us_text *t, size_t i, uint32_t sb, uint32_t eb, uint32_t sc,
                      uint32_t ec, int kind)
{
    assert_true(i < t->n_toks);
    const us_token *k = &t->toks[i];
    assert_int_equal(k->start_byte, sb);
    assert_int_equal(k->end_byte, eb);
    assert_int_equal(k->start_cp, sc);
    assert_int_equal(k->end_cp, ec);
    assert_int_equal(k->kind, kind);
}

static void check_text(const us_text *t, size_t i, const char *want)
{
    assert_true(i < t->n_toks);
    const us_token *k = &t->toks[i];
    size_t n = k->end_byte - k->start_byte;
    assert_int_equal(n, strlen(want));
    assert_memory_equal(t->text + k->start_byte, want, n);
}

static void check_norm(const char *in, const char *want)
{
    char out[256];
    size_t n = us_tok_norm(in, strlen(in), out, sizeof out);
    out[n] = '\0';
    assert_string_equal(out, want);
}

/* Invariants of any tokenisation: ordered ranges, offsets that agree with
 * each other, tokens inside their line, sentences inside their line. */
static void check_invariants(const us_text *t)
{
    const char *s = t->text;
    uint32_t prev_end = 0;
    for (size_t i = 0; i < t->n_toks; i++) {
        const us_token *k = &t->toks[i];
        assert_true(k->start_byte < k->end_byte);
        assert_true(k->start_byte >= prev_end);
        assert_true(k->end_byte <= t->len);
        prev_end = k->end_byte;
        assert_int_equal(us_utf8_cp_to_byte(s, t->len, k->start_cp), k->start_byte);
        assert_int_equal(us_utf8_cp_to_byte(s, t->len, k->end_cp), k->end_byte);
        assert_int_equal(us_utf8_cp_count(s, k->start_byte), k->start_cp);
        assert_int_equal(us_utf8_cp_count(s + k->start_byte, k->end_byte - k->start_byte),
                         k->end_cp - k->start_cp);
        assert_int_equal(us_utf8_validate(s + k->start_byte, k->end_byte - k->start_byte, NULL),
                         US_OK);
        assert_true(k->kind >= US_TOK_WORD && k->kind <= US_TOK_SYMBOL);
    }
    size_t tok = 0, sent = 0;
    for (size_t l = 0; l < t->n_lines; l++) {
        const us_range *r = &t->lines[l];
        assert_int_equal(r->tok_begin, tok);
        assert_int_equal(us_utf8_cp_to_byte(s, t->len, r->start_cp), r->start_byte);
        assert_int_equal(us_utf8_cp_to_byte(s, t->len, r->end_cp), r->end_byte);
        for (uint32_t k = r->tok_begin; k < r->tok_end; k++) {
            assert_true(t->toks[k].start_byte >= r->start_byte);
            assert_true(t->toks[k].end_byte <= r->end_byte);
        }
        /* sentences of this line tile its tokens */
        uint32_t next = r->tok_begin;
        while (next < r->tok_end) {
            assert_true(sent < t->n_sents);
            const us_range *sr = &t->sents[sent++];
            assert_int_equal(sr->tok_begin, next);
            assert_true(sr->tok_end > sr->tok_begin && sr->tok_end <= r->tok_end);
            assert_true(t->toks[next].flags & US_TF_SENT_START);
            for (uint32_t k = next + 1; k < sr->tok_end; k++)
                assert_false(t->toks[k].flags & US_TF_SENT_START);
            next = sr->tok_end;
        }
        tok = r->tok_end;
    }
    assert_int_equal(tok, t->n_toks);
    assert_int_equal(sent, t->n_sents);
}

/* ---- UTF-8 --------------------------------------------------------------- */

static void expect_bad(const char *s, size_t len, size_t off)
{
    size_t bad = 12345;
    assert_int_equal(us_utf8_validate(s, len, &bad), US_EUTF8);
    assert_int_equal(bad, off);
}
#define BAD(s, off) expect_bad((s), sizeof(s) - 1, (off))
#define GOOD(s) assert_int_equal(us_utf8_validate((s), sizeof(s) - 1, NULL), US_OK)

static void test_utf8_validate(void **state)
{
    (void)state;
    GOOD("");
    GOOD("plain ASCII text that is longer than eight bytes");
    GOOD("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF");
    GOOD("\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");          /* U+10000, U+10FFFF */
    GOOD("Привет ąęłż 😀");
    GOOD("a\0b");                                       /* NUL is valid UTF-8 */
    BAD("ab\xC0\xAF", 2);                               /* overlong '/' */
    BAD("\xC1\xBF", 0);                                 /* overlong 2-byte */
    BAD("xyz\xE0\x80\xAF", 3);                          /* overlong 3-byte */
    BAD("\xF0\x82\x82\xAC", 0);                         /* overlong 4-byte euro */
    BAD("x\xED\xA0\x80", 1);                            /* surrogate U+D800 */
    BAD("\xED\xBF\xBF", 0);                             /* surrogate U+DFFF */
    BAD("\xF4\x90\x80\x80", 0);                         /* U+110000 */
    BAD("\xF5\x80\x80\x80", 0);
    BAD("\xFF", 0);
    BAD("abc\xE2\x82", 3);                              /* truncated at the end */
    BAD("\xF0\x9F\x98", 0);                             /* truncated emoji */
    BAD("ab\x80" "cd", 2);                              /* stray continuation */
    BAD("\xC5\xBC\xC3\xB3\x80", 4);                     /* "żó" then a stray byte */
    BAD("0123456789abcdef\xC3", 16);                    /* after the 8-byte fast path */
    BAD("\xC3\x28", 0);                                 /* lead without continuation */
}

static void expect_repair(const char *in, size_t in_len, const char *want, size_t want_rep)
{
    char *out = NULL;
    size_t out_len = 0, rep = 999;
    assert_int_equal(us_utf8_repair(in, in_len, &out, &out_len, &rep), US_OK);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
    assert_int_equal(rep, want_rep);
    assert_int_equal(us_utf8_validate(out, out_len, NULL), US_OK);
    us_free(out);
}
#define REPAIR(in, want, n) expect_repair((in), sizeof(in) - 1, (want), (n))
#define FFFD "\xEF\xBF\xBD"

static void test_utf8_repair(void **state)
{
    (void)state;
    REPAIR("", "", 0);
    REPAIR("ok ż", "ok ż", 0);
    REPAIR("a\xC0\xAF" "b", "a" FFFD FFFD "b", 2);          /* C0 and AF: never valid */
    REPAIR("\xE2\x82(", FFFD "(", 1);                        /* maximal subpart E2 82 */
    REPAIR("\xED\xA0\x80", FFFD FFFD FFFD, 3);               /* surrogate: ED alone */
    REPAIR("end\xF0\x9F\x98", "end" FFFD, 1);                /* truncated emoji */
    REPAIR("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD, 4);
    REPAIR("x\x80\x80y", "x" FFFD FFFD "y", 2);
}

static void test_utf8_codec(void **state)
{
    (void)state;
    static const int32_t cps[] = {0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000,
                                  0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    static const size_t lens[] = {1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};
    for (size_t i = 0; i < US_ARRAY_LEN(cps); i++) {
        char b[4];
        size_t n = us_utf8_encode(cps[i], b), adv = 0;
        assert_int_equal(n, lens[i]);
        assert_int_equal(us_utf8_validate(b, n, NULL), US_OK);
        assert_int_equal(us_utf8_decode(b, n, &adv), cps[i]);
        assert_int_equal(adv, n);
    }
    char b[4];
    assert_int_equal(us_utf8_encode(0xD800, b), 3);      /* surrogate -> U+FFFD */
    assert_memory_equal(b, FFFD, 3);
    assert_int_equal(us_utf8_encode(0x110000, b), 3);
    assert_int_equal(us_utf8_encode(-5, b), 3);
    size_t adv = 0;
    assert_int_equal(us_utf8_decode("\xE2\x82", 2, &adv), 0xFFFD);   /* defensive */
    assert_int_equal(adv, 2);
    assert_int_equal(us_utf8_decode("\x80z", 2, &adv), 0xFFFD);
    assert_int_equal(adv, 1);
    assert_int_equal(us_utf8_decode("\xD0\x9F", 1, &adv), 0xFFFD);   /* cut by len */
    assert_int_equal(adv, 1);
    assert_int_equal(us_utf8_decode("", 0, &adv), -1);
    assert_int_equal(adv, 0);
}

static void test_utf8_offsets(void **state)
{
    (void)state;
    const char *s = "a\xCF\x80\xF0\x9F\x98\x80" "b";   /* a π 😀 b: bytes 0,1,3,7; len 8 */
    assert_int_equal(us_utf8_cp_count(s, 8), 4);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 0), 0);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 1), 1);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 2), 3);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 3), 7);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 4), 8);
    assert_int_equal(us_utf8_cp_to_byte(s, 8, 99), 8);
    /* long enough for the 8-byte paths: 20 ASCII, then "ЖЖ", then 10 ASCII */
    const char *l = "abcdefghijklmnopqrst\xD0\x96\xD0\x96" "0123456789";
    size_t n = strlen(l);
    assert_int_equal(n, 34);
    assert_int_equal(us_utf8_cp_count(l, n), 32);
    assert_int_equal(us_utf8_cp_to_byte(l, n, 19), 19);
    assert_int_equal(us_utf8_cp_to_byte(l, n, 20), 20);
    assert_int_equal(us_utf8_cp_to_byte(l, n, 21), 22);
    assert_int_equal(us_utf8_cp_to_byte(l, n, 22), 24);
    assert_int_equal(us_utf8_cp_to_byte(l, n, 31), 33);
    assert_int_equal(us_utf8_cp_count("", 0), 0);
}

/* ---- tokens -------------------------------------------------------------- */

static void test_tok_cyrillic(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* Привет (6 cp, 12 B) "," (12) " " мир (14..20, cp 8..11) "!" (20, cp 11) */
    TOK("Привет, мир!");
    assert_int_equal(t.n_toks, 4);
    check_tok(&t, 0, 0, 12, 0, 6, US_TOK_WORD);
    check_tok(&t, 1, 12, 13, 6, 7, US_TOK_PUNCT);
    check_tok(&t, 2, 14, 20, 8, 11, US_TOK_WORD);
    check_tok(&t, 3, 20, 21, 11, 12, US_TOK_PUNCT);
    assert_int_equal(t.toks[0].flags,
                     US_TF_UPPER1 | US_TF_SENT_START | US_TF_NONASCII | US_TF_CYRILLIC);
    assert_int_equal(t.toks[2].flags, US_TF_NONASCII | US_TF_CYRILLIC);
    assert_int_equal(t.toks[1].flags, 0);
    /* ПРИВЕТ: all caps */
    TOK("ПРИВЕТ");
    assert_int_equal(t.toks[0].flags, US_TF_UPPER1 | US_TF_ALLCAPS | US_TF_SENT_START |
                                          US_TF_NONASCII | US_TF_CYRILLIC);
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_tok_polish(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* Zażółć = Z a ż ó ł ć: 1+1+2+2+2+2 = 10 B, 6 cp; gęślą = 1+2+2+1+2 = 8 B, 5 cp;
     * jaźń = 1+1+2+2 = 6 B, 4 cp */
    TOK("Zażółć gęślą jaźń");
    assert_int_equal(t.n_toks, 3);
    check_tok(&t, 0, 0, 10, 0, 6, US_TOK_WORD);
    check_tok(&t, 1, 11, 19, 7, 12, US_TOK_WORD);
    check_tok(&t, 2, 20, 26, 13, 17, US_TOK_WORD);
    assert_int_equal(t.toks[0].flags, US_TF_UPPER1 | US_TF_SENT_START | US_TF_NONASCII);
    assert_int_equal(t.toks[1].flags, US_TF_NONASCII);
    check_norm("Zażółć", "zażółć");
    check_norm("ŻÓŁW", "żółw");
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_tok_emoji(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* "Hi " 😀 (bytes 3..7, cp 3..4) " " there (8..13, cp 5..10) */
    TOK("Hi \xF0\x9F\x98\x80 there");
    assert_int_equal(t.n_toks, 3);
    check_tok(&t, 1, 3, 7, 3, 4, US_TOK_SYMBOL);
    check_tok(&t, 2, 8, 13, 5, 10, US_TOK_WORD);
    assert_true(t.toks[1].flags & US_TF_NONASCII);
    /* family: 👨 ZWJ 👩 ZWJ 👧 = 4+3+4+3+4 = 18 B, 5 cp: one SYMBOL token */
    TOK("a \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 b");
    assert_int_equal(t.n_toks, 3);
    check_tok(&t, 0, 0, 1, 0, 1, US_TOK_WORD);
    check_tok(&t, 1, 2, 20, 2, 7, US_TOK_SYMBOL);
    check_tok(&t, 2, 21, 22, 8, 9, US_TOK_WORD);
    /* 👍🏽 (emoji + skin tone), ❤️ (U+2764 U+FE0F), 🇵🇱 (two regional indicators),
     * then 😀😀 which are two tokens */
    TOK("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x9D\xA4\xEF\xB8\x8F \xF0\x9F\x87\xB5\xF0\x9F\x87\xB1"
        " \xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    assert_int_equal(t.n_toks, 5);
    check_tok(&t, 0, 0, 8, 0, 2, US_TOK_SYMBOL);
    check_tok(&t, 1, 9, 15, 3, 5, US_TOK_SYMBOL);
    check_tok(&t, 2, 16, 24, 6, 8, US_TOK_SYMBOL);
    check_tok(&t, 3, 25, 29, 9, 10, US_TOK_SYMBOL);
    check_tok(&t, 4, 29, 33, 10, 11, US_TOK_SYMBOL);
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_tok_combining(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* "cafe" + U+0301 (2 B): one token of 6 B, 5 cp; then "ok" at byte 7, cp 6 */
    TOK("cafe\xCC\x81 ok");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 0, 0, 6, 0, 5, US_TOK_WORD);
    check_tok(&t, 1, 7, 9, 6, 8, US_TOK_WORD);
    check_norm("cafe\xCC\x81", "caf\xC3\xA9");            /* NFC composes é */
    /* a mark right after a space has no base: it starts its own word */
    TOK("x \xCC\x81y");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 1, 2, 5, 2, 4, US_TOK_WORD);
    /* Й written as И + U+0306 stays one letter, and its norm is precomposed й */
    TOK("\xD0\x98\xCC\x86" "ДА");
    assert_int_equal(t.n_toks, 1);
    check_tok(&t, 0, 0, 8, 0, 4, US_TOK_WORD);
    assert_true(t.toks[0].flags & US_TF_ALLCAPS);
    check_norm("\xD0\x98\xCC\x86" "ДА", "йда");
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_norm(void **state)
{
    (void)state;
    check_norm("", "");
    check_norm("Hello", "hello");
    check_norm("NATO's", "nato's");
    check_norm("ÉCOLE", "école");
    check_norm("E\xCC\x81" "COLE", "école");                /* decomposed É */
    check_norm("Straße", "strasse");
    check_norm("ПРИВЕТ", "привет");
    check_norm("don\xE2\x80\x99t", "don't");                 /* U+2019 -> ' */
    check_norm("ΣΟΦΙΑ", "σοφια");
    check_norm("İstanbul", "i\xCC\x87stanbul");            /* full case folding */
    check_norm("\xEF\xAC\x81", "fi");                        /* ﬁ ligature: casefold */
    check_norm("soft\xC2\xADhyphen", "softhyphen");          /* SHY dropped */
    check_norm("ab\xE2\x80\x8D" "cd", "abcd");               /* ZWJ in a word dropped */
    check_norm("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB",  /* 👨‍💻 keeps its ZWJ */
               "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB");
    check_norm("\xEA\xB0\x80", "\xEA\xB0\x80");              /* Hangul 가 */
    check_norm("\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80");  /* jamo compose to 가 */

    /* truncation never splits a code point */
    char out[16];
    assert_int_equal(us_tok_norm("Hello", 5, out, 3), 3);
    assert_memory_equal(out, "hel", 3);
    assert_int_equal(us_tok_norm("привет", 12, out, 5), 4);
    assert_memory_equal(out, "пр", 4);
    assert_int_equal(us_tok_norm("привет", 12, out, 0), 0);
    assert_int_equal(us_tok_norm("ab\xF0\x9F\x98\x80", 6, out, 5), 2);
    assert_int_equal(us_tok_norm("Straße", 7, out, 5), 5);  /* "stras" */
    assert_memory_equal(out, "stras", 5);
}

/* Compares us_tok_norm with utf8proc_map on random strings built from a
 * palette of tricky code points (property test; fixed seed). */
static void test_norm_random(void **state)
{
    (void)state;
    static const int32_t pal[] = {'a', 'E', 'z', '1', '-', 0xE9, 0xC9, 0x301, 0x300, 0x323,
                                  0x302, 0x416, 0x418, 0x306, 0xDF, 0x3A3, 0x3C2, 0x345,
                                  0x1F00, 0x1100, 0x1161, 0x11A8, 0xAC00, 0x130, 0x1E9E,
                                  0x105, 0x142, 0x17C, 0x1F600, 0x2764, 0xFE0F, 0x5D0};
    uint64_t seed = 42;
    for (int iter = 0; iter < 3000; iter++) {
        char in[256];
        size_t n = 0;
        int len = 1 + (int)(us_splitmix64(&seed) % 40);
        for (int k = 0; k < len; k++)
            n += us_utf8_encode(pal[us_splitmix64(&seed) % US_ARRAY_LEN(pal)], in + n);
        utf8proc_uint8_t *ref = NULL;
        utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)n,
                                           &ref, UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                                                     UTF8PROC_STABLE);
        assert_true(rn >= 0);
        char out[1024];
        size_t m = us_tok_norm(in, n, out, sizeof out);
        if ((size_t)rn != m || memcmp(out, ref, m) != 0) {
            printf("norm mismatch on iteration %d\n", iter);
            fail();
        }
        free(ref);
    }
}

static void test_tok_bom_nul_invisible(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* BOM (3 B, 1 cp) is not a token: "Hello" starts at byte 3, cp 1 */
    TOK("\xEF\xBB\xBFHello world");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 0, 3, 8, 1, 6, US_TOK_WORD);
    check_tok(&t, 1, 9, 14, 7, 12, US_TOK_WORD);
    assert_int_equal(t.lines[0].start_cp, 0);
    assert_int_equal(t.lines[0].end_cp, 12);
    /* NUL separates: ab [0,2) cd [3,5) */
    TOK("ab\0cd");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 0, 0, 2, 0, 2, US_TOK_WORD);
    check_tok(&t, 1, 3, 5, 3, 5, US_TOK_WORD);
    /* zero-width space (3 B) separates: foo [0,3) bar [6,9) cp [4,7) */
    TOK("foo\xE2\x80\x8B" "bar");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 1, 6, 9, 4, 7, US_TOK_WORD);
    /* RLM abc " " LRM def: abc [3,6) cp [1,4); def [10,13) cp [6,9) */
    TOK("\xE2\x80\x8F" "abc \xE2\x80\x8E" "def");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 0, 3, 6, 1, 4, US_TOK_WORD);
    check_tok(&t, 1, 10, 13, 6, 9, US_TOK_WORD);
    /* ZWJ inside a word is kept in it; at the word's end it is not */
    TOK("ab\xE2\x80\x8D" "cd ef\xE2\x80\x8C ");
    assert_int_equal(t.n_toks, 2);
    check_tok(&t, 0, 0, 7, 0, 5, US_TOK_WORD);
    check_tok(&t, 1, 8, 10, 6, 8, US_TOK_WORD);
    /* only invisible characters: no tokens, one line */
    TOK("\xEF\xBB\xBF\xE2\x80\x8B\xE2\x80\x8F");
    assert_int_equal(t.n_toks, 0);
    assert_int_equal(t.n_lines, 1);
    assert_int_equal(t.lines[0].end_cp, 3);
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_tok_words(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* don't [0,5) l’homme [6,15) cp [6,13) high-ranking [16,28) cp [14,26) */
    TOK("don't l\xE2\x80\x99homme high-ranking");
    assert_int_equal(t.n_toks, 3);
    check_tok(&t, 0, 0, 5, 0, 5, US_TOK_WORD);
    check_tok(&t, 1, 6, 15, 6, 13, US_TOK_WORD);
    check_tok(&t, 2, 16, 28, 14, 26, US_TOK_WORD);
    /* apostrophes and hyphens not between two letters stand alone */
    TOK("'quoted' -x y- COVID-19 rock'n'roll");
    const char *want[] = {"'", "quoted", "'", "-", "x", "y", "-", "COVID", "-", "19",
                          "rock'n'roll"};
    assert_int_equal(t.n_toks, US_ARRAY_LEN(want));
    for (size_t i = 0; i < US_ARRAY_LEN(want); i++) check_text(&t, i, want[i]);
    /* numbers */
    TOK("2,000 and 3.5 but 1,a 3. 1.000.000 v1.2 3rd");
    const char *w2[] = {"2,000", "and", "3.5", "but", "1", ",", "a", "3", ".", "1.000.000",
                        "v1.2", "3rd"};
    const int k2[] = {US_TOK_NUM, US_TOK_WORD, US_TOK_NUM, US_TOK_WORD, US_TOK_NUM,
                      US_TOK_PUNCT, US_TOK_WORD, US_TOK_NUM, US_TOK_PUNCT, US_TOK_NUM,
                      US_TOK_WORD, US_TOK_WORD};
    assert_int_equal(t.n_toks, US_ARRAY_LEN(w2));
    for (size_t i = 0; i < US_ARRAY_LEN(w2); i++) {
        check_text(&t, i, w2[i]);
        assert_int_equal(t.toks[i].kind, k2[i]);
    }
    /* punctuation runs */
    TOK("Wow!!! Really?! Wait... Hm\xE2\x80\xA6 --");
    const char *w3[] = {"Wow", "!!!", "Really", "?", "!", "Wait", "...", "Hm", "\xE2\x80\xA6",
                        "--"};
    assert_int_equal(t.n_toks, US_ARRAY_LEN(w3));
    for (size_t i = 0; i < US_ARRAY_LEN(w3); i++) check_text(&t, i, w3[i]);
    check_tok(&t, 1, 3, 6, 3, 6, US_TOK_PUNCT);
    assert_int_equal(t.toks[9].kind, US_TOK_PUNCT);
    /* symbols */
    TOK("5 € + $");
    assert_int_equal(t.n_toks, 4);
    check_tok(&t, 1, 2, 5, 2, 3, US_TOK_SYMBOL);
    check_tok(&t, 2, 6, 7, 4, 5, US_TOK_SYMBOL);
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_tok_flags(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    TOK("NATO Trojan iPhone A x");
    assert_int_equal(t.n_toks, 5);
    assert_int_equal(t.toks[0].flags, US_TF_UPPER1 | US_TF_ALLCAPS | US_TF_SENT_START);
    assert_int_equal(t.toks[1].flags, US_TF_UPPER1);
    assert_int_equal(t.toks[2].flags, 0);
    assert_int_equal(t.toks[3].flags, US_TF_UPPER1);     /* one letter is not ALLCAPS */
    assert_int_equal(t.toks[4].flags, 0);
    /* quotes: the marks themselves are outside, the words inside */
    TOK("a \"b c\" d «e» „f“ “g” h");
    const char *w[] = {"a", "\"", "b", "c", "\"", "d", "«", "e", "»", "„", "f", "“", "“", "g",
                       "”", "h"};
    assert_int_equal(t.n_toks, US_ARRAY_LEN(w));
    for (size_t i = 0; i < US_ARRAY_LEN(w); i++) {
        check_text(&t, i, w[i]);
        int inside = i == 2 || i == 3 || i == 7 || i == 10 || i == 13;
        assert_int_equal((t.toks[i].flags & US_TF_IN_QUOTE) != 0, inside);
    }
    /* an unclosed quote does not leak into the next line */
    TOK("\"open\nnext");
    assert_true(t.toks[1].flags & US_TF_IN_QUOTE);
    assert_false(t.toks[2].flags & US_TF_IN_QUOTE);
    check_invariants(&t);
    us_text_fini(&t);
}

/* ---- lines and sentences -------------------------------------------------- */

static void check_line(const us_text *t, size_t i, uint32_t sb, uint32_t eb, uint32_t sc,
                       uint32_t ec, uint32_t tb, uint32_t te)
{
    assert_true(i < t->n_lines);
    const us_range *r = &t->lines[i];
    assert_int_equal(r->start_byte, sb);
    assert_int_equal(r->end_byte, eb);
    assert_int_equal(r->start_cp, sc);
    assert_int_equal(r->end_cp, ec);
    assert_int_equal(r->tok_begin, tb);
    assert_int_equal(r->tok_end, te);
}

static void test_lines(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    TOK("");
    assert_int_equal(t.n_lines, 0);
    assert_int_equal(t.n_toks, 0);
    assert_int_equal(t.n_sents, 0);
    TOK("a\n");                                      /* no phantom line after the '\n' */
    assert_int_equal(t.n_lines, 1);
    check_line(&t, 0, 0, 1, 0, 1, 0, 1);
    TOK("\n");
    assert_int_equal(t.n_lines, 1);
    check_line(&t, 0, 0, 0, 0, 0, 0, 0);
    /* CRLF: '\r' is not part of the line; the empty line is counted */
    TOK("one\r\ntwo\r\n\r\nthree");
    assert_int_equal(t.n_lines, 4);
    check_line(&t, 0, 0, 3, 0, 3, 0, 1);
    check_line(&t, 1, 5, 8, 5, 8, 1, 2);
    check_line(&t, 2, 10, 10, 10, 10, 2, 2);
    check_line(&t, 3, 12, 17, 12, 17, 2, 3);
    assert_int_equal(t.n_sents, 3);
    /* Cyrillic lines: cp and byte offsets diverge */
    TOK("да\nнет");                                  /* да = 4 B; нет at byte 5, cp 3 */
    check_line(&t, 1, 5, 11, 3, 6, 1, 2);
    check_tok(&t, 1, 5, 11, 3, 6, US_TOK_WORD);
    /* a lone '\r' (not before '\n') is a space, and stays in the line */
    TOK("a\rb");
    assert_int_equal(t.n_lines, 1);
    assert_int_equal(t.n_toks, 2);
    check_line(&t, 0, 0, 3, 0, 3, 0, 2);
    check_invariants(&t);
    us_text_fini(&t);
}

static void test_many_empty_lines(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    char *s = malloc(1001);
    assert_non_null(s);
    memset(s, '\n', 1000);
    s[1000] = 'x';
    tok_ok(&t, s, 1000);
    assert_int_equal(t.n_lines, 1000);
    assert_int_equal(t.n_toks, 0);
    assert_int_equal(t.n_sents, 0);
    for (size_t i = 0; i < 1000; i++) check_line(&t, i, i, i, i, i, 0, 0);
    tok_ok(&t, s, 1001);                            /* the same, then a final "x" */
    assert_int_equal(t.n_lines, 1001);
    check_line(&t, 1000, 1000, 1001, 1000, 1001, 0, 1);
    assert_int_equal(t.n_sents, 1);
    check_invariants(&t);
    free(s);
    us_text_fini(&t);
}

/* Tokens [b, e) of sentence i. */
static void check_sent(const us_text *t, size_t i, uint32_t b, uint32_t e)
{
    assert_true(i < t->n_sents);
    assert_int_equal(t->sents[i].tok_begin, b);
    assert_int_equal(t->sents[i].tok_end, e);
    assert_int_equal(t->sents[i].start_byte, t->toks[b].start_byte);
    assert_int_equal(t->sents[i].end_byte, t->toks[e - 1].end_byte);
}

static void test_sentences(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    /* 0 Mr 1 . 2 Smith 3 went 4 to 5 Washington 6 . | 7 He 8 arrived 9 at 10 5 11 p
     * 12 . 13 m 14 . 15 yesterday 16 . | 17 Dr 18 . 19 Who 20 ? | 21 Yes 22 ! */
    TOK("Mr. Smith went to Washington. He arrived at 5 p.m. yesterday. Dr. Who? Yes!");
    assert_int_equal(t.n_toks, 23);
    assert_int_equal(t.n_sents, 4);
    check_sent(&t, 0, 0, 7);
    check_sent(&t, 1, 7, 17);
    check_sent(&t, 2, 17, 21);
    check_sent(&t, 3, 21, 23);
    assert_int_equal(t.sents[0].start_byte, 0);
    assert_int_equal(t.sents[0].end_byte, 29);
    assert_true(t.toks[7].flags & US_TF_SENT_START);
    assert_false(t.toks[2].flags & US_TF_SENT_START);
    /* closing quote stays with its sentence; initials do not end one */
    TOK("He said \"Stop.\" Then J. K. Rowling left.");
    /* He said " Stop . " | Then J . K . Rowling left . */
    assert_int_equal(t.n_sents, 2);
    check_sent(&t, 0, 0, 6);
    check_sent(&t, 1, 6, 14);
    /* no split without a space, before lower case, or inside a line's end */
    TOK("See e.g. the U.S. Army. it goes on.Next");
    assert_int_equal(t.n_sents, 1);
    /* a digit or a quote after the space starts a sentence; lines never join */
    TOK("It rose. 2020 was bad! \xC2\xABNon\xC2\xBB, dit-il\nNo dot here\nОн ушёл. Она нет.");
    assert_int_equal(t.n_sents, 6);
    assert_int_equal(t.lines[1].tok_begin, t.sents[3].tok_begin);
    /* German date ordinals: "am 3. Oktober" is one sentence; Polish "ul." too */
    TOK("Es war am 3. Oktober. Er ging zur ul. Długa.");
    assert_int_equal(t.n_sents, 2);
    check_invariants(&t);
    us_text_fini(&t);
}

/* ---- robustness ----------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "Hello", " ", "\n", "\r\n", "Привет", "ąęłż", "\xF0\x9F\x98\x80", "e\xCC\x81",
        "\xE2\x80\x8D", "\xE2\x80\x8B", "\xEF\xBB\xBF", ".", "!!", "2,000", "3.5", "'", "-",
        "\"", "\xC2\xAB", "\xC2\xBB", "Mr.", "\xE2\x80\x99", "\xE2\x80\xA6", "X", "\t",
        "\xF0\x9F\x87\xB5", "\xEF\xB8\x8F", "\xD7\x90", "\xE4\xB8\xAD", "\xC2\xAD", "A.", "? "};
    uint64_t seed = 7;
    us_text t;
    us_text_init(&t);
    char buf[4096];
    for (int iter = 0; iter < 500; iter++) {
        size_t n = 0;
        int k = (int)(us_splitmix64(&seed) % 200);
        for (int i = 0; i < k; i++) {
            const char *p = pieces[us_splitmix64(&seed) % US_ARRAY_LEN(pieces)];
            size_t pl = strlen(p);
            if (n + pl > sizeof buf) break;
            memcpy(buf + n, p, pl);
            n += pl;
        }
        tok_ok(&t, buf, n);
        check_invariants(&t);
        /* the explicit property: cp -> byte of every token start */
        for (size_t i = 0; i < t.n_toks; i++)
            assert_int_equal(us_utf8_cp_to_byte(buf, n, t.toks[i].start_cp),
                             t.toks[i].start_byte);
    }
    us_text_fini(&t);
}

static void test_limits_and_oom(void **state)
{
    (void)state;
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    /* over the limit: refused before any byte is read */
    assert_int_equal(us_text_tokenize(&t, "x", (size_t)US_TEXT_MAX_BYTES + 1, &err), US_ETOOBIG);
    assert_int_equal(err.code, US_ETOOBIG);
    /* out of memory is reported and leaves a usable, empty result */
    us_alloc_fail_after(1);
    assert_int_equal(us_text_tokenize(&t, "a b c", 5, &err), US_ENOMEM);
    us_alloc_fail_after(0);
    assert_int_equal(t.n_toks, 0);
    TOK("a b c");
    assert_int_equal(t.n_toks, 3);
    /* arrays are reused: a smaller text does not reallocate */
    long before = us_alloc_count();
    TOK("d e");
    assert_int_equal(us_alloc_count(), before);
    /* invalid UTF-8 must not crash the tokenizer (callers should validate) */
    TOK("ab\xC3 \xE2\x82\n\xF0\x9F\x98");
    assert_int_equal(t.n_lines, 2);
    us_text_fini(&t);
    us_text_fini(&t);                               /* fini twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validate),
        cmocka_unit_test(test_utf8_repair),
        cmocka_unit_test(test_utf8_codec),
        cmocka_unit_test(test_utf8_offsets),
        cmocka_unit_test(test_tok_cyrillic),
        cmocka_unit_test(test_tok_polish),
        cmocka_unit_test(test_tok_emoji),
        cmocka_unit_test(test_tok_combining),
        cmocka_unit_test(test_norm),
        cmocka_unit_test(test_norm_random),
        cmocka_unit_test(test_tok_bom_nul_invisible),
        cmocka_unit_test(test_tok_words),
        cmocka_unit_test(test_tok_flags),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_many_empty_lines),
        cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_limits_and_oom),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
