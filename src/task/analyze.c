/* analyze.c -- one article in, genre + frames + paragraph techniques (+ cues) out.
 *
 * The same unit features as training (units.c) are scored by the quantised
 * heads of a loaded model. Explanations name the features with the largest
 * positive contribution (feature value x weight) to a decision. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "task/analyze.h"
#include "task/model.h"
#include "task/span.h"
#include "task/span_explain.h"
#include "task/units.h"
#include "text/text.h"

#define CTX_CUE UINT32_MAX   /* explain's index of the neighbours' context blocks */

/* Keeps contribution c of feature f among the n best (descending) so far. */
static void keep_best(float *best, uint32_t *idx, size_t *n, float c, uint32_t f)
{
    size_t k = *n < US_TOP_CUES ? (*n)++ : US_TOP_CUES;
    if (k == US_TOP_CUES) {
        if (c <= best[US_TOP_CUES - 1]) return;
        k = US_TOP_CUES - 1;
    }
    while (k > 0 && best[k - 1] < c) { best[k] = best[k - 1]; idx[k] = idx[k - 1]; k--; }
    best[k] = c;
    idx[k] = f;
}

/* Top positive contributions of features x to label 'l' of head 'h'.
 * Entries from n_own on are the neighbours' context blocks (units.h): they
 * count as one cue, as the names of their words are not kept. */
static void explain(const us_fz *fz, const us_qlinear *q, const us_fvec *x, uint32_t n_own,
                    uint32_t l, us_cue *cues)
{
    float best[US_TOP_CUES], ctx = 0;
    uint32_t idx[US_TOP_CUES];
    size_t n = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        uint32_t f = x->f[i].idx;
        if (i >= n_own) { ctx += x->f[i].val * us_qlinear_weight(q, f, l); continue; }
        int is_flag = 0;   /* language/position flags are biases, not evidence */
        for (uint32_t j = 0; j < fz->n_fixed; j++) is_flag |= fz->fixed[j].idx == f;
        if (is_flag) continue;
        float c = x->f[i].val * us_qlinear_weight(q, f, l);
        if (c > 0) keep_best(best, idx, &n, c, f);
    }
    if (ctx > 0) keep_best(best, idx, &n, ctx, CTX_CUE);
    for (size_t k = 0; k < US_TOP_CUES; k++) {
        cues[k].name[0] = '\0';
        cues[k].weight = 0;
        if (k >= n) continue;
        if (idx[k] == CTX_CUE) snprintf(cues[k].name, sizeof cues[k].name, "ctx:(neighbours)");
        else us_fz_names_of(fz, idx[k], cues[k].name, sizeof cues[k].name);
        if (!cues[k].name[0]) snprintf(cues[k].name, sizeof cues[k].name, "#%u", idx[k]);
        cues[k].weight = best[k];
    }
}

void us_analysis_free(us_analysis *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n_paras; i++) {
        us_free(a->paras[i].cues);
        for (size_t s = 0; s < a->paras[i].n_spans; s++) us_free(a->paras[i].spans[s].cues);
        us_free(a->paras[i].spans);
    }
    us_free(a->paras);
    us_free(a);
}

void us_free_string(char *s) { us_free(s); }

#define ARTICLE UINT32_MAX

/* Features of the article (line == ARTICLE) or of the paragraph on line
 * 'line' into sc->x. With 'wv', cached words' character n-grams go to wv
 * instead (not in explain mode, which needs every feature by name). */
static int unit_features(us_scratch *sc, int lang, uint32_t line, uint32_t ordinal,
                         us_wordvec *wv, int explain)
{
    us_fz *fz = &sc->fz;
    fz->explain = explain;
    fz->char_sink = NULL;
    if (wv && !explain) us_wordvec_begin(wv, fz);
    /* A ctx_blocks model's fast pass scores the neighbours once per line (ctx_score). */
    int own_only = fz->cfg.ctx_blocks && !explain;
    int rc = line == ARTICLE ? us_unit_article(fz, &sc->t, lang, &sc->x)
             : own_only ? us_unit_paragraph_own(fz, &sc->t, lang, line, ordinal, 0, &sc->x)
                        : us_unit_paragraph(fz, &sc->t, lang, line, ordinal, &sc->x);
    fz->char_sink = NULL;
    return rc;
}

