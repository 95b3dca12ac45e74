#!/usr/bin/env python3
"""Tests of the fixture mailbox sites themselves, over plain HTTP (urllib), against a real server.py.

Run: python3 tests/sites/test_sites.py [NAME_SUBSTRING ...]
The last line is 'N passed, N failed'; the exit status is non-zero on any failure.
"""
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from client import ControlError, Sites  # noqa: E402

TIMEOUT = 5
SITES = None  # the shared server, started in main()


# ---------------------------------------------------------------- helpers

class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, want, what=""):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what or "values differ", got, want))


def has(text, needle, what=""):
    if needle not in text:
        raise Fail("%s: %r not found in %r" % (what or "missing text", needle, text[:300]))


def lacks(text, needle, what=""):
    if needle in text:
        raise Fail("%s: %r found but must be absent" % (what or "unexpected text", needle))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status, headers, body, charset="utf-8"):
        self.status, self.headers, self.body = status, headers, body
        self.text = body.decode(charset, errors="replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Browser:
    """A cookie jar and an opener that does not follow redirects; every call has a timeout."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def open(self, url, data=None, headers=None, charset="utf-8", timeout=TIMEOUT, method=None):
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data, encoding=charset).encode("ascii")
        req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read(), charset)
        except urllib.error.HTTPError as e:
            body = e.read()
            e.close()
            return Response(e.code, e.headers, body, charset)

    def json(self, url, obj):
        return self.open(url, json.dumps(obj).encode("utf-8"), {"Content-Type": "application/json"}).json()


def multipart(fields, charset):
    """A multipart/form-data body with values encoded in charset (as a GBK page's browser does)."""
    boundary = "----huixin" + uuid.uuid4().hex
    out = b""
    for name, value in fields.items():
        if isinstance(value, tuple):  # (filename, bytes)
            out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                    'Content-Type: application/octet-stream\r\n\r\n' % (boundary, name, value[0])).encode(charset)
            out += value[1] + b"\r\n"
        else:
            out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n' % (boundary, name)).encode(charset)
            out += value.encode(charset) + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode("ascii")
    return out, "multipart/form-data; boundary=" + boundary


def ctl():
    return SITES.ctl


def url(site, path):
    return SITES.url(site, path)


def current_captcha(site):
    return ctl().captcha(site)["current"]


def only_letter(site):
    letters = ctl().letters(site)
    eq(len(letters), 1, "letters stored for %s" % site)
    return letters[0]


# ---- one submission per family, through the real forms ----

def hanweb_submit(b, title="关于老旧小区加装电梯补贴的咨询", public="1", captcha=None):
    page = b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1"))
    eq(page.status, 200, "write page status")
    img = b.open(url("hanweb", "/jact/front/checkcode.do?sysid=1"))
    check(img.body.startswith(b"\x89PNG"), "captcha is a PNG image")
    answer = captcha if captcha is not None else current_captcha("hanweb")
    return b.open(url("hanweb", "/jact/front/mailsubmit.do"), {
        "sysid": "1", "username": "张伟", "mobile": "13800138000", "email": "zw@example.com", "mailtype": "1",
        "leader": "2", "title": title, "content": "您好：\n请问补贴如何申请？谢谢。", "ispublic": public,
        "checkcode": answer.lower()})


def gbk_submit(b, title="关于县城公交线路调整的建议", captcha=None):
    b.open(url("gbk", "/mail/write.jsp"))
    answer = captcha if captcha is not None else current_captcha("gbk")
    body, ctype = multipart({"xm": "王芳", "dh": "0795-6221888", "yx": "", "dz": "青岚县城关镇",
                             "lx": "建议", "bt": title, "nr": "建议增开3路公交夜班车。",
                             "fj": ("说明.txt", "附件".encode("gbk")), "gk": "1", "yzm": answer}, "gbk")
    return b.open(url("gbk", "/mail/save.jsp"), body, {"Content-Type": ctype}, charset="gbk")


def spa_submit(b, title="咨询公积金贷款额度", public=True):
    return b.json(url("spa", "/api/letters"), {
        "name": "赵磊", "phone": "13912345678", "email": "", "type": "咨询", "dept": "市住房和城乡建设局",
        "title": title, "content": "请问公积金贷款最高额度是多少？", "isPublic": public})


def iframe_submit(b, title="建议延长市民中心周末服务时间", captcha=None):
    page = b.open(url("iframe-platform", "/mailbox/write?areaCode=360500"))
    token = re.search(r'name="captchaToken" id="captchaToken" value="(\w+)"', page.text).group(1)
    answer = captcha if captcha is not None else current_captcha("iframe")
    return b.open(url("iframe-platform", "/mailbox/submit"), {
        "areaCode": "360500", "box": "sjxx", "captchaToken": token, "userName": "陈静", "mobile": "13700001111",
        "email": "", "letterType": "建议", "title": title, "content": "周末办事的人很多，建议延长时间。",
        "isOpen": "1", "captcha": answer})


def board_submit(b, title="建议增设社区健身器材", answer=None):
    page = b.open(url("board", "/guestbook/"))
    token = re.search(r'name="token" value="(\w+)"', page.text).group(1)
    a, c = re.search(r'(\d) \+ (\d) = \?', page.text).groups()
    return b.open(url("board", "/guestbook/post"), {
        "token": token, "nickname": "老街坊", "contact": "13600002222", "title": title,
        "content": "小区广场的健身器材老化了。", "answer": answer if answer is not None else str(int(a) + int(c))})


# ---------------------------------------------------------------- hanweb

def test_hanweb_submit_shows_number_and_query_code():
    ctl().clock("2026-03-02 09:30:00", "hanweb")
    r = hanweb_submit(Browser())
    eq(r.status, 200, "submit status")
    x = only_letter("hanweb")
    has(r.text, '<span id="mailnumber" class="code">%s</span>' % x["number"])
    has(r.text, '<span id="querycode" class="code">%s</span>' % x["query_code"])
    check(re.fullmatch(r"\d{10}", x["query_code"]), "10-digit query code")
    eq((x["name"], x["phone"], x["email"], x["type"], x["recipient"], x["is_public"], x["state"]),
       ("张伟", "13800138000", "zw@example.com", "咨询", "常务副市长", True, "待处理"), "stored fields")
    eq(x["submitted_at"], "2026-03-02 09:30:00", "submitted_at follows the site clock")
    eq(x["content"], "您好：\n请问补贴如何申请？谢谢。", "content")
    eq(x["form"]["leader"], "2", "raw form kept")


def test_hanweb_wrong_captcha_stores_nothing():
    r = hanweb_submit(Browser(), captcha="ZZZZ")
    has(r.text, "验证码错误")
    eq(ctl().letters("hanweb"), [], "no letter after a wrong captcha")
    r = hanweb_submit(Browser(), captcha="")
    has(r.text, "验证码错误")


def test_hanweb_captcha_override_and_session_binding():
    ctl().captcha("hanweb", "1234")
    eq(current_captcha("hanweb"), None, "no form rendered yet")
    r = hanweb_submit(Browser(), captcha="1234")
    has(r.text, "信件提交成功")
    eq(current_captcha("hanweb"), "1234", "the override is what the image shows")
    ctl().captcha("hanweb", None)
    b1, b2 = Browser(), Browser()
    b1.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1"))
    answer1 = current_captcha("hanweb")
    b2.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1"))
    r = b2.open(url("hanweb", "/jact/front/mailsubmit.do"), {"username": "a", "mobile": "13800000000",
                                                             "mailtype": "1", "title": "t", "content": "c",
                                                             "checkcode": answer1})
    if answer1 != current_captcha("hanweb"):
        has(r.text, "验证码错误", "another session's answer is refused")


def test_hanweb_list_dataproxy_and_filters():
    b = Browser()
    for i in range(3):
        hanweb_submit(b, title="信件%d" % i)
    hanweb_submit(b, title="不公开的信", public="0")
    page = b.open(url("hanweb", "/jact/front/mailpublist.do?sysid=1"))
    has(page.text, "dataproxy_mailpublist.do")
    r = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do?startrecord=1&endrecord=2&perpage=2"),
               {"sysid": "1", "mailnumber": "", "querycode": ""})
    has(r.headers["Content-Type"], "javascript")
    rows = r.json()
    eq(len(rows), 2, "page of 2 rows")
    eq(r.headers["X-Total-Record"], "3", "total public letters")
    check(all(x.startswith("<tr>") and x.count("<td") == 5 for x in rows), "rows are <tr> with 5 cells")
    has(rows[0], "信件2", "newest first")
    rows = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {"page": "2", "pagesize": "2"}).json()
    eq(len(rows), 1, "page 2 by page params")
    letters = ctl().letters("hanweb")
    first, hidden = letters[0], letters[3]
    rows = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {"mailnumber": first["number"]}).json()
    eq(len(rows), 1, "mailnumber filter")
    has(rows[0], first["detail_path"].replace("&", "&amp;"), "row links to the detail page")
    has(rows[0], "待处理")
    rows = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {"querycode": hidden["query_code"]}).json()
    eq(len(rows), 1, "a non-public letter is listed by its own query code")
    rows = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {"querycode": "0000000000"}).json()
    eq(rows, [], "unknown query code")


