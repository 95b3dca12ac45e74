#!/usr/bin/env python3
"""Two `huixin campaign start` of one campaign at the same moment, on one ledger: each site still gets
exactly one letter (a letter is never submitted twice). The second one waits for the host the first
holds (pacing's lock), then reads the site's letters again and finds the letter sent: nothing sent.
Three rounds, both started together each time. Last line: N passed, N failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, LIBRARY, Sites, Tally, Workspace  # noqa: E402

T = Tally("campaign_race")
check = T.check
SITES = [("hanweb", "hanweb", "hanweb-jact.json", "hanweb"), ("board", "board", "board.json", "board")]


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-race-")
    try:
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites:
            for rnd in range(3):
                w = Workspace(os.path.join(tmp, "round-%d" % rnd), sites, now="2026-03-02 09:%02d" % (30 + rnd))
                name = "并发启动测试%d" % rnd
                campaign = os.path.join(w.tmp, "campaign.json")
                with open(campaign, "w", encoding="utf-8") as f:
                    json.dump({"huixin_campaign": 1, "name": name, "authorised_by": "测试（本地假站点）",
                               "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                               "sites": [{"key": key, "scenario": os.path.join(LIBRARY, sc),
                                          "vars": {"base_url": w.server_url(server)}, "captcha": w.captcha(fam)}
                                         for key, server, sc, fam in SITES]}, f, ensure_ascii=False)
                cmd = [HUIXIN, "campaign", "start", campaign, "--store", w.store, "--evidence", w.evidence,
                       "--now", w.now]
                procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                         for _ in range(2)]
                outs = []
                for p in procs:
                    out, _ = p.communicate(timeout=300)
                    outs.append((p.returncode, out))
                check(all(code == 0 for code, _ in outs), "round %d: both starts end with exit 0" % rnd, str(outs))
                letters = w.letters()
                for key, server, _, fam in SITES:
                    mine = [x for x in letters if x.get("site_key", None) == key or
                            w.rows("SELECT key FROM sites WHERE id = ?", (x["site_id"],))[0]["key"] == key]
                    check(len(mine) == 1, "round %d: %s has one letter in the ledger" % (rnd, key),
                          json.dumps([(x["id"], x["state"]) for x in mine]))
                    tokens = [x["token"] for x in mine]
                    on_site = [x for x in sites.ctl.call("GET", "/api/letters?site=%s" % fam)["letters"]
                               if any(t and (t in x.get("content", "") or t in x.get("title", "")) for t in tokens)]
                    check(len(on_site) == 1, "round %d: %s's site received the letter once" % (rnd, key),
                          "%d on the site" % len(on_site))
                said = "".join(out for _, out in outs)
                check(said.count("nothing sent") >= 2 or said.count("being visited by another huixin") >= 1,
                      "round %d: the second start says it sent nothing" % rnd, said[-800:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
