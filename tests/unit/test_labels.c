/* test_labels.c -- label file reader: formats, malformed rows, repairs,
 * duplicates, CRLF/BOM/no final newline, garbage bytes, writer, alignment. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "io/labels.h"

/* Collects every report, one per line, into 'all'. */
typedef struct sink {
    char all[16384];
    size_t len, n;
    int unprintable;    /* a message held a control byte */
} sink;

static void collect(const char *msg, void *ud)
{
    sink *s = ud;
    size_t n = strlen(msg);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7F) s->unprintable = 1;
    if (s->len + n + 2 < sizeof s->all) {
        memcpy(s->all + s->len, msg, n);
        s->len += n;
        s->all[s->len++] = '\n';
        s->all[s->len] = '\0';
    }
    s->n++;
}

static void assert_has(const sink *s, const char *needle)
{
    if (!strstr(s->all, needle)) {
        print_error("no report \"%s\" in:\n%s", needle, s->all);
        fail();
    }
}

static int parse(us_label_file *lf, us_task task, int spans, const char *text, sink *s)
{
    us_label_file_init(lf, task, spans);
    memset(s, 0, sizeof *s);
    return us_labels_parse(lf, "t.txt", text, strlen(text), collect, s, NULL);
}

#define DOUBT (1u << 10)
#define LOADED (1u << 0)
#define SLOGANS (1u << 8)
#define FEAR (1u << 4)

static void test_formats(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    assert_int_equal(parse(&lf, US_TASK_GENRE, 0, "1\topinion\n2\tsatire\n", &s), US_OK);
    assert_int_equal(lf.n_rows, 2);
    assert_string_equal(lf.rows[1].id, "2");
    assert_int_equal(lf.rows[1].labels, 1u << 2);
    assert_int_equal(lf.rows[1].src_line, 2);
    assert_int_equal(s.n, 0);
    us_label_file_fini(&lf);

    assert_int_equal(parse(&lf, US_TASK_FRAMING, 0, "7\tEconomic,Political\n8\t\n", &s), US_OK);
    assert_int_equal(lf.n_rows, 2);
    assert_int_equal(lf.rows[0].labels, (1u << 0) | (1u << 12));
    assert_int_equal(lf.rows[1].labels, 0);
    us_label_file_fini(&lf);

    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 0, "7\t3\tDoubt, Loaded_Language\n", &s),
                     US_OK);
    assert_int_equal(lf.rows[0].line, 3);
    assert_int_equal(lf.rows[0].labels, DOUBT | LOADED);
    us_label_file_fini(&lf);

    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 1, "7\tSlogans\t12\t40\n", &s), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.rows[0].labels, SLOGANS);
    assert_int_equal(lf.rows[0].start_cp, 12);
    assert_int_equal(lf.rows[0].end_cp, 40);
    assert_int_equal(lf.rows[0].line, 0);
    us_label_file_fini(&lf);
    us_label_file_fini(NULL);
}

static void test_malformed_rows(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    const char *t = "1\t1\n"               /* 2 columns */
                    "\t2\tDoubt\n"         /* empty id */
                    "1\t0\tDoubt\n"        /* line 0 */
                    "1\t-3\tDoubt\n"       /* negative */
                    "1\t99999999999\t\n"   /* too large */
                    "1\t2\tDoubt\textra\n" /* 4 columns */
                    "a b\t2\tDoubt\n"      /* space in id */
                    "1\t2\tDoubt,,\n";     /* kept; empty names reported */
    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 0, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.n_skipped, 7);
    assert_int_equal(lf.rows[0].labels, DOUBT);
    assert_has(&s, "t.txt:1: expected 3 tab-separated columns, found 2 (row skipped)");
    assert_has(&s, "t.txt:2: empty id (row skipped)");
    assert_has(&s, "t.txt:3: bad line number \"0\"");
    assert_has(&s, "t.txt:4: bad line number \"-3\"");
    assert_has(&s, "t.txt:5: bad line number \"99999999999\"");
    assert_has(&s, "t.txt:6: expected 3 tab-separated columns, found 4");
    assert_has(&s, "t.txt:7: bad id \"a b\"");
    assert_has(&s, "t.txt:8: empty label name in list (ignored)");
    us_label_file_fini(&lf);

    t = "1\tDoubt\t10\t5\n"     /* start > end */
        "1\tDoubt\t5\t5\n"      /* empty */
        "1\tDoubt\tx\t5\n"      /* non-numeric */
        "1\tDoubt\t1\t\n"       /* empty end */
        "1\tNope\t1\t5\n"       /* unknown technique: row dropped */
        "1\t\t1\t5\n"           /* empty technique */
        "1\tDoubt\t1\t5\n";     /* good */
    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 1, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.n_skipped, 6);
    assert_int_equal(lf.n_unknown, 1);
    assert_has(&s, "t.txt:1: bad span offsets: start 10 > end 5 (row skipped)");
    assert_has(&s, "t.txt:2: bad span offsets: start 5 = end 5");
    assert_has(&s, "t.txt:3: bad span offsets \"x\" \"5\"");
    assert_has(&s, "t.txt:4: bad span offsets \"1\" \"\"");
    assert_has(&s, "t.txt:5: unknown techniques label \"Nope\" (dropped)");
    assert_has(&s, "t.txt:6: empty technique");
    us_label_file_fini(&lf);

    t = "1\t\n2\topinion,satire\n3\tgossip\n4\topinion\n";
    assert_int_equal(parse(&lf, US_TASK_GENRE, 0, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.n_skipped, 3);
    assert_has(&s, "t.txt:1: empty genre");
    assert_has(&s, "t.txt:2: 2 genres given, exactly one expected");
    assert_has(&s, "t.txt:3: unknown genre label \"gossip\" (dropped)");
    us_label_file_fini(&lf);
}

