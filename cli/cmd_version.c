#include <stdio.h>
#include <string.h>

#include "common/base.h"
#include "driver/page.h"
#include "cli/commands.h"
#include "cli/cli.h"
#include "cli/opts.h"

int cmd_version(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    bool is_version_only = false;
    const struct opt rows[] = {
        OPT_ROW_FLAG("--no-browser", &is_version_only, "print huixin's version only"),
        OPT_ROWS_COMMON(&c, true, false, false, false),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "version",
                           .usage = "Usage: huixin version [--no-browser] [options]\n\n"
                                    "Prints huixin's version, then starts the browser (or connects to --browser) "
                                    "and prints its\nversion.\n\nOptions:\n",
                           .rows = rows,
                           .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
    bool has_browser = !is_version_only;
    printf("huixin %s\n", HUIXIN_VERSION);
    fflush(stdout);
    if (!has_browser)
        return EXIT_OK;
    struct browser_options o;
    cli_browser_options(&c, &o);
    struct browser *b = NULL;
    struct err e;
    err_init(&e);
    if (browser_open(&o, &b, &e) != 0)
        return cli_fail(&e);
    printf("browser %s\n", browser_version(b));
    browser_close(b);
    return EXIT_OK;
}
