/* The ledger: huixin's record of campaigns, sites, letters and visits, in one SQLite file (WAL mode,
 * so `status` and `report` can read while `run` writes). All SQLite code lives in ledger*.c.
 *
 * Never lose and never repeat: a letter row is written with state LETTER_INTENT *before* the final
 * click of a submission; only a successful submission moves it to LETTER_SUBMITTED. A letter found in
 * LETTER_INTENT after a crash must be looked up on the site (by its token), never submitted again.
 * Visits are append-only. The schema carries its version in PRAGMA user_version and upgrades itself
 * on open; a ledger newer than this binary is refused rather than damaged. */
#ifndef HUIXIN_LEDGER_H
#define HUIXIN_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct ledger;

enum letter_state {
    LETTER_INTENT = 0,    /* about to be submitted: the final click may or may not have happened */
    LETTER_SUBMITTED = 1, /* the site confirmed the submission */
    LETTER_FAILED = 2,    /* the site refused it or it could not be submitted: 提交失败 */
    LETTER_IMPORTED = 3,  /* registered by `huixin import`: written by someone else, to verify */
};

enum visit_outcome {
    VISIT_FOUND = 0,     /* the page loaded and showed the letter */
    VISIT_NOT_FOUND = 1, /* the page loaded and said the letter is not there */
    VISIT_FAILED = 2,    /* the page did not load or could not be read: says nothing about the letter */
};

struct ledger_campaign {
    int64_t id;
    char *name;
    char *authorised_by;   /* who authorised the test (person, office, document number) */
    char *file_path;       /* the campaign file it came from, if any */
    char *file_sha256;
    int64_t created_at_ms;
    int deletion_min_visits;     /* the deletion rule of the campaign (0 on write: 2) */
    int64_t deletion_min_gap_ms; /* negative on write: 1 hour */
};

struct ledger_site {
    int64_t id;
    int64_t campaign_id;
    char *key;             /* short unique name inside the campaign, e.g. "baochuan-mayor" */
    char *name;            /* 网站名称 */
    char *owner;           /* 开设主体 */
    char *mailbox;         /* 信箱名称 */
    char *entry_url;
    char *family;
    int deadline_workdays;
    char *scenario_path;
    char *scenario_sha256;
    char *vars_json;       /* the campaign's variables for this site, as a JSON object */
};

struct ledger_letter {
    int64_t id;
    int64_t site_id;
    enum letter_state state;
    char *token;           /* unique, unobtrusive mark placed in the letter so it can be found again */
    char *title;
    char *body;
    int64_t intent_at_ms;
    int64_t final_click_at_ms; /* when the click that sends the letter was last made; 0: never, so
                                  nothing was sent and an INTENT letter may be submitted again */
    int64_t submitted_at_ms; /* 0 until submitted (imported letters: the time the citizen gave) */
    char *query_code;
    char *letter_no;
    char *detail_url;
    char *vars_json;       /* everything the submission extracted, as a JSON object */
    char *error;           /* why it failed, for LETTER_FAILED */
    char *verdict;         /* the last verdict computed (its Chinese word), for change alerts */
    int submit_tries;      /* sendings that failed because of the site (down, blocked, form broken) */
};

struct ledger_visit {
    int64_t id;
    int64_t letter_id;
    char *kind;            /* "submit" (the submission's own page) or "check" (a revisit); NULL on write: check */
    int64_t at_ms;
    enum visit_outcome outcome;
    bool is_entry_ok;      /* the site's entry page loaded on this visit */
    int http_status;
    char *final_url;
    char *state_text;      /* 办理状态 as shown */
    bool has_reply;
    int64_t reply_date_ms; /* the reply date the site shows; 0 if none or unparsed */
    char *reply_unit;
    char *reply_text;
    char *error;           /* for VISIT_FAILED: what failed; for a submit visit that sent the letter, what
                              failed after it was sent (an extract, a screenshot), or NULL */
    char *evidence_dir;    /* relative to the evidence root */
    char *manifest_sha256;
    /* Checks: what kind of lookup it was: "authoritative" (the site's own answer about this letter)
     * or "list" (a public list or search); NULL: not recorded (rows before schema 3, submit visits). */
    char *lookup;
    bool is_seen_in_list;  /* a list showed the letter on this visit */
    bool proves_absence;   /* a list the scenario says shows every new letter at once */
    int n_unloaded;        /* other hosts' resources the page went on without (meta.json unloaded_resources):
                              shown as 页面部分资源未加载, never the site's failure */
    char *tls_error;       /* the site's certificate does not verify: OpenSSL's word (meta.json tls.error) */
    char *tls_subject;     /* ... its subject (the site's words); both NULL for a certificate that verifies */
    bool is_tls_accepted;  /* ... and the visit went on past it (site.tls "accept") */
};

