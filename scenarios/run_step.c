/* One scenario step on a page (driver/page.h): what every kind shares (its timeout, its expanded target
 * and value, the message prefix) before its own exec (scenarios/step_*.c); and the reading of matches
 * and extractors. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "driver/png_squeeze.h"
#include "scenarios/regex.h"
#include "scenarios/run_internal.h"
#include "scenarios/step.h"

#define DEFAULT_TIMEOUT_MS DRIVER_DEFAULT_TIMEOUT_MS

void scn_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

void scn_exec_init(struct scn_exec *x, const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                   const struct scn_run_options *o, const char *phase, struct scn_vars *extracted,
                   struct scn_shots *shots)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    x->p = p;
    x->o = o;
    x->phase = phase;
    x->extracted = extracted;
    x->shots = shots;
    scn_vars_init(&x->vars);
    for (size_t i = 0; i < s->defaults.n; i++)
        scn_vars_set(&x->vars, s->defaults.v[i].name, s->defaults.v[i].value);
    for (size_t i = 0; vars && i < vars->n; i++)
        scn_vars_set(&x->vars, vars->v[i].name, vars->v[i].value);
    x->dialogs_base = x->dialogs_seen = page_dialog_count(p);
    scn_thirdparty_setup(x);
    scn_tls_setup(x);
}

void scn_exec_release(struct scn_exec *x)
{
    scn_vars_release(&x->vars);
    free(x->record_path);
    free(x->list_stop);
    x->record_path = x->list_stop = NULL;
}

void scn_shots_release(struct scn_shots *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->paths[i]);
    free(s->paths);
    s->paths = NULL;
    s->n = 0;
}

static int step_timeout(const struct scn_exec *x, const struct scn_step *st)
{
    if (st->timeout_ms > 0)
        return st->timeout_ms;
    return x->o && x->o->timeout_ms > 0 ? x->o->timeout_ms : DEFAULT_TIMEOUT_MS;
}

int scn_eval_json(struct scn_exec *x, const char *expr, json_t **out, struct err *e)
{
    char *text = NULL;
    *out = NULL;
    int rc = page_eval(x->p, expr, &text, e);
    if (rc < 0)
        return rc;
    json_error_t je;
    *out = json_loads(text, JSON_DECODE_ANY, &je);
    free(text);
    if (!*out)
        return err_set(e, ERR_INTERNAL, "page answer is not JSON: %s", je.text);
    return 0;
}

char *scn_js_quote(const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *out = json_dumps(j, JSON_ENCODE_ANY);
    json_decref(j);
    return out;
}

char *scn_scope_root_js(const struct scn_exec *x)
{
    return xasprintf("((p) => { if (!p) return document; let n = document.body;"
                     " for (const i of p) { if (!n) return null; n = n.children[i]; } return n || null; })(%s)",
                     x->record_path ? x->record_path : "null");
}

/* A JavaScript expression for the element a match or read looks in: within (a selector, or NULL)
 * inside the scope root; null when it does not exist, false for a bad selector. */
static char *scope_el_js(const struct scn_exec *x, const char *within)
{
    char *root = scn_scope_root_js(x);
    char *q = scn_js_quote(within ? within : "");
    char *js = xasprintf("(() => { const r = %s; const w = %s; if (!r || !w) return r;"
                         " try { return r.querySelector(w); } catch (err) { return false; } })()",
                         root, q);
    free(root);
    free(q);
    return js;
}

/* The text of the scope (the record, or the page) or of `within` inside it; "" when it is absent. */
static int scope_text(struct scn_exec *x, const char *within, char **out, struct err *e)
{
    if (!x->record_path && !within)
        return page_text(x->p, out, e);
    char *el = scope_el_js(x, within);
    char *js = xasprintf("((el) => !el ? '' : el === document ? (document.body ? document.body.innerText : '')"
                         " : (el.innerText || el.textContent || ''))(%s)",
                         el);
    int rc = page_eval_text(x->p, js, out, e);
    free(js);
    free(el);
    return rc;
}

