/* The driver against hostile pages (tests/integration/pages/hostile/, served by serve.py on 127.0.0.1):
 * dialog loops, beforeunload prompts, endless redirects, a 50 MB page, a response that never ends,
 * popup storms, forms that reload themselves, text no UTF-8 can hold, a script that never yields.
 * Every case is bounded in time, ends with a recorded outcome, and then proves that the page (or, where
 * the renderer is beyond saving, a fresh page) still works. One browser for the file. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "tests/unit/runner.h"
#include "tests/integration/pages_harness.h"
#include "tests/integration/http_helpers.h"

#define T_MS 15000


static void cleanup(void)
{
    pages_cleanup();
}

/* CHECK that took no longer than limit_ms since t0, saying how long it took. */
#define CHECK_WITHIN(t0, limit_ms)                                                                          \
    do {                                                                                                    \
        int64_t took_ = clock_mono_ms() - (t0);                                                             \
        if (took_ > (limit_ms)) {                                                                           \
            fprintf(stderr, "  %s:%d: took %lld ms, expected at most %d\n", __FILE__, __LINE__,             \
                    (long long)took_, (int)(limit_ms));                                                     \
            runner_case_failed = 1;                                                                         \
        }                                                                                                   \
    } while (0)

/* How many POSTs the server has recorded. */
static size_t posts_count(void)
{
    json_t *j = posts_get();
    size_t n = json_array_size(j);
    json_decref(j);
    return n;
}

/* The page still answers: an ordinary page loads on it and its text is read. */
static void page_proves_usable(struct page *p)
{
    char *url = url_a("/form.html");
    int64_t t0 = clock_mono_ms();
    OK(page_goto(p, url, T_MS, &ok_e_));
    char *t = NULL;
    OK(page_text(p, &t, &ok_e_));
    CHECK(t && strstr(t, "标题") != NULL);
    CHECK_WITHIN(t0, T_MS);
    free(t);
    free(url);
}

/* A fresh page on the same browser works (after a case that may have ruined its own page). */
static void browser_proves_usable(void)
{
    struct page *p = page_get();
    page_proves_usable(p);
    page_close(p);
}

/* After a dialog storm the page may be lost: a dialog that opens just as a navigation commits cannot be
 * answered (driver/page.c). Then the next call must fail fast, saying so, and a fresh page must work.
 * Otherwise the page itself proves usable. */
static void page_proves_usable_or_lost(struct page *p)
{
    char *url = url_a("/form.html");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    int rc = page_goto(p, url, T_MS, &e);
    if (rc == ERR_BROWSER) {
        fprintf(stderr, "  (the page was lost: %s)\n", e.msg);
        CHECK(strstr(e.msg, "dialog") && strstr(e.msg, "open a new one"));
        CHECK_WITHIN(t0, 3000);
        browser_proves_usable();
    } else {
        CHECK_INT(rc, 0);
        if (rc != 0)
            fprintf(stderr, "  goto: %s\n", e.msg);
        CHECK_WITHIN(t0, T_MS);
        page_proves_usable(p);
    }
    free(url);
}

/* The peak resident size of this process, in MB (VmHWM). */
static long self_peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

/* ---- cases ---- */

static void test_alert_loop_recorded_and_capped(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/alert-loop.html");
    int64_t t0 = clock_mono_ms();
    OK(page_goto(p, url, 30000, &ok_e_)); /* 300 alerts stand between the page and its load event */
    CHECK_WITHIN(t0, 30000);
    page_wait(p, PAGE_COND_TEXT, "never-there", 1000, NULL); /* the interval's alerts keep coming */
    fprintf(stderr, "  (%zu dialogs recorded of %zu seen in %lld ms)\n", page_dialog_count(p), page_dialog_seen(p),
            (long long)(clock_mono_ms() - t0));
    CHECK_INT(page_dialog_count(p), PAGE_DIALOGS_MAX);
    CHECK(page_dialog_seen(p) > 300);
    const struct page_dialog *d = page_dialog_get(p, 0);
    REQUIRE(d);
    CHECK_STR(d->type, "alert");
    CHECK_STR(d->message, "循环提示 0");
    d = page_dialog_get(p, PAGE_DIALOGS_MAX - 1);
    REQUIRE(d);
    CHECK_STR(d->message, "循环提示 99");
    CHECK(page_dialog_get(p, PAGE_DIALOGS_MAX) == NULL);
    char *v = NULL;
    OK(page_eval(p, "document.getElementById('state').textContent", &v, &ok_e_));
    CHECK_STR(v, "\"alerts done\"");
    free(v);
    page_proves_usable_or_lost(p);
    free(url);
    page_close(p);
}

