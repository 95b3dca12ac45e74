/* Time as huixin counts it. Instants are int64 milliseconds since the Unix epoch (UTC). Civil dates
 * are days since 1970-01-01 (an int), so calendars do arithmetic on integers. Beijing time is UTC+8
 * all year (China has no daylight saving since 1991), so it is computed, never read from the TZ. */
#ifndef HUIXIN_CLOCK_H
#define HUIXIN_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_BEIJING_OFFSET_MS (8LL * 3600 * 1000)

struct civil_date {
    int year, month, day; /* month 1..12, day 1..31 */
};

struct civil_time {
    int year, month, day, hour, minute, second;
};

/* The real clock, unless clock_override_set was called (the CLI's --now). */
int64_t clock_now_ms(void);
void clock_override_set(int64_t now_ms);
/* The real clock whatever --now says: for what other processes must agree on (the ages of locks). */
int64_t clock_real_ms(void);
/* Whether clock_override_set was called: the time is simulated. */
bool clock_is_overridden(void);
/* Monotonic milliseconds, for timeouts. */
int64_t clock_mono_ms(void);

/* Days since 1970-01-01 of a civil date, and back. Valid for years 1..9999. */
int64_t clock_days_from_civil(int year, int month, int day);
struct civil_date clock_civil_from_days(int64_t days);
/* 0 = Monday ... 6 = Sunday */
int clock_weekday(int64_t days);
bool clock_date_is_valid(int year, int month, int day);

/* "YYYY-MM-DD" exactly -> days; 0 on success, -1 otherwise. */
int clock_date_parse(const char *s, int64_t *days_out);
/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void clock_date_format(int64_t days, char *out, size_t out_len);

/* Instant <-> Beijing civil time. */
struct civil_time clock_beijing_from_ms(int64_t ms);
int64_t clock_ms_from_beijing(const struct civil_time *t);
/* The Beijing civil date (days) of an instant. */
int64_t clock_beijing_day(int64_t ms);
/* "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" in Beijing time -> ms. 0 or -1. */
int clock_beijing_parse(const char *s, int64_t *ms_out);
/* "YYYY-MM-DD HH:MM:SS" Beijing time; out at least 20 bytes. */
void clock_beijing_format(int64_t ms, char *out, size_t out_len);
/* "YYYY-MM-DDTHH:MM:SSZ" UTC; out at least 21 bytes. */
void clock_utc_format(int64_t ms, char *out, size_t out_len);

#endif
