/* huixin login SCENARIO: a person logs in to a site behind a real-name login (统一身份认证) in a browser
 * started on the site's own persistent profile; the login stays there for later visits
 * (verify/profile.h). On a desktop the browser shows a window; on a server it runs headless and the
 * person reaches its page through an SSH tunnel to the loopback debugging port and chrome://inspect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "verify/profile.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"

static const char login_usage[] =
    "Usage: huixin login SCENARIO [--site-key KEY] [--var NAME=VALUE]... [--visible|--headless] [--wait S] [OPTIONS]\n"
    "\n"
    "Starts Chromium on the site's own persistent profile (PROFILES/KEY, mode 0700), opens the scenario's\n"
    "session.login_url and waits until a person has logged in there: until the page shows the session's\n"
    "logged_in (and not its logged_out). Then it tests the login on the session's check page, closes the\n"
    "browser cleanly so the cookies are written, and says so. Later visits of the site (submit, check, run,\n"
    "campaign start) use that profile, and a visit that finds the login lapsed fails with 'login needed'\n"
    "(登录已失效，需要重新登录), sends an alert, and counts nothing against the site.\n"
    "\n"
    "With a display (DISPLAY or WAYLAND_DISPLAY) the browser opens a window, unless --headless. Without one\n"
    "it prints the loopback port its DevTools listen on (127.0.0.1 only) and how to reach the page from a\n"
    "desktop: ssh -L PORT:127.0.0.1:PORT HOST, then chrome://inspect in Chrome.\n"
    "PROFILES is --profile-dir, else $HUIXIN_PROFILES, else the ledger's path + '.profiles'.\n"
    "\n";

struct login_options {
    const char *scenario_path, *site_key, *profiles_root;
    bool is_visible, is_headless;
    int wait_s;
};

static char *login_site_key(const char *given, const char *scenario_path)
{
    if (given)
        return xstrdup(given);
    const char *base = strrchr(scenario_path, '/') ? strrchr(scenario_path, '/') + 1 : scenario_path;
    char *key = xstrdup(base);
    char *dot = strrchr(key, '.');
    if (dot && dot != key)
        *dot = '\0';
    return key;
}

/* How a person reaches the page: the window, or the tunnel and chrome://inspect. */
static void login_instructions_print(const struct scn_scenario *sc, const char *key, const char *profile_dir,
                                     const char *url, int port, bool is_headful, int wait_s)
{
    char host[256] = "this-server";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "this-server");
    host[sizeof host - 1] = '\0';
    const char *user = getenv("USER");
    printf("huixin login: site '%s' (%s), profile %s\n", key, sc->site.name ? sc->site.name : "?", profile_dir);
    printf("Log in at %s\n", url);
    if (is_headful) {
        printf("  in the browser window that has opened; huixin notices the login by itself.\n");
    } else {
        printf("  The browser runs headless; its DevTools listen on 127.0.0.1:%d (this machine only).\n", port);
        printf("  From your desktop, open a tunnel to it:\n");
        printf("    ssh -N -L %d:127.0.0.1:%d %s%s%s\n", port, port, user ? user : "", user ? "@" : "", host);
        printf("  then in Chrome open chrome://inspect, under Discover network targets press Configure... and\n");
        printf("  add localhost:%d; the page appears under Remote Target: press inspect and log in there.\n", port);
    }
    printf("DevTools port: %d\n", port);
    printf("Waiting up to %d s for the login ...\n", wait_s);
    fflush(stdout);
}

