/* cmd_dump.c -- `unspin dump`: print a model file's header, sections and META.
 *
 * Shows what the container says about itself (CRFsuite's `dump` idea): path,
 * size, format version, the section table (id, offset, size, crc32c) and the
 * key=value lines of the META section. The file is fully verified first, so a
 * corrupted model produces the loader's error instead of a partial dump.
 * Not done here: decoding the other sections' payloads; their owners know
 * their layouts, and META already carries the human-readable configuration. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include "cli.h"
#include "model/mfile.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: unspin dump [--model M] [M]\n"
            "\n"
            "Verifies a model file and prints its path, size, format version, its\n"
            "sections (id, offset, size, crc32c) and the key=value lines of META.\n"
            "\n"
            "options:\n"
            "  -m, --model M   model file (default: the shipped model, or $UNSPIN_MODEL)\n"
            "  -h, --help      this help\n");
}

/* Prints META text indented by four spaces. Control bytes other than tab are
 * shown as \xNN so that a hostile file cannot drive the terminal. */
static void print_meta(const unsigned char *p, size_t n)
{
    int at_line_start = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (at_line_start) {
            fputs("    ", stdout);
            at_line_start = 0;
        }
        if (c == '\n') {
            putchar('\n');
            at_line_start = 1;
        } else if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
            continue;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            printf("\\x%02x", c);
        } else {
            putchar(c);
        }
    }
    if (!at_line_start) putchar('\n');
}

int cmd_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hm:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc && !model) model = argv[optind++];
    if (optind < argc) {
        cli_error("unexpected argument '%s' (one model at a time)", argv[optind]);
        return EXIT_USAGE;
    }
    if (!model || !*model) {
        model = cli_default_model();
        if (!model) {
            cli_error("no model given and no default model found\n"
                      "HINT: pass --model FILE, set UNSPIN_MODEL, or run 'make model'");
            return EXIT_RUNTIME;
        }
    }

    us_err err = {0};
    us_mfile *m = us_mfile_open(model, &err);
    if (!m) return cli_fail(&err);

    size_t n = us_mfile_n_sections(m);
    struct stat st;
    int have_size = stat(model, &st) == 0;  /* verified equal to the header's size field */
    const void *meta = NULL;
    size_t meta_len = 0;
    int has_meta = us_mfile_section(m, "META", &meta, &meta_len) == US_OK;

    printf("path:     %s\n", model);
    if (have_size && S_ISREG(st.st_mode)) printf("size:     %lld bytes\n", (long long)st.st_size);
    printf("format:   %d.%u%s\n", US_MFILE_MAJOR, (unsigned)us_mfile_minor(m),
           us_mfile_minor(m) > US_MFILE_MINOR ? " (newer minor; unknown sections are ignored)"
                                              : "");
    printf("checks:   magic, version, header and section CRC-32C all OK\n");
    printf("sections: %zu\n", n);
    if (n) printf("  %-4s  %12s  %12s  %s\n", "id", "offset", "size", "crc32c");
    for (size_t i = 0; i < n; i++) {
        char id[5];
        uint64_t off, len;
        uint32_t crc;
        us_mfile_section_at(m, i, id, &off, &len, &crc);
        printf("  %-4s  %12llu  %12llu  0x%08lx\n", id, (unsigned long long)off,
               (unsigned long long)len, (unsigned long)crc);
    }
    if (has_meta) {
        printf("META:\n");
        print_meta(meta, meta_len);
    } else {
        printf("META:     (none)\n");
    }
    us_mfile_close(m);
    return EXIT_OK;
}
