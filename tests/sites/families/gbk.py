"""A legacy JSP portal: 青岚县人民政府 县长信箱.

GBK pages (header and meta), table layout, pinyin field names (xm dh yx dz lx bt nr gk fj yzm), a 4-digit
image captcha bound to JSESSIONID, a multipart/form-data post, the query code shown ONLY in an alert()
after submission, dates written 2024年05月29日, a query page by query code (cxm), not-found text 未找到该信件.
"""
import datetime

import captcha
import common_html
import httpbase
from common_html import esc
from families.util import clean, cn_date, is_public_visible, multiline, raw_form

SITE = "gbk"
TYPES = ("咨询", "投诉", "建议", "求助")
NOT_FOUND = "未找到该信件"
PER_PAGE = 20

CSS = """body{margin:0;background:#e9eef4;font-size:12px;font-family:"SimSun","宋体","WenQuanYi Micro Hei",sans-serif;color:#333}
td{font-size:12px}
a{color:#1f4e8c;text-decoration:none} a:hover{color:#c00;text-decoration:underline}
.head{background:#1f4e8c} .head td{color:#fff}
.gov{font-size:34px;font-weight:bold;letter-spacing:8px;font-family:"KaiTi","楷体","WenQuanYi Micro Hei",serif;color:#fff;text-shadow:1px 2px 2px #0a2447}
.navbar{background:#c8161e} .navbar a{color:#fff;font-size:14px;font-weight:bold;padding:0 22px}
.box{background:#fff;border:1px solid #b9c7d8}
.bt{background:#dfe8f3;color:#1f4e8c;font-size:14px;font-weight:bold;border-bottom:2px solid #1f4e8c}
table.bk{border-collapse:collapse} table.bk td{border:1px solid #b9c7d8;padding:6px 8px;font-size:12px}
td.lb{background:#f0f4f9;text-align:right;width:110px;color:#1f4e8c}
.foot td{color:#555;line-height:22px}
.red{color:#c00}"""


def namer(seq, now):
    return "QL%s%05d" % (now.strftime("%Y"), seq), "/mail/view.jsp?id=%d" % seq


def legacy_page(title, body, now=None, head_extra=""):
    t = common_html.THEMES[SITE]
    now = now or datetime.datetime.now()
    navs = "".join('<a href="%s">%s</a>' % (u, n) for n, u in (
        ("网站首页", "/"), ("政务公开", "/"), ("办事服务", "/"), ("县长信箱", "/mail/write.jsp"),
        ("来信选登", "/mail/list.jsp"), ("信件查询", "/mail/query.jsp"), ("走进青岚", "/")))
    return """<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><meta charset="gbk">
<title>%(title)s--%(gov)s</title><style>%(css)s</style>%(head)s</head>
<body><table width="1000" align="center" cellpadding="0" cellspacing="0" border="0">
<tr class="head"><td height="110" style="padding-left:26px"><table cellpadding="0" cellspacing="0"><tr>
<td><div style="width:70px;height:70px;border-radius:35px;background:#d9261c;border:3px solid #f2c94c;color:#f2d35c;font-size:38px;text-align:center;line-height:68px">&#9733;</div></td>
<td style="padding-left:16px"><div class="gov">%(gov)s</div><div style="font-size:12px;color:#cfe0f5">%(domain)s</div></td>
</tr></table></td><td align="right" style="padding-right:20px;font-size:12px">%(today)s<br><a href="/" style="color:#fff">设为首页</a> | <a href="/" style="color:#fff">加入收藏</a></td></tr>
<tr class="navbar"><td colspan="2" height="36">%(navs)s</td></tr>
<tr><td colspan="2" height="10"></td></tr>
<tr><td colspan="2" class="box" style="padding:0">
<table width="100%%" cellpadding="8" cellspacing="0"><tr><td class="bt">&gt;&gt; %(title)s　<span style="font-weight:normal;font-size:12px;color:#666">您现在的位置：首页 &gt; 县长信箱 &gt; %(title)s</span></td></tr>
<tr><td style="padding:16px 24px;min-height:400px">%(body)s</td></tr></table></td></tr>
<tr><td colspan="2" height="10"></td></tr>
<tr class="foot"><td colspan="2" align="center" style="background:#fff;border-top:3px solid #1f4e8c;padding:12px">
<table><tr><td><div style="border:2px solid #d9261c;color:#d9261c;font-weight:bold;width:54px;text-align:center;line-height:22px;padding:2px">党政<br>机关</div></td>
<td style="padding-left:14px">主办：%(office)s　承办：%(maker)s　联系电话：0795-6221234<br>
网站标识码：%(bsm)s　%(icp)s　%(ga)s<br>建议使用1024×768分辨率 IE8.0以上版本浏览器</td></tr></table></td></tr>
</table></body></html>""" % dict(t, title=esc(title), css=CSS, head=head_extra, today=common_html.today_text(now),
                                 navs=navs, body=body)


