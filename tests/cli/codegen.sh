#!/usr/bin/env bash
# codegen.sh -- the hot loops that hide memory latency with __builtin_prefetch
# must still contain prefetch instructions in the built binary. gcc deletes
# calls to a helper that only prefetches (it counts as a pure function), and
# that went unnoticed for months in span decoding: outputs stay the same, only
# the speed drops. Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
if ! command -v objdump >/dev/null 2>&1; then
    echo "SKIP: objdump not found (binutils); prefetch check skipped"
    exit 0
fi
fails=0
# A|B: the loop is in A, or in B when the compiler did not inline B into A
# (span decoding's emissions come from us_span_pass_new, shared with span scoring).
for fns in "us_span_decode|us_span_pass_new" "us_qlinear_score|score_from" us_qlinear_add_rows us_fz_add_tokens; do
    n=0
    for f in ${fns//|/ }; do
        k=$(objdump -d --no-show-raw-insn --disassemble="$f" "$UNSPIN" 2>/dev/null | grep -c prefetch)
        n=$((n + k))
    done
    fn=$fns
    if [ "$n" -gt 0 ]; then
        echo "ok: $fn has $n prefetch instructions"
    else
        echo "FAIL: $fn in $UNSPIN has no prefetch instruction"
        fails=$((fails+1))
    fi
done
[ "$fails" -eq 0 ]
