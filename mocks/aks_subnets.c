/*
 * aks_subnets.c - the custom subnets a managed cluster's pools name: they
 * exist in the cluster's region and one VNet, have one prefix and no
 * delegation, hold every node plus surge, and the cluster's pod and service
 * ranges stay clear of the VNet.
 *
 * Depends on: aks_common.c (aks_props_of(), aks_refuse()), aks_lookup.c,
 * aks_network_profile.c (aks_check_reserved()), regions.c
 * (mock_location_same()), util.c (mock_json_str()), src/util (cidr, resid).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

#define AZURE_RESERVED_IPS 5       /* network, gateway, two DNS, broadcast */

/* NRP's answer when a pool's subnet does not exist where the cluster is. */
static bool missing_subnet(struct aks_ctx *c, const struct aks_pool *pool)
{
    return aks_refuse(c->rs, "InvalidResourceReference", "agentPoolProfile.vnetSubnetID",
                      "Resource %s referenced by resource /subscriptions/%s/resourceGroups/%s/providers/"
                      "Microsoft.Compute/virtualMachineScaleSets/aks-%s-%s-vmss was not found. Please make sure that "
                      "the referenced resource exists, and that both resources are in the same region.",
                      pool->subnet_id, c->t->subscription, c->node_group, pool->name, c->hash);
}

/* Add the subnet of a pool to c->subnets (once), checking that it exists and can hold nodes. */
static bool add_subnet(struct aks_ctx *c, const struct aks_pool *pool, size_t *index)
{
    for (size_t k = 0; k < c->nsubnets; k++)
        if (strcasecmp(c->subnets[k].id, pool->subnet_id) == 0) {
            *index = k;
            return true;
        }
    struct aks_subnet *s = &c->subnets[c->nsubnets];
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(pool->subnet_id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets"))
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                          "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: '%s' is not "
                          "a subnet resource id.", pool->subnet_id);
    s->id = pool->subnet_id;
    s->json = aks_find_subnet(c->m, pool->subnet_id, &s->vnet);
    const char *vloc = s->json ? mock_json_str(s->vnet->body, "location") : NULL;
    const char *loc = mock_json_str(c->body, "location");
    if (!s->json || !vloc || !loc || !mock_location_same(vloc, loc))
        return missing_subnet(c, pool);
    int got = aks_subnet_prefix(s->json, &s->prefix);
    if (got < 0)
        return aks_refuse(c->rs, "MultipleAddressPrefixesSubnetNotSupported", "agentPoolProfile.vnetSubnetID",
                          "Subnet %s has several address prefixes; AKS supports subnets with one.", s->id);
    if (got == 0)
        return aks_refuse(c->rs, "GetSubnetCidrError", "agentPoolProfile.vnetSubnetID",
                          "The address prefix of subnet %s could not be read.", s->id);
    const cJSON *dele = cJSON_GetObjectItemCaseSensitive(aks_props_of(s->json), "delegations");
    if (cJSON_IsArray(dele) && cJSON_GetArraySize(dele) > 0)
        return aks_refuse(c->rs, "SubnetIsDelegated", "agentPoolProfile.vnetSubnetID",
                          "Subnet %s is delegated to another service and cannot be used for agent pools.", s->id);
    s->route_table = aks_subnet_route_table(s->json);
    s->need = 0;
    *index = c->nsubnets++;
    return true;
}

/* Every pool's subnet: existing, in the cluster's region, in one VNet; addresses counted per subnet. */
bool aks_resolve_subnets(struct aks_ctx *c)
{
    c->nsubnets = 0;
    for (size_t i = 0; i < c->npools; i++) {
        const struct aks_pool *pool = &c->pools[i];
        size_t k = 0;
        if (!pool->subnet_id)
            continue;
        if (!add_subnet(c, pool, &k))
            return false;
        long per_node = c->kubenet || c->overlay || strcmp(c->plugin, "none") == 0 ? 1 : pool->max_pods + 1;
        c->subnets[k].need += (pool->nodes + pool->surge) * per_node;
        if (c->subnets[k].vnet != c->subnets[0].vnet)
            return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                              "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: all "
                              "agent pools must use subnets of the same virtual network (%s and %s differ).",
                              c->subnets[0].id, c->subnets[k].id);
    }
    return true;
}

