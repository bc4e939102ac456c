/* trainer.c -- corpus features, threaded head training and threshold tuning.
 *
 * Determinism: every training job (task x inner fold) is independent and
 * seeded, so the result does not depend on the number of threads or on the
 * order in which jobs finish. */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "trainer.h"
#include "task/knn.h"
#include "task/span.h"
#include "task/spanlex.h"
#include "task/stack.h"
#include "task/units.h"

void us_train_cfg_default(us_train_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    us_feat_cfg_default(&cfg->feat);
    for (int t = 0; t < US_N_TASKS; t++) us_train_params_default(&cfg->p[t]);
    cfg->p[US_TASK_GENRE].softmax = 1;
    cfg->p[US_TASK_GENRE].balance_classes = 1;
    /* 30 epochs, not 10: genre macro-F1 +0.004 pooled, +0.009 English over
     * three fold seeds, better on each (docs/ACCURACY.md, step 68). */
    cfg->p[US_TASK_GENRE].epochs = 30;
    /* 45 epochs, not 10, once the framing head shares rows (below): +0.005
     * micro-F1 pooled, +0.007 English, better on each of three fold seeds;
     * 60 is level (docs/ACCURACY.md, step 67). At 2^18 rows 20 had not helped. */
    cfg->p[US_TASK_FRAMING].epochs = 45;
    /* 10 epochs, not 6, once the iterates are averaged (below): +0.002 on
     * two fold seeds, every language; without averaging the extra epochs
     * bought nothing (docs/ACCURACY.md, ablations 14, 41-42). */
    cfg->p[US_TASK_TECHNIQUES].epochs = 10;
    /* Paragraphs are short and sparse: without strong shrinkage AdaGrad fits
     * rare n-grams (CV, docs/ACCURACY.md: 1e-6 -> 0.347, 3e-4 -> 0.351,
     * 3e-3 -> 0.370 micro-F1 over all languages). */
    cfg->p[US_TASK_TECHNIQUES].l2 = 3e-3f;
    /* The mean of the iterates: techniques +0.0045, +0.0034 and +0.0025
     * micro-F1 on three fold seeds; framing +0.003 and -0.001, genre -0.003:
     * noise, off there (docs/ACCURACY.md, ablations 34-36). */
    cfg->p[US_TASK_TECHNIQUES].average = 1;
    cfg->tasks = 7;
    cfg->inner_folds = 3;
    cfg->min_pos_thr = 15;
    cfg->threads = 2;
    cfg->span_items = 1;
    cfg->idf = 0;   /* IDF helped genre, hurt techniques in CV (docs/ACCURACY.md) */
    cfg->spans = 1;
    cfg->stack = 1;
    /* The second stage learns from inner-fold probabilities: models trained on
     * 4/5 of the data behave like the final one, 2/3 do not (CV: 0.401 with
     * 5 folds, 0.392 with 3; docs/ACCURACY.md). */
    cfg->stack_folds = 5;
    /* The paragraph's cue statistics in the second stage: +0.004 techniques
     * micro-F1 on two fold seeds, +0.017-0.022 on English reporting articles
     * (docs/ACCURACY.md, steps 53-54). */
    cfg->stack_cues = 1;
    /* The span lexicon in the second stage: +0.005 techniques micro-F1 on two
     * fold seeds, English +0.014 and English reporting articles +0.03 for one
     * table row a word (docs/ACCURACY.md, steps 56-57). */
    cfg->stack_lex = 1;
    /* The framing head with a quarter as many rows as buckets (feature f in
     * row f >> 2): framing +0.007 to +0.009 micro-F1 on three fold seeds,
     * English +0.003; sharing rows regularises a head trained with almost no
     * L2 (2^17 to 2^15 rows all gain; 2^14 less). Halved, English genre lost
     * 0.01-0.03 on three seeds, and techniques 0.005 on the reporting
     * articles of two, for 6% less CPU (docs/ACCURACY.md, step 66). */
    cfg->head_bits[US_TASK_FRAMING] = 16;
    cfg->lex_bits = US_SPANLEX_BITS;
    cfg->lex_alpha = US_SPANLEX_ALPHA;
    /* The frames of the 20 most similar training articles, blended at 0.35
     * (knn.h): framing micro-F1 +0.003 pooled on each of three fold seeds,
     * English +0.003 on average (docs/ACCURACY.md, P19 and step 75). */
    cfg->knn_k = US_KNN_K;
    cfg->knn_weight = US_KNN_WEIGHT;
    us_span_cfg_default(&cfg->span);
    cfg->span.repair = 0;    /* the CLI repairs the dataset's spans once, at load */
}

int us_train_container(const us_dataset *ds, const uint8_t *art_in, const us_train_cfg *cfg,
                       const us_head_build heads[US_N_TASKS], const float *idf,
                       const char *meta, us_mfw **out, us_err *err)
{
    us_mfw *w = NULL;
    int rc = us_model_build(&cfg->feat, heads, idf, cfg->lex, cfg->n_lex, meta, &w, err);
    if (rc == US_OK && heads[US_TASK_TECHNIQUES].has_stack &&
        us_stack_reads_lex(heads[US_TASK_TECHNIQUES].stack_d)) {
        us_spanlex_build lb;
        rc = us_spanlex_train(ds, art_in, &cfg->feat, cfg->lex_bits, cfg->lex_alpha, &lb, err);
        if (rc == US_OK) rc = us_spanlex_write(&lb, w, err);
        us_spanlex_build_fini(&lb);
        if (rc != US_OK) { us_mfw_free(w); w = NULL; }
    }
    if (rc == US_OK && heads[US_TASK_FRAMING].present && cfg->knn_k) {
        us_knn_build kb;
        rc = us_knn_train(ds, art_in, &cfg->feat, cfg->knn_k, cfg->knn_weight, &kb, err);
        if (rc == US_OK) rc = us_knn_write(&kb, w, err);
        us_knn_build_fini(&kb);
        if (rc != US_OK) { us_mfw_free(w); w = NULL; }
    }
    if (rc != US_OK || !cfg->spans) { *out = w; return rc; }
    us_span_build sb;
    us_span_cfg scfg = cfg->span;
    if (!scfg.progress) { scfg.progress = cfg->progress; scfg.progress_ud = cfg->progress_ud; }
    rc = us_span_train(ds, art_in, &scfg, &sb, err);
    if (rc == US_OK) {
        rc = us_span_write(&sb, w, err);
        us_span_build_fini(&sb);
    }
    if (rc != US_OK) { us_mfw_free(w); w = NULL; }
    *out = w;
    return rc;
}

#define progress(cfg, ...) us_progressf((cfg)->progress, (cfg)->progress_ud, __VA_ARGS__)

/* ---- folds -------------------------------------------------------------- */

/* Seed of the inner folds (threshold tuning, the second stage's training
 * data); differs from any outer CV seed. */
