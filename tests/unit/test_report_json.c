/* The JSON report is streamed (reports/json.c writes json_dumps's layout itself, letter by letter).
 * These cases hold the plain way of making the same document, a jansson tree of the whole dumped with
 * JSON_SORT_KEYS | JSON_INDENT(2), and ask for the same bytes: on a ledger where every text field
 * holds hostile text (quotes, backslashes, every C0 control, DEL, U+2028, bidi controls, invalid
 * UTF-8, emoji, long Chinese text), with evidence files whose names are hostile too, and on an empty
 * ledger. The streamed document must also parse (strictly) and give the text back as captured. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "reports/escape.h"
#include "reports/report.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "tests/unit/runner.h"

static char dir[64];

static void must(int rc)
{
    if (rc != 0)
        abort();
}

static int64_t bj(const char *s)
{
    int64_t ms = 0;
    if (clock_beijing_parse(s, &ms) != 0)
        abort();
    return ms;
}

/* ------------------------------------------------------------------------------------------------
 * The reference: the document as a jansson tree, dumped whole (what reports/json.c did before it
 * streamed). Keys are set in any order: json_dumps sorts them. */

static json_t *ref_str(const char *s)
{
    if (!s)
        return json_null();
    struct buf b;
    buf_init(&b);
    rpt_utf8_repair(&b, s);
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_release(&b);
    if (!j)
        abort(); /* the repaired text is valid UTF-8, or jansson and rpt_utf8_repair disagree */
    return j;
}

static json_t *ref_instant(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char b[32], u[32];
    clock_beijing_format(ms, b, sizeof b);
    clock_utc_format(ms, u, sizeof u);
    return json_pack("{s:s, s:s, s:I}", "beijing", b, "utc", u, "ms", (json_int_t)ms);
}

static json_t *ref_day(int64_t d)
{
    if (d == 0)
        return json_null();
    char s[16];
    clock_date_format(d, s, sizeof s);
    return json_string(s);
}

static json_t *ref_text(void (*fn)(const struct assessment *, enum rpt_lang, struct buf *), const struct assessment *a,
                        enum rpt_lang lang)
{
    struct buf b;
    buf_init(&b);
    fn(a, lang, &b);
    json_t *j = ref_str(buf_str(&b));
    buf_release(&b);
    return j;
}

static void set(json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        abort();
}

static json_t *ref_verdict(const struct assessment *a)
{
    static const char *const sources[] = {[VERDICT_REPLY_NONE] = "none", [VERDICT_REPLY_SHOWN] = "shown",
                                          [VERDICT_REPLY_OBSERVED] = "observed"};
    const struct verdict_result *v = &a->verdict;
    json_t *o = json_object();
    set(o, "kind", json_string(verdict_kind_name_en(v->kind)));
    set(o, "kind_zh", json_string(verdict_kind_name_zh(v->kind)));
    set(o, "reason_en", ref_str(v->reason_en));
    set(o, "reason_zh", ref_str(v->reason_zh));
    set(o, "problems_en", ref_text(rpt_problems_format, a, RPT_LANG_EN));
    set(o, "problems_zh", ref_text(rpt_problems_format, a, RPT_LANG_ZH));
    set(o, "reply_cell_en", ref_text(rpt_reply_cell_format, a, RPT_LANG_EN));
    set(o, "reply_cell_zh", ref_text(rpt_reply_cell_format, a, RPT_LANG_ZH));
    set(o, "submit_day", ref_day(v->submit_day));
    set(o, "deadline_day", ref_day(v->deadline_day));
    set(o, "deadline_workdays", json_integer(a->rules.deadline_workdays));
    set(o, "has_reply", json_boolean(v->has_reply));
    set(o, "reply_day", v->has_reply ? ref_day(v->reply_day) : json_null());
    set(o, "reply_source", json_string(sources[v->reply_source]));
    set(o, "workdays_taken", v->has_reply ? json_integer(v->workdays_taken) : json_null());
    set(o, "workdays_late", json_integer(v->workdays_late));
    set(o, "workdays_waited", json_integer(v->workdays_waited));
    set(o, "is_possibly_backdated", json_boolean(v->is_possibly_backdated));
    set(o, "is_reply_before_submission", json_boolean(v->is_reply_before_submission));
    set(o, "reply_window",
        json_pack("{s:o, s:o}", "from", ref_instant(v->window_from_ms), "to", ref_instant(v->window_to_ms)));
    set(o, "is_deleted", json_boolean(v->is_deleted));
    set(o, "deletion_visits", json_integer(v->deletion_visits));
    set(o, "deleted_first", ref_instant(v->deleted_first_ms));
    set(o, "deleted_last", ref_instant(v->deleted_last_ms));
    set(o, "was_ever_found", json_boolean(v->was_ever_found));
    set(o, "is_unpublished", json_boolean(v->is_unpublished));
    set(o, "last_success", ref_instant(v->last_success_ms));
    set(o, "last_no_reply", ref_instant(v->last_no_reply_ms));
    set(o, "veto_alarm", json_boolean(v->veto_alarm));
    set(o, "veto_day", ref_day(v->veto_day));
    set(o, "veto_months", json_integer(a->rules.veto_months));
    return o;
}

