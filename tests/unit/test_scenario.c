/* The scenario loader, its position index, variables and regular expressions. Runs from the repo root
 * (tests/run.sh does): it reads tests/scenarios/broken/ and scenarios/library/. */
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "scenarios/json_pos.h"
#include "scenarios/regex.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "scenarios/vars.h"
#include "tests/unit/runner.h"

#define BROKEN_DIR "tests/scenarios/broken"
#define LIBRARY_DIR "scenarios/library"

static void test_json_pos_maps_paths_to_line_and_column(void)
{
    const char *text = "{\n  \"a\": [1, {\"b\": \"中文\", \"c\": true}],\n  \"标题\": {\"x/y\": null}\n}";
    struct scn_json_pos jp;
    REQUIRE(scn_json_pos_build(&jp, text, strlen(text)) == 0);
    int line = 0, col = 0;
    CHECK(scn_json_pos_find(&jp, "", false, &line, &col));
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    CHECK(scn_json_pos_find(&jp, "/a", false, &line, &col));
    CHECK_INT(line, 2);
    CHECK_INT(col, 8);
    CHECK(scn_json_pos_find(&jp, "/a", true, &line, &col));
    CHECK_INT(col, 3);
    CHECK(scn_json_pos_find(&jp, "/a/1/b", false, &line, &col));
    CHECK_INT(col, 18);
    /* "中文" is two characters: the next key's column counts characters, not bytes */
    CHECK(scn_json_pos_find(&jp, "/a/1/c", true, &line, &col));
    CHECK_INT(col, 24);
    CHECK(scn_json_pos_find(&jp, "/标题/x~1y", true, &line, &col));
    CHECK_INT(line, 3);
    CHECK_INT(col, 10);
    CHECK(!scn_json_pos_find(&jp, "/a/2", false, &line, &col));
    scn_json_pos_release(&jp);
}

static void test_json_pos_decodes_escaped_keys_and_rejects_garbage(void)
{
    const char *text = "{\"\\u4e2d\\n\": [\"x\", \"y\\\"]\"]}";
    struct scn_json_pos jp;
    REQUIRE(scn_json_pos_build(&jp, text, strlen(text)) == 0);
    int line, col;
    CHECK(scn_json_pos_find(&jp, "/中\n/1", false, &line, &col));
    CHECK_INT(col, 20);
    scn_json_pos_release(&jp);
    CHECK_INT(scn_json_pos_build(&jp, "{\"a\": [1, 2}", 12), -1);
    scn_json_pos_release(&jp);
    CHECK_INT(scn_json_pos_build(&jp, "{} x", 4), -1);
    scn_json_pos_release(&jp);
}

static void test_vars_expand_and_report_missing(void)
{
    struct scn_vars v;
    scn_vars_init(&v);
    scn_vars_set(&v, "base_url", "http://127.0.0.1:8080");
    scn_vars_set(&v, "letter.name", "张三");
    struct err e;
    err_init(&e);
    REQUIRE(scn_vars_set_arg(&v, "sysid=1=2", &e) == 0);
    CHECK_STR(scn_vars_get(&v, "sysid"), "1=2");
    char *out = NULL;
    REQUIRE(scn_vars_expand(&v, "${base_url}/a?x=${sysid}&n=${letter.name} $5 $${literal}", &out, &e) == 0);
    CHECK_STR(out, "http://127.0.0.1:8080/a?x=1=2&n=张三 $5 ${literal}");
    free(out);
    scn_vars_set(&v, "sysid", "3");
    REQUIRE(scn_vars_expand(&v, "${sysid}", &out, &e) == 0);
    CHECK_STR(out, "3");
    free(out);
    CHECK_INT(scn_vars_expand(&v, "x${query_code}", &out, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "'query_code'") != NULL);
    CHECK(out == NULL);
    err_init(&e);
    CHECK_INT(scn_vars_expand(&v, "x${open", &out, &e), ERR_INPUT);
    err_init(&e);
    CHECK_INT(scn_vars_expand(&v, "${9x}", &out, &e), ERR_INPUT);
    err_init(&e);
    CHECK_INT(scn_vars_set_arg(&v, "noequals", &e), ERR_USAGE);
    err_init(&e);
    CHECK_INT(scn_vars_set_arg(&v, "bad name=1", &e), ERR_USAGE);
    CHECK(scn_var_name_is_valid("letter.name"));
    CHECK(!scn_var_name_is_valid("letter."));
    CHECK(!scn_var_name_is_valid(".x"));
    CHECK(!scn_var_name_is_valid(""));
    scn_vars_release(&v);
}

