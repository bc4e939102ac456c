/* data.c -- loading training data and building models for train and cv. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_data.h"

#define MAX_SHOWN 20   /* problems printed in full; the rest are counted */

static void report_problem(const char *msg, void *ud)
{
    size_t *n = ud;
    if (++*n <= MAX_SHOWN && !cli_quiet) fprintf(stderr, "unspin: %s: warning: %s\n", cli_cmd, msg);
}

int cli_load_dataset(const char *dir, const char *langs, us_dataset *ds, size_t *n_problems)
{
    us_err err = {0};
    *n_problems = 0;
    us_dataset_init(ds, report_problem, n_problems);
    if (us_dataset_load(ds, dir, langs, &err) != US_OK) {
        cli_error("%s", err.msg);
        if (err.code == US_ENOTFOUND)
            fprintf(stderr, "HINT: --data takes the folder holding en/ fr/ ge/ it/ po/ ru/\n");
        us_dataset_fini(ds);
        return EXIT_RUNTIME;
    }
    /* Span offsets: many non-English span files count each newline twice. */
    us_span_fix_stats fix = {0};
    for (size_t i = 0; i < ds->n; i++) {
        us_article *a = &ds->arts[i];
        if (!a->n_spans || !a->text[US_TASK_TECHNIQUES]) continue;
        if (us_span_fix_article(a->text[2], a->len[2], a->line_labels, a->n_lines, a->spans,
                                a->n_spans, &fix) < 0) {
            cli_error("out of memory");
            us_dataset_fini(ds);
            return EXIT_RUNTIME;
        }
    }
    if (fix.n_articles)
        cli_info("span offsets: %zu of %zu articles counted newlines twice (repaired); %zu of "
                 "%zu spans fit their paragraph labels, %zu cut at a line end, %zu dropped",
                 fix.n_repaired, fix.n_articles, fix.n_consistent, fix.n_spans, fix.n_trimmed,
                 fix.n_dropped);
    size_t per_lang[US_N_LANGS] = {0};
    size_t n_par = 0;
    for (size_t i = 0; i < ds->n; i++) {
        per_lang[ds->arts[i].lang]++;
        for (uint32_t l = 0; ds->arts[i].line_gold && l < ds->arts[i].n_lines; l++)
            n_par += ds->arts[i].line_gold[l];
    }
    if (!cli_quiet) {
        fprintf(stderr, "unspin: %s: %zu articles (", cli_cmd, ds->n);
        int first = 1;
        for (int l = 0; l < US_N_LANGS; l++)
            if (per_lang[l]) {
                fprintf(stderr, "%s%s %zu", first ? "" : ", ", us_lang_codes[l], per_lang[l]);
                first = 0;
            }
        fprintf(stderr, "), %zu labelled paragraphs\n", n_par);
        if (*n_problems)
            fprintf(stderr, "unspin: %s: %zu data problem(s) reported%s; %zu label row(s) "
                    "skipped, %zu label(s) repaired, %zu article(s) with invalid UTF-8 repaired\n",
                    cli_cmd, *n_problems, *n_problems > MAX_SHOWN ? " (first 20 shown)" : "",
                    ds->n_label_skipped, ds->n_label_repaired, ds->n_utf8_repaired);
    }
    return EXIT_OK;
}

static void progress_to_stderr(const char *msg, void *ud)
{
    (void)ud;
    if (!cli_quiet) fprintf(stderr, "unspin: %s: %s\n", cli_cmd, msg);
}

void cli_train_cfg_progress(us_train_cfg *cfg)
{
    cfg->progress = progress_to_stderr;
    cfg->progress_ud = NULL;
}

us_model *cli_build_model(const us_dataset *ds, const uint8_t *art_in, const us_train_cfg *cfg,
                          us_head_build heads[US_N_TASKS], const float *idf, const char *meta,
                          us_mfw **out_writer, us_err *err)
{
    us_mfw *w = NULL;
    if (us_train_container(ds, art_in, cfg, heads, idf, meta, &w, err) != US_OK) return NULL;
    void *mem = NULL;
    size_t len = 0;
    us_model *m = NULL;
    if (us_mfw_to_memory(w, US_MFILE_MINOR, &mem, &len, err) == US_OK)
        m = us_model_load_memory(mem, len, err);
    us_free(mem);
    if (m && out_writer) *out_writer = w;
    else us_mfw_free(w);
    return m;
}

int cli_parse_tasks(const char *s, uint32_t *mask)
{
    if (!strcmp(s, "all")) { *mask = 7; return 0; }
    *mask = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = us_task_from_name(t);
        if (k < 0) return -1;
        *mask |= 1u << k;
    }
    return *mask ? 0 : -1;
}

int cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_parse_real(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

const char *cli_option_name(const struct option *opts, int val)
{
    for (; opts->name; opts++)
        if (opts->val == val) return opts->name;
    return "?";
}
