/* test_span.c -- span offset repair and the technique span tagger. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "task/span.h"
#include "task/span_fix.h"
#include "model/mfile.h"

/* ---- helpers -------------------------------------------------------------- */

/* Code-point offset of the first occurrence of 'needle' in 'text'. */
static uint32_t cp_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    return (uint32_t)us_utf8_cp_count(text, (size_t)(p - text));
}

/* Number of '\n' before code point 'cp'. */
static uint32_t nl_before(const char *text, uint32_t cp)
{
    size_t b = us_utf8_cp_to_byte(text, strlen(text), cp);
    uint32_t n = 0;
    for (size_t i = 0; i < b; i++) n += text[i] == '\n';
    return n;
}

/* ---- span offset repair ------------------------------------------------------ */

static const char *ART =
    "The minister spoke today about the budget.\n"
    "\n"
    "Critics say this is a total disaster for everyone.\n"
    "\n"
    "Only a traitor would vote for such a plan.\n"
    "\n"
    "Is this really what the people want?\n";

static void make_gold(us_gold_span *sp, uint32_t *labels)
{
    /* lines (1-based): 1, 3, 5, 7 carry text */
    memset(labels, 0, 7 * sizeof *labels);
    const char *frag[4] = {"spoke today", "total disaster", "traitor", "really what the people"};
    uint32_t tech[4] = {3, 7, 12, 5};
    uint32_t line[4] = {1, 3, 5, 7};
    for (int i = 0; i < 4; i++) {
        sp[i].tech = tech[i];
        sp[i].start_cp = cp_of(ART, frag[i]);
        sp[i].end_cp = sp[i].start_cp + (uint32_t)us_utf8_cp_count(frag[i], strlen(frag[i]));
        labels[line[i] - 1] |= 1u << tech[i];
    }
}

static void test_fix_crlf_repaired_exactly(void **state)
{
    (void)state;
    us_gold_span plain[4], sp[4];
    uint32_t labels[7];
    make_gold(plain, labels);
    for (int i = 0; i < 4; i++) {   /* the annotation tool's CRLF view */
        sp[i] = plain[i];
        sp[i].start_cp += nl_before(ART, plain[i].start_cp);
        sp[i].end_cp += nl_before(ART, plain[i].end_cp);
    }
    us_span_fix_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(us_span_fix_article(ART, strlen(ART), labels, 7, sp, 4, &st), 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sp[i].start_cp, plain[i].start_cp);
        assert_int_equal(sp[i].end_cp, plain[i].end_cp);
    }
    assert_int_equal(st.n_articles, 1);
    assert_int_equal(st.n_repaired, 1);
    assert_int_equal(st.n_spans, 4);
    assert_int_equal(st.n_consistent, 4);
    assert_int_equal(st.n_trimmed, 0);

    /* Plain offsets stay as they are. */
    memcpy(sp, plain, sizeof sp);
    assert_int_equal(us_span_fix_article(ART, strlen(ART), labels, 7, sp, 4, NULL), 0);
    assert_memory_equal(sp, plain, sizeof sp);

    /* Without line labels the word-boundary criterion still decides. */
    for (int i = 0; i < 4; i++) {
        sp[i] = plain[i];
        sp[i].start_cp += nl_before(ART, plain[i].start_cp);
        sp[i].end_cp += nl_before(ART, plain[i].end_cp);
    }
    assert_int_equal(us_span_fix_article(ART, strlen(ART), NULL, 0, sp, 4, NULL), 1);
    assert_memory_equal(sp, plain, sizeof sp);
}

