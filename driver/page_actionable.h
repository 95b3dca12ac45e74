/* Actionability: before the driver acts on an element it waits, within the step's timeout, until the
 * element can really take the action, the way Playwright's and Puppeteer's locators do:
 *
 *   action   attached  visible  stable  enabled  editable  receives the click
 *   click       x         x        x       x                    x
 *   fill        x         x                x        x
 *   select      x                          x
 *   check       x                          x
 *
 * (select and check act through the element, so a native control hidden behind a styled one, as layui
 * and similar kits do, still works; fill focuses the field, so it must be visible.)
 *
 * The page answers with facts (page_element_facts, gathered by one script on the element); the pure
 * functions below judge them, so the rules are tested with tables (tests/unit/test_actionable.c).
 * A page that never lets the action happen gets an error that names the check that failed and what was
 * in the way: "'#agree' is disabled (text '请仔细阅读须知(3)')", "'#go' is covered by div.modal-mask
 * '网站声明'". `force` skips the checks (a step's last resort). Private to driver/. */
#ifndef HUIXIN_PAGE_ACTIONABLE_H
#define HUIXIN_PAGE_ACTIONABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct page;
struct err;

enum page_action_kind {
    PAGE_ACTION_CLICK,
    PAGE_ACTION_FILL,
    PAGE_ACTION_SELECT,
    PAGE_ACTION_CHECK,
};

/* What stands between the element and the action; PAGE_BLOCKER_NONE: it can act now. */
enum page_blocker {
    PAGE_BLOCKER_NONE,
    PAGE_BLOCKER_DETACHED,      /* the element left the document (the page re-drew it) */
    PAGE_BLOCKER_HIDDEN,        /* display:none, visibility:hidden, or an empty box */
    PAGE_BLOCKER_UNSTABLE,      /* its box moved between two animation frames (sliding in, growing) */
    PAGE_BLOCKER_DISABLED,      /* disabled, aria-disabled="true", or inside a disabled fieldset */
    PAGE_BLOCKER_READONLY,      /* fill: readonly */
    PAGE_BLOCKER_COVERED,       /* click: another element takes the click at its centre */
    PAGE_BLOCKER_OFF_PAGE,      /* click: no box to click on (no content quads, or a frame off screen) */
};

struct page_box {
    double x, y, width, height;
};

/* One look at an element (the facts script's answer). Strings are owned (page_element_facts_release). */
struct page_element_facts {
    bool is_connected;
    struct page_box box_before, box_after; /* two animation frames apart (clicks; one look otherwise) */
    char *display, *visibility;            /* computed style */
    bool is_disabled;                      /* a form control matching :disabled (attribute or fieldset) */
    bool is_aria_disabled;                 /* itself or an ancestor has aria-disabled="true" */
    bool is_in_disabled_fieldset;
    bool is_readonly;
    char *describe;                        /* "button#agree.btn", for messages */
    char *text;                            /* its text, whitespace folded, at most 60 characters */
};

/* Where a click at the element's centre would land (the hit-test script's answer). */
enum page_hit {
    PAGE_HIT_SELF,     /* the element or something inside it */
    PAGE_HIT_LABEL,    /* a <label> whose control is the element: a click there reaches it */
    PAGE_HIT_OTHER,    /* something else: an overlay, a mask, a neighbour */
    PAGE_HIT_NOTHING,  /* outside the viewport */
};

struct page_hit_facts {
    enum page_hit hit;
    char *describe, *text; /* OTHER: what is there ("div.modal-mask", "网站声明") */
};

/* Parses the facts script's answer; false when it is not one (then f is still safe to release). */
bool page_element_facts_parse(json_t *v, struct page_element_facts *f);
void page_element_facts_release(struct page_element_facts *f);
bool page_hit_facts_parse(json_t *v, struct page_hit_facts *h);
void page_hit_facts_release(struct page_hit_facts *h);

/* The same box, to the fraction of a pixel (as Playwright's stability check): a box that moved at all
 * between two frames is moving. */
bool page_box_is_stable(const struct page_box *before, const struct page_box *after);

/* What blocks the action, by the table above; the hit test is judged apart (page_hit_blocks). */
enum page_blocker page_element_judge(const struct page_element_facts *f, enum page_action_kind action);
/* PAGE_BLOCKER_COVERED or _OFF_PAGE when a click at the centre would not reach the element, else NONE. */
enum page_blocker page_hit_blocks(const struct page_hit_facts *h);

/* The sentence for a blocker: "'#agree' is disabled (text '请仔细阅读须知(3)')". what names the element as
 * the step did ("'#agree'", "the text '提交'"); facts and hit may be NULL. Caller frees. */
char *page_blocker_describe(enum page_blocker b, const char *what, const struct page_element_facts *f,
                            const struct page_hit_facts *hit);

/* The script that gathers page_element_facts, for Runtime.callFunctionOn on the element (it awaits
 * two animation frames). */
extern const char page_element_facts_js[];
/* The script that hit-tests the element's centre, for Runtime.callFunctionOn on the element. */
extern const char page_hit_facts_js[];

/* Looks at the element and judges it once for action (no hit test): 0 and *blocker set, or an error
 * when the page could not be asked. facts_out, when given, keeps what was seen (release it). */
int page_element_check(struct page *p, const char *object_id, enum page_action_kind action, enum page_blocker *blocker,
                       struct page_element_facts *facts_out, struct err *e);

#endif
