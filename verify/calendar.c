/* The working-day calendar: a sorted table of listed dates over the weekday rule, and the user files
 * that extend it. See calendar.h for the rule and the file formats. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "verify/calendar.h"

struct cal {
    struct cal_fact *facts; /* sorted by day, one per day; names are owned (allocated) strings */
    size_t len, cap;
    int *years;             /* covered years, unsorted, no duplicates */
    size_t n_years, cap_years;
};

/* A fact parsed from a file, applied only when the whole file is good. */
struct pending {
    struct cal_fact *facts;
    size_t len, cap;
    int *years;
    size_t n_years, cap_years;
};

static void fact_name_free(struct cal_fact *f)
{
    free((char *)f->name); /* the calendar allocated every name it holds */
}

struct cal *cal_new_empty(void)
{
    return xcalloc(1, sizeof(struct cal));
}

struct cal *cal_new(void)
{
    struct cal *cal = cal_new_empty();
    for (size_t i = 0; i < cal_builtin_facts_len; i++) {
        const struct cal_builtin_fact *b = &cal_builtin_facts[i];
        cal_fact_set(cal, clock_days_from_civil(b->year, b->month, b->day), b->is_off_day, b->name);
    }
    for (int y = cal_builtin_first_year; y <= cal_builtin_last_year; y++)
        cal_year_cover(cal, y);
    return cal;
}

void cal_free(struct cal *cal)
{
    if (!cal)
        return;
    for (size_t i = 0; i < cal->len; i++)
        fact_name_free(&cal->facts[i]);
    free(cal->facts);
    free(cal->years);
    free(cal);
}