static void test_fix_line_boundaries(void **state)
{
    (void)state;
    const char *txt = "Alpha beta gamma\nDelta epsilon zeta\n";
    uint32_t labels[2] = {1u << 4, 0};
    us_gold_span sp[4] = {
        {4, cp_of(txt, "gamma"), cp_of(txt, "epsilon")},     /* crosses line 1 -> 2 */
        {4, cp_of(txt, "\nDelta"), cp_of(txt, "\nDelta") + 1}, /* only the newline */
        {4, 0, 5},                                           /* "Alpha", at the text start */
        {4, cp_of(txt, "zeta"), 40},                          /* past the text end */
    };
    us_span_fix_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(us_span_fix_article(txt, strlen(txt), labels, 2, sp, 4, &st), 0);
    /* Cut to line 1 (labelled with the technique): "gamma". */
    assert_int_equal(sp[0].start_cp, cp_of(txt, "gamma"));
    assert_int_equal(sp[0].end_cp, cp_of(txt, "gamma") + 5);
    assert_int_equal(sp[1].end_cp, sp[1].start_cp);           /* dropped */
    assert_int_equal(sp[2].start_cp, 0);
    assert_int_equal(sp[2].end_cp, 5);
    assert_int_equal(sp[3].start_cp, cp_of(txt, "zeta"));
    assert_int_equal(sp[3].end_cp, cp_of(txt, "zeta") + 4);   /* clamped to the line end */
    assert_int_equal(st.n_trimmed, 1);
    assert_int_equal(st.n_dropped, 1);
    assert_int_equal(st.n_clamped, 1);
    /* "zeta" lies on line 2, whose labels lack technique 4. */
    assert_int_equal(st.n_consistent, 2);
    assert_int_equal(st.n_inconsistent, 1);
}

/* ---- a synthetic dataset: cue words mark techniques --------------------------- */

#define T_CUE1 3     /* "zorblax" */
#define T_CUE2 9     /* "quuxor" */

static const char *const FILLER[] = {
    "the", "people", "government", "said", "today", "that", "new", "plans", "will", "be",
    "announced", "soon", "and", "many", "citizens", "are", "waiting", "for", "news", "about",
    "economy", "prices", "rise", "again", "while", "officials", "remain", "silent"};

static void add_words(char *buf, size_t cap, size_t *len, uint64_t *rng, int n)
{
    for (int i = 0; i < n; i++) {
        const char *w = FILLER[us_splitmix64(rng) % US_ARRAY_LEN(FILLER)];
        *len += (size_t)snprintf(buf + *len, cap - *len, "%s%s", *len && buf[*len - 1] != '\n'
                                 ? " " : "", w);
    }
}

/* Builds n articles of 3 lines; each line holds cue words at random places,
 * and the gold span of a cue's technique is exactly the cue word. */
static void make_dataset(us_dataset *ds, size_t n, uint64_t seed)
{
    us_dataset_init(ds, NULL, NULL);
    ds->arts = us_calloc(n, sizeof *ds->arts);
    assert_non_null(ds->arts);
    ds->n = ds->cap = n;
    uint64_t rng = seed;
    for (size_t a = 0; a < n; a++) {
        us_article *ar = &ds->arts[a];
        snprintf(ar->id, sizeof ar->id, "%zu", 1000 + a);
        ar->lang = (int)(a % 3);
        ar->genre = -1;
        char buf[2048];
        size_t len = 0;
        buf[0] = '\0';
        us_gold_span sp[16];
        size_t ns = 0;
        ar->n_lines = 3;
        ar->line_labels = us_calloc(3, sizeof *ar->line_labels);
        assert_non_null(ar->line_labels);
        for (int l = 0; l < 3; l++) {
            add_words(buf, sizeof buf, &len, &rng, 3 + (int)(us_splitmix64(&rng) % 5));
            for (int c = 0; c < 2; c++) {
                uint64_t r = us_splitmix64(&rng) % 3;
                if (r == 2) continue;
                const char *cue = r == 0 ? "zorblax" : "quuxor";
                uint32_t tech = r == 0 ? T_CUE1 : T_CUE2;
                len += (size_t)snprintf(buf + len, sizeof buf - len, " ");
                uint32_t s = (uint32_t)us_utf8_cp_count(buf, len);
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", cue);
                sp[ns++] = (us_gold_span){tech, s, s + (uint32_t)strlen(cue)};
                ar->line_labels[l] |= 1u << tech;
                add_words(buf, sizeof buf, &len, &rng, 2 + (int)(us_splitmix64(&rng) % 4));
            }
            len += (size_t)snprintf(buf + len, sizeof buf - len, ".\n");
        }
        ar->text[US_TASK_TECHNIQUES] = us_strndup(buf, len);
        ar->len[US_TASK_TECHNIQUES] = len;
        ar->spans = us_calloc(ns ? ns : 1, sizeof *ar->spans);
        assert_non_null(ar->text[US_TASK_TECHNIQUES]);
        assert_non_null(ar->spans);
        memcpy(ar->spans, sp, ns * sizeof *sp);
        ar->n_spans = ns;
    }
}

