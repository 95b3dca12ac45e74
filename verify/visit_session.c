/* Visits of a site behind a real-name login (a scenario's "session"): its own browser on its own
 * profile, and a test of the login before anything else is done. A lapsed login fails the visit with
 * "login needed": nothing is sent, nothing is judged, nothing counts against the site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "verify/visit_internal.h"

/* How long a visit waits for a profile another huixin holds (a login under way, a visit of the site
 * by a second command): a minute, then the visit fails and is made again later. */
#define VISIT_PROFILE_WAIT_MS 60000

bool visit_error_is_login_needed(const char *error)
{
    return error && strncmp(error, VISIT_LOGIN_NEEDED, strlen(VISIT_LOGIN_NEEDED)) == 0;
}

int visit_browser_open(const struct visit_env *env, const struct scn_scenario *sc, const struct ledger_site *s,
                       struct visit_browser *vb, struct err *e)
{
    memset(vb, 0, sizeof *vb);
    vb->profile.lock_fd = -1;
    vb->b = env->browser;
    if (!sc->session.is_set)
        return 0;
    vb->b = NULL;
    if (!env->browser_options)
        return err_set(e, ERR_USAGE, "site '%s' needs its login profile, and this command cannot start a browser on it",
                       s->key);
    char *root = env->profiles_root ? xstrdup(env->profiles_root) : profile_root_default(NULL);
    int rc = profile_open(root, s->key, false, VISIT_PROFILE_WAIT_MS, &vb->profile, e);
    if (rc == ERR_NOT_FOUND) {
        vb->is_login_needed = true;
        if (e)
            err_init(e); /* what the visit records: login needed, and what to do */
        rc = err_set(e, ERR_SITE, "login needed: %s: nobody logged in to site '%s' (run huixin login %s --site-key %s)",
                     SCN_LOGIN_NEEDED_ZH, s->key, s->scenario_path, s->key);
    }
    free(root);
    if (rc != 0)
        return rc;
    struct browser_options o = *env->browser_options;
    o.endpoint = NULL; /* a profile is ours: never a shared browser */
    o.profile_dir = vb->profile.dir;
    o.is_headful = false;
    if ((rc = browser_open(&o, &vb->own, e)) != 0) {
        profile_close(&vb->profile);
        return rc;
    }
    vb->b = vb->own;
    return 0;
}

void visit_browser_close(struct visit_browser *vb)
{
    browser_close(vb->own); /* first: the browser writes the profile out as it exits */
    vb->own = NULL;
    profile_close(&vb->profile);
    vb->b = NULL;
}

char *visit_session_check(const struct visit_env *env, const struct scn_scenario *sc, const struct ledger_site *s,
                          struct page *p, const struct scn_vars *vars, bool *is_login_needed)
{
    *is_login_needed = false;
    if (!sc->session.is_set)
        return NULL;
    struct scn_run_options o = {.timeout_ms = env->timeout_ms, .thirdparty_ms = env->thirdparty_ms,
                                .block_list = env->block_list};
    enum scn_session_state st = SCN_SESSION_UNKNOWN;
    char *why = NULL;
    struct err e;
    err_init(&e);
    if (scn_session_test(sc, p, vars, &o, &st, &why, &e) != 0) {
        free(why);
        return xasprintf("the login could not be tested: %s", e.msg);
    }
    char *msg = NULL;
    switch (st) {
    case SCN_SESSION_LOGGED_IN:
        log_info("visit", "%s: %s", s->key, why ? why : "logged in");
        break;
    case SCN_SESSION_LOGGED_OUT:
        *is_login_needed = true;
        msg = xasprintf("login needed: %s (%s); run huixin login %s --site-key %s", SCN_LOGIN_NEEDED_ZH,
                        why ? why : "the page asks for a login", s->scenario_path, s->key);
        break;
    case SCN_SESSION_UNKNOWN:
        msg = xasprintf("the login could not be told: %s", why ? why : "the page says neither");
        break;
    }
    free(why);
    return msg;
}
