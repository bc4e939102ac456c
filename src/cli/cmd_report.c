/* cmd_report.c -- `unspin report`: one self-contained HTML file for a set of articles.
 *
 * Each article is analysed once; its section (genre and frame charts,
 * paragraphs with technique chips and highlighted spans) is rendered into a
 * buffer at once and the analysis freed, while per-article counts are kept
 * for the corpus view (techniques and frames per article and per folder,
 * paragraph-level technique co-occurrence), which needs every article and is
 * placed before them. Articles that fail are listed in an Errors section and
 * on stderr, and make the exit status 1; the report is still written.
 *
 * The page has inline CSS (report_css.h) and inline SVG, no script and no
 * external asset; hover text uses title attributes. All article text goes
 * through cli_html_esc(), which also escapes ':' so the file never contains
 * a URL scheme, even when an article quotes one.
 *
 * Layout of the page:
 *   header  title, counts, model
 *   Errors  (only when something failed)
 *   Corpus  (two or more articles) article table, stacked bars, co-occurrence
 *   Legend  every technique: colour, name, one-line definition, count
 *   one card per article
 *
 * Bloat: no sorting or filtering UI, no embedded JSON, no pagination. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/input.h"
#include "cli/report.h"
#include "cli/report_css.h"
#include "task/taxonomy.h"
#include "unspin.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin report [options] PATH... -o report.html\n"
        "\n"
        "Writes one self-contained HTML page (no external assets) that shows each\n"
        "article with its persuasion techniques highlighted (spans, or whole\n"
        "paragraphs while the span model is not available), a colour legend with\n"
        "each technique's definition, genre and frame charts, and, for several\n"
        "articles, a corpus view: techniques and frames per article and per folder\n"
        "and a technique co-occurrence matrix. Hover a highlight for the technique,\n"
        "its confidence and its cues.\n"
        "\n"
        "PATH is an article file, a folder of article<ID>.txt files, or - (stdin).\n"
        "\n"
        "options:\n"
        "  -o, --output FILE  the HTML file to write (- for stdout); required\n"
        "  --model MODEL      model file (default: the shipped model)\n"
        "  --lang LANG        en fr ge it po ru (trained), es gr ka or any other\n"
        "  --title TITLE      page title (default: \"unspin report\")\n"
        "  --utf8 POLICY      strict (default: invalid UTF-8 is an error) or replace\n"
        "  -h, --help         this help\n"
        "\n"
        "Exit status: 0 when every article was analysed, 1 when any failed (they are\n"
        "listed in the report's Errors section and on stderr), 2 on a usage error.\n");
}

/* ---- state ---------------------------------------------------------------- */

typedef struct art {
    char id[64];
    char *path;
    int folder;                        /* index into report.folders */
    int ok;
    int genre;
    uint32_t frames;                   /* bitmask */
    size_t n_paras, n_tech_paras;
    double tech[US_N_TECHNIQUES];      /* paragraphs per technique */
} art;

typedef struct report {
    art *arts; size_t n_arts;
    char **folders; size_t n_folders;
    char **errors; size_t n_errors;    /* "path: message", us_strdup'ed */
    double cooc[US_N_TECHNIQUES][US_N_TECHNIQUES];   /* paragraphs with both i and j */
    double tech_total[US_N_TECHNIQUES];
    size_t n_paras;
    us_buf body;                       /* the article cards, in order */
    int oom;
} report;

static const us_label_info *tech_info(int k) { return us_tax_label(US_TASK_TECHNIQUES, (size_t)k); }
static const us_label_info *frame_info(int k) { return us_tax_label(US_TASK_FRAMING, (size_t)k); }

static void add_error(report *r, const char *msg)
{
    char **e = us_realloc(r->errors, (r->n_errors + 1) * sizeof *e);
    if (!e || !(e[r->n_errors] = us_strdup(msg))) { r->oom = 1; if (e) r->errors = e; return; }
    r->errors = e;
    r->n_errors++;
}

