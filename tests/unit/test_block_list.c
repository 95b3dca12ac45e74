/* Block lists: the host-pattern matcher (driver/page.h, page_host_pattern_match), the list parser, the
 * built-in list against its data file, and who decides whether a visit blocks (scenarios/block_list.h). */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/err.h"
#include "common/files.h"
#include "driver/page.h"
#include "scenarios/block_list.h"
#include "scenarios/scenario.h"
#include "tests/unit/runner.h"

static void test_pattern_matches_host_and_hosts_under_it(void)
{
    static const struct {
        const char *pattern, *host;
        bool want;
    } rows[] = {
        {"hm.baidu.com", "hm.baidu.com", true},
        {"hm.baidu.com", "x.hm.baidu.com", true},
        {"hm.baidu.com", "HM.Baidu.COM", true},
        {"hm.baidu.com", "baidu.com", false},
        {"hm.baidu.com", "xhm.baidu.com", false},        /* not under it: no dot before */
        {"hm.baidu.com", "hm.baidu.com.cn", false},
        {"hm.baidu.com", "www.baidu.com", false},
        {"*.cnzz.com", "s4.cnzz.com", true},
        {"*.cnzz.com", "a.b.cnzz.com", true},
        {"*.cnzz.com", "cnzz.com", false},               /* "*." is only the hosts under it */
        {"*.cnzz.com", "xcnzz.com", false},
        {"*.cnzz.com", "s4.cnzz.com.evil.cn", false},
        {"51.la", "js.users.51.la", true},
        {"127.0.0.2", "127.0.0.2", true},
        {"127.0.0.2", "127.0.0.20", false},
        {"127.0.0.2", "1127.0.0.2", false},
        {"", "example.com", false},
        {"*.", "example.com", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        bool got = page_host_pattern_match(rows[i].pattern, rows[i].host);
        if (got != rows[i].want) {
            fprintf(stderr, "  row %zu: '%s' against '%s' is %d, expected %d\n", i, rows[i].pattern, rows[i].host,
                    got, rows[i].want);
            runner_case_failed = 1;
        }
    }
}

static void test_parse_takes_hosts_comments_and_blanks(void)
{
    struct scn_block_list l;
    scn_block_list_init(&l);
    struct err e;
    err_init(&e);
    const char *text = "\xEF\xBB\xBF# a comment\n"
                       "\n"
                       "  Tracker.Example.CN   # inline comment\r\n"
                       "*.stats.example.com\n"
                       "\t127.0.0.2\t\n"
                       "localhost\n"
                       "last.example.org"; /* no newline at the end */
    REQUIRE(scn_block_list_parse(&l, text, "mine.txt", &e) == 0);
    REQUIRE(l.n == 5);
    CHECK_STR(l.hosts[0], "tracker.example.cn");
    CHECK_STR(l.hosts[1], "*.stats.example.com");
    CHECK_STR(l.hosts[2], "127.0.0.2");
    CHECK_STR(l.hosts[3], "localhost"); /* a name without a dot: an intranet host */
    CHECK_STR(l.hosts[4], "last.example.org");
    /* a second file adds to the first */
    REQUIRE(scn_block_list_parse(&l, "more.example.net\n", "more.txt", &e) == 0);
    CHECK_INT(l.n, 6);
    CHECK_STR(l.hosts[5], "more.example.net");
    scn_block_list_release(&l);
}

static void test_a_bad_line_names_file_line_value_and_adds_nothing(void)
{
    static const struct {
        const char *text;
        int line;
        const char *value, *why;
    } rows[] = {
        {"ok.example.com\nhttp://hm.baidu.com/hm.js\n", 2, "'http://hm.baidu.com/hm.js'", "a URL"},
        {"ok.example.com\n\n# c\nhm.baidu.com:443\n", 4, "'hm.baidu.com:443'", "port"},
        {"hm.baidu.com/hm.js\n", 1, "'hm.baidu.com/hm.js'", "path"},
        {"a.example.com b.example.com\n", 1, "'a.example.com b.example.com'", "one host per line"},
        {"ads.*.example.com\n", 1, "'ads.*.example.com'", "leading '*.'"},
        {"*.com\n", 1, "'*.com'", "top-level"},
        {"*.cn\n", 1, "'*.cn'", "without a dot"},
        {"under_score.example.com\n", 1, "'under_score.example.com'", "letters, digits"},
        {"-bad.example.com\n", 1, "'-bad.example.com'", "hyphen"},
        {"a..example.com\n", 1, "'a..example.com'", "empty part"},
        {"example.com.\n", 1, "'example.com.'", "ends with a dot"},
        {"统计.example.com\n", 1, "'统计.example.com'", "xn--"},
        {"*.\n", 1, "'*.'", "no host"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct scn_block_list l;
        scn_block_list_init(&l);
        struct err e;
        err_init(&e);
        CHECK_INT(scn_block_list_parse(&l, rows[i].text, "/etc/mine.txt", &e), ERR_INPUT);
        CHECK_INT(e.code, ERR_INPUT);
        CHECK_INT(l.n, 0);
        char where[64];
        snprintf(where, sizeof where, "/etc/mine.txt:%d: ", rows[i].line);
        if (strncmp(e.msg, where, strlen(where)) != 0 || !strstr(e.msg, rows[i].value) ||
            !strstr(e.msg, rows[i].why) || !strstr(e.msg, "expected one host per line")) {
            fprintf(stderr, "  row %zu: message \"%s\" lacks %s, %s or %s\n", i, e.msg, where, rows[i].value,
                    rows[i].why);
            runner_case_failed = 1;
        }
        scn_block_list_release(&l);
    }
}

/* The compiled-in list is the data file, line for line: the Makefile's generator drops nothing and adds
 * nothing, and every line of the file is a valid pattern. */
static void test_builtin_list_is_the_data_file(void)
{
    char *text = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(file_read_all("scenarios/trackers.txt", &text, NULL, &e) == 0);
    struct scn_block_list l;
    scn_block_list_init(&l);
    if (scn_block_list_parse(&l, text, "scenarios/trackers.txt", &e) != 0) {
        fprintf(stderr, "  %s\n", e.msg);
        runner_case_failed = 1;
    }
    CHECK_INT(scn_block_builtin_len, l.n);
    for (size_t i = 0; i < l.n && i < scn_block_builtin_len; i++)
        CHECK_STR(scn_block_builtin[i], l.hosts[i]);
    bool has_baidu = false, has_jiucuo = false;
    for (size_t i = 0; i < scn_block_builtin_len; i++) {
        has_baidu = has_baidu || page_host_pattern_match(scn_block_builtin[i], "hm.baidu.com");
        has_jiucuo = has_jiucuo || page_host_pattern_match(scn_block_builtin[i], "zfwzgl.www.gov.cn");
    }
    CHECK(has_baidu);
    CHECK(!has_jiucuo); /* the national error-report widget is the user's choice, never the default */
    scn_block_list_release(&l);
    free(text);
}

static void test_who_decides_whether_a_visit_blocks(void)
{
    struct scn_site site;
    memset(&site, 0, sizeof site);
    struct scn_block_list cli;
    scn_block_list_init(&cli);
    CHECK(!scn_block_list_is_used(&site, NULL));       /* off by default */
    CHECK(!scn_block_list_is_used(&site, &cli));
    cli.is_on = true;
    CHECK(scn_block_list_is_used(&site, &cli));        /* the command line asks */
    site.has_block_trackers = true;
    site.is_block_trackers = false;
    CHECK(!scn_block_list_is_used(&site, &cli));       /* the scenario's false beats it */
    site.is_block_trackers = true;
    CHECK(scn_block_list_is_used(&site, NULL));        /* the scenario's true alone */
    cli.is_on = false;
    CHECK(scn_block_list_is_used(&site, &cli));
}

static void test_patterns_are_builtin_then_user(void)
{
    struct scn_block_list cli;
    scn_block_list_init(&cli);
    struct err e;
    err_init(&e);
    REQUIRE(scn_block_list_parse(&cli, "mine.example.com\n", "mine.txt", &e) == 0);
    size_t n = 0;
    const char **all = scn_block_patterns(&cli, &n);
    CHECK_INT(n, scn_block_builtin_len + 1);
    CHECK_STR(all[0], scn_block_builtin[0]);
    CHECK_STR(all[n - 1], "mine.example.com");
    free(all);
    all = scn_block_patterns(NULL, &n);
    CHECK_INT(n, scn_block_builtin_len);
    free(all);
    scn_block_list_release(&cli);
}

static const struct test_case cases[] = {
    {"a pattern matches its host and the hosts under it; *. only those under it",
     test_pattern_matches_host_and_hosts_under_it},
    {"a list takes hosts, comments and blank lines", test_parse_takes_hosts_comments_and_blanks},
    {"a bad line names file:line, the value and what was expected, and adds nothing",
     test_a_bad_line_names_file_line_value_and_adds_nothing},
    {"the built-in list is the data file", test_builtin_list_is_the_data_file},
    {"the scenario's block_trackers beats the command line", test_who_decides_whether_a_visit_blocks},
    {"the patterns are the built-in list's, then the user's", test_patterns_are_builtin_then_user},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
