/* A small RFC 5322 / MIME reader for the mails sites send (scenarios/mail.h). Lenient by design: a
 * site's mail is read as far as it can be, never refused for a malformed header; what it says is only
 * ever text that a scenario's regex looks into. */
#include <ctype.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/text_clean.h"
#include "scenarios/mail.h"

/* How deep multiparts may nest, and how much text a body gives: a hostile mail cannot make either huge. */
#define MIME_DEPTH_MAX 8
#define TEXT_MAX_BYTES (1024 * 1024)

/* ---- charsets and transfer encodings ------------------------------------------------------------ */

static bool charset_is(const char *cs, const char *name)
{
    return cs && strcasecmp(cs, name) == 0;
}

char *scn_mail_to_utf8(const char *bytes, size_t n, const char *charset)
{
    const char *from = NULL;
    /* Chinese sites say gb2312 and write GBK; GB18030 reads both */
    if (charset_is(charset, "gb2312") || charset_is(charset, "gbk") || charset_is(charset, "gb18030") ||
        charset_is(charset, "x-gbk") || charset_is(charset, "cp936") || charset_is(charset, "euc-cn"))
        from = "GB18030";
    else if (charset_is(charset, "big5") || charset_is(charset, "big5-hkscs"))
        from = "BIG5-HKSCS";
    else if (charset_is(charset, "iso-8859-1") || charset_is(charset, "latin1") || charset_is(charset, "windows-1252"))
        from = "WINDOWS-1252";
    if (from) {
        iconv_t cd = iconv_open("UTF-8", from);
        if (cd != (iconv_t)-1) {
            struct buf b;
            buf_init(&b);
            char *in = (char *)bytes;
            size_t left = n;
            char chunk[4096];
            while (left > 0) {
                char *out = chunk;
                size_t room = sizeof chunk;
                size_t r = iconv(cd, &in, &left, &out, &room);
                buf_append(&b, chunk, (size_t)(out - chunk));
                if (r == (size_t)-1 && out == chunk) {
                    /* a byte the charset does not have: a replacement character, and on */
                    buf_append_str(&b, "\xef\xbf\xbd");
                    in++;
                    left--;
                    iconv(cd, NULL, NULL, NULL, NULL);
                }
            }
            iconv_close(cd);
            char *clean = text_clean(buf_str(&b), b.len, true);
            buf_release(&b);
            return clean;
        }
    }
    return text_clean(bytes, n, true);
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* base64, lenient: whitespace and anything outside the alphabet skipped, stops at '='. */
static void base64_to(struct buf *out, const char *s, size_t n)
{
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else if (c == '=')
            break;
        else
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_append_char(out, (char)((acc >> bits) & 0xff));
        }
    }
}

/* quoted-printable; is_header: RFC 2047's Q ('_' is a space). */
static void qp_to(struct buf *out, const char *s, size_t n, bool is_header)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
            i++; /* a soft line break */
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
        } else if (s[i] == '=' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            buf_append_char(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else if (is_header && s[i] == '_') {
            buf_append_char(out, ' ');
        } else {
            buf_append_char(out, s[i]);
        }
    }
}

/* ---- headers --------------------------------------------------------------------------------------- */

