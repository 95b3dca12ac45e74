"""A city page embedding a provincial mailbox platform in a cross-origin iframe.

iframe-city (鹭洲市人民政府) shows 书记信箱 and 信件查询 pages whose content is an <iframe> from
iframe-platform (江屿省政务服务网 统一信箱平台) on another port. The form, its image captcha (bound to a
hidden token, not a cookie) and the success message with the query code live inside the iframe.
"""
import secrets

import captcha
import common_html
import httpbase
from common_html import esc
from families.util import clean, is_public_visible, multiline, raw_form

SITE = "iframe"
TYPES = ("咨询", "投诉", "建议", "求助")
AREA = "360500"
NOT_FOUND = "未查询到该信件"


def namer(seq, now):
    number = "JY%s%06d" % (now.strftime("%Y%m%d"), seq)
    return number, "/mailbox/detail?letterNo=" + number


class CityHandler(httpbase.SiteHandler):
    server_name = "iframe-city"
    family = SITE
    routes = {"/": "home", "/index.html": "home", "/col/col1203/index.html": "mailbox",
              "/col/col1204/index.html": "query"}

    def platform(self, path):
        host = self.server.server_address[0]
        return "http://%s:%d%s" % (host, self.ctx.ports["iframe-platform"], path)

    def out(self, title, body):
        self.send_page(common_html.page("iframe-city", title, body, crumb=["首页", "互动交流", title],
                                        now=self.store.now(SITE)))

    def home(self):
        self.out("互动交流", """<h1 class="title">互动交流</h1><table class="grid">
<tr><th>书记信箱</th><td><a href="/col/col1203/index.html">给市委书记写信</a></td></tr>
<tr><th>信件查询</th><td><a href="/col/col1204/index.html">凭查询码查询办理情况</a></td></tr></table>""")

    def embed(self, title, intro, src, height):
        return """<h1 class="title">%s</h1><div class="notice">%s</div>
<iframe id="mailframe" name="mailframe" src="%s" width="100%%" height="%d" frameborder="0" scrolling="auto"
 style="border:1px solid #dde3ea" title="江屿省统一信箱平台"></iframe>""" % (esc(title), intro, esc(src), height)

    def mailbox(self):
        self.out("书记信箱", self.embed("书记信箱", "本栏目由江屿省统一政务咨询投诉平台提供支持。来信将在5个工作日内答复，节假日顺延。",
                                      self.platform("/mailbox/write?areaCode=%s&box=sjxx" % AREA), 900))

    def query(self):
        self.out("信件查询", self.embed("信件查询", "请输入提交信件时获得的查询码。",
                                      self.platform("/mailbox/query?areaCode=%s" % AREA), 700))


PLATFORM_CSS = """body{margin:0;background:#fff;font:14px/1.7 "Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;color:#333}
.ph{background:linear-gradient(90deg,#8a1c16,#b3261e);color:#fff;padding:10px 20px;font-size:17px;font-weight:bold;letter-spacing:2px}
.ph small{font-weight:normal;font-size:12px;margin-left:12px;opacity:.85;letter-spacing:0}
.pb{padding:16px 24px} a{color:#b3261e}
table.f{width:100%;border-collapse:collapse} table.f th,table.f td{border:1px solid #e2d3d1;padding:8px 10px;text-align:left}
table.f th{background:#fbf3f2;width:110px;font-weight:normal;color:#7a2a24;white-space:nowrap}
input[type=text],select,textarea{border:1px solid #cbb9b7;padding:6px 8px;font:inherit} input[type=text]{width:300px} textarea{width:100%;height:150px;box-sizing:border-box}
.btn{background:#b3261e;color:#fff;border:0;padding:8px 32px;font-size:15px;cursor:pointer;border-radius:2px}
.req{color:#d00} .ok{color:#1a7f37;font-size:20px;margin:10px 0} .err{color:#c8161e;font-size:16px;margin:16px 0}
.code{font:bold 20px Consolas,monospace;color:#c8161e} .pf{color:#999;font-size:12px;text-align:center;border-top:1px solid #eee;padding:8px}"""


def platform_page(title, body):
    return """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>%s_江屿省统一信箱平台</title>
<style>%s</style></head><body><div class="ph">江屿省统一政务咨询投诉平台<small>鹭洲市 · %s</small></div>
<div class="pb">%s</div><div class="pf">主办单位：江屿省人民政府办公厅　技术支持：江屿省大数据发展管理局　网站标识码：3600000001</div>
</body></html>""" % (esc(title), PLATFORM_CSS, esc(title), body)


def letter_table(x):
    r = x["reply"]
    rows = [("信件编号", esc(x["number"])), ("信件标题", esc(x["title"])), ("来信时间", esc(x["submitted_at"])),
            ("信件类型", esc(x["type"])), ("办理状态", common_html.state_label(x["state"])),
            ("来信内容", multiline(x["content"]))]
    if r:
        rows += [("答复单位", esc(r["unit"])), ("答复时间", esc(r["date"])), ("答复内容", multiline(r["text"]))]
    return '<table class="f" id="letter">%s</table>' % "".join(
        '<tr><th>%s</th><td>%s</td></tr>' % row for row in rows)


