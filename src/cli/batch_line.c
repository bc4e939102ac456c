/* batch_line.c -- one JSON Lines record in, one result or error line out.
 *
 * Input:  {"id":ID, "text":"...", "lang":"en", ...any other members}
 * Output: {"id":ID, ...the other members, "result":{us_analysis_json}}
 *      or {"id":ID|null, "error":"FILE:LINE: message"}
 *
 * io/jsonrec.c (yajl's events) validates the line and decodes "text" and
 * "lang". The id and the passed-through members are copied as raw bytes from
 * the input (a small scanner over the already-validated line finds them), so
 * numbers, escapes and key order come out exactly as they went in. "text"
 * and "lang" are not copied: the result holds the language, and the text
 * would double the size.
 *
 * Bloat: no per-line options (tasks, explain) -- those are command flags. */
#include <string.h>
#include "cli/batch.h"
#include "io/jsonrec.h"
#include "task/analyze.h"
#include "text/text.h"

/* ---- raw member scanner (input already validated by jsonrec) ------------ */

typedef struct mscan {
    const char *s;
    size_t n, i;
} mscan;

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    return i;
}

/* s[i] == '"': returns the index after the closing quote. memchr finds the
 * next quote (a text member is most of the line); it closes the string unless
 * an odd run of backslashes escapes it. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q) return n;
        size_t at = (size_t)(q - s), b = at;
        while (b > i && s[b - 1] == '\\') b--;
        if ((at - b) % 2 == 0) return at + 1;
        i = at + 1;
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

static int is_blank(const char *s, size_t n)
{
    return skip_ws(s, n, 0) == n;
}

/* ---- the record (io/jsonrec.h) ---------------------------------------------- */

/* The members batch reads, in us_jrec order: a repeat of one is an error, and
 * none of them is passed through. */
enum { M_ID, M_TEXT, M_LANG, M_RESULT, M_ERROR, N_MEMBERS };

typedef struct record {
    const char *line;
    size_t len;
    us_jrec_field f[N_MEMBERS];
    us_jrec jr;
} record;

/* decode: keep "text" and "lang" (0: validate only). */
static void record_init(record *r, const char *line, size_t len, int decode)
{
    static const char *const names[N_MEMBERS] = {"id", "text", "lang", "result", "error"};
    r->line = line;
    r->len = len;
    for (int k = 0; k < N_MEMBERS; k++) {
        r->f[k].name = names[k];
        r->f[k].keep_max = !decode ? 0 : k == M_TEXT ? BATCH_MAX_TEXT : k == M_LANG ? 256 : 0;
    }
    us_jrec_init(&r->jr, r->f, N_MEMBERS);
}

static void record_fini(record *r) { us_jrec_fini(&r->jr); }

/* Validates a line that should be a JSON object and reads its members.
 * US_OK, or an error code with a message. */
static int record_parse(record *r, char *msg, size_t msg_len)
{
    size_t bad;
    if (is_blank(r->line, r->len)) { snprintf(msg, msg_len, "blank line"); return US_EINVAL; }
    if (us_utf8_validate(r->line, r->len, &bad) != US_OK) {
        snprintf(msg, msg_len, "invalid UTF-8 at byte %zu of the line", bad);
        return US_EUTF8;
    }
    char why[160];
    int rc = us_jrec_parse(&r->jr, r->line, r->len, &bad, why, sizeof why);
    if (rc == US_ENOMEM) snprintf(msg, msg_len, "out of memory");
    else if (rc != US_OK) snprintf(msg, msg_len, "invalid JSON at byte %zu: %s", bad, why);
    else if (r->jr.kind != US_JR_OBJECT) {
        snprintf(msg, msg_len, "not a JSON object");
        rc = US_EINVAL;
    }
    return rc;
}

