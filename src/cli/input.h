/* input.h -- article paths for predict, analyze and report. */
#ifndef US_CLI_INPUT_H
#define US_CLI_INPUT_H

#include <stddef.h>
#include "cli/cli.h"

typedef struct cli_doc {
    char *path;        /* as given or joined with its folder; "-" = stdin */
    char id[64];       /* article ID: from article<ID>.txt, else the file name without .txt */
} cli_doc;

/* Expands PATHs: a folder contributes its article<ID>.txt files (sorted by
 * name; other files are reported and skipped), a file or "-" itself. Missing
 * paths are reported (cli_error) and counted in *n_missing, not dropped
 * silently. OUT: *docs (free with cli_docs_free). */
int cli_collect_docs(char **paths, int n_paths, cli_doc **docs, size_t *n_docs, size_t *n_missing);
void cli_docs_free(cli_doc *docs, size_t n);

enum { CLI_UTF8_STRICT = 0, CLI_UTF8_REPLACE = 1 };
/* Reads an article (limit 64 MB). Invalid UTF-8: error "invalid UTF-8 at byte N"
 * in strict mode; replaced by U+FFFD (with a warning) in replace mode.
 * OUT: *text (us_free), *len. */
int cli_read_doc(const char *path, int utf8_policy, char **text, size_t *len, us_err *err);
struct us_model;
struct us_analysis;
struct us_analyze_opts;
/* Reads an article and analyses it; errors name the path. OUT: *text (us_free),
 * *len, *a (us_analysis_free); all NULL/0 on failure. */
int cli_analyze_doc(const struct us_model *m, const char *path, int utf8_policy,
                    const struct us_analyze_opts *opts, char **text, size_t *len,
                    struct us_analysis **a, us_err *err);
/* Parses --utf8=strict|replace; -1 (after saying so on stderr) if invalid. */
int cli_parse_utf8_policy(const char *s);

#endif
