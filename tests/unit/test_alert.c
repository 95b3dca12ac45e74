/* Alerts without a network: which changes alert, the message words, cleaning website text, URL
 * redaction, robot signatures (vectors computed with Python's hmac), webhook bodies, the e-mail
 * message and the config file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/files.h"
#include "common/text_clean.h"
#include "common/url_redact.h"
#include "reports/alert.h"
#include "tests/unit/runner.h"

static void test_which_changes_alert(void)
{
    static const struct {
        enum verdict_kind from, to;
        bool alarming;
    } rows[] = {
        {VERDICT_PENDING, VERDICT_OVERDUE_UNANSWERED, true},
        {VERDICT_PENDING, VERDICT_DELETED, true},
        {VERDICT_UNVERIFIABLE, VERDICT_DELETED, true},
        {VERDICT_PENDING, VERDICT_SUBMIT_FAILED, true},
        {VERDICT_OVERDUE_UNANSWERED, VERDICT_DELETED, true},
        {VERDICT_OVERDUE_UNANSWERED, VERDICT_OVERDUE_UNANSWERED, false}, /* no change, no repeat */
        {VERDICT_DELETED, VERDICT_DELETED, false},
        {VERDICT_PENDING, VERDICT_ON_TIME, false},
        {VERDICT_OVERDUE_UNANSWERED, VERDICT_LATE, false},
        {VERDICT_PENDING, VERDICT_UNVERIFIABLE, false},
        {VERDICT_PENDING, VERDICT_SAME_DAY, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        if (alert_change_is_alarming(rows[i].from, rows[i].to) != rows[i].alarming) {
            fprintf(stderr, "  row %zu: %s -> %s\n", i, verdict_kind_name_en(rows[i].from),
                    verdict_kind_name_en(rows[i].to));
            CHECK(alert_change_is_alarming(rows[i].from, rows[i].to) == rows[i].alarming);
        }
    }
}

static void test_text_clean(void)
{
    char *s = text_clean("宝鸡\x1b[31m市\r\n第二行\t尾", strlen("宝鸡\x1b[31m市\r\n第二行\t尾"), false);
    CHECK_STR(s, "宝鸡[31m市 第二行 尾");
    free(s);
    s = text_clean("a\nb", 3, true);
    CHECK_STR(s, "a\nb");
    free(s);
    /* invalid UTF-8, an overlong '/', a C1 control, a right-to-left override */
    const char bad[] = "x\xff" "y\xc0\xaf" "z\xc2\x85" "w\xe2\x80\xae" "v";
    s = text_clean(bad, strlen(bad), false);
    CHECK_STR(s, "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdzwv");
    free(s);
    char cut[] = "回信回信";
    text_utf8_truncate(cut, 7); /* 3-byte characters: keeps two */
    CHECK_STR(cut, "回信");
}

