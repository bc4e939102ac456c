/* unspin.h -- public C API of the unspin persuasion-analysis engine.
 *
 * unspin reads an article and predicts its genre (opinion, reporting,
 * satire), its frames (14 labels) and, per paragraph (= line), its persuasion
 * techniques (23 labels), following SemEval-2023 Task 3.
 *
 * Conventions: functions that can fail return an int status (US_OK = 0 or a
 * negative US_E* code) and take a trailing us_err * (may be NULL) that
 * receives a message naming the thing and the place. Constructors return NULL
 * and fill the error. Whoever calls _new/_load calls _free; every _free
 * accepts NULL. A loaded model is immutable and may be shared across threads.
 * The library never prints and never exits. */
#ifndef UNSPIN_H
#define UNSPIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define US_VERSION "0.1.0"

enum {
    US_OK = 0,
    US_EINVAL = -1,     /* bad argument or malformed input */
    US_ENOMEM = -2,     /* out of memory */
    US_EIO = -3,        /* read/write failure */
    US_EFORMAT = -4,    /* file is not what it claims (bad magic, bad section) */
    US_ETOOBIG = -5,    /* over a documented limit */
    US_EUTF8 = -6,      /* invalid UTF-8 */
    US_EVERSION = -7,   /* unsupported file format version */
    US_ECHECKSUM = -8,  /* checksum mismatch: corrupted file */
    US_ENOTFOUND = -9   /* missing file, label or id */
};

#define US_ERR_LEN 512
typedef struct us_err {
    int code;
    char msg[US_ERR_LEN];
} us_err;

/* Short name of a status code ("EUTF8"...). */
const char *us_strerror(int code);


/* ---- models --------------------------------------------------------- */

typedef struct us_model us_model;

/* Loads and verifies a model file (.usm). NULL + err on any problem. */
us_model *us_model_load(const char *path, us_err *err);
/* Loads only what analyses with these tasks (us_analyze_opts.tasks bits, 0 =
 * all) need; the other sections of the file are neither read nor checked,
 * so a program that predicts one subtask starts faster. Analyses asking for
 * other tasks get nothing for them. */
us_model *us_model_load_for(const char *path, int tasks, us_err *err);
/* The same from bytes in memory (copied). */
us_model *us_model_load_memory(const void *data, size_t len, us_err *err);
void us_model_free(us_model *m);
/* A short identifier of the model ("unspin-model 1.0 3f2a..."), for reports. */
const char *us_model_version(const us_model *m);
/* The tasks the loaded model can answer (us_analyze_opts.tasks bits: 1 genre,
 * 2 framing, 4 techniques): those trained with labels and, after
 * us_model_load_for, asked for. */
int us_model_tasks(const us_model *m);

/* ---- analysis -------------------------------------------------------- */

#define US_N_GENRE_LABELS 3
#define US_N_FRAME_LABELS 14
#define US_N_TECH_LABELS 23
#define US_TOP_CUES 5

typedef struct us_cue {
    char name[64];       /* readable feature, e.g. "w:farce", "b:trojan horses", "cue:!" */
    float weight;        /* contribution to the logit (feature value x weight) */
} us_cue;

typedef struct us_span_result {
    int technique;                  /* technique id */
    uint32_t start_cp, end_cp;      /* code points into the article, end exclusive */
    uint32_t start_byte, end_byte;  /* bytes into the article */
    float confidence;
    us_cue *cues;   /* explain only: US_TOP_CUES entries (unused ones have name ""), else
                       NULL; owned by the analysis (us_analysis_free) */
} us_span_result;

typedef struct us_para_result {
    uint32_t line;                  /* 1-based line number in the article */
    uint32_t start_cp, end_cp, start_byte, end_byte;
    uint32_t techniques;            /* bitmask of predicted technique ids */
    float prob[US_N_TECH_LABELS];   /* calibrated probability per technique */
    float prob_text[US_N_TECH_LABELS];  /* the same from the paragraph's own words, before
                                           the article context (equal to prob when the
                                           model has no second stage) */
    us_cue *cues;   /* explain only: (US_N_TECH_LABELS, US_TOP_CUES) row-major, else NULL */
    us_span_result *spans; size_t n_spans;
} us_para_result;

#define US_TOP_SIMILAR 5

/* A training article whose frames were blended into the framing head's
 * probabilities (models trained with --knn; explain only). */
typedef struct us_similar {
    char id[32];         /* its id in the training data */
    char lang[4];        /* its language code */
    float similarity;    /* cosine of the two articles' word counts, 0..1 */
    uint32_t frames;     /* its annotated frames (bitmask of frame ids) */
} us_similar;

typedef struct us_analysis {
    char lang[8];
    int genre;                               /* genre id; -1 when not predicted (not
                                                asked, no genre head, or n_words == 0) */
    float genre_prob[US_N_GENRE_LABELS];
    us_cue genre_cues[US_TOP_CUES];
    uint32_t frames;                         /* bitmask of frame ids; 0 and frame_prob
                                                all 0 when not predicted (as genre) */
    float frame_prob[US_N_FRAME_LABELS];
    us_cue frame_cues[US_N_FRAME_LABELS][US_TOP_CUES];
    us_para_result *paras; size_t n_paras;   /* non-empty lines only */
    size_t n_lines;                          /* all lines, empty ones included */
    size_t n_bytes, n_cps;
    size_t n_words;                          /* word tokens: with none (an empty or
                                                punctuation-only text) genre and
                                                frames are not predicted */
    int tasks;                               /* the tasks asked (US_DO_* bits): the
                                                JSON shows the others as null */
    us_similar similar[US_TOP_SIMILAR];      /* explain, --knn models: the most similar
                                                training articles, most similar first */
    size_t n_similar;
} us_analysis;

enum { US_DO_GENRE = 1, US_DO_FRAMES = 2, US_DO_TECHNIQUES = 4, US_DO_SPANS = 8, US_DO_ALL = 15 };

typedef struct us_analyze_opts {
    const char *lang;    /* dataset code (en fr ge it po ru es gr ka) or NULL/"" = unknown */
    int explain;         /* fill cues */
    int tasks;           /* bitmask: US_DO_GENRE | US_DO_FRAMES | US_DO_TECHNIQUES |
                            US_DO_SPANS (spans need techniques); 0 = all */
} us_analyze_opts;

/* Analyses one article (UTF-8, validated: invalid bytes give US_EUTF8 with
 * the offset). OUT: *out (caller frees with us_analysis_free). Thread-safe
 * for a shared model. */
int us_analyze(const us_model *m, const char *text, size_t len, const us_analyze_opts *opts,
               us_analysis **out, us_err *err);
void us_analysis_free(us_analysis *a);
/* The analysis as one JSON object (schema in docs/SCHEMA.md), without a
 * trailing newline. 'text' must be the analysed text. OUT: malloc'ed string,
 * caller frees with us_free_string. NULL on out of memory. */
char *us_analysis_json(const us_model *m, const us_analysis *a, const char *text, size_t len);
void us_free_string(char *s);

/* Label names: task 0 genre, 1 framing, 2 techniques. NULL if out of range. */
const char *us_label_name(int task, int id);

#ifdef __cplusplus
}
#endif
#endif
