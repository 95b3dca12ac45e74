/* huixin probe: the page's analysis (scenarios/probe_js.c) -> a draft scenario and an outlined
 * screenshot. The draft fills the form with the letter's built-in variables, so the same draft runs
 * unchanged under 'huixin submit'; whatever had to be guessed is written into site.notes, since a
 * scenario file has no comments. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/probe.h"
#include "scenarios/scenario.h"

#define PROBE_TIMEOUT_MS DRIVER_DEFAULT_TIMEOUT_MS
#define PROBE_SETTLE_MS 10000
#define PROBE_MAX_FRAMES 6
#define PROBE_GOOD_SCORE 4 /* a body field and two more: no need to look into iframes */

#define COLOR_FIELD "#e6007e"
#define COLOR_CAPTCHA "#ff7a00"
#define COLOR_SUBMIT "#0a8f2a"
#define COLOR_FRAME "#1f6feb"

static const char *const probe_categories[] = {"咨询", "建议", "求助", "投诉"};

/* What draft_make collects besides the draft itself. */
struct draft_ctx {
    json_t *steps;  /* submit steps */
    json_t *marks;  /* what to outline */
    struct buf notes;
    size_t n_fields;
    bool has_captcha;
};

/* "http://h:p/x?y" -> "http://h:p"; NULL when url is not absolute. Caller frees. */
static char *url_origin(const char *url)
{
    const char *s = strstr(url, "://");
    if (!s)
        return NULL;
    const char *host = s + 3;
    return xstrndup(url, (size_t)(host - url) + strcspn(host, "/?#"));
}

/* A page's own text inside a scenario string: "${" is written "$${" so it is never a variable. */
static char *scn_literal(const char *s)
{
    struct buf b;
    buf_init(&b);
    for (const char *c = s; *c; c++) {
        if (c[0] == '$' && c[1] == '{')
            buf_append_char(&b, '$');
        buf_append_char(&b, *c);
    }
    return buf_detach(&b);
}

static json_t *lit_json(const char *s)
{
    char *l = scn_literal(s ? s : "");
    json_t *j = json_string(l);
    free(l);
    return j;
}

/* ${base_url} + the rest of url when it has origin's origin, else url itself (literal). */
static json_t *url_json(const char *url, const char *origin)
{
    size_t n = origin ? strlen(origin) : 0;
    if (n && strncmp(url, origin, n) == 0 && (url[n] == '\0' || url[n] == '/' || url[n] == '?' || url[n] == '#')) {
        char *rest = scn_literal(url[n] ? url + n : "/");
        char *s = xasprintf("${base_url}%s", rest);
        json_t *j = json_string(s);
        free(s);
        free(rest);
        return j;
    }
    return lit_json(url);
}

static const char *str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void mark_add(struct draft_ctx *c, const char *selector, const char *label, const char *color)
{
    json_array_append_new(c->marks, json_pack("{s:s, s:s, s:s}", "selector", selector, "label", label, "color", color));
}

static void note_add(struct draft_ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note_add(struct draft_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s)
        return;
    if (c->notes.len)
        buf_append_str(&c->notes, " ");
    buf_append_str(&c->notes, s);
    free(s);
}

static void step_add(struct draft_ctx *c, json_t *step)
{
    json_array_append_new(c->steps, step);
}

static const char *role_base(const char *role)
{
    return strncmp(role, "extra_", 6) == 0 ? role + 6 : role;
}

/* The letter variable a text field takes, or NULL. */
static const char *fill_value(const char *role)
{
    static const struct { const char *role, *value; } map[] = {
        {"name", "${letter.name}"},       {"phone", "${letter.phone}"}, {"email", "${letter.email}"},
        {"address", "${letter.address}"}, {"title", "${letter.title}"}, {"body", "${letter.body}"},
    };
    role = role_base(role);
    for (size_t i = 0; i < ARRAY_LEN(map); i++) {
        if (strcmp(map[i].role, role) == 0)
            return map[i].value;
    }
    return NULL;
}

static bool is_category(const char *s)
{
    for (size_t i = 0; i < ARRAY_LEN(probe_categories); i++) {
        if (strcmp(s, probe_categories[i]) == 0)
            return true;
    }
    return false;
}

