/* cmd_train.c -- `unspin train`: learn a model from the official training layout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_data.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin train --data DIR [options] -o MODEL\n"
        "\n"
        "Learns genre, framing and technique models jointly over all languages from\n"
        "DIR/<lang>/train-articles-subtask-N/ and train-labels-subtask-N.txt.\n"
        "Training is deterministic for a given --seed (whatever --threads is).\n"
        "\n"
        "options:\n"
        "  --data DIR          SemEval-2023 Task 3 data folder (holds en/ fr/ ...)\n"
        "  --langs LIST        comma-separated languages (default en,fr,ge,it,po,ru)\n"
        "  --task T            genre, framing, techniques or all (default all)\n"
        "  -o, --output MODEL  model file to write (default unspin.usm)\n"
        "  --seed N            random seed (default 1)\n"
        "  --threads N         training threads (default 2)\n"
        "  --bits N            hash buckets = 2^N (default 18)\n"
        "  --epochs N          epochs for every task (default: genre 30, framing 45,\n"
        "                      techniques 10)\n"
        "  --inner-folds N     folds used to tune thresholds (default 3, techniques with\n"
        "                      --stack 1: 5; 0 = fixed 0.5 and no second stage)\n"
        "  --span-items 0|1    also learn from each gold span's words (default 1)\n"
        "  --idf 0|1           weight features by inverse document frequency (default 0)\n"
        "  --l2 X              L2 regularisation per update, every task (default: per task)\n"
        "  --lr X              AdaGrad learning rate, every task (default 0.5)\n"
        "  --average 0|1       keep the mean of the training iterates instead of the last\n"
        "                      one, every task (default: techniques 1, genre and framing 0)\n"
        "  --spans 0|1         train the span tagger too (default 1)\n"
        "  --span-bits N       the span tagger's hash buckets = 2^N (default 17)\n"
        "  --span-bias X       the span tagger's bonus for tagging a token inside a\n"
        "                      span, -5..5: higher gives longer spans (default 0.8)\n"
        "  --lex-bits N        the span lexicon's hash buckets = 2^N (default 18)\n"
        "  --head-bits G,F,T   weight rows of the genre, framing and techniques heads:\n"
        "                      2^G, 2^F, 2^T, capped at the buckets; a head with fewer\n"
        "                      rows puts several buckets in a row (default 18,16,18)\n"
        "  --lex-alpha X       the span lexicon's smoothing: pseudo-tokens that pull a\n"
        "                      word's rate towards the pooled word's (default 20)\n"
        "  --char-tf MODE      character n-gram counts: log (damped by log(1+x)), linear,\n"
        "                      or linear-paragraphs (linear for techniques, log for\n"
        "                      articles; the default); linear is scored a word at a\n"
        "                      time: faster\n"
        "  --lang-words 0|1    also learn each word per language (default 0)\n"
        "  --ctx-blocks 0|1    techniques: each neighbouring paragraph's words form a\n"
        "                      block normalised on its own, scored once per line\n"
        "                      (default 1; 0: merged into the paragraph's vector)\n"
        "  --ctx-weight X      weight of the neighbouring paragraphs' words (default\n"
        "                      0.25; --ctx-blocks 0 --ctx-weight 0.4 trains as before)\n"
        "  --char-min N        shortest character n-gram, up to 5 (default 3; 0 = none)\n");
    fprintf(f,   /* two strings: C17 compilers need only take 4095 characters in one */
        "  --knn K             framing: blend in the frames of the K most similar\n"
        "                      training articles of the language (default 20; 0 = off)\n"
        "  --knn-weight W      the weight of their vote, 0..1 (default 0.35)\n"
        "  --stack 0|1         techniques: second stage reading the whole article's\n"
        "                      first-stage scores, one global threshold (default 1)\n"
        "  --stack-spans 0|1   the second stage also reads the span tagger's best span\n"
        "                      of each likely technique (default 0): more accurate on\n"
        "                      English, slower paragraph-level prediction\n"
        "  --stack-cues 0|1    the second stage also reads seven cue statistics of each\n"
        "                      paragraph (questions, exclamations, quotes, numbers,\n"
        "                      names, capitals, word length; default 1)\n"
        "  --stack-lex 0|1     the second stage also reads the span lexicon: per word,\n"
        "                      how often it lies inside each technique's spans (needs\n"
        "                      --stack-cues 1, not with --stack-spans; default 1)\n"
        "  --lexicon FILE      valence word list (LANG<TAB>WORD<TAB>VALENCE -5..5, as\n"
        "                      data/lexicon/afinn-multilang.tsv): each listed word also\n"
        "                      adds a 'valence v' feature; stored in the model\n"
        "  --lex-weight W      weight of those features (default 1)\n"
        "  -h, --help          this help\n");
}

