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


def guestbook_post(b, content="请问县城什么时候通燃气？", title="燃气管道", captcha=None, xhr=True, load=True):
    """The page's XHR: load the list page and the captcha image (one session), then POST /?message/."""
    if load:
        b.open(url("guestbook", "/?gbook/"))
        img = b.open(url("guestbook", "/core/code.php"))
        check(img.body.startswith(b"\x89PNG"), "captcha is a PNG image")
    answer = captcha if captcha is not None else current_captcha("guestbook")
    headers = {"X-Requested-With": "XMLHttpRequest"} if xhr else {}
    return b.open(url("guestbook", "/?message/"), {"contacts": "李梅", "mobile": "13512345678", "title": title,
                                                   "content": content, "checkcode": answer}, headers)


def gbook_items(page_text):
    """The message blocks of a guestbook list page, in page order."""
    lst = page_text[page_text.index('<div class="gbook-list"'):page_text.index('<div class="pagebar"')]
    return lst.split('<div class="gbook-item">')[1:]


def gbook_seed(n, day0=1, **extra):
    """n approved messages, message i submitted 2026-01-(day0+i) 10:00: the later i, the newer."""
    return [ctl().create("guestbook", title="留言%02d" % i, content="内容%02d" % i, name="网友%02d" % i,
                         submitted_at="2026-01-%02d 10:00:00" % (day0 + i), state="approved", **extra)
            for i in range(n)]


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


def imap_session(tls=True):
    """An imaplib client on the fixture mailbox, over TLS trusting the committed certificate, logged in."""
    import imap
    import imaplib
    import ssl
    if tls:
        ctx = ssl.create_default_context(cafile=os.path.join(HERE, "tls-selfsigned.pem"))
        m = imaplib.IMAP4_SSL("127.0.0.1", SITES.ports["imaps"], ssl_context=ctx, timeout=TIMEOUT)
    else:
        m = imaplib.IMAP4("127.0.0.1", SITES.ports["imap"], timeout=TIMEOUT)
    m.login(imap.USER, imap.PASSWORD)
    eq(m.select("INBOX")[0], "OK", "SELECT INBOX")
    return m


def test_hanweb_mail_code_mails_code_and_reply_over_imap():
    import email
    import email.header
    import imaplib
    ctl().clock("2026-03-02 09:30:00", "hanweb")
    ctl().mail_code("hanweb", True)
    r = hanweb_submit(Browser())
    x = only_letter("hanweb")
    has(r.text, '<span id="mailnumber" class="code">%s</span>' % x["number"])
    lacks(r.text, x["query_code"], "the success page does not show the query code")
    has(r.text, "查询码已发送至您的电子邮箱")
    check(x["mailed"], "the letter is marked as mailed")
    m = imap_session()
    typ, data = m.uid("SEARCH", None, "SINCE", "1-Mar-2026")
    eq((typ, data[0].split()), ("OK", [b"1"]), "one mail since the day before")
    eq(m.uid("SEARCH", None, "SINCE", "3-Mar-2026")[1][0], b"", "none since the day after (its INTERNALDATE "
                                                                 "is the site's day)")
    typ, data = m.uid("FETCH", "1", "(BODY[])")
    msg = email.message_from_bytes(data[0][1])
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    eq(subject, "信件受理通知", "GBK subject")
    has(msg["Subject"], "=?GBK?B?", "the subject is an encoded word")
    eq(msg["To"], "zw@example.com", "mailed to the letter's address")
    body = msg.get_payload(decode=True).decode("gbk")
    has(body, "查询码：%s" % x["query_code"], "the mail holds the query code")
    has(body, x["title"], "and the letter's title")
    ctl().reply(x["id"], "2026-03-03 10:00:00", "宝川市交通运输局", "已转交办理。")
    typ, data = m.uid("SEARCH", None, "ALL")
    eq(data[0].split(), [b"1", b"2"], "the reply is mailed too")
    msg = email.message_from_bytes(m.uid("FETCH", "2", "(BODY[])")[1][0][1])
    eq(msg.get_content_type(), "multipart/alternative", "the reply is multipart/alternative")
    plain = msg.get_payload()[0]
    eq(plain.get("Content-Transfer-Encoding"), "base64", "base64 body")
    has(plain.get_payload(decode=True).decode("gbk"), "已转交办理。", "the reply's text")
    eq(msg["Date"], "Tue, 03 Mar 2026 10:00:00 +0800", "dated by the reply")
    m.logout()
    m = imap_session(tls=False)  # the plain port serves the same mailbox
    eq(m.uid("SEARCH", None, "ALL")[1][0].split(), [b"1", b"2"], "plain IMAP: the same mailbox")
    m.logout()
    import imap as imap_mod
    bad = imaplib.IMAP4("127.0.0.1", SITES.ports["imap"], timeout=TIMEOUT)
    try:
        bad.login(imap_mod.USER, "wrong")
        check(False, "a wrong password is refused")
    except imaplib.IMAP4.error as e:
        has(str(e), "AUTHENTICATIONFAILED")
    bad.logout()
    ctl().mail_code("hanweb", False)


