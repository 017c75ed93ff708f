/*
 * aks_tables.c - the route table of a managed cluster and what else it
 * leans on: one table for all its subnets (a user's one only with a
 * user-assigned identity), what the outbound type needs of the subnets and
 * the table, the identity's rights on table and subnets, and the subnets
 * and tables other clusters already hold.
 *
 * Depends on: aks_common.c (aks_props_of(), aks_refuse()), aks_lookup.c,
 * arm_authz.c (mock_authz_can_write()), arm_network.c
 * (mock_type_route_table), store.c (mock_store_get()), util.c
 * (mock_json_str()).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_authz.h"
#include "arm_aks.h"

/*
 * The custom route table where this cluster's routes already are (an
 * update), or NULL.  The table AKS made itself in the node resource group
 * (aks_routes.c) is not a custom one: on AKS's own network the pools name
 * no subnet, so no table is "associated", and an unchanged PUT must not
 * read as a table changed (ManagedClustersCreate_Update.json answers the
 * same PUT with 200).
 */
static const struct mock_resource *custom_table_with_own_routes(const struct aks_ctx *c, const char *node_group)
{
    for (size_t i = 0; i < c->m->store.count; i++) {
        const struct mock_resource *r = c->m->store.items[i];
        if (r->type == &mock_type_route_table && aks_table_has_routes_of(r, c->hash) &&
            !(node_group && aks_scope_covers(node_group, r->id)))
            return r;
    }
    return NULL;
}

/* outboundType userDefinedRouting needs 0.0.0.0/0 to an appliance or gateway in the route table. */
static bool check_udr(struct aks_ctx *c, const struct mock_resource *rt)
{
    const cJSON *route, *routes = rt ? cJSON_GetObjectItemCaseSensitive(aks_props_of(rt->body), "routes") : NULL;
    cJSON_ArrayForEach(route, routes) {
        const cJSON *p = aks_props_of(route);
        const char *prefix = mock_json_str(p, "addressPrefix"), *hop = mock_json_str(p, "nextHopType");
        if (!prefix || strcmp(prefix, "0.0.0.0/0") != 0)
            continue;
        if (hop && (strcasecmp(hop, "VirtualAppliance") == 0 || strcasecmp(hop, "VirtualNetworkGateway") == 0))
            return true;
        return aks_refuse(c->rs, "RouteTableInvalidNextHop", "networkProfile.outboundType",
                          "The route 0.0.0.0/0 of route table %s must lead to a virtual appliance or a virtual network "
                          "gateway for outbound type userDefinedRouting.", rt->id);
    }
    return aks_refuse(c->rs, "RouteTableMissingDefaultRouteError", "networkProfile.outboundType",
                      "Outbound type userDefinedRouting needs a route 0.0.0.0/0 in the route table %s of the cluster's "
                      "subnet.", rt ? rt->id : "(none)");
}

/* outboundType against the subnets: NAT gateways and UDR as AKS requires them. */
static bool check_outbound_refs(struct aks_ctx *c, const struct mock_resource *rt)
{
    if (strcmp(c->outbound, "managedNATGateway") == 0 && c->nsubnets > 0)
        return aks_refuse(c->rs, "ManagedNATGatewayWithCustomVNetNotAllowed", "networkProfile.outboundType",
                          "Outbound type managedNATGateway is not allowed with a custom virtual network.");
    if (strcmp(c->outbound, "userAssignedNATGateway") == 0 && c->nsubnets == 0)
        return aks_refuse(c->rs, "UserAssignedNATGatewayWithManagedVNetNotAllowed", "networkProfile.outboundType",
                          "Outbound type userAssignedNATGateway needs agent pools on custom subnets.");
    for (size_t k = 0; strcmp(c->outbound, "userAssignedNATGateway") == 0 && k < c->nsubnets; k++)
        if (!mock_json_str(cJSON_GetObjectItemCaseSensitive(aks_props_of(c->subnets[k].json), "natGateway"), "id"))
            return aks_refuse(c->rs, "SubnetNotAssociatedWithNATGateway", "networkProfile.outboundType",
                              "Subnet %s is not associated with a NAT gateway.", c->subnets[k].id);
    if (strcmp(c->outbound, "userDefinedRouting") == 0)
        return check_udr(c, rt);
    return true;
}

