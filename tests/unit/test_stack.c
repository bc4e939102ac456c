/* test_stack.c -- the techniques head's second stage (task/stack.h): each
 * feature means what the header says, fitting learns article context from
 * synthetic data and is deterministic, and the STK1 section round-trips
 * through the model file (a malformed one is refused). */
#include "harness.h"
#include <math.h>
#include <stdlib.h>
#include "task/model.h"
#include "task/span.h"
#include "task/stack.h"
#include "feat/feat.h"
#include "text/text.h"

#define L US_N_TECH_LABELS
#define D US_STACK_D
#define ROW (L * sizeof(float))   /* packed rows */

static float sigm(double z) { return (float)(1.0 / (1.0 + exp(-z))); }

/* Weights that read only feature j of every technique (coefficient 1). */
static void only_feature(float *w, int j)
{
    memset(w, 0, (size_t)L * D * sizeof *w);
    for (int k = 0; k < L; k++) w[k * D + j] = 1.0f;
}

static void random_probs(float *P, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n * L; i++)
        P[i] = 0.02f + 0.96f * (float)(us_splitmix64(&seed) >> 40) / (float)(1u << 24);
}

static void test_features_mean_what_they_say(void **state)
{
    (void)state;
    enum { N = 5 };
    float P0[N * L], P[N * L], w[L * D];
    random_probs(P0, N, 7);
    /* 0: the paragraph's own probability (logit in, sigmoid out = identity) */
    only_feature(w, 0);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 0, P, N, ROW, NULL);
    for (size_t i = 0; i < N * L; i++) assert_true(fabsf(P[i] - P0[i]) < 1e-6f);
    /* 3 and 4: the neighbours' first-stage values, not the rewritten ones */
    for (int j = 3; j <= 4; j++) {
        only_feature(w, j);
        memcpy(P, P0, sizeof P);
        us_stack_apply(w, D, L, 2, P, N, ROW, NULL);
        for (size_t i = 0; i < N; i++)
            for (int k = 0; k < L; k++) {
                int nb = j == 3 ? (int)i - 1 : (int)i + 1;
                float want = sigm(nb < 0 || nb >= N ? 0.0 : P0[nb * L + k]);
                assert_true(fabsf(P[i * L + k] - want) < 1e-6f);
            }
    }
    /* 2: the maximum over the other paragraphs */
    only_feature(w, 2);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 1, P, N, ROW, NULL);
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < L; k++) {
            float mx = 0;
            for (size_t o = 0; o < N; o++)
                if (o != i && P0[o * L + k] > mx) mx = P0[o * L + k];
            assert_true(fabsf(P[i * L + k] - sigm(mx)) < 1e-6f);
        }
    /* 5: the sum over techniques; 8 + lang: the language; 20: the bias */
    only_feature(w, 5);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 0, P, N, ROW, NULL);
    double s0 = 0;
    for (int k = 0; k < L; k++) s0 += P0[k];
    assert_true(fabsf(P[0] - sigm(s0)) < 1e-5f);
    only_feature(w, 8 + 4);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 4, P, N, ROW, NULL);
    assert_true(fabsf(P[0] - sigm(1.0)) < 1e-6f);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 7, P, N, ROW, NULL);      /* es: no training data, 1/6 of each language */
    assert_true(fabsf(P[0] - sigm(1.0 / 6)) < 1e-6f);
    /* 20-22: the paragraph's repeat statistics (zeros without them); 23: the bias */
    float X[N * US_STACK_X];
    for (size_t i = 0; i < N * US_STACK_X; i++) X[i] = 0.1f * (float)(i + 1);
    for (int j = 20; j < 23; j++) {
        only_feature(w, j);
        memcpy(P, P0, sizeof P);
        us_stack_apply(w, D, L, 3, P, N, ROW, X);
        for (size_t i = 0; i < N; i++)
            assert_true(fabsf(P[i * L + 5] - sigm(X[i * US_STACK_X + (size_t)(j - 20)])) < 1e-6f);
        memcpy(P, P0, sizeof P);
        us_stack_apply(w, D, L, 3, P, N, ROW, NULL);
        assert_true(fabsf(P[0] - 0.5f) < 1e-6f);
    }
    only_feature(w, D - 1);
    memcpy(P, P0, sizeof P);
    us_stack_apply(w, D, L, 3, P, N, ROW, X);
    assert_true(fabsf(P[7] - sigm(1.0)) < 1e-6f);
    /* First-version weights (21 a technique): no repeat statistics, the bias at 20. */
    float w1[L * US_STACK_D_V1];
    memset(w1, 0, sizeof w1);
    for (int k = 0; k < L; k++) w1[k * US_STACK_D_V1 + 20] = 1.0f;
    memcpy(P, P0, sizeof P);
    us_stack_apply(w1, US_STACK_D_V1, L, 3, P, N, ROW, X);
    for (size_t i = 0; i < N * L; i++) assert_true(fabsf(P[i] - sigm(1.0)) < 1e-6f);
    /* A one-paragraph article has no others: features 2, 3, 4 and 6 are 0. */
    for (int j = 2; j <= 6; j += (j == 4 ? 2 : 1)) {
        only_feature(w, j);
        memcpy(P, P0, L * sizeof *P);
        us_stack_apply(w, D, L, 0, P, 1, ROW, NULL);
        assert_true(fabsf(P[0] - 0.5f) < 1e-6f);
    }
}

