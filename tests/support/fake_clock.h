/*
 * fake_clock.h - virtual time for tests: a clock whose sleep returns at
 * once and moves the time instead, recording each wait, so that retries,
 * polls and deadlines of minutes take no wall time.  One lock guards it:
 * the engine's workers and the mock's server may read and move it at once.
 */
#ifndef AKSNET_TEST_FAKE_CLOCK_H
#define AKSNET_TEST_FAKE_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

#define MT_FAKE_CLOCK_WAITS 4096

struct mt_fake_clock {
    pthread_mutex_t lock;
    double now;                 /* the time, while base points here */
    double *base;               /* the time followed: &now, or another's (an in-process mock's) */
    double skew;                /* added to *base by now(): a clock running late (< 0) or early */
    double waits[MT_FAKE_CLOCK_WAITS];
    size_t nwaits;              /* the waits recorded; more than MT_FAKE_CLOCK_WAITS are not kept */
    struct aksnet__clock clock; /* what the code under test is given */
};

/* Start the time at now, with no wait recorded; c->clock is then ready to hand out. */
void mt_fake_clock_init(struct mt_fake_clock *c, double now);

/* Follow another time from now on (a mock's mt_mock.now), so that a wait moves both. */
void mt_fake_clock_follow(struct mt_fake_clock *c, double *base);

/* Release the lock; the clock is not used afterwards. */
void mt_fake_clock_destroy(struct mt_fake_clock *c);

/* Forget the waits recorded so far (the time stays), so that a test looks at its next step alone. */
void mt_fake_clock_forget(struct mt_fake_clock *c);

/* The time (*base + skew), for struct aksnet__clock and armmock_options.clock; ctx is the clock. */
double mt_fake_clock_now(void *ctx);

/* A wait: recorded, and the time moves on by seconds (when positive); nothing sleeps. */
void mt_fake_clock_sleep(void *ctx, double seconds);

/* Move the time on without recording a wait (time a fake request "takes"). */
void mt_fake_clock_advance(struct mt_fake_clock *c, double seconds);

/* Whether one of the recorded waits was exactly seconds long. */
bool mt_fake_clock_waited(struct mt_fake_clock *c, double seconds);

/* How long all the recorded waits were together. */
double mt_fake_clock_total(struct mt_fake_clock *c);

/* A "random" source for the retry policy's jitter that always gives *(double *)ctx. */
double mt_fixed_random(void *ctx);

#endif
