#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "driver/page.h"
#include "driver/png_squeeze.h"
#include "scenarios/block_list.h"
#include "scenarios/scenario.h"
#include "verify/assess.h"
#include "verify/evidence.h"
#include "verify/evidence_sign.h"
#include "verify/tsa.h"
#include "common/log.h"
#include "scenarios/run.h"
#include "verify/visit_internal.h"

static bool is_recorded(const struct ledger_visit *visits, size_t n, const char *parent_rel, const char *name)
{
    size_t len = strlen(parent_rel);
    for (size_t i = 0; i < n; i++) {
        const char *d = visits[i].evidence_dir;
        if (d && strncmp(d, parent_rel, len) == 0 && d[len] == '/' && strcmp(d + len + 1, name) == 0)
            return true;
    }
    return false;
}

/* Moves aside the visit folders of a letter that no ledger row points at: what a run killed mid-visit,
 * a full disk or a locked ledger left behind. Left where they are, they would break the letter's
 * numbering and chain ("two visits numbered 002", a folder without a manifest) for every visit after
 * them. They are kept, renamed "unrecorded-NNN-...", for a person to look at; the verifier skips them.
 * keep is the new visit's own (empty) folder. */
static void stray_folders_set_aside(const char *parent, const char *parent_rel, const struct ledger_visit *visits,
                                    size_t n, const char *keep)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *ent;
    char **names = NULL;
    size_t n_names = 0;
    while ((ent = readdir(d)) != NULL) {
        if (evidence_dir_seq(ent->d_name) < 0 || is_recorded(visits, n, parent_rel, ent->d_name))
            continue;
        names = xrealloc(names, (n_names + 1) * sizeof *names);
        names[n_names++] = xstrdup(ent->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n_names; i++) {
        char *from = xasprintf("%s/%s", parent, names[i]);
        struct stat st;
        bool is_empty_keep = false;
        if (strcmp(names[i], keep) == 0) {
            DIR *k = opendir(from);
            is_empty_keep = true;
            while (k && (ent = readdir(k)) != NULL)
                if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
                    is_empty_keep = false;
            if (k)
                closedir(k);
        }
        if (!is_empty_keep && lstat(from, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *to = xasprintf("%s/unrecorded-%s", parent, names[i]);
            for (int k = 2; access(to, F_OK) == 0 && k < 1000; k++) {
                free(to);
                to = xasprintf("%s/unrecorded-%s.%d", parent, names[i], k);
            }
            if (rename(from, to) == 0)
                log_warn("visit", "'%s' is not in the ledger (a visit that was cut short): set aside as '%s'", from,
                         to);
            else
                log_warn("visit", "cannot set aside '%s' (not in the ledger): %s", from, strerror(errno));
            free(to);
        }
        free(from);
        free(names[i]);
    }
    free(names);
}

int visit_bundle_open(const struct visit_env *env, const struct ledger_campaign *c, const struct ledger_site *s,
                      int64_t letter_id, const char *kind, int64_t at_ms, struct visit_bundle *b, struct err *e)
{
    memset(b, 0, sizeof *b);
    b->opened_mono_ms = clock_mono_ms();
    struct ledger_visit *visits = NULL;
    size_t n = 0;
    if (ledger_visit_list(env->ledger, letter_id, &visits, &n, e))
        return ERR_STORE;
    /* Numbered after the visits that have evidence: a visit recorded without any (its evidence could
     * not be written) leaves no folder, so no gap. */
    int seq = 1;
    for (size_t i = 0; i < n; i++)
        if (visits[i].evidence_dir)
            seq++;
    if (evidence_dir_make(env->evidence_root, c->name, s->key, letter_id, seq, kind, at_ms, &b->rel_dir, e)) {
        ledger_visits_free(visits, n);
        return ERR_IO;
    }
    b->dir = xasprintf("%s/%s", env->evidence_root, b->rel_dir);
    b->squeezer = png_squeezer_new();
    {
        char *slash = strrchr(b->rel_dir, '/');
        char *parent_rel = xstrndup(b->rel_dir, (size_t)(slash - b->rel_dir));
        char *parent = xasprintf("%s/%s", env->evidence_root, parent_rel);
        stray_folders_set_aside(parent, parent_rel, visits, n, slash + 1);
        /* our own folder was a stray of the same name (the same --now): start it afresh */
        int rc = file_mkdir_beneath(env->evidence_root, b->rel_dir, 0755, e);
        free(parent);
        free(parent_rel);
        if (rc) {
            ledger_visits_free(visits, n);
            return ERR_IO;
        }
    }
    ledger_visits_free(visits, n);
    char utc[32], bj[32];
    clock_utc_format(at_ms, utc, sizeof utc);
    clock_beijing_format(at_ms, bj, sizeof bj);
    b->meta = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "huixin_visit", 1, "kind", kind,
                        "campaign", c->name, "site", s->key, "site_name", s->name ? s->name : "", "time_utc", utc,
                        "time_beijing", bj, "letter_id", (json_int_t)letter_id, "browser",
                        env->browser ? browser_version(env->browser) : "", "captures", json_object());
    if (env->browser) {
        struct browser_identity id;
        browser_identity_get(env->browser, &id);
        json_object_set_new(b->meta, "identity", json_pack("{s:s, s:s, s:s}", "user_agent", id.user_agent,
                                                           "language", id.language, "timezone", id.timezone));
    }
    if (s->scenario_path)
        json_object_set_new(b->meta, "scenario_path", json_string(s->scenario_path));
    if (s->scenario_sha256)
        json_object_set_new(b->meta, "scenario_sha256", json_string(s->scenario_sha256));
    return 0;
}

