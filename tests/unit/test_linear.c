/* test_linear.c -- the linear trainer's weight averaging against a replay of
 * the same AdaGrad steps written out by hand; heads with fewer rows than
 * buckets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "model/linear.h"

/* One item, one feature (value x), one label y: the trainer's steps are a
 * scalar recursion the test can replay. Returns the trained w and b. */
static void train_one(int average, uint32_t epochs, float x, uint32_t y, float *w, float *b)
{
    us_linear m;
    assert_int_equal(us_linear_init(&m, 4, 1, NULL), US_OK);
    us_feat f = {2, x};
    us_fvec v = {&f, 1, 1};
    us_train_params p;
    us_train_params_default(&p);
    p.epochs = epochs;
    p.l2 = 1e-2f;
    p.min_grad = 0;
    p.average = average;
    assert_int_equal(us_linear_train(&m, &v, &y, NULL, 1, &p, NULL), US_OK);
    *w = m.w[2];
    *b = m.b[0];
    for (uint32_t j = 0; j < 4; j++)
        if (j != 2) assert_true(m.w[j] == 0.0f);   /* untouched rows stay zero */
    us_linear_fini(&m);
}

/* The same steps in double, with the mean of the iterates after each step of
 * epochs 2..E. */
static void replay(uint32_t epochs, double x, double y, double *w_last, double *b_last,
                   double *w_mean, double *b_mean)
{
    double w = 0, b = 0, G = 0, Gb = 0, sw = 0, sb = 0, lr = 0.5, l2 = 1e-2, eps = 1e-6;
    int n = 0;
    for (uint32_t ep = 0; ep < epochs; ep++) {
        double z = b + w * x, pr = 1 / (1 + exp(-z)), g = pr - y;
        Gb += g * g;
        b -= lr * g / (sqrt(Gb) + eps);
        double gw = g * x + l2 * w;
        G += gw * gw;
        w -= lr * gw / (sqrt(G) + eps);
        if (ep >= 1) { sw += w; sb += b; n++; }
    }
    *w_last = w;
    *b_last = b;
    *w_mean = n ? sw / n : w;
    *b_mean = n ? sb / n : b;
}

static void test_average_is_mean_of_iterates(void **state)
{
    (void)state;
    static const struct { float x; uint32_t y; uint32_t epochs; } cases[] = {
        {1.0f, 1, 6}, {0.7f, 0, 10}, {2.5f, 1, 3}, {-1.3f, 1, 8}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float w0, b0, w1, b1;
        double wl, bl, wm, bm;
        train_one(0, cases[i].epochs, cases[i].x, cases[i].y, &w0, &b0);
        train_one(1, cases[i].epochs, cases[i].x, cases[i].y, &w1, &b1);
        replay(cases[i].epochs, cases[i].x, cases[i].y, &wl, &bl, &wm, &bm);
        if (fabs(w0 - wl) > 1e-5 || fabs(b0 - bl) > 1e-5)
            fail_msg("case %zu: last iterate %g %g, replay %g %g", i, w0, b0, wl, bl);
        if (fabs(w1 - wm) > 1e-5 || fabs(b1 - bm) > 1e-5)
            fail_msg("case %zu: average %g %g, replay %g %g", i, w1, b1, wm, bm);
        assert_true(fabs(wm - wl) > 1e-3);   /* the cases do tell the two apart */
    }
}

/* One epoch has nothing to average: the option changes nothing. */
static void test_average_one_epoch(void **state)
{
    (void)state;
    float w0, b0, w1, b1;
    train_one(0, 1, 1.0f, 1, &w0, &b0);
    train_one(1, 1, 1.0f, 1, &w1, &b1);
    assert_true(w0 == w1 && b0 == b1);
}

/* A head with shift s (feature f in row f >> s) trains and scores exactly as
 * a one-row-a-bucket head fed the features f >> s: the rows it shares are
 * the sums of what the buckets would have learnt in one row. */
static void test_shift_is_row_sharing(void **state)
{
    (void)state;
    enum { N = 40, F = 6, NB = 64, L = 3 };
    us_feat fa[N][F], fb[N][F];
    us_fvec xa[N], xb[N];
    uint32_t y[N];
    uint64_t st = 7;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < F; j++) {
            uint32_t f = (uint32_t)(us_splitmix64(&st) % NB);
            float v = (float)(us_splitmix64(&st) % 1000) / 1000.0f;
            fa[i][j] = (us_feat){f, v};
            fb[i][j] = (us_feat){f >> 2, v};
        }
        xa[i] = (us_fvec){fa[i], F, F};
        xb[i] = (us_fvec){fb[i], F, F};
        y[i] = (uint32_t)(us_splitmix64(&st) % 8);
    }
    us_train_params p;
    us_train_params_default(&p);
    p.epochs = 4;
    p.average = 1;
    us_linear a, b;
    assert_int_equal(us_linear_init(&a, NB >> 2, L, NULL), US_OK);
    a.shift = 2;
    assert_int_equal(us_linear_init(&b, NB >> 2, L, NULL), US_OK);
    assert_int_equal(us_linear_train(&a, xa, y, NULL, N, &p, NULL), US_OK);
    assert_int_equal(us_linear_train(&b, xb, y, NULL, N, &p, NULL), US_OK);
    assert_memory_equal(a.w, b.w, (size_t)(NB >> 2) * L * sizeof *a.w);
    assert_memory_equal(a.b, b.b, L * sizeof *a.b);
    float za[L], zb[L];
    us_linear_score(&a, &xa[0], za);
    us_linear_score(&b, &xb[0], zb);
    assert_memory_equal(za, zb, sizeof za);
    /* the quantised form too, and the weight explanations read */
    uint32_t S = us_qlinear_stride(L);
    unsigned char *rows = malloc((size_t)(NB >> 2) * S);
    float bias[L];
    assert_non_null(rows);
    us_linear_quantize(&a, bias, rows);
    us_qlinear qa = {L, NB >> 2, 2, S, bias, rows}, qb = {L, NB >> 2, 0, S, bias, rows};
    us_qlinear_score(&qa, &xa[1], za);
    us_qlinear_score(&qb, &xb[1], zb);
    assert_memory_equal(za, zb, sizeof za);
    uint32_t bk[F];
    for (int j = 0; j < F; j++) bk[j] = fa[2][j].idx;
    memset(za, 0, sizeof za);
    us_qlinear_add_rows(&qa, bk, F, za);
    for (int j = 0; j < F; j++) bk[j] = fb[2][j].idx;
    memset(zb, 0, sizeof zb);
    us_qlinear_add_rows(&qb, bk, F, zb);
    assert_memory_equal(za, zb, sizeof za);
    assert_true(us_qlinear_weight(&qa, 61, 1) == us_qlinear_weight(&qb, 15, 1));
    int nonzero = 0;
    for (size_t k = 0; k < (size_t)(NB >> 2) * L; k++) nonzero += a.w[k] != 0;
    assert_true(nonzero > L * 4);   /* the items did train it */
    free(rows);
    us_linear_fini(&a);
    us_linear_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_average_is_mean_of_iterates),
        cmocka_unit_test(test_average_one_epoch),
        cmocka_unit_test(test_shift_is_row_sharing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
