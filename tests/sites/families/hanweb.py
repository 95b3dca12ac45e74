"""Hanweb 大汉 "jact"-like city portal: 宝川市人民政府 市长信箱.

Write form, image captcha bound to JSESSIONID, success page with 信件编号 and 查询码, public list whose rows
come from a POST to dataproxy_mailpublist.do (a JavaScript array of <tr> strings), detail pages under
div.jact_box_font, a query page; a hidden letter's detail URL redirects to the list. The home page's
我要写信 opens the write page in the same window, or (the new_window setting) in a new one, or the form
posts into a new window.

The mail_code switch (off by default): the success page does not show the 查询码; it is mailed to the
letter's e-mail address (required then), and the answer is mailed too when the letter is answered
(mailer.py; the mailbox is served over IMAP by imap.py).

The login_wall switch (off by default) puts the write, submit and query pages behind the provincial
identity platform's login (统一身份认证, /sso/login): without a live login token (cookie HXSSO, a session
cookie, as such platforms set) they redirect to the login form; the one test account is zhangsan /
Test@1234; the control API can end every login at once (the platform's sessions time out).

Three more switches, all off by default: sms_gate adds a 短信验证码 row whose 获取验证码 button "sends" a 6-digit
code to the letter's phone (kept in the store, read through the control API, good for 5 minutes) and the
post is refused without it; question_captcha shows a question ("3+4=?") as text instead of the image;
slider_captcha shows a slider instead (slider.py): drag the handle until the piece fits the picture's
gap. The page posts the drag's pointer trace to sliderverify.do as the mouse is released; the server
answers 验证通过 with a token (put in the form) or 验证失败 (the picture is used up: 换一张 asks for a
new one); the letter's post is refused (验证码错误) without the token. The control API reveals the gap's x.
"""
import json
import re
import urllib.parse

import captcha
import common_html
import httpbase
import slider
import mailer
from common_html import esc
from families.util import clean, is_public_visible, multiline, raw_form, ymd

SITE = "hanweb"
BASE = "/jact/front/"
LIST_URL = BASE + "mailpublist.do?sysid=1"
TYPES = (("1", "咨询"), ("2", "投诉"), ("3", "建议"), ("4", "求助"))
LEADERS = (("1", "市长"), ("2", "常务副市长"), ("3", "副市长（分管教育、卫生健康）"),
           ("4", "副市长（分管住建、交通运输）"))
TID_BASE = 52000


def namer(seq, now):
    return now.strftime("%Y%m%d") + "%04d" % seq, BASE + "mailpubdetail.do?transactId=%d&sysid=1" % (
        TID_BASE + seq)


def options(pairs, selected=""):
    return "".join('<option value="%s"%s>%s</option>' % (v, " selected" if v == selected else "", n)
                   for v, n in pairs)


def letter_tables(x, show_state=True):
    """The detail block: letter table, then the reply table once answered."""
    rows = """<table class="grid" id="mailinfo">
<tr><th>信件编号</th><td>%s</td><th>信件类型</th><td>%s</td></tr>
<tr><th>来信人</th><td>%s</td><th>来信时间</th><td>%s</td></tr>
<tr><th>收信领导</th><td>%s</td><th>办理状态</th><td class="state">%s</td></tr>
<tr><th>信件标题</th><td colspan="3">%s</td></tr>
<tr><th>来信内容</th><td colspan="3" class="content">%s</td></tr>
</table>""" % (esc(x["number"]), esc(x["type"]), esc(common_html.mask_name(x["name"])), esc(x["submitted_at"]),
               esc(x["recipient"]), common_html.state_label(x["state"]) if show_state else "",
               esc(x["title"]), multiline(x["content"]))
    if x["reply"]:
        r = x["reply"]
        rows += """
<table class="grid reply" id="replyinfo">
<tr><th>回复单位</th><td>%s</td><th>回复时间</th><td>%s</td></tr>
<tr><th>回复内容</th><td colspan="3" class="content">%s</td></tr>
</table>""" % (esc(r["unit"]), esc(r["date"]), multiline(r["text"]))
    return '<div class="jact_box_font">%s</div>' % rows


