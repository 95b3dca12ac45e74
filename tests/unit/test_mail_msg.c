/* The mail reader (scenarios/mail_msg.c) on real-looking messages: a GBK base64 subject and body, a
 * quoted-printable UTF-8 body, multipart/alternative (plain first, else the HTML's text), folded
 * headers, dates; and the mail config file (scenarios/mail_config.c). No network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "scenarios/mail.h"
#include "tests/unit/runner.h"

static void test_header_words(void)
{
    char *s = scn_mail_header_decode("=?GBK?B?udjT2sT6wLTQxbXEtPC4tA==?=");
    CHECK_STR(s, "关于您来信的答复");
    free(s);
    /* gb2312 said, GBK meant; two words with a blank between them join; Q with '_' as a space */
    s = scn_mail_header_decode("=?gb2312?B?saa0qMrQyMvD8dX+?= =?gb2312?B?uK6w7LmrytI=?= <a@b.test>");
    CHECK_STR(s, "宝川市人民政府办公室 <a@b.test>");
    free(s);
    s = scn_mail_header_decode("Re: =?utf-8?Q?=E7=AD=94=E5=A4=8D_ok?= end");
    CHECK_STR(s, "Re: 答复 ok end");
    free(s);
    /* not an encoded word: kept; a control character from a site: cleaned */
    s = scn_mail_header_decode("plain =? text\x1b[31m");
    CHECK_STR(s, "plain =? text[31m");
    free(s);
}

static void test_gbk_base64_message(void)
{
    const char *raw = "Return-Path: <x@baochuan.gov.test>\r\n"
                      "From: =?GBK?B?saa0qMrQyMvD8dX+uK6w7LmrytI=?=\r\n"
                      " <xinxiang@baochuan.gov.test>\r\n"
                      "To: liming@example.test\r\n"
                      "Subject: =?GBK?B?udjT2sT6wLTQxbXEtPC4tA==?=\r\n"
                      "Date: Tue, 3 Mar 2026 10:15:00 +0800\r\n"
                      "Message-ID: <r1@baochuan.gov.test>\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=\"GBK\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n"
                      "\r\n"
                      "xPq6w6OhxPq3tNOztcTOyszi0tHXqr27ytC9u82o1MvK5L7WsOzA7aGjDQq72Li0taXOu6O6saa0qMrQ\r\n"
                      "vbvNqNTLyuS+1g0K\r\n";
    struct scn_mail_msg m;
    struct err e;
    err_init(&e);
    REQUIRE(scn_mail_msg_parse(raw, strlen(raw), &m, &e) == 0);
    CHECK_STR(m.from, "宝川市人民政府办公室 <xinxiang@baochuan.gov.test>");
    CHECK_STR(m.from_name, "宝川市人民政府办公室");
    CHECK_STR(m.to, "liming@example.test");
    CHECK_STR(m.subject, "关于您来信的答复");
    CHECK_STR(m.message_id, "<r1@baochuan.gov.test>");
    CHECK(m.has_date);
    struct civil_time t = {2026, 3, 3, 10, 15, 0};
    CHECK_INT(m.date_ms, clock_ms_from_beijing(&t));
    CHECK_STR(m.text, "您好！您反映的问题已转交市交通运输局办理。\n回复单位：宝川市交通运输局\n");
    scn_mail_msg_release(&m);
}

static void test_qp_multipart_alternative(void)
{
    const char *raw = "From: noreply@site.test\n"
                      "Subject: =?UTF-8?B?5L+h5Lu25Y+X55CG6YCa55+l?=\n"
                      "Date: 2 Mar 2026 01:30 GMT\n"
                      "Content-Type: multipart/alternative;\n"
                      "\tboundary=\"==b1==\"\n"
                      "\n"
                      "preamble\n"
                      "--==b1==\n"
                      "Content-Type: text/html; charset=utf-8\n"
                      "\n"
                      "<p>HTML&nbsp;wins? no</p>\n"
                      "--==b1==\n"
                      "Content-Type: text/plain; charset=utf-8\n"
                      "Content-Transfer-Encoding: quoted-printable\n"
                      "\n"
                      "=E6=9F=A5=E8=AF=A2=E7=A0=81=EF=BC=9A1234567890=EF=BC=8C=E8=AF=B7=E5=A6=A5=\n"
                      "=E5=96=84=E4=BF=9D=E7=AE=A1=E3=80=82\n"
                      "--==b1==--\n"
                      "epilogue\n";
    struct scn_mail_msg m;
    REQUIRE(scn_mail_msg_parse(raw, strlen(raw), &m, NULL) == 0);
    CHECK_STR(m.subject, "信件受理通知");
    CHECK_STR(m.text, "查询码：1234567890，请妥善保管。");
    CHECK(m.has_date);
    struct civil_time t = {2026, 3, 2, 9, 30, 0};
    CHECK_INT(m.date_ms, clock_ms_from_beijing(&t));
    scn_mail_msg_release(&m);
}