/* Synthetic articles: in "dense" ones technique 0 is in 80% of paragraphs,
 * elsewhere in 5%; the first stage sees each paragraph's label only weakly.
 * The article mean of the first stage tells dense from sparse, so the fitted
 * stage must beat the identity in log loss on fresh articles. */
static size_t synth(float *P, uint32_t *Y, int *lang, uint32_t *g, size_t n_art, uint64_t seed)
{
    size_t n = 0;
    for (uint32_t a = 0; a < n_art; a++) {
        int dense = (us_splitmix64(&seed) & 1) != 0;
        size_t np = 6 + us_splitmix64(&seed) % 6;
        for (size_t i = 0; i < np; i++, n++) {
            double u = (double)(us_splitmix64(&seed) >> 11) / 9007199254740992.0;
            int y = u < (dense ? 0.8 : 0.05);
            double noise = (double)(us_splitmix64(&seed) >> 11) / 9007199254740992.0 - 0.5;
            for (int k = 0; k < L; k++) P[n * L + k] = 0.05f;
            P[n * L] = sigm(-1.0 + 1.0 * y + 3.0 * noise);
            Y[n] = (uint32_t)y;
            lang[n] = (int)(a % US_STACK_LANGS);
            g[n] = a;
        }
    }
    return n;
}

static double log_loss(const float *P, const uint32_t *Y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s -= log(Y[i] & 1u ? P[i * L] : 1 - P[i * L]);
    return s / (double)n;
}

/* A known language takes a shorter sum than an unknown one (which reads the
 * whole feature row); with the language weights zero the two must give the
 * same bits, whatever the other weights, row layouts and inputs. */
static void test_known_language_sum_matches_row(void **state)
{
    (void)state;
    static const uint32_t layouts[] = {US_STACK_D_V1, US_STACK_D, US_STACK_D_SPAN,
                                       US_STACK_D_CUE, US_STACK_D_CUE_SPAN, US_STACK_D_CUE_LEX};
    uint64_t r = 42;
    for (int trial = 0; trial < 600; trial++) {
        uint32_t dd = layouts[trial % 6], nl = US_N_TECH_LABELS;
        size_t n = 1 + (size_t)(us_splitmix64(&r) % 12);
        float w[US_N_TECH_LABELS * US_STACK_D_MAX], P[12 * US_N_TECH_LABELS], Q[12 * US_N_TECH_LABELS];
        float X[12 * US_STACK_X], S[12 * US_N_TECH_LABELS];
        for (size_t i = 0; i < nl * dd; i++)
            w[i] = (float)((double)(us_splitmix64(&r) >> 11) / 9007199254740992.0 * 4 - 2);
        for (uint32_t k = 0; k < nl; k++)
            for (int j = 8; j < 20; j++) w[k * dd + (uint32_t)j] = 0.0f;   /* language terms */
        for (size_t i = 0; i < n * nl; i++)
            P[i] = Q[i] = i % 5 == 0 ? 0.5f : (float)((us_splitmix64(&r) >> 40) / 16777216.0);
        for (size_t i = 0; i < n * US_STACK_X; i++) X[i] = (float)(us_splitmix64(&r) % 7);
        for (size_t i = 0; i < n * nl; i++) S[i] = (float)(us_splitmix64(&r) % 9) - 4.0f;
        us_stack_apply_spans(w, dd, nl, trial % US_STACK_LANGS, P, n, nl * sizeof *P, X, S);
        us_stack_apply_spans(w, dd, nl, -1, Q, n, nl * sizeof *Q, X, S);
        assert_memory_equal(P, Q, n * nl * sizeof *P);
    }
}

