/* Variables of a scenario run and ${name} substitution.
 *
 * A name is letters, digits and '_' in dot-separated parts ("base_url", "letter.name", "query_code").
 * In a template, ${name} is replaced by its value; "$${" writes a literal "${"; any other '$' is
 * itself. The built-ins every scenario may use are listed in scn_vars_builtin (base_url comes from
 * --var, the sender's letter.* from the campaign's "letter", the letter's own from the letter
 * generator); the rest are declared by the scenario's "vars" defaults or by extract/dialog steps
 * before their use. */
#ifndef HUIXIN_SCN_VARS_H
#define HUIXIN_SCN_VARS_H

#include <stdbool.h>
#include <stddef.h>

struct err;

struct scn_var {
    char *name;
    char *value;
};

struct scn_vars {
    struct scn_var *v;
    size_t n, cap;
};

extern const char *const scn_vars_builtin[];
extern const size_t scn_vars_builtin_count;
/* letter.name, .phone, .email, .address, .id_card: the built-ins that describe the sender (a campaign
 * file's "letter"), as against those of the letter itself (title, body, token, category). */
bool scn_var_is_sender(const char *name);

void scn_vars_init(struct scn_vars *vars);
void scn_vars_release(struct scn_vars *vars);
/* Copies name and value; replaces an earlier value. */
void scn_vars_set(struct scn_vars *vars, const char *name, const char *value);
/* Borrowed, or NULL when the variable has no value. */
const char *scn_vars_get(const struct scn_vars *vars, const char *name);
/* "NAME=VALUE" (a --var argument); ERR_USAGE when malformed. */
int scn_vars_set_arg(struct scn_vars *vars, const char *arg, struct err *e);
bool scn_var_name_is_valid(const char *name);
/* Expands tmpl into *out (caller frees). ERR_INPUT naming the variable when one has no value. */
int scn_vars_expand(const struct scn_vars *vars, const char *tmpl, char **out, struct err *e);
/* The same, for a POSIX extended regex: each value is quoted so that it matches itself literally
 * (a token or title holding '.', '(' or '?' is not a pattern). */
int scn_vars_expand_regex(const struct scn_vars *vars, const char *tmpl, char **out, struct err *e);
/* Calls fn(name, user) for each ${name} in tmpl, stopping at fn's first non-zero return (which is
 * returned). ERR_INPUT for a malformed reference: "${" without "}", or an invalid name. */
int scn_vars_each_ref(const char *tmpl, int (*fn)(const char *name, void *user), void *user, struct err *e);

#endif
