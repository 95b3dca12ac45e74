/* The words of an alert: subject, plain text, WeCom markdown and the facts as JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/text_clean.h"
#include "reports/alert.h"

bool alert_change_is_alarming(enum verdict_kind old_kind, enum verdict_kind new_kind)
{
    return verdict_kind_is_alarming(new_kind) && old_kind != new_kind;
}

/* A field fit for a message: NULL stays NULL; one line unless multiline. */
static char *clean(const char *s, bool multiline)
{
    if (!s || !*s)
        return NULL;
    char *c = text_clean(s, strlen(s), multiline);
    if (!*c) {
        free(c);
        return NULL;
    }
    return c;
}

struct event_text {
    char *campaign, *site, *mailbox, *token, *old_v, *new_v, *reason, *deadline, *report;
    int64_t letter_id;
};

static void event_text_init(struct event_text *t, const struct alert_event *ev)
{
    t->campaign = clean(ev->campaign, false);
    t->site = clean(ev->site_name, false);
    t->mailbox = clean(ev->mailbox, false);
    t->token = clean(ev->letter_token, false);
    t->old_v = clean(ev->old_verdict, false);
    t->new_v = clean(ev->new_verdict, false);
    t->reason = clean(ev->reason, true);
    t->deadline = clean(ev->deadline, false);
    t->report = clean(ev->report_url, false);
    t->letter_id = ev->letter_id;
}

static void event_text_release(struct event_text *t)
{
    free(t->campaign);
    free(t->site);
    free(t->mailbox);
    free(t->token);
    free(t->old_v);
    free(t->new_v);
    free(t->reason);
    free(t->deadline);
    free(t->report);
}

/* The lines naming one letter; prefix goes before each (for markdown quotes). */
static void event_lines(struct buf *b, const struct event_text *t, const char *prefix, bool with_verdict)
{
    if (t->campaign)
        buf_printf(b, "%s活动：%s\n", prefix, t->campaign);
    if (t->site)
        buf_printf(b, "%s网站：%s\n", prefix, t->site);
    if (t->mailbox)
        buf_printf(b, "%s信箱：%s\n", prefix, t->mailbox);
    if (t->letter_id || t->token) {
        buf_printf(b, "%s信件：", prefix);
        if (t->letter_id)
            buf_printf(b, "#%lld", (long long)t->letter_id);
        if (t->token)
            buf_printf(b, "%s标识 %s", t->letter_id ? " " : "", t->token);
        buf_append_char(b, '\n');
    }
    if (with_verdict && (t->old_v || t->new_v))
        buf_printf(b, "%s状态：%s → %s\n", prefix, t->old_v ? t->old_v : "（无）", t->new_v ? t->new_v : "（无）");
    if (t->deadline)
        buf_printf(b, "%s答复期限：%s\n", prefix, t->deadline);
    if (t->reason) {
        /* a multi-line reason keeps the prefix on each line */
        buf_printf(b, "%s原因：", prefix);
        for (const char *p = t->reason; *p; p++) {
            buf_append_char(b, *p);
            if (*p == '\n' && p[1])
                buf_append_str(b, prefix);
        }
        buf_append_char(b, '\n');
    }
    if (t->report)
        buf_printf(b, "%s报告：%s\n", prefix, t->report);
}

static void set_opt(json_t *o, const char *key, const char *value)
{
    json_object_set_new(o, key, value ? json_string(value) : json_null());
}

static json_t *event_json(const struct event_text *t)
{
    json_t *o = json_object();
    set_opt(o, "campaign", t->campaign);
    set_opt(o, "site", t->site);
    set_opt(o, "mailbox", t->mailbox);
    json_object_set_new(o, "letter_id", t->letter_id ? json_integer(t->letter_id) : json_null());
    set_opt(o, "letter_token", t->token);
    set_opt(o, "old_verdict", t->old_v);
    set_opt(o, "new_verdict", t->new_v);
    set_opt(o, "reason", t->reason);
    set_opt(o, "deadline", t->deadline);
    set_opt(o, "report_url", t->report);
    return o;
}

static char *json_text(json_t *o)
{
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    return s ? s : xstrdup("{}");
}

static void text_trim_newline(struct buf *b)
{
    while (b->len && b->data[b->len - 1] == '\n')
        b->data[--b->len] = '\0';
}