/* One route table for the cluster, existing, not changed by an update, usable with the identity. */
bool aks_check_route_tables(struct aks_ctx *c)
{
    size_t with = 0;
    c->route_table = NULL;
    for (size_t k = 0; k < c->nsubnets; k++) {
        const char *rt = c->subnets[k].route_table;
        if (!rt)
            continue;
        if (c->route_table && strcasecmp(c->route_table, rt) != 0)
            return aks_refuse(c->rs, "TooManyCustomRouteTables", "agentPoolProfile.vnetSubnetID",
                              "The cluster's subnets use route tables %s and %s; a cluster uses one route table.",
                              c->route_table, rt);
        c->route_table = rt;
        with++;
    }
    if (with > 0 && with < c->nsubnets)
        return aks_refuse(c->rs, "SubnetMissingRouteTableAssociation", "agentPoolProfile.vnetSubnetID",
                          "Some of the cluster's subnets are associated with route table %s and some with none; "
                          "associate every subnet with it.", c->route_table);
    const struct mock_resource *rt = c->route_table ? mock_store_get(&c->m->store, c->route_table) : NULL;
    if (c->route_table && (!rt || rt->type != &mock_type_route_table))
        return aks_refuse(c->rs, "CustomRouteTableNotFound", "agentPoolProfile.vnetSubnetID",
                          "The route table %s associated with the cluster's subnet was not found.", c->route_table);
    char group[ID_LEN];
    bool has_group = aks_node_group_id(c->t->id, c->node_group, group, sizeof(group));
    const struct mock_resource *own = c->old ? custom_table_with_own_routes(c, has_group ? group : NULL) : NULL;
    if (own && (!rt || strcasecmp(own->id, rt->id) != 0))
        return aks_refuse(c->rs, "CustomRouteTableInvalidUpdateAttempt", "agentPoolProfile.vnetSubnetID",
                          "The cluster's route table %s can not be changed after creation.", own->id);
    c->own_table = rt && has_group && aks_scope_covers(group, rt->id);
    if (rt && !c->own_table && c->identity == ID_SYSTEM)
        return aks_refuse(c->rs, "CustomRouteTableWithUnsupportedMSIType", NULL,
                          "Clusters using managed identity type SystemAssigned do not support bringing your own route "
                          "table. Please see https://aka.ms/aks/customrt for more information");
    return check_outbound_refs(c, rt);
}

/* A user-assigned identity writes the route table, and joins (writes) the subnets. */
bool aks_check_permissions(struct aks_ctx *c)
{
    if (c->identity != ID_USER || c->nsubnets == 0)
        return true;
    if (c->route_table && !c->own_table && !mock_authz_can_write(c->m, c->principal, c->route_table))
        return aks_refuse(c->rs, "CustomRouteTableMissingPermission", NULL,
                          "Managed identity or service principle must be given permission to read and write to custom "
                          "route table %s. Please see https://aka.ms/aks/customrt for more information",
                          c->route_table);
    for (size_t k = 0; k < c->nsubnets; k++)
        if (!mock_authz_can_write(c->m, c->principal, c->subnets[k].id))
            return aks_refuse(c->rs, "LinkedAuthorizationFailed", NULL,
                              "The client '%s' with object id '%s' has permission to perform action "
                              "'Microsoft.ContainerService/managedClusters/write' on scope '%s'; however, it does not "
                              "have permission to perform action(s) "
                              "'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) '%s' "
                              "(respectively) or the linked scope(s) are invalid.",
                              c->principal, c->principal, c->t->id, c->subnets[k].id);
    return true;
}

/* Another cluster's subnets against ours: one kubenet cluster per subnet, one cluster per route table. */
static bool check_other_cluster(struct aks_ctx *c, const struct mock_resource *other)
{
    const cJSON *pool;
    bool either_kubenet = c->kubenet || aks_stored_kubenet(other);
    cJSON_ArrayForEach(pool, cJSON_GetObjectItemCaseSensitive(aks_props_of(other->body), "agentPoolProfiles")) {
        const char *sid = mock_json_str(pool, "vnetSubnetID");
        struct mock_resource *vnet = NULL;
        const cJSON *subnet = aks_find_subnet(c->m, sid, &vnet);
        const char *rt = subnet ? aks_subnet_route_table(subnet) : NULL;
        for (size_t k = 0; sid && k < c->nsubnets; k++)
            if (either_kubenet && strcasecmp(sid, c->subnets[k].id) == 0)
                return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                                  "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: "
                                  "subnet %s is already used by managed cluster %s; a kubenet cluster needs a subnet "
                                  "of its own.", sid, other->id);
        if (rt && c->route_table && strcasecmp(rt, c->route_table) == 0)
            return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                              "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: route "
                              "table %s is associated with subnet %s of managed cluster %s; a route table can serve "
                              "only one cluster. Please see https://aka.ms/aks/customrt for more information", rt, sid,
                              other->id);
    }
    char hash[9];
    aks_node_hash(other->id, hash);
    const struct mock_resource *rt = c->route_table ? mock_store_get(&c->m->store, c->route_table) : NULL;
    if (rt && aks_table_has_routes_of(rt, hash))
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                          "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: route table "
                          "%s holds the routes of managed cluster %s; a route table can serve only one cluster.",
                          rt->id,
                          other->id);
    return true;
}

/* Only clusters on custom subnets can collide with another cluster; the PUT's own cluster is skipped. */
bool aks_check_other_clusters(struct aks_ctx *c)
{
    for (size_t i = 0; c->nsubnets > 0 && i < c->m->store.count; i++) {
        const struct mock_resource *r = c->m->store.items[i];
        if (aks_is_cluster(r) && strcasecmp(r->id, c->t->id) != 0 && !check_other_cluster(c, r))
            return false;
    }
    return true;
}
