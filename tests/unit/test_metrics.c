/* test_metrics.c -- official scores against examples worked out by hand. */
#include "harness.h"
#include "task/metrics.h"

#define EPS 1e-9
#define O (1u << 0)   /* opinion */
#define R (1u << 1)   /* reporting */
#define S (1u << 2)   /* satire */

static void assert_close(double got, double want)
{
    if (got < want - EPS || got > want + EPS) {
        print_error("got %.12f, want %.12f (diff %.3g)\n", got, want, got - want);
        fail();
    }
}

/* gold O O R R S S, pred O R R R S O.
 *   opinion:   tp 1 (item 0), fp 1 (item 5), fn 1 (item 1): P 1/2  R 1/2  F1 2/4 = 0.5
 *   reporting: tp 2 (2, 3), fp 1 (1), fn 0:                  P 2/3  R 1    F1 4/5 = 0.8
 *   satire:    tp 1 (4), fp 0, fn 1 (5):                     P 1    R 1/2  F1 2/3
 *   macro-F1 = (1/2 + 4/5 + 2/3) / 3 = (15 + 24 + 20) / 90 = 59/90 = 0.65556
 *   micro: tp 4, fp 2, fn 2 -> F1 8/12 = 2/3 = accuracy 4/6. */
static void test_genre_three_classes(void **state)
{
    (void)state;
    const uint32_t gold[] = {O, O, R, R, S, S}, pred[] = {O, R, R, R, S, O};
    us_scores s;
    assert_int_equal(us_metrics_task(US_TASK_GENRE, gold, pred, 6, &s), US_OK);
    assert_int_equal(s.n_labels, 3);
    assert_close(s.label[0].p, 0.5);
    assert_close(s.label[0].r, 0.5);
    assert_close(s.label[0].f1, 0.5);
    assert_close(s.label[1].p, 2.0 / 3);
    assert_close(s.label[1].r, 1.0);
    assert_close(s.label[1].f1, 0.8);
    assert_close(s.label[2].p, 1.0);
    assert_close(s.label[2].r, 0.5);
    assert_close(s.label[2].f1, 2.0 / 3);
    assert_int_equal(s.label[0].support, 2);
    assert_int_equal(s.label[1].support, 2);
    assert_int_equal(s.label[2].support, 2);
    assert_close(s.macro_f1, 59.0 / 90);
    assert_close(s.micro.f1, 2.0 / 3);
    assert_close(s.accuracy, 4.0 / 6);
}

/* 4 items, labels 0..3 (label 3 never occurs):
 *   gold {0,1} {1}   {}  {2}
 *   pred {0}   {1,2} {2} {}
 *   label 0: tp 1 fp 0 fn 0 -> P 1 R 1   F1 1
 *   label 1: tp 1 fp 0 fn 1 -> P 1 R 1/2 F1 2/3
 *   label 2: tp 0 fp 2 fn 1 -> 0 0 0
 *   label 3: nothing        -> 0 0 0 (zero denominators)
 *   micro: tp 2 fp 2 fn 2 -> P 1/2 R 1/2 F1 1/2
 *   macro-F1 over 4 labels = (1 + 2/3) / 4 = 5/12; over 3 labels = 5/9
 *   no item is an exact match: accuracy 0. */
static void test_multilabel(void **state)
{
    (void)state;
    const uint32_t gold[] = {0x3, 0x2, 0x0, 0x4}, pred[] = {0x1, 0x6, 0x4, 0x0};
    us_scores s;
    assert_int_equal(us_metrics_labels(gold, pred, 4, 4, &s), US_OK);
    assert_close(s.label[0].f1, 1.0);
    assert_close(s.label[1].p, 1.0);
    assert_close(s.label[1].r, 0.5);
    assert_close(s.label[1].f1, 2.0 / 3);
    assert_int_equal(s.label[2].fp, 2);
    assert_int_equal(s.label[2].fn, 1);
    assert_close(s.label[2].f1, 0.0);
    assert_close(s.label[3].f1, 0.0);
    assert_int_equal(s.label[3].support, 0);
    assert_close(s.micro.p, 0.5);
    assert_close(s.micro.r, 0.5);
    assert_close(s.micro.f1, 0.5);
    assert_close(s.macro_f1, 5.0 / 12);
    assert_close(s.accuracy, 0.0);
    assert_int_equal(us_metrics_labels(gold, pred, 4, 3, &s), US_OK);
    assert_close(s.macro_f1, 5.0 / 9);
}

