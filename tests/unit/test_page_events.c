/* driver/page*.c: the CDP event rows by domain and the enable calls of a new session, without a browser.
 * A fake transport records what is sent; a page is made by hand and events are routed to it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/proxy.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page_internal.h"
#include "tests/unit/runner.h"

static int fake_send(const char *msg, size_t len, void *user)
{
    json_array_append_new(user, json_loadb(msg, len, 0, NULL));
    return 0;
}

static int fake_pump(int timeout_ms, void *user)
{
    (void)timeout_ms;
    (void)user;
    return 0;
}

/* "Method params" of each message sent, params with sorted keys, the session after a '@'. */
static char *sent_line(json_t *msg)
{
    char *params = json_dumps(json_object_get(msg, "params"), JSON_COMPACT | JSON_SORT_KEYS);
    const char *session = json_string_value(json_object_get(msg, "sessionId"));
    char *line = xasprintf("%s@%s %s", json_string_value(json_object_get(msg, "method")), session ? session : "",
                           params ? params : "?");
    free(params);
    return line;
}

struct fixture {
    json_t *sent;
    struct browser b;
    struct page *p;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->sent = json_array();
    f->b.cdp = cdp_new();
    cdp_transport_set(f->b.cdp, fake_send, fake_pump, f->sent);
    f->p = xcalloc(1, sizeof *f->p);
    f->p->b = &f->b;
    f->p->target_id = xstrdup("T");
    f->p->session_id = xstrdup("S");
    f->p->context_id = xstrdup("C");
    f->b.pages[0] = f->p;
}

static void fixture_release(struct fixture *f)
{
    cdp_close(f->b.cdp, "the test is over"); /* page_close then sends nothing */
    page_close(f->p);
    cdp_free(f->b.cdp);
    json_decref(f->sent);
}

static void route(struct fixture *f, const char *session, const char *msg_text)
{
    json_t *msg = json_loads(msg_text, 0, NULL);
    REQUIRE(msg);
    page_event_route(&f->b, session, json_string_value(json_object_get(msg, "method")), json_object_get(msg, "params"));
    json_decref(msg);
}

static void test_each_event_is_one_row_of_one_table(void)
{
    json_t *seen = json_object();
    size_t rows = 0;
    for (size_t t = 0; t < page_event_tables_len; t++)
        for (const struct page_event_row *r = page_event_tables[t]; r->method; r++, rows++) {
            CHECK(r->fn != NULL);
            CHECK(strchr(r->method, '.') != NULL);
            if (json_object_get(seen, r->method))
                fprintf(stderr, "  %s is in two rows\n", r->method);
            CHECK(json_object_get(seen, r->method) == NULL);
            json_object_set_new(seen, r->method, json_true());
        }
    for (const struct page_target_event_row *r = page_target_events; r->method; r++, rows++) {
        CHECK(r->fn != NULL);
        CHECK(strncmp(r->method, "Target.", 7) == 0);
        CHECK(json_object_get(seen, r->method) == NULL);
        json_object_set_new(seen, r->method, json_true());
    }
    CHECK_INT(json_object_size(seen), rows);
    CHECK(rows >= 17);
    json_decref(seen);
}

static void check_sent(json_t *sent, const char *const *want, size_t want_len)
{
    CHECK_INT(json_array_size(sent), want_len);
    for (size_t i = 0; i < want_len && i < json_array_size(sent); i++) {
        char *line = sent_line(json_array_get(sent, i));
        CHECK_STR(line, want[i]);
        free(line);
    }
}

static void test_a_page_session_is_enabled_in_order(void)
{
    struct fixture f;
    fixture_init(&f);
    page_session_setup(&f.b, "S", true);
    const char *const want[] = {
        "Page.enable@S {}",
        "Page.setLifecycleEventsEnabled@S {\"enabled\":true}",
        "Runtime.enable@S {}",
        "Network.enable@S {}",
        "Emulation.setFocusEmulationEnabled@S {\"enabled\":true}",
        "Target.setAutoAttach@S {\"autoAttach\":true,\"flatten\":true,\"waitForDebuggerOnStart\":true}",
        "Runtime.runIfWaitingForDebugger@S {}",
    };
    check_sent(f.sent, want, ARRAY_LEN(want));
    fixture_release(&f);
}

