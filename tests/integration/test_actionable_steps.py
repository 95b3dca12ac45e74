#!/usr/bin/env python3
"""Actionability as a scenario writer meets it (issue 14): `huixin submit --no-ledger` on the write-page
fixtures of tests/integration/pages/ (served by serve.py), a real headless Chromium.

  countdown   the final click waits out a 3 s "请仔细阅读须知(N)" countdown and sends (step timeout 20 s)
  overlay     a notice that stays: the final click fails naming what covers it, the letter is not sent
  dismiss     the same page with {"dismiss": "#close-notice"} first: sent
  no notice   dismiss on a page without the notice costs its short wait and goes on: sent
  pulse       a button that pulses forever is never stable: not sent, saying so; with "force": sent
  readonly    a fill of a readonly field names it; the letter is not sent
  probe       `huixin probe` on a form under a 网站声明 notice drafts a dismiss step; the draft sends as is
Last line: N passed, N failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, Pages, Tally  # noqa: E402

T = Tally("actionable_steps")
check = T.check


def scenario(tmp, name, page, steps):
    return Pages.scenario(tmp, name, "写信页测试", page, steps, ("clicked", "agreed"))


def run(tmp, pages):
    path = scenario(tmp, "countdown", "actionable-countdown.html",
                    [{"click": "#agree", "final": True, "timeout_seconds": 20}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(code == 0 and out.get("status") == "submitted",
          "countdown: the final click waits for the button to enable and sends", text[-600:])

    path = scenario(tmp, "overlay", "actionable-overlay.html?ms=-1",
                    [{"click": "#go", "final": True, "timeout_seconds": 3}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(out.get("status") == "not_sent", "overlay: a button covered for good leaves the letter not sent",
          text[-600:])
    check("'#go' is covered by div#mask.modal-mask" in text and "网站声明" in text,
          "overlay: the error names what covers the button", text[-600:])

    path = scenario(tmp, "dismiss", "actionable-overlay.html?ms=-1",
                    [{"dismiss": "#close-notice"}, {"click": "#go", "final": True, "timeout_seconds": 5}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(code == 0 and out.get("status") == "submitted", "dismiss: the notice is closed and the letter sent",
          text[-600:])

    path = scenario(tmp, "no-notice", "actionable-countdown.html?s=0",
                    [{"dismiss": "#close-notice", "timeout_seconds": 1},
                     {"click": "#agree", "final": True, "timeout_seconds": 5}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(code == 0 and out.get("status") == "submitted", "dismiss without a notice goes on", text[-600:])

    path = scenario(tmp, "pulse", "actionable-pulse.html",
                    [{"click": "#go", "final": True, "timeout_seconds": 2}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(out.get("status") == "not_sent" and "is still moving" in text,
          "pulse: a button never stable is not clicked, and the error says so", text[-600:])
    path = scenario(tmp, "pulse-force", "actionable-pulse.html",
                    [{"click": "#go", "final": True, "timeout_seconds": 2, "force": True}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(code == 0 and out.get("status") == "submitted", "pulse with force: clicked at once, sent", text[-600:])

    path = scenario(tmp, "readonly", "actionable-fields.html?ro=-1",
                    [{"fill": "#t", "value": "李明", "timeout_seconds": 2}, {"click": "#next", "final": True}])
    code, out, text, _ = pages.submit(tmp, path, timeout=120)
    check(out.get("status") == "not_sent" and "'#t' is readonly" in text,
          "readonly: the fill names the readonly field, nothing is sent", text[-600:])

    # probe: a notice over the form becomes a dismiss step, and the draft runs as it is
    draft = os.path.join(tmp, "draft.json")
    p = subprocess.run([HUIXIN, "probe", "http://127.0.0.1:%d/actionable-notice-form.html" % pages.port, "-o", draft,
                        "-s", os.path.join(tmp, "probe.png")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    steps = []
    if p.returncode == 0:
        with open(draft, encoding="utf-8") as f:
            steps = json.load(f)["submit"]["steps"]
    check(len(steps) > 1 and steps[1] == {"dismiss": "#know"},
          "probe: the draft dismisses the notice right after the goto", p.stderr[-400:] + json.dumps(steps[:3]))
    code, out, text, _ = pages.submit(tmp, draft, timeout=120)
    check(code == 0 and out.get("status") == "submitted", "probe: the draft with its dismiss sends the letter",
          text[-600:])


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-actionable-")
    try:
        with Pages() as pages:
            run(tmp, pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
