#!/usr/bin/env python3
"""Slider captchas (issue 17, gate 3) on the hanweb fixture with its slider_captcha switch on
(POST /api/slider): a picture with a gap, the piece that fits it, a handle to drag.

- The fixture's rule, directly: tests/sites/slider.py's trace_verdict (and the page's endpoint
  sliderverify.do over HTTP) refuses a straight-line instant drag, a slow straight one, one at one
  speed, one with too few moves and one that misses the gap, and accepts a hand-like drag that fits;
  a picture takes one drag only.
- control: the solver asks the control API for the gap; huixin drags the handle like a person (the
  real Chromium, real mouse events), the page says 验证通过, the letter is sent once; the site replies,
  `huixin check` finds the reply: 按期回复. The evidence keeps both pictures.
- exec: a solver script reads the JSON request (kind slider, both pictures as PNG base64) and answers
  the gap: sent.
- prompt: huixin saves both pictures, names them on its terminal and reads the offset typed there.
- A solver that always answers wrong: every try fails (验证失败), a new picture each time (换一张), the
  step gives up after its tries and the letter is not sent; the site holds nothing.
- lint: a slider without `solved`, an unknown captcha kind, and ask's kind slider are refused.
Prints "N passed, N failed" last.
"""
import base64
import http.cookiejar
import json
import os
import pty
import random
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from harness import HUIXIN, Sites, Tally, Workspace  # noqa: E402
import slider  # noqa: E402  (tests/sites, put on the path by harness)

T = Tally("test_slider")
check = T.check

FOUND = 0
SUBMIT_AT, REPLY_AT, CHECK_AT = "2026-03-02 09:00", "2026-03-03 10:00:00", "2026-03-03 12:00"

# An exec: solver: logs the JSON request (argv[1]), asks the control API (argv[2]) where the gap is,
# answers it, or 60 px off when argv[3] is "wrong".
SOLVER = r'''
import json, sys, urllib.request
rq = json.loads(sys.stdin.buffer.read().decode("utf-8"))
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(json.dumps(rq) + "\n")
gap = int(json.load(urllib.request.urlopen(sys.argv[2]))["current"])
print(gap + 60 if sys.argv[3] == "wrong" and gap < 180 else gap - 60 if sys.argv[3] == "wrong" else gap)
'''

SLIDER_STEP = {"captcha": {"kind": "slider", "background": "#slider-bg", "piece": "#slider-piece",
                           "handle": "#slider-handle", "track": "#slider-track", "refresh": "#slider-refresh",
                           "solved": {"text": "验证通过", "within": "#slider-msg"},
                           "failed": {"text": "验证失败", "within": "#slider-msg"}, "tries": 3}}


def slider_scenario(w, name, step=None):
    def change(sc):
        steps = sc["submit"]["steps"]
        at = next(i for i, s in enumerate(steps) if "captcha" in s)
        steps[at] = step or SLIDER_STEP
        sc["site"]["pacing_seconds"] = 0
    return w.scenario(name, "hanweb-jact.json", change)


def submit(w, scenario, key, solver):
    code, out, err = w.huixin("submit", scenario, "--var", "base_url=" + w.server_url("hanweb"), "--captcha", solver,
                              "--site-key", key, "--var", "letter.name=李明", "--var", "letter.phone=13812345678",
                              "--var", "letter.email=liming@example.cn", "--timeout", "20", now=SUBMIT_AT)
    try:
        res = json.loads(out)
    except ValueError:
        res = {}
    return code, res, out + err


def site_letters(w, token):
    return [x for x in w.ctl.letters("hanweb") if token and (token in x["title"] or token in x["content"])]


def png_size(data):
    return struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)


# ---- the fixture's rule ----

