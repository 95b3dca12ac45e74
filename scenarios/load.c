/* The scenario loader: strict JSON in, C structs out. Every problem is reported with the file, line
 * and column (from scenarios/json_pos.c, since jansson knows positions only for syntax errors), where
 * it is (site, submit step 3 (fill '#xm') ...), what was found and what was expected. Loading goes on
 * after a problem so `huixin lint` shows them all at once. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "scenarios/date_parse.h"
#include "scenarios/json_pos.h"
#include "scenarios/regex.h"
#include "scenarios/scenario.h"

#define MAX_DIAGS 100

struct ld {
    const char *file;
    struct scn_json_pos pos;
    struct scn_diags *diags;
    struct err *e;
    int n_errors;
    const char *ctx;  /* where we are, for messages: "site", "submit step 3 (fill '#xm')" */
    char **known;     /* variables defined so far (beside the built-ins) */
    size_t n_known, cap_known;
    bool in_check;    /* check or recover: list_search allowed, final not */
    bool in_recover;  /* only pre-submission variables are known */
};

static void ld_error(struct ld *l, const char *path, bool at_key, const char *fmt, ...) PRINTF_LIKE(4, 5);

static void ld_error(struct ld *l, const char *path, bool at_key, const char *fmt, ...)
{
    int line = 1, column = 1;
    char *p = xstrdup(path);
    /* the nearest indexed ancestor when the path itself has no position (a missing key) */
    while (!scn_json_pos_find(&l->pos, p, at_key, &line, &column)) {
        char *slash = strrchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        at_key = false;
    }
    free(p);
    va_list ap;
    va_start(ap, fmt);
    char *what = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = l->ctx && *l->ctx ? xasprintf("%s:%d:%d: %s: %s", l->file, line, column, l->ctx, what)
                                  : xasprintf("%s:%d:%d: %s", l->file, line, column, what);
    free(what);
    if (l->n_errors == 0)
        err_set(l->e, ERR_INPUT, "%s", msg);
    l->n_errors++;
    if (l->diags->n < MAX_DIAGS) {
        l->diags->lines = xrealloc(l->diags->lines, (l->diags->n + 1) * sizeof *l->diags->lines);
        l->diags->lines[l->diags->n++] = msg;
    } else {
        free(msg);
    }
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "a whole number";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static char *path_of(const char *base, const char *key)
{
    return scn_json_path_join(base, key);
}

static char *path_idx(const char *base, size_t i)
{
    char seg[32];
    snprintf(seg, sizeof seg, "%zu", i);
    return scn_json_path_join(base, seg);
}

/* ---- variables ---- */

static bool known_has(const struct ld *l, const char *name)
{
    for (size_t i = 0; i < scn_vars_builtin_count; i++) {
        if (strcmp(scn_vars_builtin[i], name) == 0)
            return true;
    }
    for (size_t i = 0; i < l->n_known; i++) {
        if (strcmp(l->known[i], name) == 0)
            return true;
    }
    return false;
}

static void known_add(struct ld *l, const char *name)
{
    if (known_has(l, name))
        return;
    if (l->n_known == l->cap_known) {
        l->cap_known = l->cap_known ? l->cap_known * 2 : 16;
        l->known = xrealloc(l->known, l->cap_known * sizeof *l->known);
    }
    l->known[l->n_known++] = xstrdup(name);
}

struct ref_ctx {
    struct ld *l;
    const char *undefined;
};

static int ref_check(const char *name, void *user)
{
    struct ref_ctx *r = user;
    if (known_has(r->l, name))
        return 0;
    r->undefined = xstrdup(name);
    return 1;
}

static void check_vars(struct ld *l, const char *path, const char *s)
{
    struct err e;
    err_init(&e);
    struct ref_ctx r = {l, NULL};
    int rc = scn_vars_each_ref(s, ref_check, &r, &e);
    if (rc < 0) {
        ld_error(l, path, false, "%s", e.msg);
    } else if (r.undefined) {
        struct buf builtins; /* from the table, so the message never lags behind it */
        buf_init(&builtins);
        for (size_t i = 0; i < scn_vars_builtin_count; i++)
            buf_printf(&builtins, "%s%s", i ? ", " : "", scn_vars_builtin[i]);
        if (l->in_recover)
            ld_error(l, path, false,
                     "undefined variable '%s'; the recover phase sees only what is known before a letter is sent: "
                     "a built-in (%s), a name in \"vars\", or a variable an earlier recover step extracted",
                     r.undefined, buf_str(&builtins));
        else
            ld_error(l, path, false,
                     "undefined variable '%s'; expected a built-in (%s), a name in \"vars\", or a variable "
                     "extracted by an earlier step",
                     r.undefined, buf_str(&builtins));
        buf_release(&builtins);
        free((char *)r.undefined);
    }
}

/* ---- typed getters ---- */

/* Reports keys of obj not in allowed (NULL-terminated); skip is left out of the list in the message. */
static void check_keys(struct ld *l, json_t *obj, const char *path, const char *const *allowed, const char *skip)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(allowed[i], key) == 0;
        if (ok)
            continue;
        struct buf list;
        buf_init(&list);
        for (size_t i = 0; allowed[i]; i++) {
            if (skip && strcmp(allowed[i], skip) == 0)
                continue;
            buf_printf(&list, "%s%s", list.len ? ", " : "", allowed[i]);
        }
        char *p = path_of(path, key);
        if (list.len)
            ld_error(l, p, true, "unknown key '%s'; expected one of: %s", key, buf_str(&list));
        else
            ld_error(l, p, true, "unknown key '%s'; this takes no other keys", key);
        free(p);
        buf_release(&list);
    }
}

static char *get_str(struct ld *l, json_t *obj, const char *path, const char *key, bool required, bool vars)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            ld_error(l, path, false, "missing required key '%s'", key);
        return NULL;
    }
    char *p = path_of(path, key);
    char *out = NULL;
    if (!json_is_string(v)) {
        ld_error(l, p, false, "'%s' must be a string, not %s", key, type_name(v));
    } else if (json_string_length(v) == 0) {
        ld_error(l, p, false, "'%s' must not be empty", key);
    } else if (strlen(json_string_value(v)) != json_string_length(v)) {
        ld_error(l, p, false, "'%s' must not contain a NUL character", key);
    } else {
        out = xstrdup(json_string_value(v));
        if (vars)
            check_vars(l, p, out);
    }
    free(p);
    return out;
}

static int get_int(struct ld *l, json_t *obj, const char *path, const char *key, long min, long max, int dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    char *p = path_of(path, key);
    int out = dflt;
    if (!json_is_integer(v))
        ld_error(l, p, false, "'%s' must be a whole number from %ld to %ld, not %s", key, min, max, type_name(v));
    else if (json_integer_value(v) < min || json_integer_value(v) > max)
        ld_error(l, p, false, "'%s' must be a whole number from %ld to %ld, not %" JSON_INTEGER_FORMAT, key, min,
                 max, json_integer_value(v));
    else
        out = (int)json_integer_value(v);
    free(p);
    return out;
}

