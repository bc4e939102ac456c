/* cmd_analyze.c -- `unspin analyze`: one article, read by a person or by jq.
 *
 * The terminal view shows the genre and frames with their confidences and
 * cues, then every paragraph with its techniques and its text, technique
 * spans highlighted in the technique's colour (report_util.c splits a
 * paragraph at span boundaries, so overlapping spans are handled: the
 * innermost span gives the colour, an overlap is underlined). Without spans
 * (the span model is not finished) a paragraph's techniques are listed above
 * its plain text. Colours only go to a terminal, never with --no-color or a
 * non-empty $NO_COLOR (no-color.org); without colour, spans are [bracketed].
 * --json prints exactly us_analysis_json() plus a newline (docs/SCHEMA.md).
 *
 * Bloat: no pager, no display-width tables (wrapping counts code points). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/input.h"
#include "cli/report.h"
#include "task/taxonomy.h"
#include "unspin.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin analyze [options] PATH|-\n"
        "\n"
        "Analyses one article: genre, frames and, per paragraph (non-empty line),\n"
        "persuasion techniques with their confidence, the cues (features) behind\n"
        "them and the technique spans highlighted in the text.\n"
        "\n"
        "options:\n"
        "  --model MODEL     model file (default: the shipped model)\n"
        "  --lang LANG       en fr ge it po ru (trained), es gr ka or any other (best effort)\n"
        "  --json            print the analysis as one JSON object (docs/SCHEMA.md)\n"
        "  --no-color        no ANSI colours (also: --no-colour, NO_COLOR set, or stdout\n"
        "                    not a terminal)\n"
        "  --no-explain      skip the cues\n"
        "  --utf8 POLICY     strict (default: invalid UTF-8 is an error) or replace (U+FFFD)\n"
        "  -h, --help        this help\n"
        "\n"
        "Exit status: 0 success, 1 unreadable article or model, 2 usage error.\n");
}

/* ---- terminal output ---------------------------------------------------- */

typedef struct term {
    int color;      /* ANSI escapes allowed */
    int width;      /* wrap paragraph text at this many code points */
    int col;        /* current column */
    int style;      /* span index whose style is active, -1 = none */
    int overlap;    /* active style has the overlap underline */
} term;

#define INDENT "    "

static void sgr(const term *t, const char *code)
{
    if (t->color) printf("\033[%sm", code);
}

/* Prints a coloured square for label 'info' (a '*' without colour). */
static void swatch(const term *t, const us_label_info *info)
{
    if (!t->color) { fputs("*", stdout); return; }
    int c[3];
    cli_color_rgb(info->color, c);
    printf("\033[38;2;%d;%d;%dm\xe2\x96\xa0\033[0m", c[0], c[1], c[2]);
}

static void print_cues(const term *t, const us_cue *cues, int max)
{
    int n = 0;
    for (int k = 0; k < US_TOP_CUES && n < max; k++) {
        if (!cues[k].name[0]) continue;
        if (n++ == 0) { sgr(t, "2"); fputs("  cues: ", stdout); sgr(t, "0"); }
        else fputs(", ", stdout);
        printf("%s", cues[k].name);
        sgr(t, "2");
        printf(" %+.2f", cues[k].weight);
        sgr(t, "0");
    }
}

/* Switches the active highlight to span 'span' of p (-1 = none). */
static void set_style(term *t, const us_para_result *p, int span, int overlap)
{
    if (span == t->style && overlap == t->overlap) return;
    if (!t->color) {
        if (t->style < 0 && span >= 0) { putchar('['); t->col++; }
        else if (t->style >= 0 && span < 0) { putchar(']'); t->col++; }
    } else {
        if (t->style >= 0) fputs("\033[0m", stdout);
        if (span >= 0) {
            const us_label_info *info = us_tax_label(US_TASK_TECHNIQUES,
                                                     (size_t)p->spans[span].technique);
            int c[3];
            cli_color_rgb(info ? info->color : NULL, c);
            printf("\033[48;2;%d;%d;%dm\033[%sm%s", c[0], c[1], c[2],
                   info && cli_color_is_light(info->color) ? "30" : "97",
                   overlap ? "\033[4m" : "");
        }
    }
    t->style = span;
    t->overlap = overlap;
}

static void newline_indent(term *t, const us_para_result *p)
{
    int span = t->style, ov = t->overlap;
    if (t->color) set_style(t, p, -1, 0);
    fputs("\n" INDENT, stdout);
    t->col = (int)strlen(INDENT);
    if (t->color) set_style(t, p, span, ov);
}

