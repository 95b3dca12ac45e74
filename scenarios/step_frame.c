/* frame: later steps act inside an iframe (found by selector, or by a part of its URL), or, with
 * "main", in the page itself again. */
#include <stdlib.h>
#include <string.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "main") == 0)
            s->frame_is_main = true;
        else
            scn_ld_error(l, vpath, false,
                         "frame '%s': expected \"main\" or an object with 'selector' or 'url_contains'",
                         json_string_value(v));
    } else if (json_is_object(v)) {
        static const char *const frame_keys[] = {"selector", "url_contains", NULL};
        scn_ld_check_keys(l, v, vpath, frame_keys, NULL);
        const char *which = scn_ld_one_of(l, v, vpath, frame_keys, "frame");
        if (which && strcmp(which, "selector") == 0)
            s->target = scn_ld_get_str(l, v, vpath, "selector", true, true);
        else if (which)
            s->frame_url = scn_ld_get_str(l, v, vpath, "url_contains", true, true);
    } else {
        scn_ld_error(l, vpath, false, "'frame' must be \"main\" or an object with 'selector' or 'url_contains', not %s",
                     scn_ld_type_name(v));
    }
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)value;
    if (st->frame_is_main) {
        page_frame_leave(x->p);
        return 0;
    }
    char *url = NULL;
    int rc = 0;
    if (st->frame_url && (rc = scn_vars_expand(&x->vars, st->frame_url, &url, e)) < 0)
        goto out;
    rc = page_frame_enter(x->p, target, url, timeout_ms, e);
out:
    free(url);
    return rc;
}

static void each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user)
{
    fn(s->frame_url, user);
}

static void release(struct scn_step *s)
{
    free(s->frame_url);
}

const struct scn_step_ops scn_step_frame_ops = {
    .name = "frame",
    .keys = keys,
    .parse = parse,
    .exec = exec,
    .each_string = each_string,
    .release = release,
};
