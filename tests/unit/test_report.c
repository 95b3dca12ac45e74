/* Reports: golden files of the HTML, CSV and JSON of a fixed ledger (one letter per verdict and per
 * flag, fixed times, fixed now), the escaping of hostile site text, CSV quoting and the formula guard,
 * the summary sentence and the relative evidence path.
 *
 * Goldens live in tests/golden/; HUIXIN_REGEN_GOLDEN=1 (tests/golden/regen.sh) rewrites them. Review
 * a regenerated golden like code. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "reports/escape.h"
#include "reports/report.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "verify/evidence_verified.h"
#include "tests/unit/runner.h"

static char dir[64];

static const unsigned char tiny_png[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x04\x00\x00\x00\x03\x08\x02"
    "\x00\x00\x00\x3b\x96\x39\x91\x00\x00\x00\x11\x49\x44\x41\x54\x78\xda\x63\x98\x73\xf8\x19\x1c\x31\xe0\xe4"
    "\x00\x00\x0f\xdf\x1b\x3d\xd9\xd7\xa7\x0c\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

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

static void file_put(const char *path, const void *data, size_t len)
{
    must(file_write_atomic(path, data, len, NULL));
}

/* ------------------------------------------------------------------------------------------------
 * The fixed ledger */

struct fx {
    struct ledger *l;
    int64_t campaign_id;
    int n_sites;
};

static int64_t fx_site(struct fx *f, const char *key, const char *name, const char *owner, const char *mailbox,
                       int deadline)
{
    char url[128];
    snprintf(url, sizeof url, "https://www.example.gov.cn/%s/mailwrite.do?sysid=%d", key, ++f->n_sites);
    struct ledger_site s = {.campaign_id = f->campaign_id, .key = (char *)key, .name = (char *)name,
                            .owner = (char *)owner, .mailbox = (char *)mailbox, .entry_url = url,
                            .family = "hanweb-jact", .deadline_workdays = deadline};
    int64_t id;
    must(ledger_site_ensure(f->l, &s, &id, NULL));
    return id;
}

static int64_t fx_letter(struct fx *f, int64_t site_id, const char *token, const char *sent)
{
    char title[64], code[32];
    snprintf(title, sizeof title, "关于办理居住证所需材料的咨询（%s）", token);
    struct ledger_letter t = {.site_id = site_id, .state = LETTER_INTENT, .token = (char *)token, .title = title,
                              .body = "您好，请问办理居住证需要准备哪些材料？谢谢。",
                              .intent_at_ms = bj(sent) - 60000};
    int64_t id;
    must(ledger_letter_add(f->l, &t, &id, NULL));
    snprintf(code, sizeof code, "25%08lld", (long long)id * 7919);
    must(ledger_letter_mark_submitted(f->l, id, bj(sent), code, NULL, NULL, NULL, NULL));
    return id;
}

struct fx_visit {
    const char *at;
    enum visit_outcome outcome;
    int http_status;
    const char *state_text;
    const char *reply_date; /* NULL: no date shown */
    const char *reply_unit;
    const char *reply_text; /* non-NULL: has_reply */
    const char *error;
    const char *evidence_dir;
};

static void fx_visit(struct fx *f, int64_t letter_id, const struct fx_visit *v)
{
    struct ledger_visit lv = {
        .letter_id = letter_id,
        .at_ms = bj(v->at),
        .outcome = v->outcome,
        .is_entry_ok = v->outcome != VISIT_FAILED,
        .http_status = v->http_status,
        .final_url = v->outcome == VISIT_FAILED ? NULL : "https://www.example.gov.cn/jact/front/mailpubdetail.do?transactId=1&a=b",
        .state_text = (char *)v->state_text,
        .has_reply = v->reply_text != NULL,
        .reply_date_ms = v->reply_date ? bj(v->reply_date) : 0,
        .reply_unit = (char *)v->reply_unit,
        .reply_text = (char *)v->reply_text,
        .error = (char *)v->error,
        .evidence_dir = (char *)v->evidence_dir,
        .manifest_sha256 = v->evidence_dir ? "3f5a0c1e9b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a" : NULL,
    };
    must(ledger_visit_add(f->l, &lv, NULL, NULL));
}

/* An evidence folder with a screenshot, its MHTML, a manifest and one step screenshot. */
static void fx_evidence(const char *root, const char *rel)
{
    char *path = xasprintf("%s/%s", root, rel);
    must(file_mkdir_p(path, 0755, NULL));
    char *file = xasprintf("%s/page.png", path);
    file_put(file, tiny_png, sizeof tiny_png - 1);
    free(file);
    file = xasprintf("%s/page.mhtml", path);
    file_put(file, "MIME-Version: 1.0\r\n", 19);
    free(file);
    file = xasprintf("%s/manifest.json", path);
    file_put(file, "{}\n", 3);
    free(file);
    file = xasprintf("%s/step-01-form.png", path);
    file_put(file, tiny_png, sizeof tiny_png - 1);
    free(file);
    file = xasprintf("%s/notes.bin", path); /* not evidence the report knows: not linked */
    file_put(file, "x", 1);
    free(file);
    free(path);
}

#define EV1 "q4/shi-zhengfu/letter-1/002-check-20251013T100000Z"
#define EV5 "q4/jiaoyu/letter-5/003-check-20251022T070000Z"

/* 12 letters: each verdict, and the flags beside them (backdated, veto, deleted after a reply,
 * reply date not shown). Times are Beijing time; 2025-10-13 is a Monday; 5 working days later is
 * 2025-10-20. */
