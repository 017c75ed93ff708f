/*
 * arm_resources.c - Microsoft.Resources: subscriptions, tenants, resource
 * providers and resource groups.  A resource group is created synchronously
 * and deleted as a long-running operation that takes everything in it.
 *
 * Depends on: lro.c, regions.c (mock_check_location(),
 * mock_region_display_names()), store.c (mock_store_get(), mock_store_put()),
 * tags.c (mock_check_tags()), token.c (mock_caller_tenant()), types.c
 * (mock_type_at()), util.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

static const char *const resources_versions[] = {
    "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01", "2016-09-01", "2017-05-10",
    "2018-02-01", "2018-05-01", "2019-03-01", "2019-05-01", "2019-05-10", "2019-06-01", "2019-07-01",
    "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-06-01", "2020-08-01", "2020-10-01",
    "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01", "2022-12-01", "2023-07-01", "2024-03-01",
    "2024-07-01", "2024-11-01", "2025-01-01", "2025-03-01", "2025-04-01", NULL};

const struct mock_type mock_type_resource_group = {
    .provider = "Microsoft.Resources", .type = "resourceGroups", .arm_type = "Microsoft.Resources/resourceGroups",
    .api_versions = resources_versions,
};

/* The subscription as ARM describes it; clients read its tenant and state from here. */
static cJSON *subscription_json(const char *id, const char *tenant)
{
    char path[128];
    snprintf(path, sizeof(path), "/subscriptions/%s", id);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", path);
    cJSON_AddStringToObject(s, "subscriptionId", id);
    cJSON_AddStringToObject(s, "tenantId", tenant);
    cJSON_AddStringToObject(s, "displayName", "aksnet-mock");
    cJSON_AddStringToObject(s, "state", "Enabled");
    cJSON *pol = cJSON_AddObjectToObject(s, "subscriptionPolicies");
    cJSON_AddStringToObject(pol, "locationPlacementId", "Public_2014-09-01");
    cJSON_AddStringToObject(pol, "quotaId", "PayAsYouGo_2014-09-01");
    cJSON_AddStringToObject(pol, "spendingLimit", "Off");
    cJSON_AddStringToObject(s, "authorizationSource", "RoleBased");
    return s;
}

/* Any subscription id is accepted (the mock serves whatever it is asked for); the list holds the configured ones. */
void mock_arm_subscriptions(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (!mock_check_api_version(rq, resources_versions, "Microsoft.Resources/subscriptions", rs))
        return;
    if (strcmp(rq->method, "GET") != 0) {
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         rq->method);
        return;
    }
    char tenant[64];
    mock_caller_tenant(rq, tenant);
    if (rq->nsegs == 2) { /* any subscription id is accepted */
        mock_reply(rs, 200, subscription_json(rq->segs[1], tenant));
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; i < m->subscription_count; i++)
        cJSON_AddItemToArray(list, subscription_json(m->subscriptions[i], tenant));
    mock_reply(rs, 200, body);
}

/* The caller's own tenant only, as a token for one tenant sees it. */
void mock_arm_tenants(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    (void)m;
    if (!mock_check_api_version(rq, resources_versions, "Microsoft.Resources/tenants", rs))
        return;
    char tenant[64], id[96];
    mock_caller_tenant(rq, tenant);
    snprintf(id, sizeof(id), "/tenants/%s", tenant);
    cJSON *body = cJSON_CreateObject();
    cJSON *t = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "value"), t);
    cJSON_AddStringToObject(t, "id", id);
    cJSON_AddStringToObject(t, "tenantId", tenant);
    cJSON_AddStringToObject(t, "tenantCategory", "Home");
    cJSON_AddStringToObject(t, "displayName", "aksnet-mock");
    mock_reply(rs, 200, body);
}

/*
 * One of a provider's resourceTypes[], in the shape of ProviderResourceType
 * (specification/resources/resource-manager/Microsoft.Resources/stable/
 * 2021-04-01/resources.json; its example GetProvider.json): the type's name
 * under the namespace ("virtualNetworks/subnets"), the display names of the
 * regions it is in (none for a type that has no location), the
 * api-versions the mock accepts for it, newest first as ARM lists them,
 * and its capabilities: for a located top-level type the example's
 * "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove,
 * SupportsTags, SupportsLocation", for an extension type (role
 * assignments) "SupportsExtension", for a child type "None" (the values
 * per type are a guess).  locationMappings (edge zones) is left out: the
 * mock has no extended locations, and the example's second type, which
 * has none, leaves it out too.
 */
