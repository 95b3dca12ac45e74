/* Alert channels from alerts.conf and the environment (the format is in alert.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/base.h"
#include "common/files.h"
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

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
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

static int file_parse(struct alert_config *c, const char *path, char *text, bool *has_secret, struct err *e)
{
    int rc = 0;
    int line_no = 0;
    struct alert_channel *ch = NULL;
    int ch_line = 0;
    bool format_given = false;
    char *line = text;
    while (line && *line && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *s = trim(line);
        line = nl ? nl + 1 : NULL;
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || *trim(close + 1) != '\0')
                return err_set(e, ERR_INPUT, "%s:%d: expected a section like [webhook] or [smtp NAME]", path, line_no);
            *close = '\0';
            char *inner = trim(s + 1);
            char *name = inner;
            size_t kind_len = strcspn(inner, " \t");
            char *label = inner[kind_len] ? trim(inner + kind_len + 1) : NULL;
            inner[kind_len] = '\0';
            enum alert_channel_type type;
            if (strcmp(inner, "webhook") == 0)
                type = ALERT_CHANNEL_WEBHOOK;
            else if (strcmp(inner, "smtp") == 0)
                type = ALERT_CHANNEL_SMTP;
            else
                return err_set(e, ERR_INPUT, "%s:%d: unknown section [%s]: expected [webhook] or [smtp]", path, line_no,
                               inner);
            if (ch) {
                if (!format_given && ch->url)
                    ch->format = alert_format_guess(ch->url);
                char *where = xasprintf("%s:%d", path, ch_line);
                rc = channel_check(ch, where, e);
                free(where);
                if (rc)
                    return rc;
            }
            char *origin = xasprintf("%s:%d", path, line_no);
            ch = channel_add(c, type, label && *label ? label : name, origin);
            free(origin);
            ch_line = line_no;
            format_given = false;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return err_set(e, ERR_INPUT, "%s:%d: expected 'key = value' or a [section]", path, line_no);
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!ch) {
            if (strcmp(key, "daily_summary") != 0)
                return err_set(e, ERR_INPUT, "%s:%d: unknown key '%s' before any section: expected daily_summary", path,
                               line_no, key);
            int h = -1, m = -1;
            char tail = 0;
            if (sscanf(value, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
                return err_set(e, ERR_INPUT, "%s:%d: daily_summary '%s': expected HH:MM (Beijing time)", path, line_no,
                               value);
            c->daily_summary_minute = h * 60 + m;
            continue;
        }
        char **slot = NULL;
        bool is_secret = true;
        if (strcmp(key, "url") == 0) {
            slot = &ch->url;
        } else if (strcmp(key, "secret") == 0 && ch->type == ALERT_CHANNEL_WEBHOOK) {
            slot = &ch->secret;
        } else if (strcmp(key, "format") == 0 && ch->type == ALERT_CHANNEL_WEBHOOK) {
            if (alert_format_parse(value, &ch->format))
                return err_set(e, ERR_INPUT, "%s:%d: format '%s': expected generic, wecom, dingtalk or feishu", path,
                               line_no, value);
            format_given = true; /* so the URL's host does not override it */
            continue;
        } else if (strcmp(key, "user") == 0 && ch->type == ALERT_CHANNEL_SMTP) {
            slot = &ch->smtp_user;
        } else if (strcmp(key, "password") == 0 && ch->type == ALERT_CHANNEL_SMTP) {
            slot = &ch->smtp_password;
        } else if (strcmp(key, "from") == 0 && ch->type == ALERT_CHANNEL_SMTP) {
            slot = &ch->smtp_from;
            is_secret = false;
        } else if (strcmp(key, "to") == 0 && ch->type == ALERT_CHANNEL_SMTP) {
            recipients_set(ch, value);
            continue;
        } else {
            return err_set(e, ERR_INPUT, "%s:%d: unknown key '%s' in [%s]: expected %s", path, line_no, key, ch->name,
                           ch->type == ALERT_CHANNEL_WEBHOOK ? "url, format, secret"
                                                             : "url, user, password, from, to");
        }
        if (*slot)
            return err_set(e, ERR_INPUT, "%s:%d: '%s' given twice in [%s]", path, line_no, key, ch->name);
        *slot = xstrdup(value);
        if (is_secret && *value)
            *has_secret = true;
    }
    if (ch) {
        if (!format_given && ch->url)
            ch->format = alert_format_guess(ch->url);
        char *where = xasprintf("%s:%d", path, ch_line);
        rc = channel_check(ch, where, e);
        free(where);
    }
    return rc;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int env_parse(struct alert_config *c, struct err *e)
{
    const char *url = env("HUIXIN_WEBHOOK_URL");
    if (url) {
        struct alert_channel *ch = channel_add(c, ALERT_CHANNEL_WEBHOOK, "webhook", "environment");
        ch->url = xstrdup(url);
        ch->secret = xstrdup(env("HUIXIN_WEBHOOK_SECRET"));
        ch->format = alert_format_guess(url);
        const char *f = env("HUIXIN_WEBHOOK_FORMAT");
        if (f && alert_format_parse(f, &ch->format))
            return err_set(e, ERR_INPUT, "HUIXIN_WEBHOOK_FORMAT '%s': expected generic, wecom, dingtalk or feishu", f);
        int rc = channel_check(ch, "HUIXIN_WEBHOOK_URL", e);
        if (rc)
            return rc;
    }
    url = env("HUIXIN_SMTP_URL");
    if (url) {
        struct alert_channel *ch = channel_add(c, ALERT_CHANNEL_SMTP, "smtp", "environment");
        ch->url = xstrdup(url);
        ch->smtp_user = xstrdup(env("HUIXIN_SMTP_USER"));
        ch->smtp_password = xstrdup(env("HUIXIN_SMTP_PASSWORD"));
        ch->smtp_from = xstrdup(env("HUIXIN_SMTP_FROM"));
        if (env("HUIXIN_SMTP_TO"))
            recipients_set(ch, env("HUIXIN_SMTP_TO"));
        int rc = channel_check(ch, "HUIXIN_SMTP_URL (with HUIXIN_SMTP_FROM, HUIXIN_SMTP_TO)", e);
        if (rc)
            return rc;
    }
    return 0;
}