static struct ledger *fixture(const char *name, char **evidence_root_out)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct fx f = {0};
    must(ledger_open(path, &f.l, NULL));
    free(path);
    struct ledger_campaign c = {.name = "2025年第四季度政府网站互动回应检查",
                                .authorised_by = "示例市政务服务数据管理局（示政数函〔2025〕12号）",
                                .created_at_ms = bj("2025-06-01 09:00"),
                                .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    must(ledger_campaign_ensure(f.l, &c, &f.campaign_id, NULL));
    char *root = xasprintf("%s/evidence", dir);

    /* 1. 当日回复, with evidence. */
    int64_t s = fx_site(&f, "shi-zhengfu", "示例市人民政府门户网站", "示例市人民政府办公室", "市长信箱", 5);
    int64_t t = fx_letter(&f, s, "HX1A2B", "2025-10-13 10:00");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-13 18:00", VISIT_FOUND, 200, "已回复", "2025-10-13 16:30",
                                       "示例市政务服务中心", "您好：\n办理居住证需携带身份证、居住证明。\n感谢您的来信。",
                                       NULL, EV1});
    fx_evidence(root, EV1);
    /* 2. 按期回复. */
    s = fx_site(&f, "fagai", "示例市发展和改革委员会网站", "示例市发展和改革委员会", "主任信箱", 5);
    t = fx_letter(&f, s, "HX2C3D", "2025-10-13 10:05");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-15 09:00", VISIT_FOUND, 200, "处理中", NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-17 09:00", VISIT_FOUND, 200, "已办结", "2025-10-16", "市发展改革委办公室",
                                       "已转相关处室办理。", NULL, NULL});
    /* 3. 超期回复 (3 working days late), a unit with markup in it. */
    s = fx_site(&f, "renshe", "示例市人力资源和社会保障局网站", "示例市人力资源和社会保障局", "局长信箱", 5);
    t = fx_letter(&f, s, "HX3E4F", "2025-10-13 10:10");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-21 10:00", VISIT_FOUND, 200, "处理中", NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-24 10:00", VISIT_FOUND, 200, "已回复", "2025-10-23 17:00",
                                       "<b>办公室</b> & \"信访科\"", "=HYPERLINK(\"http://x\") 已答复", NULL, NULL});
    /* 4. 超期未回复. */
    s = fx_site(&f, "zhujian", "示例市住房和城乡建设局网站", "示例市住房和城乡建设局", "局长信箱", 5);
    t = fx_letter(&f, s, "HX4G5H", "2025-10-13 10:15");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-21 10:00", VISIT_FOUND, 200, "待处理", NULL, NULL, NULL, NULL, NULL});
    /* 5. 信件被删除: seen, then absent twice with the site up, with evidence. */
    s = fx_site(&f, "jiaoyu", "示例市教育局网站", "示例市教育局", "网上信访", 5);
    t = fx_letter(&f, s, "HX5J6K", "2025-10-13 10:20");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-14 09:00", VISIT_FOUND, 200, "待审查", NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-22 09:00", VISIT_NOT_FOUND, 404, NULL, NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-22 15:00", VISIT_NOT_FOUND, 404, NULL, NULL, NULL, NULL, NULL, EV5});
    fx_evidence(root, EV5);
    /* 6. 提交失败. */
    s = fx_site(&f, "gongan", "示例市公安局网站", "示例市公安局", "局长信箱", 5);
    struct ledger_letter lt = {.site_id = s, .state = LETTER_INTENT, .token = "HX6L7M", .title = "关于户籍迁移的咨询",
                               .intent_at_ms = bj("2025-10-13 10:25")};
    must(ledger_letter_add(f.l, &lt, &t, NULL));
    must(ledger_letter_mark_failed(f.l, t, "验证码连续 3 次错误，网站拒绝提交", NULL));
    /* 7. 待回复: a 30-day deadline. */
    s = fx_site(&f, "shuiwu", "示例市税务局网站", "国家税务总局示例市税务局", "纳税咨询", 30);
    t = fx_letter(&f, s, "HX7N8P", "2025-10-27 09:30");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-28 09:00", VISIT_FOUND, 200, "待处理", NULL, NULL, NULL, NULL, NULL});
    /* 8. 无法核实: every visit failed. */
    s = fx_site(&f, "wenlv", "示例市文化和旅游局网站", "示例市文化和旅游局", "局长信箱", 5);
    t = fx_letter(&f, s, "HX8Q9R", "2025-10-13 10:35");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-21 10:00", VISIT_FAILED, 0, NULL, NULL, NULL, NULL,
                                       "net::ERR_TIMED_OUT after 30000 ms", NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-22 10:00", VISIT_FAILED, 502, NULL, NULL, NULL, NULL, "HTTP 502", NULL});
    /* 9. 超期未回复 and the national veto: sent in June, still unanswered in October. */
    s = fx_site(&f, "minzheng", "示例市民政局网站", "示例市民政局", "局长信箱", 5);
    t = fx_letter(&f, s, "HX9S0T", "2025-06-10 11:00");
    fx_visit(&f, t, &(struct fx_visit){"2025-06-20 10:00", VISIT_FOUND, 200, "待处理", NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-20 10:00", VISIT_FOUND, 200, "待处理", NULL, NULL, NULL, NULL, NULL});
    /* 10. 按期回复 but possibly backdated: no reply on 10-17, then a reply dated 10-15. */
    s = fx_site(&f, "weijian", "示例市卫生健康委员会网站", "示例市卫生健康委员会", "主任信箱", 5);
    t = fx_letter(&f, s, "HXAU1V", "2025-10-13 10:45");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-17 10:00", VISIT_FOUND, 200, "处理中", NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-20 10:00", VISIT_FOUND, 200, "已回复", "2025-10-15", "委办公室",
                                       "已答复。", NULL, NULL});
    /* 11. 按期回复, the site shows no reply date: only observed. */
    s = fx_site(&f, "ziran", "示例市自然资源局网站", "示例市自然资源局", "留言板", 5);
    t = fx_letter(&f, s, "HXBW2X", "2025-10-13 10:50");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-16 10:00", VISIT_FOUND, 200, NULL, NULL, "管理员", "管理员回复：已收到。", NULL,
                                       NULL});
    /* 12. 当日回复, then the letter was removed (a retention rule). */
    s = fx_site(&f, "jiaotong", "示例市交通运输局网站", "示例市交通运输局", "局长信箱", 5);
    t = fx_letter(&f, s, "HXCY3Z", "2025-10-13 11:00");
    fx_visit(&f, t, &(struct fx_visit){"2025-10-13 17:00", VISIT_FOUND, 200, "已回复", "2025-10-13 15:00", "局办公室",
                                       "已回复，谢谢。", NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-28 09:00", VISIT_NOT_FOUND, 302, NULL, NULL, NULL, NULL, NULL, NULL});
    fx_visit(&f, t, &(struct fx_visit){"2025-10-29 09:00", VISIT_NOT_FOUND, 302, NULL, NULL, NULL, NULL, NULL, NULL});
    *evidence_root_out = root;
    return f.l;
}

#define FIXED_NOW "2025-10-31 12:00"

/* Renders the fixed ledger in one format. */
static void render(const char *db, char fmt, enum rpt_lang lang, struct buf *out)
{
    char *root = NULL;
    struct ledger *l = fixture(db, &root);
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    must(assess_all(l, cal, 0, bj(FIXED_NOW), &all, &n, NULL));
    struct rpt_options o;
    rpt_options_init(&o);
    o.lang = lang;
    o.now_ms = bj(FIXED_NOW);
    o.version = "0.0.0-golden";
    o.evidence_root = root;
    o.evidence_href = "evidence";
    struct err e;
    err_init(&e);
    int rc = fmt == 'h' ? rpt_html_format(all, n, &o, out, &e)
             : fmt == 'c' ? rpt_csv_format(all, n, &o, out, &e)
                          : rpt_json_format(all, n, &o, out, &e);
    if (rc != 0) {
        fprintf(stderr, "render: %s\n", e.msg);
        abort();
    }
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
    free(root);
}

/* The golden folder: tests/golden beside this file's folder (the tests run from the repo root). */
static char *golden_path(const char *name)
{
    const char *env = getenv("HUIXIN_GOLDEN_DIR");
    if (env && *env)
        return xasprintf("%s/%s", env, name);
    return xasprintf("tests/golden/%s", name);
}

/* Compares with the golden byte for byte; on mismatch prints the first differing line. */
static void golden_check(const char *name, const struct buf *got)
{
    char *path = golden_path(name);
    const char *regen = getenv("HUIXIN_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0) {
        must(file_write_atomic(path, got->data ? got->data : "", got->len, NULL));
        fprintf(stderr, "  rewrote %s\n", path);
        free(path);
        return;
    }
    char *want = NULL;
    size_t want_len = 0;
    struct err e;
    err_init(&e);
    if (file_read_all(path, &want, &want_len, &e) != 0) {
        fprintf(stderr, "  %s: %s (run tests/golden/regen.sh)\n", path, e.msg);
        CHECK(!"golden file readable");
        free(path);
        return;
    }
    const char *g = got->data ? got->data : "";
    if (want_len != got->len || memcmp(want, g, want_len) != 0) {
        size_t line = 1, start = 0, i = 0;
        for (; i < want_len && i < got->len && want[i] == g[i]; i++) {
            if (want[i] == '\n') {
                line++;
                start = i + 1;
            }
        }
        size_t we = start, ge = start;
        while (we < want_len && want[we] != '\n')
            we++;
        while (ge < got->len && g[ge] != '\n')
            ge++;
        fprintf(stderr, "  %s differs at line %zu (byte %zu):\n    want: %.*s\n    got:  %.*s\n", path, line, i,
                (int)(we - start), want + start, (int)(ge - start), g + start);
        fprintf(stderr, "  if the change is intended: tests/golden/regen.sh, then review the diff\n");
        CHECK(!"output matches the golden file");
    }
    free(want);
    free(path);
}

static void test_html_matches_golden(void)
{
    struct buf b;
    buf_init(&b);
    render("h.db", 'h', RPT_LANG_ZH, &b);
    golden_check("report.html", &b);
    buf_release(&b);
}

static void test_english_html_matches_golden(void)
{
    struct buf b;
    buf_init(&b);
    render("he.db", 'h', RPT_LANG_EN, &b);
    golden_check("report.en.html", &b);
    buf_release(&b);
}

static void test_csv_matches_golden(void)
{
    struct buf b;
    buf_init(&b);
    render("c.db", 'c', RPT_LANG_ZH, &b);
    golden_check("report.csv", &b);
    buf_release(&b);
}

static void test_json_matches_golden(void)
{
    struct buf b;
    buf_init(&b);
    render("j.db", 'j', RPT_LANG_ZH, &b);
    golden_check("report.json", &b);
    buf_release(&b);
}

/* ------------------------------------------------------------------------------------------------
 * What the goldens hold, asserted apart so a careless regeneration cannot hide a regression */

static void test_fixture_has_every_verdict_and_the_sentence_counts_them(void)
{
    char *root = NULL;
    struct ledger *l = fixture("k.db", &root);
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    REQUIRE(assess_all(l, cal, 0, bj(FIXED_NOW), &all, &n, NULL) == 0);
    REQUIRE(n == 12);
    static const enum verdict_kind want[] = {VERDICT_SAME_DAY, VERDICT_ON_TIME, VERDICT_LATE,
                                             VERDICT_OVERDUE_UNANSWERED, VERDICT_DELETED, VERDICT_SUBMIT_FAILED,
                                             VERDICT_PENDING, VERDICT_UNVERIFIABLE, VERDICT_OVERDUE_UNANSWERED,
                                             VERDICT_ON_TIME, VERDICT_ON_TIME, VERDICT_SAME_DAY};
    for (size_t i = 0; i < n; i++) {
        if (all[i].verdict.kind != want[i])
            fprintf(stderr, "  letter %zu: %s (%s)\n", i + 1, verdict_kind_name_en(all[i].verdict.kind),
                    all[i].verdict.reason_en);
        CHECK_INT(all[i].verdict.kind, want[i]);
    }
    CHECK(all[8].verdict.veto_alarm);
    CHECK(all[9].verdict.is_possibly_backdated);
    CHECK_INT(all[10].verdict.reply_source, VERDICT_REPLY_OBSERVED);
    CHECK(all[11].verdict.is_deleted);

    struct rpt_summary s;
    rpt_summary_compute(all, n, &s);
    CHECK_INT(s.n_sites, 12);
    CHECK_INT(s.n_in_time, 5);
    CHECK_INT(s.deadline_workdays, 0); /* one site has 30 days */
    struct buf b;
    buf_init(&b);
    rpt_summary_sentence(&s, RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "共测试 12 个网站，5 个在规定时限内回复，其中 2 个当日回复；1 个超期回复；2 个超期未回复；"
                           "1 个信件被删除；1 个回复后信件被删除；1 个提交失败；1 个尚在办理时限内（待回复）；1 个无法核实；"
                           "1 个疑似倒签回复日期；1 个留言超过 3 个月未回复（单项否决）。");
    buf_reset(&b);
    rpt_problems_format(&all[2], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "超期3个工作日回复");
    buf_reset(&b);
    rpt_problems_format(&all[3], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "超过5个工作日未回复");
    buf_reset(&b);
    rpt_problems_format(&all[4], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "测试信件被删除");
    buf_reset(&b);
    rpt_problems_format(&all[8], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "超过5个工作日未回复；留言超过3个月未回复（单项否决）");
    buf_reset(&b);
    rpt_problems_format(&all[9], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "疑似倒签回复日期");
    buf_reset(&b);
    rpt_reply_cell_format(&all[10], RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "不晚于 2025-10-16");
    buf_release(&b);
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
    free(root);
}

static void test_same_deadline_everywhere_names_it(void)
{
    struct rpt_summary s = {.n_letters = 3, .n_sites = 3, .n_in_time = 2, .deadline_workdays = 5};
    s.n_by_kind[VERDICT_SAME_DAY] = 1;
    s.n_by_kind[VERDICT_ON_TIME] = 1;
    s.n_by_kind[VERDICT_DELETED] = 1;
    struct buf b;
    buf_init(&b);
    rpt_summary_sentence(&s, RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "共测试 3 个网站，2 个在 5 个工作日内回复，其中 1 个当日回复；1 个信件被删除。");
    buf_reset(&b);
    rpt_summary_sentence(&s, RPT_LANG_EN, &b);
    CHECK_STR(buf_str(&b), "3 sites tested: 2 answered within 5 working days, 1 of them the same day; 1 letter deleted.");
    buf_release(&b);
}

/* One letter of the in-memory assessments below: its site and its verdict. */
struct sl {
    int64_t site_id;
    enum verdict_kind kind;
    bool is_backdated, is_veto, is_deleted_after_reply;
};

static struct assessment *assessments_of(const struct sl *rows, size_t n)
{
    struct assessment *a = xcalloc(n, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        a[i].site.id = rows[i].site_id;
        a[i].letter.id = (int64_t)i + 1;
        verdict_rules_init(&a[i].rules);
        a[i].verdict.kind = rows[i].kind;
        a[i].verdict.is_possibly_backdated = rows[i].is_backdated;
        a[i].verdict.veto_alarm = rows[i].is_veto;
        a[i].verdict.is_deleted = rows[i].is_deleted_after_reply;
        a[i].verdict.has_reply = rows[i].is_deleted_after_reply;
    }
    return a;
}

/* Four letters to one site are one site: the sentence counts sites, each by its worst letter. */
static void test_the_sentence_counts_sites_by_their_worst_letter(void)
{
    static const struct sl rows[] = {
        /* site 1: late */
        {1, VERDICT_SAME_DAY, false, false, false},
        {1, VERDICT_PENDING, false, false, false},
        {1, VERDICT_LATE, false, false, false},
        {1, VERDICT_ON_TIME, false, false, false},
        /* site 2: on time */
        {2, VERDICT_ON_TIME, false, false, false},
        {2, VERDICT_SAME_DAY, false, false, false},
        /* site 3: same day, one reply date possibly backdated */
        {3, VERDICT_SAME_DAY, false, false, false},
        {3, VERDICT_SAME_DAY, true, false, false},
        /* site 4: could not be submitted */
        {4, VERDICT_UNVERIFIABLE, false, false, false},
        {4, VERDICT_SUBMIT_FAILED, false, false, false},
        {4, VERDICT_PENDING, false, false, false},
        /* site 5: deleted, and the veto on its other letter */
        {5, VERDICT_DELETED, false, false, false},
        {5, VERDICT_OVERDUE_UNANSWERED, false, true, false},
        /* site 6: same day, one letter deleted after its reply */
        {6, VERDICT_SAME_DAY, false, false, true},
        {6, VERDICT_SAME_DAY, false, false, false},
    };
    struct assessment *a = assessments_of(rows, ARRAY_LEN(rows));
    struct rpt_summary s;
    rpt_summary_compute(a, ARRAY_LEN(rows), &s);
    CHECK_INT(s.n_letters, 15);
    CHECK_INT(s.n_sites, 6);
    CHECK_INT(s.n_in_time, 3);
    CHECK_INT(s.n_by_kind[VERDICT_SAME_DAY], 2);
    CHECK_INT(s.n_by_kind[VERDICT_ON_TIME], 1);
    CHECK_INT(s.n_by_kind[VERDICT_LATE], 1);
    CHECK_INT(s.n_by_kind[VERDICT_SUBMIT_FAILED], 1);
    CHECK_INT(s.n_by_kind[VERDICT_DELETED], 1);
    CHECK_INT(s.n_by_kind[VERDICT_PENDING], 0);
    CHECK_INT(s.n_by_kind[VERDICT_UNVERIFIABLE], 0);
    CHECK_INT(s.n_by_kind[VERDICT_OVERDUE_UNANSWERED], 0);
    CHECK_INT(s.n_backdated, 1);
    CHECK_INT(s.n_veto, 1);
    CHECK_INT(s.n_deleted_after_reply, 1);
    struct buf b;
    buf_init(&b);
    rpt_summary_sentence(&s, RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "共测试 6 个网站（15 封测试信件），3 个在 5 个工作日内回复，其中 2 个当日回复；1 个超期回复；"
                           "1 个信件被删除；1 个回复后信件被删除；1 个提交失败；1 个疑似倒签回复日期；"
                           "1 个留言超过 3 个月未回复（单项否决）。");
    buf_release(&b);
    free(a);

    /* the ad hoc case of the issue: four letters to one site */
    static const struct sl four[] = {{7, VERDICT_SAME_DAY, false, false, false},
                                     {7, VERDICT_SAME_DAY, false, false, false},
                                     {7, VERDICT_SAME_DAY, false, false, false},
                                     {7, VERDICT_ON_TIME, false, false, false}};
    a = assessments_of(four, ARRAY_LEN(four));
    rpt_summary_compute(a, ARRAY_LEN(four), &s);
    buf_init(&b);
    rpt_summary_sentence(&s, RPT_LANG_ZH, &b);
    CHECK_STR(buf_str(&b), "共测试 1 个网站（4 封测试信件），1 个在 5 个工作日内回复，其中 0 个当日回复。");
    buf_reset(&b);
    rpt_summary_sentence(&s, RPT_LANG_EN, &b);
    CHECK_STR(buf_str(&b), "1 site tested (4 test letters): 1 answered within 5 working days, 0 of them the same day.");
    buf_release(&b);
    free(a);
}

/* The order that makes one letter's verdict worse than another's, for a site of several letters. */
static void test_a_sites_verdict_is_its_worst_letters(void)
{
    static const enum verdict_kind worst_first[] = {
        VERDICT_DELETED, VERDICT_OVERDUE_UNANSWERED, VERDICT_LATE,    VERDICT_SUBMIT_FAILED,
        VERDICT_UNVERIFIABLE, VERDICT_PENDING,       VERDICT_ON_TIME, VERDICT_SAME_DAY,
    };
    REQUIRE(ARRAY_LEN(worst_first) == VERDICT_KIND_COUNT);
    for (size_t i = 0; i < ARRAY_LEN(worst_first); i++) {
        for (size_t j = 0; j < ARRAY_LEN(worst_first); j++) {
            struct sl two[] = {{1, worst_first[i], false, false, false}, {1, worst_first[j], false, false, false}};
            size_t counted = 0;
            struct assessment *a = assessments_of(two, 2);
            struct rpt_summary s;
            rpt_summary_compute(a, 2, &s);
            enum verdict_kind want = worst_first[i < j ? i : j];
            if (s.n_by_kind[want] != 1)
                fprintf(stderr, "  %s and %s: expected %s\n", verdict_kind_name_en(worst_first[i]),
                        verdict_kind_name_en(worst_first[j]), verdict_kind_name_en(want));
            for (int k = 0; k < VERDICT_KIND_COUNT; k++)
                counted += s.n_by_kind[k];
            CHECK_INT(s.n_sites, 1);
            CHECK_INT(counted, 1);
            CHECK_INT(s.n_by_kind[want], 1);
            free(a);
        }
    }
}

static void test_html_links_only_evidence_that_exists(void)
{
    struct buf b;
    buf_init(&b);
    render("ev.db", 'h', RPT_LANG_ZH, &b);
    const char *h = buf_str(&b);
    CHECK(strstr(h, "href=\"evidence/" EV1 "/page.png\"><img class=\"thumb\" src=\"evidence/" EV1 "/page.png\"") != NULL);
    CHECK(strstr(h, "href=\"evidence/" EV1 "/page.mhtml\"") != NULL);
    CHECK(strstr(h, "href=\"evidence/" EV1 "/step-01-form.png\"") != NULL);
    CHECK(strstr(h, "href=\"evidence/" EV5 "/page.png\"") != NULL);
    CHECK(strstr(h, "page.txt") == NULL); /* not written by the fixture */
    CHECK(strstr(h, "notes.bin") == NULL);
    buf_release(&b);
}

/* ------------------------------------------------------------------------------------------------
 * Hostile text */

static const char hostile[] = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>'"
                              "\xE2\x80\xAE" "txt.exe\x01\x1b[31mred\x7f\xC2\x9B"
                              "\xFF\xC3(\xED\xA0\x80\xF0\x9F\x98\x80"
                              "\xE2\x81\xA6" "iso\xE2\x80\x8F";

static bool utf8_is_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + k > n)
            return false;
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

