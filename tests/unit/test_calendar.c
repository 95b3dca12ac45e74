/* The working-day calendar: tables of deadlines and counts with their edges, and user files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "tests/unit/runner.h"

static int64_t D(const char *s)
{
    int64_t d = 0;
    if (clock_date_parse(s, &d) != 0) {
        fprintf(stderr, "bad date in test table: %s\n", s);
        abort();
    }
    return d;
}

#define CHECK_DATE(got, want)                                                                   \
    do {                                                                                        \
        char g_[16], w_[16];                                                                    \
        clock_date_format((got), g_, sizeof g_);                                                \
        clock_date_format((want), w_, sizeof w_);                                               \
        CHECK_STR(g_, w_);                                                                      \
    } while (0)

struct add_case {
    const char *start;
    int n;
    const char *want;
    const char *why;
};

static const struct add_case add_cases[] = {
    /* SOURCE.md's worked examples */
    {"2025-09-30", 5, "2025-10-14", "make-up Saturday 10-11 counts"},
    {"2026-02-13", 5, "2026-02-27", "make-up Saturday 02-14 counts"},
    {"2025-01-24", 5, "2025-02-07", "make-up Sunday 01-26 counts"},
    {"2026-04-30", 5, "2026-05-11", "May Day, make-up Saturday 05-09"},
    {"2026-09-24", 5, "2026-10-09", "National Day 2026"},
    /* ordinary weeks */
    {"2025-03-03", 1, "2025-03-04", "Monday + 1"},
    {"2025-03-07", 1, "2025-03-10", "Friday + 1 skips the weekend"},
    {"2025-03-08", 1, "2025-03-10", "Saturday + 1"},
    {"2025-03-03", 5, "2025-03-10", "a plain week"},
    /* year ends */
    {"2024-12-31", 1, "2025-01-02", "New Year's Day 2025 is off"},
    {"2025-12-31", 5, "2026-01-08", "2026-01-01..03 off, Sunday 01-04 a make-up day"},
    {"2022-12-30", 1, "2023-01-03", "2022-12-31 is listed in 2023.json as off"},
    {"2019-12-31", 1, "2020-01-02", "before the data: weekday rule"},
    {"2026-12-31", 1, "2027-01-01", "past the data: weekends only"},
    /* holidays beside weekends */
    {"2024-09-13", 1, "2024-09-14", "make-up Saturday before Mid-Autumn 2024"},
    {"2024-09-14", 1, "2024-09-18", "Mid-Autumn 09-15..17 off"},
    {"2023-06-21", 1, "2023-06-25", "Dragon Boat 06-22..24 off, Sunday 06-25 works"},
    /* submissions on a holiday or a weekend */
    {"2025-10-03", 1, "2025-10-09", "National Day 2025 ends 10-08"},
    {"2025-10-01", 5, "2025-10-14", "from a holiday"},
    {"2025-10-11", 1, "2025-10-13", "from a make-up Saturday"},
    {"2020-01-30", 1, "2020-02-03", "COVID extension of the 2020 Spring Festival"},
    /* larger deadlines */
    {"2025-09-30", 10, "2025-10-21", "10 days across National Day"},
    {"2026-02-13", 15, "2026-03-12", "15 days across Spring Festival, make-up 02-14 and 02-28"},
    {"2025-06-03", 0, "2025-06-03", "n < 1 is the day itself"},
};

static void test_deadline_table(void)
{
    struct cal *cal = cal_new();
    for (size_t i = 0; i < ARRAY_LEN(add_cases); i++) {
        const struct add_case *c = &add_cases[i];
        int64_t got = cal_deadline_add(cal, D(c->start), c->n);
        if (got != D(c->want)) {
            char g[16];
            clock_date_format(got, g, sizeof g);
            fprintf(stderr, "  %s + %d = %s, expected %s (%s)\n", c->start, c->n, g, c->want, c->why);
            runner_case_failed = 1;
        }
    }
    cal_free(cal);
}

struct count_case {
    const char *from, *to;
    int want;
};

