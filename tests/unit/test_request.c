/* test_request.c -- the POST /v1/analyze body parser (src/server/request.c):
 * media types, JSON members and their types, limits, UTF-8, languages, and
 * the status code -> HTTP status mapping. No socket involved. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "server/request.h"

typedef struct result {
    int rc;
    us_analyze_req req;
    us_err err;
} result;

static result parse_full(const char *ct, const char *qlang, const char *qexplain, const char *body,
                         size_t len, size_t max)
{
    result r;
    memset(&r, 0, sizeof r);
    r.rc = us_req_parse_analyze(ct, qlang, qexplain, body, len, max, &r.req, &r.err);
    return r;
}

static result parse_json(const char *body)
{
    return parse_full("application/json", NULL, NULL, body, strlen(body), 0);
}

static void assert_msg_has(const result *r, const char *needle)
{
    if (!strstr(r->err.msg, needle)) {
        print_error("message \"%s\" lacks \"%s\"\n", r->err.msg, needle);
        fail();
    }
}

static void test_plain_text(void **state)
{
    (void)state;
    const char body[] = "Line one.\nLine two!";
    result r = parse_full("text/plain; charset=UTF-8", "EN", NULL, body, sizeof body - 1, 0);
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.text_len, sizeof body - 1);
    assert_memory_equal(r.req.text, body, sizeof body - 1);
    assert_int_equal(r.req.text[r.req.text_len], '\0');
    assert_string_equal(r.req.lang, "en");
    assert_int_equal(r.req.explain, 1);
    us_req_fini(&r.req);
    us_req_fini(&r.req);   /* idempotent */

    /* no Content-Type = text/plain; explain off from the query */
    r = parse_full(NULL, NULL, "0", "x", 1, 0);
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.explain, 0);
    assert_string_equal(r.req.lang, "");
    us_req_fini(&r.req);

    r = parse_full("text/plain", NULL, "maybe", "x", 1, 0);
    assert_int_equal(r.rc, US_EINVAL);
    assert_int_equal(us_req_http_status(r.rc), 400);

    /* empty body: an empty article, not an error */
    r = parse_full("text/plain", NULL, NULL, NULL, 0, 0);
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.text_len, 0);
    us_req_fini(&r.req);

    /* NUL bytes pass through with their length */
    r = parse_full("text/plain", NULL, NULL, "a\0b", 3, 0);
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.text_len, 3);
    us_req_fini(&r.req);
}

static void test_json_ok(void **state)
{
    (void)state;
    result r = parse_json("{\"text\":\"caf\\u00e9 \\ud83d\\ude00\",\"lang\":\"fr\",\"explain\":false,"
                          "\"extra\":[1,2]}");
    assert_int_equal(r.rc, US_OK);
    assert_string_equal(r.req.text, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    assert_string_equal(r.req.lang, "fr");
    assert_int_equal(r.req.explain, 0);
    us_req_fini(&r.req);

    /* defaults: explain on, lang unknown; null members mean "absent" */
    r = parse_json("{\"text\":\"hi\",\"lang\":null,\"explain\":null}");
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.explain, 1);
    assert_string_equal(r.req.lang, "");
    us_req_fini(&r.req);

    /* \u0000 inside the text is kept */
    r = parse_json("{\"text\":\"a\\u0000b\"}");
    assert_int_equal(r.rc, US_OK);
    assert_int_equal(r.req.text_len, 3);
    us_req_fini(&r.req);

    /* media type is case-insensitive, charset may be quoted */
    const char *b = "{\"text\":\"x\"}";
    r = parse_full("Application/JSON ; charset=\"utf-8\"", NULL, NULL, b, strlen(b), 0);
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);

    /* query arguments do not apply to JSON bodies */
    r = parse_full("application/json", "zz!", "bogus", b, strlen(b), 0);
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);
}

