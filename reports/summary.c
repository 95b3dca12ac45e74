/* The words of the report: the summary sentence, the 存在问题 cell, verdict names. Shared by every
 * format so the HTML, CSV and JSON say the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/report.h"

void rpt_options_init(struct rpt_options *o)
{
    memset(o, 0, sizeof *o);
    o->lang = RPT_LANG_ZH;
}

/* The severity column of verify/verdict_kinds.def. How bad a verdict is for its site, worst highest: 信件被删除 > 超期未回复 > 超期回复 > 提交失败 > 无法核实 >
 * 待回复 > 按期回复 > 当日回复. A deletion or a letter left unanswered is the finding a notice leads with; a
 * letter that could not be sent says less about the site's answering than one answered late, and one
 * that could not be checked less again. */
int rpt_verdict_severity(enum verdict_kind kind)
{
    return verdict_kind_severity(kind);
}

/* What the sentence says of one site: its worst letter's verdict, and each flag if any letter has it. */
struct rpt_site_tally {
    int64_t site_id; /* 0: a free slot (site ids start at 1) */
    enum verdict_kind kind;
    bool is_deleted_after_reply, is_backdated, is_veto;
};

void rpt_summary_acc_init(struct rpt_summary_acc *acc)
{
    memset(acc, 0, sizeof *acc);
}

static size_t tally_slot(const struct rpt_site_tally *t, size_t cap, int64_t site_id)
{
    size_t i = (size_t)((uint64_t)site_id * 0x9E3779B97F4A7C15ull) & (cap - 1);
    while (t[i].site_id != 0 && t[i].site_id != site_id)
        i = (i + 1) & (cap - 1);
    return i;
}

static void tally_grow(struct rpt_summary_acc *acc)
{
    size_t cap = acc->cap ? acc->cap * 2 : 64;
    struct rpt_site_tally *t = xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < acc->cap; i++)
        if (acc->sites[i].site_id != 0)
            t[tally_slot(t, cap, acc->sites[i].site_id)] = acc->sites[i];
    free(acc->sites);
    acc->sites = t;
    acc->cap = cap;
}

void rpt_summary_acc_add(struct rpt_summary_acc *acc, const struct assessment *a)
{
    struct rpt_summary *out = &acc->s;
    const struct verdict_result *v = &a->verdict;
    if (2 * (acc->n_sites + 1) > acc->cap)
        tally_grow(acc);
    size_t slot = tally_slot(acc->sites, acc->cap, a->site.id);
    struct rpt_site_tally *t = &acc->sites[slot];
    if (t->site_id == 0) {
        t->site_id = a->site.id;
        t->kind = v->kind;
        acc->n_sites++;
    } else if (rpt_verdict_severity(v->kind) > rpt_verdict_severity(t->kind)) {
        t->kind = v->kind;
    }
    t->is_deleted_after_reply |= v->is_deleted && v->has_reply;
    t->is_backdated |= v->is_possibly_backdated;
    t->is_veto |= v->veto_alarm;
    int days = a->rules.deadline_workdays;
    if (out->n_letters == 0)
        out->deadline_workdays = days;
    else if (out->deadline_workdays != days)
        out->deadline_workdays = 0;
    if (out->n_letters == 0)
        out->veto_months = a->rules.veto_months;
    else if (out->veto_months != a->rules.veto_months)
        out->veto_months = 0;
    int64_t sent = v->submit_day ? a->letter.submitted_at_ms : 0;
    if (sent > 0 && (out->first_submit_ms == 0 || sent < out->first_submit_ms))
        out->first_submit_ms = sent;
    out->n_letters++;
}

void rpt_summary_acc_finish(struct rpt_summary_acc *acc, struct rpt_summary *out)
{
    *out = acc->s;
    out->n_sites = acc->n_sites;
    for (size_t j = 0; j < acc->cap; j++) {
        const struct rpt_site_tally *t = &acc->sites[j];
        if (t->site_id == 0)
            continue;
        out->n_by_kind[t->kind]++;
        out->n_in_time += t->kind == VERDICT_SAME_DAY || t->kind == VERDICT_ON_TIME;
        out->n_deleted_after_reply += t->is_deleted_after_reply;
        out->n_backdated += t->is_backdated;
        out->n_veto += t->is_veto;
    }
    free(acc->sites);
    memset(acc, 0, sizeof *acc);
}

void rpt_summary_compute(const struct assessment *a, size_t n, struct rpt_summary *out)
{
    struct rpt_summary_acc acc;
    rpt_summary_acc_init(&acc);
    for (size_t i = 0; i < n; i++)
        rpt_summary_acc_add(&acc, &a[i]);
    rpt_summary_acc_finish(&acc, out);
}