static json_t *ref_visit(const struct ledger_visit *v, const struct rpt_options *opt)
{
    static const char *const outcomes[] = {[VISIT_FOUND] = "found", [VISIT_NOT_FOUND] = "not_found",
                                           [VISIT_FAILED] = "failed"};
    json_t *o = json_object();
    set(o, "id", json_integer(v->id));
    set(o, "at", ref_instant(v->at_ms));
    set(o, "outcome", json_string(outcomes[v->outcome]));
    set(o, "is_entry_ok", json_boolean(v->is_entry_ok));
    set(o, "http_status", v->http_status > 0 ? json_integer(v->http_status) : json_null());
    set(o, "final_url", ref_str(v->final_url));
    set(o, "state_text", ref_str(v->state_text));
    set(o, "has_reply", json_boolean(v->has_reply));
    set(o, "reply_date", ref_instant(v->reply_date_ms));
    set(o, "reply_unit", ref_str(v->reply_unit));
    set(o, "reply_text", ref_str(v->reply_text));
    set(o, "error", ref_str(v->error));
    set(o, "tls", v->tls_error ? json_pack("{s:o, s:o, s:b}", "error", ref_str(v->tls_error), "subject",
                                           ref_str(v->tls_subject), "accepted", v->is_tls_accepted)
                               : json_null());
    set(o, "evidence_dir", ref_str(v->evidence_dir));
    set(o, "manifest_sha256", ref_str(v->manifest_sha256));
    struct rpt_files f;
    rpt_files_list(opt->evidence_root, v->evidence_dir, &f);
    json_t *files = json_array();
    for (size_t i = 0; i < f.n; i++)
        json_array_append_new(files, ref_str(f.names[i]));
    rpt_files_free(&f);
    set(o, "evidence_files", files);
    return o;
}

static json_t *ref_letter(const struct assessment *a, size_t index, const struct rpt_options *opt)
{
    const struct ledger_site *s = &a->site;
    const struct ledger_letter *t = &a->letter;
    json_t *site = json_object();
    set(site, "key", ref_str(s->key));
    set(site, "name", ref_str(s->name));
    set(site, "owner", ref_str(s->owner));
    set(site, "mailbox", ref_str(s->mailbox));
    set(site, "entry_url", ref_str(s->entry_url));
    set(site, "family", ref_str(s->family));
    set(site, "deadline_workdays", json_integer(a->rules.deadline_workdays));
    json_t *letter = json_object();
    set(letter, "id", json_integer(t->id));
    set(letter, "token", ref_str(t->token));
    set(letter, "title", ref_str(t->title));
    set(letter, "body", ref_str(t->body));
    set(letter, "state", json_string(ledger_letter_state_name(t->state)));
    set(letter, "intent_at", ref_instant(t->intent_at_ms));
    set(letter, "submitted_at", a->verdict.submit_day ? ref_instant(t->submitted_at_ms) : json_null());
    set(letter, "query_code", ref_str(t->query_code));
    set(letter, "letter_no", ref_str(t->letter_no));
    set(letter, "detail_url", ref_str(t->detail_url));
    set(letter, "error", ref_str(t->error));
    const struct ledger_visit *r = rpt_reply_visit(a);
    json_t *reply = r ? json_pack("{s:o, s:o, s:o, s:o, s:I}", "unit", ref_str(r->reply_unit), "date",
                                  ref_instant(r->reply_date_ms), "text", ref_str(r->reply_text), "seen_at",
                                  ref_instant(r->at_ms), "visit_id", (json_int_t)r->id)
                      : json_null();
    json_t *visits = json_array();
    for (size_t i = 0; i < a->n_visits; i++)
        json_array_append_new(visits, ref_visit(&a->visits[i], opt));
    json_t *o = json_object();
    set(o, "index", json_integer((json_int_t)index));
    set(o, "campaign", ref_str(a->campaign.name));
    set(o, "site", site);
    set(o, "letter", letter);
    set(o, "verdict", ref_verdict(a));
    set(o, "reply", reply);
    set(o, "visits", visits);
    return o;
}

