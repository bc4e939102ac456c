/* batch.h -- internals of `unspin batch`: line reader, one-line analysis, resume set.
 *
 * cmd_batch.c runs the pipeline (reader thread -> ring of slots -> N workers ->
 * in-order writer). The pieces here hold no global state:
 *   batch_read.c  bounded line reader with a skip mode for over-long lines, and
 *                 the multiset of ids already present in a --resume output;
 *   batch_line.c  one JSONL input line -> one JSONL output line (result or error).
 * See docs/SCALE.md for the formats. */
#ifndef US_CLI_BATCH_H
#define US_CLI_BATCH_H

#include <stdio.h>
#include "base/base.h"
#include "unspin.h"

#define BATCH_MAX_LINE ((size_t)64 << 20)   /* longer input lines are skipped, not buffered */
#define BATCH_MAX_TEXT ((size_t)16 << 20)   /* decoded "text" limit */

/* ---- line reader ------------------------------------------------------- */

typedef struct batch_reader {
    FILE *f;
    char *buf;            /* read-ahead buffer, BATCH_READ_CHUNK bytes */
    size_t pos, end;
    int eof, error;
    int last_nl;          /* the last line read ended with '\n' (not cut by end of input) */
    uint64_t n_bytes;     /* bytes consumed so far (progress) */
} batch_reader;

/* Borrows 'f' (not closed by fini). US_ENOMEM if the buffer cannot be had. */
int batch_reader_init(batch_reader *r, FILE *f);
void batch_reader_fini(batch_reader *r);
/* Reads the next line into 'line' (reset first; without the '\n' and a
 * trailing '\r'). A line longer than 'max_len' is consumed to its end without
 * being stored and *too_long is set. Returns 1 for a line, 0 at end of input,
 * -1 on a read error (r->error set). */
int batch_read_line(batch_reader *r, us_buf *line, size_t max_len, int *too_long);

/* ---- one line ----------------------------------------------------------- */

typedef struct batch_opts {
    const us_model *model;
    const char *lang;     /* default language when a line has none (may be NULL) */
    int explain;
    int tasks;            /* US_DO_* bits, 0 = all */
} batch_opts;

/* Finds the raw bytes of the output id of a line: the "id" member of a valid
 * JSON object line, verbatim. OUT: *id_off, *id_len. Returns 1 when the line
 * has a non-null id, 0 when its output id is null (blank, invalid, no id,
 * "id":null). Deterministic: the writer uses the same rule. */
int batch_line_id(const char *line, size_t len, size_t *id_off, size_t *id_len);

/* Analyses one input line and appends exactly one output line (with '\n')
 * to 'out': {"id":..., <other members verbatim>, "result":{...}} or
 * {"id":...,"error":"WHERE: message"}. 'where' is "file:line". Returns 1
 * when analysed, 0 when the line became an error object, -1 when out of
 * memory ('out' then holds an error object if at all possible). */
int batch_line_run(const batch_opts *o, const char *line, size_t len, const char *where,
                   us_buf *out);
/* Appends {"id":null,"error":"WHERE: msg"}\n. */
void batch_line_error(us_buf *out, const char *where, const char *msg);

/* ---- --resume: ids already written ------------------------------------- */

typedef struct batch_idset {
    struct batch_id *slots;   /* open addressing, power-of-two capacity */
    size_t cap, n;
    size_t n_null;            /* output lines whose id is null */
    size_t n_lines;           /* complete lines found */
} batch_idset;

/* Reads the previous output 'path' (missing file = empty set), counts each
 * complete line's id, and truncates a last partial line from the file so
 * that appending continues on a line boundary. A line that is not a JSON
 * object counts as a null id. */
int batch_idset_load(batch_idset *s, const char *path, us_err *err);
void batch_idset_fini(batch_idset *s);
/* If the id occurs in the set with a count > 0, decrements it and returns 1
 * (the line was already written), else 0. */
int batch_idset_take(batch_idset *s, const char *id, size_t len);

#endif
