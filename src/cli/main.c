/* main.c -- `unspin <command> [options]`: dispatch table, shared CLI helpers. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "task/taxonomy.h"
#include "unspin.h"

int cli_quiet;
const char *cli_cmd = "";

typedef struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} command;

#define X(name, help) {#name, cmd_##name, help},
static const command commands[] = {US_COMMANDS(X)};
#undef X

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "unspin: %s%s", cli_cmd, *cli_cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_info(const char *fmt, ...)
{
    if (cli_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "unspin: %s%s", cli_cmd, *cli_cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const us_err *err)
{
    cli_error("%s", err->msg);
    return EXIT_RUNTIME;
}

void cli_log_to_stderr(int level, const char *msg, void *ud)
{
    (void)ud;
    if (cli_quiet && level > US_LOG_ERROR) return;
    if (level >= US_LOG_DEBUG && !getenv("UNSPIN_DEBUG")) return;
    fprintf(stderr, "unspin: %s%s%s%s\n", cli_cmd, *cli_cmd ? ": " : "",
            level == US_LOG_WARN ? "warning: " : "", msg);
}

int cli_is_tty(FILE *f) { return isatty(fileno(f)); }

const char *cli_default_model(void)
{
    static char path[PATH_MAX + 64];
    const char *env = getenv("UNSPIN_MODEL");
    if (env && *env) return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = '\0';
    static const char *const rel[] = {"/../models/default.usm", "/../share/unspin/default.usm",
                                      "/models/default.usm"};
    for (size_t i = 0; i < US_ARRAY_LEN(rel); i++) {
        snprintf(path, sizeof path, "%s%s", exe, rel[i]);
        if (access(path, R_OK) == 0) return path;
    }
    return NULL;
}

us_model *cli_load_model(const char *path) { return cli_load_model_for(path, 0); }

int cli_parse_jobs(const char *s, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s || v < 1 || v > max) {
        cli_error("--jobs takes a number from 1 to %ld, not '%s'", max, s);
        return -1;
    }
    *out = v;
    return 0;
}

long cli_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : n;
}

us_model *cli_load_model_for(const char *path, int tasks)
{
    if (!path && !(path = cli_default_model())) {
        cli_error("no model given and no default model found\n"
                  "HINT: pass --model FILE or set UNSPIN_MODEL");
        return NULL;
    }
    us_err err = {0};
    us_model *m = tasks ? us_model_load_for(path, tasks, &err) : us_model_load(path, &err);
    if (!m) cli_fail(&err);
    int missing = m ? tasks & ~us_model_tasks(m) : 0;   /* else empty answers */
    for (int t = 0; missing && t < US_N_TASKS; t++)
        if (missing >> t & 1) {
            const char *name = us_task_name((us_task)t);
            cli_error("%s: the model has no %s head (it was not trained for %s; 'unspin dump' "
                      "shows its tasks=)", path, name, name);
            us_model_free(m);
            return NULL;
        }
    return m;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: unspin [-q] <command> [options] [args]\n"
            "\n"
            "unspin %s: genre, framing and persuasion techniques in news articles\n"
            "(SemEval-2023 Task 3; en fr ge it po ru, and a best effort for others).\n"
            "\n"
            "commands:\n",
            US_VERSION);
    for (size_t i = 0; i < US_ARRAY_LEN(commands); i++)
        if (commands[i].fn) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f,
            "\n"
            "Run 'unspin <command> --help' for a command's options.\n"
            "Exit codes: 0 success, 1 runtime error (I/O, data, model), 2 usage error.\n"
            "Without --model the shipped default model is used ($UNSPIN_MODEL overrides it).\n");
}

/* Every command's exit: output that could not be written (a full disk, a
 * closed pipe reader) is an error even where the command did not look. */
static int finish(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == EXIT_OK) {
        cli_error("write error on stdout");
        return EXIT_RUNTIME;
    }
    return rc;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) cli_quiet = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { usage(stdout); return finish(0); }
        else if (!strcmp(argv[i], "--version")) { printf("unspin %s\n", US_VERSION); return finish(0); }
        else { fprintf(stderr, "unspin: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if (i >= argc) { usage(stderr); return EXIT_USAGE; }
    if (!strcmp(argv[i], "help")) {
        if (i + 1 < argc) {
            char *hargv[] = {argv[i + 1], "--help", NULL};
            for (size_t k = 0; k < US_ARRAY_LEN(commands); k++)
                if (commands[k].fn && !strcmp(commands[k].name, argv[i + 1])) {
                    cli_cmd = commands[k].name;
                    return finish(commands[k].fn(2, hargv));
                }
        }
        usage(stdout);
        return finish(0);
    }
    us_log_set(cli_log_to_stderr, NULL);
    for (size_t k = 0; k < US_ARRAY_LEN(commands); k++) {
        if (strcmp(commands[k].name, argv[i]) != 0) continue;
        if (!commands[k].fn) {
            fprintf(stderr, "unspin: '%s' is not built into this binary\n", argv[i]);
            return EXIT_USAGE;
        }
        cli_cmd = commands[k].name;
        /* getopt_long names argv[0] in its messages ("unrecognized option"):
         * let them start as every other error does. */
        static char self[64];
        snprintf(self, sizeof self, "unspin: %s", commands[k].name);
        argv[i] = self;
        return finish(commands[k].fn(argc - i, argv + i));
    }
    fprintf(stderr, "unspin: unknown command '%s'\nHINT: run 'unspin --help' for the list\n",
            argv[i]);
    return EXIT_USAGE;
}