/* Chinese patterns must work however the process locale is set (tests run under LC_ALL=C). */
static void test_regex_matches_chinese_under_c_locale(void)
{
    setlocale(LC_ALL, "C");
    struct scn_regex *r = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(scn_regex_compile("信件编号[：:][[:space:]]*([A-Z0-9-]+)", &r, &e) == 0);
    char *got = NULL;
    CHECK_INT(scn_regex_find(r, "您的信件编号：HX-2024 已提交", &got), 1);
    CHECK_STR(got, "HX-2024");
    free(got);
    got = NULL;
    CHECK_INT(scn_regex_find(r, "信件编号:AB12", &got), 1);
    CHECK_STR(got, "AB12");
    free(got);
    got = NULL;
    CHECK_INT(scn_regex_find(r, "查询码：1234", &got), 0);
    CHECK(got == NULL);
    scn_regex_free(r);
    /* '.' is one character, not one byte */
    REQUIRE(scn_regex_compile("^状态(..)$", &r, &e) == 0);
    got = NULL;
    CHECK_INT(scn_regex_find(r, "状态已办", &got), 1);
    CHECK_STR(got, "已办");
    free(got);
    scn_regex_free(r);
    /* \s and \S over a date with a full-width colon */
    REQUIRE(scn_regex_compile("回复时间[：:]\\s*(\\S+ \\S+)", &r, &e) == 0);
    got = NULL;
    CHECK_INT(scn_regex_find(r, "回复时间：2024-05-29 17:11:17 回复单位", &got), 1);
    CHECK_STR(got, "2024-05-29 17:11:17");
    free(got);
    scn_regex_free(r);
    /* no group: the whole match */
    REQUIRE(scn_regex_compile("HX[0-9A-Z]{6}", &r, &e) == 0);
    got = NULL;
    CHECK_INT(scn_regex_find(r, "（来信编号：HX7Q2M9K）", &got), 1);
    CHECK_STR(got, "HX7Q2M9K");
    free(got);
    scn_regex_free(r);
    CHECK_INT(scn_regex_compile("a(b", &r, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "bad regex 'a(b'") != NULL);
    /* POSIX brackets take no escapes: caught at load time, not as a wrong capture later */
    err_init(&e);
    CHECK_INT(scn_regex_compile("回复单位\\s+([^\\t\\n]+)", &r, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "backslash inside [...]") != NULL);
    static const char *const fine[] = {"[[:space:]]+", "\\[x\\]", "[]a]", "[^]a]+", "[[:alpha:]_]", "a\\\\b"};
    for (size_t i = 0; i < ARRAY_LEN(fine); i++) {
        err_init(&e);
        r = NULL;
        CHECK_INT(scn_regex_compile(fine[i], &r, &e), 0);
        scn_regex_free(r);
    }
}

static char *read_expect(const char *path)
{
    char *text = NULL;
    if (file_read_all(path, &text, NULL, NULL) < 0)
        return NULL;
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    return text;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every broken file fails to load, and its first message is exactly the one in its .expect file. */
static void test_broken_corpus_gives_expected_messages(void)
{
    DIR *d = opendir(BROKEN_DIR);
    REQUIRE(d != NULL);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < ARRAY_LEN(names)) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
            names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    CHECK(n >= 12);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", BROKEN_DIR, names[i]);
        char *expect_path = xasprintf("%.*s.expect", (int)(strlen(path) - 5), path);
        char *want = read_expect(expect_path);
        struct scn_scenario *s = (struct scn_scenario *)1;
        struct scn_diags diags = {NULL, 0};
        struct err e;
        err_init(&e);
        int rc = scn_scenario_load(path, &s, &diags, &e);
        if (!want)
            fprintf(stderr, "  %s: missing %s\n", names[i], expect_path);
        CHECK(want != NULL);
        CHECK_INT(rc, ERR_INPUT);
        CHECK(s == NULL);
        CHECK(diags.n >= 1);
        if (want && diags.n >= 1)
            CHECK_STR(diags.lines[0], want);
        if (want)
            CHECK_STR(e.msg, want);
        scn_diags_release(&diags);
        free(want);
        free(expect_path);
        free(path);
        free(names[i]);
    }
}

