/* test_report.c -- report_util.c: span segments (overlaps, clipping, UTF-8
 * boundaries), HTML escaping and the SVG helpers' well-formedness. The CLI
 * helper is not in libunspin, so this test includes its source. */
#include <stdio.h>
#include "harness.h"
#include "../../src/cli/report_util.c"

static us_para_result para(uint32_t s, uint32_t e, us_span_result *sp, size_t n)
{
    us_para_result p;
    memset(&p, 0, sizeof p);
    p.start_byte = s;
    p.end_byte = e;
    p.spans = sp;
    p.n_spans = n;
    return p;
}

static void test_no_spans(void **state)
{
    (void)state;
    const char *t = "hello world";
    us_para_result p = para(0, 11, NULL, 0);
    cli_seg *g;
    size_t n;
    assert_int_equal(cli_span_segments(&p, t, strlen(t), &g, &n), US_OK);
    assert_int_equal(n, 1);
    assert_int_equal(g[0].start_byte, 0);
    assert_int_equal(g[0].end_byte, 11);
    assert_int_equal(g[0].span, -1);
    us_free(g);
}

static void test_overlap(void **state)
{
    (void)state;
    /* 0123456789012345678 : spans A [0,12) conf .5, B [6,18) conf .9, C [6,12) conf .1 */
    const char *t = "aaaaa bbbbb ccccc d";
    us_span_result sp[3] = {{0, 0, 0, 0, 12, 0.5f, NULL}, {1, 0, 0, 6, 18, 0.9f, NULL}, {2, 0, 0, 6, 12, 0.1f, NULL}};
    us_para_result p = para(0, 19, sp, 3);
    cli_seg *g;
    size_t n;
    assert_int_equal(cli_span_segments(&p, t, strlen(t), &g, &n), US_OK);
    assert_int_equal(n, 4);   /* [0,6) [6,12) [12,18) [18,19) */
    assert_int_equal(g[0].span, 0);
    assert_int_equal(g[0].n_cover, 1);
    assert_int_equal(g[1].span, 2);     /* the innermost (shortest) span wins */
    assert_int_equal(g[1].n_cover, 3);
    assert_int_equal(g[2].span, 1);
    assert_int_equal(g[3].span, -1);
    assert_int_equal(g[3].end_byte, 19);
    us_free(g);
}

static void test_clip_and_utf8(void **state)
{
    (void)state;
    /* "xé yz": é is 2 bytes at [1,3); a span starting inside it moves to 1;
     * a span beyond the text and an inverted one are ignored. */
    const char *t = "x\xc3\xa9 yz";
    us_span_result sp[3] = {{0, 0, 0, 2, 4, 0.5f, NULL}, {1, 0, 0, 3, 99, 0.5f, NULL}, {2, 0, 0, 5, 4, 0.5f, NULL}};
    us_para_result p = para(0, 6, sp, 3);
    cli_seg *g;
    size_t n;
    assert_int_equal(cli_span_segments(&p, t, strlen(t), &g, &n), US_OK);
    assert_int_equal(n, 3);
    assert_int_equal(g[0].end_byte, 1);
    assert_int_equal(g[1].start_byte, 1);
    assert_int_equal(g[1].end_byte, 4);
    assert_int_equal(g[1].span, 0);
    assert_int_equal(g[2].span, -1);
    us_free(g);
    /* a span straddling the paragraph start is clipped to it */
    us_span_result s2 = {0, 0, 0, 0, 5, 0.5f, NULL};
    us_para_result q = para(3, 6, &s2, 1);
    assert_int_equal(cli_span_segments(&q, t, strlen(t), &g, &n), US_OK);
    assert_int_equal(n, 2);
    assert_int_equal(g[0].start_byte, 3);
    assert_int_equal(g[0].span, 0);
    us_free(g);
}

static void test_escape(void **state)
{
    (void)state;
    us_buf b;
    us_buf_init(&b);
    const char *s = "<a href=\"https://x\">&'\r\n\x01</a>";
    cli_html_esc(&b, s, strlen(s));
    assert_string_equal(b.data, "&lt;a href=&quot;https&#58;//x&quot;&gt;&amp;&#39;&#10;&lt;/a&gt;");
    us_buf_fini(&b);
}

static void test_svg(void **state)
{
    (void)state;
    us_buf b;
    us_buf_init(&b);
    cli_bar bars[2] = {{"a<b", 0.5, "#123456", 1}, {"c", 2.0, "#abcdef", 0}};
    cli_svg_bars(&b, "t", bars, 2, 1.0, 300);
    assert_non_null(strstr(b.data, "a&lt;b"));
    assert_null(strstr(b.data, "http"));
    assert_int_equal(strncmp(b.data, "<svg", 4), 0);
    assert_non_null(strstr(b.data, "</svg>"));
    us_buf_fini(&b);
    assert_true(cli_color_is_light("#ffe119"));
    assert_false(cli_color_is_light("#000075"));
    int rgb[3];
    assert_int_equal(cli_color_rgb("#0a0B0c", rgb), 0);
    assert_int_equal(rgb[1], 11);
    assert_int_equal(cli_color_rgb("red", rgb), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_spans), cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_clip_and_utf8), cmocka_unit_test(test_escape),
        cmocka_unit_test(test_svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