/* Index of the folder holding 'path' ("." for a bare file name), added if new. */
static int folder_of(report *r, const char *path)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!strcmp(path, "-")) snprintf(dir, sizeof dir, "(stdin)");
    else if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    for (size_t i = 0; i < r->n_folders; i++)
        if (!strcmp(r->folders[i], dir)) return (int)i;
    char **f = us_realloc(r->folders, (r->n_folders + 1) * sizeof *f);
    if (!f) { r->oom = 1; return 0; }
    r->folders = f;
    if (!(f[r->n_folders] = us_strdup(dir))) { r->oom = 1; return 0; }
    return (int)r->n_folders++;
}

/* ---- one article ------------------------------------------------------------ */

/* Appends "Name 0.87 · cues: a, b, c" (escaped) for technique k of p. */
static void tech_tip(us_buf *b, const us_para_result *p, int k)
{
    char tmp[96];
    cli_html_escz(b, us_label_name(2, k));
    snprintf(tmp, sizeof tmp, " \xc2\xb7 confidence %.2f", p->prob[k]);
    cli_html_escz(b, tmp);
    if (!p->cues) return;
    /* the paragraph's own words, before the article context (stack.h) */
    snprintf(tmp, sizeof tmp, " (own words %.2f)", p->prob_text[k]);
    cli_html_escz(b, tmp);
    const us_cue *c = p->cues + (size_t)k * US_TOP_CUES;
    for (int i = 0, n = 0; i < US_TOP_CUES; i++) {
        if (!c[i].name[0]) continue;
        us_buf_puts(b, n++ ? ", " : "&#10;cues&#58; ");
        cli_html_escz(b, c[i].name);
    }
}

static void render_para(us_buf *b, const us_para_result *p, const char *text, size_t len,
                        size_t ord, size_t art_ix)
{
    us_buf_printf(b, "<div class=\"para\" id=\"a%zu-p%zu\"><div class=\"pnum\" "
                  "title=\"line %u\">%u</div><div>", art_ix, ord, p->line, p->line);
    int first_tech = -1, n_tech = 0;
    if (p->techniques) {
        us_buf_puts(b, "<div class=\"chips\">");
        for (int k = 0; k < US_N_TECHNIQUES; k++) {
            if (!(p->techniques >> k & 1u)) continue;
            if (first_tech < 0) first_tech = k;
            n_tech++;
            us_buf_puts(b, "<span class=\"chip\" title=\"");
            tech_tip(b, p, k);
            us_buf_printf(b, "\"><i style=\"background:%s\"></i>", tech_info(k)->color);
            cli_html_escz(b, tech_info(k)->short_name);
            us_buf_printf(b, " <b>%.2f</b></span>", p->prob[k]);
        }
        us_buf_puts(b, "</div>");
    }
    cli_seg *seg = NULL;
    size_t n_seg = 0;
    if (cli_span_segments(p, text, len, &seg, &n_seg) != US_OK) { b->oom = 1; return; }
    int has_spans = 0;
    for (size_t g = 0; g < n_seg; g++) has_spans |= seg[g].span >= 0;
    if (p->techniques && !has_spans) {
        /* Paragraph-level highlight: tint of the first technique, stripe of all. */
        us_buf_puts(b, "<p class=\"ptext whole\" style=\"background:");
        us_buf_printf(b, "%s1c;border-left:5px solid %s", tech_info(first_tech)->color,
                      tech_info(first_tech)->color);
        if (n_tech > 1) {
            us_buf_puts(b, ";border-image:linear-gradient(");
            int i = 0;
            for (int k = 0; k < US_N_TECHNIQUES; k++) {
                if (!(p->techniques >> k & 1u)) continue;
                us_buf_printf(b, "%s%s %d%% %d%%", i ? "," : "", tech_info(k)->color,
                              i * 100 / n_tech, (i + 1) * 100 / n_tech);
                i++;
            }
            us_buf_puts(b, ") 1");
        }
        us_buf_puts(b, "\" title=\"");
        int i = 0;
        for (int k = 0; k < US_N_TECHNIQUES; k++) {
            if (!(p->techniques >> k & 1u)) continue;
            if (i++) us_buf_puts(b, "&#10;");
            tech_tip(b, p, k);
        }
        us_buf_puts(b, "\">");
    } else {
        us_buf_printf(b, "<p class=\"ptext%s\">", p->techniques ? "" : " none");
    }
    for (size_t g = 0; g < n_seg; g++) {
        const cli_seg *s = &seg[g];
        if (s->span < 0) {
            cli_html_esc(b, text + s->start_byte, s->end_byte - s->start_byte);
            continue;
        }
        const us_span_result *sp = &p->spans[s->span];
        const char *col = tech_info(sp->technique)->color;
        us_buf_printf(b, "<mark class=\"sp%s\" style=\"background:%s4d;"
                      "box-shadow:inset 0 -2px %s\" title=\"", s->n_cover > 1 ? " ov" : "",
                      col, col);
        int i = 0;   /* every span covering this run, innermost first */
        for (size_t k = 0; k < p->n_spans; k++) {
            const us_span_result *o = &p->spans[k];
            if (o->start_byte > s->start_byte || o->end_byte < s->end_byte) continue;
            char tmp[48];
            if (i++) us_buf_puts(b, "&#10;");
            cli_html_escz(b, us_label_name(2, o->technique));
            snprintf(tmp, sizeof tmp, " \xc2\xb7 span confidence %.2f", o->confidence);
            cli_html_escz(b, tmp);
            for (int c = 0, nc = 0; o->cues && c < US_TOP_CUES && nc < 3; c++) {
                if (!o->cues[c].name[0]) continue;
                us_buf_puts(b, nc++ ? ", " : " \xc2\xb7 span cues&#58; ");
                cli_html_escz(b, o->cues[c].name);
            }
        }
        if (p->cues && p->techniques >> sp->technique & 1u) {
            us_buf_puts(b, "&#10;");
            tech_tip(b, p, sp->technique);
        }
        us_buf_puts(b, "\">");
        cli_html_esc(b, text + s->start_byte, s->end_byte - s->start_byte);
        us_buf_puts(b, "</mark>");
    }
    us_free(seg);
    us_buf_puts(b, "</p></div></div>");
}

