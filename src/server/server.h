/* server.h -- `unspin serve`: HTTP JSON API and the built-in web page.
 *
 * Three layers, each in its own file:
 *   request.c  body -> analyze request (pure; request.h)
 *   routes.c   method + path + body -> status + JSON/HTML (no sockets)
 *   http.c     libmicrohttpd glue: thread pool, limits, timeouts, logging
 * The model is loaded by the caller and shared read-only by every thread
 * (us_analyze is thread-safe for a shared model). Nothing here prints:
 * request log lines and daemon errors go to cfg->log. */
#ifndef US_SERVER_H
#define US_SERVER_H

#include <stddef.h>
#include "base/base.h"

typedef void (*us_srv_log_fn)(const char *line, void *ud);

typedef struct us_srv_config {
    const char *host;          /* numeric or resolvable; "127.0.0.1" by default */
    unsigned port;             /* 0 = any free port (see us_srv_port) */
    unsigned n_threads;        /* polling threads (thread pool), >= 1 */
    unsigned timeout_s;        /* idle timeout and whole-request deadline, seconds */
    size_t max_body;           /* request body limit in bytes */
    const us_model *model;     /* borrowed; must outlive the server */
    us_srv_log_fn log;         /* one line per request and daemon errors; NULL = silent */
    void *log_ud;
} us_srv_config;

/* ---- routes (routes.c) ---------------------------------------------------- */

enum { US_ROUTE_PAGE, US_ROUTE_HEALTHZ, US_ROUTE_TECHNIQUES, US_ROUTE_ANALYZE };

typedef struct us_route_resp {
    int status;                /* HTTP status */
    const char *content_type;  /* static string */
    const char *allow;         /* Allow header for 405, else NULL */
    char *body;                /* owned (us_malloc) unless is_static */
    size_t len;
    int is_static;             /* body points to static data */
} us_route_resp;

typedef struct us_route_req {
    const char *content_type;  /* may be NULL */
    const char *q_lang, *q_explain;   /* query arguments, may be NULL */
    const char *body;
    size_t body_len;
} us_route_req;

/* Resolves a method and a path (without the query). Returns the route id,
 * or -1 with *resp set to a 404 or 405 error. */
int us_route_match(const char *method, const char *path, us_route_resp *resp);
/* Runs a matched route. Never fails: errors become JSON error responses.
 * OUT: *resp (release with us_route_resp_fini). */
void us_route_handle(const us_srv_config *cfg, int route, const us_route_req *req,
                     us_route_resp *resp);
/* Sets resp to {"error": msg, "status": status}. msg need not be valid UTF-8. */
void us_route_error(us_route_resp *resp, int status, const char *msg);
void us_route_resp_fini(us_route_resp *resp);

/* The web page (page.c, generated from web/index.html by tools/embed.sh). */
extern const unsigned char us_page_html[];
extern const size_t us_page_html_len;

/* ---- daemon (http.c) --------------------------------------------------------- */

typedef struct us_srv us_srv;

/* Starts listening and serving in background threads. cfg is copied (the
 * model and host stay borrowed). NULL + err when the address cannot be used. */
us_srv *us_srv_start(const us_srv_config *cfg, us_err *err);
/* The bound port (useful after port 0). */
unsigned us_srv_port(const us_srv *s);
/* Stops accepting, finishes the threads and frees s. NULL is a no-op. */
void us_srv_stop(us_srv *s);

#endif
