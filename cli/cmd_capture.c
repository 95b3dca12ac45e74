#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "driver/page.h"
#include "cli/commands.h"
#include "cli/cli.h"

static const char capture_usage[] =
    "Usage: huixin capture URL [-o DIR] [options]\n"
    "\n"
    "Opens URL in a headless Chromium, waits until it settles, and keeps the evidence in DIR\n"
    "(default: capture-YYYYmmdd-HHMMSS, Beijing time):\n"
    "  page.png    the whole page (very tall pages are joined from slices; cut at 60,000 px)\n"
    "  page.mhtml  the page with its resources, one file\n"
    "  page.txt    its visible text\n"
    "  meta.json   URL, final URL, HTTP status, title, time (UTC and Beijing), browser version,\n"
    "              dialogs, failed requests, screenshot size\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR    where to write (created if missing)\n";

static json_t *capture_meta(struct page *p, struct browser *b, const char *url, int64_t at_ms,
                            const struct page_shot_info *shot)
{
    char utc[32], bj[32];
    clock_utc_format(at_ms, utc, sizeof utc);
    clock_beijing_format(at_ms, bj, sizeof bj);
    char *final_url = NULL, *title = NULL;
    page_url(p, &final_url, NULL);
    page_title(p, &title, NULL);
    json_t *dialogs = json_array();
    for (size_t i = 0; i < page_dialog_count(p); i++) {
        const struct page_dialog *d = page_dialog_get(p, i);
        json_array_append_new(dialogs, json_pack("{s:s, s:s}", "type", d->type, "message", d->message));
    }
    json_t *failed = json_array();
    for (size_t i = 0; i < page_failed_count(p); i++) {
        const struct page_failed_request *f = page_failed_get(p, i);
        json_array_append_new(failed, json_pack("{s:s, s:s}", "url", f->url, "error", f->error));
    }
    json_t *meta = json_pack("{s:s, s:s?, s:i, s:s?, s:s, s:s, s:s, s:o, s:o, s:{s:i, s:i, s:i, s:b}}", "url", url,
                             "final_url", final_url, "http_status", page_http_status(p), "title", title,
                             "captured_at_utc", utc, "captured_at_beijing", bj, "browser", browser_version(b),
                             "dialogs", dialogs, "failed_requests", failed, "screenshot", "width_px", shot->width_px,
                             "height_px", shot->height_px, "page_height_px", shot->page_height_px, "is_truncated",
                             shot->is_truncated);
    free(final_url);
    free(title);
    return meta;
}

static int capture_run(const struct cli_common *c, const char *url, const char *dir, struct err *e)
{
    int rc = 0;
    struct browser *b = NULL;
    struct page *p = NULL;
    char *text = NULL, *meta_text = NULL, *path = NULL;
    json_t *meta = NULL;
    struct page_shot_info shot;
    memset(&shot, 0, sizeof shot);
    struct browser_options o = {0};
    o.chromium_path = c->chromium_path;
    o.endpoint = c->browser_url;
    o.timeout_ms = c->timeout_ms;

    if ((rc = browser_open(&o, &b, e)) != 0)
        goto out;
    if ((rc = page_open(b, &p, e)) != 0)
        goto out;
    if ((rc = page_goto(p, url, c->timeout_ms, e)) != 0)
        goto out;
    int64_t at_ms = clock_now_ms();
    if ((rc = page_settle(p, 500, c->timeout_ms, e)) != 0)
        goto out;
    if ((rc = file_mkdir_p(dir, 0755, e)) != 0)
        goto out;
    path = xasprintf("%s/page.png", dir);
    if ((rc = page_screenshot_full(p, path, 0, &shot, e)) != 0)
        goto out;
    free(path);
    path = xasprintf("%s/page.mhtml", dir);
    if ((rc = page_mhtml_save(p, path, e)) != 0)
        goto out;
    if ((rc = page_text(p, &text, e)) != 0)
        goto out;
    free(path);
    path = xasprintf("%s/page.txt", dir);
    if ((rc = file_write_atomic(path, text, strlen(text), e)) != 0)
        goto out;
    meta = capture_meta(p, b, url, at_ms, &shot);
    meta_text = json_dumps(meta, JSON_SORT_KEYS | JSON_INDENT(2));
    free(path);
    path = xasprintf("%s/meta.json", dir);
    char *with_nl = xasprintf("%s\n", meta_text ? meta_text : "{}");
    rc = file_write_atomic(path, with_nl, strlen(with_nl), e);
    free(with_nl);
out:
    if (rc != 0)
        err_prefix(e, "capture '%s'", url);
    free(path);
    free(text);
    free(meta_text);
    json_decref(meta);
    page_close(p);
    browser_close(b);
    return rc;
}

int cmd_capture(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    const char *url = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s%s", capture_usage, cli_common_help_browser);
            return EXIT_OK;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("capture", "option '%s' needs a folder", a);
            dir = argv[++i];
            continue;
        }
        if (strncmp(a, "--output=", 9) == 0) {
            dir = a + 9;
            continue;
        }
        int r = cli_common_parse(&c, "capture", argc, argv, &i);
        if (r < 0)
            return EXIT_USAGE;
        if (r > 0)
            continue;
        if (a[0] == '-')
            return cli_usage_error("capture", "unknown option '%s'", a);
        if (url)
            return cli_usage_error("capture", "one URL only; '%s' is a second one", a);
        url = a;
    }
    if (!url)
        return cli_usage_error("capture", "which URL? e.g. huixin capture http://www.example.gov.cn/");
    char default_dir[64];
    if (!dir) {
        struct civil_time t = clock_beijing_from_ms(clock_now_ms());
        snprintf(default_dir, sizeof default_dir, "capture-%04d%02d%02d-%02d%02d%02d", t.year, t.month, t.day, t.hour,
                 t.minute, t.second);
        dir = default_dir;
    }
    struct err e;
    err_init(&e);
    if (capture_run(&c, url, dir, &e) != 0)
        return cli_fail(&e);
    printf("%s/page.png\n%s/page.mhtml\n%s/page.txt\n%s/meta.json\n", dir, dir, dir, dir);
    return EXIT_OK;
}