/* "请选择", "--", "": an option that means "nothing chosen yet". */
static bool is_placeholder_option(json_t *opt)
{
    const char *v = str_of(opt, "value"), *t = str_of(opt, "text");
    return !*v || !*t || strstr(t, "请选择") || strstr(t, "选择") == t || t[0] == '-';
}

static void field_label(json_t *f, char *out, size_t size)
{
    const char *label = str_of(f, "label");
    snprintf(out, size, "%s%s%s", role_base(str_of(f, "role")), *label ? " " : "", label);
}

static void do_select(struct draft_ctx *c, json_t *f, const char *sel)
{
    json_t *opts = json_object_get(f, "options");
    const char *role = role_base(str_of(f, "role"));
    size_t i;
    json_t *opt;
    if (strcmp(role, "type") == 0) {
        json_array_foreach(opts, i, opt) {
            if (is_category(str_of(opt, "text"))) {
                step_add(c, json_pack("{s:o, s:s}", "select", lit_json(sel), "text", "${letter.category}"));
                note_add(c, "'%s' is the letter's category (咨询/建议/求助/投诉 by option text).", sel);
                return;
            }
        }
    }
    json_t *pick = json_array_get(opts, (size_t)json_integer_value(json_object_get(f, "selected")));
    if (!pick || is_placeholder_option(pick)) {
        pick = NULL;
        json_array_foreach(opts, i, opt) {
            if (!is_placeholder_option(opt)) {
                pick = opt;
                break;
            }
        }
    }
    if (!pick) {
        note_add(c, "select '%s' (%s) has no option to pick: fill it in by hand.", sel, str_of(f, "label"));
        return;
    }
    step_add(c, json_pack("{s:o, s:o}", "select", lit_json(sel), "value", lit_json(str_of(pick, "value"))));
    note_add(c, "select '%s' (%s) takes '%s' as a guess.", sel, str_of(f, "label"), str_of(pick, "text"));
}

static bool is_public_yes(json_t *opt)
{
    const char *t = str_of(opt, "text"), *v = str_of(opt, "value");
    if (*t && strstr(t, "公开") && !strstr(t, "不") && !strstr(t, "否") && !strstr(t, "非"))
        return true;
    return !*t && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "y") == 0 || strcmp(v, "是") == 0);
}

static void do_radio(struct draft_ctx *c, json_t *f)
{
    json_t *opts = json_object_get(f, "options");
    const char *role = role_base(str_of(f, "role")), *name = str_of(f, "name");
    size_t i;
    json_t *opt, *pick = NULL;
    if (strcmp(role, "type") == 0 && *name) {
        json_array_foreach(opts, i, opt) {
            if (is_category(str_of(opt, "value"))) {
                char *n = scn_literal(name);
                char *s = xasprintf("input[name=\"%s\"][value=\"${letter.category}\"]", n);
                step_add(c, json_pack("{s:s}", "choose", s));
                mark_add(c, str_of(opt, "selector"), "type", COLOR_FIELD);
                note_add(c, "radio '%s' is the letter's category (by value).", s);
                free(s);
                free(n);
                c->n_fields++;
                return;
            }
        }
    }
    if (strcmp(role, "public") == 0) {
        json_array_foreach(opts, i, opt) {
            if (is_public_yes(opt)) {
                pick = opt;
                break;
            }
        }
        if (!pick)
            note_add(c, "是否公开: no option reads 公开; check the choice.");
    }
    if (!pick && strcmp(role, "type") == 0) {
        json_array_foreach(opts, i, opt) {
            if (strcmp(str_of(opt, "text"), "咨询") == 0)
                pick = opt;
        }
        if (pick)
            note_add(c, "the type radios are chosen as 咨询 whatever the letter's category.");
    }
    if (!pick) {
        json_array_foreach(opts, i, opt) {
            if (json_is_true(json_object_get(opt, "checked"))) {
                note_add(c, "radios '%s' (%s) keep their default '%s'.", name, str_of(f, "label"), str_of(opt, "text"));
                return;
            }
        }
        pick = json_array_get(opts, 0);
        if (!pick)
            return;
        note_add(c, "radios '%s' (%s) take the first option '%s' as a guess.", name, str_of(f, "label"),
                 str_of(pick, "text"));
    }
    step_add(c, json_pack("{s:o}", "choose", lit_json(str_of(pick, "selector"))));
    char label[160];
    snprintf(label, sizeof label, "%s %s", *role ? role : "radio", str_of(pick, "text"));
    mark_add(c, str_of(pick, "selector"), label, COLOR_FIELD);
    c->n_fields++;
}

