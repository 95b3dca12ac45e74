/* huixin campaign start FILE: submit the campaign's letter to every site, once; resumable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "scenarios/scenario.h"
#include "scenarios/run.h"
#include "verify/campaign_file.h"
#include "verify/digest.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/visit_setup.h"

static const char usage[] =
    "Usage: huixin campaign start FILE [--captcha SOLVER] [OPTIONS]\n"
    "       huixin campaign list [--store PATH]\n"
    "\n"
    "start: records the campaign and its sites in the ledger, then submits the campaign's letter to every\n"
    "site that has none yet. Run it again after an interruption: a site whose letter was sent is skipped,\n"
    "and a letter is never sent twice (one whose sending was interrupted after the final click is left\n"
    "for a person to settle, with its token). Exit 0 when every site has its letter; 1 when some could\n"
    "not be submitted (提交失败 is a finding too), or a letter whose sending was interrupted is still\n"
    "unsettled: left for a person, or its lookup on the site failed (the next run looks again).\n"
    "\n"
    "Options:\n";

/* The options of campaign start and list (list takes no --captcha). */
struct campaign_args {
    struct cli_common common;
    const char *captcha;
};

#define CAMPAIGN_ROWS(a)                                                                                       \
    {                                                                                                          \
        OPT_ROW_STRING("--captcha", &(a)->captcha, "SOLVER",                                                   \
                       "who answers captchas and ask steps: prompt (read the answer from the terminal),\n"    \
                       "exec:CMD (a captcha's PNG or a JSON request on stdin, answer on stdout),\n"          \
                       "exec-json:CMD, control:URL (fixture sites); a site's own \"captcha\"\n"              \
                       "in the campaign file wins"),                                                           \
            OPT_ROWS_COMMON(&(a)->common, true, true, true, false), OPT_ROW_END,                               \
    }

/* Parses campaign start's or list's arguments (after the subcommand) into a; the rest, in order, go
 * to argv[2..1 + *n_args]. */
static enum opts_result campaign_parse(struct campaign_args *a, int argc, char **argv, bool keeps_unknown,
                                       int *n_args)
{
    cli_common_init(&a->common);
    a->captcha = NULL;
    const struct opt rows[] = CAMPAIGN_ROWS(a);
    const struct opts parser = {.cmd = "campaign", .usage = usage, .rows = rows, .keeps_unknown = keeps_unknown};
    return opts_parse(&parser, argc - 1, argv + 1, n_args);
}

static int sha_of_file(const char *path, char out[DIGEST_HEX_LEN], struct err *e)
{
    return digest_file_sha256_hex(path, out, NULL, e);
}

/* Puts the campaign and its sites into the ledger; site ids in site_ids (n_sites of them). */
static int campaign_record(struct ledger *l, const struct campaign_file *cf, int64_t *site_ids, struct err *e)
{
    struct ledger_campaign c = {.name = cf->name, .authorised_by = cf->authorised_by, .file_path = cf->path,
                                .file_sha256 = (char *)cf->sha256, .created_at_ms = clock_now_ms(),
                                .deletion_min_visits = cf->deletion_min_visits,
                                .deletion_min_gap_ms = (int64_t)cf->deletion_min_gap_hours * 3600000};
    int64_t cid;
    if (ledger_campaign_ensure(l, &c, &cid, e))
        return ERR_STORE;
    for (size_t i = 0; i < cf->n_sites; i++) {
        const struct campaign_site *cs = &cf->sites[i];
        struct scn_scenario *sc = NULL;
        struct scn_diags diags = {0};
        if (scn_scenario_load(cs->scenario_path, &sc, &diags, e)) {
            scn_diags_release(&diags);
            err_prefix(e, "campaign '%s' site '%s'", cf->path, cs->key);
            return ERR_INPUT;
        }
        scn_diags_release(&diags);
        char sha[DIGEST_HEX_LEN];
        if (sha_of_file(cs->scenario_path, sha, e)) {
            scn_scenario_free(sc);
            return ERR_IO;
        }
        /* The entry URL may hold ${base_url}: expand it with the site's variables. */
        struct scn_vars vars;
        scn_vars_init(&vars);
        for (size_t j = 0; j < sc->defaults.n; j++)
            scn_vars_set(&vars, sc->defaults.v[j].name, sc->defaults.v[j].value);
        for (size_t j = 0; j < cs->n_vars; j++)
            scn_vars_set(&vars, cs->vars[j].key, cs->vars[j].value);
        char *entry = NULL;
        if (sc->site.entry_url && scn_vars_expand(&vars, sc->site.entry_url, &entry, e)) {
            err_prefix(e, "campaign '%s' site '%s': entry_url", cf->path, cs->key);
            scn_vars_release(&vars);
            scn_scenario_free(sc);
            return ERR_INPUT;
        }
        scn_vars_release(&vars);
        char *vars_json = campaign_site_vars_json(cs);
        struct ledger_site s = {.campaign_id = cid, .key = cs->key, .name = sc->site.name, .owner = sc->site.owner,
                                .mailbox = sc->site.mailbox, .entry_url = entry, .family = sc->site.family,
                                .deadline_workdays = cs->deadline_workdays   ? cs->deadline_workdays
                                                     : cf->deadline_workdays ? cf->deadline_workdays
                                                                             : sc->site.deadline_workdays,
                                .scenario_path = cs->scenario_path, .scenario_sha256 = sha,
                                .vars_json = vars_json};
        int rc = ledger_site_ensure(l, &s, &site_ids[i], e);
        free(vars_json);
        free(entry);
        scn_scenario_free(sc);
        if (rc)
            return rc;
    }
    return 0;
}

