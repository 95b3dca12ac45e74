/* The DevTools Protocol message layer, inside the driver (the layers above use driver/page.h).
 *
 * Pure: it never touches a socket. A transport hands it whole messages (cdp_feed) or pieces of one
 * (cdp_feed_fragment), and it hands the transport what to send through a callback. One increasing id per
 * connection; a pending table id -> (session, deadline); a message with an "id" is a reply, the others are
 * events (with a "sessionId" when they come from an attached target). Events go to the event hook when one
 * is set, else to a queue. When the connection closes every pending command fails at once; when a target
 * dies (renderer crash) every command of its session fails at once and later ones fail at once too.
 *
 * cdp_call is the synchronous way in: it sends, then calls the transport's pump until the reply arrives,
 * the deadline passes or the connection closes. The event hook runs inside the pump and may cdp_send
 * (fire and forget) but must not cdp_call. */
#ifndef HUIXIN_CDP_H
#define HUIXIN_CDP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct cdp;

/* Queues one whole message for sending; returns 0 or -1 when the connection is gone. */
typedef int (*cdp_send_fn)(const char *msg, size_t len, void *user);
/* Services the connection once, waiting at most timeout_ms; returns 0, or -1 when it is closed. */
typedef int (*cdp_pump_fn)(int timeout_ms, void *user);
/* An event: the whole message (method, params, sessionId), borrowed for the call. */
typedef void (*cdp_event_fn)(struct cdp *c, json_t *msg, void *user);
/* Runs after every pump (whatever was received), so the layer above can retry what it sent; like the
 * event hook it may cdp_send but must not cdp_call. */
typedef void (*cdp_tick_fn)(struct cdp *c, void *user);

struct cdp *cdp_new(void);
void cdp_free(struct cdp *c); /* NULL is a no-op */
void cdp_transport_set(struct cdp *c, cdp_send_fn send, cdp_pump_fn pump, void *user);
void cdp_event_hook_set(struct cdp *c, cdp_event_fn fn, void *user);
void cdp_tick_hook_set(struct cdp *c, cdp_tick_fn fn, void *user);

/* Sends a command; params is stolen (NULL: {}); session NULL = the browser. Returns the id (> 0) or a
 * negative ERR_* code. deadline_ms is on clock_mono_ms's scale (0: none). */
int64_t cdp_send(struct cdp *c, const char *session, const char *method, json_t *params, int64_t deadline_ms,
                 struct err *e);
/* Sends a command whose reply nobody waits for (an error reply is logged). */
void cdp_send_ignored(struct cdp *c, const char *session, const char *method, json_t *params);
/* 1 while pending; 0 when answered (*result: a new reference, or left alone if result is NULL);
 * a negative code when it failed, timed out or the connection or its session died. Either way the
 * entry is forgotten once this returns anything but 1. */
int cdp_reply_poll(struct cdp *c, int64_t id, json_t **result, struct err *e);
/* Nobody will poll this command any more: its reply (or failure) is dropped when it comes. */
void cdp_reply_forget(struct cdp *c, int64_t id);
/* Sends and waits up to timeout_ms (0: DRIVER_DEFAULT_TIMEOUT_MS) for the reply. */
int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params, int timeout_ms,
             json_t **result, struct err *e);
/* Pumps the transport once (up to timeout_ms) and expires overdue commands; -1 when closed. */
int cdp_pump(struct cdp *c, int timeout_ms);

/* Input from the transport: one whole message, or a piece of one (appended until is_final). */
void cdp_feed(struct cdp *c, const char *data, size_t len);
void cdp_feed_fragment(struct cdp *c, const char *data, size_t len, bool is_final);

/* Fails every pending command whose deadline is before now_ms (ERR_TIMEOUT). */
void cdp_expire(struct cdp *c, int64_t now_ms);
/* The connection is gone: every pending and later command fails with ERR_BROWSER and reason. The
 * first reason given is kept. */
void cdp_close(struct cdp *c, const char *reason);
bool cdp_is_closed(const struct cdp *c);
const char *cdp_close_reason(const struct cdp *c); /* borrowed; NULL while open */
/* A session's target died: its pending and later commands fail with ERR_BROWSER and reason. */
void cdp_session_fail(struct cdp *c, const char *session, const char *reason);

/* The oldest queued event (a new reference) or NULL. */
json_t *cdp_event_pop(struct cdp *c);
size_t cdp_pending_count(const struct cdp *c);

#endif