/* 1 if a visible element matches selector in the scope (and within, if given). */
static int selector_visible(struct scn_exec *x, const char *selector, const char *within, struct err *e)
{
    char *q = scn_js_quote(selector);
    char *root = scope_el_js(x, within);
    char *expr = xasprintf("(() => { const r = %s; if (r === false) return null; if (!r) return false;"
                           " let el = null; try { el = r.querySelector(%s); } catch (err) { return null; }"
                           " return !!el && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); })()",
                           root, q);
    free(root);
    json_t *v = NULL;
    int rc = scn_eval_json(x, expr, &v, e);
    free(expr);
    free(q);
    if (rc < 0)
        return rc;
    if (json_is_null(v))
        rc = err_set(e, ERR_INPUT, "'%s'%s%s is not a valid CSS selector", selector, within ? " within " : "",
                     within ? within : "");
    else
        rc = json_is_true(v) ? 1 : 0;
    json_decref(v);
    return rc;
}

int scn_match_eval(struct scn_exec *x, const struct scn_match *m, char **why, struct err *e)
{
    char *text = NULL, *url = NULL, *within = NULL;
    int rc = 0;
    if (m->within && (rc = scn_vars_expand(&x->vars, m->within, &within, e)) < 0)
        goto out;
    if (m->n_texts) {
        if ((rc = scope_text(x, within, &text, e)) < 0)
            goto out;
        for (size_t i = 0; i < m->n_texts; i++) {
            char *t = NULL;
            if ((rc = scn_vars_expand(&x->vars, m->texts[i], &t, e)) < 0)
                goto out;
            bool hit = *t && strstr(text, t);
            if (hit && why)
                *why = within ? xasprintf("'%s' says '%s'", within, t)
                              : xasprintf("the %s says '%s'", x->record_path ? "message" : "page", t);
            free(t);
            if (hit) {
                rc = 1;
                goto out;
            }
        }
    }
    for (size_t d = x->dialogs_base; d < page_dialog_count(x->p); d++) {
        const struct page_dialog *dg = page_dialog_get(x->p, d);
        for (size_t i = 0; i < m->n_dialogs; i++) {
            char *t = NULL;
            if ((rc = scn_vars_expand(&x->vars, m->dialogs[i], &t, e)) < 0)
                goto out;
            bool hit = *t && strstr(dg->message, t);
            free(t);
            if (hit) {
                if (why)
                    *why = xasprintf("a dialog said '%s'", dg->message);
                rc = 1;
                goto out;
            }
        }
    }
    if (m->n_statuses) {
        int status = page_http_status(x->p);
        for (size_t i = 0; i < m->n_statuses; i++) {
            if (status == m->statuses[i]) {
                if (why)
                    *why = xasprintf("HTTP status %d", status);
                rc = 1;
                goto out;
            }
        }
    }
    if (m->url_contains || m->url_not_contains) {
        if ((rc = page_url(x->p, &url, e)) < 0)
            goto out;
        if (m->url_contains && strstr(url, m->url_contains)) {
            if (why)
                *why = xasprintf("the URL contains '%s'", m->url_contains);
            rc = 1;
            goto out;
        }
        if (m->url_not_contains && !strstr(url, m->url_not_contains)) {
            if (why)
                *why = xasprintf("the URL '%s' no longer contains '%s'", url, m->url_not_contains);
            rc = 1;
            goto out;
        }
    }
    if (m->selector) {
        char *sel = NULL;
        if ((rc = scn_vars_expand(&x->vars, m->selector, &sel, e)) < 0)
            goto out;
        rc = selector_visible(x, sel, within, e);
        if (rc == 1 && why)
            *why = xasprintf("an element matches '%s'", sel);
        free(sel);
        if (rc != 0)
            goto out;
    }
    if (m->n_response_texts && (rc = scn_response_match_eval(x, m, why, e)) != 0)
        goto out;
    rc = 0;
out:
    free(text);
    free(url);
    free(within);
    return rc;
}

