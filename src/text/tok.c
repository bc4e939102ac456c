/* tok.c -- lines, tokens and sentences with byte and code-point offsets.
 *
 * One pass over the text: lines are found with memchr, each line is scanned
 * code point by code point (an ASCII table first, utf8proc categories for the
 * rest), and a second pass over the line's tokens places sentence breaks.
 * The policies are those stated in text.h and docs/TEXT.md.
 *
 * Deliberately not here: language-specific rules beyond a short list of
 * abbreviations, full UAX #29 word/sentence segmentation, any allocation per
 * token (the arrays in us_text are grown by doubling and reused).
 * Offsets are uint32_t; US_TEXT_MAX_BYTES keeps them in range. */
#include <stdatomic.h>
#include <string.h>
#include <utf8proc.h>
#include "text/text.h"

/* ======================================================================
 * Character classes
 * ====================================================================== */

/* Low 4 bits: class. Separators (IGN, SPACE, JOIN outside a word) sort first. */
enum {
    K_IGN = 0,     /* NUL, BOM, zero-width space, bidi controls, other Cf */
    K_SPACE = 1,   /* white space and control characters */
    K_JOIN = 2,    /* ZWNJ, ZWJ, soft hyphen: part of a word only inside one */
    K_LETTER = 3,
    K_MARK = 4,
    K_DIGIT = 5,   /* Nd */
    K_NUMO = 6,    /* Nl, No: word characters that make a NUM, never join '.' ',' */
    K_PUNCT = 7,
    K_SYMBOL = 8,
    K_MASK = 15,
    F_UPPER = 16,     /* Lu, Lt */
    F_CASELESS = 32,  /* Lo, Lm: counts as a sentence start */
    F_CYR = 64        /* Cyrillic letter */
};

#define IS_WORDK(k) ((k) >= K_LETTER && (k) <= K_NUMO)

#define SP K_SPACE
#define PU K_PUNCT
#define SY K_SYMBOL
#define DI K_DIGIT
#define UL (K_LETTER | F_UPPER)
#define LL K_LETTER
static const uint8_t ascii_cls[128] = {
    K_IGN, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP,  /* 00 */
    SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP,     /* 10 */
    SP, PU, PU, PU, SY, PU, PU, PU, PU, PU, PU, SY, PU, PU, PU, PU,     /* 20  !"#$%&'()*+,-./ */
    DI, DI, DI, DI, DI, DI, DI, DI, DI, DI, PU, PU, SY, SY, SY, PU,     /* 30 0-9:;<=>? */
    PU, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL,     /* 40 @A-O */
    UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, UL, PU, PU, PU, SY, PU,     /* 50 P-Z[\]^_ */
    SY, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL,     /* 60 `a-o */
    LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, LL, PU, SY, PU, SY, SP,     /* 70 p-z{|}~DEL */
};
#undef SP
#undef PU
#undef SY
#undef DI
#undef UL
#undef LL

static unsigned classify(int32_t cp)
{
    if (cp < 0x80) return ascii_cls[cp];
    switch (cp) {
    case 0x00AD: case 0x200C: case 0x200D: return K_JOIN;
    default: break;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return K_LETTER | F_UPPER | ((cp >= 0x400 && cp <= 0x52F) ? F_CYR : 0);
    case UTF8PROC_CATEGORY_LL:
        return K_LETTER | (((cp >= 0x400 && cp <= 0x52F) || (cp >= 0x1C80 && cp <= 0x1C8F) ||
                            (cp >= 0xA640 && cp <= 0xA69F)) ? F_CYR : 0);
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return K_LETTER | F_CASELESS;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return K_MARK;
    case UTF8PROC_CATEGORY_ND: return K_DIGIT;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return K_NUMO;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return K_PUNCT;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
        return K_SPACE;
    case UTF8PROC_CATEGORY_CF: return K_IGN;    /* BOM, U+200B, bidi controls, tags */
    default: return K_SYMBOL;                   /* S*, private use, unassigned */
    }
}

/* Decodes the code point at s[i] (i < end). Invalid input (the caller
 * should have validated) decodes as U+FFFD over its maximal subpart, so a
 * bad byte can never make us read past 'end'. */
