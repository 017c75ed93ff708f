/*
 * aksnet/suggest.h - choosing the address ranges a plan leaves out.
 *
 * The seed's hardest part is the numbers: a node subnet big enough for every
 * node at full scale plus the upgrade surge, a pod range that gives each node
 * its /24, a service range and a DNS address, none of them overlapping each
 * other, the VNet's other subnets, peered VNets or the on-premises space.
 * aksnet_suggest_ranges() chooses whichever of network.subnet.addressPrefix,
 * cluster.podCidr, cluster.serviceCidr and cluster.dnsServiceIp the plan
 * left out, around what the plan gave and a list of taken ranges, and says
 * why for each.  It is offline and deterministic: the same plan and taken
 * ranges give the same answer.
 *
 * The rules (docs/plan.md, "Choosing the ranges"):
 *  - the subnet is the smallest prefix (at most /29, Azure's smallest) whose
 *    addresses less Azure's 5 hold every pool at its largest size plus every
 *    pool's upgrade surge, the lowest free one in the VNet's address space;
 *  - the pod range is AKS's default 10.244.0.0/16 when it is free and holds a
 *    /24 for every node and surge node; otherwise the smallest range that
 *    does, the lowest free one in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16;
 *  - the service range is AKS's default 10.0.0.0/16 when free, else the
 *    lowest free /16 of the same private ranges, else the largest free
 *    prefix down to a /24 (and, when only the DNS address is given, the range
 *    around it);
 *  - the DNS address is the service range's tenth address (10.0.0.10 of
 *    10.0.0.0/16, AKS's default).
 * "Free" means outside the VNet (for the pod and service ranges), the node
 * subnet, avoidPrefixes, the ranges Azure and AKS reserve (the validator's
 * reserved-range rule), each other, and the taken ranges that matter for the
 * kind of range being chosen (aksnet_taken_kind).
 */
#ifndef AKSNET_SUGGEST_H
#define AKSNET_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "finding.h"
#include "plan.h"
#include "validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which values to choose: a bit set, as aksnet_suggest_missing() returns it. */
enum {
    AKSNET_SUGGEST_SUBNET = 1u << 0,         /**< network.subnet.addressPrefix */
    AKSNET_SUGGEST_POD_CIDR = 1u << 1,       /**< cluster.podCidr */
    AKSNET_SUGGEST_SERVICE_CIDR = 1u << 2,   /**< cluster.serviceCidr */
    AKSNET_SUGGEST_DNS_SERVICE_IP = 1u << 3, /**< cluster.dnsServiceIp */
    AKSNET_SUGGEST_ALL = 0xfu
};

/**
 * What a taken range is; it decides which of the plan's ranges must stay
 * clear of it.  Kubernetes service addresses are virtual and local to each
 * cluster, so another cluster's service range constrains only what that
 * cluster must be able to reach (our subnet and pod range), not our own
 * service range: AKS's kubenet page says the service range "must not be used
 * by any network element on or connected to this virtual network"
 * (https://learn.microsoft.com/azure/aks/configure-kubenet).
 */
typedef enum {
    AKSNET_TAKEN_OTHER = 0,       /**< in use by something (--taken): nothing may overlap it */
    AKSNET_TAKEN_SUBNET,          /**< another subnet of the plan's VNet */
    AKSNET_TAKEN_PEERED_VNET,     /**< the address space of a peered VNet (remoteAddressSpace) */
    AKSNET_TAKEN_CLUSTER_POD,     /**< another cluster's pod range in the same or a peered VNet */
    AKSNET_TAKEN_CLUSTER_SERVICE  /**< another cluster's service range in the same or a peered VNet */
} aksnet_taken_kind;

/** A range already in use. */
struct aksnet_taken {
    const char *cidr;        /**< "a.b.c.d/len", strictly (no host bits) */
    aksnet_taken_kind kind;  /**< what it is */
    const char *source;      /**< where it comes from, for messages ("--taken", "subnet db of vnet1"); may be NULL */
};

