/* model.c -- (de)serialising the unspin model through the .usm container. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "model.h"

static const char *const head_ids[US_N_TASKS] = {"GENR", "FRAM", "TECH"};

/* Offset of the weight rows in a head section: after bias and thresholds,
 * 64-byte aligned so rows line up with cache lines in the mapped file. */
static size_t head_rows_off(uint32_t L)
{
    size_t off = 16 + 4 * (size_t)L * (1 + US_THR_ROWS);
    return (off + 63) & ~(size_t)63;
}

/* The label inventory text stored in LABL (and compared at load). */
static int labels_text(us_buf *b)
{
    for (int t = 0; t < US_N_TASKS; t++) {
        size_t n = us_tax_n_labels((us_task)t);
        for (size_t i = 0; i < n; i++) {
            if (i) us_buf_putc(b, ',');
            us_buf_puts(b, us_tax_label((us_task)t, i)->name);
        }
        us_buf_putc(b, '\n');
    }
    return b->oom ? US_ENOMEM : US_OK;
}

int us_model_build(const us_feat_cfg *fcfg, const us_head_build heads[US_N_TASKS],
                   const float *idf, const uint64_t *lex, uint32_t n_lex, const char *meta,
                   us_mfw **out, us_err *err)
{
    us_mfw *w = us_mfw_new();
    us_buf lab;
    us_buf_init(&lab);
    unsigned char *blob = NULL;
    int rc = US_OK;
    if (!w) return us_err_set(err, US_ENOMEM, "out of memory");
    unsigned char cfg[6 * 4 + 5 * 4 + 2 * 4 + 4 + 4];
    /* Without a lexicon and context blocks the section is the version-4 one,
     * byte for byte; without context blocks, the version-5 one. */
    int with_lex = lex && n_lex && fcfg->w_lex > 0;
    size_t cfg_size = fcfg->ctx_blocks ? sizeof cfg : with_lex ? sizeof cfg - 4 : sizeof cfg - 8;
    us_put_u32le(cfg + 0, fcfg->ctx_blocks ? US_FEAT_VERSION_CTX
                          : with_lex ? US_FEAT_VERSION_LEX : US_FEAT_VERSION);
    us_put_u32le(cfg + 4, fcfg->bucket_bits);
    us_put_u32le(cfg + 8, fcfg->seed);
    us_put_u32le(cfg + 12, fcfg->word_max_n);
    us_put_u32le(cfg + 16, fcfg->char_min_n);
    us_put_u32le(cfg + 20, fcfg->char_max_n);
    us_put_f32le(cfg + 24, fcfg->w_word);
    us_put_f32le(cfg + 28, fcfg->w_bigram);
    us_put_f32le(cfg + 32, fcfg->w_char);
    us_put_f32le(cfg + 36, fcfg->w_cue);
    us_put_f32le(cfg + 40, fcfg->w_ctx);
    us_put_u32le(cfg + 44, fcfg->char_linear);
    us_put_u32le(cfg + 48, fcfg->lang_words);
    us_put_f32le(cfg + 52, with_lex ? fcfg->w_lex : 0.0f);
    us_put_u32le(cfg + 56, fcfg->ctx_blocks);
    if ((rc = us_mfw_add(w, "META", meta, strlen(meta), err)) != US_OK) goto fail;
    if ((rc = us_mfw_add(w, "FCFG", cfg, cfg_size, err)) != US_OK)
        goto fail;
    if (with_lex) {
        blob = us_malloc((size_t)n_lex * 8);
        if (!blob) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
        for (uint32_t i = 0; i < n_lex; i++) {
            us_put_u32le(blob + 8 * (size_t)i, (uint32_t)lex[i]);
            us_put_u32le(blob + 8 * (size_t)i + 4, (uint32_t)(lex[i] >> 32));
        }
        rc = us_mfw_add(w, "LEXI", blob, (size_t)n_lex * 8, err);
        us_free(blob);
        blob = NULL;
        if (rc != US_OK) goto fail;
    }
    if ((rc = labels_text(&lab)) != US_OK) { us_err_set(err, rc, "out of memory"); goto fail; }
    if ((rc = us_mfw_add(w, "LABL", lab.data, lab.len, err)) != US_OK) goto fail;
    if (idf) {
        size_t nb = (size_t)1 << fcfg->bucket_bits;
        blob = us_malloc(nb * 4);
        if (!blob) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
        for (size_t f = 0; f < nb; f++) us_put_f32le(blob + 4 * f, idf[f]);
        rc = us_mfw_add(w, "IDF0", blob, nb * 4, err);
        us_free(blob);
        blob = NULL;
        if (rc != US_OK) goto fail;
    }
    for (int t = 0; t < US_N_TASKS; t++) {
        const us_head_build *h = &heads[t];
        if (!h->present) continue;
        uint32_t L = h->lin.n_labels, NB = h->lin.n_buckets, S = us_qlinear_stride(L);
        size_t rows_off = head_rows_off(L);
        size_t size = rows_off + (size_t)NB * S;
        blob = us_calloc(size, 1);
        float *b = us_malloc(L * sizeof *b);
        if (!blob || !b) {
            us_free(b);
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            goto fail;
        }
        us_linear_quantize(&h->lin, b, blob + rows_off);
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, NB);
        us_put_u32le(blob + 8, (uint32_t)h->softmax);
        unsigned char *p = blob + 16;
        for (uint32_t l = 0; l < L; l++, p += 4) us_put_f32le(p, b[l]);
        for (int r = 0; r < US_THR_ROWS; r++)
            for (uint32_t l = 0; l < L; l++, p += 4) us_put_f32le(p, h->thr[r][l]);
        us_free(b);
        rc = us_mfw_add(w, head_ids[t], blob, size, err);
        us_free(blob);
        blob = NULL;
        if (rc != US_OK) goto fail;
    }
    const us_head_build *ht = &heads[US_TASK_TECHNIQUES];
    if (ht->present && ht->has_stack) {
        uint32_t L = ht->lin.n_labels, D = ht->stack_d ? ht->stack_d : US_STACK_D;
        size_t size = 8 + 4 * (size_t)L * D;
        if (!(blob = us_malloc(size))) { rc = us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, D);
        for (size_t i = 0; i < (size_t)L * D; i++) us_put_f32le(blob + 8 + 4 * i, ht->stack[i]);
        rc = us_mfw_add(w, "STK1", blob, size, err);
        us_free(blob);
        blob = NULL;
        if (rc != US_OK) goto fail;
    }
    us_buf_fini(&lab);
    *out = w;
    return US_OK;
