#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "tests/unit/runner.h"

static char dir[64];

static int64_t bj(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0)
        abort();
    return ms;
}

/* A ledger with a campaign (deletion after 2 visits 1 h apart), a site with a 5-day deadline and a
 * letter submitted on 2025-09-30 (deadline 2025-10-14: 10-11 is a make-up Saturday). */
static struct ledger *fixture(const char *name, int64_t *letter_id)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct ledger *l = NULL;
    if (ledger_open(path, &l, NULL) != 0)
        abort();
    free(path);
    struct ledger_campaign c = {.name = "c", .authorised_by = "a", .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    int64_t cid, sid;
    ledger_campaign_ensure(l, &c, &cid, NULL);
    struct ledger_site s = {.campaign_id = cid, .key = "s", .deadline_workdays = 5};
    ledger_site_ensure(l, &s, &sid, NULL);
    struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = "T1", .intent_at_ms = 1};
    ledger_letter_add(l, &t, letter_id, NULL);
    ledger_letter_mark_submitted(l, *letter_id, bj("2025-09-30 10:00"), NULL, NULL, NULL, NULL, NULL);
    return l;
}

/* A check visit; kind "submit" or lookup "authoritative"/"list"/NULL (a row from before schema 3). */
static void add_visit_as(struct ledger *l, int64_t letter_id, const char *at, enum visit_outcome o, bool reply,
                         const char *reply_at, const char *kind, const char *lookup)
{
    struct ledger_visit v = {.letter_id = letter_id, .at_ms = bj(at), .outcome = o, .is_entry_ok = true,
                             .has_reply = reply, .reply_date_ms = reply_at ? bj(reply_at) : 0,
                             .kind = (char *)kind, .lookup = (char *)lookup};
    if (ledger_visit_add(l, &v, NULL, NULL) != 0)
        abort();
}

static void add_visit(struct ledger *l, int64_t letter_id, const char *at, enum visit_outcome o, bool reply,
                      const char *reply_at)
{
    add_visit_as(l, letter_id, at, o, reply, reply_at, NULL, "authoritative");
}

static void test_reply_on_the_make_up_saturday_is_on_time(void)
{
    int64_t id;
    struct ledger *l = fixture("a.db", &id);
    struct cal *cal = cal_new();
    add_visit(l, id, "2025-10-09 09:00", VISIT_FOUND, false, NULL);
    add_visit(l, id, "2025-10-14 09:00", VISIT_FOUND, true, "2025-10-11 16:00");
    struct assessment a;
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-20 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_ON_TIME);
    CHECK_INT(a.verdict.deadline_day, clock_days_from_civil(2025, 10, 14));
    CHECK_INT(a.n_visits, 2);
    assessment_release(&a);
    cal_free(cal);
    ledger_close(l);
}

static void test_failed_visits_never_make_a_deletion(void)
{
    int64_t id;
    struct ledger *l = fixture("b.db", &id);
    struct cal *cal = cal_new();
    add_visit(l, id, "2025-10-20 09:00", VISIT_FAILED, false, NULL);
    add_visit(l, id, "2025-10-20 12:00", VISIT_FAILED, false, NULL);
    add_visit(l, id, "2025-10-21 12:00", VISIT_FAILED, false, NULL);
    struct assessment a;
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-22 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_UNVERIFIABLE);
    assessment_release(&a);
    add_visit(l, id, "2025-10-22 09:00", VISIT_NOT_FOUND, false, NULL);
    add_visit(l, id, "2025-10-22 11:00", VISIT_NOT_FOUND, false, NULL);
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-23 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_DELETED);
    assessment_release(&a);
    cal_free(cal);
    ledger_close(l);
}

/* Regression (issue 10, moderation read as deletion): the submission's own page is no sighting, and a
 * list that never showed the letter cannot prove it deleted, however often it misses. */
static void test_list_misses_without_a_sighting_are_not_deletion(void)
{
    int64_t id;
    struct ledger *l = fixture("d.db", &id);
    struct cal *cal = cal_new();
    add_visit_as(l, id, "2025-09-30 10:00", VISIT_FOUND, false, NULL, "submit", NULL);
    add_visit_as(l, id, "2025-10-09 09:00", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    add_visit_as(l, id, "2025-10-09 12:00", VISIT_NOT_FOUND, false, NULL, NULL, NULL); /* an old row: unknown */
    struct assessment a;
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-10 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_PENDING);
    CHECK(a.verdict.is_unpublished);
    assessment_release(&a);
    add_visit_as(l, id, "2025-10-15 09:00", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-16 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_OVERDUE_UNANSWERED);
    CHECK(a.verdict.is_unpublished);
    CHECK(strstr(a.verdict.reason_zh, "未公开") != NULL);
    assessment_release(&a);
    /* once seen in the list, two conclusive misses an hour apart are deletion */
    add_visit_as(l, id, "2025-10-16 09:00", VISIT_FOUND, false, NULL, NULL, "list");
    add_visit_as(l, id, "2025-10-17 09:00", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    add_visit_as(l, id, "2025-10-17 11:00", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-18 00:00"), &a, NULL) == 0);
    CHECK_INT(a.verdict.kind, VERDICT_DELETED);
    CHECK(!a.verdict.is_unpublished);
    assessment_release(&a);
    cal_free(cal);
    ledger_close(l);
}

static void test_assess_all_covers_every_letter(void)
{
    int64_t id;
    struct ledger *l = fixture("c.db", &id);
    struct cal *cal = cal_new();
    struct assessment *all;
    size_t n;
    REQUIRE(assess_all(l, cal, 0, bj("2025-10-01 00:00"), &all, &n, NULL) == 0);
    CHECK_INT(n, 1);
    CHECK_INT(all[0].verdict.kind, VERDICT_PENDING);
    CHECK_STR(all[0].campaign.name, "c");
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
}

static const struct test_case cases[] = {
    {"a reply on the make-up Saturday is on time", test_reply_on_the_make_up_saturday_is_on_time},
    {"failed visits never make a deletion", test_failed_visits_never_make_a_deletion},
    {"list misses without a sighting are not deletion", test_list_misses_without_a_sighting_are_not_deletion},
    {"assess_all covers every letter", test_assess_all_covers_every_letter},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-assess-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(dir, NULL);
    return rc;
}
