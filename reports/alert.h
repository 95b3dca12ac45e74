/* Alerts: tell people at once when a letter turns bad (超期未回复, 信件被删除, 提交失败), and once a day
 * how a campaign stands. Channels: webhooks (generic JSON, WeCom 企业微信, DingTalk 钉钉, Feishu 飞书
 * robots, with the DingTalk and Feishu signatures) and e-mail over SMTP (smtp:// or smtps://).
 *
 * Configuration comes from a file (--alerts FILE, else ~/.config/huixin/alerts.conf when it exists)
 * and from the environment (HUIXIN_WEBHOOK_URL, _FORMAT, _SECRET; HUIXIN_SMTP_URL, _USER, _PASSWORD,
 * _FROM, _TO), each adding channels. The file, mode 0600:
 *
 *   # huixin alerts
 *   # optional, Beijing time: when the daily summary is due
 *   daily_summary = 18:00
 *   # one section per channel; [webhook NAME] names it
 *   [webhook]
 *   url = https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
 *   # generic | wecom | dingtalk | feishu (default: from the host)
 *   format = wecom
 *   # DingTalk / Feishu signing secret (optional)
 *   secret = SEC...
 *   [smtp]
 *   url = smtps://smtp.example.com:465
 *   user = huixin@example.com
 *   password = ...
 *   from = 回信 <huixin@example.com>
 *   to = a@example.com, b@example.com
 *
 * The syntax (comments are lines of their own; CRLF, a byte-order mark) is common/conf.h's.
 * Unknown sections and keys are errors naming file:line. A file readable by group or others that
 * holds a URL, secret, user or password is refused (chmod 600). Secrets never reach a log or a
 * message: URLs are shown redacted, and every error text is scrubbed of the channel's secrets. */
#ifndef HUIXIN_ALERT_H
#define HUIXIN_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/verdict.h"

struct err;

/* ---- what happened -------------------------------------------------------------------------- */

/* One letter whose verdict changed. Every string is borrowed and optional (NULL: not shown). Text
 * from websites (site name, mailbox, reason) may hold anything: control characters are stripped
 * when the message is made. */
struct alert_event {
    const char *campaign;
    const char *site_name;
    const char *mailbox;       /* 市长信箱 ... */
    int64_t letter_id;         /* 0: not shown */
    const char *letter_token;
    const char *old_verdict;   /* the words, e.g. 待回复 (verdict_kind_name_zh) */
    const char *new_verdict;   /* 超期未回复 */
    const char *reason;        /* why, in a sentence */
    const char *deadline;      /* YYYY-MM-DD */
    const char *report_url;
    bool is_login_needed;      /* not a verdict: the site's real-name login lapsed, a person must log in
                                  again (huixin login); old and new verdict are then NULL */
};

/* True when a letter moves into 超期未回复, 信件被删除 or 提交失败 from another verdict: the changes
 * that deserve an alert at once. */
bool alert_change_is_alarming(enum verdict_kind old_kind, enum verdict_kind new_kind);

/* A campaign's standing for the daily summary. Strings borrowed. */
struct alert_summary_count {
    const char *verdict; /* the word */
    int count;
};

struct alert_summary {
    const char *campaign;
    const char *date;                          /* YYYY-MM-DD, Beijing */
    const struct alert_summary_count *counts;  /* in the order to show */
    size_t n_counts;
    const struct alert_event *problems;        /* letters to name (overdue, deleted, failed) */
    size_t n_problems;
    const char *report_url;
};

/* ---- the message ---------------------------------------------------------------------------- */

/* A message in the forms the channels need. Owns its strings. */
struct alert_message {
    char *kind;        /* "verdict_change", "daily_summary" or "test" */
    char *subject;     /* one line */
    char *text;        /* plain text, lines separated by \n */
    char *markdown;    /* the same for WeCom markdown */
    char *fields_json; /* the facts as a JSON object (sorted keys), for the generic webhook */
};

void alert_message_from_event(const struct alert_event *ev, struct alert_message *m);
void alert_message_from_summary(const struct alert_summary *s, struct alert_message *m);
/* A test message saying when it was sent (now_ms). */
void alert_message_test(int64_t now_ms, struct alert_message *m);
void alert_message_release(struct alert_message *m);

/* ---- channels ------------------------------------------------------------------------------- */

