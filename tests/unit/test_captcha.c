/* The captcha solvers that need no browser: exec:CMD (issue 12 item 2: the command is someone else's
 * program looking at a site's image, so it gets a clean environment, never huixin's secrets) and the
 * parsing of --captcha. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/err.h"
#include "scenarios/run.h"
#include "tests/unit/runner.h"

/* Runs spec's solver on rq; the answer, or NULL (the message on stderr, its code in *code if given). */
static char *solve_request(const char *spec, const struct scn_ask_request *rq, int *code)
{
    struct scn_captcha_solver *s = NULL;
    struct err e;
    err_init(&e);
    char *answer = NULL;
    int rc = scn_captcha_solver_parse(spec, NULL, &s, &e);
    if (rc == 0)
        rc = s->solve(rq, &answer, s->user, &e);
    if (rc)
        fprintf(stderr, "  %s: %s\n", spec, e.msg);
    if (code)
        *code = rc;
    scn_captcha_solver_free(s);
    return answer;
}

/* Runs spec's solver on a small fake captcha image. */
static char *solve(const char *spec)
{
    struct scn_ask_request rq = {.kind = "captcha", .png = (const unsigned char *)"\x89PNG fake", .png_len = 9};
    return solve_request(spec, &rq, NULL);
}

/* A solver that echoes its stdin back on one line (newlines made blanks). */
#define ECHO_SOLVER "sh -c 'tr \"\\n\" \" \"; echo'"

/* Whether the blank-separated list has the entry word exactly. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p++)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static void test_exec_solver_gets_a_clean_environment(void)
{
    /* what an operator's shell may hold: alert credentials, the signing key, anything else */
    setenv("HUIXIN_SMTP_URL", "smtps://mail.example.org", 1);
    setenv("HUIXIN_SMTP_USER", "duchashi", 1);
    setenv("HUIXIN_SMTP_PASSWORD", "s3cret-smtp", 1);
    setenv("HUIXIN_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=s3cret-hook", 1);
    setenv("HUIXIN_WEBHOOK_SECRET", "s3cret-sign", 1);
    setenv("HUIXIN_SIGN_KEY", "/root/.config/huixin/sign.key", 1);
    setenv("HUIXIN_TSA_URL", "http://tsa.example.org", 1);
    setenv("HUIXIN_STORE", "/srv/huixin.db", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s3cret-aws", 1);
    setenv("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock", 1);
    /* and what the solver may have */
    setenv("HOME", "/home/tester", 1);
    setenv("LANG", "C.UTF-8", 1);
    setenv("LC_TIME", "zh_CN.UTF-8", 1);
    setenv("TZ", "Asia/Shanghai", 1);
    setenv("TMPDIR", "/tmp", 1);

    /* the solver prints its whole environment on one line (sh adds PWD of its own) */
    char *got = solve("exec:sh -c 'cat >/dev/null; env | tr \"\\n\" \" \"'");
    REQUIRE(got != NULL);
    fprintf(stderr, "  (the solver saw: %s)\n", got);
    CHECK(strstr(got, "HUIXIN_") == NULL);
    CHECK(strstr(got, "s3cret") == NULL);
    CHECK(strstr(got, "SSH_AUTH_SOCK") == NULL);
    char *path = xasprintf("PATH=%s", getenv("PATH"));
    CHECK(has_word(got, path));
    CHECK(has_word(got, "HOME=/home/tester"));
    CHECK(has_word(got, "LANG=C.UTF-8"));
    CHECK(has_word(got, "LC_TIME=zh_CN.UTF-8"));
    CHECK(has_word(got, "TZ=Asia/Shanghai"));
    CHECK(has_word(got, "TMPDIR=/tmp"));
    /* nothing but the allow-list of README's --captcha paragraph */
    static const char *const allowed[] = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PWD"};
    char *copy = xstrdup(got);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t n = strcspn(w, "=");
        bool ok = n > 3 && strncmp(w, "LC_", 3) == 0;
        for (size_t i = 0; i < ARRAY_LEN(allowed) && !ok; i++)
            ok = strlen(allowed[i]) == n && strncmp(w, allowed[i], n) == 0;
        if (!ok)
            fprintf(stderr, "  the solver was given %.*s\n", (int)n, w);
        CHECK(ok);
    }
    free(copy);
    free(path);
    free(got);
    unsetenv("HUIXIN_SMTP_URL");
    unsetenv("HUIXIN_SMTP_USER");
    unsetenv("HUIXIN_SMTP_PASSWORD");
    unsetenv("HUIXIN_WEBHOOK_URL");
    unsetenv("HUIXIN_WEBHOOK_SECRET");
    unsetenv("HUIXIN_SIGN_KEY");
    unsetenv("HUIXIN_TSA_URL");
    unsetenv("HUIXIN_STORE");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("SSH_AUTH_SOCK");
}

static void test_exec_solver_found_on_path_answers(void)
{
    /* found through PATH (the solver's PATH is ours), the image on stdin, the first line is the answer */
    char *got = solve("exec:sh -c 'wc -c | tr -d \" \"; echo second line'");
    CHECK_STR(got, "9");
    free(got);
    got = solve("exec:huixin-no-such-solver-xyz");
    CHECK(got == NULL);
    free(got);
}

