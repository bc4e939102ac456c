/* fuzz_request.c -- libFuzzer target for the server's request parser
 * (src/server/request.c, us_req_parse_analyze).
 *
 * Input: byte 0 holds options: bits 0-2 the Content-Type (0 none, 1 text/plain,
 * 2 application/json, 3 application/json; charset=utf-8, 4 text/plain;
 * charset=ISO-8859-1, 5 taken from the input, 6 'Application/JSON ;
 * Charset="UTF-8"', 7 multipart/form-data); bits 3-4 ?lang= (none, "en", from
 * the input, "EN"); bits 5-6 ?explain= (none, "0", "yes", from the input);
 * bit 7 a 64-byte body limit instead of the default. Values "from the input"
 * are NUL-terminated strings taken in that order after byte 0 (cut at CR/LF,
 * as HTTP delivers them); the rest is the body. Checks the documented contract: only the listed status codes; on
 * success a NUL-terminated valid UTF-8 text no longer than the body, a lang
 * of "" or 2-7 lower-case ASCII letters, explain 0 or 1; on failure a
 * one-line message and nothing to free; us_req_http_status maps every code
 * to 200/400/413/415/500. Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "server/request.h"
#include "text/text.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* Takes a NUL-terminated string from the front of the input into buf, cut at
 * the first CR or LF (HTTP never delivers those inside a header value or a
 * query parameter), or returns NULL when there is no NUL. */
static const char *take(const uint8_t **p, size_t *n, char *buf, size_t cap)
{
    const uint8_t *z = memchr(*p, 0, *n);
    if (!z) return NULL;
    size_t len = (size_t)(z - *p), k = 0;
    while (k < len && k + 1 < cap && (*p)[k] != '\r' && (*p)[k] != '\n')
        buf[k] = (char)(*p)[k], k++;
    buf[k] = '\0';
    *n -= len + 1;
    *p = z + 1;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cts[8] = {NULL, "text/plain", "application/json",
                                       "application/json; charset=utf-8",
                                       "text/plain; charset=ISO-8859-1", NULL,
                                       "Application/JSON ; Charset=\"UTF-8\"",
                                       "multipart/form-data"};
    static const char *const langs[4] = {NULL, "en", NULL, "EN"};
    static const char *const explains[4] = {NULL, "0", "yes", NULL};
    if (size == 0) return 0;
    unsigned o = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    const char *ct = cts[o & 7], *lang = langs[(o >> 3) & 3], *ex = explains[(o >> 5) & 3];
    char b_ct[256], b_lang[64], b_ex[64];
    if ((o & 7) == 5) ct = take(&p, &n, b_ct, sizeof b_ct);
    if (((o >> 3) & 3) == 2) lang = take(&p, &n, b_lang, sizeof b_lang);
    if (((o >> 5) & 3) == 3) ex = take(&p, &n, b_ex, sizeof b_ex);
    size_t max_body = (o & 0x80) ? 64 : 0;
    us_analyze_req req;
    us_err err;
    memset(&req, 0x5A, sizeof req);   /* the parser must not rely on a zeroed struct */
    memset(&err, 0, sizeof err);
    int rc = us_req_parse_analyze(ct, lang, ex, (const char *)p, n, max_body, &req, &err);
    int st = us_req_http_status(rc);
    CHECK(st == 200 || st == 400 || st == 413 || st == 415 || st == 500);
    if (rc == US_OK) {
        CHECK(st == 200);
        CHECK(req.text != NULL && req.text_len <= n && req.text[req.text_len] == '\0');
        CHECK(us_utf8_validate(req.text, req.text_len, NULL) == US_OK);
        size_t ln = strnlen(req.lang, sizeof req.lang);
        CHECK(ln < sizeof req.lang && (ln == 0 || (ln >= 2 && ln <= 7)));
        for (size_t i = 0; i < ln; i++) CHECK(req.lang[i] >= 'a' && req.lang[i] <= 'z');
        CHECK(req.explain == 0 || req.explain == 1);
        if (max_body) CHECK(n <= max_body);
    } else {
        CHECK(rc == US_ETOOBIG || rc == US_EFORMAT || rc == US_EUTF8 || rc == US_EINVAL ||
              rc == US_ENOMEM);
        CHECK(err.code == rc && err.msg[0] != '\0');
        CHECK(strchr(err.msg, '\n') == NULL);   /* documented: a one-line message */
        CHECK(memchr(err.msg, 0, sizeof err.msg) != NULL);
        if (rc == US_ETOOBIG) CHECK(st == 413);
        if (rc == US_EFORMAT) CHECK(st == 415);
    }
    us_req_fini(&req);
    us_req_fini(&req);   /* must be idempotent after fini */
    return 0;
}