def test_hanweb_detail_reply_query_and_delete():
    b = Browser()
    hanweb_submit(b)
    x = only_letter("hanweb")
    d = b.open(url("hanweb", x["detail_path"]))
    eq(d.status, 200)
    has(d.text, '<div class="jact_box_font">')
    has(d.text, "来信时间</th><td>%s" % x["submitted_at"])
    lacks(d.text, "回复内容")
    ctl().reply(x["id"], "2024-05-29 17:11:17", "宝川市住房和城乡建设局", "您好，补贴申请请见<附件>。")
    d = b.open(url("hanweb", x["detail_path"]))
    has(d.text, "回复单位</th><td>宝川市住房和城乡建设局")
    has(d.text, "回复时间</th><td>2024-05-29 17:11:17")
    has(d.text, "您好，补贴申请请见&lt;附件&gt;。", "reply text escaped")
    has(d.text, "已回复")
    eq(ctl().letter(x["id"])["clicks"], 2, "clicks counted")
    q = b.open(url("hanweb", "/jact/front/mailquery.do?sysid=1"),
               {"mailnumber": x["number"], "querycode": x["query_code"]})
    has(q.text, "回复时间</th><td>2024-05-29 17:11:17")
    q = b.open(url("hanweb", "/jact/front/mailquery.do?sysid=1&querycode=" + x["query_code"]))
    has(q.text, "宝川市住房和城乡建设局", "query by GET with the code only")
    ctl().delete(x["id"])
    d = b.open(url("hanweb", x["detail_path"]))
    eq(d.status, 302, "deleted detail redirects")
    has(d.headers["Location"], "mailpublist.do")
    q = b.open(url("hanweb", "/jact/front/mailquery.do?sysid=1"), {"querycode": x["query_code"]})
    has(q.text, "未查询到相关信件")
    eq(b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {}).json(), [], "deleted left the list")
    d = b.open(url("hanweb", "/jact/front/mailpubdetail.do?transactId=999999&sysid=1"))
    eq(d.status, 302, "missing letter redirects")


