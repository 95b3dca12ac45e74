/* New tabs and windows (driver/page_window.c) against a real headless Chromium and the fixture pages
 * windows-index.html (a target=_blank link, window.open with and without noopener, a late window.open,
 * a form posted into a new window) and windows-write.html (the form; a link opening itself again in a
 * new tab; a button that closes its window). Every wait is bounded; tests/run.sh bounds the file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "tests/unit/runner.h"
#include "tests/integration/pages_harness.h"
#include "tests/integration/http_helpers.h"

#define T_MS 15000

static char tmp_dir[] = "/tmp/huixin-test-windows-XXXXXX";
static bool has_tmp;

static void cleanup(void)
{
    pages_cleanup();
    if (has_tmp)
        file_remove_tree(tmp_dir, NULL);
}

static char *text_of(struct page *p)
{
    char *t = NULL;
    struct err e;
    err_init(&e);
    if (page_text(p, &t, &e) != 0)
        fprintf(stderr, "  page_text: %s\n", e.msg);
    return t ? t : xstrdup("");
}

static bool text_has(struct page *p, const char *needle)
{
    char *t = text_of(p);
    bool has = strstr(t, needle) != NULL;
    free(t);
    return has;
}

static struct page *index_open(void)
{
    struct page *p = page_get();
    char *url = url_a("/windows-index.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    free(url);
    return p;
}

/* Clicks sel and follows the window it opens; true when one was followed. */
static bool click_and_follow(struct page *p, const char *sel)
{
    size_t mark = page_window_mark(p);
    OK(page_click(p, sel, T_MS, &ok_e_));
    struct err e;
    err_init(&e);
    int rc = page_window_follow(p, mark, T_MS, &e);
    if (rc < 0)
        fprintf(stderr, "  page_window_follow: %s\n", e.msg);
    return rc == 1;
}

static void shot_ok(struct page *p, const char *name)
{
    char *path = xasprintf("%s/%s.png", tmp_dir, name);
    struct page_shot_info info;
    int64_t t0 = clock_mono_ms();
    OK(page_screenshot_full(p, path, 0, &info, &ok_e_));
    CHECK(clock_mono_ms() - t0 < 40000);
    CHECK(info.height_px > 0);
    free(path);
}

/* ---- cases ---- */

static void test_target_blank_followed_and_opener_back(void)
{
    struct page *p = index_open();
    REQUIRE(click_and_follow(p, "#blank"));
    CHECK_INT((int)page_window_depth(p), 1);
    OK(page_wait(p, PAGE_COND_TEXT, "写信页面", T_MS, &ok_e_));
    char *url = NULL;
    OK(page_url(p, &url, &ok_e_));
    CHECK(url && strstr(url, "windows-write.html") != NULL);
    free(url);
    shot_ok(p, "blank-new");
    OK(page_window_opener(p, &ok_e_));
    CHECK_INT((int)page_window_depth(p), 0);
    CHECK(text_has(p, "市长信箱首页"));
    shot_ok(p, "blank-opener");
    CHECK_INT((int)page_window_used_count(p), 1);
    page_close(p);
}

/* The hang of issue 15: a target=_blank click not followed leaves the page on a tab in the background,
 * whose Page.captureScreenshot Chrome never answered. It must now be captured, well within a bound. */
static void test_background_tab_captured_within_bound(void)
{
    struct page *p = index_open();
    size_t mark = page_window_mark(p);
    OK(page_click(p, "#blank", T_MS, &ok_e_));
    /* wait until the new tab is there (and in front), without following it */
    int64_t until = clock_mono_ms() + T_MS;
    while (page_popup_count(p) == mark && clock_mono_ms() < until)
        page_wait(p, PAGE_COND_TEXT, "no such text", 200, NULL);
    REQUIRE(page_popup_count(p) > mark);
    page_wait(p, PAGE_COND_TEXT, "no such text", 1000, NULL); /* let it load and take the front */
    CHECK_INT((int)page_window_depth(p), 0);
    shot_ok(p, "background");
    CHECK(text_has(p, "市长信箱首页"));
    page_close(p);
}

static void test_window_open_followed(void)
{
    struct page *p = index_open();
    REQUIRE(click_and_follow(p, "#open"));
    OK(page_wait(p, PAGE_COND_TEXT, "写信页面", T_MS, &ok_e_));
    page_close(p);
}

static void test_window_open_noopener_followed(void)
{
    struct page *p = index_open();
    REQUIRE(click_and_follow(p, "#noopener"));
    OK(page_wait(p, PAGE_COND_TEXT, "写信页面", T_MS, &ok_e_));
    OK(page_fill(p, "#title", "无opener的窗口", T_MS, &ok_e_));
    page_close(p);
}

static void test_form_posted_into_new_window(void)
{
    struct page *p = index_open();
    json_t *before_posts = posts_get();
    size_t before = json_array_size(before_posts);
    json_decref(before_posts);
    OK(page_fill(p, "#title", "投到新窗口", T_MS, &ok_e_));
    REQUIRE(click_and_follow(p, "#send"));
    OK(page_wait(p, PAGE_COND_TEXT, "提交成功", T_MS, &ok_e_));
    json_t *posts = posts_get();
    REQUIRE(json_array_size(posts) == before + 1);
    json_t *f = json_object_get(json_object_get(json_array_get(posts, before), "fields"), "title");
    CHECK_STR(json_string_value(json_array_get(f, 0)), "投到新窗口");
    json_decref(posts);
    /* its alert came in the new window and was answered there */
    CHECK(page_dialog_count(p) >= 1);
    shot_ok(p, "form-new");
    page_close(p);
}

