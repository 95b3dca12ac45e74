/* Sessions: a site behind a real-name login (统一身份认证). Whether a page shows a live login is the
 * scenario's word (session.logged_in, session.logged_out); a page that says neither, or both, is not
 * known to be either: the visit then fails like any page that did not load, and proves nothing. */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/page.h"
#include "scenarios/run_internal.h"

const char *scn_session_state_name(enum scn_session_state st)
{
    switch (st) {
    case SCN_SESSION_LOGGED_IN: return "logged_in";
    case SCN_SESSION_LOGGED_OUT: return "logged_out";
    case SCN_SESSION_UNKNOWN: return "unknown";
    }
    return "unknown";
}

static const char *session_url_tmpl(const struct scn_scenario *s, bool for_check)
{
    if (for_check && s->session.check_url)
        return s->session.check_url;
    return s->session.login_url ? s->session.login_url : s->site.entry_url;
}

int scn_session_login_url(const struct scn_scenario *s, const struct scn_vars *vars, char **out, struct err *e)
{
    *out = NULL;
    const char *tmpl = session_url_tmpl(s, false);
    if (!s->session.is_set || !tmpl)
        return err_set(e, ERR_INPUT, "scenario '%s' has no session block with a login_url", s->path);
    struct scn_vars all;
    scn_vars_init(&all);
    for (size_t i = 0; i < s->defaults.n; i++)
        scn_vars_set(&all, s->defaults.v[i].name, s->defaults.v[i].value);
    for (size_t i = 0; vars && i < vars->n; i++)
        scn_vars_set(&all, vars->v[i].name, vars->v[i].value);
    int rc = scn_vars_expand(&all, tmpl, out, e);
    scn_vars_release(&all);
    if (rc != 0)
        err_prefix(e, "session login_url");
    return rc;
}

/* Both matches are asked, as a check asks found and not_found: a page that says both proves nothing. */
int scn_session_read(struct scn_exec *x, enum scn_session_state *state, char **why, struct err *e)
{
    const struct scn_session *ss = &x->s->session;
    char *in_why = NULL, *out_why = NULL;
    struct err me;
    err_init(&me);
    *state = SCN_SESSION_UNKNOWN;
    int in = scn_match_eval(x, &ss->logged_in, &in_why, &me);
    int out = in < 0 ? -1 : scn_match_eval(x, &ss->logged_out, &out_why, &me);
    if (in < 0 || out < 0) {
        if (me.code == ERR_BROWSER) {
            free(in_why);
            free(out_why);
            return err_set(e, ERR_BROWSER, "%s", me.msg);
        }
        if (why)
            *why = xasprintf("the page could not be read: %s", me.msg);
    } else if (in == 1 && out == 1) {
        if (why)
            *why = xasprintf("ambiguous page: it shows a login (%s) and asks for one (%s)", in_why, out_why);
    } else if (in == 1) {
        *state = SCN_SESSION_LOGGED_IN;
        if (why)
            *why = xasprintf("logged in: %s", in_why);
    } else if (out == 1) {
        *state = SCN_SESSION_LOGGED_OUT;
        if (why)
            *why = xasprintf("%s: %s", SCN_LOGIN_NEEDED_ZH, out_why);
    } else if (why) {
        char *url = NULL;
        struct err ue;
        err_init(&ue);
        page_url(x->p, &url, &ue);
        *why = xasprintf("the page shows neither a login nor a login form (HTTP %d, '%s')", page_http_status(x->p),
                         url ? url : "");
        free(url);
    }
    free(in_why);
    free(out_why);
    return 0;
}

int scn_session_judge(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                      enum scn_session_state *state, char **why, struct err *e)
{
    *state = SCN_SESSION_UNKNOWN;
    if (why)
        *why = NULL;
    if (!s->session.is_set)
        return err_set(e, ERR_INPUT, "scenario '%s' has no session block", s->path);
    /* only read: none of the page set-up scn_exec_init makes (it is the person's page, or a visit's) */
    struct scn_exec x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.p = p;
    x.phase = "session";
    scn_vars_init(&x.vars);
    for (size_t i = 0; i < s->defaults.n; i++)
        scn_vars_set(&x.vars, s->defaults.v[i].name, s->defaults.v[i].value);
    for (size_t i = 0; vars && i < vars->n; i++)
        scn_vars_set(&x.vars, vars->v[i].name, vars->v[i].value);
    x.dialogs_base = x.dialogs_seen = page_dialog_count(p);
    int rc = scn_session_read(&x, state, why, e);
    scn_exec_release(&x);
    return rc;
}

int scn_session_test(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                     const struct scn_run_options *o, enum scn_session_state *state, char **why, struct err *e)
{
    *state = SCN_SESSION_UNKNOWN;
    if (why)
        *why = NULL;
    if (!s->session.is_set)
        return err_set(e, ERR_INPUT, "scenario '%s' has no session block", s->path);
    const char *tmpl = session_url_tmpl(s, true);
    if (!tmpl)
        return err_set(e, ERR_INPUT, "scenario '%s': the session has no page to test (login_url)", s->path);
    struct scn_exec x;
    scn_exec_init(&x, s, p, vars, o, "session", NULL, NULL);
    char *url = NULL;
    struct err ge;
    err_init(&ge);
    int rc = scn_vars_expand(&x.vars, tmpl, &url, e);
    if (rc != 0) {
        err_prefix(e, "session");
        goto out;
    }
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    if ((rc = scn_url_check(&x, url, false, e)) != 0)
        goto out;
    int nav = page_goto(p, url, timeout_ms, &ge);
    if (nav == 0 && page_http_status(p) >= 500)
        nav = err_set(&ge, ERR_SITE, "'%s' answered HTTP %d", url, page_http_status(p));
    if (nav != 0) {
        if (ge.code == ERR_BROWSER) {
            rc = err_set(e, ERR_BROWSER, "%s", ge.msg);
            goto out;
        }
        if (why)
            *why = xasprintf("the session's page did not load: %s", ge.msg);
        goto out; /* UNKNOWN: a page that did not load says nothing about the login */
    }
    /* a login form drawn by a script after the load event: give the page a moment to settle */
    struct err se;
    err_init(&se);
    page_settle(p, 300, 5000, &se);
    rc = scn_session_read(&x, state, why, e);
out:
    free(url);
    scn_exec_release(&x);
    return rc;
}