/* Index of the first fact with day >= `day`. */
static size_t fact_lower_bound(const struct cal *cal, int64_t day)
{
    size_t lo = 0, hi = cal->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->facts[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void cal_fact_set(struct cal *cal, int64_t day, bool is_off_day, const char *name)
{
    size_t i = fact_lower_bound(cal, day);
    if (i < cal->len && cal->facts[i].day == day) {
        fact_name_free(&cal->facts[i]);
    } else {
        if (cal->len == cal->cap) {
            cal->cap = cal->cap ? cal->cap * 2 : 64;
            cal->facts = xrealloc(cal->facts, cal->cap * sizeof *cal->facts);
        }
        memmove(&cal->facts[i + 1], &cal->facts[i], (cal->len - i) * sizeof *cal->facts);
        cal->len++;
    }
    cal->facts[i].day = day;
    cal->facts[i].is_off_day = is_off_day;
    cal->facts[i].name = xstrdup(name ? name : "");
}

void cal_year_cover(struct cal *cal, int year)
{
    if (cal_is_covered(cal, year))
        return;
    if (cal->n_years == cal->cap_years) {
        cal->cap_years = cal->cap_years ? cal->cap_years * 2 : 16;
        cal->years = xrealloc(cal->years, cal->cap_years * sizeof *cal->years);
    }
    cal->years[cal->n_years++] = year;
}

bool cal_is_covered(const struct cal *cal, int year)
{
    for (size_t i = 0; i < cal->n_years; i++)
        if (cal->years[i] == year)
            return true;
    return false;
}

int cal_uncovered_year(const struct cal *cal, int64_t from, int64_t to)
{
    if (to < from) {
        int64_t t = from;
        from = to;
        to = t;
    }
    int y0 = clock_civil_from_days(from).year, y1 = clock_civil_from_days(to).year;
    for (int y = y0; y <= y1; y++)
        if (!cal_is_covered(cal, y))
            return y;
    return 0;
}

const struct cal_fact *cal_fact_find(const struct cal *cal, int64_t day)
{
    size_t i = fact_lower_bound(cal, day);
    if (i < cal->len && cal->facts[i].day == day)
        return &cal->facts[i];
    return NULL;
}

bool cal_is_workday(const struct cal *cal, int64_t day)
{
    const struct cal_fact *f = cal_fact_find(cal, day);
    if (f)
        return !f->is_off_day;
    return clock_weekday(day) < 5;
}

int64_t cal_deadline_add(const struct cal *cal, int64_t day, int n)
{
    /* Stepping a day at a time is plenty: deadlines are tens of days, lookups are binary searches. */
    while (n > 0) {
        day++;
        if (cal_is_workday(cal, day))
            n--;
    }
    return day;
}

int cal_workdays_count(const struct cal *cal, int64_t from, int64_t to)
{
    int n = 0;
    for (int64_t d = from + 1; d <= to; d++)
        if (cal_is_workday(cal, d))
            n++;
    return n;
}

size_t cal_special_days(const struct cal *cal, int year, const struct cal_fact **first_out)
{
    size_t lo = fact_lower_bound(cal, clock_days_from_civil(year, 1, 1));
    size_t hi = fact_lower_bound(cal, clock_days_from_civil(year + 1, 1, 1));
    *first_out = lo < cal->len ? &cal->facts[lo] : NULL;
    return hi - lo;
}

/* ---- user files ---- */

static void pending_release(struct pending *p)
{
    for (size_t i = 0; i < p->len; i++)
        fact_name_free(&p->facts[i]);
    free(p->facts);
    free(p->years);
}

static void pending_fact(struct pending *p, int64_t day, bool is_off_day, const char *name, size_t name_len)
{
    if (p->len == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->facts = xrealloc(p->facts, p->cap * sizeof *p->facts);
    }
    p->facts[p->len].day = day;
    p->facts[p->len].is_off_day = is_off_day;
    p->facts[p->len].name = xstrndup(name, name_len);
    p->len++;
}

static void pending_year(struct pending *p, int year)
{
    if (p->n_years == p->cap_years) {
        p->cap_years = p->cap_years ? p->cap_years * 2 : 4;
        p->years = xrealloc(p->years, p->cap_years * sizeof *p->years);
    }
    p->years[p->n_years++] = year;
}

/* Applies in file order, so a later line about the same date wins. */
static void pending_apply(struct cal *cal, const struct pending *p)
{
    for (size_t i = 0; i < p->len; i++)
        cal_fact_set(cal, p->facts[i].day, p->facts[i].is_off_day, p->facts[i].name);
    for (size_t i = 0; i < p->n_years; i++)
        cal_year_cover(cal, p->years[i]);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies a token (at most out_len-1 bytes) for a message, so a huge token does not flood it. */
static void token_copy(const char *s, size_t n, char *out, size_t out_len)
{
    if (n >= out_len)
        n = out_len - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static int parse_year(const char *s, size_t n, int *year_out)
{
    if (n != 4)
        return -1;
    int y = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        y = y * 10 + (s[i] - '0');
    }
    if (y < 1)
        return -1;
    *year_out = y;
    return 0;
}

/* One line without its end of line. Returns 0 or ERR_INPUT. */
static int text_line_parse(struct pending *p, const char *s, size_t n, const char *origin, int line_no,
                           struct err *e)
{
    char tok[64];
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    while (n > i && is_blank(s[n - 1]))
        n--;
    if (i == n || s[i] == '#')
        return 0;
    size_t a = i;
    while (i < n && !is_blank(s[i]))
        i++;
    size_t first_len = i - a;
    while (i < n && is_blank(s[i]))
        i++;
    size_t b = i;
    while (i < n && !is_blank(s[i]))
        i++;
    size_t second_len = i - b;
    while (i < n && is_blank(s[i]))
        i++;
    const char *rest = s + i;
    size_t rest_len = n - i;

    if (first_len == 6 && memcmp(s + a, "covers", 6) == 0) {
        int year;
        if (second_len == 0 || rest_len != 0 || parse_year(s + b, second_len, &year) != 0) {
            token_copy(s + b, n - b, tok, sizeof tok);
            return err_set(e, ERR_INPUT, "calendar '%s' line %d: 'covers %s': expected 'covers YYYY'",
                           origin, line_no, tok);
        }
        pending_year(p, year);
        return 0;
    }
    int64_t day;
    token_copy(s + a, first_len, tok, sizeof tok);
    if (first_len != 10 || clock_date_parse(tok, &day) != 0)
        return err_set(e, ERR_INPUT,
                       "calendar '%s' line %d: '%s': expected a date YYYY-MM-DD (or 'covers YYYY')",
                       origin, line_no, tok);
    bool off;
    if (second_len == 3 && memcmp(s + b, "off", 3) == 0) {
        off = true;
    } else if (second_len == 4 && memcmp(s + b, "work", 4) == 0) {
        off = false;
    } else {
        token_copy(s + b, second_len, tok, sizeof tok);
        return err_set(e, ERR_INPUT,
                       "calendar '%s' line %d: '%s' after the date: expected 'off' (a holiday) or "
                       "'work' (a make-up working day)",
                       origin, line_no, second_len ? tok : "");
    }
    pending_fact(p, day, off, rest, rest_len);
    return 0;
}

static int text_parse(struct pending *p, const char *text, size_t len, const char *origin, struct err *e)
{
    int line_no = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        line_no++;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        if (memchr(text + pos, '\0', n))
            return err_set(e, ERR_INPUT, "calendar '%s' line %d: a NUL byte: expected text", origin,
                           line_no);
        int rc = text_line_parse(p, text + pos, n, origin, line_no, e);
        if (rc)
            return rc;
        pos = end + 1;
    }
    return 0;
}

static int json_day_parse(struct pending *p, json_t *d, size_t idx, const char *origin, struct err *e)
{
    if (!json_is_object(d))
        return err_set(e, ERR_INPUT, "calendar '%s': days[%zu]: expected an object {name, date, isOffDay}",
                       origin, idx);
    const char *key;
    json_t *v;
    json_object_foreach(d, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "date") != 0 && strcmp(key, "isOffDay") != 0)
            return err_set(e, ERR_INPUT,
                           "calendar '%s': days[%zu]: unknown key '%s': expected name, date, isOffDay",
                           origin, idx, key);
    }
    json_t *date = json_object_get(d, "date");
    json_t *off = json_object_get(d, "isOffDay");
    json_t *name = json_object_get(d, "name");
    int64_t day;
    if (!json_is_string(date) || clock_date_parse(json_string_value(date), &day) != 0) {
        char tok[64] = "(missing)";
        if (json_is_string(date))
            token_copy(json_string_value(date), strlen(json_string_value(date)), tok, sizeof tok);
        return err_set(e, ERR_INPUT, "calendar '%s': days[%zu]: date '%s': expected \"YYYY-MM-DD\"",
                       origin, idx, tok);
    }
    if (!json_is_boolean(off))
        return err_set(e, ERR_INPUT, "calendar '%s': days[%zu] (%s): isOffDay: expected true or false",
                       origin, idx, json_string_value(date));
    if (name && !json_is_string(name))
        return err_set(e, ERR_INPUT, "calendar '%s': days[%zu] (%s): name: expected a string", origin,
                       idx, json_string_value(date));
    const char *nm = name ? json_string_value(name) : "";
    pending_fact(p, day, json_is_true(off), nm, strlen(nm));
    return 0;
}

