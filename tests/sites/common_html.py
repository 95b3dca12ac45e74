"""The shared look of the fixture portals: banner, navigation bar, footer, bordered tables, inline CSS.

All fixture places belong to the fictional province 江屿省 (ICP prefix 屿ICP备); no real city is named.
"""
import datetime
import html
import secrets

esc = html.escape

WEEKDAYS = "一二三四五六日"

THEMES = {
    "hanweb": {"gov": "宝川市人民政府", "domain": "www.baochuan.gov.cn", "color": "#0d5aa7",
               "dark": "#093f78", "office": "宝川市人民政府办公室", "maker": "宝川市大数据中心",
               "icp": "屿ICP备05012345号-1", "ga": "屿公网安备 36010202000117号", "bsm": "3601000012"},
    "gbk": {"gov": "青岚县人民政府", "domain": "www.qinglan.gov.cn", "color": "#1f4e8c",
            "dark": "#163a69", "office": "青岚县人民政府办公室", "maker": "青岚县信息中心",
            "icp": "屿ICP备06003321号", "ga": "屿公网安备 36072502000031号", "bsm": "3607250003"},
    "spa": {"gov": "云溪市人民政府", "domain": "www.yunxi.gov.cn", "color": "#1664d9",
            "dark": "#0e4aa6", "office": "云溪市人民政府办公室", "maker": "云溪市政务服务数据管理局",
            "icp": "屿ICP备18004567号-2", "ga": "屿公网安备 36030202000456号", "bsm": "3603000017"},
    "iframe-city": {"gov": "鹭洲市人民政府", "domain": "www.luzhou-jy.gov.cn", "color": "#0f7a63",
                    "dark": "#0a5a49", "office": "鹭洲市人民政府办公室", "maker": "鹭洲市大数据发展中心",
                    "icp": "屿ICP备09011223号-1", "ga": "屿公网安备 36050202000210号", "bsm": "3605000021"},
    "iframe-platform": {"gov": "江屿省政务服务网", "domain": "www.jiangyu.gov.cn", "color": "#b3261e",
                        "dark": "#8a1c16", "office": "江屿省人民政府办公厅", "maker": "江屿省大数据发展管理局",
                        "icp": "屿ICP备05000001号", "ga": "屿公网安备 36000002000001号", "bsm": "3600000001"},
    "board": {"gov": "梧川区人民政府", "domain": "www.wuchuan-qu.gov.cn", "color": "#a8251c",
              "dark": "#7f1b14", "office": "梧川区人民政府办公室", "maker": "梧川区融媒体中心",
              "icp": "屿ICP备12008765号-3", "ga": "屿公网安备 36011202000088号", "bsm": "3601120009"},
    "guestbook": {"gov": "临溪县人民政府", "domain": "www.linxi-jy.gov.cn", "color": "#2f6f3e",
                  "dark": "#22522d", "office": "临溪县人民政府办公室", "maker": "临溪县融媒体中心",
                  "icp": "屿ICP备15006218号-1", "ga": "屿公网安备 36072802000052号", "bsm": "3607280011"},
}