/* A read-only input that opens a custom dropdown (div/ul menus of UI kits): click it, then click the
 * option by its text within the dropdown's box. */
static void do_dropdown(struct draft_ctx *c, json_t *f, const char *sel, const char *label)
{
    json_t *dd = json_object_get(f, "dropdown"), *opts = json_object_get(dd, "options");
    const char *within = json_is_object(dd) ? str_of(dd, "within") : "";
    const char *pick = NULL;
    bool by_category = strcmp(role_base(str_of(f, "role")), "type") == 0 && !json_array_size(opts);
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o) {
        const char *t = json_string_value(o);
        if (t && strcmp(role_base(str_of(f, "role")), "type") == 0 && is_category(t))
            by_category = true;
        if (t && !pick && *t && !strstr(t, "请选择"))
            pick = t;
    }
    if (!by_category && !pick) {
        note_add(c, "'%s' (%s) is read-only and no options were found near it: choose it by hand with "
                    "click/click_text.", sel, str_of(f, "label"));
        return;
    }
    step_add(c, json_pack("{s:o}", "click", lit_json(sel)));
    json_t *ct = by_category ? json_pack("{s:s}", "click_text", "${letter.category}")
                             : json_pack("{s:o}", "click_text", lit_json(pick));
    if (*within)
        json_object_set_new(ct, "within", lit_json(within));
    step_add(c, ct);
    mark_add(c, sel, label, COLOR_FIELD);
    c->n_fields++;
    if (by_category)
        note_add(c, "'%s' opens a custom dropdown; the draft clicks the option reading the letter's category.", sel);
    else
        note_add(c, "'%s' (%s) opens a custom dropdown; the draft takes its first option '%s' as a guess.", sel,
                 str_of(f, "label"), pick);
}

/* One control of the form -> its steps, in the order the page has them. */
static void do_field(struct draft_ctx *c, json_t *f, json_t *captcha)
{
    const char *kind = str_of(f, "kind"), *role = str_of(f, "role"), *sel = str_of(f, "selector");
    const char *base = role_base(role);
    bool required = json_is_true(json_object_get(f, "required"));
    char label[200];
    field_label(f, label, sizeof label);
    if (strcmp(kind, "radio") == 0) {
        do_radio(c, f);
        return;
    }
    if (strcmp(kind, "checkbox") == 0) {
        if (strcmp(base, "agree") == 0 || strcmp(base, "public") == 0 || required) {
            step_add(c, json_pack("{s:o}", "check", lit_json(sel)));
            mark_add(c, sel, label, COLOR_FIELD);
            c->n_fields++;
            if (strcmp(base, "agree") != 0 && strcmp(base, "public") != 0)
                note_add(c, "checkbox '%s' (%s) is checked because it looks required.", sel, str_of(f, "label"));
        } else {
            note_add(c, "checkbox '%s' (%s) is left as it is.", sel, str_of(f, "label"));
        }
        return;
    }
    if (strcmp(kind, "select") == 0) {
        size_t before = json_array_size(c->steps);
        do_select(c, f, sel);
        if (json_array_size(c->steps) > before) {
            mark_add(c, sel, label, COLOR_FIELD);
            c->n_fields++;
        }
        return;
    }
    if (strcmp(kind, "readonly") == 0) {
        do_dropdown(c, f, sel, label);
        return;
    }
    if (strcmp(base, "captcha") == 0) {
        if (strcmp(role, "captcha") != 0)
            return;
        if (!json_is_object(captcha)) {
            note_add(c, "'%s' (%s) wants a captcha but no picture or question was found next to it.", sel,
                     str_of(f, "label"));
            return;
        }
        const char *image = str_of(captcha, "image"), *refresh = str_of(captcha, "refresh");
        bool is_question = strcmp(str_of(captcha, "kind"), "question") == 0;
        json_t *step = json_pack("{s:o, s:o}", is_question ? "question" : "image", lit_json(image), "input",
                                 lit_json(sel));
        if (*refresh)
            json_object_set_new(step, "refresh", lit_json(refresh));
        step_add(c, json_pack("{s:o}", "captcha", step));
        mark_add(c, sel, label, COLOR_CAPTCHA);
        mark_add(c, image, is_question ? "captcha question" : "captcha image", COLOR_CAPTCHA);
        c->has_captcha = true;
        if (is_question)
            note_add(c, "the captcha is a question ('%s'): the solver gets its text and a picture of it.", image);
        return;
    }
    const char *value = fill_value(role);
    if (value) {
        step_add(c, json_pack("{s:o, s:s}", "fill", lit_json(sel), "value", value));
        mark_add(c, sel, label, COLOR_FIELD);
        c->n_fields++;
        return;
    }
    if (strcmp(base, "captcha_sms") == 0)
        note_add(c, "'%s' wants an SMS code: a person has to finish this site.", sel);
    else if (strcmp(base, "idcard") == 0)
        note_add(c, "'%s' wants an ID card number (real-name system): add a variable and a fill step.", sel);
    else if (required)
        note_add(c, "'%s' (%s) looks required and has no letter variable: add a fill step.", sel, str_of(f, "label"));
}

