/* huixin report end to end: a small ledger on disk, the real binary writing HTML, CSV, JSON and a PDF
 * printed by a real headless Chromium; the PDF must be a PDF and pdftotext must find the Chinese
 * summary in it. Every run of the binary is bounded by timeout(1). Skips without Chromium or
 * pdftotext (poppler-utils). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "verify/ledger.h"
#include "tests/unit/runner.h"

static char dir[64];
static char *db_path, *ev_root, *out_dir;

static const unsigned char tiny_png[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x04\x00\x00\x00\x03\x08\x02"
    "\x00\x00\x00\x3b\x96\x39\x91\x00\x00\x00\x11\x49\x44\x41\x54\x78\xda\x63\x98\x73\xf8\x19\x1c\x31\xe0\xe4"
    "\x00\x00\x0f\xdf\x1b\x3d\xd9\xd7\xa7\x0c\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

#define EV1 "c/site-a/letter-1/001-check-20251013T100000Z"

static int64_t bj(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0)
        abort();
    return ms;
}

static void must(int rc)
{
    if (rc != 0)
        abort();
}

static const char *huixin_bin(void)
{
    const char *b = getenv("HUIXIN_BIN");
    return b && *b ? b : "./huixin";
}

static const char *chromium_path(void)
{
    const char *c = getenv("HUIXIN_CHROMIUM");
    if (c && *c)
        return c;
    return access("/usr/lib/chromium/chromium", X_OK) == 0 ? "/usr/lib/chromium/chromium" : NULL;
}

static void ledger_make(void)
{
    struct ledger *l = NULL;
    must(ledger_open(db_path, &l, NULL));
    struct ledger_campaign c = {.name = "2025年第四季度互动回应检查", .authorised_by = "示例市政务公开办",
                                .created_at_ms = bj("2025-10-01 09:00")};
    int64_t cid, sid, tid;
    must(ledger_campaign_ensure(l, &c, &cid, NULL));
    static const struct {
        const char *key, *name, *sent, *visit, *reply_day;
    } sites[] = {
        {"site-a", "示例市人民政府门户网站", "2025-10-13 10:00", "2025-10-13 18:00", "2025-10-13 16:00"},
        {"site-b", "示例市教育局网站", "2025-10-13 10:05", "2025-10-24 10:00", "2025-10-23"},
        {"site-c", "示例市民政局网站", "2025-10-13 10:10", "2025-10-21 10:00", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(sites); i++) {
        struct ledger_site s = {.campaign_id = cid, .key = (char *)sites[i].key, .name = (char *)sites[i].name,
                                .owner = "示例市人民政府", .mailbox = "市长信箱",
                                .entry_url = "https://www.example.gov.cn/mail", .deadline_workdays = 5};
        must(ledger_site_ensure(l, &s, &sid, NULL));
        struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = (char *)sites[i].key,
                                  .title = "关于居住证办理的咨询", .intent_at_ms = bj(sites[i].sent)};
        must(ledger_letter_add(l, &t, &tid, NULL));
        must(ledger_letter_mark_submitted(l, tid, bj(sites[i].sent), "1234567890", NULL, NULL, NULL, NULL));
        struct ledger_visit v = {.letter_id = tid, .at_ms = bj(sites[i].visit), .outcome = VISIT_FOUND,
                                 .is_entry_ok = true, .http_status = 200, .state_text = "已回复",
                                 .has_reply = sites[i].reply_day != NULL,
                                 .reply_date_ms = sites[i].reply_day ? bj(sites[i].reply_day) : 0,
                                 .reply_unit = "办公室", .reply_text = sites[i].reply_day ? "您好，已答复。" : NULL,
                                 .evidence_dir = i == 0 ? EV1 : NULL};
        must(ledger_visit_add(l, &v, NULL, NULL));
    }
    ledger_close(l);
    char *ev = xasprintf("%s/%s", ev_root, EV1);
    must(file_mkdir_p(ev, 0755, NULL));
    char *png = xasprintf("%s/page.png", ev);
    must(file_write_atomic(png, tiny_png, sizeof tiny_png - 1, NULL));
    free(png);
    free(ev);
}

/* Runs a shell command line; returns its exit status (or -1). */
static int run(const char *cmd)
{
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static int report_run(const char *format, const char *out, const char *extra)
{
    char *cmd = xasprintf("timeout -k 5 120 '%s' report --store '%s' --evidence '%s' --now '2025-10-31 12:00' "
                          "--format %s -o '%s' %s",
                          huixin_bin(), db_path, ev_root, format, out, extra ? extra : "");
    int rc = run(cmd);
    if (rc != 0)
        fprintf(stderr, "  '%s' exited %d\n", cmd, rc);
    free(cmd);
    return rc;
}

static char *slurp(const char *path)
{
    char *data = NULL;
    if (file_read_all(path, &data, NULL, NULL) != 0)
        return NULL;
    return data;
}

static void test_html_csv_json_files_link_the_evidence_from_their_folder(void)
{
    char *html = xasprintf("%s/report.html", out_dir);
    char *csv = xasprintf("%s/report.csv", out_dir);
    char *json = xasprintf("%s/report.json", out_dir);
    REQUIRE(report_run("html", html, NULL) == 0);
    REQUIRE(report_run("csv", csv, NULL) == 0);
    REQUIRE(report_run("json", json, "--lang en") == 0);
    char *h = slurp(html), *c = slurp(csv), *j = slurp(json);
    REQUIRE(h && c && j);
    /* out_dir is DIR/out/q4, the evidence DIR/ev: two folders up */
    CHECK(strstr(h, "<img class=\"thumb\" src=\"../../ev/" EV1 "/page.png\"") != NULL);
    CHECK(strstr(h, "共测试 3 个网站，1 个在 5 个工作日内回复，其中 1 个当日回复；1 个超期回复；1 个超期未回复。") != NULL);
    CHECK(memcmp(c, "\xEF\xBB\xBF", 3) == 0);
    CHECK(strstr(c, "超期3个工作日回复") != NULL);
    CHECK(strstr(j, "\"format\": \"huixin-report\"") != NULL);
    free(h);
    free(c);
    free(j);
    free(html);
    free(csv);
    free(json);
}

static void test_pdf_is_printed_by_chromium_with_the_chinese_text(void)
{
    if (!chromium_path())
        SKIP("no Chromium (set HUIXIN_CHROMIUM)");
    if (run("command -v pdftotext >/dev/null 2>&1") != 0)
        SKIP("no pdftotext (Debian package poppler-utils)");
    char *pdf = xasprintf("%s/report.pdf", out_dir);
    char *extra = xasprintf("--chromium '%s'", chromium_path());
    REQUIRE(report_run("pdf", pdf, extra) == 0);
    free(extra);
    char *data = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(pdf, &data, &len, NULL) == 0);
    CHECK(len > 1000);
    CHECK(len >= 5 && memcmp(data, "%PDF-", 5) == 0);
    free(data);
    char *txt = xasprintf("%s/report.txt", out_dir);
    char *cmd = xasprintf("timeout 60 pdftotext -enc UTF-8 '%s' '%s'", pdf, txt);
    REQUIRE(run(cmd) == 0);
    char *text = slurp(txt);
    REQUIRE(text != NULL);
    CHECK(strstr(text, "共测试") != NULL);
    CHECK(strstr(text, "示例市教育局网站") != NULL);
    CHECK(strstr(text, "超期回复") != NULL);
    free(text);
    free(cmd);
    free(txt);
    /* the temporary HTML beside the PDF is gone */
    cmd = xasprintf("ls -a '%s' | grep -q huixin-report", out_dir);
    CHECK(run(cmd) == 1);
    free(cmd);
    free(pdf);
}

