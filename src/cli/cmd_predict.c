/* cmd_predict.c -- `unspin predict`: official submission format or JSON Lines. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/input.h"
#include "task/taxonomy.h"
#include "unspin.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin predict --task genre|framing|techniques --lang LANG [options] PATH...\n"
        "\n"
        "PATH is an article file, a folder of article<ID>.txt files, or - (stdin).\n"
        "--format semeval prints the official SemEval-2023 Task 3 submission format:\n"
        "  genre       ID<TAB>genre\n"
        "  framing     ID<TAB>frame,frame,...\n"
        "  techniques  ID<TAB>LINE<TAB>technique,...   (every non-empty line, 1-based)\n"
        "--format jsonl prints one JSON object per article (errors included, as\n"
        "{\"id\":...,\"error\":...}), so that lines out = articles in.\n"
        "\n"
        "options:\n"
        "  --task T          genre, framing or techniques (required)\n"
        "  --lang LANG       en fr ge it po ru (trained), es gr ka or any other (best effort)\n"
        "  --model MODEL     model file (default: the shipped model)\n"
        "  --format F        semeval (default) or jsonl\n"
        "  --utf8 POLICY     strict (default: invalid UTF-8 is an error) or replace (U+FFFD)\n"
        "  -j, --jobs N      worker threads (default: the number of CPUs); the output is\n"
        "                    the same, in the same order, for every N\n"
        "  -h, --help        this help\n"
        "\n"
        "Exit status: 0 when every article was predicted, 1 when any could not be\n"
        "(each is named on stderr), 2 on a usage error.\n");
}

enum { OPT_TASK = 256, OPT_LANG, OPT_MODEL, OPT_FORMAT, OPT_UTF8 };

static void put_semeval(us_buf *b, int task, const char *id, const us_analysis *a)
{
    if (task == US_TASK_GENRE) {
        us_buf_printf(b, "%s\t%s\n", id, us_label_name(0, a->genre));
    } else if (task == US_TASK_FRAMING) {
        us_buf_printf(b, "%s\t", id);
        int first = 1;
        for (int l = 0; l < US_N_FRAMES; l++)
            if (a->frames >> l & 1u) {
                us_buf_printf(b, "%s%s", first ? "" : ",", us_label_name(1, l));
                first = 0;
            }
        us_buf_putc(b, '\n');
    } else {
        for (size_t i = 0; i < a->n_paras; i++) {
            us_buf_printf(b, "%s\t%u\t", id, a->paras[i].line);
            int first = 1;
            for (int l = 0; l < US_N_TECHNIQUES; l++)
                if (a->paras[i].techniques >> l & 1u) {
                    us_buf_printf(b, "%s%s", first ? "" : ",", us_label_name(2, l));
                    first = 0;
                }
            us_buf_putc(b, '\n');
        }
    }
}

static void put_json_str(us_buf *b, const char *s)
{
    us_buf_putc(b, '"');
    us_buf_json_str(b, s, strlen(s));
    us_buf_putc(b, '"');
}

static void put_jsonl(us_buf *b, int task, const char *id, const us_analysis *a)
{
    us_buf_puts(b, "{\"id\":");
    put_json_str(b, id);
    if (task == US_TASK_GENRE) {
        us_buf_printf(b, ",\"genre\":\"%s\",\"confidence\":%.4f", us_label_name(0, a->genre),
                      a->genre_prob[a->genre]);
    } else if (task == US_TASK_FRAMING) {
        us_buf_puts(b, ",\"frames\":[");
        int first = 1;
        for (int l = 0; l < US_N_FRAMES; l++)
            if (a->frames >> l & 1u) {
                us_buf_printf(b, "%s\"%s\"", first ? "" : ",", us_label_name(1, l));
                first = 0;
            }
        us_buf_puts(b, "],\"probs\":{");
        for (int l = 0; l < US_N_FRAMES; l++)
            us_buf_printf(b, "%s\"%s\":%.4f", l ? "," : "", us_label_name(1, l), a->frame_prob[l]);
        us_buf_putc(b, '}');
    } else {
        us_buf_puts(b, ",\"paragraphs\":[");
        for (size_t i = 0; i < a->n_paras; i++) {
            us_buf_printf(b, "%s{\"line\":%u,\"techniques\":[", i ? "," : "", a->paras[i].line);
            int first = 1;
            for (int l = 0; l < US_N_TECHNIQUES; l++)
                if (a->paras[i].techniques >> l & 1u) {
                    us_buf_printf(b, "%s\"%s\"", first ? "" : ",", us_label_name(2, l));
                    first = 0;
                }
            us_buf_puts(b, "]}");
        }
        us_buf_putc(b, ']');
    }
    us_buf_puts(b, "}\n");
}

/* ---- the work: one article -> its stdout and stderr text ------------------ */

