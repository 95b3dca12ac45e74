/* The verdict rules: one table row per category and edge, then the names and the month arithmetic.
 * Times in the table are Beijing time ("YYYY-MM-DD HH:MM"; "YYYY-MM-DD" for date-only shown dates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "verify/verdict.h"
#include "tests/unit/runner.h"

#define F VERDICT_VISIT_FOUND
#define NF VERDICT_VISIT_NOT_FOUND
#define X VERDICT_VISIT_FAILED
#define LIST VERDICT_LOOKUP_LIST
#define SUBMIT VERDICT_LOOKUP_SUBMIT

struct vspec {
    const char *at;
    enum verdict_visit_outcome outcome;
    bool entry_ok;
    bool has_reply;
    const char *shown; /* NULL: none shown */
    enum verdict_lookup lookup; /* default: authoritative */
    bool proves_absence;
    bool found_elsewhere;
};

struct vcase {
    const char *name;
    const char *submitted; /* NULL: not submitted */
    bool failed;
    const char *now;
    int deadline_n; /* 0: the default */
    struct vspec visits[6];
    enum verdict_kind want;
    const char *want_reply_day; /* NULL: no reply expected */
    int want_taken;             /* -1: not checked */
    bool want_backdated, want_deleted, want_veto;
};

/* Most rows leave a visit's lookup out: zero, an authoritative lookup. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct vcase cases_table[] = {
    {"same day", "2025-03-03 09:00", false, "2025-03-04 10:00", 0,
     {{"2025-03-03 17:00", F, true, true, "2025-03-03 16:00"}},
     VERDICT_SAME_DAY, "2025-03-03", 0, false, false, false},
    {"on time on the last day of the deadline", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-15 09:00", F, true, true, "2025-10-14 18:00"}},
     VERDICT_ON_TIME, "2025-10-14", 5, false, false, false},
    {"reply at 23:59 of the deadline day is on time", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-15 09:00", F, true, true, "2025-10-14 23:59"}},
     VERDICT_ON_TIME, "2025-10-14", 5, false, false, false},
    {"reply the next day is late by one", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-15 09:00", F, true, true, "2025-10-15 00:01"}},
     VERDICT_LATE, "2025-10-15", 6, false, false, false},
    {"answered on a make-up Saturday", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-11 20:00", F, true, true, "2025-10-11"}},
     VERDICT_ON_TIME, "2025-10-11", 3, false, false, false},
    {"submitted on a holiday: day 1 is 10-09", "2025-10-03 12:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-15 09:00", F, true, true, "2025-10-14"}},
     VERDICT_ON_TIME, "2025-10-14", 5, false, false, false},
    {"submitted on a holiday, answered after the deadline", "2025-10-03 12:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-16 09:00", F, true, true, "2025-10-15"}},
     VERDICT_LATE, "2025-10-15", 6, false, false, false},
    {"submitted 23:59 Beijing, answered that day", "2025-03-07 23:59", false, "2025-03-10 10:00", 0,
     {{"2025-03-08 08:00", F, true, true, "2025-03-07"}},
     VERDICT_SAME_DAY, "2025-03-07", 0, false, false, false},
    {"submitted 23:59 Beijing, answered the Saturday after", "2025-03-07 23:59", false, "2025-03-10 10:00", 0,
     {{"2025-03-08 12:00", F, true, true, "2025-03-08 00:10"}},
     VERDICT_ON_TIME, "2025-03-08", 0, false, false, false},
    {"deadline across the New Year: on time", "2025-12-30 10:00", false, "2026-01-20 10:00", 0,
     {{"2026-01-08 09:00", F, true, true, "2026-01-07"}},
     VERDICT_ON_TIME, "2026-01-07", 5, false, false, false},
    {"deadline across the New Year: late", "2025-12-30 10:00", false, "2026-01-20 10:00", 0,
     {{"2026-01-08 19:00", F, true, true, "2026-01-08"}},
     VERDICT_LATE, "2026-01-08", 6, false, false, false},
    {"a 3-day rule", "2025-09-30 10:00", false, "2025-10-20 10:00", 3,
     {{"2025-10-15 09:00", F, true, true, "2025-10-13"}},
     VERDICT_LATE, "2025-10-13", 4, false, false, false},
    {"no reply, deadline not reached", "2025-09-30 10:00", false, "2025-10-14 23:59", 0,
     {{"2025-10-14 20:00", F, true, false, NULL}},
     VERDICT_PENDING, NULL, 5, false, false, false},
    {"no reply after the deadline day ended", "2025-09-30 10:00", false, "2025-10-15 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-15 00:05", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, 6, false, false, false},
    {"last look on the deadline day itself cannot prove overdue", "2025-09-30 10:00", false, "2025-10-16 10:00", 0,
     {{"2025-10-14 23:00", F, true, false, NULL}, {"2025-10-15 09:00", X, false, false, NULL}},
     VERDICT_UNVERIFIABLE, NULL, 5, false, false, false},
    {"failed visits only, after the deadline", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-09 10:00", X, false, false, NULL}, {"2025-10-15 10:00", X, false, false, NULL}},
     VERDICT_UNVERIFIABLE, NULL, -1, false, false, false},
    {"failed visits only, before the deadline", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-09 10:00", X, false, false, NULL}},
     VERDICT_PENDING, NULL, -1, false, false, false},
    {"one NOT_FOUND only is not deleted", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-16 10:00", NF, true, false, NULL}},
     VERDICT_UNVERIFIABLE, NULL, -1, false, false, false},
    {"two NOT_FOUND 30 min apart is not deleted", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-09 11:00", NF, true, false, NULL},
      {"2025-10-09 11:30", NF, true, false, NULL}},
     VERDICT_PENDING, NULL, -1, false, false, false},
    {"two NOT_FOUND 2 h apart is deleted, even before the deadline", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-09 11:00", NF, true, false, NULL},
      {"2025-10-09 12:00", X, false, false, NULL}, {"2025-10-09 13:00", NF, true, false, NULL}},
     VERDICT_DELETED, NULL, -1, false, true, false},
    {"NOT_FOUND with the entry page failing is not deleted", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-09 10:00", F, true, false, NULL}, {"2025-10-16 10:00", NF, false, false, NULL},
      {"2025-10-16 14:00", NF, false, false, NULL}},
     VERDICT_UNVERIFIABLE, NULL, -1, false, false, false},
    {"a FOUND after NOT_FOUNDs undoes the deletion", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-16 10:00", NF, true, false, NULL}, {"2025-10-16 14:00", NF, true, false, NULL},
      {"2025-10-17 10:00", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, false},
    {"never published, then not found twice: deleted", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-16 10:00", NF, true, false, NULL}, {"2025-10-17 10:00", NF, true, false, NULL}},
     VERDICT_DELETED, NULL, -1, false, true, false},
    {"answered, then deleted: the reply verdict stays", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", F, true, true, "2025-10-13"}, {"2025-10-16 10:00", NF, true, false, NULL},
      {"2025-10-16 12:00", NF, true, false, NULL}},
     VERDICT_ON_TIME, "2025-10-13", 4, false, true, false},
    {"backdated reply is flagged, shown date kept", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", F, true, false, NULL}, {"2025-10-16 10:00", F, true, true, "2025-10-10"}},
     VERDICT_ON_TIME, "2025-10-10", 2, true, false, false},
    {"reply dated earlier on the day a visit saw none is not flagged", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 15:00", F, true, false, NULL}, {"2025-10-14 10:00", F, true, true, "2025-10-13 09:00"}},
     VERDICT_ON_TIME, "2025-10-13", 4, false, false, false},
    {"no shown date: the first visit that saw the reply", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", F, true, false, NULL}, {"2025-10-16 10:00", F, true, true, NULL}},
     VERDICT_LATE, "2025-10-16", 7, false, false, false},
    {"a shown date after huixin saw the reply is not believed", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", F, true, true, "2025-10-20"}},
     VERDICT_ON_TIME, "2025-10-13", 4, false, false, false},
    {"a shown date before submission is flagged and not used", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", F, true, true, "2025-09-01"}},
     VERDICT_ON_TIME, "2025-10-13", 4, true, false, false},
    {"a reply on a failed visit is ignored", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-10-13 10:00", X, false, true, "2025-10-13"}, {"2025-10-16 10:00", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, false},
    {"visits before the submission are ignored", "2025-09-30 10:00", false, "2025-10-20 10:00", 0,
     {{"2025-09-30 09:00", F, true, true, "2025-09-30"}, {"2025-10-16 10:00", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, false},
    {"veto: unanswered past 3 months", "2025-03-10 10:00", false, "2025-06-12 10:00", 0,
     {{"2025-06-11 10:00", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, true},
    {"veto: not yet on the 3-month day itself", "2025-03-10 10:00", false, "2025-06-12 10:00", 0,
     {{"2025-06-10 22:00", F, true, false, NULL}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, false},
    {"veto: answered only after 3 months", "2025-03-10 10:00", false, "2025-06-30 10:00", 0,
     {{"2025-06-21 10:00", F, true, true, "2025-06-20"}},
     VERDICT_LATE, "2025-06-20", -1, false, false, true},
    {"veto: deleted letter seen gone after 3 months", "2025-03-10 10:00", false, "2025-07-01 10:00", 0,
     {{"2025-06-11 10:00", NF, true, false, NULL}, {"2025-06-12 10:00", NF, true, false, NULL}},
     VERDICT_DELETED, NULL, -1, false, true, true},
    /* issue 10: what a miss proves depends on the lookup */
    {"list: never seen, two misses: pending, not deleted", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-09-30 10:00", F, true, false, NULL, SUBMIT, false}, {"2025-10-09 09:00", NF, true, false, NULL, LIST, false},
      {"2025-10-09 12:00", NF, true, false, NULL, LIST, false}},
     VERDICT_PENDING, NULL, -1, false, false, false},
    {"list: never seen, a miss after the deadline: overdue (unpublished)", "2025-09-30 10:00", false,
     "2025-10-16 10:00", 0,
     {{"2025-09-30 10:00", F, true, false, NULL, SUBMIT, false}, {"2025-10-09 09:00", NF, true, false, NULL, LIST, false},
      {"2025-10-15 09:00", NF, true, false, NULL, LIST, false}, {"2025-10-15 12:00", NF, true, false, NULL, LIST, false}},
     VERDICT_OVERDUE_UNANSWERED, NULL, -1, false, false, false},
    {"list: seen, then two conclusive misses an hour apart: deleted", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-08 09:00", F, true, false, NULL, LIST, false}, {"2025-10-09 09:00", NF, true, false, NULL, LIST, false},
      {"2025-10-09 10:00", NF, true, false, NULL, LIST, false}},
     VERDICT_DELETED, NULL, -1, false, true, false},
    {"list that shows every letter (proves_absence): deleted unseen", "2025-09-30 10:00", false, "2025-10-10 10:00",
     0,
     {{"2025-09-30 10:00", F, true, false, NULL, SUBMIT, false}, {"2025-10-09 09:00", NF, true, false, NULL, LIST, true},
      {"2025-10-09 10:00", NF, true, false, NULL, LIST, true}},
     VERDICT_DELETED, NULL, -1, false, true, false},
    {"list: seen, one miss not counted before the sighting", "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-07 09:00", NF, true, false, NULL, LIST, false}, {"2025-10-08 09:00", F, true, false, NULL, LIST, false},
      {"2025-10-09 09:00", NF, true, false, NULL, LIST, false}},
     VERDICT_PENDING, NULL, -1, false, false, false},
    {"list: found only by its reply mail (the list failed), then two misses: answered, not deleted",
     "2025-09-30 10:00", false, "2025-10-10 10:00", 0,
     {{"2025-10-08 09:00", F, true, true, "2025-10-08", LIST, false, true},
      {"2025-10-09 09:00", NF, true, false, NULL, LIST, false}, {"2025-10-09 10:00", NF, true, false, NULL, LIST, false}},
     VERDICT_ON_TIME, "2025-10-08", 0, false, false, false},
    {"submission failed", NULL, true, "2025-10-20 10:00", 0, {{NULL, F, false, false, NULL}},
     VERDICT_SUBMIT_FAILED, NULL, -1, false, false, false},
    {"not submitted, no time", NULL, false, "2025-10-20 10:00", 0, {{NULL, F, false, false, NULL}},
     VERDICT_UNVERIFIABLE, NULL, -1, false, false, false},
};
#pragma GCC diagnostic pop