def test_hanweb_mail_code_needs_an_email():
    ctl().mail_code("hanweb", True)
    b = Browser()
    b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1"))
    b.open(url("hanweb", "/jact/front/checkcode.do?sysid=1"))
    r = b.open(url("hanweb", "/jact/front/mailsubmit.do"), {
        "sysid": "1", "username": "张伟", "mobile": "13800138000", "email": "", "mailtype": "1", "leader": "2",
        "title": "t", "content": "c", "ispublic": "1", "checkcode": current_captcha("hanweb").lower()})
    has(r.text, "请填写正确的电子邮箱")
    eq(ctl().letters("hanweb"), [], "nothing stored")
    eq(ctl().mails(), [], "nothing mailed")
    ctl().mail_code("hanweb", False)


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


def hanweb_write_link(b):
    """The home page's 我要写信 link (the <a> element's text), and the write form's opening tag."""
    home = b.open(url("hanweb", "/")).text
    link = re.search(r"<a [^>]*>进入写信页面</a>", home)
    form = re.search(r"<form id=\"mailform\"[^>]*>", b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).text)
    check(link and form, "home has the 我要写信 link and the write page its form")
    return link.group(0), form.group(0)


def test_hanweb_new_window_switch():
    b = Browser()
    eq(ctl().settings()["sites"]["hanweb"]["new_window"], "off", "off by default")
    off = hanweb_write_link(b)
    eq(off, ('<a href="/jact/front/mailwrite.do?sysid=1">进入写信页面</a>',
             '<form id="mailform" name="mailform" method="post" action="/jact/front/mailsubmit.do">'),
       "off: the same window, as before")
    want = {"blank": ('href="/jact/front/mailwrite.do?sysid=1" target="_blank"', None),
            "window": ("window.open('/jact/front/mailwrite.do?sysid=1');", "_blank"),
            "noopener": ("window.open('/jact/front/mailwrite.do?sysid=1', '_blank', 'noopener')", None),
            "form": (None, None)}
    for mode, (in_link, not_in_link) in want.items():
        eq(ctl().windows("hanweb", mode)["sites"]["hanweb"]["new_window"], mode, "the setting is shown")
        link, form = hanweb_write_link(b)
        if in_link:
            has(link, in_link, mode + ": the link")
            eq(form, off[1], mode + ": the form posts into its own window")
        else:
            eq(link, off[0], mode + ": the link opens the same window")
            has(form, ' target="_blank"', mode + ": the form posts into a new window")
        if not_in_link:
            lacks(link, not_in_link, mode + ": window.open without a target or features")
    r = hanweb_submit(b, captcha=None)  # the server side of a submission does not change
    has(r.text, "信件提交成功")
    for site, mode in (("hanweb", "tab"), ("hanweb", None), ("board", "blank"), ("nosuch", "blank")):
        try:
            ctl().windows(site, mode)
            raise Fail("windows %s %r must be refused" % (site, mode))
        except ControlError as e:
            eq(e.status, 400)
    eq(ctl().settings()["sites"]["hanweb"]["new_window"], "form", "a refused mode changes nothing")
    code = subprocess.run([sys.executable, os.path.join(HERE, "ctl.py"), "--control", str(SITES.ports["control"]),
                           "windows", "--site", "hanweb", "blank"], capture_output=True, timeout=10, text=True)
    eq((code.returncode, json.loads(code.stdout)["sites"]["hanweb"]["new_window"]), (0, "blank"), "ctl.py windows")
    ctl().reset()
    eq(hanweb_write_link(b), off, "reset: back to off")


