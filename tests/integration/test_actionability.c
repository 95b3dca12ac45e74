/* Actionability against a real headless Chromium (issue 14): the driver waits until an element can take
 * the action, and when it never can, says what stood in the way. The pages (tests/integration/pages/
 * actionable-*.html) behave as government write pages do: a button disabled for a countdown, a form
 * sliding in, a notice overlay that fades or stays, a readonly field, aria-disabled links, a disabled
 * fieldset. Bounds on elapsed time are generous (they catch a hang, not slowness). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "tests/unit/runner.h"
#include "tests/integration/pages_harness.h"

#define T_MS 15000

/* A fresh page at /NAME on server a. */
static struct page *page_at(const char *path)
{
    struct page *p = page_get();
    char *url = xasprintf("http://127.0.0.1:%d%s", port_a, path);
    OK(page_goto(p, url, T_MS, &ok_e_));
    free(url);
    return p;
}

/* The text of #out, evaluated on the page. */
static char *out_text(struct page *p)
{
    char *v = NULL;
    OK(page_eval(p, "document.getElementById('out').textContent", &v, &ok_e_));
    return v ? v : xstrdup("");
}

/* The action fails with ERR_SITE, within its timeout and a generous margin, saying want and want2. */
#define CHECK_BLOCKED(call, timeout_ms, want, want2)                                                      \
    do {                                                                                                  \
        struct err e_;                                                                                    \
        err_init(&e_);                                                                                    \
        int64_t t0_ = clock_mono_ms();                                                                    \
        int rc_ = (call);                                                                                 \
        int64_t took_ = clock_mono_ms() - t0_;                                                            \
        CHECK_INT(rc_, ERR_SITE);                                                                         \
        if (!strstr(e_.msg, want) || !strstr(e_.msg, want2))                                              \
            fprintf(stderr, "  message: %s\n", e_.msg);                                                   \
        CHECK(strstr(e_.msg, want) != NULL);                                                              \
        CHECK(strstr(e_.msg, want2) != NULL);                                                             \
        CHECK(took_ >= (timeout_ms) - 50);                                                                \
        CHECK(took_ < (timeout_ms) + 10000);                                                              \
    } while (0)

static void test_countdown_button_clicked_once_enabled(void)
{
    struct page *p = page_at("/actionable-countdown.html?s=2");
    int64_t t0 = clock_mono_ms();
    OK(page_click(p, "#agree", 20000, &ok_e_));
    CHECK(clock_mono_ms() - t0 >= 1000); /* it waited for the countdown, not gave up at once */
    char *t = out_text(p);
    CHECK_STR(t, "\"agreed\"");
    free(t);
    page_close(p);
}

static void test_countdown_that_never_ends_names_the_button_and_its_text(void)
{
    struct page *p = page_at("/actionable-countdown.html?s=-1");
    CHECK_BLOCKED(page_click(p, "#agree", 2500, &e_), 2500, "'#agree' is disabled", "(text '请仔细阅读须知(0)')");
    char *t = out_text(p);
    CHECK_STR(t, "\"waiting\"");
    free(t);
    page_close(p);
}

static void test_sliding_form_clicked_where_it_stops(void)
{
    struct page *p = page_at("/actionable-slide.html");
    OK(page_click(p, "#go", T_MS, &ok_e_));
    char *t = out_text(p);
    CHECK_STR(t, "\"clicked at 61\"");
    free(t);
    page_close(p);
}

static void test_overlay_that_fades_is_waited_out(void)
{
    struct page *p = page_at("/actionable-overlay.html"); /* it fades after 2 s */
    OK(page_click(p, "#go", T_MS, &ok_e_));
    char *t = out_text(p);
    CHECK_STR(t, "\"clicked\"");
    free(t);
    page_close(p);
}

static void test_overlay_that_stays_is_named(void)
{
    struct page *p = page_at("/actionable-overlay.html?ms=-1");
    CHECK_BLOCKED(page_click(p, "#go", 2500, &e_), 2500, "'#go' is covered by div#mask.modal-mask", "网站声明");
    char *t = out_text(p);
    CHECK_STR(t, "\"waiting\"");
    free(t);
    page_close(p);
}

static void test_readonly_field_filled_once_editable(void)
{
    struct page *p = page_at("/actionable-fields.html?ro=1000");
    OK(page_fill(p, "#t", "李明", T_MS, &ok_e_));
    char *v = NULL;
    OK(page_eval(p, "document.getElementById('t').value", &v, &ok_e_));
    CHECK_STR(v, "\"李明\"");
    free(v);
    page_close(p);
}

static void test_readonly_forever_is_named(void)
{
    struct page *p = page_at("/actionable-fields.html?ro=-1");
    CHECK_BLOCKED(page_fill(p, "#t", "李明", 2000, &e_), 2000, "'#t' is readonly", "");
    char *v = NULL;
    OK(page_eval(p, "document.getElementById('t').value", &v, &ok_e_));
    CHECK_STR(v, "\"\"");
    free(v);
    page_close(p);
}

static void test_aria_disabled_link_waited_for(void)
{
    struct page *p = page_at("/actionable-fields.html?aria=1000");
    OK(page_click(p, "#next", T_MS, &ok_e_));
    char *t = out_text(p);
    CHECK_STR(t, "\"next\"");
    free(t);
    page_close(p);
    p = page_at("/actionable-fields.html?aria=-1");
    CHECK_BLOCKED(page_click(p, "#next", 2000, &e_), 2000, "'#next' is disabled (aria-disabled)", "下一步");
    page_close(p);
}

static void test_disabled_fieldset_select_and_hidden(void)
{
    struct page *p = page_at("/actionable-fields.html?sel=1000");
    CHECK_BLOCKED(page_click(p, "#fs-btn", 1500, &e_), 1500, "'#fs-btn' is inside a disabled fieldset", "");
    OK(page_select(p, "#kind", "投诉", true, T_MS, &ok_e_)); /* waits until the select is enabled */
    char *v = NULL;
    OK(page_eval(p, "document.getElementById('kind').value", &v, &ok_e_));
    CHECK_STR(v, "\"2\"");
    free(v);
    CHECK_BLOCKED(page_click(p, "#hidden", 1500, &e_), 1500, "'#hidden' is not visible (display:none)", "");
    page_close(p);
}

static const struct test_case cases[] = {
    {"a button disabled for a countdown is clicked once enabled", test_countdown_button_clicked_once_enabled},
    {"a countdown that never ends: the button and its text are named",
     test_countdown_that_never_ends_names_the_button_and_its_text},
    {"a form sliding in is clicked where it stops", test_sliding_form_clicked_where_it_stops},
    {"an overlay that fades is waited out", test_overlay_that_fades_is_waited_out},
    {"an overlay that stays is named with its text", test_overlay_that_stays_is_named},
    {"a readonly field is filled once it becomes editable", test_readonly_field_filled_once_editable},
    {"a field readonly for good is named", test_readonly_forever_is_named},
    {"an aria-disabled link is waited for, and named when it stays", test_aria_disabled_link_waited_for},
    {"a disabled fieldset and a hidden button are named; a select waits until enabled",
     test_disabled_fieldset_select_and_hidden},
};

int main(int argc, char **argv)
{
    log_init();
    atexit(pages_cleanup);
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
