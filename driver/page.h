/* The page API: the only part of the driver the layers above use. Everything is synchronous: a call
 * sends its DevTools commands and pumps the connection until they are answered, the condition holds,
 * or its timeout passes. Events that arrive meanwhile (dialogs, crashes, network failures) are handled
 * and recorded as they come.
 *
 * Lifecycle: browser_open -> page_open (a fresh browser context: its own cookies) -> actions ->
 * page_close -> browser_close. A page whose renderer crashed fails every call with ERR_BROWSER and a
 * message saying so; open a new page. When the browser exits, every call fails with ERR_BROWSER at
 * once; browser_open again to relaunch. A JavaScript dialog is accepted at once (alert/confirm: OK;
 * prompt: empty; beforeunload: leave) and recorded, so it never blocks the page, with one exception
 * Chrome imposes: a dialog that opens just as a navigation commits (a page alerting on a timer while it
 * is taken away) refuses every answer; the page is then lost like a crashed one (every call fails at
 * once with ERR_BROWSER saying so): open a new page. */
#ifndef HUIXIN_PAGE_H
#define HUIXIN_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct browser;
struct page;

/* The limit of every driver wait given 0 (or less) as its timeout: launching or connecting, one DevTools
 * command, a navigation, a wait, an action. */
#define DRIVER_DEFAULT_TIMEOUT_MS 30000

struct browser_options {
    const char *chromium_path; /* NULL: $HUIXIN_CHROMIUM, /usr/lib/chromium/chromium, chromium on PATH */
    const char *endpoint;      /* NULL: launch our own; else http://HOST:PORT or ws://HOST:PORT/devtools/browser/ID */
    int timeout_ms;            /* launch or connect limit; 0 = DRIVER_DEFAULT_TIMEOUT_MS */
    int window_width;          /* viewport; 0 = 1280 */
    int window_height;         /* 0 = 900 */
    /* What sites are told; NULL: an ordinary desktop Chromium in China (BROWSER_LANGUAGE_DEFAULT ...). */
    const char *user_agent;    /* NULL: the browser's own user agent with "HeadlessChrome" made "Chrome" */
    const char *language;      /* NULL: BROWSER_LANGUAGE_DEFAULT; a BCP 47 tag (browser_language_is_valid) */
    const char *timezone;      /* NULL: BROWSER_TIMEZONE_DEFAULT; an IANA zone (browser_timezone_is_valid) */
    /* A persistent profile (a site's real-name login): launch with this --user-data-dir, which must
     * exist, keep it, and open every page in its default browser context, so the cookies it holds are
     * used and what the site sets is kept; browser_close then lets the browser shut down by itself so
     * they are written out. NULL: a fresh private profile, a fresh context per page. Not with endpoint. */
    const char *profile_dir;
    bool is_headful;           /* a visible window (launched browsers only) */
};

#define BROWSER_LANGUAGE_DEFAULT "zh-CN"
#define BROWSER_TIMEZONE_DEFAULT "Asia/Shanghai"

int browser_open(const struct browser_options *o, struct browser **out, struct err *e);
void browser_close(struct browser *b); /* NULL is a no-op; kills and reaps a launched browser */
/* "Chrome/156.0.8078.79" (Browser.getVersion's product); borrowed. */
const char *browser_version(const struct browser *b);
/* The identity every page of this browser shows sites (user agent, language, time zone); borrowed, for
 * the evidence. A headless Chromium would say HeadlessChrome, en-US and the server's zone: sites and
 * WAFs treat that as a robot or render differently, so every session gets this instead. */
struct browser_identity {
    const char *user_agent;
    const char *language;
    const char *timezone;
};
void browser_identity_get(const struct browser *b, struct browser_identity *out);
/* "zh-CN", "en", "zh-Hant-TW": 2-3 letters, then '-' subtags of 1-8 letters or digits. */
bool browser_language_is_valid(const char *tag);
/* "Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires": IANA-zone characters, no "..", at most 64. */
bool browser_timezone_is_valid(const char *zone);
/* A user agent given by the user: printable ASCII, 1 to 512 characters. */
bool browser_user_agent_is_valid(const char *ua);