static int64_t T(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0) {
        fprintf(stderr, "bad time in test table: %s\n", s);
        abort();
    }
    return ms;
}

static int64_t D(const char *s)
{
    int64_t d = 0;
    if (clock_date_parse(s, &d) != 0) {
        fprintf(stderr, "bad date in test table: %s\n", s);
        abort();
    }
    return d;
}

static size_t visits_build(const struct vcase *c, struct verdict_visit *out)
{
    size_t n = 0;
    for (; n < ARRAY_LEN(c->visits) && c->visits[n].at; n++) {
        const struct vspec *s = &c->visits[n];
        memset(&out[n], 0, sizeof out[n]);
        out[n].at_ms = T(s->at);
        out[n].outcome = s->outcome;
        out[n].entry_page_ok = s->entry_ok;
        out[n].has_reply = s->has_reply;
        out[n].reply_shown_ms = s->shown ? T(s->shown) : 0;
        out[n].lookup = s->lookup;
        out[n].proves_absence = s->proves_absence;
        out[n].found_elsewhere = s->found_elsewhere;
    }
    return n;
}

static void run_case(const struct cal *cal, const struct vcase *c, bool reversed)
{
    struct verdict_visit visits[6], rev[6];
    size_t n = visits_build(c, visits);
    for (size_t i = 0; i < n; i++)
        rev[i] = visits[n - 1 - i];
    struct verdict_letter letter = {c->submitted ? T(c->submitted) : 0, c->failed, c->failed ? "captcha not solved" : NULL};
    struct verdict_rules rules;
    verdict_rules_init(&rules);
    if (c->deadline_n)
        rules.deadline_workdays = c->deadline_n;
    struct verdict_result r;
    verdict_decide(&letter, reversed ? rev : visits, n, cal, &rules, T(c->now), &r);
    int before = runner_case_failed;
    runner_case_failed = 0;
    CHECK_STR(verdict_kind_name_en(r.kind), verdict_kind_name_en(c->want));
    CHECK_INT(r.has_reply, c->want_reply_day != NULL);
    if (c->want_reply_day)
        CHECK_INT(r.reply_day, D(c->want_reply_day));
    if (c->want_taken >= 0)
        CHECK_INT(c->want_reply_day ? r.workdays_taken : r.workdays_waited, c->want_taken);
    CHECK_INT(r.is_possibly_backdated, c->want_backdated);
    CHECK_INT(r.is_deleted, c->want_deleted);
    CHECK_INT(r.veto_alarm, c->want_veto);
    CHECK(r.reason_en[0] != '\0' && r.reason_zh[0] != '\0');
    if (runner_case_failed)
        fprintf(stderr, "  ^ in \"%s\"%s: %s / %s\n", c->name, reversed ? " (visits reversed)" : "",
                r.reason_en, r.reason_zh);
    runner_case_failed = runner_case_failed || before;
}

