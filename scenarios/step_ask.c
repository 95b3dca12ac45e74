/* ask: a value only a person (or a hook acting for one) has: an SMS code the site sent to the
 * letter's phone, a text. The run's solver (scenarios/captcha.c: a person at the terminal, a command,
 * a control URL) is asked with the step's kind and prompt, and a picture of the step's image if it has
 * one; the answer goes into a variable that later steps use (a fill with ${sms_code}). The answer is
 * the letter-writer's own: it is kept in the run's variables only, never in what the result reports
 * (extracted, meta.json) and never in the log beyond its length. */
#include <stdlib.h>
#include <string.h>

#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/step.h"

/* How long the answer may take unless the step says: a person has to read a phone. */
#define ASK_DEFAULT_MS 300000

static const char *const keys[] = {"timeout_seconds", NULL};

/* The kinds the step takes; a slider is a captcha step ("kind": "slider", scenarios/slider.c), and image
 * (click the right picture) is refused until huixin can point. */
static const char *const ask_kinds[] = {"sms", "text", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'ask' must be an object with 'var', 'prompt' and 'kind', not %s",
                     scn_ld_type_name(v));
        return;
    }
    static const char *const ask_keys[] = {"var", "prompt", "kind", "image", NULL};
    scn_ld_check_keys(l, v, vpath, ask_keys, NULL);
    s->var = scn_ld_get_str(l, v, vpath, "var", true, false);
    s->value = scn_ld_get_str(l, v, vpath, "prompt", true, true);
    s->target = scn_ld_get_str(l, v, vpath, "image", false, true);
    s->ask_kind = scn_ld_get_str(l, v, vpath, "kind", false, false);
    if (!s->ask_kind) {
        s->ask_kind = xstrdup("text");
    } else {
        bool known = false;
        for (size_t i = 0; ask_kinds[i]; i++)
            known = known || strcmp(s->ask_kind, ask_kinds[i]) == 0;
        if (!known) {
            char *p = scn_ld_path_of(vpath, "kind");
            if (strcmp(s->ask_kind, "slider") == 0)
                scn_ld_error(l, p, false, "kind 'slider' is a captcha: use {\"captcha\": {\"kind\": \"slider\", "
                             "\"background\": ..., \"piece\": ..., \"handle\": ..., \"solved\": ...}}; ask takes "
                             "sms or text");
            else if (strcmp(s->ask_kind, "image") == 0)
                scn_ld_error(l, p, false, "kind '%s' is not supported yet; expected sms or text", s->ask_kind);
            else
                scn_ld_error(l, p, false, "unknown kind '%s'; expected sms or text", s->ask_kind);
            free(p);
        }
    }
    scn_ld_var_target(l, vpath, s->var, "ask");
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *image, const char *prompt, int timeout_ms,
                struct err *e)
{
    if (!x->o || !x->o->captcha)
        return err_set(e, ERR_USAGE, "the site asks for %s ('%s') and no solver was given (--captcha prompt, "
                       "exec:CMD or control:URL)", strcmp(st->ask_kind, "sms") == 0 ? "an SMS code" : "a text",
                       prompt ? prompt : "");
    unsigned char *png = NULL;
    size_t len = 0;
    char *path = NULL, *answer = NULL;
    int rc = 0;
    if (image) {
        if ((rc = page_wait(x->p, PAGE_COND_VISIBLE, image, timeout_ms, e)) < 0)
            goto out;
        if (x->o->evidence_dir) {
            if ((rc = file_mkdir_p(x->o->evidence_dir, 0755, e)) < 0)
                goto out;
            path = xasprintf("%s/ask-%02d.png", x->o->evidence_dir, ++x->shot_seq);
        }
        if ((rc = page_screenshot_element(x->p, image, path, &png, &len, e)) < 0)
            goto out;
    }
    struct scn_ask_request rq = {.kind = st->ask_kind, .prompt = prompt, .png = png, .png_len = len,
                                 .site = x->s->site.name,
                                 .timeout_ms = st->timeout_ms > 0 ? st->timeout_ms : ASK_DEFAULT_MS};
    log_info("scenario", "ask '%s': waiting up to %d s for %s", st->var, rq.timeout_ms / 1000, st->ask_kind);
    if ((rc = x->o->captcha->solve(&rq, &answer, x->o->captcha->user, e)) < 0) {
        err_prefix(e, "ask solver");
        goto out;
    }
    char *clean = scn_trim_dup(answer ? answer : "");
    if (!*clean) {
        rc = err_set(e, ERR_USAGE, "ask '%s': the solver's answer is empty", st->var);
    } else {
        log_info("scenario", "ask '%s': answered (%zu chars)", st->var, strlen(clean));
        scn_vars_set(&x->vars, st->var, clean);
    }
    free(clean);
out:
    free(answer);
    free(png);
    free(path);
    return rc;
}

static void release(struct scn_step *s)
{
    free(s->var);
    free(s->ask_kind);
}

const struct scn_step_ops scn_step_ask_ops = {
    .name = "ask",
    .keys = keys,
    .parse = parse,
    .exec = exec,
    .release = release,
};
