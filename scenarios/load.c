/* The scenario loader: strict JSON in, C structs out. Every problem is reported with the file, line
 * and column (from scenarios/json_pos.c, since jansson knows positions only for syntax errors), where
 * it is (site, submit step 3 (fill '#xm') ...), what was found and what was expected. Loading goes on
 * after a problem so `huixin lint` shows them all at once.
 *
 * This file holds the typed getters (load_internal.h), the sections and what every step shares; MATCH,
 * FAILURE and READ are in load_match.c, each step kind's own keys in its scenarios/step_*.c. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "common/proxy.h"
#include "scenarios/json_pos.h"
#include "scenarios/load_internal.h"
#include "scenarios/scenario.h"
#include "scenarios/step.h"

#define MAX_DIAGS 100

void scn_ld_error(struct scn_ld *l, const char *path, bool at_key, const char *fmt, ...)
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

const char *scn_ld_type_name(const json_t *v)
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

char *scn_ld_path_of(const char *base, const char *key)
{
    return scn_json_path_join(base, key);
}

char *scn_ld_path_idx(const char *base, size_t i)
{
    char seg[32];
    snprintf(seg, sizeof seg, "%zu", i);
    return scn_json_path_join(base, seg);
}

/* ---- variables ---- */

static bool known_has(const struct scn_ld *l, const char *name)
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

void scn_ld_known_add(struct scn_ld *l, const char *name)
{
    if (known_has(l, name))
        return;
    if (l->n_known == l->cap_known) {
        l->cap_known = l->cap_known ? l->cap_known * 2 : 16;
        l->known = xrealloc(l->known, l->cap_known * sizeof *l->known);
    }
    l->known[l->n_known++] = xstrdup(name);
}

void scn_ld_var_target(struct scn_ld *l, const char *vpath, const char *var, const char *verb)
{
    if (!var)
        return;
    char *p = scn_ld_path_of(vpath, "var");
    if (!scn_var_name_is_valid(var))
        scn_ld_error(l, p, false, "bad variable name '%s'; expected letters, digits and '_' in dot-separated parts",
                     var);
    else if (strncmp(var, "letter.", 7) == 0)
        scn_ld_error(l, p, false, "'%s' is a built-in; %s into another name", var, verb);
    else
        scn_ld_known_add(l, var);
    free(p);
}

struct ref_ctx {
    struct scn_ld *l;
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

void scn_ld_check_vars(struct scn_ld *l, const char *path, const char *s)
{
    struct err e;
    err_init(&e);
    struct ref_ctx r = {l, NULL};
    int rc = scn_vars_each_ref(s, ref_check, &r, &e);
    if (rc < 0) {
        scn_ld_error(l, path, false, "%s", e.msg);
    } else if (r.undefined) {
        struct buf builtins; /* from the table, so the message never lags behind it */
        buf_init(&builtins);
        for (size_t i = 0; i < scn_vars_builtin_count; i++)
            buf_printf(&builtins, "%s%s", i ? ", " : "", scn_vars_builtin[i]);
        if (l->in_recover)
            scn_ld_error(l, path, false,
                         "undefined variable '%s'; the recover phase sees only what is known before a letter is sent: "
                         "a built-in (%s), a name in \"vars\", or a variable an earlier recover step extracted",
                         r.undefined, buf_str(&builtins));
        else
            scn_ld_error(l, path, false,
                         "undefined variable '%s'; expected a built-in (%s), a name in \"vars\", or a variable "
                         "extracted by an earlier step",
                         r.undefined, buf_str(&builtins));
        buf_release(&builtins);
        free((char *)r.undefined);
    }
}

/* ---- typed getters ---- */

/* Reports keys of obj not in allowed (NULL-terminated); skip is left out of the list in the message. */
void scn_ld_check_keys(struct scn_ld *l, json_t *obj, const char *path, const char *const *allowed, const char *skip)
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
        char *p = scn_ld_path_of(path, key);
        if (list.len)
            scn_ld_error(l, p, true, "unknown key '%s'; expected one of: %s", key, buf_str(&list));
        else
            scn_ld_error(l, p, true, "unknown key '%s'; this takes no other keys", key);
        free(p);
        buf_release(&list);
    }
}

