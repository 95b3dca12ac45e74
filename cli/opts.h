/* Declarative command-line options, in the manner of git's parse-options: one table of rows per
 * command both parses its arguments and prints its --help. A row names an option, the kind of value it
 * takes and where the value goes; the options several commands share (--store, --browser, --now ...)
 * are tables of their own (cli_opts_browser ...) that a command's table includes with an OPT_GROUP row.
 *
 * Every value option takes "--opt VALUE" and "--opt=VALUE" (an alias such as -o takes "-o VALUE").
 * What is not an option (and, for tables that keep them, an unknown "-..." too) is left for the
 * command, in order, at the front of argv. */
#ifndef HUIXIN_CLI_OPTS_H
#define HUIXIN_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/cli.h"

enum opt_kind {
    OPT_END = 0,  /* ends a table */
    OPT_FLAG,     /* no value; sets the bool at the target to true */
    OPT_STRING,   /* the value (borrowed from argv) goes to the const char * at the target */
    OPT_INT,      /* a whole number from min to max into the int at the target, else
                   * "NAME 'VALUE': expected EXPECT" */
    OPT_CALL,     /* the value goes to call(), which checks and stores it */
    OPT_GROUP,    /* the rows of another table (group), their targets relative to base */
    OPT_TEXT,     /* no option: help text printed as it is, where the row stands */
};

/* An OPT_CALL row's callback: takes the value of option NAME (as typed) for command CMD into user
 * (the row's target). Returns 0, or EXIT_USAGE after printing why (cli_usage_error). */
typedef int (*opt_call_fn)(const char *cmd, const char *name, const char *value, void *user);

struct opt {
    enum opt_kind kind;
    const char *name;      /* "--store" */
    const char *alias;     /* another spelling ("-o", "-j"), or NULL */
    void *value;           /* the target; in a shared table NULL, and the target is base + offset */
    size_t offset;
    const char *metavar;   /* "PATH"; NULL for OPT_FLAG */
    const char *help;      /* text after the option in --help; lines after the first are indented
                            * to its column. For OPT_TEXT, the text itself */
    const char *label;     /* the left column in --help, when not "NAME METAVAR[, ALIAS METAVAR]" */
    int help_width;        /* the left column's width (default: the table's) */
    const char *needs;     /* what a missing value is: "option 'NAME' needs NEEDS" (default "a value") */
    int min, max;          /* OPT_INT */
    const char *expect;    /* OPT_INT: what a bad value should have been */
    opt_call_fn call;      /* OPT_CALL */
    const struct opt *group; /* OPT_GROUP */
    bool is_hidden;        /* OPT_GROUP: parsed, but not shown in --help */
    bool is_help_only;     /* shown in --help, not parsed (another row takes it, or another subcommand);
                            * also for OPT_GROUP */
};

struct opts {
    const char *cmd;        /* "check": messages say "huixin check: ..." */
    const char *usage;      /* --help's first part, before the rows */
    const struct opt *rows; /* ended by OPT_END */
    bool keeps_unknown;     /* an unknown "-..." is left for the command (else: "unknown option '...'") */
    int help_width;         /* the left column's width in --help (default 20) */
    bool ends_at_dashes;    /* "--" ends the options: what follows is left for the command as it is */
};

enum opts_result {
    OPTS_GO_ON,      /* parsed: the command goes on */
    OPTS_HELP_SHOWN, /* --help or -h was given and its text printed on stdout: exit EXIT_OK */
    OPTS_WRONG,      /* a wrong option or value, said on stderr: exit EXIT_USAGE */
};

/* Parses argv[1..argc) by o's table. The arguments that are not options move, in order, to
 * argv[1..*n_args] (*n_args counts them, argv[0] apart). */
enum opts_result opts_parse(const struct opts *o, int argc, char **argv, int *n_args);
/* Whether arg asks for help: --help or -h. */
bool opts_arg_is_help(const char *arg);
/* The exit code for a result other than OPTS_GO_ON. */
int opts_exit_code(enum opts_result r);
/* Prints o's --help: its usage, then each row. */
void opts_help_print(const struct opts *o, FILE *out);

/* The shared options, into a struct cli_common (include them with an OPT_GROUP row whose value is
 * the struct cli_common): the browser (--chromium, --browser, --timeout), the ledger (--store,
 * --evidence, --now), evidence and alerts (--sign-key, --tsa, --alerts), the calendar (--calendar). */
extern const struct opt cli_opts_browser[];
extern const struct opt cli_opts_store[];
extern const struct opt cli_opts_evidence[];
extern const struct opt cli_opts_calendar[];

/* --var NAME=VALUE (an opt_call_fn): into the struct scn_vars at user. */
int cli_var_take(const char *cmd, const char *name, const char *value, void *user);

/* Rows, for short tables. */
#define OPT_ROW_FLAG(n, target, h) {.kind = OPT_FLAG, .name = (n), .value = (target), .help = (h)}
#define OPT_ROW_STRING(n, target, mv, h) \
    {.kind = OPT_STRING, .name = (n), .value = (target), .metavar = (mv), .help = (h)}
#define OPT_ROW_TEXT(text) {.kind = OPT_TEXT, .help = (text)}
#define OPT_ROW_GROUP(g, common) {.kind = OPT_GROUP, .group = (g), .value = (common)}
#define OPT_ROW_GROUP_HIDDEN(g, common) {.kind = OPT_GROUP, .group = (g), .value = (common), .is_hidden = true}
/* Every shared option, each group shown or not (b: browser, s: store, e: evidence, c: calendar). */
#define OPT_ROWS_COMMON(common, b, s, e, c)                                                   \
    {.kind = OPT_GROUP, .group = cli_opts_browser, .value = (common), .is_hidden = !(b)},    \
    {.kind = OPT_GROUP, .group = cli_opts_store, .value = (common), .is_hidden = !(s)},      \
    {.kind = OPT_GROUP, .group = cli_opts_evidence, .value = (common), .is_hidden = !(e)},   \
    {.kind = OPT_GROUP, .group = cli_opts_calendar, .value = (common), .is_hidden = !(c)}
#define OPT_ROW_END {.kind = OPT_END}

#endif
