/* The record of the last `evidence verify` of an evidence root (verify/evidence_verified.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "verify/evidence_verified.h"

int evidence_verified_save(const char *root, const struct evidence_verified *v, struct err *e)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:b, s:b}", "at_ms", (json_int_t)v->at_ms, "visits", (json_int_t)v->visits,
                          "failures", (json_int_t)v->failures, "with_ledger", v->with_ledger, "with_signatures",
                          v->with_signatures);
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
    char *path = xasprintf("%s/%s", root, EVIDENCE_VERIFIED_FILE);
    int rc = file_write_atomic(path, text, strlen(text), e);
    free(path);
    free(text);
    json_decref(o);
    return rc;
}

int evidence_verified_load(const char *root, struct evidence_verified *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    char *path = xasprintf("%s/%s", root, EVIDENCE_VERIFIED_FILE);
    int rc = 0;
    json_error_t je;
    json_t *o = NULL;
    if (!file_exists(path)) {
        rc = err_set(e, ERR_NOT_FOUND, "no record of a verification in '%s'", root);
        goto out;
    }
    o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    json_t *at = json_object_get(o, "at_ms"), *visits = json_object_get(o, "visits"),
           *failures = json_object_get(o, "failures");
    if (!o || !json_is_integer(at) || !json_is_integer(visits) || !json_is_integer(failures) ||
        json_integer_value(visits) < 0 || json_integer_value(failures) < 0) {
        rc = err_set(e, ERR_INPUT, "'%s' is not a verification record huixin wrote", path);
        goto out;
    }
    out->at_ms = json_integer_value(at);
    out->visits = (size_t)json_integer_value(visits);
    out->failures = (size_t)json_integer_value(failures);
    out->with_ledger = json_is_true(json_object_get(o, "with_ledger"));
    out->with_signatures = json_is_true(json_object_get(o, "with_signatures"));
out:
    json_decref(o);
    free(path);
    return rc;
}