fail:
    us_buf_fini(&lab);
    us_free(blob);
    us_mfw_free(w);
    return rc;
}

static int host_is_little_endian(void)
{
    uint32_t x = 1;
    unsigned char c;
    memcpy(&c, &x, 1);
    return c == 1;
}

/* Section 'id' of mf, its CRC checked on first use. *rc: US_OK,
 * US_ENOTFOUND, or US_ECHECKSUM (err set, prefixed with 'name'). */
static int section(us_mfile *mf, const char *id, const void **p, size_t *n, const char *name,
                   int *rc, us_err *err)
{
    *rc = us_mfile_section_verified(mf, id, p, n, err);
    if (*rc == US_ECHECKSUM) us_err_prefix(err, "%s", name);
    return *rc;
}

/* Whether a model loaded for 'tasks' (0 = all) needs what task bit 'bit'
 * (US_DO_*; head t is bit 1 << t) uses. */
static int needs(int tasks, int bit) { return tasks == 0 || (tasks & bit); }

us_model *us_model_from_mfile(us_mfile *mf, const char *name, int tasks, us_err *err)
{
    const void *p;
    size_t n;
    int rc;
    if (!host_is_little_endian()) {
        us_err_set(err, US_EFORMAT, "%s: this build runs on a big-endian host; models are "
                   "little-endian", name);
        return NULL;
    }
    us_model *m = us_calloc(1, sizeof *m);
    if (!m) { us_err_set(err, US_ENOMEM, "out of memory"); return NULL; }
    us_buf lab;
    us_buf_init(&lab);
    if (section(mf, "FCFG", &p, &n, name, &rc, err) != US_OK || n < 44) {
        if (rc != US_ECHECKSUM) us_err_set(err, US_EFORMAT, "%s: missing or short FCFG section", name);
        goto fail;
    }
    const unsigned char *c = p;
    uint32_t fver = us_get_u32le(c);
    /* Version 3 is version 4 without the char_linear word (always 0). */
    if (fver < 3 || fver > US_FEAT_VERSION_CTX) {
        us_err_set(err, US_EVERSION, "%s: feature version %u, this unspin reads 3 to %u\n"
                   "HINT: retrain the model with this version (unspin train)", name, fver,
                   US_FEAT_VERSION_CTX);
        goto fail;
    }
    /* Each version adds a word: 44 bytes in version 3, then 52, 56, 60. */
    static const size_t fcfg_size[] = {0, 0, 0, 44, 52, 56, 60};
    _Static_assert(US_ARRAY_LEN(fcfg_size) == US_FEAT_VERSION_CTX + 1, "one size a version");
    if (n < fcfg_size[fver]) {
        us_err_set(err, US_EFORMAT, "%s: short FCFG section", name);
        goto fail;
    }
    m->fcfg.bucket_bits = us_get_u32le(c + 4);
    m->fcfg.seed = us_get_u32le(c + 8);
    m->fcfg.word_max_n = us_get_u32le(c + 12);
    m->fcfg.char_min_n = us_get_u32le(c + 16);
    m->fcfg.char_max_n = us_get_u32le(c + 20);
    m->fcfg.w_word = us_get_f32le(c + 24);
    m->fcfg.w_bigram = us_get_f32le(c + 28);
    m->fcfg.w_char = us_get_f32le(c + 32);
    m->fcfg.w_cue = us_get_f32le(c + 36);
    m->fcfg.w_ctx = us_get_f32le(c + 40);
    m->fcfg.char_linear = fver >= 4 ? us_get_u32le(c + 44) : 0;
    m->fcfg.lang_words = fver >= 4 ? us_get_u32le(c + 48) : 0;
    m->fcfg.w_lex = fver >= US_FEAT_VERSION_LEX ? us_get_f32le(c + 52) : 0.0f;
    m->fcfg.ctx_blocks = fver >= US_FEAT_VERSION_CTX ? us_get_u32le(c + 56) : 0;
    if (fver >= US_FEAT_VERSION_LEX) {
        /* Version 5 has a lexicon; version 6 may have none (0). */
        int none = fver >= US_FEAT_VERSION_CTX && m->fcfg.w_lex == 0.0f;
        if (!none && !(m->fcfg.w_lex > 0.0f && m->fcfg.w_lex < 100.0f)) {   /* also catches NaN */
            us_err_set(err, US_EFORMAT, "%s: invalid lexicon weight", name);
            goto fail;
        }
    }
    if (m->fcfg.bucket_bits < 10 || m->fcfg.bucket_bits > 24 || m->fcfg.word_max_n < 1 ||
        m->fcfg.word_max_n > 2 || m->fcfg.char_max_n > 8 || m->fcfg.char_linear > US_CHAR_LINEAR_PARAS ||
        m->fcfg.lang_words > 1 || m->fcfg.ctx_blocks > 1 ||
        (m->fcfg.ctx_blocks && !(m->fcfg.w_ctx > 0.0f && m->fcfg.w_ctx <= 4.0f)) ||
        (m->fcfg.char_min_n && m->fcfg.char_min_n > m->fcfg.char_max_n)) {
        us_err_set(err, US_EFORMAT, "%s: invalid feature configuration", name);
        goto fail;
    }
    if (labels_text(&lab) != US_OK) { us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
    if (section(mf, "LABL", &p, &n, name, &rc, err) != US_OK || n != lab.len ||
        memcmp(p, lab.data, n) != 0) {
        if (rc == US_ECHECKSUM) goto fail;
        us_err_set(err, US_EFORMAT, "%s: label inventory differs from this unspin's taxonomy\n"
                   "HINT: retrain the model with this version (unspin train)", name);
        goto fail;
    }
    uint32_t NB_expected = 1u << m->fcfg.bucket_bits;
    int n_heads = 0;
    for (int t = 0; t < US_N_TASKS; t++) {
        if (us_mfile_section(mf, head_ids[t], NULL, NULL) != US_OK) continue;
        n_heads++;   /* in the file, whether this program needs it or not */
        if (!needs(tasks, 1 << t)) continue;
        if (section(mf, head_ids[t], &p, &n, name, &rc, err) != US_OK) goto fail;
        const unsigned char *h = p;
        uint32_t L = n >= 16 ? us_get_u32le(h) : 0, NB = n >= 16 ? us_get_u32le(h + 4) : 0;
        uint32_t sm = n >= 16 ? us_get_u32le(h + 8) : 0;
        size_t want = L <= 32 ? head_rows_off(L) + (size_t)NB * us_qlinear_stride(L) : 0;
        /* A head has as many rows as there are buckets, or fewer (a power of
         * two, at least 2^10): then feature f uses row f >> shift. */
        uint32_t shift = 0;
        while (shift < 14 && NB < NB_expected >> shift) shift++;
        if (n < 16 || L != us_tax_n_labels((us_task)t) || NB != NB_expected >> shift ||
            NB < 1024 || sm > 1 || want != n) {
            us_err_set(err, US_EFORMAT, "%s: section %s is malformed (%zu bytes)", name,
                       head_ids[t], n);
            goto fail;
        }
        us_head *hd = &m->heads[t];
        hd->present = 1;
        hd->softmax = (int)sm;
        hd->q.n_labels = L;
        hd->q.n_buckets = NB;
        hd->q.shift = shift;
        hd->q.b = (const float *)(const void *)(h + 16);
        hd->thr = (const float *)(const void *)(h + 16 + 4 * (size_t)L);
        hd->q.stride = us_qlinear_stride(L);
        hd->q.rows = h + head_rows_off(L);
    }
    if (needs(tasks, US_DO_TECHNIQUES) && section(mf, "STK1", &p, &n, name, &rc, err) != US_ENOTFOUND) {
        if (rc != US_OK) goto fail;
        const unsigned char *h = p;
        uint32_t L = US_N_TECH_LABELS, D = n >= 8 ? us_get_u32le(h + 4) : 0;
        int known = us_stack_n_x(D) >= 0;
        if (!m->heads[US_TASK_TECHNIQUES].present || !known || n != 8 + 4 * (size_t)L * D ||
            us_get_u32le(h) != L) {
            us_err_set(err, US_EFORMAT, "%s: section STK1 is malformed (%zu bytes)", name, n);
            goto fail;
        }
        const float *sw = (const float *)(const void *)(h + 8);
        m->heads[US_TASK_TECHNIQUES].stack_d = D;
        for (size_t i = 0; i < (size_t)L * D; i++)
            if (!(fabsf(sw[i]) < 1e6f)) {   /* also catches NaN */
                us_err_set(err, US_EFORMAT, "%s: section STK1 holds an invalid weight", name);
                goto fail;
            }
        m->heads[US_TASK_TECHNIQUES].stack = sw;
    }
    if (section(mf, "IDF0", &p, &n, name, &rc, err) != US_ENOTFOUND) {
        if (rc != US_OK) goto fail;
        if (n != (size_t)NB_expected * 4) {
            us_err_set(err, US_EFORMAT, "%s: section IDF0 has %zu bytes, expected %zu", name, n,
                       (size_t)NB_expected * 4);
            goto fail;
        }
        m->idf = (const float *)p;
        for (uint32_t f = 0; f < NB_expected; f++)
            if (!(m->idf[f] >= 0.0f && m->idf[f] < 100.0f)) {   /* also catches NaN */
                us_err_set(err, US_EFORMAT, "%s: section IDF0 holds an invalid weight", name);
                goto fail;
            }
    }
    if (m->fcfg.w_lex > 0.0f) {
        if (section(mf, "LEXI", &p, &n, name, &rc, err) != US_OK) {
            if (rc == US_ENOTFOUND) us_err_set(err, US_EFORMAT, "%s: missing LEXI section", name);
            goto fail;
        }
        /* 8-byte little-endian keys; the section data is 8-byte aligned. */
        if (n == 0 || n % 8 || n / 8 > UINT32_MAX || ((uintptr_t)p & 7) ||
            us_lex_check((const uint64_t *)p, (uint32_t)(n / 8)) != US_OK) {
            us_err_set(err, US_EFORMAT, "%s: section LEXI is malformed (%zu bytes)", name, n);
            goto fail;
        }
        m->lex = (const uint64_t *)p;
        m->n_lex = (uint32_t)(n / 8);
    }
    /* A second stage that reads the span tagger needs it for techniques too. */
    int spans_for_stack = us_stack_reads_spans(m->heads[US_TASK_TECHNIQUES].stack_d) &&
                          needs(tasks, US_DO_TECHNIQUES);
    if ((needs(tasks, US_DO_SPANS) || spans_for_stack) &&
        us_span_load(mf, &m->spans, err) != US_OK) {
        us_err_prefix(err, "%s", name);
        goto fail;
    }
    if (us_stack_reads_lex(m->heads[US_TASK_TECHNIQUES].stack_d) && needs(tasks, US_DO_TECHNIQUES)) {
        if (us_spanlex_load(mf, &m->spanlex, err) != US_OK) {
            us_err_prefix(err, "%s", name);
            goto fail;
        }
        if (!m->spanlex.present) {
            us_err_set(err, US_EFORMAT, "%s: the techniques head reads the span lexicon, but the "
                       "model has no SLEX section", name);
            goto fail;
        }
    }
    if (needs(tasks, US_DO_FRAMES) && m->heads[US_TASK_FRAMING].present &&
        us_knn_load(mf, &m->knn, err) != US_OK) {
        us_err_prefix(err, "%s", name);
        goto fail;
    }
    if (n_heads == 0) {
        us_err_set(err, US_EFORMAT, "%s: the model has no task heads", name);
        goto fail;
    }
    if (spans_for_stack && !m->spans.present) {
        us_err_set(err, US_EFORMAT, "%s: the techniques head reads the span tagger, but the "
                   "model has no SPAN section", name);
        goto fail;
    }
    if (section(mf, "META", &p, &n, name, &rc, err) == US_OK) m->meta = us_strndup(p, n);
    else if (rc == US_ENOTFOUND) m->meta = us_strdup("");
    else goto fail;
    if (!m->meta) { us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
    const char *id = strstr(m->meta, "model_id=");
    snprintf(m->version, sizeof m->version, "unspin-model %d.%d %.16s", US_MFILE_MAJOR,
             (int)us_mfile_minor(mf), id ? id + 9 : "unknown");
    /* The id comes from the file: keep printable ASCII only (it ends up in JSON). */
    for (char *ch = m->version; *ch; ch++) {
        if (*ch == '\n') { *ch = '\0'; break; }
        if ((unsigned char)*ch < 0x20 || (unsigned char)*ch > 0x7e) *ch = '?';
    }
    m->mf = mf;
    pthread_mutex_init(&m->pool_mu, NULL);
    us_buf_fini(&lab);
    return m;
fail:
    us_buf_fini(&lab);
    us_free(m->meta);
    us_free(m);
    return NULL;
}

us_model *us_model_load_for(const char *path, int tasks, us_err *err)
{
    us_mfile *mf = us_mfile_open_lazy(path, err);
    if (!mf) return NULL;
    us_model *m = us_model_from_mfile(mf, path, tasks, err);
    if (!m) us_mfile_close(mf);
    return m;
}

us_model *us_model_load(const char *path, us_err *err)
{
    us_mfile *mf = us_mfile_open(path, err);
    if (!mf) return NULL;
    us_model *m = us_model_from_mfile(mf, path, 0, err);
    if (!m) us_mfile_close(mf);
    return m;
}

us_model *us_model_load_memory(const void *data, size_t len, us_err *err)
{
    us_mfile *mf = us_mfile_from_memory(data, len, err);
    if (!mf) return NULL;
    us_model *m = us_model_from_mfile(mf, "<memory>", 0, err);
    if (!m) us_mfile_close(mf);
    return m;
}

void us_model_free(us_model *m)
{
    if (!m) return;
    while (m->pool) {
        us_scratch *s = m->pool;
        m->pool = s->next;
        us_text_fini(&s->t);
        us_fz_fini(&s->fz);
        us_fvec_fini(&s->x);
        us_wordvec_fini(&s->wv_article);
        us_wordvec_fini(&s->wv_para);
        us_span_cache_free(s->span_tc);
        us_knn_scratch_fini(&s->knn);
        us_free(s);
    }
    pthread_mutex_destroy(&m->pool_mu);
    us_mfile_close(m->mf);
    us_free(m->meta);
    us_free(m);
}

us_scratch *us_scratch_get(const us_model *cm)
{
    us_model *m = (us_model *)cm;   /* the pool is the one mutable part, under its mutex */
    pthread_mutex_lock(&m->pool_mu);
    us_scratch *s = m->pool;
    if (s) m->pool = s->next;
    pthread_mutex_unlock(&m->pool_mu);
    if (!s) {
        if (!(s = us_calloc(1, sizeof *s))) return NULL;
        us_text_init(&s->t);
        us_fz_init(&s->fz, &m->fcfg);
        us_fvec_init(&s->x);
        us_wordvec_init(&s->wv_article);
        us_wordvec_init(&s->wv_para);
    }
    s->fz.explain = 0;
    s->fz.char_sink = NULL;
    s->fz.idf = m->idf;
    s->fz.lex = m->lex;
    s->fz.n_lex = m->n_lex;
    us_fz_reset(&s->fz);
    return s;
}

void us_scratch_put(const us_model *cm, us_scratch *s)
{
    us_model *m = (us_model *)cm;
    if (!s) return;
    pthread_mutex_lock(&m->pool_mu);
    s->next = m->pool;
    m->pool = s;
    pthread_mutex_unlock(&m->pool_mu);
}

const char *us_model_version(const us_model *m) { return m->version; }

int us_model_tasks(const us_model *m)
{
    int tasks = 0;
    for (int t = 0; t < US_N_TASKS; t++)
        if (m->heads[t].present) tasks |= 1 << t;
    return tasks;
}

const char *us_label_name(int task, int id)
{
    if (task < 0 || task >= US_N_TASKS || id < 0) return NULL;
    const us_label_info *li = us_tax_label((us_task)task, (size_t)id);
    return li ? li->name : NULL;
}
