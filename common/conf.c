/* Line-oriented configuration files (common/conf.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base.h"
#include "common/conf.h"
#include "common/files.h"

char *conf_trim(char *s)
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

int conf_err(const struct conf_at *at, struct err *e, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, "%s:%d: %s", at->path, at->line_no, msg);
}

int conf_value_keep(const struct conf_at *at, char **slot, const char *key, const char *value, const char *section,
                    struct err *e)
{
    if (*slot)
        return conf_err(at, e, "'%s' given twice in [%s]", key, section);
    *slot = xstrdup(value);
    return 0;
}

const char *conf_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int conf_text_parse(const char *path, char *text, const struct conf_syntax *syn, void *user, bool *has_secret,
                    struct err *e)
{
    int rc = 0;
    struct conf_at at = {path, 0};
    char *line = text;
    *has_secret = false;
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0) /* a byte-order mark, as some editors write */
        line += 3;
    while (line && *line && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        at.line_no++;
        char *s = conf_trim(line);
        line = nl ? nl + 1 : NULL;
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || *conf_trim(close + 1) != '\0')
                return conf_err(&at, e, "expected a section like %s", syn->section_hint);
            *close = '\0';
            rc = syn->section(&at, conf_trim(s + 1), user, e);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return conf_err(&at, e, "expected 'key = value' or a [section]");
        *eq = '\0';
        char *key = conf_trim(s), *value = conf_trim(eq + 1);
        bool is_secret = false;
        rc = syn->key(&at, key, value, &is_secret, user, e);
        if (is_secret && *value)
            *has_secret = true;
    }
    if (rc == 0 && syn->end)
        rc = syn->end(path, user, e);
    return rc;
}

static char *default_path(const char *name)
{
    const char *xdg = conf_env("XDG_CONFIG_HOME"), *home = conf_env("HOME");
    if (xdg)
        return xasprintf("%s/huixin/%s", xdg, name);
    if (home)
        return xasprintf("%s/.config/huixin/%s", home, name);
    return NULL;
}

int conf_file_load(const char *path, const char *name, const struct conf_syntax *syn, void *user, char **path_out,
                   struct err *e)
{
    int rc = 0;
    char *text = NULL;
    size_t len = 0;
    char *file = path ? xstrdup(path) : default_path(name);
    if (path_out)
        *path_out = NULL;
    if (!file || (!path && !file_exists(file)))
        goto out;
    struct stat st;
    if (stat(file, &st) != 0) {
        rc = err_set(e, ERR_IO, "%s '%s': %s", syn->what, file, strerror(errno));
        goto out;
    }
    if ((rc = file_read_all(file, &text, &len, e)))
        goto out;
    bool has_secret = false;
    if ((rc = conf_text_parse(file, text, syn, user, &has_secret, e)))
        goto out;
    if (has_secret && (st.st_mode & 077)) {
        rc = err_set(e, ERR_INPUT,
                     "%s '%s' holds %s but is readable by group or others (mode %03o): run 'chmod 600 %s'", syn->what,
                     file, syn->secrets, (unsigned)(st.st_mode & 0777), file);
        goto out;
    }
    if (path_out) {
        *path_out = file;
        file = NULL;
    }
out:
    if (text) {
        memset(text, 0, len); /* all of it: the parser cut the lines apart with NULs */
        free(text);
    }
    free(file);
    return rc;
}
