/* cmd_batch.c -- `unspin batch`: a JSON Lines corpus in, one result line per input line out.
 *
 * Pipeline, in constant memory whatever the corpus size:
 *
 *   reader thread --> ring of n_slots slots --> N worker threads --> writer (main thread)
 *
 * Slot seq lives at ring[seq % n_slots] and moves FREE -> FULL (reader put a
 * line in) -> BUSY (a worker claimed it) -> DONE (output ready) -> FREE (the
 * writer wrote it, in seq order). The reader only fills FREE slots and the
 * writer only frees them in order, so at most n_slots lines are in flight and
 * the output order is the input order. One mutex guards the states; the work
 * (reading, analysing, writing) runs outside it.
 *
 * Wake-ups are batched: a sleeping writer is woken when its next slot is
 * done and either half the ring is done or no line is waiting for a worker
 * (slow input: write at once), and a sleeping reader when half the ring is
 * free. Waking a thread for every line cost about 5 context
 * switches an article (docs/PERFORMANCE.md).
 *
 * Invariant: lines in = lines out. Every input line, including blank,
 * malformed, over-long (skipped in the reader without buffering) and
 * unanalysable ones, gives exactly one output line; with --resume, lines
 * whose output is already in OUT give none.
 *
 * Bloat: no output sharding, no retry of failed lines; a failed line is
 * reported in place and the exit code says some failed. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/batch.h"
#include "cli/cli.h"

/* ---- types ---------------------------------------------------------------- */

enum { SLOT_FREE, SLOT_FULL, SLOT_BUSY, SLOT_DONE };
enum { LINE_OK = 0, LINE_TOO_LONG = 1, LINE_RESUMED = 2 };

typedef struct slot {
    int state;
    int flags;            /* LINE_* */
    int status;           /* 1 analysed, 0 error line, -1 out of memory */
    size_t file;          /* index into the input list */
    size_t line_no;       /* 1-based */
    uint64_t n_bytes;     /* input bytes of the line, '\n' included (progress) */
    us_buf in, out;
} slot;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv_free, cv_full, cv_done;
    slot *ring;
    size_t n_slots;
    uint64_t n_read;      /* slots filled by the reader (seq of the next one) */
    uint64_t n_claimed;   /* slots claimed by workers */
    uint64_t n_done;      /* slots made DONE by workers */
    uint64_t n_written;   /* slots written and freed by the writer (seq of the next one) */
    int writer_waits;     /* the writer sleeps on cv_done */
    int reader_waits;     /* the reader sleeps on cv_free */
    int eof;              /* the reader is done: n_read is final */
    int stop;             /* abort: the writer failed */
    /* reader side */
    char **paths;
    size_t n_paths;
    int read_failed;      /* an input could not be opened or read */
    batch_idset *resume;  /* NULL unless --resume */
    batch_opts opts;
} pipeline;

/* ---- reader ---------------------------------------------------------------- */

static const char *display_name(const char *path)
{
    return strcmp(path, "-") ? path : "stdin";
}

/* With --resume: was this line's output already written? Same rule as the writer. */
static int already_written(batch_idset *s, const char *line, size_t len)
{
    size_t off, n;
    if (batch_line_id(line, len, &off, &n)) return batch_idset_take(s, line + off, n);
    if (s->n_null) { s->n_null--; return 1; }
    return 0;
}

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    int stop = 0;
    for (size_t fi = 0; fi < p->n_paths && !stop; fi++) {
        const char *path = p->paths[fi];
        FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
        if (!f) {
            cli_error("%s: cannot open: %s", path, strerror(errno));
            p->read_failed = 1;
            continue;
        }
        batch_reader r;
        if (batch_reader_init(&r, f) != US_OK) {
            cli_error("out of memory");
            p->read_failed = 1;
            if (f != stdin) fclose(f);
            break;
        }
        for (size_t line_no = 1;; line_no++) {
            pthread_mutex_lock(&p->mu);
            slot *s = &p->ring[p->n_read % p->n_slots];
            while (s->state != SLOT_FREE && !p->stop) {
                p->reader_waits = 1;
                pthread_cond_wait(&p->cv_free, &p->mu);
                p->reader_waits = 0;
            }
            stop = p->stop;
            pthread_mutex_unlock(&p->mu);
            if (stop) break;
            int too_long;
            uint64_t before = r.n_bytes;
            int got = batch_read_line(&r, &s->in, BATCH_MAX_LINE, &too_long);
            if (got < 0) {
                if (r.error) cli_error("%s: read error: %s", display_name(path), strerror(r.error));
                else cli_error("out of memory");
                p->read_failed = 1;
            }
            if (got <= 0) break;
            s->flags = too_long ? LINE_TOO_LONG : LINE_OK;
            if (!too_long && p->resume && already_written(p->resume, s->in.data, s->in.len))
                s->flags = LINE_RESUMED;
            s->file = fi;
            s->line_no = line_no;
            s->n_bytes = r.n_bytes - before;
            pthread_mutex_lock(&p->mu);
            s->state = SLOT_FULL;
            p->n_read++;
            pthread_cond_signal(&p->cv_full);
            pthread_mutex_unlock(&p->mu);
        }
        batch_reader_fini(&r);
        if (f != stdin) fclose(f);
    }
    pthread_mutex_lock(&p->mu);
    p->eof = 1;
    pthread_cond_broadcast(&p->cv_full);
    pthread_cond_broadcast(&p->cv_done);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- workers ---------------------------------------------------------------- */