static int cmp_prob_desc(const void *x, const void *y)
{
    const cli_bar *a = x, *b = y;
    return a->value < b->value ? 1 : a->value > b->value ? -1 : 0;
}

static void render_article(report *r, size_t ix, const char *path, const us_analysis *a,
                           const char *text, size_t len)
{
    us_buf *b = &r->body;
    art *t = &r->arts[ix];
    us_buf_printf(b, "<section class=\"card\" id=\"a%zu\"><div class=\"art-head\"><h2>", ix);
    cli_html_escz(b, t->id);
    us_buf_puts(b, "</h2>");
    if (a->genre >= 0) {
        const us_label_info *g = us_tax_label(US_TASK_GENRE, (size_t)a->genre);
        us_buf_printf(b, "<span class=\"badge\" style=\"background:%s\">", g->color);
        cli_html_escz(b, g->name);
        us_buf_puts(b, "</span>");
    }
    us_buf_puts(b, "<span class=\"path\">");
    cli_html_escz(b, strcmp(path, "-") ? path : "(stdin)");
    us_buf_printf(b, "</span></div><p class=\"muted small\">language %s \xc2\xb7 %zu paragraph%s"
                  " \xc2\xb7 %zu with techniques \xc2\xb7 %zu code points</p>", a->lang,
                  a->n_paras, a->n_paras == 1 ? "" : "s", t->n_tech_paras, a->n_cps);

    us_buf_puts(b, "<div class=\"charts\">");
    if (a->genre >= 0) {
        cli_bar bars[US_N_GENRES];
        for (int l = 0; l < US_N_GENRES; l++) {
            const us_label_info *g = us_tax_label(US_TASK_GENRE, (size_t)l);
            bars[l] = (cli_bar){g->short_name, a->genre_prob[l], g->color, l == a->genre};
        }
        us_buf_puts(b, "<figure><figcaption>Genre</figcaption>");
        cli_svg_bars(b, "Genre probabilities", bars, US_N_GENRES, 1.0, 330);
        us_buf_puts(b, "</figure>");
    }
    cli_bar fb[US_N_FRAMES];
    for (int l = 0; l < US_N_FRAMES; l++)
        fb[l] = (cli_bar){frame_info(l)->short_name, a->frame_prob[l], frame_info(l)->color,
                          (int)(a->frames >> l & 1u)};
    qsort(fb, US_N_FRAMES, sizeof fb[0], cmp_prob_desc);
    size_t n_fb = 0;   /* the 8 most probable frames, and every predicted one */
    while (n_fb < US_N_FRAMES && (n_fb < 8 || fb[n_fb].strong)) n_fb++;
    us_buf_puts(b, "<figure><figcaption>Frames (bold: predicted)</figcaption>");
    cli_svg_bars(b, "Frame probabilities", fb, n_fb, 1.0, 420);
    us_buf_puts(b, "</figure></div>");
    /* The annotated training articles whose frames were blended in (train --knn). */
    for (size_t i = 0; i < a->n_similar && i < 3; i++) {
        const us_similar *si = &a->similar[i];
        us_buf_puts(b, i ? "; " : "<p class=\"muted\">Most similar annotated articles: ");
        cli_html_escz(b, si->lang);
        us_buf_putc(b, '/');
        cli_html_escz(b, si->id);
        us_buf_printf(b, " (%d%%:", (int)(si->similarity * 100.0f + 0.5f));
        for (int l = 0, f = 0; l < US_N_FRAMES; l++)
            if (si->frames >> l & 1u) {
                us_buf_puts(b, f++ ? ", " : " ");
                cli_html_escz(b, frame_info(l)->short_name);
            }
        us_buf_putc(b, ')');
        if (i + 1 == a->n_similar || i == 2) us_buf_puts(b, "</p>");
    }

    if (!a->n_paras) us_buf_puts(b, "<p class=\"muted\">No paragraphs (the article is empty "
                                    "or the model has no technique head).</p>");
    for (size_t i = 0; i < a->n_paras; i++)
        render_para(b, &a->paras[i], text, len, i + 1, ix);
    us_buf_puts(b, "</section>");
}

