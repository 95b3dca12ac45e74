#!/usr/bin/env python3
"""Verdict truth on a CMS guestbook (issue 10): a live letter is never called 信件被删除.

The guestbook fixture behaves like the common PHP CMS guestbooks: an XHR post answered by alert(),
moderation on (a new message is invisible until approved), several messages a page, newest first,
pages /?gbook_N/, each message with its own 管理员回复. Each case sends one letter with
scenarios/library/guestbook.json (its own site key, so the cases do not wait for each other's
pacing), moves the site's state with the control API and runs `huixin check` at simulated times:

  page 3          pushed to page 3 by newer messages: found there, with its own reply; the
                  neighbours' replies are never read as its own
  page 2 resets   seen, then page 2 resets on two visits an hour apart: failed visits, never deleted
  never approved  待回复, then 超期未回复 with the 未公开 note; never 信件被删除
  deleted         approved, seen, then deleted: 信件被删除 after two misses an hour apart
  max_pages       a search stopped by max_pages proves nothing: a failed visit, not a miss
  quoted phrase   (hanweb) a reply quoting the site's not-found phrase is read as a reply

Last line: N passed, N failed.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from harness import ROOT, HUIXIN, Sites, Tally, Workspace  # noqa: E402
BIN = HUIXIN

SCENARIO = os.path.join(ROOT, "scenarios", "library", "guestbook.json")


T = Tally("test_guestbook")
expect = T.check


class Case(Workspace):
    def run(self, *args, now):
        return self.huixin(*args, now=now)

    def seed(self, n, day, prefix, hour=8, replied=True):
        """n approved messages dated on day (Beijing) from hour on, each with its own reply when replied."""
        for i in range(n):
            body = {"site": "guestbook", "title": "%s%d" % (prefix, i), "content": "%s的留言内容%d" % (prefix, i),
                    "name": "居民%d" % i, "submitted_at": "%s %02d:%02d:00" % (day, hour + i // 60, i % 60),
                    "state": "approved"}
            if replied:
                body["reply"] = {"date": "%s 17:00:00" % day, "unit": "县信访局", "text": "%s邻居的回复%d" % (prefix, i)}
            self.ctl.call("POST", "/api/letters", body)

    def submit(self, key, now, scenario=SCENARIO, family="guestbook", server="guestbook"):
        code, out, err = self.run("submit", scenario, "--var", "base_url=http://127.0.0.1:%d" % self.sites.ports[server],
                                  "--captcha", self.captcha(family), "--site-key", key, "--var", "letter.name=李明",
                                  "--var", "letter.phone=13812345678", "--var", "letter.email=liming@example.cn",
                                  now=now)
        if code != 0:
            raise RuntimeError("submit %s failed (exit %d): %s %s" % (key, code, out, err))
        res = json.loads(out)
        site_letter = [x for x in self.ctl.call("GET", "/api/letters?site=%s" % family)["letters"]
                       if res["token"] in x["content"] or res["token"] in x["title"]]
        return res["letter_id"], site_letter[0]["id"]

    def check(self, letter_id, now):
        code, out, err = self.run("check", str(letter_id), now=now)
        return out + err

    def visits(self, letter_id):
        db = sqlite3.connect(self.store)
        rows = db.execute("SELECT outcome, lookup, seen_in_list, has_reply, reply_text, error, evidence_dir FROM visits "
                          "WHERE letter_id = ? AND kind = 'check' ORDER BY id", (letter_id,)).fetchall()
        db.close()
        return rows

    def meta(self, visit):
        with open(os.path.join(self.evidence, visit[6], "meta.json"), encoding="utf-8") as f:
            return json.load(f)

    def verdict(self, letter_id, now):
        code, out, err = self.run("status", "--json", now=now)
        for line in out.splitlines():
            t = json.loads(line)
            if t.get("letter_id", t.get("id")) == letter_id:
                return t
        raise RuntimeError("letter %d not in status: %s" % (letter_id, out))


FOUND, NOT_FOUND, FAILED = 0, 1, 2


def case_page_three(c):
    c.seed(6, "2026-03-01", "旧事")
    lid, sid = c.submit("gb-page3", "2026-03-02 09:00")
    c.ctl.call("POST", "/api/letters/%s/approve" % sid, {})
    c.seed(12, "2026-03-02", "新事", hour=12)  # 12 newer messages, 5 a page: ours is on page 3
    out = c.check(lid, "2026-03-03 10:00")
    v = c.visits(lid)
    expect(v and v[-1][0] == FOUND and v[-1][2] == 1, "page 3: found in the list", (out, v))
    expect(v and c.meta(v[-1])["lookup"].get("pages_read") == 3, "page 3: three pages read",
           v and c.meta(v[-1]).get("lookup"))
    expect(v and v[-1][3] == 0 and v[-1][4] is None, "page 3: a neighbour's reply is not read as ours", v)
    c.ctl.call("POST", "/api/letters/%s/reply" % sid, {"date": "2026-03-04 10:00:00", "unit": "临溪县交通运输局",
                                                        "text": "您好，您反映的路灯问题已修复。"})
    out = c.check(lid, "2026-03-04 12:00")
    v = c.visits(lid)
    expect(v and v[-1][3] == 1 and v[-1][4] == "您好，您反映的路灯问题已修复。", "page 3: its own reply is read", (out, v))
    expect(c.verdict(lid, "2026-03-04 12:00")["verdict_zh"] == "按期回复", "page 3: 按期回复")


def case_page_two_resets(c):
    lid, sid = c.submit("gb-reset", "2026-03-02 09:00")
    c.ctl.call("POST", "/api/letters/%s/approve" % sid, {})
    out = c.check(lid, "2026-03-02 11:00")
    expect(c.visits(lid)[-1][0] == FOUND, "page 2 resets: first seen on page 1", out)
    c.seed(6, "2026-03-02", "又一批", hour=13)  # ours moves to page 2
    for now in ("2026-03-03 10:00", "2026-03-03 11:30"):
        c.ctl.call("POST", "/api/fail", {"site": "guestbook", "mode": "reset", "path_contains": "gbook_2", "count": 5})
        out = c.check(lid, now)
        v = c.visits(lid)
        expect(v[-1][0] == FAILED, "page 2 resets at %s: a failed visit, not a miss" % now, (out, v[-1]))
    c.ctl.call("POST", "/api/fail", {"site": "guestbook", "mode": "off"})
    t = c.verdict(lid, "2026-03-03 12:00")
    expect(t["verdict_zh"] != "信件被删除", "page 2 resets: never 信件被删除", t["verdict_zh"])


def case_never_approved(c):
    lid, sid = c.submit("gb-moderated", "2026-03-02 09:00")
    for now in ("2026-03-03 10:00", "2026-03-03 12:00", "2026-03-05 10:00"):
        c.check(lid, now)
    v = c.visits(lid)
    expect(all(x[0] == NOT_FOUND and x[1] == "list" for x in v), "never approved: conclusive list misses", v)
    t = c.verdict(lid, "2026-03-05 11:00")
    expect(t["verdict_zh"] == "待回复", "never approved: 待回复 inside the deadline", t["verdict_zh"])
    c.check(lid, "2026-03-10 10:00")  # the deadline (5 working days from 03-02) is 03-09
    t = c.verdict(lid, "2026-03-10 11:00")
    expect(t["verdict_zh"] == "超期未回复", "never approved: 超期未回复 after the deadline", t["verdict_zh"])
    expect(t.get("unpublished") is True, "never approved: marked 未公开 (not published)", t)


def case_deleted(c):
    lid, sid = c.submit("gb-deleted", "2026-03-02 09:00")
    c.ctl.call("POST", "/api/letters/%s/approve" % sid, {})
    c.check(lid, "2026-03-02 11:00")
    expect(c.visits(lid)[-1][0] == FOUND, "deleted: seen in the list first")
    c.ctl.call("POST", "/api/letters/%s/delete" % sid, {})
    c.check(lid, "2026-03-03 10:00")
    t = c.verdict(lid, "2026-03-03 10:30")
    expect(t["verdict_zh"] != "信件被删除", "deleted: one miss is not yet deletion", t["verdict_zh"])
    c.check(lid, "2026-03-03 11:30")
    t = c.verdict(lid, "2026-03-03 12:00")
    expect(t["verdict_zh"] == "信件被删除", "deleted: 信件被删除 after two conclusive misses", t["verdict_zh"])


def case_max_pages(c):
    with open(SCENARIO, encoding="utf-8") as f:
        sc = json.load(f)
    ls = sc["check"]["steps"][0]["list_search"]
    ls["max_pages"] = 1
    del ls["older_than"]
    path = os.path.join(c.tmp, "guestbook-shallow.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, ensure_ascii=False)
    lid, sid = c.submit("gb-shallow", "2026-03-02 09:00", scenario=path)
    c.seed(6, "2026-03-02", "挤下去", hour=14)  # the list has more than one page; ours is not approved
    out = c.check(lid, "2026-03-03 10:00")
    v = c.visits(lid)
    expect(v[-1][0] == FAILED and "max_pages" in (v[-1][5] or ""), "max_pages: a stopped search is a failed visit",
           (out, v[-1]))


def case_quoted_not_found_phrase(c):
    lid, sid = c.submit("hw-quote", "2026-03-02 09:00", scenario=os.path.join(ROOT, "scenarios", "library",
                                                                                "hanweb-jact.json"),
                        family="hanweb", server="hanweb")
    c.ctl.call("POST", "/api/letters/%s/reply" % sid, {"date": "2026-03-03 10:00:00", "unit": "宝川市档案局",
                                                        "text": "您好，旧系统中未查询到相关信件的历史答复，现答复如下：已办理。"})
    out = c.check(lid, "2026-03-03 12:00")
    v = c.visits(lid)
    expect(v[-1][0] == FOUND and v[-1][3] == 1, "a reply quoting 未查询到相关信件 is a reply, not a miss", (out, v[-1]))
    # the same without 'within', and a step that fails: a page showing the letter is never a miss
    with open(os.path.join(ROOT, "scenarios", "library", "hanweb-jact.json"), encoding="utf-8") as f:
        sc = json.load(f)
    sc["check"]["not_found"] = {"text": "未查询到相关信件"}
    sc["check"]["steps"].append({"assert": {"selector": "#no-such-thing"}})
    path = os.path.join(c.tmp, "hanweb-loose.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, ensure_ascii=False)
    lid, sid = c.submit("hw-quote-loose", "2026-03-02 09:00", scenario=path, family="hanweb", server="hanweb")
    c.ctl.call("POST", "/api/letters/%s/reply" % sid, {"date": "2026-03-03 10:00:00", "unit": "宝川市档案局",
                                                        "text": "您好，旧系统中未查询到相关信件的历史答复，现答复如下：已办理。"})
    out = c.check(lid, "2026-03-03 12:00")
    v = c.visits(lid)
    expect(v[-1][0] == FAILED, "a failed step on a page that shows the letter and quotes the phrase: failed, not a miss",
           (out, v[-1]))


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-guestbook-")
    try:
        with Sites() as sites:
            c = Case(tmp, sites)
            sites.ctl.call("POST", "/api/captcha", {"site": "guestbook", "answer": "4821"})
            sites.ctl.call("POST", "/api/captcha", {"site": "hanweb", "answer": "AB34"})
            sites.ctl.call("POST", "/api/clock", {"now": "2026-03-02 09:00:00", "tick": True})
            for fn in (case_page_three, case_page_two_resets, case_never_approved, case_deleted, case_max_pages,
                       case_quoted_not_found_phrase):
                try:
                    fn(c)
                except Exception as ex:  # one broken case must not hide the others
                    expect(False, fn.__name__, repr(ex))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
