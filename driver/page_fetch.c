/* The Fetch domain: other hosts' scripts, stylesheets, images, fonts and media get a short budget
 * (driver/page.h, page_thirdparty_set).
 *
 * Government pages embed the national error-report widget, analytics, share buttons and CDN fonts from
 * other hosts; from inside a government network some of those hosts accept the connection and never
 * answer, and a script that never comes holds the parser, DOMContentLoaded and the load event for good.
 * Chrome has no way to cancel a request it is already making, so such a request is never handed to
 * Chrome's own loader: once page_thirdparty_set has run, Fetch pauses every subresource of those kinds
 * (patterns by resource type, so documents, XHR and fetch() are never paused) at the request stage. One
 * of the site's own hosts, or any method but GET, is continued at once, untouched. Another host's GET is
 * held while the browser fetches it apart (Network.loadNetworkResource, in the frame's context, without
 * credentials) and read (IO.read): what came is handed to the page with Fetch.fulfillRequest, a failure
 * with Fetch.failRequest; if the budget passes first the held request is failed (TimedOut) and the fetch
 * forgotten, so the page goes on without it. Every request is answered one way or the other: from the
 * tick, which runs after every pump, or at once when Chrome cannot fetch apart (then it is continued).
 *
 * Every other host's subresource that did not arrive (abandoned here, failed, or answered with HTTP >= 400,
 * which page_net.c hands over) is recorded for page_unloaded_* and kept out of page_failed_*: it is not
 * the site's failure.
 *
 * A block list (page_thirdparty_block) widens the patterns to every request: a request to a listed host
 * that is not one of the site's own, and not the main frame's document, is failed at once
 * (BlockedByClient) and recorded for page_blocked_*, never among the unloaded or failed; every other
 * request the wider patterns pause is continued at once, or held as above.
 *
 * Fetch is enabled on the page's own session only: a cross-origin iframe's subresources are not held.
 *
 * A page opened through a proxy that takes credentials (page_open_via) has Fetch on every session it
 * owns (its own, its popups', its iframes'), with handleAuthRequests and every request paused (a challenge
 * comes only for a request Fetch intercepts): what is not held is continued at once, as above. A challenge
 * whose source is the proxy gets the credentials once per request (a second one for the same request
 * means the proxy refused them: the request is cancelled, not asked again and again); a site's own
 * challenge (source Server) is left to Chromium's default, which refuses it headless: the proxy's
 * credentials never go to a website. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proxy.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"

#define FETCH_HELD_MAX 64
#define FETCH_BODY_MAX (16 * 1024 * 1024)
#define FETCH_UNLOADED_MAX 200

/* The resource types another host's GET of is held to the budget (Fetch's ResourceType). */
static const char *const fetch_held_kinds[] = {"Script", "Stylesheet", "Image", "Font", "Media"};

struct fetch_held {             /* another host's request, held while it is fetched apart */
    char *request_id;           /* Fetch's */
    char *network_id;           /* Network's requestId */
    char *url, *host;
    int64_t paused_ms;
    int64_t load_cmd;           /* Network.loadNetworkResource in flight; 0: none */
    int64_t read_cmd;           /* IO.read in flight; 0: none */
    char *stream;
    int status;
    json_t *headers;            /* {name: value} as loadNetworkResource gave them */
    struct buf body;
};

struct page_fetch {
    char **own_hosts;
    size_t own_hosts_len;
    int budget_ms;
    struct fetch_held held[FETCH_HELD_MAX];
    size_t held_len;
    struct page_unloaded unloaded[FETCH_UNLOADED_MAX];
    size_t unloaded_len, unloaded_seen;
    char **unloaded_ids;        /* the Network requestId of each unloaded entry ("" if unknown) */
    char **block;               /* page_thirdparty_block's patterns */
    size_t block_len;
    bool is_all_paused;         /* Fetch pauses every request (a block list is set), not only the held kinds */
    struct page_unloaded blocked[FETCH_UNLOADED_MAX];
    size_t blocked_len;
    char **blocked_ids;         /* the Network requestId of each blocked entry ("" if unknown) */
};

/* ---- hosts ---- */