void alert_message_from_event(const struct alert_event *ev, struct alert_message *m)
{
    struct event_text t;
    event_text_init(&t, ev);
    const char *what = ev->is_login_needed ? "登录已失效，需要重新登录" : t.new_v ? t.new_v : "状态变化";
    m->kind = xstrdup(ev->is_login_needed ? "login_needed" : "verdict_change");
    if (t.site)
        m->subject = xasprintf("【回信】%s：%s%s%s", what, t.site, t.mailbox ? " " : "", t.mailbox ? t.mailbox : "");
    else
        m->subject = xasprintf("【回信】%s", what);

    struct buf b;
    buf_init(&b);
    if (ev->is_login_needed)
        buf_printf(&b, "回信提醒：网站%s，本次访问未进行（不计入结果）\n", what);
    else
        buf_printf(&b, "回信提醒：信件状态变为「%s」\n", what);
    event_lines(&b, &t, "", true);
    text_trim_newline(&b);
    m->text = buf_detach(&b);

    buf_printf(&b, "### 回信提醒：<font color=\"warning\">%s</font>\n", what);
    event_lines(&b, &t, "> ", true);
    text_trim_newline(&b);
    m->markdown = buf_detach(&b);

    m->fields_json = json_text(json_pack("{s:o}", "event", event_json(&t)));
    event_text_release(&t);
}

void alert_message_from_summary(const struct alert_summary *s, struct alert_message *m)
{
    char *campaign = clean(s->campaign, false);
    char *date = clean(s->date, false);
    char *report = clean(s->report_url, false);
    m->kind = xstrdup("daily_summary");
    m->subject = xasprintf("【回信】每日汇总%s%s%s%s", campaign ? "：" : "", campaign ? campaign : "", date ? " " : "",
                           date ? date : "");
    struct buf text, md;
    buf_init(&text);
    buf_init(&md);
    buf_printf(&text, "回信每日汇总%s%s\n", date ? " " : "", date ? date : "");
    buf_printf(&md, "### 回信每日汇总%s%s\n", date ? " " : "", date ? date : "");
    if (campaign) {
        buf_printf(&text, "活动：%s\n", campaign);
        buf_printf(&md, "> 活动：%s\n", campaign);
    }
    json_t *counts = json_array();
    for (size_t i = 0; i < s->n_counts; i++) {
        char *v = clean(s->counts[i].verdict, false);
        buf_printf(&text, "%s：%d\n", v ? v : "?", s->counts[i].count);
        buf_printf(&md, "> %s：**%d**\n", v ? v : "?", s->counts[i].count);
        json_array_append_new(counts, json_pack("{s:s, s:i}", "verdict", v ? v : "?", "count", s->counts[i].count));
        free(v);
    }
    json_t *problems = json_array();
    if (s->n_problems) {
        buf_printf(&text, "需要关注的信件（%zu）：\n", s->n_problems);
        buf_printf(&md, "\n**需要关注的信件（%zu）**\n", s->n_problems);
    }
    for (size_t i = 0; i < s->n_problems; i++) {
        struct event_text t;
        event_text_init(&t, &s->problems[i]);
        buf_printf(&text, "%zu. %s%s%s：%s", i + 1, t.site ? t.site : "?", t.mailbox ? " " : "",
                   t.mailbox ? t.mailbox : "", t.new_v ? t.new_v : "?");
        buf_printf(&md, "%zu. %s%s%s：<font color=\"warning\">%s</font>", i + 1, t.site ? t.site : "?",
                   t.mailbox ? " " : "", t.mailbox ? t.mailbox : "", t.new_v ? t.new_v : "?");
        if (t.deadline) {
            buf_printf(&text, "（期限 %s）", t.deadline);
            buf_printf(&md, "（期限 %s）", t.deadline);
        }
        buf_append_char(&text, '\n');
        buf_append_char(&md, '\n');
        json_array_append_new(problems, event_json(&t));
        event_text_release(&t);
    }
    if (report) {
        buf_printf(&text, "报告：%s\n", report);
        buf_printf(&md, "\n[查看报告](%s)\n", report);
    }
    text_trim_newline(&text);
    text_trim_newline(&md);
    m->text = buf_detach(&text);
    m->markdown = buf_detach(&md);
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "campaign", campaign ? json_string(campaign) : json_null(),
                          "date", date ? json_string(date) : json_null(), "counts", counts, "problems", problems,
                          "report_url", report ? json_string(report) : json_null());
    m->fields_json = json_text(json_pack("{s:o}", "summary", o));
    free(campaign);
    free(date);
    free(report);
}

void alert_message_test(int64_t now_ms, struct alert_message *m)
{
    char when[32];
    clock_beijing_format(now_ms, when, sizeof when);
    m->kind = xstrdup("test");
    m->subject = xstrdup("【回信】测试消息");
    m->text = xasprintf("回信测试消息：这个提醒渠道可以收到 huixin 的通知。\n发送时间：%s（北京时间）", when);
    m->markdown = xasprintf("### 回信测试消息\n> 这个提醒渠道可以收到 huixin 的通知。\n> 发送时间：%s（北京时间）", when);
    m->fields_json = json_text(json_pack("{s:s}", "sent_at_beijing", when));
}

void alert_message_release(struct alert_message *m)
{
    free(m->kind);
    free(m->subject);
    free(m->text);
    free(m->markdown);
    free(m->fields_json);
    memset(m, 0, sizeof *m);
}
