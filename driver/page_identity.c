/* The identity sites see: user agent (with its client hints), language and time zone.
 *
 * A headless Chromium announces itself as "HeadlessChrome" (in the User-Agent header, navigator.userAgent
 * and the Sec-CH-UA brands), speaks en-US and lives in the server's zone (UTC on most servers). WAFs in
 * front of government portals block the first; sites render dates and the language differently for the
 * others. Every session a visit uses (its page, popups, out-of-process iframes) is told, before it runs,
 * the identity of an ordinary desktop Chromium in China: the same browser's own user agent with
 * "HeadlessChrome" made "Chrome", zh-CN, Asia/Shanghai. The user may give each (--user-agent, --language,
 * --timezone); meta.json records what was used. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"

#define HEADLESS_PRODUCT "HeadlessChrome/"
#define DESKTOP_PRODUCT "Chrome/"

/* own_ua with "HeadlessChrome/" made "Chrome/" (a fresh string). */
static char *ua_without_headless(const char *own_ua)
{
    const char *at = strstr(own_ua, HEADLESS_PRODUCT);
    if (!at)
        return xstrdup(own_ua);
    return xasprintf("%.*s%s%s", (int)(at - own_ua), own_ua, DESKTOP_PRODUCT, at + strlen(HEADLESS_PRODUCT));
}

/* "156.0.8078.73" out of "...Chrome/156.0.8078.73 ..." (a fresh string), NULL when there is none. */
static char *ua_chrome_version(const char *ua)
{
    const char *at = strstr(ua, DESKTOP_PRODUCT);
    if (!at)
        return NULL;
    at += strlen(DESKTOP_PRODUCT);
    size_t n = strspn(at, "0123456789.");
    return n ? xasprintf("%.*s", (int)n, at) : NULL;
}

void browser_identity_resolve(struct browser *b, const struct browser_options *o, const char *own_ua)
{
    if (o && o->user_agent && *o->user_agent) {
        b->user_agent = xstrdup(o->user_agent);
        b->ua_version = NULL; /* the user's string: no client hints of ours that could contradict it */
    } else {
        b->user_agent = ua_without_headless(own_ua && *own_ua ? own_ua : "");
        b->ua_version = ua_chrome_version(b->user_agent);
    }
    b->language = xstrdup(o && o->language && *o->language ? o->language : BROWSER_LANGUAGE_DEFAULT);
    b->timezone = xstrdup(o && o->timezone && *o->timezone ? o->timezone : BROWSER_TIMEZONE_DEFAULT);
}

void browser_identity_release(struct browser *b)
{
    free(b->user_agent);
    free(b->ua_version);
    free(b->language);
    free(b->timezone);
    b->user_agent = b->ua_version = b->language = b->timezone = NULL;
}

void browser_identity_get(const struct browser *b, struct browser_identity *out)
{
    out->user_agent = b->user_agent ? b->user_agent : "";
    out->language = b->language ? b->language : BROWSER_LANGUAGE_DEFAULT;
    out->timezone = b->timezone ? b->timezone : BROWSER_TIMEZONE_DEFAULT;
}

/* "zh-CN,zh": the tag, then its primary language as a second choice, as a Chinese desktop has them; the
 * browser adds the q-values to the Accept-Language header itself (with them here, navigator.languages
 * would carry "zh;q=0.9"). */
static char *accept_language(const char *tag)
{
    const char *dash = strchr(tag, '-');
    if (!dash)
        return xstrdup(tag);
    return xasprintf("%s,%.*s", tag, (int)(dash - tag), tag);
}

/* The client hints of an ordinary desktop Chromium of this version (Sec-CH-UA, navigator.userAgentData):
 * without them the brands would still say HeadlessChrome. */
static json_t *ua_metadata(const char *version)
{
    char major[16];
    size_t n = strcspn(version, ".");
    snprintf(major, sizeof major, "%.*s", (int)(n < sizeof major ? n : sizeof major - 1), version);
    return json_pack("{s:[{s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:b, s:b}",
                     "brands", "brand", "Chromium", "version", major, "brand", "Not_A Brand", "version", "24",
                     "fullVersionList", "brand", "Chromium", "version", version, "brand", "Not_A Brand",
                     "version", "24.0.0.0",
                     "fullVersion", version, "platform", "Linux", "platformVersion", "", "architecture", "x86",
                     "model", "", "bitness", "64", "mobile", 0, "wow64", 0);
}

void page_identity_enable(struct browser *b, const char *session, bool is_page)
{
    (void)is_page; /* iframes in other processes make requests and run scripts too */
    if (!b->user_agent)
        return; /* not resolved (a browser made by hand in a unit test) */
    char *accept = accept_language(b->language);
    json_t *ua = json_pack("{s:s, s:s, s:s}", "userAgent", b->user_agent, "acceptLanguage", accept,
                           "platform", "Linux x86_64");
    if (b->ua_version)
        json_object_set_new(ua, "userAgentMetadata", ua_metadata(b->ua_version));
    cdp_send_ignored(b->cdp, session, "Network.setUserAgentOverride", ua);
    cdp_send_ignored(b->cdp, session, "Emulation.setLocaleOverride", json_pack("{s:s}", "locale", b->language));
    cdp_send_ignored(b->cdp, session, "Emulation.setTimezoneOverride",
                     json_pack("{s:s}", "timezoneId", b->timezone));
    free(accept);
}

bool browser_language_is_valid(const char *tag)
{
    size_t i = 0;
    while (tag[i] && isalpha((unsigned char)tag[i]))
        i++;
    if (i < 2 || i > 3)
        return false;
    while (tag[i] == '-') {
        size_t n = 0;
        i++;
        while (tag[i] && isalnum((unsigned char)tag[i])) {
            i++;
            n++;
        }
        if (n < 1 || n > 8)
            return false;
    }
    return tag[i] == '\0';
}

bool browser_timezone_is_valid(const char *zone)
{
    size_t n = strlen(zone);
    if (n < 1 || n > 64 || zone[0] == '/' || zone[n - 1] == '/' || strstr(zone, "..") || strstr(zone, "//"))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)zone[i]) && !strchr("/_+-", zone[i]))
            return false;
    return isalpha((unsigned char)zone[0]);
}

bool browser_user_agent_is_valid(const char *ua)
{
    size_t n = strlen(ua);
    if (n < 1 || n > 512)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)ua[i] < 0x20 || (unsigned char)ua[i] > 0x7e)
            return false;
    return true;
}
