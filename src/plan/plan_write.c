/*
 * plan_write.c - a plan written back out as a plan file, with the keys of
 * docs/plan.md in their order, so that `aksnet suggest --write` can hand the
 * user the completed plan and reading it back gives the same plan.  Values
 * the plan does not hold (NULL strings, AKSNET_PLAN_UNSET numbers) are left
 * out, as a user would leave them out.
 */
#include "aksnet/plan.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

/* Each adder returns false when out of memory; a NULL value adds nothing. */
static bool add_str(cJSON *o, const char *key, const char *value)
{
    return !value || cJSON_AddStringToObject(o, key, value);
}

static bool add_long(cJSON *o, const char *key, long value)
{
    return value == AKSNET_PLAN_UNSET || cJSON_AddNumberToObject(o, key, (double)value);
}

static bool add_strv(cJSON *o, const char *key, char **values, size_t count, bool always)
{
    if (!values && !always)
        return true;
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; a && i < count; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(values[i])))
            return false;
    return a != NULL;
}

static bool write_network(cJSON *root, const struct aksnet_plan *p)
{
    cJSON *net = cJSON_AddObjectToObject(root, "network"), *vnet, *subnet;
    if (!net || !(vnet = cJSON_AddObjectToObject(net, "vnet")) || !add_str(vnet, "name", p->vnet.name) ||
        !add_str(vnet, "resourceGroup", p->vnet.resource_group) ||
        !add_strv(vnet, "addressPrefixes", p->vnet.address_prefixes, p->vnet.address_prefix_count, false) ||
        !cJSON_AddBoolToObject(vnet, "existing", p->vnet.existing) ||
        !(subnet = cJSON_AddObjectToObject(net, "subnet")) || !add_str(subnet, "name", p->subnet.name) ||
        !add_str(subnet, "addressPrefix", p->subnet.address_prefix) || !add_str(subnet, "id", p->subnet.id))
        return false;
    if (p->route_table.none) {
        if (!cJSON_AddFalseToObject(net, "routeTable"))
            return false;
    } else if (p->route_table.given || p->route_table.name) {
        cJSON *rt = cJSON_AddObjectToObject(net, "routeTable"), *routes = NULL;
        if (!rt || !add_str(rt, "name", p->route_table.name))
            return false;
        if (p->route_table.route_count && !(routes = cJSON_AddArrayToObject(rt, "routes")))
            return false;
        for (size_t i = 0; i < p->route_table.route_count; i++) {
            const struct aksnet_route *r = &p->route_table.routes[i];
            cJSON *o;
            if (r->malformed)
                continue;
            if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(routes, o) || !add_str(o, "name", r->name) ||
                !add_str(o, "addressPrefix", r->address_prefix) || !add_str(o, "nextHopType", r->next_hop_type) ||
                !add_str(o, "nextHopIpAddress", r->next_hop_ip))
                return false;
        }
    }
    return add_strv(net, "avoidPrefixes", p->avoid_prefixes, p->avoid_prefix_count, false);
}

static bool write_pool(cJSON *pools, const struct aksnet_node_pool *pool)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(pools, o))
        return false;
    return add_str(o, "name", pool->name) && add_long(o, "count", pool->count) &&
           add_str(o, "vmSize", pool->vm_size) && add_long(o, "maxPods", pool->max_pods) &&
           add_str(o, "osType", pool->os_type) && add_str(o, "mode", pool->mode) &&
           add_str(o, "maxSurge", pool->max_surge) &&
           cJSON_AddBoolToObject(o, "enableAutoScaling", pool->enable_auto_scaling) &&
           add_long(o, "minCount", pool->min_count) && add_long(o, "maxCount", pool->max_count);
}

static bool write_cluster(cJSON *root, const struct aksnet_plan *p)
{
    cJSON *c = cJSON_AddObjectToObject(root, "cluster"), *pools;
    if (!c || !add_str(c, "name", p->cluster.name) || !add_str(c, "dnsPrefix", p->cluster.dns_prefix) ||
        !add_str(c, "kubernetesVersion", p->cluster.kubernetes_version) ||
        !add_str(c, "networkPlugin", p->cluster.network_plugin) ||
        !add_str(c, "networkPolicy", p->cluster.network_policy) ||
        !add_str(c, "outboundType", p->cluster.outbound_type) || !add_str(c, "podCidr", p->cluster.pod_cidr) ||
        !add_str(c, "serviceCidr", p->cluster.service_cidr) ||
        !add_str(c, "dnsServiceIp", p->cluster.dns_service_ip) || !(pools = cJSON_AddArrayToObject(c, "nodePools")))
        return false;
    for (size_t i = 0; i < p->cluster.node_pool_count; i++)
        if (!p->cluster.node_pools[i].malformed && !write_pool(pools, &p->cluster.node_pools[i]))
            return false;
    return true;
}

static bool write_plan(cJSON *root, const struct aksnet_plan *p)
{
    cJSON *tags = NULL, *id, *ra;
    if (!add_str(root, "cloud", p->cloud) || !add_str(root, "subscriptionId", p->subscription_id) ||
        !add_str(root, "location", p->location) || !add_str(root, "resourceGroup", p->resource_group) ||
        (p->tag_count && !(tags = cJSON_AddObjectToObject(root, "tags"))))
        return false;
    for (size_t i = 0; i < p->tag_count; i++)
        if (!cJSON_AddStringToObject(tags, p->tags[i].key, p->tags[i].value))
            return false;
    return write_network(root, p) && (id = cJSON_AddObjectToObject(root, "identity")) &&
           add_str(id, "type", p->identity.type) && add_str(id, "name", p->identity.name) &&
           add_str(id, "id", p->identity.id) && (ra = cJSON_AddObjectToObject(root, "roleAssignment")) &&
           add_str(ra, "scope", p->role_assignment.scope) &&
           add_str(ra, "roleDefinitionId", p->role_assignment.role_definition_id) &&
           add_long(ra, "waitSeconds", p->role_assignment.wait_seconds) && write_cluster(root, p);
}

aksnet_code aksnet_plan_to_json(const struct aksnet_plan *plan, char **out)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (root && write_plan(root, plan))
        *out = cJSON_Print(root);
    cJSON_Delete(root);
    return *out ? AKSNET_OK : AKSNET_ENOMEM;
}

void aksnet_plan_json_free(char *text)
{
    cJSON_free(text);
}
