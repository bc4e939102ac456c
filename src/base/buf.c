/* buf.c -- growable byte buffer with a sticky out-of-memory flag.
 *
 * Output is built in a buffer and written once (kilo's abuf). Unlike abuf, a
 * failed append is remembered in 'oom' so the caller checks once at the end. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "base.h"

void us_buf_init(us_buf *b) { memset(b, 0, sizeof *b); }

void us_buf_fini(us_buf *b)
{
    us_free(b->data);
    memset(b, 0, sizeof *b);
}

void us_buf_reset(us_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data) b->data[0] = '\0';
}

int us_buf_reserve(us_buf *b, size_t extra)
{
    if (b->oom) return US_ENOMEM;
    if (extra > SIZE_MAX - b->len - 1) { b->oom = 1; return US_ENOMEM; }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return US_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = us_realloc(b->data, cap);
    if (!p) { b->oom = 1; return US_ENOMEM; }
    b->data = p;
    b->cap = cap;
    return US_OK;
}

int us_buf_append_slow(us_buf *b, const void *p, size_t n)
{
    if (us_buf_reserve(b, n) != US_OK) return US_ENOMEM;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return US_OK;
}

int us_buf_printf(us_buf *b, const char *fmt, ...)
{
    /* Format straight into the spare room; only a result that does not fit
     * is formatted a second time (JSON output calls this per number). */
    if (us_buf_reserve(b, 128) != US_OK) return US_ENOMEM;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) { b->data[b->len] = '\0'; return US_EINVAL; }
    if ((size_t)n >= b->cap - b->len) {
        if (us_buf_reserve(b, (size_t)n) != US_OK) return US_ENOMEM;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return US_OK;
}

int us_buf_uint(us_buf *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do { tmp[sizeof tmp - ++n] = (char)('0' + v % 10); v /= 10; } while (v);
    return us_buf_append(b, tmp + sizeof tmp - n, n);
}

__extension__ typedef unsigned __int128 u128;   /* gcc and clang */

int us_buf_fix4(us_buf *b, double v)
{
    /* Exact: v = m 2^e with m < 2^53, so v 10^4 = m 10^4 2^e and m 10^4 <
     * 2^67 fits 128 bits; the shifted-out bits decide the
     * rounding. Large and non-finite values take printf. */
    if (!(fabs(v) < 1e15)) return us_buf_printf(b, "%.4f", v);
    int neg = signbit(v) != 0, e;
    double fr = frexp(fabs(v), &e);              /* fabs(v) = fr 2^e, fr in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(fr, 53);        /* exact: fr has 53 bits at most */
    e -= 53;
    u128 x = (u128)m * 10000u;
    uint64_t q;
    if (m == 0) {
        q = 0;
    } else if (e >= 0) {
        q = (uint64_t)(x << e);                  /* < 1e19 since fabs(v) < 1e15 */
    } else if (-e >= 70) {
        q = 0;                                   /* x < 2^67 <= half: rounds down */
    } else {
        unsigned sh = (unsigned)-e;
        u128 one = 1, r = x & ((one << sh) - 1), half = one << (sh - 1);
        q = (uint64_t)(x >> sh);
        if (r > half || (r == half && (q & 1u))) q++;
    }
    if (neg) us_buf_putc(b, '-');
    us_buf_uint(b, q / 10000);
    char frac[5] = {'.'};
    for (uint64_t f = q % 10000, i = 4; i > 0; i--, f /= 10) frac[i] = (char)('0' + f % 10);
    return us_buf_append(b, frac, sizeof frac);
}

int us_buf_json_str(us_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;   /* start of the pending run of bytes copied as-is */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
            u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
            esc = u;
        } else if (c == '<') esc = "\\u003c";   /* safe to embed in HTML <script> */
        if (esc) {
            us_buf_append(b, s + run, i - run);
            us_buf_puts(b, esc);
            run = i + 1;
        }
    }
    us_buf_append(b, s + run, n - run);
    return b->oom ? US_ENOMEM : US_OK;
}
