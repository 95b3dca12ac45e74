/* huixin run: the revisit daemon. One instance per ledger; SIGTERM ends it after the current visit. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "reports/daily_summary.h"
#include "verify/due.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/visit_setup.h"
#include "cli/workers.h"

static const char usage[] =
    "Usage: huixin run [--interval HOURS] [--hours H1-H2] [--jitter SECONDS] [--once] [--campaign NAME]\n"
    "                  [OPTIONS]\n"
    "\n"
    "Revisits letters when they are due (see 'huixin check --due'), for as long as it runs: once an\n"
    "interval, again just after each deadline day ends, sooner after a failed visit, and after the\n"
    "deletion gap when a letter seems gone; and each campaign's daily summary alert at the alerts file's\n"
    "daily_summary time. One instance per ledger (a lock on the ledger file itself, so a\n"
    "symlink to it is the same ledger). A letter another huixin is visiting is skipped and\n"
    "said so. SIGTERM or\n"
    "Ctrl-C ends it after the visit under way.\n"
    "\n";

/* --hours H1-H2 */
struct run_hours {
    int from_h, to_h; /* -1: any time */
};

static int run_hours_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct run_hours *h = user;
    (void)name;
    if (sscanf(v, "%d-%d", &h->from_h, &h->to_h) != 2 || h->from_h < 0 || h->to_h > 24 || h->from_h >= h->to_h)
        return cli_usage_error(cmd, "--hours '%s': expected H1-H2 with 0 <= H1 < H2 <= 24, e.g. 9-18", v);
    return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Sleeps up to ms, waking early on SIGTERM/SIGINT. */
static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool in_hours(int64_t now_ms, int from_h, int to_h)
{
    if (from_h < 0)
        return true;
    int h = clock_beijing_from_ms(now_ms).hour;
    return h >= from_h && h < to_h;
}

static unsigned random_below(unsigned n)
{
    unsigned v = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&v, sizeof v, 1, f) != 1)
            v = (unsigned)clock_mono_ms();
        fclose(f);
    }
    return n ? v % n : 0;
}

/* The day the daily summary last went out, kept beside the ledger so a restarted daemon does not send
 * it twice: STORE.summary-day holds "YYYY-MM-DD". */
static int64_t summary_day_load(const char *store)
{
    char *path = xasprintf("%s.summary-day", store);
    char *text = NULL;
    int64_t day = 0;
    if (file_read_all(path, &text, NULL, NULL) == 0) {
        text[strcspn(text, "\n")] = '\0';
        if (clock_date_parse(text, &day) != 0)
            day = 0;
    }
    free(text);
    free(path);
    return day;
}

/* Sends each campaign's daily summary when its time of day has come (alerts file: daily_summary). */
static void daily_summary_maybe(struct visit_setup *vs, const struct cli_common *c, int64_t *last_day)
{
    int64_t now = clock_now_ms();
    if (!vs->ledger || !rpt_daily_summary_is_due(vs->alerts.daily_summary_minute, now, *last_day))
        return;
    struct err e;
    err_init(&e);
    if (rpt_daily_summary_send(&vs->alerts, vs->ledger, vs->cal, now, c->timeout_ms, &e) != 0) {
        fprintf(stderr, "huixin: daily summary not sent: %s\n", e.msg);
        return;
    }
    *last_day = clock_beijing_day(now);
    char day[16];
    clock_date_format(*last_day, day, sizeof day);
    char *path = xasprintf("%s.summary-day", c->store_path);
    char *line = xasprintf("%s\n", day);
    if (file_write_atomic(path, line, strlen(line), &e) != 0)
        fprintf(stderr, "huixin: %s\n", e.msg);
    free(line);
    free(path);
    printf("daily summary sent for %s\n", day);
    fflush(stdout);
}

