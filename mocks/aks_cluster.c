/*
 * aks_cluster.c - the checks of a managed cluster's PUT on the cluster's own
 * members: its name, sku, identity (the user-assigned one must exist),
 * Kubernetes version and RBAC, and what an update may not change.  Each
 * refuses as AKS does, with AKS's code and the field it blames.
 *
 * Depends on: aks_common.c, aks_lookup.c (aks_find_ci()), arm_identity.c
 * (mock_type_identity), store.c (mock_store_get()), token.c
 * (mock_caller_tenant()), util.c, src/util (resid).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

#define DEFAULT_K8S "1.30"

/* Managed cluster names: 1-63 letters, digits, '_' or '-', alphanumeric at both ends, no reserved words. */
bool aks_check_cluster_name(struct aks_ctx *c)
{
    const char *n = c->t->name;
    size_t len = strlen(n);
    bool ok = len >= 1 && len <= 63 && isalnum((unsigned char)n[0]) && isalnum((unsigned char)n[len - 1]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)n[i]) || n[i] == '-' || n[i] == '_';
    if (!ok)
        return aks_refuse(c->rs, "InvalidParameter", "name",
                          "The value of parameter name is invalid. Error details: \"%s\" must be 1 to 63 characters of "
                          "letters, digits, '_' and '-', starting and ending with a letter or digit. Please see "
                          "https://aka.ms/aks-naming-rules for more details.", n);
    if (aks_find_ci(n, "microsoft") || aks_find_ci(n, "windows"))
        return aks_refuse(c->rs, "InvalidParameter", "name",
                          "The value of parameter name is invalid. Error details: \"%s\" managed cluster name is "
                          "invalid because 'MICROSOFT' and 'WINDOWS' can't be used as either a whole word or a "
                          "substring in the name.. Please see https://aka.ms/aks-naming-rules for more details.", n);
    if (strncasecmp(n, "login", 5) == 0 || strncasecmp(n, "xbox", 4) == 0)
        return aks_refuse(c->rs, "InvalidParameter", "name",
                          "The value of parameter name is invalid. Error details: \"%s\" managed cluster name is "
                          "invalid because 'LOGIN' and 'XBOX' can't be used at the start of a resource name, but can "
                          "be used later in the name.. Please see https://aka.ms/aks-naming-rules for more details.",
                          n);
    return true;
}

/* SystemAssigned: a principal made now (kept across updates). */
static bool system_identity(struct aks_ctx *c)
{
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(c->old->body, "identity") : NULL;
    const char *was_type = mock_json_str(was, "type");
    bool keep = was_type && strcasecmp(was_type, "SystemAssigned") == 0;
    char fresh[37], tenant[64];
    mock_uuid(fresh);
    mock_caller_tenant(c->rq, tenant);
    const char *principal = keep ? mock_json_str(was, "principalId") : NULL;
    const char *tid = keep ? mock_json_str(was, "tenantId") : NULL;
    cJSON *id = cJSON_CreateObject();
    cJSON_AddStringToObject(id, "type", "SystemAssigned");
    cJSON_AddStringToObject(id, "principalId", principal ? principal : fresh);
    cJSON_AddStringToObject(id, "tenantId", tid ? tid : tenant);
    mock_json_set(c->body, "identity", id);
    c->identity = ID_SYSTEM;
    return true;
}

