/* The HTML report: one self-contained page (inline CSS, no scripts), relative links to the evidence,
 * readable on screen and in print (it is also what the PDF prints). Every string that did not come
 * from this file goes through rpt_html_escape; hrefs also through rpt_url_is_linkable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/escape.h"
#include "reports/files_ahead.h"
#include "reports/report.h"
#include "verify/evidence_verified.h"

#define L(o, zh, en) ((o)->lang == RPT_LANG_ZH ? (zh) : (en))

static const char style[] =
    "<style>\n"
    "body{font-family:\"WenQuanYi Micro Hei\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif;font-size:14px;line-height:1.5;color:#222;margin:24px auto;max-width:1200px;"
    "padding:0 16px}\n"
    "h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;border-bottom:2px solid #333;padding-bottom:2px;"
    "margin:24px 0 8px}h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;margin:10px 0 4px}\n"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:3px 6px;vertical-align:top;"
    "text-align:left}thead th{background:#eee}\n"
    "table.meta{width:auto}table.meta th{background:#f4f4f4;white-space:nowrap;font-weight:normal}\n"
    "table.facts th{width:8em;background:#f7f7f7;font-weight:normal;white-space:nowrap}\n"
    "td.num{text-align:center;white-space:nowrap}td.time,td.nw,table.main th,table.visits th{white-space:nowrap}"
    "td.time span{white-space:nowrap}\n"
    ".summary p{font-size:15px;background:#f5f7fa;border-left:4px solid #36c;padding:8px 12px;margin:0}\n"
    ".site{border:1px solid #bbb;padding:10px 12px;margin:14px 0}\n"
    ".url{word-break:break-all}.text{white-space:pre-wrap;word-break:break-word}\n"
    ".reply{background:#f6fbf6}.none{color:#888}\n"
    ".v-same-day,.v-on-time{color:#176b2c}.v-late{color:#b35900}.v-overdue-unanswered,.v-deleted{color:#b00020}"
    ".v-submit-failed,.v-unverifiable{color:#666}.v-pending{color:#1f5fa8}.alarm{color:#b00020;font-weight:bold}\n"
    "td.verdict{font-weight:bold;white-space:nowrap}\n"
    "img.thumb{width:120px;height:90px;object-fit:cover;object-position:top;border:1px solid #ccc;"
    "display:block;margin-bottom:2px}\n"
    "td.ev a{margin-right:6px;white-space:nowrap}\n"
    "footer{margin-top:24px;color:#666;font-size:12px}\n"
    "@page{size:A4;margin:12mm 10mm}\n"
    "@media print{body{margin:0;max-width:none;padding:0;font-size:9.5pt}a{color:inherit;text-decoration:none}"
    "thead{display:table-header-group}tr,.facts,.reply{break-inside:avoid;page-break-inside:avoid}"
    ".site{break-inside:avoid;page-break-inside:avoid}h2,h3,h4{break-after:avoid;page-break-after:avoid}"
    "img.thumb{width:90px;height:68px}table.main{table-layout:fixed}"
    "table.main th,table.main td.time,table.main td.nw,td.verdict{white-space:normal}td,th{overflow-wrap:anywhere}}\n"
    "</style>\n";

static void esc(struct buf *b, const char *s)
{
    rpt_html_escape(b, s);
}

/* Escaped text, or a grey dash when there is none. */
static void esc_or_dash(struct buf *b, const char *s)
{
    if (s && *s)
        esc(b, s);
    else
        buf_append_str(b, "<span class=\"none\">—</span>");
}

/* A time cell: "2025-10-13 10:00" may wrap between date and time, never inside the date. */
static void td_time(struct buf *b, const char *s)
{
    buf_append_str(b, "<td class=\"time\">");
    if (!s || !*s) {
        esc_or_dash(b, s);
    } else {
        const char *p = s;
        while (*p) {
            size_t n = strcspn(p, " ");
            char *word = xstrndup(p, n);
            buf_append_str(b, "<span>");
            esc(b, word);
            buf_append_str(b, "</span>");
            free(word);
            p += n;
            if (*p == ' ') {
                buf_append_char(b, ' ');
                p++;
            }
        }
    }
    buf_append_str(b, "</td>");
}