static json_t *ref_summary(const struct rpt_summary *s)
{
    json_t *o = json_object();
    set(o, "sites", json_integer((json_int_t)s->n_sites));
    set(o, "letters", json_integer((json_int_t)s->n_letters));
    set(o, "in_time", json_integer((json_int_t)s->n_in_time));
    for (int k = 0; k < VERDICT_KIND_COUNT; k++) {
        char key[40];
        snprintf(key, sizeof key, "%s", verdict_kind_name_en((enum verdict_kind)k));
        for (char *p = key; *p; p++) {
            if (*p == '-')
                *p = '_';
        }
        set(o, key, json_integer((json_int_t)s->n_by_kind[k]));
    }
    set(o, "deleted_after_reply", json_integer((json_int_t)s->n_deleted_after_reply));
    set(o, "possibly_backdated", json_integer((json_int_t)s->n_backdated));
    set(o, "veto_alarm", json_integer((json_int_t)s->n_veto));
    set(o, "deadline_workdays", s->deadline_workdays > 0 ? json_integer(s->deadline_workdays) : json_null());
    struct buf zh, en;
    buf_init(&zh);
    buf_init(&en);
    rpt_summary_sentence(s, RPT_LANG_ZH, &zh);
    rpt_summary_sentence(s, RPT_LANG_EN, &en);
    set(o, "sentence_zh", ref_str(buf_str(&zh)));
    set(o, "sentence_en", ref_str(buf_str(&en)));
    buf_release(&zh);
    buf_release(&en);
    return o;
}

/* The whole document, dumped at once; caller frees. */
static char *ref_document(const struct assessment *all, size_t n, const struct rpt_options *o)
{
    struct rpt_summary s;
    rpt_summary_compute(all, n, &s);
    struct rpt_campaigns cs = {0};
    json_t *letters = json_array();
    for (size_t i = 0; i < n; i++) {
        rpt_campaigns_add(&cs, &all[i].campaign);
        json_array_append_new(letters, ref_letter(&all[i], i + 1, o));
    }
    json_t *campaigns = json_array();
    for (size_t i = 0; i < cs.n; i++) {
        const struct ledger_campaign *c = &cs.c[i];
        json_array_append_new(campaigns, json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", ref_str(c->name),
                                                   "authorised_by", ref_str(c->authorised_by), "created_at",
                                                   ref_instant(c->created_at_ms), "file_path", ref_str(c->file_path),
                                                   "file_sha256", ref_str(c->file_sha256)));
    }
    rpt_campaigns_release(&cs);
    json_t *root = json_pack("{s:s, s:i, s:{s:s, s:o}, s:o, s:{s:o, s:o}, s:o, s:o, s:o}", "format", "huixin-report",
                             "format_version", 1, "generator", "name", "huixin", "version",
                             ref_str(o->version ? o->version : "unknown"), "generated_at", ref_instant(o->now_ms),
                             "period", "from", ref_instant(s.first_submit_ms), "to", ref_instant(o->now_ms),
                             "campaigns", campaigns, "summary", ref_summary(&s), "letters", letters);
    if (!root)
        abort();
    char *text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(root);
    if (!text)
        abort();
    char *out = xasprintf("%s\n", text);
    free(text);
    return out;
}

/* ------------------------------------------------------------------------------------------------
 * The hostile ledger */

/* Every kind of text a site can send that JSON must carry exactly. */
static const char *const hostile[] = {
    "say \"hi\" \\ back\\slash \\\" \\\\",
    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B"
    "\x1C\x1D\x1E\x1F\x7F end",
    "\x1B[31mred\x1B[0m\r\n",
    "line\xE2\x80\xA8sep\xE2\x80\xA9para \xE2\x80\xAE" "desrever\xE2\x80\xAC \xEF\xBB\xBF \xC2\x85 \xC2\x9B",
    "\xFF lone, \xC0\xAF overlong, \xED\xA0\x80 surrogate, \xF4\x90\x80\x80 too high, \xF8\x88\x80\x80\x80 five",
    "cut short \xE4\xB8",
    "\xF0\x9F\x98\x80 \xF0\x9F\x87\xA8\xF0\x9F\x87\xB3 \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
    "</script><script>alert(1)</script> & <b>",
    "=HYPERLINK(\"http://x\",\"y\") \t tab",
    "",
    "/ slash \\/ \\u0000 \\ud800",
};