/* UserAssigned: exactly one identity, which must exist (ARM asks Managed Identity first). */
static bool user_identity(struct aks_ctx *c, const cJSON *in)
{
    const cJSON *uai = cJSON_GetObjectItemCaseSensitive(in, "userAssignedIdentities");
    if (!cJSON_IsObject(uai) || cJSON_GetArraySize(uai) != 1 || !uai->child->string)
        return aks_refuse(c->rs, "InvalidParameter", "identity.userAssignedIdentities",
                          "The value of parameter identity.userAssignedIdentities is invalid. Error details: a cluster "
                          "with identity type UserAssigned takes exactly one user-assigned identity.");
    const char *key = uai->child->string;
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(key, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL))
        return aks_refuse(c->rs, "InvalidManagedIdentityResourceID", "identity.userAssignedIdentities",
                          "The user-assigned identity resource id '%s' is invalid.", key);
    const struct mock_resource *r = mock_store_get(&c->m->store, key);
    if (!r || r->type != &mock_type_identity)
        return aks_refuse(c->rs, "FailedIdentityOperation", NULL,
                          "Identity operation for resource '%s' failed with error 'Failed to perform resource identity "
                          "operation. Status: 'NotFound'. Response: '{\"error\":{\"code\":\"NotFound\",\"message\":"
                          "\"Resource '%s' was not found.\"}}'.'.", c->t->id, key);
    const cJSON *p = aks_props_of(r->body);
    cJSON *id = cJSON_CreateObject(), *map = NULL, *entry = NULL;
    cJSON_AddStringToObject(id, "type", "UserAssigned");
    map = cJSON_AddObjectToObject(id, "userAssignedIdentities");
    entry = cJSON_AddObjectToObject(map, key);
    mock_json_set_str(entry, "principalId", mock_json_str(p, "principalId"));
    mock_json_set_str(entry, "clientId", mock_json_str(p, "clientId"));
    mock_json_set(c->body, "identity", id);
    c->identity = ID_USER;
    c->principal = mock_json_str(p, "principalId");
    return true;
}

/* identity: SystemAssigned (the default), UserAssigned, or None with a service principal. */
bool aks_read_identity(struct aks_ctx *c)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(c->rq->json, "identity");
    const char *type = NULL;
    if (!in && c->old)
        in = cJSON_GetObjectItemCaseSensitive(c->old->body, "identity");
    if (in && !cJSON_IsObject(in))
        return aks_bad_type(c->rs, "identity", "an object");
    if (!aks_get_str(in, "type", "identity.type", NULL, &type, c->rs))
        return false;
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile");
    const char *sp_client = cJSON_IsObject(sp) ? mock_json_str(sp, "clientId") : NULL;
    bool has_sp = sp_client && strcasecmp(sp_client, "msi") != 0;
    if (!type)
        type = has_sp ? "None" : "SystemAssigned";
    if (strcasecmp(type, "SystemAssigned") == 0)
        return system_identity(c);
    if (strcasecmp(type, "UserAssigned") == 0)
        return user_identity(c, in);
    if (strcasecmp(type, "None") == 0 && has_sp) {
        cJSON_DeleteItemFromObjectCaseSensitive(c->body, "identity");
        c->identity = ID_NONE;
        return true;
    }
    return aks_refuse(c->rs, "InvalidParameter", "identity.type",
                      "The value of parameter identity.type is invalid. Error details: '%s' is not SystemAssigned, "
                      "UserAssigned, or None with a servicePrincipalProfile.", type);
}

/* kubernetesVersion: "1.30" or "1.30.6"; the default when absent or empty
 * (the Azure CLI sends "" when --kubernetes-version is not given). */
bool aks_read_version(struct aks_ctx *c)
{
    const char *v = NULL;
    if (!aks_get_str(c->props, "kubernetesVersion", "properties.kubernetesVersion", NULL, &v, c->rs))
        return false;
    if (v && !*v)
        v = NULL;
    if (!v && c->old)
        v = mock_json_str(aks_props_of(c->old->body), "kubernetesVersion");
    if (!v)
        v = DEFAULT_K8S;
    size_t dots = 0, len = strlen(v);
    bool ok = len > 0 && len < sizeof(c->version) - 3 && isdigit((unsigned char)v[0]) &&
              isdigit((unsigned char)v[len - 1]);
    for (size_t i = 0; ok && i < len; i++) {
        dots += v[i] == '.';
        ok = isdigit((unsigned char)v[i]) || (v[i] == '.' && v[i + 1] != '.');
    }
    if (!ok || dots < 1 || dots > 2)
        return aks_refuse(c->rs, "InvalidParameter", "properties.kubernetesVersion",
                          "The value of parameter kubernetesVersion is invalid. Error details: '%s' is not a "
                          "Kubernetes version such as 1.30 or 1.30.6.", v);
    snprintf(c->version, sizeof(c->version), "%s", v);
    return true;
}

