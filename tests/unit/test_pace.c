#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "verify/pace.h"
#include "tests/unit/runner.h"

static void check_host(const char *entry_url, const char *vars_json, const char *want, int line)
{
    char *got = pace_host_of(entry_url, vars_json);
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
        printf("%s:%d: pace_host_of('%s', '%s') is '%s', expected '%s'\n", __FILE__, line, entry_url ? entry_url : "(null)",
               vars_json ? vars_json : "(null)", got ? got : "(null)", want ? want : "(null)");
        runner_case_failed = 1;
    }
    free(got);
}

static void test_host_of_sites(void)
{
    check_host("http://WWW.Baochuan.gov.cn/jact/", NULL, "www.baochuan.gov.cn", __LINE__);
    check_host("https://www.baochuan.gov.cn:443/", NULL, "www.baochuan.gov.cn", __LINE__);
    check_host("http://www.baochuan.gov.cn:80", NULL, "www.baochuan.gov.cn", __LINE__);
    check_host("http://127.0.0.1:8081/?gbook/", NULL, "127.0.0.1:8081", __LINE__);
    check_host("https://user:pw@Board.example.cn:8443/x?y", NULL, "board.example.cn:8443", __LINE__);
    check_host("http://[::1]:9000/", NULL, "[::1]:9000", __LINE__);
    check_host("http://[::1]/", NULL, "[::1]", __LINE__);
    /* no entry_url: the base_url the operator gave */
    check_host(NULL, "{\"base_url\": \"http://127.0.0.1:9001\", \"sysid\": \"1\"}", "127.0.0.1:9001", __LINE__);
    check_host("${base_url}/", "{\"base_url\": \"HTTP://Gov.CN\"}", "gov.cn", __LINE__);
    check_host("file:///etc/passwd", NULL, NULL, __LINE__);
    check_host(NULL, "{}", NULL, __LINE__);
    check_host(NULL, "not json", NULL, __LINE__);
    check_host("http:///path", NULL, NULL, __LINE__);
}

static void test_gaps(void)
{
    CHECK_INT(pace_gap_seconds(30, true), 30);
    CHECK_INT(pace_gap_seconds(30, false), 10);
    CHECK_INT(pace_gap_seconds(4, false), 4);
    CHECK_INT(pace_gap_seconds(0, false), 0);
    CHECK_INT(pace_gap_seconds(-1, true), 0);
}

static void test_wait(void)
{
    CHECK_INT(pace_wait_ms(0, 1000000, 30), 0);                 /* never contacted */
    CHECK_INT(pace_wait_ms(1000000, 1000000, 30), 30000);       /* just now */
    CHECK_INT(pace_wait_ms(1000000, 1012000, 30), 18000);       /* 12 s ago */
    CHECK_INT(pace_wait_ms(1000000, 1030000, 30), 0);           /* exactly the gap */
    CHECK_INT(pace_wait_ms(1000000, 1090000, 30), 0);
    CHECK_INT(pace_wait_ms(2000000, 1000000, 30), 0);           /* a simulated time ahead of now */
}

static const struct test_case cases[] = {
    {"a site's host is its lower-cased authority without the default port", test_host_of_sites},
    {"checks keep at most 10 s, submissions the scenario's pacing", test_gaps},
    {"the wait is what is left of the gap since the last contact", test_wait},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
