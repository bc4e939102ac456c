/* mfile.c -- the unspin model container (.usm): writer, verifying reader, LE helpers.
 *
 * 2024-06. A .usm file is a small fixed header, a section table and a list of
 * 64-byte aligned, CRC-32C checksummed sections (byte layout in mfile.h). The
 * writer copies sections into memory and serialises them in one pass; saving
 * is atomic (temp file in the same directory, fsync, rename). The reader maps
 * the file read-only (or reads it into a 64-byte aligned buffer when mmap is
 * not possible) and verifies *everything* before it hands out a pointer:
 *
 *   magic, major version, section count, header CRC, declared size against
 *   the real size, reserved field = 0, ids (printable ASCII, no duplicates),
 *   offset alignment, offset+size inside the file (overflow-safe), no overlap
 *   with the header or with each other, zero padding in every gap, and every
 *   section's CRC.
 *
 * With the zero-padding check, every byte of a file is covered by some check,
 * so any single flipped bit is detected (tests/unit/test_mfile.c proves it).
 *
 * Not done here, deliberately: interpreting section contents (linear.c,
 * quant.c... own their payload formats and their count x size checks),
 * compression, and protection against a file being rewritten in place while
 * mapped (save atomically with us_mfw_save; rename never changes a mapping).
 *
 * Environment: UNSPIN_NO_MMAP=1 forces the read() path (tests, odd filesystems).
 *
 * References: Lua ldump.c/lundump.c (header that catches text-mode mangling),
 * PNG signature, redis rdb.c (verify the checksum), CRFsuite crf1d_model.c
 * (chunk ids, byte-by-byte little-endian). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mfile.h"

/* ---- layout constants --------------------------------------------------- */

static const unsigned char MAGIC[8] = {0x89, 'U', 'S', 'M', '\r', '\n', 0x1a, '\n'};

enum {
    OFF_MAJOR = 8,
    OFF_MINOR = 10,
    OFF_NSEC = 12,
    OFF_SIZE = 16,
    OFF_HCRC = 24,
    OFF_RESERVED = 28,
    HEADER_LEN = 32,    /* fixed part */
    ENTRY_LEN = 24,     /* section table entry: id[4] crc u32 off u64 size u64 */
    CRC_PREFIX = 24     /* header CRC covers [0, 24) then the table */
};

/* ---- little-endian helpers ---------------------------------------------- */

void us_put_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

void us_put_u64le(unsigned char *p, uint64_t v)
{
    us_put_u32le(p, (uint32_t)v);
    us_put_u32le(p + 4, (uint32_t)(v >> 32));
}

void us_put_f32le(unsigned char *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);   /* IEEE-754 binary32 assumed (checked below) */
    us_put_u32le(p, u);
}

uint32_t us_get_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t us_get_u64le(const unsigned char *p)
{
    return (uint64_t)us_get_u32le(p) | (uint64_t)us_get_u32le(p + 4) << 32;
}

