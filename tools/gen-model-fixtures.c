/* gen-model-fixtures.c -- writes the .usm fixtures in tests/fixtures/models/.
 *
 * Deterministic: the same library always produces the same bytes, so the
 * committed files double as a pin of the on-disk format. Build and run from
 * the repository root after `make`:
 *
 *   cc -std=c17 -D_DEFAULT_SOURCE -Iinclude -Isrc tools/gen-model-fixtures.c \
 *      build/libunspin.a -lxxhash -o build/gen-model-fixtures
 *   build/gen-model-fixtures tests/fixtures/models
 *
 * tests/fixtures/models/README.md lists each file and its expected status;
 * tests/unit/test_mfile.c (test_fixtures) checks them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/mfile.h"

/* The base model: a META section, five f32 weights and an empty section. */
static int build_valid(uint16_t minor, void **out, size_t *out_len)
{
    static const char meta[] = "unspin_fixture=1\nseed=42\ncomment=tiny test model\n";
    unsigned char w[5 * 4];
    static const float vals[5] = {1.0f, -2.5f, 0.125f, 3.0e-7f, 1024.0f};
    for (int i = 0; i < 5; i++) us_put_f32le(w + 4 * i, vals[i]);
    us_err err = {0};
    us_mfw *mw = us_mfw_new();
    if (!mw) return -1;
    int rc = us_mfw_add(mw, "META", meta, sizeof meta - 1, &err);
    if (rc == US_OK) rc = us_mfw_add(mw, "WGT0", w, sizeof w, &err);
    if (rc == US_OK) rc = us_mfw_add(mw, "EMPT", NULL, 0, &err);
    if (rc == US_OK) rc = us_mfw_to_memory(mw, minor, out, out_len, &err);
    if (rc != US_OK) fprintf(stderr, "gen-model-fixtures: %s\n", err.msg);
    us_mfw_free(mw);
    return rc;
}

/* Recomputes the header CRC after an edit (same rule as the reader). */
static void resign(unsigned char *p)
{
    uint32_t n = us_get_u32le(p + 12);
    uint32_t crc = us_crc32c(0, p, 24);
    crc = us_crc32c(crc, p + 32, 24 * (size_t)n);
    us_put_u32le(p + 24, crc);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "gen-model-fixtures: cannot write %s\n", path);
        return -1;
    }
    printf("wrote %s (%zu bytes)\n", path, n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-model-fixtures DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    void *buf;
    size_t len;
    if (build_valid(US_MFILE_MINOR, &buf, &len) != US_OK) return 1;
    unsigned char *p = buf;
    unsigned char *copy = malloc(len);
    if (!copy) return 1;
    int bad = 0;

    bad |= write_file(dir, "valid.usm", p, len);
    bad |= write_file(dir, "truncated.usm", p, len / 2 + 3);

    memcpy(copy, p, len);
    uint64_t wgt_off = us_get_u64le(copy + 32 + 24 + 8);   /* table entry 1 = WGT0 */
    copy[wgt_off + 5] ^= 0x10;
    bad |= write_file(dir, "bitflip.usm", copy, len);

    memcpy(copy, p, len);
    copy[8] = 2;   /* major 2, minor 0 */
    copy[9] = 0;
    resign(copy);
    bad |= write_file(dir, "future-version.usm", copy, len);

    memcpy(copy, p, len);
    copy[10] = 7;  /* minor 7: accepted */
    resign(copy);
    bad |= write_file(dir, "newer-minor.usm", copy, len);

    static const char text[] = "weights = [1.0, -2.5]\n";
    bad |= write_file(dir, "foreign.usm", text, sizeof text - 1);
    static const unsigned char png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                          0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    bad |= write_file(dir, "foreign-png.usm", png, sizeof png);
    bad |= write_file(dir, "empty.usm", "", 0);

    free(copy);
    us_free(buf);
    return bad ? 1 : 0;
}
