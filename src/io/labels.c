/* labels.c -- SemEval-2023 Task 3 label files: read, validate, write, align.
 *
 * 2024-06. The four formats are described in labels.h. The reader takes the
 * whole file in memory and never trusts it: every line is checked for its
 * column count, id, line number, labels and span offsets, and each problem is
 * reported as "file:line: message" through the caller's callback (at most
 * REPORT_MAX messages per call, then one summary; the counters stay exact).
 * A UTF-8 BOM, CRLF line ends, a missing final newline and blank lines are
 * accepted silently. Field text quoted in messages is cut to 60 bytes and
 * control bytes or invalid UTF-8 are shown as \xNN, so garbage input yields
 * printable messages.
 *
 * Not done here (Bloat:): reading article texts, checking that a LINE or a
 * span fits its article (the reader has no article), merging duplicate rows
 * (the first row wins). */
#include <stdio.h>
#include <string.h>
#include "labels.h"

#define REPORT_MAX 100      /* messages per parse/align call before summarising */
#define MAX_LINE_NO 1000000u /* paragraph lines above this are surely garbage */
#define MAX_OFFSET 100000000u /* span offsets above this (100 M code points) too */

/* ---- reporting ----------------------------------------------------------- */

typedef struct reporter {
    us_report_fn fn;
    void *ud;
    const char *name;
    size_t n_sent, n_held;
} reporter;