/* Raw id span of a parsed object line; 0 when absent or null. */
static int find_id(const record *r, size_t *id_off, size_t *id_len)
{
    if (r->f[M_ID].kind == US_JR_ABSENT || r->f[M_ID].kind == US_JR_NULL) return 0;
    mscan m;
    size_t ko, kl, vo, vl;
    mscan_init(&m, r->line, r->len);
    for (size_t k = 0; k < r->jr.order.len && mscan_next(&m, &ko, &kl, &vo, &vl); k++) {
        if ((unsigned char)r->jr.order.data[k] != 1 + M_ID) continue;
        *id_off = vo;
        *id_len = vl;
        return 1;
    }
    return 0;
}

int batch_line_id(const char *line, size_t len, size_t *id_off, size_t *id_len)
{
    char msg[256];
    record r;
    record_init(&r, line, len, 0);
    int has = record_parse(&r, msg, sizeof msg) == US_OK && find_id(&r, id_off, id_len);
    record_fini(&r);
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
    record r;
    record_init(&r, line, len, 1);
    int rc = record_parse(&r, msg, sizeof msg);
    if (rc != US_OK) {
        record_fini(&r);
        put_error(out, NULL, 0, where, msg);
        return rc == US_ENOMEM || out->oom ? -1 : 0;
    }
    size_t id_off = 0, id_len = 0;
    const char *id = find_id(&r, &id_off, &id_len) ? line + id_off : NULL;
    const char *lang = o->lang;
    int ok = 0;
    const us_jrec_field *ft = &r.f[M_TEXT], *fl = &r.f[M_LANG];
    if (ft->kind == US_JR_ABSENT) {
        snprintf(msg, sizeof msg, "missing \"text\"");
    } else if (ft->kind != US_JR_STRING) {
        snprintf(msg, sizeof msg, "\"text\" is not a string");
    } else if (ft->len > BATCH_MAX_TEXT) {
        snprintf(msg, sizeof msg, "text is %zu bytes, over the %zu MB limit (%s)",
                 ft->len, BATCH_MAX_TEXT >> 20, us_strerror(US_ETOOBIG));
    } else if (fl->kind != US_JR_ABSENT && fl->kind != US_JR_NULL && fl->kind != US_JR_STRING) {
        snprintf(msg, sizeof msg, "\"lang\" is not a string");
    } else {
        ok = 1;
        if (fl->kind == US_JR_STRING) lang = fl->str ? fl->str : "";
    }
    if (!ok) {
        record_fini(&r);
        put_error(out, id, id_len, where, msg);
        return out->oom ? -1 : 0;
    }
    us_analyze_opts ao = {lang, o->explain, o->tasks};
    us_analysis *a = NULL;
    us_err err = {0};
    rc = us_analyze(o->model, ft->str, ft->len, &ao, &a, &err);
    if (rc != US_OK) {
        record_fini(&r);
        put_error(out, id, id_len, where, err.msg);
        return rc == US_ENOMEM || out->oom ? -1 : 0;
    }
    size_t start = out->len;
    us_buf_puts(out, "{\"id\":");
    if (id) us_buf_append(out, id, id_len);
    else us_buf_puts(out, "null");
    mscan m;
    size_t ko, kl, vo, vl;
    mscan_init(&m, line, len);
    for (size_t k = 0; k < r.jr.order.len && mscan_next(&m, &ko, &kl, &vo, &vl); k++) {
        if (r.jr.order.data[k] != 0) continue;   /* a member batch reads */
        us_buf_putc(out, ',');
        us_buf_append(out, line + ko, kl);
        us_buf_putc(out, ':');
        us_buf_append(out, line + vo, vl);
    }
    us_buf_puts(out, ",\"result\":");
    us_analysis_json_append(o->model, a, ft->str, ft->len, out);   /* straight into the line */
    us_buf_puts(out, "}\n");
    us_analysis_free(a);
    record_fini(&r);
    if (out->oom) {   /* drop the partial line and say so, if there is room for that */
        out->len = start;
        out->oom = 0;
        if (out->data) out->data[start] = '\0';
        put_error(out, id, id_len, where, "out of memory");
        return -1;
    }
    return 1;
}
