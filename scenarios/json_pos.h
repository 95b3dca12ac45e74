/* A position index for JSON text: jansson reports line:column only for syntax errors, so after a
 * successful load one pass over the same text maps each value's path to where it starts. Paths are
 * JSON Pointers ("" the root, "/submit/steps/2/fill"; '~' and '/' in keys escaped as ~0 and ~1).
 * Lines and columns count from 1; columns count UTF-8 characters, as jansson does. */
#ifndef HUIXIN_SCN_JSON_POS_H
#define HUIXIN_SCN_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

struct scn_json_pos_entry {
    char *path;
    int line, column;          /* where the value starts */
    int key_line, key_column;  /* where its member name starts (object members); else the value's */
};

struct scn_json_pos {
    struct scn_json_pos_entry *v;
    size_t n, cap;
};

/* Indexes text (len bytes). Returns 0, or -1 if the text is not JSON (load it with jansson first
 * for a real message); the index holds what was read before the fault either way. */
int scn_json_pos_build(struct scn_json_pos *jp, const char *text, size_t len);
void scn_json_pos_release(struct scn_json_pos *jp);
/* Position of the value at path (or of its member name if want_key); false if path is unknown. */
bool scn_json_pos_find(const struct scn_json_pos *jp, const char *path, bool want_key, int *line, int *column);
/* Appends one path segment, escaped, to a path held in a caller's buffer: "/a" + "b" -> "/a/b". */
char *scn_json_path_join(const char *base, const char *segment);

#endif
