/* request.h -- parsing of a POST /v1/analyze body, without any socket.
 *
 * Pure function over bytes: the HTTP glue (http.c) collects the body, this
 * module turns it into (text, lang, explain) or a status plus a message that
 * the route sends back as {"error": ..., "status": N}. Kept apart so that the
 * unit tests (tests/unit/test_request.c) and fuzzers can drive it directly.
 *
 * Accepted bodies:
 *   text/plain (or no Content-Type)  the article itself; lang and explain
 *                                    come from the query (?lang=en&explain=0)
 *   application/json                 {"text": "...", "lang": "en", "explain": true}
 *                                    "text" is required; "lang" and "explain"
 *                                    are optional; other members are ignored.
 * Checks, in order: body size (US_ETOOBIG), media type and charset
 * (US_EFORMAT), UTF-8 of the whole body (US_EUTF8, naming the byte offset),
 * JSON syntax and member types (US_EINVAL), language code (US_EINVAL).
 * Language: "" , "other", "auto" or absent mean unknown (""); otherwise 2-7
 * ASCII letters, folded to lower case ("EN" -> "en"); codes the model has not
 * seen are allowed (best effort), anything else is an error. */
#ifndef US_SERVER_REQUEST_H
#define US_SERVER_REQUEST_H

#include <stddef.h>
#include "base/base.h"

#define US_REQ_DEFAULT_MAX_BODY ((size_t)2 << 20)   /* 2 MiB */
#define US_REQ_LANG_CAP 8

typedef struct us_analyze_req {
    char *text;                  /* owned (us_malloc), NUL-terminated; may hold NULs */
    size_t text_len;             /* bytes, without the terminator */
    char lang[US_REQ_LANG_CAP];  /* lower-case code, "" = unknown */
    int explain;                 /* 1 unless the request turned it off */
} us_analyze_req;

/* Parses one analyze request.
 *   content_type   Content-Type header value, or NULL (= text/plain)
 *   query_lang     ?lang= value or NULL (text/plain only)
 *   query_explain  ?explain= value or NULL: 0/1/false/true/no/yes (text/plain only)
 *   body, body_len the raw body (need not be NUL-terminated)
 *   max_body       limit in bytes (0 = US_REQ_DEFAULT_MAX_BODY)
 *   out            OUT: filled on success; release with us_req_fini
 * Returns US_OK, or US_ETOOBIG / US_EFORMAT / US_EUTF8 / US_EINVAL / US_ENOMEM
 * with a one-line message in err (no trailing newline). On failure *out holds
 * nothing that needs freeing (us_req_fini is still safe). */
int us_req_parse_analyze(const char *content_type, const char *query_lang,
                         const char *query_explain, const char *body, size_t body_len,
                         size_t max_body, us_analyze_req *out, us_err *err);
void us_req_fini(us_analyze_req *r);

/* HTTP status for a status code returned above: US_OK 200, US_ETOOBIG 413,
 * US_EFORMAT 415, US_ENOMEM 500 (and any unknown code), the rest 400. */
int us_req_http_status(int code);

#endif