#define INNER_FOLD_SEED 7777

uint32_t us_fold_of(const char *id, uint64_t seed, uint32_t k)
{
    uint64_t x = 0;
    int numeric = *id != '\0';
    for (const char *p = id; *p; p++)
        if (*p < '0' || *p > '9') { numeric = 0; break; }
    if (numeric) {
        for (const char *p = id; *p; p++) x = x * 10 + (uint64_t)(*p - '0');
    } else {
        x = 0xcbf29ce484222325ull;
        for (const unsigned char *p = (const unsigned char *)id; *p; p++)
            x = (x ^ *p) * 0x100000001b3ull;
    }
    uint64_t state = x ^ (seed * 0x9E3779B97F4A7C15ull);
    return k ? (uint32_t)(us_splitmix64(&state) % k) : 0;
}

/* ---- corpus ------------------------------------------------------------- */

void us_corpus_fini(us_corpus *c)
{
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; c->art_x[k] && i < c->n_arts; i++) us_fvec_fini(&c->art_x[k][i]);
        us_free(c->art_x[k]);
        us_free(c->art_y[k]);
        us_free(c->art_has[k]);
    }
    for (size_t i = 0; c->par_x && i < c->n_paras; i++) us_fvec_fini(&c->par_x[i]);
    us_free(c->par_x);
    us_free(c->par_y);
    us_free(c->par_art);
    us_free(c->par_line);
    us_free(c->par_rep);
    memset(c, 0, sizeof *c);
}

/* Techniques of the gold spans of 'a' that cover at least half of [s, e). */
static uint32_t span_labels(const us_article *a, uint32_t s, uint32_t e)
{
    uint32_t mask = 0;
    for (size_t k = 0; k < a->n_spans; k++) {
        uint32_t lo = a->spans[k].start_cp > s ? a->spans[k].start_cp : s;
        uint32_t hi = a->spans[k].end_cp < e ? a->spans[k].end_cp : e;
        if (hi > lo && 2 * (hi - lo) >= e - s) mask |= 1u << a->spans[k].tech;
    }
    return mask;
}

/* Line index containing code point 'cp' (binary search), or n_lines. */
static uint32_t line_of_cp(const us_text *t, uint32_t cp)
{
    uint32_t lo = 0, hi = (uint32_t)t->n_lines;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->lines[mid].end_cp < cp) lo = mid + 1; else hi = mid;
    }
    return lo;
}

int us_idf_compute(const us_dataset *ds, const uint8_t *art_in, const us_feat_cfg *fcfg,
                   float **idf, us_err *err)
{
    size_t nb = (size_t)1 << fcfg->bucket_bits;
    uint32_t *df = us_calloc(nb, sizeof *df);
    float *out = us_malloc(nb * sizeof *out);
    us_fz fz;
    us_text t;
    us_fvec x;
    us_fz_init(&fz, fcfg);
    us_text_init(&t);
    us_fvec_init(&x);
    double n_docs = 0;
    int rc = US_OK;
    if (!df || !out) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < ds->n && rc == US_OK; i++) {
        const us_article *a = &ds->arts[i];
        if (art_in && !art_in[i]) continue;
        int k = a->text[2] ? 2 : a->text[1] ? 1 : 0;
        if (!a->text[k]) continue;
        if ((rc = us_text_tokenize(&t, a->text[k], a->len[k], err)) != US_OK) break;
        for (uint32_t l = 0; l < t.n_lines; l++) {
            if (!us_line_nonempty(&t, l)) continue;
            us_fz_reset(&fz);
            us_fz_add_tokens(&fz, &t, t.lines[l].tok_begin, t.lines[l].tok_end, 1.0f, 0);
            us_fz_add_cues(&fz, &t, t.lines[l].tok_begin, t.lines[l].tok_end);
            us_fz_add_tokens(&fz, &t, t.lines[l].tok_begin, t.lines[l].tok_end, 1.0f, 1);
            if (us_fz_finish(&fz, &x) != US_OK) { rc = us_err_set(err, US_ENOMEM, "out of memory"); break; }
            for (uint32_t f = 0; f < x.n; f++) df[x.f[f].idx]++;
            n_docs += 1;
        }
    }
    for (size_t f = 0; rc == US_OK && f < nb; f++)
        out[f] = (float)(log((1.0 + n_docs) / (1.0 + df[f])) + 1.0);
done:
    us_free(df);
    us_fz_fini(&fz);
    us_text_fini(&t);
    us_fvec_fini(&x);
    if (rc != US_OK) { us_free(out); return rc; }
    *idf = out;
    return US_OK;
}