static void process(const pipeline *p, slot *s)
{
    char where[1024];
    snprintf(where, sizeof where, "%s:%zu", display_name(p->paths[s->file]), s->line_no);
    us_buf_reset(&s->out);
    if (s->flags == LINE_RESUMED) {
        s->status = 1;
    } else if (s->flags == LINE_TOO_LONG) {
        char msg[128];
        snprintf(msg, sizeof msg, "line over the %zu MB limit (skipped unread) (%s)",
                 BATCH_MAX_LINE >> 20, us_strerror(US_ETOOBIG));
        batch_line_error(&s->out, where, msg);
        s->status = 0;
    } else {
        s->status = batch_line_run(&p->opts, s->in.data, s->in.len, where, &s->out);
    }
    if (s->in.cap > ((size_t)1 << 20)) us_buf_fini(&s->in);   /* don't pin a huge line */
    else us_buf_reset(&s->in);
}

/* Whether a sleeping writer should be woken now (p->mu held): its next slot
 * is done, and enough others are to write them in one go, or no more work is
 * queued (slow input, where each line should be written at once). */
static int writer_should_wake(const pipeline *p)
{
    if (!p->writer_waits || p->ring[p->n_written % p->n_slots].state != SLOT_DONE) return 0;
    size_t batch = p->n_slots / 2;
    return p->n_done - p->n_written >= batch || p->n_claimed == p->n_read || p->eof;
}

