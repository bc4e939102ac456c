/* cues.c -- punctuation, casing and length cues of a token range: counts
 * that are not words but say something about tone (exclamations, questions,
 * quotes, shouting) and about how much text there is. As sparse features of
 * a unit (us_fz_add_cues) and as dense numbers per line for the techniques
 * head's second stage (us_line_cues), where they do not drown among the
 * words' features. */
#include <math.h>
#include <string.h>
#include "feat.h"

static void cue(us_fz *fz, const char *name, float v)
{
    us_fz_push_str(fz, US_NS_CUE, "cue:", name, strlen(name), v * fz->cfg.w_cue);
}

void us_fz_add_cues(us_fz *fz, const us_text *t, uint32_t a, uint32_t b)
{
    unsigned n_excl = 0, n_quest = 0, n_quote = 0, n_caps = 0, n_words = 0, n_quoted = 0;
    unsigned n_num = 0, n_ellipsis = 0, n_upper1 = 0;
    for (uint32_t i = a; i < b; i++) {
        const us_token *tok = &t->toks[i];
        const char *s = t->text + tok->start_byte;
        size_t n = tok->end_byte - tok->start_byte;
        if (tok->kind == US_TOK_WORD) {
            n_words++;
            if (tok->flags & US_TF_ALLCAPS) n_caps++;
            if ((tok->flags & US_TF_UPPER1) && !(tok->flags & US_TF_SENT_START)) n_upper1++;
            if (tok->flags & US_TF_IN_QUOTE) n_quoted++;
        } else if (tok->kind == US_TOK_NUM) {
            n_num++;
        } else if (tok->kind == US_TOK_PUNCT) {
            if (s[0] == '!') n_excl += (unsigned)n;
            else if (s[0] == '?') n_quest += (unsigned)n;
            else if (s[0] == '"' || (n >= 2 && ((unsigned char)s[0] == 0xC2 &&
                                               ((unsigned char)s[1] == 0xAB ||
                                                (unsigned char)s[1] == 0xBB))) ||
                     (n >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
                      (unsigned char)s[2] >= 0x9C && (unsigned char)s[2] <= 0x9F))
                n_quote++;
            else if ((s[0] == '.' && n >= 3) || (n == 3 && (unsigned char)s[0] == 0xE2 &&
                                                 (unsigned char)s[2] == 0xA6))
                n_ellipsis++;
        }
    }
    if (n_excl) cue(fz, n_excl > 1 ? "excl2" : "excl", 1.0f);
    if (n_quest) cue(fz, n_quest > 1 ? "quest2" : "quest", 1.0f);
    if (n_quote) cue(fz, "quote", 1.0f);
    if (n_ellipsis) cue(fz, "ellipsis", 1.0f);
    if (n_caps) cue(fz, n_caps > 2 ? "caps3" : "caps", 1.0f);
    if (n_num) cue(fz, n_num > 2 ? "nums3" : "nums", 0.5f);
    if (n_words && n_quoted * 2 > n_words) cue(fz, "mostly_quoted", 1.0f);
    if (n_words && n_upper1 * 4 > n_words) cue(fz, "many_names", 0.5f);
    /* Length bins, log2-spaced: short paragraphs rarely carry techniques. */
    static const char *const len_bins[] = {"len0", "len1", "len2", "len3", "len4", "len5",
                                           "len6", "len7"};
    unsigned bin = 0;
    for (unsigned w = n_words; w > 1 && bin < 7; w >>= 1) bin++;
    cue(fz, len_bins[bin], 0.5f);
}

/* Runs of '?' or '!' count each mark (a token "?!" counts one of each). */
static unsigned count_byte(const char *s, size_t n, char c)
{
    unsigned k = 0;
    for (size_t i = 0; i < n; i++) k += s[i] == c;
    return k;
}

void us_line_cues(const us_text *t, float *out, size_t stride)
{
    for (size_t l = 0; l < t->n_lines; l++) {
        float *o = out + l * stride;
        memset(o, 0, US_LINE_CUES * sizeof *o);
        uint32_t a = t->lines[l].tok_begin, b = t->lines[l].tok_end;
        unsigned n_quest = 0, n_excl = 0, n_words = 0, n_quoted = 0, n_num = 0, n_names = 0,
                 n_caps = 0;
        uint64_t n_cps = 0;
        for (uint32_t i = a; i < b; i++) {
            const us_token *tok = &t->toks[i];
            if (tok->kind == US_TOK_WORD) {
                n_words++;
                n_cps += tok->end_cp - tok->start_cp;
                n_quoted += (tok->flags & US_TF_IN_QUOTE) != 0;
                n_names += (tok->flags & US_TF_UPPER1) && !(tok->flags & US_TF_SENT_START);
                n_caps += (tok->flags & US_TF_ALLCAPS) != 0;
            } else if (tok->kind == US_TOK_NUM) {
                n_num++;
            } else if (tok->kind == US_TOK_PUNCT) {
                const char *s = t->text + tok->start_byte;
                size_t n = tok->end_byte - tok->start_byte;
                n_quest += count_byte(s, n, '?');
                n_excl += count_byte(s, n, '!');
            }
        }
        if (b == a) continue;
        o[0] = (float)log1p((double)n_quest);
        o[1] = (float)log1p((double)n_excl);
        o[3] = (float)n_num / (float)(b - a);
        if (!n_words) continue;
        o[2] = (float)n_quoted / (float)n_words;
        o[4] = (float)n_names / (float)n_words;
        o[5] = (float)n_caps / (float)n_words;
        o[6] = (float)((double)n_cps / n_words / 10.0);
    }
}