int us_corpus_build(us_corpus *c, const us_dataset *ds, const us_train_cfg *cfg,
                    const float *idf, us_err *err)
{
    memset(c, 0, sizeof *c);
    us_fz fz;
    us_text t;
    int span_items = cfg->span_items;
    us_fz_init(&fz, &cfg->feat);
    fz.idf = idf;
    if (cfg->feat.w_lex > 0) { fz.lex = cfg->lex; fz.n_lex = cfg->n_lex; }
    us_text_init(&t);
    int rc = US_OK;
    size_t n = ds->n, n_par = 0;
    float *stats = NULL;   /* repeat statistics of the current text's lines */
    size_t cap_stats = 0;
    for (size_t i = 0; i < n; i++) {
        const us_article *a = &ds->arts[i];
        for (uint32_t l = 0; a->line_gold && l < a->n_lines; l++) n_par += a->line_gold[l];
        if (span_items) n_par += a->n_spans;
    }
    c->n_arts = n;
    for (int k = 0; k < 2; k++) {
        c->art_x[k] = us_calloc(n ? n : 1, sizeof(us_fvec));
        c->art_y[k] = us_calloc(n ? n : 1, sizeof(uint32_t));
        c->art_has[k] = us_calloc(n ? n : 1, 1);
        if (!c->art_x[k] || !c->art_y[k] || !c->art_has[k]) goto oom;
    }
    c->par_x = us_calloc(n_par ? n_par : 1, sizeof(us_fvec));
    c->par_y = us_calloc(n_par ? n_par : 1, sizeof(uint32_t));
    c->par_art = us_calloc(n_par ? n_par : 1, sizeof(uint32_t));
    c->par_line = us_calloc(n_par ? n_par : 1, sizeof(uint32_t));
    c->par_rep = us_calloc((n_par ? n_par : 1) * US_LINE_STATS, sizeof(float));
    if (!c->par_x || !c->par_y || !c->par_art || !c->par_line || !c->par_rep) goto oom;
    for (size_t i = 0; i < n; i++) {
        const us_article *a = &ds->arts[i];
        for (int k = 0; k < 2; k++) {
            int has = k == 0 ? a->genre >= 0 : a->has_frames;
            if (!has || !a->text[k]) continue;
            if ((rc = us_text_tokenize(&t, a->text[k], a->len[k], err)) != US_OK) goto fail;
            if ((rc = us_unit_article(&fz, &t, a->lang, &c->art_x[k][i])) != US_OK) goto oom;
            c->art_y[k][i] = k == 0 ? 1u << a->genre : a->frames;
            c->art_has[k][i] = 1;
        }
        if (!a->text[US_TASK_TECHNIQUES] || !a->line_gold) continue;
        if ((rc = us_text_tokenize(&t, a->text[2], a->len[2], err)) != US_OK) goto fail;
        if (t.n_lines > cap_stats) {
            float *ns = us_realloc(stats, t.n_lines * US_LINE_STATS * sizeof *ns);
            if (!ns) goto oom;
            stats = ns;
            cap_stats = t.n_lines;
        }
        if (us_line_stats(&fz, &t, 1, stats) != US_OK) goto oom;
        uint32_t ordinal = 0;
        for (uint32_t l = 0; l < a->n_lines && l < t.n_lines; l++) {
            int nonempty = us_line_nonempty(&t, l);
            if (a->line_gold[l]) {
                size_t p = c->n_paras++;
                if ((rc = us_unit_paragraph(&fz, &t, a->lang, l, ordinal, &c->par_x[p])) != US_OK)
                    goto oom;
                c->par_y[p] = a->line_labels[l];
                c->par_art[p] = (uint32_t)i;
                c->par_line[p] = l + 1;
                memcpy(c->par_rep + p * US_LINE_STATS, stats + (size_t)l * US_LINE_STATS,
                       US_LINE_STATS * sizeof *stats);
            }
            ordinal += (uint32_t)nonempty;
        }
        for (size_t k = 0; span_items && k < a->n_spans; k++) {
            const us_gold_span *sp = &a->spans[k];
            uint32_t l = line_of_cp(&t, sp->start_cp);
            if (l >= t.n_lines || sp->end_cp > t.lines[l].end_cp || sp->end_cp <= sp->start_cp ||
                l >= a->n_lines || !(a->line_labels[l] >> sp->tech & 1u))
                continue;   /* offsets that do not fit the paragraph labels: not used */
            const us_range *r = &t.lines[l];
            uint32_t tb = r->tok_begin, te = r->tok_end;
            while (tb < te && t.toks[tb].end_cp <= sp->start_cp) tb++;
            while (te > tb && t.toks[te - 1].start_cp >= sp->end_cp) te--;
            if (tb == te) continue;
            size_t p = c->n_paras++;
            if ((rc = us_unit_span(&fz, &t, a->lang, tb, te, &c->par_x[p])) != US_OK) goto oom;
            c->par_y[p] = span_labels(a, sp->start_cp, sp->end_cp) | 1u << sp->tech;
            c->par_art[p] = (uint32_t)i;
            c->par_line[p] = 0;
            c->n_span_items++;
        }
    }
    us_fz_fini(&fz);
    us_text_fini(&t);
    us_free(stats);
    return US_OK;
oom:
    rc = us_err_set(err, US_ENOMEM, "out of memory while computing features");
fail:
    us_fz_fini(&fz);
    us_text_fini(&t);
    us_free(stats);
    us_corpus_fini(c);
    return rc;
}

uint32_t us_train_head_bits(const us_train_cfg *cfg, int t)
{
    uint32_t b = cfg->head_bits[t], fb = cfg->feat.bucket_bits;
    return b && b < fb ? b : fb;
}

/* ---- training jobs -------------------------------------------------------- */

typedef struct job {
    int task;
    int fold;             /* inner fold held out, or -1 for the final model */
    const us_fvec *X;
    const uint32_t *Y;
    uint8_t *mask;        /* items trained on */
    size_t n_items;
    us_linear lin;
    int rc;
    us_err err;
} job;

typedef struct pool {
    job *jobs;
    size_t n_jobs, next;
    pthread_mutex_t mu;
    const us_train_cfg *cfg;
} pool;

static void *worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        size_t i = pl->next++;
        pthread_mutex_unlock(&pl->mu);
        if (i >= pl->n_jobs) return NULL;
        job *j = &pl->jobs[i];
        uint32_t L = (uint32_t)us_tax_n_labels((us_task)j->task);
        uint32_t hb = us_train_head_bits(pl->cfg, j->task);
        j->rc = us_linear_init(&j->lin, 1u << hb, L, &j->err);
        j->lin.shift = pl->cfg->feat.bucket_bits - hb;
        if (j->rc == US_OK) {
            us_train_params p = pl->cfg->p[j->task];
            p.seed = p.seed * 1000003u + (uint64_t)(j->fold + 1);
            j->rc = us_linear_train(&j->lin, j->X, j->Y, j->mask, j->n_items, &p, &j->err);
        }
        progress(pl->cfg, "trained %s%s%.0d", us_task_name((us_task)j->task),
                 j->fold < 0 ? "" : " inner fold ", j->fold < 0 ? 0 : j->fold + 1);
    }
}

/* ---- thresholds ------------------------------------------------------------ */

#define N_GRID 89                       /* thresholds 0.02, 0.03, ..., 0.90 */
static float grid_thr(int g) { return (float)(g + 2) / 100.0f; }

/* Chooses one threshold per label to maximise micro-F1 over the items with
 * use[i] set, by coordinate ascent from 'init' (Lipton et al. 2014: for
 * micro-F1 one shared threshold is optimal under perfect calibration, so
 * labels move away from it only when their own out-of-fold counts say so).
 * Labels with fewer than min_pos positives keep their 'init' threshold.
 * OUT: thr (L). Returns the micro-F1 reached, or -1 on out of memory. */
