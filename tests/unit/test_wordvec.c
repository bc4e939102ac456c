/* test_wordvec.c -- the fast scoring paths give the same answers as the plain
 * ones: the token cache yields the same feature vectors as the uncached
 * path, and per-word vectors of linear character n-grams (wordvec.h) give
 * the same logits as scoring those n-grams as sparse features. The models
 * here are synthetic (random weights), so no training data is needed. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/model.h"
#include "task/units.h"
#include "text/text.h"

static const char *TEXT =
    "The so-called \"plan\" is a disgrace! They lie to us again and again, and again.\n"
    "\n"
    "Весь этот так называемый «план» — позор для страны! Они лгут нам снова и снова.\n"
    "Zażółć gęślą jaźń: rząd znowu kłamie, a ludzie płacą za ich błędy. Dość tego!\n"
    "Café society and the naïve voters of Zoë’s town cheered while the cost doubled; "
    "internationalisation-of-everything-at-once 12,500 times over, over and over.\n";

/* The file of a model with random weights and features fc, every threshold
 * 0.5 but the frames' (frame_thr). The techniques head has 2^-tech_shift as
 * many rows as buckets (feature f in row f >> tech_shift); with 'expand' it
 * is stored with one row a bucket instead, row f holding what row
 * f >> tech_shift holds in the smaller head: the same model written out in
 * full. OUT: *mem (malloc'd), *len. */
static void random_model_file_rows(const us_feat_cfg *fc, float frame_thr, uint32_t tech_shift,
                                   int expand, void **mem, size_t *len)
{
    static us_head_build heads[US_N_TASKS];
    static const uint32_t L[US_N_TASKS] = {US_N_GENRE_LABELS, US_N_FRAME_LABELS,
                                           US_N_TECH_LABELS};
    us_err err = {0};
    uint64_t st = 12345;
    for (int t = 0; t < US_N_TASKS; t++) {
        uint32_t sh = t == US_TASK_TECHNIQUES ? tech_shift : 0;
        size_t rows = (size_t)1 << (fc->bucket_bits - sh);
        size_t nw = rows * L[t];
        float *w = malloc(nw * sizeof *w);
        assert_non_null(w);
        for (size_t i = 0; i < nw; i++)
            w[i] = (float)((int64_t)(us_splitmix64(&st) >> 40) - (1 << 23)) / (1 << 22);
        memset(&heads[t], 0, sizeof heads[t]);
        heads[t].present = 1;
        heads[t].softmax = t == US_TASK_GENRE;
        uint32_t stored = expand ? 0 : sh;
        assert_int_equal(us_linear_init(&heads[t].lin, 1u << (fc->bucket_bits - stored), L[t], &err),
                         US_OK);
        for (size_t f = 0; f < ((size_t)1 << (fc->bucket_bits - stored)); f++)
            memcpy(heads[t].lin.w + f * L[t], w + (f >> (sh - stored)) * L[t], L[t] * sizeof *w);
        free(w);
        for (uint32_t l = 0; l < L[t]; l++) heads[t].lin.b[l] = -0.5f;
        for (int r = 0; r < US_THR_ROWS; r++)
            for (uint32_t l = 0; l < L[t]; l++)
                heads[t].thr[r][l] = t == US_TASK_FRAMING ? frame_thr : 0.5f;
    }
    us_mfw *w = NULL;
    assert_int_equal(us_model_build(fc, heads, NULL, NULL, 0, "test=1", &w, &err), US_OK);
    assert_int_equal(us_mfw_to_memory(w, 0, mem, len, &err), US_OK);
    us_mfw_free(w);
    for (int t = 0; t < US_N_TASKS; t++) us_linear_fini(&heads[t].lin);
}

static void random_model_file(const us_feat_cfg *fc, float frame_thr, void **mem, size_t *len)
{
    random_model_file_rows(fc, frame_thr, 0, 0, mem, len);
}

/* A loaded random model (random_model_file_rows): bits 12, the given
 * char_linear, ctx_blocks and techniques head rows. OUT: *mem (the file, kept
 * alive while the model is used). */
