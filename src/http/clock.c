/*
 * clock.c - the system clock and sleeping, the seam every wait goes
 * through (tests pass a fake that moves virtual time instead).
 */
#include "http.h"

#include <errno.h>
#include <time.h>

static double system_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (double)time(NULL);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* nanosleep is restarted with what is left when a signal interrupts it: never shorter. */
static void system_sleep(void *ctx, double seconds)
{
    (void)ctx;
    if (!(seconds > 0))
        return;
    if (seconds > 1e9)
        seconds = 1e9;
    struct timespec req, rem;
    req.tv_sec = (time_t)seconds;
    req.tv_nsec = (long)((seconds - (double)req.tv_sec) * 1e9);
    if (req.tv_nsec > 999999999L)
        req.tv_nsec = 999999999L;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

static const struct aksnet__clock system_clock = {system_now, system_sleep, NULL};

/* A constant table of two functions: nothing to initialise, nothing shared to change. */
const struct aksnet__clock *aksnet__clock_system(void)
{
    return &system_clock;
}
