/* test_faults.c -- "fail the Nth allocation" loops (SQLite/Lua style).
 *
 * For each operation, n = 1, 2, ... makes the nth us_malloc/us_calloc/
 * us_realloc from now fail (us_alloc_fail_after), until a run completes
 * without reaching the nth allocation. Each run must either succeed (an
 * optional allocation may degrade) or fail cleanly with US_ENOMEM: no crash,
 * no other error code, no leak (`make san` runs this under LeakSanitizer),
 * and the same call without faults afterwards gives the reference result.
 * Covered: us_utf8_repair, us_text_tokenize (fresh and reused us_text),
 * us_labels_parse (every task and spans), model building and
 * us_model_load_memory (the tiny in-memory model of tests/fuzz/tiny_model.h
 * and, when present and current, models/default.usm or $UNSPIN_FAULTS_MODEL), us_analyze (with and without
 * explanations) and us_analysis_json. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "text/text.h"
#include "io/labels.h"
#include "../fuzz/tiny_model.h"

#define MAX_STEPS 100000L

static const char multi_text[] =
    "Mr. Smith said: \"We won't stop!!!\" The cost rose to 2,000 or 3.5%.\n"
    "Le Président a dit « non » à l\u2019école.\r\n"
    "\n"
    "Die Straße ist am 3. Oktober gesperrt. ÜBERRASCHUNG?\n"
    "ПРИВЕТ, мир! Это тест \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD e-mail. Они — предатели!\n"
    "\xEF\xBB\xBF" "BOM, zero\xE2\x80\x8Bwidth and \xE2\x80\xAE" "bidi\xE2\x80\xAC.\n"
    "ეს არის ტესტი. Αυτό είναι «τεστ».";

/* Runs the statements for n = 1, 2, ... with the nth allocation armed to fail,
 * until a run ends before reaching its nth allocation (nothing left to fail). */
#define FAULT_LOOP(n, ...)                                                         \
    for (long n = 1;; n++) {                                                       \
        assert_true(n < MAX_STEPS);                                                \
        long before_ = us_alloc_count();                                           \
        us_alloc_fail_after(n);                                                    \
        __VA_ARGS__                                                                \
        us_alloc_fail_after(0);                                                    \
        if (us_alloc_count() - before_ < n) break;   /* finished without a fault */ \
    }

/* ---- text ------------------------------------------------------------------ */

static void test_utf8_repair(void **state)
{
    (void)state;
    static const char bad[] = "ok\xED\xA0\x80 bad \xC0\xAF\xF4\x90\x80\x80 \xE2\x82 end\xFF";
    char *ref;
    size_t ref_len, ref_n;
    assert_int_equal(us_utf8_repair(bad, sizeof bad - 1, &ref, &ref_len, &ref_n), US_OK);
    FAULT_LOOP(n, {
        char *out = NULL;
        size_t len = 0, nr = 0;
        int rc = us_utf8_repair(bad, sizeof bad - 1, &out, &len, &nr);
        if (rc == US_OK) {
            assert_int_equal(len, ref_len);
            assert_memory_equal(out, ref, len);
            us_free(out);
        } else {
            assert_int_equal(rc, US_ENOMEM);
        }
    });
    us_free(ref);
}

static void test_tokenize(void **state)
{
    (void)state;
    size_t len = sizeof multi_text - 1;
    us_text ref;
    us_text_init(&ref);
    assert_int_equal(us_text_tokenize(&ref, multi_text, len, NULL), US_OK);
    assert_true(ref.n_toks > 50);
    long steps = 0;
    FAULT_LOOP(n, {
        us_text t;
        us_err err = {0};
        us_text_init(&t);
        int rc = us_text_tokenize(&t, multi_text, len, &err);
        if (rc != US_OK) {
            assert_int_equal(rc, US_ENOMEM);
            assert_true(err.msg[0] != '\0');
            /* the same struct recovers once memory is back */
            us_alloc_fail_after(0);
            assert_int_equal(us_text_tokenize(&t, multi_text, len, NULL), US_OK);
        }
        assert_int_equal(t.n_toks, ref.n_toks);
        assert_int_equal(t.n_lines, ref.n_lines);
        assert_int_equal(t.n_sents, ref.n_sents);
        assert_memory_equal(t.toks, ref.toks, ref.n_toks * sizeof *ref.toks);
        us_text_fini(&t);
        steps = n;
    });
    assert_true(steps >= 1);
    /* reuse: a struct that already holds a short text grows for a long one */
    for (long n = 1;; n++) {
        assert_true(n < MAX_STEPS);
        us_text t;
        us_text_init(&t);
        assert_int_equal(us_text_tokenize(&t, "a b", 3, NULL), US_OK);
        long before = us_alloc_count();
        us_alloc_fail_after(n);
        int rc = us_text_tokenize(&t, multi_text, len, NULL);
        us_alloc_fail_after(0);
        if (rc == US_OK) assert_int_equal(t.n_toks, ref.n_toks);
        else assert_int_equal(rc, US_ENOMEM);
        us_text_fini(&t);
        if (us_alloc_count() - before < n) break;
    }
    us_text_fini(&ref);
}

/* ---- labels ----------------------------------------------------------------- */

static void count_report(const char *msg, void *ud)
{
    (void)msg;
    (*(size_t *)ud)++;
}