/* The check phase: find the letter's token in the public list, when the page links to one. */
static json_t *check_make(struct draft_ctx *c, json_t *a, const char *origin)
{
    json_t *list = json_array_get(json_object_get(json_object_get(a, "links"), "list"), 0);
    json_t *query = json_array_get(json_object_get(json_object_get(a, "links"), "query"), 0);
    if (query)
        note_add(c, "the page links to a query page ('%s' %s): a check by query code (${query_code}) is more "
                    "reliable than the list search below once its form is known.",
                 str_of(query, "text"), str_of(query, "href"));
    if (!list) {
        note_add(c, "no link to a public list was found, so the draft has no check phase: write one.");
        return NULL;
    }
    note_add(c, "check phase: a guess; it looks for the letter's token in '%s' and opens it.", str_of(list, "text"));
    json_t *steps = json_pack("[{s:{s:o, s:i, s:b}}, {s:s}]", "list_search", "url", url_json(str_of(list, "href"), origin),
                              "max_pages", 5, "follow", 1, "screenshot", "letter");
    json_t *read = json_pack(
        "{s:{s:s}, s:{s:s}, s:{s:s, s:[s, s, s]}, s:[s, s, s, s]}", "state", "regex",
        "状态[：:]?[[:space:]]*([^[:space:]]+)", "has_reply", "regex",
        "[回答]复[时日][间期][：:]?[[:space:]]*[0-9]{4}", "reply_date", "regex",
        "[回答]复[时日][间期][：:]?[[:space:]]*([0-9]{4}[-/年][0-9]{1,2}[-/月][0-9]{1,2})", "format", "%Y-%m-%d",
        "%Y/%m/%d", "%Y年%m月%d", "replied_states", "已回复", "已办结", "已办理", "已答复");
    return json_pack("{s:o, s:{s:s}, s:{s:[s, s, s, s]}, s:o}", "steps", steps, "found", "text", "${letter.token}",
                     "not_found", "text", "页面找不到", "未找到", "未查询到", "不存在", "read", read);
}