def test_hanweb_spam_hidden_but_query_says_spam():
    b = Browser()
    hanweb_submit(b)
    x = only_letter("hanweb")
    ctl().spam(x["id"])
    eq(b.open(url("hanweb", x["detail_path"])).status, 302, "spam detail redirects")
    eq(b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {}).json(), [], "spam not listed")
    has(b.open(url("hanweb", "/jact/front/mailquery.do"), {"querycode": x["query_code"]}).text, "垃圾信件")


def test_hanweb_validation_and_escaping():
    b = Browser()
    r = hanweb_submit(b, title="")
    has(r.text, "请填写标题")
    r = hanweb_submit(b, title="<script>alert(1)</script>&")
    has(r.text, "信件提交成功")
    x = only_letter("hanweb")
    eq(x["title"], "<script>alert(1)</script>&", "stored as typed")
    d = b.open(url("hanweb", x["detail_path"]))
    lacks(d.text, "<script>alert(1)</script>")
    has(d.text, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;")
    rows = b.open(url("hanweb", "/jact/front/dataproxy_mailpublist.do"), {}).json()
    lacks(rows[0], "<script>")


# ---------------------------------------------------------------- gbk

def test_gbk_multipart_submit_alert_only():
    ctl().clock("2026-03-06 16:45:00", "gbk")
    b = Browser()
    w = b.open(url("gbk", "/mail/write.jsp"), charset="gbk")
    has(w.headers["Content-Type"], "charset=gbk")
    has(w.text, 'content="text/html; charset=gbk"')
    has(w.text, 'enctype="multipart/form-data"')
    for name in ("xm", "dh", "bt", "nr", "yzm", "gk", "lx"):
        has(w.text, 'name="%s"' % name)
    r = gbk_submit(b)
    eq(r.status, 200)
    has(r.headers["Content-Type"], "charset=gbk")
    x = only_letter("gbk")
    eq((x["name"], x["title"], x["type"], x["address"]), ("王芳", "关于县城公交线路调整的建议", "建议", "青岚县城关镇"))
    eq(x["form"]["fj"], {"filename": "说明.txt", "size": 4}, "the attachment is noted")
    alert = re.search(r'alert\("([^"]*)"\)', r.text)
    check(alert, "an alert() on the result page")
    has(alert.group(1), x["query_code"], "query code in the alert")
    eq(r.text.count(x["query_code"]), 1, "the query code appears only in the alert")
    has(r.text, "信件提交成功")


def test_gbk_wrong_captcha_and_dates_and_not_found():
    b = Browser()
    r = gbk_submit(b, captcha="0000" if current_captcha("gbk") != "0000" else "1111")
    has(r.text, "验证码错误")
    eq(ctl().letters("gbk"), [], "nothing stored")
    ctl().clock("2026-03-06 16:45:00", "gbk")
    gbk_submit(b)
    x = only_letter("gbk")
    v = b.open(url("gbk", x["detail_path"]), charset="gbk")
    has(v.text, "2026年03月06日")
    has(v.text, "办理中")
    ctl().reply(x["id"], "2024-05-29 17:11:17", "青岚县交通运输局", "已转公交公司研究。")
    v = b.open(url("gbk", x["detail_path"]), charset="gbk")
    has(v.text, "2024年05月29日")
    has(v.text, "青岚县交通运输局")
    lacks(v.text, "2024-05-29")
    body = urllib.parse.urlencode({"cxm": x["query_code"]}, encoding="gbk").encode()
    q = b.open(url("gbk", "/mail/query.jsp"), body, {"Content-Type": "application/x-www-form-urlencoded"},
               charset="gbk")
    has(q.text, "已转公交公司研究。")
    lst = b.open(url("gbk", "/mail/list.jsp"), charset="gbk")
    has(lst.text, x["title"])
    ctl().delete(x["id"])
    has(b.open(url("gbk", "/mail/query.jsp?cxm=" + x["query_code"]), charset="gbk").text, "未找到该信件")
    has(b.open(url("gbk", x["detail_path"]), charset="gbk").text, "未找到该信件")
    lacks(b.open(url("gbk", "/mail/list.jsp"), charset="gbk").text, x["title"])


# ---------------------------------------------------------------- spa

def test_spa_shell_config_submit_and_lookup():
    ctl().clock("2026-03-02 09:30:00", "spa")
    b = Browser()
    shell = b.open(url("spa", "/"))
    check(not re.search(r"<(input|textarea|select)[^>]*\bname=", shell.text), "no name attributes anywhere")
    has(shell.text, "fetch('/api/config')")
    has(shell.text, 'placeholder="请输入您的真实姓名"')
    has(shell.text, "x-select__option")
    lacks(shell.text, "<select")
    cfg = b.open(url("spa", "/api/config")).json()
    has(cfg["data"]["types"], "投诉")
    res = spa_submit(b)
    eq(res["code"], 0, "submit accepted")
    x = only_letter("spa")
    eq(res["data"]["queryCode"], x["query_code"])
    eq(res["data"]["letterNo"], x["number"])
    eq((x["type"], x["recipient"], x["is_public"]), ("咨询", "市住房和城乡建设局", True))
    look = b.open(url("spa", "/api/letters/query?code=" + x["query_code"])).json()
    eq((look["code"], look["data"]["status"], look["data"]["replyTime"]), (0, "待处理", None))
    eq(look["data"]["submitTime"], 1772415000000, "epoch ms of 2026-03-02 09:30:00 +08:00")
    ctl().reply(x["id"], "2024-05-29 17:11:17", "云溪市住房公积金中心", "最高额度为60万元。")
    look = b.open(url("spa", "/api/letters/query?code=" + x["query_code"])).json()
    eq(look["data"]["replyTime"], 1716973877000, "reply time as epoch ms")
    eq((look["data"]["status"], look["data"]["replyUnit"]), ("已回复", "云溪市住房公积金中心"))
    lst = b.open(url("spa", "/api/letters?pageIndex=1&pageSize=10")).json()
    eq(lst["data"]["total"], 1)
    eq(b.open(url("spa", "/api/letters/detail?id=%d" % x["seq"])).json()["data"]["replyContent"], "最高额度为60万元。")
    ctl().delete(x["id"])
    look = b.open(url("spa", "/api/letters/query?code=" + x["query_code"])).json()
    eq(look["code"], 404, "deleted lookup")
    has(look["msg"], "未找到")
    eq(b.open(url("spa", "/api/letters")).json()["data"]["total"], 0, "deleted left the list")


def test_spa_validation_and_not_public():
    b = Browser()
    eq(b.json(url("spa", "/api/letters"), {"name": "x"})["code"], 400, "missing fields refused")
    r = b.json(url("spa", "/api/letters"), {"name": "a", "phone": "123", "type": "咨询", "dept": "市教育局",
                                             "title": "t", "content": "c"})
    has(r["msg"], "手机号码")
    eq(ctl().letters("spa"), [], "nothing stored")
    spa_submit(b, public=False)
    x = only_letter("spa")
    eq(x["is_public"], False)
    eq(b.open(url("spa", "/api/letters")).json()["data"]["total"], 0, "not public, not listed")
    eq(b.open(url("spa", "/api/letters/query?code=" + x["query_code"])).json()["code"], 0, "but found by code")
    ctl().spam(x["id"])
    eq(b.open(url("spa", "/api/letters/query?code=" + x["query_code"])).json()["data"]["status"], "不予受理")


# ---------------------------------------------------------------- iframe

def test_iframe_cross_origin_form_and_query():
    b = Browser()
    city = b.open(url("iframe-city", "/col/col1203/index.html"))
    m = re.search(r'<iframe id="mailframe"[^>]*src="http://127\.0\.0\.1:(\d+)(/mailbox/write[^"]*)"', city.text)
    check(m, "city page embeds the platform in an iframe")
    eq(int(m.group(1)), SITES.ports["iframe-platform"], "iframe on the platform's own port")
    check(SITES.ports["iframe-platform"] != SITES.ports["iframe-city"], "two origins")
    lacks(city.text, 'name="title"', "the form is not in the city page")
    r = iframe_submit(b)
    x = only_letter("iframe")
    has(r.text, '<span class="code" id="queryCode">%s</span>' % x["query_code"])
    has(r.text, '<span class="code" id="letterNo">%s</span>' % x["number"])
    has(r.text, "提交成功")
    q = b.open(url("iframe-platform", "/mailbox/query?queryCode=" + x["query_code"]))
    has(q.text, "待处理")
    ctl().reply(x["id"], "2026-03-03 11:00:00", "鹭洲市政务服务中心", "已延长至周六下午。")
    q = b.open(url("iframe-platform", "/mailbox/query?queryCode=" + x["query_code"]))
    has(q.text, "答复时间</th><td>2026-03-03 11:00:00")
    has(q.text, "鹭洲市政务服务中心")
    has(b.open(url("iframe-platform", x["detail_path"])).text, "已延长至周六下午。")
    has(b.open(url("iframe-city", "/col/col1204/index.html")).text, "/mailbox/query")
    ctl().delete(x["id"])
    has(b.open(url("iframe-platform", "/mailbox/query?queryCode=" + x["query_code"])).text, "未查询到该信件")
    has(b.open(url("iframe-platform", x["detail_path"])).text, "未查询到该信件")


def test_iframe_wrong_captcha():
    r = iframe_submit(Browser(), captcha="Q")
    has(r.text, "验证码错误")
    eq(ctl().letters("iframe"), [])


# ---------------------------------------------------------------- board

def test_board_post_reply_and_delete():
    ctl().throttle("board", 0)
    b = Browser()
    r = board_submit(b)
    has(r.text, "留言发表成功")
    x = only_letter("board")
    has(r.text, '<span id="msgid" class="code">%s</span>' % x["number"])
    lst = b.open(url("board", "/guestbook/"))
    has(lst.text, x["title"])
    lacks(lst.text, "管理员回复：")
    ctl().reply(x["id"], "2026-03-02 15:00:00", "梧川区城市管理局", "已安排更换。")
    lst = b.open(url("board", "/guestbook/"))
    has(lst.text, "管理员回复：已安排更换。")
    v = b.open(url("board", x["detail_path"]))
    eq(v.status, 200)
    has(v.text, "管理员回复：已安排更换。")
    ctl().delete(x["id"])
    v = b.open(url("board", x["detail_path"]))
    eq(v.status, 404, "deleted message page status")
    has(v.text, "页面找不到了！")
    lacks(b.open(url("board", "/guestbook/")).text, x["title"])
    eq(b.open(url("board", "/guestbook/view?id=99999")).status, 404)


def test_board_spam_hidden_and_cursor_paging():
    ctl().throttle("board", 0)
    b = Browser()
    for i in range(12):
        ctl().create("board", title="留言%02d" % i, content="c", name="n")
    lst = b.open(url("board", "/guestbook/"))
    has(lst.text, "留言11")
    lacks(lst.text, "留言01")
    nxt = re.search(r'href="(/guestbook/\?last=\d+)"', lst.text).group(1)
    has(b.open(url("board", nxt)).text, "留言01")
    x = ctl().letters("board")[11]
    ctl().spam(x["id"])
    lacks(b.open(url("board", "/guestbook/")).text, "留言11")
    has(b.open(url("board", x["detail_path"])).text, "页面找不到了！")


def test_board_moderation_hides_until_approved():
    ctl().throttle("board", 0)
    ctl().moderation("board", True)
    b = Browser()
    r = board_submit(b, title="待审核的留言")
    has(r.text, "审核")
    x = only_letter("board")
    eq(x["state"], "pending-approval")
    lacks(b.open(url("board", "/guestbook/")).text, "待审核的留言")
    has(b.open(url("board", x["detail_path"])).text, "审核中")
    eq(ctl().approve(x["id"])["state"], "待处理")
    has(b.open(url("board", "/guestbook/")).text, "待审核的留言")
    ctl().moderation("board", False)
    board_submit(b, title="第二条")
    eq(ctl().letters("board")[1]["state"], "待处理", "moderation off again")


def test_board_throttle_and_wrong_captcha():
    eq(ctl().settings()["sites"]["board"]["throttle_seconds"], 10, "default throttle")
    b = Browser()
    has(board_submit(b, title="第一条").text, "留言发表成功")
    r = board_submit(b, title="第二条")
    has(r.text, "请不要频繁发表留言")
    eq(len(ctl().letters("board")), 1, "throttled post not stored")
    ctl().throttle("board", 0.3)
    time.sleep(0.4)
    has(board_submit(b, title="第三条").text, "留言发表成功")
    time.sleep(0.4)
    r = board_submit(b, title="第四条", answer="999")
    has(r.text, "验证码错误")
    eq(len(ctl().letters("board")), 2)


# ---------------------------------------------------------------- control API

def test_control_clock_fixed_ticking_and_real():
    c = ctl()
    out = c.clock("2026-01-30 23:59:58")
    eq(set(out["now"].values()), {"2026-01-30 23:59:58"}, "all sites")
    c.clock("2026-01-30 23:59:59", site="board", tick=True)
    time.sleep(1.1)
    got = c.call("GET", "/api/clock")["now"]
    check(got["board"] >= "2026-01-31 00:00:00", "ticking clock advanced: %s" % got["board"])
    eq(got["hanweb"], "2026-01-30 23:59:58", "fixed clock stays")
    c.clock(None)
    check(c.call("GET", "/api/clock")["now"]["gbk"][:2] == "20", "real clock")
    try:
        c.clock("March 2")
        raise Fail("a bad time must be refused")
    except ControlError as e:
        eq(e.status, 400)


def test_control_letter_create_state_and_errors():
    c = ctl()
    x = c.create("hanweb", title="种子信件", content="c", name="n", phone="13800000000",
                 submitted_at="2026-02-27 18:00:00", reply={"date": "2026-03-02", "unit": "u", "text": "t"})
    eq((x["submitted_at"], x["state"], x["reply"]["date"]), ("2026-02-27 18:00:00", "已回复", "2026-03-02 00:00:00"))
    eq(c.set_state(x["id"], "待处理")["state"], "待处理")
    check([e["what"] for e in c.letter(x["id"])["events"]] == ["submitted", "reply", "state"], "events kept")
    for call, status in ((lambda: c.letter("hanweb-999"), 404), (lambda: c.reply(x["id"], None, "", ""), 400),
                         (lambda: c.set_state(x["id"], "lost"), 400), (lambda: c.letters("nosuch"), 400),
                         (lambda: c.fail("hanweb", "boom", count=1), 400), (lambda: c.fail("hanweb", "500"), 400),
                         (lambda: c.call("POST", "/api/nothing", {}), 404)):
        try:
            call()
            raise Fail("must fail with %d" % status)
        except ControlError as e:
            eq(e.status, status)
    eq(c.health()["ports"], SITES.ports, "health lists the ports")


def test_fail_500_for_k_requests():
    ctl().fail("hanweb", "500", count=2)
    b = Browser()
    eq(b.open(url("hanweb", "/")).status, 500)
    has(b.open(url("hanweb", "/")).text, "500 Internal Server Error")
    eq(b.open(url("hanweb", "/")).status, 200, "healthy after K requests")
    eq(b.open(url("gbk", "/"), charset="gbk").status, 200, "other sites unaffected")


def test_fail_waf_403_and_200():
    ctl().fail("gbk", "waf", count=1)
    r = Browser().open(url("gbk", "/mail/list.jsp"))
    eq(r.status, 403)
    has(r.text, "访问被拦截")
    has(r.text, "安全验证")
    ctl().fail("spa", "waf", count=1, status=200)
    r = Browser().open(url("spa", "/api/letters"))
    eq(r.status, 200)
    has(r.text, "访问被拦截")
    eq(Browser().open(url("spa", "/api/letters")).json()["code"], 0, "healthy again")


def test_fail_slow_answer():
    ctl().fail("board", "slow", count=1, delay=1.0)
    t0 = time.monotonic()
    r = Browser().open(url("board", "/guestbook/"))
    took = time.monotonic() - t0
    eq(r.status, 200, "slow but answered")
    check(took >= 0.95, "took %.2fs, want >= 1s" % took)
    ctl().fail("board", "slow", count=1, delay=3)
    try:
        Browser().open(url("board", "/guestbook/"), timeout=0.5)
        raise Fail("a client with a short timeout must time out")
    except (socket.timeout, TimeoutError, urllib.error.URLError):
        pass


def test_fail_reset_connection():
    ctl().fail("iframe-platform", "reset", count=1)
    try:
        Browser().open(url("iframe-platform", "/mailbox/query"))
        raise Fail("a reset connection must raise")
    except (ConnectionError, urllib.error.URLError, http.client.HTTPException):
        pass
    eq(Browser().open(url("iframe-platform", "/mailbox/query")).status, 200, "healthy after one request")


def test_fail_for_a_period_then_off():
    ctl().fail("iframe", "500", seconds=0.6)
    eq(Browser().open(url("iframe-city", "/")).status, 500)
    eq(Browser().open(url("iframe-platform", "/")).status, 500, "iframe means both servers")
    eq(Browser().open(url("iframe-city", "/")).status, 500, "still inside the period")
    fl = ctl().settings()["failures"]
    check(0 < fl["iframe-city"]["remaining_seconds"] <= 0.6, "remaining seconds reported")
    time.sleep(0.7)
    eq(Browser().open(url("iframe-city", "/")).status, 200, "healthy after the period")
    ctl().fail("hanweb", "waf", seconds=30)
    eq(Browser().open(url("hanweb", "/")).status, 403)
    ctl().fail("hanweb", "off")
    eq(Browser().open(url("hanweb", "/")).status, 200, "fail off clears it")


def test_reset_clears_everything():
    c = ctl()
    c.create("gbk", title="t")
    c.captcha("gbk", "9999")
    c.moderation("board", True)
    c.fail("spa", "500", count=5)
    c.clock("2026-03-02 09:30:00")
    c.reset()
    eq(c.letters(), [])
    s = c.settings()
    eq((s["sites"]["gbk"]["captcha_override"], s["sites"]["board"]["moderation"], s["failures"], s["sites"]["gbk"]["clock"]),
       (None, False, {}, None))
    eq(c.create("gbk", title="t")["id"], "gbk-1", "numbering restarts")


def test_ctl_cli():
    port = str(SITES.ports["control"])
    ctlpy = os.path.join(HERE, "ctl.py")

    def run(*args):
        p = subprocess.run([sys.executable, ctlpy, "--control", port] + list(args), capture_output=True,
                           timeout=10, text=True)
        return p.returncode, p.stdout, p.stderr

    code, out, _ = run("captcha", "--site", "hanweb", "--set", "1234")
    eq((code, json.loads(out)["override"]), (0, "1234"))
    hanweb_submit(Browser(), captcha="1234")
    code, out, _ = run("list", "--site", "hanweb")
    letter = json.loads(out)[0]
    code, out, _ = run("reply", letter["id"], "--date", "2026-03-03 10:00:00", "--unit", "市政府办公室", "--text", "已阅")
    eq((code, json.loads(out)["reply"]["unit"]), (0, "市政府办公室"))
    eq(run("fail", "--site", "gbk", "--mode", "500", "--count", "3")[0], 0)
    eq(Browser().open(url("gbk", "/")).status, 500)
    eq(run("fail", "--site", "gbk", "--mode", "off")[0], 0)
    eq(run("clock", "--site", "spa", "2026-03-02 09:30:00")[0], 0)
    eq(run("delete", letter["id"])[0], 0)
    code, _, err = run("show", "hanweb-404")
    eq(code, 1, "API error exit code")
    has(err, "no letter")
    eq(run("reset")[0], 0)
    eq(ctl().letters(), [])
    eq(run("bogus")[0], 2, "usage error")


# ---------------------------------------------------------------- process

def test_restart_keeps_letters_and_settings():
    state = tempfile.mkdtemp(prefix="huixin-sites-test-")
    with Sites(state_dir=state, keep_state=True) as s1:
        b = Browser()
        s1.ctl.captcha("hanweb", "4321")
        s1.ctl.moderation("board", True)
        x = s1.ctl.create("spa", title="重启前的信", content="c")
        s1.ctl.reply(x["id"], "2026-03-03 10:00:00", "u", "t")
        eq(b.open(s1.url("spa", "/api/letters/query?code=" + x["query_code"])).json()["code"], 0)
    with Sites(state_dir=state) as s2:
        y = s2.ctl.letter(x["id"])
        eq((y["title"], y["query_code"], y["reply"]["unit"]), ("重启前的信", x["query_code"], "u"))
        eq(s2.ctl.captcha("hanweb")["override"], "4321")
        eq(s2.ctl.settings()["sites"]["board"]["moderation"], True)
        eq(s2.ctl.create("spa", title="second")["id"], "spa-2", "sequence continues")
        look = Browser().open(s2.url("spa", "/api/letters/query?code=" + x["query_code"])).json()
        eq(look["data"]["replyUnit"], "u")
    shutil.rmtree(state, ignore_errors=True)


def test_sigterm_stops_cleanly_and_ports_file():
    state = tempfile.mkdtemp(prefix="huixin-sites-test-")
    ports_file = os.path.join(state, "ports.json")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--state", state,
                          "--ports-file", ports_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline()
        ports = json.loads(line)
        eq(sorted(ports), sorted(["control", "hanweb", "gbk", "spa", "iframe-city", "iframe-platform", "board"]))
        with open(ports_file) as f:
            eq(json.load(f), ports, "ports file matches stdout")
        for name, port in ports.items():
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
                pass
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=10)
        eq(code, 0, "exit status after SIGTERM")
        check(time.monotonic() - t0 < 5, "stopped promptly")
        eq(p.stderr.read(), b"", "quiet by default")
        with open(os.path.join(state, "sites.json"), encoding="utf-8") as f:
            check("letters" in json.load(f), "state saved")
        eq([n for n in os.listdir(state) if n.endswith(".tmp")], [], "no temp files left")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()
        shutil.rmtree(state, ignore_errors=True)