class Handler(httpbase.SiteHandler):
    server_name = SITE
    family = SITE
    routes = {
        "/": "home", "/index.html": "home",
        BASE + "mailwrite.do": "write", BASE + "checkcode.do": "checkcode",
        BASE + "mailsubmit.do": "submit", BASE + "mailpublist.do": "publist",
        BASE + "dataproxy_mailpublist.do": "dataproxy", BASE + "mailpubdetail.do": "detail",
        BASE + "mailquery.do": "query", BASE + "sendsms.do": "sendsms",
        BASE + "slider.do": "slider_image", BASE + "slidernew.do": "slider_new",
        BASE + "sliderverify.do": "slider_verify",
        "/sso/login": "sso_login", "/sso/user": "sso_user", "/sso/logout": "sso_logout",
    }

    def page(self, title, body, **kw):
        return common_html.page(SITE, title, body, crumb=["首页", "互动交流", "市长信箱", title],
                                now=self.store.now(SITE), **kw)

    def msg(self, title, text, cls="ok", links=()):
        return common_html.message(SITE, title, text, cls, links, now=self.store.now(SITE))

    # ---- the login wall (统一身份认证) ----
    def login_name(self):
        """The logged-in person's name, or None."""
        return self.store.login_user(SITE, self.cookie("HXSSO"))

    def login_wall_blocks(self):
        """With login_wall on and no live login: redirects to the login form (True); else False."""
        if not self.store.config(SITE).get("login_wall") or self.login_name():
            return False
        self.redirect("/sso/login?next=" + urllib.parse.quote(self.path, safe=""))
        return True

    def login_bar(self):
        name = self.login_name()
        if not self.store.config(SITE).get("login_wall") or not name:
            return ""
        return ('<div class="muted" id="loginbar" style="text-align:right">当前用户：%s　'
                '<a id="logout" href="/sso/logout">退出登录</a></div>' % esc(name))

    def sso_login(self):
        nxt = self.params.get("next") or ""
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/sso/user"
        error = ""
        if self.command == "POST":
            f = self.form()
            token = self.store.login_new(SITE, clean(f.get("loginname")), f.get("loginpwd") or "")
            if token:
                self.send_response(302)
                self.send_header("Location", nxt)
                self.send_header("Set-Cookie", "HXSSO=%s; Path=/; HttpOnly" % token)  # a session cookie
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            error = '<div class="err" id="loginerror">用户名或密码错误，请重新输入。</div>'
        elif self.login_name():
            return self.redirect(nxt)
        body = """<h1 class="title">江屿省政务服务网 统一身份认证</h1>
<div class="notice">请登录后办理。个人用户请使用实名注册的账号登录。</div>%s
<form id="loginform" method="post" action="/sso/login?next=%s">
<table class="grid" style="width:480px;margin:0 auto 16px">
<tr><th>用户名</th><td><input type="text" id="loginname" name="loginname" autocomplete="username"></td></tr>
<tr><th>密码</th><td><input type="password" id="loginpwd" name="loginpwd" autocomplete="current-password"></td></tr></table>
<p class="center"><button type="submit" class="btn" id="loginbtn">登录</button></p></form>""" % (
            error, urllib.parse.quote(nxt, safe=""))
        self.send_page(self.page("用户登录", body))

    def sso_user(self):
        name = self.login_name()
        if not name:
            return self.redirect("/sso/login?next=%2Fsso%2Fuser")
        body = """<h1 class="title">个人中心</h1>%s
<div class="ok" id="welcome">欢迎您，%s。您已通过统一身份认证。</div>
<p class="center"><a class="btn" href="%smailwrite.do?sysid=1">我要写信</a>　<a class="btn gray" href="%smailquery.do?sysid=1">信件查询</a></p>""" % (
            '<div class="muted" style="text-align:right"><a id="logout" href="/sso/logout">退出登录</a></div>',
            esc(name), BASE, BASE)
        self.send_page(self.page("个人中心", body))

    def sso_logout(self):
        self.send_response(302)
        self.send_header("Location", "/sso/login")
        self.send_header("Set-Cookie", "HXSSO=; Path=/; Max-Age=0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def new_window(self):
        """The operator's new_window setting: how 我要写信 opens (see NEW_WINDOW_MODES in store.py)."""
        return self.store.config(SITE).get("new_window", "off")

    def write_link(self):
        """The home page's 我要写信 link, opening the write page the way the new_window setting says."""
        url = BASE + "mailwrite.do?sysid=1"
        mode = self.new_window()
        if mode == "blank":
            return '<a href="%s" target="_blank">进入写信页面</a>' % url
        if mode == "window":
            return '<a href="javascript:;" onclick="window.open(\'%s\');return false;">进入写信页面</a>' % url
        if mode == "noopener":
            return ('<a href="javascript:;" onclick="window.open(\'%s\', \'_blank\', \'noopener\');return false;">'
                    '进入写信页面</a>' % url)
        return '<a href="%s">进入写信页面</a>' % url

    def home(self):
        body = """<h1 class="title">市长信箱</h1>
<div class="notice">市长信箱受理群众对本市经济社会发展的意见建议、咨询、投诉和求助。涉法涉诉事项请通过法定途径反映。
来信将在5个工作日内答复（节假日除外）。</div>
<table class="grid"><tr><th>我要写信</th><td>%s</td></tr>
<tr><th>信件公开</th><td><a href="%s">查看公开信件</a></td></tr>
<tr><th>信件查询</th><td><a href="%smailquery.do?sysid=1">凭信件编号和查询码查询办理情况</a></td></tr></table>""" % (
            self.write_link(), LIST_URL, BASE)
        self.send_page(self.page("市长信箱", body))

    # ---- writing ----
    def captcha_row(self, sid):
        """The captcha row: an image (the default), a question as text (question_captcha), or a slider
        (slider_captcha)."""
        if self.store.config(SITE).get("slider_captcha"):
            return self.slider_row(sid)
        if self.store.config(SITE).get("question_captcha"):
            question = self.store.captcha_question_new(SITE, sid)
            return """<tr><th><span class="req">*</span>验证码</th><td><span id="checkquestion" class="question"
 style="font-size:18px;padding:0 8px;background:#eef">%s</span> <input type="text" id="checkcode" name="checkcode" maxlength="4" style="width:120px">
 <span class="muted">请输入计算结果</span></td></tr>""" % esc(question)
        self.store.captcha_new(SITE, sid)
        return """<tr><th><span class="req">*</span>验证码</th><td><input type="text" id="checkcode" name="checkcode" maxlength="4" style="width:120px">
<img id="checkcodeimg" src="%(base)scheckcode.do?sysid=1" alt="验证码" title="看不清？点击换一张" style="vertical-align:middle;cursor:pointer;border:1px solid #ccc"
 onclick="this.src='%(base)scheckcode.do?sysid=1&amp;refresh=1&amp;r='+Math.random()"> <span class="muted">看不清？点击图片换一张</span></td></tr>""" % dict(base=BASE)

    def slider_row(self, sid):
        """The slider: the picture with its gap, the piece (at the gap's height, moved by the handle), the
        track with the handle, 换一张, the message, and the token the form posts."""
        state = self.store.slider_new(SITE, sid)
        return """<tr><th><span class="req">*</span>滑动验证</th><td>
<div id="slider" style="width:%(w)dpx;user-select:none">
<div id="slider-img" style="position:relative;width:%(w)dpx;height:%(h)dpx">
<img id="slider-bg" src="%(base)sslider.do?part=bg&amp;r=%(seed)d" width="%(w)d" height="%(h)d" style="display:block" draggable="false" alt="拼图">
<img id="slider-piece" src="%(base)sslider.do?part=piece&amp;r=%(seed)d" width="%(p)d" height="%(p)d" style="position:absolute;left:0;top:%(y)dpx" draggable="false" alt="">
</div>
<div id="slider-track" style="position:relative;width:%(w)dpx;height:40px;margin-top:6px;background:#e8eef5;box-shadow:inset 0 0 0 1px #ccd">
<span id="slider-tip" style="position:absolute;left:64px;top:10px;color:#888">向右拖动滑块完成拼图</span>
<div id="slider-handle" style="position:absolute;left:0;top:0;width:%(hw)dpx;height:40px;background:#fff;box-shadow:inset 0 0 0 1px #99a;cursor:pointer;text-align:center;line-height:40px">&gt;&gt;</div>
</div>
<div style="margin-top:4px"><a id="slider-refresh" href="javascript:;">换一张</a> <span id="slider-msg"></span></div>
<input type="hidden" id="slidertoken" name="slidertoken" value="">
</div>
<script>
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var h = $('slider-handle'), pc = $('slider-piece'), msg = $('slider-msg'), room = %(room)d;
  var down = null, trace = [], busy = false;
  function at(e) { return {x: e.clientX, y: e.clientY, t: Math.round(performance.now())}; }
  function place(d) { h.style.left = d + 'px'; pc.style.left = d + 'px'; }
  h.addEventListener('mousedown', function (e) {
    if (busy || $('slidertoken').value) return;
    down = at(e); trace = [down]; e.preventDefault();
  });
  document.addEventListener('mousemove', function (e) {
    if (!down) return;
    var p = at(e); trace.push(p); place(Math.max(0, Math.min(room, p.x - down.x)));
  });
  document.addEventListener('mouseup', function (e) {
    if (!down) return;
    trace.push(at(e)); down = null; busy = true;
    var x = new XMLHttpRequest();
    x.open('POST', '%(base)ssliderverify.do', true);
    x.setRequestHeader('Content-Type', 'application/json');
    x.onload = function () {
      var a = JSON.parse(x.responseText);
      if (a.ok) { $('slidertoken').value = a.token; msg.className = 'ok-text'; msg.textContent = '验证通过'; }
      else { msg.className = 'err-text'; msg.textContent = '验证失败，请点击换一张后重新拖动'; place(0); busy = false; }
    };
    x.send(JSON.stringify({trace: trace}));
  });
  $('slider-refresh').addEventListener('click', function () {
    var x = new XMLHttpRequest();
    x.open('POST', '%(base)sslidernew.do', true);
    x.onload = function () {
      var a = JSON.parse(x.responseText), r = '&r=' + a.r;
      $('slider-bg').src = '%(base)sslider.do?part=bg' + r; pc.src = '%(base)sslider.do?part=piece' + r;
      pc.style.top = a.y + 'px'; place(0); msg.textContent = ''; $('slidertoken').value = ''; busy = false;
    };
    x.send('');
  });
})();
</script></td></tr>""" % dict(base=BASE, w=slider.WIDTH, h=slider.HEIGHT, p=slider.PIECE, hw=slider.HANDLE,
                              room=slider.ROOM, y=state["gap"][1], seed=state["seed"])

    def slider_image(self):
        """The session's slider pictures: part=bg (with the gap) or part=piece."""
        sid = self.cookie("JSESSIONID") or ""
        state = self.store.slider_get(SITE, sid)
        if not state:
            return self.not_found()
        bg, piece = slider.render(state["seed"], tuple(state["gap"]))
        self.send_bytes(piece if self.params.get("part") == "piece" else bg, "image/png")

    def slider_new(self):
        """换一张: a new slider for the session; its piece's height and a cache-buster for the pictures."""
        sid, set_cookie = self.session()
        state = self.store.slider_new(SITE, sid)
        self.send_json({"y": state["gap"][1], "r": state["seed"]}, headers={"Set-Cookie": set_cookie})

    def slider_verify(self):
        """The drag's trace, posted as the mouse is released: judged against the session's gap."""
        sid = self.cookie("JSESSIONID") or ""
        trace = self.form().get("trace") if self.command == "POST" else None
        ok, why, token = self.store.slider_verify(SITE, sid, trace)
        self.send_json({"ok": ok, "msg": "验证通过" if ok else "验证失败", "reason": why, "token": token})

    def sms_row(self):
        """The SMS-code row (sms_gate): 获取验证码 asks sendsms.do to text a code to the phone typed."""
        if not self.store.config(SITE).get("sms_gate"):
            return ""
        return """<tr><th><span class="req">*</span>短信验证码</th><td><input type="text" id="smscode" name="smscode" maxlength="6" style="width:120px">
<button type="button" class="btn gray" id="getsms" onclick="sendSmsCode()">获取验证码</button> <span id="smsstatus" class="muted"></span>
<script>
function sendSmsCode() {
  var x = new XMLHttpRequest();
  x.open('POST', '%ssendsms.do', true);
  x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
  x.onload = function () { var a = JSON.parse(x.responseText); document.getElementById('smsstatus').textContent = a.msg; };
  x.send('mobile=' + encodeURIComponent(document.getElementById('mobile').value));
}
</script></td></tr>""" % BASE

    def sendsms(self):
        mobile = clean(self.form().get("mobile"))
        if self.command != "POST" or not re.fullmatch(r"1\d{10}", mobile):
            answer = {"ok": False, "msg": "请先输入正确的手机号码"}
        else:
            self.store.sms_send(SITE, mobile)
            answer = {"ok": True, "msg": "验证码已发送至 %s****%s，5分钟内有效" % (mobile[:3], mobile[-4:])}
        self.send_bytes(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def write(self):
        if self.login_wall_blocks():
            return
        sid, set_cookie = self.session()
        body = self.login_bar() + """<h1 class="title">我要写信</h1>
<div class="notice">请如实填写以下信息，带 <span class="req">*</span> 的为必填项。您的个人信息将严格保密。</div>
<form id="mailform" name="mailform" method="post" action="%(base)smailsubmit.do"%(target)s>
<input type="hidden" name="sysid" value="1">
<table class="grid" id="writetable">
<tr><th><span class="req">*</span>姓名</th><td><input type="text" id="username" name="username" maxlength="20"></td></tr>
<tr><th><span class="req">*</span>手机</th><td><input type="tel" id="mobile" name="mobile" maxlength="11"></td></tr>
<tr><th>邮箱</th><td><input type="email" id="email" name="email" maxlength="60"></td></tr>
<tr><th><span class="req">*</span>信件类型</th><td><select id="mailtype" name="mailtype">%(types)s</select></td></tr>
<tr><th><span class="req">*</span>收信领导</th><td><select id="leader" name="leader">%(leaders)s</select></td></tr>
<tr><th><span class="req">*</span>标题</th><td><input type="text" id="title" name="title" maxlength="60" style="width:600px"></td></tr>
<tr><th><span class="req">*</span>内容</th><td><textarea id="content" name="content"></textarea></td></tr>
<tr><th><span class="req">*</span>是否公开</th><td><label><input type="radio" name="ispublic" id="ispublic1" value="1" checked> 公开</label>
　<label><input type="radio" name="ispublic" id="ispublic0" value="0"> 不公开</label></td></tr>
%(sms)s%(captcha)s
</table>
<p class="center"><button type="submit" class="btn" id="submitbtn">提交信件</button>　<button type="reset" class="btn gray">重新填写</button></p>
</form>""" % dict(base=BASE, types=options((("", "请选择"),) + TYPES), leaders=options(LEADERS),
                   target=' target="_blank"' if self.new_window() == "form" else "",
                   sms=self.sms_row(), captcha=self.captcha_row(sid))
        self.send_page(self.page("我要写信", body), headers={"Set-Cookie": set_cookie})

    def checkcode(self):
        sid, set_cookie = self.session()
        answer = self.store.captcha_get(SITE, sid)
        if answer is None or self.params.get("refresh"):
            answer = self.store.captcha_new(SITE, sid)
        self.send_bytes(captcha.render_png(answer), "image/png", headers={"Set-Cookie": set_cookie})

    def submit(self):
        if self.command != "POST":
            return self.redirect(BASE + "mailwrite.do?sysid=1")
        if self.login_wall_blocks():
            return
        f = self.form()
        sid = self.cookie("JSESSIONID") or ""
        back = [("返回重新填写", BASE + "mailwrite.do?sysid=1")]
        if self.store.config(SITE).get("slider_captcha"):
            solved = self.store.slider_token_check(SITE, sid, f.get("slidertoken"))
        else:
            solved = self.store.captcha_check(SITE, sid, f.get("checkcode"))
        if not solved:
            return self.send_page(self.msg("提交失败", "验证码错误，请重新输入！", "err", back))
        name, mobile, title, content = (clean(f.get(k)) for k in ("username", "mobile", "title", "content"))
        for value, label in ((name, "姓名"), (mobile, "手机"), (title, "标题"), (content, "内容")):
            if not value:
                return self.send_page(self.msg("提交失败", "请填写%s！" % label, "err", back))
        if not re.fullmatch(r"1\d{10}", mobile):
            return self.send_page(self.msg("提交失败", "请输入正确的手机号码！", "err", back))
        if self.store.config(SITE).get("sms_gate") and not self.store.sms_check(SITE, mobile, f.get("smscode")):
            return self.send_page(self.msg("提交失败", "短信验证码错误或已过期！", "err", back))
        mail_code = bool(self.store.config(SITE).get("mail_code"))
        if mail_code and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", clean(f.get("email"))):
            return self.send_page(self.msg("提交失败", "请填写正确的电子邮箱，查询码将发送至您的邮箱！", "err", back))
        mailtype = dict(TYPES).get(clean(f.get("mailtype")))
        if not mailtype:
            return self.send_page(self.msg("提交失败", "请选择信件类型！", "err", back))
        x = self.store.add_letter(SITE, {
            "name": name, "phone": mobile, "email": clean(f.get("email")), "type": mailtype,
            "recipient": dict(LEADERS).get(clean(f.get("leader")), ""), "title": title, "content": content,
            "is_public": clean(f.get("ispublic")) != "0", "form": raw_form(f), "mailed": mail_code})
        if mail_code:
            # the 查询码 goes to the letter's e-mail address only (mailer.py); the page says so
            self.store.mailbox.deliver(mailer.code_mail(x, self.store.now_text(SITE)), when=self.store.now(SITE))
            body = """<h1 class="title">信件提交成功</h1>
<div class="ok">您的信件已提交成功，我们将尽快办理！</div>
<table class="grid" id="mailresult" style="width:560px;margin:0 auto 16px">
<tr><th>信件编号</th><td><span id="mailnumber" class="code">%s</span></td></tr></table>
<div class="notice" id="mailnotice" style="width:560px;margin:0 auto 16px">查询码已发送至您的电子邮箱，请注意查收，凭信件编号和查询码查询信件办理情况。</div>
<p class="center"><a class="btn" href="%smailquery.do?sysid=1">信件查询</a>　<a class="btn gray" href="%s">返回列表</a></p>""" % (
                x["number"], BASE, LIST_URL)
            return self.send_page(self.page("信件提交成功", body))
        body = """<h1 class="title">信件提交成功</h1>
<div class="ok">您的信件已提交成功，我们将尽快办理！</div>
<table class="grid" id="mailresult" style="width:560px;margin:0 auto 16px">
<tr><th>信件编号</th><td><span id="mailnumber" class="code">%s</span></td></tr>
<tr><th>查询码</th><td><span id="querycode" class="code">%s</span></td></tr></table>
<div class="notice" style="width:560px;margin:0 auto 16px">请牢记信件编号和查询码，凭此查询信件办理情况。</div>
<p class="center"><a class="btn" href="%smailquery.do?sysid=1">信件查询</a>　<a class="btn gray" href="%s">返回列表</a></p>""" % (
            x["number"], x["query_code"], BASE, LIST_URL)
        self.send_page(self.page("信件提交成功", body))

    # ---- the public list ----
    def publist(self):
        mn, qc = esc(self.params.get("mailnumber", "")), esc(self.params.get("querycode", ""))
        body = """<h1 class="title">信件公开</h1>
<form id="searchform" onsubmit="load(1);return false;" style="margin-bottom:12px">
信件编号：<input type="text" id="mailnumber" name="mailnumber" value="%s" style="width:200px">
　查询码：<input type="text" id="querycode" name="querycode" value="%s" style="width:200px">
　<button type="submit" class="btn" id="searchbtn">查询</button></form>
<table class="list" id="maillisttable"><thead><tr><th style="width:150px">信件编号</th><th>信件标题</th>
<th style="width:100px">办理状态</th><th style="width:120px">来信日期</th><th style="width:80px">点击数</th></tr></thead>
<tbody id="maillist"><tr><td colspan="5">正在加载……</td></tr></tbody></table>
<div id="pager" class="center" style="margin-top:12px"></div>
<script>
var perpage = 15, cur = 1, total = 0;
function load(p) {
  cur = p;
  var s = (p - 1) * perpage + 1, e = p * perpage;
  var x = new XMLHttpRequest();
  x.open('POST', 'dataproxy_mailpublist.do?startrecord=' + s + '&endrecord=' + e + '&perpage=' + perpage, true);
  x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
  x.onload = function () {
    var rows = eval(x.responseText);
    total = parseInt(x.getResponseHeader('X-Total-Record') || '0', 10);
    document.getElementById('maillist').innerHTML = rows.length ? rows.join('') : '<tr><td colspan="5">暂无信件</td></tr>';
    var pages = Math.max(1, Math.ceil(total / perpage)), h = '共 ' + total + ' 条　第 ' + cur + '/' + pages + ' 页　';
    h += cur > 1 ? '<a href="javascript:load(1)">首页</a>　<a href="javascript:load(' + (cur - 1) + ')">上一页</a>　' : '首页　上一页　';
    h += cur < pages ? '<a href="javascript:load(' + (cur + 1) + ')">下一页</a>　<a href="javascript:load(' + pages + ')">尾页</a>' : '下一页　尾页';
    document.getElementById('pager').innerHTML = h;
  };
  x.send('sysid=1&mailnumber=' + encodeURIComponent(document.getElementById('mailnumber').value)
       + '&querycode=' + encodeURIComponent(document.getElementById('querycode').value));
}
load(1);
</script>""" % (mn, qc)
        self.send_page(self.page("信件公开", body))

    def dataproxy(self):
        f = self.form()
        mn, qc = clean(f.get("mailnumber")), clean(f.get("querycode"))
        rows = []
        for x in reversed(self.store.letters(SITE, visible_only=True)):
            if mn and x["number"] != mn:
                continue
            if qc and x["query_code"] != qc:
                continue
            if not x["is_public"] and not qc:
                continue
            rows.append(x)
        try:
            if "page" in f:
                size = int(f.get("pagesize") or f.get("perpage") or 15)
                start = (int(f["page"]) - 1) * size + 1
                end = start + size - 1
            else:
                start = int(f.get("startrecord") or 1)
                end = int(f.get("endrecord") or start + 14)
        except ValueError:
            start, end = 1, 15
        out = []
        for x in rows[max(0, start - 1):max(0, end)]:
            out.append('<tr><td>%s</td><td class="t"><a href="%s" target="_blank">%s</a></td><td>%s</td>'
                       '<td>%s</td><td>%d</td></tr>' % (esc(x["number"]), esc(x["detail_path"]), esc(x["title"]),
                                                     common_html.state_label(x["state"]),
                                                     ymd(x["submitted_at"]), x["clicks"]))
        text = json.dumps(out, ensure_ascii=False)
        self.send_bytes(text.encode("utf-8"), "text/javascript; charset=utf-8",
                        headers={"X-Total-Record": str(len(rows))})

    # ---- a letter ----
    def letter_by_tid(self):
        try:
            seq = int(self.params.get("transactId", "")) - TID_BASE
        except ValueError:
            return None
        return self.store.find(SITE, seq=seq)

    def detail(self):
        x = self.letter_by_tid()
        if not x or not is_public_visible(x):
            return self.redirect(LIST_URL)
        self.store.click(x["id"])
        body = '<h1 class="title">%s</h1>%s<p class="center"><a class="btn gray" href="%s">返回列表</a></p>' % (
            esc(x["title"]), letter_tables(x), LIST_URL)
        self.send_page(self.page("信件详情", body))

    def query(self):
        if self.login_wall_blocks():
            return
        f = self.form()
        mn, qc = clean(f.get("mailnumber")), clean(f.get("querycode"))
        result = ""
        if qc or mn:
            x = self.store.find(SITE, query_code=qc) if qc else None
            if x and (x["state"] == "deleted" or (mn and x["number"] != mn)):
                x = None
            if x:
                result = '<h2 class="title" style="font-size:18px">查询结果</h2>' + letter_tables(x)
            else:
                result = '<div class="err" id="noresult">未查询到相关信件，请核对信件编号和查询码是否正确。</div>'
        body = self.login_bar() + """<h1 class="title">信件查询</h1>
<form id="queryform" method="post" action="%smailquery.do?sysid=1">
<table class="grid" style="width:640px;margin:0 auto 16px">
<tr><th>信件编号</th><td><input type="text" id="mailnumber" name="mailnumber" value="%s"></td></tr>
<tr><th><span class="req">*</span>查询码</th><td><input type="text" id="querycode" name="querycode" value="%s"></td></tr></table>
<p class="center"><button type="submit" class="btn" id="querybtn">查询</button></p></form>%s""" % (
            BASE, esc(mn), esc(qc), result)
        self.send_page(self.page("信件查询", body))