void rpt_campaigns_add(struct rpt_campaigns *cs, const struct ledger_campaign *c)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->c[i].id == c->id)
            return;
    cs->c = xrealloc(cs->c, (cs->n + 1) * sizeof *cs->c);
    struct ledger_campaign *to = &cs->c[cs->n++];
    *to = *c;
    to->name = c->name ? xstrdup(c->name) : NULL;
    to->authorised_by = c->authorised_by ? xstrdup(c->authorised_by) : NULL;
    to->file_path = c->file_path ? xstrdup(c->file_path) : NULL;
    to->file_sha256 = c->file_sha256 ? xstrdup(c->file_sha256) : NULL;
}

void rpt_campaigns_release(struct rpt_campaigns *cs)
{
    ledger_campaigns_free(cs->c, cs->n);
    memset(cs, 0, sizeof *cs);
}

int rpt_array_each(void *ctx, assess_fn fn, void *user, struct err *e)
{
    (void)e;
    const struct rpt_array *arr = ctx;
    for (size_t i = 0; i < arr->n; i++) {
        int rc = fn(&arr->a[i], user);
        if (rc)
            return rc;
    }
    return 0;
}

int rpt_sink_flush(struct rpt_sink *sink, bool is_final, struct err *e)
{
    if (!sink->flush || sink->out->len == 0 || (!is_final && sink->out->len < RPT_SINK_CHUNK))
        return 0;
    int rc = sink->flush(buf_str(sink->out), sink->out->len, sink->user, e);
    buf_reset(sink->out);
    return rc;
}


/* One "；N 个..." clause when the count is not zero. */
static void clause(struct buf *out, enum rpt_lang lang, size_t count, const char *zh, const char *en)
{
    if (count == 0)
        return;
    if (lang == RPT_LANG_ZH) {
        buf_printf(out, "；%zu 个%s", count, zh);
        return;
    }
    /* en may start with "letter(s) ": singular or plural by the count */
    static const char plural_mark[] = "letter(s) ";
    if (strncmp(en, plural_mark, sizeof plural_mark - 1) == 0)
        buf_printf(out, "; %zu %s %s", count, count == 1 ? "letter" : "letters", en + sizeof plural_mark - 1);
    else
        buf_printf(out, "; %zu %s", count, en);
}

void rpt_summary_sentence(const struct rpt_summary *s, enum rpt_lang lang, struct buf *out)
{
    bool zh = lang == RPT_LANG_ZH;
    if (zh)
        buf_printf(out, "共测试 %zu 个网站", s->n_sites);
    else
        buf_printf(out, "%zu site%s tested", s->n_sites, s->n_sites == 1 ? "" : "s");
    if (s->n_letters != s->n_sites)
        buf_printf(out, zh ? "（%zu 封测试信件）" : " (%zu test letters)", s->n_letters);
    if (s->n_letters == 0) {
        buf_append_str(out, zh ? "。" : ".");
        return;
    }
    if (zh) {
        if (s->deadline_workdays > 0)
            buf_printf(out, "，%zu 个在 %d 个工作日内回复", s->n_in_time, s->deadline_workdays);
        else
            buf_printf(out, "，%zu 个在规定时限内回复", s->n_in_time);
        if (s->n_in_time > 0)
            buf_printf(out, "，其中 %zu 个当日回复", s->n_by_kind[VERDICT_SAME_DAY]);
    } else {
        if (s->deadline_workdays > 0)
            buf_printf(out, ": %zu answered within %d working days", s->n_in_time, s->deadline_workdays);
        else
            buf_printf(out, ": %zu answered within their deadlines", s->n_in_time);
        if (s->n_in_time > 0)
            buf_printf(out, ", %zu of them the same day", s->n_by_kind[VERDICT_SAME_DAY]);
    }
    clause(out, lang, s->n_by_kind[VERDICT_LATE], "超期回复", "answered late");
    clause(out, lang, s->n_by_kind[VERDICT_OVERDUE_UNANSWERED], "超期未回复", "unanswered past the deadline");
    clause(out, lang, s->n_by_kind[VERDICT_DELETED], "信件被删除", "letter(s) deleted");
    clause(out, lang, s->n_deleted_after_reply, "回复后信件被删除", "letter(s) deleted after the reply");
    clause(out, lang, s->n_by_kind[VERDICT_SUBMIT_FAILED], "提交失败", "could not be submitted");
    clause(out, lang, s->n_by_kind[VERDICT_PENDING], "尚在办理时限内（待回复）", "still within the deadline");
    clause(out, lang, s->n_by_kind[VERDICT_UNVERIFIABLE], "无法核实", "could not be verified");
    clause(out, lang, s->n_backdated, "疑似倒签回复日期", "with a possibly backdated reply date");
    if (s->n_veto > 0) {
        int months = s->veto_months > 0 ? s->veto_months : 3;
        if (zh)
            buf_printf(out, "；%zu 个留言超过 %d 个月未回复（单项否决）", s->n_veto, months);
        else
            buf_printf(out, "; %zu left over %d months without a timely reply (single-item veto)", s->n_veto,
                       months);
    }
    buf_append_str(out, zh ? "。" : ".");
}

