/*
 * aksnet/capacity.h - how many nodes and pods a subnet holds.
 *
 * The seed's arithmetic: Azure keeps 5 addresses of every subnet; with
 * kubenet a node takes one subnet address and its pods come from the pod
 * range, so a /24 holds 251 nodes and, at 110 pods a node, 27,610 pods;
 * with Azure CNI every pod takes a subnet address too, so a /24 holds
 * 251 / (30 + 1) = 8 nodes and 240 pods.  Upgrades add surge nodes that
 * need addresses of their own while they run.
 */
#ifndef AKSNET_CAPACITY_H
#define AKSNET_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Addresses Azure keeps in every subnet (network, gateway, two DNS, broadcast). */
#define AKSNET_SUBNET_RESERVED 5

/** The network plugin whose arithmetic applies. */
typedef enum {
    AKSNET_PLUGIN_KUBENET = 0,
    AKSNET_PLUGIN_AZURE
} aksnet_network_plugin;

/** Parse "kubenet" / "azure"; false for anything else. */
bool aksnet_network_plugin_parse(const char *text, aksnet_network_plugin *out);

/** What to compute. */
struct aksnet_capacity_input {
    const char *subnet_prefix;  /**< the subnet, e.g. "192.168.1.0/24" (no host bits) */
    aksnet_network_plugin plugin;
    uint32_t max_pods;     /**< pods per node: 10..250 (kubenet and azure) */
    uint32_t surge_nodes;  /**< nodes to keep free for an upgrade (1 = AKS's default) */
};

/** The answer. */
struct aksnet_capacity {
    uint8_t prefix_len;          /**< the subnet's prefix length (Azure's smallest subnet is a /29) */
    uint64_t addresses;          /**< all addresses of the subnet */
    uint64_t usable;             /**< addresses minus Azure's 5 (0 if fewer) */
    uint64_t addresses_per_node; /**< 1 (kubenet) or 1 + max_pods (azure) */
    uint64_t max_nodes;          /**< nodes the subnet holds with no room for surge */
    uint64_t max_pods;           /**< max_nodes * max_pods */
    uint64_t max_nodes_with_surge; /**< nodes that still leave room for surge_nodes more */
    uint64_t max_pods_with_surge;
    bool limited_by_routes;      /**< kubenet: the 400-route cap, not the subnet, set max_nodes */
    uint8_t pod_cidr_len;        /**< kubenet: longest pod range giving max_nodes a /24 each; 0 if none */
};

/** The pods per node a plugin allows: 10..110 for kubenet, 10..250 for azure. */
void aksnet_capacity_max_pods_range(aksnet_network_plugin plugin, uint32_t *lo, uint32_t *hi);

/** Default pods per node for a plugin (110 kubenet, 30 azure). */
uint32_t aksnet_capacity_default_max_pods(aksnet_network_plugin plugin);

/**
 * Compute a subnet's capacity.  Fails with AKSNET_EINVAL (and a message in
 * err naming the value) when subnet_prefix is not a valid IPv4 prefix or
 * max_pods is outside the plugin's range.
 */
aksnet_code aksnet_capacity_compute(const struct aksnet_capacity_input *in,
                                    struct aksnet_capacity *out, struct aksnet_error *err);

/**
 * Upgrade surge of a pool in nodes: "N" is N nodes, "P%" is P percent of
 * pool_nodes rounded up (at least 1 when P > 0).  False if text is not a
 * whole number 0..pool ceiling, or a percentage 1..100, written plainly.
 */
bool aksnet_capacity_surge_nodes(const char *text, uint64_t pool_nodes, uint64_t *out);

/** The inverse question: what a number of nodes needs. */
struct aksnet_capacity_demand {
    aksnet_network_plugin plugin;
    uint32_t max_pods;     /**< pods per node (only azure's subnet depends on it): 10..250 */
    uint64_t nodes;        /**< nodes at the largest size (count, or the autoscaler's maxCount): 1.. */
    uint64_t surge_nodes;  /**< nodes an upgrade adds while it runs (aksnet_capacity_surge_nodes) */
};

/** What the demand needs. */
struct aksnet_capacity_need {
    uint64_t addresses;    /**< subnet addresses: (nodes + surge) x per node, plus Azure's 5 */
    uint8_t subnet_len;    /**< the longest (smallest) subnet prefix holding them; at most /29, Azure's smallest */
    uint64_t pod_blocks;   /**< kubenet: /24 pod blocks, one per node and surge node; 0 for azure */
    uint8_t pod_cidr_len;  /**< kubenet: the longest pod range holding pod_blocks /24s; 0 for azure */
};

/**
 * The smallest subnet (and, with kubenet, the smallest pod range) that holds
 * in->nodes at their largest size plus in->surge_nodes during an upgrade:
 * `aksnet capacity --nodes N` and `aksnet suggest`.  Fails with AKSNET_EINVAL
 * (and a message in err) when nodes is 0, max_pods is outside the plugin's
 * range, a kubenet cluster has more than 400 nodes (one route each in the
 * route table; the validator's node-count rule) or the addresses do not fit
 * in IPv4 at all.
 */
aksnet_code aksnet_capacity_needed(const struct aksnet_capacity_demand *in, struct aksnet_capacity_need *out,
                                   struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