/* The hostile texts in turn (a function: several in one initializer are not sequenced). */
static char *next_hostile(size_t *k)
{
    return (char *)hostile[(*k)++ % ARRAY_LEN(hostile)];
}

static char *long_chinese(void)
{
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 400; i++)
        buf_append_str(&b, "您好：关于您反映的问题，经核实，已转交相关部门办理。“引号”、（括号）、《书名》……");
    return buf_detach(&b);
}

static void file_put(const char *path, const char *text)
{
    must(file_write_atomic(path, text, strlen(text), NULL));
}

/* Two campaigns; letters whose every text field is one of the hostile texts (rotating), visits of
 * every outcome with hostile page text, a certificate error, and an evidence folder of hostile file
 * names (a manifest's same_as among them). */
static struct ledger *hostile_ledger(const char *name, const char *root)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    if (ledger_open(path, &l, &e) != 0) {
        fprintf(stderr, "  %s: %s\n", path, e.msg);
        abort();
    }
    free(path);
    char *chinese = long_chinese();
    size_t k = 0;
#define H() next_hostile(&k)
    for (int ci = 0; ci < 2; ci++) {
        char cname[64];
        snprintf(cname, sizeof cname, "%s %d", ci ? "第二轮\xE2\x80\xAE" : "camp\"aign\\", ci);
        struct ledger_campaign c = {.name = cname, .authorised_by = H(), .file_path = H(),
                                    .file_sha256 = H(), .created_at_ms = bj("2025-06-01 09:00"),
                                    .deletion_min_visits = 2, .deletion_min_gap_ms = 3600000};
        int64_t cid;
        must(ledger_campaign_ensure(l, &c, &cid, NULL));
        for (int si = 0; si < 4; si++) {
            char key[32];
            snprintf(key, sizeof key, "site-%d-%d", ci, si);
            struct ledger_site s = {.campaign_id = cid, .key = key, .name = H(), .owner = H(),
                                    .mailbox = H(), .entry_url = H(), .family = H(),
                                    .deadline_workdays = si == 3 ? 30 : 5};
            int64_t sid, tid;
            must(ledger_site_ensure(l, &s, &sid, NULL));
            char token[96]; /* unique in the ledger */
            snprintf(token, sizeof token, "T%d%d %s", ci, si, H());
            struct ledger_letter t = {.site_id = sid, .state = LETTER_INTENT, .token = token,
                                      .title = H(), .body = si == 1 ? chinese : H(),
                                      .intent_at_ms = bj("2025-10-13 09:00")};
            must(ledger_letter_add(l, &t, &tid, NULL));
            if (si == 2) {
                must(ledger_letter_mark_failed(l, tid, H(), NULL));
                continue;
            }
            must(ledger_letter_mark_submitted(l, tid, bj("2025-10-13 10:00"), H(), H(), H(), NULL, NULL));
            for (int vi = 0; vi < 3; vi++) {
                char at[32];
                snprintf(at, sizeof at, "2025-10-%02d 10:00", 14 + vi * 3);
                enum visit_outcome oc = vi == 0 ? VISIT_FAILED : si == 3 && vi == 2 ? VISIT_NOT_FOUND : VISIT_FOUND;
                bool has_reply = si == 1 && vi == 2;
                struct ledger_visit v = {
                    .letter_id = tid, .at_ms = bj(at), .outcome = oc, .is_entry_ok = oc != VISIT_FAILED,
                    .http_status = oc == VISIT_FAILED ? 0 : 200, .final_url = H(),
                    .state_text = H(), .has_reply = has_reply,
                    .reply_date_ms = has_reply ? bj("2025-10-19 09:00") : 0,
                    .reply_unit = has_reply ? H() : NULL, .reply_text = has_reply ? chinese : NULL,
                    .error = oc == VISIT_FAILED ? H() : NULL,
                    .evidence_dir = vi == 1 ? (ci == 0 && si == 0 ? "hostile/002-check" : H()) : NULL,
                    .manifest_sha256 = vi == 1 ? H() : NULL,
                    .tls_error = vi == 1 ? "self-signed certificate" : NULL,
                    .tls_subject = vi == 1 ? H() : NULL, .is_tls_accepted = si == 0};
                must(ledger_visit_add(l, &v, NULL, NULL));
            }
        }
    }
