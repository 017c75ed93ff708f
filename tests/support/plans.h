/*
 * plans.h - plans for tests: the repository's examples (examples/NAME)
 * and plans written inline, loaded through the public reader so that a
 * test starts from what a user's file would give.
 */
#ifndef AKSNET_TEST_PLANS_H
#define AKSNET_TEST_PLANS_H

#include <stddef.h>

#include "aksnet/plan.h"

/*
 * examples/NAME under the source tree, read (defaults not yet applied);
 * fails the test when it cannot be read.  *findings (unless NULL) receives
 * how many findings the reader reported.  Free with aksnet_plan_free.
 */
struct aksnet_plan *mt_plan_example(const char *name, size_t *findings);

/* A plan from JSON text that must read without a finding, defaults applied. */
struct aksnet_plan *mt_plan_from_text(const char *text);

#endif
