/* units.c -- feature vectors of articles and paragraphs. */
#include <stdio.h>
#include "units.h"
#include "task/taxonomy.h"

static void add_lang(us_fz *fz, int lang)
{
    char name[16];
    snprintf(name, sizeof name, "lang=%s", lang >= 0 && lang < US_N_LANGS ?
             us_lang_codes[lang] : "xx");
    us_fz_add_flag(fz, US_NS_LANG, name, 1.0f);
}

int us_line_nonempty(const us_text *t, uint32_t line)
{
    return line < t->n_lines && t->lines[line].tok_end > t->lines[line].tok_begin;
}

/* Starts a unit of about n_tokens tokens; 'paragraph' units (paragraphs and
 * spans, the techniques head's) count character n-grams linearly under
 * US_CHAR_LINEAR_PARAS, articles only under US_CHAR_LINEAR_ALL. */
static void unit_begin(us_fz *fz, int lang, int paragraph, uint32_t n_tokens)
{
    us_fz_reset(fz);
    fz->lang = lang;
    fz->lin_active = paragraph ? fz->cfg.char_linear != US_CHAR_LINEAR_NONE
                               : fz->cfg.char_linear == US_CHAR_LINEAR_ALL;
    us_fz_expect(fz, n_tokens);
}

int us_unit_article(us_fz *fz, const us_text *t, int lang, us_fvec *out)
{
    unit_begin(fz, lang, 0, (uint32_t)t->n_toks);
    us_fz_add_tokens(fz, t, 0, (uint32_t)t->n_toks, 1.0f, 0);
    us_fz_add_cues(fz, t, 0, (uint32_t)t->n_toks);
    add_lang(fz, lang);
    return us_fz_finish(fz, out);
}

int us_unit_span(us_fz *fz, const us_text *t, int lang, uint32_t a, uint32_t b, us_fvec *out)
{
    unit_begin(fz, lang, 1, b - a);
    us_fz_add_tokens(fz, t, a, b, 1.0f, 0);
    us_fz_add_cues(fz, t, a, b);
    add_lang(fz, lang);
    return us_fz_finish(fz, out);
}

/* The nearest non-empty lines before and after 'line' (t->n_lines: none). */
static void neighbours(const us_text *t, uint32_t line, uint32_t *prev, uint32_t *next)
{
    *prev = *next = (uint32_t)t->n_lines;
    for (uint32_t k = line; k-- > 0;)
        if (us_line_nonempty(t, k)) { *prev = k; break; }
    for (uint32_t k = line + 1; k < t->n_lines; k++)
        if (us_line_nonempty(t, k)) { *next = k; break; }
}

int us_unit_context(us_fz *fz, const us_text *t, uint32_t line, us_fvec *out)
{
    const us_range *r = &t->lines[line];
    unit_begin(fz, -1, 0, r->tok_end - r->tok_begin);
    us_fz_add_tokens(fz, t, r->tok_begin, r->tok_end, 1.0f, 1);
    int rc = us_fz_finish(fz, out);
    if (rc == US_OK)
        for (uint32_t i = 0; i < out->n; i++) out->f[i].val *= fz->cfg.w_ctx;
    return rc;
}

/* The context blocks of 'line''s neighbours, appended to fz->ctxv (emptied first). */
static int context_blocks(us_fz *fz, const us_text *t, uint32_t line)
{
    uint32_t k[2];
    neighbours(t, line, &k[0], &k[1]);
    fz->ctxv.n = 0;
    for (int j = 0; j < 2; j++) {
        if (k[j] == t->n_lines) continue;
        int rc = us_unit_context(fz, t, k[j], &fz->blk);
        if (rc == US_OK) rc = us_fvec_append(&fz->ctxv, &fz->blk);
        if (rc != US_OK) return rc;
    }
    return US_OK;
}

int us_unit_paragraph_own(us_fz *fz, const us_text *t, int lang, uint32_t line,
                          uint32_t ordinal, int with_ctx, us_fvec *out)
{
    const us_range *r = &t->lines[line];
    unit_begin(fz, lang, 1, r->tok_end - r->tok_begin);
    us_fz_add_tokens(fz, t, r->tok_begin, r->tok_end, 1.0f, 0);
    us_fz_add_cues(fz, t, r->tok_begin, r->tok_end);
    /* Neighbouring non-empty lines: techniques run across paragraph breaks. */
    uint32_t prev, next;
    neighbours(t, line, &prev, &next);
    if (with_ctx && prev < t->n_lines)
        us_fz_add_tokens(fz, t, t->lines[prev].tok_begin, t->lines[prev].tok_end, 1.0f, 1);
    if (with_ctx && next < t->n_lines)
        us_fz_add_tokens(fz, t, t->lines[next].tok_begin, t->lines[next].tok_end, 1.0f, 1);
    /* Position: the title (first line) is written differently from the body. */
    us_fz_add_flag(fz, US_NS_POS, ordinal == 0 ? "pos=title" : ordinal < 3 ? "pos=lead" :
                   "pos=body", 0.5f);
    add_lang(fz, lang);
    int rc = us_fz_finish(fz, out);
    fz->n_own = out->n;
    return rc;
}

int us_unit_paragraph(us_fz *fz, const us_text *t, int lang, uint32_t line, uint32_t ordinal,
                      us_fvec *out)
{
    if (!fz->cfg.ctx_blocks) return us_unit_paragraph_own(fz, t, lang, line, ordinal, 1, out);
    /* The blocks first: the paragraph's own pass then leaves its state (norm,
     * names) in fz, as explanations and the character n-gram sink expect. */
    int rc = context_blocks(fz, t, line);
    if (rc == US_OK) rc = us_unit_paragraph_own(fz, t, lang, line, ordinal, 0, out);
    if (rc == US_OK) rc = us_fvec_append(out, &fz->ctxv);
    return rc;
}