#undef H
    free(chinese);
    /* the evidence folder of the first letter's second visit: file names a site cannot choose, but a
     * report must still carry exactly */
    char *vdir = xasprintf("%s/hostile/002-check", root);
    must(file_mkdir_p(vdir, 0755, NULL));
    static const char *const files[] = {"page.png", "page.txt", "meta.json", "q\"uote\\back.png",
                                        "ctl\x01\x1F\nnl.png", "bad\xFF\xC0utf8.png", "\xE8\xAF\x81\xE6\x8D\xAE.png",
                                        "notes.bin"};
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char *f = xasprintf("%s/%s", vdir, files[i]);
        file_put(f, "x");
        free(f);
    }
    char *m = xasprintf("%s/manifest.json", vdir);
    file_put(m, "{\"files\": [{\"name\": \"step-01.png\", \"same_as\": \"../001-submit/step-01.png\"}]}\n");
    free(m);
    char *earlier = xasprintf("%s/hostile/001-submit", root);
    must(file_mkdir_p(earlier, 0755, NULL));
    char *copy = xasprintf("%s/step-01.png", earlier);
    file_put(copy, "x");
    free(copy);
    free(earlier);
    free(vdir);
    return l;
}

/* The streamed document and the reference one of the same ledger. */
static void render_both(struct ledger *l, const char *root, struct buf *streamed, char **ref)
{
    struct cal *cal = cal_new();
    struct assessment *all = NULL;
    size_t n = 0;
    must(assess_all(l, cal, 0, bj("2025-10-31 12:00"), &all, &n, NULL));
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = bj("2025-10-31 12:00");
    o.version = hostile[0];
    o.evidence_root = root;
    struct err e;
    err_init(&e);
    if (rpt_json_format(all, n, &o, streamed, &e) != 0) {
        fprintf(stderr, "  rpt_json_format: %s\n", e.msg);
        abort();
    }
    *ref = ref_document(all, n, &o);
    assessments_free(all, n);
    cal_free(cal);
}

/* Byte for byte; on a mismatch, where. */
static void check_same_bytes(const char *got, size_t got_len, const char *want)
{
    size_t want_len = strlen(want), i = 0, line = 1;
    for (; i < got_len && i < want_len && got[i] == want[i]; i++)
        line += got[i] == '\n';
    if (i == got_len && i == want_len)
        return;
    fprintf(stderr, "  streamed and reference differ at byte %zu (line %zu): got \"%.40s\", want \"%.40s\"\n", i,
            line, got + i, want + i);
    CHECK(!"the streamed document is the reference's bytes");
}

static void test_streamed_json_is_the_reference_on_hostile_text(void)
{
    char *root = xasprintf("%s/evidence", dir);
    struct ledger *l = hostile_ledger("hostile.db", root);
    struct buf got;
    buf_init(&got);
    char *want = NULL;
    render_both(l, root, &got, &want);
    check_same_bytes(got.data, got.len, want);
    /* the case is what it says: the folder's hostile names and the same_as copy are listed */
    CHECK(strstr(want, "\"q\\\"uote\\\\back.png\"") != NULL);
    CHECK(strstr(want, "\"ctl\\u0001\\u001F\\nnl.png\"") != NULL);
    CHECK(strstr(want, "\"bad\xEF\xBF\xBD\xEF\xBF\xBDutf8.png\"") != NULL);
    CHECK(strstr(want, "\"step-01.png\"") != NULL);
    CHECK(strstr(want, "\"tls\": {") != NULL);
    free(want);
    buf_release(&got);
    ledger_close(l);
    free(root);
}

