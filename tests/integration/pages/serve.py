#!/usr/bin/env python3
"""Fixture server for the driver's tests: two HTTP servers on 127.0.0.1 (free ports, so two origins),
serving the pages beside this file and recording every POST.

Prints one line of JSON on stdout once both listen: {"a": PORT_A, "b": PORT_B}; runs until killed or
until its parent goes away (stdin closes).
  GET  /NAME.html      the page; {{PORT_A}} / {{PORT_B}} are replaced by the ports
  GET  /gbk.html       gbk-utf8.html re-encoded as GBK, sent with charset=gbk
  POST /submit         records the form (decoded as UTF-8) and answers with a page that alert()s
  GET  /posts          every recorded POST as JSON: [{"path": ..., "fields": {name: [values]}}]
  GET  /status/N       answers HTTP N
"""
import http.server
import json
import os
import sys
import threading
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
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            return self.send(code, b"<h1>status</h1>")
        if path == "/gbk.html":
            with open(os.path.join(HERE, "gbk-utf8.html"), encoding="utf-8") as f:
                return self.send(200, f.read().encode("gbk"), "text/html; charset=gbk")
        name = os.path.basename(path) or "index.html"
        full = os.path.join(HERE, name)
        if not name.endswith(".html") or not os.path.isfile(full):
            return self.send(404, b"<h1>not found</h1>")
        with open(full, encoding="utf-8") as f:
            text = f.read().replace("{{PORT_A}}", str(PORTS["a"])).replace("{{PORT_B}}", str(PORTS["b"]))
        self.send(200, text.encode("utf-8"))

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        fields = urllib.parse.parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        with LOCK:
            POSTS.append({"path": path, "port": self.server.server_address[1], "fields": fields})
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
