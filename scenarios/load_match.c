/* The loader's MATCH, FAILURE and READ (scenarios/FORMAT.md, "MATCH, FAILURE, READ"): what a page,
 * a dialog or an answer must show for a phase's outcome, and how to read one value off a page (an
 * extractor: a READ field, an extract step). Problems are reported as in load.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "scenarios/date_parse.h"
#include "scenarios/load_internal.h"
#include "scenarios/regex.h"
#include "scenarios/scenario.h"

static void compile_regex(struct scn_ld *l, const char *path, const char *src, struct scn_regex **out)
{
    struct err e;
    err_init(&e);
    if (scn_regex_compile(src, out, &e) < 0)
        scn_ld_error(l, path, false, "%s", e.msg);
}

static int set_placeholder(const char *name, void *user)
{
    scn_vars_set(user, name, "x");
    return 0;
}

/* A pattern with ${vars} is compiled at run time with the values quoted; here it is tried with a
 * placeholder for each, so a syntax error is still found by lint. */
static void compile_regex_tmpl(struct scn_ld *l, const char *path, const char *tmpl)
{
    struct scn_vars dummy;
    scn_vars_init(&dummy);
    struct err e;
    err_init(&e);
    char *src = NULL;
    struct scn_regex *re = NULL;
    if (scn_vars_each_ref(tmpl, set_placeholder, &dummy, &e) == 0 && scn_vars_expand_regex(&dummy, tmpl, &src, &e) == 0)
        compile_regex(l, path, src, &re);
    scn_regex_free(re);
    free(src);
    scn_vars_release(&dummy);
}

void scn_ld_parse_regex(struct scn_ld *l, json_t *obj, const char *path, struct scn_extractor *x)
{
    char *re = scn_ld_get_str(l, obj, path, "regex", false, false);
    if (!re)
        return;
    char *p = scn_ld_path_of(path, "regex");
    if (strstr(re, "${")) {
        scn_ld_check_vars(l, p, re);
        compile_regex_tmpl(l, p, re);
        x->regex_tmpl = re;
        re = NULL;
    } else {
        compile_regex(l, p, re, &x->regex);
    }
    free(p);
    free(re);
}

void scn_ld_check_date_formats(struct scn_ld *l, const char *path, const struct scn_extractor *x)
{
    for (size_t i = 0; i < x->n_formats; i++) {
        struct err e;
        err_init(&e);
        if (scn_date_format_check(x->formats[i], &e) < 0) {
            char *p = scn_ld_path_of(path, "format");
            scn_ld_error(l, p, false, "%s", e.msg);
            free(p);
        }
    }
}

void scn_ld_parse_extractor(struct scn_ld *l, json_t *obj, const char *path, bool is_date, bool allow_text,
                            const char *const *extra_keys, struct scn_extractor *x)
{
    static const char *const base_keys[] = {"selector", "attribute", "regex", "from", "text", "format"};
    const char *allowed[16];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(base_keys); i++) {
        if ((strcmp(base_keys[i], "text") == 0 && !allow_text) || (strcmp(base_keys[i], "format") == 0 && !is_date))
            continue;
        allowed[n++] = base_keys[i];
    }
    for (size_t i = 0; extra_keys && extra_keys[i]; i++)
        allowed[n++] = extra_keys[i];
    allowed[n] = NULL;
    scn_ld_check_keys(l, obj, path, allowed, NULL);
    static const char *const kinds_text[] = {"selector", "regex", "text", NULL};
    static const char *const kinds[] = {"selector", "regex", NULL};
    const char *kind = scn_ld_one_of(l, obj, path, allow_text ? kinds_text : kinds, "an extractor");
    x->is_set = true;
    x->from = SCN_FROM_PAGE;
    x->selector = scn_ld_get_str(l, obj, path, "selector", false, true);
    x->attribute = scn_ld_get_str(l, obj, path, "attribute", false, false);
    x->text = scn_ld_get_str(l, obj, path, "text", false, true);
    scn_ld_parse_regex(l, obj, path, x);
    char *from = scn_ld_get_str(l, obj, path, "from", false, false);
    if (from) {
        char *p = scn_ld_path_of(path, "from");
        if (strcmp(from, "page") == 0)
            x->from = SCN_FROM_PAGE;
        else if (strcmp(from, "dialog") == 0)
            x->from = SCN_FROM_DIALOG;
        else if (strcmp(from, "url") == 0)
            x->from = SCN_FROM_URL;
        else
            scn_ld_error(l, p, false, "'from' is '%s'; expected page, dialog or url", from);
        if (kind && strcmp(kind, "regex") != 0)
            scn_ld_error(l, p, true, "'from' goes with 'regex' only");
        free(p);
        free(from);
    }
    if (x->attribute && kind && strcmp(kind, "selector") != 0) {
        char *p = scn_ld_path_of(path, "attribute");
        scn_ld_error(l, p, true, "'attribute' goes with 'selector' only");
        free(p);
    }
    if (is_date) {
        scn_ld_get_strs(l, obj, path, "format", &x->formats, &x->n_formats);
        if (!json_object_get(obj, "format"))
            scn_ld_error(l, path, false,
                         "missing required key 'format' (a date format such as \"%%Y-%%m-%%d %%H:%%M:%%S\")");
        scn_ld_check_date_formats(l, path, x);
    }
}