char *scn_ld_get_str(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool required, bool vars)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            scn_ld_error(l, path, false, "missing required key '%s'", key);
        return NULL;
    }
    char *p = scn_ld_path_of(path, key);
    char *out = NULL;
    if (!json_is_string(v)) {
        scn_ld_error(l, p, false, "'%s' must be a string, not %s", key, scn_ld_type_name(v));
    } else if (json_string_length(v) == 0) {
        scn_ld_error(l, p, false, "'%s' must not be empty", key);
    } else if (strlen(json_string_value(v)) != json_string_length(v)) {
        scn_ld_error(l, p, false, "'%s' must not contain a NUL character", key);
    } else {
        out = xstrdup(json_string_value(v));
        if (vars)
            scn_ld_check_vars(l, p, out);
    }
    free(p);
    return out;
}

int scn_ld_get_int(struct scn_ld *l, json_t *obj, const char *path, const char *key, long min, long max, int dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    char *p = scn_ld_path_of(path, key);
    int out = dflt;
    if (!json_is_integer(v))
        scn_ld_error(l, p, false, "'%s' must be a whole number from %ld to %ld, not %s", key, min, max,
                     scn_ld_type_name(v));
    else if (json_integer_value(v) < min || json_integer_value(v) > max)
        scn_ld_error(l, p, false, "'%s' must be a whole number from %ld to %ld, not %" JSON_INTEGER_FORMAT, key, min,
                     max, json_integer_value(v));
    else
        out = (int)json_integer_value(v);
    free(p);
    return out;
}

bool scn_ld_get_bool(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    if (!json_is_boolean(v)) {
        char *p = scn_ld_path_of(path, key);
        scn_ld_error(l, p, false, "'%s' must be true or false, not %s", key, scn_ld_type_name(v));
        free(p);
        return dflt;
    }
    return json_is_true(v);
}

/* A string or an array of strings. */
void scn_ld_get_strs(struct scn_ld *l, json_t *obj, const char *path, const char *key, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return;
    char *p = scn_ld_path_of(path, key);
    if (json_is_string(v) && json_string_length(v) > 0) {
        *out = xmalloc(sizeof **out);
        (*out)[(*n)++] = xstrdup(json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        *out = xcalloc(json_array_size(v), sizeof **out);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_string(item) || json_string_length(item) == 0) {
                char *pi = scn_ld_path_idx(p, i);
                scn_ld_error(l, pi, false, "'%s' item %zu must be a non-empty string, not %s", key, i + 1,
                             json_is_string(item) ? "an empty string" : scn_ld_type_name(item));
                free(pi);
                continue;
            }
            (*out)[(*n)++] = xstrdup(json_string_value(item));
        }
    } else {
        scn_ld_error(l, p, false, "'%s' must be a non-empty string or a non-empty array of strings, not %s", key,
                     json_is_string(v) ? "an empty string" : json_is_array(v) ? "an empty array" : scn_ld_type_name(v));
    }
    free(p);
}

json_t *scn_ld_get_obj(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            scn_ld_error(l, path, false, "missing required key '%s'", key);
        return NULL;
    }
    if (!json_is_object(v)) {
        char *p = scn_ld_path_of(path, key);
        scn_ld_error(l, p, false, "'%s' must be an object, not %s", key, scn_ld_type_name(v));
        free(p);
        return NULL;
    }
    return v;
}

/* Counts which of keys (NULL-terminated) obj has; reports none or more than one. Returns the one, or NULL. */
const char *scn_ld_one_of(struct scn_ld *l, json_t *obj, const char *path, const char *const *keys, const char *what)
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
            char *p = scn_ld_path_of(path, keys[i]);
            scn_ld_error(l, p, true, "%s takes only one of %s, not both '%s' and '%s'", what, buf_str(&list), found,
                         keys[i]);
            free(p);
            buf_release(&list);
            return NULL;
        }
        found = keys[i];
    }
    if (!found)
        scn_ld_error(l, path, false, "%s needs one of %s", what, buf_str(&list));
    buf_release(&list);
    return found;
}

/* ---- steps: what every kind shares; each kind's own keys are read by its ops (scenarios/step.h) ---- */

static int kind_find(const char *name)
{
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++) {
        if (strcmp(scn_step_table[k]->name, name) == 0)
            return k;
    }
    return -1;
}