static void test_fit_learns_article_context(void **state)
{
    (void)state;
    enum { CAP = 400 * 12 };
    float *P = malloc(CAP * L * sizeof *P), *T = malloc(CAP * L * sizeof *T);
    uint32_t *Y = malloc(CAP * sizeof *Y), *g = malloc(CAP * sizeof *g);
    int *lang = malloc(CAP * sizeof *lang);
    uint8_t *use = malloc(CAP);
    float w[L * D], w2[L * D];
    assert_true(P && T && Y && g && lang && use);
    size_t n = synth(P, Y, lang, g, 400, 1);
    memset(use, 1, n);
    us_err err = {0};
    assert_int_equal(us_stack_fit(P, NULL, Y, lang, g, use, n, L, 15, w, &err), US_OK);
    assert_true(w[1] > 0.3f);                   /* the article mean matters */
    for (int k = 1; k < L; k++)                 /* no positives: identity */
        for (int j = 0; j < D; j++) assert_true(w[k * D + j] == (j == 0 ? 1.0f : 0.0f));
    assert_int_equal(us_stack_fit(P, NULL, Y, lang, g, use, n, L, 15, w2, &err), US_OK);
    assert_memory_equal(w, w2, sizeof w);       /* deterministic */
    /* Fresh articles: lower log loss than the first stage alone. */
    size_t m = synth(T, Y, lang, g, 400, 2);
    double before = log_loss(T, Y, m);
    for (size_t s = 0, e; s < m; s = e) {
        e = us_stack_group_end(g, s, m);
        us_stack_apply(w, D, L, lang[s], T + s * L, e - s, ROW, NULL);
    }
    double after = log_loss(T, Y, m);
    assert_true(after < before - 0.05);
    /* Items outside 'use' are ignored: fitting on half gives other weights. */
    for (size_t i = 0; i < n; i++) use[i] = g[i] % 2;
    assert_int_equal(us_stack_fit(P, NULL, Y, lang, g, use, n, L, 15, w2, &err), US_OK);
    assert_true(memcmp(w, w2, sizeof w) != 0);
    free(P); free(T); free(Y); free(g); free(lang); free(use);
}

/* The span-reading layout (US_STACK_D_SPAN): feature 23 is the span score of
 * the technique (US_SPAN_SCORE_NONE without scores), the bias is 24; fitting
 * on a span score that tells the label learns to trust it, the other layout
 * cannot, and a layout the fitter does not know is an error. */
