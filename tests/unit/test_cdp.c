/* The DevTools message layer without a socket: a fake transport records what is sent and a fake pump
 * feeds scripted answers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "tests/unit/runner.h"

struct fake {
    json_t *sent;        /* array of the messages sent */
    const char **script; /* what each pump call feeds, in order (NULL entries feed nothing) */
    size_t script_len, script_pos;
    bool is_dead;        /* the pump reports a closed connection */
    struct cdp *c;
    json_t *events;      /* what the hook saw */
};

static int fake_send(const char *msg, size_t len, void *user)
{
    struct fake *f = user;
    json_array_append_new(f->sent, json_loadb(msg, len, 0, NULL));
    return 0;
}

static int fake_pump(int timeout_ms, void *user)
{
    (void)timeout_ms;
    struct fake *f = user;
    if (f->is_dead)
        return -1;
    if (f->script_pos < f->script_len) {
        const char *m = f->script[f->script_pos++];
        if (m)
            cdp_feed(f->c, m, strlen(m));
    }
    return 0;
}

static void fake_hook(struct cdp *c, json_t *msg, void *user)
{
    (void)c;
    struct fake *f = user;
    json_array_append(f->events, msg);
}

static struct cdp *fake_new(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->sent = json_array();
    f->events = json_array();
    f->c = cdp_new();
    cdp_transport_set(f->c, fake_send, fake_pump, f);
    return f->c;
}

static void fake_free(struct fake *f)
{
    cdp_free(f->c);
    json_decref(f->sent);
    json_decref(f->events);
}

static void test_ids_increase_and_sessions_are_sent(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t a = cdp_send(c, NULL, "Browser.getVersion", NULL, 0, NULL);
    int64_t b = cdp_send(c, "S1", "Page.enable", json_pack("{s:i}", "x", 1), 0, NULL);
    CHECK_INT(a, 1);
    CHECK_INT(b, 2);
    REQUIRE(json_array_size(f.sent) == 2);
    json_t *m0 = json_array_get(f.sent, 0), *m1 = json_array_get(f.sent, 1);
    CHECK_STR(json_string_value(json_object_get(m0, "method")), "Browser.getVersion");
    CHECK(json_object_get(m0, "sessionId") == NULL);
    CHECK(json_is_object(json_object_get(m0, "params")));
    CHECK_STR(json_string_value(json_object_get(m1, "sessionId")), "S1");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(m1, "params"), "x")), 1);
    CHECK_INT(cdp_pending_count(c), 2);
    fake_free(&f);
}

static void test_replies_routed_by_id_in_any_order(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t a = cdp_send(c, NULL, "A", NULL, 0, NULL);
    int64_t b = cdp_send(c, "S", "B", NULL, 0, NULL);
    const char *rb = "{\"id\":2,\"sessionId\":\"S\",\"result\":{\"v\":\"b\"}}";
    const char *ra = "{\"id\":1,\"result\":{\"v\":\"a\"}}";
    cdp_feed(c, rb, strlen(rb));
    CHECK_INT(cdp_reply_poll(c, a, NULL, NULL), 1); /* still pending */
    cdp_feed(c, ra, strlen(ra));
    json_t *res = NULL;
    CHECK_INT(cdp_reply_poll(c, a, &res, NULL), 0);
    CHECK_STR(json_string_value(json_object_get(res, "v")), "a");
    json_decref(res);
    res = NULL;
    CHECK_INT(cdp_reply_poll(c, b, &res, NULL), 0);
    CHECK_STR(json_string_value(json_object_get(res, "v")), "b");
    json_decref(res);
    CHECK_INT(cdp_pending_count(c), 0);
    fake_free(&f);
}

static void test_error_reply_names_method_and_message(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    const char *script[] = {"{\"id\":1,\"error\":{\"code\":-32000,\"message\":\"Cannot find context\"}}"};
    f.script = script;
    f.script_len = 1;
    struct err e;
    err_init(&e);
    CHECK_INT(cdp_call(c, "S", "Runtime.evaluate", NULL, 1000, NULL, &e), ERR_BROWSER);
    CHECK(strstr(e.msg, "Runtime.evaluate") && strstr(e.msg, "Cannot find context") && strstr(e.msg, "-32000"));
    fake_free(&f);
}