_Static_assert(US_STACK_X == US_REPEAT_STATS + US_LINE_CUES,
               "the second stage reads us_line_repeats', then us_line_cues' numbers");

/* ctx_blocks models: the techniques head's logits (without bias) of line l's
 * context block (units.h), into c. Run right after the line's own pass, it
 * finds the line's words in the context memo. */
static int ctx_score(us_scratch *sc, const us_qlinear *q, uint32_t l, float *c)
{
    sc->fz.explain = 0;
    int rc = us_unit_context(&sc->fz, &sc->t, l, &sc->x);
    if (rc == US_OK) us_qlinear_dot(q, &sc->x, c);
    return rc;
}

static void add_logits(float *z, const float *c)
{
    for (uint32_t k = 0; k < US_N_TECH_LABELS; k++) z[k] += c[k];
}

/* The span tagger's scores of each paragraph for the techniques its first
 * stage gives US_STACK_SPAN_FLOOR or more (stack.h). OUT: *out (n_paras x L);
 * passes[q] keeps paragraph q's emissions for decoding its spans later. */
static int span_inputs(const us_span_model *sm, const us_text *t, int lang, const us_analysis *a,
                       us_span_cache *tc, us_span_pass **passes, float **out, us_err *err)
{
    float *S = us_malloc(a->n_paras * US_N_TECH_LABELS * sizeof *S);
    if (!S) return us_err_set(err, US_ENOMEM, "out of memory");
    for (size_t q = 0; q < a->n_paras; q++) {
        const us_para_result *p = &a->paras[q];
        uint32_t mask = us_stack_span_mask(p->prob_text, US_N_TECH_LABELS);
        int rc = us_span_pass_new(sm, t, lang, p->line - 1, mask, tc, &passes[q], err);
        if (rc != US_OK) { us_free(S); return rc; }
        us_span_pass_scores(sm, passes[q], S + q * US_N_TECH_LABELS);
    }
    *out = S;
    return US_OK;
}

static void free_passes(us_span_pass **passes, size_t n)
{
    for (size_t q = 0; passes && q < n; q++) us_span_pass_free(passes[q]);
    us_free(passes);
}

/* Spans of paragraph p from the pass its second stage made, when that pass
 * holds every technique p uses, else from a pass of their own. */
static int decode_spans(const us_span_model *sm, const us_text *t, int lang, uint32_t line,
                        us_span_cache *tc, us_span_pass *pass, us_para_result *p, us_err *err)
{
    if (pass && !(p->techniques & ~us_span_pass_mask(pass)))
        return us_span_pass_decode(sm, t, pass, p, err);
    return us_span_decode(sm, t, lang, line, tc, p, err);
}

/* The span lexicon's scores of the analysed paragraphs. OUT: *S (n_paras x
 * L, us_free), or NULL in a language without lexicon rows, for which the
 * second stage has stand-ins (stack.h). */
static int lex_inputs(const us_spanlex *sl, us_fz *fz, const us_text *t, int lang,
                      const us_analysis *a, float **S, us_err *err)
{
    *S = NULL;
    if (lang < 0 || lang >= US_STACK_LANGS) return US_OK;
    float *lines = us_malloc((t->n_lines ? t->n_lines : 1) * US_N_TECH_LABELS * sizeof *lines);
    *S = us_malloc(a->n_paras * US_N_TECH_LABELS * sizeof **S);
    if (!lines || !*S) {
        us_free(lines);
        us_free(*S);
        *S = NULL;
        return us_err_set(err, US_ENOMEM, "out of memory");
    }
    us_spanlex_line_scores(sl, fz, t, lang, lines);
    for (size_t q = 0; q < a->n_paras; q++)
        memcpy(*S + q * US_N_TECH_LABELS, lines + (size_t)(a->paras[q].line - 1) * US_N_TECH_LABELS,
               US_N_TECH_LABELS * sizeof **S);
    us_free(lines);
    return US_OK;
}