static double tune_micro(const float *prob, const uint32_t *Y, const uint8_t *use, size_t n,
                         uint32_t L, const float *init, uint32_t min_pos, float *thr)
{
    size_t cells = (size_t)L * N_GRID;
    double *tp = us_calloc(cells * 3, sizeof(double));
    if (!tp) return -1;
    double *fp = tp + cells, *fn = fp + cells;
    size_t pos[32] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!use[i]) continue;
        for (uint32_t l = 0; l < L; l++) {
            int gold = (int)(Y[i] >> l & 1u);
            float p = prob[i * L + l];
            pos[l] += (size_t)gold;
            /* predicted positive at grid g iff p >= grid_thr(g) */
            int gmax = (int)(p * 100.0f + 1e-4f) - 2;   /* last g with grid_thr(g) <= p */
            if (gmax >= N_GRID) gmax = N_GRID - 1;
            for (int g = 0; g < N_GRID; g++) {
                int pred = g <= gmax;
                double *cell = pred ? (gold ? tp : fp) : (gold ? fn : NULL);
                if (cell) cell[(size_t)l * N_GRID + g] += 1;
            }
        }
    }
    int cur[32];
    double TP = 0, FP = 0, FN = 0;
    for (uint32_t l = 0; l < L; l++) {
        int g = (int)(init[l] * 100.0f + 0.5f) - 2;
        cur[l] = g < 0 ? 0 : g >= N_GRID ? N_GRID - 1 : g;
        size_t c = (size_t)l * N_GRID + (size_t)cur[l];
        TP += tp[c]; FP += fp[c]; FN += fn[c];
    }
    for (int pass = 0; pass < 3; pass++)
        for (uint32_t l = 0; l < L; l++) {
            if (pos[l] < min_pos) continue;
            size_t c0 = (size_t)l * N_GRID + (size_t)cur[l];
            double bTP = TP - tp[c0], bFP = FP - fp[c0], bFN = FN - fn[c0];
            int best = cur[l];
            double best_f = -1;
            for (int g = 0; g < N_GRID; g++) {
                size_t c = (size_t)l * N_GRID + (size_t)g;
                double t2 = bTP + tp[c], f = t2 > 0 ? 2 * t2 / (2 * t2 + bFP + fp[c] + bFN + fn[c]) : 0;
                if (f > best_f + 1e-12) { best_f = f; best = g; }
            }
            size_t c = (size_t)l * N_GRID + (size_t)best;
            TP = bTP + tp[c]; FP = bFP + fp[c]; FN = bFN + fn[c];
            cur[l] = best;
        }
    for (uint32_t l = 0; l < L; l++) thr[l] = grid_thr(cur[l]);
    us_free(tp);
    return TP > 0 ? 2 * TP / (2 * TP + FP + FN) : 0;
}

/* The single threshold that maximises micro-F1 over all labels. */
static float best_global(const float *prob, const uint32_t *Y, const uint8_t *use, size_t n,
                         uint32_t L, double *f1)
{
    float best_t = 0.5f;
    *f1 = -1;
    for (int g = 0; g < N_GRID; g++) {
        float th = grid_thr(g);
        double tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            if (!use[i]) continue;
            for (uint32_t l = 0; l < L; l++) {
                int gold = (int)(Y[i] >> l & 1u), pred = prob[i * L + l] >= th;
                tp += gold && pred; fp += !gold && pred; fn += gold && !pred;
            }
        }
        double f = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
        if (f > *f1 + 1e-12) { *f1 = f; best_t = th; }
    }
    return best_t;
}

/* A source of honest per-technique inputs of the second stage: for each
 * inner fold f, 'fit' builds a scorer from the other inner folds' articles
 * (art_f), 'score' fills the row of paragraph item i of fold f (its article
 * tokenised in t, 'fresh' on its first item), 'done' frees the scorer. */
typedef struct inner_source {
    int (*fit)(void *ud, const uint8_t *art_f, uint32_t f, uint32_t K, us_err *err);
    int (*score)(void *ud, const us_text *t, const us_article *ar, size_t i, int fresh,
                 float *row, us_err *err);
    void (*done)(void *ud);
    void *ud;
} inner_source;

/* Runs 'src' over the inner folds. OUT: S (n x L, rows of the items with use[i] set). */
static int inner_fold_inputs(const us_corpus *c, const us_dataset *ds, uint32_t K,
                             const uint8_t *use, size_t n, uint32_t L, float *S,
                             const inner_source *src, us_err *err)
{
    uint8_t *train = us_calloc(ds->n ? ds->n : 1, 1), *art_f = us_malloc(ds->n ? ds->n : 1);
    us_text t;
    us_text_init(&t);
    int rc = US_OK;
    if (!train || !art_f) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < n; i++)
        if (use[i]) train[c->par_art[i]] = 1;
    for (uint32_t f = 0; f < K && rc == US_OK; f++) {
        for (size_t a = 0; a < ds->n; a++)
            art_f[a] = train[a] && us_fold_of(ds->arts[a].id, INNER_FOLD_SEED, K) != f;
        if ((rc = src->fit(src->ud, art_f, f, K, err)) != US_OK) break;
        size_t last = SIZE_MAX;
        for (size_t i = 0; i < n && rc == US_OK; i++) {
            size_t a = c->par_art[i];
            if (!use[i] || art_f[a] || !train[a]) continue;   /* fold f's paragraphs only */
            const us_article *ar = &ds->arts[a];
            int fresh = a != last;
            if (fresh) {
                rc = us_text_tokenize(&t, ar->text[US_TASK_TECHNIQUES],
                                      ar->len[US_TASK_TECHNIQUES], err);
                last = a;
                if (rc != US_OK) break;
            }
            rc = src->score(src->ud, &t, ar, i, fresh, S + i * L, err);
        }
        src->done(src->ud);
    }
out:
    us_text_fini(&t);
    us_free(train);
    us_free(art_f);
    return rc;
}

/* --stack-spans: a span tagger per inner fold scores the techniques whose
 * inner-fold first-stage probability 'prob' reaches US_STACK_SPAN_FLOOR, as
 * analysis will. */
typedef struct span_source {
    const us_corpus *c;
    const us_dataset *ds;
    const us_train_cfg *cfg;
    const float *prob;
    uint32_t L;
    us_mfile *mf;
    us_span_model sm;
} span_source;

static int span_fit(void *ud, const uint8_t *art_f, uint32_t f, uint32_t K, us_err *err)
{
    span_source *s = ud;
    us_span_cfg scfg = s->cfg->span;
    if (!scfg.progress) { scfg.progress = s->cfg->progress; scfg.progress_ud = s->cfg->progress_ud; }
    progress(s->cfg, "techniques: span tagger of inner fold %u/%u for the second stage", f + 1, K);
    us_span_build sb;
    s->mf = NULL;
    int rc = us_span_train(s->ds, art_f, &scfg, &sb, err);
    if (rc != US_OK) return rc;
    rc = us_span_serve(&sb, &s->mf, &s->sm, err);
    us_span_build_fini(&sb);
    return rc;
}

static int span_score(void *ud, const us_text *t, const us_article *ar, size_t i, int fresh,
                      float *row, us_err *err)
{
    span_source *s = ud;
    (void)fresh;
    return us_span_scores(&s->sm, t, ar->lang, s->c->par_line[i] - 1,
                          us_stack_span_mask(s->prob + i * s->L, s->L), row, err);
}

static void span_done(void *ud)
{
    span_source *s = ud;
    us_mfile_close(s->mf);
    s->mf = NULL;
}

/* --stack-lex: a span lexicon per inner fold; an article's lines are scored
 * on its first item. */
typedef struct lex_source {
    const us_corpus *c;
    const us_dataset *ds;
    const us_train_cfg *cfg;
    uint32_t L;
    us_fz fz;
    us_spanlex_build lb;
    us_spanlex sl;
    float *lines;
    size_t cap_lines;
} lex_source;

