/* What alerts look like on the wire: webhook bodies and URLs, robot signatures, e-mail messages.
 * Pure functions: the time is a parameter, so tests can recompute every byte. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/text_clean.h"
#include "common/url_redact.h"
#include "reports/alert.h"

/* Robots cut long messages or refuse them: WeCom markdown takes 4096 bytes, text 2048; DingTalk
 * 20000; Feishu about 30 KB. Stay under, on a character boundary. */
#define WECOM_MAX_BYTES 4000
#define DINGTALK_MAX_BYTES 18000
#define FEISHU_MAX_BYTES 18000

static const char *const format_names[] = {"generic", "wecom", "dingtalk", "feishu"};

const char *alert_format_name(enum alert_format f)
{
    return (unsigned)f < ARRAY_LEN(format_names) ? format_names[f] : "generic";
}

int alert_format_parse(const char *s, enum alert_format *out)
{
    for (size_t i = 0; i < ARRAY_LEN(format_names); i++)
        if (strcasecmp(s, format_names[i]) == 0) {
            *out = (enum alert_format)i;
            return 0;
        }
    return -1;
}

/* The host of a URL, lower-case, without port or userinfo. Caller frees. */
static char *url_host(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < p + n; q++)
        if (*q == '@')
            at = q;
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t h = 0;
    while (h < n && p[h] != ':')
        h++;
    char *host = xstrndup(p, h);
    for (char *c = host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return host;
}

static bool host_is(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    return h >= d && strcmp(host + h - d, domain) == 0 && (h == d || host[h - d - 1] == '.');
}

enum alert_format alert_format_guess(const char *url)
{
    char *host = url_host(url);
    enum alert_format f = ALERT_FORMAT_GENERIC;
    if (host_is(host, "qyapi.weixin.qq.com"))
        f = ALERT_FORMAT_WECOM;
    else if (host_is(host, "oapi.dingtalk.com"))
        f = ALERT_FORMAT_DINGTALK;
    else if (host_is(host, "open.feishu.cn") || host_is(host, "open.larksuite.com"))
        f = ALERT_FORMAT_FEISHU;
    free(host);
    return f;
}

char *alert_channel_describe(const struct alert_channel *ch)
{
    char *url = url_redact(ch->url);
    char *s;
    if (ch->type == ALERT_CHANNEL_SMTP)
        s = xasprintf("smtp '%s' to %zu recipient%s", url, ch->n_smtp_to, ch->n_smtp_to == 1 ? "" : "s");
    else
        s = xasprintf("%s webhook '%s'", alert_format_name(ch->format), url);
    free(url);
    return s;
}

static char *base64(const unsigned char *data, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

static char *hmac_sha256_base64(const void *key, size_t key_len, const void *msg, size_t msg_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    static const unsigned char empty = 0;
    HMAC(EVP_sha256(), key, (int)key_len, msg_len ? msg : &empty, msg_len, md, &md_len);
    return base64(md, md_len);
}

char *alert_sign_dingtalk(int64_t now_ms, const char *secret)
{
    char *to_sign = xasprintf("%lld\n%s", (long long)now_ms, secret);
    char *sig = hmac_sha256_base64(secret, strlen(secret), to_sign, strlen(to_sign));
    OPENSSL_cleanse(to_sign, strlen(to_sign));
    free(to_sign);
    return sig;
}

char *alert_sign_feishu(int64_t now_s, const char *secret)
{
    char *key = xasprintf("%lld\n%s", (long long)now_s, secret);
    char *sig = hmac_sha256_base64(key, strlen(key), "", 0);
    OPENSSL_cleanse(key, strlen(key));
    free(key);
    return sig;
}

static void url_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            buf_append_char(b, (char)*p);
        } else {
            buf_append_char(b, '%');
            buf_append_char(b, hex[*p >> 4]);
            buf_append_char(b, hex[*p & 15]);
        }
    }
}

char *alert_webhook_url(enum alert_format f, const char *url, const char *secret, int64_t now_ms)
{
    if (f != ALERT_FORMAT_DINGTALK || !secret || !*secret)
        return xstrdup(url);
    char *sig = alert_sign_dingtalk(now_ms, secret);
    struct buf b;
    buf_init(&b);
    size_t n = strcspn(url, "#");
    buf_append(&b, url, n);
    buf_printf(&b, "%ctimestamp=%lld&sign=", memchr(url, '?', n) ? '&' : '?', (long long)now_ms);
    url_encode(&b, sig);
    free(sig);
    return buf_detach(&b);
}

static char *cut(const char *s, size_t max_bytes)
{
    char *c = xstrdup(s);
    text_utf8_truncate(c, max_bytes);
    return c;
}

char *alert_webhook_body(enum alert_format f, const struct alert_message *m, const char *secret, int64_t now_ms)
{
    json_t *o = NULL;
    char *content = NULL;
    switch (f) {
    case ALERT_FORMAT_WECOM:
        content = cut(m->markdown, WECOM_MAX_BYTES);
        o = json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", content);
        break;
    case ALERT_FORMAT_DINGTALK:
        content = cut(m->text, DINGTALK_MAX_BYTES);
        o = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text", "content", content);
        break;
    case ALERT_FORMAT_FEISHU:
        content = cut(m->text, FEISHU_MAX_BYTES);
        o = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", content);
        if (secret && *secret) {
            int64_t now_s = now_ms / 1000;
            char *sig = alert_sign_feishu(now_s, secret);
            char ts[24];
            snprintf(ts, sizeof ts, "%lld", (long long)now_s);
            json_object_set_new(o, "timestamp", json_string(ts));
            json_object_set_new(o, "sign", json_string(sig));
            free(sig);
        }
        break;
    case ALERT_FORMAT_GENERIC:
    default: {
        json_t *fields = json_loads(m->fields_json ? m->fields_json : "{}", 0, NULL);
        o = json_pack("{s:i, s:s, s:s, s:s, s:s}", "huixin_alert", 1, "kind", m->kind, "subject", m->subject, "text",
                      m->text, "markdown", m->markdown);
        if (json_is_object(fields))
            json_object_update(o, fields);
        json_decref(fields);
        char sent[32];
        clock_utc_format(now_ms, sent, sizeof sent);
        json_object_set_new(o, "sent_at_utc", json_string(sent));
        break;
    }
    }
    free(content);
    char *s = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(o);
    return s ? s : xstrdup("{}");
}

