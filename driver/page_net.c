/* The Network domain: a page's requests (driver/page_internal.h).
 *
 * Every request in flight is followed from Network.requestWillBeSent to loadingFinished or loadingFailed,
 * so page_settle can wait for a quiet network; a failed one, or one answered with HTTP >= 400, is kept for
 * page_failed_* (cleared by each page_goto); the main document's response gives page_http_status.
 *
 * The answers to a page's XHR and fetch() requests (driver/page.h, page_response_*).
 *
 * Many mailboxes post by XHR and tell the outcome only in the answer's body (JSON such as
 * {"code":0,"data":"验证码错误！"}), shown at most in an alert(). So every XHR and fetch request is
 * followed from Network.requestWillBeSent (it gets its sequence number there, in the order requests are
 * sent) through Network.responseReceived (URL, status, MIME type) to Network.loadingFinished, where its
 * body is asked for at once with Network.getResponseBody: Chrome keeps bodies in a buffer of its own and
 * may drop them later. The event hook must not wait for a reply, so the request is sent with a deadline
 * and its reply taken in by page_net_tick, which runs after every pump. A body is asked for on the
 * session its events came from (an iframe in another process has its own).
 *
 * Memory stays bounded whatever the page does: at most NET_FOLLOWED_MAX requests are followed at once,
 * PAGE_RESPONSES_MAX answers are kept (a ring: the oldest goes), each body is cut at
 * PAGE_RESPONSE_BODY_MAX bytes, and a body over PAGE_RESPONSE_FETCH_MAX bytes on the wire is never asked
 * for. */
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

#define NET_FOLLOWED_MAX 200      /* XHR and fetch requests followed at once */
#define NET_BODY_TIMEOUT_MS 10000 /* the limit of one Network.getResponseBody */

struct net_request {
    char *id;          /* the requestId */
    char *session;     /* where its events came from: its body is asked for there */
    uint64_t seq;
    char *url, *mime_type;
    int status;
    bool has_response;
    int64_t at_ms;
    int64_t body_cmd;  /* the Network.getResponseBody in flight; 0: none */
};

struct page_net {
    uint64_t next_seq;
    struct net_request followed[NET_FOLLOWED_MAX];
    size_t followed_len;
    bool has_warned_full;
    struct page_response kept[PAGE_RESPONSES_MAX]; /* a ring: kept_head is the oldest */
    size_t kept_head, kept_len, seen;
    int64_t last_change_ms; /* clock_mono_ms of the last request sent, or answer recorded */
};

static bool net_type_is_followed(const char *type)
{
    return type && (strcmp(type, "XHR") == 0 || strcmp(type, "Fetch") == 0);
}

static struct net_request *net_find(struct page_net *n, const char *id)
{
    for (size_t i = 0; i < n->followed_len; i++)
        if (strcmp(n->followed[i].id, id) == 0)
            return &n->followed[i];
    return NULL;
}

static struct net_request *net_follow(struct page_net *n, const char *session, const char *id, const char *url)
{
    if (n->followed_len == NET_FOLLOWED_MAX) {
        if (!n->has_warned_full)
            log_warn("page", "more than %d XHR or fetch requests at once: the answers to later ones are not "
                     "recorded", NET_FOLLOWED_MAX);
        n->has_warned_full = true;
        return NULL;
    }
    struct net_request *r = &n->followed[n->followed_len++];
    memset(r, 0, sizeof *r);
    r->id = xstrdup(id);
    r->session = xstrdup(session);
    r->seq = n->next_seq++;
    r->url = xstrdup(url ? url : "");
    r->mime_type = xstrdup("");
    n->last_change_ms = clock_mono_ms();
    return r;
}

static void net_unfollow(struct page *p, struct page_net *n, struct net_request *r)
{
    if (r->body_cmd > 0 && !cdp_is_closed(p->b->cdp))
        cdp_reply_forget(p->b->cdp, r->body_cmd);
    free(r->id);
    free(r->session);
    free(r->url);
    free(r->mime_type);
    *r = n->followed[--n->followed_len];
}

static void response_release(struct page_response *x)
{
    free(x->url);
    free(x->mime_type);
    free(x->body);
    memset(x, 0, sizeof *x);
}

