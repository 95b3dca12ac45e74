/* A growable byte buffer, always NUL-terminated so its data can be read as a string. */
#ifndef HUIXIN_BUF_H
#define HUIXIN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;  /* NULL until the first append */
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);                 /* length 0, memory kept */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The contents as a string ("" when empty); borrowed. */
const char *buf_str(const struct buf *b);
/* Hands the contents to the caller (who frees them) and resets the buffer. Never NULL. */
char *buf_detach(struct buf *b);

#endif
