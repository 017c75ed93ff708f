/*
 * provision_taken.c - the address ranges in use around a plan's VNet, as ARM
 * holds them: the VNet's other subnets, the address space of every VNet it
 * is peered with (each peering's remoteAddressSpace), and the pod and
 * service ranges of the subscription's other managed clusters whose node
 * pools sit in the VNet or in a peered one.  The preflight checks the plan
 * against them (aksnet_suggest_check) and `aksnet suggest --from-arm`
 * chooses around them (aksnet_suggest_ranges).
 *
 * Only a kubenet cluster's pod range counts: kubenet routes its pods through
 * the VNet (a route per node), while Azure CNI Overlay's pod range is private
 * to its cluster and may be reused ("You can reuse the pod CIDR space on
 * multiple independent AKS clusters in the same VNet",
 * https://learn.microsoft.com/azure/aks/azure-cni-overlay).  A cluster with
 * Azure CNI (not overlay) has its pods in a subnet of its VNet, which the
 * subnets already cover.
 */
#include "provision_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SOURCE_MAX 512

/* ---- the list ------------------------------------------------------------------------ */

aksnet_code aksnet__taken_init(struct aksnet__taken *t, const char *vnet_id, const char *own_subnet_id,
                               const char *own_cluster_id)
{
    memset(t, 0, sizeof(*t));
    t->list = calloc(1, sizeof(*t->list));
    t->vnet_id = vnet_id;
    t->own_subnet_id = own_subnet_id;
    t->own_cluster_id = own_cluster_id;
    return t->list ? AKSNET_OK : AKSNET_ENOMEM;
}

void aksnet__taken_done(struct aksnet__taken *t)
{
    for (size_t i = 0; i < t->npeered; i++)
        free(t->peered[i]);
    free(t->peered);
    aksnet_provision_taken_free(t->list);
    memset(t, 0, sizeof(*t));
}

struct aksnet_taken_list *aksnet__taken_release(struct aksnet__taken *t)
{
    struct aksnet_taken_list *l = t->list;
    t->list = NULL;
    return l;
}

