/* feat.h -- tokens -> sparse hashed feature vectors.
 *
 * A feature is a (bucket, value) pair: the bucket is a hash of a namespaced
 * string (word, word bigram, character n-gram, cue) modulo 2^bucket_bits.
 * Vectors are built in two steps: any number of us_fz_add_* calls add into a
 * dense accumulator (so memory is bounded by the distinct buckets, not by the
 * text length), then us_fz_finish applies log(1+tf) weighting and
 * L2-normalises. No allocation after warm-up: the featurizer keeps its
 * scratch arrays between calls (one featurizer per thread).
 *
 * When explain mode is on, each item also remembers a readable name
 * ("w:farce", "c:<tro", "cue:!") so that explanations can name their cues. */
#ifndef US_FEAT_H
#define US_FEAT_H

#include <stddef.h>
#include <stdint.h>
#include "base/base.h"
#include "text/text.h"

enum { US_CHAR_LINEAR_NONE = 0, US_CHAR_LINEAR_ALL = 1, US_CHAR_LINEAR_PARAS = 2 };

typedef struct us_feat_cfg {
    uint32_t bucket_bits;    /* n_buckets = 1 << bucket_bits, 10..24 */
    uint32_t seed;           /* hash seed */
    uint32_t word_max_n;     /* 1 = unigrams, 2 = + bigrams */
    uint32_t char_min_n;     /* character n-grams inside words; 0 disables */
    uint32_t char_max_n;
    float w_word, w_bigram, w_char, w_cue, w_ctx;   /* namespace weights */
    uint32_t char_linear;    /* character n-grams count linearly (no log damping), so a
                                word's n-grams can be scored as one precomputed vector:
                                US_CHAR_LINEAR_* (units.c applies it per unit) */
    uint32_t lang_words;     /* 1: each word also as a (language, word) feature */
    float w_lex;             /* weight of valence-lexicon features; 0 = none (lexicon.c) */
    uint32_t ctx_blocks;     /* 1: each neighbouring paragraph is a block of its own,
                                L2-normalised alone and scaled by w_ctx, so that its score
                                can be computed once per line (units.h); 0: its words are
                                merged into the paragraph's vector */
} us_feat_cfg;

void us_feat_cfg_default(us_feat_cfg *cfg);

typedef struct us_feat { uint32_t idx; float val; } us_feat;

typedef struct us_fvec {
    us_feat *f;
    uint32_t n, cap;
} us_fvec;

void us_fvec_init(us_fvec *v);
void us_fvec_fini(us_fvec *v);
/* Copies 'src' into 'dst' (reusing dst's memory). */
int us_fvec_copy(us_fvec *dst, const us_fvec *src);
/* Appends the entries of 'src' to 'dst'. */
int us_fvec_append(us_fvec *dst, const us_fvec *src);

/* Namespaces; the numbers are part of the model format (hash seeds). */
enum {
    US_NS_WORD = 1, US_NS_BIGRAM = 2, US_NS_CHAR = 3, US_NS_CUE = 4, US_NS_LANG = 5,
    US_NS_CTX = 6, US_NS_POS = 7, US_NS_LANGWORD = 8, US_NS_LEX = 9
};

#define US_FZ_MAX_FIXED 16
#define US_FZ_LIN 0x80000000u   /* accumulator entry of a linear character n-gram */

/* Fast scoring hook: receives the character n-gram buckets of one word (a
 * cached word: 'slot' and 'key' identify its cache entry, stable while the
 * key matches) instead of them being accumulated. Returns US_OK, or
 * US_ENOMEM (the unit then fails like any out-of-memory). */
typedef int (*us_fz_char_sink)(void *ud, const uint32_t *buckets, uint32_t n, uint32_t slot,
                                uint64_t key);

/* One entry of the accumulator's hash table: key and value side by side, so
 * a probe touches one cache line. */
typedef struct us_fz_slot {
    uint32_t key;   /* bucket + 1; 0 = empty */
    uint32_t val;   /* 1 + index into acc */
} us_fz_slot;

typedef struct us_tokfeat us_tokfeat;   /* per-token cache entry (featurize.c) */

