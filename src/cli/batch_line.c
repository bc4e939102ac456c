/* batch_line.c -- one JSON Lines record in, one result or error line out.
 *
 * Input:  {"id":ID, "text":"...", "lang":"en", ...any other members}
 * Output: {"id":ID, ...the other members, "result":{us_analysis_json}}
 *      or {"id":ID|null, "error":"FILE:LINE: message"}
 *
 * yajl's event parser validates the line and decodes "text" and "lang" (a
 * tree parser would copy every member, and jansson's lexer cost a tenth of
 * the whole analysis). The id and the passed-through members are copied as
 * raw bytes from the input (a small scanner over the already-validated line
 * finds them), so numbers, escapes and key order come out exactly as they
 * went in. "text" and "lang" are not copied: the result holds the language,
 * and the text would double the size.
 *
 * Bloat: no per-line options (tasks, explain) -- those are command flags. */
#include <stdint.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include "cli/batch.h"
#include "task/analyze.h"
#include "text/text.h"

/* ---- raw member scanner (input already validated by yajl) --------------- */

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

static int is_blank(const char *s, size_t n)
{
    return skip_ws(s, n, 0) == n;
}

/* ---- the record: yajl events ---------------------------------------------- */

/* What a top-level member is to unspin. */
enum { M_OTHER, M_ID, M_TEXT, M_LANG, M_RESULT, M_ERROR };
/* What a member's value was. */
enum { V_ABSENT, V_STRING, V_NULL, V_OTHER };

typedef struct record {
    const char *line;
    size_t len;
    int decode;            /* keep "text" and "lang" (0: validate only) */
    size_t depth;          /* containers open; the line's object is depth 1 */
    int object;            /* the line's value is an object */
    int member;            /* M_* of the top-level member being read */
    us_buf kinds;          /* M_* of each top-level member, in order */
    unsigned seen;         /* 1 << M_* of the members already seen */
    int dup;               /* M_* of a repeated member, or 0 */
    int text_kind, lang_kind;
    const char *text;      /* into the line, or text_buf (escapes decoded) */
    size_t text_len;
    us_buf text_buf, lang_buf;
    int oom;
} record;

static const char *const member_names[] = {NULL, "id", "text", "lang", "result", "error"};

/* A value of the line's object (depth 1) or the line itself (depth 0). */
static int on_value(record *r, int kind, const unsigned char *s, size_t n)
{
    if (r->depth == 0) { r->object = 0; return 1; }
    if (r->depth != 1) return 1;
    if (r->member == M_TEXT) {
        r->text_kind = kind;
        r->text_len = n;
        if (kind != V_STRING || !r->decode || n > BATCH_MAX_TEXT) return 1;
        const char *p = (const char *)s;
        /* Inside the line (no escapes)? As integers: C does not order unrelated pointers. */
        uintptr_t lo = (uintptr_t)r->line, at = (uintptr_t)p;
        if (at >= lo && at - lo <= r->len && n <= r->len - (at - lo)) { r->text = p; return 1; }
        us_buf_reset(&r->text_buf);   /* decoded escapes live only during the event */
        if (us_buf_append(&r->text_buf, p, n) != US_OK || us_buf_putc(&r->text_buf, 0) != US_OK) {
            r->oom = 1;
            return 0;
        }
        r->text = r->text_buf.data;
    } else if (r->member == M_LANG) {
        r->lang_kind = kind;
        if (kind == V_STRING && r->decode &&
            (us_buf_append(&r->lang_buf, s, n) != US_OK || us_buf_putc(&r->lang_buf, 0) != US_OK)) {
            r->oom = 1;
            return 0;
        }
    }
    return 1;
}

static int ev_null(void *ud) { return on_value(ud, V_NULL, NULL, 0); }
static int ev_bool(void *ud, int b) { (void)b; return on_value(ud, V_OTHER, NULL, 0); }
static int ev_number(void *ud, const char *s, size_t n)
{
    (void)s; (void)n;
    return on_value(ud, V_OTHER, NULL, 0);
}
static int ev_string(void *ud, const unsigned char *s, size_t n)
{
    return on_value(ud, V_STRING, s, n);
}

