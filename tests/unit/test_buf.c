/* test_buf.c -- the growable buffer's number writers against printf. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "base/base.h"

/* us_buf_fix4(v) must give printf's "%.4f" bytes. */
static void check_fix4(double v)
{
    char want[400];
    snprintf(want, sizeof want, "%.4f", v);
    us_buf b;
    us_buf_init(&b);
    assert_int_equal(us_buf_fix4(&b, v), US_OK);
    if (strcmp(b.data, want) != 0) fail_msg("%.17g: got %s, printf %s", v, b.data, want);
    us_buf_fini(&b);
}

static void test_fix4_edges(void **state)
{
    (void)state;
    static const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.99995, 0.99994999, 0.00005,
                               0.00004999, -0.00004, 1e-300, -1e-300, DBL_MIN, DBL_TRUE_MIN,
                               123456.78905, 9.99995e14, 1e15, 1e300, -1e300, 0.1, 0.2,
                               0.3, 2.5e-5, 7.5e-5, 1.0 / 3, 2.0 / 3, 65536.0};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) check_fix4(v[i]);
    check_fix4(INFINITY);
    check_fix4(-INFINITY);
    check_fix4(NAN);
}

/* Exact ties: k/32 puts k * 312.5 at a half for odd k (round half to even). */
static void test_fix4_ties(void **state)
{
    (void)state;
    for (int k = -2000; k <= 2000; k++) {
        check_fix4(k / 32.0);
        check_fix4(k / 2048.0);
        check_fix4(nextafter(k / 32.0, INFINITY));
        check_fix4(nextafter(k / 32.0, -INFINITY));
    }
}

/* Random doubles of every magnitude, and floats (the analysis' numbers). */
static void test_fix4_random(void **state)
{
    (void)state;
    uint64_t s = 12345;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = us_splitmix64(&s);
        double u = (double)(r >> 11) / 9007199254740992.0;   /* [0, 1) */
        int e = (int)(us_splitmix64(&s) % 80) - 60;
        double v = ldexp(u, e) * ((r & 1) ? -1 : 1);
        check_fix4(v);
        check_fix4((float)u);
    }
}

static void test_uint(void **state)
{
    (void)state;
    static const uint64_t v[] = {0, 1, 9, 10, 99, 100, 4294967295u, 18446744073709551615u};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)v[i]);
        us_buf b;
        us_buf_init(&b);
        assert_int_equal(us_buf_uint(&b, v[i]), US_OK);
        assert_string_equal(b.data, want);
        us_buf_fini(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fix4_edges),
        cmocka_unit_test(test_fix4_ties),
        cmocka_unit_test(test_fix4_random),
        cmocka_unit_test(test_uint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
