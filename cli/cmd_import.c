/* huixin import: register a letter someone else wrote (a citizen's complaint) so huixin can verify it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "scenarios/scenario.h"
#include "scenarios/vars.h"
#include "verify/digest.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/visit_setup.h"

static const char usage[] =
    "Usage: huixin import SCENARIO --var NAME=VALUE... [--var base_url=URL]\n"
    "                     [--submitted 'YYYY-MM-DD HH:MM'] [--site-key KEY] [--campaign NAME]\n"
    "                     [--authorised-by WHO] [--check] [OPTIONS]\n"
    "\n"
    "Registers a letter that someone else sent (a citizen who says the letter vanished or was never\n"
    "answered) so that huixin can check it like its own: the scenario's check phase finds it with the\n"
    "variables given. Give at least one of those the check phase uses to find a letter:\n"
    "  query_code, letter_no   the query code, the letter number (a query form)\n"
    "  detail_url              the letter's own page\n"
    "  letter.token            a unique text of the letter (a message on a board, found by the list\n"
    "                          search): kept as the letter's token in the ledger\n"
    "  letter.title            its title, for a scenario whose list search looks for ${letter.title}\n"
    "--check visits it at once.\n"
    "\n";

static int import_submitted_take(const char *cmd, const char *name, const char *v, void *user)
{
    (void)name;
    if (clock_beijing_parse(v, user) != 0)
        return cli_usage_error(cmd, "--submitted '%s': expected Beijing time 'YYYY-MM-DD HH:MM'", v);
    return 0;
}

/* What can find one letter again: the variables a check phase uses to tell it from the others. */
static const char *const finders[] = {"query_code", "letter_no", "detail_url", "letter.token", "letter.title"};

/* The finders the scenario's check phase uses, as bits of finders[]. */
static int finder_ref(const char *name, void *user)
{
    unsigned *used = user;
    for (size_t i = 0; i < ARRAY_LEN(finders); i++) {
        if (strcmp(finders[i], name) == 0)
            *used |= 1u << i;
    }
    return 0;
}

static void finders_join(unsigned bits, struct buf *out)
{
    for (size_t i = 0; i < ARRAY_LEN(finders); i++) {
        if (bits & (1u << i))
            buf_printf(out, "%s%s", out->len ? ", " : "", finders[i]);
    }
}

/* The rule: at least one finder given, and (when the check phase uses any) one that it uses. */
static int finders_check(const struct scn_scenario *sc, const char *scenario_path, const struct scn_vars *vars)
{
    unsigned used = 0, given = 0;
    scn_check_refs_each(sc, finder_ref, &used);
    for (size_t i = 0; i < ARRAY_LEN(finders); i++) {
        const char *v = scn_vars_get(vars, finders[i]);
        if (v && !*v)
            return cli_usage_error("import", "--var %s= is empty", finders[i]);
        if (v)
            given |= 1u << i;
    }
    if (used == 0)
        used = (1u << ARRAY_LEN(finders)) - 1; /* a check phase that names none: any may help */
    if (given & used)
        return EXIT_OK;
    struct buf want;
    buf_init(&want);
    finders_join(used, &want);
    int rc = given ? cli_usage_error("import", "scenario '%s' finds a letter by %s, and none of them was given: "
                                               "give one with --var NAME=VALUE",
                                     scenario_path, buf_str(&want))
                   : cli_usage_error("import", "give what finds the letter: scenario '%s' finds it by %s "
                                               "(--var NAME=VALUE)",
                                     scenario_path, buf_str(&want));
    buf_release(&want);
    return rc;
}

/* The site keeps the variables that are not one letter's own (base_url, the scenario's vars): another
 * letter imported to the same site must not see this one's token or query code. */