/* enableRBAC: a boolean, true unless turned off. */
bool aks_read_rbac(struct aks_ctx *c)
{
    bool rbac = true;
    if (!aks_get_bool(c->props, "enableRBAC", "properties.enableRBAC", true, &rbac, c->rs))
        return false;
    mock_json_set(c->props, "enableRBAC", cJSON_CreateBool(rbac));
    return true;
}

/*
 * The sku's names changed with api-version 2023-02-01: "Basic" became
 * "Base" and tier "Paid" became "Standard", as a breaking change
 * (https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers).
 * AKS refuses the other version's name with SkuNotAvailable and this
 * message: "Basic" at 2023-02-01 and later (Azure/azure-rest-api-specs#27263,
 * pulumi/pulumi-azure-native#2600, both 2024-09-01-era), "Base" before it
 * (MicrosoftDocs/azure-docs#107451, Azure/azure-rest-api-specs#23777).  The
 * spec's name enum is extensible (modelAsString), so the spec alone does
 * not settle it; its examples still send "Basic" (#27263 reports them).
 *
 * "Paid" at 2023-02-01 and later gets the same code and "Paid managed
 * cluster SKU tier is invalid. 'Paid' has been replaced by 'Standard'
 * since v2023-02-01. " (kubernetes-sigs/cluster-api-provider-azure#4045);
 * "Standard" before it is refused the same way, by symmetry: a guess.
 *
 * The names are those of the request's api-version, not of the cluster:
 * one cluster reads "Basic" at an old version and "Base" at a new one,
 * which is why Pulumi had to treat the pairs as equal when its default
 * version moved (pulumi/pulumi-azure-native#2669, fixed by #2688).  So a
 * cluster made at 2022-11-01 with the default "Basic" reads back "Base" at
 * 2024-09-01, and a PUT of that body is accepted.  The mock stores the new
 * names and aks_sku_present() renames them for an older version (found by
 * the Azure CLI's conformance run: the CLI creates at 2022-11-01, aksnet
 * then updates at 2024-09-01).
 */
static bool sku_renamed(const char *api_version)
{
    return api_version && strncmp(api_version, "2023-02-01", 10) >= 0;
}

/* The sku's stored name for one of either version's names: the new one. */
static const char *sku_stored(const char *name, const char *old_name, const char *new_name)
{
    return strcasecmp(name, old_name) == 0 ? new_name : name;
}

/* The stored sku in the names of api_version (the old ones before 2023-02-01). */
void aks_sku_present(cJSON *body, const char *api_version)
{
    cJSON *sku = cJSON_GetObjectItemCaseSensitive(body, "sku");
    if (sku_renamed(api_version) || !cJSON_IsObject(sku))
        return;
    const char *name = mock_json_str(sku, "name"), *tier = mock_json_str(sku, "tier");
    if (name && strcmp(name, "Base") == 0)
        mock_json_set_str(sku, "name", "Basic");
    if (tier && strcmp(tier, "Standard") == 0)
        mock_json_set_str(sku, "tier", "Paid");
}

