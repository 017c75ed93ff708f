/*
 * aksnet/cancel.h - stopping a run early, from a signal handler or from
 * another thread.
 *
 * A cancel is given to a client (aksnet_client_options.cancel).  Once it is
 * requested, every wait of that client (between retries, between polls of
 * an operation, before a role assignment is sent again) ends at once, every
 * transfer under way is aborted (within about a second: libcurl's progress
 * callback), no request is sent any more, and the engine starts no step:
 * aksnet_provision_run returns AKSNET_ECANCELED with the operations that may
 * still be running on ARM (provision.h says what a run reports).
 *
 * aksnet_cancel_request is async-signal-safe: a SIGINT handler may call
 * it, and nothing else.  The cancel holds a flag (a lock-free atomic) and a
 * self-pipe whose read end becomes readable once requested, which is what
 * the waits poll.
 */
#ifndef AKSNET_CANCEL_H
#define AKSNET_CANCEL_H

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A request to stop, not yet made or made once (it cannot be taken back). */
struct aksnet_cancel;

/** Make a cancel (a pipe: two descriptors, close-on-exec).  AKSNET_EIO when no pipe can be had. */
aksnet_code aksnet_cancel_new(struct aksnet_cancel **out, struct aksnet_error *err);

/**
 * Ask every client holding cancel to stop.  reason (a signal number, say;
 * 0 is taken as -1) is kept from the first call; later calls change nothing.
 * Async-signal-safe (an atomic store and one write(2)); errno is preserved.
 */
void aksnet_cancel_request(struct aksnet_cancel *cancel, int reason);

/** The first request's reason, 0 while none was made.  Any thread; NULL gives 0. */
int aksnet_cancel_reason(const struct aksnet_cancel *cancel);

/** Close the pipe and free.  No client may use cancel any more.  NULL is allowed. */
void aksnet_cancel_free(struct aksnet_cancel *cancel);

#ifdef __cplusplus
}
#endif
#endif
