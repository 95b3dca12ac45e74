#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proxy.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"

#define PAGE_POLL_MS 100

/* ---- events ---- */

/* The domain tables an event of a page's session is looked up in. Each method is in one row of one
 * table (tests/unit/test_page_events.c checks it); the order only decides the search. */
const struct page_event_row *const page_event_tables[] = {
    page_net_events,
    page_lifecycle_events,
    page_dialog_events,
    page_window_events,
    page_runtime_events,
    page_fetch_events,
};
const size_t page_event_tables_len = sizeof page_event_tables / sizeof page_event_tables[0];

static void page_focus_enable(struct browser *b, const char *session, bool is_page)
{
    if (is_page)
        cdp_send_ignored(b->cdp, session, "Emulation.setFocusEmulationEnabled", json_pack("{s:b}", "enabled", 1));
}

/* What a new session is sent, in this order: the domains whose events we follow, focus emulation (the
 * page behaves as the focused tab a person would be typing in), the identity sites see (before its first
 * request), auto-attach for its own iframes, and
 * last the go-ahead for a target that waits for us (it runs only once everything before was asked for). */
static const page_enable_fn page_session_enables[] = {
    page_lifecycle_enable, /* Page.enable, Page.setLifecycleEventsEnabled */
    page_runtime_enable,   /* Runtime.enable */
    page_net_enable,       /* Network.enable */
    page_focus_enable,     /* Emulation.setFocusEmulationEnabled, pages only */
    page_identity_enable,  /* Network.setUserAgentOverride, Emulation.setLocaleOverride, setTimezoneOverride */
    page_security_enable,  /* Security.setIgnoreCertificateErrors, pages that go on past certificate errors */
    page_fetch_enable,     /* Fetch.enable{handleAuthRequests}, every session of a page whose proxy takes credentials */
    page_targets_enable,   /* Target.setAutoAttach */
    page_runtime_resume,   /* Runtime.runIfWaitingForDebugger */
};

void page_session_setup(struct browser *b, const char *session, bool is_page)
{
    for (size_t i = 0; i < sizeof page_session_enables / sizeof page_session_enables[0]; i++)
        page_session_enables[i](b, session, is_page);
}

void page_event_route(struct browser *b, const char *session, const char *method, json_t *params)
{
    for (const struct page_target_event_row *r = page_target_events; r->method; r++)
        if (strcmp(r->method, method) == 0) {
            r->fn(b, session, params);
            return;
        }
    struct page *p = page_by_session(b, session);
    if (!p)
        return;
    for (size_t t = 0; t < page_event_tables_len; t++)
        for (const struct page_event_row *r = page_event_tables[t]; r->method; r++)
            if (strcmp(r->method, method) == 0) {
                r->fn(p, session, params);
                return;
            }
}

void page_tick(struct page *p)
{
    page_net_tick(p);
    page_fetch_tick(p);
    page_dialog_tick(p);
}

/* ---- lifecycle ---- */

int page_check_alive(struct page *p, struct err *e)
{
    if (cdp_is_closed(p->b->cdp))
        return err_set(e, ERR_BROWSER, "%s", cdp_close_reason(p->b->cdp));
    if (p->is_crashed)
        return err_set(e, ERR_BROWSER, "renderer crashed: the page is dead, open a new one");
    if (browser_budget_is_spent(p->b))
        return err_set(e, ERR_TIMEOUT, "the time budget of %d s for this visit ran out",
                       p->b->budget_ms / 1000);
    if (p->is_detached)
        return err_set(e, ERR_BROWSER, "the page was closed");
    if (p->is_dialog_stuck) {
        const struct page_dialog *d = p->dialogs_len ? &p->dialogs[p->dialogs_len - 1] : NULL;
        return err_set(e, ERR_BROWSER,
                       "a dialog opened as the page navigated and Chrome refuses every answer to it "
                       "(last recorded: %s '%s'): the page is stuck, open a new one",
                       d ? d->type : "?", d ? d->message : "");
    }
    return 0;
}

int page_budget_clamp(struct page *p, int timeout_ms)
{
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    if (!p->b->budget_deadline_ms)
        return timeout_ms;
    int64_t left = p->b->budget_deadline_ms - clock_mono_ms();
    return left < 1 ? 1 : left < timeout_ms ? (int)left : timeout_ms;
}

