#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "reports/escape.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Decodes one code point strictly (no overlongs, no surrogates, nothing above U+10FFFF). Returns the
 * bytes used; an invalid sequence uses one byte and gives U+FFFD with *is_valid false. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp, bool *is_valid)
{
    unsigned char c = s[0];
    *is_valid = true;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        goto invalid;
    }
    for (size_t i = 1; i < n; i++) {
        unsigned char t = s[i];
        if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF))
            goto invalid; /* also stops at the NUL terminator */
        v = (v << 6) | (t & 0x3F);
    }
    *cp = v;
    return n;
invalid:
    *cp = 0xFFFD;
    *is_valid = false;
    return 1;
}

/* Characters that can reorder or hide the text around them, or drive a terminal. */
static bool needs_marker(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n';
    if (cp >= 0x7F && cp <= 0x9F)
        return true;
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

void rpt_text_clean(struct buf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p; /* bytes kept as they are, appended at once */
    while (*p) {
        if (*p >= 0x20 && *p < 0x7F) { /* printable ASCII: kept */
            p++;
            continue;
        }
        uint32_t cp;
        bool is_valid;
        size_t n = utf8_next(p, &cp, &is_valid);
        if (is_valid && !(cp == '\r' && p[1] == '\n') && !needs_marker(cp)) {
            p += n;
            continue;
        }
        if (p > run)
            buf_append(b, run, (size_t)(p - run));
        if (!is_valid)
            buf_append_str(b, REPLACEMENT);
        else if (cp == '\r' && p[1] == '\n')
            ; /* CRLF reads as LF */
        else
            buf_printf(b, "\\u{%02X}", (unsigned)cp);
        p += n;
        run = p;
    }
    if (p > run)
        buf_append(b, run, (size_t)(p - run));
}

void rpt_utf8_repair(struct buf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        bool is_valid;
        size_t n = utf8_next(p, &cp, &is_valid);
        if (is_valid)
            buf_append(b, p, n);
        else
            buf_append_str(b, REPLACEMENT);
        p += n;
    }
}

void rpt_json_quote(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(s);
    buf_reserve(b, 6 * len + 2); /* the most it can grow: every byte a \u00XX */
    char *o = b->data + b->len;
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c >= 0x80) {
            uint32_t cp;
            bool is_valid;
            size_t n = utf8_next(p, &cp, &is_valid);
            if (is_valid) {
                memcpy(o, p, n);
                o += n;
            } else {
                memcpy(o, REPLACEMENT, 3);
                o += 3;
            }
            p += n;
            continue;
        }
        p++;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 0xF];
            o += 5;
            break;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

char *rpt_text_clean_dup(const char *s)
{
    if (!s)
        return NULL;
    struct buf b;
    buf_init(&b);
    rpt_text_clean(&b, s);
    return buf_detach(&b);
}

void rpt_html_escape(struct buf *b, const char *s)
{
    if (!s)
        return;
    struct buf clean;
    buf_init(&clean);
    rpt_text_clean(&clean, s);
    const char *p = buf_str(&clean);
    for (;;) {
        size_t n = strcspn(p, "&<>\"'");
        if (n)
            buf_append(b, p, n);
        p += n;
        if (!*p)
            break;
        switch (*p) {
        case '&': buf_append_str(b, "&amp;"); break;
        case '<': buf_append_str(b, "&lt;"); break;
        case '>': buf_append_str(b, "&gt;"); break;
        case '"': buf_append_str(b, "&quot;"); break;
        default: buf_append_str(b, "&#39;"); break;
        }
        p++;
    }
    buf_release(&clean);
}

static bool prefix_is(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool rpt_url_is_linkable(const char *url)
{
    if (!url || !*url)
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p == 0x7F || *p == '\\')
            return false;
    }
    if (prefix_is(url, "http://") || prefix_is(url, "https://"))
        return true;
    if (url[0] == '/' && url[1] == '/')
        return false; /* scheme-relative: could be anything */
    /* A relative reference has no scheme: no ':' before the first '/', '?' or '#'. */
    size_t first = strcspn(url, ":/?#");
    return url[first] != ':';
}

void rpt_csv_field(struct buf *b, const char *s)
{
    struct buf clean;
    buf_init(&clean);
    rpt_text_clean(&clean, s);
    const char *t = buf_str(&clean);
    bool is_formula = t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@' || t[0] == '\t' || t[0] == '\r';
    bool needs_quotes = strpbrk(t, ",\"\r\n") != NULL;
    if (needs_quotes)
        buf_append_char(b, '"');
    if (is_formula)
        buf_append_char(b, '\'');
    for (const char *p = t; *p; p++) {
        if (*p == '"')
            buf_append_char(b, '"');
        buf_append_char(b, *p);
    }
    if (needs_quotes)
        buf_append_char(b, '"');
    buf_release(&clean);
}

void rpt_url_path_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_reserve(b, 3 * strlen(s)); /* the most it can grow: every byte a %XX */
    char *o = b->data + b->len;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~' || c == '/') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}
