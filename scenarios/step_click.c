/* click, click_text: one family, a click on an element found by selector or by its own text, once it
 * can take the click (driver/page_actionable.h; `force` skips the checks). Either may be the final
 * click, the one that sends the letter: the step marks the moment (and the answers to requests sent
 * from then on belong to the letter), after before_final has written the intent. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/err.h"
#include "common/mem.h"

#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const click_keys[] = {"final", "force", "opens", "timeout_seconds", NULL};
static const char *const click_text_keys[] = {"within", "final", "force", "opens", "timeout_seconds", NULL};

/* How long a window the click asked for is waited for, when the step does not say ("opens": "window"
 * waits the step's timeout): it shows up within milliseconds, unless the browser refused to open it. */
#define CLICK_WINDOW_ASKED_MS 5000

static void parse_opens(struct scn_ld *l, json_t *step, const char *path, struct scn_step *s)
{
    char *opens = scn_ld_get_str(l, step, path, "opens", false, false);
    s->opens = SCN_OPENS_AUTO;
    if (opens && strcmp(opens, "window") == 0)
        s->opens = SCN_OPENS_WINDOW;
    else if (opens && strcmp(opens, "same") == 0)
        s->opens = SCN_OPENS_SAME;
    else if (opens) {
        char *at = scn_ld_path_of(path, "opens");
        scn_ld_error(l, at, false, "'opens' is '%s'; expected \"window\" or \"same\"", opens);
        free(at);
    }
    free(opens);
}

static void parse_click(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                        struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click", true, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
    parse_opens(l, step, path, s);
}

static void parse_click_text(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                             struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "click_text", true, true);
    s->value = scn_ld_get_str(l, step, path, "within", false, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
    parse_opens(l, step, path, s);
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
    size_t mark = page_window_mark(x->p);
    uint64_t navigations = page_navigation_count(x->p);
    uint64_t asked = page_window_asked(x->p);
    int rc = st->kind == SCN_STEP_CLICK ? page_click_with(x->p, target, &a, e)
                                        : page_click_text_with(x->p, value, target, &a, e);
    if (rc != 0 || st->opens == SCN_OPENS_SAME)
        return rc;
    /* a new tab or window the click opened is where the scenario goes on (a final click's answer too) */
    if (st->opens == SCN_OPENS_WINDOW) {
        rc = page_window_follow(x->p, mark, timeout_ms, e);
        if (rc == 0)
            rc = err_set(e, ERR_TIMEOUT, "the click opened no new window within %d ms (\"opens\": \"window\")",
                         timeout_ms);
        return rc < 0 ? rc : 0;
    }
    /* armed, a window that opens later is followed by the next step's wait, unless the click navigated
     * this window (then a window that opens is the new document's: a notice, an advertisement) */
    if (page_navigation_count(x->p) != navigations)
        return 0;
    page_window_arm(x->p, mark);
    /* the click's answer came from the renderer after any window it asked for was counted: when it
     * asked for none, nothing is waited for (a later one is still followed, armed) */
    if (page_window_asked(x->p) == asked)
        return 0;
    rc = page_window_armed_wait(x->p, CLICK_WINDOW_ASKED_MS, e);
    return rc < 0 ? rc : 0;
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