static void test_span_layout(void **state)
{
    (void)state;
    enum { N = 4, DS = US_STACK_D_SPAN };
    float P0[N * L], P[N * L], S[N * L], w[L * DS];
    random_probs(P0, N, 11);
    for (size_t i = 0; i < N * L; i++) S[i] = (float)(i % 7) - 3.0f;
    memset(w, 0, sizeof w);
    for (int k = 0; k < L; k++) w[k * DS + 23] = 1.0f;
    memcpy(P, P0, sizeof P);
    us_stack_apply_spans(w, DS, L, 0, P, N, ROW, NULL, S);
    for (size_t i = 0; i < N * L; i++) assert_true(fabsf(P[i] - sigm(S[i])) < 1e-6f);
    memcpy(P, P0, sizeof P);
    us_stack_apply_spans(w, DS, L, 0, P, N, ROW, NULL, NULL);
    for (size_t i = 0; i < N * L; i++) assert_true(fabsf(P[i] - sigm(US_SPAN_SCORE_NONE)) < 1e-6f);
    memset(w, 0, sizeof w);
    for (int k = 0; k < L; k++) w[k * DS + 24] = 2.0f;   /* the bias */
    memcpy(P, P0, sizeof P);
    us_stack_apply_spans(w, DS, L, 0, P, N, ROW, NULL, S);
    for (size_t i = 0; i < N * L; i++) assert_true(fabsf(P[i] - sigm(2.0)) < 1e-6f);

    /* Fitting: the first stage is noise, the span score tells the label. */
    enum { CAP = 300 * 12 };
    float *Pf = malloc(CAP * L * sizeof *Pf), *Sf = malloc(CAP * L * sizeof *Sf);
    uint32_t *Y = malloc(CAP * sizeof *Y), *g = malloc(CAP * sizeof *g);
    int *lang = malloc(CAP * sizeof *lang);
    uint8_t *use = malloc(CAP);
    float *ws = malloc(L * DS * sizeof *ws), *w24 = malloc(L * D * sizeof *w24);
    assert_true(Pf && Sf && Y && g && lang && use && ws && w24);
    size_t n = synth(Pf, Y, lang, g, 300, 5);
    uint64_t seed = 9;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < L; k++) {
            double u = (double)(us_splitmix64(&seed) >> 11) / 9007199254740992.0;
            Sf[i * L + k] = k == 0 ? (float)((Y[i] & 1u ? 1.5 : -1.5) + 2.0 * (u - 0.5))
                                   : US_SPAN_SCORE_NONE;
        }
    memset(use, 1, n);
    us_err err = {0};
    assert_int_equal(us_stack_fit_spans(Pf, NULL, Sf, Y, lang, g, use, n, L, 15, DS, ws, &err),
                     US_OK);
    assert_true(ws[23] > 0.5f);   /* technique 0 trusts the span score */
    assert_int_equal(us_stack_fit_spans(Pf, NULL, NULL, Y, lang, g, use, n, L, 15, D, w24, &err),
                     US_OK);
    float *A = malloc(n * L * sizeof *A), *B = malloc(n * L * sizeof *B);
    assert_true(A && B);
    memcpy(A, Pf, n * L * sizeof *A);
    memcpy(B, Pf, n * L * sizeof *B);
    for (size_t s0 = 0, e; s0 < n; s0 = e) {
        e = us_stack_group_end(g, s0, n);
        us_stack_apply_spans(ws, DS, L, lang[s0], A + s0 * L, e - s0, ROW, NULL, Sf + s0 * L);
        us_stack_apply(w24, D, L, lang[s0], B + s0 * L, e - s0, ROW, NULL);
    }
    assert_true(log_loss(A, Y, n) < log_loss(B, Y, n) - 0.05);
    assert_int_equal(us_stack_fit_spans(Pf, NULL, Sf, Y, lang, g, use, n, L, 15, 22, ws, &err),
                     US_EINVAL);
    free(A); free(B); free(Pf); free(Sf); free(Y); free(g); free(lang); free(use); free(ws);
    free(w24);
}

/* Tokenizes text into t, which must then have n_lines lines. */
static void tokenize_into(us_text *t, const char *text, size_t n_lines)
{
    us_err err = {0};
    us_text_init(t);
    assert_int_equal(us_text_tokenize(t, text, strlen(text), &err), US_OK);
    assert_int_equal(t->n_lines, n_lines);
}

/* The cue layouts: inputs 20-29 are the paragraph's repeat then cue
 * statistics, then the span score (US_STACK_D_CUE_SPAN) or the span
 * lexicon's score and a reserved zero (US_STACK_D_CUE_LEX), then the bias;
 * the fitter takes every layout. */
