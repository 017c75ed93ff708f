/*
 * validate_internal.h - what the validator shares with the rest of src/plan:
 * the ranges AKS reserves and a plan's node demand, so that `aksnet suggest`
 * chooses by the very numbers the validator then checks.
 */
#ifndef AKSNET_VALIDATE_INTERNAL_H
#define AKSNET_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aksnet/plan.h"

/**
 * The ranges Azure and AKS reserve, which no VNet, pod or service range may
 * overlap (the reserved-range rule), as prefixes; *count receives how many.
 */
const char *const *aksnet__validate_reserved_ranges(size_t *count);

/**
 * Nodes of every pool at its largest size (count, or the autoscaler's
 * maxCount) and their upgrade surge (maxSurge as a count or a percentage of
 * that size).  Pools the reader marked malformed count nothing.  Returns false
 * when some pool's maxSurge is not a surge (the max-surge rule); that pool's
 * surge counts 0.
 */
bool aksnet__validate_demand(const struct aksnet_plan *plan, uint64_t *nodes, uint64_t *surge);

#endif
