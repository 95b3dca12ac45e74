#!/bin/sh
# Runs every test suite and adds up their closing lines ("N passed, N failed[, N skipped]").
# SUITES=unit|integration|sites|all (default all). BUILD is the build folder (build, or build-san for
# make check). Every suite runs under TZ=UTC LC_ALL=C and a time limit, so a hang fails instead of
# blocking CI. SKIP_SUITES="test_a test_b" leaves those suites out (make check's lighter set), and the
# run says which it left out. The very last line is the total.
set -u
BUILD=${BUILD:-build}
SUITES=${SUITES:-all}
export TZ=UTC LC_ALL=C
export HUIXIN_BIN=${HUIXIN_BIN:-$PWD/huixin}
case "$HUIXIN_BIN" in /*) ;; *) HUIXIN_BIN=$PWD/$HUIXIN_BIN ;; esac
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

total_pass=0
total_fail=0
total_skip=0
# Every failing line of every suite, repeated just before the total: CI shows only the tail of a run.
FAILS=$LOGDIR/failures.txt
: >"$FAILS"
# Seconds per suite, slowest first at the end of the run: where CI's minutes go.
: >"$LOGDIR/timings.txt"

# run_suite NAME LIMIT_SECONDS COMMAND...
run_suite() {
    name=$1
    limit=$2
    shift 2
    log=$LOGDIR/$name.log
    for skip in ${SKIP_SUITES:-}; do
        case "$name" in *-"$skip")
            echo "suite $name: left out of this run (SKIP_SUITES)"
            return ;;
        esac
    done
    started=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
    rc=$?
    echo "$(( $(date +%s) - started )) s  $name" >>"$LOGDIR/timings.txt"
    cat "$log"
    grep -E '^FAIL ' "$log" | sed "s|^|[$name] |" >>"$FAILS"
    last=$(grep -E '^(([A-Za-z]+): )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$last" ]; then
        echo "suite $name: no closing line (exit $rc); counted as 1 failure" | tee -a "$FAILS"
        total_fail=$((total_fail + 1))
        return
    fi
    p=$(echo "$last" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
    f=$(echo "$last" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
    s=$(echo "$last" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "suite $name: exit $rc with no failure counted (crash or timeout); counted as 1 failure" | tee -a "$FAILS"
        total_fail=$((total_fail + 1))
    fi
}

want() { [ "$SUITES" = all ] || [ "$SUITES" = "$1" ]; }

if want unit; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *.o|*.d) continue ;; esac
        src=tests/unit/$(basename "$t").c
        [ -f "$src" ] || continue
        run_suite "unit-$(basename "$t")" 300 "$t"
    done
fi

if want sites && [ -f tests/sites/test_sites.py ]; then
    run_suite sites 300 python3 tests/sites/test_sites.py
fi

if want integration; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        src=tests/integration/$(basename "$t").c
        [ -f "$src" ] || continue
        run_suite "integration-$(basename "$t")" 900 "$t"
    done
    for t in tests/integration/test_*.sh; do
        [ -f "$t" ] || continue
        run_suite "integration-$(basename "$t" .sh)" 900 sh "$t"
    done
    for t in tests/integration/test_*.py; do
        [ -f "$t" ] || continue
        run_suite "integration-$(basename "$t" .py)" 900 python3 "$t"
    done
fi

echo
echo "slowest suites:"
sort -rn "$LOGDIR/timings.txt" | head -n 5
if [ -s "$FAILS" ]; then
    echo "failures of this run:"
    cat "$FAILS"
fi
if [ "$total_skip" -gt 0 ]; then
    echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