static void test_library_scenarios_load(void)
{
    DIR *d = opendir(LIBRARY_DIR);
    REQUIRE(d != NULL);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char *path = xasprintf("%s/%s", LIBRARY_DIR, de->d_name);
        struct scn_scenario *s = NULL;
        struct scn_diags diags = {NULL, 0};
        struct err e;
        err_init(&e);
        int rc = scn_scenario_load(path, &s, &diags, &e);
        if (rc != 0)
            fprintf(stderr, "  %s\n", e.msg);
        CHECK_INT(rc, 0);
        CHECK_INT(diags.n, 0);
        scn_scenario_free(s);
        scn_diags_release(&diags);
        free(path);
        n++;
    }
    closedir(d);
    CHECK(n >= 1);
}

static void test_hanweb_scenario_becomes_structs(void)
{
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(scn_scenario_load(LIBRARY_DIR "/hanweb-jact.json", &s, NULL, &e) == 0);
    CHECK_STR(s->site.name, "宝川市人民政府门户网站");
    CHECK_INT(s->site.deadline_workdays, 5);
    CHECK_INT(s->site.tls, SCN_TLS_STRICT); /* not given: a certificate error fails the visit */
    CHECK_STR(s->letter.category, "咨询");
    CHECK_INT(s->letter.token_in, SCN_TOKEN_IN_TITLE); /* its public list shows titles only */
    CHECK_STR(scn_vars_get(&s->defaults, "sysid"), "1");
    CHECK(s->has_recover);
    CHECK(!s->recover.proves_absence);
    REQUIRE(s->has_submit && s->has_check);
    REQUIRE(s->submit.phase.n_steps == 16);
    const struct scn_step *st = s->submit.phase.steps;
    CHECK_INT(st[0].kind, SCN_STEP_GOTO);
    CHECK_STR(st[0].target, "${base_url}/jact/front/mailwrite.do?sysid=${sysid}");
    CHECK_INT(st[4].kind, SCN_STEP_SELECT);
    CHECK(st[4].select_by_text);
    CHECK_STR(st[4].value, "咨询");
    CHECK_INT(st[9].kind, SCN_STEP_CAPTCHA);
    CHECK_STR(st[9].target, "#checkcodeimg");
    CHECK_STR(st[9].value, "#checkcode");
    CHECK_INT(st[11].kind, SCN_STEP_CLICK);
    CHECK(st[11].is_final);
    CHECK_STR(st[11].label, "click '#submitbtn'");
    CHECK_INT(st[11].number, 12);
    CHECK_INT(st[12].timeout_ms, 20000);
    CHECK_INT(st[12].cond, SCN_COND_TEXT);
    CHECK_INT(st[13].kind, SCN_STEP_EXTRACT);
    CHECK_STR(st[13].var, "letter_no");
    REQUIRE(s->n_submit_vars == 2);
    CHECK_STR(s->submit_vars[0], "letter_no");
    CHECK_STR(s->submit_vars[1], "query_code");
    REQUIRE(s->submit.n_failures == 2);
    CHECK_INT(s->submit.failures[0].kind, SCN_FAIL_CAPTCHA);
    CHECK_INT(s->submit.failures[0].retries, 3);
    CHECK_INT(s->submit.failures[1].kind, SCN_FAIL_REJECTED);
    CHECK_INT(s->submit.failures[1].when.n_texts, 3);
    REQUIRE(s->check.not_found.n_statuses == 2);
    CHECK_INT(s->check.not_found.statuses[0], 404);
    CHECK(s->check.read.reply_date.is_set);
    CHECK_INT(s->check.read.reply_date.n_formats, 3);
    CHECK(s->check.read.reply_date.regex != NULL);
    CHECK_INT(s->check.read.n_replied_states, 3);
    scn_scenario_free(s);
}

/* site.tls: "accept" or "strict"; anything else names the file, the line and what is expected. */
#define TLS_CHECK                                                                                             \
    " \"check\": {\"steps\": [{\"goto\": \"https://a.example/\"}], \"found\": {\"text\": \"a\"},"             \
    " \"not_found\": {\"text\": \"b\"}}}"
