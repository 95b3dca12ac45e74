/* Where the mailbox is (scenarios/mail.h): a file written like alerts.conf (reports/alert.h) with one
 * [imap] section, or the environment. The alerts parser lives in reports/, above this floor, so the
 * few lines of its syntax are read again here: `key = value`, `#` and `;` comments, quotes around a
 * value dropped, unknown keys and sections are errors naming file:line, a password in a file readable
 * by group or others is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/base.h"
#include "common/files.h"
#include "common/url_redact.h"
#include "scenarios/mail.h"

static void secret_free(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
    free(s);
}

void scn_mail_config_release(struct scn_mail_config *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->user);
    secret_free(c->password);
    free(c->ca_file);
    free(c->origin);
    memset(c, 0, sizeof *c);
}

char *scn_mail_config_describe(const struct scn_mail_config *c)
{
    if (!c || !c->url)
        return xstrdup("no mailbox");
    char *shown = url_redact(c->url);
    char *s = c->user ? xasprintf("%s as %s", shown, c->user) : xstrdup(shown);
    free(shown);
    return s;
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

static int config_check(const struct scn_mail_config *c, const char *where, struct err *e)
{
    if (!c->url || !*c->url)
        return err_set(e, ERR_INPUT, "%s: [imap] has no url", where);
    if (strncasecmp(c->url, "imaps://", 8) != 0 && strncasecmp(c->url, "imap://", 7) != 0)
        return err_set(e, ERR_INPUT, "%s: [imap] url must start with imaps:// or imap://", where);
    if ((c->user == NULL) != (c->password == NULL))
        return err_set(e, ERR_INPUT, "%s: [imap] needs both user and password, or neither", where);
    return 0;
}

static int file_parse(struct scn_mail_config *c, const char *path, char *text, struct err *e)
{
    int line_no = 0, section_line = 0;
    bool in_section = false;
    char *line = text;
    while (line && *line) {
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
                return err_set(e, ERR_INPUT, "%s:%d: expected a section like [imap]", path, line_no);
            *close = '\0';
            char *name = trim(s + 1);
            if (strcmp(name, "imap") != 0)
                return err_set(e, ERR_INPUT, "%s:%d: unknown section [%s]: expected [imap]", path, line_no, name);
            if (in_section)
                return err_set(e, ERR_INPUT, "%s:%d: [imap] given twice", path, line_no);
            in_section = true;
            section_line = line_no;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return err_set(e, ERR_INPUT, "%s:%d: expected 'key = value' or a [section]", path, line_no);
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!in_section)
            return err_set(e, ERR_INPUT, "%s:%d: '%s' before [imap]", path, line_no, key);
        char **slot = strcmp(key, "url") == 0        ? &c->url
                      : strcmp(key, "user") == 0     ? &c->user
                      : strcmp(key, "password") == 0 ? &c->password
                      : strcmp(key, "ca_file") == 0  ? &c->ca_file
                                                     : NULL;
        if (!slot)
            return err_set(e, ERR_INPUT, "%s:%d: unknown key '%s' in [imap]: expected url, user, password, ca_file",
                           path, line_no, key);
        if (*slot)
            return err_set(e, ERR_INPUT, "%s:%d: '%s' given twice in [imap]", path, line_no, key);
        *slot = xstrdup(value);
    }
    if (!in_section)
        return err_set(e, ERR_INPUT, "%s: no [imap] section", path);
    c->origin = xasprintf("%s:%d", path, section_line);
    return config_check(c, c->origin, e);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *default_path(void)
{
    const char *xdg = env("XDG_CONFIG_HOME"), *home = env("HOME");
    if (xdg)
        return xasprintf("%s/huixin/mail.conf", xdg);
    if (home)
        return xasprintf("%s/.config/huixin/mail.conf", home);
    return NULL;
}

int scn_mail_config_load(const char *path, struct scn_mail_config *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    char *text = NULL;
    char *file = path ? xstrdup(path) : default_path();
    if (file && (path || file_exists(file))) {
        struct stat st;
        if (stat(file, &st) != 0) {
            rc = err_set(e, ERR_IO, "mail config '%s': %s", file, strerror(errno));
            goto out;
        }
        if ((rc = file_read_all(file, &text, NULL, e)))
            goto out;
        if ((rc = file_parse(out, file, text, e)))
            goto out;
        if (out->password && *out->password && (st.st_mode & 077)) {
            rc = err_set(e, ERR_INPUT,
                         "mail config '%s' holds a password but is readable by group or others (mode %03o): run "
                         "'chmod 600 %s'", file, (unsigned)(st.st_mode & 0777), file);
            goto out;
        }
        goto out;
    }
    if (env("HUIXIN_IMAP_URL")) {
        out->url = xstrdup(env("HUIXIN_IMAP_URL"));
        out->user = env("HUIXIN_IMAP_USER") ? xstrdup(env("HUIXIN_IMAP_USER")) : NULL;
        out->password = env("HUIXIN_IMAP_PASSWORD") ? xstrdup(env("HUIXIN_IMAP_PASSWORD")) : NULL;
        out->ca_file = env("HUIXIN_IMAP_CA_FILE") ? xstrdup(env("HUIXIN_IMAP_CA_FILE")) : NULL;
        out->origin = xstrdup("environment");
        rc = config_check(out, "HUIXIN_IMAP_URL (with HUIXIN_IMAP_USER, HUIXIN_IMAP_PASSWORD)", e);
    }
out:
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    free(file);
    if (rc)
        scn_mail_config_release(out);
    return rc;
}