static cJSON *resource_type_json(const struct mock_type *t)
{
    char name[128];
    snprintf(name, sizeof(name), "%s%s%s", t->type, t->child_type ? "/" : "", t->child_type ? t->child_type : "");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "resourceType", name);
    cJSON_AddItemToObject(o, "locations", t->no_location ? cJSON_CreateArray() : mock_region_display_names());
    cJSON *versions = cJSON_AddArrayToObject(o, "apiVersions");
    size_t n = 0;
    while (t->api_versions[n])
        n++;
    while (n-- > 0)
        cJSON_AddItemToArray(versions, cJSON_CreateString(t->api_versions[n]));
    cJSON_AddStringToObject(o, "capabilities", t->child_type    ? "None"
                                               : t->no_location ? "SupportsExtension"
                                                                : "CrossResourceGroupResourceMove, "
                                                                  "CrossSubscriptionResourceMove, SupportsTags, "
                                                                  "SupportsLocation");
    return o;
}

/* Every provider is registered: the mock serves the types it knows under any namespace asked. */
static cJSON *provider_json(const char *sub, const char *ns)
{
    char id[256];
    snprintf(id, sizeof(id), "/subscriptions/%s/providers/%s", sub, ns);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "id", id);
    cJSON_AddStringToObject(p, "namespace", ns);
    cJSON_AddStringToObject(p, "registrationState", "Registered");
    cJSON_AddStringToObject(p, "registrationPolicy", "RegistrationRequired");
    cJSON *types = cJSON_AddArrayToObject(p, "resourceTypes");
    const struct mock_type *t;
    for (size_t i = 0; (t = mock_type_at(i)) != NULL; i++)
        if (strcasecmp(t->provider, ns) == 0)
            cJSON_AddItemToArray(types, resource_type_json(t));
    return p;
}

/* GET reads a provider's registration and POST .../register asks for it; both answer Registered. */
void mock_arm_providers(struct armmock *m, const struct mock_request *rq, const char *sub, const char *ns,
                        bool register_action, struct mock_response *rs)
{
    (void)m;
    if (!mock_check_api_version(rq, resources_versions, "Microsoft.Resources/providers", rs))
        return;
    bool post = strcmp(rq->method, "POST") == 0;
    if (register_action != post || (!post && strcmp(rq->method, "GET") != 0)) {
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         rq->method);
        return;
    }
    if (ns) {
        mock_reply(rs, 200, provider_json(sub, ns));
        return;
    }
    static const char *const namespaces[] = {"Microsoft.Resources", "Microsoft.Network", "Microsoft.ManagedIdentity",
                                             "Microsoft.Authorization", "Microsoft.ContainerService", NULL};
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; namespaces[i]; i++)
        cJSON_AddItemToArray(list, provider_json(sub, namespaces[i]));
    mock_reply(rs, 200, body);
}

/* ---- resource groups ---------------------------------------------------------- */

/* A group's canonical id, the store's key for it. */
static void group_id(const char *sub, const char *group, char out[512])
{
    snprintf(out, 512, "/subscriptions/%s/resourceGroups/%s", sub, group);
}

/* ARM's rule for group names: 1-90 of letters, digits, _-.() and non-ASCII, not ending in '.'. */
static bool group_name_ok(const char *g)
{
    size_t n = strlen(g);
    if (n == 0 || n > 90 || g[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)g[i];
        if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_-.()", c)))
            return false;
    }
    return true;
}

