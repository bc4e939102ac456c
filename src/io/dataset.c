/* dataset.c -- reads the official training layout into us_dataset. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset.h"
#include "text/text.h"

#define MAX_ARTICLE_BYTES (16u << 20)

static void report(us_dataset *ds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(us_dataset *ds, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ds->n_problems++;
    if (ds->report) ds->report(msg, ds->report_ud);
}

/* snprintf into a path buffer; an over-long path becomes "" (then fails to open). */
static void path_fmt(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void path_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) out[0] = '\0';
}

static void forward_report(const char *msg, void *ud)
{
    us_dataset *ds = ud;
    ds->n_problems++;
    if (ds->report) ds->report(msg, ds->report_ud);
}

void us_dataset_init(us_dataset *ds, us_report_fn fn, void *ud)
{
    memset(ds, 0, sizeof *ds);
    ds->report = fn;
    ds->report_ud = ud;
}

void us_dataset_fini(us_dataset *ds)
{
    for (size_t i = 0; i < ds->n; i++) {
        us_article *a = &ds->arts[i];
        for (int t = 0; t < US_N_TASKS; t++) us_free(a->text[t]);
        us_free(a->line_labels);
        us_free(a->line_gold);
        us_free(a->spans);
    }
    us_free(ds->arts);
    memset(ds, 0, sizeof *ds);
}

uint32_t us_count_lines(const char *s, size_t len)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++) if (s[i] == '\n') n++;
    if (len > 0 && s[len - 1] != '\n') n++;
    return n;
}

int us_article_id_from_name(const char *name, char *id, size_t cap)
{
    size_t n = strlen(name);
    if (n < 12 || strncmp(name, "article", 7) != 0 || strcmp(name + n - 4, ".txt") != 0) return 0;
    size_t k = n - 11;
    if (k == 0 || k >= cap) return 0;
    for (size_t i = 7; i < 7 + k; i++) {
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_'))
            return 0;
    }
    memcpy(id, name + 7, k);
    id[k] = '\0';
    return 1;
}

static us_article *find(us_dataset *ds, int lang, const char *id)
{
    /* Linear from the end: articles of one language are contiguous and few. */
    for (size_t i = ds->n; i-- > 0;) {
        if (ds->arts[i].lang != lang) break;
        if (strcmp(ds->arts[i].id, id) == 0) return &ds->arts[i];
    }
    return NULL;
}

