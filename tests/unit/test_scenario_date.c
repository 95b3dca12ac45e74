/* The date parser: table cases over the formats sites print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "scenarios/date_parse.h"
#include "tests/unit/runner.h"

struct date_case {
    const char *text, *format;
    const char *want; /* Beijing "YYYY-MM-DD HH:MM:SS", or NULL when it must not parse */
    bool is_date_only;
};

static const struct date_case good_and_bad[] = {
    {"2024-05-29 17:11:17", "%Y-%m-%d %H:%M:%S", "2024-05-29 17:11:17", false},
    {"  2024-05-29 17:11:17\n", "%Y-%m-%d %H:%M:%S", "2024-05-29 17:11:17", false},
    {"2024-05-29  17:11:17", "%Y-%m-%d %H:%M:%S", "2024-05-29 17:11:17", false},     /* two blanks */
    {"2024-05-29\xe3\x80\x80" "17:11:17", "%Y-%m-%d %H:%M:%S", "2024-05-29 17:11:17", false}, /* U+3000 */
    {"2024-05-29 17:11", "%Y-%m-%d %H:%M", "2024-05-29 17:11:00", false},
    {"2024-05-29", "%Y-%m-%d", "2024-05-29 00:00:00", true},
    {"2024年05月29日", "%Y年%m月%d日", "2024-05-29 00:00:00", true},
    {"2024年5月9日", "%Y年%m月%d日", "2024-05-09 00:00:00", true},
    {"2024/5/29", "%Y/%m/%d", "2024-05-29 00:00:00", true},
    {"2024/12/31 23:59", "%Y/%m/%d %H:%M", "2024-12-31 23:59:00", false},
    {"2024.1.2", "%Y.%m.%d", "2024-01-02 00:00:00", true},
    {"2024-02-29", "%Y-%m-%d", "2024-02-29 00:00:00", true},
    /* issue 11: a 12-hour time without AM/PM (04:20 for 16:20) keeps only its day */
    {"2024-05-29 04:20", "%Y-%m-%d %I:%M", "2024-05-29 00:00:00", true},
    {"2024-05-29 12:59:59", "%Y-%m-%d %I:%M:%S", "2024-05-29 00:00:00", true},
    {"2024-05-29 13:20", "%Y-%m-%d %I:%M", NULL, false},
    {"1716973877000", "epoch_ms", "2024-05-29 17:11:17", false},
    {"1716973877", "epoch_s", "2024-05-29 17:11:17", false},
    {"50%", "%Y%%", NULL, false},
    /* mismatches */
    {"2024-05-29 17:11", "%Y-%m-%d %H:%M:%S", NULL, false},
    {"2024-05-29 17:11:17", "%Y-%m-%d", NULL, false},
    {"2023-02-29", "%Y-%m-%d", NULL, false},
    {"2024-13-01", "%Y-%m-%d", NULL, false},
    {"2024-05-29 24:00", "%Y-%m-%d %H:%M", NULL, false},
    {"24-05-29", "%Y-%m-%d", NULL, false},
    {"2024-005-29", "%Y-%m-%d", NULL, false},
    {"2024-05-29", "%Y/%m/%d", NULL, false},
    {"", "%Y-%m-%d", NULL, false},
    {"17169738770x0", "epoch_ms", NULL, false},
    {"", "epoch_ms", NULL, false},
    {"2024年05月29", "%Y年%m月%d日", NULL, false},
};

static void test_date_table(void)
{
    for (size_t i = 0; i < ARRAY_LEN(good_and_bad); i++) {
        const struct date_case *c = &good_and_bad[i];
        int64_t ms = -1;
        bool date_only = !c->is_date_only;
        struct err e;
        err_init(&e);
        int rc = scn_date_parse(c->text, c->format, &ms, &date_only, &e);
        if (!c->want) {
            if (rc == 0)
                fprintf(stderr, "  case %zu: '%s' by '%s' parsed but should not\n", i, c->text, c->format);
            CHECK_INT(rc, ERR_INPUT);
            continue;
        }
        if (rc != 0)
            fprintf(stderr, "  case %zu: %s\n", i, e.msg);
        CHECK_INT(rc, 0);
        char got[32];
        clock_beijing_format(ms, got, sizeof got);
        CHECK_STR(got, c->want);
        CHECK_INT(date_only, c->is_date_only);
    }
}

static void test_beijing_offset_applies(void)
{
    int64_t ms;
    REQUIRE(scn_date_parse("2026-01-01 07:59:00", "%Y-%m-%d %H:%M:%S", &ms, NULL, NULL) == 0);
    char out[32];
    clock_utc_format(ms, out, sizeof out);
    CHECK_STR(out, "2025-12-31T23:59:00Z");
    REQUIRE(scn_date_parse("0", "epoch_ms", &ms, NULL, NULL) == 0);
    CHECK_INT(ms, 0);
}

static void test_format_check(void)
{
    static const struct {
        const char *format;
        int rc;
        const char *msg_part;
    } cases[] = {
        {"%Y-%m-%d %H:%M:%S", 0, NULL},
        {"%Y年%m月%d日", 0, NULL},
        {"epoch_ms", 0, NULL},
        {"%Y-%m-%d %H:%i", ERR_INPUT, "unknown directive '%i'"},
        {"%Y-%m", ERR_INPUT, "needs %Y, %m and %d"},
        {"%Y-%m-%d %M", ERR_INPUT, "%M needs %H"},
        {"%Y-%m-%d %H:%M:%S %S", ERR_INPUT, "'%S' appears twice"},
        {"%Y-%m-%d %", ERR_INPUT, "unknown directive"},
        {"", ERR_INPUT, "needs %Y"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct err e;
        err_init(&e);
        CHECK_INT(scn_date_format_check(cases[i].format, &e), cases[i].rc);
        if (cases[i].msg_part && !strstr(e.msg, cases[i].msg_part))
            fprintf(stderr, "  '%s': message '%s' lacks '%s'\n", cases[i].format, e.msg, cases[i].msg_part);
        CHECK(!cases[i].msg_part || strstr(e.msg, cases[i].msg_part));
    }
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"dates parse by format (table)", test_date_table},
        {"beijing offset applies", test_beijing_offset_applies},
        {"format check names the problem", test_format_check},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
