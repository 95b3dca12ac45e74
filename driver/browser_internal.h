/* The browser struct, inside the driver. browser.c starts and ends it (launch or connect, close); the
 * page files only reach through it: its connection, its page slots and the window size. No function of
 * browser.c is declared here: the calls go one way, browser.c -> page files (driver/page_internal.h). */
#ifndef HUIXIN_BROWSER_INTERNAL_H
#define HUIXIN_BROWSER_INTERNAL_H

#include <stdint.h>

#include "driver/launch.h"

struct cdp;
struct page;
struct ws;

#define PAGE_MAX 64

struct browser {
    struct launch launch;  /* pid 0 when connected to a running browser */
    struct cdp *cdp;
    struct ws *ws;
    char *version;         /* "Chrome/156..." */
    char *ws_url;          /* the browser's DevTools websocket, for other processes to connect to */
    int width, height;
    struct page *pages[PAGE_MAX]; /* page_open fills a slot, page_close empties it */
    int64_t budget_deadline_ms;   /* browser_budget_start: clock_mono_ms past which page calls fail (0: none) */
    int budget_ms;
    /* What sites are told (page_identity.c): set by browser_identity_resolve, sent to every session */
    char *user_agent;      /* the UA string: our own with "HeadlessChrome" made "Chrome", or the user's */
    char *ua_version;      /* "156.0.8078.73" for the client hints; NULL when the user gave the UA */
    char *language;        /* "zh-CN" */
    char *timezone;        /* "Asia/Shanghai" */
};

#endif
