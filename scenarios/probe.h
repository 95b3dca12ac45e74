/* Zero-config probing of a mailbox form ('huixin probe URL'): with no scenario, find the form on a page
 * from its labels and attributes and write a DRAFT scenario (scenarios/FORMAT.md) that fills it with the
 * letter's variables, solves its captcha, sends it and looks for the usual success and failure words.
 * The analysis runs in the page (scenarios/probe_js.c); this side turns its answer into the draft and
 * outlines what it found on a screenshot, so a person can see at a glance what the draft will touch.
 * A draft is a starting point: the success words, the check phase and every guess are listed in its
 * site.notes for review. */
#ifndef HUIXIN_SCN_PROBE_H
#define HUIXIN_SCN_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct err;
struct page;

struct scn_probe_options {
    int timeout_ms;              /* loading the page, entering an iframe; 0 = 30000 */
    const char *screenshot_path; /* the outlined full-page PNG; NULL: none is taken */
};

struct scn_probe_result {
    char *draft;           /* the draft scenario: JSON text with a final newline */
    char *final_url;       /* where the probed URL ended up after redirects */
    char *frame;           /* the selector of the iframe that holds the form, or NULL */
    char *write_link;      /* the text of the 我要写信 link or button whose new window holds the form, or NULL */
    size_t n_fields;       /* the form's controls the draft fills, selects or chooses */
    bool has_captcha;
    int n_outlined;        /* elements outlined on the screenshot */
    int shot_width_px, shot_height_px;
};

/* Opens url on p, finds the mailbox form (in the page, in one of its iframes, or in the new window a
 * 我要写信 link or button opens: p is left there, and the draft clicks it), writes the outlined
 * screenshot and fills *out. ERR_SITE when the page does not load, ERR_NOT_FOUND when nothing on it
 * looks like a mailbox form (the screenshot is still taken). out is always initialized; release it. */
int scn_probe_run(struct page *p, const char *url, const struct scn_probe_options *o, struct scn_probe_result *out,
                  struct err *e);
void scn_probe_result_release(struct scn_probe_result *r);

/* Pure: the JSON the analysis returned (scn_probe_analyse_js) -> the draft scenario text (*draft_out)
 * and the marks to outline (*marks_out, a JSON array of {selector, label, color}); both the caller's
 * to free; marks_out may be NULL. probed_url gives ${base_url}; frame_selector (or NULL) says the form
 * is inside that iframe. The draft is checked with the scenario loader before it is returned:
 * ERR_INTERNAL if it would not pass 'huixin lint'; ERR_NOT_FOUND when the analysis found no form. */
int scn_probe_draft_build(const char *analysis_json, const char *probed_url, const char *frame_selector,
                          char **draft_out, char **marks_out, struct err *e);

/* The page-side code (scenarios/probe_js.c): an expression that returns the analysis, and a function
 * expression to call with the marks. */
extern const char scn_probe_analyse_js[];
extern const char scn_probe_outline_js[];

#endif
