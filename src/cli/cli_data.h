/* cli_data.h -- helpers shared by train and cv. */
#ifndef US_CLI_DATA_H
#define US_CLI_DATA_H

#include "cli/cli.h"
#include "io/dataset.h"
#include "task/span_fix.h"
#include "task/trainer.h"

/* Loads a dataset, printing problems (first 20) and a summary on stderr. */
int cli_load_dataset(const char *dir, const char *langs, us_dataset *ds, size_t *n_problems);
void cli_train_cfg_progress(us_train_cfg *cfg);
/* Serialises heads and loads them back as a model, exactly as a saved file
 * would be (quantisation included). OUT: *out_writer when not NULL. */
us_model *cli_build_model(const us_dataset *ds, const uint8_t *art_in, const us_train_cfg *cfg,
                          us_head_build heads[US_N_TASKS], const float *idf, const char *meta,
                          us_mfw **out_writer, us_err *err);
/* "genre,framing" / "all" -> bitmask; -1 on an unknown name. */
int cli_parse_tasks(const char *s, uint32_t *mask);
int cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A whole decimal number (strtod syntax, finite) into *out; -1 if not. */
int cli_parse_real(const char *s, double *out);

/* Options shared by train and cv (ids from OPT_DATA up, see cmd_train.c). */
enum { OPT_DATA = 256, OPT_LANGS, OPT_TASK, OPT_SEED, OPT_THREADS, OPT_BITS, OPT_EPOCHS,
       OPT_INNER, OPT_SPAN_ITEMS, OPT_IDF, OPT_SPANS, OPT_L2, OPT_CHAR_TF, OPT_LANG_WORDS, OPT_CHAR_MIN, OPT_STACK,
       OPT_LEXICON, OPT_LEX_WEIGHT, OPT_STACK_SPANS, OPT_AVERAGE, OPT_SPAN_BITS,
       OPT_STACK_CUES, OPT_STACK_LEX, OPT_LEX_BITS, OPT_LEX_ALPHA, OPT_CTX_BLOCKS, OPT_CTX_WEIGHT,
       OPT_HEAD_BITS, OPT_LR, OPT_KNN, OPT_KNN_WEIGHT, OPT_SPAN_BIAS, OPT_FIRST_FREE };
/* Their getopt_long entries, one list for both commands' tables. */
#define CLI_TRAIN_LONG_OPTIONS                                                                   \
    {"data", required_argument, 0, OPT_DATA}, {"langs", required_argument, 0, OPT_LANGS},        \
    {"task", required_argument, 0, OPT_TASK}, {"seed", required_argument, 0, OPT_SEED},           \
    {"threads", required_argument, 0, OPT_THREADS}, {"bits", required_argument, 0, OPT_BITS},     \
    {"epochs", required_argument, 0, OPT_EPOCHS},                                                 \
    {"inner-folds", required_argument, 0, OPT_INNER},                                             \
    {"span-items", required_argument, 0, OPT_SPAN_ITEMS}, {"idf", required_argument, 0, OPT_IDF}, \
    {"l2", required_argument, 0, OPT_L2}, {"char-tf", required_argument, 0, OPT_CHAR_TF},         \
    {"lr", required_argument, 0, OPT_LR},                                                         \
    {"lang-words", required_argument, 0, OPT_LANG_WORDS},                                         \
    {"char-min", required_argument, 0, OPT_CHAR_MIN},                                             \
    {"stack", required_argument, 0, OPT_STACK},                                                   \
    {"stack-spans", required_argument, 0, OPT_STACK_SPANS},                                       \
    {"stack-cues", required_argument, 0, OPT_STACK_CUES},                                         \
    {"stack-lex", required_argument, 0, OPT_STACK_LEX},                                           \
    {"average", required_argument, 0, OPT_AVERAGE},                                               \
    {"lexicon", required_argument, 0, OPT_LEXICON},                                               \
    {"lex-weight", required_argument, 0, OPT_LEX_WEIGHT},                                         \
    {"spans", required_argument, 0, OPT_SPANS},                                                   \
    {"span-bits", required_argument, 0, OPT_SPAN_BITS},                                           \
    {"lex-bits", required_argument, 0, OPT_LEX_BITS},                                             \
    {"head-bits", required_argument, 0, OPT_HEAD_BITS},                                           \
    {"lex-alpha", required_argument, 0, OPT_LEX_ALPHA},                                           \
    {"ctx-blocks", required_argument, 0, OPT_CTX_BLOCKS},                                         \
    {"ctx-weight", required_argument, 0, OPT_CTX_WEIGHT},                                         \
    {"knn", required_argument, 0, OPT_KNN},                                                       \
    {"knn-weight", required_argument, 0, OPT_KNN_WEIGHT},                                         \
    {"span-bias", required_argument, 0, OPT_SPAN_BIAS}
int cli_train_option(int opt, const char *arg, us_train_cfg *cfg);
/* After the options: checks their combinations and loads the --lexicon file
 * 'path' (may be NULL) into cfg for the featurizer's seed. Returns EXIT_OK, or
 * prints the error and returns EXIT_USAGE (--lex-weight alone, --stack-spans
 * or --stack-lex without what it needs) or EXIT_RUNTIME (unreadable or bad lexicon). */
int cli_train_options_done(us_train_cfg *cfg, const char *path);
/* After loading the data: leaves out the subtasks without labels (an error
 * when --task named them) and the span tagger without span files or
 * techniques, saying so. Returns EXIT_OK or EXIT_RUNTIME (message printed). */
int cli_train_data_done(const us_dataset *ds, const char *dir, us_train_cfg *cfg);
/* Frees the lexicon of cli_train_options_done. */
void cli_train_cfg_fini(us_train_cfg *cfg);
struct option;
/* The long name of option value 'val' in a getopt_long table ("?" if none). */
const char *cli_option_name(const struct option *opts, int val);

#endif
