/* huixin probe URL: finds the mailbox form on a page without a scenario and prints a DRAFT scenario,
 * with a screenshot of the page where the fields it found are outlined. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "common/proxy.h"
#include "driver/page.h"
#include "scenarios/block_list.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"
#include "scenarios/probe.h"

static const char probe_usage[] =
    "Usage: huixin probe URL [-o FILE] [-s PNG] [OPTIONS]\n"
    "\n"
    "Opens URL, finds the mailbox form from its labels and attributes (姓名, 联系电话/手机, 邮箱, 标题,\n"
    "内容, 验证码, 信件类型, 是否公开 ..., also pinyin names such as xm, dh, bt, nr, yzm), looking into\n"
    "iframes when the page itself has none, and prints a DRAFT scenario (see scenarios/FORMAT.md) that\n"
    "fills it with the letter's variables, solves the captcha, sends it and reads the query code. What\n"
    "had to be guessed is written in the draft's site.notes. The draft uses ${base_url} (a default is\n"
    "the URL's origin) and runs as it is: huixin submit DRAFT --captcha prompt.\n"
    "\n";

/* probe-HOST[-PORT].png for http://HOST[:PORT]/... */
static char *default_shot(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, "/?#");
    char *host = xstrndup(h, n);
    for (char *c = host; *c; c++) {
        if (*c == ':' || *c == '@')
            *c = '-';
    }
    char *path = xasprintf("probe-%s.png", *host ? host : "page");
    free(host);
    return path;
}

int cmd_probe(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    const char *url = NULL, *out_path = NULL, *shot_path = NULL;
    char *shot_default = NULL;
    struct browser *b = NULL;
    struct page *p = NULL;
    struct scn_probe_result r;
    memset(&r, 0, sizeof r);
    struct scn_block_list block;
    scn_block_list_init(&block);
    struct proxy proxy;
    memset(&proxy, 0, sizeof proxy);
    bool is_proxied = false;
    struct err e;
    err_init(&e);
    int rc = EXIT_OK;
    const struct opt rows[] = {
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &out_path, .label = "-o, --output FILE",
         .help_width = 23, .needs = "a file name", .help = "write the draft to FILE instead of stdout"},
        {.kind = OPT_STRING, .name = "--screenshot", .alias = "-s", .value = &shot_path,
         .label = "-s, --screenshot PNG", .help_width = 23, .needs = "a file name",
         .help = "the page with the fields it found outlined and labelled\n"
                 "(default probe-HOST.png); its path is printed on stderr"},
        OPT_ROWS_COMMON(&c, true, false, false, false),
        OPT_ROW_TEXT("\n"
                     "Exit status: 0 a draft was made; 1 no mailbox form on the page; 2 usage; 3 a bad --block-list file;\n"
                     "4 browser; 5 site; "
                     "7 I/O.\n"),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "probe", .usage = probe_usage, .rows = rows};
    int n_args;
    enum opts_result parsed = opts_parse(&parser, argc, argv, &n_args);
    if (parsed != OPTS_GO_ON) {
        rc = opts_exit_code(parsed);
        goto out;
    }
    if (n_args > 1) {
        rc = cli_usage_error("probe", "one URL only; '%s' is a second one", argv[2]);
        goto out;
    }
    if (n_args == 1)
        url = argv[1];
    if (!url) {
        rc = cli_usage_error("probe", "which URL? e.g. huixin probe http://www.example.gov.cn/jact/front/mailwrite.do");
        goto out;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        rc = cli_usage_error("probe", "'%s' is not an http(s) URL", url);
        goto out;
    }
    if (!shot_path)
        shot_path = shot_default = default_shot(url);
    if (cli_block_list_open(&c, &block, &e) != 0 || cli_proxy_open(&c, &proxy, &is_proxied, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    struct browser_options bo;
    cli_browser_options(&c, &bo);
    if (browser_open(&bo, &b, &e) < 0 || page_open_via(b, is_proxied ? &proxy : NULL, &p, &e) < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    /* the probed page's own host; a script or image from any other gets the third-party budget, so a
     * hanging widget (jiucuo.js, analytics) does not keep the page from loading */
    char *own = page_url_host(url);
    const char *own_hosts[] = {own};
    int tr = page_thirdparty_set(p, own_hosts, own ? 1 : 0, c.thirdparty_ms, &e);
    free(own);
    if (tr == 0 && block.is_on) {
        size_t n = 0;
        const char **patterns = scn_block_patterns(&block, &n);
        tr = page_thirdparty_block(p, patterns, n, &e);
        free(patterns);
    }
    if (tr < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    struct scn_probe_options po = {c.timeout_ms, shot_path};
    int pr = scn_probe_run(p, url, &po, &r, &e);
    if (r.shot_width_px)
        fprintf(stderr, "huixin probe: screenshot %s (%d elements outlined)\n", shot_path, r.n_outlined);
    if (pr < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    fprintf(stderr, "huixin probe: %zu field(s)%s%s%s found on %s\n", r.n_fields, r.has_captcha ? " and a captcha" : "",
            r.frame ? " inside iframe " : "", r.frame ? r.frame : "", r.final_url);
    if (out_path) {
        if (file_write_atomic(out_path, r.draft, strlen(r.draft), &e) < 0) {
            rc = cli_fail(&e);
            goto out;
        }
        fprintf(stderr, "huixin probe: draft written to %s\n", out_path);
    } else {
        fputs(r.draft, stdout);
    }
out:
    scn_probe_result_release(&r);
    page_close(p);
    browser_close(b);
    scn_block_list_release(&block);
    proxy_release(&proxy);
    free(shot_default);
    return rc;
}
