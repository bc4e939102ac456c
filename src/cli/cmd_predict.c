/* cmd_predict.c -- `unspin predict`: official submission format or JSON Lines. */
#include <getopt.h>
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
        "  -h, --help        this help\n"
        "\n"
        "Exit status: 0 when every article was predicted, 1 when any could not be\n"
        "(each is named on stderr), 2 on a usage error.\n");
}

enum { OPT_TASK = 256, OPT_LANG, OPT_MODEL, OPT_FORMAT, OPT_UTF8 };

static void print_semeval(int task, const char *id, const us_analysis *a)
{
    if (task == US_TASK_GENRE) {
        printf("%s\t%s\n", id, us_label_name(0, a->genre));
    } else if (task == US_TASK_FRAMING) {
        printf("%s\t", id);
        int first = 1;
        for (int l = 0; l < US_N_FRAMES; l++)
            if (a->frames >> l & 1u) { printf("%s%s", first ? "" : ",", us_label_name(1, l)); first = 0; }
        putchar('\n');
    } else {
        for (size_t i = 0; i < a->n_paras; i++) {
            printf("%s\t%u\t", id, a->paras[i].line);
            int first = 1;
            for (int l = 0; l < US_N_TECHNIQUES; l++)
                if (a->paras[i].techniques >> l & 1u) {
                    printf("%s%s", first ? "" : ",", us_label_name(2, l));
                    first = 0;
                }
            putchar('\n');
        }
    }
}

static void json_str(const char *s)
{
    us_buf b;
    us_buf_init(&b);
    us_buf_json_str(&b, s, strlen(s));
    printf("\"%s\"", b.data ? b.data : "");
    us_buf_fini(&b);
}

static void print_jsonl(int task, const char *id, const us_analysis *a)
{
    printf("{\"id\":");
    json_str(id);
    if (task == US_TASK_GENRE) {
        printf(",\"genre\":\"%s\",\"confidence\":%.4f", us_label_name(0, a->genre),
               a->genre_prob[a->genre]);
    } else if (task == US_TASK_FRAMING) {
        printf(",\"frames\":[");
        int first = 1;
        for (int l = 0; l < US_N_FRAMES; l++)
            if (a->frames >> l & 1u) { printf("%s\"%s\"", first ? "" : ",", us_label_name(1, l)); first = 0; }
        printf("],\"probs\":{");
        for (int l = 0; l < US_N_FRAMES; l++)
            printf("%s\"%s\":%.4f", l ? "," : "", us_label_name(1, l), a->frame_prob[l]);
        printf("}");
    } else {
        printf(",\"paragraphs\":[");
        for (size_t i = 0; i < a->n_paras; i++) {
            printf("%s{\"line\":%u,\"techniques\":[", i ? "," : "", a->paras[i].line);
            int first = 1;
            for (int l = 0; l < US_N_TECHNIQUES; l++)
                if (a->paras[i].techniques >> l & 1u) {
                    printf("%s\"%s\"", first ? "" : ",", us_label_name(2, l));
                    first = 0;
                }
            printf("]}");
        }
        printf("]");
    }
    printf("}\n");
}

int cmd_predict(int argc, char **argv)
{
    static const struct option opts[] = {
        {"task", required_argument, 0, OPT_TASK}, {"lang", required_argument, 0, OPT_LANG},
        {"model", required_argument, 0, OPT_MODEL}, {"format", required_argument, 0, OPT_FORMAT},
        {"utf8", required_argument, 0, OPT_UTF8}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *lang = NULL;
    int task = -1, jsonl = 0, policy = CLI_UTF8_STRICT, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
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
    us_err err = {0};
    cli_doc *docs;
    size_t n_docs, n_missing;
    if (cli_collect_docs(argv + optind, argc - optind, &docs, &n_docs, &n_missing) != US_OK) {
        cli_error("out of memory");
        us_model_free(m);
        return EXIT_RUNTIME;
    }
    size_t n_failed = 0;
    us_analyze_opts ao = {lang, 0, 1 << task};
    for (size_t i = 0; i < n_docs; i++) {
        char *text;
        size_t len;
        us_analysis *a;
        int rc = cli_analyze_doc(m, docs[i].path, policy, &ao, &text, &len, &a, &err);
        /* Genre and frames of a text without words would be the heads' biases:
         * such an article is reported, not given a label (a and text are freed
         * below, as after any error). */
        if (rc == US_OK && task != US_TASK_TECHNIQUES && a->n_words == 0)
            rc = us_err_set(&err, US_EINVAL, "%s: no words to classify (%s not predicted)",
                            docs[i].path, task == US_TASK_GENRE ? "genre" : "frames");
        if (rc != US_OK) {
            n_failed++;
            cli_error("%s", err.msg);
            if (jsonl) {
                char *nl = strchr(err.msg, '\n');
                if (nl) *nl = '\0';
                printf("{\"id\":");
                json_str(docs[i].id);
                printf(",\"error\":");
                json_str(err.msg);
                printf("}\n");
            }
        } else if (jsonl) {
            print_jsonl(task, docs[i].id, a);
        } else {
            print_semeval(task, docs[i].id, a);
        }
        fflush(stdout);
        us_analysis_free(a);
        us_free(text);
    }
    cli_docs_free(docs, n_docs);
    us_model_free(m);
    if (n_failed + n_missing) {
        cli_error("%zu of %zu article(s) could not be predicted", n_failed + n_missing,
                  n_docs + n_missing);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
