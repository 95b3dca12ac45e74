/* huixin alert: try the alert channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "reports/alert.h"
#include "reports/daily_summary.h"
#include "verify/calendar.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/cli.h"
#include "cli/opts.h"

static const char usage[] =
    "Usage: huixin alert test [--alerts FILE] [--timeout SECONDS] [--example]\n"
    "       huixin alert summary [--alerts FILE] [--store PATH] [--now TIME] [--calendar FILE]\n"
    "\n"
    "summary sends each campaign's daily summary now (counts per verdict, the letters with a problem);\n"
    "'huixin run' sends it by itself at the file's daily_summary time.\n"
    "\n"
    "Sends a test message to every configured alert channel and says how each went. Exit 0 when all\n"
    "took it, 1 when one failed. With --example, the message is an example of a real alert (a letter\n"
    "turned 超期未回复), marked as an example, to see how alerts will look.\n"
    "\n"
    "Channels come from the alerts file and the environment:\n";

static const char usage_tail[] =
    "  HUIXIN_WEBHOOK_URL, HUIXIN_WEBHOOK_FORMAT (generic, wecom, dingtalk, feishu), HUIXIN_WEBHOOK_SECRET\n"
    "  HUIXIN_SMTP_URL (smtp://HOST:PORT or smtps://...), HUIXIN_SMTP_USER, HUIXIN_SMTP_PASSWORD,\n"
    "  HUIXIN_SMTP_FROM, HUIXIN_SMTP_TO (comma-separated)\n"
    "\n"
    "The file (one section per channel; [webhook NAME] to name one):\n"
    "  daily_summary = 18:00\n"
    "  [webhook]\n"
    "  url = https://oapi.dingtalk.com/robot/send?access_token=...\n"
    "  format = dingtalk\n"
    "  secret = SEC...\n"
    "  [smtp]\n"
    "  url = smtps://smtp.example.com:465\n"
    "  user = huixin@example.com\n"
    "  password = ...\n"
    "  from = huixin <huixin@example.com>\n"
    "  to = a@example.com, b@example.com\n";

static const char help_alerts[] = "the alerts file (default: ~/.config/huixin/alerts.conf when it exists);\n"
                                  "it must be mode 0600 when it holds URLs, secrets or passwords";
static const char help_timeout[] = "for each channel (default 10)";

/* huixin alert summary: the daily summary, now. */
static int alert_summary_now(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    /* --alerts and --timeout are the shared ones here; the help is alert test's */
    const struct opt rows[] = {
        {.kind = OPT_STRING, .name = "--alerts", .metavar = "FILE", .help = help_alerts, .is_help_only = true},
        {.kind = OPT_INT, .name = "--timeout", .metavar = "SECONDS", .help = help_timeout, .is_help_only = true},
        OPT_ROW_TEXT(usage_tail),
        OPT_ROWS_COMMON(&common, false, false, false, false),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "alert", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc - 1, argv + 1, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("alert", "unexpected argument '%s'", argv[2]);
    struct err e;
    err_init(&e);
    struct alert_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct ledger *l = NULL;
    struct cal *cal = NULL;
    int rc = EXIT_OK;
    if (alert_config_load(common.alerts_path, &cfg, &e) || cli_calendar_open(&common, &cal, &e) ||
        ledger_open_existing(common.store_path, &l, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (cfg.n_channels == 0) {
        fprintf(stderr, "huixin: no alert channel configured: give --alerts FILE, make ~/.config/huixin/alerts.conf, "
                        "or set HUIXIN_WEBHOOK_URL or HUIXIN_SMTP_URL\n");
        rc = EXIT_INPUT;
        goto out;
    }
    if (rpt_daily_summary_send(&cfg, l, cal, clock_now_ms(), common.timeout_ms, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    printf("daily summary sent to %zu channel%s\n", cfg.n_channels, cfg.n_channels == 1 ? "" : "s");
out:
    ledger_close(l);
    cal_free(cal);
    alert_config_release(&cfg);
    return rc;
}

int cmd_alert(int argc, char **argv)
{
    const char *path = NULL;
    int timeout_s = 10;
    bool example = false;
    const struct opt rows[] = {
        OPT_ROW_FLAG("--example", &example, NULL),
        OPT_ROW_STRING("--alerts", &path, "FILE", help_alerts),
        {.kind = OPT_INT, .name = "--timeout", .value = &timeout_s, .metavar = "SECONDS", .help = help_timeout,
         .min = 1, .max = 600, .expect = "whole seconds from 1 to 600"},
        OPT_ROW_TEXT(usage_tail),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "alert", .usage = usage, .rows = rows, .keeps_unknown = true};
    if (argc < 2 || opts_arg_is_help(argv[1])) {
        opts_help_print(&parser, stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "summary") == 0)
        return alert_summary_now(argc, argv);
    if (strcmp(argv[1], "test") != 0)
        return cli_usage_error("alert", "'%s' is not a subcommand: expected test or summary", argv[1]);
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc - 1, argv + 1, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("alert", "unexpected argument '%s'", argv[2]);
    int timeout_ms = timeout_s * 1000;
    struct err e;
    err_init(&e);
    struct alert_config cfg;
    if (alert_config_load(path, &cfg, &e))
        return cli_fail(&e);
    if (cfg.n_channels == 0) {
        fprintf(stderr, "huixin: no alert channel configured: give --alerts FILE, make ~/.config/huixin/alerts.conf, "
                        "or set HUIXIN_WEBHOOK_URL or HUIXIN_SMTP_URL\n");
        alert_config_release(&cfg);
        return EXIT_INPUT;
    }
    struct alert_message m;
    int64_t now = clock_now_ms();
    if (example) {
        char deadline[16];
        clock_date_format(clock_beijing_day(now) - 1, deadline, sizeof deadline);
        struct alert_event ev = {
            .campaign = "示例活动（测试）",
            .site_name = "示例市人民政府",
            .mailbox = "市长信箱",
            .letter_id = 1,
            .letter_token = "HX-EXAMPLE",
            .old_verdict = "待回复",
            .new_verdict = "超期未回复",
            .reason = "这是一条示例提醒：答复期限已过，复查时仍无回复",
            .deadline = deadline,
        };
        alert_message_from_event(&ev, &m);
    } else {
        alert_message_test(now, &m);
    }
    size_t failed = 0;
    for (size_t i = 0; i < cfg.n_channels; i++) {
        const struct alert_channel *ch = &cfg.channels[i];
        char *what = alert_channel_describe(ch);
        err_init(&e);
        if (alert_channel_send(ch, &m, now, timeout_ms, &e) == 0) {
            printf("ok   %s (%s): %s\n", ch->name, ch->origin, what);
        } else {
            failed++;
            printf("FAIL %s (%s): %s\n", ch->name, ch->origin, e.msg);
        }
        fflush(stdout);
        free(what);
    }
    printf("%zu of %zu channel%s took the %s message\n", cfg.n_channels - failed, cfg.n_channels,
           cfg.n_channels == 1 ? "" : "s", example ? "example" : "test");
    alert_message_release(&m);
    alert_config_release(&cfg);
    return failed ? EXIT_FINDINGS : EXIT_OK;
}
