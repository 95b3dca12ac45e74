#!/usr/bin/env python3
"""A national round's ledger, small (issue 18): bench/gen_scale.py and the scheduling pass alone.

bench/gen_scale.py writes a ledger of 96 sites and 1,100 visits through this huixin's schema (its
check of the schema runs here, against the binary under test); then:
  1. every letter's verdict is the one the generator made, and all eight kinds are there;
  2. `check --due --dry-run` at the round's moment lists no letter (every open letter was visited half
     an hour before) and says when the next is due; a day later it lists exactly the open letters
     (pending, overdue, unverifiable: not those answered, deleted or never sent);
  3. `run --once --dry-run` lists the same letters, while a daemon could hold the ledger;
  4. neither writes a visit or an evidence folder, nor starts a browser (no --chromium is valid);
  5. a report written to a file is the one written to stdout, and the JSON one parses with every letter;
     each visit's evidence files in it are those its folder holds; the HTML and JSON reports listed
     every folder ahead, on threads (the debug log says so), and wrote the same bytes.
No browser, no fixture site; no timing is asserted.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, ROOT, Tally, Workspace, ledger_integrity  # noqa: E402

T = Tally("scale")
check = T.check
NOW = "2026-11-16 10:00"
DAY_LATER = "2026-11-17 10:00"
OPEN = ("pending", "overdue-unanswered", "unverifiable")


def listed(out):
    return [int(m.group(1)) for m in re.finditer(r"^letter (\d+)$", out, re.M)]


WANTED = ("page.png", "page.mhtml", "page.txt", "meta.json", "manifest.json")


def evidence_files_check(root, doc):
    """Each visit's evidence_files in the JSON report are the files its folder holds (those a report
    links), and the screenshots its manifest keeps as an earlier visit's copy (same_as) when the copy is
    there: read here from the disk, to compare with what the report's threads listed."""
    wrong, with_files = [], 0
    for letter in doc["letters"]:
        for v in letter["visits"]:
            d = v["evidence_dir"] and os.path.join(root, v["evidence_dir"])
            want = set()
            if d and os.path.isdir(d):
                want = {n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n))
                        and (n in WANTED or (n.endswith(".png") and not n.startswith(".") and len(n) > 4))}
                try:
                    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
                        for item in json.load(f).get("files", []):
                            kept = item.get("same_as")
                            if kept and os.path.isfile(os.path.normpath(os.path.join(d, kept))):
                                want.add(item["name"])
                except (OSError, ValueError):
                    pass
            with_files += bool(want)
            if sorted(want) != v["evidence_files"]:
                wrong.append((v["evidence_dir"], sorted(want), v["evidence_files"]))
    check(not wrong and with_files > 0,
          "every visit's evidence_files are what its folder holds (%d visits with files)" % with_files, wrong[:3])


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-scale-test-")
    try:
        ws = Workspace(tmp)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_scale.py"), "--out", tmp, "--sites", "96",
                            "--visits", "1100", "--evidence-letters", "5", "--seed", "3"],
                           capture_output=True, text=True, timeout=600)
        if not check(r.returncode == 0, "the generator writes a ledger of this huixin's schema", r.stderr):
            return T.finish()
        with open(os.path.join(tmp, "profiles.json"), encoding="utf-8") as f:
            made = json.load(f)["by_verdict"]

        rc, out, err = ws.huixin("status", "--json", now=NOW)
        rows = [json.loads(line) for line in out.splitlines()]
        got = collections.Counter(x["verdict"] for x in rows)
        check(rc == 0 and dict(got) == made, "every verdict is the generated one", "%s vs %s" % (dict(got), made))
        check(len(made) == 8, "all eight verdicts are there", made)
        open_ids = sorted(x["letter_id"] for x in rows if x["verdict"] in OPEN)

        visits_before = ws.rows("SELECT count(*) AS n FROM visits")[0]["n"]
        folders_before = sum(len(d) for _, d, _ in os.walk(ws.evidence))
        bad_browser = ["--chromium", "/nonexistent/chromium"]

        rc, out, err = ws.huixin("check", "--due", "--dry-run", now=NOW, extra=bad_browser)
        check(rc == 0 and listed(out) == [] and "0 letters due" in out,
              "at the round's moment nothing is due (every open letter was just visited)", out[-300:] + err)
        rc, out, err = ws.huixin("run", "--once", "--dry-run", "--jitter", "0", now=NOW, extra=bad_browser)
        check(rc == 0 and "next due at 2026-11-16 10:30 Beijing time" in out,
              "run --once --dry-run says the next is due when a failed visit's retry is", out[-300:] + err)

        rc, out, err = ws.huixin("check", "--due", "--dry-run", now=DAY_LATER, extra=bad_browser)
        due = listed(out)
        check(rc == 0 and due == open_ids and "%d letters due" % len(due) in out,
              "a day later exactly the open letters are due (%d of %d)" % (len(due), len(rows)),
              "due %s, open %s, %s" % (due, open_ids, err))
        check("selected in" in err, "the dry run says how long the selection took", err)
        rc, out2, err = ws.huixin("run", "--once", "--dry-run", "--jitter", "0", now=DAY_LATER, extra=bad_browser)
        check(rc == 0 and listed(out2) == due, "run --once --dry-run selects the same letters", out2[-300:] + err)

        visits_after = ws.rows("SELECT count(*) AS n FROM visits")[0]["n"]
        folders_after = sum(len(d) for _, d, _ in os.walk(ws.evidence))
        check(visits_after == visits_before and folders_after == folders_before,
              "the dry runs wrote no visit and no evidence folder",
              "visits %d -> %d, folders %d -> %d" % (visits_before, visits_after, folders_before, folders_after))
        check(ledger_integrity(ws.store) == "ok", "the ledger passes the integrity check")

        # both from the workspace's folder, so the evidence links (relative to the report) are the same
        base = [HUIXIN, "report", "--store", ws.store, "--evidence", ws.evidence, "--now", NOW]
        for fmt in ("csv", "html", "json"):
            to_stdout = subprocess.run(base + ["--format", fmt], cwd=tmp, capture_output=True, timeout=300)
            to_file = subprocess.run(base + ["--format", fmt, "-o", "r." + fmt], cwd=tmp, capture_output=True,
                                     timeout=300)
            with open(os.path.join(tmp, "r." + fmt), "rb") as f:
                in_file = f.read()
            check(to_stdout.returncode == 0 and to_file.returncode == 0 and in_file == to_stdout.stdout
                  and len(in_file) > 1000,
                  "the %s report in a file is the one on stdout (%d bytes)" % (fmt, len(in_file)),
                  to_file.stderr.decode(errors="replace"))
            if fmt == "json":
                doc = json.loads(in_file)
                check(len(doc["letters"]) == len(rows) and doc["summary"]["letters"] == len(rows),
                      "the JSON report parses and has every letter")
                evidence_files_check(ws.evidence, doc)
            if fmt != "csv":
                # the folders were listed ahead, on threads, every one of them (reports/files_ahead.c)
                debug = subprocess.run(base + ["--format", fmt, "-o", "d." + fmt], cwd=tmp, capture_output=True,
                                       timeout=300, env=dict(os.environ, HUIXIN_LOG="debug"))
                with open(os.path.join(tmp, "d." + fmt), "rb") as f:
                    same = f.read() == in_file
                said = re.search(r"evidence folders: (\d+) listed ahead by (\d+) threads, (\d+) in place",
                                 debug.stderr.decode(errors="replace"))
                check(same and said and int(said.group(1)) == visits_before and int(said.group(3)) == 0,
                      "the %s report listed all %d visits' folders ahead, none in place, the same bytes"
                      % (fmt, visits_before), said.group(0) if said else debug.stderr[-300:])
        leftovers = [f for f in os.listdir(tmp) if ".tmp." in f]
        check(leftovers == [], "no temporary report file is left behind", leftovers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