/* A range of the cluster against every subnet and address space of the VNet. */
static bool check_against_vnet(struct aks_ctx *c, const struct aksnet__cidr *r, const char *what, const char *code,
                               const char *target)
{
    const cJSON *vp = aks_props_of(c->subnets[0].vnet->body), *s, *space;
    char a[AKSNET_CIDR_STRLEN], b[AKSNET_CIDR_STRLEN];
    aksnet__cidr_format(r, a);
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(vp, "subnets")) {
        struct aksnet__cidr sp;
        if (aks_subnet_prefix(s, &sp) == 1 && aksnet__cidr_overlaps(r, &sp))
            return aks_refuse(c->rs, code, target, "The specified %s %s is conflicted with an existing subnet CIDR %s",
                              what, a, aksnet__cidr_format(&sp, b));
    }
    cJSON_ArrayForEach(space, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(vp, "addressSpace"), "addressPrefixes")) {
        struct aksnet__cidr sp;
        if (cJSON_IsString(space) && aksnet__cidr_parse(space->valuestring, &sp) == AKSNET_CIDR_OK &&
            aksnet__cidr_overlaps(r, &sp))
            return aks_refuse(c->rs, "InvalidParameter", target,
                              "The value of parameter %s is invalid. Error details: the %s %s overlaps the address "
                              "space %s of virtual network %s.", target, what, a, space->valuestring,
                              mock_json_str(c->subnets[0].vnet->body, "name"));
    }
    return true;
}

/* Service and pod ranges apart from the VNet; the VNet apart from the reserved ranges. */
bool aks_check_vnet_ranges(struct aks_ctx *c)
{
    if (c->nsubnets == 0)
        return true;
    const cJSON *space, *vnet_space =
        cJSON_GetObjectItemCaseSensitive(aks_props_of(c->subnets[0].vnet->body), "addressSpace");
    cJSON_ArrayForEach(space, cJSON_GetObjectItemCaseSensitive(vnet_space, "addressPrefixes")) {
        struct aksnet__cidr sp;
        if (cJSON_IsString(space) && aksnet__cidr_parse(space->valuestring, &sp) == AKSNET_CIDR_OK &&
            !aks_check_reserved(c, &sp, "virtual network address space", "agentPoolProfile.vnetSubnetID"))
            return false;
    }
    if (!check_against_vnet(c, &c->service, "service CIDR", "ServiceCidrOverlapExistingSubnetsCidr",
                            "networkProfile.serviceCIDR"))
        return false;
    return !(c->kubenet || c->overlay) ||
           check_against_vnet(c, &c->pod, "pod CIDR", "PodCidrOverlapExistingSubnetsCidr", "networkProfile.podCIDR");
}

/* Each subnet holds its nodes plus surge; Azure keeps 5 addresses of every subnet. */
bool aks_check_capacity(struct aks_ctx *c)
{
    for (size_t k = 0; k < c->nsubnets; k++) {
        const struct aks_subnet *s = &c->subnets[k];
        uint64_t size = aksnet__cidr_size(&s->prefix);
        uint64_t usable = size > AZURE_RESERVED_IPS ? size - AZURE_RESERVED_IPS : 0;
        char text[AKSNET_CIDR_STRLEN];
        aksnet__cidr_format(&s->prefix, text);
        if ((uint64_t)s->need <= usable)
            continue;
        if (c->old)
            return aks_refuse(c->rs, "SubnetIsFull", "agentPoolProfile.vnetSubnetID",
                              "Subnet %s with address prefix %s does not have enough capacity for %ld IP addresses.",
                              mock_json_str(s->json, "name"), text, s->need);
        return aks_refuse(c->rs, "InsufficientSubnetSize", "agentPoolProfile.vnetSubnetID",
                          "Pre-allocated IPs %ld exceeds IPs available %llu in Subnet Cidr %s, Subnet Name %s. If "
                          "Autoscaler is enabled, the max-count from each nodepool is counted towards this total "
                          "(which means that pre-allocated IPs count represents a theoretical max value, not the "
                          "actual number of IPs requested). http://aka.ms/aks/insufficientsubnetsize", s->need,
                          (unsigned long long)usable, text, mock_json_str(s->json, "name"));
    }
    return true;
}
