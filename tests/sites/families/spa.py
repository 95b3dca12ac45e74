"""A modern single-page site: 云溪市人民政府 政民互动.

The form is drawn by JavaScript after a fetch of /api/config; inputs have no name attributes (placeholders
and <label for> only); 留言类型 and 受理部门 are div-based dropdowns; submission is a fetch() POST of JSON;
a modal shows the query code; lookup is a JSON API with times in epoch milliseconds.
"""
import re

import common_html
import httpbase
from families.util import clean
from store import epoch_ms

SITE = "spa"
TYPES = ("咨询", "投诉", "建议", "求助")
DEPTS = ("市政府办公室", "市发展和改革委员会", "市教育局", "市公安局", "市人力资源和社会保障局",
         "市住房和城乡建设局", "市交通运输局", "市卫生健康委员会", "市市场监督管理局")
STATUS = {"待处理": "待处理", "已回复": "已回复", "spam": "不予受理", "pending-approval": "待审核"}


def namer(seq, now):
    return "YX%s%05d" % (now.strftime("%Y%m%d"), seq), "/#/detail/%d" % seq


def api_letter(x):
    r = x["reply"]
    return {"id": x["seq"], "letterNo": x["number"], "title": x["title"], "content": x["content"],
            "type": x["type"], "dept": x["recipient"], "status": STATUS.get(x["state"], x["state"]),
            "isPublic": x["is_public"], "submitTime": epoch_ms(x["submitted_at"]),
            "replyTime": epoch_ms(r["date"]) if r else None, "replyUnit": r["unit"] if r else None,
            "replyContent": r["text"] if r else None}


APP_CSS = """
.tabs{display:flex;border-bottom:2px solid #1664d9;margin-bottom:20px}
.tabs a{padding:10px 28px;font-size:16px;color:#333} .tabs a.on{background:#1664d9;color:#fff;border-radius:4px 4px 0 0;text-decoration:none}
.x-form{width:820px;margin:0 auto} .x-item{display:flex;margin-bottom:18px;align-items:flex-start}
.x-item>label:first-child{width:110px;text-align:right;padding:8px 14px 0 0;color:#555;flex:none} .x-item>label.req:first-child:before{content:"*";color:#f56c6c;margin-right:4px}
.x-input{width:100%;height:38px;border:1px solid #dcdfe6;border-radius:4px;padding:0 12px;font:inherit;outline:none}
.x-input:focus{border-color:#1664d9} textarea.x-input{height:150px;padding:8px 12px;resize:vertical}
.x-select{position:relative;width:360px} .x-select .x-input{cursor:pointer;background:#fff}
.x-select:after{content:"\\25BE";position:absolute;right:12px;top:8px;color:#999;pointer-events:none}
.x-select__menu{position:absolute;z-index:20;left:0;right:0;top:42px;background:#fff;border:1px solid #e4e7ed;border-radius:4px;box-shadow:0 2px 12px rgba(0,0,0,.1);margin:0;padding:6px 0;list-style:none;display:none;max-height:260px;overflow:auto}
.x-select.open .x-select__menu{display:block}
.x-select__option{padding:0 16px;line-height:34px;cursor:pointer} .x-select__option:hover{background:#f5f7fa} .x-select__option.selected{color:#1664d9;font-weight:bold}
.x-btn{height:40px;padding:0 36px;border:0;border-radius:4px;background:#1664d9;color:#fff;font-size:15px;cursor:pointer}
.x-btn.plain{background:#fff;color:#606266;border:1px solid #dcdfe6}
.x-toast{position:fixed;top:24px;left:50%;transform:translateX(-50%);background:#fef0f0;border:1px solid #fde2e2;color:#f56c6c;padding:10px 22px;border-radius:4px;z-index:99}
.x-modal{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:50}
.x-modal__box{background:#fff;width:460px;border-radius:6px;padding:26px 30px;text-align:center;box-shadow:0 6px 30px rgba(0,0,0,.3)}
.x-modal__box h3{margin:0 0 12px;color:#1a7f37;font-size:20px} .query-code{font:bold 28px Consolas,monospace;color:#e6392e;letter-spacing:2px;margin:10px 0 18px}
.x-card{border:1px solid #e4e7ed;border-radius:4px;padding:16px 20px;margin-top:18px} .x-card dl{display:grid;grid-template-columns:110px 1fr;margin:0;row-gap:8px}
.x-card dt{color:#888} .x-card dd{margin:0} .x-tag{display:inline-block;padding:0 10px;border-radius:3px;background:#ecf5ff;color:#1664d9;border:1px solid #d9ecff}
.x-tag.done{background:#f0f9eb;color:#3a8e17;border-color:#e1f3d8}
.x-empty{color:#909399;text-align:center;padding:30px}
"""