/* Prints paragraph p wrapped at t->width, highlighting spans. */
static int print_para_text(term *t, const us_para_result *p, const char *text, size_t len)
{
    cli_seg *seg;
    size_t n_seg, g = 0;
    if (cli_span_segments(p, text, len, &seg, &n_seg) != US_OK) return US_ENOMEM;
    fputs(INDENT, stdout);
    t->col = (int)strlen(INDENT);
    t->style = -1;
    t->overlap = 0;
    uint32_t i = p->start_byte, end = p->end_byte;
    uint32_t blank = UINT32_MAX;   /* byte of a pending blank, printed before the next word */
    while (i < end) {
        char ch = text[i];
        if (ch == '\r') { i++; continue; }
        if (ch == ' ' || ch == '\t') {
            if (blank == UINT32_MAX && t->col > (int)strlen(INDENT)) blank = i;
            i++;
            continue;
        }
        uint32_t w = i;
        while (w < end && text[w] != ' ' && text[w] != '\t' && text[w] != '\r') w++;
        int cps = 0;
        for (uint32_t k = i; k < w; k++) cps += ((unsigned char)text[k] & 0xC0) != 0x80;
        uint32_t from = i;
        if (blank != UINT32_MAX) {
            if (t->col + 1 + cps > t->width) newline_indent(t, p);
            else { from = blank; t->col++; }   /* the blank carries its span's style */
            blank = UINT32_MAX;
        }
        for (uint32_t k = from; k < w; k++) {
            if (k > from && k < i) continue;   /* other blanks of a run: one is enough */
            while (g < n_seg && seg[g].end_byte <= k) g++;
            if (g < n_seg) set_style(t, p, seg[g].span, seg[g].n_cover > 1);
            putchar(text[k] == '\t' ? ' ' : text[k]);
        }
        t->col += cps;
        i = w;
    }
    set_style(t, p, -1, 0);
    putchar('\n');
    us_free(seg);
    return US_OK;
}

static int term_width(int tty)
{
    struct winsize ws;
    int w = 88;
    if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        w = ws.ws_col - 2;
    return w > 110 ? 110 : w;
}

static int print_summary(const char *path, const us_model *m, const us_analysis *a,
                         const char *text, size_t len, int color, int tty)
{
    term t = {color, term_width(tty), 0, -1, 0};
    size_t n_tech_paras = 0, count[US_N_TECHNIQUES] = {0};
    for (size_t i = 0; i < a->n_paras; i++) {
        n_tech_paras += a->paras[i].techniques != 0;
        for (int k = 0; k < US_N_TECHNIQUES; k++) count[k] += a->paras[i].techniques >> k & 1u;
    }
    sgr(&t, "1");
    printf("%s", strcmp(path, "-") ? path : "(stdin)");
    sgr(&t, "0");
    sgr(&t, "2");
    printf("  lang %s, %zu paragraph%s, %zu line%s, %zu code points\n", a->lang, a->n_paras,
           a->n_paras == 1 ? "" : "s", a->n_lines, a->n_lines == 1 ? "" : "s", a->n_cps);
    printf("model %s\n", us_model_version(m));
    sgr(&t, "0");
    putchar('\n');

    sgr(&t, "1");
    fputs("Genre   ", stdout);
    sgr(&t, "0");
    if (a->genre >= 0) {
        swatch(&t, us_tax_label(US_TASK_GENRE, (size_t)a->genre));
        printf(" %s %.2f", us_label_name(0, a->genre), a->genre_prob[a->genre]);
        sgr(&t, "2");
        fputs("  (", stdout);
        int first = 1;
        for (int l = 0; l < US_N_GENRES; l++) {
            if (l == a->genre) continue;
            printf("%s%s %.2f", first ? "" : ", ", us_label_name(0, l), a->genre_prob[l]);
            first = 0;
        }
        fputs(")", stdout);
        sgr(&t, "0");
        print_cues(&t, a->genre_cues, 3);
        putchar('\n');
    } else {
        puts(a->n_words ? "(no genre head in this model)" : "(not predicted: the text has no words)");
    }
    sgr(&t, "1");
    fputs("Frames  ", stdout);
    sgr(&t, "0");
    int n_frames = 0;
    for (int l = 0; l < US_N_FRAMES; l++) {
        if (!(a->frames >> l & 1u)) continue;
        if (n_frames++) fputs("        ", stdout);
        swatch(&t, us_tax_label(US_TASK_FRAMING, (size_t)l));
        printf(" %s %.2f", us_label_name(1, l), a->frame_prob[l]);
        print_cues(&t, a->frame_cues[l], 3);
        putchar('\n');
    }
    if (!n_frames) {
        sgr(&t, "2");
        puts(a->n_words ? "none above threshold" : "(not predicted: the text has no words)");
        sgr(&t, "0");
    }
    if (a->n_similar) {   /* whose frames were blended in (train --knn) */
        sgr(&t, "2");
        fputs("        similar training articles:", stdout);
        for (size_t i = 0; i < a->n_similar && i < 3; i++) {
            const us_similar *si = &a->similar[i];
            printf("%s %s/%s %.2f (", i ? ";" : "", si->lang, si->id, si->similarity);
            for (int l = 0, f = 0; l < US_N_FRAMES; l++)
                if (si->frames >> l & 1u) printf("%s%s", f++ ? ", " : "", us_label_name(1, l));
            putchar(')');
        }
        putchar('\n');
        sgr(&t, "0");
    }

    for (size_t i = 0; i < a->n_paras; i++) {
        const us_para_result *p = &a->paras[i];
        putchar('\n');
        sgr(&t, "1");
        printf("\xc2\xb6%zu", i + 1);
        sgr(&t, "0");
        sgr(&t, "2");
        printf("  line %u", p->line);
        if (!p->techniques) fputs("  no technique", stdout);
        sgr(&t, "0");
        putchar('\n');
        for (int k = 0; k < US_N_TECHNIQUES; k++) {
            if (!(p->techniques >> k & 1u)) continue;
            fputs("  ", stdout);
            swatch(&t, us_tax_label(US_TASK_TECHNIQUES, (size_t)k));
            printf(" %s %.2f", us_label_name(2, k), p->prob[k]);
            if (p->cues) print_cues(&t, p->cues + (size_t)k * US_TOP_CUES, 3);
            putchar('\n');
        }
        if (print_para_text(&t, p, text, len) != US_OK) return US_ENOMEM;
        for (size_t s = 0; s < p->n_spans; s++) {
            const us_span_result *sp = &p->spans[s];
            if (sp->end_byte > len || sp->start_byte >= sp->end_byte) continue;
            fputs("    \xe2\x86\xb3 ", stdout);
            swatch(&t, us_tax_label(US_TASK_TECHNIQUES, (size_t)sp->technique));
            printf(" %s %.2f  \"%.*s\"", us_label_name(2, sp->technique), sp->confidence,
                   (int)(sp->end_byte - sp->start_byte), text + sp->start_byte);
            if (sp->cues) print_cues(&t, sp->cues, 3);
            putchar('\n');
        }
    }

    putchar('\n');
    sgr(&t, "1");
    printf("%zu of %zu paragraph%s with techniques", n_tech_paras, a->n_paras,
           a->n_paras == 1 ? "" : "s");
    sgr(&t, "0");
    int shown = 0;
    for (int round = 0; round < 5; round++) {   /* the five most frequent, ties by id */
        int best = -1;
        for (int k = 0; k < US_N_TECHNIQUES; k++)
            if (count[k] && (best < 0 || count[k] > count[best])) best = k;
        if (best < 0) break;
        printf("%s%s %zu", shown++ ? ", " : ": ", us_label_name(2, best), count[best]);
        count[best] = 0;
    }
    putchar('\n');
    return US_OK;
}

