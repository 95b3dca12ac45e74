/* What the page files share inside the driver: the page struct, the per-domain event rows and enable
 * calls, and the helpers that evaluate in the current frame. browser.c uses it to hand events and ticks
 * to the pages; the page files reach the browser only through its struct (driver/browser_internal.h).
 * Not for the layers above (they use driver/page.h).
 *
 * Events by domain: each CDP domain the page follows has its own file, which owns its part of the page
 * state (the fields marked with its name below), its table of {method, handler} rows and its enable
 * call(s). page.c routes an incoming event through the tables (page_event_route) and sends the enable
 * calls of a new session in one explicit order (page_session_setup). A new event of a followed domain is
 * one row in that domain's file; a new domain is a new file with its rows and enable function, plus one
 * line in page.c's page_event_tables and one in page_session_enables (where its enable calls go in the
 * order). */
#ifndef HUIXIN_PAGE_INTERNAL_H
#define HUIXIN_PAGE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/page.h"

struct browser;
struct cdp;
struct page_net;
struct page_fetch;
struct proxy;

/* A target attached under a page: an out-of-process iframe, or a popup. */
struct page_child {
    char *session_id;
    char *target_id;
    char *url;
};

/* A window the scenario came from (page_window.c): where page_window_opener goes back to. */
struct page_window {
    char *target_id;
    char *session_id;
};
#define PAGE_WINDOWS_DEPTH_MAX 8

struct page_context {       /* a JavaScript world from Runtime.executionContextCreated */
    char *session_id;
    int id;
    char *frame_id;
    bool is_default;
};

struct page_request {       /* a request in flight */
    char *id;
    char *url;
    int64_t started_ms;     /* clock_mono_ms when it was sent */
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
    bool is_context_shared; /* a persistent profile's default context: never disposed of */
    char *target_id;       /* the current window's; = its main frame's id */
    char *session_id;      /* the current window's */
    bool is_detached;      /* page_targets.c */
    bool is_tls_accepting; /* page_security.c: every window goes on past certificate errors */
    bool is_shot_fast;     /* page_evidence.c: full-page PNGs encoded for speed (page_shots_fast_set) */
    char *nav_loader;      /* loaderId of the last Page.navigate (page_goto) */

    /* page_lifecycle.c: the main frame's loads, and the renderer's death */
    char *loaded_loader;   /* loaderId of the last main-frame "load" lifecycle event */
    char *parsed_loader;   /* ... and of its last "DOMContentLoaded" (the document parsed whole) */
    char *started_loader;  /* loaderId of the last main-frame document navigation started */
    char *committed_loader; /* loaderId of the last main-frame document committed (Page.frameNavigated) */
    uint64_t navigations;  /* main-frame document navigations started (page_navigation_count) */
    bool is_crashed;

    /* page_targets.c: out-of-process iframes and popups */
    struct page_child *children;
    size_t children_len;
    char **popup_targets, **popup_urls; /* the kept ones */
    size_t popups_len, popups_seen;
    char *popups_open[PAGE_POPUPS_OPEN_MAX]; /* target ids of the popups left open */
    size_t popups_open_len;
    struct page_child *popup_sessions; /* the popups left open, attached as soon as they appear (their
                                          dialogs answered from the first) */
    size_t popup_sessions_len;

    /* page_runtime.c: the JavaScript worlds of every frame and session */
    struct page_context *contexts;
    size_t contexts_len;

    /* page_net.c: requests in flight, failed requests, the document's status, XHR and fetch answers */
    struct page_request *inflight;
    size_t inflight_len;
    int64_t last_net_ms;   /* clock_mono_ms of the last request start or end */
    struct page_failed_request *failed;
    size_t failed_len;
    int http_status;
    struct page_net *net;  /* XHR and fetch answers; NULL until the first one */

    /* page_fetch.c: other hosts' resources held to a budget; NULL until page_thirdparty_set */
    struct page_fetch *fetch;
    /* page_fetch.c: the proxy's challenges answered (page_open_via with credentials) */
    struct proxy *proxy;   /* a copy of page_open_via's, released by page_close; NULL: direct */
    char *proxy_auth_tried[16]; /* Fetch requestIds given the credentials once (a second challenge: cancel) */
    size_t proxy_auth_tried_len;

    /* page_dialog.c: JavaScript dialogs */
    struct page_dialog *dialogs;
    size_t dialogs_len, dialogs_seen;
    char *dialog_session;   /* where a dialog is open and not yet closed, else NULL */
    int64_t dialog_answer_id;   /* the answer in flight (0: none) */
    int64_t dialog_answered_ms; /* clock_mono_ms of the last answer sent */
    int dialog_refusals;        /* answers refused in a row */
    bool is_dialog_stuck;       /* a dialog Chrome will not let us answer: the page is lost */

