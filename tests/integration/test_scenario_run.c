/* The scenario runner against the fixture sites (tests/sites/server.py) and a real headless Chromium:
 * submit with a captcha, retries on a wrong captcha, a missing selector, then check found / replied /
 * deleted / site down. Run from the repo root. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "tests/unit/runner.h"

#define HANWEB "scenarios/library/hanweb-jact.json"

static char tmp_dir[] = "/tmp/huixin-scn-run-XXXXXX";
static pid_t server_pid;
static int port_control, port_hanweb;
static struct browser *browser;
static bool setup_failed;
static char setup_why[256];

static size_t collect(char *d, size_t s, size_t n, void *u)
{
    buf_append(u, d, s * n);
    return s * n;
}

/* A control API call; the parsed answer (caller decrefs) or NULL. */
static json_t *control(const char *method, const char *path, const char *body)
{
    CURL *c = curl_easy_init();
    struct buf b;
    buf_init(&b);
    char *url = xasprintf("http://127.0.0.1:%d%s", port_control, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    struct curl_slist *h = NULL;
    if (body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    json_t *j = cc == CURLE_OK ? json_loads(buf_str(&b), 0, NULL) : NULL;
    buf_release(&b);
    return j;
}

static void setup(void)
{
    if (server_pid || setup_failed)
        return;
    if (!mkdtemp(tmp_dir)) {
        setup_failed = true;
        snprintf(setup_why, sizeof setup_why, "mkdtemp failed");
        return;
    }
    char *ports = xasprintf("%s/ports.json", tmp_dir), *state = xasprintf("%s/state", tmp_dir);
    server_pid = fork();
    if (server_pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("python3", "python3", "tests/sites/server.py", "--state", state, "--ports-file", ports, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && !file_exists(ports); i++)
        usleep(100000);
    json_t *pj = json_load_file(ports, 0, NULL);
    port_control = (int)json_integer_value(json_object_get(pj, "control"));
    port_hanweb = (int)json_integer_value(json_object_get(pj, "hanweb"));
    json_decref(pj);
    free(ports);
    free(state);
    if (!port_control || !port_hanweb) {
        setup_failed = true;
        snprintf(setup_why, sizeof setup_why, "the fixture sites did not start");
        return;
    }
    struct browser_options o = {0};
    struct err e;
    err_init(&e);
    if (browser_open(&o, &browser, &e) != 0) {
        setup_failed = true;
        snprintf(setup_why, sizeof setup_why, "no browser: %.200s", e.msg);
    }
}

static void teardown(void)
{
    browser_close(browser);
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    file_remove_tree(tmp_dir, NULL);
}

static struct scn_scenario *load(const char *path)
{
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    if (scn_scenario_load(path, &s, NULL, &e) != 0)
        fprintf(stderr, "  %s\n", e.msg);
    return s;
}

static void letter_vars(struct scn_vars *v, const char *token)
{
    scn_vars_init(v);
    char *base = xasprintf("http://127.0.0.1:%d", port_hanweb);
    scn_vars_set(v, "base_url", base);
    free(base);
    scn_vars_set(v, "letter.name", "李明");
    scn_vars_set(v, "letter.phone", "13912345678");
    scn_vars_set(v, "letter.email", "liming@example.cn");
    scn_vars_set(v, "letter.title", "咨询公交线路调整后的首末班时间");
    char *body = xasprintf("您好！想请问调整后途经新区的线路首末班车时间是否有变化？谢谢！\n（来信编号：%s）", token);
    scn_vars_set(v, "letter.body", body);
    free(body);
    scn_vars_set(v, "letter.token", token);
}

static int intents;
static int count_intent(void *user, struct err *e)
{
    (void)user;
    (void)e;
    intents++;
    return 0;
}

static int wrong_answers;
static int wrong_solver(const struct scn_ask_request *rq, char **answer, void *user, struct err *e)
{
    (void)user;
    (void)e;
    wrong_answers++;
    /* the solver is handed a real PNG, as a plain captcha */
    bool ok = rq->png && rq->png_len > 8 && memcmp(rq->png, "\x89PNG", 4) == 0 && strcmp(rq->kind, "captcha") == 0 &&
              !rq->question;
    *answer = xstrdup(ok ? "ZZZZ" : "");
    return 0;
}

static size_t hanweb_letter_count(void)
{
    json_t *j = control("GET", "/api/letters?site=hanweb", NULL);
    size_t n = json_array_size(json_object_get(j, "letters"));
    json_decref(j);
    return n;
}

/* Shared between the cases, in order: the letter submitted first is checked after. */
static struct scn_vars submitted;
static char letter_id[64];

static void test_submit_with_captcha_extracts_codes(void)
{
    setup();
    if (setup_failed)
        SKIP(setup_why);
    struct scn_scenario *s = load(HANWEB);
    REQUIRE(s);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(page_open(browser, &p, &e) == 0);
    char *url = xasprintf("http://127.0.0.1:%d/api/captcha?site=hanweb", port_control);
    struct scn_captcha_solver *solver = scn_captcha_control_new(url);
    free(url);
    char *ev = xasprintf("%s/ev1", tmp_dir);
    struct scn_run_options o = {.captcha = solver, .evidence_dir = ev, .timeout_ms = 15000, .before_final = count_intent};
    struct scn_vars v;
    letter_vars(&v, "HX7Q2M9K");
    struct scn_submit_result r;
    intents = 0;
    REQUIRE(scn_submit_run(s, p, &v, &o, &r, &e) == 0);
    if (r.message)
        fprintf(stderr, "  message: %s\n", r.message);
    CHECK_INT(r.status, SCN_SUBMIT_OK);
    CHECK_INT(r.attempts, 1);
    CHECK_INT(intents, 1);
    const char *qc = scn_vars_get(&r.extracted, "query_code");
    const char *no = scn_vars_get(&r.extracted, "letter_no");
    REQUIRE(qc && no);
    CHECK_INT(strlen(qc), 10);
    CHECK_INT(r.shots.n, 2);
    for (size_t i = 0; i < r.shots.n; i++)
        CHECK(file_exists(r.shots.paths[i]));
    /* the site really holds the letter, with the token in its body */
    json_t *j = control("GET", "/api/letters?site=hanweb", NULL);
    json_t *last = json_array_get(json_object_get(j, "letters"), json_array_size(json_object_get(j, "letters")) - 1);
    REQUIRE(last);
    CHECK_STR(json_string_value(json_object_get(last, "query_code")), qc);
    CHECK(strstr(json_string_value(json_object_get(last, "content")), "HX7Q2M9K") != NULL);
    CHECK_STR(json_string_value(json_object_get(last, "name")), "李明");
    snprintf(letter_id, sizeof letter_id, "%s", json_string_value(json_object_get(last, "id")));
    json_decref(j);
    scn_vars_init(&submitted);
    for (size_t i = 0; i < v.n; i++)
        scn_vars_set(&submitted, v.v[i].name, v.v[i].value);
    scn_vars_set(&submitted, "query_code", qc);
    scn_vars_set(&submitted, "letter_no", no);
    scn_submit_result_release(&r);
    scn_vars_release(&v);
    scn_captcha_solver_free(solver);
    free(ev);
    page_close(p);
    scn_scenario_free(s);
}

static void test_wrong_captcha_retried_then_rejected(void)
{
    setup();
    if (setup_failed)
        SKIP(setup_why);
    struct scn_scenario *s = load(HANWEB);
    REQUIRE(s);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(page_open(browser, &p, &e) == 0);
    struct scn_captcha_solver solver = {wrong_solver, NULL};
    struct scn_run_options o = {.captcha = &solver, .evidence_dir = NULL, .timeout_ms = 15000, .before_final = count_intent};
    struct scn_vars v;
    letter_vars(&v, "HX3W4E5R");
    size_t before = hanweb_letter_count();
    struct scn_submit_result r;
    wrong_answers = 0;
    intents = 0;
    REQUIRE(scn_submit_run(s, p, &v, &o, &r, &e) == 0);
    CHECK_INT(r.status, SCN_SUBMIT_REJECTED);
    CHECK(r.has_failure_kind && r.failure_kind == SCN_FAIL_CAPTCHA);
    CHECK_INT(r.attempts, 4); /* the first try and 3 retries */
    CHECK_INT(wrong_answers, 4);
    CHECK_INT(intents, 4);
    CHECK(r.message && strstr(r.message, "验证码错误"));
    CHECK_INT(hanweb_letter_count(), before);
    scn_submit_result_release(&r);
    scn_vars_release(&v);
    page_close(p);
    scn_scenario_free(s);
}

static void test_missing_selector_names_step_and_is_not_sent(void)
{
    setup();
    if (setup_failed)
        SKIP(setup_why);
    char *path = xasprintf("%s/missing.json", tmp_dir);
    const char *text = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"宝川\"},\n"
                       " \"submit\": {\"steps\": [{\"goto\": \"${base_url}/jact/front/mailwrite.do?sysid=1\"},\n"
                       "  {\"fill\": \"#no-such-field\", \"value\": \"x\", \"timeout_seconds\": 1},\n"
                       "  {\"click\": \"#submitbtn\", \"final\": true}],\n"
                       "  \"success\": {\"text\": \"提交成功\"}}}";
    REQUIRE(file_write_atomic(path, text, strlen(text), NULL) == 0);
    struct scn_scenario *s = load(path);
    REQUIRE(s);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(page_open(browser, &p, &e) == 0);
    char *ev = xasprintf("%s/ev2", tmp_dir);
    struct scn_run_options o = {.captcha = NULL, .evidence_dir = ev, .timeout_ms = 15000, .before_final = count_intent};
    struct scn_vars v;
    letter_vars(&v, "HX8U9I2K");
    struct scn_submit_result r;
    intents = 0;
    int64_t t0 = clock_mono_ms();
    REQUIRE(scn_submit_run(s, p, &v, &o, &r, &e) == 0);
    CHECK(clock_mono_ms() - t0 < 10000);
    CHECK_INT(r.status, SCN_SUBMIT_NOT_SENT);
    CHECK_INT(intents, 0);
    if (r.message)
        fprintf(stderr, "  message: %s\n", r.message);
    CHECK(r.message && strstr(r.message, "submit step 2 (fill '#no-such-field')"));
    CHECK(r.message && strstr(r.message, "#no-such-field"));
    CHECK(r.failure_shot && file_exists(r.failure_shot));
    scn_submit_result_release(&r);
    scn_vars_release(&v);
    free(ev);
    free(path);
    page_close(p);
    scn_scenario_free(s);
}

/* A wait after the final click runs in slices (to watch for known failures): when it gives up, the
 * message must give the step's whole wait, not the last slice's. Nothing is sent: the "final" click
 * only refreshes the captcha image. */
static void test_wait_after_final_click_names_its_whole_timeout(void)
{
    setup();
    if (setup_failed)
        SKIP(setup_why);
    char *path = xasprintf("%s/wait.json", tmp_dir);
    const char *text = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"宝川\"},\n"
                       " \"submit\": {\"steps\": [{\"goto\": \"${base_url}/jact/front/mailwrite.do?sysid=1\"},\n"
                       "  {\"click\": \"#checkcodeimg\", \"final\": true},\n"
                       "  {\"wait_for\": {\"text\": \"不会出现的文字\"}, \"timeout_seconds\": 2}],\n"
                       "  \"success\": {\"text\": \"提交成功\"},\n"
                       "  \"failures\": [{\"text\": \"验证码错误\", \"kind\": \"captcha\"}]}}";
    REQUIRE(file_write_atomic(path, text, strlen(text), NULL) == 0);
    struct scn_scenario *s = load(path);
    REQUIRE(s);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(page_open(browser, &p, &e) == 0);
    char *ev = xasprintf("%s/ev3", tmp_dir);
    struct scn_run_options o = {.captcha = NULL, .evidence_dir = ev, .timeout_ms = 15000, .before_final = NULL};
    struct scn_vars v;
    letter_vars(&v, "HX8U9W3T");
    struct scn_submit_result r;
    int64_t t0 = clock_mono_ms();
    REQUIRE(scn_submit_run(s, p, &v, &o, &r, &e) == 0);
    CHECK(clock_mono_ms() - t0 >= 2000);
    CHECK_INT(r.status, SCN_SUBMIT_UNKNOWN);
    if (r.message)
        fprintf(stderr, "  message: %s\n", r.message);
    CHECK(r.message && strstr(r.message, "not true after 2000 ms"));
    CHECK(r.message && strstr(r.message, "不会出现的文字"));
    scn_submit_result_release(&r);
    scn_vars_release(&v);
    free(ev);
    free(path);
    page_close(p);
    scn_scenario_free(s);
}

static void check_once(struct scn_check_result *r)
{
    struct scn_scenario *s = load(HANWEB);
    REQUIRE(s);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(page_open(browser, &p, &e) == 0);
    struct scn_run_options o = {.captcha = NULL, .evidence_dir = NULL, .timeout_ms = 10000, .before_final = NULL};
    int rc = scn_check_run(s, p, &submitted, &o, r, &e);
    if (rc != 0)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK_INT(rc, 0);
    if (r->reason)
        fprintf(stderr, "  reason: %s\n", r->reason);
    page_close(p);
    scn_scenario_free(s);
}

static void test_check_reads_state_then_reply(void)
{
    setup();
    if (setup_failed || !letter_id[0])
        SKIP(setup_failed ? setup_why : "no letter was submitted");
    struct scn_check_result r;
    check_once(&r);
    CHECK_INT(r.status, SCN_CHECK_FOUND);
    CHECK(!r.has_reply);
    CHECK_STR(r.state, "待处理");
    CHECK(r.has_received_date);
    scn_check_result_release(&r);

    char *path = xasprintf("/api/letters/%s/reply", letter_id);
    json_decref(control("POST", path, "{\"date\": \"2026-03-03 10:00:00\", \"unit\": \"宝川市交通运输局\", "
                                      "\"text\": \"您好，调整后首班车6:00，末班车21:30。\"}"));
    free(path);
    check_once(&r);
    CHECK_INT(r.status, SCN_CHECK_FOUND);
    CHECK(r.has_reply);
    CHECK_STR(r.state, "已回复");
    CHECK(r.has_reply_date && !r.is_reply_date_only);
    char when[32];
    clock_beijing_format(r.reply_date_ms, when, sizeof when);
    CHECK_STR(when, "2026-03-03 10:00:00");
    CHECK_STR(r.reply_unit, "宝川市交通运输局");
    CHECK(r.reply_text && strstr(r.reply_text, "末班车21:30"));
    scn_check_result_release(&r);
}

static void test_check_site_down_is_load_failed_not_not_found(void)
{
    setup();
    if (setup_failed || !letter_id[0])
        SKIP(setup_failed ? setup_why : "no letter was submitted");
    static const char *const modes[] = {
        "{\"site\": \"hanweb\", \"mode\": \"500\", \"count\": 20}",
        "{\"site\": \"hanweb\", \"mode\": \"waf\", \"count\": 20}",
        "{\"site\": \"hanweb\", \"mode\": \"reset\", \"count\": 20}",
    };
    for (size_t i = 0; i < ARRAY_LEN(modes); i++) {
        json_decref(control("POST", "/api/fail", modes[i]));
        struct scn_check_result r;
        check_once(&r);
        if (r.status != SCN_CHECK_LOAD_FAILED)
            fprintf(stderr, "  mode %s gave %s\n", modes[i], scn_check_status_name(r.status));
        CHECK_INT(r.status, SCN_CHECK_LOAD_FAILED);
        CHECK(r.reason != NULL);
        scn_check_result_release(&r);
        json_decref(control("POST", "/api/fail", "{\"site\": \"hanweb\", \"mode\": \"off\"}"));
    }
}

static void test_check_deleted_is_not_found(void)
{
    setup();
    if (setup_failed || !letter_id[0])
        SKIP(setup_failed ? setup_why : "no letter was submitted");
    char *path = xasprintf("/api/letters/%s/delete", letter_id);
    json_decref(control("POST", path, "{}"));
    free(path);
    struct scn_check_result r;
    check_once(&r);
    CHECK_INT(r.status, SCN_CHECK_NOT_FOUND);
    CHECK(r.reason && (strstr(r.reason, "未查询到相关信件") || strstr(r.reason, "#noresult")));
    scn_check_result_release(&r);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"submit with captcha extracts the codes", test_submit_with_captcha_extracts_codes},
        {"wrong captcha retried, then rejected", test_wrong_captcha_retried_then_rejected},
        {"missing selector names the step, nothing sent", test_missing_selector_names_step_and_is_not_sent},
        {"a wait after the final click names its whole timeout", test_wait_after_final_click_names_its_whole_timeout},
        {"check reads the state, then the reply", test_check_reads_state_then_reply},
        {"site down is load_failed, not not_found", test_check_site_down_is_load_failed_not_not_found},
        {"deleted letter is not_found", test_check_deleted_is_not_found},
    };
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    scn_vars_release(&submitted);
    teardown();
    return rc;
}
