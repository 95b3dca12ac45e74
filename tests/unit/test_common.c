#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/text_clean.h"
#include "tests/unit/runner.h"

static void test_days_from_civil_round_trips(void)
{
    CHECK_INT(clock_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(clock_days_from_civil(2000, 3, 1), 11017);
    for (int64_t d = -1000; d < 30000; d += 7) {
        struct civil_date c = clock_civil_from_days(d);
        CHECK_INT(clock_days_from_civil(c.year, c.month, c.day), d);
    }
}

static void test_weekday_known_dates(void)
{
    CHECK_INT(clock_weekday(clock_days_from_civil(1970, 1, 1)), 3); /* Thursday */
    CHECK_INT(clock_weekday(clock_days_from_civil(2026, 11, 21)), 5); /* Saturday */
    CHECK_INT(clock_weekday(clock_days_from_civil(2024, 2, 29)), 3);
}

static void test_date_parse_rejects_bad_input(void)
{
    int64_t d;
    CHECK_INT(clock_date_parse("2024-02-29", &d), 0);
    CHECK_INT(clock_date_parse("2023-02-29", &d), -1);
    CHECK_INT(clock_date_parse("2024-2-29", &d), -1);
    CHECK_INT(clock_date_parse("2024-13-01", &d), -1);
    CHECK_INT(clock_date_parse("", &d), -1);
    CHECK_INT(clock_date_parse("2024-01-01x", &d), -1);
}

static void test_beijing_time_is_utc_plus_8(void)
{
    int64_t ms;
    REQUIRE(clock_beijing_parse("2026-01-01 07:59", &ms) == 0);
    char out[32];
    clock_utc_format(ms, out, sizeof out);
    CHECK_STR(out, "2025-12-31T23:59:00Z");
    CHECK_INT(clock_beijing_day(ms), clock_days_from_civil(2026, 1, 1));
    clock_beijing_format(ms, out, sizeof out);
    CHECK_STR(out, "2026-01-01 07:59:00");
    CHECK_INT(clock_beijing_parse("2026-01-01 24:00", &ms), -1);
}

/* The formatters write their digits themselves: the same text as "%04d-%02d-%02d ..." for every
 * year snprintf would pad, and snprintf's text (truncated to the room given) outside it. */
static void test_time_formats_pad_and_fall_back(void)
{
    char out[32];
    clock_beijing_format(0, out, sizeof out);
    CHECK_STR(out, "1970-01-01 08:00:00");
    clock_utc_format(-1000, out, sizeof out);
    CHECK_STR(out, "1969-12-31T23:59:59Z");
    int64_t early = clock_days_from_civil(7, 3, 9);
    clock_date_format(early, out, sizeof out);
    CHECK_STR(out, "0007-03-09");
    clock_beijing_format(early * 86400000 + 3723000 - 8 * 3600000, out, sizeof out);
    CHECK_STR(out, "0007-03-09 01:02:03");
    int64_t late = clock_days_from_civil(12345, 12, 31);
    clock_date_format(late, out, sizeof out);
    CHECK_STR(out, "12345-12-31");
    clock_utc_format(late * 86400000 + 86399000, out, sizeof out);
    CHECK_STR(out, "12345-12-31T23:59:59Z");
    /* too little room: snprintf's truncation, as before */
    clock_utc_format(0, out, 12);
    CHECK_STR(out, "1970-01-01T");
    clock_beijing_format(0, out, 20);
    CHECK_STR(out, "1970-01-01 08:00:00");
    clock_date_format(0, out, 10);
    CHECK_STR(out, "1970-01-0");
}

static void test_buf_grows_and_detaches(void)
{
    struct buf b;
    buf_init(&b);
    CHECK_STR(buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    char *s = buf_detach(&b);
    CHECK(b.data == NULL);
    CHECK_INT(strlen(s), 3890);
    free(s);
}

/* A buffer that only reserved room (text_clean of a text with nothing printable) is "" when detached:
 * it used to hand back whatever the allocator left there. */
static void test_buf_reserved_is_empty(void)
{
    char *dirty = malloc(128); /* leave a chunk of the same size full of 'x' for the allocator to hand back */
    memset(dirty, 'x', 128);
    free(dirty);
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, 100);
    CHECK_STR(buf_str(&b), "");
    char *s = buf_detach(&b);
    CHECK_STR(s, "");
    free(s);
    s = text_clean("\x01\x02\x1b", 3, false);
    CHECK_STR(s, "");
    free(s);
    s = text_clean("abc", 0, false);
    CHECK_STR(s, "");
    free(s);
}

static void test_err_first_error_wins(void)
{
    struct err e;
    err_init(&e);
    CHECK_INT(err_set(&e, ERR_INPUT, "first %d", 1), ERR_INPUT);
    err_set(&e, ERR_IO, "second");
    err_prefix(&e, "scenario '%s'", "a.json");
    CHECK_INT(e.code, ERR_INPUT);
    CHECK_STR(e.msg, "scenario 'a.json': first 1");
}

static const struct test_case cases[] = {
    {"days from civil round-trips", test_days_from_civil_round_trips},
    {"weekday of known dates", test_weekday_known_dates},
    {"date parse rejects bad input", test_date_parse_rejects_bad_input},
    {"beijing time is utc+8", test_beijing_time_is_utc_plus_8},
    {"time formats pad and fall back", test_time_formats_pad_and_fall_back},
    {"buf grows and detaches", test_buf_grows_and_detaches},
    {"buf: a reservation alone detaches as \"\"; text_clean of nothing printable", test_buf_reserved_is_empty},
    {"err: first error wins, context once", test_err_first_error_wins},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
