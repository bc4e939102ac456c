/* routes.c -- the HTTP routes of `unspin serve`, without sockets.
 *
 *   GET  /               the web page (page.c)
 *   GET  /healthz        {"status":"ok","model":"<us_model_version>","tasks":[...]}
 *   GET  /v1/techniques  the label tables of the three tasks
 *   POST /v1/analyze     exactly us_analysis_json of the posted article
 * HEAD is accepted wherever GET is. Every error is JSON:
 * {"error":"<message>","status":N}. */
#include <stdio.h>
#include <string.h>
#include "server/request.h"
#include "server/server.h"
#include "task/taxonomy.h"
#include "text/text.h"

static const char CT_JSON[] = "application/json";
static const char CT_HTML[] = "text/html; charset=utf-8";

typedef struct route_def {
    const char *path;
    const char *allow;   /* methods, as in the Allow header */
    int post;            /* 1: POST only; 0: GET and HEAD */
} route_def;

/* Indexed by US_ROUTE_*. */
static const route_def routes[] = {
    {"/", "GET, HEAD", 0},
    {"/healthz", "GET, HEAD", 0},
    {"/v1/techniques", "GET, HEAD", 0},
    {"/v1/analyze", "POST", 1},
};

/* ---- responses ---------------------------------------------------------------- */

static void set_buf(us_route_resp *resp, int status, const char *ct, us_buf *b)
{
    if (b->oom || !b->data) {
        us_buf_fini(b);
        us_route_error(resp, 500, "out of memory");
        return;
    }
    resp->status = status;
    resp->content_type = ct;
    resp->body = b->data;
    resp->len = b->len;
    resp->is_static = 0;
}

void us_route_error(us_route_resp *resp, int status, const char *msg)
{
    static const char oom[] = "{\"error\":\"out of memory\",\"status\":500}";
    memset(resp, 0, sizeof *resp);
    char *fixed = NULL;
    size_t n = strlen(msg);
    if (us_utf8_validate(msg, n, NULL) != US_OK && us_utf8_repair(msg, n, &fixed, &n, NULL) == US_OK)
        msg = fixed;
    us_buf b;
    us_buf_init(&b);
    us_buf_puts(&b, "{\"error\":\"");
    us_buf_json_str(&b, msg, n);
    us_buf_printf(&b, "\",\"status\":%d}", status);
    us_free(fixed);
    if (b.oom) {
        us_buf_fini(&b);
        resp->status = 500;
        resp->content_type = CT_JSON;
        resp->body = (char *)oom;
        resp->len = sizeof oom - 1;
        resp->is_static = 1;
        return;
    }
    resp->status = status;
    resp->content_type = CT_JSON;
    resp->body = b.data;
    resp->len = b.len;
}

void us_route_resp_fini(us_route_resp *resp)
{
    if (!resp) return;
    if (!resp->is_static) us_free(resp->body);
    memset(resp, 0, sizeof *resp);
}

/* ---- routing ----------------------------------------------------------------------- */

int us_route_match(const char *method, const char *path, us_route_resp *resp)
{
    for (size_t i = 0; i < US_ARRAY_LEN(routes); i++) {
        if (strcmp(path, routes[i].path) != 0) continue;
        int ok = routes[i].post ? !strcmp(method, "POST")
                                : !strcmp(method, "GET") || !strcmp(method, "HEAD");
        if (ok) return (int)i;
        char msg[128];
        snprintf(msg, sizeof msg, "method %.16s not allowed on %s (use %s)", method,
                 routes[i].path, routes[i].allow);
        us_route_error(resp, 405, msg);
        resp->allow = routes[i].allow;
        return -1;
    }
    us_route_error(resp, 404, "no such route (try GET /, GET /healthz, GET /v1/techniques "
                   "or POST /v1/analyze)");
    return -1;
}