static const struct count_case count_cases[] = {
    {"2025-09-30", "2025-10-14", 5},
    {"2025-09-30", "2025-10-13", 4},
    {"2025-09-30", "2025-09-30", 0}, /* same day */
    {"2025-10-14", "2025-09-30", 0}, /* backwards */
    {"2025-09-30", "2025-10-08", 0}, /* all holiday */
    {"2025-09-30", "2025-10-11", 3}, /* 10-09, 10-10 and the make-up Saturday */
    {"2025-12-31", "2026-01-08", 5},
    {"2025-12-31", "2026-01-09", 6},
    {"2025-01-01", "2025-12-31", 248}, /* 2025 has 248 working days (two holidays added) */
    {"2024-01-01", "2024-12-31", 251}, /* and 2024 has 251 */
    {"2025-03-07", "2025-03-09", 0}, /* Friday to Sunday */
};

static void test_count_table(void)
{
    struct cal *cal = cal_new();
    for (size_t i = 0; i < ARRAY_LEN(count_cases); i++) {
        const struct count_case *c = &count_cases[i];
        int got = cal_workdays_count(cal, D(c->from), D(c->to));
        if (got != c->want) {
            fprintf(stderr, "  count(%s, %s) = %d, expected %d\n", c->from, c->to, got, c->want);
            runner_case_failed = 1;
        }
    }
    cal_free(cal);
}

static void test_is_workday(void)
{
    struct cal *cal = cal_new();
    CHECK(!cal_is_workday(cal, D("2026-01-01")));     /* holiday on a Thursday */
    CHECK(cal_is_workday(cal, D("2026-01-04")));      /* make-up Sunday */
    CHECK(cal_is_workday(cal, D("2025-10-11")));      /* make-up Saturday */
    CHECK(!cal_is_workday(cal, D("2025-10-12")));     /* plain Sunday */
    CHECK(cal_is_workday(cal, D("2025-10-09")));      /* plain Thursday */
    CHECK(!cal_is_workday(cal, D("2022-12-31")));     /* listed in 2023.json */
    CHECK(!cal_is_workday(cal, D("2027-01-02")));     /* Saturday past the data */
    CHECK(cal_is_workday(cal, D("2027-01-01")));      /* unknown holiday: a Friday by the rule */
    const struct cal_fact *f = cal_fact_find(cal, D("2025-10-11"));
    REQUIRE(f != NULL);
    CHECK(!f->is_off_day);
    CHECK_STR(f->name, "国庆节、中秋节");
    CHECK(cal_fact_find(cal, D("2025-10-12")) == NULL);
    cal_free(cal);
}

static void test_empty_calendar_is_weekends_only(void)
{
    struct cal *cal = cal_new_empty();
    CHECK(cal_is_workday(cal, D("2025-10-01")));
    CHECK_DATE(cal_deadline_add(cal, D("2025-09-30"), 5), D("2025-10-07"));
    CHECK(!cal_is_covered(cal, 2025));
    cal_free(cal);
}

static void test_special_days_and_coverage(void)
{
    struct cal *cal = cal_new();
    const struct cal_fact *f = NULL;
    size_t n = cal_special_days(cal, 2023, &f);
    REQUIRE(n > 0 && f != NULL);
    /* 2022-12-31 comes from 2023.json but belongs to 2022's listing. */
    CHECK_DATE(f[0].day, D("2023-01-01"));
    CHECK_STR(f[0].name, "元旦");
    for (size_t i = 1; i < n; i++)
        CHECK(f[i].day > f[i - 1].day);
    CHECK_DATE(f[n - 1].day, D("2023-10-08"));
    size_t n22 = cal_special_days(cal, 2022, &f);
    REQUIRE(n22 > 0);
    CHECK_DATE(f[n22 - 1].day, D("2022-12-31"));
    CHECK_INT(cal_special_days(cal, 2027, &f), 0);
    for (int y = 2020; y <= 2026; y++)
        CHECK(cal_is_covered(cal, y));
    CHECK(!cal_is_covered(cal, 2019));
    CHECK(!cal_is_covered(cal, 2027));
    CHECK_INT(cal_uncovered_year(cal, D("2026-12-31"), D("2027-01-05")), 2027);
    CHECK_INT(cal_uncovered_year(cal, D("2027-01-05"), D("2026-12-31")), 2027);
    CHECK_INT(cal_uncovered_year(cal, D("2025-12-31"), D("2026-01-05")), 0);
    cal_free(cal);
}

static int load(struct cal *cal, const char *text, struct err *e)
{
    return cal_load_text(cal, text, strlen(text), "t.txt", e);
}

