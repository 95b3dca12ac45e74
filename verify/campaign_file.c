#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "scenarios/json_pos.h"
#include "verify/campaign_file.h"

/* What the loader carries while it walks the document, to name positions in errors. */
struct loader {
    const char *path;
    struct scn_json_pos pos;
    struct err *e;
};

static int fail_at(struct loader *ld, const char *json_path, bool at_key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail_at(struct loader *ld, const char *json_path, bool at_key, const char *fmt, ...)
{
    int line = 1, column = 1;
    scn_json_pos_find(&ld->pos, json_path, at_key, &line, &column);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(ld->e, ERR_INPUT, "%s:%d:%d: %s", ld->path, line, column, msg);
}

/* Every key of obj must be in allowed (a NULL-terminated list). */
static int check_keys(struct loader *ld, json_t *obj, const char *json_path, const char *what,
                      const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(allowed[i], key) == 0;
        if (!ok) {
            char list[512] = "";
            for (size_t i = 0; allowed[i]; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
            }
            char *p = scn_json_path_join(json_path, key);
            int rc = fail_at(ld, p, true, "%s: unknown key '%s'; expected one of: %s", what, key, list);
            free(p);
            return rc;
        }
    }
    return 0;
}

static int get_string(struct loader *ld, json_t *obj, const char *json_path, const char *key, bool required,
                      char **out)
{
    json_t *v = json_object_get(obj, key);
    char *p = scn_json_path_join(json_path, key);
    int rc = 0;
    if (!v) {
        if (required)
            rc = fail_at(ld, json_path, false, "missing '%s' (a string)", key);
    } else if (!json_is_string(v) || json_string_length(v) == 0) {
        rc = fail_at(ld, p, false, "'%s' must be a non-empty string", key);
    } else {
        *out = xstrdup(json_string_value(v));
    }
    free(p);
    return rc;
}