/* Trains a small tagger and returns it serialised (OUT: *mem, *len; us_free). */
static void train_to_memory(void **mem, size_t *len)
{
    us_dataset ds;
    make_dataset(&ds, 60, 7);
    us_span_cfg cfg;
    us_span_cfg_default(&cfg);
    cfg.bucket_bits = 12;
    cfg.epochs = 5;
    cfg.inside_bias = 0.0f;   /* exact spans: the data has one-word spans */
    us_span_build b;
    us_err err = {0};
    assert_int_equal(us_span_train(&ds, NULL, &cfg, &b, &err), US_OK);
    assert_true(b.n_instances > 50);
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    assert_int_equal(us_span_write(&b, w, &err), US_OK);
    assert_int_equal(us_mfw_add(w, "META", "x=1", 3, &err), US_OK);
    assert_int_equal(us_mfw_to_memory(w, 0, mem, len, &err), US_OK);
    us_mfw_free(w);
    us_span_build_fini(&b);
    us_dataset_fini(&ds);
}

typedef struct fixture {
    us_mfile *mf;
    us_span_model sm;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    void *mem;
    size_t len;
    us_err err = {0};
    train_to_memory(&mem, &len);
    fx->mf = us_mfile_from_memory(mem, len, &err);
    us_free(mem);
    if (!fx->mf || us_span_load(fx->mf, &fx->sm, &err) != US_OK || !fx->sm.present) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    us_mfile_close(fx->mf);
    free(fx);
    return 0;
}

/* Decodes line 'line' of 'txt' for 'techs'. OUT: p (caller frees p->spans). */
static void decode(const us_span_model *sm, us_text *t, const char *txt, uint32_t line,
                   uint32_t techs, us_para_result *p)
{
    us_err err = {0};
    assert_int_equal(us_text_tokenize(t, txt, strlen(txt), &err), US_OK);
    memset(p, 0, sizeof *p);
    p->line = line + 1;
    p->techniques = techs;
    assert_int_equal(us_span_decode(sm, t, 0, line, NULL, p, &err), US_OK);
}

/* ---- tagger ------------------------------------------------------------------ */

static void test_cue_word_found(void **state)
{
    fixture *fx = *state;
    const char *txt = "officials said the plans will rise.\n"
                      "many citizens zorblax about news while prices quuxor again today.\n";
    us_text t;
    us_text_init(&t);
    us_para_result p;
    decode(&fx->sm, &t, txt, 1, 1u << T_CUE1 | 1u << T_CUE2, &p);
    int found1 = 0, found2 = 0;
    for (size_t i = 0; i < p.n_spans; i++) {
        const us_span_result *s = &p.spans[i];
        size_t n = s->end_byte - s->start_byte;
        if (s->technique == T_CUE1 && n == 7 && !memcmp(txt + s->start_byte, "zorblax", 7))
            found1 = 1;
        if (s->technique == T_CUE2 && n == 6 && !memcmp(txt + s->start_byte, "quuxor", 6))
            found2 = 1;
        assert_true(s->confidence >= 0.0f && s->confidence <= 1.0f);
    }
    assert_true(found1);
    assert_true(found2);
    us_free(p.spans);
    us_text_fini(&t);
}

