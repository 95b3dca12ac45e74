/* What browser.c, page*.c share inside the driver: the browser and page structs and the helpers that
 * evaluate in the current frame. Not for the layers above (they use driver/page.h). */
#ifndef HUIXIN_PAGE_INTERNAL_H
#define HUIXIN_PAGE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/launch.h"
#include "driver/page.h"

struct cdp;
struct ws;
struct page_net;

#define PAGE_MAX 64

struct browser {
    struct launch launch;  /* pid 0 when connected to a running browser */
    struct cdp *cdp;
    struct ws *ws;
    char *version;         /* "Chrome/156..." */
    char *ws_url;          /* the browser's DevTools websocket, for other processes to connect to */
    int width, height;
    struct page *pages[PAGE_MAX];
};

/* A target attached under a page: an out-of-process iframe, or a popup. */
struct page_child {
    char *session_id;
    char *target_id;
    char *url;
};

struct page_context {       /* a JavaScript world from Runtime.executionContextCreated */
    char *session_id;
    int id;
    char *frame_id;
    bool is_default;
};

struct page_request {       /* a request in flight */
    char *id;
    char *url;
};

/* One frame of the current-frame stack: 0 is the main frame. */
struct page_frame {
    char *frame_id;
    char *session_id;       /* where its documents live: the page's, or an OOPIF's */
    char *parent_session;   /* where its owner <iframe> lives */
    bool is_oopif;
};

struct page {
    struct browser *b;
    char *context_id;      /* browser context: its own cookies */
    char *target_id;       /* = the main frame's id */
    char *session_id;
    bool is_crashed, is_detached;

    char *nav_loader;      /* loaderId of the last Page.navigate */
    char *loaded_loader;   /* loaderId of the last main-frame "load" lifecycle event */
    char *started_loader;  /* loaderId of the last main-frame document navigation started */
    char *committed_loader; /* loaderId of the last main-frame document committed (Page.frameNavigated) */
    int http_status;

    struct page_child *children;
    size_t children_len;
    struct page_context *contexts;
    size_t contexts_len;
    struct page_request *inflight;
    size_t inflight_len;
    int64_t last_net_ms;   /* clock_mono_ms of the last request start or end */
    char **popup_targets, **popup_urls; /* the kept ones */
    size_t popups_len, popups_seen;
    char *popups_open[PAGE_POPUPS_OPEN_MAX]; /* target ids of the popups left open */
    size_t popups_open_len;

    struct page_dialog *dialogs;
    size_t dialogs_len, dialogs_seen;
    char *dialog_session;   /* where a dialog is open and not yet closed, else NULL */
    int64_t dialog_answer_id;   /* the answer in flight (0: none) */
    int64_t dialog_answered_ms; /* clock_mono_ms of the last answer sent */
    int dialog_refusals;        /* answers refused in a row */
    bool is_dialog_stuck;       /* a dialog Chrome will not let us answer: the page is lost */
    struct page_failed_request *failed;
    size_t failed_len;
    struct page_net *net;  /* XHR and fetch answers (page_net.c); NULL until the first one */

    struct page_frame frames[8];
    size_t frames_len;     /* >= 1 while open */
};

/* A JS function: is the element rendered with a size and not hidden? */
#define PAGE_JS_IS_VISIBLE                                                                                 \
    "(e)=>{const r=e.getBoundingClientRect();const s=getComputedStyle(e);"                                \
    "return r.width>0&&r.height>0&&s.visibility!=='hidden'&&s.display!=='none';}"

/* browser.c: routes one event to the page it belongs to. */
void page_event_handle(struct page *p, const char *session, const char *method, json_t *params);
/* page.c: answers again a dialog whose answer went nowhere (see page_dialog_answer); run after every pump. */
void page_tick(struct page *p);
/* browser.c: sets up a freshly attached page or OOPIF session and lets it run. */
void browser_session_setup(struct browser *b, const char *session, bool is_page);

/* page.c */
/* Fails at once with ERR_BROWSER when the page is crashed, closed, or the browser gone. */
int page_check_alive(struct page *p, struct err *e);
/* A CDP call on the page's own session / the current frame's session. */
int page_call(struct page *p, const char *method, json_t *params, int timeout_ms, json_t **result, struct err *e);
int page_frame_call(struct page *p, const char *method, json_t *params, int timeout_ms, json_t **result,
                    struct err *e);
/* Evaluates in the current frame. by_value: *out is the value (a new reference); else the remote object.
 * A thrown exception is ERR_SITE. */
int page_frame_eval(struct page *p, const char *expression, bool by_value, int timeout_ms, json_t **out,
                    struct err *e);
/* Calls function_text with this = object_id (in the current frame) and the arguments (stolen array). */
int page_object_call(struct page *p, const char *object_id, const char *function_text, json_t *args,
                     json_t **value_out, struct err *e);
void page_object_release(struct page *p, const char *object_id);
/* A JS string literal of s (JSON); caller frees. */
char *page_js_quote(const char *s);
/* Waits until the first element matching selector exists (and is visible if must_be_visible); returns its
 * remote object id (caller frees). */
int page_element_wait(struct page *p, const char *selector, bool must_be_visible, int timeout_ms, char **object_id,
                      struct err *e);
/* Where the current frame's (0,0) is in the main frame's viewport. */
int page_frame_offset(struct page *p, double *x, double *y, struct err *e);
/* Pumps for up to ms (events are handled meanwhile). */
void page_sleep(struct page *p, int ms);

/* page_net.c: records the answers to XHR and fetch requests (driver/page.h, page_response_*). */
void page_net_event(struct page *p, const char *session, const char *method, json_t *params);
void page_net_tick(struct page *p); /* takes in the bodies asked for; run after every pump */
void page_net_release(struct page *p);

/* base64.c: decodes standard base64 (whitespace ignored); caller frees; -1 on bad input. */
int base64_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len);

#endif
