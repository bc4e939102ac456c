/* mfile.h -- the unspin model container (.usm): magic, version, checksummed sections.
 *
 * Layout (all integers little-endian, written byte by byte):
 *
 *   offset  size  meaning
 *   0       8     magic "\x89USM\r\n\x1a\n" (high byte, CR LF, ^Z, LF catch text-mode mangling)
 *   8       2     major version (US_MFILE_MAJOR); a reader refuses another major
 *   10      2     minor version; newer minors only add sections, which are skipped
 *   12      4     number of sections N (<= US_MFILE_MAX_SECTIONS)
 *   16      8     total file size in bytes
 *   24      4     CRC-32C of bytes [0, 24) and of the section table
 *   28      4     reserved, 0
 *   32      24*N  section table: id[4] (ASCII), crc32c u32, offset u64, size u64
 *   ...           sections, each starting on a 64-byte boundary (so f32/int8 arrays
 *                 can be used in place from mmap), zero padding between them
 *
 * Ids are 4 printable ASCII characters (0x21..0x7e), unique in a file. The
 * writer also pads the file's end to a 64-byte boundary; the table is in the
 * order sections were added. CRC-32C is us_crc32c (Castagnoli, start 0).
 *
 * The reader checks: magic, major, N, file size against the real size,
 * header CRC, every section's offset+size inside the file (overflow-safe),
 * 64-byte alignment, no overlap, and every section's CRC. It also checks what
 * no CRC covers: the reserved field and all padding must be zero, and ids
 * valid and unique; so any single flipped bit is detected. A failure is a
 * clear error (US_EFORMAT, including truncation and foreign files;
 * US_EVERSION; US_ECHECKSUM), never a crash. */
#ifndef US_MFILE_H
#define US_MFILE_H

#include <stddef.h>
#include <stdint.h>
#include "../base/base.h"

#define US_MFILE_MAJOR 1
#define US_MFILE_MINOR 0
#define US_MFILE_MAX_SECTIONS 256
#define US_MFILE_ALIGN 64

/* ---- writer ------------------------------------------------------------ */

typedef struct us_mfw us_mfw;
us_mfw *us_mfw_new(void);
void us_mfw_free(us_mfw *w);
/* Adds a section; copies data. 'id' is exactly 4 ASCII characters. Errors:
 * US_EINVAL (bad or duplicate id), US_ETOOBIG (too many sections), US_ENOMEM. */
int us_mfw_add(us_mfw *w, const char *id, const void *data, size_t len, us_err *err);
/* Serialises into a new buffer. OUT: *out (caller frees with us_free), *out_len. */
int us_mfw_to_memory(const us_mfw *w, uint16_t minor, void **out, size_t *out_len, us_err *err);
/* Writes atomically (format minor US_MFILE_MINOR): temp file in the same folder,
 * fsync, rename, then fsync of the folder. On failure the temp file is removed
 * and 'path' is untouched. Errors: US_EIO (message names 'path'), US_ENOMEM. */
int us_mfw_save(const us_mfw *w, const char *path, us_err *err);

/* ---- reader ------------------------------------------------------------ */

typedef struct us_mfile us_mfile;
/* Opens and fully verifies a model file (mmap, read() fallback; pipes work;
 * UNSPIN_NO_MMAP=1 forces read()). The error message names the path and what
 * is wrong, with a HINT where useful. Errors: US_ENOTFOUND (no such file),
 * US_EIO, US_ENOMEM, US_ETOOBIG, US_EFORMAT, US_EVERSION, US_ECHECKSUM. */
us_mfile *us_mfile_open(const char *path, us_err *err);
/* The same with everything verified except the sections' CRCs, which
 * us_mfile_section_verified checks when a section is first used: a program
 * that needs a third of the model reads and checks only that third. */
us_mfile *us_mfile_open_lazy(const char *path, us_err *err);
/* Verifies a model held in memory; the bytes are copied into a 64-byte aligned
 * buffer, so 'data' may be freed afterwards. Messages say "<memory>". */
us_mfile *us_mfile_from_memory(const void *data, size_t len, us_err *err);
void us_mfile_close(us_mfile *m);
/* Finds a section by its 4-character id. OUT (may be NULL): *data points inside
 * the mapped file (64-byte aligned, never NULL, even for an empty section; valid
 * until us_mfile_close), *len. Returns US_ENOTFOUND if absent. */
int us_mfile_section(const us_mfile *m, const char *id, const void **data, size_t *len);
/* us_mfile_section with the section's CRC checked on its first use (lazy
 * files; others were checked whole). Not thread-safe (loaders only). Returns
 * US_OK, US_ENOTFOUND, or US_ECHECKSUM with a message naming the section. */
int us_mfile_section_verified(us_mfile *m, const char *id, const void **data, size_t *len,
                              us_err *err);
uint16_t us_mfile_minor(const us_mfile *m);
size_t us_mfile_n_sections(const us_mfile *m);
/* i-th section in table order: id (4 chars + NUL written into id5), offset, size
 * and crc32c, for `unspin dump`. Any OUT pointer may be NULL. US_ENOTFOUND if i
 * is out of range. */
int us_mfile_section_at(const us_mfile *m, size_t i, char id5[5], uint64_t *off, uint64_t *len,
                        uint32_t *crc);

/* Little-endian helpers for section payloads. */
void us_put_u32le(unsigned char *p, uint32_t v);
void us_put_u64le(unsigned char *p, uint64_t v);
void us_put_f32le(unsigned char *p, float v);
uint32_t us_get_u32le(const unsigned char *p);
uint64_t us_get_u64le(const unsigned char *p);
float us_get_f32le(const unsigned char *p);

#endif