static us_model *random_model_rows(uint32_t char_linear, uint32_t ctx_blocks, float frame_thr,
                                   uint32_t tech_shift, int expand, void **mem)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    fc.bucket_bits = 12;
    fc.char_linear = char_linear;
    fc.ctx_blocks = ctx_blocks;
    size_t len = 0;
    random_model_file_rows(&fc, frame_thr, tech_shift, expand, mem, &len);
    us_err err = {0};
    us_model *m = us_model_load_memory(*mem, len, &err);
    assert_non_null(m);
    assert_int_equal(m->fcfg.ctx_blocks, ctx_blocks);   /* FCFG version 6 round trip */
    uint32_t sh = expand ? 0 : tech_shift;
    assert_int_equal(m->heads[US_TASK_TECHNIQUES].q.shift, sh);
    assert_int_equal(m->heads[US_TASK_TECHNIQUES].q.n_buckets, 1u << (12 - sh));
    assert_int_equal(m->heads[US_TASK_GENRE].q.shift, 0);
    return m;
}

static us_model *random_model(uint32_t char_linear, uint32_t ctx_blocks, float frame_thr,
                              void **mem)
{
    return random_model_rows(char_linear, ctx_blocks, frame_thr, 0, 0, mem);
}

/* Logits of a unit scored the plain way: every feature sparse, no cache. */
static void plain_probs(const us_model *m, const us_text *t, int task, uint32_t line,
                        uint32_t ordinal, float *z)
{
    us_fz fz;
    us_fvec x;
    us_fz_init(&fz, &m->fcfg);
    us_fvec_init(&x);
    fz.explain = 1;   /* the named path never uses the token cache */
    int rc = task == US_TASK_TECHNIQUES ? us_unit_paragraph(&fz, t, 0, line, ordinal, &x)
                                        : us_unit_article(&fz, t, 0, &x);
    assert_int_equal(rc, US_OK);
    us_qlinear_score(&m->heads[task].q, &x, z);
    us_probs(z, m->heads[task].q.n_labels, m->heads[task].softmax);
    us_fvec_fini(&x);
    us_fz_fini(&fz);
}

/* With ctx_blocks, analysis adds each neighbour's block score, computed once
 * per line, where the plain path scores the paragraph's whole vector. */
static void check_against_plain_rows(uint32_t char_linear, uint32_t ctx_blocks,
                                     uint32_t tech_shift)
{
    void *mem = NULL;
    us_model *m = random_model_rows(char_linear, ctx_blocks, 0.5f, tech_shift, 0, &mem);
    us_err err = {0};
    us_text t;
    us_text_init(&t);
    assert_int_equal(us_text_tokenize(&t, TEXT, strlen(TEXT), &err), US_OK);
    us_analyze_opts o = {"en", 0, US_DO_GENRE | US_DO_FRAMES | US_DO_TECHNIQUES};
    /* Twice: the second run finds every word in the caches. */
    for (int pass = 0; pass < 2; pass++) {
        us_analysis *a = NULL;
        assert_int_equal(us_analyze(m, TEXT, strlen(TEXT), &o, &a, &err), US_OK);
        float z[US_MAX_LABELS];
        plain_probs(m, &t, US_TASK_GENRE, 0, 0, z);
        for (int l = 0; l < US_N_GENRE_LABELS; l++)
            assert_true(fabsf(z[l] - a->genre_prob[l]) < 1e-5f);
        plain_probs(m, &t, US_TASK_FRAMING, 0, 0, z);
        for (int l = 0; l < US_N_FRAME_LABELS; l++)
            assert_true(fabsf(z[l] - a->frame_prob[l]) < 1e-5f);
        assert_true(a->n_paras >= 4);
        for (size_t i = 0; i < a->n_paras; i++) {
            plain_probs(m, &t, US_TASK_TECHNIQUES, a->paras[i].line - 1, (uint32_t)i, z);
            for (int k = 0; k < US_N_TECH_LABELS; k++)
                assert_true(fabsf(z[k] - a->paras[i].prob[k]) < 1e-5f);
        }
        /* Explain mode names the cues but decides exactly as without it. */
        us_analyze_opts oe = o;
        oe.explain = 1;
        us_analysis *b = NULL;
        assert_int_equal(us_analyze(m, TEXT, strlen(TEXT), &oe, &b, &err), US_OK);
        assert_int_equal(a->genre, b->genre);
        assert_int_equal(a->frames, b->frames);
        assert_memory_equal(a->frame_prob, b->frame_prob, sizeof a->frame_prob);
        for (size_t i = 0; i < a->n_paras; i++) {
            assert_int_equal(a->paras[i].techniques, b->paras[i].techniques);
            assert_memory_equal(a->paras[i].prob, b->paras[i].prob, sizeof a->paras[i].prob);
        }
        us_analysis_free(b);
        us_analysis_free(a);
    }
    us_text_fini(&t);
    us_model_free(m);
    free(mem);
}