/* Records one capture's outcome under meta.captures[prefix][what], and how long it took (since
 * started_ms, clock_mono_ms) under meta.captures[prefix].ms[what]. */
static void note_capture(struct visit_bundle *b, const char *prefix, const char *what, int rc, const struct err *e,
                         int64_t started_ms)
{
    json_t *captures = json_object_get(b->meta, "captures");
    json_t *entry = json_object_get(captures, prefix);
    if (!entry) {
        entry = json_object();
        json_object_set_new(captures, prefix, entry);
    }
    json_object_set_new(entry, what, rc == 0 ? json_string("ok") : json_string(e->msg));
    json_t *ms = json_object_get(entry, "ms");
    if (!ms) {
        ms = json_object();
        json_object_set_new(entry, "ms", ms);
    }
    json_object_set_new(ms, what, json_integer(clock_mono_ms() - started_ms));
}

/* meta.json's "timings" object, made on first use. */
static json_t *meta_timings(struct visit_bundle *b)
{
    json_t *t = json_object_get(b->meta, "timings");
    if (!t) {
        t = json_object();
        json_object_set_new(b->meta, "timings", t);
    }
    return t;
}

void visit_bundle_step_times(struct visit_bundle *b, const struct scn_step_times *t)
{
    json_t *steps = json_object_get(meta_timings(b), "steps");
    if (!steps) {
        steps = json_array();
        json_object_set_new(meta_timings(b), "steps", steps);
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct scn_step_time *st = &t->v[i];
        json_array_append_new(steps, json_pack("{s:s, s:i, s:i, s:s, s:I, s:b}", "phase", st->phase, "step",
                                               st->number, "attempt", st->attempt, "label", st->label, "ms",
                                               (json_int_t)st->ms, "ok", st->is_ok));
    }
}

unsigned visit_bundle_capture_last(const struct visit_env *env, struct visit_bundle *b, struct page *p,
                                   const char *prefix)
{
    if (env->browser && browser_budget_is_spent(env->browser)) {
        log_info("visit", "the visit's time budget is spent: %d s more for its evidence", VISIT_EVIDENCE_GRACE_MS / 1000);
        browser_budget_start(env->browser, VISIT_EVIDENCE_GRACE_MS);
    }
    return visit_bundle_capture(b, p, prefix);
}

