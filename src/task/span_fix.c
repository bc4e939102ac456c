/* span_fix.c -- deciding how an article's span offsets count newlines, and
 * cutting spans to one line.
 *
 * Reading "newline counted twice": the tool's offset a of plain code point p
 * is a = p + (newlines before p). With ls[L] the first code point of line
 * segment L (segments are separated by '\n'), segment L starts at
 * A(L) = ls[L] + L in the tool's count, so a maps to p = ls[L] + (a - A(L))
 * for the last L with A(L) <= a; an offset that falls "between CR and LF"
 * maps to the newline itself (the end of segment L's content).
 *
 * Deliberately not here: fuzzy re-anchoring of spans by their text (the span
 * files carry no text), and readings other than the two above (none seen in
 * the data: see docs/SPANS.md). */
#include <string.h>
#include <utf8proc.h>
#include "task/span_fix.h"
#include "text/text.h"

void us_span_fix_stats_add(us_span_fix_stats *a, const us_span_fix_stats *b)
{
    a->n_articles += b->n_articles;
    a->n_repaired += b->n_repaired;
    a->n_spans += b->n_spans;
    a->n_consistent += b->n_consistent;
    a->n_inconsistent += b->n_inconsistent;
    a->n_clamped += b->n_clamped;
    a->n_trimmed += b->n_trimmed;
    a->n_dropped += b->n_dropped;
}

typedef struct fixctx {
    const uint32_t *cps;     /* (n_cp) code points */
    uint32_t n_cp;
    const uint32_t *ls;      /* (n_seg) first code point of each segment */
    uint32_t n_seg;
    const uint32_t *labels;  /* (n_lines) or NULL */
    uint32_t n_lines;
} fixctx;

static int is_word_cp(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
    return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO;  /* letters, marks, digits */
}

