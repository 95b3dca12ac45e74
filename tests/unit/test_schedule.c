#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "verify/schedule.h"
#include "tests/unit/runner.h"

static int64_t bj(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0)
        abort();
    return ms;
}

/* An assessment of a letter submitted 2025-09-30 10:00 (deadline 2025-10-14) with the given visits,
 * decided at now. */
struct fixture {
    struct assessment a;
    struct ledger_visit visits[4];
};

static void fixture_init(struct fixture *f, const struct ledger_visit *visits, size_t n, const char *now)
{
    memset(f, 0, sizeof *f);
    f->a.letter.state = LETTER_SUBMITTED;
    f->a.letter.submitted_at_ms = bj("2025-09-30 10:00");
    if (n)
        memcpy(f->visits, visits, n * sizeof *visits);
    f->a.visits = f->visits;
    f->a.n_visits = n;
    verdict_rules_init(&f->a.rules);
    struct verdict_letter vl = {.submitted_at_ms = f->a.letter.submitted_at_ms};
    struct verdict_visit vv[4];
    for (size_t i = 0; i < n; i++)
        vv[i] = (struct verdict_visit){.at_ms = visits[i].at_ms,
                                       .outcome = visits[i].outcome == VISIT_FOUND       ? VERDICT_VISIT_FOUND
                                                  : visits[i].outcome == VISIT_NOT_FOUND ? VERDICT_VISIT_NOT_FOUND
                                                                                         : VERDICT_VISIT_FAILED,
                                       .entry_page_ok = visits[i].is_entry_ok,
                                       .has_reply = visits[i].has_reply};
    struct cal *cal = cal_new();
    verdict_decide(&vl, vv, n, cal, &f->a.rules, bj(now), &f->a.verdict);
    cal_free(cal);
}

static void test_first_visit_after_a_day(void)
{
    struct fixture f;
    fixture_init(&f, NULL, 0, "2025-09-30 12:00");
    struct schedule_rules r;
    schedule_rules_init(&r);
    CHECK_INT(schedule_next_ms(&f.a, &r), bj("2025-10-01 10:00"));
}

static void test_a_visit_just_after_the_deadline_day(void)
{
    struct ledger_visit v[] = {{.at_ms = bj("2025-10-14 15:00"), .outcome = VISIT_FOUND, .is_entry_ok = true}};
    struct fixture f;
    fixture_init(&f, v, 1, "2025-10-14 16:00");
    struct schedule_rules r;
    schedule_rules_init(&r);
    /* the deadline day 10-14 ends at midnight Beijing time; 5 minutes' margin */
    CHECK_INT(schedule_next_ms(&f.a, &r), bj("2025-10-15 00:05"));
}

static void test_failed_visit_is_retried_sooner(void)
{
    struct ledger_visit v[] = {{.at_ms = bj("2025-10-02 09:00"), .outcome = VISIT_FAILED}};
    struct fixture f;
    fixture_init(&f, v, 1, "2025-10-02 09:30");
    struct schedule_rules r;
    schedule_rules_init(&r);
    CHECK_INT(schedule_next_ms(&f.a, &r), bj("2025-10-02 10:00"));
}

static void test_not_found_is_confirmed_after_the_deletion_gap(void)
{
    struct ledger_visit v[] = {{.at_ms = bj("2025-10-02 09:00"), .outcome = VISIT_NOT_FOUND, .is_entry_ok = true}};
    struct fixture f;
    fixture_init(&f, v, 1, "2025-10-02 09:30");
    f.a.rules.deletion_min_gap_ms = 2 * 3600 * 1000;
    struct schedule_rules r;
    schedule_rules_init(&r);
    CHECK_INT(schedule_next_ms(&f.a, &r), bj("2025-10-02 11:00"));
}

static void test_answered_letters_are_done(void)
{
    struct ledger_visit v[] = {{.at_ms = bj("2025-10-02 09:00"), .outcome = VISIT_FOUND, .is_entry_ok = true,
                                .has_reply = true}};
    struct fixture f;
    fixture_init(&f, v, 1, "2025-10-02 09:30");
    struct schedule_rules r;
    schedule_rules_init(&r);
    CHECK_INT(f.a.verdict.kind, VERDICT_ON_TIME);
    CHECK_INT(schedule_next_ms(&f.a, &r), 0);
    f.a.letter.state = LETTER_FAILED;
    CHECK_INT(schedule_next_ms(&f.a, &r), 0);
}

static void test_followed_until_the_veto_day(void)
{
    struct ledger_visit v[] = {{.at_ms = bj("2026-01-05 09:00"), .outcome = VISIT_FOUND, .is_entry_ok = true}};
    struct fixture f;
    fixture_init(&f, v, 1, "2026-01-05 10:00");
    struct schedule_rules r;
    schedule_rules_init(&r);
    CHECK_INT(f.a.verdict.kind, VERDICT_OVERDUE_UNANSWERED);
    CHECK(f.a.verdict.veto_alarm);
    CHECK_INT(schedule_next_ms(&f.a, &r), 0);
}

static const struct test_case cases[] = {
    {"the first visit comes an interval after submission", test_first_visit_after_a_day},
    {"a visit comes just after the deadline day ends", test_a_visit_just_after_the_deadline_day},
    {"a failed visit is retried sooner", test_failed_visit_is_retried_sooner},
    {"not found is confirmed after the deletion gap", test_not_found_is_confirmed_after_the_deletion_gap},
    {"answered and failed letters are done", test_answered_letters_are_done},
    {"an unanswered letter is followed until the veto day", test_followed_until_the_veto_day},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