static void test_an_iframe_session_gets_no_focus_emulation(void)
{
    struct fixture f;
    fixture_init(&f);
    page_session_setup(&f.b, "I", false);
    const char *const want[] = {
        "Page.enable@I {}",
        "Page.setLifecycleEventsEnabled@I {\"enabled\":true}",
        "Runtime.enable@I {}",
        "Network.enable@I {}",
        "Target.setAutoAttach@I {\"autoAttach\":true,\"flatten\":true,\"waitForDebuggerOnStart\":true}",
        "Runtime.runIfWaitingForDebugger@I {}",
    };
    check_sent(f.sent, want, ARRAY_LEN(want));
    fixture_release(&f);
}

static void test_events_reach_the_domain_that_owns_them(void)
{
    struct fixture f;
    fixture_init(&f);
    route(&f, "S", "{\"method\":\"Page.lifecycleEvent\",\"params\":{\"name\":\"load\",\"frameId\":\"T\","
                   "\"loaderId\":\"L1\"}}");
    CHECK_STR(f.p->loaded_loader, "L1");
    route(&f, "S", "{\"method\":\"Page.frameNavigated\",\"params\":{\"frame\":{\"id\":\"T\",\"loaderId\":\"L2\"}}}");
    CHECK_STR(f.p->committed_loader, "L2");
    route(&f, "S", "{\"method\":\"Runtime.executionContextCreated\",\"params\":{\"context\":{\"id\":7,"
                   "\"auxData\":{\"frameId\":\"F\",\"isDefault\":true}}}}");
    REQUIRE(f.p->contexts_len == 1);
    CHECK_INT(f.p->contexts[0].id, 7);
    route(&f, "S", "{\"method\":\"Runtime.executionContextsCleared\",\"params\":{}}");
    CHECK_INT(f.p->contexts_len, 0);
    route(&f, "S", "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"R\",\"type\":\"XHR\","
                   "\"request\":{\"url\":\"http://x/a\"}}}");
    CHECK_INT(f.p->inflight_len, 1);
    CHECK_INT(page_response_mark(f.p), 1);
    route(&f, "S", "{\"method\":\"Network.loadingFailed\",\"params\":{\"requestId\":\"R\",\"errorText\":\"net::X\"}}");
    CHECK_INT(f.p->inflight_len, 0);
    REQUIRE(page_failed_count(f.p) == 1);
    CHECK_STR(page_failed_get(f.p, 0)->url, "http://x/a");
    CHECK_STR(page_failed_get(f.p, 0)->error, "net::X");
    route(&f, "S", "{\"method\":\"Page.javascriptDialogOpening\",\"params\":{\"type\":\"alert\",\"message\":\"hi\"}}");
    REQUIRE(page_dialog_count(f.p) == 1);
    CHECK_STR(page_dialog_get(f.p, 0)->message, "hi");
    REQUIRE(json_array_size(f.sent) == 1); /* answered at once */
    char *line = sent_line(json_array_get(f.sent, 0));
    CHECK_STR(line, "Page.handleJavaScriptDialog@S {\"accept\":true,\"promptText\":\"\"}");
    free(line);
    route(&f, "S", "{\"method\":\"Page.javascriptDialogClosed\",\"params\":{}}");
    CHECK(f.p->dialog_session == NULL);
    route(&f, "OTHER", "{\"method\":\"Page.lifecycleEvent\",\"params\":{\"name\":\"load\",\"frameId\":\"T\","
                       "\"loaderId\":\"L9\"}}");
    CHECK_STR(f.p->loaded_loader, "L1"); /* a session of no page: dropped */
    route(&f, "S", "{\"method\":\"Inspector.targetCrashed\",\"params\":{}}");
    CHECK(f.p->is_crashed);
    fixture_release(&f);
}