/* Groups are created synchronously, and may not change location, as ARM refuses that. */
static void group_put(struct armmock *m, const struct mock_request *rq, const char *sub, const char *group,
                      struct mock_response *rs)
{
    char id[512];
    group_id(sub, group, id);
    const char *location = mock_json_str(rq->json, "location");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rq->json, "tags");
    if (!group_name_ok(group)) {
        mock_reply_error(rs, 400, "InvalidResourceGroupName",
                         "Resource group name '%s' is invalid: 1-90 letters, digits, '_', '-', '.', '(' or ')', "
                         "not ending in '.'.", group);
        return;
    }
    if (!cJSON_IsObject(rq->json)) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The request content was invalid: expected a JSON object.");
        return;
    }
    if (!location || !*location) {
        mock_reply_error(rs, 400, "LocationRequired", "The location property is required for this definition.");
        return;
    }
    if (tags && !cJSON_IsObject(tags) && !cJSON_IsNull(tags)) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The property 'tags' must be an object.");
        return;
    }
    if (!mock_check_location(location, NULL, rs) || !mock_check_tags(tags, rs))
        return;
    struct mock_resource *r = mock_store_get(&m->store, id);
    const char *old_location = r ? mock_json_str(r->body, "location") : NULL;
    if (old_location && !mock_location_same(old_location, location)) {
        mock_reply_error(rs, 409, "InvalidResourceGroupLocation",
                         "Invalid resource group location '%s'. The Resource group already exists in location '%s'.",
                         location, old_location);
        return;
    }
    /* Only the group's own deletion blocks it: operations on what is inside do not. */
    if (r && mock_op_find_running(m, r->id, MOCK_OP_DELETE)) {
        mock_reply_error(rs, 409, "ResourceGroupBeingDeleted",
                         "The resource group '%s' is in deprovisioning state and cannot perform this operation.",
                         group);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "id", r ? r->id : id);
    cJSON_AddStringToObject(body, "name", r ? mock_json_str(r->body, "name") : group);
    cJSON_AddStringToObject(body, "type", "Microsoft.Resources/resourceGroups");
    cJSON_AddStringToObject(body, "location", old_location ? old_location : location);
    cJSON_AddItemToObject(body, "tags", cJSON_IsObject(tags) ? cJSON_Duplicate(tags, 1) : cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_AddObjectToObject(body, "properties"), "provisioningState", "Succeeded");
    int status = r ? 200 : 201;
    r = mock_store_put(&m->store, r ? r->id : id, &mock_type_resource_group, body, rq->now);
    if (!r) {
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return;
    }
    mock_reply(rs, status, cJSON_Duplicate(r->body, 1));
    rs->changed = true;
}

/* Top-level resources of a group, as GET .../resources lists them. */
static void group_resources(struct armmock *m, const char *id, struct mock_response *rs)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(body, "value");
    size_t n = strlen(id);
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        if (strncasecmp(r->id, id, n) != 0 || r->id[n] != '/' || !r->type || r->type->child_type ||
            r->type == &mock_type_resource_group || strstr(r->id + n, "/providers/Microsoft.Authorization/"))
            continue;
        cJSON *o = cJSON_CreateObject();
        static const char *const keys[] = {"id", "name", "type", "location", "tags", NULL};
        for (size_t k = 0; keys[k]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, keys[k]);
            if (v)
                cJSON_AddItemToObject(o, keys[k], cJSON_Duplicate(v, 1));
        }
        cJSON_AddItemToArray(list, o);
    }
    mock_reply(rs, 200, body);
}

/* Groups are listed from the store by the subscription's prefix, in id order. */
static void group_list(struct armmock *m, const char *sub, struct mock_response *rs)
{
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "/subscriptions/%s/resourceGroups/", sub);
    size_t n = strlen(prefix);
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        if (r->type == &mock_type_resource_group && strncasecmp(r->id, prefix, n) == 0)
            cJSON_AddItemToArray(list, cJSON_Duplicate(r->body, 1));
    }
    mock_reply(rs, 200, body);
}

/* The resource group endpoints, including its resources list and its long-running delete. */
void mock_arm_group(struct armmock *m, const struct mock_request *rq, const char *sub, const char *group,
                    bool resources, struct mock_response *rs)
{
    if (!mock_check_api_version(rq, resources_versions, "Microsoft.Resources/resourceGroups", rs))
        return;
    const char *method = rq->method;
    if (!group) {
        if (strcmp(method, "GET") == 0)
            group_list(m, sub, rs);
        else
            mock_reply_error(rs, 405, "MethodNotAllowed", "Use GET on the resource group collection.");
        return;
    }
    char id[512];
    group_id(sub, group, id);
    struct mock_resource *r = mock_store_get(&m->store, id);
    if (strcmp(method, "PUT") == 0 && !resources) {
        group_put(m, rq, sub, group, rs);
        return;
    }
    if (!r) {
        mock_reply_error(rs, 404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", group);
        return;
    }
    if (resources && strcmp(method, "GET") == 0) {
        group_resources(m, r->id, rs);
    } else if (strcmp(method, "GET") == 0) {
        mock_reply(rs, 200, cJSON_Duplicate(r->body, 1));
    } else if (strcmp(method, "HEAD") == 0) {
        rs->status = 204;
    } else if (strcmp(method, "DELETE") == 0 && !resources) {
        const struct mock_op *running = mock_op_find_running(m, r->id, MOCK_OP_DELETE);
        if (running) {
            mock_op_answer(m, rq, running, 202, rs); /* already being deleted: the same answer */
            return;
        }
        mock_json_set_str(mock_json_obj(r->body, "properties"), "provisioningState", "Deleting");
        mock_op_start(m, rq, r->id, MOCK_OP_DELETE, "Microsoft.Resources", mock_json_str(r->body, "location"), 202,
                      rs);
    } else {
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         method);
    }
}
