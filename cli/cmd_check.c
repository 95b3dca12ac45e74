/* huixin check: visit letters now and decide their verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/due.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/visit_setup.h"
#include "cli/workers.h"

static const char usage[] =
    "Usage: huixin check [ID...|--due|--all] [--campaign NAME] [OPTIONS]\n"
    "\n"
    "Visits letters now: finds each on its site with its scenario's check phase, reads its state and\n"
    "reply, keeps the evidence, and decides its verdict. IDs are letter numbers from 'huixin status'.\n"
    "\n"
    "  --all               every submitted letter\n"
    "  --due               the letters whose next visit is due (the default)\n"
    "  --campaign NAME     only this campaign's letters\n"
    "  --captcha SOLVER    for check phases behind a captcha: prompt, exec:CMD, control:URL\n"
    "  --interval HOURS    the revisit interval --due assumes (default 24)\n"
    "  --jobs N, -j N      visit up to N letters at once, each in its own browser context (default:\n"
    "                      min(4, CPUs, free memory / 400 MB)); results print as visits end\n"
    "\n"
    "A letter given twice is visited once. A letter another huixin is visiting at the moment (its\n"
    "lock in the ledger) is skipped with a line saying so ('letter N: being visited by another\n"
    "huixin (pid P): skipped'): no visit is recorded for it, and it does not change the exit code.\n"
    "\n"
    "Exit 0 when every visit was made (whatever it found) or left to the other huixin, 5 when a site\n"
    "could not be checked (无法核实 for that visit; it is retried later and never taken as a deletion).\n";

int cmd_check(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    bool all = false, due = false;
    int jobs = 0;
    const char *campaign = NULL, *captcha = NULL;
    int64_t *ids = xcalloc((size_t)argc + 1, sizeof *ids);
    size_t n_ids = 0;
    struct schedule_rules rules;
    schedule_rules_init(&rules);
    for (int i = 1; i < argc; i++) {
        int r = cli_common_parse(&common, "check", argc, argv, &i);
        if (r < 0) {
            free(ids);
            return EXIT_USAGE;
        }
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s%s%s%s%s", usage, cli_common_help_browser, cli_common_help_store, cli_common_help_evidence,
                   cli_common_help_calendar);
            free(ids);
            return EXIT_OK;
        } else if (strcmp(a, "--all") == 0) {
            all = true;
        } else if (strcmp(a, "--due") == 0) {
            due = true;
        } else if (strcmp(a, "--campaign") == 0 && i + 1 < argc) {
            campaign = argv[++i];
        } else if ((strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) && i + 1 < argc) {
            if (workers_jobs_parse("check", argv[++i], &jobs) != 0) {
                free(ids);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--captcha") == 0 && i + 1 < argc) {
            captcha = argv[++i];
        } else if (strcmp(a, "--interval") == 0 && i + 1 < argc) {
            char *end;
            double h = strtod(argv[++i], &end);
            if (*end || h <= 0 || h > 24 * 90) {
                free(ids);
                return cli_usage_error("check", "--interval '%s': expected hours, more than 0", argv[i]);
            }
            rules.interval_ms = (int64_t)(h * 3600 * 1000);
        } else {
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
    }
    if ((all || due) && n_ids > 0) {
        free(ids);
        return cli_usage_error("check", "give letter numbers or --all/--due, not both");
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
        if (ledger_campaign_id(vs.ledger, campaign, &campaign_id, &e) ||
            due_letters(vs.ledger, vs.cal, campaign_id, clock_now_ms(), &rules, all, &ids, &n_ids, NULL, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        if (n_ids == 0) {
            printf("no letter is due for a visit\n");
            goto out;
        }
    }
    if (jobs == 0)
        jobs = workers_jobs_default();
    /* a captcha typed at the terminal cannot be asked of several workers at once */
    if (jobs > 1 && captcha && strcmp(captcha, "prompt") == 0)
        jobs = 1;
    if (jobs > 1 && n_ids > 1) {
        /* the workers open their own ledger connections; ours is not carried across fork() */
        visit_setup_close(&vs);
        struct workers_options wo = {.common = &common, .captcha_spec = captcha, .jobs = jobs};
        rc = workers_check_letters(&wo, ids, n_ids);
        free(ids);
        return rc;
    }
    for (size_t i = 0; i < n_ids; i++) {
        struct visit_summary sum;
        err_init(&e);
        if (visit_setup_browser_ensure(&vs, &e) || visit_check_letter(&vs.env, ids[i], &sum, &e)) {
            fprintf(stderr, "huixin: letter %lld: %s\n", (long long)ids[i], e.msg);
            rc = cli_exit_from_err(e.code);
            if (e.code == ERR_STORE)
                break;
            continue;
        }
        /* a letter another huixin is visiting: said, and no failure (that visit is being made) */
        printf("letter %lld%s%s\n", (long long)ids[i], sum.was_busy ? ": " : " ", sum.line);
        visit_setup_after_visit(&vs, &sum);
        fflush(stdout);
        if (sum.outcome == VISIT_FAILED && rc == EXIT_OK)
            rc = EXIT_SITE;
    }
out:
    visit_setup_close(&vs);
    free(ids);
    return rc;
}
