/* jsonrec.h -- one JSON object (a batch input line, an HTTP request body):
 * validated whole, a few named top-level members read, the rest skipped.
 *
 * yajl's event parser does the JSON; this module adds what it lets through
 * and unspin does not: a lone UTF-16 surrogate escape (yajl decodes it to '?'
 * or to invalid UTF-8), raw control bytes other than tab and CR (yajl takes
 * form feed and vertical tab for white space), and a repeated member among
 * the named ones (which "text" would be meant?). Other repeated members,
 * nesting of any depth and numbers of any size are valid JSON and pass.
 * The input must already be valid UTF-8 (callers report bad bytes with their
 * own offsets first). */
#ifndef US_IO_JSONREC_H
#define US_IO_JSONREC_H

#include <stddef.h>
#include "base/base.h"

/* What a value is. */
enum { US_JR_ABSENT, US_JR_NULL, US_JR_BOOL, US_JR_NUMBER, US_JR_STRING, US_JR_ARRAY,
       US_JR_OBJECT };

typedef struct us_jrec_field {
    const char *name;    /* IN: the member's name */
    size_t keep_max;     /* IN: strings up to this many bytes are kept in str (0: none) */
    int kind;            /* OUT: US_JR_* of its value, US_JR_ABSENT when missing */
    int truth;           /* OUT: US_JR_BOOL: 1 for true */
    const char *str;     /* OUT: US_JR_STRING kept: the decoded bytes, NUL-terminated
                            (in buf), else NULL */
    size_t len;          /* OUT: US_JR_STRING: the decoded length, kept or not */
    us_buf buf;          /* owned: decoded escapes */
} us_jrec_field;

typedef struct us_jrec {
    us_jrec_field *f;    /* IN: the named members (the caller's array) */
    size_t n_f;
    int kind;            /* OUT: US_JR_* of the whole document */
    us_buf order;        /* OUT: per top-level member in order, 1 + its index in f, or 0 */
    /* parser state */
    size_t depth;
    int oom;
    int member;          /* index in f of the member being read, or -1 */
    int dup;             /* index in f of a repeated member, or -1 */
} us_jrec;

/* Binds r to the caller's fields (names and keep_max set; outputs reset). */
void us_jrec_init(us_jrec *r, us_jrec_field *f, size_t n_f);
void us_jrec_fini(us_jrec *r);   /* also frees the fields' buffers */

/* Parses s[0..n) (valid UTF-8). US_OK (r->kind may be any value: the caller
 * checks for US_JR_OBJECT), US_EINVAL with *off (byte offset) and a one-line
 * reason in msg ("lexical error: ...", "duplicate member \"text\"", ...), or
 * US_ENOMEM. */
int us_jrec_parse(us_jrec *r, const char *s, size_t n, size_t *off, char *msg, size_t msg_len);

/* "an object", "a string", "null"...: for messages. */
const char *us_jrec_kind_name(int kind);

#endif