enum alert_format { ALERT_FORMAT_GENERIC, ALERT_FORMAT_WECOM, ALERT_FORMAT_DINGTALK, ALERT_FORMAT_FEISHU };

enum alert_channel_type { ALERT_CHANNEL_WEBHOOK, ALERT_CHANNEL_SMTP };

struct alert_channel {
    enum alert_channel_type type;
    char *name;         /* "webhook", "smtp", or the section's NAME */
    char *origin;       /* "FILE:LINE" or "environment" */
    char *url;
    enum alert_format format;
    char *secret;       /* webhook signing secret, or NULL */
    char *smtp_user, *smtp_password, *smtp_from; /* NULL when absent */
    char **smtp_to;
    size_t n_smtp_to;
};

struct alert_config {
    struct alert_channel *channels;
    size_t n_channels;
    int daily_summary_minute; /* minutes after Beijing midnight; -1 when not configured */
    char *path;               /* the file read, or NULL */
};

/* Reads path (NULL: the default file, if it exists) and the environment. No channel at all is not
 * an error here (n_channels 0). ERR_INPUT for a malformed or too readable file, ERR_IO when an
 * explicit path cannot be read. */
int alert_config_load(const char *path, struct alert_config *out, struct err *e);
void alert_config_release(struct alert_config *c);

/* "wecom webhook 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***'" or
 * "smtp 'smtps://smtp.example.com:465' to 2 recipients": safe to show. Caller frees. */
char *alert_channel_describe(const struct alert_channel *ch);

/* The format a webhook URL's host implies (qyapi.weixin.qq.com: WeCom; oapi.dingtalk.com: DingTalk;
 * open.feishu.cn, open.larksuite.com: Feishu; else generic). */
enum alert_format alert_format_guess(const char *url);
/* "generic", "wecom", "dingtalk", "feishu"; parse returns 0 or -1. */
const char *alert_format_name(enum alert_format f);
int alert_format_parse(const char *s, enum alert_format *out);

/* ---- the wire (pure: time is a parameter) ----------------------------------------------------- */

/* The JSON body a webhook of format f receives (Feishu's signature fields when secret). Caller frees. */
char *alert_webhook_body(enum alert_format f, const struct alert_message *m, const char *secret, int64_t now_ms);
/* The URL to POST to: DingTalk with a secret gets &timestamp=MS&sign=URLENCODED. Caller frees. */
char *alert_webhook_url(enum alert_format f, const char *url, const char *secret, int64_t now_ms);
/* DingTalk: base64(HMAC-SHA256(key secret, "MS\nsecret")). Feishu: base64(HMAC-SHA256(key
 * "SECONDS\nsecret", "")). Caller frees. */
char *alert_sign_dingtalk(int64_t now_ms, const char *secret);
char *alert_sign_feishu(int64_t now_s, const char *secret);
/* The RFC 5322 message (CRLF lines; Subject as =?UTF-8?B?...?= words; Date in +0800; Message-ID;
 * the text as base64 UTF-8). Caller frees. */
char *alert_email_format(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms);
/* The address inside "Name <addr>" (or the whole, trimmed). Caller frees. */
char *alert_email_address(const char *mailbox);

/* ---- sending -------------------------------------------------------------------------------- */

/* Whether the URL's host is this machine: 127.0.0.0/8, ::1 or localhost (any case), matched exactly on
 * the host libcurl would connect to. Only there may smtp:// go without STARTTLS. */
bool alert_url_host_is_loopback(const char *url);

/* Sends m through one channel within timeout_ms. A webhook must answer 2xx, and WeCom/DingTalk
 * errcode 0, Feishu code 0 when the body says. Errors name the channel (redacted) and never hold
 * its secrets. */
int alert_channel_send(const struct alert_channel *ch, const struct alert_message *m, int64_t now_ms,
                       int timeout_ms, struct err *e);

/* Sends m through every channel (the clock's now for signatures and Date); the first failure in e,
 * the others logged as warnings. 0 when all succeeded (or there is no channel). */
int alert_message_send_all(const struct alert_config *c, const struct alert_message *m, int timeout_ms,
                           struct err *e);
/* The same for an event (call it when alert_change_is_alarming) and for the daily summary. */
int alert_event_send(const struct alert_config *c, const struct alert_event *ev, int timeout_ms, struct err *e);
int alert_summary_send(const struct alert_config *c, const struct alert_summary *s, int timeout_ms, struct err *e);

#endif
