/*
 * aks_operation.c - a managed cluster when its operation's time has come:
 * after a create or update, the node resource group, the kubelet identity,
 * a managed VNet when no custom subnet was given, and kubenet's routes;
 * after a delete, what AKS made goes and what is the user's stays.  Also
 * GET's view, whose pools follow the cluster's state.
 *
 * Depends on: aks_common.c, aks_lookup.c, aks_routes.c, arm_identity.c
 * (mock_type_identity), arm_network.c (mock_network_new_etag(),
 * mock_type_vnet), arm_resources.c (mock_type_resource_group), store.c,
 * util.c, src/util (cidr, resid).
 */
#include <stdio.h>
#include <string.h>

#include "arm_network.h"
#include "arm_aks.h"

#define MANAGED_VNET_SPACE "10.224.0.0/12"
#define MANAGED_SUBNET "10.224.0.0/16"

/* The stored body is all there is: read back what completion and deletion need, or say it is unusable. */
static bool read_layout(const struct mock_resource *r, struct aks_layout *L)
{
    cJSON *props = aks_props_of(r->body);
    const char *pod = mock_json_str(cJSON_GetObjectItemCaseSensitive(props, "networkProfile"), "podCidr");
    aks_node_hash(r->id, L->hash);
    L->location = mock_json_str(r->body, "location");
    L->kubenet = aks_stored_kubenet(r);
    L->pools = cJSON_GetObjectItemCaseSensitive(props, "agentPoolProfiles");
    if (L->kubenet && (!pod || aksnet__cidr_parse(pod, &L->pod) != AKSNET_CIDR_OK))
        return false;
    return aksnet__resid_parse(r->id, &L->id) && L->location &&
           aks_node_group_id(r->id, mock_json_str(props, "nodeResourceGroup"), L->group_id, sizeof(L->group_id));
}

/* The node resource group, as arm_resources.c keeps groups, managed by the cluster. */
static void ensure_node_group(struct armmock *m, const struct mock_resource *r, const struct aks_layout *L)
{
    if (mock_store_get(&m->store, L->group_id))
        return;
    const char *name = strrchr(L->group_id, '/') + 1;
    cJSON *b = aks_tracked_body(L->group_id, name, "Microsoft.Resources/resourceGroups", L->location);
    cJSON *tags = cJSON_GetObjectItemCaseSensitive(b, "tags");
    cJSON_AddStringToObject(tags, "aks-managed-cluster-name", L->id.name);
    cJSON_AddStringToObject(tags, "aks-managed-cluster-rg", L->id.resource_group);
    cJSON_AddStringToObject(b, "managedBy", r->id);
    mock_store_put(&m->store, L->group_id, &mock_type_resource_group, b, mock_now(m));
}

/* The kubelet identity named in identityProfile, made in the node resource group. */
static void ensure_kubelet_identity(struct armmock *m, const struct mock_resource *r, const struct aks_layout *L)
{
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(aks_props_of(r->body), "identityProfile"), "kubeletidentity");
    const char *id = mock_json_str(kid, "resourceId");
    if (!id || !strrchr(id, '/') || mock_store_get(&m->store, id))
        return;
    cJSON *b = aks_tracked_body(id, strrchr(id, '/') + 1, "Microsoft.ManagedIdentity/userAssignedIdentities",
                                L->location);
    cJSON *p = aks_props_of(b);
    const char *tenant = mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "identity"), "tenantId");
    cJSON_DeleteItemFromObjectCaseSensitive(p, "provisioningState");
    mock_json_set_str(p, "principalId", mock_json_str(kid, "objectId"));
    mock_json_set_str(p, "clientId", mock_json_str(kid, "clientId"));
    mock_json_set_str(p, "tenantId", tenant ? tenant : MOCK_DEFAULT_TENANT);
    mock_store_put(&m->store, id, &mock_type_identity, b, mock_now(m));
}