static void test_json_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "{", "{\"text\":}", "{\"text\":\"x\",}", "[\"text\"]x", "{\"text\":\"x\"} trailing",
        "{'text':'x'}", "{\"text\":\"\\ud800\"}", "{\"text\":\"x\",\"text\":\"y\"}", "nul",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r = parse_json(bad[i]);
        if (r.rc != US_EINVAL) {
            print_error("body '%s': rc %d, want US_EINVAL\n", bad[i], r.rc);
            fail();
        }
        assert_msg_has(&r, "malformed JSON");
        assert_null(r.req.text);
        assert_int_equal(us_req_http_status(r.rc), 400);
    }
    result r = parse_json("{\"text\":\"x\"");
    assert_msg_has(&r, "at byte 11");   /* where the body ended too early */
    r = parse_json("{\"text\":\"x\",\"text\":\"y\"}");
    assert_msg_has(&r, "duplicate member \"text\"");
    r = parse_json("{\"text\":\"x\f\"}");   /* a raw form feed: not JSON white space either */
    assert_msg_has(&r, "control character 0x0c");
}

static void test_json_members(void **state)
{
    (void)state;
    static const struct { const char *body, *msg; } cases[] = {
        {"{\"lang\":\"en\"}", "missing \"text\""},
        {"{}", "missing \"text\""},
        {"[]", "must be an object"},
        {"\"just a string\"", "must be an object"},
        {"42", "not a number"},
        {"{\"text\":42}", "\"text\" must be a string, not a number"},
        {"{\"text\":null}", "\"text\" must be a string, not null"},
        {"{\"text\":[\"a\"]}", "\"text\" must be a string, not an array"},
        {"{\"text\":\"x\",\"lang\":7}", "\"lang\" must be a string"},
        {"{\"text\":\"x\",\"explain\":\"yes\"}", "\"explain\" must be true or false"},
        {"{\"text\":\"x\",\"explain\":1}", "\"explain\" must be true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r = parse_json(cases[i].body);
        assert_int_equal(r.rc, US_EINVAL);
        assert_msg_has(&r, cases[i].msg);
        assert_null(r.req.text);
    }
}

static void test_lang(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } ok[] = {
        {"en", "en"}, {"GE", "ge"}, {"Ru", "ru"}, {"other", ""}, {"OTHER", ""}, {"auto", ""},
        {"", ""}, {"es", "es"}, {"xx", "xx"}, {"abcdefg", "abcdefg"},
    };
    char body[128];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        snprintf(body, sizeof body, "{\"text\":\"x\",\"lang\":\"%s\"}", ok[i].in);
        result r = parse_json(body);
        assert_int_equal(r.rc, US_OK);
        assert_string_equal(r.req.lang, ok[i].out);
        us_req_fini(&r.req);
        r = parse_full("text/plain", ok[i].in, NULL, "x", 1, 0);
        assert_int_equal(r.rc, US_OK);
        assert_string_equal(r.req.lang, ok[i].out);
        us_req_fini(&r.req);
    }
    static const char *const bad[] = {"e", "abcdefgh", "e1", "en-US", "../x", "\\u00e9n", "e n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "{\"text\":\"x\",\"lang\":\"%s\"}", bad[i]);
        result r = parse_json(body);
        assert_int_equal(r.rc, US_EINVAL);
        assert_msg_has(&r, "\"lang\" must be a language code");
        assert_null(r.req.text);
    }
}

