/* report_util.c -- span segments, HTML escaping, colours and inline SVG charts.
 *
 * Shared by cmd_analyze.c (terminal highlighting) and cmd_report.c (HTML).
 * Deliberately self-contained: only base/ and the public header, no printing,
 * so tests/unit/test_report.c can include this file and test it alone.
 * Bloat: no chart library, no axes or legends inside charts (the report has
 * one legend), no text wrapping in SVG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/report.h"
#include "unspin.h"

/* ---- spans ------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Moves 'off' back to the first byte of the UTF-8 sequence it points into. */
static uint32_t char_start(const char *text, uint32_t lo, uint32_t off)
{
    while (off > lo && ((unsigned char)text[off] & 0xC0) == 0x80) off--;
    return off;
}

/* Clipped [s,e) of span 'k', or 0 if it misses the paragraph. */
static int span_range(const us_para_result *p, const char *text, size_t len, size_t k,
                      uint32_t *s, uint32_t *e)
{
    const us_span_result *sp = &p->spans[k];
    if (sp->start_byte >= sp->end_byte || sp->end_byte > len) return 0;
    uint32_t a = sp->start_byte < p->start_byte ? p->start_byte : sp->start_byte;
    uint32_t z = sp->end_byte > p->end_byte ? p->end_byte : sp->end_byte;
    if (a >= z) return 0;
    a = char_start(text, p->start_byte, a);
    if (z < p->end_byte) z = char_start(text, p->start_byte, z);
    if (a >= z) return 0;
    *s = a;
    *e = z;
    return 1;
}

int cli_span_segments(const us_para_result *p, const char *text, size_t len,
                      cli_seg **segs, size_t *n_segs)
{
    *segs = NULL;
    *n_segs = 0;
    if (p->end_byte > len || p->start_byte >= p->end_byte) return US_OK;
    size_t n_b = 2 + 2 * p->n_spans;
    uint32_t *b = us_calloc(n_b, sizeof *b);
    if (!b) return US_ENOMEM;
    size_t nb = 0;
    b[nb++] = p->start_byte;
    b[nb++] = p->end_byte;
    for (size_t k = 0; k < p->n_spans; k++) {
        uint32_t s, e;
        if (!span_range(p, text, len, k, &s, &e)) continue;
        b[nb++] = s;
        b[nb++] = e;
    }
    qsort(b, nb, sizeof *b, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < nb; i++)
        if (u == 0 || b[i] != b[u - 1]) b[u++] = b[i];
    cli_seg *out = us_calloc(u - 1, sizeof *out);
    if (!out) { us_free(b); return US_ENOMEM; }
    for (size_t i = 0; i + 1 < u; i++) {
        cli_seg *g = &out[i];
        g->start_byte = b[i];
        g->end_byte = b[i + 1];
        g->span = -1;
        uint32_t best_len = 0;
        for (size_t k = 0; k < p->n_spans; k++) {
            uint32_t s, e;
            if (!span_range(p, text, len, k, &s, &e) || s > g->start_byte || e < g->end_byte)
                continue;
            g->n_cover++;
            uint32_t l = e - s;
            if (g->span < 0 || l < best_len ||
                (l == best_len && p->spans[k].confidence > p->spans[g->span].confidence)) {
                g->span = (int)k;
                best_len = l;
            }
        }
    }
    us_free(b);
    *segs = out;
    *n_segs = u - 1;
    return US_OK;
}

/* ---- colour ------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_color_rgb(const char *hex, int rgb[3])
{
    rgb[0] = rgb[1] = rgb[2] = 128;
    if (!hex || hex[0] != '#' || strlen(hex) != 7) return -1;
    int v[6];
    for (int i = 0; i < 6; i++)
        if ((v[i] = hexval(hex[1 + i])) < 0) return -1;
    for (int i = 0; i < 3; i++) rgb[i] = v[2 * i] * 16 + v[2 * i + 1];
    return 0;
}

/* sRGB channel to linear light (WCAG 2.x relative luminance). */
static double lin(int c)
{
    double x = c / 255.0;
    return x <= 0.03928 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
}

int cli_color_is_light(const char *hex)
{
    int c[3];
    cli_color_rgb(hex, c);
    double y = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    return y > 0.179;   /* (y + .05) / .05 > 1.05 / (y + .05): black has more contrast */
}

/* ---- HTML -------------------------------------------------------------- */

