/*
 * aks_derived.c - what AKS derives and adds to a cluster's body beyond what
 * was asked: the DNS prefix with the FQDNs made from it, the node resource
 * group (which must not be someone else's), the kubelet identity, and the
 * members AKS reports of every cluster.
 *
 * Depends on: aks_common.c, aks_lookup.c (aks_id_hash(),
 * aks_node_group_id()), aks_network_profile.c (aks_write_lb_profile()),
 * store.c (mock_store_get()), util.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

/* A DNS prefix from name, group and subscription, as the CLI and portal derive one. */
static void derive_dns_prefix(const struct aks_ctx *c, char *out, size_t len)
{
    char raw[64];
    snprintf(raw, sizeof(raw), "%.10s-%.16s-%.6s", c->t->name, c->t->resource_group, c->t->subscription);
    size_t w = 0;
    for (size_t i = 0; raw[i] && w + 1 < len; i++)
        if (isalnum((unsigned char)raw[i]) || (raw[i] == '-' && w > 0 && out[w - 1] != '-'))
            out[w++] = raw[i];
    while (w > 0 && out[w - 1] == '-')
        w--;
    out[w] = '\0';
    if (w == 0)
        snprintf(out, len, "aks");
}

/* dnsPrefix (1-54 letters, digits, hyphens; alphanumeric ends), fqdn and portal FQDN. */
bool aks_read_dns_prefix(struct aks_ctx *c)
{
    const char *dp = NULL;
    char derived[64], fqdn[256], lower[64];
    if (!aks_get_str(c->props, "dnsPrefix", "properties.dnsPrefix", NULL, &dp, c->rs))
        return false;
    const char *was = c->old ? mock_json_str(aks_props_of(c->old->body), "dnsPrefix") : NULL;
    if (!dp && was)
        dp = was;
    if (!dp) {
        derive_dns_prefix(c, derived, sizeof(derived));
        dp = derived;
    }
    size_t len = strlen(dp);
    bool ok = len >= 1 && len <= 54 && isalnum((unsigned char)dp[0]) && isalnum((unsigned char)dp[len - 1]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)dp[i]) || dp[i] == '-';
    if (!ok)
        return aks_refuse(c->rs, "InvalidParameter", "dnsPrefix",
                          "The value of parameter dnsPrefix is invalid. Error details: DNS prefix '%s' must contain "
                          "between 1 and 54 characters, only letters, numbers and hyphens, and start and end with a "
                          "letter or a number.", dp);
    if (was && strcasecmp(was, dp) != 0)
        return aks_refuse(c->rs, "PropertyChangeNotAllowed", "dnsPrefix",
                          "Changing property 'dnsPrefix' is not allowed.");
    for (size_t i = 0; i <= len; i++)
        lower[i] = (char)tolower((unsigned char)dp[i]);
    uint32_t h = aks_id_hash(c->t->id, "fqdn");
    const char *loc = mock_json_str(c->body, "location");
    mock_json_set_str(c->props, "dnsPrefix", dp);
    snprintf(fqdn, sizeof(fqdn), "%s-%08x.hcp.%s.azmk8s.io", lower, (unsigned)h, loc ? loc : "");
    mock_json_set_str(c->props, "fqdn", fqdn);
    snprintf(fqdn, sizeof(fqdn), "%s-%08x.portal.hcp.%s.azmk8s.io", lower, (unsigned)h, loc ? loc : "");
    mock_json_set_str(c->props, "azurePortalFQDN", fqdn);
    return true;
}

