/*
 * aks_routes.c - kubenet's routes: when a cluster's operation completes,
 * one route per node (its pod /24 to its address) in the cluster's route
 * table, made in the node group when the subnet has none; when the cluster
 * goes, its routes and the links to a table AKS made.  The routes carry
 * the cluster's node hash, so they are found again by name.
 *
 * Depends on: aks_common.c, aks_lookup.c, arm_network.c, store.c
 * (mock_store_get(), mock_store_put()), util.c, src/util (cidr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arm_network.h"
#include "arm_aks.h"

#define ROUTE_TABLE_LIMIT 400      /* routes per route table */
#define FIRST_NODE_OFFSET 4        /* .4 is a subnet's first address for a VM */

/* One node's route. */
struct aks_route {
    char name[96];
    uint32_t pod, ip;
};

/* The subnet id of pool i: its vnetSubnetID or the managed subnet. */
static const char *pool_subnet(const cJSON *pool, const char *managed)
{
    const char *sid = mock_json_str(pool, "vnetSubnetID");
    return sid ? sid : managed;
}

/* Instance ids of scale-set nodes: six base-36 digits. */
static void base36(long v, char out[7])
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 5; i >= 0; i--) {
        out[i] = digits[v % 36];
        v /= 36;
    }
    out[6] = '\0';
}

/*
 * The routes of all nodes, pool by pool: pod /24s from podCidr in order,
 * addresses from each subnet's .4 up.  NULL with *why set when a node has
 * no address or no pod range.
 */
static struct aks_route *plan_routes(struct armmock *m, const struct aks_layout *L, const char *managed,
                                     size_t *count, const char **why)
{
    size_t cap = KUBENET_MAX_NODES + 1, n = 0;
    struct aks_route *out = calloc(cap, sizeof(*out));
    const char *seen[AKS_MAX_POOLS];
    long next[AKS_MAX_POOLS];
    size_t nseen = 0;
    const cJSON *pool, *pools = out ? L->pools : NULL;
    *why = out ? NULL : "out of memory";
    cJSON_ArrayForEach(pool, pools) {
        const char *sid = pool_subnet(pool, managed), *name = mock_json_str(pool, "name");
        struct mock_resource *vnet = NULL;
        struct aksnet__cidr prefix;
        const cJSON *subnet = aks_find_subnet(m, sid, &vnet);
        size_t k = 0;
        while (k < nseen && strcasecmp(seen[k], sid) != 0)
            k++;
        if (k == nseen && nseen < AKS_MAX_POOLS) {
            seen[nseen] = sid;
            next[nseen++] = FIRST_NODE_OFFSET;
        }
        const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(pool, "count");
        long nodes = cJSON_IsNumber(cnt) && cnt->valuedouble >= 0 && cnt->valuedouble <= 1000
                         ? (long)cnt->valuedouble : 0;
        if (!subnet || aks_subnet_prefix(subnet, &prefix) != 1 || k >= nseen || !name) {
            *why = "InvalidResourceReference";
            break;
        }
        for (long j = 0; j < nodes && !*why; j++, n++) {
            char inst[7];
            base36(j, inst);
            if (n >= cap || !aksnet__cidr_nth(&L->pod, (uint64_t)n << (32 - POD_RANGE_BITS), &out[n].pod) ||
                !aksnet__cidr_nth(&prefix, (uint64_t)next[k], &out[n].ip) ||
                (uint64_t)next[k] >= aksnet__cidr_size(&prefix) - 1) {
                *why = "SubnetIsFull";
                break;
            }
            next[k]++;
            snprintf(out[n].name, sizeof(out[n].name), "aks-%s-%s-vmss%s", name, L->hash, inst);
        }
        if (*why)
            break;
    }
    if (*why) {
        free(out);
        return NULL;
    }
    *count = n;
    return out;
}

/* Routes of the table that AKS did not write for this cluster. */
static size_t foreign_routes(const struct mock_resource *rt, const char *hash)
{
    size_t n = 0;
    const cJSON *route, *routes = rt ? cJSON_GetObjectItemCaseSensitive(aks_props_of(rt->body), "routes") : NULL;
    cJSON_ArrayForEach(route, routes) {
        n += !aks_is_route(mock_json_str(route, "name"), hash);
    }
    return n;
}

/* Associate a route table with a subnet inside its VNet's body (the table shows the link on GET). */
static void associate(struct armmock *m, const char *subnet_id, const struct mock_resource *rt)
{
    struct mock_resource *vnet = NULL;
    cJSON *subnet = aks_find_subnet(m, subnet_id, &vnet);
    if (!subnet)
        return;
    cJSON *link = cJSON_CreateObject();
    cJSON_AddStringToObject(link, "id", rt->id);
    mock_json_set(mock_json_obj(subnet, "properties"), "routeTable", link);
    mock_network_new_etag(vnet);
}

/*
 * The cluster's route table: the one of its subnet, or (as AKS does when the
 * subnet has none) aks-agentpool-<hash>-routetable in the node group,
 * associated with every subnet of the cluster.
 */
