#!/bin/sh
# `make fuzz` on a fresh clone (issue 12 item 11). Git keeps no empty folder, so a clone has no
# fuzz/regressions/{calendar,cdp,clock}; libFuzzer exits on a missing folder, and `make fuzz` once called
# that a finding in each. Here the Makefile and the committed files of fuzz/ are copied as a clone has
# them, and `make fuzz` runs for real with stand-ins for the fuzzers (FUZZ_CC=true builds nothing, so
# the stand-ins in FUZZ_BUILD stay): shell scripts that take libFuzzer's arguments, exit on a missing
# folder as libFuzzer does ("No such file or directory: DIR; exiting"), and then run clean, crash
# (writing crash-HASH under -artifact_prefix and saying "Test unit written to" it, as libFuzzer does),
# write a slow-unit file, or fail without a crash file.
# No clang needed. The last line is "N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d /tmp/huixin-fuzzmake-XXXXXX)
pass=0
fail=0
trap 'rm -rf "$T"' EXIT INT TERM
ok() { pass=$((pass + 1)); echo "ok   test_fuzz_make: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL test_fuzz_make: $1"; }
# check NAME COMMAND...: passes when the command succeeds
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# --- a clone: the Makefile and every file (never an empty folder) under fuzz/ -----------------------
C=$T/clone
mkdir -p "$C"
cp "$SRC/Makefile" "$C/"
(cd "$SRC" && find fuzz -type f) | while read -r f; do
    mkdir -p "$C/$(dirname "$f")"
    cp "$SRC/$f" "$C/$f"
done
TARGETS=$(cd "$C" && ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||')

# --- the stand-ins ------------------------------------------------------------------------------------
B=$T/build-fuzz
mkdir -p "$B"
for t in $TARGETS; do
    cat >"$B/fuzz_$t" <<'EOF'
#!/bin/sh
prefix=
for a in "$@"; do
    case "$a" in
    -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;;
    -*) ;;
    *) [ -d "$a" ] || { echo "No such file or directory: $a; exiting"; exit 1; } ;;
    esac
done
echo "stat::number_of_executed_units: 1000"
case $(cat "$0.mode" 2>/dev/null || echo clean) in
clean) exit 0 ;;
crash)
    echo "==42==ERROR: AddressSanitizer: heap-buffer-overflow"
    printf x >"${prefix}crash-da39a3ee5e6b4b0d"
    echo "artifact_prefix='$prefix'; Test unit written to ${prefix}crash-da39a3ee5e6b4b0d"
    exit 1 ;;
slow)
    printf x >"${prefix}slow-unit-da39a3ee5e6b4b0d"
    echo "artifact_prefix='$prefix'; Test unit written to ${prefix}slow-unit-da39a3ee5e6b4b0d"
    exit 0 ;;
badflag) echo "INFO: unknown flag"; exit 1 ;;
esac
EOF
    chmod +x "$B/fuzz_$t"
done
modes() { # modes MODE [TARGET MODE]...: every stand-in runs MODE, except the named ones
    for t in $TARGETS; do echo "$1" >"$B/fuzz_$t.mode"; done
    shift
    while [ $# -ge 2 ]; do echo "$2" >"$B/fuzz_$1.mode"; shift 2; done
}
fuzz() { (cd "$C" && timeout 120 make --no-print-directory fuzz FUZZ_CC=true FUZZ_BUILD="$B" FUZZ_SECONDS=1 >"$T/out" 2>&1); }
has() { grep -q -- "$1" "$T/out"; }
hasnt() { ! grep -q -- "$1" "$T/out"; }

check "the clone lacks fuzz/regressions/calendar, cdp and clock, as a fresh clone does" \
    test ! -e "$C/fuzz/regressions/calendar" -a ! -e "$C/fuzz/regressions/cdp" -a ! -e "$C/fuzz/regressions/clock"

# --- clean runs: no finding, and the missing folders are made -----------------------------------------
modes clean
fuzz
rc=$?
check "a fresh clone with clean fuzzers: make fuzz succeeds" test $rc -eq 0
check "... and says so" has "fuzz: no findings in"
check "... and reports no finding" hasnt "findings in:"
for t in calendar cdp clock; do
    check "... and fuzz/regressions/$t was made" test -d "$C/fuzz/regressions/$t"
done
for t in $TARGETS; do
    check "... and the corpus and artifacts folders of $t were made" test -d "$B/corpus/$t" -a -d "$B/artifacts/$t"
done
[ $rc -eq 0 ] || cat "$T/out"

# --- an old crash file from an earlier run is not a new finding -------------------------------------
printf x >"$B/artifacts/cdp/crash-0000000000000000"
fuzz
rc=$?
check "a crash file left by an earlier run: not reported again" test $rc -eq 0
check "... no finding" hasnt "findings in:"

# --- a slow unit is no finding ------------------------------------------------------------------------
modes clean date slow
fuzz
check "a slow-unit file: no finding" test $? -eq 0

# --- a crash: reported, with its file, and only where it happened ---------------------------------------
modes clean cdp crash
fuzz
rc=$?
check "a fuzzer that wrote a crash file: make fuzz fails" test $rc -ne 0
check "... naming the target" has "fuzz: findings in: cdp ("
check "... and the file" has "fuzz: cdp: finding $B/artifacts/cdp/crash-da39a3ee5e6b4b0d"
check "... and no other target" hasnt "finding $B/artifacts/calendar"
# the same crash again: libFuzzer rewrites the same file name, and it is still a finding
fuzz
rc=$?
check "the same crash on the next run: still a finding" test $rc -ne 0
check "... naming the file again" has "fuzz: cdp: finding $B/artifacts/cdp/crash-da39a3ee5e6b4b0d"
rm -f "$B/artifacts/cdp/crash-da39a3ee5e6b4b0d"

# --- a fuzzer that fails without a crash file: an error, not a finding ----------------------------------
modes clean clock badflag
fuzz
rc=$?
check "a fuzzer that failed without a crash file: make fuzz fails" test $rc -ne 0
check "... saying it did not run properly" has "fuzz: clock exited with status 1 without a crash file"
check "... and calling it no finding" hasnt "findings in:"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