static void test_verdict_table(void)
{
    struct cal *cal = cal_new();
    for (size_t i = 0; i < ARRAY_LEN(cases_table); i++)
        run_case(cal, &cases_table[i], false);
    cal_free(cal);
}

static void test_visit_order_does_not_matter(void)
{
    struct cal *cal = cal_new();
    for (size_t i = 0; i < ARRAY_LEN(cases_table); i++)
        run_case(cal, &cases_table[i], true);
    cal_free(cal);
}

/* 23:59 Beijing is 15:59 UTC the same date: the day is Beijing's, whatever TZ says. */
static void test_beijing_day_of_submission(void)
{
    struct cal *cal = cal_new();
    struct verdict_letter letter = {0};
    letter.submitted_at_ms = clock_days_from_civil(2025, 3, 7) * 86400000LL + (15 * 60 + 59) * 60000LL;
    struct verdict_result r;
    verdict_decide(&letter, NULL, 0, cal, NULL, letter.submitted_at_ms + 60000, &r);
    CHECK_INT(r.submit_day, D("2025-03-07"));
    CHECK_INT(r.deadline_day, D("2025-03-14"));
    CHECK_STR(verdict_kind_name_en(r.kind), "pending");
    /* one minute later it is Saturday in Beijing: the deadline moves to Monday's week */
    letter.submitted_at_ms += 60000;
    verdict_decide(&letter, NULL, 0, cal, NULL, letter.submitted_at_ms, &r);
    CHECK_INT(r.submit_day, D("2025-03-08"));
    CHECK_INT(r.deadline_day, D("2025-03-14"));
    cal_free(cal);
}

