/* click, click_text: one family, a click on an element found by selector or by its own text, once it
 * can take the click (driver/page_actionable.h; `force` skips the checks). Either may be the final
 * click, the one that sends the letter: the step marks the moment (and the answers to requests sent
 * from then on belong to the letter), after before_final has written the intent. */
#include <stddef.h>

#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const click_keys[] = {"final", "force", "timeout_seconds", NULL};
static const char *const click_text_keys[] = {"within", "final", "force", "timeout_seconds", NULL};

static void parse_click(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                        struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click", true, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
}

static void parse_click_text(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                             struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click_text", true, true);
    s->value = scn_ld_get_str(l, step, path, "within", false, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
}

/* The final click's moment: the element can take the click and the mouse is about to be pressed. The
 * intent is written first (before_final), so a click never made leaves the letter "not sent" and a
 * click made is never lost. */
static int before_final_press(void *user, struct err *e)
{
    struct scn_exec *x = user;
    int rc;
    if (x->o && x->o->before_final && (rc = x->o->before_final(x->o->user, e)) < 0) {
        err_prefix(e, "before the final click");
        return rc;
    }
    x->final_clicked = true;
    x->final_at_ms = clock_now_ms();
    x->final_response_mark = page_response_mark(x->p);
    return 0;
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    struct page_action a = {timeout_ms, st->is_forced, NULL, NULL};
    if (st->is_final) {
        a.before_press = before_final_press;
        a.user = x;
    }
    if (st->kind == SCN_STEP_CLICK)
        return page_click_with(x->p, target, &a, e);
    return page_click_text_with(x->p, value, target, &a, e);
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