/* Opens (creating or upgrading) the ledger at path. */
int ledger_open(const char *path, struct ledger **out, struct err *e);
/* For commands that only read (status, report, campaign list): a missing file is an error (ERR_STORE)
 * rather than a new ledger, and a ledger whose file or folder cannot be written (read-only media, an
 * archive) is opened as ledger_open_readonly does; otherwise as ledger_open. */
int ledger_open_existing(const char *path, struct ledger **out, struct err *e);
/* Opens an existing ledger read-only: nothing is created, upgraded or written (not even its -wal and
 * -shm files when its folder is read-only). Its schema must be this huixin's: an older one cannot be
 * upgraded read-only and is refused (ERR_STORE, saying so), as is a newer one. Writes fail. */
int ledger_open_readonly(const char *path, struct ledger **out, struct err *e);
void ledger_close(struct ledger *l); /* NULL is a no-op */
int ledger_schema_version(struct ledger *l);

/* Transactions, for writes that must land together. Nested begin is an error. */
int ledger_begin(struct ledger *l, struct err *e);
int ledger_commit(struct ledger *l, struct err *e);
void ledger_rollback(struct ledger *l);
/* A read snapshot, for several passes that must agree (a report's summary and its table): every read
 * until ledger_snapshot_end sees the ledger as the first read after begin saw it, while others write
 * (WAL). Nothing may be written in between. */
int ledger_snapshot_begin(struct ledger *l, struct err *e);
void ledger_snapshot_end(struct ledger *l); /* no-op when none is open */

/* Campaigns: by unique name. ledger_campaign_ensure inserts or returns the existing row's id. */
int ledger_campaign_ensure(struct ledger *l, const struct ledger_campaign *c, int64_t *id_out, struct err *e);
int ledger_campaign_find(struct ledger *l, const char *name, struct ledger_campaign *out, struct err *e);
int ledger_campaign_get(struct ledger *l, int64_t id, struct ledger_campaign *out, struct err *e);
/* The id of the campaign named name; name NULL gives 0 (all campaigns, for the listing functions). */
int ledger_campaign_id(struct ledger *l, const char *name, int64_t *id_out, struct err *e);
int ledger_campaign_list(struct ledger *l, struct ledger_campaign **out, size_t *n_out, struct err *e);

/* Sites: unique by (campaign, key); ensure updates the descriptive fields and returns the id. */
int ledger_site_ensure(struct ledger *l, const struct ledger_site *s, int64_t *id_out, struct err *e);
int ledger_site_get(struct ledger *l, int64_t id, struct ledger_site *out, struct err *e);
int ledger_site_list(struct ledger *l, int64_t campaign_id, struct ledger_site **out, size_t *n_out,
                     struct err *e);

/* Letters. ledger_letter_add inserts (state, token, title, body, intent_at_ms...) and sets *id_out. */
int ledger_letter_add(struct ledger *l, const struct ledger_letter *t, int64_t *id_out, struct err *e);
int ledger_letter_get(struct ledger *l, int64_t id, struct ledger_letter *out, struct err *e);
/* The site's letters, oldest first (a campaign has one per site; ad hoc use may add more). */
int ledger_letter_list_by_site(struct ledger *l, int64_t site_id, struct ledger_letter **out, size_t *n_out,
                               struct err *e);
