#include <stdio.h>
#include <string.h>

#include "common/base.h"

void err_init(struct err *e)
{
    if (!e)
        return;
    e->code = 0;
    e->msg[0] = '\0';
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    if (!e || e->code != 0)
        return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char head[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    char joined[2 * ERR_MSG_MAX + 2]; /* room for both, so only the final copy truncates */
    snprintf(joined, sizeof joined, "%s: %s", head, e->msg);
    memcpy(e->msg, joined, sizeof e->msg - 1);
    e->msg[sizeof e->msg - 1] = '\0';
}

const char *err_code_name(int code)
{
    switch (code) {
    case ERR_OK: return "ok";
    case ERR_USAGE: return "usage";
    case ERR_INPUT: return "input";
    case ERR_BROWSER: return "browser";
    case ERR_TIMEOUT: return "timeout";
    case ERR_SITE: return "site";
    case ERR_STORE: return "store";
    case ERR_IO: return "io";
    case ERR_NOT_FOUND: return "not found";
    default: return "internal";
    }
}
