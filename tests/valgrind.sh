#!/usr/bin/env bash
# make valgrind: the C test binaries, and the integration tests that drive ./huixin, under valgrind's
# memcheck (definite leaks and memory errors fail; the browser is a child process and is not traced).
# Prints each suite's result and "N passed, N failed" last, counting suites.
set -u
BUILD=${BUILD:-build}
export TZ=UTC LC_ALL=C
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is missing: apt-get install valgrind"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$BUILD/valgrind"
# A huixin that runs under valgrind, for the tests that call $HUIXIN_BIN.
wrapper=$PWD/$BUILD/valgrind/huixin
printf '#!/bin/sh\nexec %s "%s/huixin" "$@"\n' "$VG" "$PWD" > "$wrapper"
chmod +x "$wrapper"
passed=0
failed=0
# Suites at once (VALGRIND_JOBS, default 2): memcheck is CPU-bound and single-threaded per process.
VALGRIND_JOBS=${VALGRIND_JOBS:-2}
names=()
# run NAME COMMAND...: starts it in the background (at most VALGRIND_JOBS at once); its result is
# written beside its log and read, in order, at the end.
run() {
    local name=$1
    shift
    while [ "$(jobs -rp | wc -l)" -ge "$VALGRIND_JOBS" ]; do sleep 1; done
    names+=("$name")
    (
        log=$BUILD/valgrind/$name.log
        if timeout 1800 "$@" >"$log" 2>&1; then echo ok >"$log.result"; else echo FAIL >"$log.result"; fi
    ) &
}
report() {
    wait
    local name log
    for name in "${names[@]}"; do
        log=$BUILD/valgrind/$name.log
        if [ "$(cat "$log.result" 2>/dev/null)" = ok ]; then
            passed=$((passed + 1))
            echo "ok   valgrind: $name"
        else
            failed=$((failed + 1))
            echo "FAIL valgrind: $name (see $log)"
            grep -E '==[0-9]+==' "$log" | head -20
        fi
    done
}
# VALGRIND_SET=ci (make valgrind, what CI runs): the unit suites, the driver's own suite (the
# DevTools connection, its frames and events) and one capture flow of ./huixin. all (make valgrind-all):
# every C suite but test_hostile, and the campaign flow too. The rest of the code's memory errors and
# leaks are AddressSanitizer's (make check); valgrind adds uninitialised reads, ASan's blind spot.
SET=${VALGRIND_SET:-ci}
# the exhaustive tamper test flips every 9th byte here, as under make check (make test flips them all)
if [ "$SET" = ci ]; then
    export HUIXIN_TEST_FLIP_STRIDE=${HUIXIN_TEST_FLIP_STRIDE:-9}
fi
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    case "$name" in
    test_hostile) continue ;; # 50 MB pages and alert storms: minutes natively, far too long under valgrind
    esac
    if [ "$SET" = ci ] && [ ! -f "tests/unit/$name.c" ] && [ "$name" != test_driver ]; then
        continue
    fi
    run "$name" $VG "$t"
done
run test_capture.sh env HUIXIN_BIN="$wrapper" sh tests/integration/test_capture.sh
if [ "$SET" = all ]; then
    run test_campaign.py env HUIXIN_BIN="$wrapper" python3 tests/integration/test_campaign.py
fi
report
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
