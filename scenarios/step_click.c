/* click, click_text: one family, a click on an element found by selector or by its own text. Either
 * may be the final click, the one that sends the letter: the runner marks the moment (and the answers
 * to requests sent from then on belong to the letter), after before_final has written the intent. */
#include <stddef.h>

#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const click_keys[] = {"final", "timeout_seconds", NULL};
static const char *const click_text_keys[] = {"within", "final", "timeout_seconds", NULL};

static void parse_click(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                        struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click", true, true);
}

static void parse_click_text(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                             struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click_text", true, true);
    s->value = scn_ld_get_str(l, step, path, "within", false, true);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    int rc;
    if (st->is_final) {
        /* the element must be there before the intent is written, so a missing button is "not sent" */
        if (st->kind == SCN_STEP_CLICK && (rc = page_wait(x->p, PAGE_COND_VISIBLE, target, timeout_ms, e)) < 0)
            return rc;
        if (x->o && x->o->before_final && (rc = x->o->before_final(x->o->user, e)) < 0) {
            err_prefix(e, "before the final click");
            return rc;
        }
        x->final_clicked = true;
        x->final_at_ms = clock_now_ms();
        x->final_response_mark = page_response_mark(x->p);
    }
    if (st->kind == SCN_STEP_CLICK)
        return page_click(x->p, target, timeout_ms, e);
    return page_click_text(x->p, value, target, timeout_ms, e);
}

const struct scn_step_ops scn_step_click_ops = {
    .name = "click",
    .keys = click_keys,
    .parse = parse_click,
    .exec = exec,
};

const struct scn_step_ops scn_step_click_text_ops = {
    .name = "click_text",
    .keys = click_text_keys,
    .parse = parse_click_text,
    .exec = exec,
};
