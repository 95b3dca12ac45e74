#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_actionable.h"
#include "driver/page_internal.h"

int page_element_wait(struct page *p, const char *selector, bool must_be_visible, int timeout_ms, char **object_id,
                      struct err *e)
{
    int rc = 0;
    char *q = page_js_quote(selector);
    char *cond = xasprintf("()=>{const e=document.querySelector(%s);if(!e)return null;%s return e;}", q,
                           must_be_visible ? "if(!(" PAGE_JS_IS_VISIBLE ")(e))return null;" : "");
    char *expr = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    *object_id = NULL;
    for (;;) {
        struct err ee;
        err_init(&ee);
        json_t *obj = NULL;
        int64_t left = deadline - clock_mono_ms();
        free(expr);
        expr = page_js_wait_expr(cond, left < PAGE_WAIT_SLICE_MS ? (left < 1 ? 1 : (int)left) : PAGE_WAIT_SLICE_MS);
        int r = page_frame_eval(p, expr, false, left < 1 ? 1 : (int)left, &obj, &ee);
        const char *id = json_string_value(json_object_get(obj, "objectId"));
        if (r == 0 && id) {
            *object_id = xstrdup(id);
            json_decref(obj);
            goto out;
        }
        json_decref(obj);
        if ((rc = page_check_alive(p, e)) != 0)
            goto out;
        if (r == ERR_SITE && strstr(ee.msg, "SyntaxError")) {
            rc = err_set(e, ERR_INPUT, "'%s' is not a valid CSS selector: %s", selector, ee.msg);
            goto out;
        }
        if (clock_mono_ms() >= deadline) {
            /* a look that the page never answered is no proof the element is missing: say which */
            if (r == ERR_TIMEOUT)
                rc = err_set(e, ERR_TIMEOUT, "no %selement matches '%s' after %d ms: the page did not answer (%s)",
                             must_be_visible ? "visible " : "", selector, timeout_ms, ee.msg);
            else
                rc = err_set(e, ERR_TIMEOUT, "no %selement matches '%s' after %d ms",
                             must_be_visible ? "visible " : "", selector, timeout_ms);
            goto out;
        }
        if (r != 0) /* the page answered at once with an error (its document went away): not in a loop */
            page_sleep(p, 100);
        page_window_armed_follow(p);
    }
out:
    free(expr);
    free(cond);
    free(q);
    return rc;
}

/* How an action finds its element (again, when the page re-drew it): 0 and *object_id, or an error
 * (nothing matches within timeout_ms). */
struct element_finder {
    int (*find)(struct page *p, const struct element_finder *f, int timeout_ms, char **object_id, struct err *e);
    const char *selector; /* by selector; or: */
    const char *scope, *text; /* by its text, within scope */
};

static int find_by_selector(struct page *p, const struct element_finder *f, int timeout_ms, char **object_id,
                            struct err *e)
{
    return page_element_wait(p, f->selector, false, timeout_ms, object_id, e);
}

/* The spot a click at the element's centre lands on, in the main viewport: scrolled into view first.
 * 1 when it moved the page (look again), 0 with *cx, *cy, or an error; *blocker says when there is no
 * box to click. */
static int click_point(struct page *p, const char *obj, double *cx, double *cy, enum page_blocker *blocker,
                       struct err *e)
{
    json_t *quads = NULL;
    int rc = 0;
    *blocker = PAGE_BLOCKER_NONE;
    /* scrollIntoViewIfNeeded answers an error for an element without layout: judged below */
    page_frame_call(p, "DOM.scrollIntoViewIfNeeded", json_pack("{s:s}", "objectId", obj), 0, NULL, NULL);
    if ((rc = page_frame_call(p, "DOM.getContentQuads", json_pack("{s:s}", "objectId", obj), 0, &quads, e)) != 0)
        goto out;
    json_t *q = json_array_get(json_object_get(quads, "quads"), 0);
    if (json_array_size(q) < 8) {
        *blocker = PAGE_BLOCKER_OFF_PAGE;
        goto out;
    }
    *cx = *cy = 0;
    for (size_t k = 0; k < 4; k++) {
        *cx += json_number_value(json_array_get(q, 2 * k)) / 4;
        *cy += json_number_value(json_array_get(q, 2 * k + 1)) / 4;
    }
    double ox, oy;
    if ((rc = page_frame_offset(p, &ox, &oy, e)) != 0)
        goto out;
    /* Inside an iframe, scrolling the element into view within its frame is not enough: the frame itself
     * may sit below the main viewport, and a point outside it neither hit-tests nor takes a click. Bring
     * the spot into the main viewport first. */
    if (p->frames_len > 1) {
        double vx = *cx + ox, vy = *cy + oy;
        if (vy < 0 || vy >= p->b->height || vx < 0 || vx >= p->b->width) {
            char *js = xasprintf("window.scrollBy(%.0f,%.0f)", vx < 0 || vx >= p->b->width ? vx - p->b->width / 2.0 : 0,
                                 vy - p->b->height / 2.0);
            rc = page_call(p, "Runtime.evaluate", json_pack("{s:s}", "expression", js), 0, NULL, e);
            free(js);
            if (rc == 0)
                rc = 1;
            goto out;
        }
    }
    *cx += ox;
    *cy += oy;
out:
    json_decref(quads);
    return rc;
}

