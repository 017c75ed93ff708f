/*
 * aks_lookup.c - what AKS made is found again without hidden state: the
 * names it derives from a cluster's id (the 8-digit node hash in its nodes'
 * route names, the node resource group's id), and the subnets and route
 * tables a cluster refers to, looked up in the store.
 *
 * Depends on: aks_common.c (aks_fmt_ok(), aks_props_of()), arm_network.c
 * (mock_type_vnet), store.c (mock_store_get()), util.c (mock_json_str()),
 * src/util (cidr, resid).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

/* FNV-1a over the lower-cased id and a salt: stable names for what AKS makes for a cluster. */
uint32_t aks_id_hash(const char *id, const char *salt)
{
    uint32_t h = 2166136261u;
    for (const char *p = id; *p; p++) {
        h ^= (unsigned char)tolower((unsigned char)*p);
        h *= 16777619u;
    }
    for (const char *p = salt; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    return h;
}

/* The 8 digits AKS puts in node, scale set and route table names. */
void aks_node_hash(const char *cluster_id, char out[9])
{
    snprintf(out, 9, "%08u", (unsigned)(aks_id_hash(cluster_id, "nodes") % 100000000u));
}

/* True if an assignment or a resource at scope covers id (id is scope or lies under it). */
bool aks_scope_covers(const char *scope, const char *id)
{
    size_t n = strlen(scope);
    while (n > 1 && scope[n - 1] == '/')
        n--;
    return strncasecmp(scope, id, n) == 0 && (id[n] == '\0' || id[n] == '/');
}

/* Where needle starts in hay, case-insensitively, or NULL. */
const char *aks_find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* True if the route name is one AKS wrote for the cluster with this hash. */
bool aks_is_route(const char *name, const char *hash)
{
    char marker[24];
    snprintf(marker, sizeof(marker), "-%s-vmss", hash);
    return name && strncasecmp(name, "aks-", 4) == 0 && aks_find_ci(name, marker);
}

/* "/subscriptions/{sub}/resourceGroups/{group}" for the node resource group of a cluster id. */
bool aks_node_group_id(const char *cluster_id, const char *group, char *out, size_t len)
{
    const char *s = cluster_id + strlen("/subscriptions/");
    size_t n = strcspn(s, "/");
    return group && aks_fmt_ok(out, len, "/subscriptions/%.*s/resourceGroups/%s", (int)n, s, group);
}

/*
 * By the type's name, not by &mock_type_cluster: the type lives in arm_aks.c,
 * above this file, and only that type is called managedClusters.
 */
bool aks_is_cluster(const struct mock_resource *r)
{
    return r->type && strcmp(r->type->arm_type, AKS_ARM_TYPE) == 0;
}

/* The subnet named by id inside its VNet's body, or NULL; *vnet receives the VNet. */
cJSON *aks_find_subnet(struct armmock *m, const char *subnet_id, struct mock_resource **vnet)
{
    struct aksnet__resid rid;
    char vid[ID_LEN];
    if (!subnet_id || !aksnet__resid_parse(subnet_id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets") ||
        !aks_fmt_ok(vid, sizeof(vid), "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
                    "virtualNetworks/%s", rid.subscription, rid.resource_group, rid.name))
        return NULL;
    struct mock_resource *v = mock_store_get(&m->store, vid);
    if (!v || v->type != &mock_type_vnet)
        return NULL;
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(aks_props_of(v->body), "subnets")) {
        const char *name = mock_json_str(s, "name");
        if (name && strcasecmp(name, rid.child_name) == 0) {
            *vnet = v;
            return s;
        }
    }
    return NULL;
}

/* A subnet's single IPv4 prefix: 1 parsed, 0 unparsable, -1 several prefixes. */
int aks_subnet_prefix(const cJSON *subnet, struct aksnet__cidr *out)
{
    const cJSON *p = aks_props_of(subnet);
    const char *one = mock_json_str(p, "addressPrefix");
    const cJSON *many = cJSON_GetObjectItemCaseSensitive(p, "addressPrefixes");
    if (!one && cJSON_IsArray(many)) {
        if (cJSON_GetArraySize(many) != 1)
            return -1;
        one = cJSON_IsString(many->child) ? many->child->valuestring : NULL;
    }
    return one && aksnet__cidr_parse(one, out) == AKSNET_CIDR_OK ? 1 : 0;
}

/* The table a subnet is associated with, as the Network RP keeps the link inside the subnet. */
const char *aks_subnet_route_table(const cJSON *subnet)
{
    return mock_json_str(cJSON_GetObjectItemCaseSensitive(aks_props_of(subnet), "routeTable"), "id");
}

/* True if the cluster stored as r uses kubenet. */
bool aks_stored_kubenet(const struct mock_resource *r)
{
    const char *plugin = mock_json_str(cJSON_GetObjectItemCaseSensitive(aks_props_of(r->body), "networkProfile"),
                                       "networkPlugin");
    return !plugin || strcasecmp(plugin, "kubenet") == 0;
}

/* True if the route table holds routes AKS wrote for the cluster with this hash. */
bool aks_table_has_routes_of(const struct mock_resource *rt, const char *hash)
{
    const cJSON *route;
    cJSON_ArrayForEach(route, cJSON_GetObjectItemCaseSensitive(aks_props_of(rt->body), "routes")) {
        if (aks_is_route(mock_json_str(route, "name"), hash))
            return true;
    }
    return false;
}