/* Second stage of the techniques head over the article's paragraphs (their
 * first-stage probabilities are in a->paras), with each paragraph's repeat
 * statistics and span or span-lexicon scores when the model uses them. */
static int stack_article(const us_model *m, us_fz *fz, const us_text *t, int lang, us_analysis *a,
                         us_span_cache *tc, us_span_pass **passes, us_err *err)
{
    const us_head *ht = &m->heads[US_TASK_TECHNIQUES];
    float *x = NULL, *stats = NULL, *S = NULL;
    if (!a->n_paras) return US_OK;
    if (us_stack_reads_spans(ht->stack_d)) {
        int rc = span_inputs(&m->spans, t, lang, a, tc, passes, &S, err);
        if (rc != US_OK) return rc;
    } else if (us_stack_reads_lex(ht->stack_d)) {
        int rc = lex_inputs(&m->spanlex, fz, t, lang, a, &S, err);
        if (rc != US_OK) return rc;
    }
    int n_x = us_stack_n_x(ht->stack_d);
    if (n_x > 0) {
        stats = us_malloc((t->n_lines ? t->n_lines : 1) * US_STACK_X * sizeof *stats);
        x = us_calloc(a->n_paras, US_STACK_X * sizeof *x);
        if (!stats || !x || us_line_stats(fz, t, n_x > US_REPEAT_STATS, stats) != US_OK) {
            us_free(stats);
            us_free(x);
            us_free(S);
            return us_err_set(err, US_ENOMEM, "out of memory");
        }
        for (size_t q = 0; q < a->n_paras; q++)
            memcpy(x + q * US_STACK_X, stats + (size_t)(a->paras[q].line - 1) * US_STACK_X,
                   US_STACK_X * sizeof *x);
    }
    us_stack_apply_spans(ht->stack, ht->stack_d, US_N_TECH_LABELS, lang, a->paras->prob,
                         a->n_paras, sizeof *a->paras, x, S);
    us_free(stats);
    us_free(x);
    us_free(S);
    return US_OK;
}