static inline int32_t dec(const unsigned char *s, size_t i, size_t end, size_t *n)
{
    unsigned c = s[i];
    if (c < 0x80) { *n = 1; return (int32_t)c; }
    if (c >= 0xC2 && c < 0xE0 && i + 1 < end && (s[i + 1] & 0xC0) == 0x80) {
        *n = 2;
        return (int32_t)(((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu));
    }
    return us_utf8_decode((const char *)s + i, end - i, n);
}

static inline unsigned cls_at(const unsigned char *s, size_t i, size_t end, int32_t *cp,
                              size_t *n)
{
    unsigned c = s[i];
    if (c < 0x80) { *cp = (int32_t)c; *n = 1; return ascii_cls[c]; }
    *cp = dec(s, i, end, n);
    return classify(*cp);
}

/* ======================================================================
 * Array growth (amortised doubling; arrays survive across calls)
 * ====================================================================== */

#define GROW(t, arr, capf, need) \
    us_grow((void **)&(t)->arr, &(t)->capf, (need), sizeof *(t)->arr)

void us_text_init(us_text *t) { memset(t, 0, sizeof *t); }

void us_text_fini(us_text *t)
{
    us_free(t->toks);
    us_free(t->lines);
    us_free(t->sents);
    memset(t, 0, sizeof *t);
}

/* ======================================================================
 * Quotes (IN_QUOTE) and sentence punctuation
 * ====================================================================== */

/* What the open quote on the current line waits for. */
enum { Q_NONE, Q_ASCII, Q_GUIL, Q_GUIL_REV, Q_CURLY, Q_LOW };

/* Updates the quote state for a punctuation token starting with 'cp'. */
static int quote_step(int q, int32_t cp)
{
    switch (cp) {
    case '"': return q == Q_NONE ? Q_ASCII : q == Q_ASCII ? Q_NONE : q;
    case 0x00AB: return q == Q_NONE ? Q_GUIL : q == Q_GUIL_REV ? Q_NONE : q;   /* « */
    case 0x00BB: return q == Q_NONE ? Q_GUIL_REV : q == Q_GUIL ? Q_NONE : q;   /* » */
    case 0x201C: return q == Q_NONE ? Q_CURLY : q == Q_LOW ? Q_NONE : q;       /* “ */
    case 0x201D: return q == Q_NONE ? Q_CURLY : (q == Q_CURLY || q == Q_LOW) ? Q_NONE : q;
    case 0x201E: return q == Q_NONE ? Q_LOW : q;                               /* „ */
    default: return q;
    }
}

static int is_terminal(int32_t cp)
{
    switch (cp) {
    case '.': case '!': case '?':
    case 0x2026:                                    /* … */
    case 0x203C: case 0x2047: case 0x2048: case 0x2049:  /* ‼ ⁇ ⁈ ⁉ */
    case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF0E: /* 。！？． */
    case 0x037E: case 0x0589: case 0x061F: case 0x06D4: case 0x0964: case 0x0965:
        return 1;
    default: return 0;
    }
}

/* Closing quotes and brackets that stay with the sentence before them. */
static int is_closer(int32_t cp)
{
    switch (cp) {
    case '"': case '\'': case ')': case ']': case '}':
    case 0x2019: case 0x201D: case 0x201C: case 0x00BB: case 0x00AB: case 0x203A:
        return 1;
    default: return 0;
    }
}

static int is_opener(int32_t cp)
{
    switch (cp) {
    case '"': case '\'': case '(': case '[':
    case 0x2018: case 0x201C: case 0x201E: case 0x00AB: case 0x00BB: case 0x2039:
    case 0x00BF: case 0x00A1:                       /* ¿ ¡ */
        return 1;
    default: return 0;
    }
}

static int32_t first_cp(const us_text *t, const us_token *k)
{
    size_t n;
    return dec((const unsigned char *)t->text, k->start_byte, k->end_byte, &n);
}

/* Case-folded forms (us_tok_norm) of words that a '.' does not end. Initials
 * (one letter) are handled separately. Words that often end a sentence
 * ("etc", "Inc", "usw", "on") are left out on purpose. */
static const char *const abbrevs[] = {
    /* en */ "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt",
    "capt", "cmdr", "rep", "sen", "gov", "rev", "hon", "mt", "ft", "no", "nos", "vs",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "approx", "dept", "fig", "pp",
    /* fr */ "mme", "mlle", "mm", "ste", "av",
    /* de */ "hr", "fr", "nr", "bzw", "ca", "vgl", "str", "abs", "sog", "ggf", "inkl", "evtl",
    /* it */ "sig", "dott", "ing", "avv",
    /* pl */ "ul", "al", "os", "np", "tzw", "mgr", "inż", "hab", "im", "św", "płk", "ks",
    /* ru */ "гг", "ул", "им", "тов", "проф", "др", "см", "стр", "руб", "млн", "млрд", "тыс",
};

/* German/Polish dates write ordinals with a '.' ("am 3. Oktober"). */
static const char *const months[] = {
    "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "stycznia", "lutego", "marca", "kwietnia", "maja",
    "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
};

static int in_list(const us_text *t, const us_token *k, const char *const *list, size_t n)
{
    char buf[32];
    size_t len = k->end_byte - k->start_byte;
    if (len >= sizeof buf) return 0;
    size_t m = us_tok_norm(t->text + k->start_byte, len, buf, sizeof buf - 1);
    buf[m] = '\0';
    for (size_t i = 0; i < n; i++)   /* first byte first: this runs at every full stop */
        if (buf[0] == list[i][0] && strcmp(buf, list[i]) == 0) return 1;
    return 0;
}

/* True if the '.' at toks[k] follows an abbreviation or an initial, or is a
 * day-of-month ordinal before a month name (toks[k + 1 .. next] is what follows). */
static int dot_is_abbrev(const us_text *t, size_t line_begin, size_t k, size_t next)
{
    if (k == line_begin) return 0;
    const us_token *p = &t->toks[k - 1], *dot = &t->toks[k];
    if (p->end_byte != dot->start_byte) return 0;
    if (p->kind == US_TOK_WORD) {
        if (p->end_cp - p->start_cp == 1) return 1;           /* initial: "J. Smith" */
        return in_list(t, p, abbrevs, US_ARRAY_LEN(abbrevs));
    }
    if (p->kind == US_TOK_NUM && p->end_byte - p->start_byte <= 2)
        return in_list(t, &t->toks[next], months, US_ARRAY_LEN(months));
    return 0;
}

static int starts_sentence(const us_text *t, const us_token *k)
{
    int32_t cp = first_cp(t, k);
    unsigned c = classify(cp);
    if ((c & K_MASK) == K_LETTER) return (c & (F_UPPER | F_CASELESS)) != 0;
    if ((c & K_MASK) == K_DIGIT) return 1;
    return k->kind == US_TOK_PUNCT && is_opener(cp);
}

static int push_range(us_text *t, us_range **arr, size_t *n, size_t *cap, uint32_t b, uint32_t e)
{
    if (us_grow((void **)arr, cap, *n + 1, sizeof **arr) != US_OK) return US_ENOMEM;
    us_range *r = &(*arr)[(*n)++];
    r->start_byte = t->toks[b].start_byte;
    r->start_cp = t->toks[b].start_cp;
    r->end_byte = t->toks[e - 1].end_byte;
    r->end_cp = t->toks[e - 1].end_cp;
    r->tok_begin = b;
    r->tok_end = e;
    t->toks[b].flags |= US_TF_SENT_START;
    return US_OK;
}

/* Splits the line's tokens [b, e) into sentences. */
static int split_sentences(us_text *t, uint32_t b, uint32_t e)
{
    uint32_t start = b;
    for (uint32_t k = b; k < e; k++) {
        const us_token *tk = &t->toks[k];
        if (tk->kind != US_TOK_PUNCT) continue;
        int32_t cp = first_cp(t, tk);
        if (!is_terminal(cp)) continue;
        uint32_t m = k + 1;
        while (m < e && t->toks[m].start_byte == t->toks[m - 1].end_byte &&
               t->toks[m].kind == US_TOK_PUNCT && is_closer(first_cp(t, &t->toks[m])))
            m++;
        if (m >= e) break;                                  /* the line end closes it */
        if (t->toks[m].start_byte == t->toks[m - 1].end_byte) continue;  /* "3.x", "a.b" */
        if (!starts_sentence(t, &t->toks[m])) continue;
        if (cp == '.' && tk->end_byte - tk->start_byte == 1 && dot_is_abbrev(t, b, k, m))
            continue;
        if (push_range(t, &t->sents, &t->n_sents, &t->cap_sents, start, m) != US_OK)
            return US_ENOMEM;
        start = m;
        k = m - 1;
    }
    if (start < e && push_range(t, &t->sents, &t->n_sents, &t->cap_sents, start, e) != US_OK)
        return US_ENOMEM;
    return US_OK;
}

/* ======================================================================
 * Tokens
 * ====================================================================== */

/* Scans the line s[ls, le) whose first code point has index 'cp0'; appends
 * its tokens. Returns the code-point index of 'le' or -1 when out of memory. */
static int64_t scan_line(us_text *t, size_t ls, size_t le, uint32_t cp0)
{
    const unsigned char *s = (const unsigned char *)t->text;
    size_t i = ls;
    uint32_t cpi = cp0;
    int q = Q_NONE;
    while (i < le) {
        int32_t cp;
        size_t n;
        unsigned c = cls_at(s, i, le, &cp, &n);
        unsigned k = c & K_MASK;
        if (k <= K_JOIN) { i += n; cpi++; continue; }

        size_t sb = i;
        uint32_t sc = cpi;
        unsigned nonascii = s[i] >= 0x80, flags = 0, kind;
        i += n;
        cpi++;
        if (IS_WORDK(k)) {
            unsigned n_let = 0, n_up = 0, upper1 = 0, cyr = 0, digit = 0, prev = k;
            for (;;) {
                /* account for the code point just consumed (class c) */
                unsigned kk = c & K_MASK;
                if (kk == K_LETTER) {
                    if (n_let++ == 0) upper1 = c & F_UPPER;
                    n_up += (c & F_UPPER) != 0;
                    cyr |= c & F_CYR;
                    prev = K_LETTER;
                    /* The ASCII letters that follow, in a tight loop (most of
                     * the text): the same counts as one turn each. */
                    while (i < le && s[i] < 0x80 && (ascii_cls[s[i]] & K_MASK) == K_LETTER) {
                        n_let++;
                        n_up += (ascii_cls[s[i]] & F_UPPER) != 0;
                        i++;
                        cpi++;
                    }
                } else if (kk == K_DIGIT || kk == K_NUMO) {
                    digit = 1;
                    prev = kk;
                }
                if (i >= le) break;
                unsigned b = s[i];
                if (b < 0x80) {
                    c = ascii_cls[b];
                    if (IS_WORDK(c & K_MASK)) { i++; cpi++; continue; }
                    if (b == '\'' || b == '-' || b == '.' || b == ',') {
                        int need = (b == '\'' || b == '-') ? K_LETTER : K_DIGIT;
                        if (prev != (unsigned)need || i + 1 >= le) break;
                        int32_t ncp;
                        size_t nn;
                        unsigned nc = cls_at(s, i + 1, le, &ncp, &nn);
                        if ((nc & K_MASK) != (unsigned)need) break;
                        i += 1 + nn;
                        cpi += 2;
                        nonascii |= s[i - nn] >= 0x80;
                        c = nc;
                        continue;
                    }
                    break;
                }
                c = cls_at(s, i, le, &cp, &n);
                kk = c & K_MASK;
                if (IS_WORDK(kk)) { i += n; cpi++; nonascii = 1; continue; }
                /* joiners and in-word apostrophes/hyphens: look at what follows */
                int need;
                if (kk == K_JOIN) need = -1;
                else if (cp == 0x2019 || cp == 0x2010 || cp == 0x2011) need = K_LETTER;
                else break;
                if (need == K_LETTER && prev != K_LETTER) break;
                if (i + n >= le) break;
                int32_t ncp;
                size_t nn;
                unsigned nc = cls_at(s, i + n, le, &ncp, &nn);
                unsigned nk = nc & K_MASK;
                if (need == -1 ? !IS_WORDK(nk) : nk != K_LETTER) break;
                i += n + nn;
                cpi += 2;
                nonascii = 1;
                c = nc;
            }
            kind = (n_let == 0 && digit) ? US_TOK_NUM : US_TOK_WORD;
            if (upper1) flags |= US_TF_UPPER1;
            if (n_let >= 2 && n_up == n_let) flags |= US_TF_ALLCAPS;
            if (cyr) flags |= US_TF_CYRILLIC;
        } else {
            int32_t first = cp;
            unsigned n_ri = (first >= 0x1F1E6 && first <= 0x1F1FF);
            kind = k == K_PUNCT ? US_TOK_PUNCT : US_TOK_SYMBOL;
            while (i < le) {
                int32_t ncp;
                size_t nn;
                unsigned nc = cls_at(s, i, le, &ncp, &nn);
                unsigned nk = nc & K_MASK;
                if (kind == US_TOK_PUNCT && ncp == first) { /* "!!!", "..." */
                } else if (nk == K_MARK) {                  /* incl. variation selectors */
                } else if (kind == US_TOK_SYMBOL &&
                           ((ncp >= 0x1F3FB && ncp <= 0x1F3FF) ||   /* skin tones */
                            (ncp >= 0xE0020 && ncp <= 0xE007F))) { /* tag sequences */
                } else if (kind == US_TOK_SYMBOL && n_ri == 1 && ncp >= 0x1F1E6 &&
                           ncp <= 0x1F1FF) {
                    n_ri++;                                 /* flag: two regional indicators */
                } else if (kind == US_TOK_SYMBOL && ncp == 0x200D && i + nn < le) {
                    int32_t zcp;
                    size_t zn;
                    if ((cls_at(s, i + nn, le, &zcp, &zn) & K_MASK) != K_SYMBOL) break;
                    i += nn;                                /* ZWJ emoji sequence */
                    cpi++;
                    nn = zn;
                    nonascii = 1;
                } else {
                    break;
                }
                nonascii |= s[i] >= 0x80;
                i += nn;
                cpi++;
            }
            if (kind == US_TOK_PUNCT) {
                int q2 = quote_step(q, first);
                if (q != Q_NONE && q2 != Q_NONE) flags |= US_TF_IN_QUOTE;
                q = q2;
                goto push;
            }
        }
        if (q != Q_NONE) flags |= US_TF_IN_QUOTE;
    push:
        if (nonascii) flags |= US_TF_NONASCII;
        if (t->n_toks == t->cap_toks && GROW(t, toks, cap_toks, t->n_toks + 1) != US_OK)
            return -1;
        us_token *tk = &t->toks[t->n_toks++];
        tk->start_byte = (uint32_t)sb;
        tk->end_byte = (uint32_t)i;
        tk->start_cp = sc;
        tk->end_cp = cpi;
        tk->kind = (uint16_t)kind;
        tk->flags = (uint16_t)flags;
    }
    return cpi;
}

int us_text_tokenize(us_text *t, const char *s, size_t len, us_err *err)
{
    static _Atomic uint64_t last_gen;
    t->gen = atomic_fetch_add(&last_gen, 1) + 1;
    t->text = s;
    t->len = len;
    t->n_toks = t->n_lines = t->n_sents = 0;
    if (len > US_TEXT_MAX_BYTES)
        return us_err_set(err, US_ETOOBIG, "text of %zu bytes is over the limit of %u bytes",
                          len, US_TEXT_MAX_BYTES);
    /* ~6 bytes per token in news text: one or two reallocations at most */
    if (GROW(t, toks, cap_toks, len / 5 + 16) != US_OK) goto oom;
    size_t pos = 0;
    uint32_t cp = 0;
    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t le = nl ? (size_t)(nl - s) : len;
        uint32_t tb = (uint32_t)t->n_toks;
        int64_t cpe = scan_line(t, pos, le, cp);
        if (cpe < 0) goto oom;
        uint32_t te = (uint32_t)t->n_toks;
        if (GROW(t, lines, cap_lines, t->n_lines + 1) != US_OK) goto oom;
        us_range *r = &t->lines[t->n_lines++];
        int cr = nl && le > pos && s[le - 1] == '\r';   /* CRLF: '\r' is not in the line */
        r->start_byte = (uint32_t)pos;
        r->start_cp = cp;
        r->end_byte = (uint32_t)(le - (size_t)cr);
        r->end_cp = (uint32_t)cpe - (uint32_t)cr;
        r->tok_begin = tb;
        r->tok_end = te;
        if (tb < te && split_sentences(t, tb, te) != US_OK) goto oom;
        cp = (uint32_t)cpe + (nl ? 1 : 0);
        pos = le + (nl ? 1 : 0);
    }
    return US_OK;
oom:
    t->n_toks = t->n_lines = t->n_sents = 0;
    return us_err_set(err, US_ENOMEM, "out of memory tokenising %zu bytes", len);
}
