/* list_search: look for a letter's token over the pages of a public list (来信选登, a guestbook, a
 * site search). A list shows only what the site chose to publish and rolls over as letters arrive,
 * so a miss here is a claim that must be proven (../shared/domain.md):
 *   - every page the search needed loaded healthy (no browser error page, no HTTP error, no WAF page,
 *     no failed request of the site's own for the list's data), else the search failed;
 *   - it reached the real end of the list (no usable "next" control) or a page whose rows are dated
 *     before the letter's submission day (older_than), else it stopped without proof (max_pages, a
 *     "next" that changed nothing) and failed too.
 * Only then is it a miss (ERR_NOT_FOUND with x->list_missed). Whether a miss proves deletion is the
 * verdict's business: it needs an earlier sighting (x->list_seen on an earlier visit). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/date_parse.h"
#include "scenarios/regex.h"
#include "scenarios/run_internal.h"

#define LIST_QUIET_MS 500

static void stop_set(struct scn_exec *x, char *why)
{
    free(x->list_stop);
    x->list_stop = why;
}

/* Resources whose failure does not make a list page unreadable (a missing logo, a font). */
static bool is_static_asset(const char *url)
{
    static const char *const ext[] = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".webp", ".css",
                                      ".js",  ".woff", ".woff2", ".ttf", ".eot", ".mp4", ".mp3"};
    const char *end = url + strcspn(url, "?#");
    for (size_t i = 0; i < ARRAY_LEN(ext); i++) {
        size_t n = strlen(ext[i]);
        if ((size_t)(end - url) > n && strncasecmp(end - n, ext[i], n) == 0)
            return true;
    }
    return false;
}

/* "scheme://host[:port]" of url, or "" */
static char *origin_of(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return xstrdup("");
    p += 3;
    return xstrndup(url, (size_t)(p - url) + strcspn(p, "/?#"));
}

/* NULL when the list page in front is healthy, else why not (caller frees). failed_base: the count
 * of failed requests before this page began to load. */
static char *page_health(struct scn_exec *x, int page_no, size_t failed_base, struct err *e)
{
    char *url = NULL, *why = NULL;
    if (page_url(x->p, &url, e) < 0)
        return xasprintf("list page %d: its URL could not be read: %s", page_no, e->msg);
    if (strncmp(url, "chrome-error:", 13) == 0 || strncmp(url, "about:blank", 11) == 0) {
        why = xasprintf("list page %d did not load (the browser shows its error page)", page_no);
        goto out;
    }
    if (page_http_status(x->p) >= 400) {
        why = xasprintf("list page %d answered HTTP %d", page_no, page_http_status(x->p));
        goto out;
    }
    struct err be;
    err_init(&be);
    char *blocked = scn_exec_blocked_reason(x, NULL, &be);
    if (blocked) {
        why = xasprintf("list page %d cannot be read: %s", page_no, blocked);
        free(blocked);
        goto out;
    }
    char *origin = origin_of(url);
    for (size_t i = failed_base; i < page_failed_count(x->p); i++) {
        const struct page_failed_request *f = page_failed_get(x->p, i);
        if (!f->url || !*origin || strncmp(f->url, origin, strlen(origin)) != 0 || is_static_asset(f->url))
            continue;
        why = xasprintf("list page %d: the site's own request '%s' failed (%s)", page_no, f->url, f->error);
        break;
    }
    free(origin);
out:
    free(url);
    return why;
}

