/* The submit phase judged from XHR answers alone (issue 11, MATCH `response`), against a real headless
 * Chromium and tests/integration/pages/xhr-board.html: a board that posts by fetch() and shows nothing
 * of the answer, whose endpoint answers JSON with every Chinese character escaped (\uXXXX), as PHP's
 * bare json_encode does. Each attempt posts once before its final click, so an answer to an earlier
 * request is there to be wrongly read. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "tests/unit/runner.h"
#include "tests/integration/pages_harness.h"

static const char scenario_text[] =
    "{\"huixin_scenario\": 1, \"site\": {\"name\": \"XHR 留言板\"},\n"
    " \"vars\": {\"first\": \"你好\", \"say\": \"你好\", \"delay\": \"0\"},\n"
    " \"submit\": {\"steps\": [\n"
    "   {\"goto\": \"${base_url}/xhr-board.html#${delay}\"},\n"
    "   {\"fill\": \"#say\", \"value\": \"${first}\"}, {\"click\": \"#send\"}, {\"pause\": 1},\n"
    "   {\"fill\": \"#say\", \"value\": \"${say}\"}, {\"click\": \"#send\", \"final\": true}],\n"
    "  \"success\": {\"response\": {\"url_contains\": \"/answer\", \"text\": \"提交成功\"}},\n"
    "  \"failures\": [\n"
    "   {\"response\": {\"url_contains\": \"/answer\", \"text\": \"验证码错误\"}, \"kind\": \"captcha\", \"retries\": 0},\n"
    "   {\"response\": {\"text\": [\"不能为空\", \"${letter.token}已存在\"]}, \"kind\": \"rejected\"}]}}";

/* Runs the scenario with first (posted before the final click), say (posted by it) and delay (of the
 * answer to say, ms); the result is the caller's to release. */
static void run(const char *first, const char *say, int delay_ms, int timeout_ms, struct scn_submit_result *r)
{
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    if (scn_scenario_parse("xhr-board.json", scenario_text, strlen(scenario_text), &s, NULL, &e) != 0)
        fprintf(stderr, "  %s\n", e.msg);
    REQUIRE(s);
    struct page *p = page_get();
    struct scn_vars v;
    scn_vars_init(&v);
    char *base = xasprintf("http://127.0.0.1:%d", port_a);
    char delay[16];
    snprintf(delay, sizeof delay, "%d", delay_ms);
    scn_vars_set(&v, "base_url", base);
    scn_vars_set(&v, "letter.token", "HX7Q2M9K");
    scn_vars_set(&v, "first", first);
    scn_vars_set(&v, "say", say);
    scn_vars_set(&v, "delay", delay);
    struct scn_run_options o = {.timeout_ms = timeout_ms};
    int rc = scn_submit_run(s, p, &v, &o, r, &e);
    if (rc != 0)
        fprintf(stderr, "  scn_submit_run: %s\n", e.msg);
    if (r->message)
        fprintf(stderr, "  (%s: %s)\n", scn_submit_status_name(r->status), r->message);
    CHECK_INT(rc, 0);
    page_close(p);
    scn_vars_release(&v);
    free(base);
    scn_scenario_free(s);
}

static void test_escaped_rejection_after_an_earlier_success_answer(void)
{
    struct scn_submit_result r;
    run("提交成功", "内容不能为空！", 0, 10000, &r);
    CHECK_INT(r.status, SCN_SUBMIT_REJECTED);
    CHECK(r.has_failure_kind && r.failure_kind == SCN_FAIL_REJECTED);
    CHECK_INT(r.attempts, 1);
    CHECK(r.message && strstr(r.message, "'不能为空'") && strstr(r.message, "内容不能为空！"));
    scn_submit_result_release(&r);
}

