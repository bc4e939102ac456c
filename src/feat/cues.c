/* cues.c -- punctuation, casing and length cues of a token range: counts
 * that are not words but say something about tone (exclamations, questions,
 * quotes, shouting) and about how much text there is. */
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

