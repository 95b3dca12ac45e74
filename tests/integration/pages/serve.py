#!/usr/bin/env python3
"""Fixture server for the driver's tests: two HTTP servers on 127.0.0.1 (free ports, so two origins),
serving the pages beside this file and recording every POST.

Prints one line of JSON on stdout once both listen: {"a": PORT_A, "b": PORT_B}; runs until killed or
until its parent goes away (stdin closes).
  GET  /NAME.html      the page; {{PORT_A}} / {{PORT_B}} are replaced by the ports
  GET  /gbk.html       gbk-utf8.html re-encoded as GBK, sent with charset=gbk
  POST /submit         records the form (decoded as UTF-8) and answers with a page that alert()s
  POST /answer?delay_ms=N  records the form and answers, after N ms, as a PHP board's XHR endpoint does:
                       {"code": 1 if its field say holds 成功 else 0, "data": say} with every non-ASCII
                       character escaped (backslash-u), as text/html
  GET  /posts          every recorded POST as JSON: [{"path": ..., "fields": {name: [values]}}]
  GET  /status/N       answers HTTP N
  GET  /bytes?n=N      N bytes (at most 1 MB), byte i = i % 251, as application/octet-stream
Hostile pages (tests/integration/test_hostile.c):
  GET  /hostile/NAME.html  a page of hostile/ (POST to one records the form and answers with the same page)
  GET  /redirect/N     302 to /redirect/N+1, forever
  GET  /big.html?mb=N  an HTML page of N MB (at most 200), streamed with a Content-Length
  GET  /trickle        headers, then one byte every 200 ms for at most 10 minutes: never finishes
A WAF, as in front of many portals (tests/integration/test_identity.py):
  GET  /waf/NAME.html  403 访问被拒绝 when the User-Agent or Sec-CH-UA says HeadlessChrome; else the page,
                       with {{ACCEPT_LANGUAGE}} replaced by the request's Accept-Language header (escaped)
"""
import html
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
POSTS = []
LOCK = threading.Lock()
PORTS = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/posts":
            with LOCK:
                body = json.dumps(POSTS, ensure_ascii=False).encode("utf-8")
            return self.send(200, body, "application/json; charset=utf-8")
        if path == "/bytes":
            n = int(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("n", ["1000"])[0])
            return self.send(200, bytes(i % 251 for i in range(max(0, min(n, 1 << 20)))), "application/octet-stream")
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            return self.send(code, b"<h1>status</h1>")
        if path.startswith("/redirect/"):
            n = int(path[len("/redirect/"):] or 0)
            self.send_response(302)
            self.send_header("Location", "/redirect/%d" % (n + 1))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/big.html":
            return self.send_big(urllib.parse.urlsplit(self.path).query)
        if path == "/trickle":
            return self.send_trickle()
        if path == "/slow-answer":
            return self.send_slow_answer()
        if path.startswith("/waf/"):
            return self.send_behind_waf(path[len("/waf/"):])
        if path.startswith("/hostile/"):
            return self.send_page(os.path.join(HERE, "hostile"), path[len("/hostile/"):])
        if path == "/gbk.html":
            with open(os.path.join(HERE, "gbk-utf8.html"), encoding="utf-8") as f:
                return self.send(200, f.read().encode("gbk"), "text/html; charset=gbk")
        self.send_page(HERE, path)

    def send_behind_waf(self, name):
        said = (self.headers.get("User-Agent") or "") + (self.headers.get("Sec-CH-UA") or "")
        if "HeadlessChrome" in said:
            return self.send(403, "<title>访问被拒绝</title><h1>访问被拒绝：检测到自动程序</h1>".encode("utf-8"))
        full = os.path.join(HERE, os.path.basename(name))
        if not name.endswith(".html") or not os.path.isfile(full):
            return self.send(404, b"<h1>not found</h1>")
        with open(full, encoding="utf-8") as f:
            text = f.read().replace("{{ACCEPT_LANGUAGE}}", html.escape(self.headers.get("Accept-Language") or ""))
        self.send(200, text.encode("utf-8"))

    def send_page(self, folder, path):
        name = os.path.basename(path) or "index.html"
        full = os.path.join(folder, name)
        if not name.endswith(".html") or not os.path.isfile(full):
            return self.send(404, b"<h1>not found</h1>")
        with open(full, encoding="utf-8") as f:
            text = f.read().replace("{{PORT_A}}", str(PORTS["a"])).replace("{{PORT_B}}", str(PORTS["b"]))
        self.send(200, text.encode("utf-8"))

    def send_big(self, query):
        mb = int(urllib.parse.parse_qs(query).get("mb", ["50"])[0])
        mb = max(1, min(mb, 200))
        head = "<!doctype html><html><head><meta charset='utf-8'><title>big</title></head><body>\n".encode()
        tail = b"<p id='end'>THE END</p></body></html>\n"
        line = ("<p>第%08d段：这是一个非常大的页面，用来测试驱动程序的内存上限。" + "x" * 40 + "</p>\n")
        total = mb * 1024 * 1024
        n_lines = (total - len(head) - len(tail)) // len((line % 0).encode())
        size = len(head) + len(tail) + n_lines * len((line % 0).encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(head)
            chunk = []
            for i in range(n_lines):
                chunk.append((line % i).encode())
                if len(chunk) == 2000:
                    self.wfile.write(b"".join(chunk))
                    chunk = []
            self.wfile.write(b"".join(chunk) + tail)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"<!doctype html><html><head><title>trickle</title></head><body><p>")
            self.wfile.flush()
            until = time.monotonic() + 600
            while time.monotonic() < until:
                time.sleep(0.2)
                self.wfile.write(b".")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_slow_answer(self):
        """A guestbook's answer page that arrives in two parts: the top at once (no form on it), the
        message with its number 1.5 s later, as a slow server's does."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write("<!doctype html><html><head><meta charset='utf-8'><title>留言</title></head><body>"
                             "<p>正在处理您的留言</p>".encode("utf-8") + b" " * 2048)
            self.wfile.flush()
            time.sleep(1.5)
            self.wfile.write("<p id='done'>留言成功，留言编号：4242</p></body></html>".encode("utf-8"))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        fields = urllib.parse.parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        with LOCK:
            POSTS.append({"path": path, "port": self.server.server_address[1], "fields": fields})
        if path.startswith("/hostile/"):
            return self.send_page(os.path.join(HERE, "hostile"), path[len("/hostile/"):])
        if path == "/answer":
            delay = int(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("delay_ms", ["0"])[0])
            time.sleep(min(delay, 10000) / 1000)
            say = fields.get("say", [""])[0]
            return self.send(200, json.dumps({"code": 1 if "成功" in say else 0, "data": say}).encode(),
                             "text/html; charset=utf-8")
        code = "HX%04d" % len(POSTS)
        body = ("<!doctype html><html><head><meta charset='utf-8'><title>提交成功</title></head><body>"
                "<p id='done'>提交成功，查询码 %s</p>"
                "<script>alert('留言提交成功，查询码：%s')</script></body></html>" % (code, code))
        self.send(200, body.encode("utf-8"))


def main():
    servers = {}
    for key in ("a", "b"):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        servers[key] = srv
        PORTS[key] = srv.server_address[1]
    for srv in servers.values():
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(json.dumps(PORTS), flush=True)
    try:
        sys.stdin.read()  # returns when the test closes our stdin or exits
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
