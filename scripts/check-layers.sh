#!/bin/sh
# make layers: the house rules of style.md that a script can check.
#  1. Arrows point down only: cli -> reports -> verify -> scenarios -> driver -> common. A file includes
#     headers of its own folder and of folders below it, never above; each folder is a floor of its own,
#     so there is no sideways.
#  2. A private header (*_internal.h) is included only from its own folder.
#  3. Each third-party library stays behind the files named in LIBRARIES; a new file that needs one is a
#     decision to write down here, not an accident.
# Prints each breach as FILE:LINE: what, and exits 1 if there is any.
set -u
cd "$(dirname "$0")/.."

rank() {
    case "$1" in
    common) echo 0 ;; driver) echo 1 ;; scenarios) echo 2 ;; verify) echo 3 ;; reports) echo 4 ;; cli) echo 5 ;;
    *) echo -1 ;;
    esac
}

# library header prefix|the files allowed to include it
# (verify/cert_probe.c: its own TLS handshake reads a site's certificate for the evidence, issue 17 gate 6;
#  scenarios/mail_imap.c: the IMAP client of the mail steps, beside the steps that use it, issue 17 gate 8)
LIBRARIES='libwebsockets.h|driver/ws.c
sqlite3.h|verify/ledger.c
curl/|driver/remote.c scenarios/captcha.c scenarios/mail_imap.c verify/tsa.c reports/alert_send.c
openssl/|verify/digest.c verify/evidence_sign.c verify/tsa.c reports/alert_wire.c verify/cert_probe.c'

files=$(find cli common driver scenarios verify reports -name '*.[ch]' | sort)

breaches() {
    for f in $files; do
        dir=${f%%/*}
        from=$(rank "$dir")
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
            num=${line%%:*}
            inc=$(echo "$line" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
            case "$inc" in
            */*) ;;
            *) echo "$f:$num: include \"$inc\" names no folder (write \"$dir/$inc\")"; continue ;;
            esac
            to_dir=${inc%%/*}
            to=$(rank "$to_dir")
            if [ "$to" -lt 0 ]; then
                echo "$f:$num: include \"$inc\": '$to_dir' is not a floor of the house"
            elif [ "$to" -gt "$from" ]; then
                echo "$f:$num: $dir/ includes \"$inc\": an arrow pointing up"
            fi
            case "$inc" in
            *_internal.h) [ "$to_dir" = "$dir" ] || echo "$f:$num: \"$inc\" is private to $to_dir/" ;;
            esac
        done
    done
    echo "$LIBRARIES" | while IFS='|' read -r prefix allowed; do
        for f in $(grep -l "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$prefix" $files); do
            ok=0
            for a in $allowed; do [ "$f" = "$a" ] && ok=1; done
            [ $ok -eq 1 ] || echo "$f: includes <$prefix...>, which stays behind $allowed"
        done
    done
}

found=$(breaches)
if [ -n "$found" ]; then
    echo "$found"
    echo "layers: FAILED ($(echo "$found" | wc -l) breaches)"
    exit 1
fi
echo "layers: ok ($(echo "$files" | wc -l) files: arrows point down, private headers stay home, libraries stay behind their files)"
