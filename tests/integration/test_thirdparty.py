#!/usr/bin/env python3
"""A healthy page with a hanging third-party resource is a healthy page (issue 16).

The site lives on 127.0.0.1; "another host" is the name localhost (hosts are compared by name, the
port aside), served by the same loopback servers. `huixin capture` with --other-hosts-seconds 3:
  a script from a host that accepts and never answers   captured, the script listed as abandoned
  an image from another host that comes after 20 s      captured, the image listed as abandoned
  a stylesheet from a host that refuses connections     captured, the stylesheet listed as failed
  working scripts from another host (one gzip-compressed) they run (fetched apart and handed over)
  a first-party XHR that never answers                  the capture fails, as before
`huixin submit` and `huixin check` (no ledger ... then the ledger) on a form page holding the hanging
script: the letter is sent and found, well within the page timeout, the script listed in meta.json.
Last line: N passed, N failed.
"""
import gzip
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import HUIXIN, Tally  # noqa: E402

T = Tally("thirdparty")
expect = T.check
HANG = {"port": 0}
REFUSED = {"port": 0}
POSTS = []


def hang_server():
    """Accepts connections and never answers; returns its port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    held = []

    def accept():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            held.append(c)
    threading.Thread(target=accept, daemon=True).start()
    return s, s.getsockname()[1]


def refused_port():
    """A port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def send(self, body, ctype="text/html; charset=utf-8", status=200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the browser gave up on it (the slow image)

    def page(self, head, body):
        self.send(("<html><head><meta charset='utf-8'><title>市长信箱</title>%s</head><body>%s</body></html>"
                   % (head, body)).encode("utf-8"))

    def do_GET(self):
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        jiucuo = "<script src='http://localhost:%d/exposure/jiucuo.js'></script>" % HANG["port"]
        if path == "/script.html":
            return self.page("", "<p>页面正文在此</p>%s<p id='after'>脚本之后的内容</p>" % jiucuo)
        if path == "/image.html":
            return self.page("", "<p>页面正文在此</p><img src='http://localhost:%d/slow.png'>"
                             "<p id='after'>图片之后的内容</p>" % port)
        if path == "/style.html":
            return self.page("<link rel='stylesheet' href='http://localhost:%d/font.css'>" % REFUSED["port"],
                             "<p>页面正文在此</p>")
        if path == "/works.html":
            return self.page("", "<p id='x'>等待</p><script src='http://localhost:%d/ok.js'></script>"
                             "<p id='z'>等待</p><script src='http://localhost:%d/okgz.js'></script>" % (port, port))
        if path == "/xhr.html":
            return self.page("", "<p>页面正文在此</p><script>var x=new XMLHttpRequest();"
                             "x.open('GET','/hang');x.send();</script>")
        if path == "/xhrform.html":
            return self.page("", "<div id='f'>加载中</div><script>var x=new XMLHttpRequest();x.open('GET','/hang');"
                             "x.onload=function(){document.getElementById('f').innerHTML=x.responseText};"
                             "x.send();</script>")
        if path == "/form.html":
            return self.page("", "%s<form method='post' action='/submit'><input id='title' name='title'>"
                             "<button id='send'>提交</button></form>" % jiucuo)
        if path == "/query.html":
            listed = "".join("<li>%s</li>" % p for p in POSTS)
            return self.page("", "<ul>%s</ul>%s" % (listed, jiucuo))
        if path == "/ok.js":
            return self.send("document.getElementById('x').textContent='第三方脚本已运行';".encode("utf-8"),
                             "application/javascript; charset=utf-8")
        if path == "/okgz.js":  # compressed on the wire, as CDNs send it
            body = gzip.compress("document.getElementById('z').textContent='压缩的脚本也已运行';".encode("utf-8"))
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path == "/slow.png":
            time.sleep(20)
            return self.send(b"\x89PNG\r\n\x1a\n", "image/png")
        if path == "/hang":
            time.sleep(60)
            return self.send(b"{}", "application/json")
        return self.send(b"not found", status=404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        import urllib.parse
        title = urllib.parse.parse_qs(body).get("title", [""])[0]
        POSTS.append(title)
        self.page("", "<p>提交成功</p>%s" % ("<script src='http://localhost:%d/exposure/jiucuo.js'></script>"
                                            % HANG["port"]))


def capture(tmp, url, name, extra=()):
    out = os.path.join(tmp, name)
    t0 = time.monotonic()
    p = subprocess.run([HUIXIN, "capture", url, "-o", out, "--timeout", "30", "--other-hosts-seconds", "3"]
                       + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    elapsed = time.monotonic() - t0
    meta = {}
    try:
        with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except OSError:
        pass
    text = ""
    try:
        with open(os.path.join(out, "page.txt"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        pass
    return p.returncode, p.stdout, elapsed, meta, text


def unloaded(meta, part):
    return [u for u in meta.get("unloaded_resources", []) if part in u.get("url", "")]


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-test-thirdparty-")
    hang, HANG["port"] = hang_server()
    REFUSED["port"] = refused_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    try:
        rc, out, elapsed, meta, text = capture(tmp, base + "/script.html", "script")
        u = unloaded(meta, "/exposure/jiucuo.js")
        expect(rc == 0 and elapsed < 25, "a page with a script from a host that never answers is captured "
               "well within the page timeout", "exit %d after %.1f s: %s" % (rc, elapsed, out[-400:]))
        expect(len(u) == 1 and u[0]["host"] == "localhost" and "abandoned" in u[0]["why"]
               and 2500 <= u[0]["after_ms"] < 10000, "the hanging script is listed as abandoned, with its host "
               "and after how long", meta.get("unloaded_resources"))
        expect("脚本之后的内容" in text, "what comes after the script is on the page", text[-300:])
        expect(not any("jiucuo" in f["url"] for f in meta.get("failed_requests", [])),
               "the abandoned script is not among the site's failed requests", meta.get("failed_requests"))

        rc, out, elapsed, meta, text = capture(tmp, base + "/image.html", "image")
        u = unloaded(meta, "/slow.png")
        expect(rc == 0 and elapsed < 18, "a page with an image that comes after 20 s is captured without it",
               "exit %d after %.1f s: %s" % (rc, elapsed, out[-400:]))
        expect(len(u) == 1 and "abandoned" in u[0]["why"], "the slow image is listed as abandoned",
               meta.get("unloaded_resources"))

        rc, out, elapsed, meta, text = capture(tmp, base + "/style.html", "style")
        u = unloaded(meta, "/font.css")
        expect(rc == 0 and elapsed < 25, "a page with a stylesheet from a host that refuses is captured",
               "exit %d after %.1f s: %s" % (rc, elapsed, out[-400:]))
        expect(len(u) == 1 and "REFUSED" in u[0]["why"].upper() and u[0]["after_ms"] < 3000,
               "the refused stylesheet is listed with the refusal", meta.get("unloaded_resources"))

        rc, out, elapsed, meta, text = capture(tmp, base + "/works.html", "works")
        expect(rc == 0 and "第三方脚本已运行" in text and "压缩的脚本也已运行" in text
               and not meta.get("unloaded_resources"),
               "scripts from another host that answers (one gzip-compressed) run in the page", "exit %d: %s %s" % (rc, text[-200:], out[-300:]))

        rc, out, elapsed, meta, text = capture(tmp, base + "/xhr.html", "xhr", ["--timeout", "8"])
        expect(rc == 0 and not meta.get("unloaded_resources"),
               "a first-party XHR that never answers is not abandoned (capture waits for it, then takes the page "
               "as before)", "exit %d: %s %s" % (rc, meta.get("unloaded_resources"), out[-300:]))

        xsc = os.path.join(tmp, "xhr.json")
        with open(xsc, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "表单靠接口加载的信箱"},
                       "submit": {"steps": [{"goto": "${base_url}/xhrform.html"},
                                            {"fill": "#title", "value": "${letter.title}"},
                                            {"click": "#send", "final": True}],
                                  "success": {"text": "提交成功"}}}, f, ensure_ascii=False)
        t0 = time.monotonic()
        p = subprocess.run([HUIXIN, "submit", xsc, "--no-ledger", "--var", "base_url=" + base, "--timeout", "8",
                            "--evidence", os.path.join(tmp, "xev"), "--other-hosts-seconds", "3"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
        expect(p.returncode != 0 and not POSTS and "#title" in p.stdout and time.monotonic() - t0 < 120,
               "a form that a hanging first-party XHR should bring fails the visit; nothing is sent",
               "exit %d: %s" % (p.returncode, p.stdout[-400:]))

        sc = os.path.join(tmp, "widget.json")
        with open(sc, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "带纠错插件的信箱"},
                       "submit": {"steps": [{"goto": "${base_url}/form.html"},
                                            {"fill": "#title", "value": "${letter.title}"},
                                            {"click": "#send", "final": True},
                                            {"wait_for": {"text": "提交成功"}, "timeout_seconds": 20}],
                                  "success": {"text": "提交成功"}},
                       "check": {"steps": [{"goto": "${base_url}/query.html"}],
                                 "found": {"text": "${letter.title}"}, "not_found": {"text": "没有"}}},
                      f, ensure_ascii=False)
        store, ev = os.path.join(tmp, "h.db"), os.path.join(tmp, "ev")
        common = ["--store", store, "--evidence", ev, "--timeout", "30", "--other-hosts-seconds", "3"]
        t0 = time.monotonic()
        p = subprocess.run([HUIXIN, "submit", sc, "--var", "base_url=" + base] + common,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
        elapsed = time.monotonic() - t0
        expect(p.returncode == 0 and len(POSTS) == 1 and elapsed < 60,
               "a letter goes out through a form page with a hanging third-party script",
               "exit %d after %.1f s: %s" % (p.returncode, elapsed, p.stdout[-500:]))
        metas = []
        for root, _, files in os.walk(ev):
            for name in files:
                if name == "meta.json":
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        metas.append(json.load(f))
        def walk(j):  # every unloaded_resources list, wherever in meta.json (each capture has its own)
            if isinstance(j, dict):
                for k, v in j.items():
                    if k == "unloaded_resources":
                        yield from v
                    else:
                        yield from walk(v)
            elif isinstance(j, list):
                for v in j:
                    yield from walk(v)
        listed = [u for m in metas for u in walk(m) if "jiucuo" in u.get("url", "")]
        expect(listed and all(u["host"] == "localhost" and "abandoned" in u["why"] for u in listed),
               "the submit visit's meta.json lists the abandoned script", metas)
        p = subprocess.run([HUIXIN, "check", "--all"] + common, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=180)
        expect(p.returncode in (0, 1) and "found" in p.stdout and "not found" not in p.stdout
               and "failed" not in p.stdout, "its check finds the letter on a query page with the same script",
               "exit %d: %s" % (p.returncode, p.stdout[-500:]))
        rep = os.path.join(tmp, "report.html")
        p = subprocess.run([HUIXIN, "report", "--format", "html", "-o", rep, "--store", store, "--evidence", ev],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        html = open(rep, encoding="utf-8").read() if os.path.exists(rep) else ""
        expect(p.returncode == 0 and "页面部分资源未加载（1）" in html and "访问失败" not in html,
               "the report's visit rows say 页面部分资源未加载, not a failed visit", p.stdout[-300:])
    finally:
        srv.shutdown()
        hang.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