static void test_target_events_come_to_the_browser(void)
{
    struct fixture f;
    fixture_init(&f);
    route(&f, "S", "{\"method\":\"Target.attachedToTarget\",\"params\":{\"sessionId\":\"I\",\"targetInfo\":"
                   "{\"type\":\"iframe\",\"targetId\":\"TI\",\"url\":\"http://b/\"}}}");
    REQUIRE(f.p->children_len == 1);
    CHECK(page_by_session(&f.b, "I") == f.p);
    CHECK_INT(json_array_size(f.sent), 6); /* the iframe's session was set up */
    route(&f, NULL, "{\"method\":\"Target.targetCreated\",\"params\":{\"targetInfo\":{\"type\":\"page\","
                    "\"targetId\":\"P1\",\"url\":\"http://pop/\",\"openerId\":\"T\"}}}");
    CHECK_INT(page_popup_seen(f.p), 1);
    CHECK_STR(page_popup_url(f.p, 0), "http://pop/");
    CHECK_INT(page_popup_open_count(f.p), 1);
    route(&f, NULL, "{\"method\":\"Target.targetDestroyed\",\"params\":{\"targetId\":\"P1\"}}");
    CHECK_INT(page_popup_open_count(f.p), 0);
    route(&f, "S", "{\"method\":\"Target.detachedFromTarget\",\"params\":{\"sessionId\":\"I\"}}");
    CHECK_INT(f.p->children_len, 0);
    CHECK(page_by_session(&f.b, "I") == NULL);
    fixture_release(&f);
}

#define HEADLESS_UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.73 Safari/537.36"

/* The params of the first message of method sent, or NULL; and its index in *at. */
static json_t *sent_params(json_t *sent, const char *method, size_t *at)
{
    for (size_t i = 0; i < json_array_size(sent); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(sent, i), "method")), method) == 0) {
            if (at)
                *at = i;
            return json_object_get(json_array_get(sent, i), "params");
        }
    return NULL;
}

static void test_a_session_is_told_a_desktop_identity_before_it_runs(void)
{
    struct fixture f;
    fixture_init(&f);
    browser_identity_resolve(&f.b, NULL, HEADLESS_UA);
    page_session_setup(&f.b, "S", true);
    size_t ua_at = 0, tz_at = 0, resume_at = 0;
    json_t *ua = sent_params(f.sent, "Network.setUserAgentOverride", &ua_at);
    json_t *tz = sent_params(f.sent, "Emulation.setTimezoneOverride", &tz_at);
    json_t *locale = sent_params(f.sent, "Emulation.setLocaleOverride", NULL);
    REQUIRE(sent_params(f.sent, "Runtime.runIfWaitingForDebugger", &resume_at));
    REQUIRE(ua && tz && locale);
    CHECK(ua_at < resume_at && tz_at < resume_at);
    CHECK_STR(json_string_value(json_object_get(ua, "userAgent")),
              "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36");
    CHECK_STR(json_string_value(json_object_get(ua, "acceptLanguage")), "zh-CN,zh");
    char *all = json_dumps(ua, JSON_COMPACT);
    CHECK(strstr(all, "Headless") == NULL);
    free(all);
    json_t *brand = json_array_get(json_object_get(json_object_get(ua, "userAgentMetadata"), "brands"), 0);
    CHECK_STR(json_string_value(json_object_get(brand, "brand")), "Chromium");
    CHECK_STR(json_string_value(json_object_get(brand, "version")), "156");
    CHECK_STR(json_string_value(json_object_get(tz, "timezoneId")), "Asia/Shanghai");
    CHECK_STR(json_string_value(json_object_get(locale, "locale")), "zh-CN");
    struct browser_identity id;
    browser_identity_get(&f.b, &id);
    CHECK_STR(id.timezone, "Asia/Shanghai");
    CHECK(strstr(id.user_agent, "HeadlessChrome") == NULL);
    browser_identity_release(&f.b);
    fixture_release(&f);
}

