/* JavaScript dialogs (driver/page.h, page_dialog_*): events of the Page domain, which page_lifecycle.c
 * enables.
 *
 * A dialog blocks the page until it is answered: each one is recorded and accepted at once. Chrome
 * refuses an answer that comes while a navigation of the page is being committed ("Not attached to an
 * active page"): the old document sits in its dialog, the new one waits for the old, and every Page
 * command on the session fails from then on. So the answer is tracked (page_dialog_tick): refused a few
 * times in a row, the page is marked stuck and every call fails at once with ERR_BROWSER, as after a
 * crash, instead of waiting out its timeout. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"

#define PAGE_DIALOG_RETRY_MS 200
#define PAGE_DIALOG_REFUSALS_MAX 3

/* Accepts the open dialog. */
static void dialog_answer(struct page *p)
{
    if (p->dialog_answer_id > 0)
        cdp_reply_forget(p->b->cdp, p->dialog_answer_id);
    p->dialog_answered_ms = clock_mono_ms();
    p->dialog_answer_id = cdp_send(p->b->cdp, p->dialog_session, "Page.handleJavaScriptDialog",
                                   json_pack("{s:b, s:s}", "accept", 1, "promptText", ""),
                                   p->dialog_answered_ms + 5000, NULL);
}

void page_dialog_tick(struct page *p)
{
    if (p->dialog_answer_id > 0) {
        struct err e;
        err_init(&e);
        int rc = cdp_reply_poll(p->b->cdp, p->dialog_answer_id, NULL, &e);
        if (rc == 1)
            return;
        p->dialog_answer_id = 0;
        if (rc == 0) {
            p->dialog_refusals = 0;
        } else if (p->dialog_session) {
            p->dialog_refusals++;
            log_debug("page", "the dialog's answer was refused (%d): %s", p->dialog_refusals, e.msg);
            if (strstr(e.msg, "Not attached to an active page") && p->dialog_refusals >= PAGE_DIALOG_REFUSALS_MAX &&
                !p->is_dialog_stuck) {
                p->is_dialog_stuck = true;
                log_warn("page", "a dialog opened as the page navigated and cannot be answered: the page is lost");
            }
        }
    }
    if (p->dialog_session && !p->is_dialog_stuck && clock_mono_ms() - p->dialog_answered_ms >= PAGE_DIALOG_RETRY_MS)
        dialog_answer(p);
}

static void dialog_record(struct page *p, const char *type, const char *message)
{
    p->dialogs_seen++;
    if (p->dialogs_len < PAGE_DIALOGS_MAX) { /* an alert loop: keep the first ones, count the rest */
        p->dialogs = xrealloc(p->dialogs, (p->dialogs_len + 1) * sizeof *p->dialogs);
        p->dialogs[p->dialogs_len].type = xstrdup(type ? type : "alert");
        p->dialogs[p->dialogs_len].message = xstrdup(message ? message : "");
        p->dialogs[p->dialogs_len].at_ms = clock_now_ms();
        p->dialogs_len++;
        log_info("page", "%s dialog accepted: %s", type ? type : "?", message ? message : "");
    } else if (p->dialogs_seen == PAGE_DIALOGS_MAX + 1) {
        log_warn("page", "more than %d dialogs: later ones are answered and counted, not kept", PAGE_DIALOGS_MAX);
    }
}

void page_dialog_unseen_record(struct page *p)
{
    dialog_record(p, "unknown", "(a dialog the window opened before huixin was attached to it; accepted, its text "
                                "unknown)");
}

static void dialog_opening(struct page *p, const char *session, json_t *params)
{
    /* a dialog blocks the page until it is answered: record it and accept at once */
    dialog_record(p, json_string_value(json_object_get(params, "type")),
                  json_string_value(json_object_get(params, "message")));
    free(p->dialog_session);
    p->dialog_session = xstrdup(session);
    dialog_answer(p);
}

static void dialog_closed(struct page *p, const char *session, json_t *params)
{
    (void)params;
    if (p->dialog_session && strcmp(p->dialog_session, session) == 0) {
        free(p->dialog_session);
        p->dialog_session = NULL;
        p->dialog_refusals = 0;
    }
}

const struct page_event_row page_dialog_events[] = {
    {"Page.javascriptDialogOpening", dialog_opening},
    {"Page.javascriptDialogClosed", dialog_closed},
    {NULL, NULL},
};

void page_dialog_release(struct page *p)
{
    for (size_t i = 0; i < p->dialogs_len; i++) {
        free(p->dialogs[i].type);
        free(p->dialogs[i].message);
    }
    free(p->dialogs);
    p->dialogs = NULL;
    p->dialogs_len = 0;
    free(p->dialog_session);
    p->dialog_session = NULL;
    if (p->dialog_answer_id > 0 && !cdp_is_closed(p->b->cdp))
        cdp_reply_forget(p->b->cdp, p->dialog_answer_id);
    p->dialog_answer_id = 0;
}

size_t page_dialog_count(const struct page *p)
{
    return p->dialogs_len;
}

size_t page_dialog_seen(const struct page *p)
{
    return p->dialogs_seen;
}

const struct page_dialog *page_dialog_get(const struct page *p, size_t i)
{
    return i < p->dialogs_len ? &p->dialogs[i] : NULL;
}