/* No byte sequence of a bidi control, no C0 control but tab/LF/CR, no C1 control. */
static void check_no_hidden_controls(const char *s, size_t n)
{
    CHECK(utf8_is_valid(s, n));
    CHECK(memmem(s, n, "\xE2\x80\xAE", 3) == NULL);
    CHECK(memmem(s, n, "\xE2\x81\xA6", 3) == NULL);
    CHECK(memmem(s, n, "\xE2\x80\x8F", 3) == NULL);
    CHECK(memmem(s, n, "\xC2\x9B", 2) == NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            fprintf(stderr, "  control byte 0x%02X at %zu\n", c, i);
            CHECK(!"no control bytes");
            break;
        }
    }
}

/* The fixture with every site-given string replaced by the hostile one. */
static void render_hostile(char fmt, struct buf *out)
{
    char *path = xasprintf("%s/hostile-%c.db", dir, fmt);
    struct ledger *l = NULL;
    must(ledger_open(path, &l, NULL));
    free(path);
    struct ledger_campaign c = {.name = (char *)hostile, .authorised_by = (char *)hostile, .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    int64_t cid, sid, tid;
    must(ledger_campaign_ensure(l, &c, &cid, NULL));
    struct ledger_site s = {.campaign_id = cid, .key = "k", .name = (char *)hostile, .owner = (char *)hostile,
                            .mailbox = (char *)hostile, .entry_url = "javascript:alert(1)", .deadline_workdays = 5};
    must(ledger_site_ensure(l, &s, &sid, NULL));
    struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = (char *)hostile,
                              .title = (char *)hostile, .body = (char *)hostile, .intent_at_ms = 1};
    must(ledger_letter_add(l, &t, &tid, NULL));
    must(ledger_letter_mark_submitted(l, tid, bj("2025-10-13 10:00"), hostile, hostile, hostile, NULL, NULL));
    struct ledger_visit v = {.letter_id = tid, .at_ms = bj("2025-10-14 10:00"), .outcome = VISIT_FOUND,
                             .is_entry_ok = true, .http_status = 200, .final_url = "java\tscript:alert(1)",
                             .state_text = (char *)hostile, .has_reply = true,
                             .reply_date_ms = bj("2025-10-14 09:00"), .reply_unit = (char *)hostile,
                             .reply_text = (char *)hostile, .evidence_dir = "../../etc"};
    must(ledger_visit_add(l, &v, NULL, NULL));
    struct ledger_letter t2 = {.site_id = sid, .state = LETTER_INTENT, .token = "x", .intent_at_ms = 1};
    must(ledger_letter_add(l, &t2, &tid, NULL));
    must(ledger_letter_mark_failed(l, tid, hostile, NULL));
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    must(assess_all(l, cal, 0, bj("2025-10-31 12:00"), &all, &n, NULL));
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = bj("2025-10-31 12:00");
    o.version = hostile;
    o.evidence_root = "/";
    o.evidence_href = "evidence";
    if (fmt == 'h')
        must(rpt_html_format(all, n, &o, out, NULL));
    else if (fmt == 'c')
        must(rpt_csv_format(all, n, &o, out, NULL));
    else
        must(rpt_json_format(all, n, &o, out, NULL));
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
}