float us_get_f32le(const unsigned char *p)
{
    uint32_t u = us_get_u32le(p);
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

_Static_assert(sizeof(float) == 4, "unspin model files need 32-bit IEEE-754 floats");

static void put_u16le(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static uint16_t get_u16le(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* An id is exactly 4 printable, non-space ASCII characters. */
static int id_ok(const unsigned char *id)
{
    for (int i = 0; i < 4; i++)
        if (id[i] < 0x21 || id[i] > 0x7e) return 0;
    return 1;
}

/* Rounds 'n' up to a multiple of US_MFILE_ALIGN; returns 0 on overflow. */
static int align_up(uint64_t n, uint64_t *out)
{
    if (n > UINT64_MAX - (US_MFILE_ALIGN - 1)) return 0;
    *out = (n + (US_MFILE_ALIGN - 1)) & ~(uint64_t)(US_MFILE_ALIGN - 1);
    return 1;
}

/* ---- writer -------------------------------------------------------------- */

typedef struct wsec {
    unsigned char id[4];
    void *data;         /* owned copy, NULL when len == 0 */
    size_t len;
} wsec;

struct us_mfw {
    size_t n_secs;
    wsec secs[US_MFILE_MAX_SECTIONS];
};

/* Returns a new empty writer, or NULL when out of memory. Free with us_mfw_free. */
us_mfw *us_mfw_new(void)
{
    us_mfw *w = us_malloc(sizeof *w);
    if (w) w->n_secs = 0;
    return w;
}

/* Frees the writer and its section copies; NULL is a no-op. */
void us_mfw_free(us_mfw *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n_secs; i++) us_free(w->secs[i].data);
    us_free(w);
}

/* Adds section 'id' with a copy of data[0..len). See mfile.h for errors. */
int us_mfw_add(us_mfw *w, const char *id, const void *data, size_t len, us_err *err)
{
    if (!w || !id || (len && !data)) return us_err_set(err, US_EINVAL, "us_mfw_add: NULL argument");
    if (strlen(id) != 4 || !id_ok((const unsigned char *)id))
        return us_err_set(err, US_EINVAL,
                          "section id '%.16s' is not 4 printable ASCII characters", id);
    for (size_t i = 0; i < w->n_secs; i++)
        if (memcmp(w->secs[i].id, id, 4) == 0)
            return us_err_set(err, US_EINVAL, "duplicate section id '%s'", id);
    if (w->n_secs >= US_MFILE_MAX_SECTIONS)
        return us_err_set(err, US_ETOOBIG, "too many sections (limit %d)",
                          US_MFILE_MAX_SECTIONS);
    if ((uint64_t)len > UINT64_MAX / 2)
        return us_err_set(err, US_ETOOBIG, "section '%s' is too large", id);
    void *copy = NULL;
    if (len) {
        copy = us_malloc(len);
        if (!copy) return us_err_set(err, US_ENOMEM, "out of memory copying section '%s'", id);
        memcpy(copy, data, len);
    }
    wsec *s = &w->secs[w->n_secs++];
    memcpy(s->id, id, 4);
    s->data = copy;
    s->len = len;
    return US_OK;
}

/* Computes every section's offset and the total size. OUT: offs[n_secs], *total. */
static int plan_layout(const us_mfw *w, uint64_t *offs, uint64_t *total)
{
    uint64_t pos = HEADER_LEN + (uint64_t)ENTRY_LEN * w->n_secs;
    for (size_t i = 0; i < w->n_secs; i++) {
        if (!align_up(pos, &pos)) return 0;
        offs[i] = pos;
        if ((uint64_t)w->secs[i].len > UINT64_MAX - pos) return 0;
        pos += w->secs[i].len;
    }
    if (!align_up(pos, &pos)) return 0;   /* the file ends on a boundary too */
    *total = pos;
    return 1;
}

/* Serialises the container with format minor version 'minor'.
 * OUT: *out (new buffer, caller frees with us_free), *out_len.
 * Errors: US_EINVAL, US_ETOOBIG (size overflows size_t), US_ENOMEM. */
int us_mfw_to_memory(const us_mfw *w, uint16_t minor, void **out, size_t *out_len, us_err *err)
{
    if (!w || !out || !out_len)
        return us_err_set(err, US_EINVAL, "us_mfw_to_memory: NULL argument");
    uint64_t offs[US_MFILE_MAX_SECTIONS];
    uint64_t total;
    if (!plan_layout(w, offs, &total) || total > SIZE_MAX)
        return us_err_set(err, US_ETOOBIG, "model is too large to serialise");
    unsigned char *p = us_malloc((size_t)total);
    if (!p) return us_err_set(err, US_ENOMEM, "out of memory serialising the model (%llu bytes)",
                              (unsigned long long)total);
    memset(p, 0, (size_t)total);   /* zero padding everywhere, reserved = 0 */
    memcpy(p, MAGIC, sizeof MAGIC);
    put_u16le(p + OFF_MAJOR, US_MFILE_MAJOR);
    put_u16le(p + OFF_MINOR, minor);
    us_put_u32le(p + OFF_NSEC, (uint32_t)w->n_secs);
    us_put_u64le(p + OFF_SIZE, total);
    for (size_t i = 0; i < w->n_secs; i++) {
        const wsec *s = &w->secs[i];
        unsigned char *e = p + HEADER_LEN + ENTRY_LEN * i;
        if (s->len) memcpy(p + offs[i], s->data, s->len);
        memcpy(e, s->id, 4);
        us_put_u32le(e + 4, us_crc32c(0, p + offs[i], s->len));
        us_put_u64le(e + 8, offs[i]);
        us_put_u64le(e + 16, (uint64_t)s->len);
    }
    uint32_t crc = us_crc32c(0, p, CRC_PREFIX);
    crc = us_crc32c(crc, p + HEADER_LEN, ENTRY_LEN * w->n_secs);
    us_put_u32le(p + OFF_HCRC, crc);
    *out = p;
    *out_len = (size_t)total;
    return US_OK;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Opens a fresh temp file next to 'path' ("path.tmp.PID.N", mode 0666 & ~umask).
 * OUT: *tmp_name (caller frees). Returns the fd or -1 (errno set; *tmp_name NULL). */
static int open_temp(const char *path, char **tmp_name)
{
    static unsigned counter;   /* only makes names differ; races just retry */
    size_t cap = strlen(path) + 48;
    char *name = us_malloc(cap);
    *tmp_name = NULL;
    if (!name) { errno = ENOMEM; return -1; }
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(name, cap, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) { *tmp_name = name; return fd; }
        if (errno != EEXIST) break;
    }
    int e = errno;
    us_free(name);
    errno = e;
    return -1;
}

/* Best effort: makes the rename durable by syncing the containing directory. */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? us_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : us_strdup(".");
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    us_free(dir);
}

/* Writes the model to 'path' atomically: serialise, write a temp file in the
 * same directory, fsync, rename over 'path'. On failure the temp file is
 * removed and 'path' is untouched. Errors: US_EIO, US_ENOMEM, US_ETOOBIG. */
int us_mfw_save(const us_mfw *w, const char *path, us_err *err)
{
    if (!w || !path || !*path) return us_err_set(err, US_EINVAL, "us_mfw_save: NULL argument");
    void *buf;
    size_t len;
    int rc = us_mfw_to_memory(w, US_MFILE_MINOR, &buf, &len, err);
    if (rc != US_OK) {
        us_err_prefix(err, "%s", path);
        return rc;
    }
    char *tmp;
    int fd = open_temp(path, &tmp);
    if (fd < 0) {
        rc = errno == ENOMEM ? us_err_set(err, US_ENOMEM, "%s: out of memory", path)
                             : us_err_set(err, US_EIO, "%s: cannot create a temp file: %s", path,
                                          strerror(errno));
        us_free(buf);
        return rc;
    }
    const char *what = NULL;
    if (write_all(fd, buf, len) != 0) what = "write";
    else if (fsync(fd) != 0) what = "fsync";
    int e = errno;
    if (close(fd) != 0 && !what) { what = "close"; e = errno; }
    if (!what && rename(tmp, path) != 0) { what = "rename"; e = errno; }
    if (what) {
        unlink(tmp);
        rc = us_err_set(err, US_EIO, "%s: %s failed: %s", path, what, strerror(e));
    } else {
        sync_dir_of(path);
    }
    us_free(tmp);
    us_free(buf);
    return rc;
}

/* ---- reader: verification ------------------------------------------------ */

typedef struct rsec {
    char id[5];
    uint32_t crc;
    uint64_t off;
    uint64_t len;
    int checked;                 /* CRC verified (lazy files check at first use) */
} rsec;

struct us_mfile {
    const unsigned char *base;   /* 64-byte aligned file bytes, read-only */
    size_t size;
    void *map;                   /* mmap'ed region (munmap), or NULL */
    void *raw;                   /* us_malloc'ed block holding 'base' (us_free), or NULL */
    uint16_t minor;
    size_t n_secs;
    rsec secs[];                 /* in file table order */
};

typedef struct span {
    uint64_t off, len;
    size_t idx;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return 0;
}

/* Returns the index of the first nonzero byte in p[from, to), or 'to'. */
static uint64_t first_nonzero(const unsigned char *p, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++)
        if (p[i]) return i;
    return to;
}