static bool get_bool(struct ld *l, json_t *obj, const char *path, const char *key, bool dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    if (!json_is_boolean(v)) {
        char *p = path_of(path, key);
        ld_error(l, p, false, "'%s' must be true or false, not %s", key, type_name(v));
        free(p);
        return dflt;
    }
    return json_is_true(v);
}

/* A string or an array of strings. */
static void get_strs(struct ld *l, json_t *obj, const char *path, const char *key, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return;
    char *p = path_of(path, key);
    if (json_is_string(v) && json_string_length(v) > 0) {
        *out = xmalloc(sizeof **out);
        (*out)[(*n)++] = xstrdup(json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        *out = xcalloc(json_array_size(v), sizeof **out);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_string(item) || json_string_length(item) == 0) {
                char *pi = path_idx(p, i);
                ld_error(l, pi, false, "'%s' item %zu must be a non-empty string, not %s", key, i + 1,
                         json_is_string(item) ? "an empty string" : type_name(item));
                free(pi);
                continue;
            }
            (*out)[(*n)++] = xstrdup(json_string_value(item));
        }
    } else {
        ld_error(l, p, false, "'%s' must be a non-empty string or a non-empty array of strings, not %s", key,
                 json_is_string(v) ? "an empty string" : json_is_array(v) ? "an empty array" : type_name(v));
    }
    free(p);
}

static json_t *get_obj(struct ld *l, json_t *obj, const char *path, const char *key, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            ld_error(l, path, false, "missing required key '%s'", key);
        return NULL;
    }
    if (!json_is_object(v)) {
        char *p = path_of(path, key);
        ld_error(l, p, false, "'%s' must be an object, not %s", key, type_name(v));
        free(p);
        return NULL;
    }
    return v;
}

/* Counts which of keys (NULL-terminated) obj has; reports none or more than one. Returns the one, or NULL. */
static const char *one_of(struct ld *l, json_t *obj, const char *path, const char *const *keys, const char *what)
{
    const char *found = NULL;
    struct buf list;
    buf_init(&list);
    for (size_t i = 0; keys[i]; i++)
        buf_printf(&list, "%s'%s'", i ? (keys[i + 1] ? ", " : " or ") : "", keys[i]);
    for (size_t i = 0; keys[i]; i++) {
        if (!json_object_get(obj, keys[i]))
            continue;
        if (found) {
            char *p = path_of(path, keys[i]);
            ld_error(l, p, true, "%s takes only one of %s, not both '%s' and '%s'", what, buf_str(&list), found,
                     keys[i]);
            free(p);
            buf_release(&list);
            return NULL;
        }
        found = keys[i];
    }
    if (!found)
        ld_error(l, path, false, "%s needs one of %s", what, buf_str(&list));
    buf_release(&list);
    return found;
}

/* ---- extractors and matches ---- */

static void compile_regex(struct ld *l, const char *path, const char *src, struct scn_regex **out)
{
    struct err e;
    err_init(&e);
    if (scn_regex_compile(src, out, &e) < 0)
        ld_error(l, path, false, "%s", e.msg);
}

static int set_placeholder(const char *name, void *user)
{
    scn_vars_set(user, name, "x");
    return 0;
}

/* A pattern with ${vars} is compiled at run time with the values quoted; here it is tried with a
 * placeholder for each, so a syntax error is still found by lint. */
static void compile_regex_tmpl(struct ld *l, const char *path, const char *tmpl)
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

/* "regex": compiled now, or kept as a template when it holds ${vars} */
static void parse_regex(struct ld *l, json_t *obj, const char *path, struct scn_extractor *x)
{
    char *re = get_str(l, obj, path, "regex", false, false);
    if (!re)
        return;
    char *p = path_of(path, "regex");
    if (strstr(re, "${")) {
        check_vars(l, p, re);
        compile_regex_tmpl(l, p, re);
        x->regex_tmpl = re;
        re = NULL;
    } else {
        compile_regex(l, p, re, &x->regex);
    }
    free(p);
    free(re);
}

/* {"selector": ..., "attribute": ...} | {"regex": ..., "from": ...} | {"text": ...} (+ "format" for dates) */
static void parse_extractor(struct ld *l, json_t *obj, const char *path, bool is_date, bool allow_text,
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
    check_keys(l, obj, path, allowed, NULL);
    static const char *const kinds_text[] = {"selector", "regex", "text", NULL};
    static const char *const kinds[] = {"selector", "regex", NULL};
    const char *kind = one_of(l, obj, path, allow_text ? kinds_text : kinds, "an extractor");
    x->is_set = true;
    x->from = SCN_FROM_PAGE;
    x->selector = get_str(l, obj, path, "selector", false, true);
    x->attribute = get_str(l, obj, path, "attribute", false, false);
    x->text = get_str(l, obj, path, "text", false, true);
    parse_regex(l, obj, path, x);
    char *from = get_str(l, obj, path, "from", false, false);
    if (from) {
        char *p = path_of(path, "from");
        if (strcmp(from, "page") == 0)
            x->from = SCN_FROM_PAGE;
        else if (strcmp(from, "dialog") == 0)
            x->from = SCN_FROM_DIALOG;
        else if (strcmp(from, "url") == 0)
            x->from = SCN_FROM_URL;
        else
            ld_error(l, p, false, "'from' is '%s'; expected page, dialog or url", from);
        if (kind && strcmp(kind, "regex") != 0)
            ld_error(l, p, true, "'from' goes with 'regex' only");
        free(p);
        free(from);
    }
    if (x->attribute && kind && strcmp(kind, "selector") != 0) {
        char *p = path_of(path, "attribute");
        ld_error(l, p, true, "'attribute' goes with 'selector' only");
        free(p);
    }
    if (is_date) {
        get_strs(l, obj, path, "format", &x->formats, &x->n_formats);
        if (!json_object_get(obj, "format"))
            ld_error(l, path, false, "missing required key 'format' (a date format such as \"%%Y-%%m-%%d %%H:%%M:%%S\")");
        for (size_t i = 0; i < x->n_formats; i++) {
            struct err e;
            err_init(&e);
            if (scn_date_format_check(x->formats[i], &e) < 0) {
                char *p = path_of(path, "format");
                ld_error(l, p, false, "%s", e.msg);
                free(p);
            }
        }
    }
}

/* list_search's older_than: {"selector": each row's date element, "regex"?: the date inside its text,
 * "format": one or a list}. Unlike an extractor, selector and regex go together. */