/* A visit whose page went on without other hosts' resources says so in its row, and nothing else changes:
 * it is a found visit like any other (issue 16). */
static void test_html_says_other_hosts_resources_did_not_load(void)
{
    char *path = xasprintf("%s/unloaded.db", dir);
    struct ledger *l = NULL;
    must(ledger_open(path, &l, NULL));
    free(path);
    struct ledger_campaign c = {.name = "c", .authorised_by = "a", .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    int64_t cid, sid, tid;
    must(ledger_campaign_ensure(l, &c, &cid, NULL));
    struct ledger_site s = {.campaign_id = cid, .key = "k", .name = "梧川区", .deadline_workdays = 5};
    must(ledger_site_ensure(l, &s, &sid, NULL));
    struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = "T1", .intent_at_ms = 1};
    must(ledger_letter_add(l, &t, &tid, NULL));
    must(ledger_letter_mark_submitted(l, tid, bj("2025-10-13 10:00"), "q", "n", NULL, NULL, NULL));
    struct ledger_visit v = {.letter_id = tid, .at_ms = bj("2025-10-14 10:00"), .outcome = VISIT_FOUND,
                             .is_entry_ok = true, .http_status = 200, .n_unloaded = 2};
    must(ledger_visit_add(l, &v, NULL, NULL));
    struct ledger_visit *got = NULL;
    size_t n_got = 0;
    must(ledger_visit_list(l, tid, &got, &n_got, NULL));
    REQUIRE(n_got == 1);
    CHECK_INT(got[0].n_unloaded, 2);
    ledger_visits_free(got, n_got);
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    must(assess_all(l, cal, 0, bj("2025-10-15 12:00"), &all, &n, NULL));
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = bj("2025-10-15 12:00");
    struct buf b;
    buf_init(&b);
    must(rpt_html_format(all, n, &o, &b, NULL));
    CHECK(strstr(buf_str(&b), "页面部分资源未加载（2）") != NULL);
    buf_release(&b);
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
}