static void test_site_tls_policy(void)
{
    struct err e;
    err_init(&e);
    struct scn_scenario *s = NULL;
    const char *accept = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\", \"tls\": \"accept\"},\n"
                         TLS_CHECK;
    REQUIRE(scn_scenario_parse("mem.json", accept, strlen(accept), &s, NULL, &e) == 0);
    CHECK_INT(s->site.tls, SCN_TLS_ACCEPT);
    CHECK_STR(scn_tls_policy_name(s->site.tls), "accept");
    scn_scenario_free(s);
    s = NULL;
    const char *strict = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\", \"tls\": \"strict\"},\n"
                         TLS_CHECK;
    REQUIRE(scn_scenario_parse("mem.json", strict, strlen(strict), &s, NULL, &e) == 0);
    CHECK_INT(s->site.tls, SCN_TLS_STRICT);
    CHECK_STR(scn_tls_policy_name(s->site.tls), "strict");
    scn_scenario_free(s);
    s = NULL;
    const char *bad = "{\"huixin_scenario\": 1,\n \"site\": {\"name\": \"x\", \"tls\": \"ignore\"},\n"
                      TLS_CHECK;
    struct scn_diags d = {NULL, 0};
    CHECK_INT(scn_scenario_parse("mem.json", bad, strlen(bad), &s, &d, &e), ERR_INPUT);
    REQUIRE(d.n == 1);
    CHECK(strstr(d.lines[0], "mem.json:2:") == d.lines[0]);
    CHECK(strstr(d.lines[0], "tls 'ignore'; expected strict") != NULL);
    scn_diags_release(&d);
    const char *typed = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\", \"tls\": true},\n"
                        TLS_CHECK;
    CHECK_INT(scn_scenario_parse("mem.json", typed, strlen(typed), &s, NULL, &e), ERR_INPUT);
}

/* A session block: its URLs and matches become structs; a missing match, profile false and an
 * unknown key are problems, each named where it stands. */
static void test_session_block(void)
{
    struct err e;
    err_init(&e);
    struct scn_scenario *s = NULL;
    const char *ok = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\"},\n"
                     " \"session\": {\"login_url\": \"${base_url}/sso/login\", \"check_url\": \"${base_url}/user\",\n"
                     "  \"logged_in\": {\"selector\": \"#logout\", \"text\": \"退出登录\"},\n"
                     "  \"logged_out\": {\"selector\": \"#loginform\", \"url_contains\": \"/sso/login\"}},\n" TLS_CHECK;
    REQUIRE(scn_scenario_parse("mem.json", ok, strlen(ok), &s, NULL, &e) == 0);
    CHECK(s->session.is_set);
    CHECK_STR(s->session.login_url, "${base_url}/sso/login");
    CHECK_STR(s->session.check_url, "${base_url}/user");
    CHECK_STR(s->session.logged_in.selector, "#logout");
    REQUIRE(s->session.logged_in.n_texts == 1);
    CHECK_STR(s->session.logged_in.texts[0], "退出登录");
    CHECK_STR(s->session.logged_out.url_contains, "/sso/login");
    struct scn_vars v;
    scn_vars_init(&v);
    scn_vars_set(&v, "base_url", "http://127.0.0.1:8001");
    char *url = NULL;
    CHECK_INT(scn_session_login_url(s, &v, &url, &e), 0);
    CHECK_STR(url, "http://127.0.0.1:8001/sso/login");
    free(url);
    scn_vars_release(&v);
    scn_scenario_free(s);
    s = NULL;
    const char *none = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\"},\n" TLS_CHECK;
    REQUIRE(scn_scenario_parse("mem.json", none, strlen(none), &s, NULL, &e) == 0);
    CHECK(!s->session.is_set);
    scn_scenario_free(s);
    s = NULL;
    const char *bad = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\"},\n"
                      " \"session\": {\"profile\": false, \"login_url\": \"http://x/login\", \"cookie\": \"a\",\n"
                      "  \"logged_in\": {\"selector\": \"#logout\"}},\n" TLS_CHECK;
    struct scn_diags d = {NULL, 0};
    CHECK_INT(scn_scenario_parse("mem.json", bad, strlen(bad), &s, &d, &e), ERR_INPUT);
    REQUIRE(d.n == 3);
    CHECK(strstr(d.lines[0], "unknown key 'cookie'") != NULL);
    CHECK(strstr(d.lines[1], "profile false") != NULL);
    CHECK(strstr(d.lines[2], "logged_out") != NULL);
    scn_diags_release(&d);
    const char *nowhere = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\"},\n"
                          " \"session\": {\"logged_in\": {\"selector\": \"#a\"}, \"logged_out\": {\"selector\": \"#b\"}},\n"
                          TLS_CHECK;
    CHECK_INT(scn_scenario_parse("mem.json", nowhere, strlen(nowhere), &s, &d, &e), ERR_INPUT);
    REQUIRE(d.n == 1);
    CHECK(strstr(d.lines[0], "a page to log in at") != NULL);
    scn_diags_release(&d);
}