static struct mock_resource *ensure_route_table(struct armmock *m, const struct aks_layout *L, const char *managed)
{
    const cJSON *pool;
    struct mock_resource *vnet = NULL;
    cJSON_ArrayForEach(pool, L->pools) {
        const cJSON *subnet = aks_find_subnet(m, pool_subnet(pool, managed), &vnet);
        const char *rt = subnet ? aks_subnet_route_table(subnet) : NULL;
        struct mock_resource *r = rt ? mock_store_get(&m->store, rt) : NULL;
        if (r && r->type == &mock_type_route_table)
            return r;
    }
    char id[ID_LEN], name[64];
    snprintf(name, sizeof(name), "aks-agentpool-%s-routetable", L->hash);
    if (!aks_fmt_ok(id, sizeof(id), "%s/providers/Microsoft.Network/routeTables/%s", L->group_id, name))
        return NULL;
    cJSON *b = aks_tracked_body(id, name, "Microsoft.Network/routeTables", L->location);
    cJSON_AddFalseToObject(aks_props_of(b), "disableBgpRoutePropagation");
    cJSON_AddArrayToObject(aks_props_of(b), "routes");
    struct mock_resource *rt = mock_store_put(&m->store, id, &mock_type_route_table, b, mock_now(m));
    mock_network_new_etag(rt);
    const cJSON *pools = rt ? L->pools : NULL;
    cJSON_ArrayForEach(pool, pools) {
        associate(m, pool_subnet(pool, managed), rt);
    }
    return rt;
}

/* One route in the agreed layout of a route table's body. */
static cJSON *route_json(const char *table_id, const struct aks_route *route)
{
    char id[ID_LEN], prefix[AKSNET_CIDR_STRLEN], ip[AKSNET_IP_STRLEN];
    struct aksnet__cidr pod = {.addr = route->pod, .len = POD_RANGE_BITS};
    snprintf(id, sizeof(id), "%s/routes/%s", table_id, route->name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", route->name);
    cJSON_AddStringToObject(o, "type", "Microsoft.Network/routeTables/routes");
    cJSON *p = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(p, "provisioningState", "Succeeded");
    cJSON_AddStringToObject(p, "addressPrefix", aksnet__cidr_format(&pod, prefix));
    cJSON_AddStringToObject(p, "nextHopType", "VirtualAppliance");
    cJSON_AddStringToObject(p, "nextHopIpAddress", aksnet__ip_format(route->ip, ip));
    return o;
}

/* Drop the routes AKS wrote for the cluster with this hash from one table; true if there were any. */
static bool drop_own_routes(struct mock_resource *rt, const char *hash)
{
    cJSON *routes = cJSON_GetObjectItemCaseSensitive(aks_props_of(rt->body), "routes");
    bool dropped = false;
    for (int i = cJSON_GetArraySize(routes) - 1; i >= 0; i--)
        if (aks_is_route(mock_json_str(cJSON_GetArrayItem(routes, i), "name"), hash)) {
            cJSON_DeleteItemFromArray(routes, i);
            dropped = true;
        }
    return dropped;
}

/* Replace this cluster's routes in the table, keeping every other route. */
static void write_routes(struct mock_resource *rt, const char *hash, const struct aks_route *routes, size_t n)
{
    drop_own_routes(rt, hash);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(aks_props_of(rt->body), "routes");
    if (!cJSON_IsArray(list)) {
        list = cJSON_CreateArray();
        mock_json_set(mock_json_obj(rt->body, "properties"), "routes", list);
    }
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, route_json(rt->id, &routes[i]));
    mock_network_new_etag(rt);
}

/* Kubenet's routes, one per node, or the operation's failure when the table cannot take them. */
void aks_route_nodes(struct armmock *m, const struct aks_layout *L, const char *managed, struct mock_op *op)
{
    const char *why = NULL;
    size_t n = 0;
    char msg[512];
    struct aks_route *routes = plan_routes(m, L, managed, &n, &why);
    struct mock_resource *rt = routes ? ensure_route_table(m, L, managed) : NULL;
    size_t keep = foreign_routes(rt, L->hash);
    if (!routes) {
        snprintf(msg, sizeof(msg), "The nodes of the cluster could not be given addresses and pod ranges (%s).", why);
        aks_fail_op(op, why, msg);
    } else if (!rt) {
        aks_fail_op(op, "ReconcileRouteTableError", "The cluster's route table could not be made.");
    } else if (keep + n > ROUTE_TABLE_LIMIT) {
        snprintf(msg, sizeof(msg), "Reconcile route table failed: route table %s would hold %zu routes (%zu of "
                 "the cluster's nodes, %zu others); a route table holds at most %d routes.", rt->id, keep + n, n,
                 keep, ROUTE_TABLE_LIMIT);
        aks_fail_op(op, "ReconcileRouteTableError", msg);
    } else {
        write_routes(rt, L->hash, routes, n);
    }
    free(routes);
}

/* Take the routes of the cluster with this hash out of every route table. */
void aks_drop_routes_everywhere(struct armmock *m, const char *hash)
{
    for (size_t i = 0; i < m->store.count; i++)
        if (m->store.items[i]->type == &mock_type_route_table && drop_own_routes(m->store.items[i], hash))
            mock_network_new_etag(m->store.items[i]);
}

/* Subnets outside the node group lose their link to a route table inside it (the table goes with the group). */
void aks_dissociate_group_tables(struct armmock *m, const char *group_id)
{
    for (size_t i = 0; i < m->store.count; i++) {
        struct mock_resource *v = m->store.items[i];
        cJSON *s;
        bool changed = false;
        if (v->type != &mock_type_vnet || aks_scope_covers(group_id, v->id))
            continue;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(aks_props_of(v->body), "subnets")) {
            const char *rt = aks_subnet_route_table(s);
            if (rt && aks_scope_covers(group_id, rt)) {
                cJSON_DeleteItemFromObjectCaseSensitive(aks_props_of(s), "routeTable");
                changed = true;
            }
        }
        if (changed)
            mock_network_new_etag(v);
    }
}
