/* request.c -- POST /v1/analyze body -> (text, lang, explain); see request.h.
 *
 * No I/O and no global state: safe to call from any server thread and to
 * fuzz. JSON goes through io/jsonrec.c (yajl's events; a repeated "text",
 * "lang" or "explain" is an error); the body is validated as UTF-8 first, so
 * a bad byte is always reported as an offset into the body.
 * Bloat: no form encodings, no charsets other than UTF-8 (and its ASCII
 * subset), no gzip bodies. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "io/jsonrec.h"
#include "server/request.h"
#include "text/text.h"

/* ---- helpers -------------------------------------------------------------- */

/* Case-insensitive compare of s[0..n) with the NUL-terminated 'lit'. */
static int span_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

enum { MT_TEXT, MT_JSON };

/* Classifies a Content-Type value: "type/subtype; charset=utf-8; ...".
 * Returns MT_TEXT or MT_JSON, or US_EFORMAT with a message. */
static int media_type(const char *ct, us_err *err)
{
    if (!ct) return MT_TEXT;
    const char *semi = strchr(ct, ';');
    const char *t = ct;
    size_t n = semi ? (size_t)(semi - ct) : strlen(ct);
    trim(&t, &n);
    int kind;
    if (n == 0 || span_eq(t, n, "text/plain")) kind = MT_TEXT;
    else if (span_eq(t, n, "application/json")) kind = MT_JSON;
    else
        return us_err_set(err, US_EFORMAT,
                          "unsupported Content-Type '%.*s' (use text/plain or application/json)",
                          (int)(n > 64 ? 64 : n), t);
    while (semi) {   /* parameters: only charset matters */
        const char *p = semi + 1;
        semi = strchr(p, ';');
        size_t m = semi ? (size_t)(semi - p) : strlen(p);
        trim(&p, &m);
        if (m < 8 || strncasecmp(p, "charset=", 8) != 0) continue;
        p += 8;
        m -= 8;
        if (m >= 2 && p[0] == '"' && p[m - 1] == '"') { p++; m -= 2; }
        if (!span_eq(p, m, "utf-8") && !span_eq(p, m, "utf8") && !span_eq(p, m, "us-ascii"))
            return us_err_set(err, US_EFORMAT, "unsupported charset '%.*s' (use utf-8)",
                              (int)(m > 32 ? 32 : m), p);
    }
    return kind;
}

/* Checks and folds a language code into out (US_REQ_LANG_CAP bytes). */
static int parse_lang(const char *s, size_t n, char *out, us_err *err)
{
    out[0] = '\0';
    if (n == 0 || span_eq(s, n, "other") || span_eq(s, n, "auto")) return US_OK;
    int ok = n >= 2 && n < US_REQ_LANG_CAP;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalpha((unsigned char)s[i]) && (unsigned char)s[i] < 0x80;
    if (!ok)
        return us_err_set(err, US_EINVAL,
                          "\"lang\" must be a language code of 2-7 letters (en fr ge it po ru, "
                          "or \"other\")");
    for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    return US_OK;
}

/* Query-string boolean: returns 0/1, or -1 when not a boolean. */
static int parse_bool(const char *s)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < US_ARRAY_LEN(yes); i++) {
        if (!strcasecmp(s, yes[i])) return 1;
        if (!strcasecmp(s, no[i])) return 0;
    }
    return -1;
}

enum { F_TEXT, F_LANG, F_EXPLAIN, N_FIELDS };