/* Counts one analysed article into the corpus tallies. */
static void tally(report *r, art *t, const us_analysis *a)
{
    t->ok = 1;
    t->genre = a->genre;
    t->frames = a->frames;
    t->n_paras = a->n_paras;
    for (size_t i = 0; i < a->n_paras; i++) {
        uint32_t m = a->paras[i].techniques;
        t->n_tech_paras += m != 0;
        for (int k = 0; k < US_N_TECHNIQUES; k++) {
            if (!(m >> k & 1u)) continue;
            t->tech[k] += 1;
            r->tech_total[k] += 1;
            for (int j = 0; j < US_N_TECHNIQUES; j++)
                if (m >> j & 1u) r->cooc[k][j] += 1;
        }
    }
    r->n_paras += a->n_paras;
}

/* ---- corpus view -------------------------------------------------------------- */

static void render_corpus(report *r, us_buf *b, size_t n_ok)
{
    const char *tnames[US_N_TECHNIQUES], *tcols[US_N_TECHNIQUES];
    const char *fnames[US_N_FRAMES], *fcols[US_N_FRAMES];
    for (int k = 0; k < US_N_TECHNIQUES; k++) {
        tnames[k] = tech_info(k)->short_name;
        tcols[k] = tech_info(k)->color;
    }
    for (int k = 0; k < US_N_FRAMES; k++) {
        fnames[k] = frame_info(k)->short_name;
        fcols[k] = frame_info(k)->color;
    }
    const char **rows = us_calloc(n_ok + r->n_folders + 1, sizeof *rows);
    double *tv = us_calloc((n_ok + r->n_folders + 1) * US_N_TECHNIQUES, sizeof *tv);
    double *fv = us_calloc((n_ok + r->n_folders + 1) * US_N_FRAMES, sizeof *fv);
    if (!rows || !tv || !fv) { b->oom = 1; goto done; }

    us_buf_puts(b, "<section class=\"card\" id=\"corpus\"><h2>Corpus</h2>");
    us_buf_puts(b, "<table class=\"list\"><thead><tr><th>Article</th><th>Folder</th>"
                   "<th>Genre</th><th>Frames</th><th>Paragraphs with techniques</th>"
                   "</tr></thead><tbody>");
    for (size_t i = 0; i < r->n_arts; i++) {
        const art *t = &r->arts[i];
        if (!t->ok) continue;
        us_buf_printf(b, "<tr><td><a href=\"#a%zu\">", i);
        cli_html_escz(b, t->id);
        us_buf_puts(b, "</a></td><td class=\"muted\">");
        cli_html_escz(b, r->folders[t->folder]);
        us_buf_puts(b, "</td><td>");
        cli_html_escz(b, t->genre >= 0 ? us_label_name(0, t->genre) : "-");
        us_buf_puts(b, "</td><td>");
        int n = 0;
        for (int l = 0; l < US_N_FRAMES; l++)
            if (t->frames >> l & 1u) {
                if (n++) us_buf_puts(b, ", ");
                cli_html_escz(b, frame_info(l)->short_name);
            }
        us_buf_printf(b, "</td><td>%zu of %zu</td></tr>", t->n_tech_paras, t->n_paras);
    }
    us_buf_puts(b, "</tbody></table>");

    size_t n = 0;
    for (size_t i = 0; i < r->n_arts; i++) {
        const art *t = &r->arts[i];
        if (!t->ok) continue;
        rows[n] = t->id;
        memcpy(tv + n * US_N_TECHNIQUES, t->tech, sizeof t->tech);
        for (int l = 0; l < US_N_FRAMES; l++) fv[n * US_N_FRAMES + l] = t->frames >> l & 1u;
        n++;
    }
    us_buf_puts(b, "<div class=\"grid2\"><figure><h3>Techniques per article "
                   "(paragraphs)</h3>");
    cli_svg_stacked(b, "Techniques per article", rows, n, tv, US_N_TECHNIQUES, tnames, tcols,
                    500);
    us_buf_puts(b, "</figure><figure><h3>Frames per article</h3>");
    cli_svg_stacked(b, "Frames per article", rows, n, fv, US_N_FRAMES, fnames, fcols, 500);
    us_buf_puts(b, "</figure>");

    memset(tv, 0, r->n_folders * US_N_TECHNIQUES * sizeof *tv);
    memset(fv, 0, r->n_folders * US_N_FRAMES * sizeof *fv);
    for (size_t i = 0; i < r->n_arts; i++) {
        const art *t = &r->arts[i];
        if (!t->ok) continue;
        for (int k = 0; k < US_N_TECHNIQUES; k++) tv[t->folder * US_N_TECHNIQUES + k] += t->tech[k];
        for (int l = 0; l < US_N_FRAMES; l++) fv[t->folder * US_N_FRAMES + l] += t->frames >> l & 1u;
    }
    us_buf_puts(b, "<figure><h3>Techniques per folder (paragraphs)</h3>");
    cli_svg_stacked(b, "Techniques per folder", (const char *const *)r->folders, r->n_folders,
                    tv, US_N_TECHNIQUES, tnames, tcols, 500);
    us_buf_puts(b, "</figure><figure><h3>Frames per folder (articles)</h3>");
    cli_svg_stacked(b, "Frames per folder", (const char *const *)r->folders, r->n_folders, fv,
                    US_N_FRAMES, fnames, fcols, 500);
    us_buf_puts(b, "</figure></div>");

    /* Frame key (hover for the definition); techniques have the legend card. */
    us_buf_puts(b, "<div class=\"keys\">");
    for (int l = 0; l < US_N_FRAMES; l++) {
        us_buf_puts(b, "<span title=\"");
        cli_html_escz(b, frame_info(l)->definition);
        us_buf_printf(b, "\"><i style=\"background:%s\"></i>", fcols[l]);
        cli_html_escz(b, frame_info(l)->short_name);
        us_buf_puts(b, "</span>");
    }
    us_buf_puts(b, "</div>");

    /* Co-occurrence heat map over the techniques that occur at all. */
    int used[US_N_TECHNIQUES], n_used = 0;
    double max_off = 0;
    for (int k = 0; k < US_N_TECHNIQUES; k++) if (r->tech_total[k] > 0) used[n_used++] = k;
    for (int i = 0; i < n_used; i++)
        for (int j = 0; j < n_used; j++)
            if (i != j && r->cooc[used[i]][used[j]] > max_off) max_off = r->cooc[used[i]][used[j]];
    us_buf_puts(b, "<h3>Technique co-occurrence (paragraphs with both)</h3>");
    if (!n_used) {
        us_buf_puts(b, "<p class=\"muted\">No technique was predicted.</p>");
    } else {
        us_buf_puts(b, "<table class=\"heat\"><thead><tr><th></th>");
        for (int j = 0; j < n_used; j++) {
            us_buf_puts(b, "<th>");
            cli_html_escz(b, tech_info(used[j])->short_name);
            us_buf_puts(b, "</th>");
        }
        us_buf_puts(b, "</tr></thead><tbody>");
        for (int i = 0; i < n_used; i++) {
            us_buf_printf(b, "<tr><th><span class=\"sw\" style=\"display:inline-block;"
                          "vertical-align:-2px;background:%s\"></span> ",
                          tech_info(used[i])->color);
            cli_html_escz(b, tech_info(used[i])->short_name);
            us_buf_puts(b, "</th>");
            for (int j = 0; j < n_used; j++) {
                double v = r->cooc[used[i]][used[j]];
                us_buf_puts(b, "<td");
                if (i == j) {
                    us_buf_puts(b, " class=\"diag\"");
                } else if (v > 0) {
                    double f = max_off > 0 ? v / max_off : 0;
                    us_buf_printf(b, " style=\"background:rgba(31,92,170,%.2f);color:%s\"",
                                  0.12 + 0.78 * f, f > 0.55 ? "#fff" : "#1f2328");
                }
                us_buf_puts(b, " title=\"");
                cli_html_escz(b, us_label_name(2, used[i]));
                us_buf_puts(b, i == j ? " (paragraphs)" : " + ");
                if (i != j) cli_html_escz(b, us_label_name(2, used[j]));
                us_buf_printf(b, "&#58; %g\">%s", v, v > 0 ? "" : "\xc2\xb7");
                if (v > 0) us_buf_printf(b, "%g", v);
                us_buf_puts(b, "</td>");
            }
            us_buf_puts(b, "</tr>");
        }
        us_buf_puts(b, "</tbody></table><p class=\"muted small\">Diagonal: paragraphs with the "
                       "technique. Hover a cell for the pair.</p>");
    }
    us_buf_puts(b, "</section>");
done:
    us_free(rows);
    us_free(tv);
    us_free(fv);
}