static void test_decoding_consistency(void **state)
{
    fixture *fx = *state;
    const char *txt = "the government said that new plans will be announced soon.\n\n"
                      "zorblax\n";
    us_text t;
    us_text_init(&t);
    us_para_result p;
    /* No technique predicted: no spans. */
    decode(&fx->sm, &t, txt, 0, 0, &p);
    assert_null(p.spans);
    assert_int_equal(p.n_spans, 0);
    /* Techniques without any cue still get >= 1 span each, and nothing else. */
    uint32_t techs = 1u << 0 | 1u << 5 | 1u << 22;
    decode(&fx->sm, &t, txt, 0, techs, &p);
    uint32_t seen = 0;
    int last_tech = -1;
    for (size_t i = 0; i < p.n_spans; i++) {
        const us_span_result *s = &p.spans[i];
        assert_true(techs >> s->technique & 1u);
        assert_true(s->technique >= last_tech);            /* ordered by technique */
        last_tech = s->technique;
        seen |= 1u << s->technique;
        assert_true(s->start_cp < s->end_cp);
        assert_true(s->start_cp >= t.lines[0].start_cp && s->end_cp <= t.lines[0].end_cp);
        assert_true(s->confidence >= 0.0f && s->confidence <= 1.0f);
    }
    assert_int_equal(seen, techs);
    us_free(p.spans);
    /* Confidence scales with the paragraph probability. */
    decode(&fx->sm, &t, txt, 0, 1u << 5, &p);
    float c1 = p.spans[0].confidence;
    us_free(p.spans);
    memset(&p, 0, sizeof p);
    p.techniques = 1u << 5;
    p.prob_text[5] = 0.5f;
    p.prob[5] = 0.9f;   /* the article-context probability does not enter */
    us_err err = {0};
    assert_int_equal(us_span_decode(&fx->sm, &t, 0, 0, NULL, &p, &err), US_OK);
    assert_true(p.n_spans >= 1);
    assert_float_equal(p.spans[0].confidence, 0.5f * c1, 1e-5);
    us_free(p.spans);
    /* An empty line and a line out of range. */
    decode(&fx->sm, &t, txt, 1, techs, &p);
    assert_int_equal(p.n_spans, 0);
    memset(&p, 0, sizeof p);
    p.techniques = techs;
    assert_int_equal(us_span_decode(&fx->sm, &t, 0, 99, NULL, &p, &err), US_EINVAL);
    /* No model: no spans. */
    us_span_model none;
    memset(&none, 0, sizeof none);
    decode(&none, &t, txt, 0, techs, &p);
    assert_int_equal(p.n_spans, 0);
    us_text_fini(&t);
}

/* us_span_scores is the logit of the best span's confidence that decoding
 * reports for the same technique (paragraph probability 1), for every
 * technique at once; the cue word's technique scores highest where it occurs. */
