/* jsonrec.c -- one JSON object record through yajl's events (jsonrec.h).
 *
 * An event parser rather than a tree: the records are articles, and a tree
 * would copy every member to read two or three (jansson, which this replaced,
 * read 45 MB/s; yajl 330-370 MB/s on the same lines). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include "io/jsonrec.h"

void us_jrec_init(us_jrec *r, us_jrec_field *f, size_t n_f)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->n_f = n_f;
    r->member = -1;
    r->dup = -1;
    us_buf_init(&r->order);
    for (size_t i = 0; i < n_f; i++) {
        f[i].kind = US_JR_ABSENT;
        f[i].truth = 0;
        f[i].str = NULL;
        f[i].len = 0;
        us_buf_init(&f[i].buf);
    }
}

void us_jrec_fini(us_jrec *r)
{
    us_buf_fini(&r->order);
    for (size_t i = 0; i < r->n_f; i++) us_buf_fini(&r->f[i].buf);
}

const char *us_jrec_kind_name(int kind)
{
    switch (kind) {
    case US_JR_OBJECT: return "an object";
    case US_JR_ARRAY: return "an array";
    case US_JR_STRING: return "a string";
    case US_JR_NUMBER: return "a number";
    case US_JR_BOOL: return "a boolean";
    case US_JR_NULL: return "null";
    default: return "nothing";
    }
}

/* ---- events --------------------------------------------------------------- */

/* A value at depth 0 (the document) or 1 (a top-level member's). */
static int on_value(us_jrec *r, int kind, const unsigned char *s, size_t n)
{
    if (r->depth == 0) { r->kind = kind; return 1; }
    if (r->depth != 1 || r->member < 0) return 1;
    us_jrec_field *f = &r->f[r->member];
    f->kind = kind;
    if (kind != US_JR_STRING) return 1;
    f->len = n;
    if (n > f->keep_max) return 1;
    /* Copied: yajl's decoded strings live only during the event, and callers
     * want a terminator (a copy costs little next to an analysis). */
    us_buf_reset(&f->buf);
    if (us_buf_append(&f->buf, s, n) != US_OK) { r->oom = 1; return 0; }
    f->str = f->buf.data ? f->buf.data : "";
    return 1;
}

static int ev_null(void *ud) { return on_value(ud, US_JR_NULL, NULL, 0); }
static int ev_bool(void *ud, int b)
{
    us_jrec *r = ud;
    if (r->depth == 1 && r->member >= 0) r->f[r->member].truth = b;
    return on_value(r, US_JR_BOOL, NULL, 0);
}
static int ev_number(void *ud, const char *s, size_t n)
{
    (void)s; (void)n;
    return on_value(ud, US_JR_NUMBER, NULL, 0);
}
static int ev_string(void *ud, const unsigned char *s, size_t n)
{
    return on_value(ud, US_JR_STRING, s, n);
}

static int ev_open(void *ud, int kind)
{
    us_jrec *r = ud;
    if (r->depth <= 1 && !on_value(r, kind, NULL, 0)) return 0;
    r->depth++;
    return 1;
}
static int ev_start_map(void *ud) { return ev_open(ud, US_JR_OBJECT); }
static int ev_start_array(void *ud) { return ev_open(ud, US_JR_ARRAY); }
static int ev_close(void *ud) { ((us_jrec *)ud)->depth--; return 1; }

static int ev_key(void *ud, const unsigned char *s, size_t n)
{
    us_jrec *r = ud;
    if (r->depth != 1) return 1;
    int m = -1;
    for (size_t i = 0; i < r->n_f && m < 0; i++)
        if (strlen(r->f[i].name) == n && !memcmp(s, r->f[i].name, n)) m = (int)i;
    if (m >= 0 && r->f[m].kind != US_JR_ABSENT) { r->dup = m; return 0; }
    r->member = m;
    unsigned char c = (unsigned char)(m + 1);
    if (us_buf_append(&r->order, &c, 1) != US_OK) { r->oom = 1; return 0; }
    return 1;
}

static const yajl_callbacks events = {
    ev_null, ev_bool, NULL, NULL, ev_number, ev_string,
    ev_start_map, ev_key, ev_close, ev_start_array, ev_close,
};

/* ---- what yajl lets through ------------------------------------------------ */

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

/* Offset of a "\uD800"-style escape that is not half of a surrogate pair, or
 * SIZE_MAX. */
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

/* Offset of a raw control byte other than tab, CR and LF, or SIZE_MAX.
 * Eight bytes at a time: (w - 0x20..20) & ~w & 0x80..80 is non-zero exactly
 * when some byte of w is below 0x20, and an article has none (its newlines
 * are escapes), so the loop rarely looks closer. */
static size_t control_byte(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (!((w - 0x20 * ones) & ~w & highs)) continue;
        for (size_t k = i; k < i + 8; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return k;
        }
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return i;
    }
    return SIZE_MAX;
}

int us_jrec_parse(us_jrec *r, const char *s, size_t n, size_t *off, char *msg, size_t msg_len)
{
    *off = 0;
    size_t bad;
    if ((bad = control_byte(s, n)) != SIZE_MAX) {
        *off = bad;
        snprintf(msg, msg_len, "control character 0x%02x", (unsigned char)s[bad]);
        return US_EINVAL;
    }
    if ((bad = lone_surrogate(s, n)) != SIZE_MAX) {
        *off = bad;
        snprintf(msg, msg_len, "invalid Unicode escape '%.6s' (a lone UTF-16 surrogate)", s + bad);
        return US_EINVAL;
    }
    yajl_handle h = yajl_alloc(&events, NULL, r);
    if (!h) { snprintf(msg, msg_len, "out of memory"); return US_ENOMEM; }
    yajl_status st = yajl_parse(h, (const unsigned char *)s, n);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        *off = n;
    } else {
        *off = yajl_get_bytes_consumed(h);
    }
    int rc = US_OK;
    if (r->oom) {
        snprintf(msg, msg_len, "out of memory");
        rc = US_ENOMEM;
    } else if (r->dup >= 0) {
        snprintf(msg, msg_len, "duplicate member \"%s\"", r->f[r->dup].name);
        rc = US_EINVAL;
    } else if (st != yajl_status_ok) {
        unsigned char *e = yajl_get_error(h, 0, NULL, 0);
        const char *t = e ? (const char *)e : "parse error";
        snprintf(msg, msg_len, "%.*s", (int)strcspn(t, ".\n"), t);
        if (e) yajl_free_error(h, e);
        rc = US_EINVAL;
    }
    yajl_free(h);
    return rc;
}
