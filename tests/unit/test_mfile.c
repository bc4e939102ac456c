/* test_mfile.c -- the .usm container: round trips, every truncation, every bit
 * flip, versions, foreign files, limits, allocation failures, fixtures. */
#include "harness.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "model/mfile.h"

/* ---- helpers ------------------------------------------------------------- */

#define FIX_MODELS US_FIXTURES "/models"

static const char META[] = "lang=en\nseed=42\nbuckets=1024\n";

/* Fills a deterministic byte pattern. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed * 131u + i * 7u + (i >> 8));
}

/* Sections of the standard test model: text, odd-sized, empty, large, 1 byte. */
typedef struct tsec {
    const char *id;
    size_t len;
} tsec;
static const tsec TSECS[] = {{"META", sizeof META - 1}, {"ODD7", 7}, {"EMPT", 0},
                             {"WGT0", 1000}, {"ONE1", 1}, {"EMP2", 0}};

static const void *tsec_data(size_t i, unsigned char *scratch)
{
    if (i == 0) return META;
    pattern(scratch, TSECS[i].len, (unsigned)i);
    return TSECS[i].len ? scratch : NULL;
}

static us_mfw *build_writer(void)
{
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    unsigned char scratch[1000];
    us_err err = {0};
    for (size_t i = 0; i < US_ARRAY_LEN(TSECS); i++)
        assert_int_equal(us_mfw_add(w, TSECS[i].id, tsec_data(i, scratch), TSECS[i].len, &err),
                         US_OK);
    return w;
}

static void check_model(const us_mfile *m)
{
    unsigned char scratch[1000];
    assert_int_equal(us_mfile_n_sections(m), US_ARRAY_LEN(TSECS));
    for (size_t i = 0; i < US_ARRAY_LEN(TSECS); i++) {
        const void *d = NULL;
        size_t len = 99;
        assert_int_equal(us_mfile_section(m, TSECS[i].id, &d, &len), US_OK);
        assert_int_equal(len, TSECS[i].len);
        assert_non_null(d);
        assert_int_equal((uintptr_t)d % US_MFILE_ALIGN, 0);
        if (len) assert_memory_equal(d, tsec_data(i, scratch), len);
        char id5[5];
        uint64_t off, slen;
        uint32_t crc;
        assert_int_equal(us_mfile_section_at(m, i, id5, &off, &slen, &crc), US_OK);
        assert_string_equal(id5, TSECS[i].id);
        assert_int_equal(off % US_MFILE_ALIGN, 0);
        assert_int_equal(slen, TSECS[i].len);
        assert_int_equal(crc, us_crc32c(0, d, len));
    }
    assert_int_equal(us_mfile_section(m, "NOPE", NULL, NULL), US_ENOTFOUND);
    assert_int_equal(us_mfile_section(m, "MET", NULL, NULL), US_ENOTFOUND);
    assert_int_equal(us_mfile_section(m, "METAX", NULL, NULL), US_ENOTFOUND);
    assert_int_equal(us_mfile_section_at(m, US_ARRAY_LEN(TSECS), NULL, NULL, NULL, NULL),
                     US_ENOTFOUND);
}

/* Serialises the standard model. OUT: *len. Caller frees with us_free. */
static unsigned char *standard_bytes(size_t *len)
{
    us_mfw *w = build_writer();
    void *buf = NULL;
    us_err err = {0};
    assert_int_equal(us_mfw_to_memory(w, US_MFILE_MINOR, &buf, len, &err), US_OK);
    us_mfw_free(w);
    return buf;
}