/* Verifies p[0, n) as a model file ('lazy': all but the sections' CRCs).
 * 'name' prefixes messages. On success fills secs[] (room for
 * US_MFILE_MAX_SECTIONS), *n_secs and *minor. */
static int verify(const unsigned char *p, size_t n, const char *name, int lazy, rsec *secs,
                  size_t *n_secs, uint16_t *minor, us_err *err)
{
    if (n == 0) return us_err_set(err, US_EFORMAT, "%s: empty file (not an unspin model)", name);
    size_t m = n < sizeof MAGIC ? n : sizeof MAGIC;
    if (memcmp(p, MAGIC, m) != 0) {
        if (m >= 6 && memcmp(p + 1, "USM", 3) == 0)
            return us_err_set(err, US_EFORMAT,
                              "%s: bad magic (line endings or high bit mangled; "
                              "was it transferred in text mode?)", name);
        return us_err_set(err, US_EFORMAT, "%s: bad magic (not an unspin model)", name);
    }
    if (n < OFF_MINOR)
        return us_err_set(err, US_EFORMAT, "%s: truncated: file has %zu bytes, less than the "
                          "%d-byte header", name, n, HEADER_LEN);
    /* The major version comes first: another major may lay out the rest differently. */
    unsigned major = get_u16le(p + OFF_MAJOR);
    if (major > US_MFILE_MAJOR)
        return us_err_set(err, US_EVERSION,
                          "%s: format version %u.%u is newer than this unspin (%d.x)\n"
                          "HINT: upgrade unspin or retrain the model", name, major,
                          n >= OFF_NSEC ? get_u16le(p + OFF_MINOR) : 0u, US_MFILE_MAJOR);
    if (major < US_MFILE_MAJOR)
        return us_err_set(err, US_EVERSION,
                          "%s: format version %u.x is older than this unspin supports (%d.x)\n"
                          "HINT: retrain the model", name, major, US_MFILE_MAJOR);
    if (n < HEADER_LEN) {
        if (n >= OFF_HCRC)
            return us_err_set(err, US_EFORMAT, "%s: truncated: header says %llu bytes, file "
                              "has %zu", name, (unsigned long long)us_get_u64le(p + OFF_SIZE), n);
        return us_err_set(err, US_EFORMAT, "%s: truncated: file has %zu bytes, less than the "
                          "%d-byte header", name, n, HEADER_LEN);
    }
    uint64_t declared = us_get_u64le(p + OFF_SIZE);
    uint32_t count = us_get_u32le(p + OFF_NSEC);
    if (count > US_MFILE_MAX_SECTIONS)
        return us_err_set(err, US_EFORMAT, "%s: header claims %lu sections (limit %d; file "
                          "corrupted)", name, (unsigned long)count, US_MFILE_MAX_SECTIONS);
    uint64_t table_end = HEADER_LEN + (uint64_t)ENTRY_LEN * count;
    if (table_end > n) {
        if (declared > n)
            return us_err_set(err, US_EFORMAT, "%s: truncated: header says %llu bytes, file "
                              "has %zu", name, (unsigned long long)declared, n);
        return us_err_set(err, US_EFORMAT, "%s: section table (%lu entries) runs past the end "
                          "of the file (file corrupted)", name, (unsigned long)count);
    }
    /* The table is readable: check the header CRC before trusting any field. */
    uint32_t crc = us_crc32c(0, p, CRC_PREFIX);
    crc = us_crc32c(crc, p + HEADER_LEN, (size_t)(table_end - HEADER_LEN));
    if (crc != us_get_u32le(p + OFF_HCRC))
        return us_err_set(err, US_ECHECKSUM, "%s: header checksum mismatch (file corrupted)",
                          name);
    if (declared > n)
        return us_err_set(err, US_EFORMAT, "%s: truncated: header says %llu bytes, file has %zu",
                          name, (unsigned long long)declared, n);
    if (declared < n)
        return us_err_set(err, US_EFORMAT, "%s: %llu bytes of trailing data: header says %llu "
                          "bytes, file has %zu", name, (unsigned long long)(n - declared),
                          (unsigned long long)declared, n);
    if (us_get_u32le(p + OFF_RESERVED) != 0)
        return us_err_set(err, US_EFORMAT, "%s: reserved header field is not zero (file "
                          "corrupted)", name);

    /* Section table: each entry alone, then the layout as a whole. */
    span spans[US_MFILE_MAX_SECTIONS];
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *e = p + HEADER_LEN + (size_t)ENTRY_LEN * i;
        rsec *s = &secs[i];
        if (!id_ok(e))
            return us_err_set(err, US_EFORMAT, "%s: section %lu has an invalid id (file "
                              "corrupted)", name, (unsigned long)i);
        memcpy(s->id, e, 4);
        s->id[4] = '\0';
        s->crc = us_get_u32le(e + 4);
        s->off = us_get_u64le(e + 8);
        s->len = us_get_u64le(e + 16);
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(secs[j].id, s->id, 4) == 0)
                return us_err_set(err, US_EFORMAT, "%s: duplicate section %s (file corrupted)",
                                  name, s->id);
        if (s->off % US_MFILE_ALIGN != 0)
            return us_err_set(err, US_EFORMAT, "%s: section %s offset %llu is not %d-byte "
                              "aligned (file corrupted)", name, s->id,
                              (unsigned long long)s->off, US_MFILE_ALIGN);
        if (s->off < table_end)
            return us_err_set(err, US_EFORMAT, "%s: section %s overlaps the header (file "
                              "corrupted)", name, s->id);
        if (s->off > n || s->len > n - s->off)   /* overflow-safe off + len <= n */
            return us_err_set(err, US_EFORMAT, "%s: section %s (offset %llu, %llu bytes) runs "
                              "past the end of the file (%zu bytes)", name, s->id,
                              (unsigned long long)s->off, (unsigned long long)s->len, n);
        spans[i] = (span){s->off, s->len, i};
    }
    qsort(spans, count, sizeof spans[0], span_cmp);
    uint64_t cursor = table_end;   /* everything before 'cursor' has been accounted for */
    for (uint32_t i = 0; i < count; i++) {
        if (spans[i].off < cursor)
            return us_err_set(err, US_EFORMAT, "%s: section %s overlaps another section (file "
                              "corrupted)", name, secs[spans[i].idx].id);
        uint64_t bad = first_nonzero(p, cursor, spans[i].off);
        if (bad != spans[i].off)
            return us_err_set(err, US_EFORMAT, "%s: nonzero padding byte at offset %llu (file "
                              "corrupted)", name, (unsigned long long)bad);
        cursor = spans[i].off + spans[i].len;
    }
    uint64_t bad = first_nonzero(p, cursor, n);
    if (bad != n)
        return us_err_set(err, US_EFORMAT, "%s: nonzero padding byte at offset %llu (file "
                          "corrupted)", name, (unsigned long long)bad);
    for (uint32_t i = 0; i < count; i++) {
        secs[i].checked = !lazy;
        if (!lazy && us_crc32c(0, p + secs[i].off, (size_t)secs[i].len) != secs[i].crc)
            return us_err_set(err, US_ECHECKSUM, "%s: section %s checksum mismatch (file "
                              "corrupted)", name, secs[i].id);
    }
    *n_secs = count;
    *minor = get_u16le(p + OFF_MINOR);
    return US_OK;
}