static int lex_fit(void *ud, const uint8_t *art_f, uint32_t f, uint32_t K, us_err *err)
{
    lex_source *s = ud;
    (void)f;
    (void)K;
    int rc = us_spanlex_train(s->ds, art_f, &s->cfg->feat, s->cfg->lex_bits, s->cfg->lex_alpha,
                              &s->lb, err);
    if (rc == US_OK) us_spanlex_view(&s->lb, &s->sl);
    return rc;
}

static int lex_score(void *ud, const us_text *t, const us_article *ar, size_t i, int fresh,
                     float *row, us_err *err)
{
    lex_source *s = ud;
    if (fresh) {
        if (t->n_lines * s->L > s->cap_lines) {
            float *nl = us_realloc(s->lines, t->n_lines * s->L * sizeof *nl);
            if (!nl) return us_err_set(err, US_ENOMEM, "out of memory");
            s->lines = nl;
            s->cap_lines = t->n_lines * s->L;
        }
        us_spanlex_line_scores(&s->sl, &s->fz, t, ar->lang, s->lines);
    }
    uint32_t line = s->c->par_line[i] - 1;
    if (line < t->n_lines) memcpy(row, s->lines + (size_t)line * s->L, s->L * sizeof *row);
    else memset(row, 0, s->L * sizeof *row);
    return US_OK;
}

static void lex_done(void *ud)
{
    lex_source *s = ud;
    us_spanlex_build_fini(&s->lb);
}

static int stack_span_inputs(const us_corpus *c, const us_dataset *ds, const us_train_cfg *cfg,
                             uint32_t K, const float *prob, const uint8_t *use, size_t n,
                             uint32_t L, float *S, us_err *err)
{
    span_source s = {.c = c, .ds = ds, .cfg = cfg, .prob = prob, .L = L};
    inner_source src = {span_fit, span_score, span_done, &s};
    return inner_fold_inputs(c, ds, K, use, n, L, S, &src, err);
}

static int stack_lex_inputs(const us_corpus *c, const us_dataset *ds, const us_train_cfg *cfg,
                            uint32_t K, const uint8_t *use, size_t n, uint32_t L, float *S,
                            us_err *err)
{
    lex_source s = {.c = c, .ds = ds, .cfg = cfg, .L = L};
    us_fz_init(&s.fz, &cfg->feat);
    inner_source src = {lex_fit, lex_score, lex_done, &s};
    int rc = inner_fold_inputs(c, ds, K, use, n, L, S, &src, err);
    us_fz_fini(&s.fz);
    us_free(s.lines);
    return rc;
}

/* The layout of the second stage cfg asks for (stack.h), 0 for none. */
static uint32_t stack_layout(const us_train_cfg *cfg)
{
    if (!cfg->stack) return 0;
    if (cfg->stack_lex) return US_STACK_D_CUE_LEX;
    if (cfg->stack_cues) return cfg->stack_spans ? US_STACK_D_CUE_SPAN : US_STACK_D_CUE;
    return cfg->stack_spans ? US_STACK_D_SPAN : US_STACK_D;
}

/* The techniques head's second stage (stack.h), fitted on the inner-fold
 * probabilities 'prob' of the items with use[i] set. Its threshold is one
 * global value, tuned on cross-fitted second-stage probabilities: the stage
 * is calibrated per language already, and per-label or per-language
 * thresholds overfit the small languages (docs/ACCURACY.md). */
static int stack_heads(const us_corpus *c, const us_dataset *ds, const us_train_cfg *cfg,
                       uint32_t K, const float *prob, const uint32_t *Y, const uint8_t *use,
                       size_t n, uint32_t L, us_head_build *h, us_err *err)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += use[i] != 0;
    float *P = us_malloc((m ? m : 1) * L * sizeof *P), *P2 = us_malloc((m ? m : 1) * L * sizeof *P2);
    float *X = us_malloc((m ? m : 1) * US_STACK_X * sizeof *X);
    uint32_t D = stack_layout(cfg);
    float *Sall = NULL, *S = NULL;   /* span or lexicon inputs per item, then per stacked row */
    int spans = us_stack_reads_spans(D), lex = us_stack_reads_lex(D), per_tech = spans || lex;
    if (per_tech) {
        Sall = us_malloc((n ? n : 1) * L * sizeof *Sall);
        S = us_malloc((m ? m : 1) * L * sizeof *S);
    }
    uint32_t *Yc = us_malloc((m ? m : 1) * sizeof *Yc), *g = us_malloc((m ? m : 1) * sizeof *g);
    int *lang = us_malloc((m ? m : 1) * sizeof *lang);
    uint8_t *fold = us_malloc(m ? m : 1), *in = us_malloc(m ? m : 1);
    int rc = US_OK;
    if (!P || !P2 || !X || !Yc || !g || !lang || !fold || !in ||
        (per_tech && (!Sall || !S))) {
        rc = us_err_set(err, US_ENOMEM, "out of memory");
        goto out;
    }
    if (spans && (rc = stack_span_inputs(c, ds, cfg, K, prob, use, n, L, Sall, err)) != US_OK)
        goto out;
    if (lex && (rc = stack_lex_inputs(c, ds, cfg, K, use, n, L, Sall, err)) != US_OK)
        goto out;
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (!use[i]) continue;
        const us_article *a = &ds->arts[c->par_art[i]];
        memcpy(P + r * L, prob + i * L, L * sizeof *P);
        memcpy(X + r * US_STACK_X, c->par_rep + i * US_LINE_STATS, US_STACK_X * sizeof *X);
        if (S) memcpy(S + r * L, Sall + i * L, L * sizeof *S);
        Yc[r] = Y[i];
        g[r] = c->par_art[i];
        lang[r] = a->lang;
        fold[r] = (uint8_t)us_fold_of(a->id, INNER_FOLD_SEED, K);
        r++;
    }
    float w[US_MAX_LABELS * US_STACK_D_MAX];
    memcpy(P2, P, m * L * sizeof *P2);
    for (uint32_t f = 0; f < K; f++) {   /* cross-fitted outputs for the threshold */
        for (size_t i = 0; i < m; i++) in[i] = fold[i] != f;
        if ((rc = us_stack_fit_spans(P, X, S, Yc, lang, g, in, m, L, cfg->min_pos_thr, D, w,
                                     err)) != US_OK)
            goto out;
        for (size_t s = 0, e; s < m; s = e) {
            e = us_stack_group_end(g, s, m);
            if (!in[s])
                us_stack_apply_spans(w, D, L, lang[s], P2 + s * L, e - s, L * sizeof *P2,
                                     X + s * US_STACK_X, S ? S + s * L : NULL);
        }
    }
    memset(in, 1, m);
    if ((rc = us_stack_fit_spans(P, X, S, Yc, lang, g, in, m, L, cfg->min_pos_thr, D, h->stack,
                                 err)) != US_OK)
        goto out;
    h->has_stack = 1;
    h->stack_d = D;
    double f0, f1;
    float t0 = best_global(P, Yc, in, m, L, &f0), t1 = best_global(P2, Yc, in, m, L, &f1);
    progress(cfg, "techniques: first stage %.4f at %.2f, with article context %.4f at %.2f",
             f0, t0, f1, t1);
    for (int row = 0; row < US_THR_ROWS; row++)
        for (uint32_t l = 0; l < L; l++) h->thr[row][l] = t1;
