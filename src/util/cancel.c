/*
 * cancel.c - a request to stop that a signal handler may make: a lock-free
 * atomic flag (C11 7.14.1.1 lets a handler store to one) and a self-pipe,
 * written once, never drained, so that every waiter polling its read end
 * wakes at once and any later wait ends before it starts.
 */
#include "cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if ATOMIC_INT_LOCK_FREE != 2
#error "a cancel needs a lock-free atomic int to be set from a signal handler"
#endif

struct aksnet_cancel {
    atomic_int reason;
    int fds[2];                 /* the self-pipe: [0] polled, [1] written once */
};

/* Both ends close-on-exec (no child inherits them), the write end non-blocking (a handler never waits). */
static bool set_flags(int fd, bool nonblock)
{
    int fl = fcntl(fd, F_GETFL);
    return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fl != -1 &&
           (!nonblock || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

aksnet_code aksnet_cancel_new(struct aksnet_cancel **out, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    *out = NULL;
    struct aksnet_cancel *c = calloc(1, sizeof(*c));
    if (!c)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    atomic_init(&c->reason, 0);
    if (pipe(c->fds) != 0) {
        int e = errno;
        free(c);
        return aksnet_error_set(err, AKSNET_EIO, "cannot make a pipe for cancelling: errno %d", e);
    }
    if (!set_flags(c->fds[0], true) || !set_flags(c->fds[1], true)) {
        int e = errno;
        aksnet_cancel_free(c);
        return aksnet_error_set(err, AKSNET_EIO, "cannot set up the cancel pipe: errno %d", e);
    }
    *out = c;
    return AKSNET_OK;
}

/* Only what a signal handler may do: a lock-free atomic and write(2). */
void aksnet_cancel_request(struct aksnet_cancel *cancel, int reason)
{
    if (!cancel)
        return;
    int saved = errno;
    int none = 0;
    if (atomic_compare_exchange_strong(&cancel->reason, &none, reason ? reason : -1)) {
        ssize_t w = write(cancel->fds[1], "x", 1);
        (void)w; /* a full pipe is readable already */
    }
    errno = saved;
}

int aksnet_cancel_reason(const struct aksnet_cancel *cancel)
{
    return cancel ? atomic_load(&((struct aksnet_cancel *)cancel)->reason) : 0;
}

bool aksnet__cancel_requested(const struct aksnet_cancel *cancel)
{
    return aksnet_cancel_reason(cancel) != 0;
}

void aksnet_cancel_free(struct aksnet_cancel *cancel)
{
    if (!cancel)
        return;
    close(cancel->fds[0]);
    close(cancel->fds[1]);
    free(cancel);
}

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* poll() on the pipe (or on nothing) in slices of at most a minute, until the time is up or the pipe is readable. */
bool aksnet__cancel_sleep(const struct aksnet_cancel *cancel, double seconds)
{
    if (aksnet__cancel_requested(cancel))
        return true;
    if (!(seconds > 0))
        return false;
    if (seconds > 1e9)
        seconds = 1e9;
    double until = monotonic() + seconds;
    for (;;) {
        double left = until - monotonic();
        if (left <= 0)
            return aksnet__cancel_requested(cancel);
        int ms = left > 60.0 ? 60000 : (int)(left * 1000.0) + 1;
        struct pollfd p = {cancel ? cancel->fds[0] : -1, POLLIN, 0};
        int n = poll(&p, 1, ms);
        if (n > 0 || aksnet__cancel_requested(cancel))
            return aksnet__cancel_requested(cancel) || n > 0;
        if (n < 0 && errno != EINTR)
            return false;
    }
}