static void test_late_success_answer_is_waited_for(void)
{
    struct scn_submit_result r;
    int64_t t0 = clock_mono_ms();
    run("验证码错误！", "提交成功，谢谢", 1500, 10000, &r);
    CHECK_INT(r.status, SCN_SUBMIT_OK); /* before the 10 s limit, or it would be unknown */
    CHECK(clock_mono_ms() - t0 < 60000); /* a hang guard only: timings are for bench/, not tests */
    scn_submit_result_release(&r);
}

static void test_captcha_answer_and_variable_in_a_rule(void)
{
    struct scn_submit_result r;
    run("你好", "验证码错误！", 0, 10000, &r);
    CHECK_INT(r.status, SCN_SUBMIT_REJECTED);
    CHECK(r.has_failure_kind && r.failure_kind == SCN_FAIL_CAPTCHA);
    scn_submit_result_release(&r);
    run("你好", "HX7Q2M9K已存在", 0, 10000, &r);
    CHECK_INT(r.status, SCN_SUBMIT_REJECTED);
    CHECK(r.has_failure_kind && r.failure_kind == SCN_FAIL_REJECTED);
    scn_submit_result_release(&r);
}

static void test_unknown_answer_is_unknown_within_the_limit(void)
{
    struct scn_submit_result r;
    int64_t t0 = clock_mono_ms();
    run("提交成功", "请稍候", 0, 3000, &r);
    CHECK_INT(r.status, SCN_SUBMIT_UNKNOWN);
    CHECK(!r.has_failure_kind);
    CHECK(clock_mono_ms() - t0 < 60000); /* a hang guard only */
    scn_submit_result_release(&r);
}

/* No step waits after the final click and success is a text on the page that shows 1.5 s later (no
 * navigation, no XHR rule): the runner judges again as the page changes, so it is submitted, not unknown. */
static void test_late_success_text_without_a_wait_step(void)
{
    static const char text[] =
        "{\"huixin_scenario\": 1, \"site\": {\"name\": \"留言\"},\n"
        " \"submit\": {\"steps\": [{\"goto\": \"${base_url}/late-success.html\"},\n"
        "   {\"click\": \"#send\", \"final\": true}],\n"
        "  \"success\": {\"text\": \"提交成功\"}}}";
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(scn_scenario_parse("late-success.json", text, strlen(text), &s, NULL, &e) == 0);
    struct page *p = page_get();
    struct scn_vars v;
    scn_vars_init(&v);
    char *base = xasprintf("http://127.0.0.1:%d", port_a);
    scn_vars_set(&v, "base_url", base);
    scn_vars_set(&v, "letter.token", "HX7Q2M9K");
    struct scn_run_options o = {.timeout_ms = 10000};
    struct scn_submit_result r;
    CHECK_INT(scn_submit_run(s, p, &v, &o, &r, &e), 0);
    CHECK_INT(r.status, SCN_SUBMIT_OK);
    CHECK(r.times.n == 2 && r.times.v[1].number == 2 && r.times.v[1].is_ok); /* each step's time is kept */
    scn_submit_result_release(&r);
    page_close(p);
    scn_vars_release(&v);
    free(base);
    scn_scenario_free(s);
}

static const struct test_case cases[] = {
    {"an escaped JSON answer saying 内容不能为空 is a rejection; an earlier answer's 提交成功 does not count",
     test_escaped_rejection_after_an_earlier_success_answer},
    {"an answer that comes 1.5 s after the final click is waited for: submitted", test_late_success_answer_is_waited_for},
    {"验证码错误 in the answer is a captcha failure; a ${variable} in a response rule is expanded",
     test_captcha_answer_and_variable_in_a_rule},
    {"an answer no rule knows leaves the outcome unknown, within the step limit",
     test_unknown_answer_is_unknown_within_the_limit},
    {"a success text that shows 1.5 s after the final click, with no step waiting for it: submitted",
     test_late_success_text_without_a_wait_step},
};

int main(int argc, char **argv)
{
    log_init();
    atexit(pages_cleanup);
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