/* A visit whose site's certificate did not verify says so in its row: the error in Chinese, the
 * certificate's subject escaped (the site's words), and what the visit did (issue 17, gate 6). */
static void test_html_shows_certificate_errors(void)
{
    char *path = xasprintf("%s/tls.db", dir);
    struct ledger *l = NULL;
    must(ledger_open(path, &l, NULL));
    free(path);
    struct ledger_campaign c = {.name = "c", .authorised_by = "a", .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    int64_t cid, sid, tid;
    must(ledger_campaign_ensure(l, &c, &cid, NULL));
    struct ledger_site s = {.campaign_id = cid, .key = "k", .name = "梧川区", .deadline_workdays = 5};
    must(ledger_site_ensure(l, &s, &sid, NULL));
    struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = "T1", .intent_at_ms = 1};
    must(ledger_letter_add(l, &t, &tid, NULL));
    must(ledger_letter_mark_submitted(l, tid, bj("2025-10-13 10:00"), "q", "n", NULL, NULL, NULL));
    struct ledger_visit failed = {.letter_id = tid, .at_ms = bj("2025-10-14 09:00"), .outcome = VISIT_FAILED,
                                  .error = "net::ERR_CERT_DATE_INVALID", .tls_error = "certificate has expired",
                                  .tls_subject = "CN=<script>alert(1)</script>"};
    struct ledger_visit went_on = {.letter_id = tid, .at_ms = bj("2025-10-14 10:00"), .outcome = VISIT_FOUND,
                                   .is_entry_ok = true, .http_status = 200, .tls_error = "some new error",
                                   .tls_subject = "O=A&B", .is_tls_accepted = true};
    must(ledger_visit_add(l, &failed, NULL, NULL));
    must(ledger_visit_add(l, &went_on, NULL, NULL));
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    must(assess_all(l, cal, 0, bj("2025-10-15 12:00"), &all, &n, NULL));
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = bj("2025-10-15 12:00");
    struct buf b;
    buf_init(&b);
    must(rpt_html_format(all, n, &o, &b, NULL));
    const char *h = buf_str(&b);
    CHECK(strstr(h, "证书错误：证书已过期（证书主体 CN=&lt;script&gt;alert(1)&lt;/script&gt;）（访问失败）") != NULL);
    CHECK(strstr(h, "证书错误：some new error（证书主体 O=A&amp;B）（已按设置继续）") != NULL);
    CHECK(strstr(h, "<script>") == NULL);
    buf_release(&b);
    buf_init(&b);
    o.lang = RPT_LANG_EN;
    must(rpt_html_format(all, n, &o, &b, NULL));
    CHECK(strstr(buf_str(&b), "certificate error: certificate has expired (subject CN=&lt;script&gt;") != NULL);
    buf_release(&b);
    buf_init(&b);
    must(rpt_json_format(all, n, &o, &b, NULL));
    json_t *root = json_loads(buf_str(&b), 0, NULL);
    REQUIRE(root != NULL);
    json_t *vs = json_object_get(json_array_get(json_object_get(root, "letters"), 0), "visits");
    REQUIRE(json_array_size(vs) == 2);
    json_t *t0 = json_object_get(json_array_get(vs, 0), "tls"), *t1 = json_object_get(json_array_get(vs, 1), "tls");
    CHECK_STR(json_string_value(json_object_get(t0, "error")), "certificate has expired");
    CHECK_STR(json_string_value(json_object_get(t0, "subject")), "CN=<script>alert(1)</script>");
    CHECK(json_is_false(json_object_get(t0, "accepted")) && json_is_true(json_object_get(t1, "accepted")));
    json_decref(root);
    buf_release(&b);
    assessments_free(all, n);
    cal_free(cal);
    ledger_close(l);
}

