/* Text from outside (web pages, site names, error texts from libraries) made safe to print, log or
 * send: valid UTF-8 with no control characters that could forge lines or reorder what a reader sees. */
#ifndef HUIXIN_TEXT_CLEAN_H
#define HUIXIN_TEXT_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

/* A copy of the n bytes at s where: invalid UTF-8 (bad sequences, overlong forms, surrogates)
 * becomes U+FFFD; tabs become spaces; line feeds stay when keep_newlines, else become spaces; every
 * other C0 control, DEL, the C1 controls (U+0080..U+009F), the bidirectional embeddings, overrides
 * and isolates (U+202A..U+202E, U+2066..U+2069) and U+FEFF are dropped. Caller frees; never NULL. */
char *text_clean(const char *s, size_t n, bool keep_newlines);

/* Cuts a UTF-8 string to at most max_bytes without splitting a character (in place). */
void text_utf8_truncate(char *s, size_t max_bytes);

#endif