/* Whether --stack-lex was given (otherwise the default yields to
 * --stack-spans 1, --stack-cues 0, --stack 0 and --inner-folds 0). */
static int stack_lex_given;
/* Whether --task named subtasks (otherwise, and with --task all, the subtasks
 * without labels are left out). */
static int task_given;

/* Parses the options shared by train and cv into cfg; returns -1 on a usage error. */
int cli_train_option(int opt, const char *arg, us_train_cfg *cfg)
{
    unsigned long v;
    switch (opt) {
    case OPT_SEED:
        if (cli_parse_uint(arg, 0, 0xffffffffUL, &v)) return -1;
        for (int t = 0; t < US_N_TASKS; t++) cfg->p[t].seed = v;
        return 0;
    case OPT_THREADS:
        if (cli_parse_uint(arg, 1, 16, &v)) return -1;
        cfg->threads = (int)v;
        return 0;
    case OPT_BITS:
        if (cli_parse_uint(arg, 10, 24, &v)) return -1;
        cfg->feat.bucket_bits = (uint32_t)v;
        return 0;
    case OPT_SPAN_BITS:
        if (cli_parse_uint(arg, 10, 22, &v)) return -1;
        cfg->span.bucket_bits = (uint32_t)v;
        return 0;
    case OPT_LEX_BITS:
        if (cli_parse_uint(arg, 10, 22, &v)) return -1;
        cfg->lex_bits = (uint32_t)v;
        return 0;
    case OPT_HEAD_BITS: {   /* G,F,T: one number a task, all valid or none taken */
        uint32_t hb[US_N_TASKS];
        const char *p = arg;
        for (int t = 0; t < US_N_TASKS; t++) {
            char part[16];
            size_t n = strcspn(p, ",");
            if (n == 0 || n >= sizeof part || (t < US_N_TASKS - 1) != (p[n] == ',')) return -1;
            memcpy(part, p, n);
            part[n] = '\0';
            if (cli_parse_uint(part, 10, 24, &v)) return -1;
            hb[t] = (uint32_t)v;
            p += n + (p[n] == ',');
        }
        memcpy(cfg->head_bits, hb, sizeof hb);
        return 0;
    }
    case OPT_KNN:
        if (cli_parse_uint(arg, 0, US_KNN_MAX_K, &v)) return -1;
        cfg->knn_k = (uint32_t)v;
        return 0;
    case OPT_KNN_WEIGHT: {
        double d;
        if (cli_parse_real(arg, &d) || !(d >= 0 && d <= 1)) return -1;
        cfg->knn_weight = (float)d;
        return 0;
    }
    case OPT_SPAN_BIAS: {
        double d;
        if (cli_parse_real(arg, &d) || !(d >= -5 && d <= 5)) return -1;
        cfg->span.inside_bias = (float)d;
        return 0;
    }
    case OPT_LEX_ALPHA: {
        double d;
        if (cli_parse_real(arg, &d) || !(d > 0 && d <= 10000)) return -1;
        cfg->lex_alpha = d;
        return 0;
    }
    case OPT_EPOCHS:
        if (cli_parse_uint(arg, 1, 1000, &v)) return -1;
        for (int t = 0; t < US_N_TASKS; t++) cfg->p[t].epochs = (uint32_t)v;
        return 0;
    case OPT_INNER:
        if (cli_parse_uint(arg, 0, 8, &v) || v == 1) return -1;
        cfg->inner_folds = cfg->stack_folds = (uint32_t)v;
        return 0;
    case OPT_TASK:
        task_given = strcmp(arg, "all") != 0;
        return cli_parse_tasks(arg, &cfg->tasks);
    case OPT_SPAN_ITEMS:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->span_items = (int)v;
        return 0;
    case OPT_L2: {
        double d;
        if (cli_parse_real(arg, &d) || !(d >= 0 && d < 1)) return -1;
        for (int t = 0; t < US_N_TASKS; t++) cfg->p[t].l2 = (float)d;
        return 0;
    }
    case OPT_LR: {
        double d;
        if (cli_parse_real(arg, &d) || !(d > 0 && d <= 100)) return -1;
        for (int t = 0; t < US_N_TASKS; t++) cfg->p[t].lr = (float)d;
        return 0;
    }
    case OPT_IDF:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->idf = (int)v;
        return 0;
    case OPT_SPANS:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->spans = (int)v;
        return 0;
    case OPT_STACK:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->stack = (int)v;
        return 0;
    case OPT_AVERAGE:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        for (int t = 0; t < US_N_TASKS; t++) cfg->p[t].average = (int)v;
        return 0;
    case OPT_STACK_SPANS:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->stack_spans = (int)v;
        return 0;
    case OPT_STACK_CUES:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->stack_cues = (int)v;
        return 0;
    case OPT_STACK_LEX:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->stack_lex = (int)v;
        stack_lex_given = 1;
        return 0;
    case OPT_CHAR_MIN:
        if (cli_parse_uint(arg, 0, 5, &v)) return -1;
        cfg->feat.char_min_n = (uint32_t)v;
        return 0;
    case OPT_LANG_WORDS:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->feat.lang_words = (uint32_t)v;
        return 0;
    case OPT_LEX_WEIGHT: {
        double d;
        if (cli_parse_real(arg, &d) || !(d > 0 && d < 100)) return -1;
        cfg->feat.w_lex = (float)d;
        return 0;
    }
    case OPT_CTX_BLOCKS:
        if (cli_parse_uint(arg, 0, 1, &v)) return -1;
        cfg->feat.ctx_blocks = (uint32_t)v;
        return 0;
    case OPT_CTX_WEIGHT: {
        double d;
        if (cli_parse_real(arg, &d) || !(d > 0 && d <= 4)) return -1;
        cfg->feat.w_ctx = (float)d;
        return 0;
    }
    case OPT_CHAR_TF:
        if (!strcmp(arg, "log")) cfg->feat.char_linear = US_CHAR_LINEAR_NONE;
        else if (!strcmp(arg, "linear")) cfg->feat.char_linear = US_CHAR_LINEAR_ALL;
        else if (!strcmp(arg, "linear-paragraphs")) cfg->feat.char_linear = US_CHAR_LINEAR_PARAS;
        else return -1;
        return 0;
    }
    return -1;
}