def hanweb_post(b, **extra):
    """The write page (a session and its captcha), then the post with the current answer and extra."""
    b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1"))
    form = {"sysid": "1", "username": "张伟", "mobile": "13800138000", "mailtype": "1", "leader": "2",
            "title": "短信验证码测试", "content": "您好：请问如何办理？", "ispublic": "1",
            "checkcode": current_captcha("hanweb") or ""}
    form.update(extra)
    return b.open(url("hanweb", "/jact/front/mailsubmit.do"), form)


def test_hanweb_sms_gate():
    b = Browser()
    eq(ctl().settings()["sites"]["hanweb"]["sms_gate"], False, "off by default")
    lacks(b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).text, "smscode", "off: no SMS row")
    eq(ctl().sms("hanweb", on=True)["gate"], True, "the switch is shown")
    page = b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).text
    has(page, 'id="smscode"')
    has(page, "获取验证码")
    eq(ctl().sms("hanweb")["current"], None, "no code before one is asked for")
    has(hanweb_post(b, smscode="123456").text, "短信验证码错误", "a code never sent is refused")
    sent = b.open(url("hanweb", "/jact/front/sendsms.do"), {"mobile": "13800138000"}).json()
    eq(sent["ok"], True)
    has(sent["msg"], "138****8000", "the answer names the phone, masked")
    got = ctl().sms("hanweb", phone="13800138000")
    check(re.fullmatch(r"[0-9]{6}", got["current"] or ""), "the control API reveals the 6-digit code")
    eq(ctl().call("GET", "/api/captcha?site=hanweb&kind=sms")["current"], got["current"], "also as kind=sms")
    wrong = got["current"][:-1] + str((int(got["current"][-1]) + 1) % 10)
    has(hanweb_post(b, smscode=wrong).text, "短信验证码错误", "a wrong code is refused")
    eq(ctl().letters("hanweb"), [], "nothing stored after a wrong code")
    has(hanweb_post(b, smscode=got["current"], mobile="13900000000").text, "短信验证码错误",
        "a code sent to another phone is refused")
    has(hanweb_post(b, smscode=got["current"]).text, "信件提交成功", "the right code passes")
    eq(len(ctl().letters("hanweb")), 1)
    has(hanweb_post(b, smscode=got["current"]).text, "短信验证码错误", "a code is used up")
    eq(b.open(url("hanweb", "/jact/front/sendsms.do"), {"mobile": "12"}).json()["ok"], False, "a bad phone")
    code = subprocess.run([sys.executable, os.path.join(HERE, "ctl.py"), "--control", str(SITES.ports["control"]),
                           "sms", "--site", "hanweb", "off"], capture_output=True, timeout=10, text=True)
    eq((code.returncode, json.loads(code.stdout)["gate"]), (0, False), "ctl.py sms")
    try:
        ctl().sms("board", on=True)
        raise Fail("sms on board must be refused")
    except ControlError as e:
        eq(e.status, 400)


