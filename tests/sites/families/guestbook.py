"""A PHP CMS guestbook (PbootCMS style 在线留言): 临溪县人民政府 在线留言.

What a county site running PbootCMS (or a DedeCMS/帝国CMS guestbook) shows from outside: the list at
/?gbook/ and /?gbook_N/, newest first, each message with its own "管理员回复：" block and no page of
its own; a pager with PbootCMS's markup, where a missing 上一页/下一页 is an <a href="javascript:;">;
the post form under the list, sent by XHR to /?message/, whose JSON answer is shown only in alert()
(no message number, no navigation); moderation on by default; 10 s per-session throttle; a 4-digit
captcha image made anew on every load of /core/code.php, bound to PHPSESSID.
"""
import json
import re
import urllib.parse

import captcha
import common_html
import httpbase
from common_html import esc
from families.util import clean, multiline, raw_form

SITE = "guestbook"
COOKIE = "PHPSESSID"
DEAD = "javascript:;"     # PbootCMS's href for a pager control with nowhere to go
NUM_BAR = 5               # numbered links in the pager (PbootCMS's pagenum default)
THROTTLED = "您提交太频繁了，请稍后再试！"
# The form's fields in the order PbootCMS checks them (its form-field table order); None = optional.
FIELDS = (("contacts", "联系人"), ("mobile", "手机"), ("title", None), ("content", "内容"))

CSS = """.gbook-item{border:1px solid #d8e4da;margin-bottom:12px;background:#fff}
.gbook-head{background:#f2f7f3;padding:7px 14px;border-bottom:1px solid #e1ebe3;color:#555;font-size:13px}
.gbook-head .gbook-time{float:right;color:#888} .gbook-title{padding:8px 14px 0;font-weight:bold;color:#22522d}
.gbook-content{padding:8px 14px} .gbook-reply{margin:0 14px 12px;padding:8px 12px;background:#fff8ec;border-left:3px solid #d9931e;color:#6b4a12}
.gbook-reply-info{color:#888;font-size:12px} .gbook-reply-info span{margin-right:16px}
.pagebar{text-align:center;margin:18px 0} .pagebar a,.pagebar span.page-num{display:inline-block;border:1px solid #cfdcd2;padding:2px 10px;margin:0 2px;color:#2f6f3e}
.pagebar a.page-num-current{background:#2f6f3e;color:#fff} .pagebar .page-status{margin-right:10px;color:#666}
.gbook-empty{text-align:center;color:#888;padding:30px 0} .codeimg{vertical-align:middle;cursor:pointer}"""

SUBMIT_JS = """<script>
// As PbootCMS templates do with jQuery's $.ajax(dataType:'json'): post the form by XHR, show the answer's
// text only in alert(), clear the form on success, load a new captcha, stay on the page. A reply that is
// not JSON (a 500, a WAF page, a reset) has no handler in such templates: nothing at all is shown.
function gbookSubmit(form) {
  var xhr = new XMLHttpRequest();
  xhr.open('POST', form.getAttribute('action'));
  xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8');
  xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
  xhr.onload = function () {
    var r;
    try { r = JSON.parse(xhr.responseText); } catch (e) { return; }
    alert(r.data);
    if (r.code == 1) { form.reset(); }
    document.getElementById('codeimg').src = '/core/code.php?' + Math.round(Math.random() * 10000);
  };
  xhr.send(new URLSearchParams(new FormData(form)).toString());
  return false;
}
</script>"""


def namer(seq, now):
    """The message id; no detail page exists, so no detail path."""
    return str(seq), ""


def page_url(n):
    return "/?gbook/" if n == 1 else "/?gbook_%d/" % n


def newest_first(letters):
    """Published messages, newest first. Real CMSes sort by id DESC, which is submission order; here the
    date decides (then the id), so that seeded back-dated messages can be placed on any page."""
    return sorted((x for x in letters if x["state"] in ("待处理", "已回复")),
                  key=lambda x: (x["submitted_at"], x["seq"]), reverse=True)


