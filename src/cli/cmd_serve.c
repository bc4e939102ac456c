/* cmd_serve.c -- `unspin serve`: the HTTP JSON API and web page.
 *
 * Loads the model once, starts the server (src/server) and waits for SIGINT
 * or SIGTERM, which stop it cleanly (the daemon finishes, memory is freed,
 * exit 0). The signals are blocked before the daemon's threads exist so only
 * sigwait() here ever sees them. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "server/request.h"
#include "server/server.h"
#include "unspin.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin serve [options]\n"
        "\n"
        "Serves the analysis over HTTP (libmicrohttpd) with a built-in web page.\n"
        "  GET  /               web page: paste an article, see genre, frames and techniques\n"
        "  POST /v1/analyze     body text/plain (the article; ?lang=en&explain=0) or\n"
        "                       application/json {\"text\": \"...\", \"lang\": \"en\", \"explain\": true}\n"
        "                       -> the analysis JSON (docs/SCHEMA.md)\n"
        "  GET  /healthz        {\"status\":\"ok\",\"model\":\"...\"}\n"
        "  GET  /v1/techniques  label names, short names, definitions and colours\n"
        "Errors are JSON {\"error\": \"...\", \"status\": N}.\n"
        "\n"
        "options:\n"
        "  --host HOST       address to listen on (default 127.0.0.1, loopback only)\n"
        "  --port PORT       TCP port (default 8080; 0 picks a free one)\n"
        "  --model MODEL     model file (default: the shipped model)\n"
        "  --threads N       worker threads (default: number of CPUs)\n"
        "  --timeout SEC     idle timeout and request deadline (default 30)\n"
        "  --max-body BYTES  request body limit (default 2097152 = 2 MiB; K/M suffix ok)\n"
        "  -q, --quiet       no per-request log lines on stderr\n"
        "  -h, --help        this help\n"
        "\n"
        "Prints 'unspin: serve: listening on http://HOST:PORT' when ready;\n"
        "SIGINT or SIGTERM stop the server.\n");
}

enum { OPT_HOST = 256, OPT_PORT, OPT_MODEL, OPT_THREADS, OPT_TIMEOUT, OPT_MAX_BODY };

/* Parses a decimal number in [lo, hi] with an optional K/M suffix (x1024).
 * Returns 0 and sets *out, or -1. */
static int parse_num(const char *s, unsigned long long lo, unsigned long long hi, int suffix,
                     unsigned long long *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) return -1;
    if (suffix && (*end == 'K' || *end == 'k')) { v = v > ULLONG_MAX >> 10 ? ULLONG_MAX : v << 10; end++; }
    else if (suffix && (*end == 'M' || *end == 'm')) { v = v > ULLONG_MAX >> 20 ? ULLONG_MAX : v << 20; end++; }
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static void log_line(const char *line, void *ud)
{
    (void)ud;
    if (!cli_quiet) fprintf(stderr, "unspin: serve: %s\n", line);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"host", required_argument, 0, OPT_HOST}, {"port", required_argument, 0, OPT_PORT},
        {"model", required_argument, 0, OPT_MODEL}, {"threads", required_argument, 0, OPT_THREADS},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"max-body", required_argument, 0, OPT_MAX_BODY}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    us_srv_config cfg = {"127.0.0.1", 8080, ncpu < 1 ? 1 : ncpu > 64 ? 64 : (unsigned)ncpu, 30,
                         US_REQ_DEFAULT_MAX_BODY, NULL, log_line, NULL};
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case OPT_HOST: cfg.host = optarg; break;
        case OPT_PORT:
            if (parse_num(optarg, 0, 65535, 0, &v)) { cli_error("--port takes 0-65535"); return EXIT_USAGE; }
            cfg.port = (unsigned)v;
            break;
        case OPT_MODEL: model_path = optarg; break;
        case OPT_THREADS:
            if (parse_num(optarg, 1, 256, 0, &v)) { cli_error("--threads takes 1-256"); return EXIT_USAGE; }
            cfg.n_threads = (unsigned)v;
            break;
        case OPT_TIMEOUT:
            if (parse_num(optarg, 1, 86400, 0, &v)) { cli_error("--timeout takes 1-86400 seconds"); return EXIT_USAGE; }
            cfg.timeout_s = (unsigned)v;
            break;
        case OPT_MAX_BODY:
            if (parse_num(optarg, 1, (unsigned long long)1 << 30, 1, &v)) {
                cli_error("--max-body takes 1 byte to 1G (e.g. 2097152, 512K, 8M)");
                return EXIT_USAGE;
            }
            cfg.max_body = (size_t)v;
            break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    us_model *m = cli_load_model(model_path);
    if (!m) return EXIT_RUNTIME;
    us_err err = {0};
    cfg.model = m;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);   /* inherited by the daemon's threads */
    signal(SIGPIPE, SIG_IGN);

    us_srv *srv = us_srv_start(&cfg, &err);
    if (!srv) {
        us_model_free(m);
        return cli_fail(&err);
    }
    int v6 = strchr(cfg.host, ':') != NULL;
    cli_info("model %s (%u thread%s, timeout %us, max body %zu bytes)", us_model_version(m),
             cfg.n_threads, cfg.n_threads == 1 ? "" : "s", cfg.timeout_s, cfg.max_body);
    /* Printed even with -q: scripts and tests wait for this line. */
    fprintf(stderr, "unspin: serve: listening on http://%s%s%s:%u\n", v6 ? "[" : "", cfg.host,
            v6 ? "]" : "", us_srv_port(srv));
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {}
    cli_info("%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    us_srv_stop(srv);
    us_model_free(m);
    return EXIT_OK;
}