static void test_alert_forever_times_out_and_page_recovers(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/alert-forever.html");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_goto(p, url, 3000, &e), ERR_TIMEOUT);
    CHECK_WITHIN(t0, 5000);
    CHECK(strstr(e.msg, url) != NULL);
    fprintf(stderr, "  (%zu dialogs recorded of %zu seen)\n", page_dialog_count(p), page_dialog_seen(p));
    CHECK_INT(page_dialog_count(p), PAGE_DIALOGS_MAX);
    CHECK(page_dialog_seen(p) > PAGE_DIALOGS_MAX);
    page_proves_usable_or_lost(p);
    free(url);
    page_close(p);
}

static void test_beforeunload_does_not_block(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/beforeunload.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_click(p, "#touch", T_MS, &ok_e_)); /* Chrome prompts only after a user gesture */
    OK(page_wait(p, PAGE_COND_TEXT, "touched", T_MS, &ok_e_));
    /* navigating away by the driver */
    char *next = url_a("/form.html");
    int64_t t0 = clock_mono_ms();
    OK(page_goto(p, next, T_MS, &ok_e_));
    CHECK_WITHIN(t0, 5000);
    char *now = NULL;
    OK(page_url(p, &now, &ok_e_));
    CHECK_STR(now, next);
    free(now);
    /* navigating away by the page's own link */
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_click(p, "#touch", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_TEXT, "touched", T_MS, &ok_e_));
    size_t before = page_dialog_seen(p);
    t0 = clock_mono_ms();
    OK(page_click(p, "#away", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_URL, "/form.html", T_MS, &ok_e_));
    CHECK_WITHIN(t0, 5000);
    /* the page's own navigation asks: the prompt was recorded and answered "leave" */
    CHECK(page_dialog_seen(p) > before);
    bool has_beforeunload = false;
    for (size_t i = 0; i < page_dialog_count(p); i++)
        if (strcmp(page_dialog_get(p, i)->type, "beforeunload") == 0)
            has_beforeunload = true;
    CHECK(has_beforeunload);
    page_proves_usable(p);
    free(next);
    free(url);
    page_close(p);
}

static void test_http_redirect_loop_is_a_site_error(void)
{
    struct page *p = page_get();
    char *url = url_a("/redirect/0");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_goto(p, url, T_MS, &e), ERR_SITE);
    CHECK_WITHIN(t0, 10000);
    CHECK(strstr(e.msg, "ERR_TOO_MANY_REDIRECTS") != NULL);
    CHECK(strstr(e.msg, url) != NULL);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

