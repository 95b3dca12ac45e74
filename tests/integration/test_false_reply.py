#!/usr/bin/env python3
"""Site behaviours that once made huixin credit a reply nobody wrote, or date a reply late, found by an
adversarial review (session 8), on small vendor-like pages read by the shipped templates of
scenarios/templates-real/ (the scenarios an office starts from on a real site):

  placeholder  a query page that always prints its labels: 办理状态 待处理, 答复内容 暂无答复: no reply,
               超期未回复 after the deadline (not 当日回复)
  emptybox     the same with an empty 答复内容 cell: no reply
  negated      办理状态 未办结 (the template's replied state is 办结): no reply
  replied      control: 已答复 with a unit, a date and a text: 按期回复 (the page and templates still read
               a real reply)
  slashdate    the reply dated 2026/3/3 10:30, checked two weeks later: 按期回复 from the date shown (not
               超期回复 from the day huixin saw it)
  cndate       the same dated 2026年3月3日 10:30
  inline       a guestbook showing its messages inline (titles not links), read by a scenario that
               follows the letter's link and names no record: the visit fails (no neighbour's reply is
               read as ours)
  pager        the same with a 查看更早留言 link in the list: following it leads to a page without the
               token: the visit fails
Last line: N passed, N failed.
"""
import http.server
import os
import shutil
import sys
import tempfile
import threading

from harness import ROOT, Tally, Workspace  # noqa: E402

T = Tally("false-reply")
check = T.check
TOKEN = "HX7Q2K"
TEMPLATES = os.path.join(ROOT, "scenarios", "templates-real")
CASE = {"c": ""}


def query_result(case):
    rows = {"placeholder": ("待处理", "", "", "暂无答复"), "emptybox": ("待处理", "", "", ""),
            "replied": ("已答复", "市交通运输局", "2026-03-03 10:30", "您好，线路调整方案已报市政府。"),
            "slashdate": ("已答复", "市交通运输局", "2026/3/3 10:30", "已收悉"),
            "cndate": ("已答复", "市交通运输局", "2026年3月3日 10:30", "已收悉")}
    if case == "negated":
        return "<table class=result><tr><th>信件标题</th><td>关于公交线路的建议</td></tr>" \
               "<tr><th>办理状态：</th><td>未办结</td></tr></table>"
    state, unit, when, text = rows[case]
    return ("<table class=result><tr><th>信件标题</th><td>关于公交线路的建议</td></tr>"
            "<tr><th>办理状态：</th><td>%s</td></tr><tr><th>答复部门：</th><td>%s</td></tr>"
            "<tr><th>答复时间：</th><td>%s</td></tr><tr><th>答复内容：</th><td>%s</td></tr></table>"
            % (state, unit, when, text))


def board_item(title, when, reply=None):
    r = ("<div class=re>管理员回复：已转交相关部门办理，谢谢。<span>回复时间：%s</span></div>" % reply) if reply else ""
    return "<div class=item><h4>%s</h4><p class=time>留言时间：%s</p>%s</div>" % (title, when, r)


class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        case = CASE["c"]
        if case in ("inline", "pager"):
            items = board_item("咨询社保卡补办流程", "2026-03-02 08:10:00", "2026-03-02 11:20") + \
                board_item("关于公交线路的建议 " + TOKEN, "2026-03-02 09:00:00")
            if self.path.startswith("/guestbook/?page=2"):
                body = "<div class=list>%s</div>" % board_item("往期留言", "2026-02-01 08:00:00", "2026-03-02 09:30")
            elif case == "pager":
                body = "<div class=list><a href='/guestbook/?page=2'>查看更早留言</a>%s</div>" % items
            else:
                body = items + "<p>共 2 条</p>"
        else:
            res = query_result(case).replace("'", "\\'")
            body = ("<form onsubmit='return false'>姓名<input name=RealName> 查询号<input name=QueryCode>"
                    "<button type=submit onclick=\"document.getElementById('r').innerHTML='%s'\">查询</button>"
                    "</form><div id=r></div>" % res.replace('"', "&quot;"))
        b = ("<!doctype html><html><head><meta charset='utf-8'><title>信件</title></head><body>%s</body></html>"
             % body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)


def run_case(tmp, base, case, checks, want, want_outcome):
    CASE["c"] = case
    ws = Workspace(os.path.join(tmp, case))
    if case in ("inline", "pager"):
        args = ["import", os.path.join(TEMPLATES, "guestbook.json"), "--var", "base_url=" + base, "--var",
                "letter.token=" + TOKEN, "--submitted", "2026-03-02 09:00"]
    else:
        args = ["import", os.path.join(TEMPLATES, "siteserver-query.json"), "--var", "base_url=" + base,
                "--var", "query_code=2026030211", "--var", "letter.name=张伟", "--submitted", "2026-03-02 09:00"]
    code, out, err = ws.huixin(*args)
    if not check(code == 0, "%s: the letter is imported" % case, out + err):
        return
    lid = ws.letters()[0]["id"]
    for now in checks:
        code, out, err = ws.huixin("check", str(lid), now=now)
    visits = ws.visits(lid)
    s = ws.status_of(lid)
    verdict = s.get("verdict_zh")
    check(verdict == want and all(v["outcome"] == want_outcome for v in visits),
          "%s: %s, every visit %s" % (case, want, {0: "found", 2: "failed"}[want_outcome]),
          (verdict, [(v["outcome"], v["has_reply"], v["state_text"], v["reply_text"], v["error"]) for v in visits]))


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    tmp = tempfile.mkdtemp(prefix="huixin-false-reply-")
    day_and_late = ("2026-03-02 18:00", "2026-03-10 10:00")
    try:
        run_case(tmp, base, "placeholder", day_and_late, "超期未回复", 0)
        run_case(tmp, base, "emptybox", day_and_late, "超期未回复", 0)
        run_case(tmp, base, "negated", day_and_late, "超期未回复", 0)
        run_case(tmp, base, "replied", ("2026-03-04 10:00",), "按期回复", 0)
        run_case(tmp, base, "slashdate", ("2026-03-20 10:00",), "按期回复", 0)
        run_case(tmp, base, "cndate", ("2026-03-20 10:00",), "按期回复", 0)
        run_case(tmp, base, "inline", day_and_late, "无法核实", 2)
        run_case(tmp, base, "pager", day_and_late, "无法核实", 2)
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
