#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "cli/cli.h"

const char cli_common_help_browser[] =
    "  --chromium PATH     the Chromium binary (default: $HUIXIN_CHROMIUM, /usr/lib/chromium/chromium,\n"
    "                      then chromium on PATH)\n"
    "  --browser URL       use a running browser: http://HOST:PORT (its /json/version) or ws://...;\n"
    "                      check and run spread their --jobs over several (repeated, or URL,URL)\n"
    "  --timeout SECONDS   how long one page action may take (default 30)\n";

const char cli_common_help_store[] =
    "  --store PATH        the ledger (default: $HUIXIN_STORE, else ./huixin.db)\n"
    "  --evidence DIR      where evidence is kept (default: $HUIXIN_EVIDENCE, else ./evidence)\n"
    "  --now 'YYYY-MM-DD HH:MM'  take this Beijing time as now (for tests and demos)\n";

const char cli_common_help_calendar[] =
    "  --calendar FILE     a calendar file on top of the built-in official one (repeatable): local\n"
    "                      days, next year's notice (see 'huixin calendar --help')\n";

const char cli_common_help_evidence[] =
    "  --sign-key FILE     sign each visit's manifest with this Ed25519 key (huixin keygen);\n"
    "                      default $HUIXIN_SIGN_KEY\n"
    "  --tsa URL           timestamp each manifest at this RFC 3161 authority; default $HUIXIN_TSA_URL\n"
    "  --alerts FILE       where alerts go (webhooks, e-mail); default ~/.config/huixin/alerts.conf and\n"
    "                      the HUIXIN_WEBHOOK_* / HUIXIN_SMTP_* environment (see 'huixin alert --help')\n";

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
    c->timeout_ms = 30000;
    c->sign_key_path = getenv("HUIXIN_SIGN_KEY");
    c->tsa_url = getenv("HUIXIN_TSA_URL");
}

/* Accepts "--opt VALUE" and "--opt=VALUE"; returns the value or NULL (and prints) if missing. */
static const char *option_value(const char *cmd, const char *name, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (arg[n] == '=')
        return arg + n + 1;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "option '%s' needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

static bool option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_common_parse(struct cli_common *c, const char *cmd, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *v;
    if (option_is(arg, "--chromium")) {
        if (!(v = option_value(cmd, "--chromium", argc, argv, i)))
            return -1;
        c->chromium_path = v;
    } else if (option_is(arg, "--browser")) {
        if (!(v = option_value(cmd, "--browser", argc, argv, i)))
            return -1;
        if (c->n_browser_urls == ARRAY_LEN(c->browser_urls)) {
            cli_usage_error(cmd, "--browser: at most %zu values (list more endpoints with commas)",
                            ARRAY_LEN(c->browser_urls));
            return -1;
        }
        c->browser_urls[c->n_browser_urls++] = v;
        if (!c->browser_url)
            c->browser_url = v;
    } else if (option_is(arg, "--store")) {
        if (!(v = option_value(cmd, "--store", argc, argv, i)))
            return -1;
        c->store_path = v;
    } else if (option_is(arg, "--evidence")) {
        if (!(v = option_value(cmd, "--evidence", argc, argv, i)))
            return -1;
        c->evidence_dir = v;
    } else if (option_is(arg, "--timeout")) {
        if (!(v = option_value(cmd, "--timeout", argc, argv, i)))
            return -1;
        char *end;
        long s = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || s < 1 || s > 3600) {
            cli_usage_error(cmd, "--timeout '%s': expected whole seconds from 1 to 3600", v);
            return -1;
        }
        c->timeout_ms = (int)s * 1000;
    } else if (option_is(arg, "--alerts")) {
        if (!(v = option_value(cmd, "--alerts", argc, argv, i)))
            return -1;
        c->alerts_path = v;
    } else if (option_is(arg, "--sign-key")) {
        if (!(v = option_value(cmd, "--sign-key", argc, argv, i)))
            return -1;
        c->sign_key_path = v;
    } else if (option_is(arg, "--tsa")) {
        if (!(v = option_value(cmd, "--tsa", argc, argv, i)))
            return -1;
        c->tsa_url = v;
    } else if (option_is(arg, "--calendar")) {
        if (!(v = option_value(cmd, "--calendar", argc, argv, i)))
            return -1;
        if (c->n_calendar_paths == ARRAY_LEN(c->calendar_paths)) {
            cli_usage_error(cmd, "--calendar: at most %zu files", ARRAY_LEN(c->calendar_paths));
            return -1;
        }
        c->calendar_paths[c->n_calendar_paths++] = v;
    } else if (option_is(arg, "--now")) {
        if (!(v = option_value(cmd, "--now", argc, argv, i)))
            return -1;
        int64_t ms;
        if (clock_beijing_parse(v, &ms) != 0) {
            cli_usage_error(cmd, "--now '%s': expected Beijing time as 'YYYY-MM-DD HH:MM'", v);
            return -1;
        }
        c->has_now = true;
        c->now_ms = ms;
        clock_override_set(ms);
    } else {
        return 0;
    }
    return 1;
}