static void test_url_redact(void)
{
    static const char *const rows[][2] = {
        {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx",
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"},
        {"https://oapi.dingtalk.com/robot/send?access_token=abc&x=1",
         "https://oapi.dingtalk.com/robot/send?access_token=***&x=1"},
        {"https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
         "https://open.feishu.cn/open-apis/bot/v2/hook/***"},
        {"smtps://user:pa55@smtp.example.com:465", "smtps://***@smtp.example.com:465"},
        {"http://127.0.0.1:8080/tsa", "http://127.0.0.1:8080/tsa"},
        {"https://h/p?Sign=x&timestamp=1#frag", "https://h/p?Sign=***&timestamp=1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        char *r = url_redact(rows[i][0]);
        CHECK_STR(r, rows[i][1]);
        free(r);
    }
}

static void test_signatures_match_python(void)
{
    char *s = alert_sign_dingtalk(1700000000000LL, "SECabc123");
    CHECK_STR(s, "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=");
    free(s);
    s = alert_sign_feishu(1700000000LL, "fs-secret");
    CHECK_STR(s, "ognpFOmraex6LA29Ao14dsiNmmjE3YO4x5e/SX8n9Bw=");
    free(s);
    s = alert_webhook_url(ALERT_FORMAT_DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=T", "SECabc123",
                          1700000000000LL);
    CHECK_STR(s, "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
                 "&sign=N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D");
    free(s);
    s = alert_webhook_url(ALERT_FORMAT_DINGTALK, "https://x/robot/send", NULL, 1);
    CHECK_STR(s, "https://x/robot/send");
    free(s);
}

static const struct alert_event sample = {
    .campaign = "2026年第四季度",
    .site_name = "宝鸡市人民政府\x1b[2J\r\nFAKE: 按期回复",
    .mailbox = "市长信箱",
    .letter_id = 42,
    .letter_token = "HX7Q2K",
    .old_verdict = "待回复",
    .new_verdict = "超期未回复",
    .reason = "第 5 个工作日（2026-11-28）结束时仍无回复\n2026-11-30 复查仍未回复",
    .deadline = "2026-11-28",
    .report_url = NULL,
};

static void test_event_message(void)
{
    struct alert_message m;
    alert_message_from_event(&sample, &m);
    CHECK_STR(m.kind, "verdict_change");
    CHECK_STR(m.subject, "【回信】超期未回复：宝鸡市人民政府[2J FAKE: 按期回复 市长信箱");
    CHECK(strstr(m.text, "状态：待回复 → 超期未回复\n") != NULL);
    CHECK(strstr(m.text, "信件：#42 标识 HX7Q2K\n") != NULL);
    CHECK(strstr(m.text, "\n网站：宝鸡市人民政府[2J FAKE: 按期回复\n") != NULL); /* no forged line */
    CHECK(strstr(m.text, "原因：第 5 个工作日（2026-11-28）结束时仍无回复\n2026-11-30 复查仍未回复") != NULL);
    CHECK(strstr(m.text, "报告") == NULL); /* absent fields are left out */
    CHECK(strstr(m.markdown, "> 原因：第 5 个工作日（2026-11-28）结束时仍无回复\n> 2026-11-30") != NULL);
    json_t *f = json_loads(m.fields_json, 0, NULL);
    REQUIRE(f != NULL);
    json_t *ev = json_object_get(f, "event");
    CHECK_STR(json_string_value(json_object_get(ev, "new_verdict")), "超期未回复");
    CHECK_INT(json_integer_value(json_object_get(ev, "letter_id")), 42);
    CHECK(json_is_null(json_object_get(ev, "report_url")));
    json_decref(f);

    char *body = alert_webhook_body(ALERT_FORMAT_GENERIC, &m, NULL, 1700000000000LL);
    json_t *o = json_loads(body, 0, NULL);
    REQUIRE(o != NULL);
    CHECK_INT(json_integer_value(json_object_get(o, "huixin_alert")), 1);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "verdict_change");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "event"), "letter_token")), "HX7Q2K");
    CHECK_STR(json_string_value(json_object_get(o, "sent_at_utc")), "2023-11-14T22:13:20Z");
    json_decref(o);
    free(body);
    body = alert_webhook_body(ALERT_FORMAT_FEISHU, &m, "fs-secret", 1700000000123LL);
    o = json_loads(body, 0, NULL);
    REQUIRE(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "msg_type")), "text");
    CHECK_STR(json_string_value(json_object_get(o, "timestamp")), "1700000000");
    CHECK_STR(json_string_value(json_object_get(o, "sign")), "ognpFOmraex6LA29Ao14dsiNmmjE3YO4x5e/SX8n9Bw=");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "content"), "text")), m.text);
    json_decref(o);
    free(body);
    alert_message_release(&m);
}

static void test_wecom_body_is_cut_on_a_character(void)
{
    char *long_reason = xmalloc(3 * 3000 + 1);
    for (int i = 0; i < 3000; i++)
        memcpy(long_reason + 3 * i, "删", 3);
    long_reason[9000] = '\0';
    struct alert_event ev = sample;
    ev.reason = long_reason;
    struct alert_message m;
    alert_message_from_event(&ev, &m);
    char *body = alert_webhook_body(ALERT_FORMAT_WECOM, &m, NULL, 0);
    json_t *o = json_loads(body, 0, NULL); /* jansson rejects invalid UTF-8 */
    REQUIRE(o != NULL);
    const char *content = json_string_value(json_object_get(json_object_get(o, "markdown"), "content"));
    REQUIRE(content != NULL);
    CHECK(strlen(content) <= 4000);
    CHECK(strlen(content) > 3900);
    CHECK_STR(json_string_value(json_object_get(o, "msgtype")), "markdown");
    json_decref(o);
    free(body);
    alert_message_release(&m);
    free(long_reason);
}

