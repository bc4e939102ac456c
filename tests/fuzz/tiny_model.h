/* tiny_model.h -- a small, deterministic, valid unspin model built in memory.
 *
 * Shared by the fuzz targets (fuzz_mfile, fuzz_analyze, fuzz_batch_line) and the fault-injection
 * unit test. bucket_bits = 11, all three heads (framing and techniques with
 * 2^10 rows, the minimum the loader accepts: two buckets a row, as in the
 * default model) and the techniques head's second stage, pseudo-random weights in [-1, 1] and
 * thresholds of 0.5, so that some labels fire and the explanation and JSON
 * paths run, a four-word valence lexicon (LEXI) and a span lexicon of 2^10
 * random rows (SLEX, read by the second stage), and a nearest-article index
 * of four French and two English articles (KNN1, blended into framing). The
 * default features, so context blocks (FCFG version 6). About 104 KB serialised.
 * Header-only (static functions): include it from exactly one .c per binary. */
#ifndef US_TINY_MODEL_H
#define US_TINY_MODEL_H

#include <stdlib.h>
#include <string.h>
#include "task/model.h"

/* Writes the KNN1 section of a six-article index (k 3, weight 0.35). */
__attribute__((unused)) static int tiny_knn(const us_feat_cfg *cfg, us_mfw *w)
{
    static const char *const TEXT[] = {
        "Le gouvernement a menti sur le budget.\n", "Le budget et la dette: un désastre.\n",
        "La police a arrêté le traître.\n", "Le traître a menti à la police.\n",
        "They say the budget is a disaster.\n", "Liars run the police.\n"};
    us_article arts[6];
    memset(arts, 0, sizeof arts);
    for (int a = 0; a < 6; a++) {
        arts[a].id[0] = (char)('1' + a);
        arts[a].lang = a < 4 ? 1 : 0;   /* fr, en */
        arts[a].genre = -1;
        arts[a].has_frames = 1;
        arts[a].frames = a % 2 ? 1u : 1u << 6 | 1u << 12;
        arts[a].text[US_TASK_FRAMING] = (char *)(uintptr_t)TEXT[a];   /* read only */
        arts[a].len[US_TASK_FRAMING] = strlen(TEXT[a]);
    }
    us_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.arts = arts;
    ds.n = ds.cap = 6;
    us_knn_build kb;
    int rc = us_knn_train(&ds, NULL, cfg, 3, 0.35f, &kb, NULL);
    if (rc == US_OK) rc = us_knn_write(&kb, w, NULL);
    us_knn_build_fini(&kb);
    return rc;
}

/* Builds the tiny model's bytes. OUT: *out (us_free), *out_len. Returns US_OK,
 * or US_ENOMEM (and the like) with nothing to free. */