static void td(struct buf *b, const char *cls, const char *s)
{
    if (cls && strcmp(cls, "time") == 0) {
        td_time(b, s);
        return;
    }
    if (cls)
        buf_printf(b, "<td class=\"%s\">", cls);
    else
        buf_append_str(b, "<td>");
    esc_or_dash(b, s);
    buf_append_str(b, "</td>");
}

static void time_format(int64_t ms, bool with_seconds, char *out, size_t len)
{
    if (ms == 0) {
        snprintf(out, len, "%s", "");
        return;
    }
    char full[32];
    clock_beijing_format(ms, full, sizeof full);
    snprintf(out, len, "%.*s", with_seconds ? 19 : 16, full);
}

static void day_format(int64_t day, char *out, size_t len)
{
    if (day == 0)
        snprintf(out, len, "%s", "");
    else
        clock_date_format(day, out, len);
}

/* A link when the URL may be one, else the escaped text alone. */
static void link_or_text(struct buf *b, const char *url, const char *text)
{
    if (rpt_url_is_linkable(url)) {
        buf_append_str(b, "<a href=\"");
        esc(b, url);
        buf_append_str(b, "\">");
        esc(b, text);
        buf_append_str(b, "</a>");
    } else {
        esc_or_dash(b, text);
    }
}

static const char *visit_outcome_word(enum visit_outcome o, const struct rpt_options *opt)
{
    switch (o) {
    case VISIT_FOUND: return L(opt, "找到信件", "found");
    case VISIT_NOT_FOUND: return L(opt, "信件不存在", "not found");
    case VISIT_FAILED: return L(opt, "访问失败", "failed");
    }
    return "?";
}

/* The campaigns' names and authorisations, each once, joined. */
static void campaigns_join(const struct rpt_campaigns *cs, bool authorised, const char *sep, struct buf *out)
{
    for (size_t i = 0; i < cs->n; i++) {
        if (i)
            buf_append_str(out, sep);
        const char *s = authorised ? cs->c[i].authorised_by : cs->c[i].name;
        buf_append_str(out, s && *s ? s : "—");
    }
}

static void header_write(const struct rpt_campaigns *cs, const struct rpt_options *o, const struct rpt_summary *s,
                         struct buf *b)
{
    struct buf names, auth;
    buf_init(&names);
    buf_init(&auth);
    campaigns_join(cs, false, L(o, "、", ", "), &names);
    campaigns_join(cs, true, L(o, "；", "; "), &auth);
    buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
               L(o, "zh-CN", "en"));
    buf_printf(b, "<meta name=\"generator\" content=\"huixin ");
    esc(b, o->version ? o->version : "unknown");
    buf_append_str(b, "\">\n<title>");
    buf_append_str(b, L(o, "互动回应检查报告", "Interaction response test report"));
    if (names.len) {
        buf_append_str(b, " — ");
        esc(b, buf_str(&names));
    }
    buf_printf(b, "</title>\n%s</head>\n<body>\n<header>\n<h1>%s</h1>\n<table class=\"meta\">\n", style,
               L(o, "互动回应检查报告", "Interaction response test report"));
    char from[32], now[32];
    time_format(s->first_submit_ms, false, from, sizeof from);
    time_format(o->now_ms, false, now, sizeof now);
    buf_printf(b, "<tr><th>%s</th><td>", L(o, "检查任务", "Campaign"));
    esc_or_dash(b, buf_str(&names));
    buf_printf(b, "</td></tr>\n<tr><th>%s</th><td>", L(o, "授权", "Authorised by"));
    esc_or_dash(b, buf_str(&auth));
    buf_printf(b, "</td></tr>\n<tr><th>%s</th><td>", L(o, "检查期间", "Period"));
    if (s->first_submit_ms)
        buf_printf(b, L(o, "%s 至 %s（北京时间）", "%s to %s (Beijing time)"), from, now);
    else
        buf_append_str(b, "<span class=\"none\">—</span>");
    buf_printf(b, "</td></tr>\n<tr><th>%s</th><td>%s%s</td></tr>\n", L(o, "生成时间", "Generated"), now,
               L(o, "（北京时间）", " (Beijing time)"));
    buf_printf(b, "<tr><th>%s</th><td>huixin ", L(o, "生成工具", "Tool"));
    esc(b, o->version ? o->version : "unknown");
    buf_append_str(b, "</td></tr>\n</table>\n</header>\n");
    buf_release(&names);
    buf_release(&auth);
}

