/* mail_wait and mail_reply: what a site sends to the letter's e-mail address (scenarios/mail.h).
 *
 * mail_wait (submit phase, after the final click): polls the mailbox until a mail that holds the
 * letter's token (`contains`, default ${letter.token}) and matches `subject`/`from` arrives, and reads
 * the query code out of it with `regex` into `var` (kept like an extract's: the ledger's query_code
 * when the var is query_code). mail_reply (check phase): looks once for the reply mail (`subject` is
 * required: it tells a reply from the site's other mails, such as the code's) and, when one is there,
 * it is the letter's reply: From the replying unit, Date the reply time, the body its text. No mail
 * proves nothing: the step goes on, and the check's own lookup decides.
 *
 * Either keeps the raw message in the evidence folder (mail-VAR.eml, reply.eml); the visit lists it in
 * the manifest with its hash and meta.json its headers. A mailbox that fails (login, TLS, timeout) is
 * the step's failure (ERR_SITE, ERR_TIMEOUT), never the site's word about the letter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "scenarios/mail.h"
#include "scenarios/regex.h"
#include "scenarios/step.h"

#define MAIL_WAIT_DEFAULT_MS 300000 /* a site's mail may take minutes */
#define MAIL_POLL_MS 3000
#define MAIL_CALL_MAX_MS 30000      /* one IMAP call */
#define MAIL_FETCH_MAX 200          /* messages read per look, newest first */

struct scn_mail_step {
    struct scn_regex *subject, *from, *regex;
};

static const char *const keys[] = {"timeout_seconds", NULL};

void scn_mails_release(struct scn_mails *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].var);
        free(m->v[i].file);
        scn_mail_msg_release(&m->v[i].msg);
    }
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

const struct scn_mail_seen *scn_mails_reply(const struct scn_mails *m)
{
    for (size_t i = m ? m->n : 0; i > 0; i--)
        if (strcmp(m->v[i - 1].step, "mail_reply") == 0)
            return &m->v[i - 1];
    return NULL;
}

static struct scn_regex *regex_get(struct scn_ld *l, json_t *v, const char *vpath, const char *key, bool required,
                                   bool needs_group)
{
    char *src = scn_ld_get_str(l, v, vpath, key, required, false);
    if (!src)
        return NULL;
    struct scn_regex *r = NULL;
    struct err e;
    err_init(&e);
    char *p = scn_ld_path_of(vpath, key);
    if (scn_regex_compile(src, &r, &e) != 0)
        scn_ld_error(l, p, false, "%s", e.msg);
    else if (needs_group && scn_regex_groups(r) < 1)
        scn_ld_error(l, p, false, "'%s' has no group: put the code in ( )", src);
    free(p);
    free(src);
    return r;
}

static void parse_common(struct scn_ld *l, json_t *v, const char *vpath, struct scn_step *s, bool is_wait)
{
    static const char *const wait_keys[] = {"var", "regex", "subject", "from", "contains", NULL};
    static const char *const reply_keys[] = {"subject", "from", "contains", NULL};
    const char *name = is_wait ? "mail_wait" : "mail_reply";
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'%s' must be an object with %s, not %s", name,
                     is_wait ? "'var' and 'regex'" : "'subject'", scn_ld_type_name(v));
        return;
    }
    scn_ld_check_keys(l, v, vpath, is_wait ? wait_keys : reply_keys, NULL);
    s->mail = xcalloc(1, sizeof *s->mail);
    s->mail->subject = regex_get(l, v, vpath, "subject", !is_wait, false);
    s->mail->from = regex_get(l, v, vpath, "from", false, false);
    s->value = scn_ld_get_str(l, v, vpath, "contains", false, true);
    if (!s->value)
        s->value = xstrdup("${letter.token}");
    if (is_wait) {
        s->var = scn_ld_get_str(l, v, vpath, "var", true, false);
        s->mail->regex = regex_get(l, v, vpath, "regex", true, true);
        scn_ld_var_target(l, vpath, s->var, "mail_wait");
    }
}

static void parse_wait(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                       struct scn_step *s)
{
    (void)step;
    (void)path;
    if (l->in_check)
        scn_ld_error(l, vpath, true, "mail_wait belongs in the submit phase; the check phase reads a reply with "
                                     "mail_reply");
    parse_common(l, v, vpath, s, true);
}

static void parse_reply(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                        struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!l->in_check || l->in_recover)
        scn_ld_error(l, vpath, true, "mail_reply belongs in the check phase");
    parse_common(l, v, vpath, s, false);
}

static bool regex_holds(const struct scn_regex *r, const char *text)
{
    char *found = NULL;
    bool holds = scn_regex_find(r, text, &found) == 1;
    free(found);
    return holds;
}

