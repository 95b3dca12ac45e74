/* Test letters: a title and a body from templates in a data file (scenarios/templates/letters.json:
 * polite, genuine citizen questions, several per category), and a short unique token placed where
 * the site keeps it so the letter can be found again in a public list.
 *
 * The token is "HX" and six characters from an alphabet without look-alikes (no 0/O, 1/I/L), e.g.
 * HX7Q2M9K, written as "（来信编号：HX7Q2M9K）" at the end of the body or "（编号HX7Q2M9K）" at the end of
 * the title: it reads like a citizen's own reference and is easy to search for. */
#ifndef HUIXIN_SCN_LETTER_H
#define HUIXIN_SCN_LETTER_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/scenario.h"

struct err;

#define SCN_TOKEN_LEN 8 /* "HX" + 6 */

struct scn_letter_template {
    char *category, *title, *body;
};

struct scn_letter_templates {
    char *path;
    struct scn_letter_template *v;
    size_t n;
};

/* Where the template file is: $HUIXIN_DATA/templates/letters.json (or $HUIXIN_DATA/letters.json),
 * else ./scenarios/templates/letters.json, else HUIXIN_DATADIR/templates/letters.json (the install
 * folder, default /usr/local/share/huixin). *path_out is the caller's to free. ERR_NOT_FOUND lists
 * the places tried. */
int scn_letter_templates_find(char **path_out, struct err *e);
/* Loads and checks every template: known categories, non-empty, no banned word, no "${", titles of
 * at most 40 characters. ERR_INPUT naming the template on a problem. */
int scn_letter_templates_load(const char *path, struct scn_letter_templates **out, struct err *e);
void scn_letter_templates_free(struct scn_letter_templates *t); /* NULL is a no-op */
size_t scn_letter_templates_count(const struct scn_letter_templates *t, const char *category);

/* The first word of the banned list found in text (borrowed), or NULL. */
const char *scn_letter_banned_word(const char *text);
/* Number of UTF-8 characters; -1 if text is not valid UTF-8. */
long scn_utf8_chars(const char *text);

/* A new token (out: SCN_TOKEN_LEN + 1 bytes) from /dev/urandom: at least one digit and one letter,
 * and not taken according to is_taken (may be NULL), which it retries around. ERR_IO if the random
 * source fails; ERR_INTERNAL after many taken tokens in a row. */
int scn_token_new(char *out, bool (*is_taken)(const char *token, void *user), void *user, struct err *e);
bool scn_token_is_valid(const char *token);

struct scn_letter {
    char *category, *title, *body;
    char token[SCN_TOKEN_LEN + 1];
};
/* Renders template number pick (counted within spec->category, modulo their number) with token
 * placed as spec->token_in says, fitting spec's length limits (a long title is shortened, the token
 * kept). ERR_INPUT when it cannot fit or the category has no template. Release with scn_letter_release. */
int scn_letter_render(const struct scn_letter_templates *t, const struct scn_letter_spec *spec, size_t pick,
                      const char *token, struct scn_letter *out, struct err *e);
void scn_letter_release(struct scn_letter *l);

#endif