char *scn_trim_dup(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return xstrndup(s, n);
}

int scn_extractor_read(struct scn_exec *x, const struct scn_extractor *ex, char **out, struct err *e)
{
    *out = NULL;
    int rc = 0;
    if (ex->selector) {
        char *sel = NULL;
        if ((rc = scn_vars_expand(&x->vars, ex->selector, &sel, e)) < 0)
            return rc;
        char *q = scn_js_quote(sel), *qa = scn_js_quote(ex->attribute), *root = scn_scope_root_js(x);
        char *expr = xasprintf("(() => { const r = %s; if (!r) return null;"
                               " let el = null; try { el = r.querySelector(%s); } catch (err) { return false; }"
                               " if (!el) return null; const a = %s;"
                               " if (a === 'value' && 'value' in el) return String(el.value);"
                               " if (a) return el.getAttribute(a);"
                               " return (el.innerText || el.textContent || ''); })()",
                               root, q, qa);
        json_t *v = NULL;
        rc = scn_eval_json(x, expr, &v, e);
        free(expr);
        free(q);
        free(qa);
        free(root);
        if (rc == 0 && json_is_false(v))
            rc = err_set(e, ERR_INPUT, "'%s' is not a valid CSS selector", sel);
        else if (rc == 0 && json_is_string(v)) {
            *out = scn_trim_dup(json_string_value(v));
            rc = **out ? 1 : 0;
            if (!rc) {
                free(*out);
                *out = NULL;
            }
        }
        json_decref(v);
        free(sel);
        return rc;
    }
    char *source = NULL;
    if (ex->from == SCN_FROM_URL) {
        rc = page_url(x->p, &source, e);
    } else if (ex->from == SCN_FROM_DIALOG) {
        size_t n = page_dialog_count(x->p);
        source = xstrdup(n > x->dialogs_base ? page_dialog_get(x->p, n - 1)->message : "");
    } else {
        rc = scope_text(x, NULL, &source, e);
    }
    if (rc < 0)
        return rc;
    if (ex->text) {
        char *t = NULL;
        if ((rc = scn_vars_expand(&x->vars, ex->text, &t, e)) == 0) {
            rc = strstr(source, t) ? 1 : 0;
            if (rc)
                *out = xstrdup(t);
        }
        free(t);
    } else if (ex->regex || ex->regex_tmpl) {
        char *cap = NULL, *src = NULL;
        struct scn_regex *re = ex->regex;
        if (!re && (rc = scn_vars_expand_regex(&x->vars, ex->regex_tmpl, &src, e)) == 0)
            rc = scn_regex_compile(src, &re, e);
        if (rc == 0)
            rc = scn_regex_find(re, source, &cap);
        if (rc == 1) {
            *out = scn_trim_dup(cap);
            free(cap);
        }
        if (re != ex->regex)
            scn_regex_free(re);
        free(src);
    }
    free(source);
    return rc;
}

int scn_exec_shot(struct scn_exec *x, const char *name, char **path_out, struct err *e)
{
    if (path_out)
        *path_out = NULL;
    if (!x->o || !x->o->evidence_dir)
        return 0;
    int rc = file_mkdir_p(x->o->evidence_dir, 0755, e);
    if (rc < 0)
        return rc;
    char *path = xasprintf("%s/%02d-%s-%s.png", x->o->evidence_dir, ++x->shot_seq, x->phase, name);
    struct err ignored;
    err_init(&ignored);
    page_settle(x->p, 300, 3000, &ignored); /* best effort: a busy page is still worth a picture */
    struct page_shot_info info;
    if (x->o->squeezer)
        page_shots_fast_set(x->p); /* Chrome's encoding would be undone: the squeezer recompresses it */
    rc = page_screenshot_full(x->p, path, 0, &info, e);
    if (rc < 0) {
        free(path);
        return rc;
    }
    png_squeezer_add(x->o->squeezer, path); /* made smaller in the background while the visit goes on */
    x->shots->paths = xrealloc(x->shots->paths, (x->shots->n + 1) * sizeof *x->shots->paths);
    x->shots->paths[x->shots->n++] = xstrdup(path);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return 0;
}

