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
    "Channels come from the alerts file and the environment:\n"
    "  --alerts FILE       the alerts file (default: ~/.config/huixin/alerts.conf when it exists);\n"
    "                      it must be mode 0600 when it holds URLs, secrets or passwords\n"
    "  --timeout SECONDS   for each channel (default 10)\n"
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

/* huixin alert summary: the daily summary, now. */
static int alert_summary_now(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    for (int i = 2; i < argc; i++) {
        int r = cli_common_parse(&common, "alert", argc, argv, &i);
        if (r < 0)
            return EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("alert", "unexpected argument '%s'", argv[i]);
    }
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
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("%s", usage);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "summary") == 0)
        return alert_summary_now(argc, argv);
    if (strcmp(argv[1], "test") != 0)
        return cli_usage_error("alert", "'%s' is not a subcommand: expected test or summary", argv[1]);
    const char *path = NULL;
    int timeout_ms = 10000;
    bool example = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s", usage);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--example") == 0) {
            example = true;
        } else if (strcmp(argv[i], "--alerts") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            long s = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || s < 1 || s > 600)
                return cli_usage_error("alert", "--timeout '%s': expected whole seconds from 1 to 600", v);
            timeout_ms = (int)s * 1000;
        } else {
            return cli_usage_error("alert", "unexpected argument '%s'", argv[i]);
        }
    }
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
