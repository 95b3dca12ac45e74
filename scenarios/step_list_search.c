/* list_search: looks for the letter's token over the pages of a public list or search (check and
 * recover only). The search itself is scenarios/run_list.c; FORMAT.md says what its miss proves. */
#include <stdlib.h>

#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

/* older_than: {"selector": each row's date element, "regex"?: the date inside its text,
 * "format": one or a list}. Unlike an extractor, selector and regex go together. */
static void parse_row_dates(struct scn_ld *l, json_t *obj, const char *path, struct scn_extractor *x)
{
    static const char *const row_keys[] = {"selector", "regex", "format", NULL};
    scn_ld_check_keys(l, obj, path, row_keys, NULL);
    x->is_set = true;
    x->from = SCN_FROM_PAGE;
    x->selector = scn_ld_get_str(l, obj, path, "selector", false, true);
    if (!x->selector)
        scn_ld_error(l, path, false, "missing required key 'selector': the element holding each row's date (every "
                     "match is read; 'regex' may then pick the date out of each one's text)");
    scn_ld_parse_regex(l, obj, path, x);
    scn_ld_get_strs(l, obj, path, "format", &x->formats, &x->n_formats);
    if (!json_object_get(obj, "format"))
        scn_ld_error(l, path, false, "missing required key 'format' (a date format such as \"%%Y-%%m-%%d\")");
    scn_ld_check_date_formats(l, path, x);
}

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!l->in_check)
        scn_ld_error(l, vpath, true, "list_search belongs to the check and recover phases");
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'list_search' must be an object, not %s", scn_ld_type_name(v));
        return;
    }
    static const char *const list_keys[] = {"url",    "token",  "next",       "max_pages",
                                            "follow", "record", "older_than", NULL};
    scn_ld_check_keys(l, v, vpath, list_keys, NULL);
    s->list_record = scn_ld_get_str(l, v, vpath, "record", false, true);
    json_t *older = scn_ld_get_obj(l, v, vpath, "older_than", false);
    if (older) {
        char *op = scn_ld_path_of(vpath, "older_than");
        parse_row_dates(l, older, op, &s->list_older_than);
        free(op);
    }
    s->target = scn_ld_get_str(l, v, vpath, "url", false, true);
    s->list_token = scn_ld_get_str(l, v, vpath, "token", false, true);
    if (!s->list_token)
        s->list_token = xstrdup("${letter.token}");
    s->list_next = scn_ld_get_str(l, v, vpath, "next", false, true);
    s->list_max_pages = scn_ld_get_int(l, v, vpath, "max_pages", 1, 200, 5);
    s->list_follow = scn_ld_get_bool(l, v, vpath, "follow", true);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)value;
    return scn_list_search(x, st, target, timeout_ms, e);
}

static void each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user)
{
    fn(s->list_token, user);
    fn(s->list_next, user);
    fn(s->list_record, user);
    scn_extractor_each_string(&s->list_older_than, fn, user);
}

static void release(struct scn_step *s)
{
    free(s->list_token);
    free(s->list_next);
    free(s->list_record);
    scn_extractor_release(&s->list_older_than);
}

const struct scn_step_ops scn_step_list_search_ops = {
    .name = "list_search",
    .keys = keys,
    .is_navigation = true,
    .parse = parse,
    .exec = exec,
    .each_string = each_string,
    .release = release,
};