/* Waits until the element can take the action (page_actionable.h): attached, and as the action needs
 * visible, stable, enabled, editable, and for a click, reached by a click at its centre, whose point
 * in the main viewport goes to *cx, *cy. Finds the element again when the page re-drew it. Each look is
 * retried as the page changes until timeout_ms; then the error names the check that failed and what
 * was in the way. force skips the checks (the element must still be there). */
static int actionable_wait(struct page *p, const struct element_finder *finder, enum page_action_kind action, bool force,
                           const char *what, int timeout_ms, char **obj, double *cx, double *cy, struct err *e)
{
    static const int backoff_ms[] = {0, 20, 100, 100, 500};
    int rc = 0;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    struct page_element_facts facts;
    struct page_hit_facts hit;
    memset(&facts, 0, sizeof facts);
    memset(&hit, 0, sizeof hit);
    enum page_blocker blocker = PAGE_BLOCKER_NONE;
    for (size_t round = 0;; round++) {
        page_element_facts_release(&facts);
        page_hit_facts_release(&hit);
        if (!*obj) {
            int64_t left = deadline - clock_mono_ms();
            if ((rc = finder->find(p, finder, left < 1 ? 1 : (int)left, obj, e)) != 0)
                goto out;
        }
        blocker = PAGE_BLOCKER_NONE;
        if (!force) {
            struct err ce;
            err_init(&ce);
            if (page_element_check(p, *obj, action, &blocker, &facts, &ce) != 0) {
                if ((rc = page_check_alive(p, e)) != 0)
                    goto out;
                blocker = PAGE_BLOCKER_DETACHED; /* its object is gone with the document that held it */
            }
        }
        if (blocker == PAGE_BLOCKER_NONE && action == PAGE_ACTION_CLICK) {
            int moved = click_point(p, *obj, cx, cy, &blocker, e);
            if (moved < 0) {
                rc = moved;
                goto out;
            }
            if (moved == 1)
                continue;
            if (blocker == PAGE_BLOCKER_NONE && !force) {
                json_t *v = NULL;
                if ((rc = page_object_call(p, *obj, page_hit_facts_js, json_array(), &v, e)) != 0)
                    goto out;
                if (page_hit_facts_parse(v, &hit))
                    blocker = page_hit_blocks(&hit);
                json_decref(v);
            }
        }
        if (blocker == PAGE_BLOCKER_NONE)
            goto out;
        if (blocker == PAGE_BLOCKER_DETACHED) {
            page_object_release(p, *obj);
            free(*obj);
            *obj = NULL;
        }
        if ((rc = page_check_alive(p, e)) != 0)
            goto out;
        if (clock_mono_ms() >= deadline) {
            char *why = page_blocker_describe(blocker, what, &facts, &hit);
            rc = err_set(e, ERR_SITE, "%s after %d ms", why, timeout_ms);
            free(why);
            goto out;
        }
        int nap = backoff_ms[round < ARRAY_LEN(backoff_ms) ? round : ARRAY_LEN(backoff_ms) - 1];
        if (nap > 0)
            page_sleep(p, nap);
    }
out:
    if (rc == 0 && blocker != PAGE_BLOCKER_NONE)
        rc = err_set(e, ERR_INTERNAL, "actionable_wait ended with a blocker");
    page_element_facts_release(&facts);
    page_hit_facts_release(&hit);
    return rc;
}