static void parse_row_dates(struct ld *l, json_t *obj, const char *path, struct scn_extractor *x)
{
    static const char *const keys[] = {"selector", "regex", "format", NULL};
    check_keys(l, obj, path, keys, NULL);
    x->is_set = true;
    x->from = SCN_FROM_PAGE;
    x->selector = get_str(l, obj, path, "selector", false, true);
    if (!x->selector)
        ld_error(l, path, false, "missing required key 'selector': the element holding each row's date (every "
                 "match is read; 'regex' may then pick the date out of each one's text)");
    parse_regex(l, obj, path, x);
    get_strs(l, obj, path, "format", &x->formats, &x->n_formats);
    if (!json_object_get(obj, "format"))
        ld_error(l, path, false, "missing required key 'format' (a date format such as \"%%Y-%%m-%%d\")");
    for (size_t i = 0; i < x->n_formats; i++) {
        struct err e;
        err_init(&e);
        if (scn_date_format_check(x->formats[i], &e) < 0) {
            char *p = path_of(path, "format");
            ld_error(l, p, false, "%s", e.msg);
            free(p);
        }
    }
}

/* Keys a match may take: which ones depend on where it is. */
enum {
    M_TEXT = 1, M_DIALOG = 2, M_SELECTOR = 4, M_URL = 8, M_URL_NOT = 16, M_STATUS = 32, M_WITHIN = 64,
    M_RESPONSE = 128,
};

/* `response` (submit.success and submit.failures): {"url_contains"?: S, "text": S or [S...]}, what the
 * body of an XHR or fetch answer after the final click says. */
static void parse_response(struct ld *l, json_t *obj, const char *path, struct scn_match *m)
{
    json_t *r = get_obj(l, obj, path, "response", false);
    if (!r)
        return;
    char *p = path_of(path, "response");
    static const char *const keys[] = {"url_contains", "text", NULL};
    check_keys(l, r, p, keys, NULL);
    m->response_url = get_str(l, r, p, "url_contains", false, true);
    if (!json_object_get(r, "text"))
        ld_error(l, p, false, "missing required key 'text' (what the answer's body says: a string or a list)");
    get_strs(l, r, p, "text", &m->response_texts, &m->n_response_texts);
    char *pt = path_of(p, "text");
    for (size_t i = 0; i < m->n_response_texts; i++)
        check_vars(l, pt, m->response_texts[i]);
    free(pt);
    free(p);
}

static void parse_match(struct ld *l, json_t *obj, const char *path, unsigned keys, const char *const *extra,
                        struct scn_match *m)
{
    const char *allowed[16];
    size_t n = 0;
    if (keys & M_TEXT)
        allowed[n++] = "text";
    if (keys & M_DIALOG)
        allowed[n++] = "dialog";
    if (keys & M_SELECTOR)
        allowed[n++] = "selector";
    if (keys & M_URL)
        allowed[n++] = "url_contains";
    if (keys & M_URL_NOT)
        allowed[n++] = "url_not_contains";
    if (keys & M_STATUS)
        allowed[n++] = "status";
    if (keys & M_RESPONSE)
        allowed[n++] = "response";
    size_t n_criteria = n;
    for (size_t i = 0; extra && extra[i]; i++)
        allowed[n++] = extra[i];
    if (keys & M_WITHIN)
        allowed[n++] = "within";
    allowed[n] = NULL;
    check_keys(l, obj, path, allowed, NULL);
    get_strs(l, obj, path, "text", &m->texts, &m->n_texts);
    get_strs(l, obj, path, "dialog", &m->dialogs, &m->n_dialogs);
    for (size_t i = 0; i < m->n_texts || i < m->n_dialogs; i++) {
        char *p = path_of(path, i < m->n_texts ? "text" : "dialog");
        if (i < m->n_texts)
            check_vars(l, p, m->texts[i]);
        if (i < m->n_dialogs)
            check_vars(l, p, m->dialogs[i]);
        free(p);
    }
    if (keys & M_WITHIN) {
        m->within = get_str(l, obj, path, "within", false, true);
        if (m->within && !m->n_texts && !json_object_get(obj, "selector"))
            ld_error(l, path, false, "'within' scopes 'text' and 'selector'; this match has neither");
    }
    m->selector = get_str(l, obj, path, "selector", false, true);
    m->url_contains = get_str(l, obj, path, "url_contains", false, true);
    m->url_not_contains = get_str(l, obj, path, "url_not_contains", false, true);
    json_t *st = json_object_get(obj, "status");
    if (st && (keys & M_STATUS)) {
        char *p = path_of(path, "status");
        json_t *one = json_is_integer(st) ? st : NULL;
        size_t count = one ? 1 : json_is_array(st) ? json_array_size(st) : 0;
        if (!count) {
            ld_error(l, p, false, "'status' must be an HTTP status or a non-empty array of them, not %s",
                     json_is_array(st) ? "an empty array" : type_name(st));
        } else {
            m->statuses = xcalloc(count, sizeof *m->statuses);
            for (size_t i = 0; i < count; i++) {
                json_t *item = one ? one : json_array_get(st, i);
                if (!json_is_integer(item) || json_integer_value(item) < 100 || json_integer_value(item) > 599) {
                    ld_error(l, p, false, "'status' item %zu must be an HTTP status from 100 to 599", i + 1);
                    continue;
                }
                m->statuses[m->n_statuses++] = (int)json_integer_value(item);
            }
        }
        free(p);
    }
    if (keys & M_RESPONSE)
        parse_response(l, obj, path, m);
    bool any = false;
    for (size_t i = 0; i < n_criteria; i++)
        any = any || json_object_get(obj, allowed[i]);
    if (!any) {
        struct buf list;
        buf_init(&list);
        for (size_t i = 0; i < n_criteria; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
        ld_error(l, path, false, "needs at least one of: %s", buf_str(&list));
        buf_release(&list);
    }
}

/* ---- steps ---- */

struct kind_spec {
    const char *name;
    const char *const *opts; /* the step's keys beside its kind */
};

static const char *const o_timeout[] = {"timeout_seconds", NULL};
static const char *const o_fill[] = {"value", "timeout_seconds", NULL};
static const char *const o_select[] = {"text", "value", "timeout_seconds", NULL};
static const char *const o_click[] = {"final", "timeout_seconds", NULL};
static const char *const o_click_text[] = {"within", "final", "timeout_seconds", NULL};
static const char *const o_none[] = {NULL};

static const struct kind_spec kind_specs[SCN_STEP_KIND_COUNT] = {
    [SCN_STEP_GOTO] = {"goto", o_timeout},
    [SCN_STEP_FILL] = {"fill", o_fill},
    [SCN_STEP_SELECT] = {"select", o_select},
    [SCN_STEP_CHECK] = {"check", o_timeout},
    [SCN_STEP_UNCHECK] = {"uncheck", o_timeout},
    [SCN_STEP_CHOOSE] = {"choose", o_timeout},
    [SCN_STEP_CLICK] = {"click", o_click},
    [SCN_STEP_CLICK_TEXT] = {"click_text", o_click_text},
    [SCN_STEP_WAIT_FOR] = {"wait_for", o_timeout},
    [SCN_STEP_ASSERT] = {"assert", o_none},
    [SCN_STEP_EXTRACT] = {"extract", o_none},
    [SCN_STEP_SCREENSHOT] = {"screenshot", o_none},
    [SCN_STEP_CAPTCHA] = {"captcha", o_timeout},
    [SCN_STEP_FRAME] = {"frame", o_timeout},
    [SCN_STEP_DIALOG] = {"dialog", o_timeout},
    [SCN_STEP_PAUSE] = {"pause", o_none},
    [SCN_STEP_LIST_SEARCH] = {"list_search", o_timeout},
};

static int kind_find(const char *name)
{
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++) {
        if (strcmp(kind_specs[k].name, name) == 0)
            return k;
    }
    return -1;
}

