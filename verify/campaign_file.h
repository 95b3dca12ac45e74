/* Campaign files: which sites to test, with what letter, on whose authority. JSON, strict: unknown
 * keys and wrong types are errors naming file:line:column. Example (README has the full format):
 *
 *   {"huixin_campaign": 1,
 *    "name": "2026年第四季度互动回应检查",
 *    "authorised_by": "宝川市政务服务数据管理局（宝政数函〔2026〕12号）",
 *    "letter": {"name": "李明", "phone": "13800000000", "email": "liming@example.cn"},
 *              (also "address", and "id_card" for real-name forms)
 *    "rules": {"deadline_workdays": 5, "deletion_min_visits": 2, "deletion_min_gap_hours": 1},
 *    "sites": [{"key": "baochuan", "scenario": "library/hanweb.json",
 *               "vars": {"base_url": "http://127.0.0.1:8001"}, "deadline_workdays": 5}]}
 *
 * Scenario paths are relative to the campaign file's folder. */
#ifndef HUIXIN_CAMPAIGN_FILE_H
#define HUIXIN_CAMPAIGN_FILE_H

#include <stddef.h>

#include "verify/digest.h"

struct err;

struct campaign_var {
    char *key;
    char *value;
};

struct campaign_site {
    char *key;                  /* unique in the campaign: [A-Za-z0-9._-]+ */
    char *scenario_path;        /* resolved against the campaign file's folder */
    struct campaign_var *vars;  /* the site's variables (base_url ...) */
    size_t n_vars;
    int deadline_workdays;      /* 0: the scenario's, else the campaign rule */
    char *captcha;              /* the site's captcha solver ("control:URL" ...), or NULL */
};

struct campaign_file {
    char *path;
    char sha256[DIGEST_HEX_LEN];
    char *name;
    char *authorised_by;
    /* The sender, as the scenarios' letter.* built-ins (scenarios/vars.h): name and phone required,
     * the rest NULL when not given. The phone and the ID card number are personal data: they go to
     * the sites' forms and into the ledger (the letter's variables, so a check can fill a query form
     * with them), never into reports, meta.json or status. */
    char *letter_name, *letter_phone, *letter_email, *letter_address, *letter_id_card;
    int deadline_workdays;       /* 0 when not set; order: the site's entry, this, the scenario's */
    int deletion_min_visits;     /* default 2 */
    int deletion_min_gap_hours;  /* default 1 */
    struct campaign_site *sites;
    size_t n_sites;
};

int campaign_file_load(const char *path, struct campaign_file *out, struct err *e);
void campaign_file_release(struct campaign_file *c);
/* The site's vars as a JSON object text (caller frees), for the ledger. */
char *campaign_site_vars_json(const struct campaign_site *s);

#endif
