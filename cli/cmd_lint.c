/* huixin lint FILE...: checks scenario files without a browser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "cli/commands.h"
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
    const char **files = xcalloc((size_t)argc, sizeof *files);
    int n_files = 0, rc = EXIT_OK;
    bool after_dashes = false;
    for (int i = 1; i < argc; i++) {
        if (!after_dashes && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            fputs(lint_help, stdout);
            goto out;
        }
        if (!after_dashes && strcmp(argv[i], "--") == 0) {
            after_dashes = true;
        } else if (!after_dashes && argv[i][0] == '-' && argv[i][1] != '\0') {
            rc = cli_usage_error("lint", "unknown option '%s'", argv[i]);
            goto out;
        } else {
            files[n_files++] = argv[i];
        }
    }
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
    free(files);
    return rc;
}