int scn_record_find(struct scn_exec *x, const char *record_sel, const char *token, struct err *e)
{
    char *qt = scn_js_quote(token), *qr = scn_js_quote(record_sel);
    /* the path is taken from document.body down, so it can be found again without marking the page */
    char *expr = xasprintf(
        "(() => { const t = %s; let c; try { c = Array.from(document.querySelectorAll(%s)); } catch (err) { return -1; }"
        " c = c.filter(el => document.body.contains(el) && (el.innerText || el.textContent || '').includes(t));"
        " const inner = c.filter(el => !c.some(o => o !== el && el.contains(o)));"
        " if (inner.length !== 1) return inner.length;"
        " const path = []; for (let n = inner[0]; n !== document.body; n = n.parentElement)"
        "   path.unshift(Array.prototype.indexOf.call(n.parentElement.children, n));"
        " return path; })()",
        qt, qr);
    json_t *v = NULL;
    int rc = scn_eval_json(x, expr, &v, e);
    free(expr);
    free(qt);
    free(qr);
    if (rc < 0)
        return rc;
    if (json_is_array(v)) {
        free(x->record_path);
        x->record_path = json_dumps(v, JSON_COMPACT);
        rc = 1;
    } else if (json_integer_value(v) == -1) {
        rc = err_set(e, ERR_INPUT, "record '%s' is not a valid CSS selector", record_sel);
    } else if (json_integer_value(v) == 0) {
        rc = 0;
    } else {
        rc = err_set(e, ERR_SITE, "the token '%s' is in %" JSON_INTEGER_FORMAT " separate '%s' messages: whose reply "
                     "is whose cannot be told", token, json_integer_value(v), record_sel);
    }
    json_decref(v);
    return rc;
}

/* Looks for the token on the page in front. 1 found (scoped to its record, its link followed when
 * asked), 0 not there, <0 an error. */
static int page_find(struct scn_exec *x, const struct scn_step *st, const char *token, const char *record,
                     int timeout_ms, struct err *e)
{
    char *text = NULL;
    int rc = page_text(x->p, &text, e);
    if (rc < 0)
        return rc;
    bool is_there = strstr(text, token) != NULL;
    free(text);
    if (!is_there)
        return 0;
    if (record) {
        if ((rc = scn_record_find(x, record, token, e)) < 0)
            return rc;
        if (rc == 0)
            return err_set(e, ERR_SITE, "the token '%s' is on the page but in no '%s' message", token, record);
    }
    if (!st->list_follow)
        return 1;
    /* The letter's own link: inside its record when there is one, else a link holding the token, else
     * the innermost row holding it. */
    char *qt = scn_js_quote(token), *root = scn_scope_root_js(x);
    char *expr = xasprintf(
        "(() => { const t = %s; const r = %s; if (!r) return 0;"
        " const txt = (a) => (a.innerText || a.textContent || '') + ' ' + (a.title || '');"
        " const links = Array.from(r.querySelectorAll('a[href]'));"
        " let a = links.find(l => txt(l).includes(t));"
        " if (!a && r !== document) a = links[0];"
        " if (!a && r === document) { const row = Array.from(document.querySelectorAll('tr, li, div')).reverse()"
        "   .find(w => (w.innerText || '').includes(t) && w.querySelector('a[href]'));"
        "   if (row) a = row.querySelector('a[href]'); }"
        " if (!a) return r === document ? 3 : 1;"
        " const own = txt(a).includes(t);"
        " if (/^https?:/i.test(a.href)) return {go: a.href, own: own};"
        " if (/^javascript:/i.test(a.href)) { a.click(); return {clicked: true, own: own}; }"
        " return {refused: a.href}; })()",
        qt, root);
    free(qt);
    free(root);
    json_t *v = NULL;
    rc = scn_eval_json(x, expr, &v, e);
    free(expr);
    if (rc < 0)
        return rc;
    /* a link that does not hold the token (the first of its record, or of the row holding it) must lead
     * to a page that does: not a neighbour's page or the next list page */
    bool is_borrowed = json_is_object(v) && !json_is_true(json_object_get(v, "own"));
    const char *go = json_string_value(json_object_get(v, "go"));
    bool followed = false;
    if (go) {
        free(x->record_path); /* the letter's own page: read it whole */
        x->record_path = NULL;
        rc = scn_url_check(x, go, true, e); /* the site gave this link */
        if (rc == 0)
            rc = page_goto(x->p, go, timeout_ms, e);
        followed = rc == 0;
    } else if (json_object_get(v, "refused")) {
        rc = err_set(e, ERR_SITE, "the letter's link '%s' is not http or https: not followed",
                     json_string_value(json_object_get(v, "refused")));
    } else if (json_object_get(v, "clicked")) {
        free(x->record_path);
        x->record_path = NULL;
        struct err ignored;
        err_init(&ignored);
        page_settle(x->p, LIST_QUIET_MS, timeout_ms, &ignored);
        followed = true;
    } else if (json_integer_value(v) == 3) {
        /* on a board that shows its messages inline, the whole page holds the neighbours' replies too */
        rc = err_set(e, ERR_SITE, "the token '%s' is on the list page, but no link of its own leads to the letter and "
                     "no 'record' tells its message from its neighbours': nothing here can be read as its reply "
                     "(give the list_search a record)", token);
    }
    json_decref(v);
    if (followed && is_borrowed) {
        struct err ignored;
        err_init(&ignored);
        page_settle(x->p, LIST_QUIET_MS, timeout_ms, &ignored); /* a page that fills itself by XHR */
        char *there = NULL;
        rc = page_text(x->p, &there, e);
        if (rc == 0 && !strstr(there ? there : "", token))
            rc = err_set(e, ERR_SITE, "the link followed from the list (the first of the row holding the token, not "
                         "one of its own) led to a page without the token '%s': not the letter's page", token);
        free(there);
    }
    return rc < 0 ? rc : 1;
}

