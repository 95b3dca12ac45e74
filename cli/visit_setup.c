#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "common/proxy.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "verify/calendar.h"
#include "verify/ledger.h"
#include "verify/profile.h"
#include "cli/visit_setup.h"

static int browser_start(struct visit_setup *vs, struct err *e)
{
    struct browser_options o;
    cli_browser_options(vs->common, &o);
    /* --browser A,B (a pool for --jobs): one browser at a time uses the first */
    const char *url = vs->common->browser_url;
    char *first = url && strchr(url, ',') ? xasprintf("%.*s", (int)strcspn(url, ","), url) : NULL;
    o.endpoint = first ? first : url;
    int rc = browser_open(&o, &vs->browser, e);
    free(first);
    if (rc)
        return e ? e->code : ERR_BROWSER;
    vs->env.browser = vs->browser;
    return 0;
}

int visit_setup_open(struct visit_setup *vs, const struct cli_common *c, const char *captcha_spec, struct err *e)
{
    memset(vs, 0, sizeof *vs);
    vs->common = c;
    int rc;
    if ((rc = cli_block_list_open(c, &vs->block_list, e)))
        return rc;
    vs->env.block_list = &vs->block_list;
    bool is_proxied = false;
    if ((rc = cli_proxy_open(c, &vs->proxy, &is_proxied, e)))
        return rc;
    vs->env.proxy = is_proxied ? &vs->proxy : NULL;
    if ((rc = cli_calendar_open(c, &vs->cal, e)) || (rc = ledger_open(c->store_path, &vs->ledger, e)))
        return rc;
    if (captcha_spec && (rc = scn_captcha_solver_parse(captcha_spec, c->evidence_dir, &vs->captcha, e)))
        return rc;
    vs->env.ledger = vs->ledger;
    vs->env.cal = vs->cal;
    vs->env.evidence_root = c->evidence_dir;
    vs->env.captcha = vs->captcha;
    vs->env.timeout_ms = c->timeout_ms;
    vs->env.thirdparty_ms = c->thirdparty_ms;
    vs->env.visit_budget_ms = visit_setup_budget_ms(c);
    vs->env.sign_key_path = c->sign_key_path;
    vs->env.tsa_url = c->tsa_url;
    vs->pace_lock_path = xasprintf("%s.pace", c->store_path);
    vs->env.pace_lock_path = vs->pace_lock_path;
    cli_browser_options(c, &vs->browser_options);
    vs->env.browser_options = &vs->browser_options;
    vs->profiles_root = profile_root_default(c->store_path);
    vs->env.profiles_root = vs->profiles_root;
    if ((rc = alert_config_load(c->alerts_path, &vs->alerts, e)))
        return rc;
    if ((rc = scn_mail_config_load(c->mail_path, &vs->mail, e)))
        return rc;
    vs->env.mail = vs->mail.url ? &vs->mail : NULL;
    return 0; /* the browser starts with the first visit (visit_setup_browser_ensure) */
}

int visit_setup_browser_ensure(struct visit_setup *vs, struct err *e)
{
    if (browser_is_alive(vs->browser))
        return 0;
    if (vs->browser)
        log_warn("visit", "the browser is gone; starting a new one");
    browser_close(vs->browser);
    vs->browser = NULL;
    vs->env.browser = NULL;
    return browser_start(vs, e);
}

void visit_setup_after_visit(struct visit_setup *vs, const struct visit_summary *sum)
{
    if (vs->alerts.n_channels == 0 || sum->was_busy) /* another huixin made that visit */
        return;
    if (sum->is_login_needed) {
        if (sum->was_login_needed) {
            log_info("visit", "letter %lld: the login is still needed; its alert went with the visit before",
                     (long long)sum->letter_id);
            return;
        }
        char *reason = xasprintf("登录已失效，需要重新登录；请运行 huixin login 重新登录（%s）", sum->line);
        struct alert_event lev = {.campaign = sum->campaign, .site_name = sum->site_name, .mailbox = sum->mailbox,
                                  .letter_id = sum->letter_id, .letter_token = sum->token, .reason = reason,
                                  .is_login_needed = true};
        struct err le;
        err_init(&le);
        if (alert_event_send(&vs->alerts, &lev, vs->common->timeout_ms, &le) != 0)
            fprintf(stderr, "huixin: login alert for letter %lld not sent: %s\n", (long long)sum->letter_id, le.msg);
        free(reason);
        return;
    }
    bool changed = !sum->has_verdict_before || sum->verdict_before != sum->verdict_after;
    enum verdict_kind before = sum->has_verdict_before ? sum->verdict_before : VERDICT_PENDING;
    if (!changed || !alert_change_is_alarming(before, sum->verdict_after))
        return;
    struct alert_event ev = {.campaign = sum->campaign, .site_name = sum->site_name, .mailbox = sum->mailbox,
                             .letter_id = sum->letter_id, .letter_token = sum->token,
                             .old_verdict = verdict_kind_name_zh(before),
                             .new_verdict = verdict_kind_name_zh(sum->verdict_after), .reason = sum->reason_zh,
                             .deadline = sum->deadline[0] ? sum->deadline : NULL};
    struct err e;
    err_init(&e);
    if (alert_event_send(&vs->alerts, &ev, vs->common->timeout_ms, &e) != 0)
        fprintf(stderr, "huixin: alert for letter %lld not sent: %s\n", (long long)sum->letter_id, e.msg);
}

void visit_setup_close(struct visit_setup *vs)
{
    browser_close(vs->browser);
    scn_captcha_solver_free(vs->captcha);
    ledger_close(vs->ledger);
    cal_free(vs->cal);
    alert_config_release(&vs->alerts);
    scn_mail_config_release(&vs->mail);
    free(vs->pace_lock_path);
    free(vs->profiles_root);
    scn_block_list_release(&vs->block_list);
    proxy_release(&vs->proxy);
    memset(vs, 0, sizeof *vs);
}

int visit_setup_budget_ms(const struct cli_common *c)
{
    int timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    return c->visit_budget_ms > 0 ? c->visit_budget_ms : 20 * timeout_ms;
}