char *alert_email_address(const char *mailbox)
{
    const char *lt = strrchr(mailbox, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    const char *p = mailbox, *end = mailbox + strlen(mailbox);
    if (lt && gt) {
        p = lt + 1;
        end = gt;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return xstrndup(p, (size_t)(end - p));
}

/* A header value on one line: CR and LF would start new headers. */
static char *header_value(const char *s)
{
    return text_clean(s, strlen(s), false);
}

/* Encoded-words for a UTF-8 phrase: at most 45 bytes each (72 characters encoded; the first at most
 * first_max, to leave room for the header's name), never splitting a character, separated by sep. */
static void words_encode(struct buf *b, const char *s, const char *sep, size_t first_max)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t max = i == 0 ? first_max : 45;
        size_t take = n - i < max ? n - i : max;
        while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80)
            take--;
        if (take == 0)
            take = 1;
        char *enc = base64((const unsigned char *)s + i, take);
        buf_printf(b, "%s=?UTF-8?B?%s?=", i ? sep : "", enc);
        free(enc);
        i += take;
    }
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* "Name <addr>" as a header mailbox: a non-ASCII name as encoded-words, an ASCII one quoted. */
static void mailbox_header(struct buf *b, const char *raw)
{
    char *clean = text_clean(raw, strlen(raw), false);
    char *addr = alert_email_address(clean);
    char *lt = strrchr(clean, '<');
    char *name = NULL;
    if (lt) {
        *lt = '\0';
        char *p = clean, *end = lt;
        while (*p == ' ' || *p == '"')
            p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '"'))
            end--;
        name = xstrndup(p, (size_t)(end - p));
    }
    if (name && *name && !is_ascii(name)) {
        words_encode(b, name, " ", 39);
        buf_printf(b, " <%s>", addr);
    } else if (name && *name) {
        buf_append_char(b, '"');
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_append_char(b, '\\');
            buf_append_char(b, *p);
        }
        buf_printf(b, "\" <%s>", addr);
    } else {
        buf_append_str(b, addr);
    }
    free(name);
    free(addr);
    free(clean);
}

/* Subject: encoded-words of at most 75 characters (45 bytes of UTF-8 each, never splitting a
 * character), folded onto continuation lines. */
static void subject_encode(struct buf *b, const char *subject)
{
    buf_append_str(b, "Subject: ");
    words_encode(b, subject, "\r\n ", 39); /* "Subject: " + 10 + 52 + 2 = 73 */
    buf_append_str(b, "\r\n");
}

static const char *const weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char *alert_email_format(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms)
{
    struct buf b;
    buf_init(&b);
    struct civil_time t = clock_beijing_from_ms(now_ms);
    int64_t day = clock_days_from_civil(t.year, t.month, t.day);
    buf_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0800\r\n", weekdays[clock_weekday(day)], t.day,
               months[t.month - 1], t.year, t.hour, t.minute, t.second);
    char *from = header_value(ch->smtp_from ? ch->smtp_from : "huixin");
    buf_append_str(&b, "From: ");
    mailbox_header(&b, from);
    buf_append_str(&b, "\r\nTo: ");
    for (size_t i = 0; i < ch->n_smtp_to; i++) {
        if (i)
            buf_append_str(&b, ",\r\n ");
        mailbox_header(&b, ch->smtp_to[i]);
    }
    buf_append_str(&b, "\r\n");
    char *subject = header_value(m->subject);
    subject_encode(&b, subject);
    free(subject);
    /* Message-ID: time, randomness, and the sender's domain */
    char *addr = alert_email_address(from);
    const char *at = strrchr(addr, '@');
    char *domain = text_clean(at && at[1] ? at + 1 : "huixin.invalid", strlen(at && at[1] ? at + 1 : "huixin.invalid"),
                              false);
    for (char *c = domain; *c; c++)
        if (*c == '>' || *c == '<' || *c == ' ')
            *c = '_';
    unsigned char rnd[8] = {0};
    RAND_bytes(rnd, sizeof rnd);
    buf_printf(&b, "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x.huixin@%s>\r\n", (long long)now_ms, rnd[0],
               rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], domain);
    free(domain);
    free(addr);
    free(from);
    buf_append_str(&b, "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: base64\r\n");
    buf_printf(&b, "X-Huixin-Alert: %s\r\n\r\n", m->kind ? m->kind : "alert");
    /* The body: text with CRLF line ends, base64 in lines of 76. */
    struct buf body;
    buf_init(&body);
    for (const char *p = m->text ? m->text : ""; *p; p++) {
        if (*p == '\n')
            buf_append_char(&body, '\r');
        buf_append_char(&body, *p);
    }
    buf_append_str(&body, "\r\n");
    char *enc = base64((const unsigned char *)body.data, body.len);
    size_t n = strlen(enc);
    for (size_t i = 0; i < n; i += 76) {
        buf_append(&b, enc + i, n - i < 76 ? n - i : 76);
        buf_append_str(&b, "\r\n");
    }
    free(enc);
    buf_release(&body);
    return buf_detach(&b);
}
