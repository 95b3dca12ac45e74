/* huixin's own TLS handshake with a site, to read its certificate (verify/cert_probe.h).
 *
 * The browser's view of a certificate error is one net::ERR_CERT_... word, and once a scenario lets the
 * page go on past certificate errors (site.tls "accept") the browser says nothing at all. A handshake of
 * our own shows the certificate itself in both cases, and its verdict does not depend on what the browser
 * was told. The chain is verified against the system's trusted authorities (OpenSSL's default paths) and
 * for the host asked for (a name, or an IP address); the handshake completes whatever the verdict
 * (SSL_VERIFY_NONE: the verdict is read afterwards), and nothing is sent over the connection. A site whose
 * chain lacks an intermediate certificate fails here ("unable to get local issuer certificate") while
 * Chrome may fetch the missing one itself: that is a finding too, and the visit's outcome is still the
 * browser's.
 *
 * A visit through a proxy (common/proxy.h) makes its handshake through the same proxy, never directly:
 * an office that must test from outside its network must not show the site its own address. An HTTP
 * proxy is asked for a tunnel (CONNECT host:port, with Basic Proxy-Authorization when it has
 * credentials); a SOCKS5 one for a connection (no authentication, the host name resolved by the proxy). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/proxy.h"
#include "verify/cert_probe.h"

bool cert_url_https_target(const char *url, char **host, int *port)
{
    *host = NULL;
    *port = 443;
    if (!url || strncasecmp(url, "https://", 8) != 0)
        return false;
    const char *a = url + 8;
    size_t n = strcspn(a, "/?#");
    const char *at = memchr(a, '@', n); /* user:password@ is not the host */
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    const char *hs = a, *colon;
    size_t hn;
    if (*a == '[') { /* [::1]:8443 */
        const char *close = memchr(a, ']', n);
        if (!close)
            return false;
        hs = a + 1;
        hn = (size_t)(close - hs);
        colon = close + 1 < a + n && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(a, ':', n);
        hn = colon ? (size_t)(colon - a) : n;
    }
    if (hn == 0)
        return false;
    if (colon) {
        int p = 0;
        for (const char *c = colon + 1; c < a + n; c++) {
            if (*c < '0' || *c > '9' || p > 65535)
                return false;
            p = p * 10 + (*c - '0');
        }
        if (p < 1 || p > 65535)
            return false;
        *port = p;
    }
    *host = xstrndup(hs, hn);
    for (char *c = *host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return true;
}

/* Waits until fd is ready for events or the deadline (clock_mono_ms) passes: 0, or ERR_TIMEOUT. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - clock_mono_ms();
        if (left <= 0)
            return ERR_TIMEOUT;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return ERR_SITE;
    }
}

/* A non-blocking socket connected to host:port before the deadline, or -1 with the message in e. */
static int connect_by(const char *host, int port, int64_t deadline_ms, struct err *e)
{
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, service, &hints, &res);
    if (g != 0) {
        err_set(e, ERR_SITE, "cannot look up '%s': %s", host, gai_strerror(g));
        return -1;
    }
    int fd = -1;
    const char *why = "no address";
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            why = strerror(errno);
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        int soerr = errno;
        if (soerr == EINPROGRESS) {
            socklen_t len = sizeof soerr;
            if (wait_fd(fd, POLLOUT, deadline_ms) != 0)
                soerr = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
                soerr = errno;
        }
        if (soerr == 0)
            break;
        why = strerror(soerr);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        err_set(e, ERR_SITE, "cannot connect to %s:%d: %s", host, port, why);
    return fd;
}

static char *name_text(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    /* RFC 2253, UTF-8 kept as it is (Chinese organisation names) */
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s = xstrndup(data ? data : "", n > 0 ? (size_t)n : 0);
    BIO_free(bio);
    return s;
}

static char *time_text(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return xstrdup("");
    return xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

static void san_read(X509 *cert, struct cert_finding *out)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    int n = names ? sk_GENERAL_NAME_num(names) : 0;
    out->san = xcalloc((size_t)n + 1, sizeof *out->san);
    for (int i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            out->san[out->n_san++] =
                xasprintf("DNS:%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            char ip[INET6_ADDRSTRLEN] = "";
            int len = ASN1_STRING_length(s);
            if (len == 4 || len == 16)
                inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip);
            out->san[out->n_san++] = xasprintf("IP:%s", ip);
        }
    }
    GENERAL_NAMES_free(names);
}