static void test_span_scores_match_decoding(void **state)
{
    fixture *fx = *state;
    const char *txt = "officials said the plans will rise.\n"
                      "many citizens zorblax about news while prices rise again today.\n\n";
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    uint32_t all = (1u << US_N_TECHNIQUES) - 1;
    float sc[2][US_N_TECHNIQUES];
    for (uint32_t line = 0; line < 2; line++) {
        us_para_result p;
        decode(&fx->sm, &t, txt, line, all, &p);
        assert_int_equal(us_span_scores(&fx->sm, &t, 0, line, all, sc[line], &err), US_OK);
        for (int k = 0; k < US_N_TECHNIQUES; k++) {
            float best = 0;
            for (size_t i = 0; i < p.n_spans; i++)
                if (p.spans[i].technique == k && p.spans[i].confidence > best)
                    best = p.spans[i].confidence;
            assert_true(best > 0);   /* forced decoding: every technique has a span */
            assert_float_equal(best, 1.0f / (1.0f + expf(-sc[line][k])), 1e-5);
        }
        us_free(p.spans);
    }
    assert_true(sc[1][T_CUE1] > sc[0][T_CUE1]);
    /* A mask scores only its techniques, the same as scoring all. */
    float z[US_N_TECHNIQUES];
    uint32_t some = 1u << T_CUE1 | 1u << 5;
    assert_int_equal(us_span_scores(&fx->sm, &t, 0, 1, some, z, &err), US_OK);
    for (int k = 0; k < US_N_TECHNIQUES; k++)
        assert_true(z[k] == (some >> k & 1u ? sc[1][k] : US_SPAN_SCORE_NONE));
    /* One technique alone takes the scalar emission loop, several the vector
     * one where the CPU has it: the same bits either way. */
    for (uint32_t k = 0; k < US_N_TECHNIQUES; k++) {
        assert_int_equal(us_span_scores(&fx->sm, &t, 0, 1, 1u << k, z, &err), US_OK);
        assert_memory_equal(&z[k], &sc[1][k], sizeof z[k]);
    }
    /* An empty line, no model, no technique: none; a line out of range: an error. */
    assert_int_equal(us_span_scores(&fx->sm, &t, 0, 2, all, z, &err), US_OK);
    for (int k = 0; k < US_N_TECHNIQUES; k++) assert_true(z[k] == US_SPAN_SCORE_NONE);
    us_span_model none;
    memset(&none, 0, sizeof none);
    assert_int_equal(us_span_scores(&none, &t, 0, 0, all, z, &err), US_OK);
    for (int k = 0; k < US_N_TECHNIQUES; k++) assert_true(z[k] == US_SPAN_SCORE_NONE);
    assert_int_equal(us_span_scores(&fx->sm, &t, 0, 1, 0, z, &err), US_OK);
    for (int k = 0; k < US_N_TECHNIQUES; k++) assert_true(z[k] == US_SPAN_SCORE_NONE);
    assert_int_equal(us_span_scores(&fx->sm, &t, 0, 99, all, z, &err), US_EINVAL);
    /* A pass made for scoring decodes a subset of its techniques exactly as a
     * fresh decode does, and refuses a technique it does not hold. */
    us_span_pass *w = NULL;
    assert_int_equal(us_span_pass_new(&fx->sm, &t, 0, 1, some | 1u << 9, NULL, &w, &err), US_OK);
    assert_non_null(w);
    assert_int_equal(us_span_pass_mask(w), some | 1u << 9);
    us_para_result p1, p2;
    memset(&p1, 0, sizeof p1);
    memset(&p2, 0, sizeof p2);
    p1.techniques = p2.techniques = some;
    p1.prob_text[T_CUE1] = p2.prob_text[T_CUE1] = 0.8f;
    assert_int_equal(us_span_pass_decode(&fx->sm, &t, w, &p1, &err), US_OK);
    assert_int_equal(us_span_decode(&fx->sm, &t, 0, 1, NULL, &p2, &err), US_OK);
    assert_true(p1.n_spans >= 2);
    assert_int_equal(p1.n_spans, p2.n_spans);
    assert_memory_equal(p1.spans, p2.spans, p1.n_spans * sizeof *p1.spans);
    us_free(p1.spans);
    us_free(p2.spans);
    uint32_t missing = ((1u << US_N_TECHNIQUES) - 1) & ~us_span_pass_mask(w);
    p1.techniques = missing & (0u - missing);   /* the lowest technique not held */
    assert_true(p1.techniques != 0);
    assert_int_equal(us_span_pass_decode(&fx->sm, &t, w, &p1, &err), US_EINVAL);
    us_span_pass_free(w);
    us_text_fini(&t);
}

/* The token cache changes nothing but the speed: a pass with a cold cache,
 * a warm one, one in another language (the word-and-language slot is kept
 * for one language at a time), and one last filled by a model with another
 * hash seed scores exactly as a pass without a cache. */
