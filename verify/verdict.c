/* The verdict rules; see verdict.h for them in prose. Pure: time comes in as parameters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "verify/verdict.h"

#define MS_PER_DAY (86400LL * 1000)

static const struct {
    const char *zh, *en;
    bool is_final, is_alarming;
    int severity;
} kind_rows[VERDICT_KIND_COUNT] = {
#define XX(name, zh, en, is_final, is_alarming, severity) [VERDICT_##name] = {zh, en, is_final, is_alarming, severity},
#include "verify/verdict_kinds.def"
#undef XX
};

const char *verdict_kind_name_zh(enum verdict_kind kind)
{
    return (unsigned)kind < VERDICT_KIND_COUNT ? kind_rows[kind].zh : "?";
}

const char *verdict_kind_name_en(enum verdict_kind kind)
{
    return (unsigned)kind < VERDICT_KIND_COUNT ? kind_rows[kind].en : "?";
}

bool verdict_kind_is_final(enum verdict_kind kind)
{
    return (unsigned)kind < VERDICT_KIND_COUNT && kind_rows[kind].is_final;
}

bool verdict_kind_is_alarming(enum verdict_kind kind)
{
    return (unsigned)kind < VERDICT_KIND_COUNT && kind_rows[kind].is_alarming;
}

int verdict_kind_severity(enum verdict_kind kind)
{
    return (unsigned)kind < VERDICT_KIND_COUNT ? kind_rows[kind].severity : 0;
}

int verdict_kind_from_name(const char *name, enum verdict_kind *kind_out)
{
    for (int k = 0; name && k < VERDICT_KIND_COUNT; k++) {
        if (strcmp(name, kind_rows[k].zh) == 0 || strcmp(name, kind_rows[k].en) == 0) {
            *kind_out = (enum verdict_kind)k;
            return 0;
        }
    }
    return -1;
}

void verdict_rules_init(struct verdict_rules *rules)
{
    rules->deadline_workdays = 5;
    rules->deletion_min_visits = 2;
    rules->deletion_min_gap_ms = 3600LL * 1000;
    rules->veto_months = 3;
}

int64_t verdict_months_add(int64_t day, int months)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct civil_date c = clock_civil_from_days(day);
    int m0 = c.year * 12 + (c.month - 1) + months;
    int y = m0 / 12, m = m0 % 12 + 1;
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return clock_days_from_civil(y, m, c.day < max ? c.day : max);
}

/* The first instant of the Beijing day after `day`. */
static int64_t day_end_ms(int64_t day)
{
    return (day + 1) * MS_PER_DAY - CLOCK_BEIJING_OFFSET_MS;
}

struct ordered {
    const struct verdict_visit *v;
    size_t index;
};

static int ordered_cmp(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;
    if (x->v->at_ms != y->v->at_ms)
        return x->v->at_ms < y->v->at_ms ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void fmt_day(int64_t day, char *out, size_t n)
{
    clock_date_format(day, out, n);
}

/* Appends to a reason buffer, truncating quietly (reasons are one line for people). */
static void reason_add(char *buf, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void reason_add(char *buf, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= VERDICT_REASON_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, VERDICT_REASON_MAX - len, fmt, ap);
    va_end(ap);
}

/* A NOT_FOUND visit proves absence: the site's own word, or a conclusive list miss where the letter
 * was seen before (or the list shows every letter at once). */
static bool miss_counts(const struct verdict_visit *v, bool was_seen_in_list)
{
    if (v->outcome != VERDICT_VISIT_NOT_FOUND || !v->entry_page_ok)
        return false;
    switch (v->lookup) {
    case VERDICT_LOOKUP_AUTHORITATIVE: return true;
    case VERDICT_LOOKUP_LIST: return v->proves_absence || was_seen_in_list;
    case VERDICT_LOOKUP_SUBMIT: return false;
    }
    return false;
}

/* The deletion rule over the visits after the last FOUND one. */
static void deletion_find(const struct ordered *vs, size_t n, const struct verdict_rules *rules,
                          struct verdict_result *out)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (vs[i].v->outcome == VERDICT_VISIT_FOUND)
            start = i + 1;
    int count = 0;
    int64_t first = 0, last = 0;
    for (size_t i = start; i < n; i++) {
        const struct verdict_visit *v = vs[i].v;
        if (!miss_counts(v, out->was_seen_in_list))
            continue;
        if (count == 0)
            first = v->at_ms;
        last = v->at_ms;
        count++;
    }
    out->deletion_visits = count;
    if (count > 0 && count >= rules->deletion_min_visits && last - first >= rules->deletion_min_gap_ms) {
        out->is_deleted = true;
        out->deleted_first_ms = first;
        out->deleted_last_ms = last;
    }
}

