/* cmd_eval.c -- `unspin eval`: score a prediction file with the official
 * SemEval-2023 Task 3 metrics (or SemEval-2020 Task 11 span metrics).
 *
 * Output contract (tests/cli/eval.sh pins it):
 *   stderr  every problem of the gold and prediction files as
 *           "unspin: eval: FILE:LINE: message", then one format-check line
 *           for the prediction file (rows read, skipped, unknown labels,
 *           repaired, duplicates, missing ids, extra ids);
 *   stdout  "label<TAB>P<TAB>R<TAB>F1<TAB>support", one row per label of
 *           the task (all of them, since macro-F1 averages all), then
 *           "micro-F1<TAB>x" and "macro-F1<TAB>x"; 4 decimals, "C" style.
 *           --format json prints the same numbers as one JSON object.
 * Exit: 0 when scored (format warnings included), 1 if a file cannot be
 * read, 2 on usage errors. */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli/input.h"
#include "io/labels.h"
#include "task/span_fix.h"
#include "task/metrics.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: unspin eval --task genre|framing|techniques --gold FILE --pred FILE\n"
            "                   [--format tsv|json]\n"
            "       unspin eval --task spans (--gold-dir DIR | --gold FILE) --pred FILE\n"
            "                   [--articles DIR] [--format tsv|json]\n"
            "\n"
            "Scores predictions in the official SemEval-2023 Task 3 label format:\n"
            "  genre       ID<TAB>genre                  (subtask 1)\n"
            "  framing     ID<TAB>frame,frame,...        (subtask 2)\n"
            "  techniques  ID<TAB>LINE<TAB>tech,tech,... (subtask 3)\n"
            "  spans       ID<TAB>technique<TAB>start<TAB>end (code points); the gold\n"
            "              dir holds article<ID>-labels-subtask-3.txt files; with\n"
            "              --articles DIR (the article<ID>.txt texts) gold offsets that\n"
            "              count each newline twice (many non-English files) are repaired\n"
            "\n"
            "Problems in either file are listed on stderr as FILE:LINE: message, with a\n"
            "format-check summary. A gold item missing from the predictions is scored as\n"
            "an empty prediction; predicted ids not in gold are ignored.\n"
            "stdout: label<TAB>P<TAB>R<TAB>F1<TAB>support per label, then micro-F1 and\n"
            "macro-F1 (macro = mean of per-label F1 over all labels of the task).\n"
            "Spans use SemEval-2020 Task 11 partial-credit precision and recall.\n"
            "Exit codes: 0 scored (even with format warnings), 1 unreadable file, 2 usage.\n");
}

/* ---- problem reports ------------------------------------------------------ */

static void report_stderr(const char *msg, void *ud)
{
    (void)ud;
    if (!cli_quiet) cli_error("%s", msg);
}

typedef struct check {
    const char *pred_path;
    size_t n_rows, n_skipped, n_unknown, n_repaired, n_duplicate, n_missing, n_extra;
    int spans;                  /* n_missing = gold articles without predicted spans (fine) */
} check;

static void check_print(const check *c)
{
    int clean = !c->n_skipped && !c->n_unknown && !c->n_repaired && !c->n_extra &&
                (c->spans || !c->n_missing);
    if (cli_quiet && clean) return;
    cli_error("format check of %s: %zu rows read, %zu malformed, %zu unknown labels, "
              "%zu repaired labels, %zu duplicates, %zu %s, %zu extra ids (ignored)%s",
              c->pred_path, c->n_rows, c->n_skipped - c->n_duplicate, c->n_unknown,
              c->n_repaired, c->n_duplicate, c->n_missing,
              c->spans ? "gold articles without predicted spans" : "missing ids (scored as empty)",
              c->n_extra, clean ? ": OK" : "");
}

static void check_from_file(check *c, const us_label_file *lf)
{
    c->n_rows = lf->n_rows;
    c->n_skipped = lf->n_skipped;
    c->n_unknown = lf->n_unknown;
    c->n_repaired = lf->n_repaired;
    c->n_duplicate = lf->n_duplicate;
}

/* ---- output ----------------------------------------------------------------- */