bool page_budget_is_spent(const struct page *p)
{
    return browser_budget_is_spent(p->b);
}

int page_call(struct page *p, const char *method, json_t *params, int timeout_ms, json_t **result, struct err *e)
{
    int rc = page_check_alive(p, e);
    if (rc != 0) {
        json_decref(params);
        return rc;
    }
    return cdp_call(p->b->cdp, p->session_id, method, params, page_budget_clamp(p, timeout_ms), result, e);
}

int page_frame_call(struct page *p, const char *method, json_t *params, int timeout_ms, json_t **result,
                    struct err *e)
{
    int rc = page_check_alive(p, e);
    if (rc != 0) {
        json_decref(params);
        return rc;
    }
    const char *session = p->frames[p->frames_len - 1].session_id;
    return cdp_call(p->b->cdp, session, method, params, page_budget_clamp(p, timeout_ms), result, e);
}

void page_sleep(struct page *p, int ms)
{
    int64_t until = clock_mono_ms() + ms;
    for (;;) {
        int64_t left = until - clock_mono_ms();
        if (left <= 0 || cdp_pump(p->b->cdp, (int)left) != 0)
            return;
    }
}

/* A page in a persistent profile's default context, where its cookies are: the context is the
 * profile's (never disposed of), and the tabs the browser opened by itself (its first about:blank, a
 * restored one) are closed, so the page is the only one a person sees or a popup is told apart from. */