static int draft_make(json_t *a, const char *probed_url, const char *frame, const char *write_link,
                      json_t **draft_out, struct draft_ctx *c, struct err *e)
{
    json_t *fields = json_object_get(a, "fields"), *captcha = json_object_get(a, "captcha");
    json_t *submit = json_object_get(a, "submit");
    const char *submit_sel = json_is_object(submit) ? str_of(submit, "selector") : "";
    if (json_integer_value(json_object_get(a, "score")) < 2 || !json_array_size(fields))
        return err_set(e, ERR_NOT_FOUND, "no mailbox form: no field is labelled like 姓名, 标题 or 内容 (looked at "
                                         "the page and %zu iframe(s))",
                       json_array_size(json_object_get(a, "frames")));
    if (!*submit_sel)
        return err_set(e, ERR_NOT_FOUND, "the form has no button that looks like it sends (提交, 发表, submit ...)");
    char *origin = url_origin(probed_url);
    int rc = 0;
    if (!origin) {
        rc = err_set(e, ERR_USAGE, "'%s' is not an absolute URL; expected http://HOST/...", probed_url);
        goto out;
    }
    if (frame)
        note_add(c, "the form is inside the iframe '%s'.", frame);
    step_add(c, json_pack("{s:o}", "goto", url_json(probed_url, origin)));
    json_t *notice = json_object_get(a, "notice");
    if (json_is_object(notice) && *str_of(notice, "selector")) {
        step_add(c, json_pack("{s:o}", "dismiss", lit_json(str_of(notice, "selector"))));
        note_add(c, "a notice covered the page; the draft dismisses it with '%s' (%s) when it shows up.",
                 str_of(notice, "selector"), str_of(notice, "text"));
    }
    if (write_link) {
        step_add(c, json_pack("{s:o, s:s}", "click_text", lit_json(write_link), "opens", "window"));
        note_add(c, "the form opens in a new window from '%s' on the page probed; the draft clicks it and goes "
                    "on there.", write_link);
    }
    if (frame)
        step_add(c, json_pack("{s:{s:o}}", "frame", "selector", lit_json(frame)));
    size_t i;
    json_t *f;
    int title_max = 0, body_max = 0;
    json_array_foreach(fields, i, f) {
        do_field(c, f, captcha);
        int max = (int)json_integer_value(json_object_get(f, "maxlength"));
        if (strcmp(str_of(f, "role"), "title") == 0 && max > 0)
            title_max = max;
        if (strcmp(str_of(f, "role"), "body") == 0 && max > 0)
            body_max = max;
    }
    const char *missing[] = {"name", "phone", "title", "body"};
    for (size_t k = 0; k < ARRAY_LEN(missing); k++) {
        bool found = false;
        json_array_foreach(fields, i, f) {
            if (strcmp(str_of(f, "role"), missing[k]) == 0)
                found = true;
        }
        if (!found)
            note_add(c, "no %s field was found.", missing[k]);
    }
    if (json_is_true(json_object_get(a, "sms")))
        note_add(c, "the page mentions an SMS code (短信验证码): expect to need a person.");
    if (json_is_true(json_object_get(a, "login")))
        note_add(c, "the page mentions a login or real-name check: the form may need an account.");
    step_add(c, json_pack("{s:s}", "screenshot", "before-submit"));
    step_add(c, json_pack("{s:o, s:b}", "click", lit_json(submit_sel), "final", 1));
    mark_add(c, submit_sel, "submit", COLOR_SUBMIT);
    /* the common success words all hold 成功; a failure page is caught while waiting */
    step_add(c, json_pack("{s:{s:s}, s:i}", "wait_for", "text", "成功", "timeout_seconds", 20));
    step_add(c, json_pack("{s:{s:s, s:s, s:s, s:b}}", "extract", "var", "letter_no", "regex",
                          "编号[：:]?[[:space:]]*([0-9A-Za-z-]{4,})", "from", "page", "optional", 1));
    step_add(c, json_pack("{s:{s:s, s:s, s:s, s:b}}", "extract", "var", "query_code", "regex",
                          "查询[码号][：:]?[[:space:]]*([0-9A-Za-z]{4,})", "from", "page", "optional", 1));
    step_add(c, json_pack("{s:{s:s, s:s, s:s, s:b}}", "extract", "var", "query_code", "regex",
                          "查询[码号][：:]?[[:space:]]*([0-9A-Za-z]{4,})", "from", "dialog", "optional", 1));
    step_add(c, json_pack("{s:s}", "screenshot", "after-submit"));
    note_add(c, "success and failure words are the common ones (提交成功, 发表成功, 已提交; 验证码错误, 请不要频繁): "
                "confirm them with one real submission. The query code is read from the page or an alert after "
                "查询码/查询号, the letter number after 编号; both are optional.");

    json_t *success = json_pack("{s:[s, s, s, s, s], s:[s, s]}", "text", "提交成功", "发表成功", "留言成功", "已提交",
                                "已成功提交", "dialog", "提交成功", "发表成功");
    json_t *failures = json_pack(
        "[{s:[s, s, s, s], s:[s, s, s], s:s, s:i}, {s:[s, s, s], s:[s, s], s:s, s:i, s:i}, {s:[s, s, s], s:s}]",
        "text", "验证码错误", "验证码不正确", "验证码输入错误", "验证码有误", "dialog", "验证码错误", "验证码不正确",
        "验证码有误", "kind", "captcha", "retries", 3, "text", "请不要频繁", "操作过于频繁", "提交过于频繁", "dialog",
        "频繁", "稍后再试", "kind", "throttle", "wait_seconds", 15, "retries", 3, "dialog", "请填写", "填写完整",
        "不能为空", "kind", "rejected");

    const char *title = str_of(a, "title");
    const char *host = strstr(origin, "://") + 3;
    json_t *site = json_pack("{s:o, s:o, s:s}", "name", lit_json(*title ? title : host), "entry_url",
                             url_json(probed_url, origin), "family", "probed");
    json_t *letter = json_pack("{s:s, s:s}", "category", "咨询", "token_in", "body");
    if (title_max > 0)
        json_object_set_new(letter, "title_max_chars", json_integer(title_max));
    if (body_max > 0)
        json_object_set_new(letter, "body_max_chars", json_integer(body_max));
    json_t *check = check_make(c, a, origin);
    char when[32];
    clock_beijing_format(clock_now_ms(), when, sizeof when);
    char *desc = xasprintf("DRAFT made by 'huixin probe' from %s at %s (Beijing time): %zu field(s), %s. Review "
                           "every selector and the notes, then submit one real letter before using it in a campaign.",
                           probed_url, when, c->n_fields, c->has_captcha ? "an image captcha" : "no captcha");
    json_object_set_new(site, "notes", json_string(buf_str(&c->notes)));
    json_t *d = json_pack("{s:i, s:o, s:o, s:o, s:{s:s}, s:{s:O, s:o, s:o}}", "huixin_scenario", SCN_FORMAT_VERSION,
                          "description", lit_json(desc), "site", site, "letter", letter, "vars", "base_url", origin,
                          "submit", "steps", c->steps, "success", success, "failures", failures);
    if (check)
        json_object_set_new(d, "check", check);
    *draft_out = d;
    free(desc);
out:
    free(origin);
    return rc;
}

