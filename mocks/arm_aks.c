/*
 * arm_aks.c - Microsoft.ContainerService/managedClusters, checked and built
 * as AKS checks and builds a cluster, kubenet first.  This file is the
 * type and its order of work; the steps live in the aks_*.c files below it
 * (arm_aks.h lists them).
 *
 * A PUT is checked at once, in AKS's order and with AKS's error codes (400,
 * with a target): the cluster name, the identity, the network profile
 * (kubenet's rules on ranges, DNS IP, policy), the pools (names, counts,
 * maxPods, Linux only), the node totals, the referenced subnets, their
 * sizes and their neighbours' ranges, the route table, the identity's rights
 * on subnet and route table, and the subnets and route tables of other
 * clusters.  The body is completed (defaults, fqdn, node resource group,
 * kubelet identity) and stored "Creating"; when the operation's time has
 * come, aks_operation.c makes the node resource group and the kubelet
 * identity, a route table when the subnet has none, and one route per node
 * (kubenet).  DELETE takes back what AKS made and keeps what is the user's.
 *
 * What AKS made is found again without hidden state: its routes carry the
 * cluster's 8-digit node-name hash ("aks-nodepool1-12345678-vmss000000"),
 * and everything else lives in the node resource group.
 *
 * Depends on: aks_actions.c (aks_child(), aks_patch_tags()), aks_cluster.c,
 * aks_derived.c, aks_lookup.c (aks_node_hash()), aks_network_profile.c
 * (aks_read_network()), aks_operation.c, aks_pools.c (aks_check_totals(),
 * aks_read_pools()), aks_subnets.c, aks_tables.c, tracked.c
 * (mock_tracked_handle()), util.c (mock_json_obj(), mock_reply_error()).
 */
#include <stdlib.h>
#include <string.h>

#include "arm_aks.h"

/* Every version of specification/containerservice/.../aks/{stable,preview} from 2022-11-01 on. */
static const char *const aks_versions[] = {
    "2022-11-01", "2022-11-02-preview", "2023-01-01", "2023-01-02-preview", "2023-02-01",
    "2023-02-02-preview", "2023-03-01", "2023-03-02-preview", "2023-04-01", "2023-04-02-preview",
    "2023-05-01", "2023-05-02-preview", "2023-06-01", "2023-06-02-preview", "2023-07-01",
    "2023-07-02-preview", "2023-08-01", "2023-08-02-preview", "2023-09-01", "2023-09-02-preview",
    "2023-10-01", "2023-10-02-preview", "2023-11-01", "2023-11-02-preview", "2024-01-01",
    "2024-01-02-preview", "2024-02-01", "2024-02-02-preview", "2024-03-02-preview", "2024-04-02-preview",
    "2024-05-01", "2024-05-02-preview", "2024-06-02-preview", "2024-07-01", "2024-07-02-preview",
    "2024-08-01", "2024-09-01", "2024-09-02-preview", "2024-10-01", "2024-10-02-preview",
    "2025-01-01", "2025-01-02-preview", "2025-02-01", "2025-02-02-preview", "2025-03-01",
    "2025-03-02-preview", "2025-04-01", "2025-04-02-preview", "2025-05-01", "2025-05-02-preview",
    "2025-06-01", "2025-06-02-preview", "2025-07-01", "2025-07-02-preview", "2025-08-01",
    "2025-08-02-preview", "2025-09-01", "2025-09-02-preview", "2025-10-01", "2025-10-02-preview",
    "2026-01-01", "2026-01-02-preview", "2026-02-01", "2026-02-02-preview", "2026-03-01",
    "2026-03-02-preview", "2026-04-01", NULL};

/*
 * The PUT's checks, in AKS's order; then the body is completed.  On a
 * refusal rs holds AKS's 400 and the request changes nothing.
 */
static bool prepare(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    const struct mock_resource *old, cJSON *body, struct mock_response *rs)
{
    struct aks_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return false;
    }
    *c = (struct aks_ctx){.m = m, .rq = rq, .t = t, .old = old, .rs = rs, .body = body,
                          .props = mock_json_obj(body, "properties")};
    aks_node_hash(t->id, c->hash);
    bool ok = (old || aks_check_cluster_name(c)) && aks_read_sku(c) && aks_read_identity(c) &&
              aks_read_version(c) && aks_read_rbac(c) && aks_read_network(c) && aks_read_pools(c) &&
              aks_check_totals(c) && aks_read_dns_prefix(c) && aks_read_node_group(c) && aks_check_update(c) &&
              aks_resolve_subnets(c) && aks_check_vnet_ranges(c) && aks_check_capacity(c) &&
              aks_check_route_tables(c) && aks_check_permissions(c) && aks_check_other_clusters(c);
    if (ok)
        aks_complete_body(c);
    free(c);
    return ok;
}

static const struct mock_tracked_ops ops = {.lro = true, .prepare = prepare};

/* PUT, GET, DELETE and lists are the common tracked life; PATCH and the child paths are AKS's own. */
static void handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                   struct mock_response *rs)
{
    if (t->name && t->child_type)
        aks_child(m, rq, t, rs);
    else if (t->name && strcmp(rq->method, "PATCH") == 0)
        aks_patch_tags(m, rq, t, rs);
    else
        mock_tracked_handle(m, rq, t, rs, &ops);
}

const struct mock_type mock_type_cluster = {
    .provider = AKS_PROVIDER, .type = "managedClusters",
    .arm_type = AKS_ARM_TYPE, .api_versions = aks_versions, .handle = handle,
    .on_put_done = aks_on_put_done, .on_delete_done = aks_on_delete_done, .present = aks_present,
};