static us_article *find_or_add(us_dataset *ds, int lang, const char *id)
{
    us_article *a = find(ds, lang, id);
    if (a) return a;
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 256;
        us_article *p = us_realloc(ds->arts, cap * sizeof *p);
        if (!p) return NULL;
        ds->arts = p;
        ds->cap = cap;
    }
    a = &ds->arts[ds->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", id);
    a->lang = lang;
    a->genre = -1;
    return a;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of article<ID>.txt names in 'dir'. OUT: *names (free each + array). */
static int list_articles(const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return US_ENOTFOUND;
    size_t cap = 0;
    struct dirent *e;
    char id[32];
    int rc = US_OK;
    while ((e = readdir(d)) != NULL) {
        if (!us_article_id_from_name(e->d_name, id, sizeof id)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char **p = us_realloc(*names, cap * sizeof *p);
            if (!p) { rc = US_ENOMEM; break; }
            *names = p;
        }
        if (!((*names)[*n] = us_strdup(e->d_name))) { rc = US_ENOMEM; break; }
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(*names, *n, sizeof **names, cmp_str);
    return rc;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) us_free(names[i]);
    us_free(names);
}

/* Reads one article file, repairing invalid UTF-8 with a report. */
static int read_article(us_dataset *ds, const char *path, char **text, size_t *len)
{
    us_err err = {0};
    char *data;
    size_t n;
    int rc = us_read_file(path, MAX_ARTICLE_BYTES, &data, &n, &err);
    if (rc != US_OK) {
        report(ds, "%s", err.msg);
        return rc == US_ENOMEM ? rc : US_OK;
    }
    size_t bad;
    if (us_utf8_validate(data, n, &bad) != US_OK) {
        char *fixed;
        size_t fixed_len, n_rep = 0;
        if (us_utf8_repair(data, n, &fixed, &fixed_len, &n_rep) != US_OK) {
            us_free(data);
            return US_ENOMEM;
        }
        report(ds, "%s: invalid UTF-8 at byte %zu; %zu sequence(s) replaced by U+FFFD", path,
               bad, n_rep);
        ds->n_utf8_repaired++;
        us_free(data);
        data = fixed;
        n = fixed_len;
    }
    *text = data;
    *len = n;
    return US_OK;
}

static int load_texts(us_dataset *ds, const char *langdir, int lang, us_task task)
{
    char dir[4096], path[4400];
    path_fmt(dir, sizeof dir, "%s/train-articles-subtask-%d", langdir, (int)task + 1);
    char **names;
    size_t n;
    int rc = list_articles(dir, &names, &n);
    if (rc == US_ENOTFOUND) { report(ds, "%s: folder not found", dir); return US_OK; }
    for (size_t i = 0; rc == US_OK && i < n; i++) {
        char id[32];
        us_article_id_from_name(names[i], id, sizeof id);
        us_article *a = find_or_add(ds, lang, id);
        if (!a) { rc = US_ENOMEM; break; }
        path_fmt(path, sizeof path, "%s/%s", dir, names[i]);
        rc = read_article(ds, path, &a->text[task], &a->len[task]);
        if (rc == US_OK && task == US_TASK_TECHNIQUES && a->text[task]) {
            a->n_lines = us_count_lines(a->text[task], a->len[task]);
            a->line_labels = us_calloc(a->n_lines ? a->n_lines : 1, sizeof *a->line_labels);
            a->line_gold = us_calloc(a->n_lines ? a->n_lines : 1, 1);
            if (!a->line_labels || !a->line_gold) rc = US_ENOMEM;
        }
    }
    free_names(names, n);
    return rc;
}

static int load_labels(us_dataset *ds, const char *langdir, int lang, us_task task)
{
    char path[4400];
    path_fmt(path, sizeof path, "%s/train-labels-subtask-%d.txt", langdir, (int)task + 1);
    us_label_file lf;
    us_label_file_init(&lf, task, 0);
    us_err err = {0};
    int rc = us_labels_read(&lf, path, forward_report, ds, &err);
    if (rc != US_OK) {
        us_label_file_fini(&lf);
        if (rc == US_ENOMEM) return rc;
        report(ds, "%s", err.msg);
        return US_OK;
    }
    ds->n_label_skipped += lf.n_skipped;
    ds->n_label_repaired += lf.n_repaired;
    for (size_t i = 0; i < lf.n_rows; i++) {
        const us_label_row *r = &lf.rows[i];
        us_article *a = find(ds, lang, r->id);
        if (!a || !a->text[task]) {
            report(ds, "%s:%u: label for article %s, which has no text file; skipped", path,
                   r->src_line, r->id);
            ds->n_label_skipped++;
            continue;
        }
        if (task == US_TASK_GENRE) {
            int g = -1;
            for (int l = 0; l < US_N_GENRES; l++) if (r->labels >> l & 1u) g = l;
            a->genre = g;
        } else if (task == US_TASK_FRAMING) {
            a->has_frames = 1;
            a->frames = r->labels;
        } else {
            if (r->line < 1 || r->line > a->n_lines) {
                report(ds, "%s:%u: line %u is outside article %s (%u lines); skipped", path,
                       r->src_line, r->line, r->id, a->n_lines);
                ds->n_label_skipped++;
                continue;
            }
            a->line_labels[r->line - 1] |= r->labels;
            a->line_gold[r->line - 1] = 1;
        }
    }
    us_label_file_fini(&lf);
    return US_OK;
}

static int load_spans(us_dataset *ds, const char *langdir, int lang)
{
    char dir[4096], path[4400];
    path_fmt(dir, sizeof dir, "%s/train-labels-subtask-3-spans", langdir);
    DIR *d = opendir(dir);
    if (!d) return US_OK;   /* spans are optional */
    closedir(d);
    for (size_t i = 0; i < ds->n; i++) {
        us_article *a = &ds->arts[i];
        if (a->lang != lang || !a->text[US_TASK_TECHNIQUES]) continue;
        path_fmt(path, sizeof path, "%s/article%s-labels-subtask-3.txt", dir, a->id);
        us_label_file lf;
        us_label_file_init(&lf, US_TASK_TECHNIQUES, 1);
        us_err err = {0};
        int rc = us_labels_read(&lf, path, forward_report, ds, &err);
        if (rc == US_OK && lf.n_rows) {
            a->spans = us_calloc(lf.n_rows, sizeof *a->spans);
            if (!a->spans) { us_label_file_fini(&lf); return US_ENOMEM; }
            for (size_t k = 0; k < lf.n_rows; k++) {
                const us_label_row *r = &lf.rows[k];
                for (uint32_t l = 0; l < US_N_TECHNIQUES; l++)
                    if (r->labels >> l & 1u) {
                        a->spans[a->n_spans].tech = l;
                        a->spans[a->n_spans].start_cp = r->start_cp;
                        a->spans[a->n_spans].end_cp = r->end_cp;
                        a->n_spans++;
                        break;
                    }
            }
        }
        us_label_file_fini(&lf);
        if (rc == US_ENOMEM) return rc;
    }
    return US_OK;
}

int us_dataset_load(us_dataset *ds, const char *dir, const char *langs, us_err *err)
{
    static const char *const six = "en,fr,ge,it,po,ru";
    char list[256];
    snprintf(list, sizeof list, "%s", langs && *langs ? langs : six);
    size_t n_langs = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int lang = us_lang_find(tok);
        if (lang < 0) return us_err_set(err, US_EINVAL, "unknown language '%s'", tok);
        char langdir[4096];
        path_fmt(langdir, sizeof langdir, "%s/%s", dir, tok);
        DIR *d = opendir(langdir);
        if (!d) { report(ds, "%s: folder not found", langdir); continue; }
        closedir(d);
        n_langs++;
        int rc = US_OK;
        for (int t = 0; rc == US_OK && t < US_N_TASKS; t++) rc = load_texts(ds, langdir, lang, t);
        for (int t = 0; rc == US_OK && t < US_N_TASKS; t++) rc = load_labels(ds, langdir, lang, t);
        if (rc == US_OK) rc = load_spans(ds, langdir, lang);
        if (rc != US_OK) return us_err_set(err, rc, "%s: out of memory", langdir);
    }
    if (n_langs == 0 || ds->n == 0)
        return us_err_set(err, US_ENOTFOUND, "%s: no training data found (expected <lang>/"
                          "train-articles-subtask-N/ folders)", dir);
    return US_OK;
}
