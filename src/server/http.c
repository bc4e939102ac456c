/* http.c -- libmicrohttpd glue for `unspin serve`.
 *
 * One MHD daemon with an internal polling thread pool (cfg.n_threads); each
 * request runs its route on the pool thread that polled it, so a slow
 * analysis only holds that thread. Limits:
 *   - body: a Content-Length over cfg.max_body is refused with 413 before a
 *     byte of the body is read (MHD then closes the connection); a chunked
 *     body is collected up to the limit and the rest is discarded (never
 *     buffered), then answered with 413; a client that keeps sending more
 *     than 4 x the limit is disconnected;
 *   - time: cfg.timeout_s is MHD's idle timeout per connection (a client that
 *     stops sending is disconnected) and also a deadline for receiving the
 *     whole request (a client trickling bytes is disconnected when it
 *     passes; MHD 0.9 cannot queue a reply in the middle of an upload);
 *   - headers: MHD's per-connection memory limit (64 KiB) caps the header
 *     block (MHD answers 431 on its own).
 * Each finished request gives one log line: METHOD PATH STATUS MS, with the
 * reason when the connection ended without a reply. */
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "server/mhd.h"
#include "server/server.h"

static const us_mhd *mhd;   /* set by us_srv_start before the daemon's threads exist */

#define MEMORY_LIMIT ((size_t)64 << 10)
#define CONNECTION_LIMIT 1024u

struct us_srv {
    struct MHD_Daemon *daemon;
    us_srv_config cfg;
    unsigned port;
    atomic_int started;    /* set once MHD_start_daemon returned */
    char start_err[256];   /* last daemon message while starting */
};

/* Per-request state, in MHD's *con_cls. */
typedef struct req_ctx {
    struct timespec t0;
    char method[16];
    char path[128];
    int route;            /* US_ROUTE_*, or -1 once answered early */
    int status;           /* status queued, 0 = none yet */
    us_buf body;
    size_t discarded;     /* body bytes dropped past the limit */
    int too_big, oom;
} req_ctx;

/* ---- helpers ------------------------------------------------------------------ */

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Copies src for the log, replacing control and non-ASCII bytes by '?'. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch >= 0x7F ? '?' : (char)ch;
    }
    dst[i] = '\0';
}

static void srv_log(const us_srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void srv_log(const us_srv *s, const char *fmt, ...)
{
    if (!s->cfg.log) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg.log(line, s->cfg.log_ud);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    us_srv *s = cls;
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (!atomic_load(&s->started)) snprintf(s->start_err, sizeof s->start_err, "%s", line);
    srv_log(s, "libmicrohttpd: %s", line);
}

static void free_body(void *p) { us_free(p); }

/* Queues resp on c (taking its body) and records the status. */
static enum MHD_Result send_resp(struct MHD_Connection *c, req_ctx *x, us_route_resp *resp)
{
    struct MHD_Response *r;
    if (resp->is_static)
        r = mhd->create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_PERSISTENT);
    else
        r = mhd->create_response_from_buffer_with_free_callback(resp->len, resp->body, free_body);
    if (!r) {
        us_route_resp_fini(resp);
        return MHD_NO;
    }
    resp->body = NULL;   /* now owned by r */
    mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    mhd->add_response_header(r, "X-Content-Type-Options", "nosniff");
    mhd->add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (resp->allow) mhd->add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (x->route == US_ROUTE_PAGE)   /* the page may talk to this server and nothing else */
        mhd->add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    enum MHD_Result ok = mhd->queue_response(c, (unsigned)resp->status, r);
    mhd->destroy_response(r);
    if (ok == MHD_YES) x->status = resp->status;
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, req_ctx *x, int status,
                                  const char *msg)
{
    us_route_resp resp;
    us_route_error(&resp, status, msg);
    return send_resp(c, x, &resp);
}

/* ---- MHD callbacks ---------------------------------------------------------------- */