def human_trace(distance, seed=1):
    """A drag a hand could make: ease-out, a wobble in y, an overshoot and back, 900 ms."""
    rnd = random.Random(seed)
    pts, t = [{"x": 500, "y": 400, "t": 1000}], 1000
    for i in range(1, 51):
        u = i / 50
        x = 500 + (distance + 4) * (1 - (1 - u) ** 3)
        t += rnd.randint(14, 20)
        pts.append({"x": round(x), "y": 400 + round(1.5 * rnd.random()), "t": t})
    for x in (distance + 3, distance + 1, distance):
        t += 30
        pts.append({"x": 500 + x, "y": 401, "t": t})
    return pts


def straight(distance, n, ms, wobble=False):
    """A script's drag: n evenly spaced moves on one line (or with a y wobble) over ms."""
    return [{"x": 500 + distance * i / n, "y": 400 + (i % 2 if wobble else 0), "t": 1000 + ms * i / n}
            for i in range(n + 1)]


def case_rule_direct():
    gap = 150
    ok, why = slider.trace_verdict(human_trace(gap), gap)
    check(ok, "rule: a hand-like drag that fits the gap is accepted", why)
    ok, why = slider.trace_verdict(human_trace(gap + 4), gap)
    check(ok, "rule: 4 px off is within the tolerance", why)
    for trace, name, word in ((straight(gap, 2, 5), "a straight-line instant drag", "too few moves"),
                              (straight(gap, 30, 20), "a straight drag of many moves in 20 ms", "too fast"),
                              (straight(gap, 30, 900), "a slow straight drag on one y", "straight line"),
                              (straight(gap, 30, 900, wobble=True), "a drag at one speed", "one speed"),
                              (human_trace(gap + 8), "a hand-like drag 8 px off the gap", "from the gap"),
                              ("nonsense", "a trace that is not a list", "no drag")):
        ok, why = slider.trace_verdict(trace, gap)
        check(not ok and word in why, "rule: %s is refused (%s)" % (name, word), why)


def case_rule_http(w):
    """The same rule at the page's endpoint, with the session the write page gives."""
    base = w.server_url("hanweb") + "/jact/front/"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "mailwrite.do?sysid=1", timeout=30).read().decode("utf-8")
    check('id="slider-handle"' in page and 'id="checkcodeimg"' not in page,
          "http: the write page shows the slider instead of the image captcha")
    bg = opener.open(base + "slider.do?part=bg", timeout=30).read()
    piece = opener.open(base + "slider.do?part=piece", timeout=30).read()
    check(png_size(bg) == (slider.WIDTH, slider.HEIGHT) and png_size(piece) == (slider.PIECE, slider.PIECE),
          "http: the background and the piece are PNGs of their sizes", (png_size(bg), png_size(piece)))

    def verify(trace):
        rq = urllib.request.Request(base + "sliderverify.do", json.dumps({"trace": trace}).encode(),
                                    {"Content-Type": "application/json"})
        return json.loads(opener.open(rq, timeout=30).read().decode("utf-8"))

    gap = w.ctl.slider_gap("hanweb")
    got = verify(straight(gap, 1, 0))
    check(got["ok"] is False and not got["token"], "http: a straight-line instant drag onto the gap is refused", got)
    got = verify(human_trace(gap))
    check(got["ok"] is False and "new one" in got["reason"], "http: the picture took one drag only", got)
    fresh = json.loads(opener.open(urllib.request.Request(base + "slidernew.do", b"", method="POST"),
                                   timeout=30).read().decode("utf-8"))
    gap = w.ctl.slider_gap("hanweb")
    got = verify(human_trace(gap))
    check("y" in fresh and got["ok"] is True and got["token"], "http: on a new picture a hand-like drag is accepted",
          got)


# ---- huixin ----