static void main_table_head_write(const struct rpt_options *o, struct buf *b)
{
    buf_printf(b, "<section>\n<h2>%s</h2>\n<table class=\"main\">\n", L(o, "检查结果一览", "Results"));
    /* Widths for print (table-layout: fixed), so long names wrap instead of squeezing the problems. */
    static const int width_pct[] = {4, 13, 12, 7, 11, 11, 7, 10, 25};
    buf_append_str(b, "<colgroup>");
    for (size_t i = 0; i < ARRAY_LEN(width_pct); i++)
        buf_printf(b, "<col style=\"width:%d%%\">", width_pct[i]);
    buf_append_str(b, "</colgroup>\n<thead><tr>");
    static const char *const head_zh[] = {"序号", "网站名称", "开设主体", "信箱名称", "发信时间",
                                          "回复时间", "用时（工作日）", "检查结果", "存在问题"};
    static const char *const head_en[] = {"No.", "Website", "Operator", "Mailbox", "Sent",
                                          "Replied", "Working days", "Result", "Problems"};
    for (size_t i = 0; i < ARRAY_LEN(head_zh); i++)
        buf_printf(b, "<th>%s</th>", L(o, head_zh[i], head_en[i]));
    buf_append_str(b, "</tr></thead>\n<tbody>\n");
}

static void main_table_row_write(const struct assessment *x, size_t index, const struct rpt_options *o,
                                 struct buf *tmp, struct buf *b)
{
    const struct verdict_result *v = &x->verdict;
    const char *kind_en = verdict_kind_name_en(v->kind);
    char sent[32];
    time_format(v->submit_day ? x->letter.submitted_at_ms : 0, false, sent, sizeof sent);
    buf_printf(b, "<tr class=\"r-%s\"><td class=\"num\">%zu</td><td><a href=\"#site-%zu\">", kind_en, index,
               index);
    esc_or_dash(b, x->site.name && *x->site.name ? x->site.name : x->site.key);
    buf_append_str(b, "</a></td>");
    td(b, NULL, x->site.owner);
    td(b, "nw", x->site.mailbox);
    td(b, "time", sent);
    buf_reset(tmp);
    rpt_reply_cell_format(x, o->lang, tmp);
    td(b, "time", buf_str(tmp));
    buf_reset(tmp);
    if (v->has_reply)
        buf_printf(tmp, "%d", v->workdays_taken);
    td(b, "num", buf_str(tmp));
    buf_printf(b, "<td class=\"verdict v-%s\">%s</td>", kind_en, rpt_verdict_word(v->kind, o->lang));
    buf_reset(tmp);
    rpt_problems_format(x, o->lang, tmp);
    td(b, v->veto_alarm ? "alarm" : NULL, buf_str(tmp));
    buf_append_str(b, "</tr>\n");
}

static void main_table_tail_write(size_t n, const struct rpt_options *o, struct buf *b)
{
    if (n == 0)
        buf_printf(b, "<tr><td colspan=\"9\" class=\"none\">%s</td></tr>\n", L(o, "没有信件", "no letters"));
    buf_append_str(b, "</tbody>\n</table>\n</section>\n");
}

static void fact_row(struct buf *b, const char *label, const char *value, const char *cls)
{
    buf_printf(b, "<tr><th>%s</th>", label);
    td(b, cls, value);
    buf_append_str(b, "</tr>\n");
}

/* When the evidence was last verified (`huixin evidence verify` leaves the record), or that it was not. */
static void verified_write(const struct rpt_options *o, struct buf *b)
{
    if (!o->evidence_root)
        return;
    struct evidence_verified v;
    struct err e;
    err_init(&e);
    int rc = evidence_verified_load(o->evidence_root, &v, &e);
    buf_printf(b, "<p class=\"verified\"><b>%s</b>", L(o, "证据核验：", "Evidence verified: "));
    if (rc == ERR_NOT_FOUND) {
        esc(b, L(o, "尚未核验（huixin evidence verify 证据文件夹）。", "not yet (huixin evidence verify EVIDENCE_DIR)."));
    } else if (rc != 0) {
        esc(b, L(o, "核验记录无法读取。", "the record of the last verification cannot be read."));
    } else {
        char when[40];
        time_format(v.at_ms, true, when, sizeof when);
        if (o->lang == RPT_LANG_ZH)
            buf_printf(b, "%s 核验 %zu 次访问的证据，%s%s%s。", when, v.visits,
                       v.failures ? "" : "全部完好", v.with_ledger ? "，已与台账比对" : "",
                       v.with_signatures ? "，签名有效" : "");
        else
            buf_printf(b, "%s, %zu visits, %s%s%s.", when, v.visits, v.failures ? "" : "all intact",
                       v.with_ledger ? ", compared with the ledger" : "", v.with_signatures ? ", signatures valid" : "");
        if (v.failures)
            buf_printf(b, L(o, "（发现 %zu 处问题）", " (%zu problems found)"), v.failures);
    }
    buf_append_str(b, "</p>\n");
}