static void test_bad_format_is_a_usage_error(void)
{
    char *cmd = xasprintf("'%s' report --store '%s' --format docx 2>/dev/null", huixin_bin(), db_path);
    CHECK_INT(run(cmd), 2);
    free(cmd);
    cmd = xasprintf("'%s' report --store '%s' --campaign 'no such' --format csv >/dev/null 2>&1", huixin_bin(), db_path);
    CHECK(run(cmd) != 0);
    free(cmd);
}

static const struct test_case cases[] = {
    {"html, csv and json files link the evidence from their folder",
     test_html_csv_json_files_link_the_evidence_from_their_folder},
    {"pdf is printed by chromium with the chinese text", test_pdf_is_printed_by_chromium_with_the_chinese_text},
    {"a bad format is a usage error", test_bad_format_is_a_usage_error},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-rptpdf-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    db_path = xasprintf("%s/huixin.db", dir);
    ev_root = xasprintf("%s/ev", dir);
    out_dir = xasprintf("%s/out/q4", dir);
    must(file_mkdir_p(out_dir, 0755, NULL));
    ledger_make();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    if (!getenv("HUIXIN_KEEP"))
        file_remove_tree(dir, NULL);
    else
        fprintf(stderr, "kept %s\n", dir);
    free(db_path);
    free(ev_root);
    free(out_dir);
    return rc;
}