static void test_token_cache_exact(void **state)
{
    fixture *fx = *state;
    const char *txt = "Officials said the zorblax plans will rise, officials said.\n"
                      "The plans, the PLANS and the quuxor plans again: "
                      "averyveryverylongwordnevercached rise.\n";
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    assert_int_equal(us_text_tokenize(&t, txt, strlen(txt), &err), US_OK);
    us_span_model other = fx->sm;
    other.seed ^= 0x1234u;
    us_span_cache *c = us_span_cache_new();
    assert_non_null(c);
    uint32_t all = (1u << US_N_TECHNIQUES) - 1;
    const us_span_model *models[] = {&fx->sm, &fx->sm, &fx->sm, &other, &fx->sm};
    const int langs[] = {1, 1, 3, 1, 1};
    float first[2][US_N_TECHNIQUES], second[US_N_TECHNIQUES];
    for (size_t r = 0; r < 5; r++)
        for (uint32_t line = 0; line < 2; line++) {
            float want[US_N_TECHNIQUES], got[US_N_TECHNIQUES];
            us_span_pass *w0 = NULL, *w1 = NULL;
            int lang = langs[r];
            assert_int_equal(us_span_pass_new(models[r], &t, lang, line, all, NULL, &w0, &err),
                             US_OK);
            assert_int_equal(us_span_pass_new(models[r], &t, lang, line, all, c, &w1, &err),
                             US_OK);
            us_span_pass_scores(models[r], w0, want);
            us_span_pass_scores(models[r], w1, got);
            assert_memory_equal(want, got, sizeof want);
            if (r == 0) memcpy(first[line], want, sizeof want);
            if (r == 3 && line == 1) memcpy(second, want, sizeof want);
            us_span_pass_free(w0);
            us_span_pass_free(w1);
        }
    /* The other seed does hash differently, so the cache had to start afresh. */
    assert_true(memcmp(first[1], second, sizeof second) != 0);
    us_span_cache_free(c);
    us_text_fini(&t);
}

static void test_multilingual_offsets(void **state)
{
    fixture *fx = *state;
    const char *txt = "Вступление.\n"
                      "«Привет», сказал он — zorblax! Zażółć gęślą jaźń 😀 👍🏽 quuxor "
                      "ещё раз… 🇵🇱 koniec.\n";
    us_text t;
    us_text_init(&t);
    us_para_result p;
    decode(&fx->sm, &t, txt, 1, (1u << US_N_TECHNIQUES) - 1, &p);
    assert_true(p.n_spans >= US_N_TECHNIQUES);
    size_t len = strlen(txt);
    for (size_t i = 0; i < p.n_spans; i++) {
        const us_span_result *s = &p.spans[i];
        size_t b0 = us_utf8_cp_to_byte(txt, len, s->start_cp);
        size_t b1 = us_utf8_cp_to_byte(txt, len, s->end_cp);
        assert_int_equal(b0, s->start_byte);
        assert_int_equal(b1, s->end_byte);
        assert_int_equal(us_utf8_cp_count(txt + s->start_byte, s->end_byte - s->start_byte),
                         s->end_cp - s->start_cp);
        assert_true(s->start_byte >= t.lines[1].start_byte && s->end_byte <= t.lines[1].end_byte);
    }
    us_free(p.spans);
    us_text_fini(&t);
}

/* ---- model file ----------------------------------------------------------------- */

/* Copy of the SPAN section of the fixture, for tampering. OUT: *len. */
/* Two taggers decode a paragraph of unknown and known words identically. */
static void assert_same_spans(const us_span_model *a, const us_span_model *b)
{
    const char *txt = "many citizens zorblax about news while prices quuxor again.\n";
    us_text t;
    us_text_init(&t);
    us_para_result p1, p2;
    decode(a, &t, txt, 0, 0x7fffff, &p1);
    decode(b, &t, txt, 0, 0x7fffff, &p2);
    assert_int_equal(p1.n_spans, p2.n_spans);
    assert_memory_equal(p1.spans, p2.spans, p1.n_spans * sizeof *p1.spans);
    us_free(p1.spans);
    us_free(p2.spans);
    us_text_fini(&t);
}

static unsigned char *span_copy(const fixture *fx, size_t *len)
{
    const void *d;
    assert_int_equal(us_mfile_section(fx->mf, "SPAN", &d, len), US_OK);
    unsigned char *c = malloc(*len);
    memcpy(c, d, *len);
    return c;
}

/* Format 2: the bucket rows start at 32 + 52 L rounded up to 64. */
#define SPAN_ROWS_OFF ((32 + 52 * (size_t)US_N_TECHNIQUES + 63) & ~(size_t)63)