static int page_profile_target_open(struct browser *b, struct page *p, struct err *e)
{
    json_t *res = NULL;
    int rc;
    p->is_context_shared = true;
    if ((rc = cdp_call(b->cdp, NULL, "Browser.setDownloadBehavior", json_pack("{s:s}", "behavior", "deny"), 0, NULL,
                       e)) != 0)
        goto out;
    if ((rc = cdp_call(b->cdp, NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"), 0, &res, e)) != 0)
        goto out;
    p->target_id = xstrdup(json_string_value(json_object_get(res, "targetId")));
    json_decref(res);
    res = NULL;
    if ((rc = cdp_call(b->cdp, NULL, "Target.getTargets", NULL, 0, &res, e)) != 0)
        goto out;
    size_t i;
    json_t *info;
    json_array_foreach(json_object_get(res, "targetInfos"), i, info) {
        const char *id = json_string_value(json_object_get(info, "targetId"));
        const char *type = json_string_value(json_object_get(info, "type"));
        if (!id || !type || strcmp(type, "page") != 0)
            continue;
        if (p->target_id && strcmp(id, p->target_id) == 0) {
            const char *context = json_string_value(json_object_get(info, "browserContextId"));
            p->context_id = context ? xstrdup(context) : NULL;
        } else {
            cdp_call(b->cdp, NULL, "Target.closeTarget", json_pack("{s:s}", "targetId", id), 5000, NULL, NULL);
        }
    }
out:
    json_decref(res);
    return rc;
}

int page_open(struct browser *b, struct page **out, struct err *e)
{
    return page_open_via(b, NULL, out, e);
}

int page_open_via(struct browser *b, const struct proxy *proxy, struct page **out, struct err *e)
{
    int rc = 0;
    json_t *res = NULL;
    size_t slot = PAGE_MAX;
    struct page *p = NULL;
    *out = NULL;
    for (size_t i = 0; i < PAGE_MAX && slot == PAGE_MAX; i++)
        if (!b->pages[i])
            slot = i;
    if (slot == PAGE_MAX)
        return err_set(e, ERR_INTERNAL, "page_open: more than %d pages open", PAGE_MAX);
    if (cdp_is_closed(b->cdp))
        return err_set(e, ERR_BROWSER, "page_open: %s", cdp_close_reason(b->cdp));
    p = xcalloc(1, sizeof *p);
    p->b = b;
    if (b->launch.is_profile_kept) {
        /* a login profile's pages live in its default context, which takes no proxy of its own: rather
         * than go to the site directly, the visit fails (a campaign that must go through a proxy means it) */
        if (proxy && proxy->host) {
            rc = err_set(e, ERR_INPUT, "a site with a login profile cannot be visited through a proxy yet");
            goto out;
        }
        rc = page_profile_target_open(b, p, e);
        if (rc != 0)
            goto out;
    } else {
        json_t *context = json_pack("{s:b}", "disposeOnDetach", 1);
        if (proxy && proxy->host) {
            /* the fixtures and an office's own test sites may be on loopback: no silent direct connection */
            char *server = proxy_server_format(proxy);
            json_object_set_new(context, "proxyServer", json_string(server));
            json_object_set_new(context, "proxyBypassList", json_string("<-loopback>"));
            free(server);
            p->proxy = xcalloc(1, sizeof *p->proxy);
            proxy_copy(p->proxy, proxy);
        }
        if ((rc = cdp_call(b->cdp, NULL, "Target.createBrowserContext", context, 0, &res, e)) != 0)
            goto out;
        p->context_id = xstrdup(json_string_value(json_object_get(res, "browserContextId")));
        json_decref(res);
        res = NULL;
        /* a visited site must not write to the operator's disk: its downloads are refused */
        if ((rc = cdp_call(b->cdp, NULL, "Browser.setDownloadBehavior",
                           json_pack("{s:s, s:s}", "behavior", "deny", "browserContextId", p->context_id ? p->context_id : ""),
                           0, NULL, e)) != 0)
            goto out;
        if ((rc = cdp_call(b->cdp, NULL, "Target.createTarget",
                           json_pack("{s:s, s:s}", "url", "about:blank", "browserContextId", p->context_id), 0, &res,
                           e)) != 0)
            goto out;
        p->target_id = xstrdup(json_string_value(json_object_get(res, "targetId")));
        json_decref(res);
        res = NULL;
    }
    b->pages[slot] = p; /* from here on its events are routed to it */
    if ((rc = cdp_call(b->cdp, NULL, "Target.attachToTarget", json_pack("{s:s, s:b}", "targetId", p->target_id,
                                                                        "flatten", 1), 0, &res, e)) != 0)
        goto out;
    p->session_id = xstrdup(json_string_value(json_object_get(res, "sessionId")));
    if (!p->context_id || !p->target_id || !p->session_id) {
        rc = err_set(e, ERR_BROWSER, "the browser did not give a context, target and session for a new page");
        goto out;
    }
    p->frames_len = 1;
    p->frames[0].frame_id = xstrdup(p->target_id);
    p->frames[0].session_id = xstrdup(p->session_id);
    page_session_setup(b, p->session_id, true);
    json_t *metrics = json_pack("{s:i, s:i, s:i, s:b}", "width", b->width, "height", b->height,
                                "deviceScaleFactor", 1, "mobile", 0);
    /* the last setup command: once it is answered, those before it were too (one session is in order) */
    if ((rc = page_call(p, "Emulation.setDeviceMetricsOverride", metrics, 0, NULL, e)) != 0)
        goto out;
    *out = p;
    p = NULL;
out:
    if (rc != 0)
        err_prefix(e, "cannot open a page");
    json_decref(res);
    page_close(p);
    return rc;
}

void page_frames_clear(struct page *p, size_t keep)
{
    while (p->frames_len > keep) {
        struct page_frame *f = &p->frames[--p->frames_len];
        free(f->frame_id);
        free(f->session_id);
        free(f->parent_session);
        memset(f, 0, sizeof *f);
    }
}

/* A site's login usually lives in a session cookie (no expiry: JSESSIONID, an SSO ticket), which Chromium
 * drops when it next starts. In a kept profile they are given an expiry (PAGE_SESSION_COOKIE_DAYS on)
 * when the page that used them closes (before the browser shuts down), so the next visit still presents them; whether the site still honours
 * them is the site's word, which the visit's session test reads. */
#define PAGE_SESSION_COOKIE_DAYS 30
static void page_session_cookies_keep(struct browser *b)
{
    json_t *res = NULL, *keep = json_array();
    struct err e;
    err_init(&e);
    if (cdp_call(b->cdp, NULL, "Storage.getCookies", NULL, 5000, &res, &e) != 0) {
        log_warn("page", "the profile's cookies could not be read: %s", e.msg);
        goto out;
    }
    double expires = (double)(clock_real_ms() / 1000) + PAGE_SESSION_COOKIE_DAYS * 86400.0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(res, "cookies"), i, c) {
        if (!json_is_true(json_object_get(c, "session")))
            continue;
        json_t *param = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:f}", "name", json_object_get(c, "name"), "value",
                                  json_object_get(c, "value"), "domain", json_object_get(c, "domain"), "path",
                                  json_object_get(c, "path"), "secure", json_object_get(c, "secure"), "httpOnly",
                                  json_object_get(c, "httpOnly"), "expires", expires);
        if (!param)
            continue; /* a cookie without one of those fields: left as it is */
        json_t *same_site = json_object_get(c, "sameSite");
        if (json_is_string(same_site))
            json_object_set(param, "sameSite", same_site);
        json_array_append_new(keep, param);
    }
    if (json_array_size(keep) == 0)
        goto out;
    size_t n = json_array_size(keep);
    if (cdp_call(b->cdp, NULL, "Storage.setCookies", json_pack("{s:O}", "cookies", keep), 5000, NULL, &e) != 0)
        log_warn("page", "the profile's session cookies could not be kept: %s", e.msg);
    else
        log_debug("page", "kept %zu session cookie(s) in the profile for %d days", n, PAGE_SESSION_COOKIE_DAYS);
out:
    json_decref(keep);
    json_decref(res);
}

