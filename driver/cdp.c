#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "driver/page.h"

#define CDP_EVENT_QUEUE_MAX 10000 /* a queue nobody reads must not grow without end */

enum cdp_state { CDP_WAITING, CDP_OK, CDP_FAILED };

struct cdp_pending {
    int64_t id;
    char *session;      /* NULL: the browser */
    char *method;       /* for messages */
    int64_t deadline_ms;
    bool is_ignored;    /* nobody waits: drop on reply */
    enum cdp_state state;
    json_t *result;
    int err_code;
    char *err_msg;
};

struct cdp {
    int64_t next_id;
    struct cdp_pending *pending;
    size_t pending_len, pending_cap;
    json_t **events;
    size_t events_head, events_len, events_cap;
    struct buf frag;
    char *close_reason;
    char **dead_sessions, **dead_reasons;
    size_t dead_len;
    cdp_send_fn send;
    cdp_pump_fn pump;
    void *transport_user;
    cdp_event_fn on_event;
    void *event_user;
    cdp_tick_fn on_tick;
    void *tick_user;
};

struct cdp *cdp_new(void)
{
    struct cdp *c = xcalloc(1, sizeof *c);
    c->next_id = 1;
    buf_init(&c->frag);
    return c;
}

static void pending_release(struct cdp_pending *p)
{
    free(p->session);
    free(p->method);
    json_decref(p->result);
    free(p->err_msg);
}

void cdp_free(struct cdp *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->pending_len; i++)
        pending_release(&c->pending[i]);
    free(c->pending);
    for (size_t i = 0; i < c->events_len; i++)
        json_decref(c->events[(c->events_head + i) % c->events_cap]);
    free(c->events);
    buf_release(&c->frag);
    free(c->close_reason);
    for (size_t i = 0; i < c->dead_len; i++) {
        free(c->dead_sessions[i]);
        free(c->dead_reasons[i]);
    }
    free(c->dead_sessions);
    free(c->dead_reasons);
    free(c);
}

void cdp_transport_set(struct cdp *c, cdp_send_fn send, cdp_pump_fn pump, void *user)
{
    c->send = send;
    c->pump = pump;
    c->transport_user = user;
}

void cdp_event_hook_set(struct cdp *c, cdp_event_fn fn, void *user)
{
    c->on_event = fn;
    c->event_user = user;
}

void cdp_tick_hook_set(struct cdp *c, cdp_tick_fn fn, void *user)
{
    c->on_tick = fn;
    c->tick_user = user;
}

static const char *dead_reason(const struct cdp *c, const char *session)
{
    if (!session)
        return NULL;
    for (size_t i = 0; i < c->dead_len; i++)
        if (strcmp(c->dead_sessions[i], session) == 0)
            return c->dead_reasons[i];
    return NULL;
}

static struct cdp_pending *pending_find(struct cdp *c, int64_t id)
{
    for (size_t i = 0; i < c->pending_len; i++)
        if (c->pending[i].id == id)
            return &c->pending[i];
    return NULL;
}

static void pending_remove(struct cdp *c, struct cdp_pending *p)
{
    size_t i = (size_t)(p - c->pending);
    pending_release(p);
    c->pending[i] = c->pending[--c->pending_len];
}

static void pending_fail(struct cdp_pending *p, int code, const char *msg)
{
    if (p->state != CDP_WAITING)
        return;
    p->state = CDP_FAILED;
    p->err_code = code;
    p->err_msg = xstrdup(msg);
}

/* The wire trace (HUIXIN_LOG=debug) never shows what is typed into a site, nor a credential: the
 * text of Input.insertText and the arguments of Runtime.callFunctionOn (a fill's value: the sender's
 * name, phone, an SMS code), a proxy's user and password, cookies set and extra headers are replaced
 * by their size. What comes back is left out whole when it names a cookie or an authorization (a
 * real-name login's session lives in its cookies; a reply of Storage.getCookies, the headers of
 * Network.*ExtraInfo): its method or id and size are logged. */