/* Empty label sets on both sides: every ratio has a zero denominator -> 0;
 * the items match exactly, so accuracy is 1. No items at all: all 0. */
static void test_empty_sets(void **state)
{
    (void)state;
    const uint32_t none[3] = {0, 0, 0};
    us_scores s;
    assert_int_equal(us_metrics_task(US_TASK_FRAMING, none, none, 3, &s), US_OK);
    assert_close(s.micro.f1, 0.0);
    assert_close(s.micro.p, 0.0);
    assert_close(s.macro_f1, 0.0);
    assert_close(s.accuracy, 1.0);
    assert_int_equal(us_metrics_task(US_TASK_TECHNIQUES, NULL, NULL, 0, &s), US_OK);
    assert_close(s.micro.f1, 0.0);
    assert_close(s.macro_f1, 0.0);
    assert_close(s.accuracy, 0.0);
    assert_int_equal(us_metrics_labels(none, none, 3, 0, &s), US_EINVAL);
    assert_int_equal(us_metrics_labels(none, none, 3, 33, &s), US_EINVAL);
}

/* All-empty predictions: tp = fp = 0 -> P = R = F1 = 0 everywhere. */
static void test_all_empty_predictions(void **state)
{
    (void)state;
    const uint32_t gold[] = {0x5, 0x2, 0x1}, pred[] = {0, 0, 0};
    us_scores s;
    assert_int_equal(us_metrics_task(US_TASK_FRAMING, gold, pred, 3, &s), US_OK);
    assert_close(s.micro.f1, 0.0);
    assert_close(s.macro_f1, 0.0);
    assert_int_equal(s.micro.fn, 4);
    assert_int_equal(s.label[0].support, 2);
}

/* Perfect predictions with every label present: all scores 1. Bits above
 * n_labels are ignored. */
static void test_perfect(void **state)
{
    (void)state;
    const uint32_t gold[] = {O, R, S, R}, pred[] = {O | 0x80, R, S, R};
    us_scores s;
    assert_int_equal(us_metrics_task(US_TASK_GENRE, gold, pred, 4, &s), US_OK);
    assert_close(s.micro.f1, 1.0);
    assert_close(s.macro_f1, 1.0);
    assert_close(s.accuracy, 1.0);
    uint32_t all[2] = {(1u << US_N_TECHNIQUES) - 1, (1u << US_N_TECHNIQUES) - 1};
    assert_int_equal(us_metrics_task(US_TASK_TECHNIQUES, all, all, 2, &s), US_OK);
    assert_close(s.macro_f1, 1.0);
    assert_close(s.micro.f1, 1.0);
}

/* A gold item missing from the predictions is scored as an empty prediction
 * (us_labels_align gives it mask 0): gold O R S, pred O R {}.
 *   opinion 1, reporting 1, satire tp 0 fn 1 -> 0; macro-F1 = 2/3
 *   micro: tp 2 fp 0 fn 1 -> P 1 R 2/3 F1 = 2*2/(4+0+1) = 0.8, while
 *   accuracy = 2/3: with a missing prediction micro-F1 != accuracy. */
static void test_missing_scored_empty(void **state)
{
    (void)state;
    const uint32_t gold[] = {O, R, S}, pred[] = {O, R, 0};
    us_scores s;
    assert_int_equal(us_metrics_task(US_TASK_GENRE, gold, pred, 3, &s), US_OK);
    assert_close(s.macro_f1, 2.0 / 3);
    assert_close(s.micro.p, 1.0);
    assert_close(s.micro.r, 2.0 / 3);
    assert_close(s.micro.f1, 0.8);
    assert_close(s.accuracy, 2.0 / 3);
}