/* Several problems in one file are all reported, in file order. */
static void test_all_problems_reported(void)
{
    const char *text = "{\"huixin_scenario\": 1, \"site\": {\"name\": \"x\", \"deadline_workdays\": 0},\n"
                       " \"check\": {\"steps\": [{\"goto\": \"${nope}\"}, {\"wait_for\": {\"txt\": \"a\"}}],\n"
                       "  \"not_found\": {\"status\": [200, 99]}}}";
    struct scn_scenario *s = NULL;
    struct scn_diags d = {NULL, 0};
    struct err e;
    err_init(&e);
    CHECK_INT(scn_scenario_parse("mem.json", text, strlen(text), &s, &d, &e), ERR_INPUT);
    REQUIRE(d.n == 5);
    CHECK_STR(d.lines[0], "mem.json:1:67: site: 'deadline_workdays' must be a whole number from 1 to 366, not 0");
    CHECK(strstr(d.lines[1], "mem.json:2:31: check step 1 (goto '${nope}'): undefined variable 'nope'") == d.lines[1]);
    CHECK_STR(d.lines[2], "mem.json:2:57: check step 2 (wait_for): unknown key 'txt'; expected one of: text, selector, "
                          "url, gone, exists");
    CHECK_STR(d.lines[3], "mem.json:2:56: check step 2 (wait_for): wait_for needs one of 'text', 'selector', 'url', "
                          "'gone' or 'exists'");
    CHECK_STR(d.lines[4], "mem.json:3:27: check.not_found: 'status' item 2 must be an HTTP status from 100 to 599");
    CHECK_STR(e.msg, d.lines[0]);
    scn_diags_release(&d);
}

static void test_check_only_scenario_and_list_search(void)
{
    const char *text =
        "{\"huixin_scenario\": 1, \"site\": {\"name\": \"留言板\"},\n"
        " \"check\": {\"steps\": [{\"list_search\": {\"url\": \"${base_url}/list\", \"next\": \"a.next\", \"max_pages\": 3}},\n"
        "   {\"extract\": {\"var\": \"detail_id\", \"regex\": \"id=([0-9]+)\", \"from\": \"url\"}},\n"
        "   {\"assert\": {\"text\": \"${detail_id}\"}}],\n"
        "  \"not_found\": {\"text\": \"页面找不到了！\", \"status\": 404},\n"
        "  \"read\": {\"has_reply\": {\"text\": \"管理员回复：\"}, \"reply_date\": {\"selector\": \".d\", \"format\": \"epoch_ms\"}}}}";
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(scn_scenario_parse("mem.json", text, strlen(text), &s, NULL, &e) == 0);
    CHECK(!s->has_submit);
    REQUIRE(s->check.phase.n_steps == 3);
    const struct scn_step *ls = &s->check.phase.steps[0];
    CHECK_INT(ls->kind, SCN_STEP_LIST_SEARCH);
    CHECK_STR(ls->list_token, "${letter.token}");
    CHECK_STR(ls->list_next, "a.next");
    CHECK_INT(ls->list_max_pages, 3);
    CHECK(ls->list_follow);
    CHECK_INT(s->check.phase.steps[1].extract.from, SCN_FROM_URL);
    CHECK_INT(s->check.not_found.n_statuses, 1);
    CHECK_STR(s->check.read.has_reply.text, "管理员回复：");
    scn_scenario_free(s);
}

/* Issue 10: variables in MATCH texts and regexes (quoted), entry_url from a vars default, the list
 * lookup's keys, and what a check's lookup is by default. */