/* A small model for the exhaustive loops: two short sections and an empty one. */
static unsigned char *small_bytes(size_t *len)
{
    us_mfw *w = us_mfw_new();
    assert_non_null(w);
    assert_int_equal(us_mfw_add(w, "META", "a=1\n", 4, NULL), US_OK);
    assert_int_equal(us_mfw_add(w, "WGT0", "\x01\x02\x03\x04\x05", 5, NULL), US_OK);
    assert_int_equal(us_mfw_add(w, "EMPT", NULL, 0, NULL), US_OK);
    void *buf = NULL;
    assert_int_equal(us_mfw_to_memory(w, US_MFILE_MINOR, &buf, len, NULL), US_OK);
    us_mfw_free(w);
    return buf;
}

/* Recomputes the header CRC so that only the check under test can fire. */
static void resign(unsigned char *p)
{
    uint32_t n = us_get_u32le(p + 12);
    uint32_t crc = us_crc32c(0, p, 24);
    crc = us_crc32c(crc, p + 32, 24 * (size_t)n);
    us_put_u32le(p + 24, crc);
}

/* Loads p[0,n) from memory, expects failure with 'code'; returns the message. */
static const char *expect_fail(const void *p, size_t n, int code)
{
    static us_err err;
    memset(&err, 0, sizeof err);
    us_mfile *m = us_mfile_from_memory(p, n, &err);
    if (m) {
        us_mfile_close(m);
        fail_msg("load of %zu bytes succeeded, expected %s", n, us_strerror(code));
    }
    if (err.code != code)
        fail_msg("expected %s, got %s: %s", us_strerror(code), us_strerror(err.code), err.msg);
    return err.msg;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static size_t count_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* ---- tests ------------------------------------------------------------- */

/* Bit-at-a-time CRC-32C, independent of the library's table and instruction paths. */
static uint32_t crc_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

/* The check value of the standard, and long buffers (the three-stream path
 * of the SSE4.2 code starts at 24 KiB) at odd lengths, offsets and splits. */
static void test_crc32c(void **state)
{
    (void)state;
    assert_int_equal(us_crc32c(0, "123456789", 9), 0xE3069283u);
    size_t cap = 200000;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    pattern(buf, cap, 7);
    const size_t lens[] = {0, 1, 7, 8, 24575, 24576, 24577, 49152 + 13, 100003, 199990};
    for (size_t i = 0; i < US_ARRAY_LEN(lens); i++)
        for (size_t off = 0; off < 4; off += 3) {
            size_t n = lens[i];
            uint32_t want = crc_bitwise(0, buf + off, n);
            assert_int_equal(us_crc32c(0, buf + off, n), want);
            size_t cut = n / 3;   /* incremental: crc of a prefix continued */
            assert_int_equal(us_crc32c(us_crc32c(0, buf + off, cut), buf + off + cut, n - cut), want);
        }
    free(buf);
}

static void test_le_helpers(void **state)
{
    (void)state;
    unsigned char b[8];
    us_put_u32le(b, 0x11223344u);
    assert_memory_equal(b, "\x44\x33\x22\x11", 4);
    assert_int_equal(us_get_u32le(b), 0x11223344u);
    us_put_u64le(b, 0x0102030405060708ull);
    assert_memory_equal(b, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_true(us_get_u64le(b) == 0x0102030405060708ull);
    us_put_f32le(b, 1.0f);
    assert_memory_equal(b, "\x00\x00\x80\x3f", 4);
    us_put_f32le(b, -2.5f);
    assert_true(us_get_f32le(b) == -2.5f);
    us_put_u32le(b, 0xffffffffu);
    assert_int_equal(us_get_u32le(b), 0xffffffffu);
}

static void test_roundtrip_memory(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = standard_bytes(&len);
    assert_int_equal(len % US_MFILE_ALIGN, 0);
    assert_memory_equal(buf, "\x89USM\r\n\x1a\n", 8);
    us_err err = {0};
    us_mfile *m = us_mfile_from_memory(buf, len, &err);
    assert_non_null(m);
    us_free(buf);   /* the reader holds its own copy */
    check_model(m);
    assert_int_equal(us_mfile_minor(m), US_MFILE_MINOR);
    us_mfile_close(m);
    us_mfile_close(NULL);
    us_mfw_free(NULL);

    /* Misaligned source buffer: the copy is still aligned. */
    buf = standard_bytes(&len);
    unsigned char *odd = malloc(len + 3);
    assert_non_null(odd);
    memcpy(odd + 3, buf, len);
    m = us_mfile_from_memory(odd + 3, len, NULL);
    assert_non_null(m);
    check_model(m);
    us_mfile_close(m);
    free(odd);
    us_free(buf);

    /* A model with no sections at all is valid. */
    us_mfw *w = us_mfw_new();
    void *b0;
    size_t n0;
    assert_int_equal(us_mfw_to_memory(w, US_MFILE_MINOR, &b0, &n0, NULL), US_OK);
    assert_int_equal(n0, 64);
    m = us_mfile_from_memory(b0, n0, NULL);
    assert_non_null(m);
    assert_int_equal(us_mfile_n_sections(m), 0);
    us_mfile_close(m);
    us_free(b0);
    us_mfw_free(w);
}

static void test_roundtrip_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/unspin-mfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.usm", dir);
    us_mfw *w = build_writer();
    us_err err = {0};
    assert_int_equal(us_mfw_save(w, path, &err), US_OK);
    assert_int_equal(us_mfw_save(w, path, &err), US_OK);   /* overwrite in place */
    assert_int_equal(count_dir_entries(dir), 1);            /* no temp file left */

    us_mfile *m = us_mfile_open(path, &err);
    assert_non_null(m);
    check_model(m);
    us_mfile_close(m);

    /* The read() fallback gives the same view. */
    setenv("UNSPIN_NO_MMAP", "1", 1);
    m = us_mfile_open(path, &err);
    unsetenv("UNSPIN_NO_MMAP");
    assert_non_null(m);
    check_model(m);
    us_mfile_close(m);

    /* Saving into a missing directory fails cleanly and leaves nothing. */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/model.usm", dir);
    assert_int_equal(us_mfw_save(w, bad, &err), US_EIO);
    assert_contains(err.msg, bad);
    assert_int_equal(count_dir_entries(dir), 1);

    /* A file that fails verification through open() names the path. */
    char trunc[300];
    snprintf(trunc, sizeof trunc, "%s/trunc.usm", dir);
    size_t len;
    unsigned char *buf = standard_bytes(&len);
    write_bytes(trunc, buf, 100);
    assert_null(us_mfile_open(trunc, &err));
    assert_int_equal(err.code, US_EFORMAT);
    assert_contains(err.msg, trunc);
    setenv("UNSPIN_NO_MMAP", "1", 1);
    assert_null(us_mfile_open(trunc, &err));
    unsetenv("UNSPIN_NO_MMAP");
    assert_int_equal(err.code, US_EFORMAT);
    us_free(buf);

    unlink(trunc);
    unlink(path);
    us_mfw_free(w);
    assert_int_equal(rmdir(dir), 0);
}

/* A FIFO cannot be mapped: the read() path with an unknown size. */
static void test_open_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/unspin-mfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/pipe.usm", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    size_t len;
    unsigned char *buf = standard_bytes(&len);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY);
        size_t off = 0;
        while (fd >= 0 && off < len) {
            ssize_t k = write(fd, buf + off, len - off);
            if (k <= 0) break;
            off += (size_t)k;
        }
        _exit(off == len ? 0 : 1);
    }
    us_err err = {0};
    us_mfile *m = us_mfile_open(path, &err);
    int status;
    waitpid(pid, &status, 0);
    if (!m) fail_msg("%s", err.msg);
    check_model(m);
    us_mfile_close(m);
    us_free(buf);
    unlink(path);
    rmdir(dir);
}

