/* The driver's receive side for big messages: long plain strings (a screenshot's base64) are taken out of
 * the text before jansson reads it and put back after (driver/cdp.c); whatever the message, what the caller
 * gets must be exactly what jansson alone would have made of it. Then the base64 is decoded (driver/base64.c). */
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"
#include "tests/unit/runner.h"

/* jansson's allocations counted: what it holds now and at most. Plain malloc blocks (measured with
 * malloc_usable_size), since the driver frees json_dumps's text with free(). */
static size_t json_bytes_now, json_bytes_peak;

static void *json_counted_malloc(size_t n)
{
    void *p = malloc(n);
    if (p)
        json_bytes_now += malloc_usable_size(p);
    if (json_bytes_now > json_bytes_peak)
        json_bytes_peak = json_bytes_now;
    return p;
}

static void json_counted_free(void *p)
{
    if (p)
        json_bytes_now -= malloc_usable_size(p);
    free(p);
}

/* n characters of base64's alphabet, different for each seed; caller frees. */
static char *b64ish(size_t n, unsigned seed)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = xmalloc(n + 1);
    unsigned v = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        v = v * 1103515245u + 12345u;
        s[i] = abc[(v >> 16) % 64];
    }
    s[n] = '\0';
    return s;
}

static int no_send(const char *msg, size_t len, void *user)
{
    (void)msg;
    (void)len;
    (void)user;
    return 0;
}

static struct cdp *recv_new(void)
{
    struct cdp *c = cdp_new();
    cdp_transport_set(c, no_send, NULL, NULL);
    return c;
}

/* Feeds text in pieces of at most piece bytes (0: whole, through cdp_feed), as libwebsockets does. */
static void feed(struct cdp *c, const char *text, size_t piece)
{
    size_t len = strlen(text);
    if (piece == 0) {
        cdp_feed(c, text, len);
        return;
    }
    for (size_t pos = 0; pos < len; pos += piece) {
        size_t n = len - pos < piece ? len - pos : piece;
        cdp_feed_fragment(c, text + pos, n, pos + n == len);
    }
}

/* The reply to a fresh command, fed as text; *result is the caller's (NULL when none came). */
static int reply_get(const char *text, size_t piece, json_t **result)
{
    struct cdp *c = recv_new();
    int64_t id = cdp_send(c, "S", "Page.captureScreenshot", NULL, 0, NULL);
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "{\"id\":%lld,\"sessionId\":\"S\",\"result\":%s}", (long long)id, text);
    feed(c, b.data, piece);
    buf_release(&b);
    *result = NULL;
    int rc = cdp_reply_poll(c, id, result, NULL);
    cdp_free(c);
    return rc;
}

static void test_big_strings_come_back_whole_wherever_they_are(void)
{
    char *a = b64ish(300000, 1), *b = b64ish(70000, 2), *d = b64ish(65536, 3), *small = b64ish(1000, 4);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"data\": \"%s\" , \"other\":\"x\",\"nested\":{\"deep\":[\"%s\", 1, {\"d\":\"%s\"}]},"
               "\"small\":\"%s\",\"n\":2.5,\"t\":true,\"z\":null}", a, b, d, small);
    size_t pieces[3] = {0, 4096, 65536};
    for (size_t k = 0; k < 3; k++) {
        json_t *res = NULL;
        CHECK_INT(reply_get(t.data, pieces[k], &res), 0);
        REQUIRE(res);
        json_t *want = json_loads(t.data, 0, NULL);
        CHECK(json_equal(res, want));
        CHECK_INT(json_string_length(json_object_get(res, "data")), 300000);
        CHECK_STR(json_string_value(json_object_get(res, "data")), a);
        json_t *deep = json_object_get(json_object_get(res, "nested"), "deep");
        CHECK_STR(json_string_value(json_array_get(deep, 0)), b);
        CHECK_STR(json_string_value(json_object_get(json_array_get(deep, 2), "d")), d);
        CHECK_STR(json_string_value(json_object_get(res, "other")), "x");
        json_decref(want);
        json_decref(res);
    }
    buf_release(&t);
    free(a);
    free(b);
    free(d);
    free(small);
}