static void test_list_lookup_keys_and_variables_everywhere(void)
{
    const char *text =
        "{\"huixin_scenario\": 1, \"site\": {\"name\": \"留言板\", \"entry_url\": \"${home}/\"},\n"
        " \"vars\": {\"home\": \"http://127.0.0.1:1\"},\n"
        " \"check\": {\"steps\": [{\"list_search\": {\"url\": \"${home}/?gbook/\", \"next\": \"a.next\", \"follow\": false,\n"
        "   \"record\": \".item\", \"older_than\": {\"selector\": \".item .t\", \"regex\": \"([0-9-]{10})\", \"format\": \"%Y-%m-%d\"}}}],\n"
        "  \"found\": {\"text\": \"${letter.token}\"},\n"
        "  \"not_found\": {\"text\": \"没有\", \"within\": \"#result\"},\n"
        "  \"read\": {\"state\": {\"selector\": \".s\"}, \"removed_states\": \"垃圾信件\",\n"
        "           \"reply_text\": {\"regex\": \"${letter.token}.*回复：(.+)\"}}}}";
    struct scn_scenario *s = NULL;
    struct scn_diags diags = {NULL, 0};
    struct err e;
    err_init(&e);
    int rc = scn_scenario_parse("mem.json", text, strlen(text), &s, &diags, &e);
    if (rc != 0)
        fprintf(stderr, "  %s\n", e.msg);
    REQUIRE(rc == 0);
    CHECK_INT(s->check.lookup, SCN_LOOKUP_LIST);
    CHECK(!s->check.proves_absence);
    const struct scn_step *ls = &s->check.phase.steps[0];
    CHECK_STR(ls->list_record, ".item");
    CHECK(!ls->list_follow);
    CHECK_STR(ls->list_older_than.selector, ".item .t");
    CHECK(ls->list_older_than.regex != NULL);
    CHECK_STR(s->check.not_found.within, "#result");
    CHECK_INT(s->check.read.n_removed_states, 1);
    CHECK(s->check.read.reply_text.regex == NULL);
    CHECK_STR(s->check.read.reply_text.regex_tmpl, "${letter.token}.*回复：(.+)");
    scn_scenario_free(s);
    scn_diags_release(&diags);

    /* a token holding regex characters matches itself only */
    struct scn_vars v;
    scn_vars_init(&v);
    scn_vars_set(&v, "letter.token", "HX.(A)+");
    char *src = NULL;
    REQUIRE(scn_vars_expand_regex(&v, "${letter.token} 回复：(.+)", &src, &e) == 0);
    struct scn_regex *re = NULL;
    REQUIRE(scn_regex_compile(src, &re, &e) == 0);
    char *cap = NULL;
    CHECK_INT(scn_regex_find(re, "HXx(A)AA 回复：错", &cap), 0);
    CHECK_INT(scn_regex_find(re, "HX.(A)+ 回复：对", &cap), 1);
    CHECK_STR(cap, "对");
    free(cap);
    scn_regex_free(re);
    free(src);
    scn_vars_release(&v);
}

/* The recover phase: what it may use (only what is known before sending), what it extracts (kept
 * apart from what check sees), proves_absence, and the board library file's own phase. */