static aksnet_code add(struct aksnet__taken *t, const char *cidr, aksnet_taken_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One range and where it comes from (both copied). */
static aksnet_code add(struct aksnet__taken *t, const char *cidr, aksnet_taken_kind kind, const char *fmt, ...)
{
    struct aksnet_taken_list *l = t->list;
    if (!cidr)
        return AKSNET_OK;
    if (l->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct aksnet_taken *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return AKSNET_ENOMEM;
        l->items = items;
        t->cap = cap;
    }
    char source[SOURCE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(source, sizeof(source), fmt, ap);
    va_end(ap);
    char *c = strdup(cidr), *s = strdup(source);
    if (!c || !s) {
        free(c);
        free(s);
        return AKSNET_ENOMEM;
    }
    struct aksnet_taken *it = &l->items[l->count++];
    it->cidr = c;
    it->kind = kind;
    it->source = s;
    return AKSNET_OK;
}

/* The last segment of an id ("hub" of .../virtualNetworks/hub); the id itself when it has no '/'. */
static const char *last_segment(const char *id)
{
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : id ? id : "?";
}

/* Every string of a JSON array of prefixes, as one kind. */
static aksnet_code add_prefixes(struct aksnet__taken *t, const cJSON *array, aksnet_taken_kind kind,
                                const char *source)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, array)
    {
        if (cJSON_IsString(p) && add(t, p->valuestring, kind, "%s", source) != AKSNET_OK)
            return AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

static aksnet_code add_peered(struct aksnet__taken *t, const char *id)
{
    char **p = realloc(t->peered, (t->npeered + 1) * sizeof(*p));
    if (!p)
        return AKSNET_ENOMEM;
    t->peered = p;
    if (!(t->peered[t->npeered] = strdup(id)))
        return AKSNET_ENOMEM;
    t->npeered++;
    return AKSNET_OK;
}

/* ---- what ARM holds ------------------------------------------------------------------ */

aksnet_code aksnet__taken_vnet(struct aksnet__taken *t, const cJSON *vnet)
{
    const char *vname = last_segment(t->vnet_id);
    char source[SOURCE_MAX];
    const cJSON *s;
    cJSON_ArrayForEach(s, aksnet__json_at(vnet, "properties.subnets"))
    {
        const char *sid = aksnet__json_str(s, "id"), *name = aksnet__json_str(s, "name");
        if (aksnet__provision_same_id(sid, t->own_subnet_id))
            continue;
        aksnet__provision_format(source, sizeof(source), "subnet %s of VNet %s", name ? name : last_segment(sid),
                                 vname);
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
        if (add(t, aksnet__json_str(props, "addressPrefix"), AKSNET_TAKEN_SUBNET, "%s", source) != AKSNET_OK ||
            add_prefixes(t, aksnet__json_at(props, "addressPrefixes"), AKSNET_TAKEN_SUBNET, source) != AKSNET_OK)
            return AKSNET_ENOMEM;
    }
    const cJSON *pe;
    cJSON_ArrayForEach(pe, aksnet__json_at(vnet, "properties.virtualNetworkPeerings"))
    {
        const char *remote = aksnet__json_str(pe, "properties.remoteVirtualNetwork.id");
        aksnet__provision_format(source, sizeof(source), "peering %s of VNet %s to VNet %s",
                                 aksnet__json_str(pe, "name") ? aksnet__json_str(pe, "name") : "?", vname,
                                 last_segment(remote));
        if (add_prefixes(t, aksnet__json_at(pe, "properties.remoteAddressSpace.addressPrefixes"),
                         AKSNET_TAKEN_PEERED_VNET, source) != AKSNET_OK ||
            (remote && add_peered(t, remote) != AKSNET_OK))
            return AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

/* Is subnet_id in the plan's VNet or in one peered with it? */
static bool near_vnet(const struct aksnet__taken *t, const char *subnet_id)
{
    const char *cut = NULL;
    for (const char *p = subnet_id; p && *p; p++) /* ARM spells ids in any case */
        if (strncasecmp(p, "/subnets/", 9) == 0)
            cut = p;
    if (!cut)
        return false;
    size_t n = (size_t)(cut - subnet_id);
    if (t->vnet_id && strlen(t->vnet_id) == n && strncasecmp(t->vnet_id, subnet_id, n) == 0)
        return true;
    for (size_t i = 0; i < t->npeered; i++)
        if (strlen(t->peered[i]) == n && strncasecmp(t->peered[i], subnet_id, n) == 0)
            return true;
    return false;
}

aksnet_code aksnet__taken_cluster(struct aksnet__taken *t, const cJSON *cluster)
{
    const char *id = aksnet__json_str(cluster, "id");
    if (!id || aksnet__provision_same_id(id, t->own_cluster_id))
        return AKSNET_OK;
    bool near = false;
    const cJSON *pool;
    cJSON_ArrayForEach(pool, aksnet__json_at(cluster, "properties.agentPoolProfiles"))
    {
        near = near || near_vnet(t, aksnet__json_str(pool, "vnetSubnetID"));
    }
    if (!near)
        return AKSNET_OK;
    const cJSON *np = aksnet__json_at(cluster, "properties.networkProfile");
    const char *plugin = aksnet__json_str(np, "networkPlugin"), *mode = aksnet__json_str(np, "networkPluginMode");
    bool routed_pods = plugin && strcasecmp(plugin, "kubenet") == 0 && !(mode && strcasecmp(mode, "overlay") == 0);
    char source[SOURCE_MAX];
    aksnet__provision_format(source, sizeof(source), "managed cluster %s", last_segment(id));
    if ((routed_pods && add(t, aksnet__json_str(np, "podCidr"), AKSNET_TAKEN_CLUSTER_POD, "%s", source) != AKSNET_OK) ||
        add(t, aksnet__json_str(np, "serviceCidr"), AKSNET_TAKEN_CLUSTER_SERVICE, "%s", source) != AKSNET_OK)
        return AKSNET_ENOMEM;
    return AKSNET_OK;
}

/* ---- the public reader ----------------------------------------------------------------- */

static aksnet_code vnet_space(struct aksnet_taken_list *l, const cJSON *vnet)
{
    const cJSON *prefixes = aksnet__json_at(vnet, "properties.addressSpace.addressPrefixes"), *p;
    size_t n = (size_t)cJSON_GetArraySize(prefixes);
    l->vnet_prefixes = calloc(n + 1, sizeof(char *));
    if (!l->vnet_prefixes)
        return AKSNET_ENOMEM;
    cJSON_ArrayForEach(p, prefixes)
    {
        if (cJSON_IsString(p) && !(l->vnet_prefixes[l->vnet_prefix_count++] = strdup(p->valuestring)))
            return AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

/* The plan's own subnet as ARM holds it: its prefix. */
static aksnet_code own_subnet(struct aksnet_taken_list *l, const cJSON *vnet, const char *subnet_id)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, aksnet__json_at(vnet, "properties.subnets"))
    {
        const char *prefix = aksnet__json_str(s, "properties.addressPrefix");
        if (!prefix)
            prefix = aksnet__json_str(s, "properties.addressPrefixes.0");
        if (aksnet__provision_same_id(aksnet__json_str(s, "id"), subnet_id) && prefix)
            return (l->subnet_prefix = strdup(prefix)) ? AKSNET_OK : AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

static aksnet_code read_taken(const struct aksnet__arm_client *arm, const struct aksnet_plan *plan,
                              const struct aksnet_resource_ids *ids, struct aksnet__taken *t, struct aksnet_error *err)
{
    cJSON *vnet = NULL, *clusters = NULL;
    aksnet_code rc = aksnet__arm_get(arm, ids->vnet, AKSNET_API_NETWORK, &vnet, err);
    if (rc != AKSNET_OK || !vnet)
        return rc; /* no VNet: nothing is in it, nothing is peered with it */
    t->list->vnet_exists = true;
    if ((rc = vnet_space(t->list, vnet)) == AKSNET_OK && (rc = own_subnet(t->list, vnet, ids->subnet)) == AKSNET_OK)
        rc = aksnet__taken_vnet(t, vnet);
    cJSON_Delete(vnet);
    if (rc != AKSNET_OK)
        return rc == AKSNET_ENOMEM ? aksnet_error_set(err, rc, "out of memory") : rc;
    char path[AKSNET_ID_MAX];
    aksnet__provision_format(path, sizeof(path),
                             "/subscriptions/%s/providers/Microsoft.ContainerService/managedClusters",
                             plan->subscription_id);
    rc = aksnet__arm_list(arm, path, AKSNET_API_AKS, NULL, &clusters, err);
    if (rc == AKSNET_EARM && err->http_status == 403) {
        /* A user whose rights end at a resource group: the clusters are not known, and the caller is told. */
        t->list->clusters_unread = true;
        aksnet_error_clear(err);
        return AKSNET_OK;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, clusters)
    {
        if (rc == AKSNET_OK && aksnet__taken_cluster(t, c) != AKSNET_OK)
            rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    cJSON_Delete(clusters);
    return rc;
}

aksnet_code aksnet_provision_read_taken(struct aksnet_client *client, const struct aksnet_plan *plan,
                                        struct aksnet_taken_list **out, struct aksnet_error *err)
{
    *out = NULL;
    struct aksnet_resource_ids ids;
    aksnet_code rc = aksnet__resources_ids(plan, &ids, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__taken t;
    if (aksnet__taken_init(&t, ids.vnet, ids.subnet, ids.cluster) != AKSNET_OK) {
        aksnet__taken_done(&t);
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    struct aksnet__arm_client *arm = NULL;
    rc = aksnet__client_acquire(client, &arm, err);
    if (rc == AKSNET_OK)
        rc = read_taken(arm, plan, &ids, &t, err);
    if (arm)
        aksnet__client_release(client, arm);
    if (rc == AKSNET_OK)
        *out = aksnet__taken_release(&t);
    aksnet__taken_done(&t);
    return rc;
}

void aksnet_provision_taken_free(struct aksnet_taken_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free((char *)list->items[i].cidr);
        free((char *)list->items[i].source);
    }
    free(list->items);
    for (size_t i = 0; i < list->vnet_prefix_count; i++)
        free(list->vnet_prefixes[i]);
    free(list->vnet_prefixes);
    free(list->subnet_prefix);
    free(list);
}