void cli_html_esc(us_buf *b, const char *s, size_t n)
{
    size_t run = 0;   /* start of the pending run copied as-is */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc;
        switch (c) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        case ':': esc = "&#58;"; break;
        case '\n': esc = "&#10;"; break;
        case '\t': esc = NULL; break;
        default: esc = (c < 0x20 || c == 0x7f) ? "" : NULL; break;
        }
        if (!esc) continue;
        us_buf_append(b, s + run, i - run);
        us_buf_puts(b, esc);
        run = i + 1;
    }
    us_buf_append(b, s + run, n - run);
}

void cli_html_escz(us_buf *b, const char *s) { cli_html_esc(b, s, strlen(s)); }

/* ---- SVG charts ---------------------------------------------------------- */

#define ROW_H 18
#define BAR_H 12

void cli_svg_bars(us_buf *b, const char *aria, const cli_bar *bars, size_t n, double max,
                  int width)
{
    const int label_w = 128, value_w = 40;
    int plot_w = width - label_w - value_w;
    int h = (int)n * ROW_H + 4;
    if (max <= 0) max = 1;
    us_buf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "role=\"img\" aria-label=\"", width, h, width, h);
    cli_html_escz(b, aria);
    us_buf_puts(b, "\"><title>");
    cli_html_escz(b, aria);
    us_buf_puts(b, "</title>");
    for (size_t i = 0; i < n; i++) {
        const cli_bar *r = &bars[i];
        double v = r->value < 0 ? 0 : r->value > max ? max : r->value;
        int y = (int)i * ROW_H + 2;
        double w = v / max * plot_w;
        us_buf_printf(b, "<g><title>");
        cli_html_escz(b, r->label);
        us_buf_printf(b, " %.2f</title>", r->value);
        us_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl%s\" text-anchor=\"end\">",
                      label_w - 6, y + BAR_H - 2, r->strong ? " strong" : "");
        cli_html_escz(b, r->label);
        us_buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" "
                      "class=\"track\"/>", label_w, y, plot_w, BAR_H);
        us_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" "
                      "fill=\"%s\"%s/>", label_w, y, w, BAR_H, r->color,
                      r->strong ? "" : " fill-opacity=\"0.35\"");
        us_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"val%s\">%.2f</text></g>",
                      label_w + plot_w + 6, y + BAR_H - 2, r->strong ? " strong" : "", r->value);
    }
    us_buf_puts(b, "</svg>");
}

/* Appends at most 'max_cp' code points of s, with an ellipsis when cut. */
static void esc_trunc(us_buf *b, const char *s, size_t max_cp)
{
    size_t n = strlen(s), cps = 0, i = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == max_cp) break;
    }
    cli_html_esc(b, s, i);
    if (i < n) us_buf_puts(b, "\xe2\x80\xa6");
}

void cli_svg_stacked(us_buf *b, const char *aria, const char *const *row_labels, size_t n_rows,
                     const double *values, size_t n_series, const char *const *names,
                     const char *const *colors, int width)
{
    const int label_w = 170, value_w = 40;
    int plot_w = width - label_w - value_w;
    int h = (int)n_rows * ROW_H + 4;
    double max = 0;
    for (size_t r = 0; r < n_rows; r++) {
        double t = 0;
        for (size_t s = 0; s < n_series; s++) t += values[r * n_series + s];
        if (t > max) max = t;
    }
    if (max <= 0) max = 1;
    us_buf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "role=\"img\" aria-label=\"", width, h, width, h);
    cli_html_escz(b, aria);
    us_buf_puts(b, "\"><title>");
    cli_html_escz(b, aria);
    us_buf_puts(b, "</title>");
    for (size_t r = 0; r < n_rows; r++) {
        int y = (int)r * ROW_H + 2;
        us_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\"><title>",
                      label_w - 6, y + BAR_H - 2);
        cli_html_escz(b, row_labels[r]);
        us_buf_puts(b, "</title>");
        esc_trunc(b, row_labels[r], 26);
        us_buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" "
                      "class=\"track\"/>", label_w, y, plot_w, BAR_H);
        double x = label_w, total = 0;
        for (size_t s = 0; s < n_series; s++) {
            double v = values[r * n_series + s];
            if (v <= 0) continue;
            double w = v / max * plot_w;
            us_buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                          "fill=\"%s\" class=\"seg\"><title>", x, y, w, BAR_H, colors[s]);
            cli_html_escz(b, row_labels[r]);
            us_buf_puts(b, ": ");
            cli_html_escz(b, names[s]);
            us_buf_printf(b, " = %g</title></rect>", v);
            x += w;
            total += v;
        }
        us_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"val\">%g</text>",
                      label_w + plot_w + 6, y + BAR_H - 2, total);
    }
    us_buf_puts(b, "</svg>");
}
