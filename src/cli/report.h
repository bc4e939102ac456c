/* report.h -- rendering helpers shared by `unspin analyze` and `unspin report`.
 *
 * Pure functions over an us_analysis and the analysed text: splitting a
 * paragraph at span boundaries (overlaps included), HTML escaping, colours
 * and inline SVG charts. Nothing here prints or exits, so the unit test
 * (tests/unit/test_report.c) can include report_util.c directly. */
#ifndef US_CLI_REPORT_H
#define US_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"

/* ---- spans -------------------------------------------------------------- */

/* A run of a paragraph's bytes covered by the same set of spans. */
typedef struct cli_seg {
    uint32_t start_byte, end_byte;  /* into the article; end exclusive */
    int span;       /* index into p->spans of the innermost covering span, -1 = none */
    int n_cover;    /* number of spans covering the run (> 1 = overlap) */
} cli_seg;

/* Splits paragraph 'p' of 'text' (len bytes) at every span boundary. Spans
 * are clipped to the paragraph; spans outside it or with bad offsets are
 * ignored; offsets inside a UTF-8 sequence are moved to its start. The
 * innermost covering span is the shortest (ties: higher confidence, then
 * lower index). OUT: *segs (us_free), *n_segs >= 1 for a non-empty paragraph.
 * Returns US_OK or US_ENOMEM. */
int cli_span_segments(const us_para_result *p, const char *text, size_t len,
                      cli_seg **segs, size_t *n_segs);

/* ---- colour ------------------------------------------------------------- */

/* Parses "#rrggbb"; returns 0 and fills rgb, or -1 (rgb = mid grey). */
int cli_color_rgb(const char *hex, int rgb[3]);
/* 1 if black text reads better than white on 'hex' (WCAG relative luminance). */
int cli_color_is_light(const char *hex);

/* ---- HTML --------------------------------------------------------------- */

/* Appends s[0..n) escaped for HTML text and quoted attributes: & < > " '
 * become entities, ':' becomes &#58; (so that no "http://" string can appear
 * in a report), '\n' becomes &#10;, '\r' and other control bytes are
 * dropped. 's' must be valid UTF-8. */
void cli_html_esc(us_buf *b, const char *s, size_t n);
void cli_html_escz(us_buf *b, const char *s);

/* ---- SVG charts (inline, no xmlns needed inside HTML5) ------------------- */

typedef struct cli_bar {
    const char *label;  /* left of the bar */
    double value;       /* bar length relative to 'max' */
    const char *color;  /* "#rrggbb" */
    int strong;         /* 1 = predicted label: bold label, full colour */
} cli_bar;

/* Horizontal bar chart, one row per bar, values printed as 0.00 after the
 * bars. 'aria' titles the chart for screen readers and tooltips. */
void cli_svg_bars(us_buf *b, const char *aria, const cli_bar *bars, size_t n, double max,
                  int width);

/* Stacked horizontal bars: row r has n_series values 'values[r * n_series + s]'
 * drawn in 'colors[s]' with tooltip "row: names[s] = value". Rows with a zero
 * total draw an empty track. 'width' is the whole chart's width in px. */
void cli_svg_stacked(us_buf *b, const char *aria, const char *const *row_labels, size_t n_rows,
                     const double *values, size_t n_series, const char *const *names,
                     const char *const *colors, int width);

#endif
