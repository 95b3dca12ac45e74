#include <stdio.h>
#include <string.h>

#include "common/base.h"
#include "driver/page.h"
#include "cli/commands.h"
#include "cli/cli.h"

int cmd_version(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    bool has_browser = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: huixin version [--no-browser] [options]\n\n"
                   "Prints huixin's version, then starts the browser (or connects to --browser) and prints its\n"
                   "version.\n\nOptions:\n"
                   "  --no-browser        print huixin's version only\n%s",
                   cli_common_help_browser);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--no-browser") == 0) {
            has_browser = false;
            continue;
        }
        int r = cli_common_parse(&c, "version", argc, argv, &i);
        if (r < 0)
            return EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("version", "unexpected argument '%s'", argv[i]);
    }
    printf("huixin %s\n", HUIXIN_VERSION);
    fflush(stdout);
    if (!has_browser)
        return EXIT_OK;
    struct browser_options o = {0};
    o.chromium_path = c.chromium_path;
    o.endpoint = c.browser_url;
    o.timeout_ms = c.timeout_ms;
    struct browser *b = NULL;
    struct err e;
    err_init(&e);
    if (browser_open(&o, &b, &e) != 0)
        return cli_fail(&e);
    printf("browser %s\n", browser_version(b));
    browser_close(b);
    return EXIT_OK;
}
