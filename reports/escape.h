/* Making untrusted text safe to show. Everything a website gave us (reply text, unit, state text,
 * final URL, titles) and everything a scenario author typed (site names) passes through here before
 * it reaches a report.
 *
 * One rule for every format, rpt_text_clean: bytes that are not valid UTF-8 become U+FFFD, and
 * characters that can reorder or hide text become a visible marker "\u{XXXX}": C0 controls but tab
 * and newline (a CR of a CRLF pair is dropped), DEL, C1 controls (U+0080-U+009F), the bidi controls
 * U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069, and U+FEFF inside text. Then each format adds its
 * own quoting: HTML entities, CSV quotes and the formula guard. */
#ifndef HUIXIN_RPT_ESCAPE_H
#define HUIXIN_RPT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Appends the cleaned form of s (NULL: nothing) to b. */
void rpt_text_clean(struct buf *b, const char *s);
/* The same into a new string (caller frees); NULL stays NULL. */
char *rpt_text_clean_dup(const char *s);

/* Appends s with only its invalid UTF-8 bytes replaced by U+FFFD (for JSON, which keeps the text as
 * captured: its consumers escape it for their own medium). */
void rpt_utf8_repair(struct buf *b, const char *s);

/* Appends s (not NULL) as a JSON string literal, quotes included, in the bytes jansson's json_dumps
 * writes for the string rpt_utf8_repair makes of it: invalid UTF-8 bytes become U+FFFD; '"', '\\' and
 * the C0 controls are escaped (\b \f \n \r \t, the others \u00XX in capitals); everything else is kept
 * as it is (DEL, U+2028/U+2029, bidi controls, emoji: all valid in JSON). For reports/json.c, which
 * streams its document instead of building it in jansson. */
void rpt_json_quote(struct buf *b, const char *s);

/* Appends s cleaned and HTML-escaped (& < > " ' as entities), safe both in element text and inside a
 * double- or single-quoted attribute value. */
void rpt_html_escape(struct buf *b, const char *s);

/* True when url may be put in an href: http://, https:// (case-insensitive), or a relative reference
 * (no scheme, not starting with "//"), with no control characters, spaces or backslashes. */
bool rpt_url_is_linkable(const char *url);

/* Appends one CSV field: cleaned, with a leading ' when it starts with = + - @ (or tab or CR), so a
 * spreadsheet shows it as text instead of running it, and quoted (RFC 4180, quotes doubled) when it
 * holds a comma, quote, CR or LF. */
void rpt_csv_field(struct buf *b, const char *s);

/* Appends s percent-encoded for a URL path: unreserved ASCII and '/' pass, everything else is %XX. */
void rpt_url_path_encode(struct buf *b, const char *s);

#endif