void page_close(struct page *p)
{
    if (!p)
        return;
    struct browser *b = p->b;
    if (!cdp_is_closed(b->cdp)) {
        if (p->is_context_shared)
            page_session_cookies_keep(b);
        if (p->target_id)
            cdp_call(b->cdp, NULL, "Target.closeTarget", json_pack("{s:s}", "targetId", p->target_id), 5000, NULL,
                     NULL);
        if (p->context_id && !p->is_context_shared)
            cdp_call(b->cdp, NULL, "Target.disposeBrowserContext", json_pack("{s:s}", "browserContextId",
                                                                               p->context_id), 5000, NULL, NULL);
    }
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i] == p)
            b->pages[i] = NULL;
    page_frames_clear(p, 0);
    page_window_release(p);
    page_targets_release(p);
    page_runtime_release(p);
    page_fetch_release(p);
    page_net_release(p);
    page_dialog_release(p);
    page_lifecycle_release(p);
    proxy_release(p->proxy);
    free(p->proxy);
    for (size_t i = 0; i < p->proxy_auth_tried_len; i++)
        free(p->proxy_auth_tried[i]);
    free(p->nav_loader);
    free(p->context_id);
    free(p->target_id);
    free(p->session_id);
    free(p);
}

/* ---- navigation ---- */

static bool page_loader_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* How often page_goto sends its navigation again when the page's own navigation cancelled it. */
#define PAGE_GOTO_RETRIES 5

int page_goto(struct page *p, const char *url, int timeout_ms, struct err *e)
{
    int rc = 0;
    json_t *res = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    page_window_disarm(p);
    page_frames_clear(p, 1);
    page_failed_clear(p);
    p->http_status = 0;
    for (int tries = 0;; tries++) {
        json_decref(res);
        res = NULL;
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            rc = err_set(e, ERR_TIMEOUT, "'%s' did not finish loading within %d ms", url, timeout_ms);
            goto out;
        }
        if ((rc = page_call(p, "Page.navigate", json_pack("{s:s}", "url", url), (int)left, &res, e)) != 0)
            goto out;
        const char *error = json_string_value(json_object_get(res, "errorText"));
        if (error && *error) {
            /* a renderer that dies mid-navigation first shows as an aborted load: tell the two apart */
            if (strcmp(error, "net::ERR_ABORTED") == 0) {
                page_sleep(p, 300);
                if ((rc = page_check_alive(p, e)) != 0)
                    goto out;
                if (tries < PAGE_GOTO_RETRIES) /* the page's own navigation (a form submitting itself) won */
                    continue;
            }
            rc = err_set(e, ERR_SITE, "'%s' did not load: %s", url, error);
            goto out;
        }
        const char *loader = json_string_value(json_object_get(res, "loaderId"));
        if (!loader)
            goto out; /* a same-document navigation (#fragment) has nothing to wait for */
        free(p->nav_loader);
        p->nav_loader = xstrdup(loader);
        bool is_cancelled = false;
        while (!page_loader_is(p->loaded_loader, p->nav_loader)) {
            if ((rc = page_check_alive(p, e)) != 0)
                goto out;
            left = deadline - clock_mono_ms();
            if (left <= 0) {
                rc = err_set(e, ERR_TIMEOUT, "'%s' did not finish loading within %d ms", url, timeout_ms);
                goto out;
            }
            /* another navigation began before ours committed: the old page's (a timer, a form that
             * submits itself) and it cancelled ours, so ours is sent again */
            if (!page_loader_is(p->committed_loader, p->nav_loader) && p->started_loader &&
                !page_loader_is(p->started_loader, p->nav_loader) && tries < PAGE_GOTO_RETRIES) {
                log_info("page", "the navigation to '%s' was cancelled by the page's own: sending it again", url);
                is_cancelled = true;
                break;
            }
            cdp_pump(p->b->cdp, left > 500 ? 500 : (int)left);
        }
        if (!is_cancelled)
            break;
    }