static void print_scores(const us_scores *s, us_task task, const char *task_name, int json)
{
    if (json) {
        printf("{\"task\":\"%s\",\"items\":%zu,\"labels\":[", task_name, s->n_items);
        for (size_t k = 0; k < s->n_labels; k++)
            printf("%s{\"label\":\"%s\",\"p\":%.4f,\"r\":%.4f,\"f1\":%.4f,\"support\":%zu}",
                   k ? "," : "", us_tax_label(task, k)->name, s->label[k].p, s->label[k].r,
                   s->label[k].f1, s->label[k].support);
        printf("],\"micro_p\":%.4f,\"micro_r\":%.4f,\"micro_f1\":%.4f,"
               "\"macro_p\":%.4f,\"macro_r\":%.4f,\"macro_f1\":%.4f}\n",
               s->micro.p, s->micro.r, s->micro.f1, s->macro_p, s->macro_r, s->macro_f1);
        return;
    }
    printf("label\tP\tR\tF1\tsupport\n");
    for (size_t k = 0; k < s->n_labels; k++)
        printf("%s\t%.4f\t%.4f\t%.4f\t%zu\n", us_tax_label(task, k)->name, s->label[k].p,
               s->label[k].r, s->label[k].f1, s->label[k].support);
    printf("micro-F1\t%.4f\n", s->micro.f1);
    printf("macro-F1\t%.4f\n", s->macro_f1);
}

/* ---- subtasks 1-3 ------------------------------------------------------------- */

static int eval_labels(us_task task, const char *gold_path, const char *pred_path, int json)
{
    us_label_file gold, pred;
    us_label_align al;
    us_scores sc;
    us_err err = {0};
    int rc = EXIT_RUNTIME;
    check c = {pred_path, 0, 0, 0, 0, 0, 0, 0, 0};

    us_label_file_init(&gold, task, 0);
    us_label_file_init(&pred, task, 0);
    memset(&al, 0, sizeof al);
    if (us_labels_read(&gold, gold_path, report_stderr, NULL, &err) != US_OK) goto done;
    if (us_labels_read(&pred, pred_path, report_stderr, NULL, &err) != US_OK) goto done;
    if (gold.n_rows == 0) cli_error("warning: %s: no gold rows", gold_path);
    if (us_labels_align(&al, &gold, gold_path, &pred, pred_path, report_stderr, NULL, &err) !=
        US_OK)
        goto done;
    check_from_file(&c, &pred);
    c.n_missing = al.n_missing;
    c.n_extra = al.n_extra;
    check_print(&c);
    us_metrics_task(task, al.gold_masks, al.pred_masks, al.n_items, &sc);
    print_scores(&sc, task, us_task_name(task), json);
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) cli_fail(&err);
    us_label_align_fini(&al);
    us_label_file_fini(&gold);
    us_label_file_fini(&pred);
    return rc;
}

/* ---- spans --------------------------------------------------------------------- */

typedef struct idset {
    char **id;
    size_t n, cap;
} idset;

static int idset_add(idset *s, const char *id, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **p = us_realloc(s->id, cap * sizeof *p);
        if (!p) return US_ENOMEM;
        s->id = p;
        s->cap = cap;
    }
    if (!(s->id[s->n] = us_strndup(id, len))) return US_ENOMEM;
    s->n++;
    return US_OK;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and removes duplicates. */
static void idset_sort(idset *s)
{
    if (!s->n) return;
    qsort(s->id, s->n, sizeof *s->id, str_cmp);
    size_t k = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->id[i], s->id[k]) == 0) us_free(s->id[i]);
        else s->id[++k] = s->id[i];
    }
    s->n = k + 1;
}

static long idset_find(const idset *s, const char *id)
{
    if (!s->n) return -1;
    char *const *p = bsearch(&id, s->id, s->n, sizeof *s->id, str_cmp);
    return p ? (long)(p - s->id) : -1;
}

static void idset_free(idset *s)
{
    for (size_t i = 0; i < s->n; i++) us_free(s->id[i]);
    us_free(s->id);
}

#define GOLD_PREFIX "article"
#define GOLD_SUFFIX "-labels-subtask-3.txt"

/* Reads every article<ID>-labels-subtask-3.txt of 'dir' (in name order) into
 * 'gold' and their ids into 'ids'. */