def test_hanweb_question_captcha():
    b = Browser()
    eq(ctl().settings()["sites"]["hanweb"]["question_captcha"], False, "off by default")
    has(b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).text, 'id="checkcodeimg"', "off: the image")
    ctl().question("hanweb", True)
    page = b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).text
    lacks(page, 'id="checkcodeimg"', "on: no image")
    m = re.search(r'id="checkquestion"[^>]*>([1-9])\+([1-9])=\?<', page)
    check(m, "on: the question is text")
    eq(current_captcha("hanweb"), str(int(m.group(1)) + int(m.group(2))), "its answer is the sum")
    r = b.open(url("hanweb", "/jact/front/mailsubmit.do"), {
        "sysid": "1", "username": "张伟", "mobile": "13800138000", "mailtype": "1", "leader": "2", "title": "算术",
        "content": "内容", "ispublic": "1", "checkcode": str(int(m.group(1)) + int(m.group(2)))})
    has(r.text, "信件提交成功", "the sum passes")


def test_hanweb_login_wall():
    b = Browser()
    write = url("hanweb", "/jact/front/mailwrite.do?sysid=1")
    eq(ctl().login_wall("hanweb")["on"], False, "off by default")
    eq(b.open(write).status, 200, "off: the write page is open")
    eq(ctl().login_wall("hanweb", on=True)["on"], True)
    r = b.open(write)
    eq(r.status, 302, "on: the write page redirects")
    has(r.headers["Location"], "/sso/login?next=%2Fjact%2Ffront%2Fmailwrite.do%3Fsysid%3D1")
    eq(b.open(url("hanweb", "/jact/front/mailquery.do?sysid=1")).status, 302, "so does the query page")
    eq(b.open(url("hanweb", "/jact/front/mailsubmit.do"), {"title": "x"}).status, 302, "and the submission")
    eq(ctl().letters("hanweb"), [], "nothing stored without a login")
    eq(b.open(url("hanweb", "/jact/front/mailpublist.do?sysid=1")).status, 200, "the public list stays open")
    form = b.open(url("hanweb", "/sso/login?next=%2Fjact%2Ffront%2Fmailwrite.do%3Fsysid%3D1")).text
    has(form, 'id="loginform"')
    has(b.open(url("hanweb", "/sso/login"), {"loginname": "zhangsan", "loginpwd": "wrong"}).text, "用户名或密码错误")
    r = b.open(url("hanweb", "/sso/login?next=%2Fjact%2Ffront%2Fmailwrite.do%3Fsysid%3D1"),
               {"loginname": "zhangsan", "loginpwd": "Test@1234"})
    eq(r.status, 302, "a right login redirects")
    eq(r.headers["Location"], "/jact/front/mailwrite.do?sysid=1", "to next")
    cookie = r.headers["Set-Cookie"]
    check("HXSSO=" in cookie and "Max-Age" not in cookie and "Expires" not in cookie, "a session cookie: " + cookie)
    page = b.open(write)
    eq(page.status, 200, "logged in: the write page opens")
    has(page.text, 'id="logout"')
    has(b.open(url("hanweb", "/sso/user")).text, "欢迎您，张三")
    eq(b.open(url("hanweb", "/sso/login?next=%2F%2Fevil.example")).headers["Location"], "/sso/user",
       "next must be a path on the site")
    got = ctl().login_wall("hanweb")
    eq((got["live"], got["made"]), (1, 1))
    eq(ctl().login_wall("hanweb", expire=True)["expired"], 1, "expire ends every login")
    eq(b.open(write).status, 302, "after expiry the write page asks for a login again")
    try:
        ctl().login_wall("board", on=True)
        raise Fail("login_wall on board must be refused")
    except ControlError as e:
        eq(e.status, 400)


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


# ---------------------------------------------------------------- guestbook

