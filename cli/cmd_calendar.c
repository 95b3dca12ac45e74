/* huixin calendar: working-day arithmetic on China's official calendar, for people and for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/calendar.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"

#define MAX_CALENDAR_FILES 32
#define MAX_WORKDAYS 1000

static const char calendar_help[] =
    "Usage: huixin calendar [OPTIONS] add DATE N\n"
    "       huixin calendar [OPTIONS] add --batch      (reads 'DATE N' lines on stdin)\n"
    "       huixin calendar [OPTIONS] count FROM TO\n"
    "       huixin calendar [OPTIONS] show YEAR\n"
    "       huixin calendar [OPTIONS] is-workday DATE\n"
    "\n"
    "Working days on China's official calendar (built in for 2020-2026: holidays and make-up working\n"
    "days from the State Council's notices; other days: Monday-Friday work, Saturday/Sunday rest).\n"
    "Dates are YYYY-MM-DD; each answer is one line.\n"
    "\n"
    "  add DATE N         the N-th working day after DATE (DATE itself never counts; N from 1 to 1000)\n"
    "  add --batch        the same for each 'DATE N' line of stdin, one answer a line\n"
    "  count FROM TO      the working days after FROM, up to and including TO (0 if TO <= FROM)\n"
    "  show YEAR          the year's listed days: 'YYYY-MM-DD off|work NAME', one a line\n"
    "  is-workday DATE    'DATE work' or 'DATE off [NAME]'\n"
    "\n"
    "Options:\n";

static const char calendar_help_files[] =
    "\n"
    "Calendar files, loaded in this order, each overriding the earlier facts:\n"
    "  $XDG_CONFIG_HOME/huixin/calendar.txt (else ~/.config/huixin/calendar.txt) if present,\n"
    "  the ':'-separated files in $HUIXIN_CALENDAR, then each --calendar FILE.\n"
    "A file is either holiday-cn JSON (drop next year's published file in as it is) or text:\n"
    "  # comment\n"
    "  2027-01-01 off 元旦\n"
    "  2027-02-07 work 春节调休\n"
    "  covers 2027        (this file holds 2027's whole official notice)\n"
    "Outside the covered years only weekends are known: huixin warns on stderr.\n";

/* Warns once per uncovered year on stderr. */
struct year_warner {
    int warned[16];
    size_t n;
};

static void warn_uncovered(struct year_warner *w, const struct cal *cal, int64_t from, int64_t to)
{
    if (to < from) {
        int64_t t = from;
        from = to;
        to = t;
    }
    int y0 = clock_civil_from_days(from).year, y1 = clock_civil_from_days(to).year;
    for (int y = y0; y <= y1; y++) {
        if (cal_is_covered(cal, y))
            continue;
        bool seen = false;
        for (size_t i = 0; i < w->n; i++)
            seen = seen || w->warned[i] == y;
        if (seen)
            continue;
        if (w->n < ARRAY_LEN(w->warned))
            w->warned[w->n++] = y;
        fprintf(stderr, "huixin calendar: warning: calendar has no official data for %d; weekends only\n", y);
    }
}

static int parse_date_arg(const char *what, const char *s, int64_t *day)
{
    if (clock_date_parse(s, day) != 0)
        return cli_usage_error("calendar", "%s '%s': expected a date YYYY-MM-DD", what, s);
    return 0;
}

static int parse_count(const char *s, int *n)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > MAX_WORKDAYS)
        return ERR_USAGE; /* the caller says what was wrong */
    *n = (int)v;
    return 0;
}

static int run_batch(const struct cal *cal, struct year_warner *w)
{
    char line[256];
    int line_no = 0;
    while (fgets(line, sizeof line, stdin)) {
        line_no++;
        size_t len = strlen(line);
        while (len > 0 && strchr("\n\r \t", line[len - 1]))
            line[--len] = '\0';
        if (len == 0)
            continue;
        /* "DATE N": two fields separated by spaces or tabs */
        char date[16] = "", count[16] = "", extra[2] = "";
        int64_t day;
        int n;
        int fields = sscanf(line, "%15s %15s %1s", date, count, extra);
        if (fields != 2 || clock_date_parse(date, &day) != 0 || parse_count(count, &n) != 0) {
            fprintf(stderr, "huixin calendar: stdin line %d: '%s': expected 'YYYY-MM-DD N' with N from 1 to %d\n",
                    line_no, line, MAX_WORKDAYS);
            return EXIT_USAGE;
        }
        int64_t out = cal_deadline_add(cal, day, n);
        warn_uncovered(w, cal, day, out);
        char buf[16];
        clock_date_format(out, buf, sizeof buf);
        puts(buf);
    }
    return EXIT_OK;
}

/* --calendar FILE, repeatable */
struct calendar_files {
    const char *paths[MAX_CALENDAR_FILES];
    size_t n;
};

static int calendar_file_take(const char *cmd, const char *name, const char *v, void *user)
{
    struct calendar_files *f = user;
    (void)name;
    if (!*v)
        return cli_usage_error(cmd, "option '--calendar' needs a file");
    if (f->n == MAX_CALENDAR_FILES)
        return cli_usage_error(cmd, "--calendar '%s': at most %d files", v, MAX_CALENDAR_FILES);
    f->paths[f->n++] = v;
    return 0;
}

