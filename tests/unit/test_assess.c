#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "verify/due.h"
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
    /* a check that found the letter by its list search saw it there, as visit_check.c records it */
    bool in_list = o == VISIT_FOUND && lookup && strcmp(lookup, "list") == 0;
    struct ledger_visit v = {.letter_id = letter_id, .at_ms = bj(at), .outcome = o, .is_entry_ok = true,
                             .has_reply = reply, .reply_date_ms = reply_at ? bj(reply_at) : 0,
                             .kind = (char *)kind, .lookup = (char *)lookup, .is_seen_in_list = in_list};
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
    /* found by its reply mail while the list failed (the list did not show it): still no sighting */
    struct ledger_visit mail = {.letter_id = id, .at_ms = bj("2025-10-15 15:00"), .outcome = VISIT_FOUND,
                                .is_entry_ok = true, .lookup = "list", .is_seen_in_list = false};
    REQUIRE(ledger_visit_add(l, &mail, NULL, NULL) == 0);
    add_visit_as(l, id, "2025-10-15 17:00", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    add_visit_as(l, id, "2025-10-15 18:30", VISIT_NOT_FOUND, false, NULL, NULL, "list");
    REQUIRE(assess_letter(l, cal, id, bj("2025-10-15 19:00"), &a, NULL) == 0);
    CHECK(!a.verdict.is_deleted);
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

/* A small deterministic random generator for the ledger below. */
static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng_state >> 33) % n;
}

/* A ledger of many letters with every shape of history: two campaigns (one with a deletion gap of 0),
 * sites of 3 and 5 days, letters not sent, failed, sent and imported, visits of every outcome and
 * lookup, replies (some dated before a visit that saw none, some before the letter), visits at the
 * same instant, visits before the submission; in random order of insertion. */
static struct ledger *random_ledger(const char *name, uint64_t seed, size_t n_letters, bool is_miss_rare)
{
    rng_state = seed;
    char *path = xasprintf("%s/%s", dir, name);
    struct ledger *l = NULL;
    if (ledger_open(path, &l, NULL) != 0)
        abort();
    free(path);
    int64_t cids[2];
    struct ledger_campaign c1 = {.name = "c1", .authorised_by = "a", .deletion_min_visits = 2,
                                 .deletion_min_gap_ms = 3600000};
    struct ledger_campaign c2 = {.name = "c2", .authorised_by = "b", .deletion_min_visits = 3,
                                 .deletion_min_gap_ms = 0};
    ledger_campaign_ensure(l, &c1, &cids[0], NULL);
    ledger_campaign_ensure(l, &c2, &cids[1], NULL);
    int64_t sids[6];
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof key, "s%d", i);
        struct ledger_site s = {.campaign_id = cids[i % 2], .key = key, .deadline_workdays = i < 3 ? 3 : 5};
        ledger_site_ensure(l, &s, &sids[i], NULL);
    }
    int64_t base = bj("2025-09-25 09:00");
    int64_t *ids = xcalloc(n_letters, sizeof *ids);
    int64_t *sent = xcalloc(n_letters, sizeof *sent);
    for (size_t i = 0; i < n_letters; i++) {
        char token[32];
        snprintf(token, sizeof token, "T%zu", i);
        struct ledger_letter t = {.site_id = sids[rnd(6)], .state = LETTER_INTENT, .token = token, .intent_at_ms = 1};
        ledger_letter_add(l, &t, &ids[i], NULL);
        sent[i] = base + (int64_t)rnd(20 * 24) * 3600000;
        unsigned state = rnd(10);
        if (state == 0)
            ledger_letter_mark_failed(l, ids[i], "refused", NULL);
        else if (state != 1)
            ledger_letter_mark_submitted(l, ids[i], sent[i], NULL, NULL, NULL, NULL, NULL);
    }
    static const char *const lookups[] = {"authoritative", "list", NULL};
    for (size_t k = 0; k < n_letters * 6; k++) {
        size_t i = rnd((unsigned)n_letters);
        /* misses rare: most open letters have none, and the due selection reads them by their facts alone */
        unsigned pick = is_miss_rare ? rnd(12) : 0;
        enum visit_outcome outcome = !is_miss_rare ? (enum visit_outcome)rnd(3)
                                     : pick == 0   ? VISIT_NOT_FOUND
                                     : pick < 4    ? VISIT_FAILED
                                                   : VISIT_FOUND;
        struct ledger_visit v = {.letter_id = ids[i], .outcome = outcome,
                                 .is_entry_ok = rnd(4) != 0, .kind = rnd(8) == 0 ? "submit" : NULL,
                                 .lookup = (char *)lookups[rnd(3)], .is_seen_in_list = rnd(2),
                                 .proves_absence = rnd(6) == 0};
        /* mostly after the letter went out, some at one and the same instant, a few before it */
        v.at_ms = rnd(12) == 0 ? sent[i] - 3600000 : sent[i] + (int64_t)rnd(40) * 3 * 3600000;
        if (v.outcome == VISIT_FOUND && rnd(5) == 0) {
            v.has_reply = true;
            v.reply_date_ms = sent[i] + ((int64_t)rnd(15) - 2) * 24 * 3600000;
        }
        if (ledger_visit_add(l, &v, NULL, NULL) != 0)
            abort();
    }
    free(ids);
    free(sent);
    return l;
}

struct collected {
    struct assessment *a;
    size_t n;
};