/* Keeps the answer to r with the body Network.getResponseBody gave (res NULL: none) and forgets r. */
static void net_record(struct page *p, struct page_net *n, struct net_request *r, json_t *res)
{
    struct page_response *x;
    if (n->kept_len == PAGE_RESPONSES_MAX) {
        x = &n->kept[n->kept_head];
        response_release(x);
        n->kept_head = (n->kept_head + 1) % PAGE_RESPONSES_MAX;
    } else {
        x = &n->kept[(n->kept_head + n->kept_len++) % PAGE_RESPONSES_MAX];
    }
    n->seen++;
    x->request_seq = r->seq;
    x->url = xstrdup(r->url);
    x->status = r->status;
    x->mime_type = xstrdup(r->mime_type);
    x->at_ms = r->at_ms;
    json_t *body = json_object_get(res, "body");
    const char *text = json_string_value(body);
    size_t len = json_string_length(body);
    if (text && json_is_true(json_object_get(res, "base64Encoded"))) {
        /* decode no more than the kept bytes need: whole groups of four characters */
        size_t want = ((size_t)PAGE_RESPONSE_BODY_MAX + 2) / 3 * 4;
        unsigned char *bytes = NULL;
        size_t n_bytes = 0;
        if (base64_decode(text, len < want ? len : want, &bytes, &n_bytes) == 0) {
            x->is_truncated = len > want || n_bytes > PAGE_RESPONSE_BODY_MAX;
            if (n_bytes > PAGE_RESPONSE_BODY_MAX)
                n_bytes = PAGE_RESPONSE_BODY_MAX;
            x->body = xmalloc(n_bytes + 1);
            memcpy(x->body, bytes, n_bytes);
            x->body[n_bytes] = '\0';
            x->body_len = n_bytes;
            x->has_body = true;
        } else {
            log_debug("page", "the answer from '%s' came as bad base64: kept without its body", r->url);
        }
        free(bytes);
    } else if (text) {
        if (len > PAGE_RESPONSE_BODY_MAX) {
            len = PAGE_RESPONSE_BODY_MAX;
            while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
                len--;
            x->is_truncated = true;
        }
        x->body = xstrndup(text, len);
        x->body_len = len;
        x->has_body = true;
    }
    if (!x->body)
        x->body = xstrdup("");
    if (x->is_truncated)
        log_info("page", "the answer from '%s' is longer than %d bytes: kept cut there", r->url,
                 PAGE_RESPONSE_BODY_MAX);
    n->last_change_ms = clock_mono_ms();
    net_unfollow(p, n, r);
}

/* ---- requests in flight, failed requests, the document's status ---- */

static void inflight_remove(struct page *p, const char *id)
{
    for (size_t i = 0; i < p->inflight_len; i++)
        if (strcmp(p->inflight[i].id, id) == 0) {
            free(p->inflight[i].id);
            free(p->inflight[i].url);
            p->inflight[i] = p->inflight[--p->inflight_len];
            p->last_net_ms = clock_mono_ms();
            return;
        }
}

static const char *inflight_url(struct page *p, const char *id)
{
    for (size_t i = 0; i < p->inflight_len; i++)
        if (strcmp(p->inflight[i].id, id) == 0)
            return p->inflight[i].url;
    return NULL;
}

static int64_t inflight_age_ms(struct page *p, const char *id)
{
    for (size_t i = 0; i < p->inflight_len; i++)
        if (strcmp(p->inflight[i].id, id) == 0)
            return clock_mono_ms() - p->inflight[i].started_ms;
    return 0;
}

static void failed_add(struct page *p, const char *url, const char *error)
{
    if (p->failed_len >= 1000)
        return;
    p->failed = xrealloc(p->failed, (p->failed_len + 1) * sizeof *p->failed);
    p->failed[p->failed_len].url = xstrdup(url ? url : "");
    p->failed[p->failed_len].error = xstrdup(error);
    p->failed_len++;
}

void page_failed_clear(struct page *p)
{
    for (size_t i = 0; i < p->failed_len; i++) {
        free(p->failed[i].url);
        free(p->failed[i].error);
    }
    p->failed_len = 0;
}

static void inflight_sent(struct page *p, const char *id, json_t *params)
{
    const char *url = json_string_value(json_object_get(json_object_get(params, "request"), "url"));
    p->last_net_ms = clock_mono_ms();
    if (inflight_url(p, id) || (url && strncmp(url, "data:", 5) == 0))
        return; /* a redirect keeps its requestId */
    p->inflight = xrealloc(p->inflight, (p->inflight_len + 1) * sizeof *p->inflight);
    p->inflight[p->inflight_len].id = xstrdup(id);
    p->inflight[p->inflight_len].url = xstrdup(url ? url : "");
    p->inflight[p->inflight_len].started_ms = p->last_net_ms;
    p->inflight_len++;
}

