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

#ifdef __cplusplus
}
#endif
#endif
