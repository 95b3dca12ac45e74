#!/bin/sh
# `huixin calendar add --batch` against an independent reference (tests/unit/ref_calendar.py, which
# reads the original holiday-cn JSON and steps day by day): every start date of 2020-2026, N 1 to 10.
# One case per year, then the other subcommands and errors; the last line is "N passed, N failed".
set -u
BIN=${HUIXIN_BIN:-./huixin}
DATA=${HUIXIN_SHARED:-../shared}/holiday-cn
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

if [ ! -d "$DATA" ]; then
    echo "SKIP test_calendar_official: no holiday-cn data at '$DATA' (set HUIXIN_SHARED)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! python3 tests/unit/ref_calendar.py "$DATA" >"$TMP/ref"; then
    echo "FAIL test_calendar_official: the reference script failed"
    echo "0 passed, 1 failed"
    exit 1
fi
cut -d' ' -f1,2 "$TMP/ref" >"$TMP/in"
# No user calendar files: the built-in data alone must agree with the published facts.
if ! HOME="$TMP" XDG_CONFIG_HOME= HUIXIN_CALENDAR= "$BIN" calendar --no-user-calendar add --batch \
        <"$TMP/in" >"$TMP/got" 2>"$TMP/err"; then
    echo "FAIL test_calendar_official: huixin calendar add --batch exited non-zero:"
    cat "$TMP/err"
    echo "0 passed, 1 failed"
    exit 1
fi
paste -d' ' "$TMP/ref" "$TMP/got" >"$TMP/both"
for year in 2020 2021 2022 2023 2024 2025 2026; do
    total=$(grep -c "^$year-" "$TMP/both")
    bad=$(awk -v y="$year-" 'index($1, y) == 1 && $3 != $4' "$TMP/both")
    if [ "$total" -ne 3650 ] && [ "$total" -ne 3660 ]; then
        echo "FAIL test_calendar_official: $year: $total cases, expected one per day and N"
        failed=$((failed + 1))
    elif [ -n "$bad" ]; then
        echo "FAIL test_calendar_official: $year: $(echo "$bad" | wc -l) of $total disagree (start N expected got):"
        echo "$bad" | head -n 5 | sed 's/^/  /'
        failed=$((failed + 1))
    else
        echo "ok   test_calendar_official: $year: $total deadlines agree with the reference"
        passed=$((passed + 1))
    fi
done

# The command's other answers and its errors: NAME WANT_EXIT WANT_STDOUT WANT_STDERR_PART ARGS...
check() {
    name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 4
    out=$(HOME="$TMP" XDG_CONFIG_HOME= HUIXIN_CALENDAR= "$BIN" calendar "$@" 2>"$TMP/err")
    rc=$?
    if [ "$rc" -ne "$want_rc" ] || [ "$out" != "$want_out" ] ||
        { [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$TMP/err"; }; then
        echo "FAIL test_calendar_official: $name: exit $rc (want $want_rc), stdout '$out' (want '$want_out'), stderr:"
        sed 's/^/  /' "$TMP/err"
        failed=$((failed + 1))
    else
        echo "ok   test_calendar_official: $name"
        passed=$((passed + 1))
    fi
}
printf '# local\n2025-10-13 off 本地节日\n2027-02-06 work 春节调休\ncovers 2027\n' >"$TMP/good.txt"
printf '2027-01-01 off\n2027-01-02 rest\n' >"$TMP/bad.txt"
check "add" 0 "2025-10-14" "" add 2025-09-30 5
check "count" 0 "5" "" count 2025-09-30 2025-10-14
check "is-workday on a make-up Sunday" 0 "2026-01-04 work 元旦" "" is-workday 2026-01-04
# show: every listed day of 2025 from the original JSON, as "DATE off|work NAME", in date order
want_show=$(python3 -c '
import glob, json, sys
days = {}
for p in sorted(glob.glob(sys.argv[1] + "/*.json")):
    for d in json.load(open(p, encoding="utf-8"))["days"]:
        days[d["date"]] = d
for k in sorted(days):
    if k.startswith("2025-"):
        print(k, "off" if days[k]["isOffDay"] else "work", days[k]["name"])
' "$DATA")
check "show lists the year's days as the JSON has them" 0 "$want_show" "" show 2025
check "a user file overrides a built-in day" 0 "2025-10-15" "" --calendar "$TMP/good.txt" add 2025-09-30 5
check "a user file covers its year" 0 "2027-02-06" "" --calendar "$TMP/good.txt" add 2027-02-05 1
check "past the data: a warning" 0 "2027-01-01" "no official data for 2027; weekends only" add 2026-12-31 1
check "a bad date exits 2" 2 "" "DATE '2025-02-30': expected a date YYYY-MM-DD" add 2025-02-30 5
check "a bad count exits 2" 2 "" "N 'five': expected a whole number" add 2025-09-30 five
check "a bad file names file:line" 3 "" "bad.txt' line 2: 'rest' after the date: expected 'off'" --calendar "$TMP/bad.txt" add 2025-09-30 5
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