char *scn_mail_header_decode(const char *value)
{
    struct buf b;
    buf_init(&b);
    const char *p = value;
    bool last_was_word = false;
    while (*p) {
        const char *start = strstr(p, "=?");
        const char *q1 = start ? strchr(start + 2, '?') : NULL;
        const char *q2 = q1 && q1[1] && q1[2] == '?' ? q1 + 2 : NULL;
        const char *end = q2 ? strstr(q2 + 1, "?=") : NULL;
        char enc = q2 ? (char)toupper((unsigned char)q1[1]) : 0;
        if (!start || !end || (enc != 'B' && enc != 'Q')) {
            char *rest = text_clean(p, strlen(p), false);
            buf_append_str(&b, rest);
            free(rest);
            break;
        }
        /* between two encoded words, blanks are dropped (RFC 2047 6.2) */
        bool only_blanks = true;
        for (const char *s = p; s < start; s++)
            if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
                only_blanks = false;
        if (!(last_was_word && only_blanks)) {
            char *plain = text_clean(p, (size_t)(start - p), false);
            buf_append_str(&b, plain);
            free(plain);
        }
        char *charset = xstrndup(start + 2, (size_t)(q1 - start - 2));
        char *star = strchr(charset, '*'); /* RFC 2231 language: =?utf-8*zh?B?...?= */
        if (star)
            *star = '\0';
        struct buf raw;
        buf_init(&raw);
        if (enc == 'B')
            base64_to(&raw, q2 + 1, (size_t)(end - q2 - 1));
        else
            qp_to(&raw, q2 + 1, (size_t)(end - q2 - 1), true);
        char *text = scn_mail_to_utf8(raw.data ? raw.data : "", raw.len, charset);
        buf_append_str(&b, text);
        free(text);
        buf_release(&raw);
        free(charset);
        p = end + 2;
        last_was_word = true;
    }
    char *out = text_clean(b.data ? b.data : "", b.len, false);
    buf_release(&b);
    return out;
}

struct header {
    char *name;
    char *value; /* unfolded, raw */
};

struct headers {
    struct header *v;
    size_t n;
};

static void headers_release(struct headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* Reads the header block of s[0..n); returns where the body starts. Lines end in CRLF or LF; a line
 * that starts with a blank continues the one before. */
static size_t headers_read(const char *s, size_t n, struct headers *h)
{
    memset(h, 0, sizeof *h);
    size_t i = 0;
    while (i < n) {
        size_t eol = i;
        while (eol < n && s[eol] != '\n')
            eol++;
        size_t line_end = eol > i && s[eol - 1] == '\r' ? eol - 1 : eol;
        size_t next = eol < n ? eol + 1 : n;
        if (line_end == i) /* the blank line */
            return next;
        if ((s[i] == ' ' || s[i] == '\t') && h->n > 0) {
            struct header *last = &h->v[h->n - 1];
            char *joined = xasprintf("%s%.*s", last->value, (int)(line_end - i), s + i);
            free(last->value);
            last->value = joined;
        } else {
            const char *colon = memchr(s + i, ':', line_end - i);
            if (colon) {
                h->v = xrealloc(h->v, (h->n + 1) * sizeof *h->v);
                h->v[h->n].name = xstrndup(s + i, (size_t)(colon - s - i));
                const char *v = colon + 1;
                while (v < s + line_end && (*v == ' ' || *v == '\t'))
                    v++;
                h->v[h->n].value = xstrndup(v, (size_t)(s + line_end - v));
                h->n++;
            }
        }
        i = next;
    }
    return n;
}

static const char *header_get(const struct headers *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    return NULL;
}

/* A parameter of a structured header (Content-Type: text/plain; charset="gbk"). Caller frees; NULL. */
static char *header_param(const char *value, const char *param)
{
    if (!value)
        return NULL;
    size_t plen = strlen(param);
    const char *p = strchr(value, ';');
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, param, plen) == 0 && (p[plen] == '=' || p[plen] == ' ')) {
            const char *v = p + plen;
            while (*v == ' ' || *v == '=')
                v++;
            if (*v == '"') {
                const char *close = strchr(v + 1, '"');
                return close ? xstrndup(v + 1, (size_t)(close - v - 1)) : xstrdup(v + 1);
            }
            size_t len = strcspn(v, "; \t");
            return xstrndup(v, len);
        }
        p = strchr(p, ';');
    }
    return NULL;
}

