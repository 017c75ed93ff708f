/*
 * resources.h - the ARM resources of a plan: their ids, composed in
 * one place, and the request body of each step, built from the plan (and,
 * for resources that exist, from what ARM holds, so nothing of the user's
 * is lost).  Bodies follow the official OpenAPI models of the api-versions
 * below.
 */
#ifndef AKSNET_RESOURCES_H
#define AKSNET_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "aksnet/error.h"
#include "aksnet/plan.h"
#include "aksnet/provision.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The api-versions aksnet sends: each a stable version in
 * Azure/azure-rest-api-specs (specification/{resources,network,msi,
 * authorization,containerservice}/resource-manager/<namespace>/stable/<version>/),
 * chosen old enough for the national clouds, which lag behind the public one.
 * Bodies are checked against those specs' models (tests/data/specs/).
 */
#define AKSNET_API_RESOURCES "2021-04-01"
#define AKSNET_API_NETWORK "2024-05-01"
#define AKSNET_API_IDENTITY "2023-01-31"
#define AKSNET_API_AUTHORIZATION "2022-04-01"
#define AKSNET_API_AKS "2024-09-01"

/** The built-in "Network Contributor" role. */
#define AKSNET_ROLE_NETWORK_CONTRIBUTOR "4d97b98b-1d4f-4787-a291-c67834d212e7"


/**
 * The tag that marks what aksnet created (destroy removes only what carries
 * it).  Bodies add it when they create; a body built from an existing
 * resource keeps the tag only if that resource already has it, so that a
 * user's resource that aksnet updates never becomes aksnet's.
 */
#define AKSNET_TAG_CREATED_BY "createdBy"
#define AKSNET_TAG_CREATED_BY_VALUE "aksnet"

/** Every id a plan touches. */

/** Compose the ids of a plan (after defaults).  AKSNET_EINVAL when a name is missing. */
aksnet_code aksnet__resources_ids(const struct aksnet_plan *plan, struct aksnet_resource_ids *ids,
                                  struct aksnet_error *err);

/**
 * The name of the role assignment of principal for role at scope: a UUID
 * derived (SHA-256, version-5 style) from the three, lower-cased, so that a
 * re-run finds the assignment it made.  NULL reads as "".  out is "" only if
 * OpenSSL's digest fails.
 */
void aksnet__resources_role_assignment_name(const char *scope, const char *principal_id, const char *role_id,
                                            char out[37]);

/**
 * The id of role assignment name at scope (an id, e.g. ids->vnet):
 * "<scope>/providers/Microsoft.Authorization/roleAssignments/<name>".
 * AKSNET_EINVAL when scope or name is empty or the id does not fit size.
 */
aksnet_code aksnet__resources_role_assignment_id(const char *scope, const char *name, char *out, size_t size);

/* ---- bodies (caller cJSON_Deletes; NULL only when out of memory) ---------- */

/** {"location","tags"} with the plan's tags and createdBy: aksnet. */
cJSON *aksnet__resources_group_body(const struct aksnet_plan *plan);

/**
 * The route table with the plan's routes.  existing (may be NULL) is what
 * ARM holds: every route aksnet did not write (AKS's per-node routes) is
 * kept, as are properties aksnet does not own.  disableBgpRoutePropagation
 * is false on create; on a table that exists the owner's value stands.
 * Tags: existing's overlaid with the plan's; createdBy only on create.
 */
cJSON *aksnet__resources_route_table_body(const struct aksnet_plan *plan, const cJSON *existing);

/** {"location","tags"} with the plan's tags and createdBy: aksnet. */
cJSON *aksnet__resources_identity_body(const struct aksnet_plan *plan);

/**
 * For the bodies built without what ARM holds (group, identity, cluster):
 * make body's tags those of existing overlaid with body's own, and keep
 * createdBy only if existing carries it, so that a PUT on a resource that
 * already exists neither drops the user's tags (a PUT replaces them) nor
 * claims the resource for aksnet.  existing NULL leaves body as it is.
 * false only when out of memory.
 */