static void test_the_users_identity_is_sent_as_given(void)
{
    struct fixture f;
    fixture_init(&f);
    struct browser_options o = {.user_agent = "Mozilla/5.0 Test", .language = "en-GB", .timezone = "Europe/London"};
    browser_identity_resolve(&f.b, &o, HEADLESS_UA);
    page_session_setup(&f.b, "I", false);
    json_t *ua = sent_params(f.sent, "Network.setUserAgentOverride", NULL);
    REQUIRE(ua);
    CHECK_STR(json_string_value(json_object_get(ua, "userAgent")), "Mozilla/5.0 Test");
    CHECK_STR(json_string_value(json_object_get(ua, "acceptLanguage")), "en-GB,en");
    CHECK(json_object_get(ua, "userAgentMetadata") == NULL); /* no hints of ours to contradict the user's */
    CHECK_STR(json_string_value(json_object_get(sent_params(f.sent, "Emulation.setTimezoneOverride", NULL),
                                                "timezoneId")), "Europe/London");
    browser_identity_release(&f.b);
    fixture_release(&f);
}

static void test_identity_values_are_checked(void)
{
    CHECK(browser_language_is_valid("zh-CN"));
    CHECK(browser_language_is_valid("en"));
    CHECK(browser_language_is_valid("zh-Hant-TW"));
    CHECK(!browser_language_is_valid("z"));
    CHECK(!browser_language_is_valid("zh_CN"));
    CHECK(!browser_language_is_valid("zh-"));
    CHECK(!browser_language_is_valid("zh-CN;q=1"));
    CHECK(browser_timezone_is_valid("Asia/Shanghai"));
    CHECK(browser_timezone_is_valid("UTC"));
    CHECK(browser_timezone_is_valid("America/Argentina/Buenos_Aires"));
    CHECK(browser_timezone_is_valid("Etc/GMT-8"));
    CHECK(!browser_timezone_is_valid("../etc/passwd"));
    CHECK(!browser_timezone_is_valid("Asia Shanghai"));
    CHECK(!browser_timezone_is_valid(""));
    CHECK(browser_user_agent_is_valid("Mozilla/5.0 (X11)"));
    CHECK(!browser_user_agent_is_valid(""));
    CHECK(!browser_user_agent_is_valid("a\nb"));
    CHECK(!browser_user_agent_is_valid("中文"));
}

/* A page opened through a proxy with credentials (page_open_via): each of its sessions has Fetch with
 * handleAuthRequests before it runs, and only the proxy's challenge gets the credentials, once. */