/* ---- command ------------------------------------------------------------ */

enum { OPT_MODEL = 256, OPT_LANG, OPT_JSON, OPT_NO_COLOR, OPT_NO_EXPLAIN, OPT_UTF8 };

int cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, OPT_MODEL}, {"lang", required_argument, 0, OPT_LANG},
        {"json", no_argument, 0, OPT_JSON}, {"no-color", no_argument, 0, OPT_NO_COLOR},
        {"no-colour", no_argument, 0, OPT_NO_COLOR},
        {"no-explain", no_argument, 0, OPT_NO_EXPLAIN}, {"utf8", required_argument, 0, OPT_UTF8},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *lang = NULL;
    int json = 0, color = 1, explain = 1, policy = CLI_UTF8_STRICT, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case OPT_MODEL: model_path = optarg; break;
        case OPT_LANG: lang = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_NO_COLOR: color = 0; break;
        case OPT_NO_EXPLAIN: explain = 0; break;
        case OPT_UTF8:
            if ((policy = cli_parse_utf8_policy(optarg)) < 0) return EXIT_USAGE;
            break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        cli_error("one article at a time (use 'unspin report' for several)");
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    if (!strcmp(path, "-") && cli_is_tty(stdin)) {
        cli_error("no article given (and stdin is a terminal)");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (lang && *lang && us_lang_find(lang) < 0)
        cli_info("language '%s' was not seen in training; predicting from shared features", lang);
    us_err err = {0};
    char *text = NULL;
    size_t len = 0;
    /* The article first: a typo in its name should not wait for a model load. */
    if (cli_read_doc(path, policy, &text, &len, &err) != US_OK) return cli_fail(&err);
    us_model *m = cli_load_model(model_path);
    if (!m) { us_free(text); return EXIT_RUNTIME; }
    us_analysis *a = NULL;
    us_analyze_opts ao = {lang, explain, 0};
    int rc = us_analyze(m, text, len, &ao, &a, &err);
    if (rc != US_OK) {
        us_err_prefix(&err, "%s", path);
        rc = cli_fail(&err);
    } else if (json) {
        char *s = us_analysis_json(m, a, text, len);
        if (!s) { cli_error("out of memory"); rc = EXIT_RUNTIME; }
        else { printf("%s\n", s); us_free_string(s); }
    } else {
        int tty = cli_is_tty(stdout);
        const char *nc = getenv("NO_COLOR");
        color = color && tty && !(nc && *nc);
        if (print_summary(path, m, a, text, len, color, tty) != US_OK) {
            cli_error("out of memory");
            rc = EXIT_RUNTIME;
        }
    }
    if (rc == US_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("write error on stdout");
        rc = EXIT_RUNTIME;
    }
    us_analysis_free(a);
    us_model_free(m);
    us_free(text);
    return rc;
}
