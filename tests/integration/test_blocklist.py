#!/usr/bin/env python3
"""The block list (issue 16): requests to listed analytics/tracker hosts fail at once, when asked.

Tests cannot resolve the real trackers' hosts, so a user list names the fixture's "other host": the site
lives on 127.0.0.1, another host is the name localhost, served by the same loopback servers (hosts are
compared by name, the port aside), as in test_thirdparty.py. A tracker page holds a script from a host
that accepts and never answers, a script that works, and an XHR, all from localhost:
  off by default                     the working script and the XHR run; no block_list in meta.json
  --block-trackers (built-in only)   localhost is not on it: the scripts run; meta.json records the list
  --block-list FILE naming localhost every localhost request fails at once: the page is ready well within
                                     the other hosts' budget, nothing reached the server, meta.json has
                                     block_list and blocked_resources, none among unloaded or failed
  the site's own host in the file    never blocked (its own script runs)
  a bad line in the file             capture and check fail with FILE:LINE, the value and what was
                                     expected (exit 3) before any visit: no browser, no ledger
  submit and check (the ledger)      the letter goes out and is found with the list on; the visit's
                                     meta.json records it; a scenario's "block_trackers": false keeps it off,
                                     true turns the built-in list on without the command line
Last line: N passed, N failed.
"""
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
import urllib.parse

from harness import HUIXIN, Tally  # noqa: E402

T = Tally("blocklist")
expect = T.check
HANG = {"port": 0}
POSTS = []
HITS = []  # paths the server was asked for from the other host (localhost)
BUDGET_S = 20  # --other-hosts-seconds: a hanging script not blocked holds the page this long