unsigned visit_bundle_capture(struct visit_bundle *b, struct page *p, const char *prefix)
{
    unsigned written = 0;
    struct err e;
    json_t *captures = json_object_get(b->meta, "captures");
    json_t *entry = json_object();
    json_object_set_new(captures, prefix, entry);

    char *url = NULL, *title = NULL;
    err_init(&e);
    if (page_url(p, &url, &e) == 0)
        json_object_set_new(entry, "final_url", json_string(url));
    err_init(&e);
    if (page_title(p, &title, &e) == 0)
        json_object_set_new(entry, "title", json_string(title));
    json_object_set_new(entry, "http_status", json_integer(page_http_status(p)));
    free(url);
    free(title);

    char *path = xasprintf("%s/%s.png", b->dir, prefix);
    struct page_shot_info shot = {0};
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    if (b->squeezer)
        page_shots_fast_set(p); /* every PNG of the folder is recompressed (png_squeezer) */
    int rc = page_screenshot_full(p, path, 0, &shot, &e);
    note_capture(b, prefix, "png", rc, &e, t0);
    written |= rc == 0 ? VISIT_CAPTURED_PNG : 0;
    if (rc == 0)
        png_squeezer_add(b->squeezer, path);
    if (rc == 0)
        json_object_set_new(entry, "png_size", json_pack("{s:i, s:i, s:i, s:i, s:b, s:b}", "width", shot.width_px,
                                                         "height", shot.height_px, "page_height", shot.page_height_px,
                                                         "page_width", shot.page_width_px, "truncated",
                                                         shot.is_truncated, "width_clipped", shot.is_width_clipped));
    free(path);

    path = xasprintf("%s/%s.mhtml", b->dir, prefix);
    err_init(&e);
    t0 = clock_mono_ms();
    rc = page_mhtml_save(p, path, &e);
    note_capture(b, prefix, "mhtml", rc, &e, t0);
    written |= rc == 0 ? VISIT_CAPTURED_MHTML : 0;
    free(path);

    char *text = NULL;
    err_init(&e);
    t0 = clock_mono_ms();
    rc = page_text(p, &text, &e);
    if (rc == 0) {
        path = xasprintf("%s/%s.txt", b->dir, prefix);
        rc = file_write_atomic(path, text, strlen(text), &e);
        free(path);
    }
    note_capture(b, prefix, "text", rc, &e, t0);
    written |= rc == 0 ? VISIT_CAPTURED_TEXT : 0;
    free(text);

    json_t *dialogs = json_array();
    for (size_t i = 0; i < page_dialog_count(p); i++) {
        const struct page_dialog *d = page_dialog_get(p, i);
        char when[32];
        clock_utc_format(d->at_ms, when, sizeof when);
        json_array_append_new(dialogs, json_pack("{s:s, s:s, s:s}", "type", d->type, "message", d->message,
                                                 "time_utc", when));
    }
    json_object_set_new(entry, "dialogs", dialogs);
    json_t *failed = json_array();
    for (size_t i = 0; i < page_failed_count(p); i++) {
        const struct page_failed_request *f = page_failed_get(p, i);
        json_array_append_new(failed, json_pack("{s:s, s:s}", "url", f->url, "error", f->error));
    }
    json_object_set_new(entry, "failed_requests", failed);
    json_t *unloaded = json_array(); /* other hosts' resources the page went on without: not the site's failure */
    for (size_t i = 0; i < page_unloaded_count(p); i++) {
        const struct page_unloaded *u = page_unloaded_get(p, i);
        json_array_append_new(unloaded, json_pack("{s:s, s:s, s:s, s:I}", "url", u->url, "host", u->host, "why",
                                                  u->why, "after_ms", (json_int_t)u->after_ms));
    }
    json_object_set_new(entry, "unloaded_resources", unloaded);
    if (json_object_get(b->meta, "block_list")) { /* blocked by huixin's list: not the site's failure either */
        json_object_set_new(entry, "blocked_resources", visit_blocked_json(p));
    }
    if ((int)page_unloaded_count(p) > b->n_unloaded)
        b->n_unloaded = (int)page_unloaded_count(p);

    /* a visit that went on in a new window: the windows behind the last one, a screenshot each (the
     * last one's PNG, MHTML and text are those above) */
    json_t *windows = json_array();
    for (size_t i = 0; i < page_window_depth(p); i++) {
        char *name = xasprintf("%s-window-%zu.png", prefix, i + 1);
        char *wpath = xasprintf("%s/%s", b->dir, name);
        char *wurl = NULL;
        err_init(&e);
        int wrc = page_window_opener_capture(p, i, wpath, NULL, &wurl, &e);
        json_array_append_new(windows, json_pack("{s:s, s:s, s:s}", "url", wurl ? wurl : "", "png", name, "result",
                                                 wrc == 0 ? "ok" : e.msg));
        free(wurl);
        free(wpath);
        free(name);
    }
    if (json_array_size(windows) > 0)
        json_object_set_new(entry, "windows_before", windows);
    else
        json_decref(windows);
    return written;
}

