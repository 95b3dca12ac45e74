#!/usr/bin/env python3
"""Complaints known by a text or a title (issue 11): `huixin import` of a citizen's message on a board.

A citizen says "my message on the county guestbook was never answered" and can show only what they
wrote. The guestbook fixture holds such messages (seeded through the control API, approved, some
answered); `huixin import scenarios/library/guestbook.json --var letter.token=TEXT` registers one by a
unique text of its content and `--check` finds it with the scenario's list search:

  token        imported by a text of its content: the ledger keeps that text as the letter's token
               (not an import: token), the visit finds it in the list and reads its own reply
  title        imported by its title alone, with a scenario whose list search looks for
               ${letter.title}: found, the reply read; the title is kept, the token is made up
  title, but   the library scenario searches for ${letter.token}: refused before anything is
  no token     written, naming what the scenario finds letters by
  nothing      no finder at all: refused, naming the scenario's finders
  twice        the same text imported again: refused as already in the ledger
  two letters  a second message on the same site is found by its own text, never by the first's

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
NOW = "2026-03-10 10:00"


T = Tally("test_import_known")
expect = T.check


class Case(Workspace):
    def __init__(self, tmp, sites):
        super().__init__(tmp, sites, now=NOW)
        self.base_url = "http://127.0.0.1:%d" % sites.ports["guestbook"]

    def run(self, *args):
        code, out, err = self.huixin(*args)
        return code, out + err

    def imp(self, scenario, *variables, check=True):
        args = ["import", scenario, "--var", "base_url=" + self.base_url]
        for v in variables:
            args += ["--var", v]
        return self.run(*(args + (["--check"] if check else [])))

    def seed(self, title, content, day, reply=None):
        body = {"site": "guestbook", "title": title, "content": content, "name": "王大爷",
                "submitted_at": day, "state": "approved"}
        if reply:
            body["reply"] = reply
        return self.ctl.call("POST", "/api/letters", body)


def neighbours(c, n, day):
    """Other answered messages around ours, so a reply read is the right message's own."""
    for i in range(n):
        c.seed("邻居留言%d" % i, "邻居反映的其他事项%d，请有关部门处理。" % i, "%s %02d:00:00" % (day, 8 + i),
               reply={"date": "%s 17:00:00" % day, "unit": "县信访局", "text": "邻居的答复%d" % i})


def case_token(c):
    text = "南门菜市场东侧排水沟堵塞已半月"
    c.seed("排水沟堵塞", "您好，%s，下雨就漫到路上，请尽快疏通。" % text, "2026-03-02 09:15:00",
           reply={"date": "2026-03-04 16:20:05", "unit": "临溪县住房和城乡建设局", "text": "已安排环卫所于3月5日疏通。"})
    neighbours(c, 3, "2026-03-03")
    code, out = c.imp(SCENARIO, "letter.token=" + text)
    expect(code == 0, "token: import --check by a text of the message exits 0 (exit %d)" % code, out[-1500:])
    rows = [r for r in c.letters() if r["token"] == text]
    if not expect(len(rows) == 1 and rows[0]["state"] == 3, "token: the ledger keeps the text as the letter's token",
                  [(r["token"], r["state"]) for r in c.letters()]):
        return
    t = rows[0]
    v = c.visits(t["id"])
    expect(len(v) == 1 and v[0]["kind"] == "check" and v[0]["outcome"] == 0 and v[0]["seen_in_list"] == 1,
           "token: the visit found it in the list", v)
    expect(v and v[0]["has_reply"] == 1 and v[0]["reply_text"] == "已安排环卫所于3月5日疏通。",
           "token: the visit read its own reply", v and (v[0]["has_reply"], v[0]["reply_text"]))
    expect(t["submitted_at_ms"] and t["submitted_at_ms"] > 0, "token: its 留言时间 is learnt from the site", t)
    code, out = c.imp(SCENARIO, "letter.token=" + text, check=False)
    expect(code == 6 and "already in the ledger" in out, "twice: the same text is refused as already imported "
           "(exit %d)" % code, out)