static void test_events_go_to_the_queue_or_the_hook(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    const char *e1 = "{\"method\":\"Page.loadEventFired\",\"params\":{\"timestamp\":1}}";
    const char *e2 = "{\"method\":\"Page.lifecycleEvent\",\"sessionId\":\"S9\",\"params\":{\"name\":\"load\"}}";
    cdp_feed(c, e1, strlen(e1));
    cdp_feed(c, e2, strlen(e2));
    json_t *m = cdp_event_pop(c);
    REQUIRE(m);
    CHECK_STR(json_string_value(json_object_get(m, "method")), "Page.loadEventFired");
    json_decref(m);
    m = cdp_event_pop(c);
    REQUIRE(m);
    CHECK_STR(json_string_value(json_object_get(m, "sessionId")), "S9");
    json_decref(m);
    CHECK(cdp_event_pop(c) == NULL);
    /* with a hook, events arrive while a call waits for its reply */
    cdp_event_hook_set(c, fake_hook, &f);
    const char *script[] = {e2, NULL, "{\"id\":1,\"result\":{}}"};
    f.script = script;
    f.script_len = 3;
    CHECK_INT(cdp_call(c, NULL, "X", NULL, 1000, NULL, NULL), 0);
    CHECK_INT(json_array_size(f.events), 1);
    CHECK(cdp_event_pop(c) == NULL);
    fake_free(&f);
}

static void test_timeouts_expire_pending_commands(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t now = clock_mono_ms();
    int64_t a = cdp_send(c, NULL, "Slow.one", NULL, now + 100, NULL);
    int64_t b = cdp_send(c, NULL, "Slow.two", NULL, now + 10000, NULL);
    cdp_expire(c, now + 50);
    CHECK_INT(cdp_reply_poll(c, a, NULL, NULL), 1);
    cdp_expire(c, now + 150);
    struct err e;
    err_init(&e);
    CHECK_INT(cdp_reply_poll(c, a, NULL, &e), ERR_TIMEOUT);
    CHECK(strstr(e.msg, "Slow.one") != NULL);
    CHECK_INT(cdp_reply_poll(c, b, NULL, NULL), 1);
    /* a late reply to the expired command is dropped quietly */
    const char *late = "{\"id\":1,\"result\":{}}";
    cdp_feed(c, late, strlen(late));
    CHECK_INT(cdp_pending_count(c), 1);
    /* cdp_call gives up at its own deadline */
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(cdp_call(c, NULL, "Never.answered", NULL, 200, NULL, &e), ERR_TIMEOUT);
    CHECK(clock_mono_ms() - t0 >= 190 && clock_mono_ms() - t0 < 2000);
    fake_free(&f);
}

static void test_reply_in_many_fragments_is_reassembled(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t id = cdp_send(c, NULL, "Page.captureScreenshot", NULL, 0, NULL);
    /* a big reply, like a screenshot's base64, cut into uneven pieces */
    size_t big = 3 * 1000 * 1000;
    char *payload = xmalloc(big + 1);
    for (size_t i = 0; i < big; i++)
        payload[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
    payload[big] = '\0';
    char *msg = xasprintf("{\"id\":%lld,\"result\":{\"data\":\"%s\",\"note\":\"图片\"}}", (long long)id, payload);
    size_t len = strlen(msg), pos = 0, step = 1;
    int pieces = 0;
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        cdp_feed_fragment(c, msg + pos, n, pos + n == len);
        if (pos + n < len)
            CHECK_INT(cdp_reply_poll(c, id, NULL, NULL), 1);
        pos += n;
        step = step * 3 + 7; /* cuts inside the UTF-8 of 图片 at some sizes */
        pieces++;
    }
    CHECK(pieces > 5);
    json_t *res = NULL;
    CHECK_INT(cdp_reply_poll(c, id, &res, NULL), 0);
    CHECK_INT(json_string_length(json_object_get(res, "data")), big);
    CHECK(strcmp(json_string_value(json_object_get(res, "data")), payload) == 0);
    CHECK_STR(json_string_value(json_object_get(res, "note")), "图片");
    json_decref(res);
    /* and a one-piece message after it still works */
    int64_t id2 = cdp_send(c, NULL, "X", NULL, 0, NULL);
    char *m2 = xasprintf("{\"id\":%lld,\"result\":{}}", (long long)id2);
    cdp_feed_fragment(c, m2, strlen(m2), true);
    CHECK_INT(cdp_reply_poll(c, id2, NULL, NULL), 0);
    free(m2);
    free(msg);
    free(payload);
    fake_free(&f);
}

