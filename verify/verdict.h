/* Verdicts: what became of one test letter, as a pure function of its submission, the visits huixin
 * made to it, the calendar, the rules and `now` (a parameter: nothing here reads the clock).
 *
 * Days are Beijing civil days (UTC+8, clock_beijing_day): a letter submitted at 23:59 Beijing time
 * (15:59 UTC) belongs to that Beijing day.
 *
 * The rules, in the order they are applied:
 *  1. submit_failed -> SUBMIT_FAILED (提交失败). No submission time (0) -> UNVERIFIABLE.
 *  2. deadline_day = cal_deadline_add(submit_day, deadline_workdays): day 1 is the first working day
 *     after the submission day. Visits earlier than the submission instant are ignored.
 *  3. Only successful visits that found the letter (VERDICT_VISIT_FOUND) say anything about a reply. The
 *     reply is the first FOUND visit with has_reply. Its day:
 *     - the date the site shows (the first reply visit that shows one), as a Beijing day;
 *     - but when the site shows none, or a date after the day huixin first saw the reply, or a date
 *       before the submission day, the day of the first visit that saw the reply: an upper bound
 *       (reply_source VERDICT_REPLY_OBSERVED; the truth lies in the observed window).
 *     If the shown day is earlier than the day of a FOUND visit that saw no reply (after submission),
 *     the shown date is kept but is_possibly_backdated is set; the observed window (last FOUND visit
 *     without a reply before the first with one, and that first one) is always recorded. The check
 *     is by day, not by minute: a reply dated earlier on the day a visit saw none is publication lag.
 *     A shown date before the submission day is flagged too, and so is a shown time earlier than the
 *     submission on its own day (is_reply_before_submission; a date-only value, 00:00, is not).
 *     reply_day == submit_day -> SAME_DAY (当日回复); workdays_count(submit_day, reply_day) <= N ->
 *     ON_TIME (按期回复); else LATE (超期回复) with workdays_taken.
 *  4. Deletion needs proof that the letter was there and is gone: at least deletion_min_visits counted
 *     NOT_FOUND visits after the last FOUND visit (no later FOUND), the first and last of them at
 *     least deletion_min_gap_ms apart. A NOT_FOUND visit counts when its site entry page loaded
 *     (entry_page_ok) and
 *     - its lookup was authoritative (the site's own answer about this letter: the query by code or
 *       number, the letter's detail URL), or
 *     - its lookup was a list or search (a conclusive miss: every page loaded, the end of the list or
 *       letters older than ours reached) and an earlier visit saw the letter in that list, or the
 *       scenario says the list shows every new letter at once (proves_absence).
 *     FAILED visits, and NOT_FOUND visits that do not count, neither count nor break the run. The
 *     submission's own success page (VERDICT_LOOKUP_SUBMIT) shows the letter reached the site, not that
 *     it was published: it is no sighting.
 *     A reply seen before the deletion keeps its reply verdict (a site that answered on time and
 *     later removed the letter, e.g. by a retention rule, did answer) with is_deleted set, so a
 *     report can say "answered, then deleted". With no reply seen -> DELETED (信件被删除), whether or
 *     not the deadline has passed. was_ever_found tells "vanished" from "never published".
 *  5. No reply, not deleted. A letter never seen in a list, whose list lookups missed on healthy
 *     visits, is unpublished (is_unpublished, 未公开): a notice says 留言未予公开, never 删除.
 *     - now before the end of the deadline day (Beijing) -> PENDING (待回复);
 *     - else, if a FOUND visit at or after the end of the deadline day saw no reply, or the letter is
 *       unpublished and a healthy list miss came at or after the end of the deadline day ->
 *       OVERDUE_UNANSWERED (超期未回复), with the 未公开 note when unpublished;
 *     - else -> UNVERIFIABLE (无法核实): huixin never looked successfully after the deadline (the site
 *       was down or blocked, or the letter was not found too few times to call it deleted), so it
 *       must not claim the letter went unanswered. The scheduler should revisit after the deadline
 *       day ends.
 *  6. The national veto alarm (国办秘函〔2019〕19号: unanswered for more than 3 months): veto_day is
 *     the submission's Beijing date plus veto_months calendar months, clamped to the month's end
 *     (11-30 + 3 months = 02-28 or 02-29). The alarm is raised when the reply day is after veto_day,
 *     or, with no reply seen, when a FOUND visit without a reply happened after veto_day, or the letter
 *     is deleted and the last counted NOT_FOUND visit was after veto_day. Evidence, not the calendar
 *     alone, raises it. It is a flag beside the verdict, not a verdict. */
#ifndef HUIXIN_VERDICT_H
#define HUIXIN_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cal;

/* The kinds are the rows of verify/verdict_kinds.def: a new kind is one row there. */
enum verdict_kind {
#define XX(name, zh, en, is_final, is_alarming, severity) VERDICT_##name,
#include "verify/verdict_kinds.def"
#undef XX
};
/* One byte per row: its size is the count, a constant expression (array sizes), of type int. */
struct verdict_kind_rows {
#define XX(name, zh, en, is_final, is_alarming, severity) char name;
#include "verify/verdict_kinds.def"
#undef XX
};
#define VERDICT_KIND_COUNT ((int)sizeof(struct verdict_kind_rows))

struct verdict_rules {
    int deadline_workdays;       /* default 5 */
    int deletion_min_visits;     /* default 2 */
    int64_t deletion_min_gap_ms; /* default 1 hour */
    int veto_months;             /* default 3: calendar months from the submission date */
};

/* The defaults above. */
void verdict_rules_init(struct verdict_rules *rules);

struct verdict_letter {
    int64_t submitted_at_ms;  /* 0 when not submitted (or the time is unknown) */
    bool submit_failed;
    const char *submit_error; /* borrowed, optional: why submission failed */
};

