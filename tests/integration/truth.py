#!/usr/bin/env python3
"""The randomised truth test (issue 10): simulated fortnights over every fixture family, with random
operator actions and random faults, where every verdict huixin gives is compared with an oracle
computed from the sites' own ground truth (the control API's letters and their events).

    python3 tests/integration/truth.py [--seeds N] [--first-seed S] [--short]

Each seed runs one campaign: a letter to each of the six families (hanweb, gbk, spa, iframe, board,
guestbook; and a second guestbook letter that is never approved), submitted on Monday 2026-03-02 09:00 Beijing time (deadline 5 working days: 03-09), then
check rounds up to 03-10. Before each round, for each letter, the operator may approve it (moderated
boards), answer it at a random time since the last round, delete it or mark it spam; and a site may
fail (HTTP 500, reset, WAF page, a slow answer, or only the guestbook's page 2) for a few requests.
After each round, huixin's verdict for every letter must be one the truth allows:

  信件被删除          the site really removed the letter (deleted or spam) by then: else a FALSE DELETION
  当日/按期/超期回复  the site holds a reply dated by then, and the verdict matches its date
  超期未回复          no reply dated on or before the deadline day (unless the letter was never public)
  待回复, 无法核实    always allowed (the evidence may be incomplete, never wrong)

Every mismatch prints its seed, round and letter; the last line is "N passed, N failed", and the
count of false 信件被删除 must be 0. `make test` runs one seed (tests/integration/test_truth.py);
`make truth TRUTH_SEEDS=20` runs more.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "sites"))
from client import Sites  # noqa: E402

BIN = os.path.abspath(os.environ.get("HUIXIN_BIN", os.path.join(ROOT, "huixin")))

# key, server for base_url, control family, scenario, captcha family
FAMILIES = [
    ("hanweb", "hanweb", "hanweb", "hanweb-jact.json", "hanweb"),
    ("gbk", "gbk", "gbk", "legacy-gbk.json", "gbk"),
    ("spa", "spa", "spa", "spa.json", None),
    ("iframe", "iframe-city", "iframe", "iframe.json", "iframe"),
    ("board", "board", "board", "board.json", "board"),
    ("guestbook", "guestbook", "guestbook", "guestbook.json", "guestbook"),
    # a second guestbook letter its office never approves: moderation must never read as deletion
    ("guestbook-held", "guestbook", "guestbook", "guestbook.json", "guestbook"),
]
FAULT_SERVERS = ["hanweb", "gbk", "spa", "iframe-city", "iframe-platform", "board", "guestbook"]
SUBMIT_AT = "2026-03-02 09:00"
DEADLINE = "2026-03-09"
ROUNDS = ["2026-03-02 15:00", "2026-03-03 10:00", "2026-03-03 11:30", "2026-03-04 10:00", "2026-03-05 10:00",
          "2026-03-05 11:30", "2026-03-06 10:00", "2026-03-09 10:00", "2026-03-09 11:30", "2026-03-10 10:00",
          "2026-03-10 11:30"]
# make test's short run: the same story in fewer rounds (two an hour and a half apart, then across the deadline)
SHORT_ROUNDS = ["2026-03-02 15:00", "2026-03-03 10:00", "2026-03-03 11:30", "2026-03-05 10:00", "2026-03-09 11:30",
                "2026-03-10 10:00"]
REPLY_KINDS = {"当日回复": "same", "按期回复": "on-time", "超期回复": "late"}
WORKDAYS = {"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"}


class Result:
    def __init__(self):
        self.passed = self.failed = self.false_deletions = 0

    def expect(self, cond, name, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL truth: %s%s" % (name, (": " + detail) if detail else ""), flush=True)
        return cond


def reply_class(reply_day):
    if reply_day == SUBMIT_AT[:10]:
        return "same"
    return "on-time" if reply_day <= DEADLINE else "late"


class World:
    """One seed's campaign: the fixture sites, the ledger, the operator."""

    def __init__(self, seed, tmp, sites, result):
        self.seed, self.tmp, self.sites, self.ctl, self.res = seed, tmp, sites, sites.ctl, result
        self.rng = random.Random(seed)
        self.store = os.path.join(tmp, "huixin.db")
        self.evidence = os.path.join(tmp, "evidence")
        self.ever_public = {}  # key -> the letter was visible to the public at some round
        # each office has its habits: some never approve a message, some never answer
        self.never_approves = {k[0]: self.rng.random() < 0.35 or k[0] == "guestbook-held" for k in FAMILIES}
        self.never_answers = {k[0]: self.rng.random() < 0.3 for k in FAMILIES}
        self.neighbours = 0

    def huixin(self, *args, now):
        cmd = [BIN] + list(args) + ["--store", self.store, "--now", now]
        if args[0] in ("campaign", "check"):
            cmd += ["--evidence", self.evidence]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
        return p.returncode, p.stdout, p.stderr

    def base_url(self, server, host="127.0.0.1"):
        return "http://%s:%d" % (host, self.sites.ports[server])

    def start(self):
        for fam in ("hanweb", "gbk", "iframe", "board", "guestbook"):
            self.ctl.captcha(fam, "4821" if fam in ("gbk", "guestbook") else "AB34")
        if self.rng.random() < 0.5:
            self.ctl.moderation("board", True)
        self.ctl.clock(SUBMIT_AT + ":00", tick=True)
        entries = []
        for key, server, fam, scenario, captcha in FAMILIES:
            host = "localhost" if key == "iframe" else "127.0.0.1"
            e = {"key": key, "scenario": os.path.join(ROOT, "scenarios", "library", scenario),
                 "vars": {"base_url": self.base_url(server, host)}}
            if key == "iframe":
                e["vars"]["platform_url"] = self.base_url("iframe-platform")
            if captcha:
                e["captcha"] = "control:http://127.0.0.1:%d/api/captcha?site=%s" % (self.sites.ports["control"],
                                                                                    captcha)
            entries.append(e)
        path = os.path.join(self.tmp, "campaign.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"huixin_campaign": 1, "name": "真值测试", "authorised_by": "测试授权（truth）",
                       "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                       "rules": {"deletion_min_visits": 2, "deletion_min_gap_hours": 1}, "sites": entries},
                      f, ensure_ascii=False)
        rc, out, err = self.huixin("campaign", "start", path, now=SUBMIT_AT)
        self.tokens = {}
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        for key, token, state in db.execute("SELECT s.key, l.token, l.state FROM letters l JOIN sites s "
                                            "ON s.id = l.site_id"):
            self.tokens[key] = token
        db.close()
        return rc, out, err

    def on_site(self, fam, token):
        for x in self.ctl.letters(fam):
            if token in (x.get("content") or "") or token in (x.get("title") or ""):
                return x
        return None

    def operate(self, prev, now):
        """Random operator actions and faults before the round at `now` (Beijing 'YYYY-MM-DD HH:MM')."""
        for server in FAULT_SERVERS:
            self.ctl.fail(server, "off")
        self.ctl.clock(now + ":00", tick=True)
        for key, server, fam, scenario, captcha in FAMILIES:
            x = self.on_site(fam, self.tokens.get(key, "-"))
            if not x or x["state"] in ("deleted", "spam"):
                continue
            r = self.rng.random()
            if x["state"] == "pending-approval" and r < 0.45 and not self.never_approves[key]:
                self.ctl.approve(x["id"])
            if not x["reply"] and self.rng.random() < 0.3 and not self.never_answers[key]:
                day = self.rng.choice(sorted(d for d in WORKDAYS if prev[:10] <= d <= now[:10]))
                lo = 9 * 60 if day != prev[:10] else int(prev[11:13]) * 60 + int(prev[14:16])
                hi = 18 * 60 if day != now[:10] else int(now[11:13]) * 60 + int(now[14:16])
                if hi > lo:
                    m = self.rng.randrange(lo, hi)
                    # a reply may quote the site's own not-found phrases: it is still a reply
                    quote = self.rng.choice(["", "旧系统中未查询到相关信件的历史答复，", "页面找不到了的问题已修复，"])
                    self.ctl.reply(x["id"], "%s %02d:%02d:00" % (day, m // 60, m % 60), "某某局",
                                   "您好，%s您反映的问题已办理（%s）。" % (quote, key))
            if self.rng.random() < 0.07:
                (self.ctl.delete if self.rng.random() < 0.6 else self.ctl.spam)(x["id"])
        # other citizens write too: answered messages that push ours down the boards' pages
        for fam in ("board", "guestbook"):
            for i in range(self.rng.randint(0, 4)):
                self.neighbours += 1
                body = {"site": fam, "title": "邻居留言%d" % self.neighbours, "content": "邻居的留言内容%d" % self.neighbours,
                        "name": "邻居%d" % self.neighbours, "submitted_at": now + ":00", "state": "approved"}
                if self.rng.random() < 0.7:
                    body["reply"] = {"date": now + ":00", "unit": "邻局", "text": "给邻居%d的回复" % self.neighbours}
                self.ctl.call("POST", "/api/letters", body)
        if self.rng.random() < 0.45:
            server = self.rng.choice(FAULT_SERVERS)
            mode = self.rng.choice(["500", "reset", "waf", "slow"])
            kw = {"count": self.rng.randint(1, 6)}
            if mode == "slow":
                kw["delay"] = 3
            if server == "guestbook" and self.rng.random() < 0.5:
                kw["path_contains"] = "gbook_2"
            self.ctl.fail(server, mode, **kw)
        for key, server, fam, scenario, captcha in FAMILIES:  # what the public could see this round
            x = self.on_site(fam, self.tokens.get(key, "-"))
            if x and x["state"] not in ("deleted", "spam", "pending-approval"):
                self.ever_public[key] = True

    def judge(self, now):
        rc, out, err = self.huixin("status", "--json", now=now)
        rows = {}
        for line in out.splitlines():
            if line.strip():
                r = json.loads(line)
                rows[r["site"]] = r
        for key, server, fam, scenario, captcha in FAMILIES:
            if key not in self.tokens:
                continue
            where = "seed %d, round %s, %s (token %s)" % (self.seed, now, key, self.tokens[key])
            r = rows.get(key)
            if not self.res.expect(r is not None, where + ": has a status row", err[-300:]):
                continue
            verdict = r["verdict_zh"]
            x = self.on_site(fam, self.tokens[key])
            truth_removed = bool(x) and any(ev.get("what") in ("delete", "spam") for ev in x.get("events", []))
            truth_removed = truth_removed or (x is not None and x["state"] in ("deleted", "spam"))
            reply = x["reply"] if x else None
            if verdict == "信件被删除":
                if not self.res.expect(truth_removed, where + ": 信件被删除 only when the site removed it",
                                       "FALSE DELETION: the site holds it as %s" % (x and x["state"])):
                    self.res.false_deletions += 1
            elif verdict in REPLY_KINDS:
                self.res.expect(reply is not None, where + ": a reply verdict needs a reply on the site", verdict)
                if reply:
                    want = reply_class(reply["date"][:10])
                    self.res.expect(REPLY_KINDS[verdict] == want, where + ": the reply verdict matches its date",
                                    "%s, but the reply is dated %s" % (verdict, reply["date"]))
            elif verdict == "超期未回复":
                if self.ever_public.get(key) or fam in ("hanweb", "gbk", "spa", "iframe"):
                    self.res.expect(not reply or reply["date"][:10] > DEADLINE,
                                    where + ": 超期未回复 only without a reply by the deadline",
                                    "the reply is dated %s" % (reply and reply["date"]))
            else:
                self.res.expect(verdict in ("待回复", "无法核实", "提交失败"), where + ": a known verdict", verdict)


def run_seed(seed, rounds, result):
    """rounds: the check times, Beijing 'YYYY-MM-DD HH:MM'."""
    tmp = tempfile.mkdtemp(prefix="huixin-truth-%d-" % seed)
    try:
        with Sites() as sites:
            w = World(seed, tmp, sites, result)
            rc, out, err = w.start()
            result.expect(len(w.tokens) == len(FAMILIES), "seed %d: every family's letter is in the ledger" % seed,
                          "%s %s" % (out[-400:], err[-400:]))
            prev = SUBMIT_AT
            for now in rounds:
                w.operate(prev, now)
                rc, out, err = w.huixin("check", "--all", "--jobs", "2", now=now)
                print("  seed %d %s: %s" % (seed, now, "; ".join(line.split(": ", 1)[-1] for line in
                                                                   out.strip().splitlines())), flush=True)
                w.judge(now)
                prev = now
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=int(os.environ.get("TRUTH_FIRST_SEED", "1")))
    ap.add_argument("--short", action="store_true", help="fewer check rounds (make test)")
    a = ap.parse_args()
    result = Result()
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        failed_before = result.failed
        run_seed(seed, SHORT_ROUNDS if a.short else ROUNDS, result)
        print("%s truth: seed %d (%s)" % ("ok  " if result.failed == failed_before else "FAIL", seed,
                                         "no mismatch" if result.failed == failed_before else
                                         "mismatches above; rerun with --first-seed %d --seeds 1" % seed), flush=True)
    print("false 信件被删除: %d" % result.false_deletions)
    print("%d passed, %d failed" % (result.passed, result.failed))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
