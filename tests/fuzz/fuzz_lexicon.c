/* fuzz_lexicon.c -- libFuzzer target for the valence-lexicon reader
 * (src/feat/lexicon.c).
 *
 * Input: arbitrary bytes parsed as a lexicon file. Checks what the reader
 * promises: on success a non-empty key array that us_lex_check accepts (the
 * loader's test), each key found again by us_lex_valence with its valence in
 * -5..5 and not 0; on failure no keys and a message naming the file and line
 * (or out of memory). Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "feat/feat.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    us_feat_cfg cfg;
    us_feat_cfg_default(&cfg);
    uint64_t *keys = NULL;
    uint32_t n = 0;
    us_err err = {0};
    int rc = us_lex_parse(&cfg, (const char *)data, size, "fz.tsv", &keys, &n, &err);
    if (rc != US_OK) {
        CHECK(keys == NULL && n == 0 && err.code == rc);
        CHECK(strncmp(err.msg, "fz.tsv", 6) == 0 || rc == US_ENOMEM);
        return 0;
    }
    CHECK(keys != NULL && n > 0 && us_lex_check(keys, n) == US_OK);
    for (uint32_t i = 0; i < n; i++) {
        int v = us_lex_valence(keys, n, keys[i]);
        CHECK(v >= -5 && v <= 5 && v != 0 && v == (int)(keys[i] & 15) - 5);
    }
    us_free(keys);
    return 0;
}