/* holiday-cn's format, strictly: known keys only, no duplicate keys. */
static int json_parse(struct pending *p, const char *text, size_t len, const char *origin, struct err *e)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    if (!root)
        return err_set(e, ERR_INPUT, "calendar '%s' line %d column %d: %s", origin, jerr.line,
                       jerr.column, jerr.text);
    if (!json_is_object(root)) {
        rc = err_set(e, ERR_INPUT, "calendar '%s': expected a JSON object {\"year\", \"days\"}", origin);
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "year") != 0 && strcmp(key, "days") != 0 && strcmp(key, "papers") != 0 &&
            strcmp(key, "$schema") != 0 && strcmp(key, "$id") != 0) {
            rc = err_set(e, ERR_INPUT,
                         "calendar '%s': unknown key '%s': expected year, days, papers, $schema, $id",
                         origin, key);
            goto out;
        }
    }
    json_t *year = json_object_get(root, "year");
    json_t *days = json_object_get(root, "days");
    if (!json_is_integer(year) || json_integer_value(year) < 1 || json_integer_value(year) > 9999) {
        rc = err_set(e, ERR_INPUT, "calendar '%s': \"year\": expected the year of the notice, e.g. 2027",
                     origin);
        goto out;
    }
    if (!json_is_array(days)) {
        rc = err_set(e, ERR_INPUT, "calendar '%s': \"days\": expected an array", origin);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(days); i++) {
        rc = json_day_parse(p, json_array_get(days, i), i, origin, e);
        if (rc)
            goto out;
    }
    pending_year(p, (int)json_integer_value(year));
out:
    json_decref(root);
    return rc;
}

int cal_load_text(struct cal *cal, const char *text, size_t len, const char *origin, struct err *e)
{
    struct pending p = {0};
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a UTF-8 byte-order mark, as some editors write */
    size_t j = i;
    while (j < len && (is_blank(text[j]) || text[j] == '\n' || text[j] == '\r'))
        j++;
    int rc;
    if (j < len && text[j] == '{')
        rc = json_parse(&p, text + i, len - i, origin, e);
    else
        rc = text_parse(&p, text + i, len - i, origin, e);
    if (rc == 0)
        pending_apply(cal, &p);
    pending_release(&p);
    return rc;
}

int cal_load_file(struct cal *cal, const char *path, struct err *e)
{
    char *data = NULL;
    size_t len = 0;
    int rc = file_read_all(path, &data, &len, e);
    if (rc) {
        err_prefix(e, "calendar");
        return rc;
    }
    rc = cal_load_text(cal, data, len, path, e);
    free(data);
    return rc;
}

int cal_load_standard(struct cal *cal, const char *const *paths, size_t n_paths, bool use_env,
                      struct err *e)
{
    int rc = 0;
    char *auto_path = NULL;
    char *list = NULL;
    if (use_env) {
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg == '/')
            auto_path = xasprintf("%s/huixin/calendar.txt", xdg);
        else if (home && *home)
            auto_path = xasprintf("%s/.config/huixin/calendar.txt", home);
        if (auto_path && file_exists(auto_path) && (rc = cal_load_file(cal, auto_path, e)) != 0)
            goto out;
        const char *env = getenv("HUIXIN_CALENDAR");
        if (env && *env) {
            list = xstrdup(env);
            char *save = NULL;
            for (char *f = strtok_r(list, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
                if ((rc = cal_load_file(cal, f, e)) != 0) {
                    err_prefix(e, "HUIXIN_CALENDAR");
                    goto out;
                }
            }
        }
    }
    for (size_t i = 0; i < n_paths; i++)
        if ((rc = cal_load_file(cal, paths[i], e)) != 0)
            goto out;
out:
    free(list);
    free(auto_path);
    return rc;
}