static void test_user_text_overrides(void)
{
    struct cal *cal = cal_new();
    struct err e;
    err_init(&e);
    int rc = load(cal,
                  "\xEF\xBB\xBF# 2027, typed in\r\n"
                  "\n"
                  "   2027-01-01 off 元旦\n"
                  "2027-02-06\twork   春节调休  \n"
                  "2025-10-11 off 本地补休\n"        /* overrides a built-in make-up day */
                  "2025-06-03 off\n"                 /* a local holiday without a name */
                  "2025-06-03 work later line wins\n"
                  "covers 2027\n",
                  &e);
    CHECK_INT(rc, 0);
    CHECK_STR(e.msg, "");
    CHECK(!cal_is_workday(cal, D("2027-01-01")));
    CHECK(cal_is_workday(cal, D("2027-02-06"))); /* a Saturday */
    CHECK_STR(cal_fact_find(cal, D("2027-02-06"))->name, "春节调休");
    CHECK(!cal_is_workday(cal, D("2025-10-11")));
    CHECK_DATE(cal_deadline_add(cal, D("2025-09-30"), 5), D("2025-10-15"));
    CHECK(cal_is_workday(cal, D("2025-06-03")));
    CHECK_STR(cal_fact_find(cal, D("2025-06-03"))->name, "later line wins");
    CHECK(cal_is_covered(cal, 2027));
    CHECK(!cal_is_covered(cal, 2028));
    CHECK_DATE(cal_deadline_add(cal, D("2026-12-31"), 1), D("2027-01-04"));
    cal_free(cal);
}

static void test_local_days_do_not_cover_a_year(void)
{
    struct cal *cal = cal_new();
    CHECK_INT(load(cal, "2028-03-01 off 地方节日\n", NULL), 0);
    CHECK(!cal_is_covered(cal, 2028));
    CHECK(!cal_is_workday(cal, D("2028-03-01")));
    cal_free(cal);
}

static void test_user_json_drop_in(void)
{
    struct cal *cal = cal_new();
    struct err e;
    err_init(&e);
    int rc = load(cal,
                  "{\"$schema\": \"x\", \"$id\": \"y\", \"year\": 2027, \"papers\": [\"p\"],\n"
                  " \"days\": [{\"name\": \"元旦\", \"date\": \"2026-12-31\", \"isOffDay\": true},\n"
                  "          {\"name\": \"春节\", \"date\": \"2027-02-20\", \"isOffDay\": false}]}\n",
                  &e);
    CHECK_INT(rc, 0);
    CHECK_STR(e.msg, "");
    CHECK(!cal_is_workday(cal, D("2026-12-31")));
    CHECK(cal_is_workday(cal, D("2027-02-20")));
    CHECK(cal_is_covered(cal, 2027));
    cal_free(cal);
}

struct bad_case {
    const char *text;
    const char *want_msg;
};

static const struct bad_case bad_cases[] = {
    {"2027-01-01 off 元旦\n2027-13-01 off x\n",
     "calendar 't.txt' line 2: '2027-13-01': expected a date YYYY-MM-DD (or 'covers YYYY')"},
    {"# c\n\n2027-01-01 holiday\n",
     "calendar 't.txt' line 3: 'holiday' after the date: expected 'off' (a holiday) or 'work' (a make-up working day)"},
    {"2027-01-01\n",
     "calendar 't.txt' line 1: '' after the date: expected 'off' (a holiday) or 'work' (a make-up working day)"},
    {"2027/01/01 off\n", "calendar 't.txt' line 1: '2027/01/01': expected a date YYYY-MM-DD (or 'covers YYYY')"},
    {"covers 27\n", "calendar 't.txt' line 1: 'covers 27': expected 'covers YYYY'"},
    {"covers 2027 2028\n", "calendar 't.txt' line 1: 'covers 2027 2028': expected 'covers YYYY'"},
    {"{\"year\": 2027, \"days\": [], \"year\": 2028}",
     "calendar 't.txt' line 1 column 33: duplicate object key near '\"year\"'"},
    {"{\"year\": 2027, \"dayz\": []}", "calendar 't.txt': unknown key 'dayz': expected year, days, papers, $schema, $id"},
    {"{\"year\": 2027, \"days\": [{\"date\": \"2027-1-1\", \"isOffDay\": true}]}",
     "calendar 't.txt': days[0]: date '2027-1-1': expected \"YYYY-MM-DD\""},
    {"{\"year\": 2027, \"days\": [{\"date\": \"2027-01-01\", \"isOffDay\": 1}]}",
     "calendar 't.txt': days[0] (2027-01-01): isOffDay: expected true or false"},
    {"{\"days\": []}", "calendar 't.txt': \"year\": expected the year of the notice, e.g. 2027"},
    {"{\"year\": 2027, \"days\": [", NULL}, /* jansson's own message; checked for the file name only */
};