static void inflight_response(struct page *p, const char *id, json_t *params)
{
    json_t *resp = json_object_get(params, "response");
    int status = (int)json_integer_value(json_object_get(resp, "status"));
    const char *type = json_string_value(json_object_get(params, "type"));
    const char *frame = json_string_value(json_object_get(params, "frameId"));
    if (type && strcmp(type, "Document") == 0 && frame && strcmp(frame, p->target_id) == 0)
        p->http_status = status;
    if (status >= 400) {
        char text[32];
        const char *url = json_string_value(json_object_get(resp, "url"));
        snprintf(text, sizeof text, "HTTP %d", status);
        if (page_url_is_thirdparty(p, url)) /* another host's: not the site's failure */
            page_fetch_unloaded_note(p, id, url, text, inflight_age_ms(p, id));
        else
            failed_add(p, url, text);
    }
}

static void inflight_failed(struct page *p, const char *id, json_t *params)
{
    const char *text = json_string_value(json_object_get(params, "errorText"));
    const char *url = inflight_url(p, id);
    if (page_url_is_thirdparty(p, url)) /* another host's: not the site's failure */
        page_fetch_unloaded_note(p, id, url,
                                 json_is_true(json_object_get(params, "canceled")) ? NULL : text ? text : "failed",
                                 inflight_age_ms(p, id));
    else
        failed_add(p, url, text ? text : "failed");
    inflight_remove(p, id);
}

/* ---- XHR and fetch answers ---- */

/* The request an answer event is about (NULL: not followed), the answers' state made on first use. */
static struct net_request *answer_find(struct page *p, const char *id)
{
    if (!p->net)
        p->net = xcalloc(1, sizeof *p->net);
    return net_find(p->net, id);
}

static void answer_sent(struct page *p, const char *session, const char *id, json_t *params)
{
    struct net_request *r = answer_find(p, id);
    const char *url = json_string_value(json_object_get(json_object_get(params, "request"), "url"));
    if (r) { /* a redirect keeps its requestId and its place */
        free(r->url);
        r->url = xstrdup(url ? url : "");
    } else if (net_type_is_followed(json_string_value(json_object_get(params, "type"))) && url &&
               strncmp(url, "data:", 5) != 0) {
        net_follow(p->net, session, id, url);
    }
}

static void answer_response(struct page *p, const char *session, const char *id, json_t *params)
{
    struct net_request *r = answer_find(p, id);
    json_t *resp = json_object_get(params, "response");
    const char *url = json_string_value(json_object_get(resp, "url"));
    if (!r && net_type_is_followed(json_string_value(json_object_get(params, "type"))) && url &&
        strncmp(url, "data:", 5) != 0)
        r = net_follow(p->net, session, id, url); /* its start was not seen: numbered now */
    if (!r)
        return;
    const char *mime = json_string_value(json_object_get(resp, "mimeType"));
    free(r->url);
    r->url = xstrdup(url ? url : "");
    free(r->mime_type);
    r->mime_type = xstrdup(mime ? mime : "");
    r->status = (int)json_integer_value(json_object_get(resp, "status"));
    r->at_ms = clock_now_ms();
    r->has_response = true;
}

static void answer_finished(struct page *p, const char *id, json_t *params)
{
    struct net_request *r = answer_find(p, id);
    struct page_net *n = p->net;
    if (!r || r->body_cmd > 0)
        return;
    if (!r->has_response) {
        net_unfollow(p, n, r);
        return;
    }
    double size = json_number_value(json_object_get(params, "encodedDataLength"));
    if (size > PAGE_RESPONSE_FETCH_MAX) {
        log_info("page", "the answer from '%s' is %.0f bytes: kept without its body", r->url, size);
        net_record(p, n, r, NULL);
        return;
    }
    int64_t cmd = cdp_send(p->b->cdp, r->session, "Network.getResponseBody", json_pack("{s:s}", "requestId", id),
                           clock_mono_ms() + NET_BODY_TIMEOUT_MS, NULL);
    if (cmd > 0)
        r->body_cmd = cmd;
    else
        net_record(p, n, r, NULL); /* the connection or the session is gone */
}

static void answer_failed(struct page *p, const char *id)
{
    struct net_request *r = answer_find(p, id);
    if (r) /* no answer to keep: the failure is page_failed_*'s */
        net_unfollow(p, p->net, r);
}

/* ---- the rows: each event updates the requests in flight, then the answers ---- */

