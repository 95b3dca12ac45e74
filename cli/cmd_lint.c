/* huixin lint FILE...: checks scenario files without a browser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"
#include "scenarios/scenario.h"

static const char lint_help[] =
    "Usage: huixin lint FILE...\n"
    "\n"
    "Checks scenario files without a browser: JSON syntax, duplicate and unknown keys, step kinds, types,\n"
    "required fields, regular expressions, date formats and variables used before they are defined.\n"
    "Prints 'FILE: ok' for a good file, else one line per problem: FILE:LINE:COLUMN: WHERE: WHAT.\n"
    "Exit status: 0 if every file is good, 3 if any is not.\n";

int cmd_lint(int argc, char **argv)
{
    const struct opt rows[] = {OPT_ROW_END};
    const struct opts parser = {.cmd = "lint", .usage = lint_help, .rows = rows, .ends_at_dashes = true};
    int n_files, rc = EXIT_OK;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_files);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    char **files = argv + 1;
    if (n_files == 0) {
        rc = cli_usage_error("lint", "expected one or more scenario files");
        goto out;
    }
    for (int i = 0; i < n_files; i++) {
        struct scn_scenario *s = NULL;
        struct scn_diags d = {NULL, 0};
        struct err e;
        err_init(&e);
        if (scn_scenario_load(files[i], &s, &d, &e) == 0) {
            printf("%s: ok\n", files[i]);
        } else {
            rc = EXIT_INPUT;
            for (size_t k = 0; k < d.n; k++)
                printf("%s\n", d.lines[k]);
            if (d.n == 0)
                printf("%s: %s\n", files[i], e.msg);
        }
        scn_diags_release(&d);
        scn_scenario_free(s);
    }
out:
    return rc;
}
