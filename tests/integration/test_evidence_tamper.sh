#!/bin/sh
# Evidence integrity end to end, with the real binary: keygen, sign, RFC 3161 timestamps from a local
# TSA (openssl ts behind a tiny python server on 127.0.0.1, with a CA made here), verify; then one
# changed byte in each file in turn (every byte of a timestamp reply) must fail verification and name
# the visit. Everything lives in a temporary folder; the last line is "N passed, N failed".
set -u
HUIXIN=${HUIXIN_BIN:-$PWD/huixin}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/huixin-tamper-XXXXXX)
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
pass=0
fail=0
TSA_PID=
REJ_PID=
cleanup() {
    [ -n "$TSA_PID" ] && kill "$TSA_PID" 2>/dev/null
    [ -n "$REJ_PID" ] && kill "$REJ_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
ok() { pass=$((pass + 1)); echo "ok   test_evidence_tamper: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL test_evidence_tamper: $1"; }
# check NAME COMMAND...: passes when the command succeeds
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
hx() { timeout 60 "$HUIXIN" "$@"; }

# wait_port FILE: the port a server wrote, within 10 s
wait_port() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$1" 2>/dev/null
}

# --- the TSA ---------------------------------------------------------------------------------
if ! sh "$HERE/tsa/make_tsa_ca.sh" "$T/tsa" >"$T/ca.log" 2>&1; then
    cat "$T/ca.log"
    echo "0 passed, 1 failed"
    exit 1
fi
python3 "$HERE/tsa/tsa_server.py" --dir "$T/tsa" --port-file "$T/tsa.port" 2>"$T/tsa.log" &
TSA_PID=$!
python3 "$HERE/tsa/tsa_server.py" --dir "$T/tsa" --port-file "$T/rej.port" --reject 2>"$T/rej.log" &
REJ_PID=$!
PORT=$(wait_port "$T/tsa.port")
REJ_PORT=$(wait_port "$T/rej.port")
if [ -z "$PORT" ] || [ -z "$REJ_PORT" ]; then
    cat "$T/tsa.log" "$T/rej.log"
    echo "0 passed, 1 failed"
    exit 1
fi