/* Finds the element by selector and waits until it can take the action (not a click). */
static int element_actionable(struct page *p, const char *selector, enum page_action_kind action, bool force,
                              int timeout_ms, char **obj, struct err *e)
{
    struct element_finder finder = {.find = find_by_selector, .selector = selector};
    char *what = xasprintf("'%s'", selector);
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    *obj = NULL;
    int rc = actionable_wait(p, &finder, action, force, what, timeout_ms, obj, NULL, NULL, e);
    free(what);
    return rc;
}

int page_press_point_wait(struct page *p, const char *selector, int timeout_ms, double *cx, double *cy, struct err *e)
{
    struct element_finder finder = {.find = find_by_selector, .selector = selector};
    char *what = xasprintf("'%s'", selector);
    char *obj = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int rc = actionable_wait(p, &finder, PAGE_ACTION_CLICK, false, what, timeout_ms, &obj, cx, cy, e);
    page_object_release(p, obj);
    free(obj);
    free(what);
    return rc;
}

int page_fill(struct page *p, const char *selector, const char *text, int timeout_ms, struct err *e)
{
    return page_fill_with(p, selector, text, &(struct page_action){.timeout_ms = timeout_ms}, e);
}

int page_fill_with(struct page *p, const char *selector, const char *text, const struct page_action *a,
                   struct err *e)
{
    char *obj = NULL;
    json_t *v = NULL;
    int rc = element_actionable(p, selector, PAGE_ACTION_FILL, a->force, a->timeout_ms, &obj, e);
    if (rc != 0)
        goto out;
    /* focus and select what is there, so the typed text replaces it */
    rc = page_object_call(p, obj,
                          "function(){this.scrollIntoView({block:'center',inline:'center'});this.focus();"
                          "if(typeof this.select==='function')this.select();"
                          "else if(this.isContentEditable){const r=document.createRange();r.selectNodeContents(this);"
                          "const s=getSelection();s.removeAllRanges();s.addRange(r);}"
                          "return document.activeElement===this||this.contains(document.activeElement);}",
                          NULL, &v, e);
    if (rc != 0)
        goto out;
    if (!json_is_true(v)) {
        rc = err_set(e, ERR_SITE, "fill '%s': the element does not take the focus (disabled or not a field?)",
                     selector);
        goto out;
    }
    if (*text) {
        /* one insertText: Chinese cannot be typed as key events; input goes to the focused frame */
        rc = page_call(p, "Input.insertText", json_pack("{s:s}", "text", text), 0, NULL, e);
    } else {
        rc = page_object_call(p, obj, "function(){if('value' in this)this.value='';else this.textContent='';}",
                              NULL, NULL, e);
    }
    if (rc != 0)
        goto out;
    json_decref(v);
    v = NULL;
    /* let the page's own validation run, then check what the field holds */
    rc = page_object_call(p, obj,
                          "function(t){this.dispatchEvent(new Event('input',{bubbles:true}));"
                          "this.dispatchEvent(new Event('change',{bubbles:true}));"
                          "if(!('value' in this))return true;"
                          "if(this.value===t)return true;"
                          "const d=Object.getOwnPropertyDescriptor(Object.getPrototypeOf(this),'value');"
                          "if(d&&d.set)d.set.call(this,t);else this.value=t;"
                          "this.dispatchEvent(new Event('input',{bubbles:true}));"
                          "this.dispatchEvent(new Event('change',{bubbles:true}));"
                          "return this.value===t?true:this.value;}",
                          json_pack("[s]", text), &v, e);
    if (rc != 0)
        goto out;
    if (!json_is_true(v))
        rc = err_set(e, ERR_SITE, "fill '%s': the field holds '%.200s' after filling, expected '%.200s' (maxlength?)",
                     selector, json_is_string(v) ? json_string_value(v) : "?", text);
out:
    json_decref(v);
    page_object_release(p, obj);
    free(obj);
    return rc;
}

int page_select(struct page *p, const char *selector, const char *choice, bool by_visible_text, int timeout_ms,
                struct err *e)
{
    return page_select_with(p, selector, choice, by_visible_text, &(struct page_action){.timeout_ms = timeout_ms}, e);
}