def item_html(x):
    reply = ""
    if x["reply"]:
        r = x["reply"]
        reply = ('<div class="gbook-reply"><div class="gbook-reply-text">管理员回复：%s</div>'
                 '<div class="gbook-reply-info"><span class="gbook-reply-unit">回复单位：%s</span>'
                 '<span class="gbook-reply-time">回复时间：%s</span></div></div>') % (
            multiline(r["text"]), esc(r["unit"]), esc(r["date"]))
    title = '<div class="gbook-title">%s</div>' % esc(x["title"]) if x["title"] else ""
    return ('<div class="gbook-item"><div class="gbook-head"><span class="gbook-name">留言人：%s</span>'
            '<span class="gbook-time">留言时间：%s</span></div>%s<div class="gbook-content">%s</div>%s</div>') % (
        esc(x["name"]), esc(x["submitted_at"]), title, multiline(x["content"]), reply)


def pagebar(page, count, total):
    """PbootCMS's {pboot:pagebar} (core/view/Paging.php) with this template's labels 上一页/下一页."""
    if not count:
        return "<div class=\"pagebar\"><span class='page-none' style='color:#999'>未查询到任何数据!</span></div>"
    pre = page_url(min(page - 1, count)) if page > 1 else DEAD
    nxt = page_url(page + 1) if page < count else DEAD
    half_l, half_u = NUM_BAR // 2, (NUM_BAR + 1) // 2
    if page <= half_l or count < NUM_BAR:
        numbers = range(1, min(NUM_BAR, count) + 1)
    elif page + half_l >= count:
        numbers = range(count - NUM_BAR + 1, count + 1)
    else:
        numbers = range(page - half_l, page + half_l + 1)
    dots = '<span class="page-num">···</span>'
    nums = (dots if page > half_u else "") + "".join(
        '<a href="%s" class="page-num%s">%d</a>' % (page_url(i), " page-num-current" if i == page else "", i)
        for i in numbers) + (dots if count > NUM_BAR and page < count - half_l else "")
    return ("<div class=\"pagebar\"><span class='page-status'>共%d条 当前%d/%d页</span>"
            "<span class='page-index'><a href='%s'>首页</a></span><span class='page-pre'><a href='%s'>上一页</a></span>"
            "<span class='page-numbar'>%s</span><span class='page-next'><a href='%s'>下一页</a></span>"
            "<span class='page-last'><a href='%s'>尾页</a></span></div>") % (
        total, page, count, page_url(1), pre, nums, nxt, page_url(count))


FORM = """<h2 style="color:#22522d;font-size:18px;border-bottom:2px solid #2f6f3e;padding-bottom:6px">我要留言</h2>
<form id="gbook-form" class="gbook-form" method="post" action="/?message/" onsubmit="return gbookSubmit(this);">
<table class="grid">
<tr><th><span class="req">*</span>联系人</th><td><input type="text" name="contacts" id="contacts" maxlength="20"></td></tr>
<tr><th><span class="req">*</span>手机</th><td><input type="text" name="mobile" id="mobile" maxlength="20"> <span class="muted">（不公开）</span></td></tr>
<tr><th>标题</th><td><input type="text" name="title" id="title" maxlength="60" style="width:560px"></td></tr>
<tr><th><span class="req">*</span>内容</th><td><textarea name="content" id="content"></textarea></td></tr>
<tr><th><span class="req">*</span>验证码</th><td><input type="text" name="checkcode" id="checkcode" maxlength="4" style="width:90px" autocomplete="off">
<img src="/core/code.php" id="codeimg" class="codeimg" title="看不清？点击更换" alt="验证码" onclick="this.src='/core/code.php?'+Math.round(Math.random()*10000)"></td></tr>
</table>
<p class="center"><button type="submit" class="btn" id="gbook-submit">提交留言</button></p></form>""" + SUBMIT_JS