bool aksnet__resources_keep_existing_tags(cJSON *body, const cJSON *existing);

/**
 * The VNet with the plan's subnet associated to route_table_id ("" for
 * none: an association ARM already holds is then left as it is, e.g. the
 * route table AKS made for a system-assigned cluster).  existing (may be
 * NULL) is what ARM holds: its other subnets and every property aksnet does
 * not own are kept; never fewer subnets; its address ranges are kept and
 * the plan's added.  Read-only members (ids of named children, etags,
 * provisioning states, ...) are left out.
 */
cJSON *aksnet__resources_vnet_body(const struct aksnet_plan *plan, const cJSON *existing, const char *route_table_id);

/**
 * The subnet alone (for an existing VNet): {"properties": existing's
 * properties minus read-only ones, the address range the user's, routeTable
 * set (route_table_id "" leaves it)}.  existing NULL: the plan's range.
 */
cJSON *aksnet__resources_subnet_body(const struct aksnet_plan *plan, const cJSON *existing, const char *route_table_id);

/** {"properties":{"roleDefinitionId","principalId","principalType":"ServicePrincipal"}}. */
cJSON *aksnet__resources_role_assignment_body(const char *role_definition_id, const char *principal_id);

/**
 * The managed cluster: kubenet, the pools in the subnet, the user-assigned
 * identity (ids->identity, "" for SystemAssigned), the network profile.
 * Enum values in the spec's spelling whatever case the plan used;
 * kubernetesVersion and a "none" network policy left out when so.
 */
cJSON *aksnet__resources_cluster_body(const struct aksnet_plan *plan, const struct aksnet_resource_ids *ids);

/**
 * The cluster PUT as read-modify-write (the Azure CLI's `az aks update`
 * does the same): planned (a cluster_body, taken) laid over what ARM holds,
 * its computed members removed.  The plan owns what it names (location,
 * identity, DNS prefix, version when given, its pools' settings, the
 * network profile's members); everything else (pools, add-ons, profiles
 * and tags added outside the plan) is kept, and an autoscaled pool keeps
 * the count its autoscaler chose.  Without existing (a create),
 * enableRBAC: true is added.  NULL when out of memory.
 */
cJSON *aksnet__resources_cluster_merge(cJSON *planned, const cJSON *existing);

/* ---- differences ------------------------------------------------------------ */

/** One field that differs between what the plan wants and what ARM holds. */
struct aksnet__difference {
    char path[256];       /**< "properties.networkProfile.podCidr" */
    char want[256];
    char have[256];
    bool immutable;       /**< ARM cannot change it in place: a new resource would be needed */
};

struct aksnet__differences {
    struct aksnet__difference *items;
    size_t count;
};

/**
 * Compare a desired body with the existing resource: every member the
 * desired body sets must be equal in existing (values compared as ARM does:
 * strings case-insensitively except tag values and "name" members, numbers
 * by value, arrays of named objects by name, other arrays as sets; members
 * only existing has are ignored).  Paths: "properties.networkProfile.podCidr",
 * "properties.agentPoolProfiles[nodepool1].vnetSubnetID", "tags.env"; a
 * member missing as a whole is one difference whose have is "(absent)".
 * immutable_paths lists the paths ARM cannot update in place for this type
 * (see aksnet__resources_immutable_paths; "[*]" matches any element, "*"
 * every path); a missing member holding an immutable path is immutable.
 * existing NULL: everything differs.  out is always initialised; free it
 * with aksnet__resources_differences_free.  AKSNET_EINVAL for a desired
 * body that is not an object, AKSNET_ENOMEM.
 */
aksnet_code aksnet__resources_diff(const cJSON *desired, const cJSON *existing, const char *const *immutable_paths,
                                   struct aksnet__differences *out);
void aksnet__resources_differences_free(struct aksnet__differences *d);

/** The immutable paths of an ARM type ("Microsoft.ContainerService/managedClusters", ...); never NULL. */
const char *const *aksnet__resources_immutable_paths(const char *arm_type);

#ifdef __cplusplus
}
#endif
#endif