out:
    if (rc != 0 && rc != ERR_SITE && rc != ERR_TIMEOUT)
        err_prefix(e, "goto '%s'", url);
    json_decref(res);
    return rc;
}

int page_http_status(const struct page *p)
{
    return p->http_status;
}

/* ---- evaluation ---- */

char *page_js_quote(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (!j) /* not UTF-8: keep what can be said */
        j = json_string("");
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    return text;
}

/* The session and execution context of the current frame; 1 when its document is not there yet. */
static int page_frame_context(struct page *p, const char **session, int *context_id)
{
    struct page_frame *f = &p->frames[p->frames_len - 1];
    *session = f->session_id;
    *context_id = 0;
    if (p->frames_len == 1 || f->is_oopif)
        return 0; /* the target's main world is the default */
    for (size_t i = 0; i < p->contexts_len; i++) {
        struct page_context *x = &p->contexts[i];
        if (x->is_default && strcmp(x->frame_id, f->frame_id) == 0 && strcmp(x->session_id, f->session_id) == 0) {
            *context_id = x->id;
            return 0;
        }
    }
    return 1;
}

static int page_exception_error(json_t *res, struct err *e)
{
    json_t *ex = json_object_get(res, "exceptionDetails");
    const char *text = json_string_value(json_object_get(json_object_get(ex, "exception"), "description"));
    if (!text)
        text = json_string_value(json_object_get(ex, "text"));
    return err_set(e, ERR_SITE, "the page's JavaScript threw: %s", text ? text : "an exception");
}

int page_frame_eval(struct page *p, const char *expression, bool by_value, int timeout_ms, json_t **out,
                    struct err *e)
{
    int rc = 0;
    json_t *res = NULL;
    const char *session;
    int context_id;
    *out = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (page_frame_context(p, &session, &context_id) == 1) {
        if ((rc = page_check_alive(p, e)) != 0)
            return rc;
        if (clock_mono_ms() > deadline)
            return err_set(e, ERR_TIMEOUT, "the frame's document was not ready within %d ms", timeout_ms);
        cdp_pump(p->b->cdp, 50);
    }
    json_t *params = json_pack("{s:s, s:b, s:b, s:b}", "expression", expression, "returnByValue", by_value,
                               "awaitPromise", 1, "userGesture", 1);
    if (!params)
        return err_set(e, ERR_INPUT, "the expression is not valid UTF-8");
    if (context_id)
        json_object_set_new(params, "contextId", json_integer(context_id));
    if ((rc = page_check_alive(p, e)) != 0) {
        json_decref(params);
        return rc;
    }
    int64_t left = deadline - clock_mono_ms();
    if ((rc = cdp_call(p->b->cdp, session, "Runtime.evaluate", params, page_budget_clamp(p, left < 1 ? 1 : (int)left),
                       &res, e)) != 0)
        goto out;
    if (json_object_get(res, "exceptionDetails")) {
        rc = page_exception_error(res, e);
        goto out;
    }
    json_t *r = json_object_get(res, "result");
    if (by_value) {
        json_t *v = json_object_get(r, "value");
        *out = v ? json_incref(v) : json_null();
    } else {
        *out = json_incref(r);
    }
out:
    json_decref(res);
    return rc;
}

