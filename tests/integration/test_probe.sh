#!/bin/sh
# `huixin probe` against the fixture mailboxes (tests/sites/server.py) and a real headless Chromium:
# each draft must pass `huixin lint` and, run UNCHANGED with `huixin submit`, really send a letter that
# the control API then holds (with the same query code or number the draft extracted). Also: the
# outlined screenshot, the iframe family (a frame step), a page without a form (exit 1), usage errors.
# The binary comes from $HUIXIN_BIN (default ./huixin). Last line: N passed, N failed.
set -u
BIN=${HUIXIN_BIN:-./huixin}
case "$BIN" in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export HUIXIN_DATA=${HUIXIN_DATA:-$ROOT/scenarios}
TMP=$(mktemp -d /tmp/huixin-test-probe-XXXXXX)
pass=0
fail=0
server_pid=

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   test_probe: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL test_probe: $1"; }

python3 "$ROOT/tests/sites/server.py" --state "$TMP/state" --ports-file "$TMP/ports.json" >/dev/null 2>"$TMP/server.err" &
server_pid=$!
i=0
while [ ! -s "$TMP/ports.json" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/ports.json" "$1" 2>/dev/null; }
CONTROL=$(port control)
if [ -z "$CONTROL" ]; then
    bad "the fixture sites start"
    cat "$TMP/server.err"
    echo "$pass passed, $fail failed"
    exit 1
fi
cd "$TMP" || exit 1

# What the control API holds for a site: "COUNT<TAB>last letter's query code<TAB>number<TAB>name<TAB>content".
letters() {
    python3 - "$CONTROL" "$1" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/api/letters?site=%s" % (sys.argv[1], sys.argv[2]), timeout=10) as r:
    ls = json.load(r)["letters"]
last = ls[-1] if ls else {}
print("\t".join([str(len(ls)), last.get("query_code", ""), last.get("number", ""), last.get("name", ""),
                 (last.get("content") or "").replace("\n", " ")]))
EOF
}

# field of the submit answer (JSON on stdout): status, token, extracted.query_code ...
answer() {
    python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$1" "$2" 2>/dev/null
}

# probe_submit NAME SERVER SITE PATH CODE_KIND CAPTCHA: probe, lint, submit unchanged, confirm with the
# control API. CODE_KIND: query_code (the draft must extract the letter's query code) or letter_no (its
# number). CAPTCHA: yes if the draft must have a captcha step, no if it must not.
probe_submit() {
    name=$1 server=$2 site=$3 path=$4 code_kind=$5 want_captcha=$6
    base="http://127.0.0.1:$(port "$server")"
    draft="$TMP/$name.json"
    shot="$TMP/$name.png"
    if timeout 90 "$BIN" probe "$base$path" -o "$draft" -s "$shot" --timeout 20 >"$TMP/$name.stdout" \
            2>"$TMP/$name.stderr" \
        && [ -s "$draft" ] \
        && [ "$(head -c 8 "$shot" | od -An -c | tr -d ' \n')" = '211PNG\r\n032\n' ] \
        && grep -q "screenshot $shot" "$TMP/$name.stderr" \
        && grep -q '"goto": "${base_url}' "$draft" \
        && grep -q '"final": true' "$draft" \
        && { grep -q '"captcha": {' "$draft"; [ $? -eq "$([ "$want_captcha" = yes ] && echo 0 || echo 1)" ]; } \
        && grep -q '"value": "${letter.body}"' "$draft" \
        && grep -q '"value": "${letter.title}"' "$draft"; then
        ok "$name: probe finds the form (title, body, captcha: $want_captcha, send button), writes the draft and an outlined PNG"
    else
        bad "$name: probe finds the form and writes the draft and an outlined PNG"
        cat "$TMP/$name.stderr" "$draft" 2>/dev/null
        return
    fi
    if timeout 30 "$BIN" lint "$draft" >"$TMP/$name.lint" 2>&1; then
        ok "$name: the draft passes huixin lint"
    else
        bad "$name: the draft passes huixin lint"
        cat "$TMP/$name.lint"
    fi
    before=$(letters "$site" | cut -f1)
    timeout 180 "$BIN" submit --no-ledger "$draft" --var "base_url=$base" --var "letter.name=李明" \
        --var "letter.phone=13800138000" --var "letter.email=liming@example.com" \
        --var "letter.address=江屿省某市某区1号" --captcha "control:http://127.0.0.1:$CONTROL/api/captcha?site=$site" \
        --evidence "$TMP/ev" --timeout 20 >"$TMP/$name.submit" 2>"$TMP/$name.submit.err"
    rc=$?
    now=$(letters "$site")
    count=$(printf '%s' "$now" | cut -f1)
    token=$(answer "$TMP/$name.submit" token)
    if [ "$code_kind" = query_code ]; then want=$(printf '%s' "$now" | cut -f2); else want=$(printf '%s' "$now" | cut -f3); fi
    got=$(answer "$TMP/$name.submit" "extracted.$code_kind")
    if [ $rc -eq 0 ] && [ "$(answer "$TMP/$name.submit" status)" = submitted ] \
        && [ -n "$before" ] && [ "$count" -eq $((before + 1)) ] \
        && [ -n "$token" ] && printf '%s' "$now" | cut -f5 | grep -q "$token" \
        && [ "$(printf '%s' "$now" | cut -f4)" = "李明" ] \
        && [ -n "$want" ] && [ "$got" = "$want" ]; then
        ok "$name: huixin submit runs the draft unchanged; the site holds the letter (token $token, $code_kind $got)"
    else
        bad "$name: huixin submit runs the draft unchanged and the site holds the letter (exit $rc, letters $before -> $count, $code_kind '$got' vs '$want')"
        cat "$TMP/$name.submit" "$TMP/$name.submit.err"
    fi
}

probe_submit hanweb hanweb hanweb "/jact/front/mailwrite.do?sysid=1" query_code yes
probe_submit gbk gbk gbk "/mail/write.jsp" query_code yes
probe_submit board board board "/" letter_no yes
# the board's captcha is a sum written as text: the draft hands the solver its text (issue 17 gate 2)
if grep -q '"question": "' "$TMP/board.json"; then
    ok "board: the draft's captcha step names the question, whose text goes to the solver"
else
    bad "board: the draft's captcha step names the question, whose text goes to the solver"
    grep -n captcha -A3 "$TMP/board.json"
fi
probe_submit spa spa spa "/" letter_no no

# the legacy GBK family's table layout: pinyin fields found by their label cells, 是否公开 chosen as 公开
if grep -q '"fill": "#xm"' "$TMP/gbk.json" && grep -q '"fill": "#dh"' "$TMP/gbk.json" \
    && grep -q '"choose": "#gk1"' "$TMP/gbk.json" && grep -q '"select": "#lx"' "$TMP/gbk.json" \
    && grep -q '"image": "#yzmimg"' "$TMP/gbk.json"; then
    ok "gbk: table-row labels map xm/dh/lx/gk/yzm; 是否公开 takes 公开"
else
    bad "gbk: table-row labels map xm/dh/lx/gk/yzm; 是否公开 takes 公开"
fi

# the spa's custom dropdowns (read-only inputs over a <ul>): opened, then the option clicked by its text
if grep -q '"click": "#x-select-2"' "$TMP/spa.json" && grep -q '"within": "#x-select-2-wrap"' "$TMP/spa.json" \
    && grep -q '"click_text": "${letter.category}"' "$TMP/spa.json"; then
    ok "spa: custom dropdowns are opened and their option clicked by text (the type by the letter's category)"
else
    bad "spa: custom dropdowns are opened and their option clicked by text"
fi

# the cross-origin iframe family: the draft enters the iframe before filling
ifr="$TMP/iframe.json"
if timeout 90 "$BIN" probe "http://127.0.0.1:$(port iframe-city)/col/col1203/index.html" -o "$ifr" -s "$TMP/iframe.png" \
        --timeout 20 >/dev/null 2>"$TMP/iframe.stderr" \
    && grep -q '"frame": {' "$ifr" && grep -q '"selector": "#mailframe"' "$ifr" && grep -q '"fill": "#userName"' "$ifr" \
    && grep -q '"image": "#captchaImg"' "$ifr" && timeout 30 "$BIN" lint "$ifr" >/dev/null 2>&1; then
    ok "iframe: the form in a cross-origin iframe is found; the draft has a frame step and lints"
else
    bad "iframe: the form in a cross-origin iframe is found; the draft has a frame step and lints"
    cat "$TMP/iframe.stderr" "$ifr" 2>/dev/null
fi

# a page without a mailbox form: exit 1, nothing on stdout, the default screenshot probe-HOST-PORT.png
gport=$(port gbk)
timeout 90 "$BIN" probe "http://127.0.0.1:$gport/mail/list.jsp" --timeout 20 >"$TMP/none.stdout" 2>"$TMP/none.stderr"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$TMP/none.stdout" ] && grep -q "no mailbox form" "$TMP/none.stderr" \
    && [ -s "$TMP/probe-127.0.0.1-$gport.png" ]; then
    ok "a page without a form: exit 1, says so, still leaves probe-HOST-PORT.png"
else
    bad "a page without a form: exit 1, says so, still leaves probe-HOST-PORT.png (exit $rc)"
    cat "$TMP/none.stderr"
fi

# usage: --help, no URL, not http
if timeout 10 "$BIN" probe --help | grep -q '^Usage: huixin probe URL' \
    && { timeout 10 "$BIN" probe >/dev/null 2>&1; [ $? -eq 2 ]; } \
    && { timeout 10 "$BIN" probe ftp://x/ >/dev/null 2>&1; [ $? -eq 2 ]; }; then
    ok "usage: --help prints the usage; no URL or a non-http URL is exit 2"
else
    bad "usage: --help prints the usage; no URL or a non-http URL is exit 2"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