static void test_observed_window_and_reasons(void)
{
    struct cal *cal = cal_new();
    struct verdict_visit v[3] = {
        {.at_ms = T("2025-10-13 10:00"), .outcome = F, .entry_page_ok = true},
        {.at_ms = T("2025-10-14 10:00"), .outcome = X},
        {.at_ms = T("2025-10-16 10:00"), .outcome = F, .entry_page_ok = true, .has_reply = true,
         .reply_shown_ms = T("2025-10-10")},
    };
    struct verdict_letter letter = {T("2025-09-30 10:00"), false, NULL};
    struct verdict_result r;
    verdict_decide(&letter, v, 3, cal, NULL, T("2025-10-20 10:00"), &r);
    CHECK_INT(r.window_from_ms, T("2025-10-13 10:00"));
    CHECK_INT(r.window_to_ms, T("2025-10-16 10:00"));
    CHECK_INT(r.reply_source, VERDICT_REPLY_SHOWN);
    CHECK(r.is_possibly_backdated);
    CHECK_STR(r.reason_en, "answered 2025-10-10, 2 working days after submission (deadline 2025-10-14); "
                           "the shown reply date is earlier than a visit that saw no reply");
    CHECK(strstr(r.reason_zh, "可能倒签") != NULL);

    v[2].reply_shown_ms = 0;
    verdict_decide(&letter, v, 3, cal, NULL, T("2025-10-20 10:00"), &r);
    CHECK_INT(r.reply_source, VERDICT_REPLY_OBSERVED);
    CHECK_STR(verdict_kind_name_zh(r.kind), "超期回复");
    CHECK_INT(r.workdays_late, 2);
    CHECK_STR(r.reason_en, "answered 2025-10-16, 7 working days after submission, 2 after the deadline "
                           "2025-10-14; reply date taken from when huixin first saw it");

    struct verdict_letter failed = {0, true, "captcha not solved"};
    verdict_decide(&failed, NULL, 0, cal, NULL, 0, &r);
    CHECK_STR(r.reason_en, "could not submit: captcha not solved");
    CHECK_STR(r.reason_zh, "提交失败：captcha not solved");
    cal_free(cal);
}