static void check_against_plain(uint32_t char_linear, uint32_t ctx_blocks)
{
    check_against_plain_rows(char_linear, ctx_blocks, 0);
}

static void test_log_model_matches_plain(void **state)
{
    (void)state;
    check_against_plain(0, 0);
    check_against_plain(0, 1);
}

static void test_linear_model_matches_plain(void **state)
{
    (void)state;
    check_against_plain(US_CHAR_LINEAR_ALL, 0);
    check_against_plain(US_CHAR_LINEAR_PARAS, 0);
    check_against_plain(US_CHAR_LINEAR_PARAS, 1);
}

/* A techniques head with fewer rows than buckets: the fast paths (per-word
 * vectors, context blocks) agree with plain scoring, and the model gives
 * exactly the answers of the same weights written out one row a bucket. */
static void test_head_rows_shared(void **state)
{
    (void)state;
    check_against_plain_rows(US_CHAR_LINEAR_PARAS, 1, 1);
    check_against_plain_rows(0, 0, 2);
    us_analyze_opts o = {"en", 1, 0};   /* explain, every task */
    us_err err = {0};
    for (uint32_t sh = 1; sh <= 2; sh++) {
        void *mem_s = NULL, *mem_f = NULL;
        us_model *ms = random_model_rows(US_CHAR_LINEAR_PARAS, 1, 0.5f, sh, 0, &mem_s);
        us_model *mf = random_model_rows(US_CHAR_LINEAR_PARAS, 1, 0.5f, sh, 1, &mem_f);
        us_analysis *a = NULL, *b = NULL;
        assert_int_equal(us_analyze(ms, TEXT, strlen(TEXT), &o, &a, &err), US_OK);
        assert_int_equal(us_analyze(mf, TEXT, strlen(TEXT), &o, &b, &err), US_OK);
        assert_int_equal(a->n_paras, b->n_paras);
        int any = 0;
        for (size_t i = 0; i < a->n_paras; i++) {
            assert_memory_equal(a->paras[i].prob, b->paras[i].prob, sizeof a->paras[i].prob);
            assert_int_equal(a->paras[i].techniques, b->paras[i].techniques);
            any |= a->paras[i].techniques != 0;
            if (a->paras[i].cues && b->paras[i].cues)   /* explanations read the rows too */
                for (int k = 0; k < US_N_TECH_LABELS * US_TOP_CUES; k++)
                    assert_true(a->paras[i].cues[k].weight == b->paras[i].cues[k].weight);
        }
        assert_true(any);
        us_analysis_free(a);
        us_analysis_free(b);
        us_model_free(ms);
        us_model_free(mf);
        free(mem_s);
        free(mem_f);
    }
    /* Rows that are not 2^(bits - s), or fewer than 2^10: refused. */
    static const uint32_t bad_rows[] = {3000, 1u << 13, 1u << 9};
    for (size_t i = 0; i < US_ARRAY_LEN(bad_rows); i++) {
        us_feat_cfg fc;
        us_feat_cfg_default(&fc);
        fc.bucket_bits = 12;
        us_head_build h[US_N_TASKS];
        memset(h, 0, sizeof h);
        h[US_TASK_TECHNIQUES].present = 1;
        assert_int_equal(us_linear_init(&h[US_TASK_TECHNIQUES].lin, bad_rows[i], US_N_TECH_LABELS,
                                        &err), US_OK);
        us_mfw *w = NULL;
        void *mem = NULL;
        size_t len = 0;
        assert_int_equal(us_model_build(&fc, h, NULL, NULL, 0, "test=1", &w, &err), US_OK);
        assert_int_equal(us_mfw_to_memory(w, 0, &mem, &len, &err), US_OK);
        us_mfw_free(w);
        us_linear_fini(&h[US_TASK_TECHNIQUES].lin);
        assert_null(us_model_load_memory(mem, len, &err));
        assert_int_equal(err.code, US_EFORMAT);
        assert_non_null(strstr(err.msg, "section TECH is malformed"));
        free(mem);
    }
}

