/* A match's `response`: what an XHR or fetch answer after the final click says (scenarios/FORMAT.md,
 * MATCH). Boards that post by XHR often tell success, a throttle, a wrong captcha or an empty field
 * only in the answer's body ({"code":0,"data":"验证码错误！"}), shown at most in an alert(), so the
 * submit phase reads the answers the driver recorded (driver/page.h, page_response_*). Only answers to
 * requests sent after the final click count: an earlier answer (a captcha check, the page's own polling,
 * an earlier attempt) says nothing about this letter. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/page.h"
#include "scenarios/run_internal.h"

/* Whether one of the string values of a JSON document contains t: a body that escapes its Chinese
 * ("\u9a8c\u8bc1\u7801") says 验证码 all the same. */
static bool json_strings_contain(const json_t *j, const char *t)
{
    if (json_is_string(j))
        return strstr(json_string_value(j), t) != NULL;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (json_strings_contain(json_array_get(j, i), t))
                return true;
        return false;
    }
    if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v) {
            if (json_strings_contain(v, t))
                return true;
        }
    }
    return false;
}

static bool body_contains(const struct page_response *r, const char *t)
{
    if (strstr(r->body, t))
        return true;
    if (!strchr(r->body, '\\'))
        return false; /* nothing escaped: the JSON values read the same as the body */
    json_t *j = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    bool hit = j && json_strings_contain(j, t);
    json_decref(j);
    return hit;
}

#define EXCERPT_MAX_BYTES 200

/* The start of the body, for messages: on one line, JSON with its escapes read (\u9a8c as 验), cut at
 * EXCERPT_MAX_BYTES at a character boundary. Caller frees. */
static char *body_excerpt(const struct page_response *r)
{
    char *text = NULL;
    if (strchr(r->body, '\\')) {
        json_t *j = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
        if (j)
            text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(j);
    }
    if (!text)
        text = xstrdup(r->body);
    size_t n = strlen(text);
    if (n > EXCERPT_MAX_BYTES) {
        n = EXCERPT_MAX_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    char *out = xasprintf("%.*s%s", (int)n, text, n < strlen(text) ? "…" : "");
    free(text);
    for (char *c = out; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    return out;
}

int scn_response_match_eval(struct scn_exec *x, const struct scn_match *m, char **why, struct err *e)
{
    if (!m->n_response_texts || !x->final_clicked)
        return 0;
    char *url = NULL;
    char **texts = xcalloc(m->n_response_texts, sizeof *texts);
    int rc = 0;
    if (m->response_url && (rc = scn_vars_expand(&x->vars, m->response_url, &url, e)) < 0)
        goto out;
    for (size_t k = 0; k < m->n_response_texts; k++)
        if ((rc = scn_vars_expand(&x->vars, m->response_texts[k], &texts[k], e)) < 0)
            goto out;
    /* newest first, so that what is quoted is the latest word */
    for (size_t i = page_response_count(x->p); i-- > 0;) {
        const struct page_response *r = page_response_get(x->p, i);
        if (r->request_seq < x->final_response_mark || !r->has_body || (url && !strstr(r->url, url)))
            continue;
        for (size_t k = 0; k < m->n_response_texts; k++) {
            if (!*texts[k] || !body_contains(r, texts[k]))
                continue;
            if (why) {
                char *excerpt = body_excerpt(r);
                *why = xasprintf("the answer from '%s' says '%s' (%s)", r->url, texts[k], excerpt);
                free(excerpt);
            }
            rc = 1;
            goto out;
        }
    }
    rc = 0;
out:
    for (size_t k = 0; k < m->n_response_texts; k++)
        free(texts[k]);
    free(texts);
    free(url);
    return rc;
}