static void test_misspellings(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    const char *t = "5\t1\tAppeal_to_Fear-Prejudi-\xC4\x8D" "ce,Frobnication,Doubt\n";
    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 0, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.rows[0].labels, FEAR | DOUBT);
    assert_int_equal(lf.n_repaired, 1);
    assert_int_equal(lf.n_unknown, 1);
    assert_has(&s, "t.txt:1: repaired label \"Appeal_to_Fear-Prejudi-\xC4\x8D"
                   "ce\" -> \"Appeal_to_Fear-Prejudice\"");
    assert_has(&s, "t.txt:1: unknown techniques label \"Frobnication\" (dropped)");
    us_label_file_fini(&lf);
}

static void test_duplicates(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 0, "1\t1\tDoubt\n1\t2\t\n1\t1\tSlogans\n", &s),
                     US_OK);
    assert_int_equal(lf.n_rows, 2);
    assert_int_equal(lf.n_duplicate, 1);
    assert_int_equal(lf.rows[0].labels, DOUBT);   /* the first row wins */
    assert_has(&s, "t.txt:3: duplicate row for id 1 line 1, first at line 1 (row skipped)");
    /* A second parse into the same file sees the rows already there. */
    const char *more = "1\t2\tDoubt\n";
    assert_int_equal(us_labels_parse(&lf, "u.txt", more, strlen(more), collect, &s, NULL), US_OK);
    assert_int_equal(lf.n_duplicate, 2);
    assert_has(&s, "u.txt:1: duplicate row for id 1 line 2, first at line 2");
    us_label_file_fini(&lf);

    assert_int_equal(parse(&lf, US_TASK_GENRE, 0, "9\topinion\n9\tsatire\n", &s), US_OK);
    assert_has(&s, "t.txt:2: duplicate row for id 9, first at line 1");
    us_label_file_fini(&lf);

    /* Spans: only the exact same (id, technique, start, end) is a duplicate. */
    const char *t = "1\tDoubt\t1\t5\n1\tSlogans\t1\t5\n1\tDoubt\t1\t6\n1\tDoubt\t1\t5\n";
    assert_int_equal(parse(&lf, US_TASK_TECHNIQUES, 1, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 3);
    assert_has(&s, "t.txt:4: duplicate span 1 Doubt 1-5, first at line 1");
    us_label_file_fini(&lf);
}

static void test_line_ends(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    /* BOM, CRLF, blank lines, no trailing newline. */
    const char *t = "\xEF\xBB\xBF" "1\topinion\r\n\r\n   \n2\tsatire\r\n3\treporting";
    assert_int_equal(parse(&lf, US_TASK_GENRE, 0, t, &s), US_OK);
    assert_int_equal(lf.n_rows, 3);
    assert_int_equal(s.n, 0);
    assert_string_equal(lf.rows[0].id, "1");
    assert_int_equal(lf.rows[2].labels, 1u << 1);
    assert_int_equal(lf.rows[2].src_line, 5);
    us_label_file_fini(&lf);

    /* Empty file, a lone newline, a lone BOM, NULL data with length 0. */
    const char *empties[] = {"", "\n", "\xEF\xBB\xBF", "\r\n"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(parse(&lf, US_TASK_FRAMING, 0, empties[i], &s), US_OK);
        assert_int_equal(lf.n_rows, 0);
        assert_int_equal(s.n, 0);
        us_label_file_fini(&lf);
    }
    us_label_file_init(&lf, US_TASK_FRAMING, 0);
    assert_int_equal(us_labels_parse(&lf, "t", NULL, 0, NULL, NULL, NULL), US_OK);
    us_label_file_fini(&lf);
}

