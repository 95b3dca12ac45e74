/* Visits: huixin at a site, for one letter. A submit visit sends a campaign's letter (at most once: the
 * ledger's intent row and final-click mark make a crash recoverable without a second letter); a check
 * visit finds the letter again and reads its state. Each visit leaves an evidence bundle (screenshots,
 * MHTML, page text, meta.json, a chained manifest) and one append-only ledger row, then the letter's
 * verdict is decided anew. A visit on which the site or the browser failed is recorded as failed: it
 * never counts as proof that a letter is gone. */
#ifndef HUIXIN_VISIT_H
#define HUIXIN_VISIT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/proxy.h"
#include "verify/ledger.h"
#include "verify/verdict.h"

struct browser;
struct browser_options;
struct cal;
struct scn_vars;
struct err;
struct scn_captcha_solver;
struct scn_block_list;
struct scn_scenario;
struct scn_mail_config;
struct scn_mails;
struct page;
struct json_t;

struct visit_env {
    struct ledger *ledger;
    const struct cal *cal;
    struct browser *browser;
    const char *evidence_root;
    const struct scn_captcha_solver *captcha; /* for sites whose campaign entry names none; may be NULL */
    int timeout_ms;                           /* one page action; 0 = 30000 */
    int thirdparty_ms;                        /* another host's resource budget; 0: the scenario's, else 5 s */
    const struct scn_block_list *block_list;  /* what the command line asked to block; NULL: nothing */
    const struct proxy *proxy;                /* the command line's proxy (a scenario's site.proxy beats it);
                                                 NULL: direct */
    int visit_budget_ms;                      /* one whole visit, check or submit (browser_budget_start); 0: none */
    const char *sign_key_path;                /* Ed25519 key to sign manifests with; NULL: unsigned */
    const char *tsa_url;                      /* RFC 3161 time-stamping authority; NULL: none */
    const char *pace_lock_path;               /* the per-host pacing lock (verify/pace.h); NULL: none */
    const struct scn_mail_config *mail;       /* the mailbox of mail_wait and mail_reply; NULL: none */
    /* Sites with a real-name login (a scenario's "session") are visited in a browser of their own on
     * the site's persistent profile (verify/profile.h), started from these options, not in browser. */
    const struct browser_options *browser_options; /* NULL: such sites fail their visits */
    const char *profiles_root;                /* the profiles folder (profile_root_default); NULL: same */
    /* Told as a check visit proper starts: its host's turn came (pacing) and its budget starts now; a
     * pool's watchdog times the visit from here. NULL: nobody is told. */
    void (*on_visit_start)(int64_t letter_id, void *user);
    void *on_visit_start_user;
};

/* What a visit did, for the command to print. */
struct visit_summary {
    int64_t letter_id;
    enum visit_outcome outcome;
    bool was_submitted;        /* submit visits: the site confirmed the letter */
    bool was_skipped;          /* submit visits: the site already had its letter; nothing was done */
    bool is_unsettled;         /* submit visits: a letter whose final click was made is still not known to
                                  be on the site (left for a person, or its lookup failed): a finding */
    bool is_try_counted;       /* submit visits: nothing was sent because the site did not load or behave as
                                  its scenario says; the letter stays an intent for the next try (exit 5) */
    bool was_busy;             /* another huixin (busy_pid) was visiting the letter: nothing was done, no visit
                                  row; line says so */
    bool is_login_needed;      /* the site's real-name login has lapsed (or was never made): the visit failed
                                  and nothing was sent or judged; a person must run `huixin login` */
    bool was_login_needed;     /* the letter's visit before this one found the login lapsed too: its alert
                                  was sent then (one alert until the login is made again, not one a visit) */
    int64_t busy_pid;
    char line[1024];           /* one line for the terminal, e.g. "baochuan: found, no reply yet" */
    enum verdict_kind verdict_before, verdict_after;
    bool has_verdict_before;
    char reason_zh[512];       /* the verdict's reason, for alerts */
    char campaign[256], site_name[256], mailbox[128], token[96];
    char deadline[16];         /* YYYY-MM-DD, or "" */
};

