/* The Page domain's navigation events, and the renderer's death (driver/page_internal.h).
 *
 * page_goto knows its navigation is done when the main frame's "load" lifecycle event names the loaderId
 * Page.navigate gave, and that another navigation cancelled it when the main frame started a different
 * document before committing ours: these rows keep the three loaderIds it compares. A crash is the end of
 * the same life: Inspector.targetCrashed marks the page dead (or fails an iframe's session) so every call
 * fails at once instead of waiting out its timeout. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"

static void lifecycle_loader_set(char **slot, const char *loader)
{
    free(*slot);
    *slot = xstrdup(loader);
}

static void lifecycle_event(struct page *p, const char *session, json_t *params)
{
    (void)session;
    const char *name = json_string_value(json_object_get(params, "name"));
    const char *frame = json_string_value(json_object_get(params, "frameId"));
    const char *loader = json_string_value(json_object_get(params, "loaderId"));
    if (!name || !frame || !loader || strcmp(frame, p->target_id) != 0)
        return;
    if (strcmp(name, "load") == 0)
        lifecycle_loader_set(&p->loaded_loader, loader);
    else if (strcmp(name, "DOMContentLoaded") == 0)
        lifecycle_loader_set(&p->parsed_loader, loader);
}

static void lifecycle_frame_started_navigating(struct page *p, const char *session, json_t *params)
{
    (void)session;
    const char *frame = json_string_value(json_object_get(params, "frameId"));
    const char *loader = json_string_value(json_object_get(params, "loaderId"));
    const char *type = json_string_value(json_object_get(params, "navigationType"));
    if (frame && loader && type && strcmp(type, "differentDocument") == 0 && strcmp(frame, p->target_id) == 0) {
        lifecycle_loader_set(&p->started_loader, loader);
        p->navigations++;
        p->window_armed_mark = 0; /* page_window_arm: what opens from here on is the new document's doing */
    }
}

static void lifecycle_frame_navigated(struct page *p, const char *session, json_t *params)
{
    (void)session;
    json_t *frame = json_object_get(params, "frame");
    const char *id = json_string_value(json_object_get(frame, "id"));
    const char *loader = json_string_value(json_object_get(frame, "loaderId"));
    if (id && loader && !json_object_get(frame, "parentId") && strcmp(id, p->target_id) == 0)
        lifecycle_loader_set(&p->committed_loader, loader);
}

static void lifecycle_target_crashed(struct page *p, const char *session, json_t *params)
{
    (void)params;
    log_warn("page", "the renderer of target %s crashed", p->target_id);
    if (strcmp(session, p->session_id) == 0) {
        p->is_crashed = true;
        cdp_session_fail(p->b->cdp, session, "renderer crashed");
    } else {
        cdp_session_fail(p->b->cdp, session, "renderer crashed (iframe)");
    }
}

const struct page_event_row page_lifecycle_events[] = {
    {"Page.lifecycleEvent", lifecycle_event},
    {"Page.frameStartedNavigating", lifecycle_frame_started_navigating},
    {"Page.frameNavigated", lifecycle_frame_navigated},
    {"Inspector.targetCrashed", lifecycle_target_crashed},
    {NULL, NULL},
};

void page_lifecycle_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    cdp_send_ignored(b->cdp, session, "Page.enable", NULL);
    cdp_send_ignored(b->cdp, session, "Page.setLifecycleEventsEnabled", json_pack("{s:b}", "enabled", 1));
}

bool page_main_is_parsing(const struct page *p)
{
    return p->committed_loader && (!p->parsed_loader || strcmp(p->committed_loader, p->parsed_loader) != 0);
}

void page_lifecycle_release(struct page *p)
{
    free(p->loaded_loader);
    free(p->parsed_loader);
    free(p->started_loader);
    free(p->committed_loader);
    p->loaded_loader = p->parsed_loader = p->started_loader = p->committed_loader = NULL;
}