out:
    us_free(P); us_free(P2); us_free(X); us_free(Yc); us_free(g); us_free(lang); us_free(fold); us_free(in);
    us_free(Sall); us_free(S);
    return rc;
}

/* The items of use[] whose article is in language lang, into out (n);
 * items are articles (par_art NULL) or paragraphs of article par_art[k].
 * Returns how many. */
static size_t lang_items(const us_dataset *ds, const uint32_t *par_art, const uint8_t *use,
                         size_t n, int lang, uint8_t *out)
{
    size_t n_use = 0;
    for (size_t k = 0; k < n; k++) {
        out[k] = use[k] && ds->arts[par_art ? par_art[k] : k].lang == lang;
        n_use += out[k];
    }
    return n_use;
}

/* Framing with the nearest articles (knn.h): blends each inner-fold
 * probability with the vote of the training articles outside its inner fold,
 * then tunes one threshold per language with training articles (rows 1+) on
 * the blends. Per-label thresholds over the blends lost 0.01-0.02 in the
 * prototype (P19). Row 0, already tuned on the unblended probabilities, stays:
 * articles of another language get no vote (left out of training, each
 * language scored 0.012 higher on average with it than with a threshold
 * tuned on blends, docs/ACCURACY.md step 76); so does a language's row when
 * it has no training articles. */
static int knn_thresholds(const us_dataset *ds, const uint8_t *art_in,
                          const us_train_cfg *cfg, uint32_t K, float *prob, const uint32_t *Y,
                          const uint8_t *use, size_t n, uint32_t L, us_head_build *h, us_err *err)
{
    us_knn_build kb;
    int rc = us_knn_train(ds, art_in, &cfg->feat, cfg->knn_k, cfg->knn_weight, &kb, err);
    if (rc != US_OK) return rc;
    uint32_t A = kb.view.n_arts;
    uint8_t *fold = us_malloc(A ? A : 1), *skip = us_malloc(A ? A : 1);
    uint8_t *use_lang = us_malloc(n ? n : 1);
    us_fz fz;
    us_fz_init(&fz, &cfg->feat);
    us_text t;
    us_text_init(&t);
    us_knn_scratch ks;
    memset(&ks, 0, sizeof ks);
    if (!fold || !skip || !use_lang) rc = us_err_set(err, US_ENOMEM, "out of memory");
    for (uint32_t j = 0; j < A && rc == US_OK; j++)
        fold[j] = (uint8_t)us_fold_of(ds->arts[kb.art_of[j]].id, INNER_FOLD_SEED, K);
    for (size_t i = 0; i < n && rc == US_OK; i++) {
        const us_article *ar = &ds->arts[i];   /* framing items are the articles */
        if (!use[i] || !ar->text[US_TASK_FRAMING]) continue;
        uint8_t f = (uint8_t)us_fold_of(ar->id, INNER_FOLD_SEED, K);
        for (uint32_t j = 0; j < A; j++) skip[j] = fold[j] == f;
        if ((rc = us_text_tokenize(&t, ar->text[US_TASK_FRAMING], ar->len[US_TASK_FRAMING], err)))
            break;
        float pk[US_MAX_LABELS];
        int m = us_knn_vote(&kb.view, &ks, &fz, &t, ar->lang, skip, pk, NULL, NULL);
        if (m < 0) rc = us_err_set(err, US_ENOMEM, "out of memory");
        else if (m > 0) us_knn_blend(&kb.view, pk, prob + i * L);
    }
    if (rc == US_OK) {
        double f1;
        float global = best_global(prob, Y, use, n, L, &f1);
        progress(cfg, "framing: with the %u nearest articles, global threshold %.2f (OOF "
                 "micro-F1 %.4f)", cfg->knn_k, global, f1);
        for (int r = 1; r < US_THR_ROWS; r++) {
            size_t n_use = lang_items(ds, NULL, use, n, r - 1, use_lang);
            if (!n_use) { memcpy(h->thr[r], h->thr[0], L * sizeof(float)); continue; }
            float th = best_global(prob, Y, use_lang, n, L, &f1);
            for (uint32_t l = 0; l < L; l++) h->thr[r][l] = th;
        }
    }
    us_knn_scratch_fini(&ks);
    us_text_fini(&t);
    us_fz_fini(&fz);
    us_free(fold); us_free(skip); us_free(use_lang);
    us_knn_build_fini(&kb);
    return rc;
}

void us_head_build_fini(us_head_build *h)
{
    us_linear_fini(&h->lin);
    memset(h, 0, sizeof *h);
}

