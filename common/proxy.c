#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/err.h"
#include "common/proxy.h"
#include "common/url_redact.h"

#define PROXY_CREDENTIALS_MAX 4096

static const char *const proxy_expected = "expected http://HOST:PORT or socks5://HOST:PORT";

static bool host_char_is_ok(char c, bool is_v6)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')
        return true;
    return is_v6 && c == ':';
}

static int proxy_parse_quoted(const char *url, const char *shown, struct proxy *out, struct err *e);

int proxy_parse(const char *url, struct proxy *out, struct err *e)
{
    /* the value as the messages quote it: a password typed into the URL is not repeated */
    char *shown = url_redact(url ? url : "");
    int rc = proxy_parse_quoted(url, shown, out, e);
    free(shown);
    return rc;
}

static int proxy_parse_quoted(const char *url, const char *shown, struct proxy *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *p;
    if (!url || !*url)
        return err_set(e, ERR_USAGE, "proxy '': %s", proxy_expected);
    if (strncasecmp(url, "http://", 7) == 0) {
        snprintf(out->scheme, sizeof out->scheme, "http");
        p = url + 7;
    } else if (strncasecmp(url, "socks5://", 9) == 0) {
        snprintf(out->scheme, sizeof out->scheme, "socks5");
        p = url + 9;
    } else {
        return err_set(e, ERR_USAGE, "proxy '%s': %s (an HTTP proxy, or a SOCKS5 one without credentials)", shown,
                       proxy_expected);
    }
    size_t n = strcspn(p, "/?#");
    if (memchr(p, '@', strlen(p)))
        return err_set(e, ERR_USAGE, "proxy '%s': credentials do not go in the URL (it is logged and recorded); "
                       "give them in a file of mode 0600 (--proxy-credentials, site.proxy_credentials)", shown);
    if (p[n] && strcmp(p + n, "/") != 0)
        return err_set(e, ERR_USAGE, "proxy '%s': no path, query or fragment: %s", shown, proxy_expected);
    const char *host = p, *colon;
    size_t host_len;
    bool is_v6 = *p == '[';
    if (is_v6) {
        const char *close = memchr(p, ']', n);
        if (!close)
            return err_set(e, ERR_USAGE, "proxy '%s': an IPv6 address has no closing ']': %s", shown, proxy_expected);
        host = p + 1;
        host_len = (size_t)(close - host);
        colon = close + 1 < p + n && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', n);
        host_len = colon ? (size_t)(colon - p) : n;
    }
    if (host_len == 0 || host_len > 253)
        return err_set(e, ERR_USAGE, "proxy '%s': no host: %s", shown, proxy_expected);
    for (size_t i = 0; i < host_len; i++)
        if (!host_char_is_ok(host[i], is_v6))
            return err_set(e, ERR_USAGE, "proxy '%s': the host has a character a host name cannot have: %s", shown,
                           proxy_expected);
    if (!colon)
        return err_set(e, ERR_USAGE, "proxy '%s': no port: %s", shown, proxy_expected);
    long port = 0;
    const char *d = colon + 1;
    for (; d < p + n && *d >= '0' && *d <= '9' && port <= 65535; d++)
        port = port * 10 + (*d - '0');
    if (d == colon + 1 || d != p + n || port < 1 || port > 65535)
        return err_set(e, ERR_USAGE, "proxy '%s': the port must be a number from 1 to 65535: %s", shown,
                       proxy_expected);
    out->host = xstrndup(host, host_len);
    for (char *c = out->host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    out->port = (int)port;
    return 0;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

int proxy_credentials_load(struct proxy *p, const char *path, struct err *e)
{
    int rc = 0, fd = -1;
    char buf[PROXY_CREDENTIALS_MAX + 1];
    size_t len = 0;
    if (proxy_is_socks(p))
        return err_set(e, ERR_USAGE, "proxy credentials '%s': Chromium cannot authenticate to a SOCKS5 proxy; use "
                       "a SOCKS5 proxy without credentials, or an HTTP proxy", path);
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_set(e, ERR_INPUT, "proxy credentials '%s': %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return err_set(e, ERR_INPUT, "proxy credentials '%s': a symbolic link; expected the file itself, of mode "
                       "0600", path);
    if (!S_ISREG(st.st_mode))
        return err_set(e, ERR_INPUT, "proxy credentials '%s': not a regular file", path);
    if (st.st_mode & 077)
        return err_set(e, ERR_INPUT, "proxy credentials '%s': mode %04o lets group or others read the password; "
                       "expected 0600: run 'chmod 600 %s'", path, (unsigned)(st.st_mode & 07777), path);
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return err_set(e, ERR_INPUT, "proxy credentials '%s': %s", path, strerror(errno));
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(e, ERR_INPUT, "proxy credentials '%s': %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == sizeof buf - 1) {
            rc = err_set(e, ERR_INPUT, "proxy credentials '%s': longer than %d bytes; expected one line "
                         "user:password", path, PROXY_CREDENTIALS_MAX);
            goto out;
        }
    }
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len && buf[len - 1] == '\r')
        buf[--len] = '\0';
    char *colon = strchr(buf, ':');
    if (!colon || colon == buf || strpbrk(buf, "\n\r") || strlen(buf) != len) {
        rc = err_set(e, ERR_INPUT, "proxy credentials '%s': expected one line user:password", path);
        goto out;
    }
    for (const unsigned char *c = (const unsigned char *)buf; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            rc = err_set(e, ERR_INPUT, "proxy credentials '%s': a control character; expected one line "
                         "user:password", path);
            goto out;
        }
    wipe_free(p->user);
    wipe_free(p->password);
    free(p->credentials_path);
    p->user = xstrndup(buf, (size_t)(colon - buf));
    p->password = xstrdup(colon + 1);
    p->credentials_path = xstrdup(path);
out:
    if (fd >= 0)
        close(fd);
    volatile char *v = buf;
    for (size_t i = 0; i < sizeof buf; i++)
        v[i] = 0;
    return rc;
}

char *proxy_server_format(const struct proxy *p)
{
    bool is_v6 = p->host && strchr(p->host, ':');
    return xasprintf("%s://%s%s%s:%d", p->scheme, is_v6 ? "[" : "", p->host ? p->host : "", is_v6 ? "]" : "",
                     p->port);
}

bool proxy_is_socks(const struct proxy *p)
{
    return strcmp(p->scheme, "socks5") == 0;
}

void proxy_copy(struct proxy *dst, const struct proxy *src)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst->scheme, src->scheme, sizeof dst->scheme);
    dst->host = src->host ? xstrdup(src->host) : NULL;
    dst->port = src->port;
    dst->user = src->user ? xstrdup(src->user) : NULL;
    dst->password = src->password ? xstrdup(src->password) : NULL;
    dst->credentials_path = src->credentials_path ? xstrdup(src->credentials_path) : NULL;
}

void proxy_release(struct proxy *p)
{
    if (!p)
        return;
    free(p->host);
    wipe_free(p->user);
    wipe_free(p->password);
    free(p->credentials_path);
    memset(p, 0, sizeof *p);
}
