/* Where the mailbox is (scenarios/mail.h): a file in the syntax of alerts.conf (common/conf.h) with
 * one [imap] section, or the environment. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/conf.h"
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

/* The file's handlers: user is the config; its origin is set by the [imap] line. */
static int file_section(const struct conf_at *at, char *name, void *user, struct err *e)
{
    struct scn_mail_config *c = user;
    if (strcmp(name, "imap") != 0)
        return conf_err(at, e, "unknown section [%s]: expected [imap]", name);
    if (c->origin)
        return conf_err(at, e, "[imap] given twice");
    c->origin = xasprintf("%s:%d", at->path, at->line_no);
    return 0;
}

static int file_key(const struct conf_at *at, const char *key, const char *value, bool *is_secret, void *user,
                    struct err *e)
{
    struct scn_mail_config *c = user;
    if (!c->origin)
        return conf_err(at, e, "'%s' before [imap]", key);
    char **slot = strcmp(key, "url") == 0        ? &c->url
                  : strcmp(key, "user") == 0     ? &c->user
                  : strcmp(key, "password") == 0 ? &c->password
                  : strcmp(key, "ca_file") == 0  ? &c->ca_file
                                                 : NULL;
    if (!slot)
        return conf_err(at, e, "unknown key '%s' in [imap]: expected url, user, password, ca_file", key);
    *is_secret = slot == &c->password;
    return conf_value_keep(at, slot, key, value, "imap", e);
}

static int file_end(const char *path, void *user, struct err *e)
{
    struct scn_mail_config *c = user;
    if (!c->origin)
        return err_set(e, ERR_INPUT, "%s: no [imap] section", path);
    return config_check(c, c->origin, e);
}

static const struct conf_syntax mail_syntax = {
    .what = "mail config",
    .section_hint = "[imap]",
    .secrets = "a password",
    .section = file_section,
    .key = file_key,
    .end = file_end,
};

int scn_mail_config_load(const char *path, struct scn_mail_config *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    char *file = NULL;
    int rc = conf_file_load(path, "mail.conf", &mail_syntax, out, &file, e);
    if (rc == 0 && !file && conf_env("HUIXIN_IMAP_URL")) {
        out->url = xstrdup(conf_env("HUIXIN_IMAP_URL"));
        out->user = conf_env("HUIXIN_IMAP_USER") ? xstrdup(conf_env("HUIXIN_IMAP_USER")) : NULL;
        out->password = conf_env("HUIXIN_IMAP_PASSWORD") ? xstrdup(conf_env("HUIXIN_IMAP_PASSWORD")) : NULL;
        out->ca_file = conf_env("HUIXIN_IMAP_CA_FILE") ? xstrdup(conf_env("HUIXIN_IMAP_CA_FILE")) : NULL;
        out->origin = xstrdup("environment");
        rc = config_check(out, "HUIXIN_IMAP_URL (with HUIXIN_IMAP_USER, HUIXIN_IMAP_PASSWORD)", e);
    }
    free(file);
    if (rc)
        scn_mail_config_release(out);
    return rc;
}
