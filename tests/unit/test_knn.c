/* test_knn.c -- the nearest training articles for framing: index, vote, KNN1 section. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/knn.h"

#define F_ECON 0    /* frame bits of the two topics */
#define F_CRIME 6

static const char *ECON[] = {
    "The budget raises the tax on fuel.\nThe economy grows and the tax falls.\n",
    "A tax cut for the budget, the minister said.\nThe economy needs it.\n",
    "Budget talks: the economy and the tax on wages.\n",
};
static const char *CRIME[] = {
    "The police arrested a suspect after the court hearing.\n",
    "A court jailed the suspect; the police had found the weapon.\n",
    "Police and court officials named the suspect. Zanzibar.\n",   /* Zanzibar: once */
};

static void add(us_dataset *ds, const char *text, int lang, uint32_t frames)
{
    us_article *ar = &ds->arts[ds->n];
    snprintf(ar->id, sizeof ar->id, "%zu", 100 + ds->n);
    ar->lang = lang;
    ar->genre = -1;
    ar->has_frames = 1;
    ar->frames = frames;
    ar->text[US_TASK_FRAMING] = us_strdup(text);
    assert_non_null(ar->text[US_TASK_FRAMING]);
    ar->len[US_TASK_FRAMING] = strlen(text);
    ds->n++;
}

/* Three economy and three crime articles in language 0, one economy article
 * in language 1, and one unlabelled article (not indexed). */
static void make_dataset(us_dataset *ds)
{
    us_dataset_init(ds, NULL, NULL);
    ds->arts = us_calloc(8, sizeof *ds->arts);
    assert_non_null(ds->arts);
    ds->cap = 8;
    for (int i = 0; i < 3; i++) add(ds, ECON[i], 0, 1u << F_ECON);
    for (int i = 0; i < 3; i++) add(ds, CRIME[i], 0, 1u << F_CRIME);
    add(ds, ECON[0], 1, 1u << F_ECON | 1u << F_CRIME);
    add(ds, CRIME[0], 0, 1u << F_ECON);
    ds->arts[ds->n - 1].has_frames = 0;
}

static void train(us_knn_build *b, uint32_t k, float w)
{
    us_dataset ds;
    make_dataset(&ds);
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_err err = {0};
    assert_int_equal(us_knn_train(&ds, NULL, &fc, k, w, b, &err), US_OK);
    us_dataset_fini(&ds);
}

/* The vote for 'text' in language lang. */
static int vote(const us_knn *kn, const char *text, int lang, const uint8_t *skip, float *p,
                uint32_t *nb, float *sim)
{
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_fz fz;
    us_fz_init(&fz, &fc);
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    assert_int_equal(us_text_tokenize(&t, text, strlen(text), &err), US_OK);
    us_knn_scratch s;
    memset(&s, 0, sizeof s);
    int m = us_knn_vote(kn, &s, &fz, &t, lang, skip, p, nb, sim);
    us_knn_scratch_fini(&s);
    us_text_fini(&t);
    us_fz_fini(&fz);
    return m;
}

static void test_neighbours_vote(void **state)
{
    (void)state;
    us_knn_build b;
    train(&b, 3, 0.5f);
    const us_knn *kn = &b.view;
    assert_true(kn->present);
    assert_int_equal(kn->n_arts, 7);   /* the unlabelled article is not indexed */
    for (uint32_t j = 0; j < 6; j++) assert_int_equal(b.art_of[j], j);
    float p[US_N_FRAME_LABELS], sim[3];
    uint32_t nb[3];
    assert_int_equal(vote(kn, "Tax and budget: what the economy needs.", 0, NULL, p, nb, sim), 3);
    for (int i = 0; i < 3; i++) assert_true(nb[i] < 3);   /* the economy articles */
    assert_true(sim[0] <= 1.0001f && sim[0] >= sim[1] && sim[1] >= sim[2] && sim[2] > 0.1f);
    /* An article of the index is its own nearest neighbour, at cosine 1. */
    assert_int_equal(vote(kn, ECON[1], 0, NULL, p, nb, sim), 3);
    assert_int_equal(nb[0], 1);
    assert_float_equal(sim[0], 1.0f, 1e-5);
    assert_float_equal(p[F_ECON], 1.0f, 1e-6);
    assert_float_equal(p[F_CRIME], 0.0f, 1e-6);
    /* Skipping the economy articles (an inner fold) leaves the crime ones. */
    uint8_t skip[7] = {1, 1, 1, 0, 0, 0, 0};
    assert_int_equal(vote(kn, "Tax and budget: what the economy needs.", 0, skip, p, nb, sim), 3);
    for (int i = 0; i < 3; i++) assert_true(nb[i] >= 3 && nb[i] < 6);
    assert_float_equal(p[F_CRIME], 1.0f, 1e-6);
    /* Weighted by similarity: a crime text votes mostly crime. */
    assert_int_equal(vote(kn, "The police and the court: the suspect.", 0, NULL, p, NULL, NULL), 3);
    assert_true(p[F_CRIME] > 0.99f);
    /* Language 1 has one article: it alone votes, whatever the words. */
    assert_int_equal(vote(kn, "Police court suspect.", 1, NULL, p, nb, NULL), 1);
    assert_int_equal(nb[0], 6);
    assert_string_equal(kn->ids + 6 * US_KNN_ID, "106");   /* its id, for explanations */
    assert_float_equal(p[F_ECON], 1.0f, 1e-6);
    assert_float_equal(p[F_CRIME], 1.0f, 1e-6);
    /* No article of the language, no language: no vote, p untouched. */
    p[0] = 0.25f;
    assert_int_equal(vote(kn, "Tax.", 2, NULL, p, NULL, NULL), 0);
    assert_int_equal(vote(kn, "Tax.", -1, NULL, p, NULL, NULL), 0);
    assert_float_equal(p[0], 0.25f, 0);
    /* The blend. */
    float q[US_N_FRAME_LABELS] = {0}, pk[US_N_FRAME_LABELS] = {0};
    q[F_ECON] = 0.2f;
    pk[F_ECON] = 1.0f;
    us_knn_blend(kn, pk, q);
    assert_float_equal(q[F_ECON], 0.6f, 1e-6);
    us_knn_build_fini(&b);
}

