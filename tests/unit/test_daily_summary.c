#include <stdlib.h>

#include "common/base.h"
#include "common/clock.h"
#include "reports/daily_summary.h"
#include "tests/unit/runner.h"

static int64_t bj(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0)
        abort();
    return ms;
}

static void test_due_once_a_day_after_its_minute(void)
{
    int minute = 18 * 60; /* daily_summary = 18:00 */
    int64_t today = clock_days_from_civil(2026, 3, 2);
    CHECK(!rpt_daily_summary_is_due(minute, bj("2026-03-02 17:59"), 0));
    CHECK(rpt_daily_summary_is_due(minute, bj("2026-03-02 18:00"), 0));
    CHECK(rpt_daily_summary_is_due(minute, bj("2026-03-02 23:59"), today - 1));
    CHECK(!rpt_daily_summary_is_due(minute, bj("2026-03-02 23:59"), today));
    CHECK(!rpt_daily_summary_is_due(minute, bj("2026-03-03 00:30"), today));
    CHECK(rpt_daily_summary_is_due(minute, bj("2026-03-03 18:01"), today));
    CHECK(!rpt_daily_summary_is_due(-1, bj("2026-03-03 18:01"), 0)); /* not configured */
}

static void test_the_day_is_beijing_s(void)
{
    /* 16:30 UTC on 03-02 is 00:30 on 03-03 in Beijing: a new day, before 08:00 */
    int64_t day_0302 = clock_days_from_civil(2026, 3, 2);
    CHECK(!rpt_daily_summary_is_due(8 * 60, bj("2026-03-03 00:30"), day_0302));
    CHECK(rpt_daily_summary_is_due(0, bj("2026-03-03 00:30"), day_0302));
}

static const struct test_case cases[] = {
    {"the summary is due once a day after its minute", test_due_once_a_day_after_its_minute},
    {"the day is Beijing's", test_the_day_is_beijing_s},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