/* The DevTools websocket URL (ws://127.0.0.1:PORT/devtools/browser/ID) of a launched or connected
 * browser: other processes (huixin's workers) give it as browser_options.endpoint. Borrowed. */
const char *browser_ws_url(const struct browser *b);
/* The process id of a launched browser, 0 for a connected one (tests kill it to prove failures are fast). */
int browser_pid(const struct browser *b);
/* false once the browser exited or the connection closed: close it and browser_open again. */
bool browser_is_alive(struct browser *b);

/* A time budget for everything from now on (a whole visit), 0 to lift it: once spent, every page call
 * fails at once with ERR_TIMEOUT saying so, and meanwhile no page command waits past what is left. So a
 * visit whose site keeps every wait just under its own timeout, step after step, still ends in time.
 * page_close is not bound by it (a page must be closed whatever happened). */
void browser_budget_start(struct browser *b, int budget_ms);
bool browser_budget_is_spent(const struct browser *b);
/* browser_budget_is_spent for the page's browser: a loop that retries on ERR_TIMEOUT stops there. */
bool page_budget_is_spent(const struct page *p);

/* A page in a fresh browser context (its own cookies); in a browser with a persistent profile
 * (browser_options.profile_dir), in the profile's default context, the other tabs there closed. */
int page_open(struct browser *b, struct page **out, struct err *e);
/* page_open through a proxy (common/proxy.h; NULL: direct, as page_open): the page's browser context sends
 * everything it loads there, loopback addresses too (Chromium would bypass them; the bypass list says
 * "<-loopback>"). An HTTP proxy's credentials answer the proxy's own challenges (407) and nothing else: a
 * site's 401 never gets them (it is left to Chromium, which refuses it headless); a proxy that refuses
 * them is not asked twice for one request. */
struct proxy;
int page_open_via(struct browser *b, const struct proxy *proxy, struct page **out, struct err *e);
void page_close(struct page *p); /* disposes of its browser context (not a profile's); NULL is a no-op */
/* The loopback port a launched browser's DevTools listen on (0 for a connected one): a person reaches
 * its pages through an SSH tunnel to it and chrome://inspect. */
int browser_debug_port(const struct browser *b);

/* Navigates the main frame and waits for its load event. Fails with ERR_SITE when the navigation
 * fails (DNS, refused, reset, TLS, too many redirects: the error text is quoted) and ERR_TIMEOUT past
 * timeout_ms (a response that never ends, a page that keeps navigating itself). When the old page's own
 * navigation (a form that submits itself) cancels this one before it commits, it is sent again.
 * An HTTP error status is NOT a failure here: read it with page_http_status. */
int page_goto(struct page *p, const char *url, int timeout_ms, struct err *e);
/* The main document's HTTP status of the last navigation (0 if unknown). */
int page_http_status(const struct page *p);
/* The main frame's current URL (after redirects and client-side navigation); caller frees. */
int page_url(struct page *p, char **out, struct err *e);
int page_title(struct page *p, char **out, struct err *e);

enum page_cond_kind {
    PAGE_COND_VISIBLE, /* an element matching arg is present and visible */
    PAGE_COND_TEXT,    /* the frame's text contains arg */
    PAGE_COND_URL,     /* the main frame's URL contains arg */
    PAGE_COND_GONE,    /* no visible element matches arg */
    PAGE_COND_EXISTS,  /* an element matching arg is in the DOM, visible or not */
};
/* Waits until the condition holds in the current frame. ERR_TIMEOUT names the condition and its arg. */
int page_wait(struct page *p, enum page_cond_kind kind, const char *arg, int timeout_ms, struct err *e);
/* Waits until the page has had no network request in flight for quiet_ms (bounded by timeout_ms), or
 * for 100 ms when the page says its document and every image in it have loaded, then
 * document.fonts.ready: call before evidence is captured. */
