#!/usr/bin/env python3
"""A site must never reach the operator's files (issue 12, item 1).

A loopback page hands huixin addresses through what a scenario reads off it (an extract of a link's
href), as iframe.json's recover phase reads its frame's src. `huixin submit --no-ledger` runs scenarios
that `goto` those addresses:
  file:///…secret       refused (only http and https), the secret never reaches the evidence
  javascript:, data:    refused
  http://localhost:…/   refused: the site gave it and it is not one of the site's hosts
  the same host         opened, and the letter goes out
  site.hosts            a host the scenario lists is opened
Last line: N passed, N failed.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from harness import ROOT, HUIXIN, Tally  # noqa: E402
BIN = HUIXIN
SECRET = "HUIXIN_WEBHOOK_KEY=do-not-leak-0c5e"


T = Tally("url_guard")
expect = T.check


class Handler(http.server.BaseHTTPRequestHandler):
    target = ""

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/go"):
            body = ('<html><body><a id="x" href="%s">链接</a></body></html>' % Handler.target).encode()
        else:
            body = ('<html><body><h1>写信</h1><form onsubmit="document.body.innerHTML=\'<p>提交成功</p>\';'
                    'return false"><button id="send">提交</button></form></body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def scenario(path, hosts=None):
    site = {"name": "测试站", "entry_url": "${base_url}/"}
    if hosts:
        site["hosts"] = hosts
    sc = {"huixin_scenario": 1, "site": site,
          "submit": {"steps": [{"goto": "${base_url}/go"},
                               {"extract": {"var": "target", "selector": "#x", "attribute": "href"}},
                               {"goto": "${target}"},
                               {"click": "#send", "final": True},
                               {"wait_for": {"text": "提交成功"}, "timeout_seconds": 10}],
                     "success": {"text": "提交成功"}}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sc, f, ensure_ascii=False)


def submit(tmp, sc, port):
    ev = os.path.join(tmp, "ev")
    p = subprocess.run([BIN, "submit", sc, "--no-ledger", "--var", "base_url=http://127.0.0.1:%d" % port,
                        "--evidence", ev, "--timeout", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    leaked = False
    for d, _, files in os.walk(ev):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                leaked = leaked or SECRET.encode() in fh.read()
    shutil.rmtree(ev, ignore_errors=True)
    return p.returncode, p.stdout + p.stderr, leaked


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-url-guard-")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    secret = os.path.join(tmp, "alerts.conf")
    with open(secret, "w") as f:
        f.write(SECRET + "\n")
    sc = os.path.join(tmp, "s.json")
    scenario(sc)
    try:
        for name, target in (("file:", "file://" + secret), ("javascript:", "javascript:alert(1)"),
                             ("data:", "data:text/html,<p>%s</p>" % SECRET)):
            Handler.target = target
            rc, out, leaked = submit(tmp, sc, port)
            expect(rc != 0 and "refusing to open" in out and "only http and https" in out,
                   "a %s address from the page is refused" % name, out[-400:])
            expect(not leaked, "nothing of the %s address reaches the evidence" % name)
        Handler.target = "http://localhost:%d/form" % port
        rc, out, leaked = submit(tmp, sc, port)
        expect(rc != 0 and "is not one of the site's hosts" in out, "another host given by the page is refused",
               out[-400:])
        Handler.target = "http://127.0.0.1:%d/form" % port
        rc, out, leaked = submit(tmp, sc, port)
        expect(rc == 0 and '"submitted"' in out, "the site's own host is opened and the letter goes out", out[-400:])
        # a detail URL the submission read off the site is the site's word in later checks too
        sc2 = os.path.join(tmp, "detail.json")
        with open(sc2, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "测试站", "entry_url": "${base_url}/", "pacing_seconds": 0},
                       "submit": {"steps": [{"goto": "${base_url}/go"},
                                            {"extract": {"var": "detail_url", "selector": "#x", "attribute": "href"}},
                                            {"goto": "${base_url}/form"},
                                            {"click": "#send", "final": True},
                                            {"wait_for": {"text": "提交成功"}, "timeout_seconds": 10}],
                                  "success": {"text": "提交成功"}},
                       "check": {"steps": [{"goto": "${detail_url}"}], "found": {"selector": "#send"},
                                 "not_found": {"text": "不存在"}}}, f, ensure_ascii=False)
        Handler.target = "http://localhost:%d/form" % port
        store, ev = os.path.join(tmp, "h.db"), os.path.join(tmp, "ev2")
        base = ["--store", store, "--evidence", ev]
        p = subprocess.run([BIN, "submit", sc2, "--var", "base_url=http://127.0.0.1:%d" % port] + base,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        expect(p.returncode == 0, "a letter whose success page gives another host's detail URL is sent", p.stdout[-300:])
        p = subprocess.run([BIN, "check", "--all"] + base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        expect("is not one of the site's hosts" in p.stdout, "its check refuses the detail URL on another host",
               p.stdout[-400:])
        scenario(sc, hosts=["localhost"])
        Handler.target = "http://localhost:%d/form" % port
        rc, out, leaked = submit(tmp, sc, port)
        expect(rc == 0, "a host listed in site.hosts is opened", out[-400:])
    finally:
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
