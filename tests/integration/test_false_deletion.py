#!/usr/bin/env python3
"""Site behaviours that once made a false 信件被删除, found by an adversarial review (session 8), each on a
small vendor-like site that the library's own scenarios visit (hanweb-jact.json, guestbook.json; unchanged
but for hashnext's 'next'):

  q404      the query form answers 404 after a revamp (the home page still loads): the code was never
            typed in, so the visits fail (无法核实), never a miss
  home      the guestbook's list URL now redirects to the home page: not the list, the visits fail
  empty     the list page comes back with no message at all (an error served with 200): the visits fail
  hashnext  the next page is scripted paging, <a href="#" onclick="goPage(2)">下一页</a>, and the scenario
            takes any 下一页 link: it is clicked (not taken as a link to this page, the end of the list),
            and the letter is found on page 2
  pinned    a pinned 置顶 notice dated last year heads the list: it does not end the search, and the letter
            is found on page 2
  gone      control: the letter really is gone from a healthy list whose last page is its end: two misses
            an hour apart make 信件被删除 (the fixture can prove a deletion, so the cases above are not
            passing by failing everything)
  detail    control: a check by the letter's own page (goto ${detail_url}) whose page now answers 404:
            the default not_found status still proves it gone there (unlike q404's query form)
Each letter is first seen in the list (or looked up) in the site's normal state; then the site changes,
and two checks 90 minutes apart follow. Last line: N passed, N failed.
"""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading

from harness import LIBRARY, Tally, Workspace  # noqa: E402

T = Tally("false-deletion")
check = T.check
TOKEN = "HX7Q2K"
MODE = {"m": "normal"}


def page(body, title="t"):
    return ("<!doctype html><html><head><meta charset='utf-8'><title>%s</title></head><body>%s</body></html>"
            % (title, body)).encode()


def item(text, when):
    return ("<div class=gbook-item><div class=gbook-content>%s</div><span class=gbook-time>留言时间：%s</span></div>"
            % (text, when))


MINE = item("我的留言 " + TOKEN, "2026-03-02 09:00:00")
NEWER = "".join(item("新留言%d" % i, "2026-03-03 0%d:00:00" % i) for i in range(1, 6))
OLD_END = "<div class=page-next><a href='javascript:;'>下一页</a></div>"  # the last page's dead link


# A check by the letter's own page: its 404 is the letter's (the default not_found status), unlike q404's
DETAIL_SCENARIO = {
    "huixin_scenario": 1,
    "site": {"name": "临溪县人民政府", "owner": "临溪县人民政府办公室", "mailbox": "县长信箱", "entry_url": "${base_url}/",
             "deadline_workdays": 5, "pacing_seconds": 0},
    "vars": {"detail_url": ""},
    "check": {"steps": [{"goto": "${detail_url}"}], "found": {"selector": ".letter"},
              "not_found": {"text": "信件不存在"}, "read": {"has_reply": {"selector": ".reply"}}},
}


class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, loc=None):
        self.send_response(code)
        if loc:
            self.send_header("Location", loc)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        m, p = MODE["m"], self.path
        if p == "/" or p.startswith("/index"):
            return self.send(200, page("<h1>临溪县人民政府</h1><p>首页 新闻 政务公开 互动交流</p>", "首页"))
        if p.startswith("/jact/front/mailquery.do"):
            if m == "q404":
                return self.send(404, page("<h1>404 Not Found</h1><p>nginx</p>"))
            answer = ("<div class=jact_box_font><table id=mailinfo><tr><td class=state>办理中</td></tr></table></div>")
            return self.send(200, page(
                "<form onsubmit='return false'><input id=mailnumber><input id=querycode>"
                "<button id=querybtn onclick=\"document.getElementById('r').innerHTML='%s'\">查询</button></form>"
                "<div id=r></div>" % answer))
        if p.startswith("/detail/"):
            if m == "detail":
                return self.send(404, page("您访问的页面不存在"))
            return self.send(200, page("<div class=letter>我的来信 %s</div>" % TOKEN))
        if not p.startswith("/?gbook"):
            return self.send(404, page("您访问的页面不存在"))
        second = p.startswith("/?gbook_2/")
        if m == "home":
            return self.send(302, b"", loc="/index.html")
        if m == "empty":
            return self.send(200, page("<div class=gbook-list></div><p>暂无留言</p>"))
        if m == "hashnext":
            js = ("<script>function goPage(n){document.getElementById('lst').innerHTML=%s;"
                  "document.getElementById('pg').innerHTML='第2页';return false;}</script>" % json.dumps(MINE))
            return self.send(200, page("<div class=gbook-list id=lst>%s</div><div class=page-next id=pg>"
                                       "<a href='#' onclick='return goPage(2)'>下一页</a></div>%s" % (NEWER, js)))
        if m == "pinned":
            pin = item("【置顶】留言须知", "2025-01-01 08:00:00")
            if second:
                return self.send(200, page("<div class=gbook-list>%s%s</div>%s" % (pin, MINE, OLD_END)))
            return self.send(200, page("<div class=gbook-list>%s%s</div><div class=page-next>"
                                       "<a href='/?gbook_2/'>下一页</a></div>" % (pin, NEWER)))
        if m == "gone":
            return self.send(200, page("<div class=gbook-list>%s</div>%s" % (NEWER, OLD_END)))
        neighbours = "".join(item("邻居%d的留言" % i, "2026-03-02 10:00:00") for i in range(3))
        return self.send(200, page("<div class=gbook-list>%s%s</div>%s" % (neighbours, MINE, OLD_END)))