/* First call: set up the request and answer whatever needs no body. */
static enum MHD_Result begin(us_srv *s, struct MHD_Connection *c, req_ctx *x, const char *url,
                             const char *method)
{
    us_route_resp resp;
    x->route = us_route_match(method, url, &resp);
    if (x->route < 0) return send_resp(c, x, &resp);
    if (x->route != US_ROUTE_ANALYZE) {
        us_route_handle(&s->cfg, x->route, NULL, &resp);
        return send_resp(c, x, &resp);
    }
    const char *cl = mhd->lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (n > s->cfg.max_body) {
            char msg[160];
            snprintf(msg, sizeof msg, "request body of %llu bytes is over the limit of %zu",
                     n, s->cfg.max_body);
            return send_error(c, x, 413, msg);
        }
        if (end != cl && n > 0 && us_buf_reserve(&x->body, (size_t)n + 1) != US_OK) x->oom = 1;
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    us_srv *s = cls;
    req_ctx *x = *con_cls;
    if (!x) {
        if (!(x = us_calloc(1, sizeof *x))) return MHD_NO;
        *con_cls = x;
        clock_gettime(CLOCK_MONOTONIC, &x->t0);
        us_buf_init(&x->body);
        copy_printable(x->method, sizeof x->method, method);
        copy_printable(x->path, sizeof x->path, url);
        return begin(s, c, x, url, method);
    }
    if (x->status) {   /* answered already: MHD drops the rest */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ms_since(&x->t0) > s->cfg.timeout_s * 1e3) {
            x->status = 408;   /* for the log; nothing can be sent mid-upload */
            return MHD_NO;
        }
        if (x->too_big || x->oom || x->body.len + n > s->cfg.max_body) {
            if (!x->too_big && !x->oom) us_buf_fini(&x->body);
            x->too_big |= !x->oom;
            x->discarded += n;
            return x->discarded > 4 * s->cfg.max_body ? MHD_NO : MHD_YES;
        }
        if (us_buf_append(&x->body, upload_data, n) != US_OK) {
            us_buf_fini(&x->body);
            x->oom = 1;
        }
        return MHD_YES;
    }
    /* whole body received */
    if (x->too_big) {
        char msg[160];
        snprintf(msg, sizeof msg, "request body is over the limit of %zu bytes",
                 s->cfg.max_body);
        return send_error(c, x, 413, msg);
    }
    if (x->oom) return send_error(c, x, 500, "out of memory");
    us_route_req rq = {
        mhd->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"),
        mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "explain"),
        x->body.data ? x->body.data : "", x->body.len};
    us_route_resp resp;
    us_route_handle(&s->cfg, x->route, &rq, &resp);
    us_buf_fini(&x->body);
    return send_resp(c, x, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    us_srv *s = cls;
    req_ctx *x = *con_cls;
    (void)c;
    if (!x) return;
    static const char *const why[] = {
        [MHD_REQUEST_TERMINATED_COMPLETED_OK] = "",
        [MHD_REQUEST_TERMINATED_WITH_ERROR] = " (connection error)",
        [MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = " (timeout)",
        [MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = " (shutdown)",
        [MHD_REQUEST_TERMINATED_READ_ERROR] = " (client went away)",
        [MHD_REQUEST_TERMINATED_CLIENT_ABORT] = " (client aborted)",
    };
    const char *reason = (size_t)toe < US_ARRAY_LEN(why) && why[toe] ? why[toe] : " (aborted)";
    if (x->status == 408) reason = " (request deadline passed, disconnected)";
    if (x->status && x->status != 408)
        srv_log(s, "%s %s %d %.1f ms%s", x->method, x->path, x->status, ms_since(&x->t0), reason);
    else
        srv_log(s, "%s %s - %.1f ms%s", x->method, x->path, ms_since(&x->t0), reason);
    us_buf_fini(&x->body);
    us_free(x);
    *con_cls = NULL;
}

/* ---- API ------------------------------------------------------------------------------ */

us_srv *us_srv_start(const us_srv_config *cfg, us_err *err)
{
    us_srv *s = us_calloc(1, sizeof *s);
    if (!s) {
        us_err_set(err, US_ENOMEM, "out of memory");
        return NULL;
    }
    if (!(mhd = us_mhd_load(err))) {
        us_free(s);
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.n_threads) s->cfg.n_threads = 1;
    if (!s->cfg.timeout_s) s->cfg.timeout_s = 30;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    char port[16];
    snprintf(port, sizeof port, "%u", cfg->port);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        us_err_set(err, US_EINVAL, "cannot use host '%s': %s", host, gai_strerror(gai));
        us_free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->daemon = mhd->start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,   /* first, so it sees every message */
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, s->cfg.n_threads,
        MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
        MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    atomic_store(&s->started, 1);
    if (!s->daemon) {
        us_err_set(err, US_EIO, "cannot listen on %s:%u%s%s", host, cfg->port,
                   s->start_err[0] ? ": " : "", s->start_err);
        us_free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = mhd->get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
}

unsigned us_srv_port(const us_srv *s) { return s->port; }

void us_srv_stop(us_srv *s)
{
    if (!s) return;
    mhd->stop_daemon(s->daemon);
    us_free(s);
}
