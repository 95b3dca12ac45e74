/* The JSON report: everything the other formats show and more, with stable keys documented in
 * reports/FORMAT-json.md. Deterministic: sorted keys, two-space indent, no clock read here. Strings
 * keep the text as captured (only invalid UTF-8 bytes become U+FFFD); consumers escape it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/escape.h"
#include "reports/report.h"

#define RPT_JSON_FORMAT_VERSION 1

/* A new JSON string, or null for NULL. */
static json_t *str(const char *s)
{
    if (!s)
        return json_null();
    struct buf b;
    buf_init(&b);
    rpt_utf8_repair(&b, s);
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_release(&b);
    return j ? j : json_string("\xEF\xBF\xBD");
}

/* {"beijing": "YYYY-MM-DD HH:MM:SS", "utc": "YYYY-MM-DDTHH:MM:SSZ"}, or null for 0. */
static json_t *instant(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char bj[32], utc[32];
    clock_beijing_format(ms, bj, sizeof bj);
    clock_utc_format(ms, utc, sizeof utc);
    return json_pack("{s:s, s:s, s:I}", "beijing", bj, "utc", utc, "ms", (json_int_t)ms);
}

static json_t *day(int64_t d)
{
    if (d == 0)
        return json_null();
    char s[16];
    clock_date_format(d, s, sizeof s);
    return json_string(s);
}

static const char *reply_source_name(enum verdict_reply_source s)
{
    switch (s) {
    case VERDICT_REPLY_NONE: return "none";
    case VERDICT_REPLY_SHOWN: return "shown";
    case VERDICT_REPLY_OBSERVED: return "observed";
    }
    return "none";
}

static const char *outcome_name(enum visit_outcome o)
{
    switch (o) {
    case VISIT_FOUND: return "found";
    case VISIT_NOT_FOUND: return "not_found";
    case VISIT_FAILED: return "failed";
    }
    return "failed";
}

static json_t *text_of(void (*fn)(const struct assessment *, enum rpt_lang, struct buf *), const struct assessment *a,
                       enum rpt_lang lang)
{
    struct buf b;
    buf_init(&b);
    fn(a, lang, &b);
    json_t *j = str(buf_str(&b));
    buf_release(&b);
    return j;
}

static json_t *verdict_json(const struct assessment *a)
{
    const struct verdict_result *v = &a->verdict;
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(verdict_kind_name_en(v->kind)));
    json_object_set_new(o, "kind_zh", json_string(verdict_kind_name_zh(v->kind)));
    json_object_set_new(o, "reason_en", str(v->reason_en));
    json_object_set_new(o, "reason_zh", str(v->reason_zh));
    json_object_set_new(o, "problems_en", text_of(rpt_problems_format, a, RPT_LANG_EN));
    json_object_set_new(o, "problems_zh", text_of(rpt_problems_format, a, RPT_LANG_ZH));
    json_object_set_new(o, "reply_cell_en", text_of(rpt_reply_cell_format, a, RPT_LANG_EN));
    json_object_set_new(o, "reply_cell_zh", text_of(rpt_reply_cell_format, a, RPT_LANG_ZH));
    json_object_set_new(o, "submit_day", day(v->submit_day));
    json_object_set_new(o, "deadline_day", day(v->deadline_day));
    json_object_set_new(o, "deadline_workdays", json_integer(a->rules.deadline_workdays));
    json_object_set_new(o, "has_reply", json_boolean(v->has_reply));
    json_object_set_new(o, "reply_day", v->has_reply ? day(v->reply_day) : json_null());
    json_object_set_new(o, "reply_source", json_string(reply_source_name(v->reply_source)));
    json_object_set_new(o, "workdays_taken", v->has_reply ? json_integer(v->workdays_taken) : json_null());
    json_object_set_new(o, "workdays_late", json_integer(v->workdays_late));
    json_object_set_new(o, "workdays_waited", json_integer(v->workdays_waited));
    json_object_set_new(o, "is_possibly_backdated", json_boolean(v->is_possibly_backdated));
    json_object_set_new(o, "is_reply_before_submission", json_boolean(v->is_reply_before_submission));
    json_object_set_new(o, "reply_window",
                        json_pack("{s:o, s:o}", "from", instant(v->window_from_ms), "to", instant(v->window_to_ms)));
    json_object_set_new(o, "is_deleted", json_boolean(v->is_deleted));
    json_object_set_new(o, "deletion_visits", json_integer(v->deletion_visits));
    json_object_set_new(o, "deleted_first", instant(v->deleted_first_ms));
    json_object_set_new(o, "deleted_last", instant(v->deleted_last_ms));
    json_object_set_new(o, "was_ever_found", json_boolean(v->was_ever_found));
    json_object_set_new(o, "is_unpublished", json_boolean(v->is_unpublished));
    json_object_set_new(o, "last_success", instant(v->last_success_ms));
    json_object_set_new(o, "last_no_reply", instant(v->last_no_reply_ms));
    json_object_set_new(o, "veto_alarm", json_boolean(v->veto_alarm));
    json_object_set_new(o, "veto_day", day(v->veto_day));
    json_object_set_new(o, "veto_months", json_integer(a->rules.veto_months));
    return o;
}