static void say(reporter *r, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(reporter *r, uint32_t line, const char *fmt, ...)
{
    if (!r->fn) return;
    if (r->n_sent >= REPORT_MAX) { r->n_held++; return; }
    char msg[768];
    int k = line ? snprintf(msg, sizeof msg, "%s:%u: ", r->name, (unsigned)line)
                 : snprintf(msg, sizeof msg, "%s: ", r->name);
    if (k < 0 || (size_t)k >= sizeof msg) k = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    r->fn(msg, r->ud);
    r->n_sent++;
}

static void say_flush(reporter *r)
{
    if (!r->fn || !r->n_held) return;
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %zu more problems not shown", r->name, r->n_held);
    r->fn(msg, r->ud);
    r->n_held = 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { k = 2; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { k = 3; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 4; min = 0x10000; }
    else return 0;
    if (k > n) return 0;
    unsigned cp = c & (0x7Fu >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

/* Writes a printable, quoted-safe copy of s[0..n) into 'out' (cap >= 300). */
static const char *show(char *out, size_t cap, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0, i = 0;
    while (i < n && k + 8 < cap) {
        if (i >= 60) { memcpy(out + k, "...", 3); k += 3; break; }
        size_t q = utf8_seq(u + i, n - i);
        if (q == 1 && u[i] >= 0x20 && u[i] != 0x7F && u[i] != '"' && u[i] != '\\') {
            out[k++] = (char)u[i++];
        } else if (q > 1) {
            memcpy(out + k, u + i, q);
            k += q;
            i += q;
        } else {
            k += (size_t)snprintf(out + k, cap - k, "\\x%02X", u[i++]);
        }
    }
    out[k] = '\0';
    return out;
}

/* ---- key table: (id, line[, label, start, end]) -> row index ------------- */

typedef struct keytab {
    size_t *slot;       /* (cap): row index + 1, 0 = empty */
    size_t cap;
    const us_label_row *rows;  /* may move as rows grow: refreshed by the caller */
    int spans;
} keytab;

static uint64_t key_hash(const us_label_row *r, int spans)
{
    uint32_t extra[4] = {r->line, spans ? r->labels : 0, spans ? r->start_cp : 0,
                         spans ? r->end_cp : 0};
    uint64_t h = us_hash64(r->id, strlen(r->id), 0x6c6162656c73ull);
    return us_hash64(extra, sizeof extra, h);
}

static int key_eq(const us_label_row *a, const us_label_row *b, int spans)
{
    if (a->line != b->line || strcmp(a->id, b->id) != 0) return 0;
    return !spans || (a->labels == b->labels && a->start_cp == b->start_cp &&
                      a->end_cp == b->end_cp);
}

static int keytab_init(keytab *t, size_t n_max, int spans)
{
    size_t cap = 16;
    while (cap < 2 * n_max + 2) {
        if (cap > SIZE_MAX / 4) return US_ENOMEM;
        cap *= 2;
    }
    t->slot = us_calloc(cap, sizeof *t->slot);
    t->cap = cap;
    t->rows = NULL;
    t->spans = spans;
    return t->slot ? US_OK : US_ENOMEM;
}

static void keytab_fini(keytab *t) { us_free(t->slot); t->slot = NULL; }

/* Returns the index of the row with r's key, or (size_t)-1 after inserting
 * 'idx' for it when 'insert' is set. The table never fills: cap > 2n. */
static size_t keytab_find(keytab *t, const us_label_row *r, size_t idx, int insert)
{
    size_t mask = t->cap - 1, i = (size_t)key_hash(r, t->spans) & mask;
    while (t->slot[i]) {
        if (key_eq(&t->rows[t->slot[i] - 1], r, t->spans)) return t->slot[i] - 1;
        i = (i + 1) & mask;
    }
    if (insert) t->slot[i] = idx + 1;
    return (size_t)-1;
}

/* ---- parsing -------------------------------------------------------------- */

void us_label_file_init(us_label_file *lf, us_task task, int is_spans)
{
    memset(lf, 0, sizeof *lf);
    lf->task = task;
    lf->is_spans = is_spans;
}

void us_label_file_fini(us_label_file *lf)
{
    if (!lf) return;
    us_free(lf->rows);
    lf->rows = NULL;
    lf->n_rows = lf->cap_rows = 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ')) (*n)--;
}

/* Parses a decimal uint32 no larger than 'max'; returns 0 on success. */
static int parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 10) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Looks one label up; reports and counts repairs and unknown names.
 * Returns the label id or -1. */
static int find_label(us_label_file *lf, reporter *rp, uint32_t line, const char *s, size_t n)
{
    char a[320], b[320];
    int repaired = 0;
    int id = us_tax_find(lf->task, s, n, &repaired);
    if (id < 0) {
        lf->n_unknown++;
        say(rp, line, "unknown %s label \"%s\" (dropped)", us_task_name(lf->task),
            show(a, sizeof a, s, n));
        return -1;
    }
    if (repaired) {
        lf->n_repaired++;
        say(rp, line, "repaired label \"%s\" -> \"%s\"", show(b, sizeof b, s, n),
            us_tax_label(lf->task, (size_t)id)->name);
    }
    return id;
}

/* Parses a comma-separated label list into *mask; returns the number of
 * names seen (known or not). */
static size_t parse_list(us_label_file *lf, reporter *rp, uint32_t line, const char *s,
                         size_t n, uint32_t *mask)
{
    size_t n_names = 0;
    *mask = 0;
    trim(&s, &n);
    if (n == 0) return 0;
    for (;;) {
        const char *comma = memchr(s, ',', n);
        size_t k = comma ? (size_t)(comma - s) : n;
        const char *t = s;
        size_t tn = k;
        trim(&t, &tn);
        if (tn == 0) {
            say(rp, line, "empty label name in list (ignored)");
        } else {
            n_names++;
            int id = find_label(lf, rp, line, t, tn);
            if (id >= 0) *mask |= 1u << id;
        }
        if (!comma) break;
        s += k + 1;
        n -= k + 1;
    }
    return n_names;
}

static int add_row(us_label_file *lf, const us_label_row *row)
{
    if (lf->n_rows == lf->cap_rows) {
        size_t cap = lf->cap_rows ? lf->cap_rows * 2 : 256, bytes;
        if (us_mul_ok(cap, sizeof *lf->rows, &bytes) != 0) return US_ENOMEM;
        us_label_row *p = us_realloc(lf->rows, bytes);
        if (!p) return US_ENOMEM;
        lf->rows = p;
        lf->cap_rows = cap;
    }
    lf->rows[lf->n_rows++] = *row;
    return US_OK;
}

/* Parses one line (without its '\n' and '\r'). Returns US_OK, or US_ENOMEM. */
static int parse_line(us_label_file *lf, keytab *kt, reporter *rp, uint32_t line,
                      const char *s, size_t n)
{
    char a[320];
    size_t want = lf->is_spans ? 4 : lf->task == US_TASK_TECHNIQUES ? 3 : 2;
    const char *f[5];
    size_t fn[5], nf = 0;
    size_t i;

    for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++) {}
    if (i == n) return US_OK;   /* blank line */
    for (const char *p = s, *end = s + n;;) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        if (nf < 5) { f[nf] = p; fn[nf] = tab ? (size_t)(tab - p) : (size_t)(end - p); }
        nf++;
        if (!tab) break;
        p = tab + 1;
    }
    if (nf != want) {
        lf->n_skipped++;
        say(rp, line, "expected %zu tab-separated columns, found %zu (row skipped)", want, nf);
        return US_OK;
    }

    us_label_row row;
    memset(&row, 0, sizeof row);
    row.src_line = line;
    const char *id = f[0];
    size_t id_n = fn[0];
    trim(&id, &id_n);
    if (id_n == 0) {
        lf->n_skipped++;
        say(rp, line, "empty id (row skipped)");
        return US_OK;
    }
    if (id_n >= sizeof row.id) {
        lf->n_skipped++;
        say(rp, line, "id \"%s\" longer than %zu bytes (row skipped)", show(a, sizeof a, id, id_n),
            sizeof row.id - 1);
        return US_OK;
    }
    for (i = 0; i < id_n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7F) {
            lf->n_skipped++;
            say(rp, line, "bad id \"%s\": only printable ASCII allowed (row skipped)",
                show(a, sizeof a, id, id_n));
            return US_OK;
        }
    }
    memcpy(row.id, id, id_n);

    if (lf->is_spans) {
        const char *t = f[1];
        size_t tn = fn[1];
        trim(&t, &tn);
        if (tn == 0) {
            lf->n_skipped++;
            say(rp, line, "empty technique (row skipped)");
            return US_OK;
        }
        const char *p2 = f[2], *p3 = f[3];
        size_t n2 = fn[2], n3 = fn[3];
        trim(&p2, &n2);
        trim(&p3, &n3);
        if (parse_u32(p2, n2, MAX_OFFSET, &row.start_cp) != 0 ||
            parse_u32(p3, n3, MAX_OFFSET, &row.end_cp) != 0) {
            char b[320];
            lf->n_skipped++;
            say(rp, line, "bad span offsets \"%s\" \"%s\": not numbers in 0..%u (row skipped)",
                show(a, sizeof a, p2, n2), show(b, sizeof b, p3, n3), MAX_OFFSET);
            return US_OK;
        }
        if (row.start_cp >= row.end_cp) {
            lf->n_skipped++;
            say(rp, line, "bad span offsets: start %u %s end %u (row skipped)",
                (unsigned)row.start_cp, row.start_cp == row.end_cp ? "=" : ">",
                (unsigned)row.end_cp);
            return US_OK;
        }
        int lab = find_label(lf, rp, line, t, tn);
        if (lab < 0) { lf->n_skipped++; return US_OK; }
        row.labels = 1u << lab;
    } else if (lf->task == US_TASK_GENRE) {
        uint32_t mask;
        size_t k = parse_list(lf, rp, line, f[1], fn[1], &mask);
        if (k == 0) {
            lf->n_skipped++;
            say(rp, line, "empty genre (row skipped)");
            return US_OK;
        }
        if (k > 1) {
            lf->n_skipped++;
            say(rp, line, "%zu genres given, exactly one expected (row skipped)", k);
            return US_OK;
        }
        if (!mask) { lf->n_skipped++; return US_OK; }   /* unknown: already reported */
        row.labels = mask;
    } else {
        size_t li = 1;
        if (lf->task == US_TASK_TECHNIQUES) {
            const char *p1 = f[1];
            size_t n1 = fn[1];
            trim(&p1, &n1);
            if (parse_u32(p1, n1, MAX_LINE_NO, &row.line) != 0 || row.line == 0) {
                lf->n_skipped++;
                say(rp, line, "bad line number \"%s\": expected 1..%u (row skipped)",
                    show(a, sizeof a, p1, n1), MAX_LINE_NO);
                return US_OK;
            }
            li = 2;
        }
        parse_list(lf, rp, line, f[li], fn[li], &row.labels);
    }

    kt->rows = lf->rows;
    size_t first = keytab_find(kt, &row, lf->n_rows, 1);
    if (first != (size_t)-1) {
        lf->n_skipped++;
        lf->n_duplicate++;
        if (lf->is_spans)
            say(rp, line, "duplicate span %s %s %u-%u, first at line %u (row skipped)", row.id,
                us_tax_label(lf->task, (size_t)__builtin_ctz(row.labels))->name,
                (unsigned)row.start_cp, (unsigned)row.end_cp, (unsigned)lf->rows[first].src_line);
        else if (lf->task == US_TASK_TECHNIQUES)
            say(rp, line, "duplicate row for id %s line %u, first at line %u (row skipped)",
                row.id, (unsigned)row.line, (unsigned)lf->rows[first].src_line);
        else
            say(rp, line, "duplicate row for id %s, first at line %u (row skipped)", row.id,
                (unsigned)lf->rows[first].src_line);
        return US_OK;
    }
    return add_row(lf, &row);
}

