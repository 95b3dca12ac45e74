/* captcha: an image captcha, or a question captcha ("3+4=?", "请输入‘政府’的首字母"), or a slider
 * ("kind": "slider", scenarios/slider.c: the piece dragged into the picture's gap). The image (or the
 * question's element) is screenshot (kept in the evidence as captcha-NN.png), given to the run's
 * solver (scenarios/captcha.c: a person, a command, a control URL) with, for a question, its text, and
 * the answer typed into the input. On a retry after a wrong answer the refresh control, if any, asks
 * for a new image. */
#include <stdlib.h>
#include <string.h>

#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'captcha' must be an object with 'image' (or 'question') and 'input', not %s",
                     scn_ld_type_name(v));
        return;
    }
    json_t *kind = json_object_get(v, "kind");
    if (kind && !(json_is_string(kind) && (strcmp(json_string_value(kind), "image") == 0 ||
                                           strcmp(json_string_value(kind), "slider") == 0))) {
        char *p = scn_ld_path_of(vpath, "kind");
        scn_ld_error(l, p, false, "unknown captcha kind %s%s%s; expected image (the default) or slider",
                     json_is_string(kind) ? "'" : "", json_is_string(kind) ? json_string_value(kind) : scn_ld_type_name(kind),
                     json_is_string(kind) ? "'" : "");
        free(p);
        return;
    }
    if (kind && strcmp(json_string_value(kind), "slider") == 0) {
        s->captcha_refresh = scn_ld_get_str(l, v, vpath, "refresh", false, true);
        scn_slider_parse(l, v, vpath, s);
        return;
    }
    static const char *const captcha_keys[] = {"kind", "image", "question", "input", "refresh", NULL};
    scn_ld_check_keys(l, v, vpath, captcha_keys, NULL);
    s->captcha_question = scn_ld_get_str(l, v, vpath, "question", false, true);
    s->target = scn_ld_get_str(l, v, vpath, "image", !s->captcha_question, true);
    s->value = scn_ld_get_str(l, v, vpath, "input", true, true);
    s->captcha_refresh = scn_ld_get_str(l, v, vpath, "refresh", false, true);
}

/* The question's text as the page shows it, blanks squeezed; caller frees. */
static int question_text(struct scn_exec *x, const char *sel, char **out, struct err *e)
{
    char *q = scn_js_quote(sel);
    char *js = xasprintf("(() => { const el = document.querySelector(%s); if (!el) return '';"
                         " const t = el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el.value"
                         " : (el.innerText || el.textContent || ''); return t.replace(/\\s+/g, ' ').trim(); })()", q);
    int rc = page_eval_text(x->p, js, out, e);
    free(js);
    free(q);
    return rc;
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *image_sel, const char *input,
                int timeout_ms, struct err *e)
{
    if (!x->o || !x->o->captcha)
        return err_set(e, ERR_USAGE, "the site asks for %s captcha and no solver was given (--captcha prompt, "
                       "exec:CMD or control:URL)", st->slider ? "a slider" : st->captcha_question ? "a question" : "an image");
    if (st->slider)
        return scn_slider_exec(x, st, image_sel, timeout_ms, e);
    char *question_sel = NULL, *question = NULL, *path = NULL, *answer = NULL;
    unsigned char *png = NULL;
    size_t len = 0;
    int rc = 0;
    if (st->captcha_question && (rc = scn_vars_expand(&x->vars, st->captcha_question, &question_sel, e)) < 0)
        goto out;
    /* the picture: the image if there is one, else the question's own element */
    const char *image = image_sel ? image_sel : question_sel;
    if ((rc = page_wait(x->p, PAGE_COND_VISIBLE, image, timeout_ms, e)) < 0)
        goto out;
    if (st->captcha_refresh && x->attempt > 1) {
        /* a retry after a wrong answer: the image in front may be the old one (an XHR post does not
         * reload the page, and the site has used its answer up), so ask for a new one first */
        char *refresh = NULL;
        if ((rc = scn_vars_expand(&x->vars, st->captcha_refresh, &refresh, e)) == 0)
            rc = page_click(x->p, refresh, timeout_ms, e);
        free(refresh);
        if (rc < 0) {
            err_prefix(e, "captcha refresh");
            goto out;
        }
        scn_sleep_ms(300);
        struct err ignored;
        err_init(&ignored);
        page_settle(x->p, 300, 5000, &ignored);
    }
    if (x->o->evidence_dir) {
        if ((rc = file_mkdir_p(x->o->evidence_dir, 0755, e)) < 0)
            goto out;
        path = xasprintf("%s/captcha-%02d.png", x->o->evidence_dir, ++x->shot_seq);
    }
    /* an image still loading screenshots blank: wait for it to be complete first */
    char *q = scn_js_quote(image);
    char *expr = xasprintf("(async () => { const im = document.querySelector(%s); if (!im || im.tagName !== 'IMG') return 0;"
                           " for (let i = 0; i < 50 && !(im.complete && im.naturalWidth); i++)"
                           "   await new Promise(r => setTimeout(r, 100)); return 1; })()", q);
    char *ignored = NULL;
    rc = page_eval(x->p, expr, &ignored, e);
    free(ignored);
    free(expr);
    free(q);
    if (rc < 0)
        goto out;
    if ((rc = page_screenshot_element(x->p, image, path, &png, &len, e)) < 0)
        goto out;
    if (question_sel) {
        if ((rc = question_text(x, question_sel, &question, e)) < 0)
            goto out;
        if (!*question) {
            rc = err_set(e, ERR_SITE, "the captcha question '%s' has no text", question_sel);
            goto out;
        }
        log_info("scenario", "captcha question (%zu bytes) to the solver", strlen(question));
    }
    struct scn_ask_request rq = {.kind = question ? "question" : "captcha", .question = question, .png = png,
                                 .png_len = len, .site = x->s->site.name};
    if ((rc = x->o->captcha->solve(&rq, &answer, x->o->captcha->user, e)) < 0) {
        err_prefix(e, "captcha solver");
        goto out;
    }
    char *clean = scn_trim_dup(answer ? answer : "");
    log_info("scenario", "captcha answer '%s'", clean);
    rc = page_fill(x->p, input, clean, timeout_ms, e);
    free(clean);

out:
    free(answer);
    free(png);
    free(path);
    free(question);
    free(question_sel);
    return rc;
}

static void each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user)
{
    fn(s->captcha_refresh, user);
    fn(s->captcha_question, user);
    if (s->slider)
        scn_slider_each_string(s, fn, user);
}

static void release(struct scn_step *s)
{
    free(s->captcha_refresh);
    free(s->captcha_question);
    scn_slider_free(s->slider);
}

const struct scn_step_ops scn_step_captcha_ops = {
    .name = "captcha",
    .keys = keys,
    .parse = parse,
    .exec = exec,
    .each_string = each_string,
    .release = release,
};