/* "text/plain; charset=gbk" -> "text/plain" (lower case). Caller frees. */
static char *media_type(const char *value)
{
    if (!value)
        return xstrdup("text/plain");
    size_t len = strcspn(value, "; \t");
    char *t = xstrndup(value, len);
    for (char *c = t; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return t;
}

/* ---- HTML as text ---------------------------------------------------------------------------------- */

static void entity_to(struct buf *out, const char *s, size_t len)
{
    static const struct {
        const char *name, *utf8;
    } named[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
                 {"ldquo", "\xe2\x80\x9c"}, {"rdquo", "\xe2\x80\x9d"}, {"middot", "\xc2\xb7"}};
    if (len > 1 && s[0] == '#') {
        unsigned long cp = s[1] == 'x' || s[1] == 'X' ? strtoul(s + 2, NULL, 16) : strtoul(s + 1, NULL, 10);
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = 0xFFFD;
        char u[4];
        size_t k;
        if (cp < 0x80) {
            u[0] = (char)cp;
            k = 1;
        } else if (cp < 0x800) {
            u[0] = (char)(0xC0 | (cp >> 6));
            u[1] = (char)(0x80 | (cp & 0x3F));
            k = 2;
        } else if (cp < 0x10000) {
            u[0] = (char)(0xE0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F));
            k = 3;
        } else {
            u[0] = (char)(0xF0 | (cp >> 18));
            u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[3] = (char)(0x80 | (cp & 0x3F));
            k = 4;
        }
        buf_append(out, u, k);
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(named); i++) {
        if (strlen(named[i].name) == len && strncmp(named[i].name, s, len) == 0) {
            buf_append_str(out, named[i].utf8);
            return;
        }
    }
    buf_append_char(out, '&');
    buf_append(out, s, len);
    buf_append_char(out, ';');
}

static bool tag_is(const char *tag, size_t len, const char *name)
{
    size_t k = strlen(name);
    return len >= k && strncasecmp(tag, name, k) == 0 &&
           (len == k || tag[k] == ' ' || tag[k] == '>' || tag[k] == '/' || tag[k] == '\t' || tag[k] == '\n');
}

char *scn_mail_html_text(const char *html, size_t n)
{
    struct buf b;
    buf_init(&b);
    size_t i = 0;
    while (i < n) {
        if (html[i] == '<') {
            const char *close = memchr(html + i, '>', n - i);
            if (!close)
                break;
            const char *tag = html + i + 1;
            size_t len = (size_t)(close - tag);
            bool is_end = len > 0 && tag[0] == '/';
            const char *name = is_end ? tag + 1 : tag;
            size_t name_len = is_end ? len - 1 : len;
            if (!is_end && (tag_is(name, name_len, "script") || tag_is(name, name_len, "style"))) {
                const char *endtag = tag_is(name, name_len, "script") ? "</script" : "</style";
                const char *e = NULL;
                for (size_t k = (size_t)(close - html); k + strlen(endtag) <= n; k++)
                    if (strncasecmp(html + k, endtag, strlen(endtag)) == 0) {
                        e = html + k;
                        break;
                    }
                const char *after = e ? memchr(e, '>', n - (size_t)(e - html)) : NULL;
                i = after ? (size_t)(after - html) + 1 : n;
                continue;
            }
            if (tag_is(name, name_len, "br") || tag_is(name, name_len, "p") || tag_is(name, name_len, "div") ||
                tag_is(name, name_len, "tr") || tag_is(name, name_len, "li") || tag_is(name, name_len, "h1") ||
                tag_is(name, name_len, "h2") || tag_is(name, name_len, "h3") || tag_is(name, name_len, "table"))
                buf_append_char(&b, '\n');
            else if (tag_is(name, name_len, "td") || tag_is(name, name_len, "th"))
                buf_append_char(&b, ' ');
            i = (size_t)(close - html) + 1;
        } else if (html[i] == '&') {
            size_t k = i + 1;
            while (k < n && k - i < 12 && (isalnum((unsigned char)html[k]) || html[k] == '#'))
                k++;
            if (k < n && html[k] == ';' && k > i + 1) {
                entity_to(&b, html + i + 1, k - i - 1);
                i = k + 1;
            } else {
                buf_append_char(&b, '&');
                i++;
            }
        } else if (html[i] == '\r' || html[i] == '\n' || html[i] == '\t') {
            buf_append_char(&b, ' ');
            i++;
        } else {
            buf_append_char(&b, html[i]);
            i++;
        }
    }
    /* runs of blanks to one, blank lines dropped, each line trimmed */
    struct buf t;
    buf_init(&t);
    const char *s = b.data ? b.data : "";
    size_t len = b.len;
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '\n')
            end++;
        size_t a = start, z = end;
        while (a < z && s[a] == ' ')
            a++;
        while (z > a && s[z - 1] == ' ')
            z--;
        if (z > a) {
            if (t.len)
                buf_append_char(&t, '\n');
            bool was_space = false;
            for (size_t k = a; k < z; k++) {
                if (s[k] == ' ' && was_space)
                    continue;
                was_space = s[k] == ' ';
                buf_append_char(&t, s[k]);
            }
        }
        start = end + 1;
    }
    buf_release(&b);
    char *out = xstrdup(t.data ? t.data : "");
    buf_release(&t);
    return out;
}

