/* The JSON report: everything the other formats show and more, with stable keys documented in
 * reports/FORMAT-json.md. Deterministic: sorted keys, two-space indent, no clock read here. Strings
 * keep the text as captured (only invalid UTF-8 bytes become U+FFFD); consumers escape it.
 *
 * Written as it goes, one letter at a time, by a small writer that makes the bytes
 * json_dumps(JSON_SORT_KEYS | JSON_INDENT(2)) would make of the same document (a national round's
 * report is 150,000 visits: building each letter in jansson and dumping it cost most of the time).
 * The writer does not sort: each object's keys are written in sorted order here, which it asserts.
 * tests/unit/test_report_json.c holds a plain jansson build of the same document and compares. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/escape.h"
#include "reports/files_ahead.h"
#include "reports/report.h"

#define RPT_JSON_FORMAT_VERSION 1

/* ------------------------------------------------------------------------------------------------
 * The writer: json_dumps's layout with JSON_INDENT(2). An element of a non-empty container starts on
 * its own line, indented two spaces a level, after a ',' when it is not the first; the container
 * closes on a line of its own at its own indent; an empty container is "{}" or "[]". A key is
 * followed by ": ". */

#define JW_DEPTH_MAX 8

struct jw {
    struct buf *out;
    int depth; /* open containers; index 1.. of the arrays below */
    bool is_array[JW_DEPTH_MAX + 1];
    bool has_item[JW_DEPTH_MAX + 1];
    const char *last_key[JW_DEPTH_MAX + 1]; /* the previous key of an open object */
};

/* ",\n" and the indent of depth (two spaces a level), or without the ','. */
static void jw_newline(struct jw *w, int depth, bool has_comma)
{
    static const char line[] = ",\n                ";
    assert(depth >= 0 && (size_t)depth * 2 + 2 < sizeof line);
    buf_append(w->out, line + !has_comma, (size_t)depth * 2 + 1 + has_comma);
}

/* Before an element of the innermost container (a key of an object, a value of an array). */
static void jw_item(struct jw *w)
{
    int d = w->depth;
    if (d == 0)
        return;
    jw_newline(w, d, w->has_item[d]);
    w->has_item[d] = true;
}

/* Where a value goes: after key in an object (keys in sorted order), or as the next element of an
 * array (key NULL). */
static void jw_at(struct jw *w, const char *key)
{
    int d = w->depth;
    if (!key) {
        assert(d == 0 || w->is_array[d]);
        jw_item(w);
        return;
    }
    assert(d > 0 && !w->is_array[d]);
    assert(!w->last_key[d] || strcmp(w->last_key[d], key) < 0);
    w->last_key[d] = key;
    jw_item(w);
    /* keys are this file's identifiers: nothing to escape */
    size_t n = strlen(key);
    buf_reserve(w->out, n + 4);
    char *o = w->out->data + w->out->len;
    o[0] = '"';
    memcpy(o + 1, key, n);
    memcpy(o + 1 + n, "\": ", 4); /* and the NUL */
    w->out->len += n + 4;
}

static void jw_open(struct jw *w, const char *key, bool is_array)
{
    jw_at(w, key);
    buf_append_char(w->out, is_array ? '[' : '{');
    int d = ++w->depth;
    assert(d <= JW_DEPTH_MAX);
    w->is_array[d] = is_array;
    w->has_item[d] = false;
    w->last_key[d] = NULL;
}

static void jw_close(struct jw *w)
{
    int d = w->depth;
    assert(d > 0);
    if (w->has_item[d])
        jw_newline(w, d - 1, false);
    buf_append_char(w->out, w->is_array[d] ? ']' : '}');
    w->depth--;
}

static void jw_null(struct jw *w, const char *key)
{
    jw_at(w, key);
    buf_append(w->out, "null", 4);
}

/* A string, or null for NULL: the text as captured, invalid UTF-8 bytes as U+FFFD. */
static void jw_str(struct jw *w, const char *key, const char *s)
{
    jw_at(w, key);
    if (s)
        rpt_json_quote(w->out, s);
    else
        buf_append(w->out, "null", 4);
}

static void jw_int(struct jw *w, const char *key, long long v)
{
    jw_at(w, key);
    char digits[24], *end = digits + sizeof digits, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_append(w->out, p, (size_t)(end - p));
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
    jw_at(w, key);
    buf_append_str(w->out, v ? "true" : "false");
}

