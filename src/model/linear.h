/* linear.h -- multi-label and multi-class linear models over hashed features.
 *
 * Training form (float, owned): W is (n_buckets, n_labels) row-major, so one
 * feature touches one contiguous row of label weights; b is (n_labels).
 * Serving form (quantised, read-only, may point into an mmap'ed model file):
 * one row of 'stride' bytes per bucket, [f32 scale][int8 q[n_labels]][zero pad],
 * with W[f][l] ~= scale * q[l]. Scale and weights share a row so that a
 * feature costs one cache line: scoring is bound by memory latency, not math.
 *
 * Training is one-vs-rest logistic regression (independent sigmoids) or
 * softmax regression (one label per item), optimised by AdaGrad over shuffled
 * items with L2 regularisation applied lazily to the touched rows. Given the
 * same data, parameters and seed it is deterministic (single-threaded). */
#ifndef US_LINEAR_H
#define US_LINEAR_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "feat/feat.h"

/* A head may have fewer weight rows than the features have buckets: feature
 * f then uses row f >> shift (its bucket's high bits, as if hashed to fewer
 * buckets), so that one feature vector serves heads of several sizes. */
typedef struct us_linear {
    uint32_t n_labels, n_buckets;   /* n_buckets: weight rows */
    uint32_t shift;                 /* row of feature f: f >> shift (0 after init) */
    float *w;   /* (n_buckets, n_labels) */
    float *b;   /* (n_labels) */
} us_linear;

typedef struct us_qlinear {
    uint32_t n_labels, n_buckets;   /* n_buckets: weight rows */
    uint32_t shift;                 /* row of feature f: f >> shift */
    uint32_t stride;              /* bytes per row: us_qlinear_stride(n_labels) */
    const float *b;               /* (n_labels) */
    const unsigned char *rows;    /* (n_buckets, stride), 4-byte aligned */
} us_qlinear;

/* Row size for n_labels: 4 + n_labels rounded up to 8, or to 32 past 16
 * bytes so that a row never straddles two 64-byte cache lines. */
uint32_t us_qlinear_stride(uint32_t n_labels);
/* Weight of feature f for label l in a quantised model, for explanations. */
float us_qlinear_weight(const us_qlinear *m, uint32_t f, uint32_t l);

typedef struct us_train_params {
    int softmax;          /* 1: one label per item (Y has one bit); 0: one-vs-rest */
    uint32_t epochs;
    float lr;             /* AdaGrad base learning rate */
    float l2;             /* per-update L2 shrinkage coefficient */
    float pos_weight;     /* one-vs-rest: weight of positive examples (>= 1 for rare labels) */
    int balance_classes;  /* softmax: weight items by inverse class frequency */
    uint64_t seed;
    float min_grad;       /* labels with |dLoss/dlogit| below this are not updated */
    int average;          /* 1: return the average of the iterates from the second epoch on */
} us_train_params;

void us_train_params_default(us_train_params *p);

int us_linear_init(us_linear *m, uint32_t n_buckets, uint32_t n_labels, us_err *err);
void us_linear_fini(us_linear *m);

/* Trains 'm' (already initialised, usually zero) on items X[i] with label
 * bitmasks Y[i], using only items whose mask[i] is non-zero (mask may be NULL
 * = all). Errors: US_ENOMEM. */
int us_linear_train(us_linear *m, const us_fvec *X, const uint32_t *Y, const uint8_t *mask,
                    size_t n_items, const us_train_params *p, us_err *err);

/* Raw scores (logits) of one item; out has n_labels floats. */
void us_linear_score(const us_linear *m, const us_fvec *x, float *out);
void us_qlinear_score(const us_qlinear *m, const us_fvec *x, float *out);
/* The same without the bias: x's share of the logits (a part of an item). */
void us_qlinear_dot(const us_qlinear *m, const us_fvec *x, float *out);
/* out[l] += sum over feature buckets b[0..n) of their weights for l (the
 * rows of a word's n-grams, for wordvec.c). */
void us_qlinear_add_rows(const us_qlinear *m, const uint32_t *b, uint32_t n, float *out);
/* Logits -> probabilities in place: sigmoid each, or softmax over all. */
void us_probs(float *z, uint32_t n, int softmax);

/* Quantises 'm' into caller-provided memory: b (n_labels floats) and rows
 * (n_buckets * us_qlinear_stride(n_labels) bytes, little-endian scales). */
void us_linear_quantize(const us_linear *m, float *b, unsigned char *rows);

#endif
