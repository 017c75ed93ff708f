/*
 * fake_clock.c - virtual time for tests (see fake_clock.h).
 */
#include "fake_clock.h"

#include <string.h>

/* Everything zero, the time at now and followed by itself: a clock no earlier test can leak into. */
void mt_fake_clock_init(struct mt_fake_clock *c, double now)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->now = now;
    c->base = &c->now;
    c->clock = (struct aksnet__clock){mt_fake_clock_now, mt_fake_clock_sleep, c};
}

/* Tests that run a mock in process let the mock, the pipeline and the test share one time. */
void mt_fake_clock_follow(struct mt_fake_clock *c, double *base)
{
    pthread_mutex_lock(&c->lock);
    c->base = base;
    pthread_mutex_unlock(&c->lock);
}

/* Pairs with mt_fake_clock_init for clocks that live on the heap. */
void mt_fake_clock_destroy(struct mt_fake_clock *c)
{
    pthread_mutex_destroy(&c->lock);
}

/* A test of several steps counts each step's waits from zero. */
void mt_fake_clock_forget(struct mt_fake_clock *c)
{
    pthread_mutex_lock(&c->lock);
    c->nwaits = 0;
    pthread_mutex_unlock(&c->lock);
}

/* Under the lock: the engine's workers read the time while others move it. */
double mt_fake_clock_now(void *ctx)
{
    struct mt_fake_clock *c = ctx;
    pthread_mutex_lock(&c->lock);
    double now = *c->base + c->skew;
    pthread_mutex_unlock(&c->lock);
    return now;
}

/* The tests check what was waited (Retry-After, backoff) and never wait for it. */
void mt_fake_clock_sleep(void *ctx, double seconds)
{
    struct mt_fake_clock *c = ctx;
    pthread_mutex_lock(&c->lock);
    if (c->nwaits < MT_FAKE_CLOCK_WAITS)
        c->waits[c->nwaits++] = seconds;
    if (seconds > 0)
        *c->base += seconds;
    pthread_mutex_unlock(&c->lock);
}

/* Latency is not a wait: logs show it, the wait list must not. */
void mt_fake_clock_advance(struct mt_fake_clock *c, double seconds)
{
    pthread_mutex_lock(&c->lock);
    *c->base += seconds;
    pthread_mutex_unlock(&c->lock);
}

/* Whether a run honoured a delay somewhere among its many waits, in any order. */
bool mt_fake_clock_waited(struct mt_fake_clock *c, double seconds)
{
    bool found = false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nwaits && !found; i++)
        found = c->waits[i] == seconds;
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* A long-running operation's polls together must add up to its duration. */
double mt_fake_clock_total(struct mt_fake_clock *c)
{
    double sum = 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nwaits; i++)
        sum += c->waits[i];
    pthread_mutex_unlock(&c->lock);
    return sum;
}

/* Jitter the test can predict: the delay a retry waits is then exact. */
double mt_fixed_random(void *ctx)
{
    return *(const double *)ctx;
}