/* Garbage: random bytes from a fixed seed must never crash, every message
 * must be printable, and nothing is accepted silently without a row. */
static void test_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "\t\n\r,0123456789 Doubtx\x00\xff\xc4\x8d\xef\xbb\xbf";
    uint64_t seed = 42;
    char buf[600];
    for (int round = 0; round < 400; round++) {
        size_t n = (size_t)(us_splitmix64(&seed) % sizeof buf);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = us_splitmix64(&seed);
            buf[i] = (r & 1) ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        for (int mode = 0; mode < 4; mode++) {
            us_label_file lf;
            sink s;
            us_label_file_init(&lf, mode == 3 ? US_TASK_TECHNIQUES : (us_task)mode, mode == 3);
            memset(&s, 0, sizeof s);
            assert_int_equal(us_labels_parse(&lf, "g", buf, n, collect, &s, NULL), US_OK);
            assert_false(s.unprintable);
            for (size_t i = 0; i < lf.n_rows; i++) assert_true(strlen(lf.rows[i].id) > 0);
            us_label_file_fini(&lf);
        }
    }
    /* Binary junk with NULs reports a printable message with \x escapes. */
    us_label_file lf;
    sink s;
    us_label_file_init(&lf, US_TASK_GENRE, 0);
    memset(&s, 0, sizeof s);
    const char junk[] = "\x01\x00\xff\topinion\n";
    assert_int_equal(us_labels_parse(&lf, "g", junk, sizeof junk - 1, collect, &s, NULL), US_OK);
    assert_int_equal(lf.n_rows, 0);
    assert_has(&s, "g:1: bad id \"\\x01\\x00\\xFF\"");
    us_label_file_fini(&lf);
}

/* More than 100 problems: the first 100 are shown, then one summary. */
static void test_report_cap(void **state)
{
    (void)state;
    char text[4000] = "";
    for (int i = 0; i < 150; i++) strcat(text, "x\n");
    us_label_file lf;
    sink s;
    assert_int_equal(parse(&lf, US_TASK_GENRE, 0, text, &s), US_OK);
    assert_int_equal(lf.n_skipped, 150);
    assert_int_equal(s.n, 101);
    assert_has(&s, "t.txt: 50 more problems not shown");
    us_label_file_fini(&lf);
}

