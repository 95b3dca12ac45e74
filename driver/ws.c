#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/ws.h"

struct ws_out {
    struct ws_out *next;
    size_t len;
    unsigned char *data; /* LWS_PRE bytes of headroom, then the message */
};

struct ws {
    struct lws_context *ctx;
    struct lws *wsi;
    struct cdp *cdp;
    struct ws_out *out_head, *out_tail;
    bool is_established;
    bool is_closed;
    char *error;
    lws_sorted_usec_list_t wake; /* bounds one lws_service call */
};

static void ws_out_drop_all(struct ws *w)
{
    while (w->out_head) {
        struct ws_out *o = w->out_head;
        w->out_head = o->next;
        free(o->data);
        free(o);
    }
    w->out_tail = NULL;
}

static void ws_mark_closed(struct ws *w, const char *why)
{
    if (!w->error && why)
        w->error = xstrdup(why);
    w->is_closed = true;
    w->wsi = NULL;
    ws_out_drop_all(w);
    if (w->is_established)
        cdp_close(w->cdp, "connection to the browser closed (browser exited or was killed)");
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)user;
    struct ws *w = lws_context_user(lws_get_context(wsi));
    if (!w)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        w->is_established = true;
        if (w->out_head)
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        ws_mark_closed(w, in && len ? (const char *)in : "connection failed");
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        cdp_feed_fragment(w->cdp, in, len, lws_is_final_fragment(wsi));
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        struct ws_out *o = w->out_head;
        if (!o)
            break;
        /* one lws_write per message: Chrome refuses fragmented incoming messages */
        int n = lws_write(wsi, o->data + LWS_PRE, o->len, LWS_WRITE_TEXT);
        w->out_head = o->next;
        if (!w->out_head)
            w->out_tail = NULL;
        free(o->data);
        free(o);
        if (n < 0)
            return -1;
        if (w->out_head)
            lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        ws_mark_closed(w, "closed by the browser");
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        if (w->wsi == wsi || !w->is_closed)
            ws_mark_closed(w, "connection lost");
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols ws_protocols[] = {
    {"huixin-cdp", ws_callback, 0, 1 << 16, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int ws_send(const char *msg, size_t len, void *user)
{
    struct ws *w = user;
    if (w->is_closed)
        return -1;
    struct ws_out *o = xcalloc(1, sizeof *o);
    o->data = xmalloc(LWS_PRE + len);
    memcpy(o->data + LWS_PRE, msg, len);
    o->len = len;
    if (w->out_tail)
        w->out_tail->next = o;
    else
        w->out_head = o;
    w->out_tail = o;
    if (w->wsi && w->is_established)
        lws_callback_on_writable(w->wsi);
    return 0;
}

static void ws_wake(lws_sorted_usec_list_t *sul)
{
    (void)sul;
}

static int ws_pump(int timeout_ms, void *user)
{
    struct ws *w = user;
    if (w->is_closed)
        return -1;
    /* lws_service ignores its timeout: a scheduled no-op callback bounds the wait */
    lws_sul_schedule(w->ctx, 0, &w->wake, ws_wake, (lws_usec_t)(timeout_ms < 1 ? 1 : timeout_ms) * 1000);
    lws_service(w->ctx, 0);
    lws_sul_cancel(&w->wake);
    return w->is_closed ? -1 : 0;
}

static void ws_log_quiet(int level, const char *line)
{
    (void)level;
    log_debug("lws", "%s", line);
}

int ws_open(const char *url, struct cdp *c, int timeout_ms, struct ws **out, struct err *e)
{
    int rc = 0;
    char *copy = xstrdup(url), *path = NULL;
    const char *scheme = NULL, *host = NULL, *p = NULL;
    int port = 0;
    struct ws *w = xcalloc(1, sizeof *w);
    w->cdp = c;
    *out = NULL;

    lws_set_log_level(LLL_ERR | LLL_WARN, ws_log_quiet);
    if (lws_parse_uri(copy, &scheme, &host, &port, &p) != 0 || strcmp(scheme, "ws") != 0 || !*host) {
        rc = err_set(e, ERR_USAGE, "browser endpoint '%s': expected ws://HOST:PORT/devtools/browser/ID", url);
        goto out;
    }
    path = xasprintf("/%s", p);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = ws_protocols;
    info.gid = -1;
    info.uid = -1;
    info.user = w;
    w->ctx = lws_create_context(&info);
    if (!w->ctx) {
        rc = err_set(e, ERR_BROWSER, "cannot create a libwebsockets context for '%s'", url);
        goto out;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = w->ctx;
    ci.address = host;
    ci.port = port;
    ci.path = path;
    ci.host = host;
    ci.origin = NULL; /* an Origin that is not allow-listed gets HTTP 403 since Chrome 111 */
    ci.protocol = NULL;
    ci.ietf_version_or_minus_one = -1;
    ci.local_protocol_name = ws_protocols[0].name;
    ci.pwsi = &w->wsi;
    if (!lws_client_connect_via_info(&ci) && !w->is_closed) {
        rc = err_set(e, ERR_BROWSER, "cannot connect to the browser at '%s'", url);
        goto out;
    }
    int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS);
    while (!w->is_established && !w->is_closed) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            rc = err_set(e, ERR_BROWSER, "cannot connect to the browser at '%s': no answer within %d ms", url,
                         timeout_ms);
            goto out;
        }
        ws_pump(left > 200 ? 200 : (int)left, w);
    }
    if (!w->is_established) {
        rc = err_set(e, ERR_BROWSER, "cannot connect to the browser at '%s': %s", url,
                     w->error ? w->error : "connection failed");
        goto out;
    }
    cdp_transport_set(c, ws_send, ws_pump, w);
    *out = w;
    w = NULL;
out:
    ws_close(w);
    free(path);
    free(copy);
    return rc;
}

void ws_close(struct ws *w)
{
    if (!w)
        return;
    if (w->ctx) {
        lws_sul_cancel(&w->wake);
        lws_context_destroy(w->ctx); /* closes the socket; callbacks may still run */
    }
    if (w->cdp && w->is_established)
        cdp_transport_set(w->cdp, NULL, NULL, NULL); /* later sends fail instead of touching freed memory */
    ws_out_drop_all(w);
    free(w->error);
    free(w);
}
