#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/proxy.h"
#include "driver/page.h"
#include "scenarios/block_list.h"
#include "verify/visit.h"
#include "cli/commands.h"
#include "cli/opts.h"
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
    "              what sites were told of the browser (identity: user_agent, language, timezone),\n"
    "              dialogs, failed requests, other hosts' resources that did not load\n"
    "              (unloaded_resources: url, host, why, after_ms), screenshot size; with\n"
    "              --block-trackers or --block-list, the list (block_list: builtin, user_file,\n"
    "              hosts) and what it blocked (blocked_resources: url, host, why); with --proxy,\n"
    "              the proxy (proxy: scheme, host, port, credentials, by; never the password)\n"
    "\n"
    "Options:\n";

static json_t *capture_meta(struct page *p, struct browser *b, const char *url, int64_t at_ms,
                            const struct page_shot_info *shot, const struct scn_block_list *block,
                            const struct proxy *proxy)
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
    json_t *unloaded = json_array();
    for (size_t i = 0; i < page_unloaded_count(p); i++) {
        const struct page_unloaded *u = page_unloaded_get(p, i);
        json_array_append_new(unloaded, json_pack("{s:s, s:s, s:s, s:I}", "url", u->url, "host", u->host, "why",
                                                  u->why, "after_ms", (json_int_t)u->after_ms));
    }
    json_t *meta = json_pack("{s:s, s:s?, s:i, s:s?, s:s, s:s, s:s, s:o, s:o, s:{s:i, s:i, s:i, s:b}}", "url", url,
                             "final_url", final_url, "http_status", page_http_status(p), "title", title,
                             "captured_at_utc", utc, "captured_at_beijing", bj, "browser", browser_version(b),
                             "dialogs", dialogs, "failed_requests", failed, "screenshot", "width_px", shot->width_px,
                             "height_px", shot->height_px, "page_height_px", shot->page_height_px, "is_truncated",
                             shot->is_truncated);
    json_object_set_new(meta, "unloaded_resources", unloaded);
    struct browser_identity id;
    browser_identity_get(b, &id);
    json_object_set_new(meta, "identity", json_pack("{s:s, s:s, s:s}", "user_agent", id.user_agent, "language",
                                                    id.language, "timezone", id.timezone));
    if (block->is_on) { /* huixin's doing, not the site's failure */
        json_object_set_new(meta, "block_list", visit_block_list_json(block, "command line"));
        json_object_set_new(meta, "blocked_resources", visit_blocked_json(p));
    }
    if (proxy)
        json_object_set_new(meta, "proxy", visit_proxy_json(proxy, "command line"));
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
    struct scn_block_list block;
    struct proxy proxy;
    memset(&proxy, 0, sizeof proxy);
    bool is_proxied = false;
    struct browser_options o;
    cli_browser_options(c, &o);

    if ((rc = cli_block_list_open(c, &block, e)) != 0 || (rc = cli_proxy_open(c, &proxy, &is_proxied, e)) != 0 ||
        (rc = browser_open(&o, &b, e)) != 0)
        goto out;
    if ((rc = page_open_via(b, is_proxied ? &proxy : NULL, &p, e)) != 0)
        goto out;
    char *own = page_url_host(url); /* the page's own host; any other gets a budget */
    const char *own_hosts[] = {own};
    rc = page_thirdparty_set(p, own_hosts, own ? 1 : 0, c->thirdparty_ms, e);
    free(own);
    if (rc != 0)
        goto out;
    if (block.is_on) {
        size_t n = 0;
        const char **patterns = scn_block_patterns(&block, &n);
        rc = page_thirdparty_block(p, patterns, n, e);
        free(patterns);
        if (rc != 0)
            goto out;
    }
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
    meta = capture_meta(p, b, url, at_ms, &shot, &block, is_proxied ? &proxy : NULL);
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
    scn_block_list_release(&block);
    proxy_release(&proxy);
    return rc;
}

int cmd_capture(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    const char *url = NULL, *dir = NULL;
    const struct opt rows[] = {
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &dir, .label = "-o, --output DIR",
         .needs = "a folder", .help = "where to write (created if missing)"},
        OPT_ROWS_COMMON(&c, true, false, false, false),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "capture", .usage = capture_usage, .rows = rows};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 1)
        return cli_usage_error("capture", "one URL only; '%s' is a second one", argv[2]);
    if (n_args == 1)
        url = argv[1];
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