/* The loader refuses context-block settings it cannot run. */
static void test_ctx_blocks_checked(void **state)
{
    (void)state;
    struct { uint32_t blocks; float w_ctx; } bad[] = {{2, 0.4f}, {1, 0.0f}, {1, -1.0f},
                                                       {1, NAN}, {1, 5.0f}};
    for (size_t i = 0; i < US_ARRAY_LEN(bad); i++) {
        us_feat_cfg fc;
        us_feat_cfg_default(&fc);
        fc.bucket_bits = 10;
        fc.ctx_blocks = bad[i].blocks;
        fc.w_ctx = bad[i].w_ctx;
        void *mem = NULL;
        size_t len = 0;
        random_model_file(&fc, 0.5f, &mem, &len);
        us_err err = {0};
        assert_null(us_model_load_memory(mem, len, &err));
        assert_int_equal(err.code, US_EFORMAT);
        assert_non_null(strstr(err.msg, "invalid feature configuration"));
        free(mem);
    }
    /* A version-6 FCFG without its last word. */
    unsigned char cfg[56] = {0};
    us_put_u32le(cfg, US_FEAT_VERSION_CTX);
    us_mfw *w = us_mfw_new();
    us_err err = {0};
    assert_non_null(w);
    assert_int_equal(us_mfw_add(w, "META", "test=1\n", 7, &err), US_OK);
    assert_int_equal(us_mfw_add(w, "FCFG", cfg, sizeof cfg, &err), US_OK);
    void *mem = NULL;
    size_t len = 0;
    assert_int_equal(us_mfw_to_memory(w, 0, &mem, &len, &err), US_OK);
    us_mfw_free(w);
    assert_null(us_model_load_memory(mem, len, &err));
    assert_int_equal(err.code, US_EFORMAT);
    assert_non_null(strstr(err.msg, "short FCFG section"));
    free(mem);
}

/* One text featurised twice: with the token cache, and named (explain mode,
 * which never uses it). */
typedef struct fz_pair {
    us_text t;
    us_fz cached, named;
    us_fvec a, b;
} fz_pair;

static void pair_init(fz_pair *p, const us_feat_cfg *fc, const char *txt)
{
    us_err err = {0};
    us_text_init(&p->t);
    assert_int_equal(us_text_tokenize(&p->t, txt, strlen(txt), &err), US_OK);
    us_fz_init(&p->cached, fc);
    us_fz_init(&p->named, fc);
    p->named.explain = 1;
    us_fvec_init(&p->a);
    us_fvec_init(&p->b);
}

/* Both featurise the article (a, b), bit for bit alike. */
static void pair_article(fz_pair *p, int lang)
{
    assert_int_equal(us_unit_article(&p->cached, &p->t, lang, &p->a), US_OK);
    assert_int_equal(us_unit_article(&p->named, &p->t, lang, &p->b), US_OK);
    assert_int_equal(p->a.n, p->b.n);
    assert_memory_equal(p->a.f, p->b.f, p->a.n * sizeof *p->a.f);
}

static void pair_fini(fz_pair *p)
{
    us_fvec_fini(&p->a);
    us_fvec_fini(&p->b);
    us_fz_fini(&p->cached);
    us_fz_fini(&p->named);
    us_text_fini(&p->t);
}

/* The token cache gives bit-identical vectors, hit or miss. */
static void test_token_cache_exact(void **state)
{
    (void)state;
    for (uint32_t lin = 0; lin <= 1; lin++) {
        us_feat_cfg fc;
        us_feat_cfg_default(&fc);
        fc.char_linear = lin;
        fz_pair p;
        pair_init(&p, &fc, TEXT);
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t l = 0; l < p.t.n_lines; l++) {
                if (!us_line_nonempty(&p.t, l)) continue;
                assert_int_equal(us_unit_paragraph(&p.cached, &p.t, 1, l, l, &p.a), US_OK);
                assert_int_equal(us_unit_paragraph(&p.named, &p.t, 1, l, l, &p.b), US_OK);
                assert_int_equal(p.a.n, p.b.n);
                assert_memory_equal(p.a.f, p.b.f, p.a.n * sizeof *p.a.f);
            }
        pair_article(&p, 1);
        pair_fini(&p);
    }
}

/* An article's words are counted, and each distinct word's features pushed
 * once with its count: the damped values are those of the counts, for cached
 * words and for words too long for the cache (30 bytes), named or not. */
