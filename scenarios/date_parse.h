/* Reply and receipt dates as sites print them, parsed to Beijing-time instants. Pure: no clock, no
 * locale. A format is strftime-like: %Y (four digits), %m %d %H %M %S (one or two digits, so
 * "2024/5/29" matches "%Y/%m/%d"), %% a percent sign; a space matches one or more blanks (ASCII,
 * no-break space, the ideographic space U+3000); anything else must appear as written ("%Y年%m月%d日").
 * %I is an hour on a 12-hour clock printed without AM/PM ("04:20" for 16:20): it is read but only the
 * day is kept (*is_date_only), since the hour cannot be known.
 * The text must match the whole format; blanks around it are ignored. "epoch_ms" and "epoch_s" read
 * an integer count since 1970-01-01 UTC (the TRS IGI JSON lists). */
#ifndef HUIXIN_SCN_DATE_PARSE_H
#define HUIXIN_SCN_DATE_PARSE_H

#include <stdbool.h>
#include <stdint.h>

struct err;

/* 0 if format is usable; else ERR_INPUT saying what is wrong with it (for the loader). */
int scn_date_format_check(const char *format, struct err *e);
/* Parses text by format into ms since the epoch; *is_date_only says the format has no time of day
 * (the instant is then 00:00 Beijing time). ERR_INPUT quoting text and format when it does not match. */
int scn_date_parse(const char *text, const char *format, int64_t *ms_out, bool *is_date_only, struct err *e);

#endif
