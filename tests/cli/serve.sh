#!/usr/bin/env bash
# serve.sh -- `unspin serve` end to end: the embedded page is up to date with
# web/index.html; text/plain and JSON analyses of examples/oped-bridge.txt;
# /healthz, /v1/techniques, the page; errors 404, 405, 413 (3 MB body), 415,
# 400 (malformed JSON, missing text, invalid UTF-8); a slow client does not
# block others and is dropped after the timeout; 50 concurrent requests;
# SIGTERM stops the server cleanly (exit 0). Usage errors exit 2.
# Run from the repository root by tests/run.sh; $UNSPIN is the binary.
set -u
UNSPIN=${UNSPIN:-build/unspin}
ART=examples/oped-bridge.txt
fails=0
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

# 0. the committed page.c is what tools/embed.sh makes of web/index.html
tools/embed.sh web/index.html "$tmp/page.c" || fail "tools/embed.sh failed"
cmp -s "$tmp/page.c" src/server/page.c \
    || fail "src/server/page.c is stale: run 'make page' after editing web/index.html"

# 1. usage
"$UNSPIN" serve --help | grep -q "usage: unspin serve" || fail "--help"
"$UNSPIN" serve --port 99999 >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "--port 99999: exit $rc, want 2"
"$UNSPIN" serve --bogus >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc, want 2"
"$UNSPIN" serve --model "$tmp/missing.usm" --port 0 >/dev/null 2>&1; rc=$?
[ "$rc" -eq 1 ] || fail "missing model: exit $rc, want 1"

# HTTP client: curl, else a small python3 urllib stand-in with the same
# subset (-s -o FILE -w '%{http_code}' -X M -H H --data-binary @FILE URL).
if command -v curl >/dev/null; then
    http() { curl -s --max-time 20 "$@"; }
else
    http() {
        python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
a = sys.argv[1:]; out = None; fmt = ''; method = None; headers = {}; data = None; url = None
i = 0
while i < len(a):
    x = a[i]
    if x == '-s': pass
    elif x == '-o': i += 1; out = a[i]
    elif x == '-w': i += 1; fmt = a[i]
    elif x == '-X': i += 1; method = a[i]
    elif x == '-H': i += 1; k, v = a[i].split(':', 1); headers[k.strip()] = v.strip()
    elif x == '--data-binary':
        i += 1; data = open(a[i][1:], 'rb').read() if a[i].startswith('@') else a[i].encode()
    else: url = x
    i += 1
if data is not None and 'Content-Type' not in headers:
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
req = urllib.request.Request(url, data=data, headers=headers, method=method)
try:
    r = urllib.request.urlopen(req, timeout=20); code = r.status; body = r.read()
except urllib.error.HTTPError as e:
    code = e.code; body = e.read()
except Exception:
    code = 0; body = b''
if out: open(out, 'wb').write(body)
else: sys.stdout.buffer.write(body)
sys.stdout.write(fmt.replace('%{http_code}', '%03d' % code))
PY
    }
fi
# jq-free JSON checks
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # pyenv shims start slowly
jcheck() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