static void test_truncation_every_length(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = small_bytes(&len);
    for (size_t n = 0; n < len; n++) {
        const char *msg = expect_fail(buf, n, US_EFORMAT);
        assert_contains(msg, "<memory>: ");
    }
    /* Exact messages at a few boundaries. */
    assert_contains(expect_fail(buf, 0, US_EFORMAT), "empty file");
    assert_contains(expect_fail(buf, 5, US_EFORMAT), "truncated");
    char want[128];
    snprintf(want, sizeof want, "truncated: header says %zu bytes, file has 100", len);
    assert_contains(expect_fail(buf, 100, US_EFORMAT), want);
    snprintf(want, sizeof want, "truncated: header says %zu bytes, file has %zu", len, len - 1);
    assert_contains(expect_fail(buf, len - 1, US_EFORMAT), want);

    /* One byte too many is rejected as well. */
    unsigned char *more = calloc(1, len + 1);
    memcpy(more, buf, len);
    assert_contains(expect_fail(more, len + 1, US_EFORMAT), "trailing data");
    free(more);
    us_free(buf);
}

/* A lazily opened file checks a section's CRC when it is first used: a flip
 * in WGT0 does not stop the file from opening or META from being read, and
 * is reported (naming the section) on every use of WGT0. A fully opened file
 * refuses it at once. */