/* It parses strictly, and each text comes back as captured, invalid bytes as U+FFFD. */
static void test_streamed_json_parses_and_keeps_the_text(void)
{
    char *root = xasprintf("%s/evidence2", dir);
    struct ledger *l = hostile_ledger("parse.db", root);
    struct buf got;
    buf_init(&got);
    char *want = NULL;
    render_both(l, root, &got, &want);
    json_error_t je;
    json_t *doc = json_loadb(got.data, got.len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        fprintf(stderr, "  line %d column %d: %s\n", je.line, je.column, je.text);
    REQUIRE(doc != NULL);
    json_t *letters = json_object_get(doc, "letters");
    CHECK_INT(json_array_size(letters), 8);
    CHECK_INT(json_array_size(json_object_get(doc, "campaigns")), 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "summary"), "letters")), 8);
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "generator"), "version")), hostile[0]);
    /* the second letter of the first campaign: the long Chinese body and reply */
    json_t *second = json_array_get(letters, 1);
    char *chinese = long_chinese();
    CHECK_STR(json_string_value(json_object_get(json_object_get(second, "letter"), "body")), chinese);
    CHECK_STR(json_string_value(json_object_get(json_object_get(second, "reply"), "text")), chinese);
    free(chinese);
    /* every hostile text, repaired, is somewhere in the document as a whole string value */
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        struct buf b;
        buf_init(&b);
        rpt_json_quote(&b, hostile[i]);
        if (!strstr(got.data, buf_str(&b)))
            fprintf(stderr, "  hostile[%zu] not found as a value\n", i);
        CHECK(strstr(got.data, buf_str(&b)) != NULL);
        buf_release(&b);
    }
    json_decref(doc);
    free(want);
    buf_release(&got);
    ledger_close(l);
    free(root);
}

static void test_streamed_json_of_no_letters_is_the_reference(void)
{
    char *path = xasprintf("%s/empty.db", dir);
    struct ledger *l = NULL;
    must(ledger_open(path, &l, NULL));
    free(path);
    struct buf got;
    buf_init(&got);
    char *want = NULL;
    render_both(l, dir, &got, &want);
    check_same_bytes(got.data, got.len, want);
    CHECK(strstr(got.data, "\"letters\": [],\n") != NULL);
    CHECK(strstr(got.data, "\"campaigns\": [],\n") != NULL);
    free(want);
    buf_release(&got);
    ledger_close(l);
}

/* A ledger as a source, the way `huixin report` reads it: a pass per each() call, the campaigns from
 * ledger_scan_campaigns. */
struct ledger_source {
    struct ledger *l;
    struct cal *cal;
    int64_t campaign_id, now_ms;
};

static int ledger_source_each(void *ctx, assess_fn fn, void *user, struct err *e)
{
    struct ledger_source *ls = ctx;
    return assess_each(ls->l, ls->cal, ls->campaign_id, ls->now_ms, fn, user, e);
}

static int ledger_source_campaigns(void *ctx, struct rpt_campaigns *out, struct err *e)
{
    struct ledger_source *ls = ctx;
    return ledger_scan_campaigns(ls->l, ls->campaign_id, &out->c, &out->n, e);
}

static int collect_campaign(const struct assessment *a, void *user)
{
    rpt_campaigns_add(user, &a->campaign);
    return 0;
}

/* The names of the campaigns ledger_scan_campaigns gives and those a pass meets, "|"-joined. */
static void scan_and_pass_campaigns(struct ledger *l, int64_t campaign_id, struct buf *scan, struct buf *pass)
{
    struct rpt_campaigns a = {0}, b = {0};
    struct cal *cal = cal_new();
    must(ledger_scan_campaigns(l, campaign_id, &a.c, &a.n, NULL));
    must(assess_each(l, cal, campaign_id, bj("2025-10-31 12:00"), collect_campaign, &b, NULL));
    for (size_t i = 0; i < a.n; i++)
        buf_printf(scan, "%s|", a.c[i].name);
    for (size_t i = 0; i < b.n; i++)
        buf_printf(pass, "%s|", b.c[i].name);
    rpt_campaigns_release(&a);
    rpt_campaigns_release(&b);
    cal_free(cal);
}

/* The campaigns come in the order their first letter does, not by id; one without letters is not
 * there; one campaign alone is itself; as a pass over the letters would meet them. */