static void test_summary_message(void)
{
    struct alert_summary_count counts[] = {{"按期回复", 51}, {"超期未回复", 2}, {"信件被删除", 1}};
    struct alert_event problems[] = {sample};
    struct alert_summary s = {"2026年第四季度", "2026-11-30", counts, 3, problems, 1, "http://reports/q4.html"};
    struct alert_message m;
    alert_message_from_summary(&s, &m);
    CHECK_STR(m.subject, "【回信】每日汇总：2026年第四季度 2026-11-30");
    CHECK(strstr(m.text, "按期回复：51\n超期未回复：2\n信件被删除：1\n") != NULL);
    CHECK(strstr(m.text, "1. 宝鸡市人民政府[2J FAKE: 按期回复 市长信箱：超期未回复（期限 2026-11-28）") != NULL);
    CHECK(strstr(m.markdown, "[查看报告](http://reports/q4.html)") != NULL);
    json_t *f = json_loads(m.fields_json, 0, NULL);
    REQUIRE(f != NULL);
    CHECK_INT(json_array_size(json_object_get(json_object_get(f, "summary"), "counts")), 3);
    json_decref(f);
    alert_message_release(&m);
}

static void test_email_message(void)
{
    char *to[] = {"督查室 <a@example.com>", "b@example.com"};
    struct alert_channel ch = {.type = ALERT_CHANNEL_SMTP, .url = "smtp://127.0.0.1:25",
                               .smtp_from = "回信 <huixin@example.org>", .smtp_to = to, .n_smtp_to = 2};
    struct alert_message m;
    alert_message_from_event(&sample, &m);
    char *mail = alert_email_format(&ch, &m, 1700000000000LL); /* 2023-11-15 06:13:20 Beijing, a Wednesday */
    CHECK(strncmp(mail, "Date: Wed, 15 Nov 2023 06:13:20 +0800\r\n", 39) == 0);
    CHECK(strstr(mail, "\r\nFrom: =?UTF-8?B?5Zue5L+h?= <huixin@example.org>\r\n") != NULL);
    CHECK(strstr(mail, "\r\nTo: =?UTF-8?B?552j5p+l5a6k?= <a@example.com>,\r\n b@example.com\r\n") != NULL);
    CHECK(strstr(mail, "\r\nMessage-ID: <1700000000000.") != NULL);
    CHECK(strstr(mail, ".huixin@example.org>\r\n") != NULL);
    /* every line ends in CRLF, header lines are ASCII and at most 78 characters */
    const char *end_of_headers = strstr(mail, "\r\n\r\n");
    REQUIRE(end_of_headers != NULL);
    for (const char *p = mail; *p; p++) {
        if (*p == '\n')
            CHECK(p > mail && p[-1] == '\r');
        if (p < end_of_headers)
            CHECK((unsigned char)*p < 0x80);
    }
    size_t line = 0;
    for (const char *p = mail; p < end_of_headers; p++) {
        line = *p == '\n' ? 0 : line + 1;
        CHECK(line <= 78);
    }
    CHECK(strstr(mail, "Subject: =?UTF-8?B?") != NULL);
    CHECK(strstr(mail, "?=\r\n =?UTF-8?B?") != NULL); /* a long subject is folded */
    char *addr = alert_email_address(" Name <x@y.z> ");
    CHECK_STR(addr, "x@y.z");
    free(addr);
    free(mail);
    alert_message_release(&m);
}

static char dir[64];

static char *write_conf(const char *name, const char *text, unsigned mode)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (file_write_atomic(p, text, strlen(text), NULL) || chmod(p, mode))
        abort();
    return p;
}