/* 1 when the page's last dated row is dated before the letter's submission day (*oldest_day set: the
 * list is newest first, so every later page is older), 0 when not (or no row date could be read), <0
 * on error. Only the last row decides: a pinned notice (置顶) from last year heads every page. */
static int page_has_older_rows(struct scn_exec *x, const struct scn_step *st, int64_t *oldest_day, struct err *e)
{
    const struct scn_extractor *ex = &st->list_older_than;
    char *sel = NULL;
    int rc = scn_vars_expand(&x->vars, ex->selector, &sel, e);
    if (rc < 0)
        return rc;
    char *q = scn_js_quote(sel);
    char *expr = xasprintf("(() => { try { return Array.from(document.querySelectorAll(%s))"
                           ".map(el => (el.innerText || el.textContent || '').trim()).slice(0, 500); }"
                           " catch (err) { return null; } })()", q);
    free(q);
    json_t *v = NULL;
    rc = scn_eval_json(x, expr, &v, e);
    free(expr);
    if (rc < 0)
        goto out;
    if (!json_is_array(v)) {
        rc = err_set(e, ERR_INPUT, "older_than '%s' is not a valid CSS selector", sel);
        goto out;
    }
    int64_t sent_day = clock_beijing_day(x->o->letter_sent_ms);
    int64_t last_day = INT64_MAX; /* the page's last dated row, in its order */
    int n_dated = 0;
    size_t i;
    json_t *item;
    rc = 0;
    json_array_foreach(v, i, item) {
        const char *row = json_string_value(item);
        char *date = NULL;
        if (!row)
            continue;
        if (ex->regex || ex->regex_tmpl) {
            struct scn_regex *re = ex->regex;
            char *src = NULL;
            struct err re_err;
            err_init(&re_err);
            if (!re && scn_vars_expand_regex(&x->vars, ex->regex_tmpl, &src, &re_err) == 0)
                scn_regex_compile(src, &re, &re_err);
            if (re)
                scn_regex_find(re, row, &date);
            if (re != ex->regex)
                scn_regex_free(re);
            free(src);
        } else {
            date = xstrdup(row);
        }
        for (size_t f = 0; date && f < ex->n_formats; f++) {
            int64_t ms = 0;
            bool date_only = false;
            struct err pe;
            err_init(&pe);
            if (scn_date_parse(date, ex->formats[f], &ms, &date_only, &pe) != 0)
                continue;
            n_dated++;
            last_day = clock_beijing_day(ms);
            break;
        }
        free(date);
    }
    if (n_dated == 0 && json_array_size(v) > 0)
        log_warn("scenario", "older_than: none of the %zu row dates matched '%s' with the scenario's formats",
                 json_array_size(v), sel);
    if (n_dated > 0 && last_day < sent_day) {
        *oldest_day = last_day;
        rc = 1;
    }
out:
    json_decref(v);
    free(sel);
    return rc;
}