static void test_fixture_file(void **state)
{
    (void)state;
    us_label_file lf;
    sink s;
    us_err err;
    memset(&s, 0, sizeof s);
    us_label_file_init(&lf, US_TASK_TECHNIQUES, 0);
    assert_int_equal(
        us_labels_read(&lf, US_FIXTURES "/labels/messy-subtask-3.txt", collect, &s, &err), US_OK);
    /* Rows: 1001/1, 1001/2, 1001/3 (repaired), 1002/1, 1002/5 (no final newline).
     * Skipped: line 5 (bad line number), 7 (duplicate), 8 (empty id), 9 (2 columns). */
    assert_int_equal(lf.n_rows, 5);
    assert_int_equal(lf.n_skipped, 4);
    assert_int_equal(lf.n_duplicate, 1);
    assert_int_equal(lf.n_unknown, 1);
    assert_int_equal(lf.n_repaired, 1);
    assert_int_equal(lf.rows[2].labels, FEAR);
    assert_int_equal(lf.rows[3].labels, SLOGANS);
    assert_int_equal(lf.rows[4].line, 5);
    assert_int_equal(lf.rows[4].src_line, 10);
    assert_has(&s, "messy-subtask-3.txt:5: bad line number \"x\"");
    us_label_file_fini(&lf);

    us_label_file_init(&lf, US_TASK_TECHNIQUES, 0);
    assert_int_equal(us_labels_read(&lf, US_FIXTURES "/labels/no-such-file.txt", NULL, NULL, &err),
                     US_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no-such-file.txt"));
    us_label_file_fini(&lf);
}

static void test_format_row(void **state)
{
    (void)state;
    us_buf b;
    us_buf_init(&b);
    us_label_row r = {.id = "42", .line = 3, .labels = DOUBT | LOADED};
    assert_int_equal(us_labels_format_row(&b, US_TASK_TECHNIQUES, &r), US_OK);
    r = (us_label_row){.id = "42", .labels = 0};
    assert_int_equal(us_labels_format_row(&b, US_TASK_FRAMING, &r), US_OK);
    r = (us_label_row){.id = "42", .labels = 1u << 2};
    assert_int_equal(us_labels_format_row(&b, US_TASK_GENRE, &r), US_OK);
    r = (us_label_row){.id = "42", .labels = SLOGANS, .start_cp = 7, .end_cp = 9};
    assert_int_equal(us_labels_format_row(&b, US_TASK_TECHNIQUES, &r), US_OK);
    assert_string_equal(b.data, "42\t3\tLoaded_Language,Doubt\n"
                                "42\t\n"
                                "42\tsatire\n"
                                "42\tSlogans\t7\t9\n");
    /* Round trip through the reader. */
    us_label_file lf;
    us_label_file_init(&lf, US_TASK_TECHNIQUES, 0);
    assert_int_equal(us_labels_parse(&lf, "b", b.data, 27, NULL, NULL, NULL), US_OK);
    assert_int_equal(lf.n_rows, 1);
    assert_int_equal(lf.rows[0].labels, DOUBT | LOADED);
    us_label_file_fini(&lf);
    us_buf_fini(&b);
}

/* gold 1 2 3 (ids), pred 1 3 9: id 2 is missing (empty prediction), 9 extra. */
static void test_align(void **state)
{
    (void)state;
    us_label_file g, p;
    us_label_align al;
    sink s;
    const char *gt = "1\topinion\n2\treporting\n3\tsatire\n";
    const char *pt = "3\tsatire\n9\topinion\n1\treporting\n";
    us_label_file_init(&g, US_TASK_GENRE, 0);
    us_label_file_init(&p, US_TASK_GENRE, 0);
    assert_int_equal(us_labels_parse(&g, "g.txt", gt, strlen(gt), NULL, NULL, NULL), US_OK);
    assert_int_equal(us_labels_parse(&p, "p.txt", pt, strlen(pt), NULL, NULL, NULL), US_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(us_labels_align(&al, &g, "g.txt", &p, "p.txt", collect, &s, NULL), US_OK);
    assert_int_equal(al.n_items, 3);
    assert_int_equal(al.n_missing, 1);
    assert_int_equal(al.n_extra, 1);
    assert_int_equal(al.gold_masks[0], 1u << 0);
    assert_int_equal(al.pred_masks[0], 1u << 1);
    assert_int_equal(al.pred_masks[1], 0);
    assert_int_equal(al.pred_masks[2], 1u << 2);
    assert_has(&s, "p.txt: missing prediction for id 2 (g.txt:2), scored as empty");
    assert_has(&s, "p.txt:2: id 9 is not in the gold file (ignored)");
    us_label_align_fini(&al);
    us_label_align_fini(&al);   /* idempotent */

    us_label_file sp;
    us_label_file_init(&sp, US_TASK_TECHNIQUES, 1);
    assert_int_equal(us_labels_align(&al, &g, "g", &sp, "s", NULL, NULL, NULL), US_EINVAL);
    us_label_align_fini(&al);
    us_label_file_fini(&sp);
    us_label_file_fini(&g);
    us_label_file_fini(&p);
}

/* Allocation failures return US_ENOMEM, never crash. */
static void test_oom(void **state)
{
    (void)state;
    const char *t = "1\t1\tDoubt\n1\t2\t\n2\t1\tSlogans\n";
    for (long k = 1; k < 6; k++) {
        us_label_file lf;
        us_label_file_init(&lf, US_TASK_TECHNIQUES, 0);
        us_alloc_fail_after(k);
        int rc = us_labels_parse(&lf, "t", t, strlen(t), NULL, NULL, NULL);
        us_alloc_fail_after(0);
        assert_true(rc == US_OK || rc == US_ENOMEM);
        us_label_file_fini(&lf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),       cmocka_unit_test(test_malformed_rows),
        cmocka_unit_test(test_misspellings),  cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_line_ends),     cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_report_cap),    cmocka_unit_test(test_fixture_file),
        cmocka_unit_test(test_format_row),    cmocka_unit_test(test_align),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("labels", tests, NULL, NULL);
}
