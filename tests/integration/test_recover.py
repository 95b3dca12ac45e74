#!/usr/bin/env python3
"""The crash window of issue 5: huixin made the final click, then died before it recorded the outcome.

The ledger is put in that state by hand (a letter in state INTENT with final_click_at_ms set), the
fixture sites either hold the letter (seeded through the control API, token in its title or body, as
huixin would have written it) or do not, and `huixin campaign start` runs once more:

  board-on     the board holds the message      -> recorded as submitted at the final click, its
                                                   留言编号 recovered, its state read; nothing sent
  hanweb-on    hanweb's public list has it        -> recorded as submitted (信件编号, detail URL); its
                                                   query code is lost with the success page: said so
  board-off    not on the board, and the scenario
               says a miss proves absence        -> sent once (same ledger row, same token)
  board-held   not on the board, library board.json
               (moderation may hide it)           -> left as it is for a person; nothing sent
A second run changes nothing on the sites, and all evidence verifies. Uses $HUIXIN_BIN (default ./huixin) and a real Chromium.
Last line: N passed, N failed.
"""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import ROOT, HUIXIN, LIBRARY, Sites, Tally  # noqa: E402
BIN = HUIXIN
LIB = LIBRARY

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


T = Tally("recover")
check = T.check


def new_token(rng):
    return "HX" + "".join(rng.choice(ALPHABET) for _ in range(6))


def mine(sites, family, token):
    return [x for x in sites.ctl.letters(family) if token in x.get("title", "") + x.get("content", "")]