/* scn_probe_draft_build, also saying how many fields the draft touches and whether it has a captcha. */
static int draft_build(const char *analysis_json, const char *probed_url, const char *frame_selector,
                       const char *write_link, char **draft_out, char **marks_out, size_t *n_fields, bool *has_captcha,
                       struct err *e)
{
    *draft_out = NULL;
    if (marks_out)
        *marks_out = NULL;
    json_error_t je;
    json_t *a = json_loads(analysis_json, 0, &je);
    if (!json_is_object(a)) {
        json_decref(a);
        return err_set(e, ERR_INTERNAL, "the page's analysis is not a JSON object: %s", je.text);
    }
    struct draft_ctx c;
    memset(&c, 0, sizeof c);
    c.steps = json_array();
    c.marks = json_array();
    buf_init(&c.notes);
    json_t *d = NULL;
    char *text = NULL;
    struct scn_scenario *s = NULL;
    struct scn_diags diags = {0};
    int rc = draft_make(a, probed_url, frame_selector, write_link, &d, &c, e);
    if (rc < 0)
        goto out;
    char *dumped = json_dumps(d, JSON_INDENT(2));
    text = xasprintf("%s\n", dumped ? dumped : "{}");
    free(dumped);
    /* the draft must pass 'huixin lint' as it stands: a failure here is a bug in this file */
    if (scn_scenario_parse("draft", text, strlen(text), &s, &diags, e) < 0) {
        err_prefix(e, "the probe made a draft that does not load (%zu problem(s))", diags.n);
        if (e)
            e->code = ERR_INTERNAL;
        rc = ERR_INTERNAL;
        goto out;
    }
    *draft_out = text;
    text = NULL;
    *n_fields = c.n_fields;
    *has_captcha = c.has_captcha;
    if (marks_out) {
        char *m = json_dumps(c.marks, JSON_COMPACT);
        *marks_out = m ? m : xstrdup("[]");
    }
out:
    scn_scenario_free(s);
    scn_diags_release(&diags);
    free(text);
    json_decref(d);
    json_decref(c.steps);
    json_decref(c.marks);
    buf_release(&c.notes);
    json_decref(a);
    return rc;
}