int page_settle(struct page *p, int quiet_ms, int timeout_ms, struct err *e);

/* Evaluates an expression in the current frame (awaiting a promise) and returns the result as JSON
 * text ("null" for undefined); caller frees. A thrown exception is ERR_SITE with its text. */
int page_eval(struct page *p, const char *expression, char **json_out, struct err *e);

/* Actions on the first element matching a CSS selector in the current frame; each waits up to
 * timeout_ms until the element can take it (driver/page_actionable.h): fill until it is visible, enabled
 * and not readonly; select and set_checked until it is enabled (they act through the element, so a
 * native control hidden behind a styled one still works). The error names what stood in the way. */
int page_fill(struct page *p, const char *selector, const char *text, int timeout_ms, struct err *e);
int page_select(struct page *p, const char *selector, const char *choice, bool by_visible_text, int timeout_ms,
                struct err *e);
int page_set_checked(struct page *p, const char *selector, bool checked, int timeout_ms, struct err *e);
/* Waits until the element can take a click (driver/page_actionable.h: visible, stable, enabled, and a
 * click at its centre reaches it), scrolls it into view and clicks with real mouse events there. */
int page_click(struct page *p, const char *selector, int timeout_ms, struct err *e);
/* How an action is made, for the _with variants below (the plain functions are {timeout_ms}). */
struct page_action {
    int timeout_ms; /* 0 = 30000 */
    bool force;     /* skip the actionability checks (a last resort: the element must still be there) */
    /* Click only, optional: called once, when the element can take the click, just before the mouse is
     * pressed (the final click writes its intent here). An error stops the click unmade. */
    int (*before_press)(void *user, struct err *e);
    void *user;
};
int page_click_with(struct page *p, const char *selector, const struct page_action *a, struct err *e);
int page_click_text_with(struct page *p, const char *scope_selector, const char *text, const struct page_action *a,
                         struct err *e);
int page_fill_with(struct page *p, const char *selector, const char *text, const struct page_action *a,
                   struct err *e);
int page_select_with(struct page *p, const char *selector, const char *choice, bool by_visible_text,
                     const struct page_action *a, struct err *e);
int page_set_checked_with(struct page *p, const char *selector, bool checked, const struct page_action *a,
                          struct err *e);
/* Clicks the first visible element whose own text equals text (for custom dropdowns and buttons
 * without good selectors); scope_selector limits the search, NULL = whole frame. */
int page_click_text(struct page *p, const char *scope_selector, const char *text, int timeout_ms, struct err *e);

/* Frames: the following calls act inside the iframe matched by a selector (in the current frame) or
 * whose URL contains url_part; a cross-origin iframe is reached through its own target. */
int page_frame_enter(struct page *p, const char *selector, const char *url_part, int timeout_ms, struct err *e);
void page_frame_leave(struct page *p); /* back to the main frame */

/* Dialogs seen since the page opened, oldest first. type: "alert", "confirm", "prompt", "beforeunload".
 * A page that alerts in a loop must not eat memory: the first PAGE_DIALOGS_MAX are kept, the rest are
 * answered and counted only. */
#define PAGE_DIALOGS_MAX 100
struct page_dialog {
    char *type;   /* or "unknown": a dialog a new window opened before it was followed, answered blind */
    char *message;
    int64_t at_ms;
};
size_t page_dialog_count(const struct page *p); /* kept: at most PAGE_DIALOGS_MAX */
size_t page_dialog_seen(const struct page *p);  /* all, kept or not */
const struct page_dialog *page_dialog_get(const struct page *p, size_t i);

/* Requests that failed since the last navigation (the URL and the error text, or HTTP status >= 400). */
struct page_failed_request {
    char *url;
    char *error;  /* net::ERR_... text, or "HTTP 500" */
};
size_t page_failed_count(const struct page *p);
const struct page_failed_request *page_failed_get(const struct page *p, size_t i);