/* Whether msg is the mail the step looks for; *code (mail_wait) gets the regex's group. */
static bool mail_matches(const struct scn_step *st, const char *contains, const struct scn_mail_msg *msg, char **code)
{
    if (contains && *contains && !strstr(msg->subject, contains) && !strstr(msg->text, contains))
        return false;
    if (st->mail->subject && !regex_holds(st->mail->subject, msg->subject))
        return false;
    if (st->mail->from && !regex_holds(st->mail->from, msg->from))
        return false;
    if (st->mail->regex) {
        char *found = NULL;
        if (scn_regex_find(st->mail->regex, msg->text, &found) != 1 &&
            scn_regex_find(st->mail->regex, msg->subject, &found) != 1)
            return false;
        char *clean = scn_trim_dup(found);
        free(found);
        if (!*clean) {
            free(clean);
            return false;
        }
        *code = clean;
    }
    return true;
}

struct look {
    uint32_t *seen; /* UIDs read already and not the one: not fetched again */
    size_t n_seen;
};

static bool look_has(const struct look *k, uint32_t uid)
{
    for (size_t i = 0; i < k->n_seen; i++)
        if (k->seen[i] == uid)
            return true;
    return false;
}

/* One look through the mailbox: 1 and *seen_out filled when the mail is there, 0 when not, <0 when the
 * mailbox failed. */
static int look_once(struct scn_exec *x, const struct scn_step *st, const char *contains, int64_t since_ms,
                     int call_ms, struct look *k, struct scn_mail_seen *seen_out, char **raw_out, size_t *raw_len,
                     struct err *e)
{
    char criteria[32] = "ALL";
    if (since_ms > 0) {
        char day[12];
        scn_imap_date_format(since_ms - 86400000LL, day); /* a day early: the server's day may be another zone's */
        snprintf(criteria, sizeof criteria, "SINCE %s", day);
    }
    uint32_t *uids = NULL;
    size_t n = 0;
    struct scn_imap *session = scn_imap_open(x->o->mail);
    int rc = scn_imap_search(session, criteria, call_ms, &uids, &n, e);
    if (rc < 0) {
        scn_imap_close(session);
        return rc;
    }
    size_t fetched = 0;
    for (size_t i = n; i > 0 && rc == 0 && fetched < MAIL_FETCH_MAX; i--) {
        uint32_t uid = uids[i - 1];
        if (look_has(k, uid))
            continue;
        char *raw = NULL;
        size_t len = 0;
        struct err fe;
        err_init(&fe);
        int frc = scn_imap_fetch(session, uid, call_ms, &raw, &len, &fe);
        fetched++;
        if (frc == ERR_NOT_FOUND)
            continue; /* expunged between the search and the fetch */
        if (frc < 0) {
            rc = err_set(e, frc, "%s", fe.msg);
            break;
        }
        struct scn_mail_msg msg;
        struct err pe;
        err_init(&pe);
        scn_mail_msg_parse(raw, len, &msg, &pe);
        char *code = NULL;
        if (mail_matches(st, contains, &msg, &code)) {
            memset(seen_out, 0, sizeof *seen_out);
            seen_out->uid = uid;
            seen_out->msg = msg;
            seen_out->var = code; /* the code for now; the caller moves it */
            *raw_out = raw;
            *raw_len = len;
            rc = 1;
            break;
        }
        scn_mail_msg_release(&msg);
        free(raw);
        k->seen = xrealloc(k->seen, (k->n_seen + 1) * sizeof *k->seen);
        k->seen[k->n_seen++] = uid;
    }
    free(uids);
    scn_imap_close(session);
    return rc;
}

/* Keeps the raw message in the evidence folder as name (NULL: no folder). */
static int eml_keep(struct scn_exec *x, const char *name, const char *raw, size_t len, char **file_out, struct err *e)
{
    *file_out = NULL;
    if (!x->o->evidence_dir)
        return 0;
    int rc = file_mkdir_p(x->o->evidence_dir, 0755, e);
    if (rc < 0)
        return rc;
    char *path = xasprintf("%s/%s", x->o->evidence_dir, name);
    rc = file_write_atomic(path, raw, len, e);
    free(path);
    if (rc == 0)
        *file_out = xstrdup(name);
    return rc;
}

static void mail_record(struct scn_exec *x, struct scn_mail_seen *seen)
{
    if (!x->mails)
        return;
    x->mails->v = xrealloc(x->mails->v, (x->mails->n + 1) * sizeof *x->mails->v);
    x->mails->v[x->mails->n++] = *seen;
    memset(seen, 0, sizeof *seen);
}

