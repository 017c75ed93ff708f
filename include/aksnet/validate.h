/*
 * aksnet/validate.h - the offline validator.
 *
 * Checks a plan (after overrides and defaults) against every rule of the
 * kubenet page and of ARM's naming rules, without touching the network.
 * Each rule has a stable code (docs/plan.md's table, plus the codes marked
 * "aksnet" below) that scripts may match on.
 */
#ifndef AKSNET_VALIDATE_H
#define AKSNET_VALIDATE_H

#include <stddef.h>

#include "error.h"
#include "finding.h"
#include "plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A rule the validator (or the plan reader) applies, for listings and docs. */
struct aksnet_rule {
    const char *code;        /**< stable finding code */
    aksnet_severity severity;/**< what its findings are */
    const char *summary;     /**< one line: what it checks */
};

/** The table of every finding code; *count receives its length. */
const struct aksnet_rule *aksnet_validate_rules(size_t *count);

/**
 * Kubenet's per-node pod limit as AKS enforces it today (250: "Maximum pods per node" in
 * https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning), the seed page's older limit
 * (110, also kubenet's default, only warned about), its floor, and the route-table cap on nodes.
 */
#define AKSNET_KUBENET_MAX_PODS 250
#define AKSNET_KUBENET_SEED_MAX_PODS 110
#define AKSNET_KUBENET_MIN_PODS 10
#define AKSNET_KUBENET_MAX_NODES 400
/** Azure's per-pool node bounds. */
#define AKSNET_POOL_MIN_NODES 1
#define AKSNET_POOL_MAX_NODES 1000
/** Pods every pool must have room for: maxPods x nodes (AKS's documented floor). */
#define AKSNET_POOL_MIN_PODS 30

/**
 * Apply every rule to plan and append the findings to out.  Returns
 * AKSNET_OK when the checks ran (whatever they found) and AKSNET_ENOMEM if
 * findings were lost.
 */
aksnet_code aksnet_validate_plan(const struct aksnet_plan *plan, struct aksnet_findings *out);

/** The table of every code aksnet_validate_fleet (and aksnet_fleet_run's peering check) reports. */
const struct aksnet_rule *aksnet_validate_fleet_rules(size_t *count);

/**
 * Check plans (each validated alone, defaults applied) against each other,
 * offline, and append the findings to out: two plans naming one cluster,
 * sharing a subnet or a route table, subnets that overlap in one VNet,
 * VNets of one resource group whose address spaces overlap, pod ranges
 * that overlap in one VNet (peered VNets are known only to ARM:
 * aksnet_fleet_run reads the peerings).  Every finding is an error whose
 * message names both plans (their source), the earlier first; its field
 * is the key in both.  Returns AKSNET_OK when the checks ran and
 * AKSNET_ENOMEM if findings were lost.  Fewer than two plans: nothing to do.
 */
aksnet_code aksnet_validate_fleet(const struct aksnet_plan *const *plans, size_t count,
                                  struct aksnet_findings *out);

#ifdef __cplusplus
}
#endif
#endif
