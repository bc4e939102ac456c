/* test_spanlex.c -- the span lexicon: counting, scoring, the SLEX section. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/spanlex.h"

#define T_NAME 1   /* the technique of the gold spans */
#define T_NONE 7   /* a technique nobody annotated */

/* n articles of one language: line 1 "Only a traitor would vote for it."
 * with the span "traitor", line 2 "The budget was passed today." without. */
static void make_dataset(us_dataset *ds, size_t n)
{
    static const char *TEXT = "Only a traitor would vote for it.\nThe budget was passed today.\n";
    us_dataset_init(ds, NULL, NULL);
    ds->arts = us_calloc(n, sizeof *ds->arts);
    assert_non_null(ds->arts);
    ds->n = ds->cap = n;
    for (size_t a = 0; a < n; a++) {
        us_article *ar = &ds->arts[a];
        snprintf(ar->id, sizeof ar->id, "%zu", 100 + a);
        ar->lang = 0;
        ar->genre = -1;
        ar->text[US_TASK_TECHNIQUES] = us_strdup(TEXT);
        ar->len[US_TASK_TECHNIQUES] = strlen(TEXT);
        ar->n_lines = 3;
        ar->line_labels = us_calloc(3, sizeof *ar->line_labels);
        ar->line_gold = us_calloc(3, 1);
        ar->spans = us_calloc(1, sizeof *ar->spans);
        assert_non_null(ar->text[US_TASK_TECHNIQUES]);
        assert_non_null(ar->line_labels);
        assert_non_null(ar->line_gold);
        assert_non_null(ar->spans);
        ar->line_labels[0] = 1u << T_NAME;
        ar->line_gold[0] = ar->line_gold[1] = 1;
        ar->spans[0] = (us_gold_span){T_NAME, 7, 14};   /* "traitor" */
        ar->n_spans = 1;
    }
}

static void train(us_spanlex_build *b, size_t n_arts)
{
    us_dataset ds;
    make_dataset(&ds, n_arts);
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_err err = {0};
    assert_int_equal(us_spanlex_train(&ds, NULL, &fc, 12, US_SPANLEX_ALPHA, b, &err), US_OK);
    us_dataset_fini(&ds);
}

/* Line scores of 'text' in language lang. OUT: out (lines x L). */
static size_t scores(const us_spanlex *sl, const char *text, int lang, float *out, size_t cap)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_fz fz;
    us_fz_init(&fz, &fc);
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    assert_int_equal(us_text_tokenize(&t, text, strlen(text), &err), US_OK);
    assert_true(t.n_lines * US_N_TECHNIQUES <= cap);
    us_spanlex_line_scores(sl, &fz, &t, lang, out);
    size_t n = t.n_lines;
    us_text_fini(&t);
    us_fz_fini(&fz);
    return n;
}

static void test_span_words_score_high(void **state)
{
    (void)state;
    us_spanlex_build b;
    train(&b, 20);
    us_spanlex sl;
    us_spanlex_view(&b, &sl);
    assert_true(sl.present);
    float s[3 * US_N_TECHNIQUES];
    size_t n = scores(&sl, "A traitor again.\nThe budget again.\n", 0, s, 3 * US_N_TECHNIQUES);
    assert_true(n >= 2);
    const float *l1 = s, *l2 = s + US_N_TECHNIQUES;
    /* "traitor" is inside every span of T_NAME: far above the prior. */
    assert_true(l1[T_NAME] > 1.0f);
    /* Line 2's words never are, and "again" was never seen: the maximum is 0. */
    assert_true(fabsf(l2[T_NAME]) < 1e-6f);
    /* Seen words of an unannotated technique score below its prior, an unseen
     * word 0, so the maximum is 0. */
    assert_true(fabsf(l1[T_NONE]) < 1e-6f);
    /* A line of seen words only: its maximum is the best of negative scores. */
    n = scores(&sl, "The budget was passed.\n", 0, s, 3 * US_N_TECHNIQUES);
    assert_true(s[T_NAME] < 0.0f);
    /* No language, or no lexicon: zeros. */
    n = scores(&sl, "A traitor again.\n", -1, s, 3 * US_N_TECHNIQUES);
    for (size_t k = 0; k < n * US_N_TECHNIQUES; k++) assert_true(s[k] == 0.0f);
    n = scores(NULL, "A traitor again.\n", 0, s, 3 * US_N_TECHNIQUES);
    for (size_t k = 0; k < n * US_N_TECHNIQUES; k++) assert_true(s[k] == 0.0f);
    us_spanlex_build_fini(&b);
}

