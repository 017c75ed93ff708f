/*
 * arm_aks.h - what the files of Microsoft.ContainerService/managedClusters
 * share, private to them: AKS's limits, the PUT being checked (struct
 * aks_ctx), a stored cluster read back (struct aks_layout), and the
 * functions each file offers the ones above it.  The rest of the mock sees
 * only mock_type_cluster (mock.h).
 *
 * The files, each calling only the ones below it, never back up:
 *
 *   arm_aks.c              the type, its handler, the PUT's checks in AKS's order
 *   aks_actions.c          PATCH (tags), the credential actions, agent pools
 *   aks_operation.c        when the operation's time has come; GET's view
 *   aks_routes.c           kubenet's routes, one per node, in the route table
 *   aks_derived.c          what AKS derives and adds: DNS prefix, node group, kubelet identity
 *   aks_cluster.c          name, identity, version, sku, RBAC; what an update may not change
 *   aks_tables.c           route tables, the identity's rights, other clusters
 *   aks_subnets.c          the pools' subnets: existence, ranges, room for the nodes
 *   aks_network_profile.c  plugin, policy, outbound type, pod and service ranges, DNS IP
 *   aks_pools.c            agent pool profiles and the node totals
 *   aks_lookup.c           names AKS derives from ids; subnets and route tables in the store
 *   aks_common.c           reading members, AKS's refusal, a plain body, a failed operation
 */
#ifndef ARMMOCK_ARM_AKS_H
#define ARMMOCK_ARM_AKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "resid.h"
#include "mock.h"

#define AKS_PROVIDER "Microsoft.ContainerService"
#define AKS_ARM_TYPE "Microsoft.ContainerService/managedClusters"
#define AKS_MAX_POOLS 100          /* maxAgentPools */
#define KUBENET_MAX_NODES 400      /* one UDR route per node */
#define POD_RANGE_BITS 24          /* kubenet gives each node a /24 */
#define ID_LEN 2048

enum aks_identity { ID_SYSTEM, ID_USER, ID_NONE };

struct aks_pool {
    const char *name;            /* points into the new body */
    long count, nodes;           /* nodes: count, or maxCount with the autoscaler */
    long fewest;                 /* count, or minCount with the autoscaler */
    long max_pods, surge;
    bool system;
    const char *subnet_id;       /* vnetSubnetID (into the new body), or NULL */
};

struct aks_subnet {
    const char *id;              /* as the first pool named it */
    struct mock_resource *vnet;
    cJSON *json;                 /* the subnet inside the VNet's body */
    struct aksnet__cidr prefix;
    const char *route_table;     /* associated route table id, or NULL */
    long need;                   /* addresses the pools need, surge included */
};

/* One PUT being checked and completed. */
struct aks_ctx {
    struct armmock *m;
    const struct mock_request *rq;
    const struct mock_target *t;
    const struct mock_resource *old;
    struct mock_response *rs;
    cJSON *body, *props;
    char hash[9];
    enum aks_identity identity;
    const char *principal;       /* the user-assigned identity's principal */
    char plugin[16];
    bool kubenet, overlay;
    char outbound[32];
    struct aksnet__cidr pod, service;
    uint32_t dns;
    char version[32];
    char node_group[96];
    struct aks_pool pools[AKS_MAX_POOLS];
    size_t npools;
    struct aks_subnet subnets[AKS_MAX_POOLS];
    size_t nsubnets;
    const char *route_table;
    bool own_table;              /* the route table is AKS's, in the node resource group */
};

/* What on_put_done and on_delete_done read back from a stored cluster. */
struct aks_layout {
    struct aksnet__resid id;
    char hash[9];
    char group_id[ID_LEN];       /* the node resource group */
    const char *location;
    bool kubenet;
    struct aksnet__cidr pod;
    cJSON *pools;
};

/* ---- aks_common.c: reading members, refusing, small builders ------------------------------- */

