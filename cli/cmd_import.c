/* huixin import: register a letter someone else wrote (a citizen's complaint) so huixin can verify it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "scenarios/scenario.h"
#include "scenarios/vars.h"
#include "verify/digest.h"
#include "verify/ledger.h"
#include "cli/visit_setup.h"

static const char usage[] =
    "Usage: huixin import SCENARIO --var query_code=CODE [--var letter_no=NO] [--var base_url=URL]\n"
    "                     [--submitted 'YYYY-MM-DD HH:MM'] [--site-key KEY] [--campaign NAME]\n"
    "                     [--authorised-by WHO] [--check] [OPTIONS]\n"
    "\n"
    "Registers a letter that someone else sent (a citizen who says the letter vanished or was never\n"
    "answered) so that huixin can check it like its own: the scenario's check phase finds it with the\n"
    "variables given (query code, letter number, detail URL). --check visits it at once.\n"
    "\n"
    "  --submitted TIME    when it was sent, Beijing time; default: the 来信时间 the site shows, read on\n"
    "                      the first successful check (until then the verdict is 无法核实)\n"
    "  --site-key KEY      the site's short name in the ledger (default: the scenario file's name)\n"
    "  --campaign NAME     the campaign it belongs to (default: 'ad-hoc'; created if missing)\n"
    "  --authorised-by WHO who asked for the verification (default: '$USER, ad hoc verification')\n"
    "  --check             check the letter now\n";

static char *default_site_key(const char *scenario_path)
{
    const char *base = strrchr(scenario_path, '/');
    base = base ? base + 1 : scenario_path;
    char *key = xstrdup(base);
    char *dot = strrchr(key, '.');
    if (dot && dot != key)
        *dot = '\0';
    return key;
}

int cmd_import(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    const char *scenario_path = NULL, *site_key_arg = NULL, *campaign = "ad-hoc", *who = NULL;
    bool check_now = false;
    struct scn_vars vars;
    scn_vars_init(&vars);
    int64_t submitted_ms = 0;
    struct err e;
    err_init(&e);
    int rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int r = cli_common_parse(&common, "import", argc, argv, &i);
        if (r < 0) {
            scn_vars_release(&vars);
            return EXIT_USAGE;
        }
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s%s%s", usage, cli_common_help_browser, cli_common_help_store);
            scn_vars_release(&vars);
            return EXIT_OK;
        } else if (strcmp(a, "--var") == 0 && i + 1 < argc) {
            if (scn_vars_set_arg(&vars, argv[++i], &e) < 0) {
                scn_vars_release(&vars);
                return cli_usage_error("import", "%s", e.msg);
            }
        } else if (strcmp(a, "--submitted") == 0 && i + 1 < argc) {
            if (clock_beijing_parse(argv[++i], &submitted_ms) != 0) {
                scn_vars_release(&vars);
                return cli_usage_error("import", "--submitted '%s': expected Beijing time 'YYYY-MM-DD HH:MM'",
                                       argv[i]);
            }
        } else if (strcmp(a, "--site-key") == 0 && i + 1 < argc) {
            site_key_arg = argv[++i];
        } else if (strcmp(a, "--campaign") == 0 && i + 1 < argc) {
            campaign = argv[++i];
        } else if (strcmp(a, "--authorised-by") == 0 && i + 1 < argc) {
            who = argv[++i];
        } else if (strcmp(a, "--check") == 0) {
            check_now = true;
        } else if (a[0] == '-') {
            scn_vars_release(&vars);
            return cli_usage_error("import", "unknown option '%s'", a);
        } else if (!scenario_path) {
            scenario_path = a;
        } else {
            scn_vars_release(&vars);
            return cli_usage_error("import", "unexpected argument '%s'", a);
        }
    }
    if (!scenario_path) {
        scn_vars_release(&vars);
        return cli_usage_error("import", "give the SCENARIO of the site the letter was sent to");
    }
    const char *code = scn_vars_get(&vars, "query_code");
    const char *number = scn_vars_get(&vars, "letter_no");
    const char *detail = scn_vars_get(&vars, "detail_url");
    if (!code && !number && !detail) {
        scn_vars_release(&vars);
        return cli_usage_error("import", "give what finds the letter: --var query_code=..., letter_no=... or detail_url=...");
    }

    struct scn_scenario *sc = NULL;
    struct visit_setup vs;
    bool has_setup = false;
    char *site_key = site_key_arg ? xstrdup(site_key_arg) : default_site_key(scenario_path);
    char *who_default = xasprintf("%s, ad hoc verification", getenv("USER") ? getenv("USER") : "unknown");
    char *vars_json = NULL, *token = NULL, *entry = NULL;
    if (scn_scenario_load(scenario_path, &sc, NULL, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (!sc->has_check) {
        fprintf(stderr, "huixin: scenario '%s' has no check phase: huixin cannot look the letter up\n", scenario_path);
        rc = EXIT_INPUT;
        goto out;
    }
    if (visit_setup_open(&vs, &common, NULL, &e)) {
        has_setup = true;
        rc = cli_fail(&e);
        goto out;
    }
    has_setup = true;
    struct ledger_campaign c = {.name = (char *)campaign, .authorised_by = (char *)(who ? who : who_default),
                                .created_at_ms = clock_now_ms(), .deletion_min_visits = 2,
                                .deletion_min_gap_ms = 3600000};
    int64_t cid, sid, lid;
    char sha[DIGEST_HEX_LEN];
    vars_json = visit_vars_to_json(&vars);
    if (sc->site.entry_url)
        scn_vars_expand(&vars, sc->site.entry_url, &entry, NULL);
    if (ledger_campaign_ensure(vs.ledger, &c, &cid, &e) || digest_file_sha256_hex(scenario_path, sha, NULL, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct ledger_site s = {.campaign_id = cid, .key = site_key, .name = sc->site.name, .owner = sc->site.owner,
                            .mailbox = sc->site.mailbox, .entry_url = entry, .family = sc->site.family,
                            .deadline_workdays = sc->site.deadline_workdays, .scenario_path = (char *)scenario_path,
                            .scenario_sha256 = sha, .vars_json = vars_json};
    token = xasprintf("import:%s:%s", site_key, code ? code : number ? number : detail);
    struct ledger_letter t = {.state = LETTER_IMPORTED, .token = token, .intent_at_ms = clock_now_ms(),
                              .submitted_at_ms = submitted_ms, .query_code = (char *)code,
                              .letter_no = (char *)number, .detail_url = (char *)detail, .vars_json = vars_json};
    if (ledger_site_ensure(vs.ledger, &s, &sid, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    t.site_id = sid;
    if (ledger_letter_add(vs.ledger, &t, &lid, &e)) {
        if (strstr(e.msg, "UNIQUE"))
            fprintf(stderr, "huixin: this letter (%s) is already in the ledger '%s'\n", token, common.store_path);
        else
            fprintf(stderr, "huixin: %s\n", e.msg);
        rc = EXIT_STORE;
        goto out;
    }
    printf("imported letter %lld for site '%s' in campaign '%s'\n", (long long)lid, site_key, campaign);
    if (check_now) {
        struct visit_summary sum;
        fflush(stdout);
        if (visit_setup_browser_ensure(&vs, &e) || visit_check_letter(&vs.env, lid, &sum, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        printf("letter %lld %s\n", (long long)lid, sum.line);
        if (sum.outcome == VISIT_FAILED)
            rc = EXIT_SITE;
    }
out:
    if (has_setup)
        visit_setup_close(&vs);
    scn_scenario_free(sc);
    scn_vars_release(&vars);
    free(site_key);
    free(who_default);
    free(vars_json);
    free(token);
    free(entry);
    return rc;
}
