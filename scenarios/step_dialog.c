/* dialog: waits for an alert, confirm or prompt (the driver answers it: accept), and keeps its
 * message in a variable if asked. Dialogs are taken in order; each is consumed once. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'dialog' must be an object (\"expect\", \"var\"), not %s", scn_ld_type_name(v));
        return;
    }
    static const char *const dialog_keys[] = {"expect", "var", NULL};
    scn_ld_check_keys(l, v, vpath, dialog_keys, NULL);
    s->dialog_type = scn_ld_get_str(l, v, vpath, "expect", false, false);
    if (!s->dialog_type) {
        s->dialog_type = xstrdup("any");
    } else if (strcmp(s->dialog_type, "alert") != 0 && strcmp(s->dialog_type, "confirm") != 0 &&
               strcmp(s->dialog_type, "prompt") != 0 && strcmp(s->dialog_type, "any") != 0) {
        char *p = scn_ld_path_of(vpath, "expect");
        scn_ld_error(l, p, false, "'expect' is '%s'; expected alert, confirm, prompt or any", s->dialog_type);
        free(p);
    }
    s->var = scn_ld_get_str(l, v, vpath, "var", false, false);
    /* as extract and ask: a dialog's text into letter.token would change how the letter is found */
    scn_ld_var_target(l, vpath, s->var, "read the dialog");
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)target;
    (void)value;
    int64_t end = clock_mono_ms() + timeout_ms;
    for (;;) {
        for (size_t i = x->dialogs_seen; i < page_dialog_count(x->p); i++) {
            const struct page_dialog *d = page_dialog_get(x->p, i);
            if (strcmp(st->dialog_type, "any") != 0 && strcmp(st->dialog_type, d->type) != 0)
                continue;
            x->dialogs_seen = i + 1;
            if (st->var) {
                scn_vars_set(&x->vars, st->var, d->message);
                scn_vars_set(x->extracted, st->var, d->message);
            }
            return 0;
        }
        if (clock_mono_ms() >= end)
            return err_set(e, ERR_TIMEOUT, "no %s dialog appeared within %d ms",
                           strcmp(st->dialog_type, "any") == 0 ? "" : st->dialog_type, timeout_ms);
        char *ignored = NULL;
        int rc = page_eval(x->p, "0", &ignored, e); /* pumps the connection, so dialog events arrive */
        free(ignored);
        if (rc < 0)
            return rc;
        scn_sleep_ms(100);
    }
}

static void release(struct scn_step *s)
{
    free(s->var);
    free(s->dialog_type);
}

const struct scn_step_ops scn_step_dialog_ops = {
    .name = "dialog",
    .keys = keys,
    .parse = parse,
    .exec = exec,
    .release = release,
};
