#!/usr/bin/env bash
# The whole test suite, as CI runs it: warnings as errors, unit + golden + CLI
# tests, the same tests under ASan+UBSan (leaks are failures), fuzz corpus
# replay plus a short bounded fuzzing run, and the browser test.
# Usage: scripts/check.sh            (from anywhere in the repository)
#        FUZZ_SECONDS=0 scripts/check.sh   to skip the timed fuzzing
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
status=0
step() { echo; echo "=== $*"; }
run() { "$@" || { echo "FAILED: $*"; status=1; }; }

step "build (-Werror) and tests"
run make -j"$jobs" WERROR=1 all bench-tools   # bench tools too, so they cannot rot
run make -j"$jobs" WERROR=1 test
step "AddressSanitizer + UndefinedBehaviorSanitizer"
run env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 make -j"$jobs" WERROR=1 san
if grep -q '^fuzz-replay:' mk/*.mk 2>/dev/null; then
    step "fuzz corpus replay and a short bounded fuzzing run"
    run make -j"$jobs" fuzz-replay
    if [ "${FUZZ_SECONDS:-15}" != 0 ]; then run make fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-15}"; fi
fi
if [ -x tests/browser/run.sh ]; then
    step "browser test (Debian chromium + playwright-core)"
    run tests/browser/run.sh
fi
echo
if [ $status -eq 0 ]; then echo "check: all suites passed"; else echo "check: FAILED"; fi
exit $status