static const struct {
    const char *method, *key;
} cdp_trace_secrets[] = {
    {"Input.insertText", "text"},
    {"Runtime.callFunctionOn", "arguments"},
    {"Fetch.continueWithAuth", "authChallengeResponse"},
    {"Storage.setCookies", "cookies"},
    {"Network.setCookies", "cookies"},
    {"Network.setCookie", "value"},
    {"Network.setExtraHTTPHeaders", "headers"},
};

static void cdp_trace_sent(int64_t id, const char *method, const char *session, json_t *params, const char *text)
{
    const char *key = NULL;
    for (size_t i = 0; i < ARRAY_LEN(cdp_trace_secrets) && !key; i++)
        if (strcmp(method, cdp_trace_secrets[i].method) == 0)
            key = cdp_trace_secrets[i].key;
    json_t *secret = key ? json_object_get(params, key) : NULL;
    if (!secret) {
        log_debug("cdp", "-> %s", text);
        return;
    }
    char *dump = json_dumps(secret, JSON_COMPACT | JSON_ENCODE_ANY);
    char *said = xasprintf("(%zu bytes, not logged)", dump ? strlen(dump) : (size_t)0);
    free(dump);
    json_t *shown = json_deep_copy(params);
    json_object_set_new(shown, key, json_string(said));
    free(said);
    json_t *msg = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method, "params", shown);
    if (session)
        json_object_set_new(msg, "sessionId", json_string(session));
    char *line = json_dumps(msg, JSON_COMPACT);
    log_debug("cdp", "-> %s", line ? line : "?");
    free(line);
    json_decref(msg);
}

/* Whether text (len bytes) names a cookie or an authorization header, in any case. */
static bool trace_holds_credentials(const char *text, size_t len)
{
    static const char *const words[] = {"cookie", "authorization"};
    for (size_t w = 0; w < ARRAY_LEN(words); w++) {
        size_t n = strlen(words[w]);
        for (size_t i = 0; i + n <= len; i++) {
            if (strncasecmp(text + i, words[w], n) == 0)
                return true;
        }
    }
    return false;
}

int64_t cdp_send(struct cdp *c, const char *session, const char *method, json_t *params, int64_t deadline_ms,
                 struct err *e)
{
    int64_t id = 0;
    char *text = NULL;
    if (!params)
        params = json_object();
    if (c->close_reason) {
        id = err_set(e, ERR_BROWSER, "%s: %s", method, c->close_reason);
        goto out;
    }
    const char *dead = dead_reason(c, session);
    if (dead) {
        id = err_set(e, ERR_BROWSER, "%s: %s", method, dead);
        goto out;
    }
    id = c->next_id++;
    json_t *msg = json_pack("{s:I, s:s, s:O}", "id", (json_int_t)id, "method", method, "params", params);
    if (session)
        json_object_set_new(msg, "sessionId", json_string(session));
    text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text) {
        id = err_set(e, ERR_INTERNAL, "%s: cannot encode its parameters as JSON (invalid UTF-8?)", method);
        goto out;
    }
    if (c->pending_len == c->pending_cap) {
        c->pending_cap = c->pending_cap ? 2 * c->pending_cap : 16;
        c->pending = xrealloc(c->pending, c->pending_cap * sizeof *c->pending);
    }
    struct cdp_pending *p = &c->pending[c->pending_len++];
    memset(p, 0, sizeof *p);
    p->id = id;
    p->session = xstrdup(session);
    p->method = xstrdup(method);
    p->deadline_ms = deadline_ms;
    if (log_level_get() >= LOG_DEBUG)
        cdp_trace_sent(id, method, session, params, text);
    if (!c->send || c->send(text, strlen(text), c->transport_user) != 0) {
        cdp_close(c, "connection closed");
    }
out:
    free(text);
    json_decref(params);
    return id;
}

