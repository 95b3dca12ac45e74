/* Windows: the page a scenario continues on (driver/page.h, page_window_*).
 *
 * A site that opens its form in a new tab (target=_blank, window.open, a form posted into a new window)
 * goes on there, so huixin does too. The struct page stays the one object the layers above hold: to
 * follow a window it attaches to the popup's target, keeps the page it came from on a stack of openers,
 * and makes the popup its current target and session (frames, load tracking, HTTP status start afresh).
 * Every action, wait and evidence call then acts on the popup without knowing it, and going back pops
 * the stack. The openers' sessions stay attached and routed to the page (page_by_session), so a dialog
 * one of them opens is still answered; page_close disposes of the browser context, which closes every
 * window the visit opened.
 *
 * Which windows are followed: the popups page_targets.c records (Target.targetCreated with an opener
 * among our pages, or in the page's browser context), from the mark page_window_mark gave on. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"

/* How long a bringToFront or an attach may take: housekeeping, not the site's work. */
#define WINDOW_CALL_TIMEOUT_MS 10000
/* A window's set-up that takes longer is held by a dialog nobody saw open. */
#define WINDOW_SETUP_TIMEOUT_MS 3000

static bool window_is_open(const struct page *p, const char *target)
{
    for (size_t k = 0; k < p->popups_open_len; k++)
        if (strcmp(p->popups_open[k], target) == 0)
            return true;
    return false;
}

size_t page_window_mark(const struct page *p)
{
    return p->popups_len;
}

uint64_t page_navigation_count(const struct page *p)
{
    return p->navigations;
}

uint64_t page_window_asked(const struct page *p)
{
    return p->window_open_asks;
}

static void window_open_asked(struct page *p, const char *session, json_t *params)
{
    (void)session;
    const char *url = json_string_value(json_object_get(params, "url"));
    log_debug("page", "a document asked for a new window: %s", url ? url : "?");
    p->window_open_asks++;
}

const struct page_event_row page_window_events[] = {
    {"Page.windowOpen", window_open_asked},
    {NULL, NULL},
};

size_t page_window_depth(const struct page *p)
{
    return p->openers_len;
}

size_t page_window_used_count(const struct page *p)
{
    return p->windows_used_len;
}

const char *page_window_used_url(const struct page *p, size_t i)
{
    return i < p->windows_used_len ? p->windows_used[i] : NULL;
}

int page_front_bring(struct page *p, struct err *e)
{
    int rc = page_call(p, "Page.bringToFront", NULL, WINDOW_CALL_TIMEOUT_MS, NULL, e);
    if (rc == 0 || rc != ERR_TIMEOUT)
        return rc;
    /* the page itself does not answer: ask the browser to show its tab */
    return cdp_call(p->b->cdp, NULL, "Target.activateTarget", json_pack("{s:s}", "targetId", p->target_id),
                    WINDOW_CALL_TIMEOUT_MS, NULL, e);
}

static bool window_is_followed(const struct page *p, const char *target)
{
    if (p->target_id && strcmp(p->target_id, target) == 0)
        return true;
    for (size_t i = 0; i < p->openers_len; i++)
        if (strcmp(p->openers[i].target_id, target) == 0)
            return true;
    return false;
}

/* The first (is_newest: the last) popup recorded at or after mark that is still open and not one we
 * are on or came from, or NULL. The first is the one an action opened: those after it may be its own. */
static const char *window_pick(const struct page *p, size_t mark, bool is_newest)
{
    for (size_t i = mark; i < p->popups_len; i++) {
        size_t k = is_newest ? p->popups_len - 1 - (i - mark) : i;
        if (window_is_open(p, p->popup_targets[k]) && !window_is_followed(p, p->popup_targets[k]))
            return p->popup_targets[k];
    }
    return NULL;
}

static void window_current_reset(struct page *p, char *target, char *session)
{
    free(p->target_id);
    free(p->session_id);
    p->target_id = target;
    p->session_id = session;
    page_frames_clear(p, 0);
    p->frames_len = 1;
    p->frames[0].frame_id = xstrdup(p->target_id);
    p->frames[0].session_id = xstrdup(p->session_id);
    free(p->nav_loader);
    p->nav_loader = NULL;
    page_lifecycle_release(p);
    page_failed_clear(p);
    p->http_status = 0;
}