int scn_probe_draft_build(const char *analysis_json, const char *probed_url, const char *frame_selector,
                          char **draft_out, char **marks_out, struct err *e)
{
    size_t n_fields = 0;
    bool has_captcha = false;
    return draft_build(analysis_json, probed_url, frame_selector, NULL, draft_out, marks_out, &n_fields, &has_captcha,
                       e);
}

void scn_probe_result_release(struct scn_probe_result *r)
{
    if (!r)
        return;
    free(r->draft);
    free(r->final_url);
    free(r->frame);
    free(r->write_link);
    memset(r, 0, sizeof *r);
}

/* Runs the analysis in the current frame: its JSON text and its score. */
static int analyse(struct page *p, char **text_out, long *score_out, struct err *e)
{
    *text_out = NULL;
    *score_out = 0;
    char *text = NULL;
    int rc = page_eval(p, scn_probe_analyse_js, &text, e);
    if (rc < 0)
        return rc;
    json_t *a = json_loads(text, 0, NULL);
    if (!json_is_object(a)) {
        json_decref(a);
        free(text);
        return err_set(e, ERR_INTERNAL, "the page's analysis is not a JSON object");
    }
    *score_out = (long)json_integer_value(json_object_get(a, "score"));
    json_decref(a);
    *text_out = text;
    return 0;
}

/* The iframes the analysis listed, up to PROBE_MAX_FRAMES: is the form in one of them? */
static void frames_search(struct page *p, int timeout_ms, char **best_text, long *best_score, char **best_frame)
{
    json_t *a = json_loads(*best_text, 0, NULL);
    json_t *frames = json_object_get(a, "frames");
    size_t i;
    json_t *fr;
    json_array_foreach(frames, i, fr) {
        if (i >= PROBE_MAX_FRAMES)
            break;
        const char *sel = str_of(fr, "selector");
        struct err fe;
        err_init(&fe);
        if (page_frame_enter(p, sel, NULL, timeout_ms, &fe) < 0) {
            log_warn("probe", "could not look into iframe '%s': %s", sel, fe.msg);
            continue;
        }
        page_wait(p, PAGE_COND_VISIBLE, "input, textarea", 5000, &fe); /* a frame that draws its form late */
        char *text = NULL;
        long score = 0;
        err_init(&fe);
        if (analyse(p, &text, &score, &fe) == 0 && score > *best_score) {
            free(*best_text);
            *best_text = text;
            *best_score = score;
            free(*best_frame);
            *best_frame = xstrdup(sel);
        } else {
            free(text);
        }
        page_frame_leave(p);
    }
    json_decref(a);
}

/* The visible link or button that says 我要写信 (我要留言, 在线写信 ...): its own text, or NULL. */
#define PROBE_WRITE_LINK_JS                                                                                 \
    "(() => { const re = /^\\s*(我要写信|我要留言|在线写信|我要咨询|我要投诉|我要建议|写信)/;"                      \
    " for (const el of document.querySelectorAll('a, button, input[type=button], [onclick]')) {"           \
    "  const t = (el.innerText || el.value || '').trim(); const r = el.getBoundingClientRect();"           \
    "  if (t && t.length <= 40 && re.test(t) && r.width > 0 && r.height > 0) return t; }"                   \
    " return ''; })()"

/* No form on the page: a 我要写信 link or button that opens the form in a new window (target=_blank,
 * window.open) is clicked and the window followed; if its form is better, the probe goes on there and
 * *write_link says what was clicked. A click that opened no window leaves the page as it was. */
