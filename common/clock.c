#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/base.h"
#include "common/clock.h"

static bool has_override;
static int64_t override_ms;

int64_t clock_now_ms(void)
{
    if (has_override)
        return override_ms;
    return clock_real_ms();
}

int64_t clock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_override_set(int64_t now_ms)
{
    has_override = true;
    override_ms = now_ms;
}

bool clock_is_overridden(void)
{
    return has_override;
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic. */
int64_t clock_days_from_civil(int year, int month, int day)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct civil_date clock_civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    struct civil_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
    return out;
}

int clock_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

bool clock_date_is_valid(int year, int month, int day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return false;
    int max = mdays[month - 1];
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && leap)
        max = 29;
    return day <= max;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int clock_date_parse(const char *s, int64_t *days_out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return -1;
    if (!clock_date_is_valid(y, m, d))
        return -1;
    *days_out = clock_days_from_civil(y, m, d);
    return 0;
}

/* Writes v as n decimal digits, zero-padded (v in 0 .. 10^n - 1). */
static void digits_put(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "YYYY-MM-DD" + sep "HH:MM:SS" + end, without snprintf (reports format two instants a visit, a
 * national round's report 150,000 visits); false when it does not fit that shape (a year outside
 * 0..9999, out too short), for the caller's snprintf. */
static bool civil_time_put(const struct civil_time *t, char sep, const char *end, char *out, size_t out_len)
{
    size_t end_len = strlen(end);
    if (t->year < 0 || t->year > 9999 || out_len < 20 + end_len)
        return false;
    digits_put(out, t->year, 4);
    out[4] = '-';
    digits_put(out + 5, t->month, 2);
    out[7] = '-';
    digits_put(out + 8, t->day, 2);
    out[10] = sep;
    digits_put(out + 11, t->hour, 2);
    out[13] = ':';
    digits_put(out + 14, t->minute, 2);
    out[16] = ':';
    digits_put(out + 17, t->second, 2);
    memcpy(out + 19, end, end_len + 1);
    return true;
}

void clock_date_format(int64_t days, char *out, size_t out_len)
{
    struct civil_date c = clock_civil_from_days(days);
    if (c.year >= 0 && c.year <= 9999 && out_len >= 11) {
        digits_put(out, c.year, 4);
        out[4] = '-';
        digits_put(out + 5, c.month, 2);
        out[7] = '-';
        digits_put(out + 8, c.day, 2);
        out[10] = '\0';
        return;
    }
    snprintf(out, out_len, "%04d-%02d-%02d", c.year, c.month, c.day);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

struct civil_time clock_beijing_from_ms(int64_t ms)
{
    int64_t local = ms + CLOCK_BEIJING_OFFSET_MS;
    int64_t days = floor_div(local, 86400000);
    int64_t rest = (local - days * 86400000) / 1000;
    struct civil_date c = clock_civil_from_days(days);
    struct civil_time t = {c.year, c.month, c.day, (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60)};
    return t;
}

int64_t clock_ms_from_beijing(const struct civil_time *t)
{
    int64_t days = clock_days_from_civil(t->year, t->month, t->day);
    int64_t secs = days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
    return secs * 1000 - CLOCK_BEIJING_OFFSET_MS;
}

int64_t clock_beijing_day(int64_t ms)
{
    return floor_div(ms + CLOCK_BEIJING_OFFSET_MS, 86400000);
}

int clock_beijing_parse(const char *s, int64_t *ms_out)
{
    struct civil_time t = {0};
    size_t n = s ? strlen(s) : 0;
    if (n != 10 && n != 16 && n != 19)
        return -1;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    int64_t days;
    if (clock_date_parse(date, &days) != 0)
        return -1;
    struct civil_date c = clock_civil_from_days(days);
    t.year = c.year;
    t.month = c.month;
    t.day = c.day;
    if (n >= 16) {
        if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':' || !digits(s + 11, 2, &t.hour) ||
            !digits(s + 14, 2, &t.minute) || t.hour > 23 || t.minute > 59)
            return -1;
    }
    if (n == 19) {
        if (s[16] != ':' || !digits(s + 17, 2, &t.second) || t.second > 59)
            return -1;
    }
    *ms_out = clock_ms_from_beijing(&t);
    return 0;
}

void clock_beijing_format(int64_t ms, char *out, size_t out_len)
{
    struct civil_time t = clock_beijing_from_ms(ms);
    if (civil_time_put(&t, ' ', "", out, out_len))
        return;
    snprintf(out, out_len, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

void clock_utc_format(int64_t ms, char *out, size_t out_len)
{
    struct civil_time t = clock_beijing_from_ms(ms - CLOCK_BEIJING_OFFSET_MS);
    if (civil_time_put(&t, 'T', "Z", out, out_len))
        return;
    snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour, t.minute, t.second);
}