def case_control(w):
    sc = slider_scenario(w, "slider-control.json")
    code, res, said = submit(w, sc, "slider-control", w.captcha("hanweb"))
    if not check(code == 0 and res.get("status") == "submitted", "control: solved by a drag and sent", said[-1500:]):
        return
    letters = site_letters(w, res.get("token"))
    check(len(letters) == 1, "control: the site holds the letter once", len(letters))
    shots = []
    for root, _, files in os.walk(w.evidence):
        shots += [f for f in files if f.startswith("captcha-")]
    check(any(f.endswith("-piece.png") for f in shots) and any(not f.endswith("-piece.png") for f in shots),
          "control: the evidence keeps the background and the piece", shots)
    if not letters:
        return
    lid = res["letter_id"]
    text = "您好，您反映的问题已转市住建局办理。"
    w.ctl.reply(letters[0]["id"], REPLY_AT, "宝川市住房和城乡建设局", text)
    code, out, err = w.huixin("check", str(lid), now=CHECK_AT)
    v = [x for x in w.visits(lid) if x["kind"] == "check"]
    v = v[-1] if v else {}
    check(v.get("outcome") == FOUND and v.get("reply_text") == text, "control: the check finds the reply",
          (v, (out + err)[-800:]))
    code, out, err = w.huixin("status", "--json", now=CHECK_AT)
    got = [json.loads(line).get("verdict") for line in out.splitlines()
           if line.strip() and json.loads(line).get("letter_id") == lid]
    check(got == ["on-time"], "control: the verdict is 按期回复 (on-time)", (got, (out + err)[-500:]))


def case_exec(w, tmp):
    sc = slider_scenario(w, "slider-exec.json")
    log = os.path.join(tmp, "exec-requests.jsonl")
    gap_url = "http://127.0.0.1:%d/api/captcha?site=hanweb&kind=slider" % w.sites.ports["control"]
    solver = "exec:%s %s %s %s right" % (sys.executable, os.path.join(tmp, "solver.py"), log, gap_url)
    code, res, said = submit(w, sc, "slider-exec", solver)
    check(code == 0 and res.get("status") == "submitted", "exec: solved through an exec: solver and sent", said[-1500:])
    check(len(site_letters(w, res.get("token"))) == 1, "exec: the site holds the letter once")
    reqs = [json.loads(line) for line in open(log, encoding="utf-8")] if os.path.exists(log) else []
    rq = reqs[0] if reqs else {}
    bg = base64.b64decode(rq.get("image_png_base64") or "")
    piece = base64.b64decode(rq.get("piece_png_base64") or "")
    check(rq.get("kind") == "slider" and rq.get("site") == "宝川市人民政府门户网站",
          "exec: the request says kind slider and the site", {k: v for k, v in rq.items() if "png" not in k})
    check(png_size(bg) == (slider.WIDTH, slider.HEIGHT), "exec: image_png_base64 is the background as drawn",
          png_size(bg))
    check(png_size(piece) == (slider.PIECE, slider.PIECE), "exec: piece_png_base64 is the piece", png_size(piece))


def case_wrong(w, tmp):
    sc = slider_scenario(w, "slider-wrong.json")
    log = os.path.join(tmp, "wrong-requests.jsonl")
    gap_url = "http://127.0.0.1:%d/api/captcha?site=hanweb&kind=slider" % w.sites.ports["control"]
    solver = "exec:%s %s %s %s wrong" % (sys.executable, os.path.join(tmp, "solver.py"), log, gap_url)
    before = len(w.ctl.letters("hanweb"))
    code, res, said = submit(w, sc, "slider-wrong", solver)
    said_why = res.get("message") or ""
    check(code != 0 and res.get("status") != "submitted" and "not_sent" in said_why
          and "slider captcha not solved in 3 tries" in said_why,
          "wrong: three failed drags end the submission, not sent", said[-1500:])
    reqs = [json.loads(line) for line in open(log, encoding="utf-8")] if os.path.exists(log) else []
    check(len(reqs) == 3, "wrong: the solver was asked once per try, three times", len(reqs))
    pictures = {r.get("image_png_base64") for r in reqs}
    check(len(pictures) == 3, "wrong: each try had a new picture (换一张)", len(pictures))
    check(len(w.ctl.letters("hanweb")) == before, "wrong: the site holds no new letter")
    rows = w.rows("SELECT error FROM visits WHERE letter_id = ? AND kind = 'submit'", (res.get("letter_id"),))
    check(len(rows) == 1 and "slider captcha not solved" in (rows[0]["error"] or ""),
          "wrong: the ledger's submit visit says why", rows)


