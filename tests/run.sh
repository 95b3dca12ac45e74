#!/usr/bin/env bash
# Runs every test suite and adds up their closing lines ("N passed, N failed[, N skipped]").
# SUITES=unit|integration|sites|all, or several (SUITES="unit integration"; default all). BUILD is the
# build folder (build, or build-san for make check). Every suite runs under TZ=UTC LC_ALL=C and a time
# limit, so a hang fails instead of blocking CI. SKIP_SUITES="test_a test_b" leaves those suites out
# (make check's lighter set), and the run says which it left out. The very last line is the total.
#
# TEST_JOBS=N runs up to N suites at once (default 1). Most of a browser suite's time is spent waiting
# (on timeouts it provokes, a site's delays, a quiet network), not computing: a make test uses about a
# third of one core, so two at a time nearly halve the wall time on two cores. Each suite has its own
# temporary folders, free ports and browser. The suites in ALONE still run by themselves: they load the
# machine on purpose (alert storms, 50 MB pages, several workers) or time what they measure (pacing).
# A suite's log is printed whole when it ends, so logs never interleave.
set -u
BUILD=${BUILD:-build}
SUITES=${SUITES:-all}
TEST_JOBS=${TEST_JOBS:-1}
ALONE=${ALONE:-"test_hostile test_pacing test_jobs"}
export TZ=UTC LC_ALL=C
export HUIXIN_BIN=${HUIXIN_BIN:-$PWD/huixin}
case "$HUIXIN_BIN" in /*) ;; *) HUIXIN_BIN=$PWD/$HUIXIN_BIN ;; esac
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
case "$TEST_JOBS" in '' | *[!0-9]* | 0) echo "TEST_JOBS='$TEST_JOBS': expected a whole number from 1"; exit 2 ;; esac

total_pass=0
total_fail=0
total_skip=0
# Every failing line of every suite, repeated just before the total: CI shows only the tail of a run.
FAILS=$LOGDIR/failures.txt
: >"$FAILS"
# Seconds per suite, slowest first at the end of the run: where CI's minutes go.
: >"$LOGDIR/timings.txt"

# The suites to run, in order: "NAME LIMIT COMMAND..." (one line each, words without spaces).
plan=()

# add_suite NAME LIMIT_SECONDS COMMAND...
add_suite() {
    local name=$1 skip
    for skip in ${SKIP_SUITES:-}; do
        case "$name" in *-"$skip")
            echo "suite $name: left out of this run (SKIP_SUITES)"
            return ;;
        esac
    done
    plan+=("$*")
}

# run_one NAME LIMIT COMMAND...: the suite, its log, its exit code and seconds beside the log.
run_one() {
    local name=$1 limit=$2 started rc
    shift 2
    started=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" >"$LOGDIR/$name.log" 2>&1
    rc=$?
    echo "$rc" >"$LOGDIR/$name.rc.tmp" && mv "$LOGDIR/$name.rc.tmp" "$LOGDIR/$name.rc"
    echo "$(($(date +%s) - started)) s  $name" >>"$LOGDIR/timings.txt"
}

# tally NAME: prints the ended suite's log and adds its closing line to the totals.
tally() {
    local name=$1 log=$LOGDIR/$1.log rc last p f s
    rc=$(cat "$LOGDIR/$name.rc" 2>/dev/null || echo 1)
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

want() { [ "$SUITES" = all ] || case " $SUITES " in *" $1 "*) true ;; *) false ;; esac; }

if want unit; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *.o|*.d) continue ;; esac
        [ -f "tests/unit/$(basename "$t").c" ] || continue
        add_suite "unit-$(basename "$t")" 300 "$t"
    done
fi

if want sites && [ -f tests/sites/test_sites.py ]; then
    add_suite sites 300 python3 tests/sites/test_sites.py
fi

if want integration; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        [ -f "tests/integration/$(basename "$t").c" ] || continue
        add_suite "integration-$(basename "$t")" 900 "$t"
    done
    for t in tests/integration/test_*.sh; do
        [ -f "$t" ] || continue
        add_suite "integration-$(basename "$t" .sh)" 900 sh "$t"
    done
    for t in tests/integration/test_*.py; do
        [ -f "$t" ] || continue
        add_suite "integration-$(basename "$t" .py)" 900 python3 "$t"
    done
fi

is_alone() {
    local a
    for a in $ALONE; do case "$1" in *-"$a") return 0 ;; esac; done
    return 1
}

# The runner: up to TEST_JOBS suites at once (a suite in ALONE waits until it is the only one); each
# one's log is printed and counted as it ends.
declare -A running=() # pid -> suite name
rm -f "$LOGDIR"/*.rc
# Waits until one running suite has ended (its .rc written, or its shell gone: killed before it could
# write it), reaps it and counts it. Polls rather than `wait -n`, whose pid reporting varies by bash.
reap_one() {
    local pid state
    while :; do
        for pid in "${!running[@]}"; do
            state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
            if [ -f "$LOGDIR/${running[$pid]}.rc" ] || [ -z "$state" ] || [ "${state#Z}" != "$state" ]; then
                wait "$pid" 2>/dev/null || true
                tally "${running[$pid]}"
                unset "running[$pid]"
                return
            fi
        done
        sleep 1
    done
}
for entry in "${plan[@]}"; do
    read -r -a words <<<"$entry"
    name=${words[0]}
    if is_alone "$name"; then
        while [ ${#running[@]} -gt 0 ]; do reap_one; done
        run_one "${words[@]}"
        tally "$name"
        continue
    fi
    while [ ${#running[@]} -ge "$TEST_JOBS" ]; do reap_one; done
    run_one "${words[@]}" &
    running[$!]=$name
done
while [ ${#running[@]} -gt 0 ]; do reap_one; done

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