/* The host of an http(s) URL, lower-cased, without user, port or brackets; NULL for any other. */
static char *fetch_url_host(const char *url)
{
    const char *p;
    if (!url)
        return NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    else
        return NULL;
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    if (at) {
        auth -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t n;
    if (*p == '[') {
        const char *close = memchr(p, ']', auth);
        if (!close)
            return NULL;
        p++;
        n = (size_t)(close - p);
    } else {
        n = strcspn(p, ":/?#");
    }
    if (n == 0)
        return NULL;
    char *h = xstrndup(p, n);
    for (char *c = h; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return h;
}

/* host is own when it is one of the own hosts or a subdomain of one, an own host's "www." dropped first:
 * www.gd.gov.cn owns gd.gov.cn and static.gd.gov.cn. */
static bool fetch_host_is_own(const struct page_fetch *f, const char *host)
{
    size_t n = strlen(host);
    for (size_t i = 0; i < f->own_hosts_len; i++) {
        const char *own = f->own_hosts[i];
        if (strcmp(host, own) == 0)
            return true;
        if (strncmp(own, "www.", 4) == 0)
            own += 4;
        size_t m = strlen(own);
        if (strcmp(host, own) == 0 || (n > m && host[n - m - 1] == '.' && strcmp(host + n - m, own) == 0))
            return true;
    }
    return false;
}

bool page_host_pattern_match(const char *pattern, const char *host)
{
    bool is_under_only = strncmp(pattern, "*.", 2) == 0;
    const char *base = is_under_only ? pattern + 2 : pattern;
    size_t n = strlen(host), m = strlen(base);
    if (m == 0)
        return false;
    if (!is_under_only && strcasecmp(host, base) == 0)
        return true;
    return n > m && host[n - m - 1] == '.' && strcasecmp(host + n - m, base) == 0;
}

static bool fetch_host_is_blocked(const struct page_fetch *f, const char *host)
{
    for (size_t i = 0; i < f->block_len; i++)
        if (page_host_pattern_match(f->block[i], host))
            return true;
    return false;
}

bool page_url_is_thirdparty(const struct page *p, const char *url)
{
    if (!p->fetch)
        return false;
    char *host = fetch_url_host(url);
    bool is_other = host && !fetch_host_is_own(p->fetch, host);
    free(host);
    return is_other;
}

/* ---- what did not arrive ---- */

static void unloaded_add(struct page *p, const char *network_id, const char *url, const char *why, int64_t after_ms)
{
    struct page_fetch *f = p->fetch;
    for (size_t i = 0; network_id && *network_id && i < f->unloaded_len; i++)
        if (strcmp(f->unloaded_ids[i], network_id) == 0)
            return; /* failed by us: already recorded, with the real reason */
    for (size_t i = 0; i < f->blocked_len; i++)
        if ((network_id && *network_id && strcmp(f->blocked_ids[i], network_id) == 0) ||
            (!*f->blocked_ids[i] && url && strcmp(f->blocked[i].url, url) == 0))
            return; /* blocked by us: recorded as such */
    f->unloaded_seen++;
    if (f->unloaded_len == FETCH_UNLOADED_MAX)
        return;
    struct page_unloaded *u = &f->unloaded[f->unloaded_len];
    char *host = fetch_url_host(url);
    u->url = xstrdup(url ? url : "");
    u->host = host ? host : xstrdup("");
    u->why = xstrdup(why);
    u->after_ms = after_ms < 0 ? 0 : after_ms;
    f->unloaded_ids = xrealloc(f->unloaded_ids, (f->unloaded_len + 1) * sizeof *f->unloaded_ids);
    f->unloaded_ids[f->unloaded_len] = xstrdup(network_id ? network_id : "");
    f->unloaded_len++;
    log_info("page", "a resource from another host did not load (%s after %lld ms): %.200s", why,
             (long long)u->after_ms, u->url);
}

static void blocked_add(struct page *p, const char *network_id, const char *url, const char *host)
{
    struct page_fetch *f = p->fetch;
    if (f->blocked_len == FETCH_UNLOADED_MAX)
        return;
    struct page_unloaded *u = &f->blocked[f->blocked_len];
    u->url = xstrdup(url ? url : "");
    u->host = xstrdup(host);
    u->why = xstrdup("blocked by the block list");
    u->after_ms = 0;
    f->blocked_ids = xrealloc(f->blocked_ids, (f->blocked_len + 1) * sizeof *f->blocked_ids);
    f->blocked_ids[f->blocked_len] = xstrdup(network_id ? network_id : "");
    f->blocked_len++;
    log_info("page", "blocked by the block list: %.200s", u->url);
}

static void held_release(struct page *p, struct fetch_held *h)
{
    bool is_open = !cdp_is_closed(p->b->cdp);
    if (h->load_cmd > 0 && is_open)
        cdp_reply_forget(p->b->cdp, h->load_cmd);
    if (h->read_cmd > 0 && is_open)
        cdp_reply_forget(p->b->cdp, h->read_cmd);
    if (h->stream && is_open)
        cdp_send_ignored(p->b->cdp, p->session_id, "IO.close", json_pack("{s:s}", "handle", h->stream));
    free(h->request_id);
    free(h->network_id);
    free(h->url);
    free(h->host);
    free(h->stream);
    json_decref(h->headers);
    buf_release(&h->body);
    struct page_fetch *f = p->fetch;
    *h = f->held[--f->held_len];
}

/* Fails the held request (reason: a Fetch.ErrorReason), records why, and forgets it. */
static void held_fail(struct page *p, struct fetch_held *h, const char *reason, const char *why)
{
    cdp_send_ignored(p->b->cdp, p->session_id, "Fetch.failRequest",
                     json_pack("{s:s, s:s}", "requestId", h->request_id, "errorReason", reason));
    unloaded_add(p, h->network_id, h->url, why, clock_mono_ms() - h->paused_ms);
    held_release(p, h);
}

/* Hands what came to the page and forgets the held request. */
static void held_fulfil(struct page *p, struct fetch_held *h)
{
    json_t *headers = json_array();
    const char *name;
    json_t *value;
    json_object_foreach(h->headers, name, value) {
        /* the body came decoded and whole: its encoding and length headers no longer hold */
        if (strcasecmp(name, "content-encoding") == 0 || strcasecmp(name, "content-length") == 0 ||
            strcasecmp(name, "transfer-encoding") == 0)
            continue;
        if (json_is_string(value))
            json_array_append_new(headers, json_pack("{s:s, s:s}", "name", name, "value", json_string_value(value)));
    }
    char *body = base64_encode((const unsigned char *)h->body.data, h->body.len);
    cdp_send_ignored(p->b->cdp, p->session_id, "Fetch.fulfillRequest",
                     json_pack("{s:s, s:i, s:o, s:s}", "requestId", h->request_id, "responseCode",
                               h->status > 0 ? h->status : 200, "responseHeaders", headers, "body", body));
    free(body);
    held_release(p, h);
}

static void held_continue(struct page *p, const char *request_id)
{
    cdp_send_ignored(p->b->cdp, p->session_id, "Fetch.continueRequest", json_pack("{s:s}", "requestId", request_id));
}

static int64_t held_read(struct page *p, struct fetch_held *h)
{
    return cdp_send(p->b->cdp, p->session_id, "IO.read", json_pack("{s:s, s:i}", "handle", h->stream, "size",
                                                                    1024 * 1024),
                    h->paused_ms + p->fetch->budget_ms + 1000, NULL);
}

/* ---- the rows ---- */

static void fetch_request_paused(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id || !session)
        return;
    struct page_fetch *f = p->fetch;
    json_t *req = json_object_get(params, "request");
    const char *url = json_string_value(json_object_get(req, "url"));
    const char *method = json_string_value(json_object_get(req, "method"));
    const char *frame = json_string_value(json_object_get(params, "frameId"));
    const char *type = json_string_value(json_object_get(params, "resourceType"));
    const char *network_id = json_string_value(json_object_get(params, "networkId"));
    char *host = fetch_url_host(url);
    bool is_other = f && host && !fetch_host_is_own(f, host);
    bool is_main_document = type && strcmp(type, "Document") == 0 && frame && p->target_id &&
                            strcmp(frame, p->target_id) == 0;
    if (is_other && !is_main_document && fetch_host_is_blocked(f, host)) {
        cdp_send_ignored(p->b->cdp, session, "Fetch.failRequest",
                         json_pack("{s:s, s:s}", "requestId", id, "errorReason", "BlockedByClient"));
        blocked_add(p, network_id, url, host);
        free(host);
        return;
    }
    bool is_held_kind = false;
    for (size_t i = 0; type && i < sizeof fetch_held_kinds / sizeof fetch_held_kinds[0]; i++)
        is_held_kind = is_held_kind || strcmp(type, fetch_held_kinds[i]) == 0;
    bool is_held = is_other && is_held_kind && method && strcmp(method, "GET") == 0 && frame &&
                   f->held_len < FETCH_HELD_MAX && strcmp(session, p->session_id) == 0;
    if (!is_held) {
        cdp_send_ignored(p->b->cdp, session, "Fetch.continueRequest", json_pack("{s:s}", "requestId", id));
        free(host);
        return;
    }
    struct fetch_held *h = &f->held[f->held_len++];
    memset(h, 0, sizeof *h);
    buf_init(&h->body);
    h->request_id = xstrdup(id);
    h->network_id = xstrdup(network_id ? network_id : "");
    h->url = xstrdup(url);
    h->host = host;
    h->paused_ms = clock_mono_ms();
    h->load_cmd = cdp_send(p->b->cdp, p->session_id, "Network.loadNetworkResource",
                           json_pack("{s:s, s:s, s:{s:b, s:b}}", "frameId", frame, "url", url, "options",
                                     "disableCache", 0, "includeCredentials", 0),
                           h->paused_ms + f->budget_ms + 1000, NULL);
    if (h->load_cmd <= 0) { /* the connection is going: nothing more to do */
        h->load_cmd = 0;
        held_release(p, h);
    }
}

static bool page_has_proxy_credentials(const struct page *p)
{
    return p && p->proxy && p->proxy->user;
}

static void fetch_auth_required(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id || !session)
        return;
    json_t *challenge = json_object_get(params, "authChallenge");
    const char *source = json_string_value(json_object_get(challenge, "source"));
    const char *origin = json_string_value(json_object_get(challenge, "origin"));
    json_t *answer;
    if (source && strcmp(source, "Proxy") == 0 && page_has_proxy_credentials(p)) {
        bool is_retry = false;
        for (size_t i = 0; i < p->proxy_auth_tried_len && !is_retry; i++)
            is_retry = strcmp(p->proxy_auth_tried[i], id) == 0;
        if (is_retry) {
            log_warn("page", "the proxy %.200s refused the credentials of '%s': the request is cancelled",
                     origin ? origin : "", p->proxy->credentials_path ? p->proxy->credentials_path : "");
            answer = json_pack("{s:s}", "response", "CancelAuth");
        } else {
            if (p->proxy_auth_tried_len == ARRAY_LEN(p->proxy_auth_tried)) {
                free(p->proxy_auth_tried[0]);
                memmove(p->proxy_auth_tried, p->proxy_auth_tried + 1,
                        (ARRAY_LEN(p->proxy_auth_tried) - 1) * sizeof p->proxy_auth_tried[0]);
                p->proxy_auth_tried_len--;
            }
            p->proxy_auth_tried[p->proxy_auth_tried_len++] = xstrdup(id);
            answer = json_pack("{s:s, s:s, s:s}", "response", "ProvideCredentials", "username", p->proxy->user,
                               "password", p->proxy->password ? p->proxy->password : "");
        }
    } else {
        /* a site's own challenge, or a proxy's with nothing to give: Chromium's own way (refused headless) */
        if (source && strcmp(source, "Proxy") == 0)
            log_warn("page", "the proxy %.200s asks for credentials and none were given", origin ? origin : "");
        answer = json_pack("{s:s}", "response", "Default");
    }
    cdp_send_ignored(p->b->cdp, session, "Fetch.continueWithAuth",
                     json_pack("{s:s, s:o}", "requestId", id, "authChallengeResponse", answer));
}

