/* The Target domain: the targets a page brings along (driver/page_internal.h).
 *
 * An iframe in another process (OOPIF) attaches under its page's session (auto-attach, paused until we
 * set it up) and is reached through its own session; workers and the like are let run and left. Popups
 * (window.open, target=_blank) show up through target discovery (Target.setDiscoverTargets, sent by
 * browser_open) as targets whose opener is one of our pages, or whose browser context is: they are
 * counted, their URLs kept, and only a few left open (page_window.c follows one when asked). An opener
 * window's session stays the page's, and a followed window that detaches goes back to its opener. These events come to the browser, not to a page,
 * so the rows take the browser and find the page themselves. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"

struct page *page_by_session(struct browser *b, const char *session)
{
    if (!session)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++) {
        struct page *p = b->pages[i];
        if (!p)
            continue;
        if ((p->session_id && strcmp(p->session_id, session) == 0) || page_window_has_session(p, session))
            return p;
        for (size_t k = 0; k < p->children_len; k++)
            if (strcmp(p->children[k].session_id, session) == 0)
                return p;
        for (size_t k = 0; k < p->popup_sessions_len; k++)
            if (strcmp(p->popup_sessions[k].session_id, session) == 0)
                return p;
    }
    return NULL;
}

const char *page_popup_session(const struct page *p, const char *target)
{
    for (size_t k = 0; k < p->popup_sessions_len; k++)
        if (strcmp(p->popup_sessions[k].target_id, target) == 0)
            return p->popup_sessions[k].session_id;
    return NULL;
}

/* The page whose popups left open include target, or NULL. */
static struct page *popup_page_by_target(struct browser *b, const char *target)
{
    for (size_t i = 0; i < PAGE_MAX; i++) {
        struct page *p = b->pages[i];
        for (size_t k = 0; p && k < p->popups_open_len; k++)
            if (strcmp(p->popups_open[k], target) == 0)
                return p;
    }
    return NULL;
}

static struct page *target_page_by_id(struct browser *b, const char *target)
{
    if (!target)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i] && b->pages[i]->target_id && strcmp(b->pages[i]->target_id, target) == 0)
            return b->pages[i];
    return NULL;
}

static struct page *target_page_by_context(struct browser *b, const char *context)
{
    if (!context)
        return NULL;
    for (size_t i = 0; i < PAGE_MAX; i++)
        if (b->pages[i] && b->pages[i]->context_id && strcmp(b->pages[i]->context_id, context) == 0)
            return b->pages[i];
    return NULL;
}

/* parent: the session it attached under (NULL: our own attach from the browser, page_open's) */
static void target_attached(struct browser *b, const char *parent, json_t *params)
{
    const char *session = json_string_value(json_object_get(params, "sessionId"));
    json_t *info = json_object_get(params, "targetInfo");
    const char *type = json_string_value(json_object_get(info, "type"));
    const char *target = json_string_value(json_object_get(info, "targetId"));
    const char *url = json_string_value(json_object_get(info, "url"));
    if (!session || !type || !target)
        return;
    if (!parent) {
        /* our attach to a popup as it appeared (target_info): its domains are enabled before it runs much,
         * so a dialog it opens as it loads is seen and answered */
        struct page *q = strcmp(type, "page") == 0 ? popup_page_by_target(b, target) : NULL;
        if (q && !page_popup_session(q, target)) {
            q->popup_sessions = xrealloc(q->popup_sessions, (q->popup_sessions_len + 1) * sizeof *q->popup_sessions);
            struct page_child *ch = &q->popup_sessions[q->popup_sessions_len++];
            ch->session_id = xstrdup(session);
            ch->target_id = xstrdup(target);
            ch->url = xstrdup(url ? url : "");
            log_debug("browser", "popup target %s attached (%s)", target, ch->url);
            page_session_setup(b, session, true);
        }
        return; /* else our own explicit attach to a page, set up by page_open */
    }
    struct page *p = page_by_session(b, parent);
    if (p && strcmp(p->session_id, session) == 0)
        return;
    if (p && strcmp(type, "iframe") == 0) {
        p->children = xrealloc(p->children, (p->children_len + 1) * sizeof *p->children);
        struct page_child *ch = &p->children[p->children_len++];
        ch->session_id = xstrdup(session);
        ch->target_id = xstrdup(target);
        ch->url = xstrdup(url ? url : "");
        log_debug("browser", "iframe target %s attached (%s)", target, ch->url);
        page_session_setup(b, session, false);
        return;
    }
    /* workers and the like: let them run, and leave them */
    cdp_send_ignored(b->cdp, session, "Runtime.runIfWaitingForDebugger", NULL);
    cdp_send_ignored(b->cdp, parent, "Target.detachFromTarget", json_pack("{s:s}", "sessionId", session));
}