/* Every letter, or those of one campaign (campaign_id 0 = all), oldest first. */
int ledger_letter_list(struct ledger *l, int64_t campaign_id, struct ledger_letter **out, size_t *n_out,
                       struct err *e);
/* Records a confirmed submission: state SUBMITTED, submitted_at, what was extracted. */
int ledger_letter_mark_submitted(struct ledger *l, int64_t id, int64_t submitted_at_ms, const char *query_code,
                                 const char *letter_no, const char *detail_url, const char *vars_json,
                                 struct err *e);
/* Sets an imported letter's submission time once it is learnt (only while it is still 0). */
int ledger_letter_submitted_at_fill(struct ledger *l, int64_t id, int64_t submitted_at_ms, struct err *e);
/* Counts one more sending that failed because of the site; the new count in *tries_out. */
int ledger_letter_submit_try_add(struct ledger *l, int64_t id, int *tries_out, struct err *e);
/* Records that the final click is about to be made (only while the letter is an INTENT). */
int ledger_letter_final_click_set(struct ledger *l, int64_t id, int64_t at_ms, struct err *e);
int ledger_letter_mark_failed(struct ledger *l, int64_t id, const char *error, struct err *e);
int ledger_letter_verdict_set(struct ledger *l, int64_t id, const char *verdict, struct err *e);

/* Visits: append-only. */
int ledger_visit_add(struct ledger *l, const struct ledger_visit *v, int64_t *id_out, struct err *e);
int ledger_visit_list(struct ledger *l, int64_t letter_id, struct ledger_visit **out, size_t *n_out,
                      struct err *e);
/* The manifest hash of the letter's latest visit with evidence (NULL if none), for the evidence chain. */
int ledger_visit_last_manifest(struct ledger *l, int64_t letter_id, char **sha256_out, struct err *e);
/* The site's last contact, for pacing: the latest of its letters' final clicks and its visits' start
 * times, in ms; 0 when it has none. */
int ledger_site_last_contact_ms(struct ledger *l, int64_t site_id, int64_t *ms_out, struct err *e);

/* A scan of every letter of campaign_id (0: all), by id, each with its site and its visits (oldest
 * first, as ledger_visit_list gives them): two statements read side by side, so a whole ledger is
 * read in one pass, holding one letter at a time. ledger_scan_next returns 1 and fills *letter and
 * *site (the caller releases them) and *visits_out (free with ledger_visits_free; NULL when none),
 * 0 at the end, a negative code on error. No write to the ledger may happen while a scan is open.
 */
struct ledger_scan;
enum ledger_scan_kind {
    LEDGER_SCAN_ALL,  /* every letter, every field */
    /* the revisit schedule's lean scan: only letters sent or imported that no visit has seen answered
     * (the others' verdicts are final), and of those only what the verdict reads (letter: id, site_id,
     * state, submitted_at_ms; site: id, campaign_id, deadline_workdays; visit: id, letter_id,
     * at_ms, outcome, is_entry_ok, has_reply, reply_date_ms, kind, lookup, is_seen_in_list,
     * proves_absence), read from an index; every other field is NULL or 0 */
    LEDGER_SCAN_OPEN,
    LEDGER_SCAN_OPEN_MISSED, /* as LEDGER_SCAN_OPEN, only the letters a visit since they went out did not
                                find (outcome VISIT_NOT_FOUND): those ledger_open_facts_each leaves out */
};
int ledger_scan_open(struct ledger *l, int64_t campaign_id, enum ledger_scan_kind kind, struct ledger_scan **out,
                     struct err *e);
int ledger_scan_next(struct ledger_scan *s, struct ledger_letter *letter, struct ledger_site *site,
                     struct ledger_visit **visits_out, size_t *n_out, struct err *e);