/* The levels of every technique ascend and hold 0 exactly (so an unseen
 * word scores 0 and the maximum of codes is the code of the maximum), and a
 * row's unused half byte and pad bytes are zero. */
static void test_levels(void **state)
{
    (void)state;
    us_spanlex_build b;
    train(&b, 20);
    for (int k = 0; k < US_N_TECHNIQUES; k++) {
        int zero = 0;
        for (int j = 0; j < US_SPANLEX_LEVELS; j++) {
            assert_true(isfinite(b.level[k][j]));
            if (j) assert_true(b.level[k][j] >= b.level[k][j - 1]);
            zero |= b.level[k][j] == 0.0f;
        }
        assert_true(zero);
    }
    /* Two distinct paragraph maxima for T_NAME ("traitor" high, the other
     * line's best word below 0): both are levels, whatever else k-means does. */
    int hi = 0, lo = 0;
    for (int j = 0; j < US_SPANLEX_LEVELS; j++) {
        hi |= b.level[T_NAME][j] > 1.0f;
        lo |= b.level[T_NAME][j] < 0.0f;
    }
    assert_true(hi && lo);
    for (size_t f = 0; f < ((size_t)1 << 12); f++) {
        const uint8_t *r = b.rows + f * US_SPANLEX_ROW;
        assert_int_equal(r[US_N_TECHNIQUES / 2] >> 4, 0);
        for (int j = (US_N_TECHNIQUES + 1) / 2; j < US_SPANLEX_ROW; j++) assert_int_equal(r[j], 0);
    }
    us_spanlex_build_fini(&b);
}

/* More evidence moves a word further from the prior (the pseudo-tokens weigh less). */
static void test_smoothing(void **state)
{
    (void)state;
    us_spanlex_build few, many;
    train(&few, 2);
    train(&many, 40);
    us_spanlex a, b;
    us_spanlex_view(&few, &a);
    us_spanlex_view(&many, &b);
    float sa[2 * US_N_TECHNIQUES], sb[2 * US_N_TECHNIQUES];
    scores(&a, "traitor\n", 0, sa, 2 * US_N_TECHNIQUES);
    scores(&b, "traitor\n", 0, sb, 2 * US_N_TECHNIQUES);
    assert_true(sa[T_NAME] > 0.0f);
    assert_true(sb[T_NAME] > sa[T_NAME] + 0.5f);
    us_spanlex_build_fini(&few);
    us_spanlex_build_fini(&many);
}

static void test_bad_bits(void **state)
{
    (void)state;
    us_dataset ds;
    us_dataset_init(&ds, NULL, NULL);
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_spanlex_build b;
    us_err err = {0};
    assert_int_equal(us_spanlex_train(&ds, NULL, &fc, 30, US_SPANLEX_ALPHA, &b, &err), US_EINVAL);
    assert_null(b.rows);
    assert_int_equal(us_spanlex_train(&ds, NULL, &fc, 10, 0.0, &b, &err), US_EINVAL);
    assert_null(b.rows);
    assert_int_equal(us_spanlex_train(&ds, NULL, &fc, 10, NAN, &b, &err), US_EINVAL);
    /* An empty dataset gives an all-zero lexicon. */
    assert_int_equal(us_spanlex_train(&ds, NULL, &fc, 10, US_SPANLEX_ALPHA, &b, &err), US_OK);
    for (size_t i = 0; i < ((size_t)1 << 10) * US_SPANLEX_ROW; i++) assert_int_equal(b.rows[i], 0);
    us_spanlex_build_fini(&b);
}

/* The section of b in a container in memory. OUT: *mem, *len (us_free). */
static void to_memory(const us_spanlex_build *b, void **mem, size_t *len)
{
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    us_err err = {0};
    assert_int_equal(us_spanlex_write(b, w, &err), US_OK);
    assert_int_equal(us_mfw_to_memory(w, 0, mem, len, &err), US_OK);
    us_mfw_free(w);
}