/* The number an expression evaluates to; -1 from it means its selector sel is not valid CSS (what:
 * the key that named it). expr is freed. */
static int eval_selector_int(struct scn_exec *x, char *expr, const char *what, const char *sel, struct err *e)
{
    json_t *v = NULL;
    int rc = scn_eval_json(x, expr, &v, e);
    free(expr);
    if (rc < 0)
        return rc;
    rc = (int)json_integer_value(v);
    json_decref(v);
    if (rc < 0)
        return err_set(e, ERR_INPUT, "%s'%s' is not a valid CSS selector", what, sel);
    return rc;
}

/* Where the next control stands: 1 usable (clicked next), 0 the end of the list, <0 error. A link to
 * this very page is the end (a last page's 下一页 often points at itself), unless it is scripted paging
 * (href "#", "", javascript:, an onclick): clicking it must then show another page, or the search
 * stops without proof (next_go). */
static int next_state(struct scn_exec *x, const char *next, struct err *e)
{
    char *q = scn_js_quote(next);
    char *expr = xasprintf(
        "(() => { let el; try { el = document.querySelector(%s); } catch (err) { return -1; }"
        " if (!el || !(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) return 0;"
        " if (el.disabled || el.getAttribute('aria-disabled') === 'true' || /(^|\\s)disabled(\\s|$)/i.test(el.className || '')"
        "     || (el.closest && el.closest('.disabled'))) return 0;"
        " if (el.tagName === 'A' && el.getAttribute('href') !== null) {"
        "   const raw = el.getAttribute('href').trim();"
        "   const scripted = raw === '' || raw.charAt(0) === '#' || /^javascript:/i.test(raw) || el.hasAttribute('onclick');"
        "   const h = el.href.split('#')[0], here = location.href.split('#')[0];"
        "   if (h === here && !scripted) return 0; }"
        " return 1; })()",
        q);
    free(q);
    return eval_selector_int(x, expr, "next ", next, e);
}

/* The page's mark and a fingerprint of its text: a navigation loses the mark, an AJAX page changes
 * the text. The mark is a window property, not a DOM change, so evidence shows the page as it was. */
static int page_signature(struct scn_exec *x, int mark, char **sig, struct err *e)
{
    char *expr = xasprintf("(() => { if (%d > 0) window.__huixin_list_page = %d;"
                           " const t = document.body ? document.body.innerText : ''; let h = 0;"
                           " for (let i = 0; i < t.length; i++) h = (h * 31 + t.charCodeAt(i)) | 0;"
                           " return [window.__huixin_list_page || 0, document.readyState, location.href + '#' + t.length + ':' + h]; })()",
                           mark, mark);
    int rc = page_eval(x->p, expr, sig, e);
    free(expr);
    return rc;
}