static void window_search(struct page *p, int timeout_ms, char **best_text, long *best_score, char **write_link)
{
    struct err we;
    err_init(&we);
    char *link = NULL;
    if (page_eval_text(p, PROBE_WRITE_LINK_JS, &link, &we) < 0 || !link || !*link) {
        free(link);
        return;
    }
    size_t mark = page_window_mark(p);
    struct page_action a = {timeout_ms < 5000 ? timeout_ms : 5000, false, NULL, NULL};
    if (page_click_text_with(p, NULL, link, &a, &we) < 0) {
        log_warn("probe", "could not click '%s': %s", link, we.msg);
        free(link);
        return;
    }
    if (page_window_follow(p, mark, 3000, &we) != 1) {
        log_info("probe", "'%s' opened no new window", link);
        free(link);
        return;
    }
    page_wait(p, PAGE_COND_VISIBLE, "input, textarea", 5000, &we);
    page_settle(p, 500, timeout_ms < PROBE_SETTLE_MS ? timeout_ms : PROBE_SETTLE_MS, &we);
    char *text = NULL;
    long score = 0;
    err_init(&we);
    if (analyse(p, &text, &score, &we) == 0 && score > *best_score) {
        free(*best_text);
        *best_text = text;
        *best_score = score;
        *write_link = link;
        return;
    }
    free(text);
    free(link);
    page_window_opener(p, &we);
}

static int outline(struct page *p, const char *marks, int *n_out, struct err *e)
{
    char *expr = xasprintf("(%s)(%s)", scn_probe_outline_js, marks);
    char *ans = NULL;
    int rc = page_eval(p, expr, &ans, e);
    if (rc == 0 && n_out)
        *n_out += (int)strtol(ans, NULL, 10);
    free(ans);
    free(expr);
    return rc;
}

int scn_probe_run(struct page *p, const char *url, const struct scn_probe_options *o, struct scn_probe_result *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : PROBE_TIMEOUT_MS;
    char *text = NULL, *marks = NULL;
    long score = 0;
    struct err ignored;
    err_init(&ignored);
    int rc = page_goto(p, url, timeout_ms, e);
    if (rc < 0)
        goto out;
    if (page_http_status(p) >= 400) {
        rc = err_set(e, ERR_SITE, "'%s' answered HTTP %d; expected a page with a form", url, page_http_status(p));
        goto out;
    }
    page_settle(p, 500, timeout_ms < PROBE_SETTLE_MS ? timeout_ms : PROBE_SETTLE_MS, &ignored);
    if ((rc = page_url(p, &out->final_url, e)) < 0)
        goto out;
    if ((rc = analyse(p, &text, &score, e)) < 0)
        goto out;
    if (score < PROBE_GOOD_SCORE)
        frames_search(p, timeout_ms, &text, &score, &out->frame);
    if (score < PROBE_GOOD_SCORE && !out->frame)
        window_search(p, timeout_ms, &text, &score, &out->write_link);
    int built = draft_build(text, out->final_url, out->frame, out->write_link, &out->draft, &marks, &out->n_fields,
                            &out->has_captcha, e);
    if (built < 0 && built != ERR_NOT_FOUND) {
        rc = built;
        goto out;
    }
    if (o && o->screenshot_path) {
        if (marks && out->frame) {
            if ((rc = page_frame_enter(p, out->frame, NULL, timeout_ms, e)) < 0)
                goto out;
            rc = outline(p, marks, &out->n_outlined, e);
            page_frame_leave(p);
            if (rc < 0)
                goto out;
            json_t *fm = json_pack("[{s:s, s:s, s:s}]", "selector", out->frame, "label", "iframe: the form is inside",
                                   "color", COLOR_FRAME);
            char *fm_text = json_dumps(fm, JSON_COMPACT);
            rc = outline(p, fm_text, NULL, e);
            free(fm_text);
            json_decref(fm);
            if (rc < 0)
                goto out;
        } else if (marks && (rc = outline(p, marks, &out->n_outlined, e)) < 0) {
            goto out;
        }
        struct page_shot_info shot;
        memset(&shot, 0, sizeof shot);
        if ((rc = page_screenshot_full(p, o->screenshot_path, 0, &shot, e)) < 0)
            goto out;
        out->shot_width_px = shot.width_px;
        out->shot_height_px = shot.height_px;
    }
    rc = built;
out:
    if (rc < 0)
        err_prefix(e, "probe '%s'", url);
    free(text);
    free(marks);
    return rc;
}
