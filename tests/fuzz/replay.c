/* replay.c -- runs a libFuzzer target over files without libFuzzer (SQLite fuzzcheck idea).
 *
 * Linked with one fuzz_<name>.c, built with ASan/UBSan (mk/fuzz.mk, `make
 * fuzz-replay`). Each argument is a file or a folder (its regular files, in
 * name order); each file's bytes are passed to LLVMFuzzerTestOneInput. The
 * point is to catch crashes, sanitizer reports and leaks on the committed
 * corpus in every CI run, with any C compiler. Prints one summary line;
 * exit status 0 when every input ran, 1 on an I/O problem (a crash aborts). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "replay: %s: cannot open\n", path); return -1; }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf) { fclose(f); fprintf(stderr, "replay: out of memory\n"); return -1; }
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) { free(buf); buf = NULL; continue; }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); fprintf(stderr, "replay: %s: read error\n", path); return -1; }
    /* An exact-size copy, so ASan sees reads past the end of the input. */
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact) { free(buf); return -1; }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t n_run = 0, n_fail = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file or folder\n", argv[i]);
            n_fail++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) == 0) n_run++; else n_fail++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) { fprintf(stderr, "replay: %s: cannot open folder\n", argv[i]); n_fail++; continue; }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                char **nn = realloc(names, cap * sizeof *nn);
                if (!nn) { fprintf(stderr, "replay: out of memory\n"); return 1; }
                names = nn;
            }
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            if (!(names[n] = malloc(len))) { fprintf(stderr, "replay: out of memory\n"); return 1; }
            snprintf(names[n], len, "%s/%s", argv[i], e->d_name);
            n++;
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, cmp_str);
        for (size_t k = 0; k < n; k++) {
            struct stat fs;
            if (stat(names[k], &fs) == 0 && S_ISREG(fs.st_mode)) {
                if (run_file(names[k]) == 0) n_run++; else n_fail++;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replay: %s: %zu input(s) ran, %zu failed\n", argv[0], n_run, n_fail);
    return n_fail ? 1 : 0;
}