int us_analyze(const us_model *m, const char *text, size_t len, const us_analyze_opts *opts,
               us_analysis **out, us_err *err)
{
    us_analyze_opts def = {0};
    if (!opts) opts = &def;
    *out = NULL;
    size_t bad;
    if (us_utf8_validate(text, len, &bad) != US_OK)
        return us_err_set(err, US_EUTF8, "invalid UTF-8 at byte %zu", bad);
    int tasks = opts->tasks ? opts->tasks : US_DO_ALL;
    us_span_pass **passes = NULL;   /* --stack-spans models: per paragraph */
    float *ctx = NULL;              /* ctx_blocks models: per paragraph, its context's logits */
    int lang = opts->lang && *opts->lang ? us_lang_find(opts->lang) : -1;
    us_analysis *a = us_calloc(1, sizeof *a);
    if (!a) return us_err_set(err, US_ENOMEM, "out of memory");
    snprintf(a->lang, sizeof a->lang, "%s", lang >= 0 ? us_lang_codes[lang] : "xx");
    a->genre = -1;
    a->tasks = tasks;
    us_scratch *sc = us_scratch_get(m);
    if (!sc) { us_free(a); return us_err_set(err, US_ENOMEM, "out of memory"); }
    us_text *tp = &sc->t;
    us_fz *fzp = &sc->fz;
    us_fvec *xp = &sc->x;
    int rc = us_text_tokenize(tp, text, len, err);
    if (rc != US_OK) goto fail;
    a->n_lines = tp->n_lines;
    a->n_bytes = len;
    a->n_cps = us_utf8_cp_count(text, len);
    for (size_t i = 0; i < tp->n_toks; i++) a->n_words += tp->toks[i].kind == US_TOK_WORD;
    const us_head *hg = &m->heads[US_TASK_GENRE], *hf = &m->heads[US_TASK_FRAMING];
    const us_head *ht = &m->heads[US_TASK_TECHNIQUES];
    size_t thr_row = (size_t)(lang + 1);   /* row 0 serves unknown languages */
    /* char_linear models score character n-grams per word (wordvec.h);
     * explanations then take a second, named pass over the same unit. */
    us_wordvec *wva = NULL, *wvp = NULL;
    if (m->fcfg.char_linear == US_CHAR_LINEAR_ALL && !m->idf) {
        wva = &sc->wv_article;
        us_wordvec_heads(wva, hg->present ? &hg->q : NULL, hf->present ? &hf->q : NULL);
    }
    if (m->fcfg.char_linear != US_CHAR_LINEAR_NONE && !m->idf) {
        wvp = &sc->wv_para;
        us_wordvec_heads(wvp, ht->present ? &ht->q : NULL, NULL);
    }
    /* Without a word the article heads would answer from their biases alone
     * (an empty text came out as satire, 0.96): no genre and no frames. */
    if (a->n_words && (((tasks & 1) && hg->present) || ((tasks & 2) && hf->present))) {
        int explain_now = opts->explain && !wva;   /* names in the scoring pass */
        if ((rc = unit_features(sc, lang, ARTICLE, 0, wva, explain_now)) != US_OK) goto oom;
        if ((tasks & 1) && hg->present) {
            float z[US_N_GENRE_LABELS];
            us_qlinear_score(&hg->q, xp, z);
            if (wva) us_wordvec_add(wva, fzp, 0, z);
            us_probs(z, US_N_GENRE_LABELS, 1);
            int best = 0;
            for (int l = 0; l < US_N_GENRE_LABELS; l++) {
                a->genre_prob[l] = z[l];
                if (z[l] > z[best]) best = l;
            }
            a->genre = best;
        }
        if ((tasks & 2) && hf->present) {
            float z[US_N_FRAME_LABELS];
            us_qlinear_score(&hf->q, xp, z);
            if (wva) us_wordvec_add(wva, fzp, 1, z);
            us_probs(z, US_N_FRAME_LABELS, 0);
            size_t frow = thr_row;   /* the thresholds' row */
            if (m->knn.present) {   /* the nearest training articles' frames (knn.h) */
                float pk[US_N_FRAME_LABELS], sim[US_KNN_MAX_K];
                uint32_t nb[US_KNN_MAX_K];
                int nn = us_knn_vote(&m->knn, &sc->knn, fzp, tp, lang, NULL, pk,
                                     opts->explain ? nb : NULL, opts->explain ? sim : NULL);
                if (nn < 0) goto oom;
                if (nn > 0) us_knn_blend(&m->knn, pk, z);
                else frow = 0;   /* no vote: row 0 was tuned without one (trainer.c) */
                for (int i = 0; opts->explain && i < nn && i < US_TOP_SIMILAR; i++) {
                    us_similar *si = &a->similar[a->n_similar++];
                    snprintf(si->id, sizeof si->id, "%s", m->knn.ids + (size_t)nb[i] * US_KNN_ID);
                    snprintf(si->lang, sizeof si->lang, "%s", us_lang_codes[m->knn.lang[nb[i]]]);
                    si->similarity = sim[i];
                    si->frames = m->knn.frames[nb[i]];
                }
            }
            uint32_t best = 0;
            for (uint32_t l = 0; l < US_N_FRAME_LABELS; l++) {
                a->frame_prob[l] = z[l];
                if (z[l] >= hf->thr[frow * US_N_FRAME_LABELS + l]) a->frames |= 1u << l;
                if (z[l] > z[best]) best = l;
            }
            /* Every annotated article has a frame: when no frame reaches its
             * threshold, the most probable one is the answer. */
            if (!a->frames) a->frames = 1u << best;
        }
        if (opts->explain) {
            if (!explain_now && (rc = unit_features(sc, lang, ARTICLE, 0, NULL, 1)) != US_OK)
                goto oom;
            if (a->genre >= 0) explain(fzp, &hg->q, xp, xp->n, (uint32_t)a->genre, a->genre_cues);
            for (uint32_t l = 0; l < US_N_FRAME_LABELS; l++)
                if (a->frames >> l & 1u) explain(fzp, &hf->q, xp, xp->n, l, a->frame_cues[l]);
        }
    }
    if ((tasks & 4) && ht->present) {
        size_t n_par = 0;
        for (uint32_t l = 0; l < tp->n_lines; l++) n_par += (size_t)us_line_nonempty(tp, l);
        a->paras = us_calloc(n_par ? n_par : 1, sizeof *a->paras);
        if (!a->paras) goto oom;
        if (m->fcfg.ctx_blocks &&
            !(ctx = us_malloc((n_par ? n_par : 1) * US_N_TECH_LABELS * sizeof *ctx)))
            goto oom;
        /* Pass 1: each paragraph's own score (and its line's context score). */
        for (uint32_t l = 0; l < tp->n_lines; l++) {
            if (!us_line_nonempty(tp, l)) continue;
            uint32_t ordinal = (uint32_t)a->n_paras;   /* among the non-empty lines */
            us_para_result *p = &a->paras[a->n_paras++];
            const us_range *r = &tp->lines[l];
            p->line = l + 1;
            p->start_cp = r->start_cp; p->end_cp = r->end_cp;
            p->start_byte = r->start_byte; p->end_byte = r->end_byte;
            if ((rc = unit_features(sc, lang, l, ordinal, wvp, 0)) != US_OK) goto oom;
            float z[US_N_TECH_LABELS];
            us_qlinear_score(&ht->q, xp, z);
            if (wvp) us_wordvec_add(wvp, fzp, 0, z);
            memcpy(p->prob, z, sizeof z);   /* logits until the neighbours are in */
            if (ctx && (rc = ctx_score(sc, &ht->q, l, ctx + ordinal * US_N_TECH_LABELS)) != US_OK)
                goto oom;
        }
        for (size_t q = 0; q < a->n_paras; q++) {
            float *z = a->paras[q].prob;
            if (ctx && q > 0) add_logits(z, ctx + (q - 1) * US_N_TECH_LABELS);
            if (ctx && q + 1 < a->n_paras) add_logits(z, ctx + (q + 1) * US_N_TECH_LABELS);
            us_probs(z, US_N_TECH_LABELS, 0);
            memcpy(a->paras[q].prob_text, z, US_N_TECH_LABELS * sizeof *z);
        }
        /* The article around each paragraph (stack.h), in place. */
        if (us_stack_reads_spans(ht->stack_d) &&
            !(passes = us_calloc(a->n_paras ? a->n_paras : 1, sizeof *passes)))
            goto oom;
        /* The span token cache, once spans are wanted (without memory for
         * it they are only slower). */
        if (m->spans.present && ((tasks & US_DO_SPANS) || us_stack_reads_spans(ht->stack_d)) &&
            !sc->span_tc)
            sc->span_tc = us_span_cache_new();
        if (ht->stack &&
            (rc = stack_article(m, fzp, tp, lang, a, sc->span_tc, passes, err)) != US_OK)
            goto fail;
        /* Pass 2: decisions, their evidence, spans. */
        for (size_t q = 0; q < a->n_paras; q++) {
            us_para_result *p = &a->paras[q];
            uint32_t l = p->line - 1, ordinal = (uint32_t)q;
            for (uint32_t k = 0; k < US_N_TECH_LABELS; k++)
                if (p->prob[k] >= ht->thr[thr_row * US_N_TECH_LABELS + k]) p->techniques |= 1u << k;
            if (opts->explain && p->techniques) {
                if ((rc = unit_features(sc, lang, l, ordinal, NULL, 1)) != US_OK) goto oom;
                p->cues = us_calloc(US_N_TECH_LABELS * US_TOP_CUES, sizeof *p->cues);
                if (!p->cues) goto oom;
                for (uint32_t k = 0; k < US_N_TECH_LABELS; k++)
                    if (p->techniques >> k & 1u) explain(fzp, &ht->q, xp, fzp->n_own, k,
                                                         p->cues + k * US_TOP_CUES);
            }
            if ((tasks & US_DO_SPANS) &&
                (rc = decode_spans(&m->spans, tp, lang, l, sc->span_tc, passes ? passes[q] : NULL,
                                   p, err)) != US_OK)
                goto fail;
            if ((tasks & US_DO_SPANS) && opts->explain &&
                (rc = us_span_explain(&m->spans, tp, lang, l, p, err)) != US_OK)
                goto fail;
        }
    }
    free_passes(passes, a->n_paras);
    us_free(ctx);
    us_scratch_put(m, sc);
    *out = a;
    return US_OK;
oom:
    rc = us_err_set(err, US_ENOMEM, "out of memory");
fail:
    free_passes(passes, a->n_paras);
    us_free(ctx);
    us_scratch_put(m, sc);
    us_analysis_free(a);
    return rc;
}