/* ---- bodies ---------------------------------------------------------------------------------------- */

/* The first text/plain and the first text/html found, depth first; each the caller's to free. */
static void part_texts(const char *s, size_t n, int depth, char **plain, char **html)
{
    struct headers h;
    size_t body = headers_read(s, n, &h);
    const char *ctype = header_get(&h, "Content-Type");
    char *type = media_type(ctype);
    const char *cte = header_get(&h, "Content-Transfer-Encoding");
    const char *disp = header_get(&h, "Content-Disposition");
    bool is_attachment = disp && strncasecmp(disp, "attachment", 10) == 0;
    if (strncmp(type, "multipart/", 10) == 0 && depth < MIME_DEPTH_MAX) {
        char *boundary = header_param(ctype, "boundary");
        if (boundary && *boundary) {
            char *delim = xasprintf("--%s", boundary);
            size_t dlen = strlen(delim);
            const char *p = s + body, *end = s + n;
            const char *part = NULL;
            /* delimiters are at line starts */
            for (const char *q = p; q + dlen <= end;) {
                bool at_line = q == s + body || q[-1] == '\n';
                if (at_line && strncmp(q, delim, dlen) == 0) {
                    if (part) {
                        const char *pe = q;
                        if (pe > part && pe[-1] == '\n')
                            pe--;
                        if (pe > part && pe[-1] == '\r')
                            pe--;
                        part_texts(part, (size_t)(pe - part), depth + 1, plain, html);
                    }
                    if (q + dlen + 1 < end && q[dlen] == '-' && q[dlen + 1] == '-')
                        break; /* the closing delimiter */
                    const char *nl = memchr(q, '\n', (size_t)(end - q));
                    if (!nl)
                        break;
                    part = nl + 1;
                    q = part;
                    continue;
                }
                const char *nl = memchr(q, '\n', (size_t)(end - q));
                if (!nl)
                    break;
                q = nl + 1;
            }
            free(delim);
        }
        free(boundary);
    } else if (!is_attachment && (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0)) {
        bool is_html = strcmp(type, "text/html") == 0;
        if (!(is_html ? *html : *plain)) {
            struct buf raw;
            buf_init(&raw);
            if (cte && strncasecmp(cte, "base64", 6) == 0)
                base64_to(&raw, s + body, n - body);
            else if (cte && strncasecmp(cte, "quoted-printable", 16) == 0)
                qp_to(&raw, s + body, n - body, false);
            else
                buf_append(&raw, s + body, n - body);
            size_t len = raw.len > TEXT_MAX_BYTES ? TEXT_MAX_BYTES : raw.len;
            char *charset = header_param(ctype, "charset");
            char *text = scn_mail_to_utf8(raw.data ? raw.data : "", len, charset);
            free(charset);
            buf_release(&raw);
            if (is_html) {
                *html = scn_mail_html_text(text, strlen(text));
                free(text);
            } else {
                /* CRLF line ends as LF */
                char *w = text;
                for (char *r = text; *r; r++)
                    if (*r != '\r')
                        *w++ = *r;
                *w = '\0';
                *plain = text;
            }
        }
    }
    free(type);
    headers_release(&h);
}

