/* batch_line.c -- one JSON Lines record in, one result or error line out.
 *
 * Input:  {"id":ID, "text":"...", "lang":"en", ...any other members}
 * Output: {"id":ID, ...the other members, "result":{us_analysis_json}}
 *      or {"id":ID|null, "error":"FILE:LINE: message"}
 *
 * jansson validates the line and decodes "text" and "lang"; the id and the
 * passed-through members are copied as raw bytes from the input (a small
 * scanner over the already-validated line finds them), so numbers, escapes
 * and key order come out exactly as they went in. "text" and "lang" are not
 * copied: the result holds the language, and the text would double the size.
 *
 * Bloat: no per-line options (tasks, explain) -- those are command flags. */
#include <jansson.h>
#include <string.h>
#include "cli/batch.h"
#include "text/text.h"

#define JSON_FLAGS (JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | \
                    JSON_ALLOW_NUL)

/* ---- raw member scanner (input already validated by jansson) ------------ */

typedef struct mscan {
    const char *s;
    size_t n, i;
} mscan;

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    return i;
}

/* s[i] == '"': returns the index after the closing quote. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') return i + 1;
    }
    return n;
}

/* Skips one value starting at s[i] (no leading space); iterative, so depth costs nothing. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    do {
        if (i >= n) return n;
        char c = s[i];
        if (c == '"') i = skip_string(s, n, i);
        else if (c == '{' || c == '[') { depth++; i++; }
        else if (c == '}' || c == ']') { depth--; i++; }
        else if (depth && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\r' ||
                           c == '\n')) i++;
        else {
            while (i < n && !strchr(",}] \t\r\n", s[i])) i++;   /* number or literal */
        }
    } while (depth);
    return i;
}

static void mscan_init(mscan *m, const char *s, size_t n)
{
    m->s = s;
    m->n = n;
    m->i = skip_ws(s, n, 0) + 1;    /* past '{' */
}

/* Next member: key span (with its quotes) and value span. 0 when done. */
static int mscan_next(mscan *m, size_t *k_off, size_t *k_len, size_t *v_off, size_t *v_len)
{
    const char *s = m->s;
    size_t i = skip_ws(s, m->n, m->i);
    if (i < m->n && s[i] == ',') i = skip_ws(s, m->n, i + 1);
    if (i >= m->n || s[i] != '"') return 0;
    *k_off = i;
    i = skip_string(s, m->n, i);
    *k_len = i - *k_off;
    i = skip_ws(s, m->n, i);
    i = skip_ws(s, m->n, i + 1);    /* past ':' */
    *v_off = i;
    i = skip_value(s, m->n, i);
    *v_len = i - *v_off;
    m->i = i;
    return 1;
}

/* Does the raw key s[off..off+len) (with quotes) decode to 'name'? */
static int key_is(const char *s, size_t off, size_t len, const char *name)
{
    size_t nl = strlen(name);
    if (!memchr(s + off, '\\', len)) return len == nl + 2 && !memcmp(s + off + 1, name, nl);
    json_t *k = json_loadb(s + off, len, JSON_FLAGS, NULL);
    int eq = json_is_string(k) && json_string_length(k) == nl &&
             !memcmp(json_string_value(k), name, nl);
    json_decref(k);
    return eq;
}

/* ---- lines ------------------------------------------------------------------ */

static int is_blank(const char *s, size_t n)
{
    return skip_ws(s, n, 0) == n;
}

