/* text.h -- bytes -> validated UTF-8 -> lines, sentences and tokens with offsets.
 *
 * The text layer never copies or rewrites the article: every token, sentence
 * and line is a [start, end) range into the caller's bytes, given both in
 * bytes and in Unicode code points (the unit of the official span files).
 * Normalisation (NFC + case folding) is applied per token when features are
 * made (us_tok_norm), so offsets always refer to the original text.
 *
 * Policies (documented in docs/TEXT.md):
 *  - invalid UTF-8 is an error naming the byte offset (us_utf8_validate), or,
 *    when asked for, each maximal invalid subsequence becomes U+FFFD
 *    (us_utf8_repair, the WHATWG/Python "replace" policy);
 *  - a line is a paragraph: lines end at '\n'; a '\r' before it is not part
 *    of the line; the last line needs no '\n';
 *  - BOM (U+FEFF), zero-width (U+200B-U+200D, U+2060) and bidi controls
 *    (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), other format (Cf)
 *    characters and NUL are counted as code points but never start or
 *    extend a token (they separate words, except ZWJ/ZWNJ and the soft
 *    hyphen U+00AD, which stay inside a word when a letter, mark or digit
 *    follows, and which us_tok_norm then drops);
 *  - a word token is a run of letters, marks and digits, also joining an
 *    apostrophe (' or U+2019) or hyphen (-, U+2010, U+2011) between two
 *    letters ("don't", "high-ranking", "l'homme"); combining marks stay with
 *    their base letter; a number token is digits with inner '.' or ',' between
 *    two digits ("2,000", "3.5"); a run with no letter but a digit is NUM;
 *    any other non-space code point is a PUNCT or SYMBOL token (emoji are
 *    SYMBOL), one code point plus the marks after it (U+FE0F...), except runs
 *    of the same punctuation ("!!!", "...") which form one token, and emoji
 *    sequences (skin tone modifiers, ZWJ sequences, flag pairs, tags) which
 *    form one SYMBOL token;
 *  - a sentence ends after . ! ? … (and ‼ ⁇ ⁈ ⁉ 。 ！ ？ ؟ ।) plus any closing
 *    quotes/brackets glued to it, when a space and then an upper-case or
 *    caseless letter, a digit or an opening quote follow, or at the end of
 *    the line; a '.' after an initial ("J.") or a listed abbreviation ("Mr.",
 *    "Dr.", "ul.", "проф.") or in "3. Oktober" does not end one.
 * Offsets are only meaningful for valid UTF-8; invalid input never makes the
 * tokenizer read out of bounds (a bad sequence is read as U+FFFD). */
#ifndef US_TEXT_H
#define US_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "../base/base.h"

/* ---- UTF-8 ----------------------------------------------------------- */

/* Returns US_OK if s[0..len) is valid UTF-8 (no overlongs, no surrogates,
 * <= U+10FFFF, no truncated sequence), else US_EUTF8 and in *bad_off (may be
 * NULL) the offset of the first byte of the first ill-formed sequence (for
 * "ok\xE2\x82(" that is 2, the 0xE2). */
int us_utf8_validate(const char *s, size_t len, size_t *bad_off);
/* Copies s replacing each maximal invalid subsequence by U+FFFD.
 * OUT: *out (caller frees with us_free), *out_len, *n_replaced (may be NULL). */
int us_utf8_repair(const char *s, size_t len, char **out, size_t *out_len, size_t *n_replaced);
/* Decodes the code point at s (valid UTF-8 assumed); *adv gets its byte length.
 * Defensive: an ill-formed sequence gives U+FFFD (adv = its maximal subpart),
 * len == 0 gives -1 (adv = 0). */
int32_t us_utf8_decode(const char *s, size_t len, size_t *adv);
/* Encodes cp into out (>= 4 bytes); returns the number of bytes. Surrogates,
 * negative values and values > U+10FFFF are written as U+FFFD. */
size_t us_utf8_encode(int32_t cp, char *out);
/* Number of code points (bytes that are not 10xxxxxx). */
size_t us_utf8_cp_count(const char *s, size_t len);
/* Byte offset of code point 'cp' in s (len if cp is past the end). O(n). */
size_t us_utf8_cp_to_byte(const char *s, size_t len, size_t cp);

/* ---- tokens, sentences, lines ------------------------------------------ */

enum { US_TOK_WORD = 1, US_TOK_NUM = 2, US_TOK_PUNCT = 3, US_TOK_SYMBOL = 4 };
enum {
    US_TF_UPPER1 = 1 << 0,     /* first letter upper case ("Trojan") */
    US_TF_ALLCAPS = 1 << 1,    /* >= 2 letters, all upper case ("NATO") */
    US_TF_SENT_START = 1 << 2, /* first token of a sentence */
    US_TF_IN_QUOTE = 1 << 3,   /* inside "..." «...» »...« “...” „...“ „...” on this
                                  line; the quote marks themselves are not */
    US_TF_NONASCII = 1 << 4,   /* contains bytes >= 0x80 */
    US_TF_CYRILLIC = 1 << 5,   /* contains a Cyrillic letter */
};

typedef struct us_token {
    uint32_t start_byte, end_byte;  /* [start, end) in the text */
    uint32_t start_cp, end_cp;      /* the same range in code points */
    uint16_t kind;                  /* US_TOK_* */
    uint16_t flags;                 /* US_TF_* */
} us_token;

/* Words and numbers: the terms the span lexicon and the nearest-article
 * index count (the \w+ runs of their prototypes). */
static inline int us_tok_is_term(const us_token *tk)
{
    return tk->kind == US_TOK_WORD || tk->kind == US_TOK_NUM;
}

typedef struct us_range {
    uint32_t start_byte, end_byte;  /* a sentence spans its first to its last token */
    uint32_t start_cp, end_cp;
    uint32_t tok_begin, tok_end;    /* tokens [tok_begin, tok_end) */
} us_range;

/* A tokenised article. Borrows the text: it must outlive this struct. */
typedef struct us_text {
    const char *text;
    size_t len;
    us_token *toks;  size_t n_toks;   /* all tokens, in order */
    us_range *lines; size_t n_lines;  /* one per line, empty lines included (1-based line
                                         number = index + 1); an empty final line after a
                                         trailing '\n' is not counted */
    us_range *sents; size_t n_sents;  /* sentences; never cross a line boundary */
    size_t cap_toks, cap_lines, cap_sents;  /* reused by the next us_text_tokenize */
    uint64_t gen;    /* different for every us_text_tokenize call of the process (0 = never
                        tokenised): per-text caches elsewhere are keyed on it */
} us_text;

void us_text_init(us_text *t);
void us_text_fini(us_text *t);
/* Tokenises s[0..len) (must be valid UTF-8; check with us_utf8_validate).
 * Reuses the arrays already in 't'. Errors: US_ENOMEM, US_ETOOBIG when the
 * text exceeds US_TEXT_MAX_BYTES. */
#define US_TEXT_MAX_BYTES (64u << 20)
int us_text_tokenize(us_text *t, const char *s, size_t len, us_err *err);

/* Writes the normalised form of a token (NFC, then Unicode case folding;
 * U+2019 -> '\'') into out[0..cap) and returns its length (truncated to cap,
 * never splitting a code point; not NUL-terminated). ASCII takes a fast path
 * without utf8proc, and so do most Latin/Greek/Cyrillic letters. Soft hyphens,
 * and ZWJ/ZWNJ before a letter, mark or digit, are dropped. Thread-safe. */
size_t us_tok_norm(const char *s, size_t len, char *out, size_t cap);

#endif