/* {"beijing": "YYYY-MM-DD HH:MM:SS", "ms": ..., "utc": "YYYY-MM-DDTHH:MM:SSZ"}, or null for 0. */
static void jw_instant(struct jw *w, const char *key, int64_t ms)
{
    if (ms == 0) {
        jw_null(w, key);
        return;
    }
    char bj[32], utc[32];
    clock_beijing_format(ms, bj, sizeof bj);
    clock_utc_format(ms, utc, sizeof utc);
    jw_open(w, key, false);
    jw_str(w, "beijing", bj);
    jw_int(w, "ms", (long long)ms);
    jw_str(w, "utc", utc);
    jw_close(w);
}

/* "YYYY-MM-DD", or null for 0. */
static void jw_day(struct jw *w, const char *key, int64_t d)
{
    if (d == 0) {
        jw_null(w, key);
        return;
    }
    char s[16];
    clock_date_format(d, s, sizeof s);
    jw_str(w, key, s);
}

/* ------------------------------------------------------------------------------------------------
 * The document */

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

static void text_of(struct jw *w, const char *key, void (*fn)(const struct assessment *, enum rpt_lang, struct buf *),
                    const struct assessment *a, enum rpt_lang lang, struct buf *scratch)
{
    buf_reset(scratch);
    fn(a, lang, scratch);
    jw_str(w, key, buf_str(scratch));
}

static void verdict_write(struct jw *w, const struct assessment *a, struct buf *scratch)
{
    const struct verdict_result *v = &a->verdict;
    jw_open(w, "verdict", false);
    jw_day(w, "deadline_day", v->deadline_day);
    jw_int(w, "deadline_workdays", a->rules.deadline_workdays);
    jw_instant(w, "deleted_first", v->deleted_first_ms);
    jw_instant(w, "deleted_last", v->deleted_last_ms);
    jw_int(w, "deletion_visits", v->deletion_visits);
    jw_bool(w, "has_reply", v->has_reply);
    jw_bool(w, "is_deleted", v->is_deleted);
    jw_bool(w, "is_possibly_backdated", v->is_possibly_backdated);
    jw_bool(w, "is_reply_before_submission", v->is_reply_before_submission);
    jw_bool(w, "is_unpublished", v->is_unpublished);
    jw_str(w, "kind", verdict_kind_name_en(v->kind));
    jw_str(w, "kind_zh", verdict_kind_name_zh(v->kind));
    jw_instant(w, "last_no_reply", v->last_no_reply_ms);
    jw_instant(w, "last_success", v->last_success_ms);
    text_of(w, "problems_en", rpt_problems_format, a, RPT_LANG_EN, scratch);
    text_of(w, "problems_zh", rpt_problems_format, a, RPT_LANG_ZH, scratch);
    jw_str(w, "reason_en", v->reason_en);
    jw_str(w, "reason_zh", v->reason_zh);
    text_of(w, "reply_cell_en", rpt_reply_cell_format, a, RPT_LANG_EN, scratch);
    text_of(w, "reply_cell_zh", rpt_reply_cell_format, a, RPT_LANG_ZH, scratch);
    if (v->has_reply)
        jw_day(w, "reply_day", v->reply_day);
    else
        jw_null(w, "reply_day");
    jw_str(w, "reply_source", reply_source_name(v->reply_source));
    jw_open(w, "reply_window", false);
    jw_instant(w, "from", v->window_from_ms);
    jw_instant(w, "to", v->window_to_ms);
    jw_close(w);
    jw_day(w, "submit_day", v->submit_day);
    jw_bool(w, "veto_alarm", v->veto_alarm);
    jw_day(w, "veto_day", v->veto_day);
    jw_int(w, "veto_months", a->rules.veto_months);
    jw_bool(w, "was_ever_found", v->was_ever_found);
    jw_int(w, "workdays_late", v->workdays_late);
    if (v->has_reply)
        jw_int(w, "workdays_taken", v->workdays_taken);
    else
        jw_null(w, "workdays_taken");
    jw_int(w, "workdays_waited", v->workdays_waited);
    jw_close(w);
}

