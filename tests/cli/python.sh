#!/usr/bin/env bash
# Runs the ctypes binding's unit tests (python/tests/test_binding.py) with
# Debian's /usr/bin/python3 against $BUILD/libunspin.so, BUILD being the folder
# of $UNSPIN (build/ or build-san/). A sanitizer build of the library is loaded
# with the ASan and UBSan runtimes preloaded (the Makefile links the .so
# without them), leak checks off (CPython keeps memory until exit).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
U=${UNSPIN:-build/unspin}
case "$U" in /*) ;; *) U="$ROOT/$U" ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "python.sh: skipped (no /usr/bin/python3)"; exit 0; }
LIB=$(dirname "$U")/libunspin.so
[ -f "$LIB" ] || { echo "python.sh: no library at $LIB (run make)"; exit 1; }
export UNSPIN_LIB=$LIB UNSPIN_MODEL=${UNSPIN_MODEL:-$ROOT/models/default.usm}
export PYTHONPATH=$ROOT/python${PYTHONPATH:+:$PYTHONPATH}
if nm -D "$LIB" 2>/dev/null | grep -q __asan_; then
    export LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libubsan.so)"
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0   # last one wins
fi
"$PY" -m unittest discover -s python/tests -t python/tests 2>&1 | tail -n 20
exit "${PIPESTATUS[0]}"