/* Loads SLEX from a container holding only 'sec'. */
static int load_section(const void *sec, size_t n, us_spanlex *out, us_err *err)
{
    us_mfile *mf = us_test_one_section(US_SPANLEX_SECTION, sec, n, err);
    int rc = us_spanlex_load(mf, out, err);
    us_mfile_close(mf);
    return rc;
}

static void test_round_trip_and_corruption(void **state)
{
    (void)state;
    us_spanlex_build b;
    train(&b, 20);
    void *mem;
    size_t len;
    to_memory(&b, &mem, &len);
    us_err err = {0};
    us_mfile *mf = us_mfile_from_memory(mem, len, &err);
    us_free(mem);
    assert_non_null(mf);
    us_spanlex sl, view;
    assert_int_equal(us_spanlex_load(mf, &sl, &err), US_OK);
    us_spanlex_view(&b, &view);
    assert_true(sl.present);
    assert_int_equal(sl.bits, 12);
    assert_memory_equal(sl.level, view.level, sizeof sl.level);
    assert_memory_equal(sl.rows, view.rows, ((size_t)1 << 12) * US_SPANLEX_ROW);
    const char *txt = "A traitor again.\nThe budget again.\n";
    float s1[3 * US_N_TECHNIQUES], s2[3 * US_N_TECHNIQUES];
    size_t n = scores(&sl, txt, 0, s1, 3 * US_N_TECHNIQUES);
    scores(&view, txt, 0, s2, 3 * US_N_TECHNIQUES);
    assert_memory_equal(s1, s2, n * US_N_TECHNIQUES * sizeof *s1);
    /* Damaged copies of the section. */
    const void *sec;
    size_t n_sec;
    assert_int_equal(us_mfile_section(mf, US_SPANLEX_SECTION, &sec, &n_sec), US_OK);
    unsigned char *bad = malloc(n_sec);
    assert_non_null(bad);
    enum { LEV = 16 + 4 * US_N_TECHNIQUES * US_SPANLEX_LEVELS, HDR = US_SPANLEX_HEADER };
    struct { size_t off; unsigned char val; size_t len; int rc; } cases[] = {
        {0, 3, n_sec, US_EVERSION},         /* a future format */
        {0, 1, n_sec, US_EVERSION},         /* the int8 rows of format 1 */
        {4, 22, n_sec, US_EFORMAT},         /* another label count */
        {8, 13, n_sec, US_EFORMAT},         /* bits that do not match the size */
        {12, 8, n_sec, US_EFORMAT},         /* another number of levels */
        {LEV, 1, n_sec, US_EFORMAT},        /* reserved */
        {16 + 3, 0xff, n_sec, US_EFORMAT},  /* a NaN level */
        {16 + 4 + 3, 0xff, n_sec, US_EFORMAT},   /* a level below the one before */
        {HDR + US_N_TECHNIQUES / 2, 0xf0, n_sec, US_EFORMAT},   /* the unused half byte */
        {HDR + 15, 1, n_sec, US_EFORMAT},   /* a pad byte */
        {0, 2, n_sec - 16, US_EFORMAT},     /* truncated */
        {0, 2, 40, US_EFORMAT},             /* shorter than the header */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        memcpy(bad, sec, n_sec);
        bad[cases[c].off] = cases[c].val;
        if (cases[c].off == 16 + 3) bad[16 + 2] = 0xff;   /* f32 0xffff.... = NaN */
        if (cases[c].off == 16 + 4 + 3) bad[16 + 4 + 2] = 0x7f;   /* f32 0xff7f.... = -3.4e38 */
        us_spanlex out;
        assert_int_equal(load_section(bad, cases[c].len, &out, &err), cases[c].rc);
        assert_false(out.present);
        assert_true(strstr(err.msg, "SLEX") != NULL);
    }
    free(bad);
    /* A model without the section: not present, no error. */
    us_mfile *mf2 = us_test_one_section("META", "x=1", 3, &err);
    assert_int_equal(us_spanlex_load(mf2, &sl, &err), US_OK);
    assert_false(sl.present);
    us_mfile_close(mf2);
    us_mfile_close(mf);
    us_spanlex_build_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_words_score_high),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_smoothing),
        cmocka_unit_test(test_bad_bits),
        cmocka_unit_test(test_round_trip_and_corruption),
    };
    return cmocka_run_group_tests_name("spanlex", tests, NULL, NULL);
}