static void healthz(const us_srv_config *cfg, us_route_resp *resp)
{
    const char *v = us_model_version(cfg->model);
    us_buf b;
    us_buf_init(&b);
    us_buf_puts(&b, "{\"status\":\"ok\",\"model\":\"");
    us_buf_json_str(&b, v, strlen(v));
    us_buf_puts(&b, "\",\"tasks\":[");   /* what the model answers (us_model_tasks) */
    int tasks = us_model_tasks(cfg->model), n = 0;
    for (int t = 0; t < US_N_TASKS; t++)
        if (tasks >> t & 1) us_buf_printf(&b, "%s\"%s\"", n++ ? "," : "", us_task_name((us_task)t));
    us_buf_puts(&b, "]}");
    set_buf(resp, 200, CT_JSON, &b);
}

static void json_field(us_buf *b, const char *key, const char *val, int comma)
{
    us_buf_printf(b, "%s\"%s\":\"", comma ? "," : "", key);
    us_buf_json_str(b, val, strlen(val));
    us_buf_putc(b, '"');
}

/* {"genre":[{"id":0,"name":...,"short_name":...,"definition":...,"color":...},...],
 *  "framing":[...],"techniques":[...]} */
static void techniques(us_route_resp *resp)
{
    us_buf b;
    us_buf_init(&b);
    us_buf_putc(&b, '{');
    for (int t = 0; t < US_N_TASKS; t++) {
        us_buf_printf(&b, "%s\"%s\":[", t ? "," : "", us_task_name((us_task)t));
        size_t n = us_tax_n_labels((us_task)t);
        for (size_t i = 0; i < n; i++) {
            const us_label_info *li = us_tax_label((us_task)t, i);
            us_buf_printf(&b, "%s{\"id\":%zu", i ? "," : "", i);
            json_field(&b, "name", li->name, 1);
            json_field(&b, "short_name", li->short_name, 1);
            json_field(&b, "definition", li->definition, 1);
            json_field(&b, "color", li->color, 1);
            us_buf_putc(&b, '}');
        }
        us_buf_putc(&b, ']');
    }
    us_buf_putc(&b, '}');
    set_buf(resp, 200, CT_JSON, &b);
}

static void analyze(const us_srv_config *cfg, const us_route_req *req, us_route_resp *resp)
{
    us_err err = {0};
    us_analyze_req ar;
    int rc = us_req_parse_analyze(req->content_type, req->q_lang, req->q_explain, req->body,
                                  req->body_len, cfg->max_body, &ar, &err);
    if (rc != US_OK) {
        us_route_error(resp, us_req_http_status(rc), err.msg);
        return;
    }
    us_analyze_opts opts = {ar.lang, ar.explain, 0};
    us_analysis *a = NULL;
    rc = us_analyze(cfg->model, ar.text, ar.text_len, &opts, &a, &err);
    if (rc != US_OK) {
        us_route_error(resp, us_req_http_status(rc), err.msg);
        us_req_fini(&ar);
        return;
    }
    char *json = us_analysis_json(cfg->model, a, ar.text, ar.text_len);
    us_analysis_free(a);
    us_req_fini(&ar);
    if (!json) {
        us_route_error(resp, 500, "out of memory");
        return;
    }
    /* us_analysis_json's string is released with us_free_string, which is
     * us_free underneath (both sit on the same allocation hook). */
    resp->status = 200;
    resp->content_type = CT_JSON;
    resp->body = json;
    resp->len = strlen(json);
    resp->is_static = 0;
}

void us_route_handle(const us_srv_config *cfg, int route, const us_route_req *req,
                     us_route_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    switch (route) {
    case US_ROUTE_PAGE:
        resp->status = 200;
        resp->content_type = CT_HTML;
        resp->body = (char *)us_page_html;
        resp->len = us_page_html_len;
        resp->is_static = 1;
        break;
    case US_ROUTE_HEALTHZ: healthz(cfg, resp); break;
    case US_ROUTE_TECHNIQUES: techniques(resp); break;
    case US_ROUTE_ANALYZE: analyze(cfg, req, resp); break;
    default: us_route_error(resp, 500, "internal error: unknown route"); break;
    }
}
