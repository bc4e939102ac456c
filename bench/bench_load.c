/* bench_load.c -- model load time: us_model_load + us_model_free, N times.
 *   build/bench_load MODEL [N]   prints "load_ms<TAB>mean<TAB>min" */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "unspin.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_load MODEL [N]\n"); return 2; }
    int n = argc > 2 ? atoi(argv[2]) : 20;
    double total = 0, best = 1e9;
    for (int i = 0; i < n; i++) {
        us_err err = {0};
        double t0 = now_ms();
        us_model *m = us_model_load(argv[1], &err);
        double dt = now_ms() - t0;
        if (!m) { fprintf(stderr, "bench_load: %s\n", err.msg); return 1; }
        us_model_free(m);
        total += dt;
        if (dt < best) best = dt;
    }
    printf("load_ms\t%.2f\t%.2f\n", total / n, best);
    return 0;
}