/* Certificate errors (expired, self-signed, another host's, an unknown issuer). A page stops at them, as
 * Chromium does: the navigation fails with net::ERR_CERT_.... With accept true, every window of the page
 * (the current one at once, each popup before it runs) goes on past them; false makes it stop again.
 * Call after page_open, before the navigation it is meant for. */
int page_tls_errors_accept(struct page *p, bool accept, struct err *e);
bool page_tls_errors_are_accepted(const struct page *p);

/* Other hosts' resources. Once this is called, a script, stylesheet, image, font or media file from a host
 * that is not one of own_hosts (nor a subdomain of one: an own host's "www." is dropped first) is fetched
 * apart and given at most budget_ms (0 or less: PAGE_THIRDPARTY_BUDGET_MS) from the moment it is asked for;
 * past that it is abandoned (it fails in the page, which goes on without it, so the load event comes).
 * The own hosts' requests, documents, XHR and fetch() are untouched. Hosts are names, without the port
 * (127.0.0.1:8001 and 127.0.0.1:8002 are one host; localhost is another). Call after page_open, again to
 * change the hosts or the budget. From then on every other host's resource that did not load (abandoned,
 * failed, or answered with HTTP >= 400) is kept for page_unloaded_* and not among page_failed_*: it is not
 * the site's failure. A cross-origin iframe's own resources are not held. */
#define PAGE_THIRDPARTY_BUDGET_MS 5000
int page_thirdparty_set(struct page *p, const char *const *own_hosts, size_t own_hosts_len, int budget_ms,
                        struct err *e);
struct page_unloaded {
    char *url;
    char *host;
    char *why;        /* "no answer within 5000 ms: abandoned", "net::ERR_CONNECTION_REFUSED", "HTTP 404" */
    int64_t after_ms; /* from the request to the giving up (or the failure) */
};
/* Since page_thirdparty_set, in the order they were given up; the first 200 are kept. */
size_t page_unloaded_count(const struct page *p);
const struct page_unloaded *page_unloaded_get(const struct page *p, size_t i);
/* A block list: after page_thirdparty_set (ERR_USAGE before), every request to a host that matches one of
 * patterns is failed at once (BlockedByClient), whatever its kind (scripts, images, frames, XHR and fetch()
 * too), unless the host is one of the own hosts (an own host is never blocked, even when listed) or the
 * request is the main frame's document. A pattern "example.com" matches that host and every host under it,
 * "*.example.com" only the hosts under it (page_host_pattern_match). Again to change the list; n 0: none.
 * Each request blocked is kept for page_blocked_* (why: "blocked by the block list", after_ms 0), never
 * among page_unloaded_* or page_failed_*: blocking is huixin's doing, not the site's failure. */
int page_thirdparty_block(struct page *p, const char *const *patterns, size_t n, struct err *e);
bool page_host_pattern_match(const char *pattern, const char *host);
/* Since page_thirdparty_block, in the order they were blocked; the first 200 are kept. */
size_t page_blocked_count(const struct page *p);
const struct page_unloaded *page_blocked_get(const struct page *p, size_t i);
/* The host of an http(s) URL as page_thirdparty_set compares it (lower-cased, no port); NULL for another
 * scheme; caller frees. */
char *page_url_host(const char *url);

/* Answers to the page's XHR and fetch() requests since the page opened (its iframes' too), oldest
 * first, in the order their bodies came in. Many pages post by XHR and show the answer only in an
 * alert() or not at all; the answer itself says what happened. Each body is asked for as soon as its
 * request finished (Chrome may drop it later) and cut at PAGE_RESPONSE_BODY_MAX bytes (text at a UTF-8
 * character boundary; a body Chrome sends as base64 is decoded first). Only the last
 * PAGE_RESPONSES_MAX are kept; an answer over PAGE_RESPONSE_FETCH_MAX bytes on the wire, or one whose
 * body could not be had, is kept without its body (has_body false).
 * Each answer carries the sequence number of its request, numbered in the order the requests were
 * sent: page_response_mark gives the number the next request will get, so the answers to what an
 * action sends are those with request_seq >= a mark taken just before it. */