const char *rpt_verdict_word(enum verdict_kind kind, enum rpt_lang lang)
{
    return lang == RPT_LANG_ZH ? verdict_kind_name_zh(kind) : verdict_kind_name_en(kind);
}

static void problem_add(struct buf *out, enum rpt_lang lang, const char *text)
{
    if (out->len > 0)
        buf_append_str(out, lang == RPT_LANG_ZH ? "；" : "; ");
    buf_append_str(out, text);
}

void rpt_problems_format(const struct assessment *a, enum rpt_lang lang, struct buf *out)
{
    const struct verdict_result *v = &a->verdict;
    bool zh = lang == RPT_LANG_ZH;
    struct buf p;
    buf_init(&p);
    char tmp[256];
    switch (v->kind) {
    case VERDICT_LATE:
        snprintf(tmp, sizeof tmp, zh ? "超期%d个工作日回复" : "answered %d working day(s) late", v->workdays_late);
        problem_add(&p, lang, tmp);
        break;
    case VERDICT_OVERDUE_UNANSWERED:
        snprintf(tmp, sizeof tmp, zh ? "超过%d个工作日未回复" : "no reply within %d working days",
                 a->rules.deadline_workdays);
        problem_add(&p, lang, tmp);
        break;
    case VERDICT_DELETED:
        problem_add(&p, lang, zh ? "测试信件被删除" : "test letter deleted");
        break;
    case VERDICT_SUBMIT_FAILED:
        problem_add(&p, lang, zh ? "测试信件无法提交" : "the test letter could not be submitted");
        if (a->letter.error && *a->letter.error) {
            buf_append_str(&p, zh ? "：" : ": ");
            buf_append_str(&p, a->letter.error);
        }
        break;
    case VERDICT_UNVERIFIABLE:
        problem_add(&p, lang, zh ? "截止后未能成功访问，无法核实是否回复" : "not reachable after the deadline: unverified");
        break;
    case VERDICT_SAME_DAY:
    case VERDICT_ON_TIME:
    case VERDICT_PENDING:
        break;
    }
    if (v->is_deleted && v->has_reply)
        problem_add(&p, lang, zh ? "回复后信件被删除" : "letter deleted after the reply");
    if (v->is_possibly_backdated)
        problem_add(&p, lang, zh ? "疑似倒签回复日期" : "reply date possibly backdated");
    if (v->is_reply_before_submission)
        problem_add(&p, lang, zh ? "回复时间早于提交时间" : "reply time before the submission");
    if (v->is_unpublished)
        problem_add(&p, lang, zh ? "留言未予公开（从未在公开列表中出现）" : "not published (never seen in the public list)");
    if (v->veto_alarm) {
        int months = a->rules.veto_months > 0 ? a->rules.veto_months : 3;
        if (v->has_reply)
            snprintf(tmp, sizeof tmp, zh ? "留言超过%d个月才回复（单项否决）" : "answered after over %d months (single-item veto)",
                     months);
        else
            snprintf(tmp, sizeof tmp, zh ? "留言超过%d个月未回复（单项否决）" : "unanswered for over %d months (single-item veto)",
                     months);
        problem_add(&p, lang, tmp);
    }
    if (p.len == 0)
        problem_add(&p, lang, v->kind == VERDICT_PENDING ? "—" : zh ? "无" : "none");
    buf_append_str(out, buf_str(&p));
    buf_release(&p);
}

void rpt_reply_cell_format(const struct assessment *a, enum rpt_lang lang, struct buf *out)
{
    const struct verdict_result *v = &a->verdict;
    if (!v->has_reply)
        return;
    char day[16];
    clock_date_format(v->reply_day, day, sizeof day);
    if (v->reply_source == VERDICT_REPLY_OBSERVED)
        buf_printf(out, lang == RPT_LANG_ZH ? "不晚于 %s" : "by %s", day);
    else
        buf_append_str(out, day);
}

const struct ledger_visit *rpt_reply_visit(const struct assessment *a)
{
    const struct ledger_visit *first = NULL;
    for (size_t i = 0; i < a->n_visits; i++) {
        const struct ledger_visit *v = &a->visits[i];
        if (v->outcome != VISIT_FOUND || !v->has_reply)
            continue;
        if (a->verdict.window_to_ms && v->at_ms == a->verdict.window_to_ms)
            return v;
        if (!first && v->at_ms >= a->letter.submitted_at_ms)
            first = v;
    }
    return first;
}
