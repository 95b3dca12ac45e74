/* Shared by the visit files (visit_submit.c, visit_check.c, visit_evidence.c); not for other modules. */
#ifndef HUIXIN_VISIT_INTERNAL_H
#define HUIXIN_VISIT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/scenario.h"
#include "scenarios/vars.h"
#include "verify/digest.h"
#include "verify/profile.h"
#include "verify/visit.h"

struct page;
struct scn_scenario;

/* An evidence bundle being filled: its folder (absolute and relative to the root) and its meta.json. */
struct visit_bundle {
    char *rel_dir;
    char *dir;
    json_t *meta; /* written as meta.json when the bundle is finished */
    int n_unloaded; /* the most of other hosts' resources a capture's page went on without (ledger_visit) */
    int64_t opened_mono_ms; /* clock_mono_ms at visit_bundle_open: meta.json's timings.visit_ms */
    char *tls_error, *tls_subject; /* the site's certificate does not verify (visit_tls_note); else NULL */
    bool is_tls_accepted;          /* ... and the visit went on past it (site.tls "accept") */
    struct png_squeezer *squeezer; /* makes the visit's screenshots smaller as they come (driver/png_squeeze.h) */
};

/* Opens the bundle folder of the letter's next visit. */
int visit_bundle_open(const struct visit_env *env, const struct ledger_campaign *c, const struct ledger_site *s,
                      int64_t letter_id, const char *kind, int64_t at_ms, struct visit_bundle *b, struct err *e);
/* Captures the page as it is: PREFIX.png (full page), PREFIX.mhtml, PREFIX.txt; records in meta under
 * "captures" what was written and what failed (a dead page still leaves a bundle). Returns which files
 * were written (VISIT_CAPTURED_*): a visit that says something about a letter needs its picture. */
#define VISIT_CAPTURED_PNG 1
#define VISIT_CAPTURED_MHTML 2
#define VISIT_CAPTURED_TEXT 4
unsigned visit_bundle_capture(struct visit_bundle *b, struct page *p, const char *prefix);
/* Adds each step's time to meta.json's timings.steps (where the visit's wall time went). */
struct scn_step_times;
void visit_bundle_step_times(struct visit_bundle *b, const struct scn_step_times *t);
/* The evidence of a visit's end: visit_bundle_capture, but when the visit's time budget is spent (every
 * page call would fail at once) the capture gets VISIT_EVIDENCE_GRACE_MS of its own first, so a visit
 * cut short still shows what its page showed; the screenshot comes first, the MHTML and the text as the
 * grace allows. A page that does not answer within it leaves those files missing (said in meta.json's
 * "captures") and the visit goes on to be recorded. */
#define VISIT_EVIDENCE_GRACE_MS 5000
unsigned visit_bundle_capture_last(const struct visit_env *env, struct visit_bundle *b, struct page *p,
                                   const char *prefix);
/* Writes meta.json and the manifest (chained to the letter's previous one, signed if a key is set);
 * the manifest's hash goes to sha_out. */
int visit_bundle_finish(const struct visit_env *env, struct visit_bundle *b, int64_t letter_id, const char *token,
                        int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e);
void visit_bundle_release(struct visit_bundle *b);
/* Records in meta's "block_list" the list a visit of sc uses ({"builtin", "user_file", "hosts", "by"}),
 * when it uses one (scn_block_list_is_used); each capture then lists what it blocked. */
void visit_bundle_block_note(struct visit_bundle *b, const struct visit_env *env, const struct scn_scenario *sc);

/* visit_tls.c: an https site's certificate, read by a handshake of our own before the browser goes there
 * (bounded by the visit's timeout). One that does not verify is recorded in meta.json "tls" (and in b for
 * the ledger row) with policy and whether the visit goes on past it; under "accept" meta.json "tls" is
 * written either way. Nothing for an http site. */
void visit_tls_note(const struct visit_env *env, const struct ledger_site *s, const struct scn_vars *vars,
                    enum scn_tls_policy policy, const struct proxy *proxy, struct visit_bundle *b);
/* The bundle's certificate finding into the visit row (borrowed: valid while b is). */
void visit_tls_to_visit(const struct visit_bundle *b, struct ledger_visit *v);

/* visit_proxy.c: records meta.json "proxy" when the visit goes through one. */
void visit_bundle_proxy_note(struct visit_bundle *b, const struct visit_proxy *vp);

/* Loads the site's entry page and records in meta's "entry_page" what it answered: a letter not found
 * proves nothing unless the site itself answers. True when it loaded with an HTTP status below 400. */
bool visit_entry_page_loads(struct page *p, const char *entry_url, int timeout_ms, json_t *meta);

/* The letter's visit lock (ledger_visit_lock_take), taken for this visit: sets *is_locked, or, when
 * another live huixin holds it, out->was_busy and out->busy_pid (returning 0). */
int visit_lock_take(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, bool *is_locked,
                    struct err *e);
/* Releases it if is_locked; a failure is logged (a lock left behind goes stale with its process). */
void visit_lock_release(const struct visit_env *env, int64_t letter_id, bool is_locked);

/* visit_session.c: the browser a visit runs in. For most sites env->browser; for a site with a session
 * (a real-name login), a browser of its own started on the site's profile, which is locked for the
 * visit (one browser per profile) and closed cleanly at its end, so what the site set is kept. */
struct visit_browser {
    struct browser *b;   /* the one to use: env->browser, or own */
    struct browser *own; /* a session site's, else NULL */
    struct profile profile;
    bool is_login_needed; /* open failed because nobody logged in (no profile) */
};
/* A failure is the visit's (a failed visit, never a verdict): the message says why, and
 * vb->is_login_needed when the site has no profile yet. */
int visit_browser_open(const struct visit_env *env, const struct scn_scenario *sc, const struct ledger_site *s,
                       struct visit_browser *vb, struct err *e);
void visit_browser_close(struct visit_browser *vb); /* closes the own browser and unlocks; safe twice */
/* For a site with a session, before the visit's steps: opens the session's page on p and judges it.
 * NULL when the login holds (or the site has none); else what keeps the visit from going on (caller
 * frees): "login needed: 登录已失效，需要重新登录 ..." with *is_login_needed set, or why the session
 * could not be told (a page that did not load ...), which fails the visit like any other. */
char *visit_session_check(const struct visit_env *env, const struct scn_scenario *sc, const struct ledger_site *s,
                          struct page *p, const struct scn_vars *vars, bool *is_login_needed);

/* Decides the letter's verdict now and stores it; fills the summary's before/after. */
int visit_verdict_update(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, struct err *e);

#endif