static void *worker_main(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->n_claimed == p->n_read && !p->eof && !p->stop)
            pthread_cond_wait(&p->cv_full, &p->mu);
        if (p->stop || p->n_claimed == p->n_read) break;
        slot *s = &p->ring[p->n_claimed++ % p->n_slots];
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        process(p, s);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_DONE;
        p->n_done++;
        if (writer_should_wake(p)) pthread_cond_signal(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- writer and progress ---------------------------------------------------- */

typedef struct stats {
    uint64_t analysed, failed, resumed;
    uint64_t bytes_done;       /* input bytes of the lines written */
    uint64_t total_bytes;      /* 0 = unknown (stdin, pipes) */
    double t0, last_report;
    int progress;
} stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report_progress(const stats *st, int final)
{
    uint64_t bytes = st->bytes_done;
    double dt = now_s() - st->t0;
    if (dt <= 0) dt = 1e-9;
    uint64_t n = st->analysed + st->failed;
    fprintf(stderr, "\r\033[Kunspin: batch: %llu articles, %.1f articles/s, %.2f MB/s",
            (unsigned long long)n, n / dt, bytes / dt / 1e6);
    if (st->total_bytes && bytes && bytes < st->total_bytes) {
        double eta = (double)(st->total_bytes - bytes) / (bytes / dt);
        fprintf(stderr, ", %.0f%%, ETA %.0f s", 100.0 * bytes / st->total_bytes, eta);
    }
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* The output's stdio buffer (glibc sizes its own by the file's block size,
 * 4 KB: a system call for every line). Static: stdout keeps it to exit. */
static char out_buf[1 << 18];

/* How long written lines may wait in the output buffer while the writer
 * waits for the next one: long enough to write many lines a system call,
 * short enough that a pipeline downstream sees them at once. */
#define FLUSH_AFTER_S 0.1

/* Writes the slots in order until the reader is done. Returns 0, or -1 on a write error. */
static int writer_run(pipeline *p, FILE *out, stats *st)
{
    int rc = 0, unflushed = 0;
    double last_flush = now_s();
    setvbuf(out, out_buf, _IOFBF, sizeof out_buf);   /* before its first write */
    for (uint64_t seq = 0;; seq++) {
        slot *s = &p->ring[seq % p->n_slots];
        pthread_mutex_lock(&p->mu);
        while (rc == 0 && s->state != SLOT_DONE && !(p->eof && seq == p->n_read)) {
            double t = now_s();
            if (unflushed && t - last_flush >= FLUSH_AFTER_S) {
                if (fflush(out) != 0) rc = -1;
                unflushed = 0;
                last_flush = t;
                continue;
            }
            /* About to sleep: a reader waiting for any freed slot goes on. */
            if (p->reader_waits) pthread_cond_signal(&p->cv_free);
            p->writer_waits = 1;
            if (!unflushed) {
                pthread_cond_wait(&p->cv_done, &p->mu);
            } else {
                struct timespec until;   /* wake up to flush what is waiting */
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += (long)(FLUSH_AFTER_S * 1e9);
                if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
                pthread_cond_timedwait(&p->cv_done, &p->mu, &until);
            }
            p->writer_waits = 0;
        }
        int done = rc != 0 || s->state != SLOT_DONE;
        pthread_mutex_unlock(&p->mu);
        if (done) break;
        if (s->flags == LINE_RESUMED) st->resumed++;
        else if (s->status == 1) st->analysed++;
        else st->failed++;
        st->bytes_done += s->n_bytes;
        if (s->status < 0) cli_error("out of memory while analysing; the line is an error");
        if (s->out.len && fwrite(s->out.data, 1, s->out.len, out) != s->out.len) rc = -1;
        unflushed = 1;
        if (s->out.cap > ((size_t)1 << 20)) us_buf_fini(&s->out);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_FREE;
        p->n_written++;
        if (p->reader_waits && p->n_slots - (p->n_read - p->n_written) >= p->n_slots / 2)
            pthread_cond_signal(&p->cv_free);
        pthread_mutex_unlock(&p->mu);
        if (rc) break;
        if (st->progress) {
            double t = now_s();
            if (t - st->last_report >= 0.5) { st->last_report = t; report_progress(st, 0); }
        }
    }
    if (fflush(out) != 0) rc = -1;
    if (rc) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv_free);
        pthread_cond_broadcast(&p->cv_full);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

/* ---- command ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: unspin batch [options] [FILE...|-]\n"
        "\n"
        "Reads JSON Lines {\"id\":..., \"text\":\"...\", \"lang\":\"en\", ...} (stdin when no\n"
        "FILE or -) and writes one JSON line per input line, in input order:\n"
        "  {\"id\":..., <other input members verbatim>, \"result\":{...analysis...}}\n"
        "  {\"id\":...|null, \"error\":\"FILE:LINE: message\"}  (bad lines; lines in = lines out)\n"
        "\"text\" and \"lang\" are not copied. Limits: text 16 MB, line 64 MB.\n"
        "\n"
        "options:\n"
        "  -j, --jobs N      worker threads (default: the number of CPUs)\n"
        "  --model MODEL     model file (default: the shipped model)\n"
        "  --lang LANG       language of lines without \"lang\" (default: unknown)\n"
        "  --explain         add the top cues behind each decision\n"
        "  --task LIST       what to analyse, comma-separated: genre, framing, techniques,\n"
        "                    spans (techniques with their spans) or all (default); the\n"
        "                    others are null in the result\n"
        "  --resume OUT      skip lines whose output is already in OUT (a partial last\n"
        "                    line there is dropped) and append to OUT instead of stdout\n"
        "  -q, --quiet       no progress or summary on stderr\n"
        "  -h, --help        this help\n"
        "\n"
        "Progress (articles/s, MB/s, ETA) is shown when stderr is a terminal.\n"
        "Exit status: 0 when every line was analysed, 1 when some were not (they are\n"
        "still written, as error lines) or on an I/O or model error, 2 on a usage error.\n");
}

enum { OPT_MODEL = 256, OPT_RESUME, OPT_EXPLAIN, OPT_LANG, OPT_TASK };

/* "genre,techniques" -> US_DO_* bits; -1 on an unknown name. */
static int parse_tasks(const char *s)
{
    static const struct { const char *name; int bits; } names[] = {
        {"genre", US_DO_GENRE}, {"framing", US_DO_FRAMES}, {"techniques", US_DO_TECHNIQUES},
        {"spans", US_DO_TECHNIQUES | US_DO_SPANS}, {"all", US_DO_ALL}};
    int tasks = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        int bits = -1;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && !strncmp(s, names[i].name, n)) bits = names[i].bits;
        if (bits < 0) return -1;
        tasks |= bits;
        s += n + (s[n] == ',');
    }
    return tasks ? tasks : -1;
}