static json_t *visit_json(const struct ledger_visit *v, const struct rpt_options *opt)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(v->id));
    json_object_set_new(o, "at", instant(v->at_ms));
    json_object_set_new(o, "outcome", json_string(outcome_name(v->outcome)));
    json_object_set_new(o, "is_entry_ok", json_boolean(v->is_entry_ok));
    json_object_set_new(o, "http_status", v->http_status > 0 ? json_integer(v->http_status) : json_null());
    json_object_set_new(o, "final_url", str(v->final_url));
    json_object_set_new(o, "state_text", str(v->state_text));
    json_object_set_new(o, "has_reply", json_boolean(v->has_reply));
    json_object_set_new(o, "reply_date", instant(v->reply_date_ms));
    json_object_set_new(o, "reply_unit", str(v->reply_unit));
    json_object_set_new(o, "reply_text", str(v->reply_text));
    json_object_set_new(o, "error", str(v->error));
    /* the site's certificate did not verify (meta.json tls has the whole certificate) */
    json_object_set_new(o, "tls", v->tls_error ? json_pack("{s:s, s:o, s:b}", "error", v->tls_error, "subject",
                                                           str(v->tls_subject), "accepted", v->is_tls_accepted)
                                               : json_null());
    json_object_set_new(o, "evidence_dir", str(v->evidence_dir));
    json_object_set_new(o, "manifest_sha256", str(v->manifest_sha256));
    struct rpt_files f;
    rpt_files_list(opt->evidence_root, v->evidence_dir, &f);
    json_t *files = json_array();
    for (size_t i = 0; i < f.n; i++)
        json_array_append_new(files, str(f.names[i]));
    rpt_files_free(&f);
    json_object_set_new(o, "evidence_files", files);
    return o;
}

static json_t *letter_json(const struct assessment *a, size_t index, const struct rpt_options *opt)
{
    const struct ledger_site *s = &a->site;
    const struct ledger_letter *t = &a->letter;
    json_t *site = json_object();
    json_object_set_new(site, "key", str(s->key));
    json_object_set_new(site, "name", str(s->name));
    json_object_set_new(site, "owner", str(s->owner));
    json_object_set_new(site, "mailbox", str(s->mailbox));
    json_object_set_new(site, "entry_url", str(s->entry_url));
    json_object_set_new(site, "family", str(s->family));
    json_object_set_new(site, "deadline_workdays", json_integer(a->rules.deadline_workdays));

    json_t *letter = json_object();
    json_object_set_new(letter, "id", json_integer(t->id));
    json_object_set_new(letter, "token", str(t->token));
    json_object_set_new(letter, "title", str(t->title));
    json_object_set_new(letter, "body", str(t->body));
    json_object_set_new(letter, "state", json_string(ledger_letter_state_name(t->state)));
    json_object_set_new(letter, "intent_at", instant(t->intent_at_ms));
    json_object_set_new(letter, "submitted_at", a->verdict.submit_day ? instant(t->submitted_at_ms) : json_null());
    json_object_set_new(letter, "query_code", str(t->query_code));
    json_object_set_new(letter, "letter_no", str(t->letter_no));
    json_object_set_new(letter, "detail_url", str(t->detail_url));
    json_object_set_new(letter, "error", str(t->error));

    json_t *reply = json_null();
    const struct ledger_visit *r = rpt_reply_visit(a);
    if (r)
        reply = json_pack("{s:o, s:o, s:o, s:o, s:I}", "unit", str(r->reply_unit), "date", instant(r->reply_date_ms),
                          "text", str(r->reply_text), "seen_at", instant(r->at_ms), "visit_id", (json_int_t)r->id);

    json_t *visits = json_array();
    for (size_t i = 0; i < a->n_visits; i++)
        json_array_append_new(visits, visit_json(&a->visits[i], opt));

    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "index", (json_int_t)index, "campaign",
                     str(a->campaign.name), "site", site, "letter", letter, "verdict", verdict_json(a), "reply", reply,
                     "visits", visits);
}

static json_t *campaigns_json(const struct rpt_campaigns *cs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < cs->n; i++) {
        const struct ledger_campaign *c = &cs->c[i];
        json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", str(c->name), "authorised_by",
                                             str(c->authorised_by), "created_at", instant(c->created_at_ms),
                                             "file_path", str(c->file_path), "file_sha256", str(c->file_sha256)));
    }
    return arr;
}