static void test_deletion_rule_settings(void)
{
    struct cal *cal = cal_new();
    struct verdict_visit v[3] = {
        {.at_ms = T("2025-10-16 10:00"), .outcome = NF, .entry_page_ok = true},
        {.at_ms = T("2025-10-16 10:59"), .outcome = NF, .entry_page_ok = true},
        {.at_ms = T("2025-10-16 11:00"), .outcome = NF, .entry_page_ok = true},
    };
    struct verdict_letter letter = {T("2025-09-30 10:00"), false, NULL};
    struct verdict_rules rules;
    verdict_rules_init(&rules);
    struct verdict_result r;
    verdict_decide(&letter, v, 2, cal, &rules, T("2025-10-20 10:00"), &r);
    CHECK(!r.is_deleted); /* 59 minutes */
    verdict_decide(&letter, v, 3, cal, &rules, T("2025-10-20 10:00"), &r);
    CHECK(r.is_deleted); /* exactly one hour */
    CHECK_INT(r.deletion_visits, 3);
    CHECK_INT(r.deleted_first_ms, v[0].at_ms);
    CHECK_INT(r.deleted_last_ms, v[2].at_ms);
    CHECK(!r.was_ever_found);
    rules.deletion_min_visits = 4;
    verdict_decide(&letter, v, 3, cal, &rules, T("2025-10-20 10:00"), &r);
    CHECK(!r.is_deleted);
    CHECK_STR(verdict_kind_name_en(r.kind), "unverifiable");
    cal_free(cal);
}

