"""A message board (留言板): 梧川区人民政府 网民留言板.

Public list (newest first, paged by cursor ?last=ID) where an answered message shows "管理员回复：...";
optional moderation hides new messages until approved; a throttle answers "请不要频繁发表留言";
an arithmetic captcha bound to a hidden token; a deleted or spam message's page says "页面找不到了！"
with HTTP 404; a message awaiting approval says "该留言正在审核中" with HTTP 200.
"""
import random
import secrets

import common_html
import httpbase
from common_html import esc
from families.util import clean, multiline, raw_form

SITE = "board"
ID_BASE = 1000
PER_PAGE = 10
GONE = "页面找不到了！"


def namer(seq, now):
    return str(ID_BASE + seq), "/guestbook/view?id=%d" % (ID_BASE + seq)


CSS = """.msg{border:1px solid #e3d6d4;margin-bottom:14px;background:#fff}
.msg .mh{background:#fbf4f3;padding:8px 14px;border-bottom:1px solid #eddcda;display:flex}
.msg .mh b{color:#7f1b14;font-size:15px} .msg .mh span{margin-left:auto;color:#888;font-size:12px}
.msg .mb{padding:10px 14px} .msg .mr{margin:0 14px 12px;padding:8px 12px;background:#f4f8f1;border-left:3px solid #4b8a2c;color:#2f5d1a}
.msg .mr .rt{color:#888;font-size:12px} .pager{text-align:center;margin:16px 0}"""


def message_html(x, link=True):
    title = esc(x["title"])
    if link:
        title = '<a href="%s">%s</a>' % (esc(x["detail_path"]), title)
    reply = ""
    if x["reply"]:
        r = x["reply"]
        reply = '<div class="mr reply">管理员回复：%s<div class="rt">回复单位：%s　回复时间：%s</div></div>' % (
            multiline(r["text"]), esc(r["unit"]), esc(r["date"]))
    return ('<div class="msg" id="msg-%s"><div class="mh"><b>#%s %s</b><span>留言人：%s　留言时间：%s</span></div>'
            '<div class="mb">%s</div>%s</div>' % (x["number"], x["number"], title, esc(x["name"] or "游客"),
                                                  esc(x["submitted_at"]), multiline(x["content"]), reply))


