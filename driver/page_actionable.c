/* Actionability: the facts a page gives about an element, and the judgement on them (see
 * page_actionable.h). The waiting loops live with the actions (page_input.c). */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/page.h"
#include "driver/page_actionable.h"
#include "driver/page_internal.h"

/* The element's description and text, shared by both scripts (each runs alone, so each carries it). */
#define JS_DESCRIBE                                                                                      \
    "const describe=e=>{if(!e||!e.tagName)return '';let s=e.tagName.toLowerCase();if(e.id)s+='#'+e.id;"   \
    "if(typeof e.className==='string'&&e.className.trim())"                                              \
    "s+='.'+e.className.trim().split(/\\s+/).slice(0,2).join('.');return s;};"                           \
    "const textOf=e=>String(e.innerText||e.value||(e.getAttribute&&e.getAttribute('aria-label'))||'')"    \
    ".replace(/\\s+/g,' ').trim().slice(0,60);"

/* Two animation frames apart, the element's box, when the action needs it still (its argument true: a
 * click lands where the box was); a page whose frames do not come (a background tab) falls back to a
 * timer so the look never hangs. Actions made through the element (fill, select, check) look once. */
const char page_element_facts_js[] =
    "async function(needsStable){const el=this;" JS_DESCRIBE
    "if(!el.isConnected)return {connected:false};"
    "const box=()=>{const r=el.getBoundingClientRect();return [r.left,r.top,r.width,r.height];};"
    "const frame=()=>new Promise(res=>{let done=false;requestAnimationFrame(()=>{done=true;res();});"
    "setTimeout(()=>{if(!done)res();},100);});"
    "const before=box();if(needsStable){await frame();await frame();}const after=box();"
    "if(!el.isConnected)return {connected:false};"
    "const s=getComputedStyle(el);"
    "const control=['BUTTON','INPUT','SELECT','TEXTAREA','OPTION','OPTGROUP','FIELDSET'].includes(el.tagName);"
    "let inFieldset=false;if(control){const f=el.parentElement&&el.parentElement.closest('fieldset[disabled]');"
    "if(f){const lg=f.querySelector(':scope > legend');inFieldset=!(lg&&lg.contains(el));}}"
    "return {connected:true,before:before,after:after,display:s.display,visibility:s.visibility,"
    "disabled:control&&el.matches(':disabled'),"
    "ariaDisabled:!!(el.closest&&el.closest('[aria-disabled=\"true\"]')),"
    "inDisabledFieldset:inFieldset,readonly:('readOnly' in el)&&el.readOnly===true,"
    "describe:describe(el),text:textOf(el)};}";

/* What a click at the centre of the element's box would hit, asked in the frame's own coordinates. */
const char page_hit_facts_js[] =
    "function(){" JS_DESCRIBE
    "const r=this.getBoundingClientRect();const t=document.elementFromPoint(r.left+r.width/2,r.top+r.height/2);"
    "if(!t)return {hit:'nothing'};if(t===this||this.contains(t))return {hit:'self'};"
    "const l=t.closest&&t.closest('label');if(l&&l.control===this)return {hit:'label'};"
    /* an overlay's own text says what it is ("网站声明"); a bare child of it says less */
    "let c=t;while(c.parentElement&&c.parentElement!==document.body&&!textOf(c))c=c.parentElement;"
    "return {hit:'other',describe:describe(t),text:textOf(c)};}";

static char *dup_string(json_t *v, const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));
    return s ? xstrdup(s) : NULL;
}

static bool box_parse(json_t *a, struct page_box *b)
{
    if (json_array_size(a) != 4)
        return false;
    double *out[] = {&b->x, &b->y, &b->width, &b->height};
    for (size_t i = 0; i < 4; i++) {
        json_t *n = json_array_get(a, i);
        if (!json_is_number(n))
            return false;
        *out[i] = json_number_value(n);
    }
    return true;
}

bool page_element_facts_parse(json_t *v, struct page_element_facts *f)
{
    memset(f, 0, sizeof *f);
    if (!json_is_object(v))
        return false;
    f->is_connected = json_is_true(json_object_get(v, "connected"));
    if (!f->is_connected)
        return json_is_false(json_object_get(v, "connected"));
    if (!box_parse(json_object_get(v, "before"), &f->box_before) ||
        !box_parse(json_object_get(v, "after"), &f->box_after))
        return false;
    f->display = dup_string(v, "display");
    f->visibility = dup_string(v, "visibility");
    f->is_disabled = json_is_true(json_object_get(v, "disabled"));
    f->is_aria_disabled = json_is_true(json_object_get(v, "ariaDisabled"));
    f->is_in_disabled_fieldset = json_is_true(json_object_get(v, "inDisabledFieldset"));
    f->is_readonly = json_is_true(json_object_get(v, "readonly"));
    f->describe = dup_string(v, "describe");
    f->text = dup_string(v, "text");
    return true;
}

void page_element_facts_release(struct page_element_facts *f)
{
    if (!f)
        return;
    free(f->display);
    free(f->visibility);
    free(f->describe);
    free(f->text);
    memset(f, 0, sizeof *f);
}

bool page_hit_facts_parse(json_t *v, struct page_hit_facts *h)
{
    memset(h, 0, sizeof *h);
    const char *hit = json_string_value(json_object_get(v, "hit"));
    if (!hit)
        return false;
    if (strcmp(hit, "self") == 0)
        h->hit = PAGE_HIT_SELF;
    else if (strcmp(hit, "label") == 0)
        h->hit = PAGE_HIT_LABEL;
    else if (strcmp(hit, "other") == 0)
        h->hit = PAGE_HIT_OTHER;
    else if (strcmp(hit, "nothing") == 0)
        h->hit = PAGE_HIT_NOTHING;
    else
        return false;
    h->describe = dup_string(v, "describe");
    h->text = dup_string(v, "text");
    return true;
}

