#!/bin/sh
# `huixin capture` and `huixin version` as a user runs them: a Chinese page captured into four files,
# then the failures a user meets: no Chromium, an unresolvable host, an unreachable --browser.
# The binary comes from $HUIXIN_BIN (tests/run.sh sets it; default ./huixin). Last line: N passed, N failed.
set -u
BIN=${HUIXIN_BIN:-./huixin}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/huixin-test-capture-XXXXXX)
pass=0
fail=0
server_pid=

cleanup() {
    exec 9>&- 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   test_capture: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL test_capture: $1"; }

# the fixture server lives while fd 9 (its stdin) is open
mkfifo "$TMP/server-in"
python3 "$HERE/pages/serve.py" <"$TMP/server-in" >"$TMP/ports" &
server_pid=$!
exec 9>"$TMP/server-in"
i=0
while [ ! -s "$TMP/ports" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(sed -n 's/.*"a": *\([0-9]*\).*/\1/p' "$TMP/ports")

# 1. a Chinese page: four files, with what they should hold
out="$TMP/cap"
if [ -n "$PORT" ] && timeout 60 "$BIN" capture "http://127.0.0.1:$PORT/chinese.html" -o "$out" --timeout 20 \
        >"$TMP/stdout" 2>"$TMP/stderr"; then
    missing=""
    for f in page.png page.mhtml page.txt meta.json; do [ -s "$out/$f" ] || missing="$missing $f"; done
    if [ -z "$missing" ] \
        && [ "$(head -c 8 "$out/page.png" | od -An -c | tr -d ' \n')" = '211PNG\r\n032\n' ] \
        && grep -q '回信测试：市长信箱' "$out/page.txt" \
        && head -n 1 "$out/page.mhtml" | grep -q '^From:' \
        && grep -q '"http_status": 200' "$out/meta.json" \
        && grep -q '"title": "网上信访 市长信箱"' "$out/meta.json" \
        && grep -q '"browser": "Chrome/' "$out/meta.json" \
        && grep -q '"captured_at_beijing": "20' "$out/meta.json" \
        && grep -q '"error": "HTTP 404"' "$out/meta.json"; then
        ok "a Chinese page is captured into page.png, page.mhtml, page.txt and meta.json"
    else
        bad "a Chinese page is captured into four files (missing:${missing:-none})"
        cat "$out/meta.json" 2>/dev/null
    fi
else
    bad "a Chinese page is captured (exit $?)"
    cat "$TMP/stderr"
fi

# 2. keys in a fixed order, so two captures diff cleanly
if [ -s "$out/meta.json" ] && python3 -c '
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
keys = list(json.loads(text).keys())
sys.exit(0 if keys == sorted(keys) and text.startswith("{\n  \"") else 1)' "$out/meta.json"; then
    ok "meta.json has sorted keys and two-space indentation"
else
    bad "meta.json has sorted keys and two-space indentation"
fi

# 3. no Chromium: exit 4 and the package named
timeout 30 "$BIN" capture "http://127.0.0.1:$PORT/chinese.html" -o "$TMP/x" --chromium /nonexistent \
    >/dev/null 2>"$TMP/stderr"
rc=$?
if [ $rc -eq 4 ] && grep -q "Debian package 'chromium'" "$TMP/stderr" && [ "$(wc -l <"$TMP/stderr")" -eq 1 ]; then
    ok "no Chromium: exit 4 and one line naming the package"
else
    bad "no Chromium: exit 4 and one line naming the package (exit $rc)"
    cat "$TMP/stderr"
fi

# 4. an unresolvable host: non-zero, the URL named
timeout 60 "$BIN" capture "http://nonexistent.invalid/" -o "$TMP/y" --timeout 20 >/dev/null 2>"$TMP/stderr"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'http://nonexistent.invalid/' "$TMP/stderr"; then
    ok "an unresolvable host fails (exit $rc) naming the URL"
else
    bad "an unresolvable host fails naming the URL (exit $rc)"
    cat "$TMP/stderr"
fi

# 5. an unreachable --browser: exit 4 within the timeout
start=$(date +%s)
timeout 30 "$BIN" capture "http://127.0.0.1:$PORT/chinese.html" -o "$TMP/z" --browser http://127.0.0.1:9 --timeout 3 \
    >/dev/null 2>"$TMP/stderr"
rc=$?
took=$(($(date +%s) - start))
if [ $rc -eq 4 ] && [ $took -le 5 ] && grep -q '127.0.0.1:9' "$TMP/stderr"; then
    ok "an unreachable --browser: exit 4 in ${took} s"
else
    bad "an unreachable --browser: exit 4 within the timeout (exit $rc, ${took} s)"
    cat "$TMP/stderr"
fi

# 6. version: huixin's, then the browser's; --no-browser skips the browser
if timeout 60 "$BIN" version >"$TMP/stdout" 2>"$TMP/stderr" \
    && grep -q '^huixin [0-9]' "$TMP/stdout" && grep -q '^browser Chrome/[0-9]' "$TMP/stdout" \
    && [ "$("$BIN" version --no-browser | wc -l)" -eq 1 ]; then
    ok "version prints huixin's and the browser's version"
else
    bad "version prints huixin's and the browser's version"
    cat "$TMP/stdout" "$TMP/stderr"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