    /* page_window.c: the windows followed (the current one is target_id/session_id above) */
    struct page_window openers[PAGE_WINDOWS_DEPTH_MAX]; /* the windows it came from, oldest first */
    size_t openers_len;
    size_t window_armed_mark; /* mark + 1 of page_window_arm; 0: not armed */
    uint64_t window_open_asks; /* Page.windowOpen events: a document asked for a new window */
    char **windows_used;   /* the URLs of the windows followed, as they were when followed */
    size_t windows_used_len;

    struct page_frame frames[8];
    size_t frames_len;     /* >= 1 while open */
};

/* A JS function: is the element rendered with a size and not hidden? */
#define PAGE_JS_IS_VISIBLE                                                                                 \
    "(e)=>{const r=e.getBoundingClientRect();const s=getComputedStyle(e);"                                \
    "return r.width>0&&r.height>0&&s.visibility!=='hidden'&&s.display!=='none';}"

/* ---- events by domain ---- */

/* One row of a domain's table: an event of a page's session (its own or an iframe's: session says which)
 * and what it does to the page. params is borrowed. Tables end with a {NULL, NULL} row. */
typedef void (*page_event_fn)(struct page *p, const char *session, json_t *params);
struct page_event_row {
    const char *method;
    page_event_fn fn;
};
/* A Target event comes to the browser (a popup belongs to a page by its opener or its browser context,
 * an iframe's detach names its own session), so its rows take the browser and the event's sessionId. */
typedef void (*page_target_event_fn)(struct browser *b, const char *session, json_t *params);
struct page_target_event_row {
    const char *method;
    page_target_event_fn fn;
};
/* One enable step of a freshly attached session (page_session_setup sends them in order); is_page is false
 * for an out-of-process iframe. Fire and forget: it may cdp_send but not cdp_call. */
typedef void (*page_enable_fn)(struct browser *b, const char *session, bool is_page);

/* page.c: routes one event of the browser (session: its sessionId, NULL for the browser's own) through the
 * Target rows, else to the page owning the session and through the domain rows. Unknown events are
 * dropped. */
void page_event_route(struct browser *b, const char *session, const char *method, json_t *params);
/* The domain tables page_event_route looks in, in order (tests check that no method is in two). */
extern const struct page_event_row *const page_event_tables[];
extern const size_t page_event_tables_len;
/* page.c: what must run after every pump (answers in flight); browser.c calls it for each page. */
void page_tick(struct page *p);
/* page.c: sets up a freshly attached page or OOPIF session and lets it run: the domains' enable calls
 * in page_session_enables' order. */
void page_session_setup(struct browser *b, const char *session, bool is_page);

/* page_identity.c: what sites are told (user agent and client hints, language, time zone). browser.c
 * resolves it once it knows the browser's own user agent (own_ua, Browser.getVersion) and releases it;
 * every new session is sent it before it runs. */
void browser_identity_resolve(struct browser *b, const struct browser_options *o, const char *own_ua);
void browser_identity_release(struct browser *b);
void page_identity_enable(struct browser *b, const char *session, bool is_page);

/* page_security.c: a window of a page that goes on past certificate errors (page_tls_errors_accept) is
 * told so before it runs. */
void page_security_enable(struct browser *b, const char *session, bool is_page);

/* page_lifecycle.c: Page.lifecycleEvent, frameStartedNavigating, frameNavigated (the main frame's
 * loaderIds page_goto waits on) and Inspector.targetCrashed. Enables Page (which the dialogs need too). */
extern const struct page_event_row page_lifecycle_events[];
void page_lifecycle_enable(struct browser *b, const char *session, bool is_page);
void page_lifecycle_release(struct page *p);
/* The main frame has committed a document not yet parsed whole (its HTML is still arriving; what it
 * loads after, images and scripts of other hosts, does not count). */
bool page_main_is_parsing(const struct page *p);

/* page_dialog.c: accepts and records JavaScript dialogs (events of the Page domain page_lifecycle.c
 * enables). page_dialog_tick answers again a dialog whose answer went nowhere. */
extern const struct page_event_row page_dialog_events[];
void page_dialog_tick(struct page *p);
void page_dialog_release(struct page *p);
/* A dialog found open and answered blind (a new window's, opened before we were attached to it). */
void page_dialog_unseen_record(struct page *p);

/* page_runtime.c: the execution contexts of the page's frames (page_frame_eval finds a frame's world
 * there). Runtime.enable early; Runtime.runIfWaitingForDebugger ends the setup (page_runtime_resume). */
extern const struct page_event_row page_runtime_events[];
void page_runtime_enable(struct browser *b, const char *session, bool is_page);
void page_runtime_resume(struct browser *b, const char *session, bool is_page);
void page_runtime_release(struct page *p);