/** One value of a suggestion. */
struct aksnet_suggest_choice {
    char *value;        /**< the value: chosen by aksnet, or the plan's own; NULL if neither */
    bool chosen;        /**< true when aksnet chose it */
    char *explanation;  /**< one or two sentences: why this value (given by the plan, default, or first free) */
};

/** The answer: the four values and why.  Release with aksnet_suggest_free(). */
struct aksnet_suggestion {
    struct aksnet_suggest_choice subnet;          /**< network.subnet.addressPrefix */
    struct aksnet_suggest_choice pod_cidr;        /**< cluster.podCidr */
    struct aksnet_suggest_choice service_cidr;    /**< cluster.serviceCidr */
    struct aksnet_suggest_choice dns_service_ip;  /**< cluster.dnsServiceIp */
    uint64_t nodes;   /**< nodes of every pool at its largest size */
    uint64_t surge;   /**< their upgrade surge, in nodes */
};

/**
 * Which of the four values a plan leaves out: call it after
 * aksnet_plan_apply_overrides() and before aksnet_plan_apply_defaults()
 * (which fills in AKS's defaults).  The subnet counts as missing only for a
 * VNet aksnet creates; an existing subnet's prefix is ARM's.
 */
unsigned aksnet_suggest_missing(const struct aksnet_plan *plan);

/**
 * Choose the values in `choose` (AKSNET_SUGGEST_* bits) for a plan after
 * aksnet_plan_apply_defaults(), whatever the plan holds for them, keeping the
 * plan's other values, around `count` taken ranges.  *out receives the
 * suggestion on AKSNET_OK.  Fails with AKSNET_EINVAL when a taken range is
 * not a prefix, with AKSNET_EPLAN when a value it needs is malformed (a
 * range, a pool's maxSurge, the network plugin) or when nothing fits: err
 * then says which value, what it needs and the largest free block there is.
 * AKSNET_ENOMEM when out of memory.
 */
aksnet_code aksnet_suggest_ranges(const struct aksnet_plan *plan, unsigned choose, const struct aksnet_taken *taken,
                                  size_t count, struct aksnet_suggestion **out, struct aksnet_error *err);

/** Write the suggestion's values into the plan (replacing what it held).  AKSNET_ENOMEM or AKSNET_OK. */
aksnet_code aksnet_suggest_apply(struct aksnet_plan *plan, const struct aksnet_suggestion *suggestion);

/** Release a suggestion.  NULL is allowed. */
void aksnet_suggest_free(struct aksnet_suggestion *suggestion);

/**
 * The codes aksnet_suggest_check() reports (stable, for scripts), with their
 * severity and a one-line summary; *count receives how many.  They are apart
 * from aksnet_validate_rules() because they need the ranges around the plan,
 * which the offline validator does not know.
 */
const struct aksnet_rule *aksnet_suggest_rules(size_t *count);

/**
 * Check the plan's own ranges against the taken ones, by the rules the
 * choices follow (aksnet_taken_kind): the VNet's address space against
 * peered VNets; the node subnet and the pod range against everything taken
 * but, for another cluster's service range, only with a warning; the service
 * range against what is reachable from the VNet.  Appends one finding per
 * overlap (aksnet_suggest_rules() lists the codes; the field is the plan's
 * key, the message names both ranges and where the taken one comes from).
 * Ranges that do not parse are skipped: the validator reports the plan's,
 * and a malformed range ARM holds is ARM's business.  Returns AKSNET_OK, or
 * AKSNET_ENOMEM when a finding was lost.
 */
aksnet_code aksnet_suggest_check(const struct aksnet_plan *plan, const struct aksnet_taken *taken, size_t count,
                                 struct aksnet_findings *out);

#ifdef __cplusplus
}
#endif
#endif
