/* input.c -- expanding article paths and reading articles under a UTF-8 policy. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/input.h"
#include "unspin.h"
#include "io/dataset.h"
#include "text/text.h"

#define MAX_DOC_BYTES (64u << 20)

static int push(cli_doc **docs, size_t *n, size_t *cap, const char *path, const char *name)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        cli_doc *p = us_realloc(*docs, c * sizeof *p);
        if (!p) return US_ENOMEM;
        *docs = p;
        *cap = c;
    }
    cli_doc *d = &(*docs)[*n];
    memset(d, 0, sizeof *d);
    if (!(d->path = us_strdup(path))) return US_ENOMEM;
    if (!us_article_id_from_name(name, d->id, sizeof d->id)) {
        size_t len = strlen(name);
        if (len > 4 && !strcmp(name + len - 4, ".txt")) len -= 4;
        if (len >= sizeof d->id) len = sizeof d->id - 1;
        memcpy(d->id, name, len);
        d->id[len] = '\0';
    }
    (*n)++;
    return US_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_collect_docs(char **paths, int n_paths, cli_doc **docs, size_t *n_docs, size_t *n_missing)
{
    size_t cap = 0;
    *docs = NULL;
    *n_docs = 0;
    *n_missing = 0;
    for (int i = 0; i < n_paths; i++) {
        const char *p = paths[i];
        struct stat st;
        if (strcmp(p, "-") == 0) {
            if (push(docs, n_docs, &cap, "-", "stdin") != US_OK) return US_ENOMEM;
            continue;
        }
        if (stat(p, &st) != 0) {
            cli_error("%s: no such file or folder", p);
            (*n_missing)++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            const char *base = strrchr(p, '/');
            if (push(docs, n_docs, &cap, p, base ? base + 1 : p) != US_OK) return US_ENOMEM;
            continue;
        }
        DIR *d = opendir(p);
        if (!d) { cli_error("%s: cannot open folder", p); (*n_missing)++; continue; }
        char **names = NULL;
        size_t n = 0, ncap = 0;
        struct dirent *e;
        char id[64];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            if (!us_article_id_from_name(e->d_name, id, sizeof id)) {
                cli_info("%s/%s: skipped (not an article<ID>.txt file)", p, e->d_name);
                continue;
            }
            if (n == ncap) {
                ncap = ncap ? ncap * 2 : 64;
                char **q = us_realloc(names, ncap * sizeof *q);
                if (!q) { closedir(d); return US_ENOMEM; }
                names = q;
            }
            if (!(names[n] = us_strdup(e->d_name))) { closedir(d); return US_ENOMEM; }
            n++;
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, cmp_name);
        int rc = US_OK;
        for (size_t k = 0; k < n; k++) {
            size_t len = strlen(p) + strlen(names[k]) + 2;
            char *full = us_malloc(len);
            if (!full) { rc = US_ENOMEM; break; }
            snprintf(full, len, "%s/%s", p, names[k]);
            rc = push(docs, n_docs, &cap, full, names[k]);
            us_free(full);
            if (rc != US_OK) break;
        }
        for (size_t k = 0; k < n; k++) us_free(names[k]);
        us_free(names);
        if (rc != US_OK) return rc;
        if (n == 0) cli_error("%s: no article<ID>.txt files in this folder", p);
    }
    return US_OK;
}

void cli_docs_free(cli_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) us_free(docs[i].path);
    us_free(docs);
}

int cli_analyze_doc(const us_model *m, const char *path, int policy, const us_analyze_opts *opts,
                    char **text, size_t *len, us_analysis **a, us_err *err)
{
    *text = NULL;
    *len = 0;
    *a = NULL;
    int rc = cli_read_doc(path, policy, text, len, err);
    if (rc != US_OK) return rc;
    rc = us_analyze(m, *text, *len, opts, a, err);
    if (rc != US_OK) {
        us_err_prefix(err, "%s", path);
        us_free(*text);
        *text = NULL;
        *len = 0;
    }
    return rc;
}

int cli_parse_utf8_policy(const char *s)
{
    if (!strcmp(s, "strict")) return CLI_UTF8_STRICT;
    if (!strcmp(s, "replace")) return CLI_UTF8_REPLACE;
    cli_error("--utf8 takes strict or replace");
    return -1;
}

int cli_read_doc(const char *path, int policy, char **text, size_t *len, us_err *err)
{
    char *data;
    size_t n, bad;
    int rc = us_read_file(path, MAX_DOC_BYTES, &data, &n, err);
    if (rc != US_OK) return rc;
    if (us_utf8_validate(data, n, &bad) == US_OK) {
        *text = data;
        *len = n;
        return US_OK;
    }
    if (policy != CLI_UTF8_REPLACE) {
        us_free(data);
        return us_err_set(err, US_EUTF8, "%s: invalid UTF-8 at byte %zu\n"
                          "HINT: --utf8=replace analyses it with U+FFFD in place of bad bytes",
                          path, bad);
    }
    char *fixed;
    size_t fixed_len, n_rep;
    rc = us_utf8_repair(data, n, &fixed, &fixed_len, &n_rep);
    us_free(data);
    if (rc != US_OK) return us_err_set(err, rc, "%s: out of memory", path);
    cli_info("%s: invalid UTF-8 at byte %zu; %zu sequence(s) replaced by U+FFFD", path, bad,
             n_rep);
    *text = fixed;
    *len = fixed_len;
    return US_OK;
}