def test_guestbook_xhr_post_answers_in_json_for_an_alert():
    ctl().clock("2026-03-02 09:30:00", "guestbook")
    b = Browser()
    page = b.open(url("guestbook", "/?gbook/"))
    eq(page.status, 200)
    has(page.text, "临溪县人民政府")
    has(page.headers["Set-Cookie"], "PHPSESSID=")
    for needle in ('<form id="gbook-form"', 'action="/?message/"', 'name="contacts"', 'name="mobile"',
                   'name="title"', 'name="content"', 'name="checkcode"', '<img src="/core/code.php" id="codeimg"',
                   "X-Requested-With", "alert(r.data)", "form.reset()"):
        has(page.text, needle)
    lacks(page.text, "location.href", "the page never navigates after posting")
    check(page.text.index('id="gbook-list"') < page.text.index('id="gbook-form"'), "form below the list")
    r = guestbook_post(b)
    eq(r.status, 200)
    eq(r.json(), {"code": 1, "data": "提交成功，请等待管理员审核！", "tourl": "-1", "rowtotal": 1}, "moderated answer")
    x = only_letter("guestbook")
    eq((x["name"], x["phone"], x["title"], x["content"], x["state"], x["submitted_at"], x["detail_path"]),
       ("李梅", "13512345678", "燃气管道", "请问县城什么时候通燃气？", "pending-approval", "2026-03-02 09:30:00", ""))
    lacks(r.text, x["query_code"], "no code in the answer (nor a number: the JSON above is all of it)")
    ctl().moderation("guestbook", False)
    ctl().throttle("guestbook", 0)
    eq(guestbook_post(b, content="第二条").json()["data"], "提交成功！", "moderation off")
    eq(ctl().letters("guestbook")[1]["state"], "待处理")
    for kw, want in (({"captcha": ""}, "验证码不能为空！"), ({"captcha": "ABCD"}, "验证码错误！"),
                     ({"content": ""}, "内容不能为空！")):
        eq(guestbook_post(b, **kw).json(), {"code": 0, "data": want, "tourl": "", "rowtotal": 1}, str(kw))
    eq(len(ctl().letters("guestbook")), 2, "refused posts are not stored")
    r = guestbook_post(b, content="不用XHR", xhr=False)
    has(r.text, 'alert("提交成功！");window.history.go(-1);', "a plain form post gets an alert page")
    r = b.open(url("guestbook", "/?message/"))
    has(r.text, "请使用POST方式提交")
    eq(b.open(url("guestbook", "/?about/")).status, 404)


def test_guestbook_captcha_is_new_on_every_image_load():
    b = Browser()
    b.open(url("guestbook", "/?gbook/"))
    b.open(url("guestbook", "/core/code.php"))
    first = current_captcha("guestbook")
    check(re.fullmatch(r"\d{4}", first), "4 digits: %r" % first)
    for _ in range(5):  # a reload may draw the same digits by chance; five in a row all equal is a bug
        b.open(url("guestbook", "/core/code.php?%d" % _))
        if current_captcha("guestbook") != first:
            break
    else:
        raise Fail("every load of the image makes a new code")
    eq(guestbook_post(b, captcha=first, load=False).json()["data"], "验证码错误！", "the old code is gone")
    eq(guestbook_post(b, load=True).json()["code"], 1, "the current code is accepted")


def test_guestbook_moderation_hides_until_approved():
    eq(ctl().settings()["sites"]["guestbook"]["moderation"], True, "on by default")
    gbook_seed(2)
    b = Browser()
    guestbook_post(b, content="审核中的留言 tok-7781")
    x = ctl().letters("guestbook")[-1]
    eq(x["state"], "pending-approval")
    lacks(b.open(url("guestbook", "/?gbook/")).text, "tok-7781", "pending is not listed")
    ctl().approve(x["id"])
    items = gbook_items(b.open(url("guestbook", "/?gbook/")).text)
    has(items[0], "tok-7781", "approved: listed, newest first")
    eq(len(items), 3)


