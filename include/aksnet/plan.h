/*
 * aksnet/plan.h - the plan: what the user wants built.
 *
 * A plan comes from a JSON file (keys spelled as ARM spells them, see
 * docs/plan.md), from az-style flags that override the file, or from flags
 * alone.  Reading never stops at the first problem: syntax errors, unknown
 * keys and wrong types become findings (plan-syntax / plan-field) and the
 * rest of the plan is still read, so the validator can report everything in
 * one run.  Defaults are applied in a separate step, after the overrides,
 * because a default may depend on an overridden value (the route table is
 * named after the cluster).
 *
 * Every string is owned by the plan and released by aksnet_plan_free.  A
 * NULL string means "not given"; numeric fields use AKSNET_PLAN_UNSET.
 */
#ifndef AKSNET_PLAN_H
#define AKSNET_PLAN_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#include "error.h"
#include "finding.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A numeric field that was not given (or was JSON null). */
#define AKSNET_PLAN_UNSET LONG_MIN

/** The default of roleAssignment.waitSeconds: the seed's "up to 60 minutes". */
#define AKSNET_PLAN_ROLE_WAIT_DEFAULT 3600
/** The most roleAssignment.waitSeconds may be. */
#define AKSNET_PLAN_ROLE_WAIT_MAX 86400

/** Plan files larger than this are refused before parsing: a plan is a page of JSON. */
#define AKSNET_PLAN_MAX_BYTES (1024L * 1024L)

/** A resource tag. */
struct aksnet_tag {
    char *key;
    char *value;
};

/** One route of the route table. */
struct aksnet_route {
    char *name;
    char *address_prefix;   /**< destination, a CIDR */
    char *next_hop_type;    /**< VirtualAppliance | Internet | VnetLocal | VirtualNetworkGateway | None */
    char *next_hop_ip;      /**< only with VirtualAppliance */
    bool malformed;         /**< not an object in the file (already reported); rules skip it */
};

/** One agent pool of the cluster. */
struct aksnet_node_pool {
    char *name;
    long count;               /**< nodes; AKSNET_PLAN_UNSET until defaults */
    char *vm_size;
    long max_pods;            /**< pods per node */
    char *os_type;            /**< Linux | Windows */
    char *mode;               /**< System | User */
    char *max_surge;          /**< "1" (nodes) or "33%" (of the pool, rounded up) */
    bool enable_auto_scaling;
    long min_count;           /**< autoscaler minimum, or AKSNET_PLAN_UNSET */
    long max_count;           /**< autoscaler maximum, or AKSNET_PLAN_UNSET */
    bool malformed;           /**< not an object in the file (already reported); rules skip it */
};

/** The whole plan.  Field names follow the JSON keys. */
struct aksnet_plan {
    char *source;             /**< file path, or "flags" for a plan given by flags alone */
    char *cloud;              /**< AzureCloud | AzureChinaCloud | AzureUSGovernment */
    char *subscription_id;
    char *location;
    char *resource_group;
    struct aksnet_tag *tags;
    size_t tag_count;

    struct {
        char *name;
        char *resource_group;       /**< the VNet's group; defaults to resource_group */
        char **address_prefixes;
        size_t address_prefix_count;
        bool existing;              /**< the user's VNet: read, never created or deleted */
    } vnet;
    struct {
        char *name;
        char *address_prefix;
        char *id;                   /**< full resource id (from --vnet-subnet-id or the file) */
    } subnet;
    struct {
        char *name;
        struct aksnet_route *routes;
        size_t route_count;
        bool given;                 /**< network.routeTable was in the plan (own route table) */
        bool none;                  /**< "routeTable": false: no table of aksnet's; AKS makes and manages one */
    } route_table;
    char **avoid_prefixes;
    size_t avoid_prefix_count;

    struct {
        char *type;                 /**< UserAssigned | SystemAssigned */
        char *name;                 /**< UserAssigned identity name */
        char *id;                   /**< an existing identity's resource id (--assign-identity) */
    } identity;
    struct {
        char *scope;                /**< vnet | subnet */
        char *role_definition_id;   /**< custom role; NULL = Network Contributor */
        /**
         * Seconds to keep retrying while the identity's principal or its
         * new permission has not reached ARM yet (PrincipalNotFound, AKS's
         * missing-permission refusals); default 3600, the seed's "may take
         * up to 60 minutes"; 0..86400 (--role-wait).
         */
        long wait_seconds;
    } role_assignment;
    struct {
        char *name;
        char *dns_prefix;
        char *kubernetes_version;   /**< NULL: AKS's default */
        char *network_plugin;       /**< kubenet (the only one aksnet provisions) */
        char *network_policy;       /**< calico | none; NULL = none */
        char *outbound_type;        /**< loadBalancer | userDefinedRouting | userAssignedNATGateway */
        char *pod_cidr;
        char *service_cidr;
        char *dns_service_ip;
        struct aksnet_node_pool *node_pools;
        size_t node_pool_count;
    } cluster;
};