static void decide_reply(const struct verdict_letter *letter, const struct ordered *vs, size_t n, size_t first_reply,
                         const struct cal *cal, const struct verdict_rules *rules, struct verdict_result *out)
{
    const struct verdict_visit *fr = vs[first_reply].v;
    int64_t seen_day = clock_beijing_day(fr->at_ms);
    int64_t last_no_reply_day = -1;
    out->has_reply = true;
    out->window_to_ms = fr->at_ms;
    for (size_t i = 0; i < first_reply; i++) {
        if (vs[i].v->outcome == VERDICT_VISIT_FOUND && !vs[i].v->has_reply) {
            out->window_from_ms = vs[i].v->at_ms;
            last_no_reply_day = clock_beijing_day(vs[i].v->at_ms);
        }
    }
    int64_t shown_ms = 0;
    for (size_t i = first_reply; i < n && !shown_ms; i++)
        if (vs[i].v->outcome == VERDICT_VISIT_FOUND && vs[i].v->has_reply && vs[i].v->reply_shown_ms)
            shown_ms = vs[i].v->reply_shown_ms;

    out->reply_source = VERDICT_REPLY_OBSERVED;
    out->reply_day = seen_day;
    if (shown_ms) {
        int64_t shown_day = clock_beijing_day(shown_ms);
        if (shown_day < out->submit_day) {
            out->is_possibly_backdated = true; /* a reply dated before the letter existed */
        } else if (shown_day <= seen_day) {
            out->reply_source = VERDICT_REPLY_SHOWN;
            out->reply_day = shown_day;
            if (shown_day < last_no_reply_day)
                out->is_possibly_backdated = true;
            /* a date-only value stands at the day's 00:00: it has no time to compare */
            bool is_date_only = shown_ms == shown_day * MS_PER_DAY - CLOCK_BEIJING_OFFSET_MS;
            if (shown_day == out->submit_day && shown_ms < letter->submitted_at_ms && !is_date_only)
                out->is_reply_before_submission = true;
        }
    }
    out->workdays_taken = cal_workdays_count(cal, out->submit_day, out->reply_day);
    if (out->reply_day == out->submit_day) {
        out->kind = VERDICT_SAME_DAY;
    } else if (out->workdays_taken <= rules->deadline_workdays) {
        out->kind = VERDICT_ON_TIME;
    } else {
        out->kind = VERDICT_LATE;
        out->workdays_late = cal_workdays_count(cal, out->deadline_day, out->reply_day);
    }
}