typedef struct job {
    const us_model *m;
    const cli_doc *docs;
    size_t n_docs;
    int task, jsonl, policy;
    us_analyze_opts ao;
    /* per article, filled by the workers and printed (then freed) in order */
    us_buf *out;
    char **err;                /* error message (NULL when it could not be kept) */
    unsigned char *done;       /* DONE, | FAILED */
    size_t next, printed;      /* next article to take; articles printed so far */
    size_t n_done;             /* articles finished by the workers */
    int printer_waits;         /* the printer sleeps on cv_done */
    pthread_mutex_t mu;
    pthread_cond_t cv_done, cv_room;
} job;

enum { DONE = 1, FAILED = 2 };

/* Articles a worker may run ahead of the printer (bounds the held output). */
#define PREDICT_WINDOW 1024
/* Finished articles that wake a sleeping printer (fewer context switches). */
#define PRINT_BATCH 32

/* Analyses article i into j->out[i] and j->err[i]; returns FAILED or 0. */
static int predict_one(job *j, size_t i)
{
    us_err err = {0};
    char *text;
    size_t len;
    us_analysis *a;
    us_buf *b = &j->out[i];
    int rc = cli_analyze_doc(j->m, j->docs[i].path, j->policy, &j->ao, &text, &len, &a, &err);
    /* Genre and frames of a text without words would be the heads' biases:
     * such an article is reported, not given a label (a and text are freed
     * below, as after any error). */
    if (rc == US_OK && j->task != US_TASK_TECHNIQUES && a->n_words == 0)
        rc = us_err_set(&err, US_EINVAL, "%s: no words to classify (%s not predicted)",
                        j->docs[i].path, j->task == US_TASK_GENRE ? "genre" : "frames");
    if (rc != US_OK) {
        j->err[i] = us_strndup(err.msg, strlen(err.msg));   /* NULL: "out of memory" */
        if (j->jsonl) {
            char *nl = strchr(err.msg, '\n');
            if (nl) *nl = '\0';
            us_buf_puts(b, "{\"id\":");
            put_json_str(b, j->docs[i].id);
            us_buf_puts(b, ",\"error\":");
            put_json_str(b, err.msg);
            us_buf_puts(b, "}\n");
        }
    } else if (j->jsonl) {
        put_jsonl(b, j->task, j->docs[i].id, a);
    } else {
        put_semeval(b, j->task, j->docs[i].id, a);
    }
    us_analysis_free(a);
    us_free(text);
    return rc != US_OK ? FAILED : 0;
}

/* Prints article i (its error on stderr first); returns 1 when it failed.
 * stdout is flushed only before an error message, which keeps the two
 * streams in order when they share a file without a write per article. */
static int print_one(job *j, size_t i, int status)
{
    int failed = (status & FAILED) || j->out[i].oom;
    if (failed || j->err[i]) fflush(stdout);
    if (j->err[i]) cli_error("%s", j->err[i]);
    else if (failed) cli_error("%s: out of memory", j->docs[i].path);
    if (j->out[i].len) fwrite(j->out[i].data, 1, j->out[i].len, stdout);
    us_free(j->err[i]);
    j->err[i] = NULL;
    us_buf_fini(&j->out[i]);
    return failed;
}