static const char *ssl_error_text(void)
{
    unsigned long code = ERR_get_error();
    const char *r = code ? ERR_reason_error_string(code) : NULL;
    ERR_clear_error();
    return r ? r : "the connection closed";
}

/* Writes all of data to the non-blocking fd before the deadline: 0, or an error naming what. */
static int send_all(int fd, const void *data, size_t len, int64_t deadline_ms, const char *what, struct err *e)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return err_set(e, ERR_SITE, "%s: %s", what, strerror(errno));
        if (wait_fd(fd, POLLOUT, deadline_ms) != 0)
            return err_set(e, ERR_TIMEOUT, "%s: no answer in time", what);
    }
    return 0;
}

/* Reads exactly len bytes (or, with is_head, up to the end of an HTTP head, at most len) before the
 * deadline; *got says how many. */
static int recv_some(int fd, unsigned char *buf, size_t len, bool is_head, size_t *got, int64_t deadline_ms,
                     const char *what, struct err *e)
{
    size_t have = 0;
    while (have < len) {
        /* one byte at a time for a head: what follows it is the site's TLS, not ours to take */
        ssize_t n = recv(fd, buf + have, is_head ? 1 : len - have, 0);
        if (n > 0) {
            have += (size_t)n;
            if (is_head && have >= 4 && memcmp(buf + have - 4, "\r\n\r\n", 4) == 0)
                break;
            continue;
        }
        if (n == 0)
            return err_set(e, ERR_SITE, "%s: the proxy closed the connection", what);
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return err_set(e, ERR_SITE, "%s: %s", what, strerror(errno));
        if (wait_fd(fd, POLLIN, deadline_ms) != 0)
            return err_set(e, ERR_TIMEOUT, "%s: no answer in time", what);
    }
    *got = have;
    return 0;
}

static int tunnel_http(int fd, const struct proxy *px, const char *host, int port, int64_t deadline_ms, struct err *e)
{
    bool is_v6 = strchr(host, ':') != NULL;
    char *target = xasprintf("%s%s%s:%d", is_v6 ? "[" : "", host, is_v6 ? "]" : "", port);
    char *auth = NULL;
    if (px->user) {
        char *plain = xasprintf("%s:%s", px->user, px->password ? px->password : "");
        size_t n = strlen(plain);
        unsigned char *b64 = xcalloc(4 * ((n + 2) / 3) + 1, 1);
        EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)n);
        auth = xasprintf("Proxy-Authorization: Basic %s\r\n", (char *)b64);
        memset(plain, 0, n);
        free(plain);
        free(b64);
    }
    char *req = xasprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", target, target, auth ? auth : "");
    unsigned char head[4096];
    size_t got = 0;
    int rc = send_all(fd, req, strlen(req), deadline_ms, "the proxy's tunnel", e);
    if (rc == 0)
        rc = recv_some(fd, head, sizeof head - 1, true, &got, deadline_ms, "the proxy's tunnel", e);
    if (rc == 0) {
        head[got] = '\0';
        int status = 0;
        if (sscanf((const char *)head, "HTTP/%*d.%*d %d", &status) != 1 || status != 200)
            rc = err_set(e, ERR_SITE, "the proxy refused a tunnel to %s: %.*s", target,
                         (int)strcspn((const char *)head, "\r\n"), (const char *)head);
    }
    if (auth) {
        memset(auth, 0, strlen(auth));
        memset(req, 0, strlen(req));
    }
    free(auth);
    free(req);
    free(target);
    return rc;
}

