/* Alerts leave the process here: webhooks by HTTP POST and e-mail by SMTP, both through libcurl. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/text_clean.h"
#include "common/url_redact.h"
#include "reports/alert.h"
#include "scenarios/mail.h"

#define RESPONSE_MAX_BYTES (64 * 1024)

/* Replaces every occurrence of word (when 4 bytes or longer) in the message with ***. */
static void scrub_word(char *msg, const char *word, size_t n)
{
    if (!word || n < 4)
        return;
    char *p;
    while ((p = memmem(msg, strlen(msg), word, n)) != NULL) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + n, strlen(p + n) + 1);
    }
}

/* Whatever wrote the message (curl, a robot's answer), no secret of the channel stays in it: its
 * secret, password, user, the URL's userinfo, query values and path segments. */
static void scrub(struct err *e, const struct alert_channel *ch)
{
    if (!e || !e->code)
        return;
    scrub_word(e->msg, ch->secret, ch->secret ? strlen(ch->secret) : 0);
    scrub_word(e->msg, ch->smtp_password, ch->smtp_password ? strlen(ch->smtp_password) : 0);
    scrub_word(e->msg, ch->smtp_user, ch->smtp_user ? strlen(ch->smtp_user) : 0);
    const char *p = strstr(ch->url, "://");
    p = p ? p + 3 : ch->url;
    size_t auth = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < p + auth; q++)
        if (*q == '@')
            at = q;
    if (at) {
        size_t colon = strcspn(p, ":@");
        scrub_word(e->msg, p, colon);
        if (p[colon] == ':')
            scrub_word(e->msg, p + colon + 1, (size_t)(at - p - colon - 1));
    }
    /* path segments long enough to be tokens (Feishu, Slack), and query values */
    const char *rest = p + auth;
    while (*rest && *rest != '#') {
        char sep = *rest++;
        size_t n = strcspn(rest, "/?&=#");
        if ((sep == '/' && n >= 16) || (sep == '=' && n >= 6))
            scrub_word(e->msg, rest, n);
        rest += n;
    }
}

static size_t body_write(char *data, size_t size, size_t nmemb, void *user)
{
    struct buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n > RESPONSE_MAX_BYTES)
        return 0;
    buf_append(b, data, n);
    return n;
}

/* A robot answers 200 with {"errcode": N, "errmsg": ...} (WeCom, DingTalk) or {"code": N, "msg": ...}
 * (Feishu): anything but 0 is a failure. */
static int robot_answer_check(const struct alert_channel *ch, const char *shown, const struct buf *body,
                              struct err *e)
{
    if (ch->format == ALERT_FORMAT_GENERIC || body->len == 0)
        return 0;
    json_t *o = json_loadb(body->data, body->len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return 0; /* not JSON: the HTTP status already said yes */
    }
    json_t *code = json_object_get(o, "errcode");
    json_t *msg = json_object_get(o, "errmsg");
    if (!code) {
        code = json_object_get(o, "code");
        msg = json_object_get(o, "msg");
    }
    if (!code)
        code = json_object_get(o, "StatusCode");
    int rc = 0;
    if (json_is_integer(code) && json_integer_value(code) != 0) {
        const char *m = json_is_string(msg) ? json_string_value(msg) : "";
        char *clean = text_clean(m, strlen(m), false);
        text_utf8_truncate(clean, 300);
        rc = err_set(e, ERR_SITE, "%s webhook '%s' refused the message: code %lld%s%s", alert_format_name(ch->format),
                     shown, (long long)json_integer_value(code), *clean ? ": " : "", clean);
        free(clean);
    }
    json_decref(o);
    return rc;
}

