#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/proxy.h"
#include "driver/page.h"
#include "scenarios/block_list.h"
#include "scenarios/vars.h"
#include "verify/calendar.h"
#include "cli/cli.h"
#include "cli/opts.h"

int cli_calendar_open(const struct cli_common *c, struct cal **out, struct err *e)
{
    struct cal *cal = cal_new();
    if (cal_load_standard(cal, c->calendar_paths, c->n_calendar_paths, true, e)) {
        cal_free(cal);
        return e ? e->code : ERR_INPUT;
    }
    *out = cal;
    return 0;
}

int cli_block_list_open(const struct cli_common *c, struct scn_block_list *out, struct err *e)
{
    scn_block_list_init(out);
    out->is_on = c->block_trackers || c->block_list_path;
    if (!c->block_list_path)
        return 0;
    out->user_file = xstrdup(c->block_list_path);
    char *text = NULL;
    int rc = file_read_all(c->block_list_path, &text, NULL, e);
    if (rc == 0)
        rc = scn_block_list_parse(out, text, c->block_list_path, e);
    if (rc != 0)
        err_prefix(e, "--block-list");
    free(text);
    return rc;
}

int cli_proxy_open(const struct cli_common *c, struct proxy *out, bool *is_on, struct err *e)
{
    memset(out, 0, sizeof *out);
    *is_on = false;
    if (!c->proxy_url) {
        if (c->proxy_credentials_path)
            return err_set(e, ERR_USAGE, "--proxy-credentials '%s' without --proxy: credentials for which proxy?",
                           c->proxy_credentials_path);
        return 0;
    }
    int rc = proxy_parse(c->proxy_url, out, e);
    if (rc == 0 && c->proxy_credentials_path)
        rc = proxy_credentials_load(out, c->proxy_credentials_path, e);
    if (rc != 0) { /* the messages name the proxy or the file */
        proxy_release(out);
        return rc;
    }
    *is_on = true;
    return 0;
}

int cli_exit_from_err(int code)
{
    switch (code) {
    case ERR_OK: return EXIT_OK;
    case ERR_USAGE: return EXIT_USAGE;
    case ERR_INPUT: return EXIT_INPUT;
    case ERR_BROWSER: return EXIT_BROWSER;
    case ERR_TIMEOUT:
    case ERR_SITE: return EXIT_SITE;
    case ERR_STORE: return EXIT_STORE;
    case ERR_NOT_FOUND: return EXIT_FINDINGS;
    default: return EXIT_IO;
    }
}

int cli_fail(const struct err *e)
{
    fprintf(stderr, "huixin: %s\n", e->msg[0] ? e->msg : err_code_name(e->code));
    return cli_exit_from_err(e->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "huixin %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'huixin %s --help'.\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

void cli_common_init(struct cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->chromium_path = getenv("HUIXIN_CHROMIUM");
    c->store_path = getenv("HUIXIN_STORE");
    if (!c->store_path || !*c->store_path)
        c->store_path = "huixin.db";
    c->evidence_dir = getenv("HUIXIN_EVIDENCE");
    if (!c->evidence_dir || !*c->evidence_dir)
        c->evidence_dir = "evidence";
    c->timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    c->sign_key_path = getenv("HUIXIN_SIGN_KEY");
    c->tsa_url = getenv("HUIXIN_TSA_URL");
}

static int common_browser_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    if (c->n_browser_urls == ARRAY_LEN(c->browser_urls))
        return cli_usage_error(cmd, "--browser: at most %zu values (list more endpoints with commas)",
                               ARRAY_LEN(c->browser_urls));
    c->browser_urls[c->n_browser_urls++] = v;
    if (!c->browser_url)
        c->browser_url = v;
    return 0;
}

static int common_timeout_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    char *end;
    long s = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || s < 1 || s > 3600)
        return cli_usage_error(cmd, "--timeout '%s': expected whole seconds from 1 to 3600", v);
    c->timeout_ms = (int)s * 1000;
    return 0;
}

