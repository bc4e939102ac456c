/* bench_stages.c -- CPU cost of each stage of us_analyze, in one process, so
 * that the stages are compared on the same texts and the same VM phase.
 *   build/bench_stages MODEL [ROUNDS] FILE...
 * A file's language is the directory name after "semeval2023/" when there is
 * one (the dataset layout), else unknown. Each round runs every stage over
 * every file; the stages alternate within a round, and the best round of each
 * is printed (process CPU time, so time the hypervisor gave away is not
 * counted):
 *   stage<TAB>seconds<TAB>articles per CPU-second<TAB>microseconds per article */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "unspin.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static const struct { const char *name; int tasks; int json; } stages[] = {
    {"genre+frames", US_DO_GENRE | US_DO_FRAMES, 0},
    {"techniques", US_DO_TECHNIQUES, 0},
    {"techniques+spans", US_DO_TECHNIQUES | US_DO_SPANS, 0},
    {"all", 0, 0},
    {"all+json", 0, 1},
};
#define N_STAGES (sizeof stages / sizeof stages[0])

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_stages MODEL [ROUNDS] FILE...\n"); return 2; }
    us_err err = {0};
    us_model *m = us_model_load(argv[1], &err);
    if (!m) { fprintf(stderr, "bench_stages: %s\n", err.msg); return 1; }
    int first = 2, rounds = 5;
    char *end;
    long r = strtol(argv[2], &end, 10);
    if (*end == '\0' && r > 0) { rounds = (int)r; first = 3; }
    int n = argc - first;
    char **text = calloc((size_t)n, sizeof *text);
    size_t *len = calloc((size_t)n, sizeof *len);
    char (*lang)[3] = calloc((size_t)n, 3);
    if (n <= 0 || !text || !len || !lang) { fprintf(stderr, "bench_stages: no files\n"); return 2; }
    for (int i = 0; i < n; i++) {
        const char *path = argv[first + i], *d = strstr(path, "semeval2023/");
        if (!(text[i] = slurp(path, &len[i]))) {
            fprintf(stderr, "bench_stages: %s: cannot read\n", path);
            return 1;
        }
        if (d && d[12] && d[13] && d[14] == '/') memcpy(lang[i], d + 12, 2);
    }
    double best[N_STAGES];
    for (size_t s = 0; s < N_STAGES; s++) best[s] = 1e300;
    for (int round = 0; round < rounds; round++)
        for (size_t s = 0; s < N_STAGES; s++) {
            double t0 = cpu_s();
            for (int i = 0; i < n; i++) {
                us_analyze_opts o = {.lang = lang[i], .tasks = stages[s].tasks};
                us_analysis *a;
                if (us_analyze(m, text[i], len[i], &o, &a, &err) != US_OK) {
                    fprintf(stderr, "bench_stages: %s: %s\n", argv[first + i], err.msg);
                    return 1;
                }
                if (stages[s].json) us_free_string(us_analysis_json(m, a, text[i], len[i]));
                us_analysis_free(a);
            }
            double dt = cpu_s() - t0;
            if (dt < best[s]) best[s] = dt;
        }
    for (size_t s = 0; s < N_STAGES; s++)
        printf("%s\t%.3f\t%.0f\t%.1f\n", stages[s].name, best[s], n / best[s], best[s] / n * 1e6);
    for (int i = 0; i < n; i++) free(text[i]);
    free(text);
    free(len);
    free(lang);
    us_model_free(m);
    return 0;
}