static int read_gold_dir(const char *dir, us_label_file *gold, idset *ids, us_err *err)
{
    DIR *d = opendir(dir);
    if (!d) return us_err_set(err, US_EIO, "%s: cannot open directory", dir);
    idset names = {0};
    struct dirent *e;
    int rc = US_OK;
    size_t np = strlen(GOLD_PREFIX), ns = strlen(GOLD_SUFFIX);
    while (rc == US_OK && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= np + ns || strncmp(e->d_name, GOLD_PREFIX, np) != 0 ||
            strcmp(e->d_name + n - ns, GOLD_SUFFIX) != 0)
            continue;
        rc = idset_add(&names, e->d_name, n);
    }
    closedir(d);
    if (rc != US_OK) { idset_free(&names); return us_err_set(err, rc, "out of memory"); }
    if (names.n == 0) {
        idset_free(&names);
        return us_err_set(err, US_ENOTFOUND, "%s: no article<ID>%s files", dir, GOLD_SUFFIX);
    }
    idset_sort(&names);
    for (size_t i = 0; i < names.n && rc == US_OK; i++) {
        const char *name = names.id[i];
        size_t n = strlen(name), first = gold->n_rows;
        char *path = us_malloc(strlen(dir) + n + 2);
        if (!path || idset_add(ids, name + np, n - np - ns) != US_OK) {
            us_free(path);
            rc = us_err_set(err, US_ENOMEM, "out of memory");
            break;
        }
        sprintf(path, "%s/%s", dir, name);
        rc = us_labels_read(gold, path, report_stderr, NULL, err);
        const char *want = ids->id[ids->n - 1];
        for (size_t r = first; rc == US_OK && r < gold->n_rows; r++)
            if (strcmp(gold->rows[r].id, want) != 0 && !cli_quiet)
                cli_error("%s:%u: id %s differs from the file name (article%s)", path,
                          (unsigned)gold->rows[r].src_line, gold->rows[r].id, want);
        us_free(path);
    }
    idset_free(&names);
    return rc;
}

/* Converts span rows to us_span with doc = index in 'ids'; rows whose id is
 * not in 'ids' are reported (when 'pred_name' is set) and skipped. */
static size_t to_spans(const us_label_file *lf, const idset *ids, const char *pred_name,
                       us_span *out, size_t *n_extra, unsigned char *has_spans)
{
    size_t m = 0;
    for (size_t i = 0; i < lf->n_rows; i++) {
        const us_label_row *r = &lf->rows[i];
        long doc = idset_find(ids, r->id);
        if (doc < 0) {
            (*n_extra)++;
            if (pred_name && !cli_quiet)
                cli_error("%s:%u: id %s is not a gold article (ignored)", pred_name,
                          (unsigned)r->src_line, r->id);
            continue;
        }
        if (has_spans) has_spans[doc] = 1;
        out[m].doc = (uint32_t)doc;
        out[m].label = (uint32_t)__builtin_ctz(r->labels);
        out[m].start = r->start_cp;
        out[m].end = r->end_cp;
        m++;
    }
    return m;
}

/* Repairs the gold offsets of every article whose text is in 'dir'
 * (article<ID>.txt): the official span files of many non-English articles
 * count each newline twice (us_span_fix_article decides per article). */
static void repair_gold(const char *dir, const idset *ids, us_span *gs, size_t n_gs)
{
    us_span_fix_stats st = {0};
    size_t n_missing = 0;
    for (size_t d = 0; d < ids->n; d++) {
        size_t n = 0;
        for (size_t k = 0; k < n_gs; k++) n += gs[k].doc == d;
        if (!n) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/article%s.txt", dir, ids->id[d]);
        char *text;
        size_t len;
        us_err err = {0};
        if (cli_read_doc(path, CLI_UTF8_REPLACE, &text, &len, &err) != US_OK) {
            n_missing++;
            continue;
        }
        us_gold_span *tmp = us_malloc(n * sizeof *tmp);
        if (tmp) {
            size_t j = 0;
            for (size_t k = 0; k < n_gs; k++)
                if (gs[k].doc == d) tmp[j++] = (us_gold_span){gs[k].label, gs[k].start, gs[k].end};
            if (us_span_fix_article(text, len, NULL, 0, tmp, n, &st) >= 0) {
                j = 0;
                for (size_t k = 0; k < n_gs; k++)
                    if (gs[k].doc == d) { gs[k].start = tmp[j].start_cp; gs[k].end = tmp[j].end_cp; j++; }
            }
            us_free(tmp);
        }
        us_free(text);
    }
    if (!cli_quiet)
        fprintf(stderr, "unspin: eval: gold offsets: %zu of %zu articles counted newlines twice "
                "(repaired), %zu span(s) cut at a line end, %zu article text(s) not found in %s\n",
                st.n_repaired, st.n_articles, st.n_trimmed, n_missing, dir);
}

