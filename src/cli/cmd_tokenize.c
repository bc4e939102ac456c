/* cmd_tokenize.c -- `unspin tokenize`: print tokens with their offsets.
 *
 * A debugging and golden-test view of the text layer: one token per line,
 * tab-separated, in the order LINE start_cp end_cp start_byte end_byte KIND
 * FLAGS text norm. LINE is 1-based; ranges are [start, end). */
#include <getopt.h>
#include <stdlib.h>
#include "cli.h"
#include "cli/input.h"
#include "text/text.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: unspin tokenize [--utf8 strict|replace] [FILE|-]\n"
            "\n"
            "Prints one token per line, tab-separated:\n"
            "  LINE start_cp end_cp start_byte end_byte KIND FLAGS text norm\n"
            "LINE is 1-based (a line is a paragraph); ranges are [start, end) in code\n"
            "points and in bytes. KIND is WORD, NUM, PUNCT or SYMBOL. FLAGS is a comma list\n"
            "of UPPER1 ALLCAPS SENT_START IN_QUOTE NONASCII CYRILLIC, or '-'. norm is the\n"
            "normalised form used for features (NFC + case folding).\n"
            "\n"
            "options:\n"
            "  --utf8 strict    invalid UTF-8 is an error naming the byte offset (default)\n"
            "  --utf8 replace   replace invalid sequences by U+FFFD; offsets then refer to\n"
            "                   the repaired text (also written --utf8=replace)\n"
            "  -h, --help       this help\n"
            "Reads stdin when FILE is '-' or missing.\n");
}

static const char *kind_name(unsigned k)
{
    switch (k) {
    case US_TOK_WORD: return "WORD";
    case US_TOK_NUM: return "NUM";
    case US_TOK_PUNCT: return "PUNCT";
    case US_TOK_SYMBOL: return "SYMBOL";
    default: return "?";
    }
}

static void put_flags(FILE *f, unsigned flags)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {US_TF_UPPER1, "UPPER1"},       {US_TF_ALLCAPS, "ALLCAPS"},
        {US_TF_SENT_START, "SENT_START"}, {US_TF_IN_QUOTE, "IN_QUOTE"},
        {US_TF_NONASCII, "NONASCII"},   {US_TF_CYRILLIC, "CYRILLIC"},
    };
    int any = 0;
    for (size_t i = 0; i < US_ARRAY_LEN(names); i++)
        if (flags & names[i].bit) {
            fprintf(f, "%s%s", any ? "," : "", names[i].name);
            any = 1;
        }
    if (!any) fputc('-', f);
}

int cmd_tokenize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"utf8", required_argument, 0, 'u'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int policy = CLI_UTF8_STRICT, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            if ((policy = cli_parse_utf8_policy(optarg)) < 0) return EXIT_USAGE;
            break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        cli_error("only one input file is allowed");
        return EXIT_USAGE;
    }
    const char *path = optind < argc ? argv[optind] : "-";

    us_err err = {0};
    char *data = NULL;
    size_t len = 0;
    if (cli_read_doc(path, policy, &data, &len, &err) != US_OK) return cli_fail(&err);

    us_text t;
    us_text_init(&t);
    if (us_text_tokenize(&t, data, len, &err) != US_OK) {
        us_err_prefix(&err, "%s", path);
        us_text_fini(&t);
        us_free(data);
        return cli_fail(&err);
    }
    char norm[1024];
    for (size_t li = 0; li < t.n_lines; li++) {
        const us_range *ln = &t.lines[li];
        for (uint32_t k = ln->tok_begin; k < ln->tok_end; k++) {
            const us_token *tk = &t.toks[k];
            const char *s = data + tk->start_byte;
            size_t n = tk->end_byte - tk->start_byte;
            size_t m = us_tok_norm(s, n, norm, sizeof norm);
            printf("%zu\t%u\t%u\t%u\t%u\t%s\t", li + 1, tk->start_cp, tk->end_cp,
                   tk->start_byte, tk->end_byte, kind_name(tk->kind));
            put_flags(stdout, tk->flags);
            putchar('\t');
            fwrite(s, 1, n, stdout);
            putchar('\t');
            fwrite(norm, 1, m, stdout);
            putchar('\n');
        }
    }
    us_text_fini(&t);
    us_free(data);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("write error on stdout");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