int cmd_calendar(int argc, char **argv)
{
    const char *files[MAX_CALENDAR_FILES];
    size_t n_files = 0;
    bool use_env = true, batch = false;
    const char *pos[4];
    size_t n_pos = 0;
    struct cal *cal = NULL;
    struct year_warner w = {{0}, 0};
    struct err e;
    int rc = EXIT_OK;
    err_init(&e);

    bool is_user_calendar_ignored = false;
    struct calendar_files cf = {{0}, 0};
    const struct opt rows[] = {
        {.kind = OPT_CALL, .name = "--calendar", .call = calendar_file_take, .value = &cf, .metavar = "FILE",
         .needs = "a file", .help = "add a calendar file on top (repeatable; later files win)"},
        {.kind = OPT_FLAG, .name = "--no-user-calendar", .value = &is_user_calendar_ignored,
         .help = "ignore ~/.config/huixin/calendar.txt and $HUIXIN_CALENDAR"},
        OPT_ROW_FLAG("--batch", &batch, NULL),
        OPT_ROW_TEXT(calendar_help_files),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "calendar", .usage = calendar_help, .rows = rows, .help_width = 19};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > (int)ARRAY_LEN(pos))
        return cli_usage_error("calendar", "unexpected argument '%s'", argv[1 + ARRAY_LEN(pos)]);
    for (int i = 1; i <= n_args; i++)
        pos[n_pos++] = argv[i];
    for (size_t i = 0; i < cf.n; i++)
        files[n_files++] = cf.paths[i];
    use_env = !is_user_calendar_ignored;
    if (n_pos == 0)
        return cli_usage_error("calendar", "expected a subcommand: add, count, show or is-workday");
    const char *sub = pos[0];
    size_t want;
    if (strcmp(sub, "add") == 0)
        want = batch ? 1 : 3;
    else if (strcmp(sub, "count") == 0)
        want = 3;
    else if (strcmp(sub, "show") == 0 || strcmp(sub, "is-workday") == 0)
        want = 2;
    else
        return cli_usage_error("calendar", "unknown subcommand '%s': expected add, count, show or is-workday", sub);
    if (batch && strcmp(sub, "add") != 0)
        return cli_usage_error("calendar", "--batch works with 'add' only");
    if (n_pos != want)
        return cli_usage_error("calendar", "'%s' takes %zu argument%s, got %zu", sub, want - 1,
                               want == 2 ? "" : "s", n_pos - 1);

    /* Arguments are checked before any file is read, so a typo is reported as such. */
    int64_t d1 = 0, d2 = 0;
    int n = 0, year = 0;
    if (strcmp(sub, "add") == 0 && !batch) {
        if (parse_date_arg("DATE", pos[1], &d1))
            return EXIT_USAGE;
        if (parse_count(pos[2], &n) != 0)
            return cli_usage_error("calendar", "N '%s': expected a whole number of working days from 1 to %d",
                                   pos[2], MAX_WORKDAYS);
    } else if (strcmp(sub, "count") == 0) {
        if (parse_date_arg("FROM", pos[1], &d1) || parse_date_arg("TO", pos[2], &d2))
            return EXIT_USAGE;
    } else if (strcmp(sub, "show") == 0) {
        char *end;
        long y = strtol(pos[1], &end, 10);
        if (strlen(pos[1]) != 4 || *end != '\0' || y < 1)
            return cli_usage_error("calendar", "YEAR '%s': expected a year like 2026", pos[1]);
        year = (int)y;
    } else if (strcmp(sub, "is-workday") == 0) {
        if (parse_date_arg("DATE", pos[1], &d1))
            return EXIT_USAGE;
    }

    cal = cal_new();
    if (cal_load_standard(cal, files, n_files, use_env, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }

    char buf[16];
    if (strcmp(sub, "add") == 0 && batch) {
        rc = run_batch(cal, &w);
    } else if (strcmp(sub, "add") == 0) {
        int64_t out = cal_deadline_add(cal, d1, n);
        warn_uncovered(&w, cal, d1, out);
        clock_date_format(out, buf, sizeof buf);
        printf("%s\n", buf);
    } else if (strcmp(sub, "count") == 0) {
        if (d2 > d1)
            warn_uncovered(&w, cal, d1, d2);
        printf("%d\n", cal_workdays_count(cal, d1, d2));
    } else if (strcmp(sub, "show") == 0) {
        if (!cal_is_covered(cal, year))
            fprintf(stderr, "huixin calendar: warning: calendar has no official data for %d; weekends only\n",
                    year);
        const struct cal_fact *f;
        size_t k = cal_special_days(cal, year, &f);
        for (size_t i = 0; i < k; i++) {
            clock_date_format(f[i].day, buf, sizeof buf);
            printf("%s %s%s%s\n", buf, f[i].is_off_day ? "off" : "work", f[i].name[0] ? " " : "", f[i].name);
        }
    } else {
        warn_uncovered(&w, cal, d1, d1);
        const struct cal_fact *f = cal_fact_find(cal, d1);
        clock_date_format(d1, buf, sizeof buf);
        printf("%s %s%s%s\n", buf, cal_is_workday(cal, d1) ? "work" : "off", f && f->name[0] ? " " : "",
               f ? f->name : "");
    }
out:
    cal_free(cal);
    return rc;
}
