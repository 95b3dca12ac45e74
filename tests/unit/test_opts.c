/* The option tables of cli/opts.h: both spellings of a value, aliases, groups, what is left for the
 * command, the errors, and the --help layout. cli/ is not in the library, so its two files are built in
 * here. (The wrong-argument cases print their usage errors on stderr, as huixin would.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.c"
#include "cli/common_opts.c"
#include "common/base.h"
#include "tests/unit/runner.h"

struct args {
    struct cli_common common;
    const char *out;
    bool is_quiet;
    int jobs;
};

static enum opts_result parse(struct args *a, bool keeps_unknown, char **argv, int argc, int *n_args)
{
    cli_common_init(&a->common);
    a->out = NULL;
    a->is_quiet = false;
    a->jobs = 0;
    const struct opt rows[] = {
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &a->out, .metavar = "FILE", .help = "x"},
        OPT_ROW_FLAG("--quiet", &a->is_quiet, "y"),
        {.kind = OPT_INT, .name = "--jobs", .value = &a->jobs, .metavar = "N", .min = 1, .max = 8,
         .expect = "1 to 8", .help = "z"},
        OPT_ROWS_COMMON(&a->common, true, false, false, false),
        OPT_ROW_END,
    };
    const struct opts o = {.cmd = "test", .rows = rows, .keeps_unknown = keeps_unknown};
    return opts_parse(&o, argc, argv, n_args);
}

static void test_both_spellings(void)
{
    struct args a;
    int n = -1;
    char *v1[] = {"cmd", "--output", "a.txt", "--store=x.db", "--jobs=3", "--quiet", NULL};
    CHECK_INT(parse(&a, false, v1, 6, &n), OPTS_GO_ON);
    CHECK_STR(a.out, "a.txt");
    CHECK_STR(a.common.store_path, "x.db");
    CHECK_INT(a.jobs, 3);
    CHECK(a.is_quiet);
    CHECK_INT(n, 0);
    char *v2[] = {"cmd", "--output=b.txt", "--store", "y.db", "--jobs", "4", NULL};
    CHECK_INT(parse(&a, false, v2, 6, &n), OPTS_GO_ON);
    CHECK_STR(a.out, "b.txt");
    CHECK_STR(a.common.store_path, "y.db");
    CHECK_INT(a.jobs, 4);
    char *v3[] = {"cmd", "-o", "c.txt", NULL};
    CHECK_INT(parse(&a, false, v3, 3, &n), OPTS_GO_ON);
    CHECK_STR(a.out, "c.txt");
}

static void test_arguments_left_in_order(void)
{
    struct args a;
    int n = -1;
    char *v[] = {"cmd", "one", "--quiet", "two", "--timeout", "5", "-", "three", NULL};
    CHECK_INT(parse(&a, false, v, 8, &n), OPTS_GO_ON);
    REQUIRE(n == 4);
    CHECK_STR(v[1], "one");
    CHECK_STR(v[2], "two");
    CHECK_STR(v[3], "-");
    CHECK_STR(v[4], "three");
    CHECK_INT(a.common.timeout_ms, 5000);
}

static void test_a_value_may_look_like_an_option(void)
{
    struct args a;
    int n = -1;
    char *v[] = {"cmd", "--output", "--help", NULL};
    CHECK_INT(parse(&a, false, v, 3, &n), OPTS_GO_ON);
    CHECK_STR(a.out, "--help");
}

static void test_wrong_arguments(void)
{
    struct args a;
    int n = -1;
    char *unknown[] = {"cmd", "--bogus", NULL};
    CHECK_INT(parse(&a, false, unknown, 2, &n), OPTS_WRONG);
    CHECK_INT(opts_exit_code(OPTS_WRONG), EXIT_USAGE);
    char *missing[] = {"cmd", "--output", NULL};
    CHECK_INT(parse(&a, false, missing, 2, &n), OPTS_WRONG);
    char *range[] = {"cmd", "--jobs", "9", NULL};
    CHECK_INT(parse(&a, false, range, 3, &n), OPTS_WRONG);
    char *not_number[] = {"cmd", "--jobs=2x", NULL};
    CHECK_INT(parse(&a, false, not_number, 2, &n), OPTS_WRONG);
    char *empty[] = {"cmd", "--jobs=", NULL};
    CHECK_INT(parse(&a, false, empty, 2, &n), OPTS_WRONG);
    char *shared[] = {"cmd", "--timeout", "0", NULL};
    CHECK_INT(parse(&a, false, shared, 3, &n), OPTS_WRONG);
    char *flag_value[] = {"cmd", "--quiet=1", NULL};
    CHECK_INT(parse(&a, false, flag_value, 2, &n), OPTS_WRONG);
}

static void test_unknown_kept_for_the_command(void)
{
    struct args a;
    int n = -1;
    char *v[] = {"cmd", "--bogus", "--quiet", "-x", NULL};
    CHECK_INT(parse(&a, true, v, 4, &n), OPTS_GO_ON);
    REQUIRE(n == 2);
    CHECK_STR(v[1], "--bogus");
    CHECK_STR(v[2], "-x");
    CHECK(a.is_quiet);
}

static void test_hidden_groups_parse(void)
{
    struct args a;
    int n = -1;
    char *v[] = {"cmd", "--calendar", "a.txt", "--calendar=b.txt", "--browser", "http://h:1", "--browser=ws://h:2",
                 "--evidence", "ev", NULL};
    CHECK_INT(parse(&a, false, v, 9, &n), OPTS_GO_ON);
    CHECK_INT(a.common.n_calendar_paths, 2);
    CHECK_STR(a.common.calendar_paths[1], "b.txt");
    CHECK_INT(a.common.n_browser_urls, 2);
    CHECK_STR(a.common.browser_url, "http://h:1");
    CHECK_STR(a.common.evidence_dir, "ev");
}

static void test_dashes_and_help_only(void)
{
    bool is_set = false;
    const char *s = NULL;
    const struct opt rows[] = {
        OPT_ROW_FLAG("--set", &is_set, "sets"),
        {.kind = OPT_STRING, .name = "--shown", .value = &s, .metavar = "X", .help = "shown", .is_help_only = true},
        OPT_ROW_END,
    };
    const struct opts o = {.cmd = "test", .rows = rows, .keeps_unknown = true, .ends_at_dashes = true};
    int n = -1;
    char *v[] = {"cmd", "--shown", "--", "--set", "--help", NULL};
    CHECK_INT(opts_parse(&o, 5, v, &n), OPTS_GO_ON);
    CHECK(!is_set);
    CHECK(s == NULL);
    REQUIRE(n == 3);
    CHECK_STR(v[1], "--shown");
    CHECK_STR(v[2], "--set");
    CHECK_STR(v[3], "--help");
}

static void test_help_layout(void)
{
    bool b = false;
    const char *s = NULL;
    struct cli_common c;
    cli_common_init(&c);
    const struct opt rows[] = {
        OPT_ROW_FLAG("--all", &b, "every letter"),
        {.kind = OPT_STRING, .name = "--jobs", .alias = "-j", .value = &s, .metavar = "N",
         .help = "first line\nsecond line"},
        {.kind = OPT_STRING, .name = "--authorised-by", .value = &s, .metavar = "WHO", .help = "one space"},
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &s, .label = "-o, --output FILE",
         .help_width = 23, .help = "own width"},
        OPT_ROW_FLAG("--hidden", &b, NULL),
        OPT_ROW_TEXT("\nprose\n"),
        OPT_ROW_GROUP_HIDDEN(cli_opts_browser, &c),
        OPT_ROW_GROUP(cli_opts_calendar, &c),
        OPT_ROW_END,
    };
    const struct opts o = {.cmd = "test", .usage = "Usage: test\n", .rows = rows};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    REQUIRE(f != NULL);
    opts_help_print(&o, f);
    fclose(f);
    CHECK_STR(text, "Usage: test\n"
                    "  --all               every letter\n"
                    "  --jobs N, -j N      first line\n"
                    "                      second line\n"
                    "  --authorised-by WHO one space\n"
                    "  -o, --output FILE      own width\n"
                    "\nprose\n"
                    "  --calendar FILE     a calendar file on top of the built-in official one (repeatable): local\n"
                    "                      days, next year's notice (see 'huixin calendar --help')\n");
    free(text);
    const struct opt long_label[] = {
        {.kind = OPT_STRING, .name = "--now", .value = &s, .metavar = "'YYYY-MM-DD HH:MM'", .help = "two spaces"},
        OPT_ROW_END,
    };
    const struct opts o2 = {.cmd = "test", .rows = long_label};
    f = open_memstream(&text, &len);
    REQUIRE(f != NULL);
    opts_help_print(&o2, f);
    fclose(f);
    CHECK_STR(text, "  --now 'YYYY-MM-DD HH:MM'  two spaces\n");
    free(text);
}

static const struct test_case cases[] = {
    {"a value option takes --opt VALUE, --opt=VALUE and its alias", test_both_spellings},
    {"what is not an option is left for the command, in order", test_arguments_left_in_order},
    {"an option's value may look like an option", test_a_value_may_look_like_an_option},
    {"an unknown option, a missing value, a bad number are usage errors", test_wrong_arguments},
    {"a table may leave unknown options to its command", test_unknown_kept_for_the_command},
    {"hidden groups are parsed: the shared options", test_hidden_groups_parse},
    {"'--' ends the options; help-only rows are not parsed", test_dashes_and_help_only},
    {"--help lays rows out in columns, continuation lines indented", test_help_layout},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