NAV = ("首页", "政务公开", "政务服务", "互动交流", "数据发布", "走进本地")

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eef2f6;font:14px/1.7 "Microsoft YaHei","WenQuanYi Micro Hei","PingFang SC",sans-serif;color:#333}
a{color:%(color)s;text-decoration:none} a:hover{text-decoration:underline}
.w{width:1200px;margin:0 auto}
.topbar{background:#f7f7f7;border-bottom:1px solid #e3e3e3;font-size:12px;color:#666;line-height:30px}
.topbar .r{float:right} .topbar .r a{color:#666;margin-left:14px}
.banner{height:120px;background:linear-gradient(100deg,%(dark)s 0%%,%(color)s 60%%,%(color)s 100%%);color:#fff;position:relative;overflow:hidden}
.banner:after{content:"";position:absolute;right:-60px;top:-80px;width:520px;height:300px;border-radius:50%%;background:rgba(255,255,255,.07)}
.banner .w{display:flex;align-items:center;height:120px}
.emblem{width:74px;height:74px;border-radius:50%%;background:radial-gradient(circle,#e0302a 55%%,#b8130e 100%%);border:3px solid #f3cf58;color:#f7d564;font-size:40px;line-height:66px;text-align:center;margin-right:18px}
.gname{font-size:38px;font-weight:bold;letter-spacing:6px;font-family:"STKaiti","KaiTi","WenQuanYi Micro Hei",serif;text-shadow:0 2px 3px rgba(0,0,0,.3)}
.gname small{display:block;font-size:13px;letter-spacing:1px;font-weight:normal;opacity:.85;font-family:Arial,sans-serif}
.search{margin-left:auto;display:flex;z-index:1} .search input{width:240px;height:34px;border:0;padding:0 10px} .search span{background:%(dark)s;padding:0 16px;line-height:34px}
.nav{background:%(dark)s;height:46px} .nav a{display:inline-block;color:#fff;font-size:16px;line-height:46px;padding:0 34px}
.nav a.on,.nav a:hover{background:rgba(255,255,255,.16);text-decoration:none}
.main{background:#fff;margin-top:14px;padding:18px 26px 30px;min-height:420px;border:1px solid #dde3ea}
.crumb{font-size:13px;color:#777;border-bottom:1px solid #e6e6e6;padding-bottom:8px;margin-bottom:16px}
h1.title{font-size:22px;color:%(dark)s;text-align:center;margin:8px 0 18px}
.notice{background:#fff8e6;border:1px solid #f1dca7;padding:10px 14px;color:#7a5a12;font-size:13px;margin-bottom:16px}
table.grid{width:100%%;border-collapse:collapse;margin-bottom:16px}
table.grid th,table.grid td{border:1px solid #cdd6e0;padding:9px 12px;text-align:left;vertical-align:top}
table.grid th{background:#f2f6fb;color:#34495e;font-weight:normal;width:120px;white-space:nowrap}
table.list{width:100%%;border-collapse:collapse} table.list th{background:%(color)s;color:#fff;padding:9px;border:1px solid %(color)s}
table.list td{border:1px solid #d7dee6;padding:8px;text-align:center} table.list td.t{text-align:left}
table.list tr:nth-child(even) td{background:#f8fafc}
input[type=text],input[type=tel],input[type=email],select,textarea{border:1px solid #c3ccd6;padding:6px 8px;font:inherit;border-radius:2px}
input[type=text],input[type=tel],input[type=email]{width:320px} textarea{width:100%%;height:160px}
.btn{display:inline-block;background:%(color)s;color:#fff;border:0;padding:8px 30px;font-size:15px;cursor:pointer;border-radius:2px}
.btn.gray{background:#8a96a3}
.req{color:#d00;margin-right:3px}
.ok{color:#1a7f37;font-size:20px;text-align:center;margin:24px 0 10px}
.err{color:#c8161e;font-size:18px;text-align:center;margin:24px 0 10px}
.code{font-family:Consolas,monospace;font-size:20px;color:#c8161e;font-weight:bold;letter-spacing:1px}
.center{text-align:center} .muted{color:#888;font-size:12px}
.reply{border:1px solid #f0c9a8;background:#fffaf5;margin-top:6px}
.reply th{background:#fdf0e3 !important}
.footer{background:#2b3440;color:#c5ccd4;font-size:13px;margin-top:20px;padding:22px 0;line-height:26px}
.footer .w{display:flex;align-items:center}
.footer .dzjg{width:64px;height:64px;border:2px solid #d8261e;color:#e23b33;background:#fff;font-weight:bold;text-align:center;line-height:28px;padding-top:2px;font-size:15px;margin-right:22px;flex:none}
.footer .ft a{color:#c5ccd4;margin-right:12px}
"""


def today_text(now):
    return "%d年%02d月%02d日 星期%s" % (now.year, now.month, now.day, WEEKDAYS[now.weekday()])


def css(theme):
    return CSS % theme


def page(site, title, body, nav_on="互动交流", crumb=None, now=None, head_extra="", charset="utf-8"):
    """A whole portal page for site (a THEMES key); body is already-escaped HTML."""
    t = THEMES[site]
    now = now or datetime.datetime.now()
    navs = "".join('<a href="/"%s>%s</a>' % (' class="on"' if n == nav_on else "", n) for n in NAV)
    crumb = crumb or ["首页", "互动交流", title]
    return """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="%(cs)s"><meta http-equiv="Content-Type" content="text/html; charset=%(cs)s">
<meta name="SiteName" content="%(gov)s"><meta name="SiteDomain" content="%(domain)s"><meta name="SiteIDCode" content="%(bsm)s">
<title>%(title)s_%(gov)s</title><style>%(css)s</style>%(head)s</head>
<body>
<div class="topbar"><div class="w">今天是：%(today)s<span class="r"><a href="/">无障碍浏览</a><a href="/">长者模式</a><a href="/">繁體版</a><a href="/">English</a></span></div></div>
<div class="banner"><div class="w"><div class="emblem">&#9733;</div><div class="gname">%(gov)s<small>%(domain)s</small></div>
<div class="search"><input type="text" aria-label="站内搜索" placeholder="请输入关键字"><span>搜索</span></div></div></div>
<div class="nav"><div class="w">%(navs)s</div></div>
<div class="w main"><div class="crumb">当前位置：%(crumb)s</div>
%(body)s
</div>
<div class="footer"><div class="w"><div class="dzjg">党政<br>机关</div><div class="ft">
<div><a href="/">关于我们</a><a href="/">网站地图</a><a href="/">联系我们</a><a href="/">隐私声明</a></div>
<div>主办单位：%(office)s　承办单位：%(maker)s</div>
<div>网站标识码：%(bsm)s　%(icp)s　%(ga)s</div></div></div></div>
</body></html>""" % dict(t, cs=charset, title=esc(title), css=css(t), head=head_extra, today=today_text(now),
                         navs=navs, crumb=" &gt; ".join(esc(c) for c in crumb), body=body)


def message(site, title, text_html, cls="ok", links=(), now=None, charset="utf-8", head_extra=""):
    """A one-message page (success, error) with links back."""
    link_html = "　".join('<a class="btn%s" href="%s">%s</a>' % (" gray" if i else "", esc(u), esc(n))
                         for i, (n, u) in enumerate(links))
    body = '<h1 class="title">%s</h1><div class="%s">%s</div><p class="center">%s</p>' % (
        esc(title), cls, text_html, link_html)
    return page(site, title, body, now=now, charset=charset, head_extra=head_extra)


def error_500():
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>500 Internal Server Error</title></head>"
            "<body><center><h1>500 Internal Server Error</h1><p>服务器内部错误，请稍后再试。</p></center>"
            "<hr><center>nginx</center></body></html>")


def not_found_page():
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
            "<body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>")


def waf_page():
    event = secrets.token_hex(8)
    return """<!DOCTYPE html><html><head><meta charset="utf-8"><title>访问被拦截 - 安全验证</title>
<style>body{margin:0;background:#f3f5f8;font:14px/1.8 "Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;color:#333}
.box{width:640px;margin:110px auto;background:#fff;border:1px solid #dfe3e8;border-top:4px solid #e6a23c;padding:34px 44px}
h1{font-size:24px;color:#c0392b;margin:0 0 10px} .shield{font-size:56px;color:#e6a23c;float:right;line-height:1}
.k{color:#888}</style></head><body><div class="box"><div class="shield">&#9888;</div>
<h1>访问被拦截</h1><p>您的访问请求可能对网站造成安全威胁，已被网站应用防火墙拦截。请完成安全验证后继续访问。</p>
<p><b>安全验证</b>：请稍候，正在检查您的浏览器环境……</p>
<p class="k">事件ID：%s<br>拦截时间：%s<br>如有疑问，请联系网站管理员。</p></div></body></html>""" % (
        event, datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))


def state_label(state):
    """How public pages name a letter's state."""
    return {"待处理": "待处理", "已回复": "已回复", "pending-approval": "待审核", "spam": "垃圾信件",
            "deleted": "已删除"}.get(state, state)


def mask_name(name):
    name = name or ""
    return (name[0] + "*" * max(1, len(name) - 1)) if name else "匿名"
