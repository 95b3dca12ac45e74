/* cal_deadline_add and cal_workdays_count against an independent reference: tests/unit/ref_calendar.py
 * reads the original holiday-cn JSON (not the generated verify/calendar_data.c) and steps day by day,
 * for every start date of 2020-2026 and N from 1 to 10. Run from the repo root (tests/run.sh does);
 * the data is ${HUIXIN_SHARED:-../shared}/holiday-cn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "tests/unit/runner.h"

struct ref_case {
    int64_t start, expected;
    int n;
};

static struct ref_case *ref_cases;
static size_t ref_len;
static const char *ref_problem; /* why the reference is unavailable, or NULL */

static void ref_load(void)
{
    static bool loaded;
    static char problem[512];
    if (loaded)
        return;
    loaded = true;
    const char *shared = getenv("HUIXIN_SHARED");
    char *cmd = xasprintf("python3 tests/unit/ref_calendar.py '%s/holiday-cn'", shared && *shared ? shared : "../shared");
    FILE *f = popen(cmd, "r");
    free(cmd);
    if (!f) {
        ref_problem = "cannot run python3";
        return;
    }
    size_t cap = 0;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        char a[16], b[16];
        int n;
        struct ref_case c;
        if (sscanf(line, "%15s %d %15s", a, &n, b) != 3 || clock_date_parse(a, &c.start) != 0 ||
            clock_date_parse(b, &c.expected) != 0) {
            snprintf(problem, sizeof problem, "bad reference line '%.60s'", line);
            ref_problem = problem;
            break;
        }
        c.n = n;
        if (ref_len == cap) {
            cap = cap ? cap * 2 : 4096;
            ref_cases = xrealloc(ref_cases, cap * sizeof *ref_cases);
        }
        ref_cases[ref_len++] = c;
    }
    int status = pclose(f);
    if (!ref_problem && status != 0) {
        snprintf(problem, sizeof problem, "tests/unit/ref_calendar.py failed (status %d): is holiday-cn at "
                 "${HUIXIN_SHARED:-../shared}/holiday-cn?", status);
        ref_problem = problem;
    }
}

static void test_reference_is_complete(void)
{
    ref_load();
    if (ref_problem)
        SKIP(ref_problem);
    /* 2557 days from 2020-01-01 to 2026-12-31, ten deadlines each. */
    CHECK_INT(ref_len, 25570);
    REQUIRE(ref_len > 0);
    CHECK_INT(ref_cases[0].start, clock_days_from_civil(2020, 1, 1));
    CHECK_INT(ref_cases[ref_len - 1].start, clock_days_from_civil(2026, 12, 31));
}

static void test_deadlines_agree(void)
{
    ref_load();
    if (ref_problem)
        SKIP(ref_problem);
    struct cal *cal = cal_new();
    int bad = 0;
    for (size_t i = 0; i < ref_len; i++) {
        const struct ref_case *c = &ref_cases[i];
        int64_t got = cal_deadline_add(cal, c->start, c->n);
        if (got != c->expected && bad++ < 5) {
            char s[16], w[16], g[16];
            clock_date_format(c->start, s, sizeof s);
            clock_date_format(c->expected, w, sizeof w);
            clock_date_format(got, g, sizeof g);
            fprintf(stderr, "  %s + %d: got %s, reference %s\n", s, c->n, g, w);
        }
    }
    CHECK_INT(bad, 0);
    cal_free(cal);
}

/* The reference's deadline D for (start, N) means: N working days in (start, D], N-1 in (start, D-1]. */
static void test_counts_agree(void)
{
    ref_load();
    if (ref_problem)
        SKIP(ref_problem);
    struct cal *cal = cal_new();
    int bad = 0;
    for (size_t i = 0; i < ref_len; i++) {
        const struct ref_case *c = &ref_cases[i];
        int at = cal_workdays_count(cal, c->start, c->expected);
        int before = cal_workdays_count(cal, c->start, c->expected - 1);
        if ((at != c->n || before != c->n - 1) && bad++ < 5) {
            char s[16], w[16];
            clock_date_format(c->start, s, sizeof s);
            clock_date_format(c->expected, w, sizeof w);
            fprintf(stderr, "  count(%s, %s) = %d (want %d), to the day before = %d (want %d)\n", s, w, at,
                    c->n, before, c->n - 1);
        }
    }
    CHECK_INT(bad, 0);
    cal_free(cal);
}

static const struct test_case cases[] = {
    {"the reference covers every day of 2020-2026", test_reference_is_complete},
    {"cal_deadline_add agrees with the reference for every start date and N 1-10", test_deadlines_agree},
    {"cal_workdays_count agrees with the reference's deadlines", test_counts_agree},
};

int main(int argc, char **argv)
{
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    free(ref_cases);
    return rc;
}