static int ev_open(void *ud, int map)
{
    record *r = ud;
    if (r->depth == 0) r->object = map;
    else if (r->depth == 1 && !on_value(r, V_OTHER, NULL, 0)) return 0;
    r->depth++;
    return 1;
}
static int ev_start_map(void *ud) { return ev_open(ud, 1); }
static int ev_start_array(void *ud) { return ev_open(ud, 0); }
static int ev_close(void *ud) { ((record *)ud)->depth--; return 1; }

static int ev_key(void *ud, const unsigned char *s, size_t n)
{
    record *r = ud;
    if (r->depth != 1) return 1;
    int m = M_OTHER;
    for (int k = M_ID; k <= M_ERROR; k++)
        if (n == strlen(member_names[k]) && !memcmp(s, member_names[k], n)) m = k;
    /* A repeated member unspin reads would be ambiguous (which text?). */
    if (m != M_OTHER && (r->seen >> m & 1u)) { r->dup = m; return 0; }
    r->seen |= 1u << m;
    r->member = m;
    unsigned char c = (unsigned char)m;
    if (us_buf_append(&r->kinds, &c, 1) != US_OK) { r->oom = 1; return 0; }
    return 1;
}

static const yajl_callbacks record_events = {
    ev_null, ev_bool, NULL, NULL, ev_number, ev_string,
    ev_start_map, ev_key, ev_close, ev_start_array, ev_close,
};

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
                     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
                     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d == 16) return UINT32_MAX;
        v = v << 4 | d;
    }
    return v;
}

/* Byte offset of a "\uD800"-style escape that is not half of a surrogate
 * pair, or SIZE_MAX: yajl decodes one to '?' or to invalid UTF-8 instead of
 * failing, and the text must not change silently. */
static size_t lone_surrogate(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = memchr(s, '\\', n); p; p = memchr(p, '\\', (size_t)(end - p))) {
        if (end - p < 6 || p[1] != 'u') { p += end - p < 2 ? end - p : 2; continue; }
        unsigned u = hex4(p + 2);
        if (u >= 0xDC00 && u <= 0xDFFF) return (size_t)(p - s);
        if (u >= 0xD800 && u <= 0xDBFF) {
            unsigned lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : 0;
            if (lo < 0xDC00 || lo > 0xDFFF) return (size_t)(p - s);
            p += 6;
        }
        p += 6;
    }
    return SIZE_MAX;
}

/* Offset of a raw control byte other than tab, CR or LF, or SIZE_MAX. JSON
 * has none outside escapes, but yajl takes '\f' and '\v' for white space,
 * which the raw member scanner (and the readers of our output) would not. */
static size_t control_byte(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return i;
    }
    return SIZE_MAX;
}

static void record_init(record *r, const char *line, size_t len, int decode)
{
    memset(r, 0, sizeof *r);
    r->line = line;
    r->len = len;
    r->decode = decode;
    us_buf_init(&r->kinds);
    us_buf_init(&r->text_buf);
    us_buf_init(&r->lang_buf);
}

static void record_fini(record *r)
{
    us_buf_fini(&r->kinds);
    us_buf_fini(&r->text_buf);
    us_buf_fini(&r->lang_buf);
}

/* Validates a line that should be a JSON object and reads its members.
 * US_OK, or an error code with a message. */