def hang_server():
    """Accepts connections and never answers; returns it and its port."""
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


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def send(self, body, ctype="text/html; charset=utf-8", status=200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def page(self, body):
        self.send(("<html><head><meta charset='utf-8'><title>市长信箱</title></head><body>%s</body></html>"
                   % body).encode("utf-8"))

    def trackers(self):
        port = self.server.server_address[1]
        return ("<p id='mark'>统计未运行</p><p id='xhr'>接口未返回</p>"
                "<script src='http://localhost:%d/hm.js'></script>"
                "<script src='http://localhost:%d/track.js'></script>"
                "<script>var x=new XMLHttpRequest();x.open('GET','http://localhost:%d/beacon');"
                "x.onload=function(){document.getElementById('xhr').textContent='接口已返回'};"
                "x.onerror=function(){document.getElementById('xhr').textContent='接口被拦截'};x.send();</script>"
                % (HANG["port"], port, port))

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        if host == "localhost":
            HITS.append(path)
        if path == "/tracked.html":
            return self.page("<p>页面正文在此</p>%s<p id='after'>脚本之后的内容</p>" % self.trackers())
        if path == "/works.html":
            port = self.server.server_address[1]
            return self.page("<p id='mark'>统计未运行</p><script src='http://localhost:%d/track.js'></script>" % port)
        if path == "/own.html":
            return self.page("<p id='own'>自有脚本未运行</p><script src='/own.js'></script>")
        if path == "/form.html":
            return self.page("%s<form method='post' action='/submit'><input id='title' name='title'>"
                             "<button id='send'>提交</button></form>" % self.trackers())
        if path == "/query.html":
            return self.page("<ul>%s</ul>%s" % ("".join("<li>%s</li>" % p for p in POSTS), self.trackers()))
        if path == "/track.js":
            return self.send("document.getElementById('mark').textContent='统计脚本已运行';".encode("utf-8"),
                             "application/javascript; charset=utf-8")
        if path == "/own.js":
            return self.send("document.getElementById('own').textContent='自有脚本已运行';".encode("utf-8"),
                             "application/javascript; charset=utf-8")
        if path == "/beacon":
            return self.send(b"{}", "application/json")
        return self.send(b"not found", status=404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        title = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace")).get("title", [""])[0]
        POSTS.append(title)
        self.page("<p>提交成功</p>%s" % self.trackers())


def run(args, timeout=180):
    t0 = time.monotonic()
    p = subprocess.run([HUIXIN] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, time.monotonic() - t0


def capture(tmp, url, name, extra=()):
    out = os.path.join(tmp, name)
    rc, text_out, elapsed = run(["capture", url, "-o", out, "--timeout", "30", "--other-hosts-seconds",
                                 str(BUDGET_S)] + list(extra), timeout=120)
    meta, text = {}, ""
    try:
        with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        with open(os.path.join(out, "page.txt"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        pass
    return rc, text_out, elapsed, meta, text


def walk(j, key):
    """Every list under key, wherever in meta.json (each capture has its own)."""
    if isinstance(j, dict):
        for k, v in j.items():
            if k == key:
                yield from v
            else:
                yield from walk(v, key)
    elif isinstance(j, list):
        for v in j:
            yield from walk(v, key)


def metas_under(root):
    out = []
    for d, _, files in os.walk(root):
        if "meta.json" in files:
            with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
                out.append(json.load(f))
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-test-blocklist-")
    hang, HANG["port"] = hang_server()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    mine = os.path.join(tmp, "mine.txt")
    with open(mine, "w", encoding="utf-8") as f:
        f.write("# the fixture's other host stands for a tracker\nlocalhost\n# and the site's own host: never "
                "blocked\n127.0.0.1  # listed on purpose\n")
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("# trackers\nhm.baidu.com\nhttp://s4.cnzz.com/stat.js\n")
    try:
        # off by default: nothing blocked, nothing recorded
        HITS.clear()
        rc, out, elapsed, meta, text = capture(tmp, base + "/works.html", "off")
        expect(rc == 0 and "统计脚本已运行" in text and "/track.js" in HITS,
               "off by default, a script from the other host loads and runs", "exit %d: %s %s" % (rc, text[-200:],
                                                                                                   out[-300:]))
        expect("block_list" not in meta and "blocked_resources" not in meta,
               "off by default, meta.json has no block_list", sorted(meta))

        # the built-in list alone: localhost is not on it
        rc, out, elapsed, meta, text = capture(tmp, base + "/works.html", "builtin", ["--block-trackers"])
        bl = meta.get("block_list") or {}
        expect(rc == 0 and "统计脚本已运行" in text and meta.get("blocked_resources") == [],
               "--block-trackers leaves a host that is not on the built-in list alone",
               "exit %d: %s %s" % (rc, meta.get("blocked_resources"), out[-300:]))
        expect(bl.get("builtin") is True and bl.get("user_file") is None and bl.get("hosts", 0) >= 10
               and bl.get("by") == "command line", "meta.json records the built-in list", bl)

        # the user's file names localhost: blocked at once, whatever the kind
        HITS.clear()
        rc, out, elapsed, meta, text = capture(tmp, base + "/tracked.html", "blocked", ["--block-list", mine])
        blocked = meta.get("blocked_resources", [])
        urls = " ".join(b.get("url", "") for b in blocked)
        expect(rc == 0 and elapsed < BUDGET_S - 5,
               "with the list on, a page with a hanging tracker script is ready well within the other hosts' "
               "budget", "exit %d after %.1f s (budget %d s): %s" % (rc, elapsed, BUDGET_S, out[-400:]))
        expect("统计未运行" in text and "统计脚本已运行" not in text and "脚本之后的内容" in text,
               "the blocked script did not run; the page went on", text[-300:])
        expect("接口被拦截" in text, "an XHR to a listed host is blocked too", text[-300:])
        expect(not HITS, "no request reached the listed host", HITS)
        expect("/hm.js" in urls and "/track.js" in urls and "/beacon" in urls
               and all(b.get("host") == "localhost" and "block list" in b.get("why", "") for b in blocked),
               "meta.json lists each blocked request with its host and why", blocked)
        bl = meta.get("block_list") or {}
        expect(bl.get("builtin") is True and bl.get("user_file") == mine and bl.get("by") == "command line"
               and bl.get("hosts", 0) >= 12, "meta.json records the list: built-in, the user's file, hosts", bl)
        expect(not unloaded_or_failed(meta, "localhost"),
               "a blocked request is neither unloaded nor failed (not the site's fault)", meta)

        # the site's own host, though listed, is never blocked
        rc, out, elapsed, meta, text = capture(tmp, base + "/own.html", "own", ["--block-list", mine])
        expect(rc == 0 and "自有脚本已运行" in text and meta.get("blocked_resources") == [],
               "the site's own host is not blocked even when the user's file lists it",
               "exit %d: %s %s" % (rc, meta.get("blocked_resources"), text[-200:]))

        # a bad line: FILE:LINE, the value, what was expected; before any visit
        out_dir = os.path.join(tmp, "bad-capture")
        rc, out, elapsed = run(["capture", base + "/works.html", "-o", out_dir, "--block-list", bad], timeout=60)
        expect(rc == 3 and "%s:3:" % bad in out and "'http://s4.cnzz.com/stat.js'" in out
               and "expected one host per line" in out and not os.path.exists(out_dir),
               "capture with a bad line in the list fails with file:line, the value and what was expected",
               "exit %d: %s" % (rc, out[-400:]))
        bad_store = os.path.join(tmp, "bad.db")
        rc, out, elapsed = run(["check", "--all", "--store", bad_store, "--evidence", os.path.join(tmp, "bad-ev"),
                                "--block-list", bad], timeout=60)
        expect(rc == 3 and "%s:3:" % bad in out and not os.path.exists(bad_store),
               "check with a bad list fails before any visit (no ledger even made)", "exit %d: %s" % (rc, out[-400:]))

        # submit and check through the ledger with the list on
        sc = os.path.join(tmp, "tracked.json")
        with open(sc, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "带统计脚本的信箱"},
                       "submit": {"steps": [{"goto": "${base_url}/form.html"},
                                            {"fill": "#title", "value": "${letter.title}"},
                                            {"click": "#send", "final": True},
                                            {"wait_for": {"text": "提交成功"}, "timeout_seconds": 20}],
                                  "success": {"text": "提交成功"}},
                       "check": {"steps": [{"goto": "${base_url}/query.html"}],
                                 "found": {"text": "${letter.title}"}, "not_found": {"text": "没有"}}},
                      f, ensure_ascii=False)
        store, ev = os.path.join(tmp, "h.db"), os.path.join(tmp, "ev")
        common = ["--store", store, "--evidence", ev, "--timeout", "30", "--other-hosts-seconds", str(BUDGET_S),
                  "--block-list", mine]
        HITS.clear()
        rc, out, elapsed = run(["submit", sc, "--var", "base_url=" + base] + common)
        expect(rc == 0 and len(POSTS) == 1 and elapsed < BUDGET_S * 2 and not HITS,
               "a letter goes out through a form page whose tracker is blocked",
               "exit %d after %.1f s, hits %s: %s" % (rc, elapsed, HITS, out[-500:]))
        metas = metas_under(ev)
        lists = [m.get("block_list") for m in metas if m.get("block_list")]
        blocked = [b for m in metas for b in walk(m, "blocked_resources")]
        expect(lists and all(b.get("user_file") == mine for b in lists)
               and any("/hm.js" in b.get("url", "") for b in blocked),
               "the submit visit's meta.json records the list and what it blocked", metas)
        rc, out, elapsed = run(["check", "--all"] + common)
        expect(rc in (0, 1) and "found" in out and "not found" not in out and "failed" not in out,
               "its check finds the letter with the list on", "exit %d: %s" % (rc, out[-500:]))

        # a scenario's "block_trackers": false beats the command line
        off = os.path.join(tmp, "off.json")
        with open(off, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "统计脚本必需的信箱", "block_trackers": False},
                       "submit": {"steps": [{"goto": "${base_url}/form.html"},
                                            {"wait_for": {"text": "统计脚本已运行"}, "timeout_seconds": 15},
                                            {"fill": "#title", "value": "${letter.title}"},
                                            {"click": "#send", "final": True},
                                            {"wait_for": {"text": "提交成功"}, "timeout_seconds": 20}],
                                  "success": {"text": "提交成功"}}}, f, ensure_ascii=False)
        rc, out, elapsed = run(["submit", off, "--no-ledger", "--var", "base_url=" + base, "--timeout", "30",
                                "--other-hosts-seconds", "3", "--evidence", os.path.join(tmp, "offev"),
                                "--block-list", mine])
        expect(rc == 0 and len(POSTS) == 2, "a scenario's block_trackers false keeps the list off for its site",
               "exit %d: %s" % (rc, out[-500:]))

        # a scenario's "block_trackers": true turns the built-in list on for its site alone
        on = os.path.join(tmp, "on.json")
        with open(on, "w", encoding="utf-8") as f:
            json.dump({"huixin_scenario": 1, "site": {"name": "自己要求屏蔽的信箱", "block_trackers": True},
                       "submit": {"steps": [{"goto": "${base_url}/form.html"},
                                            {"fill": "#title", "value": "${letter.title}"},
                                            {"click": "#send", "final": True},
                                            {"wait_for": {"text": "提交成功"}, "timeout_seconds": 20}],
                                  "success": {"text": "提交成功"}}}, f, ensure_ascii=False)
        ev_on = os.path.join(tmp, "ev-on")
        rc, out, elapsed = run(["submit", on, "--var", "base_url=" + base, "--store", store, "--evidence", ev_on,
                                "--timeout", "30", "--other-hosts-seconds", "3"])
        lists = [m.get("block_list") for m in metas_under(ev_on) if m.get("block_list")]
        expect(rc == 0 and len(POSTS) == 3 and lists
               and all(b.get("by") == "scenario" and b.get("user_file") is None and b.get("builtin") is True
                       for b in lists),
               "a scenario's block_trackers true uses the built-in list, and meta.json says the scenario asked",
               "exit %d: %s %s" % (rc, lists, out[-400:]))
    finally:
        srv.shutdown()
        hang.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


def unloaded_or_failed(meta, host):
    return ([u for u in meta.get("unloaded_resources", []) if u.get("host") == host]
            + [f for f in meta.get("failed_requests", []) if "localhost" in f.get("url", "")])


if __name__ == "__main__":
    sys.exit(main())
