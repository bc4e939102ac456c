#!/usr/bin/env bash
# run.sh -- browser test of the `unspin serve` web page (headless Chromium).
# Installs playwright-core if needed (setup.sh), runs analyze.test.mjs with
# node's test runner and prints "N passed, N failed". Exit status 0 only when
# every test passed. $UNSPIN is the binary (default build/unspin), $CHROMIUM
# the browser (default /usr/bin/chromium).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
export UNSPIN=${UNSPIN:-build/unspin}
for need in node npm; do
    command -v "$need" >/dev/null || { echo "run.sh: $need is missing"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
    echo "run.sh: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install -y chromium)"
    echo "0 passed, 1 failed"; exit 1; }
[ -x "$UNSPIN" ] || { echo "run.sh: $UNSPIN is missing (make)"; echo "0 passed, 1 failed"; exit 1; }
"$here/setup.sh" >/dev/null || { echo "run.sh: setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --test --test-reporter=spec "$here/analyze.test.mjs" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -1)
pass=${pass:-0}; fail=${fail:-0}
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