/* Parses 'data' (len bytes, need not be NUL-terminated) and appends its rows.
 * Problems go to 'report' as "name:line: message"; only US_ENOMEM or a bad
 * argument makes the call fail, and then the rows read so far are kept. */
int us_labels_parse(us_label_file *lf, const char *name, const char *data, size_t len,
                    us_report_fn report, void *ud, us_err *err)
{
    reporter rp = {report, ud, name ? name : "<labels>", 0, 0};
    keytab kt;
    size_t n_lines = 1, pos = 0;
    uint32_t lineno = 0;
    int rc = US_OK;

    if (!lf || (!data && len)) return us_err_set(err, US_EINVAL, "%s: bad argument", rp.name);
    if ((unsigned)lf->task >= US_N_TASKS || (lf->is_spans && lf->task != US_TASK_TECHNIQUES))
        return us_err_set(err, US_EINVAL, "%s: bad task for a label file", rp.name);
    for (const char *p = data, *end = data + len; p && p < end; p++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p) break;
        n_lines++;
    }
    if (keytab_init(&kt, lf->n_rows + n_lines, lf->is_spans) != US_OK)
        return us_err_set(err, US_ENOMEM, "%s: out of memory", rp.name);
    kt.rows = lf->rows;
    for (size_t i = 0; i < lf->n_rows; i++) keytab_find(&kt, &lf->rows[i], i, 1);

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    while (pos < len && rc == US_OK) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        if (lineno < UINT32_MAX) lineno++;
        if (n && s[n - 1] == '\r') n--;
        rc = parse_line(lf, &kt, &rp, lineno, s, n);
    }
    keytab_fini(&kt);
    say_flush(&rp);
    if (rc != US_OK) return us_err_set(err, rc, "%s:%u: out of memory", rp.name, (unsigned)lineno);
    return US_OK;
}

