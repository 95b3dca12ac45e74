#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "scenarios/vars.h"

const char *const scn_vars_builtin[] = {
    "base_url",     "letter.name", "letter.phone", "letter.email",    "letter.address", "letter.id_card",
    "letter.title", "letter.body", "letter.token", "letter.category",
};
const size_t scn_vars_builtin_count = ARRAY_LEN(scn_vars_builtin);

bool scn_var_is_sender(const char *name)
{
    static const char *const sender[] = {"letter.name", "letter.phone", "letter.email", "letter.address",
                                         "letter.id_card"};
    for (size_t i = 0; i < ARRAY_LEN(sender); i++) {
        if (strcmp(sender[i], name) == 0)
            return true;
    }
    return false;
}

void scn_vars_init(struct scn_vars *vars)
{
    memset(vars, 0, sizeof *vars);
}

void scn_vars_release(struct scn_vars *vars)
{
    if (!vars)
        return;
    for (size_t i = 0; i < vars->n; i++) {
        free(vars->v[i].name);
        free(vars->v[i].value);
    }
    free(vars->v);
    memset(vars, 0, sizeof *vars);
}

void scn_vars_set(struct scn_vars *vars, const char *name, const char *value)
{
    for (size_t i = 0; i < vars->n; i++) {
        if (strcmp(vars->v[i].name, name) == 0) {
            char *copy = xstrdup(value);
            free(vars->v[i].value);
            vars->v[i].value = copy;
            return;
        }
    }
    if (vars->n == vars->cap) {
        vars->cap = vars->cap ? vars->cap * 2 : 16;
        vars->v = xrealloc(vars->v, vars->cap * sizeof *vars->v);
    }
    vars->v[vars->n++] = (struct scn_var){xstrdup(name), xstrdup(value)};
}

const char *scn_vars_get(const struct scn_vars *vars, const char *name)
{
    for (size_t i = 0; i < vars->n; i++) {
        if (strcmp(vars->v[i].name, name) == 0)
            return vars->v[i].value;
    }
    return NULL;
}

static bool is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool scn_var_name_is_valid(const char *name)
{
    const char *p = name;
    for (;;) {
        if (!is_alpha_(*p))
            return false;
        while (is_alpha_(*p) || (*p >= '0' && *p <= '9'))
            p++;
        if (*p == '\0')
            return true;
        if (*p != '.')
            return false;
        p++;
    }
}

int scn_vars_set_arg(struct scn_vars *vars, const char *arg, struct err *e)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return err_set(e, ERR_USAGE, "variable '%s': expected NAME=VALUE", arg);
    char *name = xstrndup(arg, (size_t)(eq - arg));
    int rc = 0;
    if (!scn_var_name_is_valid(name))
        rc = err_set(e, ERR_USAGE, "variable name '%s': expected letters, digits and '_' in dot-separated parts", name);
    else
        scn_vars_set(vars, name, eq + 1);
    free(name);
    return rc;
}

/* Walks tmpl: literal runs go to out (if not NULL), references to fn. */
static int walk(const char *tmpl, struct buf *out, int (*fn)(const char *name, void *user), void *user,
                struct err *e)
{
    const char *p = tmpl;
    while (*p) {
        if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
            if (out)
                buf_append_str(out, "${");
            p += 3;
            continue;
        }
        if (p[0] != '$' || p[1] != '{') {
            if (out)
                buf_append_char(out, *p);
            p++;
            continue;
        }
        const char *close = strchr(p + 2, '}');
        if (!close)
            return err_set(e, ERR_INPUT, "'${' without a closing '}' in '%s'", tmpl);
        char *name = xstrndup(p + 2, (size_t)(close - p - 2));
        int rc = 0;
        if (!scn_var_name_is_valid(name))
            rc = err_set(e, ERR_INPUT, "bad variable name '%s' in '%s'; write ${name} with letters, digits, '_' "
                         "and '.' (or $${ for a literal ${)", name, tmpl);
        else
            rc = fn(name, user);
        free(name);
        if (rc != 0)
            return rc;
        p = close + 1;
    }
    return 0;
}

struct expand_ctx {
    const struct scn_vars *vars;
    struct buf *out;
    struct err *e;
    bool is_regex; /* quote ERE metacharacters in values */
};

static int expand_one(const char *name, void *user)
{
    struct expand_ctx *x = user;
    const char *v = scn_vars_get(x->vars, name);
    if (!v && scn_var_is_sender(name))
        return err_set(x->e, ERR_INPUT, "variable '%s' has no value (give it as \"%s\" in the campaign file's "
                       "\"letter\", or with --var %s=VALUE)", name, name + 7, name);
    if (!v)
        return err_set(x->e, ERR_INPUT, "variable '%s' has no value (give it with --var %s=VALUE, or extract it "
                       "in an earlier step)", name, name);
    if (!x->is_regex) {
        buf_append_str(x->out, v);
        return 0;
    }
    for (const char *c = v; *c; c++) {
        if (strchr(".[]()*+?{}|^$\\", *c))
            buf_append_char(x->out, '\\');
        buf_append_char(x->out, *c);
    }
    return 0;
}

static int expand(const struct scn_vars *vars, const char *tmpl, bool is_regex, char **out, struct err *e)
{
    struct buf b;
    buf_init(&b);
    struct expand_ctx x = {vars, &b, e, is_regex};
    int rc = walk(tmpl, &b, expand_one, &x, e);
    if (rc != 0) {
        buf_release(&b);
        *out = NULL;
        return rc;
    }
    *out = buf_detach(&b);
    return 0;
}

int scn_vars_expand(const struct scn_vars *vars, const char *tmpl, char **out, struct err *e)
{
    return expand(vars, tmpl, false, out, e);
}

int scn_vars_expand_regex(const struct scn_vars *vars, const char *tmpl, char **out, struct err *e)
{
    return expand(vars, tmpl, true, out, e);
}

int scn_vars_each_ref(const char *tmpl, int (*fn)(const char *name, void *user), void *user, struct err *e)
{
    return walk(tmpl, NULL, fn, user, e);
}