int us_train_heads(const us_corpus *c, const us_dataset *ds, const uint8_t *art_in,
                   const us_train_cfg *cfg, us_head_build heads[US_N_TASKS], us_err *err)
{
    memset(heads, 0, US_N_TASKS * sizeof *heads);
    uint32_t Kt[US_N_TASKS];
    for (int t = 0; t < US_N_TASKS; t++) {
        Kt[t] = cfg->inner_folds >= 2 ? cfg->inner_folds : 0;
        if (t == US_TASK_TECHNIQUES && cfg->stack && Kt[t]) Kt[t] = cfg->stack_folds;
        if (Kt[t] > 8) return us_err_set(err, US_EINVAL, "at most 8 inner folds");
    }
    job jobs[US_N_TASKS * 9];
    size_t n_jobs = 0;
    int rc = US_OK;
    memset(jobs, 0, sizeof jobs);
    /* Inner fold of every item, from its article id (seed differs from outer CV). */
    for (int t = 0; t < US_N_TASKS; t++) {
        if (!(cfg->tasks >> t & 1u)) continue;
        const us_fvec *X = t < 2 ? c->art_x[t] : c->par_x;
        const uint32_t *Y = t < 2 ? c->art_y[t] : c->par_y;
        size_t n = t < 2 ? c->n_arts : c->n_paras;
        int softmax = cfg->p[t].softmax;
        uint32_t K = Kt[t];
        /* fold -1 = the final model; 0..K-1 = inner folds (multi-label only) */
        for (int f = -1; f < (softmax ? 0 : (int)K); f++) {
            job *j = &jobs[n_jobs++];
            j->task = t;
            j->fold = f;
            j->X = X;
            j->Y = Y;
            j->n_items = n;
            j->mask = us_calloc(n ? n : 1, 1);
            if (!j->mask) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto done; }
            for (size_t i = 0; i < n; i++) {
                size_t art = t < 2 ? i : c->par_art[i];
                int has = t < 2 ? c->art_has[t][i] : 1;
                if (!has || (art_in && !art_in[art])) continue;
                if (f >= 0 && us_fold_of(ds->arts[art].id, INNER_FOLD_SEED, K) == (uint32_t)f)
                    continue;
                j->mask[i] = 1;
            }
        }
    }
    pool pl = {jobs, n_jobs, 0, PTHREAD_MUTEX_INITIALIZER, cfg};
    int nt = cfg->threads < 1 ? 1 : cfg->threads > 16 ? 16 : cfg->threads;
    pthread_t th[16];
    int started = 0;
    for (int i = 0; i < nt && i < (int)n_jobs; i++)
        if (pthread_create(&th[i], NULL, worker, &pl) == 0) started++;
    if (started == 0) worker(&pl);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    for (size_t i = 0; i < n_jobs; i++)
        if (jobs[i].rc != US_OK) { rc = us_err_set(err, jobs[i].rc, "%s", jobs[i].err.msg); goto done; }

    /* Assemble heads: final model + thresholds from OOF probabilities. */
    for (int t = 0; t < US_N_TASKS; t++) {
        if (!(cfg->tasks >> t & 1u)) continue;
        us_head_build *h = &heads[t];
        uint32_t L = (uint32_t)us_tax_n_labels((us_task)t), K = Kt[t];
        h->present = 1;
        h->softmax = cfg->p[t].softmax;
        for (int r = 0; r < US_THR_ROWS; r++)
            for (uint32_t l = 0; l < L; l++) h->thr[r][l] = h->softmax ? 0.0f : 0.5f;
        job *final = NULL;
        for (size_t i = 0; i < n_jobs; i++)
            if (jobs[i].task == t && jobs[i].fold < 0) final = &jobs[i];
        h->lin = final->lin;
        memset(&final->lin, 0, sizeof final->lin);
        if (h->softmax || K == 0) continue;
        size_t n = final->n_items;
        float *prob = us_calloc(n ? n * L : 1, sizeof(float));
        uint8_t *use = us_calloc(n ? n : 1, 1);
        if (!prob || !use) {
            us_free(prob); us_free(use);
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n_jobs; i++) {
            job *j = &jobs[i];
            if (j->task != t || j->fold < 0) continue;
            for (size_t k = 0; k < n; k++) {
                if (!final->mask[k] || j->mask[k]) continue;   /* held out of this fold */
                if (t == US_TASK_TECHNIQUES && c->par_line[k] == 0) continue;  /* span item */
                us_linear_score(&j->lin, &j->X[k], prob + k * L);
                us_probs(prob + k * L, L, 0);
                use[k] = 1;
            }
        }
        if (t == US_TASK_TECHNIQUES && cfg->stack) {
            rc = stack_heads(c, ds, cfg, K, prob, final->Y, use, n, L, h, err);
            us_free(prob);
            us_free(use);
            if (rc != US_OK) goto done;
            continue;
        }
        double f1;
        float global = best_global(prob, final->Y, use, n, L, &f1);
        float init[US_MAX_LABELS];
        for (uint32_t l = 0; l < L; l++) init[l] = global;
        double f_all = tune_micro(prob, final->Y, use, n, L, init, cfg->min_pos_thr, h->thr[0]);
        progress(cfg, "%s: global threshold %.2f (OOF micro-F1 %.4f), per label %.4f",
                 us_task_name((us_task)t), global, f1, f_all);
        if (t == US_TASK_FRAMING && cfg->knn_k && f_all >= 0) {
            rc = knn_thresholds(ds, art_in, cfg, K, prob, final->Y, use, n, L, h, err);
            us_free(prob);
            us_free(use);
            if (rc != US_OK) goto done;
            continue;
        }
        uint8_t *use_lang = us_malloc(n ? n : 1);
        if (!use_lang || f_all < 0) {
            us_free(prob); us_free(use); us_free(use_lang);
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            goto done;
        }
        /* Row 1+lang: the same ascent on that language's items, from row 0.
         * Label priors differ a lot between languages; one row fits none. */
        for (int r = 1; r < US_THR_ROWS; r++) {
            size_t n_use = lang_items(ds, t < 2 ? NULL : c->par_art, use, n, r - 1, use_lang);
            memcpy(h->thr[r], h->thr[0], L * sizeof(float));
            if (n_use && tune_micro(prob, final->Y, use_lang, n, L, h->thr[0], cfg->min_pos_thr,
                                    h->thr[r]) < 0) {
                us_free(prob); us_free(use); us_free(use_lang);
                rc = us_err_set(err, US_ENOMEM, "out of memory");
                goto done;
            }
        }
        us_free(use_lang);
        us_free(prob);
        us_free(use);
    }
done:
    for (size_t i = 0; i < n_jobs; i++) {
        us_linear_fini(&jobs[i].lin);
        us_free(jobs[i].mask);
    }
    if (rc != US_OK)
        for (int t = 0; t < US_N_TASKS; t++) us_head_build_fini(&heads[t]);
    return rc;
}