class Handler(httpbase.SiteHandler):
    server_name = SITE
    family = SITE
    # PbootCMS answers everything from index.php; the "path" is the first query key (?gbook_2/).
    routes = {"/": "front", "/index.php": "front", "/core/code.php": "code_image"}

    def out(self, title, body, status=200, headers=None, crumb=None):
        self.send_page(common_html.page(SITE, title, body, crumb=crumb or ["首页", "互动交流", title],
                                        now=self.store.now(SITE), head_extra="<style>%s</style>" % CSS),
                       status=status, headers=headers)

    def front(self):
        first = urllib.parse.urlsplit(self.path).query.split("&")[0]
        route = "" if "=" in first else urllib.parse.unquote(first).strip("/")
        m = re.fullmatch(r"gbook(?:_(\d+))?", route)
        if m:
            return self.listing(int(m.group(1) or 1))
        if route == "message":
            return self.post()
        if route == "":
            return self.home()
        self.out("提示", '<div class="err" style="margin:60px 0">您访问的页面不存在，请核对后重试！</div>', status=404)

    def home(self):
        self.out("首页", """<h1 class="title">临溪县人民政府</h1><p style="font-size:15px;line-height:30px">
　　欢迎访问临溪县人民政府门户网站。您对本县工作有何意见建议，欢迎通过<a href="/?gbook/">在线留言</a>反映，
我们将及时答复。</p><p class="center"><a class="btn" href="/?gbook/">在线留言</a></p>""", crumb=["首页"])

    def listing(self, page):
        page = max(page, 1)
        per = self.store.config(SITE)["per_page"]
        rows = newest_first(self.store.letters(SITE))
        count = (len(rows) + per - 1) // per
        shown = rows[(page - 1) * per:page * per]
        # Beyond the last page: an empty list, HTTP 200 (DedeCMS style; PbootCMS itself would show the last page).
        items = "".join(item_html(x) for x in shown) or '<div class="gbook-empty">暂无留言</div>'
        body = ('<h1 class="title">在线留言</h1><div class="notice">请文明留言，理性表达。留言经审核后公开，'
                '我们将在5个工作日内答复。</div><div class="gbook-list" id="gbook-list">%s</div>%s%s' % (
                    items, pagebar(page, count, len(rows)), FORM if page == 1 else ""))
        _, set_cookie = self.session(COOKIE)
        self.out("在线留言", body, headers={"Set-Cookie": set_cookie})

    def code_image(self):
        """Like PbootCMS's core/code.php: every load makes a new code for the session."""
        sid, set_cookie = self.session(COOKIE)
        answer = self.store.captcha_new(SITE, sid, captcha.DIGITS)
        self.send_bytes(captcha.render_png(answer), "image/png", headers={"Set-Cookie": set_cookie})

    def answer(self, code, text, set_cookie=None):
        """PbootCMS's alert_back/alert_location: JSON to an XHR, else a page that alerts and goes back."""
        headers = {"Set-Cookie": set_cookie}
        if self.headers.get("X-Requested-With", "").lower() == "xmlhttprequest":
            data = {"code": code, "data": text, "tourl": "-1" if code else "", "rowtotal": 1}
            # PbootCMS echoes json_encode() without a Content-Type of its own: PHP's text/html it is.
            return self.send_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                                   "text/html; charset=utf-8", headers=headers)
        self.send_page('<script type="text/javascript">alert(%s);window.history.go(-1);</script>'
                       % json.dumps(text, ensure_ascii=False), headers=headers)

    def post(self):
        if self.command != "POST":
            return self.answer(0, "提交失败，请使用POST方式提交！")
        # No cookie: PHP starts an empty session, which holds neither a captcha code nor a last post time.
        sid, set_cookie = self.session(COOKIE)
        f = {k: v for k, v in self.form().items() if k not in self.params}  # not the "message/" route key
        if self.store.throttle_hit(SITE, sid):
            return self.answer(0, THROTTLED, set_cookie)
        code = clean(f.get("checkcode"))
        if not code:
            return self.answer(0, "验证码不能为空！", set_cookie)
        if not self.store.captcha_check(SITE, sid, code):
            return self.answer(0, "验证码错误！", set_cookie)
        values = {name: clean(f.get(name)) for name, _ in FIELDS}
        for name, label in FIELDS:
            if label and not values[name]:
                return self.answer(0, "%s不能为空！" % label, set_cookie)
        self.store.throttle_mark(SITE, sid)
        x = self.store.add_letter(SITE, {"name": values["contacts"], "phone": values["mobile"],
                                         "title": values["title"], "content": values["content"],
                                         "type": "留言", "form": raw_form(f)})
        text = "提交成功，请等待管理员审核！" if x["state"] == "pending-approval" else "提交成功！"
        self.answer(1, text, set_cookie)
