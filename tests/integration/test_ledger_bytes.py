#!/usr/bin/env python3
"""status --json and the reports of a ledger whose names are not UTF-8.

A campaign name and a site key can come from the command line (`huixin import --campaign NAME
--site-key KEY`) in the terminal's encoding, e.g. GBK. status --json used to hand such bytes to jansson,
which refuses them, and then crashed; the JSON report turns them into U+FFFD. Here a small generated
ledger (bench/gen_scale.py) gets a GBK campaign name, site key and token (written with sqlite3, as an
import from a GBK terminal would leave them); then:
  1. status --json exits 0 with one parseable line a letter, the bad bytes as U+FFFD, the rest kept;
  2. the JSON report parses and says the same; the CSV and HTML reports are made.
No browser, no fixture site; no timing is asserted.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from harness import HUIXIN, ROOT, Tally, Workspace  # noqa: E402

T = Tally("ledger_bytes")
check = T.check
NOW = "2026-11-16 10:00"
GBK_NAME = "北京市第四季度".encode("gbk")
GBK_KEY = "海淀区".encode("gbk")


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-ledger-bytes-")
    try:
        ws = Workspace(tmp)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_scale.py"), "--out", tmp, "--sites", "16",
                            "--visits", "120", "--evidence-letters", "2", "--seed", "5", "--huixin", HUIXIN],
                           capture_output=True, text=True, timeout=600)
        if not check(r.returncode == 0, "the generator writes a small ledger", r.stderr):
            return T.finish()
        con = sqlite3.connect(ws.store)
        cid, = con.execute("SELECT min(id) FROM campaigns").fetchone()
        sid, = con.execute("SELECT min(id) FROM sites WHERE campaign_id = ?", (cid,)).fetchone()
        con.execute("UPDATE campaigns SET name = CAST(? AS TEXT) WHERE id = ?", (GBK_NAME, cid))
        con.execute("UPDATE sites SET key = CAST(? AS TEXT) WHERE id = ?", (GBK_KEY, sid))
        con.execute("UPDATE letters SET token = CAST(? AS TEXT) WHERE site_id = ?", (b"HX\xff\xfe", sid))
        con.commit()
        con.close()
        want_name = GBK_NAME.decode("utf-8", errors="replace")
        want_key = GBK_KEY.decode("utf-8", errors="replace")

        rc, out, err = ws.huixin("status", "--json", now=NOW)
        try:
            rows = [json.loads(line) for line in out.splitlines()]
        except ValueError as x:
            rows = None
            err += " / %s" % x
        check(rc == 0 and rows is not None and len(rows) == 16,
              "status --json exits 0 with a parseable line for each of the 16 letters", "rc %d: %s" % (rc, err[-300:]))
        bad = [x for x in rows or [] if x["site"] == want_key]
        check(len(bad) == 1 and bad[0]["campaign"] == want_name and bad[0]["token"] == "HX\ufffd\ufffd",
              "the bytes that are not UTF-8 are U+FFFD there, as decoding them with replacement gives", bad)
        check(any("政府网站" in x["campaign"] for x in rows or []),
              "the other campaigns' names are kept as they are", [x["campaign"] for x in rows or []][:4])

        base = [HUIXIN, "report", "--store", ws.store, "--evidence", ws.evidence, "--now", NOW]
        r = subprocess.run(base + ["--format", "json"], cwd=tmp, capture_output=True, timeout=300)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = None
        check(r.returncode == 0 and doc is not None and len(doc["letters"]) == 16, "the JSON report parses",
              r.stderr.decode(errors="replace"))
        if doc:
            names = [c["name"] for c in doc["campaigns"]]
            letters = [x for x in doc["letters"] if x["site"]["key"] == want_key]
            check(want_name in names and len(letters) == 1 and letters[0]["campaign"] == want_name
                  and letters[0]["letter"]["token"] == "HX\ufffd\ufffd",
                  "the JSON report says the same", (names, [x["site"]["key"] for x in doc["letters"]][:3]))
        for fmt in ("csv", "html"):
            r = subprocess.run(base + ["--format", fmt], cwd=tmp, capture_output=True, timeout=300)
            check(r.returncode == 0 and len(r.stdout) > 1000, "the %s report is made" % fmt,
                  r.stderr.decode(errors="replace"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
