/* The front end. Only cli/ prints results to stdout and calls exit(); the modules below return
 * errors and the command decides what the user sees. One file per command: cmd_NAME.c defines
 * `int cmd_NAME(int argc, char **argv)` returning an exit code (below), listed in commands.def (main.c's
 * table, commands.h), and declares its options in one table that parses them and prints its --help
 * (cli/opts.h; the shared options below are tables there too). */
#ifndef HUIXIN_CLI_H
#define HUIXIN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define HUIXIN_VERSION "0.1.0"

/* Exit codes, documented in README.md and huixin.1; keep the three in step. */
enum exit_code {
    EXIT_OK = 0,        /* done; for checks: nothing wrong found */
    EXIT_FINDINGS = 1,  /* ran, and reports a problem: lint errors, a failed submission, evidence that fails */
    EXIT_USAGE = 2,     /* wrong command, option or argument */
    EXIT_INPUT = 3,     /* a scenario, campaign, calendar or config file is malformed */
    EXIT_BROWSER = 4,   /* Chromium missing, failed to start, crashed, or unreachable */
    EXIT_SITE = 5,      /* a site did not load or did not behave as its scenario says */
    EXIT_STORE = 6,     /* the ledger could not be opened, read or written */
    EXIT_IO = 7,        /* a local file or process failed; also internal errors */
};

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

/* Maps an ERR_* code to the exit code above. */
int cli_exit_from_err(int err_code);
/* Prints "huixin: MESSAGE" on stderr and returns the matching exit code. */
int cli_fail(const struct err *e);
/* Prints "huixin CMD: MESSAGE\nTry 'huixin CMD --help'." and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Options shared by the commands that use a browser or the ledger. */
struct cli_common {
    const char *chromium_path; /* --chromium PATH, else HUIXIN_CHROMIUM */
    const char *browser_url;   /* --browser http://HOST:PORT or ws://... : use a running browser (the first) */
    const char *browser_urls[16]; /* every --browser value as given, each maybe comma-separated (a pool) */
    size_t n_browser_urls;
    const char *store_path;    /* --store PATH, else HUIXIN_STORE, else ./huixin.db */
    const char *evidence_dir;  /* --evidence DIR, else HUIXIN_EVIDENCE, else ./evidence */
    int timeout_ms;            /* --timeout SECONDS for one page action; default 30 s */
    int thirdparty_ms;         /* --other-hosts-seconds S: another host's resource budget; 0: the scenario's, else 5 s */
    int visit_budget_ms;       /* --visit-budget SECONDS for one whole visit; 0: 20 x timeout_ms */
    const char *user_agent;    /* --user-agent STRING; NULL: the browser's own, without "Headless" */
    const char *language;      /* --language TAG; NULL: zh-CN */
    const char *timezone;      /* --timezone ZONE; NULL: Asia/Shanghai */
    bool block_trackers;       /* --block-trackers: fail requests to the built-in list's hosts at once */
    const char *block_list_path; /* --block-list FILE: more hosts to block (implies --block-trackers) */
    const char *proxy_url;     /* --proxy URL: http://HOST:PORT or socks5://HOST:PORT (checked as parsed) */
    const char *proxy_credentials_path; /* --proxy-credentials FILE: one line user:password, mode 0600 */
    bool has_now;              /* --now "YYYY-MM-DD HH:MM" (Beijing time) was given */
    int64_t now_ms;
    const char *alerts_path;   /* --alerts FILE: alert channels (default ~/.config/huixin/alerts.conf) */
    const char *mail_path;     /* --mail FILE: the mailbox sites mail codes and replies to (scenarios/mail.h;
                                  default ~/.config/huixin/mail.conf, else HUIXIN_IMAP_*) */
    const char *sign_key_path; /* --sign-key FILE, else HUIXIN_SIGN_KEY: sign evidence manifests */
    const char *tsa_url;       /* --tsa URL, else HUIXIN_TSA_URL: timestamp evidence manifests */
    const char *calendar_paths[16]; /* --calendar FILE, repeatable: calendar files on top of the built-in */
    size_t n_calendar_paths;
};

struct scn_block_list;
/* The block list the options ask for (scenarios/block_list.h): out->is_on with --block-trackers or
 * --block-list, the file read and its hosts added; ERR_INPUT naming FILE:LINE for a line that is not a
 * host, ERR_IO for a file that cannot be read. out is initialized either way (release it). */
int cli_block_list_open(const struct cli_common *c, struct scn_block_list *out, struct err *e);

struct proxy;
/* The proxy the options ask for (--proxy, --proxy-credentials; common/proxy.h): *is_on false without
 * --proxy. ERR_USAGE for credentials without a proxy or for a SOCKS5 proxy, ERR_INPUT for a credentials
 * file that is not one line user:password of mode 0600. out is initialized either way (release it). */
int cli_proxy_open(const struct cli_common *c, struct proxy *out, bool *is_on, struct err *e);

struct cal;
/* The working-day calendar: built-in facts, the user's standard files, then --calendar files. */
int cli_calendar_open(const struct cli_common *c, struct cal **out, struct err *e);

struct browser_options;
/* The browser options of the shared ones (--chromium, --browser as given, --timeout, the identity). */
void cli_browser_options(const struct cli_common *c, struct browser_options *out);

/* The defaults of the shared options (from the environment); cli/opts.h has the options themselves. */
void cli_common_init(struct cli_common *c);

#endif