static int tunnel_socks5(int fd, const char *host, int port, int64_t deadline_ms, struct err *e)
{
    const char *what = "the SOCKS5 proxy";
    unsigned char buf[300];
    size_t got = 0, n = strlen(host);
    if (n > 255)
        return err_set(e, ERR_SITE, "%s: the host name is longer than 255 bytes", what);
    int rc = send_all(fd, "\x05\x01\x00", 3, deadline_ms, what, e); /* version 5, one method: none */
    if (rc == 0)
        rc = recv_some(fd, buf, 2, false, &got, deadline_ms, what, e);
    if (rc == 0 && (buf[0] != 5 || buf[1] != 0))
        rc = err_set(e, ERR_SITE, "%s wants authentication, which huixin does not do for SOCKS5", what);
    if (rc != 0)
        return rc;
    size_t len = 0;
    buf[len++] = 5;
    buf[len++] = 1; /* CONNECT */
    buf[len++] = 0;
    buf[len++] = 3; /* a domain name (or an address as text): the proxy resolves it */
    buf[len++] = (unsigned char)n;
    memcpy(buf + len, host, n);
    len += n;
    buf[len++] = (unsigned char)(port >> 8);
    buf[len++] = (unsigned char)(port & 0xff);
    if ((rc = send_all(fd, buf, len, deadline_ms, what, e)) != 0 ||
        (rc = recv_some(fd, buf, 5, false, &got, deadline_ms, what, e)) != 0)
        return rc;
    if (buf[0] != 5 || buf[1] != 0)
        return err_set(e, ERR_SITE, "%s could not connect to %s:%d (reply %d)", what, host, port, buf[1]);
    /* the bound address: 4 or 16 bytes, or a name of buf[4] bytes (one of them read already), and a port */
    size_t rest = buf[3] == 1 ? 4 - 1 + 2 : buf[3] == 4 ? 16 - 1 + 2 : buf[3] == 3 ? (size_t)buf[4] + 2 : 0;
    if (rest == 0)
        return err_set(e, ERR_SITE, "%s gave a malformed reply", what);
    return recv_some(fd, buf, rest, false, &got, deadline_ms, what, e);
}

int cert_probe(const char *host, int port, int timeout_ms, struct cert_finding *out, struct err *e)
{
    return cert_probe_via(host, port, NULL, timeout_ms, out, e);
}

int cert_probe_via(const char *host, int port, const struct proxy *proxy, int timeout_ms, struct cert_finding *out,
                   struct err *e)
{
    memset(out, 0, sizeof *out);
    int64_t deadline_ms = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    X509 *cert = NULL;
    int rc = 0;
    int fd = proxy ? connect_by(proxy->host, proxy->port, deadline_ms, e) : connect_by(host, port, deadline_ms, e);
    if (fd < 0) {
        if (proxy)
            err_prefix(e, "proxy");
        return ERR_SITE;
    }
    if (proxy && (rc = proxy_is_socks(proxy) ? tunnel_socks5(fd, host, port, deadline_ms, e)
                                             : tunnel_http(fd, proxy, host, port, deadline_ms, e)) != 0)
        goto out;
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        rc = err_set(e, ERR_SITE, "cannot make a TLS context: %s", ssl_error_text());
        goto out;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* complete the handshake; the verdict is read after */
    SSL_CTX_set_default_verify_paths(ctx);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    unsigned char addr[16];
    bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
        SSL_set_tlsext_host_name(ssl, host);
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    for (;;) {
        int r = SSL_connect(ssl);
        if (r == 1)
            break;
        int why = SSL_get_error(ssl, r);
        short events = why == SSL_ERROR_WANT_READ ? POLLIN : why == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!events) {
            rc = err_set(e, ERR_SITE, "no TLS handshake with %s:%d: %s", host, port, ssl_error_text());
            goto out;
        }
        if (wait_fd(fd, events, deadline_ms) != 0) {
            rc = err_set(e, ERR_TIMEOUT, "no TLS handshake with %s:%d within %d ms", host, port, timeout_ms);
            goto out;
        }
    }
    cert = SSL_get1_peer_certificate(ssl);
    if (!cert) {
        rc = err_set(e, ERR_SITE, "%s:%d presented no certificate", host, port);
        goto out;
    }
    out->host = xstrdup(host);
    out->port = port;
    out->subject = name_text(X509_get_subject_name(cert));
    out->issuer = name_text(X509_get_issuer_name(cert));
    out->not_before = time_text(X509_get0_notBefore(cert));
    out->not_after = time_text(X509_get0_notAfter(cert));
    san_read(cert, out);
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        out->error = xstrdup(X509_verify_cert_error_string(verify));
out:
    X509_free(cert);
    SSL_free(ssl); /* no close_notify: nothing was said over it */
    SSL_CTX_free(ctx);
    close(fd);
    if (rc != 0)
        cert_finding_release(out);
    return rc;
}

void cert_finding_release(struct cert_finding *f)
{
    if (!f)
        return;
    free(f->host);
    free(f->subject);
    free(f->issuer);
    free(f->not_before);
    free(f->not_after);
    for (size_t i = 0; i < f->n_san; i++)
        free(f->san[i]);
    free(f->san);
    free(f->error);
    memset(f, 0, sizeof *f);
}
