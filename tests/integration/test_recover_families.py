#!/usr/bin/env python3
"""The recover phases of the library scenarios for gbk, spa and iframe (test_recover.py covers the board and
hanweb): a letter whose final click was made and whose outcome a crash kept from the ledger.

The ledger is put in that state by hand (a letter in state INTENT with final_click_at_ms set, its token in
the title as these scenarios write it); the fixture site either holds the letter (seeded through the
control API, public, as huixin would have sent it) or does not. Then `huixin campaign start` runs once:

  FAMILY-on    the public list holds it, library scenario -> recorded as submitted at the final click,
                                                            信件编号 and detail URL read off its public
                                                            page, no query code made up; the visit says
                                                            the check needs the query code; nothing sent
  FAMILY-off   not there, a copy saying proves_absence     -> sent once: same row, same token, its query
                                                            code read from the success page (gbk's shows
                                                            no 信件编号: none is recorded)
  gbk-held     not there, library scenario                 -> left as it is: a miss proves nothing
The iframe-on site has no platform_url: the recover phase finds the platform through the city's iframe.
Every library scenario keeps proves_absence false. Uses $HUIXIN_BIN (default ./huixin) and a real
Chromium. Last line: N passed, N failed.
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
# family -> (fixture server for base_url, scenario, captcha family or None, 信件编号 prefix)
FAMILIES = {"gbk": ("gbk", "legacy-gbk.json", "gbk", "QL"),
            "spa": ("spa", "spa.json", None, "YX"),
            "iframe": ("iframe-city", "iframe.json", "iframe", "JY")}


T = Tally("recover_families")
check = T.check


def mine(sites, family, token):
    return [x for x in sites.ctl.letters(family) if token in x.get("title", "") + x.get("content", "")]


def main():
    work = tempfile.mkdtemp(prefix="huixin-recover-fam-")
    store = os.path.join(work, "huixin.db")
    evidence = os.path.join(work, "evidence")
    rng = random.Random()
    try:
        for fam, (_, scenario, _, _) in FAMILIES.items():
            with open(os.path.join(LIB, scenario), encoding="utf-8") as f:
                sc = json.load(f)
            check(sc.get("letter", {}).get("token_in") == "title" and "recover" in sc
                  and sc["recover"].get("proves_absence") is False,
                  "%s: the library scenario puts the token in the title and has a recover phase that "
                  "proves nothing by a miss" % scenario)
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            control = sites.ports["control"]
            proves = {}
            for fam, (_, scenario, _, _) in FAMILIES.items():
                with open(os.path.join(LIB, scenario), encoding="utf-8") as f:
                    variant = json.load(f)
                variant["recover"]["proves_absence"] = True  # honest here: moderation off, public letters
                proves[fam] = os.path.join(work, "proves-" + scenario)
                with open(proves[fam], "w", encoding="utf-8") as f:
                    json.dump(variant, f, ensure_ascii=False, indent=2)

            def entry(key, fam, scenario, platform=True):
                server, _, captcha, _ = FAMILIES[fam]
                e = {"key": key, "scenario": scenario, "vars": {"base_url": sites.url(server, "").rstrip("/")}}
                if fam == "iframe" and platform:
                    e["vars"]["platform_url"] = sites.url("iframe-platform", "").rstrip("/")
                if captcha:
                    e["captcha"] = "control:http://127.0.0.1:%d/api/captcha?site=%s" % (control, captcha)
                return e

            entries = []
            for fam, (_, scenario, _, _) in FAMILIES.items():
                entries.append(entry(fam + "-on", fam, os.path.join(LIB, scenario), platform=False))
                entries.append(entry(fam + "-off", fam, proves[fam]))
            entries.append(entry("gbk-held", "gbk", os.path.join(LIB, "legacy-gbk.json")))
            campaign = {"huixin_campaign": 1, "name": "各类信箱崩溃恢复", "authorised_by": "测试（无授权需要：本地假站点）",
                        "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                        "sites": entries}
            cfile = os.path.join(work, "campaign.json")
            with open(cfile, "w", encoding="utf-8") as f:
                json.dump(campaign, f, ensure_ascii=False, indent=2)
            base = [BIN, "campaign", "start", cfile, "--store", store, "--evidence", evidence, "--timeout", "20"]

            # 1. the campaign and its sites in the ledger, no letters (no browser to be had)
            r = subprocess.run(base + ["--browser", "http://127.0.0.1:1"], capture_output=True, text=True,
                               timeout=60)
            con = sqlite3.connect(store)
            site_ids = dict(con.execute("SELECT key, id FROM sites").fetchall())
            check(sorted(site_ids) == sorted(e["key"] for e in entries)
                  and con.execute("SELECT count(*) FROM letters").fetchone()[0] == 0,
                  "the campaign's sites are recorded and no letter yet", r.stderr.strip())

            # 2. the crash window, by hand: intents whose final click was made a minute ago
            final_ms = int(time.time() * 1000) - 60000
            letters = {}
            for key in site_ids:
                token = "HX" + "".join(rng.choice(ALPHABET) for _ in range(6))
                title = "关于小区路灯维修的咨询（编号%s）" % token
                body = "您好，小区门口路灯已坏一周，请问何时维修？谢谢。"
                con.execute("INSERT INTO letters (site_id, state, token, title, body, intent_at_ms, final_click_at_ms)"
                            " VALUES (?, 0, ?, ?, ?, ?, ?)", (site_ids[key], token, title, body, final_ms - 5000,
                                                              final_ms))
                letters[key] = {"token": token, "title": title, "body": body}
            con.commit()
            con.close()
            seeded = {}
            for fam in FAMILIES:  # what reached the site before the crash
                t = letters[fam + "-on"]
                seeded[fam] = sites.ctl.create(fam, title=t["title"], content=t["body"], name="李明",
                                               phone="13812345678")
            before = {fam: len(sites.ctl.letters(fam)) for fam in FAMILIES}

            # 3. huixin starts again
            r = subprocess.run(base, capture_output=True, text=True, timeout=600)
            out = r.stdout + r.stderr
            check(r.returncode == 1, "campaign start exits 1: gbk-held is left for a person (exit %d)" % r.returncode,
                  out.strip()[-2000:])
            con = sqlite3.connect(store)
            con.row_factory = sqlite3.Row

            def rows(key):
                return con.execute("SELECT letters.* FROM letters JOIN sites ON sites.id = letters.site_id "
                                   "WHERE sites.key = ?", (key,)).fetchall()

            def visits(letter_id):
                return con.execute("SELECT * FROM visits WHERE letter_id = ? ORDER BY id", (letter_id,)).fetchall()

            for fam, (_, _, _, prefix) in FAMILIES.items():
                key = fam + "-on"
                rs = rows(key)
                if not check(len(rs) == 1 and rs[0]["state"] == 1 and rs[0]["submitted_at_ms"] == final_ms,
                             "%s: found by its token, recorded as submitted at the final click" % key,
                             [dict(x) for x in rs]):
                    continue
                x = rs[0]
                check(x["letter_no"] == seeded[fam]["number"] and x["letter_no"].startswith(prefix),
                      "%s: its 信件编号 is read off its public page" % key,
                      "%s vs %s" % (x["letter_no"], seeded[fam]["number"]))
                check(x["detail_url"] and seeded[fam]["detail_path"].lstrip("/") in x["detail_url"],
                      "%s: its public page is kept as the detail URL" % key,
                      "%s vs %s" % (x["detail_url"], seeded[fam]["detail_path"]))
                check(x["query_code"] is None, "%s: no query code is made up" % key)
                vs = visits(x["id"])
                check(len(vs) == 1 and vs[0]["kind"] == "recover" and vs[0]["outcome"] == 2
                      and "query_code" in (vs[0]["error"] or ""),
                      "%s: the recover visit says the check cannot be made without the query code" % key,
                      [dict(v) for v in vs])
                ev = os.path.join(evidence, vs[0]["evidence_dir"]) if vs else ""
                check(vs and any(n.endswith("-recover-recovered.png") for n in os.listdir(ev)),
                      "%s: the recover visit keeps a screenshot of the letter's page" % key, ev)
                check(len(mine(sites, fam, letters[key]["token"])) == 1, "%s: still one letter on the site" % key)

                key = fam + "-off"
                rs = rows(key)
                on = mine(sites, fam, letters[key]["token"])
                ok = check(len(rs) == 1 and rs[0]["state"] == 1 and rs[0]["token"] == letters[key]["token"]
                           and rs[0]["submitted_at_ms"] > final_ms,
                           "%s: not found while the site answers: the same row is sent again" % key,
                           [dict(x) for x in rs])
                check(ok and len(on) == 1 and on[0]["title"] == letters[key]["title"]
                      and rs[0]["query_code"] == on[0]["query_code"]
                      and rs[0]["letter_no"] == (None if fam == "gbk" else on[0]["number"]),
                      "%s: the site holds it once, with the query code huixin read" % key,
                      "%s / %s" % ([dict(x) for x in rs], on))
                vs = visits(rs[0]["id"]) if rs else []
                check([(v["kind"], v["outcome"], v["entry_ok"]) for v in vs] == [("recover", 1, 1), ("submit", 0, 1)],
                      "%s: a recover visit (not found, site up), then the submit visit" % key,
                      [(v["kind"], v["outcome"], v["entry_ok"], v["error"]) for v in vs])

            rs = rows("gbk-held")
            check(len(rs) == 1 and rs[0]["state"] == 0 and rs[0]["final_click_at_ms"] == final_ms
                  and not mine(sites, "gbk", letters["gbk-held"]["token"]),
                  "gbk-held: not found, and the library scenario says that proves nothing: left alone, nothing sent",
                  [dict(x) for x in rs])
            vs = visits(rs[0]["id"]) if rs else []
            check(len(vs) == 1 and vs[0]["kind"] == "recover" and vs[0]["outcome"] == 2,
                  "gbk-held: its recover visit is recorded as proving nothing", [dict(v) for v in vs])
            after = {fam: len(sites.ctl.letters(fam)) for fam in FAMILIES}
            check(after == {fam: n + 1 for fam, n in before.items()},
                  "each site got exactly one new letter (its -off letter)", "%s -> %s" % (before, after))
            con.close()

            # 4. once more: nothing new reaches any site; the evidence verifies
            r = subprocess.run(base, capture_output=True, text=True, timeout=600)
            again = {fam: len(sites.ctl.letters(fam)) for fam in FAMILIES}
            check(r.returncode == 1 and again == after, "a second run sends nothing (gbk-held is still unsettled)",
                  "exit %d, %s -> %s\n%s" % (r.returncode, after, again, (r.stdout + r.stderr)[-1500:]))
            v = subprocess.run([BIN, "evidence", "verify", evidence], capture_output=True, text=True, timeout=120)
            check(v.returncode == 0, "the evidence verifies", (v.stdout + v.stderr)[-1500:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