int us_train_meta(const us_dataset *ds, const us_train_cfg *cfg, const char *langs, char **meta)
{
    /* Data hash: ids, texts and labels of every article, in load order. */
    uint64_t h = 0x756e7370696e;
    for (size_t i = 0; i < ds->n; i++) {
        const us_article *a = &ds->arts[i];
        h = us_hash64(a->id, strlen(a->id), h);
        for (int t = 0; t < US_N_TASKS; t++)
            if (a->text[t]) h = us_hash64(a->text[t], a->len[t], h);
        uint32_t lab[3] = {(uint32_t)a->genre, a->frames, (uint32_t)a->has_frames};
        h = us_hash64(lab, sizeof lab, h);
        if (a->line_labels) h = us_hash64(a->line_labels, a->n_lines * sizeof(uint32_t), h);
    }
    us_buf b;
    us_buf_init(&b);
    /* The fields before w_lex, as before it existed, so that models without a
     * lexicon keep their ids; the lexicon enters below. */
    _Static_assert(offsetof(us_feat_cfg, w_lex) == 12 * 4, "the version-4 fields come first");
    uint64_t cfg_hash = us_hash64(&cfg->feat, offsetof(us_feat_cfg, w_lex), h);
    uint64_t extra[7] = {US_FEAT_VERSION, (uint64_t)cfg->span_items, (uint64_t)cfg->idf,
                         (uint64_t)cfg->spans, cfg->inner_folds,
                         stack_layout(cfg),
                         cfg->stack_folds};
    cfg_hash = us_hash64(extra, sizeof extra, cfg_hash);
    int with_lex = cfg->lex && cfg->n_lex && cfg->feat.w_lex > 0;
    if (with_lex) {
        cfg_hash = us_hash64(&cfg->feat.w_lex, sizeof cfg->feat.w_lex, cfg_hash);
        cfg_hash = us_hash64(cfg->lex, (size_t)cfg->n_lex * 8, cfg_hash);
    }
    /* Table sizes and the lexicon's format and smoothing: models differing
     * only there differ in their bytes too. */
    if (cfg->spans) cfg_hash = us_hash64(&cfg->span.bucket_bits, sizeof cfg->span.bucket_bits, cfg_hash);
    if (cfg->spans)   /* the span tagger's inside bias (--span-bias; 0.8 since step 77) */
        cfg_hash = us_hash64(&cfg->span.inside_bias, sizeof cfg->span.inside_bias,
                             cfg_hash ^ 0x62696173);
    if (us_stack_reads_lex(stack_layout(cfg))) {
        uint32_t v[2] = {US_SPANLEX_FORMAT, cfg->lex_bits};
        cfg_hash = us_hash64(v, sizeof v, cfg_hash);
        if (cfg->lex_alpha != US_SPANLEX_ALPHA)   /* (so that the default keeps its id) */
            cfg_hash = us_hash64(&cfg->lex_alpha, sizeof cfg->lex_alpha, cfg_hash);
    }
    if (cfg->feat.ctx_blocks)
        cfg_hash = us_hash64(&cfg->feat.ctx_blocks, sizeof cfg->feat.ctx_blocks, cfg_hash);
    if (cfg->knn_k && (cfg->tasks & 2)) {
        /* 2: threshold row 0 tuned without the vote (step 76), so new bytes get a new id */
        float v[3] = {(float)cfg->knn_k, cfg->knn_weight, 2.0f};
        cfg_hash = us_hash64(v, sizeof v, cfg_hash ^ 0x6b6e6e);
    }
    for (int t = 0; t < US_N_TASKS; t++) {
        const us_train_params *p = &cfg->p[t];
        uint32_t hb = us_train_head_bits(cfg, t);
        if (hb < cfg->feat.bucket_bits && (cfg->tasks >> t & 1u))
            cfg_hash = us_hash64(&hb, sizeof hb, cfg_hash ^ (uint64_t)(t + 1));
        uint64_t v[4] = {p->epochs, (uint64_t)p->softmax, p->seed, (uint64_t)p->balance_classes};
        float f[3] = {p->lr, p->l2, p->pos_weight};
        cfg_hash = us_hash64(v, sizeof v, cfg_hash);
        cfg_hash = us_hash64(f, sizeof f, cfg_hash);
        if (p->average) cfg_hash = us_hash64(&p->average, sizeof p->average, cfg_hash);
    }
    us_buf_printf(&b, "model_id=%016llx\n", (unsigned long long)cfg_hash);
    us_buf_printf(&b, "unspin_version=%s\n", US_VERSION);
    us_buf_printf(&b, "data_hash=%016llx\n", (unsigned long long)h);
    us_buf_printf(&b, "languages=%s\n", langs && *langs ? langs : "en,fr,ge,it,po,ru");
    us_buf_printf(&b, "articles=%zu\n", ds->n);
    us_buf_printf(&b, "tasks=%s%s%s\n", cfg->tasks & 1 ? "genre " : "",
                  cfg->tasks & 2 ? "framing " : "", cfg->tasks & 4 ? "techniques" : "");
    us_buf_printf(&b, "features=bits:%u seed:%u word_n:%u char_n:%u-%u w:%g/%g/%g/%g/%g%s\n",
                  cfg->feat.bucket_bits, cfg->feat.seed, cfg->feat.word_max_n,
                  cfg->feat.char_min_n, cfg->feat.char_max_n, cfg->feat.w_word,
                  cfg->feat.w_bigram, cfg->feat.w_char, cfg->feat.w_cue, cfg->feat.w_ctx,
                  cfg->feat.ctx_blocks ? " ctx:blocks" : "");
    for (int t = 0; t < US_N_TASKS; t++) {
        const us_train_params *p = &cfg->p[t];
        uint32_t hb = us_train_head_bits(cfg, t);
        us_buf_printf(&b, "train.%s=%s epochs:%u lr:%g l2:%g pos_weight:%g balance:%d seed:%llu%s",
                      us_task_name((us_task)t), p->softmax ? "softmax" : "ovr-logistic",
                      p->epochs, p->lr, p->l2, p->pos_weight, p->balance_classes,
                      (unsigned long long)p->seed, p->average ? " average:1" : "");
        if (hb < cfg->feat.bucket_bits) us_buf_printf(&b, " rows:2^%u", hb);
        us_buf_putc(&b, '\n');
    }
    us_buf_printf(&b, "thresholds=inner-cv:%u min_pos:%u\n", cfg->inner_folds, cfg->min_pos_thr);
    if (cfg->knn_k && (cfg->tasks & 2))
        us_buf_printf(&b, "framing.knn=k:%u weight:%g, one threshold per language; "
                      "no vote: the head's own thresholds\n", cfg->knn_k, (double)cfg->knn_weight);
    us_buf_printf(&b, "techniques.stack=%s\n", cfg->stack ?
                  "article context, one global threshold" : "none");
    if (cfg->stack) us_buf_printf(&b, "techniques.inner_folds=%u\n", cfg->stack_folds);
    uint32_t D = stack_layout(cfg);   /* what the second stage reads */
    if (us_stack_reads_spans(D))
        us_buf_printf(&b, "techniques.stack_spans=span tagger of each inner fold, from p >= %g\n",
                      (double)US_STACK_SPAN_FLOOR);
    if (us_stack_n_x(D) > US_REPEAT_STATS)
        us_buf_printf(&b, "techniques.stack_cues=%d line cue statistics\n", US_LINE_CUES);
    if (us_stack_reads_lex(D))
        us_buf_printf(&b, "techniques.stack_lex=span lexicon of each inner fold, bits:%u alpha:%g levels:%d\n",
                      cfg->lex_bits, cfg->lex_alpha, US_SPANLEX_LEVELS);
    us_buf_printf(&b, "span_items=%d\n", cfg->span_items);
    us_buf_printf(&b, "idf=%s\n", cfg->idf ? "smooth idf over training paragraphs" : "none");
    if (with_lex)
        us_buf_printf(&b, "lexicon=%u words, weight %g\n", cfg->n_lex, cfg->feat.w_lex);
    if (cfg->spans)
        us_buf_printf(&b, "spans=bio-perceptron bits:%u epochs:%u inside_bias:%g seed:%u\n",
                      cfg->span.bucket_bits, cfg->span.epochs, cfg->span.inside_bias,
                      cfg->span.seed);
    us_buf_printf(&b, "quantization=int8 per-bucket scale\n");
    if (b.oom) { us_buf_fini(&b); return US_ENOMEM; }
    *meta = b.data;
    return US_OK;
}