static void test_html_only_nested(void)
{
    /* mixed > alternative with only HTML, and an attachment that is not the text */
    const char *raw = "Subject: x\r\n"
                      "Content-Type: multipart/mixed; boundary=outer\r\n"
                      "\r\n"
                      "--outer\r\n"
                      "Content-Type: multipart/alternative; boundary=inner\r\n"
                      "\r\n"
                      "--inner\r\n"
                      "Content-Type: text/html; charset=gb2312\r\n"
                      "Content-Transfer-Encoding: base64\r\n"
                      "\r\n"
                      "PHN0eWxlPnB7fTwvc3R5bGU+PHRhYmxlPjx0cj48dGQ+suLK1DwvdGQ+PHRkPiZsdDtvayZndDs8L3RkPjwvdHI+PC90YWJsZT48YnI+JiMyMDMyMDsmI3g1OTdEOzxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD4=\r\n"
                      "--inner--\r\n"
                      "--outer\r\n"
                      "Content-Type: text/plain\r\n"
                      "Content-Disposition: attachment; filename=a.txt\r\n"
                      "\r\n"
                      "not the body\r\n"
                      "--outer--\r\n";
    struct scn_mail_msg m;
    REQUIRE(scn_mail_msg_parse(raw, strlen(raw), &m, NULL) == 0);
    CHECK_STR(m.text, "测试 <ok>\n你好");
    CHECK(!m.has_date);
    scn_mail_msg_release(&m);
}

static void test_malformed(void)
{
    struct scn_mail_msg m;
    struct err e;
    err_init(&e);
    CHECK_INT(scn_mail_msg_parse("\r\nno header", 11, &m, &e), ERR_INPUT);
    CHECK_STR(m.text, "");
    scn_mail_msg_release(&m);
    /* a boundary that never comes, invalid base64, a bad charset: read as far as it goes */
    const char *raw = "Subject: =?x-unknown?B?aGVsbG8=?=\nContent-Type: multipart/mixed; boundary=zz\n\nbody\n";
    REQUIRE(scn_mail_msg_parse(raw, strlen(raw), &m, NULL) == 0);
    CHECK_STR(m.subject, "hello");
    CHECK_STR(m.text, "");
    scn_mail_msg_release(&m);
}

