#!/usr/bin/env bash
# Runs every unit test binary in $BUILD/tests and the shell test suites in
# tests/cli/*.sh, then prints one closing line "N passed, N failed".
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
pass=0; fail=0; failed=()
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    if "$t"; then pass=$((pass+1)); else fail=$((fail+1)); failed+=("$t"); fi
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    echo "== $s"
    if UNSPIN="$BUILD/unspin" bash "$s"; then pass=$((pass+1)); else fail=$((fail+1)); failed+=("$s"); fi
done
[ ${#failed[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
