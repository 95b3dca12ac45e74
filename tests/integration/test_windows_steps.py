#!/usr/bin/env python3
"""New tabs and windows as a scenario writer meets them (issue 15): `huixin submit --no-ledger` on
tests/integration/pages/windows-index.html and windows-write.html (served by serve.py), a real headless
Chromium.

  blank       a target=_blank "我要写信" link: the new tab is followed, the letter sent there
  open        the same through window.open(), and through window.open(..., 'noopener')
  form        a form posted into a new window (<form target="_blank">): the final click's answer is judged
              in the new window
  same        "opens": "same" keeps the scenario on the first tab: the wait fails, the letter is not sent,
              and huixin ends within a bound (the failure screenshot of a tab in the background hung)
  new/opener  {"window": "new"} after an "opens": "same" click, and {"window": "opener"} back
  must open   "opens": "window" on a click that opens nothing fails the step
  lint        a bad "opens" and a bad "window" are refused
  probe       `huixin probe` on a page whose 我要写信 link opens the form in a new tab: the draft clicks it
              ("opens": "window") and fills the form there; the draft sends as it is
  evidence    a submission recorded in a ledger through a new tab: meta.json lists the window behind the
              last one, and its screenshot is in the bundle
Last line: N passed, N failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, Pages, Tally  # noqa: E402

T = Tally("windows_steps")
check = T.check


def scenario(tmp, name, steps, success=("提交成功",)):
    return Pages.scenario(tmp, name, "新窗口测试", "windows-index.html", steps, success)


WRITE = [{"wait_for": {"text": "写信页面"}, "timeout_seconds": 10},
         {"fill": "#title", "value": "新窗口里的来信"},
         {"click": "#send", "final": True}, {"wait_for": {"text": "提交成功"}, "timeout_seconds": 10}]


def run(tmp, pages):
    for name, sel in (("blank", "#blank"), ("open", "#open"), ("noopener", "#noopener")):
        path = scenario(tmp, name, [{"click": sel}] + WRITE)
        code, out, text, _ = pages.submit(tmp, path)
        check(code == 0 and out.get("status") == "submitted",
              "%s: the new window is followed and the letter sent there" % name, text[-600:])

    path = scenario(tmp, "form", [{"fill": "#title", "value": "投到新窗口"}, {"click": "#send", "final": True},
                                  {"wait_for": {"text": "提交成功"}, "timeout_seconds": 10}])
    code, out, text, _ = pages.submit(tmp, path)
    check(code == 0 and out.get("status") == "submitted",
          "form target=_blank: the answer is judged in the new window", text[-600:])

    path = scenario(tmp, "same", [{"click": "#blank", "opens": "same"}] + WRITE)
    code, out, text, took = pages.submit(tmp, path)
    check(out.get("status") == "not_sent" and "写信页面" in text,
          "opens same: the wait on the first tab fails and the letter is not sent", text[-600:])
    check(took < 90, "opens same: huixin ends within 90 s (took %.0f s)" % took, text[-300:])

    path = scenario(tmp, "new-window-step",
                    [{"click": "#blank", "opens": "same"}, {"window": "new", "timeout_seconds": 10},
                     {"wait_for": {"text": "写信页面"}}, {"window": "opener"},
                     {"assert": {"text": "市长信箱首页"}}, {"window": "new"}] + WRITE)
    code, out, text, _ = pages.submit(tmp, path)
    check(code == 0 and out.get("status") == "submitted",
          "window new / opener: go to the new tab, back, and to it again", text[-600:])

    path = scenario(tmp, "must-open", [{"click": "#nothing", "opens": "window", "timeout_seconds": 2}] + WRITE)
    code, out, text, _ = pages.submit(tmp, path)
    check(out.get("status") == "not_sent" and "opened no new window" in text,
          "opens window on a click that opens none fails the step", text[-600:])

    path = scenario(tmp, "late", [{"click": "#late"}] + WRITE)
    code, out, text, _ = pages.submit(tmp, path)
    check(code == 0 and out.get("status") == "submitted",
          "a window opened 1.5 s after the click is followed by the next wait", text[-600:])

    path = scenario(tmp, "evidence", [{"click": "#blank"}] + WRITE)
    code, out, text, _ = pages.submit(tmp, path, ledger=os.path.join(tmp, "huixin.db"))
    metas = []
    for root, _, files in os.walk(os.path.join(tmp, "evidence")):
        if "meta.json" in files:
            with open(os.path.join(root, "meta.json"), encoding="utf-8") as f:
                metas.append((root, json.load(f)))
    before = [(root, w) for root, m in metas for c in m.get("captures", {}).values()
              for w in c.get("windows_before", [])]
    check(code == 0 and out.get("status") == "submitted", "evidence: the letter is sent through the new tab",
          text[-600:])
    check(len(before) == 1 and "windows-index.html" in before[0][1]["url"] and before[0][1]["result"] == "ok"
          and os.path.getsize(os.path.join(before[0][0], before[0][1]["png"])) > 0,
          "evidence: meta.json lists the window behind the last one, with its screenshot",
          json.dumps([m for _, m in metas], ensure_ascii=False)[-1500:])

    draft = os.path.join(tmp, "draft.json")
    p = subprocess.run([HUIXIN, "probe", "http://127.0.0.1:%d/windows-probe.html" % pages.port, "-o", draft,
                        "-s", os.path.join(tmp, "probe.png")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    steps = []
    if p.returncode == 0:
        with open(draft, encoding="utf-8") as f:
            steps = json.load(f)["submit"]["steps"]
    check(len(steps) > 2 and steps[1] == {"click_text": "我要写信", "opens": "window"}
          and any("fill" in s for s in steps[2:]),
          "probe: the draft clicks 我要写信 into its new window and fills the form there",
          p.stderr[-400:] + json.dumps(steps[:4], ensure_ascii=False))
    code, out, text, _ = pages.submit(tmp, draft)
    check(code == 0 and out.get("status") == "submitted", "probe: the draft sends the letter as it is",
          text[-600:])

    for name, step, want in (("bad-opens", {"click": "#blank", "opens": "tab"}, "'opens' is 'tab'"),
                             ("bad-window", {"window": "back"}, "'window' must be")):
        path = scenario(tmp, name, [step] + WRITE)
        p = subprocess.run([HUIXIN, "lint", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        check(p.returncode != 0 and want in p.stdout + p.stderr, "lint: %s is refused" % name,
              (p.stdout + p.stderr)[-400:])


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-windows-")
    try:
        with Pages() as pages:
            run(tmp, pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
