#!/bin/sh
# embed.sh -- turns a file into a C source holding its bytes.
#
#   tools/embed.sh web/index.html src/server/page.c    (what `make page` runs)
#
# Writes 'const unsigned char us_page_html[]' (the bytes plus a final NUL, not
# counted) and 'const size_t us_page_html_len'. Output depends only on the
# input bytes, so the committed page.c can be compared with a fresh one
# (tests/cli/serve.sh does). Needs only POSIX sh, od and awk.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: tools/embed.sh INPUT OUTPUT.c" >&2
    exit 2
fi
in=$1 out=$2
[ -r "$in" ] || { echo "embed.sh: cannot read $in" >&2; exit 1; }
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
{
    printf '/* page.c -- GENERATED from %s by tools/embed.sh; do not edit.\n' "$in"
    printf ' * Regenerate with `make page` after changing the page. */\n'
    printf '#include <stddef.h>\n\n'
    printf 'const unsigned char us_page_html[] = {\n'
    od -An -v -tu1 "$in" | awk '
        { for (i = 1; i <= NF; i++) { line = line $i ","; if (length(line) > 92) { print "    " line; line = "" } } }
        END { print "    " line "0" }'
    printf '};\n'
    printf 'const size_t us_page_html_len = %s;\n' "$(wc -c <"$in" | tr -d ' ')"
} >"$tmp"
mv "$tmp" "$out"
trap - EXIT