#define PAGE_RESPONSES_MAX 50
#define PAGE_RESPONSE_BODY_MAX (256 * 1024)
#define PAGE_RESPONSE_FETCH_MAX (16 * 1024 * 1024)
struct page_response {
    uint64_t request_seq;
    char *url;        /* after redirects */
    int status;       /* HTTP status */
    char *mime_type;  /* "application/json", "text/html" ... ("" if none) */
    char *body;       /* NUL-terminated ("" without a body); a binary body may hold NULs: see body_len */
    size_t body_len;
    bool has_body;
    bool is_truncated; /* cut at PAGE_RESPONSE_BODY_MAX */
    int64_t at_ms;     /* clock_now_ms when the response's headers came */
};
size_t page_response_count(const struct page *p); /* kept: at most PAGE_RESPONSES_MAX */
size_t page_response_seen(const struct page *p);  /* all answers recorded, kept or not */
const struct page_response *page_response_get(const struct page *p, size_t i);
uint64_t page_response_mark(const struct page *p);
/* Waits until at least one request sent since mark has its answer recorded and none sent since mark is
 * still in flight or having its body fetched, for quiet_ms in a row. ERR_TIMEOUT past timeout_ms
 * (no such request, or one that never ends). */
int page_responses_wait(struct page *p, uint64_t mark, int quiet_ms, int timeout_ms, struct err *e);

/* Popups (window.open, target=_blank, and the popups' own popups) opened since the page opened: their
 * URLs, the first PAGE_POPUPS_MAX kept. A popup is driven only once followed (page_window_follow, below),
 * so they are not let pile up: at most PAGE_POPUPS_OPEN_MAX stay open at once (the followed ones among
 * them), any further one is closed as soon as it appears. */
#define PAGE_POPUPS_MAX 100
#define PAGE_POPUPS_OPEN_MAX 4
size_t page_popup_count(const struct page *p); /* kept: at most PAGE_POPUPS_MAX */
size_t page_popup_seen(const struct page *p);  /* all, kept or not */
size_t page_popup_open_count(const struct page *p);
const char *page_popup_url(const struct page *p, size_t i);

/* Windows. A site may open its form, or its answer, in a new tab or window (target=_blank,
 * window.open, <form target=_blank>): following it makes that window the page's current one, so every
 * call after acts there; the window it came from is kept and page_window_opener goes back to it. A
 * followed window that closes itself puts the page back on its opener. page_close closes them all.
 * page_window_mark: a mark to take before an action; page_window_follow follows the first window
 * opened since the mark and still open (the action's: later ones may be that window's own), waiting
 * up to timeout_ms (0: only looks) for one: 1 when it followed one, 0 when none came, or a negative
 * code. page_window_follow_newest follows the newest window still open and not followed yet. */
size_t page_window_mark(const struct page *p);
int page_window_follow(struct page *p, size_t mark, int timeout_ms, struct err *e);
int page_window_follow_newest(struct page *p, int timeout_ms, struct err *e);
int page_window_opener(struct page *p, struct err *e);
/* How many times the documents of the page's windows asked for a new window (window.open, a
 * target=_blank link or form: Page.windowOpen, sent by the renderer as it creates the window). An
 * action's answer comes back from the same renderer after it, so a count unchanged once an action
 * returned says the action asked for no window then (one may still open later, from a timer). */
uint64_t page_window_asked(const struct page *p);
/* Armed with a mark, the waits for an element or a condition (page_wait, the actions' wait for their
 * element) follow a window opened since the mark when one appears while they poll (a window that opens
 * late, after a click's answer came back); following one, page_goto or page_window_disarm disarm it. */