static void test_html_escapes_everything_a_site_gave(void)
{
    struct buf b;
    buf_init(&b);
    render_hostile('h', &b);
    const char *h = buf_str(&b);
    CHECK(strstr(h, "<script") == NULL);
    CHECK(strstr(h, "<img src=x") == NULL);
    CHECK(strstr(h, "javascript:") == NULL || strstr(h, "href=\"javascript") == NULL);
    CHECK(strstr(h, "href=\"java") == NULL);
    CHECK(strstr(h, "../../etc") == NULL || strstr(h, "href=\"evidence/../") == NULL);
    CHECK(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;") != NULL);
    CHECK(strstr(h, "\\u{202E}txt.exe\\u{01}\\u{1B}[31mred\\u{7F}\\u{9B}\xEF\xBF\xBD\xEF\xBF\xBD(") != NULL);
    check_no_hidden_controls(h, b.len);
    /* Outside quoted attribute values, no tag holds an event handler or a script; so whatever a site
     * gave stayed text. */
    size_t n_tags = 0;
    for (const char *p = strchr(h, '<'); p; p = strchr(p, '<')) {
        struct buf bare;
        buf_init(&bare);
        char quote = 0;
        for (p++; *p && (quote || *p != '>'); p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else {
                buf_append_char(&bare, *p);
            }
        }
        REQUIRE(*p == '>');
        n_tags++;
        if (strstr(buf_str(&bare), "onerror") || strstr(buf_str(&bare), "script") || strstr(buf_str(&bare), "img src=x"))
            fprintf(stderr, "  tag with markup from a site: <%s>\n", buf_str(&bare));
        CHECK(strstr(buf_str(&bare), "onerror") == NULL);
        CHECK(strstr(buf_str(&bare), "script") == NULL);
        CHECK(strstr(buf_str(&bare), "img src=x") == NULL);
        buf_release(&bare);
    }
    CHECK(n_tags > 50);
    buf_release(&b);
}

static void test_csv_and_json_of_hostile_text_are_clean(void)
{
    struct buf b;
    buf_init(&b);
    render_hostile('c', &b);
    check_no_hidden_controls(b.data + 3, b.len - 3);
    buf_reset(&b);
    render_hostile('j', &b);
    CHECK(utf8_is_valid(b.data, b.len));
    /* JSON keeps the text as captured: the controls are escaped by the JSON syntax, not removed. */
    CHECK(strstr(buf_str(&b), "\\u001B[31mred") != NULL);
    buf_release(&b);
}

/* ------------------------------------------------------------------------------------------------
 * The pieces */

static void test_csv_quotes_and_guards_formulas(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"crlf\r\nend", "\"crlf\nend\""},
        {"=1+1", "'=1+1"},
        {"+86 123", "'+86 123"},
        {"-2", "'-2"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"\tTAB", "'\tTAB"},
        {"中文，全角逗号", "中文，全角逗号"},
        {"a=b", "a=b"},
        {"\xE2\x80\xAE=x", "\\u{202E}=x"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct buf b;
        buf_init(&b);
        rpt_csv_field(&b, cases[i].in);
        CHECK_STR(buf_str(&b), cases[i].want);
        buf_release(&b);
    }
}