static int record_parse(record *r, char *msg, size_t msg_len)
{
    const char *line = r->line;
    size_t len = r->len, bad;
    if (is_blank(line, len)) { snprintf(msg, msg_len, "blank line"); return US_EINVAL; }
    if (us_utf8_validate(line, len, &bad) != US_OK) {
        snprintf(msg, msg_len, "invalid UTF-8 at byte %zu of the line", bad);
        return US_EUTF8;
    }
    if ((bad = control_byte(line, len)) != SIZE_MAX) {
        snprintf(msg, msg_len, "invalid JSON at byte %zu: control character 0x%02x", bad,
                 (unsigned char)line[bad]);
        return US_EINVAL;
    }
    if ((bad = lone_surrogate(line, len)) != SIZE_MAX) {
        snprintf(msg, msg_len, "invalid JSON at byte %zu: invalid Unicode escape '%.6s' "
                 "(a lone UTF-16 surrogate)", bad, line + bad);
        return US_EINVAL;
    }
    yajl_handle h = yajl_alloc(&record_events, NULL, r);
    if (!h) { snprintf(msg, msg_len, "out of memory"); return US_ENOMEM; }
    size_t where = 0;
    yajl_status st = yajl_parse(h, (const unsigned char *)line, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        where = len;
    } else {
        where = yajl_get_bytes_consumed(h);
    }
    int rc = US_OK;
    if (r->oom) {
        snprintf(msg, msg_len, "out of memory");
        rc = US_ENOMEM;
    } else if (r->dup) {
        snprintf(msg, msg_len, "invalid JSON at byte %zu: duplicate member \"%s\"", where,
                 member_names[r->dup]);
        rc = US_EINVAL;
    } else if (st != yajl_status_ok) {
        unsigned char *e = yajl_get_error(h, 0, NULL, 0);
        const char *t = e ? (const char *)e : "parse error";
        snprintf(msg, msg_len, "invalid JSON at byte %zu: %.*s", where,
                 (int)strcspn(t, ".\n"), t);
        if (e) yajl_free_error(h, e);
        rc = US_EINVAL;
    } else if (!r->object) {
        snprintf(msg, msg_len, "not a JSON object");
        rc = US_EINVAL;
    }
    yajl_free(h);
    return rc;
}

/* Raw id span of a parsed object line; 0 when absent or null. */
static int find_id(const record *r, size_t *id_off, size_t *id_len)
{
    if (!(r->seen >> M_ID & 1u)) return 0;
    mscan m;
    size_t ko, kl, vo, vl;
    mscan_init(&m, r->line, r->len);
    for (size_t k = 0; k < r->kinds.len && mscan_next(&m, &ko, &kl, &vo, &vl); k++) {
        if ((unsigned char)r->kinds.data[k] != M_ID) continue;
        if (vl == 4 && !memcmp(r->line + vo, "null", 4)) return 0;
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
    if (r.text_kind == V_ABSENT) {
        snprintf(msg, sizeof msg, "missing \"text\"");
    } else if (r.text_kind != V_STRING) {
        snprintf(msg, sizeof msg, "\"text\" is not a string");
    } else if (r.text_len > BATCH_MAX_TEXT) {
        snprintf(msg, sizeof msg, "text is %zu bytes, over the %zu MB limit (%s)",
                 r.text_len, BATCH_MAX_TEXT >> 20, us_strerror(US_ETOOBIG));
    } else if (r.lang_kind == V_OTHER) {
        snprintf(msg, sizeof msg, "\"lang\" is not a string");
    } else {
        ok = 1;
        if (r.lang_kind == V_STRING) lang = r.lang_buf.data;
    }
    if (!ok) {
        record_fini(&r);
        put_error(out, id, id_len, where, msg);
        return out->oom ? -1 : 0;
    }
    us_analyze_opts ao = {lang, o->explain, o->tasks};
    us_analysis *a = NULL;
    us_err err = {0};
    rc = us_analyze(o->model, r.text, r.text_len, &ao, &a, &err);
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
    for (size_t k = 0; k < r.kinds.len && mscan_next(&m, &ko, &kl, &vo, &vl); k++) {
        if ((unsigned char)r.kinds.data[k] != M_OTHER) continue;
        us_buf_putc(out, ',');
        us_buf_append(out, line + ko, kl);
        us_buf_putc(out, ':');
        us_buf_append(out, line + vo, vl);
    }
    us_buf_puts(out, ",\"result\":");
    us_analysis_json_append(o->model, a, r.text, r.text_len, out);   /* straight into the line */
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