/* A visit that found the site's real-name login lapsed (or never made) is a failed visit whose error
 * begins with "login needed" (visit_session.c); status and reports tell it by this. */
#define VISIT_LOGIN_NEEDED "login needed"
bool visit_error_is_login_needed(const char *error);

/* The letter's sender as written to a site in a campaign (the scenarios' letter.name, .phone, .email,
 * .address, .id_card); NULL when not given: email is then filled as "", and a scenario that uses
 * letter.address or letter.id_card without it stops before anything is sent, naming the variable. */
struct visit_letter_fields {
    const char *name, *phone, *email, *address, *id_card;
    bool is_another_allowed; /* ad hoc: a site whose letter was sent (or failed) may get a new one */
};

/* Submits the campaign's letter to a site, unless the site already has one in the ledger: a
 * submitted, failed or imported letter is left alone (unless fields->is_another_allowed: ad hoc
 * submissions); an intent whose final click never happened is
 * sent again (nothing reached the site); an intent whose final click happened is looked up by the
 * scenario's recover phase: found, it is recorded as submitted; proven absent (proves_absence), it is
 * sent again; otherwise, or without a recover phase, it is left for a person to resolve.
 * captcha NULL: env->captcha. Returns 0 when the visit was recorded (see out), or an error when
 * nothing could be recorded (ledger, scenario file). */
int visit_submit_site(const struct visit_env *env, int64_t site_id, const struct visit_letter_fields *fields,
                      const struct scn_captcha_solver *captcha, struct visit_summary *out, struct err *e);

/* Both wait for the site's host first (verify/pace.h): a submission until pacing_seconds after the
 * host's last contact, a check min(pacing_seconds, 10 s); the host stays held until the visit is recorded.
 *
 * Checks one letter: its check phase, the site's entry page when the letter seems gone, evidence,
 * a visit row and the new verdict. Visits of one letter are serialised by its lock in the ledger:
 * while another live huixin visits it, nothing is done and out->was_busy is set (returns 0). */
int visit_check_letter(const struct visit_env *env, int64_t letter_id, struct visit_summary *out,
                       struct err *e);

/* Variables as the ledger keeps them (a JSON object of strings): read into vars (adding to what is
 * there), and written from vars (caller frees). */
void visit_vars_from_json(struct scn_vars *vars, const char *json_object_text);
char *visit_vars_to_json(const struct scn_vars *vars);

/* meta.json's record of a block list in use ({builtin, user_file, hosts, by}: by is "command line" or
 * "scenario") and of what the page's list blocked ([{url, host, why}]): capture's and the visits' alike. */
struct json_t *visit_block_list_json(const struct scn_block_list *bl, const char *by);
struct json_t *visit_blocked_json(struct page *p);
/* visit_proxy.c: the proxy a visit of a scenario goes through: its site.proxy ("direct": none) with its
 * site.proxy_credentials, else the command line's (env->proxy). The scenario's credentials file is read
 * now (mode 0600, not a link: ERR_INPUT naming it); the command line's proxy never lends its credentials
 * to a scenario's. */
struct visit_proxy {
    struct proxy proxy;
    bool is_on;
    const char *by; /* "command line" or "scenario" */
};
int visit_proxy_resolve(const struct visit_env *env, const struct scn_scenario *sc, struct visit_proxy *out,
                        struct err *e);
/* The proxy to give page_open_via and the certificate probe; NULL: direct. */
const struct proxy *visit_proxy_get(const struct visit_proxy *vp);
void visit_proxy_release(struct visit_proxy *vp);
/* meta.json's record of the proxy a visit went through: {scheme, host, port, credentials (whether any were
 * given: true/false, never what they are), by ("command line" or "scenario")}. */
struct json_t *visit_proxy_json(const struct proxy *px, const char *by);
/* meta.json's record of the mails a visit read ([{step, var, file, sha256, uid, from, to, subject, date,
 * message_id}]: the sha256 of the .eml as kept in dir), or NULL when none. */
struct json_t *visit_mails_json(const struct scn_mails *m, const char *dir);

#endif