static void test_lazy_sections(void **state)
{
    (void)state;
    char dir[] = "/tmp/unspin-lazy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.usm", dir);
    size_t len;
    unsigned char *buf = standard_bytes(&len);
    size_t wgt = SIZE_MAX;
    for (uint32_t i = 0; i < us_get_u32le(buf + 12); i++)
        if (!memcmp(buf + 32 + 24 * (size_t)i, "WGT0", 4)) wgt = 32 + 24 * (size_t)i;
    assert_true(wgt != SIZE_MAX);
    buf[us_get_u64le(buf + wgt + 8) + 500] ^= 0x08;
    write_bytes(path, buf, len);

    us_err err = {0};
    assert_null(us_mfile_open(path, &err));
    assert_int_equal(err.code, US_ECHECKSUM);
    us_mfile *m = us_mfile_open_lazy(path, &err);
    assert_non_null(m);
    const void *d = NULL;
    size_t n = 0;
    assert_int_equal(us_mfile_section_verified(m, "META", &d, &n, &err), US_OK);
    assert_int_equal(n, sizeof META - 1);
    assert_memory_equal(d, META, n);
    for (int round = 0; round < 2; round++) {   /* a bad section stays bad */
        memset(&err, 0, sizeof err);
        assert_int_equal(us_mfile_section_verified(m, "WGT0", &d, &n, &err), US_ECHECKSUM);
        assert_contains(err.msg, "section WGT0 checksum mismatch (file corrupted)");
    }
    assert_int_equal(us_mfile_section_verified(m, "NOPE", &d, &n, &err), US_ENOTFOUND);
    us_mfile_close(m);

    /* Intact: every section reads the same through either opening. */
    us_free(buf);
    buf = standard_bytes(&len);
    write_bytes(path, buf, len);
    m = us_mfile_open_lazy(path, &err);
    assert_non_null(m);
    for (size_t i = 0; i < US_ARRAY_LEN(TSECS); i++) {
        unsigned char scratch[1024];
        assert_int_equal(us_mfile_section_verified(m, TSECS[i].id, &d, &n, &err), US_OK);
        assert_int_equal(n, TSECS[i].len);
        if (n) assert_memory_equal(d, tsec_data(i, scratch), n);
    }
    us_mfile_close(m);
    unlink(path);
    rmdir(dir);
    us_free(buf);
}

