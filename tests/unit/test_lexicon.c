/* test_lexicon.c -- the valence lexicon (src/feat/lexicon.c): parsing and its
 * errors, lookups by the token's word hash, the features it adds (the same
 * through the token cache as through the named path), and the model section
 * that carries it (LEXI, feature version 5). */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/model.h"
#include "task/units.h"
#include "text/text.h"

static const char *LEX =
    "# comment\r\n"
    "en\tdisgrace\t-2\r\n"
    "en\tcheered\t2\n"
    "en\tout of order\t-2\n"        /* several words: skipped */
    "en\tneutral\t0\n"              /* no valence: skipped */
    "fr\thonte\t-2\n"
    "ge\tdisgrace\t-3\n"            /* the same word twice: one valence kept */
    "\n";

static const char *TEXT = "The plan is a Disgrace!\nThey cheered and cheered.\nNothing here.\n";

/* Word hash of the only word of s, as the featurizer computes it. */
static uint64_t hash_of(const us_feat_cfg *fc, const char *s)
{
    us_fz fz;
    us_text t;
    us_err err = {0};
    us_fz_init(&fz, fc);
    us_text_init(&t);
    assert_int_equal(us_text_tokenize(&t, s, strlen(s), &err), US_OK);
    uint64_t h = us_fz_word_hash(&fz, &t, 0);
    us_text_fini(&t);
    us_fz_fini(&fz);
    return h;
}

/* LEX parsed for the default features (with w_lex as given). OUT: *keys. */
static uint32_t parse_lex(us_feat_cfg *fc, float w_lex, uint64_t **keys)
{
    us_feat_cfg_default(fc);
    fc->w_lex = w_lex;
    uint32_t n = 0;
    us_err err = {0};
    assert_int_equal(us_lex_parse(fc, LEX, strlen(LEX), "lex.tsv", keys, &n, &err), US_OK);
    return n;
}

static void test_parse_and_lookup(void **state)
{
    (void)state;
    us_feat_cfg fc;
    uint64_t *keys = NULL;
    uint32_t n = parse_lex(&fc, 0.0f, &keys);
    assert_int_equal(n, 3);   /* disgrace, cheered, honte */
    assert_int_equal(us_lex_check(keys, n), US_OK);
    assert_int_equal(us_lex_valence(keys, n, hash_of(&fc, "cheered")), 2);
    assert_int_equal(us_lex_valence(keys, n, hash_of(&fc, "HONTE")), -2);   /* case folded */
    int v = us_lex_valence(keys, n, hash_of(&fc, "disgrace"));
    assert_true(v == -2 || v == -3);
    assert_int_equal(us_lex_valence(keys, n, hash_of(&fc, "plan")), 0);
    assert_int_equal(us_lex_valence(keys, n, hash_of(&fc, "neutral")), 0);
    /* Keys depend on the seed: another seed finds nothing. */
    us_feat_cfg other = fc;
    other.seed = fc.seed + 1;
    assert_int_equal(us_lex_valence(keys, n, hash_of(&other, "cheered")), 0);
    /* Out of order or out of range: not a lexicon. */
    uint64_t swapped[2] = {keys[1], keys[0]};
    assert_int_equal(us_lex_check(swapped, 2), US_EFORMAT);
    uint64_t bad = (keys[0] & ~(uint64_t)15) | 12;
    assert_int_equal(us_lex_check(&bad, 1), US_EFORMAT);
    us_free(keys);
}

static void expect_error(const char *text, int code, const char *where)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    uint64_t *keys = (uint64_t *)1;
    uint32_t n = 7;
    us_err err = {0};
    assert_int_equal(us_lex_parse(&fc, text, strlen(text), "lex.tsv", &keys, &n, &err), code);
    assert_null(keys);
    assert_int_equal(n, 0);
    if (!strstr(err.msg, where)) fail_msg("message '%s' lacks '%s'", err.msg, where);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error("en\tgood\t2\nen\tbad\n", US_EFORMAT, "lex.tsv:2:");
    expect_error("# x\nen\tgood\t9\n", US_EFORMAT, "lex.tsv:2:");
    expect_error("en\tgood\t2x\n", US_EFORMAT, "lex.tsv:1:");
    expect_error("en\tgood\t\n", US_EFORMAT, "lex.tsv:1:");
    expect_error("en\tgo\xff" "od\t2\n", US_EUTF8, "lex.tsv:1:");
    expect_error("# only comments\n\n", US_EFORMAT, "no usable entries");
    expect_error("en\ttwo words\t2\n", US_EFORMAT, "no usable entries");
}

/* Lexicon words add a "valence" feature; the cached and the named paths agree
 * bit for bit, and the named one calls it lex:<v>. */