static void test_article_counts_words(void **state)
{
    (void)state;
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    fz_pair p;
    pair_init(&p, &fc, "Plans plans PLANS rise.\n"
                       "Internationalisationsprogramme and internationalisationsprogramme.\n");
    pair_article(&p, 0);
    static const struct { const char *name; float count, w; } want[] = {
        {"w:plans", 3, 1.0f}, {"w:rise", 1, 1.0f}, {"c:<pl", 3, 0.35f}, {"c:ise>", 1, 0.35f},
        {"w:internationalisationsprogramme", 2, 1.0f}, {"c:<int", 2, 0.35f},
        {"b:plans plans", 2, 0.7f}};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        int found = 0;
        char name[96];
        for (uint32_t i = 0; i < p.b.n; i++) {
            us_fz_names_of(&p.named, p.b.f[i].idx, name, sizeof name);
            if (strcmp(name, want[k].name)) continue;
            found = 1;
            float raw = p.b.f[i].val / p.named.inv_norm;
            assert_true(fabsf(raw - log1pf(want[k].count * want[k].w)) < 1e-5f);
        }
        if (!found) fprintf(stderr, "missing feature %s\n", want[k].name);
        assert_true(found);
    }
    pair_fini(&p);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* FNV-1a of a vector's bucket ids, sorted (the values carry float rounding
 * that may differ between builds; which buckets a text fills does not). */
static uint64_t fvec_fingerprint(const us_fvec *v, uint64_t fnv)
{
    uint32_t *ids = malloc((v->n ? v->n : 1) * sizeof *ids);
    assert_non_null(ids);
    for (uint32_t i = 0; i < v->n; i++) ids[i] = v->f[i].idx;
    qsort(ids, v->n, sizeof *ids, cmp_u32);
    for (uint32_t i = 0; i < v->n; i++) fnv = us_test_fnv_u32(fnv, ids[i]);
    free(ids);
    return fnv;
}

/* The heads' weights are indexed by these bucket ids, so the shipped model is
 * only right while they stay what it was trained with: a hash of the buckets
 * of TEXT as an article and as each paragraph (with its context blocks), in
 * two languages, as the code that trained d9e30af1ff0b0292 computes them (and
 * the code before the article word counts of 2026-11-27, at b25234e, did). */
static void test_feature_definition_pinned(void **state)
{
    (void)state;
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    fz_pair p;
    pair_init(&p, &fc, TEXT);
    uint64_t fnv = US_TEST_FNV0;
    for (int lang = 0; lang < 2; lang++) {
        pair_article(&p, lang);
        fnv = fvec_fingerprint(&p.a, fnv);
        for (uint32_t l = 0; l < p.t.n_lines; l++) {
            if (!us_line_nonempty(&p.t, l)) continue;
            assert_int_equal(us_unit_paragraph(&p.cached, &p.t, lang, l, l, &p.a), US_OK);
            fnv = fvec_fingerprint(&p.a, fnv);
        }
    }
    pair_fini(&p);
    if (fnv != 0x8f76145d1b109d93ull)
        fail_msg("feature fingerprint %016llx: the features changed; retrain the model",
                 (unsigned long long)fnv);
}

/* Frames are decided by their thresholds, but never none at all: with
 * thresholds no probability reaches, the article gets its most probable
 * frame alone; with thresholds every probability passes, all fourteen. An
 * article without words still gets none. */
static void test_at_least_one_frame(void **state)
{
    (void)state;
    const float thr[2] = {2.0f, 0.0f};
    for (int v = 0; v < 2; v++) {
        void *mem = NULL;
        us_model *m = random_model(US_CHAR_LINEAR_PARAS, 0, thr[v], &mem);
        us_err err = {0};
        us_analyze_opts o = {"en", 0, US_DO_FRAMES};
        us_analysis *a = NULL;
        assert_int_equal(us_analyze(m, TEXT, strlen(TEXT), &o, &a, &err), US_OK);
        uint32_t best = 0;
        for (uint32_t l = 1; l < US_N_FRAME_LABELS; l++)
            if (a->frame_prob[l] > a->frame_prob[best]) best = l;
        assert_int_equal(a->frames, v == 0 ? 1u << best : (1u << US_N_FRAME_LABELS) - 1);
        us_analysis_free(a);
        assert_int_equal(us_analyze(m, " \n\n", 3, &o, &a, &err), US_OK);
        assert_int_equal(a->frames, 0);
        us_analysis_free(a);
        us_model_free(m);
        free(mem);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_cache_exact),
        cmocka_unit_test(test_article_counts_words),
        cmocka_unit_test(test_feature_definition_pinned),
        cmocka_unit_test(test_log_model_matches_plain),
        cmocka_unit_test(test_linear_model_matches_plain),
        cmocka_unit_test(test_at_least_one_frame),
        cmocka_unit_test(test_ctx_blocks_checked),
        cmocka_unit_test(test_head_rows_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