static int collect_copy(const struct assessment *a, void *user)
{
    struct collected *c = user;
    c->a = xrealloc(c->a, (c->n + 1) * sizeof *c->a);
    c->a[c->n] = *a;
    memset((struct assessment *)a, 0, sizeof *a); /* taken: assess_each releases an empty one */
    c->n++;
    return 0;
}

/* assess_each reads the ledger in one pass, assess_letter letter by letter: they must agree on every
 * letter, whatever the history, for one campaign and for all. */
static void test_the_one_pass_scan_agrees_with_letter_by_letter(void)
{
    struct ledger *l = random_ledger("r1.db", 7, 120, false);
    struct cal *cal = cal_new();
    int64_t now = bj("2025-10-20 12:00");
    for (int64_t campaign = 0; campaign <= 2; campaign++) {
        struct collected c = {0};
        REQUIRE(assess_each(l, cal, campaign, now, collect_copy, &c, NULL) == 0);
        struct ledger_letter *letters;
        size_t n;
        REQUIRE(ledger_letter_list(l, campaign, &letters, &n, NULL) == 0);
        CHECK_INT(c.n, n);
        for (size_t i = 0; i < c.n && i < n; i++) {
            struct assessment one;
            REQUIRE(assess_letter(l, cal, letters[i].id, now, &one, NULL) == 0);
            CHECK_INT(c.a[i].letter.id, one.letter.id);
            CHECK_INT(c.a[i].verdict.kind, one.verdict.kind);
            CHECK_INT(c.a[i].verdict.reply_day, one.verdict.reply_day);
            CHECK_INT(c.a[i].verdict.is_deleted, one.verdict.is_deleted);
            CHECK_INT(c.a[i].verdict.is_possibly_backdated, one.verdict.is_possibly_backdated);
            CHECK_INT(c.a[i].n_visits, one.n_visits);
            for (size_t k = 0; k < c.a[i].n_visits && k < one.n_visits; k++)
                CHECK_INT(c.a[i].visits[k].id, one.visits[k].id);
            CHECK_STR(c.a[i].site.key, one.site.key);
            CHECK_STR(c.a[i].campaign.name, one.campaign.name);
            assessment_release(&one);
        }
        ledger_letters_free(letters, n);
        assessments_free(c.a, c.n);
    }
    cal_free(cal);
    ledger_close(l);
}

/* The revisit schedule's lean scan (open letters only, from an index) must pick exactly the letters,
 * and the next instant, that every letter's full assessment gives, at many moments of the round. */
static void due_letters_agree(struct ledger *l)
{
    struct cal *cal = cal_new();
    struct schedule_rules rules;
    schedule_rules_init(&rules);
    for (int step = 0; step < 40; step++) {
        int64_t now = bj("2025-09-26 08:00") + (int64_t)step * 19 * 3600000;
        for (int64_t campaign = 0; campaign <= 2; campaign++) {
            struct assessment *all;
            size_t n;
            REQUIRE(assess_all(l, cal, campaign, now, &all, &n, NULL) == 0);
            int64_t *want = xcalloc(n + 1, sizeof *want);
            size_t n_want = 0;
            int64_t want_next = 0;
            for (size_t i = 0; i < n; i++) {
                if (all[i].letter.state != LETTER_SUBMITTED && all[i].letter.state != LETTER_IMPORTED)
                    continue;
                int64_t next = schedule_next_ms(&all[i], &rules);
                if (next != 0 && next <= now)
                    want[n_want++] = all[i].letter.id;
                else if (next != 0 && (want_next == 0 || next < want_next))
                    want_next = next;
            }
            int64_t *got, got_next;
            size_t n_got;
            REQUIRE(due_letters(l, cal, campaign, now, &rules, false, &got, &n_got, &got_next, NULL) == 0);
            CHECK_INT(n_got, n_want);
            for (size_t i = 0; i < n_got && i < n_want; i++)
                CHECK_INT(got[i], want[i]);
            CHECK_INT(got_next, want_next);
            free(got);
            free(want);
            assessments_free(all, n);
        }
    }
    cal_free(cal);
    ledger_close(l);
}

/* The revisit schedule reads an open letter no visit missed by its facts alone (ledger_open_facts_each)
 * and the others whole: both must pick exactly what the full assessment picks, misses common or rare. */
static void test_due_letters_agree_with_the_full_assessment(void)
{
    due_letters_agree(random_ledger("r2.db", 11, 150, false));
    due_letters_agree(random_ledger("r3.db", 13, 150, true));
}

/* A ledger read-only, without the indexes made at open: the same queries without them, the same picks. */
static void test_due_letters_agree_without_the_indexes(void)
{
    ledger_close(random_ledger("r4.db", 17, 80, true));
    char *path = xasprintf("%s/r4.db", dir);
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "DROP INDEX visits_schedule; DROP INDEX visits_replied; DROP INDEX visits_missed;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    struct ledger *l = NULL;
    REQUIRE(ledger_open_readonly(path, &l, NULL) == 0);
    due_letters_agree(l);
    free(path);
}

static const struct test_case cases[] = {
    {"the one-pass scan agrees with letter by letter", test_the_one_pass_scan_agrees_with_letter_by_letter},
    {"due letters agree with the full assessment", test_due_letters_agree_with_the_full_assessment},
    {"due letters agree without the indexes", test_due_letters_agree_without_the_indexes},
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