static void test_recover_phase_becomes_structs(void)
{
    const char *text =
        "{\"huixin_scenario\": 1, \"site\": {\"name\": \"留言板\"}, \"vars\": {\"box\": \"szxx\"},\n"
        " \"recover\": {\"steps\": [{\"list_search\": {\"url\": \"${base_url}/list?box=${box}\", \"token\": \"${letter.title}\"}},\n"
        "   {\"extract\": {\"var\": \"letter_no\", \"regex\": \"id=([0-9]+)\", \"from\": \"url\"}},\n"
        "   {\"assert\": {\"text\": \"${letter_no}\"}}],\n"
        "  \"not_found\": {\"text\": \"暂无\"}, \"unavailable\": {\"text\": \"维护中\"}, \"proves_absence\": true},\n"
        " \"submit\": {\"steps\": [{\"goto\": \"${base_url}/post\"}, {\"click\": \"#go\", \"final\": true},\n"
        "   {\"extract\": {\"var\": \"query_code\", \"selector\": \"#qc\"}}], \"success\": {\"text\": \"成功\"}},\n"
        " \"check\": {\"steps\": [{\"goto\": \"${base_url}/q?c=${query_code}\"}], \"not_found\": {\"text\": \"无\"}}}";
    struct scn_scenario *s = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(scn_scenario_parse("mem.json", text, strlen(text), &s, NULL, &e) == 0);
    REQUIRE(s->has_recover && s->has_submit && s->has_check);
    CHECK(s->recover.proves_absence);
    REQUIRE(s->recover.phase.n_steps == 3);
    CHECK_INT(s->recover.phase.steps[0].kind, SCN_STEP_LIST_SEARCH);
    CHECK_STR(s->recover.phase.steps[0].list_token, "${letter.title}");
    CHECK(scn_match_is_empty(&s->recover.found));
    CHECK_INT(s->recover.not_found.n_texts, 1);
    CHECK_INT(s->recover.not_found.n_statuses, 0); /* no default 404: a search page's status says nothing */
    CHECK_INT(s->recover.unavailable.n_texts, 1);
    REQUIRE(s->n_recover_vars == 1);
    CHECK_STR(s->recover_vars[0], "letter_no");
    REQUIRE(s->n_submit_vars == 1); /* letter_no belongs to recover only */
    CHECK_STR(s->submit_vars[0], "query_code");
    scn_scenario_free(s);

    /* what recover extracts is not the check phase's to use */
    const char *leak =
        "{\"huixin_scenario\": 1, \"site\": {\"name\": \"留言板\"},\n"
        " \"recover\": {\"steps\": [{\"list_search\": {\"url\": \"${base_url}/list\"}},\n"
        "   {\"extract\": {\"var\": \"letter_no\", \"regex\": \"id=([0-9]+)\", \"from\": \"url\"}}]},\n"
        " \"submit\": {\"steps\": [{\"click\": \"#go\", \"final\": true}], \"success\": {\"text\": \"成功\"}},\n"
        " \"check\": {\"steps\": [{\"goto\": \"${base_url}/v?id=${letter_no}\"}], \"not_found\": {\"text\": \"无\"}}}";
    err_init(&e);
    s = (struct scn_scenario *)1;
    CHECK_INT(scn_scenario_parse("mem.json", leak, strlen(leak), &s, NULL, &e), ERR_INPUT);
    CHECK(s == NULL);
    CHECK(strstr(e.msg, "mem.json:5:31: check step 1 (goto '${base_url}/v?id=${letter_no}'): undefined variable 'letter_no'") == e.msg);

    /* the board's library file: found by its token in the public list, a miss proves nothing */
    err_init(&e);
    REQUIRE(scn_scenario_load(LIBRARY_DIR "/board.json", &s, NULL, &e) == 0);
    REQUIRE(s->has_recover);
    CHECK(!s->recover.proves_absence);
    CHECK_INT(s->recover.phase.steps[0].kind, SCN_STEP_LIST_SEARCH);
    CHECK_STR(s->recover.phase.steps[0].list_next, "#nextpage");
    REQUIRE(s->n_recover_vars == 1);
    CHECK_STR(s->recover_vars[0], "letter_no");
    scn_scenario_free(s);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"json_pos maps paths to line and column", test_json_pos_maps_paths_to_line_and_column},
        {"json_pos decodes escaped keys, rejects garbage", test_json_pos_decodes_escaped_keys_and_rejects_garbage},
        {"vars expand and report missing", test_vars_expand_and_report_missing},
        {"regex matches chinese under LC_ALL=C", test_regex_matches_chinese_under_c_locale},
        {"broken corpus gives the expected messages", test_broken_corpus_gives_expected_messages},
        {"library scenarios load", test_library_scenarios_load},
        {"hanweb scenario becomes structs", test_hanweb_scenario_becomes_structs},
        {"all problems reported in file order", test_all_problems_reported},
        {"site.tls accept, strict, and a wrong value", test_site_tls_policy},
        {"session block: login and check URLs, matches, and its mistakes", test_session_block},
        {"check-only scenario with list_search", test_check_only_scenario_and_list_search},
        {"recover phase becomes structs, its variables kept apart", test_recover_phase_becomes_structs},
        {"list lookup keys, variables in texts and regexes", test_list_lookup_keys_and_variables_everywhere},
};
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