int us_labels_read(us_label_file *lf, const char *path, us_report_fn report, void *ud,
                   us_err *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = us_read_file(path, (size_t)1 << 30, &data, &len, err);
    if (rc != US_OK) return rc;
    rc = us_labels_parse(lf, path, data, len, report, ud, err);
    us_free(data);
    return rc;
}

/* ---- writing -------------------------------------------------------------- */

int us_labels_format_row(us_buf *out, us_task task, const us_label_row *row)
{
    size_t n = us_tax_n_labels(task);
    if (!n || !row) return US_EINVAL;
    if (task == US_TASK_TECHNIQUES && row->line == 0) {
        if (!row->labels) return US_EINVAL;
        us_buf_printf(out, "%s\t%s\t%u\t%u\n", row->id,
                      us_tax_label(task, (size_t)__builtin_ctz(row->labels))->name,
                      (unsigned)row->start_cp, (unsigned)row->end_cp);
        return out->oom ? US_ENOMEM : US_OK;
    }
    us_buf_puts(out, row->id);
    if (task == US_TASK_TECHNIQUES) us_buf_printf(out, "\t%u", (unsigned)row->line);
    us_buf_putc(out, '\t');
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!(row->labels & (1u << i))) continue;
        if (!first) us_buf_putc(out, ',');
        us_buf_puts(out, us_tax_label(task, i)->name);
        first = 0;
    }
    us_buf_putc(out, '\n');
    return out->oom ? US_ENOMEM : US_OK;
}