static void test_words_of_one_article_ignored(void **state)
{
    (void)state;
    us_knn_build b;
    train(&b, 6, 0.35f);
    float p[US_N_FRAME_LABELS], sim[6];
    uint32_t nb[6];
    /* "zanzibar" occurs in one training article: it links the query to none. */
    assert_int_equal(vote(&b.view, "Zanzibar zanzibar zanzibar.", 0, NULL, p, nb, sim), 6);
    for (int i = 0; i < 6; i++) assert_float_equal(sim[i], 0.0f, 0);
    for (int i = 0; i < 6; i++) assert_int_equal(nb[i], (uint32_t)i);   /* ties: index order */
    assert_float_equal(p[F_ECON], 0.5f, 1e-6);   /* equal floor weights */
    us_knn_build_fini(&b);
}

static void test_bad_arguments_and_determinism(void **state)
{
    (void)state;
    us_dataset ds;
    make_dataset(&ds);
    us_feat_cfg fc;
    us_feat_cfg_default(&fc);
    us_err err = {0};
    us_knn_build b, b2;
    assert_int_equal(us_knn_train(&ds, NULL, &fc, 0, 0.3f, &b, &err), US_EINVAL);
    assert_null(b.blob);
    assert_int_equal(us_knn_train(&ds, NULL, &fc, 5, 1.5f, &b, &err), US_EINVAL);
    assert_int_equal(us_knn_train(&ds, NULL, &fc, 5, NAN, &b, &err), US_EINVAL);
    assert_int_equal(us_knn_train(&ds, NULL, &fc, US_KNN_MAX_K + 1, 0.3f, &b, &err), US_EINVAL);
    assert_int_equal(us_knn_train(&ds, NULL, &fc, 5, 0.3f, &b, &err), US_OK);
    assert_int_equal(us_knn_train(&ds, NULL, &fc, 5, 0.3f, &b2, &err), US_OK);
    assert_int_equal(b.size, b2.size);
    assert_memory_equal(b.blob, b2.blob, b.size);
    us_knn_build_fini(&b2);
    /* art_in: only the crime articles. */
    uint8_t in[8] = {0, 0, 0, 1, 1, 1, 0, 0};
    assert_int_equal(us_knn_train(&ds, in, &fc, 5, 0.3f, &b2, &err), US_OK);
    assert_int_equal(b2.view.n_arts, 3);
    assert_int_equal(b2.art_of[0], 3);
    us_knn_build_fini(&b2);
    us_knn_build_fini(&b);
    us_dataset_fini(&ds);
}

/* Loads KNN1 from a container holding only 'sec'. */
static int load_section(const void *sec, size_t n, us_knn *out, us_err *err)
{
    us_mfile *mf = us_test_one_section(US_KNN_SECTION, sec, n, err);
    int rc = us_knn_load(mf, out, err);
    us_mfile_close(mf);
    return rc;
}