/* Clicks next and waits until another page is in front: 0 done, ERR_TIMEOUT if nothing changed. */
static int next_go(struct scn_exec *x, const char *next, int page_no, int timeout_ms, struct err *e)
{
    char *before = NULL;
    int rc = page_signature(x, page_no, &before, e);
    if (rc < 0)
        return rc;
    json_t *b = json_loads(before, 0, NULL);
    const char *before_fp = json_string_value(json_array_get(b, 2));
    if ((rc = page_click(x->p, next, timeout_ms, e)) < 0)
        goto out;
    int64_t end = clock_mono_ms() + timeout_ms;
    for (;;) {
        char *now = NULL;
        struct err pe;
        err_init(&pe);
        if (page_signature(x, 0, &now, &pe) == 0) {
            json_t *n = json_loads(now, 0, NULL);
            bool navigated = json_integer_value(json_array_get(n, 0)) != page_no;
            bool complete = json_string_value(json_array_get(n, 1)) &&
                            strcmp(json_string_value(json_array_get(n, 1)), "complete") == 0;
            const char *fp = json_string_value(json_array_get(n, 2));
            bool changed = fp && before_fp && strcmp(fp, before_fp) != 0;
            json_decref(n);
            free(now);
            if ((navigated && complete) || (!navigated && changed))
                break;
        } else if (pe.code == ERR_BROWSER) {
            rc = err_set(e, ERR_BROWSER, "%s", pe.msg);
            goto out;
        }
        if (clock_mono_ms() >= end) {
            rc = err_set(e, ERR_TIMEOUT, "clicking next ('%s') on list page %d showed no other page within %d ms: "
                         "the search stops without proof", next, page_no, timeout_ms);
            goto out;
        }
        scn_sleep_ms(100);
    }
out:
    json_decref(b);
    free(before);
    return rc;
}

/* Whether url is a site's home page: its path "", "/", "/index.*" or "/default.*", with no query (a
 * CMS that routes by query, "/?gbook/", is not at home). */
static bool url_is_home(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return false;
    p = p + 3 + strcspn(p + 3, "/?#");
    size_t n = strcspn(p, "?#");
    if (p[n] == '?' && p[n + 1] && p[n + 1] != '#')
        return false;
    if (n <= 1)
        return true;
    const char *name = p + 1;
    size_t len = n - 1;
    if (memchr(name, '/', len))
        return false;
    return (len > 6 && strncasecmp(name, "index.", 6) == 0) || (len > 8 && strncasecmp(name, "default.", 8) == 0);
}

/* How many elements match sel on the page (the current frame); <0 on error or a bad selector. */
static int page_count(struct scn_exec *x, const char *sel, struct err *e)
{
    char *q = scn_js_quote(sel);
    char *expr = xasprintf("(() => { try { return document.querySelectorAll(%s).length; } catch (err) { return -1; } })()",
                           q);
    free(q);
    return eval_selector_int(x, expr, "", sel, e);
}

/* Whether the first page in front is the list at all: one that is not (the list's URL now leads to the
 * home page, an error page served with 200, a list its script did not fill) says nothing about the
 * letter. The rows counted are the messages (`record`), else the dated rows (`older_than`); a list
 * that names neither can only be checked for the redirect. Returns 0, or ERR_SITE saying why. */
static int first_page_is_list(struct scn_exec *x, const struct scn_step *st, const char *url, const char *record,
                              struct err *e)
{
    char *now = NULL;
    struct err ue;
    err_init(&ue);
    page_url(x->p, &now, &ue);
    bool went_home = url && now && url_is_home(now) && !url_is_home(url);
    int rc = 0;
    if (went_home) {
        rc = err_set(e, ERR_SITE, "the list '%s' led to the home page ('%s'): not the list, so the search stops "
                     "without proof", url, now);
        goto out;
    }
    char *rows = NULL;
    if (!record && st->list_older_than.is_set && st->list_older_than.selector &&
        scn_vars_expand(&x->vars, st->list_older_than.selector, &rows, e) < 0) {
        rc = e->code;
        goto out;
    }
    const char *sel = record ? record : rows;
    if (sel) {
        int n = page_count(x, sel, e);
        if (n < 0)
            rc = n;
        else if (n == 0)
            rc = err_set(e, ERR_SITE, "list page 1 holds no message ('%s' matches nothing): not the list, or not "
                         "filled, so the search stops without proof", sel);
    }
    free(rows);
out:
    free(now);
    return rc;
}