static int eval_spans(const char *gold_dir, const char *gold_path, const char *pred_path,
                      const char *articles, int json)
{
    us_label_file gold, pred;
    idset ids = {0};
    us_span *gs = NULL, *ps = NULL;
    unsigned char *has = NULL;
    us_scores sc;
    us_err err = {0};
    int rc = EXIT_RUNTIME;
    check c = {pred_path, 0, 0, 0, 0, 0, 0, 0, 1};

    us_label_file_init(&gold, US_TASK_TECHNIQUES, 1);
    us_label_file_init(&pred, US_TASK_TECHNIQUES, 1);
    if (gold_dir) {
        if (read_gold_dir(gold_dir, &gold, &ids, &err) != US_OK) goto done;
    } else {
        if (us_labels_read(&gold, gold_path, report_stderr, NULL, &err) != US_OK) goto done;
        for (size_t i = 0; i < gold.n_rows; i++)
            if (idset_add(&ids, gold.rows[i].id, strlen(gold.rows[i].id)) != US_OK) {
                us_err_set(&err, US_ENOMEM, "out of memory");
                goto done;
            }
    }
    idset_sort(&ids);
    if (us_labels_read(&pred, pred_path, report_stderr, NULL, &err) != US_OK) goto done;
    gs = us_calloc(gold.n_rows + 1, sizeof *gs);
    ps = us_calloc(pred.n_rows + 1, sizeof *ps);
    has = us_calloc(ids.n + 1, 1);
    if (!gs || !ps || !has) { us_err_set(&err, US_ENOMEM, "out of memory"); goto done; }
    size_t unused = 0;
    size_t n_gs = to_spans(&gold, &ids, NULL, gs, &unused, NULL);
    if (articles) repair_gold(articles, &ids, gs, n_gs);
    size_t n_ps = to_spans(&pred, &ids, pred_path, ps, &c.n_extra, has);
    for (size_t i = 0; i < ids.n; i++) c.n_missing += !has[i];
    check_from_file(&c, &pred);
    check_print(&c);
    if (us_metrics_spans(gs, n_gs, ps, n_ps, US_N_TECHNIQUES, &sc, &err) != US_OK) goto done;
    print_scores(&sc, US_TASK_TECHNIQUES, "spans", json);
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) cli_fail(&err);
    us_free(gs);
    us_free(ps);
    us_free(has);
    idset_free(&ids);
    us_label_file_fini(&gold);
    us_label_file_fini(&pred);
    return rc;
}

/* ---- entry point ------------------------------------------------------------- */

int cmd_eval(int argc, char **argv)
{
    enum { E_TASK = 1, E_GOLD, E_GOLD_DIR, E_PRED, E_FORMAT, E_ARTICLES };
    static const struct option opts[] = {
        {"task", required_argument, 0, E_TASK},       {"gold", required_argument, 0, E_GOLD},
        {"gold-dir", required_argument, 0, E_GOLD_DIR}, {"pred", required_argument, 0, E_PRED},
        {"format", required_argument, 0, E_FORMAT},   {"articles", required_argument, 0, E_ARTICLES},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    const char *task = NULL, *gold = NULL, *gold_dir = NULL, *pred = NULL, *format = "tsv";
    const char *articles = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case E_TASK: task = optarg; break;
        case E_GOLD: gold = optarg; break;
        case E_GOLD_DIR: gold_dir = optarg; break;
        case E_PRED: pred = optarg; break;
        case E_FORMAT: format = optarg; break;
        case E_ARTICLES: articles = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s' (files are given with --gold and --pred)", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    int json = 0;
    if (!strcmp(format, "json")) json = 1;
    else if (strcmp(format, "tsv") != 0) {
        cli_error("unknown --format '%s' (tsv or json)", format);
        return EXIT_USAGE;
    }
    if (!task || !pred) {
        cli_error("--task and --pred are required");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(task, "spans")) {
        if (!!gold == !!gold_dir) {
            cli_error("--task spans needs exactly one of --gold-dir DIR or --gold FILE");
            return EXIT_USAGE;
        }
        return eval_spans(gold_dir, gold, pred, articles, json);
    }
    int t = us_task_from_name(task);
    if (t < 0) {
        cli_error("unknown --task '%s' (genre, framing, techniques or spans)", task);
        return EXIT_USAGE;
    }
    if (!gold || gold_dir) {
        cli_error("--task %s needs --gold FILE (--gold-dir is for --task spans)", task);
        return EXIT_USAGE;
    }
    return eval_labels((us_task)t, gold, pred, json);
}
