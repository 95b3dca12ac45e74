#!/usr/bin/env python3
"""make bench-scale: huixin's reading commands on a national round's ledger, timed, with peak memory.

bench/gen_scale.py writes a synthetic ledger of SCALE_SITES sites (default 14,000, one letter each) and
SCALE_VISITS visits (default 150,000), then again at a quarter of that, into a temporary folder. On each
this runs, SCALE_RUNS times (default 3):

  status                        the text table            target 2 s
  status --json                 one JSON line a letter    target 2 s
  report --format csv -o F      the main table            target 2 s
  report --format json -o F     everything                target 2 s
  report --format html -o F     the notice's attachment   target 5 s
  check --due --dry-run         the due selection         target 0.05 s
  run --once --dry-run          the daemon's scheduling pass (the same selection, and the next due time)

and once, without a target, the PDF of one province (`report --campaign NAME --format pdf`, the way a
national report is printed: one campaign a region) when a Chromium is there.

Measured per command, through bench/rusage (a small launcher: a child of Python would start at
Python's peak RSS, which Linux keeps across exec): wall time and CPU time (user + system, of the
process and the children it waited for) as the median of the runs, and peak RSS (ru_maxrss, the
largest of the runs).
A row passes when its median wall time is within the target; on a machine busy with other work (the
load average above the number of CPUs) wall time says more about the others than about huixin, so a
row whose wall time misses while its CPU time is within the target says "cpu-ok (busy)". Memory is
flat when the peak RSS at the full size is within 25% (+ 8 MB) of the quarter size's: said per command.

Evidence: by default gen_scale.py makes the visit folders of the first 200 letters (about 2,300;
the others are named in the ledger but not there, so the report's look at them is a failed open);
SCALE_EVIDENCE=all (make bench-scale BENCH_SCALE_EVIDENCE=all) makes every visit's folder with tiny
stand-in files shaped as huixin writes them, which is what a real round's report reads: 150,000 folders
and 694,360 files at the national size (37,500 and 173,590 at the quarter), about 2.5 minutes to make
and 4 to remove on 2 cores (9 minutes in all, against about 3). The table says which was measured.

The verdicts of the generated ledger are checked against what the generator made (status --json):
a mismatch fails the bench. Environment: SCALE_SITES, SCALE_VISITS, SCALE_RUNS, SCALE_KEEP=1 (keep the
folder, and say where), SCALE_PDF=0 (skip the PDF), SCALE_EVIDENCE (200 or all), HUIXIN_BIN. Exit 1
when a verdict count differs; misses of the targets are reported, not failed.
"""
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HUIXIN = os.path.abspath(os.environ.get("HUIXIN_BIN", os.path.join(ROOT, "huixin")))
SITES = int(os.environ.get("SCALE_SITES", "14000"))
VISITS = int(os.environ.get("SCALE_VISITS", "150000"))
RUNS = int(os.environ.get("SCALE_RUNS", "3"))
KEEP = os.environ.get("SCALE_KEEP") == "1"
PDF = os.environ.get("SCALE_PDF", "1") != "0"
EVIDENCE = os.environ.get("SCALE_EVIDENCE", "") or "200"  # letters whose visits get folders, or "all"
NOW = "2026-11-16 10:00"      # gen_scale.py's round, two weeks in
DUE_NOW = "2026-11-17 10:00"  # a day later: the open letters are due again
CHROMIUM = os.environ.get("HUIXIN_CHROMIUM", "/usr/lib/chromium/chromium")


def log(text):
    print(text, file=sys.stderr, flush=True)


RUSAGE = os.path.abspath(os.environ.get("RUSAGE", os.path.join(ROOT, "build", "bench", "rusage")))