static int window_switch(struct page *p, const char *target, struct err *e)
{
    int rc = 0;
    if (p->openers_len == PAGE_WINDOWS_DEPTH_MAX)
        return err_set(e, ERR_SITE, "windows opened from windows %d deep: not followed further", PAGE_WINDOWS_DEPTH_MAX);
    /* page_targets.c attached it as it appeared and set it up: wait for that */
    int64_t deadline = clock_mono_ms() + WINDOW_CALL_TIMEOUT_MS;
    const char *session;
    while (!(session = page_popup_session(p, target))) {
        if ((rc = page_check_alive(p, e)) != 0)
            goto out;
        if (!window_is_open(p, target)) {
            rc = err_set(e, ERR_SITE, "the new window closed before it could be followed");
            goto out;
        }
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            rc = err_set(e, ERR_TIMEOUT, "the new window was not attached within %d ms", WINDOW_CALL_TIMEOUT_MS);
            goto out;
        }
        cdp_pump(p->b->cdp, left > 50 ? 50 : (int)left);
    }
    struct page_window *w = &p->openers[p->openers_len++];
    w->target_id = p->target_id;
    w->session_id = p->session_id;
    p->target_id = NULL;
    p->session_id = NULL;
    window_current_reset(p, xstrdup(target), xstrdup(session));
    json_t *metrics = json_pack("{s:i, s:i, s:i, s:b}", "width", p->b->width, "height", p->b->height,
                                "deviceScaleFactor", 1, "mobile", 0);
    /* the last setup command: once it is answered, those before it were too. A window that opened a dialog
     * before we were attached to it (a form posted into it, answered with an alert) is held by the dialog,
     * unseen: it is answered blind, and the window set up again. */
    rc = page_call(p, "Emulation.setDeviceMetricsOverride", json_incref(metrics), WINDOW_SETUP_TIMEOUT_MS, NULL, e);
    if (rc == ERR_TIMEOUT &&
        page_call(p, "Page.handleJavaScriptDialog", json_pack("{s:b, s:s}", "accept", 1, "promptText", ""),
                  WINDOW_SETUP_TIMEOUT_MS, NULL, NULL) == 0) {
        log_warn("page", "the new window %s was held by a dialog it opened before it was followed: accepted", target);
        page_dialog_unseen_record(p);
        rc = page_call(p, "Emulation.setDeviceMetricsOverride", json_incref(metrics), WINDOW_CALL_TIMEOUT_MS, NULL, e);
    }
    json_decref(metrics);
    if (rc != 0)
        goto out;
    if ((rc = page_front_bring(p, e)) != 0)
        goto out;
    for (size_t k = 0; k < p->popups_len; k++)
        if (strcmp(p->popup_targets[k], target) == 0 && p->windows_used_len < PAGE_POPUPS_MAX) {
            p->windows_used = xrealloc(p->windows_used, (p->windows_used_len + 1) * sizeof *p->windows_used);
            p->windows_used[p->windows_used_len++] = xstrdup(p->popup_urls[k]);
        }
    log_info("page", "following the new window %s", target);
out:
    if (rc != 0)
        err_prefix(e, "cannot follow the new window");
    return rc;
}

static int window_follow(struct page *p, size_t mark, bool is_newest, int timeout_ms, struct err *e)
{
    int rc = page_check_alive(p, e);
    if (rc != 0)
        return rc;
    int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        const char *target = window_pick(p, mark, is_newest);
        if (target) {
            char *t = xstrdup(target);
            p->window_armed_mark = 0;
            rc = window_switch(p, t, e);
            free(t);
            return rc == 0 ? 1 : rc;
        }
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            return 0;
        if ((rc = page_check_alive(p, e)) != 0)
            return rc;
        if (cdp_pump(p->b->cdp, left > 50 ? 50 : (int)left) != 0)
            return page_check_alive(p, e);
    }
}

int page_window_follow(struct page *p, size_t mark, int timeout_ms, struct err *e)
{
    return window_follow(p, mark, false, timeout_ms, e);
}

int page_window_follow_newest(struct page *p, int timeout_ms, struct err *e)
{
    return window_follow(p, 0, true, timeout_ms, e);
}

void page_window_arm(struct page *p, size_t mark)
{
    p->window_armed_mark = mark + 1;
}

void page_window_disarm(struct page *p)
{
    p->window_armed_mark = 0;
}

void page_window_armed_follow(struct page *p)
{
    if (p->window_armed_mark == 0 || !window_pick(p, p->window_armed_mark - 1, false))
        return;
    size_t mark = p->window_armed_mark - 1;
    p->window_armed_mark = 0;
    struct err e;
    err_init(&e);
    if (page_window_follow(p, mark, 0, &e) < 0)
        log_warn("page", "%s", e.msg);
}