static void test_csv_has_bom_crlf_and_the_notice_columns(void)
{
    struct buf b;
    buf_init(&b);
    render("csv2.db", 'c', RPT_LANG_ZH, &b);
    REQUIRE(b.len > 3);
    CHECK(memcmp(b.data, "\xEF\xBB\xBF", 3) == 0);
    CHECK(strncmp(b.data + 3, "序号,网站名称,开设主体,信箱名称,发信时间,回复时间,用时（工作日）,检查结果,存在问题\r\n",
                  strlen("序号,网站名称,开设主体,信箱名称,发信时间,回复时间,用时（工作日）,检查结果,存在问题\r\n")) == 0);
    /* every LF ends a CRLF record or sits inside a quoted field; 13 records */
    size_t records = 0;
    bool quoted = false;
    for (size_t i = 3; i < b.len; i++) {
        if (b.data[i] == '"')
            quoted = !quoted;
        if (b.data[i] == '\n' && !quoted) {
            CHECK(i > 0 && b.data[i - 1] == '\r');
            records++;
        }
    }
    CHECK_INT(records, 13);
    CHECK(strstr(b.data, "3,示例市人力资源和社会保障局网站,示例市人力资源和社会保障局,局长信箱,2025-10-13 10:10,2025-10-23,8,超期回复,超期3个工作日回复\r\n") != NULL);
    buf_release(&b);
}