/* Without custom subnets, AKS makes aks-vnet-<hash> (10.224.0.0/12) with aks-subnet in the node group. */
static bool managed_subnet_id(const struct aks_layout *L, char *out, size_t len)
{
    return aks_fmt_ok(out, len, "%s/providers/Microsoft.Network/virtualNetworks/aks-vnet-%s/subnets/aks-subnet",
                      L->group_id, L->hash);
}

/* AKS's own VNet for a cluster without custom subnets, made once, so that its nodes have addresses. */
static void ensure_managed_vnet(struct armmock *m, const struct aks_layout *L)
{
    char sid[ID_LEN], vid[ID_LEN], name[32];
    if (!managed_subnet_id(L, sid, sizeof(sid)))
        return;
    snprintf(vid, sizeof(vid), "%.*s", (int)(strstr(sid, "/subnets/") - sid), sid);
    snprintf(name, sizeof(name), "aks-vnet-%s", L->hash);
    if (mock_store_get(&m->store, vid))
        return;
    cJSON *b = aks_tracked_body(vid, name, "Microsoft.Network/virtualNetworks", L->location);
    cJSON *p = aks_props_of(b);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "addressSpace"), "addressPrefixes"),
                         cJSON_CreateString(MANAGED_VNET_SPACE));
    cJSON *s = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "subnets"), s);
    cJSON_AddStringToObject(s, "id", sid);
    cJSON_AddStringToObject(s, "name", "aks-subnet");
    cJSON *sp = cJSON_AddObjectToObject(s, "properties");
    cJSON_AddStringToObject(sp, "provisioningState", "Succeeded");
    cJSON_AddStringToObject(sp, "addressPrefix", MANAGED_SUBNET);
    mock_network_new_etag(mock_store_put(&m->store, vid, &mock_type_vnet, b, mock_now(m)));
}

/* The pools report the cluster's state once its operation is over. */
static void set_pool_states(cJSON *pools, const char *state)
{
    cJSON *pool;
    cJSON_ArrayForEach(pool, pools) {
        mock_json_set_str(pool, "provisioningState", state);
    }
}

/*
 * The create or update has run: the node group and kubelet identity exist,
 * a managed VNet when no custom subnet was given, and (kubenet) one route
 * per node in the cluster's route table.
 */
void aks_on_put_done(struct armmock *m, struct mock_resource *r, struct mock_op *op)
{
    struct aks_layout L;
    char managed[ID_LEN];
    const cJSON *first = NULL;
    if (!read_layout(r, &L) || !managed_subnet_id(&L, managed, sizeof(managed))) {
        aks_fail_op(op, "InternalOperationError", "The stored cluster could not be read back.");
        return;
    }
    ensure_node_group(m, r, &L);
    ensure_kubelet_identity(m, r, &L);
    first = L.pools ? L.pools->child : NULL;
    if (first && !mock_json_str(first, "vnetSubnetID"))
        ensure_managed_vnet(m, &L);
    if (L.kubenet)
        aks_route_nodes(m, &L, managed, op);
    set_pool_states(L.pools, op->fail_code ? "Failed" : "Succeeded");
}

/* The cluster goes: its routes, its link to a table AKS made, and the node resource group. */
void aks_on_delete_done(struct armmock *m, struct mock_resource *r)
{
    struct aks_layout L;
    char hash[9];
    aks_node_hash(r->id, hash);
    aks_drop_routes_everywhere(m, hash);
    if (!read_layout(r, &L))
        return;
    aks_dissociate_group_tables(m, L.group_id);
    mock_store_delete_tree(&m->store, L.group_id);
}

/* GET's view: the pools follow the cluster's provisioningState; the sku has the version's names. */
cJSON *aks_present(struct armmock *m, const struct mock_resource *r, const char *api_version)
{
    (void)m;
    cJSON *b = cJSON_Duplicate(r->body, 1);
    aks_sku_present(b, api_version);
    cJSON *p = aks_props_of(b);
    const char *state = mock_json_str(p, "provisioningState");
    if (state && strcmp(state, "Succeeded") != 0)
        set_pool_states(cJSON_GetObjectItemCaseSensitive(p, "agentPoolProfiles"), state);
    return b;
}
