/*
 * clock.c - the system clock and sleeping, the seam every wait goes
 * through (tests pass a fake that moves virtual time instead), and the
 * clock a client with a cancel hands out: its waits end once cancelled.
 */
#include "cancel.h"
#include "http.h"

#include <time.h>

static double system_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (double)time(NULL);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A signal does not shorten a wait: only time, or the cancel of a cancellable clock. */
static void system_sleep(void *ctx, double seconds)
{
    (void)ctx;
    aksnet__cancel_sleep(NULL, seconds);
}

static const struct aksnet__clock system_clock = {system_now, system_sleep, NULL};

/* A constant table of two functions: nothing to initialise, nothing shared to change. */
const struct aksnet__clock *aksnet__clock_system(void)
{
    return &system_clock;
}

static double cancellable_now(void *ctx)
{
    const struct aksnet__cancel_clock *cc = ctx;
    return cc->inner->now(cc->inner->ctx);
}

/* The real clock waits on the cancel's pipe; another (a test's) is asked only while nothing is cancelled. */
static void cancellable_sleep(void *ctx, double seconds)
{
    const struct aksnet__cancel_clock *cc = ctx;
    if (aksnet__cancel_requested(cc->cancel))
        return;
    if (cc->inner == &system_clock)
        aksnet__cancel_sleep(cc->cancel, seconds);
    else
        cc->inner->sleep(cc->inner->ctx, seconds);
}

void aksnet__clock_cancellable(struct aksnet__cancel_clock *cc, const struct aksnet__clock *inner,
                               const struct aksnet_cancel *cancel)
{
    cc->inner = inner ? inner : &system_clock;
    cc->cancel = cancel;
    cc->clock = (struct aksnet__clock){cancellable_now, cancellable_sleep, cc};
}
