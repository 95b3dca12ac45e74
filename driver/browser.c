#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/launch.h"
#include "driver/page.h"
#include "driver/page_internal.h"
#include "driver/ws.h"

/* Every event of the connection: the page files route it by its domain's rows (driver/page_internal.h). */
static void browser_event(struct cdp *c, json_t *msg, void *user)
{
    (void)c;
    struct browser *b = user;
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *session = json_string_value(json_object_get(msg, "sessionId"));
    page_event_route(b, session, method, json_object_get(msg, "params"));
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
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    b->width = o && o->window_width > 0 ? o->window_width : 1280;
    b->height = o && o->window_height > 0 ? o->window_height : 900;
    *out = NULL;
    /* a browser that dies mid-write must not kill us with SIGPIPE */
    signal(SIGPIPE, SIG_IGN);

    if (o && o->endpoint && *o->endpoint && o->profile_dir) {
        rc = err_set(e, ERR_USAGE, "a persistent profile needs a browser of our own, not one at '%s'", o->endpoint);
        goto out;
    }
    if (o && o->endpoint && *o->endpoint) {
        if ((rc = remote_ws_url_resolve(o->endpoint, timeout_ms, &ws_url, e)) != 0)
            goto out;
    } else {
        if ((rc = launch_chromium_find(o ? o->chromium_path : NULL, &chromium, e)) != 0)
            goto out;
        /* starting Chromium is the machine's work, not the site's: a short --timeout must not make a
         * loaded machine's slow start a failed visit, so the launch waits at least the default */
        int launch_ms = timeout_ms > DRIVER_DEFAULT_TIMEOUT_MS ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
        struct launch_options lo = {.width = b->width, .height = b->height, .timeout_ms = launch_ms,
                                    .profile_dir = o ? o->profile_dir : NULL, .is_headful = o && o->is_headful};
        if ((rc = launch_start(chromium, &lo, &b->launch, e)) != 0)
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
    browser_identity_resolve(b, o, json_string_value(json_object_get(res, "userAgent")));
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
    /* a kept profile (a login's cookies) is written out as the browser shuts down: let it */
    if (b->launch.is_profile_kept && b->launch.pid > 0 && !launch_wait_exit(&b->launch, 15000))
        log_warn("browser", "the browser did not shut down within 15 s; its profile may miss the last changes");
    ws_close(b->ws);
    cdp_free(b->cdp);
    launch_stop(&b->launch);
    browser_identity_release(b);
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

int browser_debug_port(const struct browser *b)
{
    return b->launch.pid != 0 ? b->launch.port : 0;
}

int browser_pid(const struct browser *b)
{
    return b->launch.pid > 0 ? (int)b->launch.pid : 0;
}

void browser_budget_start(struct browser *b, int budget_ms)
{
    b->budget_ms = budget_ms > 0 ? budget_ms : 0;
    b->budget_deadline_ms = budget_ms > 0 ? clock_mono_ms() + budget_ms : 0;
}

bool browser_budget_is_spent(const struct browser *b)
{
    return b->budget_deadline_ms && clock_mono_ms() >= b->budget_deadline_ms;
}

bool browser_is_alive(struct browser *b)
{
    if (!b || cdp_is_closed(b->cdp))
        return false;
    cdp_pump(b->cdp, 0); /* notice a socket that closed since the last call */
    return !cdp_is_closed(b->cdp);
}