int page_window_armed_wait(struct page *p, int timeout_ms, struct err *e)
{
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (p->window_armed_mark != 0) {
        size_t mark = p->window_armed_mark - 1;
        if (window_pick(p, mark, false))
            return page_window_follow(p, mark, 0, e);
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            return 0;
        int rc = page_check_alive(p, e);
        if (rc != 0)
            return rc;
        if (cdp_pump(p->b->cdp, left > 50 ? 50 : (int)left) != 0)
            return page_check_alive(p, e);
    }
    return 0; /* disarmed: the window itself navigated */
}

int page_window_opener(struct page *p, struct err *e)
{
    if (p->openers_len == 0)
        return err_set(e, ERR_INPUT, "back to the opener: this window was not opened by another one");
    if (cdp_is_closed(p->b->cdp))
        return err_set(e, ERR_BROWSER, "%s", cdp_close_reason(p->b->cdp));
    /* the window left stays open, unfollowed (its session stays, so its dialogs are still answered) */
    struct page_window *w = &p->openers[--p->openers_len];
    window_current_reset(p, w->target_id, w->session_id);
    w->target_id = w->session_id = NULL;
    p->is_detached = false;
    return page_front_bring(p, e);
}

int page_window_opener_capture(struct page *p, size_t i, const char *path, struct page_shot_info *info, char **url,
                               struct err *e)
{
    *url = NULL;
    if (i >= p->openers_len)
        return err_set(e, ERR_INTERNAL, "window %zu: only %zu windows behind the current one", i, p->openers_len);
    /* the page acts on the opener for the while: its target, its session, its main frame */
    struct page_frame saved_frames[ARRAY_LEN(p->frames)];
    size_t saved_len = p->frames_len;
    memcpy(saved_frames, p->frames, sizeof saved_frames);
    char *cur_target = p->target_id, *cur_session = p->session_id;
    struct page_window *w = &p->openers[i];
    p->target_id = w->target_id;
    p->session_id = w->session_id;
    memset(p->frames, 0, sizeof p->frames);
    p->frames[0].frame_id = w->target_id;
    p->frames[0].session_id = w->session_id;
    p->frames_len = 1;
    int rc = page_url(p, url, e);
    if (rc == 0)
        rc = page_screenshot_full(p, path, 0, info, e); /* brings it to the front */
    p->target_id = cur_target;
    p->session_id = cur_session;
    memcpy(p->frames, saved_frames, sizeof saved_frames);
    p->frames_len = saved_len;
    struct err front;
    err_init(&front);
    if (page_check_alive(p, NULL) == 0 && page_front_bring(p, &front) != 0)
        log_warn("page", "the current window could not be brought back to the front: %s", front.msg);
    if (rc != 0) {
        free(*url);
        *url = NULL;
        err_prefix(e, "window %zu", i + 1);
    }
    return rc;
}

void page_window_closed(struct page *p, const char *session)
{
    for (size_t i = 0; i < p->openers_len; i++) {
        if (strcmp(p->openers[i].session_id, session) != 0)
            continue;
        /* an opener went away behind us: going back will skip it */
        free(p->openers[i].target_id);
        free(p->openers[i].session_id);
        memmove(&p->openers[i], &p->openers[i + 1], (p->openers_len - i - 1) * sizeof p->openers[0]);
        p->openers_len--;
        return;
    }
    if (p->session_id && strcmp(p->session_id, session) == 0 && p->openers_len > 0) {
        /* the window we followed closed itself (window.close()): the scenario goes on where it came from */
        log_info("page", "the followed window %s closed itself: back to its opener", p->target_id);
        struct page_window *w = &p->openers[--p->openers_len];
        window_current_reset(p, w->target_id, w->session_id);
        w->target_id = w->session_id = NULL;
        cdp_send_ignored(p->b->cdp, p->session_id, "Page.bringToFront", NULL);
        return;
    }
}

bool page_window_has_session(const struct page *p, const char *session)
{
    for (size_t i = 0; i < p->openers_len; i++)
        if (strcmp(p->openers[i].session_id, session) == 0)
            return true;
    return false;
}

void page_window_release(struct page *p)
{
    for (size_t i = 0; i < p->openers_len; i++) {
        free(p->openers[i].target_id);
        free(p->openers[i].session_id);
    }
    p->openers_len = 0;
    for (size_t i = 0; i < p->windows_used_len; i++)
        free(p->windows_used[i]);
    free(p->windows_used);
    p->windows_used = NULL;
    p->windows_used_len = 0;
}
