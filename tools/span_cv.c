/* span_cv.c -- cross-validation of the technique span tagger alone.
 *
 *   build/span_cv [--data DIR] [--langs en,fr,...] [--folds K] [--bits B]
 *                 [--epochs E] [--no-repair] [--bias B] [--beta-grid B1,B2,...] [-q]
 *
 * K-fold CV by article (us_fold_of(id, 1, K)) over all languages at once: the
 * tagger is trained on K-1 folds, serialised through the model container
 * (us_span_write -> us_mfw_to_memory -> us_mfile_from_memory -> us_span_load,
 * so the int8 serving path is what gets measured) and decoded on the held-out
 * articles with ORACLE paragraph techniques: every non-empty line gets the
 * techniques of its gold line label. Gold spans are the repaired ones
 * (us_span_fix_article). A "whole paragraph" baseline (one span per gold
 * technique covering the line) is scored alongside.
 *
 * stdout: repair statistics per language, then
 *   lang<TAB>gold<TAB>pred<TAB>P<TAB>R<TAB>F1<TAB>base_P<TAB>base_R<TAB>base_F1
 * per language and micro-averaged over all spans ("all"), then timings.
 * With --beta-grid, the held-out paragraphs are also decoded at each inside
 * bias of the list, and the span credit sums are printed per inside bias,
 * fold, language and technique (beta<TAB>fold<TAB>lang<TAB>technique<TAB>
 * p_num<TAB>n_pred<TAB>r_num<TAB>n_gold), for tuning the bias per technique
 * or language on other folds (tools/span-beta.py).
 * This is a measurement tool, not part of the product (it may print). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "io/dataset.h"
#include "task/metrics.h"
#include "task/span.h"
#include "task/trainer.h"

static int quiet;

enum { MAX_GRID = 32 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* CPU time: robust on a busy host */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void on_progress(const char *msg, void *ud)
{
    (void)ud;
    if (!quiet) fprintf(stderr, "span_cv: %s\n", msg);
}

static void on_report(const char *msg, void *ud)
{
    (void)msg; (void)ud;   /* dataset problems are counted, not printed */
}

typedef struct spanvec { us_span *a; size_t n, cap; } spanvec;

static int sv_push(spanvec *v, uint32_t doc, uint32_t label, uint32_t s, uint32_t e)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        us_span *p = realloc(v->a, cap * sizeof *p);
        if (!p) return -1;
        v->a = p;
        v->cap = cap;
    }
    v->a[v->n++] = (us_span){doc, label, s, e};
    return 0;
}

static void die(const char *what, const us_err *err)
{
    fprintf(stderr, "span_cv: %s: %s\n", what, err && err->msg[0] ? err->msg : "failed");
    exit(1);
}

/* Spans of language 'lang' (-1 = all) and fold 'fold' of K (-1 = all) into 'out'. */
static size_t filter(const spanvec *v, const us_dataset *ds, int lang, int fold, uint32_t K,
                     us_span *out)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) {
        const us_article *a = &ds->arts[v->a[i].doc];
        if ((lang < 0 || a->lang == lang) && (fold < 0 || us_fold_of(a->id, 1, K) == (uint32_t)fold))
            out[n++] = v->a[i];
    }
    return n;
}

/* Decodes line l of article 'doc' (text t) for the techniques 'techs' and
 * appends its spans to 'out'; adds the decoding's CPU time to *t_dec. */
static void decode_line(const us_span_model *sm, const us_text *t, int lang, uint32_t doc,
                        uint32_t l, uint32_t techs, spanvec *out, double *t_dec)
{
    us_para_result p;
    memset(&p, 0, sizeof p);
    p.line = l + 1;
    p.techniques = techs;
    us_err err = {0};
    double t1 = now();
    if (us_span_decode(sm, t, lang, l, NULL, &p, &err) != US_OK) die("decode", &err);
    *t_dec += now() - t1;
    for (size_t s = 0; s < p.n_spans; s++)
        if (sv_push(out, doc, (uint32_t)p.spans[s].technique, p.spans[s].start_cp,
                    p.spans[s].end_cp))
            die("pred", NULL);
    us_free(p.spans);
}

