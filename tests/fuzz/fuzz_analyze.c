/* fuzz_analyze.c -- libFuzzer target for the whole analysis path
 * (us_analyze + us_analysis_json over text, features and model heads).
 *
 * The model is built once in memory (tiny_model.h), or loaded once from
 * $UNSPIN_FUZZ_MODEL (e.g. models/default.usm) when that is set.
 * Input: byte 0 holds options (bit 0 explain, bits 1-3 the task mask,
 * bits 4-7 the language: 0 = none, 1..9 = en fr ge it po ru es gr ka,
 * 10+ = an unknown code); the rest is the article. Checks: invalid UTF-8 gives
 * US_EUTF8 and nothing else fails but US_ENOMEM/US_ETOOBIG; paragraphs are
 * ordered non-empty lines inside the text; probabilities are in [0, 1];
 * spans have cues exactly with explain; the JSON is valid (parsed with
 * jansson), has one entry per paragraph, and shows exactly the tasks not
 * asked for as null.
 * Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tiny_model.h"
#include "text/text.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static int prob_ok(float p) { return p >= 0.0f && p <= 1.0f; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const langs[] = {NULL, "en", "fr", "ge", "it", "po", "ru", "es", "gr",
                                        "ka", "zz", "", "EN", "xx-yy", "de", "pl"};
    const us_model *m = fuzz_model();
    if (size == 0) return 0;
    unsigned o = data[0];
    us_analyze_opts opts = {langs[o >> 4], (int)(o & 1), (int)((o >> 1) & 7)};
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    us_analysis *a = NULL;
    us_err err;
    memset(&err, 0, sizeof err);
    int rc = us_analyze(m, text, len, &opts, &a, &err);
    int valid = us_utf8_validate(text, len, NULL) == US_OK;
    if (!valid) { CHECK(rc == US_EUTF8 && a == NULL && err.msg[0]); return 0; }
    CHECK(rc == US_OK || rc == US_ENOMEM || rc == US_ETOOBIG);
    if (rc != US_OK) { CHECK(a == NULL); return 0; }
    CHECK(a->n_bytes == len && a->n_paras <= a->n_lines);
    CHECK(a->n_cps <= us_utf8_cp_count(text, len));
    uint32_t prev_line = 0, prev_end = 0;
    for (size_t i = 0; i < a->n_paras; i++) {
        const us_para_result *p = &a->paras[i];
        CHECK(p->line > prev_line && p->line <= a->n_lines);
        CHECK(p->start_byte >= prev_end && p->start_byte < p->end_byte && p->end_byte <= len);
        CHECK(p->start_cp < p->end_cp);
        CHECK(us_utf8_cp_to_byte(text, len, p->start_cp) == p->start_byte);
        CHECK(us_utf8_cp_to_byte(text, len, p->end_cp) == p->end_byte);
        for (int k = 0; k < US_N_TECH_LABELS; k++) CHECK(prob_ok(p->prob[k]));
        CHECK((p->techniques >> US_N_TECH_LABELS) == 0);
        for (size_t s = 0; s < p->n_spans; s++) {
            const us_span_result *sp = &p->spans[s];
            CHECK(sp->start_byte < sp->end_byte && sp->start_byte >= p->start_byte &&
                  sp->end_byte <= p->end_byte);
            CHECK(sp->technique >= 0 && sp->technique < US_N_TECH_LABELS);
            CHECK(!sp->cues == !opts.explain);   /* span cues exactly with explain */
            for (int k = 0; sp->cues && k < US_TOP_CUES; k++)
                CHECK(memchr(sp->cues[k].name, 0, sizeof sp->cues[k].name) &&
                      (!sp->cues[k].name[0] || sp->cues[k].weight > 0));
        }
        prev_line = p->line;
        prev_end = p->end_byte;
    }
    if (a->genre >= 0) {
        CHECK(a->genre < US_N_GENRE_LABELS);
        float sum = 0;
        for (int l = 0; l < US_N_GENRE_LABELS; l++) {
            CHECK(prob_ok(a->genre_prob[l]));
            sum += a->genre_prob[l];
        }
        CHECK(sum > 0.99f && sum < 1.01f);
    }
    for (int l = 0; l < US_N_FRAME_LABELS; l++) CHECK(prob_ok(a->frame_prob[l]));
    CHECK((a->frames >> US_N_FRAME_LABELS) == 0);
    char *js = us_analysis_json(m, a, text, len);
    if (js) {
        json_error_t jerr;
        json_t *root = json_loads(js, JSON_ALLOW_NUL, &jerr);
        CHECK(root != NULL);
        /* A task not asked for is null; the others are there. */
        int tasks = opts.tasks ? opts.tasks : US_DO_ALL;
        json_t *paras = json_object_get(root, "paragraphs");
        if (tasks & US_DO_TECHNIQUES)
            CHECK(json_is_array(paras) && json_array_size(paras) == a->n_paras);
        else
            CHECK(json_is_null(paras) && a->n_paras == 0);
        CHECK(json_is_null(json_object_get(root, "frames")) == !(tasks & US_DO_FRAMES));
        CHECK(json_is_null(json_object_get(root, "frame_probs")) == !(tasks & US_DO_FRAMES));
        for (size_t i = 0; i < json_array_size(paras); i++)
            CHECK(json_is_null(json_object_get(json_array_get(paras, i), "spans")) ==
                  !(tasks & US_DO_SPANS));
        CHECK(json_integer_value(json_object_get(root, "n_bytes")) == (json_int_t)len);
        json_decref(root);
        us_free_string(js);
    }
    us_analysis_free(a);
    return 0;
}