static char *kinds_list(void)
{
    struct buf b;
    buf_init(&b);
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++)
        buf_printf(&b, "%s%s", k ? ", " : "", kind_specs[k].name);
    return buf_detach(&b);
}

/* A step's main string value (goto, fill, click ...): required, non-empty, variables checked. */
static char *main_str(struct ld *l, json_t *step, const char *path, const char *kind)
{
    return get_str(l, step, path, kind, true, true);
}

static bool is_evidence_name(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return false;
    }
    return n > 0 && n <= 64;
}

static void parse_cond(struct ld *l, json_t *v, const char *path, struct scn_step *s)
{
    static const char *const keys[] = {"text", "selector", "url", "gone", "exists", NULL};
    check_keys(l, v, path, keys, NULL);
    const char *which = one_of(l, v, path, keys, scn_step_kind_name(s->kind));
    if (!which)
        return;
    s->cond = strcmp(which, "text") == 0       ? SCN_COND_TEXT
              : strcmp(which, "selector") == 0 ? SCN_COND_SELECTOR
              : strcmp(which, "url") == 0      ? SCN_COND_URL
              : strcmp(which, "exists") == 0   ? SCN_COND_EXISTS
                                               : SCN_COND_GONE;
    s->target = get_str(l, v, path, which, true, true);
}

/* The label names the step in messages: its kind and its main argument. */
static char *step_label(int kind, json_t *v)
{
    const char *name = kind_specs[kind].name;
    const char *arg = NULL;
    if (json_is_string(v)) {
        arg = json_string_value(v);
    } else if (json_is_object(v)) {
        static const char *const keys[] = {"var", "selector", "text", "url", "gone", "exists", "image", "url_contains", "regex"};
        for (size_t i = 0; !arg && i < ARRAY_LEN(keys); i++) {
            json_t *a = json_object_get(v, keys[i]);
            if (json_is_string(a))
                arg = json_string_value(a);
        }
    } else if (json_is_integer(v)) {
        return xasprintf("%s %" JSON_INTEGER_FORMAT, name, json_integer_value(v));
    }
    if (!arg)
        return xstrdup(name);
    if (strlen(arg) > 60)
        return xasprintf("%s '%.57s...'", name, arg);
    return xasprintf("%s '%s'", name, arg);
}