/* ---- dates ----------------------------------------------------------------------------------------- */

int scn_mail_date_parse(const char *s, int64_t *ms)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *comma = strchr(p, ',');
    if (comma && comma - p <= 10)
        p = comma + 1;
    int day = 0, year = 0, h = 0, m = 0, sec = 0;
    char mon[4] = {0}, zone[16] = {0};
    int used = 0;
    if (sscanf(p, " %d %3s %d %d:%d%n", &day, mon, &year, &h, &m, &used) != 5)
        return -1;
    p += used;
    if (*p == ':') {
        int k = 0;
        if (sscanf(p, ":%d%n", &sec, &k) != 1)
            return -1;
        p += k;
    }
    if (sscanf(p, " %15s", zone) != 1)
        zone[0] = '\0';
    int month = 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(mon, months[i], 3) == 0)
            month = i + 1;
    if (year < 100)
        year += year < 50 ? 2000 : 1900;
    if (month == 0 || !clock_date_is_valid(year, month, day) || h > 23 || m > 59 || sec > 60)
        return -1;
    int offset_min = 0;
    if ((zone[0] == '+' || zone[0] == '-') && isdigit((unsigned char)zone[1]) && strlen(zone) >= 5) {
        int hh = (zone[1] - '0') * 10 + (zone[2] - '0'), mm = (zone[3] - '0') * 10 + (zone[4] - '0');
        offset_min = (zone[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    }
    int64_t days = clock_days_from_civil(year, month, day);
    *ms = ((days * 86400 + h * 3600 + m * 60 + (sec > 59 ? 59 : sec)) - (int64_t)offset_min * 60) * 1000;
    return 0;
}

/* ---- the message ----------------------------------------------------------------------------------- */

void scn_mail_msg_release(struct scn_mail_msg *m)
{
    if (!m)
        return;
    free(m->from);
    free(m->from_name);
    free(m->to);
    free(m->subject);
    free(m->date);
    free(m->message_id);
    free(m->text);
    memset(m, 0, sizeof *m);
}

/* "名字 <a@b>" -> "名字"; "<a@b>" or "a@b" -> "a@b"; quotes dropped. Caller frees. */
static char *display_name(const char *from)
{
    const char *lt = strchr(from, '<');
    if (lt) {
        size_t n = (size_t)(lt - from);
        while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '"'))
            n--;
        const char *a = from;
        while (*a == '"' || *a == ' ')
            a++, n = n > 0 ? n - 1 : 0;
        if (n > 0)
            return xstrndup(a, n);
        const char *gt = strchr(lt, '>');
        return gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : xstrdup(lt + 1);
    }
    return xstrdup(from);
}

int scn_mail_msg_parse(const char *raw, size_t len, struct scn_mail_msg *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct headers h;
    headers_read(raw, len, &h);
    if (h.n == 0) {
        headers_release(&h);
        out->text = xstrdup("");
        return err_set(e, ERR_INPUT, "not a mail: no header");
    }
    const char *v;
    out->from = scn_mail_header_decode((v = header_get(&h, "From")) ? v : "");
    out->from_name = display_name(out->from);
    out->to = scn_mail_header_decode((v = header_get(&h, "To")) ? v : "");
    out->subject = scn_mail_header_decode((v = header_get(&h, "Subject")) ? v : "");
    out->message_id = (v = header_get(&h, "Message-ID")) ? text_clean(v, strlen(v), false) : NULL;
    if ((v = header_get(&h, "Date"))) {
        out->date = text_clean(v, strlen(v), false);
        out->has_date = scn_mail_date_parse(v, &out->date_ms) == 0;
    }
    headers_release(&h);
    char *plain = NULL, *html = NULL;
    part_texts(raw, len, 0, &plain, &html);
    if (plain && *plain) {
        out->text = plain;
        free(html);
    } else {
        free(plain);
        out->text = html ? html : xstrdup("");
    }
    return 0;
}
