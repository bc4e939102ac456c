/* cmd_cv.c -- `unspin cv`: k-fold cross-validation by article, all languages and subtasks.
 *
 * Each fold trains one joint model on the other folds' articles (all
 * languages), serialises and reloads it (so quantisation is measured), and
 * predicts the held-out articles through us_analyze, exactly as `predict`
 * does. Baselines on the same folds: majority genre and the k most frequent
 * frames/techniques of the training part (k tuned on the training part),
 * both per language. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli/cli_data.h"
#include "cli/cv_oof.h"
#include "task/metrics.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin cv --data DIR [--folds 5] [options]\n"
        "\n"
        "Cross-validates by article (folds fixed by --seed) over every language and\n"
        "subtask and prints one table: genre macro-F1, framing micro-F1 and techniques\n"
        "micro-F1 per language, next to the majority-class and top-k baselines.\n"
        "\n"
        "options:\n"
        "  --data DIR        SemEval-2023 Task 3 data folder (holds en/ fr/ ...)\n"
        "  --folds K         number of folds (default 5)\n"
        "  --fold-seed N     seed of the fold assignment (default 1)\n"
        "  --langs LIST      languages (default en,fr,ge,it,po,ru)\n"
        "  --task T          genre, framing, techniques or all (default all)\n"
        "  --per-label LANG  also print per-label P/R/F1 of LANG (or 'all')\n"
        "  --json FILE       also write the results as JSON\n"
        "  --oof FILE        also write every out-of-fold analysis as JSON Lines: per\n"
        "                    article and subtask, the gold labels, the probabilities\n"
        "                    and the predicted labels (genre/framing lines also carry\n"
        "                    the paragraphs' techniques; techniques lines, with\n"
        "                    spans on, the span tagger's span_scores)\n"
        "  --seed, --threads, --bits, --epochs, --inner-folds, --span-items, --idf,\n"
        "  --l2, --lr, --spans, --char-tf, --lang-words, --char-min, --stack,\n"
        "  --stack-spans, --stack-cues, --stack-lex, --lexicon, --lex-weight, --average,\n"
        "  --span-bits, --lex-bits, --lex-alpha, --ctx-blocks, --ctx-weight,\n"
        "  --head-bits, --knn, --knn-weight, --span-bias\n"
        "                    as for 'unspin train'\n"
        "  -h, --help        this help\n");
}

enum { OPT_FOLDS = OPT_FIRST_FREE, OPT_FOLD_SEED, OPT_PER_LABEL, OPT_JSON, OPT_OOF };

/* Gold and predicted masks of one (language, task), for unspin and the baseline. */
typedef struct cell {
    uint32_t *gold, *pred, *base;
    size_t n, cap;
} cell;

static int cell_push(cell *c, uint32_t gold, uint32_t pred, uint32_t base)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        uint32_t *g = us_realloc(c->gold, cap * 4), *p = NULL, *b = NULL;
        if (g) c->gold = g;
        if (g && (p = us_realloc(c->pred, cap * 4))) c->pred = p;
        if (p && (b = us_realloc(c->base, cap * 4))) c->base = b;
        if (!b) return US_ENOMEM;
        c->cap = cap;
    }
    c->gold[c->n] = gold;
    c->pred[c->n] = pred;
    c->base[c->n] = base;
    c->n++;
    return US_OK;
}

/* Span lists per language (SemEval-2020 Task 11 scoring) and calibration bins. */
typedef struct span_list { us_span *s; size_t n, cap; } span_list;

static int span_push(span_list *l, uint32_t doc, uint32_t label, uint32_t start, uint32_t end)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        us_span *p = us_realloc(l->s, cap * sizeof *p);
        if (!p) return US_ENOMEM;
        l->s = p;
        l->cap = cap;
    }
    l->s[l->n++] = (us_span){doc, label, start, end};
    return US_OK;
}

#define N_BINS 10
typedef struct calib { double n[N_BINS], conf[N_BINS], hit[N_BINS]; } calib;

static void calib_add(calib *c, float p, int hit)
{
    int b = (int)(p * N_BINS);
    if (b >= N_BINS) b = N_BINS - 1;
    if (b < 0) b = 0;
    c->n[b] += 1;
    c->conf[b] += p;
    c->hit[b] += hit;
}