static void labels_loop(us_task task, int spans, const char *data)
{
    us_label_file ref;
    size_t nmsg = 0;
    us_label_file_init(&ref, task, spans);
    assert_int_equal(us_labels_parse(&ref, "f.txt", data, strlen(data), count_report, &nmsg,
                                     NULL), US_OK);
    assert_true(ref.n_rows > 0);
    FAULT_LOOP(n, {
        us_label_file lf;
        us_err err = {0};
        size_t m = 0;
        us_label_file_init(&lf, task, spans);
        int rc = us_labels_parse(&lf, "f.txt", data, strlen(data), count_report, &m, &err);
        if (rc == US_OK) {
            assert_int_equal(lf.n_rows, ref.n_rows);
            assert_memory_equal(lf.rows, ref.rows, ref.n_rows * sizeof *ref.rows);
        } else {
            assert_int_equal(rc, US_ENOMEM);
            assert_true(lf.n_rows <= ref.n_rows);
            assert_non_null(strstr(err.msg, "f.txt"));
        }
        us_label_file_fini(&lf);
    });
    us_label_file_fini(&ref);
}

static void test_labels(void **state)
{
    (void)state;
    /* enough rows to make the row array grow past its first 256 */
    us_buf b;
    us_buf_init(&b);
    for (int i = 0; i < 600; i++) us_buf_printf(&b, "%d\t%s\n", 1000 + i, i % 2 ? "opinion" : "satire");
    us_buf_puts(&b, "bad row\n7\tOpinion\n7\topinion\n");
    assert_false(b.oom);
    labels_loop(US_TASK_GENRE, 0, b.data);
    us_buf_fini(&b);
    labels_loop(US_TASK_FRAMING, 0,
                "\xEF\xBB\xBF" "201\tEconomic,Political\r\n202\tpolitical\n203\t\n204\tNope\n");
    labels_loop(US_TASK_TECHNIQUES, 0,
                "1001\t1\tLoaded_Language,Doubt\n1001\t2\t\n1001\t3\tAppeal_to_Fear-Prejudi-"
                "\xC4\x8D" "ce\n1001\t0\tDoubt\n1001\t3\tDoubt\n");
    labels_loop(US_TASK_TECHNIQUES, 1,
                "401\tDoubt\t0\t10\n401\tDoubt\t20\t30\n401\tDoubt\t9\t3\n401\tDoubt\t0\t10\n");
}

/* ---- models and analysis ----------------------------------------------------- */

static void model_loop(const void *bytes, size_t len)
{
    FAULT_LOOP(n, {
        us_err err = {0};
        us_model *m = us_model_load_memory(bytes, len, &err);
        if (!m) {
            assert_int_equal(err.code, US_ENOMEM);
            assert_true(err.msg[0] != '\0');
        }
        us_model_free(m);
    });
}

static void analyze_loop(const us_model *m, int explain)
{
    size_t len = sizeof multi_text - 1;
    us_analyze_opts o = {"en", explain, 0};
    us_analysis *ref = NULL;
    assert_int_equal(us_analyze(m, multi_text, len, &o, &ref, NULL), US_OK);
    char *ref_js = us_analysis_json(m, ref, multi_text, len);
    assert_non_null(ref_js);
    FAULT_LOOP(n, {
        us_analysis *a = NULL;
        us_err err = {0};
        int rc = us_analyze(m, multi_text, len, &o, &a, &err);
        if (rc == US_OK) {
            char *js = us_analysis_json(m, a, multi_text, len);
            if (js) assert_string_equal(js, ref_js);
            us_free_string(js);
        } else {
            assert_int_equal(rc, US_ENOMEM);
            assert_null(a);
        }
        us_analysis_free(a);
    });
    /* us_analysis_json alone */
    FAULT_LOOP(n, {
        char *js = us_analysis_json(m, ref, multi_text, len);
        if (js) assert_string_equal(js, ref_js);
        us_free_string(js);
    });
    us_free_string(ref_js);
    us_analysis_free(ref);
}

static void test_tiny_model(void **state)
{
    (void)state;
    void *bytes = NULL;
    size_t len = 0;
    /* building the model (us_model_build + us_mfw_to_memory) under faults */
    FAULT_LOOP(n, {
        void *p = NULL;
        size_t pl = 0;
        int rc = tiny_model_bytes(&p, &pl);
        if (rc == US_OK) us_free(p);
        else assert_int_equal(rc, US_ENOMEM);
    });
    assert_int_equal(tiny_model_bytes(&bytes, &len), US_OK);
    model_loop(bytes, len);
    us_model *m = us_model_load_memory(bytes, len, NULL);
    assert_non_null(m);
    analyze_loop(m, 0);
    analyze_loop(m, 1);
    us_model_free(m);
    us_free(bytes);
}

static void test_default_model(void **state)
{
    (void)state;
    char *bytes = NULL;
    size_t len = 0;
    const char *path = getenv("UNSPIN_FAULTS_MODEL");
    if (!path || !*path) path = "models/default.usm";
    if (us_read_file(path, (size_t)1 << 30, &bytes, &len, NULL) != US_OK) {
        fprintf(stderr, "test_faults: %s not found; skipped\n", path);
        skip();
    }
    us_err err = {0};
    us_model *m = us_model_load_memory(bytes, len, &err);
    if (!m) {   /* e.g. a stale model after a format change: not this test's business */
        fprintf(stderr, "test_faults: %s does not load (%s); skipped\n", path, err.msg);
        us_free(bytes);
        skip();
    }
    model_loop(bytes, len);
    analyze_loop(m, 1);
    us_model_free(m);
    us_free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_repair), cmocka_unit_test(test_tokenize),
        cmocka_unit_test(test_labels),      cmocka_unit_test(test_tiny_model),
        cmocka_unit_test(test_default_model),
    };
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