/* A distinct word of one us_fz_add_tokens call over an article (featurize.c). */
typedef struct us_fz_word {
    uint64_t h;       /* hash of the normal form */
    uint32_t count;   /* occurrences so far */
    uint32_t tok;     /* its first token */
} us_fz_word;
#define US_FZ_MEMO_BITS 6
#define US_FZ_NO_CTX UINT32_MAX   /* ctx_memo: the word has no feature (empty normal form) */
#define US_FZ_TC_BITS 12      /* token cache: 1 << US_FZ_TC_BITS entries */

typedef struct us_fz {
    us_feat_cfg cfg;
    us_feat *acc; uint32_t n_acc, cap_acc;   /* text features merged so far (raw sums) */
    uint32_t fast_n;              /* push_idx's fast path holds while n_acc < fast_n (room in
                                     acc and the table, no names); 0 = ask the slow path */
    uint32_t *acc_name;           /* explain: (cap_acc) name offset of each entry, or ~0 */
    us_fz_slot *slot;             /* open-addressing table (cap_slot entries, power of two),
                                     sized to the distinct features so it stays in cache */
    uint32_t cap_slot;            /* slots in use now (us_fz_expect sizes it per unit) */
    uint32_t cap_alloc;           /* slots allocated */
    us_tokfeat *tc;               /* token cache (allocated on first use) */
    uint32_t *ctx_memo;           /* per token of the text tokenised as ctx_gen: 1 + its
                                     context-namespace bucket, US_FZ_NO_CTX, or 0 = unknown */
    uint64_t *word_memo;          /* per token of the same text: its word hash
                                     (us_fz_word_hash), 0 = not seen yet */
    size_t cap_ctx_memo;
    uint64_t ctx_gen;
    int lang;                     /* language of the unit (lang_words), -1 = unknown */
    int lin_active;               /* this unit's character n-grams are linear */
    double lin_w2;                /* sum of squared unit weights of linear n-grams */
    float inv_norm;               /* 1 / L2 norm of the last us_fz_finish */
    us_fz_char_sink char_sink;    /* char_linear models, not explain: see us_fz_char_sink */
    void *char_sink_ud;
    uint32_t memo_key[1 << US_FZ_MEMO_BITS];   /* damping memo: float bits -> log1p */
    float memo_val[1 << US_FZ_MEMO_BITS];
    us_feat fixed[US_FZ_MAX_FIXED]; uint32_t n_fixed;  /* flags, added unnormalised */
    uint32_t fixed_name[US_FZ_MAX_FIXED];
    int explain;                  /* keep names for explanations */
    const float *idf;             /* (n_buckets) inverse document frequency of text features,
                                     or NULL (weight 1); borrowed from the model */
    const uint64_t *lex;          /* valence lexicon (lexicon.c), or NULL; borrowed */
    uint32_t n_lex;
    uint32_t lex_bucket[11];      /* bucket of the feature "valence v", v + 5 */
    us_buf names;                 /* NUL-separated names, indexed by name offsets */
    us_fvec blk, ctxv;            /* scratch of units.c: a context block, and the blocks */
    uint32_t n_own;               /* entries of the last paragraph before its context blocks */
    void *rep_mem; size_t cap_rep;   /* scratch of repeats.c, kept from text to text */
    us_fz_word *words; size_t cap_words; uint32_t n_words;   /* an article's distinct words */
    uint32_t *word_slot; uint32_t cap_word_slot;   /* their table: 1 + index, 0 = empty */
    int oom;
} us_fz;

void us_fz_init(us_fz *fz, const us_feat_cfg *cfg);
void us_fz_fini(us_fz *fz);
void us_fz_reset(us_fz *fz);      /* drops the accumulated features, keeps memory */
/* Right after us_fz_reset: sizes the table for a unit of about n_tokens
 * tokens (speed only; the features do not depend on it). */
void us_fz_expect(us_fz *fz, uint32_t n_tokens);

/* Adds the features of tokens [a, b) of 't': words, bigrams and character
 * n-grams (per cfg), scaled by 'weight'. With 'ctx' set, only words are added,
 * in the context namespace (used for neighbouring paragraphs and the article). */