static void test_close_fails_every_pending_command_at_once(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = cdp_send(c, i % 2 ? "S" : NULL, "Some.command", NULL, 0, NULL);
    cdp_close(c, "browser exited");
    cdp_close(c, "a later reason is not kept");
    CHECK(cdp_is_closed(c));
    for (int i = 0; i < 5; i++) {
        struct err e;
        err_init(&e);
        CHECK_INT(cdp_reply_poll(c, ids[i], NULL, &e), ERR_BROWSER);
        CHECK(strstr(e.msg, "browser exited") != NULL);
    }
    CHECK_INT(cdp_pending_count(c), 0);
    struct err e;
    err_init(&e);
    CHECK(cdp_send(c, NULL, "After.close", NULL, 0, &e) < 0);
    CHECK(strstr(e.msg, "browser exited") != NULL);
    fake_free(&f);
}

static void test_dead_pump_ends_a_call_at_once(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    f.is_dead = true;
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(cdp_call(c, NULL, "Page.navigate", NULL, 30000, NULL, &e), ERR_BROWSER);
    CHECK(clock_mono_ms() - t0 < 1000);
    CHECK(strstr(e.msg, "Page.navigate") && strstr(e.msg, "closed"));
    fake_free(&f);
}

static void test_a_dead_session_fails_only_its_commands(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t a = cdp_send(c, "PAGE", "Runtime.evaluate", NULL, 0, NULL);
    int64_t b = cdp_send(c, "OTHER", "Runtime.evaluate", NULL, 0, NULL);
    cdp_session_fail(c, "PAGE", "renderer crashed");
    struct err e;
    err_init(&e);
    CHECK_INT(cdp_reply_poll(c, a, NULL, &e), ERR_BROWSER);
    CHECK(strstr(e.msg, "renderer crashed") != NULL);
    CHECK_INT(cdp_reply_poll(c, b, NULL, NULL), 1);
    err_init(&e);
    CHECK(cdp_send(c, "PAGE", "Page.navigate", NULL, 0, &e) < 0);
    CHECK(strstr(e.msg, "renderer crashed") != NULL);
    CHECK(cdp_send(c, "OTHER", "Page.navigate", NULL, 0, NULL) > 0);
    fake_free(&f);
}

