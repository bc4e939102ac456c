/* model.c -- (de)serialising the unspin model through the .usm container. */
#include <stdio.h>
#include <string.h>
#include "model.h"

static const char *const head_ids[US_N_TASKS] = {"GENR", "FRAM", "TECH"};

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
                   const char *meta, us_mfw **out, us_err *err)
{
    us_mfw *w = us_mfw_new();
    us_buf lab;
    us_buf_init(&lab);
    unsigned char *blob = NULL;
    int rc = US_OK;
    if (!w) return us_err_set(err, US_ENOMEM, "out of memory");
    unsigned char cfg[6 * 4 + 5 * 4];
    us_put_u32le(cfg + 0, US_FEAT_VERSION);
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
    if ((rc = us_mfw_add(w, "META", meta, strlen(meta), err)) != US_OK) goto fail;
    if ((rc = us_mfw_add(w, "FCFG", cfg, sizeof cfg, err)) != US_OK) goto fail;
    if ((rc = labels_text(&lab)) != US_OK) { us_err_set(err, rc, "out of memory"); goto fail; }
    if ((rc = us_mfw_add(w, "LABL", lab.data, lab.len, err)) != US_OK) goto fail;
    for (int t = 0; t < US_N_TASKS; t++) {
        const us_head_build *h = &heads[t];
        if (!h->present) continue;
        uint32_t L = h->lin.n_labels, NB = h->lin.n_buckets;
        size_t size = 16 + 8 * (size_t)L + 4 * (size_t)NB + (size_t)NB * L;
        blob = us_calloc(size, 1);
        float *b = us_malloc(L * sizeof *b), *sc = us_malloc(NB * sizeof *sc);
        int8_t *q = us_malloc((size_t)NB * L);
        if (!blob || !b || !sc || !q) {
            us_free(b); us_free(sc); us_free(q);
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            goto fail;
        }
        us_linear_quantize(&h->lin, b, sc, q);
        us_put_u32le(blob, L);
        us_put_u32le(blob + 4, NB);
        us_put_u32le(blob + 8, (uint32_t)h->softmax);
        unsigned char *p = blob + 16;
        for (uint32_t l = 0; l < L; l++, p += 4) us_put_f32le(p, b[l]);
        for (uint32_t l = 0; l < L; l++, p += 4) us_put_f32le(p, h->thr[l]);
        for (uint32_t f = 0; f < NB; f++, p += 4) us_put_f32le(p, sc[f]);
        memcpy(p, q, (size_t)NB * L);
        us_free(b); us_free(sc); us_free(q);
        rc = us_mfw_add(w, head_ids[t], blob, size, err);
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

us_model *us_model_from_mfile(us_mfile *mf, const char *name, us_err *err)
{
    const void *p;
    size_t n;
    if (!host_is_little_endian()) {
        us_err_set(err, US_EFORMAT, "%s: this build runs on a big-endian host; models are "
                   "little-endian", name);
        return NULL;
    }
    us_model *m = us_calloc(1, sizeof *m);
    if (!m) { us_err_set(err, US_ENOMEM, "out of memory"); return NULL; }
    us_buf lab;
    us_buf_init(&lab);
    if (us_mfile_section(mf, "FCFG", &p, &n) != US_OK || n < 44) {
        us_err_set(err, US_EFORMAT, "%s: missing or short FCFG section", name);
        goto fail;
    }
    const unsigned char *c = p;
    uint32_t fver = us_get_u32le(c);
    if (fver != US_FEAT_VERSION) {
        us_err_set(err, US_EVERSION, "%s: feature version %u, this unspin uses %u\n"
                   "HINT: retrain the model with this version (unspin train)", name, fver,
                   US_FEAT_VERSION);
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
    if (m->fcfg.bucket_bits < 10 || m->fcfg.bucket_bits > 24 || m->fcfg.word_max_n < 1 ||
        m->fcfg.word_max_n > 2 || m->fcfg.char_max_n > 8 ||
        (m->fcfg.char_min_n && m->fcfg.char_min_n > m->fcfg.char_max_n)) {
        us_err_set(err, US_EFORMAT, "%s: invalid feature configuration", name);
        goto fail;
    }
    if (labels_text(&lab) != US_OK) { us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
    if (us_mfile_section(mf, "LABL", &p, &n) != US_OK || n != lab.len ||
        memcmp(p, lab.data, n) != 0) {
        us_err_set(err, US_EFORMAT, "%s: label inventory differs from this unspin's taxonomy\n"
                   "HINT: retrain the model with this version (unspin train)", name);
        goto fail;
    }
    uint32_t NB_expected = 1u << m->fcfg.bucket_bits;
    int n_heads = 0;
    for (int t = 0; t < US_N_TASKS; t++) {
        if (us_mfile_section(mf, head_ids[t], &p, &n) != US_OK) continue;
        const unsigned char *h = p;
        uint32_t L = n >= 16 ? us_get_u32le(h) : 0, NB = n >= 16 ? us_get_u32le(h + 4) : 0;
        uint32_t sm = n >= 16 ? us_get_u32le(h + 8) : 0;
        size_t want = 16 + 8 * (size_t)L + 4 * (size_t)NB + (size_t)NB * L;
        if (n < 16 || L != us_tax_n_labels((us_task)t) || NB != NB_expected || sm > 1 ||
            want != n) {
            us_err_set(err, US_EFORMAT, "%s: section %s is malformed (%zu bytes)", name,
                       head_ids[t], n);
            goto fail;
        }
        us_head *hd = &m->heads[t];
        hd->present = 1;
        hd->softmax = (int)sm;
        hd->q.n_labels = L;
        hd->q.n_buckets = NB;
        hd->q.b = (const float *)(const void *)(h + 16);
        hd->thr = (const float *)(const void *)(h + 16 + 4 * L);
        hd->q.row_scale = (const float *)(const void *)(h + 16 + 8 * L);
        hd->q.q = (const int8_t *)(h + 16 + 8 * L + 4 * (size_t)NB);
        n_heads++;
    }
    if (n_heads == 0) {
        us_err_set(err, US_EFORMAT, "%s: the model has no task heads", name);
        goto fail;
    }
    if (us_mfile_section(mf, "META", &p, &n) == US_OK) m->meta = us_strndup(p, n);
    else m->meta = us_strdup("");
    if (!m->meta) { us_err_set(err, US_ENOMEM, "out of memory"); goto fail; }
    const char *id = strstr(m->meta, "model_id=");
    snprintf(m->version, sizeof m->version, "unspin-model %d.%d %.16s", US_MFILE_MAJOR,
             (int)us_mfile_minor(mf), id ? id + 9 : "unknown");
    char *nl = strchr(m->version, '\n');
    if (nl) *nl = '\0';
    m->mf = mf;
    us_buf_fini(&lab);
    return m;
fail:
    us_buf_fini(&lab);
    us_free(m->meta);
    us_free(m);
    return NULL;
}

us_model *us_model_load(const char *path, us_err *err)
{
    us_mfile *mf = us_mfile_open(path, err);
    if (!mf) return NULL;
    us_model *m = us_model_from_mfile(mf, path, err);
    if (!m) us_mfile_close(mf);
    return m;
}

us_model *us_model_load_memory(const void *data, size_t len, us_err *err)
{
    us_mfile *mf = us_mfile_from_memory(data, len, err);
    if (!mf) return NULL;
    us_model *m = us_model_from_mfile(mf, "<memory>", err);
    if (!m) us_mfile_close(mf);
    return m;
}

void us_model_free(us_model *m)
{
    if (!m) return;
    us_mfile_close(m->mf);
    us_free(m->meta);
    us_free(m);
}

const char *us_model_version(const us_model *m) { return m->version; }

const char *us_label_name(int task, int id)
{
    if (task < 0 || task >= US_N_TASKS || id < 0) return NULL;
    const us_label_info *li = us_tax_label((us_task)task, (size_t)id);
    return li ? li->name : NULL;
}
