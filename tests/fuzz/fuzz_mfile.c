/* fuzz_mfile.c -- libFuzzer target for the model container and loader
 * (src/model/mfile.c, src/task/model.c).
 *
 * Input modes:
 *  - input starting with the magic "\x89USM": the bytes themselves go to
 *    us_mfile_from_memory and us_model_load_memory;
 *  - otherwise byte 0 picks: 0 = raw bytes as above; 1 = mutate the tiny valid
 *    model (tiny_model.h) by the records that follow; 2 = the same, then
 *    re-sign all CRCs so the mutation reaches the section-level checks of the
 *    model loader (FCFG ranges, LABL inventory, head sizes).
 * Each loadable input is also loaded for a subset of the tasks (input length
 * mod 16, the us_analyze_opts.tasks bits), as predict loads it.
 *    A record is 5 bytes: u32le position, u8 value. Position bit 31 set:
 *    truncate the model to (position % size) bytes; bit 30 set: write the value
 *    at (position % size); otherwise XOR it in.
 * Any loaded model must answer us_model_version and analyse a short
 * multilingual text into valid JSON without crashing. Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "tiny_model.h"
#include "text/text.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void *g_model;
static size_t g_model_len;

static void use_model(const us_model *m)
{
    static const char text[] = "Le \"traître\" a menti!!!\nThey say it's a disaster.\n\n"
                               "Это позор, говорят они.\r\n";
    CHECK(us_model_version(m) != NULL);
    us_analysis *a = NULL;
    us_analyze_opts o = {"fr", 1, 0};
    int rc = us_analyze(m, text, sizeof text - 1, &o, &a, NULL);
    CHECK(rc == US_OK || rc == US_ENOMEM);
    if (rc == US_OK) {
        char *js = us_analysis_json(m, a, text, sizeof text - 1);
        if (js) CHECK(js[0] == '{');
        if (js) CHECK(us_utf8_validate(js, strlen(js), NULL) == US_OK);
        us_free_string(js);
    }
    us_analysis_free(a);
}

static void load(const void *p, size_t n)
{
    us_err err;
    memset(&err, 0, sizeof err);
    us_mfile *mf = us_mfile_from_memory(p, n, &err);
    if (mf) {
        size_t ns = us_mfile_n_sections(mf);
        for (size_t i = 0; i < ns; i++) {
            char id[5];
            uint64_t off, len;
            uint32_t crc;
            CHECK(us_mfile_section_at(mf, i, id, &off, &len, &crc) == US_OK);
            const void *d;
            size_t dn;
            CHECK(us_mfile_section(mf, id, &d, &dn) == US_OK && d && dn == len);
            CHECK(off + len <= n);
        }
        us_mfile_close(mf);
    } else {
        CHECK(err.code < 0 && err.msg[0] && memchr(err.msg, 0, sizeof err.msg));
    }
    memset(&err, 0, sizeof err);
    us_model *m = us_model_load_memory(p, n, &err);
    if (m) use_model(m);
    else CHECK(err.code < 0 && err.msg[0]);
    us_model_free(m);
    /* Loaded for some tasks only (as predict does): the other heads absent. */
    us_mfile *mf2 = us_mfile_from_memory(p, n, NULL);
    if (!mf2) return;
    memset(&err, 0, sizeof err);
    m = us_model_from_mfile(mf2, "<fuzz>", (int)(n % 16), &err);
    if (m) use_model(m);
    else { CHECK(err.code < 0 && err.msg[0]); us_mfile_close(mf2); }
    us_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 4 && memcmp(data, "\x89USM", 4) == 0) { load(data, size); return 0; }
    if (size == 0) { load(data, 0); return 0; }
    unsigned mode = data[0] % 3;
    if (mode == 0) { load(data + 1, size - 1); return 0; }
    if (!g_model && tiny_model_bytes(&g_model, &g_model_len) != US_OK) __builtin_trap();
    unsigned char *p = malloc(g_model_len);
    if (!p) return 0;
    memcpy(p, g_model, g_model_len);
    size_t n = g_model_len;
    for (size_t i = 1; i + 5 <= size && n > 0; i += 5) {
        uint32_t pos = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
                       (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
        uint8_t v = data[i + 4];
        if (pos & 0x80000000u) n = (pos & 0x3fffffffu) % n;
        else if (pos & 0x40000000u) p[(pos & 0x3fffffffu) % n] = v;
        else p[pos % n] ^= v;
    }
    if (mode == 2) tiny_model_resign(p, n);
    load(p, n);
    free(p);
    return 0;
}