static int common_user_agent_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    if (!browser_user_agent_is_valid(v))
        return cli_usage_error(cmd, "--user-agent '%s': expected 1 to 512 printable ASCII characters", v);
    c->user_agent = v;
    return 0;
}

static int common_language_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    if (!browser_language_is_valid(v))
        return cli_usage_error(cmd, "--language '%s': expected a language tag such as zh-CN or en", v);
    c->language = v;
    return 0;
}

static int common_timezone_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    if (!browser_timezone_is_valid(v))
        return cli_usage_error(cmd, "--timezone '%s': expected a time zone such as Asia/Shanghai or UTC", v);
    c->timezone = v;
    return 0;
}

void cli_browser_options(const struct cli_common *c, struct browser_options *out)
{
    memset(out, 0, sizeof *out);
    out->chromium_path = c->chromium_path;
    out->endpoint = c->browser_url;
    out->timeout_ms = c->timeout_ms;
    out->user_agent = c->user_agent;
    out->language = c->language;
    out->timezone = c->timezone;
}

static int common_proxy_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    struct proxy px;
    struct err e;
    err_init(&e);
    int rc = proxy_parse(v, &px, &e);
    proxy_release(&px);
    if (rc != 0)
        return cli_usage_error(cmd, "--%s", e.msg);
    c->proxy_url = v;
    return 0;
}

static int common_thirdparty_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    char *end;
    long s = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || s < 1 || s > 600)
        return cli_usage_error(cmd, "--other-hosts-seconds '%s': expected whole seconds from 1 to 600", v);
    c->thirdparty_ms = (int)s * 1000;
    return 0;
}

static int common_visit_budget_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    char *end;
    long s = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || s < 1 || s > 86400)
        return cli_usage_error(cmd, "--visit-budget '%s': expected whole seconds from 1 to 86400", v);
    c->visit_budget_ms = (int)s * 1000;
    return 0;
}

static int common_calendar_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    if (c->n_calendar_paths == ARRAY_LEN(c->calendar_paths))
        return cli_usage_error(cmd, "--calendar: at most %zu files", ARRAY_LEN(c->calendar_paths));
    c->calendar_paths[c->n_calendar_paths++] = v;
    return 0;
}

static int common_now_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct cli_common *c = user;
    (void)name;
    int64_t ms;
    if (clock_beijing_parse(v, &ms) != 0)
        return cli_usage_error(cmd, "--now '%s': expected Beijing time as 'YYYY-MM-DD HH:MM'", v);
    c->has_now = true;
    c->now_ms = ms;
    clock_override_set(ms);
    return 0;
}

int cli_var_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct err e;
    err_init(&e);
    (void)name;
    if (scn_vars_set_arg(user, v, &e) < 0)
        return cli_usage_error(cmd, "%s", e.msg);
    return 0;
}

#define COMMON_STRING(n, field, mv, h) \
    {.kind = OPT_STRING, .name = (n), .offset = offsetof(struct cli_common, field), .metavar = (mv), .help = (h)}
#define COMMON_FLAG(n, field, h) {.kind = OPT_FLAG, .name = (n), .offset = offsetof(struct cli_common, field), .help = (h)}
#define COMMON_CALL(n, fn, mv, h) {.kind = OPT_CALL, .name = (n), .call = (fn), .metavar = (mv), .help = (h)}