static void test_smtp_loopback_is_exact(void)
{
    /* issue 12 item 3: plain smtp:// (no STARTTLS) only to this machine, judged on the exact host */
    static const struct {
        const char *url;
        bool is_loopback;
    } cases[] = {
        {"smtp://127.0.0.1:25", true},
        {"smtp://127.0.0.1", true},
        {"smtp://127.255.3.4:2525", true},
        {"smtp://127.1", true}, /* libcurl connects to 127.0.0.1 */
        {"smtp://user:pa55@127.0.0.1:25", true},
        {"smtp://localhost", true},
        {"smtp://LocalHost:25", true},
        {"smtp://[::1]:25", true},
        {"smtp://[0:0:0:0:0:0:0:1]", true},
        {"smtp://localhost.example.com", false},
        {"smtp://localhost.example.com:25", false},
        {"smtp://localhostx", false},
        {"smtp://127.0.0.1.evil.com", false},
        {"smtp://127.0.0.1.evil.com:25", false},
        {"smtp://127.0.0.1@evil.com", false},
        {"smtp://localhost@evil.com:25", false},
        {"smtp://[::1].evil.com", false},
        {"smtp://evil.com/127.0.0.1", false},
        {"smtp://evil.com#@127.0.0.1", false},
        {"smtp://128.0.0.1", false},
        {"smtp://10.0.0.1", false},
        {"smtp://[::2]", false},
        {"smtp://[::ffff:127.0.0.1]", false},
        {"smtp://mail.example.org", false},
        {"not a url", false},
        {"", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        bool got = alert_url_host_is_loopback(cases[i].url);
        if (got != cases[i].is_loopback)
            fprintf(stderr, "  '%s': loopback %d, expected %d\n", cases[i].url, got, cases[i].is_loopback);
        CHECK(got == cases[i].is_loopback);
    }
}

static void test_config_file(void)
{
    unsetenv("HUIXIN_WEBHOOK_URL");
    unsetenv("HUIXIN_SMTP_URL");
    char *p = write_conf("a.conf",
                         "# alerts\n"
                         "daily_summary = 18:30\n"
                         "\n"
                         "[webhook ding]\n"
                         "url = https://oapi.dingtalk.com/robot/send?access_token=T\n"
                         "secret = \"SECabc123\"\n"
                         "[smtp]\n"
                         "url = smtps://smtp.example.com:465\n"
                         "user = u@example.com\n"
                         "password = pw\n"
                         "from = huixin@example.com\n"
                         "to = a@example.com; b@example.com,\n",
                         0600);
    struct alert_config c;
    struct err e;
    err_init(&e);
    REQUIRE(alert_config_load(p, &c, &e) == 0);
    CHECK_INT(c.n_channels, 2);
    CHECK_INT(c.daily_summary_minute, 18 * 60 + 30);
    CHECK_STR(c.channels[0].name, "ding");
    CHECK_INT(c.channels[0].format, ALERT_FORMAT_DINGTALK); /* from the host */
    CHECK_STR(c.channels[0].secret, "SECabc123");
    CHECK_INT(c.channels[1].n_smtp_to, 2);
    CHECK_STR(c.channels[1].smtp_to[1], "b@example.com");
    char *d = alert_channel_describe(&c.channels[0]);
    CHECK_STR(d, "dingtalk webhook 'https://oapi.dingtalk.com/robot/send?access_token=***'");
    free(d);
    alert_config_release(&c);

    /* readable by others: refused, and the message holds no secret */
    REQUIRE(chmod(p, 0644) == 0);
    err_init(&e);
    CHECK_INT(alert_config_load(p, &c, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "chmod 600") != NULL);
    CHECK(strstr(e.msg, "SECabc123") == NULL);
    free(p);

    static const char *const bad[][2] = {
        {"[webhook]\nurl = https://x/y\nsecrte = 1\n", "b.conf:3: unknown key 'secrte' in [webhook]"},
        {"[slack]\n", "b.conf:1: unknown section [slack]"},
        {"[smtp]\nurl = smtp://h\nfrom = a@b\n", "b.conf:1: [smtp] needs to = ADDRESS"},
        {"[webhook]\nurl = ftp://x\n", "b.conf:1: [webhook] url must start with http:// or https://"},
        {"[webhook]\nurl = https://x\nformat = slack\n", "b.conf:3: format 'slack'"},
        {"daily_summary = 25:00\n", "b.conf:1: daily_summary '25:00'"},
        {"[webhook]\nurl = https://x\nurl = https://y\n", "b.conf:3: 'url' given twice"},
        {"url = https://x\n", "b.conf:1: unknown key 'url' before any section: expected daily_summary"},
        {"[webhook]\nurl https://x\n", "b.conf:2: expected 'key = value' or a [section]"},
        {"# c\n[webhook\n", "b.conf:2: expected a section like [webhook] or [smtp NAME]"},
        {"[smtp]\nurl = smtp://h\nfrom = a@b\nfrom = c@d\n", "b.conf:4: 'from' given twice in [smtp]"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        p = write_conf("b.conf", bad[i][0], 0600);
        err_init(&e);
        CHECK_INT(alert_config_load(p, &c, &e), ERR_INPUT);
        if (!strstr(e.msg, bad[i][1]))
            CHECK_STR(e.msg, bad[i][1]);
        free(p);
    }
}

static void test_config_environment(void)
{
    setenv("HUIXIN_WEBHOOK_URL", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", 1);
    setenv("HUIXIN_WEBHOOK_SECRET", "s3cret", 1);
    setenv("HUIXIN_SMTP_URL", "smtp://127.0.0.1:2525", 1);
    setenv("HUIXIN_SMTP_FROM", "huixin@example.com", 1);
    setenv("HUIXIN_SMTP_TO", "a@example.com", 1);
    char *home = xasprintf("%s/emptyhome", dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    struct alert_config c;
    struct err e;
    err_init(&e);
    REQUIRE(alert_config_load(NULL, &c, &e) == 0);
    CHECK_INT(c.n_channels, 2);
    CHECK_INT(c.channels[0].format, ALERT_FORMAT_FEISHU);
    CHECK_STR(c.channels[0].origin, "environment");
    CHECK_STR(c.channels[1].smtp_from, "huixin@example.com");
    alert_config_release(&c);
    setenv("HUIXIN_WEBHOOK_FORMAT", "teams", 1);
    err_init(&e);
    CHECK_INT(alert_config_load(NULL, &c, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "HUIXIN_WEBHOOK_FORMAT 'teams'") != NULL);
    unsetenv("HUIXIN_WEBHOOK_FORMAT");
    unsetenv("HUIXIN_SMTP_TO");
    err_init(&e);
    CHECK_INT(alert_config_load(NULL, &c, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "needs to = ADDRESS") != NULL);
    unsetenv("HUIXIN_WEBHOOK_URL");
    unsetenv("HUIXIN_WEBHOOK_SECRET");
    unsetenv("HUIXIN_SMTP_URL");
    unsetenv("HUIXIN_SMTP_FROM");
    free(home);
}

/* A lapsed real-name login is not a verdict: its own kind and words, no verdict line. */
static void test_login_needed_message(void)
{
    struct alert_event ev = {.campaign = "2026年第一季度", .site_name = "宝川市人民政府", .mailbox = "市长信箱",
                             .letter_id = 7, .letter_token = "HX7Q2K", .reason = "请运行 huixin login 重新登录",
                             .is_login_needed = true};
    struct alert_message m;
    alert_message_from_event(&ev, &m);
    CHECK_STR(m.kind, "login_needed");
    CHECK(strstr(m.subject, "登录已失效，需要重新登录") != NULL);
    CHECK(strstr(m.text, "本次访问未进行（不计入结果）") != NULL);
    CHECK(strstr(m.text, "状态：") == NULL); /* no verdict changed */
    CHECK(strstr(m.text, "请运行 huixin login 重新登录") != NULL);
    alert_message_release(&m);
}

static const struct test_case cases[] = {
    {"a lapsed login has its own kind and words", test_login_needed_message},
    {"only changes into overdue, deleted or failed alert", test_which_changes_alert},
    {"website text is cleaned of controls and bad UTF-8", test_text_clean},
    {"URLs are shown without their secrets", test_url_redact},
    {"DingTalk and Feishu signatures match Python's", test_signatures_match_python},
    {"an event's message, and its generic and Feishu bodies", test_event_message},
    {"a long WeCom message is cut on a character", test_wecom_body_is_cut_on_a_character},
    {"the daily summary names counts and problem letters", test_summary_message},
    {"the e-mail: Date, encoded names and subject, CRLF, folding", test_email_message},
    {"plain SMTP only to an exact loopback host, not a look-alike", test_smtp_loopback_is_exact},
    {"the config file, strictly, and its mode", test_config_file},
    {"channels from the environment", test_config_environment},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-alert-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(dir, NULL);
    return rc;
}
