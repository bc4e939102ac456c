/* fuzz_labels.c -- libFuzzer target for the label file parser (src/io/labels.c).
 *
 * Input: arbitrary bytes parsed as a label file of each task (genre, framing,
 * techniques) and in the spans format, with a reporting callback that checks
 * every message is NUL-terminated and names the file. Then checks what the
 * parser promises: rows have non-empty printable-ASCII ids, genre rows have
 * exactly one label bit, technique rows a line >= 1, span rows start < end;
 * every row formats back (us_labels_format_row) and the formatted file parses
 * again to the same rows (round trip); parsing into a file that already holds
 * rows counts them as duplicates; us_labels_align of the file with itself
 * finds no missing or extra rows. Never prints. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "io/labels.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void on_report(const char *msg, void *ud)
{
    size_t *n = ud;
    CHECK(msg != NULL && strncmp(msg, "fz.txt:", 7) == 0);
    (*n)++;
}

static int rows_equal(const us_label_row *a, const us_label_row *b)
{
    return strcmp(a->id, b->id) == 0 && a->line == b->line && a->labels == b->labels &&
           a->start_cp == b->start_cp && a->end_cp == b->end_cp;
}

static void run(us_task task, int spans, const char *s, size_t n)
{
    us_label_file lf;
    size_t n_msg = 0;
    us_label_file_init(&lf, task, spans);
    int rc = us_labels_parse(&lf, "fz.txt", s, n, on_report, &n_msg, NULL);
    CHECK(rc == US_OK || rc == US_ENOMEM);
    if (rc != US_OK) { us_label_file_fini(&lf); return; }
    CHECK(lf.n_rows <= lf.cap_rows);
    us_buf out;
    us_buf_init(&out);
    for (size_t i = 0; i < lf.n_rows; i++) {
        const us_label_row *r = &lf.rows[i];
        size_t idn = strnlen(r->id, sizeof r->id);
        CHECK(idn > 0 && idn < sizeof r->id);
        for (size_t k = 0; k < idn; k++)
            CHECK((unsigned char)r->id[k] > 0x20 && (unsigned char)r->id[k] < 0x7F);
        CHECK(r->src_line >= 1);
        if (us_tax_n_labels(task) < 32) CHECK((r->labels >> us_tax_n_labels(task)) == 0);
        if (spans) {
            CHECK(r->start_cp < r->end_cp && __builtin_popcount(r->labels) == 1);
        } else if (task == US_TASK_GENRE) {
            CHECK(__builtin_popcount(r->labels) == 1);
        } else if (task == US_TASK_TECHNIQUES) {
            CHECK(r->line >= 1);
        }
        /* the spans writer keys on line == 0 */
        us_label_row w = *r;
        if (spans) w.line = 0;
        CHECK(us_labels_format_row(&out, task, &w) == US_OK || out.oom);
    }
    if (!out.oom) {
        /* round trip: the formatted rows parse back to the same rows, silently */
        us_label_file again;
        size_t n_msg2 = 0;
        us_label_file_init(&again, task, spans);
        rc = us_labels_parse(&again, "fz.txt", out.data ? out.data : "", out.len, on_report,
                             &n_msg2, NULL);
        if (rc == US_OK) {
            CHECK(again.n_rows == lf.n_rows && again.n_skipped == 0 && n_msg2 == 0);
            for (size_t i = 0; i < lf.n_rows; i++)
                CHECK(rows_equal(&again.rows[i], &lf.rows[i]));
        }
        us_label_file_fini(&again);
    }
    us_buf_fini(&out);
    /* parsing the same bytes again appends nothing new: every row is a duplicate */
    size_t n_rows = lf.n_rows, dup0 = lf.n_duplicate;
    rc = us_labels_parse(&lf, "fz.txt", s, n, on_report, &n_msg, NULL);
    if (rc == US_OK) CHECK(lf.n_rows == n_rows && lf.n_duplicate - dup0 >= n_rows);
    if (!spans) {
        us_label_align al;
        rc = us_labels_align(&al, &lf, "fz.txt", &lf, "fz.txt", on_report, &n_msg, NULL);
        if (rc == US_OK) {
            CHECK(al.n_items == lf.n_rows && al.n_missing == 0 && al.n_extra == 0);
            for (size_t i = 0; i < al.n_items; i++) CHECK(al.gold_masks[i] == al.pred_masks[i]);
        }
        us_label_align_fini(&al);
    }
    us_label_file_fini(&lf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    run(US_TASK_GENRE, 0, s, size);
    run(US_TASK_FRAMING, 0, s, size);
    run(US_TASK_TECHNIQUES, 0, s, size);
    run(US_TASK_TECHNIQUES, 1, s, size);
    return 0;
}