static void test_bitflip_every_byte(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = small_bytes(&len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, buf, len);
            copy[i] ^= (unsigned char)(1u << bit);
            us_err err = {0};
            us_mfile *m = us_mfile_from_memory(copy, len, &err);
            if (m) {
                us_mfile_close(m);
                fail_msg("flip of bit %d at byte %zu was not detected", bit, i);
            }
            if (err.code != US_EFORMAT && err.code != US_EVERSION && err.code != US_ECHECKSUM)
                fail_msg("byte %zu bit %d: unexpected %s: %s", i, bit, us_strerror(err.code),
                         err.msg);
        }
    }
    /* The section checksum names the section. */
    memcpy(copy, buf, len);
    uint64_t off = us_get_u64le(copy + 32 + 24 + 8);   /* entry 1 = WGT0 */
    copy[off + 2] ^= 0x40;
    assert_contains(expect_fail(copy, len, US_ECHECKSUM),
                    "<memory>: section WGT0 checksum mismatch (file corrupted)");
    free(copy);
    us_free(buf);
}

static void test_versions(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = small_bytes(&len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);

    memcpy(copy, buf, len);
    copy[8] = 2;
    resign(copy);
    const char *msg = expect_fail(copy, len, US_EVERSION);
    assert_contains(msg, "<memory>: format version 2.0 is newer than this unspin (1.x)");
    assert_contains(msg, "\nHINT: upgrade unspin or retrain the model");

    memcpy(copy, buf, len);
    copy[8] = 0;
    resign(copy);
    assert_contains(expect_fail(copy, len, US_EVERSION), "older");

    /* A newer minor is accepted; its unknown sections are simply never asked for. */
    memcpy(copy, buf, len);
    copy[10] = 5;
    resign(copy);
    us_mfile *m = us_mfile_from_memory(copy, len, NULL);
    assert_non_null(m);
    assert_int_equal(us_mfile_minor(m), 5);
    us_mfile_close(m);

    us_mfw *w = build_writer();
    void *b2;
    size_t n2;
    assert_int_equal(us_mfw_to_memory(w, 0xffff, &b2, &n2, NULL), US_OK);
    m = us_mfile_from_memory(b2, n2, NULL);
    assert_non_null(m);
    assert_int_equal(us_mfile_minor(m), 0xffff);
    check_model(m);
    us_mfile_close(m);
    us_free(b2);
    us_mfw_free(w);
    free(copy);
    us_free(buf);
}

static void test_foreign_files(void **state)
{
    (void)state;
    static const unsigned char png[24] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                          0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    assert_contains(expect_fail(png, sizeof png, US_EFORMAT),
                    "<memory>: bad magic (not an unspin model)");
    static const char text[] = "this is a text file, not a model\n";
    assert_contains(expect_fail(text, sizeof text - 1, US_EFORMAT), "bad magic");
    assert_contains(expect_fail("", 0, US_EFORMAT), "empty file");
    assert_contains(expect_fail(NULL, 0, US_EFORMAT), "empty file");
    /* Text-mode mangling: CR LF turned into LF. */
    size_t len;
    unsigned char *buf = small_bytes(&len);
    unsigned char *copy = malloc(len);
    memcpy(copy, buf, len);
    memmove(copy + 4, copy + 5, len - 5);
    assert_contains(expect_fail(copy, len - 1, US_EFORMAT), "text mode");
    free(copy);
    us_free(buf);
}

static void test_missing_file(void **state)
{
    (void)state;
    us_err err = {0};
    assert_null(us_mfile_open("/nonexistent/dir/model.usm", &err));
    assert_int_equal(err.code, US_ENOTFOUND);
    assert_contains(err.msg, "/nonexistent/dir/model.usm");
    assert_null(us_mfile_open("/tmp", &err));
    assert_int_equal(err.code, US_EIO);
    assert_null(us_mfile_open("/nonexistent", NULL));   /* NULL err is fine */
}