/* Expected calibration error (Guo et al. 2017): sum over bins of
 * |accuracy - confidence| weighted by the bin's share of predictions. */
static double calib_ece(const calib *c)
{
    double total = 0, ece = 0;
    for (int b = 0; b < N_BINS; b++) total += c->n[b];
    for (int b = 0; b < N_BINS; b++)
        if (c->n[b] > 0) ece += c->n[b] / total * fabs(c->hit[b] / c->n[b] - c->conf[b] / c->n[b]);
    return total > 0 ? ece : 0;
}

/* Most frequent labels of the training items; k chosen to maximise micro-F1 there. */
static uint32_t topk_baseline(const uint32_t *Y, const uint8_t *use, size_t n, uint32_t L)
{
    size_t cnt[32] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!use[i]) continue;
        for (uint32_t l = 0; l < L; l++) cnt[l] += Y[i] >> l & 1u;
    }
    uint32_t order[32];
    for (uint32_t l = 0; l < L; l++) order[l] = l;
    for (uint32_t a = 0; a < L; a++)          /* stable selection sort by count */
        for (uint32_t b = a + 1; b < L; b++)
            if (cnt[order[b]] > cnt[order[a]]) { uint32_t t = order[a]; order[a] = order[b]; order[b] = t; }
    uint32_t best = 0, mask = 0;
    double best_f1 = -1;
    for (uint32_t k = 0; k <= L; k++) {
        if (k) mask |= 1u << order[k - 1];
        double tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            if (!use[i]) continue;
            tp += __builtin_popcount(Y[i] & mask);
            fp += __builtin_popcount(~Y[i] & mask);
            fn += __builtin_popcount(Y[i] & ~mask);
        }
        double f1 = tp ? 2 * tp / (2 * tp + fp + fn) : 0;
        if (f1 > best_f1) { best_f1 = f1; best = mask; }
    }
    return best;
}

static uint32_t majority_baseline(const uint32_t *Y, const uint8_t *use, size_t n)
{
    size_t cnt[US_N_GENRES] = {0};
    for (size_t i = 0; i < n; i++)
        if (use[i])
            for (uint32_t l = 0; l < US_N_GENRES; l++) cnt[l] += Y[i] >> l & 1u;
    uint32_t best = 0;
    for (uint32_t l = 1; l < US_N_GENRES; l++) if (cnt[l] > cnt[best]) best = l;
    return 1u << best;
}

static double headline(int task, const us_scores *s)
{
    return task == US_TASK_GENRE ? s->macro_f1 : s->micro.f1;
}