/* The hrefs of a visit's files: evidence root (as seen from the report) / visit folder / file, each
 * percent-encoded. The folder's part is encoded once a visit (a national report links ~900,000 files).
 * An encoded path is only [A-Za-z0-9-._~/%]: nothing to escape in HTML, and whether it is linkable is
 * decided by its start (rpt_url_is_linkable: no byte of an encoded name can change that), so a folder
 * whose prefix is not linkable gets "#" for each of its files, as each whole URL would. */
struct ev_prefix {
    struct buf url; /* root/rel/ encoded */
    bool is_linkable;
};

static void ev_prefix_init(struct ev_prefix *p, const struct rpt_options *o, const char *rel)
{
    const char *root = o->evidence_href ? o->evidence_href : o->evidence_root;
    buf_init(&p->url);
    rpt_url_path_encode(&p->url, root);
    buf_append_char(&p->url, '/');
    rpt_url_path_encode(&p->url, rel);
    buf_append_char(&p->url, '/');
    p->is_linkable = rpt_url_is_linkable(buf_str(&p->url));
}

static void evidence_href(struct buf *b, const struct ev_prefix *p, const char *name)
{
    if (!p->is_linkable) {
        buf_append_char(b, '#');
        return;
    }
    buf_append(b, p->url.data, p->url.len);
    rpt_url_path_encode(b, name);
}

static void evidence_cell(struct buf *b, const struct rpt_options *o, const struct ledger_visit *v)
{
    struct rpt_files f;
    rpt_ahead_files(o->ahead, o->evidence_root, v->evidence_dir, &f);
    buf_append_str(b, "<td class=\"ev\">");
    if (f.n == 0)
        buf_append_str(b, "<span class=\"none\">—</span>");
    struct ev_prefix p = {0};
    if (f.n > 0) /* a listed file: a root and a folder */
        ev_prefix_init(&p, o, v->evidence_dir);
    if (rpt_files_has(&f, "page.png")) {
        buf_append_str(b, "<a href=\"");
        evidence_href(b, &p, rpt_files_href(&f, "page.png"));
        buf_printf(b, "\"><img class=\"thumb\" src=\"");
        evidence_href(b, &p, rpt_files_href(&f, "page.png"));
        buf_printf(b, "\" alt=\"%s\"></a>", L(o, "整页截图", "full-page screenshot"));
    }
    static const struct {
        const char *file, *zh, *en;
    } links[] = {
        {"page.mhtml", "MHTML", "MHTML"},
        {"page.txt", "文本", "text"},
        {"manifest.json", "清单", "manifest"},
    };
    for (size_t i = 0; i < ARRAY_LEN(links); i++) {
        if (!rpt_files_has(&f, links[i].file))
            continue;
        buf_append_str(b, "<a href=\"");
        evidence_href(b, &p, links[i].file);
        buf_printf(b, "\">%s</a> ", L(o, links[i].zh, links[i].en));
    }
    for (size_t i = 0; i < f.n; i++) {
        size_t len = strlen(f.names[i]);
        if (strcmp(f.names[i], "page.png") == 0 || len < 4 || strcmp(f.names[i] + len - 4, ".png") != 0)
            continue;
        buf_append_str(b, "<a href=\"");
        evidence_href(b, &p, f.hrefs[i]);
        buf_append_str(b, "\">");
        esc(b, f.names[i]);
        buf_append_str(b, "</a> ");
    }
    buf_release(&p.url);
    if (v->manifest_sha256 && *v->manifest_sha256) {
        buf_append_str(b, "<br><span class=\"none\" title=\"SHA-256 ");
        esc(b, v->manifest_sha256);
        buf_append_str(b, "\">SHA-256 ");
        char shortened[17];
        snprintf(shortened, sizeof shortened, "%s", v->manifest_sha256);
        esc(b, shortened);
        buf_append_str(b, "…</span>");
    }
    buf_append_str(b, "</td>");
    rpt_files_free(&f);
}