def test_guestbook_newest_first_paging_and_pager():
    gbook_seed(12)
    b = Browser()
    p1 = b.open(url("guestbook", "/?gbook/")).text
    eq([re.search(r"留言(\d\d)", i).group(1) for i in gbook_items(p1)], ["11", "10", "09", "08", "07"], "page 1")
    has(gbook_items(p1)[0], '<span class="gbook-time">留言时间：2026-01-12 10:00:00</span>')
    has(p1, "<span class='page-status'>共12条 当前1/3页</span>")
    has(p1, "<span class='page-pre'><a href='javascript:;'>上一页</a></span>", "no previous page")
    has(p1, "<span class='page-next'><a href='/?gbook_2/'>下一页</a></span>")
    has(p1, '<a href="/?gbook_3/" class="page-num">3</a>')
    has(p1, "<span class='page-last'><a href='/?gbook_3/'>尾页</a></span>")
    p2 = b.open(url("guestbook", "/?gbook_2/")).text
    eq([re.search(r"留言(\d\d)", i).group(1) for i in gbook_items(p2)], ["06", "05", "04", "03", "02"], "page 2")
    lacks(p2, 'id="gbook-form"', "the form is on page 1 only")
    p3 = b.open(url("guestbook", "/?gbook_3/")).text
    eq(len(gbook_items(p3)), 2)
    has(p3, "<span class='page-next'><a href='javascript:;'>下一页</a></span>", "last page: next goes nowhere")
    has(p3, '<a href="/?gbook_3/" class="page-num page-num-current">3</a>')
    has(p3, "<span class='page-pre'><a href='/?gbook_2/'>上一页</a></span>")
    beyond = b.open(url("guestbook", "/?gbook_9/"))
    eq(beyond.status, 200, "beyond the end")
    has(beyond.text, '<div class="gbook-empty">暂无留言</div>')
    eq(gbook_items(beyond.text), [])
    ctl().clock("2026-02-01 08:00:00", "guestbook")  # newer than every seeded message
    ctl().throttle("guestbook", 0)
    for i in range(8):
        guestbook_post(b, content="新留言%d" % i + (" tok-5150" if i == 0 else ""))
        ctl().approve(ctl().letters("guestbook")[-1]["id"])
    has(b.open(url("guestbook", "/?gbook_2/")).text, "留言10", "older messages roll over to later pages")
    has(b.open(url("guestbook", "/?gbook_3/")).text, "留言05")
    lacks(b.open(url("guestbook", "/?gbook/")).text, "tok-5150")
    has(b.open(url("guestbook", "/?gbook_2/")).text, "tok-5150", "8 newer: the first post is on page 2")
    has(b.open(url("guestbook", "/?gbook_4/")).text, "<span class='page-next'><a href='javascript:;'>下一页</a>")
    ctl().reset()
    empty = Browser().open(url("guestbook", "/?gbook/")).text
    has(empty, "暂无留言")
    has(empty, "未查询到任何数据!")


def test_guestbook_seeding_pushes_a_letter_to_page_3():
    letter = ctl().create("guestbook", title="要找的留言", content="tok-3333", name="王", state="approved",
                          submitted_at="2026-01-20 10:00:00")
    eq(letter["state"], "待处理", "approved seed is published")
    gbook_seed(15, day0=1)                  # older: below it
    gbook_seed(10, day0=21)                 # newer: above it, two full pages
    b = Browser()
    for n, want in ((1, False), (2, False), (3, True)):
        page = b.open(url("guestbook", "/?gbook_%d/" % n if n > 1 else "/?gbook/")).text
        eq("tok-3333" in page, want, "page %d" % n)
    eq(ctl().create("guestbook", title="p", content="c", state="pending")["state"], "pending-approval")
    try:
        ctl().create("guestbook", title="p", state="lost")
        raise Fail("a bad state must be refused")
    except ControlError as e:
        eq(e.status, 400)


def test_guestbook_reply_blocks_stay_with_their_message():
    xs = gbook_seed(3)
    ctl().reply(xs[1]["id"], "2026-02-03 16:20:05", "临溪县住房和城乡建设局", "燃气管网今年底通到城南。")
    items = gbook_items(Browser().open(url("guestbook", "/?gbook/")).text)
    eq(len(items), 3)
    has(items[1], "留言01")
    has(items[1], '<div class="gbook-reply"><div class="gbook-reply-text">管理员回复：燃气管网今年底通到城南。</div>')
    has(items[1], '<span class="gbook-reply-time">回复时间：2026-02-03 16:20:05</span>')
    has(items[1], '<span class="gbook-reply-unit">回复单位：临溪县住房和城乡建设局</span>')
    for i in (0, 2):
        lacks(items[i], "管理员回复", "no reply in a neighbour")
        lacks(items[i], "回复时间")
    ctl().reply(xs[2]["id"], "2026-02-04 09:00:00", "临溪县交通运输局", "<已转办>")
    items = gbook_items(Browser().open(url("guestbook", "/?gbook/")).text)
    has(items[0], "管理员回复：&lt;已转办&gt;")
    has(items[0], "回复时间：2026-02-04 09:00:00")
    lacks(items[0], "2026-02-03 16:20:05")