static void parse_step_body(struct ld *l, json_t *step, const char *path, int kind, struct scn_step *s)
{
    json_t *v = json_object_get(step, kind_specs[kind].name);
    char *vp = path_of(path, kind_specs[kind].name);
    s->timeout_ms = get_int(l, step, path, "timeout_seconds", 1, 3600, 0) * 1000;
    switch ((enum scn_step_kind)kind) {
    case SCN_STEP_GOTO:
    case SCN_STEP_CHECK:
    case SCN_STEP_UNCHECK:
    case SCN_STEP_CHOOSE:
    case SCN_STEP_CLICK:
        s->target = main_str(l, step, path, kind_specs[kind].name);
        break;
    case SCN_STEP_FILL:
        s->target = main_str(l, step, path, "fill");
        if (!json_object_get(step, "value"))
            ld_error(l, path, false, "missing required key 'value'");
        else if (json_is_string(json_object_get(step, "value")) &&
                 json_string_length(json_object_get(step, "value")) == 0)
            s->value = xstrdup(""); /* filling nothing clears a field */
        else
            s->value = get_str(l, step, path, "value", true, true);
        break;
    case SCN_STEP_SELECT: {
        s->target = main_str(l, step, path, "select");
        static const char *const keys[] = {"text", "value", NULL};
        const char *which = one_of(l, step, path, keys, "select");
        if (which) {
            s->select_by_text = strcmp(which, "text") == 0;
            s->value = get_str(l, step, path, which, true, true);
        }
        break;
    }
    case SCN_STEP_CLICK_TEXT:
        s->target = main_str(l, step, path, "click_text");
        s->value = get_str(l, step, path, "within", false, true);
        break;
    case SCN_STEP_WAIT_FOR:
    case SCN_STEP_ASSERT:
        if (!json_is_object(v))
            ld_error(l, vp, false, "'%s' must be an object with one of 'text', 'selector', 'url', 'gone', not %s",
                     kind_specs[kind].name, type_name(v));
        else
            parse_cond(l, v, vp, s);
        break;
    case SCN_STEP_EXTRACT: {
        if (!json_is_object(v)) {
            ld_error(l, vp, false, "'extract' must be an object with 'var' and 'selector' or 'regex', not %s",
                     type_name(v));
            break;
        }
        static const char *const extra[] = {"var", "optional", NULL};
        parse_extractor(l, v, vp, false, false, extra, &s->extract);
        s->var = get_str(l, v, vp, "var", true, false);
        s->is_optional = get_bool(l, v, vp, "optional", false);
        if (s->var && !scn_var_name_is_valid(s->var)) {
            char *p = path_of(vp, "var");
            ld_error(l, p, false, "bad variable name '%s'; expected letters, digits and '_' in dot-separated parts",
                     s->var);
            free(p);
        } else if (s->var && strncmp(s->var, "letter.", 7) == 0) {
            char *p = path_of(vp, "var");
            ld_error(l, p, false, "'%s' is a built-in; extract into another name", s->var);
            free(p);
        } else if (s->var) {
            known_add(l, s->var);
        }
        break;
    }
    case SCN_STEP_SCREENSHOT:
        s->target = get_str(l, step, path, "screenshot", true, false);
        if (s->target && !is_evidence_name(s->target))
            ld_error(l, vp, false, "screenshot name '%s': expected 1 to 64 letters, digits, '-' or '_' (it names a file)",
                     s->target);
        break;
    case SCN_STEP_CAPTCHA: {
        if (!json_is_object(v)) {
            ld_error(l, vp, false, "'captcha' must be an object with 'image' and 'input', not %s", type_name(v));
            break;
        }
        static const char *const keys[] = {"image", "input", "refresh", NULL};
        check_keys(l, v, vp, keys, NULL);
        s->target = get_str(l, v, vp, "image", true, true);
        s->value = get_str(l, v, vp, "input", true, true);
        s->captcha_refresh = get_str(l, v, vp, "refresh", false, true);
        break;
    }
    case SCN_STEP_FRAME:
        if (json_is_string(v)) {
            if (strcmp(json_string_value(v), "main") == 0)
                s->frame_is_main = true;
            else
                ld_error(l, vp, false, "frame '%s': expected \"main\" or an object with 'selector' or 'url_contains'",
                         json_string_value(v));
        } else if (json_is_object(v)) {
            static const char *const keys[] = {"selector", "url_contains", NULL};
            check_keys(l, v, vp, keys, NULL);
            const char *which = one_of(l, v, vp, keys, "frame");
            if (which && strcmp(which, "selector") == 0)
                s->target = get_str(l, v, vp, "selector", true, true);
            else if (which)
                s->frame_url = get_str(l, v, vp, "url_contains", true, true);
        } else {
            ld_error(l, vp, false, "'frame' must be \"main\" or an object with 'selector' or 'url_contains', not %s",
                     type_name(v));
        }
        break;
    case SCN_STEP_DIALOG: {
        if (!json_is_object(v)) {
            ld_error(l, vp, false, "'dialog' must be an object (\"expect\", \"var\"), not %s", type_name(v));
            break;
        }
        static const char *const keys[] = {"expect", "var", NULL};
        check_keys(l, v, vp, keys, NULL);
        s->dialog_type = get_str(l, v, vp, "expect", false, false);
        if (!s->dialog_type) {
            s->dialog_type = xstrdup("any");
        } else if (strcmp(s->dialog_type, "alert") != 0 && strcmp(s->dialog_type, "confirm") != 0 &&
                   strcmp(s->dialog_type, "prompt") != 0 && strcmp(s->dialog_type, "any") != 0) {
            char *p = path_of(vp, "expect");
            ld_error(l, p, false, "'expect' is '%s'; expected alert, confirm, prompt or any", s->dialog_type);
            free(p);
        }
        s->var = get_str(l, v, vp, "var", false, false);
        if (s->var && !scn_var_name_is_valid(s->var)) {
            char *p = path_of(vp, "var");
            ld_error(l, p, false, "bad variable name '%s'", s->var);
            free(p);
        } else if (s->var) {
            known_add(l, s->var);
        }
        break;
    }
    case SCN_STEP_PAUSE:
        s->pause_ms = get_int(l, step, path, "pause", 1, 600, 1) * 1000;
        break;
    case SCN_STEP_LIST_SEARCH: {
        if (!l->in_check)
            ld_error(l, vp, true, "list_search belongs to the check and recover phases");
        if (!json_is_object(v)) {
            ld_error(l, vp, false, "'list_search' must be an object, not %s", type_name(v));
            break;
        }
        static const char *const keys[] = {"url", "token", "next", "max_pages", "follow", "record", "older_than", NULL};
        check_keys(l, v, vp, keys, NULL);
        s->list_record = get_str(l, v, vp, "record", false, true);
        json_t *older = get_obj(l, v, vp, "older_than", false);
        if (older) {
            char *op = path_of(vp, "older_than");
            parse_row_dates(l, older, op, &s->list_older_than);
            free(op);
        }
        s->target = get_str(l, v, vp, "url", false, true);
        s->list_token = get_str(l, v, vp, "token", false, true);
        if (!s->list_token)
            s->list_token = xstrdup("${letter.token}");
        s->list_next = get_str(l, v, vp, "next", false, true);
        s->list_max_pages = get_int(l, v, vp, "max_pages", 1, 200, 5);
        s->list_follow = get_bool(l, v, vp, "follow", true);
        break;
    }
    }
    s->is_final = get_bool(l, step, path, "final", false);
    if (s->is_final && l->in_check) {
        char *p = path_of(path, "final");
        ld_error(l, p, true, "'final' marks the click that sends the letter: it belongs to the submit phase");
        free(p);
    }
    free(vp);
}

static void parse_step(struct ld *l, json_t *step, const char *path, const char *phase, int number,
                       struct scn_step *s)
{
    s->number = number;
    scn_json_pos_find(&l->pos, path, false, &s->line, &s->column);
    char ctx[128];
    snprintf(ctx, sizeof ctx, "%s step %d", phase, number);
    l->ctx = ctx;
    if (!json_is_object(step)) {
        ld_error(l, path, false, "a step must be an object such as {\"click\": \"#submit\"}, not %s", type_name(step));
        s->label = xstrdup("?");
        return;
    }
    int kind = -1;
    const char *key;
    json_t *v;
    json_object_foreach(step, key, v) {
        int k = kind_find(key);
        if (k < 0)
            continue;
        if (kind >= 0) {
            char *p = path_of(path, key);
            ld_error(l, p, true, "a step does one thing; it has both '%s' and '%s'", kind_specs[kind].name, key);
            free(p);
            continue;
        }
        kind = k;
    }
    if (kind < 0) {
        char *list = kinds_list();
        const char *first = NULL;
        json_object_foreach(step, key, v) {
            first = key;
            break;
        }
        if (first) {
            char *p = path_of(path, first);
            ld_error(l, p, true, "unknown step kind '%s'; expected one of: %s", first, list);
            free(p);
        } else {
            ld_error(l, path, false, "empty step; expected one of: %s", list);
        }
        free(list);
        s->label = xstrdup("?");
        return;
    }
    s->kind = (enum scn_step_kind)kind;
    s->label = step_label(kind, json_object_get(step, kind_specs[kind].name));
    char *full = xasprintf("%s step %d (%s)", phase, number, s->label);
    l->ctx = full;
    const char *allowed[8];
    size_t n = 0;
    allowed[n++] = kind_specs[kind].name;
    for (size_t i = 0; kind_specs[kind].opts[i]; i++)
        allowed[n++] = kind_specs[kind].opts[i];
    allowed[n] = NULL;
    check_keys(l, step, path, allowed, kind_specs[kind].name);
    parse_step_body(l, step, path, kind, s);
    l->ctx = NULL;
    free(full);
}