/* ---- JSON ----------------------------------------------------------------
 * Numbers go through us_buf_fix4 / us_buf_uint: the same bytes as "%.4f" and
 * "%u", at a fraction of printf's cost (an article has hundreds). */

/* ,"key":v (or "key":v when !comma), v printed as %.4f. */
static void json_num(us_buf *b, int comma, const char *key, double v)
{
    if (comma) us_buf_putc(b, ',');
    us_buf_putc(b, '"');
    us_buf_puts(b, key);
    us_buf_puts(b, "\":");
    us_buf_fix4(b, v);
}

/* ,"key":n */
static void json_uint(us_buf *b, const char *key, uint64_t n)
{
    us_buf_puts(b, ",\"");
    us_buf_puts(b, key);
    us_buf_puts(b, "\":");
    us_buf_uint(b, n);
}

static void json_cues(us_buf *b, const us_cue *cues)
{
    us_buf_puts(b, ",\"cues\":[");
    int first = 1;
    for (size_t k = 0; k < US_TOP_CUES; k++) {
        if (!cues[k].name[0]) continue;
        if (!first) us_buf_putc(b, ',');
        first = 0;
        us_buf_puts(b, "{\"cue\":\"");
        us_buf_json_str(b, cues[k].name, strlen(cues[k].name));
        us_buf_putc(b, '"');
        json_num(b, 1, "weight", cues[k].weight);
        us_buf_putc(b, '}');
    }
    us_buf_putc(b, ']');
}