static void net_request_will_be_sent(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id)
        return;
    inflight_sent(p, id, params);
    if (session)
        answer_sent(p, session, id, params);
}

static void net_response_received(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id)
        return;
    inflight_response(p, id, params);
    if (session)
        answer_response(p, session, id, params);
}

static void net_loading_finished(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id)
        return;
    inflight_remove(p, id);
    if (session)
        answer_finished(p, id, params);
}

static void net_loading_failed(struct page *p, const char *session, json_t *params)
{
    const char *id = json_string_value(json_object_get(params, "requestId"));
    if (!id)
        return;
    inflight_failed(p, id, params);
    if (session)
        answer_failed(p, id);
}

const struct page_event_row page_net_events[] = {
    {"Network.requestWillBeSent", net_request_will_be_sent},
    {"Network.responseReceived", net_response_received},
    {"Network.loadingFinished", net_loading_finished},
    {"Network.loadingFailed", net_loading_failed},
    {NULL, NULL},
};

void page_net_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page;
    cdp_send_ignored(b->cdp, session, "Network.enable", NULL);
}

void page_net_tick(struct page *p)
{
    struct page_net *n = p->net;
    if (!n)
        return;
    for (size_t i = 0; i < n->followed_len;) {
        struct net_request *r = &n->followed[i];
        if (r->body_cmd <= 0) {
            i++;
            continue;
        }
        struct err e;
        err_init(&e);
        json_t *res = NULL;
        int rc = cdp_reply_poll(p->b->cdp, r->body_cmd, &res, &e);
        if (rc == 1) {
            i++;
            continue;
        }
        r->body_cmd = 0; /* answered or failed: the entry is gone from the pending table */
        if (rc != 0)
            log_debug("page", "the body of the answer from '%s' could not be had: %s", r->url, e.msg);
        net_record(p, n, r, rc == 0 ? res : NULL); /* r's slot now holds another request: look at i again */
        json_decref(res);
    }
}

void page_net_release(struct page *p)
{
    for (size_t i = 0; i < p->inflight_len; i++) {
        free(p->inflight[i].id);
        free(p->inflight[i].url);
    }
    free(p->inflight);
    p->inflight = NULL;
    p->inflight_len = 0;
    page_failed_clear(p);
    free(p->failed);
    p->failed = NULL;
    struct page_net *n = p->net;
    if (!n)
        return;
    while (n->followed_len)
        net_unfollow(p, n, &n->followed[n->followed_len - 1]);
    for (size_t i = 0; i < PAGE_RESPONSES_MAX; i++)
        response_release(&n->kept[i]);
    free(n);
    p->net = NULL;
}

size_t page_response_count(const struct page *p)
{
    return p->net ? p->net->kept_len : 0;
}

size_t page_response_seen(const struct page *p)
{
    return p->net ? p->net->seen : 0;
}

const struct page_response *page_response_get(const struct page *p, size_t i)
{
    if (!p->net || i >= p->net->kept_len)
        return NULL;
    return &p->net->kept[(p->net->kept_head + i) % PAGE_RESPONSES_MAX];
}

size_t page_failed_count(const struct page *p)
{
    return p->failed_len;
}

const struct page_failed_request *page_failed_get(const struct page *p, size_t i)
{
    return i < p->failed_len ? &p->failed[i] : NULL;
}

uint64_t page_response_mark(const struct page *p)
{
    return p->net ? p->net->next_seq : 0;
}

int page_responses_wait(struct page *p, uint64_t mark, int quiet_ms, int timeout_ms, struct err *e)
{
    int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS);
    for (;;) {
        int rc = page_check_alive(p, e);
        if (rc != 0)
            return rc;
        struct page_net *n = p->net;
        bool has_answer = false, is_busy = false;
        for (size_t i = 0; n && i < n->kept_len && !has_answer; i++)
            has_answer = n->kept[(n->kept_head + i) % PAGE_RESPONSES_MAX].request_seq >= mark;
        for (size_t i = 0; n && i < n->followed_len && !is_busy; i++)
            is_busy = n->followed[i].seq >= mark;
        int64_t now = clock_mono_ms();
        if (has_answer && !is_busy && now - n->last_change_ms >= quiet_ms)
            return 0;
        if (now >= deadline)
            return err_set(e, ERR_TIMEOUT, "%s within %d ms",
                           is_busy ? "an XHR or fetch request was still unanswered"
                                   : "no XHR or fetch request was answered",
                           timeout_ms);
        page_sleep(p, 50);
    }
}