APP_JS = r"""
(function () {
  var app = document.getElementById('app'), config = null;
  function h(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
    return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]; }); }
  function fmt(ms) { if (ms == null) return ''; var d = new Date(ms + 8 * 3600 * 1000).toISOString();
    return d.slice(0, 10) + ' ' + d.slice(11, 19); }
  function toast(msg) { var t = document.createElement('div'); t.className = 'x-toast'; t.textContent = msg;
    document.body.appendChild(t); setTimeout(function () { t.remove(); }, 3000); }
  function tabs(on) { return '<div class="tabs">' + [['write', '我要留言'], ['query', '留言查询'], ['list', '留言公开']].map(function (t) {
    return '<a href="#/' + t[0] + '"' + (t[0] === on ? ' class="on"' : '') + '>' + t[1] + '</a>'; }).join('') + '</div>'; }
  function dropdown(id, placeholder, items) {
    return '<div class="x-select" id="' + id + '-wrap"><input class="x-input" id="' + id + '" readonly placeholder="' + placeholder + '">'
      + '<ul class="x-select__menu">' + items.map(function (v) { return '<li class="x-select__option" data-value="' + h(v) + '">' + h(v) + '</li>'; }).join('') + '</ul></div>';
  }
  function wireDropdowns() {
    Array.prototype.forEach.call(document.querySelectorAll('.x-select'), function (sel) {
      var input = sel.querySelector('input');
      input.addEventListener('click', function (e) { e.stopPropagation(); sel.classList.toggle('open'); });
      Array.prototype.forEach.call(sel.querySelectorAll('.x-select__option'), function (li) {
        li.addEventListener('click', function (e) { e.stopPropagation(); input.value = li.getAttribute('data-value');
          Array.prototype.forEach.call(sel.querySelectorAll('.x-select__option'), function (o) { o.classList.remove('selected'); });
          li.classList.add('selected'); sel.classList.remove('open'); });
      });
    });
    document.addEventListener('click', function () { Array.prototype.forEach.call(document.querySelectorAll('.x-select.open'),
      function (s) { s.classList.remove('open'); }); });
  }
  function renderWrite() {
    app.innerHTML = tabs('write') + '<div class="x-empty">正在加载表单……</div>';
    fetch('/api/config').then(function (r) { return r.json(); }).then(function (res) {
      config = res.data;
      app.innerHTML = tabs('write') + '<div class="notice">' + h(config.notice) + '</div><form class="x-form" onsubmit="return false">'
        + '<div class="x-item"><label class="req" for="x-input-1">姓名</label><input class="x-input" id="x-input-1" placeholder="请输入您的真实姓名" style="width:360px"></div>'
        + '<div class="x-item"><label class="req" for="x-input-2">手机号码</label><input class="x-input" id="x-input-2" placeholder="请输入11位手机号码" style="width:360px"></div>'
        + '<div class="x-item"><label for="x-input-3">电子邮箱</label><input class="x-input" id="x-input-3" placeholder="请输入电子邮箱（选填）" style="width:360px"></div>'
        + '<div class="x-item"><label class="req" for="x-select-1">留言类型</label>' + dropdown('x-select-1', '请选择留言类型', config.types) + '</div>'
        + '<div class="x-item"><label class="req" for="x-select-2">受理单位</label>' + dropdown('x-select-2', '请选择受理单位', config.depts) + '</div>'
        + '<div class="x-item"><label class="req" for="x-input-4">留言标题</label><input class="x-input" id="x-input-4" placeholder="请输入留言标题（不超过50字）"></div>'
        + '<div class="x-item"><label class="req" for="x-input-5">留言内容</label><textarea class="x-input" id="x-input-5" placeholder="请详细描述您要反映的问题或建议"></textarea></div>'
        + '<div class="x-item"><label for="x-check-1">是否公开</label><label style="padding-top:8px"><input type="checkbox" id="x-check-1" checked> 同意公开我的留言（个人信息不公开）</label></div>'
        + '<div class="x-item"><label></label><button type="button" class="x-btn" id="x-submit">提交留言</button></div></form>';
      wireDropdowns();
      document.getElementById('x-submit').addEventListener('click', submit);
    }).catch(function () { app.innerHTML = tabs('write') + '<div class="x-empty">表单加载失败，请刷新重试</div>'; });
  }
  function val(id) { return document.getElementById(id).value.trim(); }
  function submit() {
    var body = {name: val('x-input-1'), phone: val('x-input-2'), email: val('x-input-3'), type: val('x-select-1'),
      dept: val('x-select-2'), title: val('x-input-4'), content: val('x-input-5'), isPublic: document.getElementById('x-check-1').checked};
    var btn = document.getElementById('x-submit'); btn.disabled = true; btn.textContent = '提交中……';
    fetch('/api/letters', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); }).then(function (res) {
        btn.disabled = false; btn.textContent = '提交留言';
        if (res.code !== 0) { toast(res.msg || '提交失败'); return; }
        var m = document.createElement('div'); m.className = 'x-modal'; m.id = 'result-modal';
        m.innerHTML = '<div class="x-modal__box" role="dialog"><h3>提交成功</h3><p>您的留言已提交成功，留言编号 <b class="letter-no">' + h(res.data.letterNo)
          + '</b>。<br>请牢记查询码，凭查询码查询办理结果：</p><div class="query-code">' + h(res.data.queryCode)
          + '</div><button type="button" class="x-btn" id="modal-ok">我知道了</button></div>';
        document.body.appendChild(m);
        document.getElementById('modal-ok').addEventListener('click', function () { m.remove(); location.hash = '#/query'; });
      }).catch(function () { btn.disabled = false; btn.textContent = '提交留言'; toast('网络异常，请稍后重试'); });
  }
  function card(d) {
    return '<div class="x-card" id="query-result"><dl>'
      + '<dt>留言编号</dt><dd class="letter-no">' + h(d.letterNo) + '</dd>'
      + '<dt>留言标题</dt><dd class="letter-title">' + h(d.title) + '</dd>'
      + '<dt>提交时间</dt><dd class="submit-time">' + fmt(d.submitTime) + '</dd>'
      + '<dt>办理状态</dt><dd><span class="x-tag' + (d.status === '已回复' ? ' done' : '') + '" id="letter-status">' + h(d.status) + '</span></dd>'
      + '<dt>留言内容</dt><dd>' + h(d.content).replace(/\n/g, '<br>') + '</dd>'
      + (d.replyTime != null ? '<dt>回复单位</dt><dd class="reply-unit">' + h(d.replyUnit) + '</dd><dt>回复时间</dt><dd class="reply-time">'
         + fmt(d.replyTime) + '</dd><dt>回复内容</dt><dd class="reply-content">' + h(d.replyContent).replace(/\n/g, '<br>') + '</dd>' : '')
      + '</dl></div>';
  }
  function renderQuery() {
    app.innerHTML = tabs('query') + '<div class="x-form"><div class="x-item"><label for="x-query">查询码</label>'
      + '<input class="x-input" id="x-query" placeholder="请输入10位查询码" style="width:360px">　<button type="button" class="x-btn" id="x-query-btn">查询</button></div>'
      + '<div id="query-out"></div></div>';
    document.getElementById('x-query-btn').addEventListener('click', function () {
      fetch('/api/letters/query?code=' + encodeURIComponent(val('x-query'))).then(function (r) { return r.json(); }).then(function (res) {
        document.getElementById('query-out').innerHTML = res.code === 0 ? card(res.data)
          : '<div class="x-empty" id="query-empty">' + h(res.msg) + '</div>';
      }).catch(function () { toast('网络异常，请稍后重试'); });
    });
  }
  function renderList() {
    app.innerHTML = tabs('list') + '<div class="x-empty">加载中……</div>';
    fetch('/api/letters?pageIndex=1&pageSize=20').then(function (r) { return r.json(); }).then(function (res) {
      var rows = res.data.list.map(function (d) { return '<tr><td>' + h(d.letterNo) + '</td><td class="t"><a href="#/detail/' + d.id + '">' + h(d.title)
        + '</a></td><td>' + h(d.status) + '</td><td>' + fmt(d.submitTime).slice(0, 10) + '</td></tr>'; }).join('');
      app.innerHTML = tabs('list') + '<table class="list" id="letter-list"><thead><tr><th style="width:190px">留言编号</th><th>留言标题</th><th style="width:110px">办理状态</th><th style="width:130px">提交日期</th></tr></thead><tbody>'
        + (rows || '<tr><td colspan="4">暂无公开留言</td></tr>') + '</tbody></table><p class="muted">共 ' + res.data.total + ' 条</p>';
    });
  }
  function renderDetail(id) {
    app.innerHTML = tabs('list') + '<div class="x-empty">加载中……</div>';
    fetch('/api/letters/detail?id=' + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (res) {
      app.innerHTML = tabs('list') + (res.code === 0 ? card(res.data) : '<div class="x-empty" id="query-empty">' + h(res.msg) + '</div>');
    });
  }
  function route() {
    var m = location.hash.match(/^#\/(\w+)(?:\/(\w+))?/), view = m ? m[1] : 'write';
    if (view === 'query') renderQuery(); else if (view === 'list') renderList();
    else if (view === 'detail') renderDetail(m[2]); else renderWrite();
  }
  window.addEventListener('hashchange', route);
  route();
})();
"""