static void test_cue_layouts(void **state)
{
    (void)state;
    enum { N = 3 };
    static const uint32_t layouts[] = {US_STACK_D_CUE, US_STACK_D_CUE_SPAN, US_STACK_D_CUE_LEX};
    for (int li = 0; li < 3; li++) {
        uint32_t DC = layouts[li];
        float P0[N * L], P[N * L], S[N * L], X[N * US_STACK_X], w[L * US_STACK_D_MAX];
        random_probs(P0, N, 13);
        for (size_t i = 0; i < N * US_STACK_X; i++) X[i] = 0.05f * (float)(i + 1);
        for (size_t i = 0; i < N * L; i++) S[i] = (float)(i % 5) - 2.0f;
        for (uint32_t j = 20; j < DC; j++) {   /* one weight at a time */
            memset(w, 0, sizeof w);
            for (int k = 0; k < L; k++) w[k * DC + j] = 1.0f;
            memcpy(P, P0, sizeof P);
            us_stack_apply_spans(w, DC, L, 0, P, N, ROW, X, S);
            for (size_t i = 0; i < N; i++)
                for (int k = 0; k < L; k++) {
                    float want = j + 1 == DC ? 1.0f   /* the bias */
                                 : j < 20 + US_STACK_X ? X[i * US_STACK_X + (j - 20)]
                                 : j == 20 + US_STACK_X ? S[i * L + (size_t)k]
                                                        : 0.0f;   /* reserved */
                    assert_true(fabsf(P[i * L + (size_t)k] - sigm(want)) < 1e-6f);
                }
        }
    }
    enum { CAP = 200 * 12 };
    float *Pf = malloc(CAP * L * sizeof *Pf), *Xf = calloc(CAP * US_STACK_X, sizeof *Xf);
    uint32_t *Y = malloc(CAP * sizeof *Y), *g = malloc(CAP * sizeof *g);
    int *lang = malloc(CAP * sizeof *lang);
    uint8_t *use = malloc(CAP);
    float *wc = malloc(L * US_STACK_D_CUE * sizeof *wc);
    assert_true(Pf && Xf && Y && g && lang && use && wc);
    size_t n = synth(Pf, Y, lang, g, 200, 7);
    for (size_t i = 0; i < n; i++)   /* cue 5 (capitals) tells label 0 */
        Xf[i * US_STACK_X + US_REPEAT_STATS + 5] = Y[i] & 1u ? 2.0f : 0.0f;
    memset(use, 1, n);
    us_err err = {0};
    assert_int_equal(us_stack_fit_spans(Pf, Xf, NULL, Y, lang, g, use, n, L, 15, US_STACK_D_CUE,
                                        wc, &err), US_OK);
    assert_true(wc[20 + US_REPEAT_STATS + 5] > 0.5f);
    /* The lexicon layout learns a lexicon score that tells label 0, and
     * keeps the mean lexicon score in the always-zero input's slot. */
    float *Sf = calloc(CAP * L, sizeof *Sf), *wl = malloc(L * US_STACK_D_CUE_LEX * sizeof *wl);
    assert_true(Sf && wl);
    memset(Xf, 0, CAP * US_STACK_X * sizeof *Xf);
    for (size_t i = 0; i < n; i++) Sf[i * L] = Y[i] & 1u ? 3.0f : -1.0f;
    assert_int_equal(us_stack_fit_spans(Pf, Xf, Sf, Y, lang, g, use, n, L, 15, US_STACK_D_CUE_LEX,
                                        wl, &err), US_OK);
    assert_true(wl[20 + US_STACK_X] > 0.3f);
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += Sf[i * L];
    mean /= (double)n;
    assert_true(fabs(wl[20 + US_STACK_X + 1] - mean) < 1e-5);
    assert_true(wl[US_STACK_D_CUE_LEX + 20 + US_STACK_X + 1] == 0.0f);   /* label 1: all 0 */
    free(Sf); free(wl);
    free(Pf); free(Xf); free(Y); free(g); free(lang); free(use); free(wc);
}

/* us_line_cues and us_line_stats on a hand-counted text. */
static void test_line_cues(void **state)
{
    (void)state;
    const char *text = "Who said \"NATO lies\"? Nobody!!\n"
                       "\n"
                       "In 2022, Moscow sent 3 TANKS.\n";
    us_text t;
    tokenize_into(&t, text, 3);
    float c[3 * US_LINE_CUES];
    us_line_cues(&t, c, US_LINE_CUES);
    /* line 1: 9 tokens, words Who said NATO lies Nobody; NATO and lies quoted,
     * NATO a capitalised word not at a sentence start and in capitals */
    const float l1[US_LINE_CUES] = {logf(2), logf(3), 2.0f / 5, 0, 1.0f / 5, 1.0f / 5, 0.42f};
    /* line 3: 8 tokens, 2 numbers; words In Moscow sent TANKS */
    const float l3[US_LINE_CUES] = {0, 0, 0, 2.0f / 8, 2.0f / 4, 1.0f / 4, 0.425f};
    for (int j = 0; j < US_LINE_CUES; j++) {
        assert_true(fabsf(c[j] - l1[j]) < 1e-6f);
        assert_true(c[US_LINE_CUES + j] == 0.0f);   /* the empty line */
        assert_true(fabsf(c[2 * US_LINE_CUES + j] - l3[j]) < 1e-6f);
    }
    /* us_line_stats: the repeat statistics, then these (or zeros). */
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_fz fz;
    us_fz_init(&fz, &fc);
    float rep[3 * US_REPEAT_STATS], st[3 * US_LINE_STATS];
    assert_int_equal(us_line_repeats(&fz, &t, rep), US_OK);
    for (int with = 0; with < 2; with++) {
        assert_int_equal(us_line_stats(&fz, &t, with, st), US_OK);
        for (int l = 0; l < 3; l++) {
            assert_memory_equal(st + l * US_LINE_STATS, rep + l * US_REPEAT_STATS, sizeof rep / 3);
            for (int j = 0; j < US_LINE_CUES; j++)
                assert_true(st[l * US_LINE_STATS + US_REPEAT_STATS + j] ==
                            (with ? c[l * US_LINE_CUES + j] : 0.0f));
        }
    }
    us_fz_fini(&fz);
    us_text_fini(&t);
}

