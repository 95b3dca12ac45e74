/* Mail: the query code or the reply a site sends to the letter's e-mail address, read from a mailbox
 * over IMAP (issue 17, gate 8). Three parts, each in its own file:
 *
 *   mail_config.c  where the mailbox is: a file like alerts.conf (common/conf.h; mode 0600 when it
 *                  holds a password), section [imap] with url, user, password and ca_file, or
 *                  HUIXIN_IMAP_* variables
 *   mail_imap.c    the IMAP client (libcurl): UID SEARCH, then one message at a time by UID, each call
 *                  within a deadline
 *   mail_msg.c     a small RFC 5322 / MIME reader (pure): headers with folding, RFC 2047 encoded words
 *                  (UTF-8, GB2312/GBK/GB18030 ...), quoted-printable and base64 bodies, multipart (the
 *                  text/plain part first, else text/html made text), Date
 *
 * The scenario steps that use them are in step_mail.c (mail_wait, mail_reply). Everything a mail holds
 * comes from a website: the reader cleans it (text_clean) and reports escape it. */
#ifndef HUIXIN_SCN_MAIL_H
#define HUIXIN_SCN_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

/* ---- where the mailbox is ------------------------------------------------------------------ */

struct scn_mail_config {
    char *url;      /* imaps://host[:port]/MAILBOX, or imap://... (STARTTLS required except to loopback) */
    char *user;     /* NULL: none (rare) */
    char *password;
    char *ca_file;  /* PEM file of the certificate authorities to trust instead of the system's, or NULL */
    char *origin;   /* "FILE:LINE" or "environment", for messages */
};

/* Reads path (NULL: ~/.config/huixin/mail.conf, or $XDG_CONFIG_HOME/huixin/mail.conf, when it exists),
 * else the environment (HUIXIN_IMAP_URL, _USER, _PASSWORD, _CA_FILE). The file:
 *
 *   # huixin mailbox: where sites' mails to the letters' address arrive
 *   [imap]
 *   url = imaps://imap.example.com/INBOX
 *   user = letters@example.com
 *   password = ...
 *   ca_file = /etc/huixin/imap-ca.pem
 *
 * (ca_file is optional; the syntax, with comments on lines of their own, is common/conf.h's.)
 *
 * Unknown sections and keys are errors naming file:line; a file with a password readable by group or
 * others is refused (chmod 600). Nothing configured is not an error: out->url stays NULL. ERR_INPUT for
 * a malformed file, ERR_IO when an explicit path cannot be read. */
int scn_mail_config_load(const char *path, struct scn_mail_config *out, struct err *e);
void scn_mail_config_release(struct scn_mail_config *c);
/* "imaps://imap.example.com/INBOX as letters@example.com": safe to show (no password). Caller frees. */
char *scn_mail_config_describe(const struct scn_mail_config *c);

/* ---- the IMAP client ----------------------------------------------------------------------- */

/* Whether url's host, as libcurl's own URL parser gives it, is this machine: 127.0.0.0/8, ::1 or
 * localhost, exactly (localhost.example.com and 127.0.0.1.evil.com are someone else's). Only there may
 * imap:// (and the alerts' smtp://) go without STARTTLS. */
bool scn_url_host_is_loopback(const char *url);

/* A session with the mailbox of c (borrowed; it must outlive the session): its calls share one
 * connection, opened by the first. Never fails (the first call says what went wrong). */
struct scn_imap;
struct scn_imap *scn_imap_open(const struct scn_mail_config *c);
void scn_imap_close(struct scn_imap *s); /* NULL is a no-op */

/* The UIDs `UID SEARCH criteria` answers (e.g. "SINCE 29-Nov-2026", "ALL"), ascending; *uids is the
 * caller's to free. ERR_SITE for a mailbox that refused us or answered nonsense (a wrong password is
 * said as such), ERR_TIMEOUT past timeout_ms. */
int scn_imap_search(struct scn_imap *s, const char *criteria, int timeout_ms, uint32_t **uids, size_t *n,
                    struct err *e);
/* The raw message of one UID (its RFC 5322 text, as stored); *raw is the caller's to free. Messages
 * over SCN_MAIL_MAX_BYTES are refused. Errors as for search; ERR_NOT_FOUND when the UID is gone. */
#define SCN_MAIL_MAX_BYTES (16 * 1024 * 1024)
int scn_imap_fetch(struct scn_imap *s, uint32_t uid, int timeout_ms, char **raw, size_t *len, struct err *e);
/* The date as IMAP's SEARCH SINCE wants it: "29-Nov-2026" (the Beijing day of ms). out: 12 bytes. */
void scn_imap_date_format(int64_t ms, char out[12]);

/* ---- reading a message --------------------------------------------------------------------- */

struct scn_mail_msg {
    char *from;        /* decoded, e.g. "宝川市人民政府办公室 <xinxiang@baochuan.gov.test>" */
    char *from_name;   /* the display name, or the address when there is none */
    char *to;
    char *subject;
    char *date;        /* the Date header as written */
    bool has_date;
    int64_t date_ms;   /* the Date header as a moment */
    char *message_id;
    char *text;        /* the body as text: text/plain, else text/html without its tags; UTF-8, cleaned */
};

/* Reads a message. Never fails on a malformed one (what cannot be read is left empty); ERR_INPUT only
 * for one with no header at all. out is always initialized. */
int scn_mail_msg_parse(const char *raw, size_t len, struct scn_mail_msg *out, struct err *e);
void scn_mail_msg_release(struct scn_mail_msg *m);

/* A header value with its RFC 2047 encoded words decoded, as clean UTF-8 (one line). Caller frees. */
char *scn_mail_header_decode(const char *value);
/* RFC 5322 date ("Mon, 2 Mar 2026 10:00:00 +0800", the day name optional, seconds optional; zones
 * +hhmm, UT, GMT, UTC, Z; other names as +0000) -> ms. 0 or -1. */
int scn_mail_date_parse(const char *s, int64_t *ms);
/* bytes in charset -> clean UTF-8 (unknown charsets: as UTF-8, invalid bytes replaced). Caller frees. */
char *scn_mail_to_utf8(const char *bytes, size_t n, const char *charset);
/* HTML -> text: script and style dropped, tags removed (block ends become line ends), entities
 * decoded. Caller frees. */
char *scn_mail_html_text(const char *html, size_t n);

/* ---- what a visit read ---------------------------------------------------------------------- */

/* A mail a step took: the code's (mail_wait) or the reply's (mail_reply). */
struct scn_mail_seen {
    const char *step;   /* "mail_wait" or "mail_reply" (static) */
    char *var;          /* mail_wait: the variable it set; else NULL */
    char *file;         /* the raw message's name in the evidence folder ("reply.eml"), or NULL: not kept */
    uint32_t uid;
    struct scn_mail_msg msg;
};

struct scn_mails {
    struct scn_mail_seen *v;
    size_t n;
};
void scn_mails_release(struct scn_mails *m);
/* The last mail_reply's mail, or NULL. Borrowed. */
const struct scn_mail_seen *scn_mails_reply(const struct scn_mails *m);

#endif