static void test_js_location_loop_ends_cleanly(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/js-loop.html");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    int rc = page_goto(p, url, 3000, &e);
    fprintf(stderr, "  (goto: %d %s)\n", rc, e.msg);
    CHECK(rc == 0 || rc == ERR_TIMEOUT);
    CHECK_WITHIN(t0, 5000);
    err_init(&e);
    t0 = clock_mono_ms();
    CHECK_INT(page_wait(p, PAGE_COND_TEXT, "永远不会出现", 2000, &e), ERR_TIMEOUT);
    CHECK_WITHIN(t0, 4000);
    CHECK(strstr(e.msg, "永远不会出现") != NULL);
    /* the loop really ran: the URL moved on past the first few hops */
    char *now = NULL;
    OK(page_url(p, &now, &ok_e_));
    CHECK(now && strstr(now, "js-loop.html?n=") != NULL);
    free(now);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

static void test_fifty_megabyte_page_bounded(void)
{
    struct page *p = page_get();
    char *url = url_a("/big.html?mb=50");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    int rc = page_goto(p, url, 60000, &e);
    fprintf(stderr, "  (goto: %d %s in %lld ms)\n", rc, rc ? e.msg : "loaded", (long long)(clock_mono_ms() - t0));
    CHECK(rc == 0 || rc == ERR_TIMEOUT);
    CHECK_WITHIN(t0, 65000);
    if (rc == ERR_TIMEOUT)
        CHECK(strstr(e.msg, url) != NULL);
    if (rc == 0) {
        char *t = NULL;
        t0 = clock_mono_ms();
        OK(page_text(p, &t, &ok_e_));
        size_t len = t ? strlen(t) : 0;
        fprintf(stderr, "  (page_text: %zu bytes in %lld ms; peak RSS %ld MB)\n", len,
                (long long)(clock_mono_ms() - t0), self_peak_rss_mb());
        CHECK(len > 1000000);
        CHECK(len <= PAGE_TEXT_MAX_BYTES);
        CHECK(t && strncmp(t, "第00000000段", strlen("第00000000段")) == 0);
        free(t);
    }
    /* the whole page's text is 50 MB and more: what we hold must stay well under it times a few */
    long peak = self_peak_rss_mb();
    CHECK(peak > 0 && peak < 400);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

static void test_never_ending_response_times_out_naming_the_url(void)
{
    struct page *p = page_get();
    char *url = url_a("/trickle");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_goto(p, url, 3000, &e), ERR_TIMEOUT);
    CHECK_WITHIN(t0, 4500);
    CHECK(strstr(e.msg, url) != NULL);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

/* A window a click opens, which opens another as it loads, and so on: the click's own window is the
 * one followed (not one of its descendants), the storm guard keeps the rest few, the followed window
 * answers and is captured, and going back to the opener works. */
static void test_popup_of_popups_followed_and_capped(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/popup-chain.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    size_t mark = page_window_mark(p);
    OK(page_click(p, "#go", T_MS, &ok_e_));
    struct err e;
    err_init(&e);
    int rc = page_window_follow(p, mark, T_MS, &e);
    if (rc < 0)
        fprintf(stderr, "  page_window_follow: %s\n", e.msg);
    REQUIRE(rc == 1);
    /* let the chain grow: its next popup opens after a moment, later on a loaded machine */
    for (int64_t t0 = clock_mono_ms(); page_popup_seen(p) < 2 && clock_mono_ms() - t0 < 15000;)
        page_wait(p, PAGE_COND_TEXT, "never-there", 250, NULL);
    page_wait(p, PAGE_COND_TEXT, "never-there", 1000, NULL); /* and a moment more, for the cap */
    fprintf(stderr, "  (%zu popups seen, %zu open)\n", page_popup_seen(p), page_popup_open_count(p));
    CHECK(page_popup_seen(p) >= 2);
    CHECK(page_popup_open_count(p) <= PAGE_POPUPS_OPEN_MAX);
    CHECK_INT((int)page_window_depth(p), 1);
    char *where = NULL;
    int64_t t1 = clock_mono_ms();
    OK(page_url(p, &where, &ok_e_));
    CHECK(where && strstr(where, "first=1") != NULL);
    CHECK_WITHIN(t1, 5000);
    free(where);
    char *shot = xasprintf("/tmp/huixin-popup-chain-%d.png", (int)getpid());
    OK(page_screenshot_full(p, shot, 0, NULL, &ok_e_));
    unlink(shot);
    free(shot);
    OK(page_window_opener(p, &ok_e_));
    CHECK_INT((int)page_window_depth(p), 0);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

static void test_popup_storm_capped_and_page_responds(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/popup-storm.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    /* each call is a user gesture: every window.open in it may pass the popup blocker */
    int64_t t0 = clock_mono_ms();
    for (int i = 0; i < 3; i++) {
        char *v = NULL;
        OK(page_eval(p, "storm(), document.getElementById('out').textContent", &v, &ok_e_));
        free(v);
        OK(page_click(p, "#storm", T_MS, &ok_e_));
    }
    page_wait(p, PAGE_COND_TEXT, "never-there", 2000, NULL); /* let the children open theirs */
    fprintf(stderr, "  (%zu popups recorded of %zu seen, %zu open)\n", page_popup_count(p), page_popup_seen(p),
            page_popup_open_count(p));
    CHECK(page_popup_seen(p) >= 1);
    CHECK(page_popup_count(p) <= PAGE_POPUPS_MAX);
    CHECK(page_popup_count(p) == (page_popup_seen(p) < PAGE_POPUPS_MAX ? page_popup_seen(p) : PAGE_POPUPS_MAX));
    CHECK(page_popup_open_count(p) <= PAGE_POPUPS_OPEN_MAX);
    if (page_popup_count(p) > 0)
        CHECK(strstr(page_popup_url(p, 0), "popup-child.html") != NULL);
    /* the main page still answers at once */
    char *v = NULL;
    int64_t t1 = clock_mono_ms();
    OK(page_eval(p, "1 + 1", &v, &ok_e_));
    CHECK_STR(v, "2");
    CHECK_WITHIN(t1, 2000);
    CHECK_WITHIN(t0, 20000);
    free(v);
    page_proves_usable(p);
    free(url);
    page_close(p);
}

static void test_form_that_reloads_itself(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/reload-form.html");
    size_t before = posts_count();
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_fill(p, "#title", "会重新加载的表单", T_MS, &ok_e_));
    OK(page_click(p, "#send", T_MS, &ok_e_));
    /* the submission reloads the same form: a wait for success ends, by its timeout, with a reason */
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_wait(p, PAGE_COND_TEXT, "提交成功", 2000, &e), ERR_TIMEOUT);
    CHECK_WITHIN(t0, 4000);
    CHECK(strstr(e.msg, "提交成功") != NULL);
    CHECK_INT(posts_count(), before + 1);
    OK(page_wait(p, PAGE_COND_VISIBLE, "#send", T_MS, &ok_e_)); /* the reloaded form is there */
    /* one that submits itself on every load: a loop of POSTs until the page is taken away */
    char *auto_url = url_a("/hostile/reload-form.html?auto=1");
    err_init(&e);
    t0 = clock_mono_ms();
    int rc = page_goto(p, auto_url, 3000, &e);
    CHECK(rc == 0 || rc == ERR_TIMEOUT);
    CHECK_WITHIN(t0, 4500);
    err_init(&e);
    CHECK_INT(page_wait(p, PAGE_COND_TEXT, "提交成功", 1500, &e), ERR_TIMEOUT);
    size_t looped = posts_count();
    fprintf(stderr, "  (the self-submitting form posted %zu times)\n", looped - before - 1);
    CHECK(looped > before + 3);
    page_proves_usable(p);
    /* once the page is elsewhere the loop has stopped */
    size_t after = posts_count();
    page_wait(p, PAGE_COND_TEXT, "never-there", 500, NULL);
    CHECK_INT(posts_count(), after);
    free(auto_url);
    free(url);
    page_close(p);
}

static void test_lone_surrogate_text_read_at_once(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/lone-surrogate.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    char *t = NULL;
    int64_t t0 = clock_mono_ms();
    OK(page_text(p, &t, &ok_e_));
    CHECK_WITHIN(t0, 3000);
    /* the unpaired half becomes U+FFFD */
    CHECK_STR(t, "回复内容 \xEF\xBF\xBD 结束");
    free(t);
    char *title = NULL;
    t0 = clock_mono_ms();
    OK(page_title(p, &title, &ok_e_));
    CHECK_WITHIN(t0, 3000);
    CHECK_STR(title, "标题\xEF\xBF\xBD");
    free(title);
    char *v = NULL;
    t0 = clock_mono_ms();
    OK(page_eval(p, "document.title", &v, &ok_e_));
    CHECK_WITHIN(t0, 3000);
    CHECK_STR(v, "\"标题\xEF\xBF\xBD\"");
    free(v);
    free(url);
    page_close(p);
}

static void test_script_that_never_yields(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/busy-loop.html");
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_goto(p, url, 3000, &e), ERR_TIMEOUT);
    CHECK_WITHIN(t0, 4500);
    CHECK(strstr(e.msg, url) != NULL);
    /* closing it does not wait on the spinning renderer */
    t0 = clock_mono_ms();
    page_close(p);
    CHECK_WITHIN(t0, 12000);
    browser_proves_usable();
    free(url);
}