def run_measured(argv, stdout_path):
    """(wall s, cpu s, peak rss KB, exit code) of one run of argv, stdout to stdout_path. Through
    bench/rusage: a child of Python would start at Python's peak RSS (Linux keeps it across exec)."""
    with open(stdout_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.run([RUSAGE] + argv, stdout=out, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
    err = p.stderr.decode(errors="replace").strip().splitlines()
    last = err[-1] if err else ""
    if not last.startswith("rusage: maxrss_kb="):
        log("bench-scale: %s: no rusage line: %s" % (" ".join(argv), "\n".join(err)))
        return wall, 0.0, 0, p.returncode or 127
    f = dict(kv.split("=") for kv in last.split()[1:])
    if p.returncode != 0:
        log("bench-scale: %s exited %d: %s" % (" ".join(argv), p.returncode, "\n".join(err[:-1])))
    return wall, float(f["user_s"]) + float(f["sys_s"]), int(f["maxrss_kb"]), p.returncode


def commands(work, db, ev):
    common = ["--store", db, "--evidence", ev]
    return [
        ("status", [HUIXIN, "status", "--now", NOW] + common, 2.0),
        ("status --json", [HUIXIN, "status", "--json", "--now", NOW] + common, 2.0),
        ("report csv", [HUIXIN, "report", "--format", "csv", "-o", os.path.join(work, "r.csv"), "--now", NOW] + common, 2.0),
        ("report json", [HUIXIN, "report", "--format", "json", "-o", os.path.join(work, "r.json"), "--now", NOW] + common, 2.0),
        ("report html", [HUIXIN, "report", "--format", "html", "-o", os.path.join(work, "r.html"), "--now", NOW] + common, 5.0),
        ("check --due --dry-run", [HUIXIN, "check", "--due", "--dry-run", "--now", DUE_NOW] + common, 0.05),
        ("run --once --dry-run", [HUIXIN, "run", "--once", "--dry-run", "--jitter", "0", "--now", DUE_NOW] + common, 0.05),
    ]


def check_verdicts(work, db, ev):
    with open(os.path.join(work, "profiles.json"), encoding="utf-8") as f:
        want = json.load(f)["by_verdict"]
    r = subprocess.run([HUIXIN, "status", "--json", "--now", NOW, "--store", db, "--evidence", ev],
                       capture_output=True, text=True, check=True)
    got = collections.Counter(json.loads(line)["verdict"] for line in r.stdout.splitlines())
    if dict(got) != want:
        log("bench-scale: the ledger's verdicts %s are not the generated %s" % (dict(got), want))
        return False
    return True


def largest_campaign(db):
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    row = con.execute("SELECT c.name, count(*) FROM campaigns c JOIN sites s ON s.campaign_id = c.id "
                      "JOIN letters t ON t.site_id = s.id GROUP BY c.id ORDER BY 2 DESC LIMIT 1").fetchone()
    con.close()
    return row


def measure_size(base, sites, visits):
    work = os.path.join(base, "%d" % sites)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, os.path.join(HERE, "gen_scale.py"), "--out", work, "--sites", str(sites),
                        "--visits", str(visits), "--huixin", HUIXIN, "--evidence-letters", EVIDENCE], capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stderr)
        sys.exit(2)
    log(r.stderr.strip())
    log("bench-scale: generated in %.0f s" % (time.monotonic() - t0))
    db, ev = os.path.join(work, "huixin.db"), os.path.join(work, "evidence")
    # The first open that may write makes the schedule's indexes (once per ledger): not timed.
    subprocess.run([HUIXIN, "check", "--due", "--dry-run", "--now", DUE_NOW, "--store", db, "--evidence", ev],
                   capture_output=True, check=True)
    ok = check_verdicts(work, db, ev)
    rows = {}
    for name, argv, target in commands(work, db, ev):
        walls, cpus, rss, codes = [], [], 0, set()
        for _ in range(RUNS):
            w, c, m, code = run_measured(argv, os.path.join(work, "stdout.txt"))
            walls.append(w)
            cpus.append(c)
            rss = max(rss, m)
            codes.add(code)
        rows[name] = (statistics.median(walls), statistics.median(cpus), rss, target, codes)
        log("bench-scale: %-22s %6d letters  wall %.3f s  cpu %.3f s  rss %.1f MB"
            % (name, sites, rows[name][0], rows[name][1], rss / 1024))
    pdf = None
    if PDF and os.path.exists(CHROMIUM):
        name, n = largest_campaign(db)
        argv = [HUIXIN, "report", "--campaign", name, "--format", "pdf", "-o", os.path.join(work, "region.pdf"),
                "--now", NOW, "--store", db, "--evidence", ev, "--timeout", "120"]
        w, c, m, code = run_measured(argv, os.path.join(work, "stdout.txt"))
        size = os.path.getsize(os.path.join(work, "region.pdf")) if code == 0 else 0
        pdf = (name, n, w, c, m, code, size)
        log("bench-scale: pdf of %s (%d letters): wall %.1f s, cpu %.1f s (huixin and Chromium's waited-for "
            "processes), rss %.1f MB, %.1f MB" % (name, n, w, c, m / 1024, size / 1e6))
    sizes = {f: os.path.getsize(os.path.join(work, f)) for f in ("r.csv", "r.json", "r.html")
             if os.path.exists(os.path.join(work, f))}
    return rows, ok, pdf, sizes