static void test_round_trip_and_corruption(void **state)
{
    (void)state;
    us_knn_build b;
    train(&b, 3, 0.35f);
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    us_err err = {0};
    assert_int_equal(us_knn_write(&b, w, &err), US_OK);
    void *mem;
    size_t len;
    assert_int_equal(us_mfw_to_memory(w, 0, &mem, &len, &err), US_OK);
    us_mfw_free(w);
    us_mfile *mf = us_mfile_from_memory(mem, len, &err);
    us_free(mem);
    assert_non_null(mf);
    us_knn kn;
    assert_int_equal(us_knn_load(mf, &kn, &err), US_OK);
    assert_true(kn.present);
    assert_int_equal(kn.k, 3);
    assert_float_equal(kn.weight, 0.35f, 0);
    assert_int_equal(kn.n_arts, b.view.n_arts);
    float p1[US_N_FRAME_LABELS], p2[US_N_FRAME_LABELS];
    const char *txt = "The court and the tax budget.";
    assert_int_equal(vote(&kn, txt, 0, NULL, p1, NULL, NULL), 3);
    assert_int_equal(vote(&b.view, txt, 0, NULL, p2, NULL, NULL), 3);
    assert_memory_equal(p1, p2, sizeof p1);
    /* Damaged copies. */
    const void *sec;
    size_t n_sec;
    assert_int_equal(us_mfile_section(mf, US_KNN_SECTION, &sec, &n_sec), US_OK);
    unsigned char *bad = malloc(n_sec);
    assert_non_null(bad);
    size_t A = kn.n_arts, T = (size_t)1 << kn.bits;
    size_t lang_at = 32 + 8 * A, key_at = lang_at + ((A + 3) & ~(size_t)3);
    size_t post_at = key_at + 12 * T, ids_at = n_sec - US_KNN_ID * A;
    size_t empty = 0;   /* an empty slot of the table (3 u32: key, start, count) */
    while (kn.slot[3 * empty]) empty++;
    size_t used = 0;    /* and a slot in use */
    while (!kn.slot[3 * used]) used++;
    struct { size_t off; unsigned char val; size_t len; int rc; } cases[] = {
        {0, 2, n_sec, US_EVERSION},          /* a future format */
        {4, 15, n_sec, US_EFORMAT},          /* another label count */
        {8, 0, n_sec, US_EFORMAT},           /* k = 0 */
        {15, 0x40, n_sec, US_EFORMAT},       /* weight 2.x */
        {20, 30, n_sec, US_EFORMAT},         /* bits that do not match the size */
        {28, 1, n_sec, US_EFORMAT},          /* reserved */
        {32 + 1, 0x40, n_sec, US_EFORMAT},   /* a frame bit beyond the 14 */
        {lang_at, 9, n_sec, US_EFORMAT},     /* an unknown language */
        {key_at + 12 * empty + 8, 1, n_sec, US_EFORMAT},   /* an empty slot with postings */
        {key_at + 12 * empty + 4, 1, n_sec, US_EFORMAT},   /* ... or a first posting */
        {key_at + 12 * used + 11, 0x7f, n_sec, US_EFORMAT},   /* postings past the end */
        {post_at + 1, 0x10, n_sec, US_EFORMAT},         /* a posting past the articles */
        {post_at, 0, n_sec, US_EFORMAT},     /* a posting with tf 0 */
        {ids_at + 1, 0x07, n_sec, US_EFORMAT},   /* a control byte in an id */
        {ids_at + 5, 'x', n_sec, US_EFORMAT},    /* a byte after an id's NUL */
        {ids_at, 0, n_sec, US_EFORMAT},          /* an empty id (then "00") */
        {0, 1, n_sec - 4, US_EFORMAT},       /* truncated */
        {0, 1, 20, US_EFORMAT},              /* shorter than the header */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        memcpy(bad, sec, n_sec);
        bad[cases[c].off] = cases[c].val;
        us_knn out;
        assert_int_equal(load_section(bad, cases[c].len, &out, &err), cases[c].rc);
        assert_false(out.present);
        assert_true(strstr(err.msg, "KNN1") != NULL);
    }
    /* A full key table: every probe for a missing key would run forever. */
    memcpy(bad, sec, n_sec);
    for (size_t p = 0; p < T; p++)
        if (!kn.slot[3 * p]) memset(bad + key_at + 12 * p, 0x11, 4);
    us_knn out;
    assert_int_equal(load_section(bad, n_sec, &out, &err), US_EFORMAT);
    assert_true(strstr(err.msg, "full") != NULL);
    free(bad);
    /* A model without the section: not present, no error. */
    us_mfile *mf2 = us_test_one_section("META", "x=1", 3, &err);
    assert_int_equal(us_knn_load(mf2, &kn, &err), US_OK);
    assert_false(kn.present);
    us_mfile_close(mf2);
    us_mfile_close(mf);
    us_knn_build_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neighbours_vote),
        cmocka_unit_test(test_words_of_one_article_ignored),
        cmocka_unit_test(test_bad_arguments_and_determinism),
        cmocka_unit_test(test_round_trip_and_corruption),
    };
    return cmocka_run_group_tests_name("knn", tests, NULL, NULL);
}
