#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "scenarios/date_parse.h"

/* Length of the blank at s (0 if none): ASCII space/tab/newline, U+00A0, U+3000. */
static size_t blank_len(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        return 1;
    if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 2;
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    return 0;
}

static bool is_epoch(const char *format, int64_t *unit_ms)
{
    if (strcmp(format, "epoch_ms") == 0) {
        *unit_ms = 1;
        return true;
    }
    if (strcmp(format, "epoch_s") == 0) {
        *unit_ms = 1000;
        return true;
    }
    return false;
}

int scn_date_format_check(const char *format, struct err *e)
{
    int64_t unit;
    if (is_epoch(format, &unit))
        return 0;
    int seen[128] = {0};
    for (const char *p = format; *p; p++) {
        if (*p != '%')
            continue;
        char d = p[1];
        if (d == '%') {
            p++;
            continue;
        }
        if (!d || !strchr("YmdHIMS", d))
            return err_set(e, ERR_INPUT, "date format '%s': unknown directive '%%%.1s'; expected %%Y %%m %%d %%H %%I %%M %%S %%%% "
                           "or the whole format 'epoch_ms' or 'epoch_s'", format, d ? p + 1 : "");
        if (seen[(int)d]++)
            return err_set(e, ERR_INPUT, "date format '%s': '%%%c' appears twice", format, d);
        p++;
    }
    if (!seen['Y'] || !seen['m'] || !seen['d'])
        return err_set(e, ERR_INPUT, "date format '%s': needs %%Y, %%m and %%d (or 'epoch_ms', 'epoch_s')", format);
    if (seen['H'] && seen['I'])
        return err_set(e, ERR_INPUT, "date format '%s': %%H (24-hour) and %%I (12-hour) cannot both be there", format);
    if ((seen['M'] && !seen['H'] && !seen['I']) || (seen['S'] && !seen['M']))
        return err_set(e, ERR_INPUT, "date format '%s': %%S needs %%M and %%M needs %%H or %%I", format);
    return 0;
}

/* Reads 1..max_digits digits. */
static const char *read_num(const char *s, int min_digits, int max_digits, int *out)
{
    int v = 0, n = 0;
    while (n < max_digits && s[n] >= '0' && s[n] <= '9') {
        v = v * 10 + (s[n] - '0');
        n++;
    }
    if (n < min_digits)
        return NULL;
    *out = v;
    return s + n;
}

int scn_date_parse(const char *text, const char *format, int64_t *ms_out, bool *is_date_only, struct err *e)
{
    int rc = scn_date_format_check(format, e);
    if (rc < 0)
        return rc;
    /* trim blanks at both ends */
    const char *s = text;
    for (size_t n; (n = blank_len(s)) > 0;)
        s += n;
    size_t len = strlen(s);
    for (;;) {
        if (len >= 1 && blank_len(s + len - 1) == 1)
            len -= 1;
        else if (len >= 2 && blank_len(s + len - 2) == 2)
            len -= 2;
        else if (len >= 3 && blank_len(s + len - 3) == 3)
            len -= 3;
        else
            break;
    }
    char *t = xstrndup(s, len);
    int64_t unit;
    if (is_epoch(format, &unit)) {
        const int64_t epoch_ms_max = INT64_C(253402300799999); /* 9999-12-31 23:59:59.999 UTC */
        int64_t v = 0;
        bool ok = len > 0 && len <= 16;
        for (size_t i = 0; ok && i < len; i++) {
            if (t[i] < '0' || t[i] > '9')
                ok = false;
            else
                v = v * 10 + (t[i] - '0');
        }
        if (!ok) {
            rc = err_set(e, ERR_INPUT, "date '%s' does not match format '%s': expected digits only", text, format);
            goto out;
        }
        /* 16 digits of seconds overflow int64 milliseconds (found by fuzz/fuzz_date.c): stop at 9999-12-31 */
        if (v > epoch_ms_max / unit) {
            rc = err_set(e, ERR_INPUT, "date '%s' (format '%s') is out of range: expected a time before year 10000",
                         text, format);
            goto out;
        }
        *ms_out = v * unit;
        if (is_date_only)
            *is_date_only = false;
        goto out;
    }
    struct civil_time ct = {0, 0, 0, 0, 0, 0};
    bool has_time = false;
    int hour12 = -1; /* %I: an hour on a 12-hour clock without AM/PM: the time cannot be known */
    const char *p = t;
    for (const char *f = format; *f; f++) {
        if (*f == '%' && f[1] != '%') {
            f++;
            int *slot = NULL;
            switch (*f) {
            case 'Y': slot = &ct.year; break;
            case 'm': slot = &ct.month; break;
            case 'd': slot = &ct.day; break;
            case 'H': slot = &ct.hour; has_time = true; break;
            case 'I': slot = &hour12; break;
            case 'M': slot = &ct.minute; break;
            default: slot = &ct.second; break;
            }
            p = *f == 'Y' ? read_num(p, 4, 4, slot) : read_num(p, 1, 2, slot);
            if (!p)
                goto mismatch;
            continue;
        }
        if (*f == '%')
            f++; /* %% matches a literal % */
        if (*f == ' ') {
            size_t n = blank_len(p);
            if (!n)
                goto mismatch;
            while ((n = blank_len(p)) > 0)
                p += n;
            continue;
        }
        if (*p != *f)
            goto mismatch;
        p++;
    }
    if (*p)
        goto mismatch;
    if (!clock_date_is_valid(ct.year, ct.month, ct.day) || ct.hour > 23 || ct.minute > 59 || ct.second > 59 ||
        hour12 > 12) {
        rc = err_set(e, ERR_INPUT, "date '%s' (format '%s') is not a real date or time", text, format);
        goto out;
    }
    if (!has_time) /* a 12-hour time says nothing sure of the hour: keep the day only */
        ct.hour = ct.minute = ct.second = 0;
    *ms_out = clock_ms_from_beijing(&ct);
    if (is_date_only)
        *is_date_only = !has_time;
    goto out;
mismatch:
    rc = err_set(e, ERR_INPUT, "date '%s' does not match format '%s'", text, format);
out:
    free(t);
    return rc;
}
