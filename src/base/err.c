/* err.c -- status codes and error messages (redis anet-style buffers). */
#include <stdio.h>
#include <string.h>
#include "base.h"

const char *us_strerror(int code)
{
    switch (code) {
    case US_OK: return "OK";
    case US_EINVAL: return "EINVAL";
    case US_ENOMEM: return "ENOMEM";
    case US_EIO: return "EIO";
    case US_EFORMAT: return "EFORMAT";
    case US_ETOOBIG: return "ETOOBIG";
    case US_EUTF8: return "EUTF8";
    case US_EVERSION: return "EVERSION";
    case US_ECHECKSUM: return "ECHECKSUM";
    case US_ENOTFOUND: return "ENOTFOUND";
    }
    return "EUNKNOWN";
}

int us_err_set(us_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void us_err_prefix(us_err *err, const char *fmt, ...)
{
    if (!err) return;
    char pre[US_ERR_LEN], old[US_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(pre);
    if (n > US_ERR_LEN - 3) n = US_ERR_LEN - 3;
    memcpy(err->msg, pre, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = US_ERR_LEN - n - 3;
    size_t m = strlen(old);
    if (m > room) m = room;
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}
