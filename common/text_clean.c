#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/text_clean.h"

/* Decodes one UTF-8 character at s (n bytes left); its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp_out)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        len = 1, cp = c, min = 0;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *cp_out = cp;
    return len;
}

char *text_clean(const char *s, size_t n, bool keep_newlines)
{
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, n + 1);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (s && i < n) {
        unsigned cp = 0;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0) {
            buf_append_str(&b, "\xef\xbf\xbd");
            i++;
            continue;
        }
        if (cp == '\n')
            buf_append_char(&b, keep_newlines ? '\n' : ' ');
        else if (cp == '\t')
            buf_append_char(&b, ' ');
        else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
                 (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
            ; /* dropped */
        else
            buf_append(&b, p + i, len);
        i += len;
    }
    return buf_detach(&b);
}

void text_utf8_truncate(char *s, size_t max_bytes)
{
    size_t n = strlen(s);
    if (n <= max_bytes)
        return;
    size_t cut = max_bytes;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    s[cut] = '\0';
}
