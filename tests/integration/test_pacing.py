#!/usr/bin/env python3
"""Pacing per host, across site keys, campaigns and commands (issue 11).

The guestbook fixture under a scenario copy with "pacing_seconds": 4, then:
  campaign   one `campaign start` with three site keys on that one host: the three letters' final
             clicks (the ledger's final_click_at_ms) land at least 4 s apart, and the fixture got three
  submit     an ad hoc `huixin submit` under a fourth key, in another command and campaign, right after:
             its final click is at least 4 s after the campaign's last letter
  check      `check --all --jobs 3`: the four check visits to the host start at least
             min(pacing_seconds, 10) = 4 s apart, though three workers were free to go at once
  unpaced    the scenario changed to "pacing_seconds": 0 and the same check again: visits overlap
No --now: pacing is real time. Last line: N passed, N failed.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from harness import ROOT, HUIXIN, LIBRARY, Sites, Tally  # noqa: E402
BIN = HUIXIN
LIB = LIBRARY

PACING = 4


T = Tally("test_pacing")
expect = T.check


def gaps(times):
    times = sorted(times)
    return [b - a for a, b in zip(times, times[1:])]


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-pacing-")
    store = os.path.join(tmp, "huixin.db")
    evidence = os.path.join(tmp, "evidence")

    def run(*args):
        cmd = [BIN] + list(args) + ["--store", store, "--evidence", evidence]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout + p.stderr

    def db(sql):
        con = sqlite3.connect(store)
        rows = con.execute(sql).fetchall()
        con.close()
        return rows

    try:
        with Sites() as sites:
            sites.ctl.call("POST", "/api/captcha", {"site": "guestbook", "answer": "4821"})
            with open(os.path.join(LIB, "guestbook.json"), encoding="utf-8") as f:
                sc = json.load(f)
            sc["site"]["pacing_seconds"] = PACING
            scenario = os.path.join(tmp, "guestbook-paced.json")
            with open(scenario, "w", encoding="utf-8") as f:
                json.dump(sc, f, ensure_ascii=False, indent=2)
            base = "http://127.0.0.1:%d" % sites.ports["guestbook"]
            capt = "control:http://127.0.0.1:%d/api/captcha?site=guestbook" % sites.ports["control"]
            campaign = {"huixin_campaign": 1, "name": "同一主机节奏测试", "authorised_by": "测试（本地假站点）",
                        "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                        "sites": [{"key": "gb-%d" % i, "scenario": scenario, "vars": {"base_url": base},
                                   "captcha": capt} for i in range(3)]}
            cfile = os.path.join(tmp, "campaign.json")
            with open(cfile, "w", encoding="utf-8") as f:
                json.dump(campaign, f, ensure_ascii=False, indent=2)

            code, out = run("campaign", "start", cfile)
            expect(code == 0, "campaign: three letters to one host under three keys sent (exit %d)" % code, out[-1500:])
            clicks = [r[0] for r in db("SELECT final_click_at_ms FROM letters WHERE final_click_at_ms > 0")]
            expect(len(clicks) == 3, "campaign: three final clicks recorded", clicks)
            g = gaps(clicks)
            expect(g and min(g) >= PACING * 1000, "campaign: the letters' final clicks are >= %d s apart" % PACING, g)
            on_site = sites.ctl.call("GET", "/api/letters?site=guestbook")["letters"]
            expect(len(on_site) == 3, "campaign: the guestbook got three messages", len(on_site))

            code, out = run("submit", scenario, "--site-key", "gb-adhoc", "--var", "base_url=" + base,
                            "--captcha", capt, "--var", "letter.name=李明", "--var", "letter.phone=13812345678",
                            "--var", "letter.email=liming@example.cn")
            expect(code == 0, "submit: an ad hoc letter to the same host under a fourth key (exit %d)" % code,
                   out[-1500:])
            clicks = [r[0] for r in db("SELECT final_click_at_ms FROM letters WHERE final_click_at_ms > 0")]
            g = gaps(clicks)
            expect(len(clicks) == 4 and min(g) >= PACING * 1000,
                   "submit: paced against the campaign's letters, another command and campaign", g)

            code, out = run("check", "--all", "--jobs", "3")
            expect(code in (0, 5), "check --all --jobs 3 ran (exit %d)" % code, out[-1500:])
            starts = [r[0] for r in db("SELECT at_ms FROM visits WHERE kind = 'check'")]
            expect(len(starts) == 4, "check: four check visits recorded", starts)
            g = gaps(starts + [max(clicks)])
            expect(g and min(g) >= min(PACING, 10) * 1000,
                   "check: visits to one host start >= %d s apart, and after the last letter, with three workers"
                   % min(PACING, 10), g)

            # pacing_seconds 0: not paced, so the three workers' visits to the host overlap
            sc["site"]["pacing_seconds"] = 0
            with open(scenario, "w", encoding="utf-8") as f:
                json.dump(sc, f, ensure_ascii=False, indent=2)
            last = max(r[0] for r in db("SELECT id FROM visits"))
            code, out = run("check", "--all", "--jobs", "3")
            expect(code in (0, 5), "unpaced: check --all --jobs 3 ran (exit %d)" % code, out[-1500:])
            spans = []
            for at_ms, rel in db("SELECT at_ms, evidence_dir FROM visits WHERE kind = 'check' AND id > %d" % last):
                if rel:
                    with open(os.path.join(evidence, rel, "meta.json"), encoding="utf-8") as f:
                        spans.append((at_ms, at_ms + json.load(f)["timings"]["visit_ms"]))
            spans.sort()
            overlaps = [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
            expect(len(spans) == 4 and overlaps,
                   "unpaced: with pacing_seconds 0 the visits to one host overlap (no turns taken)", spans)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
