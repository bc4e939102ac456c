#!/usr/bin/env bash
# End-to-end test of python/unspin/dask_recipe.py on a local Dask cluster:
# a scheduler and two single-threaded workers on 127.0.0.1 (free port), a
# generated 200-line corpus with a few bad lines, then checks: lines in =
# lines out, ids in input order per partition, errors as {"id","error"}.
# Everything started here is stopped by the EXIT trap (by pid).
# Uses Debian's /usr/bin/python3 (python3-distributed); skipped without it.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
U=${UNSPIN:-build/unspin}
case "$U" in /*) ;; *) U="$ROOT/$U" ;; esac
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import distributed' 2>/dev/null; then
    echo "dask.sh: skipped (python3-distributed not installed)"
    exit 0
fi
LIB=$(dirname "$U")/libunspin.so
if nm -D "$LIB" 2>/dev/null | grep -q __asan_; then
    # a sanitizer build: Dask's processes are not the point here; use the plain library
    LIB=$ROOT/build/libunspin.so
    [ -f "$LIB" ] || { echo "dask.sh: skipped (sanitizer build and no build/libunspin.so)"; exit 0; }
fi
[ -f "$LIB" ] || { echo "dask.sh: no library at $LIB (run make)"; exit 1; }
export UNSPIN_LIB=$LIB UNSPIN_MODEL=${UNSPIN_MODEL:-$ROOT/models/default.usm}
export PYTHONPATH=$ROOT/python${PYTHONPATH:+:$PYTHONPATH}
export DASK_DISTRIBUTED__WORKER__DAEMON=False
TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
fail() { echo "dask.sh: FAIL: $*"; fails=$((fails + 1)); }

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SCHED=tcp://127.0.0.1:$PORT
cd "$TMP"
"$PY" -m distributed.cli.dask_scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard \
    >"$TMP/scheduler.log" 2>&1 &
pids+=($!)
for i in 1 2; do
    "$PY" -m distributed.cli.dask_worker "$SCHED" --host 127.0.0.1 --nthreads 1 --no-nanny \
        --no-dashboard --name "w$i" --local-directory "$TMP/w$i" >"$TMP/worker$i.log" 2>&1 &
    pids+=($!)
done
"$PY" - "$SCHED" <<'PYEOF' || { fail "cluster did not come up"; cat "$TMP"/*.log; exit 1; }
import sys, time
from distributed import Client
t0 = time.time()
while True:
    try:
        with Client(sys.argv[1], timeout=5) as c:
            c.wait_for_workers(2, timeout=60)
        break
    except OSError:
        if time.time() - t0 > 60:
            raise
        time.sleep(0.5)
PYEOF

# 200 lines: 195 articles and 5 bad lines (invalid JSON, no text, number text,
# lone surrogate, blank) at fixed places.
"$PY" - >"$TMP/corpus.jsonl" <<'PYEOF'
import json
bad = {17: 'not json at all', 60: '{"id":"b60","lang":"en"}', 99: '{"id":"b99","text":7}',
       140: '{"id":"b140","text":"lone \\ud800"}', 180: ''}
s = ["They will destroy everything we love!", "Experts agree the plan is a disaster.",
     "The minister said the budget would be published on Monday.",
     "Wake up: the media are lying to you again."]
for i in range(200):
    if i in bad:
        print(bad[i])
    else:
        text = "\n".join(s[(i + k) % 4] for k in range(1 + i % 5))
        print(json.dumps({"id": "d%03d" % i, "text": text, "lang": "en", "n": i}))
PYEOF

"$PY" -m unspin.dask_recipe --scheduler "$SCHED" --input "$TMP/corpus.jsonl" --partitions 4 \
    --out "$TMP/out" >"$TMP/recipe.out" 2>&1
rc=$?
cat "$TMP/recipe.out"
[ "$rc" = 1 ] || fail "recipe: exit $rc, expected 1 (some lines failed)"
grep -q '4 partitions on 2 worker(s): 200 lines in, 200 lines out, 195 analysed, 5 failed' \
    "$TMP/recipe.out" || fail "recipe summary"
n_parts=$(ls "$TMP/out"/part-*.jsonl 2>/dev/null | wc -l)
[ "$n_parts" = 4 ] || fail "$n_parts part files, expected 4"
cat "$TMP/out"/part-*.jsonl >"$TMP/all.jsonl"
[ "$(wc -l <"$TMP/all.jsonl")" = 200 ] || fail "$(wc -l <"$TMP/all.jsonl") lines out, expected 200"
"$PY" - "$TMP/corpus.jsonl" "$TMP/out" <<'PYEOF' || fail "ids or errors out of place"
import glob, json, sys
want = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        o = json.loads(line)
        want.append(o.get("id") if isinstance(o, dict) else None)
    except ValueError:
        want.append(None)
got, errors = [], []
for p in sorted(glob.glob(sys.argv[2] + "/part-*.jsonl")):
    part = [json.loads(l) for l in open(p, encoding="utf-8")]
    ids = [o["id"] for o in part]
    ok = [i for i in ids if i is not None and not i.startswith("b")]
    assert ok == sorted(ok), "ids not in input order in " + p
    got += ids
    errors += [o for o in part if "error" in o]
    for o in part:
        assert ("error" in o) != ("result" in o), o
        if "result" in o:
            assert o["n"] == int(o["id"][1:]) and "text" not in o, o
assert got == want, "ids differ from the input"
assert [e["id"] for e in errors] == [None, "b60", "b99", "b140", None], errors
assert "corpus.jsonl:18: invalid JSON" in errors[0]["error"], errors[0]
assert "EUTF8" in errors[3]["error"], errors[3]
PYEOF

if [ "$fails" -gt 0 ]; then
    echo "dask.sh: $fails failure(s)"; tail -n 20 "$TMP"/*.log; exit 1
fi
echo "dask.sh: ok"