/* `response` (submit.success and submit.failures): {"url_contains"?: S, "text": S or [S...]}, what the
 * body of an XHR or fetch answer after the final click says. */
static void parse_response(struct scn_ld *l, json_t *obj, const char *path, struct scn_match *m)
{
    json_t *r = scn_ld_get_obj(l, obj, path, "response", false);
    if (!r)
        return;
    char *p = scn_ld_path_of(path, "response");
    static const char *const keys[] = {"url_contains", "text", NULL};
    scn_ld_check_keys(l, r, p, keys, NULL);
    m->response_url = scn_ld_get_str(l, r, p, "url_contains", false, true);
    if (!json_object_get(r, "text"))
        scn_ld_error(l, p, false, "missing required key 'text' (what the answer's body says: a string or a list)");
    scn_ld_get_strs(l, r, p, "text", &m->response_texts, &m->n_response_texts);
    char *pt = scn_ld_path_of(p, "text");
    for (size_t i = 0; i < m->n_response_texts; i++)
        scn_ld_check_vars(l, pt, m->response_texts[i]);
    free(pt);
    free(p);
}

void scn_ld_parse_match(struct scn_ld *l, json_t *obj, const char *path, unsigned keys, const char *const *extra,
                        struct scn_match *m)
{
    const char *allowed[16];
    size_t n = 0;
    if (keys & SCN_MK_TEXT)
        allowed[n++] = "text";
    if (keys & SCN_MK_DIALOG)
        allowed[n++] = "dialog";
    if (keys & SCN_MK_SELECTOR)
        allowed[n++] = "selector";
    if (keys & SCN_MK_URL)
        allowed[n++] = "url_contains";
    if (keys & SCN_MK_URL_NOT)
        allowed[n++] = "url_not_contains";
    if (keys & SCN_MK_STATUS)
        allowed[n++] = "status";
    if (keys & SCN_MK_RESPONSE)
        allowed[n++] = "response";
    size_t n_criteria = n;
    for (size_t i = 0; extra && extra[i]; i++)
        allowed[n++] = extra[i];
    if (keys & SCN_MK_WITHIN)
        allowed[n++] = "within";
    allowed[n] = NULL;
    scn_ld_check_keys(l, obj, path, allowed, NULL);
    scn_ld_get_strs(l, obj, path, "text", &m->texts, &m->n_texts);
    scn_ld_get_strs(l, obj, path, "dialog", &m->dialogs, &m->n_dialogs);
    for (size_t i = 0; i < m->n_texts || i < m->n_dialogs; i++) {
        char *p = scn_ld_path_of(path, i < m->n_texts ? "text" : "dialog");
        if (i < m->n_texts)
            scn_ld_check_vars(l, p, m->texts[i]);
        if (i < m->n_dialogs)
            scn_ld_check_vars(l, p, m->dialogs[i]);
        free(p);
    }
    if (keys & SCN_MK_WITHIN) {
        m->within = scn_ld_get_str(l, obj, path, "within", false, true);
        if (m->within && !m->n_texts && !json_object_get(obj, "selector"))
            scn_ld_error(l, path, false, "'within' scopes 'text' and 'selector'; this match has neither");
    }
    m->selector = scn_ld_get_str(l, obj, path, "selector", false, true);
    m->url_contains = scn_ld_get_str(l, obj, path, "url_contains", false, true);
    m->url_not_contains = scn_ld_get_str(l, obj, path, "url_not_contains", false, true);
    json_t *st = json_object_get(obj, "status");
    if (st && (keys & SCN_MK_STATUS)) {
        char *p = scn_ld_path_of(path, "status");
        json_t *one = json_is_integer(st) ? st : NULL;
        size_t count = one ? 1 : json_is_array(st) ? json_array_size(st) : 0;
        if (!count) {
            scn_ld_error(l, p, false, "'status' must be an HTTP status or a non-empty array of them, not %s",
                         json_is_array(st) ? "an empty array" : scn_ld_type_name(st));
        } else {
            m->statuses = xcalloc(count, sizeof *m->statuses);
            for (size_t i = 0; i < count; i++) {
                json_t *item = one ? one : json_array_get(st, i);
                if (!json_is_integer(item) || json_integer_value(item) < 100 || json_integer_value(item) > 599) {
                    scn_ld_error(l, p, false, "'status' item %zu must be an HTTP status from 100 to 599", i + 1);
                    continue;
                }
                m->statuses[m->n_statuses++] = (int)json_integer_value(item);
            }
        }
        free(p);
    }
    if (keys & SCN_MK_RESPONSE)
        parse_response(l, obj, path, m);
    bool any = false;
    for (size_t i = 0; i < n_criteria; i++)
        any = any || json_object_get(obj, allowed[i]);
    if (!any) {
        struct buf list;
        buf_init(&list);
        for (size_t i = 0; i < n_criteria; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
        scn_ld_error(l, path, false, "needs at least one of: %s", buf_str(&list));
        buf_release(&list);
    }
}

/* submit.failures: each a MATCH (text, dialog, selector, response) with its kind, retries and wait. */
void scn_ld_parse_failures(struct scn_ld *l, json_t *fails, struct scn_submit *sub)
{
    sub->n_failures = json_array_size(fails);
    sub->failures = xcalloc(sub->n_failures ? sub->n_failures : 1, sizeof *sub->failures);
    for (size_t i = 0; i < sub->n_failures; i++) {
        char *p = xasprintf("/submit/failures/%zu", i);
        json_t *f = json_array_get(fails, i);
        struct scn_failure *fl = &sub->failures[i];
        if (!json_is_object(f)) {
            scn_ld_error(l, p, false, "a failure must be an object, not %s", scn_ld_type_name(f));
            free(p);
            continue;
        }
        static const char *const extra[] = {"kind", "retries", "wait_seconds", NULL};
        scn_ld_parse_match(l, f, p, SCN_MK_TEXT | SCN_MK_DIALOG | SCN_MK_SELECTOR | SCN_MK_RESPONSE, extra, &fl->when);
        char *kind = scn_ld_get_str(l, f, p, "kind", true, false);
        if (kind && strcmp(kind, "captcha") == 0)
            fl->kind = SCN_FAIL_CAPTCHA;
        else if (kind && strcmp(kind, "throttle") == 0)
            fl->kind = SCN_FAIL_THROTTLE;
        else if (kind && strcmp(kind, "rejected") == 0)
            fl->kind = SCN_FAIL_REJECTED;
        else if (kind) {
            char *kp = scn_ld_path_of(p, "kind");
            scn_ld_error(l, kp, false, "kind '%s'; expected captcha, throttle or rejected", kind);
            free(kp);
        }
        free(kind);
        fl->retries = scn_ld_get_int(l, f, p, "retries", 0, 20, fl->kind == SCN_FAIL_REJECTED ? 0 : 3);
        fl->wait_ms = scn_ld_get_int(l, f, p, "wait_seconds", 0, 3600, 0) * 1000;
        free(p);
    }
}

void scn_ld_parse_read(struct scn_ld *l, json_t *o, struct scn_read *r)
{
    static const char *const keys[] = {"state", "has_reply", "received_date", "reply_date", "reply_unit",
                                       "reply_text", "replied_states", "removed_states", NULL};
    l->ctx = "check.read";
    scn_ld_check_keys(l, o, "/check/read", keys, NULL);
    struct {
        const char *key;
        struct scn_extractor *x;
        bool is_date, allow_text;
    } fields[] = {
        {"state", &r->state, false, false},           {"has_reply", &r->has_reply, false, true},
        {"received_date", &r->received_date, true, false}, {"reply_date", &r->reply_date, true, false},
        {"reply_unit", &r->reply_unit, false, false}, {"reply_text", &r->reply_text, false, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        json_t *f = scn_ld_get_obj(l, o, "/check/read", fields[i].key, false);
        if (!f)
            continue;
        char *p = scn_ld_path_of("/check/read", fields[i].key);
        char *ctx = xasprintf("check.read.%s", fields[i].key);
        l->ctx = ctx;
        scn_ld_parse_extractor(l, f, p, fields[i].is_date, fields[i].allow_text, NULL, fields[i].x);
        l->ctx = "check.read";
        free(ctx);
        free(p);
    }
    scn_ld_get_strs(l, o, "/check/read", "replied_states", &r->replied_states, &r->n_replied_states);
    scn_ld_get_strs(l, o, "/check/read", "removed_states", &r->removed_states, &r->n_removed_states);
    if (r->n_removed_states && !r->state.is_set)
        scn_ld_error(l, "/check/read/removed_states", true,
                     "'removed_states' needs 'state': the states are read there");
    l->ctx = NULL;
}