def test_sigint_and_busy_port():
    with Sites() as s:
        p = subprocess.run([sys.executable, os.path.join(HERE, "server.py"), "--base-port",
                            str(s.ports["control"])], capture_output=True, timeout=10, text=True)
        eq(p.returncode, 1, "a taken port is an error")
        has(p.stderr, "cannot bind")
        s.proc.send_signal(signal.SIGINT)
        eq(s.proc.wait(timeout=10), 0, "exit status after SIGINT")


# ---------------------------------------------------------------- runner

def main(argv):
    global SITES
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if argv:
        tests = [(n, f) for n, f in tests if any(a in n for a in argv)]
    passed = failed = 0
    t_all = time.monotonic()
    SITES = Sites().start()
    try:
        for name, fn in tests:
            t0 = time.monotonic()
            try:
                SITES.ctl.reset()
                fn()
            except Exception as e:  # noqa: BLE001 - a test runner reports everything
                failed += 1
                where = traceback.extract_tb(e.__traceback__)
                line = next((fr.lineno for fr in reversed(where) if fr.filename == __file__), "?")
                print("FAIL %s (line %s): %s: %s" % (name, line, type(e).__name__, e))
            else:
                passed += 1
                print("ok   %s (%.2fs)" % (name, time.monotonic() - t0))
    finally:
        SITES.stop()
        SITES.cleanup()
    print("# %.1fs" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