int cmd_cv(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TRAIN_LONG_OPTIONS,
        {"folds", required_argument, 0, OPT_FOLDS}, {"fold-seed", required_argument, 0, OPT_FOLD_SEED},
        {"per-label", required_argument, 0, OPT_PER_LABEL}, {"json", required_argument, 0, OPT_JSON},
        {"oof", required_argument, 0, OPT_OOF},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *data = NULL, *langs = NULL, *per_label = NULL, *json = NULL, *oof = NULL;
    const char *lexicon = NULL;
    unsigned long folds = 5, fold_seed = 1;
    us_train_cfg cfg;
    us_train_cfg_default(&cfg);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_DATA: data = optarg; break;
        case OPT_LEXICON: lexicon = optarg; break;
        case OPT_LANGS: langs = optarg; break;
        case OPT_FOLDS: bad = cli_parse_uint(optarg, 2, 20, &folds); break;
        case OPT_FOLD_SEED: bad = cli_parse_uint(optarg, 0, 0xffffffffUL, &fold_seed); break;
        case OPT_PER_LABEL: per_label = optarg; break;
        case OPT_JSON: json = optarg; break;
        case OPT_OOF: oof = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            if (c < OPT_DATA) { usage(stderr); return EXIT_USAGE; }
            bad = cli_train_option(c, optarg, &cfg);
        }
        if (bad) {
            cli_error("invalid value '%s' for --%s", optarg, cli_option_name(opts, c));
            return EXIT_USAGE;
        }
    }
    if (!data || optind != argc) {
        cli_error(!data ? "--data is required" : "unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (per_label && strcmp(per_label, "all") && us_lang_find(per_label) < 0) {
        cli_error("--per-label takes a language code or 'all'");
        return EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    us_dataset ds;
    size_t n_problems;
    int rc = cli_train_options_done(&cfg, lexicon);
    if (rc != EXIT_OK) return rc;
    rc = cli_load_dataset(data, langs, &ds, &n_problems);
    if (rc != EXIT_OK) { cli_train_cfg_fini(&cfg); return rc; }
    if ((rc = cli_train_data_done(&ds, data, &cfg)) != EXIT_OK) {
        us_dataset_fini(&ds);
        cli_train_cfg_fini(&cfg);
        return rc;
    }
    FILE *oof_f = NULL;   /* opened before the long run, so a bad path fails at once */
    if (oof && !(oof_f = fopen(oof, "w"))) {
        cli_error("%s: cannot write: %s", oof, strerror(errno));
        us_dataset_fini(&ds);
        cli_train_cfg_fini(&cfg);
        return EXIT_RUNTIME;
    }
    us_err err = {0};
    us_corpus corpus;
    cell cells[US_N_LANGS][US_N_TASKS];
    memset(cells, 0, sizeof cells);
    span_list gold_spans[US_N_LANGS], pred_spans[US_N_LANGS];
    memset(gold_spans, 0, sizeof gold_spans);
    memset(pred_spans, 0, sizeof pred_spans);
    calib cal_tech, cal_genre, cal_frames, cal_spans;   /* pooled over languages */
    memset(&cal_tech, 0, sizeof cal_tech);
    memset(&cal_spans, 0, sizeof cal_spans);
    memset(&cal_genre, 0, sizeof cal_genre);
    memset(&cal_frames, 0, sizeof cal_frames);
    uint8_t *art_in = us_calloc(ds.n, 1);
    uint8_t *use_a = us_calloc(ds.n, 1);
    uint8_t *use_p = NULL;
    float *idf = NULL;
    memset(&corpus, 0, sizeof corpus);
    rc = EXIT_RUNTIME;
    if (!art_in || !use_a) { cli_error("out of memory"); goto out_corpus; }
    for (uint32_t f = 0; f < folds; f++) {
        size_t n_test = 0;
        for (size_t i = 0; i < ds.n; i++) {
            art_in[i] = us_fold_of(ds.arts[i].id, fold_seed, (uint32_t)folds) != f;
            n_test += !art_in[i];
        }
        /* IDF from the training folds only, so nothing of the test fold leaks in. */
        us_free(idf);
        idf = NULL;
        us_corpus_fini(&corpus);
        us_free(use_p);
        use_p = NULL;
        if (cfg.idf && us_idf_compute(&ds, art_in, &cfg.feat, &idf, &err) != US_OK) {
            cli_fail(&err);
            goto out_corpus;
        }
        if (us_corpus_build(&corpus, &ds, &cfg, idf, &err) != US_OK) {
            cli_fail(&err);
            goto out_corpus;
        }
        use_p = us_calloc(corpus.n_paras ? corpus.n_paras : 1, 1);
        if (!use_p) { cli_error("out of memory"); goto out_corpus; }
        cli_info("fold %u/%lu: training on %zu articles, testing on %zu", f + 1, folds,
                 ds.n - n_test, n_test);
        us_head_build heads[US_N_TASKS];
        if (us_train_heads(&corpus, &ds, art_in, &cfg, heads, &err) != US_OK) {
            cli_fail(&err);
            goto out_corpus;
        }
        us_model *m = cli_build_model(&ds, art_in, &cfg, heads, idf, "model_id=cv\n", NULL, &err);
        for (int t = 0; t < US_N_TASKS; t++) us_head_build_fini(&heads[t]);
        if (!m) { cli_fail(&err); goto out_corpus; }
        for (int lang = 0; lang < US_N_LANGS; lang++) {
            /* Baselines from this language's training articles. */
            uint32_t base[US_N_TASKS] = {0};
            for (int t = 0; t < 2; t++) {
                for (size_t i = 0; i < ds.n; i++)
                    use_a[i] = art_in[i] && ds.arts[i].lang == lang && corpus.art_has[t][i];
                base[t] = t == 0 ? majority_baseline(corpus.art_y[0], use_a, ds.n)
                                 : topk_baseline(corpus.art_y[1], use_a, ds.n, US_N_FRAMES);
            }
            for (size_t k = 0; k < corpus.n_paras; k++) {
                size_t i = corpus.par_art[k];
                use_p[k] = art_in[i] && ds.arts[i].lang == lang && corpus.par_line[k] != 0;
            }
            base[2] = topk_baseline(corpus.par_y, use_p, corpus.n_paras, US_N_TECHNIQUES);
            for (size_t i = 0; i < ds.n; i++) {
                const us_article *a = &ds.arts[i];
                if (art_in[i] || a->lang != lang) continue;
                us_analyze_opts ao = {us_lang_codes[lang], 0, 0};
                for (int t = 0; t < US_N_TASKS; t++) {
                    if (!(cfg.tasks >> t & 1u) || !a->text[t]) continue;
                    if (t < 2 && !corpus.art_has[t][i]) continue;
                    if (t == 2 && !a->line_gold) continue;
                    us_analysis *res;
                    ao.tasks = t == 2 ? US_DO_TECHNIQUES | US_DO_SPANS : 1 << t;
                    if (oof_f && t < 2) ao.tasks = US_DO_GENRE | US_DO_FRAMES | US_DO_TECHNIQUES;
                    if (us_analyze(m, a->text[t], a->len[t], &ao, &res, &err) != US_OK) {
                        cli_error("article %s (%s): %s", a->id, us_lang_codes[lang], err.msg);
                        us_model_free(m);
                        goto out_corpus;
                    }
                    int r = US_OK;
                    if (t == 0) {   /* an article without words gets no genre: a miss */
                        int g = res->genre;
                        r = cell_push(&cells[lang][0], corpus.art_y[0][i], g >= 0 ? 1u << g : 0,
                                      base[0]);
                        if (g >= 0)
                            calib_add(&cal_genre, res->genre_prob[g],
                                      (int)(corpus.art_y[0][i] >> g & 1u));
                    } else if (t == 1) {
                        r = cell_push(&cells[lang][1], a->frames, res->frames, base[1]);
                        for (int l = 0; l < US_N_FRAMES; l++)
                            calib_add(&cal_frames, res->frame_prob[l], (int)(a->frames >> l & 1u));
                    } else {
                        for (size_t k = 0; k < a->n_spans && r == US_OK; k++)
                            if (a->spans[k].end_cp > a->spans[k].start_cp)
                                r = span_push(&gold_spans[lang], (uint32_t)i, a->spans[k].tech,
                                              a->spans[k].start_cp, a->spans[k].end_cp);
                        for (size_t q = 0; q < res->n_paras && r == US_OK; q++)
                            for (size_t k = 0; k < res->paras[q].n_spans && r == US_OK; k++) {
                                const us_span_result *sp = &res->paras[q].spans[k];
                                r = span_push(&pred_spans[lang], (uint32_t)i, (uint32_t)sp->technique,
                                              sp->start_cp, sp->end_cp);
                                /* a span is right when it overlaps a gold span of its technique */
                                int hit = 0;
                                for (size_t g = 0; g < a->n_spans && !hit; g++)
                                    hit = a->spans[g].tech == (uint32_t)sp->technique &&
                                          a->spans[g].start_cp < sp->end_cp &&
                                          sp->start_cp < a->spans[g].end_cp;
                                calib_add(&cal_spans, sp->confidence, hit);
                            }
                        size_t p = 0;
                        for (uint32_t l = 0; l < a->n_lines && r == US_OK; l++) {
                            if (!a->line_gold[l]) continue;
                            while (p < res->n_paras && res->paras[p].line < l + 1) p++;
                            uint32_t pred = p < res->n_paras && res->paras[p].line == l + 1 ?
                                            res->paras[p].techniques : 0;
                            r = cell_push(&cells[lang][2], a->line_labels[l], pred, base[2]);
                            if (p < res->n_paras && res->paras[p].line == l + 1)
                                for (int k = 0; k < US_N_TECHNIQUES; k++)
                                    calib_add(&cal_tech, res->paras[p].prob[k],
                                              (int)(a->line_labels[l] >> k & 1u));
                        }
                    }
                    if (r == US_OK && oof_f &&
                        cli_oof_write(oof_f, m, a, t, f, t == 0 ? corpus.art_y[0][i] : a->frames,
                                      res) != US_OK) {
                        cli_error("%s: write failed", oof);
                        us_analysis_free(res);
                        us_model_free(m);
                        goto out_corpus;
                    }
                    us_analysis_free(res);
                    if (r != US_OK) { cli_error("out of memory"); us_model_free(m); goto out_corpus; }
                }
            }
        }
        us_model_free(m);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

    /* ---- report -------------------------------------------------------- */
    FILE *jf = NULL;
    if (json && !(jf = fopen(json, "w"))) {
        cli_error("%s: cannot write", json);
        goto out_corpus;
    }
    printf("# unspin cv: %lu folds by article (fold seed %lu), one joint model per fold, "
           "%.0f s\n", folds, fold_seed, secs);
    printf("lang\tgenre_macroF1\tmajority\tframing_microF1\ttop-k\ttechniques_microF1\ttop-k\n");
    if (jf) fprintf(jf, "{\"folds\":%lu,\"fold_seed\":%lu,\"seconds\":%.1f,\"results\":{", folds,
                    fold_seed, secs);
    int first_lang = 1;
    for (int lang = 0; lang <= US_N_LANGS; lang++) {   /* US_N_LANGS = all languages pooled */
        cell pooled[US_N_TASKS];
        memset(pooled, 0, sizeof pooled);
        cell *row = lang < US_N_LANGS ? cells[lang] : pooled;
        if (lang == US_N_LANGS)
            for (int l2 = 0; l2 < US_N_LANGS; l2++)
                for (int t = 0; t < US_N_TASKS; t++)
                    for (size_t i = 0; i < cells[l2][t].n; i++)
                        cell_push(&pooled[t], cells[l2][t].gold[i], cells[l2][t].pred[i],
                                  cells[l2][t].base[i]);
        size_t total = row[0].n + row[1].n + row[2].n;
        if (total == 0) continue;
        const char *name = lang < US_N_LANGS ? us_lang_codes[lang] : "all";
        printf("%s", name);
        if (jf) fprintf(jf, "%s\"%s\":{", first_lang ? "" : ",", name);
        first_lang = 0;
        int first_task = 1;   /* tasks left out by --task have no entry */
        for (int t = 0; t < US_N_TASKS; t++) {
            us_scores s, b;
            if (row[t].n == 0) { printf("\t-\t-"); continue; }
            us_metrics_task((us_task)t, row[t].gold, row[t].pred, row[t].n, &s);
            us_metrics_task((us_task)t, row[t].gold, row[t].base, row[t].n, &b);
            printf("\t%.4f\t%.4f", headline(t, &s), headline(t, &b));
            if (jf) fprintf(jf, "%s\"%s\":{\"n\":%zu,\"unspin\":%.4f,\"baseline\":%.4f,"
                            "\"micro_f1\":%.4f,\"macro_f1\":%.4f}", first_task ? "" : ",",
                            us_task_name((us_task)t), row[t].n, headline(t, &s),
                            headline(t, &b), s.micro.f1, s.macro_f1);
            first_task = 0;
        }
        printf("\n");
        if (jf) fprintf(jf, "}");
        if (per_label && !strcmp(per_label, name)) {
            for (int t = 0; t < US_N_TASKS; t++) {
                if (row[t].n == 0) continue;
                us_scores s;
                us_metrics_task((us_task)t, row[t].gold, row[t].pred, row[t].n, &s);
                printf("\n# %s %s per label\nlabel\tP\tR\tF1\tsupport\tpredicted\n", name,
                       us_task_name((us_task)t));
                for (size_t l = 0; l < s.n_labels; l++)
                    printf("%s\t%.4f\t%.4f\t%.4f\t%zu\t%zu\n",
                           us_tax_label((us_task)t, l)->name, s.label[l].p, s.label[l].r,
                           s.label[l].f1, s.label[l].support, s.label[l].n_pred);
                printf("micro-F1\t%.4f\nmacro-F1\t%.4f\n\n", s.micro.f1, s.macro_f1);
            }
        }
        if (lang == US_N_LANGS)
            for (int t = 0; t < US_N_TASKS; t++) {
                us_free(pooled[t].gold); us_free(pooled[t].pred); us_free(pooled[t].base);
            }
    }
    /* Spans (end to end: predicted paragraph techniques, then the tagger) and calibration. */
    printf("\n# spans: SemEval-2020 Task 11 partial-overlap scores, repaired gold offsets\n"
           "lang\tspan_P\tspan_R\tspan_F1\tgold_spans\tpredicted_spans\n");
    if (jf) fprintf(jf, "},\"spans\":{");
    int first_span = 1;
    span_list all_g = {0}, all_p = {0};
    for (int lang = 0; lang < US_N_LANGS; lang++) {
        if (!gold_spans[lang].n && !pred_spans[lang].n) continue;
        us_scores s;
        if (us_metrics_spans(gold_spans[lang].s, gold_spans[lang].n, pred_spans[lang].s,
                             pred_spans[lang].n, US_N_TECHNIQUES, &s, &err) != US_OK) {
            cli_fail(&err);
            break;
        }
        printf("%s\t%.4f\t%.4f\t%.4f\t%zu\t%zu\n", us_lang_codes[lang], s.micro.p, s.micro.r,
               s.micro.f1, gold_spans[lang].n, pred_spans[lang].n);
        if (jf) fprintf(jf, "%s\"%s\":{\"p\":%.4f,\"r\":%.4f,\"f1\":%.4f}", first_span ? "" : ",",
                        us_lang_codes[lang], s.micro.p, s.micro.r, s.micro.f1);
        first_span = 0;
        for (size_t k = 0; k < gold_spans[lang].n; k++) {
            us_span g = gold_spans[lang].s[k];
            span_push(&all_g, g.doc, g.label, g.start, g.end);
        }
        for (size_t k = 0; k < pred_spans[lang].n; k++) {
            us_span q = pred_spans[lang].s[k];
            span_push(&all_p, q.doc, q.label, q.start, q.end);
        }
    }
    if (all_g.n || all_p.n) {
        us_scores s;
        if (us_metrics_spans(all_g.s, all_g.n, all_p.s, all_p.n, US_N_TECHNIQUES, &s, &err) == US_OK) {
            printf("all\t%.4f\t%.4f\t%.4f\t%zu\t%zu\n", s.micro.p, s.micro.r, s.micro.f1, all_g.n,
                   all_p.n);
            if (jf) fprintf(jf, "%s\"all\":{\"p\":%.4f,\"r\":%.4f,\"f1\":%.4f}",
                            first_span ? "" : ",", s.micro.p, s.micro.r, s.micro.f1);
        }
    }
    us_free(all_g.s);
    us_free(all_p.s);
    printf("\n# calibration: expected calibration error (10 bins) of out-of-fold probabilities\n"
           "genre\t%.4f\nframes\t%.4f\ntechniques\t%.4f\nspans\t%.4f\n", calib_ece(&cal_genre),
           calib_ece(&cal_frames), calib_ece(&cal_tech), calib_ece(&cal_spans));
    if (jf) {
        fprintf(jf, "},\"ece\":{\"genre\":%.4f,\"frames\":%.4f,\"techniques\":%.4f,"
                "\"spans\":%.4f}}\n", calib_ece(&cal_genre), calib_ece(&cal_frames),
                calib_ece(&cal_tech), calib_ece(&cal_spans));
        fclose(jf);
    }
    rc = EXIT_OK;
out_corpus:
    if (oof_f && fclose(oof_f) != 0 && rc == EXIT_OK) {
        cli_error("%s: write failed: %s", oof, strerror(errno));
        rc = EXIT_RUNTIME;
    }
    us_corpus_fini(&corpus);
    for (int l = 0; l < US_N_LANGS; l++)
        for (int t = 0; t < US_N_TASKS; t++) {
            us_free(cells[l][t].gold); us_free(cells[l][t].pred); us_free(cells[l][t].base);
        }
    us_free(art_in);
    us_free(use_a);
    us_free(use_p);
    us_free(idf);
    for (int l = 0; l < US_N_LANGS; l++) {
        us_free(gold_spans[l].s);
        us_free(pred_spans[l].s);
    }
    us_dataset_fini(&ds);
    cli_train_cfg_fini(&cfg);
    return rc;
}