static char *default_path(void)
{
    const char *xdg = env("XDG_CONFIG_HOME"), *home = env("HOME");
    if (xdg)
        return xasprintf("%s/huixin/alerts.conf", xdg);
    if (home)
        return xasprintf("%s/.config/huixin/alerts.conf", home);
    return NULL;
}

int alert_config_load(const char *path, struct alert_config *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->daily_summary_minute = -1;
    int rc = 0;
    char *text = NULL;
    char *file = path ? xstrdup(path) : default_path();
    if (file && (path || file_exists(file))) {
        struct stat st;
        if (stat(file, &st) != 0) {
            rc = err_set(e, ERR_IO, "alerts config '%s': %s", file, strerror(errno));
            goto out;
        }
        if ((rc = file_read_all(file, &text, NULL, e)))
            goto out;
        bool has_secret = false;
        if ((rc = file_parse(out, file, text, &has_secret, e)))
            goto out;
        if (has_secret && (st.st_mode & 077)) {
            rc = err_set(e, ERR_INPUT,
                         "alerts config '%s' holds secrets (webhook URLs, secrets, passwords) but is readable by "
                         "group or others (mode %03o): run 'chmod 600 %s'",
                         file, (unsigned)(st.st_mode & 0777), file);
            goto out;
        }
        out->path = file;
        file = NULL;
    }
    rc = env_parse(out, e);
out:
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    free(file);
    if (rc)
        alert_config_release(out);
    return rc;
}