static void test_exec_sms_request_is_json(void)
{
    /* an SMS code (an ask step): one JSON object on stdin, with the prompt and no image */
    struct scn_ask_request rq = {.kind = "sms", .prompt = "短信验证码", .site = "hanweb"};
    char *got = solve_request("exec:" ECHO_SOLVER, &rq, NULL);
    REQUIRE(got != NULL);
    fprintf(stderr, "  (the solver read: %s)\n", got);
    json_error_t je;
    json_t *o = json_loads(got, 0, &je);
    REQUIRE(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "sms");
    CHECK_STR(json_string_value(json_object_get(o, "prompt")), "短信验证码");
    CHECK_STR(json_string_value(json_object_get(o, "site")), "hanweb");
    CHECK(json_is_null(json_object_get(o, "question")));
    CHECK(json_object_get(o, "image_png_base64") == NULL);
    json_decref(o);
    free(got);
}

static void test_exec_question_gets_text_and_picture(void)
{
    /* a question captcha: the question's text and its picture, base64; a plain exec: gets JSON too */
    struct scn_ask_request rq = {.kind = "question", .question = "3+4=?", .png = (const unsigned char *)"\x89PNG fake",
                                 .png_len = 9};
    char *got = solve_request("exec:" ECHO_SOLVER, &rq, NULL);
    REQUIRE(got != NULL);
    json_error_t je;
    json_t *o = json_loads(got, 0, &je);
    REQUIRE(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "question");
    CHECK_STR(json_string_value(json_object_get(o, "question")), "3+4=?");
    CHECK_STR(json_string_value(json_object_get(o, "image_png_base64")), "iVBORyBmYWtl");
    json_decref(o);
    free(got);
    /* exec-json: a plain captcha comes as JSON as well */
    rq = (struct scn_ask_request){.kind = "captcha", .png = (const unsigned char *)"ab", .png_len = 2};
    got = solve_request("exec-json:" ECHO_SOLVER, &rq, NULL);
    REQUIRE(got != NULL);
    o = json_loads(got, 0, &je);
    REQUIRE(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "captcha");
    CHECK_STR(json_string_value(json_object_get(o, "image_png_base64")), "YWI=");
    json_decref(o);
    free(got);
}

static void test_exec_slider_gets_both_pictures(void)
{
    /* a slider: the background as image_png_base64, the piece as piece_png_base64, kind slider */
    struct scn_ask_request rq = {.kind = "slider", .png = (const unsigned char *)"ab", .png_len = 2,
                                 .piece_png = (const unsigned char *)"abc", .piece_png_len = 3, .site = "hanweb"};
    char *got = solve_request("exec:" ECHO_SOLVER, &rq, NULL);
    REQUIRE(got != NULL);
    json_error_t je;
    json_t *o = json_loads(got, 0, &je);
    REQUIRE(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "slider");
    CHECK_STR(json_string_value(json_object_get(o, "image_png_base64")), "YWI=");
    CHECK_STR(json_string_value(json_object_get(o, "piece_png_base64")), "YWJj");
    json_decref(o);
    free(got);
}

static void test_exec_request_timeout_bounds_the_wait(void)
{
    /* the request's own limit (an ask step's timeout_seconds) replaces the solver's 60 s */
    struct scn_ask_request rq = {.kind = "text", .prompt = "x", .timeout_ms = 300};
    int code = 0;
    char *got = solve_request("exec:sleep 30", &rq, &code);
    CHECK(got == NULL);
    CHECK_INT(code, ERR_TIMEOUT);
    free(got);
}

static void test_solver_spec_parse(void)
{
    struct scn_captcha_solver *s = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(scn_captcha_solver_parse("exec:", NULL, &s, &e), ERR_USAGE);
    err_init(&e); /* the first error stays: start afresh */
    CHECK_INT(scn_captcha_solver_parse("exec:sh -c 'x", NULL, &s, &e), ERR_USAGE);
    CHECK(strstr(e.msg, "unbalanced quote") != NULL);
    CHECK_INT(scn_captcha_solver_parse("ocr", NULL, &s, &e), ERR_USAGE);
    CHECK(s == NULL);
}

static const struct test_case cases[] = {
    {"an exec: solver gets PATH, HOME, the locale, TZ and TMPDIR, no secret", test_exec_solver_gets_a_clean_environment},
    {"an exec: solver is found on PATH and its first line answers", test_exec_solver_found_on_path_answers},
    {"an exec: solver asked for an SMS code reads one JSON request", test_exec_sms_request_is_json},
    {"a question captcha's solver gets the question's text and picture; exec-json: for all", test_exec_question_gets_text_and_picture},
    {"a slider's solver gets the background and the piece", test_exec_slider_gets_both_pictures},
    {"an exec: solver's wait is bounded by the request's timeout", test_exec_request_timeout_bounds_the_wait},
    {"--captcha specs: empty and unbalanced exec:, unknown kinds", test_solver_spec_parse},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
