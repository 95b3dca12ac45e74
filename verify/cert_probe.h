/* A site's certificate as huixin's own TLS handshake sees it (issue 17, gate 6): who it names, who issued
 * it, when it is valid, the names it covers and whether it verifies against the system's trusted
 * authorities for the host it was asked for. Many government sites serve an expired, self-signed or
 * another host's certificate; that is a finding for the evidence, whatever the browser then does. */
#ifndef HUIXIN_VERIFY_CERT_PROBE_H
#define HUIXIN_VERIFY_CERT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct cert_finding {
    char *host;
    int port;
    char *subject, *issuer;     /* RFC 2253 form, UTF-8: the site's own words */
    char *not_before, *not_after; /* "2026-01-01T00:00:00Z" */
    char **san;                 /* "DNS:www.example.gov.cn", "IP:127.0.0.1" */
    size_t n_san;
    char *error;                /* OpenSSL's word for why it does not verify ("self-signed certificate",
                                   "certificate has expired", "hostname mismatch"...); NULL: it verifies */
};

/* The host and port of an https URL (a fresh host, lower-case, without brackets); false for another
 * scheme or a URL without a host. */
bool cert_url_https_target(const char *url, char **host, int *port);

/* Connects to host:port, makes a TLS handshake (SNI for a name) and reads the certificate the server
 * presents, verified against the system's trusted authorities and for host (a name or an IP address).
 * Connecting and the handshake together take at most timeout_ms (the name lookup is the system's).
 * Fills out (released with cert_finding_release) and returns 0 when a certificate was read, whether or
 * not it verifies; ERR_SITE when no handshake could be made or no certificate came. */
int cert_probe(const char *host, int port, int timeout_ms, struct cert_finding *out, struct err *e);
/* cert_probe through a proxy (common/proxy.h; NULL: directly): an HTTP proxy's CONNECT tunnel (with its
 * credentials), or a SOCKS5 proxy's connection; the proxy refusing is ERR_SITE saying so. */
struct proxy;
int cert_probe_via(const char *host, int port, const struct proxy *proxy, int timeout_ms, struct cert_finding *out,
                   struct err *e);
void cert_finding_release(struct cert_finding *f);

#endif