int cli_train_options_done(us_train_cfg *cfg, const char *path)
{
    if (cfg->stack_spans && (!cfg->stack || !cfg->spans || cfg->stack_folds < 2)) {
        cli_error("--stack-spans 1 needs --stack 1, --spans 1 and inner folds");
        return EXIT_USAGE;
    }
    /* The default lexicon input gives way to options it does not go with. */
    int lex_fits = cfg->stack && cfg->stack_cues && !cfg->stack_spans && cfg->stack_folds >= 2;
    if (!stack_lex_given && !lex_fits) cfg->stack_lex = 0;
    if (cfg->stack_lex && !lex_fits) {
        cli_error("--stack-lex 1 needs --stack 1, --stack-cues 1 and inner folds, "
                  "and does not go with --stack-spans 1");
        return EXIT_USAGE;
    }
    if (!path) {
        if (cfg->feat.w_lex > 0) {
            cli_error("--lex-weight needs --lexicon FILE");
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    char *data = NULL;
    size_t len = 0;
    us_err err = {0};
    uint64_t *keys = NULL;
    uint32_t n = 0;
    if (us_read_file(path, 64u << 20, &data, &len, &err) != US_OK ||
        us_lex_parse(&cfg->feat, data, len, path, &keys, &n, &err) != US_OK) {
        us_free(data);
        cli_fail(&err);
        return EXIT_RUNTIME;
    }
    us_free(data);
    cfg->lex = keys;
    cfg->n_lex = n;
    if (cfg->feat.w_lex == 0) cfg->feat.w_lex = 1.0f;
    cli_info("lexicon %s: %u words", path, n);
    return EXIT_OK;
}

int cli_train_data_done(const us_dataset *ds, const char *dir, us_train_cfg *cfg)
{
    static const char *const what[US_N_TASKS] = {
        "genre (train-labels-subtask-1.txt)", "framing (train-labels-subtask-2.txt)",
        "techniques (train-labels-subtask-3.txt)"};
    int have = 0;
    size_t with_spans = 0;
    for (size_t i = 0; i < ds->n; i++) {
        const us_article *a = &ds->arts[i];
        if (a->text[US_TASK_GENRE] && a->genre >= 0) have |= 1;
        if (a->text[US_TASK_FRAMING] && a->has_frames) have |= 2;
        for (uint32_t l = 0; a->text[US_TASK_TECHNIQUES] && a->line_gold && l < a->n_lines; l++)
            if (a->line_gold[l]) { have |= 4; break; }
        with_spans += a->text[US_TASK_TECHNIQUES] && a->n_spans;
    }
    int missing = (int)cfg->tasks & ~have;
    for (int t = 0; t < US_N_TASKS; t++) {
        if (!(missing >> t & 1)) continue;
        if (task_given) {   /* asked for by name: nothing to learn it from */
            cli_error("%s: no labelled article for %s", dir, what[t]);
            return EXIT_RUNTIME;
        }
        cli_info("%s: no labelled article for %s: the model will not predict it", dir, what[t]);
    }
    cfg->tasks &= (unsigned)have;
    if (!cfg->tasks) {
        cli_error("%s: no labelled article for any subtask", dir);
        return EXIT_RUNTIME;
    }
    /* The span tagger marks the words of predicted techniques only, and learns
     * from the span files: without either it would be an empty table. */
    if (cfg->spans && (!(cfg->tasks & 4) || !with_spans)) {
        if (cfg->stack_spans) {
            cli_error("%s: --stack-spans 1 needs techniques labels and span files", dir);
            return EXIT_RUNTIME;
        }
        if (cfg->tasks & 4)
            cli_info("%s: no span file (train-labels-subtask-3-spans/): no span tagger", dir);
        cfg->spans = 0;
    }
    return EXIT_OK;
}

void cli_train_cfg_fini(us_train_cfg *cfg)
{
    us_free((void *)cfg->lex);
    cfg->lex = NULL;
    cfg->n_lex = 0;
}

int cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TRAIN_LONG_OPTIONS, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data = NULL, *langs = NULL, *out = "unspin.usm", *lexicon = NULL;
    us_train_cfg cfg;
    us_train_cfg_default(&cfg);
    cli_train_cfg_progress(&cfg);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:hq", opts, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: data = optarg; break;
        case OPT_LEXICON: lexicon = optarg; break;
        case OPT_LANGS: langs = optarg; break;
        case 'o': out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            if (c >= OPT_DATA && cli_train_option(c, optarg, &cfg) == 0) break;
            if (c >= OPT_DATA) cli_error("invalid value '%s' for --%s", optarg,
                                         cli_option_name(opts, c));
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!data || optind != argc) {
        cli_error(!data ? "--data is required" : "unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    us_dataset ds;
    size_t n_problems;
    int rc = cli_train_options_done(&cfg, lexicon);
    if (rc != EXIT_OK) return rc;
    rc = cli_load_dataset(data, langs, &ds, &n_problems);
    if (rc != EXIT_OK) { cli_train_cfg_fini(&cfg); return rc; }
    if ((rc = cli_train_data_done(&ds, data, &cfg)) != EXIT_OK) {
        us_dataset_fini(&ds);
        cli_train_cfg_fini(&cfg);
        return rc;
    }
    us_err err = {0};
    us_corpus corpus;
    us_head_build heads[US_N_TASKS];
    char *meta = NULL;
    us_mfw *w = NULL;
    us_model *m = NULL;
    rc = EXIT_RUNTIME;
    float *idf = NULL;
    memset(&corpus, 0, sizeof corpus);
    if (cfg.idf && us_idf_compute(&ds, NULL, &cfg.feat, &idf, &err) != US_OK) {
        cli_fail(&err);
        goto out;
    }
    if (us_corpus_build(&corpus, &ds, &cfg, idf, &err) != US_OK) {
        cli_fail(&err);
        goto out;
    }
    cli_info("features computed for %zu articles, %zu paragraphs", corpus.n_arts,
             corpus.n_paras);
    if (us_train_heads(&corpus, &ds, NULL, &cfg, heads, &err) != US_OK) {
        cli_fail(&err);
        goto out_corpus;
    }
    if (us_train_meta(&ds, &cfg, langs, &meta) != US_OK) {
        cli_error("out of memory");
        goto out_heads;
    }
    m = cli_build_model(&ds, NULL, &cfg, heads, idf, meta, &w, &err);
    if (!m) { cli_fail(&err); goto out_heads; }
    if (us_mfw_save(w, out, &err) != US_OK) { cli_fail(&err); goto out_heads; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(out, "rb");
    long size = -1;
    if (f) { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
    cli_info("wrote %s (%.1f MB, %s) in %.1f s", out, size / 1e6, us_model_version(m),
             (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    rc = EXIT_OK;
out_heads:
    for (int t = 0; t < US_N_TASKS; t++) us_head_build_fini(&heads[t]);
out_corpus:
    us_corpus_fini(&corpus);
out:
    us_free(idf);
    us_model_free(m);
    us_mfw_free(w);
    us_free(meta);
    us_dataset_fini(&ds);
    cli_train_cfg_fini(&cfg);
    return rc;
}