static void target_detached(struct browser *b, const char *parent, json_t *params)
{
    (void)parent;
    const char *session = json_string_value(json_object_get(params, "sessionId"));
    struct page *p = page_by_session(b, session);
    if (!p)
        return;
    for (size_t k = 0; k < p->popup_sessions_len; k++) {
        if (strcmp(p->popup_sessions[k].session_id, session) != 0)
            continue;
        free(p->popup_sessions[k].session_id);
        free(p->popup_sessions[k].target_id);
        free(p->popup_sessions[k].url);
        p->popup_sessions[k] = p->popup_sessions[--p->popup_sessions_len];
        break;
    }
    if (page_window_has_session(p, session) || (strcmp(p->session_id, session) == 0 && p->openers_len > 0)) {
        cdp_session_fail(b->cdp, session, "the window was closed");
        page_window_closed(p, session);
        return;
    }
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

static void target_info(struct browser *b, json_t *params, bool is_created)
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
    struct page *p = target_page_by_id(b, opener);
    if (!p)
        p = target_page_by_context(b, context);
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
        /* attached at once, so page_window_follow finds it ready and its dialogs never block it */
        cdp_send_ignored(b->cdp, NULL, "Target.attachToTarget", json_pack("{s:s, s:b}", "targetId", target, "flatten", 1));
        return;
    }
    /* a popup storm: one past the few left open is closed at once */
    log_debug("browser", "popup %s (%s) closed: %d already open", target, url, PAGE_POPUPS_OPEN_MAX);
    cdp_send_ignored(b->cdp, NULL, "Target.closeTarget", json_pack("{s:s}", "targetId", target));
}

static void target_destroyed(struct browser *b, const char *session, json_t *params)
{
    (void)session;
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

static void target_created(struct browser *b, const char *session, json_t *params)
{
    (void)session;
    target_info(b, params, true);
}

static void target_info_changed(struct browser *b, const char *session, json_t *params)
{
    (void)session;
    target_info(b, params, false);
}

const struct page_target_event_row page_target_events[] = {
    {"Target.attachedToTarget", target_attached},
    {"Target.detachedFromTarget", target_detached},
    {"Target.targetCreated", target_created},
    {"Target.targetInfoChanged", target_info_changed},
    {"Target.targetDestroyed", target_destroyed},
    {NULL, NULL},
};

void page_targets_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    /* iframes in other processes attach under this session and wait for us before running */
    cdp_send_ignored(b->cdp, session, "Target.setAutoAttach",
                     json_pack("{s:b, s:b, s:b}", "autoAttach", 1, "waitForDebuggerOnStart", 1, "flatten", 1));
}

void page_targets_release(struct page *p)
{
    for (size_t i = 0; i < p->children_len; i++) {
        free(p->children[i].session_id);
        free(p->children[i].target_id);
        free(p->children[i].url);
    }
    free(p->children);
    p->children = NULL;
    p->children_len = 0;
    for (size_t i = 0; i < p->popups_len; i++) {
        free(p->popup_targets[i]);
        free(p->popup_urls[i]);
    }
    free(p->popup_targets);
    free(p->popup_urls);
    p->popup_targets = p->popup_urls = NULL;
    p->popups_len = 0;
    for (size_t i = 0; i < p->popups_open_len; i++)
        free(p->popups_open[i]);
    p->popups_open_len = 0;
    for (size_t i = 0; i < p->popup_sessions_len; i++) {
        free(p->popup_sessions[i].session_id);
        free(p->popup_sessions[i].target_id);
        free(p->popup_sessions[i].url);
    }
    free(p->popup_sessions);
    p->popup_sessions = NULL;
    p->popup_sessions_len = 0;
}

size_t page_popup_count(const struct page *p)
{
    return p->popups_len;
}

size_t page_popup_seen(const struct page *p)
{
    return p->popups_seen;
}

size_t page_popup_open_count(const struct page *p)
{
    return p->popups_open_len;
}

const char *page_popup_url(const struct page *p, size_t i)
{
    return i < p->popups_len ? p->popup_urls[i] : NULL;
}