/* Verifies p[0, n) and wraps it in a new us_mfile that takes over 'map'
 * (length n) or 'raw'. On failure the caller still owns both. */
static us_mfile *wrap(const unsigned char *p, size_t n, void *map, void *raw, const char *name,
                      int lazy, us_err *err)
{
    rsec secs[US_MFILE_MAX_SECTIONS];
    size_t n_secs = 0;
    uint16_t minor = 0;
    if (verify(p, n, name, lazy, secs, &n_secs, &minor, err) != US_OK) return NULL;
    us_mfile *m = us_malloc(sizeof *m + n_secs * sizeof(rsec));
    if (!m) {
        us_err_set(err, US_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    m->base = p;
    m->size = n;
    m->map = map;
    m->raw = raw;
    m->minor = minor;
    m->n_secs = n_secs;
    if (n_secs) memcpy(m->secs, secs, n_secs * sizeof(rsec));
    return m;
}

/* Allocates n bytes starting on a 64-byte boundary. OUT: *raw (pass to us_free). */
static unsigned char *alloc_aligned(size_t n, void **raw)
{
    if (n > SIZE_MAX - US_MFILE_ALIGN) return NULL;
    unsigned char *r = us_malloc(n + US_MFILE_ALIGN);
    *raw = r;
    if (!r) return NULL;
    uintptr_t a = ((uintptr_t)r + (US_MFILE_ALIGN - 1)) & ~(uintptr_t)(US_MFILE_ALIGN - 1);
    return r + (a - (uintptr_t)r);
}

/* ---- reader: API --------------------------------------------------------- */

/* Verifies a model held in memory; the bytes are copied into a 64-byte aligned
 * buffer, so 'data' may be freed afterwards. Returns NULL and fills 'err'
 * (messages are prefixed "<memory>") on failure. Free with us_mfile_close. */
us_mfile *us_mfile_from_memory(const void *data, size_t len, us_err *err)
{
    if (!data && len) {
        us_err_set(err, US_EINVAL, "us_mfile_from_memory: NULL data");
        return NULL;
    }
    void *raw;
    unsigned char *p = alloc_aligned(len, &raw);
    if (!p) {
        us_free(raw);
        us_err_set(err, US_ENOMEM, "<memory>: out of memory copying %zu bytes", len);
        return NULL;
    }
    if (len) memcpy(p, data, len);
    us_mfile *m = wrap(p, len, NULL, raw, "<memory>", 0, err);
    if (!m) us_free(raw);
    return m;
}

/* Reads fd to the end into a 64-byte aligned buffer ('hint' = expected size).
 * OUT: *raw (us_free), *out_len. Returns the data or NULL (errno set). */
static unsigned char *read_all(int fd, size_t hint, void **raw, size_t *out_len)
{
    size_t cap = hint ? hint + 1 : 65536, len = 0;   /* +1 so EOF is seen in one pass */
    unsigned char *p = alloc_aligned(cap, raw);
    if (!p) { us_free(*raw); *raw = NULL; errno = ENOMEM; return NULL; }
    for (;;) {
        if (len == cap) {
            void *nraw;
            if (cap > SIZE_MAX / 2) { errno = EFBIG; goto fail; }
            unsigned char *np = alloc_aligned(cap * 2, &nraw);
            if (!np) { us_free(nraw); errno = ENOMEM; goto fail; }
            memcpy(np, p, len);
            us_free(*raw);
            *raw = nraw;
            p = np;
            cap *= 2;
        }
        ssize_t k = read(fd, p + len, cap - len);
        if (k < 0) {
            if (errno == EINTR) continue;
            goto fail;
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    *out_len = len;
    return p;
fail:;
    int e = errno;
    us_free(*raw);
    *raw = NULL;
    errno = e;
    return NULL;
}

/* Opens and verifies the model file at 'path' ('lazy': sections' CRCs at
 * first use). Regular files are mapped read-only; other files (pipes) or a
 * failed mmap use read(). Returns NULL on failure with a message naming
 * 'path': US_ENOTFOUND (no such file), US_EIO, US_ENOMEM, US_ETOOBIG,
 * US_EFORMAT, US_EVERSION, US_ECHECKSUM. */
static us_mfile *open_file(const char *path, int lazy, us_err *err)
{
    if (!path) {
        us_err_set(err, US_EINVAL, "us_mfile_open: NULL path");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        us_err_set(err, errno == ENOENT ? US_ENOTFOUND : US_EIO, "%s: cannot open: %s", path,
                   strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        us_err_set(err, US_EIO, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        us_err_set(err, US_EIO, "%s: is a directory, not a model file", path);
        close(fd);
        return NULL;
    }
    int regular = S_ISREG(st.st_mode);
    if (regular && (uintmax_t)st.st_size > SIZE_MAX - US_MFILE_ALIGN) {
        us_err_set(err, US_ETOOBIG, "%s: file too large for this machine", path);
        close(fd);
        return NULL;
    }
    size_t size = regular ? (size_t)st.st_size : 0;
    const char *no_mmap = getenv("UNSPIN_NO_MMAP");
    if (regular && size > 0 && !(no_mmap && *no_mmap && strcmp(no_mmap, "0") != 0)) {
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            us_mfile *m = wrap(map, size, map, NULL, path, lazy, err);
            if (!m) munmap(map, size);
            return m;
        }
    }
    void *raw;
    size_t len;
    unsigned char *p = read_all(fd, size, &raw, &len);
    int e = errno;
    close(fd);
    if (!p) {
        if (e == ENOMEM) us_err_set(err, US_ENOMEM, "%s: out of memory reading the file", path);
        else us_err_set(err, US_EIO, "%s: read error: %s", path, strerror(e));
        return NULL;
    }
    us_mfile *m = wrap(p, len, NULL, raw, path, lazy, err);
    if (!m) us_free(raw);
    return m;
}

us_mfile *us_mfile_open(const char *path, us_err *err) { return open_file(path, 0, err); }

us_mfile *us_mfile_open_lazy(const char *path, us_err *err) { return open_file(path, 1, err); }

/* Unmaps or frees the file; every pointer from us_mfile_section dies. NULL is a no-op. */
void us_mfile_close(us_mfile *m)
{
    if (!m) return;
    if (m->map) munmap(m->map, m->size);
    us_free(m->raw);
    us_free(m);
}

/* Finds section 'id' (a 4-character string). OUT: *data (64-byte aligned,
 * inside the file, valid until us_mfile_close; either may be NULL), *len.
 * Returns US_OK or US_ENOTFOUND. */
/* Index of section 'id' in m->secs, or m->n_secs when absent. */
static size_t find_section(const us_mfile *m, const char *id)
{
    size_t i = 0;
    if (id && strlen(id) == 4)
        while (i < m->n_secs && memcmp(m->secs[i].id, id, 4) != 0) i++;
    else
        i = m->n_secs;
    return i;
}

int us_mfile_section(const us_mfile *m, const char *id, const void **data, size_t *len)
{
    if (!m) return US_ENOTFOUND;
    size_t i = find_section(m, id);
    if (i == m->n_secs) return US_ENOTFOUND;
    if (data) *data = m->base + m->secs[i].off;
    if (len) *len = (size_t)m->secs[i].len;
    return US_OK;
}

/* us_mfile_section, with the section's CRC checked at its first use (files
 * from us_mfile_open_lazy; other files were checked whole). Not thread-safe:
 * for loaders. Returns US_OK, US_ENOTFOUND, or US_ECHECKSUM with a message. */
int us_mfile_section_verified(us_mfile *m, const char *id, const void **data, size_t *len,
                              us_err *err)
{
    if (!m) return US_ENOTFOUND;
    size_t i = find_section(m, id);
    if (i == m->n_secs) return US_ENOTFOUND;
    rsec *s = &m->secs[i];
    if (!s->checked) {
        if (us_crc32c(0, m->base + s->off, (size_t)s->len) != s->crc)
            return us_err_set(err, US_ECHECKSUM, "section %s checksum mismatch (file "
                              "corrupted)", s->id);
        s->checked = 1;
    }
    if (data) *data = m->base + s->off;
    if (len) *len = (size_t)s->len;
    return US_OK;
}

uint16_t us_mfile_minor(const us_mfile *m) { return m ? m->minor : 0; }

size_t us_mfile_n_sections(const us_mfile *m) { return m ? m->n_secs : 0; }

/* The i-th section in table order. OUT (each may be NULL): id5 ("WGT0\0"),
 * *off, *len, *crc. Returns US_OK or US_ENOTFOUND when i is out of range. */
int us_mfile_section_at(const us_mfile *m, size_t i, char id5[5], uint64_t *off, uint64_t *len,
                        uint32_t *crc)
{
    if (!m || i >= m->n_secs) return US_ENOTFOUND;
    const rsec *s = &m->secs[i];
    if (id5) memcpy(id5, s->id, 5);
    if (off) *off = s->off;
    if (len) *len = s->len;
    if (crc) *crc = s->crc;
    return US_OK;
}