/* Waits for the screenshots given to the squeezer as they were written (made smaller in the background
 * while the visit went on), then squeezes here any other PNG of the folder (a window's capture), before
 * the manifest hashes them. One that cannot be made smaller, or fails, stays as it was. What it saved
 * goes to meta.json's png_recompressed. */
static void pngs_recompress(struct visit_bundle *b)
{
    struct png_squeeze_stats st = {0};
    char *warnings = NULL;
    png_squeezer_finish(b->squeezer, &st, &warnings);
    if (warnings) {
        log_warn("visit", "%s", warnings);
        free(warnings);
    }
    DIR *d = opendir(b->dir);
    struct dirent *ent;
    while (d && (ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || len <= 4 || strcmp(ent->d_name + len - 4, ".png") != 0)
            continue;
        char *path = xasprintf("%s/%s", b->dir, ent->d_name);
        struct err e;
        err_init(&e);
        if (!png_squeezer_has(b->squeezer, path) && png_squeeze_file(path, &st, &e) != 0)
            log_warn("visit", "%s: kept as captured: %s", path, e.msg);
        free(path);
    }
    if (d)
        closedir(d);
    if (st.files > 0)
        json_object_set_new(b->meta, "png_recompressed",
                            json_pack("{s:i, s:i, s:i, s:I, s:I, s:I, s:I}", "files", st.files, "smaller",
                                      st.smaller, "reused", st.reused, "bytes_before", (json_int_t)st.bytes_before, "bytes_after",
                                      (json_int_t)st.bytes_after, "ms", (json_int_t)st.ms, "cpu_ms",
                                      (json_int_t)st.cpu_ms));
}

int visit_bundle_finish(const struct visit_env *env, struct visit_bundle *b, int64_t letter_id, const char *token,
                        int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e)
{
    pngs_recompress(b);
    json_object_set_new(meta_timings(b), "visit_ms", json_integer(clock_mono_ms() - b->opened_mono_ms));
    char *text = json_dumps(b->meta, JSON_SORT_KEYS | JSON_INDENT(2));
    char *path = xasprintf("%s/meta.json", b->dir);
    int rc = file_write_atomic(path, text, strlen(text), e);
    free(path);
    free(text);
    if (rc)
        return rc;
    char *prev = NULL;
    if (ledger_visit_last_manifest(env->ledger, letter_id, &prev, e))
        return ERR_STORE;
    rc = evidence_manifest_write(b->dir, token, prev, at_ms, sha_out, e);
    free(prev);
    if (rc == 0 && env->sign_key_path)
        rc = evidence_sign_manifest(b->dir, env->sign_key_path, e);
    if (rc == 0 && env->tsa_url) {
        /* A timestamp authority that does not answer costs the visit its timestamp, not its evidence. */
        struct err te;
        err_init(&te);
        if (evidence_timestamp(b->dir, env->tsa_url, env->timeout_ms ? env->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS, &te) != 0)
            log_warn("visit", "%s: no timestamp: %s", b->rel_dir, te.msg);
    }
    return rc;
}