/* AKS's 400 with code, message and the field it blames (target may be NULL); returns false. */
bool aks_refuse(struct mock_response *rs, const char *code, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* ARM's deserialization error for a member of the wrong JSON type; returns false. */
bool aks_bad_type(struct mock_response *rs, const char *path, const char *want);
/* A member or its default (absent or null); false after refusing another JSON type. */
bool aks_get_str(const cJSON *o, const char *key, const char *path, const char *dflt, const char **out,
                 struct mock_response *rs);
bool aks_get_int(const cJSON *o, const char *key, const char *path, long dflt, long *out,
                 struct mock_response *rs);
bool aks_get_bool(const cJSON *o, const char *key, const char *path, bool dflt, bool *out,
                  struct mock_response *rs);
cJSON *aks_props_of(const cJSON *o);
/* Add key = value unless the object already has the key. */
void aks_default_str(cJSON *o, const char *key, const char *value);
void aks_default_num(cJSON *o, const char *key, double value);
/* A new eTag on the cluster and each pool (every cluster-level write). */
void aks_new_etags(cJSON *cluster);
/* snprintf that says whether everything fitted. */
bool aks_fmt_ok(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A plain tracked body (Succeeded) as the network and identity types keep them. */
cJSON *aks_tracked_body(const char *id, const char *name, const char *type, const char *location);
/* Plan the operation's failure, replacing any planned before. */
void aks_fail_op(struct mock_op *op, const char *code, const char *message);

/* ---- aks_lookup.c: names AKS derives from ids, what it finds in the store ------------------- */

uint32_t aks_id_hash(const char *id, const char *salt);
/* The 8 digits AKS puts in node, scale set and route table names. */
void aks_node_hash(const char *cluster_id, char out[9]);
/* True if scope is id or lies above it. */
bool aks_scope_covers(const char *scope, const char *id);
/* Where needle starts in hay, case-insensitively, or NULL. */
const char *aks_find_ci(const char *hay, const char *needle);
/* True if the route name is one AKS wrote for the cluster with this hash. */
bool aks_is_route(const char *name, const char *hash);
/* The id of a cluster's node resource group; false when group is NULL or the id does not fit. */
bool aks_node_group_id(const char *cluster_id, const char *group, char *out, size_t len);
/* True if the resource is a managed cluster. */
bool aks_is_cluster(const struct mock_resource *r);
/* The subnet named by id inside its VNet's body, or NULL; *vnet receives the VNet. */
cJSON *aks_find_subnet(struct armmock *m, const char *subnet_id, struct mock_resource **vnet);
/* A subnet's single IPv4 prefix: 1 parsed, 0 unparsable, -1 several prefixes. */
int aks_subnet_prefix(const cJSON *subnet, struct aksnet__cidr *out);
const char *aks_subnet_route_table(const cJSON *subnet);
/* True if the cluster stored as r uses kubenet. */
bool aks_stored_kubenet(const struct mock_resource *r);
/* True if the route table holds routes AKS wrote for the cluster with this hash. */
bool aks_table_has_routes_of(const struct mock_resource *rt, const char *hash);

/* ---- the checks of a PUT, in the files above; each replies and returns false to refuse ------ */

bool aks_read_pools(struct aks_ctx *c);                     /* aks_pools.c */
bool aks_check_totals(struct aks_ctx *c);
bool aks_read_network(struct aks_ctx *c);                   /* aks_network_profile.c */
bool aks_check_reserved(struct aks_ctx *c, const struct aksnet__cidr *r, const char *what, const char *target);
void aks_write_lb_profile(const struct aks_ctx *c, cJSON *np);
bool aks_resolve_subnets(struct aks_ctx *c);                /* aks_subnets.c */
bool aks_check_vnet_ranges(struct aks_ctx *c);
bool aks_check_capacity(struct aks_ctx *c);
bool aks_check_route_tables(struct aks_ctx *c);             /* aks_tables.c */
bool aks_check_permissions(struct aks_ctx *c);
bool aks_check_other_clusters(struct aks_ctx *c);
bool aks_check_cluster_name(struct aks_ctx *c);             /* aks_cluster.c */
bool aks_read_sku(struct aks_ctx *c);
/* Rename the stored sku (new names) to those of api_version, in a body about to be answered. */
void aks_sku_present(cJSON *body, const char *api_version);
bool aks_read_identity(struct aks_ctx *c);
bool aks_read_version(struct aks_ctx *c);
bool aks_read_rbac(struct aks_ctx *c);
bool aks_check_update(struct aks_ctx *c);
bool aks_read_dns_prefix(struct aks_ctx *c);                /* aks_derived.c */
bool aks_read_node_group(struct aks_ctx *c);
void aks_complete_body(struct aks_ctx *c);

/* ---- aks_routes.c, aks_operation.c: when the operation's time has come ---------------------- */

/* Kubenet's routes, one per node, or the operation's failure when the table cannot take them. */
void aks_route_nodes(struct armmock *m, const struct aks_layout *L, const char *managed, struct mock_op *op);
/* Take the routes of the cluster with this hash out of every route table. */
void aks_drop_routes_everywhere(struct armmock *m, const char *hash);
/* Subnets outside the node group lose their link to a route table inside it. */
void aks_dissociate_group_tables(struct armmock *m, const char *group_id);
void aks_on_put_done(struct armmock *m, struct mock_resource *r, struct mock_op *op);
void aks_on_delete_done(struct armmock *m, struct mock_resource *r);
cJSON *aks_present(struct armmock *m, const struct mock_resource *r, const char *api_version);

/* ---- aks_actions.c: what is not a PUT, GET or DELETE of the cluster ------------------------- */

void aks_patch_tags(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    struct mock_response *rs);
/* .../managedClusters/{name}/{child}: agent pools and the credential actions. */
void aks_child(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
               struct mock_response *rs);

#endif
