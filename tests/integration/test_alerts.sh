#!/bin/sh
# Alerts end to end with the real binary against receivers on 127.0.0.1: an HTTP sink that records
# every POST and an SMTP sink that records each message (tests/integration/sinks/). Checks each
# webhook format's body, the DingTalk and Feishu signatures (recomputed here), the e-mail (MAIL FROM,
# RCPT TO, the Subject decoding to the Chinese text), that no secret reaches huixin's output, that a
# config readable by others is refused, and that unreachable, slow or refusing receivers fail cleanly
# within the timeout. The last line is "N passed, N failed".
set -u
HUIXIN=${HUIXIN_BIN:-$PWD/huixin}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/huixin-alerts-XXXXXX)
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
unset HUIXIN_WEBHOOK_URL HUIXIN_WEBHOOK_FORMAT HUIXIN_WEBHOOK_SECRET HUIXIN_SMTP_URL HUIXIN_SMTP_USER \
    HUIXIN_SMTP_PASSWORD HUIXIN_SMTP_FROM HUIXIN_SMTP_TO XDG_CONFIG_HOME
export HOME=$T/home # so no real ~/.config/huixin/alerts.conf is read
mkdir -p "$HOME"
pass=0
fail=0
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
ok() { pass=$((pass + 1)); echo "ok   test_alerts: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL test_alerts: $1"; }
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
wait_port() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$1" 2>/dev/null
}
# start NAME SCRIPT ARGS...: a sink in the background, its port in $PORT
start() {
    name=$1
    script=$2
    shift 2
    python3 "$HERE/sinks/$script" --port-file "$T/$name.port" "$@" 2>"$T/$name.log" &
    PIDS="$PIDS $!"
    PORT=$(wait_port "$T/$name.port")
    if [ -z "$PORT" ]; then
        cat "$T/$name.log"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

start http http_sink.py --out "$T/http.jsonl"
HP=$PORT
start smtp smtp_sink.py --out "$T/smtp.jsonl"
SP=$PORT
start refuse http_sink.py --out "$T/refuse.jsonl" \
    --reply '{"errcode":310000,"errmsg":"sign not match, more: access_token=DINGTOKEN-2f9a8b7c6d5e"}'
RP=$PORT
start slow http_sink.py --out "$T/slow.jsonl" --delay 8
SLOWP=$PORT

# Secrets used below; none may appear in anything huixin prints.
SECRETS="WECOMKEY-7d3e1a2b9c8f DINGTOKEN-2f9a8b7c6d5e SECding5ecret0001 feishu5ecret0002 SMTPpassw0rd-x9 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
no_secret_in() {
    for s in $SECRETS; do
        if grep -q -- "$s" "$@"; then
            echo "  secret '$s' found in $*"
            return 1
        fi
    done
    return 0
}

CONF=$T/alerts.conf
cat >"$CONF" <<EOF
# huixin alerts for the test
daily_summary = 18:00
[webhook wecom]
url = http://127.0.0.1:$HP/cgi-bin/webhook/send?key=WECOMKEY-7d3e1a2b9c8f
format = wecom
[webhook ding]
url = http://127.0.0.1:$HP/robot/send?access_token=DINGTOKEN-2f9a8b7c6d5e
format = dingtalk
secret = SECding5ecret0001
[webhook feishu]
url = http://127.0.0.1:$HP/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
format = feishu
secret = feishu5ecret0002
[webhook]
url = http://127.0.0.1:$HP/generic
[smtp mail]
url = smtp://127.0.0.1:$SP
user = mailer@example.com
password = SMTPpassw0rd-x9
from = 回信提醒 <huixin@example.com>
to = 督查室 <a@example.com>, b@example.com
EOF
chmod 600 "$CONF"

# --- every channel takes the test message ----------------------------------------------------------
start_s=$(date +%s)
timeout 60 "$HUIXIN" alert test --alerts "$CONF" --timeout 5 >"$T/out" 2>"$T/err"
rc=$?
check "alert test: exit 0 with five channels" test $rc -eq 0
check "alert test reports each channel" sh -c "[ \$(grep -c '^ok   ' '$T/out') -eq 5 ] && grep -q '^5 of 5 channels took the test message$' '$T/out'"
check "no secret in huixin's stdout or stderr" no_secret_in "$T/out" "$T/err"
check "the webhook URLs are shown redacted" grep -q "wecom webhook 'http://127.0.0.1:$HP/cgi-bin/webhook/send?key=\*\*\*'" "$T/out"

python3 - "$T/http.jsonl" "$T/smtp.jsonl" <<'PY' >"$T/shape" 2>&1
import base64, email, hashlib, hmac, json, sys, urllib.parse
from email import policy
posts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
mails = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
by_path = {p["path"]: p for p in posts}
def ok(name, cond):
    print(("ok " if cond else "bad ") + name)
ok("four POSTs", len(posts) == 4)
for p in posts:
    ok("json content type " + p["path"], p["headers"].get("content-type", "").startswith("application/json"))
    ok("utf-8 body " + p["path"], p["body_is_utf8"])
w = json.loads(by_path["/cgi-bin/webhook/send"]["body"])
ok("wecom: msgtype markdown", w.get("msgtype") == "markdown" and set(w) == {"msgtype", "markdown"})
ok("wecom: markdown content in Chinese", "回信测试消息" in w["markdown"]["content"])
ok("wecom: key kept in the query", by_path["/cgi-bin/webhook/send"]["query_params"]["key"] == ["WECOMKEY-7d3e1a2b9c8f"])
d = by_path["/robot/send"]
db = json.loads(d["body"])
ok("dingtalk: msgtype text", db.get("msgtype") == "text" and "回信测试消息" in db["text"]["content"])
q = d["query_params"]
ts = q["timestamp"][0]
secret = "SECding5ecret0001"
want = base64.b64encode(hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256).digest()).decode()
ok("dingtalk: sign = base64(hmac-sha256(secret, timestamp\\nsecret))", q["sign"] == [want])
ok("dingtalk: sign is url-encoded in the query", urllib.parse.quote(want, safe="") in d["query"])
ok("dingtalk: access_token kept", q["access_token"] == ["DINGTOKEN-2f9a8b7c6d5e"])
f = json.loads(by_path["/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]["body"])
ok("feishu: msg_type text", f.get("msg_type") == "text" and "回信测试消息" in f["content"]["text"])
fts = f["timestamp"]
fsecret = "feishu5ecret0002"
fwant = base64.b64encode(hmac.new((fts + "\n" + fsecret).encode(), b"", hashlib.sha256).digest()).decode()
ok("feishu: sign = base64(hmac-sha256(timestamp\\nsecret, empty))", f["sign"] == fwant)
ok("feishu: timestamp in seconds, as a string", isinstance(fts, str) and len(fts) == 10 and abs(int(fts) - int(ts) // 1000) <= 2)
g = json.loads(by_path["/generic"]["body"])
ok("generic: huixin_alert 1, kind test", g.get("huixin_alert") == 1 and g.get("kind") == "test")
ok("generic: subject and text", g.get("subject") == "【回信】测试消息" and "回信测试消息" in g.get("text", ""))
ok("one mail", len(mails) == 1)
m = mails[0]
ok("smtp: MAIL FROM is the bare address", m["mail_from"] == "huixin@example.com")
ok("smtp: RCPT TO each recipient", m["rcpt_to"] == ["a@example.com", "b@example.com"])
ok("smtp: logged in with the configured user", m["auth_user"] == "mailer@example.com" and m["auth_password"] == "SMTPpassw0rd-x9")
raw = m["data"]
ok("smtp: the raw Subject is an encoded-word", "\r\nSubject: =?UTF-8?B?" in "\r\n" + raw)
ok("smtp: no raw 8-bit header", all(ord(c) < 128 for c in raw.split("\r\n\r\n", 1)[0]))
msg = email.message_from_string(raw, policy=policy.default)
ok("smtp: Subject decodes to the Chinese text", str(msg["Subject"]) == "【回信】测试消息")
ok("smtp: From decodes with its name", msg["From"].addresses[0].display_name == "回信提醒" and msg["From"].addresses[0].addr_spec == "huixin@example.com")
ok("smtp: To lists both", [a.addr_spec for a in msg["To"].addresses] == ["a@example.com", "b@example.com"])
ok("smtp: Date parses", msg["Date"].datetime is not None)
ok("smtp: Message-ID", str(msg["Message-ID"]).startswith("<") and "@example.com>" in str(msg["Message-ID"]))
ok("smtp: body decodes", "回信测试消息" in msg.get_content())
PY
if grep -q '^bad ' "$T/shape" || ! grep -q '^ok ' "$T/shape"; then
    cat "$T/shape"
    bad "each format's body, the signatures and the e-mail"
else
    ok "each format's body, the signatures and the e-mail ($(grep -c '^ok ' "$T/shape") checks)"
fi

# --- an example alert: the verdict-change message through every channel -------------------------------
: >"$T/http.jsonl"
: >"$T/smtp.jsonl"
timeout 60 "$HUIXIN" alert test --alerts "$CONF" --timeout 5 --example >"$T/out" 2>"$T/err"
rc=$?
check "alert test --example: exit 0" sh -c "[ $rc -eq 0 ] && grep -q '^5 of 5 channels took the example message$' '$T/out'"
python3 - "$T/http.jsonl" "$T/smtp.jsonl" <<'PY' >"$T/shape" 2>&1
import email, json, sys
from email import policy
posts = {p["path"]: json.loads(p["body"]) for p in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
mail = email.message_from_string(json.loads(open(sys.argv[2], encoding="utf-8").readline())["data"], policy=policy.default)
def ok(name, cond):
    print(("ok " if cond else "bad ") + name)
w = posts["/cgi-bin/webhook/send"]["markdown"]["content"]
ok("wecom markdown names the verdict", w.startswith('### 回信提醒：<font color="warning">超期未回复</font>\n'))
ok("wecom markdown quotes the site", "> 网站：示例市人民政府\n> 信箱：市长信箱\n" in w)
d = posts["/robot/send"]["text"]["content"]
ok("dingtalk text: the change", "状态：待回复 → 超期未回复" in d)
f = posts["/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]["content"]["text"]
ok("feishu text same as dingtalk", f == d)
g = posts["/generic"]
ok("generic: kind verdict_change with the event", g["kind"] == "verdict_change" and g["event"]["new_verdict"] == "超期未回复" and g["event"]["letter_token"] == "HX-EXAMPLE")
ok("mail subject", str(mail["Subject"]) == "【回信】超期未回复：示例市人民政府 市长信箱")
ok("mail body", "状态：待回复 → 超期未回复" in mail.get_content())
PY
if grep -q '^bad ' "$T/shape" || ! grep -q '^ok ' "$T/shape"; then
    cat "$T/shape"
    bad "the example alert's words in each format"
else
    ok "the example alert's words in each format ($(grep -c '^ok ' "$T/shape") checks)"
fi

# --- configuration -----------------------------------------------------------------------------
chmod 644 "$CONF"
timeout 30 "$HUIXIN" alert test --alerts "$CONF" >"$T/out" 2>"$T/err"
rc=$?
check "a 0644 config with secrets is refused (exit 3, says chmod 600)" \
    sh -c "[ $rc -eq 3 ] && grep -q \"run 'chmod 600 $CONF'\" '$T/err'"
check "the refusal shows no secret" no_secret_in "$T/out" "$T/err"
chmod 600 "$CONF"

printf '[webhook]\nurl = http://127.0.0.1:%s/x\nsecrte = typo\n' "$HP" >"$T/typo.conf"
chmod 600 "$T/typo.conf"
timeout 30 "$HUIXIN" alert test --alerts "$T/typo.conf" >"$T/out" 2>"$T/err"
rc=$?
check "an unknown key is an error naming file:line" sh -c "[ $rc -eq 3 ] && grep -q \"typo.conf:3: unknown key 'secrte' in \[webhook\]\" '$T/err'"

: >"$T/http.jsonl"
HUIXIN_WEBHOOK_URL="http://127.0.0.1:$HP/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" \
    HUIXIN_WEBHOOK_FORMAT=feishu HUIXIN_WEBHOOK_SECRET=feishu5ecret0002 \
    timeout 30 "$HUIXIN" alert test --timeout 5 >"$T/out" 2>"$T/err"
rc=$?
signed=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "sign" in json.loads(json.loads(l)["body"])))' "$T/http.jsonl")
check "a channel from the environment alone (signed)" sh -c "[ $rc -eq 0 ] && grep -q '(environment): feishu webhook' '$T/out' && [ '$signed' = 1 ]"
check "no secret from the environment in the output" no_secret_in "$T/out" "$T/err"

timeout 30 "$HUIXIN" alert test >"$T/out" 2>"$T/err"
rc=$?
check "no channel at all: exit 3 with what to configure" sh -c "[ $rc -eq 3 ] && grep -q 'no alert channel configured' '$T/err'"

# --- receivers that fail ---------------------------------------------------------------------------
cat >"$T/bad.conf" <<EOF
[webhook gone]
url = http://127.0.0.1:9/hook?access_token=DINGTOKEN-2f9a8b7c6d5e
format = dingtalk
secret = SECding5ecret0001
[webhook refuses]
url = http://127.0.0.1:$RP/robot/send?access_token=DINGTOKEN-2f9a8b7c6d5e
format = dingtalk
[webhook slow]
url = http://127.0.0.1:$SLOWP/cgi-bin/webhook/send?key=WECOMKEY-7d3e1a2b9c8f
[smtp nobody]
url = smtp://127.0.0.1:9
user = mailer@example.com
password = SMTPpassw0rd-x9
from = huixin@example.com
to = a@example.com
[webhook fine]
url = http://127.0.0.1:$HP/generic
EOF
chmod 600 "$T/bad.conf"
start_s=$(date +%s)
timeout 60 "$HUIXIN" alert test --alerts "$T/bad.conf" --timeout 2 >"$T/out" 2>"$T/err"
rc=$?
took=$(($(date +%s) - start_s))
check "failing receivers: exit 1, no crash, the good channel still sent" \
    sh -c "[ $rc -eq 1 ] && grep -q '^ok   fine ' '$T/out' && grep -q '^1 of 5 channels took the test message$' '$T/out'"
check "an unreachable webhook: a clear error" grep -q "^FAIL gone (.*): dingtalk webhook 'http://127.0.0.1:9/hook?access_token=\*\*\*': .*onnect" "$T/out"
check "a robot's refusal: its code and message" grep -q "^FAIL refuses (.*): dingtalk webhook .* refused the message: code 310000: sign not match" "$T/out"
check "a slow webhook times out" grep -q "^FAIL slow (.*): generic webhook .*timed out after" "$T/out"
check "an unreachable SMTP server: a clear error" grep -q "^FAIL nobody (.*): smtp 'smtp://127.0.0.1:9': " "$T/out"
check "the failures stay within the timeouts (${took}s)" test "$took" -le 10
check "no secret in the failure messages (even one echoed back)" no_secret_in "$T/out" "$T/err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