static void test_scan_campaigns_are_those_a_pass_meets(void)
{
    char *path = xasprintf("%s/campaigns.db", dir);
    struct ledger *l = NULL;
    must(ledger_open(path, &l, NULL));
    free(path);
    const char *names[] = {"A", "B", "C (no letters)"};
    int64_t cid[3], sid[3];
    for (int i = 0; i < 3; i++) {
        struct ledger_campaign c = {.name = (char *)names[i], .authorised_by = "a", .deletion_min_visits = 2,
                                    .deletion_min_gap_ms = 1};
        must(ledger_campaign_ensure(l, &c, &cid[i], NULL));
        struct ledger_site s = {.campaign_id = cid[i], .key = "k", .name = "n", .deadline_workdays = 5};
        must(ledger_site_ensure(l, &s, &sid[i], NULL));
    }
    static const int order[] = {1, 0, 1, 0}; /* B's first letter comes first */
    for (size_t i = 0; i < ARRAY_LEN(order); i++) {
        char token[16];
        snprintf(token, sizeof token, "T%zu", i);
        struct ledger_letter t = {.site_id = sid[order[i]], .state = LETTER_INTENT, .token = token, .intent_at_ms = 1};
        int64_t tid;
        must(ledger_letter_add(l, &t, &tid, NULL));
    }
    static const struct {
        int campaign; /* -1: all */
        const char *want;
    } cases[] = {{-1, "B|A|"}, {0, "A|"}, {1, "B|"}, {2, ""}};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct buf scan, pass;
        buf_init(&scan);
        buf_init(&pass);
        scan_and_pass_campaigns(l, cases[i].campaign < 0 ? 0 : cid[cases[i].campaign], &scan, &pass);
        CHECK_STR(buf_str(&scan), cases[i].want);
        CHECK_STR(buf_str(&pass), cases[i].want);
        buf_release(&scan);
        buf_release(&pass);
    }
    ledger_close(l);
}

/* The report as `huixin report` makes it (the ledger as the source, the campaigns from one query, one
 * pass over the letters) is the array's document, which is the reference's. */
static void test_ledger_source_gives_the_same_document(void)
{
    char *root = xasprintf("%s/evidence3", dir);
    struct ledger *l = hostile_ledger("source.db", root);
    struct buf got, scan, pass;
    buf_init(&got);
    buf_init(&scan);
    buf_init(&pass);
    char *want = NULL;
    render_both(l, root, &got, &want);
    check_same_bytes(got.data, got.len, want);
    scan_and_pass_campaigns(l, 0, &scan, &pass);
    CHECK_STR(buf_str(&scan), buf_str(&pass));
    struct ledger_source ls = {.l = l, .cal = cal_new(), .now_ms = bj("2025-10-31 12:00")};
    struct rpt_source src = {.each = ledger_source_each, .ctx = &ls, .campaigns = ledger_source_campaigns};
    struct rpt_options o;
    rpt_options_init(&o);
    o.now_ms = ls.now_ms;
    o.version = hostile[0];
    o.evidence_root = root;
    struct buf streamed;
    buf_init(&streamed);
    struct rpt_sink sink = {.out = &streamed};
    must(rpt_json_write(&src, &o, &sink, NULL));
    check_same_bytes(streamed.data, streamed.len, want);
    buf_release(&streamed);
    cal_free(ls.cal);
    free(want);
    buf_release(&got);
    buf_release(&scan);
    buf_release(&pass);
    ledger_close(l);
    free(root);
}

/* rpt_json_quote against jansson's own dump of the repaired string, on every single byte after a
 * prefix and on pseudo-random byte strings (fixed seed) biased to the interesting bytes. */
static void test_json_quote_is_jansson_on_any_bytes(void)
{
    static const unsigned char pool[] = {'"', '\\', '/', 'a', ' ', 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1B,
                                         0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4,
                                         0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F};
    unsigned long seed = 12345;
    int mismatches = 0;
    for (int i = 0; i < 20000 + 255; i++) {
        unsigned char s[24];
        size_t n;
        if (i < 255) {
            s[0] = 'x';
            s[1] = (unsigned char)(i + 1);
            n = 2;
        } else {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            n = (seed >> 33) % (sizeof s - 1);
            for (size_t j = 0; j < n; j++) {
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                unsigned r = (unsigned)(seed >> 33);
                s[j] = r % 3 ? pool[r % sizeof pool] : (unsigned char)(r % 255 + 1);
            }
        }
        s[n] = '\0';
        struct buf got, rep;
        buf_init(&got);
        buf_init(&rep);
        rpt_json_quote(&got, (const char *)s);
        rpt_utf8_repair(&rep, (const char *)s);
        json_t *j = json_stringn(buf_str(&rep), rep.len);
        char *want = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        if (!want || strcmp(buf_str(&got), want) != 0) {
            if (mismatches++ < 5)
                fprintf(stderr, "  case %d: got %s, want %s\n", i, buf_str(&got), want ? want : "(jansson failed)");
        }
        free(want);
        json_decref(j);
        buf_release(&got);
        buf_release(&rep);
    }
    CHECK_INT(mismatches, 0);
}