/**
 * The az-style flags that override a plan.  NULL / AKSNET_PLAN_UNSET means
 * the flag was not given.  node_count and max_pods apply to the first pool,
 * as `az aks create` applies them to the system pool it creates.
 */
struct aksnet_plan_overrides {
    const char *subscription_id;   /**< --subscription */
    const char *cloud;             /**< --cloud */
    const char *location;          /**< --location / -l */
    const char *resource_group;    /**< --resource-group / -g */
    const char *cluster_name;      /**< --name / -n */
    long node_count;               /**< --node-count / -c */
    long max_pods;                 /**< --max-pods */
    const char *network_plugin;    /**< --network-plugin */
    const char *network_policy;    /**< --network-policy */
    const char *pod_cidr;          /**< --pod-cidr */
    const char *service_cidr;      /**< --service-cidr */
    const char *dns_service_ip;    /**< --dns-service-ip */
    const char *vnet_subnet_id;    /**< --vnet-subnet-id: the user's subnet */
    const char *assign_identity;   /**< --assign-identity: an existing identity's id */
    long role_wait;                /**< --role-wait: roleAssignment.waitSeconds */
};

/** Overrides with nothing given. */
void aksnet_plan_overrides_init(struct aksnet_plan_overrides *ovr);

/** An empty plan (for a plan given by flags alone); NULL when out of memory. */
struct aksnet_plan *aksnet_plan_new(const char *source);

/**
 * Read a plan from a JSON file.  *out receives a plan whenever the file
 * parsed as a JSON object, even with plan-field findings; it is NULL when the
 * file could not be read or parsed or is not an object (a plan-syntax
 * finding says why, with line and column) and the function returns
 * AKSNET_EPLAN.  Files over
 * AKSNET_PLAN_MAX_BYTES, directories and non-UTF-8 text are refused.
 */
aksnet_code aksnet_plan_load_file(const char *path, struct aksnet_plan **out,
                                  struct aksnet_findings *findings);

/** As aksnet_plan_load_file, from memory; source names it in messages. */
aksnet_code aksnet_plan_load_buffer(const char *text, size_t len, const char *source,
                                    struct aksnet_plan **out, struct aksnet_findings *findings);

/**
 * Apply flags over the plan.  --vnet-subnet-id and --assign-identity are
 * resource ids: a malformed one is a plan-field finding.
 */
aksnet_code aksnet_plan_apply_overrides(struct aksnet_plan *plan,
                                        const struct aksnet_plan_overrides *ovr,
                                        struct aksnet_findings *findings);

/**
 * Fill every value still missing with the defaults of docs/plan.md (the cloud
 * follows the location when not given: chinaeast2 means AzureChinaCloud).  env_subscription_id
 * is the value of AZURE_SUBSCRIPTION_ID (or NULL); the caller reads the
 * environment so that this function stays pure.
 */
aksnet_code aksnet_plan_apply_defaults(struct aksnet_plan *plan, const char *env_subscription_id);

/**
 * The cloud a region belongs to, by Azure's naming: china... is
 * AzureChinaCloud, usgov... and usdod... AzureUSGovernment, anything else
 * AzureCloud.  The default cloud of a plan that names only its location.
 */
const char *aksnet_plan_cloud_of_location(const char *location);

/** True if the plan's VNet and subnet are the user's (existing). */
bool aksnet_plan_vnet_is_existing(const struct aksnet_plan *plan);

/** Total nodes of a pool as the subnet must hold them: the autoscaler maximum if enabled. */
long aksnet_plan_pool_peak_nodes(const struct aksnet_node_pool *pool);

/**
 * The plan as the text of a plan file (docs/plan.md's keys, in its order):
 * every value the plan holds is written, and what it does not hold (a NULL
 * string, an AKSNET_PLAN_UNSET number) is left out, so that reading the text
 * back gives the same plan.  `aksnet suggest --write` writes the completed
 * plan this way.  *out receives the text; release it with
 * aksnet_plan_json_free().  AKSNET_ENOMEM or AKSNET_OK.
 */
aksnet_code aksnet_plan_to_json(const struct aksnet_plan *plan, char **out);

/** Release the text of aksnet_plan_to_json().  NULL is allowed. */
void aksnet_plan_json_free(char *text);

/** Release a plan and everything it owns.  NULL is allowed. */
void aksnet_plan_free(struct aksnet_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