static int exec_wait(struct scn_exec *x, const struct scn_step *st, const char *target, const char *contains,
                     int timeout_ms, struct err *e)
{
    (void)target;
    (void)timeout_ms;
    if (!x->o || !x->o->mail)
        return err_set(e, ERR_SITE, "mail_wait '%s': no mailbox is configured (--mail FILE)", st->var);
    int wait_ms = st->timeout_ms > 0 ? st->timeout_ms : MAIL_WAIT_DEFAULT_MS;
    int64_t deadline = clock_mono_ms() + wait_ms;
    int64_t since = x->final_at_ms ? x->final_at_ms : clock_now_ms();
    struct look k = {0};
    struct scn_mail_seen seen;
    memset(&seen, 0, sizeof seen);
    char *raw = NULL;
    size_t len = 0;
    int rc = 0;
    log_info("scenario", "mail_wait '%s': waiting up to %d s for a mail holding '%s'", st->var, wait_ms / 1000,
             contains ? contains : "");
    for (;;) {
        int64_t left = deadline - clock_mono_ms();
        int call_ms = left < MAIL_CALL_MAX_MS ? (int)(left > 2000 ? left : 2000) : MAIL_CALL_MAX_MS;
        struct err le;
        err_init(&le);
        rc = look_once(x, st, contains, since, call_ms, &k, &seen, &raw, &len, &le);
        if (rc < 0 && le.code == ERR_TIMEOUT && clock_mono_ms() + MAIL_POLL_MS < deadline) {
            /* a mailbox slow to answer may answer the next poll; a refusal (a password) will not */
            log_warn("scenario", "mail_wait '%s': %s; trying again", st->var, le.msg);
            rc = 0;
        } else if (rc < 0) {
            rc = err_set(e, le.code, "%s", le.msg);
            break;
        } else if (rc == 1) {
            break;
        }
        if (clock_mono_ms() + MAIL_POLL_MS >= deadline) {
            rc = err_set(e, ERR_TIMEOUT, "mail_wait '%s': no mail holding '%s' arrived within %d s", st->var,
                         contains ? contains : "", wait_ms / 1000);
            break;
        }
        scn_sleep_ms(MAIL_POLL_MS);
    }
    if (rc == 1) {
        char *code = seen.var;
        seen.var = xstrdup(st->var);
        seen.step = "mail_wait";
        scn_vars_set(&x->vars, st->var, code);
        scn_vars_set(x->extracted, st->var, code);
        log_info("scenario", "mail_wait '%s': read from mail uid %u", st->var, (unsigned)seen.uid);
        free(code);
        char *name = xasprintf("mail-%s.eml", st->var);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '_';
        rc = eml_keep(x, name, raw, len, &seen.file, e);
        free(name);
        if (rc == 0)
            mail_record(x, &seen);
    }
    scn_mail_msg_release(&seen.msg);
    free(seen.var);
    free(seen.file);
    free(raw);
    free(k.seen);
    return rc < 0 ? rc : 0;
}

static int exec_reply(struct scn_exec *x, const struct scn_step *st, const char *target, const char *contains,
                      int timeout_ms, struct err *e)
{
    (void)target;
    if (!x->o || !x->o->mail)
        return err_set(e, ERR_SITE, "mail_reply: no mailbox is configured (--mail FILE)");
    struct look k = {0};
    struct scn_mail_seen seen;
    memset(&seen, 0, sizeof seen);
    char *raw = NULL;
    size_t len = 0;
    int call_ms = timeout_ms > 0 && timeout_ms < MAIL_CALL_MAX_MS ? timeout_ms : MAIL_CALL_MAX_MS;
    int rc = look_once(x, st, contains, x->o->letter_sent_ms, call_ms, &k, &seen, &raw, &len, e);
    if (rc == 1) {
        seen.step = "mail_reply";
        log_info("scenario", "mail_reply: a reply mail (uid %u) from '%s'", (unsigned)seen.uid, seen.msg.from);
        rc = eml_keep(x, "reply.eml", raw, len, &seen.file, e);
        if (rc == 0) /* a reply without its mail in the evidence is a claim nobody can check: not taken */
            mail_record(x, &seen);
    } else if (rc == 0) {
        log_info("scenario", "mail_reply: no reply mail holding '%s' yet", contains ? contains : "");
    }
    scn_mail_msg_release(&seen.msg);
    free(seen.var);
    free(seen.file);
    free(raw);
    free(k.seen);
    return rc < 0 ? rc : 0;
}

static void release(struct scn_step *s)
{
    free(s->var);
    if (s->mail) {
        scn_regex_free(s->mail->subject);
        scn_regex_free(s->mail->from);
        scn_regex_free(s->mail->regex);
        free(s->mail);
    }
}

const struct scn_step_ops scn_step_mail_wait_ops = {
    .name = "mail_wait",
    .keys = keys,
    .parse = parse_wait,
    .exec = exec_wait,
    .release = release,
};

const struct scn_step_ops scn_step_mail_reply_ops = {
    .name = "mail_reply",
    .keys = keys,
    .parse = parse_reply,
    .exec = exec_reply,
    .release = release,
};

int scn_phase_mail_check(const struct scn_scenario *s, const struct scn_phase *ph, const struct scn_run_options *o,
                         struct err *e)
{
    for (size_t i = 0; i < ph->n_steps; i++) {
        const struct scn_step *st = &ph->steps[i];
        if ((st->kind == SCN_STEP_MAIL_WAIT || st->kind == SCN_STEP_MAIL_REPLY) && (!o || !o->mail))
            return err_set(e, ERR_USAGE, "scenario '%s' step %d (%s) reads the letter's mail, and no mailbox is "
                           "configured: give --mail FILE (an [imap] section: url, user, password)", s->path,
                           st->number, scn_step_table[st->kind]->name);
    }
    return 0;
}

bool scn_phase_has_navigation(const struct scn_phase *ph)
{
    for (size_t i = 0; i < ph->n_steps; i++)
        if (scn_step_table[ph->steps[i].kind]->is_navigation)
            return true;
    return false;
}