/* What a visit's evidence_files lists: wanted names that are regular files, or links to one (the
 * listing takes the type from the folder entry and stats only links); not a link to a folder or to
 * nothing, not a folder named like a screenshot, not other names; and a manifest's same_as copy. */
static void test_evidence_files_are_regular_files_and_links_to_them(void)
{
    char *v = xasprintf("%s/ev-types/002-check", dir);
    char *first = xasprintf("%s/ev-types/001-submit", dir);
    must(file_mkdir_p(v, 0755, NULL));
    must(file_mkdir_p(first, 0755, NULL));
    char *p = xasprintf("%s/page.png", v);
    file_put(p, "x");
    free(p);
    p = xasprintf("%s/real.txt", v);
    file_put(p, "x");
    free(p);
    char *zeroth = xasprintf("%s/ev-types/000-first", dir);
    must(file_mkdir_p(zeroth, 0755, NULL));
    static const char *const copies[] = {"001-submit/step-02.png", "001-submit/step-04.png", "000-first/step-03.png"};
    for (size_t i = 0; i < ARRAY_LEN(copies); i++) {
        p = xasprintf("%s/ev-types/%s", dir, copies[i]);
        file_put(p, "x");
        free(p);
    }
    free(zeroth);
    /* step-03.png twice: its first entry's copy is not there, and the first entry is the one that counts */
    p = xasprintf("%s/manifest.json", v);
    file_put(p, "{\"files\": [{\"name\": \"step-02.png\", \"same_as\": \"../001-submit/step-02.png\"}, "
                "{\"name\": \"step-03.png\", \"same_as\": \"../001-submit/step-03.png\"}, "
                "{\"name\": \"step-03.png\", \"same_as\": \"../000-first/step-03.png\"}, "
                "{\"name\": \"step-04.png\", \"same_as\": \"../001-submit/step-04.png\"}]}");
    free(p);
    static const struct {
        const char *name, *target;
    } links[] = {{"page.txt", "real.txt"}, {"meta.json", "nowhere.json"}, {"step-01.png", "."}};
    for (size_t i = 0; i < ARRAY_LEN(links); i++) {
        p = xasprintf("%s/%s", v, links[i].name);
        REQUIRE(symlink(links[i].target, p) == 0);
        free(p);
    }
    p = xasprintf("%s/folder.png", v);
    must(file_mkdir_p(p, 0755, NULL));
    free(p);
    struct rpt_files f;
    rpt_files_list(dir, "ev-types/002-check", &f);
    struct buf got;
    buf_init(&got);
    for (size_t i = 0; i < f.n; i++)
        buf_printf(&got, "%s%s=%s", i ? " " : "", f.names[i], f.hrefs[i]);
    CHECK_STR(buf_str(&got), "manifest.json=manifest.json page.png=page.png page.txt=page.txt "
                             "step-02.png=../001-submit/step-02.png step-04.png=../001-submit/step-04.png");
    rpt_files_free(&f);
    /* without a manifest, no same_as */
    p = xasprintf("%s/manifest.json", v);
    REQUIRE(unlink(p) == 0);
    free(p);
    rpt_files_list(dir, "ev-types/002-check", &f);
    CHECK_INT(f.n, 2);
    CHECK(!rpt_files_has(&f, "step-02.png"));
    rpt_files_free(&f);
    buf_release(&got);
    free(first);
    free(v);
}

static const struct test_case cases[] = {
    {"streamed json is the reference on hostile text", test_streamed_json_is_the_reference_on_hostile_text},
    {"streamed json parses and keeps the text", test_streamed_json_parses_and_keeps_the_text},
    {"streamed json of no letters is the reference", test_streamed_json_of_no_letters_is_the_reference},
    {"json quote is jansson on any bytes", test_json_quote_is_jansson_on_any_bytes},
    {"evidence files are regular files and links to them", test_evidence_files_are_regular_files_and_links_to_them},
    {"the scan's campaigns are those a pass meets", test_scan_campaigns_are_those_a_pass_meets},
    {"the ledger as the source gives the same document", test_ledger_source_gives_the_same_document},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-report-json-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(dir, NULL);
    return rc;
}