int page_select_with(struct page *p, const char *selector, const char *choice, bool by_visible_text,
                     const struct page_action *a, struct err *e)
{
    char *obj = NULL;
    json_t *v = NULL;
    int timeout_ms = a->timeout_ms > 0 ? a->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    int rc = element_actionable(p, selector, PAGE_ACTION_SELECT, a->force, timeout_ms, &obj, e);
    if (rc != 0)
        goto out;
again:
    json_decref(v);
    v = NULL;
    rc = page_object_call(p, obj,
                          "function(c,byText){if(this.tagName!=='SELECT')return {err:'not a <select> but <'+"
                          "this.tagName.toLowerCase()+'>'};"
                          "const norm=s=>s.replace(/\\s+/g,' ').trim();"
                          "const o=[...this.options].find(o=>byText?norm(o.text)===norm(c):o.value===c);"
                          "if(!o)return {err:'no option',have:[...this.options].map(o=>byText?norm(o.text):o.value)};"
                          "this.value=o.value;o.selected=true;"
                          "this.dispatchEvent(new Event('input',{bubbles:true}));"
                          "this.dispatchEvent(new Event('change',{bubbles:true}));return {ok:true};}",
                          json_pack("[s,b]", choice, by_visible_text), &v, e);
    if (rc != 0)
        goto out;
    if (!json_is_true(json_object_get(v, "ok"))) {
        const char *why = json_string_value(json_object_get(v, "err"));
        /* a list filled by the page's own script after load (departments by XHR): wait for the option */
        if (why && strcmp(why, "no option") == 0 && clock_mono_ms() < deadline) {
            page_sleep(p, 200);
            goto again;
        }
        char *have = json_dumps(json_object_get(v, "have"), JSON_COMPACT | JSON_ENCODE_ANY);
        rc = err_set(e, ERR_SITE, "select '%s': %s %s '%s'%s%s%.500s", selector, why ? why : "failed",
                     by_visible_text ? "with the text" : "with the value", choice,
                     why && strcmp(why, "no option") == 0 ? " appeared within the timeout" : "",
                     have ? "; the options are " : "", have ? have : "");
        free(have);
    }
out:
    json_decref(v);
    page_object_release(p, obj);
    free(obj);
    return rc;
}

int page_set_checked(struct page *p, const char *selector, bool checked, int timeout_ms, struct err *e)
{
    return page_set_checked_with(p, selector, checked, &(struct page_action){.timeout_ms = timeout_ms}, e);
}

int page_set_checked_with(struct page *p, const char *selector, bool checked, const struct page_action *a,
                          struct err *e)
{
    char *obj = NULL;
    json_t *v = NULL;
    int rc = element_actionable(p, selector, PAGE_ACTION_CHECK, a->force, a->timeout_ms, &obj, e);
    if (rc != 0)
        goto out;
    /* click() toggles like a person would (radio groups, the page's own handlers); fall back to the property */
    rc = page_object_call(p, obj,
                          "function(want){if(!('checked' in this))return 'not a checkbox or radio but <'+"
                          "this.tagName.toLowerCase()+'>';"
                          "if(this.checked!==want)this.click();"
                          "if(this.checked!==want){this.checked=want;"
                          "this.dispatchEvent(new Event('input',{bubbles:true}));"
                          "this.dispatchEvent(new Event('change',{bubbles:true}));}"
                          "return this.checked===want?true:'the page keeps it '+(this.checked?'checked':'unchecked');}",
                          json_pack("[b]", checked), &v, e);
    if (rc == 0 && !json_is_true(v))
        rc = err_set(e, ERR_SITE, "set '%s' %s: %s", selector, checked ? "checked" : "unchecked",
                     json_is_string(v) ? json_string_value(v) : "failed");
out:
    json_decref(v);
    page_object_release(p, obj);
    free(obj);
    return rc;
}

/* What to add to the current frame's quads (DOM.getContentQuads) to get the main frame's viewport
 * coordinates. Quads of an in-process iframe are already relative to its local root (the main frame
 * or the enclosing out-of-process frame); only an out-of-process frame starts a coordinate space of
 * its own, so only their owners' content boxes are added. */