static void test_bad_user_files(void)
{
    for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++) {
        struct cal *cal = cal_new();
        struct err e;
        err_init(&e);
        int rc = load(cal, bad_cases[i].text, &e);
        CHECK_INT(rc, ERR_INPUT);
        if (bad_cases[i].want_msg)
            CHECK_STR(e.msg, bad_cases[i].want_msg);
        else
            CHECK(strncmp(e.msg, "calendar 't.txt' line 1 column", 30) == 0);
        /* all or nothing: the good first line of case 0 was not applied */
        CHECK(cal_is_workday(cal, D("2027-01-01")));
        cal_free(cal);
    }
}

static void test_files_on_disk(void)
{
    char dir[] = "/tmp/huixin-cal-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char *a = xasprintf("%s/a.txt", dir), *b = xasprintf("%s/b.json", dir);
    char *missing = xasprintf("%s/none.txt", dir);
    FILE *f = fopen(a, "w");
    REQUIRE(f != NULL);
    fputs("2027-01-01 off 元旦\n2027-01-04 off 测试\n", f);
    fclose(f);
    f = fopen(b, "w");
    REQUIRE(f != NULL);
    fputs("{\"year\": 2027, \"days\": [{\"name\": \"x\", \"date\": \"2027-01-04\", \"isOffDay\": false}]}", f);
    fclose(f);

    struct cal *cal = cal_new();
    struct err e;
    err_init(&e);
    const char *paths[] = {a, b};
    CHECK_INT(cal_load_standard(cal, paths, 2, false, &e), 0);
    CHECK(!cal_is_workday(cal, D("2027-01-01")));
    CHECK(cal_is_workday(cal, D("2027-01-04"))); /* b.json came later */
    CHECK(cal_is_covered(cal, 2027));
    cal_free(cal);

    cal = cal_new();
    err_init(&e);
    const char *bad[] = {a, missing};
    CHECK_INT(cal_load_standard(cal, bad, 2, false, &e), ERR_IO);
    CHECK(strstr(e.msg, missing) != NULL);

    /* HUIXIN_CALENDAR and the config file are read only when asked */
    cal_free(cal);
    cal = cal_new();
    err_init(&e);
    char *env = xasprintf("%s:%s", b, a);
    setenv("HUIXIN_CALENDAR", env, 1);
    setenv("XDG_CONFIG_HOME", dir, 1); /* no huixin/calendar.txt there: skipped silently */
    CHECK_INT(cal_load_standard(cal, NULL, 0, true, &e), 0);
    CHECK(!cal_is_workday(cal, D("2027-01-04"))); /* a.txt came later this time */
    cal_free(cal);
    cal = cal_new();
    CHECK_INT(cal_load_standard(cal, NULL, 0, false, &e), 0);
    CHECK(cal_is_workday(cal, D("2027-01-04")));
    unsetenv("HUIXIN_CALENDAR");
    unsetenv("XDG_CONFIG_HOME");
    cal_free(cal);
    free(env);

    unlink(a);
    unlink(b);
    rmdir(dir);
    free(a);
    free(b);
    free(missing);
}

static const struct test_case cases[] = {
    {"deadlines: worked examples, year ends, make-up days, holidays", test_deadline_table},
    {"working-day counts, including empty and backwards ranges", test_count_table},
    {"is_workday follows listed facts, then the weekday rule", test_is_workday},
    {"an empty calendar knows weekends only", test_empty_calendar_is_weekends_only},
    {"special days of a year are listed by the date's own year", test_special_days_and_coverage},
    {"a user text file adds and overrides facts, later lines win", test_user_text_overrides},
    {"local extra days do not mark a year covered", test_local_days_do_not_cover_a_year},
    {"a holiday-cn JSON file drops in", test_user_json_drop_in},
    {"bad user files name file:line, the value and what was expected", test_bad_user_files},
    {"files on disk, HUIXIN_CALENDAR order, missing files", test_files_on_disk},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