static void reasons_write(const struct verdict_letter *letter, struct verdict_result *out)
{
    char sub[16], dl[16], rep[16], a[24], b[24];
    fmt_day(out->submit_day, sub, sizeof sub);
    fmt_day(out->deadline_day, dl, sizeof dl);
    fmt_day(out->reply_day, rep, sizeof rep);
    char *en = out->reason_en, *zh = out->reason_zh;
    en[0] = zh[0] = '\0';
    switch (out->kind) {
    case VERDICT_SUBMIT_FAILED: {
        const char *why = letter->submit_error && *letter->submit_error ? letter->submit_error : "no detail";
        reason_add(en, "could not submit: %.400s", why);
        reason_add(zh, "提交失败：%.400s", why);
        return;
    }
    case VERDICT_SAME_DAY:
        reason_add(en, "answered %s, the day of submission", rep);
        reason_add(zh, "%s 提交当日回复", rep);
        break;
    case VERDICT_ON_TIME:
        reason_add(en, "answered %s, %d working day%s after submission (deadline %s)", rep,
                   out->workdays_taken, out->workdays_taken == 1 ? "" : "s", dl);
        reason_add(zh, "%s 回复，用时 %d 个工作日（期限 %s）", rep, out->workdays_taken, dl);
        break;
    case VERDICT_LATE:
        reason_add(en, "answered %s, %d working days after submission, %d after the deadline %s", rep,
                   out->workdays_taken, out->workdays_late, dl);
        reason_add(zh, "%s 回复，用时 %d 个工作日，超过期限（%s）%d 个工作日", rep, out->workdays_taken, dl,
                   out->workdays_late);
        break;
    case VERDICT_OVERDUE_UNANSWERED:
        if (out->last_no_reply_ms >= out->last_list_miss_ms) {
            clock_beijing_format(out->last_no_reply_ms, a, sizeof a);
            reason_add(en, "no reply by the deadline %s (still none at %s)", dl, a);
            reason_add(zh, "期限 %s 届满未回复（%s 查看仍未回复）", dl, a);
        } else {
            clock_beijing_format(out->last_list_miss_ms, a, sizeof a);
            reason_add(en, "no reply by the deadline %s (not in the public list at %s)", dl, a);
            reason_add(zh, "期限 %s 届满未见回复（%s 查看公开列表仍无此信）", dl, a);
        }
        break;
    case VERDICT_DELETED:
        clock_beijing_format(out->deleted_first_ms, a, sizeof a);
        clock_beijing_format(out->deleted_last_ms, b, sizeof b);
        reason_add(en, "letter not found on %d visits from %s to %s while the site worked%s",
                   out->deletion_visits, a, b, out->was_ever_found ? "" : "; it was never seen published");
        reason_add(zh, "%s 至 %s 间 %d 次访问均未找到信件，网站其他页面正常%s", a, b, out->deletion_visits,
                   out->was_ever_found ? "" : "；此前从未见到该信件公开");
        break;
    case VERDICT_PENDING:
        reason_add(en, "no reply yet; deadline %s", dl);
        reason_add(zh, "尚未回复，期限 %s", dl);
        break;
    case VERDICT_UNVERIFIABLE:
        if (!out->submit_day) {
            reason_add(en, "the submission time is unknown");
            reason_add(zh, "提交时间不明");
        } else {
            reason_add(en, "no successful look at the letter after the deadline %s", dl);
            reason_add(zh, "期限 %s 后未能成功查看信件", dl);
        }
        break;
    }
    if (out->reply_source == VERDICT_REPLY_OBSERVED) {
        reason_add(en, "; reply date taken from when huixin first saw it");
        reason_add(zh, "；回复日期按首次看到回复的时间计");
    }
    if (out->is_reply_before_submission) {
        reason_add(en, "; the shown reply time is earlier than the letter's own submission");
        reason_add(zh, "；网站显示的回复时间早于信件提交时间");
    }
    if (out->is_unpublished) {
        reason_add(en, "; not published: never seen in the public list");
        reason_add(zh, "；未公开：从未在公开列表中出现");
    }
    if (out->is_possibly_backdated) {
        reason_add(en, "; the shown reply date is earlier than a visit that saw no reply");
        reason_add(zh, "；网站显示的回复日期早于未见回复的访问，可能倒签");
    }
    if (out->has_reply && out->is_deleted) {
        reason_add(en, "; the letter was later deleted");
        reason_add(zh, "；信件随后被删除");
    }
    if (out->veto_alarm) {
        reason_add(en, "; unanswered for more than 3 months (national veto)");
        reason_add(zh, "；超过 3 个月未回复（国家指标单项否决）");
    }
}

void verdict_days(int64_t submitted_at_ms, const struct cal *cal, const struct verdict_rules *rules,
                  struct verdict_result *out)
{
    out->submit_day = clock_beijing_day(submitted_at_ms);
    out->deadline_day = cal_deadline_add(cal, out->submit_day, rules->deadline_workdays);
    out->veto_day = verdict_months_add(out->submit_day, rules->veto_months);
}

