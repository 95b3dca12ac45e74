#!/usr/bin/env python3
"""Commands the browser never answers (issue 15), with `huixin capture` through the fake DevTools
endpoint of cdp_dropper.py in front of a real headless Chromium:
  1. nothing dropped: the endpoint relays a whole capture (the endpoint itself works);
  2. the first Page.captureScreenshot dropped: huixin brings the page to the front, asks again, and
     the capture succeeds;
  3. every Page.captureScreenshot dropped: the capture fails within its bounds, and the message says
     the screenshot did not answer even once the page was in front.
The visits that meet a dropped command (check, in turn and with --jobs) are in test_faults.py.
Only generous upper bounds on time (they catch hangs). Prints "N passed, N failed" last.
"""
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from harness import HUIXIN, Tally  # noqa: E402
from cdp_dropper import Chromium, Dropper  # noqa: E402

T = Tally("dropped_commands")
check = T.check

PAGE = "<!doctype html><html><head><meta charset='utf-8'><title>来信</title></head>" \
       "<body><h1>市长信箱</h1><p>一页不大的测试页面。</p></body></html>"


def serve(folder):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=folder, **k)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def capture(url, out, browser):
    t0 = time.monotonic()
    p = subprocess.run([HUIXIN, "capture", url, "-o", out, "--browser", browser, "--timeout", "5"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def main():
    if not os.access(HUIXIN, os.X_OK):
        print("dropped_commands: no huixin binary at %s" % HUIXIN)
        print("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="huixin-dropped-")
    site = os.path.join(work, "site")
    os.makedirs(site)
    with open(os.path.join(site, "a.html"), "w", encoding="utf-8") as f:
        f.write(PAGE)
    srv = serve(site)
    url = "http://127.0.0.1:%d/a.html" % srv.server_address[1]
    try:
        with Chromium(work) as ws_url, Dropper(ws_url) as d:
            out = os.path.join(work, "plain")
            code, text, took = capture(url, out, d.url)
            check(code == 0 and os.path.getsize(os.path.join(out, "page.png")) > 0,
                  "nothing dropped: the capture through the endpoint succeeds (exit %d)" % code, text)
            check(d.forwarded.get("Page.captureScreenshot", 0) >= 1 and not d.dropped,
                  "nothing dropped: the endpoint relayed the screenshot command", str(d.forwarded))

            d.rule("Page.captureScreenshot", nth=1, count=1)
            out = os.path.join(work, "first")
            code, text, took = capture(url, out, d.url)
            check(len(d.dropped) == 1, "one screenshot command dropped (%d)" % len(d.dropped), str(d.dropped))
            check(code == 0 and os.path.exists(os.path.join(out, "page.png")),
                  "the first screenshot dropped: asked again, the capture succeeds (exit %d)" % code, text)
            check("bringing the page to the front" in text, "it said it brought the page to the front", text)
            check(took < 90, "it ended within its bound (%.0f s)" % took, text)

            d.rule("Page.captureScreenshot", nth=1, count=0)
            before = len(d.dropped)
            out = os.path.join(work, "every")
            code, text, took = capture(url, out, d.url)
            n = len(d.dropped) - before
            check(n >= 2, "every screenshot command dropped, the one asked again too (%d)" % n, str(d.dropped))
            check(code != 0, "every screenshot dropped: the capture fails (exit %d)" % code, text)
            check("nor within" in text and "brought to the front" in text,
                  "the message says the screenshot did not answer, even with the page in front", text)
            check(took < 120, "it ended within its bound (%.0f s)" % took, text)
    finally:
        srv.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