int cmd_batch(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"jobs", required_argument, 0, 'j'}, {"model", required_argument, 0, OPT_MODEL},
        {"resume", required_argument, 0, OPT_RESUME}, {"explain", no_argument, 0, OPT_EXPLAIN},
        {"lang", required_argument, 0, OPT_LANG}, {"task", required_argument, 0, OPT_TASK},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *resume_path = NULL, *lang = NULL;
    long jobs = 0;
    int explain = 0, tasks = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hqj:", lopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (cli_parse_jobs(optarg, 1024, &jobs)) return EXIT_USAGE;
            break;
        case OPT_MODEL: model_path = optarg; break;
        case OPT_RESUME: resume_path = optarg; break;
        case OPT_EXPLAIN: explain = 1; break;
        case OPT_LANG: lang = optarg; break;
        case OPT_TASK:
            if ((tasks = parse_tasks(optarg)) < 0) {
                cli_error("--task takes genre, framing, techniques, spans or all, "
                          "comma-separated, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'q': cli_quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!jobs) jobs = cli_default_jobs();
    static char *stdin_only[] = {"-"};
    char **paths = optind < argc ? argv + optind : stdin_only;
    size_t n_paths = optind < argc ? (size_t)(argc - optind) : 1;
    uint64_t total_bytes = 0;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            total_bytes = 0;
            break;
        }
        total_bytes += (uint64_t)st.st_size;
    }
    us_model *m = cli_load_model_for(model_path, tasks);   /* tasks 0: the whole model */
    if (!m) return EXIT_RUNTIME;
    us_err err = {0};

    batch_idset resume;
    FILE *out = stdout;
    if (resume_path) {
        if (batch_idset_load(&resume, resume_path, &err) != US_OK) {
            us_model_free(m);
            return cli_fail(&err);
        }
        if (!(out = fopen(resume_path, "ab"))) {
            cli_error("%s: cannot open for appending: %s", resume_path, strerror(errno));
            batch_idset_fini(&resume);
            us_model_free(m);
            return EXIT_RUNTIME;
        }
        cli_info("resuming: %zu line(s) already in %s", resume.n_lines, resume_path);
    }

    pipeline p;
    memset(&p, 0, sizeof p);
    p.n_slots = (size_t)jobs * 4 < 16 ? 16 : (size_t)jobs * 4;
    p.paths = paths;
    p.n_paths = n_paths;
    p.resume = resume_path ? &resume : NULL;
    p.opts.model = m;
    p.opts.lang = lang;
    p.opts.explain = explain;
    p.opts.tasks = tasks;
    int rc = EXIT_OK;
    p.ring = us_calloc(p.n_slots, sizeof *p.ring);
    pthread_t *workers = us_calloc((size_t)jobs, sizeof *workers);
    if (!p.ring || !workers) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
        goto done;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_free, NULL);
    pthread_cond_init(&p.cv_full, NULL);
    pthread_cond_init(&p.cv_done, NULL);

    stats st = {0};
    st.total_bytes = total_bytes;
    st.t0 = st.last_report = now_s();
    st.progress = !cli_quiet && cli_is_tty(stderr);
    pthread_t reader;
    long n_started = 0;
    int reader_started = pthread_create(&reader, NULL, reader_main, &p) == 0;
    for (; reader_started && n_started < jobs; n_started++)
        if (pthread_create(&workers[n_started], NULL, worker_main, &p) != 0) break;
    if (!reader_started || n_started == 0) {
        cli_error("cannot start threads");
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_broadcast(&p.cv_free);
        pthread_mutex_unlock(&p.mu);
        rc = EXIT_RUNTIME;
    } else if (writer_run(&p, out, &st) != 0) {
        cli_error("%s: write error: %s", resume_path ? resume_path : "stdout", strerror(errno));
        rc = EXIT_RUNTIME;
    }
    if (reader_started) pthread_join(reader, NULL);
    for (long i = 0; i < n_started; i++) pthread_join(workers[i], NULL);
    if (st.progress) report_progress(&st, 1);
    if (rc == EXIT_OK && (st.failed || p.read_failed)) rc = EXIT_RUNTIME;
    if (!cli_quiet) {
        double dt = now_s() - st.t0;
        fprintf(stderr, "unspin: batch: %llu analysed, %llu failed",
                (unsigned long long)st.analysed, (unsigned long long)st.failed);
        if (resume_path) fprintf(stderr, ", %llu already done", (unsigned long long)st.resumed);
        fprintf(stderr, ", %.2f s (%.1f articles/s, %d job%s)\n", dt,
                dt > 0 ? (st.analysed + st.failed) / dt : 0.0, (int)jobs, jobs > 1 ? "s" : "");
    }
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv_free);
    pthread_cond_destroy(&p.cv_full);
    pthread_cond_destroy(&p.cv_done);
done:
    if (p.ring)
        for (size_t i = 0; i < p.n_slots; i++) {
            us_buf_fini(&p.ring[i].in);
            us_buf_fini(&p.ring[i].out);
        }
    us_free(p.ring);
    us_free(workers);
    if (resume_path) {
        if (fclose(out) != 0 && rc == EXIT_OK) {
            cli_error("%s: write error: %s", resume_path, strerror(errno));
            rc = EXIT_RUNTIME;
        }
        batch_idset_fini(&resume);
    }
    us_model_free(m);
    return rc;
}
