/* Alert channels from alerts.conf and the environment (the format is in alert.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/conf.h"
#include "reports/alert.h"

static void channel_release(struct alert_channel *ch)
{
    free(ch->name);
    free(ch->origin);
    free(ch->url);
    if (ch->secret)
        memset(ch->secret, 0, strlen(ch->secret));
    free(ch->secret);
    free(ch->smtp_user);
    if (ch->smtp_password)
        memset(ch->smtp_password, 0, strlen(ch->smtp_password));
    free(ch->smtp_password);
    free(ch->smtp_from);
    for (size_t i = 0; i < ch->n_smtp_to; i++)
        free(ch->smtp_to[i]);
    free(ch->smtp_to);
}

void alert_config_release(struct alert_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_channels; i++)
        channel_release(&c->channels[i]);
    free(c->channels);
    free(c->path);
    memset(c, 0, sizeof *c);
    c->daily_summary_minute = -1;
}

static struct alert_channel *channel_add(struct alert_config *c, enum alert_channel_type type, const char *name,
                                         const char *origin)
{
    c->channels = xrealloc(c->channels, (c->n_channels + 1) * sizeof *c->channels);
    struct alert_channel *ch = &c->channels[c->n_channels++];
    memset(ch, 0, sizeof *ch);
    ch->type = type;
    ch->name = xstrdup(name);
    ch->origin = xstrdup(origin);
    ch->format = ALERT_FORMAT_GENERIC;
    return ch;
}

/* "a@x, b@y" -> the list; empty items are skipped. */
static void recipients_set(struct alert_channel *ch, const char *list)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",;");
        const char *s = p, *end = p + n;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > s) {
            ch->smtp_to = xrealloc(ch->smtp_to, (ch->n_smtp_to + 1) * sizeof *ch->smtp_to);
            ch->smtp_to[ch->n_smtp_to++] = xstrndup(s, (size_t)(end - s));
        }
        p += n;
        if (*p)
            p++;
    }
}

static bool url_scheme_is(const char *url, const char *const *schemes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(schemes[i]);
        if (strncasecmp(url, schemes[i], k) == 0)
            return true;
    }
    return false;
}

/* Checks a finished channel; where names it for the message. */
static int channel_check(const struct alert_channel *ch, const char *where, struct err *e)
{
    static const char *const web[] = {"http://", "https://"};
    static const char *const mail[] = {"smtp://", "smtps://"};
    if (!ch->url || !*ch->url)
        return err_set(e, ERR_INPUT, "%s: [%s] has no url", where, ch->name);
    if (ch->type == ALERT_CHANNEL_WEBHOOK && !url_scheme_is(ch->url, web, 2))
        return err_set(e, ERR_INPUT, "%s: [%s] url must start with http:// or https://", where, ch->name);
    if (ch->type == ALERT_CHANNEL_SMTP) {
        if (!url_scheme_is(ch->url, mail, 2))
            return err_set(e, ERR_INPUT, "%s: [%s] url must start with smtp:// or smtps://", where, ch->name);
        if (!ch->smtp_from || !*ch->smtp_from)
            return err_set(e, ERR_INPUT, "%s: [%s] needs from = ADDRESS", where, ch->name);
        if (ch->n_smtp_to == 0)
            return err_set(e, ERR_INPUT, "%s: [%s] needs to = ADDRESS[, ADDRESS...]", where, ch->name);
        if ((ch->smtp_user == NULL) != (ch->smtp_password == NULL))
            return err_set(e, ERR_INPUT, "%s: [%s] needs both user and password, or neither", where, ch->name);
    }
    return 0;
}

/* What the file's handlers know between lines: the channel of the section being read. */
struct file_state {
    struct alert_config *c;
    struct alert_channel *ch; /* NULL before the first section */
    bool is_format_given;     /* ch's format was set by a line, not to be guessed from its URL */
};

/* The section being read is complete: its format, unless given, from its URL's host; then its checks. */
static int channel_finish(struct file_state *fs, struct err *e)
{
    if (!fs->ch)
        return 0;
    if (!fs->is_format_given && fs->ch->url)
        fs->ch->format = alert_format_guess(fs->ch->url);
    return channel_check(fs->ch, fs->ch->origin, e);
}

static int file_section(const struct conf_at *at, char *inner, void *user, struct err *e)
{
    struct file_state *fs = user;
    char *name = inner;
    size_t kind_len = strcspn(inner, " \t");
    char *label = inner[kind_len] ? conf_trim(inner + kind_len + 1) : NULL;
    inner[kind_len] = '\0';
    enum alert_channel_type type;
    if (strcmp(inner, "webhook") == 0)
        type = ALERT_CHANNEL_WEBHOOK;
    else if (strcmp(inner, "smtp") == 0)
        type = ALERT_CHANNEL_SMTP;
    else
        return conf_err(at, e, "unknown section [%s]: expected [webhook] or [smtp]", inner);
    int rc = channel_finish(fs, e);
    if (rc)
        return rc;
    char *origin = xasprintf("%s:%d", at->path, at->line_no);
    fs->ch = channel_add(fs->c, type, label && *label ? label : name, origin);
    free(origin);
    fs->is_format_given = false;
    return 0;
}

