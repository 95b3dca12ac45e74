/* Declarative options: parsing argv by a table, and --help from the same table (cli/opts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "cli/opts.h"

/* A row found for an argument, and where its value goes. */
struct opt_match {
    const struct opt *row;
    void *target;
    const char *inline_value; /* "--opt=VALUE": VALUE; else NULL */
};

static bool opt_takes_value(const struct opt *r)
{
    return r->kind == OPT_STRING || r->kind == OPT_INT || r->kind == OPT_CALL;
}

static bool opt_find(const struct opt *rows, void *base, const char *arg, struct opt_match *m)
{
    for (const struct opt *r = rows; r->kind != OPT_END; r++) {
        if (r->is_help_only)
            continue;
        if (r->kind == OPT_GROUP) {
            if (opt_find(r->group, r->value, arg, m))
                return true;
            continue;
        }
        if (r->kind == OPT_TEXT)
            continue;
        void *target = r->value ? r->value : (char *)base + r->offset;
        if ((r->name && strcmp(arg, r->name) == 0) || (r->alias && strcmp(arg, r->alias) == 0)) {
            *m = (struct opt_match){r, target, NULL};
            return true;
        }
        size_t n = r->name ? strlen(r->name) : 0;
        if (n && opt_takes_value(r) && strncmp(arg, r->name, n) == 0 && arg[n] == '=') {
            *m = (struct opt_match){r, target, arg + n + 1};
            return true;
        }
    }
    return false;
}

/* Takes one option's value into its target; 0, or EXIT_USAGE when it is wrong (said). */
static int opt_take(const char *cmd, const char *typed, const struct opt_match *m, const char *v)
{
    const struct opt *r = m->row;
    switch (r->kind) {
    case OPT_FLAG:
        *(bool *)m->target = true;
        return 0;
    case OPT_STRING:
        *(const char **)m->target = v;
        return 0;
    case OPT_INT: {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < r->min || n > r->max)
            return cli_usage_error(cmd, "%s '%s': expected %s", r->name, v, r->expect);
        *(int *)m->target = (int)n;
        return 0;
    }
    case OPT_CALL:
        return r->call(cmd, typed, v, m->target);
    default:
        return 0;
    }
}

enum opts_result opts_parse(const struct opts *o, int argc, char **argv, int *n_args)
{
    int n = 0;
    bool is_after_dashes = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_after_dashes) {
            argv[++n] = argv[i];
            continue;
        }
        if (o->ends_at_dashes && strcmp(a, "--") == 0) {
            is_after_dashes = true;
            continue;
        }
        if (opts_arg_is_help(a)) {
            opts_help_print(o, stdout);
            return OPTS_HELP_SHOWN;
        }
        struct opt_match m;
        if (!opt_find(o->rows, NULL, a, &m)) {
            if (a[0] == '-' && a[1] != '\0' && !o->keeps_unknown) {
                cli_usage_error(o->cmd, "unknown option '%s'", a);
                return OPTS_WRONG;
            }
            argv[++n] = argv[i];
            continue;
        }
        const char *v = m.inline_value;
        if (!v && opt_takes_value(m.row)) {
            if (i + 1 >= argc) {
                cli_usage_error(o->cmd, "option '%s' needs %s", a, m.row->needs ? m.row->needs : "a value");
                return OPTS_WRONG;
            }
            v = argv[++i];
        }
        if (opt_take(o->cmd, m.inline_value ? m.row->name : a, &m, v) != 0)
            return OPTS_WRONG;
    }
    *n_args = n;
    return OPTS_GO_ON;
}

bool opts_arg_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int opts_exit_code(enum opts_result r)
{
    return r == OPTS_WRONG ? EXIT_USAGE : EXIT_OK;
}

static void opt_row_print(const struct opt *r, int table_width, FILE *out)
{
    int width = r->help_width ? r->help_width : table_width;
    char label[128];
    if (r->label)
        snprintf(label, sizeof label, "%s", r->label);
    else if (r->alias && r->metavar)
        snprintf(label, sizeof label, "%s %s, %s %s", r->name, r->metavar, r->alias, r->metavar);
    else if (r->alias)
        snprintf(label, sizeof label, "%s, %s", r->name, r->alias);
    else if (r->metavar)
        snprintf(label, sizeof label, "%s %s", r->name, r->metavar);
    else
        snprintf(label, sizeof label, "%s", r->name);
    if ((int)strlen(label) < width)
        fprintf(out, "  %-*s", width, label);
    else
        fprintf(out, "  %s  ", label);
    /* the help's further lines start at the help column */
    for (const char *h = r->help; *h;) {
        size_t len = strcspn(h, "\n");
        fprintf(out, "%.*s\n", (int)len, h);
        h += len;
        if (*h == '\n')
            h++;
        if (*h)
            fprintf(out, "%*s", width + 2, "");
    }
}

static void opt_rows_print(const struct opt *rows, int width, FILE *out)
{
    for (const struct opt *r = rows; r->kind != OPT_END; r++) {
        if (r->kind == OPT_GROUP) {
            if (!r->is_hidden)
                opt_rows_print(r->group, width, out);
        } else if (r->kind == OPT_TEXT) {
            fputs(r->help, out);
        } else if (r->help) {
            opt_row_print(r, width, out);
        }
    }
}

void opts_help_print(const struct opts *o, FILE *out)
{
    if (o->usage)
        fputs(o->usage, out);
    opt_rows_print(o->rows, o->help_width ? o->help_width : 20, out);
}