class Handler(httpbase.SiteHandler):
    server_name = SITE
    family = SITE
    routes = {"/": "home", "/guestbook/": "listing", "/guestbook/index.html": "listing",
              "/guestbook/post": "post", "/guestbook/view": "view"}

    def out(self, title, body, status=200):
        # the national error-report widget, from another host (localhost, not 127.0.0.1) that never answers
        body += ('<script id="_jiucuo_" sitecode="wuchuan" src="http://localhost:%d/exposure/jiucuo.js"></script>'
                 % self.ctx.ports["control"])
        self.send_page(common_html.page(SITE, title, body, crumb=["首页", "互动交流", "网民留言板"],
                                        now=self.store.now(SITE), head_extra="<style>%s</style>" % CSS),
                       status=status)

    def home(self):
        self.redirect("/guestbook/")

    def form_html(self):
        token = secrets.token_hex(12)
        a, b = random.randint(1, 9), random.randint(1, 9)
        self.store.captcha_new(SITE, token)
        with self.store.lock:  # the answer of an arithmetic captcha is its sum (unless overridden)
            if not self.store.config(SITE)["captcha_override"]:
                self.store.sessions[(SITE, token)] = str(a + b)
                self.store.last_answer[SITE] = str(a + b)
        return """<h2 style="color:#7f1b14;font-size:18px;border-bottom:2px solid #a8251c;padding-bottom:6px">我要留言</h2>
<form id="postform" method="post" action="/guestbook/post"><input type="hidden" name="token" value="%s">
<table class="grid">
<tr><th><span class="req">*</span>昵称</th><td><input type="text" name="nickname" id="nickname" maxlength="20"></td></tr>
<tr><th>联系电话</th><td><input type="text" name="contact" id="contact" maxlength="20"> <span class="muted">（不公开）</span></td></tr>
<tr><th><span class="req">*</span>标题</th><td><input type="text" name="title" id="title" maxlength="50" style="width:560px"></td></tr>
<tr><th><span class="req">*</span>内容</th><td><textarea name="content" id="content"></textarea></td></tr>
<tr><th><span class="req">*</span>验证码</th><td><span id="question" style="font-size:16px;font-weight:bold;margin-right:8px">%d + %d = ?</span>
<input type="text" name="answer" id="answer" maxlength="4" style="width:80px"></td></tr></table>
<p class="center"><button type="submit" class="btn" id="postbtn">发表留言</button></p></form>""" % (token, a, b)

    def listing(self):
        rows = [x for x in reversed(self.store.letters(SITE, visible_only=True))]
        last = self.params.get("last", "")
        if last.isdigit():
            rows = [x for x in rows if int(x["number"]) < int(last)]
        shown = rows[:PER_PAGE]
        items = "".join(message_html(x) for x in shown) or '<p class="center muted">暂无留言</p>'
        pager = ""
        if len(rows) > PER_PAGE:
            pager = '<div class="pager"><a class="btn" id="nextpage" href="/guestbook/?last=%s">下一页</a></div>' % (
                shown[-1]["number"])
        body = ('<h1 class="title">网民留言板</h1><div class="notice">欢迎您就本区经济社会发展提出意见建议。'
                '请文明发言，理性表达，管理员将及时回复。</div><div id="msglist">%s</div>%s%s' % (
                    items, pager, self.form_html()))
        self.out("网民留言板", body)

    def post(self):
        if self.command != "POST":
            return self.out("我要留言", self.form_html())
        f = self.form()
        back = [("返回留言板", "/guestbook/")]
        now = self.store.now(SITE)
        if self.store.throttle_hit(SITE):
            return self.send_page(common_html.message(SITE, "提示", "请不要频繁发表留言！", "err", back, now=now))
        if not self.store.captcha_check(SITE, clean(f.get("token")), f.get("answer")):
            return self.send_page(common_html.message(SITE, "提示", "验证码错误，请重新输入！", "err", back, now=now))
        nickname, title, content = (clean(f.get(k)) for k in ("nickname", "title", "content"))
        if not (nickname and title and content):
            return self.send_page(common_html.message(SITE, "提示", "请填写昵称、标题和内容！", "err", back, now=now))
        self.store.throttle_mark(SITE)
        x = self.store.add_letter(SITE, {"name": nickname, "phone": clean(f.get("contact")), "title": title,
                                         "content": content, "type": "留言", "recipient": "区政府",
                                         "form": raw_form(f)})
        if x["state"] == "pending-approval":
            text = '留言已提交，需经管理员审核后才能显示。<br>留言编号：<span id="msgid" class="code">%s</span>' % x["number"]
        else:
            text = '留言发表成功！<br>留言编号：<span id="msgid" class="code">%s</span>' % x["number"]
        links = [("查看留言", x["detail_path"]), ("返回留言板", "/guestbook/")]
        self.send_page(common_html.message(SITE, "留言成功", text, "ok", links, now=now))

    def view(self):
        x = self.store.find(SITE, number=clean(self.params.get("id")))
        if not x or x["state"] in ("deleted", "spam"):
            return self.out("页面找不到了", '<div class="err" id="gone" style="margin:60px 0">%s</div>'
                                        '<p class="center muted">您访问的页面不存在或已被删除。</p>' % GONE, status=404)
        if x["state"] == "pending-approval":
            return self.out("留言详情", '<div class="err" style="margin:60px 0">该留言正在审核中，审核通过后显示。</div>')
        self.store.click(x["id"])
        self.out("留言详情", '<h1 class="title">留言详情</h1>' + message_html(x, link=False) +
                 '<p class="center"><a class="btn gray" href="/guestbook/">返回留言板</a></p>')
