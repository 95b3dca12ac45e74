#!/usr/bin/env python3
"""The whole campaign story of `make demo`, as a test (issue 5).

Over the five fixture families, the sites' operator answers one letter the same day, one within the
deadline, one late, never answers one, deletes one, and breaks one site's pages during the checks after
the deadline. After `huixin check --due` at the simulated times a `huixin run` daemon would choose, every
verdict must match that ground truth, the broken site must be 无法核实 (never 信件被删除), the evidence tree
must verify, and the report must name every site. Prints "N passed, N failed" last.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import ROOT, HUIXIN, Sites, Tally  # noqa: E402
import demo  # noqa: E402



T = Tally("campaign")
check = T.check


def main():
    work = tempfile.mkdtemp(prefix="huixin-campaign-")
    try:
        d = demo.Demo(work, HUIXIN, quiet=True)
        check(len(d.story_sites) == len(demo.SITES), "the library has a scenario for every family of the story",
              "missing: %s" % [s[2] for s in demo.SITES if s not in d.story_sites])
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            d.sites = sites
            final = d.story()
            truth = {}
            for key, server, _, _ in d.story_sites:
                letter = d.letter_on_site(server, final[key]["token"])
                truth[key] = letter
        for key, _, _, want in d.story_sites:
            got = final.get(key, {}).get("verdict")
            check(got == want, "%s ends as %s" % (key, want), "got %s" % got)
        # The ground truth behind the verdicts, as the sites' own records have it.
        check(truth["baochuan"].get("reply") is not None, "baochuan's site holds its reply")
        check(truth["wuchuan"].get("state") == "deleted",
              "wuchuan's site deleted the letter", json.dumps(truth["wuchuan"].get("state"), ensure_ascii=False))
        check(truth["luzhou"].get("reply") is None, "luzhou's site never answered")
        broken = final.get("qinglan-2", {}).get("verdict")
        check(broken != "deleted", "the site that was down is not called deleted", broken or "")

        ev = subprocess.run([HUIXIN, "evidence", "verify", os.path.join(work, "evidence")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        check(ev.returncode == 0, "the evidence of every visit verifies (hashes and chains)", ev.stdout[-600:])

        html = os.path.join(work, "report.html")
        text = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
        check("共测试 6 个网站" in text, "the HTML report's summary counts the six sites", text[:200])
        missing = [k for k in final if final[k]["token"] not in text]
        check(not missing, "the HTML report names every letter by its token", "missing %s" % missing)
        pdf = os.path.join(work, "report.pdf")
        check(os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-", "the PDF report was written")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