def test_guestbook_deleted_and_spam_just_disappear():
    xs = gbook_seed(7)
    b = Browser()
    has(b.open(url("guestbook", "/?gbook/")).text, "留言06")
    has(b.open(url("guestbook", "/?gbook_2/")).text, "留言01")
    ctl().delete(xs[6]["id"])
    ctl().spam(xs[5]["id"])
    p1 = b.open(url("guestbook", "/?gbook/"))
    eq(p1.status, 200)
    lacks(p1.text, "留言06")
    lacks(p1.text, "留言05")
    has(p1.text, "留言01", "the list closes up")
    has(p1.text, "<span class='page-status'>共5条 当前1/1页</span>")
    eq(gbook_items(b.open(url("guestbook", "/?gbook_2/")).text), [], "page 2 is now past the end")


def test_guestbook_throttle_is_per_session():
    eq(ctl().settings()["sites"]["guestbook"]["throttle_seconds"], 10, "default throttle")
    a, b = Browser(), Browser()
    eq(guestbook_post(a, content="一").json()["code"], 1)
    r = guestbook_post(a, content="二").json()
    eq((r["code"], r["data"]), (0, "您提交太频繁了，请稍后再试！"), "same session within 10 s")
    eq(guestbook_post(b, content="三").json()["code"], 1, "another session is not throttled")
    eq(len(ctl().letters("guestbook")), 2)
    ctl().throttle("guestbook", 2)  # wide enough that two posts in a row land within it on a busy machine
    time.sleep(2.2)
    eq(guestbook_post(a, content="四").json()["code"], 1, "after the gap")
    eq(guestbook_post(a, content="五").json()["data"], "您提交太频繁了，请稍后再试！")


def test_guestbook_perpage():
    gbook_seed(7)
    eq(ctl().perpage("guestbook", 3)["sites"]["guestbook"]["per_page"], 3)
    b = Browser()
    eq(len(gbook_items(b.open(url("guestbook", "/?gbook/")).text)), 3)
    p3 = b.open(url("guestbook", "/?gbook_3/")).text
    eq(len(gbook_items(p3)), 1)
    has(p3, "当前3/3页")
    ctl().perpage("guestbook", 10)
    eq(len(gbook_items(b.open(url("guestbook", "/?gbook/")).text)), 7)
    for site, n in (("guestbook", 1), ("guestbook", 11), ("guestbook", "x"), ("board", 5)):
        try:
            ctl().perpage(site, n)
            raise Fail("perpage %s %r must be refused" % (site, n))
        except ControlError as e:
            eq(e.status, 400)


def test_fail_path_contains_hits_only_that_page():
    gbook_seed(7)
    out = ctl().fail("guestbook", "500", count=1, path_contains="gbook_2")
    eq(out["failures"]["guestbook"]["path_contains"], "gbook_2")
    b = Browser()
    eq(b.open(url("guestbook", "/?gbook/")).status, 200, "page 1 unaffected, not counted")
    eq(b.open(url("guestbook", "/core/code.php")).status, 200)
    eq(b.open(url("guestbook", "/?gbook_2/")).status, 500, "page 2 fails")
    eq(b.open(url("guestbook", "/?gbook_2/")).status, 200, "count used up")
    ctl().fail("guestbook", "reset", count=2, path_contains="gbook_2")
    eq(b.open(url("guestbook", "/?gbook/")).status, 200)
    try:
        b.open(url("guestbook", "/?gbook_2/"))
        raise Fail("a reset connection must raise")
    except (ConnectionError, urllib.error.URLError, http.client.HTTPException):
        pass
    ctl().fail("hanweb", "waf", seconds=30, path_contains="mailpublist")
    eq(b.open(url("hanweb", "/jact/front/mailwrite.do?sysid=1")).status, 200, "any server takes the filter")
    eq(b.open(url("hanweb", "/jact/front/mailpublist.do?sysid=1")).status, 403)
    ctl().fail("hanweb", "off")
    eq(b.open(url("hanweb", "/jact/front/mailpublist.do?sysid=1")).status, 200)