/* {"label":"NAME","confidence":p (without the closing brace). */
static void json_label(us_buf *b, int comma, const char *name, double p)
{
    us_buf_puts(b, comma ? ",{\"label\":\"" : "{\"label\":\"");
    us_buf_puts(b, name);
    us_buf_putc(b, '"');
    json_num(b, 1, "confidence", p);
}

int us_analysis_json_append(const us_model *m, const us_analysis *a, const char *text, size_t len,
                            us_buf *b)
{
    us_buf_puts(b, "{\"model\":\"");
    us_buf_json_str(b, m->version, strlen(m->version));
    us_buf_printf(b, "\",\"lang\":\"%s\",\"n_bytes\":%zu,\"n_codepoints\":%zu,\"n_lines\":%zu,"
                  "\"n_words\":%zu", a->lang, a->n_bytes, a->n_cps, a->n_lines, a->n_words);
    if (a->genre >= 0) {
        us_buf_puts(b, ",\"genre\":");
        json_label(b, 0, us_label_name(0, a->genre), a->genre_prob[a->genre]);
        us_buf_puts(b, ",\"probs\":{");
        for (int l = 0; l < US_N_GENRE_LABELS; l++)
            json_num(b, l > 0, us_label_name(0, l), a->genre_prob[l]);
        us_buf_putc(b, '}');
        json_cues(b, a->genre_cues);
        us_buf_putc(b, '}');
    } else {
        us_buf_puts(b, ",\"genre\":null");
    }
    /* A task that was not asked for (us_analyze_opts.tasks) is null, so that
     * "no frame found" and "frames not looked for" read differently. */
    int tasks = a->tasks ? a->tasks : US_DO_ALL;
    int first = 1;
    if (tasks & US_DO_FRAMES) {
        us_buf_puts(b, ",\"frames\":[");
        for (int l = 0; l < US_N_FRAME_LABELS; l++) {
            if (!(a->frames >> l & 1u)) continue;
            json_label(b, !first, us_label_name(1, l), a->frame_prob[l]);
            json_cues(b, a->frame_cues[l]);
            us_buf_putc(b, '}');
            first = 0;
        }
        us_buf_puts(b, "],\"frame_probs\":{");
        for (int l = 0; l < US_N_FRAME_LABELS; l++)
            json_num(b, l > 0, us_label_name(1, l), a->frame_prob[l]);
        us_buf_putc(b, '}');
        if (a->n_similar) us_buf_puts(b, ",\"similar_articles\":[");
        for (size_t i = 0; i < a->n_similar; i++) {
            const us_similar *si = &a->similar[i];
            us_buf_puts(b, i ? ",{\"id\":\"" : "{\"id\":\"");
            us_buf_json_str(b, si->id, strlen(si->id));
            us_buf_printf(b, "\",\"lang\":\"%s\"", si->lang);
            json_num(b, 1, "similarity", si->similarity);
            us_buf_puts(b, ",\"frames\":[");
            for (int l = 0, f = 0; l < US_N_FRAME_LABELS; l++)
                if (si->frames >> l & 1u) us_buf_printf(b, "%s\"%s\"", f++ ? "," : "", us_label_name(1, l));
            us_buf_puts(b, "]}");
            if (i + 1 == a->n_similar) us_buf_putc(b, ']');
        }
    } else {
        us_buf_puts(b, ",\"frames\":null,\"frame_probs\":null");
    }
    if (!(tasks & US_DO_TECHNIQUES)) {
        us_buf_puts(b, ",\"paragraphs\":null}");
        return b->oom ? US_ENOMEM : US_OK;
    }
    us_buf_puts(b, ",\"paragraphs\":[");
    for (size_t i = 0; i < a->n_paras; i++) {
        const us_para_result *p = &a->paras[i];
        us_buf_puts(b, i ? ",{\"line\":" : "{\"line\":");
        us_buf_uint(b, p->line);
        json_uint(b, "start_cp", p->start_cp);
        json_uint(b, "end_cp", p->end_cp);
        json_uint(b, "start_byte", p->start_byte);
        json_uint(b, "end_byte", p->end_byte);
        us_buf_puts(b, ",\"techniques\":[");
        first = 1;
        for (int k = 0; k < US_N_TECH_LABELS; k++) {
            if (!(p->techniques >> k & 1u)) continue;
            json_label(b, !first, us_label_name(2, k), p->prob[k]);
            if (p->cues) {
                json_num(b, 1, "text_confidence", p->prob_text[k]);
                json_cues(b, p->cues + k * US_TOP_CUES);
            }
            us_buf_putc(b, '}');
            first = 0;
        }
        if (!(tasks & US_DO_SPANS)) {
            us_buf_puts(b, "],\"spans\":null}");
            continue;
        }
        us_buf_puts(b, "],\"spans\":[");
        for (size_t s = 0; s < p->n_spans; s++) {
            const us_span_result *sp = &p->spans[s];
            us_buf_puts(b, s ? ",{\"technique\":\"" : "{\"technique\":\"");
            us_buf_puts(b, us_label_name(2, sp->technique));
            us_buf_putc(b, '"');
            json_uint(b, "start_cp", sp->start_cp);
            json_uint(b, "end_cp", sp->end_cp);
            json_uint(b, "start_byte", sp->start_byte);
            json_uint(b, "end_byte", sp->end_byte);
            json_num(b, 1, "confidence", sp->confidence);
            us_buf_puts(b, ",\"text\":\"");
            if (sp->end_byte <= len && sp->start_byte <= sp->end_byte)
                us_buf_json_str(b, text + sp->start_byte, sp->end_byte - sp->start_byte);
            us_buf_putc(b, '"');
            if (sp->cues) json_cues(b, sp->cues);
            us_buf_putc(b, '}');
        }
        us_buf_puts(b, "]}");
    }
    us_buf_puts(b, "]}");
    return b->oom ? US_ENOMEM : US_OK;
}

char *us_analysis_json(const us_model *m, const us_analysis *a, const char *text, size_t len)
{
    us_buf b;
    us_buf_init(&b);
    if (us_analysis_json_append(m, a, text, len, &b) != US_OK) { us_buf_fini(&b); return NULL; }
    return b.data;
}