int page_object_call(struct page *p, const char *object_id, const char *function_text, json_t *args,
                     json_t **value_out, struct err *e)
{
    json_t *res = NULL;
    json_t *arguments = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(args, i, a) json_array_append_new(arguments, json_pack("{s:O}", "value", a));
    json_decref(args);
    json_t *params = json_pack("{s:s, s:s, s:o, s:b, s:b, s:b}", "objectId", object_id, "functionDeclaration",
                               function_text, "arguments", arguments, "returnByValue", 1, "awaitPromise", 1,
                               "userGesture", 1);
    int rc = page_frame_call(p, "Runtime.callFunctionOn", params, 0, &res, e);
    if (rc == 0 && json_object_get(res, "exceptionDetails"))
        rc = page_exception_error(res, e);
    if (rc == 0 && value_out) {
        json_t *v = json_object_get(json_object_get(res, "result"), "value");
        *value_out = v ? json_incref(v) : json_null();
    }
    json_decref(res);
    return rc;
}

void page_object_release(struct page *p, const char *object_id)
{
    if (object_id && page_check_alive(p, NULL) == 0)
        cdp_send_ignored(p->b->cdp, p->frames[p->frames_len - 1].session_id, "Runtime.releaseObject",
                         json_pack("{s:s}", "objectId", object_id));
}

int page_eval(struct page *p, const char *expression, char **json_out, struct err *e)
{
    json_t *v = NULL;
    *json_out = NULL;
    int rc = page_frame_eval(p, expression, true, 0, &v, e);
    if (rc != 0)
        return rc;
    *json_out = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    if (!*json_out)
        *json_out = xstrdup("null");
    return 0;
}

/* Evaluates in the main frame, whatever the current frame is. */
/* Chrome's answers when the document an evaluation was sent to went away under it (the page navigated
 * meanwhile): asking again reaches the new one. */
static bool is_navigated_away(const struct err *e)
{
    return strstr(e->msg, "navigated or closed") || strstr(e->msg, "context with specified id") ||
           strstr(e->msg, "Execution context was destroyed");
}

#define MAIN_STRING_RETRY_MS 3000

static int page_main_string(struct page *p, const char *expression, char **out, struct err *e)
{
    size_t saved = p->frames_len;
    p->frames_len = 1;
    json_t *v = NULL;
    int64_t deadline = clock_mono_ms() + MAIN_STRING_RETRY_MS;
    struct err te;
    int rc;
    /* a page that keeps navigating itself (a script that sets location in a loop) is asked again on its
     * next document, for a bounded time */
    for (;;) {
        err_init(&te);
        rc = page_frame_eval(p, expression, true, 0, &v, &te);
        if (rc == 0 || !is_navigated_away(&te) || clock_mono_ms() >= deadline)
            break;
        cdp_pump(p->b->cdp, 50);
    }
    if (rc != 0)
        err_set(e, te.code, "%s", te.msg);
    p->frames_len = saved;
    *out = NULL;
    if (rc == 0)
        *out = xstrdup(json_is_string(v) ? json_string_value(v) : "");
    json_decref(v);
    return rc;
}

int page_url(struct page *p, char **out, struct err *e)
{
    return page_main_string(p, "location.href", out, e);
}

int page_title(struct page *p, char **out, struct err *e)
{
    return page_main_string(p, "document.title", out, e);
}

/* Reads a string of the current frame, cut in the renderer (so a huge page never crosses the wire
 * whole) to at most max_bytes of UTF-8 at a character boundary, and made well-formed (a lone surrogate
 * becomes U+FFFD). what names it in the warning about a cut. */
static int page_frame_string_capped(struct page *p, const char *js_value, size_t max_bytes, const char *what,
                                    char **out, struct err *e)
{
    json_t *v = NULL;
    *out = NULL;
    char *expr = xasprintf("(() => { let t = (%s) || ''; const max = %zu; let is_cut = false;"
                           "if (t.length > max) { t = t.slice(0, max); is_cut = true; }"
                           "t = t.toWellFormed();"
                           "if (t.length * 3 > max) { const u = new TextEncoder().encode(t);"
                           "  if (u.length > max) { let k = max; while (k > 0 && (u[k] & 0xC0) === 0x80) k--;"
                           "    t = new TextDecoder().decode(u.subarray(0, k)); is_cut = true; } }"
                           "return { text: t, is_cut }; })()",
                           js_value, max_bytes);
    int rc = page_frame_eval(p, expr, true, 0, &v, e);
    free(expr);
    if (rc != 0)
        return rc;
    const char *text = json_string_value(json_object_get(v, "text"));
    *out = xstrdup(text ? text : "");
    if (json_is_true(json_object_get(v, "is_cut")))
        log_warn("page", "the page's %s is longer than %zu bytes: cut there", what, max_bytes);
    json_decref(v);
    return 0;
}

