/* What the driver's integration tests ask serve.py over plain HTTP (libcurl, no browser): its URLs and
 * its record of the POSTs it received. Include after tests/integration/pages_harness.h (the ports). */
#ifndef HUIXIN_HTTP_HELPERS_H
#define HUIXIN_HTTP_HELPERS_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>

#include "common/base.h"
#include "common/buf.h"
#include "tests/integration/pages_harness.h"

/* A URL of serve.py's first origin; caller frees. */
static char *url_a(const char *path)
{
    return xasprintf("http://127.0.0.1:%d%s", port_a, path);
}

static size_t body_write(char *data, size_t size, size_t n, void *user)
{
    buf_append(user, data, size * n);
    return size * n;
}

/* The server's record of POSTs (a new reference; an empty array when it cannot be had). */
static json_t *posts_get(void)
{
    struct buf b;
    buf_init(&b);
    char *url = url_a("/posts");
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    free(url);
    json_t *j = json_loadb(buf_str(&b), b.len, 0, NULL);
    buf_release(&b);
    return j ? j : json_array();
}

#endif