static void parse_phase(struct ld *l, json_t *obj, const char *path, const char *phase, struct scn_phase *out)
{
    json_t *steps = json_object_get(obj, "steps");
    char *sp = path_of(path, "steps");
    if (!steps) {
        ld_error(l, path, false, "missing required key 'steps'");
    } else if (!json_is_array(steps)) {
        ld_error(l, sp, false, "'steps' must be an array of steps, not %s", type_name(steps));
    } else if (json_array_size(steps) == 0) {
        ld_error(l, sp, false, "'steps' is empty; expected at least one step");
    } else {
        out->n_steps = json_array_size(steps);
        out->steps = xcalloc(out->n_steps, sizeof *out->steps);
        for (size_t i = 0; i < out->n_steps; i++) {
            char *p = path_idx(sp, i);
            parse_step(l, json_array_get(steps, i), p, phase, (int)i + 1, &out->steps[i]);
            free(p);
        }
    }
    free(sp);
}

/* ---- sections ---- */

static void parse_site(struct ld *l, json_t *root, struct scn_site *site)
{
    l->ctx = "site";
    json_t *o = get_obj(l, root, "", "site", true);
    site->deadline_workdays = 5;
    site->pacing_seconds = 30;
    if (!o) {
        l->ctx = NULL;
        return;
    }
    static const char *const keys[] = {"name", "owner", "mailbox", "entry_url", "family", "notes",
                                       "deadline_workdays", "pacing_seconds", "hosts", NULL};
    check_keys(l, o, "/site", keys, NULL);
    site->name = get_str(l, o, "/site", "name", true, false);
    site->owner = get_str(l, o, "/site", "owner", false, false);
    site->mailbox = get_str(l, o, "/site", "mailbox", false, false);
    site->entry_url = get_str(l, o, "/site", "entry_url", false, true);
    site->family = get_str(l, o, "/site", "family", false, false);
    site->notes = get_str(l, o, "/site", "notes", false, false);
    site->deadline_workdays = get_int(l, o, "/site", "deadline_workdays", 1, 366, 5);
    site->pacing_seconds = get_int(l, o, "/site", "pacing_seconds", 0, 86400, 30);
    get_strs(l, o, "/site", "hosts", &site->hosts, &site->n_hosts);
    for (size_t i = 0; i < site->n_hosts; i++) {
        if (strpbrk(site->hosts[i], ":/?#@ "))
            ld_error(l, "/site/hosts", false, "host '%s': expected a host name such as 'www.example.gov.cn', no "
                     "scheme, port or path", site->hosts[i]);
    }
    l->ctx = NULL;
}

static void parse_letter(struct ld *l, json_t *root, struct scn_letter_spec *spec)
{
    l->ctx = "letter";
    json_t *o = get_obj(l, root, "", "letter", false);
    spec->token_in = SCN_TOKEN_IN_BODY;
    if (o) {
        static const char *const keys[] = {"category", "token_in", "title_max_chars", "body_max_chars", NULL};
        check_keys(l, o, "/letter", keys, NULL);
        spec->category = get_str(l, o, "/letter", "category", false, false);
        static const char *const cats[] = {"咨询", "建议", "求助", "投诉"};
        bool ok = !spec->category;
        for (size_t i = 0; !ok && i < ARRAY_LEN(cats); i++)
            ok = strcmp(cats[i], spec->category) == 0;
        if (!ok)
            ld_error(l, "/letter/category", false, "category '%s'; expected 咨询, 建议, 求助 or 投诉", spec->category);
        char *place = get_str(l, o, "/letter", "token_in", false, false);
        if (place && strcmp(place, "title") == 0)
            spec->token_in = SCN_TOKEN_IN_TITLE;
        else if (place && strcmp(place, "body") != 0)
            ld_error(l, "/letter/token_in", false, "token_in '%s'; expected title or body", place);
        free(place);
        spec->title_max_chars = get_int(l, o, "/letter", "title_max_chars", 10, 1000, 0);
        spec->body_max_chars = get_int(l, o, "/letter", "body_max_chars", 50, 100000, 0);
    }
    if (!spec->category)
        spec->category = xstrdup("咨询");
    l->ctx = NULL;
}

static void parse_vars(struct ld *l, json_t *root, struct scn_vars *defaults)
{
    l->ctx = "vars";
    json_t *o = get_obj(l, root, "", "vars", false);
    const char *key;
    json_t *v;
    if (o) {
        json_object_foreach(o, key, v) {
            char *p = path_of("/vars", key);
            if (!scn_var_name_is_valid(key))
                ld_error(l, p, true, "bad variable name '%s'; expected letters, digits and '_' in dot-separated parts", key);
            else if (strncmp(key, "letter.", 7) == 0)
                ld_error(l, p, true, "'%s' is a built-in the campaign gives; it cannot have a default", key);
            else if (!json_is_string(v))
                ld_error(l, p, false, "'%s' must be a string, not %s", key, type_name(v));
            else if (strstr(json_string_value(v), "${"))
                ld_error(l, p, false, "'%s': values in \"vars\" are literal; '${' is not allowed here", key);
            else {
                scn_vars_set(defaults, key, json_string_value(v));
                known_add(l, key);
            }
            free(p);
        }
    }
    l->ctx = NULL;
}

static void parse_submit(struct ld *l, json_t *root, struct scn_submit *sub)
{
    json_t *o = json_object_get(root, "submit");
    l->ctx = "submit";
    static const char *const keys[] = {"steps", "success", "failures", NULL};
    check_keys(l, o, "/submit", keys, NULL);
    l->ctx = NULL;
    parse_phase(l, o, "/submit", "submit", &sub->phase);
    l->ctx = "submit";
    int n_final = 0;
    for (size_t i = 0; i < sub->phase.n_steps; i++) {
        if (!sub->phase.steps[i].is_final)
            continue;
        if (++n_final == 2) {
            char *p = xasprintf("/submit/steps/%zu/final", i);
            ld_error(l, p, true, "step %zu is marked final too; exactly one step sends the letter", i + 1);
            free(p);
        }
    }
    if (n_final == 0 && sub->phase.n_steps > 0)
        ld_error(l, "/submit/steps", false, "no step is marked \"final\": true; mark the click that sends the letter");
    json_t *succ = get_obj(l, o, "/submit", "success", true);
    if (succ) {
        l->ctx = "submit.success";
        parse_match(l, succ, "/submit/success", M_TEXT | M_DIALOG | M_SELECTOR | M_URL | M_RESPONSE, NULL,
                    &sub->success);
    }
    json_t *fails = json_object_get(o, "failures");
    l->ctx = "submit.failures";
    if (fails && !json_is_array(fails)) {
        ld_error(l, "/submit/failures", false, "'failures' must be an array, not %s", type_name(fails));
    } else if (fails) {
        sub->n_failures = json_array_size(fails);
        sub->failures = xcalloc(sub->n_failures ? sub->n_failures : 1, sizeof *sub->failures);
        for (size_t i = 0; i < sub->n_failures; i++) {
            char *p = xasprintf("/submit/failures/%zu", i);
            json_t *f = json_array_get(fails, i);
            struct scn_failure *fl = &sub->failures[i];
            if (!json_is_object(f)) {
                ld_error(l, p, false, "a failure must be an object, not %s", type_name(f));
                free(p);
                continue;
            }
            static const char *const extra[] = {"kind", "retries", "wait_seconds", NULL};
            parse_match(l, f, p, M_TEXT | M_DIALOG | M_SELECTOR | M_RESPONSE, extra, &fl->when);
            char *kind = get_str(l, f, p, "kind", true, false);
            if (kind && strcmp(kind, "captcha") == 0)
                fl->kind = SCN_FAIL_CAPTCHA;
            else if (kind && strcmp(kind, "throttle") == 0)
                fl->kind = SCN_FAIL_THROTTLE;
            else if (kind && strcmp(kind, "rejected") == 0)
                fl->kind = SCN_FAIL_REJECTED;
            else if (kind) {
                char *kp = path_of(p, "kind");
                ld_error(l, kp, false, "kind '%s'; expected captcha, throttle or rejected", kind);
                free(kp);
            }
            free(kind);
            fl->retries = get_int(l, f, p, "retries", 0, 20, fl->kind == SCN_FAIL_REJECTED ? 0 : 3);
            fl->wait_ms = get_int(l, f, p, "wait_seconds", 0, 3600, 0) * 1000;
            free(p);
        }
    }
    l->ctx = NULL;
}