def letter_table(x):
    reply = x["reply"]
    rows = [("信件编号", esc(x["number"])), ("信件标题", esc(x["title"])),
            ("来 信 人", esc(common_html.mask_name(x["name"]))), ("来信日期", cn_date(x["submitted_at"])),
            ("信件类型", esc(x["type"])), ("办理状态", "已办结" if reply else "办理中"),
            ("来信内容", multiline(x["content"]))]
    if reply:
        rows += [("答复部门", esc(reply["unit"])), ("答复日期", cn_date(reply["date"])),
                 ("答复内容", multiline(reply["text"]))]
    else:
        rows += [("答复内容", '<span class="red">信件正在办理中，请耐心等待。</span>')]
    return '<table class="bk" id="xjxx" width="100%%">%s</table>' % "".join(
        '<tr><td class="lb">%s：</td><td>%s</td></tr>' % r for r in rows)


def alert_page(title, message, now):
    """A page whose only news is an alert() (legacy style); the body repeats the message."""
    script = '<script type="text/javascript">alert("%s");</script>' % message
    return legacy_page(title, '<p class="red" style="font-size:14px;text-align:center">%s</p>'
                              '<p align="center"><a href="javascript:history.back()">返回</a></p>' % message,
                       now=now, head_extra=script)


class Handler(httpbase.SiteHandler):
    server_name = SITE
    family = SITE
    charset = "gbk"
    server_version = "Apache-Coyote/1.1"
    routes = {"/": "home", "/index.jsp": "home", "/mail/write.jsp": "write", "/mail/yzm.jsp": "yzm",
              "/mail/save.jsp": "save", "/mail/list.jsp": "listing", "/mail/view.jsp": "view",
              "/mail/query.jsp": "query"}

    def out(self, title, body, **kw):
        self.send_page(legacy_page(title, body, now=self.store.now(SITE)), **kw)

    def home(self):
        self.out("县长信箱", """<p style="font-size:14px;line-height:26px">　　县长信箱是县人民政府联系群众的桥梁。
您可以通过本信箱反映问题、提出意见建议。我们将在5个工作日内予以答复（节假日顺延）。</p>
<p align="center"><a href="/mail/write.jsp">[我要写信]</a>　<a href="/mail/list.jsp">[来信选登]</a>　<a href="/mail/query.jsp">[信件查询]</a></p>""")

    def write(self):
        sid, set_cookie = self.session()
        self.store.captcha_new(SITE, sid, captcha.DIGITS)
        types = "".join('<option value="%s">%s</option>' % (t, t) for t in TYPES)
        body = """<form name="form1" id="form1" method="post" action="save.jsp" enctype="multipart/form-data" accept-charset="gbk">
<table class="bk" width="100%%" id="xxb">
<tr><td class="lb"><span class="red">*</span>姓　　名：</td><td><input type="text" name="xm" id="xm" size="20" maxlength="20"></td></tr>
<tr><td class="lb"><span class="red">*</span>联系电话：</td><td><input type="text" name="dh" id="dh" size="20" maxlength="20"></td></tr>
<tr><td class="lb">电子邮箱：</td><td><input type="text" name="yx" id="yx" size="30" maxlength="60"></td></tr>
<tr><td class="lb">联系地址：</td><td><input type="text" name="dz" id="dz" size="50" maxlength="100"></td></tr>
<tr><td class="lb"><span class="red">*</span>信件类型：</td><td><select name="lx" id="lx">%s</select></td></tr>
<tr><td class="lb"><span class="red">*</span>信件标题：</td><td><input type="text" name="bt" id="bt" size="60" maxlength="60"></td></tr>
<tr><td class="lb"><span class="red">*</span>信件内容：</td><td><textarea name="nr" id="nr" cols="80" rows="10"></textarea></td></tr>
<tr><td class="lb">附　　件：</td><td><input type="file" name="fj" id="fj"> <span style="color:#888">（可选，不超过2M）</span></td></tr>
<tr><td class="lb">是否公开：</td><td><input type="radio" name="gk" id="gk1" value="1" checked><label for="gk1">公开</label>
<input type="radio" name="gk" id="gk0" value="0"><label for="gk0">不公开</label></td></tr>
<tr><td class="lb"><span class="red">*</span>验 证 码：</td><td><input type="text" name="yzm" id="yzm" size="6" maxlength="4">
<img src="yzm.jsp" id="yzmimg" align="absmiddle" alt="验证码" onclick="this.src='yzm.jsp?refresh=1&amp;t='+new Date().getTime()" style="cursor:pointer">
<span style="color:#888">看不清，点击图片刷新</span></td></tr>
<tr><td colspan="2" align="center" style="padding:12px"><input type="submit" value=" 提 交 " id="tj" name="tj">　<input type="reset" value=" 重 填 "></td></tr>
</table></form>""" % types
        self.out("我要写信", body, headers={"Set-Cookie": set_cookie})

    def yzm(self):
        sid, set_cookie = self.session()
        answer = self.store.captcha_get(SITE, sid)
        if answer is None or self.params.get("refresh"):
            answer = self.store.captcha_new(SITE, sid, captcha.DIGITS)
        self.send_bytes(captcha.render_png(answer), "image/png", headers={"Set-Cookie": set_cookie})

    def save(self):
        if self.command != "POST":
            return self.redirect("/mail/write.jsp")
        f = self.form()
        now = self.store.now(SITE)
        if not self.store.captcha_check(SITE, self.cookie("JSESSIONID") or "", f.get("yzm")):
            return self.send_page(alert_page("提示信息", "验证码错误！", now))
        xm, dh, bt, nr = (clean(f.get(k)) for k in ("xm", "dh", "bt", "nr"))
        if not (xm and dh and bt and nr):
            return self.send_page(alert_page("提示信息", "请将带*号的内容填写完整！", now))
        lx = clean(f.get("lx"))
        x = self.store.add_letter(SITE, {
            "name": xm, "phone": dh, "email": clean(f.get("yx")), "address": clean(f.get("dz")),
            "type": lx if lx in TYPES else "咨询", "recipient": "县长", "title": bt, "content": nr,
            "is_public": clean(f.get("gk")) != "0", "form": raw_form(f)})
        script = ('<script type="text/javascript">alert("您的信件已提交成功！查询码：%s，请妥善保存，'
                  '凭查询码查询办理结果。");</script>' % x["query_code"])
        body = """<p class="red" style="font-size:16px;text-align:center;margin:30px 0 10px">信件提交成功！</p>
<p style="text-align:center;font-size:14px">请牢记弹出窗口中的查询码，凭查询码到“信件查询”栏目查询办理结果。</p>
<p align="center"><a href="/mail/query.jsp">[信件查询]</a>　<a href="/mail/list.jsp">[来信选登]</a></p>"""
        self.send_page(legacy_page("提交成功", body, now=now, head_extra=script))

    def listing(self):
        try:
            page = max(1, int(self.params.get("page", "1")))
        except ValueError:
            page = 1
        rows = [x for x in reversed(self.store.letters(SITE)) if is_public_visible(x)]
        pages = max(1, (len(rows) + PER_PAGE - 1) // PER_PAGE)
        trs = "".join('<tr><td align="center">%s</td><td><a href="view.jsp?id=%d" target="_blank">%s</a></td>'
                      '<td align="center">%s</td><td align="center">%s</td></tr>' % (
                          esc(x["number"]), x["seq"], esc(x["title"]), cn_date(x["submitted_at"]),
                          "已办结" if x["reply"] else "办理中")
                      for x in rows[(page - 1) * PER_PAGE:page * PER_PAGE])
        if not trs:
            trs = '<tr><td colspan="4" align="center">暂无信件</td></tr>'
        nav = "共%d条 第%d/%d页 " % (len(rows), page, pages)
        nav += '<a href="list.jsp?page=%d">上一页</a> ' % (page - 1) if page > 1 else "上一页 "
        nav += '<a href="list.jsp?page=%d">下一页</a>' % (page + 1) if page < pages else "下一页"
        body = """<table class="bk" width="100%%" id="xjlb"><tr style="background:#dfe8f3;font-weight:bold">
<td align="center" width="130">编号</td><td align="center">信件标题</td><td align="center" width="120">来信日期</td>
<td align="center" width="80">状态</td></tr>%s</table><p align="right">%s</p>""" % (trs, nav)
        self.out("来信选登", body)

    def view(self):
        try:
            x = self.store.find(SITE, seq=int(self.params.get("id", "")))
        except ValueError:
            x = None
        if not x or not is_public_visible(x):
            return self.out("信件详情", '<p class="red" style="text-align:center;font-size:14px">%s</p>' % NOT_FOUND)
        self.store.click(x["id"])
        self.out("信件详情", letter_table(x))

    def query(self):
        f = self.form()
        cxm = clean(f.get("cxm"))
        result = ""
        if cxm:
            x = self.store.find(SITE, query_code=cxm)
            if x and x["state"] in ("待处理", "已回复", "pending-approval"):
                result = "<br>" + letter_table(x)
            else:
                result = '<p class="red" id="jg" style="text-align:center;font-size:14px">%s</p>' % NOT_FOUND
        body = """<form name="form2" method="post" action="query.jsp"><table class="bk" width="460" align="center">
<tr><td class="lb">查 询 码：</td><td><input type="text" name="cxm" id="cxm" size="20" value="%s">
<input type="submit" value=" 查 询 " id="cx"></td></tr></table></form>%s""" % (esc(cxm), result)
        self.out("信件查询", body)
