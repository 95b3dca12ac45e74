/* A tiny test runner: each test file lists its cases in a table and calls runner_main.
 *
 *   static void test_days_roundtrip(void) { CHECK_INT(clock_days_from_civil(1970, 1, 1), 0); }
 *   static const struct test_case cases[] = { {"days round-trip", test_days_roundtrip}, ... };
 *   int main(int argc, char **argv) { return runner_main(argc, argv, cases, ARRAY_LEN(cases)); }
 *
 * A failed check prints file:line and both values and marks the case failed (the case goes on, so one
 * run shows every mismatch). SKIP(reason) ends a case as skipped: reported apart, never as passed.
 * The last line is "N passed, N failed" (", N skipped" when some were). An argument runs only the
 * cases whose name contains it. */
#ifndef HUIXIN_TEST_RUNNER_H
#define HUIXIN_TEST_RUNNER_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

static int runner_case_failed;
static int runner_case_skipped;
static jmp_buf runner_skip_jump;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "  %s:%d: expected %s\n", __FILE__, __LINE__, #cond);               \
            runner_case_failed = 1;                                                             \
        }                                                                                       \
    } while (0)

#define CHECK_INT(got, want)                                                                    \
    do {                                                                                        \
        long long got_ = (long long)(got), want_ = (long long)(want);                           \
        if (got_ != want_) {                                                                    \
            fprintf(stderr, "  %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #got,   \
                    got_, want_);                                                               \
            runner_case_failed = 1;                                                             \
        }                                                                                       \
    } while (0)

#define CHECK_STR(got, want)                                                                    \
    do {                                                                                        \
        const char *got_ = (got), *want_ = (want);                                              \
        if (!got_ || !want_ || strcmp(got_, want_) != 0) {                                      \
            fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,     \
                    #got, got_ ? got_ : "(null)", want_ ? want_ : "(null)");                    \
            runner_case_failed = 1;                                                             \
        }                                                                                       \
    } while (0)

/* Stops the case at once when the condition fails (for checks later lines depend on). */
#define REQUIRE(cond)                                                                           \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "  %s:%d: required %s\n", __FILE__, __LINE__, #cond);              \
            runner_case_failed = 1;                                                             \
            longjmp(runner_skip_jump, 1);                                                       \
        }                                                                                       \
    } while (0)

#define SKIP(reason)                                                                            \
    do {                                                                                        \
        fprintf(stderr, "  skipped: %s\n", reason);                                             \
        runner_case_skipped = 1;                                                                \
        longjmp(runner_skip_jump, 1);                                                           \
    } while (0)

static inline int runner_main(int argc, char **argv, const struct test_case *cases, size_t n)
{
    volatile int passed = 0, failed = 0, skipped = 0; /* volatile: they live across setjmp */
    const char *only = argc > 1 ? argv[1] : NULL;
    const char *suite = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    for (volatile size_t i = 0; i < n; i++) {
        if (only && !strstr(cases[i].name, only))
            continue;
        runner_case_failed = 0;
        runner_case_skipped = 0;
        fflush(stdout);
        if (setjmp(runner_skip_jump) == 0)
            cases[i].fn();
        if (runner_case_failed) {
            failed++;
            printf("FAIL %s: %s\n", suite, cases[i].name);
        } else if (runner_case_skipped) {
            skipped++;
            printf("SKIP %s: %s\n", suite, cases[i].name);
        } else {
            passed++;
            printf("ok   %s: %s\n", suite, cases[i].name);
        }
        fflush(stdout);
    }
    if (skipped)
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