static void parse_read(struct ld *l, json_t *o, struct scn_read *r)
{
    static const char *const keys[] = {"state", "has_reply", "received_date", "reply_date", "reply_unit",
                                       "reply_text", "replied_states", "removed_states", NULL};
    l->ctx = "check.read";
    check_keys(l, o, "/check/read", keys, NULL);
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
        json_t *f = get_obj(l, o, "/check/read", fields[i].key, false);
        if (!f)
            continue;
        char *p = path_of("/check/read", fields[i].key);
        char *ctx = xasprintf("check.read.%s", fields[i].key);
        l->ctx = ctx;
        parse_extractor(l, f, p, fields[i].is_date, fields[i].allow_text, NULL, fields[i].x);
        l->ctx = "check.read";
        free(ctx);
        free(p);
    }
    get_strs(l, o, "/check/read", "replied_states", &r->replied_states, &r->n_replied_states);
    get_strs(l, o, "/check/read", "removed_states", &r->removed_states, &r->n_removed_states);
    if (r->n_removed_states && !r->state.is_set)
        ld_error(l, "/check/read/removed_states", true, "'removed_states' needs 'state': the states are read there");
    l->ctx = NULL;
}

static void parse_check(struct ld *l, json_t *root, struct scn_check *c)
{
    json_t *o = json_object_get(root, "check");
    l->ctx = "check";
    static const char *const keys[] = {"steps", "found", "not_found", "unavailable", "read", "lookup",
                                       "proves_absence", "record", NULL};
    check_keys(l, o, "/check", keys, NULL);
    char *lookup = get_str(l, o, "/check", "lookup", false, false);
    c->proves_absence = get_bool(l, o, "/check", "proves_absence", false);
    l->ctx = NULL;
    l->in_check = true;
    parse_phase(l, o, "/check", "check", &c->phase);
    l->in_check = false;
    l->ctx = "check";
    c->record = get_str(l, o, "/check", "record", false, true);
    bool has_list_search = false;
    for (size_t i = 0; i < c->phase.n_steps; i++)
        has_list_search = has_list_search || c->phase.steps[i].kind == SCN_STEP_LIST_SEARCH;
    c->lookup = has_list_search ? SCN_LOOKUP_LIST : SCN_LOOKUP_AUTHORITATIVE;
    if (lookup && strcmp(lookup, "list") == 0)
        c->lookup = SCN_LOOKUP_LIST;
    else if (lookup && strcmp(lookup, "authoritative") == 0 && has_list_search)
        ld_error(l, "/check/lookup", false, "lookup 'authoritative' with a list_search step: a list shows only what "
                 "the site published, so its miss is a list miss; remove 'lookup' or the list_search");
    else if (lookup && strcmp(lookup, "authoritative") == 0)
        c->lookup = SCN_LOOKUP_AUTHORITATIVE;
    else if (lookup)
        ld_error(l, "/check/lookup", false, "lookup '%s'; expected authoritative (the site's own answer about this "
                 "letter: a query by code, its detail URL) or list (a public list or search)", lookup);
    free(lookup);
    if (c->proves_absence && c->lookup != SCN_LOOKUP_LIST)
        ld_error(l, "/check/proves_absence", true, "'proves_absence' is for list lookups (a list that shows every new "
                 "letter at once); an authoritative lookup's miss is proof already");
    l->ctx = "check.found";
    json_t *m = get_obj(l, o, "/check", "found", false);
    if (m)
        parse_match(l, m, "/check/found", M_TEXT | M_SELECTOR | M_URL | M_WITHIN, NULL, &c->found);
    l->ctx = "check.not_found";
    m = get_obj(l, o, "/check", "not_found", true);
    if (m)
        parse_match(l, m, "/check/not_found", M_TEXT | M_DIALOG | M_SELECTOR | M_URL | M_URL_NOT | M_STATUS | M_WITHIN, NULL,
                    &c->not_found);
    if (!c->not_found.n_statuses && !(m && json_object_get(m, "status"))) {
        /* a detail page that answers 404 or 410 is gone, unless the scenario says otherwise */
        c->not_found.statuses = xcalloc(2, sizeof *c->not_found.statuses);
        c->not_found.statuses[0] = 404;
        c->not_found.statuses[1] = 410;
        c->not_found.n_statuses = 2;
    }
    l->ctx = "check.unavailable";
    m = get_obj(l, o, "/check", "unavailable", false);
    if (m)
        parse_match(l, m, "/check/unavailable", M_TEXT | M_SELECTOR | M_STATUS | M_WITHIN, NULL, &c->unavailable);
    json_t *r = get_obj(l, o, "/check", "read", false);
    if (r)
        parse_read(l, r, &c->read);
    l->ctx = NULL;
}

/* The recover phase sees only what is known before a letter is sent (the built-ins and "vars"), so
 * it is parsed before the submit phase, and what it extracts is kept apart from what check sees. */