static void test_bad_ids(void **state)
{
    (void)state;
    us_mfw *w = us_mfw_new();
    us_err err = {0};
    assert_int_equal(us_mfw_add(w, "WGT0", "x", 1, &err), US_OK);
    assert_int_equal(us_mfw_add(w, "WGT0", "y", 1, &err), US_EINVAL);
    assert_contains(err.msg, "duplicate");
    assert_int_equal(us_mfw_add(w, "ABC", "y", 1, &err), US_EINVAL);
    assert_int_equal(us_mfw_add(w, "ABCDE", "y", 1, &err), US_EINVAL);
    assert_int_equal(us_mfw_add(w, "AB C", "y", 1, &err), US_EINVAL);
    assert_int_equal(us_mfw_add(w, "AB\x01" "C", "y", 1, &err), US_EINVAL);
    assert_int_equal(us_mfw_add(w, "AB\xc3\xa9", "y", 1, &err), US_EINVAL);
    assert_int_equal(us_mfw_add(w, "ABCD", NULL, 3, &err), US_EINVAL);
    assert_int_equal(us_mfile_n_sections(NULL), 0);
    us_mfw_free(w);

    /* A file with a duplicate id (crafted, header re-signed) is refused. */
    size_t len;
    unsigned char *buf = small_bytes(&len);
    memcpy(buf + 32 + 24, "META", 4);
    resign(buf);
    assert_contains(expect_fail(buf, len, US_EFORMAT), "duplicate section META");
    memcpy(buf + 32 + 24, "WG\n0", 4);
    resign(buf);
    assert_contains(expect_fail(buf, len, US_EFORMAT), "invalid id");
    us_free(buf);
}

static void test_section_limit(void **state)
{
    (void)state;
    us_mfw *w = us_mfw_new();
    us_err err = {0};
    char id[16];
    for (int i = 0; i < US_MFILE_MAX_SECTIONS; i++) {
        snprintf(id, sizeof id, "S%03u", (unsigned)i % 1000u);
        assert_int_equal(us_mfw_add(w, id, &i, i % 3 ? sizeof i : 0, &err), US_OK);
    }
    assert_int_equal(us_mfw_add(w, "MORE", "x", 1, &err), US_ETOOBIG);
    void *buf;
    size_t len;
    assert_int_equal(us_mfw_to_memory(w, US_MFILE_MINOR, &buf, &len, &err), US_OK);
    us_mfile *m = us_mfile_from_memory(buf, len, &err);
    assert_non_null(m);
    assert_int_equal(us_mfile_n_sections(m), US_MFILE_MAX_SECTIONS);
    const void *d;
    size_t dl;
    assert_int_equal(us_mfile_section(m, "S200", &d, &dl), US_OK);
    assert_int_equal(dl, sizeof(int));
    assert_int_equal(*(const int *)d, 200);
    us_mfile_close(m);

    /* Header claiming 257 sections. */
    unsigned char *p = buf;
    us_put_u32le(p + 12, US_MFILE_MAX_SECTIONS + 1);
    assert_contains(expect_fail(p, len, US_EFORMAT), "257 sections");
    us_put_u32le(p + 12, 0xffffffffu);
    expect_fail(p, len, US_EFORMAT);
    us_free(buf);
    us_mfw_free(w);
}