static int get_int(struct loader *ld, json_t *obj, const char *json_path, const char *key, int min, int max,
                   int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    char *p = scn_json_path_join(json_path, key);
    int rc = 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        rc = fail_at(ld, p, false, "'%s' must be a whole number from %d to %d", key, min, max);
    else
        *out = (int)json_integer_value(v);
    free(p);
    return rc;
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

static char *resolve_relative(const char *campaign_path, const char *p)
{
    if (p[0] == '/')
        return xstrdup(p);
    const char *slash = strrchr(campaign_path, '/');
    if (!slash)
        return xstrdup(p);
    return xasprintf("%.*s/%s", (int)(slash - campaign_path), campaign_path, p);
}

static int load_site(struct loader *ld, json_t *obj, const char *json_path, struct campaign_site *s)
{
    static const char *const keys[] = {"key", "scenario", "vars", "deadline_workdays", "captcha", NULL};
    if (!json_is_object(obj))
        return fail_at(ld, json_path, false, "a site must be an object with 'key' and 'scenario'");
    if (check_keys(ld, obj, json_path, "site", keys))
        return ERR_INPUT;
    if (get_string(ld, obj, json_path, "key", true, &s->key))
        return ERR_INPUT;
    for (const char *c = s->key; *c; c++) {
        if (!is_key_char(*c)) {
            char *p = scn_json_path_join(json_path, "key");
            int rc = fail_at(ld, p, false, "site key '%s': expected letters, digits, '.', '_' or '-'", s->key);
            free(p);
            return rc;
        }
    }
    char *scenario = NULL;
    if (get_string(ld, obj, json_path, "scenario", true, &scenario))
        return ERR_INPUT;
    s->scenario_path = resolve_relative(ld->path, scenario);
    free(scenario);
    if (get_int(ld, obj, json_path, "deadline_workdays", 1, 365, &s->deadline_workdays) ||
        get_string(ld, obj, json_path, "captcha", false, &s->captcha))
        return ERR_INPUT;
    json_t *vars = json_object_get(obj, "vars");
    if (vars) {
        char *vp = scn_json_path_join(json_path, "vars");
        if (!json_is_object(vars)) {
            int rc = fail_at(ld, vp, false, "'vars' must be an object of strings");
            free(vp);
            return rc;
        }
        s->vars = xcalloc(json_object_size(vars) + 1, sizeof *s->vars);
        const char *k;
        json_t *v;
        json_object_foreach(vars, k, v) {
            if (!json_is_string(v)) {
                char *p = scn_json_path_join(vp, k);
                int rc = fail_at(ld, p, false, "variable '%s' must be a string", k);
                free(p);
                free(vp);
                return rc;
            }
            s->vars[s->n_vars].key = xstrdup(k);
            s->vars[s->n_vars].value = xstrdup(json_string_value(v));
            s->n_vars++;
        }
        free(vp);
    }
    return 0;
}

static int load_document(struct loader *ld, json_t *root, struct campaign_file *c)
{
    static const char *const top_keys[] = {"huixin_campaign", "name", "authorised_by", "letter", "rules", "sites",
                                           NULL};
    /* every letter.* built-in of the scenarios that is the sender's (title, body, token and category
     * come from the letter templates) */
    static const char *const letter_keys[] = {"name", "phone", "email", "address", "id_card", NULL};
    static const char *const rule_keys[] = {"deadline_workdays", "deletion_min_visits", "deletion_min_gap_hours",
                                            NULL};
    if (!json_is_object(root))
        return fail_at(ld, "", false, "a campaign file must be a JSON object");
    if (check_keys(ld, root, "", "campaign", top_keys))
        return ERR_INPUT;
    json_t *version = json_object_get(root, "huixin_campaign");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return fail_at(ld, version ? "/huixin_campaign" : "", false,
                       "expected \"huixin_campaign\": 1 (the format version)");
    if (get_string(ld, root, "", "name", true, &c->name) ||
        get_string(ld, root, "", "authorised_by", true, &c->authorised_by))
        return ERR_INPUT;
    json_t *letter = json_object_get(root, "letter");
    if (!json_is_object(letter))
        return fail_at(ld, letter ? "/letter" : "", false, "expected \"letter\": {\"name\", \"phone\", \"email\"}");
    if (check_keys(ld, letter, "/letter", "letter", letter_keys) ||
        get_string(ld, letter, "/letter", "name", true, &c->letter_name) ||
        get_string(ld, letter, "/letter", "phone", true, &c->letter_phone) ||
        get_string(ld, letter, "/letter", "email", false, &c->letter_email) ||
        get_string(ld, letter, "/letter", "address", false, &c->letter_address) ||
        get_string(ld, letter, "/letter", "id_card", false, &c->letter_id_card))
        return ERR_INPUT;
    c->deadline_workdays = 0; /* not set: each site's scenario decides */
    c->deletion_min_visits = 2;
    c->deletion_min_gap_hours = 1;
    json_t *rules = json_object_get(root, "rules");
    if (rules) {
        if (!json_is_object(rules))
            return fail_at(ld, "/rules", false, "'rules' must be an object");
        if (check_keys(ld, rules, "/rules", "rules", rule_keys) ||
            get_int(ld, rules, "/rules", "deadline_workdays", 1, 365, &c->deadline_workdays) ||
            get_int(ld, rules, "/rules", "deletion_min_visits", 1, 100, &c->deletion_min_visits) ||
            get_int(ld, rules, "/rules", "deletion_min_gap_hours", 0, 24 * 365, &c->deletion_min_gap_hours))
            return ERR_INPUT;
    }
    json_t *sites = json_object_get(root, "sites");
    if (!json_is_array(sites) || json_array_size(sites) == 0)
        return fail_at(ld, sites ? "/sites" : "", false, "expected \"sites\": a non-empty array of sites");
    c->sites = xcalloc(json_array_size(sites), sizeof *c->sites);
    size_t i;
    json_t *site;
    json_array_foreach(sites, i, site) {
        char seg[32];
        snprintf(seg, sizeof seg, "%zu", i);
        char *p = scn_json_path_join("/sites", seg);
        int rc = load_site(ld, site, p, &c->sites[i]);
        c->n_sites = i + 1;
        if (rc == 0) {
            for (size_t j = 0; j < i; j++) {
                if (strcmp(c->sites[j].key, c->sites[i].key) == 0) {
                    rc = fail_at(ld, p, false, "site key '%s' is used twice (also site %zu)", c->sites[i].key, j + 1);
                    break;
                }
            }
        }
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

int campaign_file_load(const char *path, struct campaign_file *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, &text, &len, e))
        return ERR_INPUT;
    struct loader ld = {.path = path, .e = e};
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    if (!root) {
        rc = err_set(e, ERR_INPUT, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    scn_json_pos_build(&ld.pos, text, len);
    out->path = xstrdup(path);
    digest_sha256_hex(text, len, out->sha256);
    rc = load_document(&ld, root, out);
out:
    json_decref(root);
    scn_json_pos_release(&ld.pos);
    free(text);
    if (rc)
        campaign_file_release(out);
    return rc;
}

void campaign_file_release(struct campaign_file *c)
{
    for (size_t i = 0; i < c->n_sites; i++) {
        struct campaign_site *s = &c->sites[i];
        free(s->key);
        free(s->scenario_path);
        free(s->captcha);
        for (size_t j = 0; j < s->n_vars; j++) {
            free(s->vars[j].key);
            free(s->vars[j].value);
        }
        free(s->vars);
    }
    free(c->sites);
    free(c->path);
    free(c->name);
    free(c->authorised_by);
    free(c->letter_name);
    free(c->letter_phone);
    free(c->letter_email);
    free(c->letter_address);
    free(c->letter_id_card);
    memset(c, 0, sizeof *c);
}

char *campaign_site_vars_json(const struct campaign_site *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < s->n_vars; i++)
        json_object_set_new(o, s->vars[i].key, json_string(s->vars[i].value));
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    return text;
}
