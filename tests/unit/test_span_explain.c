/* test_span_explain.c -- cues of span decisions (src/task/span_explain.c). */
#include "harness.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/model.h"
#include "task/span_explain.h"

static char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    us_err err = {0};
    if (us_read_file(path, (size_t)1 << 26, &data, len, &err) != US_OK)
        fail_msg("cannot read %s: %s", path, err.msg);
    return data;
}

static void lower(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

/* Tokenises txt into t and leaves sm a present tagger with no weights (the
 * features need only its bits and seed). */
static void text_and_tagger(us_text *t, const char *txt, us_span_model *sm)
{
    us_text_init(t);
    us_err err = {0};
    assert_int_equal(us_text_tokenize(t, txt, strlen(txt), &err), US_OK);
    memset(sm, 0, sizeof *sm);
    sm->present = 1;
}

/* ---- the feature definition ------------------------------------------------ */

/* The span tagger's weights are indexed by these bucket ids, so the shipped
 * model is only right while they stay what it was trained with. FNV-1a of
 * every bucket id of a fixed text, as the implementation that trained
 * d9e30af1ff0b0292 computes them (and the one before it, at b25234e, did: the
 * rewrite of 2026-11-27 kept them); a change here needs a new model. */
static void test_feature_definition_pinned(void **state)
{
    (void)state;
    static const char *txt =
        "\"Trojan horses\", he said: the EU's statement is a ridiculous farce!\n"
        "\n"
        "Two different, high-ranking intel sources. Claims 12,500 times over?\n"
        "«Миротворцы» ОДКБ — zażółć gęślą jaźń 😀 "
        "internationalisationsprogrammeinternationalisationsprogrammeinternational.\n"
        "Alone\n";
    us_text t;
    us_span_model sm;
    text_and_tagger(&t, txt, &sm);
    uint64_t fnv = US_TEST_FNV0;
    for (uint32_t bits = 12; bits <= 17; bits += 5)
        for (int lang = -1; lang < 3; lang++) {
            sm.bucket_bits = bits;
            sm.seed = 23463u + (uint32_t)lang;
            for (uint32_t l = 0; l < t.n_lines; l++) {
                uint32_t a = t.lines[l].tok_begin, b = t.lines[l].tok_end;
                if (a == b) continue;
                uint32_t *f = malloc((size_t)(b - a) * US_SPAN_NF * sizeof *f);
                uint64_t *h = malloc((size_t)(b - a) * US_SPAN_H_PER_TOK * sizeof *h);
                assert_non_null(f);
                assert_non_null(h);
                us_span_features(&sm, &t, a, b, lang, f, h);
                for (size_t k = 0; k < (size_t)(b - a) * US_SPAN_NF; k++)
                    fnv = us_test_fnv_u32(fnv, f[k]);
                free(f);
                free(h);
            }
        }
    us_text_fini(&t);
    if (fnv != 0x6c9bd37045788d65ull)
        fail_msg("span feature fingerprint %016llx: the features changed; retrain the model",
                 (unsigned long long)fnv);
}

/* ---- names and hashes ------------------------------------------------------ */

typedef struct seen {
    char name[64];
    uint32_t bucket;
    int j;
} seen;

static int cmp_seen(const void *x, const void *y)
{
    const seen *a = x, *b = y;
    if (a->j != b->j) return a->j - b->j;
    return strcmp(a->name, b->name);
}

/* Every name must stand for exactly one feature value: within a feature
 * slot, equal names give equal buckets and different names never share one
 * (a name coarser or finer than the hash shows up here). 32-bit buckets
 * leave no room for chance collisions. */
static void test_names_match_hashes(void **state)
{
    (void)state;
    size_t l1, l2;
    char *ex = read_all("examples/oped-bridge.txt", &l1);
    char *ml = read_all(US_FIXTURES "/analyze/multilingual.txt", &l2);
    const char *extra =
        "The THE the «Quoted Words» here, \"and THESE\" too. NATO and Nato; 3.5 and 2,000!!!\n"
        "Ünïcödé ÉCOLE école… Straße STRASSE — l'homme don't high-ranking 😀 👍🏽 end\n"
        "Short. A b. Tiny lines? Yes! \"Quote\" start and \"end\"\n";
    size_t cap = l1 + l2 + strlen(extra) + 3;
    char *txt = malloc(cap);
    snprintf(txt, cap, "%s\n%s\n%s", ex, ml, extra);
    us_text t;
    us_span_model sm;
    text_and_tagger(&t, txt, &sm);
    sm.bucket_bits = 32;
    sm.seed = 0x5ba7;
    seen *all = calloc(t.n_toks * US_SPAN_NF, sizeof *all);
    size_t n_all = 0;
    for (int lang = -1; lang < 2; lang++) {
        n_all = 0;
        for (size_t l = 0; l < t.n_lines; l++) {
            uint32_t a = t.lines[l].tok_begin, b = t.lines[l].tok_end, n = b - a;
            if (!n) continue;
            uint32_t *feat = malloc((size_t)n * US_SPAN_NF * 4);
            uint64_t *h = malloc((size_t)n * US_SPAN_H_PER_TOK * 8);
            us_span_features(&sm, &t, a, b, lang, feat, h);
            for (uint32_t i = 0; i < n; i++)
                for (int j = 0; j < US_SPAN_NF; j++) {
                    seen *s = &all[n_all++];
                    size_t nl = us_span_feature_name(&t, a, b, lang, i, j, s->name,
                                                     sizeof s->name);
                    assert_int_equal(nl, strlen(s->name));
                    assert_true(nl > 0 && nl < sizeof s->name);
                    assert_int_equal(us_utf8_validate(s->name, nl, NULL), US_OK);
                    s->bucket = feat[(size_t)i * US_SPAN_NF + (size_t)j];
                    s->j = j;
                }
            free(feat);
            free(h);
        }
        qsort(all, n_all, sizeof *all, cmp_seen);
        size_t distinct = 0, shared = 0;
        for (size_t x = 0; x < n_all; x++) {
            if (x && all[x].j == all[x - 1].j && !strcmp(all[x].name, all[x - 1].name)) {
                if (all[x].bucket != all[x - 1].bucket)
                    fail_msg("name %s (feature %d) has buckets %u and %u", all[x].name,
                             all[x].j, all[x - 1].bucket, all[x].bucket);
                continue;
            }
            distinct++;
            /* Another name of the same slot in this bucket? */
            for (size_t y = x; y-- > 0 && all[y].j == all[x].j;)
                if (all[y].bucket == all[x].bucket && strcmp(all[y].name, all[x].name)) {
                    if (!shared++) fprintf(stderr, "same bucket: %s / %s\n", all[y].name, all[x].name);
                    break;
                }
        }
        assert_true(distinct > 500);
        if (shared) fail_msg("%zu of %zu names share a bucket", shared, distinct);
    }
    free(all);

    /* Spot check: the token "farce" in "a "ridiculous farce", but". */
    const char *line = "Mayor called it a \"ridiculous farce\", but the farce is here.";
    us_err err = {0};
    assert_int_equal(us_text_tokenize(&t, line, strlen(line), &err), US_OK);
    uint32_t a = t.lines[0].tok_begin, b = t.lines[0].tok_end, fi = b;
    for (uint32_t i = a; i < b; i++)
        if (t.toks[i].end_byte - t.toks[i].start_byte == 5 &&
            !memcmp(line + t.toks[i].start_byte, "farce", 5)) { fi = i; break; }
    assert_true(fi < b);
    const char *want[US_SPAN_NF] = {
        "bias", "lang:en", "w:farce", "raw:farce", "prev:ridiculous", "prev2:\"",
        "next:\"", "next2:,", "bigram:ridiculous farce", "bigram_next:farce \"",
        "prev_bigram:\" ridiculous", "next_bigram:\" ,", "pre3:far", "suf3:rce", "pre4:farc",
        "suf4:arce", "shape:word/quoted/4-5", "prev_shape:word/quoted/10-19",
        "next_shape:punct/1", "shapes:word/quoted/10-19 word/quoted/4-5 punct/1",
        "pos:sent+6-9", "pos:sent_end-6-9", "pos:para+6-9", "pos:para_end-6-9",
        "lang_w:en:farce", "quote:prev+this"};
    for (int j = 0; j < US_SPAN_NF; j++) {
        char name[64];
        us_span_feature_name(&t, a, b, 0, fi - a, j, name, sizeof name);
        assert_string_equal(name, want[j]);
    }
    /* Line edges and no language. */
    char name[64];
    us_span_feature_name(&t, a, b, -1, 0, 10, name, sizeof name);
    assert_string_equal(name, "prev_bigram:<s> <s>");
    us_span_feature_name(&t, a, b, -1, b - a - 1, 6, name, sizeof name);
    assert_string_equal(name, "next:</s>");
    us_span_feature_name(&t, a, b, -1, 0, 24, name, sizeof name);
    assert_string_equal(name, "lang_w:xx:mayor");
    us_span_feature_name(&t, a, b, -1, 0, 3, name, sizeof name);
    assert_string_equal(name, "raw:Mayor");
    us_span_feature_name(&t, a, b, -1, 0, 20, name, sizeof name);
    assert_string_equal(name, "pos:sent+0,first");
    /* A small buffer cuts on a code-point boundary. */
    const char *cyr = "Привет мир";
    assert_int_equal(us_text_tokenize(&t, cyr, strlen(cyr), &err), US_OK);
    assert_int_equal(us_span_feature_name(&t, 0, 2, -1, 0, 2, name, 8), 6);
    assert_string_equal(name, "w:\xd0\xbf\xd1\x80");   /* "w:пр" */
    us_text_fini(&t);
    free(txt);
    free(ex);
    free(ml);
}

/* ---- the default model on the bundled example -------------------------------- */

/* True when every word a lexical cue names (the part after the prefix;
 * both words of a bigram) occurs in the lower-cased span text. */
static int cue_words_in(const char *cue, const char *span_lc)
{
    static const char *const one[] = {"w:", "raw:", "prev:", "prev2:", "next:", "next2:",
                                      "pre3:", "suf3:", "pre4:", "suf4:"};
    static const char *const two[] = {"bigram:", "bigram_next:", "prev_bigram:",
                                      "next_bigram:"};
    char buf[64];
    for (size_t k = 0; k < US_ARRAY_LEN(one); k++)
        if (!strncmp(cue, one[k], strlen(one[k]))) {
            snprintf(buf, sizeof buf, "%s", cue + strlen(one[k]));
            lower(buf);
            return buf[0] && strcmp(buf, "<s>") && strcmp(buf, "</s>") && strstr(span_lc, buf);
        }
    for (size_t k = 0; k < US_ARRAY_LEN(two); k++)
        if (!strncmp(cue, two[k], strlen(two[k]))) {
            snprintf(buf, sizeof buf, "%s", cue + strlen(two[k]));
            lower(buf);
            char *sp = strchr(buf, ' ');
            if (!sp) return 0;
            *sp = '\0';
            return strcmp(buf, "<s>") && strcmp(sp + 1, "</s>") && strstr(span_lc, buf) &&
                   strstr(span_lc, sp + 1);
        }
    return 0;
}

static void test_default_model_example(void **state)
{
    (void)state;
    us_err err = {0};
    us_model *m = us_model_load("models/default.usm", &err);
    if (!m) fail_msg("models/default.usm: %s", err.msg);
    if (!m->spans.present) fail_msg("models/default.usm has no span tagger");
    size_t len;
    char *txt = read_all("examples/oped-bridge.txt", &len);
    const char *langs[2] = {NULL, "en"};
    for (int li = 0; li < 2; li++) {
        us_analysis *with = NULL, *without = NULL;
        us_analyze_opts o1 = {langs[li], 1, 0}, o0 = {langs[li], 0, 0};
        assert_int_equal(us_analyze(m, txt, len, &o1, &with, &err), US_OK);
        assert_int_equal(us_analyze(m, txt, len, &o0, &without, &err), US_OK);
        assert_int_equal(with->n_paras, without->n_paras);
        size_t n_spans = 0;
        int word_inside = 0;
        for (size_t i = 0; i < with->n_paras; i++) {
            const us_para_result *p1 = &with->paras[i], *p0 = &without->paras[i];
            assert_int_equal(p1->techniques, p0->techniques);
            assert_int_equal(p1->n_spans, p0->n_spans);
            for (size_t s = 0; s < p1->n_spans; s++) {
                const us_span_result *s1 = &p1->spans[s], *s0 = &p0->spans[s];
                /* The same decision, bit for bit; only the cues differ. */
                assert_int_equal(s1->technique, s0->technique);
                assert_int_equal(s1->start_cp, s0->start_cp);
                assert_int_equal(s1->end_cp, s0->end_cp);
                assert_int_equal(s1->start_byte, s0->start_byte);
                assert_int_equal(s1->end_byte, s0->end_byte);
                assert_memory_equal(&s1->confidence, &s0->confidence, sizeof(float));
                assert_null(s0->cues);
                assert_non_null(s1->cues);
                assert_true(s1->cues[0].name[0] && s1->cues[0].weight > 0);
                char span_lc[1024];
                snprintf(span_lc, sizeof span_lc, "%.*s", (int)(s1->end_byte - s1->start_byte),
                         txt + s1->start_byte);
                lower(span_lc);
                for (int k = 0; k < US_TOP_CUES; k++) {
                    const us_cue *c = &s1->cues[k];
                    if (!c->name[0]) {   /* unused entries come last */
                        for (int r = k; r < US_TOP_CUES; r++) assert_int_equal(s1->cues[r].name[0], 0);
                        break;
                    }
                    assert_true(c->weight > 0);
                    if (k) assert_true(c->weight <= s1->cues[k - 1].weight);
                    word_inside |= cue_words_in(c->name, span_lc);
                }
                n_spans++;
            }
        }
        /* Enough spans to exercise the cues; without a language the second
         * stage averages the six languages' biases and finds fewer (2 with
         * the model of ablation 62, 4 before). */
        assert_true(n_spans >= (langs[li] ? 5u : 2u));
        /* Cues point at the span's own words, not elsewhere. */
        assert_true(word_inside);
        us_analysis_free(with);
        us_analysis_free(without);
    }
    free(txt);
    us_model_free(m);
}

/* ---- a synthetic tagger: a cue word marks its span ----------------------------- */

static const char *const FILLER[] = {"the", "people", "said", "today", "that", "new", "plans",
                                     "will", "be", "soon", "and", "many", "citizens", "wait",
                                     "for", "news", "about", "prices", "again", "while"};

static void test_cue_word_is_a_cue(void **state)
{
    (void)state;
    us_dataset ds;
    us_dataset_init(&ds, NULL, NULL);
    size_t n_art = 60;
    ds.arts = us_calloc(n_art, sizeof *ds.arts);
    assert_non_null(ds.arts);
    ds.n = ds.cap = n_art;
    uint64_t rng = 11;
    const uint32_t TECH = 4;
    for (size_t x = 0; x < n_art; x++) {
        us_article *ar = &ds.arts[x];
        snprintf(ar->id, sizeof ar->id, "%zu", 100 + x);
        ar->genre = -1;
        ar->n_lines = 1;
        ar->line_labels = us_calloc(1, sizeof *ar->line_labels);
        ar->spans = us_calloc(1, sizeof *ar->spans);
        assert_non_null(ar->line_labels);
        assert_non_null(ar->spans);
        char buf[512];
        size_t n = 0, at = 2 + us_splitmix64(&rng) % 6;
        for (size_t w = 0; w < 10; w++) {
            if (w == at) {
                ar->spans[0] = (us_gold_span){TECH, (uint32_t)n, (uint32_t)n + 7};
                n += (size_t)snprintf(buf + n, sizeof buf - n, "zorblax ");
            }
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s ",
                                  FILLER[us_splitmix64(&rng) % US_ARRAY_LEN(FILLER)]);
        }
        buf[n - 1] = '.';
        ar->n_spans = 1;
        ar->line_labels[0] = 1u << TECH;
        ar->text[US_TASK_TECHNIQUES] = us_strndup(buf, n);
        ar->len[US_TASK_TECHNIQUES] = n;
    }
    us_span_cfg cfg;
    us_span_cfg_default(&cfg);
    cfg.bucket_bits = 12;
    cfg.inside_bias = 0;
    us_span_build bld;
    us_err err = {0};
    assert_int_equal(us_span_train(&ds, NULL, &cfg, &bld, &err), US_OK);
    us_mfile *mf = NULL;
    us_span_model sm;
    assert_int_equal(us_span_serve(&bld, &mf, &sm, &err), US_OK);
    assert_non_null(mf);
    assert_true(sm.present);

    const char *txt = "many citizens said zorblax about prices again today.";
    us_text t;
    us_text_init(&t);
    assert_int_equal(us_text_tokenize(&t, txt, strlen(txt), &err), US_OK);
    us_para_result p;
    memset(&p, 0, sizeof p);
    p.techniques = 1u << TECH;
    assert_int_equal(us_span_decode(&sm, &t, -1, 0, NULL, &p, &err), US_OK);
    assert_int_equal(p.n_spans, 1);
    assert_null(p.spans[0].cues);
    assert_int_equal(p.spans[0].end_byte - p.spans[0].start_byte, 7);
    assert_memory_equal(txt + p.spans[0].start_byte, "zorblax", 7);
    assert_int_equal(us_span_explain(&sm, &t, -1, 0, &p, &err), US_OK);
    assert_non_null(p.spans[0].cues);
    int found = 0;
    for (int k = 0; k < US_TOP_CUES; k++) found |= !strcmp(p.spans[0].cues[k].name, "w:zorblax");
    assert_true(found);
    /* Twice is the same as once; a bad line is an error. */
    us_cue first[US_TOP_CUES];
    memcpy(first, p.spans[0].cues, sizeof first);
    assert_int_equal(us_span_explain(&sm, &t, -1, 0, &p, &err), US_OK);
    assert_memory_equal(first, p.spans[0].cues, sizeof first);
    assert_int_equal(us_span_explain(&sm, &t, -1, 5, &p, &err), US_EINVAL);
    us_free(p.spans[0].cues);
    us_free(p.spans);

    us_text_fini(&t);
    us_mfile_close(mf);
    us_span_build_fini(&bld);
    us_dataset_fini(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_definition_pinned),
        cmocka_unit_test(test_names_match_hashes),
        cmocka_unit_test(test_default_model_example),
        cmocka_unit_test(test_cue_word_is_a_cue),
    };
    return cmocka_run_group_tests_name("span_explain", tests, NULL, NULL);
}