/* Issue 12, item 8: a 1,000,000 px wide element made "Unable to capture screenshot" (and a 300,000 px
 * page took 23 s and 1.28 GB): the width is clipped as the height is, and the caller is told. */
static void test_very_wide_page_clipped(void)
{
    struct page *p = page_get();
    char *url = url_a("/hostile/very-wide.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    char *path = xasprintf("/tmp/huixin-wide-%d.png", (int)getpid());
    struct page_shot_info info;
    int64_t t0 = clock_mono_ms();
    OK(page_screenshot_full(p, path, 0, &info, &ok_e_));
    CHECK_WITHIN(t0, 20000);
    CHECK(info.is_width_clipped);
    CHECK(info.page_width_px >= 1000000);
    CHECK(info.width_px > 0 && info.width_px <= 4000);
    CHECK(!info.is_truncated);
    unlink(path);
    free(path);
    free(url);
    page_close(p);
}

static const struct test_case cases[] = {
    {"an alert loop is answered, the first 100 recorded and the rest counted", test_alert_loop_recorded_and_capped},
    {"alerts that never stop: goto times out naming the URL, the page recovers",
     test_alert_forever_times_out_and_page_recovers},
    {"a beforeunload prompt never blocks leaving the page", test_beforeunload_does_not_block},
    {"an HTTP redirect loop is ERR_SITE net::ERR_TOO_MANY_REDIRECTS", test_http_redirect_loop_is_a_site_error},
    {"a JavaScript location loop: goto and wait end by their timeouts", test_js_location_loop_ends_cleanly},
    {"a 50 MB page loads or times out; its text is capped", test_fifty_megabyte_page_bounded},
    {"a response that never ends: ERR_TIMEOUT naming the URL", test_never_ending_response_times_out_naming_the_url},
    {"a popup storm is recorded, capped and closed; the page responds", test_popup_storm_capped_and_page_responds},
    {"popups that open popups: the click's own window is followed, the rest capped; back to the opener",
     test_popup_of_popups_followed_and_capped},
    {"a form that reloads itself: the wait ends with a reason, the loop stops on leaving",
     test_form_that_reloads_itself},
    {"text with a lone UTF-16 surrogate is read at once, not dropped", test_lone_surrogate_text_read_at_once},
    {"a script that never yields: goto times out, close is bounded, a new page works",
     test_script_that_never_yields},
    {"a page a million pixels wide is captured clipped, and says so", test_very_wide_page_clipped},
};

int main(int argc, char **argv)
{
    log_init();
    atexit(cleanup);
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