static char *site_vars_json(const struct scn_vars *vars)
{
    struct scn_vars sv;
    scn_vars_init(&sv);
    for (size_t i = 0; i < vars->n; i++) {
        bool is_letters = strncmp(vars->v[i].name, "letter.", 7) == 0;
        for (size_t j = 0; j < ARRAY_LEN(finders); j++)
            is_letters = is_letters || strcmp(vars->v[i].name, finders[j]) == 0;
        if (!is_letters)
            scn_vars_set(&sv, vars->v[i].name, vars->v[i].value);
    }
    char *json = visit_vars_to_json(&sv);
    scn_vars_release(&sv);
    return json;
}

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
    const struct opt rows[] = {
        {.kind = OPT_CALL, .name = "--var", .call = cli_var_take, .value = &vars, .metavar = "NAME=VALUE"},
        {.kind = OPT_CALL, .name = "--submitted", .call = import_submitted_take, .value = &submitted_ms,
         .metavar = "TIME",
         .help = "when it was sent, Beijing time; default: the 来信时间 the site shows, read on\n"
                 "the first successful check (until then the verdict is 无法核实)"},
        OPT_ROW_STRING("--site-key", &site_key_arg, "KEY",
                       "the site's short name in the ledger (default: the scenario file's name)"),
        OPT_ROW_STRING("--campaign", &campaign, "NAME",
                       "the campaign it belongs to (default: 'ad-hoc'; created if missing)"),
        OPT_ROW_STRING("--authorised-by", &who, "WHO",
                       "who asked for the verification (default: '$USER, ad hoc verification')"),
        OPT_ROW_FLAG("--check", &check_now, "check the letter now"),
        OPT_ROWS_COMMON(&common, true, true, false, false),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "import", .usage = usage, .rows = rows};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON) {
        scn_vars_release(&vars);
        return opts_exit_code(pr);
    }
    if (n_args > 1) {
        scn_vars_release(&vars);
        return cli_usage_error("import", "unexpected argument '%s'", argv[2]);
    }
    if (n_args == 1)
        scenario_path = argv[1];
    if (!scenario_path) {
        scn_vars_release(&vars);
        return cli_usage_error("import", "give the SCENARIO of the site the letter was sent to");
    }
    const char *code = scn_vars_get(&vars, "query_code");
    const char *number = scn_vars_get(&vars, "letter_no");
    const char *detail = scn_vars_get(&vars, "detail_url");
    const char *given_token = scn_vars_get(&vars, "letter.token");
    const char *title = scn_vars_get(&vars, "letter.title");

    struct scn_scenario *sc = NULL;
    struct visit_setup vs;
    bool has_setup = false;
    char *site_key = site_key_arg ? xstrdup(site_key_arg) : default_site_key(scenario_path);
    char *who_default = xasprintf("%s, ad hoc verification", getenv("USER") ? getenv("USER") : "unknown");
    char *vars_json = NULL, *site_json = NULL, *token = NULL, *entry = NULL;
    if (scn_scenario_load(scenario_path, &sc, NULL, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (!sc->has_check) {
        fprintf(stderr, "huixin: scenario '%s' has no check phase: huixin cannot look the letter up\n", scenario_path);
        rc = EXIT_INPUT;
        goto out;
    }
    if ((rc = finders_check(sc, scenario_path, &vars)) != EXIT_OK)
        goto out;
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
    site_json = site_vars_json(&vars);
    if (sc->site.entry_url)
        scn_vars_expand(&vars, sc->site.entry_url, &entry, NULL);
    if (ledger_campaign_ensure(vs.ledger, &c, &cid, &e) || digest_file_sha256_hex(scenario_path, sha, NULL, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct ledger_site s = {.campaign_id = cid, .key = site_key, .name = sc->site.name, .owner = sc->site.owner,
                            .mailbox = sc->site.mailbox, .entry_url = entry, .family = sc->site.family,
                            .deadline_workdays = sc->site.deadline_workdays, .scenario_path = (char *)scenario_path,
                            .scenario_sha256 = sha, .vars_json = site_json};
    /* A letter known by a text of its own keeps it as its token (the list search looks for it); any
     * other gets a token made of what finds it. Tokens are unique: the same letter is imported once. */
    token = given_token ? xstrdup(given_token)
                        : xasprintf("import:%s:%s", site_key, code ? code : number ? number : detail ? detail : title);
    struct ledger_letter t = {.state = LETTER_IMPORTED, .token = token, .title = (char *)title,
                              .intent_at_ms = clock_now_ms(),
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
        printf("letter %lld%s%s\n", (long long)lid, sum.was_busy ? ": " : " ", sum.line);
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
    free(site_json);
    free(token);
    free(entry);
    return rc;
}