static json_t *summary_json(const struct rpt_summary *s)
{
    struct buf zh, en;
    buf_init(&zh);
    buf_init(&en);
    rpt_summary_sentence(s, RPT_LANG_ZH, &zh);
    rpt_summary_sentence(s, RPT_LANG_EN, &en);
    json_t *o = json_object();
    json_object_set_new(o, "sites", json_integer((json_int_t)s->n_sites));
    json_object_set_new(o, "letters", json_integer((json_int_t)s->n_letters));
    json_object_set_new(o, "in_time", json_integer((json_int_t)s->n_in_time));
    for (int k = 0; k < VERDICT_KIND_COUNT; k++) {
        /* "same-day" -> "same_day": keys are identifiers */
        char key[40];
        snprintf(key, sizeof key, "%s", verdict_kind_name_en((enum verdict_kind)k));
        for (char *p = key; *p; p++) {
            if (*p == '-')
                *p = '_';
        }
        json_object_set_new(o, key, json_integer((json_int_t)s->n_by_kind[k]));
    }
    json_object_set_new(o, "deleted_after_reply", json_integer((json_int_t)s->n_deleted_after_reply));
    json_object_set_new(o, "possibly_backdated", json_integer((json_int_t)s->n_backdated));
    json_object_set_new(o, "veto_alarm", json_integer((json_int_t)s->n_veto));
    json_object_set_new(o, "deadline_workdays", s->deadline_workdays > 0 ? json_integer(s->deadline_workdays) : json_null());
    json_object_set_new(o, "sentence_zh", str(buf_str(&zh)));
    json_object_set_new(o, "sentence_en", str(buf_str(&en)));
    buf_release(&zh);
    buf_release(&en);
    return o;
}

struct json_pass {
    const struct rpt_options *o;
    struct rpt_sink *sink;
    struct rpt_summary_acc acc;
    struct rpt_campaigns campaigns;
    size_t index;
    struct err *e;
};

static int json_summary_add(const struct assessment *a, void *user)
{
    struct json_pass *p = user;
    rpt_summary_acc_add(&p->acc, a);
    rpt_campaigns_add(&p->campaigns, &a->campaign);
    return 0;
}

/* One element of the top-level "letters" array, as json_dumps(JSON_INDENT(2)) writes it there: after
 * ",\n" (not the first) and four spaces, every line of the letter's own dump indented four more. */
static int json_letter_write(const struct assessment *a, void *user)
{
    struct json_pass *p = user;
    struct buf *out = p->sink->out;
    json_t *letter = letter_json(a, ++p->index, p->o);
    char *text = letter ? json_dumps(letter, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
    json_decref(letter);
    if (!text)
        return err_set(p->e, ERR_INTERNAL, "json report: could not serialise letter %lld", (long long)a->letter.id);
    buf_append_str(out, p->index > 1 ? ",\n    " : "\n    ");
    for (const char *c = text; *c; c++) {
        const char *nl = strchr(c, '\n');
        if (!nl) {
            buf_append_str(out, c);
            break;
        }
        buf_append(out, c, (size_t)(nl - c + 1));
        buf_append_str(out, "    ");
        c = nl;
    }
    free(text);
    return rpt_sink_flush(p->sink, false, p->e);
}

int rpt_json_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                   struct err *e)
{
    struct json_pass p = {.o = o, .sink = sink, .e = e};
    rpt_summary_acc_init(&p.acc);
    struct rpt_summary s;
    char *text = NULL;
    int rc = src->each(src->ctx, json_summary_add, &p, e);
    rpt_summary_acc_finish(&p.acc, &s);
    if (rc)
        goto out;
    /* The document without its letters, then the letters written into its empty array one by one:
     * the same bytes as one json_dumps of the whole, without holding the whole. A string value cannot
     * hold the marker (its quotes and newline would be escaped). */
    json_t *root = json_pack(
        "{s:s, s:i, s:{s:s, s:o}, s:o, s:{s:o, s:o}, s:o, s:o, s:o}", "format", "huixin-report", "format_version",
        RPT_JSON_FORMAT_VERSION, "generator", "name", "huixin", "version", str(o->version ? o->version : "unknown"),
        "generated_at", instant(o->now_ms), "period", "from", instant(s.first_submit_ms), "to", instant(o->now_ms),
        "campaigns", campaigns_json(&p.campaigns), "summary", summary_json(&s), "letters", json_array());
    if (!root) {
        rc = err_set(e, ERR_INTERNAL, "json report: could not build the document");
        goto out;
    }
    text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(root);
    if (!text) {
        rc = err_set(e, ERR_INTERNAL, "json report: could not serialise the document");
        goto out;
    }
    static const char marker[] = "\n  \"letters\": []";
    char *at = strstr(text, marker);
    if (!at) {
        rc = err_set(e, ERR_INTERNAL, "json report: no place for the letters in the document");
        goto out;
    }
    const char *rest = at + sizeof marker - 1;
    if (s.n_letters == 0) {
        buf_append_str(sink->out, text);
    } else {
        buf_append(sink->out, text, (size_t)(at - text) + sizeof marker - 2); /* up to and with '[' */
        if ((rc = src->each(src->ctx, json_letter_write, &p, e)))
            goto out;
        buf_append_str(sink->out, "\n  ]");
        buf_append_str(sink->out, rest);
    }
    buf_append_char(sink->out, '\n');
    rc = rpt_sink_flush(sink, true, e);
out:
    free(text);
    rpt_campaigns_release(&p.campaigns);
    return rc;
}

int rpt_json_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                    struct err *e)
{
    struct rpt_array arr = {a, n};
    struct rpt_source src = {rpt_array_each, &arr};
    struct rpt_sink sink = {.out = out};
    return rpt_json_write(&src, o, &sink, e);
}