def test_ctl_cli_guestbook_verbs():
    port = str(SITES.ports["control"])

    def run(*args):
        p = subprocess.run([sys.executable, os.path.join(HERE, "ctl.py"), "--control", port] + list(args),
                           capture_output=True, timeout=10, text=True)
        return p.returncode, p.stdout

    code, out = run("perpage", "--site", "guestbook", "4")
    eq((code, json.loads(out)["sites"]["guestbook"]["per_page"]), (0, 4))
    eq(run("perpage", "--site", "guestbook", "40")[0], 1, "out of range")
    code, out = run("fail", "--site", "guestbook", "--mode", "waf", "--count", "1", "--path-contains", "gbook_3")
    eq((code, json.loads(out)["failures"]["guestbook"]["path_contains"]), (0, "gbook_3"))
    eq(Browser().open(url("guestbook", "/?gbook_2/")).status, 200)
    eq(Browser().open(url("guestbook", "/?gbook_3/")).status, 403)


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
    c.moderation("guestbook", False)
    c.perpage("guestbook", 9)
    c.fail("spa", "500", count=5)
    c.clock("2026-03-02 09:30:00")
    c.reset()
    eq(c.letters(), [])
    s = c.settings()
    eq((s["sites"]["gbk"]["captcha_override"], s["sites"]["board"]["moderation"], s["failures"], s["sites"]["gbk"]["clock"]),
       (None, False, {}, None))
    eq((s["sites"]["guestbook"]["moderation"], s["sites"]["guestbook"]["per_page"]), (True, 5), "family defaults")
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
        s1.ctl.perpage("guestbook", 7)
        x = s1.ctl.create("spa", title="重启前的信", content="c")
        s1.ctl.reply(x["id"], "2026-03-03 10:00:00", "u", "t")
        eq(b.open(s1.url("spa", "/api/letters/query?code=" + x["query_code"])).json()["code"], 0)
    with Sites(state_dir=state) as s2:
        y = s2.ctl.letter(x["id"])
        eq((y["title"], y["query_code"], y["reply"]["unit"]), ("重启前的信", x["query_code"], "u"))
        eq(s2.ctl.captcha("hanweb")["override"], "4321")
        eq(s2.ctl.settings()["sites"]["board"]["moderation"], True)
        eq(s2.ctl.settings()["sites"]["guestbook"]["per_page"], 7)
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
        eq(list(ports), ["control", "hanweb", "gbk", "spa", "iframe-city", "iframe-platform", "board", "guestbook",
                         "hanweb-https", "imap", "imaps"],
           "ports in their --base-port order")
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


def test_hanweb_over_https_self_signed():
    import ssl
    strict = ssl.create_default_context()
    try:
        with socket.create_connection(("127.0.0.1", SITES.ports["hanweb-https"]), timeout=TIMEOUT) as raw:
            with strict.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass
        check(False, "a verifying client refuses the self-signed certificate")
    except ssl.SSLCertVerificationError as e:
        has(str(e), "self-signed certificate")
    loose = ssl.create_default_context()
    loose.check_hostname, loose.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", SITES.ports["hanweb-https"]), timeout=TIMEOUT) as raw:
        with loose.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET /jact/front/mailwrite.do?sysid=1 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            body = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                body += chunk
    has(body.decode("utf-8", "replace"), "市长信箱")
    eq(SITES.url("hanweb-https", "/x"), "https://127.0.0.1:%d/x" % SITES.ports["hanweb-https"], "client URL is https")


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