void visit_bundle_block_note(struct visit_bundle *b, const struct visit_env *env, const struct scn_scenario *sc)
{
    if (!scn_block_list_is_used(&sc->site, env->block_list))
        return;
    const char *by = sc->site.has_block_trackers ? "scenario" : "command line";
    json_object_set_new(b->meta, "block_list", visit_block_list_json(env->block_list, by));
}

json_t *visit_block_list_json(const struct scn_block_list *bl, const char *by)
{
    size_t n = 0;
    free(scn_block_patterns(bl, &n));
    const char *user_file = bl && bl->is_on ? bl->user_file : NULL;
    return json_pack("{s:b, s:s?, s:I, s:s}", "builtin", 1, "user_file", user_file, "hosts", (json_int_t)n, "by", by);
}

json_t *visit_blocked_json(struct page *p)
{
    json_t *blocked = json_array();
    for (size_t i = 0; i < page_blocked_count(p); i++) {
        const struct page_unloaded *u = page_blocked_get(p, i);
        json_array_append_new(blocked, json_pack("{s:s, s:s, s:s}", "url", u->url, "host", u->host, "why", u->why));
    }
    return blocked;
}

void visit_bundle_release(struct visit_bundle *b)
{
    png_squeezer_free(b->squeezer);
    free(b->rel_dir);
    free(b->dir);
    json_decref(b->meta);
    free(b->tls_error);
    free(b->tls_subject);
    memset(b, 0, sizeof *b);
}

void visit_vars_from_json(struct scn_vars *vars, const char *json_object_text)
{
    if (!json_object_text)
        return;
    json_t *o = json_loads(json_object_text, 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (json_is_string(v))
            scn_vars_set(vars, k, json_string_value(v));
    }
    json_decref(o);
}

char *visit_vars_to_json(const struct scn_vars *vars)
{
    json_t *o = json_object();
    for (size_t i = 0; i < vars->n; i++)
        json_object_set_new(o, vars->v[i].name, json_string(vars->v[i].value ? vars->v[i].value : ""));
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    return text;
}

int visit_lock_take(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, bool *is_locked,
                    struct err *e)
{
    *is_locked = false;
    int64_t holder = 0;
    /* the real clock: every huixin on the ledger must agree on a lock's age, whatever its --now */
    int rc = ledger_visit_lock_take(env->ledger, letter_id, clock_real_ms(), LEDGER_VISIT_LOCK_STALE_MS, &holder, e);
    if (rc)
        return rc;
    if (holder) {
        out->was_busy = true;
        out->busy_pid = holder;
        return 0;
    }
    *is_locked = true;
    return 0;
}

void visit_lock_release(const struct visit_env *env, int64_t letter_id, bool is_locked)
{
    if (!is_locked)
        return;
    struct err e;
    err_init(&e);
    if (ledger_visit_lock_release(env->ledger, letter_id, &e) != 0)
        log_warn("visit", "letter %lld: %s", (long long)letter_id, e.msg);
}