static void test_only_the_proxys_challenge_gets_the_credentials(void)
{
    struct fixture f;
    fixture_init(&f);
    f.p->proxy = xcalloc(1, sizeof *f.p->proxy);
    REQUIRE(proxy_parse("http://127.0.0.1:3128", f.p->proxy, NULL) == 0);
    f.p->proxy->user = xstrdup("alice");
    f.p->proxy->password = xstrdup("s3cret");
    page_session_setup(&f.b, "S", true);
    const char *fetch_s = "Fetch.enable@S {\"handleAuthRequests\":true,\"patterns\":[{\"requestStage\":\"Request\","
                          "\"urlPattern\":\"*\"}]}";
    bool is_found = false, is_before_resume = false;
    for (size_t i = 0; i < json_array_size(f.sent); i++) {
        char *line = sent_line(json_array_get(f.sent, i));
        if (strcmp(line, fetch_s) == 0)
            is_found = true;
        if (strncmp(line, "Runtime.runIfWaitingForDebugger", 31) == 0)
            is_before_resume = is_found;
        free(line);
    }
    CHECK(is_found);
    CHECK(is_before_resume);
    json_array_clear(f.sent);

    route(&f, "S", "{\"method\":\"Fetch.authRequired\",\"params\":{\"requestId\":\"r1\",\"authChallenge\":"
                   "{\"source\":\"Server\",\"origin\":\"http://site\",\"scheme\":\"basic\",\"realm\":\"x\"}}}");
    route(&f, "S", "{\"method\":\"Fetch.authRequired\",\"params\":{\"requestId\":\"r2\",\"authChallenge\":"
                   "{\"source\":\"Proxy\",\"origin\":\"http://127.0.0.1:3128\",\"scheme\":\"basic\",\"realm\":\"x\"}}}");
    route(&f, "S", "{\"method\":\"Fetch.authRequired\",\"params\":{\"requestId\":\"r2\",\"authChallenge\":"
                   "{\"source\":\"Proxy\",\"origin\":\"http://127.0.0.1:3128\",\"scheme\":\"basic\",\"realm\":\"x\"}}}");
    const char *const want[] = {
        "Fetch.continueWithAuth@S {\"authChallengeResponse\":{\"response\":\"Default\"},\"requestId\":\"r1\"}",
        "Fetch.continueWithAuth@S {\"authChallengeResponse\":{\"password\":\"s3cret\",\"response\":"
        "\"ProvideCredentials\",\"username\":\"alice\"},\"requestId\":\"r2\"}",
        "Fetch.continueWithAuth@S {\"authChallengeResponse\":{\"response\":\"CancelAuth\"},\"requestId\":\"r2\"}",
    };
    check_sent(f.sent, want, ARRAY_LEN(want));
    fixture_release(&f);
}

static void test_a_page_without_proxy_credentials_gets_no_fetch_at_setup(void)
{
    struct fixture f;
    fixture_init(&f);
    f.p->proxy = xcalloc(1, sizeof *f.p->proxy);
    REQUIRE(proxy_parse("socks5://127.0.0.1:1080", f.p->proxy, NULL) == 0);
    page_session_setup(&f.b, "S", true);
    for (size_t i = 0; i < json_array_size(f.sent); i++) {
        char *line = sent_line(json_array_get(f.sent, i));
        CHECK(strncmp(line, "Fetch.", 6) != 0);
        free(line);
    }
    json_array_clear(f.sent);
    /* a proxy's challenge with nothing to give: Chromium's own way, nothing invented */
    route(&f, "S", "{\"method\":\"Fetch.authRequired\",\"params\":{\"requestId\":\"r3\",\"authChallenge\":"
                   "{\"source\":\"Proxy\",\"origin\":\"http://p\",\"scheme\":\"basic\",\"realm\":\"x\"}}}");
    const char *const want[] = {
        "Fetch.continueWithAuth@S {\"authChallengeResponse\":{\"response\":\"Default\"},\"requestId\":\"r3\"}",
    };
    check_sent(f.sent, want, ARRAY_LEN(want));
    fixture_release(&f);
}

static const struct test_case cases[] = {
    {"each event is one row of one table", test_each_event_is_one_row_of_one_table},
    {"a page session is enabled in order", test_a_page_session_is_enabled_in_order},
    {"an iframe session gets no focus emulation", test_an_iframe_session_gets_no_focus_emulation},
    {"a session is told a desktop identity before it runs", test_a_session_is_told_a_desktop_identity_before_it_runs},
    {"the user's identity is sent as given", test_the_users_identity_is_sent_as_given},
    {"identity values are checked", test_identity_values_are_checked},
    {"events reach the domain that owns them", test_events_reach_the_domain_that_owns_them},
    {"target events come to the browser", test_target_events_come_to_the_browser},
    {"only the proxy's challenge gets the credentials", test_only_the_proxys_challenge_gets_the_credentials},
    {"a page without proxy credentials gets no fetch at setup",
     test_a_page_without_proxy_credentials_gets_no_fetch_at_setup},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