/* ---- aligning predictions with gold --------------------------------------- */

void us_label_align_fini(us_label_align *al)
{
    if (!al) return;
    us_free(al->gold_masks);
    us_free(al->pred_masks);
    memset(al, 0, sizeof *al);
}

int us_labels_align(us_label_align *al, const us_label_file *gold, const char *gold_name,
                    const us_label_file *pred, const char *pred_name, us_report_fn report,
                    void *ud, us_err *err)
{
    reporter rp = {report, ud, pred_name ? pred_name : "<pred>", 0, 0};
    keytab kt;
    unsigned char *used = NULL;
    memset(al, 0, sizeof *al);
    if (gold->task != pred->task || gold->is_spans || pred->is_spans)
        return us_err_set(err, US_EINVAL, "%s: cannot align: different tasks or span files",
                          rp.name);
    if (keytab_init(&kt, pred->n_rows, 0) != US_OK)
        return us_err_set(err, US_ENOMEM, "out of memory");
    kt.rows = pred->rows;
    for (size_t i = 0; i < pred->n_rows; i++) keytab_find(&kt, &pred->rows[i], i, 1);
    size_t n = gold->n_rows ? gold->n_rows : 1;
    al->gold_masks = us_calloc(n, sizeof *al->gold_masks);
    al->pred_masks = us_calloc(n, sizeof *al->pred_masks);
    used = us_calloc(pred->n_rows ? pred->n_rows : 1, 1);
    if (!al->gold_masks || !al->pred_masks || !used) {
        keytab_fini(&kt);
        us_free(used);
        us_label_align_fini(al);
        return us_err_set(err, US_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < gold->n_rows; i++) {
        const us_label_row *g = &gold->rows[i];
        size_t j = keytab_find(&kt, g, 0, 0);
        al->gold_masks[i] = g->labels;
        if (j == (size_t)-1) {
            al->n_missing++;
            if (gold->task == US_TASK_TECHNIQUES)
                say(&rp, 0, "missing prediction for id %s line %u (%s:%u), scored as empty",
                    g->id, (unsigned)g->line, gold_name ? gold_name : "<gold>",
                    (unsigned)g->src_line);
            else
                say(&rp, 0, "missing prediction for id %s (%s:%u), scored as empty", g->id,
                    gold_name ? gold_name : "<gold>", (unsigned)g->src_line);
            continue;
        }
        used[j] = 1;
        al->pred_masks[i] = pred->rows[j].labels;
    }
    for (size_t j = 0; j < pred->n_rows; j++) {
        if (used[j]) continue;
        al->n_extra++;
        if (pred->task == US_TASK_TECHNIQUES)
            say(&rp, pred->rows[j].src_line, "id %s line %u is not in the gold file (ignored)",
                pred->rows[j].id, (unsigned)pred->rows[j].line);
        else
            say(&rp, pred->rows[j].src_line, "id %s is not in the gold file (ignored)",
                pred->rows[j].id);
    }
    al->n_items = gold->n_rows;
    keytab_fini(&kt);
    us_free(used);
    say_flush(&rp);
    return US_OK;
}
