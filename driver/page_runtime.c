/* The Runtime domain: the JavaScript worlds (execution contexts) of the page's frames, in every session
 * (driver/page_internal.h). page_frame_eval evaluates in a same-process iframe through its default world,
 * found here by frame id and session; a navigation destroys a frame's worlds and a new document brings
 * new ones. Runtime.runIfWaitingForDebugger is the last step of a session's setup (page_runtime_resume):
 * the target waits, paused, until everything before it was asked for. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"

static void runtime_contexts_drop(struct page *p, const char *session, int id /* 0: all of the session */)
{
    for (size_t i = 0; i < p->contexts_len;) {
        struct page_context *x = &p->contexts[i];
        if (strcmp(x->session_id, session) == 0 && (id == 0 || x->id == id)) {
            free(x->session_id);
            free(x->frame_id);
            *x = p->contexts[--p->contexts_len];
        } else {
            i++;
        }
    }
}

static void runtime_context_created(struct page *p, const char *session, json_t *params)
{
    json_t *ctx = json_object_get(params, "context");
    json_t *aux = json_object_get(ctx, "auxData");
    const char *frame = json_string_value(json_object_get(aux, "frameId"));
    if (!frame)
        return;
    p->contexts = xrealloc(p->contexts, (p->contexts_len + 1) * sizeof *p->contexts);
    struct page_context *x = &p->contexts[p->contexts_len++];
    x->session_id = xstrdup(session);
    x->id = (int)json_integer_value(json_object_get(ctx, "id"));
    x->frame_id = xstrdup(frame);
    x->is_default = json_is_true(json_object_get(aux, "isDefault"));
}

static void runtime_context_destroyed(struct page *p, const char *session, json_t *params)
{
    int id = (int)json_integer_value(json_object_get(params, "executionContextId"));
    if (id)
        runtime_contexts_drop(p, session, id);
}

static void runtime_contexts_cleared(struct page *p, const char *session, json_t *params)
{
    (void)params;
    runtime_contexts_drop(p, session, 0);
}

const struct page_event_row page_runtime_events[] = {
    {"Runtime.executionContextCreated", runtime_context_created},
    {"Runtime.executionContextDestroyed", runtime_context_destroyed},
    {"Runtime.executionContextsCleared", runtime_contexts_cleared},
    {NULL, NULL},
};

void page_runtime_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    cdp_send_ignored(b->cdp, session, "Runtime.enable", NULL);
}

void page_runtime_resume(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    cdp_send_ignored(b->cdp, session, "Runtime.runIfWaitingForDebugger", NULL);
}

void page_runtime_release(struct page *p)
{
    for (size_t i = 0; i < p->contexts_len; i++) {
        free(p->contexts[i].session_id);
        free(p->contexts[i].frame_id);
    }
    free(p->contexts);
    p->contexts = NULL;
    p->contexts_len = 0;
}