def case_prompt_pty(w):
    """--captcha prompt: huixin saves both pictures, names them on its terminal, and reads the offset a
    person types (here: the gap the control API reveals)."""
    sc = slider_scenario(w, "slider-prompt.json")
    args = [HUIXIN, "submit", sc, "--var", "base_url=" + w.server_url("hanweb"), "--captcha", "prompt",
            "--site-key", "slider-prompt", "--var", "letter.name=李明", "--var", "letter.phone=13812345678",
            "--timeout", "20", "--store", w.store, "--evidence", w.evidence, "--now", SUBMIT_AT]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(HUIXIN, args)
    seen, typed, pictures = b"", False, {}
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            text = seen.decode("utf-8", "replace")
            if not typed and "then Enter:" in text:
                for what in ("background", "piece"):
                    m = re.search(r"the %s saved to (\S+)" % what, text)
                    if m and os.path.exists(m.group(1)):
                        with open(m.group(1), "rb") as f:
                            pictures[what] = png_size(f.read())
                os.write(fd, ("%d\n" % w.ctl.slider_gap("hanweb")).encode())
                typed = True
    finally:
        if os.waitpid(pid, os.WNOHANG)[0] == 0:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    text = seen.decode("utf-8", "replace")
    check(typed and "asks for slider" in text, "prompt: huixin asked for the slider on the terminal", text[-800:])
    check(pictures == {"background": (slider.WIDTH, slider.HEIGHT), "piece": (slider.PIECE, slider.PIECE)},
          "prompt: the background and the piece were saved as files it named", pictures)
    m = re.search(r'"token": "([^"]+)"', text)
    check(m and '"status": "submitted"' in text and len(site_letters(w, m.group(1))) == 1,
          "prompt: the letter was sent once with the typed offset", text[-800:])


def case_lint(w):
    bad = dict(SLIDER_STEP["captcha"])
    del bad["solved"]
    cases = (({"captcha": bad}, "needs 'solved'"),
             ({"captcha": {"kind": "puzzle", "image": "#x", "input": "#y"}}, "unknown captcha kind 'puzzle'"),
             ({"ask": {"var": "x", "prompt": "拖动滑块", "kind": "slider"}}, "captcha"))
    lint = subprocess.run([HUIXIN, "lint", slider_scenario(w, "slider-lint-ok.json")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)
    check(lint.returncode == 0, "lint: the slider scenario lints", lint.stdout)
    for i, (step, word) in enumerate(cases):
        path = slider_scenario(w, "slider-lint-%d.json" % i, step)
        lint = subprocess.run([HUIXIN, "lint", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60)
        check(lint.returncode != 0 and word in lint.stdout, "lint: refuses %s" % json.dumps(step, ensure_ascii=False)[:60],
              lint.stdout[-500:])


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-slider-")
    try:
        with open(os.path.join(tmp, "solver.py"), "w", encoding="utf-8") as f:
            f.write(SOLVER)
        case_rule_direct()
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites:
            sites.ctl.slider("hanweb", True)
            sites.ctl.clock("2026-03-02 09:00:00", tick=True)
            for name, fn in (("http", case_rule_http), ("control", case_control), ("exec", case_exec),
                             ("wrong", case_wrong), ("prompt", case_prompt_pty), ("lint", case_lint)):
                w = Workspace(os.path.join(tmp, name), sites)
                try:
                    fn(w, tmp) if fn in (case_exec, case_wrong) else fn(w)
                except Exception as ex:  # one broken case must not hide the others
                    check(False, name, repr(ex))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