def case_two_letters_one_site(c):
    first = "北街路灯连续三晚不亮"
    second = "县医院门口公交站牌缺失"
    c.seed("路灯", "北街%s，夜里行人看不清。" % first, "2026-03-03 10:00:00",
           reply={"date": "2026-03-03 15:00:00", "unit": "县城管局", "text": "路灯已修复。"})
    c.seed("站牌", "%s，老人等车不方便。" % second, "2026-03-03 11:00:00")
    code1, out1 = c.imp(SCENARIO, "letter.token=" + first, check=False)
    code2, out2 = c.imp(SCENARIO, "letter.token=" + second)
    expect(code1 == 0 and code2 == 0, "two letters: both import (exit %d, %d)" % (code1, code2), out1 + out2)
    rows = {r["token"]: r for r in c.letters()}
    if not expect(first in rows and second in rows, "two letters: both keep their texts as tokens", list(rows)):
        return
    v = c.visits(rows[second]["id"])
    expect(v and v[-1]["outcome"] == 0 and v[-1]["has_reply"] == 0,
           "two letters: the second is found by its own text, unanswered (not the first's reply)", v)
    code, out = c.run("check", str(rows[first]["id"]))
    v = c.visits(rows[first]["id"])
    expect(v and v[-1]["outcome"] == 0 and v[-1]["reply_text"] == "路灯已修复。",
           "two letters: the first, checked after the second was imported, is still found by its own text", (out, v))


def case_title(c):
    title = "关于城西幼儿园招生名额的咨询"
    c.seed(title, "请问今年城西幼儿园秋季招生有多少名额？", "2026-03-04 08:30:00",
           reply={"date": "2026-03-05 11:00:00", "unit": "临溪县教育局", "text": "今年秋季计划招收小班90名。"})
    code, out = c.imp(SCENARIO, "letter.title=" + title, check=False)
    expect(code == 2 and "letter.token" in out, "title, no token: the library scenario (it searches for the token) "
           "refuses it, naming letter.token (exit %d)" % code, out)
    with open(SCENARIO, encoding="utf-8") as f:
        sc = json.load(f)
    sc["check"]["steps"][0]["list_search"]["token"] = "${letter.title}"
    variant = os.path.join(c.tmp, "guestbook-by-title.json")
    with open(variant, "w", encoding="utf-8") as f:
        json.dump(sc, f, ensure_ascii=False, indent=2)
    code, out = c.imp(variant, "letter.title=" + title)
    expect(code == 0, "title: a scenario searching for ${letter.title} imports and checks it (exit %d)" % code,
           out[-1500:])
    rows = [r for r in c.letters() if r["title"] == title]
    if not expect(len(rows) == 1 and rows[0]["token"].startswith("import:"),
                  "title: the title is kept, the token is made up", [(r["token"], r["title"]) for r in c.letters()]):
        return
    v = c.visits(rows[0]["id"])
    expect(v and v[-1]["outcome"] == 0 and v[-1]["reply_text"] == "今年秋季计划招收小班90名。",
           "title: found by its title, its reply read", v)


def case_nothing(c):
    code, out = c.imp(SCENARIO, check=False)
    expect(code == 2 and "letter.token" in out, "nothing: no finder given is refused, naming the scenario's "
           "(exit %d)" % code, out)
    code, out = c.imp(SCENARIO, "letter.token=", check=False)
    expect(code == 2 and "empty" in out, "nothing: an empty text is refused (exit %d)" % code, out)
    hanweb = os.path.join(ROOT, "scenarios", "library", "hanweb-jact.json")
    code, out = c.imp(hanweb, "letter.token=某段文字", check=False)
    expect(code == 2 and "query_code" in out and "letter_no" in out,
           "nothing: a text is refused for a scenario that finds letters by query code, naming them (exit %d)"
           % code, out)


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-import-known-")
    try:
        with Sites() as sites:
            c = Case(tmp, sites)
            sites.ctl.call("POST", "/api/clock", {"now": "2026-03-10 09:00:00", "tick": True})
            for fn in (case_token, case_two_letters_one_site, case_title, case_nothing):
                try:
                    fn(c)
                except Exception as ex:  # one broken case must not hide the others
                    expect(False, fn.__name__, repr(ex))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