static void parse_recover(struct ld *l, json_t *root, struct scn_recover *r, char ***vars_out, size_t *n_vars_out)
{
    json_t *o = json_object_get(root, "recover");
    size_t known_before = l->n_known;
    l->ctx = "recover";
    static const char *const keys[] = {"steps", "found", "not_found", "unavailable", "proves_absence", NULL};
    check_keys(l, o, "/recover", keys, NULL);
    r->proves_absence = get_bool(l, o, "/recover", "proves_absence", false);
    l->ctx = NULL;
    l->in_check = l->in_recover = true;
    parse_phase(l, o, "/recover", "recover", &r->phase);
    l->ctx = "recover.found";
    json_t *m = get_obj(l, o, "/recover", "found", false);
    if (m)
        parse_match(l, m, "/recover/found", M_TEXT | M_SELECTOR | M_URL | M_WITHIN, NULL, &r->found);
    l->ctx = "recover.not_found";
    m = get_obj(l, o, "/recover", "not_found", false);
    if (m)
        parse_match(l, m, "/recover/not_found", M_TEXT | M_SELECTOR | M_URL | M_URL_NOT | M_STATUS | M_WITHIN, NULL,
                    &r->not_found);
    l->ctx = "recover.unavailable";
    m = get_obj(l, o, "/recover", "unavailable", false);
    if (m)
        parse_match(l, m, "/recover/unavailable", M_TEXT | M_SELECTOR | M_STATUS | M_WITHIN, NULL, &r->unavailable);
    l->in_check = l->in_recover = false;
    bool has_list_search = false;
    for (size_t i = 0; i < r->phase.n_steps; i++)
        has_list_search = has_list_search || r->phase.steps[i].kind == SCN_STEP_LIST_SEARCH;
    l->ctx = "recover";
    if (scn_match_is_empty(&r->found) && !has_list_search && r->phase.n_steps > 0)
        ld_error(l, "/recover", false,
                 "needs 'found' (what shows the letter is there) or a list_search step that looks for the token; "
                 "without either any page that loads would count as the letter");
    l->ctx = NULL;
    *n_vars_out = l->n_known - known_before;
    *vars_out = xcalloc(*n_vars_out + 1, sizeof **vars_out);
    for (size_t i = 0; i < *n_vars_out; i++)
        (*vars_out)[i] = l->known[known_before + i]; /* moved: the submit and check phases do not see them */
    l->n_known = known_before;
}

static void parse_root(struct ld *l, json_t *root, struct scn_scenario *s)
{
    static const char *const keys[] = {"huixin_scenario", "description", "site", "letter", "vars",
                                       "submit", "check", "recover", NULL};
    check_keys(l, root, "", keys, NULL);
    json_t *ver = json_object_get(root, "huixin_scenario");
    if (!ver)
        ld_error(l, "", false, "missing required key 'huixin_scenario' (the format version: 1)");
    else if (!json_is_integer(ver))
        ld_error(l, "/huixin_scenario", false, "huixin_scenario must be %d (the format this huixin reads), not %s",
                 SCN_FORMAT_VERSION, type_name(ver));
    else if (json_integer_value(ver) != SCN_FORMAT_VERSION)
        ld_error(l, "/huixin_scenario", false,
                 "huixin_scenario must be %d (the format this huixin reads), not %" JSON_INTEGER_FORMAT,
                 SCN_FORMAT_VERSION, json_integer_value(ver));
    s->description = get_str(l, root, "", "description", false, false);
    parse_vars(l, root, &s->defaults); /* first: site.entry_url may use a default */
    parse_site(l, root, &s->site);
    parse_letter(l, root, &s->letter);
    json_t *sub = json_object_get(root, "submit"), *chk = json_object_get(root, "check");
    if (!sub && !chk)
        ld_error(l, "", false, "needs a 'submit' section, a 'check' section, or both");
    json_t *rec = json_object_get(root, "recover");
    if (rec && !json_is_object(rec)) {
        ld_error(l, "/recover", false, "'recover' must be an object, not %s", type_name(rec));
    } else if (rec && !sub) {
        ld_error(l, "/recover", true, "a recover phase finds a letter the submit phase may have sent; this "
                 "scenario has no 'submit' section");
    } else if (rec) {
        s->has_recover = true;
        parse_recover(l, root, &s->recover, &s->recover_vars, &s->n_recover_vars);
    }
    if (sub && !json_is_object(sub)) {
        ld_error(l, "/submit", false, "'submit' must be an object, not %s", type_name(sub));
    } else if (sub) {
        s->has_submit = true;
        size_t before = l->n_known;
        parse_submit(l, root, &s->submit);
        s->n_submit_vars = l->n_known - before;
        s->submit_vars = xcalloc(s->n_submit_vars + 1, sizeof *s->submit_vars);
        for (size_t i = 0; i < s->n_submit_vars; i++)
            s->submit_vars[i] = xstrdup(l->known[before + i]);
    }
    if (chk && !json_is_object(chk)) {
        ld_error(l, "/check", false, "'check' must be an object, not %s", type_name(chk));
    } else if (chk) {
        s->has_check = true;
        parse_check(l, root, &s->check);
    }
}

int scn_scenario_parse(const char *path, const char *text, size_t len, struct scn_scenario **out,
                       struct scn_diags *diags, struct err *e)
{
    *out = NULL;
    struct scn_diags local = {NULL, 0};
    struct ld l = {.file = path, .diags = diags ? diags : &local, .e = e};
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int rc = 0;
    if (!root) {
        const char *hint = "";
        if (strstr(je.text, "near '/'"))
            hint = "; comments are not allowed in JSON (use \"description\" or site \"notes\")";
        char *msg = xasprintf("%s:%d:%d: invalid JSON: %s%s", path, je.line, je.column, je.text, hint);
        err_set(e, ERR_INPUT, "%s", msg);
        l.diags->lines = xrealloc(l.diags->lines, (l.diags->n + 1) * sizeof *l.diags->lines);
        l.diags->lines[l.diags->n++] = msg;
        rc = ERR_INPUT;
        goto out;
    }
    scn_json_pos_build(&l.pos, text, len);
    struct scn_scenario *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    scn_vars_init(&s->defaults);
    if (!json_is_object(root))
        ld_error(&l, "", false, "a scenario is a JSON object, not %s", type_name(root));
    else
        parse_root(&l, root, s);
    if (l.n_errors) {
        scn_scenario_free(s);
        rc = ERR_INPUT;
    } else {
        *out = s;
    }
out:
    json_decref(root);
    scn_json_pos_release(&l.pos);
    for (size_t i = 0; i < l.n_known; i++)
        free(l.known[i]);
    free(l.known);
    scn_diags_release(&local);
    return rc;
}

int scn_scenario_load(const char *path, struct scn_scenario **out, struct scn_diags *diags, struct err *e)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = file_read_all(path, &text, &len, e);
    if (rc < 0) {
        if (diags) {
            diags->lines = xrealloc(diags->lines, (diags->n + 1) * sizeof *diags->lines);
            diags->lines[diags->n++] = xstrdup(e ? e->msg : "cannot read the file");
        }
        return rc;
    }
    rc = scn_scenario_parse(path, text, len, out, diags, e);
    free(text);
    return rc;
}
