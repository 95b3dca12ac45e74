/* URLs fit to show: webhook and TSA URLs often carry credentials (user:password@, ?access_token=,
 * ?key=, a token as the last path segment), and those must never reach a log or an error message. */
#ifndef HUIXIN_URL_REDACT_H
#define HUIXIN_URL_REDACT_H

/* A copy of url with its userinfo, fragment, the values of query parameters whose names suggest a
 * secret (token, key, secret, sign, pass, pwd, auth, sig, ticket, code) and token-like path segments (16 or
 * more characters with both letters and digits) replaced by "***". Caller frees. Never NULL. */
char *url_redact(const char *url);

#endif