int page_text(struct page *p, char **out, struct err *e)
{
    return page_frame_string_capped(p, "document.body ? document.body.innerText : ''", PAGE_TEXT_MAX_BYTES, "text",
                                    out, e);
}

int page_eval_text(struct page *p, const char *js_value, char **out, struct err *e)
{
    return page_frame_string_capped(p, js_value, PAGE_TEXT_MAX_BYTES, "text", out, e);
}

int page_html(struct page *p, char **out, struct err *e)
{
    return page_frame_string_capped(p, "document.documentElement ? document.documentElement.outerHTML : ''",
                                    PAGE_HTML_MAX_BYTES, "HTML", out, e);
}

/* ---- waiting ---- */

#define PAGE_JS_VISIBLE "(e)=>!!e&&(" PAGE_JS_IS_VISIBLE ")(e)"

static const char *page_cond_name(enum page_cond_kind kind)
{
    switch (kind) {
    case PAGE_COND_VISIBLE: return "element visible";
    case PAGE_COND_TEXT: return "text present";
    case PAGE_COND_URL: return "URL contains";
    case PAGE_COND_GONE: return "element gone";
    case PAGE_COND_EXISTS: return "element in the page";
    }
    return "?";
}

char *page_js_wait_expr(const char *cond, int slice_ms)
{
    /* a page's own MutationObserver may be missing or broken: the 100 ms look still runs */
    return xasprintf(
        "new Promise((res,rej)=>{let done=false,mo=null,iv=0,to=0,kick=0;const cond=(%s);"
        "const fin=(f,v)=>{if(done)return;done=true;try{if(mo)mo.disconnect();}catch(x){}"
        "clearInterval(iv);clearTimeout(to);clearTimeout(kick);f(v);};"
        "const check=()=>{if(done)return;let v;try{v=cond();}catch(x){fin(rej,x);return;}if(v)fin(res,v);};"
        "check();if(done)return;"
        "try{mo=new MutationObserver(()=>{if(!kick)kick=setTimeout(()=>{kick=0;check();},20);});"
        "mo.observe(document,{subtree:true,childList:true,attributes:true,characterData:true});}catch(x){mo=null;}"
        "iv=setInterval(check,100);to=setTimeout(()=>fin(res,null),%d);})",
        cond, slice_ms);
}