static void test_dates(void)
{
    static const struct {
        const char *text;
        int ok;
        int y, mo, d, h, mi, s; /* Beijing */
    } rows[] = {
        {"Mon, 30 Nov 2026 10:00:00 +0800", 0, 2026, 11, 30, 10, 0, 0},
        {"30 Nov 2026 02:00:00 +0000", 0, 2026, 11, 30, 10, 0, 0},
        {"Sun, 31 Dec 2023 23:59:59 -0500", 0, 2024, 1, 1, 12, 59, 59},
        {"Thu, 1 Jan 26 00:00 UT", 0, 2026, 1, 1, 8, 0, 0},
        {"31 Feb 2026 00:00 +0800", -1, 0, 0, 0, 0, 0, 0},
        {"yesterday", -1, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        int64_t ms = 0;
        int rc = scn_mail_date_parse(rows[i].text, &ms);
        if (rc != rows[i].ok)
            fprintf(stderr, "  row %zu: '%s'\n", i, rows[i].text);
        CHECK_INT(rc, rows[i].ok);
        if (rc == 0 && rows[i].ok == 0) {
            struct civil_time t = {rows[i].y, rows[i].mo, rows[i].d, rows[i].h, rows[i].mi, rows[i].s};
            CHECK_INT(ms, clock_ms_from_beijing(&t));
        }
    }
    char day[12];
    struct civil_time t = {2026, 3, 2, 0, 30, 0}; /* Beijing; 1 March in UTC */
    scn_imap_date_format(clock_ms_from_beijing(&t), day);
    CHECK_STR(day, "2-Mar-2026");
}

static void test_config_file(void)
{
    char dir[] = "/tmp/huixin-mail-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char *path = xasprintf("%s/mail.conf", dir);
    const char *good = "# mailbox\n[imap]\nurl = imaps://127.0.0.1:993/INBOX\nuser = a@b.test\npassword = \"p w\"\n"
                       "ca_file = /x/ca.pem\n";
    struct err e;
    err_init(&e);
    REQUIRE(file_write_atomic(path, good, strlen(good), &e) == 0);
    chmod(path, 0644);
    struct scn_mail_config c;
    CHECK_INT(scn_mail_config_load(path, &c, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "chmod 600") != NULL);
    chmod(path, 0600);
    err_init(&e);
    REQUIRE(scn_mail_config_load(path, &c, &e) == 0);
    CHECK_STR(c.url, "imaps://127.0.0.1:993/INBOX");
    CHECK_STR(c.user, "a@b.test");
    CHECK_STR(c.password, "p w");
    CHECK_STR(c.ca_file, "/x/ca.pem");
    char *shown = scn_mail_config_describe(&c);
    CHECK(strstr(shown, "p w") == NULL);
    free(shown);
    scn_mail_config_release(&c);
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[imap]\nurl = https://x/\n", "must start with imaps://"},
        {"[imap]\nurl = imaps://x/\nuser = a\n", "both user and password"},
        {"[imap]\nurl = imaps://x/\nport = 1\n", ":3: unknown key 'port'"},
        {"[smtp]\n", ":1: unknown section [smtp]"},
        {"url = imaps://x/\n", "before [imap]"},
        {"# nothing\n", "no [imap] section"},
        {"[imap]\nurl = imaps://x/\nurl = imaps://y/\n", ":3: 'url' given twice in [imap]"},
        {"[imap]\nurl = imaps://x/\n[imap]\n", ":3: [imap] given twice"},
        {"[imap\n", ":1: expected a section like [imap]"},
        {"[imap]\nurl imaps://x/\n", ":2: expected 'key = value' or a [section]"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        REQUIRE(file_write_atomic(path, bad[i].text, strlen(bad[i].text), &e) == 0);
        chmod(path, 0600);
        err_init(&e);
        CHECK_INT(scn_mail_config_load(path, &c, &e), ERR_INPUT);
        if (!strstr(e.msg, bad[i].want))
            fprintf(stderr, "  row %zu: '%s' lacks '%s'\n", i, e.msg, bad[i].want);
        CHECK(strstr(e.msg, bad[i].want) != NULL);
    }
    unlink(path);
    rmdir(dir);
    free(path);
}

static void test_loopback(void)
{
    CHECK(scn_url_host_is_loopback("imap://127.0.0.1:143/INBOX"));
    CHECK(scn_url_host_is_loopback("imap://localhost/INBOX"));
    CHECK(scn_url_host_is_loopback("imap://[::1]:143/"));
    CHECK(!scn_url_host_is_loopback("imap://127.0.0.1.evil.test/"));
    CHECK(!scn_url_host_is_loopback("imap://mail.example.test/"));
}

static const struct test_case cases[] = {
    {"RFC 2047 words: GBK, gb2312 split, Q, plain", test_header_words},
    {"a GBK base64 reply with a folded From", test_gbk_base64_message},
    {"multipart/alternative: the quoted-printable plain part", test_qp_multipart_alternative},
    {"nested multipart with HTML only: its text; an attachment is not the body", test_html_only_nested},
    {"malformed messages are read as far as they go", test_malformed},
    {"dates: zones, two-digit years, bad days; IMAP's SINCE day", test_dates},
    {"the mail config file: mode, keys, errors", test_config_file},
    {"loopback hosts", test_loopback},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
