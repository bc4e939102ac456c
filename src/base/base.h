/* base.h -- error codes, allocation hook, growable buffers, checksums.
 *
 * Everything above src/base depends on this header and nothing in it depends
 * on anything else. Errors follow the house style: fallible calls return an
 * int (US_OK or a negative US_E*) and fill an optional caller-owned us_err. */
#ifndef US_BASE_H
#define US_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include "unspin.h"

/* ---- errors ---------------------------------------------------------- */

/* Fills 'err' (may be NULL) with 'code' and a printf-style message and
 * returns 'code', so callers can write `return us_err_set(err, US_EIO, ...)`. */
int us_err_set(us_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the message already in 'err' with "prefix: " (e.g. a file name). */
void us_err_prefix(us_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- allocation ------------------------------------------------------ */

/* All heap traffic goes through these, so tests can fail the Nth call. */
void *us_malloc(size_t n);
void *us_calloc(size_t n, size_t size);       /* overflow-checked */
void *us_realloc(void *p, size_t n);
void us_free(void *p);
char *us_strdup(const char *s);
char *us_strndup(const char *s, size_t n);
/* Overflow-checked n*size; returns 0 and sets *out on success, -1 on overflow. */
int us_mul_ok(size_t n, size_t size, size_t *out);
/* Grows array *p of *cap elements of 'elt' bytes to hold at least 'need'
 * (amortised doubling from 64). Returns US_OK or US_ENOMEM (*p unchanged). */
int us_grow(void **p, size_t *cap, size_t need, size_t elt);
/* Test hook: the 'n'th allocation from now fails (0 disables). */
void us_alloc_fail_after(long n);
long us_alloc_count(void);

/* ---- growable byte buffer -------------------------------------------- */

typedef struct us_buf {
    char *data;     /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int oom;        /* sticky: set once an append failed; later appends are no-ops */
} us_buf;

void us_buf_init(us_buf *b);
void us_buf_fini(us_buf *b);
void us_buf_reset(us_buf *b);                 /* len = 0, keeps memory */
int us_buf_append_slow(us_buf *b, const void *p, size_t n);
/* Inline while there is room: JSON output makes thousands of small appends
 * an article, and a literal's strlen folds to a constant. */
static inline int us_buf_append(us_buf *b, const void *p, size_t n)
{
    if (n >= b->cap - b->len || b->oom) return us_buf_append_slow(b, p, n);   /* cap 0: slow */
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return US_OK;
}
static inline int us_buf_puts(us_buf *b, const char *s) { return us_buf_append(b, s, strlen(s)); }
static inline int us_buf_putc(us_buf *b, char c) { return us_buf_append(b, &c, 1); }
int us_buf_printf(us_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int us_buf_reserve(us_buf *b, size_t extra);
/* printf("%.4f", v) and printf("%u"), without the printf machinery (JSON
 * output writes a few hundred numbers an article). Same bytes as printf for
 * every double: round half to even on the exact binary value. */
int us_buf_fix4(us_buf *b, double v);
int us_buf_uint(us_buf *b, uint64_t v);
/* Appends 's' JSON-escaped (without quotes). 's' must be valid UTF-8. */
int us_buf_json_str(us_buf *b, const char *s, size_t n);

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file (or stdin for "-") into a new NUL-terminated buffer.
 * OUT: *data (caller frees with us_free), *len. Refuses files over 'max_len'. */
int us_read_file(const char *path, size_t max_len, char **data, size_t *len, us_err *err);

/* ---- checksums and hashing -------------------------------------------- */

uint32_t us_crc32c(uint32_t crc, const void *p, size_t n);   /* start with crc = 0 */
/* 1 when the CPU runs AVX2 code (x86-64 with gcc/clang), else 0; cached. */
int us_cpu_avx2(void);
uint64_t us_hash64(const void *p, size_t n, uint64_t seed); /* XXH3-64 of the bytes */
/* splitmix64 (Steele, Lea, Flood 2014), a deterministic PRNG step; inline
 * because feature hashing calls it per token. tools/ re-implement it in
 * Python for the CV folds. */
static inline uint64_t us_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- progress ----------------------------------------------------------- */

typedef void (*us_progress_fn)(const char *msg, void *ud);
/* Formats a progress message and hands it to fn (nothing when fn is NULL). */
void us_progressf(us_progress_fn fn, void *ud, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- logging ------------------------------------------------------------ */

typedef void (*us_log_fn)(int level, const char *msg, void *ud);
enum { US_LOG_ERROR = 0, US_LOG_WARN = 1, US_LOG_INFO = 2, US_LOG_DEBUG = 3 };
/* The library never prints; it reports through this callback (default: none). */
void us_log_set(us_log_fn fn, void *ud);
void us_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define US_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Marks a defensive branch that should never run (SQLite's NEVER). */
#define US_NEVER(x) (x)

#endif