static void test_names(void)
{
    static const char *en[] = {"same-day", "on-time", "late", "overdue-unanswered", "deleted", "submit-failed",
                               "pending", "unverifiable"};
    static const char *zh[] = {"当日回复", "按期回复", "超期回复", "超期未回复", "信件被删除", "提交失败", "待回复", "无法核实"};
    for (int k = 0; k < VERDICT_KIND_COUNT; k++) {
        enum verdict_kind got = VERDICT_KIND_COUNT;
        CHECK_STR(verdict_kind_name_en((enum verdict_kind)k), en[k]);
        CHECK_STR(verdict_kind_name_zh((enum verdict_kind)k), zh[k]);
        CHECK_INT(verdict_kind_from_name(en[k], &got), 0);
        CHECK_INT(got, k);
        got = VERDICT_KIND_COUNT;
        CHECK_INT(verdict_kind_from_name(zh[k], &got), 0);
        CHECK_INT(got, k);
    }
    enum verdict_kind k;
    CHECK_INT(verdict_kind_from_name("Late", &k), -1);
    CHECK_INT(verdict_kind_from_name("", &k), -1);
    CHECK_INT(verdict_kind_from_name(NULL, &k), -1);
}

static void test_months_add(void)
{
    CHECK_INT(verdict_months_add(D("2025-03-10"), 3), D("2025-06-10"));
    CHECK_INT(verdict_months_add(D("2025-11-30"), 3), D("2026-02-28"));
    CHECK_INT(verdict_months_add(D("2023-11-30"), 3), D("2024-02-29"));
    CHECK_INT(verdict_months_add(D("2025-10-31"), 3), D("2026-01-31"));
    CHECK_INT(verdict_months_add(D("2025-12-15"), 3), D("2026-03-15"));
    CHECK_INT(verdict_months_add(D("2025-05-31"), 1), D("2025-06-30"));
}

/* Issue 11: a reply time before the letter's own submission that day (04:20 read off a 12-hour clock
 * for 16:20) is flagged, never silently accepted; a date-only reply (00:00) is not. */
static void test_reply_before_submission_flagged(void)
{
    struct cal *cal = cal_new();
    struct verdict_letter letter = {T("2025-03-03 15:00"), false, NULL};
    struct verdict_visit v = {.at_ms = T("2025-03-03 17:00"), .outcome = VERDICT_VISIT_FOUND, .entry_page_ok = true,
                              .has_reply = true, .reply_shown_ms = T("2025-03-03 04:20")};
    struct verdict_result r;
    verdict_decide(&letter, &v, 1, cal, NULL, T("2025-03-04 10:00"), &r);
    CHECK_INT(r.kind, VERDICT_SAME_DAY);
    CHECK(r.is_reply_before_submission);
    CHECK(strstr(r.reason_zh, "早于信件提交时间") != NULL);
    v.reply_shown_ms = T("2025-03-03 00:00"); /* a date-only value */
    verdict_decide(&letter, &v, 1, cal, NULL, T("2025-03-04 10:00"), &r);
    CHECK(!r.is_reply_before_submission);
    v.reply_shown_ms = T("2025-03-03 16:20");
    verdict_decide(&letter, &v, 1, cal, NULL, T("2025-03-04 10:00"), &r);
    CHECK(!r.is_reply_before_submission);
    cal_free(cal);
}

static const struct test_case cases[] = {
    {"every verdict and its edges (table)", test_verdict_table},
    {"the order of the visits given does not matter", test_visit_order_does_not_matter},
    {"the submission day is Beijing's (23:59 = 15:59 UTC)", test_beijing_day_of_submission},
    {"observed window, backdating and reason texts", test_observed_window_and_reasons},
    {"deletion needs enough visits spanning enough time", test_deletion_rule_settings},
    {"verdict names in both languages round-trip", test_names},
    {"calendar months for the veto clamp to the month's end", test_months_add},
    {"a reply time before the submission is flagged", test_reply_before_submission_flagged},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