int scn_list_search(struct scn_exec *x, const struct scn_step *st, const char *url, int timeout_ms, struct err *e)
{
    char *token = NULL, *next = NULL, *record = NULL;
    int rc = scn_vars_expand(&x->vars, st->list_token, &token, e);
    x->list_missed = x->list_seen = false;
    x->list_pages_read = 0;
    stop_set(x, NULL);
    if (rc < 0)
        goto out;
    if (!*token) {
        rc = err_set(e, ERR_INPUT, "the token to look for is empty");
        goto out;
    }
    if (st->list_next && (rc = scn_vars_expand(&x->vars, st->list_next, &next, e)) < 0)
        goto out;
    if (st->list_record && (rc = scn_vars_expand(&x->vars, st->list_record, &record, e)) < 0)
        goto out;
    free(x->record_path);
    x->record_path = NULL;
    /* page_goto starts the list of failed requests afresh, so whatever failed since the last navigation
     * belongs to the list page in front, also when an earlier step opened it (its data by XHR) */
    size_t failed_base = 0;
    if (url) {
        if ((rc = scn_url_check(x, url, scn_url_tmpl_is_from_page(x, st->target), e)) < 0 ||
            (rc = page_goto(x->p, url, timeout_ms, e)) < 0)
            goto out;
    }
    bool can_date = st->list_older_than.is_set && x->o && x->o->letter_sent_ms > 0;
    for (int page_no = 1;; page_no++) {
        struct err ignored;
        err_init(&ignored);
        page_settle(x->p, LIST_QUIET_MS, timeout_ms, &ignored); /* lists are often filled by XHR */
        /* the letter on the page is proof enough, whatever else failed to load; its absence proves
         * something only on a healthy page */
        if ((rc = page_find(x, st, token, record, timeout_ms, e)) != 0) {
            if (rc == 1) {
                x->list_pages_read = page_no;
                x->list_seen = true;
                stop_set(x, xasprintf("found on list page %d", page_no));
            }
            goto out;
        }
        char *sick = page_health(x, page_no, failed_base, e);
        if (sick) {
            rc = err_set(e, ERR_SITE, "%s", sick);
            free(sick);
            goto out;
        }
        if (page_no == 1 && (rc = first_page_is_list(x, st, url, record, e)) < 0)
            goto out;
        x->list_pages_read = page_no;
        int64_t oldest = 0;
        if (can_date && (rc = page_has_older_rows(x, st, &oldest, e)) != 0) {
            if (rc < 0)
                goto out;
            char day[16];
            clock_date_format(oldest, day, sizeof day);
            stop_set(x, xasprintf("list page %d holds letters dated %s, before the letter's own day", page_no, day));
            break;
        }
        if (!next) {
            stop_set(x, xstrdup("the list is one page (no 'next' given)"));
            break;
        }
        if ((rc = next_state(x, next, e)) < 0)
            goto out;
        if (rc == 0) {
            stop_set(x, xasprintf("the end of the list (page %d has no usable '%s')", page_no, next));
            break;
        }
        if (page_no >= st->list_max_pages) {
            rc = err_set(e, ERR_SITE, "read %d pages (max_pages) without reaching the end of the list%s: the search "
                         "stops without proof", page_no, can_date ? " or letters dated before this one" : "");
            stop_set(x, xasprintf("max_pages (%d) reached", page_no));
            goto out;
        }
        failed_base = page_failed_count(x->p);
        if ((rc = next_go(x, next, page_no, timeout_ms, e)) < 0)
            goto out;
    }
    x->list_missed = true;
    rc = err_set(e, ERR_NOT_FOUND, "token '%s' is not in the list (%d page%s read; %s)", token, x->list_pages_read,
                 x->list_pages_read == 1 ? "" : "s", x->list_stop);
out:
    free(token);
    free(next);
    free(record);
    return rc > 0 ? 0 : rc;
}