/* Crafted layouts, each re-signed so only the structural check can fire. */
static void test_structure(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = small_bytes(&len);
    unsigned char *c = malloc(len);
    unsigned char *e1 = c + 32 + 24;   /* entry 1 (WGT0) */
    uint64_t off1 = us_get_u64le(buf + 32 + 24 + 8);

    memcpy(c, buf, len);
    us_put_u64le(e1 + 8, off1 + 8);
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "not 64-byte aligned");

    memcpy(c, buf, len);
    us_put_u64le(e1 + 8, 0);
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "overlaps the header");

    memcpy(c, buf, len);
    us_put_u64le(e1 + 8, us_get_u64le(buf + 32 + 8));   /* same offset as META */
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "overlaps another section");

    memcpy(c, buf, len);
    us_put_u64le(e1 + 16, UINT64_MAX - 10);   /* off + size overflows */
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "runs past the end");

    memcpy(c, buf, len);
    us_put_u64le(e1 + 8, UINT64_MAX & ~(uint64_t)63);
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "runs past the end");

    memcpy(c, buf, len);
    us_put_u64le(e1 + 16, len);
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "runs past the end");

    memcpy(c, buf, len);
    c[28] = 1;   /* reserved (not covered by the header CRC) */
    assert_contains(expect_fail(c, len, US_EFORMAT), "reserved");

    memcpy(c, buf, len);
    c[off1 + 5] = 0xff;   /* padding right after WGT0's 5 bytes */
    assert_contains(expect_fail(c, len, US_EFORMAT), "nonzero padding");

    memcpy(c, buf, len);
    c[len - 1] = 1;       /* trailing padding */
    assert_contains(expect_fail(c, len, US_EFORMAT), "nonzero padding");

    memcpy(c, buf, len);
    us_put_u64le(c + 16, 1ull << 62);   /* declared size, re-signed */
    resign(c);
    assert_contains(expect_fail(c, len, US_EFORMAT), "truncated");

    memcpy(c, buf, len);
    us_put_u32le(c + 12, 100);   /* table larger than the file, size field intact */
    assert_contains(expect_fail(c, len, US_EFORMAT), "section table");
    free(c);
    us_free(buf);
}

static void test_alloc_failure_reader(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = standard_bytes(&len);
    int ok = 0;
    for (long n = 1; n <= 50 && !ok; n++) {
        us_err err = {0};
        us_alloc_fail_after(n);
        us_mfile *m = us_mfile_from_memory(buf, len, &err);
        us_alloc_fail_after(0);
        if (m) {
            check_model(m);
            us_mfile_close(m);
            ok = 1;
        } else {
            assert_int_equal(err.code, US_ENOMEM);
        }
    }
    assert_true(ok);
    us_free(buf);
}

static void test_alloc_failure_writer(void **state)
{
    (void)state;
    unsigned char scratch[1000];
    int ok = 0;
    for (long n = 1; n <= 100 && !ok; n++) {
        us_err err = {0};
        int rc = US_OK;
        void *buf = NULL;
        size_t len = 0;
        us_alloc_fail_after(n);
        us_mfw *w = us_mfw_new();
        if (!w) rc = US_ENOMEM;
        for (size_t i = 0; rc == US_OK && i < US_ARRAY_LEN(TSECS); i++)
            rc = us_mfw_add(w, TSECS[i].id, tsec_data(i, scratch), TSECS[i].len, &err);
        if (rc == US_OK) rc = us_mfw_to_memory(w, US_MFILE_MINOR, &buf, &len, &err);
        us_alloc_fail_after(0);
        us_mfw_free(w);
        if (rc == US_OK) {
            us_mfile *m = us_mfile_from_memory(buf, len, NULL);
            assert_non_null(m);
            check_model(m);
            us_mfile_close(m);
            us_free(buf);
            ok = 1;
        } else {
            assert_int_equal(rc, US_ENOMEM);
        }
    }
    assert_true(ok);

    /* us_mfw_save under allocation failure: an error, no file, no temp file. */
    char dir[] = "/tmp/unspin-mfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.usm", dir);
    us_mfw *w = build_writer();
    ok = 0;
    for (long n = 1; n <= 20 && !ok; n++) {
        us_err err = {0};
        us_alloc_fail_after(n);
        int rc = us_mfw_save(w, path, &err);
        us_alloc_fail_after(0);
        if (rc == US_OK) ok = 1;
        else {
            assert_int_equal(rc, US_ENOMEM);
            assert_int_equal(count_dir_entries(dir), 0);
        }
    }
    assert_true(ok);
    assert_int_equal(count_dir_entries(dir), 1);
    us_mfw_free(w);
    unlink(path);
    rmdir(dir);
}

