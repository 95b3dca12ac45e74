/* The IMAP client (scenarios/mail.h): libcurl speaks the protocol. A search is `UID SEARCH ...` as a
 * custom request on the mailbox URL (libcurl selects the mailbox first and hands back the untagged
 * answer); a message is the URL's `;UID=N` (libcurl's `UID FETCH N BODY[]`). A session is one libcurl
 * handle, so the calls of one look share one connection (one TLS handshake, one login); each call has
 * its own deadline: a mailbox that hangs holds up one poll, never the visit.
 * imaps:// is TLS from the start; imap:// must upgrade with STARTTLS, except to this machine. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/url_redact.h"
#include "scenarios/mail.h"

static bool host_is_loopback(const char *host)
{
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        char inner[INET6_ADDRSTRLEN];
        struct in6_addr a6;
        if (n - 2 >= sizeof inner)
            return false;
        memcpy(inner, host + 1, n - 2);
        inner[n - 2] = '\0';
        return inet_pton(AF_INET6, inner, &a6) == 1 && memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
    }
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    return inet_pton(AF_INET, host, &a4) == 1 && ((const unsigned char *)&a4.s_addr)[0] == 127;
}

bool scn_url_host_is_loopback(const char *url)
{
    /* libcurl's own parser, so the host judged is the host it connects to */
    CURLU *u = curl_url();
    char *host = NULL;
    bool is_loopback = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host)
        is_loopback = host_is_loopback(host);
    curl_free(host);
    curl_url_cleanup(u);
    return is_loopback;
}

void scn_imap_date_format(int64_t ms, char out[12])
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct civil_date d = clock_civil_from_days(clock_beijing_day(ms));
    snprintf(out, 12, "%d-%s-%04d", d.day, months[(d.month - 1) % 12], d.year);
}

struct sink {
    struct buf b;
    bool is_too_big;
};

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct sink *s = user;
    if (s->b.len + size * n > SCN_MAIL_MAX_BYTES) {
        s->is_too_big = true;
        return 0; /* libcurl stops */
    }
    buf_append(&s->b, data, size * n);
    return size * n;
}

struct scn_imap {
    const struct scn_mail_config *c;
    CURL *curl;
};

struct scn_imap *scn_imap_open(const struct scn_mail_config *c)
{
    struct scn_imap *s = xcalloc(1, sizeof *s);
    s->c = c;
    return s;
}

void scn_imap_close(struct scn_imap *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl); /* says LOGOUT on a connection still open */
    free(s);
}

/* One request on url (the mailbox's, or one message's); custom is a custom command or NULL. */
static int imap_call(struct scn_imap *s, const char *url, const char *custom, int timeout_ms, struct sink *out,
                     struct err *e)
{
    const struct scn_mail_config *c = s->c;
    char curl_err[CURL_ERROR_SIZE] = "";
    char *shown = url_redact(url);
    int rc = 0;
    if (!s->curl)
        s->curl = curl_easy_init();
    CURL *curl = s->curl;
    if (!curl) {
        rc = err_set(e, ERR_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    long ms = timeout_ms > 0 ? timeout_ms : 30000;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    if (c->user)
        curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
    if (c->password)
        curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
    if (c->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
    if (strncasecmp(url, "imap://", 7) == 0)
        curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)(scn_url_host_is_loopback(url) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, custom); /* NULL: back to the URL's own command */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        const char *why = *curl_err ? curl_err : curl_easy_strerror(cc);
        if (out->is_too_big)
            rc = err_set(e, ERR_SITE, "mailbox '%s': a message is larger than %d MB: refused", shown,
                         SCN_MAIL_MAX_BYTES / (1024 * 1024));
        else if (cc == CURLE_LOGIN_DENIED)
            rc = err_set(e, ERR_SITE, "mailbox '%s': login denied for user '%s': check the mail config's user and "
                         "password", shown, c->user ? c->user : "");
        else if (cc == CURLE_OPERATION_TIMEDOUT)
            rc = err_set(e, ERR_TIMEOUT, "mailbox '%s': no answer within %ld ms (%s)", shown, ms, why);
        else if (cc == CURLE_USE_SSL_FAILED)
            rc = err_set(e, ERR_SITE, "mailbox '%s': the server offers no STARTTLS, and imap:// without TLS is "
                         "allowed only to this machine (use imaps://)", shown);
        else
            rc = err_set(e, ERR_SITE, "mailbox '%s': %s", shown, why);
    }
    if (rc != 0 && curl) {
        /* whatever state a failed call left the connection in, the next call starts afresh */
        curl_easy_cleanup(curl);
        s->curl = NULL;
    }
out:
    free(shown);
    return rc;
}

/* The mailbox URL without any ;UID= or ?query, with "/INBOX" when it names no mailbox. Caller frees. */
static char *mailbox_url(const char *url)
{
    size_t n = strcspn(url, ";?");
    const char *scheme_end = strstr(url, "://");
    const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (!path || path >= url + n || path + 1 == url + n)
        return xasprintf("%.*s%sINBOX", (int)n, url, path && path < url + n ? "" : "/");
    return xstrndup(url, n);
}

static int uid_compare(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int scn_imap_search(struct scn_imap *s, const char *criteria, int timeout_ms, uint32_t **uids, size_t *n,
                    struct err *e)
{
    *uids = NULL;
    *n = 0;
    char *url = mailbox_url(s->c->url);
    char *cmd = xasprintf("UID SEARCH %s", criteria);
    struct sink out = {0};
    buf_init(&out.b);
    int rc = imap_call(s, url, cmd, timeout_ms, &out, e);
    if (rc == 0) {
        /* "* SEARCH 3 7 9" lines; anything else is ignored */
        const char *p = buf_str(&out.b);
        while (p && *p) {
            const char *eol = strchr(p, '\n');
            size_t len = eol ? (size_t)(eol - p) : strlen(p);
            if (len >= 8 && strncasecmp(p, "* SEARCH", 8) == 0) {
                const char *q = p + 8;
                while (q < p + len) {
                    char *end = NULL;
                    unsigned long v = strtoul(q, &end, 10);
                    if (end == q) {
                        q++;
                        continue;
                    }
                    if (v > 0 && v <= UINT32_MAX) {
                        *uids = xrealloc(*uids, (*n + 1) * sizeof **uids);
                        (*uids)[(*n)++] = (uint32_t)v;
                    }
                    q = end;
                }
            }
            p = eol ? eol + 1 : NULL;
        }
        if (*n > 1)
            qsort(*uids, *n, sizeof **uids, uid_compare);
    }
    buf_release(&out.b);
    free(cmd);
    free(url);
    return rc;
}

int scn_imap_fetch(struct scn_imap *s, uint32_t uid, int timeout_ms, char **raw, size_t *len, struct err *e)
{
    *raw = NULL;
    *len = 0;
    char *box = mailbox_url(s->c->url);
    char *url = xasprintf("%s;UID=%u", box, (unsigned)uid);
    struct sink out = {0};
    buf_init(&out.b);
    int rc = imap_call(s, url, NULL, timeout_ms, &out, e);
    if (rc == 0 && out.b.len == 0) {
        char *shown = url_redact(url);
        rc = err_set(e, ERR_NOT_FOUND, "mailbox '%s': no message", shown);
        free(shown);
    }
    if (rc == 0) {
        *len = out.b.len;
        *raw = buf_detach(&out.b);
    }
    buf_release(&out.b);
    free(url);
    free(box);
    return rc;
}