class Handler(httpbase.SiteHandler):
    server_name = SITE
    family = SITE
    routes = {"/": "shell", "/index.html": "shell", "/api/config": "config", "/api/letters": "letters",
              "/api/letters/query": "lookup", "/api/letters/detail": "detail"}

    def shell(self):
        body = '<h1 class="title">政民互动 · 市长信箱</h1><div id="app"><noscript>请启用JavaScript</noscript></div>' \
               '<script>%s</script>' % APP_JS
        self.send_page(common_html.page(SITE, "政民互动", body, crumb=["首页", "互动交流", "政民互动"],
                                        now=self.store.now(SITE), head_extra="<style>%s</style>" % APP_CSS))

    def config(self):
        self.send_json({"code": 0, "data": {
            "types": list(TYPES), "depts": list(DEPTS),
            "notice": "请文明留言、如实反映情况。留言受理后将在5个工作日内答复，节假日顺延。"}})

    def letters(self):
        if self.command == "POST":
            return self.submit()
        try:
            page = max(1, int(self.params.get("pageIndex", "1")))
            size = max(1, min(100, int(self.params.get("pageSize", "10"))))
        except ValueError:
            return self.send_json({"code": 400, "msg": "参数错误"})
        rows = [x for x in reversed(self.store.letters(SITE, visible_only=True, public_only=True))]
        self.send_json({"code": 0, "data": {"total": len(rows), "pageIndex": page, "pageSize": size,
                                            "list": [api_letter(x) for x in rows[(page - 1) * size:page * size]]}})

    def submit(self):
        f = self.form()
        v = {k: clean(f.get(k)) for k in ("name", "phone", "email", "type", "dept", "title", "content")}
        for key, label in (("name", "姓名"), ("phone", "手机号码"), ("type", "留言类型"), ("dept", "受理单位"),
                           ("title", "留言标题"), ("content", "留言内容")):
            if not v[key]:
                return self.send_json({"code": 400, "msg": "请填写%s" % label})
        if not re.fullmatch(r"1\d{10}", v["phone"]):
            return self.send_json({"code": 400, "msg": "请输入正确的手机号码"})
        if v["type"] not in TYPES or v["dept"] not in DEPTS:
            return self.send_json({"code": 400, "msg": "请选择留言类型和受理单位"})
        x = self.store.add_letter(SITE, {
            "name": v["name"], "phone": v["phone"], "email": v["email"], "type": v["type"], "recipient": v["dept"],
            "title": v["title"], "content": v["content"], "is_public": f.get("isPublic") is not False,
            "form": {k: val for k, val in f.items() if isinstance(val, (str, bool, int))}})
        self.send_json({"code": 0, "msg": "提交成功", "data": {"id": x["seq"], "letterNo": x["number"],
                                                             "queryCode": x["query_code"]}})

    def lookup(self):
        x = self.store.find(SITE, query_code=clean(self.params.get("code")))
        if not x or x["state"] == "deleted":
            return self.send_json({"code": 404, "msg": "未找到该留言，请核对查询码"})
        self.send_json({"code": 0, "data": api_letter(x)})

    def detail(self):
        try:
            x = self.store.find(SITE, seq=int(self.params.get("id", "")))
        except ValueError:
            x = None
        if not x or x["state"] in ("deleted", "spam", "pending-approval") or not x["is_public"]:
            return self.send_json({"code": 404, "msg": "该留言不存在或未公开"})
        self.store.click(x["id"])
        self.send_json({"code": 0, "data": api_letter(x)})