def main():
    if not os.access(HUIXIN, os.X_OK) or not os.access(RUSAGE, os.X_OK):
        log("bench-scale: no huixin at %s or no rusage at %s: run 'make bench-scale'" % (HUIXIN, RUSAGE))
        return 2
    ncpu = os.cpu_count() or 1
    load0 = os.getloadavg()[0]
    base = tempfile.mkdtemp(prefix="huixin-scale-")
    try:
        small_sites, small_visits = max(8, SITES // 4), max(8, VISITS // 4)
        full, ok_full, pdf, sizes = measure_size(base, SITES, VISITS)
        small, ok_small, _, _ = measure_size(base, small_sites, small_visits)
    finally:
        if KEEP:
            log("bench-scale: kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    load1 = os.getloadavg()[0]
    busy = max(load0, load1) > ncpu
    print("huixin bench-scale: %d sites, %d letters, %d visits (and %d / %d); %d runs each, median; %d CPUs, "
          "load average %.1f at the start, %.1f at the end%s"
          % (SITES, SITES, VISITS, small_sites, small_visits, RUNS, ncpu, load0, load1,
             " (busy: wall times include waiting for other work)" if busy else ""))
    print("evidence: %s" % ("every visit's folder, with stand-in files and same_as manifests (SCALE_EVIDENCE=all)"
                            if EVIDENCE == "all" else
                            "the folders of the first %s letters' visits only; the others are absent "
                            "(SCALE_EVIDENCE=all: every folder)" % EVIDENCE))
    print()
    head = ("command", "wall s", "cpu s", "target s", "result", "peak RSS MB", "at 1/4", "memory")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, (wall, cpu, rss, target, codes) in full.items():
        if codes != {0}:
            result = "FAILED (exit %s)" % sorted(codes)
        elif wall <= target:
            result = "pass"
        elif busy and cpu <= target:
            result = "cpu-ok (busy)"
        else:
            result = "MISS"
        srss = small[name][2]
        flat = "flat" if rss <= srss * 1.25 + 8 * 1024 else "GROWS"
        print("| %s | %.3f | %.3f | %s | %s | %.1f | %.1f | %s |"
              % (name, wall, cpu, ("%g" % target), result, rss / 1024, srss / 1024, flat))
    if pdf:
        name, n, w, c, m, code, size = pdf
        print("| report pdf, one province (%d letters) | %.1f | %.1f | - | %s | %.1f | - | - |"
              % (n, w, c, "done, %.1f MB" % (size / 1e6) if code == 0 else "FAILED (exit %d)" % code, m / 1024))
    print()
    print("output sizes at %d letters: %s" % (SITES, ", ".join("%s %.1f MB" % (f, s / 1e6) for f, s in sizes.items())))
    if not (ok_full and ok_small):
        print("bench-scale: the ledger's verdicts differ from the generated ones (see above)")
        return 1
    print("verdicts: every letter's verdict is the one generated (all 8 kinds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