/* Segment holding code point p (last L with ls[L] <= p). */
static uint32_t seg_of(const fixctx *c, uint32_t p)
{
    uint32_t lo = 0, hi = c->n_seg;   /* ls[lo] <= p < ls[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->ls[mid] <= p) lo = mid; else hi = mid;
    }
    return lo;
}

/* End of segment L's content (its '\n', or the text end). */
static uint32_t seg_end(const fixctx *c, uint32_t L)
{
    return L + 1 < c->n_seg ? c->ls[L + 1] - 1 : c->n_cp;
}

static int seg_has(const fixctx *c, uint32_t L, uint32_t tech)
{
    return c->labels && L < c->n_lines && (c->labels[L] >> tech & 1u);
}

/* Maps a tool offset to a plain code point under reading 'twice'. May
 * return a value past the text end (then the span is out of range). */
static uint64_t map_off(const fixctx *c, uint32_t a, int twice)
{
    if (!twice) return a;
    uint32_t lo = 0, hi = c->n_seg;   /* A(lo) <= a < A(hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)c->ls[mid] + mid <= a) lo = mid; else hi = mid;
    }
    uint64_t p = (uint64_t)c->ls[lo] + (a - (c->ls[lo] + lo));
    if (lo + 1 < c->n_seg && p > seg_end(c, lo)) p = seg_end(c, lo);
    return p;
}

/* Plausibility of a reading: 4 per span whose technique labels its line, 1
 * per word-boundary start or end, -100 per span outside the text. */
static long score_reading(const fixctx *c, const us_gold_span *sp, size_t n, int twice)
{
    long score = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = map_off(c, sp[i].start_cp, twice), e = map_off(c, sp[i].end_cp, twice);
        if (e > c->n_cp || s >= e) { score -= 100; continue; }
        if (seg_has(c, seg_of(c, (uint32_t)s), sp[i].tech)) score += 4;
        if (s == 0 || !is_word_cp(c->cps[s - 1]) || !is_word_cp(c->cps[s])) score++;
        if (e == c->n_cp || !is_word_cp(c->cps[e - 1]) || !is_word_cp(c->cps[e])) score++;
    }
    return score;
}

/* Cuts [s, e) to the content of one segment: among the segments it touches,
 * one whose labels hold 'tech', then the largest overlap. */
static void cut_to_line(const fixctx *c, uint32_t tech, uint32_t *s, uint32_t *e, int *multi)
{
    uint32_t a = seg_of(c, *s), b = seg_of(c, *e > *s ? *e - 1 : *s);
    uint32_t best = a;
    long best_key = -1;
    for (uint32_t L = a; L <= b; L++) {
        uint32_t lo = *s > c->ls[L] ? *s : c->ls[L];
        uint32_t hi = *e < seg_end(c, L) ? *e : seg_end(c, L);
        long ov = hi > lo ? (long)(hi - lo) : 0;
        long key = ov > 0 ? ov + (seg_has(c, L, tech) ? (1L << 40) : 0) : 0;
        if (key > best_key) { best_key = key; best = L; }
    }
    *multi = b > a;
    uint32_t lo = *s > c->ls[best] ? *s : c->ls[best];
    uint32_t hi = *e < seg_end(c, best) ? *e : seg_end(c, best);
    *s = lo;
    *e = hi > lo ? hi : lo;
}

int us_span_fix_article(const char *text, size_t len, const uint32_t *line_labels,
                        uint32_t n_lines, us_gold_span *spans, size_t n_spans,
                        us_span_fix_stats *st)
{
    if (n_spans == 0) return 0;
    size_t n_cp = us_utf8_cp_count(text, len), n_nl = 0;
    for (size_t i = 0; i < len; i++) n_nl += text[i] == '\n';
    if (n_cp >= UINT32_MAX / 2) return US_ETOOBIG;
    uint32_t *cps = us_malloc((n_cp + 1) * sizeof *cps);
    uint32_t *ls = us_malloc((n_nl + 1) * sizeof *ls);
    if (!cps || !ls) { us_free(cps); us_free(ls); return US_ENOMEM; }
    uint32_t k = 0, n_seg = 1;
    ls[0] = 0;
    for (size_t i = 0; i < len && k < n_cp;) {
        size_t adv = 1;
        int32_t cp = us_utf8_decode(text + i, len - i, &adv);
        cps[k++] = cp < 0 ? 0xFFFD : (uint32_t)cp;
        if (cp == '\n') ls[n_seg++] = k;
        i += adv ? adv : 1;
    }
    fixctx c = {cps, k, ls, n_seg, line_labels, line_labels ? n_lines : 0};

    int twice = score_reading(&c, spans, n_spans, 1) > score_reading(&c, spans, n_spans, 0);
    us_span_fix_stats loc;
    memset(&loc, 0, sizeof loc);
    loc.n_articles = 1;
    loc.n_repaired = (size_t)twice;
    loc.n_spans = n_spans;
    for (size_t i = 0; i < n_spans; i++) {
        uint64_t s = map_off(&c, spans[i].start_cp, twice), e = map_off(&c, spans[i].end_cp, twice);
        if (e > c.n_cp) { e = c.n_cp; loc.n_clamped++; }
        if (s > e) s = e;
        uint32_t s32 = (uint32_t)s, e32 = (uint32_t)e;
        int multi = 0;
        if (e32 > s32) {
            cut_to_line(&c, spans[i].tech, &s32, &e32, &multi);
            if (multi && e32 > s32) loc.n_trimmed++;
        }
        spans[i].start_cp = s32;
        spans[i].end_cp = e32;
        if (e32 <= s32) { spans[i].end_cp = s32; loc.n_dropped++; continue; }
        if (seg_has(&c, seg_of(&c, s32), spans[i].tech)) loc.n_consistent++;
        else loc.n_inconsistent++;
    }
    if (st) us_span_fix_stats_add(st, &loc);
    us_free(cps);
    us_free(ls);
    return twice;
}
