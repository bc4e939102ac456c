/* batch_read.c -- bounded line reading and the --resume id multiset for `unspin batch`.
 *
 * getline() would buffer a whole line whatever its size, so lines are read
 * from a fixed read-ahead buffer instead: a line is copied out up to a limit,
 * and past it the reader switches to a skip mode that only looks for the next
 * '\n'. Memory per line is therefore bounded by the limit, not by the input.
 *
 * The resume set counts the ids (raw JSON bytes, as batch writes them) of a
 * previous output. Counts, not a set: an id repeated in the input is skipped
 * as many times as it was written. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/batch.h"

#define BATCH_READ_CHUNK ((size_t)1 << 16)

/* ---- line reader ------------------------------------------------------- */

int batch_reader_init(batch_reader *r, FILE *f)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->buf = us_malloc(BATCH_READ_CHUNK);
    return r->buf ? US_OK : US_ENOMEM;
}

void batch_reader_fini(batch_reader *r)
{
    us_free(r->buf);
    r->buf = NULL;
}

/* read(2), not fread: fread waits for a whole chunk, so a line arriving on a
 * pipe (tail -f | unspin batch) would wait for the next 64 KB; read returns
 * what is there. The FILE is never read through stdio. */
static int refill(batch_reader *r)
{
    if (r->eof) return 0;
    ssize_t n;
    do n = read(fileno(r->f), r->buf, BATCH_READ_CHUNK);
    while (n < 0 && errno == EINTR);
    r->pos = 0;
    r->end = n > 0 ? (size_t)n : 0;
    if (n <= 0) {
        r->eof = 1;
        if (n < 0) r->error = errno ? errno : EIO;
        return 0;
    }
    return 1;
}

int batch_read_line(batch_reader *r, us_buf *line, size_t max_len, int *too_long)
{
    us_buf_reset(line);
    *too_long = 0;
    r->last_nl = 0;
    int any = 0;
    for (;;) {
        if (r->pos == r->end && !refill(r)) break;
        any = 1;
        char *start = r->buf + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (!*too_long) {
            if (line->len + take > max_len) {
                *too_long = 1;          /* skip mode: keep nothing from here on */
                us_buf_reset(line);
            } else if (us_buf_append(line, start, take) != US_OK) {
                return -1;
            }
        }
        r->pos += take + (nl ? 1 : 0);
        r->n_bytes += take + (nl ? 1 : 0);
        if (nl) { r->last_nl = 1; break; }
    }
    if (r->error) return -1;
    if (!any) return 0;
    if (line->len && line->data[line->len - 1] == '\r') line->data[--line->len] = '\0';
    if (!line->data && us_buf_reserve(line, 1) == US_OK) line->data[0] = '\0';
    return 1;
}

/* ---- resume id multiset ------------------------------------------------- */

struct batch_id {
    char *raw;          /* NULL = empty slot */
    size_t len;
    uint64_t hash;
    size_t count;
};

static int idset_grow(batch_idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    struct batch_id *t = us_calloc(cap, sizeof *t);
    if (!t) return US_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].raw) continue;
        size_t j = s->slots[i].hash & (cap - 1);
        while (t[j].raw) j = (j + 1) & (cap - 1);
        t[j] = s->slots[i];
    }
    us_free(s->slots);
    s->slots = t;
    s->cap = cap;
    return US_OK;
}

static struct batch_id *idset_find(const batch_idset *s, const char *id, size_t len, uint64_t h)
{
    if (!s->cap) return NULL;
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        struct batch_id *e = &s->slots[j];
        if (!e->raw) return NULL;
        if (e->hash == h && e->len == len && memcmp(e->raw, id, len) == 0) return e;
    }
}

static int idset_add(batch_idset *s, const char *id, size_t len)
{
    uint64_t h = us_hash64(id, len, 0);
    struct batch_id *e = idset_find(s, id, len, h);
    if (e) { e->count++; return US_OK; }
    if ((s->n + 1) * 2 > s->cap && idset_grow(s) != US_OK) return US_ENOMEM;
    size_t j = h & (s->cap - 1);
    while (s->slots[j].raw) j = (j + 1) & (s->cap - 1);
    if (!(s->slots[j].raw = us_strndup(id, len))) return US_ENOMEM;
    s->slots[j].len = len;
    s->slots[j].hash = h;
    s->slots[j].count = 1;
    s->n++;
    return US_OK;
}

int batch_idset_take(batch_idset *s, const char *id, size_t len)
{
    struct batch_id *e = idset_find(s, id, len, us_hash64(id, len, 0));
    if (!e || !e->count) return 0;
    e->count--;
    return 1;
}

void batch_idset_fini(batch_idset *s)
{
    for (size_t i = 0; i < s->cap; i++) us_free(s->slots[i].raw);
    us_free(s->slots);
    memset(s, 0, sizeof *s);
}

int batch_idset_load(batch_idset *s, const char *path, us_err *err)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return US_OK;      /* nothing written yet: a fresh start */
        return us_err_set(err, US_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    batch_reader r;
    us_buf line;
    us_buf_init(&line);
    int rc = batch_reader_init(&r, f);
    uint64_t complete = 0;      /* bytes up to and including the last '\n' */
    while (rc == US_OK) {
        int too_long;
        int got = batch_read_line(&r, &line, (size_t)-1, &too_long);
        if (got < 0) {
            rc = r.error ? us_err_set(err, US_EIO, "%s: read error: %s", path, strerror(r.error))
                         : us_err_set(err, US_ENOMEM, "out of memory");
            break;
        }
        if (got == 0 || !r.last_nl) break;      /* no '\n': a write cut short; drop it */
        complete = r.n_bytes;
        s->n_lines++;
        size_t off, len;
        if (batch_line_id(line.data, line.len, &off, &len)) rc = idset_add(s, line.data + off, len);
        else s->n_null++;
        if (rc != US_OK) us_err_set(err, rc, "out of memory");
    }
    batch_reader_fini(&r);
    us_buf_fini(&line);
    fclose(f);
    if (rc == US_OK && truncate(path, (off_t)complete) != 0)
        rc = us_err_set(err, US_EIO, "%s: cannot truncate the partial last line: %s", path,
                        strerror(errno));
    if (rc != US_OK) batch_idset_fini(s);
    return rc;
}