class PlatformHandler(httpbase.SiteHandler):
    server_name = "iframe-platform"
    family = SITE
    routes = {"/": "home", "/mailbox/write": "write", "/mailbox/captcha": "captcha_img",
              "/mailbox/submit": "submit", "/mailbox/query": "query", "/mailbox/detail": "detail",
              "/mailbox/list": "listing"}

    def out(self, title, body):
        self.send_page(platform_page(title, body))

    def home(self):
        self.out("首页", '<p><a href="/mailbox/write?areaCode=%s">我要写信</a>　<a href="/mailbox/query">信件查询</a>'
                       '　<a href="/mailbox/list">公开信件</a></p>' % AREA)

    def write(self):
        token = secrets.token_hex(12)
        self.store.captcha_new(SITE, token)
        types = "".join('<option value="%s">%s</option>' % (t, t) for t in TYPES)
        body = """<form id="letterForm" method="post" action="/mailbox/submit">
<input type="hidden" name="areaCode" value="%s"><input type="hidden" name="box" value="%s">
<input type="hidden" name="captchaToken" id="captchaToken" value="%s">
<table class="f">
<tr><th><span class="req">*</span>姓名</th><td><input type="text" name="userName" id="userName" maxlength="20"></td></tr>
<tr><th><span class="req">*</span>手机号码</th><td><input type="text" name="mobile" id="mobile" maxlength="11"></td></tr>
<tr><th>电子邮箱</th><td><input type="text" name="email" id="email" maxlength="60"></td></tr>
<tr><th><span class="req">*</span>信件类型</th><td><select name="letterType" id="letterType">%s</select></td></tr>
<tr><th><span class="req">*</span>信件标题</th><td><input type="text" name="title" id="title" maxlength="60" style="width:520px"></td></tr>
<tr><th><span class="req">*</span>信件内容</th><td><textarea name="content" id="content"></textarea></td></tr>
<tr><th>是否公开</th><td><label><input type="radio" name="isOpen" value="1" checked> 公开</label>　<label><input type="radio" name="isOpen" value="0"> 不公开</label></td></tr>
<tr><th><span class="req">*</span>验证码</th><td><input type="text" name="captcha" id="captcha" maxlength="4" style="width:110px">
<img id="captchaImg" src="/mailbox/captcha?token=%s" alt="验证码" style="vertical-align:middle;border:1px solid #ddd"></td></tr>
</table><p style="text-align:center"><button type="submit" class="btn" id="submitBtn">提交</button></p></form>""" % (
            esc(self.params.get("areaCode", AREA)), esc(self.params.get("box", "sjxx")), token, types, token)
        self.out("书记信箱", body)

    def captcha_img(self):
        token = self.params.get("token", "")
        answer = self.store.captcha_get(SITE, token) or self.store.captcha_new(SITE, token)
        self.send_bytes(captcha.render_png(answer), "image/png")

    def submit(self):
        if self.command != "POST":
            return self.redirect("/mailbox/write?areaCode=" + AREA)
        f = self.form()
        again = '<p><a href="/mailbox/write?areaCode=%s">返回重新填写</a></p>' % AREA
        if not self.store.captcha_check(SITE, clean(f.get("captchaToken")), f.get("captcha")):
            return self.out("提交失败", '<div class="err">验证码错误，请重新填写。</div>' + again)
        v = {k: clean(f.get(k)) for k in ("userName", "mobile", "email", "letterType", "title", "content")}
        for key, label in (("userName", "姓名"), ("mobile", "手机号码"), ("title", "信件标题"), ("content", "信件内容")):
            if not v[key]:
                return self.out("提交失败", '<div class="err">请填写%s。</div>%s' % (label, again))
        x = self.store.add_letter(SITE, {
            "name": v["userName"], "phone": v["mobile"], "email": v["email"],
            "type": v["letterType"] if v["letterType"] in TYPES else "咨询", "recipient": "市委书记",
            "title": v["title"], "content": v["content"], "is_public": clean(f.get("isOpen")) != "0",
            "form": raw_form(f)})
        body = """<div class="ok" id="successMsg">提交成功！您的信件已转交鹭洲市相关部门办理。</div>
<table class="f" style="width:520px"><tr><th>信件编号</th><td><span class="code" id="letterNo">%s</span></td></tr>
<tr><th>查询码</th><td><span class="code" id="queryCode">%s</span></td></tr></table>
<p>请妥善保存信件编号和查询码，可在“信件查询”中查看办理进度。　<a href="/mailbox/query">信件查询</a></p>""" % (
            x["number"], x["query_code"])
        self.out("提交成功", body)

    def query(self):
        f = self.form()
        code = clean(f.get("queryCode"))
        result = ""
        if code:
            x = self.store.find(SITE, query_code=code)
            if x and x["state"] not in ("deleted", "spam"):
                result = letter_table(x)
            else:
                result = '<div class="err" id="notFound">%s，请核对查询码。</div>' % NOT_FOUND
        body = """<form method="get" action="/mailbox/query" id="queryForm"><table class="f" style="width:560px;margin-bottom:14px">
<tr><th>查询码</th><td><input type="text" name="queryCode" id="queryCode" value="%s" maxlength="10">
<button type="submit" class="btn" id="queryBtn">查询</button></td></tr></table></form>%s""" % (esc(code), result)
        self.out("信件查询", body)

    def detail(self):
        x = self.store.find(SITE, number=clean(self.params.get("letterNo")))
        if not x or not is_public_visible(x):
            return self.out("信件详情", '<div class="err" id="notFound">%s</div>' % NOT_FOUND)
        self.store.click(x["id"])
        self.out("信件详情", letter_table(x))

    def listing(self):
        rows = [x for x in reversed(self.store.letters(SITE)) if is_public_visible(x)]
        trs = "".join('<tr><td>%s</td><td><a href="%s">%s</a></td><td>%s</td><td>%s</td></tr>' % (
            esc(x["number"]), esc(x["detail_path"]), esc(x["title"]), common_html.state_label(x["state"]),
            x["submitted_at"][:10]) for x in rows[:50]) or '<tr><td colspan="4">暂无公开信件</td></tr>'
        self.out("公开信件", '<table class="f" id="letters"><tr><th>信件编号</th><th>标题</th><th>状态</th>'
                          '<th>来信日期</th></tr>%s</table>' % trs)