/* Parses a line that should be a JSON object. NULL with a message otherwise. */
static json_t *parse_object(const char *line, size_t len, char *msg, size_t msg_len)
{
    size_t bad;
    if (is_blank(line, len)) { snprintf(msg, msg_len, "blank line"); return NULL; }
    if (us_utf8_validate(line, len, &bad) != US_OK) {
        snprintf(msg, msg_len, "invalid UTF-8 at byte %zu of the line", bad);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_FLAGS, &jerr);
    if (!root) {
        snprintf(msg, msg_len, "invalid JSON at byte %d: %s", jerr.position, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(msg, msg_len, "not a JSON object");
        return NULL;
    }
    return root;
}

/* Raw id span of a parsed object line; 0 when absent or null. */
static int find_id(const char *line, size_t len, size_t *id_off, size_t *id_len)
{
    mscan m;
    size_t ko, kl, vo, vl;
    mscan_init(&m, line, len);
    while (mscan_next(&m, &ko, &kl, &vo, &vl)) {
        if (!key_is(line, ko, kl, "id")) continue;
        if (vl == 4 && !memcmp(line + vo, "null", 4)) return 0;
        *id_off = vo;
        *id_len = vl;
        return 1;
    }
    return 0;
}

int batch_line_id(const char *line, size_t len, size_t *id_off, size_t *id_len)
{
    char msg[256];
    json_t *root = parse_object(line, len, msg, sizeof msg);
    if (!root) return 0;
    int has = find_id(line, len, id_off, id_len);
    json_decref(root);
    return has;
}

static void put_error(us_buf *out, const char *id, size_t id_len, const char *where,
                      const char *msg)
{
    us_buf_puts(out, "{\"id\":");
    if (id) us_buf_append(out, id, id_len);
    else us_buf_puts(out, "null");
    us_buf_puts(out, ",\"error\":\"");
    us_buf_json_str(out, where, strlen(where));
    us_buf_puts(out, ": ");
    size_t n = strcspn(msg, "\n");      /* first line only: HINT lines stay out */
    us_buf_json_str(out, msg, n);
    us_buf_puts(out, "\"}\n");
}

void batch_line_error(us_buf *out, const char *where, const char *msg)
{
    put_error(out, NULL, 0, where, msg);
}

int batch_line_run(const batch_opts *o, const char *line, size_t len, const char *where,
                   us_buf *out)
{
    char msg[US_ERR_LEN];
    json_t *root = parse_object(line, len, msg, sizeof msg);
    if (!root) { put_error(out, NULL, 0, where, msg); return out->oom ? -1 : 0; }
    size_t id_off = 0, id_len = 0;
    const char *id = find_id(line, len, &id_off, &id_len) ? line + id_off : NULL;
    json_t *jt = json_object_get(root, "text"), *jl = json_object_get(root, "lang");
    const char *lang = o->lang;
    int ok = 0;
    if (!jt) {
        snprintf(msg, sizeof msg, "missing \"text\"");
    } else if (!json_is_string(jt)) {
        snprintf(msg, sizeof msg, "\"text\" is not a string");
    } else if (json_string_length(jt) > BATCH_MAX_TEXT) {
        snprintf(msg, sizeof msg, "text is %zu bytes, over the %zu MB limit (%s)",
                 json_string_length(jt), BATCH_MAX_TEXT >> 20, us_strerror(US_ETOOBIG));
    } else if (jl && !json_is_null(jl) && !json_is_string(jl)) {
        snprintf(msg, sizeof msg, "\"lang\" is not a string");
    } else {
        ok = 1;
        if (json_is_string(jl)) lang = json_string_value(jl);
    }
    if (!ok) {
        json_decref(root);
        put_error(out, id, id_len, where, msg);
        return out->oom ? -1 : 0;
    }
    const char *text = json_string_value(jt);
    size_t text_len = json_string_length(jt);
    us_analyze_opts ao = {lang, o->explain, 0};
    us_analysis *a = NULL;
    us_err err = {0};
    char *res = NULL;
    int rc = us_analyze(o->model, text, text_len, &ao, &a, &err);
    if (rc == US_OK && !(res = us_analysis_json(o->model, a, text, text_len)))
        rc = us_err_set(&err, US_ENOMEM, "out of memory");
    us_analysis_free(a);
    json_decref(root);
    if (rc != US_OK) {
        put_error(out, id, id_len, where, err.msg);
        return rc == US_ENOMEM || out->oom ? -1 : 0;
    }
    us_buf_puts(out, "{\"id\":");
    if (id) us_buf_append(out, id, id_len);
    else us_buf_puts(out, "null");
    mscan m;
    size_t ko, kl, vo, vl;
    mscan_init(&m, line, len);
    while (mscan_next(&m, &ko, &kl, &vo, &vl)) {
        if (key_is(line, ko, kl, "id") || key_is(line, ko, kl, "text") ||
            key_is(line, ko, kl, "lang") || key_is(line, ko, kl, "result") ||
            key_is(line, ko, kl, "error"))
            continue;
        us_buf_putc(out, ',');
        us_buf_append(out, line + ko, kl);
        us_buf_putc(out, ':');
        us_buf_append(out, line + vo, vl);
    }
    us_buf_puts(out, ",\"result\":");
    us_buf_puts(out, res);
    us_buf_puts(out, "}\n");
    us_free_string(res);
    return out->oom ? -1 : 1;
}