/* A container holding 'sec' (len bytes) as its SPAN section. OUT: *n. */
static void *container_bytes(const void *sec, size_t len, size_t *n)
{
    us_err err = {0};
    us_mfw *w = us_mfw_new();
    void *mem;
    assert_int_equal(us_mfw_add(w, "SPAN", sec, len, &err), US_OK);
    assert_int_equal(us_mfw_to_memory(w, 0, &mem, n, &err), US_OK);
    us_mfw_free(w);
    return mem;
}

/* The same container, opened (checksums verified). */
static us_mfile *open_container(const void *sec, size_t len, us_err *err)
{
    size_t n;
    void *mem = container_bytes(sec, len, &n);
    us_mfile *mf = us_mfile_from_memory(mem, n, err);
    us_free(mem);
    assert_non_null(mf);
    return mf;
}

/* Wraps 'sec' (len bytes) as the SPAN section of a new container and loads it. */
static int load_blob(const unsigned char *sec, size_t len, us_err *err)
{
    us_mfile *mf = open_container(sec, len, err);
    us_span_model sm;
    int rc = us_span_load(mf, &sm, err);
    if (rc != US_OK) assert_int_equal(sm.present, 0);
    us_mfile_close(mf);
    return rc;
}

static void test_save_load_round_trip(void **state)
{
    fixture *fx = *state;
    size_t len;
    unsigned char *sec = span_copy(fx, &len);
    us_err err = {0};
    assert_int_equal(load_blob(sec, len, &err), US_OK);
    assert_int_equal(fx->sm.bucket_bits, 12);
    assert_int_equal(len, SPAN_ROWS_OFF + 4096 * 64);
    /* A second serialisation of the same section decodes identically. */
    us_mfile *mf = open_container(sec, len, &err);
    us_span_model sm2;
    assert_int_equal(us_span_load(mf, &sm2, &err), US_OK);
    assert_same_spans(&fx->sm, &sm2);
    us_mfile_close(mf);
    /* A container without the section: no tagger, no error. */
    us_mfw *w = us_mfw_new();
    void *mem;
    size_t n;
    assert_int_equal(us_mfw_add(w, "META", "x", 1, &err), US_OK);
    assert_int_equal(us_mfw_to_memory(w, 0, &mem, &n, &err), US_OK);
    us_mfw_free(w);
    mf = us_mfile_from_memory(mem, n, &err);
    us_free(mem);
    assert_int_equal(us_span_load(mf, &sm2, &err), US_OK);
    assert_int_equal(sm2.present, 0);
    us_mfile_close(mf);
    free(sec);
}

/* Models written before format 2 (separate scale array, 46-byte weight
 * rows) still load and decode exactly as the same weights in format 2. */
static void test_format1_still_read(void **state)
{
    fixture *fx = *state;
    size_t len;
    unsigned char *sec = span_copy(fx, &len);
    const size_t L = US_N_TECHNIQUES, NB = 4096, head = 32 + 52 * L;
    size_t len1 = head + 4 * NB + NB * L * 2;
    unsigned char *v1 = calloc(len1, 1);
    memcpy(v1, sec, head);
    us_put_u32le(v1, 1);
    for (size_t f = 0; f < NB; f++) {
        memcpy(v1 + head + 4 * f, sec + SPAN_ROWS_OFF + 64 * f, 4);
        memcpy(v1 + head + 4 * NB + f * L * 2, sec + SPAN_ROWS_OFF + 64 * f + 4, L * 2);
    }
    us_err err = {0};
    us_mfile *mf = open_container(v1, len1, &err);
    us_span_model sm1;
    assert_int_equal(us_span_load(mf, &sm1, &err), US_OK);
    assert_int_equal(sm1.scale_stride, 4);
    for (uint32_t f = 0; f < NB; f += 97) {
        assert_true(us_span_scale(&sm1, f) == us_span_scale(&fx->sm, f));
        assert_memory_equal(us_span_q(&sm1, f), us_span_q(&fx->sm, f), L * 2);
    }
    assert_same_spans(&fx->sm, &sm1);
    us_mfile_close(mf);
    free(v1);
    free(sec);
}