const struct page_event_row page_fetch_events[] = {
    {"Fetch.requestPaused", fetch_request_paused},
    {"Fetch.authRequired", fetch_auth_required},
    {NULL, NULL},
};

/* One held request after a pump: 1 if it is still held, 0 if it was let go. */
static int held_step(struct page *p, struct fetch_held *h)
{
    struct page_fetch *f = p->fetch;
    if (clock_mono_ms() - h->paused_ms >= f->budget_ms) {
        char why[64];
        snprintf(why, sizeof why, "no answer within %d ms: abandoned", f->budget_ms);
        held_fail(p, h, "TimedOut", why);
        return 0;
    }
    struct err e;
    err_init(&e);
    json_t *res = NULL;
    if (h->load_cmd > 0) {
        int rc = cdp_reply_poll(p->b->cdp, h->load_cmd, &res, &e);
        if (rc == 1)
            return 1;
        h->load_cmd = 0;
        if (rc != 0) { /* Chrome cannot fetch it apart: let its own loader have it */
            log_debug("page", "'%.200s' cannot be fetched apart (%s): continued", h->url, e.msg);
            held_continue(p, h->request_id);
            held_release(p, h);
            return 0;
        }
        json_t *r = json_object_get(res, "resource");
        const char *stream = json_string_value(json_object_get(r, "stream"));
        if (!json_is_true(json_object_get(r, "success")) || !stream) {
            const char *name = json_string_value(json_object_get(r, "netErrorName"));
            held_fail(p, h, "Failed", name && *name ? name : "failed");
            json_decref(res);
            return 0;
        }
        h->stream = xstrdup(stream);
        h->status = (int)json_integer_value(json_object_get(r, "httpStatusCode"));
        h->headers = json_incref(json_object_get(r, "headers"));
        json_decref(res);
        res = NULL;
        if ((h->read_cmd = held_read(p, h)) <= 0) {
            h->read_cmd = 0;
            held_release(p, h);
            return 0;
        }
        if (h->status >= 400) {
            char text[32];
            snprintf(text, sizeof text, "HTTP %d", h->status);
            unloaded_add(p, h->network_id, h->url, text, clock_mono_ms() - h->paused_ms);
        }
        return 1;
    }
    if (h->read_cmd > 0) {
        int rc = cdp_reply_poll(p->b->cdp, h->read_cmd, &res, &e);
        if (rc == 1)
            return 1;
        h->read_cmd = 0;
        if (rc != 0) {
            held_fail(p, h, "Failed", "its content could not be read");
            return 0;
        }
        json_t *data = json_object_get(res, "data");
        const char *text = json_string_value(data);
        size_t len = json_string_length(data);
        if (text && json_is_true(json_object_get(res, "base64Encoded"))) {
            unsigned char *bytes = NULL;
            size_t n = 0;
            if (base64_decode(text, len, &bytes, &n) == 0)
                buf_append(&h->body, bytes, n);
            free(bytes);
        } else if (text) {
            buf_append(&h->body, text, len);
        }
        bool is_eof = json_is_true(json_object_get(res, "eof")) || !text || len == 0;
        json_decref(res);
        if (h->body.len > FETCH_BODY_MAX) {
            held_fail(p, h, "Failed", "larger than 16 MB");
            return 0;
        }
        if (is_eof) {
            held_fulfil(p, h);
            return 0;
        }
        if ((h->read_cmd = held_read(p, h)) <= 0) {
            h->read_cmd = 0;
            held_release(p, h);
            return 0;
        }
        return 1;
    }
    return 1;
}