int main(int argc, char **argv)
{
    const char *dir = "../shared/data/semeval2023", *langs = NULL;
    us_span_cfg cfg;
    us_span_cfg_default(&cfg);
    uint32_t K = 5;
    float grid[MAX_GRID];
    size_t n_grid = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--data") && v) { dir = v; i++; }
        else if (!strcmp(a, "--langs") && v) { langs = v; i++; }
        else if (!strcmp(a, "--folds") && v) { K = (uint32_t)atoi(v); i++; }
        else if (!strcmp(a, "--bits") && v) { cfg.bucket_bits = (uint32_t)atoi(v); i++; }
        else if (!strcmp(a, "--epochs") && v) { cfg.epochs = (uint32_t)atoi(v); i++; }
        else if (!strcmp(a, "--no-repair")) cfg.repair = 0;
        else if (!strcmp(a, "--bias") && v) { cfg.inside_bias = (float)atof(v); i++; }
        else if (!strcmp(a, "--beta-grid") && v) {
            for (char *e, *q = (char *)v; *q && n_grid < MAX_GRID; q = *e ? e + 1 : e) {
                grid[n_grid++] = strtof(q, &e);
                if (e == q) { fprintf(stderr, "span_cv: bad --beta-grid '%s'\n", v); return 2; }
            }
            i++;
        }
        else if (!strcmp(a, "-q")) quiet = 1;
        else {
            fprintf(stderr, "usage: span_cv [--data DIR] [--langs L,..] [--folds K] [--bits B]"
                            " [--epochs E] [--no-repair] [--bias B] [--beta-grid B1,B2,..] [-q]\n");
            return 2;
        }
    }
    if (K < 2) K = 2;
    cfg.progress = on_progress;
    us_err err = {0};
    us_dataset ds;
    us_dataset_init(&ds, on_report, NULL);
    if (us_dataset_load(&ds, dir, langs, &err) != US_OK) die(dir, &err);

    /* Gold: repaired spans of every article with subtask-3 text. */
    spanvec gold = {0}, pred = {0}, base = {0}, gpred[MAX_GRID];
    memset(gpred, 0, sizeof gpred);
    us_span_fix_stats fst[US_N_LANGS];
    memset(fst, 0, sizeof fst);
    for (size_t i = 0; i < ds.n; i++) {
        us_article *a = &ds.arts[i];
        if (!a->text[US_TASK_TECHNIQUES] || !a->n_spans) continue;
        us_gold_span *sp = malloc(a->n_spans * sizeof *sp);
        if (!sp) die("gold", NULL);
        memcpy(sp, a->spans, a->n_spans * sizeof *sp);
        if (cfg.repair &&
            us_span_fix_article(a->text[US_TASK_TECHNIQUES], a->len[US_TASK_TECHNIQUES],
                                a->line_labels, a->n_lines, sp, a->n_spans, &fst[a->lang]) < 0)
            die("repair", NULL);
        for (size_t k = 0; k < a->n_spans; k++)
            if (sv_push(&gold, (uint32_t)i, sp[k].tech, sp[k].start_cp, sp[k].end_cp))
                die("gold", NULL);
        free(sp);
    }
    printf("# span offset repair (per language)\n");
    printf("lang\tarticles\trepaired\tspans\tconsistent\tinconsistent\tclamped\ttrimmed\t"
           "dropped\n");
    for (int l = 0; l < US_N_LANGS; l++) {
        const us_span_fix_stats *s = &fst[l];
        if (!s->n_articles) continue;
        printf("%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\n", us_lang_codes[l], s->n_articles,
               s->n_repaired, s->n_spans, s->n_consistent, s->n_inconsistent, s->n_clamped,
               s->n_trimmed, s->n_dropped);
    }

    uint8_t *in = malloc(ds.n ? ds.n : 1);
    if (!in) die("alloc", NULL);
    double t_train = 0, t_dec = 0;
    size_t n_dec = 0, n_dec_tech = 0, sec_bytes = 0;
    us_text t;
    us_text_init(&t);
    for (uint32_t f = 0; f < K; f++) {
        for (size_t i = 0; i < ds.n; i++) in[i] = us_fold_of(ds.arts[i].id, 1, K) != f;
        us_span_build b;
        double t0 = now();
        if (us_span_train(&ds, in, &cfg, &b, &err) != US_OK) die("train", &err);
        t_train += now() - t0;
        us_mfile *mf = NULL;
        us_span_model sm;
        if (us_span_serve(&b, &mf, &sm, &err) != US_OK) die("serve", &err);
        us_span_build_fini(&b);
        const void *sec;
        us_mfile_section(mf, US_SPAN_SECTION, &sec, &sec_bytes);
        for (size_t i = 0; i < ds.n; i++) {
            us_article *a = &ds.arts[i];
            if (in[i] || !a->text[US_TASK_TECHNIQUES]) continue;
            if (us_text_tokenize(&t, a->text[US_TASK_TECHNIQUES], a->len[US_TASK_TECHNIQUES],
                                 &err) != US_OK)
                die(a->id, &err);
            for (uint32_t l = 0; l < t.n_lines && l < a->n_lines; l++) {
                uint32_t techs = a->line_labels[l] & ((1u << US_N_TECHNIQUES) - 1);
                if (!techs || t.lines[l].tok_end == t.lines[l].tok_begin) continue;
                decode_line(&sm, &t, a->lang, (uint32_t)i, l, techs, &pred, &t_dec);
                n_dec++;
                n_dec_tech += (size_t)__builtin_popcount(techs);
                double t_grid = 0;   /* not part of the timing */
                for (size_t gi = 0; gi < n_grid; gi++) {   /* the same at each grid bias */
                    us_span_model sg = sm;
                    sg.inside_bias = grid[gi];
                    decode_line(&sg, &t, a->lang, (uint32_t)i, l, techs, &gpred[gi], &t_grid);
                }
                for (uint32_t k = 0; k < US_N_TECHNIQUES; k++)
                    if (techs >> k & 1u)
                        if (sv_push(&base, (uint32_t)i, k, t.toks[t.lines[l].tok_begin].start_cp,
                                    t.toks[t.lines[l].tok_end - 1].end_cp))
                            die("base", NULL);
            }
        }
        us_mfile_close(mf);
        if (!quiet) fprintf(stderr, "span_cv: fold %u done\n", f + 1);
    }
    us_text_fini(&t);

    us_span *g = malloc((gold.n + 1) * sizeof *g), *p = malloc((pred.n + 1) * sizeof *p);
    us_span *bs = malloc((base.n + 1) * sizeof *bs);
    if (!g || !p || !bs) die("alloc", NULL);
    printf("\n# %u-fold CV, oracle paragraph techniques (SemEval-2020 T11 partial-overlap "
           "span P/R/F1)\n", K);
    printf("lang\tgold\tpred\tP\tR\tF1\tbase_P\tbase_R\tbase_F1\n");
    for (int l = 0; l <= US_N_LANGS; l++) {
        int lang = l == US_N_LANGS ? -1 : l;
        if (lang >= 0 && !fst[lang].n_articles) continue;
        size_t ng = filter(&gold, &ds, lang, -1, K, g), np = filter(&pred, &ds, lang, -1, K, p);
        size_t nb = filter(&base, &ds, lang, -1, K, bs);
        us_scores sc, sb;
        if (us_metrics_spans(g, ng, p, np, US_N_TECHNIQUES, &sc, &err) != US_OK ||
            us_metrics_spans(g, ng, bs, nb, US_N_TECHNIQUES, &sb, &err) != US_OK)
            die("metrics", &err);
        printf("%s\t%zu\t%zu\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n",
               lang < 0 ? "all" : us_lang_codes[lang], ng, np, sc.micro.p, sc.micro.r,
               sc.micro.f1, sb.micro.p, sb.micro.r, sb.micro.f1);
    }
    if (n_grid) {
        printf("\n# credit sums per inside bias, fold, language and technique\n");
        printf("beta\tfold\tlang\ttechnique\tp_num\tn_pred\tr_num\tn_gold\n");
    }
    for (size_t gi = 0; gi < n_grid; gi++) {
        us_span *gp = malloc((gpred[gi].n + 1) * sizeof *gp);
        if (!gp) die("alloc", NULL);
        for (uint32_t f = 0; f < K; f++)
            for (int lang = 0; lang < US_N_LANGS; lang++) {
                size_t ng = filter(&gold, &ds, lang, (int)f, K, g);
                size_t np = filter(&gpred[gi], &ds, lang, (int)f, K, gp);
                if (!ng && !np) continue;
                us_scores sc;
                if (us_metrics_spans(g, ng, gp, np, US_N_TECHNIQUES, &sc, &err) != US_OK)
                    die("metrics", &err);
                for (uint32_t k = 0; k < US_N_TECHNIQUES; k++) {
                    const us_prf *x = &sc.label[k];
                    if (!x->support && !x->n_pred) continue;
                    printf("%g\t%u\t%s\t%u\t%.6f\t%zu\t%.6f\t%zu\n", (double)grid[gi], f + 1,
                           us_lang_codes[lang], k, x->p * (double)x->n_pred, x->n_pred,
                           x->r * (double)x->support, x->support);
                }
            }
        free(gp);
        free(gpred[gi].a);
    }
    printf("\n# timing\n");
    printf("train_s_per_fold\t%.2f\n", t_train / K);
    printf("decode_us_per_paragraph\t%.2f\n", n_dec ? 1e6 * t_dec / (double)n_dec : 0.0);
    printf("decode_us_per_technique\t%.2f\n", n_dec_tech ? 1e6 * t_dec / (double)n_dec_tech : 0.0);
    printf("span_section_bytes\t%zu\n", sec_bytes);
    free(g); free(p); free(bs); free(in);
    free(gold.a); free(pred.a); free(base.a);
    us_dataset_fini(&ds);
    return 0;
}