static void test_keys_escapes_and_utf8_are_left_to_jansson(void)
{
    char *key = b64ish(100000, 5), *body = b64ish(100000, 6);
    struct buf t;
    buf_init(&t);
    /* a long key; a long string with escapes; a long string of UTF-8 (中 is 3 bytes) */
    buf_printf(&t, "{\"%s\" : 7, \"esc\":\"%s\\n\\u4e2d\\\"q\", \"utf\":\"", key, body);
    for (int i = 0; i < 30000; i++)
        buf_append_str(&t, "中");
    buf_append_str(&t, "\"}");
    json_t *res = NULL;
    CHECK_INT(reply_get(t.data, 4096, &res), 0);
    REQUIRE(res);
    CHECK_INT(json_integer_value(json_object_get(res, key)), 7);
    json_t *want = json_loads(t.data, 0, NULL);
    REQUIRE(want);
    CHECK(json_equal(res, want));
    CHECK_INT(json_string_length(json_object_get(res, "utf")), 90000);
    json_decref(want);
    json_decref(res);
    buf_release(&t);
    free(key);
    free(body);
}

static void test_a_string_like_the_mark_is_not_taken_for_one(void)
{
    /* a page can return a string that reads like the mark put in a big string's place */
    char *a = b64ish(200000, 7);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"data\":\"%s\",\"fake\":\"\\u0000hxbig0\",\"fake2\":\"\\u0000\\u0068xbig0\"}", a);
    json_t *res = NULL;
    CHECK_INT(reply_get(t.data, 4096, &res), 0);
    REQUIRE(res);
    CHECK_STR(json_string_value(json_object_get(res, "data")), a);
    json_t *fake = json_object_get(res, "fake");
    CHECK_INT(json_string_length(fake), 7);
    CHECK(memcmp(json_string_value(fake), "\0hxbig0", 7) == 0);
    CHECK_INT(json_string_length(json_object_get(res, "fake2")), 7);
    json_decref(res);
    buf_release(&t);
    free(a);
}

static void test_many_big_strings_all_come_back(void)
{
    struct buf t;
    buf_init(&t);
    buf_append_str(&t, "{\"list\":[");
    char *s[20];
    for (int i = 0; i < 20; i++) {
        s[i] = b64ish(70000 + (size_t)i, (unsigned)(10 + i));
        buf_printf(&t, "%s\"%s\"", i ? "," : "", s[i]);
    }
    buf_append_str(&t, "]}");
    json_t *res = NULL;
    CHECK_INT(reply_get(t.data, 65536, &res), 0);
    REQUIRE(res);
    json_t *list = json_object_get(res, "list");
    REQUIRE(json_array_size(list) == 20);
    for (int i = 0; i < 20; i++)
        CHECK_STR(json_string_value(json_array_get(list, (size_t)i)), s[i]);
    json_decref(res);
    buf_release(&t);
    for (int i = 0; i < 20; i++)
        free(s[i]);
}

static void test_a_lone_surrogate_beside_a_big_string_is_mended(void)
{
    char *a = b64ish(100000, 8);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"text\":\"a\\ud800b\",\"data\":\"%s\"}", a);
    json_t *res = NULL;
    CHECK_INT(reply_get(t.data, 4096, &res), 0);
    REQUIRE(res);
    CHECK_STR(json_string_value(json_object_get(res, "text")), "a\xef\xbf\xbd" "b");
    CHECK_STR(json_string_value(json_object_get(res, "data")), a);
    json_decref(res);
    buf_release(&t);
    free(a);
}

static void test_a_broken_big_message_is_dropped(void)
{
    char *a = b64ish(100000, 9);
    struct cdp *c = recv_new();
    int64_t id = cdp_send(c, NULL, "Page.captureScreenshot", NULL, 0, NULL);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"id\":%lld,\"result\":{\"data\":\"%s\"}", (long long)id, a); /* a brace short */
    feed(c, t.data, 4096);
    CHECK_INT(cdp_reply_poll(c, id, NULL, NULL), 1); /* still waiting: nothing was made of it */
    buf_reset(&t);
    buf_printf(&t, "{\"id\":%lld,\"result\":{\"data\":\"%s", (long long)id, a); /* unterminated string */
    feed(c, t.data, 4096);
    CHECK_INT(cdp_reply_poll(c, id, NULL, NULL), 1);
    buf_release(&t);
    cdp_free(c);
    free(a);
}

static void test_a_big_reply_is_held_once(void)
{
    /* 1 MB of base64: read whole, jansson holds it twice at once (its lexer's token and the string, besides
     * the message itself); taken out of the text, there is one copy */
    char *a = b64ish(1000000, 12);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"data\":\"%s\"}", a);
    size_t pieces[2] = {0, 65536};
    for (size_t k = 0; k < 2; k++) {
        json_bytes_peak = json_bytes_now;
        size_t before = json_bytes_now;
        json_t *res = NULL;
        CHECK_INT(reply_get(t.data, pieces[k], &res), 0);
        size_t peak = json_bytes_peak - before;
        if (peak > 1200000)
            fprintf(stderr, "  jansson held %zu bytes at most for a reply of 1,000,000\n", peak);
        CHECK(peak <= 1200000);
        CHECK_STR(json_string_value(json_object_get(res, "data")), a);
        json_decref(res);
    }
    buf_release(&t);
    free(a);
}