static int campaign_start(int argc, char **argv)
{
    struct campaign_args args;
    int n_args;
    enum opts_result pr = campaign_parse(&args, argc, argv, false, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 1)
        return cli_usage_error("campaign", "unexpected argument '%s'", argv[3]);
    const char *file = n_args ? argv[2] : NULL, *captcha = args.captcha;
    const struct cli_common common = args.common;
    if (!file)
        return cli_usage_error("campaign", "start needs a campaign FILE");

    struct err e;
    err_init(&e);
    struct campaign_file cf;
    if (campaign_file_load(file, &cf, &e))
        return cli_fail(&e);
    struct visit_setup vs;
    int64_t *site_ids = xcalloc(cf.n_sites, sizeof *site_ids);
    int rc = EXIT_OK;
    if (visit_setup_open(&vs, &common, captcha, &e) || campaign_record(vs.ledger, &cf, site_ids, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct visit_letter_fields fields = {.name = cf.letter_name, .phone = cf.letter_phone,
                                         .email = cf.letter_email, .address = cf.letter_address,
                                         .id_card = cf.letter_id_card};
    printf("campaign '%s' (authorised by %s): %zu sites\n", cf.name, cf.authorised_by, cf.n_sites);
    for (size_t i = 0; i < cf.n_sites; i++) {
        struct visit_summary sum;
        struct scn_captcha_solver *site_solver = NULL;
        err_init(&e);
        if (visit_setup_browser_ensure(&vs, &e) ||
            (cf.sites[i].captcha && scn_captcha_solver_parse(cf.sites[i].captcha, common.evidence_dir, &site_solver, &e)) ||
            visit_submit_site(&vs.env, site_ids[i], &fields, site_solver, &sum, &e)) {
            fprintf(stderr, "huixin: %s\n", e.msg);
            rc = cli_exit_from_err(e.code);
            scn_captcha_solver_free(site_solver);
            if (e.code == ERR_STORE || e.code == ERR_INPUT)
                break; /* the ledger or the set-up is broken: stop before doing harm */
            continue;
        }
        scn_captcha_solver_free(site_solver);
        printf("%s\n", sum.line);
        visit_setup_after_visit(&vs, &sum);
        fflush(stdout);
        /* refused, or sent perhaps and not settled (left for a person, its lookup failed): findings, which
         * outweigh a site that did not load (nothing sent, the next start tries again: exit 5) */
        bool is_site_down = sum.is_try_counted && !sum.is_unsettled;
        if (((!sum.was_submitted && !sum.was_skipped && !is_site_down) || sum.is_unsettled) &&
            (rc == EXIT_OK || rc == EXIT_SITE))
            rc = EXIT_FINDINGS;
        else if (is_site_down && rc == EXIT_OK)
            rc = EXIT_SITE;
    }
out:
    visit_setup_close(&vs);
    free(site_ids);
    campaign_file_release(&cf);
    return rc;
}

static int campaign_list(int argc, char **argv)
{
    struct campaign_args args;
    int n_args;
    enum opts_result pr = campaign_parse(&args, argc, argv, true, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (args.captcha)
        return cli_usage_error("campaign", "unexpected argument '%s'", "--captcha");
    if (n_args > 0)
        return cli_usage_error("campaign", "unexpected argument '%s'", argv[2]);
    const struct cli_common common = args.common;
    struct err e;
    err_init(&e);
    struct ledger *l = NULL;
    struct ledger_campaign *all = NULL;
    size_t n = 0;
    if (ledger_open_existing(common.store_path, &l, &e) || ledger_campaign_list(l, &all, &n, &e)) {
        ledger_close(l);
        return cli_fail(&e);
    }
    for (size_t i = 0; i < n; i++) {
        char when[32];
        clock_beijing_format(all[i].created_at_ms, when, sizeof when);
        printf("%s\t%s\tauthorised by %s\n", all[i].name, when, all[i].authorised_by);
    }
    ledger_campaigns_free(all, n);
    ledger_close(l);
    return EXIT_OK;
}

int cmd_campaign(int argc, char **argv)
{
    if (argc < 2 || opts_arg_is_help(argv[1])) {
        struct campaign_args args;
        const struct opt rows[] = CAMPAIGN_ROWS(&args);
        const struct opts parser = {.cmd = "campaign", .usage = usage, .rows = rows};
        opts_help_print(&parser, stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "start") == 0)
        return campaign_start(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return campaign_list(argc, argv);
    return cli_usage_error("campaign", "'%s' is not a campaign command; expected start or list", argv[1]);
}