void us_fz_add_tokens(us_fz *fz, const us_text *t, uint32_t a, uint32_t b, float weight, int ctx);
/* Per line of 't', US_REPEAT_STATS numbers over its words of 4+ letters
 * (repeats.c): the share also found on another line, the share found twice
 * or more on the line, log(1 + their count); zeros for a line without such
 * words. Words are told apart by us_fz_word_hash. out: (t->n_lines x
 * US_REPEAT_STATS). Returns US_OK or US_ENOMEM. */
#define US_REPEAT_STATS 3
int us_line_repeats(us_fz *fz, const us_text *t, float *out);
/* Per line of 't', US_LINE_CUES dense cue statistics (cues.c): log(1 + '?'
 * marks), log(1 + '!' marks), the share of its words inside quotes, the share
 * of its tokens that are numbers, the shares of its words capitalised (not
 * at a sentence start) and in capitals, their mean length in code points / 10;
 * zeros for a line without tokens. out: (t->n_lines x stride), stride >=
 * US_LINE_CUES. */
#define US_LINE_CUES 7
void us_line_cues(const us_text *t, float *out, size_t stride);
/* Both per line: US_REPEAT_STATS repeat statistics, then US_LINE_CUES cue
 * statistics (zeros without 'with_cues'). out: (t->n_lines x US_LINE_STATS).
 * Returns US_OK or US_ENOMEM. */
#define US_LINE_STATS (US_REPEAT_STATS + US_LINE_CUES)
int us_line_stats(us_fz *fz, const us_text *t, int with_cues, float *out);
/* The hash of token i's normal form (the word feature's; 0 when the normal
 * form is empty), from the token cache when it can. */
uint64_t us_fz_word_hash_slow(us_fz *fz, const us_text *t, uint32_t i);
static inline uint64_t us_fz_word_hash(us_fz *fz, const us_text *t, uint32_t i)
{
    /* The token loop keeps the hashes of the words it saw: the repeat
     * statistics and the span lexicon, which run after it, ask for each. */
    if (t->gen && fz->ctx_gen == t->gen && fz->word_memo[i]) return fz->word_memo[i];
    return us_fz_word_hash_slow(fz, t, i);
}
/* Adds punctuation, casing and length cues of tokens [a, b). */
void us_fz_add_cues(us_fz *fz, const us_text *t, uint32_t a, uint32_t b);
/* Adds 'w' to the feature named prefix+s in namespace 'ns' (for cues.c). */
void us_fz_push_str(us_fz *fz, int ns, const char *prefix, const char *s, size_t n, float w);
/* Adds one named indicator feature ("lang=en", "pos=first") in namespace 'ns'.
 * Flags are not L2-normalised with the rest: they act as per-language and
 * per-position biases whatever the length of the text. */
void us_fz_add_flag(us_fz *fz, int ns, const char *name, float weight);
/* Writes the accumulated features into 'out' (in order of first appearance,
 * log(1+x) damped, L2-normalised, flags added raw). The accumulator stays
 * until us_fz_reset, so us_fz_names_of still works afterwards. Returns
 * US_ENOMEM if any step ran out of memory. */
int us_fz_finish(us_fz *fz, us_fvec *out);
/* Explain mode only: the readable name of the first feature that fell into
 * bucket 'idx', written to out (NUL-terminated); returns the length. */
size_t us_fz_names_of(const us_fz *fz, uint32_t idx, char *out, size_t cap);

/* ---- valence lexicon (lexicon.c) ---- */
/* Parses a lexicon file (LANG<TAB>WORD<TAB>VALENCE lines, '#' comments) into
 * sorted keys for features configured by 'cfg' (the keys depend on its seed).
 * Entries that are not one word to the tokenizer are skipped; a malformed
 * line is an error naming 'name' and the line. OUT: *keys (us_free), *n. */
int us_lex_parse(const us_feat_cfg *cfg, const char *data, size_t len, const char *name,
                 uint64_t **keys, uint32_t *n, us_err *err);
/* Valence (-5..5, 0 = not listed) of the word whose word-feature hash is h. */
int us_lex_valence(const uint64_t *keys, uint32_t n, uint64_t h);
/* US_OK when keys[0..n) is a valid lexicon (sorted, valences in range). */
int us_lex_check(const uint64_t *keys, uint32_t n);

#endif
