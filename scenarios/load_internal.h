/* What the loader's files share (scenarios/load.c, load_match.c and each step kind's parse in
 * scenarios/step_*.c): the loading state and the strict typed getters. Every getter reports its own
 * problem (file:line:column, where, what was expected) through scn_ld_error and returns a default, so
 * loading goes on and `huixin lint` shows every problem at once. Private to scenarios/. */
#ifndef HUIXIN_SCN_LOAD_INTERNAL_H
#define HUIXIN_SCN_LOAD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/base.h"
#include "scenarios/json_pos.h"
#include "scenarios/scenario.h"

struct scn_ld {
    const char *file;
    struct scn_json_pos pos;
    struct scn_diags *diags;
    struct err *e;
    int n_errors;
    const char *ctx;  /* where we are, for messages: "site", "submit step 3 (fill '#xm')" */
    char **known;     /* variables defined so far (beside the built-ins) */
    size_t n_known, cap_known;
    bool in_check;    /* check or recover: list_search allowed, final not */
    bool in_recover;  /* only pre-submission variables are known */
};

/* Reports a problem at path (a JSON pointer; at_key: the key's position, not its value's; a path
 * without a position falls back to its nearest ancestor's). The first one is also set in l->e. */
void scn_ld_error(struct scn_ld *l, const char *path, bool at_key, const char *fmt, ...) PRINTF_LIKE(4, 5);
/* "an object", "a string" ... for messages. */
const char *scn_ld_type_name(const json_t *v);
/* JSON pointers: base/key, base/i (caller frees). */
char *scn_ld_path_of(const char *base, const char *key);
char *scn_ld_path_idx(const char *base, size_t i);

/* A variable defined from here on (a "vars" default, an extract's or dialog's var). */
void scn_ld_known_add(struct scn_ld *l, const char *name);
/* A step's "var" that it writes (extract, ask): a valid name, not a letter.* built-in ("'letter.x' is a
 * built-in; VERB into another name"); then known to the steps after it. NULL: nothing to check. */
void scn_ld_var_target(struct scn_ld *l, const char *vpath, const char *var, const char *verb);
/* Reports every ${name} in s not defined yet. */
void scn_ld_check_vars(struct scn_ld *l, const char *path, const char *s);

/* Reports keys of obj not in allowed (NULL-terminated); skip is left out of the list in the message. */
void scn_ld_check_keys(struct scn_ld *l, json_t *obj, const char *path, const char *const *allowed,
                       const char *skip);
/* A non-empty string (caller frees), or NULL when absent or wrong; vars: its ${variables} are checked. */
char *scn_ld_get_str(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool required, bool vars);
int scn_ld_get_int(struct scn_ld *l, json_t *obj, const char *path, const char *key, long min, long max, int dflt);
bool scn_ld_get_bool(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool dflt);
/* A string or an array of strings. */
void scn_ld_get_strs(struct scn_ld *l, json_t *obj, const char *path, const char *key, char ***out, size_t *n);
/* An object (borrowed), or NULL when absent or not an object. */
json_t *scn_ld_get_obj(struct scn_ld *l, json_t *obj, const char *path, const char *key, bool required);
/* Counts which of keys (NULL-terminated) obj has; reports none or more than one. Returns the one, or NULL. */
const char *scn_ld_one_of(struct scn_ld *l, json_t *obj, const char *path, const char *const *keys,
                          const char *what);

/* ---- scenarios/load_match.c: extractors, MATCH, FAILURE, READ ---- */

/* "regex": compiled now, or kept as a template when it holds ${vars} */
void scn_ld_parse_regex(struct scn_ld *l, json_t *obj, const char *path, struct scn_extractor *x);
/* {"selector": ..., "attribute": ...} | {"regex": ..., "from": ...} | {"text": ...} (+ "format" for
 * dates); extra_keys (NULL-terminated, or NULL) are allowed beside them and read by the caller. */
void scn_ld_parse_extractor(struct scn_ld *l, json_t *obj, const char *path, bool is_date, bool allow_text,
                            const char *const *extra_keys, struct scn_extractor *x);
/* Reports each of the formats date_parse.h cannot read, at path's "format". */
void scn_ld_check_date_formats(struct scn_ld *l, const char *path, const struct scn_extractor *x);

/* Keys a match may take: which ones depend on where it is. */
enum {
    SCN_MK_TEXT = 1, SCN_MK_DIALOG = 2, SCN_MK_SELECTOR = 4, SCN_MK_URL = 8, SCN_MK_URL_NOT = 16,
    SCN_MK_STATUS = 32, SCN_MK_WITHIN = 64, SCN_MK_RESPONSE = 128,
};
/* keys: SCN_MK_* bits; extra (NULL-terminated, or NULL) are allowed beside them and read by the caller. */
void scn_ld_parse_match(struct scn_ld *l, json_t *obj, const char *path, unsigned keys, const char *const *extra,
                        struct scn_match *m);
/* submit.failures (fails: the value of "failures", present). */
void scn_ld_parse_failures(struct scn_ld *l, json_t *fails, struct scn_submit *sub);
/* check.read (o: its object). */
void scn_ld_parse_read(struct scn_ld *l, json_t *o, struct scn_read *r);

#endif