static void test_html_escape_and_clean(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f"},
        {"中文\n第二行\ttab", "中文\n第二行\ttab"},
        {"\x01\x1b\x7f", "\\u{01}\\u{1B}\\u{7F}"},
        {"\xC2\x85", "\\u{85}"},
        {"\xE2\x80\xAA\xE2\x80\xAE\xE2\x81\xA9\xE2\x80\x8E\xD8\x9C\xEF\xBB\xBF",
         "\\u{202A}\\u{202E}\\u{2069}\\u{200E}\\u{61C}\\u{FEFF}"},
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},             /* overlong '/' */
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* a surrogate */
        {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE4\xB8", "\xEF\xBF\xBD\xEF\xBF\xBD"}, /* cut short at the end */
        {"\xF0\x9F\x98\x80 ok", "\xF0\x9F\x98\x80 ok"},
        {"lone\rcr", "lone\\u{0D}cr"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct buf b;
        buf_init(&b);
        rpt_html_escape(&b, cases[i].in);
        CHECK_STR(buf_str(&b), cases[i].want);
        buf_release(&b);
    }
}

static void test_only_http_https_and_relative_urls_are_links(void)
{
    CHECK(rpt_url_is_linkable("https://www.gov.cn/a?b=c"));
    CHECK(rpt_url_is_linkable("HTTP://www.gov.cn/"));
    CHECK(rpt_url_is_linkable("evidence/a/page.png"));
    CHECK(rpt_url_is_linkable("../evidence/a%20b/page.png"));
    CHECK(rpt_url_is_linkable("page.png?x=1:2"));
    CHECK(!rpt_url_is_linkable("javascript:alert(1)"));
    CHECK(!rpt_url_is_linkable("JavaScript:alert(1)"));
    CHECK(!rpt_url_is_linkable("java\tscript:alert(1)"));
    CHECK(!rpt_url_is_linkable(" javascript:alert(1)"));
    CHECK(!rpt_url_is_linkable("data:text/html,<script>"));
    CHECK(!rpt_url_is_linkable("vbscript:x"));
    CHECK(!rpt_url_is_linkable("file:///etc/passwd"));
    CHECK(!rpt_url_is_linkable("//evil.example/x"));
    CHECK(!rpt_url_is_linkable("http:\\\\evil"));
    CHECK(!rpt_url_is_linkable(""));
    CHECK(!rpt_url_is_linkable(NULL));
}

static void test_relative_path_from_the_report_to_the_evidence(void)
{
    static const struct {
        const char *from, *to, *want;
    } cases[] = {
        {".", "evidence", "evidence"},
        {"out", "evidence", "../evidence"},
        {"out/q4", "evidence", "../../evidence"},
        {"out", "out/evidence", "evidence"},
        {"/tmp/x/reports", "/tmp/x/ev", "../ev"},
        {"/tmp/x", "/tmp/x", "."},
        {"/tmp/x/a/./b/..", "/tmp/x/ev/", "../ev"},
        {"/tmp/xy", "/tmp/x/ev", "../x/ev"},
        {"/", "/srv/ev", "srv/ev"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = rpt_path_relative(cases[i].from, cases[i].to);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
}

/* Issue 12, item 7: the report says when the evidence was last verified, and how it went. */
static void test_report_says_when_evidence_was_verified(void)
{
    char root[] = "/tmp/huixin-verified-XXXXXX";
    REQUIRE(mkdtemp(root) != NULL);
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = bj(FIXED_NOW);
    o.evidence_root = root;
    struct buf out;
    buf_init(&out);
    must(rpt_html_format(NULL, 0, &o, &out, NULL));
    CHECK(strstr(buf_str(&out), "尚未核验") != NULL);
    buf_release(&out);
    struct evidence_verified v = {bj("2026-03-10 12:00"), 14, 0, true, false};
    must(evidence_verified_save(root, &v, NULL));
    buf_init(&out);
    must(rpt_html_format(NULL, 0, &o, &out, NULL));
    CHECK(strstr(buf_str(&out), "2026-03-10 12:00") != NULL);
    CHECK(strstr(buf_str(&out), "核验 14 次访问的证据，全部完好，已与台账比对") != NULL);
    buf_release(&out);
    v.failures = 2;
    must(evidence_verified_save(root, &v, NULL));
    buf_init(&out);
    must(rpt_html_format(NULL, 0, &o, &out, NULL));
    CHECK(strstr(buf_str(&out), "发现 2 处问题") != NULL);
    buf_release(&out);
    struct evidence_verified back;
    must(evidence_verified_load(root, &back, NULL));
    CHECK_INT(back.visits, 14);
    CHECK_INT(back.failures, 2);
    CHECK(back.with_ledger && !back.with_signatures);
    file_remove_tree(root, NULL);
}

static const struct test_case cases[] = {
    {"html matches the golden", test_html_matches_golden},
    {"english html matches the golden", test_english_html_matches_golden},
    {"csv matches the golden", test_csv_matches_golden},
    {"json matches the golden", test_json_matches_golden},
    {"the fixture has every verdict and the sentence counts them",
     test_fixture_has_every_verdict_and_the_sentence_counts_them},
    {"one deadline everywhere is named in the sentence", test_same_deadline_everywhere_names_it},
    {"the sentence counts sites by their worst letter", test_the_sentence_counts_sites_by_their_worst_letter},
    {"a site's verdict is its worst letter's", test_a_sites_verdict_is_its_worst_letters},
    {"html links only evidence that exists", test_html_links_only_evidence_that_exists},
    {"html escapes everything a site gave", test_html_escapes_everything_a_site_gave},
    {"html says other hosts' resources did not load", test_html_says_other_hosts_resources_did_not_load},
    {"html shows a certificate error, its subject escaped, and what the visit did", test_html_shows_certificate_errors},
    {"csv and json of hostile text are clean", test_csv_and_json_of_hostile_text_are_clean},
    {"csv quotes and guards formulas", test_csv_quotes_and_guards_formulas},
    {"csv has a BOM, CRLF and the notice's columns", test_csv_has_bom_crlf_and_the_notice_columns},
    {"html escape and clean", test_html_escape_and_clean},
    {"only http, https and relative urls are links", test_only_http_https_and_relative_urls_are_links},
    {"relative path from the report to the evidence", test_relative_path_from_the_report_to_the_evidence},
    {"the report says when the evidence was verified", test_report_says_when_evidence_was_verified},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-report-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(dir, NULL);
    return rc;
}
