#!/usr/bin/env python3
"""make demo: a whole response-time campaign against the bundled fixture mailboxes, in simulated time.

The story, one working fortnight of March 2026 (Beijing time; the deadline is 5 working days):
  Mon 03-02 09:30  huixin submits a test letter to each of six mailboxes (five vendor families).
  Mon 03-02        宝川 (Hanweb-like) answers the same afternoon            -> 当日回复
  Thu 03-05        青岚 (legacy GBK portal) answers                          -> 按期回复
  Wed 03-04        梧川 (message board) deletes the letter                   -> 信件被删除
  Fri 03-13        云溪 (single-page app) answers, four working days late    -> 超期回复
  never            鹭洲 (a provincial platform in an iframe) never answers   -> 超期未回复
  never            青岚 second letter is never answered, but the site is down whenever
                   huixin looks after the deadline                            -> 无法核实 (never "deleted")
huixin revisits at the times a `huixin run` daemon would, prints the status table and writes the
report. Every command it runs is printed, so this is also a tour of the CLI.

Usage: scripts/demo.py [--out DIR] [--huixin PATH] [--quiet]
The sites' operator (replying, deleting, breaking a site) acts through the fixture control API.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "sites"))
from client import Sites  # noqa: E402

# site key -> (fixture server, scenario in scenarios/library, what happens, expected verdict)
SITES = [
    ("baochuan", "hanweb", "hanweb-jact.json", "same-day"),
    ("qinglan", "gbk", "legacy-gbk.json", "on-time"),
    ("yunxi", "spa", "spa.json", "late"),
    ("luzhou", "iframe-city", "iframe.json", "overdue-unanswered"),
    ("wuchuan", "board", "board.json", "deleted"),
    ("qinglan-2", "gbk", "legacy-gbk.json", "unverifiable"),
]

# The captcha answer each fixture's control API gives (the board's is arithmetic, the spa has none).
CAPTCHA_SITE = {"hanweb": "hanweb", "gbk": "gbk", "iframe-city": "iframe", "board": "board"}


class Demo:
    def __init__(self, out, huixin, quiet=False):
        self.out = os.path.abspath(out)
        self.huixin = os.path.abspath(huixin)
        self.quiet = quiet
        self.store = os.path.join(self.out, "huixin.db")
        self.evidence = os.path.join(self.out, "evidence")
        self.sites = None
        # The library may not hold every family's scenario yet: the story runs with those it has.
        self.story_sites = [s for s in SITES
                            if os.path.exists(os.path.join(ROOT, "scenarios", "library", s[2]))]
        for key, _, scenario, _ in SITES:
            if not any(s[0] == key for s in self.story_sites):
                self.say("demo: scenarios/library/%s is not written yet: site %s sits this one out" % (scenario, key))

    def say(self, text):
        if not self.quiet:
            print(text, flush=True)

    def run(self, *args, now=None, check=True, show=True):
        cmd = [self.huixin] + list(args)
        if now:
            cmd += ["--now", now]
        if args[0] in ("campaign", "check", "status", "report"):
            cmd += ["--store", self.store]
        if args[0] in ("campaign", "check", "report"):
            cmd += ["--evidence", self.evidence]
        if show:
            self.say("$ " + " ".join(shlex.quote(os.path.relpath(c) if c.startswith(ROOT) else c) for c in cmd))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        if p.stdout and show and not self.quiet:
            print(p.stdout, end="", flush=True)
        if p.stderr:
            sys.stderr.write(p.stderr)
        if check and p.returncode not in (0, 1, 5):
            raise SystemExit("demo: '%s' failed with exit %d" % (" ".join(args), p.returncode))
        return p

    def operator(self, text):
        self.say("# site operator: " + text)

    def letter_on_site(self, server, token):
        """The fixture's own record of the letter carrying huixin's token."""
        site = "iframe" if server.startswith("iframe") else server
        for letter in self.sites.ctl.letters(site):
            if token in letter.get("content", "") or token in letter.get("title", ""):
                return letter
        raise SystemExit("demo: no letter with token %s on %s" % (token, server))

    def tokens(self, now):
        p = self.run("status", "--json", now=now, show=False)
        rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
        return {r["site"]: r for r in rows}

    def write_campaign(self):
        sites = []
        for key, server, scenario, _ in self.story_sites:
            entry = {"key": key, "scenario": os.path.join(ROOT, "scenarios", "library", scenario),
                     "vars": {"base_url": self.sites.url(server, "").rstrip("/")}}
            if server in CAPTCHA_SITE:
                entry["captcha"] = "control:http://127.0.0.1:%d/api/captcha?site=%s" % (
                    self.sites.ports["control"], CAPTCHA_SITE[server])
            if server == "iframe-city":
                entry["vars"]["platform_url"] = self.sites.url("iframe-platform", "").rstrip("/")
            sites.append(entry)
        campaign = {
            "huixin_campaign": 1,
            "name": "2026年第一季度政府网站互动回应检查（演示）",
            "authorised_by": "宝川市政务服务和数据管理局（演示授权，宝政数函〔2026〕8号）",
            "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
            "rules": {"deletion_min_visits": 2, "deletion_min_gap_hours": 1},
            "sites": sites,
        }
        path = os.path.join(self.out, "campaign.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(campaign, f, ensure_ascii=False, indent=2)
        return path

    def act(self, on_site, key, verb, *args):
        """The operator's action on a site's letter (skipped when the site sits this demo out)."""
        if key in on_site:
            getattr(self.sites.ctl, verb)(on_site[key]["id"], *args)

    def clock(self, now):
        self.sites.ctl.clock(now + ":00")

    def story(self):
        self.sites.ctl.throttle("board", 0)
        campaign = self.write_campaign()
        self.clock("2026-03-02 09:30")
        self.run("campaign", "start", campaign, now="2026-03-02 09:30")
        letters = self.tokens("2026-03-02 09:30")
        on_site = {key: self.letter_on_site(server, letters[key]["token"])
                   for key, server, _, _ in self.story_sites if key in letters}

        self.operator("宝川 answers the same afternoon")
        self.act(on_site, "baochuan", "reply", "2026-03-02 16:20:05", "宝川市交通运输局",
                             "您好！您反映的问题已转交相关部门办理，具体办理流程请见市政务服务网。感谢您的来信。")
        self.run("check", "--due", now="2026-03-03 09:40")

        self.operator("梧川 deletes the letter; 青岚 answers")
        self.act(on_site, "wuchuan", "delete")
        self.act(on_site, "qinglan", "reply", "2026-03-05 10:02:00", "青岚县人力资源和社会保障局",
                             "您好，社保关系转移可在线办理，办理时限为15个工作日。")
        self.run("check", "--due", now="2026-03-05 11:00")
        self.run("check", "--due", now="2026-03-05 13:00")

        self.operator("青岚's site goes down (HTTP 500) as the deadline passes, and stays down")
        self.sites.ctl.fail("gbk", "500", seconds=86400)
        self.run("check", "--due", now="2026-03-10 00:10")

        self.operator("云溪 answers, late")
        self.act(on_site, "yunxi", "reply", "2026-03-13 15:30:00", "云溪市住房和城乡建设局",
                             "您好，经核实，该路段路灯已于近日修复。")
        self.run("check", "--due", now="2026-03-13 16:00")

        self.run("status", now="2026-03-13 16:00")
        report = os.path.join(self.out, "report.html")
        self.run("report", "--format", "html", "-o", report, now="2026-03-13 16:00", check=False)
        pdf = os.path.join(self.out, "report.pdf")
        self.run("report", "--format", "pdf", "-o", pdf, now="2026-03-13 16:00", check=False)
        self.reports = [path for path in (report, pdf) if os.path.exists(path)]
        return self.tokens("2026-03-13 16:00")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "demo-out"))
    ap.add_argument("--huixin", default=os.path.join(ROOT, "huixin"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    demo = Demo(a.out, a.huixin, a.quiet)
    with Sites(state_dir=os.path.join(a.out, "sites"), keep_state=True) as sites:
        demo.sites = sites
        final = demo.story()
    wrong = [(key, final.get(key, {}).get("verdict"), want) for key, _, _, want in demo.story_sites
             if final.get(key, {}).get("verdict") != want]
    for key, got, want in wrong:
        print("demo: %s ended as %s, the story expects %s" % (key, got, want), file=sys.stderr)
    demo.say("\nEvidence: %s\nLedger:   %s" % (os.path.relpath(demo.evidence), os.path.relpath(demo.store)))
    for path in getattr(demo, "reports", []):
        demo.say("Report:   " + os.path.relpath(path))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