/* us_line_repeats on a hand-counted text: words of 4+ letters, case folded. */
static void test_line_repeats(void **state)
{
    (void)state;
    const char *text = "Lies, lies and more LIES about the budget.\n"
                       "\n"
                       "The budget was cut; nurses were cut.\n"
                       "Nothing here.\n";
    us_text t;
    tokenize_into(&t, text, 4);
    float st[4 * US_REPEAT_STATS];
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_fz fz;
    us_fz_init(&fz, &fc);
    assert_int_equal(us_line_repeats(&fz, &t, st), US_OK);
    float again[4 * US_REPEAT_STATS];   /* the same from the token cache's hashes */
    assert_int_equal(us_line_repeats(&fz, &t, again), US_OK);
    assert_memory_equal(st, again, sizeof st);
    fz.explain = 1;                      /* and without the cache */
    assert_int_equal(us_line_repeats(&fz, &t, again), US_OK);
    assert_memory_equal(st, again, sizeof st);
    fz.explain = 0;
    /* The scratch area is kept from text to text: after a longer text with
     * other counts (budget and nurses repeated), this one's numbers are the
     * same as on a fresh featurizer. */
    us_text big;
    tokenize_into(&big, "Budget nurses budget nurses lies more budget.\n"
                        "Nurses nurses were there, budget budget and more more lies.\n"
                        "Again budget, again nurses, again lies and again more.\n", 3);
    float bigst[3 * US_REPEAT_STATS];
    assert_int_equal(us_line_repeats(&fz, &big, bigst), US_OK);
    assert_true(bigst[0] == 1.0f);       /* every counted word is found elsewhere */
    assert_int_equal(us_line_repeats(&fz, &t, again), US_OK);
    assert_memory_equal(st, again, sizeof st);
    us_text_fini(&big);
    us_fz_fini(&fz);
    /* line 1: lies x3, more, about, budget: budget is elsewhere (1 of 6),
     * lies repeats on the line (3 of 6) */
    assert_true(fabsf(st[0] - 1.0f / 6) < 1e-6f);
    assert_true(fabsf(st[1] - 3.0f / 6) < 1e-6f);
    assert_true(fabsf(st[2] - logf(7.0f)) < 1e-6f);
    /* the empty line: zeros */
    for (int j = 0; j < 3; j++) assert_true(st[3 + j] == 0.0f);
    /* line 3: budget, nurses, were: budget elsewhere; "cut" and "the" are short */
    assert_true(fabsf(st[6] - 1.0f / 3) < 1e-6f);
    assert_true(st[7] == 0.0f);
    assert_true(fabsf(st[8] - logf(4.0f)) < 1e-6f);
    /* line 4: nothing, here: no repeats */
    assert_true(st[9] == 0.0f && st[10] == 0.0f);
    assert_true(fabsf(st[11] - logf(3.0f)) < 1e-6f);
    us_text_fini(&t);
}

/* A model with a techniques head (zero weights) and optionally STK1. */
static us_mfw *small_model(const float *stack)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    fc.bucket_bits = 10;
    static us_head_build heads[US_N_TASKS];
    memset(heads, 0, sizeof heads);
    us_err err = {0};
    us_head_build *h = &heads[US_TASK_TECHNIQUES];
    h->present = 1;
    assert_int_equal(us_linear_init(&h->lin, 1u << fc.bucket_bits, L, &err), US_OK);
    for (int k = 0; k < L; k++) h->lin.b[k] = -1.0f + 0.1f * (float)k;
    for (int r = 0; r < US_THR_ROWS; r++)
        for (int k = 0; k < L; k++) h->thr[r][k] = 0.3f;
    if (stack) {
        h->has_stack = 1;
        memcpy(h->stack, stack, (size_t)L * D * sizeof *stack);   /* the 24-weight layout */
    }
    us_mfw *w = NULL;
    assert_int_equal(us_model_build(&fc, heads, NULL, NULL, 0, "test=1", &w, &err), US_OK);
    us_linear_fini(&h->lin);
    return w;
}

static us_model *load(us_mfw *w, void **mem, us_err *err)
{
    size_t len = 0;
    assert_int_equal(us_mfw_to_memory(w, 0, mem, &len, err), US_OK);
    us_mfw_free(w);
    return us_model_load_memory(*mem, len, err);
}