enum verdict_visit_outcome {
    VERDICT_VISIT_FOUND,     /* the page loaded and showed the letter */
    VERDICT_VISIT_NOT_FOUND, /* the page loaded and the letter is not there (no such letter, 404, redirect) */
    VERDICT_VISIT_FAILED,       /* the load failed: timeout, 5xx, reset, WAF page, crash. Never evidence */
};

/* What kind of lookup a visit made: it decides what its miss proves. */
enum verdict_lookup {
    VERDICT_LOOKUP_AUTHORITATIVE, /* the site's own answer about this letter: query by code, detail URL */
    VERDICT_LOOKUP_LIST,          /* a public list or search: shows only what the site published */
    VERDICT_LOOKUP_SUBMIT,        /* the submission's own page: the letter reached the site */
};

struct verdict_visit {
    int64_t at_ms;
    enum verdict_visit_outcome outcome;
    enum verdict_lookup lookup;
    bool proves_absence;    /* LIST: the scenario says the list shows every new letter at once */
    bool found_elsewhere;   /* LIST, FOUND: found by other means than the list (its reply mail, while the
                               list failed): no sighting in the list, so no later miss can follow one */
    bool entry_page_ok;     /* the site's entry page loaded on this visit (deletion needs it) */
    bool has_reply;         /* FOUND only: a reply is shown */
    int64_t reply_shown_ms; /* the reply date the site shows; 0 if none or unparsed; date-only dates
                               may be given as any instant of that Beijing day */
    const char *state_text; /* borrowed, optional: 办理状态 as shown; not used by the rules */
};

enum verdict_reply_source {
    VERDICT_REPLY_NONE,     /* no reply seen */
    VERDICT_REPLY_SHOWN,    /* reply_day is the date the site shows */
    VERDICT_REPLY_OBSERVED, /* reply_day is the day huixin first saw the reply: an upper bound */
};

#define VERDICT_REASON_MAX 512

struct verdict_result {
    enum verdict_kind kind;
    int64_t submit_day;        /* Beijing day of submission; 0 when not submitted */
    int64_t deadline_day;      /* the last day of the deadline; 0 when not submitted */
    bool has_reply;
    int64_t reply_day;         /* when has_reply */
    enum verdict_reply_source reply_source;
    int workdays_taken;        /* has_reply: working days in (submit_day, reply_day] */
    int workdays_late;         /* LATE: working days in (deadline_day, reply_day] */
    int workdays_waited;       /* no reply: working days from submission to the last FOUND visit
                                  that saw none (0 if none) */
    bool is_possibly_backdated;
    bool is_reply_before_submission; /* the site shows a reply time earlier than the letter's own
                                        submission on the same day (a wrong clock, a 12-hour time read
                                        as morning): flagged, never silently accepted */
    int64_t window_from_ms;    /* last FOUND visit without a reply before the first with one; 0 if none */
    int64_t window_to_ms;      /* first FOUND visit with a reply; 0 if none */
    bool is_deleted;           /* the deletion rule holds (also beside a reply verdict) */
    int deletion_visits;       /* the counted NOT_FOUND visits */
    int64_t deleted_first_ms, deleted_last_ms;
    bool was_ever_found;       /* some visit found the letter */
    bool was_seen_in_list;     /* a list lookup showed it */
    bool is_unpublished;       /* never seen in a list, and healthy list lookups missed it (未公开) */
    int64_t last_list_miss_ms; /* the last healthy list miss that did not count as deletion; 0 if none */
    int64_t last_success_ms;   /* the last successful visit (FOUND, or NOT_FOUND with the entry page
                                  loaded); 0 if none */
    int64_t last_no_reply_ms;  /* the last FOUND visit that saw no reply (before the first reply, if
                                  any); 0 if none */
    bool veto_alarm;
    int64_t veto_day;          /* 0 when not submitted */
    char reason_en[VERDICT_REASON_MAX]; /* one line, e.g. "answered 2025-10-15, 6 working days ..." */
    char reason_zh[VERDICT_REASON_MAX];
};

/* The days of a letter sent at submitted_at_ms (not 0): out's submit_day, deadline_day and veto_day,
 * as verdict_decide sets them; nothing else of out is touched. */
void verdict_days(int64_t submitted_at_ms, const struct cal *cal, const struct verdict_rules *rules,
                  struct verdict_result *out);
/* Decides. visits need not be sorted (they are ordered by time, ties by index); rules NULL means the
 * defaults. Fills *out completely. */
void verdict_decide(const struct verdict_letter *letter, const struct verdict_visit *visits,
                    size_t n_visits, const struct cal *cal, const struct verdict_rules *rules,
                    int64_t now_ms, struct verdict_result *out);

/* "当日回复" ...; static strings (the zh column of verdict_kinds.def). */
const char *verdict_kind_name_zh(enum verdict_kind kind);
/* "same-day", "on-time", ...; static strings (the en column). */
const char *verdict_kind_name_en(enum verdict_kind kind);
/* Nothing later changes it: the letter is not revisited. */
bool verdict_kind_is_final(enum verdict_kind kind);
/* A change to it is alarming: an alert, a problem in the daily summary. */
bool verdict_kind_is_alarming(enum verdict_kind kind);
/* How bad it is for its site, worst highest (0 .. VERDICT_KIND_COUNT-1). */
int verdict_kind_severity(enum verdict_kind kind);
/* Either name (exact) -> kind: 0, or -1 when it is neither. */
int verdict_kind_from_name(const char *name, enum verdict_kind *kind_out);

/* The Beijing day `months` calendar months after `day`, clamped to the end of the month. */
int64_t verdict_months_add(int64_t day, int months);

#endif
