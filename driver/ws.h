/* The websocket to the browser (libwebsockets stays in ws.c). A ws is the transport of one struct cdp:
 * what arrives is fed to it, what it sends goes out one lws_write per message. */
#ifndef HUIXIN_WS_H
#define HUIXIN_WS_H

struct cdp;
struct err;
struct ws;

/* Connects to ws://HOST:PORT/PATH within timeout_ms and installs itself as c's transport (c is borrowed
 * and must outlive the ws). ERR_BROWSER names the URL and libwebsockets' reason. */
int ws_open(const char *url, struct cdp *c, int timeout_ms, struct ws **out, struct err *e);
void ws_close(struct ws *w); /* NULL is a no-op */

#endif