void page_hit_facts_release(struct page_hit_facts *h)
{
    if (!h)
        return;
    free(h->describe);
    free(h->text);
    memset(h, 0, sizeof *h);
}

bool page_box_is_stable(const struct page_box *a, const struct page_box *b)
{
    /* exactly: a laid-out page gives the same numbers frame after frame, while a slow animation moves
     * its box by less than a pixel a frame (a pulsing button), which a tolerance would call still */
    return a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height;
}

static bool is_hidden(const struct page_element_facts *f)
{
    if (f->display && strcmp(f->display, "none") == 0)
        return true;
    if (f->visibility && (strcmp(f->visibility, "hidden") == 0 || strcmp(f->visibility, "collapse") == 0))
        return true;
    return !(f->box_after.width > 0 && f->box_after.height > 0);
}

enum page_blocker page_element_judge(const struct page_element_facts *f, enum page_action_kind action)
{
    if (!f->is_connected)
        return PAGE_BLOCKER_DETACHED;
    bool needs_visible = action == PAGE_ACTION_CLICK || action == PAGE_ACTION_FILL;
    if (needs_visible && is_hidden(f))
        return PAGE_BLOCKER_HIDDEN;
    if (action == PAGE_ACTION_CLICK && !page_box_is_stable(&f->box_before, &f->box_after))
        return PAGE_BLOCKER_UNSTABLE;
    if (f->is_disabled || f->is_aria_disabled || f->is_in_disabled_fieldset)
        return PAGE_BLOCKER_DISABLED;
    if (action == PAGE_ACTION_FILL && f->is_readonly)
        return PAGE_BLOCKER_READONLY;
    return PAGE_BLOCKER_NONE;
}

enum page_blocker page_hit_blocks(const struct page_hit_facts *h)
{
    switch (h->hit) {
    case PAGE_HIT_SELF:
    case PAGE_HIT_LABEL:
        return PAGE_BLOCKER_NONE;
    case PAGE_HIT_OTHER:
        return PAGE_BLOCKER_COVERED;
    case PAGE_HIT_NOTHING:
        return PAGE_BLOCKER_OFF_PAGE;
    }
    return PAGE_BLOCKER_OFF_PAGE;
}

/* " (text '...')" when the element shows any */
static void text_note(struct buf *b, const char *text)
{
    if (text && *text)
        buf_printf(b, " (text '%s')", text);
}

char *page_blocker_describe(enum page_blocker blk, const char *what, const struct page_element_facts *f,
                            const struct page_hit_facts *hit)
{
    struct buf b;
    buf_init(&b);
    buf_append_str(&b, what);
    switch (blk) {
    case PAGE_BLOCKER_NONE:
        buf_append_str(&b, " can take the action");
        break;
    case PAGE_BLOCKER_DETACHED:
        buf_append_str(&b, " was removed from the page");
        break;
    case PAGE_BLOCKER_HIDDEN:
        if (f && f->display && strcmp(f->display, "none") == 0)
            buf_append_str(&b, " is not visible (display:none)");
        else if (f && f->visibility && strcmp(f->visibility, "visible") != 0)
            buf_printf(&b, " is not visible (visibility:%s)", f->visibility);
        else if (f)
            buf_printf(&b, " is not visible (its box is %.0fx%.0f)", f->box_after.width, f->box_after.height);
        else
            buf_append_str(&b, " is not visible");
        break;
    case PAGE_BLOCKER_UNSTABLE:
        buf_append_str(&b, " is still moving (its box changed between two animation frames)");
        break;
    case PAGE_BLOCKER_DISABLED:
        if (f && f->is_in_disabled_fieldset && !f->is_aria_disabled)
            buf_append_str(&b, " is inside a disabled fieldset");
        else if (f && f->is_aria_disabled && !f->is_disabled)
            buf_append_str(&b, " is disabled (aria-disabled)");
        else
            buf_append_str(&b, " is disabled");
        text_note(&b, f ? f->text : NULL);
        break;
    case PAGE_BLOCKER_READONLY:
        buf_append_str(&b, " is readonly");
        break;
    case PAGE_BLOCKER_COVERED:
        buf_printf(&b, " is covered by %s", hit && hit->describe && *hit->describe ? hit->describe : "another element");
        if (hit && hit->text && *hit->text)
            buf_printf(&b, " '%s'", hit->text);
        break;
    case PAGE_BLOCKER_OFF_PAGE:
        buf_append_str(&b, " has no box on the page to click");
        break;
    }
    return buf_detach(&b);
}

int page_element_check(struct page *p, const char *object_id, enum page_action_kind action, enum page_blocker *blocker,
                       struct page_element_facts *facts_out, struct err *e)
{
    json_t *v = NULL;
    struct page_element_facts f;
    memset(&f, 0, sizeof f);
    int rc = page_object_call(p, object_id, page_element_facts_js, json_pack("[b]", action == PAGE_ACTION_CLICK),
                              &v, e);
    if (rc != 0)
        goto out;
    if (!page_element_facts_parse(v, &f)) {
        rc = err_set(e, ERR_BROWSER, "the page gave no facts about the element");
        goto out;
    }
    *blocker = page_element_judge(&f, action);
out:
    json_decref(v);
    if (rc == 0 && facts_out)
        *facts_out = f;
    else
        page_element_facts_release(&f);
    return rc;
}