static int exec_body(struct scn_exec *x, const struct scn_step *st, struct err *e)
{
    int timeout_ms = step_timeout(x, st);
    char *target = NULL, *value = NULL;
    int rc = 0;
    if (st->target && (rc = scn_vars_expand(&x->vars, st->target, &target, e)) < 0)
        goto out;
    if (st->value && (rc = scn_vars_expand(&x->vars, st->value, &value, e)) < 0)
        goto out;
    rc = scn_step_table[st->kind]->exec(x, st, target, value, timeout_ms, e);
out:
    free(target);
    free(value);
    return rc;
}

void scn_step_times_release(struct scn_step_times *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].label);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

static void step_time_add(struct scn_exec *x, const struct scn_step *st, int64_t ms, bool is_ok)
{
    struct scn_step_times *t = x->times;
    if (!t)
        return;
    t->v = xrealloc(t->v, (t->n + 1) * sizeof *t->v);
    t->v[t->n++] = (struct scn_step_time){.phase = x->phase, .number = st->number, .attempt = x->attempt > 0 ? x->attempt : 1,
                                          .label = xstrdup(st->label), .ms = ms, .is_ok = is_ok};
}

int scn_exec_step(struct scn_exec *x, const struct scn_step *st, struct err *e)
{
    log_debug("scenario", "%s step %d (%s)", x->phase, st->number, st->label);
    int64_t t0 = clock_mono_ms();
    int rc = exec_body(x, st, e);
    int64_t ms = clock_mono_ms() - t0;
    log_debug("scenario", "%s step %d (%s): %s in %lld ms", x->phase, st->number, st->label,
              rc < 0 ? "failed" : "done", (long long)ms);
    step_time_add(x, st, ms, rc >= 0);
    if (rc < 0)
        err_prefix(e, "scenario '%s' %s step %d (%s)", x->s->path, x->phase, st->number, st->label);
    return rc;
}

/* Pages that mean "blocked or down", whatever the site: WAF challenges and gateway errors. */
static const char *const blocked_markers[] = {
    "访问被拦截", "安全验证", "请完成验证", "网站防火墙", "Web应用防火墙", "您的访问被阻断", "访问过于频繁",
    "502 Bad Gateway", "503 Service", "504 Gateway", "Access Denied", "Request blocked", "系统维护",
};

/* A reason the page cannot be judged (5xx, WAF, the scenario's own markers), or NULL. */
char *scn_exec_blocked_reason(struct scn_exec *x, const struct scn_match *unavailable, struct err *e)
{
    int status = x->p ? page_http_status(x->p) : 0;
    if (status >= 500)
        return xasprintf("HTTP status %d", status);
    char *why = NULL;
    if (unavailable && !scn_match_is_empty(unavailable) && scn_match_eval(x, unavailable, &why, e) == 1)
        return why;
    free(why);
    char *text = NULL;
    if (page_text(x->p, &text, e) < 0)
        return xasprintf("the page text could not be read: %s", e->msg);
    /* markers count only on short pages: a long page that quotes them is a real page */
    if (strlen(text) < 3000) {
        for (size_t i = 0; i < ARRAY_LEN(blocked_markers); i++) {
            if (strstr(text, blocked_markers[i])) {
                char *r = xasprintf("the page looks blocked or down ('%s')", blocked_markers[i]);
                free(text);
                return r;
            }
        }
    }
    if (status == 403 || status == 429)
        why = xasprintf("HTTP status %d", status);
    free(text);
    return why;
}