static int login_run(const struct cli_common *c, const struct login_options *lo, struct scn_vars *vars)
{
    struct err e;
    err_init(&e);
    struct scn_scenario *sc = NULL;
    struct browser *b = NULL;
    struct page *p = NULL;
    struct profile pr = {NULL, -1};
    char *key = login_site_key(lo->site_key, lo->scenario_path);
    char *root = lo->profiles_root ? xstrdup(lo->profiles_root) : profile_root_default(c->store_path);
    char *url = NULL, *why = NULL;
    int rc = EXIT_OK;

    if (scn_scenario_load(lo->scenario_path, &sc, NULL, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    if (!sc->session.is_set) {
        err_set(&e, ERR_INPUT, "scenario '%s' has no \"session\" block: its site needs no login (see FORMAT.md)",
                lo->scenario_path);
        rc = cli_fail(&e);
        goto out;
    }
    if (scn_session_login_url(sc, vars, &url, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        err_set(&e, ERR_INPUT, "the login page '%s' is not an http or https address", url);
        rc = cli_fail(&e);
        goto out;
    }
    if (profile_open(root, key, true, 2000, &pr, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    bool has_display = (getenv("DISPLAY") && *getenv("DISPLAY")) ||
                       (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"));
    bool is_headful = lo->is_visible || (has_display && !lo->is_headless);
    struct browser_options bo;
    cli_browser_options(c, &bo);
    bo.endpoint = NULL;
    bo.profile_dir = pr.dir;
    bo.is_headful = is_headful;
    if (browser_open(&bo, &b, &e) != 0 || page_open(b, &p, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    int timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    if (page_goto(p, url, timeout_ms, &e) != 0)
        fprintf(stderr, "huixin login: the login page did not load (%s); it can be reloaded in the browser\n", e.msg);
    login_instructions_print(sc, key, pr.dir, url, browser_debug_port(b), is_headful, lo->wait_s);

    /* The person's page is judged as it is, once a second, until it shows a live login. */
    int64_t deadline = clock_mono_ms() + (int64_t)lo->wait_s * 1000;
    enum scn_session_state st = SCN_SESSION_UNKNOWN;
    for (;;) {
        free(why);
        why = NULL;
        err_init(&e);
        if (!browser_is_alive(b)) {
            err_set(&e, ERR_BROWSER, "the browser closed before a login was seen; nothing was kept");
            rc = cli_fail(&e);
            goto out;
        }
        if (scn_session_judge(sc, p, vars, &st, &why, &e) != 0 && e.code == ERR_BROWSER) {
            rc = cli_fail(&e);
            goto out;
        }
        if (st == SCN_SESSION_LOGGED_IN)
            break;
        if (clock_mono_ms() >= deadline) {
            fprintf(stderr, "huixin login: no login within %d s (the page: %s)\n", lo->wait_s,
                    why ? why : scn_session_state_name(st));
            rc = EXIT_FINDINGS;
            goto out;
        }
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    printf("Login seen: %s\n", why ? why : "logged in");
    fflush(stdout);
    /* What a visit will see: the session's own test, on its check page. */
    struct scn_run_options ro = {.timeout_ms = c->timeout_ms};
    free(why);
    why = NULL;
    err_init(&e);
    if (scn_session_test(sc, p, vars, &ro, &st, &why, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    if (st != SCN_SESSION_LOGGED_IN) {
        fprintf(stderr, "huixin login: the login showed, but the session's check page does not show it (%s): "
                        "check the scenario's session block\n", why ? why : scn_session_state_name(st));
        rc = EXIT_FINDINGS;
        goto out;
    }
    page_close(p);
    p = NULL;
    browser_close(b); /* lets the browser shut down by itself: the cookies are written as it does */
    b = NULL;
    printf("Logged in: the browser has closed and the login is kept in %s\n", pr.dir);
out:
    page_close(p);
    browser_close(b);
    profile_close(&pr);
    scn_scenario_free(sc);
    free(why);
    free(url);
    free(root);
    free(key);
    return rc;
}

int cmd_login(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    struct login_options lo = {.wait_s = 600};
    struct scn_vars vars;
    scn_vars_init(&vars);
    int rc = EXIT_OK;
    const struct opt rows[] = {
        OPT_ROW_STRING("--site-key", &lo.site_key, "KEY",
                       "the site's key, as the campaign file or 'huixin submit --site-key' names it\n"
                       "(default: the scenario file's name); its profile is PROFILES/KEY"),
        {.kind = OPT_CALL, .name = "--var", .call = cli_var_take, .value = &vars, .metavar = "NAME=VALUE",
         .needs = "NAME=VALUE", .help = "a variable for the scenario, e.g. base_url (repeatable)"},
        OPT_ROW_STRING("--profile-dir", &lo.profiles_root, "DIR",
                       "the folder of the site profiles (default $HUIXIN_PROFILES, else STORE.profiles);\n"
                       "visits look there too only through $HUIXIN_PROFILES"),
        OPT_ROW_FLAG("--visible", &lo.is_visible, "a browser window, even without DISPLAY"),
        OPT_ROW_FLAG("--headless", &lo.is_headless, "no window, even on a desktop: log in through chrome://inspect"),
        {.kind = OPT_INT, .name = "--wait", .value = &lo.wait_s, .metavar = "SECONDS",
         .help = "how long to wait for the person to log in (default 600)", .min = 10, .max = 86400,
         .expect = "whole seconds from 10 to 86400"},
        OPT_ROWS_COMMON(&c, true, true, false, false),
        OPT_ROW_TEXT("\n"
                     "Exit status: 0 logged in and kept; 1 no login within --wait, or the check page does not show it;\n"
                     "2 usage; 3 bad scenario or profile folder; 4 browser.\n"),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "login", .usage = login_usage, .rows = rows};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON) {
        rc = opts_exit_code(pr);
        goto out;
    }
    if (n_args != 1) {
        rc = n_args == 0 ? cli_usage_error("login", "which scenario? e.g. huixin login sso-site.json --var "
                                                    "base_url=https://www.example.gov.cn")
                         : cli_usage_error("login", "one scenario only; '%s' is a second one", argv[2]);
        goto out;
    }
    if (lo.is_visible && lo.is_headless) {
        rc = cli_usage_error("login", "--visible and --headless: one or the other");
        goto out;
    }
    if (c.browser_url) {
        rc = cli_usage_error("login", "--browser: a login needs a browser of its own, started on the site's profile");
        goto out;
    }
    lo.scenario_path = argv[1];
    rc = login_run(&c, &lo, &vars);
out:
    scn_vars_release(&vars);
    return rc;
}