static void hook_keep(struct cdp *c, json_t *msg, void *user)
{
    (void)c;
    json_t **kept = user;
    json_decref(*kept);
    *kept = json_incref(msg);
}

static void test_an_event_with_a_big_string_reaches_the_hook(void)
{
    char *a = b64ish(150000, 11);
    struct cdp *c = recv_new();
    json_t *kept = NULL;
    cdp_event_hook_set(c, hook_keep, &kept);
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "{\"method\":\"Page.screencastFrame\",\"sessionId\":\"S\",\"params\":{\"data\":\"%s\"}}", a);
    feed(c, t.data, 4096);
    REQUIRE(kept);
    CHECK_STR(json_string_value(json_object_get(kept, "method")), "Page.screencastFrame");
    CHECK_STR(json_string_value(json_object_get(json_object_get(kept, "params"), "data")), a);
    json_decref(kept);
    buf_release(&t);
    cdp_free(c);
    free(a);
}

static void test_base64_decodes_what_the_browser_sends(void)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *out = NULL;
    size_t n = 0;
    CHECK_INT(base64_decode("aGVsbG8=", 8, &out, &n), 0);
    CHECK_INT(n, 5);
    CHECK(out && memcmp(out, "hello", 5) == 0);
    free(out);
    out = NULL;
    CHECK_INT(base64_decode(" aGVs\r\nbG8h\t", 12, &out, &n), 0); /* whitespace is skipped */
    CHECK_INT(n, 6);
    CHECK(out && memcmp(out, "hello!", 6) == 0);
    free(out);
    out = NULL;
    CHECK_INT(base64_decode("", 0, &out, &n), 0);
    CHECK_INT(n, 0);
    free(out);
    out = NULL;
    CHECK_INT(base64_decode("aGV*bG8=", 8, &out, &n), -1);
    CHECK(out == NULL);
    CHECK_INT(base64_decode("aGVsbG8=QQ", 10, &out, &n), -1); /* data after the padding */
    CHECK_INT(base64_decode("aGVs\xc3\xa9", 6, &out, &n), -1);
    /* every byte value, every length modulo 3: encoded here, decoded there */
    for (size_t len = 0; len < 770; len += 1 + len / 3) {
        unsigned char *raw = xmalloc(len + 1);
        for (size_t i = 0; i < len; i++)
            raw[i] = (unsigned char)(i * 7 + len);
        struct buf enc;
        buf_init(&enc);
        for (size_t i = 0; i < len; i += 3) {
            unsigned v = (unsigned)raw[i] << 16 | (i + 1 < len ? (unsigned)raw[i + 1] << 8 : 0) |
                         (i + 2 < len ? raw[i + 2] : 0);
            char q[4] = {abc[v >> 18], abc[(v >> 12) & 63], i + 1 < len ? abc[(v >> 6) & 63] : '=',
                         i + 2 < len ? abc[v & 63] : '='};
            buf_append(&enc, q, 4);
        }
        out = NULL;
        CHECK_INT(base64_decode(buf_str(&enc), enc.len, &out, &n), 0);
        CHECK_INT(n, len);
        CHECK(out && memcmp(out, raw, len) == 0);
        free(out);
        free(raw);
        buf_release(&enc);
    }
}

int main(int argc, char **argv)
{
    json_set_alloc_funcs(json_counted_malloc, json_counted_free); /* before jansson allocates anything */
    static const struct test_case cases[] = {
        {"big strings come back whole wherever they are (whole or in pieces)",
         test_big_strings_come_back_whole_wherever_they_are},
        {"long keys, escaped and UTF-8 strings are left to jansson", test_keys_escapes_and_utf8_are_left_to_jansson},
        {"a string like the mark is not taken for one", test_a_string_like_the_mark_is_not_taken_for_one},
        {"twenty big strings all come back", test_many_big_strings_all_come_back},
        {"a lone surrogate beside a big string is mended", test_a_lone_surrogate_beside_a_big_string_is_mended},
        {"a broken big message is dropped", test_a_broken_big_message_is_dropped},
        {"an event with a big string reaches the hook", test_an_event_with_a_big_string_reaches_the_hook},
        {"a big reply is held once, not three times", test_a_big_reply_is_held_once},
        {"base64 decodes what the browser sends, refuses the rest", test_base64_decodes_what_the_browser_sends},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
