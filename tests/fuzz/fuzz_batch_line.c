/* fuzz_batch_line.c -- libFuzzer target for one `unspin batch` input line
 * (src/cli/batch_line.c: yajl events, the raw member scanner, the surrogate
 * check, the passthrough writer).
 *
 * Input: byte 0 holds options (bit 0 explain, bit 1 a default language "en");
 * the rest is the line ('\n' turned into ' ', as the line reader never
 * delivers one). The model is tiny_model.h's (or $UNSPIN_FUZZ_MODEL).
 * Checks: exactly one output line, which parses as a JSON object starting
 * {"id":; a result when the call says 1, an error when it says 0; the id
 * agrees with batch_line_id; and whenever jansson (a second, independent
 * parser, duplicates rejected) reads the line as an object with a string
 * "text" under the limit and no "lang", the line is analysed and its n_bytes
 * is jansson's decoded length. (Not for lines with a raw NUL byte: jansson
 * accepts one after a number, which JSON does not.) Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yajl/yajl_parse.h>
#include "tiny_model.h"
#include "cli/batch.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* Whether s[0..n) is one JSON object (yajl without callbacks validates). */
static int is_json_object(const char *s, size_t n)
{
    if (n == 0 || s[0] != '{') return 0;
    yajl_handle h = yajl_alloc(NULL, NULL, NULL);
    CHECK(h);
    int ok = yajl_parse(h, (const unsigned char *)s, n) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
}

/* The decoded text length jansson finds, or -1 when it does not give one
 * that batch must analyse. */
static long jansson_text_len(const char *s, size_t n)
{
    json_t *root = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                              NULL);
    long len = -1;
    json_t *t = json_object_get(root, "text");
    if (json_is_object(root) && json_is_string(t) && !json_object_get(root, "lang") &&
        json_string_length(t) <= BATCH_MAX_TEXT)
        len = (long)json_string_length(t);
    json_decref(root);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    batch_opts o = {fuzz_model(), data[0] & 2 ? "en" : NULL, data[0] & 1, 0};
    size_t len = size - 1;
    char *line = malloc(len + 1);
    CHECK(line);
    for (size_t i = 0; i < len; i++) line[i] = data[i + 1] == '\n' ? ' ' : (char)data[i + 1];
    us_buf out;
    us_buf_init(&out);
    int rc = batch_line_run(&o, line, len, "f.jsonl:1", &out);
    CHECK(rc >= -1 && rc <= 1);
    if (rc >= 0) {
        CHECK(!out.oom && out.len >= 2 && out.data[out.len - 1] == '\n');
        CHECK(memchr(out.data, '\n', out.len) == out.data + out.len - 1);
        CHECK(is_json_object(out.data, out.len - 1));
        CHECK(!strncmp(out.data, "{\"id\":", 6));
        size_t off, n;
        if (batch_line_id(line, len, &off, &n)) {
            CHECK(out.len > 6 + n && !memcmp(out.data + 6, line + off, n));
        } else {
            CHECK(!strncmp(out.data, "{\"id\":null,", 11));
        }
        /* A result is the last member; an error object is {"id":ID,"error":"WHERE: ..."}. */
        const char *res = strstr(out.data, ",\"result\":{\"model\":");
        const char *err = strstr(out.data, ",\"error\":\"f.jsonl:1: ");
        if (rc == 1) CHECK(res != NULL);
        else CHECK(err && err == out.data + 6 + (batch_line_id(line, len, &off, &n) ? n : 4) &&
                   !memcmp(out.data + out.len - 3, "\"}\n", 3));
        long jl = memchr(line, 0, len) ? -1 : jansson_text_len(line, len);
        if (jl >= 0) {
            CHECK(rc == 1);
            const char *nb = strstr(res, "\"n_bytes\":");
            CHECK(nb && strtol(nb + 10, NULL, 10) == jl);
        }
    }
    us_buf_fini(&out);
    free(line);
    return 0;
}