/* nodeResourceGroup: given or MC_<group>_<cluster>_<location>; not the cluster's group, not someone else's. */
bool aks_read_node_group(struct aks_ctx *c)
{
    const char *given = NULL, *loc = mock_json_str(c->body, "location");
    if (!aks_get_str(c->props, "nodeResourceGroup", "properties.nodeResourceGroup", NULL, &given, c->rs))
        return false;
    const char *was = c->old ? mock_json_str(aks_props_of(c->old->body), "nodeResourceGroup") : NULL;
    if (was && given && strcasecmp(was, given) != 0)
        return aks_refuse(c->rs, "PropertyChangeNotAllowed", "nodeResourceGroup",
                          "Changing property 'nodeResourceGroup' is not allowed.");
    if (given || was)
        snprintf(c->node_group, sizeof(c->node_group), "%.80s", was ? was : given);
    else
        snprintf(c->node_group, sizeof(c->node_group), "MC_%s_%s_%s", c->t->resource_group, c->t->name,
                 loc ? loc : "");
    c->node_group[80] = '\0'; /* AKS keeps node resource group names to 80 characters */
    if (strcasecmp(c->node_group, c->t->resource_group) == 0)
        return aks_refuse(c->rs, "NodeResourceGroupSameAsResourceGroup", "nodeResourceGroup",
                          "The node resource group %s can not be the cluster's own resource group.", c->node_group);
    char id[ID_LEN];
    const struct mock_resource *g = NULL;
    if (!c->old && aks_node_group_id(c->t->id, c->node_group, id, sizeof(id)))
        g = mock_store_get(&c->m->store, id);
    const char *owner = g ? mock_json_str(g->body, "managedBy") : NULL;
    if (g && (!owner || strcasecmp(owner, c->t->id) != 0))
        return aks_refuse(c->rs, "NodeResourceGroupAlreadyExists", "nodeResourceGroup",
                          "The node resource group %s already exists. Use another name or delete the group.",
                          c->node_group);
    mock_json_set_str(c->props, "nodeResourceGroup", c->node_group);
    return true;
}

/* identityProfile.kubeletidentity: an identity AKS makes in the node resource group. */
static void write_kubelet_identity(const struct aks_ctx *c)
{
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(aks_props_of(c->old->body), "identityProfile"),
                                    "kubeletidentity")
                              : NULL;
    cJSON *kid = was ? cJSON_Duplicate(was, 1) : cJSON_CreateObject();
    char id[ID_LEN], client[37], object[37];
    mock_uuid(client);
    mock_uuid(object);
    if (!was && aks_fmt_ok(id, sizeof(id),
                           "/subscriptions/%s/resourcegroups/%s/providers/Microsoft.ManagedIdentity/"
                           "userAssignedIdentities/%s-agentpool", c->t->subscription, c->node_group, c->t->name)) {
        cJSON_AddStringToObject(kid, "resourceId", id);
        cJSON_AddStringToObject(kid, "clientId", client);
        cJSON_AddStringToObject(kid, "objectId", object);
    }
    cJSON *profile = cJSON_CreateObject();
    cJSON_AddItemToObject(profile, "kubeletidentity", kid);
    mock_json_set(c->props, "identityProfile", profile);
}

/* What AKS reports of every cluster beyond what was asked. */
void aks_complete_body(struct aks_ctx *c)
{
    char current[40];
    snprintf(current, sizeof(current), "%s%s", c->version, strchr(strchr(c->version, '.') + 1, '.') ? "" : ".0");
    mock_json_set_str(c->props, "kubernetesVersion", c->version);
    mock_json_set_str(c->props, "currentKubernetesVersion", current);
    aks_default_str(c->props, "supportPlan", "KubernetesOfficial");
    mock_json_set(c->props, "maxAgentPools", cJSON_CreateNumber(AKS_MAX_POOLS));
    mock_json_set(c->props, "powerState", cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->props, "powerState"), "code", "Running");
    if (c->identity != ID_NONE) {
        mock_json_set(c->props, "servicePrincipalProfile", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile"), "clientId",
                                "msi");
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile"),
                                                "secret");
    }
    const char *uid = c->old ? mock_json_str(aks_props_of(c->old->body), "resourceUID") : NULL;
    char fresh[25];
    snprintf(fresh, sizeof(fresh), "%08x%08x%08x", (unsigned)aks_id_hash(c->t->id, "uid"),
             (unsigned)aks_id_hash(c->t->id, "uid2"), (unsigned)aks_id_hash(c->t->id, "uid3"));
    mock_json_set_str(c->props, "resourceUID", uid ? uid : fresh);
    write_kubelet_identity(c);
    aks_write_lb_profile(c, mock_json_obj(c->props, "networkProfile"));
    aks_new_etags(c->body);
}
