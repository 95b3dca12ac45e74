/* Line-oriented configuration files (alerts.conf, mail.conf): the syntax they share, read once here.
 *
 *   # a comment (a line that starts with # or ;)
 *   key = value            before any section, where the caller allows it
 *   [section]              or [kind NAME]: the caller reads what stands between the brackets
 *   key = "value"          quotes around a whole value are dropped
 *
 * Blank lines and comment lines are skipped. Spaces and tabs around sections, keys and values are
 * dropped, and so are a CR before a line's end (CRLF files) and a UTF-8 byte-order mark at the start
 * of the file (as Windows editors write). There is no comment after a value: a '#' or ';' there belongs
 * to the value (a password may hold one). Which sections and keys exist, and what a value must look
 * like, is the caller's: it hands the parser a section and a key handler, which write their own errors
 * (conf_err puts the file and the line before them). A file that holds a secret must not be readable
 * by group or others (mode 0600): the key handler says which values are secrets. */
#ifndef HUIXIN_CONF_H
#define HUIXIN_CONF_H

#include <stdbool.h>

struct err;

/* Where a line stands, for messages and for the caller's own records ("FILE:LINE"). */
struct conf_at {
    const char *path;
    int line_no;
};

struct conf_syntax {
    const char *what;         /* "alerts config": names the file in the loader's messages */
    const char *section_hint; /* "[webhook] or [smtp NAME]": a malformed section line is told to look like it */
    const char *secrets;      /* "a password": what makes a file readable by others refused */
    /* A [section] line; name is what stands between the brackets, trimmed (the handler may cut it up). */
    int (*section)(const struct conf_at *at, char *name, void *user, struct err *e);
    /* A `key = value` line, before any section or in the last one opened. Set *is_secret when the value
     * is a secret: a non-empty one makes the file's mode matter. */
    int (*key)(const struct conf_at *at, const char *key, const char *value, bool *is_secret, void *user,
               struct err *e);
    /* After the last line (NULL: nothing to do): checks of the last section, of what is missing. */
    int (*end)(const char *path, void *user, struct err *e);
};

/* Reads a file of this syntax: path, or when path is NULL the default file, $XDG_CONFIG_HOME/huixin/NAME
 * (else ~/.config/huixin/NAME), when it exists. Every line goes to the handlers, in order; the first
 * error stops the reading. A non-empty secret in a file readable by group or others is refused after
 * the reading (ERR_INPUT, saying 'chmod 600', never the secret). *path_out (NULL allowed) gets the file
 * read, the caller's to free, or NULL when there was none (path NULL and no default file: not an
 * error). ERR_IO when the file cannot be read, ERR_INPUT for a malformed one. The text read is wiped
 * before it is freed. */
int conf_file_load(const char *path, const char *name, const struct conf_syntax *syn, void *user, char **path_out,
                   struct err *e);
/* The parser alone: text (NUL-terminated, changed in place) as if read from path. *has_secret: whether
 * a key handler marked a non-empty value secret. */
int conf_text_parse(const char *path, char *text, const struct conf_syntax *syn, void *user, bool *has_secret,
                    struct err *e);

/* Sets an error "FILE:LINE: message" (ERR_INPUT) and returns its code. */
int conf_err(const struct conf_at *at, struct err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Keeps a copy of value in *slot, unless the key was given before in this section: then an error
 * naming the key, the section and the line. */
int conf_value_keep(const struct conf_at *at, char **slot, const char *key, const char *value, const char *section,
                    struct err *e);
/* Drops spaces and tabs on both sides of s (and a CR at its end), then quotes around the whole; returns
 * where what is left starts (inside s, which it changes). */
char *conf_trim(char *s);
/* getenv, with an empty value read as none. */
const char *conf_env(const char *name);

#endif
