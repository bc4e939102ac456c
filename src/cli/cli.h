/* cli.h -- shared helpers for the command-line front end.
 *
 * src/cli is the only code that prints freely or chooses exit codes:
 * 0 success, 1 runtime error (I/O, data, model), 2 usage error. */
#ifndef US_CLI_H
#define US_CLI_H

#include <stdio.h>
#include "base/base.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Each command: int cmd_NAME(int argc, char **argv), argv[0] = command name.
 * Declared weak so that a front end built without a command still links. */
#define US_COMMANDS(X)                                                              \
    X(train, "learn a model from SemEval-format training data")                     \
    X(predict, "predict genre, frames or techniques in the official format")        \
    X(eval, "score a prediction file against gold labels (official metrics)")       \
    X(cv, "k-fold cross-validation by article over languages and subtasks")         \
    X(analyze, "analyse one article: genre, frames, techniques, spans, evidence")  \
    X(report, "write a self-contained HTML report for one or more articles")        \
    X(batch, "analyse a JSON Lines corpus, one result line per input line")         \
    X(serve, "HTTP JSON API and web page on libmicrohttpd")                         \
    X(dump, "print a model file's header, sections and configuration")              \
    X(tokenize, "print tokens with byte and code-point offsets")

#define X(name, help) int cmd_##name(int argc, char **argv) __attribute__((weak));
US_COMMANDS(X)
#undef X

extern int cli_quiet;        /* -q: no progress or info on stderr */
extern const char *cli_cmd;  /* current command name, for messages */

/* "unspin: CMD: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err's message as an error and returns EXIT_RUNTIME. */
int cli_fail(const us_err *err);
/* Forwards library log messages to stderr (unless -q). */
void cli_log_to_stderr(int level, const char *msg, void *ud);
/* Path of the default model: $UNSPIN_MODEL, else next to the executable
 * (../models/default.usm, ../share/unspin/default.usm). NULL if none exists. */
const char *cli_default_model(void);
int cli_is_tty(FILE *f);
struct us_model;
/* Loads 'path', or the default model when path is NULL; on failure prints the
 * error (with a HINT when there is no model at all) and returns NULL. */
struct us_model *cli_load_model(const char *path);
/* The same, reading only what analyses with these us_analyze_opts.tasks need. */
struct us_model *cli_load_model_for(const char *path, int tasks);
/* Worker threads when --jobs is not given: the online CPUs, 1 to 64. */
long cli_default_jobs(void);
/* Parses --jobs N (1..max) into *out; 0, or -1 after printing the error. */
int cli_parse_jobs(const char *s, long max, long *out);

#endif
