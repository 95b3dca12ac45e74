#include <ctype.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/url_redact.h"

static bool name_is_secret(const char *name, size_t n)
{
    static const char *const hints[] = {"token", "key", "secret", "sign", "pass", "pwd", "auth", "sig",
                                        "ticket", "code", "session"};
    char lower[64];
    if (n >= sizeof lower)
        return true; /* a strange, long name: keep its value out */
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[n] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(hints); i++)
        if (strstr(lower, hints[i]))
            return true;
    return false;
}

static bool looks_like_token(const char *s, size_t n)
{
    if (n < 16)
        return false;
    bool digit = false, alpha = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c))
            digit = true;
        else if (isalpha(c))
            alpha = true;
        else if (c != '-' && c != '_' && c != '.' && c != '%' && c != '=' && c != '+')
            return false;
    }
    return digit && alpha;
}

char *url_redact(const char *url)
{
    struct buf b;
    buf_init(&b);
    if (!url)
        return xstrdup("");
    const char *p = url;
    const char *scheme_end = strstr(url, "://");
    if (scheme_end) {
        buf_append(&b, url, (size_t)(scheme_end + 3 - url));
        p = scheme_end + 3;
        size_t auth_len = strcspn(p, "/?#");
        const char *at = memchr(p, '@', auth_len);
        /* the last '@' of the authority ends the userinfo */
        for (const char *q = p; q < p + auth_len; q++)
            if (*q == '@')
                at = q;
        if (at) {
            buf_append_str(&b, "***@");
            buf_append(&b, at + 1, (size_t)(p + auth_len - at - 1));
        } else {
            buf_append(&b, p, auth_len);
        }
        p += auth_len;
    }
    /* path: segment by segment */
    while (*p && *p != '?' && *p != '#') {
        size_t n = strcspn(p, "/?#");
        if (looks_like_token(p, n))
            buf_append_str(&b, "***");
        else
            buf_append(&b, p, n);
        p += n;
        if (*p == '/')
            buf_append_char(&b, *p++);
    }
    if (*p == '?') {
        buf_append_char(&b, *p++);
        while (*p && *p != '#') {
            size_t n = strcspn(p, "&#");
            const char *eq = memchr(p, '=', n);
            if (eq) {
                size_t name_len = (size_t)(eq - p);
                buf_append(&b, p, name_len + 1);
                if (name_is_secret(p, name_len) || looks_like_token(eq + 1, (size_t)(p + n - eq - 1)))
                    buf_append_str(&b, "***");
                else
                    buf_append(&b, eq + 1, (size_t)(p + n - eq - 1));
            } else {
                if (looks_like_token(p, n))
                    buf_append_str(&b, "***");
                else
                    buf_append(&b, p, n);
            }
            p += n;
            if (*p == '&')
                buf_append_char(&b, *p++);
        }
    }
    /* a fragment is dropped: it is never needed to say which endpoint failed */
    return buf_detach(&b);
}