void page_fetch_tick(struct page *p)
{
    struct page_fetch *f = p->fetch;
    if (!f || cdp_is_closed(p->b->cdp))
        return;
    for (size_t i = 0; i < f->held_len;)
        if (held_step(p, &f->held[i]) == 1)
            i++; /* else slot i now holds another request: look at it again */
}

void page_fetch_unloaded_note(struct page *p, const char *network_id, const char *url, const char *why,
                              int64_t after_ms)
{
    struct page_fetch *f = p->fetch;
    if (!f)
        return;
    for (size_t i = 0; i < f->held_len; i++)
        if (network_id && strcmp(f->held[i].network_id, network_id) == 0) {
            held_release(p, &f->held[i]); /* Chrome gave it up (the page went away): nothing to answer */
            return;
        }
    if (why)
        unloaded_add(p, network_id, url, why, after_ms);
}

/* ---- the API ---- */

/* Fetch.enable's parameters for the page's own session now: the held kinds, or every request under a
 * block list or with proxy credentials (calling it again replaces the patterns). */
static json_t *fetch_enable_params(const struct page *p)
{
    bool is_all = (p->fetch && p->fetch->is_all_paused) || page_has_proxy_credentials(p);
    json_t *patterns = json_array();
    if (is_all)
        json_array_append_new(patterns, json_pack("{s:s, s:s}", "urlPattern", "*", "requestStage", "Request"));
    for (size_t i = 0; !is_all && i < sizeof fetch_held_kinds / sizeof fetch_held_kinds[0]; i++)
        json_array_append_new(patterns, json_pack("{s:s, s:s, s:s}", "urlPattern", "*", "resourceType",
                                                  fetch_held_kinds[i], "requestStage", "Request"));
    json_t *params = json_pack("{s:o}", "patterns", patterns);
    if (page_has_proxy_credentials(p))
        json_object_set_new(params, "handleAuthRequests", json_true());
    return params;
}

