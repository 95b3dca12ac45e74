/* huixin check: visit letters now and decide their verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/due.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/visit_setup.h"
#include "cli/workers.h"

static const char usage[] =
    "Usage: huixin check [ID...|--due|--all] [--campaign NAME] [OPTIONS]\n"
    "\n"
    "Visits letters now: finds each on its site with its scenario's check phase, reads its state and\n"
    "reply, keeps the evidence, and decides its verdict. IDs are letter numbers from 'huixin status'.\n"
    "\n";

int cmd_check(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    bool all = false, due = false, dry_run = false;
    int jobs = 0;
    const char *campaign = NULL, *captcha = NULL;
    struct schedule_rules rules;
    schedule_rules_init(&rules);
    const struct opt rows[] = {
        OPT_ROW_FLAG("--all", &all, "every submitted letter"),
        OPT_ROW_FLAG("--due", &due, "the letters whose next visit is due (the default)"),
        OPT_ROW_STRING("--campaign", &campaign, "NAME", "only this campaign's letters"),
        OPT_ROW_FLAG("--dry-run", &dry_run, "print the letters --due (or --all) selects, one 'letter N' a line, and\n"
                                            "their count; visit none (no browser, nothing written)"),
        OPT_ROW_STRING("--captcha", &captcha, "SOLVER",
                       "for check phases behind a captcha: prompt, exec:CMD, exec-json:CMD, control:URL"),
        {.kind = OPT_CALL, .name = "--interval", .call = workers_interval_take, .value = &rules, .metavar = "HOURS",
         .help = "the revisit interval --due assumes (default 24)"},
        WORKERS_OPT_JOBS(&jobs, "visit up to N letters at once, each in its own browser context (default:\n"
                                "min(4, CPUs, free memory / 400 MB) to start with, one more every 5 s while\n"
                                "the CPUs are idle a quarter of the time and memory allows, up to 4 x CPUs);\n"
                                "results print as visits end"),
        OPT_ROW_TEXT("\n"
                     "A letter given twice is visited once. A letter another huixin is visiting at the moment (its\n"
                     "lock in the ledger) is skipped with a line saying so ('letter N: being visited by another\n"
                     "huixin (pid P): skipped'): no visit is recorded for it, and it does not change the exit code.\n"
                     "\n"
                     "Exit 0 when every visit was made (whatever it found) or left to the other huixin, 5 when a site\n"
                     "could not be checked (无法核实 for that visit; it is retried later and never taken as a deletion).\n"),
        OPT_ROWS_COMMON(&common, true, true, true, true),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "check", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    int64_t *ids = xcalloc((size_t)n_args + 1, sizeof *ids);
    size_t n_ids = 0;
    for (int i = 1; i <= n_args; i++) {
        const char *a = argv[i];
        char *end;
        long long id = strtoll(a, &end, 10);
        if (*a == '\0' || *end != '\0' || id <= 0) {
            free(ids);
            return cli_usage_error("check", "'%s' is not a letter number (see 'huixin status') or an option", a);
        }
        bool is_repeat = false; /* `check 1 1`: one visit, not two */
        for (size_t k = 0; k < n_ids && !is_repeat; k++)
            is_repeat = ids[k] == id;
        if (!is_repeat)
            ids[n_ids++] = id;
    }
    if ((all || due) && n_ids > 0) {
        free(ids);
        return cli_usage_error("check", "give letter numbers or --all/--due, not both");
    }
    if (dry_run && n_ids > 0) {
        free(ids);
        return cli_usage_error("check", "--dry-run shows what --due or --all selects: give no letter numbers");
    }

    struct err e;
    err_init(&e);
    struct visit_setup vs;
    int rc = EXIT_OK;
    if (visit_setup_open(&vs, &common, captcha, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (n_ids == 0) {
        int64_t campaign_id = 0;
        free(ids);
        ids = NULL;
        int64_t started_ms = clock_mono_ms();
        if (ledger_campaign_id(vs.ledger, campaign, &campaign_id, &e) ||
            due_letters(vs.ledger, vs.cal, campaign_id, clock_now_ms(), &rules, all, &ids, &n_ids, NULL, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        if (dry_run) {
            workers_due_print(ids, n_ids, 0);
            fprintf(stderr, "huixin: selected in %lld ms\n", (long long)(clock_mono_ms() - started_ms));
            goto out;
        }
        if (n_ids == 0) {
            printf("no letter is due for a visit\n");
            goto out;
        }
    }
    int jobs_max; /* --jobs given: that many; not: the pool grows while the machine has room */
    workers_jobs_pick(jobs, captcha, &jobs, &jobs_max);
    if (jobs_max > 1 && n_ids > 1) {
        /* the workers open their own ledger connections; ours is not carried across fork() */
        visit_setup_close(&vs);
        struct workers_options wo = {.common = &common, .captcha_spec = captcha, .jobs = jobs, .jobs_max = jobs_max};
        rc = workers_check_letters(&wo, ids, n_ids);
        free(ids);
        return rc;
    }
    struct workers_options wo = {.common = &common, .captcha_spec = captcha, .jobs = 1};
    rc = workers_check_in_turn(&vs, &wo, ids, n_ids);
out:
    visit_setup_close(&vs);
    free(ids);
    return rc;
}
