/* alloc.c -- the one allocation hook (Lua's lua_Alloc idea).
 *
 * Every allocation in the library goes through here so that tests can make
 * the Nth allocation fail and check that callers recover. The counters are
 * process-wide and not thread-safe by design: fault injection is a
 * single-threaded test feature. */
#include <stdlib.h>
#include <string.h>
#include "base.h"


#include <stdatomic.h>

/* Relaxed atomics: threads may allocate concurrently; only the single-threaded
 * fault-injection tests read these with any precision. */
static atomic_long fail_countdown;  /* 0 = never fail */
static atomic_long n_allocs;

void us_alloc_fail_after(long n) { atomic_store_explicit(&fail_countdown, n, memory_order_relaxed); }
long us_alloc_count(void) { return atomic_load_explicit(&n_allocs, memory_order_relaxed); }

static int should_fail(void)
{
    atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
    if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) <= 0) return 0;
    return atomic_fetch_sub_explicit(&fail_countdown, 1, memory_order_relaxed) == 1;
}

void *us_malloc(size_t n)
{
    if (should_fail()) return NULL;
    return malloc(n ? n : 1);
}

int us_mul_ok(size_t n, size_t size, size_t *out)
{
    if (size && n > SIZE_MAX / size) return -1;
    *out = n * size;
    return 0;
}

void *us_calloc(size_t n, size_t size)
{
    size_t total;
    if (us_mul_ok(n, size, &total) != 0) return NULL;
    if (should_fail()) return NULL;
    return calloc(total ? total : 1, 1);
}

void *us_realloc(void *p, size_t n)
{
    if (should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void us_free(void *p) { free(p); }

int us_grow(void **p, size_t *cap, size_t need, size_t elt)
{
    if (need <= *cap) return US_OK;
    size_t c = *cap ? *cap : 64, bytes;
    while (c < need) c *= 2;
    if (us_mul_ok(c, elt, &bytes) != 0) return US_ENOMEM;
    void *q = us_realloc(*p, bytes);
    if (!q) return US_ENOMEM;
    *p = q;
    *cap = c;
    return US_OK;
}

char *us_strndup(const char *s, size_t n)
{
    char *d = us_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *us_strdup(const char *s) { return us_strndup(s, strlen(s)); }