void ledger_scan_close(struct ledger_scan *s); /* NULL is a no-op */
/* The evidence folders of the visits a LEDGER_SCAN_ALL scan of campaign_id gives, in its order (by
 * letter, oldest first), one column read on its own: a report lists the folders' files ahead of
 * writing their visits (reports/files_ahead.c). ledger_visit_dirs_next returns 1 and sets *dir
 * (borrowed until the next call; NULL for a visit without evidence), 0 at the end, a negative code on
 * error. Read beside a scan, in one snapshot (ledger_snapshot_begin) to see the same visits. */
struct ledger_dirs;
int ledger_visit_dirs_open(struct ledger *l, int64_t campaign_id, struct ledger_dirs **out, struct err *e);
int ledger_visit_dirs_next(struct ledger_dirs *d, const char **dir, struct err *e);
void ledger_visit_dirs_close(struct ledger_dirs *d); /* NULL is a no-op */
/* The campaigns a LEDGER_SCAN_ALL scan of campaign_id (0: all) meets, each once, in the order their
 * first letter comes; a campaign without letters is not among them. One query, not a pass over the
 * letters (the JSON report names the campaigns before its letters). Free with ledger_campaigns_free. */
int ledger_scan_campaigns(struct ledger *l, int64_t campaign_id, struct ledger_campaign **out, size_t *n_out,
                          struct err *e);

/* What the revisit schedule needs of an open letter that no visit since it went out missed (so it is
 * neither answered nor possibly deleted: its verdict is not final): its times and its last visit. */
struct ledger_open_facts {
    int64_t letter_id;
    enum letter_state state;
    int64_t submitted_at_ms;
    int deadline_workdays;       /* the site's; 0: the default */
    bool has_last_visit;         /* a visit at or after submitted_at_ms */
    int64_t last_visit_at_ms;    /* the latest of them (the highest id of those at the same instant) */
    enum visit_outcome last_visit_outcome;
};
/* Calls fn for each such letter of campaign_id (0: all), by id, in one query that reads indexes only;
 * the open letters it leaves out are LEDGER_SCAN_OPEN_MISSED's. A non-zero return from fn stops it
 * and is returned. */
typedef int (*ledger_open_facts_fn)(const struct ledger_open_facts *f, void *user);
int ledger_open_facts_each(struct ledger *l, int64_t campaign_id, ledger_open_facts_fn fn, void *user, struct err *e);

/* Visit locks: one huixin visits a letter at a time, or two visits would take the same number and
 * break the letter's evidence chain. ledger_visit_lock_take takes the letter's lock for this process
 * (in its own transaction: it must not be called inside one) and sets *holder_pid_out to 0; when
 * another live process holds it, it takes nothing and sets *holder_pid_out to that pid (returning 0).
 * A lock is stale, and taken over, when its process is gone (on this machine: its pid is dead or it
 * was taken before this boot) or it is older than stale_after_ms (any machine). The lock is released
 * by the process that took it; release when not held is a no-op. */
#define LEDGER_VISIT_LOCK_STALE_MS (2 * 3600 * 1000LL)
int ledger_visit_lock_take(struct ledger *l, int64_t letter_id, int64_t now_ms, int64_t stale_after_ms,
                           int64_t *holder_pid_out, struct err *e);
int ledger_visit_lock_release(struct ledger *l, int64_t letter_id, struct err *e);

/* Row counts, for tests and `status`. */
int ledger_count(struct ledger *l, const char *table, int64_t *n_out, struct err *e);

void ledger_campaign_release(struct ledger_campaign *c);
void ledger_site_release(struct ledger_site *s);
void ledger_letter_release(struct ledger_letter *t);
void ledger_visit_release(struct ledger_visit *v);
/* Releases each element and frees the array. */
void ledger_campaigns_free(struct ledger_campaign *a, size_t n);
void ledger_sites_free(struct ledger_site *a, size_t n);
void ledger_letters_free(struct ledger_letter *a, size_t n);
void ledger_visits_free(struct ledger_visit *a, size_t n);

const char *ledger_letter_state_name(enum letter_state s);
const char *ledger_visit_outcome_name(enum visit_outcome o);

#endif
