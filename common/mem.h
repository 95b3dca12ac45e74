/* Allocation that aborts on out-of-memory, so callers never check for NULL after these. */
#ifndef HUIXIN_MEM_H
#define HUIXIN_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
/* A new string formatted like printf; the caller frees it. */
char *xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
char *xvasprintf(const char *fmt, va_list ap);

#endif
