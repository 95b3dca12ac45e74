/* Errors: a code and one message. A fallible function returns 0 or a negative ERR_* code and takes
 * `struct err *` last (NULL allowed). Only the function that finds the failure writes the message
 * (err_set); each layer above may add context once (err_prefix). The first error wins: err_set on an
 * err that already holds a message keeps the first one. Messages are lower-case, with no full stop. */
#ifndef HUIXIN_ERR_H
#define HUIXIN_ERR_H

#include <stdarg.h>

enum err_code {
    ERR_OK = 0,
    ERR_USAGE = -1,    /* wrong arguments or options */
    ERR_INPUT = -2,    /* a user file is malformed: scenario, campaign, calendar, config */
    ERR_BROWSER = -3,  /* no browser, launch failed, browser exited, renderer crashed, protocol error */
    ERR_TIMEOUT = -4,  /* something did not happen in time */
    ERR_SITE = -5,     /* the site failed: load error, HTTP 5xx, WAF page, not what the scenario expects */
    ERR_STORE = -6,    /* the ledger could not be read or written */
    ERR_IO = -7,       /* a local file or process failed */
    ERR_NOT_FOUND = -8,/* the thing asked for does not exist */
    ERR_INTERNAL = -9, /* a bug */
};

#define ERR_MSG_MAX 2048

struct err {
    int code;
    char msg[ERR_MSG_MAX];
};

void err_init(struct err *e);
/* Sets code and message unless e is NULL or already holds an error. Returns code, so a caller can
 * `return err_set(e, ERR_INPUT, "...")`. */
int err_set(struct err *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Puts "context: " before the message already held. */
void err_prefix(struct err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A short English name of a code: "usage", "input", "browser" ... */
const char *err_code_name(int code);

#endif