static void test_model_round_trip(void **state)
{
    (void)state;
    float sw[L * D];
    random_probs(sw, D, 3);                     /* any weights will do */
    for (int i = 0; i < L * D; i++) sw[i] -= 0.5f;
    void *mem0 = NULL, *mem1 = NULL;
    us_err err = {0};
    us_model *plain = load(small_model(NULL), &mem0, &err);
    us_model *stacked = load(small_model(sw), &mem1, &err);
    assert_non_null(plain);
    assert_non_null(stacked);
    assert_null(plain->heads[US_TASK_TECHNIQUES].stack);
    assert_memory_equal(stacked->heads[US_TASK_TECHNIQUES].stack, sw, sizeof sw);
    /* analyze = first stage, then us_stack_apply over the article */
    const char *text = "One paragraph here.\n\nAnother one, angrier!\nA third.\n";
    us_analyze_opts o = {"fr", 0, US_DO_TECHNIQUES};
    us_analysis *a = NULL, *b = NULL;
    assert_int_equal(us_analyze(plain, text, strlen(text), &o, &a, &err), US_OK);
    assert_int_equal(us_analyze(stacked, text, strlen(text), &o, &b, &err), US_OK);
    assert_int_equal(a->n_paras, 3);
    assert_int_equal(b->n_paras, 3);
    _Static_assert(US_STACK_X == US_LINE_STATS, "a paragraph's stacking inputs are its line's");
    float P[3 * L], X[3 * US_STACK_X], stats[4 * US_LINE_STATS];
    us_text t;
    tokenize_into(&t, text, 4);
    us_fz fz;
    us_fz_init(&fz, &plain->fcfg);
    assert_int_equal(us_line_stats(&fz, &t, 1, stats), US_OK);
    us_fz_fini(&fz);
    us_text_fini(&t);
    for (size_t i = 0; i < 3; i++) {
        memcpy(P + i * L, a->paras[i].prob, L * sizeof *P);
        memcpy(X + i * US_STACK_X, stats + (a->paras[i].line - 1) * US_LINE_STATS, sizeof X / 3);
    }
    us_stack_apply(sw, D, L, 1, P, 3, ROW, X);
    for (size_t i = 0; i < 3; i++) {
        uint32_t want = 0;
        for (int k = 0; k < L; k++) {
            assert_true(P[i * L + k] == b->paras[i].prob[k]);
            want |= (uint32_t)(P[i * L + k] >= 0.3f) << k;
        }
        assert_int_equal(b->paras[i].techniques, want);
    }
    us_analysis_free(a);
    us_analysis_free(b);
    us_model_free(plain);
    us_model_free(stacked);
    free(mem0);
    free(mem1);
    /* A first-version STK1 (21 weights a technique) still loads and is used. */
    {
        us_mfw *w = small_model(NULL);
        unsigned char blob[8 + 4 * L * US_STACK_D_V1];
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, US_STACK_D_V1);
        for (int i = 0; i < L * US_STACK_D_V1; i++)   /* bias 1.5, the rest 0 */
            us_put_f32le(blob + 8 + 4 * i, i % US_STACK_D_V1 == 20 ? 1.5f : 0.0f);
        assert_int_equal(us_mfw_add(w, "STK1", blob, sizeof blob, &err), US_OK);
        void *mem = NULL;
        us_model *m = load(w, &mem, &err);
        assert_non_null(m);
        assert_int_equal(m->heads[US_TASK_TECHNIQUES].stack_d, US_STACK_D_V1);
        assert_int_equal(us_analyze(m, text, strlen(text), &o, &a, &err), US_OK);
        for (int k = 0; k < L; k++) assert_true(fabsf(a->paras[1].prob[k] - sigm(1.5)) < 1e-6f);
        us_analysis_free(a);
        us_model_free(m);
        free(mem);
    }
    /* A span-reading STK1 (25 weights) needs the span tagger: without a SPAN
     * section the model is refused for techniques, and loads for genre. */
    {
        us_mfw *w = small_model(NULL);
        unsigned char blob[8 + 4 * L * US_STACK_D_SPAN];
        memset(blob, 0, sizeof blob);
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, US_STACK_D_SPAN);
        assert_int_equal(us_mfw_add(w, "STK1", blob, sizeof blob, &err), US_OK);
        void *mem = NULL;
        size_t len = 0;
        assert_int_equal(us_mfw_to_memory(w, 0, &mem, &len, &err), US_OK);
        us_mfw_free(w);
        us_model *m = us_model_load_memory(mem, len, &err);
        assert_null(m);
        assert_non_null(strstr(err.msg, "span tagger"));
        us_mfile *mf = us_mfile_from_memory(mem, len, &err);
        assert_non_null(mf);
        m = us_model_from_mfile(mf, "x", US_DO_GENRE, &err);
        assert_non_null(m);
        us_model_free(m);
        free(mem);
    }
    /* A lexicon-reading STK1 (33 weights) needs SLEX: refused without it;
     * with a lexicon that scores every word 1.0 and only the lexicon input
     * weighted, a paragraph's probability is sigm(1) in a language with
     * training data and sigm(stand-in) = sigm(2) in one without. */
    for (int with_lex = 0; with_lex < 2; with_lex++) {
        us_mfw *w = small_model(NULL);
        enum { DL = US_STACK_D_CUE_LEX };
        unsigned char blob[8 + 4 * L * DL];
        memset(blob, 0, sizeof blob);
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, DL);
        for (int k = 0; k < L; k++) {
            us_put_f32le(blob + 8 + 4 * (k * DL + 20 + US_STACK_X), 1.0f);
            us_put_f32le(blob + 8 + 4 * (k * DL + 21 + US_STACK_X), 2.0f);   /* the stand-in */
        }
        assert_int_equal(us_mfw_add(w, "STK1", blob, sizeof blob, &err), US_OK);
        if (with_lex) {
            /* Every level 1.0, so whatever the (zero) codes, a word scores 1.0. */
            size_t bits = 10, n = US_SPANLEX_HEADER + ((size_t)1 << bits) * US_SPANLEX_ROW;
            unsigned char *sec = calloc(n, 1);
            assert_non_null(sec);
            us_put_u32le(sec, US_SPANLEX_FORMAT);
            us_put_u32le(sec + 4, L);
            us_put_u32le(sec + 8, (uint32_t)bits);
            us_put_u32le(sec + 12, US_SPANLEX_LEVELS);
            for (int k = 0; k < L * US_SPANLEX_LEVELS; k++) us_put_f32le(sec + 16 + 4 * k, 1.0f);
            assert_int_equal(us_mfw_add(w, US_SPANLEX_SECTION, sec, n, &err), US_OK);
            free(sec);
        }
        void *mem = NULL;
        us_model *m = load(w, &mem, &err);
        if (!with_lex) {
            assert_null(m);
            assert_non_null(strstr(err.msg, "span lexicon"));
        } else {
            assert_non_null(m);
            us_analyze_opts ox = {"xx", 0, US_DO_TECHNIQUES};
            assert_int_equal(us_analyze(m, text, strlen(text), &o, &a, &err), US_OK);
            assert_int_equal(us_analyze(m, text, strlen(text), &ox, &b, &err), US_OK);
            for (size_t i = 0; i < 3; i++)
                for (int k = 0; k < L; k++) {
                    assert_true(fabsf(a->paras[i].prob[k] - sigm(1.0)) < 1e-5f);
                    assert_true(fabsf(b->paras[i].prob[k] - sigm(2.0)) < 1e-5f);
                }
            us_analysis_free(a);
            us_analysis_free(b);
            us_model_free(m);
        }
        free(mem);
    }
    /* A short or non-finite STK1 is an error, not a crash. */
    for (int bad = 0; bad < 2; bad++) {
        us_mfw *w = small_model(NULL);
        unsigned char blob[8 + 4 * L * D];
        memset(blob, 0, sizeof blob);
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, D);
        if (bad) us_put_f32le(blob + 8, NAN);
        assert_int_equal(us_mfw_add(w, "STK1", blob, bad ? sizeof blob : 12, &err), US_OK);
        void *mem = NULL;
        us_model *m = load(w, &mem, &err);
        assert_null(m);
        assert_non_null(strstr(err.msg, "STK1"));
        free(mem);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features_mean_what_they_say),
        cmocka_unit_test(test_line_repeats),
        cmocka_unit_test(test_fit_learns_article_context),
        cmocka_unit_test(test_known_language_sum_matches_row),
        cmocka_unit_test(test_span_layout),
        cmocka_unit_test(test_cue_layouts),
        cmocka_unit_test(test_line_cues),
        cmocka_unit_test(test_model_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