int page_wait(struct page *p, enum page_cond_kind kind, const char *arg, int timeout_ms, struct err *e)
{
    int rc = 0;
    char *q = page_js_quote(arg);
    char *cond = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    switch (kind) {
    case PAGE_COND_VISIBLE: cond = xasprintf("()=>(" PAGE_JS_VISIBLE ")(document.querySelector(%s))", q); break;
    case PAGE_COND_GONE:
        cond = xasprintf("()=>![...document.querySelectorAll(%s)].some(" PAGE_JS_VISIBLE ")", q);
        break;
    case PAGE_COND_TEXT:
        cond = xasprintf("()=>!!document.body && document.body.innerText.includes(%s)", q);
        break;
    case PAGE_COND_URL: cond = xasprintf("()=>location.href.includes(%s)", q); break;
    case PAGE_COND_EXISTS: cond = xasprintf("()=>!!document.querySelector(%s)", q); break;
    }
    char *expr = NULL;
    size_t saved = p->frames_len;
    for (;;) {
        struct err ee;
        err_init(&ee);
        json_t *v = NULL;
        if (kind == PAGE_COND_URL)
            p->frames_len = 1;
        int64_t left = deadline - clock_mono_ms();
        free(expr);
        expr = page_js_wait_expr(cond, left < PAGE_WAIT_SLICE_MS ? (left < 1 ? 1 : (int)left) : PAGE_WAIT_SLICE_MS);
        int r = page_frame_eval(p, expr, true, left < 1 ? 1 : (int)left, &v, &ee);
        p->frames_len = saved;
        bool is_true = r == 0 && json_is_true(v);
        json_decref(v);
        if (is_true && kind == PAGE_COND_GONE && p->frames_len == 1 && page_main_is_parsing(p) &&
            clock_mono_ms() < deadline) {
            /* gone because the next page is still arriving (its form may not be parsed yet): look again
             * once it is parsed whole, so the steps after (an extract) read the whole answer; its images
             * and other hosts' scripts, which may never come, are not waited for */
            while (page_main_is_parsing(p) && clock_mono_ms() < deadline && page_check_alive(p, NULL) == 0)
                cdp_pump(p->b->cdp, 50);
            continue;
        }
        if (is_true)
            goto out;
        if ((rc = page_check_alive(p, e)) != 0)
            goto out;
        if (r == ERR_SITE && strstr(ee.msg, "SyntaxError")) { /* a bad selector will never match */
            rc = err_set(e, ERR_INPUT, "wait for %s '%s': %s", page_cond_name(kind), arg, ee.msg);
            goto out;
        }
        /* other errors (a context destroyed by a navigation) are retried until the deadline */
        if (clock_mono_ms() >= deadline) {
            rc = err_set(e, ERR_TIMEOUT, "wait for %s '%s': not true after %d ms%s%s", page_cond_name(kind), arg,
                         timeout_ms, r ? " (last error: " : "", r ? ee.msg : "");
            if (r && e)
                snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), ")");
            goto out;
        }
        if (r != 0) /* the page answered at once with an error (its document went away): not in a loop */
            page_sleep(p, PAGE_POLL_MS);
        page_window_armed_follow(p);
    }
out:
    free(expr);
    free(cond);
    free(q);
    return rc;
}

/* The shortest quiet page_settle takes, when the page says all it started has loaded: a request a
 * script sends as the last one's answer arrives shows up within this. */
#define PAGE_SETTLE_MIN_QUIET_MS 100

/* Whether the current frame's document and every image in it have finished loading (asked once the
 * network has been quiet a moment): then a longer quiet period would only wait. */
static bool page_settle_is_loaded(struct page *p, int timeout_ms)
{
    json_t *v = NULL;
    struct err e;
    err_init(&e);
    bool is_loaded = page_frame_eval(p,
                                     "document.readyState==='complete'&&"
                                     "[...document.images].every(i=>i.complete)",
                                     true, timeout_ms, &v, &e) == 0 &&
                     json_is_true(v);
    json_decref(v);
    return is_loaded;
}

int page_settle(struct page *p, int quiet_ms, int timeout_ms, struct err *e)
{
    int rc;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    int64_t asked_at_net_ms = -1; /* the last_net_ms when the page was last asked whether it has loaded */
    for (;;) {
        if ((rc = page_check_alive(p, e)) != 0)
            return rc;
        int64_t now = clock_mono_ms();
        if (p->inflight_len == 0 && now - p->last_net_ms >= quiet_ms)
            break;
        if (p->inflight_len == 0 && quiet_ms > PAGE_SETTLE_MIN_QUIET_MS &&
            now - p->last_net_ms >= PAGE_SETTLE_MIN_QUIET_MS && asked_at_net_ms != p->last_net_ms) {
            asked_at_net_ms = p->last_net_ms;
            int64_t left = deadline - now;
            if (left > 0 && page_settle_is_loaded(p, left < 2000 ? (int)left : 2000) && p->inflight_len == 0)
                break;
        }
        if (now >= deadline) {
            /* a page that never goes quiet (polling, a stuck request) is still captured */
            log_info("page", "the network was not quiet for %d ms within %d ms (%zu requests in flight)", quiet_ms,
                     timeout_ms, p->inflight_len);
            break;
        }
        page_sleep(p, 50);
    }
    json_t *v = NULL;
    int64_t left = deadline - clock_mono_ms();
    rc = page_frame_eval(p, "document.fonts.ready.then(() => true)", true, left < 2000 ? 2000 : (int)left, &v, e);
    json_decref(v);
    return rc;
}
