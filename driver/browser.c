#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "driver/launch.h"
#include "driver/page.h"
#include "driver/page_internal.h"
#include "driver/ws.h"

#define BROWSER_DEFAULT_TIMEOUT_MS 30000

static struct page *browser_page_by_session(struct browser *b, const char *session)
{
    if (!session)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++) {
        struct page *p = b->pages[i];
        if (!p)
            continue;
        if (p->session_id && strcmp(p->session_id, session) == 0)
            return p;
        for (size_t k = 0; k < p->children_len; k++)
            if (strcmp(p->children[k].session_id, session) == 0)
                return p;
    }
    return NULL;
}

static struct page *browser_page_by_target(struct browser *b, const char *target)
{
    if (!target)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i] && b->pages[i]->target_id && strcmp(b->pages[i]->target_id, target) == 0)
            return b->pages[i];
    return NULL;
}

void browser_session_setup(struct browser *b, const char *session, bool is_page)
{
    struct cdp *c = b->cdp;
    cdp_send_ignored(c, session, "Page.enable", NULL);
    cdp_send_ignored(c, session, "Page.setLifecycleEventsEnabled", json_pack("{s:b}", "enabled", 1));
    cdp_send_ignored(c, session, "Runtime.enable", NULL);
    cdp_send_ignored(c, session, "Network.enable", NULL);
    if (is_page)
        cdp_send_ignored(c, session, "Emulation.setFocusEmulationEnabled", json_pack("{s:b}", "enabled", 1));
    /* iframes in other processes attach under this session and wait for us before running */
    cdp_send_ignored(c, session, "Target.setAutoAttach",
                     json_pack("{s:b, s:b, s:b}", "autoAttach", 1, "waitForDebuggerOnStart", 1, "flatten", 1));
    cdp_send_ignored(c, session, "Runtime.runIfWaitingForDebugger", NULL);
}

static void browser_target_attached(struct browser *b, const char *parent, json_t *params)
{
    const char *session = json_string_value(json_object_get(params, "sessionId"));
    json_t *info = json_object_get(params, "targetInfo");
    const char *type = json_string_value(json_object_get(info, "type"));
    const char *target = json_string_value(json_object_get(info, "targetId"));
    const char *url = json_string_value(json_object_get(info, "url"));
    if (!session || !type || !target)
        return;
    struct page *p = browser_page_by_session(b, parent);
    if (!parent || (p && strcmp(p->session_id, session) == 0))
        return; /* our own explicit attach to a page, set up by page_open */
    if (p && strcmp(type, "iframe") == 0) {
        p->children = xrealloc(p->children, (p->children_len + 1) * sizeof *p->children);
        struct page_child *ch = &p->children[p->children_len++];
        ch->session_id = xstrdup(session);
        ch->target_id = xstrdup(target);
        ch->url = xstrdup(url ? url : "");
        log_debug("browser", "iframe target %s attached (%s)", target, ch->url);
        browser_session_setup(b, session, false);
        return;
    }
    /* workers and the like: let them run, and leave them */
    cdp_send_ignored(b->cdp, session, "Runtime.runIfWaitingForDebugger", NULL);
    cdp_send_ignored(b->cdp, parent, "Target.detachFromTarget", json_pack("{s:s}", "sessionId", session));
}

static void browser_target_detached(struct browser *b, json_t *params)
{
    const char *session = json_string_value(json_object_get(params, "sessionId"));
    struct page *p = browser_page_by_session(b, session);
    if (!p)
        return;
    if (strcmp(p->session_id, session) == 0) {
        p->is_detached = true;
        cdp_session_fail(b->cdp, session, "the page was closed");
        return;
    }
    for (size_t k = 0; k < p->children_len; k++) {
        if (strcmp(p->children[k].session_id, session) != 0)
            continue;
        cdp_session_fail(b->cdp, session, "the iframe's target went away");
        free(p->children[k].session_id);
        free(p->children[k].target_id);
        free(p->children[k].url);
        p->children[k] = p->children[--p->children_len];
        return;
    }
}

