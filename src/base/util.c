/* util.c -- checksums, hashing, PRNG, logging and whole-file reads. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "base.h"
#include "hash.h"

/* ---- CRC-32C (Castagnoli), reflected, table-driven ---------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* SSE4.2 has a CRC-32C instruction: ~20x the table, so verifying a 25 MB
 * model at load costs a couple of milliseconds. Same polynomial, same result. */
/* c * x^(8 n) mod P for the reflected register: GF(2) multiplication by
 * a precomputed power of x (zlib's multmodp). */
static uint32_t crc_mulmod(uint32_t a, uint32_t b)
{
    uint32_t m = 1u << 31, p = 0;
    for (; m; m >>= 1) {
        if (a & m) p ^= b;
        b = b & 1 ? (b >> 1) ^ 0x82F63B78u : b >> 1;
    }
    return p;
}

/* x^(8 n) mod P, reflected (x^0 is bit 31). */
static uint32_t crc_xpow8n(size_t n)
{
    uint32_t r = 1u << 31, sq = 1u << 30;   /* sq = x^1, squared per bit of 8n */
    for (uint64_t e = (uint64_t)n * 8; e; e >>= 1) {
        if (e & 1) r = crc_mulmod(r, sq);
        sq = crc_mulmod(sq, sq);
    }
    return r;
}

#define CRC_BLOCK 8192   /* bytes per stream per round; a multiple of 8 */

/* The crc32 instruction has a latency of three cycles and a throughput of
 * one: three independent streams over adjacent blocks keep it busy, and
 * their registers are merged by shifting (register(A || B) = register(A)
 * shifted by |B| bytes, xor register(B) started from zero). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *s,
                                                          size_t n)
{
    static uint32_t shift1, shift2;   /* x^(8 CRC_BLOCK), x^(16 CRC_BLOCK); racing writers agree */
    uint64_t c = crc;
    if (n >= 3 * CRC_BLOCK) {
        if (!shift2) {
            shift1 = crc_xpow8n(CRC_BLOCK);
            shift2 = crc_xpow8n(2 * CRC_BLOCK);
        }
        for (; n >= 3 * CRC_BLOCK; s += 3 * CRC_BLOCK, n -= 3 * CRC_BLOCK) {
            uint64_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < CRC_BLOCK; i += 8) {
                uint64_t v0, v1, v2;
                memcpy(&v0, s + i, 8);
                memcpy(&v1, s + CRC_BLOCK + i, 8);
                memcpy(&v2, s + 2 * CRC_BLOCK + i, 8);
                c = __builtin_ia32_crc32di(c, v0);
                c1 = __builtin_ia32_crc32di(c1, v1);
                c2 = __builtin_ia32_crc32di(c2, v2);
            }
            c = crc_mulmod(shift2, (uint32_t)c) ^ crc_mulmod(shift1, (uint32_t)c1) ^ (uint32_t)c2;
        }
    }
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        c = __builtin_ia32_crc32di(c, v);
        s += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *s++);
    return c32;
}
#define HAVE_CRC32C_HW 1
#endif

uint32_t us_crc32c(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *s = p;
    crc = ~crc;
#ifdef HAVE_CRC32C_HW
    if (__builtin_cpu_supports("sse4.2")) return ~crc32c_hw(crc, s, n);
#endif
    pthread_once(&crc_once, crc_init);   /* threads of batch and serve share the table */
    while (n--) crc = crc_table[(crc ^ *s++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int us_cpu_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    /* Atomic (relaxed: a plain load on x86) because threads ask at once; each
     * computes the same value, so no ordering is needed. */
    static _Atomic int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx2") ? 1 : 0;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
#else
    return 0;
#endif
}

uint64_t us_hash64(const void *p, size_t n, uint64_t seed)
{
    return us_hash64_fast(p, n, seed);
}

/* ---- progress ------------------------------------------------------------ */

void us_progressf(us_progress_fn fn, void *ud, const char *fmt, ...)
{
    if (!fn) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(msg, ud);
}

/* ---- logging ------------------------------------------------------------ */

static us_log_fn log_fn;
static void *log_ud;

void us_log_set(us_log_fn fn, void *ud) { log_fn = fn; log_ud = ud; }

void us_log(int level, const char *fmt, ...)
{
    if (!log_fn) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_ud);
}

/* ---- files -------------------------------------------------------------- */

int us_read_file(const char *path, size_t max_len, char **data, size_t *len, us_err *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return us_err_set(err, errno == ENOENT ? US_ENOTFOUND : US_EIO, "%s: %s", path,
                          strerror(errno));
    us_buf b;
    us_buf_init(&b);
    char chunk[65536];
    size_t n;
    int rc = US_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max_len) {
            rc = us_err_set(err, US_ETOOBIG, "%s: larger than the limit of %zu bytes", path,
                            max_len);
            break;
        }
        if (us_buf_append(&b, chunk, n) != US_OK) {
            rc = us_err_set(err, US_ENOMEM, "%s: out of memory", path);
            break;
        }
    }
    if (rc == US_OK && ferror(f)) rc = us_err_set(err, US_EIO, "%s: read error", path);
    if (!is_stdin) fclose(f);
    if (rc == US_OK && us_buf_reserve(&b, 0) != US_OK)
        rc = us_err_set(err, US_ENOMEM, "%s: out of memory", path);
    if (rc != US_OK) { us_buf_fini(&b); return rc; }
    *data = b.data;
    *len = b.len;
    return US_OK;
}