# --- an evidence tree: two letters, 3 and 2 visits, manifests chained --------------------------
# Written by an independent implementation of the manifest format (evidence.h), so the verifier is
# checked against the format, not against its own writer (tests/unit/test_evidence_sign.c does that).
python3 - "$T/ev" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
def visit(letter_dir, seq, kind, prev, token):
    d = os.path.join(letter_dir, "%03d-%s-2026111%dT020000Z" % (seq, kind, seq))
    os.makedirs(d)
    files = {"page.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2 + b"visit%d" % seq,
             "page.mhtml": ("MIME-Version: 1.0\r\n\r\n<html>市长信箱 第%d次</html>\r\n" % seq).encode(),
             "page.txt": ("来信时间 2026-11-1%d 办理状态 处理中\n" % seq).encode(),
             "meta.json": b'{"url": "http://127.0.0.1/jact/front/mailpubdetail.do?transactId=7"}\n'}
    entries = []
    for name in sorted(files):
        with open(os.path.join(d, name), "wb") as f:
            f.write(files[name])
        entries.append({"name": name, "sha256": hashlib.sha256(files[name]).hexdigest(),
                        "bytes": len(files[name])})
    m = {"huixin_manifest": 1, "letter_token": token, "captured_at_utc": "2026-11-1%dT02:00:00Z" % seq,
         "files": entries, "previous_manifest_sha256": prev}
    text = (json.dumps(m, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    with open(os.path.join(d, "manifest.json"), "wb") as f:
        f.write(text)
    return hashlib.sha256(text).hexdigest()
for site, lid, n in (("site-a", 1, 3), ("site-b", 2, 2)):
    letter = os.path.join(root, "camp", site, "letter-%d" % lid)
    prev = None
    for seq in range(1, n + 1):
        prev = visit(letter, seq, "submit" if seq == 1 else "check", prev, "HX%04d" % lid)
PY
EV=$T/ev
L1=$EV/camp/site-a/letter-1
V2=$L1/002-check-20261112T020000Z

# --- keys ------------------------------------------------------------------------------------
hx keygen -o "$T/keys" >"$T/out" 2>&1
check "keygen writes a key pair" test -f "$T/keys/huixin-ed25519.key" -a -f "$T/keys/huixin-ed25519.pub"
check "the private key is mode 600" test "$(stat -c %a "$T/keys/huixin-ed25519.key")" = 600
hx keygen -o "$T/keys" >"$T/out" 2>&1
rc=$?
check "keygen refuses to overwrite a key" sh -c "[ $rc -ne 0 ] && grep -q 'already exists' '$T/out'"
KEY=$T/keys/huixin-ed25519.key
PUB=$T/keys/huixin-ed25519.pub

# --- seal and verify -------------------------------------------------------------------------
hx evidence sign "$EV" --sign-key "$KEY" >"$T/out" 2>&1
check "sign signs every visit" grep -q '^5 visits signed$' "$T/out"
hx evidence timestamp "$EV" --tsa "http://127.0.0.1:$PORT/tsa" --timeout 20 >"$T/out" 2>&1
check "timestamp stamps every visit" grep -q '^5 visits timestamped$' "$T/out"
check "the timestamp reply is kept as manifest.tsr" test -s "$V2/manifest.tsr"
hx evidence verify "$EV" --pubkey "$PUB" --tsa-ca "$T/tsa/ca.crt" >"$T/out" 2>&1
rc=$?
check "sealed evidence verifies (exit 0)" test $rc -eq 0
check "the summary counts visits, signatures and timestamps" grep -qx \
    '5 visits in 2 letters: 5 ok, 0 failures; 5 signatures valid; 5 timestamps intact and trusted' "$T/out"
check "verify records when and how the tree was verified, for the reports" sh -c \
    "grep -q '\"failures\": 0' '$EV/.huixin-verified.json' && grep -q '\"with_signatures\": true' '$EV/.huixin-verified.json'"
hx evidence verify "$EV" -v >"$T/out" 2>&1
rc=$?
check "without --pubkey: exit 0 and says the signature was not checked" \
    sh -c "[ $rc -eq 0 ] && grep -q 'signature not checked (no --pubkey)' '$T/out'"
hx evidence verify "$V2" --pubkey "$PUB" --tsa-ca "$T/tsa/ca.crt" >"$T/out" 2>&1
check "a single visit folder verifies" test $? -eq 0
check "a single visit folder gets no verification record" test ! -e "$V2/.huixin-verified.json"

# --- one changed byte in each file in turn -------------------------------------------------------
# Every file of every visit of letter-1: the first, a middle and the last byte of each (both the low
# and the high bit), and every byte of one timestamp reply (every HUIXIN_TEST_FLIP_STRIDE-th and the
# last under make check). Each must exit 1 and name the visit.
python3 - "$HUIXIN" "$L1" "$PUB" "$T/tsa/ca.crt" >"$T/flips" 2>&1 <<'PY'
import os, subprocess, sys
huixin, letter, pub, ca = sys.argv[1:5]
flips = missed = misnamed = 0
for visit in sorted(os.listdir(letter)):
    vdir = os.path.join(letter, visit)
    for name in sorted(os.listdir(vdir)):
        path = os.path.join(vdir, name)
        orig = open(path, "rb").read()
        if name == "manifest.tsr" and visit.startswith("002-"):
            # every byte; under the sanitizers (make check) every Nth, each flip being a run of huixin
            stride = int(os.environ.get("HUIXIN_TEST_FLIP_STRIDE", "1"))
            spots = [(i, 0x01) for i in sorted(set(range(0, len(orig), stride)) | {len(orig) - 1})]
        else:
            spots = [(i, m) for i in sorted({0, len(orig) // 2, len(orig) - 1}) for m in (0x01, 0x80)]
        for i, mask in spots:
            b = bytearray(orig)
            b[i] ^= mask
            with open(path, "wb") as f:
                f.write(b)
            r = subprocess.run([huixin, "evidence", "verify", letter, "--pubkey", pub, "--tsa-ca", ca],
                               capture_output=True, timeout=60)
            out = r.stdout.decode("utf-8")  # must be valid UTF-8: raises otherwise
            flips += 1
            if r.returncode != 1:
                missed += 1
                print("not caught (exit %d): %s byte %d ^ 0x%02x" % (r.returncode, path, i, mask))
            elif ("FAIL letter-1/%s: " % visit) not in out:
                misnamed += 1
                print("caught but not named: %s byte %d: %s" % (path, i, out[:300]))
        with open(path, "wb") as f:
            f.write(orig)
print("flips %d missed %d misnamed %d" % (flips, missed, misnamed))
PY
tail -n 5 "$T/flips"
flips=$(sed -n 's/^flips \([0-9]*\) .*/\1/p' "$T/flips")
check "a changed byte in any file, manifest, signature or timestamp fails (${flips:-0} flips)" \
    grep -q '^flips [0-9][0-9][0-9]* missed 0 misnamed 0$' "$T/flips"
hx evidence verify "$EV" --pubkey "$PUB" --tsa-ca "$T/tsa/ca.crt" >"$T/out" 2>&1
check "restored evidence verifies again" test $? -eq 0

# --- what the failures say -------------------------------------------------------------------
cp "$V2/page.png" "$T/page.png.orig"
printf 'X' | dd of="$V2/page.png" bs=1 seek=100 conv=notrunc 2>/dev/null
want=$(sha256sum "$T/page.png.orig" | cut -d' ' -f1)
found=$(sha256sum "$V2/page.png" | cut -d' ' -f1)
hx evidence verify "$EV" --pubkey "$PUB" >"$T/out" 2>&1
rc=$?
check "a changed page: exit 1 and the exact line with both hashes" sh -c "[ $rc -eq 1 ] && grep -qx \
'FAIL camp/site-a/letter-1/002-check-20261112T020000Z: page.png: sha256 mismatch (expected $want, found $found)' '$T/out'"
cp "$T/page.png.orig" "$V2/page.png"

echo planted >"$V2/extra.txt"
hx evidence verify "$EV" >"$T/out" 2>&1
check "an added file is named" grep -qx 'FAIL camp/site-a/letter-1/002-check-20261112T020000Z: unlisted file extra.txt' "$T/out"
rm "$V2/extra.txt"

mv "$V2/page.mhtml" "$T/page.mhtml"
hx evidence verify "$L1" >"$T/out" 2>&1
check "a removed file is named" grep -qx 'FAIL letter-1/002-check-20261112T020000Z: missing file page.mhtml' "$T/out"
mv "$T/page.mhtml" "$V2/page.mhtml"

mv "$V2" "$T/moved-visit"
hx evidence verify "$L1" >"$T/out" 2>&1
rc=$?
v1sha=$(sha256sum "$L1/001-submit-20261111T020000Z/manifest.json" | cut -d' ' -f1)
check "a removed visit breaks the chain, named with the hash found" sh -c "[ $rc -eq 1 ] && grep -q \
\"^FAIL letter-1/003-check-20261113T020000Z: chain broken: previous_manifest_sha256 is [0-9a-f]* but 001-submit-20261111T020000Z's manifest hashes to $v1sha\$\" '$T/out'"
check "a removed visit leaves a gap in the numbering" grep -q 'visit 003 follows visit 001: a visit is missing' "$T/out"
mv "$T/moved-visit" "$V2"

hx keygen -o "$T/other-keys" >/dev/null 2>&1
hx evidence verify "$EV" --pubkey "$T/other-keys/huixin-ed25519.pub" >"$T/out" 2>&1
rc=$?
check "another key: exit 1, bad signature" sh -c "[ $rc -eq 1 ] && grep -q ': bad signature: signed by key ' '$T/out'"

hx evidence verify "$EV" --tsa-ca "$T/tsa/other-ca.crt" >"$T/out" 2>&1
rc=$?
check "an untrusted TSA: exit 1, does not chain" sh -c "[ $rc -eq 1 ] && grep -q \"does not chain to '$T/tsa/other-ca.crt'\" '$T/out'"

mv "$V2/manifest.tsr" "$T/manifest.tsr"
hx evidence verify "$EV" --tsa-ca "$T/tsa/ca.crt" >"$T/out" 2>&1
check "a removed timestamp fails when --tsa-ca is given" grep -q '002-check-20261112T020000Z: no timestamp (manifest.tsr)' "$T/out"
mv "$T/manifest.tsr" "$V2/manifest.tsr"

# --- TSA failures --------------------------------------------------------------------------------
cp "$V2/manifest.tsr" "$T/tsr.before"
hx evidence timestamp "$V2" --force --tsa "http://huixin:pa55word@127.0.0.1:$REJ_PORT/tsa?access_token=TOPSECRET42" \
    >"$T/out" 2>&1
rc=$?
check "a rejecting TSA: a clear error" sh -c "[ $rc -ne 0 ] && grep -q 'status 2 (rejection)' '$T/out'"
check "the TSA's credentials are not shown" sh -c "! grep -q -e pa55word -e TOPSECRET42 '$T/out'"
check "a failed timestamp keeps the old one" cmp -s "$T/tsr.before" "$V2/manifest.tsr"
hx evidence verify "$EV" --pubkey "$PUB" --tsa-ca "$T/tsa/ca.crt" >"$T/out" 2>&1
check "evidence still verifies after the failed request" test $? -eq 0

start=$(date +%s)
hx evidence timestamp "$V2" --force --tsa "http://127.0.0.1:9/tsa" --timeout 3 >"$T/out" 2>&1
rc=$?
took=$(($(date +%s) - start))
check "an unreachable TSA: exit 7 within the timeout, a clear message" \
    sh -c "[ $rc -eq 7 ] && [ $took -le 5 ] && grep -q 'timestamp authority .http://127.0.0.1:9/tsa.: ' '$T/out'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