static struct page *browser_page_by_context(struct browser *b, const char *context)
{
    if (!context)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i] && b->pages[i]->context_id && strcmp(b->pages[i]->context_id, context) == 0)
            return b->pages[i];
    return NULL;
}

static void browser_target_info(struct browser *b, json_t *params, bool is_created)
{
    json_t *info = json_object_get(params, "targetInfo");
    const char *type = json_string_value(json_object_get(info, "type"));
    const char *target = json_string_value(json_object_get(info, "targetId"));
    const char *url = json_string_value(json_object_get(info, "url"));
    const char *opener = json_string_value(json_object_get(info, "openerId"));
    const char *context = json_string_value(json_object_get(info, "browserContextId"));
    if (!type || !target || !url)
        return;
    for (size_t i = 0; i < PAGE_MAX; i++) { /* an OOPIF's URL changes as it navigates */
        struct page *p = b->pages[i];
        for (size_t k = 0; p && k < p->children_len; k++)
            if (strcmp(p->children[k].target_id, target) == 0) {
                free(p->children[k].url);
                p->children[k].url = xstrdup(url);
            }
    }
    if (strcmp(type, "page") != 0)
        return;
    /* a popup belongs to the page it opened from, or to the page of its browser context (popups of popups) */
    struct page *p = browser_page_by_target(b, opener);
    if (!p)
        p = browser_page_by_context(b, context);
    if (!p || (p->target_id && strcmp(p->target_id, target) == 0))
        return;
    for (size_t k = 0; k < p->popups_len; k++)
        if (strcmp(p->popup_targets[k], target) == 0) {
            if (*url && strcmp(url, "about:blank") != 0) {
                free(p->popup_urls[k]);
                p->popup_urls[k] = xstrdup(url);
            }
            return;
        }
    if (!is_created)
        return; /* a popup counted already (kept or not) that changed */
    p->popups_seen++;
    if (p->popups_len < PAGE_POPUPS_MAX) {
        p->popup_targets = xrealloc(p->popup_targets, (p->popups_len + 1) * sizeof *p->popup_targets);
        p->popup_urls = xrealloc(p->popup_urls, (p->popups_len + 1) * sizeof *p->popup_urls);
        p->popup_targets[p->popups_len] = xstrdup(target);
        p->popup_urls[p->popups_len] = xstrdup(url);
        p->popups_len++;
    }
    if (p->popups_open_len < PAGE_POPUPS_OPEN_MAX) {
        p->popups_open[p->popups_open_len++] = xstrdup(target);
        return;
    }
    /* a popup storm: nothing drives popups, so one past the few left open is closed at once */
    log_debug("browser", "popup %s (%s) closed: %d already open", target, url, PAGE_POPUPS_OPEN_MAX);
    cdp_send_ignored(b->cdp, NULL, "Target.closeTarget", json_pack("{s:s}", "targetId", target));
}

static void browser_target_destroyed(struct browser *b, json_t *params)
{
    const char *target = json_string_value(json_object_get(params, "targetId"));
    if (!target)
        return;
    for (size_t i = 0; i < PAGE_MAX; i++) {
        struct page *p = b->pages[i];
        for (size_t k = 0; p && k < p->popups_open_len; k++)
            if (strcmp(p->popups_open[k], target) == 0) {
                free(p->popups_open[k]);
                p->popups_open[k] = p->popups_open[--p->popups_open_len];
                return;
            }
    }
}

static void browser_event(struct cdp *c, json_t *msg, void *user)
{
    (void)c;
    struct browser *b = user;
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *session = json_string_value(json_object_get(msg, "sessionId"));
    json_t *params = json_object_get(msg, "params");
    if (strcmp(method, "Target.attachedToTarget") == 0)
        browser_target_attached(b, session, params);
    else if (strcmp(method, "Target.detachedFromTarget") == 0)
        browser_target_detached(b, params);
    else if (strcmp(method, "Target.targetCreated") == 0)
        browser_target_info(b, params, true);
    else if (strcmp(method, "Target.targetInfoChanged") == 0)
        browser_target_info(b, params, false);
    else if (strcmp(method, "Target.targetDestroyed") == 0)
        browser_target_destroyed(b, params);
    else {
        struct page *p = browser_page_by_session(b, session);
        if (p)
            page_event_handle(p, session, method, params);
    }
}