static void render_legend(report *r, us_buf *b)
{
    us_buf_puts(b, "<section class=\"card\" id=\"legend\"><h2>Techniques</h2>"
                   "<ul class=\"legend\">");
    for (int k = 0; k < US_N_TECHNIQUES; k++) {
        const us_label_info *t = tech_info(k);
        us_buf_printf(b, "<li%s><span class=\"sw\" style=\"background:%s\"></span><span><b>",
                      r->tech_total[k] > 0 ? "" : " class=\"unused\"", t->color);
        cli_html_escz(b, t->short_name);
        us_buf_printf(b, "</b> <span class=\"n\">%g</span> <span class=\"muted\">",
                      r->tech_total[k]);
        cli_html_escz(b, t->definition);
        us_buf_puts(b, "</span></span></li>");
    }
    us_buf_puts(b, "</ul><p class=\"muted small\">Numbers: paragraphs with the technique in "
                   "this report. Highlights show technique spans; while the model predicts "
                   "none, a paragraph's techniques tint the whole paragraph (stripe colours: "
                   "all its techniques). Hover for confidence and cues.</p></section>");
}

static void render_page(report *r, us_buf *b, const char *title, const char *model_version)
{
    size_t n_ok = 0;
    for (size_t i = 0; i < r->n_arts; i++) n_ok += r->arts[i].ok;
    us_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<meta name=\"generator\" content=\"unspin " US_VERSION "\"><title>");
    cli_html_escz(b, title);
    us_buf_puts(b, "</title><style>");
    for (size_t i = 0; i < US_ARRAY_LEN(report_css); i++) us_buf_puts(b, report_css[i]);
    us_buf_puts(b, "</style></head><body><header class=\"top\"><div class=\"wrap\"><h1>");
    cli_html_escz(b, title);
    us_buf_printf(b, "</h1><p class=\"sub\">%zu article%s analysed \xc2\xb7 %zu paragraph%s",
                  n_ok, n_ok == 1 ? "" : "s", r->n_paras, r->n_paras == 1 ? "" : "s");
    if (r->n_errors) us_buf_printf(b, " \xc2\xb7 %zu failed", r->n_errors);
    us_buf_puts(b, " \xc2\xb7 model ");
    cli_html_escz(b, model_version);
    us_buf_puts(b, "</p><nav>");
    if (r->n_errors) us_buf_puts(b, "<a href=\"#errors\">Errors</a>");
    if (n_ok > 1) us_buf_puts(b, "<a href=\"#corpus\">Corpus</a>");
    us_buf_puts(b, "<a href=\"#legend\">Techniques</a>");
    for (size_t i = 0, n = 0; i < r->n_arts && n < 12; i++) {
        if (!r->arts[i].ok) continue;
        us_buf_printf(b, "<a href=\"#a%zu\">", i);
        cli_html_escz(b, r->arts[i].id);
        us_buf_puts(b, "</a>");
        n++;
    }
    us_buf_puts(b, "</nav></div></header><main class=\"wrap\">");
    if (r->n_errors) {
        us_buf_printf(b, "<section class=\"card err\" id=\"errors\"><h2>Errors (%zu)</h2>"
                      "<p class=\"small\">These articles could not be analysed and are not "
                      "in the charts.</p><ul>", r->n_errors);
        for (size_t i = 0; i < r->n_errors; i++) {
            us_buf_puts(b, "<li>");
            cli_html_escz(b, r->errors[i]);
            us_buf_puts(b, "</li>");
        }
        us_buf_puts(b, "</ul></section>");
    }
    if (n_ok > 1) render_corpus(r, b, n_ok);
    render_legend(r, b);
    us_buf_append(b, r->body.data ? r->body.data : "", r->body.len);
    if (!n_ok) us_buf_puts(b, "<section class=\"card\"><p class=\"muted\">No article could be "
                              "analysed.</p></section>");
    us_buf_puts(b, "</main><footer>unspin " US_VERSION " \xc2\xb7 SemEval-2023 Task 3 labels "
                   "\xc2\xb7 predictions are statistical cues, not verdicts</footer>"
                   "</body></html>\n");
}