/* Spans, article 0 unless said otherwise.
 * Label 0: gold [0,10) [20,30); pred [5,15) [20,30) [40,50)
 *   P = (5/10 + 10/10 + 0/10) / 3 = 0.5
 *   R = ([0,10) ∩ pred union = [5,10): 5/10, 10/10) / 2 = 0.75
 *   F1 = 2 * 0.5 * 0.75 / 1.25 = 0.6
 * Label 1: gold [0,10) in article 0, pred [0,10) in article 1: no credit, 0.
 * Label 2: overlapping gold [0,10) [5,15), pred [0,20); gold union [0,15)
 *   P = 15/20 = 0.75; R = (10/10 + 10/10) / 2 = 1; F1 = 1.5 / 1.75 = 6/7
 * Micro: P = (1.5 + 0 + 0.75) / 5 = 0.45, R = (1.5 + 0 + 2) / 5 = 0.7,
 *   F1 = 2 * 0.45 * 0.7 / 1.15 = 0.63 / 1.15 = 0.547826...
 * Macro over 3 labels = (0.6 + 0 + 6/7) / 3 = 0.485714...
 * A zero-length span and a span of label 7 (>= n_labels) are ignored. */
static void test_spans_partial_credit(void **state)
{
    (void)state;
    const us_span gold[] = {{0, 0, 0, 10}, {0, 0, 20, 30}, {0, 1, 0, 10},
                            {0, 2, 5, 15}, {0, 2, 0, 10}, {0, 0, 3, 3}};
    const us_span pred[] = {{0, 0, 40, 50}, {0, 0, 5, 15}, {0, 0, 20, 30},
                            {1, 1, 0, 10}, {0, 2, 0, 20}, {0, 7, 0, 5}};
    us_scores s;
    us_err err;
    assert_int_equal(us_metrics_spans(gold, 6, pred, 6, 3, &s, &err), US_OK);
    assert_close(s.label[0].p, 0.5);
    assert_close(s.label[0].r, 0.75);
    assert_close(s.label[0].f1, 0.6);
    assert_int_equal(s.label[0].support, 2);
    assert_int_equal(s.label[0].n_pred, 3);
    assert_close(s.label[1].f1, 0.0);
    assert_close(s.label[2].p, 0.75);
    assert_close(s.label[2].r, 1.0);
    assert_close(s.label[2].f1, 6.0 / 7);
    assert_close(s.micro.p, 0.45);
    assert_close(s.micro.r, 0.7);
    assert_close(s.micro.f1, 0.63 / 1.15);
    assert_close(s.macro_f1, (0.6 + 6.0 / 7) / 3);
}

/* Perfect spans -> 1; no spans at all -> 0; only predictions -> 0. */
static void test_spans_edges(void **state)
{
    (void)state;
    const us_span g[] = {{3, 4, 100, 120}, {3, 4, 110, 130}, {9, 0, 1, 2}};
    us_scores s;
    assert_int_equal(us_metrics_spans(g, 3, g, 3, 23, &s, NULL), US_OK);
    assert_close(s.micro.f1, 1.0);
    assert_close(s.label[4].f1, 1.0);
    assert_int_equal(us_metrics_spans(NULL, 0, NULL, 0, 23, &s, NULL), US_OK);
    assert_close(s.micro.f1, 0.0);
    assert_close(s.macro_f1, 0.0);
    assert_int_equal(us_metrics_spans(NULL, 0, g, 3, 23, &s, NULL), US_OK);
    assert_close(s.micro.p, 0.0);
    assert_close(s.micro.f1, 0.0);
    assert_int_equal(us_metrics_spans(g, 3, NULL, 0, 0, &s, NULL), US_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genre_three_classes),
        cmocka_unit_test(test_multilabel),
        cmocka_unit_test(test_empty_sets),
        cmocka_unit_test(test_all_empty_predictions),
        cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_missing_scored_empty),
        cmocka_unit_test(test_spans_partial_credit),
        cmocka_unit_test(test_spans_edges),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