int page_frame_offset(struct page *p, double *x, double *y, struct err *e)
{
    *x = *y = 0;
    for (size_t i = 1; i < p->frames_len; i++) {
        struct page_frame *f = &p->frames[i];
        if (!f->is_oopif)
            continue;
        json_t *owner = NULL, *quads = NULL;
        int rc = page_check_alive(p, e);
        if (rc == 0)
            rc = cdp_call(p->b->cdp, f->parent_session, "DOM.getFrameOwner", json_pack("{s:s}", "frameId", f->frame_id),
                          0, &owner, e);
        if (rc == 0)
            rc = cdp_call(p->b->cdp, f->parent_session, "DOM.getContentQuads",
                          json_pack("{s:O}", "backendNodeId", json_object_get(owner, "backendNodeId")), 0, &quads, e);
        json_t *q = json_array_get(json_object_get(quads, "quads"), 0);
        if (rc == 0 && json_array_size(q) >= 8) {
            *x += json_number_value(json_array_get(q, 0));
            *y += json_number_value(json_array_get(q, 1));
        } else if (rc == 0) {
            rc = err_set(e, ERR_SITE, "the iframe is not on screen (no content box)");
        }
        json_decref(owner);
        json_decref(quads);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Clicks where actionable_wait found the element can take it: real mouse events at (cx, cy), after
 * a->before_press. */
static int click_at(struct page *p, const char *obj, const char *what, double cx, double cy,
                    const struct page_action *a, struct err *e)
{
    int rc = 0;
    if (a->before_press && (rc = a->before_press(a->user, e)) != 0)
        return rc;
    /* A click into an out-of-process iframe that has just been drawn can be lost: the browser routes
     * input by the compositor's hit-test data, which may not have the frame yet. So the element
     * listens for the click (capture phase, so a click on a child counts), and a click it did not
     * receive is made again; a click whose page went away (it navigated) was delivered. */
    for (int attempt = 1;; attempt++) {
        json_t *armed = NULL;
        if ((rc = page_object_call(p, obj,
                                   "function(){this.__huixinClicked=false;const el=this;"
                                   "this.addEventListener('click',()=>{el.__huixinClicked=true;},"
                                   "{capture:true,once:true});return true;}",
                                   json_array(), &armed, e)) != 0)
            return rc;
        json_decref(armed);
        /* real mouse events on the page's own session: the browser routes them to the frame under them */
        const char *types[] = {"mouseMoved", "mousePressed", "mouseReleased"};
        char *window = xstrdup(p->session_id);
        for (size_t k = 0; k < ARRAY_LEN(types); k++) {
            json_t *params = json_pack("{s:s, s:f, s:f, s:s, s:i, s:i}", "type", types[k], "x", cx, "y", cy, "button",
                                       k == 0 ? "none" : "left", "buttons", k == 1 ? 1 : 0, "clickCount",
                                       k == 0 ? 0 : 1);
            if ((rc = page_call(p, "Input.dispatchMouseEvent", params, 0, NULL, e)) != 0) {
                /* a window that closed itself on the click (a 关闭 button) took the click: the page is
                 * back on its opener, and the click was made */
                bool closed_by_it = k > 0 && strcmp(p->session_id, window) != 0;
                free(window);
                if (closed_by_it && e)
                    err_init(e);
                return closed_by_it ? 0 : rc;
            }
        }
        free(window);
        json_t *got = NULL;
        struct err probe;
        err_init(&probe);
        bool delivered = page_object_call(p, obj, "function(){return this.__huixinClicked===true;}", json_array(),
                                          &got, &probe) != 0 ||
                         json_is_true(got);
        json_decref(got);
        if (delivered)
            return 0;
        if (attempt == 3)
            return err_set(e, ERR_SITE, "click %s: the element did not receive the click after %d tries", what,
                           attempt);
        log_debug("page", "click %s: not delivered, trying again", what);
        page_sleep(p, 150);
    }
}

static int click_found(struct page *p, const struct element_finder *finder, const char *what,
                       const struct page_action *a, struct err *e)
{
    char *obj = NULL;
    double cx = 0, cy = 0;
    int timeout_ms = a->timeout_ms > 0 ? a->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    int rc = actionable_wait(p, finder, PAGE_ACTION_CLICK, a->force, what, timeout_ms, &obj, &cx, &cy, e);
    if (rc == 0)
        rc = click_at(p, obj, what, cx, cy, a, e);
    page_object_release(p, obj);
    free(obj);
    return rc;
}

int page_click_with(struct page *p, const char *selector, const struct page_action *a, struct err *e)
{
    struct element_finder finder = {.find = find_by_selector, .selector = selector};
    char *what = xasprintf("'%s'", selector);
    int rc = click_found(p, &finder, what, a, e);
    free(what);
    return rc;
}

int page_click(struct page *p, const char *selector, int timeout_ms, struct err *e)
{
    return page_click_with(p, selector, &(struct page_action){.timeout_ms = timeout_ms}, e);
}

/* the deepest visible element whose own text is the text, within the scope */
static int find_by_text(struct page *p, const struct element_finder *f, int timeout_ms, char **object_id,
                        struct err *e)
{
    int rc = 0;
    char *qs = page_js_quote(f->scope ? f->scope : "html");
    char *qt = page_js_quote(f->text);
    char *expr = xasprintf(
        "(()=>{const root=document.querySelector(%s);if(!root)return null;const want=%s.replace(/\\s+/g,' ').trim();"
        "const vis=" PAGE_JS_IS_VISIBLE ";let best=null;"
        "for(const el of root.querySelectorAll('*')){const t=(el.innerText||el.value||'').replace(/\\s+/g,' ').trim();"
        "if(t===want&&vis(el))best=el;}return best;})()",
        qs, qt);
    int64_t deadline = clock_mono_ms() + timeout_ms;
    *object_id = NULL;
    for (;;) {
        json_t *res = NULL;
        int64_t left = deadline - clock_mono_ms();
        int r = page_frame_eval(p, expr, false, left < 1 ? 1 : (int)left, &res, NULL);
        const char *id = json_string_value(json_object_get(res, "objectId"));
        if (r == 0 && id)
            *object_id = xstrdup(id);
        json_decref(res);
        if (*object_id)
            break;
        if ((rc = page_check_alive(p, e)) != 0)
            break;
        if (clock_mono_ms() >= deadline) {
            rc = err_set(e, ERR_TIMEOUT, "no visible element with the text '%s'%s%s after %d ms", f->text,
                         f->scope ? " in " : "", f->scope ? f->scope : "", timeout_ms);
            break;
        }
        page_sleep(p, 100);
    }
    free(expr);
    free(qt);
    free(qs);
    return rc;
}

int page_click_text_with(struct page *p, const char *scope_selector, const char *text, const struct page_action *a,
                         struct err *e)
{
    struct element_finder finder = {.find = find_by_text, .scope = scope_selector, .text = text};
    char *what = xasprintf("the text '%s'", text);
    int rc = click_found(p, &finder, what, a, e);
    free(what);
    return rc;
}

int page_click_text(struct page *p, const char *scope_selector, const char *text, int timeout_ms, struct err *e)
{
    return page_click_text_with(p, scope_selector, text, &(struct page_action){.timeout_ms = timeout_ms}, e);
}

/* ---- frames ---- */

static const struct page_child *page_child_by_target(const struct page *p, const char *target)
{
    for (size_t i = 0; i < p->children_len; i++)
        if (strcmp(p->children[i].target_id, target) == 0)
            return &p->children[i];
    return NULL;
}

/* Pushes the frame once its documents are reachable: an OOPIF's own session, or a context in this one. */
static int page_frame_push(struct page *p, const char *frame_id, const char *parent_session, int64_t deadline,
                           struct err *e)
{
    if (p->frames_len == ARRAY_LEN(p->frames))
        return err_set(e, ERR_INPUT, "frames nested deeper than %zu", ARRAY_LEN(p->frames) - 1);
    for (;;) {
        const struct page_child *ch = page_child_by_target(p, frame_id);
        bool has_context = false;
        for (size_t i = 0; i < p->contexts_len && !ch; i++)
            if (p->contexts[i].is_default && strcmp(p->contexts[i].frame_id, frame_id) == 0 &&
                strcmp(p->contexts[i].session_id, parent_session) == 0)
                has_context = true;
        if (ch || has_context) {
            struct page_frame *f = &p->frames[p->frames_len++];
            f->frame_id = xstrdup(frame_id);
            f->session_id = xstrdup(ch ? ch->session_id : parent_session);
            f->parent_session = xstrdup(parent_session);
            f->is_oopif = ch != NULL;
            return 0;
        }
        int rc = page_check_alive(p, e);
        if (rc != 0)
            return rc;
        if (clock_mono_ms() >= deadline)
            return err_set(e, ERR_TIMEOUT, "the iframe's document did not appear in time");
        page_sleep(p, 50);
    }
}

static bool page_frame_tree_find(json_t *tree, const char *url_part, const char **frame_id)
{
    json_t *children = json_object_get(tree, "childFrames");
    size_t i;
    json_t *ch;
    json_array_foreach(children, i, ch) {
        json_t *f = json_object_get(ch, "frame");
        const char *url = json_string_value(json_object_get(f, "url"));
        if (url && strstr(url, url_part)) {
            *frame_id = json_string_value(json_object_get(f, "id"));
            return true;
        }
        if (page_frame_tree_find(ch, url_part, frame_id))
            return true;
    }
    return false;
}

int page_frame_enter(struct page *p, const char *selector, const char *url_part, int timeout_ms, struct err *e)
{
    int rc = 0;
    char *obj = NULL;
    json_t *res = NULL;
    if (timeout_ms <= 0)
        timeout_ms = DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    if (selector) {
        if ((rc = page_element_wait(p, selector, false, timeout_ms, &obj, e)) != 0)
            goto out;
        for (;;) { /* an iframe gets its frame id once it starts loading */
            json_decref(res);
            res = NULL;
            if ((rc = page_frame_call(p, "DOM.describeNode", json_pack("{s:s}", "objectId", obj), 0, &res, e)) != 0)
                goto out;
            json_t *node = json_object_get(res, "node");
            const char *name = json_string_value(json_object_get(node, "nodeName"));
            if (name && strcasecmp(name, "iframe") != 0 && strcasecmp(name, "frame") != 0) {
                rc = err_set(e, ERR_SITE, "'%s' is a <%s>, not an iframe", selector, name);
                goto out;
            }
            const char *frame_id = json_string_value(json_object_get(node, "frameId"));
            if (frame_id) {
                const char *parent = p->frames[p->frames_len - 1].session_id;
                char *parent_copy = xstrdup(parent);
                rc = page_frame_push(p, frame_id, parent_copy, deadline, e);
                free(parent_copy);
                goto out;
            }
            if (clock_mono_ms() >= deadline) {
                rc = err_set(e, ERR_TIMEOUT, "the iframe '%s' has no document after %d ms", selector, timeout_ms);
                goto out;
            }
            page_sleep(p, 100);
        }
    }
    if (!url_part) {
        rc = err_set(e, ERR_USAGE, "page_frame_enter needs a selector or a URL part");
        goto out;
    }
    /* by URL: from the main frame's tree (it lists out-of-process iframes too) */
    page_frame_leave(p);
    for (;;) {
        json_decref(res);
        res = NULL;
        if ((rc = page_call(p, "Page.getFrameTree", NULL, 0, &res, e)) != 0)
            goto out;
        const char *frame_id = NULL;
        if (page_frame_tree_find(json_object_get(res, "frameTree"), url_part, &frame_id) && frame_id) {
            rc = page_frame_push(p, frame_id, p->session_id, deadline, e);
            goto out;
        }
        for (size_t i = 0; i < p->children_len; i++)
            if (strstr(p->children[i].url, url_part)) {
                char *id = xstrdup(p->children[i].target_id);
                rc = page_frame_push(p, id, p->session_id, deadline, e);
                free(id);
                goto out;
            }
        if (clock_mono_ms() >= deadline) {
            rc = err_set(e, ERR_TIMEOUT, "no iframe whose URL contains '%s' after %d ms", url_part, timeout_ms);
            goto out;
        }
        page_sleep(p, 100);
    }
out:
    if (rc != 0)
        err_prefix(e, "enter frame %s", selector ? selector : url_part);
    json_decref(res);
    if (obj && p->frames_len > 0) {
        /* the object lives in the frame we entered from */
        if (p->frames_len >= 2 && rc == 0) {
            cdp_send_ignored(p->b->cdp, p->frames[p->frames_len - 1].parent_session, "Runtime.releaseObject",
                             json_pack("{s:s}", "objectId", obj));
        } else {
            page_object_release(p, obj);
        }
    }
    free(obj);
    return rc;
}

void page_frame_leave(struct page *p)
{
    while (p->frames_len > 1) {
        struct page_frame *f = &p->frames[--p->frames_len];
        free(f->frame_id);
        free(f->session_id);
        free(f->parent_session);
        memset(f, 0, sizeof *f);
    }
}