static int fetch_enable(struct page *p, struct err *e)
{
    return page_call(p, "Fetch.enable", fetch_enable_params(p), 0, NULL, e);
}

void page_fetch_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    struct page *p = page_by_session(b, session);
    if (!page_has_proxy_credentials(p))
        return;
    /* every request of the session paused (continued at once unless the page's own session holds it): a
     * proxy's challenge is told only for a request Fetch intercepts */
    json_t *params = fetch_enable_params(p);
    if (strcmp(session, p->session_id) != 0)
        json_object_set_new(params, "patterns", json_pack("[{s:s, s:s}]", "urlPattern", "*", "requestStage", "Request"));
    cdp_send_ignored(b->cdp, session, "Fetch.enable", params);
}

int page_thirdparty_set(struct page *p, const char *const *own_hosts, size_t own_hosts_len, int budget_ms,
                        struct err *e)
{
    if (budget_ms <= 0)
        budget_ms = PAGE_THIRDPARTY_BUDGET_MS;
    bool is_new = !p->fetch;
    if (is_new)
        p->fetch = xcalloc(1, sizeof *p->fetch);
    struct page_fetch *f = p->fetch;
    for (size_t i = 0; i < f->own_hosts_len; i++)
        free(f->own_hosts[i]);
    free(f->own_hosts);
    f->own_hosts = xcalloc(own_hosts_len ? own_hosts_len : 1, sizeof *f->own_hosts);
    f->own_hosts_len = 0;
    for (size_t i = 0; i < own_hosts_len; i++) {
        if (!own_hosts[i] || !*own_hosts[i])
            continue;
        char *h = xstrdup(own_hosts[i]);
        for (char *c = h; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        f->own_hosts[f->own_hosts_len++] = h;
    }
    f->budget_ms = budget_ms;
    if (!is_new)
        return 0;
    int rc = fetch_enable(p, e);
    if (rc != 0)
        err_prefix(e, "cannot give other hosts' resources a budget");
    return rc;
}

int page_thirdparty_block(struct page *p, const char *const *patterns, size_t n, struct err *e)
{
    struct page_fetch *f = p->fetch;
    if (!f)
        return err_set(e, ERR_USAGE, "a block list needs the site's own hosts first (page_thirdparty_set)");
    for (size_t i = 0; i < f->block_len; i++)
        free(f->block[i]);
    free(f->block);
    f->block = xcalloc(n ? n : 1, sizeof *f->block);
    f->block_len = 0;
    for (size_t i = 0; i < n; i++)
        if (patterns[i] && *patterns[i])
            f->block[f->block_len++] = xstrdup(patterns[i]);
    if (f->is_all_paused == (f->block_len > 0))
        return 0;
    f->is_all_paused = f->block_len > 0;
    if (page_has_proxy_credentials(p))
        return 0; /* every request is paused already */
    int rc = fetch_enable(p, e);
    if (rc != 0) { /* the patterns stay as they were */
        f->is_all_paused = !f->is_all_paused;
        err_prefix(e, "cannot set the block list");
    }
    return rc;
}

size_t page_blocked_count(const struct page *p)
{
    return p->fetch ? p->fetch->blocked_len : 0;
}

const struct page_unloaded *page_blocked_get(const struct page *p, size_t i)
{
    return p->fetch && i < p->fetch->blocked_len ? &p->fetch->blocked[i] : NULL;
}

char *page_url_host(const char *url)
{
    return fetch_url_host(url);
}

size_t page_unloaded_count(const struct page *p)
{
    return p->fetch ? p->fetch->unloaded_len : 0;
}

const struct page_unloaded *page_unloaded_get(const struct page *p, size_t i)
{
    return p->fetch && i < p->fetch->unloaded_len ? &p->fetch->unloaded[i] : NULL;
}

void page_fetch_release(struct page *p)
{
    struct page_fetch *f = p->fetch;
    if (!f)
        return;
    while (f->held_len)
        held_release(p, &f->held[f->held_len - 1]);
    for (size_t i = 0; i < f->unloaded_len; i++) {
        free(f->unloaded[i].url);
        free(f->unloaded[i].host);
        free(f->unloaded[i].why);
        free(f->unloaded_ids[i]);
    }
    free(f->unloaded_ids);
    for (size_t i = 0; i < f->blocked_len; i++) {
        free(f->blocked[i].url);
        free(f->blocked[i].host);
        free(f->blocked[i].why);
        free(f->blocked_ids[i]);
    }
    free(f->blocked_ids);
    for (size_t i = 0; i < f->block_len; i++)
        free(f->block[i]);
    free(f->block);
    for (size_t i = 0; i < f->own_hosts_len; i++)
        free(f->own_hosts[i]);
    free(f->own_hosts);
    free(f);
    p->fetch = NULL;
}