def run_case(tmp, base, name, mode, want, why=None):
    """want: 'failed' (both later visits fail, verdict not deleted), 'found' (both find the letter) or
    'deleted' (the control: two conclusive misses)."""
    ws = Workspace(os.path.join(tmp, name))
    if name == "detail":
        path = os.path.join(tmp, "detail.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(DETAIL_SCENARIO, f, ensure_ascii=False)
        args = ["import", path, "--var", "base_url=" + base, "--var", "detail_url=%s/detail/1" % base,
                "--submitted", "2026-03-02 09:00"]
    elif name == "q404":
        args = ["import", os.path.join(LIBRARY, "hanweb-jact.json"), "--var", "base_url=" + base, "--var", "letter_no=2026030200012",
                "--var", "query_code=8391024756", "--submitted", "2026-03-02 09:00"]
    else:
        scenario = os.path.join(LIBRARY, "guestbook.json")
        if name == "hashnext":  # a site whose paging is scripted: its scenario takes any 下一页 link
            def any_next(sc):
                sc["check"]["steps"][0]["list_search"]["next"] = ".page-next a"
            scenario = ws.scenario("guestbook-scripted.json", "guestbook.json", any_next)
        args = ["import", scenario, "--var", "base_url=" + base, "--var", "letter.token=" + TOKEN, "--submitted",
                "2026-03-02 09:00"]
    code, out, err = ws.huixin(*args)
    if not check(code == 0, "%s: the letter is imported" % name, out + err):
        return
    lid = ws.letters()[0]["id"]
    MODE["m"] = "normal"
    code, out, err = ws.huixin("check", str(lid), now="2026-03-03 10:00")
    first = ws.visits(lid)[-1]
    check(first["outcome"] == 0, "%s: the first check, on the normal site, finds the letter" % name,
          (out + err)[-600:])
    MODE["m"] = mode
    for now in ("2026-03-10 10:00", "2026-03-10 11:30"):
        code, out, err = ws.huixin("check", str(lid), now=now)
    later = ws.visits(lid)[1:]
    s = ws.status_of(lid)
    verdict = s.get("verdict_zh", s.get("verdict"))
    outcomes = [v["outcome"] for v in later]
    if want == "failed":
        check(outcomes == [2, 2] and verdict != "信件被删除",
              "%s: both visits fail (%s), and the verdict is %s, not 信件被删除" % (name, outcomes, verdict),
              [v["error"] for v in later])
        check(all(why in (v["error"] or "") for v in later), "%s: each failed visit says why: %s" % (name, why),
              [v["error"] for v in later])
    elif want == "found":
        check(outcomes == [0, 0] and verdict != "信件被删除",
              "%s: both visits find the letter (%s), verdict %s" % (name, outcomes, verdict),
              [v["error"] for v in later])
    else:
        check(outcomes == [1, 1] and verdict == "信件被删除",
              "%s: two conclusive misses an hour apart make 信件被删除 (%s, %s)" % (name, outcomes, verdict),
              [v["error"] for v in later])


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    tmp = tempfile.mkdtemp(prefix="huixin-false-deletion-")
    try:
        for name, want, why in (("q404", "failed", "the page the lookup starts from is missing"),
                                ("home", "failed", "led to the home page"),
                                ("empty", "failed", "holds no message"), ("hashnext", "found", None),
                                ("pinned", "found", None), ("gone", "deleted", None), ("detail", "deleted", None)):
            run_case(tmp, base, name, name, want, why)
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