static int webhook_send(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms, int timeout_ms,
                        struct err *e)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    int rc = 0;
    char *url = alert_webhook_url(ch->format, ch->url, ch->secret, now_ms);
    char *body = alert_webhook_body(ch->format, m, ch->secret, now_ms);
    char *shown = url_redact(ch->url);
    struct curl_slist *headers = NULL;
    struct buf answer;
    buf_init(&answer);
    CURL *curl = curl_easy_init();
    if (!curl) {
        rc = err_set(e, ERR_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "huixin");
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        rc = err_set(e, cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_SITE, "%s webhook '%s': %s",
                     alert_format_name(ch->format), shown, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        rc = err_set(e, ERR_SITE, "%s webhook '%s': HTTP status %ld, expected 2xx", alert_format_name(ch->format),
                     shown, status);
        goto out;
    }
    rc = robot_answer_check(ch, shown, &answer, e);
out:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    buf_release(&answer);
    free(shown);
    free(body);
    free(url);
    return rc;
}

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t upload_read(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct upload *u = user;
    size_t room = size * nmemb, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(ptr, u->data + u->pos, n);
    u->pos += n;
    return n;
}

bool alert_url_host_is_loopback(const char *url)
{
    return scn_url_host_is_loopback(url); /* the IMAP client's rule: one judgement of "this machine" */
}

static int smtp_send(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms, int timeout_ms,
                     struct err *e)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    int rc = 0;
    char *shown = url_redact(ch->url);
    char *message = alert_email_format(ch, m, now_ms);
    char *from = alert_email_address(ch->smtp_from);
    char *mail_from = xasprintf("<%s>", from);
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; i < ch->n_smtp_to; i++) {
        char *a = alert_email_address(ch->smtp_to[i]);
        char *b = xasprintf("<%s>", a);
        rcpt = curl_slist_append(rcpt, b);
        free(b);
        free(a);
    }
    struct upload up = {message, strlen(message), 0};
    CURL *curl = curl_easy_init();
    if (!curl) {
        rc = err_set(e, ERR_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, ch->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    if (ch->smtp_user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, ch->smtp_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, ch->smtp_password);
    }
    /* smtps:// is TLS from the start. smtp:// must upgrade with STARTTLS (the message and any password
     * never go in clear over a network), except to a relay on this machine. */
    if (strncasecmp(ch->url, "smtp://", 7) == 0)
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         (long)(alert_url_host_is_loopback(ch->url) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        char reply[32] = "";
        if (code)
            snprintf(reply, sizeof reply, " (server reply %ld)", code);
        rc = err_set(e, cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_SITE, "smtp '%s': %s%s", shown,
                     curl_err[0] ? curl_err : curl_easy_strerror(cc), reply);
    }
out:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(rcpt);
    free(mail_from);
    free(from);
    free(message);
    free(shown);
    return rc;
}

int alert_channel_send(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms,
                       int timeout_ms, struct err *e)
{
    int rc = ch->type == ALERT_CHANNEL_SMTP ? smtp_send(ch, m, now_ms, timeout_ms, e)
                                            : webhook_send(ch, m, now_ms, timeout_ms, e);
    scrub(e, ch);
    return rc;
}

int alert_message_send_all(const struct alert_config *c, const struct alert_message *m, int timeout_ms,
                           struct err *e)
{
    int first = 0;
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < c->n_channels; i++) {
        struct err one;
        err_init(&one);
        int rc = alert_channel_send(&c->channels[i], m, now, timeout_ms, &one);
        if (rc == 0)
            continue;
        if (first == 0) {
            first = rc;
            err_set(e, rc, "%s", one.msg);
        } else {
            log_warn("alert", "%s", one.msg);
        }
    }
    return first;
}

int alert_event_send(const struct alert_config *c, const struct alert_event *ev, int timeout_ms, struct err *e)
{
    struct alert_message m;
    alert_message_from_event(ev, &m);
    int rc = alert_message_send_all(c, &m, timeout_ms, e);
    alert_message_release(&m);
    return rc;
}

int alert_summary_send(const struct alert_config *c, const struct alert_summary *s, int timeout_ms, struct err *e)
{
    struct alert_message m;
    alert_message_from_summary(s, &m);
    int rc = alert_message_send_all(c, &m, timeout_ms, e);
    alert_message_release(&m);
    return rc;
}