static int file_key(const struct conf_at *at, const char *key, const char *value, bool *is_secret, void *user,
                    struct err *e)
{
    struct file_state *fs = user;
    struct alert_channel *ch = fs->ch;
    if (!ch) {
        if (strcmp(key, "daily_summary") != 0)
            return conf_err(at, e, "unknown key '%s' before any section: expected daily_summary", key);
        int h = -1, m = -1;
        char tail = 0;
        if (sscanf(value, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
            return conf_err(at, e, "daily_summary '%s': expected HH:MM (Beijing time)", value);
        fs->c->daily_summary_minute = h * 60 + m;
        return 0;
    }
    bool is_webhook = ch->type == ALERT_CHANNEL_WEBHOOK, is_smtp = ch->type == ALERT_CHANNEL_SMTP;
    char **slot = NULL;
    if (strcmp(key, "url") == 0) {
        slot = &ch->url;
    } else if (strcmp(key, "secret") == 0 && is_webhook) {
        slot = &ch->secret;
    } else if (strcmp(key, "format") == 0 && is_webhook) {
        if (alert_format_parse(value, &ch->format))
            return conf_err(at, e, "format '%s': expected generic, wecom, dingtalk or feishu", value);
        fs->is_format_given = true; /* so the URL's host does not override it */
        return 0;
    } else if (strcmp(key, "user") == 0 && is_smtp) {
        slot = &ch->smtp_user;
    } else if (strcmp(key, "password") == 0 && is_smtp) {
        slot = &ch->smtp_password;
    } else if (strcmp(key, "from") == 0 && is_smtp) {
        return conf_value_keep(at, &ch->smtp_from, key, value, ch->name, e); /* not a secret */
    } else if (strcmp(key, "to") == 0 && is_smtp) {
        recipients_set(ch, value);
        return 0;
    } else {
        return conf_err(at, e, "unknown key '%s' in [%s]: expected %s", key, ch->name,
                        is_webhook ? "url, format, secret" : "url, user, password, from, to");
    }
    *is_secret = true;
    return conf_value_keep(at, slot, key, value, ch->name, e);
}

static int file_end(const char *path, void *user, struct err *e)
{
    (void)path;
    return channel_finish(user, e);
}

static const struct conf_syntax alerts_syntax = {
    .what = "alerts config",
    .section_hint = "[webhook] or [smtp NAME]",
    .secrets = "secrets (webhook URLs, secrets, passwords)",
    .section = file_section,
    .key = file_key,
    .end = file_end,
};

static int env_parse(struct alert_config *c, struct err *e)
{
    const char *url = conf_env("HUIXIN_WEBHOOK_URL");
    if (url) {
        struct alert_channel *ch = channel_add(c, ALERT_CHANNEL_WEBHOOK, "webhook", "environment");
        ch->url = xstrdup(url);
        ch->secret = xstrdup(conf_env("HUIXIN_WEBHOOK_SECRET"));
        ch->format = alert_format_guess(url);
        const char *f = conf_env("HUIXIN_WEBHOOK_FORMAT");
        if (f && alert_format_parse(f, &ch->format))
            return err_set(e, ERR_INPUT, "HUIXIN_WEBHOOK_FORMAT '%s': expected generic, wecom, dingtalk or feishu", f);
        int rc = channel_check(ch, "HUIXIN_WEBHOOK_URL", e);
        if (rc)
            return rc;
    }
    url = conf_env("HUIXIN_SMTP_URL");
    if (url) {
        struct alert_channel *ch = channel_add(c, ALERT_CHANNEL_SMTP, "smtp", "environment");
        ch->url = xstrdup(url);
        ch->smtp_user = xstrdup(conf_env("HUIXIN_SMTP_USER"));
        ch->smtp_password = xstrdup(conf_env("HUIXIN_SMTP_PASSWORD"));
        ch->smtp_from = xstrdup(conf_env("HUIXIN_SMTP_FROM"));
        if (conf_env("HUIXIN_SMTP_TO"))
            recipients_set(ch, conf_env("HUIXIN_SMTP_TO"));
        int rc = channel_check(ch, "HUIXIN_SMTP_URL (with HUIXIN_SMTP_FROM, HUIXIN_SMTP_TO)", e);
        if (rc)
            return rc;
    }
    return 0;
}

int alert_config_load(const char *path, struct alert_config *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->daily_summary_minute = -1;
    struct file_state fs = {.c = out};
    int rc = conf_file_load(path, "alerts.conf", &alerts_syntax, &fs, &out->path, e);
    if (rc == 0)
        rc = env_parse(out, e);
    if (rc)
        alert_config_release(out);
    return rc;
}