def main():
    work = tempfile.mkdtemp(prefix="huixin-recover-")
    store = os.path.join(work, "huixin.db")
    evidence = os.path.join(work, "evidence")
    rng = random.Random()
    try:
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            sites.ctl.throttle("board", 0)
            control = sites.ports["control"]
            # the board's scenario, saying (as a board without moderation may) that a miss proves absence
            with open(os.path.join(LIB, "board.json"), encoding="utf-8") as f:
                variant = json.load(f)
            variant["recover"]["proves_absence"] = True
            proves = os.path.join(work, "board-proves-absence.json")
            with open(proves, "w", encoding="utf-8") as f:
                json.dump(variant, f, ensure_ascii=False, indent=2)

            def entry(key, server, scenario, captcha):
                return {"key": key, "scenario": scenario,
                        "vars": {"base_url": sites.url(server, "").rstrip("/")},
                        "captcha": "control:http://127.0.0.1:%d/api/captcha?site=%s" % (control, captcha)}

            campaign = {
                "huixin_campaign": 1, "name": "崩溃恢复测试", "authorised_by": "测试（无授权需要：本地假站点）",
                "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                "sites": [entry("board-on", "board", os.path.join(LIB, "board.json"), "board"),
                          entry("hanweb-on", "hanweb", os.path.join(LIB, "hanweb-jact.json"), "hanweb"),
                          entry("board-off", "board", proves, "board"),
                          entry("board-held", "board", os.path.join(LIB, "board.json"), "board")],
            }
            cfile = os.path.join(work, "campaign.json")
            with open(cfile, "w", encoding="utf-8") as f:
                json.dump(campaign, f, ensure_ascii=False, indent=2)
            base = [BIN, "campaign", "start", cfile, "--store", store, "--evidence", evidence]

            # 1. the campaign and its sites in the ledger, no letters (no browser to be had)
            r = subprocess.run(base + ["--browser", "http://127.0.0.1:1"], capture_output=True, text=True,
                               timeout=60)
            con = sqlite3.connect(store)
            site_ids = dict(con.execute("SELECT key, id FROM sites").fetchall())
            check(sorted(site_ids) == ["board-held", "board-off", "board-on", "hanweb-on"]
                  and con.execute("SELECT count(*) FROM letters").fetchone()[0] == 0,
                  "the campaign's sites are recorded and no letter yet", r.stderr.strip())

            # 2. the crash window, by hand: an intent whose final click was made a minute ago
            now_ms = int(time.time() * 1000)
            final_ms = now_ms - 60000
            letters = {}
            for key in site_ids:
                token = new_token(rng)
                if key.startswith("hanweb"):  # hanweb-jact.json puts the token in the title
                    title, body = "关于公交线路调整的咨询（编号%s）" % token, "您好，请问12路公交何时恢复原线路？谢谢。"
                else:
                    title, body = "关于小区路灯维修的咨询", "您好，小区门口路灯已坏一周，请问何时维修？\n（来信编号：%s）" % token
                con.execute("INSERT INTO letters (site_id, state, token, title, body, intent_at_ms, final_click_at_ms) "
                            "VALUES (?, 0, ?, ?, ?, ?, ?)", (site_ids[key], token, title, body, final_ms - 5000,
                                                             final_ms))
                letters[key] = {"token": token, "title": title, "body": body}
            con.commit()
            con.close()
            # the letters that did reach their site before the crash
            seeded = {}
            for key, family in (("board-on", "board"), ("hanweb-on", "hanweb")):
                t = letters[key]
                seeded[key] = sites.ctl.create(family, title=t["title"], content=t["body"], name="李明",
                                               phone="13812345678")
            before = {fam: len(sites.ctl.letters(fam)) for fam in ("board", "hanweb")}

            # 3. huixin starts again
            r = subprocess.run(base, capture_output=True, text=True, timeout=600)
            out = r.stdout + r.stderr
            check(r.returncode == 1, "campaign start exits 1: board-held is left for a person (exit %d)"
                  % r.returncode, out.strip()[-2000:])
            con = sqlite3.connect(store)
            con.row_factory = sqlite3.Row

            def row(key):
                return con.execute("SELECT letters.* FROM letters JOIN sites ON sites.id = letters.site_id "
                                   "WHERE sites.key = ?", (key,)).fetchall()

            def visits(letter_id):
                return con.execute("SELECT * FROM visits WHERE letter_id = ? ORDER BY id", (letter_id,)).fetchall()

            # board-on: found by its token, recorded, nothing sent
            rows = row("board-on")
            check(len(rows) == 1 and rows[0]["state"] == 1, "board-on: the letter is recorded as submitted",
                  [dict(x) for x in rows])
            x = rows[0]
            check(x["submitted_at_ms"] == final_ms, "board-on: submitted at the final click's time",
                  "%s != %s" % (x["submitted_at_ms"], final_ms))
            check(x["letter_no"] == seeded["board-on"]["number"], "board-on: its 留言编号 is recovered from the list",
                  "%s vs %s" % (x["letter_no"], seeded["board-on"]["number"]))
            vs = visits(x["id"])
            check(len(vs) == 1 and vs[0]["kind"] == "recover" and vs[0]["outcome"] == 0 and vs[0]["entry_ok"] == 1,
                  "board-on: one recover visit, found and its state read by the check phase", [dict(v) for v in vs])
            ev = os.path.join(evidence, vs[0]["evidence_dir"]) if vs else ""
            check(vs and os.path.exists(os.path.join(ev, "manifest.json"))
                  and any(n.endswith("-recover-recovered.png") for n in os.listdir(ev)),
                  "board-on: the recover visit leaves evidence with its own screenshot", ev)
            check(len(mine(sites, "board", letters["board-on"]["token"])) == 1,
                  "board-on: the board still holds exactly one letter with its token")
            check("board-on" in out and "found on the site by its token" in out, "board-on: says what it found")

            # hanweb-on: found in the public list; the query code is gone with the success page
            rows = row("hanweb-on")
            check(len(rows) == 1 and rows[0]["state"] == 1 and rows[0]["submitted_at_ms"] == final_ms,
                  "hanweb-on: recorded as submitted at the final click", [dict(x) for x in rows])
            x = rows[0]
            check(x["letter_no"] == seeded["hanweb-on"]["number"] and "mailpubdetail.do" in (x["detail_url"] or ""),
                  "hanweb-on: 信件编号 and the detail URL are recovered", "%s %s" % (x["letter_no"], x["detail_url"]))
            check(x["query_code"] is None, "hanweb-on: no query code is made up")
            vs = visits(x["id"])
            check(len(vs) == 1 and vs[0]["kind"] == "recover" and vs[0]["outcome"] == 2
                  and "query_code" in (vs[0]["error"] or ""),
                  "hanweb-on: the recover visit says its state could not be read without the query code",
                  [dict(v) for v in vs])
            check(len(mine(sites, "hanweb", letters["hanweb-on"]["token"])) == 1,
                  "hanweb-on: hanweb still holds exactly one letter with its token")

            # board-off: not there, and a miss proves absence: sent once, same row, same token
            rows = row("board-off")
            check(len(rows) == 1 and rows[0]["state"] == 1 and rows[0]["token"] == letters["board-off"]["token"],
                  "board-off: the same ledger row is submitted", [dict(x) for x in rows])
            x = rows[0]
            check(x["submitted_at_ms"] > final_ms and x["final_click_at_ms"] > final_ms,
                  "board-off: its submission time is the new final click's")
            on = mine(sites, "board", letters["board-off"]["token"])
            check(len(on) == 1 and x["letter_no"] == on[0]["number"], "board-off: the board holds it exactly once",
                  on)
            vs = visits(x["id"])
            check([(v["kind"], v["outcome"], v["entry_ok"]) for v in vs] == [("recover", 1, 1), ("submit", 0, 1)],
                  "board-off: a recover visit (not found, site up), then the submit visit",
                  [(v["kind"], v["outcome"], v["entry_ok"]) for v in vs])

            # board-held: not there, but a miss proves nothing on a board that moderates: left alone
            rows = row("board-held")
            check(len(rows) == 1 and rows[0]["state"] == 0 and rows[0]["final_click_at_ms"] == final_ms,
                  "board-held: still an intent, untouched", [dict(x) for x in rows])
            vs = visits(rows[0]["id"])
            check(len(vs) == 1 and vs[0]["kind"] == "recover" and vs[0]["outcome"] == 2,
                  "board-held: its recover visit is recorded as proving nothing", [dict(v) for v in vs])
            check(not mine(sites, "board", letters["board-held"]["token"]), "board-held: nothing was sent")
            check("proves nothing" in out, "board-held: the run says the miss proves nothing")

            after = {fam: len(sites.ctl.letters(fam)) for fam in ("board", "hanweb")}
            check(after == {"board": before["board"] + 1, "hanweb": before["hanweb"]},
                  "the sites got exactly one new letter (board-off's)", "%s -> %s" % (before, after))
            con.close()

            # 4. once more: nothing new reaches any site
            r = subprocess.run(base, capture_output=True, text=True, timeout=600)
            again = {fam: len(sites.ctl.letters(fam)) for fam in ("board", "hanweb")}
            check(r.returncode == 1 and again == after, "a second run sends nothing (and board-held is still unsettled)",
                  "exit %d, %s -> %s\n%s" % (r.returncode, after, again, r.stdout + r.stderr))
            v = subprocess.run([BIN, "evidence", "verify", evidence], capture_output=True, text=True, timeout=120)
            check(v.returncode == 0, "the recover visits' evidence verifies, chained with the others",
                  (v.stdout + v.stderr)[-1500:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
