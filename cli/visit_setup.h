/* What the commands that visit sites share: the browser, the ledger, the calendar and the captcha
 * solver, opened from the shared options, and a browser that is relaunched when it died. */
#ifndef HUIXIN_VISIT_SETUP_H
#define HUIXIN_VISIT_SETUP_H

#include "driver/page.h"
#include "reports/alert.h"
#include "scenarios/block_list.h"
#include "scenarios/mail.h"
#include "verify/visit.h"
#include "cli/cli.h"

struct visit_setup {
    struct visit_env env;
    struct browser *browser;
    struct ledger *ledger;
    struct cal *cal;
    struct scn_captcha_solver *captcha;
    struct alert_config alerts;
    struct scn_mail_config mail;      /* --mail; url NULL: none */
    const struct cli_common *common;
    char *pace_lock_path; /* STORE.pace */
    struct scn_block_list block_list; /* --block-trackers, --block-list */
    struct proxy proxy;               /* --proxy, --proxy-credentials (env.proxy points here when given) */
    struct browser_options browser_options; /* for the browsers of sites with a login profile */
    char *profiles_root;  /* $HUIXIN_PROFILES, else STORE.profiles (verify/profile.h) */
};

/* Reads the block list file (--block-list) and the proxy's credentials (--proxy-credentials), opens the ledger (created if missing) and the calendar; the browser starts with the first visit.
 * captcha_spec may be NULL ("prompt", "exec:CMD", "control:URL"). */
int visit_setup_open(struct visit_setup *vs, const struct cli_common *c, const char *captcha_spec, struct err *e);
/* Before each visit: starts the browser, or relaunches it if it died (a crash must not end a sweep). */
int visit_setup_browser_ensure(struct visit_setup *vs, struct err *e);
/* After each visit: an alert to every configured channel when the verdict became 超期未回复, 信件被删除
 * or 提交失败, or when the visit found the site's real-name login lapsed (登录已失效，需要重新登录). A
 * channel that fails is reported on stderr; the sweep goes on. */
void visit_setup_after_visit(struct visit_setup *vs, const struct visit_summary *sum);
void visit_setup_close(struct visit_setup *vs);
/* One whole check visit's budget from the options: --visit-budget, else 20 x --timeout. */
int visit_setup_budget_ms(const struct cli_common *c);

#endif
