/* The fuzz entry points: one function per target, taking the fuzzer's bytes. Each fuzz/fuzz_NAME.c
 * hands its LLVMFuzzerTestOneInput to one of these, and tests/unit/test_fuzz_regressions.c replays the
 * saved crashers in fuzz/regressions/NAME/ through the same functions without libFuzzer, so a fixed
 * finding stays fixed under `make test`.
 *
 * Static functions in a header because fuzz/ is not part of build/libhuixin.a: each includer gets its
 * own copy, and a unit test links without anything extra. Inputs are copied into buffers of their exact
 * size (with a NUL only where the API takes a C string), so AddressSanitizer sees any read past the end. */
#ifndef HUIXIN_FUZZ_ENTRIES_H
#define HUIXIN_FUZZ_ENTRIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "scenarios/date_parse.h"
#include "scenarios/scenario.h"
#include "verify/calendar.h"

/* ---- cdp: the message layer fed random messages in random pieces ---- */

/* Byte 0xFF never occurs in UTF-8, so it separates the messages of one input and keeps seeds readable. */
#define FUZZ_CDP_SEPARATOR 0xFF

static inline int fuzz_cdp_send(const char *msg, size_t len, void *user)
{
    (void)msg;
    (void)len;
    (void)user;
    return 0;
}

static inline int fuzz_cdp_pump(int timeout_ms, void *user)
{
    (void)timeout_ms;
    (void)user;
    return 0;
}

/* What the real hook does (driver/browser.c): look at the message, send a fire-and-forget command,
 * fail a session when told its target crashed. */
static inline void fuzz_cdp_event(struct cdp *c, json_t *msg, void *user)
{
    (void)user;
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *session = json_string_value(json_object_get(msg, "sessionId"));
    if (!method)
        return;
    if (strcmp(method, "Inspector.targetCrashed") == 0)
        cdp_session_fail(c, session, "renderer crashed");
    else if (strcmp(method, "Page.javascriptDialogOpening") == 0)
        cdp_send_ignored(c, session, "Page.handleJavaScriptDialog", json_pack("{s:b}", "accept", 1));
}

/* A tiny generator so one control byte decides every cut. */
static inline uint32_t fuzz_rand_next(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 16;
}

/* data[0]: bit 0 hook (else the queue), bit 1 whole messages (else fragments), bit 2 leave the last
 * message unfinished, bits 3-7 seed the cuts. The rest: messages separated by 0xFF. */
static inline int fuzz_cdp_entry(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    log_level_set(LOG_ERROR); /* every malformed message is a warning: keep the fuzzer's output readable */
    uint8_t mode = data[0];
    uint32_t rnd = mode >> 3;
    struct cdp *c = cdp_new();
    cdp_transport_set(c, fuzz_cdp_send, fuzz_cdp_pump, NULL);
    if (mode & 1)
        cdp_event_hook_set(c, fuzz_cdp_event, NULL);
    /* pending commands for replies to land on: ids 1-4, two on a session */
    int64_t ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = cdp_send(c, i % 2 ? "S1" : NULL, "Fuzz.method", NULL, i == 3 ? 1 : 0, NULL);
    size_t start = 1;
    while (start <= size) {
        size_t end = start;
        while (end < size && data[end] != FUZZ_CDP_SEPARATOR)
            end++;
        size_t len = end - start;
        char *msg = xmalloc(len ? len : 1);
        memcpy(msg, data + start, len);
        bool is_last = end >= size;
        if (mode & 2) {
            cdp_feed(c, msg, len);
        } else {
            size_t at = 0;
            do {
                size_t piece = len - at;
                if (piece > 1)
                    piece = 1 + fuzz_rand_next(&rnd) % piece;
                bool is_final = at + piece >= len && !(is_last && (mode & 4));
                cdp_feed_fragment(c, msg + at, piece, is_final);
                at += piece;
            } while (at < len);
        }
        free(msg);
        start = end + 1;
    }
    cdp_expire(c, clock_mono_ms());
    for (int i = 0; i < 4; i++) {
        if (ids[i] <= 0)
            continue;
        json_t *res = NULL;
        struct err e;
        err_init(&e);
        if (cdp_reply_poll(c, ids[i], &res, &e) == 0)
            json_decref(res);
    }
    json_t *ev;
    while ((ev = cdp_event_pop(c)))
        json_decref(ev);
    cdp_close(c, "fuzz done");
    cdp_free(c);
    return 0;
}

/* ---- scenario: the loader over random text ---- */

static inline int fuzz_scenario_entry(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size ? size : 1);
    memcpy(text, data, size);
    struct scn_scenario *s = NULL;
    struct scn_diags diags = {0};
    struct err e;
    err_init(&e);
    scn_scenario_parse("fuzz.json", text, size, &s, &diags, &e);
    scn_scenario_free(s);
    scn_diags_release(&diags);
    free(text);
    return 0;
}

/* ---- date: scn_date_parse, "FORMAT\nTEXT" ---- */

static inline int fuzz_date_entry(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t flen = nl ? (size_t)(nl - data) : size;
    size_t tlen = nl ? size - flen - 1 : 0;
    char *format = xmalloc(flen + 1), *text = xmalloc(tlen + 1);
    memcpy(format, data, flen);
    format[flen] = '\0';
    if (tlen)
        memcpy(text, nl + 1, tlen);
    text[tlen] = '\0';
    struct err e;
    err_init(&e);
    scn_date_format_check(format, &e);
    int64_t ms = 0;
    bool is_date_only = false;
    err_init(&e);
    if (scn_date_parse(text, format, &ms, &is_date_only, &e) == 0) {
        /* an epoch count is never negative: a negative one wrapped around (fuzz/regressions/date) */
        if (strncmp(format, "epoch", 5) == 0 && ms < 0)
            abort();
        /* what parsed must format back as a Beijing time without trouble */
        char out[32];
        clock_beijing_format(ms, out, sizeof out);
    }
    free(format);
    free(text);
    return 0;
}

/* ---- clock: the fixed-form parsers of common/clock.h ---- */

static inline int fuzz_clock_entry(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t days = 0, ms = 0;
    char out[32];
    if (clock_date_parse(s, &days) == 0) {
        clock_date_format(days, out, sizeof out);
        /* a parsed date formats back to the same text */
        if (strcmp(out, s) != 0)
            abort();
    }
    if (clock_beijing_parse(s, &ms) == 0)
        clock_beijing_format(ms, out, sizeof out);
    free(s);
    return 0;
}

/* ---- calendar: user calendar files, text or JSON ---- */

static inline int fuzz_calendar_entry(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size ? size : 1);
    memcpy(text, data, size);
    struct cal *cal = cal_new_empty();
    struct err e;
    err_init(&e);
    if (cal_load_text(cal, text, size, "fuzz.txt", &e) == 0) {
        /* whatever loaded, the arithmetic on it must stay sound */
        int64_t day = 0;
        clock_date_parse("2027-01-01", &day);
        int64_t due = cal_deadline_add(cal, day, 5);
        if (due <= day || cal_workdays_count(cal, day, due) != 5 || !cal_is_workday(cal, due))
            abort();
    }
    cal_free(cal);
    free(text);
    return 0;
}

#endif