static void visit_write(struct jw *w, const struct ledger_visit *v, const struct rpt_options *opt)
{
    jw_open(w, NULL, false);
    jw_instant(w, "at", v->at_ms);
    jw_str(w, "error", v->error);
    jw_str(w, "evidence_dir", v->evidence_dir);
    struct rpt_files f;
    rpt_ahead_files(opt->ahead, opt->evidence_root, v->evidence_dir, &f);
    jw_open(w, "evidence_files", true);
    for (size_t i = 0; i < f.n; i++)
        jw_str(w, NULL, f.names[i]);
    jw_close(w);
    rpt_files_free(&f);
    jw_str(w, "final_url", v->final_url);
    jw_bool(w, "has_reply", v->has_reply);
    if (v->http_status > 0)
        jw_int(w, "http_status", v->http_status);
    else
        jw_null(w, "http_status");
    jw_int(w, "id", v->id);
    jw_bool(w, "is_entry_ok", v->is_entry_ok);
    jw_str(w, "manifest_sha256", v->manifest_sha256);
    jw_str(w, "outcome", outcome_name(v->outcome));
    jw_instant(w, "reply_date", v->reply_date_ms);
    jw_str(w, "reply_text", v->reply_text);
    jw_str(w, "reply_unit", v->reply_unit);
    jw_str(w, "state_text", v->state_text);
    /* the site's certificate did not verify (meta.json tls has the whole certificate) */
    if (v->tls_error) {
        jw_open(w, "tls", false);
        jw_bool(w, "accepted", v->is_tls_accepted);
        jw_str(w, "error", v->tls_error);
        jw_str(w, "subject", v->tls_subject);
        jw_close(w);
    } else {
        jw_null(w, "tls");
    }
    jw_close(w);
}

static void letter_write(struct jw *w, const struct assessment *a, size_t index, const struct rpt_options *opt,
                         struct buf *scratch)
{
    const struct ledger_site *s = &a->site;
    const struct ledger_letter *t = &a->letter;
    jw_open(w, NULL, false);
    jw_str(w, "campaign", a->campaign.name);
    jw_int(w, "index", (long long)index);

    jw_open(w, "letter", false);
    jw_str(w, "body", t->body);
    jw_str(w, "detail_url", t->detail_url);
    jw_str(w, "error", t->error);
    jw_int(w, "id", t->id);
    jw_instant(w, "intent_at", t->intent_at_ms);
    jw_str(w, "letter_no", t->letter_no);
    jw_str(w, "query_code", t->query_code);
    jw_str(w, "state", ledger_letter_state_name(t->state));
    jw_instant(w, "submitted_at", a->verdict.submit_day ? t->submitted_at_ms : 0);
    jw_str(w, "title", t->title);
    jw_str(w, "token", t->token);
    jw_close(w);

    const struct ledger_visit *r = rpt_reply_visit(a);
    if (r) {
        jw_open(w, "reply", false);
        jw_instant(w, "date", r->reply_date_ms);
        jw_instant(w, "seen_at", r->at_ms);
        jw_str(w, "text", r->reply_text);
        jw_str(w, "unit", r->reply_unit);
        jw_int(w, "visit_id", r->id);
        jw_close(w);
    } else {
        jw_null(w, "reply");
    }

    jw_open(w, "site", false);
    jw_int(w, "deadline_workdays", a->rules.deadline_workdays);
    jw_str(w, "entry_url", s->entry_url);
    jw_str(w, "family", s->family);
    jw_str(w, "key", s->key);
    jw_str(w, "mailbox", s->mailbox);
    jw_str(w, "name", s->name);
    jw_str(w, "owner", s->owner);
    jw_close(w);

    verdict_write(w, a, scratch);

    jw_open(w, "visits", true);
    for (size_t i = 0; i < a->n_visits; i++)
        visit_write(w, &a->visits[i], opt);
    jw_close(w);
    jw_close(w);
}

static void campaigns_write(struct jw *w, const struct rpt_campaigns *cs)
{
    jw_open(w, "campaigns", true);
    for (size_t i = 0; i < cs->n; i++) {
        const struct ledger_campaign *c = &cs->c[i];
        jw_open(w, NULL, false);
        jw_str(w, "authorised_by", c->authorised_by);
        jw_instant(w, "created_at", c->created_at_ms);
        jw_str(w, "file_path", c->file_path);
        jw_str(w, "file_sha256", c->file_sha256);
        jw_str(w, "name", c->name);
        jw_close(w);
    }
    jw_close(w);
}

