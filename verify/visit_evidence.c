#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "driver/page.h"
#include "verify/assess.h"
#include "verify/evidence.h"
#include "verify/evidence_sign.h"
#include "verify/tsa.h"
#include "common/log.h"
#include "verify/visit_internal.h"

int visit_bundle_open(const struct visit_env *env, const struct ledger_campaign *c, const struct ledger_site *s,
                      int64_t letter_id, const char *kind, int64_t at_ms, struct visit_bundle *b, struct err *e)
{
    memset(b, 0, sizeof *b);
    struct ledger_visit *visits = NULL;
    size_t n = 0;
    if (ledger_visit_list(env->ledger, letter_id, &visits, &n, e))
        return ERR_STORE;
    ledger_visits_free(visits, n);
    if (evidence_dir_make(env->evidence_root, c->name, s->key, letter_id, (int)n + 1, kind, at_ms, &b->rel_dir, e))
        return ERR_IO;
    b->dir = xasprintf("%s/%s", env->evidence_root, b->rel_dir);
    char utc[32], bj[32];
    clock_utc_format(at_ms, utc, sizeof utc);
    clock_beijing_format(at_ms, bj, sizeof bj);
    b->meta = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "huixin_visit", 1, "kind", kind,
                        "campaign", c->name, "site", s->key, "site_name", s->name ? s->name : "", "time_utc", utc,
                        "time_beijing", bj, "letter_id", (json_int_t)letter_id, "browser",
                        env->browser ? browser_version(env->browser) : "", "captures", json_object());
    if (s->scenario_path)
        json_object_set_new(b->meta, "scenario_path", json_string(s->scenario_path));
    if (s->scenario_sha256)
        json_object_set_new(b->meta, "scenario_sha256", json_string(s->scenario_sha256));
    return 0;
}

/* Records one capture's outcome under meta.captures[prefix][what]. */
static void note_capture(struct visit_bundle *b, const char *prefix, const char *what, int rc, const struct err *e)
{
    json_t *captures = json_object_get(b->meta, "captures");
    json_t *entry = json_object_get(captures, prefix);
    if (!entry) {
        entry = json_object();
        json_object_set_new(captures, prefix, entry);
    }
    json_object_set_new(entry, what, rc == 0 ? json_string("ok") : json_string(e->msg));
}

void visit_bundle_capture(struct visit_bundle *b, struct page *p, const char *prefix)
{
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
    int rc = page_screenshot_full(p, path, 0, &shot, &e);
    note_capture(b, prefix, "png", rc, &e);
    if (rc == 0)
        json_object_set_new(entry, "png_size", json_pack("{s:i, s:i, s:i, s:b}", "width", shot.width_px, "height",
                                                         shot.height_px, "page_height", shot.page_height_px,
                                                         "truncated", shot.is_truncated));
    free(path);

    path = xasprintf("%s/%s.mhtml", b->dir, prefix);
    err_init(&e);
    rc = page_mhtml_save(p, path, &e);
    note_capture(b, prefix, "mhtml", rc, &e);
    free(path);

    char *text = NULL;
    err_init(&e);
    rc = page_text(p, &text, &e);
    if (rc == 0) {
        path = xasprintf("%s/%s.txt", b->dir, prefix);
        rc = file_write_atomic(path, text, strlen(text), &e);
        free(path);
    }
    note_capture(b, prefix, "text", rc, &e);
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
}

int visit_bundle_finish(const struct visit_env *env, struct visit_bundle *b, int64_t letter_id, const char *token,
                        int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e)
{
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
        if (evidence_timestamp(b->dir, env->tsa_url, env->timeout_ms ? env->timeout_ms : 30000, &te) != 0)
            log_warn("visit", "%s: no timestamp: %s", b->rel_dir, te.msg);
    }
    return rc;
}

void visit_bundle_release(struct visit_bundle *b)
{
    free(b->rel_dir);
    free(b->dir);
    json_decref(b->meta);
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

int visit_verdict_update(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, struct err *e)
{
    struct assessment a;
    if (assess_letter(env->ledger, env->cal, letter_id, clock_now_ms(), &a, e))
        return e ? e->code : ERR_STORE;
    out->has_verdict_before = false;
    if (a.letter.verdict && verdict_kind_from_name(a.letter.verdict, &out->verdict_before) == 0)
        out->has_verdict_before = true;
    out->verdict_after = a.verdict.kind;
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