static void test_features(void **state)
{
    (void)state;
    us_feat_cfg fc;
    uint64_t *keys = NULL;
    uint32_t n = parse_lex(&fc, 1.0f, &keys);
    us_err err = {0};
    us_text t;
    us_text_init(&t);
    assert_int_equal(us_text_tokenize(&t, TEXT, strlen(TEXT), &err), US_OK);
    us_fz cached, named, plain;
    us_fz_init(&cached, &fc);
    us_fz_init(&named, &fc);
    us_fz_init(&plain, &fc);   /* no lexicon */
    cached.lex = named.lex = keys;
    cached.n_lex = named.n_lex = n;
    named.explain = 1;
    us_fvec a, b, c;
    us_fvec_init(&a);
    us_fvec_init(&b);
    us_fvec_init(&c);
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t l = 0; l < t.n_lines; l++) {
            if (!us_line_nonempty(&t, l)) continue;
            assert_int_equal(us_unit_paragraph(&cached, &t, 0, l, l, &a), US_OK);
            assert_int_equal(us_unit_paragraph(&named, &t, 0, l, l, &b), US_OK);
            assert_int_equal(us_unit_paragraph(&plain, &t, 0, l, l, &c), US_OK);
            assert_int_equal(a.n, b.n);
            assert_memory_equal(a.f, b.f, a.n * sizeof *a.f);
            /* Lines 1 and 2 hold a listed word: one more feature than without. */
            assert_int_equal(a.n, c.n + (l < 2 ? 1 : 0));
        }
    /* Line 2: "cheered" twice, valence +2. */
    assert_int_equal(us_unit_paragraph(&named, &t, 0, 1, 1, &b), US_OK);
    char name[64];
    int found = 0;
    for (uint32_t i = 0; i < b.n; i++) {
        us_fz_names_of(&named, b.f[i].idx, name, sizeof name);
        if (!strcmp(name, "lex:+2")) found = 1;
        assert_null(strstr(name, "lex:-"));
    }
    assert_true(found);
    us_fvec_fini(&a);
    us_fvec_fini(&b);
    us_fvec_fini(&c);
    us_fz_fini(&cached);
    us_fz_fini(&named);
    us_fz_fini(&plain);
    us_text_fini(&t);
    us_free(keys);
}

/* A model with random weights and the given lexicon (NULL: none), serialised
 * into *mem and loaded back. */
static us_model *lex_model(const uint64_t *keys, uint32_t n, void **mem, us_err *err)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    fc.bucket_bits = 12;
    fc.w_lex = keys ? 1.0f : 0.0f;
    static us_head_build heads[US_N_TASKS];
    static const uint32_t L[US_N_TASKS] = {US_N_GENRE_LABELS, US_N_FRAME_LABELS,
                                           US_N_TECH_LABELS};
    uint64_t st = 99;
    for (int t = 0; t < US_N_TASKS; t++) {
        memset(&heads[t], 0, sizeof heads[t]);
        heads[t].present = 1;
        heads[t].softmax = t == US_TASK_GENRE;
        assert_int_equal(us_linear_init(&heads[t].lin, 1u << fc.bucket_bits, L[t], err), US_OK);
        size_t nw = ((size_t)1 << fc.bucket_bits) * L[t];
        for (size_t i = 0; i < nw; i++)
            heads[t].lin.w[i] = (float)((int64_t)(us_splitmix64(&st) >> 40) - (1 << 23)) / (1 << 22);
        for (int r = 0; r < US_THR_ROWS; r++)
            for (uint32_t l = 0; l < L[t]; l++) heads[t].thr[r][l] = 0.5f;
    }
    us_mfw *w = NULL;
    assert_int_equal(us_model_build(&fc, heads, NULL, keys, n, "test=1", &w, err), US_OK);
    size_t len = 0;
    assert_int_equal(us_mfw_to_memory(w, 0, mem, &len, err), US_OK);
    us_mfw_free(w);
    for (int t = 0; t < US_N_TASKS; t++) us_linear_fini(&heads[t].lin);
    return us_model_load_memory(*mem, len, err);
}

static void test_model_section(void **state)
{
    (void)state;
    us_feat_cfg fc;
    uint64_t *keys = NULL;
    uint32_t n = parse_lex(&fc, 0.0f, &keys);
    us_err err = {0};
    void *mem = NULL, *mem0 = NULL;
    us_model *m = lex_model(keys, n, &mem, &err);
    us_model *m0 = lex_model(NULL, 0, &mem0, &err);
    assert_non_null(m);
    assert_non_null(m0);
    assert_int_equal(m->n_lex, n);
    assert_memory_equal(m->lex, keys, n * sizeof *keys);
    assert_true(m->fcfg.w_lex == 1.0f);
    assert_null(m0->lex);
    assert_true(m0->fcfg.w_lex == 0.0f);
    /* The lexicon reaches the analysis: the paragraph with "Disgrace" scores
     * differently with it, the one without a listed word identically. */
    us_analyze_opts o = {"en", 0, US_DO_TECHNIQUES};
    us_analysis *a = NULL, *a0 = NULL;
    assert_int_equal(us_analyze(m, TEXT, strlen(TEXT), &o, &a, &err), US_OK);
    assert_int_equal(us_analyze(m0, TEXT, strlen(TEXT), &o, &a0, &err), US_OK);
    assert_int_equal(a->n_paras, 3);
    assert_memory_not_equal(a->paras[0].prob_text, a0->paras[0].prob_text,
                            sizeof a->paras[0].prob_text);
    assert_memory_equal(a->paras[2].prob_text, a0->paras[2].prob_text,
                        sizeof a->paras[2].prob_text);
    us_analysis_free(a);
    us_analysis_free(a0);
    us_model_free(m);
    us_model_free(m0);
    free(mem);
    free(mem0);
    /* An unsorted lexicon is written as given, and refused at load. */
    uint64_t tmp = keys[0];
    keys[0] = keys[1];
    keys[1] = tmp;
    err.msg[0] = '\0';
    assert_null(lex_model(keys, n, &mem, &err));
    assert_non_null(strstr(err.msg, "LEXI"));
    free(mem);
    us_free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_lookup),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_model_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