void cdp_send_ignored(struct cdp *c, const char *session, const char *method, json_t *params)
{
    int64_t id = cdp_send(c, session, method, params, 0, NULL);
    struct cdp_pending *p = id > 0 ? pending_find(c, id) : NULL;
    if (p)
        p->is_ignored = true;
}

void cdp_reply_forget(struct cdp *c, int64_t id)
{
    struct cdp_pending *p = pending_find(c, id);
    if (!p)
        return;
    if (p->state != CDP_WAITING)
        pending_remove(c, p);
    else
        p->is_ignored = true;
}

int cdp_reply_poll(struct cdp *c, int64_t id, json_t **result, struct err *e)
{
    struct cdp_pending *p = pending_find(c, id);
    if (!p)
        return err_set(e, ERR_INTERNAL, "command %lld is not pending", (long long)id);
    if (p->state == CDP_WAITING)
        return 1;
    int rc = 0;
    if (p->state == CDP_OK) {
        if (result) {
            *result = p->result;
            p->result = NULL;
        }
    } else {
        rc = err_set(e, p->err_code, "%s: %s", p->method, p->err_msg);
    }
    pending_remove(c, p);
    return rc;
}

int cdp_pump(struct cdp *c, int timeout_ms)
{
    if (c->close_reason)
        return -1;
    int rc = c->pump ? c->pump(timeout_ms, c->transport_user) : -1;
    if (rc != 0)
        cdp_close(c, "connection closed");
    cdp_expire(c, clock_mono_ms());
    if (c->on_tick && !c->close_reason)
        c->on_tick(c, c->tick_user);
    return c->close_reason ? -1 : 0;
}

int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params, int timeout_ms,
             json_t **result, struct err *e)
{
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    int64_t id = cdp_send(c, session, method, params, deadline, e);
    if (id < 0)
        return (int)id;
    for (;;) {
        int rc = cdp_reply_poll(c, id, result, e);
        if (rc != 1)
            return rc;
        int64_t left = deadline - clock_mono_ms();
        cdp_pump(c, left < 1 ? 1 : left > 1000 ? 1000 : (int)left);
    }
}

static void event_queue_push(struct cdp *c, json_t *msg)
{
    if (c->events_len == CDP_EVENT_QUEUE_MAX) {
        json_decref(c->events[c->events_head]);
        c->events_head = (c->events_head + 1) % c->events_cap;
        c->events_len--;
    }
    if (c->events_len == c->events_cap) {
        size_t cap = c->events_cap ? 2 * c->events_cap : 64;
        json_t **ev = xcalloc(cap, sizeof *ev);
        for (size_t i = 0; i < c->events_len; i++)
            ev[i] = c->events[(c->events_head + i) % c->events_cap];
        free(c->events);
        c->events = ev;
        c->events_cap = cap;
        c->events_head = 0;
    }
    c->events[(c->events_head + c->events_len) % c->events_cap] = json_incref(msg);
    c->events_len++;
}

json_t *cdp_event_pop(struct cdp *c)
{
    if (c->events_len == 0)
        return NULL;
    json_t *msg = c->events[c->events_head];
    c->events_head = (c->events_head + 1) % c->events_cap;
    c->events_len--;
    return msg;
}

static void reply_take(struct cdp *c, int64_t id, json_t *msg)
{
    struct cdp_pending *p = pending_find(c, id);
    if (!p) {
        log_debug("cdp", "reply to unknown command %lld dropped", (long long)id);
        return;
    }
    json_t *error = json_object_get(msg, "error");
    if (p->is_ignored) {
        if (error)
            log_debug("cdp", "%s failed: %s", p->method, json_string_value(json_object_get(error, "message")));
        pending_remove(c, p);
        return;
    }
    if (p->state != CDP_WAITING)
        return;
    if (error) {
        const char *text = json_string_value(json_object_get(error, "message"));
        const char *data = json_string_value(json_object_get(error, "data"));
        char *m = xasprintf("the browser answered '%s'%s%s (code %lld)", text ? text : "?", data ? ": " : "",
                            data ? data : "", (long long)json_integer_value(json_object_get(error, "code")));
        pending_fail(p, ERR_BROWSER, m);
        free(m);
        return;
    }
    json_t *result = json_object_get(msg, "result");
    p->result = result ? json_incref(result) : json_object();
    p->state = CDP_OK;
}