void verdict_decide(const struct verdict_letter *letter, const struct verdict_visit *visits,
                    size_t n_visits, const struct cal *cal, const struct verdict_rules *rules,
                    int64_t now_ms, struct verdict_result *out)
{
    struct verdict_rules defaults;
    struct ordered *vs = NULL;
    size_t n = 0;
    if (!rules) {
        verdict_rules_init(&defaults);
        rules = &defaults;
    }
    memset(out, 0, sizeof *out);
    if (letter->submit_failed) {
        out->kind = VERDICT_SUBMIT_FAILED;
        goto out;
    }
    if (!letter->submitted_at_ms) {
        out->kind = VERDICT_UNVERIFIABLE;
        goto out;
    }
    verdict_days(letter->submitted_at_ms, cal, rules, out);

    vs = xcalloc(n_visits ? n_visits : 1, sizeof *vs);
    for (size_t i = 0; i < n_visits; i++) {
        if (visits[i].at_ms < letter->submitted_at_ms)
            continue; /* cannot be about this letter */
        vs[n].v = &visits[i];
        vs[n].index = i;
        n++;
    }
    qsort(vs, n, sizeof *vs, ordered_cmp);

    size_t first_reply = n;
    for (size_t i = 0; i < n; i++) {
        const struct verdict_visit *v = vs[i].v;
        if (v->outcome == VERDICT_VISIT_FOUND) {
            out->was_ever_found = true;
            if (v->lookup == VERDICT_LOOKUP_LIST && !v->found_elsewhere)
                out->was_seen_in_list = true;
            if (v->has_reply && first_reply == n)
                first_reply = i;
            if (!v->has_reply && first_reply == n)
                out->last_no_reply_ms = v->at_ms;
        }
        if (v->outcome == VERDICT_VISIT_FOUND || (v->outcome == VERDICT_VISIT_NOT_FOUND && v->entry_page_ok))
            out->last_success_ms = v->at_ms;
    }
    deletion_find(vs, n, rules, out);
    /* never seen in a list, and a healthy list missed it: not published (未公开), not deleted */
    bool is_found_elsewhere = false;
    for (size_t i = 0; i < n; i++) {
        const struct verdict_visit *v = vs[i].v;
        if (v->outcome == VERDICT_VISIT_FOUND && v->lookup != VERDICT_LOOKUP_SUBMIT)
            is_found_elsewhere = true;
        if (v->outcome == VERDICT_VISIT_NOT_FOUND && v->entry_page_ok && v->lookup == VERDICT_LOOKUP_LIST &&
            !miss_counts(v, out->was_seen_in_list))
            out->last_list_miss_ms = v->at_ms;
    }
    out->is_unpublished = !is_found_elsewhere && !out->is_deleted && out->last_list_miss_ms > 0;

    if (first_reply < n) {
        decide_reply(letter, vs, n, first_reply, cal, rules, out);
        out->veto_alarm = out->reply_day > out->veto_day;
        goto out;
    }

    out->reply_source = VERDICT_REPLY_NONE;
    int64_t last_no_reply_ms = out->last_no_reply_ms;
    if (last_no_reply_ms)
        out->workdays_waited = cal_workdays_count(cal, out->submit_day, clock_beijing_day(last_no_reply_ms));
    int64_t veto_end_ms = day_end_ms(out->veto_day);
    out->veto_alarm = (last_no_reply_ms >= veto_end_ms) || (out->is_deleted && out->deleted_last_ms >= veto_end_ms);
    if (out->is_deleted)
        out->kind = VERDICT_DELETED;
    else if (now_ms < day_end_ms(out->deadline_day))
        out->kind = VERDICT_PENDING;
    else if (last_no_reply_ms >= day_end_ms(out->deadline_day))
        out->kind = VERDICT_OVERDUE_UNANSWERED;
    else if (out->is_unpublished && out->last_list_miss_ms >= day_end_ms(out->deadline_day))
        out->kind = VERDICT_OVERDUE_UNANSWERED; /* the site had it, and answered nowhere we can see */
    else
        out->kind = VERDICT_UNVERIFIABLE;
out:
    reasons_write(letter, out);
    free(vs);
}