int visit_verdict_update(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, struct err *e)
{
    struct assessment a;
    if (assess_letter(env->ledger, env->cal, letter_id, clock_now_ms(), &a, e))
        return e ? e->code : ERR_STORE;
    out->has_verdict_before = false;
    if (a.letter.verdict && verdict_kind_from_name(a.letter.verdict, &out->verdict_before) == 0)
        out->has_verdict_before = true;
    out->verdict_after = a.verdict.kind;
    /* the visit before the one just recorded (the newest row): by id, whatever the clocks said */
    const struct ledger_visit *last = NULL, *before = NULL;
    for (size_t i = 0; i < a.n_visits; i++) {
        const struct ledger_visit *v = &a.visits[i];
        if (!last || v->id > last->id) {
            before = last;
            last = v;
        } else if (!before || v->id > before->id) {
            before = v;
        }
    }
    out->was_login_needed = before && visit_error_is_login_needed(before->error);
    snprintf(out->reason_zh, sizeof out->reason_zh, "%s", a.verdict.reason_zh);
    snprintf(out->campaign, sizeof out->campaign, "%s", a.campaign.name ? a.campaign.name : "");
    snprintf(out->site_name, sizeof out->site_name, "%s", a.site.name ? a.site.name : a.site.key);
    snprintf(out->mailbox, sizeof out->mailbox, "%s", a.site.mailbox ? a.site.mailbox : "");
    snprintf(out->token, sizeof out->token, "%s", a.letter.token ? a.letter.token : "");
    if (a.verdict.deadline_day)
        clock_date_format(a.verdict.deadline_day, out->deadline, sizeof out->deadline);
    int rc = ledger_letter_verdict_set(env->ledger, letter_id, verdict_kind_name_zh(a.verdict.kind), e);
    assessment_release(&a);
    return rc;
}

bool visit_entry_page_loads(struct page *p, const char *entry_url, int timeout_ms, json_t *meta)
{
    struct err e;
    err_init(&e);
    if (!entry_url || !*entry_url) {
        json_object_set_new(meta, "entry_page", json_string("no entry URL known"));
        return false;
    }
    if (page_goto(p, entry_url, timeout_ms, &e) != 0) {
        json_object_set_new(meta, "entry_page", json_pack("{s:s, s:s}", "url", entry_url, "error", e.msg));
        return false;
    }
    int status = page_http_status(p);
    bool ok = status > 0 && status < 400;
    json_object_set_new(meta, "entry_page", json_pack("{s:s, s:i, s:b}", "url", entry_url, "http_status", status,
                                                      "loaded", ok));
    return ok;
}

json_t *visit_mails_json(const struct scn_mails *m, const char *dir)
{
    if (!m || m->n == 0)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const struct scn_mail_seen *s = &m->v[i];
        json_t *o = json_pack("{s:s, s:I}", "step", s->step, "uid", (json_int_t)s->uid);
        if (s->var)
            json_object_set_new(o, "var", json_string(s->var));
        if (s->file) {
            json_object_set_new(o, "file", json_string(s->file));
            char hex[DIGEST_HEX_LEN];
            int64_t bytes = 0;
            char *path = xasprintf("%s/%s", dir, s->file);
            struct err e;
            err_init(&e);
            if (digest_file_sha256_hex(path, hex, &bytes, &e) == 0) {
                json_object_set_new(o, "sha256", json_string(hex));
                json_object_set_new(o, "bytes", json_integer(bytes));
            }
            free(path);
        }
        /* what the mail says of itself: the site's words, kept as written (reports escape them) */
        json_object_set_new(o, "from", json_string(s->msg.from ? s->msg.from : ""));
        json_object_set_new(o, "to", json_string(s->msg.to ? s->msg.to : ""));
        json_object_set_new(o, "subject", json_string(s->msg.subject ? s->msg.subject : ""));
        if (s->msg.date)
            json_object_set_new(o, "date", json_string(s->msg.date));
        if (s->msg.has_date) {
            char when[32];
            clock_beijing_format(s->msg.date_ms, when, sizeof when);
            json_object_set_new(o, "date_beijing", json_string(when));
        }
        if (s->msg.message_id)
            json_object_set_new(o, "message_id", json_string(s->msg.message_id));
        json_array_append_new(arr, o);
    }
    return arr;
}