static char *kinds_list(void)
{
    struct buf b;
    buf_init(&b);
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++)
        buf_printf(&b, "%s%s", k ? ", " : "", scn_step_table[k]->name);
    return buf_detach(&b);
}

/* The label names the step in messages: its kind and its main argument. */
static char *step_label(int kind, json_t *v)
{
    const char *name = scn_step_table[kind]->name;
    const char *arg = NULL;
    if (json_is_string(v)) {
        arg = json_string_value(v);
    } else if (json_is_object(v)) {
        static const char *const keys[] = {"var",    "selector", "text",         "url",  "gone",
                                           "exists", "image",    "url_contains", "regex"};
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

/* timeout_seconds and final are read whatever the kind (a kind that does not take them has had them
 * reported as unknown keys already); the rest is the kind's own. */
static void parse_step_body(struct scn_ld *l, json_t *step, const char *path, int kind, struct scn_step *s)
{
    const struct scn_step_ops *ops = scn_step_table[kind];
    json_t *v = json_object_get(step, ops->name);
    char *vp = scn_ld_path_of(path, ops->name);
    s->timeout_ms = scn_ld_get_int(l, step, path, "timeout_seconds", 1, 3600, 0) * 1000;
    ops->parse(l, step, path, v, vp, s);
    s->is_final = scn_ld_get_bool(l, step, path, "final", false);
    if (s->is_final && l->in_check) {
        char *p = scn_ld_path_of(path, "final");
        scn_ld_error(l, p, true, "'final' marks the click that sends the letter: it belongs to the submit phase");
        free(p);
    }
    free(vp);
}

static void parse_step(struct scn_ld *l, json_t *step, const char *path, const char *phase, int number,
                       struct scn_step *s)
{
    s->number = number;
    scn_json_pos_find(&l->pos, path, false, &s->line, &s->column);
    char ctx[128];
    snprintf(ctx, sizeof ctx, "%s step %d", phase, number);
    l->ctx = ctx;
    if (!json_is_object(step)) {
        scn_ld_error(l, path, false, "a step must be an object such as {\"click\": \"#submit\"}, not %s",
                     scn_ld_type_name(step));
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
            char *p = scn_ld_path_of(path, key);
            scn_ld_error(l, p, true, "a step does one thing; it has both '%s' and '%s'", scn_step_table[kind]->name,
                         key);
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
            char *p = scn_ld_path_of(path, first);
            scn_ld_error(l, p, true, "unknown step kind '%s'; expected one of: %s", first, list);
            free(p);
        } else {
            scn_ld_error(l, path, false, "empty step; expected one of: %s", list);
        }
        free(list);
        s->label = xstrdup("?");
        return;
    }
    s->kind = (enum scn_step_kind)kind;
    s->label = step_label(kind, json_object_get(step, scn_step_table[kind]->name));
    char *full = xasprintf("%s step %d (%s)", phase, number, s->label);
    l->ctx = full;
    const struct scn_step_ops *ops = scn_step_table[kind];
    const char *allowed[16];
    size_t n = 0;
    allowed[n++] = ops->name;
    for (size_t i = 0; ops->keys[i] && n < ARRAY_LEN(allowed) - 1; i++)
        allowed[n++] = ops->keys[i];
    allowed[n] = NULL;
    scn_ld_check_keys(l, step, path, allowed, ops->name);
    parse_step_body(l, step, path, kind, s);
    l->ctx = NULL;
    free(full);
}

static void parse_phase(struct scn_ld *l, json_t *obj, const char *path, const char *phase, struct scn_phase *out)
{
    json_t *steps = json_object_get(obj, "steps");
    char *sp = scn_ld_path_of(path, "steps");
    if (!steps) {
        scn_ld_error(l, path, false, "missing required key 'steps'");
    } else if (!json_is_array(steps)) {
        scn_ld_error(l, sp, false, "'steps' must be an array of steps, not %s", scn_ld_type_name(steps));
    } else if (json_array_size(steps) == 0) {
        scn_ld_error(l, sp, false, "'steps' is empty; expected at least one step");
    } else {
        out->n_steps = json_array_size(steps);
        out->steps = xcalloc(out->n_steps, sizeof *out->steps);
        for (size_t i = 0; i < out->n_steps; i++) {
            char *p = scn_ld_path_idx(sp, i);
            parse_step(l, json_array_get(steps, i), p, phase, (int)i + 1, &out->steps[i]);
            free(p);
        }
    }
    free(sp);
}

/* ---- sections ---- */

/* site.proxy: a proxy URL (common/proxy.h) or "direct"; site.proxy_credentials: its file, relative to the
 * scenario's folder (read when a visit starts: lint needs no secrets). */
static void parse_site_proxy(struct scn_ld *l, json_t *o, struct scn_site *site)
{
    site->proxy = scn_ld_get_str(l, o, "/site", "proxy", false, false);
    char *cred = scn_ld_get_str(l, o, "/site", "proxy_credentials", false, false);
    struct proxy px;
    struct err pe;
    err_init(&pe);
    bool is_direct = site->proxy && strcmp(site->proxy, "direct") == 0;
    bool is_ok = site->proxy && !is_direct && proxy_parse(site->proxy, &px, &pe) == 0;
    if (site->proxy && !is_direct && !is_ok)
        scn_ld_error(l, "/site/proxy", false, "%s, or \"direct\" for none", pe.msg);
    if (cred && (!site->proxy || is_direct))
        scn_ld_error(l, "/site/proxy_credentials", true, "proxy_credentials without a proxy: give site.proxy "
                     "(http://HOST:PORT)");
    else if (cred && is_ok && proxy_is_socks(&px))
        scn_ld_error(l, "/site/proxy_credentials", true, "Chromium cannot authenticate to a SOCKS5 proxy: use one "
                     "without credentials, or an HTTP proxy");
    if (is_ok)
        proxy_release(&px);
    if (cred && cred[0] != '/') {
        const char *slash = strrchr(l->file, '/');
        char *abs = slash ? xasprintf("%.*s/%s", (int)(slash - l->file), l->file, cred) : xstrdup(cred);
        free(cred);
        cred = abs;
    }
    site->proxy_credentials = cred;
}

static void parse_site(struct scn_ld *l, json_t *root, struct scn_site *site)
{
    l->ctx = "site";
    json_t *o = scn_ld_get_obj(l, root, "", "site", true);
    site->deadline_workdays = 5;
    site->pacing_seconds = 30;
    if (!o) {
        l->ctx = NULL;
        return;
    }
    static const char *const keys[] = {"name", "owner", "mailbox", "entry_url", "family", "notes",
                                       "deadline_workdays", "pacing_seconds", "hosts",
                                       "other_hosts_seconds", "block_trackers", "tls", "proxy",
                                       "proxy_credentials", NULL};
    scn_ld_check_keys(l, o, "/site", keys, NULL);
    site->name = scn_ld_get_str(l, o, "/site", "name", true, false);
    site->owner = scn_ld_get_str(l, o, "/site", "owner", false, false);
    site->mailbox = scn_ld_get_str(l, o, "/site", "mailbox", false, false);
    site->entry_url = scn_ld_get_str(l, o, "/site", "entry_url", false, true);
    site->family = scn_ld_get_str(l, o, "/site", "family", false, false);
    site->notes = scn_ld_get_str(l, o, "/site", "notes", false, false);
    site->deadline_workdays = scn_ld_get_int(l, o, "/site", "deadline_workdays", 1, 366, 5);
    site->pacing_seconds = scn_ld_get_int(l, o, "/site", "pacing_seconds", 0, 86400, 30);
    site->other_hosts_seconds = scn_ld_get_int(l, o, "/site", "other_hosts_seconds", 1, 600, 0);
    site->has_block_trackers = json_object_get(o, "block_trackers") != NULL;
    site->is_block_trackers = scn_ld_get_bool(l, o, "/site", "block_trackers", false);
    scn_ld_get_strs(l, o, "/site", "hosts", &site->hosts, &site->n_hosts);
    for (size_t i = 0; i < site->n_hosts; i++) {
        if (strpbrk(site->hosts[i], ":/?#@ "))
            scn_ld_error(l, "/site/hosts", false, "host '%s': expected a host name such as 'www.example.gov.cn', no "
                         "scheme, port or path", site->hosts[i]);
    }
    char *tls = scn_ld_get_str(l, o, "/site", "tls", false, false);
    site->tls = tls && strcmp(tls, "accept") == 0 ? SCN_TLS_ACCEPT : SCN_TLS_STRICT;
    if (tls && strcmp(tls, "accept") != 0 && strcmp(tls, "strict") != 0)
        scn_ld_error(l, "/site/tls", false, "tls '%s'; expected strict (a certificate error fails the visit) or "
                     "accept (the visit goes on past it, and the evidence says so)", tls);
    free(tls);
    parse_site_proxy(l, o, site);
    l->ctx = NULL;
}

static void parse_letter(struct scn_ld *l, json_t *root, struct scn_letter_spec *spec)
{
    l->ctx = "letter";
    json_t *o = scn_ld_get_obj(l, root, "", "letter", false);
    spec->token_in = SCN_TOKEN_IN_BODY;
    if (o) {
        static const char *const keys[] = {"category", "token_in", "title_max_chars", "body_max_chars", NULL};
        scn_ld_check_keys(l, o, "/letter", keys, NULL);
        spec->category = scn_ld_get_str(l, o, "/letter", "category", false, false);
        static const char *const cats[] = {"咨询", "建议", "求助", "投诉"};
        bool ok = !spec->category;
        for (size_t i = 0; !ok && i < ARRAY_LEN(cats); i++)
            ok = strcmp(cats[i], spec->category) == 0;
        if (!ok)
            scn_ld_error(l, "/letter/category", false, "category '%s'; expected 咨询, 建议, 求助 or 投诉",
                         spec->category);
        char *place = scn_ld_get_str(l, o, "/letter", "token_in", false, false);
        if (place && strcmp(place, "title") == 0)
            spec->token_in = SCN_TOKEN_IN_TITLE;
        else if (place && strcmp(place, "body") != 0)
            scn_ld_error(l, "/letter/token_in", false, "token_in '%s'; expected title or body", place);
        free(place);
        spec->title_max_chars = scn_ld_get_int(l, o, "/letter", "title_max_chars", 10, 1000, 0);
        spec->body_max_chars = scn_ld_get_int(l, o, "/letter", "body_max_chars", 50, 100000, 0);
    }
    if (!spec->category)
        spec->category = xstrdup("咨询");
    l->ctx = NULL;
}

static void parse_vars(struct scn_ld *l, json_t *root, struct scn_vars *defaults)
{
    l->ctx = "vars";
    json_t *o = scn_ld_get_obj(l, root, "", "vars", false);
    const char *key;
    json_t *v;
    if (o) {
        json_object_foreach(o, key, v) {
            char *p = scn_ld_path_of("/vars", key);
            if (!scn_var_name_is_valid(key))
                scn_ld_error(l, p, true,
                             "bad variable name '%s'; expected letters, digits and '_' in dot-separated parts", key);
            else if (strncmp(key, "letter.", 7) == 0)
                scn_ld_error(l, p, true, "'%s' is a built-in the campaign gives; it cannot have a default", key);
            else if (!json_is_string(v))
                scn_ld_error(l, p, false, "'%s' must be a string, not %s", key, scn_ld_type_name(v));
            else if (strstr(json_string_value(v), "${"))
                scn_ld_error(l, p, false, "'%s': values in \"vars\" are literal; '${' is not allowed here", key);
            else {
                scn_vars_set(defaults, key, json_string_value(v));
                scn_ld_known_add(l, key);
            }
            free(p);
        }
    }
    l->ctx = NULL;
}

static void parse_submit(struct scn_ld *l, json_t *root, struct scn_submit *sub)
{
    json_t *o = json_object_get(root, "submit");
    l->ctx = "submit";
    static const char *const keys[] = {"steps", "success", "failures", NULL};
    scn_ld_check_keys(l, o, "/submit", keys, NULL);
    l->ctx = NULL;
    parse_phase(l, o, "/submit", "submit", &sub->phase);
    l->ctx = "submit";
    int n_final = 0;
    for (size_t i = 0; i < sub->phase.n_steps; i++) {
        if (!sub->phase.steps[i].is_final)
            continue;
        if (++n_final == 2) {
            char *p = xasprintf("/submit/steps/%zu/final", i);
            scn_ld_error(l, p, true, "step %zu is marked final too; exactly one step sends the letter", i + 1);
            free(p);
        }
    }
    if (n_final == 0 && sub->phase.n_steps > 0)
        scn_ld_error(l, "/submit/steps", false,
                     "no step is marked \"final\": true; mark the click that sends the letter");
    json_t *succ = scn_ld_get_obj(l, o, "/submit", "success", true);
    if (succ) {
        l->ctx = "submit.success";
        scn_ld_parse_match(l, succ, "/submit/success",
                           SCN_MK_TEXT | SCN_MK_DIALOG | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_RESPONSE,
                           NULL, &sub->success);
    }
    json_t *fails = json_object_get(o, "failures");
    l->ctx = "submit.failures";
    if (fails && !json_is_array(fails)) {
        scn_ld_error(l, "/submit/failures", false, "'failures' must be an array, not %s", scn_ld_type_name(fails));
    } else if (fails) {
        scn_ld_parse_failures(l, fails, sub);
    }
    l->ctx = NULL;
}

static void parse_check(struct scn_ld *l, json_t *root, struct scn_check *c)
{
    json_t *o = json_object_get(root, "check");
    l->ctx = "check";
    static const char *const keys[] = {"steps", "found", "not_found", "unavailable", "read", "lookup",
                                       "proves_absence", "record", NULL};
    scn_ld_check_keys(l, o, "/check", keys, NULL);
    char *lookup = scn_ld_get_str(l, o, "/check", "lookup", false, false);
    c->proves_absence = scn_ld_get_bool(l, o, "/check", "proves_absence", false);
    l->ctx = NULL;
    l->in_check = true;
    parse_phase(l, o, "/check", "check", &c->phase);
    l->in_check = false;
    l->ctx = "check";
    c->record = scn_ld_get_str(l, o, "/check", "record", false, true);
    bool has_list_search = false;
    for (size_t i = 0; i < c->phase.n_steps; i++)
        has_list_search = has_list_search || c->phase.steps[i].kind == SCN_STEP_LIST_SEARCH;
    c->lookup = has_list_search ? SCN_LOOKUP_LIST : SCN_LOOKUP_AUTHORITATIVE;
    if (lookup && strcmp(lookup, "list") == 0)
        c->lookup = SCN_LOOKUP_LIST;
    else if (lookup && strcmp(lookup, "authoritative") == 0 && has_list_search)
        scn_ld_error(l, "/check/lookup", false,
                     "lookup 'authoritative' with a list_search step: a list shows only what "
                     "the site published, so its miss is a list miss; remove 'lookup' or the list_search");
    else if (lookup && strcmp(lookup, "authoritative") == 0)
        c->lookup = SCN_LOOKUP_AUTHORITATIVE;
    else if (lookup)
        scn_ld_error(l, "/check/lookup", false, "lookup '%s'; expected authoritative (the site's own answer about this "
                     "letter: a query by code, its detail URL) or list (a public list or search)", lookup);
    free(lookup);
    if (c->proves_absence && c->lookup != SCN_LOOKUP_LIST)
        scn_ld_error(l, "/check/proves_absence", true,
                     "'proves_absence' is for list lookups (a list that shows every new "
                     "letter at once); an authoritative lookup's miss is proof already");
    l->ctx = "check.found";
    json_t *m = scn_ld_get_obj(l, o, "/check", "found", false);
    if (m)
        scn_ld_parse_match(l, m, "/check/found",
                           SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_WITHIN,
                           NULL, &c->found);
    /* a check made of mail_reply alone opens no page: nothing there can say the letter is gone */
    bool is_mail_only = !scn_phase_has_navigation(&c->phase);
    bool has_mail_reply = false;
    for (size_t i = 0; i < c->phase.n_steps; i++)
        has_mail_reply = has_mail_reply || c->phase.steps[i].kind == SCN_STEP_MAIL_REPLY;
    is_mail_only = is_mail_only && has_mail_reply;
    l->ctx = "check.not_found";
    if (is_mail_only && json_object_get(o, "not_found"))
        scn_ld_error(l, "/check/not_found", true, "a check made of mail_reply alone opens no page, so nothing can "
                     "say the letter is not there: remove 'not_found' (no reply mail is no outcome)");
    m = is_mail_only ? NULL : scn_ld_get_obj(l, o, "/check", "not_found", true);
    if (m)
        scn_ld_parse_match(l, m, "/check/not_found",
                           SCN_MK_TEXT | SCN_MK_DIALOG | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_URL_NOT | SCN_MK_STATUS |
                               SCN_MK_WITHIN,
                           NULL, &c->not_found);
    if (!is_mail_only && !c->not_found.n_statuses && !(m && json_object_get(m, "status"))) {
        /* a detail page that answers 404 or 410 is gone, unless the scenario says otherwise */
        c->not_found.statuses = xcalloc(2, sizeof *c->not_found.statuses);
        c->not_found.statuses[0] = 404;
        c->not_found.statuses[1] = 410;
        c->not_found.n_statuses = 2;
    }
    l->ctx = "check.unavailable";
    m = scn_ld_get_obj(l, o, "/check", "unavailable", false);
    if (m)
        scn_ld_parse_match(l, m, "/check/unavailable",
                           SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_STATUS | SCN_MK_WITHIN,
                           NULL, &c->unavailable);
    json_t *r = scn_ld_get_obj(l, o, "/check", "read", false);
    if (r)
        scn_ld_parse_read(l, r, &c->read);
    l->ctx = NULL;
}

/* The recover phase sees only what is known before a letter is sent (the built-ins and "vars"), so
 * it is parsed before the submit phase, and what it extracts is kept apart from what check sees. */
static void parse_recover(struct scn_ld *l, json_t *root, struct scn_recover *r, char ***vars_out, size_t *n_vars_out)
{
    json_t *o = json_object_get(root, "recover");
    size_t known_before = l->n_known;
    l->ctx = "recover";
    static const char *const keys[] = {"steps", "found", "not_found", "unavailable", "proves_absence", NULL};
    scn_ld_check_keys(l, o, "/recover", keys, NULL);
    r->proves_absence = scn_ld_get_bool(l, o, "/recover", "proves_absence", false);
    l->ctx = NULL;
    l->in_check = l->in_recover = true;
    parse_phase(l, o, "/recover", "recover", &r->phase);
    l->ctx = "recover.found";
    json_t *m = scn_ld_get_obj(l, o, "/recover", "found", false);
    if (m)
        scn_ld_parse_match(l, m, "/recover/found",
                           SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_WITHIN,
                           NULL, &r->found);
    l->ctx = "recover.not_found";
    m = scn_ld_get_obj(l, o, "/recover", "not_found", false);
    if (m)
        scn_ld_parse_match(l, m, "/recover/not_found",
                           SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_URL_NOT | SCN_MK_STATUS | SCN_MK_WITHIN,
                           NULL, &r->not_found);
    l->ctx = "recover.unavailable";
    m = scn_ld_get_obj(l, o, "/recover", "unavailable", false);
    if (m)
        scn_ld_parse_match(l, m, "/recover/unavailable",
                           SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_STATUS | SCN_MK_WITHIN,
                           NULL, &r->unavailable);
    l->in_check = l->in_recover = false;
    bool has_list_search = false;
    for (size_t i = 0; i < r->phase.n_steps; i++)
        has_list_search = has_list_search || r->phase.steps[i].kind == SCN_STEP_LIST_SEARCH;
    l->ctx = "recover";
    if (scn_match_is_empty(&r->found) && !has_list_search && r->phase.n_steps > 0)
        scn_ld_error(l, "/recover", false,
                     "needs 'found' (what shows the letter is there) or a list_search step that looks for the token; "
                     "without either any page that loads would count as the letter");
    l->ctx = NULL;
    *n_vars_out = l->n_known - known_before;
    *vars_out = xcalloc(*n_vars_out + 1, sizeof **vars_out);
    for (size_t i = 0; i < *n_vars_out; i++)
        (*vars_out)[i] = l->known[known_before + i]; /* moved: the submit and check phases do not see them */
    l->n_known = known_before;
}

/* "session": how to tell a live real-name login from a lapsed one (docs: FORMAT.md). */
static void parse_session(struct scn_ld *l, json_t *root, struct scn_session *ss)
{
    json_t *o = json_object_get(root, "session");
    if (!o)
        return;
    l->ctx = "session";
    if (!json_is_object(o)) {
        scn_ld_error(l, "/session", false, "'session' must be an object, not %s", scn_ld_type_name(o));
        l->ctx = NULL;
        return;
    }
    ss->is_set = true;
    static const char *const keys[] = {"profile", "login_url", "check_url", "logged_in", "logged_out", NULL};
    scn_ld_check_keys(l, o, "/session", keys, NULL);
    if (!scn_ld_get_bool(l, o, "/session", "profile", true))
        scn_ld_error(l, "/session/profile", false, "profile false: a session is kept in the site's own browser "
                     "profile, the only kind huixin has; remove 'profile' or set it true");
    ss->login_url = scn_ld_get_str(l, o, "/session", "login_url", false, true);
    ss->check_url = scn_ld_get_str(l, o, "/session", "check_url", false, true);
    const unsigned mk = SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_URL | SCN_MK_URL_NOT | SCN_MK_WITHIN;
    l->ctx = "session.logged_in";
    json_t *m = scn_ld_get_obj(l, o, "/session", "logged_in", true);
    if (m)
        scn_ld_parse_match(l, m, "/session/logged_in", mk, NULL, &ss->logged_in);
    l->ctx = "session.logged_out";
    m = scn_ld_get_obj(l, o, "/session", "logged_out", true);
    if (m)
        scn_ld_parse_match(l, m, "/session/logged_out", mk, NULL, &ss->logged_out);
    l->ctx = NULL;
}

static void parse_root(struct scn_ld *l, json_t *root, struct scn_scenario *s)
{
    static const char *const keys[] = {"huixin_scenario", "description", "site", "session", "letter", "vars",
                                       "submit", "check", "recover", NULL};
    scn_ld_check_keys(l, root, "", keys, NULL);
    json_t *ver = json_object_get(root, "huixin_scenario");
    if (!ver)
        scn_ld_error(l, "", false, "missing required key 'huixin_scenario' (the format version: 1)");
    else if (!json_is_integer(ver))
        scn_ld_error(l, "/huixin_scenario", false, "huixin_scenario must be %d (the format this huixin reads), not %s",
                     SCN_FORMAT_VERSION, scn_ld_type_name(ver));
    else if (json_integer_value(ver) != SCN_FORMAT_VERSION)
        scn_ld_error(l, "/huixin_scenario", false,
                     "huixin_scenario must be %d (the format this huixin reads), not %" JSON_INTEGER_FORMAT,
                     SCN_FORMAT_VERSION, json_integer_value(ver));
    s->description = scn_ld_get_str(l, root, "", "description", false, false);
    parse_vars(l, root, &s->defaults); /* first: site.entry_url may use a default */
    parse_site(l, root, &s->site);
    parse_session(l, root, &s->session);
    if (s->session.is_set && !s->session.login_url && !s->session.check_url && !s->site.entry_url)
        scn_ld_error(l, "/session", false, "a session needs a page to log in at: give 'login_url' (or site.entry_url)");
    parse_letter(l, root, &s->letter);
    json_t *sub = json_object_get(root, "submit"), *chk = json_object_get(root, "check");
    if (!sub && !chk)
        scn_ld_error(l, "", false, "needs a 'submit' section, a 'check' section, or both");
    json_t *rec = json_object_get(root, "recover");
    if (rec && !json_is_object(rec)) {
        scn_ld_error(l, "/recover", false, "'recover' must be an object, not %s", scn_ld_type_name(rec));
    } else if (rec && !sub) {
        scn_ld_error(l, "/recover", true, "a recover phase finds a letter the submit phase may have sent; this "
                     "scenario has no 'submit' section");
    } else if (rec) {
        s->has_recover = true;
        parse_recover(l, root, &s->recover, &s->recover_vars, &s->n_recover_vars);
    }
    if (sub && !json_is_object(sub)) {
        scn_ld_error(l, "/submit", false, "'submit' must be an object, not %s", scn_ld_type_name(sub));
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
        scn_ld_error(l, "/check", false, "'check' must be an object, not %s", scn_ld_type_name(chk));
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
    struct scn_ld l = {.file = path, .diags = diags ? diags : &local, .e = e};
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
        scn_ld_error(&l, "", false, "a scenario is a JSON object, not %s", scn_ld_type_name(root));
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