/* Each way of opening a window is counted as asked for by the time the click's answer is back; a
 * click that opens none is not, and a window opened later from a timer is counted when it comes. */
static void test_window_asked_known_when_click_returns(void)
{
    static const char *const openers[] = {"#blank", "#open", "#noopener", "#send"};
    for (size_t i = 0; i < ARRAY_LEN(openers); i++) {
        struct page *p = index_open();
        uint64_t before = page_window_asked(p);
        OK(page_click(p, openers[i], T_MS, &ok_e_));
        if (page_window_asked(p) != before + 1)
            fprintf(stderr, "  %s: asked %llu times\n", openers[i], (unsigned long long)(page_window_asked(p) - before));
        CHECK(page_window_asked(p) == before + 1);
        page_close(p);
    }
    struct page *p = index_open();
    uint64_t before = page_window_asked(p);
    OK(page_click(p, "#nothing", T_MS, &ok_e_));
    CHECK(page_window_asked(p) == before);
    OK(page_click(p, "#late", T_MS, &ok_e_));
    CHECK(page_window_asked(p) == before);
    int64_t until = clock_mono_ms() + T_MS;
    while (page_window_asked(p) == before && clock_mono_ms() < until)
        page_wait(p, PAGE_COND_TEXT, "no such text", 200, NULL);
    CHECK(page_window_asked(p) == before + 1);
    page_close(p);
}

/* No window opened: following looks and comes back with 0 */
static void test_no_window_follows_nothing(void)
{
    struct page *p = index_open();
    size_t mark = page_window_mark(p);
    OK(page_click(p, "#nothing", T_MS, &ok_e_));
    struct err e;
    err_init(&e);
    CHECK_INT(page_window_follow(p, mark, 500, &e), 0);
    CHECK_INT((int)page_window_depth(p), 0);
    CHECK(text_has(p, "点过了"));
    err_init(&e);
    CHECK(page_window_opener(p, &e) != 0);
    page_close(p);
}

/* A window opened late (after the click's moment) is followed by the next wait, when armed */
static void test_late_window_followed_by_armed_wait(void)
{
    struct page *p = index_open();
    size_t mark = page_window_mark(p);
    OK(page_click(p, "#late", T_MS, &ok_e_));
    page_window_arm(p, mark);
    struct err e;
    err_init(&e);
    CHECK_INT(page_window_armed_wait(p, 300, &e), 0);
    OK(page_wait(p, PAGE_COND_TEXT, "写信页面", T_MS, &ok_e_));
    CHECK_INT((int)page_window_depth(p), 1);
    page_close(p);
}

/* A popup's popup, then a window that closes itself: back on its opener */
static void test_popup_of_popup_and_self_close(void)
{
    struct page *p = index_open();
    REQUIRE(click_and_follow(p, "#blank"));
    OK(page_wait(p, PAGE_COND_TEXT, "写信页面", T_MS, &ok_e_));
    REQUIRE(click_and_follow(p, "#again"));
    CHECK_INT((int)page_window_depth(p), 2);
    OK(page_wait(p, PAGE_COND_URL, "again=1", T_MS, &ok_e_));
    OK(page_click(p, "#close", T_MS, &ok_e_));
    int64_t until = clock_mono_ms() + T_MS;
    while (page_window_depth(p) == 2 && clock_mono_ms() < until)
        page_wait(p, PAGE_COND_TEXT, "no such text", 200, NULL);
    CHECK_INT((int)page_window_depth(p), 1);
    char *url = NULL;
    OK(page_url(p, &url, &ok_e_));
    CHECK(url && strstr(url, "windows-write.html") && !strstr(url, "again"));
    free(url);
    shot_ok(p, "after-close");
    OK(page_window_opener(p, &ok_e_));
    CHECK(text_has(p, "市长信箱首页"));
    page_close(p);
}

static const struct test_case cases[] = {
    {"a target=_blank link's tab is followed, and the opener taken back", test_target_blank_followed_and_opener_back},
    {"a tab left in the background is captured within a bound (issue 15's hang)",
     test_background_tab_captured_within_bound},
    {"a window.open() window is followed", test_window_open_followed},
    {"a noopener window.open() window is followed and filled", test_window_open_noopener_followed},
    {"a form posted into a new window: its answer and alert are in the window followed",
     test_form_posted_into_new_window},
    {"a click that opens no window follows nothing", test_no_window_follows_nothing},
    {"a window a click asks for is known when the click returns; none asked, none counted",
     test_window_asked_known_when_click_returns},
    {"a window opened late is followed by the next wait when armed", test_late_window_followed_by_armed_wait},
    {"a popup's popup is followed; one that closes itself puts the page back on its opener",
     test_popup_of_popup_and_self_close},
};

int main(int argc, char **argv)
{
    log_init();
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    has_tmp = true;
    atexit(cleanup);
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