/* Fills out from the parsed members. */
static int from_json(const us_jrec *jr, us_analyze_req *out, us_err *err)
{
    if (jr->kind != US_JR_OBJECT)
        return us_err_set(err, US_EINVAL, "JSON body must be an object with a \"text\" member, "
                          "not %s", us_jrec_kind_name(jr->kind));
    const us_jrec_field *text = &jr->f[F_TEXT], *lang = &jr->f[F_LANG],
                        *explain = &jr->f[F_EXPLAIN];
    if (text->kind == US_JR_ABSENT) return us_err_set(err, US_EINVAL, "missing \"text\" member");
    if (text->kind != US_JR_STRING)
        return us_err_set(err, US_EINVAL, "\"text\" must be a string, not %s",
                          us_jrec_kind_name(text->kind));
    if (lang->kind != US_JR_ABSENT && lang->kind != US_JR_NULL) {
        if (lang->kind != US_JR_STRING)
            return us_err_set(err, US_EINVAL, "\"lang\" must be a string, not %s",
                              us_jrec_kind_name(lang->kind));
        int rc = parse_lang(lang->str ? lang->str : "", lang->str ? lang->len : 0, out->lang, err);
        if (rc != US_OK) return rc;
    }
    if (explain->kind != US_JR_ABSENT && explain->kind != US_JR_NULL) {
        if (explain->kind != US_JR_BOOL)
            return us_err_set(err, US_EINVAL, "\"explain\" must be true or false, not %s",
                              us_jrec_kind_name(explain->kind));
        out->explain = explain->truth;
    }
    out->text = us_strndup(text->str ? text->str : "", text->len);
    if (!out->text) return us_err_set(err, US_ENOMEM, "out of memory");
    out->text_len = text->len;
    return US_OK;
}

/* ---- API -------------------------------------------------------------------- */

int us_req_parse_analyze(const char *content_type, const char *query_lang,
                         const char *query_explain, const char *body, size_t body_len,
                         size_t max_body, us_analyze_req *out, us_err *err)
{
    memset(out, 0, sizeof *out);
    out->explain = 1;
    if (max_body == 0) max_body = US_REQ_DEFAULT_MAX_BODY;
    if (body_len > max_body)
        return us_err_set(err, US_ETOOBIG, "request body of %zu bytes is over the limit of %zu",
                          body_len, max_body);
    if (!body) body = "";
    int kind = media_type(content_type, err);
    if (kind < 0) return kind;
    size_t bad;
    if (us_utf8_validate(body, body_len, &bad) != US_OK)
        return us_err_set(err, US_EUTF8, "invalid UTF-8 at byte %zu of the request body", bad);

    if (kind == MT_TEXT) {
        int rc = parse_lang(query_lang ? query_lang : "", query_lang ? strlen(query_lang) : 0,
                            out->lang, err);
        if (rc != US_OK) return rc;
        if (query_explain && (out->explain = parse_bool(query_explain)) < 0)
            return us_err_set(err, US_EINVAL, "explain must be 0 or 1 (true or false)");
        out->text = us_strndup(body, body_len);
        if (!out->text) return us_err_set(err, US_ENOMEM, "out of memory");
        out->text_len = body_len;
        return US_OK;
    }

    if (body_len == 0) return us_err_set(err, US_EINVAL, "malformed JSON: empty body");
    us_jrec_field f[N_FIELDS] = {{.name = "text", .keep_max = body_len},
                                 {.name = "lang", .keep_max = 64},
                                 {.name = "explain"}};
    us_jrec jr;
    us_jrec_init(&jr, f, N_FIELDS);
    char why[160];
    size_t at;
    int rc = us_jrec_parse(&jr, body, body_len, &at, why, sizeof why);
    if (rc == US_ENOMEM) rc = us_err_set(err, US_ENOMEM, "out of memory");
    else if (rc != US_OK) rc = us_err_set(err, US_EINVAL, "malformed JSON at byte %zu: %s", at, why);
    else rc = from_json(&jr, out, err);
    us_jrec_fini(&jr);
    if (rc != US_OK) us_req_fini(out);
    return rc;
}

void us_req_fini(us_analyze_req *r)
{
    if (!r) return;
    us_free(r->text);
    r->text = NULL;
    r->text_len = 0;
}

int us_req_http_status(int code)
{
    switch (code) {
    case US_OK: return 200;
    case US_ETOOBIG: return 413;
    case US_EFORMAT: return 415;
    case US_EINVAL: case US_EUTF8: return 400;
    default: return 500;
    }
}
