/* A proxy that a visit goes through (issue 17, gate 7): an office that must test from outside its own
 * network sends the browser, and huixin's own certificate probe, through an HTTP proxy or a SOCKS5 one.
 *
 * The URL says where it is: "http://HOST:PORT" or "socks5://HOST:PORT" (HOST a name, an IPv4 address or
 * a bracketed IPv6 one). Credentials never ride in the URL (Chromium would not take them there, and a
 * URL ends up in logs and --help): they come from a file of one line "user:password" that only its owner
 * may read (mode 0600 or stricter, a regular file, not a symbolic link). Chromium cannot authenticate to
 * a SOCKS5 proxy, so a SOCKS5 proxy with credentials is refused. The password is kept only as long as the
 * struct and wiped when it is released. */
#ifndef HUIXIN_PROXY_H
#define HUIXIN_PROXY_H

#include <stdbool.h>

struct err;

struct proxy {
    char scheme[8];   /* "http" or "socks5" */
    char *host;       /* as given, without brackets, lower-cased */
    int port;
    char *user;       /* NULL: no credentials */
    char *password;
    char *credentials_path; /* the file they came from, or NULL */
};

/* Parses a proxy URL into out (released with proxy_release, even on failure). ERR_USAGE with the value
 * quoted and what was expected: another scheme, credentials in the URL, a path, a missing or bad port. */
int proxy_parse(const char *url, struct proxy *out, struct err *e);
/* Reads the credentials of p from path: one line "user:password" (a trailing newline allowed). The file
 * must be a regular file, not a symbolic link, readable by its owner only; else ERR_INPUT naming the
 * file and, for the mode, the mode found and "chmod 600 FILE". A SOCKS5 proxy takes none: ERR_USAGE. */
int proxy_credentials_load(struct proxy *p, const char *path, struct err *e);
/* "http://HOST:PORT" (IPv6 in brackets), never the credentials; caller frees. */
char *proxy_server_format(const struct proxy *p);
bool proxy_is_socks(const struct proxy *p);
void proxy_copy(struct proxy *dst, const struct proxy *src);
void proxy_release(struct proxy *p); /* wipes the password; the struct may be parsed into again */

#endif