/* page_net.c: requests in flight (page_settle), failed requests (page_failed_*), the main document's
 * HTTP status and the answers to XHR and fetch requests (driver/page.h, page_response_*). */
extern const struct page_event_row page_net_events[];
void page_net_enable(struct browser *b, const char *session, bool is_page);
void page_net_tick(struct page *p); /* takes in the bodies asked for; run after every pump */
void page_failed_clear(struct page *p); /* a new navigation: no failed requests yet */
void page_net_release(struct page *p);

/* page_fetch.c: the Fetch domain, enabled by page_thirdparty_set on the page's own session (only a page
 * given its own hosts holds other hosts' resources), and at setup on every session of a page whose proxy
 * takes credentials (page_fetch_enable: Fetch.authRequired answers the proxy's challenges). page_fetch_tick
 * answers the held requests (fetched, failed, or past their budget); run after every pump. */
extern const struct page_event_row page_fetch_events[];
void page_fetch_enable(struct browser *b, const char *session, bool is_page);
void page_fetch_tick(struct page *p);
/* page_net.c's word that a request failed (why: its error text or "HTTP N"; NULL: Chrome cancelled it) */
void page_fetch_unloaded_note(struct page *p, const char *network_id, const char *url, const char *why,
                              int64_t after_ms);
/* Whether url is another host's, for a page given its own hosts (false before page_thirdparty_set). */
bool page_url_is_thirdparty(const struct page *p, const char *url);
void page_fetch_release(struct page *p);

/* page_window.c: Page.windowOpen (a document asked for a new window), counted for page_window_asked. */
extern const struct page_event_row page_window_events[];

/* page_targets.c: the Target domain: out-of-process iframes (their sessions), popups and detaches.
 * Enables auto-attach, so iframes in other processes attach under the session and wait for us. */
extern const struct page_target_event_row page_target_events[];
void page_targets_enable(struct browser *b, const char *session, bool is_page);
/* The page a session belongs to: the page's own, an opener window's, one of its iframes' or popups';
 * NULL if none. */
struct page *page_by_session(struct browser *b, const char *session);
void page_targets_release(struct page *p);
/* The session of a popup left open (attached as it appeared), or NULL while it is not attached yet. */
const char *page_popup_session(const struct page *p, const char *target);

/* page_window.c: an opener's session is still the page's (its dialogs are answered) */
bool page_window_has_session(const struct page *p, const char *session);
/* A session of the page detached: an opener (forgotten) or the followed window (back to its opener). */
void page_window_closed(struct page *p, const char *session);
void page_window_release(struct page *p);
/* page_wait and page_element_wait call it as they poll: follows a window opened since an armed mark. */
void page_window_armed_follow(struct page *p);

/* page.c */
/* Drops the current-frame stack down to keep frames (0: none). */
void page_frames_clear(struct page *p, size_t keep);
/* Fails at once with ERR_BROWSER when the page is crashed, closed, or the browser gone. */
int page_check_alive(struct page *p, struct err *e);
/* timeout_ms (0: the default) cut to what is left of the browser's budget (browser_budget_start). */
int page_budget_clamp(struct page *p, int timeout_ms);
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
/* An expression whose promise resolves with cond()'s value as soon as it is truthy (looked at again
 * 20 ms after a change to the document, so at most that often on a page that never stops changing, and
 * every 100 ms for what changes without one: styles, the URL), or with null after slice_ms; it rejects
 * with what cond throws (a bad selector's SyntaxError). cond is the source of a JS function of no
 * arguments. The waits hand it to the renderer rather than asking every 100 ms from here: the answer
 * comes the moment the page has it. */
#define PAGE_WAIT_SLICE_MS 1000
char *page_js_wait_expr(const char *cond, int slice_ms);
/* Waits until the first element matching selector exists (and is visible if must_be_visible); returns its
 * remote object id (caller frees). */
int page_element_wait(struct page *p, const char *selector, bool must_be_visible, int timeout_ms, char **object_id,
                      struct err *e);
/* Where the current frame's (0,0) is in the main frame's viewport. */
int page_frame_offset(struct page *p, double *x, double *y, struct err *e);
/* page_input.c: waits until the element can take a click (as page_click does) and gives the point, in the
 * main viewport, where a press at its centre lands: for a press that is not a click (page_drag.c). */
int page_press_point_wait(struct page *p, const char *selector, int timeout_ms, double *cx, double *cy, struct err *e);
/* Pumps for up to ms (events are handled meanwhile). */
void page_sleep(struct page *p, int ms);

/* base64.c: decodes standard base64 (whitespace ignored); caller frees; -1 on bad input. */
int base64_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len);
/* base64.c: standard base64 with padding; caller frees. */
char *base64_encode(const unsigned char *in, size_t len);

#endif