static int hex4(const char *s, size_t len, size_t at)
{
    if (at + 4 > len)
        return -1;
    int v = 0;
    for (size_t i = at; i < at + 4; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A JavaScript string may hold half of a UTF-16 surrogate pair, and Chrome sends it as a lone
 * "\udXXX" escape that strict JSON (jansson) refuses: the whole reply would be dropped and its caller
 * would wait out its timeout. This copy says U+FFFD instead; NULL when there is nothing to mend. */
static char *surrogates_mend(const char *data, size_t len, size_t *out_len)
{
    struct buf b;
    buf_init(&b);
    bool is_mended = false;
    for (size_t i = 0; i < len;) {
        if (data[i] != '\\' || i + 1 >= len) {
            buf_append(&b, data + i, 1);
            i++;
            continue;
        }
        int v = data[i + 1] == 'u' ? hex4(data, len, i + 2) : -1;
        if (v < 0xD800 || v > 0xDFFF) { /* not a surrogate: copy the escape (two bytes) as it is */
            buf_append(&b, data + i, 2);
            i += 2;
            continue;
        }
        int low = v <= 0xDBFF && i + 11 < len && data[i + 6] == '\\' && data[i + 7] == 'u' ? hex4(data, len, i + 8) : -1;
        if (low >= 0xDC00 && low <= 0xDFFF) { /* a whole pair */
            buf_append(&b, data + i, 12);
            i += 12;
            continue;
        }
        buf_append(&b, "\\ufffd", 6);
        i += 6;
        is_mended = true;
    }
    if (!is_mended) {
        buf_release(&b);
        return NULL;
    }
    *out_len = b.len;
    return buf_detach(&b);
}

/* Strings at least this long (a screenshot's or a PDF's base64: megabytes) are taken out of the text before
 * jansson reads it. Read whole, jansson would hold three copies of one at once (the message, its lexer's
 * token buffer, the string), each as big as the reply; taken out, the string is copied once. */
#define CDP_BIG_STRING_BYTES (64 * 1024)
#define CDP_BIG_STRINGS_MAX 16

/* What stands in the text for a string taken out: a string whose first character is NUL, then its number.
 * Only used when the message holds no escaped NUL, so no string of the browser's can look like it. */
#define CDP_BIG_MARK "\\u0000hxbig"

/* Takes the long plain string values (printable ASCII, no escapes: what base64 is; keys and anything else
 * are left to jansson) out of text, in place: each becomes a mark, and a new jansson string in big[].
 * Returns the text's new length. */
static size_t big_strings_take(char *text, size_t len, json_t **big, size_t *big_len)
{
    size_t r = 0, w = 0;
    *big_len = 0;
    if (len < CDP_BIG_STRING_BYTES || memmem(text, len, "\\u0000", 6) != NULL)
        return len;
    while (r < len && *big_len < CDP_BIG_STRINGS_MAX) {
        const char *q = memchr(text + r, '"', len - r);
        if (!q)
            break;
        size_t open = (size_t)(q - text), i = open + 1;
        bool is_plain = true;
        for (; i < len && text[i] != '"'; i++) {
            unsigned char ch = (unsigned char)text[i];
            if (ch == '\\') {
                is_plain = false;
                i++; /* the escaped character, maybe a quote */
            } else if (ch < 0x20 || ch > 0x7e) {
                is_plain = false;
            }
        }
        if (i >= len)
            break; /* unterminated: jansson will say so */
        size_t n = i - open - 1, after = i + 1;
        while (after < len && (text[after] == ' ' || text[after] == '\t' || text[after] == '\n' || text[after] == '\r'))
            after++;
        bool is_key = after < len && text[after] == ':';
        if (!is_plain || is_key || n < CDP_BIG_STRING_BYTES) {
            memmove(text + w, text + r, i + 1 - r); /* up to and with the closing quote */
            w += i + 1 - r;
            r = i + 1;
            continue;
        }
        big[*big_len] = json_stringn_nocheck(text + open + 1, n);
        memmove(text + w, text + r, open + 1 - r); /* up to and with the opening quote */
        w += open + 1 - r;
        char mark[32];
        int mark_len = snprintf(mark, sizeof mark, CDP_BIG_MARK "%zu\"", *big_len);
        memcpy(text + w, mark, (size_t)mark_len); /* fits: the string it replaces is far longer */
        w += (size_t)mark_len;
        r = i + 1;
        (*big_len)++;
    }
    memmove(text + w, text + r, len - r);
    return w + len - r;
}

/* The number of the big string whose mark x is, or -1. */
static long big_mark_index(json_t *x, size_t big_len)
{
    const char *s = json_string_value(x);
    size_t n = json_string_length(x);
    if (!s || n < 7 || s[0] != '\0' || memcmp(s + 1, "hxbig", 5) != 0)
        return -1;
    char *end = NULL;
    unsigned long k = strtoul(s + 6, &end, 10);
    return end == s + n && k < big_len ? (long)k : -1;
}

/* Puts the strings taken out back where their marks are. */
static void big_strings_put(json_t *v, json_t **big, size_t big_len)
{
    if (json_is_object(v)) {
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            json_t *x = json_object_iter_value(it);
            long k = big_mark_index(x, big_len);
            if (k >= 0)
                json_object_iter_set(v, it, big[k]);
            else
                big_strings_put(x, big, big_len);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *x = json_array_get(v, i);
            long k = big_mark_index(x, big_len);
            if (k >= 0)
                json_array_set(v, i, big[k]);
            else
                big_strings_put(x, big, big_len);
        }
    }
}

static json_t *message_parse(const char *text, size_t len, json_error_t *je)
{
    json_t *msg = json_loadb(text, len, JSON_ALLOW_NUL, je);
    if (!msg && strstr(je->text, "nvalid Unicode")) {
        size_t mended_len = 0;
        char *mended = surrogates_mend(text, len, &mended_len);
        if (mended) {
            msg = json_loadb(mended, mended_len, JSON_ALLOW_NUL, je);
            free(mended);
        }
    }
    return msg;
}

/* Logs what came (text: what jansson read; whole_len: the message's size) and says whether it is one to
 * handle. */
static bool message_check(json_t *msg, const char *text, size_t len, size_t whole_len, const json_error_t *je)
{
    if (!msg || !json_is_object(msg)) {
        log_warn("cdp", "dropped a message that is not a JSON object (%zu bytes): %s", whole_len, je->text);
        return false;
    }
    if (log_level_get() < LOG_DEBUG)
        return true;
    if (trace_holds_credentials(text, len)) {
        const char *method = json_string_value(json_object_get(msg, "method"));
        if (method)
            log_debug("cdp", "<- %s (%zu bytes, names a cookie or an authorization: not logged)", method, whole_len);
        else
            log_debug("cdp", "<- reply to %lld (%zu bytes, names a cookie or an authorization: not logged)",
                      (long long)json_integer_value(json_object_get(msg, "id")), whole_len);
    } else if (len < 2000) {
        log_debug("cdp", "<- %.*s", (int)len, text);
    } else {
        log_debug("cdp", "<- (%zu bytes) %.200s", whole_len, text);
    }
    return true;
}

static void message_dispatch(struct cdp *c, json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    if (json_is_integer(id))
        reply_take(c, json_integer_value(id), msg);
    else if (json_is_string(json_object_get(msg, "method"))) {
        if (c->on_event)
            c->on_event(c, msg, c->event_user);
        else
            event_queue_push(c, msg);
    }
}

/* A message whose text the caller hands over (it may be rewritten): the text is freed as soon as it is
 * read, before the message is handled, so a reply's data lives once, in the json. */
static void cdp_feed_owned(struct cdp *c, char *data, size_t len)
{
    json_error_t je;
    json_t *big[CDP_BIG_STRINGS_MAX];
    size_t big_len = 0, text_len = big_strings_take(data, len, big, &big_len);
    json_t *msg = message_parse(data, text_len, &je);
    if (msg && big_len > 0)
        big_strings_put(msg, big, big_len);
    for (size_t i = 0; i < big_len; i++)
        json_decref(big[i]);
    bool is_ok = message_check(msg, data, text_len, len, &je);
    free(data);
    if (is_ok)
        message_dispatch(c, msg);
    json_decref(msg);
}

void cdp_feed(struct cdp *c, const char *data, size_t len)
{
    if (len >= CDP_BIG_STRING_BYTES) {
        char *copy = xmalloc(len + 1);
        memcpy(copy, data, len);
        copy[len] = '\0';
        cdp_feed_owned(c, copy, len);
        return;
    }
    json_error_t je;
    json_t *msg = message_parse(data, len, &je);
    if (message_check(msg, data, len, len, &je))
        message_dispatch(c, msg);
    json_decref(msg);
}

void cdp_feed_fragment(struct cdp *c, const char *data, size_t len, bool is_final)
{
    if (is_final && c->frag.len == 0) {
        cdp_feed(c, data, len);
        return;
    }
    buf_append(&c->frag, data, len);
    if (!is_final)
        return;
    /* cdp_feed may re-enter through the hook; hand it a buffer of its own */
    size_t n = c->frag.len;
    cdp_feed_owned(c, buf_detach(&c->frag), n);
}

void cdp_expire(struct cdp *c, int64_t now_ms)
{
    for (size_t i = 0; i < c->pending_len; i++) {
        struct cdp_pending *p = &c->pending[i];
        if (p->state != CDP_WAITING || p->deadline_ms <= 0 || p->deadline_ms > now_ms)
            continue;
        char *m = xasprintf("no reply within the time allowed (%lld ms past the deadline)",
                            (long long)(now_ms - p->deadline_ms));
        pending_fail(p, ERR_TIMEOUT, m);
        free(m);
    }
    /* forgotten commands nobody waits for must not pile up */
    for (size_t i = 0; i < c->pending_len;) {
        if (c->pending[i].is_ignored && c->pending[i].state != CDP_WAITING)
            pending_remove(c, &c->pending[i]);
        else
            i++;
    }
}

void cdp_close(struct cdp *c, const char *reason)
{
    if (!c->close_reason)
        c->close_reason = xstrdup(reason);
    for (size_t i = 0; i < c->pending_len; i++)
        pending_fail(&c->pending[i], ERR_BROWSER, c->close_reason);
}

bool cdp_is_closed(const struct cdp *c)
{
    return c->close_reason != NULL;
}

const char *cdp_close_reason(const struct cdp *c)
{
    return c->close_reason;
}

void cdp_session_fail(struct cdp *c, const char *session, const char *reason)
{
    if (!session)
        return;
    if (!dead_reason(c, session)) {
        c->dead_sessions = xrealloc(c->dead_sessions, (c->dead_len + 1) * sizeof *c->dead_sessions);
        c->dead_reasons = xrealloc(c->dead_reasons, (c->dead_len + 1) * sizeof *c->dead_reasons);
        c->dead_sessions[c->dead_len] = xstrdup(session);
        c->dead_reasons[c->dead_len] = xstrdup(reason);
        c->dead_len++;
    }
    for (size_t i = 0; i < c->pending_len; i++)
        if (c->pending[i].session && strcmp(c->pending[i].session, session) == 0)
            pending_fail(&c->pending[i], ERR_BROWSER, reason);
}

size_t cdp_pending_count(const struct cdp *c)
{
    return c->pending_len;
}