/* ---- output ----------------------------------------------------------------- */

/* Writes b to 'path' via a temporary file and rename; "-" is stdout. */
static int write_out(const char *path, const us_buf *b, us_err *err)
{
    if (!strcmp(path, "-")) {
        if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
            return us_err_set(err, US_EIO, "stdout: write error");
        return US_OK;
    }
    size_t n = strlen(path) + 16;
    char *tmp = us_malloc(n);
    if (!tmp) return us_err_set(err, US_ENOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = US_OK;
    if (!f) {
        rc = us_err_set(err, US_EIO, "%s: cannot create", path);
    } else {
        int bad = fwrite(b->data, 1, b->len, f) != b->len;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            remove(tmp);
            rc = us_err_set(err, US_EIO, "%s: write error", path);
        }
    }
    us_free(tmp);
    return rc;
}

/* ---- command ------------------------------------------------------------------ */

enum { OPT_MODEL = 256, OPT_LANG, OPT_TITLE, OPT_UTF8 };

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, OPT_MODEL}, {"lang", required_argument, 0, OPT_LANG},
        {"title", required_argument, 0, OPT_TITLE}, {"utf8", required_argument, 0, OPT_UTF8},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *lang = NULL, *title = "unspin report", *out = NULL;
    int policy = CLI_UTF8_STRICT, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:q", opts, NULL)) != -1) {
        switch (c) {
        case OPT_MODEL: model_path = optarg; break;
        case OPT_LANG: lang = optarg; break;
        case OPT_TITLE: title = optarg; break;
        case 'o': out = optarg; break;
        case OPT_UTF8:
            if ((policy = cli_parse_utf8_policy(optarg)) < 0) return EXIT_USAGE;
            break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!out || optind >= argc) {
        cli_error("%s", !out ? "-o FILE is required" : "no article given");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (lang && *lang && us_lang_find(lang) < 0)
        cli_info("language '%s' was not seen in training; predicting from shared features", lang);
    us_model *m = cli_load_model(model_path);
    if (!m) return EXIT_RUNTIME;
    us_err err = {0};

    report r;
    memset(&r, 0, sizeof r);
    us_buf_init(&r.body);
    /* Missing paths are named in the report too (cli_collect_docs only counts them). */
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") && access(argv[i], F_OK) != 0) {
            char msg[US_ERR_LEN];
            snprintf(msg, sizeof msg, "%s: no such file or folder", argv[i]);
            add_error(&r, msg);
        }
    cli_doc *docs;
    size_t n_docs, n_missing;
    if (cli_collect_docs(argv + optind, argc - optind, &docs, &n_docs, &n_missing) != US_OK) {
        cli_error("out of memory");
        us_model_free(m);
        return EXIT_RUNTIME;
    }
    r.arts = us_calloc(n_docs ? n_docs : 1, sizeof *r.arts);
    if (!r.arts) r.oom = 1;
    us_analyze_opts ao = {lang, 1, 0};
    size_t n_failed = 0;
    for (size_t i = 0; i < n_docs && !r.oom; i++) {
        art *t = &r.arts[r.n_arts++];
        snprintf(t->id, sizeof t->id, "%s", docs[i].id);
        t->path = docs[i].path;
        t->folder = folder_of(&r, docs[i].path);
        char *text;
        size_t len;
        us_analysis *a;
        int rc = cli_analyze_doc(m, docs[i].path, policy, &ao, &text, &len, &a, &err);
        if (rc != US_OK) {
            n_failed++;
            cli_error("%s", err.msg);
            char *nl = strchr(err.msg, '\n');   /* keep the HINT line out of the page */
            if (nl) *nl = '\0';
            add_error(&r, err.msg);
        } else {
            tally(&r, t, a);
            render_article(&r, r.n_arts - 1, docs[i].path, a, text, len);
        }
        us_analysis_free(a);
        us_free(text);
    }
    us_buf page;
    us_buf_init(&page);
    if (!r.oom && !r.body.oom) render_page(&r, &page, title, us_model_version(m));
    int rc = EXIT_OK;
    if (r.oom || r.body.oom || page.oom) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
    } else if (write_out(out, &page, &err) != US_OK) {
        rc = cli_fail(&err);
    } else {
        cli_info("%s: %zu article(s), %zu failed", out, n_docs - n_failed, n_failed + n_missing);
    }
    if (rc == EXIT_OK && n_failed + n_missing) {
        cli_error("%zu of %zu article(s) could not be analysed (listed in the report)",
                  n_failed + n_missing, n_docs + n_missing);
        rc = EXIT_RUNTIME;
    }
    us_buf_fini(&page);
    us_buf_fini(&r.body);
    for (size_t i = 0; i < r.n_folders; i++) us_free(r.folders[i]);
    for (size_t i = 0; i < r.n_errors; i++) us_free(r.errors[i]);
    us_free(r.folders);
    us_free(r.errors);
    us_free(r.arts);
    cli_docs_free(docs, n_docs);
    us_model_free(m);
    return rc;
}