static void test_garbage_is_dropped(void)
{
    struct fake f;
    struct cdp *c = fake_new(&f);
    int64_t a = cdp_send(c, NULL, "A", NULL, 0, NULL);
    const char *bad[] = {"not json", "[1,2]", "{\"id\":99,\"result\":{}}", "{\"nothing\":1}"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cdp_feed(c, bad[i], strlen(bad[i]));
    CHECK_INT(cdp_reply_poll(c, a, NULL, NULL), 1);
    CHECK(cdp_event_pop(c) == NULL);
    fake_free(&f);
}

/* The debug trace of a run with secrets going both ways, read back from stderr. */
static char *trace_of_secrets(void)
{
    char path[] = "/tmp/huixin-cdp-trace-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    enum log_level level = log_level_get();
    log_level_set(LOG_DEBUG);
    struct fake f;
    struct cdp *c = fake_new(&f);
    cdp_send(c, "S", "Input.insertText", json_pack("{s:s}", "text", "SECRET-TYPED"), 0, NULL);
    cdp_send(c, "S", "Fetch.continueWithAuth",
             json_pack("{s:s, s:{s:s, s:s, s:s}}", "requestId", "r1", "authChallengeResponse", "response",
                       "ProvideCredentials", "username", "SECRET-USER", "password", "SECRET-PASS"),
             0, NULL);
    cdp_send(c, NULL, "Storage.setCookies",
             json_pack("{s:[{s:s, s:s}]}", "cookies", "name", "JSESSIONID", "value", "SECRET-SET"), 0, NULL);
    cdp_send(c, NULL, "Storage.getCookies", NULL, 0, NULL);
    cdp_send(c, NULL, "Page.navigate", json_pack("{s:s}", "url", "https://example.gov.cn/visible"), 0, NULL);
    const char *got[] = {
        "{\"id\":4,\"result\":{\"cookies\":[{\"name\":\"JSESSIONID\",\"value\":\"SECRET-GOT\"}]}}",
        "{\"method\":\"Network.responseReceivedExtraInfo\",\"sessionId\":\"S\",\"params\":{\"headers\":"
        "{\"Set-Cookie\":\"sid=SECRET-HEADER\"}}}",
        "{\"method\":\"Network.requestWillBeSentExtraInfo\",\"sessionId\":\"S\",\"params\":{\"headers\":"
        "{\"Proxy-Authorization\":\"Basic SECRET-BASIC\"}}}",
        "{\"method\":\"Page.frameNavigated\",\"sessionId\":\"S\",\"params\":{\"url\":\"https://visible-too\"}}",
    };
    for (size_t i = 0; i < ARRAY_LEN(got); i++)
        cdp_feed(c, got[i], strlen(got[i]));
    fake_free(&f);
    log_level_set(level);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = NULL;
    file_read_all(path, &text, NULL, NULL);
    close(fd);
    unlink(path);
    return text;
}

static void test_the_trace_keeps_no_secret(void)
{
    char *t = trace_of_secrets();
    REQUIRE(t != NULL);
    static const char *const secrets[] = {"SECRET-TYPED", "SECRET-USER", "SECRET-PASS", "SECRET-SET",
                                          "SECRET-GOT",   "SECRET-HEADER", "SECRET-BASIC"};
    for (size_t i = 0; i < ARRAY_LEN(secrets); i++) {
        if (strstr(t, secrets[i]))
            fprintf(stderr, "  the trace shows %s\n", secrets[i]);
        CHECK(strstr(t, secrets[i]) == NULL);
    }
    /* what is not a secret is still there: the trace still traces */
    CHECK(strstr(t, "Fetch.continueWithAuth") && strstr(t, "not logged"));
    CHECK(strstr(t, "https://example.gov.cn/visible") && strstr(t, "https://visible-too"));
    CHECK(strstr(t, "<- reply to 4 (") && strstr(t, "<- Network.responseReceivedExtraInfo ("));
    CHECK(strstr(t, "JSESSIONID") == NULL);
    free(t);
}

static const struct test_case cases[] = {
    {"ids increase and the session goes with its command", test_ids_increase_and_sessions_are_sent},
    {"replies are routed by id, in any order", test_replies_routed_by_id_in_any_order},
    {"an error reply names the method and the browser's message", test_error_reply_names_method_and_message},
    {"events are queued, or handed to the hook while a call waits", test_events_go_to_the_queue_or_the_hook},
    {"timeouts expire pending commands", test_timeouts_expire_pending_commands},
    {"a reply split into many fragments is reassembled", test_reply_in_many_fragments_is_reassembled},
    {"close fails every pending command at once, and later ones", test_close_fails_every_pending_command_at_once},
    {"a closed connection ends a waiting call at once", test_dead_pump_ends_a_call_at_once},
    {"a crashed session fails its commands only", test_a_dead_session_fails_only_its_commands},
    {"garbage and unknown replies are dropped", test_garbage_is_dropped},
    {"the debug trace keeps no typed text, credential or cookie", test_the_trace_keeps_no_secret},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
