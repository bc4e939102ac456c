/* span_fix.h -- repair of the official technique span offsets.
 *
 * The SemEval-2023 Task 3 span files give [start, end) in Unicode code
 * points, but for many non-English articles the annotation tool saw CRLF
 * line ends, so every newline before an offset counts twice. Nothing in the
 * files says which articles are affected; us_span_fix_article decides per
 * article by scoring both readings against the article itself (details and
 * measured counts in docs/SPANS.md):
 *   - a span's technique should appear in the paragraph labels of the line
 *     it falls on (subtask-3 line labels are derived from the spans);
 *   - spans should start and end on word boundaries;
 *   - every span must lie inside the text.
 * The reading with the higher score wins (ties keep plain code points).
 * Then each span is made to stay within one line: a span that crosses a
 * line end is cut to the line holding most of it (preferring lines whose
 * labels contain its technique). */
#ifndef US_SPAN_FIX_H
#define US_SPAN_FIX_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "io/dataset.h"

typedef struct us_span_fix_stats {
    size_t n_articles;        /* articles seen (with at least one span) */
    size_t n_repaired;        /* articles read as "newline counted twice" */
    size_t n_spans;           /* spans seen */
    size_t n_consistent;      /* after repair: technique in the labels of the span's line */
    size_t n_inconsistent;    /* after repair: technique missing from that line's labels */
    size_t n_clamped;         /* after repair: end past the text, clamped to its end */
    size_t n_trimmed;         /* crossed a line end, cut to one line */
    size_t n_dropped;         /* empty after clamping/trimming (set to end == start) */
} us_span_fix_stats;

/* Adds the counts of 'b' to 'a'. */
void us_span_fix_stats_add(us_span_fix_stats *a, const us_span_fix_stats *b);

/* Repairs the spans of one article in place.
 *   text, len     the subtask-3 article text (valid UTF-8)
 *   line_labels   (n_lines) technique bitmask per 1-based line - 1; may be NULL
 *                 (then only the boundary and range criteria decide)
 *   spans         (n_spans) IN: offsets as in the span file; OUT: plain code
 *                 points, within one line; a span that cannot be kept becomes
 *                 empty (end_cp == start_cp; us_metrics_spans ignores those)
 *   st            counts are added to it (may be NULL)
 * Returns 1 if the article was read as "newline counted twice", 0 if plain,
 * US_ENOMEM (the spans are then untouched). */
int us_span_fix_article(const char *text, size_t len, const uint32_t *line_labels,
                        uint32_t n_lines, us_gold_span *spans, size_t n_spans,
                        us_span_fix_stats *st);

#endif