/* sku: given (checked against the api-version's names), kept, or the default Base/Free (Basic/Free before). */
bool aks_read_sku(struct aks_ctx *c)
{
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(c->rq->json, "sku");
    bool kept = !sku && c->old;
    if (kept)
        sku = cJSON_GetObjectItemCaseSensitive(c->old->body, "sku");
    if (sku && !cJSON_IsObject(sku))
        return aks_bad_type(c->rs, "sku", "an object");
    bool renamed = sku_renamed(mock_arg(c->rq, "api-version"));
    const char *base = renamed ? "Base" : "Basic", *other = renamed ? "Basic" : "Base";
    const char *standard = renamed ? "Standard" : "Paid";
    const char *name = NULL, *tier = NULL;
    if (!aks_get_str(sku, "name", "sku.name", base, &name, c->rs) ||
        !aks_get_str(sku, "tier", "sku.tier", "Free", &tier, c->rs))
        return false;
    if (!kept && strcasecmp(name, other) == 0) /* the target is a guess: the quoted answers show code and message */
        return aks_refuse(c->rs, "SkuNotAvailable", "sku",
                          "%s managed cluster SKU name is invalid. 'Basic' has been replaced by 'Base' since "
                          "v2023-02-01. ", name);
    if (!kept && strcasecmp(tier, renamed ? "Paid" : "Standard") == 0)
        return aks_refuse(c->rs, "SkuNotAvailable", "sku",
                          "%s managed cluster SKU tier is invalid. 'Paid' has been replaced by 'Standard' since "
                          "v2023-02-01. ", tier);
    if (!kept && ((strcasecmp(name, base) != 0 && strcasecmp(name, "Automatic") != 0) ||
                  (strcasecmp(tier, "Free") != 0 && strcasecmp(tier, standard) != 0 &&
                   (!renamed || strcasecmp(tier, "Premium") != 0))))
        return aks_refuse(c->rs, "InvalidParameter", "sku", "The value of parameter sku is invalid: name %s, tier %s.",
                          name, tier);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", sku_stored(name, "Basic", "Base"));
    cJSON_AddStringToObject(out, "tier", sku_stored(tier, "Paid", "Standard"));
    mock_json_set(c->body, "sku", out);
    return true;
}

/* A network value an update may not change. */
static bool same_network_value(struct aks_ctx *c, const cJSON *old_np, const cJSON *np, const char *key)
{
    const char *a = mock_json_str(old_np, key), *b = mock_json_str(np, key);
    if (!a || !b || strcasecmp(a, b) == 0)
        return true;
    char target[64];
    snprintf(target, sizeof(target), "networkProfile.%s", key);
    return aks_refuse(c->rs, "PropertyChangeNotAllowed", target, "Changing property '%s' is not allowed.", target);
}

/* A pool an update keeps may not move to another subnet or VM size. */
static bool same_pool(struct aks_ctx *c, const cJSON *old_pools, const cJSON *pool)
{
    const char *name = mock_json_str(pool, "name");
    const cJSON *was;
    cJSON_ArrayForEach(was, old_pools) {
        const char *wn = mock_json_str(was, "name");
        if (!wn || !name || strcmp(wn, name) != 0)
            continue;
        static const char *const fixed[] = {"vnetSubnetID", "vmSize", NULL};
        for (size_t k = 0; fixed[k]; k++) {
            const char *a = mock_json_str(was, fixed[k]), *b = mock_json_str(pool, fixed[k]);
            if ((a || b) && (!a || !b || strcasecmp(a, b) != 0))
                return aks_refuse(c->rs, "PropertyChangeNotAllowed", "agentPoolProfile", "Changing property '%s' of "
                                  "agent pool %s is not allowed.", fixed[k], name);
        }
    }
    return true;
}

/* What an update may not change: plugin, ranges, DNS IP, pools' subnets and sizes. */
bool aks_check_update(struct aks_ctx *c)
{
    if (!c->old)
        return true;
    const cJSON *old_props = aks_props_of(c->old->body);
    const cJSON *old_np = cJSON_GetObjectItemCaseSensitive(old_props, "networkProfile");
    const cJSON *np = cJSON_GetObjectItemCaseSensitive(c->props, "networkProfile");
    static const char *const fixed[] = {"networkPlugin", "podCidr", "serviceCidr", "dnsServiceIP", NULL};
    for (size_t k = 0; fixed[k]; k++)
        if (!same_network_value(c, old_np, np, fixed[k]))
            return false;
    const cJSON *pool;
    cJSON_ArrayForEach(pool, cJSON_GetObjectItemCaseSensitive(c->props, "agentPoolProfiles")) {
        if (!same_pool(c, cJSON_GetObjectItemCaseSensitive(old_props, "agentPoolProfiles"), pool))
            return false;
    }
    return true;
}