__attribute__((unused)) static int tiny_model_bytes(void **out, size_t *out_len)
{
    us_feat_cfg cfg;
    us_head_build heads[US_N_TASKS];
    us_mfw *w = NULL;
    int rc = US_OK;
    uint64_t st = 42;
    us_feat_cfg_default(&cfg);
    cfg.bucket_bits = 11;
    cfg.w_lex = 1.0f;
    memset(heads, 0, sizeof heads);
    static const char LEX[] = "en\tliars\t-3\nen\tgreat\t3\nfr\thonte\t-2\nru\tложь\t-3\n";
    uint64_t *lex = NULL;
    uint32_t n_lex = 0;
    rc = us_lex_parse(&cfg, LEX, sizeof LEX - 1, "tiny", &lex, &n_lex, NULL);
    for (int t = 0; t < US_N_TASKS && rc == US_OK; t++) {
        uint32_t L = (uint32_t)us_tax_n_labels((us_task)t);
        us_head_build *h = &heads[t];
        uint32_t rows_bits = t == US_TASK_GENRE ? cfg.bucket_bits : 10;
        rc = us_linear_init(&h->lin, 1u << rows_bits, L, NULL);
        if (rc != US_OK) break;
        h->present = 1;
        h->softmax = t == US_TASK_GENRE;
        for (size_t i = 0; i < (size_t)L << rows_bits; i++)
            h->lin.w[i] = (float)((int)(us_splitmix64(&st) % 2001) - 1000) / 1000.0f;
        for (uint32_t l = 0; l < L; l++)
            h->lin.b[l] = (float)((int)(us_splitmix64(&st) % 201) - 100) / 100.0f;
        /* thresholds: 0.5 everywhere, whatever the shape of 'thr' (per language rows) */
        float *thr = (float *)(void *)&h->thr;
        for (size_t i = 0; i < sizeof h->thr / sizeof(float); i++) thr[i] = 0.5f;
        if (t == US_TASK_TECHNIQUES) {   /* the second stage (STK1), so fuzzing reaches it */
            h->has_stack = 1;
            h->stack_d = US_STACK_D_CUE_LEX;   /* with the span lexicon (SLEX) */
            for (size_t i = 0; i < (size_t)L * US_STACK_D_CUE_LEX; i++)
                h->stack[i] = (float)((int)(us_splitmix64(&st) % 2001) - 1000) / 1000.0f;
        }
    }
    if (rc == US_OK)
        rc = us_model_build(&cfg, heads, NULL, lex, n_lex, "model_id=tiny-fuzz\nseed=42\n", &w,
                            NULL);
    us_spanlex_build sl = {.bits = 10};
    sl.rows = rc == US_OK ? us_calloc((size_t)1 << sl.bits, US_SPANLEX_ROW) : NULL;
    if (rc == US_OK && !sl.rows) rc = US_ENOMEM;
    if (rc == US_OK) {
        for (int k = 0; k < US_N_TECHNIQUES; k++)
            for (int j = 0; j < US_SPANLEX_LEVELS; j++) sl.level[k][j] = 0.5f * (float)(j - 6);
        for (size_t f = 0; f < ((size_t)1 << sl.bits); f++)
            for (int k = 0; k < US_N_TECHNIQUES; k++)
                sl.rows[f * US_SPANLEX_ROW + (size_t)k / 2] |=
                    (uint8_t)((us_splitmix64(&st) % US_SPANLEX_LEVELS) << (4 * (k & 1)));
        rc = us_spanlex_write(&sl, w, NULL);
    }
    us_spanlex_build_fini(&sl);
    if (rc == US_OK) rc = tiny_knn(&cfg, w);
    if (rc == US_OK) rc = us_mfw_to_memory(w, US_MFILE_MINOR, out, out_len, NULL);
    us_mfw_free(w);
    us_free(lex);
    for (int t = 0; t < US_N_TASKS; t++) us_linear_fini(&heads[t].lin);
    return rc;
}

/* Recomputes every section CRC whose range fits the buffer, then the header CRC,
 * so that a mutated model gets past the checksums to the deeper checks. */
__attribute__((unused)) static void tiny_model_resign(unsigned char *p, size_t n)
{
    if (n < 32) return;
    uint32_t count = us_get_u32le(p + 12);
    if (count > US_MFILE_MAX_SECTIONS || 32 + (uint64_t)24 * count > n) return;
    for (uint32_t i = 0; i < count; i++) {
        unsigned char *e = p + 32 + 24 * (size_t)i;
        uint64_t off = us_get_u64le(e + 8), len = us_get_u64le(e + 16);
        if (off <= n && len <= n - off) us_put_u32le(e + 4, us_crc32c(0, p + off, (size_t)len));
    }
    uint32_t crc = us_crc32c(0, p, 24);
    crc = us_crc32c(crc, p + 32, 24 * (size_t)count);
    us_put_u32le(p + 24, crc);
}

/* The model the analysis targets run on, loaded once: $UNSPIN_FUZZ_MODEL
 * (e.g. models/default.usm) when set, else the tiny one. Traps when neither
 * loads. */
__attribute__((unused)) static const us_model *fuzz_model(void)
{
    static us_model *m;
    if (m) return m;
    const char *path = getenv("UNSPIN_FUZZ_MODEL");
    if (path && *path) {
        m = us_model_load(path, NULL);
    } else {
        void *p;
        size_t n;
        if (tiny_model_bytes(&p, &n) == US_OK) {
            m = us_model_load_memory(p, n, NULL);
            us_free(p);
        }
    }
    if (!m) __builtin_trap();
    return m;
}

#endif
