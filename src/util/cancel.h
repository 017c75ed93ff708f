/*
 * cancel.h - what the library's waits and transfers need of a cancel
 * (internal; the public half is aksnet/cancel.h).
 */
#ifndef AKSNET__CANCEL_H
#define AKSNET__CANCEL_H

#include <stdbool.h>

#include "aksnet/cancel.h"

/** Whether cancel was requested (NULL: never). */
bool aksnet__cancel_requested(const struct aksnet_cancel *cancel);

/**
 * Sleep up to seconds on the real clock, ending as soon as cancel is
 * requested (its pipe becomes readable; a signal interrupting the wait does
 * not shorten it otherwise).  True when it ended because of the cancel
 * (or cancel was requested already).  cancel NULL: a plain sleep.
 */
bool aksnet__cancel_sleep(const struct aksnet_cancel *cancel, double seconds);

#endif