static void test_corrupted_sections_rejected(void **state)
{
    fixture *fx = *state;
    size_t len;
    unsigned char *sec = span_copy(fx, &len);
    unsigned char *bad = malloc(len);
    us_err err = {0};
    const size_t L = US_N_TECHNIQUES;
    /* truncated, and one byte too long */
    assert_int_equal(load_blob(sec, len - 1, &err), US_EFORMAT);
    assert_int_equal(load_blob(sec, 16, &err), US_EFORMAT);
    unsigned char *longer = calloc(len + 1, 1);
    memcpy(longer, sec, len);
    assert_int_equal(load_blob(longer, len + 1, &err), US_EFORMAT);
    free(longer);
    struct { size_t off; uint32_t v; int code; } cases[] = {
        {0, 3, US_EVERSION},          /* format version */
        {4, 99, US_EVERSION},         /* feature version */
        {8, 22, US_EFORMAT},          /* label count */
        {12, 13, US_EFORMAT},         /* bucket bits vs size */
        {12, 40, US_EFORMAT},         /* bucket bits out of range */
        {24, 1, US_EFORMAT},          /* reserved */
        {20, 0x7fc00000u, US_EFORMAT},                   /* NaN inside bias */
        {32 + 48 * L, 0, US_EFORMAT},                    /* temperature 0 */
        {32 + 48 * L + 4, 0xbf800000u, US_EFORMAT},      /* temperature -1 */
        {32 + 4, 0x7f800000u, US_EFORMAT},               /* infinite transition */
        {SPAN_ROWS_OFF + 2 * 64, 0xbf800000u, US_EFORMAT},  /* negative row scale */
        {SPAN_ROWS_OFF + 9 * 64, 0x7fc00000u, US_EFORMAT},  /* NaN row scale */
        {0, 1, US_EFORMAT},           /* format 1 with a format-2 size */
    };
    for (size_t i = 0; i < US_ARRAY_LEN(cases); i++) {
        memcpy(bad, sec, len);
        us_put_u32le(bad + cases[i].off, cases[i].v);
        assert_int_equal(load_blob(bad, len, &err), cases[i].code);
        assert_non_null(strstr(err.msg, "SPAN"));
    }
    /* A flipped bit anywhere in the file is caught by the container checksum. */
    size_t n;
    void *mem = container_bytes(sec, len, &n);
    ((unsigned char *)mem)[n / 2] ^= 0x10;
    assert_null(us_mfile_from_memory(mem, n, &err));
    us_free(mem);
    free(bad);
    free(sec);
}

static void test_train_rejects_bad_cfg(void **state)
{
    (void)state;
    us_dataset ds;
    us_dataset_init(&ds, NULL, NULL);
    us_span_cfg cfg;
    us_span_cfg_default(&cfg);
    cfg.bucket_bits = 30;
    us_span_build b;
    us_err err = {0};
    assert_int_equal(us_span_train(&ds, NULL, &cfg, &b, &err), US_EINVAL);
    /* An empty dataset trains an empty (all-zero) tagger. */
    cfg.bucket_bits = 10;
    assert_int_equal(us_span_train(&ds, NULL, &cfg, &b, &err), US_OK);
    assert_int_equal(b.n_instances, 0);
    us_span_build_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fix_crlf_repaired_exactly),
        cmocka_unit_test(test_fix_line_boundaries),
        cmocka_unit_test(test_train_rejects_bad_cfg),
        cmocka_unit_test(test_cue_word_found),
        cmocka_unit_test(test_decoding_consistency),
        cmocka_unit_test(test_span_scores_match_decoding),
        cmocka_unit_test(test_token_cache_exact),
        cmocka_unit_test(test_multilingual_offsets),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_format1_still_read),
        cmocka_unit_test(test_corrupted_sections_rejected),
    };
    return cmocka_run_group_tests_name("span", tests, setup, teardown);
}
