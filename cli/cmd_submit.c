/* huixin submit SCENARIO: runs a scenario's submit phase once and prints what came back as JSON.
 * (The campaign commands add the ledger around the same runner.) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "driver/page.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"
#include "cli/visit_setup.h"
#include "verify/digest.h"
#include "verify/ledger.h"
#include "scenarios/block_list.h"
#include "scenarios/letter.h"
#include "scenarios/mail.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"

static const char submit_usage[] =
    "Usage: huixin submit SCENARIO [--var NAME=VALUE]... [--captcha prompt|exec:CMD|exec-json:CMD|control:URL] [OPTIONS]\n"
    "\n"
    "Runs the scenario's submit phase once in a fresh browser context, records the letter in the ledger\n"
    "(campaign 'ad-hoc'; a letter is never sent twice, and it waits until the site's host had no letter\n"
    "or visit for the scenario's pacing_seconds) so 'huixin check' can follow it, and prints a JSON\n"
    "object: status (submitted, not_sent, rejected, unknown), the letter's token, title and body, the\n"
    "variables the steps extracted (query code, letter number), the screenshots taken and why it failed\n"
    "if it did.\n"
    "The letter's title and body come from the letter templates with a new token unless --var gives\n"
    "letter.title and letter.body. The scenario's variables come from --var (base_url, letter.name,\n"
    "letter.phone, letter.email, letter.address, letter.id_card ...).\n"
    "\n";

/* --template N: the template's index (from 0) into the long at user */
static int submit_template_take(const char *cmd, const char *name, const char *v, void *user)
{
    long *pick = user;
    char *end = NULL;
    (void)name;
    *pick = strtol(v, &end, 10);
    if (!*v || *end || *pick < 1)
        return cli_usage_error(cmd, "--template: expected a number from 1");
    (*pick)--;
    return 0;
}

/* Title, body, token and category, unless the user gave them. */
static int letter_vars(const struct scn_scenario *s, struct scn_vars *vars, long pick, struct err *e)
{
    if (scn_vars_get(vars, "letter.title") && scn_vars_get(vars, "letter.body")) {
        if (!scn_vars_get(vars, "letter.category"))
            scn_vars_set(vars, "letter.category", s->letter.category);
        return 0;
    }
    char *path = NULL;
    struct scn_letter_templates *t = NULL;
    struct scn_letter l;
    memset(&l, 0, sizeof l);
    char token[SCN_TOKEN_LEN + 1];
    int rc = scn_letter_templates_find(&path, e);
    if (rc == 0)
        rc = scn_letter_templates_load(path, &t, e);
    if (rc == 0 && scn_vars_get(vars, "letter.token")) {
        snprintf(token, sizeof token, "%s", scn_vars_get(vars, "letter.token"));
    } else if (rc == 0) {
        rc = scn_token_new(token, NULL, NULL, e); /* the ledger checks uniqueness in campaigns */
    }
    if (rc == 0) {
        size_t n = scn_letter_templates_count(t, s->letter.category);
        size_t which = pick >= 0 ? (size_t)pick : (n ? (size_t)(clock_now_ms() % (int64_t)n) : 0);
        rc = scn_letter_render(t, &s->letter, which, token, &l, e);
    }
    if (rc == 0) {
        scn_vars_set(vars, "letter.title", l.title);
        scn_vars_set(vars, "letter.body", l.body);
        scn_vars_set(vars, "letter.token", l.token);
        scn_vars_set(vars, "letter.category", l.category);
    }
    scn_letter_release(&l);
    scn_letter_templates_free(t);
    free(path);
    return rc;
}

static json_t *vars_json(const struct scn_vars *v)
{
    json_t *o = json_object();
    for (size_t i = 0; i < v->n; i++)
        json_object_set_new(o, v->v[i].name, json_string(v->v[i].value));
    return o;
}

static json_t *shots_json(const struct scn_shots *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(a, json_string(s->paths[i]));
    return a;
}