static void reply_block_write(const struct assessment *x, const struct rpt_options *o, struct buf *b)
{
    const struct ledger_visit *r = rpt_reply_visit(x);
    if (!r)
        return;
    buf_printf(b, "<h4>%s</h4>\n<table class=\"facts reply\">\n", L(o, "网站显示的回复", "The reply as the site shows it"));
    fact_row(b, L(o, "回复单位", "Replying unit"), r->reply_unit, NULL);
    char shown[32], seen[32];
    if (r->reply_date_ms && clock_beijing_from_ms(r->reply_date_ms).hour == 0 &&
        clock_beijing_from_ms(r->reply_date_ms).minute == 0 && clock_beijing_from_ms(r->reply_date_ms).second == 0)
        clock_date_format(clock_beijing_day(r->reply_date_ms), shown, sizeof shown);
    else
        time_format(r->reply_date_ms, true, shown, sizeof shown);
    fact_row(b, L(o, "回复时间", "Reply date"), r->reply_date_ms ? shown : L(o, "网站未显示", "not shown"),
             "time");
    time_format(r->at_ms, true, seen, sizeof seen);
    fact_row(b, L(o, "首次看到", "First seen"), seen, "time");
    fact_row(b, L(o, "回复内容", "Reply text"), r->reply_text, "text");
    buf_append_str(b, "</table>\n");
}

/* OpenSSL's words for the usual certificate errors, in Chinese; others are shown as they are. */
static const char *tls_error_zh(const char *error)
{
    static const char *const words[][2] = {
        {"self-signed certificate", "自签名证书"},
        {"self signed certificate", "自签名证书"},
        {"self-signed certificate in certificate chain", "证书链中有自签名证书"},
        {"certificate has expired", "证书已过期"},
        {"certificate is not yet valid", "证书尚未生效"},
        {"hostname mismatch", "证书与网站域名不符"},
        {"IP address mismatch", "证书与网站地址不符"},
        {"unable to get local issuer certificate", "无法验证证书签发者"},
    };
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (strcmp(words[i][0], error) == 0)
            return words[i][1];
    return NULL;
}

/* A visit whose site's certificate did not verify: the error, the certificate's subject (the site's words,
 * escaped) and what the visit did (went on by the scenario's site.tls, or failed). */
static void tls_note(struct buf *b, const struct rpt_options *o, const struct ledger_visit *vi)
{
    const char *zh = tls_error_zh(vi->tls_error);
    buf_printf(b, "<br><span class=\"none tls\">%s", L(o, "证书错误：", "certificate error: "));
    esc(b, o->lang != RPT_LANG_ZH || !zh ? vi->tls_error : zh);
    if (vi->tls_subject && *vi->tls_subject) {
        buf_append_str(b, L(o, "（证书主体 ", " (subject "));
        esc(b, vi->tls_subject);
        buf_append_str(b, L(o, "）", ")"));
    }
    buf_printf(b, "%s</span>",
               vi->is_tls_accepted ? L(o, "（已按设置继续）", " (gone on past it, as the scenario says)")
               : vi->outcome == VISIT_FAILED ? L(o, "（访问失败）", " (the visit failed)")
                                             : L(o, "（浏览器仍打开了页面）", " (the browser opened the page anyway)"));
}