# 2. start on a free port, wait for the listening line
"$UNSPIN" serve --port 0 --timeout 2 --threads 4 2>"$tmp/log" &
pid=$!
base=
for _ in $(seq 1 100); do
    base=$(sed -n 's/^unspin: serve: listening on \(http:[^ ]*\)$/\1/p' "$tmp/log" | head -1)
    [ -n "$base" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$base" ]; then
    fail "server did not print its listening line"; cat "$tmp/log"
    echo "serve.sh: $fails failure(s)"; exit 1
fi
case $base in http://127.0.0.1:[1-9]*) ;; *) fail "listening line '$base' is not loopback with a port";; esac

expect() {   # expect NAME WANT_STATUS FILE [curl args...]
    local name=$1 want=$2 out=$3; shift 3
    local got
    got=$(http -o "$out" -w '%{http_code}' "$@")
    if [ "$got" != "$want" ]; then fail "$name: status $got, want $want"; head -c 300 "$out" 2>/dev/null; echo; return 1; fi
}
# every error is {"error": "...", "status": N}
expect_error() {   # expect_error NAME STATUS NEEDLE [curl args...]
    local name=$1 want=$2 needle=$3; shift 3
    expect "$name" "$want" "$tmp/err.json" "$@" || return
    jcheck "$tmp/err.json" "d['status'] == $want and isinstance(d['error'], str)" \
        || fail "$name: not a JSON error body: $(head -c 200 "$tmp/err.json")"
    grep -qF -- "$needle" "$tmp/err.json" || fail "$name: error lacks '$needle': $(cat "$tmp/err.json")"
}

# 3. analyses
expect "text/plain analyze" 200 "$tmp/a1.json" -H 'Content-Type: text/plain; charset=utf-8' \
    --data-binary "@$ART" "$base/v1/analyze?lang=en" &&
    { jcheck "$tmp/a1.json" "d['lang'] == 'en' and d['genre']['label'] in ('opinion','reporting','satire') \
        and 'frames' in d and 'frame_probs' in d and len(d['paragraphs']) == 11 \
        and d['n_bytes'] == $(wc -c <"$ART") \
        and all('spans' in p and 'techniques' in p for p in d['paragraphs']) \
        and 'cues' in d['genre']" || fail "text/plain analyze: fields: $(head -c 300 "$tmp/a1.json")"; }
python3 -c "import json,sys; print(json.dumps({'text': open(sys.argv[1], encoding='utf-8').read(), 'lang': 'en', 'explain': True}))" \
    "$ART" >"$tmp/req.json"
expect "JSON analyze" 200 "$tmp/a2.json" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/req.json" "$base/v1/analyze" &&
    { cmp -s "$tmp/a1.json" "$tmp/a2.json" || fail "JSON and text/plain analyses differ"; }
python3 -c "import json,sys; print(json.dumps({'text': open(sys.argv[1], encoding='utf-8').read(), 'explain': False}))" \
    "$ART" >"$tmp/req2.json"
expect "JSON analyze, explain off" 200 "$tmp/a3.json" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/req2.json" "$base/v1/analyze" &&
    { jcheck "$tmp/a3.json" "not d['genre'].get('cues') and isinstance(d['lang'], str)" \
        || fail "explain false still has cues: $(head -c 300 "$tmp/a3.json")"; }

# 4. other routes
expect "healthz" 200 "$tmp/h.json" "$base/healthz" &&
    { jcheck "$tmp/h.json" "d['status'] == 'ok' and d['model'].startswith('unspin-model') and \
d['tasks'] == ['genre', 'framing', 'techniques']" \
        || fail "healthz body: $(cat "$tmp/h.json")"; }
expect "techniques" 200 "$tmp/t.json" "$base/v1/techniques" &&
    { jcheck "$tmp/t.json" "len(d['genre']) == 3 and len(d['framing']) == 14 and len(d['techniques']) == 23 \
        and all(set(l) >= {'name','short_name','definition','color'} for t in d.values() for l in t) \
        and d['techniques'][0]['name'] == 'Loaded_Language'" || fail "techniques body"; }
expect "page" 200 "$tmp/page.html" "$base/" &&
    { cmp -s "$tmp/page.html" web/index.html || fail "GET / is not web/index.html"; }

# 5. errors
expect_error "unknown route" 404 "no such route" "$base/nope"
expect_error "wrong method" 405 "not allowed" -X DELETE "$base/v1/analyze"
expect_error "GET analyze" 405 "use POST" "$base/v1/analyze"
expect_error "POST healthz" 405 "not allowed" -X POST --data-binary x "$base/healthz"
head -c 3000000 /dev/zero | tr '\0' 'a' >"$tmp/big.txt"
expect_error "3 MB body" 413 "over the limit" -H 'Content-Type: text/plain' \
    --data-binary "@$tmp/big.txt" "$base/v1/analyze"
printf '{"text": "unterminated' >"$tmp/bad.json"
expect_error "malformed JSON" 400 "malformed JSON" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/bad.json" "$base/v1/analyze"
printf '{"lang": "en"}' >"$tmp/notext.json"
expect_error "missing text" 400 'missing \"text\"' -H 'Content-Type: application/json' \
    --data-binary "@$tmp/notext.json" "$base/v1/analyze"
printf '{"text": 5}' >"$tmp/num.json"
expect_error "text not a string" 400 "must be a string" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/num.json" "$base/v1/analyze"
printf 'ok\nbad \xed\xa0\x80 here\n' >"$tmp/bad-utf8.txt"
expect_error "invalid UTF-8" 400 "invalid UTF-8 at byte 7" -H 'Content-Type: text/plain' \
    --data-binary "@$tmp/bad-utf8.txt" "$base/v1/analyze"
expect_error "form body" 415 "unsupported Content-Type" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$ART" "$base/v1/analyze"
expect_error "bad lang" 400 "language code" -H 'Content-Type: text/plain' \
    --data-binary "@$ART" "$base/v1/analyze?lang=e1"

# 6. a slow client sends half a request and stalls: others are still served,
# and the server drops it once the 2 s timeout has passed
python3 - "$base" >"$tmp/slow.out" 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1][len('http://'):].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
s.sendall(b'POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nhalf')
s.settimeout(8)
t0 = time.time()
try:
    data = s.recv(4096)
except socket.timeout:
    print('still open after 8 s'); sys.exit(1)
print('closed after %.1f s' % (time.time() - t0), repr(data[:60]))
sys.exit(0 if time.time() - t0 >= 1.5 else 1)
PY
slow=$!
sleep 0.5
expect "healthz during slow client" 200 "$tmp/h2.json" "$base/healthz"
wait "$slow" || fail "slow client: $(cat "$tmp/slow.out")"

# 7. 50 concurrent analyses, all 200 and all identical to the first one
cpids=()
for i in $(seq 1 50); do
    http -o "$tmp/c$i.json" -w '%{http_code}\n' -H 'Content-Type: text/plain' \
        --data-binary "@$ART" "$base/v1/analyze?lang=en" >"$tmp/c$i.code" &
    cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p"; done
n200=$(cat "$tmp"/c*.code | grep -c '^200$')
[ "$n200" -eq 50 ] || fail "concurrent: $n200 of 50 answered 200"
for i in $(seq 1 50); do
    cmp -s "$tmp/a1.json" "$tmp/c$i.json" || { fail "concurrent answer $i differs from the first"; break; }
done

# 8. one log line per request: method, path, status, ms
grep -qE '^unspin: serve: POST /v1/analyze 200 [0-9.]+ ms$' "$tmp/log" || fail "no request log line"
grep -qE '^unspin: serve: GET /nope 404 [0-9.]+ ms$' "$tmp/log" || fail "no 404 log line"

# 9. SIGTERM: clean exit 0 within a few seconds
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
    fail "server still running 5 s after SIGTERM"
else
    wait "$pid"; rc=$?
    [ "$rc" -eq 0 ] || { fail "server exited $rc after SIGTERM, want 0"; tail -5 "$tmp/log"; }
fi
pid=

if [ "$fails" -gt 0 ]; then echo "serve.sh: $fails failure(s)"; exit 1; fi
echo "serve.sh: ok"