static json_t *opt_string(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int submit_exit(const struct scn_submit_result *r)
{
    if (r->status == SCN_SUBMIT_OK)
        return EXIT_OK;
    switch (r->err_code) {
    case ERR_BROWSER: return EXIT_BROWSER;
    case ERR_USAGE: return EXIT_USAGE;
    case ERR_INPUT: return EXIT_INPUT;
    default: break;
    }
    if (r->status == SCN_SUBMIT_NOT_SENT && (r->err_code == ERR_SITE || r->err_code == ERR_TIMEOUT))
        return EXIT_SITE;
    return EXIT_FINDINGS;
}

/* The ledger path: the same submission as a campaign's (intent before the final click, evidence,
 * verdict), in the campaign 'ad-hoc'. */
static int submit_recorded(const struct cli_common *c, const char *scenario_path, const char *site_key_arg,
                           const char *captcha_spec, struct scn_vars *vars)
{
    struct err e;
    err_init(&e);
    struct visit_setup vs;
    struct scn_scenario *sc = NULL;
    int rc = EXIT_OK;
    char sha[DIGEST_HEX_LEN];
    char *entry = NULL, *site_vars = NULL, *site_key = NULL;
    char *who = xasprintf("%s, ad hoc submission", getenv("USER") ? getenv("USER") : "unknown");
    if (visit_setup_open(&vs, c, captcha_spec, &e) || scn_scenario_load(scenario_path, &sc, NULL, &e) ||
        digest_file_sha256_hex(scenario_path, sha, NULL, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (site_key_arg) {
        site_key = xstrdup(site_key_arg);
    } else {
        const char *base = strrchr(scenario_path, '/') ? strrchr(scenario_path, '/') + 1 : scenario_path;
        site_key = xstrdup(base);
        char *dot = strrchr(site_key, '.');
        if (dot && dot != site_key)
            *dot = '\0';
    }
    /* The site keeps the variables that are not the letter's own (base_url ...). */
    struct scn_vars sv;
    scn_vars_init(&sv);
    for (size_t i = 0; i < vars->n; i++)
        if (strncmp(vars->v[i].name, "letter.", 7) != 0)
            scn_vars_set(&sv, vars->v[i].name, vars->v[i].value);
    site_vars = visit_vars_to_json(&sv);
    for (size_t i = 0; i < sc->defaults.n; i++)
        if (!scn_vars_get(&sv, sc->defaults.v[i].name))
            scn_vars_set(&sv, sc->defaults.v[i].name, sc->defaults.v[i].value);
    if (sc->site.entry_url)
        scn_vars_expand(&sv, sc->site.entry_url, &entry, NULL);
    scn_vars_release(&sv);
    struct ledger_campaign camp = {.name = "ad-hoc", .authorised_by = who, .created_at_ms = clock_now_ms(),
                                   .deletion_min_visits = 2, .deletion_min_gap_ms = 3600000};
    int64_t cid, sid;
    if (ledger_campaign_ensure(vs.ledger, &camp, &cid, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct ledger_site site = {.campaign_id = cid, .key = site_key, .name = sc->site.name, .owner = sc->site.owner,
                               .mailbox = sc->site.mailbox, .entry_url = entry, .family = sc->site.family,
                               .deadline_workdays = sc->site.deadline_workdays,
                               .scenario_path = (char *)scenario_path, .scenario_sha256 = sha,
                               .vars_json = site_vars};
    if (ledger_site_ensure(vs.ledger, &site, &sid, &e) || visit_setup_browser_ensure(&vs, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct visit_letter_fields fields = {.name = scn_vars_get(vars, "letter.name"),
                                         .phone = scn_vars_get(vars, "letter.phone"),
                                         .email = scn_vars_get(vars, "letter.email"),
                                         .address = scn_vars_get(vars, "letter.address"),
                                         .id_card = scn_vars_get(vars, "letter.id_card"),
                                         .is_another_allowed = true};
    struct visit_summary sum;
    if (visit_submit_site(&vs.env, sid, &fields, NULL, &sum, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    visit_setup_after_visit(&vs, &sum);
    struct ledger_letter t;
    if (ledger_letter_get(vs.ledger, sum.letter_id, &t, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "scenario", scenario_path, "status",
                          sum.was_submitted ? "submitted" : ledger_letter_state_name(t.state), "letter_id",
                          (json_int_t)t.id, "site", site_key, "token", t.token, "title", t.title ? t.title : "",
                          "message", sum.line);
    json_object_set_new(o, "query_code", opt_string(t.query_code));
    json_object_set_new(o, "letter_no", opt_string(t.letter_no));
    json_object_set_new(o, "error", opt_string(t.error));
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(o);
    if (!sum.was_submitted) {
        fprintf(stderr, "huixin: %s\n", sum.line);
        /* the site did not load: nothing was sent, and the letter is tried again (as --no-ledger says) */
        rc = sum.is_try_counted && !sum.is_unsettled ? EXIT_SITE : EXIT_FINDINGS;
    }
    ledger_letter_release(&t);
out:
    visit_setup_close(&vs);
    scn_scenario_free(sc);
    free(entry);
    free(site_vars);
    free(site_key);
    free(who);
    return rc;
}

int cmd_submit(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    const char *scenario_path = NULL, *captcha_spec = NULL, *site_key = NULL;
    bool use_ledger = true;
    long pick = -1;
    struct scn_vars vars;
    scn_vars_init(&vars);
    struct scn_scenario *s = NULL;
    struct scn_captcha_solver *solver = NULL;
    struct browser *b = NULL;
    struct page *p = NULL;
    struct scn_submit_result r;
    memset(&r, 0, sizeof r);
    char *dir = NULL;
    int rc = EXIT_OK;
    struct err e;
    err_init(&e);
    bool is_dry_run = false;
    struct scn_block_list block;
    scn_block_list_init(&block);
    struct proxy proxy;
    memset(&proxy, 0, sizeof proxy);
    bool is_proxied = false;
    struct visit_proxy vp;
    memset(&vp, 0, sizeof vp);
    struct scn_mail_config mail = {0}; /* --mail: the dry run reads a mailbox too */
    const struct opt rows[] = {
        {.kind = OPT_CALL, .name = "--var", .call = cli_var_take, .value = &vars, .metavar = "NAME=VALUE",
         .needs = "NAME=VALUE", .help = "a variable for the scenario (repeatable)"},
        {.kind = OPT_STRING, .name = "--captcha", .value = &captcha_spec, .metavar = "SOLVER",
         .needs = "prompt, exec:CMD, exec-json:CMD or control:URL",
         .help = "who answers captchas and ask steps (an SMS code):\n"
                 "prompt: show the prompt (and image path) and read the answer from the terminal;\n"
                 "exec:CMD: run CMD with a captcha's PNG, or any other request as JSON, on\n"
                 "stdin, answer on stdout; exec-json:CMD: every request as JSON;\n"
                 "control:URL: a fixture site's /api/captcha?site=S (tests)"},
        {.kind = OPT_CALL, .name = "--template", .call = submit_template_take, .value = &pick, .metavar = "N",
         .help = "use letter template number N of the category (default: random)"},
        OPT_ROW_STRING("--site-key", &site_key, "KEY", "the site's name in the ledger (default: the scenario file's name)"),
        OPT_ROW_FLAG("--no-ledger", &is_dry_run,
                     "do not record the letter: a dry run of the scenario (screenshots go under\n"
                     "EVIDENCE/submit-NAME-TIME/); the JSON then has the runner's full detail"),
        OPT_ROWS_COMMON(&c, true, true, true, false),
        OPT_ROW_TEXT("\n"
                     "Exit status: 0 submitted; 1 rejected or uncertain; 2 usage; 3 bad scenario; 4 browser; 5 site.\n"),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "submit", .usage = submit_usage, .rows = rows};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON) {
        rc = opts_exit_code(pr);
        goto out;
    }
    if (n_args > 1) {
        rc = cli_usage_error("submit", "one scenario only; '%s' is a second one", argv[2]);
        goto out;
    }
    if (n_args == 1)
        scenario_path = argv[1];
    use_ledger = !is_dry_run;
    if (!scenario_path) {
        rc = cli_usage_error("submit", "which scenario? e.g. huixin submit scenarios/library/hanweb-jact.json "
                                       "--var base_url=http://127.0.0.1:8080");
        goto out;
    }
    if (use_ledger) {
        rc = submit_recorded(&c, scenario_path, site_key, captcha_spec, &vars);
        goto out;
    }
    if (cli_block_list_open(&c, &block, &e) || cli_proxy_open(&c, &proxy, &is_proxied, &e) ||
        scn_mail_config_load(c.mail_path, &mail, &e) || scn_scenario_load(scenario_path, &s, NULL, &e) < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    const struct visit_env proxy_env = {.proxy = is_proxied ? &proxy : NULL};
    if (visit_proxy_resolve(&proxy_env, s, &vp, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (!s->has_submit) {
        err_set(&e, ERR_INPUT, "scenario '%s' has no submit phase", scenario_path);
        rc = cli_fail(&e);
        goto out;
    }
    if (letter_vars(s, &vars, pick, &e) < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    struct civil_time t = clock_beijing_from_ms(clock_now_ms());
    const char *base = strrchr(scenario_path, '/') ? strrchr(scenario_path, '/') + 1 : scenario_path;
    dir = xasprintf("%s/submit-%.*s-%04d%02d%02d-%02d%02d%02d", c.evidence_dir,
                    (int)(strstr(base, ".json") ? (size_t)(strstr(base, ".json") - base) : strlen(base)), base, t.year,
                    t.month, t.day, t.hour, t.minute, t.second);
    if (captcha_spec && scn_captcha_solver_parse(captcha_spec, dir, &solver, &e) < 0) {
        rc = cli_usage_error("submit", "%s", e.msg);
        goto out;
    }
    struct browser_options bo;
    cli_browser_options(&c, &bo);
    if (browser_open(&bo, &b, &e) < 0 || page_open_via(b, visit_proxy_get(&vp), &p, &e) < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    struct scn_run_options ro = {.captcha = solver, .evidence_dir = dir, .timeout_ms = c.timeout_ms,
                                  .thirdparty_ms = c.thirdparty_ms, .block_list = &block,
                                  .mail = mail.url ? &mail : NULL};
    if (scn_submit_run(s, p, &vars, &ro, &r, &e) < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(scenario_path));
    json_object_set_new(o, "status", json_string(scn_submit_status_name(r.status)));
    json_object_set_new(o, "message", opt_string(r.message));
    json_object_set_new(o, "attempts", json_integer(r.attempts));
    json_object_set_new(o, "failure_kind", r.has_failure_kind ? json_string(scn_failure_kind_name(r.failure_kind))
                                                              : json_null());
    json_object_set_new(o, "token", opt_string(scn_vars_get(&vars, "letter.token")));
    json_object_set_new(o, "title", opt_string(scn_vars_get(&vars, "letter.title")));
    json_object_set_new(o, "body", opt_string(scn_vars_get(&vars, "letter.body")));
    json_object_set_new(o, "extracted", vars_json(&r.extracted));
    json_object_set_new(o, "final_url", opt_string(r.final_url));
    json_object_set_new(o, "proxy", vp.is_on ? visit_proxy_json(&vp.proxy, vp.by) : json_null());
    json_object_set_new(o, "screenshots", shots_json(&r.shots));
    json_object_set_new(o, "failure_screenshot", opt_string(r.failure_shot));
    if (r.submitted_at_ms) {
        char when[32];
        clock_beijing_format(r.submitted_at_ms, when, sizeof when);
        json_object_set_new(o, "final_click_at", json_string(when));
    } else {
        json_object_set_new(o, "final_click_at", json_null());
    }
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(o);
    if (r.status != SCN_SUBMIT_OK)
        fprintf(stderr, "huixin: %s: %s\n", scn_submit_status_name(r.status), r.message ? r.message : "");
    rc = submit_exit(&r);
out:
    scn_submit_result_release(&r);
    page_close(p);
    browser_close(b);
    scn_captcha_solver_free(solver);
    scn_scenario_free(s);
    scn_vars_release(&vars);
    scn_block_list_release(&block);
    visit_proxy_release(&vp);
    proxy_release(&proxy);
    scn_mail_config_release(&mail);
    free(dir);
    return rc;
}