void page_window_arm(struct page *p, size_t mark);
void page_window_disarm(struct page *p);
/* Armed: waits up to timeout_ms for a window opened since the mark and follows it (1), or returns 0 when
 * none came or the current window began loading a new document meanwhile (the click navigated here:
 * that disarms it, so a window the new document opens as it loads is not taken for the click's). */
int page_window_armed_wait(struct page *p, int timeout_ms, struct err *e);
/* How many new documents the current window's main frame began loading (a click that navigated it
 * changes it: what opens after is the new document's doing, not the click's). */
uint64_t page_navigation_count(const struct page *p);
size_t page_window_depth(const struct page *p); /* windows followed and not gone back from (0: the first) */
/* The windows followed since the page opened (not the first), their URLs as they were when followed. */
size_t page_window_used_count(const struct page *p);
const char *page_window_used_url(const struct page *p, size_t i);
/* A full-page PNG (as page_screenshot_full) of the window i behind the current one (0: the first
 * window, up to page_window_depth - 1), and its URL (*url, caller frees); the current window stays the
 * current one and is put back in front. */
struct page_shot_info;
int page_window_opener_capture(struct page *p, size_t i, const char *path, struct page_shot_info *info, char **url,
                               struct err *e);
/* Brings the current window to the front (a background tab draws nothing, so it cannot be captured). */
int page_front_bring(struct page *p, struct err *e);

/* The current frame's visible text (innerText of the body) and its HTML; caller frees. A huge page
 * must not take our memory with it: the text is cut at PAGE_TEXT_MAX_BYTES and the HTML at
 * PAGE_HTML_MAX_BYTES of UTF-8 (at a character boundary; a warning is logged). Text that UTF-8 cannot
 * hold (a lone UTF-16 surrogate) comes back as U+FFFD. */
#define PAGE_TEXT_MAX_BYTES (16 * 1024 * 1024)
#define PAGE_HTML_MAX_BYTES (64 * 1024 * 1024)
int page_text(struct page *p, char **out, struct err *e);
int page_html(struct page *p, char **out, struct err *e);
/* The string a JavaScript expression gives in the current frame (null or undefined: ""), cut and made
 * well-formed like page_text; caller frees. For the text of one part of a page. */
int page_eval_text(struct page *p, const char *js_value, char **out, struct err *e);

/* Evidence. A full-page PNG, taken with the top document scrolled to its origin (fixed headers are drawn
 * once, at the top) and the scroll offset put back afterwards. Pages taller than 2,000 px are captured in
 * slices streamed into one file (so memory stays small); pages taller than max_height_px (0 = 60,000) are
 * cut there, pages wider than 4,000 px are clipped to their left 4,000 px, and *info says so. */
struct page_shot_info {
    int width_px, height_px;  /* of the written image */
    int page_height_px;       /* of the page */
    int page_width_px;
    bool is_truncated;        /* cut at max_height_px */
    bool is_width_clipped;    /* wider than 4,000 CSS px: its left 4,000 px */
};
int page_screenshot_full(struct page *p, const char *path, int max_height_px, struct page_shot_info *info,
                         struct err *e);
/* From now on, page_screenshot_full asks Chrome for PNGs encoded for speed (Page.captureScreenshot's
 * optimizeForSpeed: about half the browser's CPU a screenshot, files half as big again), for a caller
 * that recompresses every one it keeps (a visit's png_squeezer): the same pixels either way. */
void page_shots_fast_set(struct page *p);
/* A PNG of one element (a captcha image); bytes returned (caller frees) and written to path if not NULL. */
int page_screenshot_element(struct page *p, const char *selector, const char *path, unsigned char **png_out,
                            size_t *png_len, struct err *e);
int page_mhtml_save(struct page *p, const char *path, struct err *e);
int page_pdf_save(struct page *p, const char *path, struct err *e);

#endif
