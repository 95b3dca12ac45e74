#!/usr/bin/env python3
"""An independent reference for huixin's deadlines: reads the original holiday-cn JSON (not huixin's
generated table) and steps day by day. Prints one line per case: "START N EXPECTED", for every start
date from FIRST to LAST (default 2020-01-01 to 2026-12-31) and N from 1 to 10.

Usage: ref_calendar.py [HOLIDAY_CN_DIR [FIRST LAST]]
HOLIDAY_CN_DIR defaults to ${HUIXIN_SHARED:-../shared}/holiday-cn. Exit 2 when it holds no JSON."""
import datetime
import glob
import json
import os
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("HUIXIN_SHARED", "../shared"), "holiday-cn")
first = datetime.date.fromisoformat(sys.argv[2]) if len(sys.argv) > 3 else datetime.date(2020, 1, 1)
last = datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else datetime.date(2026, 12, 31)

listed = {}
paths = sorted(glob.glob(os.path.join(src, "*.json")))
if not paths:
    sys.stderr.write("ref_calendar: no holiday-cn JSON in '%s'\n" % src)
    sys.exit(2)
for path in paths:  # every file before any question: 2023.json lists 2022-12-31
    with open(path, encoding="utf-8") as f:
        for d in json.load(f)["days"]:
            listed[d["date"]] = d["isOffDay"]


def is_workday(day):
    key = day.isoformat()
    if key in listed:
        return not listed[key]
    return day.weekday() < 5


one = datetime.timedelta(days=1)
out = []
day = first
while day <= last:
    for n in range(1, 11):
        d, left = day, n
        while left:
            d += one
            if is_workday(d):
                left -= 1
        out.append("%s %d %s\n" % (day.isoformat(), n, d.isoformat()))
    day += one
sys.stdout.write("".join(out))