static void summary_write(struct jw *w, const struct rpt_summary *s, struct buf *scratch)
{
    const size_t *k = s->n_by_kind;
    jw_open(w, "summary", false);
    if (s->deadline_workdays > 0)
        jw_int(w, "deadline_workdays", s->deadline_workdays);
    else
        jw_null(w, "deadline_workdays");
    /* one count per verdict kind, its English name with '_' for '-' */
    _Static_assert(VERDICT_KIND_COUNT == 8, "a new verdict kind needs its count in the JSON summary, in key order");
    jw_int(w, "deleted", (long long)k[VERDICT_DELETED]);
    jw_int(w, "deleted_after_reply", (long long)s->n_deleted_after_reply);
    jw_int(w, "in_time", (long long)s->n_in_time);
    jw_int(w, "late", (long long)k[VERDICT_LATE]);
    jw_int(w, "letters", (long long)s->n_letters);
    jw_int(w, "on_time", (long long)k[VERDICT_ON_TIME]);
    jw_int(w, "overdue_unanswered", (long long)k[VERDICT_OVERDUE_UNANSWERED]);
    jw_int(w, "pending", (long long)k[VERDICT_PENDING]);
    jw_int(w, "possibly_backdated", (long long)s->n_backdated);
    jw_int(w, "same_day", (long long)k[VERDICT_SAME_DAY]);
    buf_reset(scratch);
    rpt_summary_sentence(s, RPT_LANG_EN, scratch);
    jw_str(w, "sentence_en", buf_str(scratch));
    buf_reset(scratch);
    rpt_summary_sentence(s, RPT_LANG_ZH, scratch);
    jw_str(w, "sentence_zh", buf_str(scratch));
    jw_int(w, "sites", (long long)s->n_sites);
    jw_int(w, "submit_failed", (long long)k[VERDICT_SUBMIT_FAILED]);
    jw_int(w, "unverifiable", (long long)k[VERDICT_UNVERIFIABLE]);
    jw_int(w, "veto_alarm", (long long)s->n_veto);
    jw_close(w);
}

struct json_pass {
    const struct rpt_options *o;
    struct rpt_sink *sink;
    struct jw w;
    struct buf scratch;
    struct rpt_summary_acc acc;
    struct rpt_campaigns campaigns;
    size_t index;
    struct err *e;
};

static int json_campaign_add(const struct assessment *a, void *user)
{
    struct json_pass *p = user;
    rpt_campaigns_add(&p->campaigns, &a->campaign);
    return 0;
}

static int json_letter_write(const struct assessment *a, void *user)
{
    struct json_pass *p = user;
    rpt_summary_acc_add(&p->acc, a);
    letter_write(&p->w, a, ++p->index, p->o, &p->scratch);
    return rpt_sink_flush(p->sink, false, p->e);
}

/* One pass over the letters: the summary and the period come after them in key order. The campaigns
 * come before them: from the source when it can say (the ledger: one query), else from a pass of
 * their own. */
int rpt_json_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                   struct err *e)
{
    struct json_pass p = {.o = o, .sink = sink, .w = {.out = sink->out}, .e = e};
    buf_init(&p.scratch);
    rpt_summary_acc_init(&p.acc);
    struct rpt_summary s;
    int rc = src->campaigns ? src->campaigns(src->ctx, &p.campaigns, e) : src->each(src->ctx, json_campaign_add, &p, e);
    struct jw *w = &p.w;
    if (rc == 0) {
        jw_open(w, NULL, false);
        campaigns_write(w, &p.campaigns);
        jw_str(w, "format", "huixin-report");
        jw_int(w, "format_version", RPT_JSON_FORMAT_VERSION);
        jw_instant(w, "generated_at", o->now_ms);
        jw_open(w, "generator", false);
        jw_str(w, "name", "huixin");
        jw_str(w, "version", o->version ? o->version : "unknown");
        jw_close(w);
        jw_open(w, "letters", true);
        struct rpt_options listed = *o; /* the letters' pass lists every visit's folder: ahead */
        listed.ahead = rpt_ahead_start(o->evidence_root, src);
        p.o = &listed;
        rc = src->each(src->ctx, json_letter_write, &p, e);
        p.o = o;
        rpt_ahead_stop(listed.ahead);
    }
    rpt_summary_acc_finish(&p.acc, &s);
    if (rc)
        goto out;
    jw_close(w);
    jw_open(w, "period", false);
    jw_instant(w, "from", s.first_submit_ms);
    jw_instant(w, "to", o->now_ms);
    jw_close(w);
    summary_write(w, &s, &p.scratch);
    jw_close(w);
    assert(w->depth == 0);
    buf_append_char(sink->out, '\n');
    rc = rpt_sink_flush(sink, true, e);
out:
    buf_release(&p.scratch);
    rpt_campaigns_release(&p.campaigns);
    return rc;
}

int rpt_json_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                    struct err *e)
{
    struct rpt_array arr = {a, n};
    struct rpt_source src = {.each = rpt_array_each, .ctx = &arr};
    struct rpt_sink sink = {.out = out};
    return rpt_json_write(&src, o, &sink, e);
}