static void site_section_write(const struct assessment *x, size_t index, const struct rpt_options *o, struct buf *b)
{
    const struct verdict_result *v = &x->verdict;
    buf_printf(b, "<section class=\"site\" id=\"site-%zu\">\n<h3>%zu. ", index, index);
    esc_or_dash(b, x->site.name && *x->site.name ? x->site.name : x->site.key);
    if (x->site.mailbox && *x->site.mailbox) {
        buf_append_str(b, " · ");
        esc(b, x->site.mailbox);
    }
    buf_printf(b, " <span class=\"v-%s\">%s</span></h3>\n<table class=\"facts\">\n", verdict_kind_name_en(v->kind),
               rpt_verdict_word(v->kind, o->lang));
    char tmp[64];
    fact_row(b, L(o, "开设主体", "Operator"), x->site.owner, NULL);
    buf_printf(b, "<tr><th>%s</th><td class=\"url\">", L(o, "信箱入口", "Entry page"));
    link_or_text(b, x->site.entry_url, x->site.entry_url);
    buf_append_str(b, "</td></tr>\n");
    snprintf(tmp, sizeof tmp, L(o, "%d 个工作日", "%d working days"), x->rules.deadline_workdays);
    fact_row(b, L(o, "办理时限", "Deadline"), tmp, NULL);
    time_format(v->submit_day ? x->letter.submitted_at_ms : 0, true, tmp, sizeof tmp);
    fact_row(b, L(o, "发信时间", "Sent"), tmp, "time");
    day_format(v->deadline_day, tmp, sizeof tmp);
    fact_row(b, L(o, "截止日期", "Deadline day"), tmp, "time");
    fact_row(b, L(o, "查询码", "Query code"), x->letter.query_code, NULL);
    fact_row(b, L(o, "信件编号", "Letter number"), x->letter.letter_no, NULL);
    fact_row(b, L(o, "信件标识", "Letter token"), x->letter.token, NULL);
    fact_row(b, L(o, "信件标题", "Letter title"), x->letter.title, NULL);
    buf_printf(b, "<tr><th>%s</th><td><b class=\"v-%s\">%s</b> ", L(o, "检查结果", "Result"),
               verdict_kind_name_en(v->kind), rpt_verdict_word(v->kind, o->lang));
    esc(b, L(o, v->reason_zh, v->reason_en));
    buf_append_str(b, "</td></tr>\n");
    struct buf problems;
    buf_init(&problems);
    rpt_problems_format(x, o->lang, &problems);
    fact_row(b, L(o, "存在问题", "Problems"), buf_str(&problems), v->veto_alarm ? "alarm" : NULL);
    buf_release(&problems);
    buf_append_str(b, "</table>\n");
    reply_block_write(x, o, b);

    buf_printf(b, "<h4>%s</h4>\n", L(o, "访问记录", "Visits"));
    if (x->n_visits == 0) {
        buf_printf(b, "<p class=\"none\">%s</p>\n", L(o, "尚未访问", "no visits yet"));
        buf_append_str(b, "</section>\n");
        return;
    }
    static const char *const head_zh[] = {"时间（北京）", "结果", "HTTP", "办理状态", "回复", "最终网址", "证据"};
    static const char *const head_en[] = {"Time (Beijing)", "Outcome", "HTTP", "State", "Reply", "Final URL",
                                          "Evidence"};
    buf_append_str(b, "<table class=\"visits\">\n<thead><tr>");
    for (size_t i = 0; i < ARRAY_LEN(head_zh); i++)
        buf_printf(b, "<th>%s</th>", L(o, head_zh[i], head_en[i]));
    buf_append_str(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < x->n_visits; i++) {
        const struct ledger_visit *vi = &x->visits[i];
        time_format(vi->at_ms, true, tmp, sizeof tmp);
        buf_append_str(b, "<tr>");
        td(b, "time", tmp);
        buf_printf(b, "<td>%s", visit_outcome_word(vi->outcome, o));
        if (vi->outcome == VISIT_FAILED && vi->error && *vi->error) {
            buf_append_str(b, "<br><span class=\"none\">");
            esc(b, vi->error);
            buf_append_str(b, "</span>");
        } else if (vi->outcome != VISIT_FOUND && !vi->is_entry_ok) {
            buf_printf(b, "<br><span class=\"none\">%s</span>", L(o, "入口页未加载", "entry page did not load"));
        }
        if (vi->n_unloaded > 0) /* other hosts' widgets, analytics, fonts: said, never the site's failure */
            buf_printf(b, "<br><span class=\"none\">%s%d%s</span>",
                       L(o, "页面部分资源未加载（", "some of the page's resources from other hosts did not load ("),
                       vi->n_unloaded, L(o, "）", ")"));
        if (vi->tls_error && *vi->tls_error)
            tls_note(b, o, vi);
        buf_append_str(b, "</td>");
        if (vi->http_status > 0)
            snprintf(tmp, sizeof tmp, "%d", vi->http_status);
        else
            tmp[0] = '\0';
        td(b, "num", tmp);
        td(b, NULL, vi->state_text);
        const char *reply_word = vi->outcome != VISIT_FOUND ? "" : vi->has_reply ? L(o, "有", "yes") : L(o, "无", "no");
        td(b, "num", reply_word);
        buf_append_str(b, "<td class=\"url\">");
        if (vi->final_url && *vi->final_url)
            link_or_text(b, vi->final_url, vi->final_url);
        else
            esc_or_dash(b, NULL);
        buf_append_str(b, "</td>");
        evidence_cell(b, o, vi);
        buf_append_str(b, "</tr>\n");
    }
    buf_append_str(b, "</tbody>\n</table>\n</section>\n");
}