static void test_limits(void **state)
{
    (void)state;
    char *big = malloc(101);
    assert_non_null(big);
    memset(big, 'a', 101);
    result r = parse_full("text/plain", NULL, NULL, big, 100, 100);   /* at the limit */
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);
    r = parse_full("text/plain", NULL, NULL, big, 101, 100);          /* one over */
    assert_int_equal(r.rc, US_ETOOBIG);
    assert_int_equal(us_req_http_status(r.rc), 413);
    assert_msg_has(&r, "101 bytes is over the limit of 100");
    assert_null(r.req.text);
    /* the limit applies to the body, before JSON is even looked at */
    r = parse_full("application/json", NULL, NULL, big, 101, 100);
    assert_int_equal(r.rc, US_ETOOBIG);
    free(big);
    /* 0 = the default limit of 2 MiB */
    size_t n = US_REQ_DEFAULT_MAX_BODY + 1;
    char *huge = malloc(n);
    assert_non_null(huge);
    memset(huge, 'b', n);
    r = parse_full(NULL, NULL, NULL, huge, n, 0);
    assert_int_equal(r.rc, US_ETOOBIG);
    r = parse_full(NULL, NULL, NULL, huge, n - 1, 0);
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);
    free(huge);
}

static void test_utf8(void **state)
{
    (void)state;
    /* "ok " then a lone continuation byte at offset 3 */
    result r = parse_full("text/plain", NULL, NULL, "ok \x80 x", 6, 0);
    assert_int_equal(r.rc, US_EUTF8);
    assert_int_equal(us_req_http_status(r.rc), 400);
    assert_msg_has(&r, "invalid UTF-8 at byte 3");
    /* truncated sequence at the end */
    r = parse_full("text/plain", NULL, NULL, "abc\xe2\x82", 5, 0);
    assert_msg_has(&r, "invalid UTF-8 at byte 3");
    /* overlong and surrogate encodings */
    r = parse_full("text/plain", NULL, NULL, "\xc0\xaf", 2, 0);
    assert_int_equal(r.rc, US_EUTF8);
    r = parse_full("text/plain", NULL, NULL, "a\xed\xa0\x80", 4, 0);
    assert_msg_has(&r, "invalid UTF-8 at byte 1");
    /* inside a JSON string: the offset is into the body */
    const char body[] = "{\"text\":\"caf\xe9\"}";
    r = parse_json(body);
    assert_int_equal(r.rc, US_EUTF8);
    assert_msg_has(&r, "invalid UTF-8 at byte 12");
    assert_null(r.req.text);
}

static void test_media_types(void **state)
{
    (void)state;
    static const char *const bad[] = {"application/x-www-form-urlencoded", "text/html",
                                      "multipart/form-data; boundary=x", "application/jsonx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r = parse_full(bad[i], NULL, NULL, "x", 1, 0);
        assert_int_equal(r.rc, US_EFORMAT);
        assert_int_equal(us_req_http_status(r.rc), 415);
        assert_msg_has(&r, "unsupported Content-Type");
    }
    result r = parse_full("text/plain; charset=latin1", NULL, NULL, "x", 1, 0);
    assert_int_equal(r.rc, US_EFORMAT);
    assert_msg_has(&r, "unsupported charset 'latin1'");
    r = parse_full("text/plain; format=flowed; charset=us-ascii", NULL, NULL, "x", 1, 0);
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);
    r = parse_full("", NULL, NULL, "x", 1, 0);
    assert_int_equal(r.rc, US_OK);
    us_req_fini(&r.req);
}

static void test_oom(void **state)
{
    (void)state;
    const char *b = "{\"text\":\"hello\"}";
    int saw_ok = 0;
    for (long n = 1; n < 20 && !saw_ok; n++) {
        us_alloc_fail_after(n);
        result r = parse_full("application/json", NULL, NULL, b, strlen(b), 0);
        us_alloc_fail_after(0);
        assert_true(r.rc == US_OK || r.rc == US_ENOMEM);
        if (r.rc == US_ENOMEM) {
            assert_null(r.req.text);
            assert_int_equal(us_req_http_status(r.rc), 500);
        }
        saw_ok = r.rc == US_OK;
        us_req_fini(&r.req);
    }
    assert_true(saw_ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text), cmocka_unit_test(test_json_ok),
        cmocka_unit_test(test_json_malformed), cmocka_unit_test(test_json_members),
        cmocka_unit_test(test_lang), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_utf8), cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
