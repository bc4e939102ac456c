/* alloc.c -- the one allocation hook (Lua's lua_Alloc idea).
 *
 * Every allocation in the library goes through here so that tests can make
 * the Nth allocation fail and check that callers recover. The counters are
 * process-wide and not thread-safe by design: fault injection is a
 * single-threaded test feature. */
#include <stdlib.h>
#include <string.h>
#include "base.h"

static long fail_countdown;  /* 0 = never fail */
static long n_allocs;

void us_alloc_fail_after(long n) { fail_countdown = n; }
long us_alloc_count(void) { return n_allocs; }

static int should_fail(void)
{
    n_allocs++;
    if (fail_countdown > 0 && --fail_countdown == 0) return 1;
    return 0;
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

char *us_strndup(const char *s, size_t n)
{
    char *d = us_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *us_strdup(const char *s) { return us_strndup(s, strlen(s)); }