/* The passes over the letters: the summary and campaigns, the main table's rows, the site sections. */
struct html_pass {
    const struct rpt_options *o;
    struct rpt_sink *sink;
    struct rpt_summary_acc acc;
    struct rpt_campaigns campaigns;
    struct buf tmp;
    size_t index;
    struct err *e;
};

static int html_summary_add(const struct assessment *a, void *user)
{
    struct html_pass *p = user;
    rpt_summary_acc_add(&p->acc, a);
    rpt_campaigns_add(&p->campaigns, &a->campaign);
    return 0;
}

static int html_main_row(const struct assessment *a, void *user)
{
    struct html_pass *p = user;
    main_table_row_write(a, ++p->index, p->o, &p->tmp, p->sink->out);
    return rpt_sink_flush(p->sink, false, p->e);
}

static int html_site_section(const struct assessment *a, void *user)
{
    struct html_pass *p = user;
    site_section_write(a, ++p->index, p->o, p->sink->out);
    return rpt_sink_flush(p->sink, false, p->e);
}

int rpt_html_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                   struct err *e)
{
    struct html_pass p = {.o = o, .sink = sink, .e = e};
    struct buf *out = sink->out;
    rpt_summary_acc_init(&p.acc);
    buf_init(&p.tmp);
    struct rpt_summary s;
    int rc = src->each(src->ctx, html_summary_add, &p, e);
    rpt_summary_acc_finish(&p.acc, &s);
    if (rc)
        goto out;
    size_t n = s.n_letters;
    header_write(&p.campaigns, o, &s, out);
    buf_printf(out, "<section class=\"summary\">\n<h2>%s</h2>\n<p>", L(o, "总体情况", "Summary"));
    struct buf sentence;
    buf_init(&sentence);
    rpt_summary_sentence(&s, o->lang, &sentence);
    esc(out, buf_str(&sentence));
    buf_release(&sentence);
    buf_append_str(out, "</p>\n</section>\n");
    main_table_head_write(o, out);
    p.index = 0;
    if ((rc = src->each(src->ctx, html_main_row, &p, e)))
        goto out;
    main_table_tail_write(n, o, out);
    if (n > 0) {
        buf_printf(out, "<section>\n<h2>%s</h2>\n", L(o, "逐站详情", "Per site"));
        p.index = 0;
        struct rpt_options listed = *o; /* the sections list every visit's folder: ahead */
        listed.ahead = rpt_ahead_start(o->evidence_root, src);
        p.o = &listed;
        rc = src->each(src->ctx, html_site_section, &p, e);
        p.o = o;
        rpt_ahead_stop(listed.ahead);
        if (rc)
            goto out;
        buf_append_str(out, "</section>\n");
    }
    verified_write(o, out);
    buf_printf(out, "<footer>%s</footer>\n</body>\n</html>\n",
               L(o,
                 "时间均为北京时间。工作日按国务院办公厅公布的节假日安排计算（含调休），发信当日不计，次日起算。"
                 "证据链接为相对路径，请与证据文件夹一同保存。",
                 "All times are Beijing time. Working days follow China's official holiday calendar (make-up "
                 "working days included), counted from the day after the letter was sent. Evidence links are "
                 "relative: keep the report with the evidence folder."));
    rc = rpt_sink_flush(sink, true, e);
out:
    buf_release(&p.tmp);
    rpt_campaigns_release(&p.campaigns);
    return rc;
}

int rpt_html_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                    struct err *e)
{
    struct rpt_array arr = {a, n};
    struct rpt_source src = {.each = rpt_array_each, .ctx = &arr};
    struct rpt_sink sink = {.out = out};
    return rpt_html_write(&src, o, &sink, e);
}