static void *worker(void *arg)
{
    job *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (j->next < j->n_docs && j->next >= j->printed + PREDICT_WINDOW)
            pthread_cond_wait(&j->cv_room, &j->mu);
        if (j->next >= j->n_docs) break;
        size_t i = j->next++;
        pthread_mutex_unlock(&j->mu);
        int st = predict_one(j, i);
        pthread_mutex_lock(&j->mu);
        j->done[i] = (unsigned char)(DONE | st);
        j->n_done++;
        /* Wake the printer for a batch of articles, not for each one. */
        if (j->printer_waits && j->done[j->printed] &&
            (j->n_done - j->printed >= PRINT_BATCH || j->next >= j->n_docs))
            pthread_cond_signal(&j->cv_done);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* Runs every article on 'jobs' threads and prints them in input order.
 * Returns the number that failed, or -1 when the threads could not start. */
static long run_jobs(job *j, long jobs)
{
    size_t failed = 0;
    if (jobs <= 1 || j->n_docs <= 1) {
        for (size_t i = 0; i < j->n_docs; i++) failed += (size_t)print_one(j, i, predict_one(j, i));
        return (long)failed;
    }
    pthread_t th[64];
    long n = 0;
    for (; n < jobs && n < 64; n++)
        if (pthread_create(&th[n], NULL, worker, j) != 0) break;
    if (n == 0) return -1;
    for (size_t i = 0; i < j->n_docs; i++) {
        pthread_mutex_lock(&j->mu);
        while (!j->done[i]) {
            j->printer_waits = 1;
            pthread_cond_wait(&j->cv_done, &j->mu);
            j->printer_waits = 0;
        }
        int st = j->done[i];
        pthread_mutex_unlock(&j->mu);
        failed += (size_t)print_one(j, i, st);
        pthread_mutex_lock(&j->mu);
        j->printed = i + 1;
        pthread_cond_broadcast(&j->cv_room);
        pthread_mutex_unlock(&j->mu);
    }
    for (long k = 0; k < n; k++) pthread_join(th[k], NULL);
    return (long)failed;
}

int cmd_predict(int argc, char **argv)
{
    static const struct option opts[] = {
        {"task", required_argument, 0, OPT_TASK}, {"lang", required_argument, 0, OPT_LANG},
        {"model", required_argument, 0, OPT_MODEL}, {"format", required_argument, 0, OPT_FORMAT},
        {"utf8", required_argument, 0, OPT_UTF8}, {"jobs", required_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *lang = NULL;
    int task = -1, jsonl = 0, policy = CLI_UTF8_STRICT, c;
    long jobs = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hqj:", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (cli_parse_jobs(optarg, 64, &jobs)) return EXIT_USAGE;
            break;
        case OPT_TASK:
            task = us_task_from_name(optarg);
            if (task < 0) { cli_error("unknown task '%s' (genre, framing, techniques)", optarg); return EXIT_USAGE; }
            break;
        case OPT_LANG: lang = optarg; break;
        case OPT_MODEL: model_path = optarg; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "jsonl")) jsonl = 1;
            else if (!strcmp(optarg, "semeval")) jsonl = 0;
            else { cli_error("unknown format '%s' (semeval, jsonl)", optarg); return EXIT_USAGE; }
            break;
        case OPT_UTF8:
            if ((policy = cli_parse_utf8_policy(optarg)) < 0) return EXIT_USAGE;
            break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (task < 0 || !lang || optind >= argc) {
        cli_error("%s", task < 0 ? "--task is required" : !lang ? "--lang is required" :
                  "no article given");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (us_lang_find(lang) < 0)
        cli_info("language '%s' was not seen in training; predicting from shared features", lang);
    us_model *m = cli_load_model_for(model_path, 1 << task);   /* only that head is read */
    if (!m) return EXIT_RUNTIME;
    cli_doc *docs;
    size_t n_docs, n_missing;
    if (cli_collect_docs(argv + optind, argc - optind, &docs, &n_docs, &n_missing) != US_OK) {
        cli_error("out of memory");
        us_model_free(m);
        return EXIT_RUNTIME;
    }
    if (!jobs) jobs = cli_default_jobs();
    job j = {.m = m, .docs = docs, .n_docs = n_docs, .task = task, .jsonl = jsonl,
             .policy = policy, .ao = {lang, 0, 1 << task}, .mu = PTHREAD_MUTEX_INITIALIZER,
             .cv_done = PTHREAD_COND_INITIALIZER, .cv_room = PTHREAD_COND_INITIALIZER};
    j.out = us_calloc(n_docs ? n_docs : 1, sizeof *j.out);
    j.err = us_calloc(n_docs ? n_docs : 1, sizeof *j.err);
    j.done = us_calloc(n_docs ? n_docs : 1, 1);
    int have_memory = j.out && j.err && j.done;
    long failed = have_memory ? run_jobs(&j, jobs) : -1;
    us_free(j.out);
    us_free(j.err);
    us_free(j.done);
    if (failed < 0) {
        cli_error(have_memory ? "could not start the worker threads" : "out of memory");
        cli_docs_free(docs, n_docs);
        us_model_free(m);
        return EXIT_RUNTIME;
    }
    size_t n_failed = (size_t)failed;
    cli_docs_free(docs, n_docs);
    us_model_free(m);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("write error on stdout");
        return EXIT_RUNTIME;
    }
    if (n_failed + n_missing) {
        cli_error("%zu of %zu article(s) could not be predicted", n_failed + n_missing,
                  n_docs + n_missing);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