static void browser_tick(struct cdp *c, void *user)
{
    (void)c;
    struct browser *b = user;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i])
            page_tick(b->pages[i]);
}

int browser_open(const struct browser_options *o, struct browser **out, struct err *e)
{
    int rc = 0;
    char *chromium = NULL, *ws_url = NULL;
    json_t *res = NULL;
    struct browser *b = xcalloc(1, sizeof *b);
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : BROWSER_DEFAULT_TIMEOUT_MS;
    b->width = o && o->window_width > 0 ? o->window_width : 1280;
    b->height = o && o->window_height > 0 ? o->window_height : 900;
    *out = NULL;
    /* a browser that dies mid-write must not kill us with SIGPIPE */
    signal(SIGPIPE, SIG_IGN);

    if (o && o->endpoint && *o->endpoint) {
        if ((rc = remote_ws_url_resolve(o->endpoint, timeout_ms, &ws_url, e)) != 0)
            goto out;
    } else {
        if ((rc = launch_chromium_find(o ? o->chromium_path : NULL, &chromium, e)) != 0)
            goto out;
        if ((rc = launch_start(chromium, b->width, b->height, timeout_ms, &b->launch, e)) != 0)
            goto out;
        ws_url = xstrdup(b->launch.ws_url);
    }
    b->cdp = cdp_new();
    if ((rc = ws_open(ws_url, b->cdp, timeout_ms, &b->ws, e)) != 0)
        goto out;
    cdp_event_hook_set(b->cdp, browser_event, b);
    cdp_tick_hook_set(b->cdp, browser_tick, b);
    if ((rc = cdp_call(b->cdp, NULL, "Browser.getVersion", NULL, timeout_ms, &res, e)) != 0)
        goto out;
    const char *product = json_string_value(json_object_get(res, "product"));
    b->version = xstrdup(product ? product : "unknown");
    /* popups show up as targets whose openerId is one of our pages */
    if ((rc = cdp_call(b->cdp, NULL, "Target.setDiscoverTargets", json_pack("{s:b}", "discover", 1), timeout_ms,
                       NULL, e)) != 0)
        goto out;
    log_debug("browser", "connected to %s at %s", b->version, ws_url);
    b->ws_url = ws_url;
    ws_url = NULL;
    *out = b;
    b = NULL;
out:
    if (rc != 0)
        err_prefix(e, "browser");
    json_decref(res);
    browser_close(b);
    free(ws_url);
    free(chromium);
    return rc;
}

void browser_close(struct browser *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i])
            page_close(b->pages[i]);
    if (b->launch.pid > 0 && b->cdp && !cdp_is_closed(b->cdp)) {
        /* let it flush its profile before it is killed; no wait beyond a second */
        json_t *r = NULL;
        cdp_call(b->cdp, NULL, "Browser.close", NULL, 1000, &r, NULL);
        json_decref(r);
    }
    ws_close(b->ws);
    cdp_free(b->cdp);
    launch_stop(&b->launch);
    free(b->version);
    free(b->ws_url);
    free(b);
}

const char *browser_version(const struct browser *b)
{
    return b->version;
}

const char *browser_ws_url(const struct browser *b)
{
    return b->ws_url;
}

int browser_pid(const struct browser *b)
{
    return b->launch.pid > 0 ? (int)b->launch.pid : 0;
}

bool browser_is_alive(struct browser *b)
{
    if (!b || cdp_is_closed(b->cdp))
        return false;
    cdp_pump(b->cdp, 0); /* notice a socket that closed since the last call */
    return !cdp_is_closed(b->cdp);
}