const struct opt cli_opts_browser[] = {
    COMMON_STRING("--chromium", chromium_path, "PATH",
                  "the Chromium binary (default: $HUIXIN_CHROMIUM, /usr/lib/chromium/chromium,\n"
                  "then chromium on PATH)"),
    COMMON_CALL("--browser", common_browser_take, "URL",
                "use a running browser: http://HOST:PORT (its /json/version) or ws://...;\n"
                "check and run spread their --jobs over several (repeated, or URL,URL)"),
    COMMON_CALL("--timeout", common_timeout_take, "SECONDS", "how long one page action may take (default 30)"),
    COMMON_CALL("--other-hosts-seconds", common_thirdparty_take, "SECONDS",
                "how long a script, stylesheet, image or font from another host may take\n"
                "before the page goes on without it (default: the scenario's, else 5)"),
    COMMON_FLAG("--block-trackers", block_trackers,
                "fail requests to well-known analytics, tracker and share-button hosts at once\n"
                "(the built-in list; never the site's own hosts); a scenario's\n"
                "site.block_trackers beats it"),
    COMMON_STRING("--block-list", block_list_path, "FILE",
                  "more hosts to block, one a line ('hm.baidu.com', '*.cnzz.com'; # comments);\n"
                  "implies --block-trackers"),
    COMMON_CALL("--visit-budget", common_visit_budget_take, "SECONDS",
                "how long one whole visit (a check, a submission) may take; past it the visit\n"
                "is recorded as failed (its page captured within 5 s more), a letter sent is\n"
                "looked up next time, never sent again (default 20 x --timeout)"),
    COMMON_CALL("--user-agent", common_user_agent_take, "STRING",
                "the user agent sites are told (default: this Chromium's own, saying Chrome,\n"
                "not HeadlessChrome)"),
    COMMON_CALL("--proxy", common_proxy_take, "URL",
                "visit through this proxy: http://HOST:PORT or socks5://HOST:PORT (loopback\n"
                "too); a scenario's site.proxy beats it (\"direct\": none); recorded in meta.json"),
    COMMON_STRING("--proxy-credentials", proxy_credentials_path, "FILE",
                  "the HTTP proxy's user:password, one line, in a file of mode 0600 (not a link);\n"
                  "given only to the proxy's own challenges (SOCKS5: refused, Chromium cannot)"),
    COMMON_CALL("--language", common_language_take, "TAG", "the browser's language (default zh-CN)"),
    COMMON_CALL("--timezone", common_timezone_take, "ZONE", "the browser's time zone (default Asia/Shanghai)"),
    OPT_ROW_END,
};

const struct opt cli_opts_store[] = {
    COMMON_STRING("--store", store_path, "PATH", "the ledger (default: $HUIXIN_STORE, else ./huixin.db)"),
    COMMON_STRING("--evidence", evidence_dir, "DIR",
                  "where evidence is kept (default: $HUIXIN_EVIDENCE, else ./evidence)"),
    COMMON_CALL("--now", common_now_take, "'YYYY-MM-DD HH:MM'", "take this Beijing time as now (for tests and demos)"),
    OPT_ROW_END,
};

const struct opt cli_opts_evidence[] = {
    COMMON_STRING("--sign-key", sign_key_path, "FILE",
                  "sign each visit's manifest with this Ed25519 key (huixin keygen);\n"
                  "default $HUIXIN_SIGN_KEY"),
    COMMON_STRING("--tsa", tsa_url, "URL", "timestamp each manifest at this RFC 3161 authority; default $HUIXIN_TSA_URL"),
    COMMON_STRING("--alerts", alerts_path, "FILE",
                  "where alerts go (webhooks, e-mail); default ~/.config/huixin/alerts.conf and\n"
                  "the HUIXIN_WEBHOOK_* / HUIXIN_SMTP_* environment (see 'huixin alert --help')"),
    COMMON_STRING("--mail", mail_path, "FILE",
                  "the mailbox sites mail query codes and replies to (mail_wait, mail_reply):\n"
                  "an [imap] section (url, user, password, ca_file), mode 0600; default\n"
                  "~/.config/huixin/mail.conf, else the HUIXIN_IMAP_* environment"),
    OPT_ROW_END,
};

const struct opt cli_opts_calendar[] = {
    COMMON_CALL("--calendar", common_calendar_take, "FILE",
                "a calendar file on top of the built-in official one (repeatable): local\n"
                "days, next year's notice (see 'huixin calendar --help')"),
    OPT_ROW_END,
};