int cmd_run(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    struct schedule_rules rules;
    schedule_rules_init(&rules);
    bool once = false, dry_run = false;
    struct run_hours hours = {-1, -1};
    int jitter_s = 300;
    int jobs = 0;
    const char *campaign = NULL, *captcha = NULL;
    const struct opt rows[] = {
        {.kind = OPT_CALL, .name = "--interval", .call = workers_interval_take, .value = &rules, .metavar = "HOURS",
         .help = "revisit interval (default 24)"},
        {.kind = OPT_CALL, .name = "--hours", .call = run_hours_take, .value = &hours, .metavar = "H1-H2",
         .help = "visit only between these Beijing hours, e.g. 9-18 (default: any time)"},
        {.kind = OPT_INT, .name = "--jitter", .value = &jitter_s, .metavar = "SECONDS", .min = 0, .max = 3600,
         .expect = "seconds from 0 to 3600",
         .help = "wait up to this much more before each round, so visits do not fall on the\n"
                 "same second every day (default 300)"},
        OPT_ROW_FLAG("--once", &once, "one round of due visits, then exit (for cron, and with --now)"),
        OPT_ROW_FLAG("--dry-run", &dry_run, "with --once: the round's scheduling pass alone: print the letters it\n"
                                            "would visit (as 'check --due --dry-run' does) and when the next is due;\n"
                                            "visit none, send no summary"),
        OPT_ROW_STRING("--campaign", &campaign, "NAME", "only this campaign"),
        OPT_ROW_STRING("--captcha", &captcha, "SOLVER", "for check phases behind a captcha"),
        WORKERS_OPT_JOBS(&jobs, "visit up to N letters at once, each in its own browser context (default:\n"
                                "min(4, CPUs, free memory / 400 MB) to start with, one more every 5 s while\n"
                                "the CPUs are idle a quarter of the time and memory allows, up to 4 x CPUs)"),
        OPT_ROWS_COMMON(&common, true, true, true, true),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "run", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("run", "unexpected argument '%s'", argv[1]);
    int from_h = hours.from_h, to_h = hours.to_h;
    if (common.has_now && !once)
        return cli_usage_error("run", "--now fixes the clock, so it goes with --once");
    if (dry_run && !once)
        return cli_usage_error("run", "--dry-run is one scheduling pass, so it goes with --once");
    int jobs_max; /* --jobs given: that many; not: the pool grows while the machine has room */
    workers_jobs_pick(jobs, captcha, &jobs, &jobs_max);

    /* One daemon per ledger: the lock is on the ledger file itself (flock, which SQLite's own POSIX
     * locks do not touch), so a symlink or another path to the same file finds it taken. A lock file
     * named after the path would not. The file is made here if it is new (SQLite takes an empty file
     * as a new database); the descriptor stays open, and is closed last, after the ledger. */
    int lock_fd = open(common.store_path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) {
        fprintf(stderr, "huixin: cannot open the ledger '%s' to lock it: %s\n", common.store_path, strerror(errno));
        return EXIT_STORE;
    }
    /* a dry run visits nothing: it may look while the daemon runs */
    if (!dry_run && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            fprintf(stderr, "huixin: another 'huixin run' holds the ledger '%s' (by this path or another to the same "
                    "file): one daemon per ledger\n", common.store_path);
        else
            fprintf(stderr, "huixin: cannot lock the ledger '%s': %s\n", common.store_path, strerror(errno));
        close(lock_fd);
        return EXIT_STORE;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct err e;
    err_init(&e);
    struct visit_setup vs;
    int rc = EXIT_OK;
    if (visit_setup_open(&vs, &common, captcha, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    int64_t campaign_id = 0;
    if (ledger_campaign_id(vs.ledger, campaign, &campaign_id, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    int64_t summary_day = summary_day_load(common.store_path);
    while (!stop_requested) {
        int64_t now = clock_now_ms();
        int64_t *ids = NULL, next = 0;
        size_t n = 0;
        err_init(&e);
        if (due_letters(vs.ledger, vs.cal, campaign_id, now, &rules, false, &ids, &n, &next, &e)) {
            rc = cli_fail(&e);
            break;
        }
        if (dry_run) {
            workers_due_print(in_hours(now, from_h, to_h) ? ids : NULL, in_hours(now, from_h, to_h) ? n : 0, next);
            free(ids);
            break;
        }
        if (in_hours(now, from_h, to_h) && jobs_max > 1 && n > 1) {
            /* the workers open their own ledger connections; ours is not carried across fork() */
            visit_setup_close(&vs);
            struct workers_options wo = {.common = &common, .captcha_spec = captcha, .jobs = jobs,
                                         .jobs_max = jobs_max, .is_timestamped = true, .stop = &stop_requested};
            if (workers_check_letters(&wo, ids, n) == EXIT_STORE) {
                rc = EXIT_STORE;
                stop_requested = 1;
            }
            if (visit_setup_open(&vs, &common, captcha, &e)) {
                free(ids);
                rc = cli_fail(&e);
                break;
            }
        } else if (in_hours(now, from_h, to_h)) {
            struct workers_options wo = {.common = &common, .captcha_spec = captcha, .jobs = 1,
                                         .is_timestamped = true, .stop = &stop_requested};
            if (workers_check_in_turn(&vs, &wo, ids, n) == EXIT_STORE)
                rc = EXIT_STORE; /* and stop_requested is set */
        }
        free(ids);
        daily_summary_maybe(&vs, &common, &summary_day);
        if (once)
            break;
        /* Sleep until the next letter is due, at most 5 minutes at a time (new letters, working hours). */
        int64_t wait = next ? next - clock_now_ms() : 300000;
        if (wait > 300000 || wait < 0)
            wait = wait < 0 ? 1000 : 300000;
        sleep_ms(wait + (jitter_s ? (int64_t)random_below((unsigned)jitter_s * 1000) : 0));
    }
out:
    visit_setup_close(&vs);
    close(lock_fd);
    return rc;
}