/* The committed fixtures (tools/gen-model-fixtures.c, tests/fixtures/models/README.md). */
static void test_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int code;
        const char *msg;
    } cases[] = {
        {"valid.usm", US_OK, NULL},
        {"newer-minor.usm", US_OK, NULL},
        {"truncated.usm", US_EFORMAT, "truncated: header says 256 bytes, file has 131"},
        {"bitflip.usm", US_ECHECKSUM, "section WGT0 checksum mismatch (file corrupted)"},
        {"future-version.usm", US_EVERSION, "format version 2.0 is newer than this unspin"},
        {"foreign.usm", US_EFORMAT, "bad magic (not an unspin model)"},
        {"foreign-png.usm", US_EFORMAT, "bad magic (not an unspin model)"},
        {"empty.usm", US_EFORMAT, "empty file"},
        {"missing.usm", US_ENOTFOUND, "missing.usm"},
    };
    for (size_t i = 0; i < US_ARRAY_LEN(cases); i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", FIX_MODELS, cases[i].name);
        us_err err = {0};
        us_mfile *m = us_mfile_open(path, &err);
        if (cases[i].code == US_OK) {
            if (!m) fail_msg("%s: %s", path, err.msg);
            const void *d;
            size_t n;
            assert_int_equal(us_mfile_section(m, "META", &d, &n), US_OK);
            assert_true(n > 0 && memcmp(d, "unspin_fixture=1\n", 17) == 0);
            assert_int_equal(us_mfile_section(m, "WGT0", &d, &n), US_OK);
            assert_int_equal(n, 20);
            assert_true(us_get_f32le((const unsigned char *)d + 4) == -2.5f);
            assert_int_equal(us_mfile_section(m, "EMPT", &d, &n), US_OK);
            assert_int_equal(n, 0);
            us_mfile_close(m);
            continue;
        }
        if (m) {
            us_mfile_close(m);
            fail_msg("%s loaded, expected %s", path, us_strerror(cases[i].code));
        }
        if (err.code != cases[i].code)
            fail_msg("%s: expected %s, got %s: %s", path, us_strerror(cases[i].code),
                     us_strerror(err.code), err.msg);
        assert_contains(err.msg, path);
        assert_contains(err.msg, cases[i].msg);
    }
}

/* The writer's bytes are pinned by the committed valid.usm. */
static void test_fixture_bytes_stable(void **state)
{
    (void)state;
    static const char meta[] = "unspin_fixture=1\nseed=42\ncomment=tiny test model\n";
    static const float vals[5] = {1.0f, -2.5f, 0.125f, 3.0e-7f, 1024.0f};
    unsigned char wb[20];
    for (int i = 0; i < 5; i++) us_put_f32le(wb + 4 * i, vals[i]);
    us_mfw *w = us_mfw_new();
    assert_int_equal(us_mfw_add(w, "META", meta, sizeof meta - 1, NULL), US_OK);
    assert_int_equal(us_mfw_add(w, "WGT0", wb, sizeof wb, NULL), US_OK);
    assert_int_equal(us_mfw_add(w, "EMPT", NULL, 0, NULL), US_OK);
    void *buf;
    size_t len;
    assert_int_equal(us_mfw_to_memory(w, US_MFILE_MINOR, &buf, &len, NULL), US_OK);
    char *want;
    size_t want_len;
    us_err err = {0};
    assert_int_equal(us_read_file(FIX_MODELS "/valid.usm", 1 << 20, &want, &want_len, &err),
                     US_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, len);
    us_free(want);
    us_free(buf);
    us_mfw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_le_helpers),
        cmocka_unit_test(test_roundtrip_memory),
        cmocka_unit_test(test_roundtrip_file),
        cmocka_unit_test(test_open_fifo),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_bitflip_every_byte),
        cmocka_unit_test(test_lazy_sections),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_section_limit),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_alloc_failure_reader),
        cmocka_unit_test(test_alloc_failure_writer),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_fixture_bytes_stable),
    };
    return cmocka_run_group_tests_name("mfile", tests, NULL, NULL);
}
